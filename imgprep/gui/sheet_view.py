"""The product sheet against the library: which SKUs have been shot, which lack fields,
which are past the 3-day rule."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..app import services
from ..core.errors import ImgprepError
from .appstate import AppState
from .i18n import engine_text


class SheetView(QWidget):
    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 10, 12, 6)
        head = QHBoxLayout()
        self.path_label = QLabel()
        self.path_label.setProperty("role", "muted")
        load = QPushButton(self.tr("Load product sheet…"))
        load.clicked.connect(self.choose)
        # A sheet that arrived (or changed) after the photos: one click renders those shoots again.
        self.again_btn = QPushButton()
        self.again_btn.setObjectName("primary")
        self.again_btn.clicked.connect(self.render_again)
        self.again_btn.hide()
        self.changed: list[str] = []
        self.summary = QLabel()
        self.summary.setStyleSheet("font-size: 12pt;")
        head.addWidget(self.summary, 1)
        head.addWidget(self.path_label)
        head.addWidget(self.again_btn)
        head.addWidget(load)
        lay.addLayout(head)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels([self.tr("SKU"), self.tr("Name"), self.tr("Shot"), self.tr("Frames"),
                                              self.tr("Missing fields"), self.tr("3-day rule")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table, 1)
        self.problems = QPlainTextEdit()
        self.problems.setReadOnly(True)
        self.problems.setMaximumHeight(110)
        lay.addWidget(self.problems)
        state.shootsChanged.connect(self.reload)
        self.reload()

    def choose(self) -> None:
        p, _ = QFileDialog.getOpenFileName(self, self.tr("Product sheet"), self.state.settings.get("catalogue") or str(Path.home()),
                                           self.tr("Product sheets (*.csv *.xlsx *.xlsm *.xls *.txt)"))
        if p:
            self.state.settings.set("catalogue", p)
            self.reload()
            self.report_loaded()

    def report_loaded(self) -> None:
        """What the sheet just loaded gave: products, the columns read and not read, and
        the library's SKUs it lacks (their heroes get no panel)."""
        from ..core.catalogue import load_catalogue

        path = self.state.settings.get("catalogue")
        try:
            cat = load_catalogue(path)
        except ImgprepError as e:
            self.state.message.emit("error", engine_text(str(e)))
            return
        lacking = [r.sku for r in self.state.model.rows if r.sku not in cat]
        parts = [self.tr("{0}: products: {1}").format(Path(path).name, len(cat)),
                 self.tr("columns read: {0}").format("、".join(cat.columns) or "–")]
        if cat.unknown_columns:
            parts.append(self.tr("columns not read: {0}").format("、".join(cat.unknown_columns)))
        parts.append(self.tr("shoots not in the sheet: {0}").format(", ".join(lacking)) if lacking
                     else self.tr("every shoot of the library is in the sheet"))
        self.state.message.emit("warning" if lacking else "info", self.tr("; ").join(parts))

    def render_again(self) -> None:
        lib, path = self.state.library(), self.state.settings.get("catalogue")
        if not (lib and path and self.changed):
            return
        self.again_btn.hide()
        self.state.call(self.tr("Render again with the product sheet"), services.render_again, lib, path,
                        self.state.settings.preset(), list(self.changed), on_done=self._rendered_again)

    def _rendered_again(self, results: list[services.Rerendered]) -> None:
        for res in results:
            for p in res.problems:
                self.state.message.emit("warning", p)
            self.state.message.emit("info", self.tr("Rendered again: {0}").format(
                ", ".join(Path(w).name for w in res.written) or res.sku))
        self.state.refresh()

    def reload(self) -> None:
        path = self.state.settings.get("catalogue")
        self.table.setRowCount(0)
        self.again_btn.hide()
        self.problems.clear()
        if not path:
            self.summary.setText(self.tr("No product sheet loaded"))
            self.path_label.setText("")
            self.problems.setVisible(False)
            return
        from ..core.catalogue import load_catalogue

        self.path_label.setText(Path(path).name)
        try:
            cat = load_catalogue(path)
        except ImgprepError as e:
            self.summary.setText(self.tr("Cannot read the sheet"))
            self.problems.setVisible(True)
            self.problems.setPlainText(engine_text(str(e)))
            return
        lib = self.state.library()
        self.changed = (self.state.read(services.sheet_changes, lib, cat, default=[]) or []) if lib else []
        shown = ", ".join(self.changed[:3]) + (" …" if len(self.changed) > 3 else "")
        self.again_btn.setText(self.tr("Render again with this sheet: {0}").format(shown))
        self.again_btn.setToolTip(self.tr("The sheet's rows of these shoots are new or changed since they were "
                                          "rendered: their hero panels and callouts are rendered again"))
        self.again_btn.setVisible(bool(self.changed) and not self.state.busy)
        rows = self.state.read(services.sheet_overview, cat, self.state.library(), self.state.settings.preset())
        if rows is None:  # the library cannot be read just now (the log says why)
            self.summary.setText(self.tr("Cannot read the library"))
            return
        names = {"name": self.tr("name"), "colour": self.tr("colour"), "fabric": self.tr("fabric"),
                 "size": self.tr("size"), "description": self.tr("description"), "dimensions": self.tr("dimensions")}
        red, amber, green = QColor("#c62828"), QColor("#b26a00"), QColor("#2e7d32")
        for r in rows:
            i = self.table.rowCount()
            self.table.insertRow(i)
            if r.days_left is None:
                days = "–"
            elif r.days_left < 0:
                days = self.tr("{0} d overdue").format(-r.days_left)
            else:
                days = self.tr("{0} d left").format(r.days_left)
            cells = [r.sku, r.name, self.tr("yes") if r.shot else self.tr("not yet"), str(r.frames),
                     "、".join(names.get(m, m) for m in r.missing) or "✓", days]
            for c, v in enumerate(cells):
                it = QTableWidgetItem(v)
                if c == 2:
                    it.setForeground(QBrush(green if r.shot else amber))
                if c == 4 and r.missing:
                    it.setForeground(QBrush(red))
                if c == 5 and r.days_left is not None and r.days_left < 0:
                    it.setForeground(QBrush(red))
                self.table.setItem(i, c, it)
        shot = sum(r.shot for r in rows)
        overdue = sum(1 for r in rows if r.days_left is not None and r.days_left < 0 and not r.shot)
        lacking = sum(1 for r in rows if r.missing)
        self.summary.setText(self.tr("{0} products · {1} shot · {2} overdue without photos · {3} lack fields").format(
            len(rows), shot, overdue, lacking))
        self.problems.setVisible(bool(cat.problems))
        self.problems.setPlainText("\n".join(engine_text(str(p)) for p in cat.problems))
