"""Platform presets: what each marketplace wants for a listing (``presets/platforms/*.toml``).

A platform preset says how many main images (主图) a listing carries and their size, byte
cap and format; whether and where the white-background image (白底图) goes and what it
must be; the description page's width and its slices' limits; whether the shop's
watermark is allowed on each kind of image; and the title's length. Each value in the
bundled files cites where it comes from; all are editable, and unknown keys are refused
with the file, the key and a hint, as for render presets.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .presets import Check, _check_table, _is_int, _num, presets_dir, read_named_toml

__all__ = ["ImageSpec", "Platform", "list_platforms", "load_platform", "platforms_dir"]

POSITIONS = ("first", "last", "separate")


def platforms_dir() -> Path:
    return presets_dir() / "platforms"


@dataclass(frozen=True)
class ImageSpec:
    size: tuple[int, int]
    max_bytes: int
    quality: int = 90
    min_quality: int = 70       # never encoded below this to meet the cap: reported instead
    watermark: bool = True      # the shop's watermark is allowed (and so applied: rule 2)
    fill: float = 0.85          # the product's longer side as a share of the canvas


@dataclass(frozen=True)
class Platform:
    name: str
    title: str
    main: ImageSpec
    main_count: int
    white: ImageSpec | None
    white_position: str          # in the main-image set: "first", "last", or "separate" (its own upload slot)
    page_width: int
    slice_max_height: int
    slice_max_bytes: int
    title_max_units: int         # a CJK character counts 2, as the platforms count
    source: Path | None = None


_SIZE = (lambda v: isinstance(v, list) and len(v) == 2 and all(_is_int(x) and 100 <= x <= 5000 for x in v),
         "[width, height] in pixels, 100–5000")
_BYTES = (lambda v: _is_int(v) and v >= 10_000, "bytes, at least 10000")
_IMAGE_KEYS: dict[str, tuple[Check, str]] = {
    "size": _SIZE,
    "max_bytes": _BYTES,
    "quality": (lambda v: _is_int(v) and 50 <= v <= 100, "JPEG quality 50–100"),
    "min_quality": (lambda v: _is_int(v) and 50 <= v <= 100, "JPEG quality 50–100"),
    "watermark": (lambda v: isinstance(v, bool), "true or false"),
    "fill": (lambda v: _num(v) and 0.5 <= v <= 1.0, "a share of the canvas, 0.5–1"),
}
_MAIN_KEYS = {**_IMAGE_KEYS, "count": (lambda v: _is_int(v) and 1 <= v <= 10, "1–10 images")}
_WHITE_KEYS = {**_IMAGE_KEYS,
               "enabled": (lambda v: isinstance(v, bool), "true or false"),
               "position": (lambda v: v in POSITIONS, f"one of {POSITIONS}")}
_PAGE_KEYS: dict[str, tuple[Check, str]] = {
    "width": (lambda v: _is_int(v) and 320 <= v <= 2000, "pixels, 320–2000"),
    "slice_max_height": (lambda v: _is_int(v) and 200 <= v <= 10000, "pixels, 200–10000"),
    "slice_max_bytes": _BYTES,
}
_TOP: dict[str, tuple[Check, str]] = {
    "name": (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty name"),
    "title": (lambda v: isinstance(v, str), "text"),
    "title_max_units": (lambda v: _is_int(v) and 10 <= v <= 400, "10–400 (a CJK character counts 2)"),
}
_SECTIONS = {"main": _MAIN_KEYS, "white": _WHITE_KEYS, "page": _PAGE_KEYS}


def _image(file: Path, key: str, t: dict[str, Any]) -> ImageSpec:
    if "size" not in t or "max_bytes" not in t:
        raise ConfigError(file, f"{key}.size" if "size" not in t else f"{key}.max_bytes", "missing",
                          "size = [800, 800] and max_bytes = 3145728")
    spec = ImageSpec(tuple(t["size"]), t["max_bytes"], t.get("quality", 90), t.get("min_quality", 70),
                     t.get("watermark", True), float(t.get("fill", 0.85)))
    if spec.min_quality > spec.quality:
        raise ConfigError(file, f"{key}.min_quality", "is above quality", "e.g. quality 90, min_quality 70")
    return spec


def parse_platform(data: dict[str, Any], file: Path) -> Platform:
    for key in data:
        if key not in _TOP and key not in _SECTIONS:
            near = difflib.get_close_matches(key, list(_TOP) + list(_SECTIONS), n=1)
            raise ConfigError(file, key, "unknown key",
                              f"did you mean '{near[0]}'?" if near else "see presets/platforms/taobao.toml")
    top = _check_table(file, "", {k: v for k, v in data.items() if k in _TOP}, _TOP)
    if "name" not in top:
        raise ConfigError(file, "name", "missing", 'add name = "…"')
    tables = {k: _check_table(file, k, data.get(k, {}), keys) for k, keys in _SECTIONS.items()}
    main = _image(file, "main", tables["main"])
    w = tables["white"]
    white = _image(file, "white", w) if w.get("enabled", True) and w else None
    page = tables["page"]
    return Platform(
        name=top["name"], title=top.get("title", top["name"]), main=main,
        main_count=tables["main"].get("count", 5), white=white,
        white_position=w.get("position", "last"), page_width=page.get("width", 750),
        slice_max_height=page.get("slice_max_height", 1500),
        slice_max_bytes=page.get("slice_max_bytes", 3_145_728),
        title_max_units=top.get("title_max_units", 60), source=file,
    )


def load_platform(name_or_file: str | Path) -> Platform:
    """A bundled platform by name (``taobao``, ``jd``, ``pinduoduo``) or a file."""
    spec = str(name_or_file)
    if not (spec.endswith(".toml") or Path(spec).exists()):
        spec = spec.lower()
    path, _, data = read_named_toml(spec, platforms_dir(), "platform")
    return parse_platform(data, path)


def list_platforms() -> list[Platform]:
    return [load_platform(p) for p in sorted(platforms_dir().glob("*.toml"))]
