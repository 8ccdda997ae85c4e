"""Command line: Monte Carlo sweep over a grid of points, resumable through an on-disk result store.

    python -m simulations.sweep --alpha-prune 1 2 4 -f 0.2 0.5 1 --keep both --theta 0 10 --n 200 \
        --seeds 10 --store results/

Each point (alpha_prune, f, keep, theta, N) is split into work units of 5 seeds; units are looked up in the
store and computed only if missing, locally or on a dask.distributed cluster (``--cluster local`` or
``--scheduler tcp://HOST:PORT``); finished units are written atomically, so an interrupted sweep resumes
where it stopped. The command line is :mod:`simulations.sweep.__main__` (the library never imports it).
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Sequence

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
          show_progress: bool = False, client=None, on_unit_done=None, probe: str = "fixed",
          learner: str = "max-margin", labels: str = "clean", data="isotropic") -> tuple[list[dict], int]:
    """Records of the whole grid (from the store or computed now) and the number of work units computed now.

    Work units are (point, chunk of ``CHUNK`` consecutive seeds); each finished unit is written to the
    store atomically, so an interruption (or a lost cluster worker) costs only unfinished units. With a
    ``dask.distributed`` ``client`` the missing units run on the cluster, otherwise serially; results are
    identical either way (same seeds, same summary code). ``learner`` and ``labels`` as in ``theory.Params``;
    they enter a point's store key only when not the default, so older stores still load. ``data``: the data model
    (a Gaussian covariate case, :mod:`theory.covariance`; in the key by its content hash).
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
