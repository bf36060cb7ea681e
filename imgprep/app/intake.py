"""Intake: files → shoots, one policy for the batch and the watcher.

Which files are photos (file types, ignored names, links, names that are not UTF-8), which
folder names a shoot (a valid SKU, or a printed slate as the first frame), how the files
of one shot pair (RAW + JPEG, a Live Photo's video) and which files are designers' PSDs.
The library layout and the journal are not touched here (see docs/architecture.md).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.errors import NamingError
from ..core.imaging.load import IMAGE_EXTENSIONS, RAW_EXTENSIONS
from ..core.messages import Reason
from ..core.naming import PSD_EXTENSIONS, VIDEO_EXTENSIONS, natural_key, validate_sku
from .outcome import Item

# Names that are never photos: temp files of copiers and browsers, OS litter, sidecars.
IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "callouts.toml"}
IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", ".download", ".filepart")




def is_ignored(name: str) -> bool:
    """Temp and system names a studio's tools leave behind (the watcher uses this too)."""
    low = name.lower()
    return (
        low in IGNORED_NAMES
        or name.startswith((".", "~$", "._"))  # hidden, rsync '.name.XXXXXX', Office, macOS
        or low.endswith(IGNORED_SUFFIXES)
        or ".syncthing." in low
    )


@dataclass
class Shoot:
    sku: str | None
    folder: Path
    files: list[Path]
    error: Reason | None = None
    psds: list[Path] = field(default_factory=list)  # designers' PSDs (.psd/.psb): copied, never decoded
    slate: Path | None = None        # the first frame, a printed SKU slate that named the shoot
    # its folder names it, and its first frame's analysis reads the slate (app.lateslate)
    slate_pending: bool = False
    # a RAW frame's camera JPEG, a photo's Live Photo video: kept under the frame's number
    companions: list[Path] = field(default_factory=list)


def nfc(p: str | Path) -> str:
    """A source's path as the journal and the reports keep it: NFC; the bytes of a name
    that is not valid UTF-8 (refused, see :func:`source_problem`) shown as escapes."""
    return unicodedata.normalize("NFC", shown(str(p)))


def shown(text: str) -> str:
    """``text`` with the undecodable bytes of a file name (Python's surrogate escapes)
    written as ``\\xNN``: printable, storable, and never mistaken for the real name."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")


def source_problem(path: Path) -> Reason | None:
    """Why a file found in a shoot folder is not read, or None: the one policy for source
    files. A name must be valid UTF-8 (the journal, the log and ``--json`` keep it). A
    symbolic link is followed only to a regular file; a loop, a dangling link and anything
    not a regular file (a device or pipe would hang the reader) are reported."""
    if shown(str(path)) != str(path):
        return Reason.of("name-not-utf8")
    try:
        st = os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return Reason.of("link-loop")
        if os.path.islink(path):
            return Reason.of("link-dangling", target=shown(os.readlink(path)))
        return Reason.of("cannot-read", detail=e.strerror or str(e))
    if not stat.S_ISREG(st.st_mode):
        return Reason.of("not-regular-file")
    return None


def _abs(p: Path) -> Path:
    """An absolute path that keeps the names it was given: a shoot folder that is a link
    is named by the link (``A1234 → DCIM/100CANON`` is A1234), not by its target."""
    return Path(os.path.abspath(p))


def folder_sku(name: str) -> tuple[str | None, Reason | None]:
    """(SKU, None) for a shoot folder's name, or (None, why it is refused)."""
    try:
        return validate_sku(name), None
    except NamingError as e:
        return None, Reason.of("folder-refused", folder=shown(name), detail=e.why or str(e))


def kind_of(path: Path) -> str | None:
    """'image', 'psd' or 'video' by the file's extension; None: not a type imgprep reads."""
    ext = path.suffix.lower()
    if ext in IMAGE_EXTENSIONS:
        return "image"
    if ext in PSD_EXTENSIONS:
        return "psd"
    return "video" if ext in VIDEO_EXTENSIONS else None


def not_a_photo(path: Path) -> Reason:
    return Reason.of("not-a-photo-type", ext=path.suffix or "no extension")


def discover(sources: list[Path], slates: bool = True, defer: bool = False) -> tuple[list[Shoot], list[Item]]:
    """Shoots from the command line's SRC arguments.

    A folder that holds files is a shoot named after the folder (its subfolders
    included); a folder holding only folders is a drop folder of shoots; a file
    belongs to the shoot of its folder. When the folder's first frame is a printed SKU
    slate (``slates``), the slate names the shoot instead and is not a product photo.
    ``defer``: a shoot whose folder already names a valid SKU is only marked
    ``slate_pending``; its first frame's analysis reads the slate (app.lateslate), from
    the decode it makes anyway. A camera's own folder (:func:`camera_folder`) is read
    now: its first frame is a slate more often than not, and one found there would
    have the whole folder analysed twice, under the folder's name and then the slate's.
    """
    shoots: dict[Path, Shoot] = {}
    items: list[Item] = []
    for src in map(Path, sources):
        if src.is_file():
            _add(shoots, src.parent, [_abs(src)])
        elif src.is_dir():
            direct = [p for p in src.iterdir() if p.is_file() and not is_ignored(p.name)]
            subs = [src] if direct else sorted((p for p in src.iterdir() if p.is_dir() and not is_ignored(p.name)),
                                               key=lambda p: natural_key(p.name))
            for sub in subs:
                _add(shoots, sub, files_under(sub))
        else:
            items.append(Item(nfc(src), None, "failed", "no such file or folder"))
    out = list(shoots.values())
    for sh in out:
        items += _sort_files(sh)
    now = out
    if slates and defer:
        for sh in out:
            sh.slate_pending = sh.error is None and bool(sh.files) and not camera_folder(sh.folder.name)
        now = [sh for sh in out if not sh.slate_pending]
    if slates and now:  # a decode per folder: several at once (Pillow and OpenCV release the GIL)
        with ThreadPoolExecutor(max_workers=min(4, len(now)), thread_name_prefix="slate") as ex:
            for found in ex.map(take_slate, now):
                items.extend(found)
    return out, items


_DCF_FOLDER = re.compile(r"[1-9][0-9]{2}(?=[0-9]*[A-Z_])[0-9A-Z_]{5}")


def camera_folder(name: str) -> bool:
    """Whether ``name`` is a folder a camera made: DCF's three digits 100-999 and five
    capitals, digits or underscores, not all digits ('100CANON', '101MSDCF', '100_FUJI',
    '102ND750'; an eight-digit SKU is no camera's). Such a name is a valid SKU but seldom
    the product's."""
    return _DCF_FOLDER.fullmatch(name) is not None


def _add(shoots: dict[Path, Shoot], folder: Path, files: list[Path]) -> None:
    folder = _abs(folder)
    sh = shoots.get(folder)
    if sh is None:
        sku, error = folder_sku(folder.name)
        sh = shoots[folder] = Shoot(sku, folder, [], error)
    sh.files += [f for f in files if f not in sh.files]


def _sort_files(sh: Shoot) -> list[Item]:
    """Sort a shoot's files into frames, companions and PSDs; the items of the rest."""
    items, stills = [], []
    for f in sh.files:
        problem = source_problem(f)
        kind = None if problem else kind_of(f)
        if problem:
            items.append(Item(nfc(f), sh.sku, "failed", problem))
        elif kind == "psd":
            sh.psds.append(f)
        elif kind is None:
            items.append(Item(nfc(f), sh.sku, "skipped", not_a_photo(f)))
        else:
            stills.append(f)
    sh.files, sh.companions = split_companions(sorted(stills, key=lambda p: natural_key(p.name)))
    items += [Item(nfc(f), sh.sku, "skipped", Reason.of("video-not-photo", ext=f.suffix))
              for f in stills if is_video(f) and f not in sh.companions]
    sh.psds.sort(key=lambda p: natural_key(p.name))
    return items


def fold(name: str) -> str:
    """A name as Windows and macOS compare it: Unicode form and case do not matter."""
    return unicodedata.normalize("NFC", name).casefold()


def shot_key(path: str | Path) -> tuple[Path, str]:
    """The files of one shot share it: the same folder and name, any extension
    (IMG_0042.CR2 and IMG_0042.JPG)."""
    p = Path(path)
    return p.parent, fold(p.stem)


def slate_reason(sku: str, folder: str) -> Reason:
    """What a slate did: named its folder's shoot (the folder already says so) or
    renamed it."""
    folder = unicodedata.normalize("NFC", folder)
    return Reason.of("slate", sku=sku) if fold(folder) == fold(sku) else Reason.of("slate-renames", sku=sku, folder=folder)


def is_video(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def split_companions(files: list[Path]) -> tuple[list[Path], list[Path]]:
    """(frames, companions): a camera shooting RAW + JPEG writes each shot twice
    (IMG_0042.CR2, IMG_0042.JPG). The RAW is the frame (its 16 bits are corrected); the
    JPEG is its companion, kept in the library under the same number (A1234-03.cr2,
    A1234-03.jpg), never a frame of its own. Only a RAW pairs: two non-RAW files of one
    name (a JPEG and a TIFF export) stay two frames. A video beside a photo of its name
    (an iPhone's Live Photo: IMG_1234.HEIC or .JPG with IMG_1234.MOV) is that photo's
    companion likewise (A1234-03.heic, A1234-03.mov). A video with no photo of its name
    is in neither list: it is not a photo."""
    groups: dict[tuple[Path, str], list[Path]] = {}
    for f in files:
        groups.setdefault(shot_key(f), []).append(f)
    companions: list[Path] = []
    for group in groups.values():
        stills = [f for f in group if not is_video(f)]
        raws = [f for f in stills if f.suffix.lower() in RAW_EXTENSIONS]
        if len(raws) == 1 and len(stills) > 1:
            companions += [f for f in stills if f is not raws[0]]
        if stills:
            companions += [f for f in group if is_video(f)]
    return [f for f in files if f not in companions and not is_video(f)], companions


def pair(sh: Shoot, frames: dict[tuple[Path, str], Path]) -> None:
    """RAW + JPEG (:func:`split_companions`) for files that arrive over time (the
    watcher): the files of one shot taken together pair as in a batch; one whose other
    half is a frame already (``frames``: shot key → source path; the JPEG copies first,
    the RAW later) becomes that frame's companion, under its number, as does a Live
    Photo's video whose photo is a frame."""
    files = sorted(sh.files, key=lambda p: natural_key(p.name))
    sh.files, sh.companions = split_companions(files)
    late = []
    for f in sh.files:
        other = frames.get(shot_key(f))
        if other is not None and other.suffix.lower() != f.suffix.lower() and \
                (other.suffix.lower() in RAW_EXTENSIONS) != (f.suffix.lower() in RAW_EXTENSIONS):
            late.append(f)
    late += [f for f in files if is_video(f) and f not in sh.companions and shot_key(f) in frames]
    if late:
        sh.files = [f for f in sh.files if f not in late]
        sh.companions += late


def take_slate(sh: Shoot) -> list[Item]:
    """If the shoot's first frame is a SKU slate: the slate's SKU names the shoot (a
    folder named '100CANON' or '新建文件夹' is fine then) and the slate leaves the frames.
    Returns the slate's items (skipped, role 'slate'): one, or two for RAW + JPEG."""
    from ..core.imaging.slate import read as read_slate

    if not sh.files:
        return []
    sku = read_slate(sh.files[0])
    return [] if sku is None else apply_slate(sh, sku)


def apply_slate(sh: Shoot, sku: str) -> list[Item]:
    """The shoot's first frame is a slate of ``sku``: it names the shoot, and it (with its
    twin) leaves the frames. Returns the slate's items."""
    first = sh.files[0]
    # A camera shooting RAW + JPEG writes the slate twice (IMG_0001.CR2, IMG_0001.JPG).
    key = shot_key(first)
    shot = [f for f in sh.files + sh.companions if shot_key(f) == key]
    sh.files = [f for f in sh.files if shot_key(f) != key]
    sh.companions = [f for f in sh.companions if shot_key(f) != key]
    sh.sku, sh.error, sh.slate, sh.slate_pending = sku, None, first, False
    reason = slate_reason(sku, sh.folder.name)
    return [Item(nfc(f), sku, "skipped", reason, role="slate") for f in shot]


def slate_event(sh: Shoot, slate_files: int = 0, left: str | None = None) -> dict[str, Any]:
    """The progress event of a slate that named ``sh``: its SKU, its folder (the row the app
    queued it under), its frames (the slate's own files left out) and, for a later slate
    in the folder, the shoot its frames left (``left``) and the slate's own files there
    (``slate_files``: analysed as frames of ``left``, never rendered)."""
    ev: dict[str, Any] = {"event": "slate", "sku": sh.sku, "folder": nfc(sh.folder.name),
                          "source": nfc(sh.slate), "frames": len(sh.files)}
    if left is not None:
        ev |= {"from": left, "slate_files": slate_files}
    return ev


def files_under(folder: Path) -> list[Path]:
    """The files in ``folder`` and its subfolders, ignored names left out."""
    found = []
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not is_ignored(d)]
        for name in files:
            if not is_ignored(name):
                found.append(_abs(Path(dirpath) / name))
    return found


def files_under_safe(folder: Path) -> list[Path]:
    """:func:`files_under`, empty when the folder cannot be read (gone meanwhile)."""
    try:
        return files_under(folder)
    except OSError:
        return []


PSD_HEADER = 26  # bytes: signature, version, reserved, channels, height, width, depth, colour mode


def psd_problem(path: Path) -> Reason | None:
    """Why ``path`` is not a Photoshop document, from its file header alone (Adobe,
    "Photoshop File Formats Specification", File Header Section: signature '8BPS',
    version 1 = PSD, 2 = PSB, 26 bytes); None when it is one. Raises OSError."""
    with open(path, "rb") as f:
        head = f.read(PSD_HEADER)
    version = int.from_bytes(head[4:6], "big") if len(head) >= 6 else None
    if not head:
        detail = Reason.of("incomplete-empty")
    elif not head.startswith(b"8BPS") and not b"8BPS".startswith(head):
        detail = Reason.of("psd-signature", head=" ".join(f"{b:02X}" for b in head[:4]))
    elif version is not None and version not in (1, 2):
        detail = Reason.of("psd-version", version=version)
    elif len(head) < PSD_HEADER:
        detail = Reason.of("psd-header-short", size=len(head))
    else:
        return None
    return Reason.of("psd-not-photoshop", name=path.name, detail=detail)
