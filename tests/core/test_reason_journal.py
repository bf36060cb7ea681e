"""Issue 15: the journal keeps a reason's code and fields beside its English text, and
gives the reason back; rows of journals written before have their text only."""

from __future__ import annotations

import sqlite3

from imgprep.core.journal import MIGRATIONS, Journal
from imgprep.core.messages import MESSAGES, Reason


def _source(j: Journal) -> int:
    with j.tx():
        j.ensure_shoot("A1")
        return j.reserve(sku="A1", kind="product", seq=1, source_path="/s/IMG_1.jpg", size=1, mtime_ns=1,
                         sha256="a" * 64, capture_time=None, role="hero", raw_path="A1/raw/A1-01.jpg")


def test_a_failure_reason_survives_the_journal_round_trip(tmp_path):
    why = Reason.of("render-failed", detail=Reason.of("os-error", errno=13, detail="Permission denied"))
    with Journal(tmp_path) as j:
        sid = _source(j)
        with j.tx():
            j.set_state(sid, "failed", why)
            j.log("error", "failed", why, sku="A1", source="/s/IMG_1.jpg")
    with Journal(tmp_path, readonly=True) as j:  # a real SQLite file, opened again
        row = j.source(sid)
        ev = j.events()[0]
        # the English text as before (scripts read it), the code and fields beside it
        assert row["reason"] == ev["message"] == "rendering failed: [Errno 13] Permission denied"
        assert row["code"] == ev["code"] == "render-failed"
        assert j.reason(row) == j.reason(ev) == why
        assert j.failed_sources() == [("A1", "/s/IMG_1.jpg", why)]
    zh = MESSAGES["render-failed"][1].format(detail=MESSAGES["os-error"][1].format(errno=13, detail="Permission denied"))
    assert why.text("zh_CN") == zh == "渲染失败：Permission denied（错误代码 13）"


def test_rows_of_an_old_journal_give_their_text(tmp_path):
    with Journal(tmp_path) as j:
        sid = _source(j)
        with j.tx():
            j.set_state(sid, "failed", "cannot read: Permission denied")  # a text, no code
            j.log("warning", "catalogue", "SKU A1 is not in the product sheet: no spec panel", sku="A1")
        assert j.reason(j.source(sid)) == "cannot read: Permission denied"
        assert j.reason(j.events()[0]) == "SKU A1 is not in the product sheet: no spec panel"
        assert j.source(sid)["code"] is None and j.events()[0]["args"] is None


def test_a_journal_of_schema_4_gains_the_columns_and_keeps_its_rows(tmp_path):
    db = sqlite3.connect(tmp_path / "imgprep.sqlite")
    for script in MIGRATIONS[:4]:
        db.executescript(script)
    db.execute("PRAGMA user_version = 4")
    db.execute("INSERT INTO events (time, level, kind, message) VALUES ('t', 'error', 'failed', 'empty file (0 bytes)')")
    db.commit()
    db.close()
    with Journal(tmp_path) as j:
        assert j.schema_version == len(MIGRATIONS) == 5
        cols = {t: {r[1] for r in j.db.execute(f"PRAGMA table_info({t})")} for t in ("events", "sources")}
        assert {"code", "args"} <= cols["events"] and {"code", "args"} <= cols["sources"]
        assert j.reason(j.events()[0]) == "empty file (0 bytes)"
