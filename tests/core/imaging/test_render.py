import io
from dataclasses import replace
from datetime import datetime

import numpy as np
import pytest
from helpers import photo_array
from PIL import Image, ImageCms

from imgprep.core.imaging.render import KeptExif, encode_jpeg, resize, sharpen
from imgprep.core.imaging.watermark import apply_watermark, mark_size
from imgprep.core.presets import ANCHORS, Rendition, Watermark


def _img(w, h, seed=0):
    return Image.fromarray(photo_array(w, h, seed))


def test_resize_widths_and_no_upscaling():
    r = Rendition("hero", width=710)
    assert resize(_img(2000, 3000), r).size == (710, 1065)
    assert resize(_img(500, 400), r).size == (500, 400)  # small originals are not blown up
    assert resize(_img(500, 400), replace(r, upscale=True)).size == (710, 568)
    # a reduced decode stands for a larger original: sizes follow the original
    assert resize(_img(1000, 750), r, original_size=(4000, 3000)).size == (710, 532)


def test_box_fits():
    img = _img(1200, 600)
    assert resize(img, Rendition("m", box=(800, 800), fit="contain")).size == (800, 800)
    assert resize(img, Rendition("m", box=(800, 800), fit="cover")).size == (800, 800)
    padded = resize(img, Rendition("m", box=(800, 800), fit="contain"))
    assert padded.getpixel((400, 5)) == (255, 255, 255)  # white bars above and below


def test_sharpen_increases_edge_contrast():
    img = _img(300, 200)
    a = np.asarray(img, float)
    b = np.asarray(sharpen(img, 1.0), float)
    assert np.abs(np.diff(b, axis=1)).mean() > np.abs(np.diff(a, axis=1)).mean()
    assert sharpen(img, 0) is img


def test_encode_embeds_srgb_and_keeps_only_who_whose_when():
    img = _img(400, 300)
    t = datetime(2026, 11, 20, 8, 1, 2)
    data, q = encode_jpeg(img, 90, exif=KeptExif("摄影: 王", "© 样品店", t))
    out = Image.open(io.BytesIO(data))
    prof = ImageCms.ImageCmsProfile(io.BytesIO(out.info["icc_profile"]))
    assert "sRGB" in ImageCms.getProfileDescription(prof)
    ex = out.getexif()
    assert set(ex) <= {0x013B, 0x8298, 0x8769}
    assert ex.get_ifd(0x8769)[0x9003] == "2026:11:20 08:01:02"
    assert 0x8825 not in ex and q == 90


def test_byte_cap_steps_quality_down_or_refuses():
    img = Image.fromarray(np.random.default_rng(1).integers(0, 255, (600, 710, 3), dtype=np.uint8))
    full, q0 = encode_jpeg(img, 95)
    capped, q = encode_jpeg(img, 95, max_bytes=len(full) * 2 // 3)
    assert len(capped) <= len(full) * 2 // 3 and q < 95
    with pytest.raises(ValueError, match="cap"):
        encode_jpeg(img, 95, max_bytes=10_000)


WM = Watermark(kind="text", text="imgprep 样品店", anchor="bottom-right", opacity=0.6, scale=0.25, margin=0.03)


def test_watermark_scales_with_the_image_width():
    for w, _h in ((710, 1000), (1920, 1280), (710, 400)):  # portrait or landscape alike
        mw, mh = mark_size(WM, w)
        assert abs(mw / w - 0.25) < 0.01


@pytest.mark.parametrize("anchor", ANCHORS)
def test_watermark_lands_at_its_anchor(anchor):
    base = Image.new("RGB", (710, 900), (90, 90, 90))
    out = np.asarray(apply_watermark(base, replace(WM, anchor=anchor, opacity=1.0)), int)
    changed = np.argwhere(np.abs(out - 90).sum(axis=2) > 30)
    cy, cx = changed.mean(axis=0) / (900, 710)
    want_x = {"left": 0.16, "right": 0.84}.get(anchor.split("-")[-1], 0.5)
    want_y = {"top": 0.05, "bottom": 0.95}.get(anchor.split("-")[0], 0.5)
    assert abs(cx - want_x) < 0.06 and abs(cy - want_y) < 0.06, (anchor, cx, cy)


def test_tiled_watermark_covers_the_image_and_image_marks_work(tmp_path):
    base = Image.new("RGB", (710, 710), (90, 90, 90))
    out = np.asarray(apply_watermark(base, replace(WM, anchor="tiled", opacity=0.5, scale=0.2)), int)
    marked = np.abs(out - 90).sum(axis=2) > 20
    quads = [marked[:355, :355], marked[:355, 355:], marked[355:, :355], marked[355:, 355:]]
    assert all(q.mean() > 0.01 for q in quads)

    logo = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    logo.paste((255, 0, 0, 255), (50, 25, 150, 75))
    logo.save(tmp_path / "logo.png")
    spec = Watermark(kind="image", image=tmp_path / "logo.png", anchor="center", opacity=1.0, scale=0.5)
    out = apply_watermark(base, spec)
    assert out.getpixel((355, 355)) == (255, 0, 0)
    assert out.getpixel((200, 355)) == (90, 90, 90)  # transparent part of the logo
    assert not replace(spec, enabled=False).enabled or apply_watermark(base, replace(spec, enabled=False)) is base


def test_embedded_profile_is_the_same_bytes_in_every_process():
    import struct
    import subprocess
    import sys

    from imgprep.core.imaging.load import srgb_icc_bytes

    code = "import sys; from imgprep.core.imaging.load import srgb_icc_bytes; sys.stdout.buffer.write(srgb_icc_bytes())"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60).stdout
    assert other == srgb_icc_bytes()
    assert srgb_icc_bytes()[24:36] == struct.pack(">6H", 2026, 1, 1, 0, 0, 0)  # not the creation time
