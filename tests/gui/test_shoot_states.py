"""Issue 16, problems 1 and 2 in the app: a shoot with failures, a cancelled shoot and a
shoot short of detail pictures each show their own non-green state, with the reasons a
click away (the shoot view's status line); a frame whose text lost a character no font
has is marked, in both languages."""

from __future__ import annotations

from imgprep.core import fonts
from tests.app.test_shoot_states import run_cancelled, shoot


def test_states_reasons_and_glyph_warnings(qtbot, make_window, tmp_path, run_cli, monkeypatch):
    from imgprep.gui.appstate import STATE_COLOURS
    from imgprep.gui.i18n import install_language

    monkeypatch.setattr(fonts, "font_chain", lambda weight="regular": (fonts.font_path(weight),))
    shoots, lib = tmp_path / "shoots", tmp_path / "lib"
    fail = shoot(shoots, "FAIL1", 1)
    (fail / "IMG_91.jpg").write_bytes(b"not a photo" * 50)
    shoot(shoots, "FEW1", 2)
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("货号,商品名称,卖点1\nFEW1,🎁礼盒装 囍字杯,🎁 送礼首选\nFAIL1,杯子,甲\n", encoding="utf-8")
    run_cli("batch", shoots, "--library", lib, "--catalogue", sheet, "--workers", "0")
    run_cancelled(lib, shoot(tmp_path / "more", "CAN1", 4))

    w = make_window(lib, catalogue=False)
    m = w.state.model
    qtbot.waitUntil(lambda: m.rowCount() == 3, timeout=10000)
    texts, colours = {}, {}
    for sku in ("FAIL1", "CAN1", "FEW1"):
        i = m.sku_row(sku)
        texts[sku] = m.data(m.index(i, 2))
        colours[sku] = m.data(m.index(i, 2), role=9).color().name()  # ForegroundRole
        assert m.data(m.index(i, 0), role=3)  # ToolTipRole: the reasons
    assert texts["FAIL1"] == "1 failed" and texts["FEW1"] == "needs attention"
    assert texts["CAN1"].startswith("cancelled: ") and texts["CAN1"].endswith(" of 4")
    assert len(set(colours.values())) == 3 and STATE_COLOURS["done"].name() not in colours.values()

    v = w.shoot_view
    w.show_shoot("FEW1")
    assert v.status.isVisibleTo(w) and "needs attention" in v.status.text()
    assert "1 of 5 selling-point pictures" in v.status.text() and "🎁" in v.status.text()
    hero, detail = v.frames[0], v.frames[1]
    assert hero.warnings and detail.warnings
    assert v.list.item(0).text().endswith("⚠") and "no font can draw 🎁" in v.list.item(0).toolTip()
    v.list.setCurrentRow(0)
    assert "no font can draw 🎁" in v.info.text()
    install_language("zh_CN")
    try:
        v._update_side()
        assert "没有字体能显示 🎁" in v.info.text()
    finally:
        install_language("en")
    w.show_shoot("FAIL1")
    assert "IMG_91.jpg failed" in v.status.text()
    # the same shoot processed again: "processing" in the running batch's colour, not its
    # last state's (amber text saying "processing" read as a problem)
    i = m.sku_row("FEW1")
    m.start({"FEW1": 2})
    assert m.data(m.index(i, 2)) == "processing"
    assert m.data(m.index(i, 2), role=9).color().name() == STATE_COLOURS["processing"].name() != colours["FEW1"]
    m.finish({"FEW1": 2})
    assert m.data(m.index(i, 2), role=9).color().name() == colours["FEW1"]
