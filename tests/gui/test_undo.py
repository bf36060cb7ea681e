"""Issue 16, acceptance 6: Ctrl+Z undoes a hero, a callout or a clicked card corner in
the shoot view (an undone edit is a new edit: new revision names, nothing overwritten);
switching renditions/originals keeps the selected frame (problem 11)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from imgprep.app import services

from .test_shoot_view import _click, mug  # noqa: F401 - the fixture


def _undo(qtbot, w):
    with qtbot.waitSignal(w.state.jobFinished, timeout=60000) as b:
        qtbot.keyClick(w.shoot_view.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    return b.args[1]


def test_undo_hero_and_callout(qtbot, mug, tmp_path):  # noqa: F811
    v, lib = mug.shoot_view, tmp_path / "lib"
    v.list.setCurrentRow(2)
    _click(qtbot, mug, v.hero_btn)
    assert services.shoot_frames(lib, "MUG-001")[2].role == "hero"
    _undo(qtbot, mug)
    frames = services.shoot_frames(lib, "MUG-001")
    assert frames[0].role == "hero" and frames[2].role == "detail"
    assert "Undo: Mark MUG-001-03 as hero" in mug.log.toPlainText()

    qtbot.waitUntil(lambda: v.frames and v.frames[1].role == "detail", timeout=5000)
    v.list.setCurrentRow(1)
    old = v.current().callout["text"]
    v.callout_text.setText("新的卖点")
    _click(qtbot, mug, v.save_callout_btn)
    assert services.shoot_frames(lib, "MUG-001")[1].callout["text"] == "新的卖点"
    _undo(qtbot, mug)
    assert services.shoot_frames(lib, "MUG-001")[1].callout["text"] == old


def test_undo_a_clicked_corner(qtbot, mug):  # noqa: F811
    v = mug.shoot_view
    v.corners_btn.setChecked(True)
    c = v.canvas
    qtbot.waitUntil(lambda: not c.image_rect().isNull(), timeout=10000)
    r = c.image_rect().toRect()
    for x, y in ((0.2, 0.2), (0.8, 0.2), (0.8, 0.8)):
        qtbot.mouseClick(c, Qt.MouseButton.LeftButton, pos=QPoint(r.x() + int(x * r.width()), r.y() + int(y * r.height())))
    assert len(c.corners) == 3
    qtbot.keyClick(c, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(c.corners) == 2 and "3" in c.message



def test_switching_renditions_and_originals_keeps_the_frame(qtbot, mug):  # noqa: F811
    v = mug.shoot_view
    v.list.setCurrentRow(3)
    v.show_orig.setChecked(True)
    assert v.list.currentRow() == 3
    v.show_rend.setChecked(True)
    assert v.list.currentRow() == 3


def test_thumbnail_size_slider(qtbot, mug):  # noqa: F811
    v = mug.shoot_view
    v.list.setCurrentRow(2)
    v.thumb_size.setValue(200)
    assert v.list.iconSize().width() == 200 and v.list.currentRow() == 2
    qtbot.waitUntil(lambda: v.list.item(0).icon().availableSizes()
                    and v.list.item(0).icon().availableSizes()[0].width() == 200, timeout=10000)


def test_typing_a_callout_previews_it_before_saving(qtbot, mug, tmp_path):  # noqa: F811
    """Issue 16, problem 7: the callout shows as it will be written while typing; nothing
    is written until saved."""
    import numpy as np

    v, lib = mug.shoot_view, tmp_path / "lib"
    v.list.setCurrentRow(1)
    qtbot.waitUntil(lambda: v.canvas.before is not None and not v.canvas.message, timeout=10000)
    shown = v.canvas.before.copy()
    files = sorted(p.name for p in (lib / "MUG-001" / "jpg").iterdir())
    qtbot.keyClicks(v.callout_text, " NEW 2")  # typed keys (ASCII: QTest cannot type hanzi)
    qtbot.waitUntil(lambda: "not saved" in v.canvas.message, timeout=15000)
    assert v.canvas.before.size() == shown.size() and v.canvas.before != shown
    assert sorted(p.name for p in (lib / "MUG-001" / "jpg").iterdir()) == files  # nothing written
    # what the preview shows is what saving writes
    arr = services.preview_callout(lib, "MUG-001", v.current().id, v.callout_text.text(), None,
                                   mug.state.settings.preset())
    _click(qtbot, mug, v.save_callout_btn)
    from PIL import Image

    written = np.asarray(Image.open(lib / services.shoot_frames(lib, "MUG-001")[1].renditions[0]).convert("RGB"))
    assert written.shape == arr.shape and np.abs(written.astype(int) - arr).mean() < 2  # JPEG's loss only
