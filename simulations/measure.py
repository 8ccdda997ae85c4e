"""Empirical order parameters of a trained student, under the theory's names.

R = J.T and rho = J.J_p for the unit student J; eps = arccos(R) / pi, computed as
atan2(|J - R T|, R) / pi so that tiny errors keep their relative precision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theory.records import Record


def generalization_error(direction: np.ndarray, teacher: np.ndarray) -> float:
    """eps = angle(J, T) / pi, from atan2(|J_perp|, J.T) (no cancellation for small angles)."""
    j = direction / np.linalg.norm(direction)
    overlap = float(j @ teacher)
    perp = float(np.linalg.norm(j - overlap * teacher))
    return math.atan2(perp, overlap) / math.pi


@dataclass(frozen=True)
class OrderParameters(Record):
    """R = J.T, rho = J.J_p of the unit student J, and eps = arccos(R) / pi."""

    R: float
    rho: float
    eps: float


def order_parameters(direction: np.ndarray, teacher: np.ndarray, probe: np.ndarray) -> OrderParameters:
    """The order parameters of the unit student ``direction`` against teacher and probe."""
    j = direction / np.linalg.norm(direction)
    return OrderParameters(float(j @ teacher), float(j @ probe), generalization_error(j, teacher))
