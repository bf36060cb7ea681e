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
