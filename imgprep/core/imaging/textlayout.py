"""Text layout for Chinese and mixed Chinese/Latin text: cleaning, line breaking, drawing.

Line breaking follows the common rules of Chinese typesetting (W3C "Requirements for
Chinese Text Layout", §3.1.7 line-start/line-end prohibition): a line never starts
with closing punctuation (，。、；：？！）」』》】… etc.) nor ends with opening punctuation
（「『《【 etc.), "——" and "……" are never split, and runs of Latin letters and digits
("30×20cm", "A1234", "Cotton") stay together. Lines are filled greedily by measured width.

All drawing goes through the font chain of :mod:`imgprep.core.fonts` (the bundled font,
then system CJK and emoji fonts); characters no font of the chain has are left out and
reported, never drawn as '?' or empty boxes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import fonts

if TYPE_CHECKING:
    from PIL import ImageDraw

    from ..fonts import TextFont

# Closing punctuation and other characters that must not begin a line.
NO_LINE_START = frozenset(
    "，。、；：？！）」』》】〕〉〗〙〛’”…‥·・—～％‰℃°′″"
    ",.;:?!)]}%>"
    "ーぁぃぅぇぉっゃゅょ々"
)
# Opening punctuation and prefixes that must not end a line.
NO_LINE_END = frozenset("（「『《【〔〈〖〘〚‘“([{<￥$£€#")
# Characters repeated in pairs that read as one mark.
_PAIRED = frozenset("—…")


def clean_text(text: object) -> str:
    """Normalise text for drawing: NFC, '\\n' line breaks, no invisible format characters,
    exotic spaces as plain spaces (the ideographic space U+3000 is kept)."""
    s = unicodedata.normalize("NFC", "" if text is None else str(text))
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    out = []
    for ch in s:
        if ch == "\n":
            out.append(ch)
            continue
        cat = unicodedata.category(ch)
        code = ord(ch)
        if cat in ("Cc", "Cf") or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
            if ch == "\t":
                out.append(" ")
            continue
        if cat == "Zs" and ch != "\u3000":
            out.append(" ")
            continue
        out.append(ch)
    lines = [" ".join(line.split(" ")).strip(" ") for line in "".join(out).split("\n")]
    # Collapse runs of spaces inside lines.
    return "\n".join(" ".join(part for part in line.split(" ") if part) for line in lines)


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def break_units(paragraph: str) -> list[str]:
    """Split one paragraph (no '\\n') into units a line break may fall between.

    Spaces are returned as ``" "`` units (break opportunities that vanish at line ends).
    Each wide (CJK) character is a unit of its own; a run of other non-space characters
    is one unit; then line-start/line-end prohibitions glue punctuation to its neighbour.
    """
    tokens: list[str] = []
    run = ""
    for ch in paragraph:
        if ch == " ":
            if run:
                tokens.append(run)
                run = ""
            tokens.append(" ")
        elif _is_wide(ch):
            if run:
                tokens.append(run)
                run = ""
            tokens.append(ch)
        else:
            run += ch
    if run:
        tokens.append(run)

    units: list[str] = []
    glue_next = False
    for tok in tokens:
        if tok == " ":
            if units and units[-1] != " ":
                units.append(tok)
            continue
        prev = units[-1] if units else None
        # Glue across a space too: "（ 注" and "好 ，" must not break at the space.
        spaced = prev == " " and len(units) > 1
        base = units[-2] if spaced else prev
        glue = base is not None and (
            glue_next
            or tok[0] in NO_LINE_START
            or (not spaced and tok[0] in _PAIRED and base[-1] == tok[0])
        )
        if glue and (tok[0] in NO_LINE_START or glue_next):
            if spaced:
                units.pop()
                units[-1] = base + " " + tok
            else:
                units[-1] = base + tok
        elif glue:
            units[-1] = base + tok
        else:
            units.append(tok)
        glue_next = units[-1][-1] in NO_LINE_END
    return units


def _split_overlong(unit: str, font: TextFont, max_width: float) -> list[str]:
    """Break a unit wider than the line by characters (a long URL or code); keeps
    line-start prohibitions where it can."""
    pieces: list[str] = []
    rest = unit
    while rest:
        n = 1
        while n < len(rest) and font.getlength(rest[: n + 1]) <= max_width:
            n += 1
        if n < len(rest):
            # Step back to a break that starts no line with closing punctuation and ends
            # none with opening punctuation; if there is none, break where it overflows.
            cut = n
            while cut > 1 and (rest[cut] in NO_LINE_START or rest[cut - 1] in NO_LINE_END
                               or rest[cut] == " "):
                cut -= 1
            if cut > 1 or (rest[1] not in NO_LINE_START and rest[0] not in NO_LINE_END):
                n = cut
        pieces.append(rest[:n].rstrip(" "))
        rest = rest[n:].lstrip(" ")
    return pieces


def _wrap_paragraph(paragraph: str, font: TextFont, max_width: float) -> list[str]:
    lines: list[str] = []
    line = ""
    space = False
    for unit in break_units(paragraph):
        if unit == " ":
            space = bool(line)
            continue
        candidate = line + (" " if space else "") + unit
        space = False
        if font.getlength(candidate) <= max_width:
            line = candidate
            continue
        if line:
            lines.append(line)
        if font.getlength(unit) <= max_width:
            line = unit
        else:
            *full, line = _split_overlong(unit, font, max_width)
            lines.extend(full)
    lines.append(line)
    # No widow: a lone character on the last line takes one unit from the line above.
    if len(lines) >= 2 and 0 < font.getlength(lines[-1]) < 2.2 * font.size:
        above = break_units(lines[-2])
        if len(above) > 1:
            moved = above[-1]
            keep = "".join(above[:-1]).rstrip(" ")
            joined = moved + (" " if above[-2] == " " else "") + lines[-1]
            if keep and font.getlength(joined) <= max_width:
                lines[-2:] = [keep, joined]
    return lines


_BALANCE_MAX_LINES = 6
# After clause punctuation, or at a space between two Chinese phrases ("人体工学把手 握感舒适"
# breaks at the space, never inside 把手).
_CJK = "\u2e80-\u9fff\uf900-\ufaff"
_CLAUSE_END = re.compile(rf"(?<=[，。；！？：、,;!?])|(?<=[{_CJK}] )(?=[{_CJK}])")


def _wrap_by_clauses(paragraph: str, font: TextFont, max_width: float) -> list[str] | None:
    """Lines that break only after clause punctuation, if every clause fits a line."""
    clauses = [c for c in _CLAUSE_END.split(paragraph) if c]
    if len(clauses) < 2 or any(font.getlength(c.strip()) > max_width for c in clauses):
        return None
    lines = [clauses[0]]
    for clause in clauses[1:]:
        joined = lines[-1] + clause  # a space between two phrases stays inside a line
        if font.getlength(joined.strip()) <= max_width:
            lines[-1] = joined
        else:
            lines.append(clause)
    return [line.strip() for line in lines]


def wrap(text: str, font: TextFont, max_width: float, *, balance: bool = False) -> list[str]:
    """Wrap ``text`` into lines no wider than ``max_width`` pixels when drawn with ``font``.

    Explicit '\n' starts a new line; empty paragraphs give empty lines. Only a single
    character wider than the whole line can exceed ``max_width``. ``balance`` evens out
    line lengths (for headlines and callouts: no lone character on a last line) without
    adding lines.
    """
    lines: list[str] = []
    for paragraph in clean_text(text).split("\n"):
        wrapped = _wrap_paragraph(paragraph, font, max_width)
        # Balancing is for short texts (headlines, callouts); long ones just fill lines.
        balance_this = balance and 1 < len(wrapped) <= _BALANCE_MAX_LINES
        by_clause = _wrap_by_clauses(paragraph, font, max_width) if balance_this else None
        if by_clause is not None and len(by_clause) <= len(wrapped):
            wrapped = by_clause
        elif balance_this:
            lo, hi = max_width / len(wrapped) * 0.8, max_width
            for _ in range(12):
                mid = (lo + hi) / 2
                if len(_wrap_paragraph(paragraph, font, mid)) > len(wrapped):
                    lo = mid
                else:
                    hi = mid
            wrapped = _wrap_paragraph(paragraph, font, hi)
        lines.extend(wrapped)
    return lines


@dataclass(frozen=True)
class TextBlock:
    """Wrapped text ready to draw: lines, the font, the line pitch and the block size."""

    lines: tuple[str, ...]
    font: TextFont
    line_height: int
    width: int
    height: int
    missing: frozenset[str]


def layout(
    text: str,
    size_px: float,
    max_width: float,
    *,
    weight: str = "regular",
    line_spacing: float = 1.5,
    balance: bool = False,
) -> TextBlock:
    """Clean, substitute missing glyphs and wrap ``text``; measure the resulting block."""
    drawable, missing = fonts.substitute_missing(clean_text(text), weight)
    font = fonts.text_font(size_px, weight)
    lines = wrap(drawable, font, max_width, balance=balance)
    pitch = max(1, round(font.size * line_spacing))
    width = max((round(font.getlength(s)) for s in lines), default=0)
    return TextBlock(tuple(lines), font, pitch, width, pitch * len(lines), frozenset(missing))


def fit_text(
    text: str,
    max_width: float,
    max_height: float,
    *,
    size_max: float,
    size_min: float,
    weight: str = "regular",
    line_spacing: float = 1.5,
    balance: bool = False,
) -> tuple[TextBlock, bool]:
    """The largest layout of ``text`` between ``size_max`` and ``size_min`` pixels that
    fits the box. Returns the block and whether it fits (at ``size_min`` it may not)."""
    size = float(size_max)
    while True:
        block = layout(text, size, max_width, weight=weight, line_spacing=line_spacing,
                       balance=balance)
        if (block.height <= max_height and block.width <= max_width) or size <= size_min:
            return block, block.height <= max_height and block.width <= max_width
        size = max(size_min, size * 0.92)


def _baseline_offset(font: TextFont) -> float:
    """Offset from a line's vertical centre to its baseline that centres ideographs."""
    _, top, _, bottom = font.getbbox("国", anchor="ls")
    return -(top + bottom) / 2


def draw_block(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    block: TextBlock,
    fill,
    *,
    align: str = "left",
    box_width: float | None = None,
    stroke_width: int = 0,
    stroke_fill=None,
) -> list[tuple[int, int, int, int]]:
    """Draw ``block`` with its top-left at ``xy``; returns the ink box of each line.

    ``align`` is "left", "centre" or "right" within ``box_width`` (default: block width).
    """
    x0, y0 = xy
    width = block.width if box_width is None else box_width
    off = _baseline_offset(block.font)
    boxes = []
    for i, line in enumerate(block.lines):
        if not line:
            continue
        w = block.font.getlength(line)
        if align == "centre":
            x = x0 + (width - w) / 2
        elif align == "right":
            x = x0 + width - w
        else:
            x = x0
        y = y0 + i * block.line_height + block.line_height / 2 + off
        boxes.append(block.font.draw(draw, (round(x), round(y)), line, fill,
                                     stroke_width=stroke_width, stroke_fill=stroke_fill))
    return boxes


def draw_text_fitting(
    draw: ImageDraw.ImageDraw,
    box: tuple[float, float, float, float],
    text: str,
    fill,
    *,
    size_max: float,
    size_min: float | None = None,
    weight: str = "regular",
    align: str = "left",
    valign: str = "top",
    line_spacing: float = 1.5,
    balance: bool = False,
    stroke_width: int = 0,
    stroke_fill=None,
) -> dict:
    """Wrap and draw ``text`` inside ``box`` (x0, y0, x1, y1), shrinking it down to
    ``size_min`` (default half of ``size_max``) until it fits.

    Returns facts: size, lines, fits, missing_glyphs, boxes (ink box of each line).
    """
    x0, y0, x1, y1 = box
    block, fits = fit_text(
        text, x1 - x0, y1 - y0, size_max=size_max,
        size_min=size_max / 2 if size_min is None else size_min,
        weight=weight, line_spacing=line_spacing, balance=balance,
    )
    if valign == "middle":
        y = y0 + (y1 - y0 - block.height) / 2
    elif valign == "bottom":
        y = y1 - block.height
    else:
        y = y0
    boxes = draw_block(
        draw, (x0, y), block, fill, align=align, box_width=x1 - x0,
        stroke_width=stroke_width, stroke_fill=stroke_fill,
    )
    return {
        "size": block.font.size,
        "lines": list(block.lines),
        "fits": fits,
        "missing_glyphs": sorted(block.missing),
        "boxes": boxes,
    }
