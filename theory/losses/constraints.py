r"""The ridgeless limits as losses: the margin constraint (the max-margin student) and the interpolation constraint
(the minimum-norm interpolator) (``docs/theory.md`` section 8).

As the ridge L -> 0 on separable kept data, the hinge, squared-hinge and logistic students turn to the max-margin
direction, and on data they can interpolate (alpha_prune < 1) the square-loss student turns to the minimum-norm
interpolator. Both limits are convex learners of their own, with a loss that is a constraint:

* ``margin``: loss(m) = 0 for m >= 1, +inf below (min |w|^2 subject to y w . x / sqrt N >= 1);
  prox (y = +1): h = max(omega, 1); loss'(h) = (omega - h) / V = (omega - 1) / V below omega = 1, 1 - dh/domega =
  1[omega < 1]: the hinge's box with its lower end at -inf.
* ``interpolation``: loss(m) = 0 for m = 1, +inf otherwise (min |w|^2 subject to y w . x / sqrt N = 1);
  prox h = 1 for every omega; loss'(h) = (omega - 1) / V, 1 - dh/domega = 1.

With a constraint the ridge only scales the objective, so the fixed point is solved at L = 1 and its direction is
the limit's (:func:`theory.convex.solve_convex`). The fixed point exists while the constraint can be met: below
the separability line (:mod:`theory.separability`) for ``margin``, below alpha_prune = 1 for ``interpolation``.
These losses are not learners of their own (``max-margin`` is the learner; ``name:0`` asks for the limit).
"""

from __future__ import annotations

import numba
import numpy as np

from theory.losses.base import DERIVATIVE_SIGNATURE, POINT_SIGNATURE, Loss, identity_node, no_breaks, no_jumps


@numba.njit(POINT_SIGNATURE, cache=True)
def margin_point(y, u, V):
    """(omega, 1, loss'(y, h), (omega - h)^2, 1 - h') at omega = u, h = the projection on y h >= 1."""
    omega = u
    if y * omega >= 1.0:
        return omega, 1.0, 0.0, 0.0, 0.0
    return omega, 1.0, (omega - y) / V, (omega - y) ** 2, 1.0


@numba.njit(DERIVATIVE_SIGNATURE, cache=True)
def margin_omega_derivatives(omega, u, V):
    """d/domega of (loss', (omega - h)^2, 1 - h') for y = +1 (the step of 1 - h' at omega = 1 is a jump)."""
    if omega < 1.0:
        return 1.0 / V, 2.0 * (omega - 1.0), 0.0
    return 0.0, 0.0, 0.0


@numba.njit(DERIVATIVE_SIGNATURE, cache=True)
def margin_v_derivatives(omega, u, V):
    """d/dV at fixed omega of (loss', (omega - h)^2, 1 - h') for y = +1."""
    if omega < 1.0:
        return -(omega - 1.0) / (V * V), 0.0, 0.0
    return 0.0, 0.0, 0.0


@numba.njit(POINT_SIGNATURE, cache=True)
def interpolation_point(y, u, V):
    """(omega, 1, loss'(y, h), (omega - h)^2, 1 - h') at omega = u, h = y."""
    omega = u
    return omega, 1.0, (omega - y) / V, (omega - y) ** 2, 1.0


@numba.njit(DERIVATIVE_SIGNATURE, cache=True)
def interpolation_omega_derivatives(omega, u, V):
    return 1.0 / V, 2.0 * (omega - 1.0), 0.0


@numba.njit(DERIVATIVE_SIGNATURE, cache=True)
def interpolation_v_derivatives(omega, u, V):
    return -(omega - 1.0) / (V * V), 0.0, 0.0


def _infinite_outside(inside):
    return np.where(inside, 0.0, np.inf)


MARGIN = Loss(
    name="margin",
    formula="0 for m >= 1, +inf below",
    value=lambda m: _infinite_outside(np.asarray(m, dtype=float) >= 1.0),
    derivative=lambda m: np.zeros_like(np.asarray(m, dtype=float)),
    curvature=lambda m: np.zeros_like(np.asarray(m, dtype=float)),
    prox=lambda m_omega, V: np.maximum(np.asarray(m_omega, dtype=float), 1.0),
    point=margin_point,
    omega_derivatives=margin_omega_derivatives,
    v_derivatives=margin_v_derivatives,
    node=identity_node,
    omega_breaks=lambda V: np.array([1.0]),
    jumps=lambda V: np.array([[1.0, -1.0, 0.0]]),
    solver="max-margin",
    ridgeless_limit="max-margin",
)

INTERPOLATION = Loss(
    name="interpolation",
    formula="0 for m = 1, +inf otherwise",
    value=lambda m: _infinite_outside(np.asarray(m, dtype=float) == 1.0),
    derivative=lambda m: np.zeros_like(np.asarray(m, dtype=float)),
    curvature=lambda m: np.zeros_like(np.asarray(m, dtype=float)),
    prox=lambda m_omega, V: np.ones_like(np.asarray(m_omega, dtype=float)),
    point=interpolation_point,
    omega_derivatives=interpolation_omega_derivatives,
    v_derivatives=interpolation_v_derivatives,
    node=identity_node,
    omega_breaks=no_breaks,
    jumps=no_jumps,
    solver="min-norm",
    ridgeless_limit="min-norm",
)

LIMITS = {"max-margin": MARGIN, "min-norm": INTERPOLATION}  # a loss's ridgeless_limit -> the constraint loss
