"""Settings: folders, preset (with an editor for watermark, spec panel and renditions and a
live watermark preview), language. Stored with QSettings; problems shown inline."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..app import services, stations
from ..core.errors import ImgprepError
from ..core.presets import ANCHORS, Preset, Rendition, Watermark, load_preset, presets_dir
from .appstate import AppSettings
from .i18n import LANGUAGES, engine_text, resolve

PANEL_FIELDS = ("name", "sku", "colour", "fabric", "size", "dimensions", "description")


@lru_cache(maxsize=1)
def _sample_image():
    """A product photo to preview the watermark on (the bundled sample, else a gradient)."""
    from PIL import Image

    from ..core.fonts import assets_dir

    p = assets_dir() / "sample" / "shoots" / "MUG-001" / "DSC_0101.jpg"
    try:
        im = Image.open(p).convert("RGB")
        im.draft("RGB", (720, 540))
        return im.resize((480, round(480 * im.height / im.width)))
    except OSError:
        return Image.linear_gradient("L").convert("RGB").resize((480, 360))


def pil_to_qimage(im) -> QImage:  # noqa: ANN001
    im = im.convert("RGB")
    data = im.tobytes()
    q = QImage(data, im.width, im.height, 3 * im.width, QImage.Format.Format_RGB888)
    return q.copy()


class PathField(QWidget):
    changed = Signal()

    def __init__(self, mode: str, caption: str, filter_: str = ""):
        super().__init__()
        self.mode, self.caption, self.filter = mode, caption, filter_
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setClearButtonEnabled(True)
        self.edit.textChanged.connect(self.changed)
        self.browse = QPushButton(self.tr("Browse…"))
        self.browse.clicked.connect(self._browse)
        self.msg = QLabel()
        self.msg.setProperty("role", "error")
        self.msg.setWordWrap(True)
        self.msg.setVisible(False)
        lay.addWidget(self.edit, 0, 0)
        lay.addWidget(self.browse, 0, 1)
        lay.addWidget(self.msg, 1, 0, 1, 2)

    def _browse(self) -> None:
        start = self.edit.text() or str(Path.home())
        if self.mode == "dir":
            p = QFileDialog.getExistingDirectory(self, self.caption, start)
        else:
            p, _ = QFileDialog.getOpenFileName(self, self.caption, start, self.filter)
        if p:
            self.edit.setText(p)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_message(self, text: str | None) -> None:
        self.msg.setText(text or "")
        self.msg.setVisible(bool(text))


class PresetEditor(QWidget):
    """Edits a Preset value: watermark (live preview), spec panel, renditions."""

    def __init__(self, preset: Preset):
        super().__init__()
        self.base = preset
        lay = QHBoxLayout(self)
        left = QVBoxLayout()
        wm = QGroupBox(self.tr("Watermark"))
        f = QFormLayout(wm)
        w = preset.watermark
        self.wm_enabled = QCheckBox(self.tr("Put a watermark on every rendition"))
        self.wm_enabled.setChecked(w.enabled)
        self.wm_text = QLineEdit(w.text)
        self.wm_anchor = QComboBox()
        for a in ANCHORS + ("tiled",):
            self.wm_anchor.addItem(self._anchor_name(a), a)
        self.wm_anchor.setCurrentIndex(max(0, self.wm_anchor.findData(w.anchor)))
        self.wm_opacity = self._dspin(0.05, 1, 0.05, w.opacity)
        self.wm_scale = self._dspin(0.02, 1, 0.01, w.scale)
        self.wm_margin = self._dspin(0, 0.3, 0.005, w.margin)
        self.wm_colour = QPushButton(w.colour)
        self.wm_colour.clicked.connect(self._pick_colour)
        f.addRow(self.wm_enabled)
        f.addRow(self.tr("Text"), self.wm_text)
        f.addRow(self.tr("Position"), self.wm_anchor)
        f.addRow(self.tr("Opacity"), self.wm_opacity)
        f.addRow(self.tr("Width (fraction of image)"), self.wm_scale)
        f.addRow(self.tr("Margin"), self.wm_margin)
        f.addRow(self.tr("Colour"), self.wm_colour)
        left.addWidget(wm)

        pn = QGroupBox(self.tr("Spec panel on the hero"))
        g = QGridLayout(pn)
        self.fields: dict[str, QCheckBox] = {}
        names = {"name": self.tr("Name"), "sku": self.tr("SKU"), "colour": self.tr("Colour"),
                 "fabric": self.tr("Fabric"), "size": self.tr("Size"), "dimensions": self.tr("Dimensions"),
                 "description": self.tr("Description")}
        for i, k in enumerate(PANEL_FIELDS):
            cb = QCheckBox(names[k])
            cb.setChecked(k in preset.panel.fields)
            self.fields[k] = cb
            g.addWidget(cb, i // 4, i % 4)
        self.panel_lang = QComboBox()
        self.panel_lang.addItem(self.tr("Chinese labels"), "zh")
        self.panel_lang.addItem(self.tr("English labels"), "en")
        self.panel_lang.setCurrentIndex(max(0, self.panel_lang.findData(preset.panel.language)))
        self.panel_place = QComboBox()
        self.panel_place.addItem(self.tr("Below the photo"), "below")
        self.panel_place.addItem(self.tr("Band over the photo"), "band")
        self.panel_place.setCurrentIndex(max(0, self.panel_place.findData(preset.panel.place)))
        g.addWidget(self.panel_lang, 2, 0, 1, 2)
        g.addWidget(self.panel_place, 2, 2, 1, 2)
        left.addWidget(pn)

        rd = QGroupBox(self.tr("Renditions"))
        rl = QVBoxLayout(rd)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([self.tr("Name"), self.tr("For"), self.tr("Width px"),
                                              self.tr("Quality"), self.tr("File suffix")])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        for r in preset.renditions:
            self._add_row(r)
        self.table.itemChanged.connect(lambda *_: self.changed())
        rl.addWidget(self.table)
        left.addWidget(rd)
        lay.addLayout(left, 3)

        right = QVBoxLayout()
        right.addWidget(QLabel(self.tr("Preview")))
        self.preview = QLabel()
        self.preview.setObjectName("wmPreview")
        self.preview.setMinimumSize(480, 360)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        right.addWidget(self.preview)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        right.addWidget(self.error)
        right.addStretch(1)
        lay.addLayout(right, 2)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.update_preview)
        for sig in (self.wm_enabled.toggled, self.wm_text.textChanged, self.wm_anchor.currentIndexChanged,
                    self.wm_opacity.valueChanged, self.wm_scale.valueChanged, self.wm_margin.valueChanged,
                    self.panel_lang.currentIndexChanged, self.panel_place.currentIndexChanged):
            sig.connect(self.changed)
        for cb in self.fields.values():
            cb.toggled.connect(self.changed)
        self.update_preview()

    def _anchor_name(self, a: str) -> str:
        return {"top-left": self.tr("top left"), "top": self.tr("top"), "top-right": self.tr("top right"),
                "left": self.tr("left"), "center": self.tr("centre"), "right": self.tr("right"),
                "bottom-left": self.tr("bottom left"), "bottom": self.tr("bottom"),
                "bottom-right": self.tr("bottom right"), "tiled": self.tr("tiled")}[a]

    def _dspin(self, lo: float, hi: float, step: float, v: float) -> QDoubleSpinBox:
        s = QDoubleSpinBox()
        s.setRange(lo, hi)
        s.setSingleStep(step)
        s.setDecimals(3)
        s.setValue(v)
        return s

    def _add_row(self, r: Rendition) -> None:
        i = self.table.rowCount()
        self.table.insertRow(i)
        names = {"hero": self.tr("hero"), "detail": self.tr("details")}
        roles = " + ".join(names.get(x, x) for x in r.roles)  # shown only, never read back
        size = str(r.width) if r.fit == "width" else f"{r.box[0]}x{r.box[1]}" if r.box else ""
        for c, v in enumerate((self._rendition_label(r.name), roles, size, str(r.quality), r.suffix)):
            it = QTableWidgetItem(v)
            if c == 0:
                it.setData(Qt.ItemDataRole.UserRole, r.name)  # the preset's identifier
            if c == 1:
                it.setFlags(it.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(i, c, it)

    def _rendition_label(self, name: str) -> str:
        """The bundled presets' rendition names in the UI's language; others as written."""
        return {"hero": self.tr("hero"), "detail": self.tr("details"), "main": self.tr("main image")}.get(name, name)

    def _rendition_name(self, row: int) -> str:
        """The identifier back from the table: unchanged unless the designer typed a new one."""
        item = self.table.item(row, 0)
        text, ident = item.text().strip(), item.data(Qt.ItemDataRole.UserRole)
        return ident if ident and text == self._rendition_label(ident) else text

    def _pick_colour(self) -> None:
        c = QColorDialog.getColor(QColor(self.wm_colour.text()), self, self.tr("Watermark colour"))
        if c.isValid():
            self.wm_colour.setText(c.name().upper())
            self.changed()

    def changed(self) -> None:
        self._timer.start()

    def value(self) -> Preset:
        """The edited preset; raises ImgprepError (with the key and a hint) when invalid."""
        p = self.base
        wm = dataclasses.replace(p.watermark, enabled=self.wm_enabled.isChecked(), text=self.wm_text.text(),
                                 anchor=self.wm_anchor.currentData(), opacity=self.wm_opacity.value(),
                                 scale=self.wm_scale.value(), margin=self.wm_margin.value(),
                                 colour=self.wm_colour.text())
        panel = dataclasses.replace(p.panel, fields=tuple(k for k in PANEL_FIELDS if self.fields[k].isChecked()),
                                    language=self.panel_lang.currentData(), place=self.panel_place.currentData())
        rends = []
        for i, r in enumerate(p.renditions):
            name = self._rendition_name(i)
            size = self.table.item(i, 2).text().strip().lower()
            try:
                q = int(self.table.item(i, 3).text())
                if r.fit == "width":
                    r2 = dataclasses.replace(r, width=int(size))
                else:
                    bw, bh = (int(x) for x in size.split("x"))
                    r2 = dataclasses.replace(r, box=(bw, bh))
            except ValueError:
                raise ImgprepError(self.tr("rendition {0}: width and quality must be whole numbers").format(i + 1)) from None
            rends.append(dataclasses.replace(r2, name=name, quality=q, suffix=self.table.item(i, 4).text().strip()))
        new = dataclasses.replace(p, watermark=wm, panel=panel, renditions=tuple(rends))
        # Validate through the same parser the engine uses: one place decides what is valid.
        services.check_preset_text(services.preset_to_toml(new), Path(p.source or "preset.toml"))
        return new

    def update_preview(self) -> None:
        from ..core.imaging.watermark import apply_watermark

        try:
            p = self.value()
            self.error.setText("")
        except ImgprepError as e:
            self.error.setText(str(e))
            return
        img = _sample_image().copy()
        if p.watermark.enabled:
            img = apply_watermark(img, p.watermark)
        self.preview.setPixmap(QPixmap.fromImage(pil_to_qimage(img)))


class SettingsDialog(QDialog):
    languageChanged = Signal(str)

    def __init__(self, settings: AppSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(self.tr("Settings"))
        self.resize(980, 640)
        lay = QVBoxLayout(self)
        self.tabs = QTabWidget()
        lay.addWidget(self.tabs)

        gen = QWidget()
        f = QFormLayout(gen)
        f.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.library = PathField("dir", self.tr("Library folder"))
        self.drop = PathField("dir", self.tr("Drop folder"))
        self.backup = PathField("dir", self.tr("Backup folder"))
        self.catalogue = PathField("file", self.tr("Product sheet"), self.tr("Product sheets (*.csv *.xlsx *.xlsm *.xls *.txt)"))
        for w, k in ((self.library, "library"), (self.drop, "drop"), (self.backup, "backup"),
                     (self.catalogue, "catalogue")):
            w.edit.setText(settings.get(k))
            w.changed.connect(self.validate)
        self.workers = QSpinBox()
        self.workers.setRange(0, 64)
        self.workers.setSpecialValueText(self.tr("automatic"))
        self.workers.setValue(int(settings.get("workers", "0") or 0))
        self.language = QComboBox()
        names = {"zh_CN": "简体中文", "en": "English"}  # each in its own language
        for code, name in zip(LANGUAGES, (self.tr("System ({0})").format(names[resolve("system")]), names["zh_CN"],
                                          names["en"]), strict=True):
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        self.language.currentIndexChanged.connect(self._language)
        f.addRow(self.tr("Library folder *"), self.library)
        f.addRow(QLabel(self.tr("Originals and renditions are kept here; the journal too.")))
        f.addRow(self.tr("Drop folder"), self.drop)
        f.addRow(self.tr("Backup folder"), self.backup)
        self.journal = QLineEdit(self._server_journal())
        self.journal.setPlaceholderText("postgresql://user@server/database")
        self._journal_was = self.journal.text()
        self.journal_msg = QLabel(self.tr("Several stations on one library: the journal on a PostgreSQL server. "
                                          "Kept with the library, so every station finds it; the password goes in "
                                          "~/.pgpass. Empty: the library's own journal (one station)."))
        self.journal_msg.setWordWrap(True)
        f.addRow(self.tr("Server journal"), self.journal)
        f.addRow(self.journal_msg)
        f.addRow(self.tr("Product sheet"), self.catalogue)
        f.addRow(self.tr("Worker processes"), self.workers)
        f.addRow(self.tr("Language"), self.language)
        self.tabs.addTab(gen, self.tr("General"))

        pre = QWidget()
        pl = QVBoxLayout(pre)
        row = QHBoxLayout()
        self.preset = QComboBox()
        self._fill_presets()
        self.preset.currentIndexChanged.connect(self._preset_chosen)
        self.preset_msg = QLabel()
        self.preset_msg.setProperty("role", "error")
        save = QPushButton(self.tr("Save as my preset…"))
        save.clicked.connect(self._save_preset)
        row.addWidget(QLabel(self.tr("Preset")))
        row.addWidget(self.preset, 1)
        row.addWidget(save)
        pl.addLayout(row)
        pl.addWidget(self.preset_msg)
        self.editor_holder = QVBoxLayout()
        pl.addLayout(self.editor_holder, 1)
        self.editor: PresetEditor | None = None
        self._preset_chosen()
        self.tabs.addTab(pre, self.tr("Preset"))

        bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        self.ok_button = bb.button(QDialogButtonBox.StandardButton.Ok)
        lay.addWidget(bb)
        self.validate()

    def _server_journal(self) -> str:
        lib = self.settings.get("library")
        try:
            return (stations.server_journal(lib) or "") if lib else ""
        except ImgprepError:
            return ""

    def _save_journal(self, library: str) -> bool:
        """The server journal, a setting of the library (app.stations): checked now (the
        server answers, the library has no SQLite journal to migrate first)."""
        url = self.journal.text().strip()
        if url == self._journal_was or not library:
            return True
        try:
            stations.set_server_journal(library, url or None)
        except (ImgprepError, ConnectionError) as e:
            self.tabs.setCurrentIndex(0)
            self.journal_msg.setProperty("role", "error")
            self.journal_msg.setText(engine_text(getattr(e, "why", None) or str(e).splitlines()[0],
                                                 resolve(self.settings.language)))
            return False
        return True

    def _fill_presets(self) -> None:
        self.preset.clear()
        current = self.settings.get("preset")
        for p in sorted(presets_dir().glob("*.toml")):
            self.preset.addItem(self.tr("{0} (built in)").format(p.stem), p.stem)
        ud = self.settings.user_presets_dir()
        if ud.is_dir():
            for p in sorted(ud.glob("*.toml")):
                self.preset.addItem(p.stem, str(p))
        if current and self.preset.findData(current) < 0:
            self.preset.addItem(Path(current).stem, current)
        self.preset.setCurrentIndex(max(0, self.preset.findData(current or "taobao-710")))

    def _preset_chosen(self) -> None:
        spec = self.preset.currentData()
        try:
            p = load_preset(spec)
            self.preset_msg.setText("")
        except ImgprepError as e:
            self.preset_msg.setText(str(e))
            return
        if self.editor is not None:
            self.editor.setParent(None)
            self.editor.deleteLater()
        self.editor = PresetEditor(p)
        self.editor_holder.addWidget(self.editor)

    def _save_preset(self) -> None:
        assert self.editor is not None
        try:
            p = self.editor.value()
        except ImgprepError as e:
            self.preset_msg.setText(str(e))
            return
        name, ok = QInputDialog.getText(self, self.tr("Save preset"), self.tr("Name (letters, digits, - and _):"),
                                        text=f"{p.name}-mine")
        if not ok or not name.strip():
            return
        path = services.save_preset(dataclasses.replace(p, name=name.strip()), self.settings.user_presets_dir())
        self.settings.set("preset", str(path))
        self._fill_presets()

    def _language(self) -> None:
        code = self.language.currentData()
        self.settings.set("language", code)
        self.languageChanged.emit(code)

    def values(self) -> dict[str, str]:
        return {"library": self.library.text(), "drop": self.drop.text(), "backup": self.backup.text(),
                "catalogue": self.catalogue.text(), "preset": self.preset.currentData() or ""}

    def validate(self) -> dict[str, str]:
        v = self.values()
        probs = services.validate_settings(v["library"], v["drop"], v["backup"], v["preset"], v["catalogue"])
        text = {
            ("library", "missing"): self.tr("Required: where imgprep keeps the photos."),
            ("library", "not-a-folder"): self.tr("This is a file, not a folder."),
            ("library", "not-empty"): self.tr("This folder holds other files. Choose an empty folder or an existing imgprep library."),
            ("library", "parent-missing"): self.tr("The folder above it does not exist."),
            ("drop", "not-a-folder"): self.tr("No such folder."),
            ("drop", "same-as-library"): self.tr("Must not be the library itself."),
            ("backup", "unreachable"): self.tr("Not reachable (is the share mounted?). Copies will wait."),
            ("backup", "same-as-library"): self.tr("Must be another disk or computer, not the library."),
            ("catalogue", "not-a-file"): self.tr("No such file."),
        }
        for key, w in (("library", self.library), ("drop", self.drop), ("backup", self.backup),
                       ("catalogue", self.catalogue)):
            code = probs.get(key)
            w.set_message(text.get((key, code), code) if code else None)
        if "preset" in probs:
            self.preset_msg.setText(probs["preset"])
        if hasattr(self, "ok_button"):
            self.ok_button.setEnabled("library" not in probs or probs["library"] == "missing")
        return probs

    def accept(self) -> None:
        v = self.values()
        if self.editor is not None:
            try:
                edited = self.editor.value()
            except ImgprepError as e:
                self.tabs.setCurrentIndex(1)
                self.preset_msg.setText(str(e))
                return
            if services.preset_to_toml(edited) != services.preset_to_toml(self.editor.base):
                name = f"{edited.name}-edited"
                path = services.save_preset(dataclasses.replace(edited, name=name), self.settings.user_presets_dir())
                v["preset"] = str(path)
        if not self._save_journal(v["library"]):
            return
        for k, val in v.items():
            self.settings.set(k, val)
        self.settings.set("workers", self.workers.value())
        super().accept()


__all__ = ["SettingsDialog", "PresetEditor", "Watermark"]
