"""Issue 3 acceptance at array level: rendered scenes → detect → fit → corrected image."""

import pytest

from imgprep.app.colour_service import analyse_array
from imgprep.core.colour.delta_e import delta_e_2000, linear_to_lab, srgb8_to_linear
from imgprep.core.colour.detect import sample_grid
from imgprep.core.colour.reference import get_card

from .scenes import CASTS, apply_cast, make_scene, product_photo

CARD = get_card("classic24")


@pytest.mark.parametrize(
    "i, angle, persp", [(0, 25, 0.2), (1, 100, 0.1), (2, 190, 0.25), (4, -60, 0.15)]
)
def test_corrected_card_is_within_2_de2000(i, angle, persp):
    s = make_scene(angle=angle, perspective=persp, card_frac=0.25, cast=CASTS[i], seed=i)
    doc, fit = analyse_array(s.rgb, "card.jpg")
    assert doc["card"]["found"], doc["card"]["reason"]
    corrected = fit.apply(s.rgb)
    # re-measure the card in the corrected image at the ground-truth position
    m, clipped = sample_grid(corrected, s.corners, CARD)
    de = delta_e_2000(linear_to_lab(m), CARD.reference_lab)[~clipped]
    assert (~clipped).sum() >= 20
    assert de.mean() <= 2.0, de
    assert doc["summary"]["before"]["mean"] > doc["summary"]["after"]["mean"]


def test_cast_invariance_of_a_product_photo():
    product = product_photo(500, 700, seed=11)
    corrected = []
    for k, cast in enumerate(CASTS):
        card = make_scene(angle=15 * k, perspective=0.1, card_frac=0.25, cast=cast, seed=20 + k)
        doc, fit = analyse_array(card.rgb, f"card-{k}.jpg")
        assert doc["card"]["found"], doc["card"]["reason"]
        corrected.append(linear_to_lab(srgb8_to_linear(fit.apply(apply_cast(product, cast)))))
    worst = 0.0
    for a in range(len(corrected)):
        for b in range(a + 1, len(corrected)):
            worst = max(worst, float(delta_e_2000(corrected[a], corrected[b]).mean()))
    assert worst <= 1.5, worst
