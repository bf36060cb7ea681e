"""Per-frame work that runs in worker processes: hash, decode, look for a card, shrink.

The worker returns a small working image (the size of the largest rendition) and the
facts; naming, colour fitting, annotation and writing happen in the engine, which knows
the whole shoot. Everything here is picklable and free of shared state.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from PIL import Image

from ..core.errors import InputError
from ..core.fsutil import hash_file
from ..core.imaging.load import load
from ..core.imaging.render import KeptExif
from ..core.presets import Preset, Rendition


@dataclass(frozen=True)
class FrameJob:
    path: str
    renditions: tuple[Rendition, ...]
    card: str | None = None          # card type to look for, None: do not look
    detect_edge: int = 2000
    hash: bool = True                # False when resuming from a library copy already hashed
    keep_detect_image: bool = False  # card frames: keep the analysis image for the report


@dataclass
class FrameOutcome:
    path: str
    sha256: str
    size: int
    mtime_ns: int
    original_size: tuple[int, int]   # oriented, full resolution
    capture_time: datetime | None
    exif: KeptExif
    image: Image.Image | None        # working image, None for card frames
    card: dict[str, Any] | None = None   # detection result when a card was found
    notes: list[str] = field(default_factory=list)


def need_scale(renditions: tuple[Rendition, ...], w: int, h: int) -> float:
    """Largest fraction of the full image any rendition needs."""
    s = 0.0
    for r in renditions:
        tw, th = r.target_size(w, h)
        s = max(s, tw / w, th / h) if r.fit != "width" else max(s, tw / w)
    return min(1.0, s) if s else 1.0


def _fault_injection(path: str) -> None:
    # Test hook: simulate a native decoder crash on a chosen file (see tests/app/test_pool.py).
    marker = os.environ.get("IMGPREP_TEST_CRASH_ON")
    if marker and marker in Path(path).name:
        if hasattr(signal, "SIGSEGV") and os.name != "nt":
            os.kill(os.getpid(), signal.SIGSEGV)
        os._exit(139)


def analyse_frame(job: FrameJob) -> FrameOutcome:
    _fault_injection(job.path)
    path = Path(job.path)
    try:
        st = path.stat()
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    sha = hash_file(path) if job.hash else ""
    scale_fn = (lambda w, h: max(need_scale(job.renditions, w, h), job.detect_edge / max(w, h) / 2)) \
        if job.card else (lambda w, h: need_scale(job.renditions, w, h))
    loaded = load(path, need_scale=scale_fn)
    img = loaded.image
    full = loaded.original_size
    outcome = FrameOutcome(
        path=str(path), sha256=sha, size=st.st_size, mtime_ns=st.st_mtime_ns, original_size=full,
        capture_time=loaded.capture_time,
        exif=KeptExif(loaded.artist, loaded.copyright, loaded.capture_time),
        image=None, notes=list(loaded.notes),
    )
    if job.card:
        from .colour_hooks import detect_card_in

        card = detect_card_in(img, job.card, job.detect_edge)
        if card is not None:
            outcome.card = card
            return outcome
    s = need_scale(job.renditions, *full)
    ww = max(1, round(full[0] * s))
    wh = max(1, round(full[1] * s))
    if (ww, wh) != img.size and ww < img.width:
        img = img.resize((ww, wh), Image.Resampling.LANCZOS, reducing_gap=3.0)
    outcome.image = img
    return outcome


def jobs_for(paths: list[Path], preset: Preset, *, card: bool) -> list[FrameJob]:
    renditions = preset.renditions
    c = preset.colour.card if (card and preset.colour.enabled) else None
    return [FrameJob(str(p), renditions, c, preset.colour.detect_edge) for p in paths]
