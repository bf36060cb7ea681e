"""Colour correction models: fit measured card patches to their reference values.

Registry ``CORRECTION_MODELS`` maps a model name to a fitter (in the spirit of
colour-science's ``COLOUR_CORRECTION_METHODS``); :func:`fit` is the validated front door.

All fitting happens in linear sRGB (D65). Every model is::

    y = M @ terms(curve(x))          then clipped to [0, 1]

``curve``  per-channel tone curve ``a_c * x_c ** g_c`` (identity for most models),
``terms``  ``linear`` (R, G, B) or ``root2`` (R, G, B, √RG, √GB, √RB),
``M``      3 x K matrix.

Models
------
white-balance    a gain per channel from the neutral patches (the only model for a grey card),
                 with three or more greys per channel also a power per channel relative
                 to the channels' common one: the greys balanced at every lightness.
matrix3x3        3x3 linear-RGB matrix, weighted ridge regression towards the white balance.
curve+matrix     per-channel power-law tone curve fitted on the neutral patches (monotone by
                 construction), then a 3x3 matrix that keeps equal-RGB neutral
                 (``M @ 1 = 1``), ridge-regularised towards identity.
root-polynomial  degree-2 root-polynomial (Finlayson, Mackiewicz & Hurlbert, "Color
                 Correction Using Root-Polynomial Regression", IEEE TIP 24(5), 2015);
                 exposure invariant, ridge towards the white balance.
curve+root-polynomial  a tone curve through the card's greys, then a root-polynomial.
blend            the mean of ``curve+matrix`` and ``curve+root-polynomial`` in linear light
                 where the greys need a tone curve through them, else ``curve+matrix``,
                 and in between a smaller share of the second (see ``_knot_trust``; the
                 automatic choice's default; docs/colour-detection.md, "Models").

Over-fitting guards: ridge regularisation, perceptual patch weights, output clipping, a
monotone and near-neutral grey axis, and a bound on how far the model may move colours of
the RGB cube away from plain white balance (no wild colours outside the chart gamut).
Each guard failure raises the regularisation until the model complies. A camera whose
channels overlap far (``_overlapping``: a Foveon's raw values) needs a matrix far from
white balance: its ridge starts weaker, and the cube holds only the colours it can record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .delta_e import (
    delta_e_2000,
    held_in_srgb,
    linear_to_lab,
    linear_to_srgb,
    srgb8_to_linear,
    srgb_to_linear,
)

__all__ = [
    "CORRECTION_MODELS",
    "ColourFit",
    "choose_model",
    "fit",
    "leave_one_out",
    "partial_misfit",
]

_ENC_SIZE = 16384
_ENC_LUT = np.clip(np.round(linear_to_srgb(np.linspace(0, 1, _ENC_SIZE)) * 255), 0, 255).astype(
    np.uint8
)
_EPS = 1e-6
# ridge strength relative to the data scale; raised by the guards when needed
_LAMBDA0 = 1e-3
# max ΔE2000 between the model and plain white balance on the RGB cube lattice
_CUBE_DE_LIMIT = 40.0
# A camera whose channels overlap far (a Foveon's raw values) records no colour more
# saturated than about 0.6 (a colour's (max - min) / max over its white-balanced channels,
# where a normal camera records some patch of the card at 0.9 or more). Its correction
# needs a matrix far from white balance (entries up to 7), which the ridge and the cube
# guard were made to hold back. For such a card the guard judges the camera colours up
# to _CUBE_REACH times the card's most saturated patch, the ridge starts at
# _OVERLAP_LAMBDA of its usual strength, and a plain 3 × 3 (the camera's own kind of
# matrix) is not held to the cube (docs/colour-detection.md, "Session 35").
_CUBE_REACH = 1.5
_OVERLAP_LAMBDA = 0.01
_SATURATED = 0.85  # a saturated patch of the card (9 of the Classic's 24 patches)
# greys needed for a tone curve through them; with fewer, leaving one out moves a curve
# through the rest too far, and the power law (two parameters) is the honest choice
_MIN_KNOTS = 5
# a crushed channel of a partial patch (see fit): candidates from 0 to its measured value,
# and the rounds of estimate-and-fit (on generated warm cards the third round's fit corrects
# colours as the eighth's does, < 0.001 ΔE2000 apart; the first alone is up to 0.3 off)
_PARTIAL_GRID = np.linspace(0.0, 1.0, 13)
_PARTIAL_ROUNDS = 3
# the common powers a card without three greys is fitted at (a linear sensor's is ~0.45)
_COMMON_POWERS = np.linspace(0.4, 1.3, 19)
FORMAT_VERSION = 3  # 2: tone curves through the greys (knots); 3: blends (parts)
BLEND = "blend"
# the blend's parts and their weights: the steady model and the accurate one, equally
BLEND_PARTS = (("curve+matrix", 0.5), ("curve+root-polynomial", 0.5))
# curve+root-polynomial keeps the power law where it explains every grey within this
# ΔE2000 and goes through the greys themselves where it misses one by more; between the
# two over ± the span, in steps too small to see (see _knot_trust)
_POWER_LAW_DE, _POWER_LAW_SPAN = 1.5, 0.5
# how far white balance's per-channel power may differ from the channels' common power
_RELATIVE_POWER = 0.15
# ... and how much of that difference (in log) is taken as the fit's noise, not the camera's
_RELATIVE_POWER_NOISE = 0.01
_IDENTITY = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))  # a blend's own matrix: unused


def _terms(x: np.ndarray, kind: str) -> np.ndarray:
    if kind == "linear":
        return x
    if kind == "root2":
        xp = np.maximum(x, 0.0)
        r, g, b = xp[..., 0], xp[..., 1], xp[..., 2]
        return np.concatenate(
            [x, np.stack([np.sqrt(r * g), np.sqrt(g * b), np.sqrt(r * b)], axis=-1)], axis=-1
        )
    raise ValueError(f"unknown terms {kind!r}")


@dataclass(frozen=True)
class ColourFit:
    """A fitted colour correction. Frozen and JSON-serialisable (:meth:`to_dict`)."""

    model: str
    matrix: tuple[tuple[float, ...], ...]
    terms: str = "linear"
    curve_gain: tuple[float, float, float] = (1.0, 1.0, 1.0)
    curve_gamma: tuple[float, float, float] = (1.0, 1.0, 1.0)
    card: str = "classic24"
    n_patches: int = 0
    regularisation: float = 0.0
    # per channel (log x knots, log y knots): the tone curve through the card's greys;
    # empty: the power law a x^g above. Beyond the end knots the curve goes on with the
    # power law's slope in log-log, so shadows and highlights extrapolate smoothly.
    curve_knots: tuple[tuple[tuple[float, ...], tuple[float, ...]], ...] = ()
    # a blend: (weight, fit) pairs whose outputs in linear light are averaged; the fields
    # above are then unused (identity)
    parts: tuple[tuple[float, ColourFit], ...] = ()
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False, hash=False)

    # -- maths -----------------------------------------------------------------
    @property
    def M(self) -> np.ndarray:
        return np.asarray(self.matrix, dtype=float)

    @property
    def has_curve(self) -> bool:
        return bool(self.curve_knots) or self.curve_gain != (1.0, 1.0, 1.0) \
            or self.curve_gamma != (1.0, 1.0, 1.0)

    def curve(self, x: np.ndarray) -> np.ndarray:
        if not self.has_curve:
            return x
        a = np.asarray(self.curve_gain)
        g = np.asarray(self.curve_gamma)
        if not self.curve_knots:
            return a * np.power(np.maximum(x, 0.0), g)
        x = np.asarray(x, dtype=float)
        out = np.empty(np.broadcast_shapes(x.shape, (3,)))
        lx_all = np.log(np.maximum(x, 1e-7))
        for c, (kx, ky) in enumerate(self.curve_knots):
            lx = lx_all[..., c]
            kx_, ky_ = np.asarray(kx), np.asarray(ky)
            ly = np.interp(lx, kx_, ky_)
            ly = np.where(lx < kx_[0], ky_[0] + g[c] * (lx - kx_[0]), ly)
            ly = np.where(lx > kx_[-1], ky_[-1] + g[c] * (lx - kx_[-1]), ly)
            out[..., c] = np.where(x[..., c] > 0, np.exp(ly), 0.0)
        return out

    def apply_linear(self, x: np.ndarray, clip: bool = True) -> np.ndarray:
        """Apply to linear sRGB values of any shape (..., 3); returns float64."""
        x = np.asarray(x, dtype=float)
        if self.parts:
            y = sum(w * f.apply_linear(x, clip=False) for w, f in self.parts)
        else:
            y = _terms(self.curve(x), self.terms) @ self.M.T
        return np.clip(y, 0.0, 1.0) if clip else y

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        """Correct a uint8 sRGB image (H, W, 3) and return uint8 sRGB.

        Decoding and the tone curve go through a 256-entry table per channel, the matrix
        through ``cv2.transform``, encoding through a 16k-entry table.
        """
        rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
        if rgb.ndim != 3 or rgb.shape[2] != 3:
            raise ValueError(f"expected an (H, W, 3) uint8 image, got shape {rgb.shape}")
        return _encode(self._blended(rgb, ColourFit._linear8))

    def _blended(self, rgb: np.ndarray, linear: Callable[[ColourFit, np.ndarray], np.ndarray]) -> np.ndarray:
        """The corrected linear float32 image: one fit's, or a blend's weighted sum."""
        import cv2

        if not self.parts:
            return linear(self, rgb)
        y = None
        for w, f in self.parts:
            part = linear(f, rgb)
            y = cv2.multiply(part, (w,) * 3 + (0.0,)) if y is None else cv2.scaleAdd(part, w, y)
        return y

    def _linear8(self, rgb: np.ndarray) -> np.ndarray:
        import cv2

        luts = self._cache.get("luts")
        if luts is None:
            lin = srgb8_to_linear(np.arange(256, dtype=np.uint8)).astype(float)
            lut = self.curve(lin[:, None].repeat(3, 1))
            luts = (
                np.ascontiguousarray(lut.reshape(256, 1, 3), dtype=np.float32),
                np.ascontiguousarray(
                    np.sqrt(np.maximum(lut, 0)).reshape(256, 1, 3), dtype=np.float32
                ),
                self.M.astype(np.float32),
            )
            self._cache["luts"] = luts
        lut, sqrt_lut, M = luts
        return self._matrix(cv2.LUT(rgb, lut), lambda: cv2.LUT(rgb, sqrt_lut), M)

    def apply16(self, rgb: np.ndarray) -> np.ndarray:
        """Correct a 16-bit sRGB image (H, W, 3) (from a RAW or a 16-bit TIFF/PNG) and
        return uint8 sRGB. The correction happens before the 8-bit stage, so a strong
        cast's squeezed channel is stretched from 16-bit data, not from a few 8-bit codes."""
        rgb = np.asarray(rgb)
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint16:
            raise ValueError(f"expected an (H, W, 3) uint16 image, got {rgb.dtype} {rgb.shape}")
        return _encode(self._blended(rgb, ColourFit._linear16))

    def _linear16(self, rgb: np.ndarray) -> np.ndarray:
        luts = self._cache.get("luts16")
        if luts is None:
            lin = srgb_to_linear(np.arange(65536) / 65535.0)
            lut = self.curve(lin[:, None].repeat(3, 1))
            luts = (np.ascontiguousarray(lut.T, dtype=np.float32),
                    np.ascontiguousarray(np.sqrt(np.maximum(lut, 0)).T, dtype=np.float32),
                    self.M.astype(np.float32))
            self._cache["luts16"] = luts
        lut, sqrt_lut, M = luts

        def per_channel(table: np.ndarray) -> np.ndarray:
            out = np.empty(rgb.shape, np.float32)
            for c in range(3):
                np.take(table[c], rgb[..., c], out=out[..., c])
            return out

        return self._matrix(per_channel(lut), lambda: per_channel(sqrt_lut), M)

    def _matrix(self, lin: np.ndarray, sqrt_lin: Callable[[], np.ndarray], M: np.ndarray) -> np.ndarray:
        """The matrix (and root-polynomial terms) on curve-corrected linear float32 values."""
        import cv2

        y = cv2.transform(lin, M[:, :3])
        if self.terms == "root2":
            # sqrt(R*G) = sqrt(R)*sqrt(G): the square roots come from a table too
            a, b, c = cv2.split(sqrt_lin())
            s = cv2.merge([cv2.multiply(a, b), cv2.multiply(b, c), cv2.multiply(a, c)])
            y = cv2.add(y, cv2.transform(s, M[:, 3:6]))
        return y

    def for_exposure(self, k: float) -> ColourFit:
        """The fit that corrects a frame ``k`` times darker in linear light as this one
        corrects the brighter frame: F'(x) = F(k x), exactly. The tone curve takes the
        factor (a x^g becomes a k^g x^g; its knots move by log k); every model is a curve
        followed by terms of degree one. For a deep frame searched brightened
        (``exposure``): the card is fitted at the brightness it was searched at, where the
        fit's limits are set, and the fit is for the frame as it is."""
        if k == 1.0:
            return self
        if self.parts:
            return replace(self, parts=tuple((w, f.for_exposure(k)) for w, f in self.parts), _cache={})
        g = np.asarray(self.curve_gamma, float)
        gain = tuple(float(v) for v in np.asarray(self.curve_gain, float) * k ** g)
        shift = float(np.log(k))
        knots = tuple((tuple(v - shift for v in kx), ky) for kx, ky in self.curve_knots)
        return replace(self, curve_gain=gain, curve_knots=knots, _cache={})  # type: ignore[arg-type]

    # -- serialisation ---------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        if self.parts:  # version 3: a station of an older version refuses it by name
            return {"version": 3, "model": self.model, "card": self.card, "n_patches": self.n_patches,
                    "parts": [{"weight": w, "fit": f.to_dict()} for w, f in self.parts]}
        return {
            "version": 2,  # what a station of the previous version reads too
            "model": self.model,
            "card": self.card,
            "terms": self.terms,
            "matrix": [list(r) for r in self.matrix],
            "curve": {"gain": list(self.curve_gain), "gamma": list(self.curve_gamma),
                      **({"knots": [[list(kx), list(ky)] for kx, ky in self.curve_knots]}
                         if self.curve_knots else {})},
            "n_patches": self.n_patches,
            "regularisation": self.regularisation,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ColourFit:
        if d.get("version", FORMAT_VERSION) > FORMAT_VERSION:
            raise ValueError(f"colour fit format {d['version']} is newer than this program")
        if d.get("parts"):
            return cls(model=str(d["model"]), matrix=_IDENTITY,
                       card=str(d.get("card", "classic24")), n_patches=int(d.get("n_patches", 0)),
                       parts=tuple((float(p["weight"]), cls.from_dict(p["fit"])) for p in d["parts"]))
        curve = d.get("curve") or {}
        return cls(
            model=str(d["model"]),
            matrix=tuple(tuple(float(v) for v in row) for row in d["matrix"]),
            terms=str(d.get("terms", "linear")),
            curve_gain=tuple(float(v) for v in curve.get("gain", (1, 1, 1))),  # type: ignore[arg-type]
            curve_gamma=tuple(float(v) for v in curve.get("gamma", (1, 1, 1))),  # type: ignore[arg-type]
            card=str(d.get("card", "classic24")),
            n_patches=int(d.get("n_patches", 0)),
            regularisation=float(d.get("regularisation", 0.0)),
            curve_knots=tuple((tuple(float(v) for v in kx), tuple(float(v) for v in ky))
                              for kx, ky in curve.get("knots", ())),
        )


def _encode(y: np.ndarray) -> np.ndarray:
    """Linear float32 (H, W, 3) to uint8 sRGB through the 16k-entry table."""
    import cv2

    y = cv2.multiply(y, (_ENC_SIZE - 1.0,) * 3 + (0.0,))
    np.clip(y, 0, _ENC_SIZE - 1, out=y)
    return np.take(_ENC_LUT, (y + 0.5).astype(np.uint16))


def _as_tuple(m: np.ndarray) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in np.atleast_2d(m))


# --------------------------------------------------------------------------- helpers
def _patch_weights(reference: np.ndarray) -> np.ndarray:
    """Row weights making linear-RGB residuals roughly perceptual: dL*/dY ∝ Y^(-2/3)."""
    Y = reference @ np.array([0.2126, 0.7152, 0.0722])
    return np.power(np.maximum(Y, 0.0) + 0.01, -2.0 / 3.0)


def _wb_gains(measured: np.ndarray, reference: np.ndarray, w: np.ndarray) -> np.ndarray:
    num = (w[:, None] ** 2 * measured * reference).sum(0)
    den = (w[:, None] ** 2 * measured * measured).sum(0)
    return num / np.maximum(den, _EPS)


def _ridge(
    X: np.ndarray, Y: np.ndarray, w: np.ndarray, prior: np.ndarray, lam: float
) -> np.ndarray:
    """argmin_B Σ w_i² |X_i B - Y_i|² + lam·s·|B - prior|², with s the data scale."""
    Xw = X * w[:, None]
    Yw = Y * w[:, None]
    A = Xw.T @ Xw
    s = np.trace(A) / A.shape[0]
    A = A + lam * s * np.eye(A.shape[0])
    return np.linalg.solve(A, Xw.T @ Yw + lam * s * prior)


def _neutral_indices(reference_lab: np.ndarray) -> np.ndarray:
    C = np.hypot(reference_lab[:, 1], reference_lab[:, 2])
    return np.flatnonzero(C < 4.0)


# --------------------------------------------------------------------------- fitters
Knots = tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]
FitterResult = tuple[np.ndarray, str, tuple[float, float, float], tuple[float, float, float], Knots]
Fitter = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float], FitterResult]


def _wb_matrix(m, r, w, neutral):  # type: ignore[no-untyped-def]
    """Plain white balance: a gain per channel from the greys (all patches without)."""
    idx = neutral if len(neutral) else np.arange(len(m))
    return np.diag(_wb_gains(m[idx], r[idx], w[idx]))


def _fit_white_balance(m, r, w, neutral, lam):  # type: ignore[no-untyped-def]
    """A gain per channel, and a power per channel relative to the three channels' common
    one: the greys balanced at every lightness, not only on average. The camera's own
    tone (the common power) is kept; what a channel's power differs from the others'
    (a per-channel gamma, a sensor's channels written differently) is taken out. Without
    three usable greys in every channel, the gains alone."""
    rho = _relative_powers(m, r, w, neutral)
    if rho is None:
        return _wb_matrix(m, r, w, neutral), "linear", (1.0, 1.0, 1.0), (1.0, 1.0, 1.0), ()
    g = _wb_gains(np.power(np.maximum(m[neutral], 0.0), rho), r[neutral], w[neutral])
    return np.eye(3), "linear", tuple(float(v) for v in g), tuple(float(v) for v in rho), ()


def _relative_powers(m: np.ndarray, r: np.ndarray, w: np.ndarray, neutral: np.ndarray) -> np.ndarray | None:
    """Each channel's power through the greys over the channels' geometric mean, less
    _RELATIVE_POWER_NOISE (in log) and held within ±_RELATIVE_POWER; None without three
    usable greys in every channel."""
    if len(neutral) < 3 or np.any(_power_law_points(m, r, _given_weights(r[neutral], w[neutral]), neutral).sum(0) < 3):
        return None
    _, gamma = _fit_tone_curve(m, r, w, neutral)
    lr = np.log(gamma) - np.mean(np.log(gamma))
    # what is within the fit's own noise is left alone, the rest taken out from there on
    # (no step): the same card under four lights that are gains gives relative powers
    # spread with a standard deviation of 0.0075 (docs/colour-detection.md, "Session 18")
    lr = np.sign(lr) * np.maximum(np.abs(lr) - _RELATIVE_POWER_NOISE, 0.0)
    return np.clip(np.exp(lr), 1.0 - _RELATIVE_POWER, 1.0 + _RELATIVE_POWER)


def _fit_matrix3x3(m, r, w, neutral, lam):  # type: ignore[no-untyped-def]
    D = _wb_matrix(m, r, w, neutral)
    B = _ridge(m, r, w, D.T, lam)
    return B.T, "linear", (1.0, 1.0, 1.0), (1.0, 1.0, 1.0), ()


def _fit_root_polynomial(m, r, w, neutral, lam):  # type: ignore[no-untyped-def]
    D = _wb_matrix(m, r, w, neutral)
    prior = np.vstack([D.T, np.zeros((3, 3))])
    B = _ridge(_terms(m, "root2"), r, w, prior, lam)
    return B.T, "root2", (1.0, 1.0, 1.0), (1.0, 1.0, 1.0), ()


def _given_weights(r: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The caller's patch weights (the detection's) out of ``w``, the fit's row weights."""
    return w / _patch_weights(r)


def _power_law_points(m: np.ndarray, r: np.ndarray, given: np.ndarray, neutral: np.ndarray) -> np.ndarray:
    """(greys, 3) bool: the greys each channel's power law is fitted on."""
    return (m[neutral] > 1e-3) & (r[neutral] > 1e-3) & (given[:, None] > 0)


def _fit_tone_curve(m: np.ndarray, r: np.ndarray, w: np.ndarray, neutral: np.ndarray):  # type: ignore[no-untyped-def]
    """Per-channel ``a x^g`` through the neutral patches (log-log weighted LS)."""
    gain, gamma = np.ones(3), np.ones(3)
    given = _given_weights(r[neutral], w[neutral])
    points = _power_law_points(m, r, given, neutral)
    for c in range(3):
        x, y, ww, ok = m[neutral, c], r[neutral, c], w[neutral], points[:, c]
        if ok.sum() >= 3:
            lx, ly = np.log(x[ok]), np.log(y[ok])
            # weight dark patches down: their log values are noise-dominated. The weights
            # come from the reference, not the measurement, so that a gain or a power per
            # channel (a cast) moves the fitted line exactly with the data.
            wt = np.sqrt(np.clip(y[ok], 0.005, None)) * given[ok]
            A = np.stack([np.ones_like(lx), lx], axis=1) * wt[:, None]
            sol, *_ = np.linalg.lstsq(A, ly * wt, rcond=None)
            gamma[c] = float(np.clip(sol[1], 0.6, 1.6))
            gain[c] = float(np.exp(np.sum(wt**2 * (ly - gamma[c] * lx)) / np.sum(wt**2)))
        elif ok.sum() >= 1:
            gain[c] = float(np.sum(ww[ok] ** 2 * x[ok] * y[ok]) / np.sum(ww[ok] ** 2 * x[ok] ** 2))
    return gain, gamma


def _knots(m: np.ndarray, r: np.ndarray, neutral: np.ndarray, given: np.ndarray | None = None,
           gamma: np.ndarray | None = None, gain: np.ndarray | None = None, trust: float = 1.0) -> Knots:
    """Per channel, the usable greys as (log measured, log reference) knots, monotone in
    both (a grey measured out of order, e.g. a noisy black, is dropped).

    A grey of weight ``given`` w < 1 (a patch near a limit, see the detection) is a knot
    only by w: its log reference is moved by 1 - w to where the curve through the other
    knots (continued with the power law's slope ``gamma``) passes, so that the curve goes
    smoothly from through it (w = 1) to without it (w = 0). With ``trust`` t < 1 every
    knot is moved by 1 - t to the power law ``gain`` x^``gamma`` (t = 0: the power law)."""
    given = np.ones(len(neutral)) if given is None else np.asarray(given, float)
    gamma = np.ones(3) if gamma is None else np.asarray(gamma, float)
    gain = np.ones(3) if gain is None else np.asarray(gain, float)
    out = []
    for c in range(3):
        x, y, wt = m[neutral, c], r[neutral, c], given
        keep = (x > 1e-4) & (y > 1e-4) & (wt > 0)
        x, y, wt = x[keep], y[keep], wt[keep]
        o = np.argsort(y)
        kx: list[float] = []
        ky: list[float] = []
        kw: list[float] = []
        for xi, yi, wi in zip(x[o], y[o], wt[o], strict=True):
            if not kx or np.log(xi) > kx[-1] + 1e-6:
                kx.append(float(np.log(xi)))
                ky.append(float(np.log(yi)))
                kw.append(float(wi))
        if len(kx) < _MIN_KNOTS:
            return ()
        ky_soft = list(ky)
        for i, wi in enumerate(kw):
            if wi < 1.0 - 1e-9:  # (a weight of 1 comes back from the row weights to 1 ulp)
                ox = np.delete(np.asarray(kx), i)
                oy = np.delete(np.asarray(ky), i)
                if kx[i] < ox[0]:
                    without = oy[0] + gamma[c] * (kx[i] - ox[0])
                elif kx[i] > ox[-1]:
                    without = oy[-1] + gamma[c] * (kx[i] - ox[-1])
                else:
                    without = float(np.interp(kx[i], ox, oy))
                ky_soft[i] = wi * ky[i] + (1.0 - wi) * float(without)
        if trust < 1.0:
            law = np.log(gain[c]) + gamma[c] * np.asarray(kx)
            ky_soft = list(trust * np.asarray(ky_soft) + (1.0 - trust) * law)
        out.append((tuple(kx), tuple(float(v) for v in ky_soft)))
    return tuple(out)


def _knot_trust(m: np.ndarray, r: np.ndarray, w: np.ndarray, neutral: np.ndarray) -> float:
    """How far curve+root-polynomial's tone curve follows the greys themselves rather
    than the power law through them: 0 (the power law) to 1 (through every grey).

    Two ramps, and the lower counts. The greys' worst ΔE2000 from the power law (a grey
    near a limit by its weight) from _POWER_LAW_DE - _POWER_LAW_SPAN to + _POWER_LAW_SPAN;
    the greys' total weight from _MIN_KNOTS - 1 to _MIN_KNOTS (a curve through fewer
    follows one grey's noise too far). A switch at a line instead made the same card
    correct the product differently under two lights where one grey crossed it
    (docs/colour-detection.md "Models")."""
    if len(neutral) == 0:
        return 0.0
    given = np.minimum(_given_weights(r[neutral], w[neutral]), 1.0)
    law = _curve_of(m, r, w, neutral)
    de = delta_e_2000(linear_to_lab(law.curve(m[neutral])), linear_to_lab(r[neutral]))
    t = float(np.clip((np.max(de * given) - _POWER_LAW_DE + _POWER_LAW_SPAN) / (2 * _POWER_LAW_SPAN), 0.0, 1.0))
    for c in range(3):
        usable = (m[neutral, c] > 1e-4) & (r[neutral, c] > 1e-4)
        t = min(t, float(np.clip(np.sum(given[usable]) - (_MIN_KNOTS - 1), 0.0, 1.0)))
    return t


def _curve_of(m: np.ndarray, r: np.ndarray, w: np.ndarray, neutral: np.ndarray,
              trust: float = 0.0) -> ColourFit:
    """The tone curve alone: the power law, or (``trust`` > 0) through the greys
    themselves by ``trust`` (see _knots) with the power law beyond them."""
    gain, gamma = _fit_tone_curve(m, r, w, neutral)
    kn = _knots(m, r, neutral, _given_weights(r[neutral], w[neutral]), gamma, gain, trust) if trust > 0 else ()
    return ColourFit("curve", ((1.0, 0, 0), (0, 1.0, 0), (0, 0, 1.0)), "linear",
                     tuple(gain), tuple(gamma),  # type: ignore[arg-type]
                     curve_knots=kn)


def _fit_power_matrix(m, r, w, neutral, lam):  # type: ignore[no-untyped-def]
    """curve+matrix without greys to shape a curve per channel: one power for all three
    channels (the camera's tone, as the verification's judge has it) at the value of
    _COMMON_POWERS whose matrix fits the patches best, and that matrix."""
    best = None
    for g in _COMMON_POWERS:
        x = np.power(np.maximum(m, 0.0), g)
        B = _ridge(x, r, w, _wb_matrix(x, r, w, neutral).T, lam)
        err = float(np.sum(w[:, None] ** 2 * (x @ B - r) ** 2))
        if best is None or err < best[0]:
            best = (err, float(g), B)
    _, g, B = best
    return B.T, "linear", (1.0, 1.0, 1.0), (g, g, g), ()


def _fit_curve_matrix(m, r, w, neutral, lam):  # type: ignore[no-untyped-def]
    cf = _curve_of(m, r, w, neutral)
    xc = cf.curve(m)
    # M = I + Δ with Δ @ 1 = 0 (grey stays grey): each row of Δ in span(Bz)
    Bz = np.array([[1.0, -1.0, 0.0], [1.0, 1.0, -2.0]]).T
    Bz /= np.linalg.norm(Bz, axis=0)
    X = xc @ Bz  # (N, 2)
    E = r - xc  # target Δ_r · xc_i
    C = _ridge(X, E, w, np.zeros((2, 3)), lam)  # (2, 3)
    M = np.eye(3) + (Bz @ C).T
    return M, "linear", cf.curve_gain, cf.curve_gamma, cf.curve_knots


def _fit_curve_root_polynomial(m, r, w, neutral, lam):  # type: ignore[no-untyped-def]
    # the tone curve through the greys where the power law cannot explain them (a phone's
    # S-shaped curve); where it can, its two parameters are the steadier choice: a curve
    # through every grey also follows their noise
    cf = _curve_of(m, r, w, neutral, _knot_trust(m, r, w, neutral))
    xc = cf.curve(m)
    prior = np.vstack([np.eye(3), np.zeros((3, 3))])  # the curve already balances the greys
    B = _ridge(_terms(xc, "root2"), r, w, prior, lam)
    return B.T, "root2", cf.curve_gain, cf.curve_gamma, cf.curve_knots


CORRECTION_MODELS: dict[str, Fitter] = {
    "white-balance": _fit_white_balance,
    "matrix3x3": _fit_matrix3x3,
    "curve+matrix": _fit_curve_matrix,
    "root-polynomial": _fit_root_polynomial,
    "curve+root-polynomial": _fit_curve_root_polynomial,
}
# in order of simplicity: reports list the models so, and an exact tie goes to the earlier one
MODEL_ORDER = ("white-balance", "matrix3x3", "curve+matrix", "root-polynomial", "curve+root-polynomial", BLEND)


# --------------------------------------------------------------------------- guards
def _saturation(x: np.ndarray) -> np.ndarray:
    """(N,) each colour's (max - min) / max over its channels: 0 grey, 1 a pure primary."""
    x = np.maximum(x, 0.0)
    top = np.max(x, axis=1)
    return (top - np.min(x, axis=1)) / np.maximum(top, 1e-6)


# the RGB cube's lattice, 5 levels a channel, that the guard scales to the card's white
_CUBE = np.stack(np.meshgrid(*[np.linspace(0.05, 1.0, 5)] * 3, indexing="ij"), -1).reshape(-1, 3)
_CUBE_SAT = _saturation(_CUBE)


def _grey_through(f: ColourFit, m: np.ndarray) -> np.ndarray:
    """The camera's grey where the card shows no grey: the camera colour that a fit of a
    power law and a matrix maps onto grey (its linear terms' inverse of (1, 1, 1), through
    the power law backwards); the patches' mean for any other fit, or where that is not
    a colour."""
    if not f.parts and not f.curve_knots:
        try:
            c = np.linalg.solve(f.M[:, :3], np.ones(3))
        except np.linalg.LinAlgError:
            c = None
        if c is not None and np.all(np.isfinite(c)) and np.all(c > 0):
            return np.power(c / np.asarray(f.curve_gain), 1.0 / np.asarray(f.curve_gamma))
    return m.mean(0)


def _reach(m: np.ndarray, nd: np.ndarray) -> float:
    """The saturation the camera colours judged by the cube guard may have on a camera
    whose channels overlap (see _CUBE_REACH): _CUBE_REACH times that of the most saturated
    of the patches ``m``, balanced by the light's white ``nd``."""
    return _CUBE_REACH * float(np.max(_saturation(m / nd))) if len(m) else 1.0


def _light_white(m: np.ndarray, neutral: np.ndarray, f: ColourFit | None = None) -> np.ndarray:
    """The camera's white under the card's light, its brightest channel at 1: the greys'
    mean, or without greys where the fit ``f`` puts grey (the patches' mean)."""
    nd = m[neutral].mean(0) if len(neutral) else (_grey_through(f, m) if f is not None else m.mean(0))
    return np.maximum(nd, 1e-4) / max(float(nd.max()), 1e-4)


def _overlapping(m: np.ndarray, r: np.ndarray, neutral: np.ndarray) -> bool:
    """Whether the patches ``m`` (reference ``r``) come from a camera whose channels
    overlap far: the card's saturated colours (a reference saturation of _SATURATED or
    more) are among them, and the most saturated patch the camera records, stretched by
    _CUBE_REACH, stays short of the cube's most saturated colour. A card whose saturated
    patches are all covered says nothing of the camera: it is not judged so."""
    if not np.any(_saturation(r) >= _SATURATED):
        return False
    return _reach(m, _light_white(m, neutral)) < _CUBE_SAT.max() - 1e-9


def _guard_problem(f: ColourFit, m: np.ndarray, neutral: np.ndarray, overlap: bool = False) -> str | None:
    """Return why ``f`` is unsafe, or None. Checks the neutral axis and the cube lattice;
    ``overlap``: the patches ``m`` come from a camera whose channels overlap far
    (:func:`_overlapping`).

    Both checks look where the card gives no evidence, with limits drawn from the card:
    the grey axis from deep shadow to half again above the brightest usable grey (beyond
    it the camera's channels clip anyway, and a per-channel tone curve extrapolated to
    full scale under a strong cast would fail a check no photo can reach); the RGB cube
    may move from plain white balance up to _CUBE_DE_LIMIT, or half again as far as the
    fit moves the card's own patches, which it was verified on (a sensor without white
    balance needs a strong matrix, and the same matrix on saturated colours)."""
    if not np.all(np.isfinite(f.M)):
        return "non-finite matrix"
    # neutral axis along the measured neutral direction, from deep shadow to over-white
    nd = _light_white(m, neutral, f)
    top = 1.0
    if len(neutral):
        top = min(1.0, 1.5 * float(np.max(m[neutral] @ nd / (nd @ nd))))
    t = np.linspace(0.004, 1.0, 64) * top
    # the grey axis, the card's patches and the cube lattice (below) through the fit at once
    mc = np.clip(m, 0, 1)
    # the camera colours it can record (see _CUBE_REACH)
    cube = _CUBE[_CUBE_SAT <= _reach(mc, nd) + 1e-9] * nd if overlap else _CUBE * nd
    every = f.apply_linear(np.concatenate([t[:, None] * nd, mc, cube]), clip=False)
    out = every[: len(t)]
    Y = out @ np.array([0.2126, 0.7152, 0.0722])
    if np.any(np.diff(Y) <= 0):
        return "grey axis not monotone"
    lab = linear_to_lab(np.clip(out[Y > 0.01], 0, None))
    if lab.size and np.max(np.hypot(lab[:, 1], lab[:, 2])) > 12:
        return "grey axis not neutral"
    # the patches and the cube lattice in camera space vs a white balance of the same
    # neutral (crude: x / nd), each set scaled to the fit's brightness by its own median
    got = np.clip(every[len(t):], 0.0, 1.0)
    wb = np.clip(np.concatenate([mc, cube]) / nd, 0, 1)
    ratio = (got @ [0.2126, 0.7152, 0.0722] + 1e-3) / (wb @ [0.2126, 0.7152, 0.0722] + 1e-3)
    n = len(mc)
    scale = np.repeat([np.median(ratio[:n]), np.median(ratio[n:])], [n, len(cube)])
    de = delta_e_2000(linear_to_lab(got), linear_to_lab(np.clip(wb * scale[:, None], 0, 1)))
    # the cube of surface colours under this card's light (_CUBE): no channel above its
    # white's (a camera value with full blue under a warm light is no surface colour, and
    # judging it made the guard fire under one light and not another)
    limit = max(_CUBE_DE_LIMIT, 1.5 * float(np.max(de[:n])))
    plain = f.terms == "linear" and not f.has_curve and not f.parts
    if np.max(de[n:]) > limit and not (overlap and plain):
        return "colours outside the chart gamut move too far"
    return None


def fit(
    measured: np.ndarray,
    reference: np.ndarray,
    model: str = "curve+matrix",
    mask: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    neutral: Sequence[int] | None = None,
    card: str = "classic24",
    partial: np.ndarray | None = None,
) -> ColourFit:
    """Fit ``model`` mapping ``measured`` linear sRGB patches (N, 3) to ``reference`` (N, 3).

    ``mask`` (N,) bool selects usable patches (e.g. not clipped); ``weights`` (N,) scale the
    default perceptual weights; ``neutral`` lists indices of achromatic patches (default:
    the reference patches with Lab chroma < 4).

    ``partial`` (N,) bool marks patches outside ``mask`` whose darkest channel is crushed
    at 0 (its measured value a bound, not a measurement) while the other two hold: they
    take part in the fit by those two. The crushed channel is estimated from the fit
    itself, between 0 and its measured value, and the fit made again, a few rounds (the
    usual treatment of a censored value). Their greys do not shape the tone curve, and
    white balance takes only ``mask``'s patches.
    """
    if model == BLEND:
        parts = [fit(measured, reference, name, mask, weights, neutral, card, partial)
                 for name, _ in BLEND_PARTS]
        return _blend(parts, _blend_trust(measured, reference, mask, weights, neutral))
    f = _fit_one(measured, reference, model, mask, weights, neutral, card)
    if partial is None or model == "white-balance":
        return f
    measured3 = np.asarray(measured, dtype=float).reshape(-1, 3)
    m = measured3.copy()  # the crushed channels replaced by their estimates
    r = np.asarray(reference, dtype=float).reshape(-1, 3)
    keep = np.ones(len(m), bool) if mask is None else np.asarray(mask, bool)
    extra = np.asarray(partial, bool) & ~keep & np.all(np.isfinite(m), axis=1)
    if not extra.any():
        return f
    if neutral is None:
        neutral = _neutral_indices(linear_to_lab(r))
    w = np.ones(len(m)) if weights is None else np.asarray(weights, float).copy()
    w[extra] = 1.0
    greys = [i for i in neutral if not extra[i]]
    for _ in range(_PARTIAL_ROUNDS):
        for i in np.flatnonzero(extra):
            x, c = _crushed_candidates(measured3[i])
            err = np.sum((f.apply_linear(x, clip=False) - r[i]) ** 2, axis=1)
            m[i, c] = x[int(np.argmin(err)), c]
        f = _fit_one(m, r, model, keep | extra, w, greys, card)
    return f


def _crushed_candidates(patch: np.ndarray) -> tuple[np.ndarray, int]:
    """A partial patch (3,) with its darkest (crushed) channel at each value of
    _PARTIAL_GRID between 0 and the measured one: (K, 3), and that channel."""
    c = int(np.argmin(patch))
    x = np.repeat(np.asarray(patch, float)[None], len(_PARTIAL_GRID), axis=0)
    x[:, c] = _PARTIAL_GRID * patch[c]
    return x, c


def partial_misfit(f: ColourFit, measured: np.ndarray, reference: np.ndarray, partial: np.ndarray) -> np.ndarray:
    """(N,) ΔE2000 of each ``partial`` patch (see :func:`fit`) from its reference under
    ``f``, its crushed channel at the value between 0 and its measured one that ``f``
    explains best: how far its two measured channels are from the card. NaN elsewhere."""
    m = np.asarray(measured, dtype=float).reshape(-1, 3)
    r = np.asarray(reference, dtype=float).reshape(-1, 3)
    out = np.full(len(m), np.nan)
    for i in np.flatnonzero(np.asarray(partial, bool)):
        x, _ = _crushed_candidates(m[i])
        out[i] = float(np.min(delta_e_2000(linear_to_lab(f.apply_linear(x)), linear_to_lab(r[i][None]))))
    return out


def _fit_one(
    measured: np.ndarray,
    reference: np.ndarray,
    model: str,
    mask: np.ndarray | None,
    weights: np.ndarray | None,
    neutral: Sequence[int] | None,
    card: str,
) -> ColourFit:
    """:func:`fit` of one model on the ``mask`` patches as measured."""
    try:
        fitter = CORRECTION_MODELS[model]
    except KeyError:
        raise ValueError(f"unknown model {model!r}; choose one of {list(MODEL_ORDER)}") from None
    mk, rk, wk, n_keep = _usable(measured, reference, mask, weights, neutral)
    n = len(mk)
    if n == 0:
        raise ValueError("no usable patches to fit")
    if model != "white-balance" and n < 8:
        model, fitter = "white-balance", CORRECTION_MODELS["white-balance"]
    if model.startswith("curve+") and len(n_keep) < 3:
        # no curve per channel without three greys: curve+matrix with one power for all
        model, fitter = "curve+matrix", _fit_power_matrix
    overlap = model != "white-balance" and _overlapping(mk, rk, n_keep)
    lam = _LAMBDA0 * (_OVERLAP_LAMBDA if overlap else 1.0)
    for _ in range(6):
        M, terms, gain, gamma, knots = fitter(mk, rk, wk, n_keep, lam)
        f = ColourFit(model, _as_tuple(M), terms, gain, gamma, card, n, lam, knots)
        if model == "white-balance" or _guard_problem(f, mk, n_keep, overlap) is None:
            return f
        lam *= 10
    M, terms, gain, gamma, _ = _fit_white_balance(mk, rk, wk, n_keep, lam)
    return ColourFit("white-balance", _as_tuple(M), terms, gain, gamma, card, n, lam)


def _usable(measured: np.ndarray, reference: np.ndarray, mask: np.ndarray | None,
            weights: np.ndarray | None, neutral: Sequence[int] | None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The usable patches as :func:`fit` takes them: measured, reference, row weights
    (perceptual × the caller's) and the positions of the greys among them."""
    m = np.asarray(measured, dtype=float).reshape(-1, 3)
    r = np.asarray(reference, dtype=float).reshape(-1, 3)
    if m.shape != r.shape:
        raise ValueError(f"measured {m.shape} and reference {r.shape} differ")
    keep = np.ones(len(m), bool) if mask is None else np.asarray(mask, bool).copy()
    keep &= np.all(np.isfinite(m), axis=1)
    if neutral is None:
        neutral = _neutral_indices(linear_to_lab(r))
    w = _patch_weights(r)
    if weights is not None:
        w = w * np.asarray(weights, dtype=float)
    idx = np.flatnonzero(keep)
    greys = set(np.asarray(neutral, dtype=int).tolist())
    n_keep = np.asarray([i for i in range(len(idx)) if idx[i] in greys], int)
    return m[idx], r[idx], w[idx], n_keep


def _blend_trust(measured: np.ndarray, reference: np.ndarray, mask: np.ndarray | None,
                 weights: np.ndarray | None, neutral: Sequence[int] | None) -> float:
    mk, rk, wk, n_keep = _usable(measured, reference, mask, weights, neutral)
    return _knot_trust(mk, rk, wk, n_keep) if len(mk) else 0.0


def _blend(parts: Sequence[ColourFit], trust: float = 1.0) -> ColourFit:
    """The blend of ``parts`` (fitted as BLEND_PARTS names them, on the same patches),
    the curve through the greys counting by ``trust`` (:func:`_knot_trust`): at 0,
    curve+matrix alone, so that the blend leaves it without a step."""
    if (any(f.model != name for (name, _), f in zip(BLEND_PARTS, parts, strict=True))
            or not parts[1].curve_knots or trust <= 0.0):
        # too few patches or greys for its parts: their common fallback; or greys that
        # follow a power law (or too few for a curve through them): curve+matrix alone
        return parts[0]
    second = BLEND_PARTS[1][1] * trust
    return ColourFit(BLEND, _IDENTITY, card=parts[0].card,
                     n_patches=parts[0].n_patches,
                     parts=((1.0 - second, parts[0]), (second, parts[1])))


def _fold_fits(m: np.ndarray, r: np.ndarray, model: str, keep: np.ndarray, neutral: Sequence[int],
               known: dict[str, dict[int, ColourFit]], weights: np.ndarray | None = None,
               partial: np.ndarray | None = None) -> dict[int, ColourFit]:
    """Each usable patch's fit on all the others; a blend's from its parts' in ``known``."""
    if model == BLEND and all(n in known for n, _ in BLEND_PARTS):
        out = {}
        for i in known[BLEND_PARTS[0][0]]:
            sub = keep.copy()
            sub[i] = False
            out[i] = _blend([known[n][i] for n, _ in BLEND_PARTS], _blend_trust(m, r, sub, weights, neutral))
        return out
    out = {}
    for i in np.flatnonzero(keep):
        sub = keep.copy()
        sub[i] = False
        out[int(i)] = fit(m, r, model, mask=sub, weights=weights, neutral=neutral, partial=partial)
    return out


def leave_one_out(
    measured: np.ndarray,
    reference: np.ndarray,
    model: str,
    mask: np.ndarray | None = None,
    neutral: Sequence[int] | None = None,
    _known: dict[str, dict[int, ColourFit]] | None = None,
    weights: np.ndarray | None = None,
    partial: np.ndarray | None = None,
) -> np.ndarray:
    """ΔE2000 (Lab D50) of each usable patch predicted by a fit on all the others (with
    ``weights`` and ``partial``, as :func:`fit`), from the reference as an sRGB file holds it (what a
    perfect correction writes, as the report measures "after"); NaN for patches outside
    ``mask``. ``_known`` caches the folds' fits by model."""
    m = np.asarray(measured, dtype=float).reshape(-1, 3)
    r = np.asarray(reference, dtype=float).reshape(-1, 3)
    keep = np.ones(len(m), bool) if mask is None else np.asarray(mask, bool)
    if neutral is None:
        neutral = _neutral_indices(linear_to_lab(r))
    ref_lab = linear_to_lab(held_in_srgb(r))
    known = {} if _known is None else _known
    fits = known[model] = _fold_fits(m, r, model, keep, neutral, known, weights, partial)
    out = np.full(len(m), np.nan)
    for i, f in fits.items():
        out[i] = delta_e_2000(linear_to_lab(f.apply_linear(m[i])), ref_lab[i])
    return out


DEFAULT_MODEL = BLEND


def choose_model(
    measured: np.ndarray,
    reference: np.ndarray,
    mask: np.ndarray | None = None,
    models: Sequence[str] = MODEL_ORDER,
    neutral: Sequence[int] | None = None,
    tie: float = 0.05,
    default: str = DEFAULT_MODEL,
    min_gain: float = 0.25,
    per_patch: dict[str, np.ndarray] | None = None,
    weights: np.ndarray | None = None,
    partial: np.ndarray | None = None,
) -> tuple[str, dict[str, dict[str, float]]]:
    """Pick a model by leave-one-patch-out ΔE2000 on this card.

    ``default`` (the blend of the two curve models, docs/colour-detection.md "Models")
    stays unless another model beats it *clearly* on this card: by more than ``tie``,
    by more than twice the standard error of the per-patch paired difference, and by
    more than ``min_gain`` of the default's own mean. One card's LOO mean moves by ~0.1
    ΔE with patch noise alone, and a model switched on noise generalises worse to the
    product's colours (at 3000 K the card's LOO favoured ``matrix3x3`` by 0.08 ± 0.11
    while it corrected product colours 25 % worse); a switch on a marginal win also makes
    the same product look different under another light, where the card's figures tip
    the other way. Among clearly better models the lowest mean wins.

    Returns ``(name, {model: {"mean", "median", "max"}})``; ``per_patch``, when given, is
    filled with each model's per-patch leave-one-out ΔE2000 (NaN where masked).
    ``weights`` and ``partial`` as for :func:`fit` (the detection's patch weights, its
    patches with one channel crushed).
    """
    loo: dict[str, np.ndarray] = {}
    table: dict[str, dict[str, float]] = {}
    known: dict[str, dict[int, ColourFit]] = {}  # the blend's folds from its parts'
    for name in models:
        de = leave_one_out(measured, reference, name, mask=mask, neutral=neutral, _known=known,
                           weights=weights, partial=partial)
        loo[name] = de
        if per_patch is not None:
            per_patch[name] = de
        de = de[np.isfinite(de)]
        table[name] = {
            "mean": float(np.mean(de)) if de.size else float("nan"),
            "median": float(np.median(de)) if de.size else float("nan"),
            "max": float(np.max(de)) if de.size else float("nan"),
        }
    order = [n for n in MODEL_ORDER if n in table] + [n for n in table if n not in MODEL_ORDER]
    usable = [n for n in order if np.isfinite(table[n]["mean"])]
    if not usable:
        return (default if default in table else order[0]), table
    if default not in usable:
        return min(usable, key=lambda n: table[n]["mean"]), table
    base = loo[default]
    better = []
    for n in usable:
        if n == default:
            continue
        both = np.isfinite(base) & np.isfinite(loo[n])
        d = base[both] - loo[n][both]  # > 0: n is better on that patch
        if d.size < 3:
            continue
        se = float(np.std(d, ddof=1) / np.sqrt(d.size))
        if d.mean() > max(tie, 2 * se, min_gain * float(np.mean(base[both]))):
            better.append(n)
    if not better:
        return default, table
    return min(better, key=lambda n: table[n]["mean"]), table
