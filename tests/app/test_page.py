"""`imgprep page` on a real library (issue 12): files, slices, HTML, journal, backup,
revisions, idempotence, and `check` on missing and stale pages."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from helpers import photo_array, save_jpeg, sha
from PIL import Image

from imgprep.core.page_template import load_template

HEADER = ("货号,商品名称,颜色,面料,尺码,商品说明,长(cm),宽(cm),高(cm),卖点1,卖点2,卖点3,卖点4,卖点5,卖点6,"
          "衣长(cm),胸围,肩宽,袖长,到货日期")
ROWS = [
    "T-100,女士春秋新款纯棉宽松长袖衬衫 韩版百搭休闲上衣外套（白色）,雾霾蓝,棉95%，氨纶5%,S/M/L/XL,"
    "采用新疆长绒棉面料，柔软亲肤、透气吸汗；立体剪裁修饰身形，宽松版型适合多种身材。,68,52.5,3,"
    "60支长绒棉 亲肤柔软,活性印染 不易褪色,高密度织造 挺括有型,隐形拉链 方便拆洗,可机洗 易打理,立体剪裁 修饰身形,"
    "66/68/70/72,96/100/104/108,38/39/40/41,56/57/58/59,2026-11-20",
    "M-200,北欧釉面陶瓷马克杯,雾霾蓝,高温陶瓷,400 ml,手工上釉，釉色温润。,12,8.5,10,"
    "手工釉面,加厚杯壁,人体工学把手,,,,,,,,2026-11-20",
]


def _hero(colour, w=900, h=700):
    """A product on a plain background: dimension lines find it."""
    im = Image.new("RGB", (w, h), (244, 244, 244))
    im.paste(colour, (w // 4, h // 5, 3 * w // 4, 4 * h // 5))
    return np.asarray(im)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A library with T-100 (hero + 6 details, a size chart in the sheet) and M-200 (hero +
    3 details, no size chart), backed up; built once, copied per test."""
    from imgprep.cli import main

    root = tmp_path_factory.mktemp("page")
    shoots = root / "shoots"
    for k, (sku, n) in enumerate((("T-100", 7), ("M-200", 4))):
        for i in range(n):
            arr = _hero((60, 100 + 50 * k, 160)) if i == 0 else photo_array(900, 640, 10 * k + i)
            save_jpeg(shoots / sku / f"IMG_{i:03d}.jpg", arr, time=datetime(2026, 11, 20, 9, 0, i))
    sheet = root / "sheet.csv"
    sheet.write_text(HEADER + "\n" + "\n".join(ROWS) + "\n", encoding="utf-8")
    (root / "backup").mkdir()
    assert main(["batch", str(shoots), "--library", str(root / "lib"), "--backup", str(root / "backup"),
                 "--catalogue", str(sheet), "--workers", "0"]) == 0
    return root


@pytest.fixture
def lib(pristine, tmp_path):
    for name in ("lib", "backup", "shoots"):
        shutil.copytree(pristine / name, tmp_path / name)
    # The journal names the backup and the sources by absolute path: point it at the copies
    # (a callout edit writes the shoot folder's sidecar).
    import sqlite3

    db = sqlite3.connect(tmp_path / "lib" / "imgprep.sqlite")
    db.execute("UPDATE backups SET root = ?", (str((tmp_path / "backup").resolve()),))
    db.execute("UPDATE sources SET source_path = replace(source_path, ?, ?)",
               (str(pristine / "shoots"), str(tmp_path / "shoots")))
    db.commit()
    db.close()
    return tmp_path / "lib"


def _page(run_cli, lib, *args):
    code, out, err = run_cli("page", lib, "--json", *args)
    return code, json.loads(out)


def _decoded(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_page_slices_and_html_for_a_shoot_with_a_size_chart(lib, run_cli):
    code, doc = _page(run_cli, lib, "--sku", "T-100")
    assert code == 0, doc
    (item,) = doc["items"]
    assert item["status"] == "built" and item["problems"] == []
    assert item["page"] == "T-100/page/T-100-page.jpg" and item["html"] == "T-100/page/T-100-page.html"
    t = load_template()
    page = Image.open(lib / item["page"])
    assert page.width == t.width == 750
    assert len(item["slices"]) >= 3
    for i, rel in enumerate(item["slices"], start=1):
        assert rel == f"T-100/page/T-100-page-{i:02d}.jpg"
        p = lib / rel
        with Image.open(p) as im:
            assert im.width == 750 and im.height <= t.max_height
        assert p.stat().st_size <= t.max_bytes
    # The HTML lists every slice, in order.
    html = (lib / item["html"]).read_text(encoding="utf-8")
    assert re.findall(r'src="([^"]+)"', html) == [Path(s).name for s in item["slices"]]
    # Stacked, the slices are the page, pixel for pixel.
    stacked = np.concatenate([_decoded(lib / s) for s in item["slices"]])
    assert np.array_equal(stacked, _decoded(lib / item["page"]))
    # Journaled, backed up and verified like a rendition.
    code, out, _ = run_cli("check", lib, "--sku", "T-100", "--json")
    problems = json.loads(out)["skus"][0]["problems"]
    assert not [p for p in problems if p["rule"] in ("page", "backup", "library")], problems
    backup = lib.parent / "backup"
    for rel in [item["page"], item["html"], *item["slices"]]:
        assert sha(backup / rel) == sha(lib / rel)


def test_gaps_are_reported_by_sku_the_page_is_built_and_check_lists_them(lib, run_cli):
    code, doc = _page(run_cli, lib, "--all")
    assert code == 0
    by = {i["sku"]: i for i in doc["items"]}
    assert by["T-100"]["status"] == by["M-200"]["status"] == "built"
    gaps = "\n".join(by["M-200"]["problems"])
    assert "M-200: 3 selling-point pictures, the template asks for 5" in gaps
    assert "M-200: the product sheet gives no sizes in column '尺码'" not in gaps  # 400 ml is one size
    assert "衣长、胸围、肩宽、袖长" in gaps
    assert (lib / by["M-200"]["page"]).is_file()
    _, out, _ = run_cli("check", lib, "--json")
    m200 = next(s for s in json.loads(out)["skus"] if s["sku"] == "M-200")
    assert any("the template asks for 5" in p["message"] for p in m200["problems"] if p["rule"] == "page")
    # A SKU that is not in the library fails alone; the others are built.
    code, doc = _page(run_cli, lib, "--sku", "NOPE", "T-100")
    assert code == 1
    assert [i["status"] for i in doc["items"]] == ["failed", "unchanged"]
    assert "NOPE: no such SKU" in doc["items"][0]["reason"]


def test_a_new_accent_colour_rebuilds_every_page_once(lib, run_cli, tmp_path):
    code, first = _page(run_cli, lib, "--all")
    template = tmp_path / "shop.toml"
    text = load_template().source.read_text(encoding="utf-8")
    template.write_text(text.replace('accent = "#A8312C"', 'accent = "#1F6FB2"'), encoding="utf-8")
    code, doc = _page(run_cli, lib, "--all", "--template", template)
    assert code == 0 and [i["status"] for i in doc["items"]] == ["built", "built"]
    for old, new in zip(first["items"], doc["items"], strict=True):
        assert new["page"] == f"{new['sku']}/page/{new['sku']}-page-r2.jpg"
        assert set(new["superseded"]) == {old["page"], old["html"], *old["slices"]}
        for rel in new["superseded"]:  # kept, out of the upload folder
            assert not (lib / rel).exists() and (lib / new["sku"] / "superseded" / Path(rel).name).is_file()
        def near(rel, rgb):
            a = _decoded(lib / rel).reshape(-1, 3).astype(int)
            return (np.abs(a - rgb).max(axis=1) <= 12).sum()

        blue, red = (0x1F, 0x6F, 0xB2), (0xA8, 0x31, 0x2C)
        was = lib / new["sku"] / "superseded" / Path(old["page"]).name
        assert near(was, red) > 500 and near(was, blue) < 20
        assert near(new["page"], blue) > 500 and near(new["page"], red) < 20  # a few photo pixels may be close
    # Idempotent: nothing changed, nothing is written.
    before = sorted(p.relative_to(lib) for p in lib.rglob("*") if "sqlite" not in p.name)
    code, again = _page(run_cli, lib, "--all")  # the library remembers the template
    assert [i["status"] for i in again["items"]] == ["unchanged", "unchanged"]
    assert sorted(p.relative_to(lib) for p in lib.rglob("*") if "sqlite" not in p.name) == before


def test_check_reports_a_missing_and_a_stale_page(lib, run_cli):
    from imgprep.app.services import save_callout, shoot_frames
    from imgprep.core.presets import load_preset

    def page_problems(sku):
        _, out, _ = run_cli("check", lib, "--sku", sku, "--json")
        return [p["message"] for p in json.loads(out)["skus"][0]["problems"] if p["rule"] == "page"]

    assert page_problems("T-100") == []  # a library without pages has no page rule
    _page(run_cli, lib, "--sku", "M-200")
    assert page_problems("T-100") == ["no description page yet (run imgprep page)"]
    _page(run_cli, lib, "--sku", "T-100")
    assert page_problems("T-100") == []
    # A designer edits a callout: the detail is rendered again, the page is stale.
    detail = next(f for f in shoot_frames(lib, "T-100") if f.role == "detail")
    save_callout(lib, "T-100", detail.id, "新的卖点文字", None, load_preset(None))
    assert (lib.parent / "shoots" / "T-100" / "callouts.toml").is_file()  # this test's copy of the shoot
    (stale,) = page_problems("T-100")
    assert stale == ("T-100/page/T-100-page.jpg is out of date: the photos or callouts changed since it was built "
                     "(run imgprep page)")
    code, doc = _page(run_cli, lib, "--sku", "T-100")
    assert doc["items"][0]["status"] == "built" and page_problems("T-100") == []
    # Hiding a section (the app's toggle) makes the page stale too, and the rebuild leaves it out.
    from imgprep.app.page import save_toggles

    save_toggles(lib, "T-100", {"size_chart"})
    assert "the section toggles changed" in page_problems("T-100")[0]
    code, doc = _page(run_cli, lib, "--sku", "T-100")
    facts = _page_facts(lib, "T-100")
    assert "size_chart" not in facts["sections"] and "selling_points" in facts["sections"]


def _page_facts(lib, sku):
    import sqlite3

    db = sqlite3.connect(lib / "imgprep.sqlite")
    (facts,) = db.execute("SELECT facts FROM files WHERE kind = 'page' AND path LIKE ?", (f"{sku}/%",)).fetchone()
    db.close()
    return json.loads(facts)


def test_a_changed_sheet_row_makes_the_page_stale(lib, run_cli):
    from imgprep.core.journal import Journal

    _page(run_cli, lib, "--all")
    with Journal(lib) as j:  # as a batch with a newer product sheet stores it
        data = j.product("T-100")
        data["row"] = 7  # only moved in the sheet: still current
        j.put_product("T-100", data, "sheet.csv")
    _, out, _ = run_cli("check", lib, "--sku", "T-100", "--json")
    assert not [p for p in json.loads(out)["skus"][0]["problems"] if p["rule"] == "page"]
    with Journal(lib) as j:
        data["name"] = "女士纯棉衬衫 新款"
        j.put_product("T-100", data, "sheet.csv")
    _, out, _ = run_cli("check", lib, "--sku", "T-100", "--json")
    (p,) = [p for p in json.loads(out)["skus"][0]["problems"] if p["rule"] == "page"]
    assert "the product sheet changed" in p["message"]
    code, doc = _page(run_cli, lib, "--all")
    assert {i["sku"]: i["status"] for i in doc["items"]} == {"T-100": "built", "M-200": "unchanged"}
