"""Application entry point."""

from __future__ import annotations

import sys


def make_app(argv: list[str] | None = None):  # noqa: ANN201
    from PySide6.QtWidgets import QApplication

    from .appstate import AppSettings
    from .i18n import app_font, install_language

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("imgprep")
    app.setOrganizationName("imgprep")
    app.setApplicationDisplayName("imgprep")
    app.setFont(app_font(10))
    install_language(AppSettings().language)
    return app


def run_app(argv: list[str] | None = None) -> int:
    from .window import MainWindow, app_icon

    app = make_app(argv)
    app.setWindowIcon(app_icon())
    win = MainWindow()
    win.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(run_app())
