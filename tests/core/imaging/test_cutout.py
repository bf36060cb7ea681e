"""The white-background image (白底图) on generated studio shots with a known matte."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from imgprep.core.colour.delta_e import delta_e_2000, linear_to_lab, srgb8_to_linear
from imgprep.core.imaging.cutout import (
    CutoutRefused,
    composite_white,
    cut_out,
    matte,
    white_background,
)

from .studio import BACKDROPS, busy_shot, studio_shot


def _de(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return delta_e_2000(linear_to_lab(srgb8_to_linear(a)), linear_to_lab(srgb8_to_linear(b)))


@pytest.fixture(scope="module", params=sorted(BACKDROPS))
def shot(request):
    rgb, alpha, fg, truth = studio_shot(request.param, seed=3)
    return rgb, alpha, truth, cut_out(rgb)


def test_the_mask_matches_the_truth(shot):
    rgb, alpha, _, cut = shot
    est, tr = matte(rgb, cut)[0] >= 0.5, alpha >= 0.5
    iou = (est & tr).sum() / (est | tr).sum()
    assert iou >= 0.97
    # the handle's hole (backdrop seen through the product) stays backdrop
    h, w = alpha.shape
    hole = (slice(int(h * 0.47), int(h * 0.56)), slice(int(w * 0.625), int(w * 0.66)))
    assert alpha[hole].max() == 0
    assert est[hole].mean() < 0.05


def test_no_halo_of_the_backdrop_at_the_edge(shot):
    """Edge pixels (within 2 px of the product's outline) composited on white look like
    the true product composited on white: the backdrop's colour does not bleed in."""
    rgb, alpha, truth, cut = shot
    a, fg = matte(rgb, cut)
    comp = composite_white(a, fg)
    tr = (alpha >= 0.5).astype(np.uint8)
    k = np.ones((5, 5), np.uint8)
    edge = (cv2.dilate(tr, k) - cv2.erode(tr, k)) > 0
    assert float(_de(comp[edge], truth[edge]).mean()) <= 3.0


def test_the_background_is_exactly_white_and_the_product_fills_the_canvas(shot):
    rgb, alpha, _, cut = shot
    canvas, to_canvas = white_background(rgb, cut, (800, 800), fill=0.85)
    assert canvas.shape == (800, 800, 3)
    placed = cv2.warpAffine(alpha, to_canvas, (800, 800), flags=cv2.INTER_LINEAR)
    # the product enlarged 1.5×: resampling spreads its edge by up to 2 px
    background = cv2.dilate((placed > 0).astype(np.uint8), np.ones((5, 5), np.uint8)) == 0
    assert background.sum() > 0.3 * 800 * 800
    assert np.all(canvas[background] == 255)
    ys, xs = np.nonzero(np.any(canvas < 250, axis=-1))
    long_side = max(xs.max() - xs.min(), ys.max() - ys.min()) + 1
    assert 0.8 * 800 <= long_side <= 0.9 * 800
    # centred
    assert abs((xs.max() + xs.min()) / 2 - 400) <= 8 and abs((ys.max() + ys.min()) / 2 - 400) <= 8


@pytest.mark.parametrize("case, code", [
    ("busy", "cutout-busy"),
    ("edge", "cutout-edge"),
    ("same colour", "cutout-no-product"),
])
def test_untrustworthy_separation_is_refused_with_a_reason(case, code):
    img = {
        "busy": lambda: busy_shot(),
        "edge": lambda: studio_shot(touch_edge=True)[0],
        "same colour": lambda: studio_shot(product_like_backdrop=True)[0],
    }[case]()
    with pytest.raises(CutoutRefused) as e:
        cut_out(img)
    assert e.value.code == code
    assert str(e.value)  # a sentence, not a code


def test_brush_strokes_override_the_segmentation():
    """A 'remove' stroke over the handle takes it out; a 'keep' stroke lets a product
    that touches the edge through."""
    rgb, alpha, _, _ = studio_shot("white", seed=5)
    h, w = alpha.shape
    remove = np.zeros((h, w), bool)
    remove[:, int(w * 0.62):] = True  # everything right of the body: the handle
    cut = cut_out(rgb, remove=remove)
    a, _ = matte(rgb, cut)
    assert a[:, int(w * 0.625):].max() == 0  # (the stroke's edge is feathered by a pixel)
    assert (a >= 0.5).sum() < (alpha >= 0.5).sum()
    edge_rgb, edge_alpha, _, _ = studio_shot("white", seed=5, touch_edge=True)
    keep = np.zeros_like(remove)
    keep[int(h * 0.5):, int(w * 0.4):int(w * 0.5)] = True
    cut = cut_out(edge_rgb, keep=keep)
    est = matte(edge_rgb, cut)[0] >= 0.5
    tr = edge_alpha >= 0.5
    assert (est & tr).sum() / (est | tr).sum() >= 0.95
