"""Python's cycle collector, run on the GUI thread only.

The collector runs in whichever thread happens to allocate when a generation's
threshold is crossed. If the garbage it finds holds a Qt object (a closed dialog caught
in a reference cycle, a lambda connected to a widget), that object is destroyed in that
thread; Qt objects must die in the thread they live in, and a widget destroyed from the
job thread crashes the process (seen in CI: a segfault "Garbage-collecting" inside
``multiprocessing`` while the job thread started a pool).

So while the app runs, automatic collection is off and a timer on the GUI thread
collects with the interpreter's own thresholds (the approach calibre and pyqtgraph use).
Worker *processes* turn it back on for themselves (``app.pool``).

A full collection walks every object: about 100 ms once PySide6, numpy, OpenCV and
colour-science are loaded, a visible stall of the GUI (and, holding the GIL, of
everything else). What exists when the collector starts (modules, the main window) lives
for the whole session, so it is frozen out of the collector's walks (``gc.freeze``): a
full collection then costs what the session allocated since.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 200


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.setObjectName("imgprepMainThreadCollector")
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._was_enabled = gc.isenabled()
        gc.disable()
        gc.collect()
        gc.freeze()
        self._timer.start()

    def check(self) -> None:
        """Collect the generations whose thresholds the counts have crossed."""
        t0, t1, t2 = gc.get_threshold()
        c0, c1, c2 = gc.get_count()
        if c0 <= t0:
            return
        gen = 2 if c2 > t2 else 1 if c1 > t1 else 0
        gc.collect(gen)

    def stop(self) -> None:
        """Collect everything now (on this thread) and give collection back to the
        interpreter."""
        self._timer.stop()
        gc.unfreeze()
        gc.collect()
        if self._was_enabled:
            gc.enable()


def install() -> MainThreadCollector | None:
    """Start the GUI-thread collector once per application (idempotent); None without a
    Qt application. Call from the GUI thread."""
    app = QCoreApplication.instance()
    if app is None:
        return None
    found = app.findChild(MainThreadCollector, "imgprepMainThreadCollector")
    if found is not None:
        return found
    return MainThreadCollector(app)


def uninstall() -> None:
    """Stop the collector (tests: between test modules that do not run an event loop)."""
    app = QCoreApplication.instance()
    if app is None:
        return
    found = app.findChild(MainThreadCollector, "imgprepMainThreadCollector")
    if found is not None:
        found.stop()
        found.setParent(None)
        found.deleteLater()
