"""Issue 16, problems 9 and 10: "open library in file manager" and "open HTML report" say
so when nothing on the machine opens them (and put the path on the clipboard), never
silently; Chinese status text uses full-width colons; counts never read "1 frames"."""

from __future__ import annotations

from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from imgprep.app import services


def test_nothing_to_open_with_is_said(qtbot, make_window, tmp_path, monkeypatch):
    opened = []
    fragments = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile())
                        or fragments.append(url.fragment()) or False)
    lib = tmp_path / "lib"
    lib.mkdir()
    w = make_window(lib)
    w.open_library()
    assert opened == [str(lib)]
    assert f"Nothing on this computer opens {lib}" in w.log.toPlainText()
    assert QApplication.clipboard().text() == str(lib)

    report = tmp_path / "colour-X.html"
    report.write_text("<html></html>", encoding="utf-8")
    monkeypatch.setattr(services, "report_path", lambda *_a: report)
    w.colour_view.sku = "X"
    w.colour_view.open_report()
    assert opened[-1] == str(report) and f"opens {report}" in w.log.toPlainText()
    assert fragments[-1] == "en"  # the report opens in the UI's language


def test_chinese_status_uses_a_full_width_colon_and_no_english_plurals(qtbot, make_window, tmp_path):
    from imgprep.gui.i18n import install_language

    install_language("zh_CN")
    w = make_window(tmp_path / "lib")
    w.notify(w.tr("Shoot finished"), "MUG-001", True)
    assert w.statusBar().currentMessage() == "拍摄处理完成：MUG-001"
    install_language("en")
    w.shoot_view.sku = "A1"
    w.shoot_view.reload()
    assert w.shoot_view.subtitle.text() == "frames: 0 · hero –"  # never "1 frames"


def test_backup_column_is_not_off_while_a_backup_is_set(qtbot, make_window, tmp_path, run_cli):
    from helpers import photo_array, save_jpeg

    from imgprep.gui.appstate import COLUMNS

    save_jpeg(tmp_path / "shoots" / "B1" / "IMG_1.jpg", photo_array(900, 700, 3))
    lib = tmp_path / "lib"
    run_cli("batch", tmp_path / "shoots", "--library", lib, "--workers", "0")
    w = make_window(lib, catalogue=False)
    m = w.state.model
    qtbot.waitUntil(lambda: m.rowCount() == 1)
    col = COLUMNS.index("backup")
    assert m.data(m.index(0, col)) == "off"
    (tmp_path / "backup").mkdir()
    w.settings.set("backup", str(tmp_path / "backup"))
    assert m.data(m.index(0, col)) == "not copied yet"


def test_model_names_and_rendition_roles_in_chinese(qtbot, make_window, tmp_path):
    from imgprep.gui.i18n import install_language

    install_language("zh_CN")
    try:
        w = make_window(tmp_path / "lib", catalogue=False)
        doc = {"summary": {"pass": True, "before": {"mean": 4.0, "max": 9.0, "median": 3.0, "p90": 7.0},
                           "after": {"mean": 0.5, "max": 1.2, "median": 0.4, "p90": 0.9}},
               "thresholds": {"mean": 3, "max": 6}, "model": "curve+root-polynomial", "worst5": [],
               "warnings": [], "warnings_zh": []}
        text = w.colour_view._verdict(doc)
        assert "色调曲线 + 根多项式" in text and "root-polynomial" not in text
        # a blend names its parts' shares (by the registry's names, as the report does)
        blend = dict(doc, model="blend", blend={"curve+matrix": 0.7, "curve+root-polynomial": 0.3})
        assert "混合 — curve+matrix 70 %, curve+root-polynomial 30 %" in w.colour_view._verdict(blend)
        from imgprep.core.presets import load_preset
        from imgprep.gui.settings import SettingsDialog

        d = SettingsDialog(w.state.settings, w)
        qtbot.addWidget(d)
        roles = [d.editor.table.item(i, 1).text() for i in range(d.editor.table.rowCount())]
        assert roles == [{"hero": "主图", "detail": "细节图"}[r] for x in load_preset(None).renditions
                         for r in x.roles]
    finally:
        install_language("en")


def test_a_second_window_on_the_same_library_says_so(qtbot, make_window, tmp_path, run_cli):
    from helpers import photo_array, save_jpeg

    save_jpeg(tmp_path / "shoots" / "TWO1" / "IMG_1.jpg", photo_array(900, 700, 5))
    lib = tmp_path / "lib"
    run_cli("batch", tmp_path / "shoots", "--library", lib, "--workers", "0")
    first = make_window(lib, catalogue=False)
    assert "Another imgprep window" not in first.log.toPlainText()
    second = make_window(lib, catalogue=False)
    import os
    import socket

    assert (f"Another imgprep window has this library open ({socket.gethostname()}, process {os.getpid()})"
            in second.log.toPlainText())
    first.close()
    third = make_window(lib, catalogue=False)  # the first one's lock is gone with it
    assert "Another imgprep window" not in third.log.toPlainText()


def test_a_long_batch_says_about_how_long_is_left(qtbot, make_window, tmp_path):
    w = make_window(tmp_path / "lib", catalogue=False)
    assert w.time_left(2, 100, 30) == ""  # too early to tell
    assert w.time_left(50, 100, 30) == "less than a minute left"
    assert w.time_left(10, 100, 60) == "about 9 min left"
    w.busy_bar.setVisible(True)
    w.state.engineEvent.emit({"event": "planned", "total": 40})
    w._planned_at -= 20  # 20 s ago
    w.state.engineEvent.emit({"event": "analysed", "done": 10, "total": 40, "source": "x", "sku": "A"})
    assert w.busy_bar.format() == "%v / %m · about 1 min left" and w.busy_bar.text() == "10 / 40 · about 1 min left"


def test_a_refused_folder_gets_a_row_with_its_reason(qtbot, make_window, tmp_path):
    from helpers import photo_array, save_jpeg

    from .conftest import process_and_wait

    folder = tmp_path / "card" / "新建文件夹"
    save_jpeg(folder / "IMG_1.jpg", photo_array(900, 700, 8))
    w = make_window(tmp_path / "lib", catalogue=False)
    process_and_wait(qtbot, w, [folder])
    m = w.state.model
    i = m.sku_row("新建文件夹")
    assert i >= 0 and m.data(m.index(i, 2)) == "1 failed"
    tip = m.data(m.index(i, 0), 3)  # the tooltip: the reason, with the advice
    assert "新建文件夹" in tip and "Rename the folder to the product's SKU" in tip


def _swatch_grid_pixels(qtbot, patch: int, doc: dict | None = None, **fields):
    """The swatch grid's pixels for a flat grey card whose patch ``patch`` (0-based) has
    ``fields`` set in the report, and the report ``doc``'s other keys."""
    import numpy as np

    from imgprep.gui.colour_view import SwatchGrid

    g = SwatchGrid()
    qtbot.addWidget(g)
    g.resize(600, 420)
    lab = [50.0, 0.0, 0.0]
    g.doc = {"thresholds": {"mean": 3, "max": 6}, "excluded": [],
             "patches": [{"index": i + 1, "reference_lab": lab, "before_lab": lab, "after_lab": lab,
                          "de2000_after": 1.0, "fit_weight": 1.0, "de2000_outside_srgb": 0.0,
                          **(fields if i == patch else {})} for i in range(24)],
             **(doc or {})}
    img = g.grab().toImage()
    return np.array([[img.pixel(x, y) for x in range(img.width())] for y in range(img.height())])


def test_the_swatch_grid_marks_a_patch_that_counts_for_less_in_the_fit(qtbot):
    """A patch near a limit (fit weight below 1) gets a dotted frame and its weight; the
    rest of the grid is drawn as before."""
    import numpy as np

    full, light = _swatch_grid_pixels(qtbot, 18), _swatch_grid_pixels(qtbot, 18, fit_weight=0.42)
    ys, xs = np.nonzero(full != light)
    assert len(ys) > 50  # the frame and the "×0.42" are drawn
    # only in patch 19's cell (row 4, column 1), the left sixth of the grid's lower rows
    assert xs.max() < full.shape[1] / 6 + 10 and ys.min() > full.shape[0] * 0.35


def test_the_swatch_grid_marks_a_patch_outside_srgb(qtbot):
    """Cyan's figure is measured from the nearest colour an sRGB file holds: the grid marks
    it with a star beside its number, in its own cell, and says so in the legend."""
    import numpy as np

    inside, outside = _swatch_grid_pixels(qtbot, 17), _swatch_grid_pixels(qtbot, 17, de2000_outside_srgb=3.46)
    ys, xs = np.nonzero(inside != outside)
    assert len(ys) > 5  # the star is drawn
    # only in cyan's cell (row 3, last column), the right sixth, middle rows
    assert xs.min() > inside.shape[1] * 5 / 6 - 10 and inside.shape[0] * 0.3 < ys.min() and ys.max() < inside.shape[0] * 0.8


def test_the_swatch_grid_marks_a_patch_in_the_fit_by_two_channels(qtbot):
    """A patch with a channel at 0 that the fit took by its other two: left out of the
    verdict like any excluded patch (no figure), but dotted and marked "2ch", in its own
    cell only; the legend says what that means."""
    import numpy as np

    excluded = {"excluded": [{"index": 2, "code": "gamut", "partial": False}]}
    left_out = _swatch_grid_pixels(qtbot, 1, excluded)
    two = _swatch_grid_pixels(qtbot, 1, {"excluded": [{"index": 2, "code": "gamut", "partial": True}],
                                         "partial": [2]})
    ys, xs = np.nonzero(left_out != two)
    assert len(ys) > 20
    # patch 2: first row, second column
    assert left_out.shape[1] / 6 - 10 < xs.min() and xs.max() < left_out.shape[1] * 2 / 6 + 10
    assert ys.max() < left_out.shape[0] * 0.3
    # the legend, in Chinese too (the grid's own words, looked up in the shipped .qm)
    from imgprep.gui.colour_view import SwatchGrid
    from imgprep.gui.i18n import install_language

    g = SwatchGrid()
    qtbot.addWidget(g)
    english = _legend_text(g)
    assert "2ch: a channel at 0" in english
    install_language("zh_CN")
    try:
        chinese = _legend_text(g)
    finally:
        install_language("en")
    assert "2ch：有通道为 0，仅以其余两个通道参与拟合" in chinese and chinese != english


def _legend_text(grid) -> str:
    """The legend the swatch grid paints, as it paints it (its tr() call's source)."""
    import inspect
    import re

    from imgprep.gui import colour_view

    src = inspect.getsource(colour_view.SwatchGrid.paintEvent)
    parts = re.search(r"legend = self\.tr\((.*?)\)\n", src, re.S).group(1)
    return grid.tr("".join(re.findall(r'"([^"]*)"', parts)))
