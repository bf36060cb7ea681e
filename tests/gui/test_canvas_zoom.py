"""Issue 16, problem 11 / acceptance 6: the shoot view's preview zooms with the wheel
around the pointer, shows 1:1 with "1", fits with "0", pans, and picked positions stay
fractions of the image at any zoom."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent


@pytest.fixture
def canvas(qtbot):
    from imgprep.gui.canvas import ImageCanvas

    c = ImageCanvas()
    qtbot.addWidget(c)
    c.resize(616, 416)  # fits an 1200 × 800 image at 0.5
    c.show()
    img = QImage(1200, 800, QImage.Format.Format_RGB32)
    img.fill(Qt.GlobalColor.gray)
    c.set_image(img)
    return c


def _wheel(c, at: QPointF, clicks: int) -> None:
    ev = QWheelEvent(at, c.mapToGlobal(at), QPoint(), QPoint(0, 120 * clicks), Qt.MouseButton.NoButton,
                     Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    c.wheelEvent(ev)


def test_wheel_zooms_around_the_pointer_and_keys_give_1_to_1_and_fit(qtbot, canvas):
    c = canvas
    assert c.image_rect().width() == pytest.approx(600)
    at = QPointF(200, 150)
    before = c.to_frac(at)
    _wheel(c, at, 2)
    assert c.zoom == pytest.approx(1.5625) and c.image_rect().width() == pytest.approx(937.5)
    assert c.to_frac(at) == pytest.approx(before, abs=1e-6)  # the point under the pointer stays
    qtbot.keyClick(c, Qt.Key.Key_1)
    assert c.image_rect().width() == pytest.approx(1200)  # one image pixel per screen pixel
    qtbot.keyClick(c, Qt.Key.Key_0)
    assert c.zoom == 1 and c.image_rect().width() == pytest.approx(600)
    _wheel(c, at, -3)
    assert c.zoom == 1  # never smaller than the whole picture


def test_panning_stays_inside_the_image_and_corners_are_fractions(qtbot, canvas):
    c = canvas
    c.one_to_one()
    qtbot.mousePress(c, Qt.MouseButton.RightButton, pos=QPoint(300, 200))
    qtbot.mouseMove(c, QPoint(2000, 2000))
    qtbot.mouseRelease(c, Qt.MouseButton.RightButton, pos=QPoint(2000, 2000))
    r = c.image_rect()
    assert r.left() == pytest.approx(0, abs=1) and r.top() == pytest.approx(0, abs=1)  # at the top-left edge
    c.set_mode("corners")
    qtbot.mouseClick(c, Qt.MouseButton.LeftButton, pos=QPoint(120, 80))
    assert c.corners == [pytest.approx((0.1, 0.1), abs=2e-3)]  # 120/1200, 80/800 of the image
