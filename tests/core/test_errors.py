"""The core's typed errors: what a user sees is an ImgprepError (the GUI shows its text),
and still a ValueError for callers that catch that."""

import numpy as np
import pytest
from PIL import Image

from imgprep.core.errors import CardError, ImgprepError, SheetValueError, SizeCapError, StyleError


@pytest.mark.parametrize("cls", [StyleError, SheetValueError, CardError, SizeCapError])
def test_each_is_an_imgprep_error_and_a_value_error(cls):
    assert issubclass(cls, ImgprepError) and issubclass(cls, ValueError)


def test_the_core_raises_them_with_their_messages():
    from imgprep.core.catalogue import _date, _number_cm
    from imgprep.core.colour.reference import get_card
    from imgprep.core.imaging.annotate import CalloutStyle
    from imgprep.core.imaging.render import encode_jpeg
    from imgprep.core.presets import hex_rgb

    with pytest.raises(CardError, match="unknown card type 'nope'"):
        get_card("nope")
    with pytest.raises(StyleError, match="theme must be auto, dark or light, got 'pink'"):
        CalloutStyle(theme="pink")
    with pytest.raises(StyleError, match="not a colour: 'red'"):
        hex_rgb("red")
    with pytest.raises(SheetValueError):
        _number_cm("abc", 1.0)
    with pytest.raises(SheetValueError):
        _date("not a date")
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (300, 300, 3), np.uint8))
    with pytest.raises(SizeCapError, match="over the 1000-byte cap"):
        encode_jpeg(noise, 90, max_bytes=1000)
