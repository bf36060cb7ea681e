"""The shoot view's 详情页 tab: the page preview with its slice boundaries, rebuilding,
and per-SKU section toggles kept in the library's SKU/page.toml."""

from __future__ import annotations

import json
import tomllib

from PySide6.QtCore import Qt

from imgprep.app import page as pages

from .conftest import SAMPLE, process_and_wait


def _sheet_with_sizes(tmp_path):
    """The sample sheet, with a size chart for the mug (尺码 and the template's columns)."""
    lines = (SAMPLE / "products.csv").read_text(encoding="utf-8").splitlines()
    lines[0] += ",衣长(cm),胸围,肩宽,袖长"
    lines[1] = lines[1].replace(",400 ml,", ",S/M/L,") + ",66/68/70,96/100/104,38/39/40,56/57/58"
    lines[2] += ",,,,"
    path = tmp_path / "sheet.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_page_tab_previews_rebuilds_and_keeps_section_toggles(qtbot, make_window, shoots, settings, tmp_path):
    w = make_window(tmp_path / "lib", catalogue=False)
    settings.set("catalogue", str(_sheet_with_sizes(tmp_path)))
    process_and_wait(qtbot, w, [shoots / "MUG-001"])
    w.show_shoot("MUG-001")
    v = w.shoot_view
    v.tabs.setCurrentWidget(v.page_view)
    pv = v.page_view
    assert pv.info is not None and pv.info.state == "missing"
    assert "size_chart" in pv.toggles and pv.toggles["size_chart"].isChecked()

    with qtbot.waitSignal(w.state.jobFinished, timeout=60000):
        qtbot.mouseClick(pv.rebuild_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: pv.image is not None, timeout=10000)
    assert pv.info.state == "current" and pv.info.cuts
    full = pv.image.height()
    assert pv.image.width() == 750 and full == pv.info.size[1]
    # Fit to width (a narrow window), then 1:1; the slice boundaries are drawn on the preview.
    pv.scroll.setFixedWidth(420)
    qtbot.waitUntil(lambda: pv.scroll.viewport().width() < 420, timeout=5000)
    pv.one_btn.setChecked(True)
    pv.fit_btn.setChecked(True)
    assert 300 < pv.preview.pixmap().width() <= pv.scroll.viewport().width()
    pv.one_btn.setChecked(True)
    shown = pv.preview.pixmap().toImage()
    assert (shown.width(), shown.height()) == (750, full)
    cut = pv.info.cuts[0]
    assert shown.pixelColor(5, cut).blue() > 150 and shown.pixelColor(5, cut).red() < 60
    assert pv.image.pixelColor(5, cut).red() > 240  # the page itself is white there

    # Hide the size chart: saved for this SKU and the page is built again without it.
    with qtbot.waitSignal(w.state.jobFinished, timeout=60000):
        pv.toggles["size_chart"].setChecked(False)
    qtbot.waitUntil(lambda: pv.image is not None and pv.image.height() < full, timeout=10000)
    lib = tmp_path / "lib"
    assert tomllib.loads((lib / "MUG-001" / pages.TOGGLES).read_text(encoding="utf-8"))["hidden"] == ["size_chart"]
    info = pages.page_info(lib, "MUG-001")
    assert info.state == "current" and "size_chart" in info.hidden
    assert info.path.name == "MUG-001-page-r2.jpg" and (lib / "MUG-001" / "superseded" / "MUG-001-page.jpg").is_file()
    import sqlite3

    db = sqlite3.connect(lib / "imgprep.sqlite")
    (facts,) = db.execute("SELECT facts FROM files WHERE kind = 'page'").fetchone()
    db.close()
    assert "size_chart" not in json.loads(facts)["sections"]
    # Shown again for another visit of the shoot: the choice is read back.
    w.show_shoot("MUG-001")
    assert not pv.toggles["size_chart"].isChecked() and pv.toggles["notes"].isChecked()
