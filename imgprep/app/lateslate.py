"""Slates read by the frame analysis instead of before it (docs/workflow.md, SKU slates).

A shoot whose folder already names a valid SKU is planned under that name at once, and
its first frame's analysis reads the QR slate from the decode it makes anyway: intake
would otherwise decode that frame a second time before any worker starts, a fifth of a
second on every batch. The shoot's frames are named (journaled) only once the answer is
in, so nothing is ever recorded under a name a slate then changes:

- no slate: nothing changes;
- a slate of the same SKU: it and its twin (RAW + JPEG) leave the frames;
- a slate naming another SKU: whatever was analysed under the folder's name is dropped
  (its staged copies removed) and the shoots of that name run again in a second pass,
  renamed. Rare: a studio that shoots slates names its folders by camera (100CANON),
  and those slates are read up front, as a folder without a valid name needs one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..core import library
from ..core.fsutil import discard
from .frames import FrameJob, FrameOutcome, SlateFound
from .intake import Shoot, apply_slate, nfc
from .outcome import Item


class _Skipped:
    def __repr__(self) -> str:
        return "SKIPPED"


SKIPPED: Any = _Skipped()  # a result that is not a frame of its shoot: passed over


def drop(result: Any) -> None:
    """Remove what an analysis staged for a result that will not be used."""
    if isinstance(result, FrameOutcome) and result.staged:
        discard(result.staged)


class LateSlates:
    """The slates of one frame pass, keyed by the SKU the shoots were planned under."""

    def __init__(self, canonical: Any):
        self.canonical = canonical                     # the journal's spelling of a SKU
        self.waiting: dict[str, set[str]] = {}         # planned SKU → candidates not yet analysed
        self.shoots: dict[str, list[Shoot]] = {}       # planned SKU → every shoot planned under it
        self.found: dict[str, list[tuple[Shoot, str]]] = {}
        self.skip: set[str] = set()                    # sources that left the frames (slates, twins)
        self.rerun: set[str] = set()                   # planned SKUs whose shoots run again
        self.said: dict[str, list[Item]] = {}          # planned SKU → the items its plan reported
        self.items: list[tuple[Shoot, list[Item]]] = []  # slates found, to report

    def plan(self, sku: str, sh: Shoot, planned: bool) -> str | None:
        """Register a shoot planned under ``sku``; the path of its slate candidate, if any.
        ``planned``: its first frame is analysed in this pass (one the journal has as a
        frame already is no slate)."""
        self.shoots.setdefault(sku, []).append(sh)
        if not (sh.slate_pending and planned):
            sh.slate_pending = False
            return None
        first = str(sh.files[0])
        self.waiting.setdefault(sku, set()).add(first)
        return first

    def blocked(self, sku: str) -> bool:
        """Its frames may not be named yet: a slate candidate is still being analysed."""
        return bool(self.waiting.get(sku))

    def seen(self, sku: str, job: FrameJob, result: Any) -> Any:
        """A result came in: the result to keep for it (:data:`SKIPPED` for none)."""
        if job.slate:
            self.waiting[sku].discard(job.path)
            sh = next(s for s in self.shoots[sku] if s.slate_pending and str(s.files[0]) == job.path)
            sh.slate_pending = False
            if isinstance(result, SlateFound):
                self.found.setdefault(sku, []).append((sh, result.sku))
            if not self.waiting[sku]:
                self._decide(sku)
        if sku in self.rerun or nfc(job.path) in self.skip or isinstance(result, SlateFound):
            drop(result)
            return SKIPPED
        return result

    def _decide(self, sku: str) -> None:
        for sh, slate_sku in self.found.pop(sku, []):
            items = apply_slate(sh, slate_sku)
            self.items.append((sh, items))
            if self.canonical(slate_sku) != sku:
                self.rerun.add(sku)
            self.skip.update(it.source for it in items)  # the slate and its twin

    def purge(self, sku: str, ready: dict[int, tuple[FrameJob, Any, Any]]) -> None:
        """Apply a decision to the results that came in before it."""
        for i, (job, row, res) in list(ready.items()):
            if res is not SKIPPED and (sku in self.rerun or nfc(job.path) in self.skip):
                drop(res)
                ready[i] = (job, row, SKIPPED)

    def again(self, lib: Path) -> list[Shoot]:
        """The shoots to run again (renamed by their slates); the folders made for them
        under their old name are removed if they stayed empty."""
        out = []
        for sku in sorted(self.rerun):
            for sub in library.SKU_FOLDERS:
                _rmdir_quiet(lib / library.folder(sku, sub))
            _rmdir_quiet(lib / library.sku_root(sku))
            out += self.shoots[sku]
        return out


def _rmdir_quiet(p: Path) -> None:
    try:
        os.rmdir(p)  # only when empty: another station's or an earlier run's files stay
    except OSError:
        pass
