"""A process pool in which a crashing job fails alone.

A native decoder fault kills its worker process, and ``concurrent.futures`` then marks
every job in flight as broken. We restart the pool, and run the jobs that were in
flight one at a time in a pool of their own: a job that kills its worker there is the
culprit and fails with a reason; the others complete normally.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

from ..core.messages import Reason

J = TypeVar("J")

CRASH = Reason.of("decoder-crashed")
CRASH_REASON = str(CRASH)
# Kept workers (the watcher's, the app's) are let go after this long without work: a
# designer's machine runs Photoshop too.
KEEP_IDLE_S = 600.0


class WorkerCrashed(Exception):
    def __init__(self, why: Reason = CRASH):
        self.why = why
        super().__init__(str(why))


def _exit_with_parent(ppid: int) -> None:
    """Worker initializer: leave when the parent is gone (a kill -9 of the engine must
    not leave decoders running on their own)."""
    import os
    import time

    def watch() -> None:
        while True:
            if os.getppid() != ppid:
                os._exit(1)
            time.sleep(1.0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _init_worker(ppid: int, user: Callable[..., None] | None, args: tuple) -> None:
    import gc

    gc.enable()  # a child forked from the app inherits its GUI-thread-only collection (gui.gcguard)
    _exit_with_parent(ppid)
    try:
        import cv2

        # One thread per worker: the pool is the parallelism (no oversubscription), and
        # a forked child must not rely on a thread pool it inherited half-alive.
        cv2.setNumThreads(1)
    except ImportError:
        pass
    if user is not None:
        user(*args)


def _context() -> multiprocessing.context.BaseContext:
    """fork on Linux while the process has one Python thread (the CLI batch: workers
    start in milliseconds with the modules already imported, instead of ~0.7 s each to
    spawn and import); spawn everywhere else — fork is unsafe once threads run (the app,
    the watcher), macOS frameworks forbid it, and Windows has only spawn."""
    import sys

    qt = any(m.startswith("PySide6") for m in sys.modules)  # Qt may run native threads
    if sys.platform == "linux" and threading.active_count() == 1 and not qt:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


@contextmanager
def _opencv_paused() -> Iterator[None]:
    """OpenCV's thread pool (native threads, invisible to ``threading``) does not survive
    a fork: a child forked while it runs deadlocks in its first ``cv2.setNumThreads``.
    Shrink it to nothing for the fork and restore it after."""
    import sys

    cv2 = sys.modules.get("cv2")
    if cv2 is None:
        yield
        return
    n = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(n)


def _noop() -> None:
    return None


class JobPool:
    """Run ``fn(job)`` for each job; yield ``(job, result | exception)`` as they finish.

    ``workers=0`` runs in this process (tests, debugging): no crash isolation. The
    worker processes stay between :meth:`run` calls until :meth:`close`: a batch's later
    passes (a slate's renamed shoot, a RAW's camera JPEG) use the workers of its first,
    forked while the process had one thread, instead of spawning new ones (pool.py's start
    methods). ``keep=True``, for the long-running processes that keep them between
    arrivals or drops (the watcher, the app), always spawns.
    """

    def __init__(self, fn: Callable[[Any], Any], workers: int,
                 initializer: Callable[..., None] | None = None, initargs: tuple = (),
                 keep: bool = False):
        self.fn = fn
        self.workers = workers
        self.keep = keep
        self.initializer, self.initargs = initializer, initargs
        self._pool: ProcessPoolExecutor | None = None
        self._leaving: ProcessPoolExecutor | None = None  # closed without waiting (see close)
        self._busy = False
        self._last_used = 0.0

    def close(self, wait: bool = True) -> None:
        """Stop the worker processes. A later :meth:`run` starts new ones. ``wait=False``:
        they leave while the caller goes on (records the last frames); a later pool waits
        for them first."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._leaving = None if wait else self._pool
            self._pool = None

    def close_if_idle(self, seconds: float) -> bool:
        """Give the memory of kept workers back when no run has used them for
        ``seconds`` (call from the thread that runs the pool)."""
        import time

        if self._pool is None or self._busy or time.monotonic() - self._last_used < seconds:
            return False
        self.close()
        return True

    def warm(self, fn: Callable[[], Any] | None = None) -> None:
        """Start the worker processes now (spawning and imports take a good part of a
        second) so they are ready when the first job comes."""
        if self.workers <= 0 or self._pool is not None:
            return
        import time

        self._last_used = time.monotonic()
        self._pool = self._new_pool(self.workers)
        if fn is not None:
            for _ in range(self.workers):
                self._pool.submit(fn)

    def _new_pool(self, n: int) -> ProcessPoolExecutor:
        import os

        if self._leaving is not None:  # a live manager thread would make the next pool spawn, not fork
            self._leaving.shutdown(wait=True)
            self._leaving = None

        # A kept pool is started by a long-running process that already holds the
        # library lock and an open journal: its workers must not inherit them (spawn).
        ctx = multiprocessing.get_context("spawn") if self.keep else _context()
        pool = ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init_worker,
                                   initargs=(os.getpid(), self.initializer, self.initargs))
        if ctx.get_start_method() == "fork":
            with _opencv_paused():
                pool.submit(_noop)  # forks every worker now, while OpenCV's pool is paused
        return pool

    def run(self, jobs: Iterable[J], window: int | None = None,
            cancel: threading.Event | None = None) -> Iterator[tuple[J, Any]]:
        """Once ``cancel`` is set no more jobs start; those running are still reported.
        The event belongs to the caller's run, so a cancelled run leaves a kept pool
        ready for the next one."""
        import time

        self._busy = True
        try:
            yield from self._run(list(jobs), window, cancel or threading.Event())
        finally:
            self._busy = False
            self._last_used = time.monotonic()

    def _run(self, jobs: list[J], window: int | None, cancel: threading.Event) -> Iterator[tuple[J, Any]]:
        if self.workers <= 0:
            if self.initializer:
                self.initializer(*self.initargs)
            for job in jobs:
                if cancel.is_set():
                    return
                try:
                    yield job, self.fn(job)
                except Exception as e:  # noqa: BLE001 - reported per job
                    yield job, e
            return
        # A bounded window keeps memory flat: results are images.
        window = window or self.workers * 2
        pending = list(reversed(jobs))
        suspects: list[J] = []
        if self._pool is None:
            self._pool = self._new_pool(self.workers)
        running: dict[Future, J] = {}
        try:
            while pending or running:
                broken = False
                while pending and len(running) < window and not cancel.is_set():
                    job = pending.pop()
                    try:
                        running[self._pool.submit(self.fn, job)] = job
                    except BrokenProcessPool:
                        # A running job killed its worker; this one never started.
                        pending.append(job)
                        broken = True
                        break
                if not running:
                    if broken:
                        self._pool.shutdown(wait=False, cancel_futures=True)
                        self._pool = self._new_pool(self.workers)
                        continue
                    break
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in done:
                    job = running.pop(fut)
                    try:
                        yield job, fut.result()
                    except BrokenProcessPool:
                        broken = True
                        suspects.append(job)
                    except Exception as e:  # noqa: BLE001
                        yield job, e
                if broken:
                    # Everything still running is suspect too; start afresh.
                    suspects.extend(running.values())
                    running.clear()
                    self._pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._new_pool(self.workers)
                    # Isolate suspects before going on, so a bad file cannot take
                    # innocent jobs down with it twice.
                    yield from self._isolate(suspects, cancel)
                    suspects = []
        finally:
            for fut in running:  # a run left early (its caller stopped asking): the rest is not wanted
                fut.cancel()

    def _isolate(self, jobs: list[J], cancel: threading.Event) -> Iterator[tuple[J, Any]]:
        for job in jobs:
            if cancel.is_set():
                return
            pool = self._new_pool(1)
            try:
                yield job, pool.submit(self.fn, job).result()
            except BrokenProcessPool:
                yield job, WorkerCrashed()
            except Exception as e:  # noqa: BLE001
                yield job, e
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
