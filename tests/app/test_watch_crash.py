"""Issue 5, acceptance 2: `imgprep watch` killed with SIGKILL at each engine step during a
batch of 50, then restarted: everything done exactly once, nothing half-written.

The kill comes from the test hook ``IMGPREP_TEST_KILL_AT=<step>:<n>`` (imgprep.app.faults.crash_point):
the process sends itself SIGKILL the n-th time it reaches that step. Slow (two real
watcher processes per case, ~8 s each)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from helpers import sha

from .test_watch import jpeg_bytes, wait_for

ROOT = Path(__file__).resolve().parents[2]
N = 50

pytestmark = [pytest.mark.timeout(300), pytest.mark.skipif(os.name == "nt", reason="SIGKILL/SIGTERM semantics")]


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> dict[str, bytes]:
    return {f"IMG_{i:03d}.jpg": jpeg_bytes(1000 + i, 640, 480) for i in range(N)}


@pytest.fixture(scope="module")
def preset_file(tmp_path_factory) -> Path:
    """The default preset without card detection (these tests are about recovery)."""
    text = (ROOT / "presets" / "taobao-710.toml").read_text(encoding="utf-8")
    assert "[colour]\n" in text
    p = tmp_path_factory.mktemp("preset") / "fast.toml"
    p.write_text(text.replace("[colour]\n", "[colour]\nenabled = false\n", 1), encoding="utf-8")
    return p


def _watch(tmp: Path, preset: Path, extra_env: dict[str, str], poll: bool, name: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "IMGPREP_TEST_KILL_AT"}
    env.update(extra_env)
    args = [sys.executable, "-m", "imgprep.cli", "watch", str(tmp / "drop"), "--library", str(tmp / "lib"),
            "--backup", str(tmp / "bak"), "--preset", str(preset), "--json", "--stable", "0.2", "--rescan", "1"]
    if poll:
        args.append("--poll")
    # Output to files, in a session of its own: worker processes orphaned by the kill
    # must not hold a pipe open, and the test ends them by their process group.
    with open(tmp / f"{name}.out", "wb") as out, open(tmp / f"{name}.err", "wb") as err:
        return subprocess.Popen(args, stdout=out, stderr=err, env=env, cwd=ROOT, start_new_session=True)


def _end_group(p: subprocess.Popen) -> None:
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    p.wait(timeout=30)


def _state(lib: Path) -> tuple[int, int, int]:
    """(rendered sources, library files, verified backups), read-only, while it runs."""
    if not (lib / "imgprep.sqlite").exists():
        return (0, 0, 0)
    db = sqlite3.connect(f"file:{lib / 'imgprep.sqlite'}?mode=ro", uri=True, timeout=30)
    try:
        r = db.execute("SELECT COUNT(*) FROM sources WHERE state = 'rendered'").fetchone()[0]
        f = db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        b = db.execute("SELECT COUNT(*) FROM backups WHERE state = 'verified'").fetchone()[0]
        return (r, f, b)
    except sqlite3.OperationalError:  # schema not there yet
        return (0, 0, 0)
    finally:
        db.close()


@pytest.mark.parametrize("step,poll", [
    ("staged:10", False),          # the original copied to a temp in the library, nothing journaled
    ("published:10", False),       # final name given, journal still says 'reserved'
    ("ingested:10", False),        # journal commit done, nothing rendered
    ("rendered:10", False),        # rendition written and journaled, source not yet moved
    ("backup-staged:10", False),   # in the middle of a backup copy (temp in the backup)
    ("source-moved:10", False),    # the drop copy moved to done/, journal not yet told
    ("ingested:10", True),         # the same through the polling observer
])
def test_slow_kill_9_at_each_step_then_restart_does_everything_once(tmp_path, photos, preset_file, step, poll):
    drop, lib, bak = tmp_path / "drop", tmp_path / "lib", tmp_path / "bak"
    (drop / "K1").mkdir(parents=True)
    bak.mkdir()
    for name, data in photos.items():
        (drop / "K1" / name).write_bytes(data)

    first = _watch(tmp_path, preset_file, {"IMGPREP_TEST_KILL_AT": step}, poll, "first")
    try:
        code1 = first.wait(timeout=120)
    finally:
        _end_group(first)
    err1 = (tmp_path / "first.err").read_text(encoding="utf-8", errors="replace")
    assert code1 == -signal.SIGKILL, (code1, err1[-2000:])

    def finished():
        r, f, b = _state(lib)
        left = list((drop / "K1").iterdir()) if (drop / "K1").is_dir() else []
        return r == N and f == 2 * N and b == f and not left

    assert not finished()  # it really died in the middle

    second = _watch(tmp_path, preset_file, {}, poll, "second")
    try:
        wait_for(finished, 120, f"{N} rendered, moved and backed up", step=0.2)
        second.send_signal(signal.SIGTERM)
        code2 = second.wait(timeout=60)
    finally:
        _end_group(second)
    err2 = (tmp_path / "second.err").read_text(encoding="utf-8", errors="replace")
    assert code2 == 0, err2[-2000:]
    out = (tmp_path / "first.out").read_text(encoding="utf-8") + (tmp_path / "second.out").read_text(encoding="utf-8")
    events = [json.loads(x) for x in out.splitlines() if x.strip()]
    assert events[-1]["event"] == "stopped"

    want = Counter(sha_bytes(d) for d in photos.values())
    with sqlite3.connect(lib / "imgprep.sqlite") as db:
        db.row_factory = sqlite3.Row
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = list(db.execute("SELECT * FROM sources"))
        files = [r["path"] for r in db.execute("SELECT path FROM files")]
    assert len(rows) == N and {r["state"] for r in rows} == {"rendered"}
    assert Counter(r["sha256"] for r in rows) == want  # nothing missed, nothing twice
    assert sorted(r["seq"] for r in rows) == list(range(1, N + 1))  # unique sequence numbers
    for r in rows:
        assert sha(lib / r["raw_path"]) == r["sha256"]
    on_disk = sorted(p.relative_to(lib).as_posix() for p in (lib / "K1").rglob("*") if p.is_file())
    assert on_disk == sorted(files)  # no extra (half-written or duplicate) output
    for rel in files:
        assert sha(bak / rel) == sha(lib / rel), rel
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(".imgprep-tmp-")]
    done = sorted((drop / ".imgprep" / "done" / "K1").iterdir())
    assert [p.name for p in done] == sorted(photos)  # each source moved once, no "(2)" copies
    assert Counter(sha(p) for p in done) == want


def sha_bytes(b: bytes) -> str:
    import hashlib

    return hashlib.sha256(b).hexdigest()
