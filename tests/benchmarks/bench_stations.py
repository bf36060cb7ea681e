"""Benchmark: several stations on one server journal (issue 14). Not part of `make test`.

    .venv/bin/python tests/benchmarks/bench_stations.py [--skus 8] [--frames 10] [--size 1600x1200]

A PostgreSQL server is started as the tests start it (tests/postgres.py). For 1, 2 and 4
stations — each an `imgprep batch` process with one worker, the shoots split between
them (every station its own photographer's shoots) — the same set of frames (SKUS ×
FRAMES JPEGs, distinct) goes into a fresh library and database. Reported: wall time,
frames per second, and the journal's share of the stations' time (time spent in the
journal's statements, measured in each station by timing the connection's ``execute``,
over the station's own wall time). One station on the SQLite journal is the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers import photo_array, save_jpeg  # noqa: E402
from postgres import Server  # noqa: E402

# Runs one station: times every journal statement (either store) and writes the total.
STATION = r"""
import atexit, json, sqlite3, sys, time
from imgprep.core import journal_pg
spent = [0.0, 0]
def timed(fn):
    def run(*a, **k):
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            spent[0] += time.perf_counter() - t
            spent[1] += 1
    return run
journal_pg._Connection.execute = timed(journal_pg._Connection.execute)
class Conn(sqlite3.Connection):
    execute = timed(sqlite3.Connection.execute)
_connect = sqlite3.connect
sqlite3.connect = lambda *a, **k: _connect(*a, factory=Conn, **k)
t0 = time.perf_counter()
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps({"journal_s": spent[0], "statements": spent[1],
                                                        "wall_s": time.perf_counter() - t0})))
from imgprep.cli import main
code = main(sys.argv[1:])
sys.exit(code)
"""


def make_shoots(root: Path, skus: int, frames: int, size: tuple[int, int]) -> list[Path]:
    base = photo_array(*size, seed=1)
    t0 = datetime(2026, 11, 20, 10, 0, 0)
    folders = []
    for s in range(skus):
        folder = root / f"B{s:03d}"
        for i in range(frames):
            a = base.copy()
            a[10 + 8 * i: 18 + 8 * i, 10 + 8 * s: 18 + 8 * s] = (i * 23 % 255, s * 31 % 255, 99)
            save_jpeg(folder / f"IMG_{i:04d}.jpg", a, time=t0 + timedelta(minutes=s, seconds=i))
        folders.append(folder)
    return folders


def run(n: int, folders: list[Path], work: Path, url: str | None) -> dict:
    lib = work / f"lib-{n}-{'pg' if url else 'sqlite'}"
    procs = []
    t = time.perf_counter()
    for k in range(n):
        mine = folders[k::n]
        stats = work / f"station-{n}-{k}.json"
        args = ["batch", *map(str, mine), "--library", str(lib), "--workers", "1", "--json"]
        if url:
            args += ["--journal", url]
        env = {**os.environ, "IMGPREP_STATION": f"S{k}"}
        procs.append((subprocess.Popen([sys.executable, "-c", STATION, str(stats), *args], env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL), stats))
    done = 0
    for p, _ in procs:
        out, _ = p.communicate()
        done += json.loads(out)["summary"]["done"]
    wall = time.perf_counter() - t
    st = [json.loads(s.read_text()) for _, s in procs]
    share = sum(s["journal_s"] for s in st) / sum(s["wall_s"] for s in st)
    return {"stations": n, "store": "postgresql" if url else "sqlite", "frames": done, "wall_s": round(wall, 2),
            "fps": round(done / wall, 2), "journal_share": round(share, 4),
            "statements": sum(s["statements"] for s in st),
            "ms_per_statement": round(1000 * sum(s["journal_s"] for s in st) / max(1, sum(s["statements"] for s in st)), 3)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skus", type=int, default=8)
    ap.add_argument("--frames", type=int, default=10)
    ap.add_argument("--size", default="1600x1200")
    a = ap.parse_args()
    size = tuple(int(v) for v in a.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="bench-stations-") as tmp:
        work = Path(tmp)
        folders = make_shoots(work / "shoots", a.skus, a.frames, size)  # type: ignore[arg-type]
        server = Server()
        try:
            server.start()
            rows = [run(1, folders, work, None)]
            for n in (1, 2, 4):
                rows.append(run(n, folders, work, server.create_db()))
        finally:
            server.close()
    print(f"{a.skus} SKUs × {a.frames} frames of {a.size}, {os.cpu_count()} cores, one worker per station")
    print(f"{'stations':>8} {'journal':>10} {'frames':>6} {'wall s':>7} {'fps':>6} {'journal share':>13}"
          f" {'statements':>10} {'ms/stmt':>7}")
    for r in rows:
        print(f"{r['stations']:>8} {r['store']:>10} {r['frames']:>6} {r['wall_s']:>7} {r['fps']:>6} "
              f"{100 * r['journal_share']:>12.1f}% {r['statements']:>10} {r['ms_per_statement']:>7}")


if __name__ == "__main__":
    main()
