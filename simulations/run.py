"""Command line: Monte Carlo test error of the max-margin student at one point, for one or more N.

    python -m simulations.run --alpha-prune 2 -f 0.2 --keep hard --theta 0 --n 100 200 400 --seeds 20
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence

from pruning_cli import (
    ArgumentParser,
    StepBar,
    case_labels,
    check_flags,
    expand_keeps,
    flag_given,
    format_records,
    resolve_covariance,
    run_cli,
)
from simulations.interior_point import use_single_threaded_xla
from simulations.probes import probe_option
from simulations.runner import BACKENDS, extrapolate, finite_size_warning, simulate, theory_at_realised_probe
from theory.frontier import check_routes
from theory.model import THEORY_KEEP_FRACTION_RANGE, Params


def build_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="python -m simulations.run",
        description="Monte Carlo: sample a pool of P = alpha_prune N / f Gaussian examples labelled by a "
        "teacher (through --labels), keep the f P hardest or easiest by probe margin, train the student "
        "(--learner: max-margin by default) and average its test error arccos(R)/pi over seeds. With several "
        "N, also extrapolate eps_N = eps_inf + c/N and compare with the replica theory (eps_theory, at the realised "
        "probe angle; null/nan, with the reason on stderr, for f below the theory's range 1e-9). Columns: "
        "eps_mean, eps_sem: test error and its standard error over seeds; margin_mean: the mean over seeds of the "
        "smallest training margin y w.x/|w| (negative for a convex learner on data it does not separate, e.g. noisy "
        "labels); seconds: the wall time of the fits at that N (all seeds); alpha_prune_realised, "
        "probe_angle_realised: what the drawn data realise. --workers runs seeds in processes on this machine "
        "(simulations.sweep --cluster runs work units on a dask cluster).",
        examples=("python -m simulations.run --alpha-prune 2 -f 0.2 --keep hard --n 100 200 400 --seeds 20",
                  "python -m simulations.run --alpha-prune 4 -f 0.3 --keep easy --theta 10 --format json",
                  "python -m simulations.run --alpha-prune 2 -f 0.5 --keep hard --learner logistic:0.05 "
                  "--labels flip:0.2 --n 100 200 400",
                  "python -m simulations.run --alpha-prune 2 -f 0.3 --keep hard --learner logistic:0.05 "
                  "--covariance power:1,1,100 --theta 10 --n 100 200 400"),
    )
    p.add_argument("--alpha-prune", type=float, required=True, metavar="A",
                   help="pruned data set size alpha_prune = f P / N (> 0)")
    p.add_argument("-f", "--keep-fraction", type=float, required=True, metavar="F",
                   help="fraction f in (0, 1] of the pool that is kept")
    p.add_keep(multiple=False, both=True)
    p.add_probe_angle()
    p.add_probe_alpha()
    p.add_learner()
    p.add_argument("--probe", choices=("fixed", "self"), default="fixed",
                   help="fixed: a probe at --theta (or trained on independent data with --probe-alpha); self: the "
                   "probe is the max-margin student of the pool itself, retrained each seed (needs the whole pool "
                   "in memory); the realised probe angle is reported and eps_theory is taken there")
    p.add_covariance()
    p.add_argument("--n", type=int, nargs="+", default=[200], metavar="N", help="input dimension(s) N >= 2 (with "
                   "--covariance: multiples of the case's N, the case tiled; default the case's N; power:a,b without N "
                   "takes the smallest --n)")
    p.add_argument("--seeds", type=int, default=20, help="independent data sets per N (>= 2)")
    p.add_argument("--seed", type=int, default=0, help="base seed (>= 0); seed i at dimension N uses rng([seed, N, i])")
    p.add_argument("--backend", choices=BACKENDS, default="numba",
                   help="numba: exact active-set SVM per seed; jax: batched interior point over seeds (sets "
                   "XLA_FLAGS to single-threaded XLA if unset: the multi-threaded CPU runtime can hang)")
    p.add_argument("--workers", type=int, default=1, help="processes running seeds in parallel")
    p.add_format()
    p.add_quiet()
    return p


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    if args.backend == "jax":  # documented in --help: single-threaded XLA on the CPU (see simulations.interior_point)
        use_single_threaded_xla()
    check_flags(args.alpha_prune, args.keep_fraction, args.probe_angle, args.seeds, args.n, learner=args.learner,
                labels=args.labels, seed=args.seed)
    keeps = expand_keeps([args.keep])  # both = hard and easy, one row group each
    data, args.probe_angle = resolve_covariance(args.covariance, argv, args.probe_angle, probe_alpha=args.probe_alpha,
                                                probe=args.probe,
                                                default_n=min(args.n) if flag_given(argv, "--n") else None)
    args.labels = case_labels(data, argv, args.labels)
    if data != "isotropic" and not flag_given(argv, "--n"):
        args.n = [data.n]
    check_routes(args.alpha_prune, args.probe_angle, keeps, args.learner, args.labels, args.keep_fraction)
    all_params = [Params(args.alpha_prune, args.keep_fraction, keep, args.probe_angle, args.learner, args.labels, data)
                  for keep in keeps]
    probe = probe_option(args.probe, args.probe_alpha, args.probe_angle)
    if data != "isotropic":
        from simulations.structured import check_structured
        from theory.point import route_for

        for params in all_params:
            route_for(params)
            for n in args.n:
                try:
                    check_structured(params, n, probe)
                except ValueError as exc:
                    raise ValueError(f"--n {n}: {exc}") from None
    if args.workers < 1 or args.workers > 4 * (os.cpu_count() or 1):
        raise ValueError(f"--workers must be in [1, {4 * (os.cpu_count() or 1)}], got {args.workers}")
    with_theory = args.keep_fraction >= THEORY_KEEP_FRACTION_RANGE[0]
    records, warnings = [], []
    # one bar over every seed of the run, moved by each finished seed (each chunk of 4 with --workers > 1)
    bar = StepBar(len(all_params) * len(args.n) * args.seeds, "simulations", args.quiet, unit="seed")
    with bar:
        runs = []
        for params in all_params:
            results = []
            for n in args.n:
                bar.bar.set_postfix_str(f"keep {params.keep}, n={n}", refresh=False)
                results.append(simulate(params, n, args.seeds, seed=args.seed, backend=args.backend,
                                        workers=args.workers, probe=probe,
                                        on_seed_done=bar.advance if bar.shown else None))
            runs.append((params, results))
    for params, results in runs:
        extra = {}
        if len(set(args.n)) > 1:
            eps_inf, eps_inf_err = extrapolate(results)
            extra = {"eps_inf": eps_inf, "eps_inf_err": eps_inf_err}
        case = {} if data == "isotropic" else {"covariance": str(data)}
        records += [{**r.record(), **extra, "eps_theory": theory_at_realised_probe(r) if with_theory else math.nan,
                     **case} for r in results]
        warnings.append(finite_size_warning(params, results))
    print(format_records(records, args.format))
    if not with_theory:
        print(f"eps_theory: none at -f {args.keep_fraction:g}, below the theory's supported range of f "
              f"[{THEORY_KEEP_FRACTION_RANGE[0]:g}, 1] (the Monte Carlo goes lower)", file=sys.stderr)
    for warning in dict.fromkeys(warnings):
        if warning:
            print(warning, file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 on bad input)."""
    return run_cli(_main, argv, "python -m simulations.run")


if __name__ == "__main__":
    raise SystemExit(main())
