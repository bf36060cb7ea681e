import os

import pytest

from imgprep.core import fsutil
from imgprep.core.errors import FileOpError
from imgprep.core.fsutil import (
    FileExists,
    LibraryLock,
    copy_new,
    hash_file,
    sweep_temps,
    write_new,
    write_replace,
)


def test_write_new_creates_and_refuses_to_overwrite(tmp_path):
    p = write_new(tmp_path / "d" / "a.bin", b"one")
    assert p.read_bytes() == b"one"
    with pytest.raises(FileExists):
        write_new(p, b"two")
    assert p.read_bytes() == b"one"
    assert [x.name for x in p.parent.iterdir()] == ["a.bin"]  # no temp left behind


def test_failed_write_leaves_no_file(tmp_path):
    def boom(f):
        f.write(b"partial")
        raise OSError(5, "disk on fire")

    with pytest.raises(FileOpError, match="disk on fire"):
        write_new(tmp_path / "x.jpg", boom)
    assert list(tmp_path.iterdir()) == []


def test_exclusive_even_when_the_name_appears_during_the_write(tmp_path):
    target = tmp_path / "race.jpg"

    def writer(f):
        f.write(b"mine")
        target.write_bytes(b"someone else")  # another writer wins the name meanwhile

    with pytest.raises(FileExists):
        write_new(target, writer)
    assert target.read_bytes() == b"someone else"
    assert [p.name for p in tmp_path.iterdir()] == ["race.jpg"]


def test_copy_new_verifies_and_hashes(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(3 << 20))
    digest = copy_new(src, tmp_path / "out" / "dst.bin")
    assert digest == hash_file(src) == hash_file(tmp_path / "out" / "dst.bin")
    with pytest.raises(FileOpError, match="source changed"):
        copy_new(src, tmp_path / "out" / "other.bin", expect_sha256="0" * 64)
    assert not (tmp_path / "out" / "other.bin").exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dst.bin"]


def test_a_copy_of_known_content_is_checked_by_reading_it_back(tmp_path, monkeypatch):
    """With the content's hash known (the backup), the bytes are not hashed on the way:
    the read-back is the check, and a copy that reads back wrong is refused as such."""
    import imgprep.core.fsutil as fsutil

    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(2 << 20))
    want = hash_file(src)
    assert copy_new(src, tmp_path / "a.bin", expect_sha256=want) == want == hash_file(tmp_path / "a.bin")
    monkeypatch.setattr(fsutil, "read_back_hash", lambda p: "f" * 64)  # the disk gives back other bytes
    with pytest.raises(FileOpError, match="does not read back equal"):
        copy_new(src, tmp_path / "b.bin", expect_sha256=want)
    assert not (tmp_path / "b.bin").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_no_hardlink_fallback_is_still_exclusive(tmp_path, monkeypatch):
    def no_link(a, b):
        raise OSError(1, "Operation not permitted")  # EPERM, as FAT/exFAT and some SMB say

    monkeypatch.setattr(fsutil.os, "link", no_link)
    p = write_new(tmp_path / "f.jpg", b"a")
    assert p.read_bytes() == b"a"
    with pytest.raises(FileExists):
        write_new(p, b"b")
    assert p.read_bytes() == b"a"


def test_replace_is_atomic(tmp_path):
    p = write_replace(tmp_path / "s.toml", b"a=1")
    write_replace(p, b"a=2")
    assert p.read_bytes() == b"a=2"
    assert [x.name for x in tmp_path.iterdir()] == ["s.toml"]


def test_sweep_removes_only_our_temps(tmp_path):
    (tmp_path / "A").mkdir()
    leftover = tmp_path / "A" / f"{fsutil.TEMP_PREFIX}abc-A-01.jpg"
    leftover.write_bytes(b"half")
    keep = tmp_path / "A" / "A-01.jpg"
    keep.write_bytes(b"whole")
    assert sweep_temps([tmp_path]) == [leftover]
    assert keep.exists() and not leftover.exists()


def test_library_lock_is_exclusive(tmp_path):
    with LibraryLock(tmp_path):
        with pytest.raises(FileOpError, match="another imgprep process"):
            LibraryLock(tmp_path).acquire()
    with LibraryLock(tmp_path):  # released on exit
        pass
