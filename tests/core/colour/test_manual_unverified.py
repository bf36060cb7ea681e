"""Issue 16, problem 5: four corners a person clicked on a card whose colours the
verification does not confirm (a strong cast, an unusual print) give a fit with its
figures and a warning — for the person to accept or retry — instead of a refusal; a
plain photo still refuses."""

from __future__ import annotations

import numpy as np

from imgprep.app.colour_service import analyse_array
from imgprep.core.colour import detect
from imgprep.core.colour.detect import detect_card

from .scenes import CASTS, make_scene, product_photo


def test_clicked_corners_the_colours_do_not_confirm_still_give_a_fit(monkeypatch):
    s = make_scene(angle=0, cast=CASTS[1], seed=4)
    monkeypatch.setattr(detect, "_accept", lambda *a: (None, "the detector's refusal", 0))
    det = detect_card(s.rgb, corners=s.corners)
    assert det.found and det.method == "manual-unverified"
    assert np.allclose(det.corners, s.corners)
    doc, fit = analyse_array(s.rgb, "card.jpg", corners=s.corners)
    assert fit is not None and doc["card"]["found"]
    assert doc["warnings"][0].startswith("the patch colours do not confirm a card")
    assert doc["warnings_zh"][0].startswith("所点位置的色块颜色无法确认是色卡")
    assert doc["summary"]["after"]["mean"] < doc["summary"]["before"]["mean"]  # the figures are there


def test_clicks_on_a_plain_photo_are_still_refused(monkeypatch):
    rgb = product_photo(600, 800)
    monkeypatch.setattr(detect, "_accept", lambda *a: (None, "the detector's refusal", 0))
    det = detect_card(rgb, corners=[[100, 100], [500, 100], [500, 380], [100, 380]])
    assert not det.found and det.reason == "the detector's refusal"
