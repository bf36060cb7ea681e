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

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..errors import CardError
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


# CIE xyY (D50, 2°) of the ColorChecker Classic 24 after November 2014, X-Rite's published
# values as carried by colour-science's CCS_COLOURCHECKERS dataset. Kept here so the hot
# path does not import colour-science (~0.8 s); tests/core/colour prove they are equal.
CLASSIC24_XYY = (
    (0.43748359776589135, 0.37852284252367574, 0.098324361049038508),  # dark skin
    (0.42224944148252169, 0.37249368511754133, 0.33620230399462869),  # light skin
    (0.27614744043207645, 0.29838157212082628, 0.17855193476567299),  # blue sky
    (0.37331612820721999, 0.45116913568963873, 0.13467926789228754),  # foliage
    (0.30289052143105832, 0.28628690932531797, 0.22871759975296238),  # blue flower
    (0.28640482815577994, 0.38971778452370232, 0.41435546877690771),  # bluish green
    (0.52814772183158321, 0.40533496771952993, 0.31264161585204892),  # orange
    (0.23238584983686839, 0.21120371548292269, 0.10910902328342183),  # purplish blue
    (0.50444754713675299, 0.32706474514242939, 0.18899995604639894),  # moderate red
    (0.3334711475089796, 0.25055230112263344, 0.062766629551232106),  # purple
    (0.39889345078338362, 0.50414914883883277, 0.43317594089100103),  # yellow green
    (0.49357600127214574, 0.44428320198333177, 0.4293377577692557),  # orange yellow
    (0.2052207685222249, 0.16866547571361887, 0.055962140625000024),  # blue
    (0.32303796463349593, 0.51041818329904942, 0.22334375824654551),  # green
    (0.56287232272119514, 0.33556280741805006, 0.12780083497363057),  # red
    (0.46775934923353307, 0.47602443369004865, 0.59929768030669561),  # yellow
    (0.42131088608470502, 0.26692462327311373, 0.18951145768007596),  # magenta
    (0.20912871882445683, 0.30265801492415445, 0.18060991295576384),  # cyan
    (0.34891449451162004, 0.36421258000166201, 0.88069032027694338),  # white 9.5 (.05 D)
    (0.3455838580957924, 0.35988061288500306, 0.58997097019212041),  # neutral 8 (.23 D)
    (0.34414982920499509, 0.35918507011985279, 0.36486520663067878),  # neutral 6.5 (.44 D)
    (0.3457692225227178, 0.35909382718958216, 0.19062287543564713),  # neutral 5 (.70 D)
    (0.34264843258988703, 0.35758351535367289, 0.088172348283934374),  # neutral 3.5 (1.05 D)
    (0.34376746726184459, 0.35605762966210502, 0.031513194308909767),  # black 2 (1.5 D)
)


@lru_cache(maxsize=1)
def _classic24() -> CardType:
    xyy = np.array(CLASSIC24_XYY, dtype=float)
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
        raise CardError(
            f"unknown card type {name!r}; choose one of {sorted(CARD_TYPES)}"
        ) from None
