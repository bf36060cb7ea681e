"""Designers' PSDs: taken into library/SKU/psd/, named SKU + sequence like every picture
(docs/workflow.md, docs/naming.md), through the CLI, the journal, the backup and the watcher."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import threading
import time
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers import photo_array, psd_bytes, save_jpeg, sha, tree_hashes, write_psd
from PIL import Image

T0 = datetime(2026, 11, 20, 10, 0, 0)


def _photo(folder: Path, name: str, i: int) -> Path:
    a = photo_array(480, 320, seed=i)
    a[150:170, 20 * i: 20 * i + 20] = (i * 40 % 255, 200, 30)
    return save_jpeg(folder / name, a, time=T0 + timedelta(seconds=i))


CAFE = "Café 正面"  # a Chinese source name with a character NFC and NFD spell differently


def test_the_fixture_is_a_real_psd(tmp_path):
    p = write_psd(tmp_path / "x.psd", w=7, h=5)
    with Image.open(p) as im:
        assert im.format == "PSD" and im.size == (7, 5) and im.mode == "RGB"
        im.load()


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """One shoot with four photos and four PSDs (by library name, by source name, by a
    Chinese source name spelt NFD, and one matching no frame), run once with a backup."""
    from imgprep.cli import main

    base = tmp_path_factory.mktemp("psd")
    shoot = base / "src" / "A1234"
    shoot.mkdir(parents=True)
    for i, name in enumerate(["IMG_0041.jpg", "IMG_0042.JPG", f"{CAFE}.jpg", "背面.jpg"], start=1):
        _photo(shoot, name, i)  # → A1234-01 … -04 in capture order
    psds = {
        "by-library-name": write_psd(shoot / "a1234-01.PSD", seed=1),
        "by-source-name": write_psd(shoot / "img_0042.psd", seed=2),
        "by-chinese-name": write_psd(shoot / (unicodedata.normalize("NFD", CAFE) + ".psd"), seed=3),
        "no-frame": write_psd(shoot / "设计稿 横幅.psb", seed=4, version=2),
    }
    lib, bak = base / "lib", base / "bak"
    bak.mkdir()
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        code = main(["batch", str(shoot), "--library", str(lib), "--backup", str(bak), "--workers", "0", "--json"])
    return code, json.loads(out.getvalue()), shoot, psds, lib, bak


def _by_name(doc: dict) -> dict[str, dict]:
    return {unicodedata.normalize("NFC", Path(i["source"]).name): i for i in doc["items"]}


def test_psds_are_named_by_their_frame_and_copied_byte_identical(first):
    code, doc, shoot, psds, lib, _ = first
    assert code == 0, doc
    assert doc["summary"] == {"done": 8, "duplicate": 0, "failed": 0, "skipped": 0}
    items = _by_name(doc)
    want = {"by-library-name": "A1234/psd/A1234-01.psd", "by-source-name": "A1234/psd/A1234-02.psd",
            "by-chinese-name": "A1234/psd/A1234-03.psd",
            "no-frame": "A1234/psd/A1234-05.psb"}  # matches no frame: the next free number
    for key, rel in want.items():
        src = psds[key]
        it = items[unicodedata.normalize("NFC", src.name)]
        assert (it["status"], it["role"], it["raw"], it["renditions"]) == ("done", "psd", rel, []), it
        assert it["backup"] == "verified"
        assert sha(lib / rel) == sha(src)
    assert "no frame of A1234 is named" in items["设计稿 横幅.psb"]["notes"][0]
    assert sorted(p.name for p in (lib / "A1234" / "psd").iterdir()) == [
        "A1234-01.psd", "A1234-02.psd", "A1234-03.psd", "A1234-05.psb"]


def test_psds_take_no_part_in_rendering_hero_or_details(first):
    _, doc, _, _, lib, _ = first
    roles = sorted(i["role"] for i in doc["items"])
    assert roles == ["detail", "detail", "detail", "hero", "psd", "psd", "psd", "psd"]
    assert sorted(p.name for p in (lib / "A1234" / "jpg").iterdir()) == [f"A1234-{n:02d}.jpg" for n in range(1, 5)]
    db = sqlite3.connect(lib / "imgprep.sqlite")
    assert db.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 4  # PSDs are not frames


def test_the_journal_records_each_psd_with_its_frame_and_source(first):
    _, _, shoot, psds, lib, bak = first
    db = sqlite3.connect(lib / "imgprep.sqlite")
    db.row_factory = sqlite3.Row
    rows = {r["path"]: r for r in db.execute("SELECT * FROM files WHERE kind = 'psd'")}
    assert set(rows) == {"A1234/psd/A1234-01.psd", "A1234/psd/A1234-02.psd", "A1234/psd/A1234-03.psd",
                         "A1234/psd/A1234-05.psb"}
    r = rows["A1234/psd/A1234-02.psd"]
    frame = db.execute("SELECT * FROM sources WHERE id = ?", (r["source_id"],)).fetchone()
    assert (frame["seq"], Path(frame["source_path"]).name) == (2, "IMG_0042.JPG")
    assert r["sha256"] == sha(psds["by-source-name"]) and r["size"] == psds["by-source-name"].stat().st_size
    assert json.loads(r["facts"])["source"] == str(psds["by-source-name"])
    assert rows["A1234/psd/A1234-05.psb"]["source_id"] is None
    backed = {p: s for p, s in db.execute("SELECT path, sha256 FROM backups WHERE state = 'verified'")}
    for path, row in rows.items():
        assert backed[path] == row["sha256"] == sha(bak / path)


def test_the_backup_holds_the_psds_and_check_and_the_app_see_them(first, tmp_path, run_cli):
    from imgprep.app.services import shoot_frames

    _, _, _, _, lib, bak = first
    assert tree_hashes(bak) == tree_hashes(lib)
    assert "A1234/psd/A1234-05.psb" in tree_hashes(bak)
    frames = {f.stem: f.psd for f in shoot_frames(lib, "A1234")}
    assert frames == {"A1234-01": "A1234/psd/A1234-01.psd", "A1234-02": "A1234/psd/A1234-02.psd",
                      "A1234-03": "A1234/psd/A1234-03.psd", "A1234-04": None}
    code, out, _ = run_cli("check", lib, "--json")
    (sku,) = json.loads(out)["skus"]
    messages = [p["message"] for p in sku["problems"]]
    assert not [m for m in messages if "psd" in m.lower()], messages
    # the hero and three details: the PSDs are not counted as selling-point pictures
    assert [p["message"] for p in sku["problems"] if p["rule"] == "details"] == [
        "3 of 5 selling-point pictures (2 missing)"]


def _snapshot(root: Path) -> dict[str, tuple[int, str]]:
    return {k: ((root / k).stat().st_mtime_ns, v) for k, v in tree_hashes(root).items()}


def test_rerun_changes_nothing(first, tmp_path, run_cli):
    _, _, shoot, _, lib0, bak0 = first
    lib, bak = tmp_path / "lib", tmp_path / "bak"
    shutil.copytree(lib0, lib)
    shutil.copytree(bak0, bak)
    before_lib, before_bak = _snapshot(lib), _snapshot(bak)
    code, out, _ = run_cli("batch", shoot, "--library", lib, "--backup", bak, "--workers", "0", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["summary"] == {"done": 0, "duplicate": 0, "failed": 0, "skipped": 8}
    psd = _by_name(doc)["img_0042.psd"]
    assert (psd["role"], psd["raw"]) == ("psd", "A1234/psd/A1234-02.psd")
    assert psd["reason"] == "unchanged: already in the library as A1234-02"
    assert _snapshot(lib) == before_lib and _snapshot(bak) == before_bak


def test_revisions_duplicates_and_numbers_never_reused(first, tmp_path, run_cli):
    _, _, shoot, psds, lib0, bak0 = first
    lib, bak = tmp_path / "lib", tmp_path / "bak"
    shutil.copytree(lib0, lib)
    shutil.copytree(bak0, bak)
    before = tree_hashes(lib)
    later = tmp_path / "later" / "A1234"
    later.mkdir(parents=True)
    write_psd(later / "A1234-02.psd", seed=20)      # a second, different PSD for frame 02
    write_psd(later / "IMG_0042.psb", seed=21)      # and a third one (by source name, as PSB)
    shutil.copy(psds["by-library-name"], later / "copy of 01.psd")  # same bytes as A1234-01.psd
    _photo(later, "IMG_0099.jpg", 9)                # a new frame after the unmatched PSD's 05
    code, out, _ = run_cli("batch", later, "--library", lib, "--backup", bak, "--workers", "0", "--json")
    doc = json.loads(out)
    assert code == 0, doc
    assert doc["summary"] == {"done": 3, "duplicate": 1, "failed": 0, "skipped": 0}
    items = _by_name(doc)
    assert items["A1234-02.psd"]["raw"] == "A1234/psd/A1234-02-r2.psd"
    assert "A1234-02 already holds another PSD: kept as A1234-02-r2" in items["A1234-02.psd"]["notes"]
    assert items["IMG_0042.psb"]["raw"] == "A1234/psd/A1234-02-r3.psb"
    dup = items["copy of 01.psd"]
    assert dup["status"] == "duplicate" and dup["role"] == "psd"
    assert dup["reason"] == f"same content as {psds['by-library-name']} (already A1234-01)"
    assert items["IMG_0099.jpg"]["raw"] == "A1234/raw/A1234-06.jpg"  # 05 belongs to the PSD
    after = tree_hashes(lib)
    assert {k: after[k] for k in before} == before  # the first PSDs are untouched
    assert sha(lib / "A1234/psd/A1234-02-r2.psd") == sha(later / "A1234-02.psd")
    assert tree_hashes(bak) == after
    from imgprep.app.services import shoot_frames

    assert {f.stem: f.psd for f in shoot_frames(lib, "A1234")}["A1234-02"] == "A1234/psd/A1234-02-r3.psb"


def test_files_that_are_not_photoshop_documents_fail_alone(tmp_path, run_cli):
    shoot = tmp_path / "B77"
    shoot.mkdir()
    good = [_photo(shoot, f"good{i}.jpg", i) for i in range(1, 3)]
    shutil.copy(good[0], shoot / "renamed jpeg.psd")
    (shoot / "notes.psd").write_text("这不是 PSD — not a PSD", encoding="utf-8")
    (shoot / "zero.psd").write_bytes(b"")
    (shoot / "cut.psd").write_bytes(psd_bytes()[:12])
    (shoot / "v3.psd").write_bytes(psd_bytes().replace(b"8BPS\0\1", b"8BPS\0\3", 1))
    write_psd(shoot / "good1.psd", seed=7)
    lib = tmp_path / "lib"
    code, out, _ = run_cli("batch", shoot, "--library", lib, "--workers", "0", "--json")
    doc = json.loads(out)
    assert code == 1
    assert doc["summary"] == {"done": 3, "duplicate": 0, "failed": 5, "skipped": 0}
    items = _by_name(doc)
    reasons = {n: i["reason"] for n, i in items.items() if i["status"] == "failed"}
    assert all(i["role"] == "psd" for n, i in items.items() if n.endswith(".psd"))
    assert reasons == {
        "renamed jpeg.psd": "renamed jpeg.psd is not a Photoshop document (starts with FF D8 FF E0, not 8BPS)",
        "notes.psd": "notes.psd is not a Photoshop document (starts with E8 BF 99 E4, not 8BPS)",
        "zero.psd": "zero.psd is not a Photoshop document (empty file)",
        "cut.psd": "cut.psd is not a Photoshop document (header truncated: 12 of 26 bytes)",
        "v3.psd": "v3.psd is not a Photoshop document (version 3; 1 (PSD) or 2 (PSB) expected)",
    }
    assert items["good1.psd"]["raw"] == "B77/psd/B77-01.psd"
    assert sorted(p.name for p in (lib / "B77" / "psd").iterdir()) == ["B77-01.psd"]
    assert sorted(p.name for p in (lib / "B77" / "jpg").iterdir()) == ["B77-01.jpg", "B77-02.jpg"]
    from imgprep.core.messages import translate

    assert translate(reasons["zero.psd"], "zh_CN") == "zero.psd 不是 Photoshop 文档（空文件）"


def test_a_psd_copied_before_a_crash_is_adopted_not_copied_again(first, tmp_path, run_cli):
    _, _, shoot, psds, lib0, _ = first
    lib = tmp_path / "lib"
    shutil.copytree(lib0, lib)
    later = tmp_path / "later" / "A1234"
    src = write_psd(later / "IMG_0041.psd", seed=30)
    # The copy was published, then the run died before the journal row.
    (lib / "A1234/psd/A1234-01-r2.psd").write_bytes(src.read_bytes())
    code, out, _ = run_cli("batch", later, "--library", lib, "--workers", "0", "--json")
    (it,) = json.loads(out)["items"]
    assert code == 0 and (it["status"], it["raw"]) == ("done", "A1234/psd/A1234-01-r2.psd")
    assert sorted(p.name for p in (lib / "A1234/psd").iterdir()) == [
        "A1234-01-r2.psd", "A1234-01.psd", "A1234-02.psd", "A1234-03.psd", "A1234-05.psb"]
    db = sqlite3.connect(lib / "imgprep.sqlite")
    assert db.execute("SELECT sha256 FROM files WHERE path = 'A1234/psd/A1234-01-r2.psd'").fetchone()[0] == sha(src)


def test_the_hot_folder_takes_psds_and_moves_them_to_done(tmp_path):
    from dataclasses import replace

    from imgprep.app.watch import Watcher, WatchOptions
    from imgprep.core.presets import load_preset

    drop, lib = tmp_path / "drop", tmp_path / "lib"
    drop.mkdir()
    p = load_preset(None)
    events: list[dict] = []
    lock = threading.Lock()

    def emit(ev: dict) -> None:
        with lock:
            events.append(ev)

    def of(kind: str) -> list[dict]:
        with lock:
            return [e for e in events if e["event"] == kind]

    w = Watcher(WatchOptions(drop, lib, replace(p, colour=replace(p.colour, enabled=False)), stable=0.25,
                             stall=1.5, rescan=2.0, poll_interval=0.25, supervise=0.2, tick=0.05, workers=1), emit)
    w.start()
    try:
        _photo(tmp_path / "tmp", "IMG_7.jpg", 1)
        (drop / "W1").mkdir()
        shutil.move(tmp_path / "tmp" / "IMG_7.jpg", drop / "W1" / "IMG_7.jpg")
        deadline = time.monotonic() + 30
        while not of("ingested"):  # the designer's PSD comes back after the photo was taken
            assert time.monotonic() < deadline, events
            time.sleep(0.05)
        write_psd(tmp_path / "tmp" / "img_7.psd", seed=40)
        shutil.move(tmp_path / "tmp" / "img_7.psd", drop / "W1" / "img_7.psd")
        while not (lib / "W1/psd/W1-01.psd").exists() or not (drop / ".imgprep/done/W1/img_7.psd").exists():
            assert time.monotonic() < deadline, events
            time.sleep(0.05)
    finally:
        w.stop()
    assert {e["file"] for e in of("ingested")} == {"W1/raw/W1-01.jpg", "W1/psd/W1-01.psd"}
    assert not of("failed") and not of("skipped")
    assert not (drop / "W1" / "img_7.psd").exists()


def test_naming_rules_for_psds():
    from imgprep.core.naming import next_revision, psd_frame, psd_stem

    frames = [(1, "IMG_0041"), (2, "正面"), (3, "IMG_0041")]
    assert psd_frame("a1234-02", "A1234", frames) == 2
    assert psd_frame("img_0041", "A1234", frames) == 1  # the earliest frame of that name
    assert psd_frame(unicodedata.normalize("NFD", "Café"), "A1", [(4, "Café")]) == 4
    assert psd_frame("A1234-2", "A1234", frames) is None
    assert psd_stem("A1234", 2, []) == "A1234-02"
    assert psd_stem("A1234", 2, ["A1234/psd/a1234-02.PSB"]) == "A1234-02-r2"
    assert psd_stem("A1234", 2, ["A1234-02.psd", "A1234-02-r2.psd", "A1234-02-r4.psb"]) == "A1234-02-r5"
    # renditions keep their own revision numbers (a PSD's do not count)
    assert next_revision("A1234-02", ["A1234-02-r2_sq.jpg", "A1234-02-r7.psd"], (".jpg",)) == 3
