"""Upload packages for a platform (``imgprep export``): one folder per SKU, outside the
library, with what a listing needs.

    OUT/A1234/
      主图/01.jpg …      main images: square, the platform's size and byte cap; the hero
                          first, then the details; the white-background image in the slot
                          the platform wants (first, last, or its own)
      白底图.jpg          the product alone on pure white (no watermark: the platform forbids it)
      详情/01.jpg …      the description page's slices (``SKU/page``), else the renditions
      listing.csv        the sheet's fields, the title, the image names in order (UTF-8 with BOM)
      README.txt         what goes where, in Chinese and English
    OUT/listing.csv      every exported SKU's row, for bulk-listing tools

The designer's choices live in ``library/SKU/listing.json`` (:class:`ListingChoices`): the
main images' order, the frame cut for the white-background image, and brush strokes that
force parts of a frame to product or backdrop. The app edits them; an export reads them.

Built from the library only: the originals in ``raw/`` (decoded again at the size the
platform needs, with the shoot's colour fit), the renditions and the page slices. A
folder is written whole beside its final name and then renamed into place; a folder from
an earlier export is moved to ``OUT/.superseded/`` first, never overwritten. An image
that cannot meet the platform's byte cap at the preset's lowest quality, or a white
background that cannot be cut reliably, is reported and left out, never degraded.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..core.catalogue import Product
from ..core.errors import ImgprepError
from ..core.fsutil import write_new, write_replace
from ..core.journal import Journal, has_journal
from ..core.library import sidecar
from ..core.messages import Reason, say
from ..core.platforms import ImageSpec, Platform
from ..core.presets import Preset

MAIN_DIR, DETAIL_DIR, WHITE_NAME = "主图", "详情", "白底图.jpg"
LISTING_FILE = "listing.json"
WORK_SIDE = 2400  # decode size (short side) for main and white-background images
CSV_FIELDS = ("货号", "标题", "商品名称", "颜色", "面料", "尺码", "商品说明", "长(cm)", "宽(cm)", "高(cm)",
              "卖点", "主图", "白底图", "详情图")


@dataclass
class ExportItem:
    sku: str
    folder: str | None = None
    main: list[str] = field(default_factory=list)
    main_from: list[str] = field(default_factory=list)  # the frame (SKU-NN) each main image shows
    white: str | None = None
    white_from: str | None = None
    details: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.folder is None:
            return "failed"
        return "partial" if self.problems else "done"

    def to_json(self) -> dict[str, Any]:
        return {"sku": self.sku, "status": self.status, "folder": self.folder, "main": self.main,
                "main_from": self.main_from, "white": self.white, "white_from": self.white_from,
                "details": self.details, "problems": self.problems}


@dataclass
class ExportReport:
    platform: str
    out: str
    items: list[ExportItem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        counts = {s: sum(1 for i in self.items if i.status == s) for s in ("done", "partial", "failed")}
        return {"platform": self.platform, "out": self.out, "items": [i.to_json() for i in self.items],
                "summary": counts}


# ---------------------------------------------------------------------------- choices
Stroke = tuple[str, float, float, float]  # ("keep" | "remove", x, y, radius): fractions of the frame's width


@dataclass
class ListingChoices:
    """A SKU's listing choices, by frame name (``SKU-NN``)."""

    order: list[str] = field(default_factory=list)
    white: str | None = None
    strokes: dict[str, list[Stroke]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"order": self.order, "white": self.white,
                "strokes": {k: [list(s) for s in v] for k, v in self.strokes.items() if v}}


def read_choices(library: str | Path, sku: str) -> ListingChoices:
    """The saved choices; a missing or unreadable file gives none (the defaults)."""
    path = Path(library) / sidecar(sku, LISTING_FILE)
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        strokes = {str(k): [(str(s[0]), float(s[1]), float(s[2]), float(s[3])) for s in v
                            if s[0] in ("keep", "remove")] for k, v in dict(d.get("strokes", {})).items()}
        return ListingChoices([str(x) for x in d.get("order", [])], d.get("white"), strokes)
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return ListingChoices()


def save_choices(library: str | Path, sku: str, choices: ListingChoices) -> Path:
    data = json.dumps(choices.to_json(), ensure_ascii=False, indent=1).encode("utf-8")
    return write_replace(Path(library) / sidecar(sku, LISTING_FILE), data)


def stroke_masks(strokes: list[Stroke], w: int, h: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(keep, remove) boolean masks of a (w × h) frame from its strokes (None: no stroke)."""
    import cv2

    out: dict[str, np.ndarray] = {}
    for kind, x, y, r in strokes:
        m = out.setdefault(kind, np.zeros((h, w), np.uint8))
        cv2.circle(m, (round(x * w), round(y * w)), max(1, round(r * w)), 1, -1)
    keep, remove = out.get("keep"), out.get("remove")
    return (keep > 0 if keep is not None else None), (remove > 0 if remove is not None else None)


def ordered(rows: list[Any], sku: str, choices: ListingChoices) -> list[Any]:
    """Product frames in the designer's order: those named in ``choices.order`` first,
    the rest after them, hero first then by number."""
    from ..core.naming import frame_stem

    rows = sorted(rows, key=lambda r: (r["role"] != "hero", r["seq"]))
    rank = {name.casefold(): i for i, name in enumerate(choices.order)}
    return sorted(rows, key=lambda r: rank.get(frame_stem(sku, r["seq"]).casefold(), len(rank)))


# ---------------------------------------------------------------------------- images
def encode_within(img: Image.Image, spec: ImageSpec, exif: Any = None) -> tuple[bytes | None, int, int]:
    """JPEG at the spec's quality, stepping down to its ``min_quality`` to meet the byte
    cap: (data or None when even that is too big, quality, bytes at the last try)."""
    from ..core.imaging.render import encode_jpeg

    try:
        data, q = encode_jpeg(img, spec.quality, spec.max_bytes, exif, min_quality=spec.min_quality)
    except ValueError:
        data, q = encode_jpeg(img, spec.min_quality, 0, exif)
        return None, q, len(data)
    return data, q, len(data)


def square_around(rgb: np.ndarray, box: tuple[int, int, int, int] | None, spec: ImageSpec) -> Image.Image:
    """A square of the frame around the product's box (its longer side filling
    ``spec.fill``), or, without a box, the whole frame (nothing of the product is cut
    off); where the square leaves the frame it is filled with the frame's border colour
    (the backdrop). Resized to the spec's size."""
    import cv2

    H, W = rgb.shape[:2]
    if box is None:
        side = max(W, H)
        cx, cy = W / 2, H / 2
    else:
        x0, y0, x1, y1 = box
        side = max(x1 - x0, y1 - y0) / spec.fill
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = side / 2
    left, top = round(cx - half), round(cy - half)
    right, bottom = round(cx + half), round(cy + half)
    pad = (max(0, -top), max(0, bottom - H), max(0, -left), max(0, right - W))
    if any(pad):
        border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
        fill = [int(v) for v in np.median(border, axis=0)]
        rgb = cv2.copyMakeBorder(rgb, *pad, cv2.BORDER_CONSTANT, value=fill)
        left, right, top, bottom = left + pad[2], right + pad[2], top + pad[0], bottom + pad[0]
    crop = rgb[top:bottom, left:right]
    tw, th = spec.size
    interp = cv2.INTER_AREA if crop.shape[1] > tw else cv2.INTER_CUBIC
    return Image.fromarray(cv2.resize(np.ascontiguousarray(crop), (tw, th), interpolation=interp))


@dataclass
class _Frame:
    stem: str
    rgb: np.ndarray
    exif: Any
    box: tuple[int, int, int, int] | None
    cut: Any
    refused: Reason | None


def _decode(lib: Path, row: Any, fit: dict[str, Any] | None) -> tuple[np.ndarray, np.ndarray, Any]:
    """(the frame as shot, the frame colour-corrected, its EXIF to keep). The product is
    found on the frame as shot: a correction may clip a bright backdrop or tint it
    towards the product's colour, and segmentation wants the camera's own contrast."""
    from ..core.imaging.load import load
    from ..core.imaging.render import KeptExif
    from .colour_hooks import apply_fit

    loaded = load(lib / row["raw_path"], need_scale=lambda w, h: min(1.0, WORK_SIDE / min(w, h)),
                  deep=fit is not None)
    shot = np.asarray(loaded.image.convert("RGB")) if loaded.image is not None else None
    img = apply_fit(loaded.image, fit, loaded.deep) if fit is not None else loaded.image
    corrected = np.asarray(img.convert("RGB"))
    return (corrected if shot is None else shot), corrected, \
        KeptExif(loaded.artist, loaded.copyright, loaded.capture_time)


def _frame(lib: Path, row: Any, fit: dict[str, Any] | None, stem: str, strokes: list[Stroke]) -> _Frame:
    from ..core.imaging.cutout import CutoutRefused, cut_out

    shot, rgb, exif = _decode(lib, row, fit)
    try:
        cut = cut_out(shot, *stroke_masks(strokes, shot.shape[1], shot.shape[0]))
        return _Frame(stem, rgb, exif, cut.box, cut, None)
    except CutoutRefused as e:
        return _Frame(stem, rgb, exif, None, None, e.why)


# ---------------------------------------------------------------------------- listing
def title_for(product: Product | None, sku: str, limit: int) -> tuple[str, bool]:
    """The product's name cut to the platform's title length (a CJK character counts 2):
    (title, cut)."""
    name = (product.name if product and product.name else sku).strip()
    units, out = 0, []
    for ch in name:
        u = 2 if ord(ch) > 0x7F else 1
        if units + u > limit:
            return "".join(out), True
        units += u
        out.append(ch)
    return name, False


def _csv_row(sku: str, title: str, product: Product | None, item: ExportItem) -> dict[str, str]:
    p = product or Product(sku)

    def cm(v: float | None) -> str:
        return "" if v is None else f"{v:g}"

    return {"货号": sku, "标题": title, "商品名称": p.name, "颜色": p.colour, "面料": p.fabric, "尺码": p.size,
            "商品说明": p.description, "长(cm)": cm(p.length_cm), "宽(cm)": cm(p.width_cm),
            "高(cm)": cm(p.height_cm), "卖点": "；".join(p.selling_points), "主图": ";".join(item.main),
            "白底图": item.white or "", "详情图": ";".join(item.details)}


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    """UTF-8 with a BOM (Excel on Windows then reads Chinese right), CRLF lines."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _readme(platform: Platform, item: ExportItem) -> bytes:
    pos = {"first": ("主图第 1 张", "the first main image"), "last": ("主图最后一张", "the last main image"),
           "separate": ("单独的白底图位置", "its own upload slot")}[platform.white_position]
    m = platform.main
    lines = [
        f"{item.sku} · {platform.title}",
        "",
        f"主图/     主图，按顺序上传（{m.size[0]}×{m.size[1]}，每张不超过 {m.max_bytes // 1024} KB）",
        f"白底图.jpg 白底图：纯白背景，无水印、文字、标志；上传到{pos[0]}",
        f"详情/     详情页图片，按顺序放入详情编辑器（宽 {platform.page_width} px）",
        "listing.csv 商品信息与图片文件名（UTF-8，Excel 可直接打开）",
        "",
        f"主图/      main images, upload in order ({m.size[0]}×{m.size[1]}, at most {m.max_bytes // 1024} KB each)",
        f"白底图.jpg  white-background image: pure white, no watermark, text or logo; upload to {pos[1]}",
        f"详情/      description page images, in order, into the description editor ({platform.page_width} px wide)",
        "listing.csv product fields and image names (UTF-8 with BOM, opens in Excel)",
    ]
    if item.problems:
        lines += ["", "注意 / Note:"] + [f"- {p}" for p in item.problems]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


# ---------------------------------------------------------------------------- export
def export(library: str | Path, platform: Platform, out: str | Path, preset: Preset,
           skus: list[str] | None = None) -> ExportReport:
    """Write the upload folders; see the module docstring."""
    lib, out = Path(library), Path(out)
    report = ExportReport(platform.name, str(out))
    if not has_journal(lib):
        raise ImgprepError(say("export-no-journal", library=lib))
    # Opened as `check` opens it: a library from an earlier imgprep has its journal
    # brought up to date first (read-only, it would read as no journal at all).
    with Journal(lib) as j:
        known = sorted({r["sku"] for r in j.sources()})
        wanted = known if not skus else skus
        rows_csv: list[dict[str, str]] = []
        for sku in wanted:
            match = next((k for k in known if k.casefold() == sku.casefold()), None)
            item = ExportItem(match or sku)
            report.items.append(item)
            if match is None:
                item.problems.append(say("export-unknown-sku", sku=sku))
                continue
            try:
                row = _export_sku(j, lib, out, platform, preset, item)
            except (OSError, ImgprepError, ValueError) as e:
                item.folder = None
                item.problems.append(f"{type(e).__name__}: {e}" if not isinstance(e, ImgprepError) else str(e))
                continue
            if row is not None:
                rows_csv.append(row)
    if rows_csv:
        _replace_file(out / "listing.csv", csv_bytes(rows_csv), out)
    return report


def _export_sku(j: Any, lib: Path, out: Path, platform: Platform, preset: Preset,
                item: ExportItem) -> dict[str, str] | None:
    from ..core.naming import frame_stem

    sku = item.sku
    rows = [r for r in j.sources(sku) if r["kind"] == "product" and r["state"] == "rendered"]
    if not rows:
        item.problems.append(say("export-nothing-rendered", sku=sku))
        return None
    choices = read_choices(lib, sku)
    rows = ordered(rows, sku, choices)
    d = j.product(sku)
    product = Product.from_dict(d) if d else None
    fits = _fits(j, rows)

    def frame(r: Any) -> _Frame:
        stem = frame_stem(sku, r["seq"])
        return _frame(lib, r, fits.get(r["fit_id"]), stem, choices.strokes.get(stem, []))

    white_first = platform.white is not None and platform.white_position in ("first", "last")
    n_photos = platform.main_count - (1 if white_first else 0)
    frames = [frame(r) for r in rows[:max(1, n_photos)]]
    white_data, hero_stem = None, None
    if platform.white is not None:  # the white-background image, from the hero
        chosen = [r for r in rows if frame_stem(sku, r["seq"]).casefold() == (choices.white or "").casefold()]
        hero = next((f for f in frames if chosen and f.stem == frame_stem(sku, chosen[0]["seq"])), None)
        if hero is None:
            hero = frame(chosen[0]) if chosen else frames[0]
        hero_stem = hero.stem
        if hero.cut is None:
            item.problems.append(say("export-white-refused", frame=hero.stem, reason=hero.refused))
        else:
            white_data = _white(hero, platform.white, item)
    files = _main_files(frames[:n_photos], platform, preset, item, white_data, hero_stem)
    for k, data in enumerate(_details(j, lib, sku, rows, platform, item), 1):
        name = f"{DETAIL_DIR}/{k:02d}.jpg"
        files[name] = data
        item.details.append(name)
    title, cut = title_for(product, sku, platform.title_max_units)
    if cut:
        item.problems.append(say("export-title-cut", sku=sku, units=platform.title_max_units, title=title))
    row = _csv_row(sku, title, product, item)
    files["listing.csv"] = csv_bytes([row])
    files["README.txt"] = _readme(platform, item)
    item.folder = str(_publish_folder(out, sku, files))
    return row


def _fits(j: Any, rows: list[Any]) -> dict[int, dict[str, Any]]:
    """The colour fits of ``rows`` by id."""
    fits: dict[int, dict[str, Any]] = {}
    for r in rows:
        if r["fit_id"] is not None and r["fit_id"] not in fits:
            f = j.fit(r["fit_id"])
            if f is not None:
                fits[r["fit_id"]] = json.loads(f["fit"])
    return fits


def _main_files(frames: list[_Frame], platform: Platform, preset: Preset, item: ExportItem,
                white_data: bytes | None, hero_stem: str | None) -> dict[str, bytes]:
    """The main images (squared, watermarked, within the byte cap), with the white-background
    image first or last as the platform wants it."""
    from ..core.imaging.watermark import apply_watermark

    mains: list[tuple[bytes, str]] = []
    for fr in frames:
        img = square_around(fr.rgb, fr.box, platform.main)
        if platform.main.watermark and preset.watermark.enabled:
            img = apply_watermark(img, preset.watermark)
        data, q, size = encode_within(img, platform.main, fr.exif)
        if data is None:
            item.problems.append(say("export-over-cap", frame=fr.stem, size=size,
                                     cap=platform.main.max_bytes, quality=q))
            continue
        mains.append((data, fr.stem))
    if white_data is not None and platform.white_position == "first":
        mains.insert(0, (white_data, WHITE_NAME))
    elif white_data is not None and platform.white_position == "last":
        mains.append((white_data, WHITE_NAME))
    files: dict[str, bytes] = {}
    for k, (data, source) in enumerate(mains[:platform.main_count], 1):
        name = f"{MAIN_DIR}/{k:02d}.jpg"
        files[name] = data
        item.main.append(name)
        item.main_from.append(source)
    if white_data is not None:
        files[WHITE_NAME] = white_data
        item.white = WHITE_NAME
        item.white_from = hero_stem
    return files


def _white(fr: _Frame, spec: ImageSpec, item: ExportItem) -> bytes | None:
    from ..core.imaging.cutout import white_background

    canvas, _ = white_background(fr.rgb, fr.cut, spec.size, spec.fill)
    data, q, size = encode_within(Image.fromarray(canvas), spec)  # no EXIF, no mark: the product alone
    if data is None:
        item.problems.append(say("export-over-cap", frame=WHITE_NAME, size=size, cap=spec.max_bytes, quality=q))
    return data


def _details(j: Any, lib: Path, sku: str, rows: list[Any], platform: Platform,
             item: ExportItem) -> list[bytes]:
    """The description page's slices when the library has them, else the renditions
    (hero, then details), each checked against the platform's limits."""
    from .page import current_page

    page = current_page(j, sku)
    facts = json.loads(page["facts"] or "{}") if page is not None else {}
    width = (facts.get("size") or [0])[0]
    if page is not None and width and width != platform.page_width:
        item.problems.append(say("export-page-width", sku=sku, width=width, platform=platform.title,
                                 wanted=platform.page_width))
    paths = [lib / rel for rel in facts.get("slices", [])] or [
        lib / f["path"] for r in rows for f in j.files(r["id"], "jpg")]
    out = []
    for p in paths:
        data = p.read_bytes()
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
        if len(data) > platform.slice_max_bytes or h > platform.slice_max_height or w > 2 * platform.page_width:
            item.problems.append(say("export-detail-limits", file=p.name, width=w, height=h, size=len(data),
                                     max_height=platform.slice_max_height, cap=platform.slice_max_bytes))
            continue
        out.append(data)
    return out


def _publish_folder(out: Path, sku: str, files: dict[str, bytes]) -> Path:
    """Write ``files`` into ``out/sku`` whole: into a temporary folder beside it, then
    renamed into place; an earlier export's folder moves to ``out/.superseded`` first."""
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{sku}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    for rel, data in files.items():
        write_new(tmp / rel, data)
    final = out / sku
    _set_aside(final, out)
    os.replace(tmp, final)
    return final


def _replace_file(path: Path, data: bytes, out: Path) -> None:
    """A file of the export's own (not a library file): an earlier one is kept under
    ``.superseded``."""
    _set_aside(path, out)
    write_new(path, data)


def _set_aside(path: Path, out: Path) -> None:
    """An earlier export's file or folder moves to ``out/.superseded``, its name stamped."""
    if path.exists():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        name = f"{path.name}-{stamp}" if path.is_dir() else f"{path.stem}-{stamp}{path.suffix}"
        old = out / ".superseded" / name
        old.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, old)


# ---------------------------------------------------------------------------- the app's listing tab
@dataclass(frozen=True)
class ListingFrame:
    stem: str           # SKU-NN
    raw: str            # the original, absolute path
    role: str           # hero | detail


def listing_frames(library: str | Path, sku: str) -> list[ListingFrame]:
    """The SKU's rendered product frames in the designer's order (see :func:`ordered`)."""
    from ..core.naming import frame_stem
    from .services import _reading

    lib = Path(library)
    with _reading(lib) as j:
        if j is None:
            return []
        rows = [r for r in j.sources(sku) if r["kind"] == "product" and r["state"] == "rendered"]
        return [ListingFrame(frame_stem(sku, r["seq"]), str(lib / r["raw_path"]), r["role"])
                for r in ordered(rows, sku, read_choices(lib, sku))]


def white_preview(library: str | Path, sku: str, stem: str, strokes: list[Stroke],
                  size: tuple[int, int] = (480, 480), fill: float = 0.85) -> tuple[np.ndarray | None, Reason | None]:
    """The white-background image of one frame as the export would cut it (at a preview
    size): (canvas, None), or (None, the reason it is refused)."""
    from ..core.imaging.cutout import white_background
    from ..core.naming import frame_stem
    from .services import _reading

    lib = Path(library)
    with _reading(lib) as j:
        if j is None:
            return None, Reason.of("export-no-journal", library=str(lib))
        row = next((r for r in j.sources(sku) if r["kind"] == "product"
                    and frame_stem(sku, r["seq"]).casefold() == stem.casefold()), None)
        if row is None:
            return None, Reason.of("export-unknown-sku", sku=stem)
        f = j.fit(row["fit_id"]) if row["fit_id"] is not None else None
        fit = json.loads(f["fit"]) if f is not None else None
    fr = _frame(lib, row, fit, stem, strokes)
    if fr.cut is None:
        return None, fr.refused
    return white_background(fr.rgb, fr.cut, size, fill)[0], None
