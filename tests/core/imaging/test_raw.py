"""Camera RAW through the real decoder (rawpy / LibRaw) on a real DNG.

``tests/data/bayer_rggb_o6.dng`` (made by ``tests/data/make_dng.py``): a 16-bit RGGB
Bayer DNG, lossless-JPEG compressed, stored 360 × 720 with Orientation 6. Upright it
is 720 × 360: the left half red ``RED``, the right half grey ``GREY``, a blue square
``MARK`` at x, y 30–120; DateTimeOriginal 2024:05:06 10:20:30 and SubSec .25 in its
Exif IFD, a later DateTime in IFD0.
"""

from __future__ import annotations

import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from helpers import photo_array, save_jpeg

from imgprep.core.errors import InputError
from imgprep.core.imaging import load as load_module
from imgprep.core.imaging.load import load, probe
from imgprep.core.messages import say

DNG = Path(__file__).parents[2] / "data" / "bayer_rggb_o6.dng"
RED, GREY, MARK = (200, 40, 40), (128, 128, 128), (40, 70, 190)
SHOT = datetime(2024, 5, 6, 10, 20, 30, 250000)


def _near(a, b, tol):
    return all(abs(int(x) - int(y)) <= tol for x, y in zip(a, b, strict=True))


def _scene_ok(a: np.ndarray) -> None:
    """``a`` (H, W, 3) shows the scene upright at any size."""
    h, w = a.shape[:2]
    left = a[h // 4: 3 * h // 4, w // 5: 9 * w // 20].reshape(-1, 3)  # red, below the marker
    right = a[h // 8: 7 * h // 8, 11 * w // 20: 19 * w // 20].reshape(-1, 3)
    mark = a[round(h * 0.15): round(h * 0.3), round(w * 0.06): round(w * 0.15)].reshape(-1, 3)
    assert _near(left.mean(axis=0), RED, 3) and np.ptp(left, axis=0).max() <= 4, left.mean(axis=0)
    assert _near(right.mean(axis=0), GREY, 3) and np.ptp(right, axis=0).max() <= 4, right.mean(axis=0)
    assert _near(mark.mean(axis=0), MARK, 4), mark.mean(axis=0)


def test_dng_loads_upright_in_srgb_with_its_capture_time():
    got = load(DNG)
    assert got.format == "RAW"
    assert got.image.mode == "RGB" and got.image.size == (720, 360)  # Orientation 6 applied
    assert got.original_size == (720, 360)
    _scene_ok(np.asarray(got.image))
    # Exact where the scene is flat: white balance, colour matrix and the sRGB curve
    # round-trip; no brightening by the frame's histogram.
    assert got.image.getpixel((180, 270)) == RED
    assert got.image.getpixel((540, 180)) == GREY
    assert got.image.getpixel((75, 75)) == MARK
    assert got.capture_time == SHOT  # DateTimeOriginal + SubSec, not IFD0's DateTime
    assert probe(DNG) == ("RAW", (360, 720), SHOT)


def test_dng_is_decoded_at_half_size_when_half_is_enough():
    small = load(DNG, need_scale=lambda w, h: 0.4)
    assert small.image.size == (360, 180)
    assert small.original_size == (720, 360)
    _scene_ok(np.asarray(small.image))
    assert load(DNG, need_scale=lambda w, h: 0.6).image.size == (720, 360)


def test_dng_keeps_its_16_bits_when_asked():
    """For colour correction before the 8-bit stage: the same pixels at 16 bits, upright,
    at the same size as the image, full and half size."""
    from imgprep.core.imaging.load import to_8bit

    assert load(DNG).deep is None
    for scale, size in ((1.0, (720, 360)), (0.4, (360, 180))):
        got = load(DNG, need_scale=lambda w, h, s=scale: s, deep=True)
        assert got.image.size == size
        assert got.deep.dtype == np.uint16 and got.deep.shape == (size[1], size[0], 3)
        assert np.array_equal(to_8bit(got.deep), np.asarray(got.image))
        eight = np.asarray(load(DNG, need_scale=lambda w, h, s=scale: s).image).astype(int)
        assert np.abs(eight - np.asarray(got.image)).max() <= 1  # LibRaw's 8 bits vs ours, rounded
    # 16 bits carry what 8 cannot: LibRaw's values fall between 8-bit codes (× 257)
    assert (got.deep % 257 != 0).any()


def test_a_bright_raw_keeps_the_cameras_white_level(tmp_path):
    """Every frame at one exposure: LibRaw would take a frame's brightest value as its
    white level when it is above 75 % of the camera's, so a card frame with a near-white
    patch came out brighter than the product frames after it."""
    from tests.data.make_dng import write_dng

    scene = np.empty((64, 96, 3), np.uint8)
    scene[:, :48] = 128                     # mid grey
    scene[:, 48:] = (235, 235, 235)         # near white: 83 % of the white level
    p = tmp_path / "bright.dng"
    write_dng(p, scene, lossless=False)
    got = np.asarray(load(p).image).astype(int)
    assert np.abs(got[8:-8, 8:40] - 128).max() <= 1, got[8:-8, 8:40].mean(axis=(0, 1))
    assert np.abs(got[8:-8, 56:-8] - 235).max() <= 1, got[8:-8, 56:-8].mean(axis=(0, 1))


def test_bad_raw_files_fail_with_a_reason(tmp_path, monkeypatch):
    data = DNG.read_bytes()
    cases = {
        "cut.dng": (data[: len(data) // 2], say("truncated")),
        "junk.dng": (b"this is not a camera file\n" * 40, "cannot decode RAW: Unsupported file format"),
        "empty.dng": (b"", say("empty")),
    }
    for name, (content, reason) in cases.items():
        p = tmp_path / name
        p.write_bytes(content)
        for fn in (load, probe):
            with pytest.raises(InputError) as e:
                fn(p)
            assert e.value.path == str(p)
            assert e.value.reason.startswith(reason), (name, e.value.reason)
    # The pixel limit is checked from the header, before anything is unpacked.
    monkeypatch.setattr(load_module, "MAX_PIXELS", 200_000)
    with pytest.raises(InputError) as e:
        load(DNG)
    assert e.value.reason.startswith("360×720 = 0 MP, over the")


def test_without_rawpy_a_raw_file_fails_with_raw_needs_rawpy(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rawpy", None)  # `import rawpy` raises ImportError
    for fn in (load, probe):
        with pytest.raises(InputError) as e:
            fn(DNG)
        assert e.value.reason == say("raw-needs-rawpy")
    jpeg = save_jpeg(tmp_path / "a.jpg", photo_array(60, 40))
    assert load(jpeg).image.size == (60, 40)  # everything else still reads


def _decode_dng(path: str) -> None:
    assert load(path).image.size == (720, 360)


@pytest.mark.skipif(sys.platform != "linux", reason="fork is the Linux CLI's start method")
def test_a_worker_forked_after_a_raw_decode_still_decodes_raw():
    """GNU OpenMP's thread pool does not survive fork: with LibRaw's default threads, a
    worker forked from a process that has decoded a RAW hung in its first RAW decode
    (the CLI batch forks its workers)."""
    if threading.active_count() > 1:
        pytest.skip("forking needs a single-threaded test process")
    import multiprocessing

    _decode_dng(str(DNG))  # in this process first
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_decode_dng, args=(str(DNG),)) for _ in range(2)]
    for w in workers:
        w.start()
    deadline = time.monotonic() + 30  # a decode takes a tenth of a second
    for w in workers:
        w.join(max(0.0, deadline - time.monotonic()))
    hung = [w for w in workers if w.is_alive()]
    for w in hung:
        w.kill()
        w.join()
    assert not hung, "a forked worker hung in its RAW decode"
    assert [w.exitcode for w in workers] == [0, 0]
