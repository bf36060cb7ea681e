"""Image loading off the UI thread: thumbnails and previews through the engine's loader
(orientation, ICC → sRGB, pixel limits), handed back as QImage (safe across threads)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot
from PySide6.QtGui import QImage


def to_qimage(arr: Any) -> QImage:
    """uint8 (H, W, 3) array or PIL image → QImage (a deep copy)."""
    import numpy as np

    a = np.ascontiguousarray(np.asarray(arr.convert("RGB")) if hasattr(arr, "convert") else arr, dtype=np.uint8)
    h, w = a.shape[:2]
    return QImage(a.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def load_array(path: str | Path, long_edge: int) -> Any:
    """The upright sRGB image as an array, long edge at most ``long_edge``; a 16-bit
    frame that uses a small part of its range brightened (``services.frame_preview``)."""
    from ..app.services import frame_preview

    return frame_preview(path, long_edge)[0]


class _Bridge(QObject):
    done = Signal(object, object, object)   # token, result, error


class _Task(QRunnable):
    def __init__(self, bridge: _Bridge, token: object, fn: Callable[[], Any]):
        super().__init__()
        self.bridge, self.token, self.fn = bridge, token, fn

    def run(self) -> None:
        try:
            r, err = self.fn(), None
        except Exception as e:  # noqa: BLE001 - reported to the widget
            r, err = None, e
        try:
            self.bridge.done.emit(self.token, r, err)
        except RuntimeError:  # the widget went away meanwhile
            pass


class Background(QObject):
    """Run small read-only tasks (decoding, applying a colour fit) in a thread pool;
    ``callback(result, error)`` runs on the UI thread. Results of superseded requests
    (same ``channel``) are dropped."""

    def __init__(self, parent: QObject | None = None, threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self.bridge = _Bridge(self)
        self.bridge.done.connect(self._done)
        self._latest: dict[str, int] = {}
        self._callbacks: dict[int, tuple[str | None, Callable[[Any, Any], None]]] = {}
        self._n = 0

    def run(self, fn: Callable[[], Any], callback: Callable[[Any, Any], None], channel: str | None = None) -> None:
        self._n += 1
        tok = self._n
        if channel:
            self._latest[channel] = tok
        self._callbacks[tok] = (channel, callback)
        self.pool.start(_Task(self.bridge, tok, fn))

    @Slot(object, object, object)
    def _done(self, tok: int, result: Any, error: Any) -> None:
        channel, cb = self._callbacks.pop(tok, (None, None))
        if cb is None or (channel and self._latest.get(channel) != tok):
            return
        cb(result, error)

    def wait(self, ms: int = 10000) -> bool:
        return self.pool.waitForDone(ms)
