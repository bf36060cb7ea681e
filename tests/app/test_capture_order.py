"""Capture order: a frame without an EXIF capture time (a PNG, a TIFF, an exported file)
takes its place among the dated frames by its file's modification time."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime

from helpers import photo_array, save_jpeg
from PIL import Image


def test_an_undated_frame_is_numbered_by_its_file_time_among_dated_frames(tmp_path, run_cli):
    shoot = tmp_path / "src" / "CO-1"
    save_jpeg(shoot / "IMG_0001.jpg", photo_array(900, 700, 1), time=datetime(2026, 11, 20, 10, 0, 0))
    save_jpeg(shoot / "IMG_0003.jpg", photo_array(900, 700, 3), time=datetime(2026, 11, 20, 12, 0, 0))
    png = shoot / "export.png"  # by name it would come last, and before the change it did
    Image.fromarray(photo_array(900, 700, 2)).save(png)
    eleven = time.mktime(datetime(2026, 11, 20, 11, 0, 0).timetuple())  # local time, as EXIF's
    os.utime(png, (eleven, eleven))

    code, out, _ = run_cli("batch", shoot, "--library", tmp_path / "LIB", "--json", "--workers", "1")
    assert code == 0, out
    raws = {os.path.basename(i["source"]): i["raw"] for i in json.loads(out)["items"]}
    assert raws == {"IMG_0001.jpg": "CO-1/raw/CO-1-01.jpg", "export.png": "CO-1/raw/CO-1-02.png",
                    "IMG_0003.jpg": "CO-1/raw/CO-1-03.jpg"}


def test_undated_frames_with_one_file_time_go_by_name(tmp_path, run_cli):
    shoot = tmp_path / "src" / "CO-2"
    noon = time.mktime(datetime(2026, 11, 20, 12, 0, 0).timetuple())
    for i, name in enumerate(("b.png", "a.png")):
        Image.fromarray(photo_array(900, 700, 10 + i)).save(shoot.mkdir(parents=True, exist_ok=True) or shoot / name)
        os.utime(shoot / name, (noon, noon))

    code, out, _ = run_cli("batch", shoot, "--library", tmp_path / "LIB", "--json", "--workers", "1")
    assert code == 0, out
    raws = {os.path.basename(i["source"]): i["raw"] for i in json.loads(out)["items"]}
    assert raws == {"a.png": "CO-2/raw/CO-2-01.png", "b.png": "CO-2/raw/CO-2-02.png"}
