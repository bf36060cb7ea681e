"""Colour spaces applied with numpy, for pixels at 16 bits and for HEIF's coded colour.

lcms (through Pillow's ImageCms) converts 8-bit images only: Pillow has no 16-bit RGB
mode. A phone's 10-bit HEIF in Display P3, or a 16-bit TIFF in Adobe RGB, must reach the
colour correction at 16 bits all the same, so the common kind of profile is applied
here: a matrix/TRC RGB profile (ICC.1:2010 §F.3: three tone curves, then the colorants'
3 × 3 matrix into the D50 PCS), which is what Display P3, Adobe RGB (1998), ProPhoto and
the sRGB profiles are. The destination is the sRGB profile the renditions embed, read
from its own tags, so the result is lcms's relative colorimetric conversion (black point
compensation does nothing between matrix/TRC profiles: both blacks are 0). A profile with
lookup tables (A2B0 …) is not matrix/TRC: :func:`matrix_shaper` returns None and the
caller takes lcms's 8-bit conversion.

HEIF may also describe its colour by code points (an ``nclx`` box, ITU-T H.273) instead
of an ICC profile: :func:`nclx_shaper` makes the same kind of transform from the
primaries it names, for the sRGB transfer curve.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

Curve = Callable[[np.ndarray], np.ndarray]

# ICC tags that make a profile a lookup-table profile: lcms prefers them over the matrix.
_LUT_TAGS = (b"A2B0", b"A2B1", b"A2B2", b"D2B0")
# H.273 colour primaries that are not sRGB's (1) nor unspecified (2), by name.
NCLX_PRIMARIES = {4: "BT.470M", 5: "BT.470BG", 6: "SMPTE 170M", 7: "SMPTE 240M", 8: "generic film",
                  9: "BT.2020", 10: "XYZ", 11: "DCI-P3", 12: "Display P3", 22: "EBU 3213"}
_SRGB_TRANSFER = (2, 13)  # unspecified, IEC 61966-2-1 (sRGB)
ROWS = 256  # rows converted at a time: a 12 MP photo never holds more than ~20 MB of floats


@dataclass(frozen=True)
class Shaper:
    """A matrix/TRC source colour space: per-channel curves to linear light, then the
    3 × 3 matrix from linear RGB to PCS XYZ (D50)."""

    name: str
    curves: tuple[Curve, Curve, Curve]
    matrix: np.ndarray


def _tags(data: bytes) -> dict[bytes, bytes]:
    if len(data) < 132 or data[36:40] != b"acsp":
        raise ValueError("not an ICC profile")
    n = struct.unpack_from(">I", data, 128)[0]
    if n > 256 or 132 + 12 * n > len(data):
        raise ValueError("broken tag table")
    out = {}
    for i in range(n):
        sig, off, size = struct.unpack_from(">4sII", data, 132 + 12 * i)
        if off + size > len(data):
            raise ValueError("tag outside the profile")
        out[sig] = data[off:off + size]
    return out


def _xyz(tag: bytes) -> np.ndarray:
    if tag[:4] != b"XYZ " or len(tag) < 20:
        raise ValueError("not an XYZ tag")
    return np.array(struct.unpack_from(">3i", tag, 8), float) / 65536.0


def _curve(tag: bytes) -> Curve:
    """A tone curve tag (``curv`` or ``para``, ICC.1:2010 §10.5, §10.16) as a function on
    values 0–1."""
    kind = tag[:4]
    if kind == b"curv":
        n = struct.unpack_from(">I", tag, 8)[0]
        if n == 0:
            return lambda x: x
        if n == 1:
            g = struct.unpack_from(">H", tag, 12)[0] / 256.0
            return lambda x: np.power(x, g)
        if 12 + 2 * n > len(tag):
            raise ValueError("curve table cut")
        table = np.array(struct.unpack_from(f">{n}H", tag, 12), float) / 65535.0
        grid = np.linspace(0.0, 1.0, n)
        return lambda x: np.interp(x, grid, table)
    if kind == b"para":
        fn = struct.unpack_from(">H", tag, 8)[0]
        count = {0: 1, 1: 3, 2: 4, 3: 5, 4: 7}.get(fn)
        if count is None or 12 + 4 * count > len(tag):
            raise ValueError("unknown parametric curve")
        g, a, b, c, d, e, f = (list(struct.unpack_from(f">{count}i", tag, 12)) + [0] * 6)[:7]
        g, a, b, c, d, e, f = (v / 65536.0 for v in (g, a, b, c, d, e, f))
        if fn == 0:
            return lambda x: np.power(x, g)
        if fn in (1, 2) and a == 0:
            raise ValueError("parametric curve with a = 0")

        def para(x: np.ndarray) -> np.ndarray:
            hi = np.power(np.maximum(a * x + b, 0.0), g)
            if fn == 1:
                return np.where(x >= -b / a, hi, 0.0)
            if fn == 2:
                return np.where(x >= -b / a, hi + c, c)
            if fn == 3:
                return np.where(x >= d, hi, c * x)
            return np.where(x >= d, hi + e, c * x + f)

        return para
    raise ValueError(f"unknown curve type {kind!r}")


def matrix_shaper(icc: bytes, name: str = "") -> Shaper | None:
    """The matrix/TRC transform of an RGB ICC profile, or None when the profile is not
    one (a lookup-table profile, not RGB, broken)."""
    try:
        if icc[16:20] != b"RGB ":
            return None
        tags = _tags(icc)
        if any(t in tags for t in _LUT_TAGS):
            return None
        m = np.stack([_xyz(tags[b"rXYZ"]), _xyz(tags[b"gXYZ"]), _xyz(tags[b"bXYZ"])], axis=1)
        curves = (_curve(tags[b"rTRC"]), _curve(tags[b"gTRC"]), _curve(tags[b"bTRC"]))
    except (KeyError, ValueError, struct.error, ZeroDivisionError):
        return None
    if not np.isfinite(m).all() or abs(np.linalg.det(m)) < 1e-6:
        return None
    return Shaper(name, curves, m)


def _srgb_decode(x: np.ndarray) -> np.ndarray:
    return np.where(x <= 0.04045, x / 12.92, np.power((np.maximum(x, 0.0) + 0.055) / 1.055, 2.4))


def _srgb_encode(x: np.ndarray) -> np.ndarray:
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * np.power(np.maximum(x, 0.0), 1 / 2.4) - 0.055)


def nclx_shaper(nclx: dict[str, Any] | None) -> Shaper | None:
    """The transform of HEIF colour given by code points (pillow-heif's ``nclx_profile``:
    H.273 primaries with their chromaticities, transfer characteristics), or None when it
    is sRGB's, or not a case handled here (no sRGB transfer curve: HDR's PQ and HLG)."""
    if not nclx:
        return None
    primaries = nclx.get("color_primaries")
    if primaries not in NCLX_PRIMARIES or nclx.get("transfer_characteristics") not in _SRGB_TRANSFER:
        return None
    try:
        xy = np.array([[nclx[f"color_primary_{c}_x"], nclx[f"color_primary_{c}_y"]]
                       for c in ("red", "green", "blue", "white")], float)
    except KeyError:
        return None
    if not np.isfinite(xy).all() or (xy[:, 1] <= 0).any():
        return None
    from ..colour.delta_e import D50_XYZ, bradford_matrix

    xyz = np.stack([xy[:, 0] / xy[:, 1], np.ones(4), (1 - xy[:, 0] - xy[:, 1]) / xy[:, 1]], axis=1)
    prim, white = xyz[:3].T, xyz[3]
    try:
        m = prim * np.linalg.solve(prim, white)  # columns scaled so RGB (1, 1, 1) is the white
    except np.linalg.LinAlgError:
        return None
    m = bradford_matrix(white, D50_XYZ) @ m  # colorants adapted to the PCS white, as ICC does
    return Shaper(NCLX_PRIMARIES[primaries], (_srgb_decode,) * 3, m)


@lru_cache(maxsize=1)
def _srgb_matrix_inv() -> np.ndarray:
    from .load import srgb_profile

    dst = matrix_shaper(srgb_profile().tobytes())
    assert dst is not None
    return np.linalg.inv(dst.matrix)


def convert(a: np.ndarray, src: Shaper) -> np.ndarray:
    """``a`` (H, W, 3) uint8 or uint16 in ``src`` → sRGB, same dtype, out-of-gamut colours
    clipped (as lcms does for integer output)."""
    top = float(np.iinfo(a.dtype).max)
    x = np.arange(int(top) + 1, dtype=np.float64) / top
    luts = [np.asarray(c(x), np.float32) for c in src.curves]
    m = (_srgb_matrix_inv() @ src.matrix).astype(np.float32)
    out = np.empty_like(a)
    for y0 in range(0, a.shape[0], ROWS):
        part = a[y0:y0 + ROWS]
        lin = np.stack([np.take(luts[c], part[..., c]) for c in range(3)], axis=-1)
        lin = np.clip(lin @ m.T, 0.0, 1.0)
        out[y0:y0 + ROWS] = np.round(_srgb_encode(lin) * top).astype(a.dtype)
    return out


__all__ = ["Shaper", "matrix_shaper", "nclx_shaper", "convert", "NCLX_PRIMARIES"]
