"""The listing tab (issue 13): reorder the main images, brush a correction of the
white-background image, export; the order and the strokes persist."""

from __future__ import annotations

import contextlib
import io
from datetime import datetime

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from imgprep.app.export import read_choices
from imgprep.cli import main


def _library(tmp_path):
    from core.imaging.studio import studio_shot
    from helpers import save_jpeg

    shoots = tmp_path / "shoots"
    for i in range(4):
        save_jpeg(shoots / "L1" / f"IMG_{i:03d}.jpg", studio_shot("white", 900, 700, seed=i)[0], quality=92,
                  time=datetime(2026, 11, 20, 9, 0, i))
    lib = tmp_path / "lib"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["batch", str(shoots), "--library", str(lib), "--workers", "0", "--json"]) == 0
    return lib


def _at(canvas, fx: float, fy: float) -> QPoint:
    """Widget position of a point given as fractions of the frame's width."""
    r = canvas.image_rect()
    return QPoint(round(r.x() + fx * r.width()), round(r.y() + fy * r.width()))


def test_reorder_brush_export_and_it_all_persists(qtbot, settings, tmp_path):
    from imgprep.gui.appstate import AppState

    lib = _library(tmp_path)
    settings.set("library", str(lib))
    state = AppState(settings)
    try:
        _walk(qtbot, state, lib, tmp_path)
    finally:
        state.shutdown()


def _walk(qtbot, state, lib, tmp_path):
    from imgprep.gui.listing_view import ListingView

    view = ListingView(state)
    qtbot.addWidget(view)
    view.resize(1100, 720)
    view.show()
    view.show_sku("L1")
    assert view.order() == ["L1-01", "L1-02", "L1-03", "L1-04"]
    assert "main 1" in view.list.item(0).text()      # taobao: four photos, then the white image
    view.move(3, 0)                                    # drag the last photo to the front
    assert view.order() == ["L1-04", "L1-01", "L1-02", "L1-03"]
    assert read_choices(lib, "L1").order == view.order()

    # the white image is cut from the first photo: paint out the mug's handle
    qtbot.waitUntil(lambda: view.canvas.image is not None, timeout=20000)
    qtbot.waitUntil(lambda: view.preview.pixmap() is not None and not view.preview.pixmap().isNull(), timeout=30000)
    assert view.remove.isChecked()
    view.size.setValue(30)
    c = view.canvas
    QTest.mousePress(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _at(c, 0.66, 0.22))
    for k in range(1, 11):
        QTest.mouseMove(c, _at(c, 0.66, 0.22 + k * 0.016))
    QTest.mouseRelease(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _at(c, 0.66, 0.38))
    saved = read_choices(lib, "L1").strokes["L1-04"]
    assert len(saved) >= 10 and {s[0] for s in saved} == {"remove"}
    # Ctrl+Z takes the whole stroke back; paint it again
    QTest.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert read_choices(lib, "L1").strokes.get("L1-04", []) == []
    QTest.mousePress(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _at(c, 0.66, 0.22))
    for k in range(1, 11):
        QTest.mouseMove(c, _at(c, 0.66, 0.22 + k * 0.016))
    QTest.mouseRelease(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, _at(c, 0.66, 0.38))
    strokes = read_choices(lib, "L1").strokes["L1-04"]
    assert len(strokes) >= 10

    with qtbot.waitSignal(view.exported, timeout=120000) as blocker:
        view.export_to(tmp_path / "out")
    item = blocker.args[0]["items"][0]
    assert item["main_from"] == ["L1-04", "L1-01", "L1-02", "L1-03", "白底图.jpg"]
    assert item["white_from"] == "L1-04"
    assert (tmp_path / "out" / "L1" / "白底图.jpg").is_file()

    # a new tab (another day, another station) finds the same order and strokes
    again = ListingView(state)
    qtbot.addWidget(again)
    again.show_sku("L1")            # a hidden tab only remembers the shoot …
    assert again.order() == []
    again.show()                    # … and shows it when the designer opens the tab
    assert again.order() == ["L1-04", "L1-01", "L1-02", "L1-03"]
    qtbot.waitUntil(lambda: again.canvas.image is not None, timeout=20000)
    assert again.canvas.strokes == strokes
    view.bg.wait()
    again.bg.wait()
