"""The hot folder: watch a drop folder and turn a stream of arriving files into
exactly-once processing (docs/architecture.md).

* **The drop folder** (:mod:`.dropfolder`): files seen, taken when stable and complete,
  retired to ``DROP/.imgprep/done/<SKU>/…`` once the library has them.
* **Processing.** The engine (``Engine.run_shoots``) under one library lock
  held for the watcher's life: sources are journaled before any work, originals
  published atomically, interrupted rows resumed at start.
* **Backup.** Rendering never waits for the backup: copies are queued in the journal
  and a backup thread drains the queue (:func:`.mirror.drain_queue`), retrying with
  back-off while the share is away.

The class is Qt-free; the CLI and the GUI drive the same :class:`Watcher` and show its
events (``emit(dict)``).
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.errors import ConfigError
from ..core.fsutil import network_fstype, sweep_temps
from ..core.journal import Journal, library_lock
from ..core.library import LOG_NAME
from ..core.messages import Reason, error_reason
from ..core.naming import natural_key
from ..core.presets import Preset
from .backup import MARKER, BackupTarget, verify_copies
from .dropfolder import (
    DropFolder,
    Emit,
    WatchStats,
    _inside,
    _Tracked,
    drop_id,
    incomplete_reason,
    watch_status,
)
from .engine import LIBRARY_FAILURES, STALE_TEMP_S, Engine, library_failure, start_pool
from .intake import Shoot, fold
from .mirror import backup_lock, drain_queue
from .pool import KEEP_IDLE_S, JobPool
from .run import BatchOptions, station_name

log = logging.getLogger("imgprep.watch")


# ----------------------------------------------------------------------------- options
@dataclass
class WatchOptions:
    """How to watch. Times are in seconds; tests shorten them."""

    drop: Path
    library: Path
    preset: Preset
    backup: Path | None = None
    catalogue: Any = None
    poll: bool | None = None          # None: automatic (poll on network filesystems)
    keep_sources: bool = False        # leave processed files in the drop folder
    stable: float = 1.0               # size and mtime unchanged this long before taking a file
    stall: float = 120.0              # unchanged but incomplete this long: report as stalled
    rescan: float = 60.0              # full rescan of the drop folder (safety net)
    poll_interval: float = 1.0        # polling observer's snapshot interval
    supervise: float = 1.0            # how often observer threads are checked
    tick: float = 0.1                 # how often tracked files are looked at
    backup_retry: float = 2.0         # first retry delay when the backup is away (doubles)
    backup_retry_max: float = 60.0
    verify_backup: float = 24 * 3600.0  # re-hash the backup copies this often (a copy changed later)
    workers: int = max(1, os.cpu_count() or 1)
    max_batch: int = 64               # files per engine run, so a stop never waits long
    pool_idle: float = KEEP_IDLE_S    # worker processes are let go after this long without arrivals
    standby_poll: float = 5.0         # a standing-by station asks this often whether the watcher is gone


# ----------------------------------------------------------------------------- the service
class Watcher(DropFolder):
    """Watch ``options.drop`` and process what arrives into ``options.library``.

    ``emit`` receives one dict per event: ``{"event", "source", "sku", "file", "time", …}``
    with events queued, ingested, rendered, backed-up, duplicate, failed, unassigned,
    stalled, skipped, slate, observer-restarted, backup-unavailable, backup-available, backup-changed
    (a verified copy changed or gone since), backup-failed, started,
    stopped. It is called from the watcher's threads; a GUI marshals it to its own.

    ``run_forever()`` blocks in the calling thread until :meth:`stop`; ``start()`` runs
    it in a background thread and returns once watching (raising setup errors such as a
    locked library); ``stop()`` is thread-safe and signal-safe.
    """

    def __init__(self, options: WatchOptions, emit: Emit | None = None):
        self.o = options
        self._emit_cb = emit or (lambda ev: None)
        self.drop = Path(options.drop).resolve()
        self.lib = Path(options.library).resolve()
        self.backup_root = Path(options.backup).resolve() if options.backup else None
        self._validate()
        self.polling, self.poll_reason = self._choose_mode()
        self.stats = WatchStats()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._backup_wake = threading.Event()
        self._conflicts: set[str] = set()  # backup copies that differ from the library's (backup thread)
        self._ready = threading.Event()
        self._paths: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._tracked: dict[Path, _Tracked] = {}
        self._settled: dict[Path, tuple[int, int]] = {}
        # a drop folder (NFC, casefolded) → its slates by name, (natural_key, SKU), each naming
        # the files after it up to the next; [] when its first frame is no slate
        self._slates: dict[str, list[tuple[tuple, str]]] = {}
        self._slates_empty: set[str] = set()  # of those, the folders empty at the last rescan
        self._slate_shots: dict[tuple[Path, str], str] = {}  # (folder, stem) of a slate → SKU: RAW + JPEG
        self._runner: Engine | None = None
        self._pool: JobPool | None = None
        self._observer: Any = None
        self._thread: threading.Thread | None = None
        self._backup_thread: threading.Thread | None = None
        self._setup_error: BaseException | None = None
        self._lock: contextlib.ExitStack | None = None
        self._watch_lock = ""  # the journal lock of this drop folder: one watcher across stations
        self._said_failed: dict[str, float] = {}  # library failures reported, and when
        self._log_handler: logging.Handler | None = None
        self._backup_key: str | None = None
        self._emit_lock = threading.Lock()
        self.j: Journal | None = None

    # ------------------------------------------------------------------ configuration
    def _validate(self) -> None:
        if not self.drop.is_dir():
            raise ConfigError(None, "DROP", f"drop folder {self.drop} does not exist or is not a folder")
        for name, other in (("--library", self.lib), ("--backup", self.backup_root)):
            if other is None:
                continue
            if _inside(other, self.drop) or _inside(self.drop, other):
                raise ConfigError(None, name, f"{other} and the drop folder {self.drop} overlap",
                                  "imgprep's own writes would be taken as new photos; use separate folders")

    def _choose_mode(self) -> tuple[bool, str]:
        if self.o.poll:
            return True, "--poll"
        fs = network_fstype(self.drop)
        if fs and self.o.poll is None:
            return True, f"drop folder is on a network filesystem ({fs})"
        return False, "native events"

    # ------------------------------------------------------------------ public API
    def start(self) -> None:
        """Run the watcher in a background thread; return once it watches."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._thread_main, name="imgprep-watch", daemon=True)
        self._thread.start()
        while not self._ready.wait(0.05):
            if not self._thread.is_alive():
                break
        if self._setup_error is not None:
            self._thread.join()
            self._thread = None
            raise self._setup_error

    def _thread_main(self) -> None:
        try:
            self.run_forever()
        except BaseException as e:  # noqa: BLE001 - handed to start() / logged
            if not self._ready.is_set():
                self._setup_error = e
            else:
                log.exception("watch: stopped by an error")
                self._event("failed", reason=f"watcher stopped: {e}")

    def stop(self, wait: bool = True, timeout: float | None = 60) -> None:
        """Finish (or roll back) the item in hand, flush the journal, stop."""
        self._stop.set()
        self._wake.set()
        self._backup_wake.set()
        runner = self._runner
        if runner is not None:
            runner.cancel()
        t = self._thread
        if wait and t is not None and t is not threading.current_thread():
            t.join(timeout)

    @property
    def running(self) -> bool:
        return self._ready.is_set() and not self._stop.is_set()

    def run_forever(self) -> None:
        """Watch until :meth:`stop`. Sets up (lock, journal, reconciliation) first."""
        try:
            self._setup()
            self._ready.set()
            if not self._stop.is_set():
                self._loop()
        finally:
            self._teardown()

    # ------------------------------------------------------------------ setup / teardown
    def _setup(self) -> None:
        self.lib.mkdir(parents=True, exist_ok=True)
        self._lock = contextlib.ExitStack()
        self._lock.enter_context(library_lock(self.lib))
        h = logging.handlers.RotatingFileHandler(self.lib / LOG_NAME, maxBytes=5 << 20, backupCount=3,
                                                 encoding="utf-8")
        h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(h)
        if log.level == logging.NOTSET or log.level > logging.INFO:
            log.setLevel(logging.INFO)
        self._log_handler = h
        self.j = Journal(self.lib)
        self._watch_lock = f"watch:{drop_id(self.drop)}"
        if not self._hold_drop():
            return
        self._event("started", source=self.drop, mode="poll" if self.polling else "native", reason=self.poll_reason)
        self._reconcile()
        self._start_observer()
        if self.backup_root is not None:
            self._backup_thread = threading.Thread(target=self._backup_main, name="imgprep-backup", daemon=True)
            self._backup_thread.start()
        self._rescan()

    def _teardown(self) -> None:
        self._stop.set()
        self._backup_wake.set()
        self._stop_observer()
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._backup_thread is not None:
            self._backup_thread.join(120)
            self._backup_thread = None
        if self.j is not None:
            with contextlib.suppress(*LIBRARY_FAILURES):
                self.j.set_activity(station_name(), "idle")
            try:
                self._event("stopped", source=self.drop)
                self.j.close()
            finally:
                self.j = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        if self._log_handler is not None:
            log.removeHandler(self._log_handler)
            self._log_handler.close()
            self._log_handler = None

    def _hold_drop(self) -> bool:
        """Be the one watcher of this drop folder across the stations that share the journal
        (its lock; always ours with a one-station journal). While another station holds it,
        stand by and ask again every ``standby_poll`` seconds: it is free at once when that
        station's process dies, within the server's keepalive (≈ 25 s) when its computer
        does. False when stopped meanwhile."""
        assert self.j is not None
        station = station_name()
        said = False
        while not self._stop.is_set():
            try:
                if self.j.try_lock(self._watch_lock):
                    with self.j.tx():
                        self.j.set_meta(self._watch_lock, station)
                    self.j.set_activity(station, "watch", detail=str(self.drop))
                    if said:
                        self._event("taking-over", source=self.drop, reason=Reason.of("watch-taking-over"))
                    return True
                if not said:
                    holder = self.j.meta(self._watch_lock) or "?"
                    self._event("standby", source=self.drop, reason=Reason.of("watch-standby", holder=holder))
                    self.j.set_activity(station, "standby", detail=str(self.drop))
                    said = True
            except LIBRARY_FAILURES as e:  # the journal server is away: wait for it
                self._library_failed(library_failure(self.lib, e))
            self._ready.set()  # start() returns: this watcher runs, standing by
            self._stop.wait(self.o.standby_poll)
        return False

    def _reconcile(self) -> None:
        """Start-up: the journal, the library, the backup and the drop folder agree again.

        Temp files of a crash are swept (library by the engine, backup here, while we
        hold the lock); rows left reserved/ingested are finished by the engine; every
        library file without a verified backup copy is queued; journal files missing
        from the library are reported. The drop folder is then rescanned: a source
        already rendered is only moved to done/.
        """
        assert self.j is not None
        j = self.j
        if self.backup_root is not None:
            if (self.backup_root / MARKER).is_file():
                sweep_temps([self.backup_root], min_age=STALE_TEMP_S if j.shared else 0)
            self._backup_key = BackupTarget(self.backup_root, j).key
            with j.tx():
                n = j.queue_all_backups(self._backup_key)
            if n:
                log.info("reconcile: %d library file(s) queued for backup", n)
        report = self._engine([])  # sweeps a crash's temp files, finishes what it left
        for it in report.items:
            self._after_item(it, None)
        missing = [rel for rel in j.library_paths() if not (self.lib / rel).is_file()]
        for rel in missing[:20]:
            self._event("failed", file=rel, reason=Reason.of("missing-from-library"))
        # Stalled/unassigned/refused files stay reported until they change.
        for r in j.watch_files("stalled", "unassigned", "skipped", "failed-sku"):
            self._settled[Path(r["path"])] = (r["size"], r["mtime_ns"])
        # A folder named by a slate keeps its SKU for frames still to come.
        for r in j.watch_files("slate"):
            rel = self._rel(Path(r["path"]))
            if rel and len(rel) > 1:
                self._slates.setdefault(fold(rel[0]), []).append((natural_key(rel[-1]), r["sku"]))
                if r["moved_to"] is None:  # kept in place (--keep-sources)
                    self._settled[Path(r["path"])] = (r["size"], r["mtime_ns"])
        for marks in self._slates.values():
            marks.sort()  # the last by name names the frames still to come
        self._forget_slates()

    # ------------------------------------------------------------------ the loop
    def _loop(self) -> None:
        next_super = time.monotonic() + self.o.supervise
        next_rescan = time.monotonic() + self.o.rescan
        while not self._stop.is_set():
            try:
                self._drain_paths()
                now = time.monotonic()
                if now >= next_super:
                    if not self.j.try_lock(self._watch_lock):  # lost with the server's connection
                        self._stop_observer()
                        if not self._hold_drop():
                            break
                        self._start_observer()
                        self._rescan()
                    self._supervise()
                    if self._pool is not None and self._pool.close_if_idle(self.o.pool_idle):
                        log.info("worker processes stopped after %.0f s without arrivals", self.o.pool_idle)
                    next_super = now + self.o.supervise
                if now >= next_rescan:
                    self._rescan()
                    next_rescan = time.monotonic() + self.o.rescan
                ready = self._examine(time.monotonic())
                if ready and not self._stop.is_set():
                    self._process(ready)
                    continue
            except LIBRARY_FAILURES as e:  # a journal write of the watcher's own (disk full …)
                self._library_failed(library_failure(self.lib, e))
            now = time.monotonic()
            timeout = min(next_super, next_rescan) - now
            if self._tracked:
                timeout = min(timeout, self.o.tick)
            self._wake.wait(max(0.0, timeout))
            self._wake.clear()


    # ------------------------------------------------------------------ processing


    def _engine(self, shoots: list[Shoot]) -> Any:
        assert self.j is not None
        opts = BatchOptions(library=self.lib, preset=self.o.preset, backup=None, catalogue=self.o.catalogue,
                            workers=self.o.workers)
        if self._pool is None:
            # Kept for the watcher's lifetime: an arrival waits for no process start,
            # and a file that crashes its decoder takes down a worker, not the watcher.
            self._pool = start_pool(self.o.preset, self.o.workers, keep=True)
        runner = Engine(opts, progress=self._on_engine, pool=self._pool)
        self._runner = runner
        if self._stop.is_set():
            runner.cancel()
        try:
            self.stats.engine_runs += 1
            return runner.run_shoots(self.j, shoots)
        finally:
            self._runner = None

    def _on_engine(self, ev: dict[str, Any]) -> None:
        kind = ev.get("event")
        if kind == "ingested":
            self._event("ingested", source=ev.get("source"), sku=ev.get("sku"), file=ev.get("file"))
        elif kind == "rendered":
            files = ev.get("files") or []
            self._event("rendered", source=ev.get("source"), sku=ev.get("sku"), file=files[0] if files else None,
                        files=files)


    # ------------------------------------------------------------------ backup
    def _backup_main(self) -> None:
        """Drain the journal's backup queue; while the share is away, retry with back-off.
        Its own journal connection (SQLite connections stay in their thread)."""
        assert self.backup_root is not None
        j = Journal(self.lib)
        try:
            target = BackupTarget(self.backup_root, j)
            key = self._backup_key or target.key
            delay = self.o.backup_retry
            available: bool | None = None
            verified = time.monotonic()  # the first re-hash one period after the start
            while not self._stop.is_set():
                try:
                    st = target.check()
                    if not st.available:
                        if available is not False:
                            self._event("backup-unavailable", file=str(self.backup_root), reason=st.reason)
                        available = False
                        self._backup_wake.wait(delay)
                        self._backup_wake.clear()
                        delay = min(delay * 2, self.o.backup_retry_max)
                        continue
                    if available is False:
                        sweep_temps([self.backup_root], min_age=STALE_TEMP_S if j.shared else 0)  # copies cut off
                        self._event("backup-available", file=str(self.backup_root))
                    available = True
                    if time.monotonic() - verified >= self.o.verify_backup:
                        verified = time.monotonic()
                        for c in verify_copies(j, key):
                            self._event("backup-changed", file=c["path"], reason=c["reason"])
                    # One station drains the queue at a time (the others' copies wait for it).
                    ok = drain_queue(j, self.lib, target, key, self._conflicts, self._stop, self._copied) \
                        if j.try_lock(backup_lock(key)) else True
                    if ok:
                        delay = self.o.backup_retry
                        # Idle until new copies are queued (or now and then, to notice trouble).
                        self._backup_wake.wait(self.o.backup_retry_max)
                    else:
                        self._backup_wake.wait(delay)
                        delay = min(delay * 2, self.o.backup_retry_max)
                    self._backup_wake.clear()
                except LIBRARY_FAILURES as e:  # the journal (server) is away: the copies wait in it
                    self._library_failed(library_failure(self.lib, e))
                    self._backup_wake.wait(delay)
                    self._backup_wake.clear()
                    delay = min(delay * 2, self.o.backup_retry_max)
        except Exception as e:  # noqa: BLE001 - report; copies stay queued in the journal
            log.exception("backup thread stopped")
            self._event("failed", file=str(self.backup_root), reason=Reason.of("backup-thread-stopped", detail=error_reason(e)))
        finally:
            j.close()


__all__ = ["Watcher", "WatchOptions", "WatchStats", "network_fstype", "incomplete_reason", "watch_status", "drop_id"]
