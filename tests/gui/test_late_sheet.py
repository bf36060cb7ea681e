"""Issue 16, problem 6 in the app: after a late sheet is loaded, the product-sheet view
offers to render the shoots whose row changed, and the shoot view renders its shoot again."""

from __future__ import annotations

from PySide6.QtCore import Qt

from imgprep.app import services
from tests.app.test_late_sheet import late_library


def test_sheet_view_renders_changed_shoots_and_shoot_view_renders_again(qtbot, make_window, tmp_path, run_cli):
    lib, sheet = late_library(tmp_path, run_cli)
    w = make_window(lib, catalogue=False)
    w.settings.set("catalogue", str(sheet))
    v = w.sheet_view
    w.tabs.setCurrentWidget(v)
    v.reload()
    assert v.again_btn.isVisible() and "LATE1" in v.again_btn.text() and "OTHER1" not in v.again_btn.text()
    with qtbot.waitSignal(w.state.jobFinished, timeout=60000):
        qtbot.mouseClick(v.again_btn, Qt.MouseButton.LeftButton)
    assert services.shoot_frames(lib, "LATE1")[0].has_panel
    qtbot.waitUntil(lambda: not v.again_btn.isVisible(), timeout=5000)

    w.show_shoot("OTHER1")
    s = w.shoot_view
    before = s.frames[0].renditions
    with qtbot.waitSignal(w.state.jobFinished, timeout=60000):
        qtbot.mouseClick(s.again_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: s.frames and s.frames[0].renditions != before, timeout=5000)
    assert s.frames[0].renditions == ["OTHER1/jpg/OTHER1-01-r2.jpg"]
