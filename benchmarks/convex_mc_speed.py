"""Speed of the Monte Carlo's convex students (simulations.convex_student) against CVXPY/Clarabel and
scikit-learn on the same problems, in one run.

    python -m benchmarks.convex_mc_speed [--seeds 5] [--n 200]

Problems: N = 200, alpha_prune = 4, f = 0.2 keep hard, theta = 0, labels flip:0.05 (the issue's point), one per
seed; learners square:0.1, logistic:0.01 and hinge:0.1. Every solver minimises the same
F(u) = sum_mu loss(z_mu . u) + (lambda N / 2)|u|^2 (scikit-learn with C = 1 / (lambda N) or alpha = lambda N, no
intercept). Optimality is compared by the objective gap (F(u) - F(u_ours)) / F(u_ours) (negative: better than
ours) and our KKT residual; scikit-learn runs at tol = 1e-10 (its own stopping rule). Times are medians.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

from simulations.convex_student import fit_convex
from simulations.data import sample_pruned
from tests.convex_reference import cvxpy_solve, objective  # the tests' reference solvers: imports go one way
from theory import Params
from theory.learners import Learner

LEARNERS = ("square:0.1", "logistic:0.01", "hinge:0.1")


def timed(fn, repeats: int = 1):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def sklearn_solve(X: np.ndarray, y: np.ndarray, learner: Learner) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.svm import LinearSVC

    lam_n = learner.lam * X.shape[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if learner.kind == "square":
            model = Ridge(alpha=lam_n, fit_intercept=False, tol=1e-10).fit(y[:, None] * X, np.ones(len(y)))
        elif learner.kind == "logistic":
            model = LogisticRegression(C=1.0 / lam_n, fit_intercept=False, tol=1e-10, max_iter=10000).fit(X, y)
        else:
            model = LinearSVC(C=1.0 / lam_n, loss="hinge", fit_intercept=False, dual=True, tol=1e-10,
                              max_iter=1_000_000).fit(X, y)
    return np.ravel(model.coef_)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.convex_mc_speed", description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=5, help="problems per learner")
    p.add_argument("--n", type=int, default=200, help="input dimension N")
    args = p.parse_args(argv)
    params = Params(4.0, 0.2, "hard", 0.0, labels="flip:0.05")
    data = [sample_pruned(params, args.n, [9, i]) for i in range(args.seeds)]
    fit_convex(data[0].Z, "hinge:0.1")  # compile the numba kernels
    print(f"N = {args.n}, alpha_prune = 4, f = 0.2 hard, flip:0.05; {args.seeds} problems per learner, "
          f"median ms a problem; gap = (F - F_ours) / F_ours")
    print(f"{'learner':>13} {'ours':>8} {'cvxpy':>9} {'sklearn':>9} {'x cvxpy':>8} {'x sklearn':>9} "
          f"{'ours KKT':>9} {'gap cvxpy':>10} {'gap sklearn':>11}")
    for spec in LEARNERS:
        learner = Learner.parse(spec)
        rows = []
        for d in data:
            t_ours, fit = timed(lambda d=d, lr=learner: fit_convex(d.Z, lr), 3)
            t_cvx, u_cvx = timed(lambda d=d, lr=learner: cvxpy_solve(d.Z, lr))
            t_skl, u_skl = timed(lambda d=d, lr=learner: sklearn_solve(d.X, d.y, lr))
            f_ours = objective(d.Z, fit.u, learner)
            rows.append((t_ours, t_cvx, t_skl, fit.kkt_residual, (objective(d.Z, u_cvx, learner) - f_ours) / f_ours,
                         (objective(d.Z, u_skl, learner) - f_ours) / f_ours))
        med = [statistics.median(col) for col in zip(*rows)]
        print(f"{spec:>13} {med[0] * 1e3:8.2f} {med[1] * 1e3:9.1f} {med[2] * 1e3:9.2f} {med[1] / med[0]:8.0f} "
              f"{med[2] / med[0]:9.1f} {max(r[3] for r in rows):9.1e} {min(r[4] for r in rows):10.1e} "
              f"{min(r[5] for r in rows):11.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
