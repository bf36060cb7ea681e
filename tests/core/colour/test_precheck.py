"""The pre-check never rules out a frame in which the full search finds a card, and rules
out plain product frames."""

import numpy as np
import pytest
from PIL import Image

from imgprep.core.colour.detect import detect_card
from imgprep.core.colour.precheck import card_regions, may_hold_card

from .scenes import CASTS, Cast, drawing, jpeg_roundtrip, make_scene, product_photo

SCENES = [
    dict(card_frac=0.06, cast=CASTS[0]),  # ~80 px across the patches, tungsten
    dict(card_frac=0.08, cast=CASTS[2], perspective=0.3, angle=70),
    dict(card_frac=0.3, cast=CASTS[1], covered=(1, 5, 9, 13), cover_colour=(0.45, 0.25, 0.17)),
    dict(card_frac=0.9, cast=CASTS[3]),  # the card fills the frame
    dict(card_frac=0.2, cast=Cast(6504, (0.55, 1.25, 0.6)), angle=-30),  # no white balance
    dict(card_frac=0.15, cast=Cast(3000, (1.0, 1.0, 1.0), (1.0, 1.0, 1.0), exposure=0.35)),  # dim
    dict(card_frac=0.25, cast=CASTS[4], size=(800, 1200), angle=90),
    dict(card_frac=0.12, cast=CASTS[1], foreshorten=0.5, perspective=0.2, angle=20),  # small, lying flat
]


@pytest.mark.parametrize("i", range(len(SCENES)))
def test_no_card_the_full_search_finds_is_ruled_out(i):
    s = make_scene(seed=i, **SCENES[i])
    assert detect_card(s.rgb).found  # the scene is one the search handles...
    assert may_hold_card(s.rgb)  # ...so the pre-check must pass it on
    assert may_hold_card(Image.fromarray(s.rgb))  # as the batch calls it, on its decode


WOOD, GRASS, BLUE_CLOTH = (0.3, 0.115, 0.038), (0.045, 0.26, 0.045), (0.032, 0.061, 0.262)
TUNGSTEN = Cast(2700, light="bradford")
ON_SURFACES = [  # (light, surface, card_frac): 0.06 is ~85 px across the patches
    (TUNGSTEN, WOOD, 0.06),
    (TUNGSTEN, GRASS, 0.06),
    (TUNGSTEN, BLUE_CLOTH, 0.06),
    (TUNGSTEN, BLUE_CLOTH, 0.1),
    (Cast(6504, light="bradford"), BLUE_CLOTH, 0.06),
    (Cast(4000, (0.8, 1.15, 0.75), light="bradford"), BLUE_CLOTH, 0.06),  # a fluorescent green
]


@pytest.mark.parametrize("light, surface, frac", ON_SURFACES)
def test_a_small_card_on_a_surface_of_one_colour_is_passed_on_and_found(light, surface, frac):
    """The frame's mean is mostly the surface's colour: balanced by it, a small card shows
    too few hues. The second look, balanced by the bright surfaces, sees them, and the
    small-card search, which looks where the pre-check points, finds the card."""
    s = make_scene(size=(1600, 2000), card_frac=frac, cast=light, seed=2, angle=15, surface=surface)
    boxes = card_regions(s.rgb)
    assert boxes and may_hold_card(s.rgb) and may_hold_card(Image.fromarray(s.rgb))
    x, y = s.corners.mean(0)  # a box holds the card
    assert any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes), boxes
    got = detect_card(s.rgb)
    assert got.found
    assert np.abs(np.asarray(got.corners) - s.corners).max() < 0.1 * np.ptp(s.corners[:, 0])


TINY = [0, 1, 3, 4, 7]  # seeds whose card, 32-42 px across, no window of whole cells sees


@pytest.mark.parametrize("seed", TINY)
def test_a_card_80_px_across_in_a_phone_photo_is_passed_on_and_found(seed, monkeypatch):
    """A card 80 px across its patches in a 12 MP phone photo is 40 px in the batch's
    2000-px decode: ~10 px at the pre-check's working size, where the tiny look's windows
    of half cells see its hues. The small-card search looks in the box it gives."""
    from imgprep.core.colour import precheck

    s = make_scene(size=(2000, 1500), card_frac=0.02, cast=CASTS[seed % len(CASTS)], seed=seed, angle=15 * seed)
    rgb = jpeg_roundtrip(s.rgb)
    assert np.ptp(s.corners[:, 0]) < 45
    assert may_hold_card(rgb) and may_hold_card(Image.fromarray(rgb))
    x, y = s.corners.mean(0)
    assert any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in card_regions(rgb))
    got = detect_card(rgb)
    assert got.found, got.reason
    assert np.abs(np.asarray(got.corners) - s.corners).max() < 0.1 * np.ptp(s.corners[:, 0])
    # no window of whole cells sees it: without the tiny look the frame is ruled out
    monkeypatch.setattr(precheck, "_TINY_HUES", 99)
    assert not may_hold_card(rgb)


def test_plain_product_frames_are_ruled_out():
    frames = [jpeg_roundtrip(product_photo(1000, 1500, seed=k)) for k in range(10)]
    frames += [np.full((800, 1200, 3), v, np.uint8) for v in (20, 128, 245)]
    frames.append(drawing(grid=False))
    ruled_out = sum(not may_hold_card(f) for f in frames)
    assert ruled_out >= 10, ruled_out  # colourful ones may pass on: they only cost time


def test_tiny_and_odd_inputs(monkeypatch):
    # what the full search refuses to search, the pre-check rules out
    for shape in [(8, 8), (20, 3000), (31, 400), (40, 1300), (3000, 3)]:
        assert not detect_card(np.zeros(shape + (3,), np.uint8)).found
        assert may_hold_card(np.zeros(shape + (3,), np.uint8)) is False, shape
        assert may_hold_card(Image.new("RGB", shape[::-1])) is False, shape
    # too small to judge at the working size, but searched: the full search decides. At
    # 480 px every strip the search takes (30:1 at most) is two cells high; at a smaller
    # working size a thin one is not
    from imgprep.core.colour import precheck

    monkeypatch.setattr(precheck, "_EDGE", 320)
    assert may_hold_card(np.zeros((40, 1100, 3), np.uint8)) is True
    assert may_hold_card(Image.new("RGB", (1100, 40))) is True


@pytest.mark.parametrize("size", [(1200, 1800), (1201, 1799), (2001, 1503), (700, 500)])
def test_a_pillow_image_is_judged_like_its_pixels(size):
    """The batch hands the pre-check its Pillow decode, which is sampled without copying
    the frame into an array: the same pixels, so the same regions as from the array."""
    frames = [make_scene(seed=3, card_frac=0.1, cast=CASTS[1], size=size).rgb,
              jpeg_roundtrip(product_photo(size[1], size[0], seed=4))]
    for rgb in frames:
        assert rgb.shape[:2] == (size[1], size[0])
        im = Image.fromarray(rgb)
        assert card_regions(im) == card_regions(rgb)
        assert card_regions(im.convert("RGBA")) == card_regions(rgb)
    assert card_regions(Image.fromarray(frames[0]))  # the scene's card is seen at all
