"""The engine: shoots in, a named, rendered, backed-up library out — one run, under the
library lock, with a journal the caller opened (the batch of folders, :mod:`.batch`, and
the hot folder, :mod:`.watch`, each drive it).

Stages (docs/architecture.md, "One frame"):
  analyse (worker processes: hash, decode, card, shrink)
  → per shoot, in capture order: dedupe, number, ingest the original (:mod:`.ingest`),
  fit colour and render (here), record (:mod:`.recorder`) → mirror (:mod:`.mirror`).
The journal is written only by the engine (one writer), before and after each step that
touches the disk, so an interrupted run resumes without duplicates or gaps.
"""

from __future__ import annotations

import functools
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..core import library
from ..core.errors import FileOpError
from ..core.fsutil import real_dir, sweep_temps
from ..core.journal import Journal, JournalUnavailable
from ..core.messages import Reason, error_reason
from ..core.naming import frame_stem
from ..core.presets import Preset
from .annotations import detail_order, load_callouts, plan_for
from .frames import FrameJob, FrameOutcome, analyse_frame, render_outputs, warm_up
from .ingest import dedupe, header, number, resume_plan, row_order, split_results, undone_row
from .intake import Shoot, is_video, nfc, shot_key, slate_event
from .lateslate import SKIPPED, LateSlates
from .mirror import Mirror
from .outcome import BatchReport, Item, told
from .pool import JobPool
from .recorder import (
    card_fits,
    fit_for,
    record_card,
    record_rendered,
    settle_colour_state,
)
from .run import BatchOptions, Decisions, Progress, Run, cancelled_key, station_name
from .sidefiles import take_companion, take_psd

# Failures of the library itself, not of one file: they end the run (cleanly). A server
# journal's errors are sqlite3.Error too, and an unreachable server an OSError (core.journal).
LIBRARY_FAILURES = (sqlite3.Error, OSError, FileOpError)

# A temp file this old is a crash's leftover, also when other stations share the library
# (a server journal): younger ones may be another station's copy in progress.
STALE_TEMP_S = 6 * 3600

Ready = dict[str, dict[int, tuple[FrameJob, Any, Any]]]  # SKU → place in its plan → (job, row, result)


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


class Engine:
    def __init__(self, opts: BatchOptions, progress: Progress | None = None,
                 decisions: Decisions | None = None, pool: JobPool | None = None):
        """``pool``: worker processes the caller keeps between runs (the watcher's);
        by default the engine starts its own for each run."""
        self.o = opts
        self.lib = Path(opts.library)
        self.progress = progress or (lambda e: None)
        self.decisions = decisions or Decisions()
        self._cancel = threading.Event()
        self._pool: JobPool | None = pool
        self._standalone = False  # a batch of its own (run), not the watcher's arrivals: says what it does
        self._run: Run | None = None  # the run in progress
        self._born: list[Shoot] = []  # shoots a later slate started in a slate-named folder (app.lateslate)

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

    def _library_failed(self, report: BatchReport, e: BaseException) -> None:
        """The library itself failed (disk full, read-only, journal I/O): per-file work
        cannot go on. What was done stays done and consistent (the journal commits step
        by step); the run ends with the reason, the report of what was done, exit 1."""
        self._cancel.set()
        if self._run is not None:
            self._run.render_pool.shutdown(wait=True, cancel_futures=True)
            self._run.mirror.shutdown()
        if self._pool is not None and not self._pool.keep:
            self._pool.close()
        why = library_failure(self.lib, e)
        report.library_problem = str(why)
        self.progress({"event": "library-failed", **told(why)})

    def _start_workers(self) -> None:
        if self._pool is None:
            self._pool = start_pool(self.o.preset, self.o.workers)

    def _run_locked(self, j: Journal, shoots: list[Shoot], report: BatchReport,
                    sweep_all: bool = True) -> None:
        """The run's stages, in order. ``sweep_all``: see :meth:`_sweep`."""
        shoots = list(shoots)  # later slates add shoots (app.lateslate): not the caller's list
        self._born = []
        run = self._open(j, shoots, report, sweep_all)
        self._keep_sheet(run)
        try:
            ready = self._frame_passes(run, shoots)
        finally:
            if self._pool is not None and not self._pool.keep:
                self._pool.close(wait=False)  # a run's own workers: they leave while it records
        run.render_pool.shutdown(wait=True)
        # Companions and designers' PSDs last: by now every frame of their shoot has its name.
        for sh in shoots:
            sku = j.canonical_sku(sh.sku)  # type: ignore[arg-type]
            report.items += [take_companion(run, sku, f) for f in sh.companions]
            report.items += [take_psd(run, sku, f) for f in sh.psds]
        if self._cancel.is_set():
            for sku, got in ready.items():
                for job, _row, _r in got.values():
                    if _r is SKIPPED:
                        continue
                    report.items.append(Item(nfc(job.path), sku, "skipped").set("skipped", Reason.of("cancelled")))
        self._mark_cancelled(j, shoots, report)
        report.backup_problem = run.mirror.drain(self._cancel) or report.backup_problem
        for it in report.items:
            if it.status in ("done", "skipped", "duplicate") and (it.raw or it.renditions):
                it.backup = run.backup_of(it)

    def _open(self, j: Journal, shoots: list[Shoot], report: BatchReport, sweep_all: bool) -> Run:
        """Everything the run needs, made once: SKUs spelled as the library spells them,
        the workers and render threads (they overlap the planning), a crash's temp files
        swept, the backup mirror."""
        # One SKU whatever the case of its folders' names (abc-1 and ABC-1), as Windows
        # and macOS disks see them: spelled as the library (or this run) first did.
        spelled: dict[str, str] = {}
        for sh in shoots:
            if sh.sku:
                sh.sku = spelled.setdefault(sh.sku.casefold(), j.canonical_sku(sh.sku))
        self._start_workers()
        rpool = ThreadPoolExecutor(max_workers=max(1, self.o.workers), thread_name_prefix="render")
        preset = self.o.preset
        for w in {r.width for r in preset.renditions if r.width} | {r.box[0] for r in preset.renditions if r.box}:
            rpool.submit(warm_up, preset.watermark, w)
        self._sweep(j, shoots, sweep_all)
        mirror = Mirror(j, self.lib, Path(self.o.backup) if self.o.backup is not None else None, self.progress)
        report.backup_problem = mirror.problem
        self._run = Run(j, self.lib, self.o, self.progress, self._cancel, self.decisions, report, mirror, rpool,
                        standalone=self._standalone, colour=preset.colour if preset.colour.enabled else None)
        return self._run

    def _sweep(self, j: Journal, shoots: list[Shoot], sweep_all: bool) -> None:
        """Remove a crash's temp files: in the whole library (and backup) with
        ``sweep_all``, else only in the folders of ``shoots`` — the watcher's arrivals,
        which must not walk a library of 100 000 files (maybe on a share) each time."""
        bases = [self.lib] + ([Path(self.o.backup)] if self.o.backup and Path(self.o.backup).is_dir() else [])
        min_age = STALE_TEMP_S if j.shared else 0
        if sweep_all:
            sweep_temps(bases, min_age=min_age)
        else:
            skus = {j.canonical_sku(sh.sku) for sh in shoots if sh.sku}
            sweep_temps((b / library.sku_root(sku) for b in bases for sku in sorted(skus)), min_age=min_age)

    def _keep_sheet(self, run: Run) -> None:
        """This run's product sheet and preset, kept in the journal for later runs."""
        j, cat = run.j, self.o.catalogue
        if cat is not None:
            with j.tx():
                for sku, p in cat.products.items():
                    j.put_product(sku, p.to_dict(), str(cat.source))
                for prob in cat.problems:
                    j.log("warning", "catalogue", f"{cat.source}: {prob}")
        with j.tx():
            j.set_meta("preset", str(self.o.preset.source or self.o.preset.name))

    def _frame_passes(self, run: Run, shoots: list[Shoot]) -> Ready:
        """Every frame of ``shoots`` and what an interrupted run left; returns what a
        cancel left unrecorded."""
        j, report = run.j, run.report
        ready = self._frame_pass(run, shoots, resume=True)
        shoots += self._born  # their companions, PSDs and cancel marks go with their SKU
        self._born = []
        if j.shared and not self._cancel.is_set():
            # A station that died during this run left claims: finished here, once.
            for sku, got in self._frame_pass(run, [], resume=True).items():
                ready.setdefault(sku, {}).update(got)
        # A camera JPEG whose RAW failed is the shot's frame after all: a second pass.
        orphans = [] if self._cancel.is_set() else self._orphans(j, shoots)
        if orphans:
            more = self._frame_pass(run, [sh for sh, _ in orphans], resume=False)
            for sku, got in more.items():
                ready.setdefault(sku, {}).update({-1 - k: v for k, v in got.items()})
            taken = {nfc(f): raw for sh, raws in orphans for f, raw in zip(sh.files, raws, strict=True)}
            for it in report.items:
                if it.source in taken and it.status == "done":
                    it.notes.append(str(Reason.of("companion-promoted", raw=taken[it.source])))
        return ready

    def _mark_cancelled(self, j: Journal, shoots: list[Shoot], report: BatchReport) -> None:
        """A cancelled run leaves photos of a shoot unprocessed: the journal keeps
        ``cancelled:<sku>`` = "done/total" for the app's list and ``check`` until a run
        takes every photo of the shoot (then it is cleared)."""
        outcome = {it.source: it.status for it in report.items}
        by_sku: dict[str, list[Path]] = {}  # one SKU may have several shoots (folders, a folder's slates)
        for sh in shoots:
            if sh.sku and sh.files:
                by_sku.setdefault(sh.sku, []).extend(sh.files)
        for sku, files in by_sku.items():
            key = cancelled_key(sku)
            done = sum(outcome.get(nfc(f)) in ("done", "duplicate", "failed") for f in files)
            value = f"{done}/{len(files)}" if self._cancel.is_set() and done < len(files) else ""
            if value or j.meta(key):
                with j.tx():
                    j.set_meta(key, value)

    # ------------------------------------------------------------------ one pass
    def _frame_pass(self, run: Run, shoots: list[Shoot], resume: bool) -> Ready:
        """Analyse, name and render the frames of ``shoots`` (and, with ``resume``, what an
        interrupted run left); returns what a cancel left unrecorded. Shoots a slate
        renamed during the pass run again, under their new name (app.lateslate)."""
        late = LateSlates(run.j.canonical_sku)
        plan, hold = self._plan(run, shoots, resume, late)
        ready = self._schedule(run, plan, hold, late)
        self._born += late.born
        late.tidy(self.lib)
        if late.rerun and not self._cancel.is_set():
            # What the plan said of their files (unchanged, unreadable) is said again, under the new name.
            said = {id(it) for sku in late.rerun for it in late.said.get(sku, ())}
            run.report.items[:] = [it for it in run.report.items if id(it) not in said]
            for sku, got in self._frame_pass(run, late.again(self.lib), resume=False).items():
                ready.setdefault(sku, {}).update(got)
        return ready

    def _plan(self, run: Run, shoots: list[Shoot], resume: bool, late: LateSlates
              ) -> tuple[dict[str, list[tuple[FrameJob, Any]]], set[str]]:
        """Per shoot, the frames in capture order (EXIF read from the headers, which is
        cheap), so each frame is named and rendered as soon as every frame before it is
        analysed, while the workers go on with the rest. Also the shoots with an undated
        frame that may be a card (placed by its file time, yet maybe the card of the dated
        frames: recorder.fit_for): named and rendered once all is analysed."""
        plan: dict[str, list[tuple[FrameJob, Any]]] = {}
        hold: set[str] = set()
        for row, job in resume_plan(run) if resume else ():
            plan.setdefault(row["sku"], []).append((job, row))
        for sh in shoots:
            assert sh.sku is not None
            sku = run.j.canonical_sku(sh.sku)
            refused = sku_folders_problem(self.lib, sku)
            if refused:
                run.report.items.extend(Item(nfc(f), sku, "failed", refused) for f in sh.files + sh.companions + sh.psds)
                sh.companions, sh.psds = [], []
                continue
            n = len(run.report.items)
            heads = {f: header(f) for f in self._fresh(run, sku, sh.files)}
            late.said.setdefault(sku, []).extend(run.report.items[n:])
            candidate = late.plan(sku, sh, planned=sh.files[0] in heads if sh.files else False)
            later = late.watch(sh, list(heads), _orderer(heads)) if sh.slate is not None else set()
            for f in sorted(heads, key=lambda f: heads[f][0]):
                colour = run.colour if heads[f][1] else None  # a frame too small for a card has none
                if colour is not None and heads[f][2]:
                    hold.add(sku)
                job = FrameJob(str(f), self.o.preset.renditions, colour,
                               stage_dir=str(self.lib / library.folder(sku, "raw")),
                               slate=str(f) == candidate or str(f) in later, slate_preview=str(f) == candidate)
                plan.setdefault(sku, []).append((job, None))
        return plan, hold

    def _fresh(self, run: Run, sku: str, files: list[Path]) -> list[Path]:
        """The files the journal does not have as done (or claimed); items for the rest."""
        j, report, fresh = run.j, run.report, []
        for f in files:
            try:
                st = f.stat()
            except OSError as e:
                report.items.append(Item(nfc(f), sku, "failed", Reason.of("cannot-read", detail=e.strerror or str(e))))
                continue
            row = j.source_by_stat(nfc(f), st.st_size, st.st_mtime_ns)
            if row is not None and row["state"] == "rendered":
                problem = undone_row(run, row)
                if problem is not None and not problem[1]:
                    report.items.append(Item(nfc(f), sku, "failed", problem[0]))
                    continue
                if problem is None:
                    report.items.append(run.unchanged_item(row, nfc(f)))
                    continue
                row = None  # taken again from the source
            if row is not None and row["state"] in ("reserved", "ingested"):
                if j.held_elsewhere(row):
                    report.items.append(Item(nfc(f), sku, "skipped", Reason.of("being-processed-elsewhere")))
                continue  # else planned by the resume step (or by the last one, if its station dies)
            fresh.append(f)
        return fresh

    def _schedule(self, run: Run, plan: dict[str, list[tuple[FrameJob, Any]]], hold: set[str],
                  late: LateSlates) -> Ready:
        """Run the plan through the workers; finish each shoot's frames in capture order
        as soon as the ones before them are analysed."""
        where = {id(job): (sku, i, row) for sku, lst in plan.items() for i, (job, row) in enumerate(lst)}
        jobs = [job for lst in plan.values() for job, _ in lst]
        total = len(jobs)
        self.progress({"event": "planned", "total": total})
        if plan and self._standalone:  # what this station is at, for the other stations' view
            run.j.set_activity(station_name(), "batch", sku=next(iter(plan)), detail=f"{total} frame(s): {', '.join(plan)}")
        ready: Ready = {sku: {} for sku in plan}
        nxt = dict.fromkeys(plan, 0)
        waits: list[tuple[Any, FrameOutcome, Future]] = []
        tally = {sku: {"done": 0, "failed": 0} for sku in plan}
        feeds = {sku: {sku} for sku in plan}  # a SKU → the plans with frames of it (later slates: app.lateslate)
        assert self._pool is not None
        for done, (job, result) in enumerate(self._pool.run(jobs, cancel=self._cancel), 1):
            sku, i, row = where[id(job)]
            ready[sku][i] = (job, row, late.seen(sku, job, result))
            self.progress({"event": "analysed", "done": done, "total": total, "source": job.path, "sku": sku})
            if late.items:  # a slate was found, and what it changes decided
                self._slates_found(run, late)
                late.purge(sku, ready[sku])
            chunk = []
            while nxt[sku] in ready[sku] and not late.blocked(sku) and late.routable(ready[sku][nxt[sku]][0]) and \
                    (sku not in hold or nxt[sku] + len(ready[sku]) == len(plan[sku])):
                chunk.append(ready[sku].pop(nxt[sku]))
                nxt[sku] += 1
            # By the SKU each frame goes to: a later slate in a slate-named folder starts a new shoot.
            routed = late.route(sku, [c for c in chunk if c[2] is not SKIPPED])
            if late.items:
                self._slates_found(run, late)
            for target, part in routed:
                if target != sku:
                    feeds.setdefault(target, {target} & plan.keys()).add(sku)
                    tally.setdefault(target, {"done": 0, "failed": 0})
                items, pending = self._finish_frames(run, target, part)
                self._tally(run.report, tally, items)
                waits.extend(pending)
            waits = self._record_ready(run, waits, tally, block=False)
            self._shoots_done(run, plan, nxt, waits, tally, late.rerun, feeds)
        waits = self._record_ready(run, waits, tally, block=True)
        self._shoots_done(run, plan, nxt, waits, tally, late.rerun, feeds)
        return ready

    def _slates_found(self, run: Run, late: LateSlates) -> None:
        """Report the slates the frame analysis found (as intake reports its own)."""
        for sh, items, left in late.items:
            run.report.items.extend(items)
            with run.j.tx():
                for it in items:
                    run.j.log("info", "slate", it.why or it.reason or "", sku=it.sku, source=it.source)
            self.progress(slate_event(sh, len(items), left))
        late.items.clear()

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

    def _record_ready(self, run: Run, waits: list, tally: dict, *, block: bool) -> list:
        """Journal the renditions that are written (all of them with ``block``); return
        the ones still being rendered."""
        left = []
        for row, o, fut in waits:
            if block or fut.done():
                self._tally(run.report, tally, [record_rendered(run, row, o, fut)])
            else:
                left.append((row, o, fut))
        return left

    def _shoots_done(self, run: Run, plan: dict, nxt: dict, waits: list, tally: dict, rerun: set[str],
                     feeds: dict[str, set[str]]) -> None:
        busy = {row["sku"] for row, _, _ in waits}
        for sku in list(tally):
            if sku in rerun:  # runs again, renamed by its slate: says so then
                del tally[sku]
            elif all(nxt[p] == len(plan[p]) for p in feeds[sku]) and sku not in busy:
                if run.colour is not None:
                    settle_colour_state(run.j, sku)
                self.progress({"event": "shoot-done", "sku": sku, **tally.pop(sku)})
                if tally and self._standalone:
                    run.j.set_activity(station_name(), "batch", sku=next(iter(tally)), detail=f"{sku} done")

    # ------------------------------------------------------------------ per shoot
    def _finish_frames(self, run: Run, sku: str, results: list[tuple[FrameJob, Any, Any]]
                       ) -> tuple[list[Item], list[tuple[Any, FrameOutcome, Future]]]:
        """Dedupe, number, ingest and start rendering the next frames of a shoot in
        capture order (every frame before them is done). Returns the finished items and
        the frames still rendering."""
        items, fresh, resumed = split_results(run, sku, results)
        dropped, accepted, retries = dedupe(run, sku, fresh)
        failed, todo = number(run, sku, accepted, retries)
        todo.extend(resumed)
        todo.sort(key=lambda t: row_order(t[0]))
        done, pending = self._render(run, sku, todo)
        return items + dropped + failed + done, pending

    def _render(self, run: Run, sku: str, todo: list[tuple[Any, FrameOutcome]]
                ) -> tuple[list[Item], list[tuple[Any, FrameOutcome, Future]]]:
        """Colour: a card frame's fit applies to the frames after it (capture order) until
        the next card frame; frames before any card stay uncorrected, and say so — unless
        a card without a capture time (EXIF stripped) serves them (recorder.fit_for): so
        the cards are measured first. Then several frames render at once (threads: the
        heavy steps release the GIL); they are journaled in capture order."""
        card_items = {row["id"]: record_card(run, row, o) for row, o in todo if row["kind"] == "card"}
        cards = card_fits(run.j, sku)
        # What each frame carries: the hero the spec panel, the n-th detail the n-th
        # selling point (or the sidecar's override).
        product = run.product(sku)
        overrides = self._callouts(run, sku, todo)
        details = detail_order(run.j.sources(sku))
        items, pending = [], []
        for row, o in todo:
            if row["kind"] == "card":
                items.append(card_items[row["id"]])
            elif self._cancel.is_set():
                items.append(record_rendered(run, row, o, None))
            else:
                assert o.image is not None or o.deep is not None
                fit_id, fit = fit_for(row, cards)
                with run.j.tx():
                    run.j.set_fit(row["id"], fit_id)
                stem = frame_stem(sku, row["seq"])
                plan = plan_for(row["role"], details.index(row["id"]) if row["id"] in details else None, product,
                                overrides, (Path(row["source_path"]).name, stem), self.o.preset)
                pending.append((row, o, run.render_pool.submit(
                    render_outputs, o.image, o.original_size, o.exif, self.o.preset.for_role(row["role"]),
                    self.o.preset.watermark, self.lib, library.rendition_base(sku, stem), plan.finisher(), fit,
                    o.deep)))
        return items, pending

    def _callouts(self, run: Run, sku: str, todo: list[tuple[Any, FrameOutcome]]) -> dict:
        """The callout sidecars' overrides of the frames' shoot folders; a sidecar's
        problems said once a run."""
        overrides: dict = {}
        known = {Path(r["source_path"]).name for r in run.j.sources(sku)}
        for folder in sorted({Path(r["source_path"]).parent for r, _ in todo}):
            found, problems = load_callouts(folder, known)
            overrides.update(found)
            for msg in problems:
                if msg not in run.said:  # the sidecar is read per batch of frames
                    run.said.add(msg)
                    run.report.warnings.append(msg)
                    with run.j.tx():
                        run.j.log("warning", "callouts", msg, sku=sku)
                    self.progress({"event": "warning", "sku": sku, **told(msg)})
        return overrides


def _orderer(heads: dict[Path, tuple[tuple, bool, bool]]) -> Callable[[Path], tuple[tuple, bool]]:
    """A shoot's files' (capture-order key, no capture time), from the headers read for
    its plan; a file not planned (done before) is read when asked, once."""
    @functools.cache
    def order(f: Path) -> tuple[tuple, bool]:
        h = heads.get(f) or header(f)
        return h[0], h[2]
    return order


def sku_folders_problem(lib: Path, sku: str) -> str | None:
    """Why nothing may be written for ``sku`` (a folder of it in the library is a symbolic
    link, or not a folder), or None. Asked before any of its files is written (batch, and
    the app's re-renders); missing folders are made later, as real folders."""
    try:
        for sub in library.SKU_FOLDERS:
            real_dir(lib, library.folder(sku, sub), create=False)
    except FileOpError as e:
        return str(e)
    return None


def library_failure(lib: Path, e: BaseException) -> Reason:
    """Why the library failed as a whole, with what to do: the journal server gone (run
    again when it is back), or the library's disk."""
    if isinstance(e, JournalUnavailable):
        return Reason.of("journal-failed", detail=error_reason(e))
    return Reason.of("library-failed", library=str(lib), detail=error_reason(e))


__all__ = ["Engine", "LIBRARY_FAILURES", "STALE_TEMP_S", "library_failure", "sku_folders_problem", "start_pool"]
