"""Spec panels, callouts and dimension lines on generated product shots.

Reference images live in tests/data/annotate/. After an intended change of the look,
regenerate them with::

    IMGPREP_UPDATE_REFERENCES=1 .venv/bin/python -m pytest tests/core/imaging/test_annotate.py

and look at the new PNGs before committing them.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from imgprep.core import fonts
from imgprep.core.catalogue import Product
from imgprep.core.imaging import annotate as an
from imgprep.core.imaging import textlayout as tl

REFS = Path(__file__).resolve().parents[2] / "data" / "annotate"
UPDATE = os.environ.get("IMGPREP_UPDATE_REFERENCES") == "1"
REFERENCE_TOLERANCE = 2.0  # mean absolute difference, 0..255 scale, over all channels

NAME_28 = "女士春秋新款纯棉宽松长袖衬衫韩版百搭休闲上衣外套白色简约"
DESC_120 = ("采用新疆长绒棉面料，柔软亲肤、透气吸汗，经过预缩处理不易变形；立体剪裁修饰身形，宽松版型适合"
            "多种身材。袖口可翻折，下摆微弧设计，日常通勤与周末出游都很合适。建议冷水手洗，不可漂白，"
            "低温熨烫（反面）。另附同色系腰带一条，可随心搭配出不同风格！")
assert len(NAME_28) == 28 and len(DESC_120) == 120

PRODUCT = Product(sku="A1234-BLK", name=NAME_28, colour="雾霾蓝", fabric="棉 95%，氨纶 5%",
                  size="S / M / L / XL", description=DESC_120, length_cm=68.0, width_cm=52.5,
                  height_cm=3.0)


def shot(w=710, h=710, bg=(250, 250, 250), colour=(70, 110, 170), box=(0.25, 0.2, 0.75, 0.8)):
    """A product shot: a coloured block on a plain background; returns image and pixel box."""
    im = Image.new("RGB", (w, h), bg)
    x0, y0, x1, y1 = round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)
    ImageDraw.Draw(im).rectangle((x0, y0, x1 - 1, y1 - 1), fill=colour)
    return im, (x0, y0, x1, y1)


def compare_with_reference(image: Image.Image, name: str) -> None:
    path = REFS / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"no reference {path}; run with IMGPREP_UPDATE_REFERENCES=1")
        path.parent.mkdir(parents=True, exist_ok=True)
        image.convert("RGB").save(path, optimize=True)
    ref = Image.open(path).convert("RGB")
    assert ref.size == image.size
    diff = np.abs(np.asarray(ref, np.int16) - np.asarray(image.convert("RGB"), np.int16))
    assert diff.mean() < REFERENCE_TOLERANCE, f"{name}: mean abs diff {diff.mean():.2f}"


# --- line breaking ------------------------------------------------------------------------


def _random_text(rng: random.Random) -> str:
    pieces = list("商品面料柔软亲肤透气舒适适合四季穿着") + list("，。、；：？！）」》…") + \
        list("（「《“") + ["Cotton", "A1234", "30×20cm", "100%", " "]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(10, 160)))


def test_line_breaking_rules_hold_for_random_texts():
    font = fonts.pil_font(20)
    rng = random.Random(4)
    for _ in range(150):
        text = _random_text(rng)
        width = rng.randint(80, 400)
        lines = tl.wrap(text, font, width)
        # Rules can only hold when every unbreakable unit fits on a line.
        feasible = all(font.getlength(u) <= width for u in tl.break_units(tl.clean_text(text)))
        for i, line in enumerate(lines):
            assert font.getlength(line) <= width or len(line) <= 1
            if not feasible:
                continue
            if i > 0 and line:
                assert line[0] not in tl.NO_LINE_START, (text, lines)
            if i < len(lines) - 1 and line:
                assert line[-1] not in tl.NO_LINE_END, (text, lines)
        # Nothing is lost or reordered: only spaces at breaks disappear.
        assert "".join(lines).replace(" ", "") == tl.clean_text(text).replace(" ", "")


def test_latin_words_and_numbers_stay_together():
    font = fonts.pil_font(20)
    lines = tl.wrap("面料成分为Cotton 95%，尺寸30×20cm，货号A1234-BLK请核对", font, 120)
    joined = "\n".join(lines)
    for word in ("Cotton", "95%，", "30×20cm，", "A1234-BLK"):
        assert any(word in line for line in lines), joined


def test_explicit_breaks_and_balance():
    font = fonts.pil_font(20)
    assert tl.wrap("第一行\n\n第三行", font, 500) == ["第一行", "", "第三行"]
    ragged = tl.wrap("双层加厚领口久穿不变形", font, 200)
    balanced = tl.wrap("双层加厚领口久穿不变形", font, 200, balance=True)
    assert len(ragged) == len(balanced) == 2
    assert len(ragged[-1]) == 2  # no lone character on a last line
    assert abs(len(balanced[0]) - len(balanced[1])) <= 1
    # Balanced text prefers to break after a clause.
    assert tl.wrap("精选天然面料，亲肤透气", font, 170, balance=True) == ["精选天然面料，", "亲肤透气"]
    # ... or at a space between two phrases, never inside a word (issue 16: "人体工学把 / 手").
    point = "人体工学把手 握感舒适"
    for width in (130, 170, 200):
        assert tl.wrap(point, fonts.text_font(20), width, balance=True) == ["人体工学把手", "握感舒适"]
    assert tl.wrap(point, fonts.text_font(20), 240, balance=True) == [point]  # the space stays


def test_overlong_token_is_split_not_clipped():
    font = fonts.pil_font(20)
    url = "https://example.com/" + "x" * 80
    lines = tl.wrap(url, font, 150)
    assert "".join(lines) == url and all(font.getlength(s) <= 150 for s in lines)


# --- spec panel ---------------------------------------------------------------------------


def _inside(boxes, size):
    w, h = size
    return all(0 <= x0 and 0 <= y0 and x1 <= w and y1 <= h for x0, y0, x1, y1 in boxes)


def test_hero_panel_wraps_everything_at_710():
    photo, _ = shot()
    out, facts = an.spec_panel(photo, PRODUCT)
    assert out.size == (710, 710 + facts["panel_height"]) and out.mode == "RGB"
    assert facts["missing_glyphs"] == []
    assert facts["fields_missing"] == []
    assert facts["fields_shown"] == list(an.PanelStyle().fields)
    assert len(facts["text_boxes"]) == len(facts["lines"])
    assert _inside(facts["text_boxes"], out.size)
    assert all(b[1] >= 710 for b in facts["text_boxes"])  # below the photo, not over it
    lines = facts["lines"]
    assert NAME_28 == "".join(lines[:2]) and len(lines[0]) >= 13  # headline in 2 balanced lines
    assert DESC_120 in "".join(lines)  # nothing clipped or dropped
    assert not any(line[0] in tl.NO_LINE_START for line in lines)
    # The photo itself is untouched.
    assert np.array_equal(np.asarray(out)[:710], np.asarray(photo))


def test_same_length_names_give_different_panels():
    photo, _ = shot()
    a, fa = an.spec_panel(photo, PRODUCT)
    b, fb = an.spec_panel(photo, Product(**{**PRODUCT.__dict__, "name": NAME_28[::-1]}))
    assert a.size == b.size
    diff = np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16)).sum(axis=2)
    assert (diff[710:] > 60).sum() > 2000


def test_panel_looks_alike_at_any_width():
    small, _ = shot(710, 500)
    large, _ = shot(1420, 1000)
    _, f1 = an.spec_panel(small, PRODUCT)
    _, f2 = an.spec_panel(large, PRODUCT)
    assert f1["lines"] == f2["lines"]
    assert abs(f2["panel_height"] - 2 * f1["panel_height"]) <= 12


def test_band_grows_then_shrinks_and_never_clips():
    photo, _ = shot(710, 710)
    out, facts = an.spec_panel(photo, PRODUCT, an.PanelStyle(place="band"))
    assert out.size == photo.size
    assert facts["scale"] < 1.0
    assert _inside(facts["text_boxes"], out.size)
    assert DESC_120 in "".join(facts["lines"])
    short = Product(sku="S1", name="短名")
    _, f = an.spec_panel(photo, short, an.PanelStyle(place="band"))
    assert f["scale"] == 1.0 and f["fields_shown"] == ["name", "sku"]
    assert f["fields_missing"] == ["colour", "fabric", "size", "dimensions", "description"]


def test_missing_glyph_is_reported_and_left_out(monkeypatch):
    from imgprep.core import fonts

    monkeypatch.setattr(fonts, "font_chain", lambda weight="regular": (fonts.font_path(weight),))
    photo, _ = shot(400, 300)
    rare = "\U00020000"
    out, facts = an.spec_panel(photo, Product(sku="R1", name=f"测试{rare}囍品🎁"))
    assert facts["missing_glyphs"] == sorted([rare, "🎁"])
    assert "测试囍品" in facts["lines"]  # no '?', no box


def test_panel_glyphs_are_the_fonts_own(monkeypatch):
    """囍 and 𠮷 in a panel are drawn as the bundled font draws them (glyph masks)."""
    from PIL import ImageFont

    from imgprep.core import fonts
    from imgprep.core.imaging import textlayout as tl

    own = ImageFont.truetype(str(fonts.font_path()), 48)
    for ch in "囍𠮷":
        block = tl.layout(f"货{ch}", 48, 400)
        assert block.missing == frozenset() and block.lines == (f"货{ch}",)
        drawn = Image.new("L", (200, 100))
        tl.draw_block(ImageDraw.Draw(drawn), (10, 10), block, 255)
        ref = Image.new("L", (200, 100))
        ImageDraw.Draw(ref).text((10, 70), f"货{ch}", font=own, fill=255, anchor="ls")
        a, b = drawn.crop(drawn.getbbox()), ref.crop(ref.getbbox())
        assert a.size == b.size and np.array_equal(np.asarray(a), np.asarray(b)), ch


def test_labels_language_and_dimensions_format():
    assert an.format_dimensions(PRODUCT) == "长 68 × 宽 52.5 × 高 3 cm"
    assert an.format_dimensions(PRODUCT, "en") == "L 68 × W 52.5 × H 3 cm"
    assert an.format_dimensions(Product(sku="x", height_cm=10.0)) == "高 10 cm"
    assert an.format_number(12.345) == "12.35"
    photo, _ = shot(500, 300)
    _, facts = an.spec_panel(photo, PRODUCT, an.PanelStyle(language="en",
                                                          fields=("sku", "dimensions")))
    assert facts["lines"][:2] == ["SKU", "A1234-BLK"]
    with pytest.raises(ValueError, match="unknown panel fields"):
        an.PanelStyle(fields=("name", "price"))


def test_input_is_not_modified_and_alpha_is_kept():
    photo, _ = shot(300, 300)
    rgba = photo.convert("RGBA")
    before = rgba.tobytes()
    out, _ = an.spec_panel(rgba, PRODUCT)
    assert out.mode == "RGBA" and rgba.tobytes() == before


def test_panel_reference():
    photo, _ = shot(480, 360, colour=(180, 90, 60))
    out, _ = an.spec_panel(photo, PRODUCT, an.PanelStyle(fields=(
        "name", "sku", "colour", "dimensions", "description")))
    compare_with_reference(out, "panel_480.png")


# --- callouts -----------------------------------------------------------------------------


@pytest.mark.parametrize("bg,theme", [((250, 250, 250), "dark"), ((20, 20, 24), "light")])
def test_callout_stays_inside_and_contrasts(bg, theme):
    photo, pbox = shot(710, 710, bg=bg, colour=(200, 160, 90))
    out, facts = an.callout(photo, "双层加厚领口，久穿不变形", (0.5, 0.3))
    x0, y0, x1, y1 = facts["box"]
    assert 0 <= x0 < x1 <= 710 and 0 <= y0 < y1 <= 710
    ax, ay = facts["anchor"]
    assert not (x0 <= ax <= x1 and y0 <= ay <= y1)
    assert facts["theme"] == theme and facts["missing_glyphs"] == []
    assert _inside(facts["text_boxes"], out.size)
    assert "".join(facts["lines"]) == "双层加厚领口，久穿不变形"
    # Text and box differ strongly (legible) inside the box.
    region = np.asarray(out.convert("L"))[y0:y1, x0:x1]
    assert np.percentile(region, 95) - np.percentile(region, 5) > 150


def test_callout_default_anchor_is_the_product():
    photo, (x0, y0, x1, y1) = shot(600, 600, box=(0.5, 0.5, 0.9, 0.9))
    _, facts = an.callout(photo, "卖点")
    ax, ay = facts["anchor"]
    assert abs(ax - (x0 + x1) / 2) < 4 and abs(ay - (y0 + y1) / 2) < 4


def test_long_callout_text_shrinks_but_fits():
    photo, _ = shot(500, 400)
    out, facts = an.callout(photo, DESC_120 * 2, (0.3, 0.3))
    assert facts["text_size"] < round(an.CalloutStyle().text_size * 500)
    assert _inside(facts["text_boxes"], out.size)


def test_callout_too_long_for_the_picture_is_cut_visibly():
    photo, _ = shot(300, 200)
    out, facts = an.callout(photo, "很长的卖点" * 200, (0.5, 0.5))
    assert facts["truncated"] and facts["lines"][-1].endswith("…")
    x0, y0, x1, y1 = facts["box"]
    assert 0 <= x0 < x1 <= 300 and 0 <= y0 < y1 <= 200
    assert _inside(facts["text_boxes"], out.size)
    same, f = an.callout(photo, "  \u200b ")
    assert f["reason"] == "no text" and same.tobytes() == photo.tobytes()


def test_callout_reference():
    photo, _ = shot(480, 360, colour=(60, 120, 90))
    out, _ = an.callout(photo, "精选天然面料，亲肤透气", (0.5, 0.35))
    compare_with_reference(out, "callout_480.png")


# --- dimension lines ----------------------------------------------------------------------


@pytest.mark.parametrize("box", [(0.25, 0.2, 0.75, 0.8), (0.1, 0.3, 0.5, 0.6)])
def test_product_box_found_within_a_few_pixels(box):
    photo, expected = shot(1200, 900, bg=(255, 255, 255), colour=(120, 60, 40), box=box)
    found = an.find_product_box(photo)
    assert found.found
    assert all(abs(a - b) <= 3 for a, b in zip(found.box, expected, strict=True))


def test_shadow_is_not_part_of_the_product():
    photo, expected = shot(800, 800, bg=(245, 245, 245), colour=(40, 90, 160))
    d = ImageDraw.Draw(photo)
    d.rectangle((expected[0] - 60, expected[3], expected[2] + 60, expected[3] + 30), fill=(200, 200, 200))
    found = an.find_product_box(photo)
    assert abs(found.box[0] - expected[0]) <= 3 and abs(found.box[2] - expected[2]) <= 3


def test_dimension_lines_drawn_outside_the_product():
    photo, (x0, y0, x1, y1) = shot(710, 710, bg=(255, 255, 255), colour=(120, 60, 40))
    out, facts = an.dimension_lines(photo, PRODUCT)
    assert facts["found"] and facts["drawn"] == ["length", "height"]
    assert facts["labels"] == ["长 68 cm", "高 3 cm"] and facts["missing_glyphs"] == []
    a = np.asarray(out).astype(int)
    inside = a[y0 + 2:y1 - 2, x0 + 2:x1 - 2]
    assert (inside == (120, 60, 40)).all()  # the product is not drawn over
    assert (a[y1 + 5:, x0:x1] < 128).any()  # a dark arrow below
    assert (a[y0:y1, x1 + 5:] < 128).any()  # and one to the right


def test_dimension_lines_leave_unclear_images_unchanged():
    plain = Image.new("RGB", (400, 300), (255, 255, 255))
    out, facts = an.dimension_lines(plain, PRODUCT)
    assert not facts["found"] and facts["reason"] and out.tobytes() == plain.tobytes()
    noise = Image.fromarray(np.random.default_rng(1).integers(0, 255, (300, 400, 3), np.uint8))
    out, facts = an.dimension_lines(noise, PRODUCT)
    assert not facts["found"] and "not plain" in facts["reason"]
    photo, _ = shot(400, 300)
    out, facts = an.dimension_lines(photo, Product(sku="N1"))
    assert facts["found"] and facts["drawn"] == [] and "no dimensions" in facts["reason"]
    assert out.tobytes() == photo.tobytes()
