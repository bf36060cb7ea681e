"""Slates read by the frame analysis instead of before it (docs/workflow.md, SKU slates).

A shoot whose folder already names a valid SKU is planned under that name at once, and
its first frame's analysis reads the QR slate from the decode it makes anyway: intake
would otherwise decode that frame a second time before any worker starts, a fifth of a
second on every batch. A camera's own folder ('100CANON', :func:`intake.camera_folder`)
is the exception: its first frame is a slate more often than not, and intake reads it.
The shoot's frames are named (journaled) only once the answer is in, so nothing is ever
recorded under a name a slate then changes:

- no slate: nothing changes;
- a slate of the same SKU: it and its twin (RAW + JPEG) leave the frames;
- a slate naming another SKU: whatever was analysed under the folder's name is dropped
  (its staged copies removed) and the shoots of that name run again in a second pass,
  renamed.

A shoot a slate named (read up front, or renamed here) may hold more products: a
tethered camera writes them all into one folder, slate, frames, slate, frames… Each of
its frames is looked at for a slate by its own analysis (the same decode, no second
one), and the frames are named in capture order as ever; a slate met on the way starts a
new shoot of the frames after it (:class:`_Later`), under its SKU — the same SKU again
is only skipped. No frame is named before every frame before it is analysed, so none is
ever named under a SKU a later slate changes. A folder that its own name names (no slate
as its first frame) is not looked at further: a QR search on every frame of every batch
(about 22 ms a frame, docs/throughput.md) for a case its workflow does not have.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core import library
from ..core.fsutil import discard
from .frames import FrameJob, FrameOutcome, SlateFound
from .intake import Shoot, apply_slate, nfc, shot_key
from .outcome import Item


class _Skipped:
    def __repr__(self) -> str:
        return "SKIPPED"


SKIPPED: Any = _Skipped()  # a result that is not a frame of its shoot: passed over


def drop(result: Any) -> None:
    """Remove what an analysis staged for a result that will not be used."""
    if isinstance(result, FrameOutcome) and result.staged:
        discard(result.staged)


Order = Callable[[Path], tuple[tuple, bool]]  # a frame's (capture-order key, no capture time)


class _Later:
    """A slate-named shoot whose frames are looked at for later slates: the shoot its
    next frames join (the last slate's), and where each frame is in capture order."""

    def __init__(self, sh: Shoot, order: Order):
        self.current = sh
        self.order = order
        self.twins: dict[str, list[str]] = {}  # a frame → the other frames of its shot (JPEG + TIFF)

    def place(self, shot: list[Path]) -> tuple:
        """A shot's place in capture order: a file without a capture time (a TIFF saved
        from the JPEG) is placed by its file time, maybe far from its twin; the dated one
        says where the shot was taken."""
        keys = [self.order(f) for f in shot]
        return min((k for k, undated in keys if not undated), default=min(k for k, _ in keys))


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
        # slates found, to report: the shoot each named, its items, and the shoot whose
        # frames after it left for it (a later slate; None: the slate named its folder)
        self.items: list[tuple[Shoot, list[Item], str | None]] = []
        self.later: dict[str, _Later] = {}             # a slate-named shoot's frame → its shoot's split
        self.answers: dict[str, str | None] = {}       # such a frame analysed → the SKU of its slate, if one
        self.born: list[Shoot] = []                    # shoots later slates started
        self.moved: set[str] = set()                   # planned SKUs some of whose frames went to another

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

    def watch(self, sh: Shoot, fresh: list[Path], order: Order) -> set[str]:
        """Register a shoot a slate named: its ``fresh`` frames (the ones analysed in this
        pass) are looked at for later slates. Returns their paths."""
        split = _Later(sh, order)
        shots: dict[tuple[Path, str], list[str]] = {}
        for f in fresh:
            self.later[str(f)] = split
            shots.setdefault(shot_key(f), []).append(str(f))
        for group in shots.values():
            for p in group:
                split.twins[p] = [q for q in group if q != p]
        return set(map(str, fresh))

    def routable(self, job: FrameJob) -> bool:
        """Whether a frame may be named: a frame of a slate-named shoot waits for the
        other frames of its shot (either may be the one the QR code is read from)."""
        split = self.later.get(job.path)
        return split is None or all(p in self.answers for p in split.twins[job.path])

    def route(self, sku: str, results: list[tuple[FrameJob, Any, Any]]) -> list[tuple[str, list[tuple[FrameJob, Any, Any]]]]:
        """The next frames of the plan of ``sku``, in capture order, by the SKU each is
        named under: a slate-named shoot's later slates leave the frames and start a new
        shoot (:meth:`_split`, reported through :attr:`items`)."""
        out: list[tuple[str, list[tuple[FrameJob, Any, Any]]]] = []
        for job, row, res in results:
            split = self.later.get(job.path) if row is None else None
            target = sku
            if split is not None:
                shot = [job.path, *split.twins[job.path]]
                found = next((self.answers[p] for p in shot if self.answers.get(p)), None)
                if found:
                    drop(res)  # a slate: nothing of it is kept (a twin not read as one may have staged a copy)
                    files = [Path(p) for p in shot]
                    if split.order(Path(job.path))[0] == split.place(files):  # else it leaves with its twin
                        self._split(split, files, self.canonical(found))
                    continue
                target = split.current.sku  # type: ignore[assignment]
                if target != sku:
                    self.moved.add(sku)
            if out and out[-1][0] == target:
                out[-1][1].append((job, row, res))
            else:
                out.append((target, [(job, row, res)]))
        return out

    def _split(self, split: _Later, shot: list[Path], sku: str) -> None:
        """A later slate (``shot``: its frames, the one at its place first) of ``sku``:
        it, its twins and companions leave the current shoot, which keeps the frames
        before it in capture order; the frames after it make the new shoot."""
        cur, at, first = split.current, split.place(shot), shot[0]
        keys = {shot_key(f) for f in shot}
        after = [f for f in cur.files if shot_key(f) not in keys and split.order(f)[0] > at]
        new = Shoot(sku, cur.folder, [first, *[f for f in cur.files if shot_key(f) in keys and f != first], *after])
        keys |= {shot_key(f) for f in after}
        new.companions = [f for f in cur.companions if shot_key(f) in keys]
        cur.files = [f for f in cur.files if f not in new.files]
        cur.companions = [f for f in cur.companions if f not in new.companions]
        self.items.append((new, apply_slate(new, sku), cur.sku))
        self.born.append(new)
        split.current = new

    def blocked(self, sku: str) -> bool:
        """Its frames may not be named yet: a slate candidate is still being analysed."""
        return bool(self.waiting.get(sku))

    def seen(self, sku: str, job: FrameJob, result: Any) -> Any:
        """A result came in: the result to keep for it (:data:`SKIPPED` for none)."""
        if job.path in self.later:
            self.answers[job.path] = result.sku if isinstance(result, SlateFound) else None
        elif job.slate:
            self.waiting[sku].discard(job.path)
            sh = next(s for s in self.shoots[sku] if s.slate_pending and str(s.files[0]) == job.path)
            sh.slate_pending = False
            if isinstance(result, SlateFound):
                self.found.setdefault(sku, []).append((sh, result.sku))
            if not self.waiting[sku]:
                self._decide(sku)
        if sku in self.rerun or nfc(job.path) in self.skip or \
                (isinstance(result, SlateFound) and job.path not in self.later):
            drop(result)
            return SKIPPED
        return result  # a later slate stays in its place in the order: :meth:`route` takes it out

    def _decide(self, sku: str) -> None:
        for sh, slate_sku in self.found.pop(sku, []):
            items = apply_slate(sh, slate_sku)
            self.items.append((sh, items, None))
            if self.canonical(slate_sku) != sku:
                self.rerun.add(sku)
            self.skip.update(it.source for it in items)  # the slate and its twin

    def purge(self, sku: str, ready: dict[int, tuple[FrameJob, Any, Any]]) -> None:
        """Apply a decision to the results that came in before it."""
        for i, (job, row, res) in list(ready.items()):
            if res is not SKIPPED and (sku in self.rerun or nfc(job.path) in self.skip):
                drop(res)
                ready[i] = (job, row, SKIPPED)

    def tidy(self, lib: Path) -> None:
        """The library folders made for a slate-named shoot whose frames all went to later
        slates' SKUs (a slate shot twice in a row) are removed if they stayed empty."""
        for sku in sorted(self.moved):
            _remove_empty(lib, sku)

    def again(self, lib: Path) -> list[Shoot]:
        """The shoots to run again (renamed by their slates); the folders made for them
        under their old name are removed if they stayed empty."""
        out = []
        for sku in sorted(self.rerun):
            _remove_empty(lib, sku)
            out += self.shoots[sku]
        return out


def _remove_empty(lib: Path, sku: str) -> None:
    for sub in library.SKU_FOLDERS:
        _rmdir_quiet(lib / library.folder(sku, sub))
    _rmdir_quiet(lib / library.sku_root(sku))


def _rmdir_quiet(p: Path) -> None:
    try:
        os.rmdir(p)  # only when empty: another station's or an earlier run's files stay
    except OSError:
        pass
