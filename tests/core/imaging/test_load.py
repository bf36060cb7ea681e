import io
import struct
import zlib
from datetime import datetime

import cv2
import numpy as np
import pytest
from helpers import MARK, adobe_rgb_icc, matrix_icc, photo_array, save_jpeg, stored_for
from PIL import Image, ImageCms

from imgprep.core.errors import InputError
from imgprep.core.imaging.load import MAX_PIXELS, load, probe


def _near(a, b, tol):
    return all(abs(int(x) - int(y)) <= tol for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_exif_orientation_is_applied(tmp_path, orientation):
    disp = photo_array(300, 200)
    p = save_jpeg(tmp_path / "o.jpg", np.ascontiguousarray(stored_for(disp, orientation)), orientation=orientation)
    img = load(p).image
    assert img.size == (300, 200)
    assert _near(img.getpixel((5, 5)), MARK, 40)
    assert load(p).original_size == (300, 200)


def test_adobe_rgb_is_converted_to_srgb(tmp_path):
    arr = np.zeros((64, 64, 3), np.uint8)
    arr[:] = (200, 100, 50)
    p = save_jpeg(tmp_path / "adobe.jpg", arr, quality=100, icc=adobe_rgb_icc())
    got = load(p)
    # Expected from colour-science: Adobe RGB (200, 100, 50) is sRGB (227, 100, 42).
    assert _near(got.image.getpixel((32, 32)), (227, 100, 42), 3)
    assert any("Adobe RGB" in n for n in got.notes)


def test_cmyk_grey_alpha_palette_and_16_bit(tmp_path):
    Image.new("CMYK", (40, 30), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg", quality=95)
    assert _near(load(tmp_path / "cmyk.jpg").image.getpixel((5, 5)), (255, 0, 0), 12)

    Image.new("L", (40, 30), 77).save(tmp_path / "grey.png")
    assert load(tmp_path / "grey.png").image.getpixel((1, 1)) == (77, 77, 77)

    rgba = Image.new("RGBA", (40, 30), (10, 20, 30, 0))
    rgba.paste((200, 0, 0, 255), (0, 0, 20, 30))
    rgba.save(tmp_path / "alpha.png")
    im = load(tmp_path / "alpha.png").image
    assert im.mode == "RGB"
    assert im.getpixel((5, 5)) == (200, 0, 0)
    assert im.getpixel((35, 5)) == (255, 255, 255)  # transparent → white, not black

    pal = Image.new("P", (10, 10), 1)
    pal.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    pal.info["transparency"] = 0
    pal.save(tmp_path / "pal.png", transparency=0)
    assert load(tmp_path / "pal.png").image.getpixel((1, 1)) == (0, 255, 0)

    g16 = np.full((20, 30), 40000, np.uint16)
    Image.fromarray(g16).save(tmp_path / "g16.png")
    assert _near(load(tmp_path / "g16.png").image.getpixel((1, 1)), (156, 156, 156), 1)

    rgb16 = np.zeros((20, 30, 3), np.uint16)
    rgb16[..., 2] = 65535  # OpenCV writes BGR: this is red
    ok, buf = cv2.imencode(".tiff", rgb16)
    (tmp_path / "rgb16.tif").write_bytes(buf.tobytes())
    assert load(tmp_path / "rgb16.tif").image.getpixel((1, 1)) == (255, 0, 0)

    Image.fromarray(photo_array(60, 40)).save(tmp_path / "w.webp", quality=90)
    assert load(tmp_path / "w.webp").image.size == (60, 40)


def test_large_jpeg_is_decoded_with_dct_scaling(tmp_path):
    p = save_jpeg(tmp_path / "big.jpg", photo_array(4000, 3000))
    full = load(p)
    small = load(p, need_scale=lambda w, h: 1420 / w)
    assert full.image.size == (4000, 3000)
    assert small.original_size == (4000, 3000)
    # 1420 px needed: the 1/2 scale (2000 px) is the smallest DCT scale that is enough.
    assert small.image.size == (2000, 1500)
    assert load(p, need_scale=lambda w, h: 0.2).image.size == (1000, 750)


def test_capture_time_and_probe(tmp_path):
    p = save_jpeg(tmp_path / "t.jpg", photo_array(60, 40), time=datetime(2026, 11, 20, 9, 30, 5))
    fmt, size, t = probe(p)
    assert (fmt, size, t) == ("JPEG", (60, 40), datetime(2026, 11, 20, 9, 30, 5))
    assert load(p).capture_time == t


def _png_header_only(path, w, h):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100))
                     + chunk(b"IEND", b""))


def _png_exif_after_pixels(path, arr, when, orientation=1, garble_pixels=False):
    """A PNG as some writers make it: its eXIf chunk after the image data."""
    ex = Image.Exif()
    ex[0x0112] = orientation
    ex.get_ifd(0x8769)[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG", exif=ex.tobytes())
    data, pos, chunks = buf.getvalue(), 8, []
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunks.append((kind, data[pos:pos + 12 + n]))
        pos += 12 + n
    exif = [c for k, c in chunks if k == b"eXIf"]
    assert len(exif) == 1
    rest = [c for k, c in chunks if k not in (b"eXIf", b"IEND")]
    if garble_pixels:  # the image data cannot be inflated: only a header read can work
        rest = [c[:8] + b"\xff" * (len(c) - 12) + c[-4:] if c[4:8] == b"IDAT" else c for c in rest]
    path.write_bytes(data[:8] + b"".join(rest) + exif[0] + [c for k, c in chunks if k == b"IEND"][0])
    return path


def test_a_png_is_probed_without_decoding_its_pixels(tmp_path):
    """The capture time orders a shoot before any frame is decoded. Pillow finds an eXIf
    chunk after the image data only by decoding it; probe walks the chunks instead, so a
    PNG whose pixels cannot be decoded still gives its time, and loading the same file
    with good pixels finds the same time and applies its orientation."""
    when = datetime(2026, 11, 20, 9, 30, 5)
    bad = _png_exif_after_pixels(tmp_path / "bad.png", photo_array(60, 40), when, garble_pixels=True)
    assert probe(bad) == ("PNG", (60, 40), when)
    with pytest.raises(InputError):
        load(bad)
    good = _png_exif_after_pixels(tmp_path / "good.png", photo_array(60, 40), when, orientation=6)
    got = load(good)
    assert got.capture_time == when and got.image.size == (40, 60)
    # without any eXIf chunk: no time
    Image.fromarray(photo_array(60, 40)).save(tmp_path / "plain.png")
    assert probe(tmp_path / "plain.png") == ("PNG", (60, 40), None)


def test_bad_inputs_have_one_line_reasons(tmp_path):
    (tmp_path / "zero.jpg").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("not an image")
    good = (tmp_path / "good.jpg")
    save_jpeg(good, photo_array(400, 300))
    (tmp_path / "cut.jpg").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _png_header_only(tmp_path / "bomb.png", 30000, 30000)
    Image.new("RGB", (10, 10)).save(tmp_path / "gif.jpg", "GIF")  # a GIF renamed: not allowed
    reasons = {}
    for name in ("zero.jpg", "text.jpg", "cut.jpg", "bomb.png", "gif.jpg"):
        with pytest.raises(InputError) as e:
            load(tmp_path / name, min_long_edge=100)
        assert e.value.path.endswith(name)
        assert "\n" not in str(e.value)
        reasons[name] = e.value.reason
    assert "empty" in reasons["zero.jpg"]
    assert "not a JPEG" in reasons["text.jpg"] and "not a JPEG" in reasons["gif.jpg"]
    assert "truncated" in reasons["cut.jpg"]
    assert "900 MP" in reasons["bomb.png"] and str(MAX_PIXELS // 1_000_000) in reasons["bomb.png"]


def test_a_real_200_mp_camera_size_is_accepted_by_the_header_check(tmp_path):
    # 16 384 × 12 208 = 200 MP: allowed; one row more is refused. Header-only files:
    # the limit is decided before any pixel is allocated.
    _png_header_only(tmp_path / "ok.png", 16384, 12207)
    _png_header_only(tmp_path / "over.png", 16384, 12208 + 1)
    assert probe(tmp_path / "ok.png")[1] == (16384, 12207)
    with pytest.raises(InputError, match="limit"):
        probe(tmp_path / "over.png")


def test_srgb_profile_is_recognised_without_conversion(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    arr = np.full((8, 8, 3), (10, 200, 90), np.uint8)
    Image.fromarray(arr).save(tmp_path / "s.png", icc_profile=srgb)
    got = load(tmp_path / "s.png")
    assert got.image.getpixel((0, 0)) == (10, 200, 90) and got.notes == []
    assert isinstance(io.BytesIO, type)


# ---------------------------------------------------------------- 16 bits kept for colour
def _sixteen(h=60, w=80, seed=0):
    return np.random.default_rng(seed).integers(0, 65536, (h, w, 3), dtype=np.uint16)


@pytest.mark.parametrize("ext", ["png", "tif"])
def test_16_bit_png_and_tiff_keep_their_16_bits_when_asked(tmp_path, ext):
    a = _sixteen()
    p = tmp_path / f"deep.{ext}"
    cv2.imwrite(str(p), a[..., ::-1])
    plain = load(p)
    assert plain.deep is None  # only on request: it costs memory
    got = load(p, deep=True)
    assert got.deep.dtype == np.uint16 and np.array_equal(got.deep, a)
    assert got.image.size == (80, 60)
    # the 8-bit image is the same pixels, rounded (Pillow truncates: at most 1 apart)
    assert np.abs(np.asarray(got.image).astype(int) - np.asarray(plain.image)).max() <= 1
    assert np.abs(np.asarray(got.image).astype(int) - np.round(a / 257)).max() == 0


def test_8_bit_files_and_other_colour_spaces_have_no_16_bits(tmp_path):
    p8 = tmp_path / "eight.png"
    Image.fromarray(photo_array(80, 60)).save(p8)
    assert load(p8, deep=True).deep is None
    assert load(save_jpeg(tmp_path / "e.jpg", photo_array(80, 60)), deep=True).deep is None
    # a 16-bit TIFF with a profile of lookup tables (not matrix/TRC): lcms's 8-bit conversion
    import tifffile

    lut = matrix_icc("with a table", (0.6, 0.3, 0.02), (0.2, 0.6, 0.06), (0.15, 0.06, 0.74), 2.2,
                     extra=((b"A2B0", b"mft2" + b"\0" * 48),))
    p = tmp_path / "lut16.tif"
    tifffile.imwrite(p, _sixteen(), photometric="rgb", extratags=[(34675, 7, 0, lut, True)])
    got = load(p, deep=True)
    assert got.deep is None
    assert any("colour space" in n for n in got.notes)


def test_16_bits_in_a_matrix_profile_are_converted_at_16_bits(tmp_path):
    """A 16-bit TIFF in Adobe RGB keeps its 16 bits, converted to sRGB as lcms converts
    the 8-bit image (the colour correction then works on them, as on a 10-bit HEIF in
    Display P3)."""
    import tifffile

    p = tmp_path / "adobe16.tif"
    a8 = np.random.default_rng(2).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    # whole multiples of 257: Pillow's 8-bit reading of them is exact, so lcms converts
    # the very same colours there
    tifffile.imwrite(p, a8.astype(np.uint16) * 257, photometric="rgb",
                     extratags=[(34675, 7, 0, adobe_rgb_icc(), True)])
    got = load(p, deep=True)
    assert got.deep is not None and got.deep.dtype == np.uint16
    assert got.notes == ["converted from 'Adobe RGB (1998) test' to sRGB"]
    eight = np.asarray(load(p).image).astype(int)  # through lcms
    assert np.abs(got.deep / 257 - eight).max() <= 1


def test_16_bit_arrays_turn_as_pillow_turns_images():
    from imgprep.core.imaging.load import _TRANSPOSE, _orient_array

    a = photo_array(40, 30)
    for orientation, method in _TRANSPOSE.items():
        assert np.array_equal(_orient_array(a, orientation), np.asarray(Image.fromarray(a).transpose(method)))
