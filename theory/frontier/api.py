"""The frontier's public API: the best achievable error at a data budget (:func:`frontier_point`).

eps*(alpha_prune, theta; f_floor) = min over the rules and f in [f_floor, 1] of eps, with the minimiser, by the
search of :mod:`theory.frontier.search`; a convex learner named without its ridge has its ridge optimised too.
:func:`f_min` is the floor of a noisy probe's optimal keep fraction over budgets.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import optimize

from theory.frontier.search import (
    FAMILIES,
    N_SCAN,
    Setting,
    converged_point,
    kept_scale_squared,
    minimize,
    scan,
    validate_keeps,
)
from theory.learners import CONVEX_KINDS
from theory.model import KEEP_POLICIES, Params, validate_alpha, validate_keep_fraction, validate_probe_angle_deg
from theory.point import PointResult, route_for, route_name, solve_point
from theory.records import Record

DEFAULT_MIN_KEEP_FRACTION = 1e-3
N_NAMED = 3  # unconverged scan points named in a record (then how many more)
Progress = Callable[[str], None]  # progress(message): called before each theory point of a search (a command's bar)


def _budget(alpha: float, progress: Progress | None, what: str = ""):
    """alpha_prune(f) = alpha for the search over f; with ``progress``, each point searched is reported first."""
    if progress is None:
        return lambda f: alpha

    def alpha_of_f(f: float) -> float:
        progress(f"alpha_prune={alpha:g}{what}: f={f:.3g}")
        return alpha

    return alpha_of_f


@dataclass(frozen=True)
class FrontierPoint(Record):
    """The best pruning at one budget.

    eps_frontier : min over policy and f in [f_floor, 1] of eps. f_opt, keep_opt : the minimiser.
    at_floor : True when f_opt is the lower bound f_floor (the optimum is on the bound).
    eps_random : eps without pruning (f = 1) at the same alpha_prune.
    n_unconverged : scan points (of 2 N_SCAN) where the saddle point did not converge and that were
        left out of the minimum (see ``_scan``); 0 in the regimes the tests cover.
    ridge_scaled, ridge_at_cap : for a ridge-optimised learner, the best ridge in the kept data's scale
        (:func:`_best_ridge`; 0 is the ridgeless limit) and whether it sits on an end of the scanned range.
    n_undefined : scan points where the student does not exist (the max-margin student beyond the separability line
        of noisy kept data; a rule outside its domain at that f): skipped, counted apart from n_unconverged; in the
        record for noisy labels.
    unconverged : the unconverged scan points, each named with its reason (in the record as ``unconverged`` when
        there are any: the first ``N_NAMED``, then how many more); refinement_stopped : where a refinement over f
        stopped at a point without a converged student (near an existence edge: the record's ``refinement_stopped``
        when there are any).
    """

    alpha_prune: float
    probe_angle_deg: float
    eps_frontier: float
    f_opt: float
    keep_opt: str
    at_floor: bool
    eps_random: float
    min_keep_fraction: float
    n_unconverged: int = 0
    learner: str = "max-margin"
    labels: str = "clean"
    ridge_scaled: float | None = None
    ridge_at_cap: bool = False
    n_undefined: int = 0
    unconverged: tuple[str, ...] = ()
    refinement_stopped: tuple[str, ...] = ()

    RECORD_FIELDS = ("alpha_prune", "probe_angle_deg", "learner", "labels", "eps_frontier", "f_opt", "keep_opt",
                     "at_floor", "eps_random", "min_keep_fraction", "n_unconverged")

    def record(self) -> dict:
        """The tidy record; a point whose ridge was optimised adds ``ridge_opt`` (raw, at f_opt), ``ridge_scaled``
        (lambda / E_kept[z^2]) and ``ridge_at_cap``."""
        out = super().record()
        if self.ridge_scaled is not None:
            out["ridge_opt"] = float(self.learner.partition(":")[2])
            out["ridge_scaled"] = self.ridge_scaled
            out["ridge_at_cap"] = self.ridge_at_cap
        if self.labels != "clean":  # noisy labels: scan points where the student does not exist, in their column
            out["n_undefined"] = self.n_undefined
        for name in ("unconverged", "refinement_stopped"):
            named = getattr(self, name)
            if named:
                more = len(named) - N_NAMED
                out[name] = "; ".join(named[:N_NAMED]) + (f"; and {more} more" if more > 0 else "")
        return out


def check_routes(alpha_prune, probe_angle_deg: float, keeps: Sequence[str], learner: str, labels: str,
                 keep_fraction=0.5, existence: bool = True, data="isotropic") -> None:
    """Refuse, before any work, a rule or label channel the learner cannot take (:func:`theory.point.route_for`:
    the same one-line ``ValueError`` as ``theory.solve``), naming every refused rule of ``keeps``, at every
    ``alpha_prune`` and ``keep_fraction`` given (numbers or lists); a ridge family (``"logistic"``) is checked with a
    ridge of 1, a rule family (``"band"``) is a window rule. ``existence`` False skips the refusal of the max-margin
    student beyond the separability line (a search over f, where points that do not exist are skipped)."""
    spec = f"{learner}:1" if learner in CONVEX_KINDS else learner
    alphas = alpha_prune if isinstance(alpha_prune, (list, tuple)) else [alpha_prune]
    fractions = keep_fraction if isinstance(keep_fraction, (list, tuple)) else [keep_fraction]
    refusals = []
    for keep in keeps:
        if keep in FAMILIES:
            continue
        for a in alphas:
            for f in fractions:
                params = Params(a, f, keep, probe_angle_deg, spec, labels, data)
                if not existence and route_name(params) == "hard-margin":
                    continue
                try:
                    route_for(params)
                except ValueError as exc:
                    if str(exc) not in refusals:
                        refusals.append(str(exc))
                    break
            else:
                continue
            break
    if refusals:
        raise ValueError("; ".join(refusals))


def check_existence(alpha_prunes: Sequence[float], probe_angle_deg: float, min_keep_fraction: float,
                    keeps: Sequence[str], learner: str, labels: str) -> None:
    """Refuse, before any search, a budget at which no point of the frontier's scan has a student: the max-margin
    learner on noisy labels exists only below the separability line of its kept data (:mod:`theory.separability`),
    so a budget at or beyond the largest line over the scan's f (``N_SCAN`` log-spaced in [min_keep_fraction, 1])
    and rules of ``keeps`` is refused with one ``ValueError`` naming that line and where it is. Nothing to check for
    another learner, clean labels, or a rule family (its parameter moves the line)."""
    from theory.separability import max_margin_help, separability_threshold

    labels = str(Params(1.0, labels=labels).labels)
    if learner != "max-margin" or labels == "clean" or any(k in FAMILIES for k in keeps):
        return
    best = (-math.inf, "", 1.0)
    for keep in keeps:
        for f in np.exp(np.linspace(math.log(min_keep_fraction), 0.0, N_SCAN)):
            try:
                line = separability_threshold(Params(1.0, float(f), keep, probe_angle_deg, labels=labels)).alpha_sep
            except ValueError:  # the rule does not reach this f
                continue
            if line > best[0]:
                best = (line, keep, float(f))
    refused = [a for a in alpha_prunes if a >= best[0]]
    if refused:
        line, keep, f = best
        raise ValueError(f"the max-margin student with labels {labels} does not exist at alpha_prune = "
                         f"{', '.join(f'{a:g}' for a in refused)} for any f in [{min_keep_fraction:g}, 1] "
                         f"(keep {' '.join(keeps)}, theta = {probe_angle_deg:g}): the kept data are separable only for "
                         f"alpha_prune < {line:.6g} (keep {keep}, f = {f:.4g}; theory.separability); "
                         f"{max_margin_help()}")


def frontier_point(
    alpha_prune: float, probe_angle_deg: float = 0.0, min_keep_fraction: float = DEFAULT_MIN_KEEP_FRACTION,
    keeps: Sequence[str] = KEEP_POLICIES, learner: str = "max-margin", labels: str = "clean", data="isotropic",
    progress: Progress | None = None,
) -> FrontierPoint:
    """eps*(alpha_prune, theta) = min over the rules of ``keeps`` and f in [min_keep_fraction, 1] of eps.

    ``keeps`` holds rules (``"hard"``, ``"mix:0.5"``, ...) and rule families (``"band"``, ``"mix"``,
    ``"soft"``), whose parameter is optimised too; ``keep_opt`` is the optimal rule with its parameter.
    ``learner`` and ``labels`` as in :class:`theory.model.Params`; a convex learner named without its ridge
    (``"logistic"``, ``"hinge"``, ``"square"``) has its ridge optimised too (:func:`_best_ridge`), and
    ``learner`` of the result is the optimal one, e.g. ``logistic:0.0123``. ``data``: the data model of
    :class:`theory.model.Params` (a Gaussian covariate case: every point on the structured route).
    ``progress(message)``, if given, is called before every theory point the search solves (each point of the scans
    over f, of Brent's refinements, of each ridge tried): a long search reports every few milliseconds to seconds.
    """
    alpha = validate_alpha(alpha_prune)
    angle_deg = validate_probe_angle_deg(probe_angle_deg)
    f_floor = validate_keep_fraction(min_keep_fraction)
    keeps = validate_keeps(keeps)
    check_routes(alpha, angle_deg, keeps, learner, labels, existence=False, data=data)
    if learner in CONVEX_KINDS:
        Params(1.0, labels=labels)  # validate the channel before the search
        return _best_ridge(alpha, angle_deg, f_floor, keeps, learner, labels, data, progress)
    check_existence([alpha], angle_deg, f_floor, keeps, learner, labels)
    setting = Setting(angle_deg, str(Params(1.0, learner=learner).learner), str(Params(1.0, labels=labels).labels),
                      data)
    try:
        eps_random = converged_point(alpha, 1.0, "hard", setting).eps
    except ValueError:  # the unpruned max-margin student does not exist (noisy labels beyond f = 1's line): the
        if f_floor == 1.0:  # pruned one may (keep hard at small f is separable further)
            raise
        eps_random = math.nan
    if f_floor == 1.0:
        return FrontierPoint(alpha, angle_deg, eps_random, 1.0, "hard", True, eps_random, f_floor, 0,
                             setting.learner, setting.labels)
    best = minimize(_budget(alpha, progress), setting, f_floor, keeps)
    return FrontierPoint(alpha, angle_deg, best.eps, best.f_opt, best.keep_opt, best.at_floor, eps_random, f_floor,
                         best.n_unconverged, setting.learner, setting.labels, n_undefined=best.n_undefined,
                         unconverged=best.unconverged, refinement_stopped=best.refinement_stopped)


RIDGE_RANGE = (1e-6, 1e2)  # the scaled ridges lambda / E_kept[z^2] the frontier scans (log), besides lambda = 0
N_RIDGE_SCAN = 9


def _best_ridge(alpha: float, angle_deg: float, f_floor: float, keeps: Sequence[str], kind: str, labels: str,
                data="isotropic", progress: Progress | None = None) -> FrontierPoint:
    """min over the ridge lambda in [0, inf) of the frontier point of kind:lambda. The ridge is searched in the kept
    data's own scale, s = lambda / E_kept[z^2] (:meth:`theory.frontier.search.Setting.ridge`: E_kept[z^2] ~ f^2 pi/6
    for keep hard, so a ridge that matters at f matters at every small f, and the best s hardly moves with f), by
    alternating two searches: the frontier over f and rules at s = 0 (the ridgeless limit, solved as its own
    problem: :func:`theory.convex.ridgeless_problem`); the best s at its optimum (:func:`_ridge_search`); the frontier
    at that s; again the best s at its optimum, until the optimum's rule and f stop moving (at most ``RIDGE_ROUNDS``);
    the same alternation again from the unpruned point's best s where that is finite, and the better of the two.
    The result's ``learner`` carries the raw ridge at f_opt, ``ridge_scaled`` s, ``ridge_at_cap`` whether s sits on
    an end of the scanned range (the answer may lie beyond it; s = 0 is an answer, not a cap). ``eps_random`` is the
    best ridge's at f = 1."""
    lo, hi = (math.log(x) for x in RIDGE_RANGE)
    labels = str(Params(1.0, labels=labels).labels)
    points: dict = {}

    def at(log_s: float | None) -> FrontierPoint:
        if log_s not in points:
            s = 0.0 if log_s is None else math.exp(log_s)
            setting = Setting(angle_deg, kind, labels, data, ridge_scaled=s)
            try:
                points[log_s] = _frontier_in(alpha, setting, f_floor, keeps, progress)
            except (RuntimeError, ValueError) as exc:  # nothing converged at this ridge, or nothing exists (square:0
                n = N_SCAN * len(keeps)  # at alpha_prune = 1): not a candidate, counted in its column
                failed = isinstance(exc, RuntimeError)
                points[log_s] = FrontierPoint(alpha, angle_deg, math.inf, f_floor, "hard", False, math.nan, f_floor,
                                              n if failed else 0, f"{kind}:{s:.6g}", labels,
                                              n_undefined=0 if failed else n, unconverged=(str(exc),) if failed else ())
        return points[log_s]

    def alternate(log_s: float | None) -> tuple[FrontierPoint, float | None]:
        best, best_log_s = at(log_s), log_s
        if not math.isfinite(best.eps_frontier) and log_s is None:  # the ridgeless limit did not converge anywhere:
            best_log_s = 0.5 * (lo + hi)  # start from a middle ridge
            best = at(best_log_s)
        for _ in range(RIDGE_ROUNDS):
            if not math.isfinite(best.eps_frontier):
                break
            log_s, _ = _ridge_search(Params(alpha, best.f_opt, best.keep_opt, angle_deg, f"{kind}:1", labels, data))
            if log_s == best_log_s:
                break
            candidate = at(log_s)
            if candidate.eps_frontier >= best.eps_frontier:
                break
            moved = (candidate.f_opt, candidate.keep_opt) != (best.f_opt, best.keep_opt)
            best, best_log_s = candidate, log_s
            if not moved:
                break
        return best, best_log_s

    # the unpruned point's best ridge: eps_random, and a second start of the alternation where it is finite (from
    # s = 0 alone the search can stay in the corner f = f_floor, s = 0 while a finite ridge at a larger f is better:
    # square on power:1.5,2,1e4, alpha_prune = 10, theta = 10 deg: 0.0139 against 0.0079)
    unpruned = None if f_floor == 1.0 else _ridge_search(
        Params(alpha, 1.0, "hard", angle_deg, f"{kind}:1", labels, data))
    best, best_log_s = alternate(None)
    if (unpruned is not None and unpruned[0] is not None and unpruned[0] not in points
            and _coarse_scan(alpha, Setting(angle_deg, kind, labels, data, ridge_scaled=math.exp(unpruned[0])),
                             f_floor, keeps) < best.eps_frontier):
        second = alternate(unpruned[0])
        if second[0].eps_frontier < best.eps_frontier:
            best, best_log_s = second
    if not math.isfinite(best.eps_frontier):
        raise RuntimeError(f"no ridge of {kind} converged anywhere on the scan at alpha_prune={alpha}, "
                           f"probe_angle_deg={angle_deg}, labels={labels}")
    eps_random = best.eps_frontier if unpruned is None else unpruned[1].eps
    scaled = 0.0 if best_log_s is None else math.exp(best_log_s)
    at_cap = bool(best_log_s is not None and min(abs(best_log_s - lo), abs(best_log_s - hi)) < 0.1)
    return replace(best, eps_random=eps_random, ridge_scaled=scaled, ridge_at_cap=at_cap,
                   n_unconverged=sum(p.n_unconverged for p in points.values()),
                   n_undefined=sum(p.n_undefined for p in points.values()),
                   unconverged=tuple(u for p in points.values() for u in p.unconverged),
                   refinement_stopped=tuple(u for p in points.values() for u in p.refinement_stopped))


RIDGE_ROUNDS = 3  # alternations of the frontier over f and the ridge search at its optimum
N_COARSE = 8  # points a rule of the coarse scan that decides whether the second start is worth a full search


def _coarse_scan(alpha: float, setting: Setting, f_floor: float, keeps: Sequence[str]) -> float:
    """The lowest eps of a coarse scan over f (``N_COARSE`` log-spaced points a rule from 1 to ``f_floor``, warm-
    started, no refinement) of the plain rules of ``keeps`` (a family counts as -inf: always worth the search)."""
    if any(k in FAMILIES for k in keeps):
        return -math.inf
    log_f = np.linspace(math.log(f_floor), 0.0, N_COARSE)
    values = [scan(lambda f: alpha, keep, setting, log_f)[0] for keep in keeps]
    finite = [v[np.isfinite(v)] for v in values]
    return min((float(v.min()) for v in finite if v.size), default=math.inf)


def _ridge_search(params: Params) -> tuple[float | None, PointResult]:
    """(ln s* or None for s = 0, the theory there): the scaled ridge s = lambda / E_kept[z^2] in [0, inf) minimising
    eps at ``params`` (a convex learner; its ridge is ignored): a scan of ``N_RIDGE_SCAN`` values of ln s over
    ``RIDGE_RANGE`` from the strongest ridge down, then s = 0, refined by bounded Brent (xatol 0.05); every point
    after the first is warm-started from the converged point nearest in ln s (the strongly regularised end is the
    easy one to start cold). ``ValueError`` if no ridge converges."""
    kind = str(params.learner).partition(":")[0]
    gamma2 = kept_scale_squared(params.keep_fraction, str(params.keep), params.probe_angle_deg, str(params.labels))
    cache: dict = {}

    def nearest(log_s: float | None) -> PointResult | None:
        solved = [k for k, v in cache.items() if k is not None and v is not None]
        if not solved:
            return None
        return cache[min(solved, key=lambda k: k if log_s is None else abs(k - log_s))]  # s = 0: the weakest

    def at(log_s: float | None) -> PointResult | None:
        if log_s not in cache:
            lam = 0.0 if log_s is None else float(f"{math.exp(log_s) * gamma2:.6g}")
            try:
                res = solve_point(replace(params, learner=f"{kind}:{lam:.6g}"), x0=nearest(log_s))
            except ValueError:
                res = None
            cache[log_s] = res if res is not None and res.success else None
        return cache[log_s]

    def eps(log_s: float | None) -> float:
        res = at(log_s)
        return res.eps if res is not None else math.inf

    lo, hi = (math.log(x) for x in RIDGE_RANGE)
    grid = np.linspace(lo, hi, N_RIDGE_SCAN)
    values = [eps(float(x)) for x in grid[::-1]][::-1]
    i = int(np.argmin(values))
    # s = 0 is the left neighbour of the scan: a minimum at the scan's weakest ridge that s = 0 undercuts lies at 0
    if math.isfinite(values[i]) and not (i == 0 and eps(None) <= values[0]):
        a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
        with np.errstate(invalid="ignore"):  # +inf where a ridge did not converge
            optimize.minimize_scalar(eps, bounds=(a, b), method="bounded", options={"xatol": 0.05})
    eps(None)
    best = min(cache, key=eps)
    if cache[best] is None:
        raise ValueError(f"no ridge of {kind} converged at {params}")
    return best, cache[best]


def best_ridge_at(params: Params) -> tuple[float, PointResult]:
    """(lambda*, the theory there): the ridge in [0, inf) that minimises eps at ``params`` (a convex learner; its
    ridge is ignored), searched in s = lambda / E_kept[z^2] (:func:`_ridge_search`). ``ValueError`` if no ridge
    converges."""
    _, res = _ridge_search(params)
    return float(res.params.learner.lam), res


def _frontier_in(alpha: float, setting: Setting, f_floor: float, keeps: Sequence[str],
                 progress: Progress | None = None) -> FrontierPoint:
    """The frontier point of a scaled-ridge ``setting``: the learner at f_opt with its raw ridge."""
    what = f", {setting.learner} ridge s={setting.ridge_scaled:.3g}"
    if f_floor == 1.0:
        _budget(alpha, progress, what)(1.0)
        res = converged_point(alpha, 1.0, "hard", setting)
        return FrontierPoint(alpha, setting.probe_angle_deg, res.eps, 1.0, "hard", True, res.eps, f_floor, 0,
                             str(res.params.learner), setting.labels)
    best = minimize(_budget(alpha, progress, what), setting, f_floor, keeps)
    learner = f"{setting.learner}:{setting.ridge(best.f_opt, best.keep_opt):.6g}"
    return FrontierPoint(alpha, setting.probe_angle_deg, best.eps, best.f_opt, best.keep_opt, best.at_floor,
                         math.nan, f_floor, best.n_unconverged, learner, setting.labels, n_undefined=best.n_undefined,
                         unconverged=best.unconverged, refinement_stopped=best.refinement_stopped)


def frontier(alpha_prunes: Sequence[float], probe_angle_deg: float = 0.0,
             min_keep_fraction: float = DEFAULT_MIN_KEEP_FRACTION) -> list[FrontierPoint]:
    """:func:`frontier_point` for each alpha_prune."""
    return [frontier_point(a, probe_angle_deg, min_keep_fraction) for a in alpha_prunes]


@dataclass(frozen=True)
class KeepFractionFloor(Record):
    """The smallest optimal keep fraction of a noisy probe on a grid of budgets.

    f_min : the smallest f_opt on the grid; alpha_at_min : where it occurs; saturated : whether it is
    interior to the grid (False: f_opt was still falling at the largest alpha_prune, f_min is an upper
    bound); alpha_prunes, f_opt : the grid and f_opt on it.
    """

    probe_angle_deg: float
    f_min: float
    alpha_at_min: float
    saturated: bool
    alpha_prunes: tuple
    f_opt: tuple

    RECORD_FIELDS = ("probe_angle_deg", "f_min", "alpha_at_min", "saturated")


def f_min(probe_angle_deg: float, alpha_prunes: Sequence[float] = tuple(np.geomspace(4, 200, 12)),
          min_keep_fraction: float = 1e-6, progress: Progress | None = None) -> KeepFractionFloor:
    """Floor f_min(theta) of the noisy-probe optimal keep fraction over alpha_prune (see
    :class:`KeepFractionFloor`); ``progress`` as in :func:`frontier_point`, for every budget in turn."""
    angle_deg = validate_probe_angle_deg(probe_angle_deg)
    if angle_deg == 0.0:
        raise ValueError("f_min is defined for a noisy probe, probe_angle_deg > 0")
    points = [frontier_point(a, angle_deg, min_keep_fraction, keeps=("hard",), progress=progress)
              for a in alpha_prunes]
    f_opts = np.array([p.f_opt for p in points])
    i = int(np.argmin(f_opts))
    return KeepFractionFloor(angle_deg, float(f_opts[i]), float(alpha_prunes[i]), i < len(points) - 1,
                             tuple(float(a) for a in alpha_prunes), tuple(f_opts.tolist()))
