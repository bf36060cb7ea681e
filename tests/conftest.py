import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def run_cli(capsys):
    """Run the imgprep CLI in this process; return (exit code, stdout, stderr)."""
    from imgprep.cli import main

    def run(*args: str | os.PathLike) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def pytest_runtest_logreport(report):
    """Print a failure the moment it happens, not only in the summary at the end: if a
    later test takes the process down (a native crash), CI's log still says what failed."""
    if report.failed:
        sys.stderr.write(f"\n=== FAILED {report.nodeid} ({report.when})\n{report.longreprtext}\n")
        sys.stderr.flush()


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of this test session (tests/postgres.py), stopped at its end."""
    from tests.postgres import Server

    server = Server()
    server.start()
    yield server
    server.close()


@pytest.fixture
def pg_url(pg_server):
    """The URL of a fresh, empty database on the session's server."""
    return pg_server.create_db()
