"""The least-distance programme of the max-margin student, solved as it is (no scaling): the numba
Lawson-Hanson active set (:mod:`simulations._numba`) and scipy's QR-based NNLS on a working set as its fallback.

:func:`simulations.student.fit_max_margin` packages these into a :class:`~simulations.student.MaxMarginResult`
(with the exponential regime's rescue between the two); :func:`simulations.scaled_max_margin.fit_scaled` seeds
its continuation with :func:`solve`. Neither of those modules imports the other.
"""

from __future__ import annotations

import numpy as np

from simulations._numba import max_margin_numba
from simulations.certificate import kkt_residual

DEFAULT_TOL = 1e-10
REFRESH = 10  # full pricing every REFRESH additions (the active set's partial pricing)


def default_max_iter(Z: np.ndarray) -> int:
    """Bound on Lawson-Hanson additions: 50 (P + N)."""
    return 50 * (Z.shape[0] + Z.shape[1])


def default_n_cand(Z: np.ndarray) -> int:
    """Candidates kept between full pricings: max(50, N // 2)."""
    return max(50, Z.shape[1] // 2)


def nnls_working_set(Z: np.ndarray, w_start: np.ndarray | None = None, tol: float = DEFAULT_TOL
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Least-distance programme as NNLS, min |E u - f|, E = [Z^T; 1^T], f = e_{N+1} (scipy.optimize.nnls).

    Without ``w_start`` all P examples enter the NNLS. With it, a working set: the 2N smallest margins
    under ``w_start``, solved exactly, then grown by the (up to N) most violated examples until no
    margin is below 1 - ``tol``; the result is then optimal for the whole problem (alpha = 0 outside).
    """
    from scipy.optimize import nnls

    P, n = Z.shape
    f = np.zeros(n + 1)
    f[-1] = 1.0
    if w_start is None or not np.all(np.isfinite(w_start)):
        work = np.arange(P)
    else:
        work = np.sort(np.argsort(Z @ w_start)[: min(P, 2 * n)])
    while True:
        E = np.vstack([Z[work].T, np.ones(work.size)])
        u = nnls(E, f, maxiter=50 * E.shape[1])[0]
        scale = 1.0 - u.sum()
        w = Z[work].T @ u / scale
        margins = Z @ w
        margins[work] = np.inf
        violated = np.flatnonzero(margins < 1.0 - tol)
        if violated.size == 0:
            alpha = np.zeros(P)
            alpha[work] = u / scale
            return w, alpha
        worst = violated[np.argsort(margins[violated])[:n]]
        work = np.union1d(work, worst)


def solve(Z: np.ndarray, tol: float = DEFAULT_TOL) -> tuple[np.ndarray, np.ndarray, float]:
    """(w, alpha, kkt) of min |w|^2 subject to Z w >= 1 (Z float64, C-contiguous): the active set from the empty
    passive set with the default pricing, then, where its KKT residual exceeds 1e3 ``tol``, the NNLS working
    set seeded by its w (the better certificate wins). The same answer as ``fit_max_margin(Z)`` without a warm
    start or a tiny direction, bit for bit."""
    try:
        w, alpha, _, _, _ = max_margin_numba(Z, tol, default_max_iter(Z), default_n_cand(Z), REFRESH,
                                             np.empty(0, np.int64), np.empty(0, np.int64))
    except ZeroDivisionError:  # a pivot lost to rounding: the fallback answers
        w, alpha = np.full(Z.shape[1], np.nan), np.zeros(Z.shape[0])
    kkt = kkt_residual(Z, w, alpha)
    if not kkt <= 1e3 * tol:
        with np.errstate(all="ignore"):
            w_f, alpha_f = nnls_working_set(Z, w, tol)
        kkt_f = kkt_residual(Z, w_f, alpha_f)
        if kkt_f < kkt:
            w, alpha, kkt = w_f, alpha_f, kkt_f
    return w, alpha, kkt
