"""The batch runner: shoot folders in (``imgprep batch SRC…``, the app's drop), a named,
rendered, backed-up library out. Intake (:func:`.intake.discover`) finds the shoots; the
engine (:mod:`.engine`) runs them under the library lock (docs/architecture.md).
"""

from __future__ import annotations

import errno
from pathlib import Path

from ..core.errors import FileOpError
from ..core.journal import Journal, has_journal, library_lock
from .engine import LIBRARY_FAILURES, Engine, library_failure, sku_folders_problem, start_pool
from .intake import Shoot, discover, is_ignored, nfc, psd_problem, slate_event
from .outcome import BatchReport, Item
from .recorder import failure_reason
from .run import BatchOptions, Decisions, station_name

_station = station_name  # the name the app's window imports


class BatchRunner(Engine):
    """The engine for folders given by name: discovers them, then runs them with the
    library locked and its journal open for the run."""

    def run(self, sources: list[Path]) -> BatchReport:
        self._standalone = True
        report = BatchReport(self.lib)
        shoots, items = discover(sources, defer=True)  # named folders' slates: app.lateslate
        report.items.extend(items)
        valid = self._valid(shoots, report)
        if not valid and not has_journal(self.lib):
            return report  # nothing to do: do not even create the library
        # Workers start before the library is locked and the journal opened, so a
        # forked worker inherits neither (see pool.py on start methods).
        self._start_workers()
        try:
            self.lib.mkdir(parents=True, exist_ok=True)
            with library_lock(self.lib), Journal(self.lib) as j:
                with j.tx():  # which frame named which shoot stays on record
                    for it in items:
                        if it.role == "slate":
                            j.log("info", "slate", it.why or it.reason or "", sku=it.sku, source=it.source)
                self._run_locked(j, valid, report)
                j.set_activity(station_name(), "idle")
        except LIBRARY_FAILURES as e:
            if isinstance(e, FileOpError) and getattr(e.cause, "errno", None) == errno.EBUSY:
                raise  # another imgprep holds the library: a usage problem, nothing done
            self._library_failed(report, e)
        return report

    def _valid(self, shoots: list[Shoot], report: BatchReport) -> list[Shoot]:
        """The shoots that may run; the others' files failed with why. Says which folder
        a slate renamed (the app queued it by its folder)."""
        for sh in shoots:
            if sh.slate is not None:
                self.progress(slate_event(sh))
        for sh in shoots:
            if sh.error:
                targets = sh.files + sh.companions + sh.psds or [sh.folder]
                report.items.extend(Item(nfc(f), None, "failed", sh.error) for f in targets)
        return [sh for sh in shoots if not sh.error]



__all__ = ["BatchRunner", "BatchOptions", "BatchReport", "Item", "Decisions", "discover", "is_ignored", "psd_problem",
           "failure_reason", "library_failure", "sku_folders_problem", "start_pool"]
