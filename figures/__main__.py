"""Regenerate the paper's perceptron figures: ``python -m figures [--out DIR] [--data DIR] [--quick]``.

Output and cache default to ``figures/out`` and ``figures/data`` under the current directory.
"""

from __future__ import annotations

import sys
import time

from figures import (
    fig1_perfect_probe,
    fig2_noisy_probe,
    laws_collapse,
    paper_fig1,
    paper_information,
    paper_noisy_probe,
    selection_rules,
)
from figures.common import DATA_DIR
from pruning_cli import ArgumentParser, format_records, run_cli, writable_directory

FIGURES = (paper_fig1, paper_noisy_probe, paper_information, laws_collapse, selection_rules, fig1_perfect_probe,
           fig2_noisy_probe)


def _main(argv) -> int:
    p = ArgumentParser(prog="python -m figures",
                       description="Regenerate the perceptron figures (PNG + PDF): theory curves and Monte Carlo "
                       "points, cached in the --data directory so that a second run only redraws. Prints one "
                       "record per figure (its files and the seconds it took).",
                       examples=("python -m figures", "python -m figures --quick --out /tmp/figs --format json"))
    p.add_argument("--out", default="figures/out", help="output directory for the PNG and PDF files")
    p.add_argument("--quick", action="store_true", help="small grids, few seeds, N = 100 (about a minute)")
    p.add_argument("--data", default=str(DATA_DIR), help="cache directory (theory .npz and the MC store)")
    p.add_format()
    args = p.parse_args(argv)
    out = writable_directory(args.out, "figures")
    data_dir = writable_directory(args.data, "figure cache")
    records = []
    for module in FIGURES:
        t0 = time.perf_counter()
        data = module.compute(args.quick, data_dir)
        paths = module.plot(data, out)
        seconds = time.perf_counter() - t0
        print(f"{module.NAME}: {', '.join(str(x) for x in paths)} ({seconds:.1f} s)", file=sys.stderr)
        records.append({"figure": module.NAME, "files": " ".join(str(x) for x in paths), "seconds": round(seconds, 2)})
    print(format_records(records, args.format))
    return 0


def main(argv=None) -> int:
    return run_cli(_main, argv, "python -m figures")


if __name__ == "__main__":
    raise SystemExit(main())
