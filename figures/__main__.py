"""Regenerate the paper's perceptron figures: ``python -m figures [FIGURE ...] [--list] [--out DIR] [--data DIR]
[--quick] [--jobs J] [--quiet]``.

With no FIGURE every figure is made; ``--list`` prints their names, one line each with what the figure shows.
Output and cache default to ``figures/out`` and ``figures/data`` under the current directory. The figures are
independent (each caches its own files; Monte Carlo records go to a store of one atomically written file per
point), so ``--jobs`` runs them in that many worker processes, the slowest first.

On a terminal, progress goes to stderr: a bar of the figures done and, for each figure being computed, a bar of
its steps (points, curves, Monte Carlo work units) with the last one named; each finished figure is one line
(its files and seconds). When stderr is not a terminal, only those lines; with ``--quiet``, nothing but errors.
On a terminal, when the numba kernels are not yet in numba's disk cache (the first run after installing, or after
a kernel's source changed), one line says first that they are being compiled (about 10 s); later runs do not.
The records (one per figure) go to stdout. The per-figure API (``compute`` / ``plot``) is in
:mod:`figures.registry`.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from queue import Empty

import pruning_cli
from figures.common import DATA_DIR
from figures.registry import FIGURES, NAMES, SLOWEST_FIRST, figure, init_worker, make_figure, make_figure_in_worker
from pruning_cli import ArgumentParser, format_records, run_cli, writable_directory

__all__ = ["FIGURES", "main"]

PROG = "python -m figures"
NUMBA_NOTE = f"{PROG}: {pruning_cli.NUMBA_NOTE}"  # said once, only when the kernels are not cached


def _kernels_cached() -> bool:
    """Whether numba's disk cache holds the kernels the figures compile: every kernel module of the command lines
    (:data:`pruning_cli.NUMBA_KERNELS`: the theory's quadratures, the Monte Carlo's solvers), each checked by
    :func:`pruning_cli.numba_cached` (a directory listing; nothing is compiled or imported)."""
    sources = {s for kernels in pruning_cli.NUMBA_KERNELS.values() for group in kernels.values() for s in group}
    return all(pruning_cli.numba_cached(source) for source in sorted(sources))


def _terminal() -> bool:
    """Whether progress bars are drawn: stderr is a terminal."""
    return sys.stderr.isatty()


def _ignore(message: str) -> None:
    pass


class _Progress:
    """What a run says on stderr: with ``bars``, a tqdm bar of the figures done and one per figure being computed
    (its steps, the last one named), refreshed every second so that the elapsed time moves; every finished figure
    is one line (above the bars); ``quiet``: nothing."""

    def __init__(self, total: int, bars: bool, quiet: bool):
        self.quiet, self.bars = quiet, bars and not quiet
        self.steps: dict = {}
        self.done: set[str] = set()
        self._lock = threading.Lock()
        if self.bars:
            from tqdm import tqdm

            self._tqdm = tqdm
            self.figures = tqdm(total=total, desc="figures", unit="figure", file=sys.stderr, dynamic_ncols=True)
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._refresh, daemon=True)
            self._thread.start()

    def _refresh(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                for bar in (self.figures, *self.steps.values()):
                    bar.refresh()

    def callback(self, name: str):
        """The ``progress`` a figure computed in this process reports its steps to."""
        return (lambda message: self.step(name, message)) if self.bars else _ignore

    def step(self, name: str, message: str) -> None:
        """Figure ``name`` finished a step."""
        if not self.bars or name in self.done:
            return
        with self._lock:
            bar = self.steps.get(name)
            if bar is None:
                bar = self.steps[name] = self._tqdm(desc=name, unit="step", file=sys.stderr, leave=False,
                                                    dynamic_ncols=True)
            bar.set_postfix_str(message, refresh=False)
            bar.update(1)

    def finished(self, record: dict) -> None:
        """Figure ``record["figure"]`` is drawn: one line."""
        name = record["figure"]
        self.done.add(name)
        line = f"{name}: {record['files']} ({record['seconds']:.1f} s)"
        if self.quiet:
            return
        if not self.bars:
            print(line, file=sys.stderr, flush=True)
            return
        with self._lock:
            bar = self.steps.pop(name, None)
            if bar is not None:
                bar.close()
            self.figures.update(1)
            self._tqdm.write(line, file=sys.stderr)

    def close(self) -> None:
        if self.bars:
            self._stop.set()
            self._thread.join()
            for bar in (*self.steps.values(), self.figures):
                bar.close()


def _drain(queue, progress: _Progress) -> None:
    while True:
        try:
            name, message = queue.get_nowait()
        except Empty:
            return
        progress.step(name, message)


def _run_parallel(names, jobs, quick, data_dir, out, progress: _Progress) -> dict:
    context = get_context("spawn")
    queue = context.Queue() if progress.bars else None
    records = {}
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=init_worker,
                             initargs=(queue,)) as pool:
        futures = {pool.submit(make_figure_in_worker, n, quick, data_dir, out): n for n in names}
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                if queue is not None:
                    _drain(queue, progress)
                for future in finished:
                    records[futures[future]] = future.result()
                    progress.finished(records[futures[future]])
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return records


def _selected(p: ArgumentParser, requested: list[str]) -> list[str]:
    """The figure names asked for (all when none), each once, in the order given; unknown names: one line, exit 2."""
    unknown = [n for n in requested if n not in NAMES]
    if unknown:
        p.error(f"unknown figure{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
                f"the figures are {', '.join(NAMES)}")
    return list(dict.fromkeys(requested)) or list(NAMES)


def _list(fmt: str) -> str:
    records = [{"figure": m.NAME, "summary": m.SUMMARY} for m in FIGURES]
    if fmt != "table":
        return format_records(records, fmt)
    width = max(len(n) for n in NAMES)
    return "\n".join(f"{r['figure']:<{width}}  {r['summary']}" for r in records)


def _main(argv) -> int:
    p = ArgumentParser(prog=PROG,
                       description="Regenerate the perceptron figures (PNG + PDF): theory curves and Monte Carlo "
                       "points, cached in the --data directory so that a second run only redraws. Prints one "
                       "record per figure (its files and the seconds it took) on stdout; progress goes to stderr "
                       "when it is a terminal. From Python: figures.<name>.compute(quick, data_dir, progress) "
                       "returns the numbers drawn, figures.<name>.plot(data, out) draws them.",
                       examples=("python -m figures", "python -m figures --list",
                                 "python -m figures label_noise paper_fig1",
                                 "python -m figures --quick --out /tmp/figs --format json",
                                 "python -m figures --jobs 1 --quiet"))
    p.add_argument("figures", nargs="*", metavar="FIGURE", default=argparse.SUPPRESS,
                   help=f"the figures to make (default: all), by name: {', '.join(NAMES)}")
    p.add_argument("--list", action="store_true", help="print the figure names with what each shows, and exit")
    p.add_argument("--out", default="figures/out", help="output directory for the PNG and PDF files")
    p.add_argument("--quick", action="store_true", help="small grids, few seeds, N = 100 (about a minute)")
    p.add_argument("--data", default=str(DATA_DIR), help="cache directory (theory .npz and the MC store)")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="figures computed at once, each in its own process (1: all in this process; the default is "
                   "2, or 1 on a one-core machine)")
    p.add_argument("--quiet", action="store_true",
                   help="nothing on stderr but errors: no progress bars, no line per finished figure")
    p.add_format()
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error(f"--jobs must be >= 1, got {args.jobs}")
    for flag, value in (("--out", args.out), ("--data", args.data)):
        if not value.strip():
            p.error(f"{flag} must name a directory, got {value!r}")
    names = _selected(p, getattr(args, "figures", []))
    if args.list:
        print(_list(args.format))
        return 0
    out = writable_directory(args.out, "figures")
    data_dir = writable_directory(args.data, "figure cache")
    if not args.quiet and _terminal() and not _kernels_cached():  # the first run: say why it is silent for ~10 s
        print(NUMBA_NOTE, file=sys.stderr, flush=True)
    progress = _Progress(len(names), bars=_terminal(), quiet=args.quiet)
    order = [n for n in SLOWEST_FIRST if n in names] + [n for n in names if n not in SLOWEST_FIRST]
    jobs = min(args.jobs, len(names))
    try:
        if jobs == 1:
            records = {}
            for n in order:
                records[n] = make_figure(n, args.quick, data_dir, out, progress.callback(n))
                progress.finished(records[n])
        else:
            records = _run_parallel(order, jobs, args.quick, data_dir, out, progress)
    finally:
        progress.close()
    print(format_records([records[figure(n).NAME] for n in names], args.format))
    return 0


def main(argv=None) -> int:
    return run_cli(_main, argv, PROG)


if __name__ == "__main__":
    raise SystemExit(main())
