"""Test image factory: photos made on the fly, with the EXIF, ICC and layout facts tests check."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import struct
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image

MARK = (230, 20, 20)  # top-left marker: tells where "up" is after orientation
GREY = (128, 128, 128)  # bottom band: a plain area where a white watermark must show


def photo_array(w: int, h: int, seed: int = 0) -> np.ndarray:
    """A product-like photo: soft background gradient, a shaded 'product', a red marker in
    the top-left corner and a plain grey band along the bottom (as displayed)."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    base = 235 - 25 * y + 0 * x
    img = np.repeat(base[..., None], 3, axis=2)
    cx, cy, r = w * (0.4 + 0.2 * rng.random()), h * 0.5, min(w, h) * 0.28
    d = np.sqrt((x * w - cx) ** 2 + (y * h - cy) ** 2) / r
    inside = d < 1
    colour = np.array([40 + 150 * rng.random(), 60 + 120 * rng.random(), 90 + 100 * rng.random()], np.float32)
    shade = (1.05 - 0.45 * d)[..., None]
    img = np.where(inside[..., None], colour * shade, img)
    mw, mh = max(4, w // 12), max(4, h // 12)
    img[:mh, :mw] = MARK
    img[int(h * 0.85):, :] = GREY
    return np.clip(img, 0, 255).astype(np.uint8)


def exif_bytes(*, time: datetime | None = None, orientation: int | None = None, gps: bool = False,
               artist: str | None = None, copyright: str | None = None, serial: str | None = None) -> bytes:
    ex = Image.Exif()
    if time:
        ex.get_ifd(0x8769)[0x9003] = time.strftime("%Y:%m:%d %H:%M:%S")
    if serial:
        ex.get_ifd(0x8769)[0xA431] = serial  # BodySerialNumber
    if orientation:
        ex[0x0112] = orientation
    if artist:
        ex[0x013B] = artist
    if copyright:
        ex[0x8298] = copyright
    if gps:
        g = ex.get_ifd(0x8825)
        g[1] = "N"
        g[2] = (31.0, 14.0, 0.0)
        g[3] = "E"
        g[4] = (121.0, 28.0, 0.0)
    return ex.tobytes()


def stored_for(display: np.ndarray, orientation: int) -> np.ndarray:
    """The pixels a camera stores so that applying ``orientation`` shows ``display``."""
    if orientation == 6:  # viewer rotates 90° clockwise → stored is display rotated counter-clockwise
        return np.rot90(display, k=1)
    if orientation == 8:
        return np.rot90(display, k=-1)
    if orientation == 3:
        return np.rot90(display, k=2)
    return display


def save_jpeg(path: Path, arr: np.ndarray, *, quality: int = 88, icc: bytes | None = None,
              subsampling: int = -1, **exif) -> Path:
    """``subsampling``: -1 Pillow's default (4:2:0), 1 4:2:2, 0 4:4:4."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kw: dict = {"subsampling": subsampling}
    if icc:
        kw["icc_profile"] = icc
    Image.fromarray(arr).save(path, "JPEG", quality=quality, exif=exif_bytes(**exif), **kw)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def tree_hashes(root: Path, skip=(".imgprep.lock", "imgprep.sqlite", "imgprep.sqlite-wal",
                                  "imgprep.sqlite-shm", ".imgprep-backup")) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name not in skip:
            out[p.relative_to(root).as_posix()] = sha(p)
    return out


# ----------------------------------------------------------------------------- ICC
def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def matrix_icc(desc: str, rXYZ, gXYZ, bXYZ, gamma: float | str, wtpt=(0.9642, 1.0, 0.8249),
               extra: tuple = ()) -> bytes:
    """A minimal ICC v2 RGB matrix/TRC display profile (enough for lcms), built from the
    primaries' D50 XYZ and a pure gamma, or ``gamma="srgb"``: the sRGB tone curve (a
    parametric curve, as Apple's Display P3 profile has). Used to make Adobe RGB (1998)
    and Display P3 test files without shipping a vendor profile. ``extra``: more
    (signature, body) tags."""

    def xyz(v):
        return b"XYZ " + b"\0" * 4 + b"".join(_s15(c) for c in v)

    def curv(g):
        if g == "srgb":  # ICC.1:2010 §10.16, function type 3: g, a, b, c, d
            return b"para" + b"\0" * 4 + struct.pack(">HH", 3, 0) + b"".join(
                _s15(v) for v in (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045))
        return b"curv" + b"\0" * 4 + struct.pack(">I", 1) + struct.pack(">H", round(g * 256))

    def text_desc(s):
        a = s.encode("ascii") + b"\0"
        return (b"desc" + b"\0" * 4 + struct.pack(">I", len(a)) + a + b"\0" * 4 + b"\0" * 4
                + b"\0" * 2 + b"\0" + b"\0" * 67)

    tags = [(b"desc", text_desc(desc)), (b"wtpt", xyz(wtpt)), (b"rXYZ", xyz(rXYZ)), (b"gXYZ", xyz(gXYZ)),
            (b"bXYZ", xyz(bXYZ)), (b"rTRC", curv(gamma)), (b"gTRC", curv(gamma)), (b"bTRC", curv(gamma)),
            (b"cprt", b"text" + b"\0" * 4 + b"no copyright, test profile\0"), *extra]
    n = len(tags)
    offset = 128 + 4 + 12 * n
    table, data = b"", b""
    for sig, body in tags:
        while len(body) % 4:
            body += b"\0"
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntr" + b"RGB " + b"XYZ "
              + b"\0" * 12 + b"acsp" + b"APPL" + b"\0" * 4 + b"\0" * 4 + b"\0" * 4 + b"\0" * 8 + b"\0" * 4
              + _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"\0" * 4 + b"\0" * 16 + b"\0" * 28)
    assert len(header) == 128, len(header)
    return header + struct.pack(">I", n) + table + data


def adobe_rgb_icc() -> bytes:
    # Adobe RGB (1998) primaries adapted to D50 (Adobe RGB (1998) Color Image Encoding,
    # Adobe Systems 2005, Annex; values as in the common ICC profiles), gamma 563/256.
    return matrix_icc("Adobe RGB (1998) test", (0.60974, 0.31111, 0.01947), (0.20528, 0.62567, 0.06087),
                      (0.14919, 0.06322, 0.74457), 563 / 256)


def display_p3_icc() -> bytes:
    # Display P3 (DCI-P3 primaries, D65 white, the sRGB tone curve) with the colorants
    # adapted to D50 as in Apple's "Display P3" profile, which iPhones embed in HEIC.
    return matrix_icc("Display P3 test", (0.51512, 0.24120, -0.00105), (0.29198, 0.69225, 0.04189),
                      (0.15710, 0.06657, 0.78407), "srgb")


# ----------------------------------------------------------------------------- phone photos
def save_heif(path: Path, arr: np.ndarray, *, quality: int = 92, icc: bytes | None = None,
              chroma: int = 444, **exif) -> Path:
    """A HEIC as a phone writes it (pillow-heif, libheif with x265): 8 bits from a uint8
    array, 10 bits from a uint16 one. An EXIF orientation becomes the container's
    rotation, as on an iPhone."""
    import pillow_heif

    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = arr.shape[:2]
    deep = arr.dtype == np.uint16
    hf = pillow_heif.from_bytes(mode="RGB;16" if deep else "RGB", size=(w, h),
                                data=np.ascontiguousarray(arr).tobytes())
    if icc:
        hf.info["icc_profile"] = icc
    hf.info["exif"] = exif_bytes(**exif)
    hf.save(path, quality=quality, chroma=chroma)
    return path


def save_avif(path: Path, arr: np.ndarray, *, quality: int = 92, icc: bytes | None = None, **exif) -> Path:
    """An 8-bit AVIF (Pillow's own encoder, libavif); an EXIF orientation becomes the
    container's rotation."""
    path.parent.mkdir(parents=True, exist_ok=True)
    kw = {"icc_profile": icc} if icc else {}
    Image.fromarray(arr).save(path, "AVIF", quality=quality, subsampling="4:4:4", exif=exif_bytes(**exif), **kw)
    return path


def save_png16(path: Path, arr: np.ndarray, icc: bytes | None = None) -> Path:
    """A 16-bit RGB PNG (OpenCV writes those; Pillow cannot) with an optional embedded
    profile: an iCCP chunk (PNG 1.2 §4.2.2.4) put after IHDR."""
    import zlib

    import cv2

    ok, buf = cv2.imencode(".png", np.ascontiguousarray(arr[..., ::-1]))
    assert ok
    data = buf.tobytes()
    if icc:
        body = b"icc\0\0" + zlib.compress(icc)
        chunk = struct.pack(">I", len(body)) + b"iCCP" + body + struct.pack(">I", zlib.crc32(b"iCCP" + body))
        end_ihdr = 8 + 8 + 13 + 4
        data = data[:end_ihdr] + chunk + data[end_ihdr:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def p3_scene(w: int, h: int) -> np.ndarray:
    """A product-like scene in Display P3 as float 0–1 (display orientation): a soft
    backdrop, saturated patches (some outside sRGB, as a phone's P3 sees them), a red
    marker top-left, a grey band along the bottom."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.repeat((0.9 - 0.12 * yy / h)[..., None], 3, axis=2) * np.array([1.0, 0.97, 0.93])
    patches = P3_PATCHES
    side = min(w // (len(patches) + 2), h // 4)
    y0 = h // 3
    for k, c in enumerate(patches):
        x0 = side * (k + 1)
        img[y0:y0 + side, x0:x0 + side] = c
    mw, mh = max(4, w // 12), max(4, h // 12)
    img[:mh, :mw] = (0.85, 0.1, 0.08)
    img[int(h * 0.85):, :] = 0.5
    return img


# Display P3 colours: a red, green and blue beyond sRGB, a skin tone, an orange, a grey.
P3_PATCHES = ((0.85, 0.15, 0.12), (0.2, 0.72, 0.25), (0.12, 0.2, 0.8), (0.8, 0.6, 0.5), (0.95, 0.6, 0.1),
              (0.45, 0.45, 0.45))


# Names a Chinese message keeps as they are: the system, file formats, the SKU column's name.
KEPT_IN_CHINESE = {"Windows", "Excel", "CSV", "UTF", "GBK", "GB", "xlsx", "xls", "SKU", "MiB"}


def english_left(text: str, *values: object) -> set[str]:
    """The English words left in the Chinese translation of engine message ``text`` once the
    ``values`` filled into it (paths, SKUs, the system's own error words) are taken out."""
    from imgprep.core.messages import translate

    zh = translate(text, "zh")
    assert re.search(r"[\u4e00-\u9fff]", zh), f"not translated: {text}"
    for v in sorted(map(str, values), key=len, reverse=True):
        zh = zh.replace(v, "")
    return set(re.findall(r"[A-Za-z]{2,}", zh)) - KEPT_IN_CHINESE


def psd_bytes(w: int = 6, h: int = 4, seed: int = 0, version: int = 1) -> bytes:
    """A minimal valid Photoshop document (Adobe, "Photoshop File Formats Specification"):
    the 26-byte header (8BPS, version, 6 reserved bytes, 3 channels, height, width, depth 8,
    colour mode 3 = RGB), empty colour-mode-data, image-resources and layer-and-mask
    sections, then raw (compression 0) planar image data."""
    header = b"8BPS" + struct.pack(">H", version) + b"\0" * 6 + struct.pack(">HIIHH", 3, h, w, 8, 3)
    size = struct.pack(">Q", 0) if version == 2 else struct.pack(">I", 0)  # PSB: 8-byte layer section length
    planes = np.random.default_rng(seed).integers(0, 256, (3, h, w), dtype=np.uint8)
    return header + struct.pack(">I", 0) * 2 + size + struct.pack(">H", 0) + planes.tobytes()


def write_psd(path: Path, **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(psd_bytes(**kw))
    return path


def journal_file_without_schema(lib: Path) -> None:
    """The moment between a writer's connect (the file exists) and its first commit."""
    lib.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(lib / "imgprep.sqlite")
    db.execute("PRAGMA journal_mode = WAL")
    db.close()

