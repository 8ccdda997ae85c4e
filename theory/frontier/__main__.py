"""Command line of the frontier: ``python -m theory.frontier`` (the library is :mod:`theory.frontier`)."""

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
from theory.frontier import DEFAULT_MIN_KEEP_FRACTION, FAMILIES, check_existence, frontier_point, validate_keeps
from theory.model import validate_theory_keep_fraction
from theory.probe import resolve_probe_angle


def build_parser():
    p = ArgumentParser(
        prog="python -m theory.frontier",
        description="Pareto frontier of data pruning: the lowest test error eps* reachable at a budget "
        "alpha_prune by keeping the hardest or easiest fraction f >= F of a larger pool, with the optimal "
        "f and policy, and the unpruned error for comparison; for the max-margin student (default) or a "
        "convex learner (--learner, whose ridge is optimised when given without one), on clean or noisy "
        "labels (--labels).",
        examples=("python -m theory.frontier --alpha-prune 1 2 4 8 16",
                  "python -m theory.frontier --alpha-prune 4 16 64 --theta 5 10 20 --format csv",
                  "python -m theory.frontier --alpha-prune 4 16 --theta 10 --keep hard easy band mix soft   # a row "
                  "per family",
                  "python -m theory.frontier --alpha-prune 2 8 --learner logistic --labels flip:0.2"),
    )
    p.add_argument("--alpha-prune", type=float, nargs="+", required=True, metavar="A",
                   help="budgets alpha_prune = f P / N (> 0)")
    p.add_probe_angle(multiple=True)
    p.add_probe_alpha()
    p.add_argument("--keep", nargs="+", default=["both"], metavar="RULE",
                   help="rules and rule families to optimise over: hard, easy, both (= hard easy), random, band, "
                   "mix, soft (a family: its parameter is optimised too), or a fixed rule such as mix:0.5")
    p.add_argument("--min-keep-fraction", type=float, default=DEFAULT_MIN_KEEP_FRACTION, metavar="F",
                   help="lower bound on f (the pool is at most alpha_prune / F); optima on it are flagged at_floor")
    p.add_learner(optimise_ridge=True)
    p.add_covariance()
    p.add_format()
    p.add_quiet()
    return p


def _main(argv) -> int:
    args = build_parser().parse_args(argv)
    data, args.probe_angle = resolve_covariance(args.covariance, argv, args.probe_angle, probe_alpha=args.probe_alpha)
    args.labels = case_labels(data, argv, args.labels)
    check_flags(alpha_prune=args.alpha_prune, probe_angle=args.probe_angle, learner=args.learner,
                labels=args.labels)
    angles_deg = args.probe_angle
    if args.probe_alpha is not None:
        angles_deg = [resolve_probe_angle(t, args.probe_alpha) for t in angles_deg]
    validate_theory_keep_fraction(args.min_keep_fraction, "--min-keep-fraction")
    keeps = validate_keeps(expand_keeps(args.keep))
    # one row per group: the fixed rules together (e.g. hard easy), then each family (its parameter optimised)
    plain = [k for k in keeps if k not in FAMILIES]
    groups = ([plain] if plain else []) + [[k] for k in keeps if k in FAMILIES]
    for angle_deg in angles_deg:  # a budget where no point of the scan has a student: refused before any search
        check_existence(args.alpha_prune, angle_deg, args.min_keep_fraction, keeps, args.learner, args.labels)
    points = [(a, angle_deg, g) for angle_deg in angles_deg for a in args.alpha_prune for g in groups]
    records = []
    with StepBar(len(points), "frontier", args.quiet) as bar:  # moved by every theory point of every search
        for a, angle_deg, group in points:
            rec = frontier_point(a, angle_deg, args.min_keep_fraction, group, args.learner, args.labels, data,
                                 progress=bar.callback).record()
            bar.advance()
            if data != "isotropic":
                rec["covariance"] = str(data)
            if len(groups) > 1:
                rec = {"rules": " ".join(group), **rec}
            records.append(rec)
    if len(groups) > 1:  # mark the best group at each (alpha_prune, theta)
        for rec in records:
            same = [r for r in records if (r["alpha_prune"], r["probe_angle_deg"]) == (rec["alpha_prune"],
                                                                                       rec["probe_angle_deg"])]
            rec["best"] = rec["eps_frontier"] == min(r["eps_frontier"] for r in same)
    print(format_records(records, args.format))
    return 0


def main(argv=None) -> int:
    """Entry point; returns the exit code (2 on bad input)."""
    return run_cli(_main, argv, "python -m theory.frontier")


if __name__ == "__main__":
    raise SystemExit(main())
