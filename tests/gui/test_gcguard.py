"""Cycles are freed on the GUI thread, never in a job thread (a Qt object freed in
another thread crashes the app)."""

from __future__ import annotations

import gc
import threading

from imgprep.gui import gcguard

N = 1000  # more than the first generation's threshold (700): the timer must collect


class _Cycle:
    freed_in: list[str] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.freed_in.append(threading.current_thread().name)


def _make_garbage_then_churn() -> None:
    for _ in range(N):
        _Cycle()
    # Allocate enough container objects to cross every generation's threshold: with
    # the interpreter's own collection the cycles above die here, in this thread.
    for _ in range(200):
        junk = [[] for _ in range(2000)]
        del junk


def test_cycles_made_in_a_worker_thread_die_on_the_gui_thread(qtbot):
    collector = gcguard.install()
    assert collector is not None and gcguard.install() is collector
    assert not gc.isenabled()
    _Cycle.freed_in.clear()
    t = threading.Thread(target=_make_garbage_then_churn, name="job")
    t.start()
    t.join()
    assert _Cycle.freed_in == []  # nothing was collected in the job thread
    qtbot.waitUntil(lambda: len(_Cycle.freed_in) == N, timeout=5000)  # the timer did it
    assert set(_Cycle.freed_in) == {threading.main_thread().name}


def test_without_the_guard_the_worker_thread_would_collect(qtbot):
    """The premise of the guard: the interpreter collects in the allocating thread."""
    gcguard.uninstall()
    assert gc.isenabled()
    _Cycle.freed_in.clear()
    t = threading.Thread(target=_make_garbage_then_churn, name="job")
    t.start()
    t.join()
    assert "job" in _Cycle.freed_in


def test_uninstall_collects_and_gives_collection_back(qtbot):
    gcguard.install()
    _Cycle.freed_in.clear()
    _Cycle()
    gcguard.uninstall()
    assert gc.isenabled()
    assert _Cycle.freed_in == [threading.main_thread().name]
