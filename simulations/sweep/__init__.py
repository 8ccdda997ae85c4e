"""Command line: Monte Carlo sweep over a grid of points, resumable through an on-disk result store.

    python -m simulations.sweep --alpha-prune 1 2 4 -f 0.2 0.5 1 --keep both --theta 0 10 --n 200 \
        --seeds 10 --store results/

Each point (alpha_prune, f, keep, theta, N) is split into work units of 5 seeds; units are looked up in the
store and computed only if missing, locally or on a dask.distributed cluster (``--cluster local`` or
``--scheduler tcp://HOST:PORT``); finished units are written atomically, so an interrupted sweep resumes
where it stopped. A unit's seeds are fitted one by one (one cluster task each), so that progress (a bar counted
in seeds, ``on_seed_done``) moves with every fit; the values do not depend on it (seed i draws from
rng([seed, N, i])). The command line is :mod:`simulations.sweep.__main__` (the library never imports it).
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Sequence

from simulations.probes import parse_probe
from simulations.runner import (
    SeedValue,
    check_point,
    run_chunk,
    summarize,
    theory_at_realised_probe,
    work_units,
)
from simulations.store import CHUNK_FIELDS, ResultStore, point_key
from theory.model import Params
from theory.progress import progress

CHUNK = 5  # seeds per work unit


def sweep(alphas: Sequence[float], fractions: Sequence[float], keeps: Sequence[str], thetas: Sequence[float],
          ns: Sequence[int], seeds: int, store: ResultStore, *, seed: int = 0, backend: str = "numba",
          show_progress: bool = False, client=None, on_unit_done: Callable[[str], None] | None = None,
          probe: str = "fixed", learner: str = "max-margin", labels: str = "clean", data="isotropic",
          on_seed_done: Callable[[int], None] | None = None) -> tuple[list[dict], int]:
    """Records of the whole grid (from the store or computed now) and the number of work units computed now.

    Work units are (point, chunk of ``CHUNK`` consecutive seeds); each finished unit is written to the
    store atomically, so an interruption (or a lost cluster worker) costs only unfinished units. With a
    ``dask.distributed`` ``client`` the missing units run on the cluster, otherwise serially; results are
    identical either way (same seeds, same summary code). ``learner`` and ``labels`` as in ``theory.Params``;
    they enter a point's store key only when not the default, so older stores still load. ``data``: the data model
    (a Gaussian covariate case, :mod:`theory.covariance`; in the key by its content hash).

    Feedback: ``show_progress`` draws a bar on stderr (when it is a terminal, after 2 s) over the seeds still to
    compute, naming the point being computed; ``on_seed_done(k)`` is called after every ``k`` seeds fitted and
    ``on_unit_done(key)`` after every unit stored. With the numba backend the seeds of a unit are fitted one at a
    time (on a cluster, one task each), so both move with every fit (``k`` = 1); the JAX backend fits a unit as one
    batch (``k`` = its seeds). The results are the same either way (seed i draws from rng([seed, N, i])).
    """
    grid = list(itertools.product(alphas, fractions, keeps, thetas, ns))
    points = [(Params(a, f, k, t, learner, labels, data), n) for a, f, k, t, n in grid]  # validate everything first
    probe = parse_probe(probe)
    for params, n in points:
        check_point(params, backend)
        if not params.is_isotropic:
            from simulations.structured import check_structured

            check_structured(params, n, probe)
    units, missing = {}, []
    for params, n in points:
        base = point_key(alpha_prune=params.alpha_prune, keep_fraction=params.keep_fraction, keep=params.keep,
                         probe_angle_deg=params.probe_angle_deg, n=n, seeds=seeds, seed=seed, backend=backend,
                         probe=probe, learner=params.learner, labels=params.labels, data=params.data)
        units[(params, n)] = []
        for unit in work_units(params, n, seeds, seed, backend, CHUNK, probe):
            key = f"{base}-{unit[3][0]}"
            units[(params, n)].append(key)
            if store.get(key, CHUNK_FIELDS) is None:
                missing.append((key, unit))
    bar = None
    if show_progress and missing:
        bar = progress(None, total=sum(len(unit[3]) for _, unit in missing), desc="sweep", unit="seed")

    def seeds_done(count: int) -> None:
        if bar is not None:
            bar.update(count)
        if on_seed_done is not None:
            on_seed_done(count)

    def finish(key, values, seconds):
        columns = {name: [v[i] for v in values] for i, name in enumerate(SeedValue._fields)}
        store.put(key, {**columns, "seconds": seconds})
        if on_unit_done is not None:
            on_unit_done(key)

    try:
        if client is None:
            for key, unit in missing:
                if bar is not None:
                    bar.set_postfix_str(_describe(unit), refresh=False)
                values, seconds = [], 0.0
                for part in _seed_parts(unit):
                    out, elapsed = _timed_chunk(part)
                    values += out
                    seconds += elapsed
                    seeds_done(len(out))
                finish(key, values, seconds)
        else:
            from distributed import as_completed

            futures, pieces = {}, {}
            for key, unit in missing:
                parts = _seed_parts(unit)
                pieces[key] = [None] * len(parts)
                for j, part in enumerate(parts):
                    futures[client.submit(_timed_chunk, part, pure=False)] = (key, j)
            for future in as_completed(futures):
                out, elapsed = future.result()
                key, j = futures[future]
                pieces[key][j] = (out, elapsed)
                seeds_done(len(out))
                if all(piece is not None for piece in pieces[key]):  # the unit's last seed: store the unit
                    done = pieces.pop(key)
                    finish(key, [v for out, _ in done for v in out], sum(elapsed for _, elapsed in done))
    finally:
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


def _seed_parts(unit: tuple) -> list[tuple]:
    """The pieces a work unit ``(params, n, seed, indices, backend, probe)`` is computed in: one seed each with the
    numba backend (each seed is fitted on its own anyway, so the values are those of the whole unit), the unit
    whole with the JAX backend (its seeds are one batch of the interior point)."""
    params, n, seed, indices, backend, probe = unit
    if backend != "numba":
        return [unit]
    return [(params, n, seed, [i], backend, probe) for i in indices]


def _describe(unit: tuple) -> str:
    """The point of a work unit, for the progress bar."""
    params, n = unit[0], unit[1]
    return (f"alpha_prune={params.alpha_prune:g} f={params.keep_fraction:g} keep {params.keep} "
            f"theta={params.probe_angle_deg:g} n={n}")


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
