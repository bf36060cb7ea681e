"""The listing tab (上架): one shoot's main-image set in the order the designer drags it
into, the white-background image (白底图) as the export will cut it, brush corrections
(keep / remove) on the frame it is cut from, and the export to a platform's upload folder.

The choices are the SKU's ``listing.json`` (``app.export``): saved on every change, read
by every export, on any station."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ..app import export as listing
from ..core.platforms import Platform, list_platforms
from .appstate import AppState
from .canvas import dark_painter
from .i18n import engine_text
from .imaging import Background, load_array, to_qimage

THUMB = 116
DEFAULT_PLATFORM = "taobao"  # the rule book's platform
KEEP, REMOVE = QColor(46, 160, 67, 110), QColor(229, 57, 53, 110)


class BrushCanvas(QWidget):
    """The frame the white image is cut from, with the strokes drawn over it. The left
    button paints with the chosen brush; each press-drag-release is one undo step."""

    strokesChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(300, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.image: QImage | None = None
        self.kind = "remove"
        self.radius = 0.02                     # fraction of the frame's width
        self.strokes: list[listing.Stroke] = []
        self._history: list[list[listing.Stroke]] = []   # the strokes before each change (undo)
        self._painting = False

    def set_image(self, img: QImage | None, strokes: list[listing.Stroke]) -> None:
        self.image, self.strokes, self._history = img, list(strokes), []
        self.update()

    def image_rect(self) -> QRectF:
        if self.image is None or self.image.isNull():
            return QRectF()
        w, h = self.image.width(), self.image.height()
        s = min((self.width() - 8) / w, (self.height() - 8) / h)
        return QRectF((self.width() - w * s) / 2, (self.height() - h * s) / 2, w * s, h * s)

    def _frac(self, p: QPointF) -> tuple[float, float] | None:
        r = self.image_rect()
        if r.isNull() or not r.contains(p):
            return None
        # x and y both as fractions of the width (strokes are round in the frame)
        return (p.x() - r.x()) / r.width(), (p.y() - r.y()) / r.width()

    def undo(self) -> bool:
        if not self._history:
            return False
        self.strokes = self._history.pop()
        self.update()
        self.strokesChanged.emit()
        return True

    def clear(self) -> None:
        if self.strokes:
            self._history.append(list(self.strokes))
            self.strokes = []
            self.update()
            self.strokesChanged.emit()

    def paintEvent(self, e) -> None:  # noqa: ANN001
        p = dark_painter(self)
        r = self.image_rect()
        if r.isNull():
            return
        p.drawImage(r, self.image)
        p.setPen(Qt.PenStyle.NoPen)
        for kind, x, y, rad in self.strokes:
            p.setBrush(KEEP if kind == "keep" else REMOVE)
            p.drawEllipse(QPointF(r.x() + x * r.width(), r.y() + y * r.width()), rad * r.width(), rad * r.width())

    def _paint_at(self, pos: QPointF) -> None:
        f = self._frac(pos)
        if f is not None:
            self.strokes.append((self.kind, round(f[0], 4), round(f[1], 4), self.radius))
            self.update()

    def mousePressEvent(self, e) -> None:  # noqa: ANN001
        if e.button() == Qt.MouseButton.LeftButton and self.image is not None:
            self._painting = True
            self._history.append(list(self.strokes))
            self._paint_at(e.position())

    def mouseMoveEvent(self, e) -> None:  # noqa: ANN001
        if self._painting:
            self._paint_at(e.position())

    def mouseReleaseEvent(self, e) -> None:  # noqa: ANN001
        if self._painting:
            self._painting = False
            if self._history and self._history[-1] == self.strokes:
                self._history.pop()  # a click outside the image: nothing to undo
            else:
                self.strokesChanged.emit()


class ListingView(QWidget):
    exported = Signal(object)   # the export's JSON document

    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.sku: str | None = None
        self.frames: list[listing.ListingFrame] = []
        self.choices = listing.ListingChoices()
        self.platforms: list[Platform] = list_platforms()
        self.bg = Background(self)
        self._pending = False
        self._white_pm: QPixmap | None = None

        # everything in a scroll area: on a 1280 × 720 laptop the tab scrolls, never clips
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        content = QWidget()
        content.setMinimumHeight(560)
        scroll.setWidget(content)
        outer.addWidget(scroll)
        lay = QVBoxLayout(content)
        lay.setContentsMargins(12, 10, 12, 6)
        head = QHBoxLayout()
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.platform = QComboBox()
        for p in self.platforms:
            self.platform.addItem(p.title, p.name)
        self.platform.setCurrentIndex(max(0, self.platform.findData(DEFAULT_PLATFORM)))
        self.platform.currentIndexChanged.connect(self._relabel)
        self.export_btn = QPushButton()
        self.export_btn.setObjectName("primary")
        self.export_btn.clicked.connect(self.choose_and_export)
        self.platform_label = QLabel()
        head.addWidget(self.title, 1)
        head.addWidget(self.platform_label)
        head.addWidget(self.platform)
        head.addWidget(self.export_btn)
        lay.addLayout(head)
        self.hint = QLabel()
        self.hint.setProperty("role", "muted")
        self.hint.setWordWrap(True)
        lay.addWidget(self.hint)

        self.list = QListWidget()
        self.list.setObjectName("mainImageList")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 20, THUMB + 38))
        self.list.setFixedHeight(THUMB + 58)
        self.list.setMovement(QListView.Movement.Snap)
        self.list.setDragDropMode(QListWidget.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.model().rowsMoved.connect(self._order_changed)
        self.list.currentRowChanged.connect(lambda _row: self._sync_buttons())
        lay.addWidget(self.list)

        body = QHBoxLayout()
        left = QVBoxLayout()
        tools = QHBoxLayout()
        self.keep = QRadioButton()
        self.remove = QRadioButton()
        self.remove.setChecked(True)
        grp = QButtonGroup(self)
        grp.addButton(self.keep)
        grp.addButton(self.remove)
        self.keep.toggled.connect(self._brush_kind)
        self.size = QSlider(Qt.Orientation.Horizontal)
        self.size.setRange(4, 80)              # thousandths of the frame's width
        self.size.setValue(20)
        self.size.setMaximumWidth(140)
        self.size.valueChanged.connect(lambda v: setattr(self.canvas, "radius", v / 1000))
        self.undo_btn = QPushButton()
        self.undo_btn.clicked.connect(self.undo)
        self.clear_btn = QPushButton()
        self.clear_btn.clicked.connect(lambda: self.canvas.clear())
        self.white_btn = QPushButton()
        self.white_btn.clicked.connect(self.use_selected_for_white)
        for w in (self.keep, self.remove, self.size, self.undo_btn, self.clear_btn):
            tools.addWidget(w)
        tools.addStretch(1)
        tools.addWidget(self.white_btn)
        left.addLayout(tools)
        self.canvas = BrushCanvas()
        self.canvas.strokesChanged.connect(self._strokes_changed)
        left.addWidget(self.canvas, 1)
        body.addLayout(left, 3)
        right = QVBoxLayout()
        self.preview_title = QLabel()
        self.preview_title.setStyleSheet("font-weight: 600;")
        self.preview = QLabel()
        self.preview.setMinimumSize(200, 200)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("background: white; border: 1px solid #e5e7eb; border-radius: 6px;")
        self.preview_note = QLabel()
        self.preview_note.setWordWrap(True)
        self.preview_note.setProperty("role", "muted")
        right.addWidget(self.preview_title)
        right.addWidget(self.preview, 1)
        right.addWidget(self.preview_note)
        body.addLayout(right, 2)
        lay.addLayout(body, 1)
        QShortcut(QKeySequence.StandardKey.Undo, self, activated=self.undo)
        self.retranslate()

    # ------------------------------------------------------------ text
    def retranslate(self) -> None:
        self.platform_label.setText(self.tr("Platform"))
        self.export_btn.setText(self.tr("Export…"))
        self.hint.setText(self.tr("Drag the photos into the order of the main images. The white-background "
                                  "image is cut from the frame shown below: paint over what the cut got "
                                  "wrong (keep or remove), Ctrl+Z undoes a stroke."))
        self.keep.setText(self.tr("Keep"))
        self.remove.setText(self.tr("Remove"))
        self.undo_btn.setText(self.tr("Undo"))
        self.clear_btn.setText(self.tr("Clear strokes"))
        self.white_btn.setText(self.tr("Cut the white image from the selected photo"))
        self.title.setText(self.tr("Listing · %1").replace("%1", self.sku) if self.sku else self.tr("Listing"))
        self._relabel()

    # ------------------------------------------------------------ content
    def current_platform(self) -> Platform:
        name = self.platform.currentData()
        return next(p for p in self.platforms if p.name == name)

    def show_sku(self, sku: str | None) -> None:
        """Show ``sku``; while the tab is hidden only remember it (the cut-out preview
        costs a second of a core: made when the designer looks)."""
        self.sku = sku
        if not self.isVisible():
            self._pending = True
            return
        self._pending = False
        lib = self.state.library()
        self.frames = listing.listing_frames(lib, sku) if sku and lib else []
        self.choices = listing.read_choices(lib, sku) if sku and lib else listing.ListingChoices()
        self.list.blockSignals(True)
        self.list.clear()
        for f in self.frames:
            item = QListWidgetItem(f.stem)
            item.setData(Qt.ItemDataRole.UserRole, f.stem)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsDragEnabled)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.retranslate()
        for i, f in enumerate(self.frames):
            self.bg.run(lambda p=f.raw: load_array(p, 2 * THUMB),
                        lambda arr, err, i=i: self._thumb(i, arr, err), channel=f"thumb{i}")
        self._load_white_frame()

    def showEvent(self, e) -> None:  # noqa: ANN001
        super().showEvent(e)
        if self._pending:
            self.show_sku(self.sku)

    def _thumb(self, i: int, arr: Any, err: Any) -> None:
        item = self.list.item(i)
        if item is not None and arr is not None:
            pm = QPixmap.fromImage(to_qimage(arr)).scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                          Qt.TransformationMode.SmoothTransformation)
            item.setIcon(QIcon(pm))

    def order(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def white_stem(self) -> str | None:
        stems = self.order()
        if self.choices.white and any(s.casefold() == self.choices.white.casefold() for s in stems):
            return self.choices.white
        return stems[0] if stems else None

    def _relabel(self, *_: Any) -> None:
        """Each photo's label says what it becomes on the chosen platform."""
        if not self.frames:
            return
        p = self.current_platform()
        photos = p.main_count - (1 if p.white is not None and p.white_position in ("first", "last") else 0)
        first = 2 if p.white is not None and p.white_position == "first" else 1
        for i in range(self.list.count()):
            item = self.list.item(i)
            stem = item.data(Qt.ItemDataRole.UserRole)
            role = self.tr("main %1").replace("%1", str(first + i)) if i < photos else self.tr("not used")
            item.setText(f"{stem}\n{role}")
        where = {"first": self.tr("main 1"), "last": self.tr("main %1").replace("%1", str(p.main_count)),
                 "separate": self.tr("its own slot")}[p.white_position] if p.white is not None else self.tr("not used")
        self.preview_title.setText(self.tr("White-background image") + " · " + where)

    def _save(self) -> None:
        lib = self.state.library()
        if self.sku and lib is not None:
            listing.save_choices(lib, self.sku, self.choices)

    def _order_changed(self, *_: QModelIndex) -> None:
        self.choices.order = self.order()
        self._save()
        self._relabel()
        if not self.choices.white:
            self._load_white_frame()  # the first photo is the white image's frame by default

    def move(self, src: int, dst: int) -> None:
        """Move the photo at row ``src`` to row ``dst`` (what a drag does)."""
        self.list.model().moveRow(QModelIndex(), src, QModelIndex(), dst if dst < src else dst + 1)

    def use_selected_for_white(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        self.choices.white = self.list.item(row).data(Qt.ItemDataRole.UserRole)
        self._save()
        self._load_white_frame()

    def _sync_buttons(self) -> None:
        self.white_btn.setEnabled(self.list.currentRow() >= 0)

    # ------------------------------------------------------------ brush and preview
    def _brush_kind(self, keep: bool) -> None:
        self.canvas.kind = "keep" if keep else "remove"

    def undo(self) -> None:
        self.canvas.undo()

    def _load_white_frame(self) -> None:
        stem = self.white_stem()
        frame = next((f for f in self.frames if f.stem == stem), None)
        if frame is None:
            self.canvas.set_image(None, [])
            self.preview.clear()
            return
        self.bg.run(lambda: load_array(frame.raw, 1400),
                    lambda arr, err: self._white_frame_loaded(stem, arr, err), channel="white-frame")

    def _white_frame_loaded(self, stem: str, arr: Any, err: Any) -> None:
        if arr is None:
            self.preview_note.setText(engine_text(getattr(err, "why", None) or str(err)))
            return
        self.canvas.set_image(to_qimage(arr), self.choices.strokes.get(stem, []))
        self._refresh_preview()

    def _strokes_changed(self) -> None:
        stem = self.white_stem()
        if stem is None:
            return
        self.choices.strokes[stem] = list(self.canvas.strokes)
        self._save()
        self._refresh_preview()

    def _refresh_preview(self) -> None:
        stem, lib, sku = self.white_stem(), self.state.library(), self.sku
        if not (stem and lib and sku):
            return
        p = self.current_platform()
        strokes = list(self.canvas.strokes)
        self.preview_note.setText(self.tr("Cutting out…"))
        self.bg.run(lambda: listing.white_preview(lib, sku, stem, strokes, fill=p.white.fill if p.white else 0.85),
                    self._preview_done, channel="white-preview")

    def _fit_preview(self) -> None:
        if self._white_pm is None:
            return
        side = max(120, min(self.preview.width(), self.preview.height()) - 8)
        self.preview.setPixmap(self._white_pm.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, e) -> None:  # noqa: ANN001
        super().resizeEvent(e)
        self._fit_preview()

    def _preview_done(self, result: Any, err: Any) -> None:
        if err is not None:
            self._white_pm = None
            self.preview.clear()
            self.preview_note.setText(engine_text(getattr(err, "why", None) or str(err)))
            return
        canvas, reason = result
        if canvas is None:
            self._white_pm = None
            self.preview.clear()
            self.preview_note.setText(engine_text(reason or ""))
            return
        self._white_pm = QPixmap.fromImage(to_qimage(canvas))
        self._fit_preview()
        self.preview_note.setText(self.tr("Pure white background, no watermark, as the platform asks."))

    # ------------------------------------------------------------ export
    def choose_and_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Export to folder"))
        if folder:
            self.export_to(Path(folder))

    def export_to(self, out: Path) -> int | None:
        """Export this shoot for the chosen platform (in the job thread); ``exported``
        carries the JSON document."""
        lib, sku = self.state.library(), self.sku
        if not (lib and sku):
            return None
        platform, preset = self.current_platform(), self.state.settings.preset()

        def run() -> dict[str, Any]:
            return listing.export(lib, platform, out, preset, [sku]).to_json()

        return self.state.call(self.tr("Export %1 for %2").replace("%1", sku).replace("%2", platform.title),
                               run, on_done=self.exported.emit)
