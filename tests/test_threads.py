"""BLAS threads and worker counts of the Monte Carlo (simulations.threads, issue 26 item 4)."""

import multiprocessing
import os

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import simulations.runner as runner
from simulations import simulate
from simulations.threads import BLAS_THREADS_VARIABLE, available_cores, blas_threads, default_workers
from theory import Params

POINT = Params(2.0, 0.5, "hard", 0.0, "logistic:0.01", "flip:0.1")


def _blas_threads_now() -> list[int]:
    return [d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"]


def _record_threads_inside(monkeypatch) -> list:
    seen = []
    real = runner._run_chunk

    def spy(unit):
        seen.append(_blas_threads_now())
        return real(unit)

    monkeypatch.setattr(runner, "_run_chunk", spy)
    return seen


def test_fits_run_one_blas_thread_and_the_callers_threads_come_back(monkeypatch):
    monkeypatch.delenv(BLAS_THREADS_VARIABLE, raising=False)
    seen = _record_threads_inside(monkeypatch)
    environment = dict(os.environ)
    with threadpool_limits(limits=2, user_api="blas"):  # a notebook's numpy with two threads
        before = _blas_threads_now()
        # 2 threads in every BLAS that can have them (a single-threaded BLAS that another package loaded into the
        # process, as in the full test run, stays at 1)
        assert before and max(before) == 2
        res = simulate(POINT, n=30, seeds=5)
        assert _blas_threads_now() == before  # not a process-wide setting: the caller keeps its threads
    assert len(seen) == 2 and all(set(s) == {1} for s in seen)  # two work units (4 + 1 seeds), one thread each
    assert res.seeds == 5 and dict(os.environ) == environment  # no environment variable set


def test_the_environment_variable_changes_or_lifts_the_limit(monkeypatch):
    seen = _record_threads_inside(monkeypatch)
    with threadpool_limits(limits=2, user_api="blas"):
        callers = _blas_threads_now()
        monkeypatch.setenv(BLAS_THREADS_VARIABLE, "0")  # no limit: BLAS as the caller set it
        simulate(POINT, n=30, seeds=2)
        monkeypatch.setenv(BLAS_THREADS_VARIABLE, "none")
        simulate(POINT, n=30, seeds=2)
    assert max(callers) == 2 and seen == [callers, callers]
    monkeypatch.setenv(BLAS_THREADS_VARIABLE, "2")
    assert blas_threads() == 2
    monkeypatch.setenv(BLAS_THREADS_VARIABLE, "many")
    with pytest.raises(ValueError, match=BLAS_THREADS_VARIABLE):
        simulate(POINT, n=30, seeds=2)


def test_the_answer_does_not_depend_on_the_thread_limit(monkeypatch):
    monkeypatch.delenv(BLAS_THREADS_VARIABLE, raising=False)
    limited = simulate(POINT, n=30, seeds=3, seed=4)
    monkeypatch.setenv(BLAS_THREADS_VARIABLE, "0")
    free = simulate(POINT, n=30, seeds=3, seed=4)
    assert limited.eps == pytest.approx(free.eps, rel=1e-9) and limited.margin == pytest.approx(free.margin, rel=1e-9)


def test_worker_counts_come_from_the_usable_cores_and_pools_do_not_nest():
    if hasattr(os, "sched_getaffinity"):
        assert available_cores() == len(os.sched_getaffinity(0))
    assert default_workers() == available_cores()  # the test process is not a pool worker
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(default_workers) == 1  # inside a worker: no second pool


def test_workers_none_uses_the_default_and_gives_the_same_numbers():
    one = simulate(POINT, n=30, seeds=6, seed=2)
    auto = simulate(POINT, n=30, seeds=6, seed=2, workers=None)
    assert auto.eps == one.eps and auto.margin == one.margin
    with pytest.raises(ValueError, match="workers"):
        simulate(POINT, n=30, seeds=2, workers=0)
