r"""The convex learners' moments at theta = 0 for piecewise-Gaussian kept densities, the z integral in closed form.

At theta = 0 (probe along the teacher) with a label channel that depends on sign(t) alone (clean, flip) and a
rule whose acceptance is a sum of windows (hard, easy, random, band, mix, soft, agree-hard, agree-easy), the
kept density of (z, y) is a sum of pieces

    W_y(z) = sum_j w_{y,j} N(z; 0, v_j) 1[lo_j < z < hi_j]

(v_j = 1, or T^2 / (1 + T^2) for the Gaussian tails of soft:T; each piece on one side of z = 0, so that the
label probability is constant on it and folded into w_{y,j}). The moments of :mod:`theory.convex_moments`
are expectations of functions of (y, omega), omega = c_z z + sigma xi. Ordering the integral as omega
outside, z inside, the inner integral is Gaussian: N(z; 0, v) N(omega; c_z z, sigma^2) =
N(omega; 0, tau^2) N(z; m, s^2) with tau^2 = c_z^2 v + sigma^2, m = c_z v omega / tau^2, s = sigma sqrt(v) / tau, so

    K_y(omega)   = sum_j w_{y,j} N(omega; 0, tau_j^2) [Phi(b) - Phi(a)],
    K^z_y(omega) = sum_j w_{y,j} N(omega; 0, tau_j^2) [m (Phi(b) - Phi(a)) + s (phi(a) - phi(b))],

a = (lo - m) / s, b = (hi - m) / s (``docs/theory.md``, section 8). Then A_z = sum_y int loss'(y, h) K^z_y,
B = sum_y int (omega - h)^2 K_y, C = sum_y int (1 - dh/domega) K_y, M = sum_y int K_y (A_w = 0 at theta = 0):
one integral over omega instead of two, and no proximal map inside an inner loop. Their derivatives in (c_z, sigma,
V) (the Jacobian of Newton's method, :mod:`theory.convex`) need one more density, K^zz_y(omega) (the z^2 moment),
with xi = (omega - c_z z) / sigma given z (:func:`window_moments`).

**Quadrature.** Composite Gauss-Legendre (``N_INNER`` nodes a panel) in omega (in h for the logistic loss, as
in :mod:`theory.convex_moments`), broken at 0, at +-GAUSS_BREAKS tau_j, at each finite piece edge mapped to
omega (m = edge) and +-(1, 2.5, 4, 6, 8.5) transition widths sigma tau_j / (|c_z| sqrt v_j) around it, at the
loss's kinks and curvature breaks; the range covers the largest mapped edge plus 8.5 max tau_j. Phi(b) - Phi(a)
is computed without cancellation: a 10-node Gauss-Legendre integral of phi when b - a < 1 (narrow windows,
e.g. keep hard at f = 1e-9), complementary error functions on one side of zero otherwise.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from theory.convex_moments import GAUSS_BREAKS, N_INNER, N_MOMENTS, S_RANGE, in_domain, insert_sorted
from theory.losses.base import Loss
from theory.losses.compiled import node, omega_derivatives, point, specialised, v_derivatives

_GL_X, _GL_W = np.polynomial.legendre.leggauss(N_INNER)
_SQRT2 = math.sqrt(2.0)
_INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)
LOSSES_FINGERPRINT = "c118476ed56f45b2"  # theory.losses.compiled.fingerprint(): recompiles on a change
_EDGE_WIDTHS = np.array([-8.5, -6.0, -4.0, -2.5, -1.0, 0.0, 1.0, 2.5, 4.0, 6.0, 8.5])


@numba.njit(cache=True)
def _phi(x):
    return _INV_SQRT2PI * math.exp(-0.5 * x * x) if math.isfinite(x) else 0.0


@numba.njit(cache=True)
def gauss_piece(a, b, width, gl_x, gl_w):
    """(int_a^b phi, int_a^b t phi(t) dt = phi(a) - phi(b), int_a^b t^2 phi(t) dt = P + a phi(a) - b phi(b)) for
    a < b (either may be infinite), without cancellation: Gauss-Legendre on [a, b] when the width b - a (passed as
    computed from the window itself, not as the difference of a and b) is below 1, complementary error functions
    otherwise."""
    if width < 1.0:
        half = 0.5 * width
        mid = a + half
        p = 0.0
        q = 0.0
        r = 0.0
        for i in range(gl_x.size):
            t = mid + half * gl_x[i]
            d = gl_w[i] * half * _INV_SQRT2PI * math.exp(-0.5 * t * t)
            p += d
            q += d * t
            r += d * t * t
        return p, q, r
    if a >= 0.0:
        p = 0.5 * (math.erfc(a / _SQRT2) - math.erfc(b / _SQRT2))
    elif b <= 0.0:
        p = 0.5 * (math.erfc(-b / _SQRT2) - math.erfc(-a / _SQRT2))
    else:
        p = 1.0 - 0.5 * math.erfc(-a / _SQRT2) - 0.5 * math.erfc(b / _SQRT2)
    pa = _phi(a)
    pb = _phi(b)
    ta = a * pa if math.isfinite(a) else 0.0  # t phi(t) -> 0 at infinity
    tb = b * pb if math.isfinite(b) else 0.0
    return p, pa - pb, p + ta - tb


@numba.njit(cache=True)
def _densities(y_row, omega, cz, sigma, pieces, gl_x, gl_w):
    """(K_y(omega), K^z_y(omega), K^zz_y(omega)) of the module docstring for the label of column ``y_row`` (3: y =
    +1, 4: -1); K^zz (the z^2 moment, for the Jacobian) = sum_j w N(omega; 0, tau^2) E[z^2 1(lo < z < hi)] with
    z = m + s t: m^2 P + 2 m s Q_1 + s^2 Q_2 (:func:`gauss_piece`)."""
    k = 0.0
    kz = 0.0
    kzz = 0.0
    for j in range(pieces.shape[0]):
        wj = pieces[j, y_row]
        if wj == 0.0:
            continue
        v = pieces[j, 2]
        tau2 = cz * cz * v + sigma * sigma
        m = cz * v * omega / tau2
        s = sigma * math.sqrt(v / tau2)
        lo = pieces[j, 0]
        hi = pieces[j, 1]
        p, q, r = gauss_piece((lo - m) / s, (hi - m) / s, (hi - lo) / s, gl_x, gl_w)
        g = wj * math.exp(-0.5 * omega * omega / tau2) / math.sqrt(2.0 * math.pi * tau2)
        k += g * p
        kz += g * (m * p + s * q)
        kzz += g * (m * m * p + 2.0 * m * s * q + s * s * r)
    return k, kz, kzz


@numba.njit(cache=True)
def window_moments(L, omega_breaks, jumps, V, cz, sigma, pieces, gauss_breaks, edge_widths, gl_x, gl_w, want_jac):
    """((A_z, A_w = 0, B, C, M), their derivatives [5, 4] in (c_z, c_w, sigma, V) if ``want_jac`` else zeros) at
    theta = 0 for kept pieces [lo, hi, v, w_plus, w_minus] (module docstring).

    The derivatives as in :func:`theory.convex_moments.kept_moments`: the order parameters enter through omega =
    c_z z + sigma xi alone, so d/dc_z E[G(omega) m] = E[G'(omega) z m] and d/dsigma E[G m] = E[G' xi m] with xi =
    (omega - c_z z) / sigma, i.e. the densities K^z and K^zz in place of K and K^z; d/dV E[G m] = E[dG/dV m]; each
    jump of 1 - h' adds its size times the density there to C's derivatives (and, where it moves with V, to d/dV).
    The c_w column is zero (c_w = 0 at theta = 0)."""
    out = np.zeros(N_MOMENTS)
    jac = np.zeros((N_MOMENTS, 4))
    if not in_domain(cz, 0.0, sigma, V):
        out[:] = np.nan  # outside the domain (a root finder's excursion): NaN, which the solver rejects
        jac[:, :] = np.nan
        return out, jac
    n_p = pieces.shape[0]
    tau_max = 0.0
    edge_max = 0.0
    for j in range(n_p):
        tau = math.sqrt(cz * cz * pieces[j, 2] + sigma * sigma)
        tau_max = max(tau_max, tau)
        if cz != 0.0:
            for c in range(2):
                e = pieces[j, c]
                if math.isfinite(e):
                    edge_max = max(edge_max, abs(e * tau * tau / (cz * pieces[j, 2])))
    hi = edge_max + S_RANGE * tau_max
    lo = -hi
    buf = np.empty(2 + n_p * (gauss_breaks.size + 2 * edge_widths.size) + omega_breaks.size + 8)
    # y = +1 only: the y = -1 half is its mirror image (theory.convex_moments)
    y = 1.0
    y_row = 3
    buf[0] = lo
    buf[1] = hi
    n = 2
    n = insert_sorted(buf, n, 0.0, lo, hi)
    for j in range(n_p):
        if pieces[j, y_row] == 0.0:
            continue
        v = pieces[j, 2]
        tau = math.sqrt(cz * cz * v + sigma * sigma)
        for b in gauss_breaks:
            n = insert_sorted(buf, n, b * tau, lo, hi)
        if cz != 0.0:
            width = sigma * tau / (abs(cz) * math.sqrt(v))
            for c in range(2):
                e = pieces[j, c]
                if math.isfinite(e):
                    centre = e * tau * tau / (cz * v)
                    for m in edge_widths:
                        n = insert_sorted(buf, n, centre + m * width, lo, hi)
    for j in range(omega_breaks.size):  # the loss's kinks and curvature breaks
        n = insert_sorted(buf, n, y * omega_breaks[j], lo, hi)
    u_prev = 0.0
    for p in range(n):
        u = node(L, y, buf[p], V)  # the panel ends in the loss's quadrature variable (omega, or h)
        if p > 0:
            half = 0.5 * (u - u_prev)
            mid = 0.5 * (u + u_prev)
            if half > 0.0:
                for q in range(gl_x.size):
                    uq = mid + half * gl_x[q]
                    omega, jac_u, d1, dev2, soft = point(L, y, uq, V)
                    k, kz, kzz = _densities(y_row, omega, cz, sigma, pieces, gl_x, gl_w)
                    d = jac_u * gl_w[q] * half
                    out[0] += d * kz * d1
                    out[2] += d * k * dev2
                    out[3] += d * k * soft
                    out[4] += d * k
                    if want_jac:
                        g0, g1, g2 = omega_derivatives(L, omega, uq, V)
                        v0, v1, v2 = v_derivatives(L, omega, uq, V)
                        xi_1 = (omega * k - cz * kz) / sigma  # the xi moments E[xi ...], E[xi z ...] given omega
                        xi_z = (omega * kz - cz * kzz) / sigma
                        jac[0, 0] += d * g0 * kzz
                        jac[0, 2] += d * g0 * xi_z
                        jac[0, 3] += d * v0 * kz
                        jac[2, 0] += d * g1 * kz
                        jac[2, 2] += d * g1 * xi_1
                        jac[2, 3] += d * v1 * k
                        jac[3, 0] += d * g2 * kz
                        jac[3, 2] += d * g2 * xi_1
                        jac[3, 3] += d * v2 * k
        u_prev = u
    if want_jac:  # the jumps of 1 - h' (rows: omega, size, d omega / dV): Dirac terms of its derivatives
        for j in range(jumps.shape[0]):
            omega = jumps[j, 0]
            k, kz, kzz = _densities(y_row, omega, cz, sigma, pieces, gl_x, gl_w)
            size = jumps[j, 1]
            jac[3, 0] += size * kz
            jac[3, 2] += size * (omega * k - cz * kz) / sigma
            if jumps[j, 2] != 0.0:  # a jump that moves with V (the hinge's lower end moves down as V grows)
                jac[3, 3] += -jumps[j, 2] * size * k
    out *= 2.0  # the y = -1 half
    jac *= 2.0
    return out, jac


def kept_pieces(rows: np.ndarray, keep_fraction: float, p_plus_right: float) -> np.ndarray:
    """Pieces [lo, hi, v, w_plus, w_minus] from window rows (lo, hi, weight, T) of a rule that sees z alone
    (:meth:`theory.rules.Rule.windows`), for a sign channel with P(y = +1 | z > 0) = ``p_plus_right``: each row
    split at z = 0, phi(z) exp(-z^2 / 2T^2) = s_T N(z; 0, s_T^2), s_T^2 = T^2 / (1 + T^2), divided by f."""
    out = []
    for lo, hi, weight, t in rows:
        v = 1.0 if t <= 0.0 else t * t / (1.0 + t * t)
        scale = weight * (math.sqrt(v) if t > 0.0 else 1.0) / keep_fraction
        for a, b, p_plus in ((lo, min(hi, 0.0), 1.0 - p_plus_right), (max(lo, 0.0), hi, p_plus_right)):
            if b > a:
                out.append([a, b, v, scale * p_plus, scale * (1.0 - p_plus)])
    return np.array(out, dtype=float)


def moments_theta0(loss: Loss, V: float, cz: float, sigma: float, pieces: np.ndarray) -> np.ndarray:
    """:func:`window_moments` with the module's quadrature rules for the loss ``loss``."""
    return _window(loss, V, cz, sigma, pieces, False)[0]


def moments_theta0_and_jacobian(loss: Loss, V: float, cz: float, sigma: float, pieces: np.ndarray
                                ) -> tuple[np.ndarray, np.ndarray]:
    """The moments of :func:`window_moments` and their derivatives [5, 4] in (c_z, c_w, sigma, V) (the c_w column
    zero)."""
    return _window(loss, V, cz, sigma, pieces, True)


def _window(loss: Loss, V, cz, sigma, pieces, want_jac):
    handle = loss.handle
    kernel = window_moments if isinstance(handle, int) else specialised(_window_moments_specialised)
    return kernel(handle, np.ascontiguousarray(loss.omega_breaks(V), dtype=float),
                  np.ascontiguousarray(loss.jumps(V), dtype=float).reshape(-1, 3), float(V), float(cz), float(sigma),
                  np.ascontiguousarray(pieces, dtype=float), GAUSS_BREAKS, _EDGE_WIDTHS, _GL_X, _GL_W, bool(want_jac))


# a loss outside theory.losses.compiled: the same kernel specialised to its functions, not cached on disk
_window_moments_specialised = numba.njit(window_moments.py_func)
