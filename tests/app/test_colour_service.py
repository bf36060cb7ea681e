import json

import numpy as np

from imgprep.app.colour_service import analyse_array
from imgprep.core.colour.models import ColourFit
from tests.core.colour.scenes import CASTS, make_scene, product_photo


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
