"""The shop's description-page template (详情页): ``presets/pages/*.toml`` loaded and
validated into a frozen value, the single source of the page's style (rule 5: every
product's description uses the same template).

Like presets, unknown keys and bad values are refused with the file, the key and a hint.
The template's :attr:`PageTemplate.digest` covers its values and the images it names, so a
page built from an older template is known to be stale.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .presets import _check_table, _is_int, _parse_hex, hex_rgb, presets_dir, read_named_toml

DEFAULT_TEMPLATE = "taobao-750"
SECTION_KINDS = ("banner", "hero", "selling_points", "dimensions", "size_chart", "notes", "footer")
HERO_FIELDS = ("sku", "colour", "fabric", "size", "dimensions", "description")
# Chinese names of the sections, for messages and the app's toggles.
SECTION_LABELS = {"banner": "店铺横幅 banner", "hero": "商品信息 hero", "selling_points": "产品卖点 selling points",
                  "dimensions": "尺寸说明 dimensions", "size_chart": "尺码表 size chart",
                  "notes": "购物须知 notes", "footer": "页尾横幅 footer"}

RGB = tuple[int, int, int]


def templates_dir() -> Path:
    """Built-in page templates (beside the presets)."""
    return presets_dir() / "pages"


@dataclass(frozen=True)
class Section:
    """One section of the page. Keys a kind does not use keep their defaults."""

    kind: str
    enabled: bool = True
    title: str = ""
    subtitle: str = ""
    image: Path | None = None                 # banner, footer
    fields: tuple[str, ...] = HERO_FIELDS     # hero: the spec rows under the photo
    min_items: int = 5                        # selling_points
    frame: str = "hero"                       # dimensions: "hero" or "detail-N"
    note: str = ""                            # dimensions, size_chart
    size_column: str = "尺码"                  # size_chart: the rows
    columns: tuple[str, ...] = ()             # size_chart: the measurement columns
    unit: str = "cm"
    items: tuple[tuple[str, str], ...] = ()   # notes: (title, text)


@dataclass(frozen=True)
class PageTemplate:
    name: str
    description: str = ""
    width: int = 750
    margin: int = 20
    language: str = "zh"
    background: RGB = (255, 255, 255)
    text: RGB = (46, 46, 46)
    muted: RGB = (140, 140, 140)
    accent: RGB = (168, 49, 44)
    rule: RGB = (232, 230, 227)
    tint: RGB = (246, 244, 241)
    title_size: int = 34
    heading_size: int = 30
    subheading_size: int = 26
    text_size: int = 22
    small_size: int = 17
    line_spacing: float = 1.6
    section_gap: int = 96
    block_gap: int = 32
    max_height: int = 1500
    max_bytes: int = 1_000_000
    quality: int = 90
    sections: tuple[Section, ...] = ()
    source: Path | None = None
    digest: str = ""  # sha256 of the values and the images it names

    @property
    def content_width(self) -> int:
        return self.width - 2 * self.margin

    def section(self, kind: str) -> Section | None:
        return next((s for s in self.sections if s.kind == kind), None)


def _colour(v: Any) -> bool:
    return isinstance(v, str) and _parse_hex(v) is not None


def _int_between(low: int, high: int):
    return lambda v: _is_int(v) and low <= v <= high


_TOP = {
    "name": (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty name"),
    "description": (lambda v: isinstance(v, str), "text"),
    "width": (_int_between(320, 2000), "page width in pixels, 320–2000 (Taobao 750, Tmall 790)"),
    "margin": (_int_between(0, 200), "pixels, 0–200"),
    "language": (lambda v: v in ("zh", "en"), "'zh' or 'en'"),
}
_COLOURS = {k: (_colour, "a colour like '#A8312C'") for k in ("background", "text", "muted", "accent", "rule", "tint")}
_TYPE = {k: (_int_between(8, 120), "pixels per em, 8–120")
         for k in ("title", "heading", "subheading", "text", "small")}
_TYPE["line_spacing"] = (lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 1.0 <= v <= 3.0,
                         "a multiple of the font size, 1.0–3.0")
_SPACING = {"section": (_int_between(0, 400), "pixels, 0–400"), "block": (_int_between(0, 200), "pixels, 0–200")}
_SLICES = {
    "max_height": (_int_between(200, 5000), "pixels, 200–5000 (Taobao: at most 2500)"),
    "max_bytes": (_int_between(50_000, 10_000_000), "bytes, 50000–10000000 (Taobao: at most 3 MB)"),
    "quality": (_int_between(50, 100), "JPEG quality 50–100"),
}


def _text(v: Any) -> bool:
    return isinstance(v, str) and len(v) <= 2000


def _items(v: Any) -> bool:
    return isinstance(v, list) and all(
        isinstance(i, dict) and set(i) <= {"title", "text"} and all(_text(x) for x in i.values()) for i in v)


_SECTION = {
    "kind": (lambda v: v in SECTION_KINDS, f"one of {SECTION_KINDS}"),
    "enabled": (lambda v: isinstance(v, bool), "true or false"),
    "title": (_text, "text"),
    "subtitle": (_text, "text"),
    "image": (lambda v: isinstance(v, str) and v != "", "an image path, relative to the template file"),
    "fields": (lambda v: isinstance(v, list) and all(f in HERO_FIELDS for f in v), f"a list of {HERO_FIELDS}"),
    "min_items": (_int_between(0, 50), "a whole number, 0–50"),
    "frame": (lambda v: isinstance(v, str) and (v == "hero" or (v.startswith("detail-") and v[7:].isdigit())),
              "'hero' or 'detail-N' (the N-th detail picture)"),
    "note": (_text, "text"),
    "size_column": (lambda v: isinstance(v, str) and v.strip() != "", "a column of the product sheet"),
    "columns": (lambda v: isinstance(v, list) and all(isinstance(c, str) and c.strip() for c in v),
                "a list of product-sheet column names"),
    "unit": (lambda v: isinstance(v, str) and len(v) <= 10, "a short unit such as 'cm'"),
    "items": (_items, "a list of { title = \"…\", text = \"…\" }"),
}
# Keys each kind reads (besides kind and enabled).
_SECTION_USES = {
    "banner": ("image",), "footer": ("image",),
    "hero": ("title", "subtitle", "fields"),
    "selling_points": ("title", "subtitle", "min_items"),
    "dimensions": ("title", "subtitle", "frame", "note"),
    "size_chart": ("title", "subtitle", "size_column", "columns", "unit", "note"),
    "notes": ("title", "subtitle", "items"),
}
_TABLES = {"colours": _COLOURS, "type": _TYPE, "spacing": _SPACING, "slices": _SLICES}


def parse_template(data: dict, file: Path, extra_digest: bytes = b"") -> PageTemplate:
    """A template from parsed TOML; ``file`` resolves relative image paths and names the
    file in messages."""
    unknown = [k for k in data if k not in _TOP and k not in _TABLES and k != "section"]
    if unknown:
        raise ConfigError(file, unknown[0], "unknown key", f"known keys: {', '.join([*_TOP, *_TABLES, 'section'])}")
    top = _check_table(file, "", {k: v for k, v in data.items() if k in _TOP}, _TOP)
    if "name" not in top:
        raise ConfigError(file, "name", "missing", 'add name = "…"')
    tables = {k: _check_table(file, k, data.get(k, {}), schema) for k, schema in _TABLES.items()}
    raw_sections = data.get("section", [])
    if not isinstance(raw_sections, list) or not raw_sections:
        raise ConfigError(file, "section", "at least one [[section]] is needed", 'add [[section]] with kind = "hero"')
    sections: list[Section] = []
    digest = hashlib.sha256(extra_digest)
    for i, s in enumerate(raw_sections):
        prefix = f"section[{i}]"
        _check_table(file, prefix, s, _SECTION)
        kind = s.get("kind")
        if kind is None:
            raise ConfigError(file, f"{prefix}.kind", "missing", f"one of {SECTION_KINDS}")
        if any(x.kind == kind for x in sections):
            raise ConfigError(file, f"{prefix}.kind", f"a second '{kind}' section", "each kind appears once")
        unused = sorted(set(s) - {"kind", "enabled", *_SECTION_USES[kind]})
        if unused:
            raise ConfigError(file, f"{prefix}.{unused[0]}", f"not used by a '{kind}' section",
                              f"a '{kind}' section reads: {', '.join(_SECTION_USES[kind])}")
        image = None
        if "image" in s:
            image = (file.parent / s["image"]).resolve()
            # Read when the page is built (a missing banner is that page's problem, not the
            # template's); its content is part of the digest so a new banner restyles pages.
            try:
                digest.update(image.read_bytes())
            except OSError:
                digest.update(b"unreadable:" + str(image).encode())
        values = {k: (tuple(v) if isinstance(v, list) else v) for k, v in s.items() if k not in ("image", "items")}
        values["items"] = tuple((i.get("title", ""), i.get("text", "")) for i in s.get("items", []))
        sections.append(Section(image=image, **values))
    c, t, sp, sl = (tables[k] for k in ("colours", "type", "spacing", "slices"))
    width, margin = top.get("width", 750), top.get("margin", 20)
    if width - 2 * margin < 200:
        raise ConfigError(file, "margin", f"leaves {width - 2 * margin} px for the content", "at least 200 px")
    defaults = PageTemplate(name="")
    return PageTemplate(
        name=top["name"], description=top.get("description", ""), width=width, margin=margin,
        language=top.get("language", "zh"),
        **{k: hex_rgb(c[k]) if k in c else getattr(defaults, k) for k in _COLOURS},
        **{f"{k}_size": t.get(k, getattr(defaults, f"{k}_size")) for k in ("title", "heading", "subheading",
                                                                            "text", "small")},
        line_spacing=float(t.get("line_spacing", defaults.line_spacing)),
        section_gap=sp.get("section", defaults.section_gap), block_gap=sp.get("block", defaults.block_gap),
        max_height=sl.get("max_height", defaults.max_height), max_bytes=sl.get("max_bytes", defaults.max_bytes),
        quality=sl.get("quality", defaults.quality), sections=tuple(sections), source=file,
        digest=digest.hexdigest(),
    )


def load_template(name_or_file: str | Path | None = None) -> PageTemplate:
    """Load a built-in template by name (``presets/pages/NAME.toml``) or a template file."""
    path, _, data = read_named_toml(str(name_or_file or DEFAULT_TEMPLATE), templates_dir(), "page template")
    # The digest covers the values, not the text: a new comment restyles nothing.
    values = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str).encode()
    return parse_template(data, path.resolve(), values)


__all__ = ["DEFAULT_TEMPLATE", "SECTION_KINDS", "SECTION_LABELS", "PageTemplate", "Section", "load_template",
           "parse_template", "templates_dir"]
