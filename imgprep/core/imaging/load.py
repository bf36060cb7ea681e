"""Decode untrusted image files into sRGB 8-bit RGB images.

One place owns the decoding policy: which formats are allowed (by content, never by
extension), the pixel limit (checked from the header, before pixels are allocated),
EXIF orientation, ICC → sRGB, CMYK / grey / alpha / 16-bit handling, and DCT-scaled
JPEG decoding when the output is much smaller than the original. Camera RAW (chosen by
extension) goes through LibRaw (the optional ``rawpy`` package), at half size likewise.
Phone photos: HEIC/HEIF through libheif (``pillow-heif``, whose opener is registered
here, once), AVIF through Pillow's own decoder (libavif), its 10 or 12 bits through
OpenCV's (libavif too, without Pillow's shift of the 8-bit conversion).
"""

from __future__ import annotations

import importlib.util
import io
import math
import os
import re
import struct
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageCms, ImageFile

from ..errors import InputError
from ..messages import Reason, error_reason

if TYPE_CHECKING:
    from .icc import Shaper

# Real camera files go up to ~150 MP (medium format); 200 MP leaves headroom.
MAX_PIXELS = 200_000_000
# The JPEG opener also yields MPO; HEIF is pillow-heif's opener, AVIF Pillow's own.
ALLOWED_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP", "HEIF", "AVIF")
RAW_EXTENSIONS = {".cr2", ".cr3", ".nef", ".arw", ".dng", ".raf", ".orf", ".rw2", ".pef", ".srw"}
# Phones' photos (iPhone HEIC, Android HEIF, Canon and Fujifilm's 10-bit .HIF, AVIF).
HEIF_EXTENSIONS = {".heic", ".heif", ".hif", ".avif"}
# The one list of photo types: discovery, the hot folder and the app take files by it.
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".webp"} | HEIF_EXTENSIONS | RAW_EXTENSIONS

# Smallest side and most elongated shape of a photo (refused from the header, like the
# pixel limit): below 16 px or beyond 30:1 there is no product to show, and OpenCV's
# resizing and filters fail on such shapes.
MIN_SIDE = 16
MAX_ASPECT = 30

# 16-bit decoding needs 6 bytes a pixel (and the file's bytes); above this, 8 bits.
DEEP_MAX_PIXELS = 64_000_000

# Never decode a truncated file as if it were whole.
ImageFile.LOAD_TRUNCATED_IMAGES = False


def _register_heif() -> bool:
    """pillow-heif's opener for HEIC/HEIF, registered once per process. Thumbnails, depth
    maps and auxiliary images (a portrait's matte) are not decoded: only the photo is
    wanted."""
    try:
        import pillow_heif
    except ImportError:  # a main dependency; without it HEIC fails with its own reason
        return False
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
    return True


def _heif_on_demand(fp: Any, filename: Any = None) -> Image.Image:
    """Pillow's opener for HEIF until the first HEIF file: loads pillow-heif (its
    libraries cost ~25 ms of every start, and a batch of JPEGs never needs them), which
    registers itself in this one's place, and hands the file on."""
    if not _register_heif():
        raise SyntaxError("HEIC/HEIF needs the 'pillow-heif' package")
    factory, accept = Image.OPEN["HEIF"]
    if accept is not None and not accept(fp.read(16) if hasattr(fp, "read") else fp):
        raise SyntaxError("not a HEIF image pillow-heif reads")
    fp.seek(0)
    return factory(fp, filename)


def _heif_prefix(prefix: bytes) -> bool:
    """A HEIF container by its major brand (AVIF's are Pillow's own plugin's)."""
    return prefix[4:8] == b"ftyp" and prefix[8:12] in _HEIF_BRANDS and prefix[8:12] not in (b"avif", b"avis")


HEIF_READY = importlib.util.find_spec("pillow_heif") is not None
if HEIF_READY:
    Image.register_open("HEIF", _heif_on_demand, _heif_prefix)
_FORMATS = ALLOWED_FORMATS if HEIF_READY else tuple(f for f in ALLOWED_FORMATS if f != "HEIF")
# Pillow's own guard stays on as a second line, at our limit.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
TAG_ARTIST, TAG_COPYRIGHT = 0x013B, 0x8298
TAG_DATETIME, TAG_DTO, TAG_SUBSEC_DTO = 0x0132, 0x9003, 0x9291
TAG_ORIENTATION = 0x0112


@dataclass
class Loaded:
    """A decoded image and the facts the engine needs about it."""

    image: Image.Image  # mode "RGB", sRGB, orientation applied
    format: str
    original_size: tuple[int, int]  # full-resolution size, orientation applied
    capture_time: datetime | None = None
    artist: str | None = None
    copyright: str | None = None
    notes: list[str] = field(default_factory=list)
    # The same pixels at 16 bits (uint16 sRGB, H × W × 3), when the source has more than
    # 8 (camera RAW, 16-bit RGB TIFF/PNG, 10-bit HEIF) and the caller asked
    # (``load(deep=True)``): a colour correction is then applied before the 8-bit stage.
    deep: Any = None


@lru_cache(maxsize=1)
def srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@lru_cache(maxsize=1)
def srgb_icc_bytes() -> bytes:
    """The sRGB profile embedded in every rendition. lcms stamps the creation time into
    the header (bytes 24–35, ICC.1:2010 §7.2.8); a fixed date makes renditions byte-
    identical across runs and processes."""
    data = bytearray(srgb_profile().tobytes())
    data[24:36] = struct.pack(">6H", 2026, 1, 1, 0, 0, 0)
    data[84:100] = bytes(16)  # profile ID: zero = not computed (ICC.1:2010 §7.2.18)
    return bytes(data)


def _parse_exif_time(value: object, subsec: object = None) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        t = datetime.strptime(value.strip().rstrip("\x00")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if isinstance(subsec, str) and subsec.strip().isdigit():
        digits = subsec.strip()[:6].ljust(6, "0")
        t = t.replace(microsecond=int(digits))
    return t


Facts = tuple[datetime | None, str | None, str | None]  # capture time, artist, copyright


def _facts(ifd0: Mapping[int, Any], sub: Mapping[int, Any]) -> Facts:
    """Facts from IFD0 and the Exif IFD. DateTimeOriginal may also sit in IFD0 (TIFF/EP,
    ISO 12234-2, which DNG follows); DateTime (last written) is the last resort."""
    t = (_parse_exif_time(sub.get(TAG_DTO), sub.get(TAG_SUBSEC_DTO))
         or _parse_exif_time(ifd0.get(TAG_DTO), ifd0.get(TAG_SUBSEC_DTO))
         or _parse_exif_time(ifd0.get(TAG_DATETIME)))

    def text(tag: int) -> str | None:
        v = ifd0.get(tag)
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        return v.strip("\x00 ") or None if isinstance(v, str) else None

    return t, text(TAG_ARTIST), text(TAG_COPYRIGHT)


def _exif(im: Image.Image) -> Image.Exif:
    """``im.getexif()``, without decoding the pixels of a PNG: Pillow looks for an eXIf
    chunk after the image data by decoding it all (0.6 s for 24 MP, in a header read);
    the chunks are walked instead."""
    if im.format == "PNG" and "exif" not in im.info and im.fp is not None:
        data = _png_exif_chunk(im.fp)
        if data is None and "Raw profile type exif" not in im.info:
            return Image.Exif()
        if data is not None:
            im.info["exif"] = data  # where Pillow's own decode would have put it
    return im.getexif()


def _exif_facts(im: Image.Image) -> Facts:
    try:
        exif = _exif(im)
        sub = exif.get_ifd(_EXIF_IFD) if exif else {}
    except Exception:  # a broken EXIF block must not fail an otherwise good photo
        return None, None, None
    return _facts(exif, sub)


def _png_exif_chunk(fp: Any) -> bytes | None:
    """The data of a PNG's eXIf chunk, found by its chunk headers alone (the image data
    is skipped, not inflated); None without one. ``fp`` is left where it was."""
    at = fp.tell()
    try:
        fp.seek(8)  # the signature
        while True:
            head = fp.read(8)
            if len(head) < 8:
                return None
            length, kind = struct.unpack(">I4s", head)
            if kind == b"eXIf":
                data = fp.read(length)
                return data if len(data) == length else None
            if kind == b"IEND":
                return None
            fp.seek(length + 4, io.SEEK_CUR)  # the data and its CRC
    finally:
        fp.seek(at)


def _raw_facts(path: Path) -> Facts:
    """EXIF facts of a TIFF-structured RAW (DNG, CR2, NEF, ARW, PEF, SRW; ORF and RW2
    differ only in the magic number), read from the IFDs alone. CR3 and RAF are not
    TIFF files: (None, None, None), and :func:`_raw` asks LibRaw for the time."""
    from PIL.TiffImagePlugin import ImageFileDirectory_v2

    try:
        with open(path, "rb") as f, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns on a cut IFD; we just give up
            head = f.read(8)
            if len(head) < 8 or head[:2] not in (b"II", b"MM"):
                return None, None, None
            endian = "<" if head[:2] == b"II" else ">"
            canonical = (b"II*\0" if endian == "<" else b"MM\0*") + head[4:]

            def ifd_at(offset: int) -> ImageFileDirectory_v2:
                ifd = ImageFileDirectory_v2(canonical)
                f.seek(offset)
                ifd.load(f)
                return ifd

            ifd0 = ifd_at(struct.unpack(endian + "I", head[4:])[0])
            at = ifd0.get(_EXIF_IFD)
            sub = ifd_at(at) if isinstance(at, int) and at > 0 else {}
            return _facts(ifd0, sub)
    except Exception:  # like a JPEG's: broken EXIF must not fail an otherwise good RAW
        return None, None, None


def _orientation(im: Image.Image) -> int:
    try:
        v = _exif(im).get(TAG_ORIENTATION, 1)
    except Exception:
        return 1
    return v if isinstance(v, int) and 1 <= v <= 8 else 1


def _over_limit(what: str) -> Reason:
    m = re.search(r"\((\d+) pixels\)", what)
    if m:  # Pillow's own guard: "Image size (N pixels) exceeds limit …"
        what = f"{int(m.group(1)) / 1e6:.0f} MP"
    return Reason.of("over-limit", size=what, limit=MAX_PIXELS // 1_000_000)


def _check_file(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InputError(path, Reason.of("cannot-read", detail=e.strerror or str(e))) from None
    if size == 0:
        raise InputError(path, Reason.of("empty"))


# ISO base media file brands of still images in a HEIF container (ISO/IEC 23008-12,
# AV1 Image File Format): HEVC (heic …), AV1 (avif), and the structural ones.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1", b"mif2",
                b"miaf", b"avif", b"avis"}
_CUT_WORDS = ("end of file", "too small", "cannot read", "outside of file", "insufficient input")


def heif_problem(path: Path) -> tuple[bool, str] | None:
    """Why a file in a HEIF or AVIF container that no opener took cannot be read:
    (cut short?, libheif's words). None when the file is no such container (an ``ftyp``
    box with an image brand first). A HEIF's boxes point at their data by offset: a file
    cut anywhere fails libheif's parse ("Unexpected end of file"), not just its decode."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except OSError:
        return None
    if head[4:8] != b"ftyp":
        return None
    end = min(int.from_bytes(head[:4], "big"), len(head))
    brands = {head[8:12]} | {head[i:i + 4] for i in range(16, end - 3, 4)}  # major, compatible
    if not brands & _HEIF_BRANDS:
        return None
    if not HEIF_READY:
        return False, "HEIC/HEIF needs the 'pillow-heif' package (pip install pillow-heif)"
    _register_heif()
    import pillow_heif

    try:
        pillow_heif.open_heif(path)  # the container only: no pixels are decoded
    except Exception as e:  # noqa: BLE001 - libheif's errors come as ValueError, RuntimeError …
        detail = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return any(w in detail.lower() for w in _CUT_WORDS), detail
    return False, "no decoder here for this HEIF/AVIF image"


def _open(path: Path) -> Image.Image:
    _check_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path, formats=_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InputError(path, _over_limit(str(e))) from None
    except Image.UnidentifiedImageError:
        problem = heif_problem(path)
        if problem is not None:
            cut, detail = problem
            raise InputError(path, Reason.of("truncated") if cut else Reason.of("undecodable", detail=detail)) from None
        raise InputError(path, Reason.of("not-an-image")) from None
    except OSError as e:
        raise InputError(path, Reason.of("cannot-read", detail=error_reason(e))) from None
    except (ValueError, SyntaxError, struct.error, MemoryError) as e:
        # Pillow's own guards while reading the header: a zTXt/iTXt/iCCP chunk that
        # inflates past its limit ("Decompressed data too large"), broken chunk tables.
        raise InputError(path, Reason.of("undecodable", detail=str(e) or type(e).__name__)) from None
    if im.format in ("HEIF", "AVIF") and _boxes_cut(path):
        im.close()
        raise InputError(path, Reason.of("truncated"))
    w, h = im.size
    if w * h > MAX_PIXELS:
        im.close()
        raise InputError(path, _over_limit(f"{w}×{h} = {w * h / 1e6:.0f} MP"))
    if w < 1 or h < 1:
        im.close()
        raise InputError(path, Reason.of("no-pixels"))
    return im


# the top-level boxes of a HEIF or AVIF file (ISO/IEC 14496-12, 23008-12)
_TOP_BOXES = {b"ftyp", b"meta", b"mdat", b"moov", b"moof", b"mfra", b"free", b"skip", b"uuid", b"idat",
              b"styp", b"sidx", b"pdin", b"mpvd"}


def _boxes_cut(path: Path) -> bool:
    """Whether a HEIF or AVIF file ends inside one of its top-level boxes (each says its
    size and four-letter type): a file cut short. libheif 1.23.7 (pillow-heif 1.9) decodes
    a HEIC cut by a few bytes without a word, the rows it lacks grey; the container is
    measured here instead. Bytes after the last box that are no box of the format (a
    maker's trailer) are left alone."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            pos = 0
            while pos < size:
                f.seek(pos)
                head = f.read(16)
                if len(head) < 8 or head[4:8] not in _TOP_BOXES:
                    return False  # past the boxes: a few bytes, or a maker's trailer, no box
                n = int.from_bytes(head[:4], "big")
                if n == 0:  # the last box: to the end of the file
                    return False
                if n == 1:  # a 64-bit size follows the type
                    n = int.from_bytes(head[8:16], "big") if len(head) == 16 else 0
                if n < 8:
                    return True
                pos += n
            return pos > size
    except OSError:
        return False


def _check_shape(path: Path, w: int, h: int) -> None:
    """The shape a product photo may have: a minimum side and a maximum aspect ratio (a
    strip of 60000 × 1 is no photo, and the resizing and detection steps cannot work on
    it). Asked by :func:`probe`, from the header, before anything is copied or decoded."""
    if min(w, h) < MIN_SIDE:
        raise InputError(path, Reason.of("too-small", size=f"{w}×{h}", minimum=MIN_SIDE))
    if max(w, h) > MAX_ASPECT * min(w, h):
        raise InputError(path, Reason.of("too-thin", size=f"{w}×{h}", limit=MAX_ASPECT))


def probe(path: str | Path) -> tuple[str, tuple[int, int], datetime | None]:
    """Cheap header read of a product photo: format, stored size, capture time. Decodes
    no pixels. Raises :class:`InputError` for what cannot be one: not an image, over the
    pixel limit, too small or too thin (:func:`_check_shape`)."""
    path = Path(path)
    if path.suffix.lower() in RAW_EXTENSIONS:
        with _open_raw(path) as raw:  # LibRaw parses the header only; checks the limit
            size = (raw.sizes.width, raw.sizes.height)
        _check_shape(path, *size)
        return "RAW", size, _raw_facts(path)[0]
    with _open(path) as im:
        _check_shape(path, *im.size)
        t, _, _ = _exif_facts(im)
        return im.format or "?", im.size, t


def _to_srgb(im: Image.Image, path: Path, notes: list[str]) -> Image.Image:
    icc = im.info.get("icc_profile")
    im, mode = _plain_mode(im)
    alpha = None
    if mode == "RGBA":
        alpha = im.getchannel("A")
        im = im.convert("RGB")
    im = _profile_to_srgb(im, icc, notes)
    if im.mode == "CMYK":
        # No usable profile: Pillow's naive conversion (handles Adobe's inverted CMYK JPEGs).
        notes.append("CMYK without a usable profile: converted naively")
    if im.mode != "RGB":
        im = im.convert("RGB")

    if alpha is not None and alpha.getextrema() != (255, 255):
        # Product photos with transparency go on white, the marketplace background.
        white = Image.new("RGB", im.size, (255, 255, 255))
        white.paste(im, mask=alpha)
        im = white
        notes.append("transparent areas flattened onto white")
    return im


def _plain_mode(im: Image.Image) -> tuple[Image.Image, str]:
    """The image in L, RGB, RGBA or CMYK (or a mode Pillow converts to RGB as it is), and
    that mode: deep greyscale scaled to 8 bits, palettes expanded, alpha made RGBA."""
    mode = im.mode
    # 16-bit and float greyscale: scale to 8 bit ourselves (Pillow's convert clips I;16).
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        import numpy as np

        a = np.asarray(im, dtype=np.float64)
        hi = 65535.0 if mode.startswith("I;16") or a.max() > 255 else 255.0
        im = Image.fromarray(np.clip(a * (255.0 / hi) + 0.5, 0, 255).astype("uint8"), "L")
        mode = "L"
    elif mode == "F":
        import numpy as np

        a = np.asarray(im, dtype=np.float64)
        im = Image.fromarray(np.clip(a * 255.0 + 0.5, 0, 255).astype("uint8"), "L")
        mode = "L"
    if mode in ("P", "PA"):
        im = im.convert("RGBA" if ("transparency" in im.info or mode == "PA") else "RGB")
        mode = im.mode
    if mode in ("LA", "La", "RGBa"):
        im = im.convert("RGBA")
        mode = "RGBA"
    if mode in ("1",):
        im = im.convert("L")
        mode = "L"
    return im, mode


def _profile_to_srgb(im: Image.Image, icc: bytes | None, notes: list[str]) -> Image.Image:
    """Convert by the embedded ICC profile (unless it is sRGB), or by a HEIF's colour code
    points when it has no profile; a profile that cannot be used is noted and ignored."""
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            desc = (ImageCms.getProfileDescription(src) or "").strip()
            if "srgb" not in desc.lower():
                im = ImageCms.profileToProfile(
                    im, src, srgb_profile(), renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                    outputMode="RGB", flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
                )
                notes.append(f"converted from '{desc or 'embedded profile'}' to sRGB")
        except (ImageCms.PyCMSError, OSError, ValueError) as e:
            notes.append(f"embedded colour profile unusable ({e}); assumed sRGB")
    elif im.mode == "RGB" and im.info.get("nclx_profile"):  # a HEIF's colour by code points, no profile
        import numpy as np

        from .icc import convert, nclx_shaper

        coded = nclx_shaper(im.info["nclx_profile"])
        if coded is not None:
            im = Image.fromarray(convert(np.asarray(im), coded), "RGB")
            notes.append(f"converted from '{coded.name}' to sRGB")
    return im


@lru_cache(maxsize=1)
def _libraw_threads() -> Callable[[int], Any] | None:
    """``omp_set_num_threads`` of the OpenMP runtime LibRaw was built with (rawpy's Linux
    wheels bundle GNU libgomp), or None where it cannot be found."""
    import ctypes

    import rawpy

    try:
        return ctypes.CDLL(rawpy._rawpy.__file__).omp_set_num_threads
    except (OSError, AttributeError):
        return None


def _open_raw(path: Path) -> Any:
    """A ``rawpy.RawPy`` with ``path`` opened: header parsed, no pixels unpacked, the
    pixel limit checked. The caller closes it."""
    _check_file(path)
    try:
        import rawpy
    except ImportError:
        raise InputError(path, Reason.of("raw-needs-rawpy")) from None
    # One OpenMP thread for LibRaw, set in each decoding thread (an OpenMP setting is
    # per thread). The worker pool is the parallelism, one process per core (OpenCV is
    # kept to one thread for the same reason); and GNU OpenMP's thread pool does not
    # survive fork: once a process has decoded a RAW with LibRaw's threads, a worker
    # forked from it hangs in its first RAW decode.
    threads = _libraw_threads()
    if threads is not None:
        threads(1)
    raw = rawpy.RawPy()  # not rawpy.imread: it warns about fork, which the above makes safe
    try:
        raw.open_file(str(path))
        s = raw.sizes
        if s.raw_width * s.raw_height > MAX_PIXELS:
            n = s.raw_width * s.raw_height
            raise InputError(path, _over_limit(f"{s.raw_width}×{s.raw_height} = {n / 1e6:.0f} MP"))
    except BaseException as e:
        raw.close()
        if isinstance(e, rawpy.LibRawError):
            raise _libraw_error(path, e) from None
        raise
    return raw


def _libraw_error(path: Path, e: Exception) -> InputError:
    import rawpy

    if isinstance(e, rawpy.LibRawIOError | rawpy.LibRawDataError):
        return InputError(path, Reason.of("truncated"))  # LibRaw reads past the end, or bad data
    if isinstance(e, rawpy.LibRawUnsufficientMemoryError | rawpy.LibRawMemPoolOverflowError):
        return InputError(path, Reason.of("out-of-memory"))
    detail = e.args[0] if e.args else type(e).__name__
    if isinstance(detail, bytes):  # rawpy passes LibRaw's C string through
        detail = detail.decode("utf-8", "replace")
    return InputError(path, Reason.of("raw-undecodable", detail=str(detail).replace(str(path), path.name)))


def _libraw_time(raw: Any) -> datetime | None:
    """LibRaw's capture time (``other.timestamp`` in recent rawpy), or None."""
    try:
        ts = raw.other.timestamp
        ts = ts if isinstance(ts, datetime) else datetime.fromtimestamp(float(ts))
        return ts if ts.timestamp() > 0 else None
    except Exception:  # noqa: BLE001 - an older rawpy, or no time: order by name instead
        return None


def _raw(path: Path, min_long_edge: int | None,
         need_scale: Callable[[int, int], float] | None, deep: bool = False) -> Loaded:
    """Camera RAW through LibRaw: as-shot white balance, the camera's colour matrix to
    sRGB with the sRGB tone curve, at the exposure shot, orientation applied."""
    t, artist, copyright_ = _raw_facts(path)
    with _open_raw(path) as raw:
        s = raw.sizes
        w, h = s.width, s.height
        if s.pixel_aspect > 1:  # LibRaw stretches non-square pixels (dcraw's stretch())
            w = round(w * s.pixel_aspect)
        elif 0 < s.pixel_aspect < 1:
            h = round(h / s.pixel_aspect)
        full = (h, w) if s.flip & 4 else (w, h)  # flip 5, 6, 7: quarter turns
        scale = need_scale(*full) if need_scale is not None else (
            min_long_edge / max(full) if min_long_edge else 1.0)
        half = scale <= 0.5  # 2 × 2 photosites → one pixel: a quarter of the memory and time
        try:
            # One exposure for every frame, so a card's fit holds for the products after
            # it. no_auto_bright: LibRaw would brighten each frame by its own histogram.
            # adjust_maximum_thr=0: LibRaw would take a frame's brightest value as its white
            # level when above 75 % of the camera's, which brightened a card frame with a
            # near-white patch by 11-14 codes against the darker product frames.
            rgb = raw.postprocess(use_camera_wb=True, output_bps=16 if deep else 8, half_size=half,
                                  no_auto_bright=True, adjust_maximum_thr=0.0, gamma=(2.4, 12.92))
            if t is None:  # not TIFF-structured (CR3, RAF): LibRaw's own reading
                t = _libraw_time(raw)
        except MemoryError:
            raise InputError(path, Reason.of("out-of-memory")) from None
        except Exception as e:  # LibRawError subclasses, and whatever else LibRaw raises
            import rawpy

            if isinstance(e, rawpy.LibRawError):
                raise _libraw_error(path, e) from None
            raise InputError(path, Reason.of("raw-undecodable", detail=str(e))) from None
    im = Image.fromarray(to_8bit(rgb) if deep else rgb, "RGB")
    return Loaded(image=im, format="RAW", original_size=full if half else im.size,
                  capture_time=t, artist=artist, copyright=copyright_, deep=rgb if deep else None)


def raw_preview(path: Path, min_long_edge: int) -> Any:
    """The camera's embedded JPEG preview of a RAW file as an (H, W, 3) uint8 array
    (reduced by DCT scaling towards ``min_long_edge``), or None when there is none. Fast:
    no RAW data is unpacked. Not colour-managed, not oriented: for reading a slate."""
    try:
        with _open_raw(path) as raw:
            thumb = raw.extract_thumb()
    except Exception:  # noqa: BLE001 - no rawpy, no preview, an unreadable file: the caller decodes
        return None
    import numpy as np

    if thumb.format.name != "JPEG":
        return np.asarray(thumb.data) if getattr(thumb.data, "ndim", 0) == 3 else None
    try:
        with Image.open(io.BytesIO(thumb.data)) as im:
            im.draft("RGB", (min_long_edge, min_long_edge))
            return np.asarray(im.convert("RGB"))
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def oriented(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
              6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
              8: Image.Transpose.ROTATE_90}


def _orient_array(a: Any, orientation: int) -> Any:
    """An (H, W, C) array turned as Pillow's transpose for that EXIF orientation turns an image."""
    import numpy as np

    if orientation in (5, 7):  # a transpose, then as 1 (5) or as 3 (7)
        a = a.transpose(1, 0, 2)
        orientation = 3 if orientation == 7 else 1
    if orientation == 2:
        a = a[:, ::-1]
    elif orientation == 3:
        a = a[::-1, ::-1]
    elif orientation == 4:
        a = a[::-1]
    elif orientation == 6:
        a = np.rot90(a, -1)
    elif orientation == 8:
        a = np.rot90(a, 1)
    return np.ascontiguousarray(a)


@lru_cache(maxsize=1)
def _lut_16_to_8() -> Any:
    import numpy as np

    return ((np.arange(65536, dtype=np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


def to_8bit(a: Any) -> Any:
    """uint16 → uint8, rounded (65535 → 255)."""
    import numpy as np

    return np.take(_lut_16_to_8(), a)


def _is_rgb16(im: Image.Image) -> bool:
    """A PNG or TIFF with 16 bits a channel (Pillow decodes those to 8). Asked before
    anything loads the pixels: the tile says it, and reading a PNG's EXIF loads them."""
    if im.format not in ("PNG", "TIFF") or im.mode != "RGB" or not im.tile:
        return False
    args = im.tile[0].args
    rawmode = args if isinstance(args, str) else args[0] if isinstance(args, tuple) and args else None
    return isinstance(rawmode, str) and rawmode.startswith("RGB;16")


def _deep_space(im: Image.Image, notes: list[str]) -> tuple[bool, Shaper | None]:
    """Whether the 16 bits of ``im`` can be brought to sRGB here, and the transform that
    does it (None: they are sRGB, or untagged, already). An ICC profile with lookup tables
    cannot: the 8-bit conversion by lcms is used then, and a note says so."""
    from .icc import matrix_shaper, nclx_shaper

    icc = im.info.get("icc_profile")
    if icc:
        try:
            desc = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))) or ""
        except (ImageCms.PyCMSError, OSError, ValueError):
            desc = ""
        if "srgb" in desc.lower():
            return True, None
        shaper = matrix_shaper(icc, desc.strip() or "embedded profile")
        if shaper is None:
            notes.append("16-bit file in another colour space: corrected from its 8-bit sRGB conversion")
            return False, None
        return True, shaper
    return True, nclx_shaper(im.info.get("nclx_profile"))


def _to_srgb16(a: Any, shaper: Shaper | None, notes: list[str]) -> Any:
    if shaper is None:
        return a
    from .icc import convert

    notes.append(f"converted from '{shaper.name}' to sRGB")
    return convert(a, shaper)


def _deep_decode(path: Path, im: Image.Image, notes: list[str]) -> Any:
    """The 16-bit sRGB pixels of a 16-bit PNG or TIFF (see :func:`_is_rgb16`), or None
    when they cannot be kept."""
    ok, shaper = _deep_space(im, notes)
    if not ok:
        return None
    w, h = im.size
    if w * h > DEEP_MAX_PIXELS or getattr(im, "n_frames", 1) != 1:
        return None
    import cv2
    import numpy as np

    # From bytes, not cv2.imread: a path with Chinese characters fails there on Windows.
    a = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if a is None or a.dtype != np.uint16 or a.shape != (h, w, 3):
        return None
    return _to_srgb16(cv2.cvtColor(a, cv2.COLOR_BGR2RGB), shaper, notes)


def _is_heif16(im: Image.Image) -> bool:
    """A HEIF with more than 8 bits a channel (a phone's 10-bit HEIF, a camera's .HIF),
    which the opener gives as 8 bits."""
    depth = im.info.get("bit_depth")
    return im.format == "HEIF" and im.mode == "RGB" and isinstance(depth, int) and 8 < depth <= 16


def _deep_heif(path: Path, im: Image.Image, notes: list[str]) -> Any:
    """The pixels of a HEIF of more than 8 bits as 16-bit sRGB (see :func:`_is_heif16`),
    or None when they cannot be kept. libheif turns the image upright (its rotation and
    mirror boxes) as the opener does; its 10 or 12 bits are widened to 16 (bit
    replication: the top code is 65535)."""
    ok, shaper = _deep_space(im, notes)
    w, h = im.size
    if not ok or w * h > DEEP_MAX_PIXELS:
        return None
    import numpy as np
    import pillow_heif

    depth = im.info["bit_depth"]
    heif = pillow_heif.open_heif(path, convert_hdr_to_8bit=False)
    if heif.mode != "RGB;16":
        return None
    a = np.asarray(heif)  # the primary image, each value shifted to the top of 16 bits
    if a.dtype != np.uint16 or a.shape != (h, w, 3):
        return None
    a = a | (a >> depth)
    return _to_srgb16(a, shaper, notes)


def _avif_depth(path: Path) -> int:
    """Bits per channel of an AVIF's image, from its first ``pixi`` box (ISO/IEC
    23008-12 §6.5.6: version and flags, a channel count, then one byte per channel);
    0 when it has none."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)  # the meta boxes come first in a still AVIF
    i = head.find(b"pixi")
    if i < 4 or i + 9 >= len(head):
        return 0
    n = head[i + 8]
    return max(head[i + 9:i + 9 + n], default=0) if n else 0


def _deep_avif(path: Path, im: Image.Image, notes: list[str]) -> Any:
    """The pixels of an AVIF of more than 8 bits as 16-bit sRGB, or None. Pillow's
    decoder gives 8 bits, and on the way shifts them (measured on a 10-bit file: +0.5
    green and −0.75 blue codes on average against what was encoded); OpenCV's, libavif
    too, gives the encoded 10 or 12 bits as they are. Both leave the pixels as stored
    (the container's rotation comes to :func:`load` as an EXIF orientation)."""
    depth = _avif_depth(path)
    if not 8 < depth <= 16:
        return None
    ok, shaper = _deep_space(im, notes)
    w, h = im.size
    if not ok or w * h > DEEP_MAX_PIXELS:
        return None
    import cv2
    import numpy as np

    a = cv2.imdecode(np.fromfile(path, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
    if a is None or a.dtype != np.uint16 or a.shape != (h, w, 3) or int(a.max()) >= 1 << depth:
        return None  # not what the box says (or this OpenCV reads no AVIF): the 8-bit path
    a = cv2.cvtColor(a, cv2.COLOR_BGR2RGB)
    a = (a << (16 - depth)) | (a >> (2 * depth - 16))  # widened by bit replication, as for HEIF
    return _to_srgb16(a, shaper, notes)


def _draft(im: Image.Image, fmt: str, full: tuple[int, int], min_long_edge: int | None,
           need_scale: Callable[[int, int], float] | None) -> None:
    """Let a JPEG decode at the smallest DCT scale that still gives what the caller needs."""
    scale = 1.0
    if need_scale is not None:
        scale = need_scale(*full)
    elif min_long_edge:
        scale = min_long_edge / max(full)
    if fmt in ("JPEG", "MPO") and scale <= 0.5:
        # draft keeps the JPEG's own mode (CMYK stays CMYK) and picks the
        # largest DCT scale (1/2, 1/4, 1/8) that stays ≥ req.
        req = (math.ceil(im.size[0] * scale), math.ceil(im.size[1] * scale))
        im.draft(im.mode, req)


def _deep_pixels(path: Path, im: Image.Image, notes: list[str], rgb16: bool, heif16: bool, avif: bool):
    """The 16-bit sRGB pixels of a deep source, or None (then the 8-bit path decodes it)."""
    if rgb16:
        return _deep_decode(path, im, notes)
    if heif16:
        return _deep_heif(path, im, notes)
    if avif:
        return _deep_avif(path, im, notes)
    return None


def load(path: str | Path, min_long_edge: int | None = None,
         need_scale: Callable[[int, int], float] | None = None, deep: bool = False) -> Loaded:
    """Decode ``path`` to an sRGB RGB image, orientation applied.

    The caller says how many pixels it needs: ``min_long_edge`` (after orientation) or
    ``need_scale(w, h)`` (a fraction of the full oriented size). JPEGs are then decoded
    with DCT scaling to the smallest scale that still gives that much, camera RAW at half
    size when half is enough; other formats are decoded whole. Raises
    :class:`InputError` with a one-line reason on bad input. ``deep``: also keep the
    16 bits of a source that has them (:attr:`Loaded.deep`).
    """
    path = Path(path)
    if path.suffix.lower() in RAW_EXTENSIONS:
        return _raw(path, min_long_edge, need_scale, deep)
    im = _open(path)
    notes: list[str] = []
    rgb: Image.Image | None = None
    sixteen = None
    rgb16 = deep and _is_rgb16(im)
    heif16 = deep and _is_heif16(im)
    avif = deep and im.format == "AVIF" and im.mode == "RGB"
    try:
        fmt = im.format or "?"
        t, artist, copyright_ = _exif_facts(im)
        orientation = _orientation(im)
        full = oriented(im.size, orientation)
        _draft(im, fmt, full, min_long_edge, need_scale)
        sixteen = _deep_pixels(path, im, notes, rgb16, heif16, avif)
        if sixteen is not None:  # the 8-bit image from the same pixels, not a second decode
            rgb = Image.fromarray(to_8bit(sixteen), "RGB")
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                im.load()
            rgb = _to_srgb(im, path, notes)
        if orientation and orientation != 1:
            # exif_transpose reads the tag from the image it is given; our converted
            # copy lost it, so transpose by the value we read.
            method = _TRANSPOSE.get(orientation)
            if method is not None:
                rgb = rgb.transpose(method)
                if sixteen is not None:
                    sixteen = _orient_array(sixteen, orientation)
    except InputError:
        raise
    except (OSError, SyntaxError, ValueError, RuntimeError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as e:  # RuntimeError: libheif's decoding errors
        msg = str(e)
        if any(w in msg.lower() for w in ("truncated", "broken data stream", "premature end", "end of file")):
            raise InputError(path, Reason.of("truncated")) from None
        raise InputError(path, Reason.of("undecodable", detail=msg)) from None
    except MemoryError:
        raise InputError(path, Reason.of("out-of-memory")) from None
    finally:
        if rgb is not im:
            im.close()  # a converted copy owns its pixels; release the file and the decode
    return Loaded(image=rgb, format=fmt, original_size=full, capture_time=t,
                  artist=artist, copyright=copyright_, notes=notes, deep=sixteen)


__all__ = ["Loaded", "load", "to_8bit", "probe", "srgb_icc_bytes", "MAX_PIXELS",
           "IMAGE_EXTENSIONS", "RAW_EXTENSIONS", "HEIF_EXTENSIONS", "ALLOWED_FORMATS", "heif_problem"]
