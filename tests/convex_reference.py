"""Reference solutions of the convex students' training problems (CVXPY/Clarabel), shared by the tests and
``benchmarks.convex_mc_speed`` (benchmarks import tests' helpers, never the other way), and the reference for the
theory's analytic Jacobian (central differences of the residual)."""

from __future__ import annotations

import numpy as np

from theory.learners import Learner


def objective(Z: np.ndarray, u: np.ndarray, learner: Learner) -> float:
    m = Z @ u
    return float(learner.loss(np.ones_like(m), m).sum() + 0.5 * learner.lam * Z.shape[1] * u @ u)



def cvxpy_solve(Z: np.ndarray, learner: Learner) -> np.ndarray:
    import cvxpy as cp

    u = cp.Variable(Z.shape[1])
    m = Z @ u
    loss = {"square": cp.sum_squares(1 - m) / 2, "logistic": cp.sum(cp.logistic(-m)),
            "hinge": cp.sum(cp.pos(1 - m)), "squared-hinge": cp.sum_squares(cp.pos(1 - m)) / 2}[learner.kind]
    cp.Problem(cp.Minimize(loss + learner.lam * Z.shape[1] / 2 * cp.sum_squares(u))).solve(solver=cp.CLARABEL)
    return np.asarray(u.value)


def residual_jacobian_by_differences(problem, x: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """d r / d x of ``problem.residual`` (a :class:`theory.convex.ConvexProblem`) at x by central differences of
    step ``step`` in each unknown (error O(step^2) plus rounding / step: ~1e-9 on O(1) unknowns at 1e-6)."""
    columns = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = step
        columns.append((problem.residual(x + e) - problem.residual(x - e)) / (2.0 * step))
    return np.stack(columns, axis=1)
