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
