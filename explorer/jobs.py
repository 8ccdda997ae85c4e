"""Background computation for the page: a shared process pool (the convex curves, the frontier, the pool view),
per-view jobs that keep only the latest request, and the cancellable Monte Carlo run in its own process.

Nothing here blocks the Bokeh event loop: work runs in threads or processes, and results come back through
``doc.add_next_tick_callback`` (the thread-safe way into a Bokeh document).
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from functools import partial

_POOL: ProcessPoolExecutor | None = None
_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="explorer")
_LOCK = threading.Lock()


def _ignore_sigint() -> None:
    """Worker processes leave Ctrl-C to the server, which shuts them down."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _warm() -> bool:
    """Import and compile the theory in a worker (one max-margin and one convex point)."""
    from theory import Params, solve_saddle

    solve_saddle(Params(1.0, 0.5, "hard", 10.0))
    solve_saddle(Params(1.0, 0.5, "hard", 10.0, "logistic:0.01"))
    return True


def process_pool(workers: int = 2) -> ProcessPoolExecutor:
    """The shared pool of ``workers`` processes (forkserver: the server's threads are not copied), created on first
    use and warmed up."""
    global _POOL
    with _LOCK:
        if _POOL is None:
            context = multiprocessing.get_context("forkserver")
            _POOL = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_ignore_sigint)
            for _ in range(workers):
                _POOL.submit(_warm)
        return _POOL


def shutdown() -> None:
    """Stop the shared pool and the threads (pending work is cancelled)."""
    global _POOL
    with _LOCK:
        if _POOL is not None:
            _POOL.shutdown(wait=False, cancel_futures=True)
            _POOL = None
    _THREADS.shutdown(wait=False, cancel_futures=True)


def pool_map(fn: Callable, args_list: list[tuple]) -> list:
    """``[fn(*args) for args in args_list]`` on the shared process pool (in parallel)."""
    pool = process_pool()
    futures = [pool.submit(fn, *args) for args in args_list]
    return [f.result() for f in futures]


def pool_collect(tasks: list[tuple[Callable, tuple]], cancelled: threading.Event,
                 progress: Callable[[int, int], None]) -> list | None:
    """Run ``fn(*args)`` for each task on the process pool; ``progress(done, total)`` after each; None (the
    remaining tasks cancelled) as soon as ``cancelled`` is set."""
    pool = process_pool()
    futures = [pool.submit(fn, *args) for fn, args in tasks]
    pending = set(futures)
    while pending:
        if cancelled.is_set():
            for f in pending:
                f.cancel()
            return None
        _, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
        progress(len(futures) - len(pending), len(futures))
    return [f.result() for f in futures]


class LatestJob:
    """At most one computation of a view at a time. A request while one runs cancels it (the computation checks
    its event) and is run next; only the latest request is kept. ``compute(request, cancelled, progress)`` runs in a
    thread; ``apply(request, result, seconds)`` and ``on_progress(done, total)`` run on the document's event loop;
    ``apply(request, exception, seconds)`` reports a failure."""

    def __init__(self, doc, compute: Callable, apply: Callable, on_progress: Callable | None = None):
        self.doc, self.compute, self.apply, self.on_progress = doc, compute, apply, on_progress
        self.pending = None
        self.has_pending = False
        self.running = False
        self.cancelled = threading.Event()

    def request(self, request) -> None:
        """Ask for ``request`` (runs now, or after the running computation stops)."""
        self.pending, self.has_pending = request, True
        if self.running:
            self.cancelled.set()
        else:
            self._start()

    def _start(self) -> None:
        request, self.pending, self.has_pending = self.pending, None, False
        self.running = True
        self.cancelled = threading.Event()
        cancelled = self.cancelled
        t0 = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if self.on_progress is not None and not cancelled.is_set():
                self.doc.add_next_tick_callback(partial(self.on_progress, done, total))

        def work():
            try:
                return self.compute(request, cancelled, progress)
            except Exception as exc:  # reported in the page as one line
                return exc

        future: Future = _THREADS.submit(work)
        future.add_done_callback(lambda f: self.doc.add_next_tick_callback(
            partial(self._done, request, f, cancelled, t0)))

    def _done(self, request, future: Future, cancelled: threading.Event, t0: float) -> None:
        self.running = False
        result = future.result()
        if not cancelled.is_set() and result is not None:
            self.apply(request, result, time.perf_counter() - t0)
        if self.has_pending:
            self._start()


def _mc_worker(settings, ns, seeds, store_dir, queue) -> None:
    """The Monte Carlo of one point in a child process: ``simulations.sweep.sweep`` for each N in turn (the store
    keeps every finished unit of 5 seeds), reporting ("unit", done) after each unit, ("records", records) after
    each N, ("error", message) on failure and ("done", None) at the end."""
    _ignore_sigint()
    try:
        from simulations.store import ResultStore
        from simulations.sweep import sweep

        store = ResultStore(store_dir)
        done = [0]

        def unit(_key):
            done[0] += 1
            queue.put(("unit", done[0]))

        records = []
        for n in ns:
            recs, _ = sweep([settings.alpha_prune], [settings.keep_fraction], [settings.rule],
                            [settings.probe_angle_deg], [n], seeds, store, learner=settings.learner,
                            labels=settings.labels, on_unit_done=unit)
            records += recs
            queue.put(("records", list(records)))
        queue.put(("done", None))
    except Exception as exc:
        queue.put(("error", " ".join(str(exc).split())))


class MonteCarloRun:
    """One cancellable Monte Carlo run in its own process; :meth:`poll` drains its messages."""

    def __init__(self, settings, ns: list[int], seeds: int, store_dir: str):
        from simulations.sweep import CHUNK

        context = multiprocessing.get_context("forkserver")
        self.queue = context.Queue()
        self.total_units = len(ns) * -(-seeds // CHUNK)
        self.process = context.Process(target=_mc_worker, args=(settings, ns, seeds, store_dir, self.queue),
                                       daemon=True)
        self.process.start()
        self.units = 0
        self.records: list[dict] = []
        self.error: str | None = None
        self.finished = False

    def poll(self) -> bool:
        """Read the messages so far; True when something changed."""
        changed = False
        while True:
            try:
                kind, value = self.queue.get_nowait()
            except Exception:
                break
            changed = True
            if kind == "unit":
                self.units = value
            elif kind == "records":
                self.records = value
            elif kind == "error":
                self.error, self.finished = value, True
            elif kind == "done":
                self.finished = True
        if not self.finished and not self.process.is_alive():
            self.finished = True
            self.error = self.error or f"the Monte Carlo process stopped (exit code {self.process.exitcode})"
            changed = True
        return changed

    def cancel(self) -> None:
        """Stop the run now (finished units stay in the store)."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(timeout=5)
        self.finished = True
