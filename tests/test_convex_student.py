"""The Monte Carlo's convex students (simulations.convex_student) against CVXPY/Clarabel on the same problems:
certified (KKT residual) and at least as good in the objective, including the small-ridge hinge problems that
coordinate descent and the active-set polish alone could not answer."""

import pytest

from simulations.convex_student import fit_convex
from simulations.data import sample_pruned
from tests.convex_reference import cvxpy_solve, objective
from theory import Params
from theory.learners import Learner


@pytest.mark.parametrize("learner, n, alpha", [("square:0.1", 100, 4.0), ("logistic:0.01", 100, 4.0),
                                               ("hinge:0.1", 100, 4.0), ("hinge:0.001", 200, 4.0),
                                               ("hinge:0.003", 200, 4.0)])
def test_convex_students_are_certified_and_match_cvxpy(learner, n, alpha):
    """KKT residual <= 1e-10 and objective within 1e-9 (relative) of Clarabel's, or below it. hinge:0.001 and
    0.003 on flip:0.05 data at alpha_prune = 4 (not separable) were refused with their KKT residual in 2 and 3 of
    4 problems before the interior-point fallback; now every one is answered exactly (measured KKT 2e-13...7e-13)."""
    spec = Learner.parse(learner)
    for seed in range(2):
        Z = sample_pruned(Params(alpha, 0.2, "hard", learner=learner, labels="flip:0.05"), n, seed).Z
        fit = fit_convex(Z, spec)
        assert fit.converged and fit.kkt_residual <= 1e-10, (fit.method, fit.kkt_residual)
        ours, theirs = objective(Z, fit.u, spec), objective(Z, cvxpy_solve(Z, spec), spec)
        assert ours <= theirs * (1.0 + 1e-9), (ours, theirs)
