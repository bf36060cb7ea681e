"""Reference cards: a registry of card types with their patch layout and reference values.

``classic24``
    X-Rite ColorChecker Classic 24 (also the Passport's classic page), patches in reading
    order (row-major, 4 rows x 6 columns, 'dark skin' top-left, 'black' bottom-right).
    Reference values: colour-science 0.4 dataset ``CCS_COLOURCHECKERS['ColorChecker24 -
    After November 2014']`` (X-Rite's published post-2014 formulation; CIE xyY, D50
    illuminant, 2° observer). Lab is computed relative to D50 (package convention, see
    :mod:`.delta_e`); linear sRGB by Bradford adaptation D50 → D65.
``grey``
    A grey / white card: a single neutral patch. Its reference is "neutral at the measured
    luminance": the card fixes colour cast (white balance), not exposure, because the shop
    uses both grey and white cards and we cannot tell them apart.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .delta_e import D50_XYZ, M_XYZ50_TO_LINEAR, linear_to_lab, xyz_to_lab

__all__ = ["CARD_TYPES", "CardType", "get_card"]

_CLASSIC24_SOURCE = (
    "colour-science CCS_COLOURCHECKERS['ColorChecker24 - After November 2014'] "
    "(X-Rite, xyY, D50, 2 deg); Lab rel. D50; linear sRGB via Bradford D50->D65"
)

_CLASSIC24_NAMES_ZH = (
    "深肤色", "浅肤色", "蓝天", "绿叶", "蓝花", "蓝绿",
    "橙色", "紫蓝", "中红", "紫色", "黄绿", "橙黄",
    "蓝色", "绿色", "红色", "黄色", "品红", "青色",
    "白 9.5", "中性灰 8", "中性灰 6.5", "中性灰 5", "中性灰 3.5", "黑 2",
)  # fmt: skip

# Short English names: the dataset's names with the density suffix dropped.
_CLASSIC24_NAMES = (
    "dark skin", "light skin", "blue sky", "foliage", "blue flower", "bluish green",
    "orange", "purplish blue", "moderate red", "purple", "yellow green", "orange yellow",
    "blue", "green", "red", "yellow", "magenta", "cyan",
    "white", "neutral 8", "neutral 6.5", "neutral 5", "neutral 3.5", "black",
)  # fmt: skip


@dataclass(frozen=True)
class CardType:
    """One kind of reference card.

    ``reference_lab`` (N, 3) is Lab (D50); ``reference_linear`` (N, 3) linear sRGB (D65).
    ``neutral`` holds the indices (0-based) of the achromatic patches, light to dark.
    """

    name: str
    rows: int
    cols: int
    names: tuple[str, ...]
    names_zh: tuple[str, ...]
    reference_lab: np.ndarray = field(repr=False)
    reference_linear: np.ndarray = field(repr=False)
    neutral: tuple[int, ...]
    source: str
    # gap between patches relative to the patch side (for sampling geometry)
    gap_ratio: float = 0.0

    @property
    def n_patches(self) -> int:
        return len(self.names)


def _xyy_to_xyz(xyy: np.ndarray) -> np.ndarray:
    x, y, Y = xyy[..., 0], xyy[..., 1], xyy[..., 2]
    return np.stack([x * Y / y, Y, (1 - x - y) * Y / y], axis=-1)


@lru_cache(maxsize=1)
def _classic24() -> CardType:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # colour warns about optional scipy/matplotlib
        from colour import CCS_COLOURCHECKERS

    data = CCS_COLOURCHECKERS["ColorChecker24 - After November 2014"].data
    xyy = np.array(list(data.values()), dtype=float)
    xyz = _xyy_to_xyz(xyy)
    lab = xyz_to_lab(xyz, D50_XYZ)
    lin = xyz @ M_XYZ50_TO_LINEAR.T
    for a in (lab, lin):
        a.setflags(write=False)
    return CardType(
        name="classic24",
        rows=4,
        cols=6,
        names=_CLASSIC24_NAMES,
        names_zh=_CLASSIC24_NAMES_ZH,
        reference_lab=lab,
        reference_linear=lin,
        neutral=(18, 19, 20, 21, 22, 23),
        source=_CLASSIC24_SOURCE,
        gap_ratio=0.18,
    )


@lru_cache(maxsize=1)
def _grey() -> CardType:
    lin = np.full((1, 3), 0.18)
    lab = linear_to_lab(lin)
    for a in (lab, lin):
        a.setflags(write=False)
    return CardType(
        name="grey",
        rows=1,
        cols=1,
        names=("grey card",),
        names_zh=("灰卡",),
        reference_lab=lab,
        reference_linear=lin,
        neutral=(0,),
        source="neutral at the measured luminance (white balance only)",
    )


CARD_TYPES: dict[str, Callable[[], CardType]] = {"classic24": _classic24, "grey": _grey}


def get_card(name: str) -> CardType:
    """Return the card type registered as ``name`` (``classic24`` or ``grey``)."""
    try:
        return CARD_TYPES[name]()
    except KeyError:
        raise ValueError(
            f"unknown card type {name!r}; choose one of {sorted(CARD_TYPES)}"
        ) from None
