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


def check_library(lib: Path, backup: Path, url: str, sources: list[Path]) -> None:
    """Every source exactly once, numbers contiguous per SKU, names unique, the backup
    complete and verified (copies hash as the library's files)."""
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
    on_disk = sorted(p.relative_to(lib).as_posix() for p in lib.glob("*/raw/*"))
    assert on_disk == sorted(r[3] for r in rows)  # no extra copy, no temp file left
    assert not list(lib.rglob(".imgprep-tmp-*"))
    assert len(files) == 2 * len(rows)  # original + hero/detail rendition each
    assert sorted(b[0] for b in backups) == sorted(f[0] for f in files)
    assert {b[1] for b in backups} == {"verified"}
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


def _sqlite_library(tmp_path: Path, frames: int) -> Path:
    """A one-station library whose SQLite journal holds ``frames`` frames (journal rows as
    the engine writes them, with their library files: fast to build)."""
    lib = tmp_path / "lib"
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
                            size=len(data), mtime_ns=1_700_000_000_000_000_000 + i, sha256="%064x" % i,
                            capture_time=None, role="hero" if seq == 1 else "detail", raw_path=raw)
            j.add_file(raw, "%064x" % i, len(data), "raw", sid, facts={"n": i, "说明": "原图"})
            j.set_state(sid, "rendered")
            j.queue_backup(raw, "/backup")
            j.log("info", "test", f"frame {i}", sku=sku)
        j.put_product("P100", {"sku": "P100", "name": "杯子"}, "表.csv")
    return lib


def test_a_sqlite_journal_moves_to_the_server(tmp_path, pg_url, pg_server, run_cli):
    """Test 5: `imgprep journal migrate` carries 1 000 frames over, verified; the SQLite file
    is kept under another name; the library then works from the server."""
    lib = _sqlite_library(tmp_path, 1000)
    with Journal(lib) as j:
        before = {t: [tuple(r) for r in j.db.execute(f"SELECT * FROM {t}")] for t in ("sources", "files", "backups",
                                                                                     "events", "products", "meta")}
        lid = j.library_id
    sqlite_bytes = (lib / JOURNAL_NAME).read_bytes()
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
    # A migrated library is refused a second time (the server is not empty) …
    code, out, err = run_cli("journal", "migrate", lib, "--to", pg_url)
    assert code == 2
    # … and carries on from the server: a new frame of P100 gets the next number.
    new = tiny_shoots(tmp_path / "more", 1, skus=("P100",), seed=7)
    code, out, err = run_cli("batch", *new, "--library", lib, "--workers", "0", "--json")
    assert code == 0, err
    item = json.loads(out)["items"][0]
    assert item["status"] == "done" and item["raw"] == "P100/raw/P100-201.jpg"
    assert not (lib / JOURNAL_NAME).exists()
