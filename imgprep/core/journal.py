"""The journal: SQLite (WAL) in the library, the state of record for every file.

One writer (the process holding the library lock). A schema version in
``PRAGMA user_version`` with ordered migrations (STYLE.md §10). ``synchronous=FULL``
so a committed row survives power loss; the engine commits before and after every
step that touches the disk, so a crash can always be resumed.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

JOURNAL_NAME = "imgprep.sqlite"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


MIGRATIONS: list[str] = [
    # 1: the first schema
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE shoots (
        sku TEXT PRIMARY KEY COLLATE NOCASE,
        hero_id INTEGER,
        first_ingest TEXT NOT NULL,
        colour_state TEXT NOT NULL DEFAULT 'none'      -- none | corrected | uncorrected
    );
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        sku TEXT NOT NULL COLLATE NOCASE,
        kind TEXT NOT NULL CHECK (kind IN ('product', 'card')),
        seq INTEGER NOT NULL,
        source_path TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        capture_time TEXT,
        role TEXT NOT NULL CHECK (role IN ('hero', 'detail', 'card')),
        raw_path TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('reserved', 'ingested', 'rendered', 'failed')),
        reason TEXT,
        fit_id INTEGER,
        first_seen TEXT NOT NULL,
        ingested_at TEXT,
        rendered_at TEXT,
        UNIQUE (sku, kind, seq)
    );
    CREATE INDEX sources_sha ON sources (sha256);
    CREATE INDEX sources_path ON sources (source_path);
    CREATE TABLE files (
        path TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        kind TEXT NOT NULL,            -- raw | card | jpg | report | psd
        source_id INTEGER REFERENCES sources (id),
        rendition TEXT,
        watermark INTEGER NOT NULL DEFAULT 0,
        facts TEXT,                    -- JSON: panel/callout facts, quality used, notes
        created_at TEXT NOT NULL
    );
    CREATE INDEX files_source ON files (source_id);
    CREATE TABLE backups (
        path TEXT NOT NULL,
        root TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'verified', 'failed')),
        sha256 TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        queued_at TEXT NOT NULL,
        verified_at TEXT,
        PRIMARY KEY (path, root)
    );
    CREATE TABLE fits (
        id INTEGER PRIMARY KEY,
        sku TEXT NOT NULL COLLATE NOCASE,
        card_source_id INTEGER REFERENCES sources (id),
        card_type TEXT NOT NULL,
        model TEXT NOT NULL,
        fit TEXT NOT NULL,             -- JSON of the ColourFit
        report TEXT NOT NULL,          -- JSON document of `imgprep colour`
        de_before_mean REAL, de_after_mean REAL, de_after_max REAL,
        passed INTEGER,
        station TEXT,
        created_at TEXT NOT NULL
    );
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        level TEXT NOT NULL,           -- info | warning | error
        kind TEXT NOT NULL,            -- failed | duplicate | skipped | backup | ...
        sku TEXT,
        source TEXT,
        message TEXT NOT NULL
    );
    """,
    # 2: the product sheet's facts, kept so `check`, re-renders and the app see them
    """
    CREATE TABLE products (
        sku TEXT PRIMARY KEY COLLATE NOCASE,
        data TEXT NOT NULL,            -- JSON of catalogue.Product
        sheet TEXT NOT NULL,           -- the file it came from
        loaded_at TEXT NOT NULL
    );
    """,
    # 3: the watcher's view of the drop folder: files it reported and does not take again
    # until they change (stalled, unassigned, refused), and where processed sources went
    """
    CREATE TABLE watch_files (
        path TEXT PRIMARY KEY,         -- the file in the drop folder (NFC)
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        state TEXT NOT NULL,           -- stalled | unassigned | failed | skipped | done | duplicate
        sku TEXT,
        reason TEXT,
        moved_to TEXT,                 -- DROP/.imgprep/done/... once verified in the library
        updated_at TEXT NOT NULL
    );
    CREATE INDEX watch_files_state ON watch_files (state);
    """,
]


class JournalNotReady(RuntimeError):
    """A reader found the journal before its writer finished creating or upgrading it
    (the file exists from the writer's first ``connect``; the schema arrives in one
    transaction a moment later)."""


class Journal:
    """Open (creating or migrating) the journal of ``library``. ``readonly`` opens
    an existing journal for reading and raises :class:`JournalNotReady` unless its schema
    is this imgprep's."""

    def __init__(self, library: str | Path, *, readonly: bool = False):
        self.library = Path(library)
        self.path = self.library / JOURNAL_NAME
        if readonly:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            self.db = sqlite3.connect(uri, uri=True, timeout=30)
        else:
            self.library.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        if readonly:
            version = self.schema_version
            if version != len(MIGRATIONS):
                self.db.close()
                raise JournalNotReady(f"{self.path}: journal schema {version}, this imgprep reads "
                                      f"{len(MIGRATIONS)} (being created or upgraded)")
        else:
            self._wal()
            self.db.execute("PRAGMA synchronous = FULL")
            self._migrate()

    # -------------------------------------------------------------- plumbing
    def _wal(self) -> None:
        """Switch to WAL (it stays in the file). SQLite answers 'locked' at once, without
        waiting, when another connection opens the new file at the same moment: retry."""
        deadline = time.monotonic() + 30
        while self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _migrate(self) -> None:
        if self.schema_version == len(MIGRATIONS) and self.meta("library_id") is not None:
            return
        # Two processes may open a new library at once (the app and its worker): the
        # version is read again inside the write lock, so only one of them migrates.
        with self.tx():
            version = self.schema_version
            if version > len(MIGRATIONS):
                raise RuntimeError(
                    f"{self.path}: journal schema {version} is newer than this imgprep "
                    f"({len(MIGRATIONS)}); update imgprep"
                )
            for i in range(version, len(MIGRATIONS)):
                for stmt in _split_sql(MIGRATIONS[i]):
                    self.db.execute(stmt)
            self.db.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
            if self.meta("library_id") is None:
                self.set_meta("library_id", uuid.uuid4().hex)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction; committed on exit, rolled back on error."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # -------------------------------------------------------------- meta
    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    @property
    def library_id(self) -> str:
        v = self.meta("library_id")
        assert v is not None
        return v

    # -------------------------------------------------------------- shoots & sources
    def shoot(self, sku: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM shoots WHERE sku = ?", (sku,)).fetchone()

    def canonical_sku(self, sku: str) -> str:
        """The spelling already in the library for a SKU that differs only in case
        (Windows and macOS file systems would merge the folders anyway)."""
        row = self.shoot(sku)
        return row["sku"] if row else sku

    def ensure_shoot(self, sku: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO shoots (sku, first_ingest) VALUES (?, ?)", (sku, now()))

    def set_hero(self, sku: str, source_id: int) -> None:
        self.db.execute("UPDATE shoots SET hero_id = ? WHERE sku = ?", (source_id, sku))

    def used_seqs(self, sku: str, kind: str) -> set[int]:
        rows = self.db.execute("SELECT seq FROM sources WHERE sku = ? AND kind = ?", (sku, kind))
        return {r[0] for r in rows}

    def source_by_stat(self, path: str, size: int, mtime_ns: int) -> sqlite3.Row | None:
        return self.db.execute(
            "SELECT * FROM sources WHERE source_path = ? AND size = ? AND mtime_ns = ? "
            "ORDER BY id DESC LIMIT 1", (path, size, mtime_ns)).fetchone()

    def sources_by_sha(self, sha256: str) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM sources WHERE sha256 = ? ORDER BY id", (sha256,)))

    def sources(self, sku: str | None = None) -> list[sqlite3.Row]:
        if sku is None:
            return list(self.db.execute("SELECT * FROM sources ORDER BY sku, kind, seq"))
        return list(self.db.execute("SELECT * FROM sources WHERE sku = ? ORDER BY kind, seq", (sku,)))

    def source(self, source_id: int) -> sqlite3.Row:
        return self.db.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()

    def unfinished(self) -> list[sqlite3.Row]:
        return list(self.db.execute(
            "SELECT * FROM sources WHERE state IN ('reserved', 'ingested') ORDER BY sku, kind, seq"))

    def reserve(self, *, sku: str, kind: str, seq: int, source_path: str, size: int, mtime_ns: int,
                sha256: str, capture_time: str | None, role: str, raw_path: str) -> int:
        cur = self.db.execute(
            "INSERT INTO sources (sku, kind, seq, source_path, size, mtime_ns, sha256, capture_time,"
            " role, raw_path, state, first_seen) VALUES (?,?,?,?,?,?,?,?,?,?, 'reserved', ?)",
            (sku, kind, seq, source_path, size, mtime_ns, sha256, capture_time, role, raw_path, now()))
        return int(cur.lastrowid or 0)

    def retry(self, source_id: int, size: int, mtime_ns: int) -> None:
        """A failed source taken again under its number: reserved anew, with the stat it
        has now (it may have been touched)."""
        self.db.execute("UPDATE sources SET state = 'reserved', reason = NULL, size = ?, mtime_ns = ? WHERE id = ?",
                        (size, mtime_ns, source_id))

    def set_state(self, source_id: int, state: str, reason: str | None = None) -> None:
        col = {"ingested": "ingested_at", "rendered": "rendered_at"}.get(state)
        if col:
            self.db.execute(f"UPDATE sources SET state = ?, reason = ?, {col} = ? WHERE id = ?",
                            (state, reason, now(), source_id))
        else:
            self.db.execute("UPDATE sources SET state = ?, reason = ? WHERE id = ?", (state, reason, source_id))

    def set_role(self, source_id: int, role: str) -> None:
        self.db.execute("UPDATE sources SET role = ? WHERE id = ?", (role, source_id))

    def set_fit(self, source_id: int, fit_id: int | None) -> None:
        self.db.execute("UPDATE sources SET fit_id = ? WHERE id = ?", (fit_id, source_id))

    # -------------------------------------------------------------- files
    def add_file(self, path: str, sha256: str, size: int, kind: str, source_id: int | None = None,
                 rendition: str | None = None, watermark: bool = False, facts: dict | None = None) -> None:
        self.db.execute(
            "INSERT INTO files (path, sha256, size, kind, source_id, rendition, watermark, facts, created_at)"
            " VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (path) DO UPDATE SET sha256 = excluded.sha256,"
            " size = excluded.size, facts = excluded.facts",
            (path, sha256, size, kind, source_id, rendition, int(watermark),
             json.dumps(facts, ensure_ascii=False) if facts else None, now()))

    def drop_file(self, path: str) -> None:
        """Forget a library file that was superseded (a re-rendered rendition); its backup
        rows stay, since the backup keeps every version."""
        self.db.execute("DELETE FROM files WHERE path = ?", (path,))

    def file(self, path: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM files WHERE path = ?", (path,)).fetchone()

    def files(self, source_id: int | None = None, kind: str | None = None) -> list[sqlite3.Row]:
        q, args = "SELECT * FROM files WHERE 1=1", []
        if source_id is not None:
            q += " AND source_id = ?"
            args.append(source_id)
        if kind is not None:
            q += " AND kind = ?"
            args.append(kind)
        return list(self.db.execute(q + " ORDER BY path", args))

    def files_by_sha(self, sha256: str, kind: str) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM files WHERE sha256 = ? AND kind = ? ORDER BY created_at, path",
                                    (sha256, kind)))

    def files_for_sku(self, sku: str) -> list[sqlite3.Row]:
        prefix = sku + "/"
        return list(self.db.execute("SELECT * FROM files WHERE substr(path, 1, ?) = ? ORDER BY path",
                                    (len(prefix), prefix)))

    # -------------------------------------------------------------- backups
    def queue_backup(self, path: str, root: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO backups (path, root, state, queued_at) VALUES (?, ?, 'pending', ?)",
                        (path, root, now()))

    def backup_verified(self, path: str, root: str, sha256: str) -> None:
        self.db.execute("UPDATE backups SET state = 'verified', sha256 = ?, verified_at = ?, last_error = NULL,"
                        " attempts = attempts + 1 WHERE path = ? AND root = ?", (sha256, now(), path, root))

    def backup_failed(self, path: str, root: str, error: str, final: bool = False) -> None:
        self.db.execute("UPDATE backups SET state = ?, last_error = ?, attempts = attempts + 1"
                        " WHERE path = ? AND root = ?", ("failed" if final else "pending", error, path, root))

    def pending_backups(self, root: str) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM backups WHERE root = ? AND state != 'verified' ORDER BY path",
                                    (root,)))

    def backup_state(self, path: str, root: str | None) -> str:
        if root is None:
            return "off"
        row = self.db.execute("SELECT state FROM backups WHERE path = ? AND root = ?", (path, root)).fetchone()
        return "verified" if row and row[0] == "verified" else "pending"

    # -------------------------------------------------------------- colour fits
    def add_fit(self, *, sku: str, card_source_id: int | None, card_type: str, model: str, fit: dict,
                report: dict, station: str | None) -> int:
        s = report.get("summary", {})
        cur = self.db.execute(
            "INSERT INTO fits (sku, card_source_id, card_type, model, fit, report, de_before_mean, de_after_mean,"
            " de_after_max, passed, station, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (sku, card_source_id, card_type, model, json.dumps(fit), json.dumps(report, ensure_ascii=False),
             s.get("before", {}).get("mean"), s.get("after", {}).get("mean"), s.get("after", {}).get("max"),
             int(bool(s.get("pass"))), station, now()))
        return int(cur.lastrowid or 0)

    def fit(self, fit_id: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM fits WHERE id = ?", (fit_id,)).fetchone()

    def fits(self, sku: str | None = None) -> list[sqlite3.Row]:
        if sku:
            return list(self.db.execute("SELECT * FROM fits WHERE sku = ? ORDER BY id", (sku,)))
        return list(self.db.execute("SELECT * FROM fits ORDER BY id"))

    def colour_trend(self, station: str | None = None) -> list[dict[str, Any]]:
        """Mean ΔE2000 (before/after) per day, oldest first: lights drift, this shows it."""
        q = ("SELECT substr(created_at, 1, 10) AS day, station, COUNT(*) AS n, AVG(de_before_mean) AS before,"
             " AVG(de_after_mean) AS after FROM fits")
        args: list[Any] = []
        if station is not None:
            q += " WHERE station = ?"
            args.append(station)
        q += " GROUP BY day, station ORDER BY day"
        return [dict(r) for r in self.db.execute(q, args)]

    # -------------------------------------------------------------- products
    def put_product(self, sku: str, data: dict, sheet: str) -> None:
        self.db.execute("INSERT INTO products (sku, data, sheet, loaded_at) VALUES (?,?,?,?) ON CONFLICT (sku)"
                        " DO UPDATE SET data = excluded.data, sheet = excluded.sheet, loaded_at = excluded.loaded_at",
                        (sku, json.dumps(data, ensure_ascii=False), sheet, now()))

    def product(self, sku: str) -> dict | None:
        row = self.db.execute("SELECT data FROM products WHERE sku = ?", (sku,)).fetchone()
        return json.loads(row[0]) if row else None

    def products(self) -> dict[str, dict]:
        return {r["sku"]: json.loads(r["data"]) for r in self.db.execute("SELECT sku, data FROM products")}

    def shoots(self) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM shoots ORDER BY sku"))

    # -------------------------------------------------------------- watched drop folder
    def put_watch_file(self, path: str, size: int, mtime_ns: int, state: str, *, sku: str | None = None,
                       reason: str | None = None, moved_to: str | None = None) -> None:
        self.db.execute(
            "INSERT INTO watch_files (path, size, mtime_ns, state, sku, reason, moved_to, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (path) DO UPDATE SET size = excluded.size,"
            " mtime_ns = excluded.mtime_ns, state = excluded.state, sku = excluded.sku,"
            " reason = excluded.reason, moved_to = excluded.moved_to, updated_at = excluded.updated_at",
            (path, size, mtime_ns, state, sku, reason, moved_to, now()))

    def watch_file(self, path: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM watch_files WHERE path = ?", (path,)).fetchone()

    def watch_files(self, *states: str) -> list[sqlite3.Row]:
        if not states:
            return list(self.db.execute("SELECT * FROM watch_files ORDER BY path"))
        marks = ",".join("?" * len(states))
        return list(self.db.execute(f"SELECT * FROM watch_files WHERE state IN ({marks}) ORDER BY path", states))

    def forget_watch_file(self, path: str) -> None:
        self.db.execute("DELETE FROM watch_files WHERE path = ?", (path,))

    def queue_all_backups(self, root: str) -> int:
        """Queue every library file that has no backup row for ``root`` yet (the watcher's
        start-up reconciliation); returns how many were queued."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO backups (path, root, state, queued_at)"
            " SELECT path, ?, 'pending', ? FROM files", (root, now()))
        return cur.rowcount

    def backup_backlog(self, root: str | None = None) -> dict[str, Any]:
        """Copies not yet verified: how many, the oldest, the last error."""
        q = "SELECT COUNT(*), MIN(queued_at), MAX(attempts) FROM backups WHERE state != 'verified'"
        args: tuple = ()
        if root is not None:
            q += " AND root = ?"
            args = (root,)
        n, oldest, attempts = self.db.execute(q, args).fetchone()
        err = self.db.execute("SELECT last_error FROM backups WHERE state != 'verified' AND last_error IS NOT NULL"
                              + (" AND root = ?" if root is not None else "") + " ORDER BY rowid DESC LIMIT 1",
                              args).fetchone()
        return {"pending": n, "oldest": oldest, "attempts": attempts or 0, "last_error": err[0] if err else None}

    # -------------------------------------------------------------- events
    def log(self, level: str, kind: str, message: str, *, sku: str | None = None, source: str | None = None) -> None:
        self.db.execute("INSERT INTO events (time, level, kind, sku, source, message) VALUES (?,?,?,?,?,?)",
                        (now(), level, kind, sku, source, message))

    def events(self, limit: int = 200) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM events ORDER BY id DESC LIMIT ?", (limit,)))


def _split_sql(script: str) -> list[str]:
    """Statements of a migration script (our scripts hold no ';' inside literals)."""
    out = []
    for part in script.split(";"):
        lines = [ln for ln in part.splitlines() if ln.strip()]
        if lines:
            out.append("\n".join(lines))
    return out
