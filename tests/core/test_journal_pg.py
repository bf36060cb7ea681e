"""The server journal on a real PostgreSQL (tests/postgres.py): the same interface and
behaviour as the SQLite journal, the dialect's own parts, and the locks between stations."""

import pytest

from imgprep.core.journal import (
    _OVERRIDES,
    MIGRATIONS,
    Journal,
    JournalConflict,
    JournalRefused,
    JournalUnavailable,
    read_library_config,
    use_journal,
)
from imgprep.core.journal_pg import PG_MIGRATIONS, PgJournal, shown_url

ARGS = dict(sku="A1", kind="product", seq=1, source_path="/s/1.jpg", size=1, mtime_ns=1_700_000_000_000_000_000,
            sha256="a" * 64, capture_time=None, role="hero", raw_path="A1/raw/A1-01.jpg")


def _soon(cond, timeout=5.0):
    import time

    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_both_stores_have_every_schema_version():
    assert len(PG_MIGRATIONS) == len(MIGRATIONS)


def test_a_server_journal_has_the_sqlite_journals_behaviour(tmp_path, pg_url):
    use_journal(tmp_path, pg_url)  # --journal …
    with Journal(tmp_path) as j:
        assert isinstance(j, PgJournal) and j.schema_version == len(MIGRATIONS)
        assert not (tmp_path / "imgprep.sqlite").exists()
        with j.tx():
            sid = j.reserve(**ARGS)
        with pytest.raises(JournalConflict), j.tx():  # one number once per SKU, whatever the case
            j.reserve(**{**ARGS, "sku": "a1", "source_path": "/s/2.jpg"})
        with j.tx():
            card = j.reserve(**{**ARGS, "kind": "card", "role": "card", "source_path": "/s/c.jpg",
                                 "raw_path": "A1/card/A1-C01.jpg"})
            j.ensure_shoot("A1")
            j.ensure_shoot("a1")  # the same shoot
            j.put_product("a1", {"sku": "A1", "name": "杯"}, "表.csv")
            j.put_product("A1", {"sku": "A1", "name": "杯子"}, "表.csv")
            j.add_file("A1/raw/A1-01.jpg", "b" * 64, 10, "raw", sid)
            j.queue_backup("A1/raw/A1-01.jpg", "/backup")
            j.queue_backup("A1/raw/A1-01.jpg", "/backup")
            fit = j.add_fit(sku="A1", card_source_id=card, card_type="classic24", model="m", fit={"x": 1},
                            report={"summary": {"before": {"mean": 5.0}, "after": {"mean": 1.5, "max": 3.0},
                                                "pass": True}}, station="s1")
        assert sid != card and fit >= 1
        assert j.used_seqs("a1", "product") == {1} and j.canonical_sku("a1") == "A1"
        assert [r["sku"] for r in j.shoots()] == ["A1"]
        assert j.product("A1") == {"sku": "A1", "name": "杯子"}
        assert [dict(r)["path"] for r in j.files_for_sku("A1")] == ["A1/raw/A1-01.jpg"]
        with j.tx():
            j.set_meta("cancelled:a1", "1/2")
            j.set_meta("cancelled_x", "no")
        assert j.meta_prefixed("cancelled:") == {"cancelled:a1": "1/2"}
        assert j.source_by_stat("/s/1.jpg", 1, ARGS["mtime_ns"])["id"] == sid  # 64-bit times
        assert j.backup_backlog("/backup")["pending"] == 1 and j.backup_roots() == {"/backup"}
        assert j.colour_trend()[0]["after"] == 1.5
        with pytest.raises(ZeroDivisionError), j.tx():
            j.log("info", "x", "100% 完成?")
            raise ZeroDivisionError
        assert j.events() == []
        lid = j.library_id
    assert read_library_config(tmp_path) == {"journal": pg_url, "library_id": lid}  # … recorded for every station
    _OVERRIDES.clear()
    with Journal(tmp_path) as j:  # another station: the library's settings name the server
        assert isinstance(j, PgJournal) and j.library_id == lid


def test_a_server_journal_of_another_library_is_refused(tmp_path, pg_url):
    Journal(tmp_path / "a", url=pg_url).close()
    (tmp_path / "b").mkdir()
    Journal(tmp_path / "b", url="").close()  # library b has an id of its own
    from imgprep.core.journal import write_library_config

    write_library_config(tmp_path / "b", library_id="someone-else")
    with pytest.raises(JournalRefused, match="another library") as e:
        Journal(tmp_path / "b", url=pg_url)
    assert "另一个图库" in str(e.value)
    assert read_library_config(tmp_path / "a")["library_id"]


def test_claims_of_a_dead_connection_are_taken_over_once(tmp_path, pg_url):
    a = Journal(tmp_path, url=pg_url)
    b = Journal(tmp_path, url=pg_url)
    c = Journal(tmp_path, url=pg_url)
    with a.tx():
        sid = a.reserve(**ARGS)
    assert b.held_elsewhere(b.source(sid)) and b.take_unfinished() == []
    assert [r["id"] for r in a.take_unfinished()] == [sid]  # its own
    a.close()  # the station dies: the server ends its session (a moment later)
    assert _soon(lambda: not b.held_elsewhere(b.source(sid)))
    taken_b = b.take_unfinished()
    taken_c = c.take_unfinished()
    assert [r["id"] for r in taken_b] == [sid] and taken_c == []
    assert c.held_elsewhere(c.source(sid))
    b.close(), c.close()


def test_session_locks_are_exclusive_and_freed_with_the_connection(tmp_path, pg_url):
    a = Journal(tmp_path, url=pg_url)
    b = Journal(tmp_path, url=pg_url)
    assert a.try_lock("watch:x") and a.try_lock("watch:x")
    assert not b.try_lock("watch:x") and b.try_lock("watch:y")
    a.unlock("watch:x")
    assert b.try_lock("watch:x")
    b.close()
    assert _soon(lambda: a.try_lock("watch:x")) and a.try_lock("watch:y")
    a.close()


def test_an_unreachable_server_fails_fast_with_the_reason(tmp_path):
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = time.monotonic()
    with pytest.raises(JournalUnavailable, match="cannot be reached"):
        Journal(tmp_path, url=f"postgresql://u:secret@127.0.0.1:{port}/lib")
    assert time.monotonic() - t < 10
    assert shown_url(f"postgresql://u:secret@127.0.0.1:{port}/lib") == f"postgresql://u@127.0.0.1:{port}/lib"


def test_both_stores_have_the_same_tables_and_columns(tmp_path, pg_url):
    """The two schemas are written in two dialects, version for version: a column added to
    one and forgotten in the other fails here."""
    with Journal(tmp_path / "s", url="") as s, Journal(tmp_path / "p", url=pg_url) as p:
        tables = [r[0] for r in s.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        pg_tables = [r[0] for r in p.db.execute("SELECT table_name FROM information_schema.tables"
                                                 " WHERE table_schema = 'public' AND table_name != 'imgprep_schema'"
                                                 " ORDER BY table_name")]
        assert tables == pg_tables
        for t in tables:
            cols = [r[1] for r in s.db.execute(f"PRAGMA table_info({t})")]
            pg_cols = [r[0] for r in p.db.execute("SELECT column_name FROM information_schema.columns"
                                                   " WHERE table_name = ? ORDER BY ordinal_position", (t,))]
            assert cols == pg_cols, t
