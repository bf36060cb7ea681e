"""Issue 4 through the engine: the product sheet drives the hero panel and the detail
callouts; `imgprep check` applies the rule book and the 3-day rule."""

from __future__ import annotations

import codecs
import json
import sqlite3
from datetime import date, datetime, timedelta

import numpy as np
import openpyxl
import pytest
from helpers import photo_array, save_jpeg
from PIL import Image

HEADER = ["货号", "商品名称", "颜色", "面料", "尺码", "商品说明", "长(cm)", "宽(cm)", "高(cm)",
          "卖点1", "卖点2", "卖点3", "卖点4", "卖点5", "到货日期"]


def _rows(today: date):
    return [
        ["K100", "北欧风格纯棉四件套 简约条纹床上用品", "雾霾蓝", "100%新疆长绒棉", "1.8m床",
         "采用新疆长绒棉，60支高密度织造，亲肤柔软；活性印染不易褪色，可机洗。", 200, 230, 2,
         "60支长绒棉 亲肤柔软", "活性印染 不易褪色", "高密度织造 挺括有型", "隐形拉链 方便拆洗", "可机洗 易打理",
         (today - timedelta(days=1)).isoformat()],
        ["K200", "加厚珊瑚绒毛毯", "米白", "珊瑚绒", "150×200cm", "加厚保暖。", 200, 150, 1,
         "加厚保暖", "不掉毛", "", "", "", (today - timedelta(days=10)).isoformat()],
    ]


def _shoot(root, sku, n, seed=0):
    for i in range(n):
        save_jpeg(root / sku / f"IMG_{i:03d}.jpg", photo_array(1200, 900, seed + i),
                  time=datetime(2026, 11, 20, 9, 0, i))
    return root / sku


@pytest.fixture
def sheets(tmp_path):
    rows = [HEADER] + _rows(date.today())
    text = "\n".join(",".join(str(c) for c in r) for r in rows) + "\n"
    gbk = tmp_path / "sheet-gbk.csv"
    gbk.write_bytes(text.encode("gbk"))
    bom = tmp_path / "sheet-utf8.csv"
    bom.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    xlsx = tmp_path / "sheet.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append([c if not (isinstance(c, str) and c[:4].isdigit() and "-" in c) else date.fromisoformat(c)
                   for c in r])
    wb.save(xlsx)
    return [gbk, bom, xlsx]


def test_three_sheet_formats_give_byte_identical_heroes(tmp_path, sheets, run_cli):
    shoots = tmp_path / "shoots"
    _shoot(shoots, "K100", 6)
    heroes = []
    for k, sheet in enumerate(sheets):
        lib = tmp_path / f"lib{k}"
        code, out, err = run_cli("batch", shoots, "--library", lib, "--catalogue", sheet, "--workers", "0", "--json")
        assert code == 0, out + err
        heroes.append((lib / "K100" / "jpg" / "K100-01.jpg").read_bytes())
    assert heroes[0] == heroes[1] == heroes[2]
    hero = Image.open(tmp_path / "lib0" / "K100" / "jpg" / "K100-01.jpg")
    assert hero.width == 710 and hero.height > 710 * 900 / 1200 + 150  # the panel extends the canvas
    db = sqlite3.connect(tmp_path / "lib0" / "imgprep.sqlite")
    facts = json.loads(db.execute("SELECT facts FROM files WHERE path = 'K100/jpg/K100-01.jpg'").fetchone()[0])
    assert facts["panel"]["fields_missing"] == [] and facts["panel"]["missing_glyphs"] == []
    # Each detail carries its selling point, in order.
    texts = [json.loads(r[0])["callout"]["text"] for r in db.execute(
        "SELECT facts FROM files WHERE kind = 'jpg' AND path != 'K100/jpg/K100-01.jpg' ORDER BY path")]
    assert texts == _rows(date.today())[0][9:14]


def test_callouts_change_pixels_and_the_sidecar_overrides(tmp_path, sheets, run_cli):
    shoots = tmp_path / "shoots"
    _shoot(shoots, "K100", 3)
    (shoots / "K100" / "callouts.toml").write_text(
        '["IMG_002.jpg"]\ntext = "设计师改的卖点"\nanchor = [0.3, 0.4]\n', encoding="utf-8")
    run_cli("batch", shoots, "--library", tmp_path / "with", "--catalogue", sheets[0], "--workers", "0")
    run_cli("batch", shoots, "--library", tmp_path / "without", "--workers", "0")
    a = np.asarray(Image.open(tmp_path / "with" / "K100" / "jpg" / "K100-02.jpg"), int)
    b = np.asarray(Image.open(tmp_path / "without" / "K100" / "jpg" / "K100-02.jpg"), int)
    assert np.abs(a - b).mean() > 2  # the callout is drawn
    db = sqlite3.connect(tmp_path / "with" / "imgprep.sqlite")
    facts = {r[0]: json.loads(r[1]) for r in db.execute("SELECT path, facts FROM files WHERE kind = 'jpg'")}
    assert facts["K100/jpg/K100-02.jpg"]["callout"]["text"] == "60支长绒棉 亲肤柔软"
    assert facts["K100/jpg/K100-03.jpg"]["callout"]["text"] == "设计师改的卖点"


def test_unlisted_sku_renders_without_panel_and_is_reported(tmp_path, sheets, run_cli):
    shoots = tmp_path / "shoots"
    _shoot(shoots, "Z999", 2)
    code, out, _ = run_cli("batch", shoots, "--library", tmp_path / "lib", "--catalogue", sheets[1],
                           "--workers", "0", "--json")
    doc = json.loads(out)
    assert code == 0
    hero = next(i for i in doc["items"] if i["role"] == "hero")
    assert any("not in the product sheet" in n for n in hero["notes"])
    assert Image.open(tmp_path / "lib" / "Z999" / "jpg" / "Z999-01.jpg").size == (710, 532)
    code, out, _ = run_cli("check", tmp_path / "lib", "--sku", "Z999", "--json")
    rules = {p["rule"] for p in json.loads(out)["skus"][0]["problems"]}
    assert {"sheet", "details", "panel"} <= rules


def test_check_applies_the_rule_book_and_the_3_day_rule(tmp_path, sheets, run_cli):
    shoots = tmp_path / "shoots"
    _shoot(shoots, "K100", 6)
    _shoot(shoots, "K200", 4, seed=10)  # hero + 3 details
    bak = tmp_path / "bak"
    bak.mkdir()
    code, out, err = run_cli("batch", shoots, "--library", tmp_path / "lib", "--catalogue", sheets[2],
                             "--backup", bak, "--workers", "0")
    assert code == 0, out + err
    code, out, _ = run_cli("check", tmp_path / "lib", "--json")
    assert code == 1
    by = {s["sku"]: s for s in json.loads(out)["skus"]}
    assert by["K100"]["ok"] is True and by["K100"]["problems"] == []
    assert by["K100"]["days_left"] == 2  # arrived yesterday, 3-day rule
    k200 = by["K200"]
    assert k200["ok"] is False and k200["days_left"] == -7
    msgs = {p["rule"]: p["message"] for p in k200["problems"]}
    assert msgs["details"] == "3 of 5 selling-point pictures (2 missing)"
    assert "overdue by 7 day(s)" in msgs["3-day"]
    assert "callouts" in msgs  # the 3rd detail has no selling point in the sheet
    code, out, _ = run_cli("check", tmp_path / "lib", "--sku", "k100")
    assert code == 0 and "✓ K100" in out and "2 day(s) left" in out


def test_check_refuses_a_folder_that_is_not_a_library(tmp_path, run_cli):
    code, _, err = run_cli("check", tmp_path)
    assert code == 2 and "not an imgprep library" in err


def test_check_lists_the_backup_backlog_and_stalled_drop_files(tmp_path, run_cli):
    from imgprep.core.journal import Journal

    shoots = tmp_path / "shoots"
    _shoot(shoots, "K100", 2)
    code, _, _ = run_cli("batch", shoots, "--library", tmp_path / "lib", "--backup", tmp_path / "no-share",
                         "--workers", "0")
    assert code == 0
    half = tmp_path / "drop" / "K100" / "IMG_9.jpg"
    half.parent.mkdir(parents=True)
    half.write_bytes(b"\xff\xd8\xff partial")
    st = half.stat()
    with Journal(tmp_path / "lib") as j, j.tx():
        j.put_watch_file(str(half), st.st_size, st.st_mtime_ns, "stalled", sku="K100",
                         reason="stopped growing at 13 bytes")
    code, out, _ = run_cli("check", tmp_path / "lib", "--json")
    doc = json.loads(out)
    assert doc["backup"]["pending"] == 4  # 2 originals + 2 renditions wait for the share
    assert [e["path"] for e in doc["stalled"]] == [str(half)]
    code, out, _ = run_cli("check", tmp_path / "lib")
    assert "backup backlog: 4 file(s)" in out and "stalled" in out and "IMG_9.jpg" in out


def test_an_unlisted_sku_is_reported_once_not_once_per_frame(tmp_path, sheets, run_cli):
    shoots = tmp_path / "shoots"
    _shoot(shoots, "Z998", 4)
    code, out, _ = run_cli("batch", shoots, "--library", tmp_path / "lib", "--catalogue", sheets[0],
                           "--workers", "2", "--json")
    assert code == 0
    db = sqlite3.connect(tmp_path / "lib" / "imgprep.sqlite")
    n = db.execute("SELECT COUNT(*) FROM events WHERE kind = 'catalogue' AND sku = 'Z998'").fetchone()[0]
    assert n == 1


def test_the_apps_reads_see_an_empty_library_until_the_schema_arrives(tmp_path):
    from imgprep.app import services
    from imgprep.core.catalogue import Catalogue
    from imgprep.core.journal import MIGRATIONS, Journal
    from tests.helpers import journal_file_without_schema

    journal_file_without_schema(tmp_path)
    assert services.colour_trend(tmp_path) == []
    assert services.colour_fits(tmp_path, "A1") == []
    assert services.shoot_frames(tmp_path, "A1") == []
    assert services.recent_events(tmp_path) == []
    assert services.report_path(tmp_path, "A1") is None
    assert services.sheet_overview(Catalogue(source="sheet.csv"), tmp_path) == []
    assert services.list_shoots(tmp_path) == []  # this one upgrades it (the app opens the library)
    with Journal(tmp_path, readonly=True) as j:
        assert j.schema_version == len(MIGRATIONS)
