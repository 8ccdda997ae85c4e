"""Command line: Monte Carlo sweep over a grid of points, resumable through an on-disk result store.

    python -m simulations.sweep --alpha-prune 1 2 4 -f 0.2 0.5 1 --keep both --theta 0 10 --n 200 \
        --seeds 10 --store results/

Each point (alpha_prune, f, keep, theta, N) is split into work units of 5 seeds; units are looked up in the
store and computed only if missing, locally or on a dask.distributed cluster (``--cluster local`` or
``--scheduler tcp://HOST:PORT``); finished units are written atomically, so an interrupted sweep resumes
where it stopped.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Sequence

from pruning_cli import (
    ArgumentParser,
    check_point_flags,
    expand_keeps,
    format_records,
    progress,
    run_cli,
    writable_directory,
)
from simulations.interior_point import use_single_threaded_xla
from simulations.probes import parse_probe, probe_option
from simulations.runner import (
    BACKENDS,
    SeedValue,
    check_point,
    run_chunk,
    summarize,
    theory_at_realised_probe,
    work_units,
)
from simulations.store import CHUNK_FIELDS, ResultStore, point_key
from theory.model import Params

CHUNK = 5  # seeds per work unit


def sweep(alphas: Sequence[float], fractions: Sequence[float], keeps: Sequence[str], thetas: Sequence[float],
          ns: Sequence[int], seeds: int, store: ResultStore, *, seed: int = 0, backend: str = "numba",
          show_progress: bool = False, client=None, on_unit_done=None, probe: str = "fixed",
          learner: str = "max-margin", labels: str = "clean") -> tuple[list[dict], int]:
    """Records of the whole grid (from the store or computed now) and the number of work units computed now.

    Work units are (point, chunk of ``CHUNK`` consecutive seeds); each finished unit is written to the
    store atomically, so an interruption (or a lost cluster worker) costs only unfinished units. With a
    ``dask.distributed`` ``client`` the missing units run on the cluster, otherwise serially; results are
    identical either way (same seeds, same summary code). ``learner`` and ``labels`` as in ``theory.Params``;
    they enter a point's store key only when not the default, so older stores still load.
    """
    grid = list(itertools.product(alphas, fractions, keeps, thetas, ns))
    points = [(Params(a, f, k, t, learner, labels), n) for a, f, k, t, n in grid]  # validate everything first
    for params, _ in points:
        check_point(params, backend)
    probe = parse_probe(probe)
    units, missing = {}, []
    for params, n in points:
        base = point_key(alpha_prune=params.alpha_prune, keep_fraction=params.keep_fraction, keep=params.keep,
                         probe_angle_deg=params.probe_angle_deg, n=n, seeds=seeds, seed=seed, backend=backend,
                         probe=probe, learner=params.learner, labels=params.labels)
        units[(params, n)] = []
        for unit in work_units(params, n, seeds, seed, backend, CHUNK, probe):
            key = f"{base}-{unit[3][0]}"
            units[(params, n)].append(key)
            if store.get(key, CHUNK_FIELDS) is None:
                missing.append((key, unit))
    bar = progress(None, total=len(missing), desc="sweep units") if show_progress and missing else None

    def finish(key, values, seconds):
        columns = {name: [v[i] for v in values] for i, name in enumerate(SeedValue._fields)}
        store.put(key, {**columns, "seconds": seconds})
        if bar is not None:
            bar.update(1)
        if on_unit_done is not None:
            on_unit_done(key)

    if client is None:
        for key, unit in missing:
            t0 = time.perf_counter()
            values = run_chunk(unit)
            finish(key, values, time.perf_counter() - t0)
    else:
        from distributed import as_completed

        futures = {client.submit(_timed_chunk, unit, pure=False): key for key, unit in missing}
        for future in as_completed(futures):
            values, seconds = future.result()
            finish(futures[future], values, seconds)
    if bar is not None:
        bar.close()
    records = []
    for (params, n), keys in units.items():
        chunks = [store.get(k, CHUNK_FIELDS) for k in keys]
        if any(c is None for c in chunks):
            raise RuntimeError("a work unit is missing from the store after the sweep")
        values = [SeedValue(*v) for c in chunks for v in zip(*(c[name] for name in SeedValue._fields))]
        res = summarize(params, n, values, sum(c["seconds"] for c in chunks), probe)
        records.append({**res.record(), "eps_theory": theory_at_realised_probe(res)})
    return records, len(missing)


def _timed_chunk(unit):
    t0 = time.perf_counter()
    values = run_chunk(unit)
    return values, time.perf_counter() - t0


def connect(cluster: str | None, scheduler: str | None):
    """A dask.distributed Client for ``--cluster local`` or ``--scheduler ADDRESS`` (None for neither)."""
    if cluster is None and scheduler is None:
        return None
    if cluster is not None and scheduler is not None:
        raise ValueError("give either --cluster or --scheduler, not both")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ValueError('cluster runs need dask.distributed: pip install -e ".[cluster]"') from None
    if scheduler is not None:
        return Client(scheduler)
    if cluster != "local":
        raise ValueError(f"--cluster must be 'local', got {cluster!r}")
    return Client(LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True))


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
    p.add_argument("--n", type=int, nargs="+", default=[200], metavar="N", help="input dimensions N >= 2")
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
    return p


def _main(argv) -> int:
    args = build_parser().parse_args(argv)
    if args.backend == "jax":  # documented in --help: single-threaded XLA on the CPU (see simulations.interior_point)
        use_single_threaded_xla()
    check_point_flags(args.alpha_prune, args.keep_fraction, args.probe_angle, args.seeds, args.n)
    keeps = expand_keeps(args.keep)
    probe = probe_option(args.probe, args.probe_alpha, *args.probe_angle)
    store = ResultStore(writable_directory(args.store, "result store"))
    client = connect(args.cluster, args.scheduler)
    try:
        records, _ = sweep(args.alpha_prune, args.keep_fraction, keeps, args.probe_angle, args.n, args.seeds,
                           store, seed=args.seed, backend=args.backend, show_progress=True, probe=probe,
                           learner=args.learner, labels=args.labels,
                           client=client)
    finally:
        if client is not None:
            client.close()
    print(format_records(records, args.format))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit code (2 on bad input)."""
    return run_cli(_main, argv, "python -m simulations.sweep")


if __name__ == "__main__":
    raise SystemExit(main())
