"""The main window: drop zone and shoot list, the shoot / colour / product-sheet views,
a log panel, settings, notifications. Widgets read the journal through app services and
re-read when the engine reports progress."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QLockFile, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QKeySequence,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QSystemTrayIcon,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..app import services
from ..core.errors import ImgprepError
from .appstate import COLUMNS, AppSettings, AppState, ShootModel
from .desktop import open_in_file_manager
from .i18n import engine_text, install_language, register_fonts

ACCENT = "#1f6feb"


def app_icon() -> QIcon:
    pm = QPixmap(64, 64)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor(ACCENT))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(4, 4, 56, 56, 12, 12)
    p.setBrush(QColor("white"))
    p.drawEllipse(20, 20, 24, 24)
    p.setBrush(QColor(ACCENT))
    p.drawEllipse(27, 27, 10, 10)
    p.end()
    return QIcon(pm)


class ProgressDelegate(QStyledItemDelegate):
    def paint(self, painter, option, index):  # noqa: ANN001
        value = index.data(ShootModel.ProgressRole)
        if value is None:
            return super().paint(painter, option, index)
        opt = QStyleOptionProgressBar()
        opt.rect = option.rect.adjusted(6, 7, -6, -7)
        opt.minimum, opt.maximum, opt.progress = 0, 100, int(value)
        opt.text = f"{int(value)} %"
        opt.textVisible = True
        opt.state = option.state | QStyle.StateFlag.State_Horizontal
        QApplication.style().drawControl(QStyle.ControlElement.CE_ProgressBar, opt, painter)


class DropZone(QFrame):
    """Where shoot folders are dropped (the whole window accepts drops too)."""

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setMinimumHeight(104)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        lay = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setObjectName("dropTitle")
        self.hint = QLabel()
        self.hint.setObjectName("dropHint")
        self.hint.setWordWrap(True)  # a narrow window wraps it, not the other way round
        for w in (self.title, self.hint):
            w.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lay.addWidget(w)
        self.set_hover(False)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Drop shoot folders here"))
        self.hint.setText(self.tr("One folder per product, named by its SKU (e.g. A1234) or opening with its "
                                  "SKU slate; a camera's one folder with a slate before each product — "
                                  "or click to choose"))

    def set_hover(self, on: bool) -> None:
        self.setProperty("hover", on)
        self.style().unpolish(self)
        self.style().polish(self)

    def mousePressEvent(self, e):  # noqa: ANN001
        self.clicked.emit()


class FirstSteps(QScrollArea):
    """Shown while the settings are not ready, and after that while the backup or the
    product sheet is not set (until hidden): what to set, with buttons. It scrolls when
    the window is short (a laptop) rather than pushing the list off the screen."""

    def __init__(self, state: AppState, window: MainWindow):
        super().__init__()
        self.state, self.window = state, window
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumHeight(96)
        inner = QFrame()
        inner.setObjectName("firstSteps")
        self.setWidget(inner)
        lay = QVBoxLayout(inner)
        self.title = QLabel()
        self.title.setObjectName("firstTitle")
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        row = QHBoxLayout()
        self.lib_btn = QPushButton()
        self.lib_btn.setObjectName("primary")
        self.lib_btn.clicked.connect(window.choose_library)
        self.settings_btn = QPushButton()
        self.settings_btn.clicked.connect(window.open_settings)
        self.hide_btn = QPushButton()
        self.hide_btn.clicked.connect(self.dismiss)
        row.addWidget(self.lib_btn)
        row.addWidget(self.settings_btn)
        row.addWidget(self.hide_btn)
        row.addStretch(1)
        lay.addWidget(self.title)
        lay.addWidget(self.body)
        lay.addLayout(row)
        self.update_state()

    def sizeHint(self) -> QSize:  # the whole list where there is room; it scrolls only when short
        return self.widget().sizeHint() + QSize(0, 2)

    def dismiss(self) -> None:
        self.state.settings.set("first_steps", "hidden")
        self.update_state()

    def update_state(self) -> None:
        s = self.state.settings
        probs = s.problems()
        optional_left = not (s.get("backup") and s.get("catalogue"))
        self.setVisible(bool(probs) or (optional_left and s.get("first_steps") != "hidden"))
        self.lib_btn.setVisible("library" in probs)
        self.hide_btn.setVisible(not probs)
        self.title.setText(self.tr("Welcome to imgprep — first steps"))
        lib_msg = {
            "missing": self.tr("not set yet"),
            "not-a-folder": self.tr("is a file, not a folder"),
            "not-empty": self.tr("holds other files; choose an empty folder or an existing library"),
            "parent-missing": self.tr("its parent folder does not exist"),
        }
        steps = []
        def mark(bad: object, value: object = True) -> str:
            # ✗ wrong, ✓ set and fine, ○ optional and not set yet
            return "✗" if bad else ("✓" if value else "○")

        lib = probs.get("library")
        steps.append(f"<b>{mark(lib)} 1. " + self.tr("Library folder") + "</b> — "
                     + (lib_msg.get(lib, lib) if lib else self.state.settings.library)
                     + "<br/>" + self.tr("Where originals are kept (renamed SKU-01, SKU-02 …) and renditions are written."))
        bk = self.state.settings.get("backup")
        steps.append(f"<b>{mark('backup' in probs, bk)} 2. " + self.tr("Backup folder (recommended)") + "</b> — "
                     + (bk or self.tr("not set: nothing is mirrored")))
        cat = self.state.settings.get("catalogue")
        steps.append(f"<b>{mark('catalogue' in probs, cat)} 3. " + self.tr("Product sheet (optional)") + "</b> — "
                     + (cat or self.tr("without it the hero has no spec panel and details no callouts")))
        steps.append("<b>4. " + self.tr("Drop a shoot folder on this window") + "</b>")
        self.body.setText("<br/>".join(steps))
        self.lib_btn.setText(self.tr("Choose library folder…"))
        self.settings_btn.setText(self.tr("Open settings…"))
        self.hide_btn.setText(self.tr("Hide this list"))
        self.setMaximumHeight(self.widget().sizeHint().height() + 2)  # no empty space below


class ShootsPage(QWidget):
    openShoot = Signal(str)

    def __init__(self, state: AppState, window: MainWindow):
        super().__init__()
        self.state = state
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 12, 12, 6)
        self.first = FirstSteps(state, window)
        self.drop = DropZone()
        self.drop.clicked.connect(window.add_folders)
        self.table = QTableView()
        self.table.setObjectName("shootTable")
        self.table.setModel(state.model)
        self.table.setItemDelegateForColumn(COLUMNS.index("progress"), ProgressDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(34)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        h = self.table.horizontalHeader()
        h.setHighlightSections(False)
        h.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for i, c in enumerate(COLUMNS):
            h.setSectionResizeMode(i, QHeaderView.ResizeMode.Fixed if c == "progress"
                                   else QHeaderView.ResizeMode.ResizeToContents)
        h.resizeSection(COLUMNS.index("progress"), 220)
        h.setStretchLastSection(True)
        self.table.doubleClicked.connect(self._open)
        self.empty = QLabel()
        self.empty.setObjectName("emptyHint")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.first)
        lay.addWidget(self.drop)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.empty)
        state.shootsChanged.connect(self.update_state)
        # rows the running batch queues before the journal has them (a first shoot)
        state.model.modelReset.connect(self._show_empty)
        self.update_state()

    def _open(self, index) -> None:  # noqa: ANN001
        self.openShoot.emit(self.state.model.row(index.row()).sku)

    def selected_sku(self) -> str | None:
        idx = self.table.selectionModel().selectedRows()
        if not idx:
            return None
        return self.state.model.row(idx[0].row()).sku

    def _show_empty(self) -> None:
        self.empty.setVisible(self.state.model.rowCount() == 0)

    def update_state(self) -> None:
        self.first.update_state()
        self._show_empty()
        self.empty.setText(self.tr("No shoots in the library yet.") if not self.state.model.error
                           else self.tr("Cannot read the library: {0}").format(self.state.model.error))


STYLE = """
QMainWindow, QDialog { background: #f5f6f8; }
QTabWidget::pane { border: none; background: #f5f6f8; }
QTabBar::tab { padding: 7px 18px; margin-right: 2px; border: none; color: #555; background: transparent; }
QTabBar::tab:selected { color: #111; border-bottom: 2px solid %(a)s; font-weight: 600; }
QFrame#dropZone { border: 2px dashed #9aa3af; border-radius: 12px; background: #ffffff; }
QFrame#dropZone[hover="true"] { border-color: %(a)s; background: #eef4ff; }
QLabel#dropTitle { font-size: 16pt; color: #1f2937; }
QLabel#dropHint { color: #6b7280; }
QFrame#firstSteps { border: 1px solid #f0c36d; border-radius: 10px; background: #fff8e6; }
QLabel#firstTitle { font-size: 13pt; font-weight: 600; color: #5b4300; }
QLabel#emptyHint { color: #6b7280; padding: 16px; }
QTableView { background: #ffffff; alternate-background-color: #f9fafb; border: 1px solid #e5e7eb;
             border-radius: 8px; selection-background-color: #dbe8ff; selection-color: #111; }
QHeaderView::section { background: #ffffff; border: none; border-bottom: 1px solid #e5e7eb;
                       padding: 6px 8px; color: #4b5563; font-weight: 600; }
QPushButton { padding: 5px 14px; border: 1px solid #cfd4dc; border-radius: 6px; background: #fff; }
QPushButton:hover { border-color: %(a)s; }
QPushButton#primary { background: %(a)s; color: white; border-color: %(a)s; }
QPushButton:disabled { color: #9ca3af; }
QProgressBar { border: 1px solid #d1d5db; border-radius: 5px; background: #eef0f3; text-align: center; height: 14px; }
QProgressBar::chunk { background: %(a)s; border-radius: 4px; }
QPlainTextEdit#log { background: #ffffff; border: none; font-family: monospace; }
QDockWidget::title { padding: 4px 8px; background: #eceef2; }
QToolBar { border: none; spacing: 6px; padding: 4px 8px; background: #ffffff; border-bottom: 1px solid #e5e7eb; }
QToolButton { padding: 4px 10px; border-radius: 6px; }
QToolButton:hover { background: #eef2f7; }
QToolButton:checked { background: #dbe8ff; }
QGroupBox { border: 1px solid #e5e7eb; border-radius: 8px; margin-top: 14px; background: #fff; padding: 8px; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; color: #374151; font-weight: 600; }
QLabel[role="error"] { color: #c62828; }
QLabel[role="muted"] { color: #6b7280; }
""".replace("%(a)s", ACCENT)


class MainWindow(QMainWindow):
    """The app. ``state`` may be passed in (tests); by default it is built from QSettings."""

    def __init__(self, state: AppState | None = None, settings: AppSettings | None = None):
        super().__init__()
        register_fonts()
        self.state = state or AppState(settings)
        self.settings = self.state.settings
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.setStyleSheet(STYLE)
        # The first size fits the screen (a 1280 × 720 laptop has ~1280 × 680 available).
        room = self.screen().availableGeometry().size() if self.screen() else QSize(1180, 760)
        self.resize(min(1180, room.width()), min(760, room.height()))
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.show()
        self._rebuilding = False
        self._others = ""  # what the other stations of a shared library are doing
        self._build()
        self.state.message.connect(self.log_message)
        self.state.busyChanged.connect(self._on_busy)
        self.state.shootFinished.connect(self._on_shoot_finished)
        self.state.stationsChanged.connect(self._show_stations)
        self.state.engineEvent.connect(self._on_event)
        geo = self.settings.qs.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        st = self.settings.qs.value("window/state")
        if st is not None:
            self.restoreState(st)
        else:
            QTimer.singleShot(0, self._fit_log)
        self._on_busy(self.state.busy)  # also claims the library (see _claim_library)
        self._watch_setup()

    # ------------------------------------------------------------------ UI
    def _build(self) -> None:
        from .colour_view import ColourView
        from .listing_view import ListingView
        from .sheet_view import SheetView
        from .shoot_view import ShootView

        self.setWindowTitle(self.tr("imgprep — product photos"))
        # the log first: the views may report while they are built
        self.log_dock = QDockWidget(self.tr("Log"), self)
        self.log_dock.setObjectName("logDock")
        self.log = QPlainTextEdit()
        self.log.setObjectName("log")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        self.log_dock.setWidget(self.log)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.log_dock)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.shoots = ShootsPage(self.state, self)
        self.shoot_view = ShootView(self.state)
        self.colour_view = ColourView(self.state)
        self.listing_view = ListingView(self.state)
        self.sheet_view = SheetView(self.state)
        self.tabs.addTab(self.shoots, self.tr("Shoots"))
        self.tabs.addTab(self.shoot_view, self.tr("Shoot"))
        self.tabs.addTab(self.colour_view, self.tr("Colour"))
        self.tabs.addTab(self.listing_view, self.tr("Listing"))
        self.tabs.addTab(self.sheet_view, self.tr("Product sheet"))
        self.shoots.openShoot.connect(self.show_shoot)
        self.shoots.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.setCentralWidget(self.tabs)

        # actions
        A = self._action
        self.act_add = A(self.tr("Add shoot folders…"), QKeySequence.StandardKey.Open, self.add_folders)
        self.act_cancel = A(self.tr("Cancel"), QKeySequence(Qt.Key.Key_Escape), self.state.cancel_all)
        self.act_slates = A(self.tr("Print SKU slates…"), QKeySequence("Ctrl+P"), self.print_slates)
        self.act_watch = A(self.tr("Watch drop folder"), QKeySequence("Ctrl+W"), self._toggle_watch)
        self.act_watch.setCheckable(True)
        self.act_settings = A(self.tr("Settings…"), QKeySequence("Ctrl+,"), self.open_settings)
        self.act_open_lib = A(self.tr("Open library in file manager"), QKeySequence("Ctrl+Shift+O"),
                              self.open_library)
        self.act_refresh = A(self.tr("Refresh"), QKeySequence.StandardKey.Refresh, self.state.refresh)
        self.act_quit = A(self.tr("Quit"), QKeySequence.StandardKey.Quit, self.close)
        self.act_about = A(self.tr("About imgprep"), QKeySequence.StandardKey.HelpContents, self.about)
        self.act_log = self.log_dock.toggleViewAction()
        self.act_log.setText(self.tr("Log panel"))
        self.act_log.setShortcut(QKeySequence("Ctrl+L"))
        views = []
        for i, name in enumerate((self.tr("Shoots"), self.tr("Shoot"), self.tr("Colour"), self.tr("Listing"),
                                     self.tr("Product sheet"))):
            views.append(A(name, QKeySequence(f"Ctrl+{i + 1}"), lambda _=False, i=i: self.tabs.setCurrentIndex(i)))

        mb = self.menuBar()
        mb.clear()
        m = mb.addMenu(self.tr("&File"))
        for a in (self.act_add, self.act_watch, self.act_cancel, None, self.act_slates, self.act_open_lib,
                  self.act_settings, None, self.act_quit):
            m.addSeparator() if a is None else m.addAction(a)
        m = mb.addMenu(self.tr("&View"))
        for a in views + [None, self.act_log, self.act_refresh]:
            m.addSeparator() if a is None else m.addAction(a)
        m = mb.addMenu(self.tr("&Help"))
        m.addAction(self.act_about)

        tb = QToolBar(self.tr("Main"))
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.setIconSize(QSize(18, 18))
        st = self.style()
        self.act_add.setIcon(st.standardIcon(QStyle.StandardPixmap.SP_DirOpenIcon))
        self.act_cancel.setIcon(st.standardIcon(QStyle.StandardPixmap.SP_BrowserStop))
        self.act_watch.setIcon(st.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView))
        self.act_settings.setIcon(st.standardIcon(QStyle.StandardPixmap.SP_FileDialogDetailedView))
        self.act_open_lib.setIcon(st.standardIcon(QStyle.StandardPixmap.SP_DirLinkIcon))
        for a in (self.act_add, self.act_cancel, self.act_watch, None, self.act_open_lib, self.act_settings):
            tb.addSeparator() if a is None else tb.addAction(a)
        self.toolbar = tb
        self.addToolBar(tb)

        # status bar
        self.busy_bar = QProgressBar()
        self.busy_bar.setMaximumWidth(320)
        self.busy_bar.setTextVisible(True)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setVisible(False)
        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)
        self.statusBar().addPermanentWidget(self.busy_bar)
        self._update_status()

    def _action(self, text: str, key, slot) -> QAction:  # noqa: ANN001
        a = QAction(text, self)
        a.setShortcut(key)
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.triggered.connect(slot)
        self.addAction(a)
        return a

    def _rebuild(self) -> None:
        """Language changed: build the widgets again (the state lives in the journal and
        the AppState, so nothing is lost)."""
        if self._rebuilding:
            return
        self._rebuilding = True
        try:
            current, log_text = self.tabs.currentIndex(), self.log.toPlainText()
            sku = self.shoot_view.sku
            for a in self.actions():
                self.removeAction(a)
            self.removeToolBar(self.toolbar)
            self.toolbar.deleteLater()
            self.removeDockWidget(self.log_dock)
            self.log_dock.deleteLater()
            self.statusBar().removeWidget(self.status_label)
            self.statusBar().removeWidget(self.busy_bar)
            old = self.takeCentralWidget()
            old.deleteLater()
            self._build()
            said = self.log.toPlainText()  # what the new views reported while being built
            self.log.setPlainText("\n".join(t for t in (log_text, said) if t))
            self.tabs.setCurrentIndex(current)
            if sku:
                self.shoot_view.show_sku(sku)
            self._on_busy(self.state.busy)
            self._watch_setup()
            self.state.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        finally:
            self._rebuilding = False

    def changeEvent(self, e: QEvent) -> None:
        if e.type() == QEvent.Type.LanguageChange and hasattr(self, "tabs"):
            QTimer.singleShot(0, self._rebuild)
        super().changeEvent(e)

    # ------------------------------------------------------------------ drops
    @staticmethod
    def _accept_as_copy(e: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> bool:
        """Drops are copies only, whatever the source proposes: a move proposed by a file
        manager (Shift, or another disk's default) would let it delete the originals once
        we accepted. A source that cannot copy is refused."""
        if not e.mimeData().hasUrls() or not e.possibleActions() & Qt.DropAction.CopyAction:
            e.ignore()
            return False
        e.setDropAction(Qt.DropAction.CopyAction)
        e.accept()
        return True

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:
        if self._accept_as_copy(e):
            self.shoots.drop.set_hover(True)

    def dragMoveEvent(self, e: QDragMoveEvent) -> None:
        self._accept_as_copy(e)

    def dragLeaveEvent(self, e) -> None:  # noqa: ANN001
        self.shoots.drop.set_hover(False)

    def dropEvent(self, e: QDropEvent) -> None:
        self.shoots.drop.set_hover(False)
        paths = [Path(u.toLocalFile()) for u in e.mimeData().urls() if u.isLocalFile()]
        if paths and self._accept_as_copy(e):
            self.process(paths)

    def process(self, paths: list[Path]) -> int | None:
        if "library" in self.settings.problems():
            self.choose_library()
            if "library" in self.settings.problems():
                self.log_message("error", self.tr("Choose a library folder first (Settings)."))
                return None
        self.tabs.setCurrentWidget(self.shoots)
        return self.state.process(paths)

    def add_folders(self) -> None:
        d = QFileDialog.getExistingDirectory(self, self.tr("Choose a shoot folder (named by SKU)"),
                                             self.settings.get("drop") or str(Path.home()))
        if d:
            self.process([Path(d)])

    def print_slates(self) -> None:
        """Printable SKU slates (PNG) for the product sheet's products, or for SKUs typed
        in: the photographer shoots one as a product's first frame."""
        cat = None
        sheet = self.settings.get("catalogue")
        if sheet:
            from ..core.catalogue import load_catalogue

            try:
                cat = load_catalogue(sheet)
            except ImgprepError as e:
                self.log_message("warning", engine_text(str(e)))
        if cat is not None and len(cat):
            skus = list(cat)
        else:
            text, ok = QInputDialog.getText(self, self.tr("SKU slates"), self.tr("SKUs, separated by spaces or commas:"))
            skus = [s for s in re.split(r"[\s,，、;；]+", text) if s] if ok else []
        if not skus:
            return
        out = QFileDialog.getExistingDirectory(self, self.tr("Folder for the SKU slates"), str(Path.home()))
        if not out:
            return

        def done(result: tuple[list[Path], list[str]]) -> None:
            files, problems = result
            self.log_message("info", self.tr("SKU slates written: {0}, in {1}. Print them and shoot one "
                                             "as each product's first frame").format(len(files), out))
            for p in problems:
                self.log_message("warning", engine_text(p))

        self.state.call(self.tr("SKU slates"), services.write_slates, Path(out), skus, cat, on_done=done)

    # ------------------------------------------------------------------ settings
    def choose_library(self) -> None:
        d = QFileDialog.getExistingDirectory(self, self.tr("Choose the library folder"),
                                             self.settings.library or str(Path.home()))
        if d:
            self.settings.set("library", d)
            self.settings_changed()

    def open_settings(self) -> None:
        from .settings import SettingsDialog

        dlg = SettingsDialog(self.settings, self)
        dlg.languageChanged.connect(self.set_language)
        if dlg.exec():
            self.settings_changed()

    def set_language(self, lang: str) -> None:
        install_language(lang)

    def settings_changed(self) -> None:
        self.state.refresh()
        self.shoots.update_state()
        self.sheet_view.reload()
        self._watch_setup()
        self._update_status()
        self._claim_library()

    def _fit_log(self) -> None:
        """A few lines of log, so the views keep the room on a laptop's screen."""
        self.resizeDocks([self.log_dock], [max(90, self.height() // 7)], Qt.Orientation.Vertical)

    def _claim_library(self) -> None:
        """Say so when another imgprep window (here or on another computer) has the same
        library open: two windows editing one shoot get in each other's way. A lock file
        in the library, held while this window shows it; stale ones (a crash) are taken."""
        lib = self.state.library()
        old = getattr(self, "_library_lock", None)
        if old is not None and old.fileName() == str(lib / ".imgprep-app.lock" if lib else ""):
            return
        if old is not None:
            old.unlock()
        self._library_lock = None
        if lib is None or not services.has_journal(lib):  # a library yet: never a file in an empty folder
            return
        lock = QLockFile(str(lib / ".imgprep-app.lock"))
        lock.setStaleLockTime(0)  # only a dead process's lock is stale
        if lock.tryLock(0):
            self._library_lock = lock
            return
        pid, host = lock.getLockInfo()[:2]  # PySide6: (pid, host, app)
        self.log_message("warning", self.tr("Another imgprep window has this library open ({0}, process {1}): "
                                            "edits in both windows may get in each other's way")
                         .format(host or "?", pid or "?"))

    def open_library(self) -> None:
        lib = self.state.library()
        if lib and lib.exists():
            open_in_file_manager(lib, self.state)

    # ------------------------------------------------------------------ watch
    def _watch_setup(self) -> None:
        """The drop-folder watcher (imgprep.app.watch) is optional: the toggle is enabled
        when the module exists and a drop folder is set."""
        from .watch import watch_available

        ok, why = watch_available()
        drop = self.settings.get("drop")
        self.act_watch.setEnabled(ok and bool(drop))
        self.act_watch.setChecked(hasattr(self, "_watch") and self._watch.running)
        self.act_watch.setToolTip(why if not ok else (self.tr("Watch {0}").format(drop) if drop
                                  else self.tr("Set a drop folder in Settings first")))

    def _toggle_watch(self, on: bool) -> None:
        from .watch import WatchController

        if not hasattr(self, "_watch"):
            self._watch = WatchController(self.state, self)
        if on:
            if self.state.busy:
                self.act_watch.setChecked(False)
                self.log_message("warning", self.tr("Wait for the running batch to finish, then start watching."))
                return
            err = self._watch.start(Path(self.settings.get("drop")))
            if err:
                self.act_watch.setChecked(False)
                self.log_message("error", err)
        else:
            self._watch.stop()

    # ------------------------------------------------------------------ feedback
    def log_message(self, level: str, text: str) -> None:
        from datetime import datetime

        tag = {"error": "✗", "warning": "!", "info": "·"}.get(level, "·")
        self.log.appendPlainText(f"{datetime.now():%H:%M:%S} {tag} {text}")
        if level == "error":
            self.statusBar().showMessage(text, 8000)

    def notify(self, title: str, text: str, ok: bool = True) -> None:
        """A desktop notification when a tray is available, else the status bar."""
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            icon = QSystemTrayIcon.MessageIcon.Information if ok else QSystemTrayIcon.MessageIcon.Warning
            self.tray.showMessage(title, text, icon, 6000)
        self.statusBar().showMessage(self.tr("{0}: {1}").format(title, text), 10000)  # a full-width colon in Chinese

    def _on_shoot_finished(self, sku: str, ok: bool) -> None:
        if ok:
            self.notify(self.tr("Shoot finished"), self.tr("{0} is ready").format(sku), True)
        else:
            self.notify(self.tr("Shoot failed"), self.tr("{0}: some frames failed — see the log").format(sku), False)

    def _on_event(self, ev: dict) -> None:
        if ev.get("event") == "planned":
            self.busy_bar.setRange(0, max(1, ev["total"]))
            self.busy_bar.setValue(0)
            self.busy_bar.setFormat("%v / %m")
            self._planned_at = time.monotonic()
        elif ev.get("event") == "analysed":
            self.busy_bar.setValue(ev["done"])
            left = self.time_left(ev["done"], ev["total"], time.monotonic() - getattr(self, "_planned_at", 0.0))
            self.busy_bar.setFormat("%v / %m" + (" · " + left if left else ""))

    def time_left(self, done: int, total: int, elapsed: float) -> str:
        """About how long the rest of a long batch takes, at the pace so far ('' for short
        work, or too early to tell)."""
        if done < 3 or total <= done or elapsed < 5:
            return ""
        rest = elapsed / done * (total - done)
        if rest < 60:
            return self.tr("less than a minute left")
        return self.tr("about {0} min left").format(round(rest / 60))

    def _on_busy(self, busy: bool) -> None:
        self.act_cancel.setEnabled(busy)
        self.busy_bar.setVisible(busy)
        if busy:
            self.busy_bar.setRange(0, 0)
        self.shoot_view.set_busy(busy)
        self._update_status()
        if not busy:
            self._claim_library()  # the first batch may just have made the library
            if not self.isActiveWindow():
                QApplication.alert(self)  # the work is done: the taskbar / dock asks for attention

    def _update_status(self) -> None:
        lib = self.settings.library
        text = self.tr("Library: {0}").format(lib) if lib else self.tr("No library chosen")
        if self._others:
            text += "  ·  " + self.tr("Other stations: {0}").format(self._others)
        self.status_label.setText(text)

    def _show_stations(self, rows: list) -> None:
        """What the other stations of a shared library are doing, in the status bar."""
        from ..app.batch import _station

        me = _station()
        words = {"batch": self.tr("processing"), "watch": self.tr("watching the drop folder"),
                 "standby": self.tr("standing by")}
        busy = [f"{r['station']} {words.get(r['activity'], r['activity'])}" + (f" {r['sku']}" if r["sku"] else "")
                for r in rows if r["station"] != me and r["alive"] is not False and r["activity"] in words]
        others = ", ".join(busy)
        if others != self._others:
            self._others = others
            self._update_status()

    def _selection_changed(self) -> None:
        sku = self.shoots.selected_sku()
        if sku:
            self.shoot_view.show_sku(sku)
            self.colour_view.show_sku(sku)
            self.listing_view.show_sku(sku)

    def show_shoot(self, sku: str) -> None:
        self.shoot_view.show_sku(sku)
        self.colour_view.show_sku(sku)
        self.listing_view.show_sku(sku)
        self.tabs.setCurrentWidget(self.shoot_view)

    def about(self) -> None:
        import PIL
        import PySide6

        from .. import __version__

        QMessageBox.about(self, self.tr("About imgprep"), self.tr(
            "<h3>imgprep {0}</h3><p>Prepares product photos for online shops: naming, colour, "
            "renditions, backup.</p><p>Python {1} · Qt {2} · PySide6 {3} · Pillow {4}</p>"
            "<p>Font: Noto Sans CJK SC subset (SIL Open Font License).</p>").format(
            __version__, sys.version.split()[0], PySide6.QtCore.qVersion(), PySide6.__version__, PIL.__version__))

    confirm_quit = True

    def closeEvent(self, e) -> None:  # noqa: ANN001
        if self.state.busy and self.confirm_quit:
            r = QMessageBox.question(self, self.tr("Quit"), self.tr("A batch is running. Cancel it and quit?"))
            if r != QMessageBox.StandardButton.Yes:
                e.ignore()
                return
        self.settings.qs.setValue("window/geometry", self.saveGeometry())
        self.settings.qs.setValue("window/state", self.saveState())
        self.settings.qs.sync()
        if hasattr(self, "_watch"):
            self._watch.stop()
        if getattr(self, "_library_lock", None) is not None:
            self._library_lock.unlock()
        self.shoot_view.bg.wait(10000)
        self.state.shutdown()
        super().closeEvent(e)
