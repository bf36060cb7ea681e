"""The shoot's description page (详情页): a scrollable preview of the whole page at 1:1
or fitted to the width, with the slice boundaries drawn over it; rebuild it; show or hide
sections for this SKU (kept in the library's ``SKU/page.toml``). State from the journal
(:func:`imgprep.app.page.page_info`); work through the app's job queue."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..app import page as pages
from .appstate import AppState
from .i18n import engine_text
from .imaging import Background

SLICE_PEN = QColor(0, 150, 220)


class PageView(QWidget):
    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.sku: str | None = None
        self.info: pages.PageInfo | None = None
        self.image: QImage | None = None
        self.bg = Background(self, threads=1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        bar = QHBoxLayout()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.fit_btn = QRadioButton(self.tr("Fit width"))
        self.one_btn = QRadioButton(self.tr("1:1"))
        self.fit_btn.setChecked(True)
        zoom = QButtonGroup(self)
        zoom.addButton(self.fit_btn)
        zoom.addButton(self.one_btn)
        self.fit_btn.toggled.connect(self._show_image)
        self.rebuild_btn = QPushButton(self.tr("Rebuild page"))
        self.rebuild_btn.setObjectName("primary")
        self.rebuild_btn.clicked.connect(self.rebuild)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.fit_btn)
        bar.addWidget(self.one_btn)
        bar.addWidget(self.rebuild_btn)
        lay.addLayout(bar)
        self.toggle_bar = QHBoxLayout()
        self.toggle_bar.addWidget(QLabel(self.tr("Sections:")))
        self.toggles: dict[str, QCheckBox] = {}
        self.toggle_bar.addStretch(1)
        lay.addLayout(self.toggle_bar)

        self.scroll = QScrollArea()
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        # Always there, so fitting to the width does not change the width it fits.
        self.scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.scroll.setWidget(self.preview)
        lay.addWidget(self.scroll, 1)
        state.shootsChanged.connect(self._journal_changed)

    def _label(self, kind: str) -> str:
        names = {"banner": self.tr("Banner"), "hero": self.tr("Product info"),
                 "selling_points": self.tr("Selling points"), "dimensions": self.tr("Dimensions"),
                 "size_chart": self.tr("Size chart"), "notes": self.tr("Notes"), "footer": self.tr("Footer")}
        return names.get(kind, kind)

    # ------------------------------------------------------------ data
    def show_sku(self, sku: str | None) -> None:
        self.sku = sku
        self.image = None
        self.reload()

    def reload(self) -> None:
        lib = self.state.library()
        info = self.state.read(pages.page_info, lib, self.sku, default=None) if (lib and self.sku) else None
        self.info = info
        self.rebuild_btn.setEnabled(info is not None and not self.state.busy)
        self._set_toggles(info)
        if info is None:
            self.status.setText("")
            self.preview.clear()
            return
        if info.state == "current":
            text = self.tr("Up to date: {0} × {1} px, {2} slices.").format(*(info.size or [0, 0]), len(info.cuts) + 1)
        else:  # missing or stale, as `check` says it
            text = html.escape(engine_text(info.message))
        if info.problems:
            text += "<br/><span style='color:#b45309'>" + "<br/>".join(html.escape(engine_text(p)) for p in info.problems) + "</span>"
        self.status.setText(text)
        if info.path is None:
            self.preview.clear()
            self.preview.setText(self.tr("Press “Rebuild page” to make it."))
            return
        path = str(info.path)
        self.bg.run(lambda: QImage(path), self._image_ready, channel="page")

    def _journal_changed(self) -> None:
        if self.sku and not self.state.busy and self.isVisible():
            self.reload()

    def _set_toggles(self, info: pages.PageInfo | None) -> None:
        kinds = info.sections if info else []
        if list(self.toggles) != kinds:
            for box in self.toggles.values():
                self.toggle_bar.removeWidget(box)
                box.deleteLater()
            self.toggles = {}
            for k in kinds:
                box = QCheckBox(self._label(k))
                box.setObjectName(f"section-{k}")
                box.toggled.connect(lambda on, k=k: self.show_section(k, on))
                self.toggle_bar.insertWidget(self.toggle_bar.count() - 1, box)
                self.toggles[k] = box
        for k, box in self.toggles.items():
            box.blockSignals(True)
            box.setChecked(info is not None and k not in info.hidden)
            box.blockSignals(False)

    def _image_ready(self, img: QImage | None, err) -> None:  # noqa: ANN001
        if err is not None or img is None or img.isNull():
            self.preview.setText(self.tr("Cannot show the page: {0}").format(err or ""))
            return
        self.image = img
        self._show_image()

    def _show_image(self) -> None:
        if self.image is None or self.info is None:
            return
        pm = QPixmap.fromImage(self.image)
        p = QPainter(pm)
        pen = QPen(SLICE_PEN, 2, Qt.PenStyle.DashLine)
        p.setPen(pen)
        for y in self.info.cuts:
            p.drawLine(0, y, pm.width(), y)
        p.end()
        width = max(100, self.scroll.viewport().width() - 4)
        if self.fit_btn.isChecked() and width < pm.width():  # fit, never enlarged past 1:1
            pm = pm.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
        self.preview.setPixmap(pm)
        self.preview.resize(pm.size())

    def resizeEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt's name
        super().resizeEvent(event)
        if self.fit_btn.isChecked():
            self._show_image()

    # ------------------------------------------------------------ actions
    def rebuild(self) -> None:
        if self.sku is None or self.state.library() is None:
            return
        self.rebuild_btn.setEnabled(False)
        self.state.call(self.tr("Description page of {0}").format(self.sku), pages.build_pages,
                        self.state.library(), [self.sku], None, on_done=self._built)

    def show_section(self, kind: str, shown: bool) -> None:
        if self.sku is None or self.state.library() is None:
            return
        self.state.call(self.tr("Description page of {0}").format(self.sku), pages.show_section,
                        self.state.library(), self.sku, kind, shown, on_done=self._built)

    def _built(self, report: pages.PageReport) -> None:
        for item in report.items:
            if item.status == "failed":
                self.state.message.emit("error", engine_text(item.why or item.reason))
            for p in item.problems:
                self.state.message.emit("warning", engine_text(p))
        self.image = None
        self.reload()
