"""Issue 16, problem 4: a card frame without EXIF (sent over WeChat, which strips it) is
numbered after the dated product frames, but it still corrects them: a shoot must not go
out uncorrected under a passing colour verdict."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta

from helpers import save_jpeg

from tests.core.colour.scenes import CASTS, apply_cast, make_scene, product_photo

T0 = datetime(2026, 11, 21, 9, 0, 0)


def test_an_undated_card_corrects_the_dated_frames(tmp_path, run_cli):
    folder = tmp_path / "src" / "WX1"
    card = make_scene(size=(1500, 1000), angle=10, perspective=0.1, card_frac=0.3, cast=CASTS[2], seed=1, jpeg=None)
    save_jpeg(folder / "mmexport1701.jpg", card.rgb, quality=92)  # no EXIF: no capture time
    for i in range(2):
        save_jpeg(folder / f"IMG_{i:04d}.jpg", apply_cast(product_photo(900, 1200, seed=20 + i), CASTS[2]),
                  quality=92, time=T0 + timedelta(seconds=i))
    code, out, err = run_cli("batch", folder, "--library", tmp_path / "lib", "--workers", "0", "--json")
    assert code == 0, out + err
    items = {i["source"].rsplit("/", 1)[-1]: i for i in json.loads(out)["items"]}
    assert items["mmexport1701.jpg"]["role"] == "card"
    for name in ("IMG_0000.jpg", "IMG_0001.jpg"):
        assert not any("not corrected" in n for n in items[name].get("notes", [])), items[name]
    db = sqlite3.connect(tmp_path / "lib" / "imgprep.sqlite")
    fits = db.execute("SELECT fit_id FROM sources WHERE kind = 'product'").fetchall()
    assert len(fits) == 2 and all(f[0] is not None for f in fits)


def test_frames_shot_before_the_card_are_not_hidden_by_a_passing_verdict(tmp_path, run_cli):
    from imgprep.app import services

    folder = tmp_path / "src" / "LATECARD1"
    card = make_scene(size=(1500, 1000), angle=10, perspective=0.1, card_frac=0.3, cast=CASTS[2], seed=1, jpeg=None)
    save_jpeg(folder / "IMG_0002.jpg", card.rgb, quality=92, time=T0 + timedelta(seconds=1))
    for i in (1, 3):
        save_jpeg(folder / f"IMG_{i:04d}.jpg", apply_cast(product_photo(900, 1200, seed=30 + i), CASTS[2]),
                  quality=92, time=T0 + timedelta(seconds=i - 1))
    lib = tmp_path / "lib"
    run_cli("batch", folder, "--library", lib, "--workers", "0")
    [row] = services.list_shoots(lib)
    assert row.colour is not None and row.uncorrected == 1
    code, out, _ = run_cli("check", lib, "--json")
    colour = [p["message"] for p in json.loads(out)["skus"][0]["problems"] if p["rule"] == "colour"]
    assert any(m.startswith("colour not corrected (shot before any card): LATECARD1-01.jpg, 1 in all") for m in colour)
