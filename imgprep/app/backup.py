"""The backup mirror: every library file copied to another disk or share, verified by hash.

A marker file in the backup root tells a mounted share from an empty mount point: with
no marker, the backup is unavailable and copies wait in the journal's queue. Deletions
are never propagated; nothing in the backup is ever overwritten.
"""

from __future__ import annotations

import errno
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import FileOpError
from ..core.fsutil import FileExists, hash_file, publish, real_dir, stage_copy, write_new
from ..core.journal import Journal, now
from ..core.messages import Reason, error_reason, say
from .faults import crash_point

MARKER = ".imgprep-backup"
MARKER_MAX = 4096  # bytes: imgprep writes about 90; more is not a marker of ours


@dataclass
class BackupStatus:
    available: bool
    why: Reason | None = None  # why not

    @property
    def reason(self) -> str | None:
        """Why not, in English."""
        return None if self.why is None else str(self.why)


class BackupTarget:
    def __init__(self, root: str | Path, journal: Journal):
        self.root = Path(root)
        self.key = str(self.root.resolve()) if self.root.exists() else os.path.abspath(self.root)
        self.library_id = journal.library_id
        self._journal = journal

    def check(self) -> BackupStatus:
        """Is the backup reachable and ours? Initialises an empty folder on first use."""
        root = self.root
        if not root.is_dir():
            return BackupStatus(False, Reason.of("backup-unreachable", root=root))
        marker = root / MARKER
        meta_key = f"backup_root:{self.key}"
        try:
            if marker.is_file():
                try:
                    data = json.loads(marker.read_bytes()[:MARKER_MAX].decode("utf-8"))
                    data.get("library_id")
                except (ValueError, AttributeError):  # not JSON, not UTF-8, not an object
                    return BackupStatus(False, Reason.of("backup-marker-unreadable", root=root, marker=MARKER))
                if data.get("library_id") != self.library_id:
                    return BackupStatus(False, Reason.of("backup-other-library", root=root, marker=MARKER,
                                                   id=data.get("library_id")))
                return BackupStatus(True)
            if self._journal.meta(meta_key):
                return BackupStatus(False, Reason.of("backup-marker-lost", root=root, marker=MARKER))
            if any(p.name != MARKER for p in root.iterdir()):
                return BackupStatus(False, Reason.of("backup-not-empty", root=root, marker=MARKER))
            write_new(marker, json.dumps({"library_id": self.library_id, "created": now()}).encode())
            with self._journal.tx():
                self._journal.set_meta(meta_key, now())
            return BackupStatus(True)
        except (OSError, ValueError, FileOpError) as e:
            return BackupStatus(False, Reason.of("backup-folder-error", root=root, detail=error_reason(e)))

    def copy(self, library: Path, rel: str) -> str:
        """Copy ``library/rel`` to the backup, read back and verified; return the hash.

        Folders are created below the backup root only: if the share vanishes mid-run,
        its mount point is never re-created locally. An existing backup file with the
        same content counts as done; with other content it is a conflict, reported and
        never overwritten.
        """
        src, dst = library / rel, self.root / rel
        if not (self.root / MARKER).is_file():
            raise FileOpError("backing up", src, dst, OSError(errno.ENOENT, say("backup-share-gone")))
        real_dir(self.root, Path(rel).parent)  # never through a link to elsewhere
        want = hash_file(src)
        if not dst.exists():
            tmp, sha = stage_copy(src, dst.parent, dst.name, expect_sha256=want, mkdir=False)
            crash_point("backup-staged")
            try:
                publish(tmp, dst)
                return sha
            except FileExists:
                pass  # someone else's copy landed meanwhile: compare it below
        have = hash_file(dst)
        if have == want:
            return have
        raise BackupConflict("backing up", src, dst, OSError(say("backup-conflict", hash=have[:12])))


class BackupConflict(FileOpError):
    """Another file is where a backup copy goes (a copy changed after it was verified):
    reported, never overwritten; the share itself is fine."""


def verify_copies(j: Journal, root: str | None = None) -> list[dict[str, str]]:
    """Re-hash the backup copies the journal holds as verified (of ``root``, or of every
    backup) and report those gone or changed since: ``[{"path", "root", "reason"}]``. Each
    goes back to the backlog with its reason: a gone copy is made again, a changed one is
    never overwritten (its next copy attempt is a :class:`BackupConflict`)."""
    changed = []
    for r in j.verified_backups(root):
        copy = Path(r["root"]) / r["path"]
        try:
            reason = None if hash_file(copy) == r["sha256"] else say("backup-copy-changed")
        except FileNotFoundError:
            reason = say("backup-copy-missing")
        except OSError as e:
            reason = say("cannot-read", detail=e.strerror or e)
        if reason:
            changed.append({"path": r["path"], "root": r["root"], "reason": reason})
            with j.tx():
                j.backup_failed(r["path"], r["root"], reason)
                j.log("warning", "backup", f"{r['path']}: {reason}", source=r["path"])
    return changed


def copy_one(target: BackupTarget, library: Path, rel: str) -> tuple[str, str | None, str | None]:
    """Thread-pool body: (rel, sha or None, error or None). Never raises."""
    try:
        return rel, target.copy(library, rel), None
    except (OSError, FileOpError) as e:
        return rel, None, str(e)
