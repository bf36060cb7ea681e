"""Engine messages: one catalogue, both languages, English text translated back."""

import csv
import errno
import io
import os
import re

import openpyxl
import pytest
from helpers import english_left

from imgprep.core import catalogue
from imgprep.core.errors import ConfigError, NamingError
from imgprep.core.messages import MESSAGES, NUMBER_FIELDS, say, translate
from imgprep.core.naming import validate_sku


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_round_trips_to_chinese(code):
    en, zh = MESSAGES[code]
    fields = re.findall(r"\{(\w+)\}", en)
    assert sorted(fields) == sorted(re.findall(r"\{(\w+)\}", zh)), code
    # values with spaces, dots, Chinese; whole numbers where a field holds one
    args = {f: "42" if f in NUMBER_FIELDS else f"«{f}·值 1.5»" for f in fields}
    text = say(code, **args)
    assert translate(text, "zh_CN") == zh.format(**args)
    assert translate(text, "en") == text
    assert re.search(r"[\u4e00-\u9fff]", zh), f"{code}: no Chinese in the Chinese text"


def test_values_inside_messages_and_unknown_text():
    assert translate(say("colour-result", before="6.1", after="0.8", loo="1.2", verdict="FAIL"), "zh") == \
        "颜色：平均 ΔE2000 6.1 → 0.8，色卡以外颜色 1.2（不合格）"
    assert translate("something new the catalogue does not know", "zh") == \
        "something new the catalogue does not know"
    assert translate(None, "zh") == ""
    # a specific message is not swallowed by a general one
    assert translate(say("duplicate-of-library", source="a/b.jpg", name="A-01"), "zh") == \
        "与 a/b.jpg 内容相同（已是 A-01）"


def test_a_message_inside_a_message_is_translated_too():
    text = say("stalled", seconds="120", detail=say("incomplete-data", detail="broken data stream"))
    assert translate(text, "zh") == "已 120 秒没有变化，但文件不完整：图像数据不完整或已损坏（broken data stream）"


# --- messages from the real code paths read in Chinese ------------------------------------


def _is(code: str, text: str) -> bool:
    """Whether ``text`` has the form of message ``code``."""
    parts = re.split(r"\{\w+\}", MESSAGES[code][0])
    return re.fullmatch(".+?".join(map(re.escape, parts)), text, re.DOTALL) is not None


@pytest.mark.parametrize(("sku", "zh"), [
    ("  ", "货号为空"), ("A12\\34", "路径分隔符"), ("a\x07b", "控制字符"), ("a..b", "含有“..”"),
    ("X" * 65, "65 个字符"), ("上衣 01", "只能使用字母"), ("-x", "开头"), ("x.", "结尾"), ("CON.txt", "保留"),
])
def test_sku_refusals_read_in_chinese(sku, zh):
    with pytest.raises(NamingError) as e:
        validate_sku(sku)
    text = say("folder-refused", folder=sku, detail=e.value)
    assert zh in translate(text, "zh")
    assert english_left(text, sku, repr(sku)) == set()
    assert english_left(str(e.value), repr(sku)) == set()


def test_product_sheet_problems_read_in_chinese(tmp_path, monkeypatch):
    monkeypatch.setattr(catalogue, "MAX_COLUMNS", 14)
    monkeypatch.setattr(catalogue, "MAX_SELLING_POINTS", 2)
    monkeypatch.setattr(catalogue, "MAX_ROWS", 16)
    monkeypatch.setattr(catalogue, "MAX_TEXT", 10)
    header = ["货号", "商品名称", "长(cm)", "宽", "高", "长宽高", "到货日期", "卖点1", "卖点一", "卖点2", "卖点3",
              "名称", "", "", "extra"]
    rows = [
        header,
        ["", "没有货号"], ["../etc"], ["CON.txt"], ["a b"],
        ["OK1", "数字", "三十", "-5", "9999999", "1x2", "明天"],
        ["A1", "一"], ["a1", "不同"],  # conflicting facts
        ["B2"], ["B2"],  # an identical repeat
        ["C3", "一"], ["c3", "二"], ["C3", "三"],
        ["D4"], ["D4"], ["D4"],
        ["LONG", "长" * 20] + [""] * 13 + ["past the last column"],
        ["LAST"],  # past MAX_ROWS
    ]
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    (tmp_path / "sheet.csv").write_text(buf.getvalue(), encoding="utf-8")
    cat = catalogue.load_catalogue(tmp_path / "sheet.csv")
    made = {code for p in cat.problems for code in MESSAGES if _is(code, p.message)}
    assert made >= {"sheet-selling-point-twice", "sheet-second-column", "sheet-columns-capped",
                    "sheet-selling-points-capped", "sheet-missing-sku", "sheet-bad-sku", "sheet-not-dimensions",
                    "sheet-not-a-number", "sheet-not-positive", "sheet-implausible", "sheet-not-a-date",
                    "sheet-duplicate-pair", "sheet-duplicate", "sheet-repeat-pair", "sheet-repeat", "sheet-row-too-wide",
                    "sheet-text-capped", "sheet-rows-capped"}, "\n".join(map(str, cat.problems))
    values = header + ["'../etc'", "'CON.txt'", "'a b'", "'1x2'", "'A1'", "'a1'", "'B2'", "'C3'", "'c3'", "'D4'"]
    for p in cat.problems:
        assert english_left(str(p), *values) == set(), str(p)
        assert english_left(p.message, *values) == set(), p.message
    # the column name in "a second 'name' column" is given as the sheet's
    second = next(p for p in cat.problems if p.message.startswith("a second"))
    assert translate(second.message, "zh") == "又一个“商品名称”列（第一个是“商品名称”）；此列已忽略"
    # problems of the sheet as a whole
    assert translate(str(catalogue.SheetProblem(0, "", say("sheet-missing-sku"))), "zh") == "表中：缺少货号；此行已跳过"
    assert translate(str(catalogue.SheetProblem(0, "颜色", "x")), "zh") == "表中“颜色”列：x"


def test_product_sheet_file_errors_read_in_chinese(tmp_path, monkeypatch):
    def check(path, english, *values):
        with pytest.raises(ConfigError) as e:
            catalogue.load_catalogue(path)
        text = str(e.value)
        assert english in text
        detail = re.search(r"(?:the workbook|CSV file): (.*) \(hint", text)  # openpyxl's, csv's words
        assert english_left(text, path, *values, *(detail.groups() if detail else ())) == set(), text

    check(tmp_path / "nope.csv", "cannot open", os.strerror(errno.ENOENT))
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    check(tmp_path / "old.xls", "97-2003")
    (tmp_path / "garbage.csv").write_bytes(bytes(range(128, 256)) * 10)
    check(tmp_path / "garbage.csv", "neither UTF-8 nor GBK")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    check(tmp_path / "broken.xlsx", "cannot read the workbook")
    (tmp_path / "nosku.csv").write_text("名称,颜色\na,b\n", encoding="utf-8")
    check(tmp_path / "nosku.csv", "no SKU column")
    book = openpyxl.Workbook()
    book.active.title = "表一"
    book.active.append(["名称"])
    book.save(tmp_path / "nosku.xlsx")
    check(tmp_path / "nosku.xlsx", "of any sheet")
    # a field over the csv module's limit (as before imgprep raised that limit)
    (tmp_path / "huge.csv").write_text("货号,商品说明\nA1," + "x" * 200_000 + "\n", encoding="utf-8")
    set_limit = csv.field_size_limit
    before = set_limit(131072)
    try:
        monkeypatch.setattr(csv, "field_size_limit", lambda *a: 1 << 30)
        check(tmp_path / "huge.csv", "not a readable CSV file")
    finally:
        set_limit(before)
    monkeypatch.setattr(catalogue, "MAX_SHEET_BYTES", 10)
    check(tmp_path / "nosku.csv", "MiB are read")


def test_a_file_name_is_not_read_as_a_sheet_row():
    text = say("check-failed", file="row 2.jpg", detail=say("truncated"))
    assert translate(text, "zh") == "row 2.jpg 处理失败：文件被截断或已损坏（图像数据不完整）"
    assert translate(say("sheet-at-row", row=7, message="x"), "zh") == "第 7 行：x"
