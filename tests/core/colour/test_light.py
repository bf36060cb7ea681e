"""The light across a card (imgprep.core.colour.light): measured from the fit, evened out
of the patches before it, reported, and left alone where there is none to measure."""

import numpy as np
import pytest

from imgprep.app.colour_service import analyse_detection
from imgprep.core.colour.delta_e import delta_e_2000, linear_to_lab
from imgprep.core.colour.detect import CardDetection
from imgprep.core.colour.light import MIN_PATCHES, evened, light_field
from imgprep.core.colour.models import fit, leave_one_out
from imgprep.core.colour.reference import get_card

CARD = get_card("classic24")
REF = np.clip(np.asarray(CARD.reference_linear), 1e-4, 1.0)
# a camera: channel cross-talk and a tone curve of its own, then the exposure
CAMERA = np.array([[0.82, 0.15, 0.03], [0.08, 0.80, 0.12], [0.02, 0.18, 0.80]])


def shot(light=(0.0, 0.0), seed=0, misfit=0.015):
    """The card as the camera measures it under a light that changes across it by
    ``light`` (log exposure per patch pitch, across columns and down rows), each patch
    off by ``misfit`` (log, per channel: the print, the camera's own colours)."""
    rng = np.random.default_rng(seed)
    m = 0.8 * np.clip(REF @ CAMERA.T, 1e-4, None) ** (1 / 1.15)
    m = m * np.exp(rng.normal(0, misfit, m.shape))
    c, r = np.arange(24) % 6 - 2.5, np.arange(24) // 6 - 3.0
    return m * np.exp(light[0] * c + light[1] * r)[:, None]


def fitter(mask):
    return lambda m: fit(m, REF, "blend", mask=mask, neutral=CARD.neutral)


@pytest.mark.parametrize("light", [(-0.03, 0.05), (0.04, -0.04), (0.0, 0.06)])
def test_the_light_across_a_card_is_measured_and_evened_out(light):
    usable = np.ones(24, bool)
    m = shot(light)
    f, got = light_field(fitter(usable), m, REF, usable, CARD.cols)
    assert np.allclose(got, light, atol=0.012), got
    # predicting each patch from the others: evened, as good as under an even light
    held = leave_one_out(evened(m, got, CARD.cols), REF, "blend", neutral=CARD.neutral)
    plain = leave_one_out(m, REF, "blend", neutral=CARD.neutral)
    even = leave_one_out(shot(), REF, "blend", neutral=CARD.neutral)
    assert np.mean(held) < np.mean(even) + 0.3 < np.mean(plain), (np.mean(held), np.mean(even), np.mean(plain))


@pytest.mark.parametrize("seed", range(4))
def test_an_evenly_lit_card_is_left_as_it_is(seed):
    """The patches' own misfit looks like a little light: kept only by its significance,
    so an evenly lit card moves by a fraction of a ΔE2000 at most."""
    usable = np.ones(24, bool)
    m = shot(seed=seed)
    f, got = light_field(fitter(usable), m, REF, usable, CARD.cols)
    assert np.all(np.abs(got) < 0.01), got
    moved = delta_e_2000(linear_to_lab(f.apply_linear(evened(m, got, CARD.cols))),
                         linear_to_lab(fitter(usable)(m).apply_linear(m)))
    assert moved.max() < 0.5


def test_a_card_with_too_few_patches_for_the_light_keeps_its_fit():
    usable = np.ones(24, bool)
    usable[[0, 2, 4, 6, 8, 10, 12]] = False  # covered: 17 left, the greys among them
    assert usable.sum() < MIN_PATCHES
    m = shot((0.05, 0.05))
    f, got = light_field(fitter(usable), m, REF, usable, CARD.cols)
    assert not got.any()
    assert f.to_dict() == fitter(usable)(m).to_dict()


def test_the_report_names_the_light_and_its_leave_one_out_leaves_it_out_too():
    """Through the colour service: the light in per cent in the JSON and in the warnings
    (both languages), and the leave-one-out figures measured with the light estimated
    without the patch left out (the whole procedure's, not the fit's alone)."""
    m = shot((-0.03, 0.05))
    corners = np.array([[0, 0], [60, 0], [60, 40], [0, 40.0]])
    doc, f = analyse_detection(CardDetection(True, "classic24", corners, m, np.zeros(24, bool), None, "grid"), "x.jpg")
    assert doc["light"]["rows"] == pytest.approx(100 * np.expm1(0.05 * 3), abs=4)
    assert doc["light"]["cols"] == pytest.approx(100 * np.expm1(-0.03 * 5), abs=4)
    assert any("the light changes across the card" in w for w in doc["warnings"])
    assert any("光照不均匀" in w for w in doc["warnings_zh"])
    flat_doc, _ = analyse_detection(CardDetection(True, "classic24", corners, shot(), np.zeros(24, bool), None, "grid"),
                                    "even.jpg")
    assert "light" not in flat_doc or max(abs(v) for v in flat_doc["light"].values()) < 5
    assert not any("the light changes" in w for w in flat_doc["warnings"])
    # honest: the same card's leave-one-out with its light measured on all patches is lower
    fixed = leave_one_out(evened(m, np.array([-0.03, 0.05]), CARD.cols), REF, f.model, neutral=CARD.neutral)
    assert doc["loo"]["mean"] >= float(np.mean(fixed)) - 0.05
    assert doc["loo"]["mean"] < float(np.mean(leave_one_out(m, REF, f.model, neutral=CARD.neutral)))
