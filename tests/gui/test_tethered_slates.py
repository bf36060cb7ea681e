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


def test_a_tethered_folder_counts_each_product_s_own_frames(qtbot, make_window, tmp_path):
    """Slate MUG-001, three frames, slate BAG-002, three frames, in 100CANON. The camera
    folder is read for its slate first, so no frame is analysed under the folder's name
    (and again under the slate's). When BAG-002's slate is found, the frames after it
    leave MUG-001's count for BAG-002's: MUG-001 reaches 100 % by its own steps, before
    the batch says it is done, and BAG-002 counts its three renderings, a third each.
    No row's progress ever goes back."""
    from tests.app.test_slate import tethered

    cam = tmp_path / "in" / "100CANON"
    tethered(cam, ["MUG-001", 3, "BAG-002", 3], seed=3)
    w = make_window(tmp_path / "lib", catalogue=False)
    model = w.state.model
    trail: list[tuple[str, str | None, dict[str, int]]] = []

    def seen(ev: dict) -> None:
        shown = {r.sku: model.progress_of(r) for r in model.rows if r.sku in ("MUG-001", "BAG-002")}
        trail.append((ev.get("event"), ev.get("sku"), shown))

    w.state.engineEvent.connect(seen)
    process_and_wait(qtbot, w, [cam])
    analysed = [sku for e, sku, _ in trail if e == "analysed"]
    assert analysed == ["MUG-001"] * 7, analysed  # every file but the first slate, once
    for sku in ("MUG-001", "BAG-002"):
        shown = [p[sku] for _, _, p in trail if sku in p]
        assert shown == sorted(shown), (sku, shown)
        done = next(i for i, (e, s, _) in enumerate(trail) if e == "shoot-done" and s == sku)
        assert trail[done - 1][2][sku] == 100, (sku, trail[done - 1])
    bag = [p["BAG-002"] for e, s, p in trail if e == "rendered" and s == "BAG-002"]
    assert bag == [33, 66, 100], bag
