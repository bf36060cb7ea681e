"""The description page's layout, drawing and slicing (issue 12), on generated inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import photo_array
from PIL import Image

from imgprep.core.catalogue import Product, load_catalogue
from imgprep.core.errors import ConfigError
from imgprep.core.imaging import page as pg
from imgprep.core.imaging import textlayout as tl
from imgprep.core.page_template import load_template

NAME = "女士春秋新款纯棉宽松长袖衬衫韩版百搭休闲上衣外套（白色）简约通勤款，四季可穿。"
DESC = ("采用新疆长绒棉面料，柔软亲肤、透气吸汗，经过预缩处理不易变形；立体剪裁修饰身形，宽松版型适合多种身材。"
        "袖口可翻折，下摆微弧设计，日常通勤与周末出游都很合适（建议冷水手洗）。不可漂白，低温熨烫！")
SIZES = (("衣长(cm)", "66/68/70/72"), ("胸围", "96/100/104/108"), ("肩宽", "38/39/40/41"), ("袖长", "56/57/58/59"))
POINTS = ("60支长绒棉，亲肤柔软", "活性印染 不易褪色", "高密度织造，挺括有型、久穿不变形", "隐形拉链 方便拆洗",
          "可机洗 易打理", "立体剪裁 修饰身形")
PRODUCT = Product(sku="T-100", name=NAME, colour="雾霾蓝", fabric="棉 95%，氨纶 5%", size="S/M/L/XL",
                  description=DESC, length_cm=68, width_cm=52.5, height_cm=3, selling_points=POINTS, extra=SIZES)


def hero_photo(w=710, h=600):
    """A product on a plain background (dimension lines find it)."""
    im = Image.new("RGB", (w, h), (245, 245, 245))
    im.paste((70, 110, 170), (w // 4, h // 5, 3 * w // 4, 4 * h // 5))
    return im


def details(n=6):
    return [pg.Detail(Image.fromarray(photo_array(710, 500, i)), POINTS[i % len(POINTS)]) for i in range(n)]


@pytest.fixture(scope="module")
def built():
    t = load_template()
    layout = pg.layout_page(t, "T-100", PRODUCT, hero_photo(), details())
    image = pg.draw_page(layout)
    return t, layout, image


def test_page_is_the_templates_width_and_every_section_is_there(built):
    t, layout, image = built
    assert image.size == (t.width, layout.height) == (750, layout.height)
    assert [s[0] for s in layout.sections] == ["hero", "selling_points", "dimensions", "size_chart", "notes"]
    assert layout.problems == [] and layout.missing_glyphs == set()
    assert sum(b.kind == "photo" for b in layout.boxes) == 1 + 6 + 1  # hero, details, dimension lines
    # Photos sit in the 710-px column between 20-px margins.
    assert all(b.box[0] == 20 and b.box[2] == 730 for b in layout.boxes if b.kind == "photo")


def test_cuts_never_cross_a_text_line_photo_or_table_and_slices_rebuild_the_page(built):
    t, layout, image = built
    cuts = pg.cut_points(layout, image, t.max_height)
    assert cuts and cuts == sorted(set(cuts))
    edges = [0, *cuts, image.height]
    assert all(0 < b - a <= t.max_height for a, b in zip(edges, edges[1:], strict=False))
    for cut in cuts:
        assert cut % 8 == 0
        for box in layout.boxes:
            assert not box.box[1] < cut < box.box[3], (cut, box)
    tops = {s[1] for s in layout.sections[1:]}
    assert any(any(0 < top - c < t.section_gap + 8 for top in tops) for c in cuts)  # a section boundary used
    parts = pg.slices(image, cuts)
    assert np.array_equal(np.concatenate([np.asarray(p) for p in parts]), np.asarray(image))


def test_a_cut_through_a_box_is_seen_by_the_check():
    """The check above can fail: a made-up cut through the hero photo is caught."""
    t = load_template()
    layout = pg.layout_page(t, "T-100", PRODUCT, hero_photo(), [])
    photo = next(b for b in layout.boxes if b.kind == "photo").box
    middle = (photo[1] + photo[3]) // 2
    assert any(b.box[1] < middle < b.box[3] for b in layout.boxes)


def _ink(img: Image.Image) -> np.ndarray:
    """Ink pixels: darker than half-way between the background and the darkest pixel, so
    grey text (labels, notes) is seen as black text is."""
    a = np.asarray(img.convert("L"), np.int16)
    return a < (int(a.max()) + int(a.min())) / 2


def _mask_match(page: Image.Image, box, text: str, size: int, weight: str) -> float:
    """IoU of the ink in ``box`` on the page and ``text`` drawn alone with the bundled
    font (best over ±1 px, as centring rounds; half steps, as round() goes to even)."""
    x0, y0, x1, y1 = box
    pad = 2
    crop = _ink(page.crop((x0 - pad, y0, x1 + pad, y1)))
    block = tl.layout(text, size, 10_000, weight=weight, line_spacing=(y1 - y0) / size)
    best = 0.0
    for dx in (-1, 0, 1):
        for dy in (-1.5, -1, -0.5, 0, 0.5, 1, 1.5):
            canvas = Image.new("RGB", crop.shape[::-1], "white")
            from PIL import ImageDraw

            tl.draw_block(ImageDraw.Draw(canvas), (pad + dx, dy), block, (0, 0, 0))
            ref = _ink(canvas)
            union = (ref | crop).sum()
            best = max(best, (ref & crop).sum() / union if union else 0.0)
    return best


def test_chinese_renders_as_chinese_everywhere(built):
    t, layout, image = built
    cjk = [b for b in layout.boxes if b.kind == "text" and any("\u4e00" <= c <= "\u9fff" for c in b.text)]
    assert len(cjk) > 30
    for b in cjk:
        assert _mask_match(image, b.box, b.text, b.size, b.weight) > 0.8, b.text
    # The comparison tells glyphs apart: the same box against other Chinese text fails.
    title = next(b for b in cjk if b.section == "hero" and b.weight == "bold" and len(b.text) > 8)
    other = "".join(reversed(title.text))
    assert _mask_match(image, title.box, other, title.size, title.weight) < 0.6


def test_long_texts_wrap_inside_the_column_and_keep_the_line_breaking_rules(built):
    t, layout, _ = built
    texts = [b for b in layout.boxes if b.kind == "text"]
    for b in texts:
        assert t.margin <= b.box[0] and b.box[2] <= t.width - t.margin, b
        assert b.text[0] not in tl.NO_LINE_START, b.text
        assert b.text[-1] not in tl.NO_LINE_END, b.text
    lines = layout.texts()
    assert NAME in "".join(lines) and DESC in "".join(lines)  # nothing clipped or dropped
    assert sum(1 for b in texts if b.text in NAME) >= 2  # the long name wrapped


def test_missing_input_is_reported_by_sku_and_the_page_still_built(tmp_path):
    t = load_template(_template(tmp_path, 'image = "nope.png"'))
    product = Product(sku="M-1", name="马克杯", size="400 ml", length_cm=12, width_cm=8.5, height_cm=10,
                      extra=(("衣长", "66"),))
    layout = pg.layout_page(t, "M-1", product, None, details(3))
    text = "\n".join(layout.problems)
    assert all(p.startswith("M-1: ") for p in layout.problems)
    assert "no hero image" in text
    assert "3 selling-point pictures, the template asks for 5" in text
    assert "胸围、肩宽、袖长" in text  # the size chart's columns the sheet lacks
    assert "nope.png cannot be read" in text
    image = pg.draw_page(layout)
    assert image.width == 750 and any(b.kind == "photo" for b in layout.boxes)


def test_hidden_sections_are_left_out(built):
    t, _, _ = built
    layout = pg.layout_page(t, "T-100", PRODUCT, hero_photo(), details(), hidden={"size_chart", "notes"})
    assert [s[0] for s in layout.sections] == ["hero", "selling_points", "dimensions"]
    assert not any(b.kind == "table" for b in layout.boxes)


def test_html_lists_the_slices_in_order():
    html = pg.page_html("T-1", ["T-1-page-01.jpg", "T-1-page-02.jpg"], [(750, 900), (750, 300)], 750)
    assert html.index("T-1-page-01.jpg") < html.index("T-1-page-02.jpg")
    assert 'height="300"' in html


def _template(tmp_path, banner: str = "", extra: str = "") -> str:
    src = load_template().source.read_text(encoding="utf-8")
    src = src.replace('kind = "banner"        # the shop\'s banner, full width (image = "banner.png"); optional\n'
                      "enabled = false", f'kind = "banner"\n{banner}')
    path = tmp_path / "shop.toml"
    path.write_text(src + extra, encoding="utf-8")
    return str(path)


def test_template_errors_name_the_key_and_give_a_hint(tmp_path):
    with pytest.raises(ConfigError, match="section.*kind.*hint|unknown key"):
        load_template(_template(tmp_path, extra='\n[[section]]\nkind = "hero"\n'))
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[colours]\naccent = "red"\n[[section]]\nkind = "notes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"colours\.accent.*#A8312C"):
        load_template(bad)
    bad.write_text('name = "x"\n[[section]]\nkind = "notes"\ncolumns = ["衣长"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not used by a 'notes' section"):
        load_template(bad)


def test_the_sheet_keeps_other_columns_for_the_template(tmp_path):
    sheet = tmp_path / "s.csv"
    sheet.write_text("货号,商品名称,尺码,衣长(cm),胸围 CM\nT-1,衬衫,S/M,66/68,96/100\n", encoding="utf-8")
    p = load_catalogue(sheet)["T-1"]
    assert p.column("衣长") == "66/68" and p.column("胸围") == "96/100" and p.column("尺码") == "S/M"
    assert p.column("肩宽") is None
    assert Product.from_dict(p.to_dict()) == p
    assert pg.split_sizes("S／M、L, XL") == ["S", "M", "L", "XL"]


def test_banner_and_footer_are_full_width_at_the_ends(tmp_path):
    Image.new("RGB", (1500, 300), (30, 60, 90)).save(tmp_path / "banner.png")
    path = _template(tmp_path, 'image = "banner.png"')
    text = Path(path).read_text(encoding="utf-8").replace(
        'kind = "footer"        # a closing banner (image = "footer.png"); optional\nenabled = false',
        'kind = "footer"\nimage = "banner.png"')
    Path(path).write_text(text, encoding="utf-8")
    t = load_template(path)
    layout = pg.layout_page(t, "T-100", PRODUCT, hero_photo(), details())
    images = [b for b in layout.boxes if b.kind == "image"]
    assert [b.section for b in images] == ["banner", "footer"]
    assert images[0].box == (0, 0, 750, 150) and images[1].box[3] == layout.height
    assert np.asarray(pg.draw_page(layout))[5, 5].tolist() == [30, 60, 90]


def test_a_hero_that_keeps_its_panel_gets_no_second_one(built):
    t, _, _ = built
    layout = pg.layout_page(t, "T-100", PRODUCT, hero_photo(), details(), hero_has_panel=True)
    hero_texts = [b.text for b in layout.boxes if b.kind == "text" and b.section == "hero"]
    assert "货号" not in hero_texts and any(NAME.startswith(x) for x in hero_texts)
    assert sum(b.kind == "photo" for b in layout.boxes) == 1 + 6  # no dimension lines on it either


def test_the_templates_digest_follows_its_values_not_its_comments(tmp_path):
    base = load_template().digest
    path = Path(_template(tmp_path, "enabled = false"))
    assert load_template(path).digest == base
    path.write_text(path.read_text(encoding="utf-8") + "# a note\n", encoding="utf-8")
    assert load_template(path).digest == base
    path.write_text(path.read_text(encoding="utf-8").replace("#A8312C", "#1F6FB2"), encoding="utf-8")
    assert load_template(path).digest != base
