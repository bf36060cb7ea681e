"""The backup mirror's queue: every new library file queued in the journal, copied,
verified and recorded — in one place for the batch, the watcher and the app's services.

:class:`Mirror` is one engine run's side (two copy threads, drained before the run ends);
:func:`drain_queue` the watcher's backup thread's; :func:`copy_now` the services' (a file
re-rendered in the app). Each copy's result is journaled by :func:`record_copy`.
The target itself (marker, verified copy, conflicts) is :mod:`imgprep.app.backup`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..core.errors import ImgprepError
from ..core.journal import Journal
from ..core.messages import Reason, say
from .backup import BackupConflict, BackupTarget, copy_one
from .outcome import told

log = logging.getLogger("imgprep.watch")


def backup_lock(root_key: str) -> str:
    """The lock a station holds while it drains the backup queue of ``root_key``."""
    return f"backup:{root_key}"


def record_copy(j: Journal, key: str, rel: str, sha: str | None, err: str | None, *,
                final: bool = False, log: bool = True) -> None:
    """Journal one copy's result: verified, or failed with why (``final``: not retried
    this session; ``log``: also a warning in the journal's log)."""
    with j.tx():
        if sha:
            j.backup_verified(rel, key, sha)
            return
        j.backup_failed(rel, key, err or "unknown error", final=final)
        if log:
            j.log("warning", "backup", f"{rel}: {err}", source=rel)


def queue_everywhere(j: Journal, rels: list[str]) -> None:
    """Queue new library files for every backup the library has (inside the caller's
    transaction)."""
    for root in sorted(j.backup_roots()):
        for rel in rels:
            j.queue_backup(rel, root)


class Mirror:
    """One engine run's backup copies: queued in the journal as files are written, copied
    by two threads while the run goes on, all waited for (and recorded) by :meth:`drain`.
    With no backup the mirror is off and every file's backup state is 'off'."""

    def __init__(self, j: Journal, lib: Path, backup: Path | None, progress: Callable[[dict[str, Any]], None]):
        self.j, self.lib, self.progress = j, lib, progress
        self.target: BackupTarget | None = None
        self.problem: str | None = None
        self.ok = self.drainer = False
        self.pool: ThreadPoolExecutor | None = None
        self.futs: list[Future] = []
        if backup is not None:
            self._open(backup)

    def _open(self, backup: Path) -> None:
        j = self.j
        self.target = target = BackupTarget(backup, j)
        st = target.check()
        self.ok = st.available
        if not st.available:
            self.problem = st.reason
            self.progress({"event": "backup-unavailable", **told(st.why)})
            with j.tx():
                j.log("warning", "backup", st.why or Reason.of("backup-unavailable"))
            return
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="backup")
        self.drainer = j.try_lock(backup_lock(target.key))  # one station drains the queue at a time
        if self.drainer:
            with j.tx():  # a file journaled by a run that died before it queued the copy
                j.queue_all_backups(target.key)
            for row in j.pending_backups(target.key):  # queued by earlier runs
                self._submit(row["path"])

    def note(self, rel: str) -> None:
        """Inside the caller's transaction (the one that journals the file): its copy is due."""
        if self.target is not None:
            self.j.queue_backup(rel, self.target.key)

    def start(self, rel: str) -> None:
        """Copy a file :meth:`note` queued, now that its transaction is committed."""
        if self.target is not None and self.ok:
            self._submit(rel)

    def _submit(self, rel: str) -> None:
        assert self.pool is not None and self.target is not None
        self.futs.append(self.pool.submit(copy_one, self.target, self.lib, rel))

    def state(self, paths: list[str | None]) -> str:
        """'verified' when every one of ``paths`` is copied and verified, 'pending' while
        one is not, 'off' without a backup."""
        if self.target is None:
            return "off"
        states = {self.j.backup_state(p, self.target.key) for p in paths if p}
        return "verified" if states == {"verified"} else "pending"

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def drain(self, cancel: threading.Event) -> str | None:
        """Wait for every copy (the drainer also takes what was queued meanwhile: a resumed
        frame's original, a dead station's files); returns the run's backup problem."""
        if self.target is None:
            return self.problem
        key = self.target.key
        failures: list[tuple[str, str | None]] = []
        tried: set[str] = set()
        i = 0
        while True:
            for fut in self.futs[i:]:
                i += 1
                rel, sha, err = fut.result()
                tried.add(rel)
                record_copy(self.j, key, rel, sha, err)
                if not sha:
                    failures.append((rel, err))
                self.progress({"event": "backed-up" if sha else "backup-failed", "file": rel, "reason": err})
            left = [r["path"] for r in self.j.pending_backups(key) if r["path"] not in tried] \
                if self.drainer and self.pool and not cancel.is_set() else []
            if not left:
                break
            for rel in left:
                self._submit(rel)
        if self.pool:
            self.pool.shutdown(wait=True)
        self.j.unlock(backup_lock(key))
        if failures and not self.problem:
            return say("backup-failures", count=len(failures), file=failures[0][0], detail=failures[0][1])
        return self.problem


def drain_queue(j: Journal, lib: Path, target: BackupTarget, key: str, conflicts: set[str],
                stop: threading.Event, copied: Callable[[str, str | None], None]) -> bool:
    """Copy what the journal has queued for ``key``, one file at a time (the watcher's
    backup thread); ``copied(rel, problem)`` hears of each copy made or refused. False when
    the share failed (try again later); a conflict (another file where a copy goes) is
    never overwritten and kept in ``conflicts``, the other copies go on."""
    for row in j.pending_backups(key):
        if stop.is_set():
            return True
        rel = row["path"]
        if not (lib / rel).is_file():
            record_copy(j, key, rel, None, say("backup-not-in-library"), final=True, log=False)
            continue
        if rel in conflicts:
            continue  # reported this session; never overwritten (retried at the next start)
        try:
            sha = target.copy(lib, rel)
        except BackupConflict as e:  # the share is fine: the other copies go on
            conflicts.add(rel)
            record_copy(j, key, rel, None, str(e), final=True)
            copied(rel, str(e))
            continue
        except (OSError, ImgprepError) as e:
            record_copy(j, key, rel, None, str(e))
            log.warning("backup of %s failed: %s", rel, e)
            return False
        record_copy(j, key, rel, sha, None)
        copied(rel, None)
    return True


def copy_now(j: Journal, library: Path, rels: list[str]) -> list[str]:
    """Copy new library files (already queued) to every reachable backup now, recording
    each result; an unreachable backup keeps them queued for the next run. Returns one
    message per copy that failed."""
    problems = []
    for root in sorted(j.backup_roots()):
        target = BackupTarget(root, j)
        if not target.check().available:
            continue
        for rel in rels:
            rel, sha, err = copy_one(target, library, rel)
            record_copy(j, target.key, rel, sha, err, log=False)
            if not sha:
                problems.append(say("backup-file-failed", file=rel, detail=err))
    return problems
