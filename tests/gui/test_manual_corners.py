"""Issue 16, acceptance 5: four clicked corners on a card the detector refuses give a fit
with its figures and a warning; the designer accepts it for the shoot."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from imgprep.app import services

from .test_shoot_view import _click


def test_corners_the_detector_refuses_give_a_fit_to_accept(qtbot, make_window, tmp_path, monkeypatch):
    from PIL import Image

    from imgprep.core.colour import detect
    from tests.core.colour.scenes import CASTS, make_scene

    from .conftest import process_and_wait

    if not services.colour_available():
        import pytest

        pytest.skip("colour support not installed")
    scene = make_scene(size=(1500, 1000), angle=0, cast=CASTS[1], seed=5)
    src = tmp_path / "in" / "GREEN-1"
    src.mkdir(parents=True)
    Image.fromarray(scene.rgb).save(src / "IMG_0001.jpg", quality=92)
    w = make_window(tmp_path / "lib", catalogue=False)
    process_and_wait(qtbot, w, [src])
    monkeypatch.setattr(detect, "_accept", lambda *a: (None, "the detector's refusal"))
    w.show_shoot("GREEN-1")
    v = w.shoot_view
    v.list.setCurrentRow(0)
    v.corners_btn.setChecked(True)
    qtbot.waitUntil(lambda: not v.canvas.image_rect().isNull(), timeout=10000)
    r = v.canvas.image_rect()
    h, wd = scene.rgb.shape[:2]
    for x, y in scene.corners:
        qtbot.mouseClick(v.canvas, Qt.MouseButton.LeftButton,
                         pos=QPoint(round(r.x() + x / (wd - 1) * r.width()), round(r.y() + y / (h - 1) * r.height())))
    doc = _click(qtbot, w, v.fit_btn)
    assert doc["card"]["found"] and "fit_id" in doc
    assert "do not confirm a card" in v.fit_label.text() and "ΔE2000" in v.fit_label.text()
    assert v.apply_fit_btn.isEnabled()  # the designer's decision
    _click(qtbot, w, v.apply_fit_btn)
    assert services.colour_fits(tmp_path / "lib", "GREEN-1")[-1]["id"] == doc["fit_id"]
