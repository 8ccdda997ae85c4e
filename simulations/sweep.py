"""Command line: Monte Carlo sweep over a grid of points, resumable through an on-disk result store.

    python -m simulations.sweep --alpha-prune 1 2 4 -f 0.2 0.5 1 --keep both --theta 0 10 --n 200 \
        --seeds 10 --store results/

Each point (alpha_prune, f, keep, theta, N) is looked up in the store and computed only if missing;
finished points are written atomically, so an interrupted sweep resumes where it stopped.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from simulations.runner import BACKENDS, simulate
from simulations.store import ResultStore, point_key
from theory.cli import FORMATS, ArgumentParser, format_records, progress, run_cli
from theory.model import KEEP_POLICIES, Params
from theory.solver import solve_saddle


def sweep(alphas: Sequence[float], fractions: Sequence[float], keeps: Sequence[str], thetas: Sequence[float],
          ns: Sequence[int], seeds: int, store: ResultStore, *, seed: int = 0, backend: str = "numba",
          show_progress: bool = False) -> tuple[list[dict], int]:
    """Records of the whole grid (from the store or computed now) and the number computed now."""
    grid = list(itertools.product(alphas, fractions, keeps, thetas, ns))
    points = [(Params(a, f, k, t), n) for a, f, k, t, n in grid]  # validate everything first
    records, computed = [], 0
    iterator = progress(points, total=len(points), desc="sweep") if show_progress else points
    for params, n in iterator:
        key = point_key(alpha_prune=params.alpha_prune, keep_fraction=params.keep_fraction, keep=params.keep,
                        probe_angle_deg=params.probe_angle_deg, n=n, seeds=seeds, seed=seed, backend=backend)
        record = store.get(key)
        if record is None:
            res = simulate(params, n, seeds, seed=seed, backend=backend)
            theory = solve_saddle(params)
            record = {**res.record(), "eps_theory": theory.eps if theory.success else None,
                      "seed": seed, "backend": backend}
            store.put(key, record)
            computed += 1
        record = {k: v for k, v in record.items() if k not in ("key", "seed", "backend")}
        if record.get("eps_theory") is None:
            record["eps_theory"] = math.nan
        records.append(record)
    return records, computed


def build_parser() -> ArgumentParser:
    p = ArgumentParser(prog="python -m simulations.sweep",
                       description="Resumable Monte Carlo sweep over a grid of (alpha_prune, f, keep, theta, N).")
    p.add_argument("--alpha-prune", type=float, nargs="+", required=True, metavar="A", help="budgets alpha_prune > 0")
    p.add_argument("-f", "--keep-fraction", type=float, nargs="+", required=True, metavar="F",
                   help="keep fractions in (0, 1]")
    p.add_argument("--keep", choices=(*KEEP_POLICIES, "both"), required=True, help="pruning policy")
    p.add_argument("--theta", "--probe-angle", dest="probe_angle", type=float, nargs="+", default=[0.0],
                   metavar="DEG", help="probe angles in degrees, in [0, 90)")
    p.add_argument("--n", type=int, nargs="+", default=[200], metavar="N", help="input dimensions N >= 2")
    p.add_argument("--seeds", type=int, default=20, help="data sets per point (>= 2)")
    p.add_argument("--seed", type=int, default=0, help="base seed")
    p.add_argument("--backend", choices=BACKENDS, default="numba", help="max-margin solver")
    p.add_argument("--store", required=True, help="directory of the result store (created if missing)")
    p.add_argument("--format", choices=FORMATS, default="table", help="output format")
    return p


def _main(argv) -> int:
    args = build_parser().parse_args(argv)
    if args.seeds < 2:
        raise ValueError(f"seeds must be >= 2 for an error bar, got {args.seeds}")
    for n in args.n:
        if n < 2:
            raise ValueError(f"n must be an integer >= 2, got {n}")
    keeps = KEEP_POLICIES if args.keep == "both" else (args.keep,)
    records, _ = sweep(args.alpha_prune, args.keep_fraction, keeps, args.probe_angle, args.n, args.seeds,
                       ResultStore(args.store), seed=args.seed, backend=args.backend, show_progress=True)
    print(format_records(records, args.format))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 on bad input)."""
    return run_cli(_main, argv, "python -m simulations.sweep")


if __name__ == "__main__":
    raise SystemExit(main())
