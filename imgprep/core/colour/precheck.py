"""A cheap test that rules a frame out before the full card search.

Every frame of a shoot is searched for a reference card, and most frames hold none: the
full search (MCC, the lattice finder, verification) costs 15–400 ms, this test 6–7 ms
at the batch's decode size (measured on 24 MP JPEGs and the development photos; the
batch hands it its Pillow decode, which it samples without copying). It only answers
"could a ColorChecker be here?", and errs towards yes: a colourful product photo passes
on to the full search; a card must never be ruled out.

The cue is one no cast can remove: a ColorChecker puts many *different hues* side by side
in a small area (its 18 colour patches span every hue sector), next to greys. The frame
is shrunk to ~480 px, white-balanced on itself (grey world, so a green or orange cast does
not make every pixel one hue), and split into cells; a window of 2x2 up to 6x6 cells that
holds saturated pixels in enough hue sectors is a possible card. Where none does, a second
look balances the frame by its bright surfaces instead (a frame mostly of one colour). A
card of ~55 px across its patches in a 2000-px frame still covers a 2x2 window at this
size (at 320 px, 3 ms, the test lost half the cards under 60 px; docs/colour-detection.md,
"Session 24"). A smaller one, 20-50 px in the decode (a card 80 px across in a 12 MP phone
photo is 40 px in its 2000-px decode, in a 24 MP photo 20 px in its 1500-px one), is
6-12 px at the working size: the tiny look finds it in windows of 2x2 half cells in which
seven hue sectors have a pixel each ("Session 27").
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["MIN_IMAGE_SIDE", "bright_balance", "card_regions", "may_hold_card", "searchable"]

# a card's 24 patches need a few pixels each: the search refuses thinner images with a
# reason, and the pre-check rules them out
MIN_IMAGE_SIDE = 32

_EDGE = 480  # working size (long edge, px)
_CELL = 8  # cell side (px at the working size)
_BINS = 12  # hue sectors of 30°
_HUE_LUT = ((np.arange(256) * _BINS) // 180).astype(np.uint8)  # OpenCV's hue (0-179) → its sector
_MIN_HUES = 5  # sectors a window must hold (a Classic fills 8-10 of 12)
_MIN_SAT = 60  # saturation (0-255) of a pixel that counts for its hue, after white balance
_MIN_SHARE = 0.015  # share of a window's pixels a hue sector needs to count
# The tiny look: a card of 20-50 px across its patches in the decode is ~6-12 px at the
# working size, too small for a 2x2-cell window to hold 1.5 % of each of its hues. A
# window of 2x2 half cells (8 px) on it holds a pixel of 8-12 sectors; a product's 8 px
# hold at most 6 (measured, docs/colour-detection.md, "Session 27").
_TINY_HUES = 7
_SHADES_P = 12  # the second look's balance: the Minkowski p-mean of each channel
_SHADES_APART = 1.1  # it runs only where its channel ratios differ from the mean's by this factor


def searchable(width: int, height: int) -> bool:
    """Whether the card search takes an image of this size at all: not thinner than
    MIN_IMAGE_SIDE, nor longer than 30 times its width."""
    return min(width, height) >= MIN_IMAGE_SIDE and max(width, height) <= 30 * min(width, height)


def bright_balance(f: np.ndarray) -> np.ndarray:
    """Each channel's Minkowski mean (p = _SHADES_P) of a float RGB image in 0–255: a
    frame's white as its bright surfaces show it (Finlayson & Trezzi's "shades of grey"),
    which a large darker surface of one colour moves little."""
    import cv2

    return np.asarray(cv2.mean(cv2.pow(f * np.float32(1 / 255), _SHADES_P))[:3]) ** (1 / _SHADES_P) * 255


def may_hold_card(rgb: np.ndarray | Image.Image) -> bool:
    """False when ``rgb`` (uint8 sRGB, H x W x 3, or an RGB Pillow image: no copy of it
    is made then) surely holds no ColorChecker."""
    return bool(card_regions(rgb, first_only=True))


def _sampled(rgb: np.ndarray | Image.Image, w: int, h: int) -> np.ndarray:
    """Every ``step``-th pixel of ``rgb`` (``w`` × ``h``) from ``step // 2`` on in both
    directions (the centre of each step × step block), with ``step`` the largest that
    keeps twice the working size. A Pillow image is sampled by Pillow itself (its
    nearest-neighbour resize reads exactly those pixels), so the full frame is never
    copied into an array: that copy cost as much as the rest of the test."""
    step = max(1, int(max(h, w) / (2 * _EDGE)))
    sh, sw = h // step, w // step
    if isinstance(rgb, np.ndarray):
        o = step // 2
        return rgb[o::step, o::step][:sh, :sw]
    from PIL import Image

    im = rgb if rgb.mode == "RGB" else rgb.convert("RGB")
    if step == 1:  # every pixel: the image itself (a resize to its own size copied it once more)
        return np.asarray(im)
    return np.asarray(im.resize((sw, sh), Image.Resampling.NEAREST, box=(0, 0, sw * step, sh * step)))


def card_regions(rgb: np.ndarray | Image.Image, first_only: bool = False) -> list[tuple[int, int, int, int]]:
    """Where a ColorChecker could be: boxes (x0, y0, x1, y1) in ``rgb``'s pixels around
    the windows that hold enough hues, smallest windows first (a small card's), each
    box holding its window and a window's margin. Windows of one size that overlap are
    one box, the most compact first; a box around a larger window is left out where it
    holds a smaller one's (it is the same cue, seen coarser: merged with it, a small
    card's box grew to the size of a large card's, and the search at full size passed it
    over). Empty: no card anywhere. A frame too small to judge gives the whole frame."""
    import cv2

    h, w = rgb.shape[:2] if isinstance(rgb, np.ndarray) else rgb.size[::-1]
    if not searchable(w, h):
        return []  # the full search refuses it too
    small = _sampled(rgb, w, h)
    k = _EDGE / max(small.shape[:2])
    if k < 1:
        small = cv2.resize(small, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    scale = w / small.shape[1]  # working px → rgb px
    if small.shape[0] < 2 * _CELL or small.shape[1] < 2 * _CELL:
        return [(0, 0, w, h)]  # too small to judge: let the full search decide
    f = small.astype(np.float32)
    mean = np.asarray(cv2.mean(small)[:3]) + 1.0
    boxes, tiny = _windows(_balanced(f, mean.mean() / mean), w, h, scale, first_only)
    if not boxes:
        # None under the frame's mean. A frame mostly of one strong colour (a wooden table,
        # grass) under a warm light is balanced by that colour, past a small card's hues.
        # Look again under a balance the bright surfaces lead, a Minkowski mean of each
        # channel (Finlayson & Trezzi's "shades of grey", p = 12): white and light patches,
        # paper and highlights weigh most, a darker dominant colour little. Only as a second
        # look: where the frame's mean finds windows, they stand.
        # Where the two balances differ little (most frames without a card), it would see
        # what the first saw: skipped (it costs ~1.3 ms).
        bright = bright_balance(f) + 1
        apart = (bright / mean) / (bright / mean).min()
        if apart.max() >= _SHADES_APART:
            boxes, tiny_b = _windows(_balanced(f, bright.mean() / bright), w, h, scale, first_only)
            tiny = tiny or tiny_b
    if first_only:
        return boxes[:1] or tiny[:1]
    # the tiny look's boxes last: a few pixels of many hues are a weaker cue (a patterned
    # product has them), and a box that holds one of them is searched already
    return boxes + [b for b in tiny if not any(_holds(o, b) for o in boxes)]


def _balanced(f: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """``f`` (float32 RGB) times a gain per channel: the products numpy gives, at a
    fifth of its time (its broadcast over a last axis of three costs 1 ms at 480 px)."""
    import cv2

    g = np.asarray(gains, np.float32)
    return cv2.multiply(f, (float(g[0]), float(g[1]), float(g[2]), 0.0))


def _windows(balanced: np.ndarray, w: int, h: int, scale: float, first_only: bool
             ) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int, int]]]:
    """``card_regions``'s boxes from the working-size image ``balanced`` (float RGB,
    white-balanced): those of windows of 2x2 up to 6x6 cells, and those of the tiny
    look's windows of 2x2 half cells (with ``first_only``, not looked for where the first
    found one)."""
    import cv2

    hsv = cv2.cvtColor(np.clip(balanced, 0, 255).astype(np.uint8), cv2.COLOR_RGB2HSV)
    half = _CELL // 2
    ch, cw = hsv.shape[0] // half, hsv.shape[1] // half
    hue, s, v = cv2.split(hsv[: ch * half, : cw * half])
    sat = (s >= _MIN_SAT) & (v >= 40)
    sector = cv2.LUT(hue, _HUE_LUT)[sat]
    cells, halves = _cell_bins(ch, cw)
    # the saturated pixels of each hue sector per cell (the half cells past the last
    # whole cell in a bin of their own, dropped), and their summed-area table
    n = (ch // 2) * (cw // 2)
    counts = np.bincount(cells[sat] + sector, minlength=(n + 1) * _BINS)[: n * _BINS]
    table = np.zeros((ch // 2 + 1, cw // 2 + 1, _BINS), np.int32)
    table[1:, 1:] = np.cumsum(np.cumsum(counts.reshape(ch // 2, cw // 2, _BINS), 0, dtype=np.int32), 1,
                              dtype=np.int32)
    out: list[tuple[int, int, int, int]] = []
    for k in (2, 3, 4, 6):
        if k > min(ch // 2, cw // 2):
            break
        win = (table[k:, k:] - table[:-k, k:] - table[k:, :-k] + table[:-k, :-k])
        hit = (win >= _MIN_SHARE * (k * _CELL) ** 2).sum(-1) >= _MIN_HUES
        out += [b for b in _boxes(hit, k, _CELL * scale, w, h, first_only) if not any(_holds(b, o) for o in out)]
        if first_only and out:
            return out[:1], []
    if (np.bincount(sector, minlength=_BINS) > 0).sum() < _TINY_HUES:  # not that many hues in the frame
        return out, []
    # the tiny look: the hue sectors present in each half cell as 12 bits, a window's the
    # bits of its four, counted by a table
    present = np.zeros(ch * cw * _BINS, bool)
    present[halves[sat] + sector] = True
    bits = np.dot(present.reshape(ch * cw, _BINS).view(np.uint8), _BIT).reshape(ch, cw)
    window = bits[:-1, :-1] | bits[1:, :-1] | bits[:-1, 1:] | bits[1:, 1:]
    return out, _boxes(_POPCOUNT[window] >= _TINY_HUES, 2, half * scale, w, h, first_only)


def _boxes(hit: np.ndarray, k: int, c: float, w: int, h: int, first_only: bool) -> list[tuple[int, int, int, int]]:
    """The boxes (in ``rgb``'s pixels) around the windows of ``k`` x ``k`` cells of
    ``c`` px that ``hit`` marks, each with a window's margin; windows that overlap make
    one box, the most compact first (the search at full size is for a small card, whose
    windows cluster in a box of a few cells: a colourful product's spread wider)."""
    boxes: list[tuple[int, int, int, int]] = []
    for i, j in zip(*np.nonzero(hit), strict=True):
        box = (max(0, int((j - k) * c)), max(0, int((i - k) * c)),
               min(w, int((j + 2 * k) * c)), min(h, int((i + 2 * k) * c)))
        if first_only:
            return [box]
        boxes.append(box)
    return sorted(_merge(boxes), key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))


_BIT = (1 << np.arange(_BINS)).astype(np.uint16)  # a hue sector's bit
_POPCOUNT = np.array([bin(i).count("1") for i in range(1 << _BINS)], np.uint8)  # set bits of 12


@lru_cache(maxsize=8)
def _cell_bins(ch: int, cw: int) -> tuple[np.ndarray, np.ndarray]:
    """Each working pixel's cell index times _BINS, for a grid of ``ch`` x ``cw`` half
    cells: in the grid of whole cells (a pixel of the half cells past the last whole one
    in an extra cell), and in the grid of half cells. The same few frame sizes come again
    and again."""
    half = _CELL // 2
    y, x = np.arange(ch * half)[:, None], np.arange(cw * half)[None, :]
    cells = np.where((y < ch // 2 * _CELL) & (x < cw // 2 * _CELL), (y // _CELL) * (cw // 2) + x // _CELL,
                     (ch // 2) * (cw // 2))
    halves = (y // half) * cw + x // half
    out = (cells * _BINS).astype(np.int32), (halves * _BINS).astype(np.int32)
    for a in out:
        a.flags.writeable = False
    return out


def _holds(big: tuple[int, int, int, int], small: tuple[int, int, int, int]) -> bool:
    return big[0] <= small[0] and big[1] <= small[1] and big[2] >= small[2] and big[3] >= small[3]


def _merge(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Overlapping boxes as one, in the order of their first member."""
    out: list[list[int]] = []
    for b in boxes:
        for o in out:
            if b[0] < o[2] and o[0] < b[2] and b[1] < o[3] and o[1] < b[3]:
                o[:] = [min(o[0], b[0]), min(o[1], b[1]), max(o[2], b[2]), max(o[3], b[3])]
                break
        else:
            out.append(list(b))
    merged = [tuple(o) for o in out]
    return merged if len(merged) == len(boxes) else _merge(merged)  # type: ignore[arg-type]
