"""One engine run's state, made once when the run starts: the journal, the options, the
report being written, the backup mirror, the render threads — and the few questions every
stage asks of them (what the library has of a source, the product sheet's facts, which
numbers are taken). The stages (:mod:`.ingest`, :mod:`.recorder`, :mod:`.sidefiles`,
:mod:`.batch`) take the run as their first argument. See docs/architecture.md.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.catalogue import MAX_ROWS, Product
from ..core.journal import Journal
from ..core.messages import Reason
from ..core.presets import ColourSettings, Preset
from .frames import FrameOutcome
from .mirror import Mirror
from .outcome import BatchReport, Item, told

Progress = Callable[[dict[str, Any]], None]


@dataclass
class BatchOptions:
    library: Path
    preset: Preset
    backup: Path | None = None
    catalogue: Any = None  # imgprep.core.catalogue.Catalogue
    workers: int = max(1, os.cpu_count() or 1)
    station: str | None = None


class Decisions:
    """Questions that need a human. The CLI answers with defaults; the GUI subclasses
    this to ask."""

    def choose_hero(self, sku: str, frames: list[FrameOutcome]) -> int:
        return 0


def station_name() -> str:
    """This computer's name in the journal (``IMGPREP_STATION`` overrides it)."""
    import socket

    return os.environ.get("IMGPREP_STATION") or socket.gethostname()



def cancelled_key(sku: str) -> str:
    """The journal's meta key marking a shoot that a cancelled run left unfinished."""
    return f"cancelled:{sku.casefold()}"


@dataclass
class Run:
    j: Journal
    lib: Path
    o: BatchOptions
    progress: Progress
    cancel: threading.Event
    decisions: Decisions
    report: BatchReport
    mirror: Mirror
    render_pool: ThreadPoolExecutor
    standalone: bool = False  # a batch of its own, not the watcher's arrivals: says what it does
    colour: ColourSettings | None = None
    said: set[str] = field(default_factory=set)       # side files' problems said this run
    unlisted: set[str] = field(default_factory=set)   # SKUs not in the product sheet, said once

    @property
    def station(self) -> str:
        return station_name()

    @property
    def preset(self) -> Preset:
        return self.o.preset

    def backup_of(self, it: Item) -> str:
        return self.mirror.state([it.raw] + it.renditions + it.reports)

    def failed(self, it: Item, reason: Reason | str) -> Item:
        """``it`` failed with ``reason``: logged and told."""
        if isinstance(reason, Reason):
            it.set("failed", reason)
        else:
            it.status, it.reason = "failed", reason
        with self.j.tx():
            self.j.log("error", "failed", reason, sku=it.sku, source=it.source)
        self.progress({"event": "failed", "source": it.source, "sku": it.sku, **told(reason)})
        return it

    def unchanged_item(self, row: Any, source: str) -> Item:
        it = Item(source, row["sku"], "skipped", role=row["role"], raw=row["raw_path"])
        it.set("skipped", Reason.of("unchanged", name=Path(row["raw_path"]).stem))
        it.renditions = [f["path"] for f in self.j.files(row["id"], "jpg")]
        it.backup = self.backup_of(it)
        return it

    def known_item(self, rows: list[Any], src: str, sku: str) -> Item:
        """A source whose content the library has (``rows``: its sources, not failed):
        unchanged when one of them is this very file, else a duplicate (on record)."""
        same_path = [r for r in rows if r["source_path"] == src]
        if same_path:
            return self.unchanged_item(same_path[-1], src)
        r = rows[-1]
        it = Item(src, sku, "duplicate", Reason.of("duplicate-of-library", source=r["source_path"],
                                                    name=Path(r["raw_path"]).stem))
        with self.j.tx():
            self.j.log("info", "duplicate", it.why or "", sku=sku, source=src)
        return it

    def product(self, sku: str) -> Product | None:
        """The product sheet's facts for this SKU: from this run's sheet (kept in the
        journal for later runs, `check` and the app), else from an earlier run's."""
        cat = self.o.catalogue
        if cat is None:
            d = self.j.product(sku)
            return Product.from_dict(d) if d else None
        try:
            return cat[sku]
        except KeyError:
            if sku not in self.unlisted:  # said once per SKU, not once per frame
                msg = self.sheet_lacks(sku)
                with self.j.tx():
                    self.j.log("warning", "catalogue", msg, sku=sku)
                self.progress({"event": "unlisted", "sku": sku, **told(msg)})
                self.unlisted.add(sku)
            return None

    def sheet_lacks(self, sku: str, short: bool = False) -> Reason:
        """Why a SKU has no spec panel: not in this run's sheet (``short``: no file name),
        or not in the part of it that was read (named with the limit: it may be further down)."""
        cat = self.o.catalogue
        if cat is not None and getattr(cat, "cut_at_row", None):
            return Reason.of("not-in-sheet-cut", sku=sku, sheet=cat.source, limit=MAX_ROWS)
        return Reason.of("not-in-sheet", sku=sku) if short or cat is None else Reason.of(
            "not-in-sheet-file", sku=sku, sheet=cat.source)
