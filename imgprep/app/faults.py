"""Test hooks that crash the process at a named point, so tests prove that a crash there
loses nothing. Unset (always, outside tests) each costs one environment lookup.

- ``IMGPREP_TEST_KILL_AT=<step>[:<n>]``: :func:`crash_point` SIGKILLs this process (like
  ``kill -9``) the n-th time it reaches ``step``. Steps: staged (original copied to a temp,
  nothing journaled), published (final name given, not yet journaled), ingested,
  rendered (batch.py); backup-staged (backup.py); source-moved (watch.py).
- ``IMGPREP_TEST_CRASH_ON=<name part>``: :func:`decoder_fault` kills a worker with SIGSEGV
  on a file whose name contains it, like a native decoder fault.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

_hits: dict[str, int] = {}


def crash_point(step: str) -> None:
    spec = os.environ.get("IMGPREP_TEST_KILL_AT")
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name != step:
        return
    _hits[step] = _hits.get(step, 0) + 1
    if _hits[step] >= int(nth or 1):
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def decoder_fault(path: str) -> None:
    marker = os.environ.get("IMGPREP_TEST_CRASH_ON")
    if marker and marker in Path(path).name:
        if hasattr(signal, "SIGSEGV") and os.name != "nt":
            os.kill(os.getpid(), signal.SIGSEGV)
        os._exit(139)
