"""Product sheets as purchasing saves them: GBK CSV, UTF-8 (BOM) CSV and XLSX."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime

import openpyxl
import pytest

from imgprep.core import catalogue
from imgprep.core.catalogue import Product, load_catalogue
from imgprep.core.errors import ConfigError

HEADER = ["货号", "商品名称", "颜色", "面料", "尺码", "商品说明", "长(cm)", "宽(cm)", "高(cm)",
          "卖点1", "卖点2", "卖点三", "到货日期", "备注"]
TITLE = ["2026 秋季新品资料表"]  # a title row above the header, as people make them
ROWS = [
    ["A1234", "女士纯棉衬衫", "雾霾蓝", "棉95% 氨纶5%", "S/M/L", "新疆长绒棉，柔软亲肤。", 68, 52.5, 3,
     "双层领口", "", "可机洗", date(2026, 11, 20), "急"],
    ["B-77_x.2", "羊毛围巾", "驼色", "羊毛", "均码", "", 180, 30, "", "保暖", "不扎", "", date(2026, 12, 1), ""],
    ["C9", "Canvas Tote", "Black", "", "", "Line one\nLine two", "", "", "", "", "", "", None, ""],
]
EXPECTED = {
    "A1234": Product("A1234", "女士纯棉衬衫", "雾霾蓝", "棉95% 氨纶5%", "S/M/L", "新疆长绒棉，柔软亲肤。",
                     68.0, 52.5, 3.0, ("双层领口", "可机洗"), date(2026, 11, 20), 3,
                     extra=(("备注", "急"),)),  # other columns are kept for page templates
    "B-77_x.2": Product("B-77_x.2", "羊毛围巾", "驼色", "羊毛", "均码", "", 180.0, 30.0, None,
                        ("保暖", "不扎"), date(2026, 12, 1), 4),
    "C9": Product("C9", "Canvas Tote", "Black", "", "", "Line one\nLine two", row=5),
}


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, date):
        return f"{v.year}/{v.month}/{v.day}"  # as Excel in China writes dates to CSV
    return str(v)


def write_csv(path, rows, encoding, delimiter=","):
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(
        [[_cell_text(v) for v in r] for r in rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append([datetime(v.year, v.month, v.day) if isinstance(v, date) else v for v in r])
    wb.save(path)
    return path


@pytest.fixture
def sheets(tmp_path):
    rows = [TITLE, HEADER, *ROWS]
    return {
        "gbk": write_csv(tmp_path / "gbk.csv", rows, "gbk"),
        "utf8-bom": write_csv(tmp_path / "bom.csv", rows, "utf-8-sig"),
        "utf8": write_csv(tmp_path / "plain.csv", rows, "utf-8"),
        "utf16-tab": write_csv(tmp_path / "unicode.txt", rows, "utf-16", delimiter="\t"),
        "xlsx": write_xlsx(tmp_path / "sheet.xlsx", rows),
    }


@pytest.mark.parametrize("kind", ["gbk", "utf8-bom", "utf8", "utf16-tab", "xlsx"])
def test_every_encoding_gives_the_same_products(sheets, kind):
    cat = load_catalogue(sheets[kind])
    assert dict(cat.products) == EXPECTED
    assert cat.header_row == 2
    assert cat.problems == []
    assert cat.unknown_columns == ["备注"]
    assert cat["a1234"] is cat["A1234"]  # case-insensitive lookup, as folders are


def test_english_headers_units_and_aliases(tmp_path):
    rows = [
        ["Item No.", "Product Name", "Colour", "Material", "Size", "Description",
         "Length (mm)", "宽 cm", "高度/m", "Selling Point 2", "selling point 1", "Arrival Date"],
        ["X1", "Mug", "White", "Ceramic", "350ml", "Dishwasher safe", "120", "８５", "0.1",
         "second", "first", "20261120"],
    ]
    p = load_catalogue(write_csv(tmp_path / "en.csv", rows, "utf-8"))["X1"]
    assert (p.length_cm, p.width_cm, p.height_cm) == (12.0, 85.0, 10.0)
    assert p.selling_points == ("first", "second")
    assert p.arrival == date(2026, 11, 20)


def test_combined_dimensions_column(tmp_path):
    rows = [["SKU", "长*宽*高"], ["D1", "30×20×10cm"], ["D2", "300 x 200 x 100 mm"]]
    cat = load_catalogue(write_csv(tmp_path / "d.csv", rows, "utf-8"))
    assert (cat["D1"].length_cm, cat["D1"].width_cm, cat["D1"].height_cm) == (30, 20, 10)
    assert (cat["D2"].length_cm, cat["D2"].height_cm) == (30, 10)


@pytest.mark.parametrize("text", ["2026-11-20", "2026/11/20", "2026.11.20", "2026年11月20日",
                                  "20261120", "2026-11-20 00:00:00", "２０２６年１１月２０日"])
def test_date_formats(tmp_path, text):
    cat = load_catalogue(write_csv(tmp_path / "d.csv", [["货号", "到货日期"], ["A1", text]], "gbk"))
    assert cat["A1"].arrival == date(2026, 11, 20)
    assert cat.problems == []


def test_excel_serial_date(tmp_path):
    cat = load_catalogue(write_xlsx(tmp_path / "d.xlsx", [["货号", "到货日期"], ["A1", 46346]]))
    assert cat["A1"].arrival == date(2026, 11, 20)


def test_bad_rows_are_reported_and_the_rest_loads(tmp_path):
    rows = [
        ["货号", "商品名称", "长(cm)", "到货日期"],
        ["OK1", "好", "30", "2026-11-20"],
        ["", "没有货号", "1", ""],
        ["../etc", "路径", "", ""],
        ["CON.txt", "保留名", "", ""],
        ["a b", "空格", "", ""],
        ["OK2", "坏数字", "三十", "2026-02-30"],
        ["OK3", "负数", "-5", "明天"],
    ]
    cat = load_catalogue(write_csv(tmp_path / "bad.csv", rows, "gbk"))
    assert sorted(cat) == ["OK1", "OK2", "OK3"]
    assert cat["OK2"].length_cm is None and cat["OK2"].arrival is None
    found = [(p.row, p.column, p.skipped) for p in cat.problems]
    assert found == [(3, "货号", True), (4, "货号", True), (5, "货号", True), (6, "货号", True),
                     (7, "长(cm)", False), (7, "到货日期", False),
                     (8, "长(cm)", False), (8, "到货日期", False)]
    messages = " | ".join(str(p) for p in cat.problems)
    assert "row 3" in messages and "missing SKU" in messages
    assert "'..'" in messages or "separator" in messages
    assert "reserves" in messages
    assert "'三十' is not a number" in messages


def test_duplicates_name_both_rows(tmp_path):
    rows = [["货号", "商品名称"], ["A1", "一"], ["B2", "二"], ["a1", "不同"], ["B2", "二"]]
    cat = load_catalogue(write_csv(tmp_path / "dup.csv", rows, "utf-8"))
    assert "A1" not in cat and "a1" not in cat  # conflicting facts: neither is trusted
    assert cat["B2"].row == 3  # an identical repeat keeps the first
    dup = [p for p in cat.problems if "A1" in p.message or "a1" in p.message]
    assert {p.row for p in dup} == {2, 4}
    assert all("rows 2 and 4" in p.message for p in dup)
    same = [p for p in cat.problems if "B2" in p.message]
    assert len(same) == 1 and "rows 3 and 5" in same[0].message and same[0].row == 5


def test_absurd_values_are_capped(tmp_path):
    huge = "长" * 2_000_000
    row = ["BIG", huge] + ["x"] * 10_000
    cat = load_catalogue(write_csv(tmp_path / "big.csv", [["货号", "商品说明"], row], "utf-8"))
    p = cat["BIG"]
    assert len(p.description) == catalogue.MAX_TEXT
    msgs = [str(x) for x in cat.problems]
    assert any("2,000,000 characters" in m for m in msgs)
    assert any(f"past column {catalogue.MAX_COLUMNS}" in m for m in msgs)


def test_file_level_failures_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="cannot open"):
        load_catalogue(tmp_path / "nope.csv")
    no_sku = write_csv(tmp_path / "nosku.csv", [["名称", "颜色"], ["a", "b"]], "utf-8")
    with pytest.raises(ConfigError) as err:
        load_catalogue(no_sku)
    assert err.value.key == "货号" and "SKU" in err.value.hint
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(128, 256)) * 10)
    with pytest.raises(ConfigError, match="neither UTF-8 nor GBK"):
        load_catalogue(garbage)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ConfigError, match="workbook"):
        load_catalogue(broken)
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(ConfigError, match="xlsx"):
        load_catalogue(tmp_path / "old.xls")


def test_products_are_frozen():
    p = EXPECTED["A1234"]
    with pytest.raises(AttributeError):
        p.sku = "X"  # type: ignore[misc]
    assert replace(p, name="x").sku == "A1234"
