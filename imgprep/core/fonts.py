"""Font resolution: the one place that decides which font file imgprep draws text with.

imgprep ships its own OFL-licensed CJK font (Noto Sans CJK SC, the whole font, see
``assets/fonts/README.md``) so renditions look the same on every machine. A character it
lacks is drawn with the first system font of :func:`font_chain` that has it (Microsoft
YaHei, PingFang SC, Noto CJK …, then an emoji font); one that no font of the chain has is
left out — never drawn as '?' or an empty box — and reported by the drawing functions as
``missing_glyphs``. Everything that draws text (Pillow here, Qt via
``QFontDatabase.addApplicationFont(str(font_path()))``) resolves fonts through this module.

Coverage is read from the font's own ``cmap`` table with a small parser, so checking a
text for characters the font lacks needs neither fontTools nor a rendering round-trip.
"""

from __future__ import annotations

import os
import struct
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ConfigError, StyleError

if TYPE_CHECKING:  # Pillow is imported where fonts are actually rasterised
    from PIL import ImageFont

WEIGHTS = ("regular", "bold")
_FILES = {"regular": "NotoSansCJKsc-Regular.otf", "bold": "NotoSansCJKsc-Bold.otf"}
_WIN_FONTS = Path(os.environ.get("WINDIR", "C:/Windows")) / "Fonts"
# System fonts tried, in this order, for a character the bundled font lacks: the CJK
# families of Windows, macOS and Linux, then the colour emoji fonts of each.
_SYSTEM_FONTS = {
    "regular": (_WIN_FONTS / "msyh.ttc", Path("/System/Library/Fonts/PingFang.ttc"),
                Path("/System/Library/Fonts/Hiragino Sans GB.ttc"),
                Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
                Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
                Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")),
    "bold": (_WIN_FONTS / "msyhbd.ttc", Path("/System/Library/Fonts/PingFang.ttc"),
             Path("/System/Library/Fonts/Hiragino Sans GB.ttc"),
             Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
             Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
             Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")),
}
_EMOJI_FONTS = (_WIN_FONTS / "seguiemj.ttf", Path("/System/Library/Fonts/Apple Color Emoji.ttc"),
                Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"),
                Path("/usr/share/fonts/noto/NotoColorEmoji.ttf"))
# Pixel sizes of the bitmap strikes of colour emoji fonts (Noto Color Emoji: 109; Apple
# Color Emoji: 160, 96, 64 …): such a font is drawn at its strike and scaled to the text.
_STRIKES = (109, 160, 136, 96, 64, 48, 40, 32, 20)
# Characters the layout code consumes itself (line breaks, tabs); they are never drawn.
_LAYOUT_CHARS = frozenset("\n\r\t")


def assets_dir() -> Path:
    """The repository's ``assets/`` folder (fonts, sample images)."""
    import imgprep

    return Path(imgprep.__file__).resolve().parents[1] / "assets"


def _check_weight(weight: str) -> str:
    if weight not in _FILES:
        raise StyleError(f"font weight must be one of {WEIGHTS}, got {weight!r}")
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
    return _codepoints(font_path(_check_weight(weight)))


@lru_cache(maxsize=32)
def _codepoints(path: Path) -> frozenset[int]:
    try:
        return _read_cmap(path.read_bytes())
    except (OSError, ValueError, struct.error):  # an unreadable system font adds nothing
        return frozenset()


@lru_cache(maxsize=4)
def font_chain(weight: str = "regular") -> tuple[Path, ...]:
    """The fonts text of ``weight`` is drawn with, in order of preference: the bundled
    font, then the system's CJK fonts and emoji fonts that exist on this machine."""
    system = (*_SYSTEM_FONTS[_check_weight(weight)], *_EMOJI_FONTS)
    return (font_path(weight), *dict.fromkeys(p for p in system if p.is_file()))


def _ignorable(ch: str) -> bool:
    # Layout characters and invisible format/control characters are never drawn, so
    # they are not "missing" (textlayout.clean_text removes them before drawing).
    return ch in _LAYOUT_CHARS or unicodedata.category(ch) in ("Cc", "Cf") or (
        0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF
    )


def _drawable(ch: str, chain: tuple[Path, ...]) -> bool:
    return _ignorable(ch) or any(ord(ch) in _codepoints(p) for p in chain)


def missing_glyphs(text: str, weight: str = "regular") -> set[str]:
    """Characters of ``text`` that no font of :func:`font_chain` can draw."""
    chain = font_chain(weight)
    return {ch for ch in set(text) if not _drawable(ch, chain)}


def substitute_missing(text: str, weight: str = "regular") -> tuple[str, set[str]]:
    """Leave out every character no font of the chain can draw (never a '?' or a box).

    Returns the drawable text and the set of characters left out, which the renderers
    report as ``missing_glyphs`` so the app and ``check`` can warn about the frame.
    """
    missing = missing_glyphs(text, weight)
    if not missing:
        return text, missing
    return "".join(ch for ch in text if ch not in missing), missing


# --- drawing with the chain -----------------------------------------------------------------


@lru_cache(maxsize=64)
def _face(path: Path, size_px: int) -> tuple[ImageFont.FreeTypeFont, float]:
    """A Pillow font of ``path`` for text ``size_px`` high and the scale to apply: 1, or
    for a bitmap-only (colour emoji) font, drawn at its strike, ``size_px / strike``."""
    from PIL import ImageFont

    try:
        return ImageFont.truetype(str(path), size_px, layout_engine=ImageFont.Layout.BASIC), 1.0
    except OSError:
        for strike in _STRIKES:
            try:
                font = ImageFont.truetype(str(path), strike, layout_engine=ImageFont.Layout.BASIC)
            except OSError:
                continue
            return font, size_px / strike
        raise


class TextFont:
    """The font chain at one pixel size: each run of text is drawn with the first font
    of the chain that has its characters. Measures and draws like a Pillow font at the
    left baseline (anchor "ls"); characters no font has are skipped (see
    :func:`substitute_missing`, which layouts call first to report them)."""

    def __init__(self, size_px: int, chain: tuple[Path, ...]):
        self.size = size_px
        self.chain = chain
        self.primary = _face(chain[0], size_px)[0]
        self._sets = [_codepoints(p) for p in chain]

    def runs(self, text: str) -> list[tuple[ImageFont.FreeTypeFont, float, str]]:
        """``text`` split into (font, scale, run) by the first font that has each character."""
        if all(ord(ch) in self._sets[0] for ch in text):  # the usual case: one run
            return [(self.primary, 1.0, text)] if text else []
        out: list[tuple[ImageFont.FreeTypeFont, float, str]] = []
        current, run = -1, ""
        for ch in text:
            i = next((k for k, have in enumerate(self._sets) if ord(ch) in have),
                     max(0, current) if _ignorable(ch) else -1)
            if i < 0:
                continue
            if i != current and run:
                out.append((*_face(self.chain[current], self.size), run))
                run = ""
            current, run = i, run + ch
        if run:
            out.append((*_face(self.chain[current], self.size), run))
        return out

    def getlength(self, text: str) -> float:
        return sum(font.getlength(run) * scale for font, scale, run in self.runs(text))

    def getmetrics(self) -> tuple[int, int]:
        return self.primary.getmetrics()

    def getbbox(self, text: str, anchor: str = "ls", stroke_width: int = 0) -> tuple[int, int, int, int]:
        """Ink box of ``text`` drawn at (0, 0) with ``anchor`` "ls"."""
        del anchor  # always the left baseline
        x, box = 0.0, None
        for font, scale, run in self.runs(text):
            x0, y0, x1, y1 = (v * scale for v in font.getbbox(run, anchor="ls", stroke_width=stroke_width))
            b = (x + x0, y0, x + x1, y1)
            box = b if box is None else (min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3]))
            x += font.getlength(run) * scale
        return tuple(round(v) for v in box) if box else (0, 0, 0, 0)  # type: ignore[return-value]

    def draw(self, draw, xy: tuple[float, float], text: str, fill, *,  # noqa: ANN001 - an ImageDraw
             anchor: str = "ls", stroke_width: int = 0, stroke_fill=None) -> tuple[int, int, int, int]:  # noqa: ANN001
        """Draw ``text`` at ``xy``; ``anchor``: horizontal l/m/r, vertical s (baseline),
        t (ascender), m (middle) or b (descender). Returns the ink box."""
        from PIL import Image, ImageDraw

        ascent, descent = self.getmetrics()
        left = xy[0] - {"l": 0.0, "m": 0.5, "r": 1.0}[anchor[0]] * self.getlength(text)
        y = xy[1] + {"s": 0, "t": ascent, "m": (ascent - descent) / 2, "b": -descent}[anchor[1]]
        x0, y0, x1, y1 = self.getbbox(text, stroke_width=stroke_width)
        colour = draw.mode in ("RGB", "RGBA")
        x = left
        for font, scale, run in self.runs(text):
            if scale == 1.0:  # colour glyphs (a COLR emoji font) only from fallback fonts
                draw.text((round(x), round(y)), run, font=font, fill=fill, anchor="ls",
                          embedded_color=colour and font is not self.primary,
                          stroke_width=stroke_width, stroke_fill=stroke_fill)
            else:  # a colour bitmap font: drawn at its strike, scaled to the text
                bx0, by0, bx1, by1 = font.getbbox(run, anchor="ls")
                tile = Image.new("RGBA", (bx1 - bx0, by1 - by0))
                ImageDraw.Draw(tile).text((-bx0, -by0), run, font=font, fill=fill, anchor="ls",
                                          embedded_color=True)
                tile = tile.resize((max(1, round(tile.width * scale)), max(1, round(tile.height * scale))),
                                   Image.Resampling.LANCZOS)
                target = draw._image  # noqa: SLF001 - ImageDraw keeps the image it draws on
                target.paste(tile.convert(target.mode), (round(x + bx0 * scale), round(y + by0 * scale)), tile)
            x += font.getlength(run) * scale
        return (round(left + x0), round(y + y0), round(left + x1), round(y + y1))


def text_font(size_px: float, weight: str = "regular") -> TextFont:
    """The font chain of ``weight`` at ``size_px`` pixels per em (at least 1)."""
    return _text_font(max(1, int(round(size_px))), font_chain(_check_weight(weight)))


@lru_cache(maxsize=128)
def _text_font(size_px: int, chain: tuple[Path, ...]) -> TextFont:
    return TextFont(size_px, chain)
