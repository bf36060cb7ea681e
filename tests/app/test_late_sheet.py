"""Issue 16, problem 6: a product sheet that arrives after the photos. `check` says the
hero lacks its panel; one explicit action (services.render_again, the app's button)
stores the new rows and renders the shoots whose row changed: the hero gets its panel,
the details their selling points, under new revision names."""

from __future__ import annotations

import json
from datetime import datetime

from helpers import photo_array, save_jpeg
from PIL import Image

from imgprep.app import services
from imgprep.core.catalogue import load_catalogue
from imgprep.core.presets import load_preset

HEADER = "货号,商品名称,颜色,面料,尺码,商品说明,长,宽,高,卖点1,卖点2,卖点3,卖点4,卖点5\n"


def late_library(tmp_path, run_cli):
    """LATE1 processed with a sheet that does not list it; OTHER1 listed from the start."""
    shoots = tmp_path / "shoots"
    for sku, seed in (("LATE1", 100), ("OTHER1", 200)):
        for i in range(2):
            save_jpeg(shoots / sku / f"IMG_{i}.jpg", photo_array(900, 700, seed + i),
                      time=datetime(2026, 11, 20, 9, 0, i))
    sheet = tmp_path / "sheet.csv"
    other = "OTHER1,帆布包,米白,帆布,均码,说明,38,12,34,加厚帆布,,,,\n"
    sheet.write_text(HEADER + other, encoding="utf-8")
    lib = tmp_path / "lib"
    code, out, err = run_cli("batch", shoots, "--library", lib, "--catalogue", sheet, "--workers", "0")
    assert code == 0, out + err
    sheet.write_text(HEADER + other + "LATE1,鎏金囍字手镯,金色,黄铜,均码,说明,7,7,2,古法鎏金,,,,\n", encoding="utf-8")
    return lib, sheet


def _rules(run_cli, lib, sku):
    code, out, _ = run_cli("check", lib, "--sku", sku, "--json")
    return {p["rule"] for p in json.loads(out)["skus"][0]["problems"]}


def test_a_late_row_is_rendered_after_one_action(tmp_path, run_cli):
    lib, sheet = late_library(tmp_path, run_cli)
    assert {"panel", "sheet"} <= _rules(run_cli, lib, "LATE1")
    cat = load_catalogue(sheet)
    assert services.sheet_changes(lib, cat) == ["LATE1"]  # OTHER1's row is as rendered

    [res] = services.render_again(lib, cat, load_preset(None))
    assert res.sku == "LATE1" and not res.problems
    assert res.written == ["LATE1/jpg/LATE1-01-r2.jpg", "LATE1/jpg/LATE1-02-r2.jpg"]
    assert not {"panel", "sheet"} & _rules(run_cli, lib, "LATE1")
    hero = next(f for f in services.shoot_frames(lib, "LATE1") if f.role == "hero")
    assert hero.has_panel
    assert Image.open(lib / "LATE1" / "jpg" / "LATE1-01-r2.jpg").height > Image.open(
        lib / "LATE1" / "superseded" / "LATE1-01.jpg").height  # the panel extends the canvas
    detail = next(f for f in services.shoot_frames(lib, "LATE1") if f.role == "detail")
    assert detail.callout["text"] == "古法鎏金"
    assert services.sheet_changes(lib, cat) == []  # nothing left to apply


def test_render_again_of_one_shoot_uses_the_sheet_path(tmp_path, run_cli):
    lib, sheet = late_library(tmp_path, run_cli)
    [res] = services.render_again(lib, str(sheet), load_preset(None), ["late1"])
    assert res.sku == "LATE1" and len(res.written) == 2
    assert services.shoot_frames(lib, "LATE1")[0].has_panel
