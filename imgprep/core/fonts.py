"""Font resolution: the one place that decides which font file imgprep draws text with.

imgprep ships its own OFL-licensed CJK font (a GB2312 subset of Noto Sans CJK SC, see
``assets/fonts/README.md``) so renditions look the same on every machine and never
depend on system fonts. Everything that draws text (Pillow here, Qt via
``QFontDatabase.addApplicationFont(str(font_path()))``) resolves fonts through this module.

Coverage is read from the font's own ``cmap`` table with a small parser, so checking a
text for characters the font lacks needs neither fontTools nor a rendering round-trip.
"""

from __future__ import annotations

import struct
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError

if TYPE_CHECKING:  # Pillow is imported where fonts are actually rasterised
    from PIL import ImageFont

WEIGHTS = ("regular", "bold")
FALLBACK_CHAR = "?"
_FILES = {"regular": "ImgprepSansSC-Regular.otf", "bold": "ImgprepSansSC-Bold.otf"}
# Characters the layout code consumes itself (line breaks, tabs); they are never drawn.
_LAYOUT_CHARS = frozenset("\n\r\t")


def assets_dir() -> Path:
    """The repository's ``assets/`` folder (fonts, sample images)."""
    import imgprep

    return Path(imgprep.__file__).resolve().parents[1] / "assets"


def _check_weight(weight: str) -> str:
    if weight not in _FILES:
        raise ValueError(f"font weight must be one of {WEIGHTS}, got {weight!r}")
    return weight


def font_path(weight: str = "regular") -> Path:
    """Path of the bundled font file for ``weight`` ("regular" or "bold").

    Raises :class:`ConfigError` when the file is missing (a broken installation).
    """
    path = assets_dir() / "fonts" / _FILES[_check_weight(weight)]
    if not path.is_file():
        raise ConfigError(
            path, "fonts", "the bundled font is missing",
            "reinstall imgprep or rebuild it (assets/fonts/README.md)",
        )
    return path


@lru_cache(maxsize=128)
def _pil_font(size_px: int, weight: str) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    # BASIC layout: deterministic across machines (no dependency on the libraqm build);
    # Chinese needs no shaping and the font's Latin is set without pair kerning.
    return ImageFont.truetype(str(font_path(weight)), size_px, layout_engine=ImageFont.Layout.BASIC)


def pil_font(size_px: float, weight: str = "regular") -> ImageFont.FreeTypeFont:
    """A cached Pillow font of the bundled family, ``size_px`` pixels per em (at least 1)."""
    return _pil_font(max(1, int(round(size_px))), _check_weight(weight))


# --- coverage -----------------------------------------------------------------------------


def _read_cmap(data: bytes) -> frozenset[int]:
    """Code points mapped to a real glyph (not .notdef) by an sfnt font's ``cmap``.

    Reads the table directory, then the best Unicode subtable: format 12 (full range)
    when present, else format 4 (BMP). Layouts per the OpenType spec, "cmap" chapter.
    """
    if data[:4] == b"ttcf":  # a collection: use its first face
        (first,) = struct.unpack_from(">I", data, 12)
        base = first
    else:
        base = 0
    (num_tables,) = struct.unpack_from(">H", data, base + 4)
    cmap_off = None
    for i in range(num_tables):
        tag, _, off, _ = struct.unpack_from(">4sIII", data, base + 12 + 16 * i)
        if tag == b"cmap":
            cmap_off = off
            break
    if cmap_off is None:
        raise ValueError("font has no cmap table")
    _, n_sub = struct.unpack_from(">HH", data, cmap_off)
    subtables: dict[int, int] = {}
    for i in range(n_sub):
        plat, enc, off = struct.unpack_from(">HHI", data, cmap_off + 4 + 8 * i)
        if (plat, enc) in ((3, 10), (0, 4), (0, 6), (3, 1), (0, 3)):
            fmt = struct.unpack_from(">H", data, cmap_off + off)[0]
            subtables.setdefault(fmt, cmap_off + off)
    points: set[int] = set()
    if 12 in subtables:
        at = subtables[12]
        (n_groups,) = struct.unpack_from(">I", data, at + 12)
        for g in range(n_groups):
            start, end, gid = struct.unpack_from(">III", data, at + 16 + 12 * g)
            first = start + (1 if gid == 0 else 0)  # glyph 0 is .notdef
            points.update(range(first, end + 1))
    elif 4 in subtables:
        at = subtables[4]
        (seg_x2,) = struct.unpack_from(">H", data, at + 6)
        seg = seg_x2 // 2
        ends = struct.unpack_from(f">{seg}H", data, at + 14)
        starts = struct.unpack_from(f">{seg}H", data, at + 16 + seg_x2)
        deltas = struct.unpack_from(f">{seg}h", data, at + 16 + 2 * seg_x2)
        ro_at = at + 16 + 3 * seg_x2
        range_offs = struct.unpack_from(f">{seg}H", data, ro_at)
        for i in range(seg):
            for c in range(starts[i], ends[i] + 1):
                if c == 0xFFFF:
                    continue
                if range_offs[i] == 0:
                    gid = (c + deltas[i]) & 0xFFFF
                else:
                    addr = ro_at + 2 * i + range_offs[i] + 2 * (c - starts[i])
                    (gid,) = struct.unpack_from(">H", data, addr)
                    if gid:
                        gid = (gid + deltas[i]) & 0xFFFF
                if gid:
                    points.add(c)
    else:
        raise ValueError("font has no Unicode cmap subtable (format 4 or 12)")
    return frozenset(points)


@lru_cache(maxsize=4)
def font_codepoints(weight: str = "regular") -> frozenset[int]:
    """Every code point the bundled font of ``weight`` has a glyph for."""
    return _read_cmap(font_path(_check_weight(weight)).read_bytes())


def _ignorable(ch: str) -> bool:
    # Layout characters and invisible format/control characters are never drawn, so
    # they are not "missing" (textlayout.clean_text removes them before drawing).
    return ch in _LAYOUT_CHARS or unicodedata.category(ch) in ("Cc", "Cf") or (
        0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF
    )


def missing_glyphs(text: str, weight: str = "regular") -> set[str]:
    """Characters of ``text`` the bundled font of ``weight`` cannot draw."""
    have = font_codepoints(weight)
    return {ch for ch in set(text) if ord(ch) not in have and not _ignorable(ch)}


def substitute_missing(
    text: str, weight: str = "regular", fallback: str = FALLBACK_CHAR
) -> tuple[str, set[str]]:
    """Replace every character the font lacks by ``fallback`` (a visible '?', never tofu).

    Returns the drawable text and the set of characters that were replaced, which the
    renderers report as a fact.
    """
    missing = missing_glyphs(text, weight)
    if not missing:
        return text, missing
    return "".join(fallback if ch in missing else ch for ch in text), missing
