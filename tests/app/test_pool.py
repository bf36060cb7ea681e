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
