"""One shoot: thumbnails of renditions or originals, a large preview (before/after split
when the shoot has a colour fit), mark the hero, edit a selling-point callout (text and a
draggable anchor, saved to the shoot's callouts.toml), pick the four card corners."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSlider,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..app import services
from .appstate import STATE_COLOURS, AppState
from .canvas import ImageCanvas
from .desktop import open_in_file_manager
from .i18n import engine_text, is_chinese
from .imaging import Background, load_array, to_qimage
from .page_view import PageView

THUMB = 132


class ShootView(QWidget):
    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.sku: str | None = None
        self.frames: list[services.FrameRow] = []
        self.fit: dict[str, Any] | None = None
        self.fits: list[dict[str, Any]] = []
        self.bg = Background(self)
        self._thumbs: dict[str, QPixmap] = {}
        self._array = None

        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 10, 12, 6)
        head = QHBoxLayout()
        self.title = QLabel()
        self.title.setObjectName("viewTitle")
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.subtitle = QLabel()
        self.subtitle.setProperty("role", "muted")
        self.show_rend = QRadioButton(self.tr("Renditions"))
        self.show_orig = QRadioButton(self.tr("Originals"))
        self.show_rend.setChecked(True)
        grp = QButtonGroup(self)
        grp.addButton(self.show_rend)
        grp.addButton(self.show_orig)
        # Renditions ↔ originals keeps the frame in view (toggled's bool is no row number).
        self.show_rend.toggled.connect(lambda _on: self._reload_thumbs(self.list.currentRow()))
        self.again_btn = QPushButton(self.tr("Render again"))
        self.again_btn.setToolTip(self.tr("Render this shoot's frames again with the product sheet as it is now "
                                          "(a late or corrected sheet, an edited callouts.toml)"))
        self.again_btn.clicked.connect(self.render_again)
        self.thumb_size = QSlider(Qt.Orientation.Horizontal)  # thumbnails 80–240 px
        self.thumb_size.setRange(80, 240)
        self.thumb_size.setSingleStep(20)
        self.thumb_size.setPageStep(40)
        self.thumb_size.setValue(THUMB)
        self.thumb_size.setMaximumWidth(120)
        self.thumb_size.setToolTip(self.tr("Thumbnail size"))
        head.addWidget(self.title)
        head.addWidget(self.subtitle, 1)
        head.addWidget(self.again_btn)
        head.addWidget(self.thumb_size)
        head.addWidget(self.show_rend)
        head.addWidget(self.show_orig)
        lay.addLayout(head)
        # Why the shoot is not done (failures, a cancelled run, the rule book), one click
        # from its row in the list.
        self.status = QLabel()
        self.status.setObjectName("shootStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.status)
        state.model.modelReset.connect(self._show_status)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.list = QListWidget()
        self.list.setObjectName("frameList")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.TopToBottom)
        self.list.setWrapping(False)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setSpacing(2)
        self.thumb = THUMB
        self._size_list(THUMB)
        self.thumb_size.valueChanged.connect(self.set_thumb_size)
        self.list.currentRowChanged.connect(self._frame_changed)
        split.addWidget(self.list)
        self.canvas = ImageCanvas()
        self.canvas.anchorMoved.connect(self._anchor_moved)
        self.canvas.cornersChanged.connect(self._corners_changed)
        split.addWidget(self.canvas)

        side = QWidget()
        side.setMinimumWidth(280)
        side.setMaximumWidth(360)
        sl = QVBoxLayout(side)
        sl.setContentsMargins(6, 0, 0, 0)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        sl.addWidget(self.info)
        row = QHBoxLayout()
        self.hero_btn = QPushButton(self.tr("Mark as hero"))
        self.hero_btn.setObjectName("primary")
        self.hero_btn.setToolTip(self.tr("Ctrl+H — the spec panel moves to this frame; names stay"))
        self.hero_btn.clicked.connect(self.mark_hero)
        self.open_btn = QPushButton(self.tr("Show in folder"))
        self.open_btn.setToolTip("Ctrl+E")
        self.open_btn.clicked.connect(self.open_current)
        row.addWidget(self.hero_btn)
        row.addWidget(self.open_btn)
        sl.addLayout(row)

        cg = QGroupBox(self.tr("Selling-point callout"))
        cl = QVBoxLayout(cg)
        self.callout_text = QLineEdit()
        self.callout_text.setMaxLength(200)
        self.callout_text.setPlaceholderText(self.tr("Text of the callout"))
        self.anchor_btn = QPushButton(self.tr("Move the anchor"))
        self.anchor_btn.setCheckable(True)
        self.anchor_btn.toggled.connect(self._anchor_mode)
        self.anchor_label = QLabel()
        self.anchor_label.setProperty("role", "muted")
        self.save_callout_btn = QPushButton(self.tr("Save and re-render"))
        self.save_callout_btn.setToolTip("Ctrl+S")
        self.save_callout_btn.clicked.connect(self.save_callout)
        # Live preview while typing or moving the anchor: the rendition as saving would
        # write it, drawn a moment after the last key (nothing is written until saved).
        self._live = QTimer(self)
        self._live.setSingleShot(True)
        self._live.setInterval(350)
        self._live.timeout.connect(self._preview_callout)
        self.callout_text.textEdited.connect(lambda _text: self._live.start())
        cl.addWidget(self.callout_text)
        cl.addWidget(self.anchor_btn)
        cl.addWidget(self.anchor_label)
        cl.addWidget(self.save_callout_btn)
        sl.addWidget(cg)
        self.callout_group = cg

        kg = QGroupBox(self.tr("Colour"))
        kl = QVBoxLayout(kg)
        self.split_box = QCheckBox(self.tr("Before / after split"))
        self.split_box.toggled.connect(self._show_current)
        self.corners_btn = QPushButton(self.tr("Pick card corners"))
        self.corners_btn.setCheckable(True)
        self.corners_btn.setToolTip(self.tr("Click the outer corners of the card: patch 1 (dark skin) first, then clockwise"))
        self.corners_btn.toggled.connect(self._corner_mode)
        self.fit_btn = QPushButton(self.tr("Measure colour"))
        self.fit_btn.setEnabled(False)
        self.fit_btn.clicked.connect(self.fit_corners)
        self.apply_fit_btn = QPushButton(self.tr("Correct this shoot with it"))
        self.apply_fit_btn.setEnabled(False)
        self.apply_fit_btn.clicked.connect(self.apply_fit)
        self.fit_label = QLabel()
        self.fit_label.setWordWrap(True)
        for w in (self.split_box, self.corners_btn, self.fit_btn, self.fit_label, self.apply_fit_btn):
            kl.addWidget(w)
        sl.addWidget(kg)
        self.busy_label = QLabel()
        self.busy_label.setProperty("role", "muted")
        self.busy_label.setWordWrap(True)
        sl.addWidget(self.busy_label)
        sl.addStretch(1)
        # On a short screen (a laptop) the side panel scrolls rather than growing the window.
        side_scroll = QScrollArea()
        side_scroll.setWidgetResizable(True)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        side_scroll.setWidget(side)
        side_scroll.setMinimumWidth(side.minimumWidth() + 16)
        side_scroll.setMaximumWidth(side.maximumWidth() + 16)
        split.addWidget(side_scroll)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 0)
        split.setSizes([THUMB + 44, 800, 320])
        self.tabs = QTabWidget()
        self.tabs.addTab(split, self.tr("Frames"))
        self.page_view = PageView(state)
        self.tabs.addTab(self.page_view, self.tr("详情页 Description page"))
        self.tabs.currentChanged.connect(
            lambda i: self.page_view.show_sku(self.sku) if self.tabs.widget(i) is self.page_view else None)
        lay.addWidget(self.tabs, 1)

        # Undo (Ctrl+Z): a clicked card corner, else the last hero or callout edit of this
        # shoot (done as a new edit: a new revision, nothing overwritten).
        self._undo: list[tuple[str, Any]] = []
        for key, fn in (("Ctrl+H", self.mark_hero), ("Ctrl+E", self.open_current), ("Ctrl+S", self.save_callout),
                        (QKeySequence.StandardKey.Undo, self.undo)):
            QShortcut(QKeySequence(key), self, fn, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        state.shootsChanged.connect(self._journal_changed)
        self.last_fit_doc: dict[str, Any] | None = None
        self.show_sku(None)

    # ------------------------------------------------------------ data
    def show_sku(self, sku: str | None) -> None:
        if sku != self.sku:
            self._undo.clear()
        self.sku = sku
        self.reload()
        if self.tabs.currentWidget() is self.page_view:
            self.page_view.show_sku(sku)

    def undo(self) -> None:
        if self.canvas.mode == "corners" and self.canvas.corners:
            self.canvas.corners.pop()
            self._corners_changed(list(self.canvas.corners))
            return
        if not self._undo or self.state.busy:
            return
        label, fn = self._undo.pop()
        self.state.message.emit("info", self.tr("Undo: {0}").format(label))
        fn()

    def reload(self, keep_row: int | None = None) -> None:
        lib = self.state.library()
        self.frames = self.state.read(services.shoot_frames, lib, self.sku, default=[]) if (self.sku and lib) else []
        fits = self.state.read(services.colour_fits, lib, self.sku, default=[]) if self.sku and lib else []
        self.fits = fits
        self.fit = fits[-1] if fits else None
        self.title.setText(self.sku or self.tr("No shoot selected"))
        self.again_btn.setEnabled(bool(self.sku and self.frames))
        if self.sku:
            heroes = [f for f in self.frames if f.role == "hero"]
            self.subtitle.setText(self.tr("frames: {0} · hero {1}").format(
                len([f for f in self.frames if f.kind == "product"]), heroes[0].stem if heroes else "–"))
        else:
            self.subtitle.setText(self.tr("Double-click a shoot in the list"))
        self.split_box.setEnabled(self.fit is not None)
        if self.fit is None:
            self.split_box.setChecked(False)
        self._show_status()
        self._reload_thumbs(keep_row)

    def _show_status(self) -> None:
        m = self.state.model
        i = m.sku_row(self.sku) if self.sku else -1
        r = m.row(i) if i >= 0 else None
        if r is None or (r.state == "done" and not r.problems):
            self.status.hide()
            return
        reasons = [html.escape(engine_text(p)) for p in r.reasons]
        shown = reasons[:3] + ([self.tr("… and {0} more").format(len(reasons) - 3)] if len(reasons) > 3 else [])
        colour = STATE_COLOURS.get(r.state, STATE_COLOURS["attention"]).name()
        self.status.setText(f"<b style='color:{colour}'>{html.escape(m.state_text(r))}</b>"
                            + "".join(f"<br/>• {t}" for t in shown))
        self.status.setToolTip("\n".join(engine_text(p) for p in r.reasons))
        self.status.show()

    def _journal_changed(self) -> None:
        """Re-read the journal; rebuild only when this shoot's frames changed, so a refresh
        never interrupts an edit in progress."""
        if not self.sku or self.state.busy:
            return
        lib = self.state.library()
        frames = self.state.read(services.shoot_frames, lib, self.sku, default=None) if lib else []
        if frames is None:  # unreadable just now: keep what is shown
            return
        if frames != self.frames:
            self.reload(self.list.currentRow())

    def set_busy(self, busy: bool) -> None:
        self.busy_label.setText(self.tr("A batch is running: edits wait in the queue until it ends.") if busy else "")

    def _path_of(self, f: services.FrameRow) -> Path | None:
        lib = self.state.library()
        if lib is None:
            return None
        if self.show_rend.isChecked() and f.renditions:
            return lib / f.renditions[0]
        return lib / f.raw

    def _reload_thumbs(self, keep_row: int | None = None) -> None:
        row = keep_row if isinstance(keep_row, int) and keep_row >= 0 else 0
        self.list.blockSignals(True)
        self.list.clear()
        placeholder = QPixmap(self.thumb, self.thumb)
        placeholder.fill(QColor("#e5e7eb"))
        for f in self.frames:
            label = f.stem[len(f.sku) + 1:] if f.stem.startswith(f.sku) else f.stem
            if f.role == "hero":
                label += " ★ " + self.tr("hero")
            elif f.kind == "card":
                label += " · " + self.tr("card")
            if f.companions:  # RAW + JPEG: the shot's two files
                label += " · " + "+".join(Path(p).suffix[1:].upper() for p in [f.raw, *f.companions])
            if f.psd:
                label += " · PSD"
            if f.state == "failed":
                label += " ✗"
            elif f.warnings:
                label += " ⚠"
            it = QListWidgetItem(QIcon(placeholder), label)
            it.setToolTip("\n".join([f"{f.stem} ← {f.source_name}", f.state, *(engine_text(t) for t in [f.reason] if t),
                                     *(engine_text(w) for w in f.warnings)]))
            self.list.addItem(it)
            p = self._path_of(f)
            if p is not None:
                key = f"{p}@{self.thumb}"
                if key in self._thumbs:
                    it.setIcon(QIcon(self._thumbs[key]))
                else:
                    self.bg.run(lambda p=p, s=self.thumb: to_qimage(load_array(p, s * 2)),
                                lambda img, err, key=key, it=it: self._thumb_ready(key, it, img, err))
        self.list.blockSignals(False)
        if self.frames:
            self.list.setCurrentRow(min(row, len(self.frames) - 1))
        else:
            self.canvas.set_image(None)
            self.canvas.message = self.tr("No frames") if self.sku else ""
            self._update_side()

    def _size_list(self, size: int) -> None:
        self.list.setIconSize(QSize(size, size))
        self.list.setGridSize(QSize(size + 24, size + 40))
        self.list.setMinimumWidth(size + 40)
        self.list.setMaximumWidth(size + 60)

    def set_thumb_size(self, size: int) -> None:
        """Thumbnails from 80 to 240 px (the slider above the list)."""
        self.thumb = size
        self._size_list(size)
        self._reload_thumbs(self.list.currentRow())

    def _thumb_ready(self, key: str, it: QListWidgetItem, img, err) -> None:  # noqa: ANN001
        if err is not None or img is None:
            return
        size = int(key.rsplit("@", 1)[1])
        pm = QPixmap.fromImage(img).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.SmoothTransformation)
        canvas = QPixmap(size, size)
        canvas.fill(Qt.GlobalColor.transparent)
        p = QPainter(canvas)
        p.drawPixmap((size - pm.width()) // 2, (size - pm.height()) // 2, pm)
        p.end()
        self._thumbs[key] = canvas
        try:
            it.setIcon(QIcon(canvas))
        except RuntimeError:  # the list was rebuilt meanwhile
            pass

    def current(self) -> services.FrameRow | None:
        i = self.list.currentRow()
        return self.frames[i] if 0 <= i < len(self.frames) else None

    def _frame_changed(self, _row: int) -> None:
        self.corners_btn.setChecked(False)
        self.anchor_btn.setChecked(False)
        self._update_side()
        self._show_current()

    def _update_side(self) -> None:
        f = self.current()
        lib = self.state.library()
        if f is None:
            self.info.setText("")
            for w in (self.hero_btn, self.open_btn, self.callout_group, self.corners_btn):
                w.setEnabled(False)
            return
        role = {"hero": self.tr("hero"), "detail": self.tr("detail"), "card": self.tr("reference card")}[f.role]
        rend = "<br/>".join(Path(r).name for r in f.renditions) or "–"
        esc = html.escape
        self.info.setText(f"<b>{esc(f.stem)}</b> · {role}<br/>" + self.tr("original: {0}").format(esc(f.source_name))
                          + "<br/>" + self.tr("in library: {0}").format(
                              esc(", ".join(Path(p).name for p in [f.raw, *f.companions])))
                          + "<br/>" + self.tr("renditions: {0}").format(esc(rend))
                          + ("<br/>" + self.tr("designer's PSD: {0}").format(esc(Path(f.psd).name)) if f.psd else "")
                          + (f"<br/><span style='color:#c62828'>{html.escape(engine_text(f.reason))}</span>" if f.reason else "")
                          + "".join(f"<br/><span style='color:#b26a00'>⚠ {esc(engine_text(w))}</span>" for w in f.warnings))
        self.hero_btn.setEnabled(f.kind == "product" and f.role != "hero" and f.state == "rendered")
        self.open_btn.setEnabled(lib is not None)
        self.callout_group.setEnabled(f.role == "detail" and f.state == "rendered")
        self.callout_text.setText((f.callout or {}).get("text") or "")
        self._anchor = tuple((f.callout or {}).get("anchor") or ()) or None
        self.anchor_label.setText(self._anchor_text())
        self.corners_btn.setEnabled(services.colour_available())
        if self.last_fit_doc is None:
            self.fit_label.setText(self._fit_text(self.fit["report"]) if self.fit else self.tr("No colour fit for this shoot."))

    def _anchor_text(self) -> str:
        a = getattr(self, "_anchor", None)
        if not a:
            return self.tr("Anchor: automatic (centre of the product)")
        return self.tr("Anchor: {0:.0f} % across, {1:.0f} % down").format(100 * a[0], 100 * a[1])

    def _show_current(self) -> None:
        f = self.current()
        if f is None:
            return
        p = self._path_of(f)
        if self.corners_btn.isChecked() or self.split_box.isChecked():
            p = self.state.library() / f.raw  # type: ignore[operator]
        self.canvas.message = self.tr("Loading…")
        self.canvas.set_image(None)
        # The split shows the correction the written file got: the frame's own fit (a card
        # frame: the fit measured on it), not merely the shoot's latest one.
        own = next((x for x in self.fits if x["id"] == f.fit_id
                    or (f.kind == "card" and x.get("card_source_id") == f.id)), None)
        fit = own["fit"] if (own and self.split_box.isChecked()) else None

        def work():  # noqa: ANN202
            arr, after, gain = services.frame_preview(p, 1600, fit)
            return to_qimage(arr), to_qimage(after) if after is not None else None, gain

        self.bg.run(work, self._preview_ready, channel="preview")

    def _preview_ready(self, result, err) -> None:  # noqa: ANN001
        if err is not None:
            self.canvas.message = str(err)
            self.canvas.set_image(None)
            return
        before, after, gain = result
        self.canvas.message = ""
        self.canvas.labels = (self.tr("before"), self.tr("after"))
        self.canvas.anchor = getattr(self, "_anchor", None)
        self.canvas.set_image(before, after)
        if gain != 1.0:
            self.canvas.message = self.tr("The file uses a small part of its 16-bit range: "
                                          "shown {0:.0f}× brighter").format(gain)
        if self.split_box.isChecked() and after is None:
            self.canvas.message = self.tr("This frame was not colour corrected (no card before it)")
        if self.corners_btn.isChecked():
            self.canvas.message = self._corner_prompt(len(self.canvas.corners))

    # ------------------------------------------------------------ actions
    def _preset(self):  # noqa: ANN202
        return self.state.settings.preset()

    def mark_hero(self) -> None:
        f = self.current()
        if f is None or not self.hero_btn.isEnabled() or self.sku is None:
            return
        lib = self.state.library()
        self.hero_btn.setEnabled(False)
        label = self.tr("Mark {0} as hero").format(f.stem)
        old = next((fr for fr in self.frames if fr.role == "hero"), None)
        if old is not None:
            self._undo.append((label, lambda sku=self.sku, old=old: self.state.call(
                self.tr("Mark {0} as hero").format(old.stem), services.set_hero, lib, sku, old.id, self._preset(),
                on_done=self._rerendered)))
        self.state.call(label, services.set_hero, lib, self.sku, f.id, self._preset(), on_done=self._rerendered)

    def render_again(self) -> None:
        lib = self.state.library()
        if not (self.sku and lib):
            return
        self.state.call(self.tr("Render {0} again").format(self.sku), services.render_again, lib,
                        self.state.settings.get("catalogue") or None, self._preset(), [self.sku],
                        on_done=lambda results: [self._rerendered(r) for r in results])

    def _rerendered(self, res: services.Rerendered) -> None:
        for p in res.problems:
            self.state.message.emit("warning", p)
        if res.written:
            self.state.message.emit("info", self.tr("Rendered again: {0}").format(", ".join(Path(w).name for w in res.written)))
        self._thumbs.clear()
        self.reload(self.list.currentRow())

    def _anchor_mode(self, on: bool) -> None:
        if on:
            self.corners_btn.setChecked(False)
        self.canvas.anchor = getattr(self, "_anchor", None) or (0.5, 0.5)
        self.canvas.set_mode("anchor" if on else "view")

    def _anchor_moved(self, x: float, y: float) -> None:
        self._anchor = (round(x, 4), round(y, 4))
        self.anchor_label.setText(self._anchor_text())
        self._live.start()

    def _preview_callout(self) -> None:
        f, lib, sku = self.current(), self.state.library(), self.sku
        if f is None or f.role != "detail" or f.state != "rendered" or lib is None or sku is None \
                or not self.show_rend.isChecked() or self.split_box.isChecked():
            return
        text, anchor, preset = self.callout_text.text().strip() or None, getattr(self, "_anchor", None), self._preset()
        self.bg.run(lambda: to_qimage(services.preview_callout(lib, sku, f.id, text, anchor, preset)),
                    self._live_ready, channel="preview")

    def _live_ready(self, img, err) -> None:  # noqa: ANN001
        if err is not None or img is None:
            return
        self.canvas.set_image(img)
        self.canvas.message = self.tr("Preview — not saved yet (Ctrl+S saves)")

    def save_callout(self) -> None:
        f = self.current()
        if f is None or f.role != "detail" or self.sku is None:
            return
        text = self.callout_text.text().strip() or None
        anchor = getattr(self, "_anchor", None)
        self.anchor_btn.setChecked(False)
        label, lib, sku = self.tr("Callout of {0}").format(f.stem), self.state.library(), self.sku
        old = f.callout or {}
        self._undo.append((label, lambda: self.state.call(
            label, services.save_callout, lib, sku, f.id, old.get("text"),
            tuple(old["anchor"]) if old.get("anchor") else None, self._preset(), on_done=self._rerendered)))
        self.state.call(label, services.save_callout, lib, sku, f.id, text, anchor, self._preset(),
                        on_done=self._rerendered)

    def _corner_mode(self, on: bool) -> None:
        if on:
            self.anchor_btn.setChecked(False)
            self.split_box.setChecked(False)
        self.canvas.set_mode("corners" if on else "view")
        self.fit_btn.setEnabled(False)
        self._show_current()

    def _corner_prompt(self, done: int) -> str:
        """Which corner to click next, named by the patch beside it (the order matters when
        the colours cannot confirm the card: patch 1 first, then clockwise)."""
        return (self.tr("Click corner 1 of 4: beside patch 1, dark skin (brown) — the wheel zooms"),
                self.tr("Click corner 2 of 4: beside patch 6, bluish green (clockwise from the first)"),
                self.tr("Click corner 3 of 4: beside patch 24, black"),
                self.tr("Click corner 4 of 4: beside patch 19, white"))[done]

    def _corners_changed(self, corners: list) -> None:
        self.fit_btn.setEnabled(len(corners) == 4)
        self.canvas.message = (self._corner_prompt(len(corners)) if len(corners) < 4
                               else self.tr("Four corners set — press “Measure colour”"))
        self.canvas.update()

    def fit_corners(self, corners: list | None = None) -> None:
        f = self.current()
        if f is None or self.sku is None:
            return
        corners = corners or list(self.canvas.corners)
        if len(corners) != 4:
            return
        self.fit_btn.setEnabled(False)
        self.fit_label.setText(self.tr("Measuring…"))
        self.state.call(self.tr("Colour of {0}").format(f.stem), services.fit_from_corners, self.state.library(),
                        self.sku, f.id, corners, self._preset(), on_done=self._fitted)

    def _fit_text(self, doc: dict) -> str:
        if not doc.get("card", {}).get("found") or "summary" not in doc:
            return self.tr("No card found there: {0}").format(engine_text(doc.get("card", {}).get("reason")))
        s = doc["summary"]
        verdict = self.tr("PASS") if s["pass"] else self.tr("FAIL")
        colour = "#2e7d32" if s["pass"] else "#c62828"
        from .colour_view import model_name

        zh = is_chinese() and len(doc.get("warnings_zh") or []) == len(doc.get("warnings") or [])
        warnings = doc.get("warnings_zh" if zh else "warnings") or []
        return (f"<b style='color:{colour}'>{verdict}</b> · " + self.tr("mean ΔE2000 {0:.1f} → {1:.1f}, max {2:.1f}")
                .format(s["before"]["mean"], s["after"]["mean"], s["after"]["max"])
                + f"<br/>{html.escape(model_name(doc.get('model', '')))}"
                + "".join(f"<br/><span style='color:#b26a00'>⚠ {html.escape(w)}</span>" for w in warnings))

    def _fitted(self, doc: dict) -> None:
        self.last_fit_doc = doc
        self.fit_label.setText(self._fit_text(doc))
        self.apply_fit_btn.setEnabled("fit_id" in doc)
        self.corners_btn.setChecked(False)
        if "fit_id" in doc:
            self.reload(self.list.currentRow())
            self.split_box.setChecked(True)
        self.state.refresh()

    def apply_fit(self) -> None:
        if not self.last_fit_doc or "fit_id" not in self.last_fit_doc or self.sku is None:
            return
        self.apply_fit_btn.setEnabled(False)
        self.state.call(self.tr("Correct {0}").format(self.sku), services.apply_fit_to_shoot, self.state.library(),
                        self.sku, self.last_fit_doc["fit_id"], self._preset(), on_done=self._rerendered)

    def open_current(self) -> None:
        f = self.current()
        p = self._path_of(f) if f else None
        if p is not None:
            open_in_file_manager(p, self.state)
