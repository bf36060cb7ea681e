"""Issue 16, acceptance 7 (the app's part): in the zh_CN UI no English word is left in
any widget's visible text — labels, buttons, tabs, headers, list and table cells,
tooltips, placeholders — outside proper names and units (ΔE2000, JPEG, SKU …), file
names, paths and values the user typed (SKUs, preset names)."""

from __future__ import annotations

import re

from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QListWidget, QTabWidget, QWidget

ALLOWED = {"ΔE2000", "ΔE", "JPEG", "SKU", "HTML", "PSD", "RAW", "ColorChecker", "imgprep", "px", "Ctrl", "KB",
           "MB", "cm", "ml", "sRGB", "ICC", "QR", "CSV", "XLSX", "PNG", "TIFF", "WebP", "English", "MP", "mm",
           "toml",
           # proper names: the platforms (as their sellers write them) and the database server
           "Taobao", "Tmall", "JD", "Pinduoduo", "PostgreSQL"}
# Paths, file names, colours, markup, command-line options and identifiers (SKUs, preset
# names such as taobao-710): values, not prose.
VALUES = re.compile(r"\S*[/\\]\S*|\S+\.(?:jpg|png|csv|toml|html|sqlite|psd|xlsx?)\b|#[0-9A-Fa-f]{6}|<[^>]+>|&\w+;"
                    r"|--[\w-]+|\b[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+\b")


def english_words(text: str) -> set[str]:
    text = VALUES.sub(" ", text)
    return {w for w in re.findall(r"[A-Za-z][A-Za-z]+", text) if w not in ALLOWED}


def visible_texts(root: QWidget):
    for w in [root, *root.findChildren(QWidget)]:
        for attr in ("text", "title", "windowTitle", "placeholderText", "toolTip", "specialValueText"):
            f = getattr(w, attr, None)
            if callable(f):
                try:
                    t = f()
                except TypeError:
                    continue
                if isinstance(t, str):
                    yield w, t
        if isinstance(w, QTabWidget):
            yield from ((w, w.tabText(i)) for i in range(w.count()))
        if isinstance(w, QComboBox):
            yield from ((w, w.itemText(i)) for i in range(w.count()))
        if isinstance(w, QListWidget):
            yield from ((w, w.item(i).text()) for i in range(w.count()))
        if isinstance(w, QAbstractItemView) and isinstance(w.model(), QAbstractItemModel):
            m = w.model()
            try:
                cols, rows = m.columnCount(QModelIndex()), m.rowCount(QModelIndex())
            except TypeError:  # Qt's internal models (a combo box's popup …)
                continue
            for c in range(cols):
                yield w, str(m.headerData(c, Qt.Orientation.Horizontal) or "")
                for r in range(rows):
                    if m.flags(m.index(r, c)) & Qt.ItemFlag.ItemIsEditable:
                        continue  # what the user types (a rendition's name) is a value
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                        v = m.data(m.index(r, c), role)
                        if isinstance(v, str):
                            yield w, v


def test_no_english_in_the_chinese_ui(qtbot, make_window, shoots, tmp_path, run_cli):
    from imgprep.gui.i18n import install_language
    from imgprep.gui.settings import SettingsDialog

    from .conftest import SAMPLE

    lib = tmp_path / "lib"
    run_cli("batch", shoots / "MUG-001", shoots / "BAG-002", "--library", lib, "--catalogue",
            SAMPLE / "products.csv", "--workers", "0")
    install_language("zh_CN")
    try:
        w = make_window(lib)
        qtbot.waitUntil(lambda: w.state.model.rowCount() == 2)
        found: dict[str, set[str]] = {}
        roots = [w]
        for sku in ("MUG-001", "BAG-002"):
            w.show_shoot(sku)
            w.colour_view.show_sku(sku)
            w.sheet_view.reload()
            d = SettingsDialog(w.state.settings, w)
            qtbot.addWidget(d)
            roots.append(d)
            for root in roots:
                for widget, text in visible_texts(root):
                    words = english_words(text)
                    if words:
                        found[f"{type(widget).__name__}: {text[:80]!r}"] = words
        assert not found, "\n".join(f"{k} {sorted(v)}" for k, v in found.items())
    finally:
        install_language("en")


def test_qts_own_dialogs_speak_chinese(qtbot, make_window, tmp_path):
    """Qt's own dialogs and buttons (the file dialog's "Look in:", "Files of type:",
    Cancel) come from Qt's translations, loaded with the UI's language."""
    from PySide6.QtCore import QCoreApplication

    from imgprep.gui.i18n import install_language

    install_language("zh_CN")
    try:
        for ctx, text in (("QFileDialog", "Look in:"), ("QFileDialog", "Files of type:"),
                          ("QPlatformTheme", "Cancel")):
            got = QCoreApplication.translate(ctx, text)
            assert got != text and not english_words(got), (text, got)
    finally:
        install_language("en")
