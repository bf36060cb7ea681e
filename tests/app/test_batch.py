"""Issue 2 acceptance: `imgprep batch` on a real shoot of 24 MP frames, through the CLI."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import GREY, MARK, adobe_rgb_icc, photo_array, save_jpeg, sha, stored_for, tree_hashes
from PIL import Image, ImageCms

T0 = datetime(2026, 11, 20, 10, 0, 0)


def _tag(arr: np.ndarray, i: int) -> np.ndarray:
    """Make each frame's content unique (a small block in the middle-left)."""
    a = arr.copy()
    h, w = a.shape[:2]
    a[h // 2: h // 2 + 40, 20 + 40 * i: 60 + 40 * i] = (i * 20 % 255, 255 - i * 15, 30)
    return a


@pytest.fixture(scope="module")
def shoot(tmp_path_factory) -> tuple[Path, list[Path]]:
    """12 frames under a Chinese parent folder; returns (shoot folder, sources in capture order)."""
    root = tmp_path_factory.mktemp("src") / "拍摄 2026秋" / "A1234"
    root.mkdir(parents=True)
    big = photo_array(6000, 4000, seed=3)  # 24 MP, displayed landscape
    order: list[Path] = []

    def jpeg(name, i, **kw):
        orientation = kw.get("orientation")
        arr = _tag(big, i)
        if orientation:
            arr = np.ascontiguousarray(stored_for(arr, orientation))
        return save_jpeg(root / name, arr, time=T0 + timedelta(seconds=i), quality=85, **kw)

    order.append(jpeg("IMG_0007.JPG", 1))
    order.append(jpeg("IMG_0003.JPG", 2, orientation=6))
    order.append(jpeg("IMG_0005.JPG", 3, orientation=8))
    order.append(jpeg("IMG_0001.JPG", 4, gps=True, serial="CAM-SN-123456", artist="Wang Studio"))
    order.append(jpeg("正面 细节.jpg", 5))
    adobe = _tag(photo_array(2400, 1600, seed=5), 6)
    order.append(save_jpeg(root / "adobe.jpg", adobe, icc=adobe_rgb_icc(), time=T0 + timedelta(seconds=6)))
    for k, name in enumerate(["IMG_0010.JPG", "IMG_0011.JPG", "IMG_0012.JPG", "IMG_0013.JPG"]):
        order.append(jpeg(name, 7 + k))
    # No capture time: after the dated frames, by name.
    rgba = np.dstack([_tag(photo_array(1600, 1200, seed=7), 11), np.full((1200, 1600), 255, np.uint8)])
    rgba[:100, -300:, 3] = 0  # a transparent corner
    Image.fromarray(rgba, "RGBA").save(root / "alpha.png")
    order.append(root / "alpha.png")
    deep = _tag(photo_array(1800, 1200, seed=8), 12).astype(np.uint16) * 257
    ok, buf = cv2.imencode(".tiff", np.ascontiguousarray(deep[..., ::-1]))
    (root / "deep.tif").write_bytes(buf.tobytes())
    order.append(root / "deep.tif")
    return root, order


@pytest.fixture(scope="module")
def done(shoot, tmp_path_factory):
    """The shoot processed once by the CLI with a backup; shared by the read-only checks."""
    from imgprep.cli import main

    base = tmp_path_factory.mktemp("out")
    lib, bak = base / "图库", base / "backup"
    bak.mkdir()
    import contextlib

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["batch", str(shoot[0]), "--library", str(lib), "--backup", str(bak), "--workers", "2", "--json"])
    return code, json.loads(out.getvalue()), lib, bak


def test_originals_are_named_in_capture_order_and_byte_identical(shoot, done):
    code, doc, lib, _ = done
    assert code == 0, doc
    assert doc["summary"] == {"done": 12, "duplicate": 0, "failed": 0, "skipped": 0}
    for n, src in enumerate(shoot[1], start=1):
        raw = lib / "A1234" / "raw" / f"A1234-{n:02d}{src.suffix.lower()}"
        assert raw.exists(), raw
        assert sha(raw) == sha(src), (raw, src)
    items = {Path(i["source"]).name: i for i in doc["items"]}
    assert items["IMG_0007.JPG"]["role"] == "hero"
    assert {i["role"] for n, i in items.items() if n != "IMG_0007.JPG"} == {"detail"}
    assert items["正面 细节.jpg"]["raw"] == "A1234/raw/A1234-05.jpg"
    assert all(i["backup"] == "verified" for i in doc["items"])


def test_renditions_are_710_wide_oriented_srgb_private_and_watermarked(done):
    _, doc, lib, _ = done
    jpgs = sorted((lib / "A1234" / "jpg").iterdir())
    assert [p.name for p in jpgs] == [f"A1234-{n:02d}.jpg" for n in range(1, 13)]
    for p in jpgs:
        im = Image.open(p)
        assert im.format == "JPEG" and im.width == 710, p
        prof = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
        assert "sRGB" in ImageCms.getProfileDescription(prof)
        ex = im.getexif()
        assert 0x8825 not in ex and 0xA431 not in ex.get_ifd(0x8769), p  # no GPS, no serial
        a = np.asarray(im.convert("RGB"), int)
        h, w = a.shape[:2]
        corner = a[: h // 16, : w // 16].reshape(-1, 3).mean(axis=0)
        assert corner[0] > 150 and corner[1] < 90, (p, corner)  # the red marker is top-left: upright
        band = a[int(h * 0.88):, w // 2:]  # plain grey band where the mark sits
        assert band.max() > GREY[0] + 60, p  # light text of the watermark is there
    # Frames stored sideways (EXIF 6 and 8: 4000 × 6000 on disk) come out as shot.
    assert Image.open(lib / "A1234" / "jpg" / "A1234-02.jpg").size == (710, 473)
    # Artist and capture time are kept, nothing else.
    ex = Image.open(lib / "A1234" / "jpg" / "A1234-04.jpg").getexif()
    assert ex[0x013B] == "Wang Studio" and ex.get_ifd(0x8769)[0x9003] == "2026:11:20 10:00:04"
    db = sqlite3.connect(lib / "imgprep.sqlite")
    assert db.execute("SELECT COUNT(*) FROM files WHERE kind='jpg' AND watermark=1").fetchone()[0] == 12
    # The transparent corner of the PNG became white, the Adobe RGB frame was converted.
    png = np.asarray(Image.open(lib / "A1234" / "jpg" / "A1234-11.jpg"), int)
    assert png[3, -10].min() > 240
    assert MARK  # (the red marker checks above also ran on the converted Adobe RGB frame)


def test_backup_holds_an_identical_tree(done):
    _, _, lib, bak = done
    lib_files, bak_files = tree_hashes(lib), tree_hashes(bak)
    assert len(lib_files) == 24
    assert bak_files == lib_files
    assert (bak / ".imgprep-backup").is_file()
    db = sqlite3.connect(lib / "imgprep.sqlite")
    assert db.execute("SELECT COUNT(*) FROM backups WHERE state = 'verified'").fetchone()[0] == 24


def _snapshot(root: Path) -> dict[str, tuple[int, str]]:
    return {k: ((root / k).stat().st_mtime_ns, v) for k, v in tree_hashes(root).items()}


def test_rerun_writes_nothing_and_a_13th_frame_gets_13(shoot, done, tmp_path, run_cli):
    _, _, lib0, bak0 = done
    lib, bak = tmp_path / "lib", tmp_path / "bak"
    shutil.copytree(lib0, lib)
    shutil.copytree(bak0, bak)
    before_lib, before_bak = _snapshot(lib), _snapshot(bak)
    code, out, err = run_cli("batch", shoot[0], "--library", lib, "--backup", bak, "--workers", "0", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["summary"] == {"done": 0, "duplicate": 0, "failed": 0, "skipped": 12}
    assert _snapshot(lib) == before_lib and _snapshot(bak) == before_bak

    extra_src = shoot[0].parent / "A1234-more" / "A1234"
    shutil.copytree(shoot[0], extra_src)
    save_jpeg(extra_src / "IMG_0099.JPG", _tag(photo_array(3000, 2000, seed=9), 13), time=T0 + timedelta(hours=1))
    code, out, _ = run_cli("batch", extra_src, "--library", lib, "--backup", bak, "--workers", "0", "--json")
    doc = json.loads(out)
    assert code == 0
    # The copies of the 12 under another path are the same photos: duplicates, not new numbers.
    assert doc["summary"] == {"done": 1, "duplicate": 12, "failed": 0, "skipped": 0}
    after = _snapshot(lib)
    new = set(after) - set(before_lib)
    assert new == {"A1234/raw/A1234-13.jpg", "A1234/jpg/A1234-13.jpg"}
    assert {k: after[k] for k in before_lib} == before_lib  # existing files keep their bytes
    assert tree_hashes(bak) == tree_hashes(lib)


def test_bad_files_fail_alone_with_reasons(tmp_path, run_cli):
    shoot = tmp_path / "B77"
    shoot.mkdir()
    good = [save_jpeg(shoot / f"good{i}.jpg", _tag(photo_array(1200, 800), i), time=T0 + timedelta(seconds=i))
            for i in range(2)]
    (shoot / "cut.jpg").write_bytes(good[0].read_bytes()[:20000])
    (shoot / "zero.jpg").write_bytes(b"")
    (shoot / "notes.jpg").write_text("这不是图片 — not a photo", encoding="utf-8")
    # A real 30000 × 30000 PNG (1-bit, so the file is small); refused from its header.
    import struct
    import zlib

    def chunk(k, d):
        return struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d))

    row = b"\0" + b"\0" * (30000 // 8)
    z = zlib.compressobj(9)
    data = b"".join(z.compress(row) for _ in range(30000)) + z.flush()
    (shoot / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 1, 0, 0, 0, 0))
                                     + chunk(b"IDAT", data) + chunk(b"IEND", b""))
    lib = tmp_path / "lib"
    code, out, err = run_cli("batch", shoot, "--library", lib, "--workers", "0")
    assert code == 1
    lines = {ln.split(": ")[1].rsplit("/", 1)[-1]: ln for ln in out.splitlines() if ln.startswith("failed: ")}
    assert set(lines) == {"cut.jpg", "zero.jpg", "notes.jpg", "huge.png"}
    assert "truncated" in lines["cut.jpg"] and "empty" in lines["zero.jpg"]
    assert "not a JPEG" in lines["notes.jpg"] and "900 MP" in lines["huge.png"]
    assert "2 done" in out
    assert sorted(p.name for p in (lib / "B77" / "raw").iterdir()) == ["B77-01.jpg", "B77-02.jpg"]
    assert sorted(p.name for p in (lib / "B77" / "jpg").iterdir()) == ["B77-01.jpg", "B77-02.jpg"]
    assert not [p for p in lib.rglob("*") if p.name.startswith(".imgprep-tmp-")]


@pytest.mark.parametrize("folder", ["CON", "nul", "A12\\34", "上衣01"])
def test_bad_sku_folders_are_refused_and_nothing_is_written(tmp_path, run_cli, folder):
    shoot = tmp_path / folder
    shoot.mkdir()
    save_jpeg(shoot / "a.jpg", photo_array(200, 100))
    code, out, err = run_cli("batch", shoot, "--library", tmp_path / "lib", "--workers", "0", "--json")
    doc = json.loads(out)
    assert code == 1
    assert doc["items"][0]["status"] == "failed"
    assert f"shoot folder '{folder}' refused" in doc["items"][0]["reason"]
    assert not (tmp_path / "lib").exists()


def test_workers_give_identical_output_and_a_crash_fails_one_file(tmp_path, run_cli, monkeypatch):
    shoot = tmp_path / "C9"
    shoot.mkdir()
    for i in range(5):
        save_jpeg(shoot / f"f{i}.jpg", _tag(photo_array(2400, 1600, seed=i), i), time=T0 + timedelta(seconds=i))
    code0, _, _ = run_cli("batch", shoot, "--library", tmp_path / "one", "--workers", "0")
    code2, _, _ = run_cli("batch", shoot, "--library", tmp_path / "two", "--workers", "2")
    assert code0 == code2 == 0
    assert tree_hashes(tmp_path / "one") == tree_hashes(tmp_path / "two")

    monkeypatch.setenv("IMGPREP_TEST_CRASH_ON", "f2.jpg")  # the worker dies with SIGSEGV on this file
    code, out, _ = run_cli("batch", shoot, "--library", tmp_path / "three", "--workers", "2", "--json")
    doc = json.loads(out)
    assert code == 1
    by = {Path(i["source"]).name: i for i in doc["items"]}
    assert by["f2.jpg"]["status"] == "failed" and "crashed" in by["f2.jpg"]["reason"]
    assert all(by[f"f{i}.jpg"]["status"] == "done" for i in (0, 1, 3, 4))
