"""The KKT certificate of a hard-margin SVM solution, whichever solver produced it.

min |w|^2 / 2 subject to Z w >= 1 (rows z_mu = y_mu x_mu): w is optimal iff some alpha >= 0 has
w = Z^T alpha, Z w >= 1 and alpha_mu (z_mu . w - 1) = 0. :func:`certify` finds such an alpha from w alone;
:func:`kkt_residual` measures how far a pair (w, alpha) is from these conditions. Both the numba active
set (:mod:`simulations.student`) and the JAX interior point (:mod:`simulations.interior_point`) report it.
"""

from __future__ import annotations

import numpy as np


def kkt_residual(Z: np.ndarray, w: np.ndarray, alpha: np.ndarray) -> float:
    """Largest violation of the KKT conditions of min |w|^2 / 2 s.t. Z w >= 1 (see ``MaxMarginResult``)."""
    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(alpha))):
        return float("inf")
    margins = Z @ w
    primal = max(0.0, 1.0 - float(margins.min()))
    slack = float(np.max(alpha * np.abs(margins - 1.0)) / max(alpha.max(), 1e-300))
    stationarity = float(np.linalg.norm(w - Z.T @ alpha) / np.linalg.norm(w))
    return max(primal, slack, stationarity, float(max(0.0, -alpha.min())))


def certify(Z: np.ndarray, w: np.ndarray, active_tol: float = 1e-6) -> tuple[np.ndarray, float]:
    """Dual certificate of a candidate w: refit alpha >= 0 on the near-active set, return (alpha, KKT).

    The near-active set is {mu : z_mu . w <= 1 + active_tol}; alpha there solves the non-negative
    least squares problem min |Z_S^T alpha - w| (``scipy.optimize.nnls``), zero elsewhere. A small
    :func:`kkt_residual` then proves w optimal whatever solver produced it.
    """
    from scipy.optimize import nnls

    Z = np.asarray(Z, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    alpha = np.zeros(Z.shape[0])
    if not np.all(np.isfinite(w)):
        return alpha, float("inf")
    active = np.flatnonzero(Z @ w <= 1.0 + active_tol)
    if active.size:
        alpha[active] = nnls(Z[active].T, w, maxiter=50 * (active.size + 10))[0]
    return alpha, kkt_residual(Z, w, alpha)
