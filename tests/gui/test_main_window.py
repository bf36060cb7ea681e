"""Main window: drop → progress → done; cancel; first run; settings; language."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSettings

from imgprep.app import services
from imgprep.core.journal import Journal

from .conftest import drop, process_and_wait


def test_drop_folder_appears_and_completes_with_progress(qtbot, make_window, shoots, tmp_path):
    w = make_window(tmp_path / "lib")
    seen: list[int] = []
    w.state.engineEvent.connect(lambda ev: seen.append(w.state.model.progress_of(
        w.state.model.row(max(0, w.state.model.sku_row("MUG-001"))))))
    assert w.shoots.empty.isVisible()  # "No shoots in the library yet."
    with qtbot.waitSignal(w.state.jobFinished, timeout=60000) as blocker:
        drop(w, [shoots / "MUG-001"])
        # queued at once, before the engine has written anything; the list is no longer empty
        assert w.state.model.sku_row("MUG-001") >= 0
        assert not w.shoots.empty.isVisible()
        assert w.act_cancel.isEnabled()
    doc = blocker.args[1]
    assert doc["summary"]["done"] == 6
    m = w.state.model
    i = m.sku_row("MUG-001")
    r = m.row(i)
    assert (r.state, r.frames, r.rendered) == ("done", 6, 6)
    assert m.progress_of(r) == 100
    assert seen == sorted(seen) and len({x for x in seen if 0 < x < 100}) >= 3  # went up step by step
    assert m.data(m.index(i, 2)) == "done"
    assert not w.act_cancel.isEnabled() and not w.state.busy
    assert "done" in w.log.toPlainText()
    # the shoot view shows its frames, hero first
    w.show_shoot("MUG-001")
    assert len(w.shoot_view.frames) == 6 and w.shoot_view.frames[0].role == "hero"


def _worker_pids(w) -> set[int]:
    pool = w.state.worker.pool
    return set(pool._pool._processes) if pool is not None and pool._pool is not None else set()


def test_a_second_drop_reuses_the_worker_processes(qtbot, make_window, shoots, tmp_path):
    w = make_window(tmp_path / "lib")
    doc = process_and_wait(qtbot, w, [shoots / "MUG-001"])
    assert doc["summary"]["done"] == 6
    first = _worker_pids(w)
    assert first  # kept after the batch
    doc = process_and_wait(qtbot, w, [shoots / "BAG-002"])
    assert doc["summary"]["done"] == 3
    assert _worker_pids(w) == first


def test_cancel_stops_the_batch(qtbot, make_window, tmp_path):
    from tests.helpers import photo_array, save_jpeg

    src = tmp_path / "in" / "BIG-1"
    base = photo_array(3000, 2000, seed=4)
    for k in range(16):
        a = base.copy()
        a[0, :16] = k  # different bytes, same look
        save_jpeg(src / f"IMG_{k:03d}.jpg", a, quality=85)
    w = make_window(tmp_path / "lib", catalogue=False)
    first = []

    def on_event(ev):
        if ev.get("event") == "analysed" and not first:
            first.append(ev)
            w.act_cancel.trigger()

    w.state.engineEvent.connect(on_event)
    doc = process_and_wait(qtbot, w, [src])
    assert first
    s = doc["summary"]
    assert s["done"] < 16 and s["skipped"] >= 1
    assert any(it["reason"] == "cancelled" for it in doc["items"])
    assert not w.state.busy and not w.act_cancel.isEnabled()
    assert "Cancelling" in w.log.toPlainText()
    # nothing half-written: every journaled rendition exists
    with Journal(tmp_path / "lib", readonly=True) as j:
        for f in j.files():
            assert (tmp_path / "lib" / f["path"]).is_file()
    # a cancel leaves the kept workers ready: the next drop finishes the shoot
    w.state.engineEvent.disconnect(on_event)
    doc = process_and_wait(qtbot, w, [src])
    s = doc["summary"]
    assert s["failed"] == 0
    # what the cancelled run finished is skipped as unchanged; nothing is skipped as cancelled
    assert all(i["status"] in ("done", "duplicate") or i["reason"].startswith("unchanged")
               for i in doc["items"]), doc["items"]
    with Journal(tmp_path / "lib", readonly=True) as j:
        rendered = sum(r["state"] == "rendered" for r in j.db.execute("SELECT state FROM sources"))
    # (two of the 16 frames can encode to the same bytes: those count as one)
    assert rendered + s["duplicate"] == 16


def test_first_run_with_empty_home(qtbot, make_window, settings, shoots, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    w = make_window(None, catalogue=False)
    first = w.shoots.first
    assert first.isVisible()
    assert "Library folder" in first.body.text() and "not set yet" in first.body.text()
    assert w.state.model.rowCount() == 0
    # the drop asks for the library (a folder dialog) before anything runs
    from PySide6.QtWidgets import QFileDialog

    lib = tmp_path / "home" / "imgprep-library"
    lib.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(lib))
    doc = process_and_wait(qtbot, w, [shoots / "BAG-002"])
    assert doc["summary"]["done"] == 3
    assert settings.library == str(lib)
    assert w.state.model.row(0).sku == "BAG-002"
    # the backup and the sheet are still to set: the list stays (issue 16, problem 8)
    # until hidden, with the library step done
    assert first.isVisible() and "✓ 1." in first.body.text() and "○ 2." in first.body.text()
    assert not first.lib_btn.isVisible()
    first.hide_btn.click()
    assert not first.isVisible() and settings.get("first_steps") == "hidden"


def test_settings_round_trip(qtbot, settings, tmp_path):
    from imgprep.gui.settings import SettingsDialog

    for d in ("lib", "drop", "bk"):
        (tmp_path / d).mkdir()
    dlg = SettingsDialog(settings)
    qtbot.addWidget(dlg)
    assert dlg.library.msg.isVisibleTo(dlg)  # required, said inline
    dlg.library.edit.setText(str(tmp_path / "lib"))
    dlg.drop.edit.setText(str(tmp_path / "nope"))
    assert "No such folder" in dlg.drop.msg.text()
    dlg.drop.edit.setText(str(tmp_path / "drop"))
    dlg.backup.edit.setText(str(tmp_path / "bk"))
    assert not dlg.library.msg.isVisibleTo(dlg) and not dlg.drop.msg.isVisibleTo(dlg)
    ed = dlg.editor
    ed.wm_text.setText("我的小店")
    ed.wm_opacity.setValue(0.6)
    ed.fields["fabric"].setChecked(False)
    ed.update_preview()
    assert ed.preview.pixmap() is not None and not ed.preview.pixmap().isNull()
    ed.table.item(0, 2).setText("abc")
    ed.update_preview()
    assert "whole numbers" in ed.error.text()
    ed.table.item(0, 2).setText("750")
    ed.update_preview()
    assert ed.error.text() == ""
    dlg.accept()
    # a fresh QSettings on the same file sees everything
    qs2 = QSettings(settings.qs.fileName(), QSettings.Format.IniFormat)
    from imgprep.gui.appstate import AppSettings

    s2 = AppSettings(qs2)
    assert s2.library == str(tmp_path / "lib") and s2.get("drop") == str(tmp_path / "drop")
    assert s2.get("backup") == str(tmp_path / "bk")
    p = s2.preset()
    assert p.watermark.text == "我的小店" and abs(p.watermark.opacity - 0.6) < 1e-9
    assert "fabric" not in p.panel.fields and p.renditions[0].width == 750
    dlg2 = SettingsDialog(s2)
    qtbot.addWidget(dlg2)
    assert dlg2.library.text() == str(tmp_path / "lib")
    assert dlg2.editor.wm_text.text() == "我的小店"


def test_language_switch_changes_visible_strings(qtbot, make_window, settings, tmp_path):
    from imgprep.gui.i18n import install_language

    w = make_window(tmp_path / "lib")
    assert w.tabs.tabText(0) == "Shoots" and w.shoots.drop.title.text() == "Drop shoot folders here"
    install_language("zh_CN")
    qtbot.waitUntil(lambda: w.tabs.tabText(0) == "拍摄列表", timeout=5000)
    assert w.shoots.drop.title.text() == "把拍摄文件夹拖到这里"
    assert w.windowTitle().startswith("imgprep —— 商品图片处理")
    assert w.state.model.headerData(0, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal) == "货号"
    install_language("en")
    qtbot.waitUntil(lambda: w.tabs.tabText(0) == "Shoots", timeout=5000)
    # the settings dialog switches it too, and remembers the choice
    from imgprep.gui.settings import SettingsDialog

    dlg = SettingsDialog(settings, w)
    qtbot.addWidget(dlg)
    dlg.languageChanged.connect(w.set_language)
    dlg.language.setCurrentIndex(dlg.language.findData("zh_CN"))
    qtbot.waitUntil(lambda: w.tabs.tabText(1) == "拍摄", timeout=5000)
    assert settings.language == "zh_CN"


def test_the_bundled_font_covers_the_ui():
    from PySide6.QtGui import QFontDatabase

    from imgprep.gui.i18n import register_fonts

    fam = register_fonts()
    assert fam and fam in QFontDatabase.families()
    assert QFontDatabase.writingSystems(fam).count(QFontDatabase.WritingSystem.SimplifiedChinese)


def test_validate_settings_is_qt_free_and_explains(tmp_path):
    assert services.validate_settings("")["library"] == "missing"
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x.txt").write_text("x")
    assert services.validate_settings(str(tmp_path / "full"))["library"] == "not-empty"
    assert services.validate_settings(str(tmp_path / "new")) == {}
    assert "preset" in services.validate_settings(str(tmp_path / "new"), preset="no-such-preset")
    assert np  # numpy is importable for the other tests


def test_watch_toggle_processes_what_lands_in_the_drop_folder(qtbot, make_window, settings, shoots, tmp_path):
    import shutil

    from imgprep.gui.watch import watch_available

    if not watch_available()[0]:
        import pytest

        pytest.skip("imgprep.app.watch is not in this build")
    drop_dir = tmp_path / "dropbox"
    drop_dir.mkdir()
    settings.set("drop", str(drop_dir))
    w = make_window(tmp_path / "lib")
    assert w.act_watch.isEnabled()
    w.act_watch.trigger()
    assert w._watch.running, w.log.toPlainText()
    shutil.copytree(shoots / "BAG-002", drop_dir / "BAG-002")
    qtbot.waitUntil(lambda: w.state.model.sku_row("BAG-002") >= 0
                    and w.state.model.row(w.state.model.sku_row("BAG-002")).rendered == 3, timeout=60000)
    assert w.state.process([shoots / "MUG-001"]) is None  # the watcher holds the library
    w.act_watch.trigger()
    assert not w._watch.running and not w.state.watching


def test_colour_warnings_and_patch_names_follow_the_language(qtbot, make_window, tmp_path):
    from imgprep.gui.i18n import install_language

    w = make_window(tmp_path / "lib", catalogue=False)
    doc = {"summary": {"pass": True, "before": {"mean": 4.0, "max": 9.0, "median": 3.0, "p90": 7.0},
                       "after": {"mean": 0.5, "max": 1.2, "median": 0.4, "p90": 0.9}},
           "thresholds": {"mean": 3, "max": 6}, "model": "curve+matrix",
           "worst5": [{"name": "cyan", "name_zh": "青色", "de2000_after": 1.2}],
           "warnings": ["2 clipped patch(es) left out of the fit and the summary"],
           "warnings_zh": ["2 个色块过曝或欠曝，未参与拟合与统计"]}
    text = w.colour_view._verdict(doc)
    assert "clipped" in text and "cyan" in text and "青色" not in text
    install_language("zh_CN")
    text = w.colour_view._verdict(doc)
    assert "过曝或欠曝" in text and "clipped" not in text and "青色" in text
    install_language("en")


def test_engine_reasons_are_shown_in_chinese(qtbot, make_window, tmp_path):
    from imgprep.gui.i18n import install_language
    from tests.helpers import photo_array, save_jpeg

    src = tmp_path / "in" / "BAD-1"
    good = save_jpeg(src / "IMG_0001.jpg", photo_array(1200, 800, seed=2), quality=90)
    data = good.read_bytes()
    (src / "IMG_0002.jpg").write_bytes(data[: len(data) // 2])  # cut off mid-scan
    (src / "IMG_0003.jpg").write_bytes(b"")
    w = make_window(tmp_path / "lib", catalogue=False)
    install_language("zh_CN")
    try:
        doc = process_and_wait(qtbot, w, [src])
        log = w.log.toPlainText()
    finally:
        install_language("en")
    assert doc["summary"]["failed"] == 2
    # the JSON keeps the English text; the designer reads Chinese
    assert any("truncated" in (i["reason"] or "") for i in doc["items"])
    assert "IMG_0002.jpg：文件被截断或已损坏（图像数据不完整）" in log  # a full-width colon
    assert "IMG_0003.jpg：空文件（0 字节）" in log
    assert "truncated" not in log


def test_an_unreadable_library_during_a_language_switch_leaves_a_working_window(
        qtbot, make_window, tmp_path, monkeypatch):
    """CI once switched language while the worker was still creating a new journal: the
    colour view's read raised inside the rebuild and left the window without its log."""
    import sqlite3

    from imgprep.app import services
    from imgprep.gui.i18n import install_language

    w = make_window(tmp_path / "lib", catalogue=False)
    w.log_message("info", "before the switch")

    def broken(*a, **k):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(services, "colour_trend", broken)
    install_language("zh_CN")
    qtbot.waitUntil(lambda: w.tabs.tabText(0) == "拍摄列表")
    log = w.log.toPlainText()
    assert "before the switch" in log
    assert log.count("disk I/O error") == 1 and "无法读取图库" in log
    w.colour_view.reload()  # the same failure again is not repeated in the log
    assert w.log.toPlainText().count("disk I/O error") == 1
    monkeypatch.undo()
    install_language("en")
    qtbot.waitUntil(lambda: w.tabs.tabText(0) == "Shoots")
    w.colour_view.reload()
    assert w.log.toPlainText().count("disk I/O error") == 1


def test_results_arriving_after_shutdown_are_ignored(qtbot, make_window, tmp_path):
    """The window closes while a job still runs: its result, queued by the job thread,
    must not reach the closing UI (it used to refresh a model that was going away)."""
    import time

    w = make_window(tmp_path / "lib", catalogue=False)
    st = w.state
    got = []
    st.jobFinished.connect(lambda *a: got.append(a))
    st.call("slow", time.sleep, 0.5)
    qtbot.waitUntil(lambda: st.current is not None, timeout=5000)  # the job has started
    st.shutdown()
    assert not st.thread.isRunning()
    qtbot.wait(300)  # the queued result is delivered now, and ignored
    assert got == []
    st.shutdown()  # again (the window's close does): nothing happens


def test_product_sheet_problems_are_shown_in_chinese(qtbot, make_window, settings, tmp_path):
    from imgprep.gui.i18n import install_language

    sheet = tmp_path / "products.csv"
    sheet.write_text("货号,商品名称,长\nA1,杯子,abc\nA1,杯子二,3\n", encoding="utf-8")
    w = make_window(tmp_path / "lib", catalogue=False)
    settings.set("catalogue", str(sheet))
    w.sheet_view.reload()
    english = w.sheet_view.problems.toPlainText()
    assert "A1" in english and "row" in english
    install_language("zh_CN")
    try:
        w.sheet_view.reload()
        chinese = w.sheet_view.problems.toPlainText()
    finally:
        install_language("en")
    assert chinese.count("\n") == english.count("\n") and "row" not in chinese and "行" in chinese, chinese


def test_sku_slates_are_printed_for_the_product_sheet(qtbot, make_window, tmp_path, monkeypatch):
    import numpy as np
    from PIL import Image
    from PySide6.QtWidgets import QFileDialog

    from imgprep.core.imaging.slate import find_sku

    out = tmp_path / "slates"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    w = make_window(tmp_path / "lib")  # the sample product sheet
    assert w.act_slates.shortcut().toString() == "Ctrl+P"
    with qtbot.waitSignal(w.state.jobFinished, timeout=30000):
        w.act_slates.trigger()
    files = sorted(out.glob("slate-*.png"))
    assert [f.name for f in files] == ["slate-BAG-002.png", "slate-MUG-001.png"]
    assert find_sku(np.asarray(Image.open(files[1]).convert("RGB"))) == "MUG-001"
    assert "SKU slates written: 2, in" in w.log.toPlainText()  # no "1 slates"


def test_sku_slates_for_typed_skus_without_a_sheet(qtbot, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QInputDialog

    out = tmp_path / "slates"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("A-1，B-2  bad/sku", True))
    w = make_window(tmp_path / "lib", catalogue=False)
    with qtbot.waitSignal(w.state.jobFinished, timeout=30000):
        w.act_slates.trigger()
    assert sorted(f.name for f in out.iterdir()) == ["slate-A-1.png", "slate-B-2.png"]
    assert "bad/sku" in w.log.toPlainText()


def test_a_camera_folder_dropped_on_the_window_is_named_by_its_slate(qtbot, make_window, tmp_path):
    from tests.app.test_slate import shoot

    shoot(tmp_path / "card" / "100CANON", "MUG-001", n=2, seed=5)
    w = make_window(tmp_path / "lib", catalogue=False)
    renamed = []
    w.state.engineEvent.connect(lambda ev: ev.get("event") == "slate" and renamed.append(
        [(r.sku, r.state, list(w.state.model.progress.get(r.sku) or [])) for r in w.state.model.rows]))
    doc = process_and_wait(qtbot, w, [tmp_path / "card" / "100CANON"])
    assert doc["summary"]["done"] == 2 and doc["summary"]["skipped"] == 1
    # while the job ran, the queued row followed the slate: two frames, four steps
    assert renamed and renamed[0] == [("MUG-001", "queued", [0, 4])]
    qtbot.waitUntil(lambda: [r.sku for r in w.state.model.rows] == ["MUG-001"])
    assert "100CANON: SKU slate of MUG-001" in w.log.toPlainText()
    # a folder no SKU can name is fine with a slate: not refused, and its row ends processed
    # (short of the rule book's five detail pictures: "needs attention", not "done")
    shoot(tmp_path / "card" / "新建文件夹", "BAG-002", n=1, seed=6)
    doc = process_and_wait(qtbot, w, [tmp_path / "card" / "新建文件夹"])
    assert doc["summary"]["done"] == 1 and doc["summary"]["failed"] == 0
    qtbot.waitUntil(lambda: [(r.sku, r.state) for r in w.state.model.rows] == [("BAG-002", "attention"), ("MUG-001", "attention")])
    assert "refused" not in w.log.toPlainText()
