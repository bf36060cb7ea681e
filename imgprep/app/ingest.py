"""Ingest: analysed frames into the library, in capture order — the stages dedupe
(:func:`dedupe`), number (:func:`number`) and ingest (:func:`ingest`), plus what an
interrupted run left (:func:`resume_plan`) and the check that a source recorded as done
still has its library copy (:func:`undone`).

The journal is written before and after each step that touches the disk, so an
interrupted run resumes without duplicates or gaps. See docs/architecture.md.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..core import library
from ..core.errors import FileOpError, InputError
from ..core.fsutil import FileExists, copy_new, discard, hash_file, move_new, publish, real_dir
from ..core.journal import Journal
from ..core.messages import Reason, error_reason
from ..core.naming import frame_stem, natural_key, next_free
from .faults import crash_point
from .frames import FrameJob, FrameOutcome
from .intake import nfc
from .outcome import Item, told
from .recorder import failure_reason
from .run import Run
from .sidefiles import product_numbers

# A reference card's 24 patches cannot be read in fewer pixels than this (long side);
# the card detector's filters need about this many as well.
CARD_MIN_EDGE = 100


def order_time(t: datetime | None, mtime_s: float) -> str:
    """A frame's time in capture order: its EXIF capture time, else (a PNG, a TIFF, an
    exported file) its file's modification time, so it takes its place among the dated
    frames instead of after all of them."""
    return (t or datetime.fromtimestamp(mtime_s)).isoformat()


def header(path: Path) -> tuple[tuple, bool, bool]:
    """From the file's header alone: its capture-order key (the same EXIF the decoder
    reads), whether it is large enough to be looked at for a reference card, and whether
    it has no capture time."""
    from ..core.imaging.load import probe

    try:
        _, size, t = probe(path)
    except (InputError, OSError):
        # A bad file fails in its worker: its place in the order does not matter.
        size, t = (CARD_MIN_EDGE, CARD_MIN_EDGE), None
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    return (order_time(t, mtime), natural_key(path.name)), max(size) >= CARD_MIN_EDGE, t is None


def capture_order(o: FrameOutcome) -> tuple:
    return order_time(o.capture_time, o.mtime_ns / 1e9), natural_key(Path(o.path).name)


def row_order(row: Any) -> tuple:
    """Capture order of journal rows as they were numbered: capture time (else the
    file's modification time), card before product, then file name."""
    t = row["capture_time"] or datetime.fromtimestamp(row["mtime_ns"] / 1e9).isoformat()
    return t, row["kind"] != "card", natural_key(Path(row["source_path"]).name)


# ---------------------------------------------------------------------------- dedupe
def split_results(run: Run, sku: str, results: list[tuple[FrameJob, Any, Any]]
                  ) -> tuple[list[Item], list[FrameOutcome], list[tuple[Any, FrameOutcome]]]:
    """The workers' results: (failed items, fresh frames in capture order, resumed rows)."""
    items: list[Item] = []
    fresh: list[FrameOutcome] = []
    resumed: list[tuple[Any, FrameOutcome]] = []
    for job, row, res in results:
        src = row["source_path"] if row is not None else nfc(job.path)
        if isinstance(res, BaseException):
            reason = failure_reason(res)
            items.append(Item(src, sku, "failed", reason))
            with run.j.tx():
                if row is not None:
                    run.j.set_state(row["id"], "failed", reason)
                run.j.log("error", "failed", reason, sku=sku, source=src)
            run.progress({"event": "failed", "source": src, "sku": sku, **told(reason)})
        elif row is not None:
            resumed.append((row, res))
        else:
            fresh.append(res)
    return items, sorted(fresh, key=capture_order), resumed


def dedupe(run: Run, sku: str, fresh: list[FrameOutcome]) -> tuple[list[Item], list[FrameOutcome], dict[int, Any]]:
    """(items of the frames not taken, the frames taken, id(frame) → its failed journal
    row for a frame taken again). A failed ingest or render is not in the library: it is
    retried, under the number it was given, until it succeeds (never "unchanged", never a
    duplicate); so is one done before whose library copy no longer verifies."""
    j = run.j
    items: list[Item] = []
    accepted: list[FrameOutcome] = []
    retries: dict[int, Any] = {}
    seen: dict[str, str] = {}
    for o in fresh:
        src = nfc(o.path)
        problem = _unreadable(run, sku, o, src)
        if problem is not None:
            items.append(Item(src, sku, "failed", problem))
            continue
        rows = j.sources_by_sha(o.sha256)
        prior = [r for r in rows if r["state"] != "failed"]
        failed = [r for r in rows if r["state"] == "failed" and r["source_path"] == src]
        if failed and not prior and o.sha256 not in seen:
            retries[id(o)] = failed[-1]
        elif prior or o.sha256 in seen:
            if o.staged:
                discard(o.staged)
            items.append(run.known_item(prior, src, sku) if prior else
                         Item(src, sku, "duplicate", Reason.of("duplicate-in-batch", source=seen[o.sha256])))
            continue
        seen[o.sha256] = src
        accepted.append(o)
    return items, accepted, retries


def _unreadable(run: Run, sku: str, o: FrameOutcome, src: str) -> Reason | None:
    """Why a frame is failed before it is named: it changed while read, or it was done
    before and its damaged library copy could not be put aside."""
    changed = changed_while_read(o)
    if changed:
        with run.j.tx():
            run.j.log("error", "failed", changed, sku=sku, source=src)
        run.progress({"event": "failed", "source": src, "sku": sku, **told(changed)})
    else:
        undone = [undone_row(run, r) for r in run.j.sources_by_sha(o.sha256)
                  if r["state"] == "rendered" and r["source_path"] == src]
        stuck = [p[0] for p in undone if p is not None and not p[1]]
        changed = stuck[0] if stuck else None  # its damaged copy could not be put aside: it stays
    if changed and o.staged:
        discard(o.staged)
    return changed


# ---------------------------------------------------------------------------- number
@dataclass
class Claim:
    """A frame's place in the library: its sources row and original's path."""

    o: FrameOutcome
    sid: int
    raw_rel: str
    is_card: bool
    again: bool  # a failed source taken again under its number


def number(run: Run, sku: str, accepted: list[FrameOutcome], retries: dict[int, Any]
           ) -> tuple[list[Item], list[tuple[Any, FrameOutcome]]]:
    """Name the frames in capture order and ingest each (its number reserved first, under
    the naming lock); the hero is the first product frame unless the shoot has one."""
    j = run.j
    with j.tx():
        j.ensure_shoot(sku)
    products = [o for o in accepted if o.card is None]
    hero_idx = run.decisions.choose_hero(sku, products) if products and j.shoot(sku)["hero_id"] is None else None
    hero = products[hero_idx] if hero_idx is not None else None
    used = {"product": product_numbers(run, sku),
            "card": j.used_seqs(sku, "card") | library.numbers_on_disk(run.lib, sku, "card")}
    items: list[Item] = []
    todo: list[tuple[Any, FrameOutcome]] = []
    for o in accepted:
        again = retries.get(id(o))
        claim = _retry(j, o, again) if again is not None else _reserve(run, sku, o, used, o is hero)
        if not isinstance(claim, Claim):
            if o.staged:
                discard(o.staged)
            items.append(run.known_item(claim, nfc(o.path), sku))
            continue
        failed = ingest(run, sku, claim)
        if failed is not None:
            items.append(failed)
        else:
            todo.append((j.source(claim.sid), o))
    return items, todo


def _retry(j: Journal, o: FrameOutcome, again: Any) -> Claim | list[Any]:
    with j.tx():
        if not j.retry(again["id"], o.size, o.mtime_ns):  # another station took it again first
            return [j.source(again["id"])]
    return Claim(o, again["id"], again["raw_path"], again["kind"] == "card", True)


def _reserve(run: Run, sku: str, o: FrameOutcome, used: dict[str, set[int]], hero: bool) -> Claim | list[Any]:
    """Reserve the next free number; the rows that claimed the same content first, if any."""
    j = run.j
    kind = "card" if o.card is not None else "product"
    crash_point("staged")
    with j.tx():
        # The claim and the number under one lock: another station may have claimed this
        # file, or taken numbers, since the check above.
        j.lock("naming")
        claimed = [r for r in j.sources_by_sha(o.sha256) if r["state"] != "failed"]
        if claimed:
            return claimed
        used[kind] |= j.used_seqs(sku, kind)
        seq = next_free(used[kind])
        used[kind].add(seq)
        role = "card" if kind == "card" else ("hero" if hero and j.shoot(sku)["hero_id"] is None else "detail")
        raw_rel = library.original(sku, frame_stem(sku, seq, card=kind == "card"), Path(o.path).suffix.lower(),
                                   card=kind == "card")
        sid = j.reserve(sku=sku, kind=kind, seq=seq, source_path=nfc(o.path), size=o.size,
                        mtime_ns=o.mtime_ns, sha256=o.sha256,
                        capture_time=o.capture_time.isoformat() if o.capture_time else None,
                        role=role, raw_path=raw_rel)
        if role == "hero":
            j.set_hero(sku, sid)
    return Claim(o, sid, raw_rel, kind == "card", False)


# ---------------------------------------------------------------------------- ingest
def ingest(run: Run, sku: str, c: Claim) -> Item | None:
    """Publish the frame's original (the worker's staged copy, else a copy of the source)
    under its reserved name; None when it is in the library, else its failed item."""
    j, o, dest = run.j, c.o, run.lib / c.raw_rel
    try:
        if o.staged:
            dest.parent.mkdir(parents=True, exist_ok=True)
            publish(o.staged, dest)
        else:
            copy_new(o.path, dest, expect_sha256=o.sha256)
    except FileExists:
        try:  # a retry, or a run that stopped after publishing: the same bytes are adopted
            same = hash_file(dest) == o.sha256
        except OSError:
            same = False
        reason = None if same else (take_again(run, o, c.raw_rel) if c.again
                                    else Reason.of("exists-other-content", path=c.raw_rel))
        if reason is not None:
            return _ingest_failed(j, sku, c, reason)
    except (OSError, FileOpError) as e:
        return _ingest_failed(j, sku, c, error_reason(e))
    crash_point("published")
    with j.tx():
        j.add_file(c.raw_rel, o.sha256, o.size, "card" if c.is_card else "raw", c.sid)
        j.set_state(c.sid, "ingested")
        run.mirror.note(c.raw_rel)
    crash_point("ingested")
    run.mirror.start(c.raw_rel)
    run.progress({"event": "ingested", "source": nfc(o.path), "sku": sku, "file": c.raw_rel})
    return None


def _ingest_failed(j: Journal, sku: str, c: Claim, reason: Reason) -> Item:
    with j.tx():
        j.set_state(c.sid, "failed", reason)
    return Item(nfc(c.o.path), sku, "failed", reason)


def changed_while_read(o: FrameOutcome) -> Reason | None:
    """Why a frame's read cannot be trusted: its source's size or time differs now from
    when the worker began (it was being written), or the copy is not the size the source
    had then. None when source, copy and hash agree."""
    try:
        st = os.stat(o.path)
        staged = os.stat(o.staged).st_size if o.staged else o.size
    except OSError as e:
        return Reason.of("cannot-read", detail=e.strerror or str(e))
    if (st.st_size, st.st_mtime_ns) != (o.size, o.mtime_ns) or staged != o.size:
        return Reason.of("changed-while-reading")
    return None


# ---------------------------------------------------------------------------- resume
def resume_plan(run: Run) -> list[tuple[Any, FrameJob]]:
    """Rows an interrupted run left reserved or ingested: finish them first."""
    out = []
    for row in run.j.take_unfinished():
        raw = run.lib / row["raw_path"]
        if row["state"] == "reserved" and not _resume_copy(run, row, raw):
            continue
        job = FrameJob(str(raw), run.preset.renditions, run.colour if row["kind"] == "card" else None, hash=False)
        out.append((run.j.source(row["id"]), job))
    return out


def _resume_copy(run: Run, row: Any, raw: Path) -> bool:
    """A reserved row's original into the library (copied again if missing), verified."""
    j = run.j
    if not raw.exists():
        try:
            copy_new(Path(row["source_path"]), raw, expect_sha256=row["sha256"])
        except (OSError, FileOpError) as e:
            with j.tx():
                j.set_state(row["id"], "failed", f"resume: {e}")
            run.report.items.append(Item(row["source_path"], row["sku"], "failed", f"resume: {e}"))
            return False
    if hash_file(raw) != row["sha256"]:
        with j.tx():
            j.set_state(row["id"], "failed", "library copy does not match the source hash")
        return False
    with j.tx():
        j.add_file(row["raw_path"], row["sha256"], raw.stat().st_size,
                   "card" if row["kind"] == "card" else "raw", row["id"])
        j.set_state(row["id"], "ingested")
        if run.mirror.target:
            j.queue_backup(row["raw_path"], run.mirror.target.key)
    return True


# ---------------------------------------------------------------------------- library copies
def undone_row(run: Run, row: Any) -> tuple[Reason, bool] | None:
    """A source recorded as done is done only while its library copy verifies: if it
    does not, the source is failed (on record) with :func:`library_copy_problem`'s
    reason, and taken again when that says so."""
    problem = library_copy_problem(run.lib, row)
    if problem is not None:
        with run.j.tx():
            run.j.set_state(row["id"], "failed", problem[0])
            run.j.log("error", "failed", problem[0], sku=row["sku"], source=row["source_path"])
    return problem


def library_copy_problem(lib: Path, row: Any) -> tuple[Reason, bool] | None:
    """Why a source recorded as done is not, and whether it can be taken again: its
    library copy is gone, or no longer hashes as recorded (then it is moved aside to
    SKU/superseded/, never overwritten). None while the copy verifies."""
    raw = lib / row["raw_path"]
    try:
        if raw.stat().st_size == row["size"] and hash_file(raw) == row["sha256"]:
            return None
    except FileNotFoundError:
        return Reason.of("missing-from-library"), True
    except OSError as e:
        return Reason.of("library-copy-unreadable", path=row["raw_path"], detail=e.strerror or str(e)), False
    try:
        aside = put_aside(lib, row["raw_path"])
    except (OSError, FileOpError) as e:
        return Reason.of("library-copy-not-moved", path=row["raw_path"], detail=error_reason(e)), False
    return Reason.of("library-copy-changed", path=row["raw_path"], aside=aside), True


def put_aside(lib: Path, rel: str) -> str:
    """Move a library file that is not what the journal says out of the way, to
    SKU/superseded/ (never deleted, never overwritten); returns its new name."""
    aside = _aside_name(real_dir(lib, library.folder(library.sku_of(rel), "superseded")), Path(rel).name)
    move_new(lib / rel, aside)
    return aside.relative_to(lib).as_posix()


def take_again(run: Run, o: FrameOutcome, raw_rel: str) -> Reason | None:
    """A retried source's own name holds other bytes (its copy, changed or damaged,
    found by an earlier run): that file is put aside and the source copied again.
    None when done, else why not."""
    try:
        aside = put_aside(run.lib, raw_rel)
    except (OSError, FileOpError) as e:
        return Reason.of("library-copy-not-moved", path=raw_rel, detail=error_reason(e))
    with run.j.tx():
        run.j.log("info", "superseded", f"{raw_rel} → {aside}", source=nfc(o.path))
    try:
        copy_new(o.path, run.lib / raw_rel, expect_sha256=o.sha256)
    except FileExists:
        return Reason.of("exists-other-content", path=raw_rel)
    except (OSError, FileOpError) as e:
        return error_reason(e)
    return None


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
