import pytest

from imgprep.core.errors import NamingError
from imgprep.core.naming import frame_stem, natural_key, next_free, seq_label, validate_sku


@pytest.mark.parametrize("sku", ["A1234", "a-1_2.3", "X" * 64, "SKU2026.11", "B07"])
def test_valid_skus(sku):
    assert validate_sku(sku) == sku


@pytest.mark.parametrize(("sku", "words"), [
    ("CON", "reserves"), ("con", "reserves"), ("NUL.txt", "reserves"), ("COM1", "reserves"), ("lpt9", "reserves"),
    ("a/b", "separator"), ("a\\b", "separator"), ("..", "'..'"), ("a..b", "'..'"), ("", "empty"),
    ("上衣01", "only letters"), ("A 12", "only letters"), ("A\x00B", "control"), (".hidden", "start"),
    ("-x", "start"), ("abc.", "end"), ("X" * 65, "65 characters"),
])
def test_invalid_skus_say_why(sku, words):
    with pytest.raises(NamingError) as e:
        validate_sku(sku)
    assert words in str(e.value)


def test_sequence_labels():
    assert seq_label(1) == "01"
    assert seq_label(99) == "99"
    assert seq_label(100) == "100"
    assert frame_stem("A1", 3) == "A1-03"
    assert frame_stem("A1", 2, card=True) == "A1-C02"
    with pytest.raises(ValueError):
        seq_label(0)


def test_numbers_are_never_reused():
    assert next_free(set()) == 1
    assert next_free({1, 2, 3}) == 4
    assert next_free({1, 5}) == 6  # a gap left by a removed file is not filled


def test_natural_order():
    names = ["IMG_10.jpg", "img_2.jpg", "IMG_1.jpg"]
    assert sorted(names, key=natural_key) == ["IMG_1.jpg", "img_2.jpg", "IMG_10.jpg"]
