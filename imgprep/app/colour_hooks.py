"""The engine's seam to the colour package: look for a card in a frame, fit, apply, report.

Kept in one module so the batch runner does not care how colour works inside. Corners
in the documents are in pixels of the full-resolution, upright image (what a user
clicks and what ``imgprep colour --corners`` takes).
"""

from __future__ import annotations

from typing import Any

from PIL import Image, ImageOps

from ..core.presets import ColourSettings


def _analysis_image(img: Image.Image, detect_edge: int) -> tuple[Any, float]:
    """The frame as a uint8 array no larger than ``detect_edge`` and its scale to ``img``."""
    import numpy as np

    s = 1.0
    if max(img.size) > detect_edge:
        small = ImageOps.contain(img, (detect_edge, detect_edge), Image.Resampling.BOX)
        s = small.width / img.width
        img = small
    return np.asarray(img), s


def analyse(img: Image.Image, full_size: tuple[int, int], colour: ColourSettings, label: str,
            corners: list[tuple[float, float]] | None = None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Detect the card in ``img`` (a possibly reduced decode of a ``full_size`` photo),
    fit and evaluate. Returns (the `imgprep colour` document, the fit as a dict or None)."""
    import numpy as np

    from .colour_service import analyse_array

    arr, s = _analysis_image(img, colour.detect_edge)
    k = s * img.width / full_size[0]  # full-resolution pixels → analysis pixels
    c = np.asarray(corners, float) * k if corners is not None else None
    doc, fit = analyse_array(arr, label, card=colour.card, corners=c,
                             model=None if colour.model == "auto" else colour.model,
                             thresholds={"mean": colour.pass_mean, "max": colour.pass_max})
    if doc.get("card", {}).get("corners"):
        doc["card"]["corners"] = [[round(x / k, 1), round(y / k, 1)] for x, y in doc["card"]["corners"]]
    return doc, (fit.to_dict() if fit is not None else None)


def detect_card_in(img: Image.Image, full_size: tuple[int, int], colour: ColourSettings,
                   label: str) -> dict[str, Any] | None:
    """In a worker: a JSON-able {doc, fit} when a trusted card is in the frame, else None
    (a frame without a card is a product frame)."""
    try:
        from ..core.colour.precheck import may_hold_card
    except ImportError:  # colour support not installed: every frame is a product frame
        return None

    # Most frames hold no card: a few milliseconds rule them out before the full search.
    # A grey card has no hues to see, so it is always searched.
    if colour.card == "classic24" and not may_hold_card(img):
        return None
    doc, fit = analyse(img, full_size, colour, label)
    if not doc.get("card", {}).get("found") or fit is None:
        return None
    return {"doc": doc, "fit": fit}


def apply_fit(img: Image.Image | None, fit: dict[str, Any], deep: Any = None) -> Image.Image:
    """Correct an sRGB image with a stored fit; from its 16 bits (``deep``, the same
    pixels) when the source had them. Thread-safe: the fit is rebuilt per call."""
    import numpy as np

    from ..core.colour.models import ColourFit

    f = ColourFit.from_dict(fit)
    return Image.fromarray(f.apply16(deep) if deep is not None else f.apply(np.asarray(img)))


def report_files(doc: dict[str, Any], name: str) -> dict[str, bytes]:
    """File name → bytes of the HTML, CSV and swatch PNG for one card frame."""
    from ..core.colour.report import render_report

    return render_report(doc, name)
