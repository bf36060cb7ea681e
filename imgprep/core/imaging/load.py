"""Decode untrusted image files into sRGB 8-bit RGB images.

One place owns the decoding policy: which formats are allowed (by content, never by
extension), the pixel limit (checked from the header, before pixels are allocated),
EXIF orientation, ICC → sRGB, CMYK / grey / alpha / 16-bit handling, and DCT-scaled
JPEG decoding when the output is much smaller than the original.
"""

from __future__ import annotations

import io
import math
import re
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageCms, ImageFile, ImageOps

from ..errors import InputError
from ..messages import say

# Real camera files go up to ~150 MP (medium format); 200 MP leaves headroom.
MAX_PIXELS = 200_000_000
ALLOWED_FORMATS = ("JPEG", "PNG", "TIFF", "WEBP")  # the JPEG opener also yields MPO
RAW_EXTENSIONS = {".cr2", ".cr3", ".nef", ".arw", ".dng", ".raf", ".orf", ".rw2", ".pef", ".srw"}
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".webp"} | RAW_EXTENSIONS

# Never decode a truncated file as if it were whole.
ImageFile.LOAD_TRUNCATED_IMAGES = False
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
    data[84:100] = bytes(16)  # profile ID: zero = not computed (§7.2.18)
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


def _exif_facts(im: Image.Image) -> tuple[datetime | None, str | None, str | None]:
    try:
        exif = im.getexif()
    except Exception:  # a broken EXIF block must not fail an otherwise good photo
        return None, None, None
    sub = exif.get_ifd(_EXIF_IFD) if exif else {}
    t = _parse_exif_time(sub.get(TAG_DTO), sub.get(TAG_SUBSEC_DTO)) or _parse_exif_time(exif.get(TAG_DATETIME))

    def text(tag: int) -> str | None:
        v = exif.get(tag)
        if isinstance(v, bytes):
            v = v.decode("utf-8", "replace")
        return v.strip("\x00 ") or None if isinstance(v, str) else None

    return t, text(TAG_ARTIST), text(TAG_COPYRIGHT)


def _orientation(im: Image.Image) -> int:
    try:
        v = im.getexif().get(TAG_ORIENTATION, 1)
    except Exception:
        return 1
    return v if isinstance(v, int) and 1 <= v <= 8 else 1


def _over_limit(what: str) -> str:
    m = re.search(r"\((\d+) pixels\)", what)
    if m:  # Pillow's own guard: "Image size (N pixels) exceeds limit …"
        what = f"{int(m.group(1)) / 1e6:.0f} MP"
    return say("over-limit", size=what, limit=MAX_PIXELS // 1_000_000)


def _open(path: Path) -> Image.Image:
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InputError(path, say("cannot-read", detail=e.strerror or e)) from None
    if size == 0:
        raise InputError(path, say("empty"))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path, formats=ALLOWED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InputError(path, _over_limit(str(e))) from None
    except Image.UnidentifiedImageError:
        raise InputError(path, say("not-an-image")) from None
    except OSError as e:
        raise InputError(path, say("cannot-read", detail=e)) from None
    w, h = im.size
    if w * h > MAX_PIXELS:
        im.close()
        raise InputError(path, _over_limit(f"{w}×{h} = {w * h / 1e6:.0f} MP"))
    if w < 1 or h < 1:
        im.close()
        raise InputError(path, say("no-pixels"))
    return im


def probe(path: str | Path) -> tuple[str, tuple[int, int], datetime | None]:
    """Cheap header read: format, stored size, capture time. Decodes no pixels."""
    path = Path(path)
    if path.suffix.lower() in RAW_EXTENSIONS:
        return "RAW", (0, 0), None
    with _open(path) as im:
        t, _, _ = _exif_facts(im)
        return im.format or "?", im.size, t


def _to_srgb(im: Image.Image, path: Path, notes: list[str]) -> Image.Image:
    icc = im.info.get("icc_profile")
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

    alpha = None
    if mode == "RGBA":
        alpha = im.getchannel("A")
        im = im.convert("RGB")
        mode = "RGB"

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


def _raw(path: Path, min_long_edge: int | None) -> Loaded:
    try:
        import rawpy
    except ImportError:
        raise InputError(path, say("raw-needs-rawpy")) from None
    try:
        with rawpy.imread(str(path)) as raw:
            sizes = raw.sizes
            half = bool(min_long_edge) and max(sizes.width, sizes.height) // 2 >= min_long_edge
            rgb = raw.postprocess(use_camera_wb=True, output_bps=8, half_size=half, no_auto_bright=False)
    except Exception as e:  # rawpy raises LibRawError subclasses and others
        raise InputError(path, say("raw-undecodable", detail=e)) from None
    im = Image.fromarray(rgb, "RGB")
    f = 2 if half else 1
    return Loaded(image=im, format="RAW", original_size=(im.width * f, im.height * f))


def oriented(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


def load(path: str | Path, min_long_edge: int | None = None,
         need_scale: Callable[[int, int], float] | None = None) -> Loaded:
    """Decode ``path`` to an sRGB RGB image, orientation applied.

    The caller says how many pixels it needs: ``min_long_edge`` (after orientation) or
    ``need_scale(w, h)`` (a fraction of the full oriented size). JPEGs are then decoded
    with DCT scaling to the smallest scale that still gives that much; other formats are
    decoded whole. Raises :class:`InputError` with a one-line reason on bad input.
    """
    path = Path(path)
    if path.suffix.lower() in RAW_EXTENSIONS:
        return _raw(path, min_long_edge)
    im = _open(path)
    notes: list[str] = []
    rgb: Image.Image | None = None
    try:
        fmt = im.format or "?"
        t, artist, copyright_ = _exif_facts(im)
        orientation = _orientation(im)
        full = oriented(im.size, orientation)
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
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im.load()
        rgb = _to_srgb(im, path, notes)
        if orientation and orientation != 1:
            # exif_transpose reads the tag from the image it is given; our converted
            # copy lost it, so transpose by the value we read.
            method = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                      4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
                      6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
                      8: Image.Transpose.ROTATE_90}.get(orientation)
            if method is not None:
                rgb = rgb.transpose(method)
    except InputError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        msg = str(e)
        if "truncated" in msg or "broken data stream" in msg or "premature end" in msg.lower():
            raise InputError(path, say("truncated")) from None
        raise InputError(path, say("undecodable", detail=msg)) from None
    except MemoryError:
        raise InputError(path, say("out-of-memory")) from None
    finally:
        if rgb is not im:
            im.close()  # a converted copy owns its pixels; release the file and the decode
    return Loaded(image=rgb, format=fmt, original_size=full, capture_time=t,
                  artist=artist, copyright=copyright_, notes=notes)


def load_rgb_array(path: str | Path, max_long_edge: int | None = None):
    """The image as a uint8 (H, W, 3) sRGB numpy array, for colour analysis.

    Decoded with :func:`load`; downscaled (area-averaged) so the long edge is at most
    ``max_long_edge``. Never uses ``cv2.imread`` on untrusted files.
    """
    import numpy as np

    img = load(path, min_long_edge=max_long_edge).image
    if max_long_edge and max(img.size) > max_long_edge:
        img = ImageOps.contain(img, (max_long_edge, max_long_edge), Image.Resampling.BOX)
    return np.asarray(img)


# Keep ImageOps importable name used above (contain) without linters complaining.
__all__ = ["Loaded", "load", "load_rgb_array", "probe", "srgb_icc_bytes", "MAX_PIXELS",
           "IMAGE_EXTENSIONS", "RAW_EXTENSIONS", "ALLOWED_FORMATS"]
