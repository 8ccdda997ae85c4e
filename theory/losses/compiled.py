r"""How the compiled quadratures call a loss: the built-in losses by an integer code, any other by its functions.

The quadratures of :mod:`theory.convex_moments`, :mod:`theory.window_moments` and :mod:`theory.convolution_moments`
take a loss *handle* ``L`` (:attr:`theory.losses.Loss.handle`) and call ``point(L, y, u, V)``,
``omega_derivatives(L, omega, u, V)``, ``v_derivatives(L, omega, u, V)`` and ``node(L, y, omega, V)`` below:

* a built-in loss (``COMPILED_IN``) is an integer code: the call is a branch to that loss module's numba function,
  inlined, and the quadrature is compiled once and cached on disk (the speed of a hand-written kernel);
* any other registered loss (a user's, a test's) is the tuple of its four numba functions: the quadrature is
  specialised to them when first called in a process (seconds of compilation, not cached), then runs as fast.

This table is the only place that lists the built-in losses besides their registration; a new loss works without
it (as a tuple), and enters it only to be compiled ahead and cached.

**Stale caches.** numba's on-disk cache of a kernel is invalidated only when the kernel's own source file changes,
not when a function it calls in another file does. The kernel modules therefore carry ``LOSSES_FINGERPRINT``, the
:func:`fingerprint` of this table and of the built-in loss modules, and a test (``tests/test_losses.py``) fails
until a change to a loss is recorded there (which touches the kernel files, so numba recompiles them).
"""

from __future__ import annotations

import functools
import hashlib
import warnings
from pathlib import Path

from numba import types
from numba.core.errors import NumbaExperimentalFeatureWarning
from numba.extending import overload

from theory.losses import constraints, hinge, logistic, square, squared_hinge

COMPILED_IN = ("hinge", "logistic", "square", "squared-hinge", "margin", "interpolation")  # code = index
SOURCES = ("compiled.py", "hinge.py", "logistic.py", "square.py", "squared_hinge.py", "constraints.py")


def fingerprint() -> str:
    """sha256 (16 hex digits) of the sources the compiled kernels call into (``SOURCES``)."""
    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def specialised(kernel):
    """``kernel`` (an uncached numba dispatcher) called for a loss outside ``COMPILED_IN``: its four functions reach
    numba as first-class functions, a feature numba calls experimental; that warning is silenced here, where it is
    expected, and nowhere else."""
    @functools.wraps(kernel)
    def call(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NumbaExperimentalFeatureWarning)
            return kernel(*args)

    return call


def point(L, y, u, V):  # pragma: no cover - numba overload below
    """(omega, domega/du, loss'(y, h), (omega - h)^2, 1 - dh/domega) of the loss ``L`` at the node u."""
    raise NotImplementedError("called from compiled code only")


def omega_derivatives(L, omega, u, V):  # pragma: no cover - numba overload below
    """d/domega of (loss', (omega - h)^2, 1 - dh/domega) of the loss ``L``, y = +1."""
    raise NotImplementedError("called from compiled code only")


def v_derivatives(L, omega, u, V):  # pragma: no cover - numba overload below
    """d/dV at fixed omega of (loss', (omega - h)^2, 1 - dh/domega) of the loss ``L``, y = +1."""
    raise NotImplementedError("called from compiled code only")


def node(L, y, omega, V):  # pragma: no cover - numba overload below
    """The quadrature variable of the loss ``L`` at omega (omega, or h = prox(omega))."""
    raise NotImplementedError("called from compiled code only")


@overload(point)
def _point(L, y, u, V):
    if isinstance(L, types.Integer):
        def by_code(L, y, u, V):
            if L == 0:
                return hinge.point(y, u, V)
            if L == 1:
                return logistic.point(y, u, V)
            if L == 2:
                return square.point(y, u, V)
            if L == 3:
                return squared_hinge.point(y, u, V)
            if L == 4:
                return constraints.margin_point(y, u, V)
            return constraints.interpolation_point(y, u, V)
        return by_code
    return lambda L, y, u, V: L[0](y, u, V)


@overload(omega_derivatives)
def _omega_derivatives(L, omega, u, V):
    if isinstance(L, types.Integer):
        def by_code(L, omega, u, V):
            if L == 0:
                return hinge.omega_derivatives(omega, u, V)
            if L == 1:
                return logistic.omega_derivatives(omega, u, V)
            if L == 2:
                return square.omega_derivatives(omega, u, V)
            if L == 3:
                return squared_hinge.omega_derivatives(omega, u, V)
            if L == 4:
                return constraints.margin_omega_derivatives(omega, u, V)
            return constraints.interpolation_omega_derivatives(omega, u, V)
        return by_code
    return lambda L, omega, u, V: L[1](omega, u, V)


@overload(v_derivatives)
def _v_derivatives(L, omega, u, V):
    if isinstance(L, types.Integer):
        def by_code(L, omega, u, V):
            if L == 0:
                return hinge.v_derivatives(omega, u, V)
            if L == 1:
                return logistic.v_derivatives(omega, u, V)
            if L == 2:
                return square.v_derivatives(omega, u, V)
            if L == 3:
                return squared_hinge.v_derivatives(omega, u, V)
            if L == 4:
                return constraints.margin_v_derivatives(omega, u, V)
            return constraints.interpolation_v_derivatives(omega, u, V)
        return by_code
    return lambda L, omega, u, V: L[2](omega, u, V)


@overload(node)
def _node(L, y, omega, V):
    if isinstance(L, types.Integer):
        def by_code(L, y, omega, V):
            if L == 1:
                return logistic.node(y, omega, V)
            return omega  # the other built-in losses are integrated in omega
        return by_code
    return lambda L, y, omega, V: L[3](y, omega, V)
