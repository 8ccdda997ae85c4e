r"""The saddle-point equations of the max-margin student on the kept set, with their Jacobian.

The unit student is parametrised by two angles (``docs/theory.md`` in the variables (R, rho)):
chi, the angle between the student and the teacher-probe plane, and beta, the angle of its in-plane
projection from the probe. In the basis (J_p, e_w) of that plane the in-plane weight vector is
c = cos(chi) (cos beta, sin beta) and the orthogonal weight is sigma = sin(chi), so

.. math::  R = \cos\chi\cos(\theta - \beta), \qquad \rho = \cos\chi\cos\beta,
           \qquad 1 - s = \sigma^2 = \sin^2\chi .

For theta = 0 the probe is the teacher, beta = 0 and R = cos(chi). The angle parametrisation keeps
1 - R^2 free of cancellation when the error is tiny. With E_K the expectation over the kept set,

.. math::  F(\chi, \beta, \kappa)
           = \alpha_{prune} E_K[g(\kappa - \mathrm{sign}(t)\, c\cdot(z, w), \sigma)] - \sigma^2,

and the max-margin student solves F = 0, dF/dchi = 0, dF/dbeta = 0 (the largest kappa whose minimum
of F over directions is zero). The solver works with the scaled unknowns
q = (v, beta, k), v = ln tan(chi/2), k = kappa / sigma, and the scaled residuals

.. math::  r = (F / \sigma^2,\; F_\chi / \sigma,\; F_\beta / \sigma),

all O(1) in every regime (including the exponential one where chi ~ f). For theta = 0 the
unknowns are (v, k) and the residuals (F / sigma^2, F_chi / sigma).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from theory.integrals import (
    DEFAULT_MAX_WIDTH,
    G_S,
    G_SS,
    G_U,
    G_U_M,
    G_U_N,
    G_US,
    G_US_M,
    G_US_N,
    G_UU,
    G_UU_M,
    G_UU_MM,
    G_UU_MN,
    G_UU_N,
    G_UU_NN,
    GL_W,
    GL_X,
    G,
    window_moments,
)
from theory.kept import KeptMeasure
from theory.model import Params


@dataclass(frozen=True)
class Problem:
    """The data of one saddle-point problem, precomputed from :class:`~theory.model.Params`."""

    params: Params
    theta: float
    windows: np.ndarray
    norm: float
    gl_x: np.ndarray = field(default_factory=lambda: GL_X)
    gl_w: np.ndarray = field(default_factory=lambda: GL_W)
    max_width: float = DEFAULT_MAX_WIDTH

    @classmethod
    def from_params(cls, params: Params, **quadrature) -> Problem:
        return cls(
            params=params,
            theta=params.probe_angle,
            windows=KeptMeasure(params).windows(),
            norm=2.0 / params.keep_fraction,
            **quadrature,
        )

    @property
    def n_unknowns(self) -> int:
        return 2 if self.theta == 0.0 else 3


def chi_from_v(v: float) -> float:
    """chi = 2 arctan(exp(v)), the inverse of v = ln tan(chi / 2)."""
    return 2.0 * math.atan(math.exp(min(max(v, -300.0), 300.0)))


def v_from_chi(chi: float) -> float:
    """v = ln tan(chi / 2)."""
    return math.log(math.tan(0.5 * chi))


def moments(problem: Problem, chi: float, beta: float, kappa: float) -> np.ndarray:
    """The window moments of :func:`theory.integrals.window_moments` at (chi, beta, kappa)."""
    return window_moments(
        problem.theta, beta, math.cos(chi), math.sin(chi), kappa, problem.windows,
        problem.norm, problem.gl_x, problem.gl_w, problem.max_width,
    )


def free_energy_terms(problem: Problem, chi: float, beta: float, kappa: float):
    """F and its first and second derivatives in (chi, beta, kappa).

    Returns ``(F, grad, hess)`` with grad = (F_chi, F_beta, F_kappa) and hess the 3 x 3 matrix of
    second derivatives (see :func:`_free_energy_terms`).
    """
    mo = moments(problem, chi, beta, kappa)
    return _free_energy_terms(mo, problem.params.alpha_prune, chi)


@njit(cache=True, error_model="numpy")
def _free_energy_terms(mo, alpha, chi):
    """F = alpha E_K[g] - sigma^2 and its derivatives in (chi, beta, kappa) from the window moments.

    Derivatives of E_K[g] with respect to y = (c_m, c_n, sigma, kappa), the in-plane weights in the
    rotated frame (e_m, e_n), are moments of g's derivatives: dE/dc = -E[g_u (m, n)],
    dE/dsigma = E[g_sigma], dE/dkappa = E[g_u]; second derivatives E[g_uu (m, n)(m, n)^T],
    -E[g_usigma (m, n)], -E[g_uu (m, n)], E[g_sigmasigma], E[g_usigma], E[g_uu]. The chain rule uses
    y(chi, beta, kappa) = (cos chi, 0, sin chi, kappa) in the frame at the current beta, with
    dy/dchi = (-sin chi, 0, cos chi, 0), dy/dbeta = (0, cos chi, 0, 0) and second derivatives
    d2y/dchi2 = (-cos chi, 0, -sin chi, 0), d2y/dchi dbeta = (0, -sin chi, 0, 0),
    d2y/dbeta2 = (-cos chi, 0, 0, 0).
    """
    s, c = math.sin(chi), math.cos(chi)
    grad_y = np.empty(4)
    grad_y[0] = -alpha * mo[G_U_M]
    grad_y[1] = -alpha * mo[G_U_N]
    grad_y[2] = alpha * mo[G_S] - 2.0 * s
    grad_y[3] = alpha * mo[G_U]
    hess_y = np.empty((4, 4))
    entries = ((0, 0, mo[G_UU_MM]), (0, 1, mo[G_UU_MN]), (0, 2, -mo[G_US_M]), (0, 3, -mo[G_UU_M]),
               (1, 1, mo[G_UU_NN]), (1, 2, -mo[G_US_N]), (1, 3, -mo[G_UU_N]), (2, 2, mo[G_SS]),
               (2, 3, mo[G_US]), (3, 3, mo[G_UU]))
    for i, j, val in entries:
        hess_y[i, j] = alpha * val
        hess_y[j, i] = alpha * val
    hess_y[2, 2] -= 2.0
    jac_y = np.zeros((4, 3))
    jac_y[0, 0] = -s
    jac_y[2, 0] = c
    jac_y[1, 1] = c
    jac_y[3, 2] = 1.0
    grad = grad_y @ jac_y
    hess = jac_y.T @ hess_y @ jac_y
    hess[0, 0] += -c * grad_y[0] - s * grad_y[2]
    hess[0, 1] += -s * grad_y[1]
    hess[1, 0] = hess[0, 1]
    hess[1, 1] += -c * grad_y[0]
    return alpha * mo[G] - s * s, grad, hess


@njit(cache=True, error_model="numpy")
def _scaled_system(mo, alpha, chi, k, n_unknowns):
    """Scaled residuals and Jacobian in q = (v, [beta,] k) from the window moments."""
    s, c = math.sin(chi), math.cos(chi)
    value, grad, hess = _free_energy_terms(mo, alpha, chi)
    n = n_unknowns
    r = np.empty(n)
    d_r = np.empty((n, 3))  # rows: equations; columns: chi, beta, kappa
    # F / sigma^2
    r[0] = value / (s * s)
    for j in range(3):
        d_r[0, j] = grad[j] / (s * s)
    d_r[0, 0] -= value * 2.0 * c / s**3
    # F_chi / sigma and F_beta / sigma
    for e in range(n - 1):
        r[e + 1] = grad[e] / s
        for j in range(3):
            d_r[e + 1, j] = hess[e, j] / s
        d_r[e + 1, 0] -= grad[e] * c / (s * s)
    # (chi, beta, kappa) -> (v, beta, k): dchi/dv = sin chi, kappa = k sin chi
    jac = np.empty((n, n))
    for e in range(n):
        jac[e, 0] = s * (d_r[e, 0] + k * c * d_r[e, 2])
        if n == 3:
            jac[e, 1] = d_r[e, 1]
        jac[e, n - 1] = s * d_r[e, 2]
    return r, jac


def residual_and_jacobian(q: np.ndarray, problem: Problem):
    """Scaled residuals r(q) and their Jacobian dr/dq (see the module docstring)."""
    beta = float(q[1]) if problem.n_unknowns == 3 else 0.0
    k = float(q[-1])
    chi = chi_from_v(float(q[0]))
    mo = moments(problem, chi, beta, k * math.sin(chi))
    return _scaled_system(mo, problem.params.alpha_prune, chi, k, problem.n_unknowns)


def residual(q: np.ndarray, problem: Problem) -> np.ndarray:
    """Scaled residuals r(q) alone."""
    return residual_and_jacobian(q, problem)[0]
