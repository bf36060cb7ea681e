"""Files that travel with the frames but are not frames: designers' PSDs and a frame's
companions (a RAW's camera JPEG, a Live Photo's video). Copied byte-identical into the
library under the number of the frame they belong to, journaled as files of that frame,
mirrored; never decoded. Taken after every frame of their shoot has its name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..core import library
from ..core.errors import FileOpError
from ..core.fsutil import FileExists, copy_new, hash_file
from ..core.imaging.load import IMAGE_EXTENSIONS, RAW_EXTENSIONS
from ..core.messages import Reason, error_reason, say
from ..core.naming import frame_stem, next_free, psd_frame, psd_stem
from .intake import fold, is_video, nfc, psd_problem
from .outcome import Item
from .run import Run


def facts(row: Any) -> dict[str, Any]:
    return json.loads(row["facts"] or "{}")


def product_numbers(run: Run, sku: str) -> set[int]:
    """Numbers taken by the SKU's product frames and PSDs (a PSD of no frame is a source
    of its own), in the journal and on disk: never given out again."""
    psds = [Path(f["path"]).stem for f in run.j.files_for_sku(sku) if f["kind"] == "psd"]
    return (run.j.used_seqs(sku, "product") | library.numbers(psds, sku, False)
            | library.numbers_on_disk(run.lib, sku, "raw") | library.numbers_on_disk(run.lib, sku, "psd"))


def _cancelled(run: Run, it: Item) -> bool:
    if run.cancel.is_set():
        it.set("skipped", Reason.of("cancelled"))
    return run.cancel.is_set()


def _landed(run: Run, it: Item, rel: str, sha: str, st: Any, kind: str, source_id: int | None) -> Item:
    """A side file is in the library: journaled, queued for the mirror, told."""
    with run.j.tx():
        run.j.add_file(rel, sha, st.st_size, kind, source_id, facts={"source": it.source, "mtime_ns": st.st_mtime_ns})
        run.mirror.note(rel)
    run.mirror.start(rel)
    run.progress({"event": "ingested", "source": it.source, "sku": it.sku, "file": rel})
    it.raw = rel
    it.backup = run.mirror.state([rel])
    return it


def take_psd(run: Run, sku: str, path: Path) -> Item:
    """A designer's PSD: checked by its header, never decoded; named by the frame it
    belongs to (naming.psd_frame, psd_stem); copied byte-identical like an original,
    journaled as a 'psd' file of that frame and mirrored. It is not a frame (no sources
    row): no colour, hero, renditions or detail count."""
    it = Item(nfc(path), sku, "done", None, "psd")
    if _cancelled(run, it):
        return it
    try:
        st = path.stat()
        problem = psd_problem(path)
    except OSError as e:
        problem = Reason.of("cannot-read", detail=e.strerror or str(e))
    if problem:
        return run.failed(it, problem)
    known = [f for f in run.j.files_for_sku(sku) if f["kind"] == "psd"]
    same = [f for f in known if facts(f).get("source") == it.source
            and (f["size"], facts(f).get("mtime_ns")) == (st.st_size, st.st_mtime_ns)]
    sha = ""
    if not same:
        try:
            sha = hash_file(path)
        except OSError as e:
            return run.failed(it, Reason.of("cannot-read", detail=e.strerror or str(e)))
        prior = run.j.files_by_sha(sha, "psd")
        same = [f for f in prior if facts(f).get("source") == it.source]
        if prior and not same:
            return _duplicate_psd(run, it, prior[0])
    if same:
        it.raw = same[-1]["path"]
        it.set("skipped", Reason.of("unchanged", name=Path(it.raw).stem))
        it.backup = run.mirror.state([it.raw])
        return it
    try:
        rel, frame_id = _place_psd(run, sku, path, sha, st.st_size, known, it.notes)
    except FileExists as e:
        return run.failed(it, Reason.of("exists-other-content", path=Path(str(e)).relative_to(run.lib).as_posix()))
    except (OSError, FileOpError) as e:
        return run.failed(it, error_reason(e))
    return _landed(run, it, rel, sha, st, "psd", frame_id)


def _duplicate_psd(run: Run, it: Item, prior: Any) -> Item:
    it.set("duplicate", Reason.of("duplicate-of-library", source=facts(prior).get("source"),
                                  name=Path(prior["path"]).stem))
    with run.j.tx():
        run.j.log("info", "duplicate", it.why or "", sku=it.sku, source=it.source)
    return it


def _place_psd(run: Run, sku: str, path: Path, sha: str, size: int, known: list[Any],
               notes: list[str]) -> tuple[str, int | None]:
    """Name a new PSD and copy it into the library; returns its library path and the
    id of the frame it belongs to (None: a source of its own)."""
    frames = [r for r in run.j.sources(sku) if r["kind"] == "product"]
    seq = psd_frame(path.stem, sku, [(r["seq"], Path(r["source_path"]).stem) for r in frames])
    frame_id = next((r["id"] for r in frames if r["seq"] == seq), None)
    folder = run.lib / library.folder(sku, "psd")
    on_disk = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")] if folder.is_dir() else []
    paths = {f["path"] for f in known}
    for p in on_disk:  # a run that stopped between the copy and its journal row left it: adopt it
        rel = library.in_folder(sku, "psd", p.name)
        if rel not in paths and p.stat().st_size == size and hash_file(p) == sha:
            return rel, frame_id
    if seq is None:
        seq = next_free(product_numbers(run, sku))
    stem = psd_stem(sku, seq, sorted(paths) + [p.name for p in on_disk])
    rel = library.in_folder(sku, "psd", f"{stem}{path.suffix.lower()}")
    if frame_id is None:
        notes.append(say("psd-no-frame", sku=sku, stem=path.stem, name=stem))
    elif stem != frame_stem(sku, seq):
        notes.append(say("psd-revision", name=frame_stem(sku, seq), revision=stem))
    copy_new(path, run.lib / rel, expect_sha256=sha)
    return rel, frame_id


def take_companion(run: Run, sku: str, path: Path) -> Item:
    """A RAW frame's camera JPEG or a photo's Live Photo video (intake.split_companions):
    copied byte-identical next to the frame's original under the same number
    (``raw/A1234-03.jpg`` beside ``raw/A1234-03.cr2``), journaled as a 'companion' file
    of that frame and mirrored. Never decoded, never a frame; a video whose photo was not
    taken (it failed) is left where it is, not failed."""
    it = Item(nfc(path), sku, "done", None, "companion")
    if _cancelled(run, it):
        return it
    stem = fold(path.stem)
    frames = [r for r in run.j.sources(sku) if fold(Path(r["source_path"]).stem) == stem]
    frames.sort(key=lambda r: Path(r["source_path"]).parent != path.parent)  # the same folder first
    try:
        st = path.stat()
        sha = hash_file(path)
    except OSError as e:
        return run.failed(it, Reason.of("cannot-read", detail=e.strerror or str(e)))
    if not frames:
        return _frameless(run, it, path, stem)
    rel = Path(frames[0]["raw_path"]).with_suffix(path.suffix.lower()).as_posix()
    known = _known_companion(run, it, sha, rel)
    if known is not None:
        return known
    try:
        copy_new(path, run.lib / rel, expect_sha256=sha)
    except FileExists:
        try:  # a run that stopped between the copy and its journal row left it: adopt it
            adopt = hash_file(run.lib / rel) == sha
        except OSError:
            adopt = False
        if not adopt:
            return run.failed(it, Reason.of("exists-other-content", path=rel))
    except (OSError, FileOpError) as e:
        return run.failed(it, error_reason(e))
    return _landed(run, it, rel, sha, st, "companion", frames[0]["id"])


def _frameless(run: Run, it: Item, path: Path, stem: str) -> Item:
    """A companion whose frame is not in the library."""
    if is_video(path):  # its photo failed (and says why): taken with it later
        still = next((f.name for f in sorted(path.parent.iterdir()) if fold(f.stem) == stem
                      and f.suffix.lower() in IMAGE_EXTENSIONS), "?")
        it.set("skipped", Reason.of("video-still-not-taken", still=still))
        return it
    # not expected (a JPEG whose RAW failed is a frame by now): say so, keep it where it is
    raw = next((f.name for f in path.parent.iterdir() if f.suffix.lower() in RAW_EXTENSIONS
                and fold(f.stem) == stem), "?")
    return run.failed(it, Reason.of("companion-orphan", raw=raw))


def _known_companion(run: Run, it: Item, sha: str, rel: str) -> Item | None:
    """The item of a companion whose content the library has, or None."""
    prior = run.j.files_by_sha(sha, "companion")
    if prior:
        had = prior[-1]["path"]
        if had == rel or facts(prior[-1]).get("source") == it.source:
            it.set("skipped", Reason.of("unchanged", name=Path(had).stem))
        else:
            it.set("duplicate", Reason.of("duplicate-of-library", source=it.source, name=Path(had).stem))
        it.raw, it.backup = had, run.mirror.state([had])
        return it
    as_frame = run.j.sources_by_sha(sha)
    if not as_frame:
        return None
    f = as_frame[-1]  # the same JPEG is a frame: it came alone before, or its RAW failed
    if f["source_path"] == it.source:
        return run.unchanged_item(f, it.source)
    it.set("duplicate", Reason.of("duplicate-of-library", source=f["source_path"],
                                  name=Path(f["raw_path"]).stem))
    return it
