r"""The max-margin student when every kept input is tiny along one direction (the exponential regime).

Keep-hard pruning with a small keep fraction f keeps examples whose probe field z = J_p . x is below
gamma ~ sqrt(pi / 2) f: the label-signed inputs Z have one direction (the probe) along which every row is
O(gamma), and the max-margin weight along it is O(1 / gamma) (the rest of the inputs cannot separate more than
~2N examples). In double precision the least-distance problem then loses ~1 / gamma^2 of relative accuracy:
the Lawson-Hanson solver of :mod:`simulations.student` stops with a KKT residual of 1e-7 at f = 1e-4 and
O(1) at f = 1e-7 (issue 18), although its active set is nearly right.

Here the problem is solved in scaled variables. Rotate the tiny direction to the first axis (a Householder
reflection H, skipped when it already is e_0), scale that column by 1 / gamma: Z~ = (Z H) D with
D = diag(1 / gamma, 1, ..., 1), every entry O(1). With w = H D v the problem is

    min v_0^2 / gamma^2 + |v_perp|^2   subject to   Z~ v >= 1,

solved by a primal active-set method whose equality-constrained steps use no normal equations: for the active
set S (|S| = k <= N), the QR factors of Z~_S^T give a particular solution v_p = Q1 R1^-T 1 and the null space Q2;
the heavy first row is then eliminated in closed form (Sherman-Morrison without any 1 / gamma^2 term:
y = b - a (v_p0 + (1 - gamma^2) a.b) / (gamma^2 + (1 - gamma^2) |a|^2), a = first row of Q2,
b = -Q2_perp^T v_p_perp). The multipliers are kept in two O(1) parts, alpha = alpha_a / gamma^2 + alpha_b, with
Z~_S^T alpha_a = v_0 e_0 and Z~_S^T alpha_b = (0, v_perp): one array alpha would hold numbers ~1 / gamma^2 whose
O(1) combinations cannot be formed in double precision.

**Certificate** (:func:`block_kkt_residual`): the KKT conditions of the original problem, each at its own scale:
primal feasibility max(0, 1 - min Z~ v); dual feasibility and complementary slackness of
alpha_a + gamma^2 alpha_b (alpha up to the factor gamma^2); stationarity along the tiny direction
|Z~_S^T alpha_a - v_0 e_0| / |v_0| and across it |Z~_S^T alpha_b - (0, v_perp)| / |v_perp|. Together they are
the original stationarity w = Z^T alpha with each block relative to its own size (the O(1) part of w is not
hidden behind the O(1 / gamma) part).
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from simulations.certificate import kkt_residual
from simulations.least_distance import solve


def _householder_to_e0(u: np.ndarray) -> np.ndarray | None:
    """The reflection vector h with (I - 2 h h^T) u = e_0 for a unit u (None when u is e_0 already)."""
    e0 = np.zeros_like(u)
    e0[0] = 1.0
    h = u - e0
    norm = np.linalg.norm(h)
    if norm < 1e-15:
        return None
    return h / norm


def _reflect(M: np.ndarray, h: np.ndarray | None) -> np.ndarray:
    """M (I - 2 h h^T) for rows of M (or a vector)."""
    if h is None:
        return M
    return M - 2.0 * np.outer(M @ h, h) if M.ndim == 2 else M - 2.0 * (M @ h) * h


def _equality_step(Zt: np.ndarray, S: list[int], gamma: float):
    """v minimising v_0^2 / gamma^2 + |v_perp|^2 on Z~_S v = 1, and alpha_a, alpha_b (module docstring)."""
    A = Zt[S]
    k, n = A.shape
    Q, R = linalg.qr(A.T)
    R1 = R[:k]
    Q1, Q2 = Q[:, :k], Q[:, k:]
    v = Q1 @ linalg.solve_triangular(R1, np.ones(k), trans="T")
    if Q2.shape[1]:
        a = Q2[0]
        b = -(Q2[1:].T @ v[1:])
        coef = (v[0] + (1.0 - gamma**2) * (a @ b)) / (gamma**2 + (1.0 - gamma**2) * (a @ a))
        v = v + Q2 @ (b - a * coef)
    e0 = np.zeros(n)
    e0[0] = v[0]
    perp = v.copy()
    perp[0] = 0.0
    alpha_a = linalg.solve_triangular(R1, Q1.T @ e0)
    alpha_b = linalg.solve_triangular(R1, Q1.T @ perp)
    return v, alpha_a, alpha_b


def block_kkt_residual(Zt: np.ndarray, S: list[int], v: np.ndarray, alpha_a: np.ndarray, alpha_b: np.ndarray,
                       gamma: float) -> float:
    """The certificate of the module docstring (0 at an exact solution)."""
    margins = Zt @ v
    primal = max(0.0, 1.0 - float(margins.min()))
    scaled = alpha_a + gamma**2 * alpha_b  # gamma^2 alpha on S
    top = max(float(np.max(np.abs(scaled))), 1e-300)
    dual = max(0.0, -float(scaled.min())) / top
    slack = float(np.max(np.abs(scaled) * np.abs(margins[S] - 1.0))) / top
    A = Zt[S]
    e0 = np.zeros_like(v)
    e0[0] = v[0]
    perp = v - e0
    stat_a = float(np.linalg.norm(A.T @ alpha_a - e0)) / max(abs(v[0]), 1e-300)
    stat_b = float(np.linalg.norm(A.T @ alpha_b - perp)) / max(float(np.linalg.norm(perp)), 1e-300)
    return max(primal, dual, slack, stat_a, stat_b)


def _active_set(Zt: np.ndarray, S: list[int], gamma: float, tol: float, max_rounds: int):
    """Primal active set in the scaled variables from the guess S: drop the most negative multiplier, else add
    the most violated example (exchanging the smallest multiplier when S already has N members)."""
    n = Zt.shape[1]
    rounds = 0
    while rounds < max_rounds:  # noqa: B007 - the else clause recomputes the state when the rounds run out
        rounds += 1
        if not S:  # start again from the example nearest the origin (the first to bind from v = 0)
            S.append(int(np.argmax(np.linalg.norm(Zt, axis=1))))
        v, alpha_a, alpha_b = _equality_step(Zt, S, gamma)
        scaled = alpha_a + gamma**2 * alpha_b
        worst = int(np.argmin(scaled))
        if scaled[worst] < -1e-13 * max(float(np.max(np.abs(scaled))), 1e-300):
            S.pop(worst)
            continue
        margins = Zt @ v
        k = int(np.argmin(margins))
        if margins[k] < 1.0 - tol and k not in S:
            if len(S) >= n:
                S.pop(int(np.argmin(scaled)))
            S.append(k)
            continue
        break
    else:
        if not S:
            S.append(int(np.argmax(np.linalg.norm(Zt, axis=1))))
        v, alpha_a, alpha_b = _equality_step(Zt, S, gamma)  # the state of the final active set
    return S, v, alpha_a, alpha_b, rounds


GAMMA_START = 1e-3  # the continuation starts where Lawson-Hanson in double precision is exact


def fit_scaled(Z: np.ndarray, tiny: np.ndarray, tol: float = 1e-10, max_rounds: int | None = None):
    """The max-margin solution of Z w >= 1 when the rows of Z are tiny along the unit vector ``tiny``.

    Continuation in the scale: the same scaled inputs Z~ with the tiny column at gamma_c = max(gamma,
    GAMMA_START) are solved by Lawson-Hanson (exact there), and its support seeds the active set at gamma_c /
    100, ... down to gamma (as gamma -> 0 the problem tends to a lexicographic one, min v_0 then |v_perp|, so the
    support barely moves). Returns (w, alpha, kkt, rounds): alpha = alpha_a / gamma^2 + alpha_b in the original
    variables (for reporting); kkt is :func:`block_kkt_residual` on a vertex (|S| = N), where the split of the
    multipliers holds, else the ordinary residual of (w, alpha) (no 1 / gamma^2 amplification off a vertex).
    """
    P, n = Z.shape
    tiny = np.asarray(tiny, dtype=float) / np.linalg.norm(tiny)
    h = _householder_to_e0(tiny)
    Zr = _reflect(Z, h)
    # the scale of the tiny components: a low quantile, so that rules keeping only some tiny rows (mix:M keeps
    # its hardest share and random others) are scaled by the tiny ones; larger rows then have large scaled
    # entries but stay far from the margin (they are never support vectors of this regime)
    gamma = float(np.quantile(np.abs(Zr[:, 0]), 0.25))
    if not gamma > 0.0:
        raise ValueError("the inputs have no component along the tiny direction")
    Zt = Zr.copy()
    Zt[:, 0] /= gamma
    max_rounds = max_rounds or 4 * (P + n)
    g = max(gamma, GAMMA_START)
    start = Zt.copy()
    start[:, 0] *= g  # the same geometry at the scale g
    with np.errstate(all="ignore"):
        _, first_alpha, _ = solve(start)  # the plain least-distance solve (simulations.least_distance)
    S = [int(i) for i in np.argsort(-first_alpha)[: int(np.sum(first_alpha > 0))]][:n]
    total = 0
    while True:
        S, v, alpha_a, alpha_b, rounds = _active_set(Zt, S, g, tol, max_rounds)
        total += rounds
        if g <= gamma:
            break
        g = max(g * 1e-2, gamma)
    w = v.copy()
    w[0] /= gamma
    w = _reflect(w, h)
    alpha = np.zeros(P)
    alpha[S] = alpha_a / gamma**2 + alpha_b
    kkt = (block_kkt_residual(Zt, S, v, alpha_a, alpha_b, gamma) if len(S) == n
           else kkt_residual(Z, w, alpha))
    return w, alpha, kkt, total
