"""A slow writer process for the hot-folder tests: copies files into the drop folder in
chunks, several at once, the way a card reader or an SMB copy does.

    python watch_writer.py SPEC.json

SPEC: {"pairs": [[src, dst], …], "chunk": 65536, "interval": 0.02, "parallel": 2,
       "temp": null | "part" | "rsync", "die_after": null | bytes}

``temp`` writes under a temp name (``dst.part``, or rsync's ``.name.XXXXXX``) and renames
at the end. ``die_after`` kills this process with SIGKILL once that many bytes of the
first file are written: a writer killed half-way.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path


def main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    chunk, interval = int(spec.get("chunk", 65536)), float(spec.get("interval", 0.02))
    parallel, temp, die_after = int(spec.get("parallel", 1)), spec.get("temp"), spec.get("die_after")
    todo = [(Path(s), Path(d)) for s, d in spec["pairs"]]
    active: list[dict] = []
    first = True
    while todo or active:
        while todo and len(active) < parallel:
            src, dst = todo.pop(0)
            dst.parent.mkdir(parents=True, exist_ok=True)
            if temp == "part":
                tmp = dst.with_name(dst.name + ".part")
            elif temp == "rsync":
                tmp = dst.with_name(f".{dst.name}.Xy12Ab")
            else:
                tmp = dst
            active.append({"data": src.read_bytes(), "pos": 0, "f": open(tmp, "wb"), "tmp": tmp, "dst": dst,
                           "first": first})
            first = False
        for a in list(active):
            piece = a["data"][a["pos"]:a["pos"] + chunk]
            a["f"].write(piece)
            a["f"].flush()
            a["pos"] += len(piece)
            if die_after is not None and a["first"] and a["pos"] >= die_after:
                os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
            if a["pos"] >= len(a["data"]):
                a["f"].close()
                if a["tmp"] != a["dst"]:
                    os.rename(a["tmp"], a["dst"])
                active.remove(a)
        time.sleep(interval)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
