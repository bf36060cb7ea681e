"""Application entry point."""

from __future__ import annotations

import sys


def run_app(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from .window import MainWindow

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("imgprep")
    app.setOrganizationName("imgprep")
    win = MainWindow()
    win.show()
    return app.exec()
