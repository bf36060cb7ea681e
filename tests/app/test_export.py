"""`imgprep export`: one upload folder per SKU for a platform (issue 13)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from core.imaging.studio import busy_shot, studio_shot
from helpers import save_jpeg
from PIL import Image

from imgprep.cli import main

LONG_NAME = "新款加厚保温陶瓷马克杯大容量办公室家用咖啡杯带盖带勺情侣款礼盒装送礼佳品"  # 38 characters
SHEET = [
    ["货号", "商品名称", "颜色", "面料", "尺码", "商品说明", "长(cm)", "宽(cm)", "高(cm)", "卖点1", "卖点2"],
    ["W1", "北欧釉面陶瓷马克杯", "雾霾蓝", "高温陶瓷", "400 ml", "手工上釉，釉色温润。", 12, 8.5, 10, "手工釉面", "加厚杯壁"],
    ["W2", LONG_NAME, "米白", "陶瓷", "350 ml", "可用于洗碗机。", 11, 8, 9, "宽口设计", ""],
    ["W3", "条纹帆布托特包", "卡其", "帆布", "均码", "大容量。", 40, 12, 35, "", ""],
]


def _run(*args: object) -> tuple[int, dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main([str(a) for a in args])
    return code, json.loads(out.getvalue()) if "--json" in args else {}


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("export")
    shoots = root / "shoots"
    plan = {"W1": ["white"] * 6, "W2": ["grey"] * 3, "W3": ["busy", "blue"]}
    for sku, backdrops in plan.items():
        for i, bd in enumerate(backdrops):
            img = busy_shot(seed=i) if bd == "busy" else studio_shot(bd, 900, 700, seed=10 * i + len(sku))[0]
            save_jpeg(shoots / sku / f"IMG_{i:03d}.jpg", img, quality=92, time=datetime(2026, 11, 20, 9, 0, i))
    sheet = root / "sheet.csv"
    sheet.write_text("\n".join(",".join(str(c) for c in r) for r in SHEET) + "\n", encoding="utf-8-sig")
    lib = root / "lib"
    code, _ = _run("batch", shoots, "--library", lib, "--catalogue", sheet, "--workers", "0", "--json")
    assert code == 0
    return lib


def _jpeg(path: Path) -> Image.Image:
    im = Image.open(path)
    im.load()
    assert im.format == "JPEG"
    return im


def _listing(path: Path) -> list[dict[str, str]]:
    """Read as Excel does: bytes, BOM first, then UTF-8."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_taobao_folders_match_the_platform(library, tmp_path):
    out = tmp_path / "out"
    code, doc = _run("export", library, "--platform", "taobao", "--out", out, "--json")
    items = {i["sku"]: i for i in doc["items"]}
    assert set(items) == {"W1", "W2", "W3"}
    # W1: six photos → four photos and the white-background image last (five in all)
    w1 = out / "W1"
    mains = sorted((w1 / "主图").glob("*.jpg"))
    assert [p.name for p in mains] == ["01.jpg", "02.jpg", "03.jpg", "04.jpg", "05.jpg"]
    for p in mains + [w1 / "白底图.jpg"]:
        assert _jpeg(p).size == (800, 800)
        assert p.stat().st_size <= 3_145_728
    assert (w1 / "主图" / "05.jpg").read_bytes() == (w1 / "白底图.jpg").read_bytes()
    white = np.asarray(_jpeg(w1 / "白底图.jpg").convert("RGB"))
    assert np.all(white[:40] == 255) and np.all(white[:, :40] == 255)  # JPEG keeps pure white exact
    hero = np.asarray(_jpeg(mains[0]).convert("RGB")).astype(int)
    assert np.abs(hero[:40] - 255).max() > 3  # a main photo keeps its backdrop: not the white image
    # details: the six renditions (no page built), in order
    assert len(list((w1 / "详情").glob("*.jpg"))) == 6
    rows = _listing(w1 / "listing.csv")
    assert rows[0]["货号"] == "W1" and rows[0]["商品名称"] == "北欧釉面陶瓷马克杯" and rows[0]["面料"] == "高温陶瓷"
    assert rows[0]["主图"].split(";") == [f"主图/{k:02d}.jpg" for k in range(1, 6)]
    assert rows[0]["白底图"] == "白底图.jpg"
    assert items["W1"]["status"] == "done"
    # W2: the title is cut to 30 characters (60 units), and says so
    w2 = _listing(out / "W2" / "listing.csv")[0]
    assert w2["标题"] == LONG_NAME[:30] and w2["商品名称"] == LONG_NAME
    assert any("title" in p for p in items["W2"]["problems"])
    # W3: the hero is on a busy background: no white-background image, with the reason;
    # its photos are still exported
    assert items["W3"]["white"] is None and not (out / "W3" / "白底图.jpg").exists()
    assert any("not a plain studio backdrop" in p for p in items["W3"]["problems"])
    assert len(items["W3"]["main"]) == 2
    # every SKU in the combined listing, Chinese intact
    assert {r["货号"] for r in _listing(out / "listing.csv")} == {"W1", "W2", "W3"}
    assert code == 1  # W2 and W3 have something to look at
    assert "README.txt" in {p.name for p in w1.iterdir()}
    assert "白底图" in (w1 / "README.txt").read_text(encoding="utf-8")


def test_jd_puts_the_white_image_first_and_keeps_its_cap(library, tmp_path):
    out = tmp_path / "out"
    _run("export", library, "--platform", "jd", "--out", out, "--sku", "W1", "--json")
    mains = sorted((out / "W1" / "主图").glob("*.jpg"))
    assert len(mains) == 5
    assert mains[0].read_bytes() == (out / "W1" / "白底图.jpg").read_bytes()
    assert all(p.stat().st_size <= 1_048_576 for p in mains)
    assert not (out / "W2").exists()


def test_an_image_over_the_cap_is_reported_not_degraded(library, tmp_path):
    text = (Path(__file__).resolve().parents[2] / "presets" / "platforms" / "taobao.toml").read_text(encoding="utf-8")
    text = text.replace("max_bytes = 3_145_728          # [T1] 3 MB", "max_bytes = 10_000")
    text = text.replace("min_quality = 75", "min_quality = 90")
    tight = tmp_path / "tight.toml"
    tight.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    code, doc = _run("export", library, "--platform", tight, "--out", out, "--sku", "W1", "--json")
    item = doc["items"][0]
    assert code == 1 and item["status"] == "partial"
    # the four photos cannot fit 10 kB at quality 90: each is named and left out; the
    # white-background image (its own 3 MB cap) is the only main image
    over = [p for p in item["problems"] if "over the platform's 10000-byte cap" in p]
    assert len(over) == 4 and all(f"W1-0{k}" in p for k, p in zip(range(1, 5), over, strict=True))
    assert item["main"] == ["主图/01.jpg"]
    assert (out / "W1" / "主图" / "01.jpg").read_bytes() == (out / "W1" / "白底图.jpg").read_bytes()


def test_a_second_export_keeps_the_first(library, tmp_path):
    out = tmp_path / "out"
    _run("export", library, "--platform", "taobao", "--out", out, "--sku", "W1", "--json")
    first = (out / "W1" / "listing.csv").read_bytes()
    _run("export", library, "--platform", "taobao", "--out", out, "--sku", "W1", "--json")
    kept = list((out / ".superseded").glob("W1-*"))
    assert len(kept) == 1 and (kept[0] / "listing.csv").read_bytes() == first
    assert not list(out.glob(".W1.partial-*"))


def test_unknown_platform_and_sku_are_clear(library, tmp_path, capsys):
    assert main(["export", str(library), "--platform", "amazon", "--out", str(tmp_path / "o")]) == 2
    assert "no platform named 'amazon'" in capsys.readouterr().err
    code, doc = _run("export", library, "--platform", "taobao", "--out", tmp_path / "o", "--sku", "NOPE", "--json")
    assert code == 1 and "not in the library" in doc["items"][0]["problems"][0]


def test_the_designers_order_white_frame_and_strokes_are_used(library, tmp_path):
    """listing.json: the main images in the chosen order, the white-background image
    from the chosen frame, a 'remove' stroke taken out of it."""
    from imgprep.app.export import ListingChoices, read_choices, save_choices

    out = tmp_path / "plain"
    _, doc = _run("export", library, "--platform", "taobao", "--out", out, "--sku", "W1", "--json")
    assert doc["items"][0]["main_from"] == ["W1-01", "W1-02", "W1-03", "W1-04", "白底图.jpg"]
    assert doc["items"][0]["white_from"] == "W1-01"
    plain = np.asarray(Image.open(out / "W1" / "白底图.jpg").convert("RGB"))
    # the handle of W1-04's mug lies right of 61 % of the width: brush it out
    strokes = [("remove", x / 100, y / 100, 0.02) for x in range(63, 76, 2) for y in range(25, 56, 2)]
    choices = ListingChoices(order=["W1-04", "W1-02"], white="W1-04", strokes={"W1-04": strokes})
    save_choices(library, "W1", choices)
    try:
        assert read_choices(library, "W1") == choices
        out2 = tmp_path / "chosen"
        _, doc = _run("export", library, "--platform", "taobao", "--out", out2, "--sku", "W1", "--json")
        item = doc["items"][0]
        assert item["main_from"] == ["W1-04", "W1-02", "W1-01", "W1-03", "白底图.jpg"]
        assert item["white_from"] == "W1-04"
        white = np.asarray(Image.open(out2 / "W1" / "白底图.jpg").convert("RGB"))
        ink = lambda a: int(np.any(a < 240, axis=-1).sum())  # noqa: E731
        assert ink(white) < 0.96 * ink(plain)  # the handle (a thin ring) is gone
        cols = np.nonzero(np.any(white < 240, axis=(0, 2)))[0]
        assert (cols.max() - cols.min()) < 0.85 * 800  # narrower: the body alone fills the height
    finally:
        (library / "W1" / "listing.json").unlink()


def test_the_description_page_slices_go_into_the_details(library, tmp_path):
    code, page = _run("page", library, "--sku", "W2", "--json")
    slices = page["items"][0]["slices"]
    assert slices
    out = tmp_path / "out"
    _, doc = _run("export", library, "--platform", "taobao", "--out", out, "--sku", "W2", "--json")
    details = sorted((out / "W2" / "详情").glob("*.jpg"))
    assert [p.read_bytes() for p in details] == [(library / s).read_bytes() for s in slices]
    # a platform wanting 790 px (Tmall PC) is told to rebuild the page at that width
    text = (Path(__file__).resolve().parents[2] / "presets" / "platforms" / "taobao.toml").read_text(encoding="utf-8")
    wide = tmp_path / "tmall.toml"
    wide.write_text(text.replace("width = 750                    # [T3]", "width = 790"), encoding="utf-8")
    _, doc = _run("export", library, "--platform", wide, "--out", tmp_path / "o2", "--sku", "W2", "--json")
    assert any("750 px wide" in p and "790" in p for p in doc["items"][0]["problems"])
