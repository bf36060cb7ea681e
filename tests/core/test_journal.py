import sqlite3

import pytest

from imgprep.core.journal import MIGRATIONS, Journal
from tests.helpers import journal_file_without_schema


def test_fresh_journal_is_wal_versioned_and_sound(tmp_path):
    with Journal(tmp_path) as j:
        assert j.schema_version == len(MIGRATIONS)
        assert j.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert j.integrity_ok()
        lid = j.library_id
    with Journal(tmp_path) as j:  # reopening keeps identity and does not migrate again
        assert j.library_id == lid


def test_newer_schema_is_refused(tmp_path):
    Journal(tmp_path).close()
    db = sqlite3.connect(tmp_path / "imgprep.sqlite")
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()
    with pytest.raises(RuntimeError, match="newer than this imgprep"):
        Journal(tmp_path)


def test_reserve_is_unique_per_sku_kind_seq(tmp_path):
    with Journal(tmp_path) as j:
        args = dict(sku="A1", kind="product", seq=1, source_path="/s/1.jpg", size=1, mtime_ns=1,
                    sha256="a" * 64, capture_time=None, role="hero", raw_path="A1/raw/A1-01.jpg")
        with j.tx():
            j.reserve(**args)
        with pytest.raises(sqlite3.IntegrityError), j.tx():
            j.reserve(**{**args, "source_path": "/s/2.jpg"})
        with j.tx():
            j.reserve(**{**args, "kind": "card", "role": "card", "raw_path": "A1/card/A1-C01.jpg"})
        assert j.used_seqs("a1", "product") == {1}  # SKUs compare case-insensitively
        assert j.canonical_sku("a1") == "a1"  # no shoot row yet
        with j.tx():
            j.ensure_shoot("A1")
        assert j.canonical_sku("a1") == "A1"


def test_rolled_back_transaction_leaves_nothing(tmp_path):
    with Journal(tmp_path) as j:
        with pytest.raises(ZeroDivisionError), j.tx():
            j.log("info", "x", "m")
            raise ZeroDivisionError
        assert j.events() == []


def test_a_version_1_journal_is_migrated_in_place(tmp_path):
    from imgprep.core.journal import _split_sql

    db = sqlite3.connect(tmp_path / "imgprep.sqlite")
    for stmt in _split_sql(MIGRATIONS[0]):
        db.execute(stmt)
    db.execute("INSERT INTO meta (key, value) VALUES ('library_id', 'old')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Journal(tmp_path) as j:
        assert j.schema_version == len(MIGRATIONS) >= 2
        assert j.library_id == "old"
        with j.tx():
            j.put_product("A1", {"sku": "A1", "name": "杯"}, "sheet.csv")
        assert j.product("a1") == {"sku": "A1", "name": "杯"}


def test_a_reader_never_sees_a_journal_without_its_schema(tmp_path):
    from imgprep.core.journal import JournalNotReady

    journal_file_without_schema(tmp_path)
    with pytest.raises(JournalNotReady, match="schema 0"):
        Journal(tmp_path, readonly=True)
    with Journal(tmp_path) as j:  # the writer finishes
        assert j.schema_version == len(MIGRATIONS)
    with Journal(tmp_path, readonly=True) as j:
        assert j.events() == []


def test_writers_opening_a_new_library_at_once_all_succeed(tmp_path):
    """The app and its worker both open a new library: only one may create the schema."""
    import threading

    def open_it(lib, start, ids, errors):
        start.wait()
        try:
            with Journal(lib) as j:
                ids.append(j.library_id)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    for n in range(15):
        lib = tmp_path / f"lib{n}"
        lib.mkdir()
        start, errors, ids = threading.Barrier(4), [], []
        threads = [threading.Thread(target=open_it, args=(lib, start, ids, errors)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(ids) == 4 and len(set(ids)) == 1



MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
//nas/studio /mnt/studio cifs rw,vers=3.0 0 0
nas:/export /mnt/nfs nfs4 rw 0 0
"""


def test_a_sqlite_journal_on_a_network_filesystem_is_refused(tmp_path, monkeypatch, run_cli):
    from imgprep.core import fsutil
    from imgprep.core.journal import JournalRefused, sqlite_refusal

    with pytest.raises(JournalRefused, match=r"network filesystem \(cifs\)") as e:
        sqlite_refusal("/mnt/studio/library", MOUNTS, "linux")
    assert "网络文件系统" in str(e.value) and "postgresql://" in str(e.value)
    with pytest.raises(JournalRefused, match="nfs4"):
        sqlite_refusal("/mnt/nfs/a/library", MOUNTS, "linux")
    sqlite_refusal("/home/me/library", MOUNTS, "linux")  # a local disk is fine
    mac = "//me@nas/share on /Volumes/share (smbfs, nodev, nosuid, mounted by me)\n"
    with pytest.raises(JournalRefused, match="smbfs"):
        sqlite_refusal("/Volumes/share/library", mac, "darwin")
    with pytest.raises(JournalRefused, match="unc"):
        sqlite_refusal(r"\\nas\share\library", "", "win32")

    # The whole way: the library's folder on a share (a mount table saying so) is refused
    # by the journal itself and by the command, before anything is written.
    table = tmp_path / "mounts"
    table.write_text(f"/dev/sda1 / ext4 rw 0 0\n//nas/studio {tmp_path} cifs rw 0 0\n")
    monkeypatch.setattr(fsutil, "MOUNTS_FILE", str(table))
    lib = tmp_path / "lib"
    with pytest.raises(JournalRefused):
        Journal(lib)
    shoot = tmp_path / "shoot" / "A1"
    shoot.mkdir(parents=True)
    from tests.helpers import photo_array, save_jpeg

    save_jpeg(shoot / "1.jpg", photo_array(64, 48))
    code, out, err = run_cli("batch", shoot, "--library", lib)
    assert code == 2 and "network filesystem (cifs)" in err and "网络文件系统（cifs）" in err
    assert not lib.exists()
