import json

import numpy as np

from imgprep.app.colour_service import analyse_array
from imgprep.core.colour.models import ColourFit
from tests.core.colour.scenes import CASTS, Cast, make_scene, product_photo


def test_analyse_scene_with_card():
    s = make_scene(angle=30, cast=CASTS[1], seed=3)
    doc, fit = analyse_array(s.rgb, "IMG_0001.jpg")
    json.dumps(doc, allow_nan=False)
    assert doc["file"] == "IMG_0001.jpg" and doc["card"]["found"]
    assert isinstance(fit, ColourFit) and doc["model"] == fit.model
    assert set(doc["loo_de2000"]) == {
        "white-balance",
        "matrix3x3",
        "curve+matrix",
        "root-polynomial",
        "curve+root-polynomial",
        "blend",
    }
    assert doc["summary"]["pass"] is True


def test_analyse_without_card():
    doc, fit = analyse_array(product_photo(400, 600), "P.jpg")
    assert fit is None
    assert doc["card"]["found"] is False and doc["card"]["reason"]
    assert "patches" not in doc and "model" not in doc


def test_forced_model_and_grey_card():
    s = make_scene(angle=0, cast=CASTS[4], seed=2)
    doc, fit = analyse_array(s.rgb, "x.jpg", model="matrix3x3")
    assert doc["model"] == "matrix3x3" and "loo_de2000" not in doc
    rgb = np.full((400, 600, 3), 200, np.uint8)
    rgb[150:250, 250:350] = (150, 128, 100)
    doc, fit = analyse_array(
        rgb, "g.jpg", card="grey", corners=[[250, 150], [350, 150], [350, 250], [250, 250]]
    )
    assert doc["model"] == "white-balance" and len(doc["patches"]) == 1
    assert doc["patches"][0]["de2000_after"] < 0.5 < doc["patches"][0]["de2000_before"]
    out = fit.apply(rgb[150:250, 250:350])
    assert np.ptp(out[50, 50].astype(int)) <= 1  # neutral after correction


# --------------------------------------------------------------------------- crushed channels
def _warm_card(kelvin: float = 2200, seed: int = 4):
    """A card under a very warm light: the blue of many colour patches is crushed to 0,
    and the clean ones left are too few kinds for a colour correction."""
    from imgprep.core.colour.detect import detect_card

    cast = Cast(kelvin=kelvin)
    s = make_scene(cast=cast, seed=seed)
    return s, cast, detect_card(s.rgb)


def _colours_off_the_card(cast: Cast) -> tuple[np.ndarray, np.ndarray]:
    """400 colours of a product (linear sRGB) and the 8-bit photo of them under ``cast``."""
    from tests.core.colour.scenes import apply_cast_linear, encode

    true = np.random.default_rng(5).uniform(0.03, 0.7, (20, 20, 3))
    return true, encode(apply_cast_linear(true, cast))


def _mean_de(fit: ColourFit, photo: np.ndarray, true: np.ndarray) -> float:
    from imgprep.core.colour.delta_e import delta_e_2000, linear_to_lab, srgb8_to_linear

    got = srgb8_to_linear(fit.apply(photo)).astype(float)
    return float(delta_e_2000(linear_to_lab(got), linear_to_lab(true)).mean())


def test_a_card_short_of_clean_colours_takes_two_channels_of_its_crushed_patches():
    from imgprep.core.colour.detect import enough_for_colour, partial_patches
    from imgprep.core.colour.models import fit
    from imgprep.core.colour.reference import get_card
    from imgprep.core.colour.report import reference_for

    s, cast, det = _warm_card()
    ct = get_card("classic24")
    clean = ~np.asarray(det.clipped, bool)
    partial = partial_patches(det)
    assert not enough_for_colour(ct, clean, det.weights)  # alone: a white balance, by rule
    assert partial.sum() >= 6

    doc, f = analyse_array(s.rgb, "warm.jpg")
    assert f is not None and f.model != "white-balance"
    assert len(doc["partial"]) >= 6 and set(doc["partial"]) <= {int(i) + 1 for i in np.flatnonzero(partial)}
    named = {x["index"]: x for x in doc["excluded"]}
    assert all(named[i]["partial"] and named[i]["code"] == "gamut" for i in doc["partial"])
    assert all("two channels" in named[i]["reason"] and "两个通道" in named[i]["reason_zh"] for i in doc["partial"])
    assert any("other two channels" in w for w in doc["warnings"])
    assert any("两个通道" in w for w in doc["warnings_zh"])
    assert not any("white balance only" in w for w in doc["warnings"])
    # the summary stays on the clean patches
    assert doc["summary"]["after"]["mean"] > 0 and len(doc["partial"]) + sum(clean) <= 24

    # what it is for: colours that are not on the card come out nearer their own
    true, photo = _colours_off_the_card(cast)
    wb = fit(det.patches, reference_for(det, ct), "white-balance", mask=clean, weights=det.weights,
             neutral=ct.neutral)
    with_partial, white_balance = _mean_de(f, photo, true), _mean_de(wb, photo, true)
    assert with_partial < 0.5 * white_balance, (with_partial, white_balance)


def test_crushed_patches_must_predict_the_card_better_than_the_white_balance():
    """The colour correction the crushed patches allow must predict the clean patches
    left out of it better than the white balance does. A warm card with all but three
    of its clean colours left out: its own crushed patches earn a colour correction;
    the same patches, each given another's two channels, leave it at the white balance."""
    import dataclasses

    from imgprep.app.colour_service import analyse_detection
    from imgprep.core.colour.detect import partial_patches
    from imgprep.core.colour.reference import get_card

    s, cast, det = _warm_card(2100, seed=5)
    ct = get_card("classic24")
    clean = ~np.asarray(det.clipped, bool)
    drop = [i for i in np.flatnonzero(clean) if i not in ct.neutral][3:]
    cl = ~clean
    cl[drop] = True
    w = np.where(cl, 0.0, np.asarray(det.weights, float))
    three_colours = dataclasses.replace(det, clipped=cl, weights=w,
                                      excluded=tuple(sorted(det.excluded + tuple((i, "outlier") for i in drop))))
    doc, f = analyse_detection(three_colours, "warm.jpg")
    assert f.model != "white-balance" and doc["partial"]
    assert doc["loo"]["mean"] < doc["loo_de2000"]["white-balance"]["mean"]

    idx = np.flatnonzero(partial_patches(det))
    assert len(idx) >= 4
    for shift in range(1, len(idx)):
        m = np.asarray(det.patches, float).copy()
        m[idx] = m[np.roll(idx, shift)]
        doc, f = analyse_detection(dataclasses.replace(three_colours, patches=m), "warm.jpg")
        assert f.model == "white-balance" and doc["partial"] == [], shift
        assert any("white balance only" in w for w in doc["warnings"])


def test_a_covered_patch_with_a_channel_at_0_lends_no_channel():
    """A hand over patches that the warm light crushes: crushed too, but their other two
    channels are the hand's, which the card's fit misses by more than the outlier
    limit, so they are left out of the fit, not taken by two channels."""
    from imgprep.core.colour.detect import INLIER_DE, detect_card, partial_patches
    from imgprep.core.colour.models import partial_misfit
    from imgprep.core.colour.reference import get_card
    from imgprep.core.colour.report import reference_for

    covered = (0, 3, 6)
    s = make_scene(cast=Cast(kelvin=2200), seed=4, covered=covered, cover_colour=(0.45, 0.25, 0.17))
    det = detect_card(s.rgb)
    candidates = partial_patches(det)
    assert all(candidates[i] for i in covered)  # crushed in one channel, measured in two
    doc, f = analyse_array(s.rgb, "hand.jpg")
    assert doc["partial"] and not set(doc["partial"]) & {i + 1 for i in covered}
    assert f.model != "white-balance"
    misfit = partial_misfit(f, det.patches, reference_for(det, get_card("classic24")), candidates)
    assert all(misfit[i] > INLIER_DE for i in covered)
    assert all(misfit[i - 1] <= INLIER_DE for i in doc["partial"])
    named = {x["index"]: x for x in doc["excluded"]}
    assert all(not named[i + 1]["partial"] for i in covered)


def test_a_card_with_enough_clean_colours_fits_without_its_crushed_patches():
    from imgprep.core.colour.detect import detect_card, partial_patches

    s = make_scene(cast=Cast(kelvin=2700), seed=4)
    det = detect_card(s.rgb)
    assert partial_patches(det).any()
    doc, f = analyse_array(s.rgb, "x.jpg")
    assert doc["partial"] == [] and f.model != "white-balance"
    assert not any("other two channels" in w for w in doc["warnings"])


def test_a_white_balance_asked_for_names_no_patch_as_in_the_fit_by_two_channels():
    """A preset may ask for the white balance: it takes the clean greys only, so no patch
    is reported as lending its channels to it."""
    s, cast, det = _warm_card()
    doc, f = analyse_array(s.rgb, "warm.jpg", model="white-balance")
    assert f.model == "white-balance" and doc["partial"] == []
    assert not any(x["partial"] for x in doc["excluded"])
    assert not any("other two channels" in w for w in doc["warnings"])
