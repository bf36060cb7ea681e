"""The description page (详情页): one long image laid out from the shop's template, and
its slices for the description editor.

:func:`layout_page` places every element and knows its box (text lines, photos, tables):
:class:`PageLayout` is a value the tests read. :func:`draw_page` paints it;
:func:`cut_points` chooses where to slice: at a gap between sections where it can, else
where a row of background crosses the whole width, never inside a box. Cuts fall on
multiples of 8 rows (a JPEG block), so slices encoded like the page decode to the
page's own pixels. Photos taller than a slice are scaled down to fit one.

Qt-free; text goes through :mod:`.textlayout` (one wrapper with the line-breaking rules
of Chinese, 禁则) and the bundled font only.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..messages import say
from . import textlayout as tl
from .annotate import LABELS, DimensionStyle, dimension_lines, field_value, format_dimensions

if TYPE_CHECKING:
    from PIL import Image

    from ..catalogue import Product
    from ..page_template import PageTemplate, Section

BLOCK = 8            # JPEG block rows: cuts on multiples keep the slices' pixels the page's
MAX_PAGE_HEIGHT = 65_000  # JPEG's limit is 65 535 rows
SIZE_SEPARATORS = "/／、,，;；|"


@dataclass(frozen=True)
class Box:
    """Something drawn on the page that a slice may not cut: ``kind`` text | photo |
    table | image | bar; ``box`` (x0, y0, x1, y1), x1/y1 exclusive. Text boxes carry the
    line, its size and weight, so a test can draw it again."""

    kind: str
    section: str
    box: tuple[int, int, int, int]
    text: str = ""
    size: int = 0
    weight: str = "regular"


@dataclass
class PageLayout:
    width: int
    height: int = 0
    background: tuple[int, int, int] = (255, 255, 255)
    ops: list = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)
    sections: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, top, bottom) of each
    problems: list[str] = field(default_factory=list)  # gaps: what the template asks and the SKU lacks
    notes: list[str] = field(default_factory=list)     # how the page was made do without
    missing_glyphs: set[str] = field(default_factory=set)

    def texts(self) -> list[str]:
        return [b.text for b in self.boxes if b.kind == "text"]


@dataclass(frozen=True)
class Detail:
    """A selling-point picture: the detail rendition and the point it carries."""

    image: Image.Image
    heading: str


def split_sizes(cell: str | None) -> list[str]:
    """'S/M/L/XL' → ['S', 'M', 'L', 'XL'] (also ／ 、 , ， ; ； |)."""
    text = cell or ""
    for sep in SIZE_SEPARATORS[1:]:
        text = text.replace(sep, SIZE_SEPARATORS[0])
    return [p.strip() for p in text.split(SIZE_SEPARATORS[0]) if p.strip()]


class _Builder:
    def __init__(self, t: PageTemplate, sku: str):
        self.t, self.sku = t, sku
        self.page = PageLayout(t.width, background=t.background)
        self.y = 0
        self.section = ""
        self.x0 = t.margin
        self.inner = t.content_width

    # -- primitives
    def text(self, text: str, size: int, colour, *, weight: str = "regular", align: str = "centre",
             x: int | None = None, width: int | None = None, line_spacing: float | None = None,
             balance: bool = False) -> int:
        """Wrap and place ``text`` at the current y; returns its height."""
        x = self.x0 if x is None else x
        width = self.inner if width is None else width
        block = tl.layout(text, size, width, weight=weight, balance=balance,
                          line_spacing=line_spacing or self.t.line_spacing)
        self.page.missing_glyphs |= block.missing
        self.page.ops.append(("text", (x, self.y), block, colour, align, width))
        for i, line in enumerate(block.lines):
            if not line:
                continue
            w = round(block.font.getlength(line))
            lx = x + (width - w) // 2 if align == "centre" else x + width - w if align == "right" else x
            top = self.y + i * block.line_height
            self.page.boxes.append(Box("text", self.section, (lx, top, lx + w, top + block.line_height),
                                       line, block.font.size, weight))
        return block.height

    def image(self, img: Image.Image, *, full_bleed: bool = False, kind: str = "photo") -> None:
        """Place ``img`` at the content width (page width when ``full_bleed``), scaled down
        to fit a slice when taller."""
        from .render import downscale

        width = self.t.width if full_bleed else self.inner
        limit = self.t.max_height - 3 * BLOCK  # fits between two block-aligned cuts
        scale = min(width / img.width, limit / img.height)
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        if size != img.size:
            img = downscale(img.convert("RGB"), size) if scale < 1 else img.convert("RGB").resize(size, 3)
        x = (self.t.width - size[0]) // 2
        self.page.ops.append(("image", (x, self.y), img))
        self.page.boxes.append(Box(kind, self.section, (x, self.y, x + size[0], self.y + size[1])))
        self.y += size[1]

    def rect(self, box, colour, kind: str | None = None) -> None:
        self.page.ops.append(("rect", box, colour))
        if kind:
            self.page.boxes.append(Box(kind, self.section, box))

    def gap(self, px: float) -> None:
        self.y += round(px)

    def problem(self, code: str, *, note: bool = False, **args: object) -> None:
        (self.page.notes if note else self.page.problems).append(say(code, sku=self.sku, **args))

    # -- parts
    def heading(self, s: Section) -> None:
        t = self.t
        if s.title:
            self.y += self.text(s.title, t.heading_size, t.text, weight="bold", line_spacing=1.3)
        if s.subtitle:
            self.gap(t.small_size * 0.2)
            self.y += self.text(_tracked(s.subtitle.upper()), t.small_size, t.muted, line_spacing=1.3)
        if s.title or s.subtitle:
            self.gap(t.small_size * 0.7)
            bar_w, bar_h = 40, 3
            x = (t.width - bar_w) // 2
            self.rect((x, self.y, x + bar_w, self.y + bar_h), t.accent, "bar")
            self.gap(bar_h + t.block_gap * 1.25)


def _tracked(text: str) -> str:
    """Letter-spaced Latin for subtitles ('SIZE CHART' → 'S I Z E　C H A R T'); an
    ideographic space (which text cleaning keeps) sets the words apart."""
    return "\u3000".join(" ".join(word) for word in text.split())


# --------------------------------------------------------------------------- sections


def _hero(b: _Builder, s: Section, product: Product | None, hero: Image.Image | None, panel: bool) -> None:
    t = b.t
    b.heading(s)
    if product is not None and product.name:
        b.y += b.text(product.name, t.title_size, t.text, weight="bold", line_spacing=1.35, balance=True)
        b.gap(t.block_gap)
    if hero is None:
        b.problem("page-no-hero")
    else:
        b.image(hero)
        b.gap(t.block_gap)
    if product is None or panel:  # the hero carries its own spec panel: not twice
        return
    labels = LABELS[t.language]
    rows = [(labels[f], field_value(product, f, t.language)) for f in s.fields]
    rows = [(k, v) for k, v in rows if v.strip()]
    if not rows:
        return
    label_w = round(max(tl.layout(k, t.text_size, b.inner).width for k, _ in rows) + t.text_size * 2)
    pad = round(t.text_size * 0.75)
    b.rect((b.x0, b.y, b.x0 + b.inner, b.y + 1), t.rule, "bar")
    b.gap(1)
    for label, value in rows:
        b.gap(pad)
        top = b.y
        h1 = b.text(label, t.text_size, t.muted, align="left", x=b.x0 + t.text_size // 2)
        h2 = b.text(value, t.text_size, t.text, align="left", x=b.x0 + label_w,
                    width=b.inner - label_w - t.text_size // 2)
        b.y = top + max(h1, h2) + pad
        b.rect((b.x0, b.y, b.x0 + b.inner, b.y + 1), t.rule, "bar")
        b.gap(1)


def _selling_points(b: _Builder, s: Section, details: list[Detail]) -> None:
    t = b.t
    if len(details) < s.min_items:
        b.problem("page-few-details", have=len(details), need=s.min_items)
    if not details:
        return
    b.heading(s)
    for i, d in enumerate(details):
        if i:
            b.gap(t.block_gap * 2.5)
        b.y += b.text(f"{i + 1:02d}", t.subheading_size, t.accent, weight="bold", line_spacing=1.2)
        if d.heading.strip():
            b.gap(t.small_size * 0.3)
            b.y += b.text(d.heading, t.subheading_size, t.text, weight="bold", line_spacing=1.4, balance=True)
        b.gap(t.block_gap * 0.75)
        b.image(d.image)


def _dimensions(b: _Builder, s: Section, product: Product | None, photo: Image.Image | None) -> None:
    t = b.t
    text = format_dimensions(product, t.language) if product is not None else None
    if not text:
        b.problem("page-no-dimensions")
        return
    b.heading(s)
    if photo is not None:
        drawn, facts = dimension_lines(photo, product, DimensionStyle(language=t.language))
        if facts["drawn"]:
            b.image(drawn)
            b.gap(t.block_gap)
        else:
            b.problem("page-dimension-lines", note=True, frame=s.frame, reason=facts["reason"])
    b.y += b.text(text, t.subheading_size, t.text, weight="bold", line_spacing=1.4)
    if s.note:
        b.gap(t.small_size * 0.5)
        b.y += b.text(s.note, t.small_size, t.muted)


def _size_chart(b: _Builder, s: Section, product: Product | None) -> None:
    t = b.t
    sizes = split_sizes(product.column(s.size_column)) if product is not None else []
    if not sizes:
        b.problem("page-no-sizes", column=s.size_column)
        return
    cols: list[tuple[str, list[str]]] = []
    lacking = []
    for name in s.columns:
        cell = product.column(name) if product is not None else None
        if cell is None:
            lacking.append(name)
            continue
        values = split_sizes(cell)
        if len(values) != len(sizes):
            b.problem("page-size-count", column=name, have=len(values), sizes=len(sizes))
        cols.append((name, (values + ["—"] * len(sizes))[: len(sizes)]))
    if lacking:
        b.problem("page-no-column", columns="、".join(lacking))
    if not cols:
        return
    b.heading(s)
    unit = f" ({s.unit})" if s.unit else ""
    header = [s.size_column] + [f"{n}{unit}" for n, _ in cols]
    rows = [header] + [[size] + [v[i] for _, v in cols] for i, size in enumerate(sizes)]
    n = len(header)
    cell_w = b.inner // n
    table_w = cell_w * n
    x0 = (t.width - table_w) // 2
    row_h = round(t.text_size * 2.4)
    top = b.y
    for r, row in enumerate(rows):
        y = top + r * row_h
        if r == 0:
            b.rect((x0, y, x0 + table_w, y + row_h), t.tint)
        for c, value in enumerate(row):
            b.y = y + (row_h - round(t.text_size * 1.4)) // 2
            b.text(value, t.text_size if r else t.small_size + 1, t.text, x=x0 + c * cell_w,
                   width=cell_w, weight="bold" if r == 0 or c == 0 else "regular", line_spacing=1.4)
        b.rect((x0, y + row_h - 1, x0 + table_w, y + row_h), t.rule)
    b.rect((x0, top, x0 + table_w, top + 1), t.rule)
    b.y = top + row_h * len(rows)
    b.page.boxes.append(Box("table", b.section, (x0, top, x0 + table_w, b.y)))
    if s.note:
        b.gap(t.block_gap * 0.75)
        b.y += b.text(s.note, t.small_size, t.muted)


def _notes(b: _Builder, s: Section) -> None:
    t = b.t
    if not s.items:
        return
    b.heading(s)
    for i, (title, text) in enumerate(s.items):
        if i:
            b.gap(t.block_gap)
        if title:
            b.y += b.text(title, t.text_size, t.text, weight="bold", line_spacing=1.5)
            b.gap(t.small_size * 0.25)
        if text:
            indent = round(t.text_size * 2)
            b.y += b.text(text, t.small_size + 1, t.muted, line_spacing=1.75, balance=True,
                          x=b.x0 + indent, width=b.inner - 2 * indent)


def _banner(b: _Builder, s: Section) -> None:
    from ..errors import InputError
    from .load import load

    if s.image is None:
        return
    try:
        # Through the loader: orientation, ICC → sRGB and the pixel limit, as for photos.
        img = load(s.image, min_long_edge=b.t.width).image
    except InputError as e:
        b.problem("page-banner", file=s.image.name, detail=e.reason)
        return
    b.image(img, full_bleed=True, kind="image")


def layout_page(t: PageTemplate, sku: str, product: Product | None, hero: Image.Image | None,
                details: list[Detail], hidden: frozenset[str] | set[str] = frozenset(), *,
                hero_has_panel: bool = False) -> PageLayout:
    """Lay out the page of ``sku``: the template's sections in order, except those
    ``hidden`` (per-SKU toggles). ``hero``: the hero photo without its spec panel (with
    ``hero_has_panel``, a hero rendition that keeps it: the page sets no second one);
    ``details``: the selling-point pictures in order. What is missing is reported in
    :attr:`PageLayout.problems` (naming the SKU) and the page is built with what exists."""
    b = _Builder(t, sku)
    if product is None:
        b.problem("page-not-in-sheet")
    frames = {"hero": None if hero_has_panel else hero, **{f"detail-{i + 1}": d.image for i, d in enumerate(details)}}
    first = True
    for s in t.sections:
        if not s.enabled or s.kind in hidden:
            continue
        b.section = s.kind
        top, before = b.y, len(b.page.boxes)
        b.gap(t.section_gap * (0.75 if first else 1.0))
        if s.kind in ("banner", "footer"):
            b.y = top + (t.section_gap if s.kind == "footer" else 0)  # full bleed: no gap above a banner
            _banner(b, s)
        elif s.kind == "hero":
            _hero(b, s, product, hero, hero_has_panel)
        elif s.kind == "selling_points":
            _selling_points(b, s, details)
        elif s.kind == "dimensions":
            _dimensions(b, s, product, frames.get(s.frame))
        elif s.kind == "size_chart":
            _size_chart(b, s, product)
        elif s.kind == "notes":
            _notes(b, s)
        if len(b.page.boxes) == before:
            b.y = top  # nothing of this section was drawn: no empty gap either
            continue
        content = [x.box for x in b.page.boxes if x.section == s.kind]
        b.page.sections.append((s.kind, min(c[1] for c in content), max(c[3] for c in content)))
        first = False
    last = b.page.sections[-1][0] if b.page.sections else ""
    if last != "footer":
        b.gap(t.section_gap)
    b.page.height = max(1, b.y)
    if b.page.height > MAX_PAGE_HEIGHT:
        b.problem("page-too-long", height=b.page.height, limit=MAX_PAGE_HEIGHT)
    return b.page


def draw_page(page: PageLayout) -> Image.Image:
    """Paint a laid-out page (RGB)."""
    from PIL import Image, ImageDraw

    canvas = Image.new("RGB", (page.width, min(page.height, MAX_PAGE_HEIGHT)), page.background)
    draw = ImageDraw.Draw(canvas)
    for op in page.ops:
        if op[0] == "rect":
            x0, y0, x1, y1 = op[1]
            draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=op[2])
        elif op[0] == "image":
            canvas.paste(op[2], op[1])
        else:
            _, xy, block, colour, align, width = op
            tl.draw_block(draw, xy, block, colour, align=align, box_width=width)
    return canvas


def cut_points(page: PageLayout, image: Image.Image, max_height: int) -> list[int]:
    """Rows where the page is cut into slices of at most ``max_height`` rows (the top of
    each slice after the first). A cut is allowed where no box of the layout is cut and
    the rows on both sides are plain background across the whole width; among those, a
    gap between sections is preferred over a gap inside one."""
    import numpy as np

    h = image.height
    if h <= max_height:
        return []
    a = np.asarray(image)
    plain = (a == np.asarray(page.background, a.dtype)).all(axis=(1, 2))
    inside = np.zeros(h + 1, bool)
    for b in page.boxes:
        inside[max(0, b.box[1] + 1):min(h, b.box[3])] = True  # a cut at a box's edge is fine
    allowed = [y for y in range(BLOCK, h, BLOCK) if not inside[y] and plain[y] and plain[y - 1]]
    between = set()
    for (_, _, bottom), (_, top, _) in zip(page.sections, page.sections[1:], strict=False):
        between.update(y for y in allowed if bottom <= y <= top)
    cuts: list[int] = []
    start = 0
    while h - start > max_height:
        limit = start + max_height
        window = [y for y in allowed if start < y <= limit]
        if not window:
            y = limit - limit % BLOCK  # nothing fits (cannot happen with the layout's sizes)
        else:
            good = [y for y in window if y in between and y - start >= max_height // 2]
            y = max(good) if good else max(window)
        cuts.append(y)
        start = y
    return cuts


def slices(image: Image.Image, cuts: list[int]) -> list[Image.Image]:
    edges = [0, *cuts, image.height]
    return [image.crop((0, a, image.width, b)) for a, b in zip(edges, edges[1:], strict=False)]


def page_html(sku: str, names: list[str], sizes: list[tuple[int, int]], width: int) -> str:
    """The slices in order, ready to paste into a description editor (no gaps between
    them: the page reads as one image)."""
    imgs = "\n".join(
        f'<img src="{html.escape(n)}" width="{w}" height="{h}" alt="{html.escape(sku)} {i}/{len(names)}" '
        f'style="display:block;width:100%;max-width:{w}px;height:auto;border:0;margin:0 auto">'
        for i, (n, (w, h)) in enumerate(zip(names, sizes, strict=True), start=1))
    return (f"<!-- imgprep: description page (详情页) of {html.escape(sku)}, {len(names)} slices in order -->\n"
            f'<div style="max-width:{width}px;margin:0 auto;font-size:0;line-height:0">\n{imgs}\n</div>\n')
