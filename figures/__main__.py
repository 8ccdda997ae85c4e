"""Regenerate the paper's perceptron figures: ``python -m figures [--out DIR] [--data DIR] [--quick] [--jobs J]``.

Output and cache default to ``figures/out`` and ``figures/data`` under the current directory. The figures are
independent (each caches its own files; Monte Carlo records go to a store of one atomically written file per
point), so ``--jobs`` runs them in that many worker processes, the slowest first.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from figures.common import DATA_DIR
from figures.registry import FIGURES, SLOWEST_FIRST, make_figure
from pruning_cli import ArgumentParser, format_records, run_cli, writable_directory

__all__ = ["FIGURES", "main"]


def _main(argv) -> int:
    p = ArgumentParser(prog="python -m figures",
                       description="Regenerate the perceptron figures (PNG + PDF): theory curves and Monte Carlo "
                       "points, cached in the --data directory so that a second run only redraws. Prints one "
                       "record per figure (its files and the seconds it took).",
                       examples=("python -m figures", "python -m figures --quick --out /tmp/figs --format json",
                                 "python -m figures --jobs 1"))
    p.add_argument("--out", default="figures/out", help="output directory for the PNG and PDF files")
    p.add_argument("--quick", action="store_true", help="small grids, few seeds, N = 100 (about a minute)")
    p.add_argument("--data", default=str(DATA_DIR), help="cache directory (theory .npz and the MC store)")
    p.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                   help="figures computed at once, each in its own process (1: all in this process; the default is "
                   "2, or 1 on a one-core machine)")
    p.add_format()
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error(f"--jobs must be >= 1, got {args.jobs}")
    out = writable_directory(args.out, "figures")
    data_dir = writable_directory(args.data, "figure cache")
    names = [n for n in SLOWEST_FIRST if any(m.NAME == n for m in FIGURES)]
    names += [m.NAME for m in FIGURES if m.NAME not in names]
    if args.jobs == 1:
        done = {n: make_figure(n, args.quick, data_dir, out) for n in names}
    else:
        with ProcessPoolExecutor(max_workers=args.jobs, mp_context=get_context("spawn")) as pool:
            futures = {n: pool.submit(make_figure, n, args.quick, data_dir, out) for n in names}
            done = {n: f.result() for n, f in futures.items()}
    print(format_records([done[m.NAME] for m in FIGURES], args.format))
    return 0


def main(argv=None) -> int:
    return run_cli(_main, argv, "python -m figures")


if __name__ == "__main__":
    raise SystemExit(main())
