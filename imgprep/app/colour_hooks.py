"""The engine's seam to the colour package: look for a card in a frame, fit, apply, report.

Kept in one module so the batch runner does not care how colour works inside. Corners
in the documents are in pixels of the full-resolution, upright image (what a user
clicks and what ``imgprep colour --corners`` takes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
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


def search_view(loaded: Any) -> tuple[Image.Image, float]:
    """The frame of ``loaded`` (an ``imaging.load.Loaded``) as the card search sees it,
    and the linear gain that made it: a 16-bit frame that uses a small part of its range
    (10-14 bits written unscaled) brightened, else its 8-bit image as it is (gain 1)."""
    if loaded.deep is None:
        return loaded.image, 1.0
    try:
        from ..core.colour.exposure import brightened, search_gain
    except ImportError:  # colour support not installed
        return loaded.image, 1.0
    gain = search_gain(loaded.deep)
    if gain == 1.0:
        return loaded.image, 1.0
    return Image.fromarray(brightened(loaded.deep, gain), "RGB"), gain


def full_view(path: Path, loaded: Any, view: Image.Image, gain: float) -> Callable[[], Any]:
    """The search view of ``loaded`` (a decode of ``path``; ``view`` and ``gain`` as
    :func:`search_view` gave them) at the photo's full resolution, as a uint8 array:
    ``view`` itself where it is full size, else decoded again when first asked for (a
    small card's box is looked at there, ``detect_card``'s ``fine``). None when the
    decode fails now (the file changed or went away since). A camera RAW is not developed
    again (seconds where a JPEG takes a tenth): its half-size development is larger than
    the search's image from 24 MP on, and is used as it is."""
    import numpy as np

    from ..core.imaging.load import RAW_EXTENSIONS

    if view.size == tuple(loaded.original_size) or path.suffix.lower() in RAW_EXTENSIONS:
        return lambda: np.asarray(view)
    made: list[Any] = []

    def make() -> Any:
        if not made:
            from ..core.imaging.load import load

            try:
                again = load(path, need_scale=lambda w, h: 1.0, deep=gain != 1.0)
                if gain != 1.0 and again.deep is not None:
                    from ..core.colour.exposure import brightened

                    made.append(brightened(again.deep, gain))
                else:
                    made.append(np.asarray(again.image.convert("RGB")))
            except Exception:  # noqa: BLE001 - the search goes on without it
                made.append(None)
        return made[0]

    return make


def analyse(img: Image.Image, full_size: tuple[int, int], colour: ColourSettings, label: str,
            corners: list[tuple[float, float]] | None = None,
            gain: float = 1.0, full: Callable[[], Any] | None = None
            ) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Detect the card in ``img`` (a possibly reduced decode of a ``full_size`` photo),
    fit and evaluate. ``gain``: ``img`` is the frame that many times brighter in linear
    light (:func:`search_view`); the fit is made for the frame as it is. ``full``: the
    same view at ``full_size`` (:func:`full_view`), where a small card is looked for when
    the reduced one shows none. Returns (the `imgprep colour` document, the fit as a dict
    or None)."""
    import numpy as np

    from .colour_service import analyse_array

    arr, s = _analysis_image(img, colour.detect_edge)
    k = s * img.width / full_size[0]  # full-resolution pixels → analysis pixels
    c = np.asarray(corners, float) * k if corners is not None else None
    doc, fit = analyse_array(arr, label, card=colour.card, corners=c,
                             model=None if colour.model == "auto" else colour.model,
                             thresholds={"mean": colour.pass_mean, "max": colour.pass_max}, gain=gain,
                             fine=_fine(full, arr.shape[1]) if full is not None else None)
    if doc.get("card", {}).get("corners"):
        doc["card"]["corners"] = [[round(x / k, 1), round(y / k, 1)] for x, y in doc["card"]["corners"]]
    return doc, (fit.to_dict() if fit is not None else None)


def _fine(full: Callable[[], Any], width: int) -> Callable[[tuple[int, int, int, int]], Any]:
    """``detect_card``'s ``fine`` over an analysis image ``width`` px wide: a box of it
    cut from ``full()``, and how many of its pixels make one."""

    def crop(box: tuple[int, int, int, int]) -> Any:
        big = full()
        if big is None:
            return None
        f = big.shape[1] / width
        x0, y0, x1, y1 = (round(v * f) for v in box)
        return big[y0:y1, x0:x1], f

    return crop


# A frame of a shoot is a grey card frame only where the card covers this share of it. The
# grey card search takes the largest uniform low-chroma region, which most product photos
# have too (a grey box, a shadowed wall: 2-27 % of the frame, a median of 3 %, in 47 photos
# and generated products): the photographer fills the frame with the card, or holds it up
# close. A small card in the scene is clicked in the app.
GREY_FRAME_SHARE = 0.2


def _share(corners: list[list[float]], size: tuple[int, int]) -> float:
    """The share of a ``size`` (w, h) frame that the quadrilateral ``corners`` covers."""
    x, y = zip(*corners, strict=True)
    area = 0.5 * abs(sum(x[i] * y[i - 1] - x[i - 1] * y[i] for i in range(len(x))))
    return area / max(size[0] * size[1], 1)


def detect_card_in(img: Image.Image, full_size: tuple[int, int], colour: ColourSettings,
                   label: str, gain: float = 1.0, full: Callable[[], Any] | None = None
                   ) -> dict[str, Any] | None:
    """In a worker: a JSON-able {doc, fit} when a trusted card is in the frame, else None
    (a frame without a card is a product frame). A grey card must cover
    GREY_FRAME_SHARE of the frame. ``img`` and ``gain`` as :func:`search_view` gives
    them, ``full`` as :func:`full_view` does."""
    try:
        from ..core.colour.precheck import may_hold_card
    except ImportError:  # colour support not installed: every frame is a product frame
        return None

    # Most frames hold no card: a few milliseconds rule them out before the full search.
    # A grey card has no hues to see, so it is always searched.
    if colour.card == "classic24" and not may_hold_card(img):
        return None
    doc, fit = analyse(img, full_size, colour, label, gain=gain, full=full)
    if not doc.get("card", {}).get("found") or fit is None:
        return None
    if colour.card == "grey" and _share(doc["card"]["corners"], full_size) < GREY_FRAME_SHARE:
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
