"""The losses of theory.losses: each one object read by every quadrature route and by the Monte Carlo.

* every registered loss: its numba pieces agree with its numpy definition (the prox solves h + V loss'(h) =
  omega; the omega and V derivatives and the jumps of 1 - dh/domega agree with finite differences of ``point``);
* the squared hinge (``squared-hinge:L``, the default loss of scikit-learn's LinearSVC), added through the new
  design: converged on every quadrature route, the three routes agree on the same moments, the analytic Jacobian
  agrees with finite differences, it tends to the max-margin student as L -> 0 (error O(L)), and its Monte Carlo
  student is KKT-certified and equals LinearSVC's and CVXPY's;
* a loss defined in this file alone (the exponential loss e^-m), registered, gets a converged theory point on the
  window, shared-grid and two-dimensional routes and a certified Monte Carlo answer, without an edit to the library.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest

from simulations.convex_student import fit_convex
from simulations.data import sample_pruned
from tests.convex_reference import residual_jacobian_by_differences
from theory import Params, solve_point
from theory.convex import ConvexProblem
from theory.convex_moments import moments_and_jacobian
from theory.convolution_moments import moments_shared_grid
from theory.learners import Learner
from theory.losses import (
    DERIVATIVE_SIGNATURE,
    LOSSES,
    NODE_SIGNATURE,
    POINT_SIGNATURE,
    Loss,
    get_loss,
    register,
)
from theory.window_moments import moments_theta0

# --- the exponential loss e^-m, defined here alone --------------------------------------------------------------


@numba.njit(POINT_SIGNATURE)
def _exp_point(y, u, V):
    """At the node u = h: omega = h + V loss'(y, h) with loss'(y, h) = -y e^(-y h), loss'' = e^(-y h)."""
    e = math.exp(-y * u)
    d1 = -y * e
    return u + V * d1, 1.0 + V * e, d1, (V * d1) ** 2, V * e / (1.0 + V * e)


@numba.njit(DERIVATIVE_SIGNATURE)
def _exp_omega_derivatives(omega, u, V):
    e = math.exp(-u)  # y = +1: loss'' = e, loss''' = -e
    hp = 1.0 / (1.0 + V * e)
    return e * hp, 2.0 * (omega - u) * (1.0 - hp), -V * e * hp ** 3


@numba.njit(DERIVATIVE_SIGNATURE)
def _exp_v_derivatives(omega, u, V):
    e = math.exp(-u)
    dh = e / (1.0 + V * e)  # dh/dV = -loss'(h) / (1 + V loss''(h))
    return e * dh, -2.0 * (omega - u) * dh, (e - V * e * dh) / (1.0 + V * e) ** 2


@numba.njit(NODE_SIGNATURE)
def _exp_node(y, omega, V):
    """h = prox(omega): g = y h solves g - V e^-g = y omega (increasing in g), by Newton from a bracket."""
    a = y * omega
    lo = a
    hi = a + V * math.exp(-a)  # g > a, and g - V e^-g at this g is >= a
    g = 0.5 * (lo + hi)
    for _ in range(200):
        r = g - V * math.exp(-g) - a
        if r > 0.0:
            hi = g
        else:
            lo = g
        step = r / (1.0 + V * math.exp(-g))
        new = g - step
        if not lo < new < hi:
            new = 0.5 * (lo + hi)
        if abs(new - g) <= 1e-15 * (1.0 + abs(g)):
            return y * new
        g = new
    return y * g


def _exp_prox(m_omega, V):
    return np.array([_exp_node(1.0, float(w), V) for w in np.ravel(m_omega)]).reshape(np.shape(m_omega))


EXP_BREAKS_H = np.array([-8.0, -5.0, -3.0, -1.5, 0.0, 1.5, 3.0, 5.0, 8.0, 12.0, 18.0, 24.0, 30.0])


def _exp_loss() -> Loss:
    return Loss(
        name="exponential",
        formula="e^-m",
        value=lambda m: np.exp(-np.asarray(m, dtype=float)),
        derivative=lambda m: -np.exp(-np.asarray(m, dtype=float)),
        curvature=lambda m: np.exp(-np.asarray(m, dtype=float)),
        prox=_exp_prox,
        point=_exp_point,
        omega_derivatives=_exp_omega_derivatives,
        v_derivatives=_exp_v_derivatives,
        node=_exp_node,
        omega_breaks=lambda V: EXP_BREAKS_H - V * np.exp(-EXP_BREAKS_H),  # where e^-h varies, mapped to omega
        jumps=lambda V: np.empty((0, 3)),
        solver="smooth",
        ridgeless_limit="max-margin",
    )


@pytest.fixture(scope="module")
def exponential():
    loss = LOSSES.get("exponential") or register(_exp_loss())
    yield loss
    LOSSES.pop("exponential", None)


# --- every loss: its pieces agree with each other ------------------------------------------------------------------

OMEGAS = np.array([-3.1, -1.2, -0.4, 0.05, 0.37, 0.81, 1.43, 2.6])


def _losses(exponential_loss=None):
    return [get_loss(name) for name in ("hinge", "logistic", "square", "squared-hinge")]


@pytest.mark.parametrize("name", ["hinge", "logistic", "square", "squared-hinge", "exponential"])
@pytest.mark.parametrize("V", [0.3, 2.0])
def test_prox_point_and_derivatives_agree(name, V, exponential):
    """h = prox(omega) solves h + V loss'(h) = omega (the loss's numpy derivative); ``point`` at the loss's node
    gives back omega, loss'(h), (omega - h)^2; the omega- and V-derivatives agree with central differences of
    ``point`` (1e-6 steps, agreement 1e-6) away from kinks."""
    loss = get_loss(name)
    for omega in OMEGAS:
        if name == "hinge" and min(abs(omega - 1.0), abs(omega - 1.0 + V)) < 1e-3:
            continue
        h = float(loss.prox(np.array([omega]), V)[0])
        if loss.solver != "hinge":  # the hinge's derivative at its kink is a subgradient
            assert h + V * float(loss.derivative(np.array([h]))[0]) == pytest.approx(omega, abs=1e-12)
        u = loss.node(1.0, omega, V)
        om, _, d1, dev2, soft = loss.point(1.0, u, V)
        assert om == pytest.approx(omega, abs=1e-12)
        assert d1 == pytest.approx((omega - h) / V, abs=1e-10)
        assert dev2 == pytest.approx((omega - h) ** 2, abs=1e-10)

        def values(w, v):
            return np.array(loss.point(1.0, loss.node(1.0, w, v), v)[2:])

        step = 1e-6
        d_omega = (values(omega + step, V) - values(omega - step, V)) / (2 * step)
        d_v = (values(omega, V + step) - values(omega, V - step)) / (2 * step)
        near_jump = any(abs(omega - j[0]) < 1e-3 for j in loss.jumps(V))
        if not near_jump:
            np.testing.assert_allclose(loss.omega_derivatives(omega, u, V), d_omega, atol=1e-6)
            np.testing.assert_allclose(loss.v_derivatives(omega, u, V), d_v, atol=1e-6)


@pytest.mark.parametrize("name", ["hinge", "squared-hinge"])
def test_jumps_are_the_steps_of_one_minus_h_prime(name):
    """Each row (omega_j, size, d omega_j / dV) of ``jumps``: 1 - dh/domega steps by ``size`` across omega_j, and
    omega_j moves with V at the stated rate."""
    loss = get_loss(name)
    V, eps = 0.7, 1e-9
    for place, size, rate in loss.jumps(V):
        left = loss.point(1.0, place - eps, V)[4]
        right = loss.point(1.0, place + eps, V)[4]
        assert right - left == pytest.approx(size, abs=1e-12)
        moved = loss.jumps(V + 1e-3)
        assert any(abs(p - (place + 1e-3 * rate)) < 1e-12 for p in moved[:, 0])


# --- the squared hinge through every route ------------------------------------------------------------------------


@pytest.mark.parametrize("keep, theta, labels", [("hard", 0.0, "flip:0.1"), ("uncertainty:1,5", 0.0, "flip:0.1"),
                                                 ("hard", 10.0, "flip:0.1"), ("easy", 10.0, "logit:5"),
                                                 ("agree-hard", 0.0, "flip:0.1")])
def test_squared_hinge_converges_on_every_route(keep, theta, labels):
    """The window route (theta = 0, windows), the shared grid (theta = 0, a smooth rule), the two-dimensional
    quadrature (theta > 0), a label-aware rule: converged, residual below 1e-10, eps in (0, 1/2)."""
    res = solve_point(Params(2.0, 0.3, keep, theta, "squared-hinge:0.1", labels))
    assert res.success and res.residual < 1e-10 and res.route == "convex"
    assert 0.0 < res.eps < 0.5
    assert res.record()["learner"] == "squared-hinge:0.1"


def test_squared_hinge_quadrature_routes_agree():
    """At theta = 0 with a hard window the closed-form z integral (window route), the shared omega grid and the
    per-node two-dimensional quadrature compute the same moments (A_z, B, C, M) to 1e-11: the loss's one definition
    read three ways."""
    prob = ConvexProblem(Params(2.0, 0.3, "hard", 0.0, "squared-hinge:0.1", "flip:0.1"))
    cz, sigma, V = 0.9, 0.6, 0.8
    window = moments_theta0(prob.loss, V, cz, sigma, prob.pieces)
    z, w = prob.z_quadrature(cz, 0.0, sigma, V)
    grid, _ = moments_shared_grid(prob.loss, V, cz, sigma, z, w * prob.labels.prob_plus(z))
    two_d, _ = moments_and_jacobian(prob.loss, V, cz, 0.0, sigma, 0.0, prob.channel, prob.chan_param, z, w)
    for other in (grid, two_d):
        np.testing.assert_allclose(other[[0, 2, 3, 4]], window[[0, 2, 3, 4]], rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("keep, theta", [("hard", 10.0), ("uncertainty:1,5", 0.0)])
def test_squared_hinge_jacobian_is_the_derivative_of_the_residual(keep, theta):
    """The analytic Jacobian (Stein's identity plus the jump of 1 - h' at omega = 1) against central differences of
    the residual (steps 1e-6: agreement to 1e-7)."""
    params = Params(2.0, 0.3, keep, theta, "squared-hinge:0.1", "flip:0.1")
    prob = ConvexProblem(params)
    x = np.array(solve_point(params).q) * 1.05
    _, jac, _ = prob.residual_and_jacobian(x)
    np.testing.assert_allclose(jac, residual_jacobian_by_differences(prob, x), atol=1e-7)


def test_squared_hinge_tends_to_max_margin():
    """On separable (clean) data the squared hinge's direction tends to the max-margin one as L -> 0, with an
    O(L) difference: measured |eps(L) - eps_mm| = 2.69e-6 at L = 1e-6 and 2.69e-8 at 1e-8, i.e. 2.69 L (alpha_prune =
    4, f = 0.2, keep hard, theta = 10 deg; eps_mm = 0.0393)."""
    eps_mm = solve_point(Params(4.0, 0.2, "hard", 10.0)).eps
    gaps = [abs(solve_point(Params(4.0, 0.2, "hard", 10.0, f"squared-hinge:{lam}")).eps - eps_mm)
            for lam in (1e-6, 1e-8)]
    assert gaps[1] < 1e-6 * eps_mm
    assert 0.005 < gaps[1] / gaps[0] < 0.02  # O(L): a hundredfold smaller ridge, a hundredfold smaller gap


def test_squared_hinge_monte_carlo_matches_linear_svc_and_cvxpy():
    """The Monte Carlo student (L-BFGS-B then Newton, KKT-certified) equals scikit-learn's LinearSVC(loss=
    "squared_hinge", dual=False, fit_intercept=False, C = 1/(2 L)) on the inputs x / sqrt(N) and CVXPY/Clarabel:
    directions to 1e-6 and objectives within 1e-9 (relative)."""
    from sklearn.svm import LinearSVC

    from tests.convex_reference import cvxpy_solve, objective

    lam, n = 0.05, 100
    learner = Learner.parse(f"squared-hinge:{lam}")
    data = sample_pruned(Params(2.0, 0.3, "hard", 10.0, str(learner), "flip:0.1"), n, 3)
    fit = fit_convex(data.Z, learner)
    assert fit.converged and fit.kkt_residual <= 1e-10
    signs = np.where(np.arange(data.Z.shape[0]) % 2 == 0, 1.0, -1.0)  # (y x, +1) and (-y x, -1): the same loss
    svc = LinearSVC(loss="squared_hinge", dual=False, fit_intercept=False, C=1.0 / (2.0 * lam), tol=1e-12,
                    max_iter=100000).fit(signs[:, None] * data.Z / math.sqrt(n), signs)
    u_svc = svc.coef_.ravel() / math.sqrt(n)  # w = coef; u = w / sqrt(N)
    u_cvx = cvxpy_solve(data.Z, learner)
    for other in (u_svc, u_cvx):
        np.testing.assert_allclose(other / np.linalg.norm(other), fit.direction, atol=1e-6)
        assert objective(data.Z, fit.u, learner) <= objective(data.Z, other, learner) * (1 + 1e-9)


# --- a loss defined in this file ----------------------------------------------------------------------------------


@pytest.mark.parametrize("keep, theta", [("hard", 0.0), ("uncertainty:1,5", 0.0), ("easy", 10.0)])
def test_a_loss_defined_here_gets_a_theory_point(exponential, keep, theta):
    """exponential:0.1 through theory.Params and solve_point, with no edit to the library: converged on the window
    route, the shared grid and the two-dimensional quadrature; its analytic Jacobian agrees with differences."""
    params = Params(2.0, 0.3, keep, theta, "exponential:0.1", "flip:0.1")
    res = solve_point(params)
    assert res.success and res.residual < 1e-10 and 0.0 < res.eps < 0.5, res
    prob = ConvexProblem(params)
    got = prob.residual_and_jacobian(np.array(res.q) * 1.03)
    if got is not None:  # the window route solves without a Jacobian
        _, jac, _ = got
        x = np.array(res.q) * 1.03
        for j in range(x.size):
            e = np.zeros_like(x)
            e[j] = 1e-6
            np.testing.assert_allclose(jac[:, j], (prob.residual(x + e) - prob.residual(x - e)) / 2e-6, atol=1e-6)


def test_a_loss_defined_here_gets_a_certified_monte_carlo_answer(exponential):
    """The Monte Carlo student of exponential:0.1 (the generic smooth solver, reading the loss's value, derivative
    and curvature) is KKT-certified and equals CVXPY's exponential-loss optimum (objective within 1e-8)."""
    import cvxpy as cp

    learner = Learner.parse("exponential:0.1")
    data = sample_pruned(Params(2.0, 0.3, "hard", 0.0, "exponential:0.1", "flip:0.1"), 80, 1)
    fit = fit_convex(data.Z, learner)
    assert fit.converged and fit.kkt_residual <= 1e-10 and fit.method == "l-bfgs-b+newton"
    u = cp.Variable(data.Z.shape[1])
    lam_n = 0.1 * data.Z.shape[1]
    cp.Problem(cp.Minimize(cp.sum(cp.exp(-(data.Z @ u))) + lam_n / 2 * cp.sum_squares(u))).solve(solver=cp.CLARABEL)

    def f(v):
        return float(np.exp(-(data.Z @ v)).sum() + lam_n / 2 * v @ v)

    assert f(fit.u) <= f(np.asarray(u.value)) * (1 + 1e-8)


def test_registering_checks_the_loss(exponential):
    """A name already taken by another loss, or a loss whose pieces are not numba functions, is refused."""
    with pytest.raises(ValueError, match="taken"):
        register(_exp_loss())  # a second, different object under the same name
    with pytest.raises(ValueError, match="numba"):
        Loss(**{**_exp_loss().__dict__, "name": "bad", "point": lambda y, u, V: (u, 1.0, 0.0, 0.0, 0.0)})
    with pytest.raises(ValueError, match="unknown loss"):
        get_loss("no-such-loss")


def test_kernel_caches_are_keyed_to_the_losses():
    """numba invalidates a kernel's disk cache only when the kernel's own file changes: the kernel modules record the
    fingerprint of the loss sources they call into, and this fails until a change to a loss is recorded there (which
    makes numba recompile). Update LOSSES_FINGERPRINT in the three kernel modules to theory.losses.compiled.
    fingerprint() after editing theory/losses/{compiled,hinge,logistic,square,squared_hinge,constraints}.py."""
    from theory import convex_moments, convolution_moments, window_moments
    from theory.losses.compiled import fingerprint

    for module in (convex_moments, window_moments, convolution_moments):
        assert module.LOSSES_FINGERPRINT == fingerprint(), module.__name__
