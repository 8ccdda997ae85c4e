r"""The convex students of :mod:`theory.learners` on a finite data set, solved to a certified optimum.

With label-signed inputs z_mu = y_mu x_mu (rows of Z) every loss of :mod:`theory.losses` is a function of the
margin m_mu = z_mu . w / sqrt(N), so with u = w / sqrt(N) the student minimises

    F(u) = sum_mu loss(Z_mu . u) + (lambda N / 2) |u|^2.

How is the loss's own choice (:attr:`theory.losses.Loss.solver`), read from the loss object:

* ``quadratic`` (square): the normal equations (c Z^T Z + lambda N I) u = -b Z^T 1 for loss = a + b m + c m^2 / 2,
  by Cholesky (exact);
* ``smooth`` (logistic, squared hinge, any registered smooth loss): L-BFGS-B from u = 0 to a gradient of 1e-6,
  then Newton steps (Cholesky of Z^T D Z + lambda N I, D the loss's curvature; a step is halved until F does not
  increase) until the KKT residual is below tol (default 1e-10; one step, quadratic convergence, usually
  suffices);
* ``hinge``: the dual box QP  min_a (1 / (2 lambda N)) |Z^T a|^2 - 1^T a, 0 <= a <= 1, u = Z^T a / (lambda N),
  by dual coordinate descent (numba; Hsieh et al. 2008) to a projected gradient of 1e-3, then made exact by an
  active-set polish: examples with margin < 1 get a = 1, > 1 get a = 0, and a on the margin set E solves
  Z_E Z_E^T a_E = lambda N 1 - Z_E Z_L^T 1 (the margins on E exactly 1); the partition is corrected and re-solved
  until the KKT conditions hold (at most ``POLISH_ROUNDS`` rounds); where that fails, the max-margin student below
  its ridge threshold, else a primal-dual interior point whose partition the polish makes exact.

Every fit returns its KKT residual (:func:`kkt_residual`): the largest of the relative stationarity
|u - Z^T a / (lambda N)| / |u| with a = -loss'(m) (hinge: the multipliers above), and for the hinge the
multipliers' violations of a in [0, 1], a = 1 where m < 1, a = 0 where m > 1. A fit is converged when that
residual is at most 1e3 tol.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from scipy import linalg, optimize

from theory.learners import Learner

DEFAULT_TOL = 1e-10


@dataclass(frozen=True)
class ConvexFit:
    """u : [N] the minimiser (w / sqrt N); direction : u / |u|; multipliers a : [P] (a = -loss'(m); hinge: the
    dual variables); margin : the smallest margin of the unit student (negative when a training example is
    misclassified); kkt_residual; n_iter; converged (kkt_residual <= 1e3 tol); method."""

    u: np.ndarray
    direction: np.ndarray
    multipliers: np.ndarray
    margin: float
    kkt_residual: float
    n_iter: int
    converged: bool
    method: str


def kkt_residual(Z: np.ndarray, u: np.ndarray, a: np.ndarray, lam_n: float, hinge: bool) -> float:
    """Largest violation of the optimality conditions of F (module docstring); at lambda = 0 the stationarity
    |Z^T a| relative to sum_mu |z_mu| |a_mu| (for the interpolator: the margins' distance from 1)."""
    if lam_n == 0.0:
        scale = max(float(np.linalg.norm(Z, axis=1) @ np.abs(a)), 1e-300)
        return float(np.linalg.norm(Z.T @ a)) / scale if Z.shape[0] >= Z.shape[1] else float(
            np.max(np.abs(Z @ u - 1.0)))
    norm = max(float(np.linalg.norm(u)), 1e-300)
    stationarity = float(np.linalg.norm(u - Z.T @ a / lam_n)) / norm
    if not hinge:
        return stationarity
    m = Z @ u
    scale = max(1.0, float(np.abs(m).max()))
    box = float(max(0.0, -a.min(), a.max() - 1.0))
    below = a[m < 1.0 - 1e-9 * scale]
    above = a[m > 1.0 + 1e-9 * scale]
    slack = max(float(np.max(1.0 - below, initial=0.0)), float(np.max(above, initial=0.0)))
    inside = (a > 0.0) & (a < 1.0)  # strictly inside the box: the margin must be exactly 1
    on_margin = float(np.max(np.abs(m[inside] - 1.0), initial=0.0)) / scale
    return max(stationarity, box, slack, on_margin)


def fit_convex(Z: np.ndarray, learner: str | Learner, tol: float = DEFAULT_TOL,
               raise_on_failure: bool = True) -> ConvexFit:
    """Minimise F(u) for ``learner`` (any loss of :mod:`theory.losses` with ridge L) on label-signed inputs Z [P, N],
    by the loss's solver (module docstring); ``RuntimeError`` when the KKT residual stays above 1e3 tol (unless
    ``raise_on_failure`` is False: then ``converged`` says so)."""
    learner = Learner.parse(learner)
    if learner.is_max_margin:
        raise ValueError("the max-margin student is simulations.student.fit_max_margin")
    Z = np.ascontiguousarray(Z, dtype=np.float64)
    if Z.ndim != 2 or Z.shape[0] < 1 or not np.all(np.isfinite(Z)):
        raise ValueError(f"Z must be a finite [P, N] array, got shape {Z.shape}")
    P, n = Z.shape
    lam_n = learner.lam * n
    loss = learner.loss_function
    if lam_n == 0.0:
        return _ridgeless(Z, learner, tol, raise_on_failure)
    if loss.solver == "quadratic":
        fit = _normal_equations(Z, lam_n, loss)
    elif loss.solver == "smooth":
        fit = _smooth_newton(Z, lam_n, tol, loss)
    else:
        fit = _hinge_dual(Z, lam_n, tol)
    u, a, n_iter, method = fit
    kkt = kkt_residual(Z, u, a, lam_n, loss.solver == "hinge")
    converged = bool(np.all(np.isfinite(u)) and kkt <= 1e3 * tol)
    if raise_on_failure and not converged:
        raise RuntimeError(f"{learner} student ({method}) did not converge: KKT residual {kkt:.3g}")
    direction = u / np.linalg.norm(u)
    return ConvexFit(u, direction, a, float(np.min(Z @ direction)), kkt, n_iter, converged, method)


def _ridgeless(Z: np.ndarray, learner: Learner, tol: float, raise_on_failure: bool) -> ConvexFit:
    """The student at L = 0, as the theory takes it (:func:`theory.convex.ridgeless_problem`): where the sample meets
    the loss's limit constraint, the limit (``max-margin``: the max-margin student, :func:`simulations.student.
    fit_max_margin`, if the sample is separable; ``min-norm``: the minimum-norm interpolator Z^T (Z Z^T)^-1 1 if
    P < N), else the unregularised minimiser: least squares for the square loss, Newton on F without ridge for a
    smooth loss (the logistic MLE, which exists on non-separable data). The unregularised hinge (a linear program)
    is not simulated: ``ValueError``."""
    from simulations.student import fit_max_margin

    loss = learner.loss_function
    P, n = Z.shape
    if loss.ridgeless_limit == "max-margin":
        with np.errstate(all="ignore"):  # non-separable data make the max-margin attempt fail: expected here
            mm = fit_max_margin(Z, raise_on_failure=False)
        if mm.converged:
            return ConvexFit(mm.w, mm.direction, mm.alpha, float(mm.margin), float(mm.kkt_residual), mm.n_iter, True,
                             f"max-margin ({mm.method})")
        if loss.solver == "hinge":
            raise ValueError(f"{learner} on non-separable data is a linear program the Monte Carlo does not solve; "
                             f"use a small ridge, e.g. {learner.kind}:1e-4")
    if loss.solver == "quadratic" and P < n:  # the minimum-norm interpolator
        u = Z.T @ linalg.cho_solve(linalg.cho_factor(Z @ Z.T), np.ones(P))
        a, n_iter, method = linalg.cho_solve(linalg.cho_factor(Z @ Z.T), np.ones(P)), 1, "min-norm interpolator"
    elif loss.solver == "quadratic":
        u, a, n_iter, method = _normal_equations(Z, 0.0, loss)
    else:
        u, a, n_iter, method = _smooth_newton(Z, 0.0, tol, loss)
    kkt = kkt_residual(Z, u, a, 0.0, False)
    converged = bool(np.all(np.isfinite(u)) and kkt <= 1e3 * tol)
    if raise_on_failure and not converged:
        raise RuntimeError(f"{learner} student ({method}) did not converge: KKT residual {kkt:.3g}")
    direction = u / np.linalg.norm(u)
    return ConvexFit(u, direction, a, float(np.min(Z @ direction)), kkt, n_iter, converged, method)


def _normal_equations(Z: np.ndarray, lam_n: float, loss):
    """A quadratic loss a + b m + c m^2 / 2 (b = loss'(0), c = loss''): (c Z^T Z + lambda N I) u = -b Z^T 1."""
    P, n = Z.shape
    b = float(loss.derivative(np.zeros(1))[0])
    c = float(loss.curvature(np.zeros(1))[0])
    gram = Z.T @ Z if c == 1.0 else c * (Z.T @ Z)
    u = linalg.cho_solve(linalg.cho_factor(gram + lam_n * np.eye(n)), (-b) * (Z.T @ np.ones(P)))
    return u, -loss.derivative(Z @ u), 1, "cholesky"


def _smooth_newton(Z: np.ndarray, lam_n: float, tol: float, loss):
    """L-BFGS-B (scipy, 20 corrections) from u = 0 to a gradient of 1e-6, then Newton steps (Cholesky of
    Z^T D Z + lambda N I, D = loss''(m)), each halved (at most 30 times) until F does not increase, until the KKT
    residual |grad F| / (lambda N |u|) is below tol (at most 5 steps; one usually suffices)."""
    def fun(u):
        m = Z @ u
        return float(loss.value(m).sum() + 0.5 * lam_n * u @ u), lam_n * u + Z.T @ loss.derivative(m)

    res = optimize.minimize(fun, np.zeros(Z.shape[1]), jac=True, method="L-BFGS-B",
                            options={"gtol": 1e-6, "ftol": 1e-16, "maxiter": 5000, "maxcor": 20})
    u = res.x
    steps = int(res.nit)
    value, grad = fun(u)
    for _ in range(5):  # Newton steps (Cholesky) from the quasi-Newton answer
        if np.linalg.norm(grad) <= tol * lam_n * max(np.linalg.norm(u), 1e-300):
            break
        hess = (Z.T * loss.curvature(Z @ u)) @ Z + lam_n * np.eye(Z.shape[1])
        step = linalg.cho_solve(linalg.cho_factor(hess), grad)
        t = 1.0
        for _ in range(30):
            trial = u - t * step
            trial_value, trial_grad = fun(trial)
            if trial_value <= value + 1e-12 * abs(value):
                break
            t *= 0.5
        u, value, grad = trial, trial_value, trial_grad
        steps += 1
    return u, -loss.derivative(Z @ u), steps, "l-bfgs-b+newton"


@numba.njit(cache=True)
def _hinge_dual_cd_from(Z, lam_n, a0, tol, max_epochs):
    """Dual coordinate descent (Hsieh et al. 2008) on min (1/2) a^T Q a - 1^T a, 0 <= a <= 1, Q = Z Z^T / (lambda N):
    cyclic exact minimisation in each a_i, keeping v = Z^T a. Stops when the largest projected gradient is
    below tol; returns (a, epochs)."""
    P, n = Z.shape
    a = a0.copy()
    v = Z.T @ a
    diag = np.empty(P)
    for i in range(P):
        diag[i] = (Z[i] @ Z[i]) / lam_n
    for epoch in range(1, max_epochs + 1):
        worst = 0.0
        for i in range(P):
            g = (Z[i] @ v) / lam_n - 1.0
            pg = min(g, 0.0) if a[i] <= 0.0 else (max(g, 0.0) if a[i] >= 1.0 else g)
            worst = max(worst, abs(pg))
            if pg != 0.0:
                new = min(max(a[i] - g / diag[i], 0.0), 1.0)
                delta = new - a[i]
                if delta != 0.0:
                    v += delta * Z[i]
                    a[i] = new
        if worst < tol:
            return a, epoch
    return a, max_epochs


def _hinge_dual(Z: np.ndarray, lam_n: float, tol: float):
    """1. Dual coordinate descent from a = 0 to a projected gradient of 1e-3 (at most FIRST_EPOCHS epochs), then the
    active-set polish (:func:`_hinge_polish`), which makes the KKT conditions exact from the right partition.
    2. If that fails (small lambda, where descent is slow): below a threshold in lambda the hinge student *is* the
    max-margin one (all margins >= 1 cost no loss): if the data are separable and lambda N max(alpha_mm) <= 1
    (alpha_mm the max-margin dual variables, :func:`simulations.student.fit_max_margin`), a = lambda N alpha_mm is
    optimal, exactly; otherwise a primal-dual interior point finds the partition and the polish makes it exact
    (:func:`_hinge_interior_point`)."""
    from simulations.student import fit_max_margin

    a, epochs = _hinge_dual_cd_from(Z, lam_n, np.zeros(Z.shape[0]), 1e-3, FIRST_EPOCHS)
    polished = _hinge_polish(Z, lam_n, a)
    if polished is not None:
        u, a_exact, rounds = polished
        return u, a_exact, epochs + rounds, "dual-cd+active-set"
    with np.errstate(all="ignore"):  # non-separable data make the max-margin attempt fail: expected, not an error
        mm = fit_max_margin(Z, raise_on_failure=False)
    if mm.converged and lam_n * float(mm.alpha.max()) <= 1.0:
        a = lam_n * mm.alpha
        return Z.T @ a / lam_n, a, epochs + mm.n_iter, "max-margin (below the ridge threshold)"
    u, a, iterations, exact = _hinge_interior_point(Z, lam_n)
    return u, a, epochs + iterations, "interior-point+active-set" if exact else "interior-point"


def _hinge_interior_point(Z: np.ndarray, lam_n: float, max_iter: int = 100):
    """Primal-dual interior point (Mehrotra predictor-corrector) for min (lambda N / 2)|u|^2 + sum xi subject to
    Z u + xi >= 1 (multipliers a), xi >= 0 (multipliers b = 1 - a at the optimum). Eliminating everything but u
    leaves (lambda N I + Z^T W Z) du = rhs with W = a b / (a xi + b s) (s the slack of Z u + xi >= 1): one N x N
    Cholesky factorisation a step, two solves. Once the duality measure mu is below 1e-7 each step tries the
    active-set polish (:func:`_hinge_polish`), which makes the KKT conditions exact from the partition the
    interior point has found (15-18 steps at hinge:0.001...0.1, N = 200, P = 800). Returns (u, a, steps,
    exact); exact is False if the polish never succeeded (the answer is then the interior point's)."""
    P, n = Z.shape
    u = np.zeros(n)
    xi = np.full(P, 2.0)
    s = Z @ u + xi - 1.0
    a = np.full(P, 0.5)
    b = np.full(P, 0.5)

    def direction(r_u, r_xi, r_s, r_as, r_bx):
        w = a * b / (a * xi + b * s)
        rhs1 = -r_s - r_as / a - (s / a) * (r_xi + r_bx / xi)
        d1 = 1.0 + s * b / (a * xi)
        du = linalg.cho_solve(linalg.cho_factor(lam_n * np.eye(n) + (Z.T * w) @ Z),
                              -r_u + Z.T @ (r_xi + r_bx / xi + w * rhs1))
        dxi = (rhs1 - Z @ du) / d1
        da = r_xi + r_bx / xi + (b / xi) * dxi
        return du, dxi, -r_as / a - (s / a) * da, da, -r_bx / xi - (b / xi) * dxi

    def longest(v, dv):
        neg = dv < 0.0
        return min(1.0, float(np.min(-v[neg] / dv[neg]))) if neg.any() else 1.0

    for step in range(1, max_iter + 1):
        residuals = (lam_n * u - Z.T @ a, 1.0 - a - b, Z @ u + xi - 1.0 - s)
        mu = (a @ s + b @ xi) / (2 * P)
        if mu < 1e-7:
            polished = _hinge_polish(Z, lam_n, np.clip(a, 0.0, 1.0))
            if polished is not None:
                return polished[0], polished[1], step, True
        if mu < 1e-15:
            break
        try:
            affine = direction(*residuals, a * s, b * xi)
            ds_, da_, db_, dxi_ = affine[2], affine[3], affine[4], affine[1]
            alpha = min(longest(xi, dxi_), longest(s, ds_), longest(a, da_), longest(b, db_))
            mu_aff = ((a + alpha * da_) @ (s + alpha * ds_) + (b + alpha * db_) @ (xi + alpha * dxi_)) / (2 * P)
            sigma = (mu_aff / mu) ** 3
            du, dxi, ds, da, db = direction(*residuals, a * s + da_ * ds_ - sigma * mu,
                                            b * xi + db_ * dxi_ - sigma * mu)
        except linalg.LinAlgError:
            break
        alpha = 0.99 * min(longest(xi, dxi), longest(s, ds), longest(a, da), longest(b, db))
        u, xi, s, a, b = u + alpha * du, xi + alpha * dxi, s + alpha * ds, a + alpha * da, b + alpha * db
    return u, np.clip(a, 0.0, 1.0), step, False


FIRST_EPOCHS = 3000
POLISH_ROUNDS = 12


def _hinge_polish(Z: np.ndarray, lam_n: float, a: np.ndarray):
    """Active-set polish of approximate dual variables a: (u, a, rounds) with the KKT conditions exact, or None.

    Partition L (a = 1), E (0 < a < 1), R (a = 0) from a; solve the margins on E to exactly 1; move E members whose
    a leaves [0, 1] to R or L and L / R members whose margin crossed 1 into E; repeat (at most POLISH_ROUNDS rounds:
    from a partition that far off, more descent is cheaper than more rounds)."""
    state = np.where(a >= 1.0 - 1e-8, 0, np.where(a <= 1e-8, 2, 1))  # 0 = L, 1 = E, 2 = R
    for rounds in range(1, POLISH_ROUNDS + 1):
        low, on = state == 0, state == 1
        a_new = np.where(low, 1.0, 0.0)
        if on.any():
            ze = Z[on]
            rhs = lam_n * np.ones(int(on.sum())) - ze @ (Z[low].T @ np.ones(int(low.sum())))
            a_new[on] = linalg.lstsq(ze @ ze.T, rhs)[0]
        m_new = Z @ (Z.T @ a_new) / lam_n
        moved = False
        for mask, target in ((on & (a_new < -1e-12), 2), (on & (a_new > 1.0 + 1e-12), 0),
                             (low & (m_new > 1.0 + 1e-12), 1), ((state == 2) & (m_new < 1.0 - 1e-12), 1)):
            if mask.any():
                state[mask] = target
                moved = True
        if not moved:
            return Z.T @ a_new / lam_n, np.clip(a_new, 0.0, 1.0), rounds
    return None


