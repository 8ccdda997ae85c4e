r"""Exact hard-margin SVM without bias, compiled with numba.

Problem: min |w|^2 subject to Z w >= 1, Z = [P, N] label-signed inputs. It is solved as the least
distance programme of Lawson & Hanson (ch. 23): with E = [Z^T; 1^T] ([N+1, P]) and f = (0, ..., 0, 1),
the non-negative least squares problem min |E u - f|, u >= 0 gives w = Z^T u / (1 - sum u) and the
dual variables alpha = u / (1 - sum u). The NNLS gradient E^T (f - E u) = (1 - sum u) - z_j . w_u,
w_u = Z^T u, is positive exactly for violated constraints.

Algorithm: Lawson-Hanson active set. The passive-set normal matrix G = Z_P Z_P^T + 1 1^T is kept as an
upper Cholesky factor G = U^T U (row-major, so that appending a column and the Givens downdate of a
deletion both run over contiguous rows), together with y = U^{-T} 1, so that each least-squares solve
G s = 1 is one back substitution U s = y. Appends cost O(k^2 + kN), deletions O(k (k - p)).

Pricing (choice of the entering example) is *partial*: every ``refresh`` additions all P margins are
computed and the ``n_cand`` smallest (non-passive) ones are copied into a contiguous candidate block;
in between, the most violated candidate of the block enters. The loop ends when a full pricing finds no
margin below 1 - ``tol`` (the KKT conditions: alpha >= 0 by construction, w = Z^T alpha exactly,
complementary slackness on the passive set to the accuracy of the final iteratively refined solve).

Start: the empty passive set, or a guessed one (``init``, :func:`_warm_start`), and optionally a first
phase that prices only the examples ``first`` (the problem restricted to them is solved, then all P are
priced from that state); :func:`simulations.student.fit_max_margin` with ``warm_start="least-squares"``
supplies both. The path changes, the solution does not. Measured on this machine (N = 200, P = 2000,
``benchmarks/maxmargin_speed.py``): ~420 additions for ~200 support vectors on random data, ~1070 on
hard-pruned data (alpha_prune = 10, f = 0.1), ~500 there with the least-squares start.

An example whose column is numerically dependent on the passive set (possible on hard-pruned data,
where G is ill-conditioned) is skipped until the passive set changes; if only such examples remain
violated the result is not converged and :func:`simulations.student.fit_max_margin` falls back to a
QR-based solver.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Reassociation lets LLVM vectorise the dot products and axpys of the triangular solves and rotations;
# no NaN/inf assumptions are made.
_FASTMATH = {"reassoc", "contract", "nsz", "arcp"}
# Without reassociation, for the four-term axpys of _forward and _passive_combination (they vectorise
# without it): with it, LLVM grouped that sum differently depending on the compile context (inlined into a
# freshly compiled caller or not), and the same problem solved in a process that had just compiled the
# kernels and in a worker that loaded numba's cache differed in the last bit (tests/test_run_cli.py).
_FASTMATH_ORDERED = {"contract", "nsz", "arcp"}


@njit(cache=True, fastmath=_FASTMATH_ORDERED)
def _forward(U, k, b, out):
    """out[:k] = U^{-T} b[:k] for the leading k x k block of the upper factor U (axpys over rows of U).

    Four rows at a time: their 4 x 4 triangle first, then one pass of a four-term axpy over the rest of
    the vector (a quarter of the loads and stores, and the divisions off the loop's critical path).
    Loops run over zero-based ranges of slices so that numba emits no negative-index wraparound
    (which would block vectorisation).
    """
    for i in range(k):
        out[i] = b[i]
    j = 0
    while j + 4 <= k:
        o0 = out[j] / U[j, j]
        o1 = (out[j + 1] - U[j, j + 1] * o0) / U[j + 1, j + 1]
        o2 = (out[j + 2] - U[j, j + 2] * o0 - U[j + 1, j + 2] * o1) / U[j + 2, j + 2]
        o3 = (out[j + 3] - U[j, j + 3] * o0 - U[j + 1, j + 3] * o1 - U[j + 2, j + 3] * o2) / U[j + 3, j + 3]
        out[j] = o0
        out[j + 1] = o1
        out[j + 2] = o2
        out[j + 3] = o3
        r0 = U[j, j + 4:k]
        r1 = U[j + 1, j + 4:k]
        r2 = U[j + 2, j + 4:k]
        r3 = U[j + 3, j + 4:k]
        rest = out[j + 4:k]
        for i in range(k - j - 4):
            rest[i] -= (r0[i] * o0 + r1[i] * o1) + (r2[i] * o2 + r3[i] * o3)
        j += 4
    for m in range(j, k):
        out[m] /= U[m, m]
        om = out[m]
        for i in range(m + 1, k):
            out[i] -= U[m, i] * om


@njit(cache=True, fastmath=_FASTMATH)
def _backward(U, k, y):
    """U^{-1} y[:k] (dot products over rows of U).

    Four rows at a time, from the bottom: their dot products with the solved part run in one loop (four
    independent accumulators sharing the loads of x), then their 4 x 4 triangle; a row at a time, each
    dot product would wait for the division of the row below.
    """
    x = np.empty(k)
    hi = k
    while hi >= 4:
        lo = hi - 4
        r0 = U[lo, hi:k]
        r1 = U[lo + 1, hi:k]
        r2 = U[lo + 2, hi:k]
        r3 = U[lo + 3, hi:k]
        done = x[hi:k]
        a0 = a1 = a2 = a3 = 0.0
        for j in range(k - hi):
            xj = done[j]
            a0 += r0[j] * xj
            a1 += r1[j] * xj
            a2 += r2[j] * xj
            a3 += r3[j] * xj
        x3 = (y[lo + 3] - a3) / U[lo + 3, lo + 3]
        x2 = (y[lo + 2] - a2 - U[lo + 2, lo + 3] * x3) / U[lo + 2, lo + 2]
        x1 = (y[lo + 1] - a1 - U[lo + 1, lo + 2] * x2 - U[lo + 1, lo + 3] * x3) / U[lo + 1, lo + 1]
        x0 = (y[lo] - a0 - U[lo, lo + 1] * x1 - U[lo, lo + 2] * x2 - U[lo, lo + 3] * x3) / U[lo, lo]
        x[lo] = x0
        x[lo + 1] = x1
        x[lo + 2] = x2
        x[lo + 3] = x3
        hi = lo
    for i in range(hi - 1, -1, -1):
        acc = y[i]
        for j in range(i + 1, k):
            acc -= U[i, j] * x[j]
        x[i] = acc / U[i, i]
    return x


@njit(cache=True, fastmath=_FASTMATH)
def _append(U, k, y, zz, col, row):
    """Border the factor with the column col = Z_P z + 1 of a new example (zz = |z|^2).

    Sets U[:k, k] = U^{-T} col, U[k, k] = sqrt(|z|^2 + 1 - |U^{-T} col|^2) and extends y. Returns False
    (factor unchanged) if the new column is numerically dependent on the passive ones.
    """
    _forward(U, k, col, row)
    diag = zz + 1.0
    d2 = diag
    acc = 1.0
    for i in range(k):
        d2 -= row[i] * row[i]
        acc -= row[i] * y[i]
    if d2 <= 1e-13 * diag:
        return False
    for i in range(k):
        U[i, k] = row[i]
    U[k, k] = np.sqrt(d2)
    y[k] = acc / U[k, k]
    return True


@njit(cache=True, fastmath=_FASTMATH)
def _delete(U, slot, passive, u, y, k, p):
    """Remove passive position p; returns k - 1.

    Deleting row/column p of G leaves U with a spike x = U[p, p+1:k]; Givens rotations of the row pairs
    (new row i, x), i = p .. k-2, restore the triangle, and the same rotations are applied to y.
    """
    for i in range(p):  # rows above p: shift the columns after p left
        dst = U[i, p:k - 1]
        src = U[i, p + 1:k]
        for m in range(k - 1 - p):
            dst[m] = src[m]
    x = U[p, p + 1:k].copy()  # x[m - p] sits in new column m
    yx = y[p]
    for i in range(p, k - 1):
        passive[i] = passive[i + 1]
        slot[i] = slot[i + 1]
        u[i] = u[i + 1]
        dst = U[i, i:k - 1]
        src = U[i + 1, i + 1:k]
        for m in range(k - 1 - i):
            dst[m] = src[m]
        a = U[i, i]
        b = x[i - p]
        r = np.sqrt(a * a + b * b)
        cs = a / r
        sn = b / r
        U[i, i] = r
        row = U[i, i + 1:k - 1]
        xs = x[i - p + 1:]
        for m in range(k - 2 - i):
            t = row[m]
            xm = xs[m]
            row[m] = cs * t + sn * xm
            xs[m] = cs * xm - sn * t
        yc = y[i + 1]
        y[i] = cs * yc + sn * yx
        yx = cs * yx - sn * yc
    return k - 1


@njit(cache=True, fastmath=_FASTMATH)
def _passive_dots(Zs, slot, k, z, col):
    """col[i] = z_{passive i} . z + 1, i < k (hand loops over four rows at a time, which share the loads of
    z; for these sizes OpenBLAS dgemv spends its time waking threads)."""
    n = z.shape[0]
    i = 0
    while i + 4 <= k:
        r0 = Zs[slot[i]]
        r1 = Zs[slot[i + 1]]
        r2 = Zs[slot[i + 2]]
        r3 = Zs[slot[i + 3]]
        a0 = a1 = a2 = a3 = 1.0
        for d in range(n):
            zd = z[d]
            a0 += r0[d] * zd
            a1 += r1[d] * zd
            a2 += r2[d] * zd
            a3 += r3[d] * zd
        col[i] = a0
        col[i + 1] = a1
        col[i + 2] = a2
        col[i + 3] = a3
        i += 4
    for m in range(i, k):
        r = Zs[slot[m]]
        acc = 1.0
        for d in range(n):
            acc += r[d] * z[d]
        col[m] = acc


@njit(cache=True, fastmath=_FASTMATH_ORDERED)
def _passive_combination(Zs, slot, k, u, wv):
    """wv = sum_i u_i z_{passive i} = Z_P^T u (four rows at a time: one load and store of wv for four)."""
    n = wv.shape[0]
    wv[:] = 0.0
    i = 0
    while i + 4 <= k:
        r0 = Zs[slot[i]]
        r1 = Zs[slot[i + 1]]
        r2 = Zs[slot[i + 2]]
        r3 = Zs[slot[i + 3]]
        u0, u1, u2, u3 = u[i], u[i + 1], u[i + 2], u[i + 3]
        for d in range(n):
            wv[d] += (u0 * r0[d] + u1 * r1[d]) + (u2 * r2[d] + u3 * r3[d])
        i += 4
    for m in range(i, k):
        r = Zs[slot[m]]
        um = u[m]
        for d in range(n):
            wv[d] += um * r[d]


@njit(cache=True)
def _warm_start(Z, init, U, y, u, passive, slot, Zs, free, n_free, is_passive, col, row):
    """Start Lawson-Hanson from a guessed passive set instead of the empty one; returns (k, n_free).

    The examples of ``init`` are appended in order (a column dependent on the ones before is refused,
    at most N enter); then, while the least-squares solution G s = 1 has a component s_i <= 0, the most
    negative one is dropped and s recomputed (one at a time: dropping all negative ones at once also
    drops examples that only a wrong neighbour made negative, ~100 more additions later at N = 200).
    The state u = s > 0 on an independent passive set is one Lawson-Hanson can continue from (its
    iterates are exactly such states); a poor guess costs time, never correctness.
    """
    kmax = min(U.shape[0] - 1, Z.shape[1])  # N columns at most: N + 1 would leave no room for w
    k = 0
    for a in range(init.shape[0]):
        if k >= kmax:
            break
        j = init[a]
        zj = Z[j]
        _passive_dots(Zs, slot, k, zj, col)
        if _append(U, k, y, zj @ zj, col, row):
            sl = free[n_free - 1]
            n_free -= 1
            slot[k] = sl
            passive[k] = j
            Zs[sl] = zj
            is_passive[j] = True
            k += 1
    while k > 0:
        s = _backward(U, k, y)
        if np.all(s[:k] > 0.0):
            u[:k] = s
            break
        i = int(np.argmin(s[:k]))  # the most negative one
        is_passive[passive[i]] = False
        free[n_free] = slot[i]
        n_free += 1
        k = _delete(U, slot, passive, u, y, k, i)
    return k, n_free


@njit(cache=True)
def max_margin_numba(Z, tol, max_iter, n_cand, refresh, init, first):
    """Hard-margin SVM on Z = [P, N]. Returns (w, alpha, n_iter, converged, min_margin).

    ``tol``: accepted margin violation, every z_mu . w >= 1 - tol at exit. ``max_iter``: bound on
    Lawson-Hanson additions. ``n_cand``, ``refresh``: partial pricing, see the module docstring.
    ``init``: example indices (int64, possibly empty) of a guessed passive set, see :func:`_warm_start`.
    ``first``: example indices (int64, possibly empty) priced alone first: Lawson-Hanson solves the
    problem restricted to them, then, from that solution and its factor, prices all P examples (a
    cascade in one run; the answer is the same, the path shorter when ``first`` holds most support
    vectors).
    """
    P, n = Z.shape
    kmax = min(P, n + 1)
    U = np.zeros((kmax + 1, kmax + 1))
    y = np.zeros(kmax + 1)  # U^{-T} 1
    u = np.zeros(kmax + 1)  # NNLS variables of the passive set, in factor order
    passive = np.empty(kmax + 1, dtype=np.int64)  # example index, in factor order
    slot = np.empty(kmax + 1, dtype=np.int64)  # row of Zs holding that example
    Zs = np.empty((kmax + 1, n))  # passive rows by slot (rows stay put while the factor order changes)
    free = np.arange(kmax + 1)[::-1].copy()  # stack of free slots
    n_free = kmax + 1
    k = 0
    is_passive = np.zeros(P, dtype=np.bool_)
    dependent = np.zeros(P, dtype=np.bool_)  # skipped until the passive set changes
    dep_list = np.empty(P, dtype=np.int64)
    n_dep = 0
    n_cand = min(n_cand, P)
    cand = np.empty(n_cand, dtype=np.int64)
    Zc = np.empty((n_cand, n))
    col = np.empty(kmax + 1)
    row = np.empty(kmax + 1)
    wv = np.zeros(n)  # Z_P^T u
    su = 0.0  # sum u
    if init.shape[0] > 0:
        k, n_free = _warm_start(Z, init, U, y, u, passive, slot, Zs, free, n_free, is_passive, col, row)
        _passive_combination(Zs, slot, k, u, wv)
        su = u[:k].sum()
    # the pricing set: rows Zpr of the examples idx (``first`` while restricted, then all P)
    restricted = 0 < first.shape[0] < P
    if restricted:
        idx = first.copy()
        Zpr = np.empty((idx.shape[0], n))
        for a in range(idx.shape[0]):
            Zpr[a] = Z[idx[a]]
    else:
        idx = np.arange(P)
        Zpr = Z
    n_iter = 0
    while n_iter < max_iter and k < kmax:
        if not restricted and idx.shape[0] < P:  # the restricted problem is solved: price every example
            idx = np.arange(P)
            Zpr = Z
        # ---- full pricing: the n_cand smallest margins among the examples that may enter ----
        margins_all = Zpr @ wv
        m = idx.shape[0]
        for a in range(m):
            if is_passive[idx[a]] or dependent[idx[a]]:
                margins_all[a] = np.inf
        if margins_all.min() >= (1.0 - su) * (1.0 - tol):
            if restricted:
                restricted = False
                continue
            break
        n_block = min(n_cand, m)
        cut = np.partition(margins_all, n_block - 1)[n_block - 1]
        nc = 0
        for a in range(m):  # strictly below the cut first, so that ties cannot crowd out the minimum
            if margins_all[a] < cut:
                cand[nc] = idx[a]
                Zc[nc] = Zpr[a]
                nc += 1
        for a in range(m):
            if nc < n_block and margins_all[a] == cut and cut < np.inf:
                cand[nc] = idx[a]
                Zc[nc] = Zpr[a]
                nc += 1
        # ---- Lawson-Hanson additions priced on the candidate block ----
        n_tried = 0
        for _ in range(refresh):
            if n_iter >= max_iter or k >= kmax:
                break
            margins = Zc[:nc] @ wv
            j = -1
            best = tol * (1.0 - su)
            for a in range(nc):
                c = cand[a]
                if is_passive[c] or dependent[c]:
                    continue
                g = (1.0 - su) - margins[a]
                if g > best:
                    best = g
                    j = c
            if j < 0:
                break
            n_tried += 1
            n_iter += 1
            zj = Z[j]
            _passive_dots(Zs, slot, k, zj, col)
            entered = _append(U, k, y, zj @ zj, col, row)
            if entered:
                sl = free[n_free - 1]
                slot[k] = sl
                passive[k] = j
                u[k] = 0.0
                k += 1
                s = _backward(U, k, y)
                if s[k - 1] <= 0.0:  # rounding: the new column cannot enter
                    k -= 1
                    entered = False
                else:
                    n_free -= 1
                    Zs[sl] = zj
            if not entered:
                dependent[j] = True
                dep_list[n_dep] = j
                n_dep += 1
                continue
            is_passive[j] = True
            while True:  # Lawson-Hanson inner loop: step towards s, dropping variables that hit zero
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
                        is_passive[passive[i]] = False
                        free[n_free] = slot[i]
                        n_free += 1
                        k = _delete(U, slot, passive, u, y, k, i)
                    else:
                        i += 1
                if k == 0:
                    break
                s = _backward(U, k, y)
            for a in range(n_dep):
                dependent[dep_list[a]] = False
            n_dep = 0
            _passive_combination(Zs, slot, k, u, wv)
            su = u[:k].sum()
        if n_tried == 0:  # the block's margins (another BLAS path) see no violation: done to rounding
            if restricted:
                restricted = False
                continue
            break
    Zp = np.empty((k, n))
    for i in range(k):
        Zp[i] = Zs[slot[i]]
    if k > 0:  # polish the final solve G s = 1: fresh y and two steps of iterative refinement
        _forward(U, k, np.ones(k), y)
        s = _backward(U, k, y)
        t = np.empty(k)
        for _ in range(2):
            _forward(U, k, 1.0 - (Zp @ (Zp.T @ s) + s.sum()), t)
            s += _backward(U, k, t)
        if np.all(s > 0.0):
            u[:k] = s
    wv = Zp.T @ u[:k]
    su = u[:k].sum()
    w = wv / (1.0 - su)
    alpha = np.zeros(P)
    for i in range(k):
        alpha[passive[i]] = u[i] / (1.0 - su)
    min_margin = (Z @ w).min()
    return w, alpha, n_iter, bool(min_margin >= 1.0 - tol), min_margin
