"""The app's controller: settings (QSettings), the job thread, and the shoot list model.

State of record is the journal; this object only holds what is in flight (the queue and
per-shoot progress of the running batch) and tells the widgets when to re-read.
"""

from __future__ import annotations

import itertools
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QSettings,
    QStandardPaths,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor

from ..app import services, stations
from ..app.batch import BatchOptions, BatchRunner, discover, start_pool
from ..app.pool import KEEP_IDLE_S, JobPool
from ..core.errors import ImgprepError
from ..core.messages import Reason
from ..core.presets import Preset, load_preset
from . import gcguard
from .i18n import engine_text, labelled

REMOTE_POLL_MS = 2000  # how often the app asks a server journal what other stations changed


# ------------------------------------------------------------------------------ settings
def _why(d: dict[str, Any]) -> Reason | str | None:
    """An item's or event's reason: the :class:`Reason` the engine gave (``why``), else
    its text (one without a code)."""
    return d.get("why") or d.get("reason")


class AppSettings:
    """Typed access to QSettings (INI format, user scope)."""

    KEYS = ("library", "drop", "backup", "preset", "catalogue", "language", "workers")

    def __init__(self, qs: QSettings | None = None):
        self.qs = qs or QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "imgprep", "imgprep")

    def get(self, key: str, default: str = "") -> str:
        v = self.qs.value(key, default)
        return "" if v is None else str(v)

    def set(self, key: str, value: Any) -> None:
        self.qs.setValue(key, value)
        self.qs.sync()

    @property
    def library(self) -> str:
        return self.get("library")

    @property
    def language(self) -> str:
        return self.get("language", "system") or "system"

    def workers(self) -> int:
        try:
            n = int(self.get("workers", "0") or 0)
        except ValueError:
            n = 0
        return n if n > 0 else max(1, (os.cpu_count() or 2) - 1)

    def problems(self) -> dict[str, str]:
        return services.validate_settings(self.library, self.get("drop"), self.get("backup"),
                                          self.get("preset"), self.get("catalogue"))

    def preset(self) -> Preset:
        try:
            return load_preset(self.get("preset") or None)
        except ImgprepError:
            return load_preset(None)

    def user_presets_dir(self) -> Path:
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        return Path(base or Path(self.qs.fileName()).parent) / "presets"


# ------------------------------------------------------------------------------ jobs
@dataclass
class Job:
    id: int
    kind: str                    # batch | call
    label: str
    paths: list[Path] = field(default_factory=list)
    opts: BatchOptions | None = None
    fn: Any = None
    args: tuple = ()
    skus: dict[str, int] = field(default_factory=dict)   # batch: sku → frames planned


class JobWorker(QObject):
    """Runs jobs one after another in its own thread (a batch and a re-render never run
    at once: both need the library lock)."""

    event = Signal(int, dict)
    done = Signal(int, object)
    failed = Signal(int, str)
    started = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.runner: BatchRunner | None = None
        self.cancelled: set[int] = set()
        self.pool: JobPool | None = None  # worker processes kept from one batch to the next

    def _pool_for(self, opts: BatchOptions) -> JobPool | None:
        """The kept worker processes (a designer's second drop starts at once instead of
        spawning and importing again); new ones when the count of workers changes."""
        if opts.workers <= 0:
            return None
        if self.pool is not None and self.pool.workers != opts.workers:
            self.pool.close()
            self.pool = None
        if self.pool is None:
            self.pool = start_pool(opts.preset, opts.workers, keep=True)
        return self.pool

    @Slot()
    def release_idle_pool(self) -> None:
        """In the job thread (between jobs): give the workers' memory back after
        ``KEEP_IDLE_S`` without a batch; the next drop starts new ones."""
        if self.pool is not None:
            self.pool.close_if_idle(KEEP_IDLE_S)

    def close_pool(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    @Slot(object)
    def run_job(self, job: Job) -> None:
        if job.id in self.cancelled:
            self.failed.emit(job.id, "cancelled")
            return
        self.started.emit(job.id)
        try:
            if job.kind == "batch":
                assert job.opts is not None
                self.runner = BatchRunner(job.opts, progress=lambda e, i=job.id: self.event.emit(i, e),
                                          pool=self._pool_for(job.opts))
                report = self.runner.run(job.paths)
                self.runner = None
                doc = report.to_json()
                for d, it in zip(doc["items"], report.items, strict=True):
                    d["why"] = it.why  # the app's text is made from the reason's code
                self.done.emit(job.id, doc)
            else:
                self.done.emit(job.id, job.fn(*job.args))
        except ImgprepError as e:
            self.failed.emit(job.id, str(e))
        except Exception as e:  # noqa: BLE001 - shown to the user, the thread lives on
            self.failed.emit(job.id, f"{type(e).__name__}: {e}")
        finally:
            self.runner = None


# Job threads that did not stop at shutdown (see AppState.shutdown), kept referenced.
_orphans: list[tuple[QThread, QObject]] = []


def preload_engine() -> None:
    """Import what a batch needs now, in the UI thread, before the window is shown: a
    module first imported in the job thread stalls the UI while it loads (OpenCV's
    library is mapped with the interpreter's lock held, and PySide's import hook reads
    each new module's source), up to 0.2 s during the first batch of the day
    (tests/gui/test_responsiveness.py). It costs ~0.1 s at start-up."""
    import multiprocessing.shared_memory  # noqa: F401  (the worker pool)
    import multiprocessing.synchronize  # noqa: F401

    from ..app import check, engine  # noqa: F401
    from ..app.frames import warm_up
    from ..core.imaging import annotate, textlayout  # noqa: F401

    warm_up()  # OpenCV and numpy, as the pool's start would
    try:
        from ..core.colour import detect, models  # noqa: F401
    except ImportError:  # colour support not installed
        pass


class AppState(QObject):
    """Owns the settings, the job thread and the shoot model; widgets bind to it."""

    submitJob = Signal(object)
    releaseIdle = Signal()
    shootsChanged = Signal()
    busyChanged = Signal(bool)
    engineEvent = Signal(dict)          # every engine progress event
    message = Signal(str, str)          # level, text (for the log panel)
    jobFinished = Signal(str, object)   # label, result
    jobFailed = Signal(str, str)        # label, reason
    shootFinished = Signal(str, bool)   # sku, ok
    stationsChanged = Signal(list)      # the other stations of a shared library (app.stations.look)

    def __init__(self, settings: AppSettings | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.settings = settings or AppSettings()
        self.watching = False
        self.model = ShootModel(self)
        self._ids = itertools.count(1)
        self.jobs: dict[int, Job] = {}
        self.current: int | None = None
        self.callbacks: dict[int, Any] = {}
        self._shut = False
        self._read_error: str | None = None
        gcguard.install()  # garbage with Qt objects in it must not be freed in the job thread
        preload_engine()
        # The UI thread waits for the interpreter's lock whenever a job thread (rendering,
        # the journal, the shoot list's refresh) holds it: a thread asked to hand it over
        # does so after the switch interval, 5 ms by default, and under load the wait
        # repeats. At 1 ms the worst stall of a 24 MP batch beside three busy processes
        # went from 67-92 ms to 29-90 ms (tests/gui/test_responsiveness.py, four runs each).
        sys.setswitchinterval(0.001)
        self.thread = QThread(self)
        self.thread.setObjectName("imgprep-jobs")
        self.worker = JobWorker()
        self.worker.moveToThread(self.thread)
        self.submitJob.connect(self.worker.run_job, Qt.ConnectionType.QueuedConnection)
        self.releaseIdle.connect(self.worker.release_idle_pool, Qt.ConnectionType.QueuedConnection)
        self._idle_timer = QTimer(self)
        self._idle_timer.setInterval(60_000)
        self._idle_timer.timeout.connect(self.releaseIdle)
        self._idle_timer.start()
        self.worker.event.connect(self._on_event)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self.worker.started.connect(self._on_started)
        self.thread.start()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(250)
        self._refresh_timer.timeout.connect(self._refresh_in_background)
        from .imaging import Background

        self._bg = Background(self, threads=1)
        # Several stations on one library (a server journal): another station's changes
        # are polled for (a few index lookups) and shown.
        self._stamp: tuple | None = None
        self._remote_timer = QTimer(self)
        self._remote_timer.setInterval(REMOTE_POLL_MS)
        self._remote_timer.timeout.connect(self._poll_remote)
        self._remote_timer.start()
        self.refresh()

    def shutdown(self) -> None:
        """Cancel, stop the job thread, close the kept workers. Idempotent (the window's
        close calls it, and so may the host). Afterwards the slots ignore what the job
        thread had already sent (a queued signal is delivered even after a disconnect):
        a late result must not touch a closing UI."""
        if self._shut:
            return
        self._shut = True
        self._refresh_timer.stop()
        self._idle_timer.stop()
        self._remote_timer.stop()
        self.cancel_all()
        self.thread.quit()
        finished = self.thread.wait(30000)
        self._bg.wait(10000)
        if finished:  # the job thread is gone: its pool is ours to close
            self.worker.close_pool()
        else:  # a job ignores the cancel: keep its thread alive (destroying a running QThread aborts)
            _orphans.append((self.thread, self.worker))
            self.thread.setParent(None)

    # ------------------------------------------------------------------ state
    @property
    def busy(self) -> bool:
        return bool(self.jobs)

    def library(self) -> Path | None:
        lib = self.settings.library
        return Path(lib) if lib else None

    def read(self, fn: Any, *args: Any, default: Any = None) -> Any:
        """A journal read for a view. A library that cannot be read just now (a network
        share gone, a disk error) must not break the window: the view gets ``default`` and
        the log says why, once until a read succeeds again."""
        try:
            out = fn(*args)
        except Exception as e:  # noqa: BLE001 - shown to the user, the window stays usable
            text = self.tr("Cannot read the library: {0}").format(engine_text(str(e)))
            if text != self._read_error:
                self._read_error = text
                self.message.emit("error", text)
            return default
        self._read_error = None
        return out

    def refresh(self) -> None:
        self.model.reload(self.library())
        self.shootsChanged.emit()

    def refresh_soon(self) -> None:
        if not self._shut and not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _poll_remote(self) -> None:
        lib = self.library()
        if lib is None or self._shut:
            return

        def apply(seen, err) -> None:  # noqa: ANN001
            if err is not None or seen is None:
                return
            stamp, rows = seen
            if stamp != self._stamp:  # the first look too: a change may precede it
                self.refresh_soon()
            self._stamp = stamp
            self.stationsChanged.emit(rows)

        self._bg.run(lambda: stations.look(lib), apply, channel="stations")

    def _refresh_in_background(self) -> None:
        """While a batch runs, read the journal off the UI thread (the engine's threads
        compete for the GIL, which makes even a short read a visible stall)."""
        lib = self.library()
        if lib is None:
            return

        def apply(rows, err) -> None:  # noqa: ANN001
            if err is None:
                self.model.set_rows(rows)
                self.shootsChanged.emit()

        self._bg.run(lambda: services.list_shoots(lib), apply, channel="shoots")

    # ------------------------------------------------------------------ jobs
    def process(self, paths: list[Path]) -> int | None:
        """Queue a batch for dropped folders/files. Returns the job id, or None when the
        settings are not ready (the reason goes to the log)."""
        probs = self.settings.problems()
        if self.watching:
            self.message.emit("warning", self.tr("The drop folder is being watched: copy the shoot into it, "
                                                 "or switch watching off to process folders from elsewhere."))
            return None
        if "library" in probs:
            self.message.emit("error", self.tr("Choose a library folder first (Settings)."))
            return None
        paths = [Path(p) for p in paths if str(p)]
        if not paths:
            return None
        catalogue = None
        cat = self.settings.get("catalogue")
        if cat and "catalogue" not in probs:
            from ..core.catalogue import load_catalogue

            try:
                catalogue = load_catalogue(cat)
            except ImgprepError as e:
                self.message.emit("warning", str(e))
        backup = self.settings.get("backup") or None
        opts = BatchOptions(library=Path(self.settings.library), preset=self.settings.preset(),
                            backup=Path(backup) if backup else None, catalogue=catalogue,
                            workers=self.settings.workers())
        # Folders as they are named: the job reads the slates (a decode per folder, kept
        # off this thread) and renames a folder's row when its slate names another SKU.
        # A refused folder name is reported with the job's result: a slate may fix it.
        shoots, _ = discover(paths, slates=False)
        skus = {sh.sku: len(sh.files) for sh in shoots if sh.sku}
        job = Job(next(self._ids), "batch", ", ".join(skus) or ", ".join(p.name for p in paths),
                  paths=paths, opts=opts, skus=skus)
        self.model.queue(skus)
        return self._submit(job)

    def call(self, label: str, fn: Any, *args: Any, on_done: Any = None) -> int:
        job = Job(next(self._ids), "call", label, fn=fn, args=args)
        if on_done:
            self.callbacks[job.id] = on_done
        return self._submit(job)

    def _submit(self, job: Job) -> int:
        self.jobs[job.id] = job
        self.busyChanged.emit(True)
        self.submitJob.emit(job)
        return job.id

    def cancel_all(self) -> None:
        """Cancel the running batch (BatchRunner.cancel) and everything queued."""
        for jid in list(self.jobs):
            self.worker.cancelled.add(jid)
        r = self.worker.runner
        if r is not None:
            r.cancel()
            self.message.emit("warning", self.tr("Cancelling…"))

    @Slot(int)
    def _on_started(self, jid: int) -> None:
        if self._shut:
            return
        self.current = jid
        job = self.jobs.get(jid)
        if job and job.kind == "batch":
            self.model.start(job.skus)
            self.message.emit("info", self.tr("Processing {0}").format(job.label))

    @Slot(int, dict)
    def _on_event(self, jid: int, ev: dict) -> None:
        if self._shut:
            return
        e = ev.get("event")
        if e == "slate":
            job = self.jobs.get(jid)
            if job is not None and ev.get("from") is not None:
                # a later slate in a tethered camera's folder: the frames after it leave
                # the shoot they were counted in for the slate's
                n, left, own = int(ev["frames"]), str(ev["from"]), int(ev["slate_files"])
                for k in [k for k in job.skus if k.casefold() == left.casefold()]:
                    job.skus[k] = max(0, job.skus[k] - n - own)
                job.skus[ev["sku"]] = job.skus.get(ev["sku"], 0) + n
                self.model.split(left, ev["sku"], n, own)
            elif job is not None:
                old = next((k for k in job.skus if k.casefold() == str(ev.get("folder")).casefold()), None)
                # a folder no SKU can name ('新建文件夹') was not queued: it joins the job now
                job.skus.pop(old, None)
                job.skus[ev["sku"]] = int(ev["frames"])
                self.model.rename(old, ev["sku"], int(ev["frames"]))
            self.message.emit("info", self.tr("{0}: SKU slate of {1}").format(ev.get("folder"), ev.get("sku")))
        self.model.on_event(ev)
        self.engineEvent.emit(ev)
        if e == "failed":
            self.message.emit("error", labelled(Path(ev.get("source") or "").name, engine_text(_why(ev))))
        elif e in ("backup-unavailable", "unlisted", "backup-failed"):
            self.message.emit("warning", engine_text(_why(ev)) or e)
        elif e == "shoot-done":
            ok = not ev.get("failed")
            self.shootFinished.emit(ev["sku"], ok)
        if e == "shoot-done":
            self.refresh_soon()

    @Slot(int, object)
    def _on_done(self, jid: int, result: Any) -> None:
        if self._shut:
            return
        job = self.jobs.pop(jid, None)
        if job and job.kind == "batch":
            s = result["summary"]
            self.message.emit("info", self.tr("{0}: {1} done, {2} duplicate, {3} failed, {4} skipped").format(
                job.label, s["done"], s["duplicate"], s["failed"], s["skipped"]))
            refused: dict[str, tuple[Reason | str, int]] = {}
            for it in result["items"]:
                if it["status"] == "failed":
                    self.message.emit("error", labelled(Path(it["source"]).name, engine_text(_why(it))))
                    if it["sku"] is None:  # a folder no SKU names (新建文件夹): a row of its own
                        src = Path(it["source"])
                        folder = src.name if src.is_dir() else src.parent.name
                        refused[folder] = (_why(it), refused.get(folder, ("", 0))[1] + 1)
            tried = {p.name for p in job.paths} | {Path(it["source"]).parent.name for it in result["items"]}
            self.model.refuse(sorted(tried), refused)
            if result.get("backup_problem"):
                self.message.emit("warning", engine_text(result["backup_problem"]))
            self.model.finish(job.skus)
        cb = self.callbacks.pop(jid, None)
        if cb:
            cb(result)
        self.jobFinished.emit(job.label if job else "", result)
        self._settle()

    @Slot(int, str)
    def _on_failed(self, jid: int, reason: str) -> None:
        if self._shut:
            return
        job = self.jobs.pop(jid, None)
        self.callbacks.pop(jid, None)
        if job and job.kind == "batch":
            self.model.finish(job.skus)
            for sku in job.skus:
                self.shootFinished.emit(sku, False)
        self.message.emit("error", labelled(job.label if job else "", reason))
        self.jobFailed.emit(job.label if job else "", reason)
        self._settle()

    def _settle(self) -> None:
        self.current = None
        self.refresh()
        if not self.jobs:
            self.worker.cancelled.clear()
            self.busyChanged.emit(False)


# ------------------------------------------------------------------------------ model
COLUMNS = ("sku", "frames", "state", "progress", "colour", "days", "backup", "hero")


# A shoot's state in the list: only "done" is green; each state that needs a human has
# its own colour (and its reasons in the tooltip and the shoot view).
STATE_COLOURS = {"done": QColor("#2e7d32"), "failed": QColor("#c62828"), "cancelled": QColor("#7b1fa2"),
                 "attention": QColor("#b26a00"), "unfinished": QColor("#546e7a"), "queued": QColor("#546e7a"),
                 "empty": QColor("#777777"), "processing": QColor("#1565c0")}


class ShootModel(QAbstractTableModel):
    """Thin view of services.list_shoots (the journal) plus the running batch's progress."""

    ProgressRole = Qt.ItemDataRole.UserRole + 1
    RowRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.rows: list[services.ShootRow] = []
        self.progress: dict[str, list[int]] = {}     # sku → [steps done, steps total]
        self.queued: dict[str, int] = {}             # sku → frames, waiting or running
        self.running: set[str] = set()
        self.refused: dict[str, tuple[Reason | str, int]] = {}  # folder → (reason, files): no SKU, not in the journal
        self.error: str | None = None

    # --------------------------------------------------------------- feeding
    def reload(self, library: Path | None) -> None:
        try:
            rows = services.list_shoots(library) if library else []
            self.error = None
        except Exception as e:  # noqa: BLE001 - a busy or broken journal must not kill the UI
            self.error = str(e)
            return
        self.set_rows(rows)

    def set_rows(self, rows: list[services.ShootRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        known = {r.sku.casefold() for r in rows}
        for sku, n in self.queued.items():
            if sku.casefold() not in known:
                self.rows.append(services.ShootRow(sku, frames=n, state="queued"))
        for folder, (reason, n) in self.refused.items():
            self.rows.append(services.ShootRow(folder, frames=n, failed=n, state="failed", problems=[str(reason)],
                                               reasons=[reason]))
        self.rows.sort(key=lambda r: (r.sku.casefold() not in self.queued_folded(), r.sku.casefold()))
        self.endResetModel()

    def refuse(self, tried: list[str], refused: dict[str, tuple[Reason | str, int]]) -> None:
        """Folders a batch refused as a whole (their name is no SKU): shown as failed rows,
        with the reason, until a later batch of the same folder takes them."""
        for name in tried:
            self.refused.pop(name, None)
        self.refused.update(refused)
        self.reload_rows()

    def queued_folded(self) -> set[str]:
        return {s.casefold() for s in self.queued}

    def queue(self, skus: dict[str, int]) -> None:
        for sku, n in skus.items():
            self.queued[sku] = n
            self.progress[sku] = [0, max(1, 2 * n)]
        self.reload_rows()

    def rename(self, old: str | None, new: str, frames: int) -> None:
        """A queued folder turned out to be the shoot of another SKU (its slate), of
        ``frames`` frames: its row, progress and running state follow."""
        if old is not None:
            self.queued.pop(old, None)
        self.queued[new] = self.queued.get(new, 0) + max(0, frames)
        self.progress[new] = [0, max(1, 2 * self.queued[new])]
        if old is not None:
            self.progress.pop(old, None)
            self.running.discard(old)
        self.running.add(new)  # a slate is read by the running job
        self.reload_rows()

    def split(self, left: str, new: str, frames: int, slate_files: int) -> None:
        """A later slate in a tethered camera's folder: the ``frames`` after it leave the
        shoot of ``left`` for ``new``'s. Every frame of the folder, those and the slate's
        own files too, is analysed as a frame of ``left`` (that is how the slate is
        found), so ``left`` keeps those steps and gives up only the renderings; ``new``
        counts its renderings."""
        k = self._key(left)
        if k is not None:
            p = self.progress[k]
            p[1] = max(p[0], 1, p[1] - frames - slate_files)
            self.queued[k] = max(0, self.queued.get(k, 0) - frames - slate_files)
        n = self._key(new)
        if n is None:
            self.progress[new] = [0, max(1, frames)]
        else:  # a slate of a product shot earlier in the folder: its frames join it
            self.progress[n][1] += frames
            new = n
        self.queued[new] = self.queued.get(new, 0) + frames
        self.running.add(new)
        self.reload_rows()

    def start(self, skus: dict[str, int]) -> None:
        self.running |= set(skus)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(COLUMNS) - 1))

    def finish(self, skus: dict[str, int]) -> None:
        for sku in skus:
            self.queued.pop(sku, None)
            self.running.discard(sku)
            p = self.progress.get(sku)
            if p:
                p[0] = p[1]

    def reload_rows(self) -> None:
        parent = self.parent()
        lib = parent.library() if isinstance(parent, AppState) else None
        self.reload(lib)

    def _key(self, sku: str | None) -> str | None:
        if not sku:
            return None
        for k in self.progress:
            if k.casefold() == sku.casefold():
                return k
        return None

    def on_event(self, ev: dict) -> None:
        e = ev.get("event")
        k = self._key(ev.get("sku"))
        if k is None:
            return
        p = self.progress[k]
        if e in ("analysed", "rendered", "failed"):
            p[0] = min(p[1], p[0] + 1)
        elif e == "shoot-done":
            p[0] = p[1]
        for i, r in enumerate(self.rows):
            if r.sku.casefold() == k.casefold():
                self.dataChanged.emit(self.index(i, COLUMNS.index("state")), self.index(i, COLUMNS.index("progress")))
                break

    # --------------------------------------------------------------- Qt model
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return [self.tr("SKU"), self.tr("Frames"), self.tr("State"), self.tr("Progress"),
                    self.tr("Colour"), self.tr("3-day rule"), self.tr("Backup"), self.tr("Hero image")][section]
        return None

    def row(self, i: int) -> services.ShootRow:
        return self.rows[i]

    def sku_row(self, sku: str) -> int:
        for i, r in enumerate(self.rows):
            if r.sku.casefold() == sku.casefold():
                return i
        return -1

    def progress_of(self, r: services.ShootRow) -> int:
        k = self._key(r.sku)
        if k is not None:
            done, total = self.progress[k]
            return int(100 * done / max(1, total))
        return 100 if r.state in ("done", "failed") else 0

    def shown_state(self, r: services.ShootRow) -> str:
        """The row's state as shown: the running batch's ("processing", "queued") over
        the journal's (a shoot processed before keeps its last state there)."""
        if r.sku in self.running or self._key(r.sku) in self.running:
            return "processing"
        if r.sku in self.queued:
            return "queued"
        return r.state

    def state_text(self, r: services.ShootRow) -> str:
        shown = self.shown_state(r)
        if shown == "processing":
            return self.tr("processing")
        if shown == "queued":
            return self.tr("queued")
        done, _, total = (r.cancelled or "").partition("/")
        return {"done": self.tr("done"), "failed": self.tr("{0} failed").format(r.failed),
                "cancelled": self.tr("cancelled: {0} of {1}").format(done, total),
                "attention": self.tr("needs attention"),
                "unfinished": self.tr("unfinished"), "empty": self.tr("empty"),
                "queued": self.tr("queued")}.get(r.state, r.state)

    def _backup_unsent(self, r: services.ShootRow) -> bool:
        """A backup folder is set but none of this shoot's files went there yet (processed
        before the backup was chosen, or it was unreachable): not "off"."""
        parent = self.parent()
        return r.backup == "off" and isinstance(parent, AppState) and bool(parent.settings.get("backup"))

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = COLUMNS[index.column()]
        if role == self.RowRole:
            return r
        if role == self.ProgressRole and col == "progress":
            return self.progress_of(r)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == "sku":
                return r.sku
            if col == "frames":
                return self.tr("{0} + {1} card").format(r.frames, r.cards) if r.cards else str(r.frames)
            if col == "state":
                return self.state_text(r)
            if col == "progress":
                return f"{self.progress_of(r)} %"
            if col == "colour":
                if r.colour is None:
                    return self.tr("no card")
                v = self.tr("pass") if r.colour == "pass" else self.tr("fail")
                v = f"{v} · ΔE {r.de_after:.1f}" if r.de_after is not None else v
                # frames shot before the card went out uncorrected: the verdict is not theirs
                return v + " · " + self.tr("uncorrected: {0}").format(r.uncorrected) if r.uncorrected else v
            if col == "days":
                if r.days_left is None:
                    return "–"
                if r.days_left < 0:
                    return self.tr("{0} d overdue").format(-r.days_left)
                return self.tr("{0} d left").format(r.days_left)
            if col == "hero":
                return Path(r.hero).name if r.hero else "–"
            if col == "backup":
                if self._backup_unsent(r):
                    return self.tr("not copied yet")
                return {"verified": self.tr("verified"), "off": self.tr("off"),
                        "pending": self.tr("{0} pending").format(r.backup_pending)}.get(r.backup, r.backup)
        if role == Qt.ItemDataRole.ForegroundRole:
            red, green, amber = QColor("#c62828"), QColor("#2e7d32"), QColor("#b26a00")
            if col == "state":
                return QBrush(STATE_COLOURS.get(self.shown_state(r), amber))
            if col == "colour" and r.colour:
                return QBrush(red if r.colour != "pass" else amber if r.uncorrected else green)
            if col == "days" and r.days_left is not None:
                return QBrush(red if r.days_left < 0 else amber if r.days_left == 0 else QColor("#333"))
            if col == "backup":
                return QBrush(green if r.backup == "verified" else amber
                              if r.backup == "pending" or self._backup_unsent(r) else QColor("#777"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(engine_text(p) for p in r.reasons) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col in ("frames", "days"):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None
