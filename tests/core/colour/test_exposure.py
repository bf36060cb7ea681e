"""A 16-bit frame that uses a small part of its range (10-14 bits written unscaled): the
card search sees it brightened (imgprep.core.colour.exposure), and the fit made there is
carried back to the frame as it is (ColourFit.for_exposure)."""

import json

import numpy as np
import pytest
from helpers import save_png16

from imgprep.core.colour.delta_e import delta_e_2000, linear_to_lab, linear_to_srgb, srgb_to_linear
from imgprep.core.colour.exposure import (
    TOP_CODE,
    USED_RANGE,
    brightened,
    range_reached,
    search_gain,
)
from imgprep.core.colour.models import MODEL_ORDER, fit
from imgprep.core.colour.reference import get_card
from tests.core.colour.scenes import make_scene

CARD = get_card("classic24")
REF = np.clip(np.asarray(CARD.reference_linear), 1e-4, 1.0)
CAMERA = np.array([[0.82, 0.15, 0.03], [0.08, 0.80, 0.12], [0.02, 0.18, 0.80]])


def _deep(lin: np.ndarray) -> np.ndarray:
    return np.round(linear_to_srgb(np.clip(lin, 0, 1)) * 65535).astype(np.uint16)


def test_a_frame_that_uses_its_range_is_searched_as_it_is():
    rng = np.random.default_rng(0)
    lin = rng.random((40, 60, 3)) * 0.2
    lin[0, 0] = srgb_to_linear(USED_RANGE + 0.01)  # one pixel above half the codes
    assert search_gain(_deep(lin)) == 1.0
    assert search_gain(np.zeros((4, 4, 3), np.uint8)) == 1.0  # 8 bits: nothing to bring up


@pytest.mark.parametrize("bits", [10, 12, 14])
def test_a_frame_of_fewer_bits_is_brought_to_the_top_code(bits):
    rng = np.random.default_rng(bits)
    codes = rng.integers(0, 2**bits, (50, 70, 3)).astype(np.uint16)
    gain = search_gain(codes)
    assert gain > 1.0
    view = brightened(codes, gain)
    assert view.dtype == np.uint8 and int(view.max()) == TOP_CODE
    assert range_reached(gain) == pytest.approx(int(codes.max()) / 65535, rel=1e-6)
    # one gain in linear light: ratios of linear values are kept (away from the darkest codes)
    lin_in = srgb_to_linear(codes / 65535.0)
    lin_out = srgb_to_linear(view / 255.0)
    bright = lin_out > 0.2
    assert np.allclose(lin_out[bright] / lin_in[bright], gain, rtol=0.02)
    assert search_gain(np.zeros((8, 8, 3), np.uint16)) == pytest.approx(4096.0)  # black stays black


@pytest.mark.parametrize("model", MODEL_ORDER)
def test_a_fit_carried_to_a_darker_frame_corrects_it_exactly(model):
    """F.for_exposure(k)(x) = F(k x) for every model: a power-law curve, a curve through
    the greys (knots), a matrix, root-polynomial terms, a blend of two."""
    m = 0.8 * np.clip(REF @ CAMERA.T, 1e-4, None) ** (1 / 1.15)
    m = m * np.exp(np.random.default_rng(1).normal(0, 0.02, m.shape))
    f = fit(m, REF, model, neutral=CARD.neutral)
    k = 217.4
    dark = f.for_exposure(k)
    x = np.random.default_rng(2).random((500, 3)) / k
    assert np.allclose(dark.apply_linear(x, clip=False), f.apply_linear(k * x, clip=False), rtol=1e-9, atol=1e-12)
    assert f.for_exposure(1.0) is f
    assert dark.to_dict() != f.to_dict()


def test_the_colour_command_finds_a_card_in_12_bits_of_16(tmp_path, run_cli):
    """A scene written as a 12-bit linear camera writes it: before the brightened search,
    "no colour card found"."""
    scene = make_scene(size=(1200, 900), angle=12, card_frac=0.35, seed=4, jpeg=None)
    lin = srgb_to_linear(scene.rgb / 255.0)
    path = save_png16(tmp_path / "IMG_0001.png", np.round(lin * 4095).astype(np.uint16))
    code, out, err = run_cli("colour", path, "--json")
    assert code == 0, out + err
    doc = json.loads(out)
    assert doc["card"]["found"], doc["card"]
    assert doc["card"]["search_gain"] > 100
    corners = np.asarray(doc["card"]["corners"], float)
    assert np.abs(corners - scene.corners).max() < 0.3 * np.linalg.norm(scene.corners[1] - scene.corners[0]) / 6
    assert doc["summary"]["after"]["mean"] < 1.5
    assert any("16-bit range" in w for w in doc["warnings"])
    # the card's corrected colours are its reference (the report is made where it was measured)
    after = np.array([p["after_lab"] for p in doc["patches"]], float)
    assert float(np.median(delta_e_2000(after, linear_to_lab(REF)))) < 2.0
