"""Issue 16, problem 1 through the engine: a character no font can draw is left out of the
hero's panel and the callouts, never drawn as '?', and every place that reports on the
frame says so: --json, `imgprep check` (rule "glyphs"), the app's shoot list and frames."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from helpers import photo_array, save_jpeg

from imgprep.app import services
from imgprep.core import fonts

NAME = "鎏金囍字手镯 𠮷野家联名款 🎁礼盒装"


@pytest.fixture
def bundled_only(monkeypatch):
    """The chain without the machine's fonts (an emoji font would draw 🎁)."""
    monkeypatch.setattr(fonts, "font_chain", lambda weight="regular": (fonts.font_path(weight),))


def test_a_character_no_font_has_is_left_out_and_reported_everywhere(tmp_path, run_cli, bundled_only):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(f"货号,商品名称,卖点1\nW16,{NAME},🎁 送礼首选\n", encoding="utf-8")
    for i in range(2):
        save_jpeg(tmp_path / "shoots" / "W16" / f"IMG_{i}.jpg", photo_array(900, 700, i),
                  time=datetime(2026, 11, 20, 9, 0, i))
    lib = tmp_path / "lib"
    code, out, err = run_cli("batch", tmp_path / "shoots", "--library", lib, "--catalogue", sheet,
                             "--workers", "0", "--json")
    assert code == 0, out + err
    items = json.loads(out)["items"]
    notes = [n for it in items for n in it.get("notes", [])]
    assert any("W16/jpg/W16-01.jpg: no font can draw 🎁" in n for n in notes), notes
    assert any("W16/jpg/W16-02.jpg: no font can draw 🎁" in n for n in notes), notes

    frames = services.shoot_frames(lib, "W16")
    hero = next(f for f in frames if f.role == "hero")
    assert hero.has_panel and len(hero.warnings) == 1 and "🎁" in hero.warnings[0]
    code, out, _ = run_cli("check", lib, "--json")
    problems = json.loads(out)["skus"][0]["problems"]
    glyphs = [p["message"] for p in problems if p["rule"] == "glyphs"]
    assert len(glyphs) == 2 and all("🎁" in m and "?" not in m.split(":")[1] for m in glyphs)
    row = services.list_shoots(lib)[0]
    assert any("🎁" in p for p in row.problems)

    import sqlite3

    db = sqlite3.connect(lib / "imgprep.sqlite")
    facts = json.loads(db.execute("SELECT facts FROM files WHERE path = 'W16/jpg/W16-01.jpg'").fetchone()[0])
    assert facts["panel"]["missing_glyphs"] == ["🎁"]


def test_nothing_is_reported_when_every_character_is_drawn(tmp_path, run_cli, bundled_only):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("货号,商品名称\nW17,鎏金囍字手镯 𠮷野家联名款\n", encoding="utf-8")
    save_jpeg(tmp_path / "shoots" / "W17" / "IMG_0.jpg", photo_array(900, 700, 1))
    lib = tmp_path / "lib"
    code, out, err = run_cli("batch", tmp_path / "shoots", "--library", lib, "--catalogue", sheet,
                             "--workers", "0", "--json")
    assert code == 0, out + err
    assert not [n for it in json.loads(out)["items"] for n in it.get("notes", []) if "font" in n]
    assert services.shoot_frames(lib, "W17")[0].warnings == []
