"""Benchmark: the full `imgprep batch` against a bare pyvips thumbnail loop (issue 11).

    make bench            (or: .venv/bin/python tests/benchmarks/bench_batch.py [--runs 3])
    .venv/bin/python tests/benchmarks/bench_batch.py --files 8 --no-memory [--colourful]

For 8 and 32 camera-like 24 MP JPEGs (sensor grain, a fine weave, hard edges; not smooth
gradients), three runs each, interleaved in this process tree: the pyvips loop, `imgprep
batch` with the default preset (colour search on) and with ``[colour] enabled = false``.
The frames hold no card, as most frames do. ``--colourful`` puts eight saturated hues
side by side in each (a shop of colourful goods): the card pre-check passes such frames
on to the full search, and "on / off" shows what that costs.

Baseline: a pyvips `thumbnail`-to-710 loop writing JPEG Q90, libvips limited to 2 threads
(VIPS_CONCURRENCY=2). imgprep does more than the baseline — hash and verified copy of each
original into the library, watermark, sRGB profile and EXIF, journal, a verified backup
copy — and the ratio is reported with all of that in. Two ratios: against the loop alone
(the stricter: issue 11 asks ≤ 1.0 at 32 frames with the search off, ≤ 1.15 with it on,
≤ 1.3 at 8 frames) and against the pyvips script as a whole process (both with interpreter
start and imports).

Memory: the peak RSS of one worker process analysing a 50 MP JPEG (target ≤ 500 MB) and a
100 MP 16-bit TIFF (≤ 1.5 GB), each in a fresh process (imports included).

The runs unset PYTHONDONTWRITEBYTECODE (set in some sandboxes; an installed imgprep has
its bytecode compiled) and warm up once, so start-up is measured as a user meets it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

SIZE = (6000, 4000)  # 24 MP
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def camera_scene(w: int, h: int) -> np.ndarray:
    """The detail of a product photo: a lit backdrop, a product with a woven surface
    (periods of 5–7 px), hard dark edges (seams, print)."""
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    a = np.stack([200 - 80 * y + 30 * x, 180 - 40 * x + 0 * y, 150 + 60 * y * x], axis=2)
    yy, xx = np.ogrid[0:h, 0:w]
    weave = (18 * np.sin(xx * (2 * np.pi / 5.3)) * np.sin(yy * (2 * np.pi / 7.1))).astype(np.float32)
    d = np.hypot(xx - w * 0.5, yy - h * 0.5) < min(w, h) * 0.3
    a[d] = a[d] * 0.55 + weave[d][:, None] + np.float32([40, 10, 0])
    for k in range(0, w, max(1, w // 60)):  # stitched seams
        a[int(h * 0.82):int(h * 0.9), k:k + 3] = 25
    return a


def colourful_scene(w: int, h: int) -> np.ndarray:
    """camera_scene with a row of saturated products of eight hues beside each other
    (crayons, yarn, a printed scarf): the pre-check cannot rule such a frame out, and the
    full card search runs on it."""
    import cv2

    a = camera_scene(w, h)
    hues = np.linspace(0, 180, 8, endpoint=False).astype(np.uint8)
    rgb = cv2.cvtColor(np.stack([hues, np.full(8, 220, np.uint8), np.full(8, 210, np.uint8)], -1)[None],
                       cv2.COLOR_HSV2RGB)[0].astype(np.float32)
    r = int(min(w, h) * 0.035)
    for k, c in enumerate(rgb):
        cv2.circle(a, (int(w * 0.3) + k * int(2.2 * r), int(h * 0.2)), r, tuple(float(v) for v in c), -1)
    return a


def make_files(folder: Path, n: int, size: tuple[int, int] = SIZE, colourful: bool = False) -> list[Path]:
    """``n`` camera-like JPEGs at quality 92 (4:2:0, as cameras write), ~7-9 MB each at 24 MP."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    base = (colourful_scene if colourful else camera_scene)(*size)
    files = []
    for i in range(n):
        grain = rng.normal(0, 6, base.shape[:2] + (1,)).astype(np.float32)  # luma grain
        arr = np.clip(base + grain + rng.normal(0, 2, base.shape).astype(np.float32) + i, 0, 255).astype(np.uint8)
        ex = Image.Exif()
        ex.get_ifd(0x8769)[0x9003] = f"2026:11:20 10:00:{i:02d}"
        p = folder / f"IMG_{i:04d}.jpg"
        Image.fromarray(arr).save(p, quality=92, exif=ex.tobytes())
        files.append(p)
    return files


def make_tiff16(path: Path, size: tuple[int, int]) -> Path:
    """A 16-bit RGB TIFF of ``size`` (what a RAW developer exports), written in strips by
    OpenCV so this process never holds it twice."""
    import cv2

    w, h = size
    row = (camera_scene(w, 64)[..., ::-1] * 257).astype(np.uint16)  # BGR for OpenCV
    cv2.imwrite(str(path), np.tile(row, (h // 64 + 1, 1, 1))[:h])
    return path


VIPS_LOOP = """
import os, sys, time
os.environ["VIPS_CONCURRENCY"] = "2"
import pyvips
src, out = sys.argv[1], sys.argv[2]
t = time.perf_counter()
for name in sorted(os.listdir(src)):
    im = pyvips.Image.thumbnail(os.path.join(src, name), 710)
    im.write_to_file(os.path.join(out, name) + "[Q=90,strip]")
print(time.perf_counter() - t)
"""

WORKER_PEAK = """
import sys
from imgprep.app.frames import FrameJob, analyse_frame
from imgprep.core.presets import load_preset
p = load_preset(None)
analyse_frame(FrameJob(sys.argv[1], p.renditions, p.colour if p.colour.enabled else None, stage_dir=sys.argv[2]))
# VmHWM: this process's own peak (ru_maxrss would include what the parent had at fork).
print(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")))
"""


def run_vips(src: Path, out: Path) -> tuple[float, float]:
    """(the loop alone, the whole process with interpreter start and `import pyvips`)."""
    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", VIPS_LOOP, str(src), str(out)], capture_output=True, text=True, env=ENV)
    wall = time.perf_counter() - t
    if r.returncode:
        raise SystemExit(f"pyvips baseline failed (pip install '.[bench]'):\n{r.stderr}")
    return float(r.stdout.strip()), wall


def colour_off_preset(folder: Path) -> Path:
    """The default preset with its colour search switched off."""
    from imgprep.core.presets import DEFAULT_PRESET, presets_dir

    text = (presets_dir() / f"{DEFAULT_PRESET}.toml").read_text(encoding="utf-8")
    out = folder / "colour-off.toml"
    out.write_text(text.replace("[colour]\n", "[colour]\nenabled = false\n", 1), encoding="utf-8")
    return out


def run_imgprep(shoot: Path, work: Path, preset: Path | None = None) -> float:
    """Wall time of `imgprep batch` (library and backup made afresh under ``work``)."""
    (work / "bak").mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("imgprep")
    extra = ["--preset", str(preset)] if preset else []
    t = time.perf_counter()
    r = subprocess.run([sys.executable, str(exe), "batch", str(shoot), "--library", str(work / "lib"),
                        "--backup", str(work / "bak"), "--workers", "2", *extra], capture_output=True, text=True,
                       env=ENV)
    dt = time.perf_counter() - t
    if r.returncode:
        raise SystemExit(f"imgprep batch failed:\n{r.stdout}\n{r.stderr}")
    return dt


def worker_peak(photo: Path, stage: Path) -> float:
    """Peak RSS (MB) of a fresh process analysing ``photo`` as a batch worker does."""
    r = subprocess.run([sys.executable, "-c", WORKER_PEAK, str(photo), str(stage)], capture_output=True, text=True,
                       env=ENV)
    if r.returncode:
        print(r.stderr[-2000:])
        return float("nan")
    return int(r.stdout.strip()) / 1024


def timings(d: Path, shoot: Path, n: int, runs: int, off: Path) -> None:
    import shutil

    times: dict[str, list[float]] = {"loop": [], "process": [], "on": [], "off": []}
    run_imgprep(shoot, d / "warm", off)  # bytecode, page cache
    for k in range(runs):
        loop, wall = run_vips(shoot, d / f"vips{n}-{k}")
        times["loop"].append(loop)
        times["process"].append(wall)
        times["on"].append(run_imgprep(shoot, d / f"on{n}-{k}"))
        times["off"].append(run_imgprep(shoot, d / f"off{n}-{k}", off))
        for sub in (f"vips{n}-{k}", f"on{n}-{k}", f"off{n}-{k}"):
            shutil.rmtree(d / sub, ignore_errors=True)
        print(f"  run {k + 1}: pyvips loop {loop:.2f} s (process {wall:.2f} s)   imgprep colour on "
              f"{times['on'][-1]:.2f} s   colour off {times['off'][-1]:.2f} s", flush=True)
    m = {k: statistics.median(v) for k, v in times.items()}
    print(f"  median of {runs}: loop {m['loop']:.2f} s, process {m['process']:.2f} s, "
          f"imgprep on {m['on']:.2f} s, off {m['off']:.2f} s")
    print(f"  ratio to the loop:     colour off {m['off'] / m['loop']:.2f}   colour on {m['on'] / m['loop']:.2f}")
    print(f"  ratio to the process:  colour off {m['off'] / m['process']:.2f}   colour on {m['on'] / m['process']:.2f}")
    print(f"  colour search's cost:  on / off {m['on'] / m['off']:.2f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--files", default="8,32", help="comma-separated batch sizes (default 8,32)")
    ap.add_argument("--no-memory", action="store_true", help="skip the 50 MP and 100 MP memory measurements")
    ap.add_argument("--colourful", action="store_true",
                    help="frames with eight saturated hues side by side, which the card pre-check passes on "
                         "to the full search (a shop of colourful goods)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.files.split(",") if s.strip()]
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        off = colour_off_preset(d)
        every = make_files(d / "all", max(sizes), colourful=args.colourful)
        for n in sizes:
            shoot = d / f"src{n}" / "BENCH01"
            shoot.mkdir(parents=True)
            for f in every[:n]:
                os.link(f, shoot / f.name)
            mb = sum(f.stat().st_size for f in every[:n]) / 1e6
            print(f"{n} files, {SIZE[0]}×{SIZE[1]}, {mb:.0f} MB in all", flush=True)
            timings(d, shoot, n, args.runs, off)
        if not args.no_memory:
            big = make_files(d / "big", 1, (8660, 5774))[0]  # 50 MP
            print(f"peak RSS of a worker: 50 MP JPEG {worker_peak(big, d / 'stage'):.0f} MB (target ≤ 500)", flush=True)
            big.unlink()
            tif = make_tiff16(d / "big16.tif", (12248, 8165))  # 100 MP
            print(f"peak RSS of a worker: 100 MP 16-bit TIFF ({tif.stat().st_size / 1e6:.0f} MB) "
                  f"{worker_peak(tif, d / 'stage'):.0f} MB (target ≤ 1536)", flush=True)


if __name__ == "__main__":
    main()
