"""What a run reports: one :class:`Item` per source file, gathered in a :class:`BatchReport`
(the ``--json`` document of ``imgprep batch``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..core.messages import Reason

Status = Literal["done", "duplicate", "failed", "skipped"]


@dataclass
class Item:
    """One source file's outcome: an item of `imgprep batch --json` (docs/architecture.md).
    ``reason`` is its English text (``--json``, the journal); ``why`` the same as a
    :class:`Reason`, from which the app makes its text. Given a :class:`Reason` as
    ``reason``, the item keeps both."""

    source: str
    sku: str | None
    status: Status
    reason: str | Reason | None = None
    role: str | None = None
    raw: str | None = None
    renditions: list[str] = field(default_factory=list)
    backup: str = "off"
    notes: list[str] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    why: Reason | None = None

    def __post_init__(self) -> None:
        if isinstance(self.reason, Reason):
            self.reason, self.why = str(self.reason), self.reason

    def set(self, status: Status, why: Reason) -> Item:
        self.status, self.reason, self.why = status, str(why), why
        return self

    def is_(self, code: str) -> bool:
        """Whether the item's reason is message ``code``."""
        return self.why is not None and self.why.code == code

    def to_json(self) -> dict[str, Any]:
        d = {"source": self.source, "sku": self.sku, "status": self.status, "reason": self.reason,
             "role": self.role, "raw": self.raw, "renditions": self.renditions, "backup": self.backup}
        if self.reports:
            d["reports"] = self.reports
        if self.notes:
            d["notes"] = self.notes
        return d


def told(reason: Reason | str | None) -> dict[str, Any]:
    """An event's reason: its English text (``reason``, as ``imgprep watch --json`` prints
    it) and, for the app, the :class:`Reason` itself (``why``, never printed)."""
    return {"reason": None if reason is None else str(reason),
            "why": reason if isinstance(reason, Reason) else None}


@dataclass
class BatchReport:
    library: Path
    items: list[Item] = field(default_factory=list)
    backup_problem: str | None = None
    library_problem: str | None = None  # the library failed: the run stopped (exit 1)
    warnings: list[str] = field(default_factory=list)  # side files' problems (callouts.toml)

    @property
    def summary(self) -> dict[str, int]:
        s = {"done": 0, "duplicate": 0, "failed": 0, "skipped": 0}
        for it in self.items:
            s[it.status] += 1
        return s

    @property
    def exit_code(self) -> int:
        return 1 if self.summary["failed"] or self.library_problem else 0

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"library": str(self.library), "items": [i.to_json() for i in self.items],
                             "summary": self.summary}
        if self.backup_problem:
            d["backup_problem"] = self.backup_problem
        if self.library_problem:
            d["library_problem"] = self.library_problem
        if self.warnings:
            d["warnings"] = self.warnings
        return d
