"""The Classic 24 as a real camera records it under a real light, from spectra.

The casts of :mod:`.scenes` act in linear sRGB: a gain per channel or a 3 × 3, the very
models the correction fits. A real light acts on each patch's spectrum through the
camera's own sensitivities, so two patches that match under daylight may not match under
a fluorescent tube (metamerism), and no 3 × 3 undoes that exactly. This renders the card
from colour-science's data (no network):

- reflectances: ``SDS_COLOURCHECKERS['BabelColor Average']`` (the 24 patches);
- lights: ``SDS_ILLUMINANTS`` (CIE A, D65, the fluorescents FL1-FL12 and FL3.x, the
  high-pressure lamps HP1-HP5, the LEDs);
- cameras: ``MSDS_CAMERA_SENSITIVITIES`` (a Nikon D5100, a Bayer sensor; a Sigma SD
  Merrill, a Foveon sensor, whose channels overlap far more).

The camera's own processing, three ways (``balance``):

- ``auto``: white balance on the card's neutral 5 under that light, then the camera's
  colour matrix (a 3 × 3 fitted from its raw values to sRGB under D65);
- ``daylight``: the same with the white balance left at daylight's (a camera on its
  daylight preset under a tube or a lamp: the cast is the light's);
- ``raw``: the sensor's values as they are, neither balanced nor matrixed (an industrial
  camera without an ISP).

The result is exposed so that the white's brightest channel sits at ``white`` (0.85, as
the scenes' casts), and the rest of the scene is tinted as the card's greys are.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np

from .scenes import Cast, _light_matrix

CAMERAS = ("Nikon 5100 (NPL)", "Sigma SDMerill (NPL)")
BALANCES = ("auto", "daylight", "raw")
OTHER_ORDER = np.random.default_rng(7).permutation(24)  # a third-party card: the same colours
_GREY = 21  # neutral 5: the grey a camera's auto white balance is set on


@lru_cache(maxsize=1)
def _data() -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour

    shape = colour.SpectralShape(400, 700, 10)
    reflectance = np.array([sd.copy().align(shape).values
                            for sd in colour.SDS_COLOURCHECKERS["BabelColor Average"].values()])
    cmfs = colour.MSDS_CMFS["CIE 1931 2 Degree Standard Observer"].copy().align(shape).values
    return {
        "colour": colour,
        "shape": shape,
        "reflectance": reflectance,  # (24, L)
        "cmfs": cmfs,  # (L, 3)
        "cameras": {k: colour.MSDS_CAMERA_SENSITIVITIES[k].copy().align(shape).values for k in CAMERAS},
    }


def _illuminant(name: str) -> np.ndarray:
    d = _data()
    return d["colour"].SDS_ILLUMINANTS[name].copy().align(d["shape"]).values


@lru_cache(maxsize=4)
def _colour_matrix(camera: str) -> tuple[np.ndarray, np.ndarray]:
    """The camera's daylight white balance gains and its colour matrix (raw × gains → linear
    sRGB, fitted on the 24 patches under D65, as a maker calibrates one)."""
    d = _data()
    e = _illuminant("D65")
    raw = (d["reflectance"] * e) @ d["cameras"][camera]
    xyz = (d["reflectance"] * e) @ d["cmfs"]
    xyz = xyz / float((e @ d["cmfs"])[1])
    srgb = d["colour"].XYZ_to_RGB(xyz, d["colour"].RGB_COLOURSPACES["sRGB"], apply_cctf_encoding=False)
    gains = raw[_GREY].mean() / raw[_GREY]
    matrix, *_ = np.linalg.lstsq(raw * gains, srgb, rcond=None)
    return gains, matrix


def camera_card(camera: str, illuminant: str, balance: str, white: float = 0.85) -> np.ndarray:
    """The 24 patches (linear sRGB, (24, 3)) as ``camera`` writes them under ``illuminant``
    with its white balance ``balance`` (see the module)."""
    if balance not in BALANCES:
        raise ValueError(f"unknown balance {balance!r}")
    d = _data()
    raw = (d["reflectance"] * _illuminant(illuminant)) @ d["cameras"][camera]
    if balance == "raw":
        out = raw
    else:
        daylight, matrix = _colour_matrix(camera)
        gains = raw[_GREY].mean() / raw[_GREY] if balance == "auto" else daylight
        out = (raw * gains) @ matrix
    out = np.clip(out, 0.0, None)  # a channel below 0 is written as 0
    return out * (white / float(out[18].max()))


def scene_args(camera: str, illuminant: str, balance: str) -> dict:
    """``make_scene`` keywords for that card: its colours, and a cast (gains only) that tints
    the rest of the scene as the card's neutral 5 is tinted, leaving the card as rendered."""
    card = camera_card(camera, illuminant, balance)
    grey = np.maximum(card[_GREY], 1e-4)  # a channel the light leaves at 0 (a sodium lamp's blue)
    tint = grey / float(grey.mean())
    cast = Cast(6504.0, tuple(float(t) for t in tint), exposure=1.0, light="gains")
    applied = np.diag(_light_matrix(cast.kelvin, cast.light)) * tint
    return {"colours": card / applied, "cast": cast}


def card_scene(camera: str, illuminant: str, balance: str, other_order: bool = False,
               card_frac: float = 0.3, angle: float = 17.0) -> np.ndarray:
    """That card in a 1500 × 1000 scene (a little perspective, noise, JPEG), uint8 sRGB;
    with ``other_order`` its patches in OTHER_ORDER."""
    from .scenes import make_scene

    kw = scene_args(camera, illuminant, balance)
    if other_order:
        kw["colours"] = kw["colours"][OTHER_ORDER]
    return make_scene(angle=angle, perspective=0.1, card_frac=card_frac, seed=3, **kw).rgb
