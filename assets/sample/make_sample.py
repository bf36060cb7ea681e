"""Render the bundled sample shoot: product-like studio photos of a mug and a tote bag.

    python assets/sample/make_sample.py      # rewrites assets/sample/shoots/

Procedural (no stock photos, no licences): a studio sweep, a soft contact shadow, a
shaded product. Frames carry EXIF capture times so imgprep orders them as shot.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).parent
W, H = 1600, 1200


def sweep(rng: np.random.Generator, tint=(1.0, 1.0, 1.0)) -> np.ndarray:
    y = np.linspace(0, 1, H, dtype=np.float32)[:, None, None]
    x = np.linspace(-1, 1, W, dtype=np.float32)[None, :, None]
    v = 246 - 30 * y**1.6 - 10 * x**2
    img = np.broadcast_to(v, (H, W, 3)) * np.array(tint, np.float32)
    return img + rng.normal(0, 1.2, (H, W, 3)).astype(np.float32)  # sensor grain


def shadow(img: np.ndarray, cx: float, cy: float, rx: float, ry: float, strength=0.35) -> None:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2
    img *= (1 - strength * np.exp(-d * 1.5))[..., None]


def mug(img: np.ndarray, cx: float, base: float, r: float, h: float, colour, zoom=1.0) -> None:
    r, h = r * zoom, h * zoom
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    top = base - h
    u = (x - cx) / r
    body = (np.abs(u) < 1) & (y > top) & (y < base + 0.18 * r * np.sqrt(np.clip(1 - u**2, 0, 1)))
    light = 0.55 + 0.5 * np.cos((u - 0.35) * 1.35)  # key light from the left
    spec = np.exp(-((u + 0.45) / 0.08) ** 2) * 0.5  # a glaze highlight
    col = np.array(colour, np.float32)
    body_rgb = col * light[..., None] + 255 * spec[..., None]
    img[body] = body_rgb[body]
    # rim and inside
    ry = 0.18 * r
    rim = ((x - cx) / r) ** 2 + ((y - top) / ry) ** 2
    inside = rim < 0.9
    img[inside] = (col * 0.45)[None, :] * (0.7 + 0.3 * ((y[inside] - top + ry) / (2 * ry)))[:, None]
    ring = (rim >= 0.9) & (rim < 1.08)
    img[ring] = np.minimum(col * 1.25 + 30, 255)
    # handle
    hx, hy, ro, ri = cx + r * 1.02, top + h * 0.45, h * 0.28, h * 0.17
    dd = np.sqrt(((x - hx) / 1.0) ** 2 + ((y - hy) / 1.15) ** 2)
    handle = (dd < ro) & (dd > ri) & (x > cx + r * 0.9)
    img[handle] = col * 0.8


def tote(img: np.ndarray, cx: float, base: float, w: float, h: float, colour, stripe) -> None:
    pil = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(pil)
    x0, x1, y0 = cx - w / 2, cx + w / 2, base - h
    d.polygon([(x0 + 10, y0), (x1 - 10, y0), (x1, base), (x0, base)], fill=tuple(colour))
    d.rectangle([x0 + 5, y0 + h * 0.55, x1 - 5, y0 + h * 0.62], fill=tuple(stripe))
    for sx in (cx - w * 0.22, cx + w * 0.22):
        d.arc([sx - w * 0.12, y0 - h * 0.38, sx + w * 0.12, y0 + h * 0.38], 180, 360, fill=tuple(stripe), width=14)
    pil = pil.filter(ImageFilter.GaussianBlur(0.8))
    a = np.asarray(pil, np.float32)
    # soft fold shading
    xs = np.linspace(0, 1, W, dtype=np.float32)[None, :, None]
    mask = np.zeros((H, W, 1), np.float32)
    mask[int(y0):int(base), int(x0):int(x1)] = 1
    img[:] = a * (1 - mask * 0.12 * np.sin(xs * 40) ** 2)


def save(arr: np.ndarray, path: Path, when: datetime) -> None:
    ex = Image.Exif()
    ex[0x013B] = "imgprep sample studio"
    ex.get_ifd(0x8769)[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(path, quality=82, exif=ex.tobytes(), optimize=True)


def main() -> None:
    t = datetime(2026, 11, 20, 14, 0, 0)
    out = HERE / "shoots"
    glaze = (52, 110, 160)
    views = [  # (file, cx, base, zoom, light tint)
        ("DSC_0101.jpg", 780, 930, 1.0), ("DSC_0102.jpg", 700, 1000, 1.5), ("DSC_0103.jpg", 850, 900, 0.8),
        ("DSC_0104.jpg", 620, 1150, 2.3), ("DSC_0105.jpg", 800, 950, 1.2), ("DSC_0106.jpg", 760, 920, 0.9),
    ]
    for i, (name, cx, base, zoom) in enumerate(views):
        rng = np.random.default_rng(i)
        img = sweep(rng)
        shadow(img, cx + 40 * zoom, base + 10, 260 * zoom, 40 * zoom)
        mug(img, cx, base, 230, 430, glaze, zoom)
        save(img, out / "MUG-001" / name, t + timedelta(minutes=i))
    for i, (w, h) in enumerate([(700, 620), (900, 760), (560, 500)]):
        rng = np.random.default_rng(10 + i)
        img = sweep(rng, (1.0, 0.99, 0.97))
        shadow(img, 800, 1050, w * 0.6, 45)
        tote(img, 800, 1050, w, h, (214, 196, 160), (150, 40, 45))
        save(img, out / "BAG-002" / f"IMG_{2001 + i}.jpg", t + timedelta(hours=1, minutes=i))


if __name__ == "__main__":
    main()
