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
