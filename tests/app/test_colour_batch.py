"""Issue 3 through the engine: card frames, fits applied to the following frames, reports,
cast invariance across whole batches, and `imgprep colour` on files."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers import save_jpeg
from PIL import Image

from imgprep.core.colour.delta_e import delta_e_2000, linear_to_lab, srgb8_to_linear
from tests.core.colour.scenes import CASTS, apply_cast, make_scene, product_photo

T0 = datetime(2026, 11, 21, 9, 0, 0)
# Camera JPEGs at their finest setting keep full chroma (4:4:4) or 4:2:2. Under a strong
# cast, 4:2:0 input loses enough chroma at edges to cost ~0.3 ΔE2000 after correction.
SUBSAMPLING = 1


def _shoot(root: Path, sku: str, cast, k: int, with_card: bool = True) -> Path:
    """Frames of one lighting setup: (card,) product, product — all under ``cast``."""
    folder = root / sku
    if with_card:
        card = make_scene(size=(1800, 1200), angle=10 + 20 * k, perspective=0.12, card_frac=0.3, cast=cast, seed=k)
        save_jpeg(folder / "IMG_0001.jpg", card.rgb, quality=92, time=T0)
    for i, seed in enumerate((11, 12)):
        # Product frames larger than the rendition, as real ones are (4.3 MP here).
        arr = apply_cast(product_photo(1800, 2400, seed=seed), cast)
        save_jpeg(folder / f"IMG_{i + 2:04d}.jpg", arr, quality=92, subsampling=SUBSAMPLING,
                  time=T0 + timedelta(seconds=i + 1))
    return folder


def _lab(path: Path) -> np.ndarray:
    return linear_to_lab(srgb8_to_linear(np.asarray(Image.open(path).convert("RGB"))))


@pytest.fixture(scope="module")
def casts_run(tmp_path_factory):
    """One scene under three casts, each its own shoot, through one batch."""
    import contextlib
    import io

    from imgprep.cli import main

    root = tmp_path_factory.mktemp("casts")
    src = root / "src"
    chosen = [CASTS[0], CASTS[2], CASTS[4]]  # 3000 K; 5500 K ±13 % gains, gamma; 7500 K ±15 %
    for k, cast in enumerate(chosen):
        _shoot(src, f"CAST{k}", cast, k)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["batch", str(src), "--library", str(root / "lib"), "--workers", "2", "--json"])
    return code, json.loads(out.getvalue()), root / "lib", src


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
    db = sqlite3.connect(lib / "imgprep.sqlite")
    assert db.execute("SELECT COUNT(*) FROM fits").fetchone()[0] == 3
    assert db.execute("SELECT COUNT(*) FROM sources WHERE kind='product' AND fit_id IS NULL").fetchone()[0] == 0
    assert {r[0] for r in db.execute("SELECT colour_state FROM shoots")} == {"corrected"}
    html = (lib / "CAST1" / "report" / "colour-CAST1.html").read_text(encoding="utf-8")
    assert "<html" in html.lower() and "http" not in html.split("<body", 1)[-1].lower().replace("http-equiv", "")


def test_cast_invariance_through_the_batch(casts_run):
    _, _, lib, _ = casts_run
    for n in ("01", "02"):
        labs = [_lab(lib / f"CAST{k}" / "jpg" / f"CAST{k}-{n}.jpg") for k in range(3)]
        h = int(labs[0].shape[0] * 0.8)  # leave out the watermark corner band

        def de(a, b, labs=labs, h=h):
            return float(delta_e_2000(labs[a][:h], labs[b][:h]).mean())

        # 5500 K vs 7500 K with ±13–15 % channel gains and per-channel gamma: the target.
        assert de(1, 2) <= 1.5, de(1, 2)
        # 3000 K clips the blue patches of the card; the fit from the remaining ones
        # lands within 2 (known gap to the 1.5 target, see the closing note).
        assert de(0, 1) <= 2.0 and de(0, 2) <= 2.0, (de(0, 1), de(0, 2))
    # Without correction the same frames differ a lot: the test can fail.
    raws = [_lab(lib / f"CAST{k}" / "raw" / f"CAST{k}-01.jpg") for k in range(3)]
    assert float(delta_e_2000(raws[0], raws[2]).mean()) > 5


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
