"""The bundled font: present, licensed, covering GB2312, and honest about what it lacks."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from imgprep.core import fonts

SYMBOLS = "×°±·–—‘’“”…（）《》【】「」、。，；：？！～％￥①⑩℃㎝㎜㎏≈≤≥→"
NOT_IN_FONT = "\U00020000"  # CJK Extension B: not in GB2312 or GBK


def gb2312_hanzi() -> str:
    out = []
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return "".join(out)


def test_bundled_files_and_licence():
    folder = fonts.assets_dir() / "fonts"
    for weight in fonts.WEIGHTS:
        path = fonts.font_path(weight)
        assert path.parent == folder
        assert 100_000 < path.stat().st_size < 5 * 1024 * 1024
    licence = (folder / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Noto Sans CJK" in (folder / "README.md").read_text(encoding="utf-8")


def test_weight_is_checked():
    with pytest.raises(ValueError, match="weight"):
        fonts.font_path("black")


def test_pil_font_is_cached_and_named():
    a = fonts.pil_font(24, "bold")
    assert a is fonts.pil_font(24.2, "bold")
    assert a.getname() == ("Imgprep Sans SC", "Bold")
    assert fonts.pil_font(0).size == 1


@pytest.mark.parametrize("weight", fonts.WEIGHTS)
def test_covers_gb2312_latin_and_symbols(weight):
    hanzi = gb2312_hanzi()
    assert len(hanzi) == 6763
    text = hanzi + SYMBOLS + "".join(chr(c) for c in range(0x20, 0x7F))
    assert fonts.missing_glyphs(text, weight) == set()


def test_missing_glyphs_reports_only_drawable_characters():
    text = f"货号A1{NOT_IN_FONT}\n\t\u200d\ufe0f😀"
    assert fonts.missing_glyphs(text) == {NOT_IN_FONT, "😀"}
    drawable, missing = fonts.substitute_missing(text)
    assert missing == {NOT_IN_FONT, "😀"}
    assert drawable == "货号A1?\n\t\u200d\ufe0f?"


def _ink(font, ch: str) -> bytes:
    im = Image.new("L", (80, 80))
    ImageDraw.Draw(im).text((10, 10), ch, font=font, fill=255)
    return im.tobytes()


def test_cmap_parser_agrees_with_freetype():
    """Characters our cmap reader calls missing render as .notdef; covered ones don't."""
    font = fonts.pil_font(40)
    notdef = _ink(font, NOT_IN_FONT)
    for ch in "国货×①—" + "Ag":
        assert ch not in fonts.missing_glyphs(ch)
        assert _ink(font, ch) != notdef, ch
    for ch in ("\U00020001", "\u4dc0", "😀"):
        assert fonts.missing_glyphs(ch) == {ch}
        assert _ink(font, ch) == notdef, ch
