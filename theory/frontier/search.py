"""The frontier's search engine: the minimum of eps over the keep fraction f (and over rules and rule families).

The search over log f is a scan (``N_SCAN`` points a rule, warm-started along f from f = 1 down) followed by bounded
Brent (``scipy.optimize.minimize_scalar``, ``xatol`` = 1e-6 in log f) in the bracket around the best scanned point
of *each* local minimum, so that several minima across the rules are all refined; a refinement that meets a point
without a converged student stops there with the best point it had (named in ``refinement_stopped``; the scan's
unconverged points are counted in ``n_unconverged`` and named in ``unconverged``). A minimum at an end of
the scan (the floor, or f = 1) whose error rises one step inwards (``BOUND_PROBE`` of the bracket) is that end,
without Brent (which would converge onto it in ~20 evaluations). An optimum on the bound f_floor is flagged
``at_floor`` and never reported as interior. A rule family (``band``, ``mix``, ``soft``) has its parameter optimised
too (:func:`best_of_family`). The result is an :class:`Optimum`.

Used by the frontier's API (:mod:`theory.frontier.api`: budget fixed, alpha_prune(f) = alpha) and by the pool
(:mod:`theory.pool`: pool fixed, alpha_prune(f) = f alpha_total).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import optimize

from theory.model import Params
from theory.point import PointResult, solve_point

N_SCAN = 24
BOUND_PROBE = 1e-3  # a minimum at an end of the scan is checked one step of this fraction of the bracket inwards


@dataclass(frozen=True)
class Setting:
    """What the frontier holds fixed while it searches rules and f: the probe angle, the learner, the label
    channel and the data model (see :class:`theory.model.Params`). A learner given without its ridge
    (``"logistic"``) is a family whose ridge :func:`theory.frontier.frontier_point` optimises."""

    probe_angle_deg: float
    learner: str = "max-margin"
    labels: str = "clean"
    data: Any = "isotropic"
    ridge_scaled: float | None = None  # with a loss name as learner: the ridge in units of the kept z's scale^2

    def params(self, alpha_prune: float, f: float, keep: str) -> Params:
        learner = self.learner if self.ridge_scaled is None else f"{self.learner}:{self.ridge(f, keep):.12g}"
        return Params(alpha_prune, f, keep, self.probe_angle_deg, learner, self.labels, self.data)

    def ridge(self, f: float, keep: str) -> float:
        """The raw ridge lambda = ``ridge_scaled`` x E_kept[z^2] of the rule ``keep`` at f (the scale on which a ridge
        matters: the kept inputs are ~ gamma along the probe, so lambda / gamma^2 makes small f cost nothing)."""
        return self.ridge_scaled * kept_scale_squared(f, keep, self.probe_angle_deg, self.labels)

    def __str__(self) -> str:
        ridge = "" if self.ridge_scaled is None else f" (scaled ridge {self.ridge_scaled:.6g})"
        return f"probe_angle_deg={self.probe_angle_deg}, learner={self.learner}{ridge}, labels={self.labels}"


@functools.lru_cache(maxsize=4096)
def kept_scale_squared(f: float, keep: str, probe_angle_deg: float, labels: str) -> float:
    """E_kept[z^2] of the rule ``keep`` at f (:attr:`theory.kept.KeptMeasure.z_scale` squared): 1 at f = 1, ~ f^2
    pi / 6 for keep hard at small f, ~ 2 ln(1/f) for keep easy."""
    from theory.kept import KeptMeasure

    return KeptMeasure(Params(1.0, f, keep, probe_angle_deg, labels=labels)).z_scale ** 2


@dataclass(frozen=True)
class Optimum:
    """The minimum found by the search.

    eps : the lowest error; f_opt, keep_opt : where (the rule with its parameter); at_floor : f_opt is the lower
    bound f_floor; n_unconverged : scan points where the theory did not converge (left out of the minimum);
    n_undefined : scan points where the point does not exist (the max-margin student beyond the separability
    line of noisy kept data, a rule outside its domain at that f): skipped, not failures; unconverged : each
    unconverged scan point named with its reason (``"keep hard, f = 0.0123: residual above tolerance (residual
    2.1e-08)"``); refinement_stopped : where a refinement over f met a point without a converged student and stopped
    (near an existence edge), each with its reason.
    """

    eps: float
    f_opt: float
    keep_opt: str
    at_floor: bool
    n_unconverged: int
    n_undefined: int = 0
    unconverged: tuple[str, ...] = ()
    refinement_stopped: tuple[str, ...] = ()


def as_setting(setting: Setting | float) -> Setting:
    """A :class:`Setting`; a bare number is a probe angle (max-margin, clean labels)."""
    return setting if isinstance(setting, Setting) else Setting(float(setting))


def converged_point(alpha_prune: float, f: float, keep: str, setting: Setting | float, x0=None) -> PointResult:
    """The theory at (alpha_prune, f, keep) in ``setting``; ``RuntimeError`` when it does not converge."""
    setting = as_setting(setting)
    res = solve_point(setting.params(alpha_prune, f, keep), x0=x0)
    if not res.success:
        raise RuntimeError(f"saddle point did not converge at alpha_prune={alpha_prune}, f={f}, keep={keep}, "
                           f"{setting}: {res.message} (residual {res.residual:.2g})")
    return res


KeepSpec = str | Callable[[float], str]  # a rule, or a rule that depends on f (band:S = s (1 - f))


def rule_at(keep: KeepSpec, f: float) -> str:
    """The rule ``keep`` at the keep fraction f (a fixed rule, or a rule that depends on f)."""
    return keep(f) if callable(keep) else keep


def _eps_or_inf(alpha_prune: float, f: float, keep: KeepSpec, setting: Setting, x0=None) -> float:
    try:
        res = solve_point(setting.params(alpha_prune, f, rule_at(keep, f)), x0=x0)
    except ValueError:  # outside what the rule allows at this f (soft:T with c beyond doubles; an agree rule's f
        return math.inf  # above the agreeing fraction)
    return res.eps if res.success else math.inf


def scan(alpha_of_f: Callable[[float], float], keep: KeepSpec, setting: Setting, log_f: np.ndarray
          ) -> tuple[np.ndarray, list, list[str]]:
    """eps and the converged results (warm starts for Brent) on the log f grid (from f = 1 down, each point
    warm-started from the last converged one), and each unconverged point named with its reason.

    A point where the saddle point does not converge is +inf (excluded from the minimum, counted by
    the caller). Known case: easy windows of a huge pool at theta > 0, where the student approaches the
    probe (chi -> 0, the edge of the parametrisation) and eps -> theta / pi.
    """
    eps = np.full(log_f.size, np.inf)
    states: list = [None] * log_f.size
    failures: list[str] = []
    x0 = None
    for i in range(log_f.size - 1, -1, -1):
        f = math.exp(log_f[i])
        try:
            res = solve_point(setting.params(alpha_of_f(f), f, rule_at(keep, f)), x0=x0)
        except ValueError:  # outside the rule's domain at this f: not a candidate (NaN, not counted)
            eps[i] = math.nan
            continue
        if res.success:
            eps[i], x0 = res.eps, res
            states[i] = res
        else:
            failures.append(f"keep {rule_at(keep, f)}, f = {f:.4g}: {res.message} (residual {res.residual:.2g})")
    return eps, states, failures


class _EdgeReached(Exception):
    """A refinement over f met a point without a converged student (near the edge of a domain, e.g. the separability
    line of the max-margin student, where its norm diverges and each failed solve costs seconds): Brent stops there."""

    def __init__(self, log_f: float, reason: str) -> None:
        super().__init__(log_f, reason)
        self.log_f, self.reason = log_f, reason


def minimize_over_f(alpha_of_f: Callable[[float], float], setting: Setting, f_floor: float,
                    keeps: Sequence[KeepSpec]) -> Optimum:
    """min over the rules ``keeps`` and f in [f_floor, 1] of eps(alpha_of_f(f), f) (module doc).

    ``RuntimeError`` when no point of the scan converged.
    """
    lo = math.log(f_floor)
    log_f = np.linspace(lo, 0.0, N_SCAN)
    best = (math.inf, 1.0, "hard")
    n_unconverged = 0
    n_undefined = 0
    floor_start = {}  # rule -> its converged result nearest the floor (the warm start of the floor's evaluation)
    unconverged: list[str] = []
    stopped: list[str] = []
    for keep in keeps:
        eps, states, failures = scan(alpha_of_f, keep, setting, log_f)
        unconverged += failures
        floor_start[keep] = next((state for state in states if state is not None), None)
        n_unconverged += int(np.sum(np.isinf(eps)))
        n_undefined += int(np.sum(np.isnan(eps)))
        around = np.where(np.isfinite(eps), eps, np.inf)  # a neighbour outside the domain (NaN) bounds nothing
        for i in range(log_f.size):
            if not np.isfinite(eps[i]):
                continue
            if not ((i == 0 or eps[i] <= around[i - 1]) and (i == log_f.size - 1 or eps[i] <= around[i + 1])):
                continue
            a, b = log_f[max(i - 1, 0)], log_f[min(i + 1, log_f.size - 1)]

            seen = [math.inf, math.nan]  # the best converged point of this refinement

            def eps_at(x: float, k=keep, q=states[i], seen=seen) -> float:
                f = math.exp(x)
                try:
                    res = solve_point(setting.params(alpha_of_f(f), f, rule_at(k, f)), x0=q)
                except ValueError:  # outside the domain (beyond a separability line, a rule's range): cheap, Brent
                    return math.inf  # moves away from it
                if not res.success:
                    raise _EdgeReached(x, f"{res.message} (residual {res.residual:.2g})")
                if res.eps < seen[0]:
                    seen[:] = [res.eps, x]
                return res.eps

            try:
                if i in (0, log_f.size - 1):  # a minimum on an end of the scan: does eps rise from that end?
                    inward = log_f[i] + BOUND_PROBE * (b - a) * (1 if i == 0 else -1)
                    if eps_at(inward) > eps[i]:  # yes: on [a, b] (unimodal, as Brent assumes) the end is the minimum
                        if eps[i] < best[0]:
                            best = (float(eps[i]), math.exp(float(log_f[i])), keep)
                        continue
                res = optimize.minimize_scalar(eps_at, bounds=(a, b), method="bounded", options={"xatol": 1e-6})
                refined = (float(res.fun), float(res.x))
            except _EdgeReached as edge:  # no student there (an existence edge): keep the best point so far
                stopped.append(f"keep {rule_at(keep, math.exp(edge.log_f))}, f = {math.exp(edge.log_f):.4g}: "
                               f"{edge.reason}")
                refined = (seen[0], seen[1])
            for e, x in (refined, (float(eps[i]), float(log_f[i]))):
                if e < best[0]:
                    best = (e, math.exp(x), keep)
    eps_best, f_opt, keep_opt = best
    start = floor_start.get(keep_opt)
    keep_opt = rule_at(keep_opt, f_opt)
    # an optimum within Brent's tolerance of the floor is the floor: evaluate there exactly
    at_floor = math.log(f_opt) - lo < 1e-4
    if at_floor:
        f_opt = f_floor
        eps_best = min(eps_best, _eps_or_inf(alpha_of_f(f_floor), f_floor, keep_opt, setting, start))
    if not math.isfinite(eps_best):
        if n_undefined == len(keeps) * log_f.size:  # no student anywhere: a refusal (one line), not a failure
            try:
                solve_point(setting.params(alpha_of_f(1.0), 1.0, rule_at(keeps[0], 1.0)))
            except ValueError as exc:
                raise ValueError(f"no point of the scan over f in [{f_floor:g}, 1] exists; at f = 1: {exc}") from None
        raise RuntimeError(f"no converged point on the scan over f at {setting}")
    return Optimum(eps_best, f_opt, keep_opt, at_floor, n_unconverged, n_undefined, tuple(unconverged), tuple(stopped))


FAMILIES = {  # the rule families whose parameter the frontier optimises: x in [lo, hi] -> rule at f
    "band": ((0.0, 1.0), lambda x, f: f"band:{x * (1.0 - f):.12g}"),  # S = x (1 - f)
    "mix": ((0.0, 1.0), lambda x, f: f"mix:{x:.12g}"),
    "soft": ((math.log(0.02), math.log(5.0)), lambda x, f: f"soft:{math.exp(x):.12g}"),  # T = e^x
}
N_FAMILY_SCAN = 6


def best_of_family(family: str, alpha_of_f: Callable[[float], float], setting: Setting, f_floor: float
                   ) -> Optimum:
    """min over the family parameter x (a scan of ``N_FAMILY_SCAN`` values, then bounded Brent with xatol
    1e-3 around the best) of the min over f; ``n_unconverged`` summed over every parameter tried."""
    (lo, hi), make = FAMILIES[family]
    results: dict[float, Optimum] = {}

    def inner(x: float) -> float:
        if x not in results:
            try:
                results[x] = minimize_over_f(alpha_of_f, setting, f_floor, [lambda f, x=x: make(x, f)])
            except RuntimeError as exc:  # nothing converged for this parameter
                results[x] = Optimum(math.inf, 1.0, make(x, 1.0), False, N_SCAN, unconverged=(str(exc),))
        return results[x].eps

    grid = np.linspace(lo, hi, N_FAMILY_SCAN)
    values = [inner(float(x)) for x in grid]
    i = int(np.argmin(values))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    optimize.minimize_scalar(inner, bounds=(a, b), method="bounded", options={"xatol": 1e-3})
    best = min(results.values(), key=lambda r: r.eps)
    return replace(best, n_unconverged=sum(r.n_unconverged for r in results.values()),
                   n_undefined=sum(r.n_undefined for r in results.values()),
                   unconverged=tuple(u for r in results.values() for u in r.unconverged),
                   refinement_stopped=tuple(u for r in results.values() for u in r.refinement_stopped))


def minimize(alpha_of_f: Callable[[float], float], setting: Setting, f_floor: float, keeps: Sequence[str]
             ) -> Optimum:
    """min over the rules of ``keeps`` (and the parameter of the families among them) and f."""
    plain = [k for k in keeps if k not in FAMILIES]
    candidates = [minimize_over_f(alpha_of_f, setting, f_floor, plain)] if plain else []
    candidates += [best_of_family(k, alpha_of_f, setting, f_floor) for k in keeps if k in FAMILIES]
    best = min(candidates, key=lambda c: c.eps)
    return replace(best, n_unconverged=sum(c.n_unconverged for c in candidates),
                   n_undefined=sum(c.n_undefined for c in candidates),
                   unconverged=tuple(u for c in candidates for u in c.unconverged),
                   refinement_stopped=tuple(u for c in candidates for u in c.refinement_stopped))


def validate_keeps(keeps: Sequence[str]) -> list[str]:
    """Rule strings (validated) and family names (band, mix, soft: their parameter is optimised)."""
    from theory.rules import Rule

    return [k if k in FAMILIES else str(Rule.parse(k)) for k in keeps]
