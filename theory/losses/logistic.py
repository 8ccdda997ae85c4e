r"""The logistic loss ln(1 + e^-m): logistic regression with ridge (``docs/theory.md`` section 8).

Its prox has no closed form: h solves h - V sigmoid(-h) = omega (y = +1), found by Newton's method safeguarded by
bisection (:func:`logistic_prox_scalar`). The quadratures therefore place their nodes in h, where omega(h) =
h + V loss'(h) is explicit and increasing (Jacobian 1 + V loss''(h)), and break their panels where the curvature
varies and along the exponential tails (h = 0, +-1.5, +-3, +-5, +-8, ..., +-36, mapped to omega).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from theory.losses import register
from theory.losses.base import DERIVATIVE_SIGNATURE, NODE_SIGNATURE, POINT_SIGNATURE, Loss, no_jumps

# where the logistic curvature varies (|h| <= 5) and its exponential tails e^-|h| (panels <= 6 wide out to e^-36)
LOGISTIC_BREAKS = (-36.0, -30.0, -24.0, -18.0, -12.0, -8.0, -5.0, -3.0, -1.5, 0.0, 1.5, 3.0, 5.0, 8.0, 12.0, 18.0, 24.0,
                   30.0, 36.0)


@numba.njit(cache=True)
def sigmoid_scalar(x: float) -> float:
    """1 / (1 + e^-x) without overflow."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@numba.njit(cache=True)
def logistic_prox_scalar(a: float, V: float) -> float:
    """g = prox of V log(1 + e^{-g}) at a: the root of r(g) = g - V sigmoid(-g) - a (y = +1; y g for y).

    r is increasing and the root lies in [a, a + V]. Newton's method safeguarded by bisection (Numerical
    Recipes' rtsafe): a step is bisected when Newton would leave the bracket or fails to halve the step
    before last. A plain (or merely bracket-clipped) Newton iteration oscillates when V sigmoid' >> 1
    (small ridge near separability) and can return a wrong number; this one converges for every V > 0.
    Stops when the step is below 1e-15 (1 + |g|); returns NaN if 200 iterations do not get there (never
    seen: bisection alone needs ~60).
    """
    lo, hi = a, a + V
    g = a + V * sigmoid_scalar(-a)  # one fixed-point step from a: inside the bracket
    if not lo < g < hi:
        g = 0.5 * (lo + hi)
    dx_old = hi - lo
    dx = dx_old
    for _ in range(200):
        s = sigmoid_scalar(-g)
        r = g - V * s - a
        dr = 1.0 + V * s * (1.0 - s)
        if r < 0.0:
            lo = g
        elif r > 0.0:
            hi = g
        else:
            return g
        if ((g - hi) * dr - r) * ((g - lo) * dr - r) > 0.0 or abs(2.0 * r) > abs(dx_old * dr):
            dx_old = dx
            dx = 0.5 * (hi - lo)
            g = lo + dx
        else:
            dx_old = dx
            dx = r / dr
            g = g - dx
        if abs(dx) <= 1e-15 * (1.0 + abs(g)):
            return g
    return math.nan


@numba.vectorize(["float64(float64, float64)"], cache=True)
def _logistic_prox_ufunc(a, V):
    return logistic_prox_scalar(a, V)


def logistic_prox(a: np.ndarray, V: float) -> np.ndarray:
    """:func:`logistic_prox_scalar` elementwise; raises ``RuntimeError`` if any element did not converge."""
    g = _logistic_prox_ufunc(np.asarray(a, dtype=float), float(V))
    if not np.all(np.isfinite(g)):
        raise RuntimeError(f"logistic prox did not converge (V = {V:g})")
    return g


@numba.njit(POINT_SIGNATURE, cache=True)
def point(y, u, V):
    """(omega(h), d omega / dh, loss'(y, h), (omega - h)^2, 1 - h') at the node u = h."""
    g = y * u
    sm = sigmoid_scalar(-g)
    d1 = -y * sm
    d2 = sm * (1.0 - sm)
    omega = u + V * d1
    return omega, 1.0 + V * d2, d1, (V * d1) ** 2, V * d2 / (1.0 + V * d2)


@numba.njit(DERIVATIVE_SIGNATURE, cache=True)
def omega_derivatives(omega, u, V):
    """d/domega of (loss', (omega - h)^2, 1 - h') for y = +1 at u = h: loss'' h', 2 (omega - h)(1 - h'),
    V loss''' h'^3 with h' = 1 / (1 + V loss'')."""
    s = sigmoid_scalar(-u)
    d2 = s * (1.0 - s)
    d3 = -d2 * (1.0 - 2.0 * s)
    hp = 1.0 / (1.0 + V * d2)
    return d2 * hp, 2.0 * (omega - u) * (1.0 - hp), V * d3 * hp ** 3


@numba.njit(DERIVATIVE_SIGNATURE, cache=True)
def v_derivatives(omega, u, V):
    """d/dV at fixed omega of (loss', (omega - h)^2, 1 - h') for y = +1 at u = h, with dh/dV = -loss'(h) /
    (1 + V loss''(h))."""
    s = sigmoid_scalar(-u)
    d2 = s * (1.0 - s)
    d3 = -d2 * (1.0 - 2.0 * s)
    dh = s / (1.0 + V * d2)
    return d2 * dh, -2.0 * (omega - u) * dh, (d2 + V * d3 * dh) / (1.0 + V * d2) ** 2


@numba.njit(NODE_SIGNATURE, cache=True)
def node(y, omega, V):
    """The node h = prox(omega) (h is increasing in omega for either label)."""
    return y * logistic_prox_scalar(y * omega, V)


def _omega_breaks(V: float) -> np.ndarray:
    return np.array([g - V * sigmoid_scalar(-g) for g in LOGISTIC_BREAKS])


def _outer_breaks(cz: float, V: float, offsets: np.ndarray) -> list[float]:
    # the inner integral (label +1) as a function of c_z z varies around the curvature breaks and on the scale of
    # the orthogonal field (the Gaussian offsets)
    return [(g - V / (1.0 + math.exp(g))) / cz for g in LOGISTIC_BREAKS] + list(offsets / cz)


def _derivative(m):
    return -0.5 * (1.0 - np.tanh(0.5 * np.asarray(m, dtype=float)))  # -sigmoid(-m) without overflow


def _curvature(m):
    s = 0.5 * (1.0 - np.tanh(0.5 * np.asarray(m, dtype=float)))
    return s * (1.0 - s)


LOGISTIC = register(Loss(
    name="logistic",
    formula="ln(1 + e^-m)",
    value=lambda m: np.logaddexp(0.0, -np.asarray(m, dtype=float)),
    derivative=_derivative,
    curvature=_curvature,
    prox=logistic_prox,
    point=point,
    omega_derivatives=omega_derivatives,
    v_derivatives=v_derivatives,
    node=node,
    omega_breaks=_omega_breaks,
    jumps=no_jumps,
    solver="smooth",
    ridgeless_limit="max-margin",
    outer_breaks=_outer_breaks,
))
