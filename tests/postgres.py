"""A real PostgreSQL server for the tests, started in a temporary folder.

The binaries come from the ``pgserver`` wheel (Linux, macOS, Windows; a test extra), else
from the system (``pg_config --bindir``, /usr/lib/postgresql/*/bin). PostgreSQL refuses
to run as root: as root the server runs as the unprivileged user ``nobody``, in a folder
it owns. A small guard process starts the server (its output to a log file, never a
pipe) and stops it when its stdin closes — when pytest ends or is killed — so a server
is never left running (nor its folder, when the test process was killed).

Run as a script (``python tests/postgres.py guard …``) it is that guard.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

SUPERUSER = "postgres"


def find_bindir() -> Path:
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.origin:
        b = Path(spec.origin).parent / "pginstall" / "bin"
        if (b / "postgres").exists() or (b / "postgres.exe").exists():
            return b
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10).stdout.strip()
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    for b in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True):
        if (Path(b) / "initdb").exists():
            return Path(b)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("no PostgreSQL server binaries: pip install pgserver (the test extra) or the system's package")


def _unprivileged() -> tuple[int, int] | None:
    """(uid, gid) to run the server as, when we are root; None otherwise."""
    if os.name == "nt" or os.geteuid() != 0:
        return None
    import pwd

    pw = pwd.getpwnam("nobody")
    return pw.pw_uid, pw.pw_gid


def _reachable_by_others(path: Path) -> bool:
    for p in [path, *path.parents]:
        if not os.stat(p).st_mode & 0o001:
            return False
    return True


def _copy_install(bindir: Path, dest: Path) -> Path:
    """Copy the server's installation where the unprivileged user can run it; returns its
    bin folder. The pgserver wheel's binaries find their libraries at
    ``$ORIGIN/../../../pgserver.libs``: that layout is kept."""
    install = bindir.parent
    shutil.copytree(install, dest / install.parent.name / install.name, symlinks=True)
    libs = install.parent.parent / "pgserver.libs"
    if libs.is_dir():
        shutil.copytree(libs, dest / libs.name, symlinks=True)
    for d in (dest, dest / install.parent.name):
        os.chmod(d, 0o755)
    return dest / install.parent.name / install.name / bindir.name


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One PostgreSQL server in ``base`` (a fresh temporary folder by default)."""

    def __init__(self, base: Path | None = None):
        self.base = Path(base or tempfile.mkdtemp(prefix="imgprep-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = _free_port()
        self.ids = _unprivileged()
        self.bindir = find_bindir()
        self._guard: subprocess.Popen | None = None
        if self.ids is not None:
            os.chown(self.base, *self.ids)
            if not _reachable_by_others(self.bindir):  # e.g. a clone under /root: a copy it can run
                self.bindir = _copy_install(self.bindir, self.base / "install")
        self._run([str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                   "--encoding=UTF8", "--locale=C", "--no-sync"])

    def _run(self, cmd: list[str]) -> None:
        kw: dict = {"user": self.ids[0], "group": self.ids[1], "extra_groups": []} if self.ids else {}
        with open(self.base / "initdb.log", "ab") as log:
            r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.base,
                               env={**os.environ, "LC_ALL": "C"}, timeout=120, **kw)
        if r.returncode:
            raise RuntimeError(f"{cmd[0]} failed: {(self.base / 'initdb.log').read_text(errors='replace')[-2000:]}")

    def url(self, db: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{db}"

    def start(self, timeout: float = 60) -> None:
        cmd = [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port),
               "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.base}",
               "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
               "-c", "max_connections=200", "-c", "shared_buffers=16MB"]
        ids = [str(i) for i in self.ids] if self.ids else ["-", "-"]
        self._guard = subprocess.Popen([sys.executable, __file__, "guard", str(self.log), *ids, *cmd],
                                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True)
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if self._guard.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not start: {self.log.read_text(errors='replace')[-2000:]}") \
                        from None
                time.sleep(0.1)

    def stop(self) -> None:
        g, self._guard = self._guard, None
        if g is None:
            return
        with contextlib.suppress(OSError):
            g.stdin.write(b"stop\n")  # type: ignore[union-attr]  # keep the data: it may start again
            g.stdin.close()  # type: ignore[union-attr]
        try:
            g.wait(60)
        except subprocess.TimeoutExpired:
            g.kill()
            g.wait()

    def create_db(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as c:
            c.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def _guard(log: str, uid: str, gid: str, cmd: list[str]) -> int:
    """Start the server, wait for our stdin to close (the test session ended or died),
    stop the server (fast shutdown, then kill), exit. Without a "stop" line first (the
    test process died) the server's folder goes too."""
    kw: dict = {} if uid == "-" else {"user": int(uid), "group": int(gid), "extra_groups": []}
    with open(log, "ab") as out:
        server = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                  env={**os.environ, "LC_ALL": "C"}, **kw)
    signal.signal(signal.SIGTERM, lambda *a: None)  # stopped through stdin only
    signal.signal(signal.SIGINT, lambda *a: None)
    asked = False
    try:
        for line in sys.stdin.buffer:
            asked = asked or line.strip() == b"stop"
    finally:
        server.send_signal(signal.SIGINT)  # fast shutdown
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if not asked:
            shutil.rmtree(Path(log).parent, ignore_errors=True)
    return 0


if __name__ == "__main__" and len(sys.argv) > 4 and sys.argv[1] == "guard":
    sys.exit(_guard(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]))
