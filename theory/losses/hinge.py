r"""The hinge loss max(0, 1 - m): the soft-margin SVM; as its ridge goes to 0 on separable data, the max-margin
student (``docs/theory.md`` section 8).

Prox (y = +1): h = omega for omega >= 1, h = 1 on [1 - V, 1), h = omega + V below; so 1 - dh/domega is the box
1[1 - V <= omega < 1], whose ends are jumps of +1 at 1 - V (moving with V) and -1 at 1.
"""

from __future__ import annotations

import numba
import numpy as np

from theory.losses import register
from theory.losses.base import DERIVATIVE_SIGNATURE, POINT_SIGNATURE, Loss, identity_node


@numba.njit(POINT_SIGNATURE, cache=True)
def point(y, u, V):
    """(omega, 1, loss'(y, h), (omega - h)^2, 1 - h') at omega = u."""
    omega = u
    yo = y * omega
    if yo >= 1.0:
        return omega, 1.0, 0.0, 0.0, 0.0
    if yo >= 1.0 - V:
        return omega, 1.0, (omega - y) / V, (omega - y) ** 2, 1.0
    return omega, 1.0, -y, V * V, 0.0


@numba.njit(DERIVATIVE_SIGNATURE, cache=True)
def omega_derivatives(omega, u, V):
    """d/domega of (loss', (omega - h)^2, 1 - h') for y = +1 (the box's ends are the jumps)."""
    if 1.0 - V <= omega < 1.0:
        return 1.0 / V, 2.0 * (omega - 1.0), 0.0
    return 0.0, 0.0, 0.0


@numba.njit(DERIVATIVE_SIGNATURE, cache=True)
def v_derivatives(omega, u, V):
    """d/dV at fixed omega of (loss', (omega - h)^2, 1 - h') for y = +1."""
    if omega >= 1.0:
        return 0.0, 0.0, 0.0
    if omega >= 1.0 - V:
        return -(omega - 1.0) / (V * V), 0.0, 0.0
    return 0.0, 2.0 * V, 0.0


def _prox(m_omega, V):
    m_omega = np.asarray(m_omega, dtype=float)
    return np.where(m_omega >= 1.0, m_omega, np.where(m_omega >= 1.0 - V, 1.0, m_omega + V))


def _omega_breaks(V: float) -> np.ndarray:
    return np.array([1.0, 1.0 - V])


def _jumps(V: float) -> np.ndarray:
    return np.array([[1.0 - V, 1.0, -1.0], [1.0, -1.0, 0.0]])


HINGE = register(Loss(
    name="hinge",
    formula="max(0, 1 - m)",
    value=lambda m: np.maximum(0.0, 1.0 - np.asarray(m, dtype=float)),
    derivative=lambda m: np.where(np.asarray(m, dtype=float) < 1.0, -1.0, 0.0),
    curvature=lambda m: np.zeros_like(np.asarray(m, dtype=float)),
    prox=_prox,
    point=point,
    omega_derivatives=omega_derivatives,
    v_derivatives=v_derivatives,
    node=identity_node,
    omega_breaks=_omega_breaks,
    jumps=_jumps,
    solver="hinge",
    ridgeless_limit="max-margin",
))
