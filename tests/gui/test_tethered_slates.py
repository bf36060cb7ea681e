"""A tethered camera's one folder dropped on the window: each slate's product is a row."""

from .conftest import process_and_wait


def test_a_dropped_tethered_folder_shows_one_row_per_slate(qtbot, make_window, tmp_path):
    """Slate MUG-001, two frames, slate BAG-002, two frames, all in 100CANON: the shoots
    list shows both products, done, and no row for the camera folder."""
    from tests.app.test_slate import tethered

    cam = tmp_path / "in" / "100CANON"
    tethered(cam, ["MUG-001", 2, "BAG-002", 2], seed=3)
    w = make_window(tmp_path / "lib", catalogue=False)
    doc = process_and_wait(qtbot, w, [cam])
    assert doc["summary"] == {"done": 4, "duplicate": 0, "failed": 0, "skipped": 2}, doc["summary"]
    model = w.state.model
    qtbot.waitUntil(lambda: {r.sku for r in model.rows} >= {"MUG-001", "BAG-002"}, timeout=10000)
    rows = {r.sku: r for r in model.rows}
    assert "100CANON" not in rows and "100canon" not in {k.casefold() for k in rows}
    assert rows["MUG-001"].frames == 2 and rows["BAG-002"].frames == 2, rows
    for sku in ("MUG-001", "BAG-002"):
        done, total = model.progress[sku]
        assert done == total, (sku, model.progress[sku])
