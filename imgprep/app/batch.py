"""The batch runner: shoot folders in, a named, rendered, backed-up library out.

Stages (DESIGN.md §3):
  discover → analyse (worker processes: hash, decode, card, shrink)
  → per shoot, in capture order: name, ingest original, fit colour, render, write
  → backup mirror, verified.
The journal is written only here (one writer), before and after each step that touches
the disk, so an interrupted run resumes without duplicates or gaps.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import threading
import unicodedata
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core.catalogue import MAX_ROWS, Product
from ..core.errors import FileOpError, ImgprepError, InputError
from ..core.fsutil import (
    FileExists,
    copy_new,
    discard,
    hash_file,
    move_new,
    publish,
    real_dir,
    sweep_temps,
    write_or_adopt,
)
from ..core.imaging.load import IMAGE_EXTENSIONS, RAW_EXTENSIONS
from ..core.journal import Journal, JournalUnavailable, has_journal, library_lock
from ..core.messages import say
from ..core.naming import (
    frame_stem,
    natural_key,
    next_free,
    psd_frame,
    psd_stem,
)
from ..core.presets import Preset
from .annotations import detail_order, glyph_warning, load_callouts, plan_for
from .backup import BackupTarget, copy_one
from .check import cancelled_key
from .colour_hooks import report_files
from .faults import crash_point
from .frames import FrameJob, FrameOutcome, analyse_frame, render_outputs, warm_up
from .intake import Shoot, discover, fold, is_ignored, is_video, nfc, psd_problem, shot_key
from .outcome import BatchReport, Item
from .pool import JobPool

# Failures of the library itself, not of one file: they end the run (cleanly). A server
# journal's errors are sqlite3.Error too, and an unreachable server an OSError (core.journal).
LIBRARY_FAILURES = (sqlite3.Error, OSError, FileOpError)

# A temp file this old is a crash's leftover, also when other stations share the library
# (a server journal): younger ones may be another station's copy in progress.
STALE_TEMP_S = 6 * 3600

# The folders the engine writes in a SKU's library folder (DESIGN.md §4).
SKU_FOLDERS = ("raw", "card", "psd", "jpg", "report", "page", "superseded")







class Decisions:
    """Questions that need a human (STYLE.md §4). The CLI answers with defaults;
    the GUI subclasses this to ask."""

    def choose_hero(self, sku: str, frames: list[FrameOutcome]) -> int:
        return 0


Progress = Callable[[dict[str, Any]], None]




@dataclass
class BatchOptions:
    library: Path
    preset: Preset
    backup: Path | None = None
    catalogue: Any = None  # imgprep.core.catalogue.Catalogue
    workers: int = max(1, os.cpu_count() or 1)
    station: str | None = None


def start_pool(preset: Preset, workers: int, keep: bool = False) -> JobPool:
    """Worker processes for frame analysis, started now (they warm up while the caller
    plans). The parent imports what the frames need first: forked workers then start
    with it, and the render threads need it too."""
    warm_up()
    if preset.colour.enabled:
        try:
            import imgprep.core.colour.detect  # noqa: F401
            import imgprep.core.colour.models  # noqa: F401
        except ImportError:
            pass
    pool = JobPool(analyse_frame, workers, keep=keep)
    pool.warm(warm_up)
    return pool


class BatchRunner:
    def __init__(self, opts: BatchOptions, progress: Progress | None = None,
                 decisions: Decisions | None = None, pool: JobPool | None = None):
        """``pool``: worker processes the caller keeps between runs (the watcher's);
        by default the runner starts its own for each run."""
        self.o = opts
        self.lib = Path(opts.library)
        self.progress = progress or (lambda e: None)
        self.decisions = decisions or Decisions()
        self._cancel = threading.Event()
        self._pool: JobPool | None = pool
        self._standalone = False  # a batch of its own (run), not the watcher's arrivals: says what it does

    def cancel(self) -> None:
        self._cancel.set()

    # ------------------------------------------------------------------ run
    def run_shoots(self, j: Journal, shoots: list[Shoot]) -> BatchReport:
        """Process explicit, already validated shoots with a journal the caller opened
        while holding the library lock (the watcher: one lock for its lifetime, one engine
        run per arrival). An empty list only resumes what an interrupted run left."""
        report = BatchReport(self.lib)
        try:
            self._run_locked(j, shoots, report, sweep_all=not shoots)
        except LIBRARY_FAILURES as e:
            self._library_failed(report, e)
        return report

    def run(self, sources: list[Path]) -> BatchReport:
        self._standalone = True
        report = BatchReport(self.lib)
        shoots, items = discover(sources)
        report.items.extend(items)
        for sh in shoots:  # say which folder a slate renamed (the app queued it by its folder)
            if sh.slate is not None:
                self.progress({"event": "slate", "sku": sh.sku, "folder": unicodedata.normalize("NFC", sh.folder.name),
                               "source": nfc(sh.slate)})
        valid = []
        for sh in shoots:
            if sh.error:
                targets = sh.files + sh.companions + sh.psds or [sh.folder]
                report.items.extend(Item(nfc(f), None, "failed", sh.error) for f in targets)
            else:
                valid.append(sh)
        if not valid and not has_journal(self.lib):
            return report  # nothing to do: do not even create the library

        # Workers start before the library is locked and the journal opened, so a
        # forked worker inherits neither (see pool.py on start methods).
        self._start_workers()
        try:
            self.lib.mkdir(parents=True, exist_ok=True)
            with library_lock(self.lib):
                j = Journal(self.lib)
                try:
                    with j.tx():  # which frame named which shoot stays on record
                        for it in items:
                            if it.role == "slate":
                                j.log("info", "slate", it.reason or "", sku=it.sku, source=it.source)
                    self._run_locked(j, valid, report)
                    j.set_activity(_station(), "idle")
                finally:
                    j.close()
        except LIBRARY_FAILURES as e:
            if isinstance(e, FileOpError) and getattr(e.cause, "errno", None) == errno.EBUSY:
                raise  # another imgprep holds the library: a usage problem, nothing done
            self._library_failed(report, e)
        return report

    def _library_failed(self, report: BatchReport, e: BaseException) -> None:
        """The library itself failed (disk full, read-only, journal I/O): per-file work
        cannot go on. What was done stays done and consistent (the journal commits step
        by step); the run ends with the reason, the report of what was done, exit 1."""
        self._cancel.set()
        for ex in (getattr(self, "_rpool", None), getattr(self, "_bpool", None)):
            if ex is not None:
                ex.shutdown(wait=True, cancel_futures=True)
        if self._pool is not None and not self._pool.keep:
            self._pool.close()
        report.library_problem = library_failure(self.lib, e)
        self.progress({"event": "library-failed", "reason": report.library_problem})

    def _start_workers(self) -> None:
        if self._pool is None:
            self._pool = start_pool(self.o.preset, self.o.workers)

    def _run_locked(self, j: Journal, shoots: list[Shoot], report: BatchReport,
                    sweep_all: bool = True) -> None:
        """``sweep_all``: look for a crash's temp files in the whole library (and
        backup); else only in the folders of ``shoots`` — the watcher's arrivals, which
        must not walk a library of 100 000 files (maybe on a share) each time."""
        # One SKU whatever the case of its folders' names (abc-1 and ABC-1), as Windows
        # and macOS disks see them: spelled as the library (or this run) first did.
        spelled: dict[str, str] = {}
        for sh in shoots:
            if sh.sku:
                sh.sku = spelled.setdefault(sh.sku.casefold(), j.canonical_sku(sh.sku))
        # Workers and the render threads' imports start first: they overlap the planning.
        self._start_workers()
        assert self._pool is not None
        self._rpool = ThreadPoolExecutor(max_workers=max(1, self.o.workers), thread_name_prefix="render")
        widths = {r.width for r in self.o.preset.renditions if r.width} | {r.box[0] for r in self.o.preset.renditions if r.box}
        for w in widths:
            self._rpool.submit(warm_up, self.o.preset.watermark, w)
        bases = [self.lib] + ([Path(self.o.backup)] if self.o.backup and Path(self.o.backup).is_dir() else [])
        min_age = STALE_TEMP_S if j.shared else 0
        if sweep_all:
            sweep_temps(bases, min_age=min_age)
        else:
            skus = {j.canonical_sku(sh.sku) for sh in shoots if sh.sku}
            sweep_temps((b / sku for b in bases for sku in sorted(skus)), min_age=min_age)
        self.j = j
        self._report = report
        self._backup = None
        self._backup_futs: list[Future] = []
        self._bpool: ThreadPoolExecutor | None = None
        self._drainer = False
        if self.o.backup is not None:
            target = BackupTarget(self.o.backup, j)
            st = target.check()
            self._backup = target
            self._backup_ok = st.available
            if not st.available:
                report.backup_problem = st.reason
                self.progress({"event": "backup-unavailable", "reason": st.reason})
                with j.tx():
                    j.log("warning", "backup", st.reason or say("backup-unavailable"))
            else:
                self._bpool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="backup")
                self._drainer = j.try_lock(backup_lock(target.key))  # one station drains the queue at a time
                if self._drainer:
                    with j.tx():  # a file journaled by a run that died before it queued the copy
                        j.queue_all_backups(target.key)
                    for row in j.pending_backups(target.key):  # queued by earlier runs
                        self._submit_backup(row["path"])

        self._unlisted: set[str] = set()
        self._said: set[str] = set()
        self._colour = self.o.preset.colour if self.o.preset.colour.enabled else None
        if self.o.catalogue is not None:
            cat = self.o.catalogue
            with j.tx():
                for sku, p in cat.products.items():
                    j.put_product(sku, p.to_dict(), str(cat.source))
                for prob in cat.problems:
                    j.log("warning", "catalogue", f"{cat.source}: {prob}")
        with j.tx():
            j.set_meta("preset", str(self.o.preset.source or self.o.preset.name))

        ready = self._frame_pass(j, shoots, report, resume=True)
        if j.shared and not self._cancel.is_set():
            # A station that died during this run left claims: finished here, once.
            for sku, got in self._frame_pass(j, [], report, resume=True).items():
                ready.setdefault(sku, {}).update(got)
        # A camera JPEG whose RAW failed is the shot's frame after all: a second pass.
        orphans = [] if self._cancel.is_set() else self._orphans(j, shoots)
        if orphans:
            more = self._frame_pass(j, [sh for sh, _ in orphans], report, resume=False)
            for sku, got in more.items():
                ready.setdefault(sku, {}).update({-1 - k: v for k, v in got.items()})
            taken = {nfc(f): raw for sh, raws in orphans for f, raw in zip(sh.files, raws, strict=True)}
            for it in report.items:
                if it.source in taken and it.status == "done":
                    it.notes.append(say("companion-promoted", raw=taken[it.source]))
        self._rpool.shutdown(wait=True)
        # Companions and designers' PSDs last: by now every frame of their shoot has its name.
        for sh in shoots:
            for f in sh.companions:
                report.items.append(self._take_companion(j.canonical_sku(sh.sku), f))  # type: ignore[arg-type]
            for f in sh.psds:
                report.items.append(self._take_psd(j.canonical_sku(sh.sku), f))  # type: ignore[arg-type]
        if self._cancel.is_set():
            for sku, got in ready.items():
                for job, _row, _r in got.values():
                    report.items.append(Item(nfc(Path(job.path)), sku, "skipped", say("cancelled")))
        self._mark_cancelled(j, shoots, report)
        self._drain_backups(report)

    def _mark_cancelled(self, j: Journal, shoots: list[Shoot], report: BatchReport) -> None:
        """A cancelled run leaves photos of a shoot unprocessed: the journal keeps
        ``cancelled:<sku>`` = "done/total" for the app's list and ``check`` until a run
        takes every photo of the shoot (then it is cleared)."""
        outcome = {it.source: it.status for it in report.items}
        for sh in shoots:
            if not sh.sku or not sh.files:
                continue
            key = cancelled_key(sh.sku)
            done = sum(outcome.get(nfc(f)) in ("done", "duplicate", "failed") for f in sh.files)
            value = f"{done}/{len(sh.files)}" if self._cancel.is_set() and done < len(sh.files) else ""
            if value or j.meta(key):
                with j.tx():
                    j.set_meta(key, value)

    def _frame_pass(self, j: Journal, shoots: list[Shoot], report: BatchReport,
                    resume: bool) -> dict[str, dict[int, tuple[FrameJob, Any, Any]]]:
        """Analyse, name and render the frames of ``shoots`` (and, with ``resume``, what an
        interrupted run left); returns what a cancel left unrecorded."""
        # Plan: per shoot, the frames in capture order (EXIF read from the headers, which
        # is cheap), so each frame is named and rendered as soon as every frame before it
        # is analysed, while the workers go on with the rest.
        plan: dict[str, list[tuple[FrameJob, Any]]] = {}
        jobs: list[FrameJob] = []
        # Shoots with an undated frame that may be a card (EXIF stripped: numbered last,
        # yet the card of the frames before it): named and rendered once all is analysed.
        hold: set[str] = set()
        for row, job in self._resume_plan(j, report) if resume else ():
            plan.setdefault(row["sku"], []).append((job, row))
        for sh in shoots:
            assert sh.sku is not None
            sku = j.canonical_sku(sh.sku)
            refused = sku_folders_problem(self.lib, sku)
            if refused:
                report.items.extend(Item(nfc(f), sku, "failed", refused)
                                    for f in sh.files + sh.companions + sh.psds)
                sh.companions, sh.psds = [], []
                continue
            fresh: list[Path] = []
            for f in sh.files:
                try:
                    st = f.stat()
                except OSError as e:
                    report.items.append(Item(nfc(f), sku, "failed", f"cannot read: {e.strerror or e}"))
                    continue
                row = j.source_by_stat(nfc(f), st.st_size, st.st_mtime_ns)
                if row is not None and row["state"] == "rendered":
                    problem = self._undone(j, row)
                    if problem is not None:
                        reason, retake = problem
                        if not retake:
                            report.items.append(Item(nfc(f), sku, "failed", reason))
                            continue
                        row = None  # taken again from the source
                if row is not None and row["state"] == "rendered":
                    report.items.append(self._unchanged_item(row, nfc(f)))
                    continue
                if row is not None and row["state"] in ("reserved", "ingested"):
                    if j.held_elsewhere(row):
                        report.items.append(Item(nfc(f), sku, "skipped", say("being-processed-elsewhere")))
                    continue  # else planned by the resume step (or by the last one, if its station dies)
                fresh.append(f)
            heads = {f: _header(f) for f in fresh}
            for f in sorted(fresh, key=lambda f: heads[f][0]):
                colour = self._colour if heads[f][1] else None  # a frame too small for a card has none
                if colour is not None and heads[f][0][0]:
                    hold.add(sku)
                job = FrameJob(str(f), self.o.preset.renditions, colour, stage_dir=str(self.lib / sku / "raw"))
                plan.setdefault(sku, []).append((job, None))
        where: dict[int, tuple[str, int, Any]] = {}
        for sku, lst in plan.items():
            for i, (job, row) in enumerate(lst):
                where[id(job)] = (sku, i, row)
                jobs.append(job)

        total = len(jobs)
        self.progress({"event": "planned", "total": total})
        if plan and self._standalone:  # what this station is at, for the other stations' view
            j.set_activity(_station(), "batch", sku=next(iter(plan)), detail=f"{total} frame(s): {', '.join(plan)}")
        ready: dict[str, dict[int, tuple[FrameJob, Any, Any]]] = {sku: {} for sku in plan}
        nxt = dict.fromkeys(plan, 0)
        waits: list[tuple[Any, FrameOutcome, Future]] = []
        tally = {sku: {"done": 0, "failed": 0} for sku in plan}
        done = 0
        for job, result in self._pool.run(jobs, cancel=self._cancel):
            sku, i, row = where[id(job)]
            ready[sku][i] = (job, row, result)
            done += 1
            self.progress({"event": "analysed", "done": done, "total": total, "source": job.path, "sku": sku})
            chunk = []
            while nxt[sku] in ready[sku] and (sku not in hold or nxt[sku] + len(ready[sku]) == len(plan[sku])):
                chunk.append(ready[sku].pop(nxt[sku]))
                nxt[sku] += 1
            if chunk:
                items, pending = self._finish_frames(sku, chunk)
                self._tally(report, tally, items)
                waits.extend(pending)
            waits = self._record_ready(waits, report, tally, block=False)
            self._shoots_done(plan, nxt, waits, tally)
        waits = self._record_ready(waits, report, tally, block=True)
        self._shoots_done(plan, nxt, waits, tally)
        return ready

    def _orphans(self, j: Journal, shoots: list[Shoot]) -> list[tuple[Shoot, list[str]]]:
        """Companions whose RAW did not become a frame (it failed): taken out of the
        companions, as shoots of their own, with their RAW's name."""
        out = []
        for sh in shoots:
            if not sh.companions:
                continue
            sku = j.canonical_sku(sh.sku)  # type: ignore[arg-type]
            framed = {shot_key(r["source_path"]) for r in j.sources(sku)}
            lone, raws = [], []
            for f in sh.companions:
                key = shot_key(f)
                if key in framed or is_video(f):  # a video never becomes a frame
                    continue
                raw = next((p.name for p in sh.files if shot_key(p) == key), None)
                if raw is not None:
                    lone.append(f)
                    raws.append(raw)
            if lone:
                sh.companions = [f for f in sh.companions if f not in lone]
                out.append((Shoot(sh.sku, sh.folder, lone), raws))
        return out

    def _tally(self, report: BatchReport, tally: dict, items: list[Item]) -> None:
        report.items.extend(items)
        for it in items:
            if it.sku in tally and it.status in ("done", "failed"):
                tally[it.sku][it.status] += 1

    def _record_ready(self, waits: list, report: BatchReport, tally: dict, *, block: bool) -> list:
        """Journal the renditions that are written (all of them with ``block``); return
        the ones still being rendered."""
        left = []
        for row, o, fut in waits:
            if block or fut.done():
                self._tally(report, tally, [self._record(row, o, fut)])
            else:
                left.append((row, o, fut))
        return left

    def _shoots_done(self, plan: dict, nxt: dict, waits: list, tally: dict) -> None:
        busy = {row["sku"] for row, _, _ in waits}
        for sku in list(tally):
            if nxt[sku] == len(plan[sku]) and sku not in busy:
                if self._colour is not None:
                    rows = [r for r in self.j.sources(sku) if r["kind"] == "product"]
                    if rows:
                        state = "corrected" if any(r["fit_id"] for r in rows) else "uncorrected"
                        with self.j.tx():
                            self.j.set_colour_state(sku, state)
                self.progress({"event": "shoot-done", "sku": sku, **tally.pop(sku)})
                if tally and self._standalone:
                    self.j.set_activity(_station(), "batch", sku=next(iter(tally)), detail=f"{sku} done")

    # ------------------------------------------------------------------ resume
    def _resume_plan(self, j: Journal, report: BatchReport) -> list[tuple[Any, FrameJob]]:
        """Rows an interrupted run left reserved or ingested: finish them first."""
        out = []
        for row in j.take_unfinished():
            raw = self.lib / row["raw_path"]
            if row["state"] == "reserved":
                if not raw.exists():
                    src = Path(row["source_path"])
                    try:
                        copy_new(src, raw, expect_sha256=row["sha256"])
                    except (OSError, FileOpError) as e:
                        with j.tx():
                            j.set_state(row["id"], "failed", f"resume: {e}")
                        report.items.append(Item(row["source_path"], row["sku"], "failed", f"resume: {e}"))
                        continue
                if hash_file(raw) != row["sha256"]:
                    with j.tx():
                        j.set_state(row["id"], "failed", "library copy does not match the source hash")
                    continue
                with j.tx():
                    j.add_file(row["raw_path"], row["sha256"], raw.stat().st_size,
                               "card" if row["kind"] == "card" else "raw", row["id"])
                    j.set_state(row["id"], "ingested")
                    if self._backup:
                        j.queue_backup(row["raw_path"], self._backup.key)
            job = FrameJob(str(raw), self.o.preset.renditions,
                           self._colour if row["kind"] == "card" else None, hash=False)
            out.append((j.source(row["id"]), job))
        return out

    def _undone(self, j: Journal, row: Any) -> tuple[str, bool] | None:
        """A source recorded as done is done only while its library copy verifies: if it
        does not, the source is failed (on record) with :meth:`_library_copy_problem`'s
        reason, and taken again when that says so."""
        problem = self._library_copy_problem(row)
        if problem is not None:
            with j.tx():
                j.set_state(row["id"], "failed", problem[0])
                j.log("error", "failed", problem[0], sku=row["sku"], source=row["source_path"])
        return problem

    def _library_copy_problem(self, row: Any) -> tuple[str, bool] | None:
        """Why a source recorded as done is not, and whether it can be taken again: its
        library copy is gone, or no longer hashes as recorded (then it is moved aside to
        SKU/superseded/, never overwritten). None while the copy verifies."""
        raw = self.lib / row["raw_path"]
        try:
            if raw.stat().st_size == row["size"] and hash_file(raw) == row["sha256"]:
                return None
        except FileNotFoundError:
            return say("missing-from-library"), True
        except OSError as e:
            return say("library-copy-unreadable", path=row["raw_path"], detail=e.strerror or str(e)), False
        try:
            aside = self._put_aside(row["raw_path"])
        except (OSError, FileOpError) as e:
            return say("library-copy-not-moved", path=row["raw_path"], detail=str(e)), False
        return say("library-copy-changed", path=row["raw_path"], aside=aside), True

    def _put_aside(self, rel: str) -> str:
        """Move a library file that is not what the journal says out of the way, to
        SKU/superseded/ (never deleted, never overwritten); returns its new name."""
        aside = _aside_name(real_dir(self.lib, f"{rel.split('/', 1)[0]}/superseded"), Path(rel).name)
        move_new(self.lib / rel, aside)
        return aside.relative_to(self.lib).as_posix()

    def _take_again(self, o: FrameOutcome, raw_rel: str) -> str | None:
        """A retried source's own name holds other bytes (its copy, changed or damaged,
        found by an earlier run): that file is put aside and the source copied again.
        None when done, else why not."""
        try:
            aside = self._put_aside(raw_rel)
        except (OSError, FileOpError) as e:
            return say("library-copy-not-moved", path=raw_rel, detail=str(e))
        with self.j.tx():
            self.j.log("info", "superseded", f"{raw_rel} → {aside}", source=nfc(Path(o.path)))
        try:
            copy_new(o.path, self.lib / raw_rel, expect_sha256=o.sha256)
        except FileExists:
            return say("exists-other-content", path=raw_rel)
        except (OSError, FileOpError) as e:
            return str(e)
        return None

    # ------------------------------------------------------------------ per shoot
    def _known_item(self, rows: list[Any], src: str, sku: str) -> Item:
        """A source whose content the library has (``rows``: its sources, not failed):
        unchanged when one of them is this very file, else a duplicate (on record)."""
        same_path = [r for r in rows if r["source_path"] == src]
        if same_path:
            return self._unchanged_item(same_path[-1], src)
        r = rows[-1]
        it = Item(src, sku, "duplicate", say("duplicate-of-library", source=r["source_path"],
                                              name=Path(r["raw_path"]).stem))
        with self.j.tx():
            self.j.log("info", "duplicate", it.reason or "", sku=sku, source=src)
        return it

    def _unchanged_item(self, row: Any, source: str) -> Item:
        it = Item(source, row["sku"], "skipped", say("unchanged", name=Path(row["raw_path"]).stem),
                  role=row["role"], raw=row["raw_path"])
        it.renditions = [f["path"] for f in self.j.files(row["id"], "jpg")]
        it.backup = self._item_backup([it.raw] + it.renditions)
        return it

    def _item_backup(self, paths: list[str | None]) -> str:
        if self._backup is None:
            return "off"
        states = {self.j.backup_state(p, self._backup.key) for p in paths if p}
        return "verified" if states == {"verified"} else "pending"

    def _finish_frames(self, sku: str, results: list[tuple[FrameJob, Any, Any]]
                       ) -> tuple[list[Item], list[tuple[Any, FrameOutcome, Future]]]:
        """Name, ingest and start rendering the next frames of a shoot in capture order
        (every frame before them is done). Returns the finished items and the frames
        still rendering."""
        j = self.j
        items: list[Item] = []
        fresh: list[FrameOutcome] = []
        resumed: list[tuple[Any, FrameOutcome]] = []
        for job, row, res in results:
            src = row["source_path"] if row is not None else nfc(Path(job.path))
            if isinstance(res, BaseException):
                reason = failure_reason(res)
                items.append(Item(src, sku, "failed", reason))
                with j.tx():
                    if row is not None:
                        j.set_state(row["id"], "failed", reason)
                    j.log("error", "failed", reason, sku=sku, source=src)
                self.progress({"event": "failed", "source": src, "sku": sku, "reason": reason})
            elif row is not None:
                resumed.append((row, res))
            else:
                fresh.append(res)

        key = lambda o: (o.capture_time is None, o.capture_time or 0, natural_key(Path(o.path).name))  # noqa: E731
        fresh.sort(key=key)
        accepted: list[FrameOutcome] = []
        retries: dict[int, Any] = {}  # id(outcome) → its failed journal row, taken again
        seen: dict[str, str] = {}
        for o in fresh:
            src = nfc(Path(o.path))
            changed = _changed_while_read(o)
            if changed:
                if o.staged:
                    discard(o.staged)
                items.append(Item(src, sku, "failed", changed))
                with j.tx():
                    j.log("error", "failed", changed, sku=sku, source=src)
                self.progress({"event": "failed", "source": src, "sku": sku, "reason": changed})
                continue
            # A failed ingest or render is not in the library: it is retried, under the
            # number it was given, until it succeeds (never "unchanged", never a duplicate).
            # So is one done before whose library copy no longer verifies (source touched).
            undone = [self._undone(j, r) for r in j.sources_by_sha(o.sha256)
                      if r["state"] == "rendered" and r["source_path"] == src]
            stuck = [p[0] for p in undone if p is not None and not p[1]]
            if stuck:  # its damaged copy could not be put aside: it stays, untouched
                if o.staged:
                    discard(o.staged)
                items.append(Item(src, sku, "failed", stuck[0]))
                continue
            prior = [r for r in j.sources_by_sha(o.sha256) if r["state"] != "failed"]
            failed = [r for r in j.sources_by_sha(o.sha256) if r["state"] == "failed" and r["source_path"] == src]
            if failed and not prior and o.sha256 not in seen:
                seen[o.sha256] = src
                retries[id(o)] = failed[-1]
                accepted.append(o)
                continue
            if o.sha256 in seen or prior:
                if o.staged:
                    discard(o.staged)
            if prior:
                items.append(self._known_item(prior, src, sku))
            elif o.sha256 in seen:
                items.append(Item(src, sku, "duplicate", say("duplicate-in-batch", source=seen[o.sha256])))
            else:
                seen[o.sha256] = src
                accepted.append(o)

        # Name in capture order; the hero is the first product frame unless the shoot has one.
        with j.tx():
            j.ensure_shoot(sku)
        shoot = j.shoot(sku)
        products = [o for o in accepted if o.card is None]
        hero_idx = self.decisions.choose_hero(sku, products) if products and shoot["hero_id"] is None else None
        used = {"product": self._product_numbers(sku),
                "card": j.used_seqs(sku, "card") | _names_on_disk(self.lib / sku / "card", sku, True)}
        todo: list[tuple[Any, FrameOutcome]] = []
        for o in accepted:
            src = nfc(Path(o.path))
            again = retries.get(id(o))
            claimed: list[Any] = []
            if again is not None:
                is_card, raw_rel, sid = again["kind"] == "card", again["raw_path"], again["id"]
                with j.tx():
                    if not j.retry(sid, o.size, o.mtime_ns):  # another station took it again first
                        claimed = [j.source(sid)]
            else:
                kind = "card" if o.card is not None else "product"
                is_card = kind == "card"
                crash_point("staged")
                with j.tx():
                    # The claim and the number under one lock: another station may have
                    # claimed this file, or taken numbers, since the check above.
                    j.lock("naming")
                    claimed = [r for r in j.sources_by_sha(o.sha256) if r["state"] != "failed"]
                    if not claimed:
                        used[kind] |= j.used_seqs(sku, kind)
                        seq = next_free(used[kind])
                        used[kind].add(seq)
                        hero = hero_idx is not None and products[hero_idx] is o and j.shoot(sku)["hero_id"] is None
                        role = "card" if is_card else ("hero" if hero else "detail")
                        stem = frame_stem(sku, seq, card=is_card)
                        ext = Path(o.path).suffix.lower()
                        raw_rel = f"{sku}/{'card' if is_card else 'raw'}/{stem}{ext}"
                        sid = j.reserve(sku=sku, kind=kind, seq=seq, source_path=src, size=o.size,
                                        mtime_ns=o.mtime_ns, sha256=o.sha256,
                                        capture_time=o.capture_time.isoformat() if o.capture_time else None,
                                        role=role, raw_path=raw_rel)
                        if role == "hero":
                            j.set_hero(sku, sid)
            if claimed:
                if o.staged:
                    discard(o.staged)
                items.append(self._known_item(claimed, src, sku))
                continue
            try:
                if o.staged:
                    (self.lib / raw_rel).parent.mkdir(parents=True, exist_ok=True)
                    publish(o.staged, self.lib / raw_rel)
                else:
                    copy_new(o.path, self.lib / raw_rel, expect_sha256=o.sha256)
            except FileExists:
                try:  # a retry, or a run that stopped after publishing: the same bytes are adopted
                    same = hash_file(self.lib / raw_rel) == o.sha256
                except OSError:
                    same = False
                reason = None if same else (say("exists-other-content", path=raw_rel) if again is None
                                            else self._take_again(o, raw_rel))
                if reason is not None:
                    with j.tx():
                        j.set_state(sid, "failed", reason)
                    items.append(Item(src, sku, "failed", reason))
                    continue
            except (OSError, FileOpError) as e:
                with j.tx():
                    j.set_state(sid, "failed", str(e))
                items.append(Item(src, sku, "failed", str(e)))
                continue
            crash_point("published")
            with j.tx():
                j.add_file(raw_rel, o.sha256, o.size, "card" if is_card else "raw", sid)
                j.set_state(sid, "ingested")
            crash_point("ingested")
            self._queue_backup(raw_rel)
            self.progress({"event": "ingested", "source": src, "sku": sku, "file": raw_rel})
            todo.append((j.source(sid), o))

        todo.extend(resumed)
        todo.sort(key=lambda t: _capture_key(t[0]))
        # What each frame carries: the hero the spec panel, the n-th detail the n-th
        # selling point (or the sidecar's override).
        product = self._product(sku)
        overrides: dict = {}
        known = {Path(r["source_path"]).name for r in j.sources(sku)}
        for folder in sorted({Path(r["source_path"]).parent for r, _ in todo}):
            found, problems = load_callouts(folder, known)
            overrides.update(found)
            for msg in problems:
                if msg not in self._said:  # the sidecar is read per batch of frames
                    self._said.add(msg)
                    self._report.warnings.append(msg)
                    with j.tx():
                        j.log("warning", "callouts", msg, sku=sku)
                    self.progress({"event": "warning", "sku": sku, "reason": msg})
        details = detail_order(j.sources(sku))
        # Colour: a card frame's fit applies to the frames after it (capture order) until
        # the next card frame; frames before any card stay uncorrected, and say so — unless
        # a card without a capture time (EXIF stripped) serves them (_fit_for): so the
        # cards are measured first.
        card_items = {row["id"]: self._record_card(row, o) for row, o in todo if row["kind"] == "card"}
        cards = self._card_fits(sku)
        # Render several frames at once (threads: the heavy steps release the GIL);
        # journal the results here, in capture order.
        futures: list[Future | None] = []
        for row, o in todo:
            if row["kind"] == "card":
                futures.append(None)
                continue
            if self._cancel.is_set():
                futures.append(None)
                continue
            assert o.image is not None or o.deep is not None
            fit_id, fit = _fit_for(row, cards)
            with j.tx():
                j.set_fit(row["id"], fit_id)
            stem = frame_stem(sku, row["seq"])
            plan = plan_for(row["role"], details.index(row["id"]) if row["id"] in details else None, product,
                            overrides, (Path(row["source_path"]).name, stem), self.o.preset)
            futures.append(self._rpool.submit(
                render_outputs, o.image, o.original_size, o.exif, self.o.preset.for_role(row["role"]),
                self.o.preset.watermark, self.lib, f"{sku}/jpg/{stem}", plan.finisher(), fit, o.deep))
        pending = []
        for (row, o), fut in zip(todo, futures, strict=True):
            if row["kind"] == "card":
                items.append(card_items[row["id"]])
            elif fut is None:
                items.append(self._record(row, o, None))
            else:
                pending.append((row, o, fut))
        return items, pending

    # ------------------------------------------------------------------ colour
    def _card_fits(self, sku: str) -> list[tuple[tuple, int, dict]]:
        """(capture key, fit id, fit) of the shoot's card frames, in capture order."""
        out = []
        for f in self.j.fits(sku):
            if f["card_source_id"] is None:
                continue
            card = self.j.source(f["card_source_id"])
            out.append((_capture_key(card), f["id"], json.loads(f["fit"])))
        return sorted(out, key=lambda t: t[0])

    def _record_card(self, row: Any, o: FrameOutcome) -> Item:
        """A reference-card frame: keep its fit in the journal and write its report."""
        j, sku = self.j, row["sku"]
        it = Item(row["source_path"], sku, "done", None, "card", row["raw_path"])
        card = o.card
        if card is None:  # resumed card frame whose card is no longer trusted: keep it, say so
            it.notes.append(say("card-lost-on-resume"))
        elif not any(f["card_source_id"] == row["id"] for f in j.fits(sku)):
            doc = dict(card["doc"], file=Path(row["raw_path"]).name)
            name = sku if row["seq"] == 1 else frame_stem(sku, row["seq"], card=True)
            written = []
            try:
                for fname, data in report_files(doc, name).items():
                    rel = f"{sku}/report/{fname}"
                    sha, size = write_or_adopt(self.lib / rel, data)
                    with j.tx():
                        j.add_file(rel, sha, size, "report", row["id"])
                    written.append(rel)
            except (OSError, ImgprepError) as e:
                it.notes.append(say("colour-report-failed", detail=e))
            with j.tx():
                j.add_fit(sku=sku, card_source_id=row["id"], card_type=doc["card"]["type"], model=doc.get("model", ""),
                          fit=card["fit"], report=doc, station=_station())
            for rel in written:
                self._queue_backup(rel)
            it.reports = written
            s = doc.get("summary", {})
            verdict = "pass" if s.get("pass") else "FAIL"
            it.notes.append(say("colour-result", before=f"{s['before']['mean']:.1f}",
                                after=f"{s['after']['mean']:.1f}", verdict=verdict)
                            if s else say("colour-card-found"))
            self.progress({"event": "colour", "source": row["source_path"], "sku": sku, "summary": s})
        with j.tx():
            j.set_state(row["id"], "rendered")
        it.backup = self._item_backup([it.raw] + it.reports)
        return it

    def _record(self, row: Any, o: FrameOutcome, fut: Future | None) -> Item:
        j, sku = self.j, row["sku"]
        it = Item(row["source_path"], sku, "done", None, row["role"], row["raw_path"])
        it.notes.extend(o.notes)
        if fut is None:
            it.status, it.reason = "skipped", say("cancelled")
            return it
        try:
            written = fut.result()
        except Exception as e:  # noqa: BLE001 - whatever fails one frame's rendering is that frame's failure
            reason = say("render-failed", detail=failure_reason(e))
            with j.tx():
                j.set_state(row["id"], "failed", reason)
                j.log("error", "failed", reason, sku=sku, source=row["source_path"])
            it.status, it.reason = "failed", reason
            return it
        with j.tx():
            for w in written:
                j.add_file(w.rel, w.sha256, w.size, "jpg", row["id"], w.rendition, self.o.preset.watermark.enabled,
                           {"quality": w.quality, "size": list(w.pixels), **w.facts})
                warning = glyph_warning(w.rel, w.facts)
                if warning:
                    it.notes.append(warning)
            j.set_state(row["id"], "rendered")
        crash_point("rendered")
        for w in written:
            self._queue_backup(w.rel)
        it.renditions = [w.rel for w in written]
        if self._colour is not None and not self.j.source(row["id"])["fit_id"]:
            it.notes.append(say("not-corrected"))
        if sku in self._unlisted and row["role"] == "hero":
            it.notes.append(self._sheet_lacks(sku, short=True))
        it.backup = self._item_backup([it.raw] + it.renditions)
        self.progress({"event": "rendered", "source": row["source_path"], "sku": sku, "files": it.renditions})
        return it

    # ------------------------------------------------------------------ designers' PSDs
    def _take_psd(self, sku: str, path: Path) -> Item:
        """A designer's PSD (DESIGN.md §4): checked by its header, never decoded; named by the
        frame it belongs to (naming.psd_frame, psd_stem); copied byte-identical like an
        original, journaled as a 'psd' file of that frame and mirrored. It is not a frame (no
        sources row): no colour, hero, renditions or detail count."""
        j, src = self.j, nfc(path)
        it = Item(src, sku, "done", None, "psd")
        if self._cancel.is_set():
            it.status, it.reason = "skipped", say("cancelled")
            return it
        try:
            st = path.stat()
            problem = psd_problem(path)
        except OSError as e:
            problem = say("cannot-read", detail=e.strerror or e)
        if problem:
            return self._file_failed(it, problem)
        known = [f for f in j.files_for_sku(sku) if f["kind"] == "psd"]
        same = [f for f in known if _facts(f).get("source") == src
                and (f["size"], _facts(f).get("mtime_ns")) == (st.st_size, st.st_mtime_ns)]
        if not same:
            try:
                sha = hash_file(path)
            except OSError as e:
                return self._file_failed(it, say("cannot-read", detail=e.strerror or e))
            prior = j.files_by_sha(sha, "psd")
            same = [f for f in prior if _facts(f).get("source") == src]
            if prior and not same:
                it.status, it.reason = "duplicate", say("duplicate-of-library", source=_facts(prior[0]).get("source"),
                                                        name=Path(prior[0]["path"]).stem)
                with j.tx():
                    j.log("info", "duplicate", it.reason, sku=sku, source=src)
                return it
        if same:
            it.status, it.raw = "skipped", same[-1]["path"]
            it.reason = say("unchanged", name=Path(it.raw).stem)
            it.backup = self._item_backup([it.raw])
            return it

        try:
            rel, frame_id = self._place_psd(sku, path, sha, st.st_size, known, it.notes)
        except FileExists as e:
            return self._file_failed(it, say("exists-other-content", path=Path(str(e)).relative_to(self.lib).as_posix()))
        except (OSError, FileOpError) as e:
            return self._file_failed(it, str(e))
        with j.tx():
            j.add_file(rel, sha, st.st_size, "psd", frame_id, facts={"source": src, "mtime_ns": st.st_mtime_ns})
        self._queue_backup(rel)
        self.progress({"event": "ingested", "source": src, "sku": sku, "file": rel})
        it.raw = rel
        it.backup = self._item_backup([rel])
        return it

    def _take_companion(self, sku: str, path: Path) -> Item:
        """A RAW frame's camera JPEG or a photo's Live Photo video
        (:func:`split_companions`): copied byte-identical next to the frame's original
        under the same number (``raw/A1234-03.jpg`` beside ``raw/A1234-03.cr2``,
        ``raw/A1234-03.mov`` beside ``raw/A1234-03.heic``), journaled as a 'companion'
        file of that frame and mirrored. Never decoded, never a frame; a video whose
        photo was not taken (it failed) is left where it is, not failed."""
        j, src = self.j, nfc(path)
        it = Item(src, sku, "done", None, "companion")
        if self._cancel.is_set():
            it.status, it.reason = "skipped", say("cancelled")
            return it
        stem = fold(path.stem)
        frames = [r for r in j.sources(sku) if fold(Path(r["source_path"]).stem) == stem]
        frames.sort(key=lambda r: Path(r["source_path"]).parent != path.parent)  # the same folder first
        try:
            st = path.stat()
            sha = hash_file(path)
        except OSError as e:
            return self._file_failed(it, say("cannot-read", detail=e.strerror or e))
        if not frames and is_video(path):  # its photo failed (and says why): taken with it later
            still = next((f.name for f in sorted(path.parent.iterdir()) if fold(f.stem) == stem
                          and f.suffix.lower() in IMAGE_EXTENSIONS), "?")
            it.status, it.reason = "skipped", say("video-still-not-taken", still=still)
            return it
        if not frames:  # not expected (a JPEG whose RAW failed is a frame by now): say so, keep it where it is
            raw = next((f.name for f in path.parent.iterdir() if f.suffix.lower() in RAW_EXTENSIONS
                        and fold(f.stem) == stem), "?")
            return self._file_failed(it, say("companion-orphan", raw=raw))
        row = frames[0]
        rel = Path(row["raw_path"]).with_suffix(path.suffix.lower()).as_posix()
        prior = j.files_by_sha(sha, "companion")
        if prior:
            had = prior[-1]["path"]
            if had == rel or _facts(prior[-1]).get("source") == src:
                it.status, it.reason = "skipped", say("unchanged", name=Path(had).stem)
            else:
                it.status, it.reason = "duplicate", say("duplicate-of-library", source=src, name=Path(had).stem)
            it.raw, it.backup = had, self._item_backup([had])
            return it
        as_frame = j.sources_by_sha(sha)
        if as_frame:  # the same JPEG is a frame: it came alone before, or its RAW failed
            f = as_frame[-1]
            if f["source_path"] == src:
                return self._unchanged_item(f, src)
            it.status, it.reason = "duplicate", say("duplicate-of-library", source=f["source_path"],
                                                    name=Path(f["raw_path"]).stem)
            return it
        try:
            copy_new(path, self.lib / rel, expect_sha256=sha)
        except FileExists:
            try:  # a run that stopped between the copy and its journal row left it: adopt it
                adopt = hash_file(self.lib / rel) == sha
            except OSError:
                adopt = False
            if not adopt:
                return self._file_failed(it, say("exists-other-content", path=rel))
        except (OSError, FileOpError) as e:
            return self._file_failed(it, str(e))
        with j.tx():
            j.add_file(rel, sha, st.st_size, "companion", row["id"], facts={"source": src, "mtime_ns": st.st_mtime_ns})
        self._queue_backup(rel)
        self.progress({"event": "ingested", "source": src, "sku": sku, "file": rel})
        it.raw = rel
        it.backup = self._item_backup([rel])
        return it

    def _place_psd(self, sku: str, path: Path, sha: str, size: int, known: list[Any],
                   notes: list[str]) -> tuple[str, int | None]:
        """Name a new PSD and copy it into the library; returns its library path and the
        id of the frame it belongs to (None: a source of its own)."""
        j = self.j
        frames = [r for r in j.sources(sku) if r["kind"] == "product"]
        seq = psd_frame(path.stem, sku, [(r["seq"], Path(r["source_path"]).stem) for r in frames])
        frame_id = next((r["id"] for r in frames if r["seq"] == seq), None)
        folder = self.lib / sku / "psd"
        on_disk = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")] if folder.is_dir() else []
        paths = {f["path"] for f in known}
        for p in on_disk:  # a run that stopped between the copy and its journal row left it: adopt it
            rel = f"{sku}/psd/{p.name}"
            if rel not in paths and p.stat().st_size == size and hash_file(p) == sha:
                return rel, frame_id
        if seq is None:
            seq = next_free(self._product_numbers(sku))
        stem = psd_stem(sku, seq, sorted(paths) + [p.name for p in on_disk])
        rel = f"{sku}/psd/{stem}{path.suffix.lower()}"
        if frame_id is None:
            notes.append(say("psd-no-frame", sku=sku, stem=path.stem, name=stem))
        elif stem != frame_stem(sku, seq):
            notes.append(say("psd-revision", name=frame_stem(sku, seq), revision=stem))
        copy_new(path, self.lib / rel, expect_sha256=sha)
        return rel, frame_id

    def _file_failed(self, it: Item, reason: str) -> Item:
        it.status, it.reason = "failed", reason
        with self.j.tx():
            self.j.log("error", "failed", reason, sku=it.sku, source=it.source)
        self.progress({"event": "failed", "source": it.source, "sku": it.sku, "reason": reason})
        return it

    def _product_numbers(self, sku: str) -> set[int]:
        """Numbers taken by the SKU's product frames and PSDs (a PSD of no frame is a source
        of its own), in the journal and on disk: never given out again."""
        psds = [Path(f["path"]).stem for f in self.j.files_for_sku(sku) if f["kind"] == "psd"]
        return (self.j.used_seqs(sku, "product") | _numbers(psds, sku, False)
                | _names_on_disk(self.lib / sku / "raw", sku, False)
                | _names_on_disk(self.lib / sku / "psd", sku, False))

    def _product(self, sku: str) -> Product | None:
        """The product sheet's facts for this SKU: from this run's sheet (kept in the
        journal for later runs, `check` and the app), else from an earlier run's."""
        cat = self.o.catalogue
        if cat is not None:
            try:
                p = cat[sku]
            except KeyError:
                if sku in self._unlisted:  # said once per SKU, not once per frame
                    return None
                msg = self._sheet_lacks(sku)
                with self.j.tx():
                    self.j.log("warning", "catalogue", msg, sku=sku)
                self.progress({"event": "unlisted", "sku": sku, "reason": msg})
                self._unlisted.add(sku)
                return None
            return p
        d = self.j.product(sku)
        return Product.from_dict(d) if d else None

    def _sheet_lacks(self, sku: str, short: bool = False) -> str:
        """Why a SKU has no spec panel: not in this run's sheet (``short``: no file name),
        or not in the part of it that was read (named with the limit: it may be further down)."""
        cat = self.o.catalogue
        if cat is not None and getattr(cat, "cut_at_row", None):
            return say("not-in-sheet-cut", sku=sku, sheet=cat.source, limit=MAX_ROWS)
        return say("not-in-sheet", sku=sku) if short or cat is None else say("not-in-sheet-file", sku=sku,
                                                                             sheet=cat.source)

    # ------------------------------------------------------------------ backup
    def _queue_backup(self, rel: str) -> None:
        if self._backup is None:
            return
        with self.j.tx():
            self.j.queue_backup(rel, self._backup.key)
        if self._backup_ok:
            self._submit_backup(rel)

    def _submit_backup(self, rel: str) -> None:
        assert self._bpool is not None and self._backup is not None
        self._backup_futs.append(self._bpool.submit(copy_one, self._backup, self.lib, rel))

    def _drain_backups(self, report: BatchReport) -> None:
        if self._backup is None:
            return
        key = self._backup.key
        failures = []
        tried: set[str] = set()
        i = 0
        while True:
            for fut in self._backup_futs[i:]:
                i += 1
                rel, sha, err = fut.result()
                tried.add(rel)
                with self.j.tx():
                    if sha:
                        self.j.backup_verified(rel, key, sha)
                    else:
                        self.j.backup_failed(rel, key, err or "unknown error")
                        self.j.log("warning", "backup", f"{rel}: {err}", source=rel)
                        failures.append((rel, err))
                self.progress({"event": "backed-up" if sha else "backup-failed", "file": rel, "reason": err})
            # The station draining the queue takes what was queued meanwhile (a resumed
            # frame's original, a dead station's files) before it lets the queue go.
            left = [r["path"] for r in self.j.pending_backups(key) if r["path"] not in tried] \
                if self._drainer and self._bpool and not self._cancel.is_set() else []
            if not left:
                break
            for rel in left:
                self._submit_backup(rel)
        if self._bpool:
            self._bpool.shutdown(wait=True)
        self.j.unlock(backup_lock(key))
        if failures and not report.backup_problem:
            report.backup_problem = say("backup-failures", count=len(failures), file=failures[0][0],
                                        detail=failures[0][1])
        for it in report.items:
            if it.status in ("done", "skipped", "duplicate") and (it.raw or it.renditions):
                it.backup = self._item_backup([it.raw] + it.renditions + it.reports)




def sku_folders_problem(library: Path, sku: str) -> str | None:
    """Why nothing may be written for ``sku`` (a folder of it in the library is a symbolic
    link, or not a folder), or None. Asked before any of its files is written (batch, and
    the app's re-renders); missing folders are made later, as real folders."""
    try:
        for sub in SKU_FOLDERS:
            real_dir(library, f"{sku}/{sub}", create=False)
    except FileOpError as e:
        return str(e)
    return None


def failure_reason(e: BaseException) -> str:
    """The one line a per-file failure is reported with, whatever raised it: our own
    reason, an OpenCV assertion without its source path, or the error's text."""
    if isinstance(e, InputError):
        return e.reason
    text = str(e).strip()
    if type(e).__module__.startswith("cv2"):  # "OpenCV(5.0) /src/…/thresh.cpp:1908: error: (-215:…) …"
        return say("image-step-failed", detail=text.rpartition(" error: ")[2] or text)
    return text or type(e).__name__


def _changed_while_read(o: FrameOutcome) -> str | None:
    """Why a frame's read cannot be trusted: its source's size or time differs now from
    when the worker began (it was being written), or the copy is not the size the source
    had then. None when source, copy and hash agree."""
    try:
        st = os.stat(o.path)
        staged = os.stat(o.staged).st_size if o.staged else o.size
    except OSError as e:
        return say("cannot-read", detail=e.strerror or e)
    if (st.st_size, st.st_mtime_ns) != (o.size, o.mtime_ns) or staged != o.size:
        return say("changed-while-reading")
    return None


def _facts(row: Any) -> dict[str, Any]:
    return json.loads(row["facts"] or "{}")


# A reference card's 24 patches cannot be read in fewer pixels than this (long side);
# the card detector's filters need about this many as well.
CARD_MIN_EDGE = 100


def _header(path: Path) -> tuple[tuple, bool]:
    """From the file's header alone: its capture-order key (the same EXIF the decoder
    reads) and whether it is large enough to be looked at for a reference card."""
    from ..core.imaging.load import probe

    try:
        _, size, t = probe(path)
    except (InputError, OSError):
        # A bad file fails in its worker: its place in the order does not matter.
        size, t = (CARD_MIN_EDGE, CARD_MIN_EDGE), None
    return (t is None, t.isoformat() if t else "", natural_key(path.name)), max(size) >= CARD_MIN_EDGE


def _capture_key(row: Any) -> tuple:
    """Capture order of journal rows: EXIF time, then (at equal times) card before
    product, then file name — the order the frames were numbered in."""
    t = row["capture_time"]
    return (t is None, t or "", row["kind"] != "card", natural_key(Path(row["source_path"]).name))


def _fit_for(row: Any, cards: list[tuple[tuple, int, dict]]) -> tuple[int | None, dict | None]:
    """The fit of the last card before the frame in capture order. A card without a
    capture time (EXIF stripped: a photo sent over WeChat) cannot be placed among dated
    frames; it serves the dated frames that no dated card precedes, rather than leaving
    them uncorrected under a passing colour verdict."""
    key = _capture_key(row)
    before = [c for c in cards if c[0] < key] or [c for c in cards if c[0][0]][:1]
    return (before[-1][1], before[-1][2]) if before else (None, None)


def _station() -> str:
    """This computer's name in the journal (``IMGPREP_STATION`` overrides it)."""
    import socket

    return os.environ.get("IMGPREP_STATION") or socket.gethostname()


def library_failure(library: Path, e: BaseException) -> str:
    """Why the library failed as a whole, with what to do: the journal server gone (run
    again when it is back), or the library's disk."""
    if isinstance(e, JournalUnavailable):
        return say("journal-failed", detail=e)
    return say("library-failed", library=library, detail=e)


def backup_lock(root_key: str) -> str:
    """The lock a station holds while it drains the backup queue of ``root_key``."""
    return f"backup:{root_key}"


def _names_on_disk(folder: Path, sku: str, card: bool) -> set[int]:
    """Numbers already taken by files in the library folder (belt and braces: the journal
    is the truth, but a number on disk is never handed out again either)."""
    return _numbers([p.stem for p in folder.iterdir()], sku, card) if folder.is_dir() else set()


def _numbers(stems: list[str], sku: str, card: bool) -> set[int]:
    """The sequence numbers of the library names among ``stems`` (``SKU-03``, ``SKU-C01``)."""
    prefix = (f"{sku}-C" if card else f"{sku}-").lower()
    return {int(s[len(prefix):]) for s in stems
            if s.lower().startswith(prefix) and s[len(prefix):].isdigit()}


__all__ = ["BatchRunner", "BatchOptions", "BatchReport", "Item", "Decisions", "discover", "is_ignored", "psd_problem"]


def _aside_name(folder: Path, name: str) -> Path:
    """A free name in ``folder`` for a damaged library copy put aside: ``name`` with
    ``.changed`` (then ``.changed-2`` …) before its suffix."""
    stem, ext = os.path.splitext(name)
    n = 1
    while True:
        aside = folder / f"{stem}.changed{'' if n == 1 else f'-{n}'}{ext}"
        if not os.path.lexists(aside):
            return aside
        n += 1
