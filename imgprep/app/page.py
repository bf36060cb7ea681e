"""`imgprep page`: each SKU's description page (详情页) from the shop's template, the
renditions and the product sheet already in the library (``SKU/page/``, core/library.py).

A page is built from journal facts and rendition files only (no original is decoded):
the hero rendition without its spec panel, the detail renditions in order with the
selling point each carries. What went into a page is kept with it as four fingerprints
(template, product sheet row, photos, section toggles): a page whose inputs changed is
stale (:func:`page_state`, used by ``check`` and the app) and ``imgprep page`` builds it
again; an unchanged one is left alone. Nothing is overwritten: a rebuilt page is the next
revision (``SKU-page-r2.jpg`` …) and the old files move to ``SKU/superseded/``; every file
is journaled and backed up like a rendition.

Per-SKU section toggles (hide the size chart of a mug) live in ``SKU/page.toml`` in the
library: ``hidden = ["size_chart"]``.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.catalogue import Product
from ..core.errors import ConfigError, FileOpError, ImgprepError
from ..core.fsutil import hash_bytes, move_new, write_new, write_replace
from ..core.journal import Journal, has_journal, library_lock
from ..core.library import folder as sku_folder
from ..core.library import in_folder, sidecar, sku_root
from ..core.messages import Reason, say
from ..core.naming import next_revision, revision_stem
from ..core.page_template import SECTION_KINDS, PageTemplate, load_template
from .mirror import queue_everywhere

TOGGLES = "page.toml"
PAGE_KINDS = ("page", "page-slice", "page-html")
# Bumped when the page's drawing changes, so every page is rebuilt once in the new look.
LAYOUT_VERSION = 1
# What changed, as `check` says it (messages.py translates each).
INPUT_NAMES = {"template": "template", "product": "product sheet", "photos": "photos or callouts",
               "toggles": "section toggles", "layout": "page layout"}


# ---------------------------------------------------------------------------- toggles
def load_toggles(library: str | Path, sku: str) -> tuple[frozenset[str], list[str]]:
    """The sections hidden for ``sku`` and the problems found in its ``page.toml``."""
    path = Path(library) / sidecar(sku, TOGGLES)
    if not path.is_file():
        return frozenset(), []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        return frozenset(), [f"{sidecar(sku, TOGGLES)}: {e}"]
    hidden = data.get("hidden", [])
    if not isinstance(hidden, list) or not all(h in SECTION_KINDS for h in hidden):
        return frozenset(), [f"{sidecar(sku, TOGGLES)}: hidden must be a list of {', '.join(SECTION_KINDS)}"]
    return frozenset(hidden), []


def save_toggles(library: str | Path, sku: str, hidden: set[str] | frozenset[str]) -> Path:
    """Keep the sections hidden for ``sku`` (the app's per-SKU toggles)."""
    unknown = set(hidden) - set(SECTION_KINDS)
    if unknown:
        raise ConfigError(None, "hidden", f"unknown sections {sorted(unknown)}", f"one of {SECTION_KINDS}")
    text = ("# Sections of the description page (详情页) left out for this SKU (imgprep).\n"
            f"hidden = {json.dumps(sorted(hidden), ensure_ascii=False)}\n")
    return write_replace(Path(library) / sidecar(sku, TOGGLES), text.encode("utf-8"))


# ---------------------------------------------------------------------------- inputs
@dataclass
class PageInputs:
    """What one SKU's page is made of, from the journal (no image is read)."""

    sku: str
    product: Product | None
    hero: Any | None                       # journal row of the hero's rendition file
    details: list[tuple[Any, str]]         # (journal row of the rendition file, selling point)
    hidden: frozenset[str]
    problems: list[str] = field(default_factory=list)
    parts: dict[str, str] = field(default_factory=dict)


def _digest(value: Any) -> str:
    return hash_bytes(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode())[:16]


def _rendition_for(j: Journal, source_id: int, width: int) -> Any | None:
    """The frame's rendition closest to ``width``: that width exactly, else the narrowest
    wider one (scaled down), else the widest."""
    files = j.files(source_id, "jpg")
    sized = [(json.loads(f["facts"] or "{}").get("size") or [0])[0] for f in files]
    exact = [f for f, w in zip(files, sized, strict=True) if w == width]
    wider = sorted((w, f["path"], f) for f, w in zip(files, sized, strict=True) if w > width)
    if exact:
        return exact[0]
    if wider:
        return wider[0][2]
    return max(zip(sized, files, strict=True), key=lambda x: x[0], default=(0, None))[1]


def page_inputs(j: Journal, sku: str, t: PageTemplate) -> PageInputs:
    d = j.product(sku)
    product = Product.from_dict(d) if d else None
    rows = [r for r in j.sources(sku) if r["kind"] == "product" and r["state"] == "rendered"]
    hero_row = next((r for r in rows if r["role"] == "hero"), None)
    hero = _rendition_for(j, hero_row["id"], t.content_width) if hero_row is not None else None
    details = []
    for i, r in enumerate(x for x in rows if x["role"] == "detail"):
        f = _rendition_for(j, r["id"], t.content_width)
        if f is None:
            continue
        callout = json.loads(f["facts"] or "{}").get("callout") or {}
        point = callout.get("text") or (product.selling_points[i] if product and i < len(product.selling_points)
                                        else "")
        details.append((f, point))
    hidden, problems = load_toggles(j.library, sku)
    inputs = PageInputs(sku, product, hero, details, hidden, problems)
    sheet = {k: v for k, v in (d or {}).items() if k != "row"}  # moving a row in the sheet changes nothing
    inputs.parts = {
        "template": t.digest[:16],
        "product": _digest(sheet),
        "photos": _digest([hero["sha256"] if hero else None, [(f["sha256"], p) for f, p in details]]),
        "toggles": _digest(sorted(hidden)),
        "layout": str(LAYOUT_VERSION),
    }
    return inputs


def current_page(j: Journal, sku: str) -> Any | None:
    """The journal row of the SKU's page (the whole image), or None."""
    return next((f for f in j.files_for_sku(sku) if f["kind"] == "page"), None)


def page_state(j: Journal, sku: str, t: PageTemplate) -> tuple[str, list[str]]:
    """("missing" | "stale" | "current", what changed) for ``sku``'s page."""
    row = current_page(j, sku)
    if row is None:
        return "missing", []
    built = json.loads(row["facts"] or "{}").get("inputs", {})
    now = page_inputs(j, sku, t).parts
    changed = [k for k in now if built.get(k) != now[k]]
    return ("stale" if changed else "current"), changed


def page_template_of(j: Journal) -> PageTemplate | None:
    """The template the library's pages were last built with; None while it has no
    pages (or the template cannot be read any more)."""
    spec = j.meta("page_template")
    if spec is None:
        return None
    try:
        return load_template(spec)
    except ConfigError:
        return None


# ---------------------------------------------------------------------------- build
@dataclass
class PageResult:
    sku: str
    status: str = "built"          # built | unchanged | failed
    page: str | None = None
    slices: list[str] = field(default_factory=list)
    html: str | None = None
    superseded: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # gaps, which `check` lists too
    notes: list[str] = field(default_factory=list)
    reason: str | None = None
    size: list[int] = field(default_factory=list)
    why: Reason | None = None      # the reason as a value, for the app (not in the JSON)

    def to_json(self) -> dict[str, Any]:
        return {"sku": self.sku, "status": self.status, "reason": self.reason, "page": self.page,
                "slices": self.slices, "html": self.html, "superseded": self.superseded,
                "problems": self.problems, "notes": self.notes, "size": self.size}


@dataclass
class PageReport:
    library: str
    template: str
    items: list[PageResult] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if any(r.status == "failed" for r in self.items) else 0

    def to_json(self) -> dict[str, Any]:
        summary = {s: sum(r.status == s for r in self.items) for s in ("built", "unchanged", "failed")}
        return {"library": self.library, "template": self.template,
                "items": [r.to_json() for r in self.items], "summary": summary}


def _template_spec(spec: str | Path | None, j: Journal) -> str:
    """What the journal keeps to find the template again: a built-in name, or a file's
    absolute path."""
    if spec is None:
        return j.meta("page_template") or "taobao-750"
    p = Path(spec)
    return str(p.resolve()) if (p.suffix == ".toml" or p.exists()) else str(spec)


def build_pages(library: str | Path, skus: list[str] | None = None, template: str | Path | None = None, *,
                force: bool = False) -> PageReport:
    """Build the page of each SKU (every shoot when ``skus`` is None) that has none or
    whose inputs changed (every one with ``force``). Bad input is reported per SKU and
    the rest goes on."""
    lib = Path(library)
    if not has_journal(lib):
        raise ConfigError(lib, None, "not an imgprep library (no journal)", "give the folder passed as --library")
    with library_lock(lib), Journal(lib) as j:
        spec = _template_spec(template, j)
        t = load_template(spec)
        if j.meta("page_template") != spec:
            with j.tx():
                j.set_meta("page_template", spec)
        report = PageReport(str(lib), t.name)
        shoots = {r["sku"].casefold(): r["sku"] for r in j.shoots()}
        for given in skus if skus is not None else list(shoots.values()):
            sku = shoots.get(given.casefold())
            if sku is None:
                why = Reason.of("page-no-shoot", sku=given)
                report.items.append(PageResult(given, "failed", reason=str(why), why=why))
                continue
            res = PageResult(sku)
            try:
                _build_one(j, lib, sku, t, force, res)
            except (OSError, ValueError, ImgprepError) as e:
                res.status, res.reason = "failed", f"{sku}: {e}"
            report.items.append(res)
    return report


def _load_rgb(path: Path):
    from PIL import Image

    with Image.open(path) as im:
        im.load()
        return im.convert("RGB")


def _hero_photo(lib: Path, row: Any):
    """The hero rendition without the spec panel drawn below it (the page sets its own),
    and whether a panel is still on it (a hero rendered before its facts kept the panel's
    height, or one with the panel over the photo)."""
    img = _load_rgb(lib / row["path"])
    panel = json.loads(row["facts"] or "{}").get("panel")
    if panel is None:
        return img, False
    cut = int(panel.get("height") or 0)
    if panel.get("place") == "below" and 0 < cut < img.height:
        return img.crop((0, 0, img.width, img.height - cut)), False
    return img, True


def _names_used(j: Journal, lib: Path, sku: str) -> list[str]:
    names = j.backup_paths(sku_root(sku) + "/")  # every file of the SKU the backup holds
    names += [f["path"] for f in j.files_for_sku(sku)]
    for sub in ("page", "superseded"):
        folder = lib / sku_folder(sku, sub)
        if folder.is_dir():
            names += [p.name for p in folder.iterdir()]
    return names


def _page_stem(j: Journal, lib: Path, sku: str) -> str:
    stem = f"{sku}-page"
    names = [n.replace("\\", "/").rsplit("/", 1)[-1].casefold() for n in _names_used(j, lib, sku)]
    first = stem.casefold()
    if not any(n.startswith((first + ".", first + "-")) for n in names):
        return stem
    return revision_stem(stem, next_revision(stem, names, (".jpg", ".html")))


def _build_one(j: Journal, lib: Path, sku: str, t: PageTemplate, force: bool, res: PageResult) -> None:
    from .engine import sku_folders_problem
    from .mirror import copy_now

    refused = sku_folders_problem(lib, sku)
    if refused:
        raise ConfigError(None, None, refused)
    inputs = page_inputs(j, sku, t)
    res.problems += inputs.problems
    if not force and _unchanged(j, lib, sku, inputs, res):
        return
    layout, image, cuts, pieces = _draw(lib, sku, t, inputs, res)
    stem = _page_stem(j, lib, sku)
    outputs, written = _write_page(lib, sku, t, stem, image, pieces)
    facts = {"inputs": inputs.parts, "template": t.name, "size": list(image.size), "cuts": cuts, **written,
             "problems": res.problems, "notes": res.notes, "sections": [s[0] for s in layout.sections]}
    gone = [f["path"] for f in j.files_for_sku(sku) if f["kind"] in PAGE_KINDS]
    with j.tx():
        for p in gone:
            j.drop_file(p)
        for rel, data, kind in outputs:
            j.add_file(rel, hash_bytes(data), len(data), kind, facts=facts if kind == "page" else None)
        queue_everywhere(j, [rel for rel, _, _ in outputs])
        j.log("info", "page", f"{', '.join(gone) or '-'} → {outputs[0][0]} ({len(pieces)} slices)", sku=sku)
    for p in gone:
        try:  # out of the upload folder, kept (never deleted, never overwritten)
            move_new(lib / p, lib / in_folder(sku, "superseded", Path(p).name))
        except (OSError, FileOpError) as e:
            res.problems.append(f"{p}: superseded but not moved ({e})")
    res.page, res.slices, res.html = outputs[0][0], facts["slices"], facts["html"]
    res.superseded, res.size = gone, list(image.size)
    res.problems += copy_now(j, lib, [rel for rel, _, _ in outputs])


def _unchanged(j: Journal, lib: Path, sku: str, inputs: Any, res: PageResult) -> bool:
    """The page is there and made from the same inputs: ``res`` says so."""
    old = current_page(j, sku)
    if old is None:
        return False
    facts = json.loads(old["facts"] or "{}")
    if facts.get("inputs") != inputs.parts or not (lib / old["path"]).is_file():
        return False
    res.status, res.page = "unchanged", old["path"]
    res.slices, res.html, res.size = facts.get("slices", []), facts.get("html"), facts.get("size", [])
    res.problems += facts.get("problems", [])
    res.notes += facts.get("notes", [])
    return True


def _draw(lib: Path, sku: str, t: PageTemplate, inputs: Any, res: PageResult) -> tuple[Any, Any, list, list]:
    """The page laid out and drawn: (layout, image, cut points, slices)."""
    from ..core.imaging import page as pg
    from ..core.imaging.render import downscale

    def fit(img):
        if img.width == t.content_width:
            return img
        size = (t.content_width, max(1, round(img.height * t.content_width / img.width)))
        return downscale(img, size) if img.width > t.content_width else img.resize(size, 3)

    hero, hero_panel = _hero_photo(lib, inputs.hero) if inputs.hero is not None else (None, False)
    details = [pg.Detail(fit(_load_rgb(lib / f["path"])), point) for f, point in inputs.details]
    layout = pg.layout_page(t, sku, inputs.product, fit(hero) if hero is not None else None, details,
                            inputs.hidden, hero_has_panel=hero_panel)
    res.problems += layout.problems
    res.notes += layout.notes
    if layout.missing_glyphs:
        res.problems.append(say("page-glyphs", sku=sku, chars="".join(sorted(layout.missing_glyphs))))
    image = pg.draw_page(layout)
    cuts = pg.cut_points(layout, image, t.max_height)
    return layout, image, cuts, pg.slices(image, cuts)


def _write_page(lib: Path, sku: str, t: PageTemplate, stem: str, image: Any, pieces: list
                ) -> tuple[list[tuple[str, bytes, str]], dict[str, Any]]:
    """The page, its slices and its HTML written to ``SKU/page/``: (path, bytes, kind) of
    each, and the facts the page's row keeps."""
    from ..core.imaging import page as pg
    from ..core.imaging.render import encode_jpeg

    whole, _ = encode_jpeg(image, t.quality)
    encoded = [encode_jpeg(p, t.quality, t.max_bytes) for p in pieces]
    slice_names = [f"{stem}-{i:02d}.jpg" for i in range(1, len(pieces) + 1)]
    html = pg.page_html(sku, slice_names, [p.size for p in pieces], t.width).encode("utf-8")
    outputs = [(in_folder(sku, "page", f"{stem}.jpg"), whole, "page"),
               *[(in_folder(sku, "page", n), data, "page-slice") for n, (data, _) in zip(slice_names, encoded, strict=True)],
               (in_folder(sku, "page", f"{stem}.html"), html, "page-html")]
    for rel, data, _ in outputs:
        write_new(lib / rel, data)
    facts = {"slices": [in_folder(sku, "page", n) for n in slice_names], "html": in_folder(sku, "page", f"{stem}.html"),
             "quality": [q for _, q in encoded]}
    return outputs, facts


# ---------------------------------------------------------------------------- the app
@dataclass
class PageInfo:
    """One SKU's page as the app shows it."""

    sku: str
    path: Path | None = None           # the whole page, absolute
    size: list[int] = field(default_factory=list)
    cuts: list[int] = field(default_factory=list)
    state: str = "missing"             # missing | stale | current
    changed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    message: Reason | str = ""         # what `check` says of it (missing or stale), else ""
    sections: list[str] = field(default_factory=list)  # the template's sections, in order
    hidden: frozenset[str] = frozenset()


def page_info(library: str | Path, sku: str) -> PageInfo:
    """The SKU's page, its slice boundaries and whether it is current (read-only)."""
    from .services import _reading

    info = PageInfo(sku)
    with _reading(library) as j:
        if j is None:
            return info
        t = page_template_of(j) or load_template(None)
        info.sections = [s.kind for s in t.sections if s.enabled]
        info.hidden = load_toggles(library, sku)[0]
        info.state, info.changed = page_state(j, sku, t)
        row = current_page(j, sku)
        if row is not None:
            facts = json.loads(row["facts"] or "{}")
            info.path = Path(library) / row["path"]
            info.size, info.cuts, info.problems = facts.get("size", []), facts.get("cuts", []), facts.get("problems", [])
        info.message = state_message(info.state, info.changed, row)
    return info


def state_message(state: str, changed: list[str], row: Any) -> Reason | str:
    if state == "missing":
        return Reason.of("page-missing")
    if state == "stale":
        return Reason.of("page-stale", path=row["path"], what=", ".join(INPUT_NAMES[k] for k in changed))
    return ""


def show_section(library: str | Path, sku: str, kind: str, shown: bool) -> PageReport:
    """Show or hide one section on ``sku``'s page (kept in ``SKU/page.toml``) and build
    the page again."""
    hidden = set(load_toggles(library, sku)[0])
    (hidden.discard if shown else hidden.add)(kind)
    save_toggles(library, sku, hidden)
    return build_pages(library, [sku])
