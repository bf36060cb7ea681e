"""The backup mirror while the share is missing, unmounted (no marker) or another library's."""

import json
import re
import shutil

import pytest
from helpers import english_left, photo_array, save_jpeg, tree_hashes

from imgprep.app import backup
from imgprep.app.backup import MARKER, BackupTarget
from imgprep.core import fsutil
from imgprep.core.errors import FileOpError
from imgprep.core.journal import Journal


def _shoot(tmp_path, sku="D1", n=2, start=0):
    s = tmp_path / "src" / sku
    for i in range(start, start + n):
        save_jpeg(s / f"{i}.jpg", photo_array(800, 600, seed=i))
    return s


def _batch(run_cli, shoot, lib, bak):
    code, out, err = run_cli("batch", shoot, "--library", lib, "--backup", bak, "--workers", "0", "--json")
    return code, json.loads(out)


def test_unreachable_backup_is_queued_then_drained(tmp_path, run_cli):
    lib, bak = tmp_path / "lib", tmp_path / "share"
    code, doc = _batch(run_cli, _shoot(tmp_path), lib, bak)
    assert code == 0  # rendering never waits for the backup
    assert "not reachable" in doc["backup_problem"]
    assert {i["backup"] for i in doc["items"]} == {"pending"}
    assert len(list((lib / "D1" / "jpg").iterdir())) == 2

    bak.mkdir()  # the share is mounted again (empty, first use)
    code, doc = _batch(run_cli, _shoot(tmp_path), lib, bak)
    assert code == 0 and "backup_problem" not in doc
    assert {i["backup"] for i in doc["items"]} == {"verified"}
    assert tree_hashes(bak) == tree_hashes(lib)


def test_empty_mount_point_without_marker_is_not_written_to(tmp_path, run_cli):
    lib, bak = tmp_path / "lib", tmp_path / "share"
    bak.mkdir()
    _batch(run_cli, _shoot(tmp_path), lib, bak)
    assert (bak / ".imgprep-backup").exists()
    mounted = tmp_path / "share-away"
    bak.rename(mounted)
    bak.mkdir()  # the bare mount point: exists, but the share is not mounted
    code, doc = _batch(run_cli, _shoot(tmp_path, n=3), lib, bak)
    assert code == 0 and "lost its marker" in doc["backup_problem"]
    assert list(bak.iterdir()) == []  # nothing written into the mount point
    bak.rmdir()
    mounted.rename(bak)
    code, doc = _batch(run_cli, _shoot(tmp_path, n=3), lib, bak)
    assert "backup_problem" not in doc
    assert tree_hashes(bak) == tree_hashes(lib) and len(tree_hashes(lib)) == 6


def test_another_librarys_backup_and_conflicts_are_never_overwritten(tmp_path, run_cli):
    lib_a, lib_b, bak = tmp_path / "a", tmp_path / "b", tmp_path / "share"
    bak.mkdir()
    _batch(run_cli, _shoot(tmp_path, "E1"), lib_a, bak)
    before = tree_hashes(bak)
    code, doc = _batch(run_cli, _shoot(tmp_path, "E2", start=5), lib_b, bak)
    assert "belongs to another library" in doc["backup_problem"]
    assert tree_hashes(bak) == before

    # A different file already sits where a backup copy should go: reported, kept.
    shutil.rmtree(lib_a)
    (bak / "E1" / "raw" / "E1-01.jpg").chmod(0o644)
    lib_c = tmp_path / "c"
    bak2 = tmp_path / "share2"
    bak2.mkdir()
    _batch(run_cli, _shoot(tmp_path, "F1"), lib_c, bak2)
    victim = bak2 / "F1" / "jpg" / "F1-02.jpg"
    victim.unlink()
    victim.write_bytes(b"someone else's file")
    with __import__("sqlite3").connect(lib_c / "imgprep.sqlite") as db:
        db.execute("UPDATE backups SET state='pending' WHERE path='F1/jpg/F1-02.jpg'")
    code, doc = _batch(run_cli, _shoot(tmp_path, "F1"), lib_c, bak2)
    assert "not overwritten" in doc["backup_problem"]
    assert victim.read_bytes() == b"someone else's file"


def test_a_share_that_vanishes_mid_run_is_not_recreated_locally(tmp_path):
    import pytest

    from imgprep.app.backup import BackupTarget
    from imgprep.core.errors import FileOpError
    from imgprep.core.journal import Journal

    lib, share = tmp_path / "lib", tmp_path / "share"
    share.mkdir()
    (lib / "A1" / "raw").mkdir(parents=True)
    (lib / "A1" / "raw" / "A1-01.jpg").write_bytes(b"photo")
    with Journal(lib) as j:
        target = BackupTarget(share, j)
        assert target.check().available
        assert target.copy(lib, "A1/raw/A1-01.jpg")
        (share / "A1" / "raw" / "A1-01.jpg").unlink()
        (share / "A1" / "raw").rmdir()
        (share / "A1").rmdir()
        (share / ".imgprep-backup").unlink()
        share.rmdir()  # unmounted
        with pytest.raises(FileOpError, match="not reachable"):
            target.copy(lib, "A1/raw/A1-01.jpg")
        assert not share.exists()


def test_backup_reasons_read_in_chinese(tmp_path, monkeypatch):
    lib = tmp_path / "lib"
    (lib / "A1" / "raw").mkdir(parents=True)
    (lib / "A1" / "raw" / "A1-01.jpg").write_bytes(b"photo")
    rel = "A1/raw/A1-01.jpg"
    folders = {name: tmp_path / name for name in ("missing", "full", "other", "garbled", "share", "share2")}
    for name, folder in folders.items():
        if name != "missing":
            folder.mkdir()
    (folders["full"] / "notes.txt").write_text("someone's files")
    (folders["other"] / MARKER).write_text(json.dumps({"library_id": "another"}))
    (folders["garbled"] / MARKER).write_text("{{{")
    try:
        json.loads("{{{")
    except ValueError as e:
        garbled = str(e)  # the JSON reader's own words

    def copy_error(target):
        with pytest.raises(FileOpError) as e:
            target.copy(lib, rel)
        return str(e.value)

    with Journal(lib) as j:
        targets = {name: BackupTarget(folder, j) for name, folder in folders.items()}
        assert targets["share"].check().available and targets["share2"].check().available
        (folders["share"] / MARKER).unlink()  # an empty mount point where the share was
        reasons = [targets[name].check().reason for name in ("missing", "full", "other", "garbled", "share")]
        errors = [copy_error(targets["share"])]  # the share is gone
        (folders["share2"] / "A1" / "raw").mkdir(parents=True)
        (folders["share2"] / rel).write_bytes(b"another photo")
        errors.append(copy_error(targets["share2"]))  # a different file is there
        (folders["share2"] / rel).unlink()
        monkeypatch.setattr(backup, "hash_file", lambda p: "0" * 64)
        errors.append(copy_error(targets["share2"]))  # the source changed while copying
        monkeypatch.undo()
        monkeypatch.setattr(fsutil, "read_back_hash", lambda p: "f" * 64)
        errors.append(copy_error(targets["share2"]))  # the copy reads back different
    # A garbled marker is named as such, never with the JSON reader's words (issue 18 case 15).
    expected = ["not reachable", "not empty", "another library", "marker file .imgprep-backup is damaged",
                "lost its marker",
                "share not reachable", "not overwritten", "source changed", "read back"]
    assert garbled not in reasons[3]
    for words, text in zip(expected, reasons + errors, strict=True):
        assert words in text
        values = [*folders.values(), lib / rel, *(f / rel for f in folders.values()), MARKER, "another", garbled,
                  *re.findall(r"[0-9a-f]{12}", text)]
        assert english_left(text, *values) == set(), text


def test_batch_backup_problem_reads_in_chinese(tmp_path, run_cli, monkeypatch):
    lib, bak = tmp_path / "lib", tmp_path / "share"
    bak.mkdir()
    monkeypatch.setattr(backup, "hash_file", lambda p: "0" * 64)  # every copy fails its check
    code, doc = _batch(run_cli, _shoot(tmp_path), lib, bak)
    text = doc["backup_problem"]
    assert code == 0 and re.match(r"\d+ file\(s\) not backed up; first: D1/", text)
    values = [*re.findall(r"[\w./-]+\.jpg", text), *re.findall(r"[0-9a-f]{12}", text)]
    assert english_left(text, *values) == set(), text
