"""Command line: solve the replica theory at a set of points and print tidy records.

    python -m theory.solve --alpha-prune 0.3
    python -m theory.solve --alpha-prune 1 2 4 -f 1 0.5 0.1 --keep hard --theta 10 --format json
    python -m theory.solve --alpha-total 20 -f 1 0.5 0.2 0.1 --keep hard easy --theta 10     # a fixed pool
    python -m theory.solve --alpha-prune 2 -f 1 0.5 0.2 --learner logistic --labels flip:0.05  # the best ridge
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import replace

from pruning_cli import (
    ArgumentParser,
    case_labels,
    check_flags,
    expand_keeps,
    flag_given,
    format_records,
    progress,
    resolve_covariance,
    run_cli,
)
from theory.frontier import best_ridge_at, check_routes
from theory.learners import CONVEX_KINDS
from theory.model import ALPHA_RANGE, Params, validate_alpha
from theory.point import solve_point
from theory.probe import resolve_probe_angle
from theory.rules import Rule
from theory.solver import solve_grid

DEFAULT_KEEP_FRACTIONS = (1.0, 0.8, 0.6, 0.4, 0.2, 0.1)


def build_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="python -m theory.solve",
        description="Replica theory of the perceptron trained on margin-pruned data: test error eps = arccos(R)/pi "
        "against the clean teacher for every (alpha_prune, keep_fraction, keep), for the max-margin student "
        "(default) or a convex learner with ridge (--learner), on clean or noisy labels (--labels). "
        "--alpha-total A instead of --alpha-prune solves at alpha_prune = f A for each f: the error against f in a "
        "fixed pool of A N examples (theory.pool gives its best f and plateau). A loss without a ridge (--learner "
        "logistic) puts each point at its own best ridge in [0, inf) (theory.frontier.best_ridge_at: the ridgeless "
        "limit 0 and a search over the ridge in the kept data's scale); the learner column names it, e.g. "
        "logistic:5.8e-05.",
        examples=("python -m theory.solve --alpha-prune 0.3",
                  "python -m theory.solve --alpha-prune 1 2 4 -f 1 0.5 0.1 --keep hard --theta 10 --format json",
                  "python -m theory.solve --alpha-prune 4 -f 0.2 --keep hard mix:0.5 soft:0.3 --probe-alpha 20",
                  "python -m theory.solve --alpha-prune 2 -f 1 0.5 0.2 --keep hard easy --learner logistic:0.01 "
                  "--labels flip:0.05",
                  "python -m theory.solve --alpha-prune 2 -f 1 0.3 --learner logistic:0.01 --covariance "
                  "power:1.5,1,1000 --theta 10",
                  "python -m theory.solve --alpha-total 20 -f 1 0.5 0.2 0.1 0.05 --keep hard easy --theta 10",
                  "python -m theory.solve --alpha-prune 2 -f 1 0.5 0.2 --learner logistic --labels flip:0.05"),
    )
    sizes = p.add_mutually_exclusive_group(required=True)
    sizes.add_argument("--alpha-prune", type=float, nargs="+", metavar="A",
                       help="pruned data set size alpha_prune = f P / N (one or more values > 0)")
    sizes.add_argument("--alpha-total", type=float, nargs="+", metavar="A",
                       help="instead of --alpha-prune: the pool size alpha_total = P / N (one or more values > 0); "
                       "each point is solved at alpha_prune = f A (the error against f in a fixed pool)")
    p.add_argument("-f", "--keep-fraction", type=float, nargs="+", default=list(DEFAULT_KEEP_FRACTIONS),
                   metavar="F", help="fraction f of the pool that is kept, in [1e-9, 1] (the theory's supported range: "
                   "python -m benchmarks.convergence_map)")
    p.add_keep(multiple=True, default=["both"])
    p.add_probe_angle()
    p.add_probe_alpha()
    p.add_learner(optimise_ridge=True)
    p.add_covariance()
    p.add_format()
    p.add_argument("--tol", type=float, default=1e-10, help="largest accepted scaled residual (a fixed learner; "
                   "the best-ridge search of a loss without :L solves at the default)")
    p.add_argument("--show-residual", action="store_true", help="add the residual column to the records")
    return p


def _sizes_at(args, f: float) -> list[tuple[float, float]]:
    """(the size typed, alpha_prune) of the points at keep fraction f: each --alpha-prune A as typed, or
    alpha_prune = f A for each --alpha-total A."""
    if args.alpha_total is None:
        return [(a, a) for a in args.alpha_prune]
    return [(a, f * a) for a in args.alpha_total]


def _check_sizes(args) -> None:
    """The size flags typed, and with --alpha-total every alpha_prune = f A in the solver's range (``ValueError``
    naming both flags and their values)."""
    check_flags(args.alpha_prune or (), alpha_total=args.alpha_total or ())
    if args.alpha_total is None:
        return
    for f in args.keep_fraction:
        for a, alpha in _sizes_at(args, f):
            try:
                validate_alpha(alpha)
            except ValueError:
                lo, hi = ALPHA_RANGE
                raise ValueError(f"--alpha-total {a:g} at -f {f:g} gives alpha_prune = f * alpha_total = {alpha:.6g}, "
                                 f"outside [{lo:g}, {hi:g}] (the range the saddle-point solver supports)") from None


def _check_learner(args, argv) -> bool:
    """True when --learner is a loss without a ridge (each point at its best ridge); such a search solves at the
    default tolerance, so --tol is refused beside it."""
    best = args.learner in CONVEX_KINDS
    if best and flag_given(argv, "--tol"):
        raise ValueError(f"--tol cannot be given with --learner {args.learner} (a loss without :L: each point's "
                         f"best-ridge search solves at the default tolerance); give a ridge, e.g. {args.learner}:0.01")
    return best


def _best_ridge_result(params: Params):
    """``theory.frontier.best_ridge_at(params)``'s result (its learner names the best ridge); where no ridge
    converges, the ridgeless limit's result (``success`` false)."""
    try:
        with warnings.catch_warnings():  # Brent meets eps = inf where a ridge does not converge: harmless
            warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning, r"scipy\.optimize")
            return best_ridge_at(params)[1]
    except ValueError:
        return solve_point(replace(params, learner=f"{str(params.learner).partition(':')[0]}:0"))


def _finish(args, pairs: list[tuple[float, dict]]) -> int:
    """Print the records of (size typed, record) pairs, sorted by the size, f (decreasing) and rule."""
    for _, rec in pairs:
        if not args.show_residual:
            rec.pop("residual", None)
    pairs.sort(key=lambda p: (p[0], -p[1]["keep_fraction"], p[1]["keep"]))
    records = [rec for _, rec in pairs]
    print(format_records(records, args.format))
    if args.format == "table":
        print(_best_rows(pairs, pool=args.alpha_total is not None))
    return 0


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    keeps = expand_keeps(args.keep)
    data, args.probe_angle = resolve_covariance(args.covariance, argv, args.probe_angle, probe_alpha=args.probe_alpha)
    args.labels = case_labels(data, argv, args.labels)
    best = _check_learner(args, argv)
    if data != "isotropic":
        return _main_structured(args, keeps, data, best)
    angle_deg = resolve_probe_angle(args.probe_angle, args.probe_alpha)
    # validate every point before solving anything (ValueError -> one line naming the flag, exit 2)
    check_flags(args.alpha_prune or (), args.keep_fraction, args.probe_angle, alpha_total=args.alpha_total or (),
                learner=args.learner, labels=args.labels, theory_f=True)
    _check_sizes(args)
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
    if args.alpha_total is None:
        check_routes(args.alpha_prune, angle_deg, keeps, args.learner, args.labels, args.keep_fraction)
    else:
        for f in args.keep_fraction:
            check_routes([a for _, a in _sizes_at(args, f)], angle_deg, keeps, args.learner, args.labels, f)
    pairs: list[tuple[float, dict]] = []
    if best:  # each point at its own best ridge
        points = [(size, a, f, keep) for keep in keeps for f in args.keep_fraction for size, a in _sizes_at(args, f)]
        for size, a, f, keep in progress(points, total=len(points), desc=f"best ridge ({args.learner})"):
            res = _best_ridge_result(Params(a, f, keep, angle_deg, f"{args.learner}:1", args.labels))
            pairs.append((size, res.record()))
        return _finish(args, pairs)
    big = len(args.alpha_prune or args.alpha_total) * len(args.keep_fraction) * len(keeps) > 50
    for keep in keeps:
        if args.alpha_total is None:  # continuation in alpha_prune for each f
            grid = solve_grid(args.alpha_prune, args.keep_fraction, keep, angle_deg,
                              tol=args.tol, show_progress=big, learner=args.learner, labels=args.labels)
            pairs += [(res.params.alpha_prune, res.record()) for row in grid for res in row]
            continue
        fractions = progress(args.keep_fraction, desc=f"solving ({keep})") if big else args.keep_fraction
        for f in fractions:  # the pool: at each f, continuation in alpha_prune = f A over the pools A
            sizes = _sizes_at(args, f)
            grid = solve_grid([a for _, a in sizes], [f], keep, angle_deg, tol=args.tol, learner=args.learner,
                              labels=args.labels)
            pairs += [(size, row[0].record()) for (size, _), row in zip(sizes, grid)]
    return _finish(args, pairs)


def _main_structured(args, keeps, data, best: bool) -> int:
    """``--covariance``: every point on the structured route (theory.structured), one solve each; records carry the
    case (its canonical string) in a ``covariance`` column."""
    from theory.point import route_for

    check_flags(args.alpha_prune or (), args.keep_fraction, args.probe_angle, alpha_total=args.alpha_total or (),
                learner=args.learner, labels=args.labels, theory_f=True)
    _check_sizes(args)
    if not args.tol > 0:
        raise ValueError(f"--tol must be > 0, got {args.tol!r}")
    size_flag = "--alpha-prune" if args.alpha_total is None else "--alpha-total"
    learner = f"{args.learner}:1" if best else args.learner
    points = []
    for keep in keeps:
        for f in args.keep_fraction:
            for size, a in _sizes_at(args, f):
                try:
                    params = Params(a, f, keep, args.probe_angle, learner, args.labels, data)
                    route_for(params)
                except ValueError as exc:
                    raise ValueError(f"--keep {keep} at -f {f:g}, {size_flag} {size:g}: {exc}") from None
                points.append((size, params))
    pairs = []
    if best:
        points = progress(points, total=len(points), desc=f"best ridge ({args.learner})")
    for size, params in points:
        res = _best_ridge_result(params) if best else solve_point(params, tol=args.tol)
        pairs.append((size, {**res.record(), "covariance": str(data)}))
    return _finish(args, pairs)


def _best_rows(pairs: list[tuple[float, dict]], pool: bool = False) -> str:
    """The closing lines of the table: the lowest error at each alpha_prune (or in each pool alpha_total)."""
    lines = []
    for a in sorted({size for size, _ in pairs}):
        rows = [r for size, r in pairs if size == a and r["success"]]
        label = f"alpha_total={a:g}" if pool else f"alpha_prune={a:g}"
        if not rows:
            lines.append(f"{label}: no converged point")
            continue
        best = min(rows, key=lambda r: r["eps"])
        other = f"alpha_prune={best['alpha_prune']:g}" if pool else f"alpha_total={best['alpha_total']:g}"
        lines.append(f"lowest error {'in the pool ' if pool else 'at '}{label}: keep {best['keep']} "
                     f"f={best['keep_fraction']:g} ({other}), eps={best['eps']:.6g}")
    failed = sum(not r["success"] for _, r in pairs)
    if failed:
        lines.append(f"WARNING: {failed} point(s) did not converge (success=NO)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 on bad input)."""
    return run_cli(_main, argv, "python -m theory.solve")


if __name__ == "__main__":
    raise SystemExit(main())
