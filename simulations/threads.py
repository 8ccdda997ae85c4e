"""BLAS threads and worker processes of the Monte Carlo.

Each fit is small (N ~ 100-1000) and the runner fits many of them, so the Monte Carlo parallelises over seeds
(``workers`` processes) and gives every fit one BLAS thread: on a machine with few cores, multi-threaded BLAS
calls on small matrices spend their time synchronising (measured on 2 cores: the convex students 15-40x slower
than with ``OPENBLAS_NUM_THREADS=1``, ``benchmarks/blas_threads.py``). The limit is scoped: it holds while a work
unit is fitted (:func:`blas_limit`, threadpoolctl's ``threadpool_limits``) and the caller's numpy gets its
threads back afterwards; no environment variable is set.

``BEYOND_SCALING_BLAS_THREADS`` changes the limit: a positive integer is the number of BLAS threads per fit,
``0`` (or ``none``) leaves BLAS as it is. It is read when a work unit starts (worker processes inherit it).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os

BLAS_THREADS_VARIABLE = "BEYOND_SCALING_BLAS_THREADS"
DEFAULT_BLAS_THREADS = 1


def blas_threads() -> int | None:
    """BLAS threads per fit: :data:`DEFAULT_BLAS_THREADS` unless ``BEYOND_SCALING_BLAS_THREADS`` says otherwise
    (None: no limit)."""
    value = os.environ.get(BLAS_THREADS_VARIABLE, "").strip().lower()
    if value == "":
        return DEFAULT_BLAS_THREADS
    if value in ("0", "none"):
        return None
    try:
        threads = int(value)
    except ValueError:
        threads = -1
    if threads < 0:
        raise ValueError(f"{BLAS_THREADS_VARIABLE} must be a non-negative integer or 'none', got {value!r}")
    return threads


_CONTROLLER = None  # threadpoolctl's view of the loaded BLAS libraries, made on the first limit in a process


def blas_limit():
    """Context manager: BLAS limited to :func:`blas_threads` threads inside, restored on exit (a no-op without a
    limit). Entered once per work unit, not per fit. threadpoolctl's inventory of the loaded libraries (2-6 ms
    under load) is taken once per process, on the first call: by then the runner has imported every module
    its fits call (numpy's and scipy's BLAS); entering then costs ~0.05 ms."""
    global _CONTROLLER
    threads = blas_threads()
    if threads is None:
        return contextlib.nullcontext()
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=threads, user_api="blas")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, as set by taskset, cgroups' cpusets or a batch
    scheduler), not the machine's count; ``os.cpu_count()`` where affinity is not available."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_workers() -> int:
    """Worker processes for a pool started here: :func:`available_cores`, or 1 inside a worker process (a child
    of multiprocessing, e.g. one of ``python -m figures --jobs``'s): pools in pools would multiply."""
    if multiprocessing.parent_process() is not None:
        return 1
    return available_cores()
