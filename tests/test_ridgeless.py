"""The ridgeless limits solved as their own problems (theory.losses.constraints, theory.convex.ridgeless_problem):
the max-margin student on noisy kept data below the separability line, the unregularised minimiser beyond it, the
minimum-norm interpolator and least squares for the square loss; theory against the saddle point, against small
ridges, and against the Monte Carlo."""

from __future__ import annotations

import pytest

from simulations import extrapolate, simulate
from theory import Params, solve_point
from theory.separability import separability_threshold

CLEAN_WINDOWS = [(2.0, 0.2, "hard", 0.0), (2.0, 0.2, "easy", 10.0), (4.0, 0.219, "hard", 10.0), (1.0, 1.0, "hard", 0.0),
                 (2.0, 0.3, "band:0.3", 10.0), (3.0, 0.3, "soft:1", 5.0)]


@pytest.mark.parametrize("point", CLEAN_WINDOWS, ids=str)
def test_margin_constraint_is_the_saddle_point_max_margin(point):
    """Two independent formulations of the max-margin student on clean window data: the saddle point of sections
    1-7 (angles chi, beta and the margin kappa) and the convex fixed point of the margin constraint (Gordon's
    c, sigma, V). Measured agreement 6e-16 ... 6e-13 (relative); tolerance 1e-10 (both solved to residual 1e-10)."""
    saddle = solve_point(Params(*point))
    margin = solve_point(Params(*point, learner="hinge:0"))  # clean labels are separable: the margin constraint
    assert saddle.route == "max-margin" and margin.success
    assert margin.eps == pytest.approx(saddle.eps, rel=1e-10)


NOISY = (3.0, 0.2, "hard", 10.0)  # below the separability line 3.861 of flip:0.05 at f = 0.2, 10 deg
BEYOND = (5.0, 0.2, "hard", 10.0)  # beyond it


def test_every_max_margin_limit_is_the_same_student_below_the_line():
    """hinge:0, squared-hinge:0 and logistic:0 on separable kept data are the max-margin student (route hard-margin)
    exactly; hinge:1e-8 equals it to 1e-12 (the hinge is the max-margin student below a finite ridge), the squared
    hinge approaches it as O(L) and the logistic loss slowly (measured 1.1e-2 relative at 1e-6, 1.1e-2 at 1e-8)."""
    assert NOISY[0] < separability_threshold(Params(*NOISY, labels="flip:0.05")).alpha_sep
    mm = solve_point(Params(*NOISY, labels="flip:0.05"))
    assert mm.route == "hard-margin" and mm.success
    for learner in ("hinge:0", "squared-hinge:0", "logistic:0"):
        assert solve_point(Params(*NOISY, learner=learner, labels="flip:0.05")).eps == mm.eps
    assert solve_point(Params(*NOISY, learner="hinge:1e-8", labels="flip:0.05")).eps == pytest.approx(mm.eps,
                                                                                                      rel=1e-12)
    gap = [abs(solve_point(Params(*NOISY, learner=f"squared-hinge:{lam}", labels="flip:0.05")).eps - mm.eps)
           for lam in (1e-6, 1e-8)]
    assert gap[1] < 0.02 * gap[0]


@pytest.mark.parametrize("loss", ["hinge", "logistic", "squared-hinge"])
def test_beyond_the_line_the_unregularised_minimiser(loss):
    """Beyond the separability line the max-margin student does not exist and L = 0 is the fixed point without ridge:
    converged, and the small ridges approach it linearly (measured |eps(L) - eps(0)| / eps(0) at L = 1e-5 and 1e-6:
    hinge 1.1e-3, 1.1e-4; logistic 2.7e-4, 3.0e-5; squared hinge 7.6e-5, 7.7e-6; squared-hinge:1e-7 no longer
    converges, the limit does, in 14 evaluations)."""
    zero = solve_point(Params(*BEYOND, learner=f"{loss}:0", labels="flip:0.05"))
    assert zero.success and zero.route == "convex"
    gaps = []
    for lam in (1e-5, 1e-6):
        small = solve_point(Params(*BEYOND, learner=f"{loss}:{lam}", labels="flip:0.05"))
        assert small.success
        gaps.append(abs(small.eps - zero.eps))
    assert gaps[1] < 2e-4 * zero.eps and 0.05 < gaps[1] / gaps[0] < 0.2


def test_square_loss_limits():
    """square:0 is the minimum-norm interpolator below alpha_prune = 1 and least squares above; the small ridges
    approach both (square:1e-8 at alpha_prune = 2 does not even converge: the limit is needed)."""
    for alpha, lam, rel in ((0.5, 1e-8, 1e-8), (2.0, 1e-6, 1e-5)):
        zero = solve_point(Params(alpha, 0.5, "hard", 10.0, "square:0", "flip:0.05"))
        assert zero.success
        small = solve_point(Params(alpha, 0.5, "hard", 10.0, f"square:{lam}", "flip:0.05"))
        assert small.eps == pytest.approx(zero.eps, rel=rel)


MC_NS = (100, 200, 400)


@pytest.mark.parametrize("point, learner, seeds", [((*NOISY, "flip:0.05"), "max-margin", 10),
                                                   ((0.5, 0.5, "hard", 10.0, "flip:0.05"), "square:0", 10),
                                                   ((2.0, 0.5, "hard", 10.0, "flip:0.05"), "square:0", 10)])
def test_ridgeless_limits_against_the_monte_carlo(point, learner, seeds):
    """eps_N extrapolated as eps_inf + c/N over N = 100, 200, 400: within 3 standard errors (plus 0.005 for the
    curvature of the finite-size correction beyond 1/N at these N) of the theory. Measured: max-margin 0.0900 +-
    0.0059 vs 0.0890; min-norm 0.4180 +- 0.0050 vs 0.4137; least squares 0.1079 +- 0.0043 vs 0.1055."""
    a, f, keep, theta, labels = point
    params = Params(a, f, keep, theta, learner, labels)
    theory = solve_point(params).eps
    eps_inf, err = extrapolate([simulate(params, n, seeds) for n in MC_NS])
    assert abs(eps_inf - theory) < 3 * err + 0.005, (eps_inf, err, theory)


@pytest.mark.slow
def test_unregularised_logistic_against_the_monte_carlo():
    """logistic:0 beyond the line (the logistic MLE, which exists on non-separable data): measured 0.0403 +- 0.0012
    vs the theory's 0.0389 (N = 100, 200, 400, 10 seeds; 11 s at N = 400)."""
    params = Params(*BEYOND, "logistic:0", "flip:0.05")
    eps_inf, err = extrapolate([simulate(params, n, 10) for n in MC_NS])
    assert abs(eps_inf - solve_point(params).eps) < 3 * err + 0.005


def test_the_max_margin_student_on_noisy_labels_in_the_exponential_regime():
    """Keep hard at theta = 0, small f, flip:0.05 below the separability line (4.256): the problem solved in the kept
    field's units (c_z times the kept z's scale, the soft start at ridge 1e-3 gamma^2, continuation by decades of f)
    converges and eps / f tends to a constant, as the kept fields in their own units stop changing (measured
    0.217781, 0.217859, 0.217859 at f = 1e-2, 1e-3, 1e-4, and 0.21785889757 from f = 1e-5 to the theory's floor
    1e-9). Until the in-plane residual was measured in the kept field's scale (theory.convex,
    ConvexProblem._step_scale) the solver reported failure below f ~ 1e-5."""
    ratios = []
    for f in (1e-2, 1e-3, 1e-4, 1e-6, 1e-7, 1e-9):
        res = solve_point(Params(4.0, f, "hard", 0.0, labels="flip:0.05"))
        assert res.success and res.route == "hard-margin"
        ratios.append(res.eps / f)
    assert ratios[2] == pytest.approx(ratios[1], rel=1e-5) and ratios[1] == pytest.approx(ratios[0], rel=1e-2)
    assert ratios[3:] == pytest.approx([ratios[2]] * 3, rel=1e-8)


def test_small_ridges_at_small_f_converge_in_the_kept_fields_units():
    """hinge with lambda = s E_kept[z^2] at keep hard, theta = 0, flip:0.05, alpha_prune = 4: the plain unknowns fail
    at f = 1e-4 (residual 13.8; found by the noisy-frontier study), the same problem in the kept field's units
    converges; eps / f is then the same at f = 1e-3 and 1e-4 (measured 0.1625687, 0.1625687 at s = 0.148)."""
    from theory.kept import KeptMeasure

    ratios = []
    for f in (1e-3, 1e-4):
        lam = 0.148 * KeptMeasure(Params(1.0, f, "hard", labels="flip:0.05")).z_scale ** 2
        res = solve_point(Params(4.0, f, "hard", 0.0, f"hinge:{lam:.6g}", "flip:0.05"))
        assert res.success
        ratios.append(res.eps / f)
    assert ratios[1] == pytest.approx(ratios[0], rel=1e-5)
