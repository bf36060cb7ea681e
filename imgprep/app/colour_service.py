"""Colour service: one call from an sRGB array to the colour report document and the fit.

No file I/O here: the engine's loader gives a uint8 sRGB array, and the report bytes are
written by the engine's atomic-write helper (see :func:`imgprep.core.colour.report.render_report`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core.colour.detect import CardDetection
from ..core.colour.models import ColourFit

__all__ = ["analyse_array", "analyse_detection"]


def analyse_array(
    rgb: np.ndarray,
    file_label: str,
    card: str = "classic24",
    corners: np.ndarray | None = None,
    model: str | None = None,
    thresholds: dict[str, float] | None = None,
) -> tuple[dict[str, Any], ColourFit | None]:
    """Detect the card in ``rgb`` (uint8 sRGB, H x W x 3), fit a correction and report.

    ``model`` None chooses by leave-one-patch-out ΔE2000 (the grey card always uses
    ``white-balance``). Returns ``(document, fit)``; with no card the document has
    ``card.found = false`` and a reason, and ``fit`` is None.
    """
    from ..core.colour.detect import detect_card

    return analyse_detection(detect_card(rgb, card=card, corners=corners), file_label, card, model, thresholds)


def analyse_detection(
    det: CardDetection,
    file_label: str,
    card: str = "classic24",
    model: str | None = None,
    thresholds: dict[str, float] | None = None,
) -> tuple[dict[str, Any], ColourFit | None]:
    """:func:`analyse_array` from a detection already made (``detect_card``'s result)."""
    from ..core.colour.detect import enough_for_colour
    from ..core.colour.models import choose_model, fit
    from ..core.colour.reference import get_card
    from ..core.colour.report import evaluate, reference_for

    ct = get_card(card)
    if not det.found or det.patches is None:
        doc = evaluate(det, None, ct, file=file_label, thresholds=thresholds)
        return doc, None
    ref = reference_for(det, ct)
    mask = ~np.asarray(det.clipped, bool)
    loo = None
    per_patch: dict[str, np.ndarray] = {}
    wb_only = card != "grey" and not enough_for_colour(ct, mask, det.weights)
    if card == "grey" or wb_only:
        name = "white-balance"
    elif model is None:
        name, loo = choose_model(det.patches, ref, mask=mask, neutral=ct.neutral, per_patch=per_patch,
                                 weights=det.weights)
    else:
        name = model
    f = fit(det.patches, ref, name, mask=mask, weights=det.weights, neutral=ct.neutral, card=card)
    # the fit may fall back to a simpler model (too few patches): its own leave-one-out then
    doc = evaluate(det, f, ct, file=file_label, thresholds=thresholds, loo=loo,
                   loo_patches=per_patch.get(f.model))
    return doc, f
