import numpy as np
import pytest

from imgprep.core.colour.delta_e import (
    delta_e_2000,
    lab_to_linear,
    linear_to_lab,
    linear_to_srgb,
    srgb8_to_linear,
    srgb_to_linear,
)
from imgprep.core.colour.reference import get_card

TOL = 1e-4  # the table is published to 4 decimals

# Sharma, Wu & Dalal (2005), Table 1: Lab1, Lab2, ΔE00
SHARMA = [
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 2.8361, -74.0200), (50.0000, 0.0000, -82.7485), 3.4412),
    ((50.0000, -1.3802, -84.2814), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -1.1848, -84.8006), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, -0.9009, -85.5211), (50.0000, 0.0000, -82.7485), 1.0000),
    ((50.0000, 0.0000, 0.0000), (50.0000, -1.0000, 2.0000), 2.3669),
    ((50.0000, -1.0000, 2.0000), (50.0000, 0.0000, 0.0000), 2.3669),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0009), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0010), 7.1792),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0011), 7.2195),
    ((50.0000, 2.4900, -0.0010), (50.0000, -2.4900, 0.0012), 7.2195),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0009, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0010, -2.4900), 4.8045),
    ((50.0000, -0.0010, 2.4900), (50.0000, 0.0011, -2.4900), 4.7461),
    ((50.0000, 2.5000, 0.0000), (50.0000, 0.0000, -2.5000), 4.3065),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((50.0000, 2.5000, 0.0000), (61.0000, -5.0000, 29.0000), 22.8977),
    ((50.0000, 2.5000, 0.0000), (56.0000, -27.0000, -3.0000), 31.9030),
    ((50.0000, 2.5000, 0.0000), (58.0000, 24.0000, 15.0000), 19.4535),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.1736, 0.5854), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2972, 0.0000), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 1.8634, 0.5757), 1.0000),
    ((50.0000, 2.5000, 0.0000), (50.0000, 3.2592, 0.3350), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((61.2901, 3.7196, -5.3901), (61.4292, 2.2480, -4.9620), 1.8731),
    ((35.0831, -44.1164, 3.7933), (35.0232, -40.0716, 1.5901), 1.8645),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((36.4612, 47.8580, 18.3852), (36.2715, 50.5065, 21.2231), 1.4146),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
    ((6.7747, -0.2908, -2.4247), (5.8714, -0.0985, -2.2286), 0.6377),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


def test_sharma_table_has_34_pairs_and_matches_to_4_decimals():
    assert len(SHARMA) == 34
    lab1 = np.array([p[0] for p in SHARMA])
    lab2 = np.array([p[1] for p in SHARMA])
    want = np.array([p[2] for p in SHARMA])
    got = delta_e_2000(lab1, lab2)
    np.testing.assert_allclose(got, want, atol=TOL)
    np.testing.assert_allclose(delta_e_2000(lab2, lab1), want, atol=TOL)  # symmetric


def test_agrees_with_colormath2_on_random_pairs():
    from colormath2.color_diff import delta_e_cie2000
    from colormath2.color_objects import LabColor

    rng = np.random.default_rng(7)
    lab1 = np.column_stack(
        [rng.uniform(0, 100, 1000), rng.uniform(-100, 100, 1000), rng.uniform(-100, 100, 1000)]
    )
    lab2 = lab1 + rng.normal(0, 8, lab1.shape)
    ours = delta_e_2000(lab1, lab2)
    theirs = np.array(
        [
            float(delta_e_cie2000(LabColor(*a), LabColor(*b)))
            for a, b in zip(lab1, lab2, strict=True)
        ]
    )
    # colormath2 differs in the 6th decimal (its own constants); the table tolerance applies
    np.testing.assert_allclose(ours, theirs, atol=TOL)


def test_shapes_broadcast_on_last_axis():
    rng = np.random.default_rng(1)
    a = rng.uniform(-50, 80, (4, 5, 3))
    b = rng.uniform(-50, 80, (4, 5, 3))
    full = delta_e_2000(a, b)
    assert full.shape == (4, 5)
    assert delta_e_2000(a[1, 2], b[1, 2]).shape == ()
    np.testing.assert_allclose(delta_e_2000(a.reshape(-1, 3), b.reshape(-1, 3)), full.ravel())
    np.testing.assert_allclose(
        delta_e_2000(a, b[0, 0]), delta_e_2000(a, np.broadcast_to(b[0, 0], a.shape))
    )


def test_nan_propagates_and_identity_is_zero():
    d = delta_e_2000([[np.nan, 0, 0], [50, 10, -20]], [[50, 0, 0], [50, 10, -20]])
    assert np.isnan(d[0]) and d[1] == 0.0


def test_srgb_round_trip_and_known_values():
    v = np.linspace(0, 1, 1001)
    np.testing.assert_allclose(linear_to_srgb(srgb_to_linear(v)), v, atol=1e-12)
    np.testing.assert_allclose(
        srgb8_to_linear(np.array([0, 255, 128])), [0.0, 1.0, 0.2158605], atol=1e-6
    )
    # white and mid grey (linear 0.18 -> L* 49.5) are neutral in Lab D50
    np.testing.assert_allclose(linear_to_lab([1.0, 1.0, 1.0]), [100, 0, 0], atol=1e-9)
    lab = linear_to_lab([0.18, 0.18, 0.18])
    assert lab[0] == pytest.approx(49.496, abs=1e-3) and abs(lab[1]) < 1e-9 and abs(lab[2]) < 1e-9
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, (100, 3))
    np.testing.assert_allclose(lab_to_linear(linear_to_lab(x)), x, atol=1e-9)


def test_srgb_red_matches_colour_science_with_bradford():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour

    xyz = colour.RGB_to_XYZ(
        [1.0, 0.0, 0.0],
        colour.RGB_COLOURSPACES["sRGB"],
        illuminant=colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D50"],
        chromatic_adaptation_transform="Bradford",
    )
    lab = colour.XYZ_to_Lab(
        xyz, colour.CCS_ILLUMINANTS["CIE 1931 2 Degree Standard Observer"]["D50"]
    )
    np.testing.assert_allclose(linear_to_lab([1.0, 0.0, 0.0]), lab, atol=0.1)


def test_classic24_reference_values():
    c = get_card("classic24")
    assert c.n_patches == 24 and c.names[0] == "dark skin" and c.names[-1] == "black"
    # X-Rite's post-2014 published D50 Lab for dark skin / white / black (rounded)
    np.testing.assert_allclose(c.reference_lab[0], [37.54, 14.37, 14.92], atol=0.01)
    np.testing.assert_allclose(c.reference_lab[18], [95.19, -1.03, 2.93], atol=0.01)
    np.testing.assert_allclose(c.reference_lab[23], [20.64, 0.07, -0.46], atol=0.01)
    # linear values round-trip to the same Lab (Bradford D50 -> D65 is consistent)
    np.testing.assert_allclose(linear_to_lab(c.reference_linear), c.reference_lab, atol=1e-9)
    assert np.all(np.diff(c.reference_linear[list(c.neutral), 1]) < 0)


def test_embedded_classic24_data_equals_colour_science_dataset():
    import warnings

    from imgprep.core.colour.reference import CLASSIC24_XYY

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from colour import CCS_COLOURCHECKERS

    cs = CCS_COLOURCHECKERS["ColorChecker24 - After November 2014"]
    # to the last printed digit, not the last bit: colour-science 0.4.7 builds the same
    # published xyY values through another float path (they differ by ~1e-16); a wrong
    # or swapped value differs by > 1e-4
    np.testing.assert_allclose(np.array(CLASSIC24_XYY), np.array(list(cs.data.values())),
                               rtol=0, atol=1e-9)
    np.testing.assert_allclose(cs.illuminant, [0.34570291, 0.3585386], atol=1e-8)  # D50


def test_card_reference_does_not_import_colour_science():
    import subprocess
    import sys

    code = ("import sys; from imgprep.core.colour.reference import get_card; get_card('classic24');"
            "print('colour' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "False", r.stderr
