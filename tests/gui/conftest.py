"""GUI test fixtures: isolated QSettings (an INI file in tmp), a window over a fresh
library, the bundled sample shoot copied to tmp, and a drop helper."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "sample"


@pytest.fixture(autouse=True)
def _collect_on_gui_thread(qapp):
    """The app collects cycles on the GUI thread only (``gui.gcguard``). After each test
    the garbage is collected here, on the GUI thread, and the interpreter takes over
    again: tests outside tests/gui run no event loop to drive the timer."""
    from imgprep.gui import gcguard

    yield
    gcguard.uninstall()


@pytest.fixture
def settings(tmp_path):
    from imgprep.gui.appstate import AppSettings

    qs = QSettings(str(tmp_path / "settings" / "imgprep.ini"), QSettings.Format.IniFormat)
    s = AppSettings(qs)
    s.set("workers", 1)
    yield s


@pytest.fixture
def shoots(tmp_path) -> Path:
    dst = tmp_path / "drop"
    shutil.copytree(SAMPLE / "shoots", dst)
    return dst


@pytest.fixture
def make_window(qtbot, settings):
    from imgprep.gui.appstate import AppState
    from imgprep.gui.i18n import install_language
    from imgprep.gui.window import MainWindow

    install_language("en")
    made = []

    def make(library: Path | None = None, catalogue: bool = True) -> MainWindow:
        if library is not None:
            settings.set("library", str(library))
        if catalogue:
            settings.set("catalogue", str(SAMPLE / "products.csv"))
        w = MainWindow(AppState(settings))
        w.tray = None  # no desktop notifications from tests
        w.confirm_quit = False
        qtbot.addWidget(w)
        w.show()
        made.append(w)
        return w

    yield make
    for w in made:
        w.state.cancel_all()
        w.state.shutdown()
    install_language("en")


def drop(widget, paths: list[Path]) -> None:
    """Drag and drop local paths onto ``widget`` the way a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPoint(widget.width() // 2, widget.height() // 2)
    enter = QDragEnterEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    widget.dragEnterEvent(enter)
    assert enter.isAccepted()
    ev = QDropEvent(QPointF(pos), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                    Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(ev)


def process_and_wait(qtbot, w, paths: list[Path], timeout: int = 60000) -> dict:
    """Drop ``paths`` on the window and wait for the job's result. A job that does not
    finish fails with what the window's log said by then (a bare timeout says nothing
    of where the batch stood)."""
    from pytestqt.exceptions import TimeoutError as QtTimeout

    try:
        with qtbot.waitSignal(w.state.jobFinished, timeout=timeout) as blocker:
            drop(w, paths)
    except QtTimeout as e:
        log = w.log.toPlainText()[-3000:]
        raise AssertionError(f"{e}; jobs {sorted(w.state.jobs)}, log:\n{log}") from e
    return blocker.args[1]
