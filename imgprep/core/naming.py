"""Naming rules (docs/naming.md): one place decides what a SKU may be and what a file is called.

Library files are ``<SKU>-<NN>`` (product frames) and ``<SKU>-C<NN>`` (reference-card
frames), NN from 01, two digits, three and more when past 99. A number is assigned
once per source file and never reused.
"""

from __future__ import annotations

import re
import unicodedata

from .errors import NamingError
from .messages import Reason

SKU_MAX = 64
_SKU_RE = re.compile(r"[A-Za-z0-9._-]+")
# Names Windows reserves in every folder, with or without an extension.
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in list("123456789") + ["¹", "²", "³"]
}

# The library's own files sit beside the SKU folders (journal, log, lock, backup marker):
# a SKU folder of that name would break them. Case-insensitive (Windows and macOS disks).
_IMGPREP_RESERVED = re.compile(r"imgprep\.(?:sqlite(?:-wal|-shm|-journal)?|log(?:\.\d+)?)|\.imgprep.*",
                               re.IGNORECASE)


def validate_sku(sku: str) -> str:
    """Return the SKU (NFC-normalised, stripped) or raise :class:`NamingError` saying why.

    Allowed: ASCII letters, digits, ``-`` ``_`` ``.``; 1–64 characters; not starting with
    ``.`` or ``-``; no ``..``; not ending with ``.``; not a name Windows reserves; not
    a name of the library's own files (``imgprep.sqlite``, ``imgprep.log``, ``.imgprep*``).
    """
    if not isinstance(sku, str):
        raise NamingError(f"SKU must be text, got {type(sku).__name__}")
    s = unicodedata.normalize("NFC", sku).strip()
    shown = repr(sku)
    if not s:
        raise NamingError(Reason.of("sku-empty"))
    if any(c in s for c in "/\\"):
        raise NamingError(Reason.of("sku-separator", sku=shown))
    if any(unicodedata.category(c).startswith("C") for c in s):
        raise NamingError(Reason.of("sku-control", sku=shown))
    if ".." in s:
        raise NamingError(Reason.of("sku-dot-dot", sku=shown))
    if len(s) > SKU_MAX:
        raise NamingError(Reason.of("sku-too-long", sku=shown, length=len(s), limit=SKU_MAX))
    if not _SKU_RE.fullmatch(s):
        bad = "".join(dict.fromkeys(c for c in s if not _SKU_RE.fullmatch(c)))  # as they appear
        raise NamingError(Reason.of("sku-characters", sku=shown, bad=repr(bad)))
    if s[0] in ".-":
        raise NamingError(Reason.of("sku-start", sku=shown, char=s[0]))
    if s.endswith("."):
        raise NamingError(Reason.of("sku-end-dot", sku=shown))
    if s.split(".")[0].upper() in _WINDOWS_RESERVED:
        raise NamingError(Reason.of("sku-reserved", sku=shown))
    if _IMGPREP_RESERVED.fullmatch(s):
        raise NamingError(Reason.of("sku-imgprep", sku=shown))
    return s


def seq_label(n: int) -> str:
    """``1 → '01'``, ``123 → '123'``."""
    if n < 1:
        raise ValueError(f"sequence numbers start at 1, got {n}")
    return f"{n:02d}"


def frame_stem(sku: str, n: int, *, card: bool = False) -> str:
    return f"{sku}-{'C' if card else ''}{seq_label(n)}"


def next_free(used: set[int]) -> int:
    """The next number after the highest ever used: numbers are never reused,
    even when a file was removed by hand."""
    return max(used, default=0) + 1


def next_revision(stem: str, names: list[str], exts: tuple[str, ...]) -> int:
    """The next revision number (2, 3, …) for library name ``stem``: a changed file never
    overwrites, it is ``<stem>-r<N>`` (:func:`revision_stem`). ``names``: file names or
    library paths already used anywhere (library, journal, backup) of the types ``exts``,
    which share the numbers; a revision number is never reused either."""
    ends = "|".join(re.escape(e) for e in exts)
    pat = re.compile(re.escape(stem) + rf"-r(\d+)(?:[-_].*)?(?:{ends})", re.IGNORECASE)
    used = {1}
    for n in names:
        m = pat.fullmatch(n.replace("\\", "/").rsplit("/", 1)[-1])
        if m:
            used.add(int(m.group(1)))
    return max(used) + 1


def revision_stem(stem: str, rev: int) -> str:
    return f"{stem}-r{rev}"


_REVISION = re.compile(r"-r(\d+)$")


def revision_of(stem: str) -> int:
    """The revision a library stem carries: ``A1234-03-r2`` → 2, ``A1234-03`` → 1."""
    m = _REVISION.search(stem)
    return int(m.group(1)) if m else 1


# Designers' PSDs (docs/naming.md: ``psd/SKU-NN.psd``, renamed on arrival).
PSD_EXTENSIONS = (".psd", ".psb")

# Videos: never decoded. One beside a photo of the same name (an iPhone's Live Photo
# IMG_1234.MOV beside IMG_1234.HEIC or .JPG) is that photo's companion, kept under its
# number; any other is not a photo and is left where it is.
VIDEO_EXTENSIONS = (".mov", ".mp4", ".m4v", ".3gp", ".avi", ".mkv", ".mts", ".m2ts", ".webm", ".wmv")


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def psd_frame(stem: str, sku: str, frames: list[tuple[int, str]]) -> int | None:
    """The number of the frame a designer's PSD belongs to, from the PSD's file stem: the
    frame's library name (``A1234-03``), else its original's stem (``IMG_0042``; the
    earliest frame when several share it). Case-insensitive, NFC. ``frames``: (number,
    original's file stem) of the shoot's product frames. None: it belongs to no frame."""
    key = _fold(stem)
    frames = sorted(frames)
    for seq, _ in frames:
        if _fold(frame_stem(sku, seq)) == key:
            return seq
    return next((seq for seq, source in frames if _fold(source) == key), None)


def psd_stem(sku: str, seq: int, names: list[str]) -> str:
    """Library stem of a new PSD numbered ``seq``: ``SKU-NN``; when a PSD of that name is
    already there (``names``: the SKU's PSD file names or paths), the next revision
    ``SKU-NN-r2`` …, as a re-rendered rendition gets."""
    stem = frame_stem(sku, seq)
    stems = {_fold(n.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]) for n in names}
    if _fold(stem) not in stems:
        return stem
    return revision_stem(stem, next_revision(stem, names, PSD_EXTENSIONS))


_NATURAL = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple:
    """Sort 'IMG_2.jpg' before 'IMG_10.jpg'; case-insensitive; NFC so macOS names sort alike."""
    name = unicodedata.normalize("NFC", name).casefold()
    return tuple(int(t) if t.isdigit() else t for t in _NATURAL.split(name))
