"""Command line of the sweep: ``python -m simulations.sweep`` (the library is :mod:`simulations.sweep`)."""

from __future__ import annotations

from collections.abc import Sequence

from pruning_cli import (
    ArgumentParser,
    case_labels,
    check_flags,
    expand_keeps,
    flag_given,
    format_records,
    resolve_covariance,
    run_cli,
    writable_directory,
)
from simulations.interior_point import use_single_threaded_xla
from simulations.probes import probe_option
from simulations.runner import BACKENDS
from simulations.store import ResultStore
from simulations.sweep import connect, sweep


def build_parser() -> ArgumentParser:
    p = ArgumentParser(
        prog="python -m simulations.sweep",
        description="Resumable Monte Carlo sweep over a grid of (alpha_prune, f, keep, theta, N).",
        examples=("python -m simulations.sweep --alpha-prune 1 2 4 -f 0.2 1 --keep both --store results/",
                  "python -m simulations.sweep --alpha-prune 2 -f 0.2 --keep hard --theta 0 10 --n 100 200 "
                  "--seeds 10 --store results/ --cluster local --format csv"))
    p.add_argument("--alpha-prune", type=float, nargs="+", required=True, metavar="A", help="budgets alpha_prune > 0")
    p.add_argument("-f", "--keep-fraction", type=float, nargs="+", required=True, metavar="F",
                   help="keep fractions in (0, 1]")
    p.add_keep(multiple=True)
    p.add_probe_angle(multiple=True)
    p.add_probe_alpha()
    p.add_learner()
    p.add_argument("--probe", choices=("fixed", "self"), default="fixed",
                   help="fixed: a probe at --theta (or trained on independent data with --probe-alpha); self: "
                   "the probe is trained on the pool itself, each seed")
    p.add_covariance()
    p.add_argument("--n", type=int, nargs="+", default=[200], metavar="N", help="input dimensions N >= 2 (with "
                   "--covariance: multiples of the case's N, the case tiled; default the case's N; power:a,b without N "
                   "takes the smallest --n)")
    p.add_argument("--seeds", type=int, default=20, help="data sets per point (>= 2)")
    p.add_argument("--seed", type=int, default=0, help="base seed")
    p.add_argument("--backend", choices=BACKENDS, default="numba",
                   help="max-margin solver: numba active set, or jax batched interior point (sets XLA_FLAGS to "
                   "single-threaded XLA if unset: the multi-threaded CPU runtime can hang)")
    p.add_argument("--store", required=True, help="directory of the result store (created if missing)")
    p.add_argument("--cluster", choices=("local",), default=None,
                   help="run work units on a dask LocalCluster sized to this machine")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run work units on an existing dask cluster (dask scheduler / dask worker)")
    p.add_format()
    p.add_quiet()
    return p


def _main(argv) -> int:
    args = build_parser().parse_args(argv)
    if args.backend == "jax":  # documented in --help: single-threaded XLA on the CPU (see simulations.interior_point)
        use_single_threaded_xla()
    check_flags(args.alpha_prune, args.keep_fraction, args.probe_angle, args.seeds, args.n, learner=args.learner,
                labels=args.labels, seed=args.seed)
    keeps = expand_keeps(args.keep)
    data, args.probe_angle = resolve_covariance(args.covariance, argv, args.probe_angle, probe_alpha=args.probe_alpha,
                                                probe=args.probe,
                                                default_n=min(args.n) if flag_given(argv, "--n") else None)
    args.labels = case_labels(data, argv, args.labels)
    if data != "isotropic" and not flag_given(argv, "--n"):
        args.n = [data.n]
    probe = probe_option(args.probe, args.probe_alpha, *args.probe_angle)
    store = ResultStore(writable_directory(args.store, "result store", "--store"))
    client = connect(args.cluster, args.scheduler)
    try:
        records, _ = sweep(args.alpha_prune, args.keep_fraction, keeps, args.probe_angle, args.n, args.seeds,
                           store, seed=args.seed, backend=args.backend, show_progress=not args.quiet, probe=probe,
                           learner=args.learner, labels=args.labels, data=data,
                           client=client)
    finally:
        if client is not None:
            client.close()
    if data != "isotropic":
        records = [{**r, "covariance": str(data)} for r in records]
    print(format_records(records, args.format))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 on bad input)."""
    return run_cli(_main, argv, "python -m simulations.sweep")


if __name__ == "__main__":
    raise SystemExit(main())
