"""Monte Carlo estimate of the test error at one point: sample, prune, train, measure, average.

Seed ``i`` of a run with base ``seed`` at dimension ``n`` draws its data from
``numpy.random.default_rng([seed, n, i])``: bit-reproducible, independent across (n, i), and the
same whatever the backend or the number of worker processes.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from simulations.convex_student import fit_convex
from simulations.data import pool_sizes
from simulations.measure import order_parameters
from simulations.probes import parse_probe, sample_with_probe
from simulations.student import fit_max_margin, fit_max_margin_batch
from simulations.threads import blas_limit, default_workers
from theory.model import Params
from theory.point import route_for, solve_point
from theory.progress import progress
from theory.records import Record

BACKENDS = ("numba", "jax")


@dataclass(frozen=True)
class SimResult(Record):
    """Monte Carlo result at one point and one dimension n.

    eps_mean, eps_sem : mean test error (against the clean teacher) over seeds and its standard error.
    margin_mean : mean margin kappa of the unit student (convex learners: its smallest training margin, negative
        when a training example is misclassified).
    learner, labels : as in ``theory.Params``. seconds : wall time of the run.
    probe : ``fixed``, ``alpha:A`` or ``self`` (:mod:`simulations.probes`).
    alpha_prune_realised : mean kept count / N (differs from alpha_prune for soft rules and by rounding).
    probe_angle_realised : mean angle of the probe to the teacher (trained probes), degrees.
    eps, margin : [seeds] per-seed values (not in the record).
    """

    alpha_prune: float
    alpha_total: float
    keep_fraction: float
    keep: str
    probe_angle_deg: float
    n: int
    seeds: int
    eps_mean: float
    eps_sem: float
    margin_mean: float
    seconds: float
    probe: str = "fixed"
    alpha_prune_realised: float = math.nan
    probe_angle_realised: float = math.nan
    eps: tuple = ()
    margin: tuple = ()
    learner: str = "max-margin"
    labels: str = "clean"
    data: object = "isotropic"  # the data model of theory.Params (not a record column)

    RECORD_FIELDS = (
        "alpha_prune", "alpha_total", "keep_fraction", "keep", "probe_angle_deg", "learner", "labels", "n", "seeds",
        "eps_mean", "eps_sem", "margin_mean", "seconds", "probe", "alpha_prune_realised", "probe_angle_realised")


class SeedValue(NamedTuple):
    """What one seed measures: the student's test error and margin, the kept count, the probe's angle."""

    eps: float
    margin: float
    kept: int
    probe_angle: float



def check_point(params: Params, backend: str = "numba") -> str:
    """The theory's route for ``params`` (:func:`theory.point.route_for`: the same refusal, with the same one-line
    ``ValueError``, as the theory) checked against the backend; returns the route's name, which picks the fitter
    (:data:`FITTERS`)."""
    route = route_for(params).name
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend not in ROUTE_BACKENDS[route]:
        raise ValueError(f"backend {backend} is the max-margin student's batched interior point; the learner "
                         f"{params.learner} is fitted by simulations.convex_student (backend numba)")
    return route


def check_learner(params: Params) -> None:
    """The former check (kept for callers): :func:`check_point` with the default backend."""
    check_point(params)


ROUTE_BACKENDS = {"max-margin": BACKENDS, "hard-margin": BACKENDS, "convex": ("numba",)}  # route -> its backends
ROUTE_BACKENDS["structured"] = ("numba",)  # a Gaussian covariate case (simulations.structured)


SOLVER_METHOD = {"numba": "active-set", "jax": "interior-point"}  # backend -> fit_max_margin method


def warm_start_for(params: Params) -> str:
    """The active set's start for the problems of ``params``: the least-squares cascade on hard-pruned data
    with P >= 2N (1.1-1.3x faster at alpha_prune = 2, 1.3-2x at 4..10, N = 200..800), the empty set
    elsewhere (the cascade costs 0.7-0.9x on unpruned data and on small P). Speed only: the solution is
    the same (``benchmarks/maxmargin_speed.py --section solver``)."""
    hard_pruned = params.rule.kind == "hard" and params.keep_fraction < 1 and params.alpha_prune >= 2
    return "least-squares" if hard_pruned else "none"


def run_chunk(unit) -> list[SeedValue]:
    """The :class:`SeedValue` of each seed of one work unit ``(params, n, seed, indices, backend, probe)``.

    One path for every backend: sample each seed (with its probe, :func:`simulations.probes.sample_with_probe`),
    fit all of them with :func:`fit_max_margin_batch` (the JAX interior point solves the chunk as one batch),
    measure eps from each student's direction. BLAS runs one thread per fit inside (:mod:`simulations.threads`:
    the limit is entered once per unit and lifted on return; ``BEYOND_SCALING_BLAS_THREADS`` changes it).
    """
    with blas_limit():
        return _run_chunk(unit)


def _run_chunk(unit) -> list[SeedValue]:
    params, n, seed, indices, backend, probe = unit
    if not params.is_isotropic:  # a Gaussian covariate case: its own sampler and error (simulations.structured)
        from simulations.structured import run_structured_chunk

        return run_structured_chunk(unit)
    drawn = [sample_with_probe(params, n, [seed, n, i], probe) for i in indices]
    if params.learner.route == "convex":  # one certified fit per seed (simulations.convex_student)
        fits = [fit_convex(d.Z, params.learner) for d, _ in drawn]
        return [SeedValue(order_parameters(fit.direction, d.teacher, d.probe).eps, fit.margin, d.Z.shape[0], angle)
                for fit, (d, angle) in zip(fits, drawn)]
    zs = [d.Z for d, _ in drawn]
    method = SOLVER_METHOD[backend]
    stack = method == "interior-point" and len({z.shape for z in zs}) == 1
    method = method if stack or method != "interior-point" else "active-set"
    options = {"warm_start": warm_start_for(params)} if method == "active-set" else {}
    if method == "active-set" and probe == "fixed":  # rows tiny along the probe: the exponential regime's rescue
        fits = [fit_max_margin(d.Z, tiny_direction=d.probe, **options) for d, _ in drawn]
    else:
        fits = fit_max_margin_batch(np.stack(zs) if stack else zs, method=method, **options)
    return [SeedValue(order_parameters(fit.direction, d.teacher, d.probe).eps, fit.margin, d.Z.shape[0], angle_deg)
            for fit, (d, angle_deg) in zip(fits, drawn)]


def work_units(params: Params, n: int, seeds: int, seed: int, backend: str, chunk: int,
               probe: str = "fixed") -> list[tuple]:
    """Split the seeds of a point into work units of ``chunk`` consecutive seed indices."""
    return [(params, int(n), int(seed), list(range(i, min(i + chunk, seeds))), backend, probe)
            for i in range(0, int(seeds), chunk)]


def summarize(params: Params, n: int, values: Sequence[SeedValue], seconds: float, probe: str = "fixed"
              ) -> SimResult:
    """SimResult from per-seed values in seed order (one code path for every runner)."""
    values = [SeedValue(*v) for v in values]
    eps = np.array([v.eps for v in values])
    margin = np.array([v.margin for v in values])
    if not (np.all(np.isfinite(eps)) and np.all(np.isfinite(margin))):
        raise RuntimeError("non-finite test error or margin in a simulation")
    sem = float(eps.std(ddof=1) / math.sqrt(eps.size)) if eps.size > 1 else math.inf
    return SimResult(
        alpha_prune=params.alpha_prune, alpha_total=params.alpha_total, keep_fraction=params.keep_fraction,
        keep=str(params.keep), probe_angle_deg=params.probe_angle_deg, n=int(n), seeds=int(eps.size),
        eps_mean=float(eps.mean()), eps_sem=sem, margin_mean=float(margin.mean()),
        seconds=float(seconds), probe=probe, alpha_prune_realised=float(np.mean([v.kept for v in values])) / n,
        probe_angle_realised=float(np.mean([v.probe_angle for v in values])),
        eps=tuple(eps.tolist()), margin=tuple(margin.tolist()), learner=str(params.learner), labels=str(params.labels),
        data=params.data,
    )


def simulate(
    params: Params,
    n: int = 200,
    seeds: int = 20,
    *,
    seed: int = 0,
    backend: str = "numba",
    workers: int | None = 1,
    show_progress: bool = False,
    probe: str = "fixed",
    on_seed_done: Callable[[int], None] | None = None,
) -> SimResult:
    """Average the student's test error over ``seeds`` independent data sets (the learner and the label
    channel of ``params``: the max-margin student by default, a convex one by :mod:`simulations.convex_student`).

    Parameters
    ----------
    params : the point; n : input dimension N >= 2; seeds : number of data sets (>= 2 for an error bar).
    seed : base seed; backend : "numba" (exact active set) or "jax" (batched interior point).
    workers : processes running seed chunks in parallel (chunks of 4 seeds with the numba backend); None: the
        cores this process may use (:func:`simulations.threads.default_workers`; 1 inside a worker process, so
        that pools in pools do not multiply). Each fit runs one BLAS thread (:mod:`simulations.threads`).
    probe : ``fixed`` (the exact angle of params), ``alpha:A`` or ``self`` (:mod:`simulations.probes`).
    on_seed_done : called with the number of seeds just finished: with one worker (numba backend) ``1`` after each
        seed, so that a progress bar (``bar.update``) moves every fit; with several workers, or the JAX backend's
        batch, once per finished chunk. The results do not depend on it (seed i draws from rng([seed, n, i])).
    """
    if not isinstance(params, Params):
        raise ValueError(f"params must be a theory.Params, got {type(params).__name__}")
    check_point(params, backend)
    if isinstance(seeds, bool) or int(seeds) != seeds or seeds < 1:
        raise ValueError(f"seeds must be an integer >= 1, got {seeds!r}")
    if workers is None:
        workers = default_workers()
    if isinstance(workers, bool) or int(workers) != workers or workers < 1:
        raise ValueError(f"workers must be an integer >= 1 or None, got {workers!r}")
    pool_sizes(n, params.alpha_prune, params.keep_fraction)  # validates n
    probe = parse_probe(probe)
    if not params.is_isotropic:  # n a multiple of the case's N, the fixed probe
        from simulations.structured import check_structured

        check_structured(params, n, probe)
    start = time.perf_counter()
    chunks = work_units(params, n, int(seeds), seed, backend, 4 if backend == "numba" else max(1, int(seeds)),
                        probe)
    parallel = workers > 1 and len(chunks) > 1
    if on_seed_done is not None and not parallel and backend == "numba":  # one seed a unit, so that the caller
        chunks = work_units(params, n, int(seeds), seed, backend, 1, probe)  # sees every fit (same values)
    values: list[SeedValue] = []
    bar = None
    if show_progress:
        bar = progress(None, total=int(seeds), desc=f"n={n} seeds")
    if parallel:
        # forkserver, not fork: the calling process may have started JAX threads (fork would copy their locks)
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=min(int(workers), len(chunks)), mp_context=context) as pool:
            for out in pool.map(run_chunk, chunks):
                values += out
                if bar is not None:
                    bar.update(len(out))
                if on_seed_done is not None:
                    on_seed_done(len(out))
    else:
        for c in chunks:
            out = run_chunk(c)
            values += out
            if bar is not None:
                bar.update(len(out))
            if on_seed_done is not None:
                on_seed_done(len(out))
    if bar is not None:
        bar.close()
    return summarize(params, n, values, time.perf_counter() - start, probe)


def theory_at_realised_probe(result: SimResult) -> float:
    """The replica theory's eps at the point of ``result``, with the probe at its (mean) realised angle
    (for a fixed probe: the point's own angle); NaN if the solver reports failure or has no theory for the point
    (a label-aware rule with the max-margin student)."""
    params = Params(result.alpha_prune, result.keep_fraction, result.keep, result.probe_angle_realised,
                    result.learner, result.labels, result.data)
    try:
        res = solve_point(params)
    except ValueError:
        return math.nan
    return res.eps if res.success else math.nan


def extrapolate(results: Sequence[SimResult]) -> tuple[float, float]:
    """Finite-size extrapolation eps_N = eps_inf + c / N by weighted least squares.

    Weights 1 / sem^2. Returns (eps_inf, its standard error from the fit covariance). Needs at least
    two distinct N.
    """
    ns = np.array([r.n for r in results], dtype=float)
    if np.unique(ns).size < 2:
        raise ValueError("extrapolation needs at least two distinct n")
    y = np.array([r.eps_mean for r in results])
    sem = np.array([r.eps_sem for r in results])
    weights = 1.0 / np.maximum(sem, 1e-300) ** 2
    A = np.column_stack([np.ones_like(ns), 1.0 / ns])
    cov = np.linalg.inv(A.T @ (weights[:, None] * A))
    coef = cov @ A.T @ (weights * y)
    return float(coef[0]), float(math.sqrt(cov[0, 0]))


def extrapolation_chi2(results: Sequence[SimResult]) -> tuple[float, int, float]:
    """(chi^2, degrees of freedom, p-value) of the weighted fit eps_N = eps_inf + c / N (:func:`extrapolate`);
    p-value NaN with fewer than three N."""
    from scipy import stats

    ns = np.array([r.n for r in results], dtype=float)
    y = np.array([r.eps_mean for r in results])
    sem = np.array([r.eps_sem for r in results])
    weights = 1.0 / np.maximum(sem, 1e-300) ** 2
    A = np.column_stack([np.ones_like(ns), 1.0 / ns])
    coef = np.linalg.solve(A.T @ (weights[:, None] * A), A.T @ (weights * y))
    chi2 = float(np.sum(weights * (y - A @ coef) ** 2))
    dof = len(results) - 2
    return chi2, dof, float(stats.chi2.sf(chi2, dof)) if dof > 0 else math.nan


def finite_size_warning(params: Params, results: Sequence[SimResult]) -> str | None:
    """One line when the simulated and the theoretical errors are not comparable as printed: near the critical
    budget alpha_prune = 2 of keep-hard data from a (nearly) perfect probe at small f, where eps_N approaches
    eps_inf only at very large N (measured: N = 200, f = 0.01: 0.180 +- 0.101 against 0.035), or when the
    1/N extrapolation fits badly (chi^2 p-value < 0.01). None otherwise."""
    near_capacity = (params.rule.is_hard() and params.probe_angle_deg < 5.0 and params.keep_fraction <= 0.05
                     and abs(params.alpha_prune - 2.0) < 0.5)
    if near_capacity:
        return ("warning: near the critical budget alpha_prune = 2 the finite-size effects of keep-hard data are "
                "large (eps_N - eps_inf >> the error bar at these N); compare eps_inf over several --n, not eps_mean "
                "with eps_theory")
    distinct = len({r.n for r in results})
    if distinct >= 3:
        chi2, dof, p = extrapolation_chi2(results)
        if p < 0.01:
            return (f"warning: eps_N = eps_inf + c/N fits badly (chi^2 = {chi2:.1f} for {dof} dof, p = {p:.1e}): "
                    f"finite-size effects beyond 1/N, eps_inf is not reliable; use larger --n")
    return None


SCALING_NS = (100, 200, 400, 800, 1600)


@dataclass(frozen=True)
class ScalingStudy:
    """One point simulated at several N: the per-N results and eps_inf +- eps_inf_err from
    eps_N = eps_inf + c / N."""

    results: tuple
    eps_inf: float
    eps_inf_err: float

    def record(self) -> list[dict]:
        """One tidy record per N, each carrying the extrapolation."""
        return [{**r.record(), "eps_inf": self.eps_inf, "eps_inf_err": self.eps_inf_err} for r in self.results]


def scaling_study(params: Params, seeds: int = 20, ns: Sequence[int] = SCALING_NS, *, seed: int = 0,
                  backend: str = "numba", workers: int | None = 1) -> ScalingStudy:
    """Finite-size study of one point: simulate at every N in ``ns`` and extrapolate eps_N = eps_inf + c/N."""
    results = tuple(simulate(params, n, seeds, seed=seed, backend=backend, workers=workers, show_progress=True)
                    for n in ns)
    eps_inf, err = extrapolate(results)
    return ScalingStudy(results, eps_inf, err)
