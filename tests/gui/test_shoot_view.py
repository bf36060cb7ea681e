"""Shoot view: re-mark the hero, edit a callout, pick card corners."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from imgprep.app import services
from imgprep.core.journal import Journal

from .conftest import process_and_wait


@pytest.fixture
def mug(qtbot, make_window, shoots, tmp_path):
    w = make_window(tmp_path / "lib")
    process_and_wait(qtbot, w, [shoots / "MUG-001"])
    w.show_shoot("MUG-001")
    return w


def _click(qtbot, w, button):
    with qtbot.waitSignal(w.state.jobFinished, timeout=60000) as b:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return b.args[1]


def test_remark_hero_rerenders_and_names_stay_consistent(qtbot, mug, tmp_path):
    v, lib = mug.shoot_view, tmp_path / "lib"
    assert v.frames[0].role == "hero"
    point = v.frames[2].callout["text"]  # 03's selling point
    v.list.setCurrentRow(2)
    assert v.current().stem == "MUG-001-03" and v.hero_btn.isEnabled()
    res = _click(qtbot, mug, v.hero_btn)
    assert not res.problems
    frames = {f.stem: f for f in services.shoot_frames(lib, "MUG-001")}
    new, old = frames["MUG-001-03"], frames["MUG-001-01"]
    assert new.role == "hero" and old.role == "detail"
    # the originals keep their names; the re-rendered files get the next revision
    assert new.raw == "MUG-001/raw/MUG-001-03.jpg" and old.raw == "MUG-001/raw/MUG-001-01.jpg"
    assert new.renditions == ["MUG-001/jpg/MUG-001-03-r2.jpg"] and new.has_panel and not new.callout
    assert old.renditions == ["MUG-001/jpg/MUG-001-01-r2.jpg"] and not old.has_panel
    # selling points stay with their frames (issue 16, problem 7): 03's point moves to
    # 01, which takes 03's place; every other detail keeps its point and its file
    assert old.callout["text"] == point
    assert frames["MUG-001-02"].renditions == ["MUG-001/jpg/MUG-001-02.jpg"]
    assert frames["MUG-001-04"].renditions == ["MUG-001/jpg/MUG-001-04.jpg"]
    texts = [frames[f"MUG-001-0{i}"].callout["text"] for i in (1, 2, 4, 5, 6)]
    assert len(set(texts)) == 5  # none vanished, none twice
    on_disk = sorted(p.name for p in (lib / "MUG-001" / "jpg").iterdir())
    assert on_disk == ["MUG-001-01-r2.jpg", "MUG-001-02.jpg", "MUG-001-03-r2.jpg",
                       "MUG-001-04.jpg", "MUG-001-05.jpg", "MUG-001-06.jpg"]
    with Journal(lib, readonly=True) as j:
        assert j.shoot("MUG-001")["hero_id"] == new.id
        assert sorted(f["path"].split("/")[-1] for f in j.files_for_sku("MUG-001") if f["kind"] == "jpg") == on_disk
    # the UI follows the journal
    qtbot.waitUntil(lambda: "★" in v.list.item(2).text(), timeout=5000)
    assert "★" not in v.list.item(0).text()
    row = mug.state.model.row(mug.state.model.sku_row("MUG-001"))
    assert row.hero == "MUG-001/jpg/MUG-001-03-r2.jpg"


def test_callout_edit_persists_to_sidecar_and_rerenders(qtbot, mug, shoots, tmp_path):
    v, lib = mug.shoot_view, tmp_path / "lib"
    v.list.setCurrentRow(1)
    assert v.current().role == "detail" and v.callout_group.isEnabled()
    assert v.callout_text.text() == "手工釉面 色泽温润"
    v.callout_text.setText("釉面温润 手感细腻")
    qtbot.mouseClick(v.anchor_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not v.canvas.image_rect().isNull(), timeout=10000)
    r = v.canvas.image_rect()
    target = QPoint(int(r.x() + 0.25 * r.width()), int(r.y() + 0.7 * r.height()))
    qtbot.mousePress(v.canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(r.center().x()), int(r.center().y())))
    qtbot.mouseMove(v.canvas, target)
    qtbot.mouseRelease(v.canvas, Qt.MouseButton.LeftButton, pos=target)
    ax, ay = v._anchor
    assert abs(ax - 0.25) < 0.02 and abs(ay - 0.7) < 0.02
    _click(qtbot, mug, v.save_callout_btn)
    side = tomllib.loads((shoots / "MUG-001" / "callouts.toml").read_text(encoding="utf-8"))
    assert side["MUG-001-02"]["text"] == "釉面温润 手感细腻"
    assert abs(side["MUG-001-02"]["anchor"][0] - ax) < 1e-3
    f = next(f for f in services.shoot_frames(lib, "MUG-001") if f.stem == "MUG-001-02")
    assert f.renditions == ["MUG-001/jpg/MUG-001-02-r2.jpg"]
    assert f.callout["text"] == "釉面温润 手感细腻"
    assert abs(f.callout["anchor"][0] - ax) < 0.01 and abs(f.callout["anchor"][1] - ay) < 0.01
    assert not (lib / "MUG-001" / "jpg" / "MUG-001-02.jpg").exists()
    assert (lib / "MUG-001" / "superseded" / "MUG-001-02.jpg").exists()  # kept, out of the upload folder
    # the engine reads the same sidecar on a later run (a new frame), so it is the one truth
    from imgprep.app.annotations import load_callouts

    found, problems = load_callouts(shoots / "MUG-001")
    assert not problems and found["MUG-001-02"].text == "釉面温润 手感细腻"


def card_shoot(qtbot, make_window, tmp_path, sku: str, angle: float, deep12: bool = False,
               product_first: bool = False):
    """A window over a library holding one shoot: a card frame (a ColorChecker under a
    cast; with ``deep12`` as a machine-vision camera writes it, 12 linear bits unscaled
    in a 16-bit PNG), after a product frame shot before it with ``product_first``;
    returns the window and the scene (its true corners)."""
    if not services.colour_available():
        pytest.skip("the colour package (imgprep.core.colour, imgprep.app.colour_service) is not installed")
    from PIL import Image

    from tests.core.colour.scenes import CASTS, make_scene

    scene = make_scene(size=(1500, 1000), angle=angle, cast=CASTS[1], seed=5)
    src = tmp_path / "in" / sku
    src.mkdir(parents=True)
    if deep12:
        import numpy as np
        from helpers import save_png16

        from imgprep.core.colour.delta_e import srgb8_to_linear

        save_png16(src / "IMG_0001.png", np.round(srgb8_to_linear(scene.rgb) * 4095).astype(np.uint16))
    else:
        Image.fromarray(scene.rgb).save(src / "IMG_0001.jpg", quality=92)
    w = make_window(tmp_path / "lib", catalogue=False)
    w.settings.set("preset", "taobao-710")
    if product_first:  # a product frame taken in before the card came
        from tests.core.colour.scenes import apply_cast, product_photo

        first = tmp_path / "first" / sku
        first.mkdir(parents=True)
        Image.fromarray(apply_cast(product_photo(800, 1200, seed=4), CASTS[1])).save(first / "IMG_0000.jpg", quality=92)
        process_and_wait(qtbot, w, [first])
    process_and_wait(qtbot, w, [src])
    w.show_shoot(sku)
    w.shoot_view.list.setCurrentRow(0)
    return w, scene


def click_corners(qtbot, v, scene) -> None:
    """Pick the card's four corners in the shoot view, as a designer clicks them."""
    qtbot.mouseClick(v.corners_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not v.canvas.image_rect().isNull(), timeout=10000)
    r = v.canvas.image_rect()
    h, wd = scene.rgb.shape[:2]
    for k, (x, y) in enumerate(scene.corners):
        # the canvas names the corner to click by its patch (the order matters when the
        # colours cannot confirm the card)
        assert f"corner {k + 1} of 4" in v.canvas.message and "patch" in v.canvas.message
        qtbot.mouseClick(v.canvas, Qt.MouseButton.LeftButton,
                         pos=QPoint(round(r.x() + x / (wd - 1) * r.width()), round(r.y() + y / (h - 1) * r.height())))


def test_corner_picking_produces_a_fit(qtbot, make_window, tmp_path):
    w, scene = card_shoot(qtbot, make_window, tmp_path, "CARD-1", angle=8)
    v = w.shoot_view
    click_corners(qtbot, v, scene)
    assert len(v.canvas.corners) == 4 and v.fit_btn.isEnabled()
    doc = _click(qtbot, w, v.fit_btn)
    assert doc["card"]["found"], doc["card"]
    assert doc["summary"]["after"]["mean"] < doc["summary"]["before"]["mean"]
    assert "fit_id" in doc and json.dumps(doc)
    fits = services.colour_fits(tmp_path / "lib", "CARD-1")
    assert fits[-1]["id"] == doc["fit_id"]
    assert services.report_path(tmp_path / "lib", "CARD-1") is not None
    # the colour view shows it
    w.colour_view.show_sku("CARD-1")
    assert w.colour_view.swatches.doc["summary"] == doc["summary"]
    assert w.colour_view.report_btn.isEnabled()
    # the honest figures: the leave-one-out line the verdict is judged on, with its values
    verdict = w.colour_view.verdict.text()
    assert doc["pass_basis"] == "leave-one-out" and f"{doc['loo']['mean']:.2f}" in verdict
    assert "leave-one-out" in verdict
    img = w.colour_view.grab().toImage()
    assert not img.isNull()
    assert v.split_box.isEnabled()
    assert np.isfinite(doc["summary"]["after"]["max"])


def test_a_designers_psd_shows_on_its_frame(qtbot, make_window, shoots, tmp_path):
    """A PSD saved under the original's name lands in psd/ as that frame's SKU-NN.psd;
    the shoot view marks the frame and names the file, in the UI's language."""
    from helpers import write_psd

    from imgprep.gui.i18n import install_language

    write_psd(shoots / "MUG-001" / "DSC_0103.psd")
    w = make_window(tmp_path / "lib")
    doc = process_and_wait(qtbot, w, [shoots / "MUG-001"])
    psd = [i for i in doc["items"] if i["role"] == "psd"]
    assert [(i["status"], i["raw"]) for i in psd] == [("done", "MUG-001/psd/MUG-001-03.psd")]
    w.show_shoot("MUG-001")
    v = w.shoot_view
    assert v.list.item(2).text().endswith("· PSD") and "PSD" not in v.list.item(1).text()
    install_language("zh_CN")
    try:
        v.list.setCurrentRow(2)
        v._update_side()
        assert "设计师 PSD：MUG-001-03.psd" in v.info.text()
    finally:
        install_language("en")


def test_a_raw_plus_jpeg_shot_is_one_frame_with_both_files(qtbot, make_window, tmp_path):
    import shutil

    from helpers import photo_array, save_jpeg

    folder = tmp_path / "in" / "P500"
    folder.mkdir(parents=True)
    shutil.copyfile(Path(__file__).parents[1] / "data" / "bayer_rggb_o6.dng", folder / "IMG_0001.dng")
    save_jpeg(folder / "IMG_0001.jpg", photo_array(720, 360, seed=3))
    w = make_window(tmp_path / "lib", catalogue=False)
    doc = process_and_wait(qtbot, w, [folder])
    assert doc["summary"]["done"] == 2
    w.show_shoot("P500")
    v = w.shoot_view
    assert v.list.count() == 1 and v.list.item(0).text().endswith("· DNG+JPG")
    v.list.setCurrentRow(0)
    v._update_side()
    assert "P500-01.dng, P500-01.jpg" in v.info.text()
