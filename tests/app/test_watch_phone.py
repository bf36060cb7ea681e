"""Issue 17 in the hot folder: a HEIC that arrives slowly is taken once, whole; its Live
Photo video joins it whichever comes first; a cut HEIC is reported with its reason; a
video of no photo is left in place."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import display_p3_icc, photo_array, save_heif, sha

from imgprep.app.watch import incomplete_reason
from imgprep.core.journal import Journal
from tests.app.test_watch import WRITER, Run, drop_files, wait_for, write_spec


def heic(path: Path, seed: int) -> Path:
    """A ~100 KB phone photo (noise keeps it from compressing to nothing)."""
    a = photo_array(900, 675, seed=seed).astype(np.int16)
    a += np.random.default_rng(seed).normal(0, 12, a.shape).astype(np.int16)
    return save_heif(path, np.clip(a, 0, 255).astype(np.uint8), quality=90, chroma=420, icc=display_p3_icc())


def test_completeness_of_heic_is_judged_by_decoding(tmp_path):
    whole = heic(tmp_path / "whole.heic", 1)
    assert incomplete_reason(whole) is None
    data = whole.read_bytes()
    for n in (100, len(data) // 2, len(data) - 50):
        cut = tmp_path / f"cut{n}.heic"
        cut.write_bytes(data[:n])
        reason = incomplete_reason(cut)
        assert reason is not None and reason.startswith("incomplete or damaged image data (")
        assert "end of file" in reason.lower() or "cannot read" in reason.lower() or "insufficient" in reason.lower(), reason


@pytest.mark.timeout(120)
def test_a_slow_heic_is_taken_once_with_its_live_photo_video(tmp_path):
    src = tmp_path / "src"
    first, second = heic(src / "IMG_0001.HEIC", 1), heic(src / "IMG_0002.HEIC", 2)
    with Run(tmp_path, backup=True) as run:
        shoot = run.drop / "PHONE"
        shoot.mkdir()
        # IMG_0001: the video first, then the photo in five pieces, each left still for
        # longer than the stability window (each piece is looked at, and found cut)
        (shoot / "IMG_0001.MOV").write_bytes(b"live photo one" * 500)
        (shoot / "CLIP.MP4").write_bytes(b"a product video" * 500)
        size = first.stat().st_size
        spec = write_spec(tmp_path, "slow", pairs=[[str(first), str(shoot / first.name)]], chunk=size // 5 + 1,
                          interval=0.4, parallel=1)
        subprocess.run([sys.executable, str(WRITER), str(spec)], check=True, timeout=60)
        wait_for(lambda: len(run.of("rendered")) >= 1, 60, "IMG_0001 rendered")
        # IMG_0002: the photo first; its video arrives once the photo is in the library
        (shoot / second.name).write_bytes(second.read_bytes())
        wait_for(lambda: len(run.of("rendered")) >= 2, 60, "IMG_0002 rendered")
        (shoot / "IMG_0002.MOV").write_bytes(b"live photo two" * 500)
        wait_for(lambda: [p.name for p in drop_files(run)] == ["CLIP.MP4"], 60, "the drop folder emptied")
        wait_for(lambda: len(run.of("backed-up")) >= 6, 60, "backed up")
        rows = run.rows()
        events = list(run.events)
    assert [(r["seq"], Path(r["source_path"]).name, r["state"]) for r in rows] == [
        (1, "IMG_0001.HEIC", "rendered"), (2, "IMG_0002.HEIC", "rendered")]
    ingested = [Path(e["file"]).name for e in events if e["event"] == "ingested"]
    assert sorted(ingested) == ["PHONE-01.heic", "PHONE-01.mov", "PHONE-02.heic", "PHONE-02.mov"]  # each once
    raw = run.lib / "PHONE" / "raw"
    assert sha(raw / "PHONE-01.heic") == sha(first) and sha(raw / "PHONE-02.heic") == sha(second)
    assert (raw / "PHONE-01.mov").read_bytes() == b"live photo one" * 500
    assert (raw / "PHONE-02.mov").read_bytes() == b"live photo two" * 500
    for name in ("PHONE-01.heic", "PHONE-01.mov", "PHONE-02.mov"):
        assert sha(run.bak / "PHONE" / "raw" / name) == sha(raw / name)
    assert not [e for e in events if e["event"] in ("failed", "stalled")], events
    skipped = [e for e in events if e["event"] == "skipped"]
    assert [(Path(e["source"]).name, e["reason"]) for e in skipped] == [
        ("CLIP.MP4", "a video (.MP4), not a photo: left in place")]
    done = sorted(p.name for p in (run.drop / ".imgprep" / "done" / "PHONE").iterdir())
    assert done == ["IMG_0001.HEIC", "IMG_0001.MOV", "IMG_0002.HEIC", "IMG_0002.MOV"]


def test_a_cut_heic_is_reported_with_its_reason_and_its_video_waits(tmp_path):
    data = heic(tmp_path / "whole.heic", 3).read_bytes()
    with Run(tmp_path) as run:
        shoot = run.drop / "PHONE"
        shoot.mkdir()
        cut = shoot / "IMG_0005.HEIC"
        cut.write_bytes(data[: len(data) * 3 // 5])
        (shoot / "IMG_0005.MOV").write_bytes(b"live" * 300)
        wait_for(lambda: run.of("stalled"), 30, "the stalled report")
        stalled = run.of("stalled")
        assert [e["source"] for e in stalled] == [str(cut)]
        reason = stalled[0]["reason"]
        assert "incomplete or damaged image data" in reason and "end of file" in reason.lower(), reason
        wait_for(lambda: run.of("skipped"), 30, "the video settled")
        assert [(Path(e["source"]).name, e["reason"]) for e in run.of("skipped")] == [
            ("IMG_0005.MOV", "the Live Photo video of IMG_0005.HEIC, which was not taken (see its reason): "
                             "left in place until that photo is in the library")]
        # the photo arrives whole after all: it is taken, and its video with it
        cut.write_bytes(data)
        wait_for(lambda: not drop_files(run) and len(run.of("ingested")) >= 2, 30, "both taken")
        assert sorted(Path(e["file"]).name for e in run.of("ingested")) == ["PHONE-01.heic", "PHONE-01.mov"]
        assert not run.of("failed")
    with Journal(run.lib) as j:
        assert [Path(r["source_path"]).name for r in j.sources("PHONE")] == ["IMG_0005.HEIC"]
