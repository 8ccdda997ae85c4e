r"""The square loss (1 - m)^2 / 2 = (y - t)^2 / 2: ridge regression on the +-1 labels (``docs/theory.md`` section 8).

Prox (y = +1): h = (omega + V) / (1 + V); 1 - dh/domega = V / (1 + V) everywhere.
"""

from __future__ import annotations

import numba
import numpy as np

from theory.losses import register
from theory.losses.base import DERIVATIVE_SIGNATURE, POINT_SIGNATURE, Loss, identity_node, no_breaks, no_jumps


@numba.njit(POINT_SIGNATURE, cache=True)
def point(y, u, V):
    """(omega, 1, loss'(y, h), (omega - h)^2, 1 - h') at omega = u."""
    omega = u
    h = (omega + V * y) / (1.0 + V)
    return omega, 1.0, h - y, (omega - h) ** 2, V / (1.0 + V)


@numba.njit(DERIVATIVE_SIGNATURE, cache=True)
def omega_derivatives(omega, u, V):
    """d/domega of (loss', (omega - h)^2, 1 - h') for y = +1."""
    h = (omega + V) / (1.0 + V)
    return 1.0 / (1.0 + V), 2.0 * (omega - h) * V / (1.0 + V), 0.0


@numba.njit(DERIVATIVE_SIGNATURE, cache=True)
def v_derivatives(omega, u, V):
    """d/dV at fixed omega of (loss', (omega - h)^2, 1 - h') for y = +1."""
    dh = (1.0 - omega) / (1.0 + V) ** 2
    h = (omega + V) / (1.0 + V)
    return dh, -2.0 * (omega - h) * dh, 1.0 / (1.0 + V) ** 2


def _outer_breaks(cz: float, V: float, offsets: np.ndarray) -> list[float]:
    # the square loss has no kink; its outer panels break around omega = 1 (as they always have)
    return [(1.0 + o) / cz for o in offsets]


SQUARE = register(Loss(
    name="square",
    formula="(1 - m)^2 / 2",
    value=lambda m: 0.5 * (1.0 - np.asarray(m, dtype=float)) ** 2,
    derivative=lambda m: np.asarray(m, dtype=float) - 1.0,
    curvature=lambda m: np.ones_like(np.asarray(m, dtype=float)),
    prox=lambda m_omega, V: (np.asarray(m_omega, dtype=float) + V) / (1.0 + V),
    point=point,
    omega_derivatives=omega_derivatives,
    v_derivatives=v_derivatives,
    node=identity_node,
    omega_breaks=no_breaks,
    jumps=no_jumps,
    solver="quadratic",
    ridgeless_limit="min-norm",
    outer_breaks=_outer_breaks,
))
