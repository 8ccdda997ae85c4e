"""Command line: solve the replica theory at a set of points and print tidy records.

    python -m theory.solve --alpha-prune 0.3
    python -m theory.solve --alpha-prune 1 2 4 -f 1 0.5 0.1 --keep hard --theta 10 --format json
"""

from __future__ import annotations

from collections.abc import Sequence

from pruning_cli import (
    ArgumentParser,
    case_labels,
    check_flags,
    expand_keeps,
    format_records,
    resolve_covariance,
    run_cli,
)
from theory.frontier import check_routes
from theory.model import Params
from theory.probe import resolve_probe_angle
from theory.rules import Rule
from theory.solver import solve_grid

DEFAULT_KEEP_FRACTIONS = (1.0, 0.8, 0.6, 0.4, 0.2, 0.1)


def build_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="python -m theory.solve",
        description="Replica theory of the perceptron trained on margin-pruned data: test error eps = arccos(R)/pi "
        "against the clean teacher for every (alpha_prune, keep_fraction, keep), for the max-margin student "
        "(default) or a convex learner with ridge (--learner), on clean or noisy labels (--labels).",
        examples=("python -m theory.solve --alpha-prune 0.3",
                  "python -m theory.solve --alpha-prune 1 2 4 -f 1 0.5 0.1 --keep hard --theta 10 --format json",
                  "python -m theory.solve --alpha-prune 4 -f 0.2 --keep hard mix:0.5 soft:0.3 --probe-alpha 20",
                  "python -m theory.solve --alpha-prune 2 -f 1 0.5 0.2 --keep hard easy --learner logistic:0.01 "
                  "--labels flip:0.05",
                  "python -m theory.solve --alpha-prune 2 -f 1 0.3 --learner logistic:0.01 --covariance "
                  "power:1.5,1,1000 --theta 10"),
    )
    p.add_argument("--alpha-prune", type=float, nargs="+", required=True, metavar="A",
                   help="pruned data set size alpha_prune = f P / N (one or more values > 0)")
    p.add_argument("-f", "--keep-fraction", type=float, nargs="+", default=list(DEFAULT_KEEP_FRACTIONS),
                   metavar="F", help="fraction f of the pool that is kept, in [1e-9, 1] (the theory's supported range: "
                   "python -m benchmarks.convergence_map)")
    p.add_keep(multiple=True, default=["both"])
    p.add_probe_angle()
    p.add_probe_alpha()
    p.add_learner()
    p.add_covariance()
    p.add_format()
    p.add_argument("--tol", type=float, default=1e-10, help="largest accepted scaled residual")
    p.add_argument("--show-residual", action="store_true", help="add the residual column to the records")
    return p


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    keeps = expand_keeps(args.keep)
    data, args.probe_angle = resolve_covariance(args.covariance, argv, args.probe_angle, probe_alpha=args.probe_alpha)
    args.labels = case_labels(data, argv, args.labels)
    if data != "isotropic":
        return _main_structured(args, keeps, data)
    angle_deg = resolve_probe_angle(args.probe_angle, args.probe_alpha)
    # validate every point before solving anything (ValueError -> one line naming the flag, exit 2)
    check_flags(args.alpha_prune, args.keep_fraction, args.probe_angle, learner=args.learner, labels=args.labels,
                theory_f=True)
    for keep in keeps:
        try:
            Rule.parse(keep)
        except ValueError as exc:
            raise ValueError(f"--keep {keep}: {exc}") from None
        for f in args.keep_fraction:
            try:
                Params(1.0, f, keep, angle_deg)
            except ValueError as exc:
                defaults = " (the default -f list includes it; pass -f)" if f in DEFAULT_KEEP_FRACTIONS and \
                    args.keep_fraction == list(DEFAULT_KEEP_FRACTIONS) else ""
                raise ValueError(f"--keep {keep} at -f {f:g}{defaults}: {exc}") from None
    if not args.tol > 0:
        raise ValueError(f"--tol must be > 0, got {args.tol!r}")
    check_routes(args.alpha_prune, angle_deg, keeps, args.learner, args.labels, args.keep_fraction)
    records = []
    big = len(args.alpha_prune) * len(args.keep_fraction) * len(keeps) > 50
    for keep in keeps:
        grid = solve_grid(args.alpha_prune, args.keep_fraction, keep, angle_deg,
                          tol=args.tol, show_progress=big, learner=args.learner, labels=args.labels)
        for row in grid:
            for res in row:
                rec = res.record()
                if not args.show_residual:
                    rec.pop("residual")
                records.append(rec)
    records.sort(key=lambda r: (r["alpha_prune"], -r["keep_fraction"], r["keep"]))
    print(format_records(records, args.format))
    if args.format == "table":
        print(_best_rows(records))
    return 0


def _main_structured(args, keeps, data) -> int:
    """``--covariance``: every point on the structured route (theory.structured), one solve each; records carry the
    case (its canonical string) in a ``covariance`` column."""
    from theory.point import route_for, solve_point

    check_flags(args.alpha_prune, args.keep_fraction, args.probe_angle, learner=args.learner, labels=args.labels,
                theory_f=True)
    if not args.tol > 0:
        raise ValueError(f"--tol must be > 0, got {args.tol!r}")
    points = []
    for keep in keeps:
        for f in args.keep_fraction:
            for a in args.alpha_prune:
                try:
                    params = Params(a, f, keep, args.probe_angle, args.learner, args.labels, data)
                    route_for(params)
                except ValueError as exc:
                    raise ValueError(f"--keep {keep} at -f {f:g}, --alpha-prune {a:g}: {exc}") from None
                points.append(params)
    records = []
    for params in points:
        rec = solve_point(params, tol=args.tol).record()
        if not args.show_residual:
            rec.pop("residual")
        records.append({**rec, "covariance": str(data)})
    records.sort(key=lambda r: (r["alpha_prune"], -r["keep_fraction"], r["keep"]))
    print(format_records(records, args.format))
    if args.format == "table":
        print(_best_rows(records))
    return 0


def _best_rows(records: list[dict]) -> str:
    lines = []
    for a in sorted({r["alpha_prune"] for r in records}):
        rows = [r for r in records if r["alpha_prune"] == a and r["success"]]
        if not rows:
            lines.append(f"alpha_prune={a:g}: no converged point")
            continue
        best = min(rows, key=lambda r: r["eps"])
        lines.append(f"lowest error at alpha_prune={a:g}: keep {best['keep']} f={best['keep_fraction']:g} "
                     f"(alpha_total={best['alpha_total']:g}), eps={best['eps']:.6g}")
    failed = sum(not r["success"] for r in records)
    if failed:
        lines.append(f"WARNING: {failed} point(s) did not converge (success=NO)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 on bad input)."""
    return run_cli(_main, argv, "python -m theory.solve")


if __name__ == "__main__":
    raise SystemExit(main())
