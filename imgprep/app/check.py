"""`imgprep check`: the shop's rule book applied to each SKU of a library, from the journal.

Rules: a hero as wide as the preset says, with the spec panel; at least ``min_details``
selling-point detail pictures, each with its callout; no character of a panel or callout
left out for want of a font; spec fields complete; a watermark
on every rendition; every library file backed up and verified; a passing colour report
when a card was shot; no failed frames; and the 3-day rule (arrival date from the
product sheet, else first ingest) with days left or days overdue. Once the library has
description pages (`imgprep page`), rule 5: each shoot's page exists, is built from the
current template, sheet row, photos and toggles, and lacks nothing the template asks for.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..core.catalogue import Product
from ..core.errors import ConfigError
from ..core.fsutil import hash_file
from ..core.journal import Journal, has_journal
from ..core.messages import Reason
from ..core.page_template import PageTemplate
from ..core.presets import Preset, load_preset
from .annotations import glyph_warning, load_callouts
from .page import current_page, page_state, page_template_of, state_message
from .run import cancelled_key

_FIELD_NAMES = {"name": "商品名称 name", "colour": "颜色 colour", "fabric": "面料 fabric", "size": "尺码 size",
                "description": "商品说明 description", "dimensions": "长/宽/高 dimensions", "sku": "货号 SKU"}


@dataclass
class SkuCheck:
    sku: str
    days_left: int | None
    problems: list[dict[str, str]] = field(default_factory=list)
    reasons: list[Reason | str] = field(default_factory=list)  # the problems' messages, for the app

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, rule: str, message: Reason | str) -> None:
        """A problem: ``message`` a :class:`Reason`, or a text without a code (a page's
        recorded gaps, a sidecar's problems)."""
        self.problems.append({"rule": rule, "message": str(message)})
        self.reasons.append(message)

    def to_json(self) -> dict[str, Any]:
        return {"sku": self.sku, "ok": self.ok, "days_left": self.days_left, "problems": self.problems}


def _preset_of(j: Journal) -> Preset:
    spec = j.meta("preset")
    try:
        return load_preset(spec) if spec else load_preset(None)
    except ConfigError:
        return load_preset(None)


def _missing_fields(product: Product, fields: tuple[str, ...]) -> list[str]:
    missing = []
    for f in fields:
        if f == "dimensions":
            if None in (product.length_cm, product.width_cm, product.height_cm):
                missing.append(f)
        elif f != "sku" and not str(getattr(product, f, "") or "").strip():
            missing.append(f)
    return missing


def check_library(library: str | Path, sku: str | None = None, today: date | None = None, *,
                  disk: bool = True, shot_only: bool = False) -> list[SkuCheck]:
    """The rules for each SKU (or ``sku``). ``disk``: re-hash every library file the
    journal lists and report one gone or changed (`imgprep check`); the app's shoot list,
    refreshed often, leaves it out. ``shot_only``: the SKUs with a shoot, not also every
    row of the product sheet without one (the app's shoot list: a 100 000-row sheet took
    6 s a refresh)."""
    library = Path(library)
    if not has_journal(library):
        raise ConfigError(library, None, "not an imgprep library (no journal)", "give the folder passed as --library")
    with Journal(library) as j:
        return check_in(j, library, sku, today, disk=disk, shot_only=shot_only)


def check_in(j: Journal, library: Path, sku: str | None = None, today: date | None = None, *,
             disk: bool = True, shot_only: bool = False, rows: SkuRows | None = None) -> list[SkuCheck]:
    """:func:`check_library` in a journal the caller opened; ``rows``: the journal's
    rows of every SKU when the caller read them already (the app's shoot list)."""
    today = today or datetime.now().date()
    preset = _preset_of(j)
    shoots = {r["sku"].casefold(): r for r in j.shoots()}
    if shot_only:  # only the sheet's rows of those SKUs are read (found whatever their case)
        listed = {k: (r["sku"], j.product(r["sku"])) for k, r in shoots.items()}
        products = {k: (sku_, Product.from_dict(v)) for k, (sku_, v) in listed.items() if v is not None}
    else:
        products = {k.casefold(): (k, Product.from_dict(v)) for k, v in j.products().items()}
    keys = sorted(set(shoots) if shot_only else set(products) | set(shoots))
    if sku is not None:
        keys = [k for k in keys if k == sku.casefold()]
        if not keys:
            raise ConfigError(library, "--sku", f"no SKU '{sku}' in this library or its product sheet")
    backup_roots = j.backup_roots()
    failures = _failures(j)
    template = page_template_of(j)
    if rows is None:
        rows = SkuRows.of_sku(j, shoots[keys[0]]["sku"] if keys[0] in shoots else products[keys[0]][0]) \
            if sku is not None else SkuRows.of_all(j)
    checks = [_check_one(j, preset, products.get(k), shoots.get(k), backup_roots, today, disk, failures, rows)
              for k in keys]
    if template is not None:  # the library has description pages: each shoot needs a current one
        for c in checks:
            if shoots.get(c.sku.casefold()) is not None:
                _check_page(j, c, template)
    return checks


def _check_page(j: Journal, c: SkuCheck, template: PageTemplate) -> None:
    """Rule 5: the description page exists, is built from the current template, sheet,
    photos and toggles, and lacks nothing the template asks for (its recorded gaps)."""
    state, changed = page_state(j, c.sku, template)
    row = current_page(j, c.sku)
    if state != "current":
        c.add("page", state_message(state, changed, row))
    if row is None:
        return
    for p in json.loads(row["facts"] or "{}").get("problems", []):
        c.add("page", p)


@dataclass
class SkuRows:
    """The journal's rows the rules (and the app's shoot list) read for each SKU, read once
    for all of them (a query per SKU each, and a scan of the files per SKU, took most of
    `imgprep check`'s time over a 100 000-row product sheet)."""

    sources: dict[str, list[Any]]  # by SKU, case-folded
    files: dict[str, list[Any]]  # by the path's first folder: the SKU as the library writes it
    verified: set[tuple[str, str]]  # (path, backup root) of every verified copy
    cancelled: dict[str, str]  # cancelled_key → "done/total"

    @classmethod
    def of_all(cls, j: Journal) -> SkuRows:
        rows = cls({}, {}, {(r["path"], r["root"]) for r in j.verified_backups()},
                   j.meta_prefixed(cancelled_key("")))
        for r in j.sources():
            rows.sources.setdefault(r["sku"].casefold(), []).append(r)
        for f in j.files():
            rows.files.setdefault(f["path"].split("/", 1)[0], []).append(f)
        return rows

    @classmethod
    def of_sku(cls, j: Journal, sku: str) -> SkuRows:
        """The same rows of one SKU (``imgprep check --sku``)."""
        files = j.files_for_sku(sku)
        roots = j.backup_roots()
        verified = {(f["path"], root) for f in files for root in roots if j.backup_state(f["path"], root) == "verified"}
        cancelled = j.meta(cancelled_key(sku))
        return cls({sku.casefold(): j.sources(sku)}, {sku: files}, verified,
                   {cancelled_key(sku): cancelled} if cancelled is not None else {})


def _check_one(j: Journal, preset: Preset, listed: tuple[str, Product] | None, shoot: Any,
               backup_roots: set[str], today: date, disk: bool,
               failures: dict[str, dict[str, Reason | str]], rows: SkuRows) -> SkuCheck:
    sku = shoot["sku"] if shoot is not None else listed[0]  # type: ignore[index]
    product = listed[1] if listed else None
    arrival = product.arrival if product and product.arrival else None
    if arrival is None and shoot is not None:
        arrival = datetime.fromisoformat(shoot["first_ingest"]).astimezone(UTC).date()
    days_left = preset.sla_days - (today - arrival).days if arrival else None
    c = SkuCheck(sku, days_left)
    if shoot is None:
        c.add("photos", Reason.of("check-no-photos"))
    sources = rows.sources.get(sku.casefold(), [])
    files = rows.files.get(sku, [])
    _check_sources(c, j, sources, failures.get(sku.casefold(), {}), files if disk else [],
                   rows.cancelled.get(cancelled_key(sku)))
    if shoot is not None:
        products_src = [r for r in sources if r["kind"] == "product"]
        jpgs: dict[int, list[Any]] = {}  # each frame's renditions
        for f in files:
            if f["kind"] == "jpg":
                jpgs.setdefault(f["source_id"], []).append(f)
        _check_hero(c, preset, products_src, jpgs)
        _check_details(c, preset, products_src, jpgs)
        _check_files(c, files, backup_roots, rows.verified)
        _check_colour(c, j, sources, products_src)
    if product is None:
        c.add("sheet", Reason.of("check-not-in-sheet"))
    else:
        missing = _missing_fields(product, preset.panel.fields)
        if missing:
            c.add("spec", Reason.of("check-spec-missing", fields=", ".join(_FIELD_NAMES.get(m, m) for m in missing)))
    if days_left is not None and c.problems:
        if days_left < 0:
            c.add("3-day", Reason.of("check-overdue", days=-days_left, arrival=arrival.isoformat()))  # type: ignore[union-attr]
    return c


def _check_sources(c: SkuCheck, j: Journal, sources: list[Any], failures: dict[str, Reason | str],
                   files: list[Any], cancelled: str | None) -> None:
    """Failed and cancelled photos, library files (``files``) that disagree with the
    journal, the callout sidecars as they are now."""
    for r in sources:
        if r["state"] == "failed":
            c.add("failed", Reason.of("check-failed", file=Path(r["source_path"]).name, detail=j.reason(r)))
    framed = {r["source_path"] for r in sources}
    for path, reason in failures.items():
        # refused before it became a frame (unreadable, damaged): while the file is still there
        if path not in framed and Path(path).is_file():
            c.add("failed", Reason.of("check-failed", file=Path(path).name, detail=reason))
    if cancelled:
        done, total = cancelled.split("/")
        c.add("cancelled", Reason.of("check-cancelled", done=done, total=total))
    for f in files:  # the journal agrees with the disk
        problem = _file_problem(j.library / f["path"], f["sha256"])
        if problem:
            c.add("library", Reason.of(problem, path=f["path"]))
    # os.path on the strings: a Path a source took 0.4 s of the app's 1 s shoot list at
    # 20 000 frames; the few folders are made Paths once each
    known = {os.path.basename(r["source_path"]) for r in sources}
    for folder in sorted({Path(d) for d in {os.path.dirname(r["source_path"]) for r in sources}}):
        for msg in load_callouts(folder, known)[1]:
            c.add("callouts", msg)


def _check_hero(c: SkuCheck, preset: Preset, products_src: list[Any], jpgs: dict[int, list[Any]]) -> None:
    hero = next((r for r in products_src if r["role"] == "hero" and r["state"] == "rendered"), None)
    if hero is None:
        c.add("hero", Reason.of("check-no-hero"))
        return
    files = {f["rendition"]: f for f in jpgs.get(hero["id"], [])}
    for r in preset.for_role("hero"):
        f = files.get(r.name)
        if f is None:
            c.add("hero", Reason.of("check-hero-missing", name=r.name))
            continue
        facts = json.loads(f["facts"] or "{}")
        width = (facts.get("size") or [0])[0]
        want = r.width if r.fit == "width" else (r.box[0] if r.box else None)
        if want and width != want:
            c.add("hero", Reason.of("check-width", path=f["path"], width=width, want=want))
        if r.panel and "panel" not in facts:
            c.add("panel", Reason.of("check-no-panel", path=f["path"]))


def _check_details(c: SkuCheck, preset: Preset, products_src: list[Any], jpgs: dict[int, list[Any]]) -> None:
    details = [r for r in products_src if r["role"] == "detail" and r["state"] == "rendered"]
    need = preset.min_details
    if len(details) < need:
        c.add("details", Reason.of("check-details", have=len(details), need=need, missing=need - len(details)))
    for r in details:
        for f in jpgs.get(r["id"], []):
            rend = next((x for x in preset.renditions if x.name == f["rendition"]), None)
            if rend is not None and rend.callouts and "callout" not in json.loads(f["facts"] or "{}"):
                c.add("callouts", Reason.of("check-no-callout", path=f["path"]))


def _check_files(c: SkuCheck, files: list[Any], backup_roots: set[str], verified: set[tuple[str, str]]) -> None:
    """Watermarks, captions' glyphs, the backup."""
    for f in files:
        if f["kind"] == "jpg" and not f["watermark"]:
            c.add("watermark", Reason.of("check-no-watermark", path=f["path"]))
        warning = glyph_warning(f["path"], json.loads(f["facts"] or "{}")) if f["kind"] == "jpg" else None
        if warning:
            c.add("glyphs", warning)
    if not backup_roots:
        c.add("backup", Reason.of("check-no-backup"))
        return
    pending = [f["path"] for f in files if any((f["path"], root) not in verified for root in backup_roots)]
    if pending:
        c.add("backup", Reason.of("check-backlog", count=len(pending), path=pending[0]))


def _check_colour(c: SkuCheck, j: Journal, sources: list[Any], products_src: list[Any]) -> None:
    if not any(r["kind"] == "card" for r in sources):
        return
    fits = j.fits(c.sku)
    if not fits:
        c.add("colour", Reason.of("check-no-fit"))
    elif not fits[-1]["passed"]:
        c.add("colour", _colour_fails(fits[-1]))
    uncorrected = [r for r in products_src if r["state"] == "rendered" and r["fit_id"] is None]
    if fits and uncorrected:
        c.add("colour", Reason.of("check-uncorrected", count=len(uncorrected),
                            files=", ".join(Path(r["raw_path"]).name for r in uncorrected[:3])))


def _colour_fails(fit: Any) -> Reason:
    """Why the last fit fails, in the figures it was judged on: leave-one-out (a grey
    card's in-sample) mean and max, with the limits."""
    from ..core.colour.report import DEFAULT_THRESHOLDS, verdict_basis

    doc = json.loads(fit["report"] or "{}")
    basis = verdict_basis(doc) or {"mean": fit["de_after_mean"], "max": fit["de_after_max"]}
    th = doc.get("thresholds", DEFAULT_THRESHOLDS)
    return Reason.of("check-colour-fails", mean=f"{basis['mean']:.2f}", max=f"{basis['max']:.2f}",
                     limit_mean=f"{th['mean']:g}", limit_max=f"{th['max']:g}")


def _failures(j: Journal) -> dict[str, dict[str, Reason | str]]:
    """Each SKU's failed photos as the journal's log recorded them (the last reason of
    each), read once for all SKUs: photos refused before they became frames have no
    sources row, only these events."""
    out: dict[str, dict[str, Reason | str]] = {}
    for sku, source, message in j.failed_sources():
        out.setdefault(sku.casefold(), {})[source] = message
    return out


def _file_problem(path: Path, sha256: str) -> str | None:
    """The message key when a library file is not as the journal recorded it."""
    try:
        return None if hash_file(path) == sha256 else "check-file-changed"
    except FileNotFoundError:
        return "check-file-missing"
    except OSError:
        return "check-file-changed"


def library_status(library: str | Path) -> dict[str, Any]:
    """Beyond the SKUs: the backup backlog and the drop folder's files that need a human
    (stalled, unassigned, refused), as the watcher recorded them."""
    from .dropfolder import watch_status

    with Journal(library) as j:
        return watch_status(j)


def verify_backup(library: str | Path) -> list[dict[str, str]]:
    """``check --verify-backup``: :func:`imgprep.app.backup.verify_copies` for every
    backup of the library."""
    from .backup import verify_copies

    with Journal(library) as j:
        return verify_copies(j)
