"""CIEDE2000 colour difference and the sRGB ↔ linear ↔ XYZ ↔ Lab conversions used by the
colour package.

All functions are vectorised on the last axis: they accept ``(3,)``, ``(N, 3)`` and
``(H, W, 3)`` arrays alike.

Lab convention: CIE L*a*b* relative to the **D50** white (ICC PCS). Linear sRGB (D65) is
converted to XYZ (D65), adapted to D50 with the Bradford transform, then to Lab. The card
reference data (ColorChecker, published for D50) thus need no conversion for reports.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "BRADFORD",
    "D50_XYZ",
    "D65_XYZ",
    "M_SRGB_TO_XYZ",
    "bradford_matrix",
    "delta_e_2000",
    "held_in_srgb",
    "lab_to_xyz",
    "linear_to_lab",
    "lab_to_linear",
    "linear_to_srgb",
    "srgb_to_linear",
    "srgb8_to_linear",
    "xyz_to_lab",
]

FloatArray = NDArray[np.float64]

# IEC 61966-2-1:1999 sRGB primaries with the D65 white, XYZ scaled so Y(white) = 1.
M_SRGB_TO_XYZ = np.array(
    [
        [0.4124, 0.3576, 0.1805],
        [0.2126, 0.7152, 0.0722],
        [0.0193, 0.1192, 0.9505],
    ]
)
M_XYZ_TO_SRGB = np.linalg.inv(M_SRGB_TO_XYZ)
# White points as XYZ with Y = 1 (CIE 1931 2° observer). D65 from the sRGB matrix rows so
# that linear (1, 1, 1) maps exactly to a* = b* = 0; D50 is the ICC PCS white.
D65_XYZ = M_SRGB_TO_XYZ.sum(axis=1)
D50_XYZ = np.array([0.9642, 1.0, 0.8249])

# Bradford cone response matrix (Lam 1985; as used by ICC v4, Annex E).
BRADFORD = np.array(
    [
        [0.8951, 0.2664, -0.1614],
        [-0.7502, 1.7135, 0.0367],
        [0.0389, -0.0685, 1.0296],
    ]
)


def bradford_matrix(src_white: ArrayLike, dst_white: ArrayLike) -> FloatArray:
    """3x3 von Kries transform in Bradford cone space adapting XYZ from ``src_white`` to
    ``dst_white`` (both XYZ)."""
    src = BRADFORD @ np.asarray(src_white, dtype=float)
    dst = BRADFORD @ np.asarray(dst_white, dtype=float)
    return np.linalg.inv(BRADFORD) @ np.diag(dst / src) @ BRADFORD


_D65_TO_D50 = bradford_matrix(D65_XYZ, D50_XYZ)
# linear sRGB (D65) -> XYZ adapted to D50, and back.
M_LINEAR_TO_XYZ50 = _D65_TO_D50 @ M_SRGB_TO_XYZ
M_XYZ50_TO_LINEAR = np.linalg.inv(M_LINEAR_TO_XYZ50)


def srgb_to_linear(v: ArrayLike) -> FloatArray:
    """sRGB transfer function inverse (IEC 61966-2-1), values in [0, 1]."""
    v = np.asarray(v, dtype=float)
    return np.where(v <= 0.04045, v / 12.92, ((np.maximum(v, 0.04045) + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v: ArrayLike) -> FloatArray:
    """sRGB transfer function (IEC 61966-2-1); negative input is clipped to 0."""
    v = np.maximum(np.asarray(v, dtype=float), 0.0)
    return np.where(
        v <= 0.0031308, v * 12.92, 1.055 * np.power(np.maximum(v, 0.0031308), 1 / 2.4) - 0.055
    )


_SRGB8_TO_LINEAR = srgb_to_linear(np.arange(256) / 255.0)


def srgb8_to_linear(rgb: ArrayLike) -> NDArray[np.float32]:
    """uint8 sRGB → float32 linear via a 256-entry table."""
    return _SRGB8_TO_LINEAR.astype(np.float32)[np.asarray(rgb, dtype=np.uint8)]


def _f(t: FloatArray) -> FloatArray:
    d = 6 / 29
    return np.where(t > d**3, np.cbrt(t), t / (3 * d * d) + 4 / 29)


def _f_inv(t: FloatArray) -> FloatArray:
    d = 6 / 29
    return np.where(t > d, t**3, 3 * d * d * (t - 4 / 29))


def xyz_to_lab(xyz: ArrayLike, white: ArrayLike = D50_XYZ) -> FloatArray:
    """CIE 1976 L*a*b* from XYZ (Y of the white = 1)."""
    xyz = np.asarray(xyz, dtype=float) / np.asarray(white, dtype=float)
    fx, fy, fz = _f(xyz[..., 0]), _f(xyz[..., 1]), _f(xyz[..., 2])
    return np.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], axis=-1)


def lab_to_xyz(lab: ArrayLike, white: ArrayLike = D50_XYZ) -> FloatArray:
    """Inverse of :func:`xyz_to_lab`."""
    lab = np.asarray(lab, dtype=float)
    fy = (lab[..., 0] + 16) / 116
    fx = fy + lab[..., 1] / 500
    fz = fy - lab[..., 2] / 200
    return np.stack([_f_inv(fx), _f_inv(fy), _f_inv(fz)], axis=-1) * np.asarray(white, dtype=float)


def linear_to_lab(rgb_linear: ArrayLike) -> FloatArray:
    """Linear sRGB (D65) → Lab (D50) by Bradford adaptation (the package convention)."""
    return xyz_to_lab(np.asarray(rgb_linear, dtype=float) @ M_LINEAR_TO_XYZ50.T)


def held_in_srgb(rgb_linear: ArrayLike) -> FloatArray:
    """What an sRGB file holds of linear sRGB colours: each channel clipped to [0, 1], as
    the correction clips before it encodes. A perfect correction writes this, so the
    report measures "after" against it (docs/colour-detection.md, "Honest figures"). Of
    the Classic 24 only cyan (18) lies outside sRGB (linear red −0.044): the nearest an
    sRGB file holds is 3.46 ΔE2000 from the card's cyan."""
    return np.clip(np.asarray(rgb_linear, dtype=float), 0.0, 1.0)


def lab_to_linear(lab: ArrayLike) -> FloatArray:
    """Lab (D50) → linear sRGB (D65); out-of-gamut values are not clipped."""
    return lab_to_xyz(lab) @ M_XYZ50_TO_LINEAR.T


def delta_e_2000(
    lab1: ArrayLike, lab2: ArrayLike, k_L: float = 1.0, k_C: float = 1.0, k_H: float = 1.0
) -> FloatArray:
    """CIEDE2000 colour difference on the last axis.

    Implements the formula as written out by Sharma, Wu & Dalal, "The CIEDE2000
    Color-Difference Formula: Implementation Notes, Supplementary Test Data, and
    Mathematical Observations", Color Res. Appl. 30(1), 2005, eqs. (1)–(17), including
    the hue conventions of their notes (hue 0 for achromatic colours, mean hue branch).
    NaN in either input gives NaN for that element.
    """
    lab1 = np.asarray(lab1, dtype=float)
    lab2 = np.asarray(lab2, dtype=float)
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    C1p, h1p, C2p, h2p = _primed_chroma_hue(a1, b1, a2, b2)
    CpCp = C1p * C2p
    dLp = L2 - L1
    dCp = C2p - C1p
    dHp = _hue_difference(h1p, h2p, CpCp)
    Lp_bar = (L1 + L2) / 2
    Cp_bar = (C1p + C2p) / 2
    S_L, S_C, S_H, R_T = _weights(Lp_bar, Cp_bar, _mean_hue(h1p, h2p, CpCp))
    tL = dLp / (k_L * S_L)
    tC = dCp / (k_C * S_C)
    tH = dHp / (k_H * S_H)
    return np.sqrt(np.maximum(tL**2 + tC**2 + tH**2 + R_T * tC * tH, 0.0))


def _primed_chroma_hue(a1: FloatArray, b1: FloatArray, a2: FloatArray,
                       b2: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """C'1, h'1, C'2, h'2 (Sharma et al. eqs. 2–7): a* scaled by the G factor; hue in
    degrees, 0 for an achromatic colour."""
    C1 = np.hypot(a1, b1)
    C2 = np.hypot(a2, b2)
    C_bar7 = ((C1 + C2) / 2) ** 7
    G = 0.5 * (1 - np.sqrt(C_bar7 / (C_bar7 + 25.0**7)))
    a1p = (1 + G) * a1
    a2p = (1 + G) * a2
    C1p = np.hypot(a1p, b1)
    C2p = np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, h1p)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, h2p)
    return C1p, h1p, C2p, h2p


def _hue_difference(h1p: FloatArray, h2p: FloatArray, CpCp: FloatArray) -> FloatArray:
    """ΔH' (eqs. 10–11), with Δh' taken the short way round the hue circle."""
    dh = h2p - h1p
    dhp = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dhp = np.where(CpCp == 0, 0.0, dhp)
    return 2 * np.sqrt(CpCp) * np.sin(np.radians(dhp) / 2)


def _mean_hue(h1p: FloatArray, h2p: FloatArray, CpCp: FloatArray) -> FloatArray:
    """h̄' (eq. 14): the mean hue on the short arc; the sum when either colour is achromatic."""
    hsum = h1p + h2p
    hp_bar = np.where(
        np.abs(h1p - h2p) <= 180,
        hsum / 2,
        np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2),
    )
    return np.where(CpCp == 0, hsum, hp_bar)


def _weights(Lp_bar: FloatArray, Cp_bar: FloatArray,
             hp_bar: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """S_L, S_C, S_H and the rotation term R_T (eqs. 15–22)."""
    T = (
        1
        - 0.17 * np.cos(np.radians(hp_bar - 30))
        + 0.24 * np.cos(np.radians(2 * hp_bar))
        + 0.32 * np.cos(np.radians(3 * hp_bar + 6))
        - 0.20 * np.cos(np.radians(4 * hp_bar - 63))
    )
    d_theta = 30 * np.exp(-(((hp_bar - 275) / 25) ** 2))
    Cp_bar7 = Cp_bar**7
    R_C = 2 * np.sqrt(Cp_bar7 / (Cp_bar7 + 25.0**7))
    Lm50 = (Lp_bar - 50) ** 2
    S_L = 1 + 0.015 * Lm50 / np.sqrt(20 + Lm50)
    S_C = 1 + 0.045 * Cp_bar
    S_H = 1 + 0.015 * Cp_bar * T
    R_T = -np.sin(np.radians(2 * d_theta)) * R_C
    return S_L, S_C, S_H, R_T
