"""Scaling-law fits of eps(alpha_prune): exponential vs power law, the local exponent and the information
per example."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from theory.records import Record


def information_per_example(eps_of_alpha: Callable[[float], float], alpha_prune: float,
                            rel_step: float = 1e-3) -> float:
    """I = -d ln sin(pi eps) / d alpha_prune by a central difference with step rel_step * alpha_prune."""
    h = rel_step * alpha_prune

    def log_sin(a: float) -> float:
        return math.log(math.sin(math.pi * eps_of_alpha(a)))

    return -(log_sin(alpha_prune + h) - log_sin(alpha_prune - h)) / (2 * h)


def local_exponent(alphas: Sequence[float], eps: Sequence[float]) -> np.ndarray:
    """d ln eps / d ln alpha_prune on the given points (second-order finite differences)."""
    return np.gradient(np.log(np.asarray(eps)), np.log(np.asarray(alphas)))


@dataclass(frozen=True)
class ScalingFit(Record):
    """Least-squares lines of ln eps: exponential ln eps = a - rate alpha, power law ln eps = b - exponent
    ln alpha; r2_* the coefficient of determination of each line, ``better`` the one with the larger."""

    rate: float
    r2_exponential: float
    exponent: float
    r2_power: float
    better: str


def fit_scaling(alphas: Sequence[float], eps: Sequence[float]) -> ScalingFit:
    """Exponential vs power-law fits of eps(alpha_prune) (see :class:`ScalingFit`)."""
    a = np.asarray(alphas, dtype=float)
    y = np.log(np.asarray(eps, dtype=float))

    def line(x):
        A = np.column_stack([np.ones_like(x), x])
        coef, *_ = np.linalg.lstsq(A, y, rcond=None)
        resid = y - A @ coef
        r2 = 1.0 - resid @ resid / max(((y - y.mean()) ** 2).sum(), 1e-300)
        return coef[1], r2

    slope_e, r2_e = line(a)
    slope_p, r2_p = line(np.log(a))
    return ScalingFit(float(-slope_e), float(r2_e), float(-slope_p), float(r2_p),
                      "exponential" if r2_e > r2_p else "power")
