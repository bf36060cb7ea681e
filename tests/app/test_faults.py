"""Issue 18: faults and hostile input. Each case on real temp files through the CLI (a real
watcher where the case is the hot folder): nothing crashes, nothing is written through a
link, a failed file is retried and never reported as done."""

from __future__ import annotations

import errno
import json
import os
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from helpers import photo_array, save_jpeg, sha
from PIL import Image

SRC_NAMES = ("src",)


def jpeg(path: Path, seed: int = 0, w: int = 320, h: int = 240) -> Path:
    a = photo_array(w, h, seed=seed)
    a[5:15, 5:15] = (seed * 37 % 255, seed * 11 % 255, 99)  # unique content per seed
    return save_jpeg(path, a)


def batch(run_cli, lib: Path, *sources: Path, extra: tuple = ()) -> tuple[int, dict, str]:
    code, out, err = run_cli("batch", *sources, "--library", lib, "--workers", "0", "--json", *extra)
    assert "Traceback" not in err, err
    return code, json.loads(out), err


def by_name(doc: dict) -> dict[str, dict]:
    return {Path(i["source"]).name: i for i in doc["items"]}


def assert_library_sound(run_cli, lib: Path, doc: dict | None = None, outside: list[Path] = ()) -> None:
    """The acceptance after every case: originals byte-identical, no temp files left,
    nothing outside the library, and `check` agrees with the disk."""
    for it in (doc or {}).get("items", []):
        if it["status"] in ("done", "skipped") and it.get("raw") and it["role"] not in ("slate",):
            assert sha(lib / it["raw"]) == sha(Path(it["source"])), it
    assert not [p for p in lib.rglob(".imgprep-tmp-*")], "temp files left"
    for p in outside:
        assert not any(p.rglob("*")), f"written outside the library: {list(p.rglob('*'))}"
    assert_check_agrees(run_cli, lib, doc)


def assert_check_agrees(run_cli, lib: Path, doc: dict | None = None) -> None:
    """`imgprep check LIB --json` agrees with the disk: a source the journal calls done
    whose library copy is gone or no longer hashes as recorded, and every such journal
    file, is a problem, and no file that is fine is; every failed source is listed; a file
    the batch reported failed is not done in the journal."""
    import sqlite3

    code, out, err = run_cli("check", lib, "--json")
    assert code in (0, 1) and "Traceback" not in err, err
    problems = [(p["rule"], p["message"]) for s in json.loads(out)["skus"] for p in s["problems"]]
    db = sqlite3.connect(f"file:{lib / 'imgprep.sqlite'}?mode=ro", uri=True)
    try:
        files = db.execute("SELECT path, sha256 FROM files").fetchall()
        sources = db.execute("SELECT source_path, raw_path, state, sha256 FROM sources").fetchall()
    finally:
        db.close()

    def verifies(rel: str, digest: str) -> bool:
        return (lib / rel).is_file() and sha(lib / rel) == digest

    for source, raw, state, digest in sources:
        if state == "rendered" and not verifies(raw, digest):  # damaged after its run: check says so
            assert any(r == "library" and m.startswith(raw + " ") for r, m in problems), (source, problems)
        if state == "failed":
            name = Path(source).name
            assert any(r == "failed" and m.startswith(f"{name} failed: ") for r, m in problems), (source, problems)
    states = {source: state for source, _, state, _ in sources}
    for it in (doc or {}).get("items", []):  # the report and the journal tell the same
        assert it["status"] != "failed" or states.get(it["source"]) != "rendered", it
        if it["status"] == "done" and it.get("raw") and it["role"] != "slate":
            assert states.get(it["source"]) == "rendered", it
    about = [m for r, m in problems if r == "library"]
    for rel, digest in files:
        listed = [m for m in about if m.startswith(rel + " ")]
        assert bool(listed) != verifies(rel, digest), (rel, listed)
    assert all(any(m.startswith(rel + " ") for rel, _ in files) for m in about), about


def check_failures(run_cli, lib: Path) -> list[str]:
    code, out, _ = run_cli("check", lib, "--json")
    return [p["message"] for s in json.loads(out)["skus"] for p in s["problems"] if " failed: " in p["message"]]


# ----------------------------------------------------------------------------- case 1
@pytest.mark.parametrize("in_the_way", ["jpg-folder-is-a-file", "rendition-is-a-folder"])
def test_case1_a_failed_source_is_retried_and_never_reported_as_done(tmp_path, run_cli, in_the_way):
    src = tmp_path / "src" / "RT-01"
    photo = jpeg(src / "IMG_1.jpg", 1)
    lib = tmp_path / "LIB"
    if in_the_way == "jpg-folder-is-a-file":  # the reproduction
        (lib / "RT-01").mkdir(parents=True)
        (lib / "RT-01" / "jpg").touch()
        blocker = lib / "RT-01" / "jpg"
    else:  # the original is in the library, its rendition cannot be written
        blocker = lib / "RT-01" / "jpg" / "RT-01-01.jpg"
        blocker.mkdir(parents=True)
    code, doc, _ = batch(run_cli, lib, src)
    assert code == 1 and doc["items"][0]["status"] == "failed", doc
    if in_the_way == "rendition-is-a-folder":  # the original is in, its frame failed: check says so
        assert check_failures(run_cli, lib)

    # Still failing: a re-run says so again (exit 1), never "unchanged".
    code, doc, _ = batch(run_cli, lib, src)
    assert code == 1 and doc["items"][0]["status"] == "failed", doc

    blocker.unlink() if blocker.is_file() else blocker.rmdir()
    os.utime(photo, (time.time() + 5, time.time() + 5))  # touched: still the same photo
    code, doc, _ = batch(run_cli, lib, src)
    it = doc["items"][0]
    assert code == 0 and it["status"] == "done", doc
    assert it["raw"] == "RT-01/raw/RT-01-01.jpg" and it["renditions"] == ["RT-01/jpg/RT-01-01.jpg"]
    assert (lib / it["renditions"][0]).is_file()
    assert_library_sound(run_cli, lib, doc)
    assert check_failures(run_cli, lib) == []

    # Done now: the next run skips it; a copy elsewhere is a duplicate of a real frame.
    other = tmp_path / "src2" / "RT-01"
    other.mkdir(parents=True)
    (other / "copy.jpg").write_bytes(photo.read_bytes())
    code, doc, _ = batch(run_cli, lib, src, other)
    assert code == 0 and [i["status"] for i in doc["items"]] == ["skipped", "duplicate"], doc


def test_case1_a_done_source_whose_library_copy_is_gone_is_taken_again(tmp_path, run_cli):
    src = tmp_path / "src" / "RT-02"
    jpeg(src / "IMG_1.jpg", 2)
    lib = tmp_path / "LIB"
    assert batch(run_cli, lib, src)[0] == 0
    (lib / "RT-02" / "raw" / "RT-02-01.jpg").unlink()
    code, doc, _ = batch(run_cli, lib, src)
    assert code == 0 and doc["items"][0]["status"] == "done", doc
    assert doc["items"][0]["raw"] == "RT-02/raw/RT-02-01.jpg"
    assert_library_sound(run_cli, lib, doc)


@pytest.mark.parametrize("damage", ["changed", "truncated", "changed-source-touched"])
def test_case1_a_done_source_whose_library_copy_changed_is_kept_aside_and_taken_again(tmp_path, run_cli, damage):
    src = tmp_path / "src" / "RT-03"
    photo = jpeg(src / "IMG_1.jpg", 3)
    jpeg(src / "IMG_2.jpg", 4)
    lib = tmp_path / "LIB"
    assert batch(run_cli, lib, src)[0] == 0
    raw = lib / "RT-03" / "raw" / "RT-03-01.jpg"
    data = raw.read_bytes()
    damaged = data[: len(data) // 2] if damage == "truncated" else data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
    raw.write_bytes(damaged)
    if damage == "changed-source-touched":  # the journal knows it by its hash now, not its stat
        os.utime(photo, (time.time() + 5, time.time() + 5))
    code, out, _ = run_cli("check", lib, "--json")
    msgs = [p["message"] for s in json.loads(out)["skus"] for p in s["problems"] if p["rule"] == "library"]
    assert code == 1 and msgs == ["RT-03/raw/RT-03-01.jpg no longer matches the journal's hash (changed or damaged)"]

    code, doc, _ = batch(run_cli, lib, src)
    items = by_name(doc)
    assert code == 0 and items["IMG_1.jpg"]["status"] == "done", doc  # not "unchanged": taken again
    assert items["IMG_1.jpg"]["raw"] == "RT-03/raw/RT-03-01.jpg" and items["IMG_2.jpg"]["status"] == "skipped"
    assert sha(raw) == sha(photo)
    aside = lib / "RT-03" / "superseded" / "RT-03-01.changed.jpg"
    assert aside.read_bytes() == damaged  # never overwritten silently: kept aside
    import sqlite3

    db = sqlite3.connect(lib / "imgprep.sqlite")
    assert any("kept aside as RT-03/superseded/RT-03-01.changed.jpg" in m for (m,) in db.execute("SELECT message FROM events"))
    db.close()
    assert_library_sound(run_cli, lib, doc)

    # Damaged again after its source is gone: nothing to take it from, so it stays as it is
    # (never overwritten) and check keeps reporting it.
    raw.write_bytes(damaged)
    photo.unlink()
    code, doc, _ = batch(run_cli, lib, src)
    assert code == 0 and [i["status"] for i in doc["items"]] == ["skipped"], doc
    assert raw.read_bytes() == damaged
    assert_check_agrees(run_cli, lib, doc)
    assert "RT-03/raw/RT-03-01.jpg no longer matches" in " ".join(
        p["message"] for s in json.loads(run_cli("check", lib, "--json")[1])["skus"] for p in s["problems"])


def test_case1_a_changed_library_copy_that_cannot_be_put_aside_fails_and_stays(tmp_path, run_cli, monkeypatch):
    import imgprep.app.ingest as batch_mod

    src = tmp_path / "src" / "RT-04"
    jpeg(src / "IMG_1.jpg", 5)
    lib = tmp_path / "LIB"
    assert batch(run_cli, lib, src)[0] == 0
    raw = lib / "RT-04" / "raw" / "RT-04-01.jpg"
    raw.write_bytes(b"damaged")

    def cannot_move(a, b):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(batch_mod, "move_new", cannot_move)
    for _ in range(2):  # failed, and again: never "unchanged", never overwritten
        code, doc, _ = batch(run_cli, lib, src)
        it = doc["items"][0]
        assert code == 1 and it["status"] == "failed" and "could not be put aside" in it["reason"], doc
        assert "Input/output error" in it["reason"] and raw.read_bytes() == b"damaged"
        assert_library_sound(run_cli, lib, doc)
    monkeypatch.undo()
    code, doc, _ = batch(run_cli, lib, src)
    assert code == 0 and doc["items"][0]["status"] == "done", doc
    assert (lib / "RT-04" / "superseded" / "RT-04-01.changed.jpg").read_bytes() == b"damaged"
    assert_library_sound(run_cli, lib, doc)


# ----------------------------------------------------------------------------- case 7
def _png_with_chunk(kind: bytes, body: bytes) -> bytes:
    buf = __import__("io").BytesIO()
    Image.fromarray(photo_array(64, 48, seed=4)).save(buf, "PNG")
    png = buf.getvalue()
    chunk = struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return png[:33] + chunk + png[33:]  # right after IHDR (8-byte signature + 25-byte IHDR)


BOMB = zlib.compress(b"\0" * (64 << 20), 9)  # 64 MiB of zeros in ~64 KB


@pytest.mark.parametrize("chunk", [b"zTXt", b"iTXt", b"iCCP"])
def test_case7_png_decompression_bombs_fail_alone(tmp_path, run_cli, chunk):
    src = tmp_path / "src" / "BOMB-1"
    jpeg(src / "a-good.jpg", 7)
    body = {b"zTXt": b"Comment\0\0" + BOMB, b"iTXt": b"Comment\0\1\0\0\0" + BOMB,
            b"iCCP": b"icc\0\0" + BOMB}[chunk]
    (src / "b-bomb.png").write_bytes(_png_with_chunk(chunk, body))
    lib = tmp_path / "LIB"
    code, doc, _ = batch(run_cli, lib, src)
    items = by_name(doc)
    assert code == 1 and items["a-good.jpg"]["status"] == "done", doc
    assert items["b-bomb.png"]["status"] == "failed"
    assert "cannot decode" in items["b-bomb.png"]["reason"], items["b-bomb.png"]
    assert_library_sound(run_cli, lib, doc)


def test_case7_links_odd_names_strips_and_deep_sidecars_never_crash_the_batch(tmp_path, run_cli):
    src = tmp_path / "src" / "HOST-1"
    jpeg(src / "a-good.jpg", 8)
    os.symlink("loop-b.jpg", src / "loop-a.jpg")
    os.symlink("loop-a.jpg", src / "loop-b.jpg")
    os.symlink("/nonexistent/photo.jpg", src / "dangling.jpg")
    with open(os.fsencode(src) + b"/bad\xff\xfename.jpg", "wb") as f:
        f.write((src / "a-good.jpg").read_bytes()[:-2] + b"x\xff\xd9")
    Image.new("RGB", (60000, 1), (120, 120, 120)).save(src / "0-strip-60000.png")
    Image.new("RGB", (100000, 1), (120, 120, 120)).save(src / "0-strip-100000.png")
    (src / "callouts.toml").write_text("x = " + "[" * 50000 + "]" * 50000 + "\n", encoding="utf-8")
    lib = tmp_path / "LIB"
    code, doc, err = batch(run_cli, lib, src)
    items = by_name(doc)
    assert code == 1
    assert items["a-good.jpg"]["status"] == "done", doc
    assert "loops" in items["loop-a.jpg"]["reason"] and "loops" in items["loop-b.jpg"]["reason"]
    assert "does not exist" in items["dangling.jpg"]["reason"]
    bad = next(i for n, i in items.items() if n.startswith("bad"))
    assert bad["status"] == "failed" and "not valid UTF-8" in bad["reason"]
    assert Path(bad["source"]).name == "bad\\xff\\xfename.jpg"  # the bytes shown, not a crash
    for n in ("0-strip-60000.png", "0-strip-100000.png"):
        assert items[n]["status"] == "failed" and "too small for a product photo" in items[n]["reason"], items[n]
    assert doc["summary"] == {"done": 1, "duplicate": 0, "failed": 6, "skipped": 0}
    assert_library_sound(run_cli, lib, doc)
    # The sidecar's problem is on record; the next run is the same, nothing left over.
    import sqlite3

    db = sqlite3.connect(lib / "imgprep.sqlite")
    assert any("nested too deeply" in m for (m,) in db.execute("SELECT message FROM events"))
    db.close()
    code, doc, _ = batch(run_cli, lib, src)
    assert code == 1 and by_name(doc)["a-good.jpg"]["status"] == "skipped"


# ----------------------------------------------------------------------------- case 9
@pytest.fixture
def small_fs(tmp_path):
    """A 4 MiB tmpfs: a disk that can be filled and made read-only for real."""
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root on Linux")
    mnt = tmp_path / "fs"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as e:
            assert e.errno == errno.ENOSPC
    return filler


def test_case9_a_full_disk_ends_the_run_cleanly_and_a_rerun_recovers(tmp_path, small_fs, run_cli):
    lib = small_fs / "LIB"
    s1, s2 = tmp_path / "src" / "S-1", tmp_path / "src" / "S-2"
    jpeg(s1 / "a.jpg", 1, 900, 600)
    jpeg(s2 / "b.jpg", 2, 900, 600)
    assert batch(run_cli, lib, s1)[0] == 0
    filler = _fill(small_fs)
    code, doc, err = batch(run_cli, lib, s2)
    assert code == 1
    assert "cannot be written" in err and "cannot be written" in doc["library_problem"], (err, doc)
    filler.unlink()
    code, doc, _ = batch(run_cli, lib, s1, s2)
    assert code == 0, doc
    assert [i["status"] for i in doc["items"]] == ["skipped", "done"]
    assert_library_sound(run_cli, lib, doc)


@pytest.mark.parametrize("fault", ["disk-full", "io-error"])
def test_case9_a_journal_write_failing_mid_run_ends_the_run_cleanly_and_a_rerun_recovers(
        tmp_path, run_cli, monkeypatch, request, fault):
    """Not at open: after the first frames are done, the journal's commit fails (a real
    full tmpfs, or SQLite's 'disk I/O error' where no tmpfs can be mounted)."""
    import sqlite3

    from imgprep.core.journal import Journal

    fs = request.getfixturevalue("small_fs") if fault == "disk-full" else None
    lib = (fs or tmp_path) / "LIB"
    src = tmp_path / "src" / "J-1"
    for i in range(4):
        jpeg(src / f"IMG_{i}.jpg", 90 + i)
    real, rendered, filler = Journal.set_state, [], []

    def set_state(self, source_id, state, reason=None):
        real(self, source_id, state, reason)
        if state == "rendered":
            rendered.append(source_id)
            if len(rendered) == 2:  # inside the transaction that records the 2nd frame as done
                if fs is not None:
                    filler.append(_fill(fs))  # its commit needs room the disk no longer has
                else:
                    raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(Journal, "set_state", set_state)
    code, out, err = run_cli("batch", src, "--library", lib, "--workers", "0", "--json")
    assert code == 1 and "Traceback" not in err, err
    doc = json.loads(out)  # the JSON of what was done
    assert "cannot be written" in err and "cannot be written" in doc["library_problem"], (err, doc)
    done = [i for i in doc["items"] if i["status"] == "done"]
    assert ("database or disk is full" if fs else "disk I/O error") in doc["library_problem"], doc  # the journal
    assert 1 <= len(done) < 4, doc
    for it in done:
        assert sha(lib / it["raw"]) == sha(Path(it["source"])) and all((lib / r).is_file() for r in it["renditions"])
    monkeypatch.undo()
    for f in filler:
        f.unlink()
    assert_library_sound(run_cli, lib, doc)  # what it says is done is done, as check agrees
    code, doc, _ = batch(run_cli, lib, src)
    assert code == 0 and len(doc["items"]) == 4, doc
    assert {i["status"] for i in doc["items"]} <= {"done", "skipped"}, doc
    assert sorted(i["raw"] for i in doc["items"]) == [f"J-1/raw/J-1-0{n}.jpg" for n in range(1, 5)]
    assert_library_sound(run_cli, lib, doc)


def test_case9_a_read_only_library_ends_the_run_cleanly(tmp_path, small_fs, run_cli):
    lib = small_fs / "LIB"
    s1, s2 = tmp_path / "src" / "S-1", tmp_path / "src" / "S-2"
    jpeg(s1 / "a.jpg", 1)
    jpeg(s2 / "b.jpg", 2)
    assert batch(run_cli, lib, s1)[0] == 0
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    code, out, err = run_cli("batch", s2, "--library", lib, "--workers", "0")
    assert code == 1 and "Traceback" not in err
    assert "cannot be written" in err and "Read-only" in err, err
    code, doc, err = batch(run_cli, lib, s2)
    assert code == 1 and "library_problem" in doc
    subprocess.run(["mount", "-o", "remount,rw", str(small_fs)], check=True)
    code, doc, _ = batch(run_cli, lib, s2)
    assert code == 0 and doc["items"][0]["status"] == "done"
    assert_library_sound(run_cli, lib, doc)


# ----------------------------------------------------------------------------- case 3
def test_case3_a_linked_shoot_folder_keeps_the_links_name(tmp_path, run_cli):
    card = tmp_path / "DCIM" / "100CANON"
    jpeg(card / "IMG_0001.jpg", 3)
    (tmp_path / "src").mkdir()
    os.symlink(card, tmp_path / "src" / "A1234")
    lib = tmp_path / "LIB"
    code, doc, _ = batch(run_cli, lib, tmp_path / "src" / "A1234")
    assert code == 0, doc
    it = doc["items"][0]
    assert it["sku"] == "A1234" and it["raw"] == "A1234/raw/A1234-01.jpg"
    assert not (lib / "100CANON").exists()
    # The same as one folder of a drop folder.
    code, doc, _ = batch(run_cli, lib, tmp_path / "src")
    assert code == 0 and doc["items"][0]["sku"] == "A1234" and doc["items"][0]["status"] == "skipped"
    assert_library_sound(run_cli, lib, doc)


# ----------------------------------------------------------------------------- case 4
@pytest.mark.parametrize("link", ["A1", "A1/raw", "A1/jpg"])
def test_case4_nothing_is_written_through_a_link_in_the_library(tmp_path, run_cli, link):
    src = tmp_path / "src" / "A1"
    jpeg(src / "p.jpg", 4)
    lib, elsewhere = tmp_path / "LIB", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (lib / link).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(elsewhere, lib / link)
    code, doc, _ = batch(run_cli, lib, src)
    assert code == 1 and doc["items"][0]["status"] == "failed"
    assert "symbolic link" in doc["items"][0]["reason"], doc
    assert list(elsewhere.iterdir()) == []
    assert_library_sound(run_cli, lib, doc, [elsewhere])


def test_case4_nothing_is_written_through_a_link_in_the_backup(tmp_path, run_cli):
    lib, bak, elsewhere = tmp_path / "LIB", tmp_path / "bak", tmp_path / "elsewhere"
    bak.mkdir()
    elsewhere.mkdir()
    jpeg(tmp_path / "src" / "A1" / "p.jpg", 5)
    jpeg(tmp_path / "src" / "B2" / "q.jpg", 6)
    assert batch(run_cli, lib, tmp_path / "src" / "A1", extra=("--backup", bak))[0] == 0
    os.symlink(elsewhere, bak / "B2")
    code, doc, _ = batch(run_cli, lib, tmp_path / "src" / "B2", extra=("--backup", bak))
    it = doc["items"][0]
    assert it["status"] == "done" and it["backup"] == "pending", doc
    assert "symbolic link" in doc["backup_problem"]
    assert list(elsewhere.iterdir()) == []
    assert_library_sound(run_cli, lib, doc, [elsewhere])


# ----------------------------------------------------------------------------- case 11
def test_case11_tiny_images_and_thin_strips_are_refused_with_a_clear_message(tmp_path, run_cli):
    src = tmp_path / "src" / "TINY-1"
    jpeg(src / "a-good.jpg", 9)
    for w, h in ((8, 8), (15, 300), (16, 16), (40, 40), (64, 64), (65, 65), (2000, 20), (20, 2000), (600, 20)):
        Image.fromarray(photo_array(w, h, seed=w + h) if min(w, h) >= 4 else
                        np.full((h, w, 3), 128, np.uint8)).save(src / f"img-{w}x{h}.png")
    lib = tmp_path / "LIB"
    code, doc, _ = batch(run_cli, lib, src)
    items = by_name(doc)
    assert items["a-good.jpg"]["status"] == "done"
    for n in ("img-8x8.png", "img-15x300.png"):
        assert items[n]["status"] == "failed" and "too small" in items[n]["reason"] and "16 px" in items[n]["reason"]
    for n in ("img-2000x20.png", "img-20x2000.png"):
        assert items[n]["status"] == "failed" and "a strip, not a photo" in items[n]["reason"], items[n]
    for n in ("img-16x16.png", "img-40x40.png", "img-64x64.png", "img-65x65.png", "img-600x20.png"):
        assert items[n]["status"] == "done", items[n]
    assert not any("Assertion" in (i["reason"] or "") or "cv2" in (i["reason"] or "") for i in doc["items"])
    assert_library_sound(run_cli, lib, doc)


# ----------------------------------------------------------------------------- case 12
def test_case12_a_250_byte_name_is_ingested(tmp_path, run_cli):
    name = "商" * 82 + "-x.jpg"  # 246 + 6 = 252 bytes of UTF-8: valid on every usual file system
    assert 250 <= len(name.encode()) <= 255
    src = tmp_path / "src" / "LONG-1"
    jpeg(src / name, 12)
    lib, bak = tmp_path / "LIB", tmp_path / "bak"
    bak.mkdir()
    code, doc, _ = batch(run_cli, lib, src, extra=("--backup", bak))
    assert code == 0, doc
    assert doc["items"][0]["status"] == "done" and doc["items"][0]["backup"] == "verified"
    assert_library_sound(run_cli, lib, doc)


# ----------------------------------------------------------------------------- case 8
def test_case8_imgprep_own_names_are_refused_as_skus(tmp_path, run_cli):
    src = tmp_path / "src"
    for i, sku in enumerate(("imgprep.sqlite", "IMGPREP.LOG", "imgprep.sqlite-wal", "OK-1")):
        jpeg(src / sku / "p.jpg", 20 + i)
    lib = tmp_path / "LIB"
    code, doc, _ = batch(run_cli, lib, src)
    assert code == 1
    by_folder = {Path(i["source"]).parent.name: i for i in doc["items"]}
    assert by_folder["OK-1"]["status"] == "done"
    for sku in ("imgprep.sqlite", "IMGPREP.LOG", "imgprep.sqlite-wal"):
        assert by_folder[sku]["status"] == "failed"
        assert "imgprep uses for its own files" in by_folder[sku]["reason"], by_folder[sku]
    assert (lib / "imgprep.sqlite").is_file() and not (lib / "IMGPREP.LOG").exists()
    assert_library_sound(run_cli, lib, doc)


def test_case8_a_folder_named_imgprep_log_does_not_stop_the_watcher(tmp_path, run_cli):
    from app.test_watch import Run, jpeg_bytes, wait_for

    drop = tmp_path / "drop"
    (drop / "imgprep.log").mkdir(parents=True)
    (drop / "imgprep.log" / "x.jpg").write_bytes(jpeg_bytes(801))
    with Run(tmp_path) as run:
        (run.drop / "K1").mkdir()
        (run.drop / "K1" / "y.jpg").write_bytes(jpeg_bytes(802))
        wait_for(lambda: run.of("rendered") and run.of("failed"), 30, "K1 rendered, imgprep.log refused")
    assert "imgprep uses for its own files" in run.of("failed")[0]["reason"]
    assert (run.lib / "imgprep.log").is_file()
    assert_library_sound(run_cli, run.lib)


# ----------------------------------------------------------------------------- case 10
def test_case10_control_characters_in_names_are_printed_escaped(tmp_path, run_cli):
    src = tmp_path / "src" / "ESC-1"
    jpeg(src / "a-good.jpg", 10)
    evil = "x\x1b]0;owned\x07\x1b[2J\nsecond line.jpg"
    (src / evil).write_bytes(b"not an image at all")
    lib = tmp_path / "LIB"
    code, out, err = run_cli("batch", src, "--library", lib, "--workers", "0")
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out
    failed = [ln for ln in out.splitlines() if ln.startswith("failed:")]
    assert len(failed) == 1 and "x\\x1b]0;owned\\x07\\x1b[2J\\x0asecond line.jpg" in failed[0], out
    code, out, _ = run_cli("check", lib)
    assert "\x1b" not in out
    assert_library_sound(run_cli, lib)


# ----------------------------------------------------------------------------- case 2
def test_case2_a_file_written_during_the_batch_fails_and_the_next_run_takes_it_whole(tmp_path, run_cli):
    src = tmp_path / "src" / "GROW-1"
    rng = np.random.default_rng(2)
    big = save_jpeg(src / "big.jpg", rng.integers(0, 255, (2400, 3200, 3), dtype=np.uint8), quality=95)
    stop = threading.Event()

    def append():
        with open(big, "ab") as f:
            while not stop.is_set():
                f.write(b"\0" * 512)  # after the JPEG's end: the photo stays decodable
                f.flush()
                time.sleep(0.0005)

    t = threading.Thread(target=append, daemon=True)
    t.start()
    lib = tmp_path / "LIB"
    try:
        code, doc, _ = batch(run_cli, lib, src)
    finally:
        stop.set()
        t.join()
    it = doc["items"][0]
    assert code == 1 and it["status"] == "failed" and "changed while reading" in it["reason"], doc
    assert not list((lib / "GROW-1" / "raw").glob("*")) if (lib / "GROW-1" / "raw").exists() else True
    code, doc, _ = batch(run_cli, lib, src)
    assert code == 0 and doc["items"][0]["status"] == "done"
    assert doc["items"][0]["raw"] == "GROW-1/raw/GROW-1-01.jpg"
    assert_library_sound(run_cli, lib, doc)


def test_case7_the_watcher_reports_links_odd_names_and_bombs_and_goes_on(tmp_path, run_cli):
    from app.test_watch import Run, jpeg_bytes, wait_for

    drop = tmp_path / "drop"
    shoot = drop / "HOT-1"
    shoot.mkdir(parents=True)
    os.symlink("loop-b.jpg", shoot / "loop-a.jpg")
    os.symlink("loop-a.jpg", shoot / "loop-b.jpg")
    with open(os.fsencode(shoot) + b"/bad\xffname.jpg", "wb") as f:
        f.write(jpeg_bytes(811))
    (shoot / "bomb.png").write_bytes(_png_with_chunk(b"zTXt", b"Comment\0\0" + BOMB))
    for attempt in range(2):  # and again after a restart: no crash loop, nothing twice
        with Run(tmp_path) as run:
            if attempt == 0:
                (shoot / "good.jpg").write_bytes(jpeg_bytes(812))
                wait_for(lambda: run.of("rendered") and len(run.of("failed")) >= 4, 30, "good rendered, 4 refused")
                time.sleep(2.5)  # a rescan: nothing reported twice
            else:
                time.sleep(1.0)
        failed = {Path(e["source"]).name: e["reason"] for e in run.of("failed")}
        if attempt == 0:
            assert "loops" in failed["loop-a.jpg"] and "loops" in failed["loop-b.jpg"], failed
            assert "not valid UTF-8" in failed["bad\\xffname.jpg"]
            assert "cannot decode" in failed["bomb.png"] or "incomplete" in failed["bomb.png"], failed
            assert len(run.of("failed")) == 4 and len(run.of("rendered")) == 1
        else:
            assert set(failed) <= {"bomb.png"}, failed  # refused files stay refused, quietly
        assert_library_sound(run_cli, run.lib)


# ----------------------------------------------------------------------------- case 15
@pytest.mark.parametrize("garbage", [b"", b"\xff\xfe not json", b"[1, 2]", b'"text"'])
def test_case15_a_garbage_backup_marker_gets_a_plain_message(tmp_path, run_cli, garbage):
    lib, bak = tmp_path / "LIB", tmp_path / "bak"
    bak.mkdir()
    jpeg(tmp_path / "src" / "M1" / "p.jpg", 15)
    (bak / ".imgprep-backup").write_bytes(garbage)
    code, doc, _ = batch(run_cli, lib, tmp_path / "src" / "M1", extra=("--backup", bak))
    assert code == 0 and doc["items"][0]["status"] == "done" and doc["items"][0]["backup"] == "pending"
    assert "marker file .imgprep-backup is damaged" in doc["backup_problem"], doc["backup_problem"]
    assert (bak / ".imgprep-backup").read_bytes() == garbage and len(list(bak.iterdir())) == 1
    assert_library_sound(run_cli, lib, doc)


# ----------------------------------------------------------------------------- case 13
def test_case13_callout_problems_are_in_the_batch_output_with_their_own_reason(tmp_path, run_cli):
    src = tmp_path / "src" / "CO-1"
    jpeg(src / "IMG_1.jpg", 31)
    jpeg(src / "IMG_2.jpg", 32)
    (src / "callouts.toml").write_text(
        '["IMG_2.jpg"]\ntext = 123\n\n["IMG_9.jpg"]\ntext = "typo: no such file"\n\n'
        '["CO-1-02"]\ntext = "by library name"\n', encoding="utf-8")
    lib = tmp_path / "LIB"
    code, doc, _ = batch(run_cli, lib, src)
    assert code == 0
    warnings = doc["warnings"]
    assert any("entry [IMG_2.jpg] text must be text in quotes, not int" in w for w in warnings), warnings
    assert any("entry [IMG_9.jpg] names no file of this folder" in w for w in warnings), warnings
    assert not any("CO-1-02" in w for w in warnings) and len(warnings) == 2
    code, out, _ = run_cli("batch", src, "--library", tmp_path / "LIB2", "--workers", "0")
    assert sum(ln.startswith("warning: ") for ln in out.splitlines()) == 2, out
    code, out, _ = run_cli("check", lib, "--json")
    msgs = [p["message"] for s in json.loads(out)["skus"] for p in s["problems"] if p["rule"] == "callouts"]
    assert any("entry [IMG_9.jpg] names no file" in m for m in msgs), msgs
    assert_library_sound(run_cli, lib, doc)
    assert_library_sound(run_cli, tmp_path / "LIB2")


# ----------------------------------------------------------------------------- case 6
def _xlsx_with_big_part(path: Path, part: str) -> Path:
    """A real workbook (货号 + one product) whose worksheet or shared strings unpack to
    more than 32 MiB: 10⁶ empty cells, or one 40 MB string. Compresses to well under 1 MB."""
    import io
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["货号", "商品名称"])
    wb.active.append(["BIG-1", "x"])
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if part == "cells" and info.filename == "xl/worksheets/sheet1.xml":
                rows = "".join(f'<row r="{r}">' + "<c/>" * 200 + "</row>" for r in range(3, 50_000))
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
            if part == "over-cells" and info.filename == "xl/worksheets/sheet1.xml":  # small, but 1.2·10⁶ cells
                rows = "".join(f'<row r="{r}">' + "<x:c/>" * 200 + "</row>" for r in range(3, 6003))
                data = data.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
                data = data.replace(b"<worksheet ", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/'
                                    b'spreadsheetml/2006/main" ', 1)
            if part == "cell" and info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b'<row r="3"><c r="B3" t="inlineStr"><is><t>'
                                    + b"x" * (40 << 20) + b"</t></is></c></row></sheetData>")
            out.writestr(info, data)
    assert path.stat().st_size < 1 << 20
    return path


@pytest.mark.parametrize("part", ["cells", "cell"])
def test_case6_a_workbook_that_unpacks_huge_is_refused_before_reading(tmp_path, run_cli, part):
    sheet = _xlsx_with_big_part(tmp_path / "sheet.xlsx", part)
    jpeg(tmp_path / "src" / "BIG-1" / "p.jpg", 61)
    t = time.monotonic()
    code, out, err = run_cli("batch", tmp_path / "src" / "BIG-1", "--library", tmp_path / "LIB",
                             "--catalogue", sheet, "--workers", "0")
    assert time.monotonic() - t < 20
    assert code == 2 and "xl/worksheets/sheet1.xml unpacks to" in err and "at most 32 MiB" in err, err
    assert not (tmp_path / "LIB").exists()  # configuration error: nothing written


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_case6_a_sheet_is_limited_by_its_number_of_cells(tmp_path, run_cli, kind):
    from imgprep.core.catalogue import MAX_CELLS, MAX_XLSX_PART_BYTES, load_catalogue

    if kind == "xlsx":
        sheet = _xlsx_with_big_part(tmp_path / "sheet.xlsx", "over-cells")
        import zipfile

        assert max(i.file_size for i in zipfile.ZipFile(sheet).infolist()) < MAX_XLSX_PART_BYTES  # not refused by size
        said = f"xl/worksheets/sheet1.xml holds more than {MAX_CELLS} cells"
    else:  # 60 000 rows of 20 cells, 1.3 MB
        sheet = tmp_path / "sheet.csv"
        sheet.write_text("货号,商品名称" + "," * 18 + "\nBIG-1,x" + "," * 18 + "\n" + ("," * 19 + "\n") * 60_000,
                         encoding="utf-8")
        said = f"the sheet holds more than {MAX_CELLS} cells"
    jpeg(tmp_path / "src" / "BIG-1" / "p.jpg", 64)
    t = time.monotonic()
    code, out, err = run_cli("batch", tmp_path / "src" / "BIG-1", "--library", tmp_path / "LIB",
                             "--catalogue", sheet, "--workers", "0")
    assert time.monotonic() - t < 10
    assert code == 2 and str(sheet) in err and said in err and f"at most {MAX_CELLS} are read" in err, err
    assert "Traceback" not in err and not (tmp_path / "LIB").exists()  # configuration error: nothing written

    # Delimiters inside a quoted field are not cells: a long description is read, capped as text.
    ok = tmp_path / "ok.csv"
    ok.write_text('货号,商品名称,商品说明\nBIG-1,x,"' + "a," * (MAX_CELLS + 1) + '"\n', encoding="utf-8")
    assert load_catalogue(ok)["BIG-1"].name == "x"
    code, doc, _ = batch(run_cli, tmp_path / "LIB", tmp_path / "src" / "BIG-1", extra=("--catalogue", ok))
    assert code == 0 and doc["items"][0]["status"] == "done"
    assert_library_sound(run_cli, tmp_path / "LIB", doc)


def test_case6_a_2_gb_callouts_file_is_not_read(tmp_path, run_cli):
    src = tmp_path / "src" / "CO-2"
    jpeg(src / "IMG_1.jpg", 62)
    with open(src / "callouts.toml", "wb") as f:
        f.truncate(2 << 30)  # 2 GB (sparse: costs no disk)
    code, doc, _ = batch(run_cli, tmp_path / "LIB", src)
    assert code == 0 and doc["items"][0]["status"] == "done"
    assert any("over the 1048576-byte limit" in w for w in doc["warnings"]), doc
    assert_library_sound(run_cli, tmp_path / "LIB", doc)


# ----------------------------------------------------------------------------- case 14
def test_case14_a_sku_past_the_row_limit_is_named_with_the_limit(tmp_path, run_cli):
    from imgprep.core.catalogue import MAX_ROWS

    sheet = tmp_path / "sheet.csv"
    lines = ["货号,商品名称"] + [f"R{i},品{i}" for i in range(MAX_ROWS)] + ["LATE-1,最后一个"]
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    jpeg(tmp_path / "src" / "LATE-1" / "p.jpg", 63)
    code, doc, _ = batch(run_cli, tmp_path / "LIB", tmp_path / "src" / "LATE-1", extra=("--catalogue", sheet))
    assert code == 0
    notes = doc["items"][0].get("notes", [])
    assert any(f"not in the first {MAX_ROWS} rows" in n and "split the sheet" in n for n in notes), doc
    assert_library_sound(run_cli, tmp_path / "LIB", doc)


def test_case14_a_mixed_utf8_and_gbk_sheet_names_where_the_encoding_changes(tmp_path, run_cli):
    sheet = tmp_path / "sheet.csv"
    head = "货号,商品名称\nA1,纯棉T恤\nA2,羊毛衫\n".encode()
    sheet.write_bytes(head + "A3,丝绸衬衫\n".encode("gbk"))
    code, out, err = run_cli("batch", tmp_path, "--library", tmp_path / "LIB", "--catalogue", sheet)
    assert code == 2
    import re

    m = re.search(r"UTF-8 up to byte (\d+) \(line 4\)", err)
    assert m and len(head) + 3 <= int(m.group(1)) < sheet.stat().st_size, err  # in the GBK row, not before
    assert not (tmp_path / "LIB").exists()  # configuration error: nothing written


# ----------------------------------------------------------------------------- case 16
def test_case16_folders_differing_in_case_are_one_sku_and_one_library_folder(tmp_path, run_cli):
    src = tmp_path / "src"
    jpeg(src / "abc-1" / "a.jpg", 161)
    jpeg(src / "ABC-1" / "b.jpg", 162)
    lib = tmp_path / "LIB"
    code, doc, _ = batch(run_cli, lib, src)
    assert code == 0, doc
    assert len({i["sku"] for i in doc["items"]}) == 1
    folders = [p.name for p in lib.iterdir() if p.is_dir()]
    assert len(folders) == 1, folders
    assert sorted(Path(i["raw"]).name for i in doc["items"]) == [f"{folders[0]}-01.jpg", f"{folders[0]}-02.jpg"]
    # A later run with the other spelling joins it too.
    jpeg(tmp_path / "later" / folders[0].swapcase() / "c.jpg", 163)
    code, doc, _ = batch(run_cli, lib, tmp_path / "later" / folders[0].swapcase())
    assert code == 0 and doc["items"][0]["raw"] == f"{folders[0]}/raw/{folders[0]}-03.jpg"
    assert [p.name for p in lib.iterdir() if p.is_dir()] == folders
    code, out, _ = run_cli("check", lib, "--json")
    assert len(json.loads(out)["skus"]) == 1
    assert_library_sound(run_cli, lib, doc)


# ----------------------------------------------------------------------------- case 5
def test_case5_a_link_to_a_photo_outside_the_drop_folder_is_taken_like_a_file(tmp_path, run_cli):
    from app.test_watch import Run, jpeg_bytes, wait_for

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.jpg").write_bytes(jpeg_bytes(901))
    before = sha(outside / "o.jpg")
    with Run(tmp_path) as run:
        (run.drop / "L1").mkdir()
        os.symlink(outside / "o.jpg", run.drop / "L1" / "link.jpg")
        (run.drop / "L1" / "own.jpg").write_bytes(jpeg_bytes(902))
        wait_for(lambda: len(run.of("rendered")) == 2, 20, "both frames of L1 rendered")
    assert {Path(e["source"]).name for e in run.of("rendered")} == {"link.jpg", "own.jpg"}
    assert os.listdir(outside) == ["o.jpg"] and sha(outside / "o.jpg") == before
    raws = sorted((run.lib / "L1" / "raw").iterdir())
    assert before in {sha(p) for p in raws} and len(raws) == 2
    assert_library_sound(run_cli, run.lib)


def test_case15_check_verify_backup_reports_a_changed_copy_and_never_overwrites_it(tmp_path, run_cli):
    lib, bak = tmp_path / "LIB", tmp_path / "bak"
    bak.mkdir()
    jpeg(tmp_path / "src" / "V1" / "p.jpg", 151)
    jpeg(tmp_path / "src" / "V1" / "q.jpg", 152)
    assert batch(run_cli, lib, tmp_path / "src" / "V1", extra=("--backup", bak))[0] == 0
    code, out, _ = run_cli("check", lib, "--verify-backup", "--json")
    assert json.loads(out)["backup_changed"] == []
    tampered = bak / "V1" / "raw" / "V1-01.jpg"
    tampered.write_bytes(b"tampered")
    (bak / "V1" / "jpg" / "V1-02.jpg").unlink()
    code, out, _ = run_cli("check", lib, "--verify-backup", "--json")
    changed = {c["path"]: c["reason"] for c in json.loads(out)["backup_changed"]}
    assert code == 1 and set(changed) == {"V1/raw/V1-01.jpg", "V1/jpg/V1-02.jpg"}, changed
    assert "changed since it was verified" in changed["V1/raw/V1-01.jpg"]
    assert "gone" in changed["V1/jpg/V1-02.jpg"]
    # The next run puts back what is gone and reports the changed copy; it never overwrites it.
    code, doc, _ = batch(run_cli, lib, tmp_path / "src" / "V1", extra=("--backup", bak))
    assert tampered.read_bytes() == b"tampered"
    assert (bak / "V1" / "jpg" / "V1-02.jpg").is_file()
    assert "different file is already there" in doc["backup_problem"], doc
    assert_library_sound(run_cli, lib, doc)


def test_case15_the_watcher_rehashes_the_backup_now_and_then_and_never_overwrites(tmp_path, run_cli):
    from app.test_watch import Run, jpeg_bytes, wait_for

    with Run(tmp_path, backup=True, verify_backup=1.0) as run:
        (run.drop / "W1").mkdir()
        (run.drop / "W1" / "a.jpg").write_bytes(jpeg_bytes(151))
        (run.drop / "W1" / "b.jpg").write_bytes(jpeg_bytes(152))
        copies = [run.bak / "W1" / "raw" / "W1-01.jpg", run.bak / "W1" / "jpg" / "W1-02.jpg"]
        wait_for(lambda: all(p.is_file() for p in copies) and len(run.of("backed-up")) >= 4, 30, "backed up")
        copies[0].write_bytes(b"tampered")
        copies[1].unlink()
        wait_for(lambda: len(run.of("backup-changed")) >= 2, 20, "the periodic re-hash")
        wait_for(lambda: copies[1].is_file(), 20, "the gone copy made again")
        (run.drop / "W1" / "c.jpg").write_bytes(jpeg_bytes(153))  # later copies are not held up
        wait_for(lambda: (run.bak / "W1" / "raw" / "W1-03.jpg").is_file(), 20, "a later copy")
    changed = {e["file"]: e["reason"] for e in run.of("backup-changed")}
    assert "changed since it was verified" in changed["W1/raw/W1-01.jpg"]
    assert "gone" in changed["W1/jpg/W1-02.jpg"]
    assert copies[0].read_bytes() == b"tampered"  # never overwritten
    assert any(e["file"] == "W1/raw/W1-01.jpg" for e in run.of("backup-failed"))
    assert_library_sound(run_cli, run.lib)


def test_case1_the_watcher_takes_a_failed_file_again_at_its_next_start(tmp_path, run_cli):
    from app.test_watch import Run, jpeg_bytes, wait_for

    blocker = tmp_path / "lib" / "R1" / "jpg" / "R1-01.jpg"
    blocker.mkdir(parents=True)  # the rendition cannot be written: the frame fails after its ingest
    (tmp_path / "drop" / "R1").mkdir(parents=True)
    (tmp_path / "drop" / "R1" / "a.jpg").write_bytes(jpeg_bytes(101))
    with Run(tmp_path) as run:
        wait_for(lambda: run.of("failed"), 30, "the frame failed")
        time.sleep(2.5)  # a rescan: not taken again in the same session
    assert len(run.of("failed")) == 1 and not run.of("rendered")
    assert (run.drop / "R1" / "a.jpg").is_file()  # not moved: not in the library
    assert_library_sound(run_cli, run.lib)  # check lists the failed frame
    blocker.rmdir()
    with Run(tmp_path) as run:
        wait_for(lambda: run.of("rendered"), 30, "rendered at the next start")
    assert run.of("rendered")[0]["files"] == ["R1/jpg/R1-01.jpg"]
    assert (run.lib / "R1" / "jpg" / "R1-01.jpg").is_file()
    assert not (run.drop / "R1" / "a.jpg").exists()  # verified in the library: moved to done/
    assert_library_sound(run_cli, run.lib)


def test_case7_an_opencv_error_while_rendering_fails_that_frame_alone(tmp_path, run_cli, monkeypatch):
    """OpenCV raising inside a render step (as it did on strips and tiny images) is that
    frame's failure with a readable reason; the rest of the run goes on."""
    import cv2

    import imgprep.app.frames as frames

    real = frames.sharpen

    def sharpen(img, amount):
        if img.width * 10 // img.height == 20:  # the 2:1 frame only
            cv2.adaptiveThreshold(np.zeros((5, 5), np.uint8), 255, 0, 0, 1, 0)  # a genuine cv2.error
        return real(img, amount)

    monkeypatch.setattr(frames, "sharpen", sharpen)
    src = tmp_path / "src" / "CV-1"
    jpeg(src / "a.jpg", 71)
    jpeg(src / "b.jpg", 72, 400, 200)
    code, doc, _ = batch(run_cli, tmp_path / "LIB", src)
    items = by_name(doc)
    assert code == 1 and items["a.jpg"]["status"] == "done"
    assert items["b.jpg"]["status"] == "failed"
    assert items["b.jpg"]["reason"] == ("rendering failed: an image processing step failed on this file (OpenCV: "
                                        "(-215:Assertion failed) blockSize % 2 == 1 && blockSize > 1 in function "
                                        "'adaptiveThreshold')"), items["b.jpg"]
    assert_library_sound(run_cli, tmp_path / "LIB", doc)


def test_case4_the_apps_rerender_writes_nothing_through_a_link_in_the_library(tmp_path, run_cli):
    from imgprep.app import services
    from imgprep.core.presets import load_preset

    src = tmp_path / "src" / "RR-1"
    jpeg(src / "a.jpg", 41)
    jpeg(src / "b.jpg", 42)
    lib, elsewhere = tmp_path / "LIB", tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert batch(run_cli, lib, src)[0] == 0
    os.symlink(elsewhere, lib / "RR-1" / "superseded")
    frames = services.shoot_frames(lib, "RR-1")
    res = services.rerender(lib, "RR-1", [f.id for f in frames], load_preset(None))
    assert res.written == [] and any("symbolic link" in p for p in res.problems), res
    assert list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in (lib / "RR-1" / "jpg").iterdir()) == ["RR-1-01.jpg", "RR-1-02.jpg"]
    assert_library_sound(run_cli, lib, outside=[elsewhere])


def test_case9_the_watcher_survives_a_full_library_disk_and_recovers(tmp_path, small_fs, run_cli):
    from app.test_watch import Run, jpeg_bytes, wait_for

    base = small_fs / "w"
    base.mkdir()
    (tmp_path / "drop").mkdir()
    os.symlink(tmp_path / "drop", base / "drop")  # the drop folder on another disk; the library on the small one
    with Run(base) as run:
        (run.drop / "F1").mkdir()
        (run.drop / "F1" / "a.jpg").write_bytes(jpeg_bytes(91))
        wait_for(lambda: run.of("rendered"), 30, "a rendered")
        filler = _fill(small_fs)
        (run.drop / "F1" / "b.jpg").write_bytes(jpeg_bytes(92))
        wait_for(lambda: run.of("failed"), 30, "b failed on the full disk")
        time.sleep(1.0)
        assert run.w.running
        assert not any("watcher stopped" in (e.get("reason") or "") for e in run.events), run.events
    filler.unlink()
    with Run(base) as run:  # space again: the next start takes b
        wait_for(lambda: run.of("rendered"), 30, "b rendered after space was freed")
    assert {Path(p).name for p in (run.lib / "F1" / "raw").iterdir()} == {"F1-01.jpg", "F1-02.jpg"}
    assert_library_sound(run_cli, run.lib)


@pytest.mark.parametrize("step", ["put_watch_file", "queue_backup"])
def test_case9_the_watchers_own_journal_writes_failing_do_not_stop_it(tmp_path, run_cli, monkeypatch, step):
    """The watcher's bookkeeping after the engine (a failed file's record, a backup queued)
    is a journal write too: on a full disk it fails like any other (the case-9 watcher test
    hit it now and then); the watcher says so and goes on."""
    import sqlite3

    from app.test_watch import Run, jpeg_bytes, wait_for

    from imgprep.core.journal import Journal

    real, hits = getattr(Journal, step), []

    def failing(self, *a, **kw):
        hits.append(a)
        if len(hits) == 1:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, *a, **kw)

    monkeypatch.setattr(Journal, step, failing)
    with Run(tmp_path, backup=step == "queue_backup") as run:
        (run.drop / "G1").mkdir()
        (run.drop / "G1" / ("bad.jpg" if step == "put_watch_file" else "a.jpg")).write_bytes(
            b"not an image" if step == "put_watch_file" else jpeg_bytes(93))
        wait_for(lambda: hits and any("database or disk is full" in (e.get("reason") or "")
                                      for e in run.of("failed")), 30, "the journal write failed")
        (run.drop / "G1" / "b.jpg").write_bytes(jpeg_bytes(94))
        wait_for(lambda: any(Path(e["source"]).name == "b.jpg" for e in run.of("rendered")), 30, "b rendered")
        assert run.w.running
    assert not any("watcher stopped" in (e.get("reason") or "") for e in run.events), run.events
    assert_library_sound(run_cli, run.lib)
