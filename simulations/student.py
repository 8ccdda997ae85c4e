"""The max-margin student: min |w|^2 subject to y_mu w . x_mu >= 1 (hard-margin SVM, no bias).

One entry point, like ``scipy.optimize.root``: ``fit_max_margin(Z, method=...)`` with the methods
``"active-set"`` (exact, numba, :mod:`simulations._numba`; the default), ``"nnls"`` (scipy) and
``"interior-point"`` (JAX, :mod:`simulations.interior_point`), and its batched form ``fit_max_margin_batch``; every
method returns a :class:`MaxMarginResult` with its KKT diagnostics. The normalised student J = w / |w|
has margin kappa = 1 / |w| = min_mu y_mu J . x_mu.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulations._numba import max_margin_numba
from simulations.certificate import certify, kkt_residual
from simulations.least_distance import DEFAULT_TOL, REFRESH, default_max_iter, default_n_cand
from simulations.least_distance import nnls_working_set as _max_margin_scipy_nnls


@dataclass(frozen=True)
class MaxMarginResult:
    """Solution of the hard-margin SVM.

    Attributes
    ----------
    w : [N] the minimum-norm weights with Z w >= 1.   direction : [N] w / |w|.
    alpha : [P] dual variables (w = Z^T alpha, alpha >= 0).
    margin : kappa = 1 / |w|, the margin of the unit student.
    kkt_residual : max of the primal violation max(0, 1 - min Z w), the complementary slackness
        max alpha_mu |z_mu . w - 1| / max alpha and the stationarity |w - Z^T alpha| / |w|.
    n_iter : active-set additions.  n_support : number of alpha_mu > 0.  converged : KKT met to tol.
    method : which solver answered (:func:`fit_max_margin`, :func:`fit_max_margin_batch`): "active-set" (numba
        Lawson-Hanson), "scaled-active-set" (its rescue in scaled variables, the exponential regime),
        "scipy-nnls" (the active set's fallback: scipy's NNLS on a working set), "nnls" (method "nnls": one NNLS
        over all examples), "interior-point" (JAX, polished and certified) or "interior-point+nnls" (an
        interior-point answer finished by the NNLS working set).
    """

    w: np.ndarray
    direction: np.ndarray
    alpha: np.ndarray
    margin: float
    kkt_residual: float
    n_iter: int
    n_support: int
    converged: bool
    method: str = "active-set"


METHODS = ("active-set", "nnls", "interior-point")
WARM_STARTS = ("none", "least-squares")  # where the active set starts, see fit_max_margin


def _check_problem(Z: np.ndarray, tol: float) -> np.ndarray:
    Z = np.ascontiguousarray(Z, dtype=np.float64)
    if Z.ndim != 2 or Z.shape[0] < 1 or Z.shape[1] < 2:
        raise ValueError(f"Z must have shape [P, N] with P >= 1 and N >= 2, got {Z.shape}")
    if not np.all(np.isfinite(Z)):
        raise ValueError("Z must be finite")
    if not tol > 0:
        raise ValueError(f"tol must be > 0, got {tol!r}")
    return Z


def _result(Z: np.ndarray, w: np.ndarray, alpha: np.ndarray, n_iter: int, method: str, tol: float,
            raise_on_failure: bool, kkt: float | None = None) -> MaxMarginResult:
    """The one way every method reports: KKT residual of (w, alpha) (``kkt`` if already computed),
    converged when <= 1e3 tol."""
    kkt = kkt_residual(Z, w, alpha) if kkt is None else kkt
    converged = bool(np.all(np.isfinite(w)) and kkt <= 1e3 * tol)
    if not converged and raise_on_failure:
        raise RuntimeError(f"max-margin solver ({method}) did not converge: KKT residual {kkt:.3g} after "
                           f"{n_iter} iterations")
    norm = float(np.linalg.norm(w))
    return MaxMarginResult(w=w, direction=w / norm, alpha=alpha, margin=1.0 / norm, kkt_residual=kkt,
                           n_iter=int(n_iter), n_support=int(np.sum(alpha > 0)), converged=converged,
                           method=method)


def fit_max_margin(
    Z: np.ndarray, *, method: str = "active-set", tol: float = DEFAULT_TOL, max_iter: int | None = None,
    n_cand: int | None = None, refresh: int = REFRESH, warm_start: str = "none", raise_on_failure: bool = True,
    tiny_direction: np.ndarray | None = None,
) -> MaxMarginResult:
    """Exact hard-margin SVM on the label-signed inputs ``Z`` = [P, N] (rows y_mu x_mu), by ``method``:

    * ``"active-set"`` (default): Lawson-Hanson on the least-distance problem in numba
      (:mod:`simulations._numba`), with scipy's NNLS on a working set as the fallback for the rare
      near-dependent case (``method`` of the result says which answered). ``n_cand`` (default
      max(50, N // 2)) and ``refresh`` (default 10) set its partial pricing: speed, not the solution.
      ``warm_start`` (one of :data:`WARM_STARTS`) chooses where Lawson-Hanson starts: ``"none"`` (the empty
      passive set) or ``"least-squares"`` (:func:`_least_squares_cascade`: 1.1-2x faster on
      hard-pruned data with P >= 2N, 0.7-0.9x on unpruned Gaussian data and small P; see
      ``benchmarks/maxmargin_speed.py`` and :func:`simulations.runner.warm_start_for`).
      Speed, not the solution: every start ends at the same KKT point. The other methods ignore it.
    * ``"nnls"``: the least-distance problem as one ``scipy.optimize.nnls`` over all P examples.
    * ``"interior-point"``: the JAX primal-dual method of :mod:`simulations.interior_point` (a batch of one; see
      :func:`fit_max_margin_batch` for batches), polished and certified.

    ``tiny_direction``: a unit vector along which every row of Z may be tiny (the probe, for keep-hard data of a
    small keep fraction: the exponential regime). Where the active set's certificate fails there, the problem
    is re-solved in scaled variables (:func:`simulations.scaled_max_margin.fit_scaled`, ``method``
    ``"scaled-active-set"``), certified block by block; the better certificate is returned.

    Every method returns a :class:`MaxMarginResult` with its KKT residual. Raises ``RuntimeError`` if
    the KKT conditions are not met to 1e3 ``tol`` (unless ``raise_on_failure=False``: then ``converged``
    is False).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if warm_start not in WARM_STARTS:
        raise ValueError(f"unknown warm_start {warm_start!r}; choose one of {', '.join(WARM_STARTS)}")
    Z = _check_problem(Z, tol)
    if method == "interior-point":
        return fit_max_margin_batch(Z[None], method=method, tol=tol, raise_on_failure=raise_on_failure)[0]
    if method == "nnls":
        w, alpha = _max_margin_scipy_nnls(Z, None, tol)
        return _result(Z, w, alpha, 1, "nnls", tol, raise_on_failure)
    max_iter = max_iter if max_iter is not None else default_max_iter(Z)
    n_cand = n_cand if n_cand is not None else default_n_cand(Z)
    if n_cand < 1 or refresh < 1:
        raise ValueError(f"n_cand and refresh must be >= 1, got {n_cand}, {refresh}")
    init = first = np.empty(0, np.int64)
    if warm_start == "least-squares":
        init, first = _least_squares_cascade(Z)
    try:
        w, alpha, n_iter, _, _ = max_margin_numba(Z, tol, max_iter, n_cand, refresh, init, first)
    except ZeroDivisionError:  # a pivot lost to rounding (the exponential regime): the fallbacks below answer
        w, alpha, n_iter = np.full(Z.shape[1], np.nan), np.zeros(Z.shape[0]), max_iter
    method = "active-set"
    kkt = kkt_residual(Z, w, alpha)
    if not kkt <= 1e3 * tol and max_iter >= Z.shape[0] + Z.shape[1]:
        # rare: near-dependent rows of hard-pruned data defeat the normal-equation Cholesky updates;
        # fall back to scipy's QR-based Lawson-Hanson, on a working set seeded by the margins of w
        if tiny_direction is not None:  # the exponential regime: solve in scaled variables
            from simulations.scaled_max_margin import fit_scaled

            try:
                w_s, alpha_s, kkt_s, rounds = fit_scaled(Z, tiny_direction, tol)
            except (ValueError, np.linalg.LinAlgError, ZeroDivisionError):
                kkt_s = np.inf
            if kkt_s < kkt:
                w, alpha, method, kkt, n_iter = w_s, alpha_s, "scaled-active-set", kkt_s, n_iter + rounds
        if not kkt <= 1e3 * tol:
            with np.errstate(all="ignore"):
                w_f, alpha_f = _max_margin_scipy_nnls(Z, w, tol)
            kkt_f = kkt_residual(Z, w_f, alpha_f)
            if kkt_f < kkt:
                w, alpha, method, kkt = w_f, alpha_f, "scipy-nnls", kkt_f
    return _result(Z, w, alpha, n_iter, method, tol, raise_on_failure, kkt)


def _least_squares_margins(Z: np.ndarray, max_iter: int = 4, rtol: float = 1e-4) -> np.ndarray:
    """Margins Z w_LS of an approximate least-squares fit of Z w = 1 (used only to order the examples).

    CGLS (conjugate gradients on the normal equations Z^T Z w = Z^T 1, two matrix-vector products an
    iteration) with the Jacobi (column-norm) preconditioner, stopped after ``max_iter`` iterations or when
    the preconditioned normal-equation residual has fallen by ``rtol``: on pruned data the directions of
    w_LS agree with the exact solve to 1 - cos < 5e-5 after 3 iterations and < 3e-6 after 5, and 3, 4, 6 or
    10 iterations give the same Lawson-Hanson additions on average (8 seeds, N = 200, alpha_prune 4 and
    10); each iteration costs two matrix-vector products, the whole a tenth of forming
    Z^T Z. The scaled columns make the tiny label-signed teacher column of hard-pruned data no harder
    than the others.
    """
    scale = 1.0 / np.sqrt(np.maximum(np.einsum("ij,ij->j", Z, Z), 1e-300))
    x = np.zeros(Z.shape[1])
    r = np.ones(Z.shape[0])
    g = scale * (Z.T @ r)
    p = g.copy()
    gamma = gamma0 = float(g @ g)
    for _ in range(max_iter):
        q = Z @ (scale * p)
        qq = float(q @ q)
        if not gamma > 0.0 or not qq > 0.0:  # Z^T 1 = 0 or converged exactly: nothing left to fit
            break
        step = gamma / qq
        x += step * p
        r -= step * q
        g = scale * (Z.T @ r)
        gamma_new = float(g @ g)
        if gamma_new <= rtol**2 * gamma0:
            break
        p = g + (gamma_new / gamma) * p
        gamma = gamma_new
    return Z @ (scale * x)


def _least_squares_cascade(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where Lawson-Hanson starts: (a guessed passive set, the examples it prices alone first).

    1. Order the examples by their margin under the least-squares fit of Z w = 1
       (:func:`_least_squares_margins`): the support vectors of pruned data are mostly among the
       smallest (~2/3 of the N smallest at N = 200, alpha_prune = 4..10, f = 0.1).
    2. Start from the N smallest (:func:`simulations._numba._warm_start` keeps an independent subset with
       positive least-squares variables), solve the problem restricted to the 2N smallest, then continue
       from that solution on all P examples (``first`` of :func:`simulations._numba.max_margin_numba`).
    Lawson-Hanson continues from any such state, so a poor guess costs time, not exactness. On
    hard-pruned N = 200 data this halves the additions (1070 -> ~500 at alpha_prune = 10, f = 0.1).
    """
    n = Z.shape[1]
    order = np.argsort(_least_squares_margins(Z), kind="stable").astype(np.int64)
    return order[:n], order[: 2 * n]


def fit_max_margin_batch(Zs, *, method: str = "active-set", tol: float = DEFAULT_TOL,
                         raise_on_failure: bool = True, **options) -> list[MaxMarginResult]:
    """The batched form of :func:`fit_max_margin`: one :class:`MaxMarginResult` per problem of ``Zs``.

    ``"interior-point"`` solves a stacked batch [B, P, N] together (one vmapped, jitted JAX step for all
    problems; ``options`` go to :func:`simulations.interior_point.max_margin_batch`, e.g. ``iterations``; JAX is
    imported on the first call), then certifies each answer by the dual refit of :func:`certify`; an
    answer that misses the KKT tolerance (the interior point can stall ~1e-6 short of the exact active
    set) is finished by the exact NNLS working-set solver seeded by it (``method`` says so). The other
    methods loop over the problems, which may then differ in size.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if method != "interior-point":
        return [fit_max_margin(Z, method=method, tol=tol, raise_on_failure=raise_on_failure, **options)
                for Z in Zs]
    from simulations.interior_point import DEFAULT_ITERATIONS, max_margin_batch

    Zs = np.asarray(Zs, dtype=np.float64)
    for Z in Zs:
        _check_problem(Z, tol)
    batch = max_margin_batch(Zs, tol=np.inf, **options)  # judged below, per problem, like every method
    iterations = options.get("iterations", DEFAULT_ITERATIONS)
    out = []
    for Z, w in zip(Zs, batch.w):
        alpha, kkt = certify(Z, w)
        method = "interior-point"
        if not kkt <= 1e3 * tol:  # the interior point stalled short of the exact active set: finish exactly
            w, alpha = _max_margin_scipy_nnls(Z, w, tol)
            method = "interior-point+nnls"
        out.append(_result(Z, w, alpha, iterations, method, tol, raise_on_failure))
    return out
