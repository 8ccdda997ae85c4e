r"""The saddle-point equations of the max-margin student on the kept set, with their Jacobian.

The unit student is parametrised by two angles (``shared/THEORY.md`` in the variables (R, rho)):
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

from theory.integrals import DEFAULT_MAX_WIDTH, GL_W, GL_X, window_moments
from theory.model import Params, window_intervals


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
            windows=window_intervals(params.keep_fraction, params.keep),
            norm=2.0 / params.keep_fraction,
            **quadrature,
        )

    @property
    def n_unknowns(self) -> int:
        return 2 if self.theta == 0.0 else 3


def chi_from_v(v: float) -> float:
    """chi = 2 arctan(exp(v)), the inverse of v = ln tan(chi / 2)."""
    return 2.0 * math.atan(math.exp(v))


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
    second derivatives. Derivatives of E_K[g] with respect to y = (c_m, c_n, sigma, kappa), the
    in-plane weights in the rotated frame (e_m, e_n), are moments of g's derivatives:
    dE/dc = -E[g_u (m, n)], dE/dsigma = E[g_sigma], dE/dkappa = E[g_u], and second derivatives
    E[g_uu (m, n)(m, n)^T], -E[g_usigma (m, n)], -E[g_uu (m, n)], E[g_sigmasigma], E[g_usigma], E[g_uu].
    """
    alpha = problem.params.alpha_prune
    mo = moments(problem, chi, beta, kappa)
    s, c = math.sin(chi), math.cos(chi)
    # gradient and Hessian of F = alpha E - sigma^2 in y = (c_m, c_n, sigma, kappa)
    grad_y = alpha * np.array([-mo[2], -mo[3], mo[4], mo[1]])
    grad_y[2] -= 2.0 * s
    hess_y = alpha * np.array([
        [mo[8], mo[9], -mo[12], -mo[6]],
        [mo[9], mo[10], -mo[13], -mo[7]],
        [-mo[12], -mo[13], mo[14], mo[11]],
        [-mo[6], -mo[7], mo[11], mo[5]],
    ])
    hess_y[2, 2] -= 2.0
    # y(chi, beta, kappa) in the frame at the current beta, and its second derivatives
    y_chi = np.array([-s, 0.0, c, 0.0])
    y_beta = np.array([0.0, c, 0.0, 0.0])
    y_kappa = np.array([0.0, 0.0, 0.0, 1.0])
    jac_y = np.stack([y_chi, y_beta, y_kappa], axis=1)  # [4, 3]
    grad = grad_y @ jac_y
    hess = jac_y.T @ hess_y @ jac_y
    hess[0, 0] += grad_y @ np.array([-c, 0.0, -s, 0.0])
    hess[0, 1] += grad_y @ np.array([0.0, -s, 0.0, 0.0])
    hess[1, 0] = hess[0, 1]
    hess[1, 1] += grad_y @ np.array([-c, 0.0, 0.0, 0.0])
    value = alpha * mo[0] - s * s
    return value, grad, hess


def residual_and_jacobian(q: np.ndarray, problem: Problem):
    """Scaled residuals r(q) and their Jacobian dr/dq (see the module docstring)."""
    v = float(q[0])
    three = problem.n_unknowns == 3
    beta = float(q[1]) if three else 0.0
    k = float(q[-1])
    chi = chi_from_v(v)
    s, c = math.sin(chi), math.cos(chi)
    kappa = k * s
    value, grad, hess = free_energy_terms(problem, chi, beta, kappa)
    idx = [0, 1] if three else [0]
    # raw equations E = (F, F_chi, F_beta) and their derivatives in (chi, beta, kappa)
    eqs = np.concatenate([[value], grad[idx]])
    d_eqs = np.vstack([grad, hess[idx]])  # rows: equations; columns: chi, beta, kappa
    scale = np.array([s * s] + [s] * len(idx))
    d_scale = np.array([2.0 * s * c] + [c] * len(idx))  # d scale / d chi
    r = eqs / scale
    d_r = d_eqs / scale[:, None]
    d_r[:, 0] -= eqs * d_scale / scale**2
    # change of variables (chi, beta, kappa) -> (v, beta, k): dchi/dv = sin chi, kappa = k sin chi
    jac = np.empty((len(r), len(r)))
    jac[:, 0] = s * (d_r[:, 0] + k * c * d_r[:, 2])
    if three:
        jac[:, 1] = d_r[:, 1]
    jac[:, -1] = s * d_r[:, 2]
    return r, jac


def residual(q: np.ndarray, problem: Problem) -> np.ndarray:
    """Scaled residuals r(q) alone."""
    return residual_and_jacobian(q, problem)[0]
