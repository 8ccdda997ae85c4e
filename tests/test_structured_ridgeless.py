"""The ridgeless learners (L = 0) on Gaussian covariate cases (issue 27; docs/theory.md section 9, "The ridgeless
limits"): the structured route solves lambda = 0 as its own limit, as the isotropic route does.

Checks (each compares with numbers computed another way, so each can fail):
* Sigma = I reproduces the isotropic ridgeless answers (square:0 on both sides of alpha_prune = 1, logistic:0 and
  hinge:0 beyond the separability line of flip:0.2, hinge:0, squared-hinge:0 below it = the max-margin student) to
  1e-8 relative in eps, V and |u| (measured <= 5e-14);
* lambda -> 0 is continuous: the structured equations at a small ridge (their own prior, O(N) sums of the spectrum)
  approach the lambda = 0 answer linearly, gap(lambda) / gap(10 lambda) = 0.1 (measured 0.0998 ... 0.104), and
  the hinge at 1e-8 equals the max-margin limit below the line (measured 2e-15);
* unpruned square:0 equals the minimum-norm interpolator / least-squares curve of the Gaussian covariate model,
  written out below without theory.structured (the effective regularisation kappa of the spectrum at lambda = 0);
  the closed forms equal the general routes (the interpolation constraint by Newton's method from the square loss;
  the isotropic lambda = 0 fixed point);
* beyond the line the unregularised minimiser does not see the spectrum (x -> Sigma^(-1/2) x maps minimisers onto
  minimisers): eps equals the isotropic one on a power-law case, while below the line (the minimum norm, the
  maximum margin: Euclidean) it does not;
* Monte Carlo (simulations.structured, the exact pruned sampler; the min-norm interpolator and least squares of
  simulations.convex_student) on power:1.5,2,400 at n = 400.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize

from simulations import simulate
from tests.gcm_reference import error_at_effective_ridge
from theory import Params, solve_point
from theory.convex import ConvexProblem, solve_convex
from theory.covariance import Case
from theory.point import route_for
from theory.structured import (
    StructuredProblem,
    _solve_constraint,
    least_squares_fixed_point,
    min_norm_fixed_point,
)

IDENTITY = Case(np.ones(40), np.r_[1.0, np.zeros(39)])
POWER = Case.power(1.5, 1.0, 300)
POWER_FLAT_TEACHER = Case.power(1.0, 0.5, 200)


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


# (learner, alpha_prune, f, keep, theta, labels): the separability line of flip:0.2 is 2.418 at (0.3, hard, 10 deg),
# 2.467 at (0.3, hard, 0) and 2.567 at (0.5, easy, 0); clean labels are always separable
IDENTITY_POINTS = [
    ("square:0", 0.5, 0.3, "hard", 10.0, "clean"),  # the minimum-norm interpolator
    ("square:0", 2.0, 0.3, "hard", 10.0, "clean"),  # least squares
    ("square:0", 0.5, 0.2, "easy", 0.0, "flip:0.1"),
    ("logistic:0", 4.0, 0.3, "hard", 10.0, "flip:0.2"),  # beyond the line: the logistic MLE
    ("logistic:0", 3.0, 0.5, "easy", 0.0, "flip:0.2"),
    ("hinge:0", 4.0, 0.3, "hard", 10.0, "flip:0.2"),  # beyond: the unregularised hinge
    ("hinge:0", 1.0, 0.3, "hard", 0.0, "flip:0.2"),  # below: the max-margin student
    ("hinge:0", 2.0, 0.3, "hard", 10.0, "clean"),
    ("squared-hinge:0", 2.0, 0.2, "easy", 20.0, "clean"),
]


@pytest.mark.parametrize("point", IDENTITY_POINTS, ids=str)
def test_identity_covariance_is_the_isotropic_ridgeless_theory(point):
    learner, a, f, keep, theta, labels = point
    iso = solve_point(Params(a, f, keep, theta, learner, labels))
    params = Params(a, f, keep, theta, learner, labels, data=IDENTITY)
    assert route_for(params).name == "structured"
    res = solve_point(params)
    assert iso.success and res.success and res.route == "structured", res.message
    assert _rel(res.eps, iso.eps) < 1e-8
    assert _rel(res.V, iso.V) < 1e-8 and _rel(res.norm, iso.norm) < 1e-8  # |u| Euclidean = Sigma norm at Sigma = I


def test_below_the_line_every_ridgeless_loss_is_the_max_margin_student():
    """hinge:0, squared-hinge:0 and logistic:0 on separable kept data are the max-margin student on the case (the
    margin constraint); at Sigma = I it is the saddle point of sections 3-5, an independent formulation."""
    point = (2.0, 0.3, "hard", 10.0)
    mm = solve_point(Params(*point, data=POWER))
    for learner in ("hinge:0", "squared-hinge:0", "logistic:0"):
        res = solve_point(Params(*point, learner, data=POWER))
        assert res.success and _rel(res.eps, mm.eps) < 1e-12 and _rel(1.0 / res.norm, mm.kappa) < 1e-10
    saddle = solve_point(Params(*point))
    assert saddle.route == "max-margin"
    assert _rel(solve_point(Params(*point, "hinge:0", data=IDENTITY)).eps, saddle.eps) < 1e-10


# ---- lambda -> 0 --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("point, lams", [
    (("square", 0.5, 0.3, "hard", 10.0, "clean"), (1e-7, 1e-8)),  # min-norm side: gap 3.6e-7, 3.6e-8
    (("square", 2.0, 0.3, "hard", 10.0, "clean"), (1e-5, 1e-6)),  # least squares: 4.2e-4, 4.2e-5 (1e-7 no longer
    # converges to 1e-10: c = -alpha W A with W ~ 1/lambda loses digits, which is why lambda = 0 is its own problem)
    (("logistic", 3.0, 0.5, "easy", 0.0, "flip:0.2"), (1e-6, 1e-7)),  # beyond the line: 1.3e-4, 1.3e-5
    (("squared-hinge", 2.0, 0.2, "easy", 20.0, "clean"), (1e-7, 1e-8)),  # below: 1.2e-8, 1.2e-9
], ids=lambda p: str(p[0]) if isinstance(p[0], str) else None)
def test_small_ridges_approach_lambda_zero_linearly(point, lams):
    """The structured equations at ridge lambda (their own prior side, with W = U'KU ~ 1/lambda) tend to the lambda = 0
    answer (the limit's own equations) as O(lambda): the gap shrinks tenfold per decade (tolerance: ratio in
    [0.07, 0.14]; a wrong limit would leave a finite gap, ratio -> 1), in eps and in the Euclidean |u|."""
    loss, a, f, keep, theta, labels = point
    zero = solve_point(Params(a, f, keep, theta, f"{loss}:0", labels, data=POWER))
    assert zero.success
    gaps = []
    for lam in lams:
        small = solve_point(Params(a, f, keep, theta, f"{loss}:{lam}", labels, data=POWER))
        assert small.success, small.message
        gaps.append((_rel(small.eps, zero.eps), _rel(small.norm, zero.norm)))
    for i in (0, 1):
        assert 0.07 < gaps[1][i] / gaps[0][i] < 0.14, gaps
    assert gaps[1][0] < 2e-4


@pytest.mark.parametrize("loss", ["hinge", "squared-hinge"])
def test_beyond_the_line_where_the_isotropic_solver_does_not_converge(loss):
    """Keep easy at theta = 0 with flip:0.2, alpha_prune = 4 (beyond the line 2.66): the isotropic lambda = 0 solver
    did not converge here until its continuation on the kept field's scale (theory.convex._field_scale_continuation);
    the structured route can also start the same equations from the case's student at ridge 1e-2. The unregularised
    minimiser does not see the spectrum: the case's answer is the isotropic one. Checked as above: the small ridges on
    the case approach it linearly (ratios 0.10 ... 0.11 at 1e-3, 1e-4, 1e-5)."""
    point = (4.0, 0.03, "easy", 0.0)
    iso = solve_point(Params(*point, f"{loss}:0", "flip:0.2"))
    zero = solve_point(Params(*point, f"{loss}:0", "flip:0.2", data=POWER))
    assert iso.success and zero.success and zero.residual < 1e-10
    assert zero.eps == pytest.approx(iso.eps, rel=1e-10)
    gaps = []
    for lam in (1e-4, 1e-5):
        small = solve_point(Params(*point, f"{loss}:{lam}", "flip:0.2", data=POWER))
        assert small.success, small.message
        gaps.append(_rel(small.eps, zero.eps))
    assert 0.07 < gaps[1] / gaps[0] < 0.14 and gaps[1] < 2e-4, gaps


def test_hinge_reaches_the_max_margin_limit_at_a_finite_ridge():
    zero = solve_point(Params(2.0, 0.3, "hard", 10.0, "hinge:0", data=POWER))
    small = solve_point(Params(2.0, 0.3, "hard", 10.0, "hinge:1e-8", data=POWER))
    assert small.success and _rel(small.eps, zero.eps) < 1e-12


# ---- square:0 in closed form ---------------------------------------------------------------------------------
def gcm_ridgeless_error(s, beta, alpha, delta):
    """The minimum-norm interpolator (alpha < 1) / least squares (alpha > 1) on n = alpha N inputs x ~ N(0, diag(s)),
    y = beta.x + noise of variance delta: the ridge curve of the Gaussian covariate model at lambda = 0 (effective
    regularisation k from alpha = (1/N) sum s / (s + k), k = 0 for alpha > 1; E u = (S + k)^-1 S beta; excess risk
    (k^2 beta' S (S + k)^-2 beta + delta df2 / n) / (1 - df2 / n), df2 = tr S^2 (S + k)^-2), eps = angle(u, beta)_S
    / pi."""
    n = alpha * s.size
    if alpha < 1.0:
        k = optimize.brentq(lambda k: np.sum(s / (s + k)) / n - 1.0, 1e-300, 2.0 * np.sum(s) / n, xtol=1e-300,
                            rtol=1e-15)
    else:
        k = 0.0
    return error_at_effective_ridge(s, beta, n, k, delta)


@pytest.mark.parametrize("case", [POWER, POWER_FLAT_TEACHER], ids=["power1.5,1", "power1,0.5"])
@pytest.mark.parametrize("alpha", [0.3, 0.8, 1.5, 3.0])
def test_unpruned_square_zero_is_the_min_norm_and_least_squares_curve(case, alpha):
    """Tolerance 1e-10 (measured <= 1.5e-15): two closed forms of one curve, each solved to rounding."""
    s = case.eigenvalues
    T = case.teacher / math.sqrt(np.sum(s * case.teacher**2))
    mu = math.sqrt(2.0 / math.pi)  # y = mu t + noise of variance 1 - mu^2 (Gaussian equivalence of sign labels)
    ref = gcm_ridgeless_error(s, mu * T, alpha, 1.0 - mu * mu)
    res = solve_point(Params(alpha, 1.0, "hard", 0.0, "square:0", data=case))
    assert res.success and "closed form" in res.message and _rel(res.eps, ref) < 1e-10


@pytest.mark.parametrize("point", [(0.5, 0.3, "hard", 10.0, "clean"), (0.7, 0.2, "easy", 0.0, "flip:0.1"),
                                   (0.5, 0.5, "agree-hard", 10.0, "flip:0.1")])
def test_min_norm_closed_form_equals_the_interpolation_constraint(point):
    """The closed form (one monotone equation in V_hat) against Newton's method on the interpolation constraint's
    general equations, started from the structured square loss at small ridges (tolerance 1e-9 on the unknowns)."""
    params = Params(*point[:4], "square:0", point[4], data=POWER)
    from theory.losses.constraints import LIMITS

    closed = min_norm_fixed_point(StructuredProblem(params, loss=LIMITS["min-norm"], lam=1.0))
    problem, x, res, ok, _ = _solve_constraint(params, "min-norm", 1e-11)
    assert ok and problem.cz_scale == 1.0
    assert np.allclose(x, closed, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("point", [(2.0, 0.3, "hard", 10.0, "clean"), (3.0, 0.5, "uncertainty:1,5", 0.0, "flip:0.05")])
def test_least_squares_closed_form_equals_the_lambda_zero_fixed_point(point):
    params = Params(*point[:4], "square:0", point[4], data=POWER)
    iso = Params(*point[:4], "square:0", point[4])
    problem = ConvexProblem(iso, lam=0.0)
    closed = problem.unpack(least_squares_fixed_point(params, problem))
    general = solve_convex(iso)  # the isotropic route's own solver at lambda = 0 (Newton, scaled unknowns)
    assert general.success
    got = (general.c_z, general.c_w, general.sigma, general.V)
    assert np.allclose(closed, got, rtol=1e-9, atol=1e-12)


# ---- what the spectrum changes -------------------------------------------------------------------------------
def test_the_unregularised_minimiser_does_not_see_the_spectrum():
    """x -> Sigma^(-1/2) x maps the unregularised minimisers onto one another and keeps the fields: beyond the line
    eps is the isotropic one (least squares, the logistic MLE); the minimum norm and the maximum margin are Euclidean
    and move with Sigma (by > 1e-2 here)."""
    beyond = [(2.0, 0.3, "hard", 10.0, "square:0", "clean"), (4.0, 0.3, "hard", 10.0, "logistic:0", "flip:0.2")]
    for point in beyond:
        assert _rel(solve_point(Params(*point, data=POWER)).eps, solve_point(Params(*point)).eps) < 1e-12
    below = [(0.5, 0.3, "hard", 10.0, "square:0", "clean"), (2.0, 0.3, "hard", 10.0, "logistic:0", "clean")]
    for point in below:
        assert _rel(solve_point(Params(*point, data=POWER)).eps, solve_point(Params(*point)).eps) > 1e-2


def test_the_interpolation_threshold_is_refused():
    with pytest.raises(ValueError, match="interpolation threshold"):
        route_for(Params(1.0, 0.3, "hard", 10.0, "square:0", data=POWER))
    assert solve_point(Params(0.999, 0.3, "hard", 10.0, "square:0", data=POWER)).success
    assert solve_point(Params(1.001, 0.3, "hard", 10.0, "square:0", data=POWER)).success


# ---- Monte Carlo ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("alpha", [0.5, 2.0])
def test_square_zero_matches_monte_carlo(alpha):
    """The minimum-norm interpolator (alpha_prune = 0.5) and least squares (2) fitted on the exact pruned sampler at
    n = N = 400, 40 seeds. Tolerance 3 SEM + 1 / n (the finite-size allowance of tests/test_structured_mc.py).
    Measured (seeds 0-39): 0.0848(10) against 0.0842, 0.0578(6) against 0.0575."""
    params = Params(alpha, 0.3, "hard", 10.0, "square:0", data="power:1.5,2,400")
    theory = solve_point(params)
    assert theory.success
    n = 400
    mc = simulate(params, n=n, seeds=40)
    assert abs(mc.eps_mean - theory.eps) <= 3.0 * mc.eps_sem + 1.0 / n, (mc.eps_mean, mc.eps_sem, theory.eps)


@pytest.mark.parametrize("alpha, f", [(2.0, 0.03), (4.0, 0.003)])
def test_isotropic_least_squares_at_keep_easy_equals_the_closed_form(alpha, f):
    """square:0 at keep easy, theta = 0, small f (alpha_prune > 1: least squares): the isotropic lambda = 0 fixed point
    (continuation on the kept field's scale; it did not converge before) equals the structured route's closed form
    (least_squares_fixed_point) at Sigma = I to 1e-11 (measured 1.5e-13, 4.1e-13)."""
    iso = solve_point(Params(alpha, f, "easy", 0.0, "square:0"))
    closed = solve_point(Params(alpha, f, "easy", 0.0, "square:0", data=IDENTITY))
    assert iso.success and closed.success
    assert iso.eps == pytest.approx(closed.eps, rel=1e-11)
