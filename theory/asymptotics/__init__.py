r"""Asymptotic laws of the test error at large budgets, derived and checked against the full solver.

**The unpruned constant** (analytic). For random data at large alpha the student is close to the teacher,
sigma = sin chi ~ pi eps -> 0 and kappa = k sigma. Substituting t = sigma s in F (only |t| ~ sigma
matters, where the teacher-field density is phi(0)) gives

.. math::  F = 2 \alpha \phi(0) \sigma^3 H(\kappa/\sigma) - \sigma^2, \qquad
           H(k) = \int_{-\infty}^{k} G(u)\, du = E[(k + \xi)_+^3] / 3,

and maximising kappa over sigma (F = dF/dsigma = 0) gives H(k*) = k* G(k*) with G(k) = E[(k + xi)_+^2],
and alpha eps -> c0 = 1 / (sqrt(2 pi) H(k*)) = 0.5004889317774 (k* = 0.638833): :func:`unpruned_constant`.

**The boundary-density law** (analytic, any window). Only examples within ~sigma of the teacher's
boundary t = 0 matter at large alpha, so a pruned set of alpha_prune N examples acts like an unpruned one
of alpha_prune B N examples, where B is the density of the kept examples' teacher field at t = 0 relative
to unpruned data (:func:`boundary_enrichment`). With t = cos(theta) z + sin(theta) w,

.. math::  B_{hard} = \mathrm{erf}\big(\gamma / (\sqrt2 \sin\theta)\big) / f, \qquad
           B_{easy} = \mathrm{erfc}\big(\gamma / (\sqrt2 \sin\theta)\big) / f,

(B = 1/f for a perfect probe and keep hard), and

.. math::  \varepsilon \to c_0 / (\alpha_{prune} B) \qquad (\alpha_{prune} \to \infty \text{ at fixed } f, \theta).

For theta = 0 this is lossless pruning (eps -> c0 f / alpha_prune = c0 / alpha_tot); for theta > 0 the
enrichment of hard pruning saturates at B -> 1 / sin(theta) as f -> 0 (the kept set collapses onto the
probe's null plane, where t = sin(theta) w): pruning buys at most a factor 1 / sin(theta), and the
frontier is a power law, eps* -> c0 sin(theta) / alpha_prune. The crossover between the two behaviours
of B is at f ~ sin(theta): a noisy probe prunes like a perfect one only while f >> sin(theta).

**Fitted laws** (numerical, :func:`frontier_law`): the frontier approaches its limit as
alpha eps* = C (1 + b alpha^(-2/3)) and the optimal keep fraction falls as f_opt = K sin(theta)
alpha^(-p), p = 1/3 — it has no floor. At alpha_prune = 2 (the capacity of random labels) with a
perfect probe, eps = A f^p with p = 1/3 (:func:`capacity_law`); below it hard pruning of a large pool
leaves the student at chance, 1/2 - eps ~ D(alpha) f (:func:`chance_law`). The noisy frontier departs
from perfect pruning of the same fraction (twice its error) at alpha_prune ~ 20 for every theta
(:func:`departure_budget`; the laws give (2K)^3 = 23.5).

``python -m theory.asymptotics`` prints every law with its constant, uncertainty and the largest alpha
at which it was checked against the full solver (the command line is :mod:`theory.asymptotics.__main__`; the
library never imports it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from theory.frontier import frontier_point
from theory.model import Params, validate_alpha, validate_keep, validate_keep_fraction, validate_probe_angle_deg
from theory.point import solve_point
from theory.records import Record

SQRT2PI = math.sqrt(2.0 * math.pi)
LAW_ALPHAS = tuple(np.geomspace(1e3, 1e6, 7))  # where the large-alpha laws are fitted and checked


def _shortfall_moment(order: int, k: float) -> float:
    """E[(k + xi)_+^order] for order 2 or 3 (xi standard normal), closed forms."""
    cdf, pdf = special.ndtr(k), math.exp(-0.5 * k * k) / SQRT2PI
    if order == 2:
        return (k * k + 1.0) * cdf + k * pdf
    return (k**3 + 3.0 * k) * cdf + (k * k + 2.0) * pdf


def unpruned_constant() -> tuple[float, float]:
    """(c0, k*): alpha eps -> c0 for random data; k* = kappa / sigma solves H(k) = k G(k) (brentq, 1e-15)."""
    k = optimize.brentq(lambda k: _shortfall_moment(3, k) / 3.0 - k * _shortfall_moment(2, k), 0.01, 10.0,
                        xtol=1e-15, rtol=1e-15)
    return 1.0 / (SQRT2PI * _shortfall_moment(3, k) / 3.0), k


def boundary_enrichment(keep_fraction: float, keep: str = "hard", probe_angle_deg: float = 0.0) -> float:
    """B: density of the kept set's teacher field at t = 0, relative to unpruned data (module doc)."""
    f = validate_keep_fraction(keep_fraction)
    keep = validate_keep(keep)
    theta = math.radians(validate_probe_angle_deg(probe_angle_deg))  # radians
    gamma = Params(1.0, f, keep, 0.0).gamma
    if theta == 0.0:
        return (1.0 / f) if keep == "hard" else (1.0 if f == 1.0 else 0.0)
    x = gamma / (math.sqrt(2.0) * math.sin(theta))
    return float(special.erf(x) if keep == "hard" else special.erfc(x)) / f


def large_alpha_error(alpha_prune: float, keep_fraction: float, keep: str = "hard",
                      probe_angle_deg: float = 0.0) -> float:
    """The boundary-density law eps ~ c0 / (alpha_prune B), the leading term as alpha_prune -> infinity."""
    alpha = validate_alpha(alpha_prune)
    b = boundary_enrichment(keep_fraction, keep, probe_angle_deg)
    if b == 0.0:
        raise ValueError("no kept example at the teacher's boundary (B = 0): the c0 / alpha law does not apply")
    return unpruned_constant()[0] / (alpha * b)


@dataclass(frozen=True)
class Law(Record):
    """One asymptotic law: its formula, the constant with its uncertainty, and how it was checked.

    uncertainty : for fitted constants the spread between fits on the lower and upper halves of the fit
    range (or the standard error, whichever is larger); for analytic ones the root-finding tolerance.
    checked_to : the largest alpha_prune (or smallest f) at which the law was compared with the solver;
    deviation : the relative difference law / solver - 1 there (for fitted exponents p: 3p - 1; for K:
    its relative change between the two largest alpha).
    """

    law: str
    formula: str
    constant: float
    uncertainty: float
    checked_to: float
    deviation: float


def _line_fit(x: np.ndarray, y: np.ndarray, which: int = 1) -> tuple[float, float, float]:
    """(intercept, slope, uncertainty of the intercept (which=0) or slope (which=1)) of a least-squares
    line; uncertainty = max(standard error, |difference between fits on the lower and upper halves|)."""
    A = np.column_stack([np.ones_like(x), x])
    coef, res, *_ = np.linalg.lstsq(A, y, rcond=None)
    dof = max(len(x) - 2, 1)
    sigma2 = float(res[0]) / dof if res.size else 0.0
    se = math.sqrt(sigma2 * np.linalg.inv(A.T @ A)[which, which])
    h = len(x) // 2
    halves = [np.polyfit(x[s], y[s], 1)[1 - which] for s in (slice(0, h + 1), slice(h, None))]
    return float(coef[0]), float(coef[1]), max(se, abs(halves[0] - halves[1]))


def frontier_law(probe_angle_deg: float, alphas: Sequence[float] = LAW_ALPHAS) -> list[Law]:
    """Fit the noisy-probe frontier at large alpha: alpha eps* -> C and f_opt = K sin(theta) alpha^-p.

    C is extrapolated from alpha eps* = C + b alpha^(-2/3) (linear least squares in alpha^(-2/3)) and
    compared with the boundary-density prediction c0 sin(theta); p and K from ln f_opt vs ln alpha.
    The frontier is keep hard with f down to 1e-9 (easy windows lose at large alpha, B_easy << 1).
    """
    angle_deg = validate_probe_angle_deg(probe_angle_deg)
    if angle_deg == 0.0:
        raise ValueError("the frontier law is for a noisy probe, probe_angle_deg > 0")
    a = np.asarray(alphas, dtype=float)
    points = [frontier_point(float(x), angle_deg, 1e-9, keeps=("hard",)) for x in a]
    eps = np.array([p.eps_frontier for p in points])
    f_opt = np.array([p.f_opt for p in points])
    s = math.sin(math.radians(angle_deg))
    c0 = unpruned_constant()[0]
    c_fit, _, c_err = _line_fit(a ** (-2.0 / 3.0), a * eps, which=0)
    _, slope, p_err = _line_fit(np.log(a), np.log(f_opt))
    k_scaled = f_opt / s * a ** (1.0 / 3.0)  # K at the exponent 1/3 of the law, at each alpha
    return [
        Law(f"frontier prefactor, theta={angle_deg:g}", "alpha_prune eps* -> C = c0 sin(theta)", c_fit, abs(c_err),
            float(a[-1]), float(a[-1] * eps[-1] / (c0 * s) - 1.0)),
        Law(f"frontier / boundary law, theta={angle_deg:g}", "C / (c0 sin(theta)) -> 1", c_fit / (c0 * s),
            abs(c_err) / (c0 * s), float(a[-1]), float(c_fit / (c0 * s) - 1.0)),
        Law(f"f_opt exponent, theta={angle_deg:g}", "f_opt ~ alpha_prune^(-p), p -> 1/3", -slope, p_err,
            float(a[-1]), float(-slope * 3.0 - 1.0)),
        Law(f"f_opt prefactor, theta={angle_deg:g}", "f_opt alpha_prune^(1/3) / sin(theta) -> K", float(k_scaled[-1]),
            float(abs(k_scaled[-1] - k_scaled[-2])), float(a[-1]), float(k_scaled[-1] / k_scaled[-2] - 1.0)),
    ]


def capacity_law(fractions: Sequence[float] = (1e-9, 1e-8, 1e-7, 1e-6, 1e-5)) -> list[Law]:
    """Perfect probe, keep hard, alpha_prune = 2: eps = A f^p as f -> 0 (fit of ln eps vs ln f)."""
    f = np.asarray(fractions, dtype=float)
    eps = np.array([solve_point(Params(2.0, float(x), "hard", 0.0)).eps for x in f])
    intercept, slope, err = _line_fit(np.log(f), np.log(eps))
    amp = math.exp(intercept)
    return [Law("capacity point exponent", "alpha_prune = 2, theta = 0, hard: eps ~ f^p, p -> 1/3", slope, err,
                float(f[0]), float(slope * 3.0 - 1.0)),
            Law("capacity point prefactor", "eps -> A f^p", amp, amp * err * abs(math.log(f[0])), float(f[0]),
                float(amp * f[0] ** slope / eps[0] - 1.0))]


def chance_law(alpha_prune: float, fractions: Sequence[float] = (1e-9, 1e-7, 1e-5)) -> Law:
    """Perfect probe, keep hard, alpha_prune < 2: 1/2 - eps = D f + o(f); D from the smallest f."""
    alpha = validate_alpha(alpha_prune)
    if not alpha < 2.0:
        raise ValueError("the chance law holds below alpha_prune = 2")
    f = np.asarray(fractions, dtype=float)
    d = np.array([(0.5 - solve_point(Params(alpha, float(x), "hard", 0.0)).eps) / x for x in f])
    return Law(f"chance below capacity, alpha_prune={alpha:g}", "1/2 - eps -> D f", float(d[0]),
               float(abs(d[0] - d[1])), float(f[0]), float(d[1] / d[0] - 1.0))


def departure_budget(probe_angle_deg: float, factor: float = 2.0) -> float:
    """The budget alpha_prune where the noisy frontier departs from perfect pruning of the same fraction.

    Root (brentq, xtol 1e-6, bracket [3, 1e4]) of eps*(alpha, theta) / eps(alpha, f_opt, hard, theta = 0)
    = factor, f_opt the noisy frontier's own optimal fraction. By the large-alpha laws the ratio is
    (c0 sin theta / alpha) / (c0 f_opt / alpha) = alpha^(1/3) / K, so the departure is nearly independent
    of theta, alpha ~ (factor K)^3 = 23.5 for factor 2; the solver gives 19.7 at small theta.
    """
    angle_deg = validate_probe_angle_deg(probe_angle_deg)
    if angle_deg == 0.0:
        raise ValueError("the departure budget is for a noisy probe, probe_angle_deg > 0")

    def excess(alpha: float) -> float:
        p = frontier_point(alpha, angle_deg, 1e-9, keeps=("hard",))
        return p.eps_frontier / solve_point(Params(alpha, p.f_opt, "hard", 0.0)).eps - factor

    return optimize.brentq(excess, 3.0, 1e4, xtol=1e-6)


def boundary_law_checks(cases: Sequence[tuple[float, float, str, float]]) -> list[Law]:
    """The boundary-density law against the full solver at the given (alpha_prune, f, keep, theta)."""
    out = []
    for alpha, f, keep, angle_deg in cases:
        law = large_alpha_error(alpha, f, keep, angle_deg)
        exact = solve_point(Params(alpha, f, keep, angle_deg)).eps
        out.append(Law(f"boundary law, f={f:g} {keep} theta={angle_deg:g}", "eps -> c0 / (alpha_prune B(f, theta))",
                       boundary_enrichment(f, keep, angle_deg), 0.0, alpha, law / exact - 1.0))
    return out


def all_laws(angles_deg: Sequence[float] = (1.0, 10.0, 30.0, 60.0), alphas: Sequence[float] = LAW_ALPHAS) -> list[Law]:
    """Every law of the module, each checked against the full solver (a few seconds)."""
    c0, k_star = unpruned_constant()
    big = float(alphas[-1])
    laws = [Law("unpruned constant (analytic)", "alpha eps -> c0 = 1 / (sqrt(2 pi) H(k*)), H(k*) = k* G(k*)", c0,
                1e-15, big, c0 / (big * solve_point(Params(big)).eps) - 1.0),
            Law("unpruned margin scale (analytic)", "kappa / sigma -> k*", k_star, 1e-15, big, math.nan)]
    laws += boundary_law_checks([(big, 0.1, "hard", 0.0), (big, 0.1, "hard", 10.0), (big, 0.5, "hard", 30.0),
                                 (big, 0.01, "hard", 10.0), (big, 0.5, "easy", 10.0)])
    for angle_deg in angles_deg:
        laws += frontier_law(angle_deg, alphas)
        laws.append(Law(f"departure from perfect pruning, theta={angle_deg:g}",
                        "eps*(theta) = 2 eps(f_opt, theta = 0) at alpha_prune = alpha_x ~ (2K)^3",
                        departure_budget(angle_deg), 1e-6, 1e4, math.nan))
    laws += capacity_law()
    laws += [chance_law(a) for a in (1.0, 1.5)]
    return laws
