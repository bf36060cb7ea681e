"""The watch toggle: drives :class:`imgprep.app.watch.Watcher` (the same Qt-free watcher
as ``imgprep watch``) and shows its events in the app.

The watcher holds the library lock while it runs, so the app's own jobs (drops,
re-renders) wait until watching is switched off; the app says so instead of failing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Signal

from .i18n import engine_text, labelled


def watch_available() -> tuple[bool, str]:
    if importlib.util.find_spec("imgprep.app.watch") is None:
        return False, QCoreApplication.translate("Watch", "The drop-folder watcher is not part of this build yet.")
    return True, ""


class WatchController(QObject):
    """Start/stop the watcher; its events (from its threads) arrive here queued."""

    event = Signal(dict)

    def __init__(self, state: Any, parent: QObject | None = None):
        super().__init__(parent)
        self.state = state
        self.watcher: Any = None
        self.event.connect(self._on_event)

    @property
    def running(self) -> bool:
        return self.watcher is not None

    def start(self, drop: Path) -> str | None:
        """Start watching ``drop``; returns an error message, or None."""
        ok, why = watch_available()
        if not ok:
            return why
        from ..app.watch import Watcher, WatchOptions
        from ..core.errors import ImgprepError

        s = self.state.settings
        if not s.library:
            return QCoreApplication.translate("Watch", "Choose a library folder first (Settings).")
        catalogue = None
        if s.get("catalogue"):
            from ..core.catalogue import load_catalogue

            try:
                catalogue = load_catalogue(s.get("catalogue"))
            except ImgprepError as e:
                self.state.message.emit("warning", str(e))
        backup = s.get("backup")
        try:
            opts = WatchOptions(drop=Path(drop), library=Path(s.library), preset=s.preset(),
                                backup=Path(backup) if backup else None, catalogue=catalogue,
                                workers=s.workers())
            w = Watcher(opts, emit=self.event.emit)
            w.start()
        except (ImgprepError, OSError) as e:
            return str(e)
        self.watcher = w
        self.state.watching = True
        self.state.message.emit("info", QCoreApplication.translate("Watch", "Watching {0}").format(drop))
        return None

    def stop(self) -> None:
        w, self.watcher = self.watcher, None
        if w is not None:
            w.stop(wait=True, timeout=60)
            self.state.watching = False
            self.state.message.emit("info", QCoreApplication.translate("Watch", "Stopped watching"))
            self.state.refresh()

    def _on_event(self, ev: dict) -> None:
        e = ev.get("event")
        if e in ("failed", "stalled", "backup-unavailable", "unassigned"):
            src = Path(ev.get("source") or "").name
            self.state.message.emit("warning" if e != "failed" else "error",
                                    f"{e}: {src} {engine_text(ev.get('why') or ev.get('reason'))}".strip())
        elif e == "rendered":
            self.state.message.emit("info", f"{ev.get('sku')}: {Path(ev.get('source') or '').name} ✓")
        elif e == "slate":  # a camera folder named by its SKU slate: say which SKU it became
            self.state.message.emit("info", labelled(Path(ev.get("source") or "").name, engine_text(ev.get("why") or ev.get("reason"))))
        if e in ("rendered", "failed", "duplicate", "backed-up"):
            self.state.refresh_soon()
