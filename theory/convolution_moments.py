r"""The convex learners' moments at theta = 0 for any rule and channel: the inner integral on one shared grid.

At theta = 0 the label probability and the rule's acceptance depend on z alone, so with
W(z) = q(z, +1) P(+1 | z) phi(z) / f (the label y = +1; y = -1 is its mirror image, :mod:`theory.convex_moments`)
and omega = c_z z + sigma xi, every moment of :mod:`theory.convex_moments` is

    E[F] = 2 int dz W(z) int d omega F(omega) N(omega; c_z z, sigma^2),

F = (loss'(+1, h), (omega - h)^2, 1 - dh/domega, 1) with h = prox(omega) (times z for A_z). The inner integral
is a Gaussian convolution of F. Instead of an inner quadrature adapted to each outer node z_k (the
proximal map at every inner node of every z_k), one omega grid serves every z_k: F and h are computed once a
node, and each z_k only adds Gaussian weights N(omega_j; c_z z_k, sigma^2) over the nodes with
|omega_j - c_z z_k| < 8.5 sigma (``docs/theory.md``, section 8). This is what makes the smooth rules
(uncertainty:A,S, whose outer grid is fine on the rule's scale 1/S) fast: the cost is (outer nodes) x (grid nodes
within 8.5 sigma) Gaussian weights plus one proximal map per grid panel.

**Quadrature.** Outer: the z nodes and weights of :meth:`theory.convex.ConvexProblem.z_quadrature`. Grid:
composite Gauss-Legendre (``N_INNER`` nodes a panel) on [c_z z_min - 8.5 sigma, c_z z_max + 8.5 sigma], panels
at most ``GRID_WIDTH`` sigma wide (a Gaussian of width sigma centred anywhere is integrated to ~1e-15 by 10 nodes on
such panels), broken at the loss's kinks (hinge: omega = 1, 1 - V) and, for the logistic loss, where its
curvature varies (h = 0, +-1.5, ..., +-12), with the nodes placed in h as in :mod:`theory.convex_moments`. The
mass M = 2 sum_k W_k sum_j u_j N(omega_j; c_z z_k, sigma^2) checks that the grid integrates every translate.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from theory.convex_moments import N_INNER, N_MOMENTS, S_RANGE, in_domain
from theory.losses.base import Loss
from theory.losses.compiled import node, point, specialised, v_derivatives

GRID_WIDTH = 1.5  # widest grid panel, in units of sigma (1.0 and 1.5 agree to 1e-13; 2.0 loses to 2e-11)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(N_INNER)
_INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)
LOSSES_FINGERPRINT = "c118476ed56f45b2"  # theory.losses.compiled.fingerprint(): recompiles on a change


@numba.njit(cache=True)
def _grid(L, omega_breaks, V, lo, hi, width, gl_x, gl_w):
    """Nodes omega_j (increasing), weights u_j (Jacobian included) and F_j = (loss', (omega - h)^2, 1 - h') on
    [lo, hi]: panels at most ``width`` wide, broken at the loss's features."""
    n_uniform = max(1, int(math.ceil((hi - lo) / width)))
    features = omega_breaks  # the loss's kinks and curvature breaks
    n_f = features.size
    breaks = np.empty(n_uniform + 1 + n_f)
    for i in range(n_uniform + 1):
        breaks[i] = lo + (hi - lo) * i / n_uniform
    n_b = n_uniform + 1
    for i in range(n_f):
        if lo < features[i] < hi:
            breaks[n_b] = features[i]
            n_b += 1
    breaks = np.sort(breaks[:n_b])
    m = gl_x.size
    omega = np.empty((n_b - 1) * m)
    weight = np.empty((n_b - 1) * m)
    values = np.empty(((n_b - 1) * m, 6))
    n = 0
    u_prev = node(L, 1.0, breaks[0], V)  # the panel ends in the loss's quadrature variable (omega, or h)
    for p in range(1, n_b):
        u = node(L, 1.0, breaks[p], V)
        half = 0.5 * (u - u_prev)
        mid = 0.5 * (u + u_prev)
        if half > 0.0:
            for q in range(m):
                x_node = mid + half * gl_x[q]
                om, jac, d1, dev2, soft = point(L, 1.0, x_node, V)
                omega[n] = om
                weight[n] = jac * gl_w[q] * half
                values[n, 0] = d1
                values[n, 1] = dev2
                values[n, 2] = soft
                values[n, 3], values[n, 4], values[n, 5] = v_derivatives(L, om, x_node, V)
                n += 1
        u_prev = u
    return omega[:n], weight[:n], values[:n]


@numba.njit(cache=True)
def grid_moments(L, omega_breaks, jumps, V, cz, sigma, z_nodes, w_plus, gl_x, gl_w, width):
    """((A_z, A_w = 0, B, C, M), their derivatives [5, 3] in (c_z, sigma, V)) at theta = 0 (module docstring);
    ``w_plus`` = W(z_k) x the outer weight. With g_kj = u_j exp(-x^2 / 2), x = (omega_j - c_z z_k) / sigma, and
    the prefactor 2 W_k / (sqrt(2 pi) sigma): d/dc_z multiplies g by x z_k / sigma, d/dsigma the whole term by
    (x^2 - 1) / sigma, d/dV acts on F (:func:`theory.convex_moments.v_derivatives`) plus, for the hinge, the kink
    at omega = 1 - V (C gains the Gaussian's value there)."""
    out = np.zeros(N_MOMENTS)
    jac = np.zeros((N_MOMENTS, 3))
    if not in_domain(cz, 0.0, sigma, V):
        out[:] = np.nan  # outside the domain (a root finder's excursion): NaN, which the solver rejects
        jac[:, :] = np.nan
        return out, jac
    reach = S_RANGE * sigma
    a_lo = math.inf
    a_hi = -math.inf
    for k in range(z_nodes.size):
        if w_plus[k] != 0.0:
            a_lo = min(a_lo, cz * z_nodes[k])
            a_hi = max(a_hi, cz * z_nodes[k])
    if not a_lo <= a_hi:
        return out, jac
    omega, weight, values = _grid(L, omega_breaks, V, a_lo - reach, a_hi + reach, width * sigma, gl_x, gl_w)
    n = omega.size
    norm = _INV_SQRT2PI / sigma
    for k in range(z_nodes.size):
        wk = w_plus[k]
        if wk == 0.0:
            continue
        zk = z_nodes[k]
        a = cz * zk
        j0 = np.searchsorted(omega, a - reach)
        j1 = min(np.searchsorted(omega, a + reach), n)
        # sums over the grid of g (p), g x (x), g x^2 (xx) times each F component (0: loss', 1: dev2, 2: soft, m:
        # 1), and of g dF/dV (v)
        p0 = p1 = p2 = pm = x0 = x1 = x2 = xm = xx0 = xx1 = xx2 = xxm = v0 = v1 = v2 = 0.0
        for j in range(j0, j1):
            x = (omega[j] - a) / sigma
            g = weight[j] * math.exp(-0.5 * x * x)
            gx = g * x
            gxx = gx * x
            f0 = values[j, 0]
            f1 = values[j, 1]
            f2 = values[j, 2]
            p0 += g * f0
            p1 += g * f1
            p2 += g * f2
            pm += g
            x0 += gx * f0
            x1 += gx * f1
            x2 += gx * f2
            xm += gx
            xx0 += gxx * f0
            xx1 += gxx * f1
            xx2 += gxx * f2
            xxm += gxx
            v0 += g * values[j, 3]
            v1 += g * values[j, 4]
            v2 += g * values[j, 5]
        pre = 2.0 * wk * norm
        zs = zk / sigma
        out[0] += pre * zk * p0
        out[2] += pre * p1
        out[3] += pre * p2
        out[4] += pre * pm
        jac[0, 0] += pre * zk * x0 * zs
        jac[2, 0] += pre * x1 * zs
        jac[3, 0] += pre * x2 * zs
        jac[4, 0] += pre * xm * zs
        jac[0, 1] += pre * zk * (xx0 - p0) / sigma
        jac[2, 1] += pre * (xx1 - p1) / sigma
        jac[3, 1] += pre * (xx2 - p2) / sigma
        jac[4, 1] += pre * (xxm - pm) / sigma
        jac[0, 2] += pre * zk * v0
        jac[2, 2] += pre * v1
        jac[3, 2] += pre * v2
        for jj in range(jumps.shape[0]):  # a jump of 1 - h' that moves with V (the hinge's kink at 1 - V moves
            if jumps[jj, 2] != 0.0:  # down as V grows): C gains the density there times its size
                x = (jumps[jj, 0] - a) / sigma
                jac[3, 2] += pre * (-jumps[jj, 2] * jumps[jj, 1]) * math.exp(-0.5 * x * x)
    return out, jac


def grid_nodes(cz: float, sigma: float, z_lo: float, z_hi: float) -> float:
    """The number of grid nodes :func:`grid_moments` would lay down for outer nodes in [z_lo, z_hi] (a cost
    estimate: for a sharp student, sigma << c_z, the grid outgrows the per-node quadrature it replaces)."""
    return N_INNER * (abs(cz) * (z_hi - z_lo) + 2.0 * S_RANGE * sigma) / (GRID_WIDTH * sigma)


def moments_shared_grid(loss: Loss, V: float, cz: float, sigma: float, z_nodes: np.ndarray,
                        w_plus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`grid_moments` (the moments and their derivatives) with the module's quadrature rules."""
    handle = loss.handle
    kernel = grid_moments if isinstance(handle, int) else specialised(_grid_moments_specialised)
    return kernel(handle, np.ascontiguousarray(loss.omega_breaks(V), dtype=float),
                  np.ascontiguousarray(loss.jumps(V), dtype=float).reshape(-1, 3), float(V), float(cz), float(sigma),
                  np.ascontiguousarray(z_nodes, dtype=float), np.ascontiguousarray(w_plus, dtype=float), _GL_X,
                  _GL_W, GRID_WIDTH)


# a loss outside theory.losses.compiled: the same kernels specialised to its functions, not cached on disk
_grid_moments_specialised = numba.njit(grid_moments.py_func)
