"""The light across a card: a smooth change of exposure over its patches, evened out
before the fit.

A lamp's or a window's falloff, a lens's vignetting and a card held at an angle to the
light make one side of the card brighter than the other: 5-25 % across the development
photos (docs/colour-detection.md, "Session 23"). A colour correction fitted to such a card
reads the difference as colour: the patches on the bright side pull its lightness up,
those on the dark side down, and each is predicted from the others worse.

The light is taken as a plane in log exposure over the card's grid, ``log E = bx * c + by
* r`` (``c`` the column from the card's middle, ``r`` the row from its grey row, in patch
pitches), and estimated from the fit itself: the patches' lightness as the fit predicts it
against their reference, regressed on their place. Evened out, the card is fitted again,
twice. The grey row keeps its exposure (``r = 0``), so the greys' tone curve moves only
with the light along the row.

A colour the fit gets wrong on one side of the card looks like light too. Each slope is
therefore kept by its significance, ``1 - (se / b)²`` of it (0 below one standard error:
no step, as a card's figures move with noise), and bounded; and only a card with
MIN_PATCHES usable patches is evened (with fewer, the clipped or covered ones are on one
side, and the plane follows the gap).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .delta_e import delta_e_2000, held_in_srgb, linear_to_lab
from .models import ColourFit, fit

__all__ = ["MIN_PATCHES", "evened", "leave_one_out_with_light", "light_field"]

MIN_PATCHES = 18  # usable patches a card needs for its light to be measured
LIMIT = 0.08  # at most this log exposure per patch pitch (~50 % across six columns)
_ROUNDS = 2  # estimate and fit again: the second round moves the slopes by < 0.002
_LUMINANCE = np.array([0.2126, 0.7152, 0.0722])


def _place(n: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Each patch's column from the card's middle and row from its last (grey) row."""
    i = np.arange(n)
    rows = n // cols
    return i % cols - (cols - 1) / 2, i // cols - (rows - 1.0)


def evened(measured: np.ndarray, field: np.ndarray, cols: int) -> np.ndarray:
    """``measured`` (N, 3) linear patches with the light ``field`` (bx, by) taken out."""
    c, r = _place(len(measured), cols)
    return np.asarray(measured, float) * np.exp(-(field[0] * c + field[1] * r))[:, None]


def _slopes(f: ColourFit, measured: np.ndarray, reference: np.ndarray, usable: np.ndarray,
            cols: int) -> tuple[np.ndarray, np.ndarray]:
    """The light left in ``measured`` under fit ``f``: slopes (bx, by) and their standard
    errors, from the log of each usable patch's predicted over reference luminance."""
    y_fit = f.apply_linear(measured, clip=False) @ _LUMINANCE
    y_ref = held_in_srgb(reference) @ _LUMINANCE
    r = np.log(np.maximum(y_fit, 1e-4) / np.maximum(y_ref, 1e-4))
    c, row = _place(len(measured), cols)
    A = np.c_[np.ones(len(r)), c, row][usable]
    sol, *_ = np.linalg.lstsq(A, r[usable], rcond=None)
    res = r[usable] - A @ sol
    cov = np.sum(res**2) / max(len(res) - 3, 1) * np.linalg.pinv(A.T @ A)
    return sol[1:], np.sqrt(np.maximum(np.diag(cov)[1:], 0.0))


def light_field(fit_fn: Callable[[np.ndarray], ColourFit], measured: np.ndarray, reference: np.ndarray,
                usable: np.ndarray, cols: int) -> tuple[ColourFit, np.ndarray]:
    """The card's fit with its light evened out, and the light (bx, by), log exposure per
    patch pitch across the columns and down the rows ((0, 0) where none is measured).

    ``fit_fn`` fits the card from its patches (N, 3); ``usable`` (N,) marks the patches
    the fit uses, ``reference`` their linear reference."""
    measured = np.asarray(measured, float)
    usable = np.asarray(usable, bool)
    f = fit_fn(measured)
    field = np.zeros(2)
    if usable.sum() < MIN_PATCHES or len(measured) % cols or len(measured) // cols < 2:
        return f, field
    for _ in range(_ROUNDS):
        b, se = _slopes(f, evened(measured, field, cols), reference, usable, cols)
        raw = field + b
        keep = np.clip(1.0 - (se / np.maximum(np.abs(raw), 1e-9)) ** 2, 0.0, 1.0)
        new = np.clip(raw * keep, -LIMIT, LIMIT)
        if np.array_equal(new, field):
            break
        field = new
        f = fit_fn(evened(measured, field, cols))
    return f, field


def leave_one_out_with_light(measured: np.ndarray, reference: np.ndarray, model: str, mask: np.ndarray,
                             cols: int, weights: np.ndarray | None = None, neutral: Sequence[int] | None = None,
                             partial: np.ndarray | None = None) -> np.ndarray:
    """:func:`models.leave_one_out` of the whole procedure: each usable patch's ΔE2000
    predicted by ``model`` fitted on the others, the light across the card measured on the
    others too (NaN outside ``mask``). With the light from all patches it would flatter
    by 0.1-0.2 (docs/colour-detection.md, "The light across the card")."""
    raw = np.asarray(measured, float)
    ref_lab = linear_to_lab(held_in_srgb(reference))
    out = np.full(len(raw), np.nan)
    for i in np.flatnonzero(mask):
        sub = np.asarray(mask, bool).copy()
        sub[i] = False

        def fold(patches: np.ndarray, sub: np.ndarray = sub) -> ColourFit:
            return fit(patches, reference, model, mask=sub, weights=weights, neutral=neutral, partial=partial)

        f, light = light_field(fold, raw, reference, sub, cols)
        out[i] = float(delta_e_2000(linear_to_lab(f.apply_linear(evened(raw, light, cols)[i])), ref_lab[i]))
    return out
