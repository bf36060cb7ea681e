"""Issue 16, acceptance 5: four clicked corners on a card the detector refuses give a fit
with its figures and a warning; the designer accepts it for the shoot."""

from __future__ import annotations

from imgprep.app import services

from .test_shoot_view import _click, card_shoot, click_corners


def test_corners_the_detector_refuses_give_a_fit_to_accept(qtbot, make_window, tmp_path, monkeypatch):
    from imgprep.core.colour import detect

    w, scene = card_shoot(qtbot, make_window, tmp_path, "GREEN-1", angle=0)
    monkeypatch.setattr(detect, "_accept", lambda *a: (None, "the detector's refusal", 0))
    v = w.shoot_view
    click_corners(qtbot, v, scene)
    doc = _click(qtbot, w, v.fit_btn)
    assert doc["card"]["found"] and "fit_id" in doc
    assert "do not confirm a card" in v.fit_label.text() and "ΔE2000" in v.fit_label.text()
    assert v.apply_fit_btn.isEnabled()  # the designer's decision
    _click(qtbot, w, v.apply_fit_btn)
    assert services.colour_fits(tmp_path / "lib", "GREEN-1")[-1]["id"] == doc["fit_id"]


def test_the_split_shows_the_correction_the_frame_got(qtbot, make_window, tmp_path):
    """Issue 16, problem 4: the before/after split uses the fit the frame was rendered with
    (none for a frame shot before the card), not the shoot's latest fit."""
    w, scene = card_shoot(qtbot, make_window, tmp_path, "SPLIT-1", angle=0, product_first=True)
    v = w.shoot_view
    card = next(f for f in v.frames if f.kind == "card")
    before = next(f for f in v.frames if f.kind == "product")
    assert before.fit_id is None  # shot before the card
    assert v.fits and v.fits[-1]["card_source_id"] == card.id
    v.list.setCurrentRow(v.frames.index(card))
    v.split_box.setChecked(True)
    qtbot.waitUntil(lambda: v.canvas.after is not None, timeout=10000)  # its own fit
    v.list.setCurrentRow(v.frames.index(before))
    qtbot.waitUntil(lambda: "not colour corrected" in v.canvas.message, timeout=10000)
    assert v.canvas.after is None


def _lightness(img) -> tuple[float, int]:
    """A QImage's mean grey value on a 12 x 12 grid, and how many different values."""
    pts = [img.pixelColor(int((i + 0.5) * img.width() / 12), int((j + 0.5) * img.height() / 12)).lightness()
           for i in range(12) for j in range(12)]
    return sum(pts) / len(pts), len(set(pts))


def test_a_frame_of_12_bits_in_16_is_shown_brightened_and_corrected_from_its_16_bits(qtbot, make_window, tmp_path):
    """A machine-vision camera's frame (12 linear bits unscaled in a 16-bit PNG) is nearly
    black as it is (its 8-bit image: 16 levels): the app shows it as the card search sees
    it, says so, and the split's "after" is the fit applied to the frame's own 16 bits.
    Measured: mean grey 138 before (the scene as an 8-bit JPEG: 132), 171 after."""
    w, _ = card_shoot(qtbot, make_window, tmp_path, "DEEP-1", angle=0, deep12=True)
    v = w.shoot_view
    card = next(f for f in v.frames if f.kind == "card")  # found by the brightened search
    v.list.setCurrentRow(v.frames.index(card))
    v.split_box.setChecked(True)
    qtbot.waitUntil(lambda: v.canvas.after is not None, timeout=10000)
    assert "16-bit range" in v.canvas.message and "brighter" in v.canvas.message
    (before, n_before), (after, n_after) = _lightness(v.canvas.before), _lightness(v.canvas.after)
    assert 110 < before < 170 and 140 < after < 200, (before, after)
    assert n_before > 30 and n_after > 30, (n_before, n_after)  # not the 8-bit image's 16 levels
