"""Issue 14: several stations on one library through a server journal (a real PostgreSQL,
tests/postgres.py), each station a separate ``imgprep`` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg
from helpers import save_jpeg, sha

from imgprep.core import fsutil, journal
from imgprep.core.journal import JOURNAL_NAME, Journal, read_library_config

T0 = datetime(2026, 11, 20, 10, 0, 0)
SKUS = ("P100", "P200", "P300", "P400", "P500")


def tiny_shoots(root: Path, per_sku: int, skus=SKUS, seed: int = 0) -> list[Path]:
    """``per_sku`` small, distinct JPEG frames in one folder per SKU; returns the folders."""
    rng = np.random.default_rng(seed)
    folders = []
    for s, sku in enumerate(skus):
        folder = root / sku
        for i in range(per_sku):
            arr = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
            save_jpeg(folder / f"IMG_{i:04d}.jpg", arr, time=T0 + timedelta(minutes=s, seconds=i))
        folders.append(folder)
    return folders


def station(name: str, *args: str | os.PathLike, log: Path) -> subprocess.Popen:
    """``imgprep ARGS`` as the station ``name``: its own process, stdout to ``log``."""
    env = {**os.environ, "IMGPREP_STATION": name, "QT_QPA_PLATFORM": "offscreen"}
    out = open(log, "wb")  # noqa: SIM115 - the child holds it
    return subprocess.Popen([sys.executable, "-m", "imgprep.cli", *map(str, args)], stdout=out,
                            stderr=subprocess.STDOUT if log.suffix == ".log" else open(log.with_suffix(".err"), "wb"),
                            env=env)


def report(log: Path) -> dict:
    return json.loads(log.read_text(encoding="utf-8"))


def check_library(lib: Path, backup: Path, url: str, sources: list[Path], temps: bool = False) -> None:
    """Every source exactly once, numbers contiguous per SKU, names unique, the backup
    complete and verified (copies hash as the library's files). ``temps``: a killed
    station's temp files may be left (hidden; swept once stale, see batch.STALE_TEMP_S)."""
    with psycopg.connect(url) as c:
        rows = c.execute("SELECT sku, seq, source_path, raw_path, state, role FROM sources"
                         " WHERE kind = 'product'").fetchall()
        files = c.execute("SELECT path, sha256 FROM files").fetchall()
        backups = c.execute("SELECT path, state, sha256 FROM backups").fetchall()
    assert sorted(r[2] for r in rows) == sorted(str(p) for p in sources)  # every file exactly once
    assert {r[4] for r in rows} == {"rendered"}
    per_sku = Counter(r[0] for r in rows)
    for sku, n in per_sku.items():
        assert sorted(r[1] for r in rows if r[0] == sku) == list(range(1, n + 1))  # contiguous
        assert [r[5] for r in rows if r[0] == sku].count("hero") == 1
    assert len({r[3] for r in rows}) == len(rows)
    on_disk = sorted(p.relative_to(lib).as_posix() for p in lib.glob("*/raw/*") if not p.name.startswith("."))
    assert on_disk == sorted(r[3] for r in rows)  # no extra copy
    assert temps or not list(lib.rglob(".imgprep-tmp-*"))
    assert len(files) == 2 * len(rows)  # original + hero/detail rendition each
    assert sorted(b[0] for b in backups) == sorted(f[0] for f in files)
    assert not [b for b in backups if b[1] != "verified"]
    for path, digest in files:
        assert sha(lib / path) == digest == sha(backup / path)


def test_two_stations_ingest_one_shoot_set_at_once(tmp_path, pg_url):
    """Test 1: two stations run `imgprep batch` on the same 200 files of 5 SKUs at the same
    time, in opposite order: each file is taken by one of them, once."""
    folders = tiny_shoots(tmp_path / "shoots", 40)
    sources = sorted(p for f in folders for p in f.iterdir())
    lib, backup = tmp_path / "lib", tmp_path / "backup"
    backup.mkdir()
    procs = []
    for name, order in (("A", folders), ("B", folders[::-1])):
        procs.append(station(name, "batch", *order, "--library", lib, "--backup", backup, "--journal", pg_url,
                             "--workers", "1", "--json", log=tmp_path / f"{name}.json"))
    codes = [p.wait(240) for p in procs]
    errs = {n: (tmp_path / f"{n}.err").read_text(errors="replace") for n in "AB"}
    assert codes == [0, 0], errs
    done = Counter()
    for n in "AB":
        doc = report(tmp_path / f"{n}.json")
        assert doc["summary"]["failed"] == 0, doc
        for it in doc["items"]:
            if it["status"] == "done":
                done[it["source"]] += 1
            else:  # the other station's file: known (unchanged) or still in its hands
                assert it["status"] == "skipped", it
    assert sorted(done) == [str(p) for p in sources] and set(done.values()) == {1}
    check_library(lib, backup, pg_url, sources)
    assert not (lib / JOURNAL_NAME).exists()
    assert read_library_config(lib)["journal"] == pg_url


def _sqlite_library(tmp_path: Path, frames: int, name: str = "lib") -> Path:
    """A one-station library whose SQLite journal holds ``frames`` frames (journal rows as
    the engine writes them, with their library files: fast to build)."""
    lib = tmp_path / name
    with Journal(lib) as j, j.tx():
        for i in range(frames):
            sku = SKUS[i % len(SKUS)]
            seq = i // len(SKUS) + 1
            raw = f"{sku}/raw/{sku}-{seq:02d}.jpg"
            (lib / raw).parent.mkdir(parents=True, exist_ok=True)
            data = f"frame {i} 正面".encode()
            (lib / raw).write_bytes(data)
            j.ensure_shoot(sku)
            sid = j.reserve(sku=sku, kind="product", seq=seq, source_path=f"/shoots/{sku}/IMG_{i:04d}.jpg",
                            size=len(data), mtime_ns=1_700_000_000_000_000_000 + i, sha256=f"{i:064x}",
                            capture_time=None, role="hero" if seq == 1 else "detail", raw_path=raw)
            j.add_file(raw, f"{i:064x}", len(data), "raw", sid, facts={"n": i, "说明": "原图"})
            j.set_state(sid, "rendered")
            j.queue_backup(raw, "/backup")
            j.log("info", "test", f"frame {i}", sku=sku)
        j.put_product("P100", {"sku": "P100", "name": "杯子"}, "表.csv")
    return lib


def test_a_sqlite_journal_moves_to_the_server(tmp_path, pg_url, run_cli, monkeypatch):
    """Test 5: `imgprep journal migrate` carries 1 000 frames over, verified; the SQLite file
    is kept under another name; the library then works from the server."""
    lib = _sqlite_library(tmp_path, 1000)
    with Journal(lib) as j:
        before = {t: [tuple(r) for r in j.db.execute(f"SELECT * FROM {t}")] for t in ("sources", "files", "backups",
                                                                                     "events", "products", "meta")}
        lid = j.library_id
    sqlite_bytes = (lib / JOURNAL_NAME).read_bytes()
    # The library is on a share now (a mount table saying so): its SQLite journal is
    # refused for work, but may move to the server — the way out.
    table = tmp_path / "mounts"
    table.write_text(f"/dev/sda1 / ext4 rw 0 0\n//nas/studio {lib} cifs rw 0 0\n")
    monkeypatch.setattr(fsutil, "MOUNTS_FILE", str(table))
    monkeypatch.setattr(journal, "_LOCAL", {})
    code, out, err = run_cli("check", lib)
    assert code == 2 and "network filesystem (cifs)" in err
    code, out, err = run_cli("journal", "migrate", lib, "--to", pg_url, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["tables"]["sources"] == doc["tables"]["files"] == doc["tables"]["backups"] == 1000
    assert doc["tables"]["events"] == 1000 and doc["tables"]["products"] == 1
    assert not (lib / JOURNAL_NAME).exists()
    kept = lib / doc["kept"]
    assert kept.read_bytes() == sqlite_bytes  # untouched, renamed
    with Journal(lib) as j:  # the library's settings now name the server
        assert j.backend == "postgresql" and j.library_id == lid
        for t, rows in before.items():
            assert sorted(map(repr, (tuple(r) for r in j.db.execute(f"SELECT * FROM {t}")))) == \
                   sorted(map(repr, rows)), t
        assert j.product("p100")["name"] == "杯子"
    # A server that holds a journal takes no other: nothing changes in that library …
    other = _sqlite_library(tmp_path, 3, "other")
    code, out, err = run_cli("journal", "migrate", other, "--to", pg_url)
    assert code == 2 and "already holds a journal" in err and (other / JOURNAL_NAME).is_file()
    assert not (other / ".imgprep-library.toml").exists()
    code, out, err = run_cli("journal", "migrate", lib, "--to", pg_url)  # done already: nothing to move
    assert code == 2 and "no one-station journal" in err and "没有可迁移的单机日志" in err
    # … and carries on from the server: a new frame of P100 gets the next number.
    new = tiny_shoots(tmp_path / "more", 1, skus=("P100",), seed=7)
    code, out, err = run_cli("batch", *new, "--library", lib, "--workers", "0", "--json")
    assert code == 0, err
    item = json.loads(out)["items"][0]
    assert item["status"] == "done" and item["raw"] == "P100/raw/P100-201.jpg"
    assert not (lib / JOURNAL_NAME).exists()


def _wait_for(cond, timeout: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(step)


def _count(url: str, sql: str) -> int:
    try:
        with psycopg.connect(url, connect_timeout=2) as c:
            return c.execute(sql).fetchone()[0]
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):  # server away, schema not there yet
        return 0


def test_a_killed_station_loses_nothing_and_leaves_nothing_to_redo(tmp_path, pg_url):
    """Test 2: kill -9 of one station mid-run: the other finishes (the killed one's claims
    too); the killed one, started again, finds nothing to redo and nothing lost."""
    folders = tiny_shoots(tmp_path / "shoots", 30, seed=2)
    sources = sorted(p for f in folders for p in f.iterdir())
    lib, backup = tmp_path / "lib", tmp_path / "backup"
    backup.mkdir()
    args = ("--library", lib, "--backup", backup, "--journal", pg_url, "--workers", "1", "--json")
    a = station("A", "batch", *folders, *args, log=tmp_path / "A.json")
    b = station("B", "batch", *folders[::-1], *args, log=tmp_path / "B.json")
    _wait_for(lambda: _count(pg_url, "SELECT COUNT(*) FROM sources WHERE state = 'rendered'") >= 30
              or a.poll() is not None, 120, "the stations to get going")
    a.kill()  # kill -9, mid-run
    assert a.wait(30) != 0
    assert b.wait(240) == 0, (tmp_path / "B.err").read_text(errors="replace")
    assert report(tmp_path / "B.json")["summary"]["failed"] == 0
    with psycopg.connect(pg_url) as c:  # the other station finished everything, the killed one's claims too
        assert c.execute("SELECT COUNT(*) FROM sources WHERE state != 'rendered'").fetchone()[0] == 0
    again = station("A", "batch", *folders, *args, log=tmp_path / "A2.json")
    assert again.wait(120) == 0, (tmp_path / "A2.err").read_text(errors="replace")
    doc = report(tmp_path / "A2.json")
    assert doc["summary"]["done"] == 0 and doc["summary"]["failed"] == 0  # nothing to redo
    assert doc["summary"]["skipped"] == len(sources)
    check_library(lib, backup, pg_url, sources, temps=True)  # nothing lost, nothing twice


def test_stations_report_a_server_outage_and_resume(tmp_path):
    """Test 3: the server stops for 20 s mid-run: the stations say so (and stop cleanly),
    then resume once it is back; nothing lost or doubled."""
    from tests.postgres import Server

    server = Server()
    try:
        server.start()
        url = server.create_db()
        folders = tiny_shoots(tmp_path / "shoots", 24, seed=3)
        sources = sorted(p for f in folders for p in f.iterdir())
        lib, backup = tmp_path / "lib", tmp_path / "backup"
        backup.mkdir()
        args = ("--library", lib, "--backup", backup, "--journal", url, "--workers", "1", "--json")
        procs = {n: station(n, "batch", *order, *args, log=tmp_path / f"{n}.json")
                 for n, order in (("A", folders), ("B", folders[::-1]))}
        _wait_for(lambda: _count(url, "SELECT COUNT(*) FROM sources WHERE state = 'rendered'") >= 30
                  or any(p.poll() is not None for p in procs.values()), 120, "the stations to get going")
        server.stop()
        t_down = time.monotonic()
        for n, p in procs.items():  # each reports the outage and stops
            assert p.wait(60) == 1, (tmp_path / f"{n}.err").read_text(errors="replace")
            doc = report(tmp_path / f"{n}.json")
            assert "journal server" in doc["library_problem"] and "run again" in doc["library_problem"]
        # While the server is away a command fails fast, with the reason.
        t = time.monotonic()
        cut = station("C", "batch", *folders, *args, log=tmp_path / "C.log")
        assert cut.wait(30) == 2 and time.monotonic() - t < 15
        text = (tmp_path / "C.log").read_text(encoding="utf-8")
        assert "cannot be reached" in text and "无法连接日志服务器" in text
        time.sleep(max(0.0, 20 - (time.monotonic() - t_down)))
        server.start()
        procs = {n: station(n, "batch", *order, *args, log=tmp_path / f"{n}2.json")
                 for n, order in (("A", folders), ("B", folders[::-1]))}
        for n, p in procs.items():
            assert p.wait(240) == 0, (tmp_path / f"{n}2.err").read_text(errors="replace")
        check_library(lib, backup, url, sources, temps=True)
    finally:
        server.close()


def _events(log: Path) -> list[dict]:
    try:
        text = log.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.splitlines() if line.startswith("{") and line.endswith("}")]


def _seen(log: Path, kind: str, n: int = 1) -> list[dict] | None:
    found = [e for e in _events(log) if e["event"] == kind]
    return found if len(found) >= n else None


def test_one_watcher_per_drop_folder_and_a_takeover(tmp_path, pg_url):
    """Test 4: two stations watch one drop folder: one works, the other stands by; when the
    first is killed, the second takes over within 60 s."""
    drop, lib = tmp_path / "drop", tmp_path / "lib"
    drop.mkdir()
    args = ("watch", drop, "--library", lib, "--journal", pg_url, "--json", "--stable", "0.3", "--rescan", "2",
            "--workers", "0")
    w1 = station("W1", *args, log=tmp_path / "w1.jsonl")
    try:
        _wait_for(lambda: _seen(tmp_path / "w1.jsonl", "started"), 60, "the first watcher")
        w2 = station("W2", *args, log=tmp_path / "w2.jsonl")
        try:
            standby = _wait_for(lambda: _seen(tmp_path / "w2.jsonl", "standby"), 60, "the second to stand by")
            assert "W1" in standby[0]["reason"] and "standing by" in standby[0]["reason"]
            first = tiny_shoots(drop, 3, skus=("P100",), seed=4)[0]
            _wait_for(lambda: _seen(tmp_path / "w1.jsonl", "rendered", 3), 60, "the first watcher's work")
            assert not _seen(tmp_path / "w2.jsonl", "ingested") and not _seen(tmp_path / "w2.jsonl", "started")
            w1.kill()
            w1.wait(30)
            t = time.monotonic()
            _wait_for(lambda: _seen(tmp_path / "w2.jsonl", "started"), 60, "the takeover")
            took = time.monotonic() - t
            print(f"the standby took over {took:.1f} s after the watcher was killed")
            assert took <= 60
            more = tmp_path / "more"
            tiny_shoots(more, 2, skus=("P100",), seed=5)
            for i, p in enumerate(sorted((more / "P100").iterdir())):
                p.rename(first / f"IMG_1{i:03d}.jpg")
            _wait_for(lambda: _seen(tmp_path / "w2.jsonl", "rendered", 2), 60, "the second watcher's work")
        finally:
            w2.terminate()
            w2.wait(60)
    finally:
        if w1.poll() is None:
            w1.kill()
            w1.wait()
    with psycopg.connect(pg_url) as c:
        rows = c.execute("SELECT seq, state FROM sources ORDER BY seq").fetchall()
    assert rows == [(i, "rendered") for i in range(1, 6)]
    assert took < 30  # the standby asks every 5 s; a killed process's session ends at once


def test_a_watcher_waits_out_a_server_outage(tmp_path):
    """Outages: while the server is away the watcher says so and keeps the files that
    arrive in the drop folder; when it is back, it takes them."""
    from tests.postgres import Server

    server = Server()
    drop, lib = tmp_path / "drop", tmp_path / "lib"
    drop.mkdir()
    log = tmp_path / "w.jsonl"
    try:
        server.start()
        url = server.create_db()
        w = station("W", "watch", drop, "--library", lib, "--journal", url, "--json", "--stable", "0.3",
                    "--rescan", "1", "--workers", "0", log=log)
        try:
            _wait_for(lambda: _seen(log, "started"), 60, "the watcher")
            folder = tiny_shoots(drop, 2, skus=("P100",), seed=6)[0]
            _wait_for(lambda: _seen(log, "rendered", 2), 60, "the first files")
            # rendered, then moved to done/: under load the move can lag the event
            _wait_for(lambda: not any(folder.iterdir()), 30, "the first files to leave the drop folder")
            server.stop()
            more = tiny_shoots(tmp_path / "more", 2, skus=("P100",), seed=8)[0]
            for p in sorted(more.iterdir()):
                p.rename(folder / f"late-{p.name}")
            down = _wait_for(lambda: [e for e in _events(log) if e["event"] == "failed" and "journal server" in
                                      (e.get("reason") or "")], 30, "the outage to be reported")
            assert str(lib) == down[0]["file"]
            time.sleep(3)
            assert sorted(p.name for p in folder.iterdir()) == ["late-IMG_0000.jpg", "late-IMG_0001.jpg"]
            assert w.poll() is None  # still watching
            server.start()
            _wait_for(lambda: _seen(log, "rendered", 4), 60, "the files that waited")
        finally:
            w.terminate()
            assert w.wait(60) == 0
        with psycopg.connect(url) as c:
            rows = c.execute("SELECT seq, state FROM sources ORDER BY seq").fetchall()
        assert rows == [(i, "rendered") for i in range(1, 5)]
        assert not list(folder.iterdir())  # all moved to done/
    finally:
        server.close()


def _stamp_after(lib: Path, seconds: float) -> tuple:
    from imgprep.app.stations import change_stamp

    time.sleep(seconds)
    return change_stamp(lib)


def test_the_app_sees_the_other_stations_and_their_changes(tmp_path, pg_url, run_cli):
    """The app's view across stations: the server journal is a setting of the library; who
    works on what; a change by another station is seen by polling within its interval."""
    from imgprep.app.stations import change_stamp, server_journal, set_server_journal, stations
    from imgprep.core.errors import ConfigError

    one = tmp_path / "one"
    Journal(one).close()  # a one-station library: move it, never split it
    try:
        set_server_journal(one, pg_url)
        raise AssertionError("a library with a SQLite journal was given a server journal")
    except ConfigError as e:
        assert "journal migrate" in str(e)
    drop, lib = tmp_path / "drop", tmp_path / "lib"
    drop.mkdir()
    set_server_journal(lib, pg_url)
    assert server_journal(lib) == pg_url and read_library_config(lib)["journal"] == pg_url
    log = tmp_path / "w.jsonl"
    w = station("W1", "watch", drop, "--library", lib, "--json", "--stable", "0.2", "--workers", "0", log=log)
    try:
        _wait_for(lambda: _seen(log, "started"), 60, "the watcher")
        seen = {s["station"]: s for s in stations(lib)}
        assert seen["W1"]["activity"] == "watch" and seen["W1"]["alive"] is True
        stamp = _wait_for(lambda: (s := change_stamp(lib)) == _stamp_after(lib, 0.5) and s, 30, "a quiet library")
        tiny_shoots(drop, 1, skus=("P100",), seed=9)
        interval = 0.25
        while change_stamp(lib) == stamp:  # the app's poll
            time.sleep(interval)
        noticed = datetime.now().astimezone()
        queued = _wait_for(lambda: _seen(log, "queued"), 30, "the arrival")[0]  # just before its first write
        delay = (noticed - datetime.fromisoformat(queued["time"])).total_seconds()
        print(f"change seen {delay:.3f} s after the other station took the file (poll every {interval} s)")
        assert 0 <= delay < interval + 1.0
    finally:
        w.terminate()
        w.wait(60)
    seen = {s["station"]: s for s in stations(lib)}
    assert seen["W1"]["activity"] == "idle" and seen["W1"]["alive"] is False
