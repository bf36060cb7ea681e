"""A shoot with a grey card instead of a ColorChecker (``[colour] card = "grey"``), under a
neutral light and under a tungsten light the camera did not balance: the frame the card
fills is the card frame, and the product frames are rendered and corrected by it, not taken
for grey cards themselves (most product photos hold some uniform low-chroma region:
docs/colour-detection.md, "Session 23")."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from helpers import save_jpeg

from tests.core.colour.scenes import Cast, apply_cast, product_photo

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 21, 9, 0, 0)


@pytest.mark.parametrize("light", [None, Cast(2700)], ids=["neutral", "tungsten"])
def test_a_grey_card_frame_corrects_the_products_and_no_product_is_a_card(tmp_path, run_cli, light):
    def shot(rgb):
        return rgb if light is None else apply_cast(rgb, light)

    text = (ROOT / "presets" / "taobao-710.toml").read_text(encoding="utf-8")
    assert 'card = "classic24"' in text
    preset = tmp_path / "grey.toml"
    preset.write_text(text.replace('card = "classic24"', 'card = "grey"', 1), encoding="utf-8")
    folder = tmp_path / "src" / "GC1"
    rng = np.random.default_rng(3)
    card = np.clip(rng.normal(118, 2.0, (1000, 1500, 3)), 0, 255).astype(np.uint8)  # the card fills the frame
    save_jpeg(folder / "IMG_0001.jpg", shot(card), quality=92, time=T0)
    seeds = (1, 2, 4, 6, 7)  # products in which the grey card search finds a grey region
    for k, seed in enumerate(seeds):
        save_jpeg(folder / f"IMG_{k + 2:04d}.jpg", shot(product_photo(900, 1200, seed=seed)),
                  quality=92, time=T0 + timedelta(seconds=k + 1))
    code, out, err = run_cli("batch", folder, "--library", tmp_path / "lib", "--preset", preset,
                             "--workers", "0", "--json")
    assert code == 0, out + err
    items = {i["source"].rsplit("/", 1)[-1]: i for i in json.loads(out)["items"]}
    assert items["IMG_0001.jpg"]["role"] == "card", items["IMG_0001.jpg"]
    products = [n for n in items if n != "IMG_0001.jpg"]
    assert len(products) == len(seeds)
    for name in products:
        assert items[name]["role"] != "card", items[name]
        assert not any("not corrected" in n for n in items[name].get("notes", [])), items[name]
    db = sqlite3.connect(tmp_path / "lib" / "imgprep.sqlite")
    fits = db.execute("SELECT fit_id FROM sources WHERE kind = 'product'").fetchall()
    assert len(fits) == len(seeds) and all(f[0] is not None for f in fits)
