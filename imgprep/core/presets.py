"""Presets: ``presets/*.toml`` loaded and validated into frozen dataclasses.

A preset is a value passed to the engine; nothing reads a preset file behind its back.
Unknown keys and bad values are refused with the file, the key and a hint.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, StyleError

DEFAULT_PRESET = "taobao-710"
ANCHORS = (
    "top-left", "top", "top-right",
    "left", "center", "right",
    "bottom-left", "bottom", "bottom-right",
)
ROLES = ("hero", "detail")
FITS = ("width", "contain", "cover")


def presets_dir() -> Path:
    """Built-in presets, beside the package in a checkout or an editable install."""
    return Path(__file__).resolve().parents[2] / "presets"


@dataclass(frozen=True)
class Rendition:
    name: str
    roles: tuple[str, ...] = ROLES
    width: int | None = None
    box: tuple[int, int] | None = None
    fit: str = "width"
    upscale: bool = False
    sharpen: float = 0.5
    quality: int = 90
    max_bytes: int = 0
    suffix: str = ""
    panel: bool = False
    callouts: bool = False
    dimensions: bool = False

    def target_size(self, w: int, h: int) -> tuple[int, int]:
        """Output size for a source of ``w × h`` (before panels extend the canvas)."""
        if self.fit == "width":
            assert self.width is not None
            tw = self.width
            th = max(1, round(h * tw / w))
        else:
            assert self.box is not None
            bw, bh = self.box
            s = min(bw / w, bh / h) if self.fit == "contain" else max(bw / w, bh / h)
            if self.fit == "cover":
                return bw, bh
            tw, th = max(1, round(w * s)), max(1, round(h * s))
        if not self.upscale and tw > w:
            return w, h
        return tw, th

    @property
    def long_edge(self) -> int:
        return self.width if self.width is not None else max(self.box or (0, 0))


@dataclass(frozen=True)
class Watermark:
    enabled: bool = True
    kind: str = "text"
    text: str = ""
    image: Path | None = None
    anchor: str = "bottom-right"
    opacity: float = 0.35
    scale: float = 0.22
    margin: float = 0.03
    colour: str = "#FFFFFF"
    angle: float = -30.0
    spacing: float = 1.2


@dataclass(frozen=True)
class ColourSettings:
    enabled: bool = True
    card: str = "classic24"
    model: str = "auto"
    pass_mean: float = 3.0
    pass_max: float = 6.0
    detect_edge: int = 2000


@dataclass(frozen=True)
class PanelSettings:
    fields: tuple[str, ...] = ("name", "sku", "colour", "fabric", "size", "dimensions", "description")
    language: str = "zh"
    place: str = "below"


@dataclass(frozen=True)
class BackupSettings:
    verify: bool = True


@dataclass(frozen=True)
class Preset:
    name: str
    description: str = ""
    renditions: tuple[Rendition, ...] = ()
    watermark: Watermark = field(default_factory=Watermark)
    colour: ColourSettings = field(default_factory=ColourSettings)
    panel: PanelSettings = field(default_factory=PanelSettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    min_details: int = 5
    sla_days: int = 3
    source: Path | None = None

    def for_role(self, role: str) -> tuple[Rendition, ...]:
        return tuple(r for r in self.renditions if role in r.roles)

    @property
    def largest_edge(self) -> int:
        return max((r.long_edge for r in self.renditions), default=0)


# ---------------------------------------------------------------- validation


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _num(v: Any) -> bool:
    return (isinstance(v, int | float)) and not isinstance(v, bool)


Check = Callable[[Any], bool]
# key -> (check, hint)
_RENDITION_KEYS: dict[str, tuple[Check, str]] = {
    "name": (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty name"),
    "roles": (lambda v: isinstance(v, list) and v and all(r in ROLES for r in v), f"a list of {ROLES}"),
    "width": (lambda v: _is_int(v) and 16 <= v <= 10000, "whole pixels, 16–10000"),
    "box": (lambda v: isinstance(v, list) and len(v) == 2 and all(_is_int(x) and 16 <= x <= 10000 for x in v),
            "[width, height] in pixels, 16–10000"),
    "fit": (lambda v: v in FITS, f"one of {FITS}"),
    "upscale": (lambda v: isinstance(v, bool), "true or false"),
    "sharpen": (lambda v: _num(v) and 0 <= v <= 3, "0 (off) to 3"),
    "quality": (lambda v: _is_int(v) and 30 <= v <= 100, "JPEG quality 30–100"),
    "max_bytes": (lambda v: _is_int(v) and (v == 0 or v >= 10_000), "0 (no cap) or at least 10000 bytes"),
    "suffix": (lambda v: isinstance(v, str) and all(c.isalnum() or c in "-_" for c in v),
               "letters, digits, - and _ only"),
    "panel": (lambda v: isinstance(v, bool), "true or false"),
    "callouts": (lambda v: isinstance(v, bool), "true or false"),
    "dimensions": (lambda v: isinstance(v, bool), "true or false"),
}
_WATERMARK_KEYS: dict[str, tuple[Check, str]] = {
    "enabled": (lambda v: isinstance(v, bool), "true or false"),
    "kind": (lambda v: v in ("text", "image"), "'text' or 'image'"),
    "text": (lambda v: isinstance(v, str) and len(v) <= 200, "text of at most 200 characters"),
    "image": (lambda v: isinstance(v, str), "a PNG path, relative to the preset file"),
    "anchor": (lambda v: v in ANCHORS + ("tiled",), f"one of {ANCHORS + ('tiled',)}"),
    "opacity": (lambda v: _num(v) and 0 < v <= 1, "a number in (0, 1]"),
    "scale": (lambda v: _num(v) and 0.02 <= v <= 1, "watermark width as a fraction of the image width, 0.02–1"),
    "margin": (lambda v: _num(v) and 0 <= v <= 0.3, "a fraction of the image width, 0–0.3"),
    "colour": (lambda v: isinstance(v, str) and _parse_hex(v) is not None, "a colour like '#FFFFFF'"),
    "angle": (lambda v: _num(v) and -90 <= v <= 90, "degrees, -90–90"),
    "spacing": (lambda v: _num(v) and 0.5 <= v <= 5, "gap between tiles as a multiple of the mark, 0.5–5"),
}
_COLOUR_KEYS: dict[str, tuple[Check, str]] = {
    "enabled": (lambda v: isinstance(v, bool), "true or false"),
    "card": (lambda v: v in ("classic24", "grey"), "'classic24' or 'grey'"),
    "model": (lambda v: isinstance(v, str) and v != "", "'auto' or a model name"),
    "pass_mean": (lambda v: _num(v) and 0 < v <= 50, "ΔE2000, e.g. 3"),
    "pass_max": (lambda v: _num(v) and 0 < v <= 100, "ΔE2000, e.g. 6"),
    "detect_edge": (lambda v: _is_int(v) and 500 <= v <= 8000, "pixels, 500–8000"),
}
_PANEL_FIELDS = ("name", "sku", "colour", "fabric", "size", "dimensions", "description")
_PANEL_KEYS: dict[str, tuple[Check, str]] = {
    "fields": (lambda v: isinstance(v, list) and all(f in _PANEL_FIELDS for f in v), f"a list of {_PANEL_FIELDS}"),
    "language": (lambda v: v in ("zh", "en"), "'zh' or 'en'"),
    "place": (lambda v: v in ("below", "band"), "'below' or 'band'"),
}
_BACKUP_KEYS: dict[str, tuple[Check, str]] = {
    "verify": (lambda v: isinstance(v, bool), "true or false"),
}
_TOP_KEYS: dict[str, tuple[Check, str]] = {
    "name": (lambda v: isinstance(v, str) and v.strip() != "", "a non-empty name"),
    "description": (lambda v: isinstance(v, str), "text"),
    "min_details": (lambda v: _is_int(v) and 0 <= v <= 50, "a whole number, 0–50"),
    "sla_days": (lambda v: _is_int(v) and 1 <= v <= 60, "days, 1–60"),
}
_SECTIONS = ("rendition", "watermark", "colour", "panel", "backup")


def _parse_hex(v: str) -> tuple[int, int, int] | None:
    s = v.lstrip("#")
    if len(s) != 6:
        return None
    try:
        return int(s[0:2], 16), int(s[2:4], 16), int(s[4:6], 16)
    except ValueError:
        return None


def hex_rgb(v: str) -> tuple[int, int, int]:
    rgb = _parse_hex(v)
    if rgb is None:
        raise StyleError(f"not a colour: {v!r}")
    return rgb


def _check_table(file: Path, prefix: str, table: Any, schema: dict[str, tuple[Check, str]]) -> dict:
    if not isinstance(table, dict):
        raise ConfigError(file, prefix, "must be a table", f"write it as [{prefix}]")
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if key not in schema:
            near = difflib.get_close_matches(key, list(schema), n=1)
            hint = f"did you mean '{near[0]}'?" if near else f"known keys: {', '.join(schema)}"
            raise ConfigError(file, full, "unknown key", hint)
        check, hint = schema[key]
        if not check(value):
            raise ConfigError(file, full, f"bad value {value!r}", hint)
    return table


def parse_preset(data: dict, file: Path) -> Preset:
    for key in data:
        if key not in _TOP_KEYS and key not in _SECTIONS:
            near = difflib.get_close_matches(key, list(_TOP_KEYS) + list(_SECTIONS), n=1)
            hint = f"did you mean '{near[0]}'?" if near else "see presets/taobao-710.toml"
            raise ConfigError(file, key, "unknown key", hint)
    top = _check_table(file, "", {k: v for k, v in data.items() if k in _TOP_KEYS}, _TOP_KEYS)
    if "name" not in top:
        raise ConfigError(file, "name", "missing", 'add name = "…"')
    renditions = _parse_renditions(file, data.get("rendition", []))
    watermark = _parse_watermark(file, data.get("watermark", {}))
    c = _check_table(file, "colour", data.get("colour", {}), _COLOUR_KEYS)
    colour = ColourSettings(**{k: (float(v) if k.startswith("pass_") else v) for k, v in c.items()})
    if colour.pass_max < colour.pass_mean:
        raise ConfigError(file, "colour.pass_max", "is below pass_mean", "max ≥ mean, e.g. mean 3, max 6")
    p = _check_table(file, "panel", data.get("panel", {}), _PANEL_KEYS)
    panel = PanelSettings(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in p.items()})
    b = _check_table(file, "backup", data.get("backup", {}), _BACKUP_KEYS)
    return Preset(
        name=top["name"], description=top.get("description", ""), renditions=renditions,
        watermark=watermark, colour=colour, panel=panel, backup=BackupSettings(**b),
        min_details=top.get("min_details", 5), sla_days=top.get("sla_days", 3), source=file,
    )


def _parse_renditions(file: Path, raw_renditions: Any) -> tuple[Rendition, ...]:
    if not isinstance(raw_renditions, list) or not raw_renditions:
        raise ConfigError(file, "rendition", "at least one [[rendition]] is needed",
                          "add [[rendition]] with name and width")
    renditions: list[Rendition] = []
    seen: set[tuple[str, str]] = set()  # (role, suffix): each writes one file
    for i, r in enumerate(raw_renditions):
        renditions.append(_parse_rendition(file, f"rendition[{i}]", r, seen))
    return tuple(renditions)


def _parse_rendition(file: Path, prefix: str, r: Any, seen: set[tuple[str, str]]) -> Rendition:
    _check_table(file, prefix, r, _RENDITION_KEYS)
    if "name" not in r:
        raise ConfigError(file, f"{prefix}.name", "missing", 'add name = "hero"')
    has_w, has_box = "width" in r, "box" in r
    fit = r.get("fit", "width" if has_w else "contain")
    if fit == "width" and not has_w:
        raise ConfigError(file, f"{prefix}.width", "missing", "fit = 'width' needs width = 710")
    if fit != "width" and not has_box:
        raise ConfigError(file, f"{prefix}.box", "missing", f"fit = '{fit}' needs box = [800, 800]")
    roles = tuple(r.get("roles", list(ROLES)))
    suffix = r.get("suffix", "")
    for role in roles:
        if (role, suffix) in seen:
            raise ConfigError(file, f"{prefix}.suffix", f"two renditions for role '{role}' write the same file",
                              "give one of them a suffix such as '-800'")
        seen.add((role, suffix))
    return Rendition(
        name=r["name"], roles=roles, width=r.get("width"),
        box=tuple(r["box"]) if has_box else None, fit=fit,
        upscale=r.get("upscale", False), sharpen=float(r.get("sharpen", 0.5)),
        quality=r.get("quality", 90), max_bytes=r.get("max_bytes", 0), suffix=suffix,
        panel=r.get("panel", False), callouts=r.get("callouts", False),
        dimensions=r.get("dimensions", False),
    )


def _parse_watermark(file: Path, table: Any) -> Watermark:
    wm = _check_table(file, "watermark", table, _WATERMARK_KEYS)
    image = None
    if wm.get("image"):
        image = (file.parent / wm["image"]).resolve()
        if not image.is_file():
            raise ConfigError(file, "watermark.image", f"file not found: {image}", "a PNG with alpha, path relative to the preset")
    kind = wm.get("kind", "image" if image else "text")
    if kind == "image" and image is None:
        raise ConfigError(file, "watermark.image", "missing", "kind = 'image' needs image = 'logo.png'")
    if kind == "text" and wm.get("enabled", True) and not wm.get("text", "").strip():
        raise ConfigError(file, "watermark.text", "missing", "kind = 'text' needs text = 'your shop'")
    return Watermark(
        enabled=wm.get("enabled", True), kind=kind, text=wm.get("text", ""), image=image,
        anchor=wm.get("anchor", "bottom-right"), opacity=float(wm.get("opacity", 0.35)),
        scale=float(wm.get("scale", 0.22)), margin=float(wm.get("margin", 0.03)),
        colour=wm.get("colour", "#FFFFFF"), angle=float(wm.get("angle", -30.0)),
        spacing=float(wm.get("spacing", 1.2)),
    )


def read_named_toml(spec: str, folder: Path, what: str) -> tuple[Path, bytes, dict]:
    """A TOML file given by path, or by name from ``folder`` (``NAME.toml``): its path,
    bytes and parsed table. Errors name the file (or list the names ``folder`` has)."""
    path = Path(spec)
    if not (path.suffix == ".toml" or path.exists()):
        path = folder / f"{spec}.toml"
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in folder.glob("*.toml")))
            raise ConfigError(None, None, f"no {what} named '{spec}'", f"built-in {what}s: {known}")
    try:
        raw = path.read_bytes()
        return path, raw, tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, None, "file not found") from None
    except OSError as e:
        raise ConfigError(path, None, f"cannot read: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(path, None, f"not valid TOML: {e}", "check quotes and brackets") from None


def load_preset(name_or_file: str | Path | None = None) -> Preset:
    """Load a built-in preset by name, or a preset file by path."""
    path, _, data = read_named_toml(str(name_or_file or DEFAULT_PRESET), presets_dir(), "preset")
    return parse_preset(data, path)


def list_presets() -> list[Preset]:
    return [load_preset(p) for p in sorted(presets_dir().glob("*.toml"))]
