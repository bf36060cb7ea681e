"""Watermarks: the shop's mark on every rendition.

Sizes are fractions of the rendition width, so a mark looks the same on a 710-px and a
1920-px image, portrait or landscape. Placements are a registry: a preset names one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageDraw

from ..presets import ANCHORS, Watermark, hex_rgb


@lru_cache(maxsize=32)
def _mark(spec: Watermark, width: int) -> Image.Image:
    """The mark as RGBA, ``spec.scale × width`` wide, opacity applied."""
    target_w = max(8, round(spec.scale * width))
    if spec.kind == "image":
        assert spec.image is not None
        with Image.open(spec.image, formats=("PNG",)) as src:
            mark = src.convert("RGBA")
        h = max(1, round(mark.height * target_w / mark.width))
        mark = mark.resize((target_w, h), Image.Resampling.LANCZOS)
    else:
        mark = _text_mark(spec.text, target_w, hex_rgb(spec.colour))
    if spec.opacity < 1:
        a = mark.getchannel("A").point(lambda v: round(v * spec.opacity))
        mark.putalpha(a)
    return mark


def _text_mark(text: str, target_w: int, rgb: tuple[int, int, int]) -> Image.Image:
    from ..fonts import pil_font

    # Size the font so the text spans target_w; a thin dark outline keeps a white
    # mark readable on the white backgrounds product photos usually have.
    probe = pil_font(100, "bold")
    x0, _, x1, _ = probe.getbbox(text, stroke_width=4)
    size = max(6, int(100 * target_w / max(1, x1 - x0)))
    font = pil_font(size, "bold")
    stroke = max(1, round(size / 22))
    x0, y0, x1, y1 = font.getbbox(text, stroke_width=stroke)
    mark = Image.new("RGBA", (x1 - x0 + 2, y1 - y0 + 2), (0, 0, 0, 0))
    lum = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    outline = (0, 0, 0, 110) if lum > 128 else (255, 255, 255, 110)
    ImageDraw.Draw(mark).text((1 - x0, 1 - y0), text, font=font, fill=(*rgb, 255),
                              stroke_width=stroke, stroke_fill=outline)
    return mark


def _anchored(img: Image.Image, mark: Image.Image, spec: Watermark) -> None:
    W, H = img.size
    m = round(spec.margin * W)
    col = {"left": 0, "center": 1, "right": 2}
    row = {"top": 0, "center": 1, "bottom": 2}
    if spec.anchor == "center":
        r, c = 1, 1
    elif "-" in spec.anchor:
        v, h = spec.anchor.split("-")
        r, c = row[v], col[h]
    else:
        r, c = (row[spec.anchor], 1) if spec.anchor in ("top", "bottom") else (1, col[spec.anchor])
    x = (m, (W - mark.width) // 2, W - m - mark.width)[c]
    y = (m, (H - mark.height) // 2, H - m - mark.height)[r]
    img.alpha_composite(mark, (max(0, x), max(0, y)))


def _tiled(img: Image.Image, mark: Image.Image, spec: Watermark) -> None:
    rot = mark.rotate(spec.angle, resample=Image.Resampling.BICUBIC, expand=True)
    step_x = max(1, round(rot.width * spec.spacing))
    step_y = max(1, round(rot.height * spec.spacing * 1.6))
    W, H = img.size
    for j, y in enumerate(range(-rot.height // 2, H, step_y)):
        offset = (step_x // 2) * (j % 2)
        for x in range(-rot.width // 2 - offset, W, step_x):
            _paste(img, rot, x, y)


def _paste(img: Image.Image, mark: Image.Image, x: int, y: int) -> None:
    # alpha_composite needs the source box inside the destination: crop what sticks out.
    sx, sy = max(0, -x), max(0, -y)
    dx, dy = max(0, x), max(0, y)
    w = min(mark.width - sx, img.width - dx)
    h = min(mark.height - sy, img.height - dy)
    if w > 0 and h > 0:
        img.alpha_composite(mark, (dx, dy), (sx, sy, sx + w, sy + h))


PLACEMENTS: dict[str, Callable[[Image.Image, Image.Image, Watermark], None]] = {
    **{a: _anchored for a in ANCHORS},
    "tiled": _tiled,
}


def apply_watermark(img: Image.Image, spec: Watermark) -> Image.Image:
    """Return ``img`` (RGB) with the mark composited; ``img`` itself is not changed."""
    if not spec.enabled:
        return img
    mark = _mark(spec, img.width)
    out = img.convert("RGBA")
    PLACEMENTS[spec.anchor](out, mark, spec)
    return out.convert("RGB")


def mark_size(spec: Watermark, width: int) -> tuple[int, int]:
    return _mark(spec, width).size


