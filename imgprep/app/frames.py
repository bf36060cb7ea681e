"""Per-frame work that runs in worker processes: hash, decode, look for a card, shrink.

The worker returns a small working image (the size of the largest rendition) and the
facts; naming, colour fitting, annotation and writing happen in the engine, which knows
the whole shoot. Everything here is picklable and free of shared state.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..core.errors import InputError
from ..core.fsutil import discard, hash_file, stage_copy, write_or_adopt
from ..core.imaging import slate
from ..core.imaging.load import RAW_EXTENSIONS, Loaded, load, probe, to_8bit
from ..core.imaging.render import KeptExif, downscale, downscale16, encode_jpeg, resize, sharpen
from ..core.imaging.watermark import apply_watermark
from ..core.messages import Reason
from ..core.presets import ColourSettings, Rendition, Watermark
from .colour_hooks import analyse, apply_fit, detect_card_in, full_view, search_view
from .faults import decoder_fault


@dataclass(frozen=True)
class FrameJob:
    path: str
    renditions: tuple[Rendition, ...]
    colour: ColourSettings | None = None  # look for a reference card; None: do not
    hash: bool = True                # False when resuming from a library copy already hashed
    stage_dir: str | None = None     # copy the original into this library folder (as a temp)
    slate: bool = False              # is it a SKU slate? (app.lateslate)
    # a RAW slate candidate is read from its embedded preview first: a shoot's first frame,
    # likely the slate, whose long decode is then spared; a later frame (likely a product)
    # is read from the decode it gets anyway
    slate_preview: bool = True


@dataclass(frozen=True)
class SlateFound:
    """What :func:`analyse_frame` returns for a frame that is a SKU slate (nothing of it is
    kept: a JPEG's copy, made while it decoded, is removed)."""
    path: str
    sku: str


@dataclass
class FrameOutcome:
    path: str
    sha256: str
    size: int
    mtime_ns: int
    original_size: tuple[int, int]   # oriented, full resolution
    capture_time: datetime | None
    exif: KeptExif
    image: Image.Image | None        # working image; None for card frames, and when ``deep`` holds it
    deep: Any = None                 # the working image at 16 bits, when the source had them
    card: dict[str, Any] | None = None   # detection result when a card was found
    notes: list[str] = field(default_factory=list)
    staged: str | None = None        # temp copy of the original in the library, to publish


def warm_up(watermark: Watermark | None = None, width: int = 0) -> None:
    """Import what the per-frame work needs (and build the watermark) ahead of the first
    frame; run in each worker and in a render thread while other work goes on (with
    forked workers the parent has imported it all already)."""
    import cv2  # noqa: F401  (sharpening, card detection)
    import numpy  # noqa: F401

    if watermark is not None and watermark.enabled and width:
        from ..core.imaging.watermark import mark_size

        mark_size(watermark, width)


def need_scale(renditions: tuple[Rendition, ...], w: int, h: int) -> float:
    """Largest fraction of the full image any rendition needs."""
    s = 0.0
    for r in renditions:
        tw, th = r.target_size(w, h)
        s = max(s, tw / w, th / h) if r.fit != "width" else max(s, tw / w)
    return min(1.0, s) if s else 1.0


def decode_scale(renditions: tuple[Rendition, ...], colour: ColourSettings | None, w: int, h: int) -> float:
    """How much of a ``w × h`` photo to decode: twice what the largest rendition needs (a
    JPEG decodes at the smallest DCT scale at or above it), so the final Lanczos has the
    samples to filter fine texture out instead of folding it back as moiré — as libvips's
    shrink-on-load leaves a factor of two too. Decoding at the rendition's own size (a
    DCT 1/8 or 1/4 is a box filter) measured SSIM 0.978 against a full decode on a weave
    (tests/app/test_quality.py; docs/throughput.md). Card detection wants a long edge of
    at least 70 % of ``detect_edge``. One policy for the batch and `imgprep colour`, so
    both measure the same pixels."""
    s = 2 * need_scale(renditions, w, h)
    if colour is not None:
        s = max(s, 0.7 * colour.detect_edge / max(w, h))
    return min(1.0, s)


def analyse_frame(job: FrameJob) -> FrameOutcome | SlateFound:
    decoder_fault(job.path)
    path = Path(job.path)
    try:
        st = path.stat()
    except OSError as e:
        raise InputError(path, Reason.of("cannot-read", detail=e.strerror or str(e))) from None
    def scale_fn(w: int, h: int) -> float:
        s = decode_scale(job.renditions, job.colour, w, h)
        return max(s, min(1.0, slate.READ_EDGE / max(w, h))) if job.slate else s

    probe(path)  # format and pixel limit from the header, before copying anything
    previewed = job.slate and job.slate_preview and path.suffix.lower() in RAW_EXTENSIONS
    if previewed:
        sku = slate.read(path)  # from the RAW's embedded preview, before the long decode
        if sku is not None:
            return SlateFound(str(path), sku)
    # Copy the original into the library (hashing as it reads; fsync; read back and
    # compared) while the decode runs: the copy waits on the disk, the decode on the CPU,
    # and both release the GIL. The engine gives the copy its name once the shoot's order
    # is known.
    with ThreadPoolExecutor(1, thread_name_prefix="copy") as io:
        copy = io.submit(_stage_or_hash, path, job)
        try:
            # 16 bits are kept only where a colour correction may need them.
            loaded = load(path, need_scale=scale_fn, deep=job.colour is not None)
        except BaseException:
            with contextlib.suppress(Exception):
                staged = copy.result()[0]
                if staged:
                    discard(staged)
            raise
        staged, sha = copy.result()
    img = loaded.image
    if job.slate and not previewed:
        sku = slate.find_sku(np.asarray(img))
        if sku is not None:
            if staged:
                discard(staged)
            return SlateFound(str(path), sku)
    full = loaded.original_size
    outcome = FrameOutcome(
        path=str(path), sha256=sha, size=st.st_size, mtime_ns=st.st_mtime_ns, original_size=full,
        capture_time=loaded.capture_time,
        exif=KeptExif(loaded.artist, loaded.copyright, loaded.capture_time),
        image=None, notes=list(loaded.notes), staged=staged,
    )
    if job.colour:
        view, gain = search_view(loaded)
        card = detect_card_in(view, full, job.colour, path.name, gain, full_view(path, loaded, view, gain))
        if card is not None:
            outcome.card = card
            return outcome
    outcome.image, outcome.deep = working(loaded, job.renditions)
    if outcome.deep is not None:
        # The engine keeps a shoot's working images until the shoot is ordered: keep one
        # copy. The 8-bit image is made from the 16 bits when it is needed (no colour fit).
        outcome.image = None
    return outcome


def _stage_or_hash(path: Path, job: FrameJob) -> tuple[str | None, str]:
    """(the temp copy in the library or None, the SHA-256) of a frame's original."""
    if job.stage_dir:
        tmp, sha = stage_copy(path, job.stage_dir, path.name)
        return str(tmp), sha
    return None, hash_file(path) if job.hash else ""


def working(loaded: Loaded, renditions: tuple[Rendition, ...]) -> tuple[Image.Image, Any]:
    """The decode of a photo shrunk to what the largest rendition needs, and its 16 bits
    likewise when the decode kept them."""
    full = loaded.original_size
    s = need_scale(renditions, *full)
    size = (max(1, round(full[0] * s)), max(1, round(full[1] * s)))
    img, deep = loaded.image, loaded.deep
    if size[0] < img.width:
        img = downscale(img, size)
        if deep is not None:
            deep = downscale16(deep, size)
    return img, deep



@dataclass(frozen=True)
class Written:
    rendition: str
    rel: str
    sha256: str
    size: int
    quality: int
    pixels: tuple[int, int]
    facts: dict[str, Any] = field(default_factory=dict)


def rendition_images(image: Image.Image | None, original_size: tuple[int, int], renditions: tuple[Rendition, ...],
                     watermark: Watermark,
                     finish: Callable[[Image.Image, Rendition], tuple[Image.Image, dict[str, Any]]] | None = None,
                     fit: dict[str, Any] | None = None, deep: Any = None
                     ) -> Iterator[tuple[Rendition, Image.Image, dict[str, Any]]]:
    """Each rendition's picture and facts, as :func:`render_outputs` writes them (the app's
    live preview shows them unwritten)."""
    if fit is not None:
        image = apply_fit(image, fit, deep)  # once, on the working image, before resizing
    elif image is None:
        image = Image.fromarray(to_8bit(deep), "RGB")
    for r in renditions:
        img = resize(image, r, original_size)
        img = sharpen(img, r.sharpen)
        # The mark goes on the photo itself (not on a spec panel added below it).
        img = apply_watermark(img, watermark)
        facts: dict[str, Any] = {}
        if finish is not None:
            img, facts = finish(img, r)
        yield r, img, facts


def render_outputs(image: Image.Image | None, original_size: tuple[int, int], exif: KeptExif,
                   renditions: tuple[Rendition, ...], watermark: Watermark, library: Path,
                   stem_rel: str,
                   finish: Callable[[Image.Image, Rendition], tuple[Image.Image, dict[str, Any]]] | None = None,
                   fit: dict[str, Any] | None = None, deep: Any = None) -> list[Written]:
    """Every rendition of one product frame, written under ``library/stem_rel{suffix}.jpg``.

    Thread-safe and journal-free (Pillow and OpenCV release the GIL), so the engine runs
    several frames at once and journals the results itself. ``finish`` adds the
    annotations (spec panel, callouts) after the watermark, which marks the photo;
    ``fit`` is the colour correction of the frame's lighting setup, applied to ``deep``
    (the working image's 16 bits) when the source had them.
    """
    out: list[Written] = []
    for r, img, facts in rendition_images(image, original_size, renditions, watermark, finish, fit, deep):
        data, q = encode_jpeg(img, r.quality, r.max_bytes, exif)
        rel = f"{stem_rel}{r.suffix}.jpg"
        sha, size = write_or_adopt(library / rel, data)  # the name is reserved for this frame
        out.append(Written(r.name, rel, sha, size, q, img.size, facts))
    return out


def analyse_file(path: str | Path, colour: ColourSettings, renditions: tuple[Rendition, ...] = (),
                 corners: list[tuple[float, float]] | None = None) -> dict[str, Any]:
    """`imgprep colour IMAGE`: decode with the engine's loader and decode policy (so the
    figures equal the batch's for the same frame and preset), then :func:`analyse`."""
    from ..core.imaging.load import load, probe

    probe(path)  # the batch's own refusals (not a photo, too small, too thin) before decoding
    loaded = load(path, need_scale=lambda w, h: decode_scale(renditions, colour, w, h), deep=True)
    view, gain = search_view(loaded)
    doc, _ = analyse(view, loaded.original_size, colour, str(path), corners, gain,
                     full_view(Path(path), loaded, view, gain))
    return doc
