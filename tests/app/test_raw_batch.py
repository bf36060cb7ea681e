"""`imgprep batch` on a shoot with a camera RAW (a real DNG, decoded by rawpy / LibRaw)."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from helpers import photo_array, save_jpeg, sha, tree_hashes
from PIL import Image, ImageCms

from imgprep.core.messages import say

DNG = Path(__file__).parents[1] / "data" / "bayer_rggb_o6.dng"  # see tests/data/make_dng.py
RED, GREY, MARK = (200, 40, 40), (128, 128, 128), (40, 70, 190)  # upright: red | grey, mark top-left
DNG_SHOT = datetime(2024, 5, 6, 10, 20, 30, 250000)


def _shoot(root: Path, sku: str = "R100") -> Path:
    """IMG_0001.jpg shot a second after IMG_0002.dng: by name the JPEG comes first, by
    capture time the DNG does."""
    folder = root / sku
    folder.mkdir(parents=True)
    save_jpeg(folder / "IMG_0001.jpg", photo_array(1200, 800, seed=4), time=datetime(2024, 5, 6, 10, 20, 31))
    shutil.copyfile(DNG, folder / "IMG_0002.dng")
    return folder


def _near(a, b, tol):
    return all(abs(float(x) - float(y)) <= tol for x, y in zip(a, b, strict=True))


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    from imgprep.cli import main

    base = tmp_path_factory.mktemp("raw")
    shoot = _shoot(base / "src")
    lib, bak = base / "lib", base / "bak"
    bak.mkdir()
    import contextlib

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["batch", str(shoot), "--library", str(lib), "--backup", str(bak),
                     "--workers", "2", "--json"])
    return code, json.loads(out.getvalue()), shoot, lib, bak


def test_dng_is_kept_byte_identical_and_numbered_by_capture_time(done):
    code, doc, shoot, lib, bak = done
    assert code == 0, doc
    assert doc["summary"] == {"done": 2, "duplicate": 0, "failed": 0, "skipped": 0}
    by = {Path(i["source"]).name: i for i in doc["items"]}
    raw = by["IMG_0002.dng"]
    assert raw["status"] == "done" and raw["reason"] is None
    assert raw["raw"] == "R100/raw/R100-01.dng" and raw["role"] == "hero"
    assert raw["renditions"] == ["R100/jpg/R100-01.jpg"] and raw["backup"] == "verified"
    assert by["IMG_0001.jpg"]["raw"] == "R100/raw/R100-02.jpg"
    assert sha(lib / "R100/raw/R100-01.dng") == sha(shoot / "IMG_0002.dng") == sha(DNG)
    assert tree_hashes(bak) == tree_hashes(lib)


def test_dng_rendition_is_710_wide_upright_and_in_colour(done):
    _, _, _, lib, _ = done
    im = Image.open(lib / "R100/jpg/R100-01.jpg")
    assert im.format == "JPEG" and im.width == 710
    assert "sRGB" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"])))
    assert im.getexif().get_ifd(0x8769)[0x9003] == "2024:05:06 10:20:30"  # capture time kept
    a = np.asarray(im.convert("RGB"), float)
    h = round(360 * 710 / 720)  # the photo; a spec panel may extend the canvas below it
    assert a.shape[0] >= h
    red = a[h // 2: 3 * h // 4, 150:320].reshape(-1, 3).mean(axis=0)
    grey = a[h // 8: h // 2, 400:650].reshape(-1, 3).mean(axis=0)  # clear of the watermark
    mark = a[40:110, 40:110].reshape(-1, 3).mean(axis=0)
    assert _near(red, RED, 8), red
    assert _near(grey, GREY, 6) and np.ptp(grey) <= 3, grey
    assert _near(mark, MARK, 10), mark  # top-left: the frame is upright


def test_journal_records_the_dng(done):
    _, _, shoot, lib, _ = done
    db = sqlite3.connect(lib / "imgprep.sqlite")
    db.row_factory = sqlite3.Row
    row = db.execute("SELECT * FROM sources WHERE raw_path = 'R100/raw/R100-01.dng'").fetchone()
    assert row["state"] == "rendered" and row["role"] == "hero" and row["seq"] == 1
    assert row["source_path"].endswith("IMG_0002.dng")
    assert row["sha256"] == sha(DNG)
    assert row["capture_time"] == DNG_SHOT.isoformat()
    files = {r["path"]: r for r in db.execute("SELECT * FROM files WHERE source_id = ?", (row["id"],))}
    assert files["R100/raw/R100-01.dng"]["kind"] == "raw"
    assert files["R100/raw/R100-01.dng"]["sha256"] == sha(DNG)
    assert files["R100/jpg/R100-01.jpg"]["kind"] == "jpg"


def test_rerun_skips_the_dng_and_writes_nothing(done, tmp_path, run_cli):
    _, _, shoot, lib0, _ = done
    lib = tmp_path / "lib"
    shutil.copytree(lib0, lib)
    before = {k: ((lib / k).stat().st_mtime_ns, v) for k, v in tree_hashes(lib).items()}
    code, out, _ = run_cli("batch", shoot, "--library", lib, "--workers", "0", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["summary"] == {"done": 0, "duplicate": 0, "failed": 0, "skipped": 2}
    assert {k: ((lib / k).stat().st_mtime_ns, v) for k, v in tree_hashes(lib).items()} == before


def test_bad_dng_files_fail_alone_with_reasons(tmp_path, run_cli):
    shoot = _shoot(tmp_path / "src", "R200")
    data = DNG.read_bytes()
    (shoot / "IMG_0003.dng").write_bytes(data[: len(data) // 2])
    junk = bytearray(data)
    junk[:8] = b"NOTATIFF"  # the header no longer says TIFF
    (shoot / "IMG_0004.dng").write_bytes(bytes(junk))
    lib = tmp_path / "lib"
    code, out, _ = run_cli("batch", shoot, "--library", lib, "--workers", "2")
    assert code == 1
    failed = {ln.split(": ")[1].rsplit("/", 1)[-1]: ln for ln in out.splitlines() if ln.startswith("failed: ")}
    assert set(failed) == {"IMG_0003.dng", "IMG_0004.dng"}, out
    assert failed["IMG_0003.dng"].endswith(say("truncated"))
    assert "cannot decode RAW: Unsupported file format" in failed["IMG_0004.dng"]
    assert "2 done" in out
    assert sorted(p.name for p in (lib / "R200" / "raw").iterdir()) == ["R200-01.dng", "R200-02.jpg"]
    assert sorted(p.name for p in (lib / "R200" / "jpg").iterdir()) == ["R200-01.jpg", "R200-02.jpg"]
    assert not [p for p in lib.rglob("*") if p.name.startswith(".imgprep-tmp-")]


def test_without_rawpy_the_dng_fails_and_the_jpeg_is_done(tmp_path, run_cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "rawpy", None)  # `import rawpy` raises ImportError
    shoot = _shoot(tmp_path / "src", "R300")
    code, out, _ = run_cli("batch", shoot, "--library", tmp_path / "lib", "--workers", "0", "--json")
    doc = json.loads(out)
    assert code == 1
    by = {Path(i["source"]).name: i for i in doc["items"]}
    assert by["IMG_0002.dng"]["status"] == "failed"
    assert by["IMG_0002.dng"]["reason"] == say("raw-needs-rawpy")
    assert by["IMG_0001.jpg"]["status"] == "done" and by["IMG_0001.jpg"]["raw"] == "R300/raw/R300-01.jpg"
    assert not (tmp_path / "lib" / "R300" / "raw" / "R300-02.dng").exists()


def test_raw_plus_jpeg_shots_share_one_number(tmp_path, run_cli):
    """A camera set to RAW + JPEG writes each shot twice. The rule book names raw and JPG
    files by SKU + number: both files of a shot get the same number, the RAW is the frame
    (rendered, colour-corrected from its 16 bits), the camera JPEG its companion (kept,
    backed up, never a second frame). A later run changes nothing."""
    folder = tmp_path / "src" / "P200"
    folder.mkdir(parents=True)
    shutil.copyfile(DNG, folder / "IMG_0007.dng")
    save_jpeg(folder / "IMG_0007.JPG", photo_array(720, 360, seed=8), time=DNG_SHOT)  # the camera's JPEG
    save_jpeg(folder / "IMG_0008.jpg", photo_array(1200, 800, seed=9),
              time=datetime(2024, 5, 6, 10, 21, 0))  # a JPEG-only shot
    lib, bak = tmp_path / "lib", tmp_path / "bak"
    bak.mkdir()
    code, out, _ = run_cli("batch", folder, "--library", lib, "--backup", bak, "--json")
    doc = json.loads(out)
    assert code == 0, doc
    by = {Path(i["source"]).name: i for i in doc["items"]}
    assert by["IMG_0007.dng"]["raw"] == "P200/raw/P200-01.dng" and by["IMG_0007.dng"]["role"] == "hero"
    assert by["IMG_0007.JPG"]["raw"] == "P200/raw/P200-01.jpg" and by["IMG_0007.JPG"]["role"] == "companion"
    assert by["IMG_0007.JPG"]["renditions"] == [] and by["IMG_0007.JPG"]["backup"] == "verified"
    assert by["IMG_0008.jpg"]["raw"] == "P200/raw/P200-02.jpg"
    assert sorted(p.name for p in (lib / "P200" / "jpg").iterdir()) == ["P200-01.jpg", "P200-02.jpg"]
    assert sha(lib / "P200" / "raw" / "P200-01.jpg") == sha(folder / "IMG_0007.JPG")
    assert sha(bak / "P200" / "raw" / "P200-01.jpg") == sha(folder / "IMG_0007.JPG")
    db = sqlite3.connect(lib / "imgprep.sqlite")
    assert db.execute("SELECT COUNT(*) FROM sources").fetchone()[0] == 2
    assert db.execute("SELECT s.seq FROM files f JOIN sources s ON s.id = f.source_id "
                      "WHERE f.kind = 'companion'").fetchall() == [(1,)]
    before = tree_hashes(lib)
    code, out, _ = run_cli("batch", folder, "--library", lib, "--backup", bak, "--json")
    again = json.loads(out)
    assert again["summary"]["done"] == 0 and again["summary"]["failed"] == 0, again
    assert {k: v for k, v in tree_hashes(lib).items() if not k.startswith("imgprep.")} == \
        {k: v for k, v in before.items() if not k.startswith("imgprep.")}


def test_when_the_raw_fails_its_camera_jpeg_is_the_frame(tmp_path, run_cli):
    """The shot is not lost to a damaged RAW: the RAW fails with its reason, the camera
    JPEG becomes the frame (numbered, rendered) and says why; a re-run changes nothing."""
    folder = tmp_path / "src" / "P300"
    folder.mkdir(parents=True)
    (folder / "IMG_0007.dng").write_bytes(DNG.read_bytes()[:15000])  # cut off mid-data
    save_jpeg(folder / "IMG_0007.jpg", photo_array(720, 360, seed=8))
    save_jpeg(folder / "IMG_0008.jpg", photo_array(720, 360, seed=9))
    lib = tmp_path / "lib"
    code, out, _ = run_cli("batch", folder, "--library", lib, "--json")
    by = {Path(i["source"]).name: i for i in json.loads(out)["items"]}
    assert code == 1
    assert by["IMG_0007.dng"]["status"] == "failed"
    jpg = by["IMG_0007.jpg"]
    assert jpg["status"] == "done" and jpg["raw"] == "P300/raw/P300-02.jpg" and jpg["renditions"]
    assert say("companion-promoted", raw="IMG_0007.dng") in jpg["notes"]
    assert by["IMG_0008.jpg"]["raw"] == "P300/raw/P300-01.jpg"
    code, out, _ = run_cli("batch", folder, "--library", lib, "--json")
    again = json.loads(out)
    assert again["summary"]["done"] == 0 and again["summary"]["failed"] == 1, again["summary"]  # the RAW, again
    again_by = {Path(i["source"]).name: i for i in again["items"]}
    assert again_by["IMG_0007.jpg"]["status"] == "skipped" and again_by["IMG_0007.jpg"]["raw"] == "P300/raw/P300-02.jpg"


def test_the_watcher_pairs_raw_and_jpeg_arriving_together_or_apart(tmp_path):
    from tests.app.test_watch import Run, wait_for
    from tests.data.make_dng import write_dng

    dngs = [tmp_path / "1.dng", tmp_path / "2.dng"]
    for k, d in enumerate(dngs):
        write_dng(d, photo_array(360, 240, seed=20 + k), lossless=False)
    with Run(tmp_path) as run:
        a = run.drop / "P400"
        a.mkdir()
        save_jpeg(a / "IMG_0001.jpg", photo_array(720, 360, seed=11))  # the JPEG copies first …
        wait_for(lambda: len(run.of("rendered")) == 1, 30, "the JPEG frame")
        shutil.copyfile(dngs[0], a / "IMG_0001.dng")                   # … its RAW a little later
        save_jpeg(a / "IMG_0002.jpg", photo_array(720, 360, seed=12))  # a pair arriving together
        shutil.copyfile(dngs[1], a / "IMG_0002.DNG")
        wait_for(lambda: not any(p.is_file() for p in a.iterdir()), 30, "every file moved to done/")
        assert len(run.of("rendered")) == 2, run.events
    raw = sorted(p.name for p in (run.lib / "P400" / "raw").iterdir())
    assert raw == ["P400-01.dng", "P400-01.jpg", "P400-02.dng", "P400-02.jpg"]
    assert sha(run.lib / "P400" / "raw" / "P400-01.dng") == sha(dngs[0])
    done = run.drop / ".imgprep" / "done" / "P400"
    assert sorted(p.name for p in done.iterdir()) == ["IMG_0001.dng", "IMG_0001.jpg", "IMG_0002.DNG", "IMG_0002.jpg"]
