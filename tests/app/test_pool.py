"""The crash-isolating process pool: a job that kills its worker fails alone."""

import pytest

from imgprep.app.pool import CRASH_REASON, JobPool, WorkerCrashed
from tests.app.pool_jobs import square_or_die


@pytest.mark.parametrize("workers", [1, 2])
def test_crashing_jobs_fail_alone_and_the_rest_complete(workers):
    jobs = [1, 2, -1, 3, 4, 5, -2, 6, 7, 8]
    got = dict(JobPool(square_or_die, workers).run(jobs))
    assert set(got) == set(jobs)
    for j in jobs:
        if j < 0:
            assert isinstance(got[j], WorkerCrashed) and str(got[j]) == CRASH_REASON
        else:
            assert got[j] == j * j


def test_in_process_mode_reports_exceptions_per_job():
    def f(x):
        if x == 2:
            raise ValueError("bad two")
        return x

    got = dict(JobPool(f, 0).run([1, 2, 3]))
    assert got[1] == 1 and got[3] == 3 and isinstance(got[2], ValueError)


def test_a_caller_that_already_ran_opencv_threads_still_gets_working_workers(tmp_path):
    """OpenCV's thread pool is native (invisible to ``threading``). Forking while it runs
    left workers deadlocked in ``cv2.setNumThreads``: the batch hung forever when called
    from a script that had used OpenCV first. The pool pauses OpenCV's threads for the
    fork and gives the caller its setting back."""
    import subprocess
    import sys
    import textwrap

    script = tmp_path / "caller.py"
    script.write_text(textwrap.dedent("""
        import cv2, numpy as np
        cv2.setNumThreads(4)
        cv2.GaussianBlur(np.zeros((2000, 2000, 3), np.float32), (0, 0), 3)  # starts the pool
        from imgprep.app.pool import JobPool, _context
        from tests.app.pool_jobs import square_or_die
        if __name__ == "__main__":
            print(_context().get_start_method())
            print(sorted(dict(JobPool(square_or_die, 2).run([1, 2, 3])).values()))
            print(cv2.getNumThreads())
    """))
    import os
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                       env=env, cwd=root)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0] == ("fork" if sys.platform == "linux" else "spawn"), r.stdout
    assert lines[1:] == ["[1, 4, 9]", "4"], r.stdout


def test_a_kept_pool_lets_idle_workers_go_and_starts_again():
    pool = JobPool(square_or_die, 1, keep=True)
    assert dict(pool.run([2])) == {2: 4}
    pids = set(pool._pool._processes)
    assert pids and not pool.close_if_idle(60)  # just used
    assert pool.close_if_idle(0) and pool._pool is None
    assert dict(pool.run([3])) == {3: 9}  # new workers
    assert set(pool._pool._processes).isdisjoint(pids)
    pool.close()
