r"""Learners: which student is trained on the kept examples (``docs/theory.md``, section 8).

One definition serves the theory and the Monte Carlo. The convention, for every learner but the
max-margin one: the student w in R^N minimises

    sum_{mu kept} loss(y_mu, w . x_mu / sqrt(N)) + (lambda / 2) |w|^2,

with the losses (``t`` the pre-activation w . x / sqrt(N), ``y`` = +-1)

==============  ========================  ==========================================================
``hinge:L``     max(0, 1 - y t)           the soft-margin SVM; -> the max-margin student as L -> 0
``logistic:L``  log(1 + exp(-y t))        logistic regression with ridge L
``square:L``    (y - t)^2 / 2             ridge regression (least squares) on the +-1 labels
==============  ========================  ==========================================================

and ``max-margin`` (the default) is the hard-margin SVM: min |w|^2 subject to y_mu w . x_mu >= 1, the
student of Sorscher et al. (2022) and of sections 1-7 of ``docs/theory.md``.

The theory needs each loss through its proximal map (:meth:`Learner.prox`): for a step V > 0,

    h = prox_{V loss(y, .)}(omega) = argmin_h [ loss(y, h) + (h - omega)^2 / (2 V) ],

with loss'(y, h) = (omega - h) / V and d h / d omega = 1 / (1 + V loss''(y, h)) (0 on the hinge's kink).
Square and hinge have it in closed form; the logistic prox is the root of h + V loss'(y, h) = omega,
found by Newton's method safeguarded by bisection (:func:`logistic_prox_scalar`), which cannot oscillate
for large V.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from theory.specs import Named, split_spec

_PARSED: dict = {}  # spec string -> its object (parsed once; the objects are immutable)
KINDS = ("max-margin", "hinge", "logistic", "square")
CONVEX_KINDS = KINDS[1:]
LEARNER_HELP = ("max-margin (hard-margin SVM, the default), hinge:L, logistic:L or square:L: the student minimises "
                "sum over kept examples of loss(y, w.x/sqrt(N)) + (L/2)|w|^2 with loss max(0, 1 - y t), "
                "log(1 + exp(-y t)) or (y - t)^2/2; L > 0 is the ridge")


@dataclass(frozen=True, eq=False)
class Learner(Named):
    """A learner: ``kind`` in ``KINDS`` and, for the convex losses, the ridge ``lam`` > 0."""

    kind: str = "max-margin"
    lam: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"learner must be max-margin, hinge:L, logistic:L or square:L, got {self.kind!r}")
        if self.kind == "max-margin":
            if self.lam is not None:
                raise ValueError(f"learner max-margin takes no ridge, got {self.lam!r} (use hinge:L for a soft margin)")
            return
        lam = self.lam
        if lam is None or isinstance(lam, bool):
            raise ValueError(f"learner {self.kind} needs a ridge L > 0, e.g. {self.kind}:0.1")
        lam = float(lam)
        if not (math.isfinite(lam) and lam > 0.0):
            raise ValueError(f"learner {self.kind}:L needs a finite ridge L > 0, got {self.lam!r}")
        object.__setattr__(self, "lam", lam)

    @classmethod
    def parse(cls, spec: str | Learner) -> Learner:
        """A learner from its string (``"max-margin"``, ``"logistic:0.01"``, ...) or a Learner."""
        if isinstance(spec, Learner):
            return spec
        if isinstance(spec, str) and spec in _PARSED:
            return _PARSED[spec]
        parsed = cls(*split_spec(spec, "learner"))
        _PARSED[spec] = parsed
        return parsed

    def __str__(self) -> str:
        return self.kind if self.lam is None else f"{self.kind}:{self.lam:.12g}"

    @property
    def is_max_margin(self) -> bool:
        return self.kind == "max-margin"

    @property
    def route(self) -> str:
        """The theory's route for this learner (:data:`theory.point.ROUTES`)."""
        return "max-margin" if self.kind == "max-margin" else "convex"

    @property
    def code(self) -> int:
        """Integer tag of the loss for the compiled quadrature (0 hinge, 1 logistic, 2 square)."""
        return CONVEX_KINDS.index(self.kind)

    def with_ridge(self, lam: float) -> Learner:
        """The same loss with ridge ``lam``."""
        return Learner(self.kind, lam)

    # ---- the loss and its proximal map (numpy, vectorised) -------------------------------------------
    def loss(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """loss(y, t) elementwise."""
        yt = np.asarray(y) * np.asarray(t)
        if self.kind == "hinge":
            return np.maximum(0.0, 1.0 - yt)
        if self.kind == "logistic":
            return np.logaddexp(0.0, -yt)
        if self.kind == "square":
            return 0.5 * (np.asarray(y) - np.asarray(t)) ** 2
        raise ValueError("the max-margin learner has no loss (it is the hinge:L limit L -> 0)")

    def derivative(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """d loss / d t elementwise (hinge: the left derivative at the kink)."""
        y = np.asarray(y, dtype=float)
        t = np.asarray(t, dtype=float)
        if self.kind == "hinge":
            return np.where(y * t < 1.0, -y, 0.0)
        if self.kind == "logistic":
            return -y * _sigmoid(-y * t)
        if self.kind == "square":
            return t - y
        raise ValueError("the max-margin learner has no loss (it is the hinge:L limit L -> 0)")

    def curvature(self, y: np.ndarray, t: np.ndarray) -> np.ndarray:
        """d^2 loss / d t^2 elementwise (hinge: 0 away from the kink)."""
        t = np.asarray(t, dtype=float)
        if self.kind == "hinge":
            return np.zeros_like(t)
        if self.kind == "logistic":
            s = _sigmoid(np.asarray(y) * t)
            return s * (1.0 - s)
        if self.kind == "square":
            return np.ones_like(t)
        raise ValueError("the max-margin learner has no loss (it is the hinge:L limit L -> 0)")

    def prox(self, y: np.ndarray, omega: np.ndarray, V: float) -> np.ndarray:
        """h = prox_{V loss(y, .)}(omega) elementwise (see the module docstring)."""
        y = np.asarray(y, dtype=float)
        omega = np.asarray(omega, dtype=float)
        if self.kind == "square":
            return (omega + V * y) / (1.0 + V)
        if self.kind == "hinge":
            yo = y * omega
            return np.where(yo >= 1.0, omega, np.where(yo >= 1.0 - V, y, omega + V * y))
        if self.kind == "logistic":
            return y * logistic_prox(y * omega, V)
        raise ValueError("the max-margin learner has no proximal map")


def _sigmoid(x):
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


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
