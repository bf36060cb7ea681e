"""Opening local files and folders with what the system has for them. A module of its own
so that the views can use it without importing the main window (which imports the views)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication

from .appstate import AppState


def open_local(target: Path, state: AppState, fragment: str = "") -> bool:
    """Open a local file or folder with what the system has for it (``fragment``: the
    URL's #part). When nothing handles it (no file manager, no browser), the log says so
    and the path goes to the clipboard, never a silent no-op."""
    url = QUrl.fromLocalFile(str(target))
    if fragment:
        url.setFragment(fragment)
    if QDesktopServices.openUrl(url):
        return True
    QApplication.clipboard().setText(str(target))
    state.message.emit("error", QApplication.translate(
        "MainWindow", "Nothing on this computer opens {0}: its path is on the clipboard").format(target))
    return False


def open_in_file_manager(path: Path, state: AppState) -> bool:
    """Show a file's folder (or a folder) in the system file manager."""
    path = Path(path)
    return open_local(path if path.is_dir() else path.parent, state)
