"""Make ``bayer_rggb_o6.dng``: a small, valid camera-RAW file with a known scene.

Run from the repository root (needs ``tifffile``, which only this script uses):

    .venv/bin/python tests/data/make_dng.py

The scene, as displayed (upright, 720 × 360): the left half red, the right half neutral
grey, and a blue square marker near the top-left corner. The camera was held rotated,
so the sensor stores the scene 360 × 720 and IFD0 says Orientation 6 ("rotate 90°
clockwise to view"). 720 px is wide enough for a 710-px rendition without upscaling.

The "camera" sees linear sRGB through channel gains ``GAINS`` (green most sensitive, as
in real sensors), so its ColorMatrix1 is ``diag(GAINS) · M(XYZ→linear sRGB)`` under D65
and its AsShotNeutral is ``GAINS``: a decoder that applies the DNG colour pipeline and
the as-shot white balance, at the exposure shot, gets the scene's sRGB values back.

Structure after Adobe's "Digital Negative (DNG) Specification" 1.4.0.0 (2012): IFD0 is an
8-bit RGB preview (NewSubFileType 1) holding the DNG, colour and orientation tags;
SubIFD 0 holds the 16-bit Bayer CFA (PhotometricInterpretation 32803, RGGB), compressed
as most DNGs are, with lossless JPEG (Compression 7; ITU-T T.81 Annex H, process 14,
predictor 1, two interleaved components of half width so each CFA colour predicts from
its own kind); EXIF DateTimeOriginal lives in an Exif IFD as cameras write it.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("bayer_rggb_o6.dng")

W, H = 720, 360  # displayed size (after Orientation 6)
RED = (200, 40, 40)
GREY = (128, 128, 128)
MARK = (40, 70, 190)
MARK_BOX = (30, 30, 120, 120)  # x0, y0, x1, y1 in display pixels
GAINS = np.array([0.5, 1.0, 0.65])  # camera R, G, B response to linear sRGB R, G, B
BLACK, WHITE = 512, 15000  # 14-bit sensor in a 16-bit container
DTO = "2024:05:06 10:20:30"  # DateTimeOriginal (Exif IFD)
SUBSEC = "25"  # SubSecTimeOriginal: .25 s
DATETIME = "2024:06:01 09:00:00"  # DateTime (IFD0): when the file was last written
MODEL = "imgprep Synthetic Bayer 1"
PLACEHOLDER = 34664  # an unused tag code that sorts just before ExifIFD (34665)

# XYZ (D65) → linear sRGB, IEC 61966-2-1:1999 (inverse of the sRGB primaries' matrix).
XYZ_TO_SRGB = np.array([[3.2406, -1.5372, -0.4986],
                        [-0.9689, 1.8758, 0.0415],
                        [0.0557, -0.2040, 1.0570]])


def display_scene() -> np.ndarray:
    img = np.empty((H, W, 3), np.uint8)
    img[:, : W // 2] = RED
    img[:, W // 2 :] = GREY
    x0, y0, x1, y1 = MARK_BOX
    img[y0:y1, x0:x1] = MARK
    return img


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    v = v / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def bayer(stored: np.ndarray) -> np.ndarray:
    """RGGB mosaic of the stored (sensor-oriented) scene — uint8 sRGB, or float linear
    sRGB in [0, 1] — 16-bit with black and white level."""
    lin = srgb_to_linear(stored.astype(np.float64)) if stored.dtype == np.uint8 else np.clip(stored, 0, 1)
    cam = lin * GAINS
    raw = np.empty(stored.shape[:2], np.float64)
    raw[0::2, 0::2] = cam[0::2, 0::2, 0]  # R
    raw[0::2, 1::2] = cam[0::2, 1::2, 1]  # G
    raw[1::2, 0::2] = cam[1::2, 0::2, 1]  # G
    raw[1::2, 1::2] = cam[1::2, 1::2, 2]  # B
    return np.round(BLACK + raw * (WHITE - BLACK)).astype(np.uint16)


# Huffman table for the difference categories SSSS 0..16 (T.81 Annex C): category 0 (no
# change, most of a flat scene) gets a 1-bit code; 14 five-bit and 2 six-bit codes for the
# rest leave the all-ones code unused, as T.81 requires.
BITS = [1, 0, 0, 0, 14, 2] + [0] * 10
HUFFVAL = list(range(17))


def _codes() -> dict[int, tuple[int, int]]:
    out, code, k = {}, 0, 0
    for length, n in enumerate(BITS, start=1):
        for _ in range(n):
            out[HUFFVAL[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return out


def lossless_jpeg(cfa: np.ndarray) -> bytes:
    """``cfa`` as a 16-bit lossless JPEG of two components, each ``width / 2`` wide."""
    h, w = cfa.shape
    x = cfa.astype(np.int64)
    pred = np.empty_like(x)
    pred[:, 2:] = x[:, :-2]  # predictor 1: the sample to the left (same component)
    pred[1:, :2] = x[:-1, :2]  # first column of a line: the sample above
    pred[0, :2] = 1 << 15  # first sample: 2^(P - Pt - 1)
    diff = (x - pred) % 65536
    diff = np.where(diff > 32768, diff - 65536, diff).ravel()
    codes = _codes()
    acc, nbits, out = 0, 0, bytearray()
    for d in diff.tolist():
        ssss = abs(d).bit_length()
        code, length = codes[ssss]
        acc = (acc << length) | code
        nbits += length
        if ssss and ssss < 16:
            acc = (acc << ssss) | ((d if d > 0 else d - 1) & ((1 << ssss) - 1))
            nbits += ssss
        while nbits >= 8:
            nbits -= 8
            byte = (acc >> nbits) & 0xFF
            out.append(byte)
            if byte == 0xFF:
                out.append(0)  # byte stuffing
        acc &= (1 << nbits) - 1
    if nbits:
        byte = ((acc << (8 - nbits)) | ((1 << (8 - nbits)) - 1)) & 0xFF  # pad with 1-bits
        out.append(byte)
        if byte == 0xFF:
            out.append(0)

    def seg(marker: int, body: bytes) -> bytes:
        return struct.pack(">HH", marker, len(body) + 2) + body

    dht = seg(0xFFC4, bytes([0x00] + BITS + HUFFVAL))
    sof3 = seg(0xFFC3, struct.pack(">BHHB", 16, h, w // 2, 2) + bytes([1, 0x11, 0, 2, 0x11, 0]))
    sos = seg(0xFFDA, bytes([2, 1, 0x00, 2, 0x00, 1, 0, 0]))  # predictor 1, Pt 0
    return b"\xff\xd8" + dht + sof3 + sos + bytes(out) + b"\xff\xd9"


def rationals(values, denominator: int = 10000) -> list[int]:
    out: list[int] = []
    for v in values:
        out += [round(float(v) * denominator), denominator]
    return out


def exif_ifd(start: int, dto_text: str = DTO, subsec: str = SUBSEC) -> bytes:
    """A little-endian Exif IFD placed at file offset ``start`` (TIFF 6.0 §2 layout)."""
    dto = dto_text.encode() + b"\0"
    sub = subsec.encode() + b"\0"
    entries = [(36864, 7, 4, b"0231"), (36867, 2, len(dto), dto), (37521, 2, len(sub), sub)]
    table_len = 2 + 12 * len(entries) + 4
    data = b""
    table = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        if len(value) <= 4:
            table += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\0")
        else:
            table += struct.pack("<HHII", tag, typ, count, start + table_len + len(data))
            data += value + b"\0" * (len(value) % 2)
    return table + struct.pack("<I", 0) + data


def write_dng(out: Path, stored: np.ndarray, orientation: int = 1, lossless: bool = True,
              dto: str = DTO, subsec: str = SUBSEC) -> int:
    """A DNG of ``stored`` (the scene as the sensor holds it: uint8 sRGB or float linear
    sRGB, even width and height) seen through ``GAINS``. ``lossless``: lossless JPEG as
    cameras write it (a pure-Python encoder: small scenes only); else uncompressed, which
    tests use for larger scenes. Returns the file size."""
    import tifffile

    cfa = bayer(stored)
    preview = np.ascontiguousarray(stored[8::16, 8::16])  # sensor orientation
    if preview.dtype != np.uint8:
        preview = np.round(np.clip(preview, 0, 1) ** (1 / 2.2) * 255).astype(np.uint8)

    colour_matrix = np.diag(GAINS) @ XYZ_TO_SRGB
    ifd0_tags = [
        (271, "s", 0, "imgprep", True),  # Make
        (272, "s", 0, "Synthetic Bayer 1", True),  # Model
        (274, "H", 1, orientation, True),  # Orientation (6: rotate 90° CW to view)
        (PLACEHOLDER, "I", 1, 0, True),  # becomes ExifIFD (34665), see below
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50707, "B", 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
        (50708, "s", 0, MODEL, True),  # UniqueCameraModel
        (50721, 10, 9, rationals(colour_matrix.ravel()), True),  # ColorMatrix1 (SRATIONAL)
        (50728, 5, 3, rationals(GAINS), True),  # AsShotNeutral (RATIONAL)
        (50778, "H", 1, 21, True),  # CalibrationIlluminant1: D65
    ]
    raw_tags = [
        (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern: R G / G B
        (50710, "B", 3, (0, 1, 2), True),  # CFAPlaneColor
        (50711, "H", 1, 1, True),  # CFALayout: rectangular
        (50713, "H", 2, (1, 1), True),  # BlackLevelRepeatDim
        (50714, "H", 1, BLACK, True),  # BlackLevel
        (50717, "H", 1, WHITE, True),  # WhiteLevel
    ]
    with tifffile.TiffWriter(out, byteorder="<") as tif:
        tif.write(preview, photometric="rgb", subfiletype=1, subifds=1, metadata=None,
                  software="imgprep tests/data/make_dng.py", datetime=DATETIME, extratags=ifd0_tags)
        if lossless:
            # One strip, already encoded. tifffile writes pre-encoded bytes as they are but
            # wants a codec it knows for the tag (its JPEG one needs imagecodecs): say
            # Deflate and set Compression to 7 below.
            tif.write(iter([lossless_jpeg(cfa)]), shape=cfa.shape, dtype=cfa.dtype, compression="zlib",
                      photometric=32803, subfiletype=0, rowsperstrip=cfa.shape[0], metadata=None,
                      software=False, extratags=raw_tags)
        else:
            tif.write(cfa, photometric=32803, subfiletype=0, rowsperstrip=cfa.shape[0], metadata=None,
                      software=False, extratags=raw_tags)

    # tifffile writes no Exif IFD (it filters tag 34665): append one, then turn the
    # placeholder entry (same sort position in IFD0) into ExifIFD pointing at it.
    with tifffile.TiffFile(out) as tif:
        tag = tif.pages[0].tags[PLACEHOLDER]
        entry, where = tag.offset, tag.valueoffset
        compression = tif.pages[0].pages[0].tags[259].valueoffset
    data = bytearray(Path(out).read_bytes())
    if lossless:
        data[compression:compression + 2] = struct.pack("<H", 7)  # lossless JPEG
    data += b"\0" * (len(data) % 2)
    start = len(data)
    data += exif_ifd(start, dto, subsec)
    data[entry:entry + 2] = struct.pack("<H", 34665)
    data[where:where + 4] = struct.pack("<I", start)
    Path(out).write_bytes(bytes(data))
    return len(data)


def main() -> None:
    stored = np.ascontiguousarray(np.rot90(display_scene(), k=1))  # Orientation 6 shows it upright
    n = write_dng(OUT, stored, orientation=6)
    print(f"{OUT} ({n} bytes)")


if __name__ == "__main__":
    main()
