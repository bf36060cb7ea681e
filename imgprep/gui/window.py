"""A minimal main window: drop shoot folders, see them processed. The full app
(shoot view, colour view, settings) builds on this."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, QThread, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFont, QFontDatabase
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..app.batch import BatchOptions, BatchRunner
from ..core.presets import load_preset


def register_fonts() -> str | None:
    """Register the bundled CJK font so Chinese never shows as boxes; return its family."""
    try:
        from ..core.fonts import font_path
    except ImportError:
        return None
    family = None
    for weight in ("regular", "bold"):
        fid = QFontDatabase.addApplicationFont(str(font_path(weight)))
        fams = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
        family = family or (fams[0] if fams else None)
    return family


class BatchWorker(QObject):
    progress = Signal(dict)
    finished = Signal(dict)

    def __init__(self, opts: BatchOptions, sources: list[Path]):
        super().__init__()
        self.runner = BatchRunner(opts, progress=self.progress.emit)
        self.sources = sources

    def run(self) -> None:
        report = self.runner.run(self.sources)
        self.finished.emit(report.to_json())


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        family = register_fonts()
        if family:
            self.setFont(QFont(family, 10))
        self.settings = QSettings()
        self.setWindowTitle(self.tr("imgprep — 商品图片处理"))
        self.setAcceptDrops(True)
        self.resize(820, 560)
        central = QWidget()
        lay = QVBoxLayout(central)
        self.drop = QLabel(self.tr("把拍摄文件夹拖到这里（文件夹名 = 货号）\nDrop shoot folders here (folder name = SKU)"))
        self.drop.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop.setMinimumHeight(160)
        self.drop.setStyleSheet("QLabel { border: 2px dashed #8a8f98; border-radius: 10px; color: #444;"
                                " font-size: 15px; background: #f6f7f9; }")
        self.lib_button = QPushButton()
        self.lib_button.clicked.connect(self.choose_library)
        self.bar = QProgressBar()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        lay.addWidget(self.drop)
        lay.addWidget(self.lib_button)
        lay.addWidget(self.bar)
        lay.addWidget(self.log)
        self.setCentralWidget(central)
        self._thread: QThread | None = None
        self._update_library_label()

    # ---------------------------------------------------------------- settings
    def library(self) -> Path:
        return Path(str(self.settings.value("library", str(Path.home() / "imgprep-library"))))

    def _update_library_label(self) -> None:
        self.lib_button.setText(self.tr("图库 Library: {0}").format(self.library()))

    def choose_library(self) -> None:
        d = QFileDialog.getExistingDirectory(self, self.tr("选择图库文件夹 Choose library folder"), str(self.library()))
        if d:
            self.settings.setValue("library", d)
            self._update_library_label()

    # ---------------------------------------------------------------- drops
    def dragEnterEvent(self, e: QDragEnterEvent) -> None:
        if e.mimeData().hasUrls():
            e.acceptProposedAction()

    def dropEvent(self, e: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in e.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.process(paths)
            e.acceptProposedAction()

    def process(self, paths: list[Path]) -> None:
        if self._thread is not None:
            self.log.appendPlainText(self.tr("正在处理，请稍候… Busy, please wait."))
            return
        opts = BatchOptions(library=self.library(), preset=load_preset(None))
        self._worker = BatchWorker(opts, paths)
        self._thread = QThread(self)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self._on_progress)
        self._worker.finished.connect(self._on_finished)
        self._thread.start()

    def _on_progress(self, ev: dict) -> None:
        if ev.get("event") == "planned":
            self.bar.setMaximum(max(1, ev["total"]))
            self.bar.setValue(0)
        elif ev.get("event") == "analysed":
            self.bar.setValue(ev["done"])
        elif ev.get("event") in ("rendered", "failed"):
            self.log.appendPlainText(f"{ev['event']}: {ev.get('source')} {ev.get('reason') or ''}")

    def _on_finished(self, doc: dict) -> None:
        s = doc["summary"]
        self.log.appendPlainText(self.tr("完成 Done: {0} 成功, {1} 重复, {2} 失败, {3} 跳过").format(
            s["done"], s["duplicate"], s["failed"], s["skipped"]))
        assert self._thread is not None
        self._thread.quit()
        self._thread.wait()
        self._thread = None
