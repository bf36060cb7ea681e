"""Annotations drawn onto product renditions: the hero's spec panel, selling-point
callouts and dimension lines.

Each function is a plain image step: a PIL image (+ product / text + a frozen style) in,
a new PIL image and a dict of JSON-friendly facts out; the input is never modified. All
sizes are fractions of the image width, so a 710-px and a 1920-px rendition look alike.
Text is drawn only with the bundled font; characters it lacks are drawn as '?' and listed
in ``facts["missing_glyphs"]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..errors import StyleError
from . import textlayout as tl

if TYPE_CHECKING:
    from PIL import Image

    from ..catalogue import Product

RGB = tuple[int, int, int]

PANEL_FIELDS = ("name", "sku", "colour", "fabric", "size", "dimensions", "description",
                "selling_points")
LABELS = {
    "zh": {"name": "商品名称", "sku": "货号", "colour": "颜色", "fabric": "面料", "size": "尺码",
           "dimensions": "尺寸", "description": "商品说明", "selling_points": "卖点",
           "length": "长", "width": "宽", "height": "高"},
    "en": {"name": "Name", "sku": "SKU", "colour": "Colour", "fabric": "Fabric", "size": "Size",
           "dimensions": "Dimensions", "description": "Description",
           "selling_points": "Highlights", "length": "L", "width": "W", "height": "H"},
}


def _check_colour(name: str, value) -> None:
    if not (isinstance(value, tuple) and len(value) == 3
            and all(isinstance(c, int) and 0 <= c <= 255 for c in value)):
        raise StyleError(f"{name} must be an (r, g, b) tuple of 0..255 integers, got {value!r}")


def _check_fraction(name: str, value, low: float = 0.0, high: float = 1.0) -> None:
    if not (isinstance(value, (int, float)) and low < value <= high):
        raise StyleError(f"{name} must be a number in ({low}, {high}], got {value!r}")


def _check_common(style) -> None:
    if style.language not in LABELS:
        raise StyleError(f"language must be one of {tuple(LABELS)}, got {style.language!r}")
    for name, value in style.__dict__.items():
        if name.endswith("colour") or name.endswith("fill"):
            _check_colour(name, value)


# --- formatting ---------------------------------------------------------------------------


def format_number(value: float) -> str:
    """30.0 → '30', 30.5 → '30.5', 12.345 → '12.35' (no trailing zeros)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_dimensions(product: Product, language: str = "zh") -> str | None:
    """'长 30 × 宽 20 × 高 10 cm' / 'L 30 × W 20 × H 10 cm'; only the known sides; None
    when the sheet gives none."""
    labels = LABELS[language]
    parts = [
        f"{labels[key]} {format_number(value)}"
        for key, value in (("length", product.length_cm), ("width", product.width_cm),
                           ("height", product.height_cm))
        if value is not None
    ]
    return " × ".join(parts) + " cm" if parts else None


def field_value(product: Product, name: str, language: str = "zh") -> str:
    """The text shown for a panel field ('' when the sheet leaves it empty)."""
    if name == "dimensions":
        return format_dimensions(product, language) or ""
    if name == "selling_points":
        return "\n".join(f"· {p}" for p in product.selling_points if p.strip())
    return tl.clean_text(getattr(product, name, "") or "")


# --- images -------------------------------------------------------------------------------


def _rgba(image: Image.Image) -> Image.Image:
    return image.convert("RGBA") if image.mode != "RGBA" else image.copy()


def _finish(canvas: Image.Image, original: Image.Image) -> Image.Image:
    """Back to the original's kind: RGBA when it had transparency, else RGB; metadata kept."""
    has_alpha = original.mode in ("RGBA", "LA", "PA") or "transparency" in original.info
    out = canvas if has_alpha else canvas.convert("RGB")
    out.info = {k: v for k, v in original.info.items() if k != "transparency"}
    return out


def _luminance(rgb) -> float:
    """Relative luminance 0..1 of an sRGB colour (WCAG 2.x definition)."""
    def lin(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(float(c)) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# --- spec panel ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelStyle:
    """How the hero's spec panel looks. Sizes are fractions of the image width.

    ``fields`` gives which facts appear and in which order; ``name`` is always set as the
    headline at the top. ``place`` "below" extends the canvas under the photo; "band" lays a
    semi-transparent band over the bottom of the photo, growing up to ``band_max_fraction``
    of the photo height and then shrinking its text down to ``min_scale``.
    """

    fields: tuple[str, ...] = ("name", "sku", "colour", "fabric", "size", "dimensions",
                               "description")
    language: str = "zh"
    place: str = "below"
    title_size: float = 0.040
    text_size: float = 0.0255
    padding: float = 0.048
    line_spacing: float = 1.6
    background_colour: RGB = (255, 255, 255)
    title_colour: RGB = (24, 24, 24)
    text_colour: RGB = (48, 48, 48)
    label_colour: RGB = (138, 138, 138)
    rule_colour: RGB = (228, 228, 228)
    accent_colour: RGB = (196, 32, 48)
    band_colour: RGB = (16, 16, 16)
    band_opacity: float = 0.66
    band_text_colour: RGB = (250, 250, 250)
    band_label_colour: RGB = (196, 196, 196)
    band_max_fraction: float = 0.45
    min_scale: float = 0.6
    labels: tuple[tuple[str, str], ...] = ()  # overrides, e.g. (("sku", "款号"),)

    def __post_init__(self) -> None:
        unknown = [f for f in self.fields if f not in PANEL_FIELDS]
        if unknown:
            raise StyleError(f"unknown panel fields {unknown}; known: {PANEL_FIELDS}")
        if len(set(self.fields)) != len(self.fields):
            raise StyleError(f"panel fields repeat: {self.fields}")
        if self.place not in ("below", "band"):
            raise StyleError(f"place must be 'below' or 'band', got {self.place!r}")
        _check_common(self)
        for name in ("title_size", "text_size", "padding"):
            _check_fraction(name, getattr(self, name), 0.0, 0.25)
        for name in ("band_opacity", "band_max_fraction", "min_scale"):
            _check_fraction(name, getattr(self, name))
        _check_fraction("line_spacing", self.line_spacing, 0.9, 3.0)
        for key, _ in self.labels:
            if key not in PANEL_FIELDS:
                raise StyleError(f"label override for unknown field {key!r}")

    def label(self, name: str) -> str:
        return dict(self.labels).get(name, LABELS[self.language][name])


@dataclass
class _Panel:
    """A laid-out panel: drawing operations relative to the panel's top-left corner."""

    height: int
    ops: list = field(default_factory=list)  # (kind, args)
    lines: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)
    shown: list[str] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)


def _layout_panel(product: Product, style: PanelStyle, width: int, scale: float, band: bool) -> _Panel:
    pad = round(style.padding * width)
    inner = width - 2 * pad
    title_px = style.title_size * width * scale
    text_px = style.text_size * width * scale
    gap = round(text_px * 0.9)
    text_colour = style.band_text_colour if band else style.text_colour
    label_colour = style.band_label_colour if band else style.label_colour
    title_colour = style.band_text_colour if band else style.title_colour

    panel = _Panel(height=0)
    y = round(pad * 0.8)
    rows = []
    for name in style.fields:
        value = field_value(product, name, style.language)
        if not value.strip():
            panel.absent.append(name)
            continue
        panel.shown.append(name)
        if name != "name":
            rows.append((name, value))

    if "name" in panel.shown:
        accent_w = max(2, round(title_px * 0.14))
        indent = accent_w + round(title_px * 0.45)
        block = tl.layout(product.name, title_px, inner - indent, weight="bold",
                          line_spacing=1.32, balance=True)
        panel.ops.append(("rect", (pad, y + round(block.line_height * 0.2), pad + accent_w,
                                   y + round(block.line_height * 0.8)), style.accent_colour))
        panel.ops.append(("text", (pad + indent, y), block, title_colour))
        panel.lines += block.lines
        panel.missing |= block.missing
        y += block.height
        if rows:
            y += round(gap * 0.7)
            panel.ops.append(("rect", (pad, y, pad + inner, y + max(1, round(width / 710))),
                              (255, 255, 255, 70) if band else style.rule_colour))
            y += gap

    if rows:
        label_blocks = [tl.layout(style.label(n), text_px, inner, line_spacing=style.line_spacing)
                        for n, _ in rows]
        label_w = max(b.width for b in label_blocks) + round(text_px * 1.3)
        for (_name, value), label_block in zip(rows, label_blocks, strict=True):
            block = tl.layout(value, text_px, inner - label_w, line_spacing=style.line_spacing)
            panel.ops.append(("text", (pad, y), label_block, label_colour))
            panel.ops.append(("text", (pad + label_w, y), block, text_colour))
            panel.lines += list(label_block.lines) + list(block.lines)
            panel.missing |= label_block.missing | block.missing
            y += max(block.height, label_block.height) + round(text_px * 0.25)
    panel.height = y + round(pad * 0.75) if panel.shown else 0
    return panel


def _draw_panel(draw, panel: _Panel, origin: tuple[int, int]) -> list:
    ox, oy = origin
    boxes = []
    for op in panel.ops:
        if op[0] == "rect":
            x0, y0, x1, y1 = op[1]
            draw.rectangle((ox + x0, oy + y0, ox + x1 - 1, oy + y1 - 1), fill=op[2])
        else:
            _, (x, y), block, colour = op
            boxes += tl.draw_block(draw, (ox + x, oy + y), block, colour)
    return boxes


def spec_panel(image: Image.Image, product: Product, style: PanelStyle | None = None):
    """Draw the product's facts (name, SKU, colour, …) under or over the bottom of the photo.

    Returns ``(image, facts)``; facts: ``missing_glyphs``, ``lines``, ``panel_height``,
    ``fields_shown``, ``fields_missing``, ``place``, ``scale``, ``text_boxes`` (ink box of
    every line on the returned canvas) and ``overflow`` (band taller than its limit).
    """
    from PIL import Image, ImageDraw

    style = style or PanelStyle()
    src = _rgba(image)
    w, h = src.size
    band = style.place == "band"
    scale = 1.0
    panel = _layout_panel(product, style, w, scale, band)
    overflow = False
    if band:
        limit = style.band_max_fraction * h
        while panel.height > limit and scale > style.min_scale:
            scale = max(style.min_scale, scale * 0.9)
            panel = _layout_panel(product, style, w, scale, band)
        overflow = panel.height > limit

    if panel.height == 0:
        canvas, boxes = src, []
    elif band:
        canvas = Image.new("RGBA", (w, max(h, panel.height)), style.band_colour + (255,))
        canvas.paste(src, (0, 0))
        top = canvas.height - panel.height
        overlay = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        draw.rectangle((0, top, w - 1, canvas.height - 1),
                       fill=style.band_colour + (round(255 * style.band_opacity),))
        canvas.alpha_composite(overlay)
        boxes = _draw_panel(ImageDraw.Draw(canvas), panel, (0, top))
    else:
        canvas = Image.new("RGBA", (w, h + panel.height), style.background_colour + (255,))
        canvas.paste(src, (0, 0))
        draw = ImageDraw.Draw(canvas)
        boxes = _draw_panel(draw, panel, (0, h))
    facts = {
        "missing_glyphs": sorted(panel.missing),
        "lines": [s for s in panel.lines if s],
        "panel_height": panel.height,
        "fields_shown": panel.shown,
        "fields_missing": panel.absent,
        "place": style.place,
        "scale": round(scale, 3),
        "overflow": overflow,
        "text_boxes": [list(b) for b in boxes],
    }
    return _finish(canvas, image), facts


# --- product detection --------------------------------------------------------------------


@dataclass(frozen=True)
class ProductBox:
    """Where the product is on a plain background (pixel box, x1/y1 exclusive)."""

    found: bool
    box: tuple[int, int, int, int] | None
    background: RGB
    reason: str | None = None


def find_product_box(image: Image.Image, *, threshold: float = 40.0,
                     ignore_shadows: bool = True) -> ProductBox:
    """Find the product on a plain (studio) background.

    The background colour is the median of a border strip; a pixel belongs to the product
    when its RGB distance to it exceeds ``threshold`` (or the border's own spread, if
    larger). The mask is cleaned with a morphological opening and closing, and the box
    spans every connected part at least 5 % the size of the largest (a pair of shoes is
    one product). With ``ignore_shadows``, pixels that are the background colour only
    darker (a cast shadow) do not count; a grey product on a grey background then may not
    either, so callers with such shots can turn it off.
    """
    import cv2
    import numpy as np

    rgb = image.convert("RGB")
    w, h = rgb.size
    factor = min(1.0, 800 / max(w, h))
    small = rgb.resize((max(1, round(w * factor)), max(1, round(h * factor))),
                       resample=3) if factor < 1 else rgb
    a = np.asarray(small, dtype=np.float32)
    sh, sw = a.shape[:2]
    b = max(2, round(0.015 * min(sh, sw)))
    border = np.concatenate([a[:b].reshape(-1, 3), a[-b:].reshape(-1, 3),
                             a[:, :b].reshape(-1, 3), a[:, -b:].reshape(-1, 3)])
    bg = np.median(border, axis=0)
    bg_rgb: RGB = tuple(int(round(c)) for c in bg)  # type: ignore[assignment]
    border_dist = np.linalg.norm(border - bg, axis=1)
    if np.percentile(border_dist, 75) > threshold:
        return ProductBox(False, None, bg_rgb, "the background is not plain")
    cut = max(threshold, 1.5 * float(np.percentile(border_dist, 99)))
    mask = np.linalg.norm(a - bg, axis=2) > cut
    if ignore_shadows:
        mask &= ~_shadow(a, bg)
    mask = mask.astype(np.uint8)
    k = max(3, round(0.006 * max(sh, sw)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return ProductBox(False, None, bg_rgb, "nothing stands out from the background")
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = stats[1:][areas >= 0.05 * areas.max()]
    x0 = keep[:, cv2.CC_STAT_LEFT].min()
    y0 = keep[:, cv2.CC_STAT_TOP].min()
    x1 = (keep[:, cv2.CC_STAT_LEFT] + keep[:, cv2.CC_STAT_WIDTH]).max()
    y1 = (keep[:, cv2.CC_STAT_TOP] + keep[:, cv2.CC_STAT_HEIGHT]).max()
    fraction = float(keep[:, cv2.CC_STAT_AREA].sum()) / (sw * sh)
    if fraction < 0.005:
        return ProductBox(False, None, bg_rgb, "the object found is too small to be the product")
    if (x1 - x0) >= sw - 1 and (y1 - y0) >= sh - 1:
        return ProductBox(False, None, bg_rgb, "the object fills the whole frame")
    box = (int(np.floor(x0 / factor)), int(np.floor(y0 / factor)),
           min(w, int(np.ceil(x1 / factor))), min(h, int(np.ceil(y1 / factor))))
    return ProductBox(True, box, bg_rgb)


def _shadow(a, bg):
    """Where a cast shadow is: the background a little darker with the same hue (same
    chromaticity, r:g:b proportions, and 60-100 % of its brightness)."""
    total = a.sum(axis=2, keepdims=True) + 1e-3
    chroma = abs(a / total - bg / (bg.sum() + 1e-3)).max(axis=2)
    ratio = total[..., 0] / (bg.sum() + 1e-3)
    return (chroma < 0.02) & (ratio > 0.6) & (ratio < 1.02)


# --- callouts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CalloutStyle:
    """A selling-point callout: a rounded text box joined by a leader line to a point.

    ``theme`` "auto" picks a dark box on light surroundings and a light box on dark ones.
    """

    text_size: float = 0.036
    max_width: float = 0.42
    leader: float = 0.13  # leader length, fraction of width
    margin: float = 0.035
    line_width: float = 0.0042
    dot_radius: float = 0.0095
    opacity: float = 0.9
    theme: str = "auto"
    weight: str = "bold"
    dark_fill: RGB = (26, 26, 26)
    light_fill: RGB = (255, 255, 255)
    dark_text_colour: RGB = (255, 255, 255)
    light_text_colour: RGB = (26, 26, 26)
    accent_colour: RGB = (196, 32, 48)
    max_height: float = 0.4  # fraction of image height before the text shrinks
    min_scale: float = 0.55
    language: str = "zh"

    def __post_init__(self) -> None:
        _check_common(self)
        if self.theme not in ("auto", "dark", "light"):
            raise StyleError(f"theme must be auto, dark or light, got {self.theme!r}")
        if self.weight not in ("regular", "bold"):
            raise StyleError(f"weight must be regular or bold, got {self.weight!r}")
        for name in ("text_size", "max_width", "leader", "margin", "line_width", "dot_radius",
                     "opacity", "max_height", "min_scale"):
            _check_fraction(name, getattr(self, name))


# Directions tried for the box, in order of preference (dx, dy).
_DIRECTIONS = ((1, -1), (-1, -1), (1, 1), (-1, 1), (1, 0), (-1, 0), (0, -1), (0, 1))


def _box_for(anchor, direction, bw, bh, dist, w, h, margin):
    ax, ay = anchor
    dx, dy = direction
    norm = (dx * dx + dy * dy) ** 0.5
    px, py = ax + dx / norm * dist, ay + dy / norm * dist
    x0 = px if dx > 0 else px - bw if dx < 0 else px - bw / 2
    y0 = py if dy > 0 else py - bh if dy < 0 else py - bh / 2
    cx0 = max(0, min(max(x0, margin), w - margin - bw))
    cy0 = max(0, min(max(y0, margin), h - margin - bh))
    moved = abs(cx0 - x0) + abs(cy0 - y0)
    return (round(cx0), round(cy0), round(cx0 + bw), round(cy0 + bh)), moved


def _nearest_on_box(point, box):
    x, y = point
    x0, y0, x1, y1 = box
    return min(max(x, x0), x1), min(max(y, y0), y1)


def callout(image: Image.Image, text: str, anchor_xy: tuple[float, float] | None = None,
            style: CalloutStyle | None = None):
    """Draw ``text`` in a box with a leader line to ``anchor_xy`` (fractions of width and
    height; None: the centre of the product found on a plain background, else the image
    centre). The box stays inside the image, avoids covering the product and the anchor
    where it can, and its colours contrast with what lies beneath it.

    Text that cannot fit even at ``min_scale`` is cut to the lines that fit, ending in '…'
    (``truncated``); empty text leaves the image unchanged (``reason`` "no text").

    Returns ``(image, facts)``; facts: ``box``, ``anchor``, ``leader``, ``lines``, ``theme``,
    ``text_size``, ``fits``, ``truncated``, ``missing_glyphs``, ``text_boxes``, ``reason``.
    """
    import numpy as np

    style = style or CalloutStyle()
    if not tl.clean_text(text).strip():
        return image.copy(), {"box": None, "anchor": None, "leader": None, "lines": [],
                              "theme": None, "text_size": 0, "fits": True, "truncated": False,
                              "missing_glyphs": [], "text_boxes": [], "reason": "no text"}
    src = _rgba(image)
    w, h = src.size
    rgb = np.asarray(src.convert("RGB"), dtype=np.float32)
    found = find_product_box(src)
    product = found.box if found.found and found.box else None
    anchor = _callout_anchor(product, anchor_xy, w, h)
    block, fits, truncated, pads = _callout_text(text, style, w, h)
    bw = min(block.width + 2 * pads[0], w)
    bh = min(block.height + 2 * pads[1], h)
    box = _place_callout(anchor, bw, bh, rgb.mean(axis=2), product, style, w)
    theme = _callout_theme(rgb, box, style)
    canvas, end, boxes = _draw_callout(src, box, anchor, block, pads, theme, style)
    ax, ay = round(anchor[0]), round(anchor[1])
    facts = {
        "box": list(box),
        "anchor": [ax, ay],
        "leader": [[ax, ay], [int(end[0]), int(end[1])]],
        "lines": list(block.lines),
        "theme": theme,
        "text_size": block.font.size,
        "fits": fits,
        "truncated": truncated,
        "missing_glyphs": sorted(block.missing),
        "text_boxes": [list(b) for b in boxes],
        "reason": None,
    }
    return _finish(canvas, image), facts


def _callout_anchor(product, anchor_xy, w, h):
    """The leader's point in pixels: the given fractions, else the product's centre, else
    the image's."""
    if anchor_xy is None:
        if product:
            x0, y0, x1, y1 = product
            return ((x0 + x1) / 2, (y0 + y1) / 2)
        return (w / 2, h / 2)
    fx, fy = (min(1.0, max(0.0, float(v))) for v in anchor_xy)
    return (fx * (w - 1), fy * (h - 1))


def _callout_text(text, style, w, h):
    """The text block at the largest size that fits, cut with '…' when even the smallest
    is taller than the picture: (block, fits, truncated, (pad_x, pad_y))."""
    margin = style.margin * w
    size_max = style.text_size * w
    pad_x_em, pad_y_em = 0.75, 0.5
    max_text_w = max(1.0, min(style.max_width * w, w - 2 * margin) - 2 * pad_x_em * size_max)
    block, fits = tl.fit_text(
        text, max_text_w, style.max_height * h - 2 * pad_y_em * size_max,
        size_max=size_max, size_min=size_max * style.min_scale,
        weight=style.weight, line_spacing=1.4, balance=True,
    )
    size = block.font.size
    pad_x, pad_y = round(pad_x_em * size), round(pad_y_em * size)
    truncated = False
    room = int((h - 2 * margin - 2 * pad_y) // block.line_height)
    if len(block.lines) > max(1, room):
        # Even the smallest text is taller than the picture: keep what fits, end with '…'.
        keep = list(block.lines[: max(1, room)])
        while keep[-1] and block.font.getlength(keep[-1] + "…") > max_text_w:
            keep[-1] = keep[-1][:-1]
        keep[-1] += "…"
        block = replace(block, lines=tuple(keep), height=block.line_height * len(keep))
        truncated = True
    return block, fits, truncated, (pad_x, pad_y)


def _place_callout(anchor, bw, bh, grey, product, style, w):
    """The box position with the lowest score: covering the anchor, the product and busy
    areas, and being pushed away from the preferred place all cost."""
    h = grey.shape[0]
    margin = style.margin * w
    best = None
    candidates = [(d, f) for f in (1.0, 0.6, 1.6) for d in _DIRECTIONS]
    for rank, (direction, reach) in enumerate(candidates):
        box, moved = _box_for(anchor, direction, bw, bh, style.leader * w * reach, w, h, margin)
        bx0, by0, bx1, by1 = box
        ax, ay = anchor
        clear = style.dot_radius * w * 3
        covers_anchor = bx0 - clear <= ax <= bx1 + clear and by0 - clear <= ay <= by1 + clear
        region = grey[max(0, by0):max(1, by1), max(0, bx0):max(1, bx1)]
        busy = float(region.std()) / 64 if region.size else 0.0
        overlap = 0.0
        if product is not None:
            ix = max(0, min(bx1, product[2]) - max(bx0, product[0]))
            iy = max(0, min(by1, product[3]) - max(by0, product[1]))
            overlap = ix * iy / max(1, bw * bh)
        score = (10.0 if covers_anchor else 0.0) + 3.0 * overlap + busy \
            + moved / max(1.0, style.leader * w) * 0.5 + rank * 0.02
        if best is None or score < best[0]:
            best = (score, box)
    return best[1]


def _callout_theme(rgb, box, style):
    """The box's theme, "dark" or "light": the style's, or on "auto" the one that
    contrasts with what lies under the box."""
    bx0, by0, bx1, by1 = box
    under = rgb[max(0, by0):max(1, by1), max(0, bx0):max(1, bx1)].reshape(-1, 3).mean(axis=0)
    if style.theme == "auto":
        return "dark" if _luminance(under) > 0.4 else "light"
    return style.theme


def _draw_callout(src, box, anchor, block, pads, theme, style):
    """Soft shadow under the box, then the leader (with a halo), its dot and the box with
    its text: (canvas, the leader's end on the box, the text's boxes)."""
    from PIL import Image, ImageDraw, ImageFilter

    w, h = src.size
    bx0, by0, bx1, by1 = box
    pad_x, pad_y = pads
    size = block.font.size
    fill = style.dark_fill if theme == "dark" else style.light_fill
    ink = style.dark_text_colour if theme == "dark" else style.light_text_colour
    halo = style.light_fill if theme == "dark" else style.dark_fill
    lw = max(1, round(style.line_width * w))
    dot = max(2, round(style.dot_radius * w))
    radius = round(0.35 * size)
    end = _nearest_on_box(anchor, box)
    alpha = round(255 * style.opacity)

    shadow = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    sd = ImageDraw.Draw(shadow)
    off = max(1, round(0.004 * w))
    sd.rounded_rectangle((bx0 + off, by0 + 2 * off, bx1 + off, by1 + 2 * off), radius,
                         fill=(0, 0, 0, 70))
    shadow = shadow.filter(ImageFilter.GaussianBlur(max(1, round(0.006 * w))))
    canvas = src.copy()
    canvas.alpha_composite(shadow)
    overlay = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    od = ImageDraw.Draw(overlay)
    ax, ay = round(anchor[0]), round(anchor[1])
    halo_w = lw + 2 * max(1, round(lw * 0.6))
    od.line((ax, ay, *end), fill=halo + (150,), width=halo_w)
    od.ellipse((ax - dot - halo_w // 2, ay - dot - halo_w // 2,
                ax + dot + halo_w // 2, ay + dot + halo_w // 2), fill=halo + (150,))
    od.line((ax, ay, *end), fill=fill + (255,), width=lw)
    od.ellipse((ax - dot, ay - dot, ax + dot, ay + dot), fill=fill + (255,))
    inner = max(1, dot // 2)
    od.ellipse((ax - inner, ay - inner, ax + inner, ay + inner), fill=style.accent_colour + (255,))
    canvas.alpha_composite(overlay)
    box_layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    bd = ImageDraw.Draw(box_layer)
    bd.rounded_rectangle(box, radius, fill=fill + (alpha,),
                         outline=halo + (90,), width=max(1, round(lw / 2)))
    accent_w = max(2, round(size * 0.16))
    bd.rounded_rectangle((bx0, by0, bx0 + accent_w + radius, by1), radius,
                         fill=style.accent_colour + (255,))
    bd.rectangle((bx0 + accent_w, by0, bx0 + accent_w + radius, by1), fill=fill + (alpha,))
    canvas.alpha_composite(box_layer)
    draw = ImageDraw.Draw(canvas)
    text_x = bx0 + pad_x + accent_w // 2
    boxes = tl.draw_block(draw, (text_x, by0 + pad_y), block, ink + (255,))
    return canvas, end, boxes


# --- dimension lines ----------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionStyle:
    """Dimension arrows around the product. ``horizontal`` / ``vertical`` say which sheet
    figure each arrow shows ("length", "width" or "height")."""

    language: str = "zh"
    horizontal: str = "length"
    vertical: str = "height"
    text_size: float = 0.028
    line_width: float = 0.0028
    gap: float = 0.035  # distance of the arrow from the product, fraction of width
    arrow: float = 0.014
    colour: RGB = (40, 40, 40)
    light_colour: RGB = (240, 240, 240)  # used on dark backgrounds
    threshold: float = 40.0

    def __post_init__(self) -> None:
        _check_common(self)
        for name in ("horizontal", "vertical"):
            if getattr(self, name) not in ("length", "width", "height"):
                raise StyleError(f"{name} must be length, width or height")
        for name in ("text_size", "line_width", "gap", "arrow"):
            _check_fraction(name, getattr(self, name), 0.0, 0.25)


def _arrow(draw, p0, p1, colour, lw, head):
    """A double-headed arrow from p0 to p1 (axis-aligned)."""
    (x0, y0), (x1, y1) = p0, p1
    draw.line((x0, y0, x1, y1), fill=colour, width=lw)
    horizontal = y0 == y1
    for (x, y), sign in (((x0, y0), 1), ((x1, y1), -1)):
        if horizontal:
            pts = [(x, y), (x + sign * head, y - head * 0.45), (x + sign * head, y + head * 0.45)]
        else:
            pts = [(x, y), (x - head * 0.45, y + sign * head), (x + head * 0.45, y + sign * head)]
        draw.polygon(pts, fill=colour)


def dimension_lines(image: Image.Image, product: Product, style: DimensionStyle | None = None):
    """Draw the sheet's length (horizontal) and height (vertical) as arrows along the
    product found on a plain background.

    Returns ``(image, facts)``; facts: ``found``, ``box``, ``reason``, ``drawn`` (axes),
    ``labels``, ``missing_glyphs``, ``background``. When no product stands out clearly, or
    the sheet has no figures, the image is returned unchanged and ``reason`` says why.
    """
    from PIL import ImageDraw

    style = style or DimensionStyle()
    labels = LABELS[style.language]
    located = find_product_box(image, threshold=style.threshold)
    facts: dict = {"found": located.found, "box": list(located.box) if located.box else None,
                   "reason": located.reason, "drawn": [], "labels": [], "missing_glyphs": [],
                   "background": list(located.background)}
    values = {"length": product.length_cm, "width": product.width_cm, "height": product.height_cm}
    wanted = [(axis, key) for axis, key in (("horizontal", style.horizontal),
                                             ("vertical", style.vertical)) if values[key]]
    if not located.found or located.box is None:
        return image.copy(), facts
    if not wanted:
        facts["reason"] = "the sheet gives no dimensions for this product"
        return image.copy(), facts

    canvas = _rgba(image)
    w, h = canvas.size
    draw = ImageDraw.Draw(canvas)
    dark_bg = _luminance(located.background) < 0.35
    lw = max(1, round(style.line_width * w))
    gap = round(style.gap * w)
    size = style.text_size * w
    pen = _Pen(colour=(style.light_colour if dark_bg else style.colour) + (255,),
               knock=tuple(located.background) + (255,), lw=lw, head=max(4, round(style.arrow * w)),
               gap=gap, ext=round(gap * 0.35), pad=round(size * 0.35))
    x0, y0, x1, y1 = located.box
    box = (x0, y0, x1 - 1, y1 - 1)
    missing: set[str] = set()
    for axis, key in wanted:
        text = f"{labels[key]} {format_number(values[key])} cm"
        block = tl.layout(text, size, w, weight="bold", line_spacing=1.2)
        missing |= block.missing
        if axis == "horizontal":
            _horizontal_dimension(draw, box, block, (w, h), pen)
        else:
            _vertical_dimension(draw, box, block, (w, h), pen)
        facts["drawn"].append(key)
        facts["labels"].append(text)
    facts["missing_glyphs"] = sorted(missing)
    return _finish(canvas, image), facts


@dataclass(frozen=True)
class _Pen:
    """How dimension arrows are drawn, in pixels: ``knock`` fills behind a label, ``ext``
    is how far the extension lines reach past the product."""

    colour: tuple
    knock: tuple
    lw: int
    head: int
    gap: int
    ext: int
    pad: int


def _horizontal_dimension(draw, box, block, size, pen: _Pen) -> None:
    """An arrow below the product (above it when there is no room), with its label."""
    x0, y0, x1, y1 = box
    w, h = size
    tw, th = block.width, block.height
    colour, gap, ext, pad = pen.colour, pen.gap, pen.ext, pen.pad
    below = y1 + gap + th / 2
    y = below if below + th / 2 < h else y0 - gap - th / 2
    if y - th / 2 < 0:
        y = min(h - th / 2 - 1, below)
    y = round(y)
    for x in (x0, x1):
        draw.line((x, y1 + ext if y > y1 else y0 - ext, x, y + (ext if y > y1 else -ext)),
                  fill=colour, width=max(1, pen.lw // 2))
    _arrow(draw, (x0, y), (x1, y), colour, pen.lw, pen.head)
    cx = (x0 + x1) / 2
    draw.rectangle((cx - tw / 2 - pad, y - th / 2, cx + tw / 2 + pad, y + th / 2), fill=pen.knock)
    tl.draw_block(draw, (cx - tw / 2, y - th / 2), block, colour)


def _vertical_dimension(draw, box, block, size, pen: _Pen) -> None:
    """An arrow right of the product (left of it when there is no room), with its label."""
    x0, y0, x1, y1 = box
    w, h = size
    tw, th = block.width, block.height
    colour, gap, ext, pad = pen.colour, pen.gap, pen.ext, pen.pad
    right = x1 + gap + tw / 2 + pad
    x = right if right + tw / 2 + pad < w else x0 - gap - tw / 2 - pad
    if x - tw / 2 - pad < 0:
        x = min(w - tw / 2 - pad - 1, right)
    x = round(x)
    for yy in (y0, y1):
        draw.line((x1 + ext if x > x1 else x0 - ext, yy, x + (ext if x > x1 else -ext), yy),
                  fill=colour, width=max(1, pen.lw // 2))
    _arrow(draw, (x, y0), (x, y1), colour, pen.lw, pen.head)
    cy = (y0 + y1) / 2
    draw.rectangle((x - tw / 2 - pad, cy - th / 2 - pad / 2, x + tw / 2 + pad,
                    cy + th / 2 + pad / 2), fill=pen.knock)
    tl.draw_block(draw, (x - tw / 2, cy - th / 2), block, colour)

