"""Colour service: one call from an sRGB array to the colour report document and the fit.

No file I/O here: the engine's loader gives a uint8 sRGB array, and the report bytes are
written by the engine's atomic-write helper (see :func:`imgprep.core.colour.report.render_report`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..core.colour.detect import CardDetection, FineView
from ..core.colour.light import leave_one_out_with_light, light_field
from ..core.colour.models import ColourFit

__all__ = ["analyse_array", "analyse_detection"]


def analyse_array(
    rgb: np.ndarray,
    file_label: str,
    card: str = "classic24",
    corners: np.ndarray | None = None,
    model: str | None = None,
    thresholds: dict[str, float] | None = None,
    gain: float = 1.0,
    fine: FineView | None = None,
) -> tuple[dict[str, Any], ColourFit | None]:
    """Detect the card in ``rgb`` (uint8 sRGB, H x W x 3), fit a correction and report.

    ``model`` None chooses by leave-one-patch-out ΔE2000 (the grey card always uses
    ``white-balance``). ``gain``: ``rgb`` is the frame that many times brighter in
    linear light (a deep frame brightened for the search, ``core.colour.exposure``): the
    card is measured and judged there (the figures are the brightened frame's), and the
    fit returned corrects the frame as it is. ``fine``: the photo's own pixels of a
    region, where ``rgb`` is a reduced decode (``detect_card``). Returns ``(document, fit)``;
    with no card the document has ``card.found = false`` and a reason, and ``fit`` is
    None.
    """
    from ..core.colour.detect import detect_card

    doc, fit = analyse_detection(detect_card(rgb, card=card, corners=corners, fine=fine), file_label, card,
                                 model, thresholds)
    if gain != 1.0:
        doc.setdefault("card", {})["search_gain"] = round(float(gain), 3)
        if fit is not None:
            from ..core.colour.exposure import range_reached
            from ..core.messages import MESSAGES

            fit = fit.for_exposure(gain)
            args = {"level": f"{100 * range_reached(gain):.1f}", "gain": f"{gain:.0f}"}
            en, zh = MESSAGES["frame-brightened"]
            doc.setdefault("warnings", []).append(en.format(**args))
            doc.setdefault("warnings_zh", []).append(zh.format(**args))
    return doc, fit


def analyse_detection(
    det: CardDetection,
    file_label: str,
    card: str = "classic24",
    model: str | None = None,
    thresholds: dict[str, float] | None = None,
) -> tuple[dict[str, Any], ColourFit | None]:
    """:func:`analyse_array` from a detection already made (``detect_card``'s result)."""
    from ..core.colour.reference import get_card
    from ..core.colour.report import evaluate, reference_for

    ct = get_card(card)
    if not det.found or det.patches is None:
        doc = evaluate(det, None, ct, file=file_label, thresholds=thresholds)
        return doc, None
    ref = reference_for(det, ct)
    mask = ~np.asarray(det.clipped, bool)
    if det.veil is not None:
        # a veil of light over the card (flare, haze): fitted without it, as it was
        # judged; the product frames are corrected as they are
        from ..core.colour.detect import unveiled

        det = dataclasses.replace(det, patches=unveiled(det.patches, det.veil))
    last: dict[str, Any] = {}

    def fit_card(patches: np.ndarray) -> ColourFit:
        last["det"] = dataclasses.replace(det, patches=patches)
        last["got"] = _fit_all(last["det"], ref, ct, mask, model)
        return last["got"][0]

    # the light across the card evened out (none on a grey card: one patch)
    light = light_field(fit_card, det.patches, ref, mask, ct.cols)[1]
    f, loo, per_patch, partial = last["got"]
    loo_patches = per_patch.get(f.model)
    if light.any():
        # the light is measured from the patches too: each is left out of that as well
        loo_patches = leave_one_out_with_light(det.patches, ref, f.model, mask, ct.cols, weights=det.weights,
                                               neutral=ct.neutral, partial=partial)
        if loo is not None and f.model in loo:
            de = loo_patches[np.isfinite(loo_patches)]
            loo[f.model] = {"mean": float(de.mean()), "median": float(np.median(de)), "max": float(de.max())}
    # the fit may fall back to a simpler model (too few patches): its own leave-one-out then
    doc = evaluate(last["det"], f, ct, file=file_label, thresholds=thresholds, loo=loo,
                   loo_patches=loo_patches, partial=partial, light=light)
    return doc, f


def _fit_all(det: CardDetection, ref: np.ndarray, ct: Any, mask: np.ndarray, model: str | None
             ) -> tuple[ColourFit, Any, dict[str, np.ndarray], np.ndarray | None]:
    """:func:`_fit_card` with the patches that lend two channels decided: those the
    card's fit misses by the outlier limit left out, and the card fitted again."""
    from ..core.colour.detect import INLIER_DE, partial_patches
    from ..core.colour.models import partial_misfit

    wb_only, partial = _partial_needed(det, ct, mask, partial_patches(det))
    f, loo, per_patch, partial = _fit_card(det, ref, ct, mask, wb_only, partial, model)
    if partial is not None:
        # a patch with a channel at 0 that the card's fit misses by its other two as far
        # as the verification's outlier limit (a hand or a stain over it) lends nothing:
        # the fit again without it
        far = partial_misfit(f, det.patches, ref, partial) > INLIER_DE
        if far.any():
            wb_only, partial = _partial_needed(det, ct, mask, partial & ~far)
            f, loo, per_patch, partial = _fit_card(det, ref, ct, mask, wb_only, partial, model)
    return f, loo, per_patch, partial


def _fit_card(det: CardDetection, ref: np.ndarray, ct: Any, mask: np.ndarray, wb_only: bool,
              partial: np.ndarray | None, model: str | None
              ) -> tuple[ColourFit, Any, dict[str, np.ndarray], np.ndarray | None]:
    """The card's fit, chosen by leave-one-out unless ``model`` is given: a white balance
    when ``wb_only``, else with the ``partial`` patches (None:
    none). Returns the fit, the models' leave-one-out table, their per-patch figures
    and the partial patches the fit used."""
    from ..core.colour.models import choose_model, fit

    loo = None
    per_patch: dict[str, np.ndarray] = {}
    if wb_only:
        name, partial = "white-balance", None
    elif model is None:
        name, loo = choose_model(det.patches, ref, mask=mask, neutral=ct.neutral, per_patch=per_patch,
                                 weights=det.weights, partial=partial)
        if partial is not None and not loo[name]["mean"] < loo["white-balance"]["mean"]:
            # the clean patches alone give a white balance: the crushed ones must earn
            # the colour correction on the clean colours left out of it
            name, partial = "white-balance", None
    else:
        name = model
    f = fit(det.patches, ref, name, mask=mask, weights=det.weights, neutral=ct.neutral, card=ct.name,
            partial=partial)
    # a white balance (asked for, or a fallback) takes the clean patches only
    return f, loo, per_patch, None if f.model == "white-balance" else partial


def _partial_needed(det: CardDetection, ct: Any, mask: np.ndarray,
                    candidates: np.ndarray) -> tuple[bool, np.ndarray | None]:
    """Whether only a white balance is honest (a grey card, or ``colour_shortfall``), and
    of the patches with one channel crushed (``candidates``, ``partial_patches``) those a
    colour correction takes (``models.fit``'s ``partial``), or None: none when the clean
    patches are enough without them.

    Only a card whose clean patches fall short takes them (a phone's card in sunlight,
    a warm light on a sensor without white balance), and only when the colour correction
    they allow predicts the clean patches left out of it better than the white balance
    does (:func:`_fit_card`): where the clean ones suffice, a patch that is crushed under
    one light and measured under another would make the same card correct a product
    differently under the two (docs/colour-detection.md, "Session 21")."""
    from ..core.colour.detect import enough_for_colour

    if ct.name == "grey":
        return True, None
    if enough_for_colour(ct, mask, det.weights):
        return False, None
    weights = np.where(candidates, 1.0, np.asarray(det.weights, float) if det.weights is not None else mask)
    if candidates.any() and enough_for_colour(ct, mask | candidates, weights):
        return False, candidates
    return True, None
