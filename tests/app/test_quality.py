"""The batch's shortcuts cost no quality (issue 11): a rendition made from the reduced
decode (the JPEG's DCT scaling, a box reduction, then Lanczos) stays within mean ΔE2000
1.0 and SSIM 0.98 of the same rendition made from the full-resolution decode with a
plain Lanczos downscale — on a camera-like photo: grain, a fine weave near the output's
Nyquist limit, sharp dark edges."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import cv2
import numpy as np
from helpers import photo_array, save_jpeg
from PIL import Image

from imgprep.core.imaging.render import encode_jpeg, sharpen
from imgprep.core.presets import presets_dir

T0 = datetime(2026, 11, 20, 10, 0, 0)


def camera_like(w: int, h: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = photo_array(w, h, seed=seed).astype(np.float32)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    weave = 18 * np.sin(x * 2 * np.pi / 5.3) * np.sin(y * 2 * np.pi / 7.1)
    cloth = (x > w * 0.55) & (y < h * 0.6)
    a[cloth] += weave[cloth][:, None]
    for k in range(40):  # stitched seams, printed text: thin dark lines
        x0 = int(w * 0.05 + k * w * 0.02)
        a[int(h * 0.65):int(h * 0.8), x0:x0 + 3] = 20
    a += rng.normal(0, 5, a.shape).astype(np.float32)  # sensor grain
    return np.clip(a, 0, 255).astype(np.uint8)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean SSIM of the luma (Wang et al. 2004: 11-tap Gaussian window, σ 1.5)."""
    a = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float64)
    b = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY).astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def g(z):
        return cv2.GaussianBlur(z, (11, 11), 1.5)

    ma, mb = g(a), g(b)
    va, vb, cov = g(a * a) - ma * ma, g(b * b) - mb * mb, g(a * b) - ma * mb
    m = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2))
    return float(m[5:-5, 5:-5].mean())


def mean_de2000(a: np.ndarray, b: np.ndarray) -> float:
    import colour

    def lab(x):
        return colour.XYZ_to_Lab(colour.sRGB_to_XYZ(x.astype(np.float64) / 255.0))

    return float(np.mean(colour.delta_E(lab(a), lab(b), method="CIE 2000")))


def reference(src, size, resample=Image.Resampling.LANCZOS) -> np.ndarray:
    """The rendition from the full-resolution decode: downscale, the preset's sharpening
    (0.5) and its JPEG encoding (quality 90), decoded again."""
    full = Image.open(src).convert("RGB")
    data, _ = encode_jpeg(sharpen(full.resize(size, resample), 0.5), 90)
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_renditions_match_a_full_resolution_lanczos_reference(tmp_path, run_cli):
    shoot = tmp_path / "src" / "WEAVE-1"
    # 3000 × 2000 to 710 px wide decodes at 1/4 (750 px), as a 24 MP frame does at 1/8.
    files = [save_jpeg(shoot / f"IMG_{i:04d}.jpg", camera_like(3000, 2000, seed=i), quality=92,
                       time=T0 + timedelta(seconds=i)) for i in (1, 2)]
    preset = tmp_path / "plain.toml"
    base = (presets_dir() / "taobao-710.toml").read_text(encoding="utf-8")
    preset.write_text(base.replace("[watermark]\n", "[watermark]\nenabled = false\n", 1)
                      .replace("[colour]\n", "[colour]\nenabled = false\n", 1), encoding="utf-8")
    code, out, _ = run_cli("batch", tmp_path / "src", "--library", tmp_path / "lib", "--preset", preset,
                           "--workers", "0", "--json")
    doc = json.loads(out)
    assert code == 0, doc
    detail = next(i for i in doc["items"] if i["role"] == "detail")
    got = np.asarray(Image.open(tmp_path / "lib" / detail["renditions"][0]).convert("RGB"))
    src = next(f for f in files if f.name == detail["source"].rsplit("/", 1)[-1])
    want = reference(src, (got.shape[1], got.shape[0]))
    s, de = ssim(got, want), mean_de2000(got, want)
    assert s >= 0.98 and de <= 1.0, (s, de)
    # The measure has teeth: a nearest-neighbour downscale of the same decode fails it.
    crude = reference(src, (got.shape[1], got.shape[0]), Image.Resampling.NEAREST)
    assert ssim(crude, want) < 0.98 or mean_de2000(crude, want) > 1.0
