import math

import numpy as np
import pytest

from tests.cases import SOLVER_CASES
from theory import Params, solve_grid, solve_saddle
from theory.saddle import Problem, residual, residual_and_jacobian


@pytest.mark.parametrize("case", SOLVER_CASES, ids=[c["id"] for c in SOLVER_CASES])
def test_solution_converges_with_small_residual(case):
    res = solve_saddle(Params(**case["params"]))
    assert res.success, res.message
    q = np.array(res.q)
    assert np.max(np.abs(residual(q, Problem.from_params(Params(**case["params"]))))) < 1e-9
    assert 0.0 < res.eps < 0.5
    if "eps_ref" in case:
        assert res.eps == pytest.approx(case["eps_ref"], rel=case["rtol"])


@pytest.mark.parametrize("case", SOLVER_CASES[:4] + SOLVER_CASES[7:10], ids=lambda c: c["id"])
def test_analytic_jacobian_matches_finite_differences(case):
    problem = Problem.from_params(Params(**case["params"]))
    q = np.array(solve_saddle(problem.params).q) + 0.05
    _, jac = residual_and_jacobian(q, problem)
    h = 1e-6
    fd = np.column_stack([
        (residual(q + h * e, problem) - residual(q - h * e, problem)) / (2 * h) for e in np.eye(len(q))
    ])
    np.testing.assert_allclose(jac, fd, atol=1e-6 * max(1.0, np.abs(jac).max()))


@pytest.mark.parametrize("alpha", [0.1, 1.0, 5.0])
@pytest.mark.parametrize("theta", [0.0, 20.0])
def test_keep_fraction_one_hard_equals_easy(alpha, theta):
    hard = solve_saddle(Params(alpha, 1.0, "hard", theta))
    easy = solve_saddle(Params(alpha, 1.0, "easy", theta))
    assert hard.eps == pytest.approx(easy.eps, rel=1e-12)


def test_random_data_limits():
    # alpha -> 0: the student knows nothing, eps -> 1/2 (eps = 1/2 - O(sqrt(alpha)))
    small = [solve_saddle(Params(a)).eps for a in (1e-2, 1e-4, 1e-6)]
    assert 0.5 - small[-1] < 1e-3 and small[0] < small[1] < small[2] < 0.5
    # alpha -> inf: alpha eps -> 0.500 (Gardner / Engel & Van den Broeck)
    res = solve_saddle(Params(200.0))
    assert res.alpha_prune * res.eps == pytest.approx(0.5, rel=0.01)


def test_theta_to_zero_is_second_order():
    """eps(theta) - eps(0) = c theta^2 + O(theta^4) for a hard window at alpha = 2, f = 0.2.

    docs/theory.md quotes c theta^2 ~ 6e-5 relative at theta = 1e-3 rad: large enough to be resolved
    (the solver is accurate to ~1e-13 relative), small enough that theta = 1e-3 and 2e-3 rad are in
    the quadratic regime, so the two differences must be in ratio 4 (to 1%).
    """
    base = solve_saddle(Params(2.0, 0.2, "hard", 0.0)).eps
    d1 = solve_saddle(Params(2.0, 0.2, "hard", math.degrees(1e-3))).eps - base
    d2 = solve_saddle(Params(2.0, 0.2, "hard", math.degrees(2e-3))).eps - base
    assert 3e-5 < d1 / base < 1.2e-4
    assert d2 / d1 == pytest.approx(4.0, rel=0.01)


def test_exponential_regime_precision():
    """keep hard, f down to 1e-9, alpha_prune up to 40: eps finite, positive, monotone, 1e-6 accurate.

    Accuracy: against a solve with a refined quadrature (32-point GL, panel width 0.3), and
    against the exact scale invariance of the f -> 0 limit (eps / f depends only on alpha_prune up to
    O(gamma^2) ~ f^2 corrections), which a cancellation would break.
    """
    x32, w32 = np.polynomial.legendre.leggauss(32)
    fractions = [1e-3, 1e-5, 1e-7, 1e-9]
    alphas = [3.0, 10.0, 40.0]
    grid = solve_grid(alphas, fractions, "hard")
    eps = np.array([[r.eps for r in row] for row in grid])
    assert all(r.success for row in grid for r in row)
    assert np.all(np.isfinite(eps)) and np.all(eps > 0)
    assert np.all(np.diff(eps, axis=0) < 0)  # decreasing in alpha_prune
    assert np.all(np.diff(eps, axis=1) < 0)  # decreasing as f shrinks
    assert eps.min() < 1e-10
    for i, a in enumerate(alphas):
        p = Params(a, 1e-9, "hard")
        fine = solve_saddle(p, problem=Problem.from_params(p, gl_x=x32, gl_w=w32, max_width=0.3))
        assert fine.eps == pytest.approx(eps[i, -1], rel=1e-6)
        np.testing.assert_allclose(eps[i, 1:] / fractions[1:], eps[i, -1] / fractions[-1], rtol=1e-6)


def test_grid_continuation_agrees_with_cold_starts():
    grid = solve_grid([0.5, 1.0, 2.0, 4.0], [0.1, 0.5], "easy", 10.0)
    for i, a in enumerate([0.5, 1.0, 2.0, 4.0]):
        for j, f in enumerate([0.1, 0.5]):
            cold = solve_saddle(Params(a, f, "easy", 10.0))
            assert grid[i][j].eps == pytest.approx(cold.eps, rel=1e-9)


def test_api_rejects_bad_input():
    with pytest.raises(ValueError, match="params must be"):
        solve_saddle({"alpha_prune": 1.0})
    with pytest.raises(ValueError, match="unknown method"):
        solve_saddle(Params(1.0), method="newton")
    with pytest.warns(UserWarning, match="unknown option"):
        solve_saddle(Params(1.0), options={"bogus": 1})


def test_non_convergence_is_reported_not_hidden(monkeypatch):
    """Newton stopped after 2 evaluations and a nested search that hits its iteration limit: the
    result must say so (status 1, a finite residual above tol), never pass as converged."""
    import theory.solver as solver

    def stuck(*args, **kwargs):
        raise RuntimeError("one-dimensional maximisation did not converge")

    monkeypatch.setattr(solver, "maximise_margin", stuck)
    res = solve_saddle(Params(2.0, 0.2, "hard", 10.0), options={"maxfev": 2})
    assert not res.success and res.status == 1 and res.residual > 1e-10 and math.isfinite(res.residual)
    assert res.message == "residual above tolerance"


def test_residual_below_rounding_floor_counts_as_converged():
    """A point of an easy window of a huge pool: the scaled residual cannot go below ~1e-10 because
    k = kappa / sigma ~ 1e6 and rounding k alone moves F / sigma^2 by more; the solver accepts it at
    that floor, and the answer is the eps -> theta / pi limit of an easy window."""
    res = solve_saddle(Params(1e5, 1e-8, "easy", 0.1))
    assert res.success
    assert res.eps == pytest.approx(0.1 / 180.0, rel=2e-5)
