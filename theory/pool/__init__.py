r"""The pool view: "I have alpha_tot N examples and a probe at theta — which do I keep, how many, and what error
do I get?" (``docs/theory.md`` section 6).

Every function takes the pool first, in one order: ``(alpha_total, ..., probe_angle_deg, ...)``.

* :func:`pool_error` — eps when the pool is pruned to a fraction f by a rule (alpha_prune = f alpha_total).
* :func:`best_for_pool` — the rule and f in [min_keep_fraction, 1] with the lowest error (the search of
  :mod:`theory.frontier`: a scan of log f and bounded Brent around every local minimum).
* :func:`plateau` — the whole range of f whose error is within ``rel_tol`` of the best, not one arbitrary point
  of it: keep-hard curves of a perfect probe are flat (lossless) from f = 1 down to the lossless budget, and
  the optimiser may stop anywhere on such a plateau. Edges by brentq (xtol 1e-10 in ln f) between the scan
  points that bracket them.
* :func:`lossless_budget` — the smallest alpha_prune whose error is within ``rel_tol`` of the whole pool's.
* :func:`easy_hard_crossover` — at a fixed f, the pool size where keeping hard examples overtakes easy ones.
* :func:`pool_report` — all of the above for one pool, as one record; ``python -m theory.pool`` (the command
  line, :mod:`theory.pool.__main__`; the library never imports it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from theory.frontier import DEFAULT_MIN_KEEP_FRACTION, Setting, converged_point, minimize_over_f, validate_keeps
from theory.model import (
    ALPHA_RANGE,
    KEEP_POLICIES,
    Params,
    validate_alpha,
    validate_keep_fraction,
    validate_probe_angle_deg,
    validate_theory_keep_fraction,
)
from theory.records import Record

DEFAULT_PLATEAU_TOL = 0.01
N_PLATEAU_SCAN = 41
Progress = Callable[[str], None]  # progress(message): called before each theory point (a command's progress bar)


def _report(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


@dataclass(frozen=True)
class PoolChoice(Record):
    """The best pruning of a given pool alpha_total: eps at f_opt and keep_opt, alpha_prune = f_opt alpha_total;
    at_floor when f_opt is the lower bound min_keep_fraction."""

    alpha_total: float
    probe_angle_deg: float
    eps: float
    f_opt: float
    keep_opt: str
    at_floor: bool
    alpha_prune: float


def pool_error(alpha_total: float, keep_fraction: float, keep: str = "hard", probe_angle_deg: float = 0.0,
               learner: str = "max-margin", labels: str = "clean") -> float:
    """eps when a pool of alpha_total is pruned by ``keep`` to the fraction f (alpha_prune = f alpha_total)."""
    total = validate_alpha(alpha_total, "alpha_total")
    f = validate_keep_fraction(keep_fraction)
    return converged_point(f * total, f, keep, Setting(probe_angle_deg, learner, labels)).eps


def best_for_pool(alpha_total: float, probe_angle_deg: float = 0.0,
                  min_keep_fraction: float = DEFAULT_MIN_KEEP_FRACTION, keeps: Sequence[str] = KEEP_POLICIES,
                  learner: str = "max-margin", labels: str = "clean", data="isotropic",
                  progress: Progress | None = None) -> PoolChoice:
    """For a pool alpha_total: the rule of ``keeps`` and f in [min_keep_fraction, 1] with the lowest error;
    ``progress(message)`` before every theory point of the search."""
    total = validate_alpha(alpha_total, "alpha_total")
    angle_deg = validate_probe_angle_deg(probe_angle_deg)
    f_floor = validate_keep_fraction(min_keep_fraction)
    check_pool_floor(total, f_floor)
    setting = _setting(angle_deg, learner, labels, data)
    def alpha_of_f(f: float) -> float:
        _report(progress, f"alpha_total={total:g}, best f: f={f:.3g}")
        return f * total

    best = minimize_over_f(alpha_of_f, setting, f_floor, validate_keeps(keeps))
    return PoolChoice(total, angle_deg, best.eps, best.f_opt, best.keep_opt, best.at_floor, best.f_opt * total)


def _setting(angle_deg: float, learner: str, labels: str, data="isotropic") -> Setting:
    p = Params(1.0, learner=learner, labels=labels)  # validates both
    return Setting(angle_deg, str(p.learner), str(p.labels), data)  # strings: they are written into the records


def check_pool_floor(alpha_total: float, min_keep_fraction: float) -> float:
    """The smallest f searched, refused (``ValueError`` naming min_keep_fraction) outside the theory's range of f
    or when the smallest budget min_keep_fraction alpha_total falls below the solver's alpha_prune range."""
    f_floor = validate_theory_keep_fraction(min_keep_fraction, "min_keep_fraction")
    if f_floor * alpha_total < ALPHA_RANGE[0]:
        raise ValueError(f"min_keep_fraction {min_keep_fraction!r} with alpha_total {alpha_total!r} gives a budget "
                         f"alpha_prune = {f_floor * alpha_total:.3g} below the solver's {ALPHA_RANGE[0]:g}: take "
                         f"min_keep_fraction >= {ALPHA_RANGE[0] / alpha_total:.3g}")
    return f_floor


def plateau(alpha_total: float, keep: str, f_best: float, eps_best: float, probe_angle_deg: float = 0.0,
            min_keep_fraction: float = DEFAULT_MIN_KEEP_FRACTION, rel_tol: float = DEFAULT_PLATEAU_TOL,
            learner: str = "max-margin", labels: str = "clean", data="isotropic",
            progress: Progress | None = None) -> tuple[float, float]:
    """(f_lo, f_hi): the range of f in [min_keep_fraction, 1] around the best point (f_best, eps_best, e.g. from
    :func:`best_for_pool`) where eps(f) <= (1 + rel_tol) eps_best for the rule ``keep``: a scan of
    ``N_PLATEAU_SCAN`` points in log f with f_best among them, edges refined by brentq; ``progress(message)``
    before every theory point."""
    total = validate_alpha(alpha_total, "alpha_total")
    if not rel_tol >= 0.0:
        raise ValueError(f"rel_tol must be >= 0, got {rel_tol!r}")
    setting = _setting(validate_probe_angle_deg(probe_angle_deg), learner, labels, data)
    target = (1.0 + rel_tol) * eps_best

    def excess(log_f: float) -> float:
        f = math.exp(log_f)
        _report(progress, f"alpha_total={total:g}, plateau: f={f:.3g}")
        return converged_point(f * total, f, keep, setting).eps - target

    f_best = validate_keep_fraction(f_best, "f_best")
    grid = np.union1d(np.linspace(math.log(validate_keep_fraction(min_keep_fraction)), 0.0, N_PLATEAU_SCAN),
                      [math.log(f_best)])
    values = np.array([excess(x) for x in grid])
    lo_i = hi_i = int(np.flatnonzero(grid == math.log(f_best))[0])
    if values[lo_i] > 1e-9 * eps_best:  # f_best itself must be on the plateau (up to the solver tolerance)
        raise ValueError(f"eps at f_best = {f_best:g} is above (1 + rel_tol) eps_best: not the best point")
    while lo_i > 0 and values[lo_i - 1] <= 0.0:
        lo_i -= 1
    while hi_i < grid.size - 1 and values[hi_i + 1] <= 0.0:
        hi_i += 1
    lo = grid[lo_i] if lo_i == 0 else optimize.brentq(excess, grid[lo_i - 1], grid[lo_i], xtol=1e-10)
    hi = grid[hi_i] if hi_i == grid.size - 1 else optimize.brentq(excess, grid[hi_i], grid[hi_i + 1], xtol=1e-10)
    return math.exp(lo), math.exp(hi)


def lossless_budget(alpha_total: float, probe_angle_deg: float = 0.0, keep: str = "hard",
                    rel_tol: float = 0.01) -> float:
    """Smallest budget alpha_prune whose error is within a factor (1 + rel_tol) of using the whole pool.

    Root of eps(alpha_prune; pool) / eps(alpha_total; f = 1) - 1 - rel_tol by brentq (xtol 1e-10) on a
    bracket found by halving alpha_prune from alpha_total. Raises ``ValueError`` if every budget down to
    1e-3 alpha_total is within tolerance (no bracket).
    """
    total = validate_alpha(alpha_total, "alpha_total")
    target = (1.0 + rel_tol) * converged_point(total, 1.0, keep, probe_angle_deg).eps

    def excess(a: float) -> float:
        return pool_error(total, a / total, keep, probe_angle_deg) / target - 1.0

    hi = total
    lo = total / 2
    while excess(lo) <= 0.0:
        hi, lo = lo, lo / 2
        if lo < 1e-3 * total:
            raise ValueError("every budget down to 1e-3 alpha_total is lossless; no bracket")
    return optimize.brentq(excess, lo, hi, xtol=1e-10, rtol=1e-10)


def easy_hard_crossover(keep_fraction: float, probe_angle_deg: float = 0.0,
                        alpha_total_range: tuple[float, float] = (0.05, 200.0), learner: str = "max-margin",
                        labels: str = "clean", n_scan: int = 40) -> float:
    """Pool size alpha_total at which keeping hard examples overtakes keeping easy ones, at fixed f (for the
    ``learner`` and label channel ``labels``, as in :class:`theory.model.Params`).

    Root of eps_hard - eps_easy (both at alpha_prune = f alpha_total) by brentq (xtol 1e-10) on the first
    sign change of a geometric scan of ``alpha_total_range`` (``n_scan`` points). Raises ``ValueError`` if there
    is none.
    """
    f = validate_keep_fraction(keep_fraction)
    setting = Setting(probe_angle_deg, learner, labels)

    def gap(alpha_total: float) -> float:
        a = f * alpha_total
        return converged_point(a, f, "hard", setting).eps - converged_point(a, f, "easy", setting).eps

    grid = np.geomspace(*alpha_total_range, n_scan)
    values = [gap(a) for a in grid]
    for i in range(len(grid) - 1):
        if values[i] > 0.0 >= values[i + 1]:
            return optimize.brentq(gap, grid[i], grid[i + 1], xtol=1e-10, rtol=1e-10)
    raise ValueError(f"no easy-to-hard crossover for f={f} in alpha_total {alpha_total_range}")


@dataclass(frozen=True)
class PoolReport(Record):
    """Everything about pruning one pool (see the module docstring).

    keep_best, f_best, eps_best, alpha_prune_best : the best rule and fraction (f_best is one point of the plateau).
    f_plateau_lo, f_plateau_hi : every f in between is within plateau_tol of eps_best (for keep_best);
        alpha_prune_plateau_lo = f_plateau_lo alpha_total is the smallest budget that good.
    eps_unpruned : the whole pool (f = 1). hard_beats_easy_above_f : the f above which keeping hard beats easy
        in this pool (nan: one rule wins at every f in [min_keep_fraction, 1]; then ``winner`` says which).
    """

    alpha_total: float
    probe_angle_deg: float
    learner: str
    labels: str
    keep_best: str
    f_best: float
    eps_best: float
    alpha_prune_best: float
    f_plateau_lo: float
    f_plateau_hi: float
    alpha_prune_plateau_lo: float
    plateau_tol: float
    eps_unpruned: float
    hard_beats_easy_above_f: float
    winner: str
    at_floor: bool


def _hard_easy_crossing(total: float, setting: Setting, f_floor: float, progress: Progress | None = None
                        ) -> tuple[float, str]:
    """In one pool: the f where eps_hard = eps_easy (brentq in ln f on a 24-point scan), and who wins where."""
    def gap(log_f: float) -> float:
        f = math.exp(log_f)
        _report(progress, f"alpha_total={total:g}, hard vs easy: f={f:.3g}")
        return converged_point(f * total, f, "hard", setting).eps - converged_point(f * total, f, "easy", setting).eps

    grid = np.linspace(math.log(f_floor), math.log(0.999), 24)  # f = 1 is the same set for both
    values = np.array([gap(x) for x in grid])
    for i in range(grid.size - 1):
        if values[i] * values[i + 1] < 0.0:
            x = optimize.brentq(gap, grid[i], grid[i + 1], xtol=1e-10)
            return math.exp(x), "hard above, easy below" if values[i + 1] < 0 else "easy above, hard below"
    return math.nan, "hard" if np.all(values <= 0) else ("easy" if np.all(values >= 0) else "mixed")


def pool_report(alpha_total: float, probe_angle_deg: float = 0.0, keeps: Sequence[str] = KEEP_POLICIES,
                min_keep_fraction: float = DEFAULT_MIN_KEEP_FRACTION, plateau_tol: float = DEFAULT_PLATEAU_TOL,
                learner: str = "max-margin", labels: str = "clean", data="isotropic",
                progress: Progress | None = None) -> PoolReport:
    """The best rule and f for the pool, the plateau of near-best f, the unpruned error and the hard/easy
    crossing in f; ``data`` the data model of :class:`theory.model.Params` (a Gaussian covariate case).
    ``progress(message)``, if given, is called before every theory point solved (the search, the plateau's scan and
    edges, the crossing), so that a command's bar moves during the 1-15 s of one report."""
    total = validate_alpha(alpha_total, "alpha_total")
    angle_deg = validate_probe_angle_deg(probe_angle_deg)
    f_floor = check_pool_floor(total, min_keep_fraction)
    setting = _setting(angle_deg, learner, labels, data)
    best = best_for_pool(total, angle_deg, f_floor, keeps, setting.learner, setting.labels, data, progress)
    f_lo, f_hi = plateau(total, best.keep_opt, best.f_opt, best.eps, angle_deg, f_floor, plateau_tol,
                         setting.learner, setting.labels, data, progress)
    unpruned = converged_point(total, 1.0, "hard", setting).eps
    f_cross, winner = (_hard_easy_crossing(total, setting, f_floor, progress) if f_floor < 0.999
                       else (math.nan, "-"))
    return PoolReport(total, angle_deg, setting.learner, setting.labels, best.keep_opt, best.f_opt, best.eps,
                      best.alpha_prune, f_lo, f_hi, f_lo * total, plateau_tol, unpruned, f_cross, winner,
                      best.at_floor)
