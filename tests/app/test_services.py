"""The app services' write path without Qt: mark the hero, save a callout, fit colour from
clicked corners, apply the fit to a shoot, render again. On a real library the batch made
from generated images; the effects are read back from the disk and the journal."""

from __future__ import annotations

import shutil
import sqlite3
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from helpers import photo_array, save_jpeg, sha

from imgprep.app import services
from imgprep.core.errors import ConfigError
from imgprep.core.presets import load_preset

SHEET = "货号,商品名称,卖点1,卖点2,卖点3\nP-100,陶瓷马克杯,手工釉面,加厚杯壁,人体工学把手\n"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """P-100: a hero and three details with the sheet's selling points. C-200: a product
    frame shot before the card (so it has no colour fit), then a ColorChecker frame."""
    from imgprep.cli import main
    from tests.core.colour.scenes import CASTS, make_scene

    root = tmp_path_factory.mktemp("services")
    shoots = root / "shoots"
    for i in range(4):
        save_jpeg(shoots / "P-100" / f"IMG_{i:03d}.jpg", photo_array(900, 640, 40 + i),
                  time=datetime(2026, 11, 20, 9, 0, i))
    save_jpeg(shoots / "C-200" / "IMG_0001.jpg", photo_array(900, 640, 50), time=datetime(2026, 11, 20, 10, 0))
    scene = make_scene(size=(1500, 1000), angle=0, cast=CASTS[1], seed=5)
    save_jpeg(shoots / "C-200" / "IMG_0002.jpg", scene.rgb, quality=92, time=datetime(2026, 11, 20, 10, 5))
    sheet = root / "sheet.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    assert main(["batch", str(shoots), "--library", str(root / "lib"), "--catalogue", str(sheet),
                 "--preset", "taobao-710", "--workers", "0"]) == 0
    h, w = scene.rgb.shape[:2]
    return root, [(x / (w - 1), y / (h - 1)) for x, y in scene.corners]


@pytest.fixture
def lib(pristine, tmp_path):
    root, _ = pristine
    for name in ("lib", "shoots"):
        shutil.copytree(root / name, tmp_path / name)
    db = sqlite3.connect(tmp_path / "lib" / "imgprep.sqlite")  # the sources' folders: these copies
    db.execute("UPDATE sources SET source_path = replace(source_path, ?, ?)",
               (str(root / "shoots"), str(tmp_path / "shoots")))
    db.commit()
    db.close()
    return tmp_path / "lib"


@pytest.fixture
def preset():
    return load_preset("taobao-710")


def _frames(lib: Path, sku: str) -> dict[str, services.FrameRow]:
    return {f.stem: f for f in services.shoot_frames(lib, sku)}


def _events(lib: Path, kind: str) -> list[str]:
    with sqlite3.connect(lib / "imgprep.sqlite") as db:
        return [r[0] for r in db.execute("SELECT message FROM events WHERE kind = ?", (kind,))]


def test_set_hero_moves_the_panel_and_renders_new_revisions(lib, preset):
    before = _frames(lib, "P-100")
    assert before["P-100-01"].role == "hero" and before["P-100-03"].role == "detail"
    res = services.set_hero(lib, "P-100", before["P-100-03"].id, preset)
    assert not res.problems
    after = _frames(lib, "P-100")
    new, old = after["P-100-03"], after["P-100-01"]
    assert new.role == "hero" and new.has_panel and old.role == "detail" and not old.has_panel
    assert new.renditions == ["P-100/jpg/P-100-03-r2.jpg"] and old.renditions == ["P-100/jpg/P-100-01-r2.jpg"]
    assert set(res.written) >= {"P-100/jpg/P-100-03-r2.jpg", "P-100/jpg/P-100-01-r2.jpg"}
    for rel in res.written:
        assert (lib / rel).is_file()
    for rel in res.superseded:  # out of the upload folder, kept
        assert not (lib / rel).exists() and (lib / "P-100" / "superseded" / Path(rel).name).is_file()
    assert _events(lib, "hero") == ["hero is now P-100-03"]


def test_set_hero_refuses_a_frame_of_another_shoot(lib, preset):
    other = next(f for f in services.shoot_frames(lib, "C-200") if f.kind == "product")
    files = sorted(p.relative_to(lib) for p in lib.rglob("*.jpg"))
    with pytest.raises(ConfigError, match=f"frame {other.id} is not a product frame of P-100"):
        services.set_hero(lib, "P-100", other.id, preset)
    assert sorted(p.relative_to(lib) for p in lib.rglob("*.jpg")) == files
    assert _frames(lib, "P-100")["P-100-01"].role == "hero"


def test_save_callout_writes_the_sidecar_and_renders_the_detail(lib, preset):
    detail = _frames(lib, "P-100")["P-100-02"]
    res = services.save_callout(lib, "P-100", detail.id, "釉面温润", (0.25, 0.7), preset)
    assert res.written == ["P-100/jpg/P-100-02-r2.jpg"] and not res.problems
    side = tomllib.loads((lib.parent / "shoots" / "P-100" / "callouts.toml").read_text(encoding="utf-8"))
    assert side == {"P-100-02": {"text": "釉面温润", "anchor": [0.25, 0.7]}}
    f = _frames(lib, "P-100")["P-100-02"]
    assert f.renditions == ["P-100/jpg/P-100-02-r2.jpg"] and f.callout["text"] == "釉面温润"
    assert abs(f.callout["anchor"][0] - 0.25) < 0.01 and abs(f.callout["anchor"][1] - 0.7) < 0.01
    assert (lib / "P-100" / "superseded" / "P-100-02.jpg").is_file()


def test_save_callout_refuses_an_unknown_frame_and_a_bad_anchor(lib, preset):
    detail = _frames(lib, "P-100")["P-100-02"]
    with pytest.raises(ConfigError, match="no frame 9999 in P-100"):
        services.save_callout(lib, "P-100", 9999, "x", None, preset)
    with pytest.raises(ConfigError, match="fractions 0–1"):
        services.save_callout(lib, "P-100", detail.id, "x", (1.5, 0.5), preset)
    assert not (lib.parent / "shoots" / "P-100" / "callouts.toml").exists()
    assert _frames(lib, "P-100")["P-100-02"].renditions == ["P-100/jpg/P-100-02.jpg"]


def test_a_fit_from_corners_is_applied_to_the_frames_without_one(lib, pristine, preset):
    _, corners = pristine
    frames = services.shoot_frames(lib, "C-200")
    card = next(f for f in frames if f.kind == "card")
    product = next(f for f in frames if f.kind == "product")
    assert product.fit_id is None  # shot before the card
    fits_before = len(services.colour_fits(lib, "C-200"))
    doc = services.fit_from_corners(lib, "C-200", card.id, corners, preset)
    assert doc["card"]["found"] and "fit_id" in doc
    assert doc["summary"]["after"]["mean"] < doc["summary"]["before"]["mean"]
    fits = services.colour_fits(lib, "C-200")
    assert len(fits) == fits_before + 1 and fits[-1]["id"] == doc["fit_id"]
    stem = Path(card.raw).stem
    reports = sorted(p.name for p in (lib / "C-200" / "report").iterdir() if f"{stem}-{doc['fit_id']}" in p.name)
    assert reports and all((lib / "C-200" / "report" / n).stat().st_size > 0 for n in reports)

    old = lib / product.renditions[0]
    old_sha = sha(old)
    res = services.apply_fit_to_shoot(lib, "C-200", doc["fit_id"], preset)
    assert not res.problems and res.written == ["C-200/jpg/C-200-01-r2.jpg"]
    after = next(f for f in services.shoot_frames(lib, "C-200") if f.id == product.id)
    assert after.fit_id == doc["fit_id"] and after.renditions == res.written
    assert sha(lib / res.written[0]) != old_sha  # the colour changed
    assert sha(lib / "C-200" / "superseded" / old.name) == old_sha
    with sqlite3.connect(lib / "imgprep.sqlite") as db:
        assert db.execute("SELECT colour_state FROM shoots WHERE sku = 'C-200'").fetchone() == ("corrected",)


def test_fit_and_apply_refuse_what_cannot_be_used(lib, pristine, preset):
    _, corners = pristine
    card = next(f for f in services.shoot_frames(lib, "C-200") if f.kind == "card")
    fits = len(services.colour_fits(lib, "C-200"))
    with pytest.raises(ConfigError, match="four corners are needed"):
        services.fit_from_corners(lib, "C-200", card.id, corners[:3], preset)
    with pytest.raises(ConfigError, match="no frame 9999"):
        services.fit_from_corners(lib, "C-200", 9999, corners, preset)
    with pytest.raises(ConfigError, match="no colour fit 9999"):
        services.apply_fit_to_shoot(lib, "C-200", 9999, preset)
    assert len(services.colour_fits(lib, "C-200")) == fits
    assert next(f for f in services.shoot_frames(lib, "C-200") if f.kind == "product").fit_id is None


def test_rerender_writes_a_new_revision_and_reports_a_missing_original(lib, preset):
    frames = _frames(lib, "P-100")
    res = services.rerender(lib, "P-100", [frames["P-100-04"].id], preset)
    assert res.written == ["P-100/jpg/P-100-04-r2.jpg"] and res.superseded == ["P-100/jpg/P-100-04.jpg"]
    assert (lib / res.written[0]).is_file() and not (lib / res.superseded[0]).exists()
    assert _frames(lib, "P-100")["P-100-04"].renditions == res.written

    (lib / frames["P-100-02"].raw).unlink()
    res = services.rerender(lib, "P-100", [frames["P-100-02"].id], preset)
    assert res.written == [] and res.problems and res.problems[0].startswith("P-100-02.jpg: ")
    assert _frames(lib, "P-100")["P-100-02"].renditions == ["P-100/jpg/P-100-02.jpg"]
