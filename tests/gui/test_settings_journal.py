"""Issue 14: the server journal in the app's settings — a setting of the library."""

from __future__ import annotations

from imgprep.core.journal import Journal, read_library_config


def test_the_server_journal_is_set_in_the_settings_and_kept_with_the_library(qtbot, settings, tmp_path, pg_url):
    from imgprep.gui.i18n import install_language
    from imgprep.gui.settings import SettingsDialog

    install_language("en")
    lib = tmp_path / "lib"
    lib.mkdir()
    settings.set("library", str(lib))
    dlg = SettingsDialog(settings)
    qtbot.addWidget(dlg)
    assert dlg.journal.text() == ""
    dlg.journal.setText("mysql://nope")  # not a server journal: said, and the dialog stays
    dlg.accept()
    assert dlg.result() == 0 and "not a server journal" in dlg.journal_msg.text()
    dlg.journal.setText(pg_url)
    dlg.accept()
    assert dlg.result() == 1
    assert read_library_config(lib)["journal"] == pg_url  # every station finds it there
    with Journal(lib) as j:
        assert j.backend == "postgresql"
    again = SettingsDialog(settings)
    qtbot.addWidget(again)
    assert again.journal.text() == pg_url


def test_a_library_with_its_own_journal_must_be_migrated_first(qtbot, settings, tmp_path, pg_url):
    from imgprep.gui.i18n import install_language
    from imgprep.gui.settings import SettingsDialog

    install_language("zh_CN")
    lib = tmp_path / "lib"
    Journal(lib).close()
    settings.set("library", str(lib))
    settings.set("language", "zh_CN")
    dlg = SettingsDialog(settings)
    qtbot.addWidget(dlg)
    assert dlg.journal_msg.text().startswith("多台电脑共用一个图库")
    dlg.journal.setText(pg_url)
    dlg.accept()
    assert dlg.result() == 0 and "单机日志" in dlg.journal_msg.text()
    assert "journal" not in read_library_config(lib)
    install_language("en")


def test_the_window_shows_the_other_stations_and_their_changes(qtbot, make_window, tmp_path, pg_url, monkeypatch):
    """Another station's work appears without a click: its activity in the status bar, its
    new shoot in the list (polled; the delay is measured)."""
    import time

    from imgprep.core.journal import use_journal
    from imgprep.gui import appstate

    monkeypatch.setattr(appstate, "REMOTE_POLL_MS", 200)
    monkeypatch.setenv("IMGPREP_STATION", "here")
    lib = tmp_path / "lib"
    use_journal(lib, pg_url)
    Journal(lib).close()
    w = make_window(lib, catalogue=False)
    other = Journal(lib)  # another station, alive while its connection is open
    try:
        other.set_activity("W9", "batch", sku="Q77", detail="3 frame(s): Q77")
        with other.tx():
            other.ensure_shoot("Q77")
            other.reserve(sku="Q77", kind="product", seq=1, source_path="/s/q.jpg", size=1, mtime_ns=1,
                          sha256="c" * 64, capture_time=None, role="hero", raw_path="Q77/raw/Q77-01.jpg")
        t = time.monotonic()
        qtbot.waitUntil(lambda: "Q77" in [r.sku for r in w.state.model.rows], timeout=10000)
        delay = time.monotonic() - t
        qtbot.waitUntil(lambda: "W9 processing Q77" in w.status_label.text(), timeout=5000)
        print(f"another station's shoot listed after {delay:.2f} s (poll every 0.2 s)")
        assert delay < 3
    finally:
        other.close()
    qtbot.waitUntil(lambda: "W9" not in w.status_label.text(), timeout=10000)  # gone with its connection
