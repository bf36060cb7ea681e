"""Several stations on one library (a server journal): the app's view of them, Qt-free.

The server journal is a setting of the library, not of a station
(``LIB/.imgprep-library.toml``): every station that opens the library finds it. The app
shows what each station is doing (the journal's ``stations`` table, written by the batch
runner and the watcher) and refreshes when another station changes the library: it polls
:func:`change_stamp` (a few index lookups; measured delay ≈ the poll interval, see
tests/app/test_stations.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..core.errors import ConfigError
from ..core.journal import (
    JOURNAL_NAME,
    Journal,
    check_url,
    has_journal,
    journal_url,
    read_library_config,
    write_library_config,
)
from ..core.messages import Reason


def server_journal(library: str | Path) -> str | None:
    """The library's server journal (its settings), or None: its SQLite file."""
    return journal_url(library)


def set_server_journal(library: str | Path, url: str | None) -> None:
    """Keep the library's journal on the server at ``url`` (None: back to the SQLite file
    of a one-station library). The server must answer now (raises
    :class:`~imgprep.core.journal.JournalUnavailable`); a library that has a SQLite journal
    must be migrated first (``imgprep journal migrate``), never silently split in two."""
    lib = Path(library)
    if url:
        check_url(url)
        if (lib / JOURNAL_NAME).exists():
            raise ConfigError(lib, "journal", Reason.of("journal-has-sqlite", library=str(lib)),
                              f"imgprep journal migrate {lib} --to {url}")
        Journal(lib, url=url).close()  # reachable, migrated, this library's (records itself)
        write_library_config(lib, journal=url)
    elif read_library_config(lib).get("journal"):
        write_library_config(lib, journal=None)


def stations(library: str | Path) -> list[dict[str, Any]]:
    """What each station of the library is doing: ``{"station", "activity", "sku",
    "detail", "since", "alive"}`` (activity: batch | watch | standby | idle). ``alive``:
    its connection to the server journal is open (None with a SQLite journal: unknown)."""
    if not has_journal(library):
        return []
    with Journal(library) as j:
        return _stations(j)


def change_stamp(library: str | Path) -> tuple | None:
    """A value that changes whenever any station changes the library (None: no journal)."""
    if not has_journal(library):
        return None
    with Journal(library) as j:
        return j.change_stamp()


def look(library: str | Path) -> tuple[tuple, list[dict[str, Any]]] | None:
    """For the app's poll, in one connection: (:func:`change_stamp`, :func:`stations`) of a
    library with a server journal; None for a one-station library."""
    if not journal_url(library):
        return None
    with Journal(library) as j:
        return j.change_stamp(), _stations(j)


def _stations(j: Journal) -> list[dict[str, Any]]:
    rows = j.stations()
    live = j.live_owners() if j.shared else None
    return [{"station": r["station"], "activity": r["activity"], "sku": r["sku"], "detail": r["detail"],
             "since": r["updated_at"], "alive": None if live is None else r["owner"] in live} for r in rows]


__all__ = ["server_journal", "set_server_journal", "stations", "change_stamp", "look"]
