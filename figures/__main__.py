"""Regenerate the paper's perceptron figures: ``python -m figures [--out DIR] [--quick]``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from figures import fig1_perfect_probe, fig2_noisy_probe
from figures.common import DATA_DIR
from pruning_cli import ArgumentParser, run_cli

FIGURES = (fig1_perfect_probe, fig2_noisy_probe)


def _main(argv) -> int:
    p = ArgumentParser(prog="python -m figures",
                       description="Regenerate the perceptron figures (PNG + PDF): theory curves and Monte Carlo "
                       "points, cached in figures/data so that a second run only redraws.")
    p.add_argument("--out", default="figures/out", help="output directory for the PNG and PDF files")
    p.add_argument("--quick", action="store_true", help="small grids, few seeds, N = 100 (about a minute)")
    p.add_argument("--data", default=str(DATA_DIR), help="cache directory (theory .npz and the MC store)")
    args = p.parse_args(argv)
    out, data_dir = Path(args.out), Path(args.data)
    for module in FIGURES:
        t0 = time.perf_counter()
        data = module.compute(args.quick, data_dir)
        paths = module.plot(data, out)
        print(f"{module.NAME}: {', '.join(str(x) for x in paths)} ({time.perf_counter() - t0:.1f} s)",
              file=sys.stderr)
    return 0


def main(argv=None) -> int:
    return run_cli(_main, argv, "python -m figures")


if __name__ == "__main__":
    raise SystemExit(main())
