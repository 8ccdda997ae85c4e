"""The Pareto frontier of pruning: the best achievable error at a data budget, and what it implies.

* :func:`frontier_point` — eps*(alpha_prune, theta; f_floor) = min over keep in {hard, easy} and
  f in [f_floor, 1] of eps, with the minimiser. The search over log f is a scan (``N_SCAN`` points a
  policy, warm-started along f) followed by bounded Brent (``scipy.optimize.minimize_scalar``,
  ``xatol`` = 1e-6 in log f) in the bracket around the best scanned point of *each* local minimum, so
  that several minima across the two policies are all refined. An optimum on the bound f_floor is
  flagged ``at_floor`` and never reported as interior.
* the pool view (:func:`theory.pool.best_for_pool`, ``pool_error``, ``lossless_budget``, ``plateau``,
  ``easy_hard_crossover``) lives in :mod:`theory.pool` and uses the same search over f.
* :func:`information_per_example` — I = -d ln sin(pi eps) / d alpha_prune (central differences).
* :func:`fit_scaling`, :func:`local_exponent` — exponential vs power-law fits of eps(alpha_prune).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import optimize

from theory.learners import CONVEX_KINDS
from theory.model import KEEP_POLICIES, Params, validate_alpha, validate_keep_fraction, validate_probe_angle_deg
from theory.point import PointResult, route_for, solve_point
from theory.records import Record

N_SCAN = 24
DEFAULT_MIN_KEEP_FRACTION = 1e-3


@dataclass(frozen=True)
class Setting:
    """What the frontier holds fixed while it searches rules and f: the probe angle, the learner and the label
    channel (see :class:`theory.model.Params`). A learner given without its ridge (``"logistic"``) is a family
    whose ridge :func:`frontier_point` optimises."""

    probe_angle_deg: float
    learner: str = "max-margin"
    labels: str = "clean"

    def params(self, alpha_prune: float, f: float, keep: str) -> Params:
        return Params(alpha_prune, f, keep, self.probe_angle_deg, self.learner, self.labels)

    def __str__(self) -> str:
        return f"probe_angle_deg={self.probe_angle_deg}, learner={self.learner}, labels={self.labels}"


@dataclass(frozen=True)
class FrontierPoint(Record):
    """The best pruning at one budget.

    eps_frontier : min over policy and f in [f_floor, 1] of eps. f_opt, keep_opt : the minimiser.
    at_floor : True when f_opt is the lower bound f_floor (the optimum is on the bound).
    eps_random : eps without pruning (f = 1) at the same alpha_prune.
    n_unconverged : scan points (of 2 N_SCAN) where the saddle point did not converge and that were
        left out of the minimum (see ``_scan``); 0 in the regimes the tests cover.
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

    RECORD_FIELDS = ("alpha_prune", "probe_angle_deg", "learner", "labels", "eps_frontier", "f_opt", "keep_opt",
                     "at_floor", "eps_random", "min_keep_fraction", "n_unconverged")



def _eps(alpha_prune: float, f: float, keep: str, setting: Setting | float, x0=None) -> PointResult:
    setting = _setting(setting)
    res = solve_point(setting.params(alpha_prune, f, keep), x0=x0)
    if not res.success:
        raise RuntimeError(f"saddle point did not converge at alpha_prune={alpha_prune}, f={f}, keep={keep}, "
                           f"{setting}: {res.message} (residual {res.residual:.2g})")
    return res


def _setting(setting: Setting | float) -> Setting:
    return setting if isinstance(setting, Setting) else Setting(float(setting))


KeepSpec = str | Callable[[float], str]  # a rule, or a rule that depends on f (band:S = s (1 - f))


def _rule_at(keep: KeepSpec, f: float) -> str:
    return keep(f) if callable(keep) else keep


def _eps_or_inf(alpha_prune: float, f: float, keep: KeepSpec, setting: Setting, x0=None) -> float:
    try:
        res = solve_point(setting.params(alpha_prune, f, _rule_at(keep, f)), x0=x0)
    except ValueError:  # outside what the rule allows at this f (soft:T with c beyond doubles; an agree rule's f
        return math.inf  # above the agreeing fraction)
    return res.eps if res.success else math.inf


def _scan(alpha_of_f: Callable[[float], float], keep: KeepSpec, setting: Setting, log_f: np.ndarray
          ) -> tuple[np.ndarray, list]:
    """eps and solver states on the log f grid (from f = 1 down, warm-started).

    A point where the saddle point does not converge is +inf (excluded from the minimum, counted by
    the caller). Known case: easy windows of a huge pool at theta > 0, where the student approaches the
    probe (chi -> 0, the edge of the parametrisation) and eps -> theta / pi.
    """
    eps = np.full(log_f.size, np.inf)
    states: list = [None] * log_f.size
    x0 = None
    for i in range(log_f.size - 1, -1, -1):
        f = math.exp(log_f[i])
        try:
            res = solve_point(setting.params(alpha_of_f(f), f, _rule_at(keep, f)), x0=x0)
        except ValueError:  # outside the rule's domain at this f: not a candidate (NaN, not counted)
            eps[i] = math.nan
            continue
        if res.success:
            eps[i], x0 = res.eps, res.q
            states[i] = res.q
    return eps, states


def _minimize_over_f(alpha_of_f: Callable[[float], float], setting: Setting, f_floor: float,
                     keeps: Sequence[KeepSpec]) -> tuple[float, float, str, bool, int]:
    """min over keep and f in [f_floor, 1] of eps(alpha_of_f(f), f): (eps, f_opt, keep_opt, at_floor, n_unconverged).

    Scan of log f (``N_SCAN`` points a policy) and bounded Brent around every local minimum (module doc).
    """
    lo = math.log(f_floor)
    log_f = np.linspace(lo, 0.0, N_SCAN)
    best = (math.inf, 1.0, "hard")
    n_unconverged = 0
    for keep in keeps:
        eps, states = _scan(alpha_of_f, keep, setting, log_f)
        n_unconverged += int(np.sum(np.isinf(eps)))
        for i in range(log_f.size):
            if not np.isfinite(eps[i]):
                continue
            if not ((i == 0 or eps[i] <= eps[i - 1]) and (i == log_f.size - 1 or eps[i] <= eps[i + 1])):
                continue
            a, b = log_f[max(i - 1, 0)], log_f[min(i + 1, log_f.size - 1)]
            with np.errstate(invalid="ignore"):  # inf at unconverged points
                res = optimize.minimize_scalar(
                    lambda x, k=keep, q=states[i]: _eps_or_inf(alpha_of_f(math.exp(x)), math.exp(x), k, setting, q),
                    bounds=(a, b), method="bounded", options={"xatol": 1e-6},
                )
            for e, x in ((float(res.fun), float(res.x)), (float(eps[i]), float(log_f[i]))):
                if e < best[0]:
                    best = (e, math.exp(x), keep)
    eps_best, f_opt, keep_opt = best
    keep_opt = _rule_at(keep_opt, f_opt)
    # an optimum within Brent's tolerance of the floor is the floor: evaluate there exactly
    at_floor = math.log(f_opt) - lo < 1e-4
    if at_floor:
        f_opt = f_floor
        eps_best = min(eps_best, _eps_or_inf(alpha_of_f(f_floor), f_floor, keep_opt, setting))
    if not math.isfinite(eps_best):
        raise RuntimeError(f"no converged point on the scan over f at {setting}")
    return eps_best, f_opt, keep_opt, at_floor, n_unconverged


FAMILIES = {  # the rule families whose parameter the frontier optimises: x in [lo, hi] -> rule at f
    "band": ((0.0, 1.0), lambda x, f: f"band:{x * (1.0 - f):.12g}"),  # S = x (1 - f)
    "mix": ((0.0, 1.0), lambda x, f: f"mix:{x:.12g}"),
    "soft": ((math.log(0.02), math.log(5.0)), lambda x, f: f"soft:{math.exp(x):.12g}"),  # T = e^x
}
N_FAMILY_SCAN = 6


def _best_of_family(family: str, alpha_of_f: Callable[[float], float], setting: Setting, f_floor: float
                    ) -> tuple[float, float, str, bool, int]:
    """min over the family parameter x (a scan of ``N_FAMILY_SCAN`` values, then bounded Brent with xatol
    1e-3 around the best) of the min over f: (eps, f_opt, rule_opt, at_floor, n_unconverged)."""
    (lo, hi), make = FAMILIES[family]
    results: dict[float, tuple] = {}

    def inner(x: float) -> float:
        if x not in results:
            try:
                results[x] = _minimize_over_f(alpha_of_f, setting, f_floor, [lambda f, x=x: make(x, f)])
            except RuntimeError:  # nothing converged for this parameter
                results[x] = (math.inf, 1.0, make(x, 1.0), False, N_SCAN)
        return results[x][0]

    grid = np.linspace(lo, hi, N_FAMILY_SCAN)
    values = [inner(float(x)) for x in grid]
    i = int(np.argmin(values))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    optimize.minimize_scalar(inner, bounds=(a, b), method="bounded", options={"xatol": 1e-3})
    best = min(results.values(), key=lambda r: r[0])
    return best[0], best[1], best[2], best[3], sum(r[4] for r in results.values())


def _minimize(alpha_of_f: Callable[[float], float], setting: Setting, f_floor: float, keeps: Sequence[str]):
    """min over the rules of ``keeps`` (and the parameter of the families among them) and f."""
    plain = [k for k in keeps if k not in FAMILIES]
    candidates = [_minimize_over_f(alpha_of_f, setting, f_floor, plain)] if plain else []
    candidates += [_best_of_family(k, alpha_of_f, setting, f_floor) for k in keeps if k in FAMILIES]
    best = min(candidates, key=lambda c: c[0])
    return (*best[:4], sum(c[4] for c in candidates))


def validate_keeps(keeps: Sequence[str]) -> list[str]:
    """Rule strings (validated) and family names (band, mix, soft: their parameter is optimised)."""
    from theory.rules import Rule

    return [k if k in FAMILIES else str(Rule.parse(k)) for k in keeps]


def check_routes(alpha_prune: float, probe_angle_deg: float, keeps: Sequence[str], learner: str, labels: str
                 ) -> None:
    """Refuse, before any search, a rule or label channel the learner cannot take (:func:`theory.point.route_for`:
    the same one-line ``ValueError`` as ``theory.solve``); a ridge family (``"logistic"``) is checked with a ridge
    of 1, a rule family (``"band"``) is a window rule."""
    spec = f"{learner}:1" if learner in CONVEX_KINDS else learner
    for keep in keeps:
        if keep not in FAMILIES:
            route_for(Params(alpha_prune, 0.5, keep, probe_angle_deg, spec, labels))


def frontier_point(
    alpha_prune: float, probe_angle_deg: float = 0.0, min_keep_fraction: float = DEFAULT_MIN_KEEP_FRACTION,
    keeps: Sequence[str] = KEEP_POLICIES, learner: str = "max-margin", labels: str = "clean",
) -> FrontierPoint:
    """eps*(alpha_prune, theta) = min over the rules of ``keeps`` and f in [min_keep_fraction, 1] of eps.

    ``keeps`` holds rules (``"hard"``, ``"mix:0.5"``, ...) and rule families (``"band"``, ``"mix"``,
    ``"soft"``), whose parameter is optimised too; ``keep_opt`` is the optimal rule with its parameter.
    ``learner`` and ``labels`` as in :class:`theory.model.Params`; a convex learner named without its ridge
    (``"logistic"``, ``"hinge"``, ``"square"``) has its ridge optimised too (:func:`_best_ridge`), and
    ``learner`` of the result is the optimal one, e.g. ``logistic:0.0123``.
    """
    alpha = validate_alpha(alpha_prune)
    angle_deg = validate_probe_angle_deg(probe_angle_deg)
    f_floor = validate_keep_fraction(min_keep_fraction)
    keeps = validate_keeps(keeps)
    check_routes(alpha, angle_deg, keeps, learner, labels)
    if learner in CONVEX_KINDS:
        Params(1.0, labels=labels)  # validate the channel before the search
        return _best_ridge(alpha, angle_deg, f_floor, keeps, learner, labels)
    setting = Setting(angle_deg, str(Params(1.0, learner=learner).learner), str(Params(1.0, labels=labels).labels))
    eps_random = _eps(alpha, 1.0, "hard", setting).eps
    if f_floor == 1.0:
        return FrontierPoint(alpha, angle_deg, eps_random, 1.0, "hard", True, eps_random, f_floor, 0,
                             setting.learner, setting.labels)
    eps_best, f_opt, keep_opt, at_floor, n_unconverged = _minimize(lambda f: alpha, setting, f_floor, keeps)
    return FrontierPoint(alpha, angle_deg, eps_best, f_opt, keep_opt, at_floor, eps_random, f_floor, n_unconverged,
                         setting.learner, setting.labels)


RIDGE_RANGE = (1e-4, 10.0)  # the ridges the frontier searches when asked to optimise lambda
N_RIDGE_SCAN = 6


def _best_ridge(alpha: float, angle_deg: float, f_floor: float, keeps: Sequence[str], kind: str, labels: str
                ) -> FrontierPoint:
    """min over lambda in ``RIDGE_RANGE`` of the frontier point of kind:lambda: a scan of ``N_RIDGE_SCAN``
    values of ln lambda, then bounded Brent (xatol 0.05 in ln lambda) around the best. The unpruned
    error ``eps_random`` is that of the optimal ridge at f = 1 (also optimised)."""
    lo, hi = (math.log(x) for x in RIDGE_RANGE)
    points: dict[float, FrontierPoint] = {}

    def at(log_lam: float, floor: float) -> FrontierPoint:
        key = (log_lam, floor)
        if key not in points:
            points[key] = frontier_point(alpha, angle_deg, floor, keeps, f"{kind}:{math.exp(log_lam):.6g}", labels)
        return points[key]

    def best(floor: float) -> FrontierPoint:
        grid = np.linspace(lo, hi, N_RIDGE_SCAN)
        values = [at(float(x), floor).eps_frontier for x in grid]
        i = int(np.argmin(values))
        a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
        optimize.minimize_scalar(lambda x: at(float(x), floor).eps_frontier, bounds=(a, b), method="bounded",
                                 options={"xatol": 0.05})
        return min((p for (x, fl), p in points.items() if fl == floor), key=lambda p: p.eps_frontier)

    pruned = best(f_floor)
    unpruned = best(1.0) if f_floor < 1.0 else pruned
    return replace(pruned, eps_random=unpruned.eps_frontier,
                   n_unconverged=sum(p.n_unconverged for p in points.values()))


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
          min_keep_fraction: float = 1e-6) -> KeepFractionFloor:
    """Floor f_min(theta) of the noisy-probe optimal keep fraction over alpha_prune (see
    :class:`KeepFractionFloor`)."""
    angle_deg = validate_probe_angle_deg(probe_angle_deg)
    if angle_deg == 0.0:
        raise ValueError("f_min is defined for a noisy probe, probe_angle_deg > 0")
    points = [frontier_point(a, angle_deg, min_keep_fraction, keeps=("hard",)) for a in alpha_prunes]
    f_opts = np.array([p.f_opt for p in points])
    i = int(np.argmin(f_opts))
    return KeepFractionFloor(angle_deg, float(f_opts[i]), float(alpha_prunes[i]), i < len(points) - 1,
                             tuple(float(a) for a in alpha_prunes), tuple(f_opts.tolist()))


def information_per_example(eps_of_alpha: Callable[[float], float], alpha_prune: float,
                            rel_step: float = 1e-3) -> float:
    """I = -d ln sin(pi eps) / d alpha_prune by a central difference with step rel_step * alpha_prune."""
    h = rel_step * alpha_prune

    def log_sin(a: float) -> float:
        return math.log(math.sin(math.pi * eps_of_alpha(a)))

    return -(log_sin(alpha_prune + h) - log_sin(alpha_prune - h)) / (2 * h)


def local_exponent(alphas: Sequence[float], eps: Sequence[float]) -> np.ndarray:
    """d ln eps / d ln alpha_prune on the given points (second-order finite differences)."""
    return np.gradient(np.log(np.asarray(eps)), np.log(np.asarray(alphas)))


@dataclass(frozen=True)
class ScalingFit(Record):
    """Least-squares lines of ln eps: exponential ln eps = a - rate alpha, power law ln eps = b - exponent
    ln alpha; r2_* the coefficient of determination of each line, ``better`` the one with the larger."""

    rate: float
    r2_exponential: float
    exponent: float
    r2_power: float
    better: str



def fit_scaling(alphas: Sequence[float], eps: Sequence[float]) -> ScalingFit:
    """Exponential vs power-law fits of eps(alpha_prune) (see :class:`ScalingFit`)."""
    a = np.asarray(alphas, dtype=float)
    y = np.log(np.asarray(eps, dtype=float))

    def line(x):
        A = np.column_stack([np.ones_like(x), x])
        coef, *_ = np.linalg.lstsq(A, y, rcond=None)
        resid = y - A @ coef
        r2 = 1.0 - resid @ resid / max(((y - y.mean()) ** 2).sum(), 1e-300)
        return coef[1], r2

    slope_e, r2_e = line(a)
    slope_p, r2_p = line(np.log(a))
    return ScalingFit(float(-slope_e), float(r2_e), float(-slope_p), float(r2_p),
                      "exponential" if r2_e > r2_p else "power")


def build_parser():
    from pruning_cli import ArgumentParser

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
    p.add_format()
    return p


def _main(argv) -> int:
    from pruning_cli import expand_keeps, format_records, progress
    from theory.probe import resolve_probe_angle

    args = build_parser().parse_args(argv)
    for a in args.alpha_prune:
        validate_alpha(a, "--alpha-prune")
    for angle_deg in args.probe_angle:
        validate_probe_angle_deg(angle_deg, "--theta")
    angles_deg = args.probe_angle
    if args.probe_alpha is not None:
        angles_deg = [resolve_probe_angle(t, args.probe_alpha) for t in angles_deg]
    validate_keep_fraction(args.min_keep_fraction, "--min-keep-fraction")
    keeps = validate_keeps(expand_keeps(args.keep))
    # one row per group: the fixed rules together (e.g. hard easy), then each family (its parameter optimised)
    plain = [k for k in keeps if k not in FAMILIES]
    groups = ([plain] if plain else []) + [[k] for k in keeps if k in FAMILIES]
    points = [(a, angle_deg, g) for angle_deg in angles_deg for a in args.alpha_prune for g in groups]
    bar = progress(points, total=len(points), desc="frontier")
    records = []
    for a, angle_deg, group in bar:
        rec = frontier_point(a, angle_deg, args.min_keep_fraction, group, args.learner, args.labels).record()
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
    from pruning_cli import run_cli

    return run_cli(_main, argv, "python -m theory.frontier")


if __name__ == "__main__":
    raise SystemExit(main())
