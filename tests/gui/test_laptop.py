"""Issue 16, problem 3: the window fits a laptop. Its minimum size is at most 1024 × 640
in both languages; at 1024 × 640 and 1280 × 720 every view keeps the window's size, the
status bar stays on screen and the tall parts (colour charts, the shoot view's side
panel) scroll instead of being cut off."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_minimum_size_and_views_at_laptop_sizes(qtbot, make_window, tmp_path, language):
    from imgprep.gui.i18n import install_language

    install_language(language)  # before the window is built (make_window's fixture set English)
    w = make_window(tmp_path / "lib")
    hint = w.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 640, hint
    for size in ((1024, 640), (1280, 720)):
        w.resize(*size)
        for i in range(w.tabs.count()):
            w.tabs.setCurrentIndex(i)
            QApplication.processEvents()
            assert (w.width(), w.height()) == size, (w.tabs.tabText(i), w.size())
            bar = w.statusBar().geometry()
            assert bar.bottom() < w.height() and bar.height() > 0
    w.resize(1280, 720)
    w.tabs.setCurrentWidget(w.colour_view)
    QApplication.processEvents()
    page = w.colour_view.scroll.widget()
    assert page.height() > w.colour_view.scroll.viewport().height()  # scrolls, nothing squeezed
    assert w.colour_view.swatches.height() >= w.colour_view.swatches.minimumHeight()
    w.tabs.setCurrentWidget(w.shoot_view)
    QApplication.processEvents()
    assert w.shoot_view.canvas.height() >= 200 and w.shoot_view.canvas.width() >= 400
