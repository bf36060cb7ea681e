"""The presets table shows the bundled renditions' names in the UI's language and gives
the preset its identifiers back (a name the designer types is taken as typed)."""

from __future__ import annotations


def test_rendition_names_are_shown_translated_and_read_back_as_identifiers(qtbot):
    from imgprep.core.presets import load_preset
    from imgprep.gui.i18n import install_language
    from imgprep.gui.settings import PresetEditor

    install_language("zh_CN")
    try:
        ed = PresetEditor(load_preset("taobao-710"))
        qtbot.addWidget(ed)
        shown = [ed.table.item(i, 0).text() for i in range(ed.table.rowCount())]
        assert "hero" not in shown and "detail" not in shown
        assert [r.name for r in ed.value().renditions] == ["hero", "detail"]
        ed.table.item(1, 0).setText("细节750")
        assert [r.name for r in ed.value().renditions] == ["hero", "细节750"]
    finally:
        install_language("en")
