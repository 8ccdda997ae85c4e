"""The Gaussian covariate model's ridge curve in closed form, an independent reference for the structured route's
tests (tests/test_structured.py, tests/test_structured_ridgeless.py): not computed by the package."""

from __future__ import annotations

import math

import numpy as np


def error_at_effective_ridge(s: np.ndarray, beta: np.ndarray, n: float, k: float, delta: float) -> float:
    """eps = angle(u, beta)_S / pi of the ridge estimator on n inputs x ~ N(0, diag(s)), y = beta.x + noise of
    variance delta, at effective regularisation k (E u = (S + k)^-1 S beta; excess risk (k^2 beta' S (S + k)^-2 beta
    + delta df2 / n) / (1 - df2 / n), df2 = tr S^2 (S + k)^-2)."""
    df2 = np.sum(s**2 / (s + k) ** 2)
    risk = (k * k * np.sum(beta**2 * s / (s + k) ** 2) + delta * df2 / n) / (1.0 - df2 / n)
    bsb = np.sum(s * beta**2)
    usb = np.sum(beta**2 * s**2 / (s + k))
    usu = risk + 2.0 * usb - bsb
    return math.acos(usb / math.sqrt(usu * bsb)) / math.pi
