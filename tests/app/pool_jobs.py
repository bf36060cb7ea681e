"""Job functions for tests/app/test_pool.py (importable by spawned workers)."""

import os
import time


def square_or_die(x: int) -> int:
    if x < 0:
        os._exit(139)  # like a native decoder fault: the worker process dies
    time.sleep(0.01)
    return x * x
