"""Synthetic test scenes for the colour package (and the batch tests).

Everything is rendered in linear sRGB, then a camera-like colour cast is applied::

    lin' = clip(exposure * gains * (A_T @ lin)) ** gamma      (per channel)

where ``A_T`` is a Bradford adaptation in XYZ from D65 to the white of a black body at
``kelvin`` (CIE xy from Kang et al. 2002 via colour-science) — the scene looks as it would
under that light with the camera left at D65 — ``gains`` are extra per-channel gains and
``gamma`` a mild per-channel tone response. Then noise and a JPEG round trip.

Functions return uint8 sRGB arrays plus the ground truth (card corners, cast).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image

from imgprep.core.colour.delta_e import (
    D65_XYZ,
    M_SRGB_TO_XYZ,
    bradford_matrix,
    linear_to_srgb,
    srgb8_to_linear,
    srgb_to_linear,
)
from imgprep.core.colour.reference import get_card

GAP = 0.18  # gap between patches / patch side (the real card is close to this)
BORDER = 0.45  # card border / patch side


@dataclass(frozen=True)
class Cast:
    kelvin: float = 6504.0
    gains: tuple[float, float, float] = (1.0, 1.0, 1.0)
    gamma: tuple[float, float, float] = (1.0, 1.0, 1.0)
    exposure: float | None = None  # None: white patch lands at ~0.85 max channel
    # how the light acts in linear sRGB: a Bradford adaptation (a full 3 × 3, which drives
    # a saturated colour's channel below 0) or the light's white as per-channel gains
    light: str = "bradford"


@lru_cache(maxsize=64)
def _light_matrix(kelvin: float, light: str) -> np.ndarray:
    A = _kelvin_matrix(kelvin)
    if light == "gains":
        return np.diag(A @ np.ones(3))
    if light != "bradford":
        raise ValueError(f"unknown light {light!r}")
    return A


@lru_cache(maxsize=64)
def _kelvin_matrix(kelvin: float) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from colour.temperature import CCT_to_xy_Kang2002

    x, y = CCT_to_xy_Kang2002(kelvin)
    white = np.array([x / y, 1.0, (1 - x - y) / y])
    A = bradford_matrix(D65_XYZ, white)
    return np.linalg.inv(M_SRGB_TO_XYZ) @ A @ M_SRGB_TO_XYZ


def _exposure(cast: Cast) -> float:
    if cast.exposure is not None:
        return cast.exposure
    w = _light_matrix(cast.kelvin, cast.light) @ np.full(3, 0.9) * np.asarray(cast.gains)
    return 0.85 / float(w.max())


def apply_cast_linear(lin: np.ndarray, cast: Cast) -> np.ndarray:
    A = _light_matrix(cast.kelvin, cast.light)
    lin = np.asarray(lin, float)
    if np.count_nonzero(A - np.diag(np.diag(A))) == 0:  # gains: the same values as A.T's product
        y = lin * np.diag(A) * np.asarray(cast.gains) * _exposure(cast)
    else:
        y = (lin @ A.T) * np.asarray(cast.gains) * _exposure(cast)
    y = np.clip(y, 0.0, 1.0, out=y)
    for c, g in enumerate(cast.gamma):  # x ** 1.0 is x: only the channels with a power
        if g != 1.0:
            y[..., c] **= g
    return y


def invert_cast_linear(lin: np.ndarray, cast: Cast) -> np.ndarray:
    """The exact inverse of :func:`apply_cast_linear` where it did not clip: what a
    perfect correction of ``cast`` would give, in float."""
    y = np.power(np.clip(np.asarray(lin, float), 0.0, 1.0), 1.0 / np.asarray(cast.gamma))
    y = y / (np.asarray(cast.gains) * _exposure(cast))
    return y @ np.linalg.inv(_light_matrix(cast.kelvin, cast.light)).T


def _encode_exact(lin: np.ndarray) -> np.ndarray:
    return np.clip(np.round(linear_to_srgb(np.clip(lin, 0, 1)) * 255), 0, 255).astype(np.uint8)


# encode() by table: each 1/65536 step of linear light holds at most one of the 255 code
# boundaries (the closest two are 1/255/12.92 apart), so the code at a step's start, plus
# one past the boundary, is exactly the code _encode_exact gives (5 x faster)
_ENC_STEPS = 1 << 16
_ENC_START = _encode_exact(np.arange(_ENC_STEPS + 1) / _ENC_STEPS)
_ENC_NEXT = np.append(srgb_to_linear((np.arange(1, 256) - 0.5) / 255), np.inf)  # code k -> k + 1


def encode(lin: np.ndarray) -> np.ndarray:
    x = np.clip(np.asarray(lin, float), 0.0, 1.0)
    code = _ENC_START[(x * _ENC_STEPS).astype(np.int32)]
    code += x >= _ENC_NEXT[code]
    return code


def apply_cast(rgb: np.ndarray, cast: Cast) -> np.ndarray:
    """The same cast as the scenes use, applied to any uint8 sRGB product image."""
    return encode(apply_cast_linear(srgb8_to_linear(rgb), cast))


def jpeg_roundtrip(rgb: np.ndarray, quality: int = 88) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


CASTS = (
    Cast(3000, (1.0, 1.0, 1.0), (1.0, 1.0, 1.0)),
    Cast(4200, (1.12, 0.95, 0.9), (0.95, 1.0, 1.05)),
    Cast(5500, (0.87, 1.0, 1.13), (1.05, 1.0, 0.95)),
    Cast(6504, (1.0, 1.0, 1.0), (1.0, 1.0, 1.0)),
    Cast(7500, (1.15, 0.9, 1.0), (1.0, 1.05, 0.97)),
)


# --------------------------------------------------------------------------- charts
def _chart_colours(kind: str, seed: int = 0) -> np.ndarray:
    ref = np.clip(np.asarray(get_card("classic24").reference_linear), 0, 1)
    if kind == "classic24":
        return ref
    if kind == "shuffled":  # the same colours in another order
        return ref[np.random.default_rng(seed).permutation(24)]
    if kind == "creative":
        return _creative_colours()
    if kind in ("palette", "nude-palette"):
        # an eyeshadow palette (a product): 24 pans of other colours in a black case; the
        # nude one has a grey row where the Classic has its greys
        rng = np.random.default_rng(24 + seed)
        if kind == "palette":
            return srgb8_to_linear(rng.integers(10, 245, (24, 3)).astype(np.uint8)).astype(float)
        nude = np.clip(np.array([225, 180, 150]) * rng.uniform(0.35, 1.1, (24, 1)) + rng.integers(-20, 20, (24, 3)), 5, 250)
        nude[18:] = np.geomspace(243, 52, 6)[:, None]
        return srgb8_to_linear(nude.astype(np.uint8)).astype(float)
    if kind == "spyder":
        # SpyderCHECKR-24-like: a grey ramp in the first two columns, other hues elsewhere
        out = np.zeros((4, 6, 3))
        greys = np.geomspace(0.85, 0.02, 8)
        out[:, 0] = greys[:4, None]
        out[:, 1] = greys[4:, None]
        hues = np.linspace(0, 1, 16, endpoint=False) + 0.03
        hsv = np.stack(
            [
                hues * 179,
                np.full(16, 140 + 60 * (np.arange(16) % 2)),
                np.full(16, 200 - 50 * (np.arange(16) % 3)),
            ],
            -1,
        )
        rgb = cv2.cvtColor(hsv.astype(np.uint8)[None], cv2.COLOR_HSV2RGB)[0]
        out[:, 2:] = srgb8_to_linear(rgb).reshape(4, 4, 3)
        return out.reshape(24, 3)
    raise ValueError(kind)


def _sg_colours() -> np.ndarray:
    """A Digital-SG-like 10 x 14 chart: the Classic's 24 colours in its centre (rows 3-6,
    columns 4-9), other saturated and grey patches around them, as on the real one."""
    rng = np.random.default_rng(140)
    out = srgb8_to_linear(rng.integers(20, 240, (10, 14, 3)).astype(np.uint8)).astype(float)
    out[3:7, 4:10] = np.clip(np.asarray(get_card("classic24").reference_linear), 0, 1).reshape(4, 6, 3)
    return out.reshape(-1, 3)


def _creative_colours() -> np.ndarray:
    """A ColorChecker Passport's other panel, roughly (creative enhancement): two rows of
    pale warm-to-cool tints, a grey ramp and a row of skin tones, at the Classic's pitch."""
    tints = np.array([[230, 200, 180], [225, 205, 190], [215, 210, 200], [205, 210, 215], [195, 205, 225],
                      [185, 200, 230], [240, 215, 195], [232, 210, 198], [220, 214, 206], [210, 214, 220],
                      [200, 212, 228], [192, 206, 235]])
    skin = np.array([[236, 190, 160], [222, 170, 140], [200, 145, 115], [170, 115, 85], [130, 85, 60], [95, 60, 45]])
    rows = srgb8_to_linear(np.concatenate([tints, skin]).astype(np.uint8)).astype(float)
    greys = np.geomspace(0.9, 0.03, 6)[:, None] * np.ones(3)
    return np.concatenate([rows[:12], greys, rows[12:]])


def _passport(kind: str, patch_px: int) -> tuple[np.ndarray, np.ndarray]:
    """The Classic panel in a Passport's case, its other page beside it (``passport``: the
    creative panel to the left) or above it (``passport-grey``: a plain grey page)."""
    img, gc = render_chart("classic24", patch_px)
    s, b = patch_px, round(BORDER * patch_px)
    if kind == "passport-grey":
        other = np.full_like(img, 0.012)
        other[b:-b, b:-b] = 0.18
        gap = np.full((round(0.6 * s), img.shape[1], 3), 0.02)
        return np.concatenate([other, gap, img], 0), gc + [0, img.shape[0] + gap.shape[0]]
    other, _ = render_chart("creative", patch_px)
    gap = np.full((img.shape[0], round(0.6 * s), 3), 0.02)
    return np.concatenate([other, gap, img], 1), gc + [img.shape[1] + gap.shape[1], 0]


def render_chart(kind: str = "classic24", patch_px: int = 64,
                 colours: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Flat chart in linear sRGB and its grid corners (outer corners of patches 1, 6, 24,
    19) in chart pixel coordinates. ``kind="sg"``: a 10 x 14 chart whose central 4 x 6
    block is a Classic; its corners are those of that block. ``passport``,
    ``passport-grey``: a Classic beside another page (:func:`_passport`), its corners.
    ``colours`` (24, 3): a 4 x 6 chart's patches instead of ``kind``'s."""
    if kind.startswith("passport"):
        return _passport(kind, patch_px)
    rows, ncols = (10, 14) if kind == "sg" else (4, 6)
    cols = _sg_colours() if kind == "sg" else _chart_colours(kind) if colours is None else colours
    s = patch_px
    g = round(GAP * s)
    b = round(BORDER * s)
    W = 2 * b + ncols * s + (ncols - 1) * g
    H = 2 * b + rows * s + (rows - 1) * g
    img = np.full((H, W, 3), 0.012)  # black card body
    for k in range(rows * ncols):
        i, j = divmod(k, ncols)
        y0, x0 = b + i * (s + g), b + j * (s + g)
        img[y0 : y0 + s, x0 : x0 + s] = cols[k]
    if kind == "sg":
        x0, y0 = b + 4 * (s + g), b + 3 * (s + g)
        x1, y1 = x0 + 6 * s + 5 * g, y0 + 4 * s + 3 * g
        return img, np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)
    x1, y1 = b + 6 * s + 5 * g, b + 4 * s + 3 * g
    corners = np.array([[b, b], [x1, b], [x1, y1], [b, y1]], float)
    return img, corners


# --------------------------------------------------------------------------- backgrounds
def _background(h: int, w: int, rng: np.random.Generator, objects: int = 4) -> np.ndarray:
    """A product-like background (linear sRGB, read-only), drawn from ``rng``. Many tests
    draw the same one (a scene's card changed, its light changed): it is kept, and
    ``rng`` left where drawing it would have left it, so every later draw is the same."""
    key = (h, w, objects, repr(rng.bit_generator.state))
    if key not in _BACKGROUNDS:
        img = _draw_background(h, w, rng, objects)
        img.flags.writeable = False
        _BACKGROUNDS[key] = img, rng.bit_generator.state
        while len(_BACKGROUNDS) > 4:
            del _BACKGROUNDS[next(iter(_BACKGROUNDS))]
    img, after = _BACKGROUNDS[key]
    rng.bit_generator.state = after
    return img


_BACKGROUNDS: dict[tuple, tuple[np.ndarray, dict]] = {}


def _draw_background(h: int, w: int, rng: np.random.Generator, objects: int) -> np.ndarray:
    # pixel coordinates as a column and a row (broadcast: the same values as a full grid)
    yy, xx = np.arange(h, dtype=float)[:, None], np.arange(w, dtype=float)[None, :]
    base = np.array([0.62, 0.58, 0.52]) * rng.uniform(0.8, 1.1)
    shade = 0.75 + 0.25 * (1 - yy / h) + 0.1 * np.sin(xx / w * 3 + rng.uniform(0, 3))
    img = base * shade[..., None]
    for _ in range(objects):  # product-like blobs with shading
        cx, cy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h
        rx, ry = rng.uniform(0.05, 0.18) * w, rng.uniform(0.05, 0.2) * h
        col = rng.uniform(0.03, 0.6, 3)
        # d < 1 only within rx, ry of the centre: computed there alone
        ys = slice(max(0, int(cy - ry) - 1), min(h, int(cy + ry) + 2))
        xs = slice(max(0, int(cx - rx) - 1), min(w, int(cx + rx) + 2))
        d = ((xx[:, xs] - cx) / rx) ** 2 + ((yy[ys] - cy) / ry) ** 2
        m = d < 1
        img[ys, xs][m] = col * (1.1 - 0.5 * d[m])[:, None]
    stripes = rng.uniform(0.05, 0.5, 3)  # a striped cloth
    x0, y0 = int(rng.uniform(0, 0.6) * w), int(rng.uniform(0.55, 0.8) * h)
    sl = (slice(y0, min(h, y0 + h // 6)), slice(x0, min(w, x0 + w // 3)))
    img[sl] = np.where(((xx[:, sl[1]] + yy[sl[0]]) // 12 % 2 == 0)[..., None], stripes, stripes * 0.4)
    return np.clip(img + rng.normal(0, 0.01, img.shape), 0, 1)


def product_photo(h: int = 600, w: int = 800, seed: int = 1) -> np.ndarray:
    """A product-like uint8 sRGB photo with no card (pastel backdrop, coloured objects).
    The same arguments give the same pixels (a fresh copy each call)."""
    return _product_photo(h, w, seed).copy()


@lru_cache(maxsize=8)
def _product_photo(h: int, w: int, seed: int) -> np.ndarray:
    # the batch tests put one product under five casts: made once (1.5 s at 4.3 MP)
    rng = np.random.default_rng(seed)
    lin = _background(h, w, rng, objects=6) * 0.8  # head-room: casts must not clip
    out = encode(cv2.GaussianBlur(lin, (0, 0), 1.0))
    out.flags.writeable = False
    return out


def flat_card(lin: np.ndarray, patch: int = 60, gap: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The 24 colours ``lin`` (linear sRGB, patch order) as a flat Classic-layout card:
    patches ``patch`` px with ``gap`` px of black between them, on a surface of the third
    grey's colour, with a little noise. Returns the uint8 sRGB image and the card's
    corners as the detection gives them (patch 1's outer corner first, along its row)."""
    lin = np.asarray(lin, float)
    w, h = 6 * patch + 7 * gap, 4 * patch + 5 * gap
    img = np.empty((h + 200, w + 200, 3))
    img[...] = 0.7 * lin[21]
    img[100 : 100 + h, 100 : 100 + w] = 0.01
    for k in range(24):
        r, c = divmod(k, 6)
        y, x = 100 + gap + r * (patch + gap), 100 + gap + c * (patch + gap)
        img[y : y + patch, x : x + patch] = lin[k]
    a, b, d = 100 + gap, 100 + w - gap, 100 + h - gap
    corners = np.array([[a, a], [b, a], [b, d], [a, d]], float)
    noisy = encode(np.clip(img, 0, 1)) + np.random.default_rng(seed).normal(0, 1.5, img.shape)
    return np.clip(np.round(noisy), 0, 255).astype(np.uint8), corners


def drawing(h: int = 900, w: int = 1200, seed: int = 3, grid: bool = True) -> np.ndarray:
    """A flat-colour illustration with black outlines, including (``grid``) a 4x6 palette of
    coloured squares — a deliberately card-like negative."""
    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 250, np.uint8)
    for _ in range(10):
        c = tuple(int(v) for v in rng.integers(0, 255, 3))
        p = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        cv2.circle(img, p, int(rng.uniform(20, 120)), c, -1)
        cv2.circle(img, p, int(rng.uniform(20, 120)), (0, 0, 0), 3)
    if grid:
        s, g = 60, 12
        x0, y0 = w // 2 - 3 * (s + g), h // 2 - 2 * (s + g)
        cv2.rectangle(
            img, (x0 - 20, y0 - 20), (x0 + 6 * (s + g) + 8, y0 + 4 * (s + g) + 8), (20, 20, 20), -1
        )
        for k in range(24):
            i, j = divmod(k, 6)
            c = tuple(int(v) for v in rng.integers(30, 255, 3))
            cv2.rectangle(
                img,
                (x0 + j * (s + g), y0 + i * (s + g)),
                (x0 + j * (s + g) + s, y0 + i * (s + g) + s),
                c,
                -1,
            )
    return img


# --------------------------------------------------------------------------- scenes
@dataclass(frozen=True)
class Scene:
    rgb: np.ndarray = field(repr=False)
    corners: np.ndarray  # ground truth, order: TL of patch 1, TR (6), BR (24), BL (19)
    cast: Cast
    chart_quad: np.ndarray  # the whole card outline in image px


def make_scene(
    size: tuple[int, int] = (1500, 1000),
    kind: str = "classic24",
    card_frac: float = 0.3,
    angle: float = 0.0,
    perspective: float = 0.0,
    flip: str | None = None,
    cast: Cast = Cast(),
    noise: float = 1.5,
    jpeg: int | None = 88,
    cover: str | None = None,
    centre: tuple[float, float] = (0.5, 0.5),
    seed: int = 0,
    covered: tuple[int, ...] = (),
    cover_colour: tuple[float, float, float] = (1.0, 1.0, 1.0),
    foreshorten: float = 1.0,
    surface: tuple[float, float, float] | None = None,
    shadow: tuple[float, float, float] | None = None,
    colours: np.ndarray | None = None,
) -> Scene:
    """Render a card into a product-like photo.

    size (width, height); ``card_frac`` card width / image width; ``angle`` degrees
    (counter-clockwise, any value); ``perspective`` 0..0.4 shrinks the card's far edge;
    ``flip`` None | "mirror" (mirror image of the card); ``cover`` None | "quarter" (a
    piece of cloth over the top-right quarter); ``noise`` sigma in 8-bit code values;
    ``covered`` 0-based patch indices hidden under round blobs of ``cover_colour`` (linear
    sRGB, before the cast: 1.0 is a white glove or paper, (0.45, 0.25, 0.17) a hand) with
    a little shading, each a bit larger than its patch; ``foreshorten`` < 1 squeezes the
    card's height (a card lying on a table, seen at an angle: its rows closer together
    than its columns); ``surface`` (linear sRGB, before the cast) a plain surface of one
    colour, lightly grained, instead of the product-like background: the card on a
    wooden table (0.3, 0.115, 0.038) or on grass (0.045, 0.26, 0.045). ``shadow``
    (a, b, c): a hard shadow over the scene where a·x + b·y > c, (x, y) on the card
    in patch pitches from its top-left corner ((0, 1, 2): rows 3-4 and everything below
    them), a third of the light and bluer, as in the shade of a sunlit scene.
    ``colours`` (24, 3), linear sRGB before the cast: the card's patches instead of
    ``kind``'s (a card rendered from spectra, :mod:`.spectral`).
    """
    W, H = size
    rng = np.random.default_rng(seed)
    lin = _background(H, W, rng)
    if surface is not None:
        grain = cv2.GaussianBlur(rng.random((H, W, 1)), (0, 0), 3.0)[..., None]
        lin = np.asarray(surface, float) * (0.85 + 0.3 * grain)
    chart, gc = render_chart(kind, patch_px=64, colours=colours)
    if covered:
        chart = chart.copy()
        s, g, b = 64, round(GAP * 64), round(BORDER * 64)
        yy, xx = np.mgrid[0 : chart.shape[0], 0 : chart.shape[1]]
        for k in covered:
            i, j = divmod(k, 6)
            cy, cx = b + i * (s + g) + s / 2, b + j * (s + g) + s / 2
            d = np.hypot(yy - cy, xx - cx) / (0.8 * s)
            m = d < 1
            chart[m] = np.asarray(cover_colour) * (1 - 0.12 * d[m])[:, None]
    ch, cw = chart.shape[:2]
    src_quad = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], float)
    if flip == "mirror":
        chart = chart[:, ::-1].copy()
        gc = gc.copy()
        gc[:, 0] = cw - gc[:, 0]
    # destination quad for the card outline
    dw = card_frac * W
    dh = dw * ch / cw * foreshorten
    p = perspective
    local = np.array(
        [
            [-dw / 2 * (1 - p), -dh / 2],
            [dw / 2 * (1 - p), -dh / 2],
            [dw / 2, dh / 2],
            [-dw / 2, dh / 2],
        ]
    )
    a = np.radians(angle)
    R = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])  # ccw in image coords
    dst = local @ R.T + np.array([centre[0] * W, centre[1] * H])
    Hm = cv2.getPerspectiveTransform(src_quad.astype(np.float32), dst.astype(np.float32))
    warped = cv2.warpPerspective(
        chart.astype(np.float32),
        Hm,
        (W, H),
        flags=cv2.INTER_AREA if card_frac < 0.2 else cv2.INTER_LINEAR,
    )
    mask = cv2.warpPerspective(np.ones((ch, cw), np.float32), Hm, (W, H), flags=cv2.INTER_LINEAR)[
        ..., None
    ]
    lin = lin * (1 - mask) + warped * mask
    corners = cv2.perspectiveTransform(gc[None].astype(np.float32), Hm)[0].astype(float)
    if cover == "quarter":
        # a cloth over the top-right quarter of the patch area (rows 1-2, columns 4-6)
        x_mid = gc[0, 0] + (gc[1, 0] - gc[0, 0]) / 2
        y_mid = gc[0, 1] + (gc[3, 1] - gc[0, 1]) / 2
        if flip == "mirror":
            q = np.array([[-20, -20], [x_mid, -20], [x_mid, y_mid], [-20, y_mid]], float)
        else:
            q = np.array([[x_mid, -20], [cw + 20, -20], [cw + 20, y_mid], [x_mid, y_mid]], float)
        qi = cv2.perspectiveTransform(q[None].astype(np.float32), Hm)[0]
        m = np.zeros((H, W), np.uint8)
        cv2.fillConvexPoly(m, np.round(qi).astype(np.int32), 1)
        cloth = np.array([0.35, 0.3, 0.45]) * (0.9 + 0.1 * rng.random((H, W, 1)))
        lin = np.where(m[..., None] > 0, cloth, lin)
    if shadow is not None:
        # the scene's pixels in the card's pitches: back through the homography
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        back = cv2.perspectiveTransform(np.stack([xx, yy], -1).reshape(1, -1, 2), np.linalg.inv(Hm))[0]
        pitch = 64 * (1 + GAP)
        u = (back[:, 0] - gc[0, 0] + 0.5 * GAP * 64) / pitch
        v = (back[:, 1] - gc[0, 1] + 0.5 * GAP * 64) / pitch
        a, b, c = shadow
        shade = (a * u + b * v > c).reshape(H, W, 1)
        lin = np.where(shade, lin * (0.3 * np.array([0.9, 1.0, 1.2])), lin)
    lin = cv2.GaussianBlur(lin, (0, 0), 0.7)
    out = apply_cast_linear(lin, cast)
    srgb = linear_to_srgb(out) * 255 + rng.normal(0, noise, out.shape)
    rgb = np.clip(np.round(srgb), 0, 255).astype(np.uint8)
    if jpeg:
        rgb = jpeg_roundtrip(rgb, jpeg)
    return Scene(rgb, corners, cast, dst)
