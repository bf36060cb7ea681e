"""What the card search sees of a 16-bit frame that uses a small part of its range.

Industrial and machine-vision cameras, and the RAW exports of colour-constancy datasets,
write 10, 12 or 14 bits into a 16-bit PNG or TIFF without scaling them: the brightest
pixel of the frame sits at 1/64 to 1/4 of full scale. The 8-bit image the engine makes
from it (65535 → 255) is nearly black, 16 levels for a 12-bit frame, and the search
found 4 of the 13 development cards written so (docs/colour-detection.md "Deep frames").

The search then sees the frame brightened by one gain in linear light, its brightest
pixel at the code where a patch counts as clipped (so a patch at the sensor's own
ceiling is still seen as clipped). The card is measured and fitted there, and the fit is
carried back to the frame as it is (``ColourFit.for_exposure``): it corrects the product
frames of the same camera, which stay as they are, and brightens them as the card says.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .delta_e import linear_to_srgb, srgb_to_linear

# A deep frame whose brightest pixel reaches less than this share of full scale is
# brightened for the search: a photo exposed normally reaches 80-100 %, an underexposed
# one rarely less than half.
USED_RANGE = 0.5
# The code (of 255) the frame's brightest pixel is brought to: the search's clipping
# limit (detect._CLIP_HI), so that what the sensor clipped stays clipped.
TOP_CODE = 250
MAX_GAIN = 4096.0  # a frame of nothing but black stays black


def search_gain(deep: np.ndarray) -> float:
    """The linear gain that brings ``deep`` (uint16 sRGB, H x W x 3) to its full range
    for the search: 1.0 when its brightest pixel reaches USED_RANGE of full scale."""
    a = np.asarray(deep)
    if a.dtype != np.uint16 or a.size == 0:
        return 1.0
    top = int(a.max())
    if top >= USED_RANGE * 65535:
        return 1.0
    lin_top = float(srgb_to_linear(np.array([top / 65535.0]))[0])
    want = float(srgb_to_linear(np.array([TOP_CODE / 255.0]))[0])
    return float(min(MAX_GAIN, want / max(lin_top, want / MAX_GAIN)))


@lru_cache(maxsize=4)
def _table(gain: float) -> np.ndarray:
    """uint16 code → uint8 code of the same colour ``gain`` times brighter in linear light."""
    lin = srgb_to_linear(np.arange(65536, dtype=np.float64) / 65535.0) * gain
    return np.round(linear_to_srgb(np.clip(lin, 0.0, 1.0)) * 255.0).astype(np.uint8)


def brightened(deep: np.ndarray, gain: float) -> np.ndarray:
    """``deep`` (uint16 sRGB) as uint8 sRGB, ``gain`` times brighter in linear light."""
    return np.take(_table(round(float(gain), 9)), np.asarray(deep, np.uint16))


def range_reached(gain: float) -> float:
    """The share of full scale (in code values) a frame's brightest pixel reached, given
    the gain :func:`search_gain` found for it."""
    want = float(srgb_to_linear(np.array([TOP_CODE / 255.0]))[0])
    return float(linear_to_srgb(np.array([want / gain]))[0])
