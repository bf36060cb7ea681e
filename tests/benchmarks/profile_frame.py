"""Where one frame's time goes: each step of the batch's per-frame work, timed alone.

    .venv/bin/python tests/benchmarks/profile_frame.py [--files 8]

Runs the steps the batch runs for a camera-like 24 MP JPEG (bench_batch.make_files), one
after the other in this process, each with the library's own functions, and prints the
median time per frame of each (wall ≈ CPU here: one thread). The batch overlaps them:
the worker copies while it decodes, two workers run at once, and the main process renders
and backs up while the workers go on (docs/throughput.md). For whole-run profiles:
py-spy record --subprocesses -- imgprep batch …, or pyinstrument on `--workers 0`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=8)
    args = ap.parse_args()

    from bench_batch import make_files

    from imgprep.app.frames import FrameJob, analyse_frame, decode_scale, need_scale
    from imgprep.core.colour.precheck import may_hold_card
    from imgprep.core.fsutil import copy_new, hash_file, stage_copy, write_or_adopt
    from imgprep.core.imaging import slate
    from imgprep.core.imaging.load import load, probe
    from imgprep.core.imaging.render import KeptExif, downscale, encode_jpeg, sharpen
    from imgprep.core.imaging.watermark import apply_watermark
    from imgprep.core.presets import load_preset

    preset = load_preset(None)
    r = preset.renditions[0]
    steps: dict[str, list[float]] = {}

    def timed(name, fn, *a, **k):
        t = time.perf_counter()
        out = fn(*a, **k)
        steps.setdefault(name, []).append(time.perf_counter() - t)
        return out

    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        files = make_files(d / "src", args.files)
        analyse_frame(FrameJob(str(files[0]), preset.renditions))  # imports, warm caches
        for k, f in enumerate(files):
            timed("header (probe: size, EXIF time)", probe, f)
            tmp, sha = timed("copy into the library (hash, fsync, read back)", stage_copy, f, d / "raw", f.name)
            loaded = timed("decode at the DCT scale (JPEG 1/4)", load, f,
                           need_scale=lambda w, h: decode_scale(preset.renditions, preset.colour, w, h))
            img = loaded.image
            a = np.asarray(img)
            timed("slate QR search (a shoot's first frame only)", slate.find_sku, a)
            timed("card pre-check (colour on)", may_hold_card, img)
            w, h = loaded.original_size
            s = need_scale(preset.renditions, w, h)
            small = timed("shrink to the rendition (Lanczos)", downscale, img, (round(w * s), round(h * s)))
            sharp = timed("sharpen", sharpen, small, r.sharpen)
            marked = timed("watermark", apply_watermark, sharp, preset.watermark)
            data, _ = timed("encode JPEG q90 4:4:4 + sRGB profile", encode_jpeg, marked, r.quality, 0,
                            KeptExif(capture_time=loaded.capture_time))
            timed("write rendition (fsync, link)", write_or_adopt, d / "jpg" / f"{k}.jpg", data)
            timed("backup copy of the original (fsync, read back)", copy_new, tmp, d / "bak" / f.name,
                  expect_sha256=sha)
            timed("hash of a 7-9 MB file (SHA-256)", hash_file, f)
        shutil.rmtree(d / "raw", ignore_errors=True)
    total = 0.0
    print(f"{'step':52s} median ms per frame ({args.files} frames)")
    for name, v in steps.items():
        m = statistics.median(v) * 1000
        if not name.startswith(("slate", "hash of")):
            total += m
        print(f"  {name:50s} {m:7.1f}")
    print(f"  {'sum (without the slate and the lone hash)':50s} {total:7.1f}")


if __name__ == "__main__":
    main()
