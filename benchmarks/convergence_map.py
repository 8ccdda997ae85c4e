"""Where the saddle-point solver converges: the converged fraction per (probe angle, keep) on log grids.

    python -m benchmarks.convergence_map                 # the issue's grid and the wide grid
    python -m benchmarks.convergence_map --grid issue    # alpha 1e-2..1e4, f 1e-6..1, theta 0/1/10/45/80
    python -m benchmarks.convergence_map --grid sparse   # the wide domain in 200 points

Every point is solved cold (no warm start), exactly as a user calling ``solve_saddle`` would. A point
counts as converged when ``success`` is true (residual below tolerance or its rounding floor, and the
max-margin second-order condition); an exception counts as a failure and is printed.
"""

from __future__ import annotations

from collections.abc import Sequence

from pruning_cli import ArgumentParser
from tests.convergence_grid import GRIDS, KEEPS, PointOutcome, solve_points
from theory import Params, solve_saddle


def summarise(name: str, outcomes: list[PointOutcome]) -> str:
    lines = [f"grid {name}: {sum(o.success for o in outcomes)}/{len(outcomes)} converged, "
             f"{sum(o.seconds for o in outcomes):.1f} s"]
    lines.append(f"{'theta':>7}  {'hard':>9}  {'easy':>9}")
    for theta in sorted({o.probe_angle_deg for o in outcomes}):
        cells = []
        for keep in KEEPS:
            sub = [o for o in outcomes if o.probe_angle_deg == theta and o.keep == keep]
            cells.append(f"{sum(o.success for o in sub)}/{len(sub)}")
        lines.append(f"{theta:>7g}  {cells[0]:>9}  {cells[1]:>9}")
    lines.append("slowest points:")
    for o in sorted(outcomes, key=lambda o: -o.seconds)[:5]:
        lines.append(f"  {o.seconds * 1e3:7.1f} ms  alpha_prune={o.alpha_prune:.3g} f={o.keep_fraction:.3g} "
                     f"keep={o.keep} theta={o.probe_angle_deg:g}")
    for o in outcomes:
        if not o.success:
            lines.append(f"  FAILED alpha_prune={o.alpha_prune:.3g} f={o.keep_fraction:.3g} keep={o.keep} "
                         f"theta={o.probe_angle_deg:g}: residual {o.residual:.3g} {o.error}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = ArgumentParser(prog="python -m benchmarks.convergence_map",
                       description="Where the saddle-point solver converges: every point of a log grid of "
                       "(alpha_prune, f, theta) is solved cold for keep hard and keep easy, as a user calling "
                       "solve_saddle would; prints per grid the converged count per (theta, keep), the five slowest "
                       "points and every point that failed.",
                       examples=("python -m benchmarks.convergence_map --grid sparse",
                                 "python -m benchmarks.convergence_map --grid issue",
                                 "python -m benchmarks.convergence_map"))
    p.add_argument("--grid", choices=(*GRIDS, "both"), default="both",
                   help="which grid: issue (alpha 1e-2..1e4, f 1e-6..1, theta 0, 1, 10, 45, 80 deg: 1690 points), "
                   "wide (alpha 1e-3..1e6, f 1e-9..1, theta 0..89.9 deg: 5054 points), sparse (the wide domain "
                   "in 200 points, seconds), both = issue then wide")
    args = p.parse_args(argv)
    names = ("issue", "wide") if args.grid == "both" else (args.grid,)
    solve_saddle(Params(1.0, 0.5, "hard", 10.0))  # compile outside the timing
    for name in names:
        g = GRIDS[name]
        print(summarise(name, solve_points(g["alphas"], g["fractions"], g["thetas"])), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
