"""Solve the saddle-point equations: Newton from a warm start or a guess, else the nested maximisation.

1. Newton: ``scipy.optimize.root(method="hybr")`` (MINPACK's Powell hybrid method) on the scaled
   residuals of :mod:`theory.saddle` with their analytic Jacobian, ``xtol`` = 1e-13 relative, from the
   warm start ``x0`` when given (continuation) or else from one physical guess (student along the
   teacher with the pool's or the budget's error, its margin kappa*(direction) from F = 0).
2. When that is not accepted: the nested maximisation of :mod:`theory.nested` — kappa*(direction),
   the root of F = 0 at a fixed direction, maximised over directions by safeguarded Newton searches
   that go uphill. kappa* has a single maximum over directions (convexity, see that module), so this
   converges from any start; its answer is accepted directly or after a Newton polish.

A solution is accepted when every scaled residual is below max(tol, its rounding floor) (default tol
1e-10; the floor is what rounding the unknowns alone can cause, see :func:`_max_residual`), F is
increasing in kappa and F is at a minimum over directions (the Hessian in the angles is positive
definite). Otherwise ``success`` is False and ``message`` says why; the numbers are still returned
with their residual so that the caller sees what failed. The domain where every point is measured to
converge is alpha_prune in ``ALPHA_RANGE``, f in [1e-9, 1], theta in [0, 89.9] degrees
(``python -m benchmarks.convergence_map``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import optimize

from theory.model import Params
from theory.nested import NoMaximumError, kappa_root, maximise_margin
from theory.point import STATUS_MESSAGES, MaxMarginOrder, PointResult, solve_point, warn_unknown_options
from theory.progress import progress
from theory.saddle import (
    Problem,
    chi_from_v,
    free_energy_terms,
    residual_and_jacobian,
    v_from_chi,
)

METHODS = ("hybr", "lm")
DEFAULT_TOL = 1e-10
ROUNDING_FLOOR_FACTOR = 64.0  # a residual within 64 roundings of the unknowns counts as zero
SaddleResult = PointResult  # the former name of the result (one result type for every route)


def error_from_angles(chi: float, beta: float, theta: float) -> float:
    """eps = arccos(R) / pi with R = cos(chi) cos(theta - beta), without cancellation.

    1 - R = 2 sin^2(chi/2) + cos(chi) 2 sin^2((theta - beta)/2), and arccos(R) = 2 arcsin(sqrt((1 - R)/2)).
    """
    if theta == 0.0 and beta == 0.0:
        return chi / math.pi
    one_minus_r = 2.0 * math.sin(0.5 * chi) ** 2 + math.cos(chi) * 2.0 * math.sin(0.5 * (theta - beta)) ** 2
    return 2.0 * math.asin(math.sqrt(min(1.0, 0.5 * one_minus_r))) / math.pi


def _start(problem: Problem, chi: float, beta: float) -> np.ndarray:
    """The unknowns q = (v, [beta,] k) at the direction (chi, beta) with its own margin kappa*(chi, beta)."""
    kappa = kappa_root(problem, chi, beta)
    q = [v_from_chi(chi), kappa / math.sin(chi)]
    if problem.n_unknowns == 3:
        q.insert(1, beta)
    return np.array(q)


def _first_guess(problem: Problem) -> tuple[float, float]:
    """A physical guess of the direction (chi, beta): the student along the teacher (beta = theta) with
    the pool's error (hard windows inherit it) or the budget's (easy windows are limited by it)."""
    p = problem.params
    eps0 = 0.5 / (1.0 + (p.alpha_total if p.keep == "hard" else p.alpha_prune))
    return math.pi * eps0, problem.theta


def _nested(problem: Problem, chi0: float, beta0: float) -> np.ndarray:
    """The maximum of kappa* over directions (:func:`theory.nested.maximise_margin`) as unknowns q."""
    best = maximise_margin(problem, v_from_chi(chi0), beta0)
    v, beta = best.v, best.beta
    turns = round((beta - problem.theta) / math.pi)  # the same line of c, beta in (theta - pi/2, theta + pi/2]
    if turns % 2:
        v = -v  # beta + pi with chi -> pi - chi is the same direction
    beta -= turns * math.pi
    q = [v, best.kappa / math.sin(chi_from_v(v))]
    if problem.n_unknowns == 3:
        q.insert(1, beta)
    return np.array(q)


def _newton(problem: Problem, q0: np.ndarray, method: str, options: dict, tol: float):
    opts = {"xtol": 1e-13} if method == "hybr" else {"xtol": 1e-15, "ftol": 1e-15}
    opts.update(options)
    with np.errstate(all="ignore"):
        sol = optimize.root(
            residual_and_jacobian, q0, args=(problem,), jac=True, method=method, options=opts
        )
    q = np.asarray(sol.x, dtype=float)
    return q, *_max_residual(problem, q, tol), int(sol.nfev)


def _max_residual(problem: Problem, q: np.ndarray, tol: float) -> tuple[float, bool]:
    """(largest scaled residual, whether every residual is below max(tol, its rounding floor)) at q.

    The floor is the largest change of a residual that rounding the unknowns alone can cause,
    max_i sum_j |dr_i/dq_j| max(|q_j|, 1) u (u = 2.2e-16; the componentwise backward error of Oettli
    and Prager, with the angles v and beta rounded on their natural scale 1), times
    ``ROUNDING_FLOOR_FACTOR``. Where it exceeds tol no representable q can do better
    (easy windows of huge pools, where the margin is pinned to the window edge and k = kappa / sigma
    ~ 1e7), so a point is accepted when the residual is below max(tol, floor).
    """
    if not np.all(np.isfinite(q)):
        return math.inf, False
    with np.errstate(all="ignore"):
        r, jac = residual_and_jacobian(q, problem)
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(jac))):
        return math.inf, False
    floor = ROUNDING_FLOOR_FACTOR * np.finfo(float).eps * (np.abs(jac) @ np.maximum(np.abs(q), 1.0))
    return float(np.max(np.abs(r))), bool(np.all(np.abs(r) < np.maximum(tol, floor)))


def _second_order_ok(problem: Problem, q: np.ndarray) -> bool:
    chi = chi_from_v(q[0])
    beta = float(q[1]) if problem.n_unknowns == 3 else 0.0
    _, grad, hess = free_energy_terms(problem, chi, beta, q[-1] * math.sin(chi))
    n = problem.n_unknowns - 1
    return bool(grad[2] > 0.0 and np.all(np.linalg.eigvalsh(hess[:n, :n]) > 0.0))


def solve_max_margin(
    params: Params,
    *,
    x0: Sequence[float] | None = None,
    method: str = "hybr",
    tol: float = DEFAULT_TOL,
    options: dict | None = None,
    problem: Problem | None = None,
) -> PointResult:
    """Solve the saddle-point equations of the max-margin student at ``params`` (the ``max-margin`` route of
    :func:`theory.point.solve_point`, which checks the point first: clean labels, a window rule).

    Parameters
    ----------
    params : the point (alpha_prune, keep_fraction, keep, probe_angle_deg).
    x0 : optional warm start, the ``q`` of a neighbouring result.
    method : ``"hybr"`` (default) or ``"lm"``, passed to ``scipy.optimize.root``.
    tol : acceptance threshold on the largest scaled residual.
    options : extra options for ``scipy.optimize.root``; unknown keys warn.
    problem : a prebuilt :class:`~theory.saddle.Problem` (e.g. with a refined quadrature).

    Returns
    -------
    PointResult with :class:`theory.point.MaxMarginOrder`. Non-convergence is ``success=False``.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    known = {"hybr": {"xtol", "maxfev", "factor", "diag", "eps", "band", "col_deriv"},
             "lm": {"xtol", "ftol", "gtol", "maxiter", "factor", "diag", "eps", "col_deriv"}}[method]
    options = warn_unknown_options(options or {}, known, method)
    problem = problem or Problem.from_params(params)
    n = problem.n_unknowns
    nfev = 0
    best: tuple[np.ndarray, float] | None = None
    best_small = False
    chi0, beta0 = _first_guess(problem)

    def consider(q: np.ndarray, res: float, small: bool) -> bool:
        nonlocal best, best_small
        if small and _second_order_ok(problem, q):
            return True
        if best is None or res < best[1]:
            best, best_small = (q, res), small
        return False

    # 1. Newton (hybr) from the warm start, else from the physical guess: fast where it converges
    starts = []
    if x0 is not None:
        q = np.asarray(x0, dtype=float)
        if q.shape == (n,) and np.all(np.isfinite(q)):
            starts.append(q)
    accepted = None
    fallback = False
    try:
        if not starts:
            starts.append(_start(problem, chi0, beta0))
        for q0 in starts:
            q, res, small, k = _newton(problem, q0, method, options, tol)
            nfev += k
            if consider(q, res, small):
                accepted = (q, res)
                break
        if accepted is None:
            # 2. the nested maximisation of kappa* over directions: one maximum, reached from any start
            fallback = True
            if x0 is not None and starts:  # start the searches from the neighbour's direction
                chi0 = chi_from_v(float(starts[0][0]))
                beta0 = float(starts[0][1]) if n == 3 else 0.0
            q = _nested(problem, chi0, beta0)
            res, small = _max_residual(problem, q, tol)
            if consider(q, res, small):
                accepted = (q, res)
            else:  # polish the nested answer by Newton
                q, res, small, k = _newton(problem, q, method, options, tol)
                nfev += k
                if consider(q, res, small):
                    accepted = (q, res)
    except NoMaximumError as exc:
        raise ValueError(f"{params}: {exc}") from None
    except RuntimeError:  # a search hit its iteration limit: reported below as not converged
        pass
    if accepted is not None:
        (q, res), status = accepted, 0
    elif best is not None and np.all(np.isfinite(best[0])):
        q, res = best
        status = 2 if best_small else 1
    else:  # no start could even be built: report the failure, never a number
        q, res, status = np.full(n, math.nan), math.inf, 1
    return _result(params, problem, q, res, status, nfev, method, fallback)


def _result(params, problem, q, res, status, nfev, method, fallback) -> PointResult:
    chi = chi_from_v(float(q[0])) if np.isfinite(q[0]) else math.nan
    beta = float(q[1]) if problem.n_unknowns == 3 else 0.0
    theta = problem.theta
    kappa = float(q[-1]) * math.sin(chi)
    return PointResult(
        params=params,
        eps=error_from_angles(chi, beta, theta),
        R=math.cos(chi) * math.cos(theta - beta),
        rho=math.cos(chi) * math.cos(beta),
        success=status == 0,
        status=status,
        message=STATUS_MESSAGES[status],
        residual=res,
        nfev=nfev,
        route="max-margin",
        order=MaxMarginOrder(kappa=kappa, chi=chi, beta=beta, method=method, fallback=fallback),
        q=tuple(float(x) for x in q),
    )


def solve_grid(
    alpha_prunes: Sequence[float],
    keep_fractions: Sequence[float],
    keep: str = "hard",
    probe_angle_deg: float = 0.0,
    *,
    tol: float = DEFAULT_TOL,
    show_progress: bool = False,
    learner: str = "max-margin",
    labels: str = "clean",
) -> list[list[PointResult]]:
    """Solve on the grid alpha_prune x keep_fraction by continuation in alpha_prune.

    For each keep fraction the points are solved in increasing alpha_prune, each warm-started from
    its solved neighbour (``x0`` = the neighbour's ``q``). Returns ``results[i][j]`` for
    ``alpha_prunes[i]`` and ``keep_fractions[j]``, in the order given.
    """
    alphas = [float(a) for a in alpha_prunes]
    fractions = [float(f) for f in keep_fractions]
    grid = [[Params(a, f, keep, probe_angle_deg, learner, labels) for f in fractions] for a in alphas]
    order = sorted(range(len(alphas)), key=lambda i: alphas[i])
    out: list[list[PointResult | None]] = [[None] * len(fractions) for _ in alphas]
    columns = range(len(fractions))
    if show_progress:
        columns = progress(columns, total=len(fractions), desc=f"solving ({keep})")
    for j in columns:
        previous = None
        for i in order:
            res = solve_point(grid[i][j], x0=previous, tol=tol)
            out[i][j] = res
            previous = res.q if res.success else previous
    return out  # type: ignore[return-value]
