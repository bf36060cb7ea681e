"""Generated studio shots with a known matte: a product on a sweep (white, grey or
coloured) with light fall-off, a soft contact shadow and sensor noise."""

from __future__ import annotations

import cv2
import numpy as np

from imgprep.core.colour.delta_e import linear_to_srgb, srgb8_to_linear

BACKDROPS = {
    "white": (246, 246, 243),
    "grey": (150, 150, 152),
    "blue": (150, 190, 232),
}


def _product_alpha(w: int, h: int, touch_edge: bool = False) -> np.ndarray:
    """A mug-like product (body, rim, a handle with a hole), anti-aliased (4× supersampled)."""
    S = 4
    m = np.zeros((h * S, w * S), np.uint8)
    cx, top, bottom = int(w * 0.45 * S), int(h * 0.25 * S), int((h if touch_edge else h * 0.78) * S)
    half = int(w * 0.16 * S)
    cv2.rectangle(m, (cx - half, top), (cx + half, bottom), 255, -1)
    cv2.ellipse(m, (cx, top), (half, int(0.05 * h * S)), 0, 0, 360, 255, -1)
    cv2.ellipse(m, (cx, bottom), (half, int(0.04 * h * S)), 0, 0, 360, 255, -1)
    hx, hy = cx + half, (top + bottom) // 2
    cv2.ellipse(m, (hx, hy), (int(0.09 * w * S), int(0.14 * h * S)), 0, -90, 90, 255, int(0.035 * w * S))
    return cv2.resize(m.astype(np.float32) / 255.0, (w, h), interpolation=cv2.INTER_AREA)


def _product_colour(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """Linear RGB: a glazed red body with a gradient, a beige band and a dark stripe."""
    y = np.linspace(0, 1, h)[:, None, None]
    x = np.linspace(0, 1, w)[None, :, None]
    base = np.array([0.45, 0.04, 0.05]) * (0.6 + 0.5 * x) * (1.0 - 0.2 * y)
    band = (np.abs(y - 0.5) < 0.06)
    base = np.where(band, np.array([0.55, 0.42, 0.22]), base)
    stripe = (np.abs(y - 0.38) < 0.01)
    base = np.where(stripe, np.array([0.02, 0.02, 0.03]), base)
    return np.clip(base + rng.normal(0, 0.004, (h, w, 3)), 0, 1).astype(np.float32)


def studio_shot(backdrop: str = "white", w: int = 900, h: int = 700, seed: int = 0,
                touch_edge: bool = False, product_like_backdrop: bool = False):
    """(sRGB uint8 frame, truth alpha, truth product colours (linear), truth composite on white (uint8))."""
    rng = np.random.default_rng(seed)
    alpha = _product_alpha(w, h, touch_edge)
    back = srgb8_to_linear(np.array(BACKDROPS[backdrop], np.uint8)).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    falloff = 1.0 - 0.22 * (((xx - w / 2) / w) ** 2 + ((yy - h * 0.4) / h) ** 2) * 2.2 - 0.08 * (yy / h)
    shadow = np.zeros((h, w), np.float32)
    cv2.ellipse(shadow, (int(w * 0.5), int(h * 0.79)), (int(w * 0.22), int(h * 0.05)), 0, 0, 360, 1.0, -1)
    shadow = cv2.GaussianBlur(shadow, (0, 0), w * 0.02)
    B = back[None, None, :] * (falloff * (1.0 - 0.35 * shadow))[..., None]
    F = _product_colour(w, h, rng)
    if product_like_backdrop:
        F = np.broadcast_to(back * 0.97, F.shape).astype(np.float32).copy()
    a = alpha[..., None]
    lin = a * F + (1 - a) * B
    rgb = linear_to_srgb(np.clip(lin, 0, 1)) * 255 + rng.normal(0, 1.2, lin.shape)
    rgb = np.clip(np.round(rgb), 0, 255).astype(np.uint8)
    truth = np.clip(np.round(linear_to_srgb(np.clip(a * F + (1 - a), 0, 1)) * 255), 0, 255).astype(np.uint8)
    return rgb, alpha, F, truth


def busy_shot(w: int = 900, h: int = 700, seed: int = 1) -> np.ndarray:
    """A product on a cluttered table: blocks of many colours, texture everywhere."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (h // 40 + 1, w // 40 + 1, 3), dtype=np.uint8)
    img = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    img = np.clip(img.astype(int) + rng.normal(0, 12, img.shape), 0, 255).astype(np.uint8)
    alpha = _product_alpha(w, h)[..., None]
    return np.clip(alpha * np.array([200, 30, 40]) + (1 - alpha) * img, 0, 255).astype(np.uint8)
