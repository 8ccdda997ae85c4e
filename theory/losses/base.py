r"""The interface of a loss (``docs/theory.md`` section 8; ``docs/architecture.md``).

With the margin m = y t and a prox step V > 0, the proximal map h = prox_{V loss(y, .)}(omega) solves
h + V loss'(y, h) = omega. The theory integrates over omega (or over h, for losses whose prox has no closed form:
then omega(h) is explicit) and needs, at a quadrature node u, the tuple

    point(y, u, V) = (omega, d omega / d u, loss'(y, h), (omega - h)^2, 1 - d h / d omega),

and, for the label y = +1, the derivatives of the last three in omega and in V (Stein's identity gives the
Jacobian of the fixed point from them, :mod:`theory.convex_moments`). These and ``node`` are numba functions
(the signatures below; :mod:`theory.losses.compiled` says how the quadratures call them). The rest is numpy: the
loss, its derivative and curvature in the margin (the Monte Carlo's objective), the prox, and where the integrand
changes character (break points, and the jumps of 1 - dh/domega, whose Dirac derivatives the Jacobian adds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np
from numba import types

POINT_SIGNATURE = types.UniTuple(types.float64, 5)(types.float64, types.float64, types.float64)
DERIVATIVE_SIGNATURE = types.UniTuple(types.float64, 3)(types.float64, types.float64, types.float64)
NODE_SIGNATURE = types.float64(types.float64, types.float64, types.float64)
SOLVERS = ("smooth", "quadratic", "hinge", "max-margin", "min-norm")  # how the Monte Carlo minimises
# (simulations.convex_student; the last two are the constraint losses of theory.losses.constraints)
LIMITS = ("max-margin", "min-norm")  # the ridgeless limit on separable (interpolable) data


@dataclass(frozen=True, eq=False)
class Loss:
    """One loss: what the theory and the Monte Carlo read of it.

    Attributes
    ----------
    name : the learner's name (``name:L`` on the command line).
    formula : the loss in the margin m = y t, for help texts (``"ln(1 + e^-m)"``).
    value, derivative, curvature : numpy functions of the margin m: loss, d loss / dm, d^2 loss / dm^2 (0 where
        it does not exist, e.g. the hinge's kink).
    prox : numpy ``prox(m_omega, V)``: the prox for y = +1 at omega (``Learner.prox`` signs it for y = -1).
    point : numba, :data:`POINT_SIGNATURE`: ``(y, u, V) -> (omega, domega/du, loss'(y, h), (omega - h)^2,
        1 - dh/domega)`` at the quadrature node u (u = omega, or h when ``integrate_in_h``).
    omega_derivatives, v_derivatives : numba, :data:`DERIVATIVE_SIGNATURE`: ``(omega, u, V) ->`` the derivatives
        of (loss'(h), (omega - h)^2, 1 - dh/domega) in omega and in V (at fixed omega), for y = +1.
    node : numba, :data:`NODE_SIGNATURE`: ``(y, omega, V) -> u``, the quadrature variable at omega (omega itself,
        or h = prox(omega) when ``integrate_in_h``).
    omega_breaks : ``V -> array``: the omega (y = +1) where the integrand changes character (kinks, where a
        curvature varies); the quadratures break their panels there.
    jumps : ``V -> array [k, 3]``: rows (omega, jump of 1 - dh/domega there, d omega / dV), y = +1.
    solver : how the Monte Carlo minimises: ``"smooth"`` (L-BFGS-B, then Newton with ``curvature``),
        ``"quadratic"`` (one Newton step: the normal equations), ``"hinge"`` (the dual box QP).
    ridgeless_limit : ``"max-margin"`` (lambda -> 0 on separable data gives the max-margin direction) or
        ``"min-norm"`` (the minimum-norm interpolator).
    outer_breaks : optional ``(c_z, V, offsets) -> list`` of z where the two-dimensional quadrature breaks its
        outer panels (default: each omega break plus the Gaussian offsets, divided by c_z).
    """

    name: str
    formula: str
    value: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]
    curvature: Callable[[np.ndarray], np.ndarray]
    prox: Callable[[np.ndarray, float], np.ndarray]
    point: Callable
    omega_derivatives: Callable
    v_derivatives: Callable
    node: Callable
    omega_breaks: Callable[[float], np.ndarray]
    jumps: Callable[[float], np.ndarray]
    solver: str = "smooth"
    ridgeless_limit: str = "max-margin"
    outer_breaks: Callable[[float, float, np.ndarray], list] | None = None

    def __post_init__(self) -> None:
        if not self.name or ":" in self.name or "," in self.name:
            raise ValueError(f"a loss name is a non-empty word without ':' or ',', got {self.name!r}")
        if self.solver not in SOLVERS:
            raise ValueError(f"loss {self.name}: solver must be one of {', '.join(SOLVERS)}, got {self.solver!r}")
        if self.ridgeless_limit not in LIMITS:
            raise ValueError(f"loss {self.name}: ridgeless_limit must be one of {', '.join(LIMITS)}")
        for what, fn in (("point", self.point), ("omega_derivatives", self.omega_derivatives),
                         ("v_derivatives", self.v_derivatives), ("node", self.node)):
            if not hasattr(fn, "py_func"):
                raise ValueError(f"loss {self.name}: {what} must be a numba.njit function (see theory.losses.base)")

    def __str__(self) -> str:
        return self.name

    @property
    def handle(self):
        """How the compiled quadratures call this loss (:mod:`theory.losses.compiled`): its integer code if it is
        compiled in, else the tuple (point, omega_derivatives, v_derivatives, node)."""
        from theory.losses.compiled import COMPILED_IN

        if self.name in COMPILED_IN:
            return COMPILED_IN.index(self.name)
        return (self.point, self.omega_derivatives, self.v_derivatives, self.node)

    @property
    def compiled_in(self) -> bool:
        """True for the losses whose quadratures are compiled ahead and cached (:mod:`theory.losses.compiled`)."""
        return isinstance(self.handle, int)

    def z_breaks(self, cz: float, V: float, offsets: np.ndarray) -> list[float]:
        """The z where the two-dimensional quadrature breaks its outer panels (see ``outer_breaks``)."""
        if self.outer_breaks is not None:
            return self.outer_breaks(cz, V, offsets)
        return [(k + o) / cz for k in self.omega_breaks(V) for o in offsets]


def no_jumps(V: float) -> np.ndarray:
    """The jumps of a loss whose 1 - dh/domega is continuous: none."""
    return np.empty((0, 3))


def no_breaks(V: float) -> np.ndarray:
    """The omega breaks of a loss whose integrand is smooth everywhere: none."""
    return np.empty(0)


@numba.njit(NODE_SIGNATURE, cache=True)
def identity_node(y: float, omega: float, V: float) -> float:
    """The quadrature variable of a loss integrated in omega: omega itself."""
    return omega
