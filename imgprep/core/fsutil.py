"""The one place that writes files.

Every file imgprep creates goes through :func:`write_new` or :func:`copy_new`:
a temp file in the target folder (a dot-name the watcher and the library scan
ignore), fsync, an exclusive link or rename onto the final name, fsync of the
folder. A final name is never overwritten and never holds a partial file.
(The pattern follows borg's ``SaveFile`` and beets' refusal to overwrite.)
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import shutil
import stat
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from .errors import FileOpError
from .messages import say

TEMP_PREFIX = ".imgprep-tmp-"
CHUNK = 1 << 20  # 1 MiB reads: large enough for fast hashing, small enough for memory


class FileExists(FileExistsError):
    """The final name is taken; we never overwrite."""


def hash_file(path: str | Path) -> str:
    """SHA-256 of a file's content, hex."""
    h = hashlib.sha256()
    with open(path, "rb", buffering=0) as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fsync_dir(folder: str | Path) -> None:
    """Make a rename durable. Windows has no directory fsync; NTFS journals renames."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as e:  # some network filesystems refuse fsync on directories
        if e.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


TEMP_NAME_KEEP = 80  # bytes of the final name a temp name keeps (its end: the extension)


def _temp_path(final: Path) -> Path:
    """A temp name beside ``final``, short enough for any valid final name (255 bytes
    is the usual limit): the prefix, a random token and the end of the final name."""
    tail = os.fsencode(final.name)[-TEMP_NAME_KEEP:].decode("utf-8", "ignore")
    return final.with_name(f"{TEMP_PREFIX}{secrets.token_hex(6)}-{tail}")


def real_dir(root: str | Path, rel: str | Path, *, create: bool = True) -> Path:
    """``root/rel`` as a real folder: the one policy for paths under the library and the
    backup. Each component below ``root`` must be a folder, never a symbolic link (so
    nothing is written through a link to elsewhere); missing ones are created one by one
    (``create``), or left missing. ``root`` itself may be a link: the user chose it.
    Raises :class:`FileOpError`."""
    d = Path(root)
    for part in Path(rel).parts:
        d = d / part
        if create:
            try:
                os.mkdir(d)
            except FileExistsError:
                pass
            except OSError as e:
                raise FileOpError("writing", None, d, e) from e
        try:
            st = os.lstat(d)
        except FileNotFoundError:
            if create:
                raise
            return d
        if stat.S_ISLNK(st.st_mode):
            raise FileOpError("writing", None, d, OSError(errno.ELOOP, say("library-link", path=d)))
        if not stat.S_ISDIR(st.st_mode):
            raise FileOpError("writing", None, d, OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)))
    return d


def _retry_sharing(fn: Callable[[], None], attempts: int = 6) -> None:
    """Windows: antivirus and indexers hold files briefly; retry sharing violations."""
    delay = 0.05
    for i in range(attempts):
        try:
            fn()
            return
        except PermissionError:
            if os.name != "nt" or i == attempts - 1:
                raise
            time.sleep(delay)
            delay *= 2


def _publish(tmp: Path, final: Path) -> None:
    """Give ``tmp`` the name ``final`` without ever replacing an existing ``final``."""
    try:
        os.link(tmp, final)  # atomic and exclusive: EEXIST if the name is taken
    except FileExistsError:
        raise FileExists(str(final)) from None
    except OSError as e:
        if e.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS):
            raise
        # Filesystem without hard links (FAT/exFAT, some SMB shares).
        if os.name == "nt":
            # Windows rename refuses an existing target: exclusive by nature.
            try:
                _retry_sharing(lambda: os.rename(tmp, final))
            except FileExistsError:
                raise FileExists(str(final)) from None
            return
        if os.path.lexists(final):  # residual race is covered by the library lock
            raise FileExists(str(final)) from None
        os.rename(tmp, final)
        return
    _retry_sharing(lambda: os.unlink(tmp))


def write_new(final: str | Path, data: bytes | Callable[[BinaryIO], None], *, mkdir: bool = True) -> Path:
    """Atomically create ``final`` with ``data`` (bytes or a writer callback).

    Raises :class:`FileExists` if ``final`` exists: nothing is ever overwritten.
    """
    final = Path(final)
    if mkdir:
        final.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(final):
        raise FileExists(str(final))
    tmp = _temp_path(final)
    try:
        with open(tmp, "xb") as f:
            if callable(data):
                data(f)
            else:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        _unlink_quiet(tmp)
        raise FileOpError("writing", None, final, e) from e
    publish(tmp, final)
    return final


def write_or_adopt(final: str | Path, data: bytes) -> tuple[str, int]:
    """:func:`write_new` for a name the journal reserved for this very output: if the file
    is already there, an interrupted run wrote it (atomically, so whole) and it is adopted.
    Returns (hex SHA-256, size) of what is on disk."""
    final = Path(final)
    try:
        write_new(final, data)
        return hash_bytes(data), len(data)
    except FileExists:
        return hash_file(final), final.stat().st_size


def write_replace(final: str | Path, data: bytes) -> Path:
    """Atomically replace ``final`` (for imgprep's own mutable files: sidecars, settings,
    reports that are regenerated). Never used for originals or renditions."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(final)
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _retry_sharing(lambda: os.replace(tmp, final))
    except OSError as e:
        _unlink_quiet(tmp)
        raise FileOpError("writing", None, final, e) from e
    fsync_dir(final.parent)
    return final


def stage_copy(src: str | Path, folder: str | Path, name: str, *, expect_sha256: str | None = None,
               mkdir: bool = True) -> tuple[Path, str]:
    """Copy ``src`` to a temp file in ``folder`` (hashing while copying, fsync, read back
    and compared). Returns (temp path, hex SHA-256). :func:`publish` gives it its final
    name; a temp never published is swept at the next start. ``mkdir=False`` for a share:
    an unmounted share must fail the copy, not grow a local folder at its mount point.
    """
    src, folder = Path(src), Path(folder)
    if mkdir:
        folder.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(folder / name)
    h = hashlib.sha256()
    try:
        with open(src, "rb", buffering=0) as f, open(tmp, "xb") as out:
            if expect_sha256 is None:
                for chunk in iter(lambda: f.read(CHUNK), b""):
                    h.update(chunk)
                    out.write(chunk)
            else:
                # The content is known: the read-back below checks the copy against
                # it, so the bytes need not be hashed on the way (a quarter of the CPU).
                shutil.copyfileobj(f, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest() if expect_sha256 is None else expect_sha256
        back = read_back_hash(tmp)
        if back != digest:
            if expect_sha256 is not None:
                now = hash_file(src)
                if now != expect_sha256:
                    raise OSError(errno.EIO, say("copy-source-changed", got=now[:12], want=expect_sha256[:12]))
            raise OSError(errno.EIO, say("copy-read-back", got=back[:12], want=digest[:12]))
    except OSError as e:
        _unlink_quiet(tmp)
        raise FileOpError("copying", src, folder / name, e) from e
    return tmp, digest


def publish(tmp: str | Path, final: str | Path) -> None:
    """Give a staged temp file its final name, exclusively (never over an existing file)."""
    tmp, final = Path(tmp), Path(final)
    try:
        _publish(tmp, final)
    except FileExists:
        _unlink_quiet(tmp)
        raise
    except OSError as e:
        _unlink_quiet(tmp)
        raise FileOpError("naming", tmp, final, e) from e
    fsync_dir(final.parent)


def move_new(src: str | Path, final: str | Path) -> None:
    """Move a file within the library to a new name, never over an existing file; on any
    failure ``src`` stays where it was."""
    src, final = Path(src), Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        _publish(src, final)  # link + unlink, or an exclusive rename
    except OSError as e:
        if isinstance(e, FileExists):
            raise
        raise FileOpError("moving", src, final, e) from e
    fsync_dir(final.parent)
    fsync_dir(src.parent)


def discard(tmp: str | Path) -> None:
    _unlink_quiet(Path(tmp))


def copy_new(src: str | Path, final: str | Path, *, expect_sha256: str | None = None) -> str:
    """Copy ``src`` to a new file ``final`` atomically, hashing while copying.

    The copy is read back after fsync and compared with the source hash (and with
    ``expect_sha256`` when given). Returns the hex SHA-256. Raises
    :class:`FileExists` if ``final`` exists.
    """
    final = Path(final)
    if os.path.lexists(final):
        raise FileExists(str(final))
    tmp, digest = stage_copy(src, final.parent, final.name, expect_sha256=expect_sha256)
    publish(tmp, final)
    return digest


def read_back_hash(path: str | Path) -> str:
    """Hash a file we just wrote, asking the OS to drop it from the page cache first
    (where it can) so the hash comes from the disk or share, not from memory."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        if hasattr(os, "posix_fadvise"):
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            except OSError:
                pass
        h = hashlib.sha256()
        while chunk := os.read(fd, CHUNK):
            h.update(chunk)
        return h.hexdigest()
    finally:
        os.close(fd)


def _unlink_quiet(p: Path) -> None:
    try:
        os.unlink(p)
    except FileNotFoundError:
        pass
    except OSError:
        pass


def sweep_temps(roots: Iterable[str | Path], min_age: float = 0) -> list[Path]:
    """Remove temp leftovers of an interrupted run. Only call while holding the
    library lock: then no temp file can belong to a live writer. Where other stations
    write too (a server journal), ``min_age`` seconds spares their copies in progress."""
    removed: list[Path] = []
    cutoff = time.time() - min_age
    for root in roots:
        root = Path(root)
        if not root.is_dir():
            continue
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                if name.startswith(TEMP_PREFIX):
                    p = Path(dirpath) / name
                    if min_age:
                        try:
                            if os.lstat(p).st_mtime > cutoff:
                                continue
                        except OSError:
                            continue
                    _unlink_quiet(p)
                    removed.append(p)
    return removed


class LibraryLock:
    """One writer per library: an OS lock on ``<library>/.imgprep.lock``.

    The OS releases it when the process dies (kill -9 included), so a crash never
    leaves a stale lock.
    """

    def __init__(self, library: str | Path):
        self.path = Path(library) / ".imgprep.lock"
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if os.name == "nt":
                import msvcrt

                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise FileOpError(
                "locking the library", None, self.path,
                OSError(errno.EBUSY, "another imgprep process is using this library"),
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> LibraryLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# Network filesystems: their change notifications are unreliable or absent (the hot folder
# polls there) and their locking cannot carry a SQLite journal (journal.sqlite_refusal).
NETWORK_FSTYPES = frozenset({
    "cifs", "smb", "smb2", "smb3", "smbfs", "nfs", "nfs4", "afpfs", "ncpfs", "9p", "webdav", "davfs",
    "fuse.sshfs", "sshfs", "fuse.rclone", "fuse.s3fs", "fuse.gvfsd-fuse", "fuse.davfs", "glusterfs",
    "fuse.glusterfs", "ceph", "fuse.ceph", "afs", "lustre", "gpfs", "vboxsf", "vmhgfs", "fuse.vmhgfs-fuse",
    "prl_fs", "drvfs",
})
MOUNTS_FILE = "/proc/mounts"  # Linux; a test points it at a mount table of its own


def network_fstype(path: str | Path, mounts: str | None = None, platform: str | None = None) -> str | None:
    """The network filesystem type holding ``path``, or None for a local disk (best effort).

    Linux: the longest matching mount point in :data:`MOUNTS_FILE` (``mounts`` overrides
    the text, for tests). macOS: the output of ``mount``. Windows: UNC paths and remote drive letters.
    """
    platform = platform or sys.platform
    if platform == "win32" and str(path).startswith(("\\\\", "//")):
        return "unc"
    p = os.path.abspath(path)
    if platform == "win32":
        if mounts is None:
            try:
                import ctypes

                drive = os.path.splitdrive(p)[0] + "\\"
                if ctypes.windll.kernel32.GetDriveTypeW(drive) == 4:  # type: ignore[attr-defined]  # DRIVE_REMOTE
                    return "remote"
            except (OSError, AttributeError):
                return None
        return None
    if mounts is None:
        try:
            if platform.startswith("linux"):
                mounts = Path(MOUNTS_FILE).read_text(encoding="utf-8", errors="replace")
            elif platform == "darwin":
                import subprocess

                mounts = subprocess.run(["/sbin/mount"], capture_output=True, text=True, timeout=5).stdout
            else:
                return None
        except (OSError, ValueError):
            return None
        try:
            p = os.path.realpath(p)
        except OSError:
            pass
    best, fstype = "", None
    for line in mounts.splitlines():
        if platform == "darwin":
            # "//user@server/share on /Volumes/share (smbfs, nodev, nosuid, mounted by user)"
            if " on " not in line or " (" not in line:
                continue
            point = line.split(" on ", 1)[1].rsplit(" (", 1)[0]
            kind = line.rsplit(" (", 1)[1].split(",")[0].strip(" )")
        else:
            parts = line.split()
            if len(parts) < 3:
                continue
            point = parts[1].replace("\\040", " ").replace("\\011", "\t")
            kind = parts[2]
        if (p == point or p.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, fstype = point, kind
    if fstype and (fstype.lower() in NETWORK_FSTYPES or fstype.lower().startswith(("nfs", "smb", "cifs"))):
        return fstype
    return None
