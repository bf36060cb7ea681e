"""SKU slates (docs/workflow.md): a printed QR card shot as a shoot's first frame names the
shoot, whatever its folder is called; it is not a product photo."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import photo_array, save_jpeg

from imgprep.core.imaging import slate

T0 = datetime(2026, 11, 20, 10, 0, 0)


def photographed(card: np.ndarray, size=(4000, 3000), seed=0) -> np.ndarray:
    """``card`` held in front of the camera: a fifth of the frame's area, tilted, in
    perspective, slightly soft, on a studio backdrop."""
    w, h = size
    rng = np.random.default_rng(seed)
    frame = np.empty((h, w, 3), np.uint8)
    frame[:] = (170, 165, 158)
    ch, cw = card.shape[:2]
    x0, y0 = w * 0.35 + rng.uniform(-80, 80), h * 0.2
    dst = np.float32([[x0, y0], [x0 + w * 0.27, y0 + h * 0.03], [x0 + w * 0.26, y0 + h * 0.55], [x0 - w * 0.01, y0 + h * 0.52]])
    H = cv2.getPerspectiveTransform(np.float32([[0, 0], [cw, 0], [cw, ch], [0, ch]]), dst)
    mask = cv2.warpPerspective(np.full((ch, cw), 255, np.uint8), H, (w, h)) > 127
    frame[mask] = cv2.warpPerspective(card, H, (w, h))[mask]
    frame = cv2.GaussianBlur(frame, (0, 0), 1.2)
    return np.clip(frame + rng.normal(0, 2, frame.shape), 0, 255).astype(np.uint8)


def shoot(folder: Path, sku: str | None, n: int = 2, seed: int = 0) -> list[Path]:
    """A camera folder: the slate of ``sku`` first (None: no slate), then ``n`` products."""
    frames = []
    if sku is not None:
        card = np.asarray(slate.render(sku, "测试商品"))
        frames.append(save_jpeg(folder / "IMG_0001.jpg", photographed(card, seed=seed), quality=90, time=T0))
    for i in range(n):
        frames.append(save_jpeg(folder / f"IMG_{i + 2:04d}.jpg", photo_array(1600, 1200, seed=seed * 10 + i),
                                quality=90, time=T0 + timedelta(seconds=i + 1)))
    return frames


def test_a_photographed_slate_is_read_and_other_qr_codes_are_not():
    card = np.asarray(slate.render("MUG-001", "加厚马克杯"))
    assert slate.find_sku(card) == "MUG-001"
    assert slate.find_sku(photographed(card)) == "MUG-001"
    # a QR code that is not a slate's (a shop link on the packaging) names nothing
    qr = cv2.QRCodeEncoder.create().encode("https://shop.example.com/item/MUG-001")
    link = np.full((900, 900, 3), 255, np.uint8)
    link[100:800, 100:800] = cv2.resize(qr, (700, 700), interpolation=cv2.INTER_NEAREST)[..., None]
    assert slate.find_sku(link) is None
    assert slate.find_sku(photo_array(1600, 1200)) is None
    assert slate.parse("SKU:MUG-001") == slate.parse("货号：MUG-001") == "MUG-001"
    assert slate.parse("SKU:../etc") is None and slate.parse("MUG-001") is None
    with pytest.raises(Exception, match="SKU"):
        slate.payload("a/b")


def test_the_slate_names_the_shoot_and_is_not_a_product_photo(tmp_path, run_cli):
    src = tmp_path / "card"
    canon = shoot(src / "100CANON", "MUG-001", seed=1)
    shoot(src / "新建文件夹", "BAG-002", n=1, seed=2)     # a name no SKU can have
    shoot(src / "LAMP-3", None, n=1, seed=3)             # no slate: the folder names it
    shoot(src / "CUP-4", "CUP-5", n=1, seed=4)  # the slate wins over the folder
    before = {p: p.read_bytes() for p in src.rglob("*.jpg")}
    code, out, _ = run_cli("batch", src, "--library", tmp_path / "lib", "--json")
    doc = json.loads(out)
    assert code == 0, doc
    items = {Path(i["source"]).relative_to(src).as_posix(): i for i in doc["items"]}
    assert items["100CANON/IMG_0001.jpg"]["role"] == "slate"
    assert items["100CANON/IMG_0001.jpg"]["status"] == "skipped"
    assert items["100CANON/IMG_0002.jpg"]["sku"] == "MUG-001"
    assert items["100CANON/IMG_0002.jpg"]["raw"] == "MUG-001/raw/MUG-001-01.jpg"  # the slate takes no number
    assert items["新建文件夹/IMG_0002.jpg"]["raw"] == "BAG-002/raw/BAG-002-01.jpg"
    assert items["LAMP-3/IMG_0002.jpg"]["raw"] == "LAMP-3/raw/LAMP-3-01.jpg"
    assert "CUP-4" in items["CUP-4/IMG_0001.jpg"]["reason"]
    assert items["CUP-4/IMG_0002.jpg"]["raw"] == "CUP-5/raw/CUP-5-01.jpg"
    assert doc["summary"] == {"done": 5, "duplicate": 0, "failed": 0, "skipped": 3}
    lib = tmp_path / "lib"
    assert sorted(p.name for p in (lib / "MUG-001" / "raw").iterdir()) == ["MUG-001-01.jpg", "MUG-001-02.jpg"]
    assert not (lib / "100CANON").exists() and not (lib / "CUP-4").exists()
    assert {p: p.read_bytes() for p in src.rglob("*.jpg")} == before  # the originals are untouched
    import sqlite3

    db = sqlite3.connect(lib / "imgprep.sqlite")
    logged = db.execute("SELECT sku, source FROM events WHERE kind = 'slate' ORDER BY sku").fetchall()
    assert [r[0] for r in logged] == ["BAG-002", "CUP-5", "MUG-001"]
    assert logged[2][1] == str(canon[0])
    # a re-run finds the same names: the frames are known, nothing new is written
    code, out, _ = run_cli("batch", src, "--library", lib, "--json")
    again = json.loads(out)
    assert again["summary"]["done"] == 0 and again["summary"]["failed"] == 0, again["summary"]


def test_a_raw_plus_jpeg_slate_is_skipped_twice(tmp_path, run_cli):
    """Cameras set to RAW + JPEG write the slate twice: neither file is a product photo."""
    from PIL import Image

    src = tmp_path / "card" / "DCIM"
    frames = shoot(src, "LAMP-9", n=1, seed=6)
    Image.open(frames[0]).save(src / "IMG_0001.tif")  # the second file of the slate shot
    code, out, _ = run_cli("batch", src, "--library", tmp_path / "lib", "--json")
    doc = json.loads(out)
    assert code == 0, doc
    roles = sorted((Path(i["source"]).name, i["role"], i["sku"]) for i in doc["items"])
    assert roles == [("IMG_0001.jpg", "slate", "LAMP-9"), ("IMG_0001.tif", "slate", "LAMP-9"),
                     ("IMG_0002.jpg", "hero", "LAMP-9")]


def test_a_named_folders_slate_is_read_by_its_frame_analysis(tmp_path):
    """A folder named by a valid SKU is planned at once; its first frame's analysis reads
    the slate (app.lateslate) from the decode it makes anyway: the slate is said after the
    frames are planned, and it and its twin leave the frames under the same name."""
    from PIL import Image

    from imgprep.app.batch import BatchOptions, BatchRunner
    from imgprep.core.presets import load_preset

    src = tmp_path / "card"
    frames = shoot(src / "VASE-7", "VASE-7", n=2, seed=7)
    Image.open(frames[0]).save(src / "VASE-7" / "IMG_0001.tif")  # the slate's twin
    plain = shoot(src / "LAMP-8", None, n=1, seed=8)
    events = []
    runner = BatchRunner(BatchOptions(library=tmp_path / "lib", preset=load_preset(None), workers=1),
                         progress=events.append)
    report = runner.run([src])
    kinds = [e["event"] for e in events]
    assert kinds.index("planned") < kinds.index("slate"), kinds  # read by the workers, not before
    assert [e["sku"] for e in events if e["event"] == "slate"] == ["VASE-7"]
    by = {Path(it.source).name + "@" + Path(it.source).parent.name: it for it in report.items}
    assert by["IMG_0001.jpg@VASE-7"].role == by["IMG_0001.tif@VASE-7"].role == "slate"
    assert by["IMG_0001.jpg@VASE-7"].status == "skipped"
    assert by["IMG_0002.jpg@VASE-7"].raw == "VASE-7/raw/VASE-7-01.jpg"  # the slate takes no number
    assert by["IMG_0002.jpg@LAMP-8"].raw == "LAMP-8/raw/LAMP-8-01.jpg"
    assert report.summary == {"done": 3, "duplicate": 0, "failed": 0, "skipped": 2}
    raw = sorted(p.name for p in (tmp_path / "lib" / "VASE-7" / "raw").iterdir())
    assert raw == ["VASE-7-01.jpg", "VASE-7-02.jpg"], raw  # no slate, no temp left behind
    assert plain[0].exists()


def test_a_late_slate_renames_one_of_two_folders_of_the_same_name(tmp_path, run_cli):
    """Two folders named CUP-4 are planned as one SKU; the first frame of one is a slate of
    CUP-5. What was analysed under CUP-4 is dropped, and both folders run again: one as
    CUP-5, the other still CUP-4, numbered from 01. A named folder whose first file is
    broken has no slate: that file fails alone."""
    src = tmp_path / "card"
    shoot(src / "a" / "CUP-4", "CUP-5", n=2, seed=1)
    shoot(src / "b" / "CUP-4", None, n=2, seed=2)
    lamp = shoot(src / "c" / "LAMP-7", None, n=2, seed=3)
    broken = lamp[0].with_name("IMG_0000.jpg")
    broken.write_bytes(b"\xff\xd8\xff\xe0 cut short")
    code, out, _ = run_cli("batch", src / "a", src / "b", src / "c", "--library", tmp_path / "lib", "--json")
    doc = json.loads(out)
    got = {Path(i["source"]).relative_to(src).as_posix(): (i["status"], i["sku"], i["raw"]) for i in doc["items"]}
    assert got == {
        "a/CUP-4/IMG_0001.jpg": ("skipped", "CUP-5", None),
        "a/CUP-4/IMG_0002.jpg": ("done", "CUP-5", "CUP-5/raw/CUP-5-01.jpg"),
        "a/CUP-4/IMG_0003.jpg": ("done", "CUP-5", "CUP-5/raw/CUP-5-02.jpg"),
        "b/CUP-4/IMG_0002.jpg": ("done", "CUP-4", "CUP-4/raw/CUP-4-01.jpg"),
        "b/CUP-4/IMG_0003.jpg": ("done", "CUP-4", "CUP-4/raw/CUP-4-02.jpg"),
        "c/LAMP-7/IMG_0000.jpg": ("failed", "LAMP-7", None),
        "c/LAMP-7/IMG_0002.jpg": ("done", "LAMP-7", "LAMP-7/raw/LAMP-7-01.jpg"),
        "c/LAMP-7/IMG_0003.jpg": ("done", "LAMP-7", "LAMP-7/raw/LAMP-7-02.jpg"),
    }, got
    assert code == 1  # the broken file failed
    lib = tmp_path / "lib"
    raw = sorted(p.relative_to(lib).as_posix() for p in lib.rglob("*") if p.is_file() and p.parent.name == "raw")
    assert raw == ["CUP-4/raw/CUP-4-01.jpg", "CUP-4/raw/CUP-4-02.jpg", "CUP-5/raw/CUP-5-01.jpg",
                   "CUP-5/raw/CUP-5-02.jpg", "LAMP-7/raw/LAMP-7-01.jpg", "LAMP-7/raw/LAMP-7-02.jpg"]  # no temp left


def tethered(folder: Path, plan: list[str | int], seed: int = 0) -> list[Path]:
    """A tethered camera's one folder for every product: a SKU (str) is its slate, an int
    that many product frames; numbered and timed in capture order."""
    steps = [s for step in plan for s in ([step] if isinstance(step, str) else [None] * step)]
    frames = []
    for i, sku in enumerate(steps):
        arr = photographed(np.asarray(slate.render(sku, "测试商品")), seed=seed + i) if sku \
            else photo_array(1600, 1200, seed=seed * 10 + i)
        frames.append(save_jpeg(folder / f"IMG_{i + 1:04d}.jpg", arr, quality=90, time=T0 + timedelta(seconds=i)))
    return frames


def test_later_slates_in_one_folder_start_new_shoots(tmp_path, run_cli):
    """A tethered camera writes every product into one folder: slate, frames, slate,
    frames… Each slate starts a new shoot (capture order); a slate of the SKU already
    being shot is only skipped."""
    src = tmp_path / "card"
    cam = src / "100CANON"
    f = tethered(cam, ["MUG-001", 2, "BAG-002", 2, "BAG-002", 1, "MUG-001", 1], seed=4)
    before = {p: p.read_bytes() for p in cam.iterdir()}
    code, out, _ = run_cli("batch", src, "--library", tmp_path / "lib", "--json")
    doc = json.loads(out)
    assert code == 0, doc
    got = {Path(i["source"]).name: (i["status"], i["role"], i["sku"], i["raw"]) for i in doc["items"]}
    assert got == {
        "IMG_0001.jpg": ("skipped", "slate", "MUG-001", None),
        "IMG_0002.jpg": ("done", "hero", "MUG-001", "MUG-001/raw/MUG-001-01.jpg"),
        "IMG_0003.jpg": ("done", "detail", "MUG-001", "MUG-001/raw/MUG-001-02.jpg"),
        "IMG_0004.jpg": ("skipped", "slate", "BAG-002", None),
        "IMG_0005.jpg": ("done", "hero", "BAG-002", "BAG-002/raw/BAG-002-01.jpg"),
        "IMG_0006.jpg": ("done", "detail", "BAG-002", "BAG-002/raw/BAG-002-02.jpg"),
        "IMG_0007.jpg": ("skipped", "slate", "BAG-002", None),  # the same SKU again: only skipped
        "IMG_0008.jpg": ("done", "detail", "BAG-002", "BAG-002/raw/BAG-002-03.jpg"),
        "IMG_0009.jpg": ("skipped", "slate", "MUG-001", None),  # back to the first product
        "IMG_0010.jpg": ("done", "detail", "MUG-001", "MUG-001/raw/MUG-001-03.jpg"),
    }, got
    assert doc["summary"] == {"done": 6, "duplicate": 0, "failed": 0, "skipped": 4}
    lib = tmp_path / "lib"
    raw = sorted(p.relative_to(lib).as_posix() for p in lib.rglob("*") if p.is_file() and p.parent.name == "raw")
    assert raw == ["BAG-002/raw/BAG-002-01.jpg", "BAG-002/raw/BAG-002-02.jpg", "BAG-002/raw/BAG-002-03.jpg",
                   "MUG-001/raw/MUG-001-01.jpg", "MUG-001/raw/MUG-001-02.jpg", "MUG-001/raw/MUG-001-03.jpg"]  # no temp
    assert (lib / "BAG-002" / "raw" / "BAG-002-01.jpg").read_bytes() == before[f[4]]
    assert {p: p.read_bytes() for p in cam.iterdir()} == before  # the originals are untouched
    assert not (lib / "100CANON").exists()
    import sqlite3

    db = sqlite3.connect(lib / "imgprep.sqlite")
    logged = db.execute("SELECT sku, source FROM events WHERE kind = 'slate'").fetchall()
    assert sorted((Path(s).name, sku) for sku, s in logged) == [
        ("IMG_0001.jpg", "MUG-001"), ("IMG_0004.jpg", "BAG-002"), ("IMG_0007.jpg", "BAG-002"),
        ("IMG_0009.jpg", "MUG-001")]
    db.close()
    # a re-run finds the same names: the frames are known, the slates skipped again
    code, out, _ = run_cli("batch", src, "--library", lib, "--json")
    again = json.loads(out)
    assert code == 0 and again["summary"] == {"done": 0, "duplicate": 0, "failed": 0, "skipped": 10}, again["summary"]
    assert {Path(i["source"]).name: i["sku"] for i in again["items"]} == {k: v[2] for k, v in got.items()}


def test_a_renamed_shoot_runs_again_on_the_same_workers(tmp_path):
    """A folder whose name is a valid SKU (MUG-000, last product's) renamed by its slate
    runs again in a second pass. The command line's workers are forked while it has one thread; the second
    pass once started new ones, spawned (by then the render threads run): ~0.7 s each, and
    their semaphores, never released by the command line's quick exit, were reported
    leaked ("resource_tracker: There appear to be 5 leaked semaphore objects") under the
    batch's summary. The first pass's workers do the second pass too."""
    import os
    import subprocess
    import sys

    shoot(tmp_path / "card" / "MUG-000", "MUG-001", n=2, seed=7)
    root = Path(__file__).resolve().parents[2]
    r = subprocess.run([sys.executable, "-c", "import sys; from imgprep.cli import main; sys.exit(main())",
                        "batch", str(tmp_path / "card"), "--library", str(tmp_path / "lib"), "--workers", "2"],
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(root)})
    assert r.returncode == 0, r.stderr
    assert "2 done, 0 duplicate, 0 failed, 1 skipped" in r.stdout, r.stdout
    assert r.stderr == "", r.stderr
    assert sorted(p.name for p in (tmp_path / "lib" / "MUG-001" / "raw").iterdir()) == ["MUG-001-01.jpg", "MUG-001-02.jpg"]


def test_a_camera_folder_is_read_for_its_slate_before_its_frames():
    """A camera's own folder (DCF: '100CANON') names a valid SKU, but its first frame is
    a slate more often than not: read before the frames are analysed, not by the first
    frame's analysis, which would have the folder analysed under its name and then again
    under the slate's. A folder named like a product waits for that analysis."""
    from imgprep.app.intake import camera_folder

    cameras = ["100CANON", "101MSDCF", "100_FUJI", "102ND750", "100APPLE", "999GOPRO"]
    products = ["MUG-001", "100canon", "099CANON", "100CANON1", "12345678", "2024-05", "新建文件夹"]
    assert [n for n in cameras if not camera_folder(n)] == []
    assert [n for n in products if camera_folder(n)] == []


def test_a_later_slate_shot_twice_is_skipped_twice(tmp_path, run_cli):
    """A later slate written twice (JPEG + TIFF): both files are the slate. The TIFF has no
    capture time (placed by its file time, after every frame here): the dated JPEG says
    where the new shoot starts."""
    from PIL import Image

    cam = tmp_path / "card" / "100CANON"
    f = tethered(cam, ["LAMP-9", 1, "VASE-7", 1], seed=6)
    Image.open(f[2]).save(cam / "IMG_0003.tif")
    code, out, _ = run_cli("batch", cam, "--library", tmp_path / "lib", "--json")
    doc = json.loads(out)
    assert code == 0, doc
    got = {Path(i["source"]).name: (i["role"], i["sku"], i["raw"]) for i in doc["items"]}
    assert got == {"IMG_0001.jpg": ("slate", "LAMP-9", None), "IMG_0002.jpg": ("hero", "LAMP-9", "LAMP-9/raw/LAMP-9-01.jpg"),
                   "IMG_0003.jpg": ("slate", "VASE-7", None), "IMG_0003.tif": ("slate", "VASE-7", None),
                   "IMG_0004.jpg": ("hero", "VASE-7", "VASE-7/raw/VASE-7-01.jpg")}, got
    lib = tmp_path / "lib"
    raw = sorted(p.relative_to(lib).as_posix() for p in lib.rglob("*") if p.is_file() and p.parent.name == "raw")
    assert raw == ["LAMP-9/raw/LAMP-9-01.jpg", "VASE-7/raw/VASE-7-01.jpg"]  # no temp of the TIFF left


def test_a_later_raw_plus_jpeg_slate_leaves_with_its_companion(tmp_path):
    """RAW + JPEG: the RAW is the frame, the camera JPEG its companion. A later slate's
    JPEG leaves with it (role slate); the frames after it take their companions along.
    No decode: the analysis' answers are given (app.lateslate)."""
    from imgprep.app.frames import FrameJob, SlateFound
    from imgprep.app.intake import Shoot
    from imgprep.app.lateslate import LateSlates

    cam = tmp_path / "100CANON"
    raws = [cam / f"IMG_{i:04d}.CR2" for i in range(2, 7)]
    sh = Shoot("MUG-001", cam, list(raws), companions=[r.with_suffix(".JPG") for r in raws])
    sh.slate = cam / "IMG_0001.CR2"
    late = LateSlates(str.upper)
    later = late.watch(sh, raws, lambda f: ((f.name,), False))
    assert later == set(map(str, raws))
    jobs = [FrameJob(str(r), (), slate=True, slate_preview=False) for r in raws]
    results = [late.seen("MUG-001", job, SlateFound(job.path, "bag-002") if i == 2 else f"frame {i}")
               for i, job in enumerate(jobs)]
    routed = late.route("MUG-001", list(zip(jobs, [None] * 5, results, strict=True)))
    assert [(sku, [Path(j.path).name for j, _, _ in part]) for sku, part in routed] == [
        ("MUG-001", ["IMG_0002.CR2", "IMG_0003.CR2"]), ("BAG-002", ["IMG_0005.CR2", "IMG_0006.CR2"])]
    (new, items, left), = late.items
    assert late.born == [new] and new.sku == "BAG-002" and new.slate == raws[2] and left == "MUG-001"
    assert sorted((Path(i.source).name, i.role, i.sku, i.status) for i in items) == [
        ("IMG_0004.CR2", "slate", "BAG-002", "skipped"), ("IMG_0004.JPG", "slate", "BAG-002", "skipped")]
    assert [f.name for f in sh.files] == ["IMG_0002.CR2", "IMG_0003.CR2"]
    assert [f.name for f in sh.companions] == ["IMG_0002.JPG", "IMG_0003.JPG"]
    assert [f.name for f in new.files] == ["IMG_0005.CR2", "IMG_0006.CR2"]
    assert [f.name for f in new.companions] == ["IMG_0005.JPG", "IMG_0006.JPG"]


def test_print_slates_from_the_product_sheet(tmp_path, run_cli):
    sheet = tmp_path / "products.csv"
    sheet.write_text("货号,商品名称\nMUG-001,加厚马克杯\nBAG-002,帆布包\n", encoding="utf-8")
    code, out, err = run_cli("slate", "--catalogue", sheet, "--out", tmp_path / "slates", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert [Path(f).name for f in doc["files"]] == ["slate-MUG-001.png", "slate-BAG-002.png"]
    from PIL import Image

    for f, sku in zip(doc["files"], ("MUG-001", "BAG-002"), strict=True):
        assert slate.find_sku(np.asarray(Image.open(f).convert("RGB"))) == sku
    code, out, err = run_cli("slate", "A-1", "bad/sku", "--out", tmp_path / "s2")
    assert code == 1 and "bad/sku" in err
    assert (tmp_path / "s2" / "slate-A-1.png").is_file()


def _slate_jpeg(sku: str, seed: int = 0) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(photographed(np.asarray(slate.render(sku)), size=(2000, 1500), seed=seed)).save(
        buf, "JPEG", quality=90)
    return buf.getvalue()


def _png(jpeg: bytes) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.open(io.BytesIO(jpeg)).save(buf, "PNG", compress_level=1)
    return buf.getvalue()


def test_the_watcher_names_a_camera_folder_by_its_slate(tmp_path):
    """A card reader's folder lands in the drop folder: its first frame names the shoot,
    the slate goes to done/ unprocessed, frames that arrive later join the same SKU; once
    the folder has stayed empty for a full rescan, a new shoot in a folder of the same name
    starts afresh."""
    from tests.app.test_watch import Run, jpeg_bytes, wait_for

    with Run(tmp_path) as run:
        cam = run.drop / "100CANON"
        cam.mkdir()
        slate_jpeg = _slate_jpeg("MUG-001")
        (cam / "IMG_0001.jpg").write_bytes(slate_jpeg)
        (cam / "IMG_0001.png").write_bytes(_png(slate_jpeg))  # RAW + JPEG cameras write the slate twice
        (cam / "IMG_0002.jpg").write_bytes(jpeg_bytes(701))
        (cam / "IMG_0003.jpg").write_bytes(jpeg_bytes(702))
        wait_for(lambda: len(run.of("rendered")) == 2, 30, "two frames rendered")
        # the slate and its twin (the twin may be read after the frames: wait, do not race)
        wait_for(lambda: len(run.of("slate")) == 2, 10, "the slate and its twin")
        assert [e["sku"] for e in run.of("slate")] == ["MUG-001"] * 2
        assert {e["sku"] for e in run.of("rendered")} == {"MUG-001"}
        assert {e["sku"] for e in run.of("queued")} == {"MUG-001"}
        assert (run.drop / ".imgprep" / "done" / "MUG-001" / "IMG_0001.jpg").is_file()  # the slate, moved
        wait_for(lambda: (run.drop / ".imgprep" / "done" / "MUG-001" / "IMG_0001.png").is_file(), 10, "its twin")
        # the photographer adds a frame later, after a rescan has seen the folder empty:
        # still MUG-001 (the slate is gone from the folder; the next rescan is 2 s away)
        wait_for(lambda: "100canon" in run.w._slates_empty, 10, "a rescan of the emptied folder")
        assert {k: [sku for _, sku in v] for k, v in run.w._slates.items()} == {"100canon": ["MUG-001"]}
        (cam / "IMG_0004.jpg").write_bytes(jpeg_bytes(703))
        wait_for(lambda: len(run.of("rendered")) == 3, 30, "the late frame")
        assert run.of("rendered")[-1]["sku"] == "MUG-001"
        assert sorted(p.name for p in (run.lib / "MUG-001" / "raw").iterdir()) == [
            "MUG-001-01.jpg", "MUG-001-02.jpg", "MUG-001-03.jpg"]
        assert not (run.lib / "100CANON").exists()
        # the folder is empty again; once it has stayed so for a full rescan its slate is
        # forgotten. A new card, no slate:
        wait_for(lambda: not run.w._slates, 10, "the emptied folder's slate forgotten")
        (cam / "IMG_0100.jpg").write_bytes(jpeg_bytes(704))
        wait_for(lambda: len(run.of("rendered")) == 4, 30, "the next shoot")
        assert run.of("rendered")[-1]["sku"] == "100CANON"
    db = run.journal()
    rows = db.execute("SELECT state, sku, moved_to FROM watch_files WHERE state = 'slate'").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("slate", "MUG-001")] * 2


def test_the_watcher_takes_a_later_slate_in_the_same_folder(tmp_path):
    """A tethered camera writes every product into one folder: slate A, A's frames, then
    (long before the folder could be forgotten) slate B and B's frames. Each frame of a
    slate-named folder is read as it becomes ready; B's slate names the frames after it
    by name; frames after a slate that is still being copied wait for it."""
    from tests.app.test_watch import Run, jpeg_bytes, wait_for

    with Run(tmp_path, stall=30, rescan=30) as run:  # no rescan: the folder is never forgotten here
        cam = run.drop / "100CANON"
        cam.mkdir()
        (cam / "IMG_0001.jpg").write_bytes(_slate_jpeg("MUG-001"))
        (cam / "IMG_0002.jpg").write_bytes(jpeg_bytes(721))
        (cam / "IMG_0003.jpg").write_bytes(jpeg_bytes(722))
        wait_for(lambda: len(run.of("rendered")) == 2 and run.of("slate"), 30, "product A")
        # slate B is still being copied when B's frames are complete
        b = _slate_jpeg("BAG-002", seed=5)
        slate_b = cam / "IMG_0004.jpg"
        slate_b.write_bytes(b[: len(b) // 2])
        (cam / "IMG_0005.jpg").write_bytes(jpeg_bytes(723))
        (cam / "IMG_0006.jpg").write_bytes(jpeg_bytes(724))
        wait_for(lambda: (t := run.w._tracked.get(slate_b)) is not None and t.checked is not None, 10,
                 "the half-copied slate seen as incomplete")
        time.sleep(1.0)  # B's frames are stable by now: taken at once if they did not wait
        assert len(run.of("queued")) == 2, run.of("queued")
        slate_b.write_bytes(b)
        (cam / "IMG_0004.png").write_bytes(_png(b))  # written twice (RAW + JPEG cameras)
        wait_for(lambda: len(run.of("rendered")) == 4, 30, "product B")
        wait_for(lambda: len(run.of("slate")) == 3, 10, "slate B and its twin")
        assert {k: [sku for _, sku in v] for k, v in run.w._slates.items()} == {"100canon": ["MUG-001", "BAG-002"]}
        (cam / "IMG_0007.jpg").write_bytes(jpeg_bytes(725))  # one more of B, later
        wait_for(lambda: len(run.of("rendered")) == 5, 30, "B's late frame")
        done = run.drop / ".imgprep" / "done"
        wait_for(lambda: (done / "BAG-002" / "IMG_0007.jpg").is_file(), 10, "B's late frame moved to done/")
    got = {Path(e["source"]).name: e["sku"] for e in run.of("rendered")}
    assert got == {"IMG_0002.jpg": "MUG-001", "IMG_0003.jpg": "MUG-001", "IMG_0005.jpg": "BAG-002",
                   "IMG_0006.jpg": "BAG-002", "IMG_0007.jpg": "BAG-002"}, got
    assert sorted((Path(e["source"]).name, e["sku"]) for e in run.of("slate")) == [
        ("IMG_0001.jpg", "MUG-001"), ("IMG_0004.jpg", "BAG-002"), ("IMG_0004.png", "BAG-002")]
    assert sorted(p.name for p in (run.lib / "BAG-002" / "raw").iterdir()) == [
        "BAG-002-01.jpg", "BAG-002-02.jpg", "BAG-002-03.jpg"]
    assert sorted(p.name for p in (run.lib / "MUG-001" / "raw").iterdir()) == ["MUG-001-01.jpg", "MUG-001-02.jpg"]
    assert sorted(p.name for p in (done / "BAG-002").iterdir()) == [
        "IMG_0004.jpg", "IMG_0004.png", "IMG_0005.jpg", "IMG_0006.jpg", "IMG_0007.jpg"]
    assert not (run.lib / "100CANON").exists()


def test_the_watcher_waits_for_a_folders_first_frame(tmp_path):
    """Frames that are ready while the first one is still being written wait for it: the
    first may be the slate that names them all."""
    from tests.app.test_watch import Run, jpeg_bytes, wait_for

    with Run(tmp_path, keep_sources=True, stall=30) as run:  # a stalled first frame would let them go
        cam = run.drop / "DCIM"
        cam.mkdir()
        data, other = _slate_jpeg("BAG-002", seed=3), jpeg_bytes(711)
        first = cam / "IMG_0001.jpg"
        first.write_bytes(data[: len(data) // 2])  # still copying
        (cam / "IMG_0002.jpg").write_bytes(other)
        time.sleep(2.0)
        assert not run.of("queued"), run.events
        first.write_bytes(data)
        wait_for(lambda: run.of("rendered"), 30, "the frame")
        assert run.of("rendered")[0]["sku"] == "BAG-002"
        assert first.exists()  # --keep-sources: the slate stays too
    # a restart keeps the folder's SKU for new frames and does not read the slate again
    with Run(tmp_path, keep_sources=True) as run2:
        (cam / "IMG_0003.jpg").write_bytes(jpeg_bytes(712))
        wait_for(lambda: run2.of("rendered"), 30, "the frame after the restart")
        assert run2.of("rendered")[0]["sku"] == "BAG-002" and not run2.of("slate")
