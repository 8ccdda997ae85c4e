r"""The squared hinge max(0, 1 - m)^2 / 2: the default loss of scikit-learn's ``LinearSVC`` (``docs/theory.md``
section 8). As its ridge goes to 0 on separable data its direction is the max-margin one.

Prox (y = +1): h = omega for omega >= 1, else h = (omega + V) / (1 + V) (which is < 1 there). So loss'(h) =
min(0, h - 1), and 1 - dh/domega = V / (1 + V) below omega = 1 and 0 above: a jump of -V / (1 + V) at omega = 1,
a place that does not move with V.
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
    if y * omega >= 1.0:
        return omega, 1.0, 0.0, 0.0, 0.0
    h = (omega + V * y) / (1.0 + V)
    return omega, 1.0, h - y, (omega - h) ** 2, V / (1.0 + V)


@numba.njit(DERIVATIVE_SIGNATURE, cache=True)
def omega_derivatives(omega, u, V):
    """d/domega of (loss', (omega - h)^2, 1 - h') for y = +1 (the jump of 1 - h' at omega = 1 is in ``jumps``)."""
    if omega >= 1.0:
        return 0.0, 0.0, 0.0
    h = (omega + V) / (1.0 + V)
    return 1.0 / (1.0 + V), 2.0 * (omega - h) * V / (1.0 + V), 0.0


@numba.njit(DERIVATIVE_SIGNATURE, cache=True)
def v_derivatives(omega, u, V):
    """d/dV at fixed omega of (loss', (omega - h)^2, 1 - h') for y = +1."""
    if omega >= 1.0:
        return 0.0, 0.0, 0.0
    dh = (1.0 - omega) / (1.0 + V) ** 2
    h = (omega + V) / (1.0 + V)
    return dh, -2.0 * (omega - h) * dh, 1.0 / (1.0 + V) ** 2


def _prox(m_omega, V):
    m_omega = np.asarray(m_omega, dtype=float)
    return np.where(m_omega >= 1.0, m_omega, (m_omega + V) / (1.0 + V))


SQUARED_HINGE = register(Loss(
    name="squared-hinge",
    formula="max(0, 1 - m)^2 / 2",
    value=lambda m: 0.5 * np.maximum(0.0, 1.0 - np.asarray(m, dtype=float)) ** 2,
    derivative=lambda m: np.minimum(0.0, np.asarray(m, dtype=float) - 1.0),
    curvature=lambda m: (np.asarray(m, dtype=float) < 1.0).astype(float),
    prox=_prox,
    point=point,
    omega_derivatives=omega_derivatives,
    v_derivatives=v_derivatives,
    node=identity_node,
    omega_breaks=lambda V: np.array([1.0]),
    jumps=lambda V: np.array([[1.0, -V / (1.0 + V), 0.0]]),
    solver="smooth",
    ridgeless_limit="max-margin",
))
