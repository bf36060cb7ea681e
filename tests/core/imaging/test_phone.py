"""Issue 17 in the loader: phone photos (HEIC/HEIF through pillow-heif, AVIF through
Pillow's own decoder) read like any other photo — upright, Display P3 converted to sRGB,
capture time from EXIF, 10-bit HEIF kept at 16 bits — and a cut file refused with a
reason. The files are made here (pillow-heif and Pillow write them), except the 10-bit
AVIF, which neither can write (``tests/data/make_avif.py``)."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from helpers import (
    P3_PATCHES,
    adobe_rgb_icc,
    display_p3_icc,
    matrix_icc,
    p3_scene,
    save_avif,
    save_heif,
    save_jpeg,
    stored_for,
)
from PIL import Image, ImageCms

from imgprep.core.errors import InputError
from imgprep.core.imaging import icc
from imgprep.core.imaging.load import load, probe, srgb_profile, to_8bit
from imgprep.core.messages import say

SHOT = datetime(2026, 5, 6, 7, 8, 9)
AVIF10 = Path(__file__).parents[2] / "data" / "p3_10bit_o6.avif"
W, H = 480, 320


def p3_to_srgb(p3: np.ndarray) -> np.ndarray:
    """Display P3 → sRGB (0–1, clipped), by colour-science: the expectation, computed
    independently of the loader."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # colour-science's notes on SciPy and Matplotlib
        import colour

    return np.clip(colour.RGB_to_RGB(np.asarray(p3, float), "Display P3", "sRGB",
                                     apply_cctf_decoding=True, apply_cctf_encoding=True), 0, 1)


def patch_centres(w: int, h: int) -> list[tuple[int, int]]:
    side = min(w // (len(P3_PATCHES) + 2), h // 4)
    return [(side * (k + 1) + side // 2, h // 3 + side // 2) for k in range(len(P3_PATCHES))]


def _shot(tmp: Path, kind: str) -> Path:
    """The scene stored turned (EXIF Orientation 6: the container's rotation), in Display
    P3, with capture time and GPS, as ``kind``: heic8, heic10, avif8."""
    scene = stored_for(p3_scene(W, H), 6)
    if kind == "heic10":
        return save_heif(tmp / "IMG_0001.HEIC", np.round(scene * 65535).astype(np.uint16), icc=display_p3_icc(),
                         time=SHOT, orientation=6, gps=True)
    eight = np.round(scene * 255).astype(np.uint8)
    if kind == "heic8":
        return save_heif(tmp / "IMG_0001.HEIC", eight, icc=display_p3_icc(), time=SHOT, orientation=6, gps=True)
    return save_avif(tmp / "IMG_0001.avif", eight, icc=display_p3_icc(), time=SHOT, orientation=6, gps=True)


def _upright_p3_converted(img: Image.Image, size: tuple[int, int], tol: int = 3) -> None:
    a = np.asarray(img).astype(int)
    assert img.mode == "RGB" and img.size == size
    r, g, b = a[5, 5]
    assert r > 200 and g < 60 and b < 60, a[5, 5]  # the red marker is top-left: upright
    want = np.round(p3_to_srgb(np.array(P3_PATCHES)) * 255)
    got = np.array([a[y, x] for x, y in patch_centres(*size)])
    assert np.abs(got - want).max() <= tol, (got, want)
    # …and the conversion mattered: read as sRGB, the saturated patches would be far off
    assert np.abs(np.round(np.array(P3_PATCHES) * 255) - want).max() > 20


@pytest.mark.parametrize("kind", ["heic8", "heic10", "avif8"])
def test_phone_photos_load_upright_in_srgb_with_their_capture_time(tmp_path, kind):
    p = _shot(tmp_path, kind)
    got = load(p)
    assert got.format == ("AVIF" if kind == "avif8" else "HEIF")
    _upright_p3_converted(got.image, (W, H))
    assert got.original_size == (W, H)
    assert got.capture_time == SHOT
    assert got.notes == ["converted from 'Display P3 test' to sRGB"]
    assert probe(p)[2] == SHOT


def test_a_10_bit_avif_is_read_upright_and_converted():
    """A 10-bit AVIF: the container's rotation, its Display P3 profile and its EXIF time;
    its 10 bits kept for the colour path (Pillow's decoder gives 8, shifted; OpenCV's the
    encoded 10), unbiased against the scene that was encoded."""
    got = load(AVIF10, deep=True)
    assert got.format == "AVIF"
    _upright_p3_converted(got.image, (1000, 700))
    assert got.capture_time == datetime(2026, 3, 4, 5, 6, 7)
    assert got.deep is not None and got.deep.dtype == np.uint16 and got.deep.shape == (700, 1000, 3)
    assert np.abs(to_8bit(got.deep).astype(int) - np.asarray(got.image).astype(int)).max() <= 1
    # against the encoded scene converted to sRGB at full precision: no shift (Pillow's
    # 8-bit decode is off by +0.7 green and -0.8 blue codes on average here)
    from imgprep.core.imaging.icc import convert, matrix_shaper

    want = convert(np.round(p3_scene(1000, 700) * 65535).astype(np.uint16), matrix_shaper(display_p3_icc(), "P3"))
    shift = (got.deep.astype(float) - want.astype(float)).reshape(-1, 3).mean(0) / 257
    assert np.abs(shift).max() < 0.3, shift


def test_10_bit_heif_keeps_its_16_bits_for_the_colour_path(tmp_path):
    # a gentle ramp: 10 bits tell apart what 8 bits cannot
    scene = p3_scene(W, H)
    scene[H // 8: H // 4, :] = np.linspace(0.40, 0.43, W)[None, :, None]
    p = save_heif(tmp_path / "ramp.heic", np.round(stored_for(scene, 6) * 65535).astype(np.uint16),
                  icc=display_p3_icc(), orientation=6, time=SHOT)
    plain = load(p)
    assert plain.deep is None  # only on request
    got = load(p, deep=True)
    assert got.deep.dtype == np.uint16 and got.deep.shape == (H, W, 3)
    assert np.array_equal(np.asarray(got.image), to_8bit(got.deep))  # the same pixels, rounded
    assert np.abs(np.asarray(got.image).astype(int) - np.asarray(plain.image)).max() <= 2
    assert got.notes == ["converted from 'Display P3 test' to sRGB"]
    want = p3_to_srgb(np.array(P3_PATCHES)) * 65535
    deep = np.array([got.deep[y, x] for x, y in patch_centres(W, H)], float)
    assert np.abs(deep - want).max() <= 2.5 * 257, (deep, want)
    band = got.deep[H // 8 + 4: H // 4 - 4, 20:-20, 1]
    assert len(np.unique(band)) > 2 * len(np.unique(to_8bit(band)))
    # an 8-bit HEIC has no 16 bits to keep
    assert load(_shot(tmp_path, "heic8"), deep=True).deep is None


def test_heif_colour_given_by_code_points_is_converted(tmp_path):
    """No ICC profile but an nclx box naming the Display P3 primaries (H.273 code 12) and
    the sRGB curve (13), as Android phones write it."""
    import pillow_heif

    scene = np.round(p3_scene(W, H) * 255).astype(np.uint8)
    hf = pillow_heif.from_bytes(mode="RGB", size=(W, H), data=scene.tobytes())
    hf.save(tmp_path / "nclx.heic", quality=92, chroma=444, color_primaries=12, transfer_characteristics=13,
            matrix_coefficients=6, full_range_flag=1)
    got = load(tmp_path / "nclx.heic")
    assert got.notes == ["converted from 'Display P3' to sRGB"]
    _upright_p3_converted(got.image, (W, H))
    # sRGB code points: nothing to do
    hf.save(tmp_path / "srgb.heic", quality=92, chroma=444, color_primaries=1, transfer_characteristics=13,
            matrix_coefficients=6, full_range_flag=1)
    assert load(tmp_path / "srgb.heic").notes == []


@pytest.mark.parametrize("kind", ["heic8", "heic10", "avif8"])
def test_a_cut_phone_photo_fails_with_a_clear_reason(tmp_path, kind):
    data = _shot(tmp_path, kind).read_bytes()
    for n in (40, len(data) // 3, len(data) * 2 // 3, len(data) - 10):
        p = tmp_path / f"cut{n}.{'avif' if kind == 'avif8' else 'heic'}"
        p.write_bytes(data[:n])
        with pytest.raises(InputError) as e:
            load(p)
        assert e.value.reason == say("truncated"), (n, e.value.reason)


@pytest.mark.parametrize("kind", ["heic8", "heic10", "avif8"])
def test_a_whole_phone_photo_with_more_after_its_boxes_is_read(tmp_path, kind):
    """The cut check measures the container's boxes: a free box after them, or a maker's
    trailer that is no box, leaves a whole photo as it is (the same pixels)."""
    path = _shot(tmp_path, kind)
    data = path.read_bytes()
    whole = np.asarray(load(path).image)
    for extra in (b"\0\0\0\x10free" + b"\0" * 8, b"\x8a\x01SEFT trailer " * 3):
        p = tmp_path / f"more{len(extra)}.{'avif' if kind == 'avif8' else 'heic'}"
        p.write_bytes(data + extra)
        assert np.array_equal(np.asarray(load(p).image), whole)


def test_what_is_not_a_phone_photo_says_so(tmp_path):
    (tmp_path / "notes.heic").write_bytes(b"shopping list\n" * 20)
    with pytest.raises(InputError) as e:
        load(tmp_path / "notes.heic")
    assert e.value.reason == say("not-an-image") and "HEIC/HEIF or AVIF" in e.value.reason
    # an ISO media file that is no image (a video's ftyp): not taken for a HEIF
    (tmp_path / "clip.heic").write_bytes(b"\0\0\0\x18ftypqt  \0\0\0\0qt  \0\0\0\0" + b"\0" * 100)
    with pytest.raises(InputError) as e:
        load(tmp_path / "clip.heic")
    assert e.value.reason == say("not-an-image")
    # a HEIC by name that is a JPEG by content is read as what it is
    p = save_jpeg(tmp_path / "really.heic", np.full((40, 60, 3), 90, np.uint8))
    assert load(p).format == "JPEG"


# ---------------------------------------------------------------- matrix/TRC profiles in numpy
def _lcms(a8: np.ndarray, profile: bytes) -> np.ndarray:
    return np.asarray(ImageCms.profileToProfile(
        Image.fromarray(a8), ImageCms.ImageCmsProfile(io.BytesIO(profile)), srgb_profile(),
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC, outputMode="RGB",
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)).astype(int)


@pytest.mark.parametrize("profile", [adobe_rgb_icc(), display_p3_icc()], ids=["adobe", "p3"])
def test_matrix_profiles_convert_like_lcms_at_8_and_16_bits(profile):
    a8 = np.random.default_rng(1).integers(0, 256, (64, 96, 3), dtype=np.uint8)
    shaper = icc.matrix_shaper(profile, "x")
    assert shaper is not None
    ref = _lcms(a8, profile)
    assert np.abs(icc.convert(a8, shaper).astype(int) - ref).max() <= 1
    a16 = a8.astype(np.uint16) * 257
    assert np.abs(icc.convert(a16, shaper) / 257 - ref).max() <= 1
    # sRGB to sRGB changes nothing
    same = icc.matrix_shaper(srgb_profile().tobytes())
    assert same is not None and np.array_equal(icc.convert(a16, same), a16)


def test_profiles_that_are_not_matrix_trc_are_left_to_lcms():
    lut = matrix_icc("with a table", (0.6, 0.3, 0.02), (0.2, 0.6, 0.06), (0.15, 0.06, 0.74), 2.2,
                     extra=((b"A2B0", b"mft2" + b"\0" * 48),))
    assert icc.matrix_shaper(lut) is None
    assert icc.matrix_shaper(b"not a profile at all" * 10) is None
    cmyk = bytearray(adobe_rgb_icc())
    cmyk[16:20] = b"CMYK"
    assert icc.matrix_shaper(bytes(cmyk)) is None
    assert icc.nclx_shaper(None) is None
    assert icc.nclx_shaper({"color_primaries": 12, "transfer_characteristics": 16}) is None  # PQ: HDR


def test_pillow_heif_is_loaded_by_the_first_heif_not_at_start(tmp_path):
    """Its libraries cost ~25 ms of every start: a batch of JPEGs goes without them, and
    the first HEIC (even one named .jpg) brings them in, through Pillow's own registry."""
    import subprocess
    import sys

    arr = np.full((240, 320, 3), (200, 120, 40), np.uint8)
    import pillow_heif

    pillow_heif.from_bytes("RGB", (320, 240), arr.tobytes()).save(tmp_path / "misnamed.jpg", quality=90)
    code = (
        "import sys\n"
        "from imgprep.core.imaging.load import load\n"
        "from imgprep.app.batch import BatchRunner\n"
        "assert 'pillow_heif' not in sys.modules, 'loaded at start'\n"
        f"im = load({str(tmp_path / 'misnamed.jpg')!r}).image\n"
        "assert 'pillow_heif' in sys.modules\n"
        "print(im.size, im.getpixel((10, 10)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    size, px = out.stdout.strip().split(") (")
    assert size == "(320, 240"
    assert all(abs(a - b) <= 6 for a, b in zip(map(int, px.rstrip(")").split(", ")), (200, 120, 40), strict=True))
