"""The drop folder: seeing files arrive (the observer, rescans), taking them (stable,
complete, named by their folder or a slate: intake's rules) and retiring them once the
library has them (``DROP/.imgprep/done/<SKU>/…``, never over an existing name).

Files reach the drop folder over minutes (card readers, SMB, tethering software, temp
names renamed at the end), so nothing is taken on an event alone:

* **Seeing files.** watchdog's native observer (or its polling observer for network
  shares, chosen automatically from the mount table) only says "look at this path".
  A periodic full rescan is the safety net for what the observer misses (inotify
  overflows, Windows losing events on big copies, files that arrived while stopped).
  A supervisor restarts a dead observer or emitter thread and rescans.
* **Taking files.** A file is taken when its size and mtime have not changed for the
  stability window *and* it is complete (JPEG/PNG end markers, else a full decode).
  One that stops changing but never completes (a writer killed half-way) is reported
  as *stalled* after the stall timeout and is not processed until it changes.

:class:`DropFolder` is the watcher's (:class:`imgprep.app.watch.Watcher`) bookkeeping of
the drop folder; the watcher owns the threads, the journal and the engine runs.
"""

from __future__ import annotations

import errno
import logging
import os
import queue
import stat as statmod
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ..core.fsutil import FileExists, fsync_dir, hash_file, write_new
from ..core.imaging.load import IMAGE_EXTENSIONS, RAW_EXTENSIONS, heif_problem
from ..core.journal import Journal, JournalUnavailable
from ..core.messages import Reason, error_reason, printable
from ..core.naming import PSD_EXTENSIONS, natural_key
from .engine import LIBRARY_FAILURES, library_failure
from .faults import crash_point
from .intake import (
    Shoot,
    files_under_safe,
    fold,
    folder_sku,
    is_ignored,
    is_video,
    kind_of,
    nfc,
    not_a_photo,
    pair,
    shot_key,
    shown,
    slate_reason,
    source_problem,
)
from .outcome import BatchReport, Item, told

log = logging.getLogger("imgprep.watch")

STATE_DIR = ".imgprep"  # DROP/.imgprep/: imgprep's own corner of the drop folder


DONE_DIR = "done"


Emit = Callable[[dict[str, Any]], None]


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.relative_to(parent)
        return True
    except ValueError:
        return False


_JPEG = {".jpg", ".jpeg", ".jpe"}


# What the watcher tells its listener (``imgprep watch --json`` prints one per line).
WatchEvent = Literal["started", "stopped", "queued", "ingested", "rendered", "duplicate", "failed", "skipped",
                     "unassigned", "stalled", "slate", "standby", "taking-over", "observer-restarted",
                     "backed-up", "backup-failed", "backup-changed", "backup-available", "backup-unavailable"]


def incomplete_reason(path: Path) -> str | None:
    """None when the file holds a whole image; else why not (yet), in English."""
    why = incomplete_why(path)
    return None if why is None else str(why)


def incomplete_why(path: Path) -> Reason | None:
    """None when the file holds a whole image; else why not (yet).

    Cheap checks first (a JPEG ends with its EOI marker, a PNG with IEND, a WebP's RIFF
    size matches the file), then a full decode by Pillow as the judge, because some
    cameras append data after the image; HEIC/HEIF and AVIF are always decoded. Camera
    RAW is judged by stability alone (a video, never decoded, likewise).
    """
    ext = path.suffix.lower()
    if ext in RAW_EXTENSIONS:
        return None
    try:
        size = path.stat().st_size
        if size == 0:
            return Reason.of("incomplete-empty")
        with open(path, "rb") as f:
            head = f.read(16)
            f.seek(max(0, size - 64))
            tail = f.read(64).rstrip(b"\0\r\n ")
    except OSError as e:
        return Reason.of("cannot-read", detail=e.strerror or str(e))
    if ext in _JPEG and tail.endswith(b"\xff\xd9"):
        return None
    if ext == ".png" and tail.endswith(b"IEND\xaeB`\x82"):
        return None
    if ext == ".webp" and head[:4] == b"RIFF" and int.from_bytes(head[4:8], "little") + 8 <= size:
        return None
    return _decodes(path)


def _decodes(path: Path) -> Reason | None:
    """None when Pillow decodes the whole image (HEIC/HEIF through the opener the loader
    registered, AVIF through Pillow's own); else why not. A HEIF or AVIF that cannot even
    be opened says what libheif found ("Unexpected end of file" for a cut one)."""
    from PIL import Image, ImageFile

    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with Image.open(path) as im:
            if im.format == "JPEG":
                im.draft("RGB", (max(1, im.width // 8), max(1, im.height // 8)))
            im.load()
        return None
    except (OSError, ValueError, SyntaxError, RuntimeError, Image.DecompressionBombError) as e:
        problem = heif_problem(path) if isinstance(e, Image.UnidentifiedImageError) else None
        return Reason.of("incomplete-data", detail=problem[1] if problem else error_reason(e))


@dataclass
class _Tracked:
    path: Path
    size: int
    mtime_ns: int
    changed: float                          # monotonic time of the last change seen
    checked: tuple[int, int] | None = None  # signature found incomplete (not re-decoded each tick)
    reason: Reason | None = None

    @property
    def sig(self) -> tuple[int, int]:
        return (self.size, self.mtime_ns)


@dataclass
class WatchStats:
    processed: int = 0
    duplicates: int = 0
    failed: int = 0
    stalled: int = 0
    rescans: int = 0
    last_rescan_s: float = 0.0
    observer_restarts: int = 0
    backed_up: int = 0
    engine_runs: int = 0
    events: dict[str, int] = field(default_factory=dict)


class _Handler:
    """watchdog event handler: only queues paths (the loop decides). Exceptions are
    caught and logged: a lost event is found again by the next rescan."""

    def __init__(self, sink: Callable[[str], None]):
        self.sink = sink

    def dispatch(self, event: Any) -> None:
        try:
            if event.event_type in ("opened", "closed_no_write", "deleted"):
                return
            if event.is_directory and event.event_type == "modified":
                return  # its files bring their own events; a folder walk per write is waste
            self.sink(os.fsdecode(event.src_path))
            dest = getattr(event, "dest_path", "")
            if dest:
                self.sink(os.fsdecode(dest))
        except Exception:  # noqa: BLE001 - never let the observer thread die on our account
            log.exception("watch: event handler failed (the next rescan covers it)")


def _move_exclusive(src: Path, dest: Path) -> Path:
    """Move ``src`` to ``dest`` or ``dest (2)``, ``(3)``… without ever replacing a file.

    A hard link then unlink: the link is exclusive, and a crash between the two leaves
    both names on one inode, which the next move recognises. Filesystems without hard
    links fall back to a rename after an existence check.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    stem, suffix = dest.stem, dest.suffix
    for i in range(1, 10000):
        cand = dest if i == 1 else dest.with_name(f"{stem} ({i}){suffix}")
        try:
            os.link(src, cand)
        except FileExistsError:
            try:
                if os.path.samefile(src, cand):  # an interrupted earlier move
                    break
            except OSError:
                pass
            continue
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK,
                               errno.ENOSYS, errno.EACCES):
                raise
            if os.path.lexists(cand):
                continue
            os.rename(src, cand)
            fsync_dir(cand.parent)
            fsync_dir(src.parent)
            return cand
        break
    else:
        raise OSError(errno.EEXIST, "no free name in done/", str(dest))
    fsync_dir(cand.parent)
    os.unlink(src)
    fsync_dir(src.parent)
    return cand


def drop_id(drop: Path) -> str:
    """The drop folder's identity, the same from every station however it is mounted
    (``\\\\nas\\drop``, ``/mnt/drop``): an id kept in ``DROP/.imgprep/id``, made once."""
    path = drop / STATE_DIR / "id"
    try:
        write_new(path, uuid.uuid4().hex.encode())
    except FileExists:
        pass
    return path.read_text(encoding="ascii").strip()


def watch_status(j: Journal) -> dict[str, Any]:
    """What `imgprep check` shows about the hot folder: the backup backlog and the drop
    folder's files that need a human (stalled, unassigned, refused).

    ``{"backup": {"pending": n, "oldest": iso|None, "attempts": n, "last_error": str|None},
       "stalled": [{"path", "sku", "size", "reason", "since"}], "unassigned": [...], "refused": [...]}``
    """
    try:
        rows = j.watch_files("stalled", "unassigned", "failed-sku", "failed")
    except Exception:  # noqa: BLE001 - a journal from before the watcher (schema < 3)
        rows = []

    def entry(r: Any) -> dict[str, Any]:
        return {"path": r["path"], "sku": r["sku"], "size": r["size"], "reason": r["reason"], "since": r["updated_at"]}

    live = [r for r in rows if _still_there(r)]
    return {
        "backup": j.backup_backlog(),
        "stalled": [entry(r) for r in live if r["state"] == "stalled"],
        "unassigned": [entry(r) for r in live if r["state"] == "unassigned"],
        "refused": [entry(r) for r in live if r["state"] in ("failed-sku", "failed")],
    }


def _still_there(r: Any) -> bool:
    try:
        st = os.stat(r["path"])
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == (r["size"], r["mtime_ns"])

class DropFolder:
    """What the watcher knows of its drop folder: the files tracked until they are
    stable and complete, the ones settled (reported, not looked at until they change),
    the folders a slate named. The state is made by :class:`~imgprep.app.watch.Watcher`'s
    ``__init__``; :meth:`_engine` is the watcher's."""

    drop: Path
    lib: Path
    o: Any  # WatchOptions
    j: Journal | None
    stats: WatchStats
    polling: bool
    _tracked: dict[Path, _Tracked]
    _settled: dict[Path, tuple[int, int]]
    _slates: dict[str, list[tuple[tuple, str]]]
    _slates_empty: set[str]
    _slate_shots: dict[tuple[Path, str], str]
    _paths: queue.SimpleQueue[str]
    _wake: threading.Event
    _backup_wake: threading.Event
    _observer: Any
    _said_failed: dict[str, float]
    _backup_key: str | None
    _emit_cb: Callable[[dict[str, Any]], None]
    _emit_lock: threading.Lock

    def _engine(self, shoots: list[Shoot]) -> BatchReport:
        raise NotImplementedError

    def _event(self, kind: WatchEvent, *, source: str | Path | None = None, sku: str | None = None,
               file: str | None = None, **extra: Any) -> None:
        ev: dict[str, Any] = {"event": kind, "source": nfc(source) if source is not None else None,
                              "sku": sku, "file": file, "time": _now_iso()}
        if isinstance(extra.get("reason"), Reason):  # the text printed, the reason for the app
            extra.update(told(extra["reason"]))
        ev.update({k: v for k, v in extra.items() if v is not None})
        self.stats.events[kind] = self.stats.events.get(kind, 0) + 1
        level = logging.WARNING if kind in ("failed", "stalled", "observer-restarted", "backup-unavailable") \
            else logging.INFO
        log.log(level, "%s", printable(f"{kind} {ev['source'] or ''}{f' → {file}' if file else ''}"
                                       f"{': ' + str(ev['reason']) if ev.get('reason') else ''}"))
        with self._emit_lock:
            try:
                self._emit_cb(ev)
            except Exception:  # noqa: BLE001 - a broken listener must not stop the watcher
                log.exception("watch: event listener failed")

    def _sink(self, path: str) -> None:
        self._paths.put(path)
        self._wake.set()

    def _start_observer(self) -> None:
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver

        obs = PollingObserver(timeout=self.o.poll_interval) if self.polling else Observer()
        obs.schedule(_Handler(self._sink), str(self.drop), recursive=True)
        obs.daemon = True
        obs.start()
        self._observer = obs

    def _stop_observer(self) -> None:
        obs, self._observer = self._observer, None
        if obs is None:
            return
        try:
            obs.stop()
            obs.join(5)
        except Exception:  # noqa: BLE001 - a dead observer may fail to stop; it is discarded anyway
            log.debug("watch: stopping a broken observer failed", exc_info=True)

    def _observer_dead(self) -> str | None:
        obs = self._observer
        if obs is None:
            return "no observer"
        if not obs.is_alive():
            return "observer thread died"
        for em in list(getattr(obs, "emitters", ())):
            if not em.is_alive():
                return "emitter thread died"
        return None

    def _supervise(self) -> None:
        why = self._observer_dead()
        if why is None:
            return
        self._stop_observer()
        try:
            if not self.drop.is_dir():
                raise FileNotFoundError(errno.ENOENT, "drop folder not reachable", str(self.drop))
            self._start_observer()
        except OSError as e:
            self._event("failed", source=self.drop, reason=f"cannot watch the drop folder: {e}; retrying")
            return
        self.stats.observer_restarts += 1
        self._event("observer-restarted", source=self.drop, reason=why)
        self._rescan()

    def _library_failed(self, reason: Reason) -> None:
        """The library failed (disk full, read-only, journal I/O, the journal server away):
        say so (the same reason once a minute) and keep watching; what was not recorded is
        looked at again (at the latest at the next start)."""
        last = self._said_failed.get(reason)
        if last is not None and time.monotonic() - last < 60:
            return
        self._said_failed[reason] = time.monotonic()
        self._event("failed", file=str(self.lib), reason=reason)

    def _drain_paths(self) -> None:
        while True:
            try:
                p = self._paths.get_nowait()
            except queue.Empty:
                return
            self._touch(Path(p))

    def _rel(self, p: Path) -> tuple[str, ...] | None:
        try:
            rel = p.relative_to(self.drop).parts
        except ValueError:
            return None
        if not rel or rel[0] == STATE_DIR or any(is_ignored(part) for part in rel):
            return None
        return rel

    def _touch(self, p: Path, st: os.stat_result | None = None) -> None:
        """A path the observer or a scan reported: track it if it may need work."""
        if p in self._tracked or self._rel(p) is None:
            return
        try:
            st = st or os.stat(p)
        except OSError:
            self._refuse(p)
            return
        if statmod.S_ISDIR(st.st_mode):
            self._scan_dir(p)  # a folder moved in brings no events for its contents
            return
        if not statmod.S_ISREG(st.st_mode):
            return
        sig = (st.st_size, st.st_mtime_ns)
        if self._settled.get(p) == sig:
            return
        if shown(str(p)) != str(p):
            self._refuse(p)
            return
        self._settled.pop(p, None)
        assert self.j is not None
        row = self.j.source_by_stat(nfc(p), st.st_size, st.st_mtime_ns)
        if row is not None and row["state"] == "rendered":
            # Already processed (kept source, or a crash before it was moved): never twice.
            self._retire(p, sig, row["sku"], "done")
            return
        # New, changed, or failed before (retried once per start: a failed file is not in
        # the library, and its failure is settled again below when it fails again).
        self._tracked[p] = _Tracked(p, st.st_size, st.st_mtime_ns, time.monotonic())

    def _refuse(self, p: Path) -> None:
        """A path the source policy refuses (batch.source_problem: a looping or dangling
        link, a name that is not UTF-8): reported once, until it changes."""
        problem = source_problem(p)
        if problem is None:
            return
        try:
            lst = os.lstat(p)
        except OSError:
            return  # gone meanwhile
        sig = (lst.st_size, lst.st_mtime_ns)
        if self._settled.get(p) == sig:
            return
        self._settled[p] = sig
        assert self.j is not None
        known = self.j.watch_file(nfc(p))
        if known is not None and (known["size"], known["mtime_ns"]) == sig and known["reason"] == str(problem):
            return  # reported before this start
        rel = self._rel(p) or ()
        sku = rel[0] if len(rel) > 1 else None
        with self.j.tx():
            self.j.put_watch_file(nfc(p), *sig, "failed-sku", sku=sku, reason=problem)
        self._event("failed", source=p, sku=sku, reason=problem)

    def _scan_dir(self, root: Path) -> int:
        n = 0
        for dirpath, dirs, files in os.walk(root):
            d = Path(dirpath)
            if d == self.drop:
                dirs[:] = [x for x in dirs if x != STATE_DIR]
            dirs[:] = [x for x in dirs if not is_ignored(x)]
            for name in files:
                if is_ignored(name):
                    continue
                p = d / name
                n += 1
                if p in self._tracked:
                    continue
                try:
                    st = os.stat(p)
                except OSError:
                    self._refuse(p)
                    continue
                if self._settled.get(p) == (st.st_size, st.st_mtime_ns):
                    continue
                self._touch(p, st)
        return n

    def _rescan(self) -> None:
        t = time.perf_counter()
        try:
            n = self._scan_dir(self.drop)
        except JournalUnavailable as e:  # said once a minute, not once a rescan
            self._library_failed(library_failure(self.lib, e))
            return
        except OSError as e:
            self._event("failed", source=self.drop, reason=f"rescan failed: {e}")
            return
        self.stats.rescans += 1
        self.stats.last_rescan_s = time.perf_counter() - t
        # Forget settled entries whose file is gone (moved away or deleted).
        for p in [p for p in self._settled if not os.path.lexists(p)]:
            del self._settled[p]
        self._forget_slates()
        log.debug("rescan: %d file(s) in %.3f s", n, self.stats.last_rescan_s)

    def _examine(self, now: float) -> list[_Tracked]:
        """Stat every tracked file; return those stable and complete."""
        ready = []
        for p, t in list(self._tracked.items()):
            try:
                st = os.stat(p)
            except OSError:
                del self._tracked[p]  # renamed away or deleted; a new name brings its own event
                continue
            if (st.st_size, st.st_mtime_ns) != t.sig:
                t.size, t.mtime_ns, t.changed = st.st_size, st.st_mtime_ns, now
                continue
            if now - t.changed < self.o.stable:
                continue
            rel = self._rel(p)
            if rel is None:
                del self._tracked[p]
                continue
            if len(rel) > 1 and p.suffix.lower() in IMAGE_EXTENSIONS and t.checked != t.sig:
                t.reason = incomplete_why(p)
                if t.reason is not None:
                    t.checked = t.sig
                    # The decode took time: the file may have changed meanwhile.
                    continue
            if t.checked == t.sig:
                if now - t.changed >= self.o.stall:
                    self._stalled(t)
                continue
            ready.append(t)
        return ready

    def _stalled(self, t: _Tracked) -> None:
        assert self.j is not None
        del self._tracked[t.path]
        self._settled[t.path] = t.sig
        rel = self._rel(t.path) or ()
        sku = rel[0] if len(rel) > 1 else None
        reason = Reason.of("stalled", seconds=f"{self.o.stall:g}", detail=t.reason)
        with self.j.tx():
            self.j.put_watch_file(nfc(t.path), t.size, t.mtime_ns, "stalled", sku=sku, reason=reason)
        self.stats.stalled += 1
        self._event("stalled", source=t.path, sku=sku, reason=reason)

    def _settle(self, t: _Tracked, state: str, event: WatchEvent, sku: str | None, reason: Reason) -> None:
        assert self.j is not None
        del self._tracked[t.path]
        self._settled[t.path] = t.sig
        with self.j.tx():
            self.j.put_watch_file(nfc(t.path), t.size, t.mtime_ns, state, sku=sku, reason=reason)
        self._event(event, source=t.path, sku=sku, reason=reason)

    def _process(self, ready: list[_Tracked]) -> None:
        """Take the ready files: sorted into shoots, run through the engine, each outcome
        seen to (the drop copy retired, or settled with why)."""
        shoots, taken, skus = self._gather(ready)
        if not taken:
            return
        assert self.j is not None
        for sh in shoots.values():
            pair(sh, {shot_key(r["source_path"]): Path(r["source_path"]) for r in self.j.sources(sh.sku)})
        for src in taken:
            self._event("queued", source=src, sku=skus[src])
        report = self._engine(list(shoots.values()))
        if report.library_problem:
            self._library_failed(report.library_problem)
        for it in report.items:
            try:
                self._after_item(it, taken.pop(it.source, None))
            except LIBRARY_FAILURES as e:  # its bookkeeping; the rest are seen to all the same
                self._library_failed(library_failure(self.lib, e))
        for t in taken.values():  # not reported by the engine (should not happen): look again later
            self._tracked.pop(t.path, None)

    def _gather(self, ready: list[_Tracked]) -> tuple[dict[str, Shoot], dict[str, _Tracked], dict[str, str]]:
        """(shoots by SKU, the files taken by source, their SKUs): at most ``max_batch``
        files; videos after the photos (a video's photo may come in this round)."""
        shoots: dict[str, Shoot] = {}
        taken: dict[str, _Tracked] = {}
        skus: dict[str, str] = {}
        videos: list[tuple[_Tracked, str]] = []

        def take(t: _Tracked, sku: str, kind: str) -> None:
            rel = self._rel(t.path)
            assert rel is not None
            sh = shoots.setdefault(sku.casefold(), Shoot(sku, self.drop / rel[0], []))
            (sh.psds if kind == "psd" else sh.files).append(t.path)
            taken[nfc(t.path)] = t
            skus[nfc(t.path)] = sku

        named = self._read_slates(ready)
        for t in sorted(ready, key=lambda t: natural_key(str(t.path))):
            found = self._classify(t, named)
            if found is None:
                continue
            if found[1] == "video":
                videos.append((t, found[0]))
            elif len(taken) < self.o.max_batch:  # else next round
                take(t, *found)
        stills = {shot_key(t.path) for t in taken.values() if not is_video(t.path)}
        for t, sku in videos:
            if not self._video_held(t, sku, stills) and len(taken) < self.o.max_batch:
                take(t, sku, "video")
        return shoots, taken, skus

    def _classify(self, t: _Tracked, named: dict[Path, str | None]) -> tuple[str, str] | None:
        """(SKU, kind) of a ready file (intake's rules), or None: settled here with why
        (a slate, a loose file, a refused folder, not a photo), or waiting for its
        folder's first frame, or in a slate-named folder a frame before it (either may be
        a slate)."""
        rel = self._rel(t.path)
        assert rel is not None
        if t.path not in self._tracked:
            return None  # a slate, settled above
        twin = self._slate_shots.get(shot_key(t.path))
        if twin is not None:  # the slate's other file (RAW + JPEG)
            self._settle_slate(t, twin, rel[0])
            return None
        if len(rel) == 1:
            self._settle(t, "unassigned", "unassigned", None, Reason.of("loose-file"))
            return None
        slate_sku = named.get(t.path, "")
        if slate_sku is None:
            return None  # a frame before it in its folder is still arriving: it may be a slate
        sku, refused = (slate_sku, None) if slate_sku else folder_sku(rel[0])
        if sku is None:
            self._settle(t, "failed-sku", "failed", None, refused or "")
            return None
        kind = kind_of(t.path)
        if kind is None:
            self._settle(t, "skipped", "skipped", sku, not_a_photo(t.path))
            return None
        return sku, kind

    def _video_held(self, t: _Tracked, sku: str, stills: set[tuple[Path, str]]) -> bool:
        """A video that is ready: whether it is held back from this round. One whose photo
        is taken in this round or is a frame already goes with it, as its companion
        (:meth:`_pair`); one whose photo is still arriving waits; one with no photo of its
        name is not a photo, and one whose photo failed waits for it: both are settled
        here, left in place (:meth:`_wake_videos` takes the latter when the photo is in)."""
        assert self.j is not None
        key = shot_key(t.path)
        if key in stills or any(shot_key(r["source_path"]) == key for r in self.j.sources(sku)):
            return False
        try:
            siblings = [p for p in t.path.parent.iterdir()
                        if fold(p.stem) == key[1] and p.suffix.lower() in IMAGE_EXTENSIONS]
        except OSError:
            siblings = []
        waiting = [p for p in siblings if p not in self._settled]
        if waiting:
            return True  # arriving, or not seen yet: it becomes ready, stalls or fails
        reason = (Reason.of("video-still-not-taken", still=sorted(siblings)[0].name) if siblings
                  else Reason.of("video-not-photo", ext=t.path.suffix))
        self._settle(t, "skipped", "skipped", sku, reason)
        return True

    def _read_slates(self, ready: list[_Tracked]) -> dict[Path, str | None]:
        """The SKU a slate gives each ready file of a drop folder (absent: its folder's
        name names it; None: it waits). A folder's first frame (by name, as in a batch) is
        read when it is ready; a slate is settled here (moved to done/<SKU>/, never
        processed) and names the folder's frames until the folder has stayed empty for a
        full rescan (:meth:`_forget_slates`). The frames of a folder a slate named are read
        too, as they become ready (:meth:`_read_later_slates`)."""
        ready_by_path = {t.path: t for t in ready}
        folders: dict[str, tuple[str, list[_Tracked]]] = {}
        for t in ready:
            rel = self._rel(t.path)
            if rel and len(rel) >= 2:
                folders.setdefault(fold(rel[0]), (rel[0], []))[1].append(t)
        out: dict[Path, str | None] = {}
        for key, (folder, ts) in folders.items():
            marks = self._slates.get(key)  # decided (slates or none) until the folder stays empty
            if marks is not None:
                self._slates_empty.discard(key)  # a frame came: not empty since the last rescan
                if not marks:
                    continue  # the folder's name names it
            listed = [p for p in files_under_safe(self.drop / folder) if p.suffix.lower() in IMAGE_EXTENSIONS]
            if marks is None and self._read_first_slate(
                    key, folder, [p for p in listed if p not in self._settled], ready_by_path) is None:
                out.update(dict.fromkeys((t.path for t in ts), None))
                continue
            if self._slates.get(key):  # the first read may have settled a slate: not listed again
                out.update(self._read_later_slates(key, folder, [p for p in listed if p not in self._settled], ts))
        return out

    def _read_first_slate(self, key: str, folder: str, images: list[Path],
                          ready_by_path: dict[Path, _Tracked]) -> str | None:
        """Read a folder's first frame (of its unsettled ``images``): the SKU of its slate,
        '' when it has none (or no image yet), None while it is still arriving."""
        from ..core.imaging.slate import read as read_slate

        if not images:
            return ""
        first = min(images, key=lambda p: natural_key(p.name))
        ft = ready_by_path.get(first)
        if ft is None:
            # Wait for it: it is still arriving (or not yet seen). It becomes ready,
            # stalls or goes away; a stalled or failed file is settled, not first.
            return None
        sku = read_slate(first)
        if sku is None:
            self._slates[key] = []  # the folder's name names it
            return ""
        self._slates[key] = [(natural_key(first.name), sku)]
        self._slate_shots[shot_key(first)] = sku
        self._settle_slate(ft, sku, folder)
        return sku

    def _read_later_slates(self, key: str, folder: str, images: list[Path],
                           ready: list[_Tracked]) -> dict[Path, str | None]:
        """The SKU of each ready file of a folder a slate named. A tethered camera writes
        every product into one folder (slate, frames, slate, frames…): each image is read
        as it becomes ready, in name order; a slate is settled like the first and names
        the files after it by name, up to the next slate (the same SKU again is only
        settled). A file waits while one before it by name is still arriving: it may be
        a slate."""
        from ..core.imaging.slate import read as read_slate

        mine = {t.path for t in ready}
        arriving = min((natural_key(p.name) for p in images if p not in mine), default=None)
        marks = self._slates[key]
        out: dict[Path, str | None] = {}
        for t in sorted(ready, key=lambda t: natural_key(t.path.name)):
            if t.path not in self._tracked:
                continue  # the first frame's slate, settled above
            name = natural_key(t.path.name)
            if arriving is not None and name > arriving:
                out[t.path] = None
                continue
            if shot_key(t.path) not in self._slate_shots and t.path.suffix.lower() in IMAGE_EXTENSIONS:
                sku = read_slate(t.path)
                if sku is not None:
                    self._slate_shots[shot_key(t.path)] = sku
                    marks.append((name, sku))
                    marks.sort()
                    self._settle_slate(t, sku, folder)
                    continue
            out[t.path] = self._sku_at(key, name)
        return out

    def _sku_at(self, key: str, name: tuple) -> str:
        """The SKU of a file of a slate-named folder: the last slate's before it by name
        (a frame copied in late keeps its product), else the first's."""
        marks = self._slates[key]
        before = [sku for at, sku in marks if at <= name]
        return before[-1] if before else marks[0][1]

    def _settle_slate(self, t: _Tracked, sku: str, folder: str) -> None:
        assert self.j is not None
        del self._tracked[t.path]
        reason = slate_reason(sku, folder)
        moved = None
        if not self.o.keep_sources:
            rel = self._rel(t.path) or (t.path.name,)
            try:
                moved = _move_exclusive(t.path, self.drop / STATE_DIR / DONE_DIR / sku / Path(*rel[1:]))
            except OSError as e:
                log.warning("slate %s not moved: %s", t.path, e)
        if moved is None:
            self._settled[t.path] = t.sig
        with self.j.tx():
            self.j.put_watch_file(nfc(t.path), t.size, t.mtime_ns, "slate", sku=sku, reason=reason,
                                  moved_to=nfc(moved) if moved else None)
            self.j.log("info", "slate", reason, sku=sku, source=nfc(t.path))
        self._event("slate", source=t.path, sku=sku, reason=reason)

    def _forget_slates(self) -> None:
        """A folder emptied of photos (all moved to done/) forgets its slate (or that it
        had none) once it has stayed empty for a full rescan: a new shoot in a folder of
        the same name ('100CANON' again) must not inherit the last product's SKU, while a
        frame copied in just after the last one left still joins it. A folder that keeps
        its files (--keep-sources, failed files) keeps its SKU."""
        if not self._slates:
            self._slates_empty.clear()
            return
        try:
            folders = {fold(d.name): d for d in self.drop.iterdir() if d.is_dir() and d.name != STATE_DIR}
        except OSError:
            folders = {}
        for key in list(self._slates):
            folder = folders.get(key)
            if folder is not None and any(p.suffix.lower() in IMAGE_EXTENSIONS for p in files_under_safe(folder)):
                self._slates_empty.discard(key)
            elif key in self._slates_empty:  # empty at the last rescan too
                del self._slates[key]
                self._slates_empty.discard(key)
                # the next card's IMG_0001 is not the last card's slate twin: the slates
                # that lay in this drop folder (or a folder inside it) are forgotten too
                for shot in [k for k in self._slate_shots if (rel := self._rel(k[0])) and fold(rel[0]) == key]:
                    del self._slate_shots[shot]
            else:
                self._slates_empty.add(key)

    def _after_item(self, it: Item, t: _Tracked | None) -> None:
        """Journal-side bookkeeping for one engine outcome, then the drop copy's fate."""
        assert self.j is not None
        path = Path(it.source)
        if t is not None:
            self._tracked.pop(t.path, None)
        if it.status == "done":
            self.stats.processed += 1
            self._queue_backups([it.raw, *it.renditions, *getattr(it, "reports", [])])
            if t is not None or path.exists():
                sig = t.sig if t is not None else None
                self._retire(path, sig, it.sku, "done")
        elif it.status == "duplicate" or (it.status == "skipped" and it.is_("unchanged")):
            self.stats.duplicates += 1
            self._event("duplicate", source=it.source, sku=it.sku, file=it.raw, reason=it.why or it.reason)
            if t is not None:
                self._retire(path, t.sig, it.sku, "duplicate")
        elif it.status == "failed":
            self.stats.failed += 1
            self._event("failed", source=it.source, sku=it.sku, reason=it.why or it.reason)
            if t is not None:
                self._settled[t.path] = t.sig
                with self.j.tx():
                    self.j.put_watch_file(nfc(t.path), t.size, t.mtime_ns, "failed", sku=it.sku, reason=it.reason)
        elif it.status == "skipped" and t is not None and is_video(path) and not it.is_("cancelled"):
            # A Live Photo's video whose photo failed: left in place until the photo is in.
            self._settled[t.path] = t.sig
            with self.j.tx():
                self.j.put_watch_file(nfc(t.path), t.size, t.mtime_ns, "skipped", sku=it.sku, reason=it.reason)
            self._event("skipped", source=it.source, sku=it.sku, reason=it.why or it.reason)
        # skipped (cancelled): stays in the drop folder; the next start takes it.
        if it.status == "done" and it.role != "companion":
            self._wake_videos(path)

    def _wake_videos(self, photo: Path) -> None:
        """A photo is in the library: its Live Photo video, settled while the photo had
        failed, is looked at again (it becomes the photo's companion)."""
        key = shot_key(photo)
        for p in [p for p in self._settled if is_video(p) and shot_key(p) == key]:
            del self._settled[p]
            self._touch(p)

    def _copied(self, rel: str, problem: str | None) -> None:
        if problem is None:
            self.stats.backed_up += 1
            self._event("backed-up", file=rel)
        else:
            self._event("backup-failed", file=rel, reason=problem)

    def _queue_backups(self, rels: list[str | None]) -> None:
        if self._backup_key is None or self.j is None:
            return
        with self.j.tx():
            for rel in rels:
                if rel:
                    self.j.queue_backup(rel, self._backup_key)
        self._backup_wake.set()

    def _retire(self, path: Path, sig: tuple[int, int] | None, sku: str | None, state: str) -> None:
        """The source is verified in the library: move it to DROP/.imgprep/done/<SKU>/…
        (or leave it, with --keep-sources). Never over an existing name."""
        assert self.j is not None
        try:
            st = os.stat(path)
        except OSError:
            return
        now_sig = (st.st_size, st.st_mtime_ns)
        if sig is not None and now_sig != sig:
            return  # replaced meanwhile: a new file, tracked on its own
        if not self._verified_in_library(path, now_sig):
            self._event("failed", source=path, sku=sku, reason=Reason.of("not-moved"))
            self._settled[path] = now_sig
            return
        if self.o.keep_sources:
            self._settled[path] = now_sig
            with self.j.tx():
                self.j.put_watch_file(nfc(path), *now_sig, state, sku=sku)
            return
        rel = self._rel(path) or (path.name,)
        dest = self.drop / STATE_DIR / DONE_DIR / (sku or rel[0]) / Path(*rel[1:] if len(rel) > 1 else rel)
        try:
            moved = _move_exclusive(path, dest)
        except OSError as e:
            self._event("failed", source=path, sku=sku, reason=Reason.of("move-failed", detail=error_reason(e)))
            self._settled[path] = now_sig
            return
        crash_point("source-moved")
        self._settled.pop(path, None)
        with self.j.tx():
            self.j.put_watch_file(nfc(path), *now_sig, state, sku=sku, moved_to=nfc(moved))

    def _verified_in_library(self, path: Path, sig: tuple[int, int]) -> bool:
        """The drop file's content is in the library, whole: a journal row for it (by
        path and stat, else by hash) with a library file of the recorded size."""
        assert self.j is not None
        def library_file(kind: str) -> bool:  # a designer's PSD or a RAW's companion: a file, not a frame
            try:
                files = self.j.files_by_sha(hash_file(path), kind)  # type: ignore[union-attr]
                return bool(files) and (self.lib / files[-1]["path"]).stat().st_size == files[-1]["size"]
            except OSError:
                return False

        if path.suffix.lower() in PSD_EXTENSIONS:
            return library_file("psd")
        row = self.j.source_by_stat(nfc(path), *sig)
        if row is None or row["state"] not in ("rendered", "ingested"):
            try:
                sha = hash_file(path)
            except OSError:
                return False
            rows = [r for r in self.j.sources_by_sha(sha) if r["state"] in ("rendered", "ingested")]
            row = rows[-1] if rows else None
        if row is None:
            return library_file("companion")
        raw = self.lib / row["raw_path"]
        try:
            return raw.stat().st_size == row["size"]
        except OSError:
            return False


# watchdog's inotify emitter warns when a moved folder is re-watched under the same id
# ("Callback with id … already exists … It will be Overwritten"): harmless, and it
# would land on the studio's console once per moved shoot folder.
warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning)
