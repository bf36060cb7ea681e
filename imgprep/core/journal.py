"""The journal: the state of record for every file of a library.

One interface, two stores. SQLite (WAL) in the library is the embedded default for one
station: one writer (the process holding the library lock), ``synchronous=FULL`` so a
committed row survives power loss. Several stations share a PostgreSQL journal
(:mod:`.journal_pg`, a subclass that overrides only the dialect: connection, schema
version, locks, inserted ids). Both keep a schema version with ordered migrations,
applied on open. The engine commits before and after every step that touches the disk,
so a crash can always be resumed.

SQLite over a network filesystem is refused (:func:`sqlite_refusal`): its locking and
WAL's shared-memory index need a local disk, and a corrupt journal loses data.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import tomllib
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from .errors import ConfigError, ImgprepError
from .fsutil import LibraryLock, network_fstype, write_replace
from .library import JOURNAL_NAME
from .messages import Reason, is_code, say

# What the journal's rows say: a source's state, an event's level and kind.
SourceState = Literal["reserved", "ingested", "rendered", "failed"]
Level = Literal["info", "warning", "error"]
EventKind = Literal["backup", "callouts", "catalogue", "colour", "duplicate", "failed", "hero", "page",
                    "rerendered", "slate", "superseded"]

LIBRARY_CONFIG = ".imgprep-library.toml"  # the library's own settings, read by every station
SERVER_SCHEMES = ("postgresql://", "postgres://")


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
    # 4: several stations: who holds an unfinished source (a claim; journal_pg tells a live
    # holder from a dead one), and what each station is working on
    """
    ALTER TABLE sources ADD COLUMN owner TEXT;
    CREATE TABLE stations (
        station TEXT PRIMARY KEY,
        activity TEXT NOT NULL,        -- idle | batch | watch | standby
        sku TEXT,
        detail TEXT,
        owner TEXT,                    -- its connection (alive while the station runs)
        updated_at TEXT NOT NULL
    );
    """,
    # 5: reasons as codes: the message's code and its fields (JSON) beside its English
    # text, for events and for a source's failure; NULL in rows written before
    """
    ALTER TABLE events ADD COLUMN code TEXT;
    ALTER TABLE events ADD COLUMN args TEXT;
    ALTER TABLE sources ADD COLUMN code TEXT;
    ALTER TABLE sources ADD COLUMN args TEXT;
    """,
]


class JournalNotReady(RuntimeError):
    """A reader found the journal before its writer finished creating or upgrading it
    (the file exists from the writer's first ``connect``; the schema arrives in one
    transaction a moment later)."""


class JournalRefused(ImgprepError):
    """This journal must not be opened (a SQLite journal on a network share, a server
    journal of another library). Nothing was written. The text is English, then Chinese."""

    def __init__(self, code: str, **fields: Any):
        self.why = Reason.of(code, **fields)
        self.english = text = str(self.why)
        super().__init__(f"{text}\n{self.why.text('zh')}")


class JournalError(sqlite3.DatabaseError):
    """A server journal's error (psycopg's, re-raised): one family with SQLite's, so the
    engine's ``except sqlite3.Error`` handles both stores alike."""


class JournalConflict(sqlite3.IntegrityError):
    """A server journal refused a row that breaks a key (psycopg's IntegrityError)."""


class JournalUnavailable(ConnectionError):
    """The journal server cannot be reached (down, network, credentials): an OSError, so
    the engine treats it as a library failure (the run stops cleanly, the watcher waits).
    Given a :class:`Reason`, keeps it as ``why``."""

    def __init__(self, reason: Reason | str):
        self.why = reason if isinstance(reason, Reason) else None
        super().__init__(str(reason))

    def __reduce__(self):
        return (type(self), (self.why or str(self),))


# --------------------------------------------------------------------- which journal
_OVERRIDES: dict[str, str] = {}  # resolved library → journal URL given on the command line


def _key(library: str | Path) -> str:
    return os.path.normcase(os.path.abspath(library))


def read_library_config(library: str | Path) -> dict[str, Any]:
    """The library's own settings (``LIB/.imgprep-library.toml``), shared by every station
    that opens the library: ``journal`` (a server URL, no password: use ~/.pgpass or
    PGPASSWORD) and ``library_id``. Empty when there is none."""
    path = Path(library) / LIBRARY_CONFIG
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(path, None, f"cannot read the library's settings: {e}") from e


def write_library_config(library: str | Path, **values: str | None) -> None:
    """Set (or with None remove) keys of the library's settings, atomically."""
    cfg = {**read_library_config(library), **values}
    lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in sorted(cfg.items()) if v is not None]
    write_replace(Path(library) / LIBRARY_CONFIG, ("\n".join(lines) + "\n").encode("utf-8"))


def check_url(url: str) -> str:
    if not url.startswith(SERVER_SCHEMES):
        raise ConfigError(None, "--journal", f"not a server journal: {url!r}",
                          "postgresql://user@host:port/database (the password in ~/.pgpass or PGPASSWORD)")
    return url


def use_journal(library: str | Path, url: str) -> None:
    """``--journal URL`` for this process: the library's journal is the server at ``url``
    (recorded in the library's settings by the first opening when they name none, so
    every station finds it); refused while the library has a one-station SQLite journal
    (migrate it first)."""
    check_url(url)
    lib = Path(library)
    if (lib / JOURNAL_NAME).exists():
        raise ConfigError(None, "--journal", say("journal-has-sqlite", library=lib),
                          f"imgprep journal migrate {lib} --to {url}")
    _OVERRIDES[_key(lib)] = url


def journal_url(library: str | Path) -> str | None:
    """The server journal of ``library`` (``--journal``, else the library's settings), or
    None for its SQLite file."""
    url = _OVERRIDES.get(_key(library)) or read_library_config(library).get("journal")
    return check_url(url) if url else None


def has_journal(library: str | Path | None) -> bool:
    """Has ``library`` a journal to read (its SQLite file, or a server named)?"""
    if not library:
        return False
    return (Path(library) / JOURNAL_NAME).is_file() or journal_url(library) is not None


def library_lock(library: str | Path) -> AbstractContextManager[Any]:
    """What a writer holds while it works on the library. A SQLite journal has one writer:
    the library's OS lock. A server journal has several stations at once: they meet in the
    journal's transactions and locks (:meth:`Journal.lock`), not in a file lock."""
    return nullcontext() if journal_url(library) else LibraryLock(library)


_LOCAL: dict[str, tuple[float, str | None]] = {}  # library → (when, its network fs) for a minute


def sqlite_refusal(library: str | Path, mounts: str | None = None, platform: str | None = None) -> None:
    """Raise :class:`JournalRefused` when a SQLite journal at ``library`` would sit on a
    network filesystem (SMB/CIFS, NFS, AFP, WebDAV …; ``mounts``/``platform`` as in
    :func:`fsutil.network_fstype`, for tests). SQLite's WAL needs its shared-memory index
    on the same host and network file locking is unreliable: two stations would corrupt
    the journal or hand out one number twice (https://www.sqlite.org/wal.html,
    https://www.sqlite.org/lockingv3.html §6). No override: a corrupt journal loses data."""
    if mounts is None and platform is None:  # asked at every opening (the app reads often)
        key = _key(library)
        at, fs = _LOCAL.get(key, (0.0, None))
        if time.monotonic() - at > 60:
            fs = network_fstype(library)
            _LOCAL[key] = (time.monotonic(), fs)
    else:
        fs = network_fstype(library, mounts, platform)
    if fs is not None:
        raise JournalRefused("journal-on-network", library=library, fstype=fs)


class Journal:
    """Open (creating or migrating) the journal of ``library``: its SQLite file, or the
    server journal of :func:`journal_url` (``Journal(lib)`` then returns a
    :class:`~imgprep.core.journal_pg.PgJournal`). ``readonly`` opens an existing journal
    for reading and raises :class:`JournalNotReady` unless its schema is this imgprep's.
    ``url``: a server journal; ``""`` the SQLite file whatever the library's settings say."""

    # the dialect (journal_pg overrides these)
    backend = "sqlite"
    shared = False  # other stations may write at the same time (their temp files are live)
    migrations = MIGRATIONS
    _begin = "BEGIN IMMEDIATE"  # SQLite: take the write lock now, not at the first write

    def __new__(cls, library: str | Path, *, readonly: bool = False, url: str | None = None,
                **kw: Any) -> Journal:
        if cls is Journal and (url if url is not None else journal_url(library)):
            from .journal_pg import PgJournal

            cls = PgJournal
        return super().__new__(cls)

    def __init__(self, library: str | Path, *, readonly: bool = False, url: str | None = None,
                 moving: bool = False):
        """``moving``: opened by the migration to a server, the way out for a library on a
        share (one process, under the library lock): not refused there."""
        self.library = Path(library)
        self.path = self.library / JOURNAL_NAME
        self.owner = uuid.uuid4().hex  # this connection's claims (sources.owner)
        if not moving:
            sqlite_refusal(self.library)
        if readonly:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            self.db = sqlite3.connect(uri, uri=True, timeout=30)
        else:
            self.library.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA foreign_keys = ON")
        if readonly:
            self._check_ready()
        else:
            self._wal()
            self.db.execute("PRAGMA synchronous = FULL")
            self._migrate()

    def _check_ready(self) -> None:
        version = self.schema_version
        if version != len(self.migrations):
            self.db.close()
            raise JournalNotReady(f"{self.path}: journal schema {version}, this imgprep reads "
                                  f"{len(self.migrations)} (being created or upgraded)")

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
        if self.schema_version == len(self.migrations) and self.meta("library_id") is not None:
            return
        # Two processes may open a new library at once (the app and its worker, two
        # stations): the version is read again inside the write lock, so only one migrates.
        with self.tx():
            self.lock("migrate")
            version = self.schema_version
            if version > len(self.migrations):
                raise RuntimeError(
                    f"{self.path}: journal schema {version} is newer than this imgprep "
                    f"({len(self.migrations)}); update imgprep"
                )
            for i in range(version, len(self.migrations)):
                for stmt in _split_sql(self.migrations[i]):
                    self.db.execute(stmt)
            self._set_schema_version(len(self.migrations))
            if self.meta("library_id") is None:
                self.set_meta("library_id", uuid.uuid4().hex)

    def _set_schema_version(self, version: int) -> None:
        self.db.execute(f"PRAGMA user_version = {version}")

    def _insert(self, sql: str, args: tuple) -> int:
        """Run an INSERT into a table with an ``id`` key; return the new row's id."""
        return int(self.db.execute(sql, args).lastrowid or 0)

    @contextmanager
    def tx(self) -> Iterator[Any]:
        """One transaction; committed on exit, rolled back on error."""
        self.db.execute(self._begin)
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # Locks between stations. SQLite has one writer (the library lock, and each
    # transaction holds the database's write lock): every lock is already held.
    def lock(self, name: str) -> None:
        """Inside :meth:`tx`: hold ``name`` until the transaction ends (e.g. "naming": the
        check for a claim and the number's allocation happen under it)."""

    def try_lock(self, name: str) -> bool:
        """Hold ``name`` for this connection's life (or :meth:`unlock`) if no other station
        holds it; False when one does (e.g. the watcher of a drop folder)."""
        return True

    def unlock(self, name: str) -> None:
        """Give up a lock of :meth:`try_lock`."""

    def live_owners(self) -> set[str]:
        """Owners (:attr:`owner`) whose connection is alive: their claims stand. SQLite:
        this writer alone."""
        return {self.owner}

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

    def meta_prefixed(self, prefix: str) -> dict[str, str]:
        """Every meta entry whose key starts with ``prefix``."""
        return dict(self.db.execute("SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?",
                                    (len(prefix), prefix)))

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
        self.db.execute("INSERT INTO shoots (sku, first_ingest) VALUES (?, ?) ON CONFLICT DO NOTHING", (sku, now()))

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

    def take_unfinished(self) -> list[sqlite3.Row]:
        """The unfinished sources this connection may finish: its own, and those whose
        owner is gone (a station killed mid-run, a connection lost), each taken over in a
        transaction so that two stations never finish the same one."""
        live = self.live_owners()
        out = []
        for r in self.unfinished():
            if r["owner"] in live and r["owner"] != self.owner:
                continue  # another station is at it
            if r["owner"] != self.owner:
                with self.tx():
                    took = self.db.execute("UPDATE sources SET owner = ? WHERE id = ? AND COALESCE(owner, '') = ?"
                                           " AND state IN ('reserved', 'ingested')",
                                           (self.owner, r["id"], r["owner"] or "")).rowcount
                if not took:
                    continue
            out.append(self.source(r["id"]))
        return out

    def held_elsewhere(self, row: Any) -> bool:
        """Is this unfinished source claimed by another live station?"""
        return row["owner"] != self.owner and row["owner"] in self.live_owners()

    def reserve(self, *, sku: str, kind: str, seq: int, source_path: str, size: int, mtime_ns: int,
                sha256: str, capture_time: str | None, role: str, raw_path: str) -> int:
        """Claim a source under its number before its copy is made: the row is the claim
        (``owner`` this connection), in the caller's transaction."""
        return self._insert(
            "INSERT INTO sources (sku, kind, seq, source_path, size, mtime_ns, sha256, capture_time,"
            " role, raw_path, state, first_seen, owner) VALUES (?,?,?,?,?,?,?,?,?,?, 'reserved', ?, ?)",
            (sku, kind, seq, source_path, size, mtime_ns, sha256, capture_time, role, raw_path, now(), self.owner))

    def retry(self, source_id: int, size: int, mtime_ns: int) -> bool:
        """A failed source taken again under its number: reserved anew (claimed), with the
        stat it has now (it may have been touched). False when another station took it
        first."""
        return self.db.execute("UPDATE sources SET state = 'reserved', reason = NULL, code = NULL, args = NULL, size = ?, mtime_ns = ?,"
                               " owner = ? WHERE id = ? AND state = 'failed'",
                               (size, mtime_ns, self.owner, source_id)).rowcount == 1

    def set_state(self, source_id: int, state: SourceState, reason: Reason | str | None = None) -> None:
        """``reason``: a :class:`Reason` (its English text, code and fields are kept), or
        a text of its own."""
        text, code, args = _coded(reason)
        col = {"ingested": "ingested_at", "rendered": "rendered_at"}.get(state)
        if col:
            self.db.execute(f"UPDATE sources SET state = ?, reason = ?, code = ?, args = ?, {col} = ? WHERE id = ?",
                            (state, text, code, args, now(), source_id))
        else:
            self.db.execute("UPDATE sources SET state = ?, reason = ?, code = ?, args = ? WHERE id = ?",
                            (state, text, code, args, source_id))

    def set_role(self, source_id: int, role: str) -> None:
        self.db.execute("UPDATE sources SET role = ? WHERE id = ?", (role, source_id))

    def set_colour_state(self, sku: str, state: str) -> None:
        self.db.execute("UPDATE shoots SET colour_state = ? WHERE sku = ?", (state, sku))

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
        self.db.execute("INSERT INTO backups (path, root, state, queued_at) VALUES (?, ?, 'pending', ?)"
                        " ON CONFLICT DO NOTHING", (path, root, now()))

    def backup_verified(self, path: str, root: str, sha256: str) -> None:
        self.db.execute("UPDATE backups SET state = 'verified', sha256 = ?, verified_at = ?, last_error = NULL,"
                        " attempts = attempts + 1 WHERE path = ? AND root = ?", (sha256, now(), path, root))

    def backup_failed(self, path: str, root: str, error: str, final: bool = False) -> None:
        self.db.execute("UPDATE backups SET state = ?, last_error = ?, attempts = attempts + 1"
                        " WHERE path = ? AND root = ?", ("failed" if final else "pending", error, path, root))

    def pending_backups(self, root: str) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM backups WHERE root = ? AND state != 'verified' ORDER BY path",
                                    (root,)))

    def library_paths(self) -> list[str]:
        """Every library file the journal knows (relative paths)."""
        return [r[0] for r in self.db.execute("SELECT path FROM files")]

    def backup_paths(self, prefix: str) -> list[str]:
        """The paths with a backup row that start with ``prefix`` (``SKU/jpg/``): names
        the backup holds, even when the library no longer does."""
        return [r[0] for r in self.db.execute("SELECT path FROM backups WHERE path LIKE ?", (f"{prefix}%",))]

    def verified_backups(self, root: str | None = None) -> list[sqlite3.Row]:
        """The copies recorded as verified (of ``root``, or of every backup): path, root, sha256."""
        q, args = "SELECT path, root, sha256 FROM backups WHERE state = 'verified'", ()
        if root is not None:
            q, args = q + " AND root = ?", (root,)
        return list(self.db.execute(q + " ORDER BY path", args))

    def failed_sources(self) -> list[tuple[str, str, Reason | str]]:
        """(SKU, source, reason) of every failure the log recorded for a source, oldest
        first; the reason as :meth:`reason` gives it."""
        return [(r["sku"], r["source"], self.reason(r)) for r in self.db.execute(
            "SELECT sku, source, message, code, args FROM events WHERE kind = 'failed' AND sku IS NOT NULL"
            " AND source IS NOT NULL ORDER BY id")]

    def backup_roots(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT DISTINCT root FROM backups")}

    def backup_state(self, path: str, root: str | None) -> str:
        if root is None:
            return "off"
        row = self.db.execute("SELECT state FROM backups WHERE path = ? AND root = ?", (path, root)).fetchone()
        return "verified" if row and row[0] == "verified" else "pending"

    # -------------------------------------------------------------- colour fits
    def add_fit(self, *, sku: str, card_source_id: int | None, card_type: str, model: str, fit: dict,
                report: dict, station: str | None) -> int:
        s = report.get("summary", {})
        return self._insert(
            "INSERT INTO fits (sku, card_source_id, card_type, model, fit, report, de_before_mean, de_after_mean,"
            " de_after_max, passed, station, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (sku, card_source_id, card_type, model, json.dumps(fit), json.dumps(report, ensure_ascii=False),
             s.get("before", {}).get("mean"), s.get("after", {}).get("mean"), s.get("after", {}).get("max"),
             int(bool(s.get("pass"))), station, now()))

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
                       reason: Reason | str | None = None, moved_to: str | None = None) -> None:
        reason = None if reason is None else str(reason)
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

    def queue_all_backups(self, root: str) -> int:
        """Queue every library file that has no backup row for ``root`` yet (the watcher's
        start-up reconciliation); returns how many were queued."""
        cur = self.db.execute(
            "INSERT INTO backups (path, root, state, queued_at)"
            " SELECT path, ?, 'pending', ? FROM files WHERE true ON CONFLICT DO NOTHING", (root, now()))
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
                              + (" AND root = ?" if root is not None else "") + " ORDER BY queued_at DESC, path DESC LIMIT 1",
                              args).fetchone()
        return {"pending": n, "oldest": oldest, "attempts": attempts or 0, "last_error": err[0] if err else None}

    # -------------------------------------------------------------- stations
    def set_activity(self, station: str, activity: str, sku: str | None = None, detail: str | None = None) -> None:
        """What ``station`` is doing now (the app shows every station's)."""
        with self.tx():
            self.db.execute(
                "INSERT INTO stations (station, activity, sku, detail, owner, updated_at) VALUES (?,?,?,?,?,?)"
                " ON CONFLICT (station) DO UPDATE SET activity = excluded.activity, sku = excluded.sku,"
                " detail = excluded.detail, owner = excluded.owner, updated_at = excluded.updated_at",
                (station, activity, sku, detail, self.owner, now()))

    def stations(self) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM stations ORDER BY station"))

    def change_stamp(self) -> tuple:
        """Changes the moment any station writes what the app shows (a source's state, a
        file, an event, a station's activity): polled by the app to refresh (cheap: index
        ends and counts)."""
        return tuple(self.db.execute(
            "SELECT (SELECT MAX(id) FROM events), (SELECT COUNT(*) FROM sources),"
            " (SELECT MAX(COALESCE(rendered_at, ingested_at, first_seen)) FROM sources),"
            " (SELECT COUNT(*) FROM files), (SELECT MAX(updated_at) FROM stations),"
            " (SELECT COUNT(*) FROM backups WHERE state = 'verified')").fetchone())

    # -------------------------------------------------------------- events
    def log(self, level: Level, kind: EventKind, message: Reason | str, *, sku: str | None = None,
            source: str | None = None) -> None:
        """An event; ``message`` a :class:`Reason` (its English text, code and fields are
        kept) or a text of its own."""
        text, code, args = _coded(message)
        self.db.execute("INSERT INTO events (time, level, kind, sku, source, message, code, args)"
                        " VALUES (?,?,?,?,?,?,?,?)", (now(), level, kind, sku, source, text or "", code, args))

    @staticmethod
    def reason(row: Any) -> Reason | str | None:
        """The reason of an ``events`` row (its ``message``) or a ``sources`` row (its
        ``reason``): rebuilt from its code and fields, or, in a row written before codes
        were kept (an old journal), its English text."""
        keys = row.keys()
        text = row["message"] if "message" in keys else row["reason"]
        code = row["code"] if "code" in keys else None
        if code and is_code(code):
            return Reason.from_json(code, row["args"])
        return text

    def events(self, limit: int = 200) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM events ORDER BY id DESC LIMIT ?", (limit,)))


def _coded(reason: Reason | str | None) -> tuple[str | None, str | None, str | None]:
    """(English text, code, fields as JSON) of a reason to keep."""
    if isinstance(reason, Reason):
        return str(reason), reason.code, reason.to_json()
    return reason, None, None


def _split_sql(script: str) -> list[str]:
    """Statements of a migration script (our scripts hold no ';' inside literals)."""
    out = []
    for part in script.split(";"):
        lines = [ln for ln in part.splitlines() if ln.strip()]
        if lines:
            out.append("\n".join(lines))
    return out
