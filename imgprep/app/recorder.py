"""Recording what a frame became: its renditions' journal rows, its card's colour fit and
report, the shoot's colour state — one place for the batch (:func:`record_card`,
:func:`record_rendered`) and the app's services (:func:`rendition_rows`,
:func:`write_reports`). See docs/architecture.md.
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core import library
from ..core.errors import ImgprepError, InputError
from ..core.fsutil import write_or_adopt
from ..core.journal import Journal
from ..core.messages import ERROR_TEXT, Reason, error_reason, say
from ..core.naming import frame_stem, natural_key
from .annotations import glyph_warning
from .colour_hooks import report_files
from .faults import crash_point
from .frames import FrameOutcome
from .outcome import Item

if TYPE_CHECKING:
    from .run import Run


def rendition_rows(j: Journal, source_id: int, written: list[Any], watermark: bool) -> list[str]:
    """Journal a frame's rendered files (inside the caller's transaction); returns the
    notes they bring (a caption's glyphs the font lacks)."""
    notes = []
    for w in written:
        j.add_file(w.rel, w.sha256, w.size, "jpg", source_id, w.rendition, watermark,
                   {"quality": w.quality, "size": list(w.pixels), **w.facts})
        warning = glyph_warning(w.rel, w.facts)
        if warning:
            notes.append(warning)
    return notes


def write_reports(j: Journal, lib: Path, sku: str, source_id: int, doc: dict, name: str) -> list[str]:
    """Write a card's colour report files (``SKU/report/<name>…``) and journal them as
    files of ``source_id``; returns their library paths."""
    written = []
    for fname, data in report_files(doc, name).items():
        rel = library.in_folder(sku, "report", fname)
        sha, size = write_or_adopt(lib / rel, data)
        with j.tx():
            j.add_file(rel, sha, size, "report", source_id)
        written.append(rel)
    return written


def settle_colour_state(j: Journal, sku: str) -> None:
    """A shoot's colour state once its frames are done: corrected when a product frame
    has a fit, else uncorrected (a shoot with no product frame keeps its state)."""
    rows = [r for r in j.sources(sku) if r["kind"] == "product"]
    if rows:
        with j.tx():
            j.set_colour_state(sku, "corrected" if any(r["fit_id"] for r in rows) else "uncorrected")


def capture_key(row: Any) -> tuple:
    """Capture order of journal rows: EXIF time, then (at equal times) card before
    product, then file name — the order the frames were numbered in."""
    t = row["capture_time"]
    return (t is None, t or "", row["kind"] != "card", natural_key(Path(row["source_path"]).name))


def card_fits(j: Journal, sku: str) -> list[tuple[tuple, int, dict]]:
    """(capture key, fit id, fit) of the shoot's card frames, in capture order."""
    out = []
    for f in j.fits(sku):
        if f["card_source_id"] is None:
            continue
        card = j.source(f["card_source_id"])
        out.append((capture_key(card), f["id"], json.loads(f["fit"])))
    return sorted(out, key=lambda t: t[0])


def fit_for(row: Any, cards: list[tuple[tuple, int, dict]]) -> tuple[int | None, dict | None]:
    """The fit of the last card before the frame in capture order. A card without a
    capture time (EXIF stripped: a photo sent over WeChat) cannot be placed among dated
    frames; it serves the dated frames that no dated card precedes, rather than leaving
    them uncorrected under a passing colour verdict."""
    key = capture_key(row)
    before = [c for c in cards if c[0] < key] or [c for c in cards if c[0][0]][:1]
    return (before[-1][1], before[-1][2]) if before else (None, None)


def record_card(run: Run, row: Any, o: FrameOutcome) -> Item:
    """A reference-card frame: keep its fit in the journal and write its report."""
    j, sku = run.j, row["sku"]
    it = Item(row["source_path"], sku, "done", None, "card", row["raw_path"])
    if o.card is None:  # resumed card frame whose card is no longer trusted: keep it, say so
        it.notes.append(say("card-lost-on-resume"))
    elif not any(f["card_source_id"] == row["id"] for f in j.fits(sku)):
        _keep_fit(run, row, o.card, it)
    with j.tx():
        j.set_state(row["id"], "rendered")
    it.backup = run.backup_of(it)
    return it


def _keep_fit(run: Run, row: Any, card: dict, it: Item) -> None:
    j, sku = run.j, row["sku"]
    doc = dict(card["doc"], file=Path(row["raw_path"]).name)
    name = sku if row["seq"] == 1 else frame_stem(sku, row["seq"], card=True)
    try:
        it.reports = write_reports(j, run.lib, sku, row["id"], doc, name)
    except (OSError, ImgprepError) as e:
        it.reports = [f["path"] for f in j.files(row["id"], "report")]
        it.notes.append(say("colour-report-failed", detail=e))
    with j.tx():
        j.add_fit(sku=sku, card_source_id=row["id"], card_type=doc["card"]["type"], model=doc.get("model", ""),
                  fit=card["fit"], report=doc, station=run.station)
        for rel in it.reports:
            run.mirror.note(rel)
    for rel in it.reports:
        run.mirror.start(rel)
    s = doc.get("summary", {})
    verdict = "pass" if s.get("pass") else "FAIL"
    from ..core.colour.report import verdict_basis

    basis = verdict_basis(doc)  # leave-one-out; a grey card's in-sample
    it.notes.append(say("colour-result", before=f"{s['before']['mean']:.1f}", after=f"{s['after']['mean']:.1f}",
                        loo=f"{basis['mean']:.1f}", verdict=verdict) if s and basis else say("colour-card-found"))
    run.progress({"event": "colour", "source": row["source_path"], "sku": sku, "summary": s})


def record_rendered(run: Run, row: Any, o: FrameOutcome, fut: Future | None) -> Item:
    """Journal a product frame's renditions once written (or its failure, or that the
    run was cancelled before it was rendered)."""
    j, sku = run.j, row["sku"]
    it = Item(row["source_path"], sku, "done", None, row["role"], row["raw_path"])
    it.notes.extend(o.notes)
    if fut is None:
        return it.set("skipped", Reason.of("cancelled"))
    try:
        written = fut.result()
    except Exception as e:  # noqa: BLE001 - whatever fails one frame's rendering is that frame's failure
        reason = Reason.of("render-failed", detail=failure_reason(e))
        with j.tx():
            j.set_state(row["id"], "failed", reason)
            j.log("error", "failed", reason, sku=sku, source=row["source_path"])
        return it.set("failed", reason)
    with j.tx():
        it.notes += rendition_rows(j, row["id"], written, run.preset.watermark.enabled)
        j.set_state(row["id"], "rendered")
        for w in written:
            run.mirror.note(w.rel)
    crash_point("rendered")
    for w in written:
        run.mirror.start(w.rel)
    it.renditions = [w.rel for w in written]
    if run.colour is not None and not j.source(row["id"])["fit_id"]:
        it.notes.append(say("not-corrected"))
    if sku in run.unlisted and row["role"] == "hero":
        it.notes.append(str(run.sheet_lacks(sku, short=True)))
    it.backup = run.backup_of(it)
    run.progress({"event": "rendered", "source": row["source_path"], "sku": sku, "files": it.renditions})
    return it


def failure_reason(e: BaseException) -> Reason:
    """The one line a per-file failure is reported with, whatever raised it: our own
    reason, an OpenCV assertion without its source path, or the error's text."""
    why = getattr(e, "why", None)  # ours (InputError, FileOpError, the pool's crash) say why
    if isinstance(why, Reason):
        return why
    if isinstance(e, InputError):
        return Reason.of(ERROR_TEXT, detail=e.reason)
    text = str(e).strip()
    if type(e).__module__.startswith("cv2"):  # "OpenCV(5.0) /src/…/thresh.cpp:1908: error: (-215:…) …"
        return Reason.of("image-step-failed", detail=text.rpartition(" error: ")[2] or text)
    return error_reason(e)
