"""SKU slates: a printed card with a QR code of the SKU, shot as a shoot's first frame
(docs/workflow.md: the folder is named after the SKU, or its first frame is a QR slate).

The QR code carries ``SKU:<sku>``. The prefix is required: product packaging carries
QR codes too (shop links, GTINs), and one of those must never name a shoot. The
payload's SKU goes through the same validation as a folder name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ..errors import ImgprepError, NamingError
from ..naming import validate_sku

PREFIXES = ("sku:", "货号:", "货号：")
READ_EDGE = 1200       # long edge the QR search runs at: a slate fills a good part of the frame


def payload(sku: str) -> str:
    return f"SKU:{validate_sku(sku)}"


def parse(text: str | None) -> str | None:
    """The SKU a QR payload names, or None when it is not a slate's (no prefix, or not a
    valid SKU)."""
    if not text:
        return None
    t = text.strip()
    for p in PREFIXES:
        if t.casefold().startswith(p):
            try:
                return validate_sku(t[len(p):])
            except NamingError:
                return None
    return None


def find_sku(rgb: Any) -> str | None:
    """The SKU of a slate in an (H, W, 3) uint8 image, or None. A few tens of
    milliseconds on a photo without one."""
    import cv2

    a = np.asarray(rgb)
    gray = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY) if a.ndim == 3 else a
    s = READ_EDGE / max(gray.shape)
    if s < 1:
        gray = cv2.resize(gray, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        try:
            ok, texts, _, _ = detector.detectAndDecodeMulti(gray)
        except cv2.error:
            continue
        for t in texts if ok else ():
            sku = parse(t)
            if sku:
                return sku
    return None


def read(path: str | Path) -> str | None:
    """The SKU of a slate in the image file ``path``, or None (also when the file cannot
    be decoded: the batch reports that file on its own). Camera RAW is read from its
    embedded preview, which is fast; a reduced decode otherwise."""
    from .load import RAW_EXTENSIONS, load, probe, raw_preview

    path = Path(path)
    try:
        probe(path)  # a file that cannot be a photo (a strip, a bomb) is not read further
    except (ImgprepError, OSError, MemoryError):
        return None
    if path.suffix.lower() in RAW_EXTENSIONS:
        preview = raw_preview(path, READ_EDGE)
        if preview is not None and max(preview.shape[:2]) >= 800:  # else too small to read
            return find_sku(preview)
    try:
        img = load(path, min_long_edge=READ_EDGE).image
    except (ImgprepError, OSError, MemoryError):
        return None
    return find_sku(np.asarray(img))


def render(sku: str, name: str | None = None, size: tuple[int, int] = (1200, 1600)) -> Image.Image:
    """A printable slate for ``sku``: the QR code, the SKU large, the product name.
    Print it (A6 portrait at 290 dpi) and shoot it as the first frame of the product."""
    import cv2

    from ..fonts import pil_font, substitute_missing, text_font

    text = payload(sku)
    sku = text[4:]
    w, h = size
    im = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(im)
    qr = cv2.QRCodeEncoder.create().encode(text)  # black modules on white, with the quiet zone
    side = int(min(w * 0.8, h * 0.55)) // qr.shape[0] * qr.shape[0]
    big = cv2.resize(qr, (side, side), interpolation=cv2.INTER_NEAREST)
    top = int(h * 0.08)
    im.paste(Image.fromarray(big).convert("RGB"), ((w - side) // 2, top))
    y = top + side + int(h * 0.03)
    label = pil_font(h * 0.028)
    d.text((w / 2, y), "货号 SKU", font=label, fill=(90, 90, 90), anchor="mt")
    y += int(h * 0.045)
    size_px = h * 0.075
    font = pil_font(size_px, "bold")
    while d.textlength(sku, font=font) > w * 0.9 and size_px > 20:
        size_px *= 0.9
        font = pil_font(size_px, "bold")
    d.text((w / 2, y), sku, font=font, fill="black", anchor="mt")
    y += int(size_px * 1.3)
    if name:
        shown, _ = substitute_missing(name)
        nf = text_font(h * 0.035)  # a name's rare characters may come from a fallback font
        while nf.getlength(shown) > w * 0.9 and len(shown) > 1:
            shown = shown[:-2] + "…"
        nf.draw(d, (w / 2, y), shown, (40, 40, 40), anchor="mt")
    foot = pil_font(h * 0.018)
    d.text((w / 2, h - int(h * 0.04)), "imgprep · 先拍这张 Shoot this first", font=foot, fill=(120, 120, 120),
           anchor="mb")
    d.rectangle((4, 4, w - 5, h - 5), outline=(200, 200, 200), width=3)
    return im
