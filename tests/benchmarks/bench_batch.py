"""Benchmark: the full `imgprep batch` on 8 × 24 MP JPEGs against a pyvips baseline.

    make bench            (or: .venv/bin/python tests/benchmarks/bench_batch.py [--runs 3])
    .venv/bin/python tests/benchmarks/bench_batch.py --files 32 --colour-off

``--colour-off`` also runs the same batch with the preset's ``[colour] enabled = false``
and reports the default batch's time against it: the cost of looking for a reference
card in every frame (issue 10: ≤ 1.15; the frames hold no card, as most frames do).

Baseline (same files, same run): a pyvips `thumbnail`-to-710 loop writing JPEG Q90,
libvips limited to 2 threads (VIPS_CONCURRENCY=2). imgprep does more than the baseline —
hash, verified copy of each original into the library, watermark, sRGB/EXIF handling,
journal, and a verified backup copy — and the ratio is reported with all of that in.

Reported: wall times (median of runs) and two ratios: imgprep's whole command against the
pyvips loop alone (the stricter one) and against the pyvips script as a whole process (like
for like: both include interpreter start and imports). Target ≤ 1.5, product goal ≤ 1.0.
Peak memory (max RSS) of one worker and of imgprep's largest process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

N_FILES = 8  # --files changes it
SIZE = (6000, 4000)  # 24 MP


def make_files(folder: Path) -> list[Path]:
    """Camera-like 24 MP JPEGs: smooth scene + grain, ~6–9 MB each at quality 92."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    w, h = SIZE
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    x = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    base = np.stack([200 - 80 * y + 30 * x, 180 - 40 * x + 0 * y, 150 + 60 * y * x], axis=2)
    files = []
    for i in range(N_FILES):
        grain = rng.normal(0, 7, (h, w, 1)).astype(np.float32)
        arr = np.clip(base + grain + 10 * np.sin((x + i) * 40) [..., None], 0, 255).astype(np.uint8)
        ex = Image.Exif()
        ex.get_ifd(0x8769)[0x9003] = f"2026:11:20 10:00:{i:02d}"
        p = folder / f"IMG_{i:04d}.jpg"
        Image.fromarray(arr).save(p, quality=92, exif=ex.tobytes())
        files.append(p)
    return files


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
import resource, sys
from pathlib import Path
from imgprep.app.frames import FrameJob, analyse_frame
from imgprep.core.presets import load_preset
p = load_preset(None)
for f in sorted(Path(sys.argv[1]).iterdir()):
    analyse_frame(FrameJob(str(f), p.renditions, p.colour if p.colour.enabled else None))
# VmHWM: this process's own peak (ru_maxrss would include what the parent had at fork).
print(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")))
"""


def run_vips(src: Path, out: Path) -> tuple[float, float]:
    """(the loop alone, the whole process with interpreter start and `import pyvips`)."""
    out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", VIPS_LOOP, str(src), str(out)], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode:
        raise SystemExit(f"pyvips baseline failed (pip install '.[bench]'):\n{r.stderr}")
    return float(r.stdout.strip()), wall


PEAK_WRAPPER = """
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stderr.write(r.stdout + r.stderr)
# the largest of imgprep's processes (main or worker): a fresh wrapper inherits no peak
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(r.returncode)
"""


def colour_off_preset(folder: Path) -> Path:
    """The default preset with its colour search switched off."""
    from imgprep.core.presets import DEFAULT_PRESET

    src = Path(__file__).resolve().parents[2] / "presets" / f"{DEFAULT_PRESET}.toml"
    text = src.read_text(encoding="utf-8").replace("[colour]\n", "[colour]\nenabled = false\n", 1)
    out = folder / "colour-off.toml"
    out.write_text(text, encoding="utf-8")
    return out


def run_imgprep(shoot: Path, lib: Path, bak: Path, preset: Path | None = None) -> tuple[float, float]:
    """Wall time of `imgprep batch` and the peak RSS (MB) of its largest process."""
    bak.mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).with_name("imgprep")
    t = time.perf_counter()
    extra = ["--preset", str(preset)] if preset else []
    r = subprocess.run([sys.executable, "-c", PEAK_WRAPPER, str(exe), "batch", str(shoot), "--library", str(lib),
                        "--backup", str(bak), "--workers", "2", *extra], capture_output=True, text=True)
    dt = time.perf_counter() - t
    if r.returncode:
        raise SystemExit(f"imgprep batch failed:\n{r.stdout}\n{r.stderr}")
    return dt, int(r.stdout.strip()) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--files", type=int, default=N_FILES, help="how many 24 MP JPEGs (default 8)")
    ap.add_argument("--colour-off", action="store_true",
                    help="also time the batch with the colour search off, and report the ratio")
    ap.add_argument("--make", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    globals()["N_FILES"] = args.files
    if args.make:
        make_files(args.make)
        return
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        shoot = d / "src" / "BENCH01"
        # Generate in a child process so this process stays small: children inherit
        # the parent's peak RSS figure on Linux, which would spoil the measurement.
        subprocess.run([sys.executable, __file__, "--files", str(N_FILES), "--make", str(shoot)], check=True)
        files = sorted(shoot.iterdir())
        mb = sum(f.stat().st_size for f in files) / 1e6
        print(f"{N_FILES} files, {SIZE[0]}×{SIZE[1]}, {mb:.0f} MB in all")
        vips, vips_wall, ours, peaks, off = [], [], [], [], []
        no_colour = colour_off_preset(d) if args.colour_off else None
        for k in range(args.runs):
            loop, wall = run_vips(shoot, d / f"vips{k}")
            vips.append(loop)
            vips_wall.append(wall)
            dt, peak = run_imgprep(shoot, d / f"lib{k}", d / f"bak{k}")
            ours.append(dt)
            peaks.append(peak)
            line = f"run {k + 1}: pyvips loop {loop:.2f} s (process {wall:.2f} s)   imgprep batch {dt:.2f} s"
            if no_colour:
                off.append(run_imgprep(shoot, d / f"off{k}", d / f"offbak{k}", no_colour)[0])
                line += f"   colour off {off[-1]:.2f} s"
            print(line)
        peak_run = max(peaks)
        r = subprocess.run([sys.executable, "-c", WORKER_PEAK, str(shoot)], capture_output=True, text=True)
        peak_worker = int(r.stdout.strip()) / 1024 if r.returncode == 0 else float("nan")
        v, vw, o = statistics.median(vips), statistics.median(vips_wall), statistics.median(ours)
        print(f"median: imgprep batch {o:.2f} s (whole command, with its start-up)")
        print(f"  vs pyvips loop alone     {v:.2f} s: ratio {o / v:.2f}")
        print(f"  vs pyvips whole process  {vw:.2f} s: ratio {o / vw:.2f}   (target ≤ 1.5, goal ≤ 1.0)")
        if off:
            print(f"  vs the same batch with colour off {statistics.median(off):.2f} s: ratio "
                  f"{o / statistics.median(off):.2f}   (target ≤ 1.15)")
        print(f"peak memory: one worker {peak_worker:.0f} MB (target ≤ 500), "
              f"largest imgprep process (main or worker) {peak_run:.0f} MB")


if __name__ == "__main__":
    main()
