r"""Exact hard-margin SVM without bias, compiled with numba.

Problem: min |w|^2 subject to Z w >= 1, Z = [P, N] label-signed inputs. It is solved as the least
distance programme of Lawson & Hanson (ch. 23): with E = [Z^T; 1^T] ([N+1, P]) and f = (0, ..., 0, 1),
the non-negative least squares problem min |E u - f|, u >= 0 gives w = Z^T u / (1 - sum u) and the
dual variables alpha = u / (1 - sum u). The NNLS gradient E^T (f - E u) = (1 - sum u)(1 - z_j . w)
is positive exactly for violated constraints.

Algorithm: Lawson-Hanson active set on a *working set* of examples (initially those with the
smallest margins under the Hebbian direction), with the passive-set normal matrix
G = Z_P Z_P^T + 1 1^T kept as an incrementally updated Cholesky factor (append: O(k^2); delete:
rank-one update, O(k^2)) and two steps of iterative refinement of each solve. When the working set is
solved, all P constraints are checked; the most violated ones join the working set and the solve
resumes from the current passive set. The loop ends when every margin is >= 1 - ``tol`` (the KKT
conditions: alpha >= 0 by construction, w = Z^T alpha exactly, complementary slackness on the
passive set to refinement accuracy).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _chol_solve(L, k, b):
    """Solve L L^T x = b for the leading k x k block of L (row-oriented, cache friendly)."""
    x = np.empty(k)
    for i in range(k):
        acc = b[i]
        for j in range(i):
            acc -= L[i, j] * x[j]
        x[i] = acc / L[i, i]
    for i in range(k - 1, -1, -1):
        x[i] /= L[i, i]
        xi = x[i]
        for j in range(i):
            x[j] -= L[i, j] * xi
    return x


@njit(cache=True)
def _chol_append(Zp, k, L, zj):
    """Append row zj to the passive rows Zp[:k] and to the Cholesky factor of G = Zp Zp^T + 1 1^T.

    Returns False (and changes nothing) if zj is numerically dependent on the passive rows.
    """
    col = Zp[:k] @ zj + 1.0
    diag = zj @ zj + 1.0
    row = np.empty(k)
    d2 = diag
    for i in range(k):
        acc = col[i]
        for j in range(i):
            acc -= L[i, j] * row[j]
        row[i] = acc / L[i, i]
        d2 -= row[i] * row[i]
    if d2 <= 1e-13 * diag:
        return False
    L[k, :k] = row
    L[k, k] = np.sqrt(d2)
    Zp[k] = zj
    return True


@njit(cache=True)
def _chol_delete(L, Zp, passive, u, k, p):
    """Remove position p from the passive set, its rows and its Cholesky factor (rank-one update)."""
    x = L[p + 1:k, p].copy()
    n = Zp.shape[1]
    for i in range(p, k - 1):
        passive[i] = passive[i + 1]
        u[i] = u[i + 1]
        for d in range(n):
            Zp[i, d] = Zp[i + 1, d]
        for m in range(p):
            L[i, m] = L[i + 1, m]
        for m in range(p, i + 1):
            L[i, m] = L[i + 1, m + 1]
    for i in range(p, k - 1):
        xi = x[i - p]
        r = np.sqrt(L[i, i] * L[i, i] + xi * xi)
        c = r / L[i, i]
        s = xi / L[i, i]
        L[i, i] = r
        for m in range(i + 1, k - 1):
            L[m, i] = (L[m, i] + s * x[m - p]) / c
            x[m - p] = c * x[m - p] - s * L[m, i]
    return k - 1


@njit(cache=True)
def _most_violated(Zws, ws, n_ws, skip, wv, su, tol):
    """Working-set example with the largest margin violation 1 - z_j . w > tol (or -1).

    Zws[:n_ws] holds the working-set rows contiguously, so the margins are one matrix-vector product.
    """
    best = -1
    best_val = tol
    scale = 1.0 - su
    margins = Zws[:n_ws] @ wv
    for a in range(n_ws):
        j = ws[a]
        if skip[j]:
            continue
        viol = 1.0 - margins[a] / scale
        if viol > best_val:
            best_val = viol
            best = j
    return best


@njit(cache=True)
def max_margin_numba(Z, tol, max_iter, batch):
    """Hard-margin SVM on Z = [P, N]. Returns (w, alpha, n_iter, converged, min_margin).

    ``tol``: accepted margin violation, every z_mu . w >= 1 - tol at exit. ``max_iter``: bound on
    Lawson-Hanson additions. ``batch``: number of most violated examples added to the working set
    at a time.
    """
    P, n = Z.shape
    kmax = min(P, n + 1)
    L = np.zeros((kmax + 1, kmax + 1))
    passive = np.empty(kmax + 1, dtype=np.int64)
    u = np.zeros(kmax + 1)
    k = 0  # size of the passive set
    skip = np.zeros(P, dtype=np.bool_)  # passive, or numerically dependent for now
    in_ws = np.zeros(P, dtype=np.bool_)
    ws = np.empty(P, dtype=np.int64)
    Zws = np.empty((P, n))  # working-set rows, contiguous
    Zp = np.zeros((kmax + 1, n))  # passive rows, contiguous
    wv = np.zeros(n)
    su = 0.0
    # initial working set: the smallest margins under the Hebbian direction
    n_ws = min(P, 2 * n + 10)
    order = np.argsort(Z @ Z.sum(axis=0))
    for a in range(n_ws):
        ws[a] = order[a]
        in_ws[order[a]] = True
        Zws[a] = Z[order[a]]
    n_iter = 0
    while n_iter < max_iter:
        # ---- Lawson-Hanson on the working set ----
        while n_iter < max_iter:
            j = _most_violated(Zws, ws, n_ws, skip, wv, su, tol)
            if j < 0 or k >= kmax:
                break
            n_iter += 1
            skip[j] = True
            if not _chol_append(Zp, k, L, Z[j]):
                continue  # dependent column: stays skipped until the passive set changes
            passive[k] = j
            u[k] = 0.0
            k += 1
            s = _chol_solve(L, k, np.ones(k))
            if s[k - 1] <= 0.0:  # rounding: the new column cannot enter
                k = _chol_delete(L, Zp, passive, u, k, k - 1)
                continue
            while True:
                step = 1.0
                for i in range(k):
                    if s[i] <= 0.0:
                        step = min(step, u[i] / (u[i] - s[i]))
                for i in range(k):
                    u[i] += step * (s[i] - u[i])
                if step == 1.0:
                    break
                i = 0
                while i < k:
                    if u[i] <= 0.0 or (s[i] <= 0.0 and u[i] <= 1e-14 * abs(s[i])):
                        skip[passive[i]] = False
                        k = _chol_delete(L, Zp, passive, u, k, i)
                    else:
                        i += 1
                if k == 0:
                    break
                s = _chol_solve(L, k, np.ones(k))
            wv = Zp[:k].T @ u[:k]
            su = u[:k].sum()
            for a in range(n_ws):  # dependent columns may enter a changed passive set
                skip[ws[a]] = False
            for i in range(k):
                skip[passive[i]] = True
        # ---- check every constraint; grow the working set ----
        margins = (Z @ wv) / (1.0 - su)
        viol_idx = np.empty(P, dtype=np.int64)
        n_viol = 0
        for mu in range(P):
            if not in_ws[mu] and margins[mu] < 1.0 - tol:
                viol_idx[n_viol] = mu
                n_viol += 1
        if n_viol == 0:
            break
        pick = np.argsort(margins[viol_idx[:n_viol]])[: min(batch, n_viol)]
        for a in pick:
            mu = viol_idx[a]
            in_ws[mu] = True
            ws[n_ws] = mu
            Zws[n_ws] = Z[mu]
            n_ws += 1
    if k > 0:  # polish the final solve by two steps of iterative refinement
        s = _chol_solve(L, k, np.ones(k))
        for _ in range(2):
            s += _chol_solve(L, k, 1.0 - (Zp[:k] @ (Zp[:k].T @ s) + s.sum()))
        if np.all(s > 0.0):
            u[:k] = s
            wv = Zp[:k].T @ u[:k]
            su = u[:k].sum()
    w = wv / (1.0 - su)
    alpha = np.zeros(P)
    for i in range(k):
        alpha[passive[i]] = u[i] / (1.0 - su)
    margins = Z @ w
    min_margin = margins.min()
    return w, alpha, n_iter, bool(min_margin >= 1.0 - tol), min_margin
