"""The bundled font and its fallback chain: present, licensed, covering GB2312 and the
rare characters of product names, and honest about what no font can draw."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

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
        assert 10 * 1024 * 1024 < path.stat().st_size < 25 * 1024 * 1024  # the whole font
    licence = (folder / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    assert "Noto Sans CJK" in (folder / "README.md").read_text(encoding="utf-8")


def test_weight_is_checked():
    with pytest.raises(ValueError, match="weight"):
        fonts.font_path("black")


def test_pil_font_is_cached_and_named():
    a = fonts.pil_font(24, "bold")
    assert a is fonts.pil_font(24.2, "bold")
    assert a.getname() == ("Noto Sans CJK SC", "Bold")
    assert fonts.pil_font(0).size == 1


@pytest.mark.parametrize("weight", fonts.WEIGHTS)
def test_covers_gb2312_latin_and_symbols(weight):
    hanzi = gb2312_hanzi()
    assert len(hanzi) == 6763
    text = hanzi + SYMBOLS + "".join(chr(c) for c in range(0x20, 0x7F))
    assert fonts.missing_glyphs(text, weight) == set()


@pytest.fixture
def bundled_only(monkeypatch):
    """The chain without the machine's system fonts, so results do not depend on them."""
    monkeypatch.setattr(fonts, "font_chain", lambda weight="regular": (fonts.font_path(weight),))


def test_full_font_has_rare_name_characters():
    # 囍 (wedding listings), 𠮷 (Extension B), GBK beyond GB2312.
    assert fonts.missing_glyphs("鎏金囍字手镯𠮷野家喆堃犇淼") == set()


def test_missing_glyphs_reports_only_undrawable_characters(bundled_only):
    text = f"货号A1{NOT_IN_FONT}\n\t\u200d\ufe0f😀"
    assert fonts.missing_glyphs(text) == {NOT_IN_FONT, "😀"}
    drawable, missing = fonts.substitute_missing(text)
    assert missing == {NOT_IN_FONT, "😀"}
    assert drawable == "货号A1\n\t\u200d\ufe0f"  # left out: never a '?' or a box


def _draw(size, fn) -> np.ndarray:
    im = Image.new("L", size)
    fn(ImageDraw.Draw(im))
    return np.asarray(im)


def test_chain_draws_each_character_with_the_first_font_that_has_it(tmp_path, monkeypatch):
    """A first font lacking 囍 and 𠮷 (Pillow's Latin-only Aileron): they come from the next
    font of the chain, pixel for pixel as that font draws them; 🎁, in no font, is left
    out and reported, never drawn as the first font's box."""
    latin = tmp_path / "latin.ttf"
    latin.write_bytes(ImageFont.load_default(10).font_bytes)
    chain = (latin, fonts.font_path("regular"))
    monkeypatch.setattr(fonts, "font_chain", lambda weight="regular": chain)
    a = ImageFont.truetype(str(latin), 40, layout_engine=ImageFont.Layout.BASIC)
    noto = ImageFont.truetype(str(chain[1]), 40, layout_engine=ImageFont.Layout.BASIC)
    assert a.getmask("囍").getbbox() is not None  # the first font would draw a box

    text = "A囍𠮷🎁"
    assert fonts.missing_glyphs(text) == {"🎁"}
    font = fonts.text_font(40)
    got = _draw((240, 80), lambda d: font.draw(d, (10, 60), text, 255))
    want = _draw((240, 80), lambda d: (d.text((10, 60), "A", font=a, fill=255, anchor="ls"),
                                       d.text((10 + a.getlength("A"), 60), "囍𠮷", font=noto, fill=255, anchor="ls")))
    assert got.any() and np.array_equal(got, want)
    assert font.getlength(text) == a.getlength("A") + noto.getlength("囍𠮷")


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


def test_a_bitmap_only_font_is_drawn_at_its_strike_and_scaled(tmp_path, monkeypatch):
    """Colour emoji fonts (Noto Color Emoji: one 109 px strike) load only at their strike
    sizes: such a font draws at the strike and is scaled to the text. Stood in for here by
    the bundled font made to refuse every other size."""
    latin = tmp_path / "latin.ttf"
    latin.write_bytes(ImageFont.load_default(10).font_bytes)
    strike_only = tmp_path / "strike.otf"
    strike_only.write_bytes(fonts.font_path().read_bytes())
    real = ImageFont.truetype

    def truetype(font, size, *a, **k):
        if str(font) == str(strike_only) and size != 109:
            raise OSError("invalid pixel size")
        return real(font, size, *a, **k)

    monkeypatch.setattr(ImageFont, "truetype", truetype)
    fonts._face.cache_clear()
    chain = (latin, strike_only)
    monkeypatch.setattr(fonts, "font_chain", lambda weight="regular": chain)
    font = fonts.text_font(40)
    [(face, scale, run)] = font.runs("囍")
    assert face.size == 109 and scale == pytest.approx(40 / 109) and run == "囍"
    im = Image.new("RGB", (120, 80), "white")
    box = font.draw(ImageDraw.Draw(im), (10, 60), "A囍", (0, 0, 0))
    ink = np.asarray(im.convert("L")) < 128
    ys, xs = np.nonzero(ink[:, 10 + round(real(str(latin), 40).getlength("A")):])
    ref = real(str(fonts.font_path()), 40).getbbox("囍")
    assert abs((ys.max() - ys.min()) - (ref[3] - ref[1])) <= 3  # the scaled glyph is text-sized
    assert box[2] > box[0] and font.getlength("囍") == pytest.approx(face.getlength("囍") * scale)
    fonts._face.cache_clear()
