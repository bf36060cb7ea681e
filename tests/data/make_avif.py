"""Make ``p3_10bit_o6.avif`` and ``p3_8bit_o6.avif``: small 10- and 8-bit AVIFs in
Display P3, as a phone or an image editor writes them, for the loader's tests.

Neither Pillow (8-bit AVIF only) nor pillow-heif (no AV1 encoder since 1.0) writes a
10-bit AVIF, so that file is made once with libavif's own encoder and kept here. The 8-bit
one too: Pillow's AVIF encoder shifts colours as it writes (a flat (40, 200, 60) reads back
(39, 201, 58) at quality 100, (210, 204, 196) as (209, 205, 194); avifenc gives
(39, 200, 60) and (211, 204, 196)), a bias of the writer that a phone's file does not have. Run from
the repository root, with ``avifenc`` (Debian: ``apt-get install libavif-bin``; made
with libavif 0.11.1 and aom 3.6.0):

    .venv/bin/python tests/data/make_avif.py

The scene, as displayed (upright, 1000 × 700): ``helpers.p3_scene`` — a soft backdrop,
six Display P3 patches, a red marker top-left, a grey band at the bottom. It is stored
700 × 1000 with an ``irot`` box that turns it 90° clockwise to view (what EXIF calls
Orientation 6), 10 bits a channel, 4:4:4, near-lossless; the Display P3 profile of
``helpers.display_p3_icc`` is embedded, and EXIF holds DateTimeOriginal ``SHOT`` and a
GPS position (which no rendition may keep).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
from helpers import display_p3_icc, exif_bytes, p3_scene, save_png16, stored_for  # noqa: E402

OUT = HERE / "p3_10bit_o6.avif"
OUT8 = HERE / "p3_8bit_o6.avif"
SHOT = datetime(2026, 3, 4, 5, 6, 7)
SIZE = (1000, 700)  # displayed, w × h


def main() -> None:
    display = np.round(p3_scene(*SIZE) * 65535).astype(np.uint16)
    stored = np.ascontiguousarray(stored_for(display, 6))
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        save_png16(t / "in.png", stored)
        (t / "p3.icc").write_bytes(display_p3_icc())
        exif = exif_bytes(time=SHOT, gps=True)
        (t / "exif.bin").write_bytes(exif[6:] if exif.startswith(b"Exif\0\0") else exif)
        for depth, out in ((10, OUT), (8, OUT8)):
            subprocess.run(["avifenc", "-d", str(depth), "-y", "444", "--min", "2", "--max", "8", "-s", "6",
                            "--icc", str(t / "p3.icc"), "--exif", str(t / "exif.bin"), "--irot", "3",
                            str(t / "in.png"), str(out)], check=True)
            print(out, out.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
