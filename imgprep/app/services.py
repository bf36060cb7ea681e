"""Small Qt-free services the desktop app needs on top of the engine.

Read side: shoots with their state, frames with their files, colour fits and the drift
trend, a product sheet against the library — all read from the journal, never cached.

Write side (each under the library lock, so never at the same time as a batch): mark the
hero, edit a selling-point callout (the shoot's ``callouts.toml`` sidecar), fit colour from
four clicked card corners.

Naming (core/library.py, docs/architecture.md): the *originals'* names ``raw/SKU-NN`` are final once ingested
— the journal, the backup mirror and designers' PSDs refer to them — so frames are never
renumbered after ingest. The hero is a role, not a number. A rendition is derived from
its original and shares its stem; since nothing in the library or the backup is ever
overwritten, a re-rendered frame gets the next *revision* name (``SKU-NN-r2.jpg``) and the
superseded rendition leaves the library (the backup keeps it). So after re-marking the
hero, every upload file still starts with its original's ``SKU-NN`` and the journal says
which one is the hero. Reordering details means choosing which selling point each detail
carries; that is stored in the sidecar, which survives re-runs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..core import library as layout
from ..core.catalogue import Product
from ..core.errors import ConfigError, FileOpError, ImgprepError
from ..core.fsutil import move_new, write_replace
from ..core.journal import Journal, JournalNotReady, has_journal, library_lock
from ..core.messages import Reason
from ..core.naming import next_revision, revision_of, revision_stem
from ..core.presets import ANCHORS, Preset, load_preset
from .annotations import (
    MAX_CALLOUT_TEXT,
    SIDECAR,
    CalloutOverride,
    detail_order,
    glyph_warning,
    load_callouts,
    plan_for,
)


@contextmanager
def _reading(library: str | Path | None) -> Iterator[Journal | None]:
    """The journal opened for reading, or None while there is none to read: no library,
    no journal yet, or a writer still creating or upgrading it (the app reads while its
    worker opens a new library)."""
    if not has_journal(library):
        yield None
        return
    try:
        j = Journal(library, readonly=True)  # type: ignore[arg-type]
    except JournalNotReady:
        yield None
        return
    with j:
        yield j


# ---------------------------------------------------------------------------- shoots
@dataclass
class ShootRow:
    """One shoot as the app lists it (all from the journal)."""

    sku: str
    frames: int = 0            # product frames
    cards: int = 0
    rendered: int = 0
    failed: int = 0
    unfinished: int = 0
    state: str = "done"        # done | failed | cancelled | unfinished | attention (rule-book problems) | empty
    hero: str | None = None    # library-relative path of the hero's first rendition
    colour: str | None = None  # pass | fail | None (no fit)
    de_after: float | None = None
    days_left: int | None = None
    backup: str = "off"        # verified | pending | off
    backup_pending: int = 0
    problems: list[str] = field(default_factory=list)
    reasons: list[Reason | str] = field(default_factory=list)  # the problems as reasons, for the app
    first_ingest: str = ""
    cancelled: str | None = None  # "done/total" photos when a cancelled run left the shoot unfinished
    uncorrected: int = 0          # rendered product frames without a colour fit while the shoot has one


_OWN_COLUMNS = {"backup", "3-day", "colour"}


def list_shoots(library: str | Path, today: date | None = None) -> list[ShootRow]:
    """Every shoot of the library with its state, colour verdict, 3-day rule and backup."""
    lib = Path(library)
    if not has_journal(lib):
        return []
    from .check import SkuRows, check_in
    from .run import cancelled_key

    out: list[ShootRow] = []
    with Journal(lib) as j:  # read-write, as `imgprep check` opens it: an older journal is upgraded
        roots = j.backup_roots()
        rows = SkuRows.of_all(j)  # once for every shoot: a query per shoot took seconds at 2000
        checks = {c.sku.casefold(): c for c in check_in(j, lib, today=today, disk=False, shot_only=True,
                                                        rows=rows)}  # no re-hash per refresh
        last_fit = {f["sku"].casefold(): f for f in j.fits()}  # ordered by id: the last one stays
        first_jpg: dict[int, str] = {}  # each frame's first rendition, by path
        for files in rows.files.values():
            for f in files:
                if f["kind"] == "jpg":
                    first_jpg.setdefault(f["source_id"], f["path"])
        for sh in j.shoots():
            sku = sh["sku"]
            row = ShootRow(sku, first_ingest=sh["first_ingest"])
            for s in rows.sources.get(sku.casefold(), []):
                if s["kind"] == "card":
                    row.cards += 1
                else:
                    row.frames += 1
                if s["state"] == "rendered":
                    row.rendered += 1
                    row.uncorrected += s["kind"] == "product" and s["fit_id"] is None
                elif s["state"] == "failed":
                    row.failed += 1
                else:
                    row.unfinished += 1
            c = checks.get(sku.casefold())
            if c is not None:
                row.days_left = c.days_left
                row.problems, row.reasons = [p["message"] for p in c.problems], list(c.reasons)
                row.failed = sum(p["rule"] == "failed" for p in c.problems)  # refused photos too
            row.cancelled = rows.cancelled.get(cancelled_key(sku)) or None
            # Shown in their own columns, so they do not make the shoot unfinished.
            rules = {p["rule"] for p in c.problems} - _OWN_COLUMNS if c is not None else set()
            row.state = ("failed" if row.failed else "cancelled" if row.cancelled
                         else "unfinished" if row.unfinished else "empty" if not row.frames + row.cards
                         else "attention" if rules else "done")
            files = rows.files.get(sku, [])
            if sh["hero_id"] is not None:
                row.hero = first_jpg.get(sh["hero_id"])
            fit = last_fit.get(sku.casefold())
            if fit is not None:
                row.colour = "pass" if fit["passed"] else "fail"
                row.de_after = fit["de_after_mean"]
            else:
                row.uncorrected = 0  # no card at all: the colour column says so
            if roots:
                pending = sum(1 for f in files if f["kind"] != "report"
                              and any((f["path"], r) not in rows.verified for r in roots))
                row.backup, row.backup_pending = ("pending" if pending else "verified"), pending
            out.append(row)
    return out


@dataclass
class FrameRow:
    id: int
    sku: str
    seq: int
    stem: str
    kind: str
    role: str
    state: str
    reason: Reason | str | None  # a failure's reason (str: from a journal written before codes were kept)
    source_name: str
    source_path: str
    raw: str
    renditions: list[str]
    callout: dict[str, Any] | None = None   # text, anchor (fractions), from the facts
    has_panel: bool = False
    psd: str | None = None                  # library path of the frame's designer PSD (newest revision)
    companions: list[str] = field(default_factory=list)  # the shot's other files (RAW + JPEG camera)
    warnings: list[str] = field(default_factory=list)    # e.g. characters left out of a panel or callout
    fit_id: int | None = None                            # the colour fit its renditions were made with


def shoot_frames(library: str | Path, sku: str) -> list[FrameRow]:
    """The frames of one shoot in sequence order (cards last), with their files."""
    from ..core.naming import frame_stem

    out: list[FrameRow] = []
    with _reading(library) as j:
        if j is None:
            return out
        for s in j.sources(sku):
            files = j.files(s["id"], "jpg")
            callout, panel, warnings = None, False, []
            for f in files:
                facts = json.loads(f["facts"] or "{}")
                panel = panel or "panel" in facts
                warnings += [w for w in [glyph_warning(f["path"], facts)] if w]
                c = facts.get("callout")
                if c and callout is None:
                    w, h = (facts.get("size") or [0, 0])[:2]
                    anchor = c.get("anchor")
                    frac = [anchor[0] / max(1, w - 1), anchor[1] / max(1, h - 1)] if anchor and w and h else None
                    callout = {"text": c.get("text"), "anchor": frac}
            psds = [f["path"] for f in j.files(s["id"], "psd")]
            out.append(FrameRow(
                s["id"], s["sku"], s["seq"], frame_stem(s["sku"], s["seq"], card=s["kind"] == "card"),
                s["kind"], s["role"], s["state"], j.reason(s), Path(s["source_path"]).name,
                s["source_path"], s["raw_path"], [f["path"] for f in files], callout, panel,
                max(psds, key=lambda p: revision_of(Path(p).stem), default=None),
                [f["path"] for f in j.files(s["id"], "companion")], warnings, s["fit_id"]))
    out.sort(key=lambda f: (f.kind == "card", f.seq))
    return out


def recent_events(library: str | Path, limit: int = 200) -> list[dict[str, Any]]:
    with _reading(library) as j:
        return [dict(r) for r in reversed(j.events(limit))] if j else []


# ---------------------------------------------------------------------------- sidecar
def _toml_str(s: str) -> str:
    # TOML basic strings accept JSON's escapes (\" \\ \n \uXXXX).
    return json.dumps(s, ensure_ascii=False)


def dump_callouts(data: dict[str, CalloutOverride]) -> str:
    lines = ["# Selling-point callouts per image (imgprep). Keys: source file or library name.", ""]
    for key in sorted(data):
        o = data[key]
        if o.text is None and o.anchor is None:
            continue
        lines.append(f"[{_toml_str(key)}]")
        if o.text is not None:
            lines.append(f"text = {_toml_str(o.text)}")
        if o.anchor is not None:
            lines.append(f"anchor = [{o.anchor[0]:.4f}, {o.anchor[1]:.4f}]")
        lines.append("")
    return "\n".join(lines)


def sidecar_folder(library: str | Path, frame: FrameRow) -> Path:
    """Where this frame's callout is stored: the shoot folder it came from (the sidecar
    the engine reads), or the library's SKU folder when that folder is gone."""
    src = Path(frame.source_path).parent
    if src.is_dir() and os.access(src, os.W_OK):
        return src
    return Path(library) / frame.sku


def _overrides(library: Path, sku: str, frames: list[Any]) -> dict[str, CalloutOverride]:
    out: dict[str, CalloutOverride] = {}
    folders = sorted({Path(f["source_path"]).parent for f in frames}) + [library / layout.sku_root(sku)]
    for folder in folders:
        found, _ = load_callouts(folder)
        out.update(found)
    return out


# ---------------------------------------------------------------------------- re-render
@dataclass
class Rerendered:
    sku: str
    written: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _next_revision(j: Journal, lib: Path, sku: str, stem: str) -> int:
    names = j.backup_paths(layout.folder(sku, "jpg") + "/")
    names += [f["path"] for f in j.files_for_sku(sku)]
    folder = lib / layout.folder(sku, "jpg")
    if folder.is_dir():
        names += [layout.in_folder(sku, "jpg", p.name) for p in folder.iterdir()]
    return next_revision(stem, names, (".jpg",))


def _frame_inputs(j: Journal, lib: Path, preset: Preset, row: Any) -> tuple[Any, Any, Any, dict | None]:
    """What a frame is rendered from: (the load, the working image, its 16 bits, its fit)."""
    from ..core.imaging.load import load
    from .frames import decode_scale, working

    f = j.fit(row["fit_id"]) if row["fit_id"] is not None else None
    loaded = load(lib / row["raw_path"], need_scale=lambda w, h: decode_scale(preset.renditions, None, w, h),
                  deep=f is not None)
    img, deep = working(loaded, preset.renditions)
    return loaded, img, deep, json.loads(f["fit"]) if f is not None else None


def _render_frame(j: Journal, lib: Path, preset: Preset, row: Any, product: Product | None,
                  overrides: dict[str, CalloutOverride], details: list[int], res: Rerendered) -> None:

    from ..core.imaging.render import KeptExif
    from ..core.naming import frame_stem
    from .frames import render_outputs
    from .mirror import copy_now, queue_everywhere
    from .recorder import rendition_rows

    sku = row["sku"]
    stem = frame_stem(sku, row["seq"])
    loaded, img, deep, fit = _frame_inputs(j, lib, preset, row)
    plan = plan_for(row["role"], details.index(row["id"]) if row["id"] in details else None, product,
                    overrides, (Path(row["source_path"]).name, stem), preset)
    rev = _next_revision(j, lib, sku, stem)
    written = render_outputs(img, loaded.original_size, KeptExif(loaded.artist, loaded.copyright, loaded.capture_time),
                             preset.for_role(row["role"]), preset.watermark, lib,
                             layout.rendition_base(sku, revision_stem(stem, rev)), plan.finisher(), fit, deep)
    old = [f["path"] for f in j.files(row["id"], "jpg")]
    with j.tx():
        for p in old:
            j.drop_file(p)
        rendition_rows(j, row["id"], written, preset.watermark.enabled)
        queue_everywhere(j, [w.rel for w in written])
        j.set_state(row["id"], "rendered")
        j.log("info", "rerendered", f"{', '.join(old) or '-'} → {', '.join(w.rel for w in written)}",
              sku=sku, source=row["source_path"])
    for p in old:
        # Out of the upload folder, but kept: SKU/superseded/ (never deleted, never overwritten).
        try:
            move_new(lib / p, lib / layout.in_folder(sku, "superseded", Path(p).name))
        except (OSError, FileOpError) as e:
            res.problems.append(f"{p}: superseded but not moved ({e})")
    res.written += [w.rel for w in written]
    res.superseded += old
    res.problems += copy_now(j, lib, [w.rel for w in written])


def rerender(library: str | Path, sku: str, source_ids: list[int], preset: Preset) -> Rerendered:
    """Render the given frames again (new revision names; see the module docstring)."""
    lib = Path(library)
    res = Rerendered(sku)
    with library_lock(lib), Journal(lib) as j:
        _rerender_locked(j, lib, sku, source_ids, preset, res)
    return res


def _rerender_locked(j: Journal, lib: Path, sku: str, source_ids: list[int], preset: Preset,
                     res: Rerendered) -> None:
    from .engine import sku_folders_problem

    refused = sku_folders_problem(lib, sku)  # nothing is written through a link in the library
    if refused:
        res.problems.append(refused)
        return
    rows = j.sources(sku)
    d = j.product(sku)
    product = Product.from_dict(d) if d else None
    overrides = _overrides(lib, sku, rows)
    details = detail_order(rows)
    for sid in source_ids:
        row = j.source(sid)
        if row is None or row["kind"] == "card" or row["state"] not in ("rendered", "failed"):
            continue
        try:
            _render_frame(j, lib, preset, row, product, overrides, details, res)
        except (OSError, ValueError, ImgprepError) as e:
            res.problems.append(f"{Path(row['raw_path']).name}: {e}")


def set_hero(library: str | Path, sku: str, source_id: int, preset: Preset) -> Rerendered:
    """Make ``source_id`` the hero: the spec panel moves to it, the old hero becomes a
    detail, and details whose selling point changes (the n-th detail carries the n-th
    point) are rendered again."""
    lib = Path(library)
    res = Rerendered(sku)
    with library_lock(lib), Journal(lib) as j:
        new = j.source(source_id)
        if new is None or new["sku"].casefold() != sku.casefold() or new["kind"] != "product":
            raise ConfigError(None, "hero", f"frame {source_id} is not a product frame of {sku}")
        shoot = j.shoot(sku)
        old_id = shoot["hero_id"] if shoot else None
        if old_id == source_id:
            return res

        def detail_index() -> dict[int, int]:
            return {sid: i for i, sid in enumerate(detail_order(j.sources(sku)))}

        before = detail_index()
        with j.tx():
            if old_id is not None:
                j.set_role(old_id, "detail")
            j.set_role(source_id, "hero")
            j.set_hero(sku, source_id)
            j.log("info", "hero", f"hero is now {Path(new['raw_path']).stem}", sku=sku)
        after = detail_index()
        changed = [sid for sid in after if before.get(sid) != after[sid]]
        todo = [source_id] + [s for s in changed if s != source_id]
        _rerender_locked(j, lib, sku, todo, preset, res)
    return res


def _sheet_row(catalogue: Any, sku: str) -> dict | None:
    """The sheet's row for ``sku`` as the journal keeps it, without its row number (a
    row moved down the sheet is the same product)."""
    try:
        d = catalogue[sku].to_dict()
    except KeyError:
        return None
    d.pop("row", None)
    return d


def _changed_rows(j: Journal, catalogue: Any) -> list[str]:
    out = []
    for sh in j.shoots():
        new = _sheet_row(catalogue, sh["sku"])
        old = j.product(sh["sku"])
        if old is not None:
            old.pop("row", None)
        if new is not None and new != old:
            out.append(sh["sku"])
    return out


def sheet_changes(library: str | Path, catalogue: Any) -> list[str]:
    """The shoots whose row in ``catalogue`` is new or differs from the one their
    renditions were made with (a sheet that arrived or changed after the photos)."""
    with _reading(library) as j:
        return _changed_rows(j, catalogue) if j is not None else []


def render_again(library: str | Path, catalogue: Any, preset: Preset,
                 skus: list[str] | None = None) -> list[Rerendered]:
    """Render shoots again with the product sheet as it is now: ``skus``, or every shoot
    whose row changed (:func:`sheet_changes`). Their rows are stored in the journal (for
    ``check`` and later runs) and every product frame gets a new revision: the hero its
    panel, the details their selling points. ``catalogue``: a loaded sheet, its path, or
    None (the journal's rows)."""
    from ..core.catalogue import load_catalogue

    lib = Path(library)
    if isinstance(catalogue, str | Path):
        catalogue = load_catalogue(catalogue)
    out: list[Rerendered] = []
    with library_lock(lib), Journal(lib) as j:
        todo = skus if skus is not None else _changed_rows(j, catalogue) if catalogue is not None else []
        for sku in todo:
            sku = j.canonical_sku(sku)
            row = _sheet_row(catalogue, sku) if catalogue is not None else None
            if row is not None:
                with j.tx():
                    j.put_product(sku, catalogue[sku].to_dict(), str(catalogue.source))
            res = Rerendered(sku)
            ids = [r["id"] for r in j.sources(sku) if r["kind"] == "product" and r["state"] in ("rendered", "failed")]
            _rerender_locked(j, lib, sku, ids, preset, res)
            out.append(res)
    return out


def preview_callout(library: str | Path, sku: str, source_id: int, text: str | None,
                    anchor: tuple[float, float] | None, preset: Preset) -> Any:
    """The detail frame's first rendition with this callout, as :func:`save_callout` would
    write it, unwritten (the app's live preview while typing): an RGB uint8 array."""
    import numpy as np

    from .frames import rendition_images

    lib = Path(library)
    with Journal(lib, readonly=True) as j:
        row = j.source(source_id)
        if row is None or row["sku"].casefold() != sku.casefold() or row["kind"] != "product":
            raise ConfigError(None, "frame", f"no product frame {source_id} in {sku}")
        d = j.product(sku)
        loaded, img, deep, fit = _frame_inputs(j, lib, preset, row)
    plan = plan_for("detail", None, Product.from_dict(d) if d else None, {}, (), preset)
    plan = dataclasses.replace(plan, callout=CalloutOverride(text or None, anchor))
    for _r, image, _facts in rendition_images(img, loaded.original_size, preset.for_role("detail"),
                                              preset.watermark, plan.finisher(), fit, deep):
        return np.asarray(image.convert("RGB"))
    return None


def save_callout(library: str | Path, sku: str, source_id: int, text: str | None,
                 anchor: tuple[float, float] | None, preset: Preset) -> Rerendered:
    """Store a detail frame's callout (text and/or anchor as fractions) in the shoot's
    ``callouts.toml`` under the frame's library name, then render the frame again."""
    if text is not None and len(text) > MAX_CALLOUT_TEXT:
        raise ConfigError(None, "text", f"at most {MAX_CALLOUT_TEXT} characters")
    if anchor is not None and not all(0 <= a <= 1 for a in anchor):
        raise ConfigError(None, "anchor", "fractions 0–1")
    frames = shoot_frames(library, sku)
    frame = next((f for f in frames if f.id == source_id), None)
    if frame is None:
        raise ConfigError(None, "frame", f"no frame {source_id} in {sku}")
    folder = sidecar_folder(library, frame)
    data, problems = load_callouts(folder, {f.source_name for f in frames})  # sources moved to done/ count
    if problems and (folder / SIDECAR).is_file():
        raise ConfigError(folder / SIDECAR, None, problems[0], "fix or remove the file first")
    data.pop(frame.source_name, None)  # one entry per frame: the library name wins
    data[frame.stem] = CalloutOverride(text, tuple(anchor) if anchor else None)  # type: ignore[arg-type]
    write_replace(folder / SIDECAR, dump_callouts(data).encode("utf-8"))
    return rerender(library, sku, [source_id], preset)


# ---------------------------------------------------------------------------- colour
def colour_available() -> bool:
    try:
        from ..core.colour import report  # noqa: F401
        from . import colour_service  # noqa: F401
    except ImportError:
        return False
    return True


def fit_from_corners(library: str | Path, sku: str, source_id: int,
                     corners: list[tuple[float, float]], preset: Preset,
                     station: str | None = None) -> dict[str, Any]:
    """Measure the card inside four clicked corners (fractions of the upright image,
    patch 1's corner first, clockwise), fit a correction, keep it in the journal and write
    its report. Returns the `imgprep colour` document, with ``fit_id`` when a fit was made.
    The fit is not applied to any frame yet: see :func:`apply_fit_to_shoot`."""
    from ..core.imaging.load import load
    from .colour_hooks import analyse, full_view, search_view
    from .mirror import queue_everywhere
    from .recorder import write_reports

    if len(corners) != 4:
        raise ConfigError(None, "corners", "four corners are needed")
    lib = Path(library)
    with Journal(lib, readonly=True) as j:
        row = j.source(source_id)
    if row is None:
        raise ConfigError(None, "frame", f"no frame {source_id}")
    c = preset.colour
    loaded = load(lib / row["raw_path"], min_long_edge=c.detect_edge, deep=True)
    fw, fh = loaded.original_size
    px = [(x * (fw - 1), y * (fh - 1)) for x, y in corners]
    view, gain = search_view(loaded)
    doc, fit = analyse(view, loaded.original_size, c, Path(row["raw_path"]).name, px, gain,
                       full_view(lib / row["raw_path"], loaded, view, gain))
    if fit is None:
        return doc
    stem = Path(row["raw_path"]).stem
    from .engine import sku_folders_problem

    refused = sku_folders_problem(lib, sku)
    if refused:
        raise ConfigError(None, "library", refused)
    with library_lock(lib), Journal(lib) as j:
        with j.tx():
            fid = j.add_fit(sku=sku, card_source_id=source_id, card_type=c.card, model=doc.get("model", ""),
                            fit=fit, report=doc, station=station)
            j.log("info", "colour", f"fit from picked corners on {stem}: {doc.get('model')}, mean ΔE2000 "
                  f"{doc['summary']['before']['mean']} → {doc['summary']['after']['mean']}", sku=sku)
        written = write_reports(j, lib, sku, source_id, doc, f"{stem}-{fid}")
        with j.tx():
            queue_everywhere(j, written)
    doc["fit_id"] = fid
    return doc


def apply_fit_to_shoot(library: str | Path, sku: str, fit_id: int, preset: Preset) -> Rerendered:
    """Use a fit for the shoot's product frames that have none (a card that was not
    detected), then render them again."""
    lib = Path(library)
    res = Rerendered(sku)
    with library_lock(lib), Journal(lib) as j:
        f = j.fit(fit_id)
        if f is None:
            raise ConfigError(None, "fit", f"no colour fit {fit_id}")
        todo = [r["id"] for r in j.sources(sku) if r["kind"] == "product" and r["id"] != f["card_source_id"]
                and not r["fit_id"] and r["state"] == "rendered"]
        with j.tx():
            for sid in todo:
                j.set_fit(sid, fit_id)
            j.set_colour_state(sku, "corrected")
        _rerender_locked(j, lib, sku, todo, preset, res)
    return res


def colour_fits(library: str | Path, sku: str | None = None) -> list[dict[str, Any]]:
    """Fits with their report documents, oldest first."""
    out: list[dict[str, Any]] = []
    with _reading(library) as j:
        for r in j.fits(sku) if j else []:
            d = dict(r)
            d["report"] = json.loads(r["report"])
            d["fit"] = json.loads(r["fit"])
            out.append(d)
        return out


def colour_trend(library: str | Path) -> list[dict[str, Any]]:
    with _reading(library) as j:
        return j.colour_trend() if j else []


def report_path(library: str | Path, sku: str) -> Path | None:
    """The newest HTML colour report of a shoot."""
    with _reading(library) as j:
        rows = [f for f in j.files_for_sku(sku) if f["kind"] == "report" and f["path"].endswith(".html")] if j else []
    rows.sort(key=lambda f: f["created_at"])
    for f in reversed(rows):
        p = Path(library) / f["path"]
        if p.is_file():
            return p
    return None


def lab_to_srgb8(lab: Any) -> Any:
    """CIE Lab (D50) → uint8 sRGB, for drawing swatches."""
    import numpy as np

    from ..core.colour.delta_e import lab_to_linear, linear_to_srgb

    rgb = linear_to_srgb(np.clip(lab_to_linear(np.asarray(lab, float)), 0, 1))
    return np.clip(np.round(np.asarray(rgb) * 255), 0, 255).astype(np.uint8)


def apply_fit(fit: dict[str, Any], rgb: Any) -> Any:
    """A fit (as stored) applied to a uint8 sRGB array, for before/after previews."""
    from ..core.colour.models import ColourFit

    return ColourFit.from_dict(fit).apply(rgb)


def frame_preview(path: str | Path, long_edge: int, fit: dict[str, Any] | None = None) -> tuple[Any, Any, float]:
    """A frame as the app shows it, long edge at most ``long_edge``: (before, after,
    gain). A 16-bit frame that uses a small part of its range (10-14 bits written
    unscaled) is shown as the card search sees it, ``gain`` times brighter (else gain
    1, the frame as it is); ``after`` is ``fit`` (as stored) applied to the frame as it
    is, from its 16 bits where it has them, or None without a fit."""
    import numpy as np
    from PIL import Image, ImageOps

    from ..core.colour.models import ColourFit
    from ..core.imaging.load import load
    from ..core.imaging.render import downscale16
    from .colour_hooks import search_view

    loaded = load(path, min_long_edge=long_edge, deep=True)
    view, gain = search_view(loaded)
    if max(view.size) > long_edge:
        view = ImageOps.contain(view, (long_edge, long_edge), Image.Resampling.BOX)
    before = np.asarray(view)
    if fit is None:
        return before, None, gain
    f = ColourFit.from_dict(fit)
    if gain == 1.0:  # (a gain comes only from 16 bits)
        return before, f.apply(before), gain
    deep = loaded.deep if view.size == loaded.image.size else downscale16(loaded.deep, view.size)
    return before, f.apply16(deep), gain


# ---------------------------------------------------------------------------- product sheet
@dataclass
class SheetRow:
    sku: str
    name: str
    shot: bool
    frames: int
    missing: list[str]
    days_left: int | None
    arrival: str | None


def sheet_overview(catalogue: Any, library: str | Path | None, preset: Preset | None = None,
                   today: date | None = None) -> list[SheetRow]:
    """Each product of a loaded sheet: has it been shot, which fields are missing, days
    left under the 3-day rule (arrival date, else first ingest)."""
    from .check import _missing_fields

    preset = preset or load_preset(None)
    today = today or datetime.now().date()
    shoots: dict[str, Any] = {}
    counts: dict[str, int] = {}
    with _reading(library) as j:
        if j is not None:
            shoots = {r["sku"].casefold(): r for r in j.shoots()}
            for r in j.sources():
                if r["kind"] == "product":
                    counts[r["sku"].casefold()] = counts.get(r["sku"].casefold(), 0) + 1
    out = []
    for sku, p in catalogue.products.items():
        sh = shoots.get(sku.casefold())
        arrival = p.arrival
        if arrival is None and sh is not None:
            arrival = datetime.fromisoformat(sh["first_ingest"]).astimezone(UTC).date()
        days = preset.sla_days - (today - arrival).days if arrival else None
        out.append(SheetRow(sku, p.name, sh is not None, counts.get(sku.casefold(), 0),
                            _missing_fields(p, preset.panel.fields), days,
                            arrival.isoformat() if arrival else None))
    return out


# ---------------------------------------------------------------------------- slates
def write_slates(out: str | Path, skus: list[str], catalogue: Any = None) -> tuple[list[Path], list[str]]:
    """A printable SKU slate per SKU (``slate-SKU.png``, A6 portrait at 290 dpi) in
    ``out``, named from ``catalogue`` when given. Returns (files, problems: one line per
    refused SKU). Slates are imgprep's own output: an existing one is replaced."""
    import io

    from ..core.errors import NamingError
    from ..core.imaging.slate import render
    from ..core.naming import validate_sku

    files, problems = [], []
    for given in skus:
        try:
            sku = validate_sku(given)
        except NamingError as e:
            problems.append(f"{given}: {e}")
            continue
        product = catalogue.get(sku) if catalogue is not None else None
        buf = io.BytesIO()
        render(sku, product.name if product is not None else None).save(buf, "PNG", dpi=(290, 290))
        files.append(write_replace(Path(out) / f"slate-{sku}.png", buf.getvalue()))
    return files, problems


# ---------------------------------------------------------------------------- settings
def validate_settings(library: str, drop: str = "", backup: str = "", preset: str = "",
                      catalogue: str = "") -> dict[str, str]:
    """Problems with the app's settings, by key (empty dict: ready). Messages are English;
    the app translates them by key."""
    out: dict[str, str] = {}
    if not library:
        out["library"] = "missing"
    else:
        p = Path(library)
        if p.exists() and not p.is_dir():
            out["library"] = "not-a-folder"
        elif p.is_dir() and any(p.iterdir()) and not has_journal(p):
            out["library"] = "not-empty"
        elif not p.exists() and not p.parent.is_dir():
            out["library"] = "parent-missing"
    if drop:
        d = Path(drop)
        if not d.is_dir():
            out["drop"] = "not-a-folder"
        elif library and d.resolve() == Path(library).resolve():
            out["drop"] = "same-as-library"
    if backup:
        b = Path(backup)
        if not b.is_dir():
            out["backup"] = "unreachable"
        elif library and Path(library).exists() and b.resolve() == Path(library).resolve():
            out["backup"] = "same-as-library"
    try:
        load_preset(preset or None)
    except ConfigError as e:
        out["preset"] = str(e)
    if catalogue:
        if not Path(catalogue).is_file():
            out["catalogue"] = "not-a-file"
    return out


def preset_to_toml(p: Preset) -> str:
    """A preset as TOML that :func:`imgprep.core.presets.load_preset` reads back."""
    s = _toml_str
    lines = [f"name = {s(p.name)}", f"description = {s(p.description)}",
             f"min_details = {p.min_details}", f"sla_days = {p.sla_days}", ""]
    for r in p.renditions:
        lines += ["[[rendition]]", f"name = {s(r.name)}",
                  "roles = [" + ", ".join(s(x) for x in r.roles) + "]"]
        if r.fit == "width":
            lines.append(f"width = {r.width}")
        else:
            lines += [f"box = [{r.box[0]}, {r.box[1]}]", f"fit = {s(r.fit)}"]  # type: ignore[index]
        lines += [f"upscale = {str(r.upscale).lower()}", f"sharpen = {r.sharpen}", f"quality = {r.quality}",
                  f"max_bytes = {r.max_bytes}", f"suffix = {s(r.suffix)}", f"panel = {str(r.panel).lower()}",
                  f"callouts = {str(r.callouts).lower()}", f"dimensions = {str(r.dimensions).lower()}", ""]
    w = p.watermark
    lines += ["[watermark]", f"enabled = {str(w.enabled).lower()}", f"kind = {s(w.kind)}", f"text = {s(w.text)}"]
    if w.image:
        lines.append(f"image = {s(str(w.image))}")
    lines += [f"anchor = {s(w.anchor)}", f"opacity = {w.opacity}", f"scale = {w.scale}", f"margin = {w.margin}",
              f"colour = {s(w.colour)}", f"angle = {w.angle}", f"spacing = {w.spacing}", ""]
    c = p.colour
    lines += ["[colour]", f"enabled = {str(c.enabled).lower()}", f"card = {s(c.card)}", f"model = {s(c.model)}",
              f"pass_mean = {c.pass_mean}", f"pass_max = {c.pass_max}", f"detect_edge = {c.detect_edge}", ""]
    lines += ["[panel]", "fields = [" + ", ".join(s(f) for f in p.panel.fields) + "]",
              f"language = {s(p.panel.language)}", f"place = {s(p.panel.place)}", ""]
    return "\n".join(lines)


def check_preset_text(text: str, file: Path) -> Preset:
    """Parse preset TOML text; raises :class:`ConfigError` with the key and a hint."""
    from ..core.presets import parse_preset

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(file, None, f"not valid TOML: {e}", "check quotes and brackets") from None
    return parse_preset(data, file)


def save_preset(p: Preset, folder: str | Path) -> Path:
    folder = Path(folder)
    path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', p.name).strip('-') or 'preset'}.toml"
    text = preset_to_toml(p)
    check_preset_text(text, path)
    write_replace(path, text.encode("utf-8"))
    return path


__all__ = ["ANCHORS", "FrameRow", "Rerendered", "SheetRow", "ShootRow", "apply_fit", "apply_fit_to_shoot", "check_preset_text", "lab_to_srgb8",
           "colour_available", "colour_fits", "colour_trend", "dump_callouts", "fit_from_corners",
           "has_journal", "list_shoots", "write_slates", "preset_to_toml", "recent_events", "report_path", "rerender",
           "save_callout", "save_preset", "set_hero", "shoot_frames", "sheet_overview", "validate_settings"]
