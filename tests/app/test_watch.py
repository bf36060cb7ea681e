"""Issue 5: the hot folder. A real watcher (watchdog, native and polling) on temp folders,
real writer processes; every wait polls with a deadline."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from helpers import photo_array, sha
from PIL import Image

from imgprep.app.batch import is_ignored
from imgprep.app.watch import Watcher, WatchOptions, incomplete_reason, network_fstype, watch_status
from imgprep.core.errors import ConfigError
from imgprep.core.journal import Journal
from imgprep.core.presets import load_preset

WRITER = Path(__file__).with_name("watch_writer.py")
MODES = [pytest.param(False, id="native"), pytest.param(True, id="poll")]
# The slow tests (named test_slow_*) run real writer processes for tens of seconds.
SLOW = pytest.mark.timeout(300)


# ----------------------------------------------------------------------------- helpers
def wait_for(cond, timeout: float = 30.0, what: str = "condition", step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


_BASE: dict[str, np.ndarray] = {}


def jpeg_bytes(i: int, w: int = 900, h: int = 675) -> bytes:
    """A unique ~250 KB photo (noise keeps it from compressing to nothing)."""
    key = f"{w}x{h}"
    if key not in _BASE:
        a = photo_array(w, h, seed=3).astype(np.int16)
        a += np.random.default_rng(5).normal(0, 16, a.shape).astype(np.int16)
        _BASE[key] = np.clip(a, 0, 255).astype(np.uint8)
    a = _BASE[key].copy()
    a[h // 2: h // 2 + 24, 10: 10 + 24] = (i % 251, (i * 7) % 253, (i * 13) % 255)
    a[10:20, w // 2: w // 2 + 8 * (1 + i % 50)] = (200, (i * 3) % 255, 40)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "JPEG", quality=90)
    return buf.getvalue()


class Run:
    """A Watcher on tmp folders, its events collected."""

    def __init__(self, tmp: Path, *, poll: bool = False, backup: bool = False, **kw):
        self.drop, self.lib, self.bak = tmp / "drop", tmp / "lib", tmp / "bak"
        self.drop.mkdir(exist_ok=True)
        if backup:
            self.bak.mkdir(exist_ok=True)
        opts = dict(stable=0.25, stall=1.5, rescan=2.0, poll_interval=0.25, supervise=0.2, tick=0.05,
                    backup_retry=0.2, backup_retry_max=0.5, workers=2)
        opts.update(kw)
        self.events: list[dict] = []
        self._lock = threading.Lock()
        self.w = Watcher(WatchOptions(self.drop, self.lib, fast_preset(), backup=self.bak if backup else None,
                                      poll=poll or None, **opts), self._emit)

    def _emit(self, ev: dict) -> None:
        with self._lock:
            self.events.append(ev)

    def of(self, kind: str) -> list[dict]:
        with self._lock:
            return [e for e in self.events if e["event"] == kind]

    def __enter__(self) -> Run:
        self.w.start()
        return self

    def __exit__(self, *exc) -> None:
        self.w.stop()

    def journal(self) -> sqlite3.Connection:
        db = sqlite3.connect(f"file:{self.lib / 'imgprep.sqlite'}?mode=ro", uri=True, timeout=30)
        db.row_factory = sqlite3.Row
        return db

    def rows(self) -> list[sqlite3.Row]:
        db = self.journal()
        try:
            return list(db.execute("SELECT * FROM sources ORDER BY sku, seq"))
        finally:
            db.close()


def fast_preset():
    """The default preset without card detection: these tests are about the watcher."""
    from dataclasses import replace

    p = load_preset(None)
    return replace(p, colour=replace(p.colour, enabled=False))


def write_spec(tmp: Path, name: str, **spec) -> Path:
    p = tmp / f"{name}.json"
    p.write_text(json.dumps(spec), encoding="utf-8")
    return p


def drop_files(run: Run) -> list[Path]:
    return [p for p in run.drop.rglob("*") if p.is_file() and ".imgprep" not in p.relative_to(run.drop).parts]


# ----------------------------------------------------------------------------- units
def test_network_filesystems_are_detected_from_the_mount_table():
    mounts = ("/dev/sda1 / ext4 rw 0 0\n"
              "//nas/photos /mnt/studio\\040share cifs rw 0 0\n"
              "server:/export /mnt/nfs nfs4 rw 0 0\n"
              "me@host:/x /home/me/remote fuse.sshfs rw 0 0\n")
    assert network_fstype("/mnt/studio share/drop", mounts, "linux") == "cifs"
    assert network_fstype("/mnt/nfs/a/b", mounts, "linux") == "nfs4"
    assert network_fstype("/home/me/remote/drop", mounts, "linux") == "fuse.sshfs"
    assert network_fstype("/mnt/nfsx", mounts, "linux") is None  # a prefix is not a mount point
    assert network_fstype("/home/me/drop", mounts, "linux") is None
    mac = "/dev/disk1s1 on / (apfs, local)\n//u@nas/share on /Volumes/share (smbfs, nodev, nosuid)\n"
    assert network_fstype("/Volumes/share/drop", mac, "darwin") == "smbfs"
    assert network_fstype(r"\\nas\share\drop", "", "win32") == "unc"


def test_temp_and_system_names_are_ignored():
    for name in ["a.jpg.part", "a.tmp", "a.crdownload", "~$a.jpg", "._a.jpg", ".DS_Store", "Thumbs.db",
                 "desktop.ini", "a.syncthing.x.tmp", ".syncthing.a.jpg", ".a.jpg.Xy12Ab", ".imgprep"]:
        assert is_ignored(name), name
    assert not is_ignored("IMG_0001.JPG")


def test_completeness_judges_whole_files_only(tmp_path):
    data = jpeg_bytes(1)
    whole, half = tmp_path / "whole.jpg", tmp_path / "half.jpg"
    whole.write_bytes(data)
    half.write_bytes(data[: len(data) // 2])
    assert incomplete_reason(whole) is None
    assert incomplete_reason(half) is not None
    trailer = tmp_path / "trailer.jpg"  # some cameras append data after the image
    trailer.write_bytes(data + b"VENDOR-TRAILER" * 4)
    assert incomplete_reason(trailer) is None
    png = tmp_path / "a.png"
    Image.fromarray(photo_array(200, 150)).save(png)
    assert incomplete_reason(png) is None
    cut = tmp_path / "cut.png"
    cut.write_bytes(png.read_bytes()[:-200])
    assert incomplete_reason(cut) is not None
    (tmp_path / "empty.jpg").write_bytes(b"")
    assert incomplete_reason(tmp_path / "empty.jpg") == "empty file"


def test_library_or_backup_inside_the_drop_folder_is_refused(tmp_path, run_cli):
    drop = tmp_path / "drop"
    drop.mkdir()
    with pytest.raises(ConfigError):
        Watcher(WatchOptions(drop, drop / "lib", load_preset(None)))
    with pytest.raises(ConfigError):
        Watcher(WatchOptions(drop, tmp_path / "lib", load_preset(None), backup=drop / "bak"))
    code, _out, err = run_cli("watch", drop, "--library", drop / "lib")
    assert code == 2 and "overlap" in err
    assert not (drop / "lib").exists()
    code, _out, err = run_cli("watch", tmp_path / "missing", "--library", tmp_path / "lib")
    assert code == 2


# ----------------------------------------------------------------------------- acceptance 1
@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> list[Path]:
    d = tmp_path_factory.mktemp("originals")
    out = []
    for i in range(200):
        p = d / f"IMG_{i:04d}.jpg"
        p.write_bytes(jpeg_bytes(i))
        out.append(p)
    return out


@SLOW
@pytest.mark.parametrize("poll", MODES)
def test_slow_writers_each_file_exactly_once_none_half_read(tmp_path, originals, poll):
    """200 files written 64 KB every 20 ms by 4 processes (2 files at once each), plus a
    writer killed half-way: each file processed once and whole; the killed one stalled."""
    with Run(tmp_path, poll=poll) as run:
        procs = []
        for k in range(4):
            pairs = [[str(o), str(run.drop / f"S{i % 5}" / o.name)] for i, o in enumerate(originals) if i % 4 == k]
            spec = write_spec(tmp_path, f"w{k}", pairs=pairs, chunk=65536, interval=0.02, parallel=2)
            procs.append(subprocess.Popen([sys.executable, str(WRITER), str(spec)]))
        killed = run.drop / "S0" / "KILLED.jpg"
        spec = write_spec(tmp_path, "killer", pairs=[[str(originals[0]), str(killed)]], chunk=65536,
                          interval=0.02, parallel=1, die_after=100_000)
        procs.append(subprocess.Popen([sys.executable, str(WRITER), str(spec)]))
        for p in procs:
            p.wait(timeout=120)
        assert procs[-1].returncode != 0  # the killer really died
        wait_for(lambda: len(run.of("rendered")) >= 200, 150, "200 rendered")
        wait_for(lambda: run.of("stalled"), 30, "the stalled report")
        wait_for(lambda: not [p for p in drop_files(run) if p != killed], 30, "drop folder emptied")
        rows = run.rows()
    want = {sha(o): o.name for o in originals}
    assert len(rows) == 200
    assert {r["state"] for r in rows} == {"rendered"}
    assert Counter(r["sha256"] for r in rows) == Counter(want.keys())  # each exactly once, none half-read
    for r in rows:
        assert sha(run.lib / r["raw_path"]) == r["sha256"]
    seqs = Counter((r["sku"], r["seq"]) for r in rows)
    assert max(seqs.values()) == 1
    ingested = Counter(e["source"] for e in run.of("ingested"))
    assert len(ingested) == 200 and set(ingested.values()) == {1}
    assert [e["source"] for e in run.of("stalled")] == [str(killed)]
    assert not [r for r in rows if Path(r["source_path"]).name == "KILLED.jpg"]
    assert killed.exists()  # a stalled file is left where it is
    done = list((run.drop / ".imgprep" / "done").rglob("*.jpg"))
    assert len(done) == 200 and all(sha(p) in want for p in done)
    assert not run.of("failed")
    with Journal(run.lib) as j:
        st = watch_status(j)
    assert [s["path"] for s in st["stalled"]] == [str(killed)]


@pytest.mark.parametrize("poll", MODES)
def test_temp_then_rename_is_processed_once_under_its_final_name(tmp_path, poll):
    src = tmp_path / "src"
    src.mkdir()
    a, b = src / "a.jpg", src / "b.jpg"
    a.write_bytes(jpeg_bytes(301))
    b.write_bytes(jpeg_bytes(302))
    with Run(tmp_path, poll=poll) as run:
        for mode, f in (("part", a), ("rsync", b)):
            spec = write_spec(tmp_path, mode, pairs=[[str(f), str(run.drop / "T1" / f.name)]], chunk=65536,
                              interval=0.02, temp=mode)
            subprocess.run([sys.executable, str(WRITER), str(spec)], check=True, timeout=60)
        wait_for(lambda: len(run.of("rendered")) >= 2, 30, "2 rendered")
        wait_for(lambda: not drop_files(run), 10, "drop emptied")
    assert sorted(Path(e["source"]).name for e in run.of("queued")) == ["a.jpg", "b.jpg"]
    assert not [e for e in run.events if ".part" in str(e.get("source")) or "Xy12Ab" in str(e.get("source"))]
    assert len(run.rows()) == 2


# ----------------------------------------------------------------------------- acceptance 4
@pytest.mark.parametrize("poll", MODES)
def test_duplicates_and_reused_names(tmp_path, poll):
    one, other = jpeg_bytes(401), jpeg_bytes(402)
    with Run(tmp_path, poll=poll) as run:
        sku = run.drop / "D1"
        sku.mkdir()
        (sku / "front.jpg").write_bytes(one)
        wait_for(lambda: run.of("rendered"), 20, "first rendered")
        wait_for(lambda: not drop_files(run), 10, "first moved to done/")
        (sku / "front copy.jpg").write_bytes(one)  # the same photo under another name
        wait_for(lambda: run.of("duplicate"), 20, "duplicate")
        (sku / "front.jpg").write_bytes(other)  # another photo under a name already used
        wait_for(lambda: len(run.of("rendered")) >= 2, 20, "second rendered")
        # Only once the second photo has left the drop folder: writing over a file the
        # watcher is still verifying would replace that photo in the drop (a different test).
        wait_for(lambda: not drop_files(run), 10, "second moved to done/")
        (sku / "front.jpg").write_bytes(one)  # the first photo again, same name
        wait_for(lambda: len(run.of("duplicate")) >= 2, 20, "second duplicate")
        wait_for(lambda: not drop_files(run), 10, "drop emptied")
        rows = run.rows()
    assert [(r["seq"], r["sha256"]) for r in rows] == [(1, sha_bytes(one)), (2, sha_bytes(other))]
    assert [Path(e["source"]).name for e in run.of("duplicate")] == ["front copy.jpg", "front.jpg"]
    raw = sorted(p.name for p in (run.lib / "D1" / "raw").iterdir())
    assert raw == ["D1-01.jpg", "D1-02.jpg"]
    assert sha(run.lib / "D1" / "raw" / "D1-01.jpg") == sha_bytes(one)  # nothing overwritten
    done = run.drop / ".imgprep" / "done" / "D1"
    names = sorted(p.name for p in done.iterdir())
    assert names == ["front (2).jpg", "front (3).jpg", "front copy.jpg", "front.jpg"]
    assert sha(done / "front.jpg") == sha_bytes(one) and sha(done / "front (2).jpg") == sha_bytes(other)


def sha_bytes(b: bytes) -> str:
    import hashlib

    return hashlib.sha256(b).hexdigest()


def test_shoot_rules_unassigned_refused_and_kept_sources(tmp_path):
    with Run(tmp_path, keep_sources=True) as run:
        (run.drop / "loose.jpg").write_bytes(jpeg_bytes(501))
        (run.drop / "bad sku").mkdir()
        (run.drop / "bad sku" / "x.jpg").write_bytes(jpeg_bytes(502))
        (run.drop / "K1" / "sub").mkdir(parents=True)
        (run.drop / "K1" / "sub" / "y.jpg").write_bytes(jpeg_bytes(503))
        (run.drop / "K1" / "notes.txt").write_text("hello")
        wait_for(lambda: run.of("rendered") and run.of("unassigned") and run.of("failed") and run.of("skipped"),
                 20, "all four outcomes")
        time.sleep(2.5)  # one more rescan: nothing is reported twice
    assert [Path(e["source"]).name for e in run.of("unassigned")] == ["loose.jpg"]
    assert "bad sku" in run.of("failed")[0]["reason"]
    assert run.of("rendered")[0]["sku"] == "K1"
    assert len(run.of("queued")) == 1
    assert (run.drop / "K1" / "sub" / "y.jpg").exists()  # --keep-sources
    # A restart takes nothing again.
    with Run(tmp_path, keep_sources=True) as run2:
        time.sleep(1.0)
    assert not run2.of("queued") and not run2.of("unassigned")
    with Journal(run.lib) as j:
        st = watch_status(j)
    assert [Path(s["path"]).name for s in st["unassigned"]] == ["loose.jpg"]
    assert [Path(s["path"]).name for s in st["refused"]] == ["x.jpg"]


# ----------------------------------------------------------------------------- acceptance 3
@SLOW
def test_slow_backup_share_goes_away_and_comes_back(tmp_path):
    away = tmp_path / "bak-unmounted"
    with Run(tmp_path, backup=True) as run:
        sku = run.drop / "B1"
        sku.mkdir()
        for i in range(5):
            (sku / f"a{i}.jpg").write_bytes(jpeg_bytes(600 + i))
        wait_for(lambda: len(run.of("backed-up")) >= 4, 30, "first backups")
        os.rename(run.bak, away)  # the share disappears
        for i in range(10):
            (sku / f"b{i}.jpg").write_bytes(jpeg_bytes(700 + i))
        wait_for(lambda: len(run.of("rendered")) >= 15, 30, "rendering goes on without the backup")
        wait_for(lambda: run.of("backup-unavailable"), 10, "backup-unavailable reported")
        with Journal(run.lib) as j:
            assert watch_status(j)["backup"]["pending"] > 0
        assert not run.bak.exists()  # the mount point is never re-created locally
        os.rename(away, run.bak)  # the share comes back
        wait_for(lambda: run.of("backup-available"), 10, "backup-available")

        def drained():
            with Journal(run.lib) as j:
                n = j.db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
                ok = j.db.execute("SELECT COUNT(*) FROM backups WHERE state = 'verified'").fetchone()[0]
                return n == 30 and ok == 30 and watch_status(j)["backup"]["pending"] == 0

        wait_for(drained, 30, "backlog drained")
    with Journal(run.lib) as j:
        files = [r["path"] for r in j.db.execute("SELECT path FROM files")]
    assert len(files) == 30
    for rel in files:
        assert sha(run.bak / rel) == sha(run.lib / rel), rel
    assert not list(run.bak.rglob(".imgprep-tmp-*"))


# ----------------------------------------------------------------------------- acceptance 5
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
@pytest.mark.parametrize("poll", MODES)
def test_a_raising_handler_and_a_dead_emitter_are_recovered(tmp_path, poll):
    with Run(tmp_path, poll=poll, rescan=30.0) as run:
        obs = run.w._observer
        handler = next(iter(next(iter(obs._handlers.values()))))

        def boom(event):
            raise RuntimeError("handler bug")

        handler.dispatch = boom  # an exception escaping a handler kills watchdog's thread
        (run.drop / "R1").mkdir()
        (run.drop / "R1" / "a.jpg").write_bytes(jpeg_bytes(801))
        wait_for(lambda: run.of("observer-restarted"), 15, "observer restarted")
        wait_for(lambda: run.of("rendered"), 15, "file processed after the restart")
        assert not obs.is_alive()
        emitter = next(iter(run.w._observer.emitters))
        emitter.stop()  # an emitter thread dying (EBUSY on a share, …)
        wait_for(lambda: len(run.of("observer-restarted")) >= 2, 15, "second restart")
        (run.drop / "R1" / "b.jpg").write_bytes(jpeg_bytes(802))
        wait_for(lambda: len(run.of("rendered")) >= 2, 15, "processing goes on")
    assert [e["reason"] for e in run.of("observer-restarted")] == ["observer thread died", "emitter thread died"]


def test_files_that_arrived_while_stopped_are_found_at_start(tmp_path):
    (tmp_path / "drop" / "P1").mkdir(parents=True)
    for i in range(3):
        (tmp_path / "drop" / "P1" / f"{i}.jpg").write_bytes(jpeg_bytes(900 + i))
    with Run(tmp_path) as run:
        wait_for(lambda: len(run.of("rendered")) >= 3, 30, "3 rendered")
    assert len(run.rows()) == 3


def test_a_file_that_crashes_the_decoder_fails_alone_and_the_watcher_goes_on(tmp_path, monkeypatch):
    """A single arrival used to be decoded in the watcher's own process: a decoder crash
    killed the watcher, and the file killed it again after every restart. Frames are
    analysed in kept worker processes now; the crash costs one worker."""
    monkeypatch.setenv("IMGPREP_TEST_CRASH_ON", "poison")  # the worker dies with SIGSEGV
    with Run(tmp_path) as run:
        (run.drop / "P1").mkdir()
        (run.drop / "P1" / "poison.jpg").write_bytes(jpeg_bytes(950))
        wait_for(lambda: run.of("failed"), 30, "the crash reported")
        (run.drop / "P1" / "good.jpg").write_bytes(jpeg_bytes(951))
        wait_for(lambda: run.of("rendered"), 30, "the next file rendered")
        assert run.w.running
    failed = run.of("failed")
    assert [Path(e["source"]).name for e in failed] == ["poison.jpg"]
    assert "crashed" in failed[0]["reason"]
    assert [Path(e["source"]).name for e in run.of("rendered")] == ["good.jpg"]
    assert (run.drop / "P1" / "poison.jpg").is_file()  # left where it was, for a human


def test_an_arrival_sweeps_its_own_folder_and_a_start_the_whole_library(tmp_path):
    """Crash leftovers (temp files) are swept at start from the whole library; an
    arrival looks only in its own SKU's folder, so it never walks a big library."""
    from imgprep.core.fsutil import TEMP_PREFIX

    with Run(tmp_path) as run:
        (run.drop / "P1").mkdir()
        (run.drop / "P1" / "a.jpg").write_bytes(jpeg_bytes(960))
        wait_for(lambda: run.of("rendered"), 30, "P1 rendered")
        other = run.lib / "P1" / "raw" / f"{TEMP_PREFIX}left-by-a-crash"
        own = run.lib / "P2" / "raw" / f"{TEMP_PREFIX}left-by-a-crash"
        for p in (other, own):
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(b"x")
        (run.drop / "P2").mkdir()
        (run.drop / "P2" / "b.jpg").write_bytes(jpeg_bytes(961))
        wait_for(lambda: len(run.of("rendered")) >= 2, 30, "P2 rendered")
        assert not own.exists() and other.exists()
    with Run(tmp_path):
        pass
    assert not other.exists()


def test_idle_workers_are_let_go_and_the_next_arrival_starts_new_ones(tmp_path):
    with Run(tmp_path, pool_idle=0.5) as run:
        (run.drop / "P1").mkdir()
        (run.drop / "P1" / "a.jpg").write_bytes(jpeg_bytes(970))
        wait_for(lambda: run.of("rendered"), 30, "a rendered")
        wait_for(lambda: run.w._pool._pool is None, 10, "idle workers let go")
        (run.drop / "P1" / "b.jpg").write_bytes(jpeg_bytes(971))
        wait_for(lambda: len(run.of("rendered")) >= 2, 30, "b rendered")
    assert [Path(e["source"]).name for e in run.of("rendered")] == ["a.jpg", "b.jpg"]


# ----------------------------------------------------------------------------- CLI
def test_cli_watch_json_lines_and_sigterm_exit_0(tmp_path):
    drop, lib = tmp_path / "drop", tmp_path / "lib"
    (drop / "C1").mkdir(parents=True)
    (drop / "C1" / "a.jpg").write_bytes(jpeg_bytes(950))
    proc = subprocess.Popen([sys.executable, "-m", "imgprep.cli", "watch", str(drop), "--library", str(lib),
                             "--json", "--stable", "0.2", "--workers", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    lines = []
    try:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append(json.loads(line))
            if lines[-1]["event"] == "rendered":
                break
        import signal

        proc.send_signal(signal.SIGTERM)
        rest, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines += [json.loads(x) for x in rest.splitlines() if x.strip()]
    assert proc.returncode == 0, err
    kinds = [e["event"] for e in lines]
    assert kinds[0] == "started" and kinds[-1] == "stopped"
    ing = next(e for e in lines if e["event"] == "ingested")
    assert ing["sku"] == "C1" and ing["file"] == "C1/raw/C1-01.jpg" and ing["source"].endswith("a.jpg")
    assert ing["time"].endswith("+00:00")
    assert (lib / "imgprep.log").is_file() and "rendered" in (lib / "imgprep.log").read_text(encoding="utf-8")


def test_a_second_watcher_on_the_same_library_is_refused(tmp_path):
    with Run(tmp_path):
        other = Run(tmp_path)
        from imgprep.core.errors import FileOpError

        with pytest.raises(FileOpError):
            other.w.start()
