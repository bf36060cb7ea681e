"""Issue 16, problem 12: a drop is always a copy. A file manager proposing a move (Shift,
or its default between disks) gets a copy; a source offering only a move is refused."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent

MOVE, COPY = Qt.DropAction.MoveAction, Qt.DropAction.CopyAction


def _events(paths, actions, modifiers):
    """The events of one drag; the caller keeps the returned mime data alive (the events
    only point at it)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (QPointF(20, 20), actions, mime, Qt.MouseButton.LeftButton, modifiers)
    return mime, QDragEnterEvent(*args), QDragMoveEvent(*args), QDropEvent(*args)


def test_a_proposed_move_is_turned_into_a_copy(qtbot, make_window, shoots, tmp_path, monkeypatch):
    w = make_window(tmp_path / "lib")
    taken = []
    monkeypatch.setattr(w, "process", lambda paths: taken.append(paths))
    mime, enter, move, drop = _events([shoots / "MUG-001"], MOVE | COPY, Qt.KeyboardModifier.ShiftModifier)
    assert enter.proposedAction() == MOVE  # what the source asks for
    for handler, e in ((w.dragEnterEvent, enter), (w.dragMoveEvent, move), (w.dropEvent, drop)):
        handler(e)
        assert e.isAccepted() and e.dropAction() == COPY
    assert taken == [[shoots / "MUG-001"]]
    assert (shoots / "MUG-001" / "DSC_0101.jpg").is_file()


def test_a_move_only_drop_is_refused(qtbot, make_window, shoots, tmp_path, monkeypatch):
    w = make_window(tmp_path / "lib")
    taken = []
    monkeypatch.setattr(w, "process", lambda paths: taken.append(paths))
    mime, enter, _move, drop = _events([shoots / "MUG-001"], MOVE, Qt.KeyboardModifier.NoModifier)
    w.dragEnterEvent(enter)
    assert not enter.isAccepted()
    w.dropEvent(drop)
    assert not drop.isAccepted() and taken == []
