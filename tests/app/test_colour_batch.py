"""Issue 3 through the engine: card frames, fits applied to the following frames, reports,
cast invariance across whole batches, and `imgprep colour` on files."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import save_jpeg, save_png16
from PIL import Image

from imgprep.core.colour.delta_e import delta_e_2000, linear_to_lab, linear_to_srgb, srgb8_to_linear
from tests.core.colour.scenes import CASTS, apply_cast, apply_cast_linear, make_scene, product_photo

T0 = datetime(2026, 11, 21, 9, 0, 0)
# Camera JPEGs at their finest setting keep full chroma (4:4:4) or 4:2:2. Under a strong
# cast, 4:2:0 input loses enough chroma at edges to cost ~0.3 ΔE2000 after correction.
SUBSAMPLING = 1


def _shoot(root: Path, sku: str, cast, k: int, with_card: bool = True, fmt: str = "jpg",
           seeds: tuple[int, ...] = (11, 12)) -> Path:
    """Frames of one lighting setup: (card,) product, product — all under ``cast``, each
    encoded once, as a camera (``jpg``: quality 92) or a raw developer (``png``: 8-bit
    lossless; ``tif16``: 16-bit TIFF) writes it, as camera RAW (``dng``), or as a
    machine-vision camera writes 12 linear bits unscaled into a 16-bit PNG (``png12``)."""
    folder = root / sku
    folder.mkdir(parents=True, exist_ok=True)

    def save(name: str, arr: np.ndarray, i: int) -> None:
        if fmt == "png":  # 8-bit lossless; the capture order comes from the names
            Image.fromarray(arr).save(folder / f"{name}.png", compress_level=1)
        elif fmt == "dng":
            from tests.data.make_dng import write_dng

            when = T0 + timedelta(seconds=i)
            write_dng(folder / f"{name}.dng", arr, lossless=False, dto=when.strftime("%Y:%m:%d %H:%M:%S"))
        elif fmt == "png12":  # a machine-vision camera: linear 12-bit values, unscaled
            save_png16(folder / f"{name}.png", np.round(np.clip(arr, 0, 1) * 4095).astype(np.uint16))
        elif fmt == "tif16":
            if arr.dtype == np.uint8:
                arr = arr.astype(np.uint16) * 257
            cv2.imwrite(str(folder / f"{name}.tif"), np.ascontiguousarray(arr[..., ::-1]))
        else:
            save_jpeg(folder / f"{name}.jpg", arr, quality=92, subsampling=SUBSAMPLING,
                      time=T0 + timedelta(seconds=i))

    if with_card:
        card = _card_frame(k, cast).copy()
        save("IMG_0001", srgb8_to_linear(card).astype(float) if fmt == "png12" else card, 0)
    for i, seed in enumerate(seeds):
        # Product frames larger than the rendition, as real ones are (4.3 MP here).
        if fmt in ("tif16", "dng", "png12"):
            lin = apply_cast_linear(srgb8_to_linear(product_photo(1800, 2400, seed=seed)), cast)
            save(f"IMG_{i + 2:04d}", encode16(lin) if fmt == "tif16" else lin, i + 1)
        else:
            save(f"IMG_{i + 2:04d}", _cast_product(seed, cast), i + 1)
    return folder


@lru_cache(maxsize=12)
def _cast_product(seed: int, cast) -> np.ndarray:
    """A product frame under ``cast`` as a camera encodes it: several tests shoot the same."""
    rgb = apply_cast(product_photo(1800, 2400, seed=seed), cast)
    rgb.flags.writeable = False
    return rgb


@lru_cache(maxsize=8)
def _card_frame(k: int, cast) -> np.ndarray:
    """The card frame of lighting setup ``k``: several tests shoot the same five (0.9 s each)."""
    rgb = make_scene(size=(1800, 1200), angle=10 + 20 * k, perspective=0.12, card_frac=0.3,
                     cast=cast, seed=k, jpeg=None).rgb
    rgb.flags.writeable = False
    return rgb


def encode16(lin: np.ndarray) -> np.ndarray:
    return np.clip(np.round(linear_to_srgb(np.clip(lin, 0, 1)) * 65535), 0, 65535).astype(np.uint16)


def _lab(path: Path) -> np.ndarray:
    return linear_to_lab(srgb8_to_linear(np.asarray(Image.open(path).convert("RGB"))))


def _batch(root: Path, src: Path) -> tuple[int, dict, Path]:
    import contextlib
    import io

    from imgprep.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["batch", str(src), "--library", str(root / "lib"), "--workers", "2", "--json"])
    return code, json.loads(out.getvalue()), root / "lib"


@pytest.fixture(scope="module")
def casts_run(tmp_path_factory):
    """One scene under three casts, each its own shoot of camera JPEGs, through one batch."""
    root = tmp_path_factory.mktemp("casts")
    src = root / "src"
    chosen = [CASTS[0], CASTS[2], CASTS[4]]  # 3000 K; 5500 K ±13 % gains, gamma; 7500 K ±15 %
    for k, cast in enumerate(chosen):
        _shoot(src, f"CAST{k}", cast, k)
    code, doc, lib = _batch(root, src)
    return code, doc, lib, src


def _pair_de(lib: Path, n: int, frame: str) -> dict[tuple[int, int], float]:
    """Mean ΔE2000 between the corrected renditions of ``frame`` in shoots CAST0..n-1,
    over the photo (the watermark's corner band left out)."""
    labs = [_lab(lib / f"CAST{k}" / "jpg" / f"CAST{k}-{frame}.jpg") for k in range(n)]
    h = int(labs[0].shape[0] * 0.8)
    return {(a, b): float(delta_e_2000(labs[a][:h], labs[b][:h]).mean())
            for a in range(n) for b in range(a + 1, n)}


def test_card_frames_go_to_card_and_the_rest_is_corrected(casts_run):
    code, doc, lib, _ = casts_run
    assert code == 0, doc
    for k in range(3):
        sku = f"CAST{k}"
        assert [p.name for p in (lib / sku / "card").iterdir()] == [f"{sku}-C01.jpg"]
        assert sorted(p.name for p in (lib / sku / "raw").iterdir()) == [f"{sku}-01.jpg", f"{sku}-02.jpg"]
        assert sorted(p.name for p in (lib / sku / "jpg").iterdir()) == [f"{sku}-01.jpg", f"{sku}-02.jpg"]
        assert sorted(p.name for p in (lib / sku / "report").iterdir()) == [
            f"colour-{sku}.csv", f"colour-{sku}.html", f"swatches-{sku}.png"]
    items = {(i["sku"], Path(i["source"]).name): i for i in doc["items"]}
    assert items[("CAST0", "IMG_0001.jpg")]["role"] == "card"
    assert items[("CAST0", "IMG_0002.jpg")]["role"] == "hero"
    # the card frame's note: before → after, and the leave-one-out mean the verdict is judged on
    stored = json.loads(sqlite3.connect(lib / "imgprep.sqlite").execute(
        "SELECT report FROM fits WHERE sku = 'CAST0'").fetchone()[0])
    assert (f"{stored['summary']['after']['mean']:.1f}, {stored['loo']['mean']:.1f} on colours not on the card ("
            in " ".join(items[("CAST0", "IMG_0001.jpg")]["notes"]))
    db = sqlite3.connect(lib / "imgprep.sqlite")
    assert db.execute("SELECT COUNT(*) FROM fits").fetchone()[0] == 3
    assert db.execute("SELECT COUNT(*) FROM sources WHERE kind='product' AND fit_id IS NULL").fetchone()[0] == 0
    assert {r[0] for r in db.execute("SELECT colour_state FROM shoots")} == {"corrected"}
    html = (lib / "CAST1" / "report" / "colour-CAST1.html").read_text(encoding="utf-8")
    assert "<html" in html.lower() and "http" not in html.split("<body", 1)[-1].lower().replace("http-equiv", "")


def test_cast_invariance_through_the_batch(tmp_path):
    """Acceptance 2: the scene under all five casts (3000–7500 K, ±15 % gains, per-channel
    gamma 0.95–1.05), frames encoded losslessly — corrected renditions agree pairwise
    to mean ΔE2000 ≤ 1.5 (measured: 1.04 at worst)."""
    for k, cast in enumerate(CASTS):
        _shoot(tmp_path / "src", f"CAST{k}", cast, k, fmt="png", seeds=(12,))
    code, doc, lib = _batch(tmp_path, tmp_path / "src")
    assert code == 0, doc
    de = _pair_de(lib, len(CASTS), "01")
    assert max(de.values()) <= 1.5, de
    # Without correction the same frames differ a lot: the test can fail.
    raws = [_lab(lib / f"CAST{k}" / "raw" / f"CAST{k}-01.png") for k in (0, 4)]
    assert float(delta_e_2000(raws[0], raws[1]).mean()) > 5


@pytest.mark.parametrize(("fmt", "bound"), [("tif16", 0.85), ("dng", 0.9)])
def test_16_bit_sources_are_corrected_before_the_8_bit_stage(tmp_path, fmt, bound):
    """The same five casts from 16-bit sources: TIFFs (a raw developer's export) and camera
    RAW (DNG: the scene through a Bayer sensor with its own channel gains, decoded by
    LibRaw; the card is found in the RAW). The correction works on the 16 bits, so 3000 K's
    squeezed blue is stretched from real data. Measured: TIFF 0.62 at worst, DNG 0.73; the
    same files through 8 bits give 1.22, so the test fails if the 16 bits are dropped on
    the way (DNG gave 4.39 before every frame kept the camera's white level)."""
    for k, cast in enumerate(CASTS):
        _shoot(tmp_path / "src", f"CAST{k}", cast, k, fmt=fmt, seeds=(12,))
    code, doc, lib = _batch(tmp_path, tmp_path / "src")
    assert code == 0, doc
    de = _pair_de(lib, len(CASTS), "01")
    assert max(de.values()) <= bound, de
    ext = "tif" if fmt == "tif16" else fmt
    assert (lib / "CAST0" / "raw" / f"CAST0-01.{ext}").is_file()
    if fmt == "dng":
        for k in range(len(CASTS)):
            assert (lib / f"CAST{k}" / "card" / f"CAST{k}-C01.dng").is_file()


def test_a_camera_writing_12_bits_unscaled_into_16_is_corrected_like_a_full_range_one(tmp_path):
    """A machine-vision camera writes its 12 linear bits unscaled into 16-bit PNGs: the
    brightest pixel at 1/16 of full scale, a nearly black 8-bit image (16 levels). The
    card is searched in the frame brightened to its range (core.colour.exposure), the fit
    is made for the frame as it is, and the product comes out as from the same shoot
    written at full range in 8 bits. Measured: hero against hero 0.75 mean ΔE2000, the card
    fitted to 0.41 in sample; before the brightened search no card was found, and the card
    frame was rendered as the hero."""
    cast = CASTS[0]
    _shoot(tmp_path / "deep", "DEEP", cast, 0, fmt="png12", seeds=(12,))
    _shoot(tmp_path / "full", "FULL", cast, 0, fmt="png", seeds=(12,))
    runs = {}
    for name in ("deep", "full"):
        code, doc, lib = _batch(tmp_path / name, tmp_path / name)
        assert code == 0, doc
        runs[name] = ({Path(i["source"]).name: i for i in doc["items"]}, lib)
    items, lib = runs["deep"]
    assert items["IMG_0001.png"]["role"] == "card", items["IMG_0001.png"]
    report = json.loads(sqlite3.connect(lib / "imgprep.sqlite").execute(
        "SELECT report FROM fits WHERE sku = 'DEEP'").fetchone()[0])
    assert report["card"]["search_gain"] > 100  # 12 bits of 16, brought to the top code
    assert any("16-bit range" in w for w in report["warnings"])
    assert report["summary"]["after"]["mean"] < 2.0
    hero = _lab(lib / "DEEP" / "jpg" / "DEEP-01.jpg")
    full = _lab(runs["full"][1] / "FULL" / "jpg" / "FULL-01.jpg")
    h = int(hero.shape[0] * 0.8)  # the watermark's corner band left out
    assert float(delta_e_2000(hero[:h], full[:h]).mean()) <= 1.5


def _card_then_product(tmp_path: Path, folder: Path, cast) -> Path:
    """A product frame under ``cast`` after ``folder``'s card frame IMG_0001.jpg, the
    source folder through the batch: the card frame is the shoot's card, the product
    frame is not. Returns the library."""
    save_jpeg(folder / "IMG_0002.jpg", apply_cast(product_photo(1500, 2000, seed=12), cast), quality=92,
              subsampling=SUBSAMPLING, time=T0 + timedelta(seconds=1))
    code, doc, lib = _batch(tmp_path, tmp_path / "src")
    assert code == 0, doc
    items = {Path(i["source"]).name: i for i in doc["items"]}
    assert items["IMG_0001.jpg"]["role"] == "card", items["IMG_0001.jpg"]
    assert items["IMG_0002.jpg"]["role"] != "card", items["IMG_0002.jpg"]
    return lib


def test_a_card_100_px_across_in_a_12_mp_phone_photo_is_the_shoot_s_card(tmp_path):
    """A 12 MP phone photo (4032 x 3024) with the card 95 px across its patches: the batch
    decodes it at 2016 px, where the card is 48 px. Before the pre-check at 480 px and the
    enlarged crops, the frame was ruled out and rendered as the hero; a real card 80 px
    across in such a frame was found in 0 of 12 development photos, 110 px in 7 (12 and
    12 since session 27)."""
    scene = make_scene(size=(1400, 1000), card_frac=0.077, angle=15, cast=CASTS[0], seed=6, jpeg=None)
    side = float(np.linalg.norm(scene.corners[1] - scene.corners[0]))
    assert 88 < side < 102
    top, left = 900, 1800
    phone = cv2.copyMakeBorder(scene.rgb, top, 3024 - 1000 - top, left, 4032 - 1400 - left, cv2.BORDER_REPLICATE)
    folder = tmp_path / "src" / "PHONE"
    save_jpeg(folder / "IMG_0001.jpg", phone, quality=92, subsampling=SUBSAMPLING, time=T0)
    lib = _card_then_product(tmp_path, folder, CASTS[0])
    report = json.loads(sqlite3.connect(lib / "imgprep.sqlite").execute(
        "SELECT report FROM fits WHERE sku = 'PHONE'").fetchone()[0])
    found = np.asarray(report["card"]["corners"], float)
    assert np.abs(found - (scene.corners + [left, top])).max() < 0.5 * side / 6
    assert report["summary"]["after"]["mean"] < 2.0


@pytest.mark.parametrize("fmt, frac", [("jpg", 0.065), ("png", 0.052)])
def test_a_card_80_px_across_in_a_24_mp_photo_is_found_in_the_photo_s_own_pixels(tmp_path, monkeypatch, fmt,
                                                                                   frac):
    """A 24 MP camera photo (6000 x 4000) is searched at 1500 px (a JPEG decoded at a
    quarter of its size) or 2000 px (a PNG decoded whole, then shrunk): a card 80 px
    across its patches (JPEG; 64 px in the PNG) is 20-21 px there, too small for any
    finder. The pre-check's tiny look still sees its hues, and the search looks at that
    box in the photo's own pixels (the JPEG decoded again, the PNG's decode as it is), in
    `imgprep colour` and in the batch alike."""
    from imgprep.app.frames import analyse_file
    from imgprep.core.colour import detect
    from imgprep.core.presets import load_preset

    scene = make_scene(size=(1400, 1000), card_frac=frac, angle=-20, cast=CASTS[2], seed=9, jpeg=None)
    side = float(np.linalg.norm(scene.corners[1] - scene.corners[0]))
    assert 56 < side < 88
    top, left = 1700, 3100
    photo = cv2.copyMakeBorder(scene.rgb, top, 4000 - 1000 - top, left, 6000 - 1400 - left, cv2.BORDER_REPLICATE)
    folder = tmp_path / "src" / "DSLR"
    if fmt == "jpg":
        save_jpeg(folder / "IMG_0001.jpg", photo, quality=92, subsampling=SUBSAMPLING, time=T0)
    else:
        folder.mkdir(parents=True)
        Image.fromarray(photo).save(folder / "IMG_0001.png", compress_level=1)
    card_file = folder / f"IMG_0001.{fmt}"
    preset = load_preset(None)
    doc = analyse_file(card_file, preset.colour, preset.renditions)
    assert doc["card"]["found"], doc["card"]
    found = np.asarray(doc["card"]["corners"], float)  # in the photo's pixels
    assert np.abs(found - (scene.corners + [left, top])).max() < 0.5 * side / 6
    assert doc["summary"]["after"]["mean"] < 2.5
    # corners clicked where the card is are measured in the photo's pixels too
    clicked = analyse_file(card_file, preset.colour, preset.renditions, [tuple(p) for p in found])
    assert clicked["method"] == "manual", clicked["card"]
    assert np.abs(np.asarray(clicked["card"]["corners"], float) - found).max() < 0.5 * side / 6
    assert clicked["summary"]["after"]["mean"] < 2.5
    with monkeypatch.context() as m:  # without the second look: not found
        m.setattr(detect, "_FINE_GAIN", float("inf"))
        assert not analyse_file(card_file, preset.colour, preset.renditions)["card"]["found"]
    if fmt != "jpg":
        return
    _card_then_product(tmp_path, folder, CASTS[2])


def test_cast_invariance_with_camera_jpegs(casts_run):
    """The same through 8-bit camera JPEGs (quality 92, 4:2:2). The input's compression
    sets a floor: correcting each frame with the exact inverse of its cast leaves
    1.0–1.35 between 3000 K and the others, as 3000 K squeezes blue into a few code
    values that the correction stretches again (see the closing note)."""
    _, _, lib, _ = casts_run
    for n in ("01", "02"):
        de = _pair_de(lib, 3, n)
        assert de[(1, 2)] <= 1.5, de  # 5500 K vs 7500 K, with gains and gamma
        assert de[(0, 1)] <= 1.8 and de[(0, 2)] <= 1.8, de  # 3000 K vs the others


def test_report_matches_colour_json(casts_run, run_cli):
    _, _, lib, src = casts_run
    code, out, _ = run_cli("colour", src / "CAST1" / "IMG_0001.jpg", "--json")
    assert code == 0
    cli = json.loads(out)
    assert cli["card"]["found"] and len(cli["patches"]) == 24
    db = sqlite3.connect(lib / "imgprep.sqlite")
    stored = json.loads(db.execute("SELECT report FROM fits WHERE sku = 'CAST1'").fetchone()[0])
    assert stored["summary"] == cli["summary"]
    assert stored["model"] == cli["model"]
    assert cli["summary"]["after"]["mean"] <= 2.0 < cli["summary"]["before"]["mean"]
    csv_text = (lib / "CAST1" / "report" / "colour-CAST1.csv").read_text(encoding="utf-8-sig")
    first = cli["patches"][0]
    assert first["name"] in csv_text and f"{first['de2000_after']:.2f}" in csv_text


def test_no_card_means_uncorrected_and_said(tmp_path, run_cli):
    folder = _shoot(tmp_path / "src", "NOCARD", CASTS[1], 0, with_card=False)
    code, out, _ = run_cli("batch", folder, "--library", tmp_path / "lib", "--workers", "0", "--json")
    doc = json.loads(out)
    assert code == 0
    assert all("colour: not corrected (no reference card before this frame)" in i["notes"] for i in doc["items"])
    assert not (tmp_path / "lib" / "NOCARD" / "card").exists()
    db = sqlite3.connect(tmp_path / "lib" / "imgprep.sqlite")
    assert db.execute("SELECT colour_state FROM shoots").fetchone()[0] == "uncorrected"
    code, out, _ = run_cli("colour", folder / "IMG_0002.jpg", "--json")
    assert code == 1 and json.loads(out)["card"]["found"] is False


def test_manual_corners_and_bad_corners(tmp_path, run_cli):
    scene = make_scene(size=(1500, 1000), angle=0, card_frac=0.3, cast=CASTS[3], seed=5)
    p = save_jpeg(tmp_path / "card.jpg", scene.rgb, quality=95)
    corners = ";".join(f"{x:.1f},{y:.1f}" for x, y in scene.corners)
    code, out, _ = run_cli("colour", p, "--corners", corners, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["card"]["found"]
    got = np.asarray(doc["card"]["corners"])
    assert np.abs(np.sort(got, axis=0) - np.sort(scene.corners, axis=0)).max() < 8
    code, _, err = run_cli("colour", p, "--corners", "1,2;3")
    assert code == 2 and "--corners" in err


def test_colour_text_shows_the_figures_the_verdict_is_judged_on(tmp_path, run_cli):
    """Without --json, `imgprep colour` prints the leave-one-out figures with the verdict
    and its thresholds beside them (the verdict is judged on them), and marks the
    in-sample "after" figures as such; they agree with the JSON document."""
    scene = make_scene(size=(1500, 1000), angle=10, card_frac=0.3, cast=CASTS[1], seed=6)
    p = save_jpeg(tmp_path / "card.jpg", scene.rgb, quality=95)
    code, out, _ = run_cli("colour", p)
    assert code == 0
    lines = out.splitlines()
    _, js, _ = run_cli("colour", p, "--json")
    doc = json.loads(js)
    after = next(x for x in lines if x.strip().startswith("ΔE2000 after:"))
    loo = next(x for x in lines if x.strip().startswith("ΔE2000 leave-one-out:"))
    assert after.endswith("(in sample)") and f"mean {doc['summary']['after']['mean']:.2f}" in after
    assert f"mean {doc['loo']['mean']:.2f}" in loo and f"max {doc['loo']['max']:.2f}" in loo
    assert loo.endswith(("PASS (mean ≤ 3, max ≤ 6)", "FAIL (mean ≤ 3, max ≤ 6)"))
    assert ("PASS" in loo) == doc["summary"]["pass"]
