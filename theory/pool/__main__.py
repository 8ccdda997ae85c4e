"""Command line of the pool view: ``python -m theory.pool`` (the library is :mod:`theory.pool`).

The plateau is the answer: the range of f within ``--plateau-tol`` of the best error and the smallest budget
that good come first; the single best f (one arbitrary point of a flat plateau) second.
"""

from __future__ import annotations

from pruning_cli import (
    ArgumentParser,
    StepBar,
    case_labels,
    check_flags,
    expand_keeps,
    format_records,
    resolve_covariance,
    run_cli,
)
from theory.pool import DEFAULT_MIN_KEEP_FRACTION, DEFAULT_PLATEAU_TOL, check_pool_floor, pool_report, validate_keeps
from theory.probe import resolve_probe_angle

# the plateau first (item 11 of issue 29): f_best alone reads as "keep 96 %" where any f on the plateau is as good
COLUMNS = ("alpha_total", "probe_angle_deg", "learner", "labels", "keep_best", "f_plateau_lo", "f_plateau_hi",
           "alpha_prune_plateau_lo", "eps_best", "plateau_tol", "f_best", "alpha_prune_best", "eps_unpruned",
           "hard_beats_easy_above_f", "winner", "at_floor")


def build_parser():
    p = ArgumentParser(
        prog="python -m theory.pool",
        description="The pool question: with a pool of alpha_total N examples and a probe at theta, which examples "
        "to keep and how many. Prints first the plateau: the rule, the whole range of f within --plateau-tol of the "
        "best error (keep-hard curves of a good probe are flat: any f on the plateau is as good) and the smallest "
        "budget that good; then the single best f found (one point of the plateau), the unpruned error, and the f "
        "above which keeping hard beats keeping easy in this pool.",
        examples=("python -m theory.pool --alpha-total 50 --theta 5",
                  "python -m theory.pool --alpha-total 2 10 50 --theta 0 10 --format csv",
                  "python -m theory.pool --alpha-total 20 --keep hard easy band --theta 10",
                  "python -m theory.pool --alpha-total 20 --learner logistic:0.01 --labels flip:0.1"),
    )
    p.add_argument("--alpha-total", type=float, nargs="+", required=True, metavar="A",
                   help="pool size(s) alpha_total = P / N (> 0)")
    p.add_probe_angle(multiple=True)
    p.add_probe_alpha()
    p.add_argument("--keep", nargs="+", default=["both"], metavar="RULE",
                   help="rules to choose from: hard, easy, both (= hard easy), random, a fixed rule such as band:0.1, "
                   "or a family band, mix, soft (its parameter optimised too)")
    p.add_argument("--min-keep-fraction", type=float, default=DEFAULT_MIN_KEEP_FRACTION, metavar="F",
                   help="smallest f considered, in [1e-9, 1] (the theory's range) with F alpha_total >= 1e-6")
    p.add_argument("--plateau-tol", type=float, default=DEFAULT_PLATEAU_TOL, metavar="TOL",
                   help="relative tolerance that defines the plateau of near-best f (0.01 = within 1%%)")
    p.add_learner()
    p.add_covariance()
    p.add_format()
    p.add_quiet()
    return p


def _summary(rec: dict) -> str:
    pct = f"{100 * rec['plateau_tol']:g}%"
    return (f"alpha_total={rec['alpha_total']:g}, theta={rec['probe_angle_deg']:g}: keep {rec['keep_best']} with any "
            f"f in [{rec['f_plateau_lo']:.4g}, {rec['f_plateau_hi']:.4g}] (within {pct} of eps={rec['eps_best']:.6g}); "
            f"the smallest pool use is f={rec['f_plateau_lo']:.4g} (alpha_prune={rec['alpha_prune_plateau_lo']:.4g}); "
            f"the single best f found is {rec['f_best']:.4g}")


def _main(argv) -> int:
    args = build_parser().parse_args(argv)
    data, args.probe_angle = resolve_covariance(args.covariance, argv, args.probe_angle, probe_alpha=args.probe_alpha)
    args.labels = case_labels(data, argv, args.labels)
    check_flags(alpha_total=args.alpha_total, learner=args.learner, labels=args.labels)
    angles = args.probe_angle
    if args.probe_alpha is not None:
        angles = [resolve_probe_angle(t, args.probe_alpha) for t in angles]
    check_flags(probe_angle=angles)
    for a in args.alpha_total:
        check_pool_floor(a, args.min_keep_fraction)
    if not args.plateau_tol >= 0.0:
        raise ValueError(f"--plateau-tol must be >= 0, got {args.plateau_tol!r}")
    keeps = validate_keeps(expand_keeps(args.keep))
    points = [(a, t) for t in angles for a in args.alpha_total]
    records = []
    with StepBar(len(points), "pool", args.quiet) as bar:  # moved by every theory point of every report
        for a, t in points:
            records.append(pool_report(a, t, keeps, args.min_keep_fraction, args.plateau_tol, args.learner,
                                       args.labels, data, progress=bar.callback).record())
            bar.advance()
    records = [{c: rec[c] for c in COLUMNS} for rec in records]
    if data != "isotropic":
        records = [{**rec, "covariance": str(data)} for rec in records]
    print(format_records(records, args.format))
    if args.format == "table":
        print("\n".join(_summary(rec) for rec in records))
    return 0


def main(argv=None) -> int:
    """Entry point; returns the exit code (2 on bad input)."""
    return run_cli(_main, argv, "python -m theory.pool", flags=("min_keep_fraction", "alpha_total"))


if __name__ == "__main__":
    raise SystemExit(main())
