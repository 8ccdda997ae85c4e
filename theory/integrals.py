r"""Gaussian integrals of the saddle-point equations, compiled with numba.

The only non-trivial function is

.. math::  g(u, \sigma) = E_\xi[(u + \sigma \xi)_+^2] = (u^2 + \sigma^2)\Phi(u/\sigma) + u\sigma\phi(u/\sigma),

the mean squared margin deficit of one example (Phi, phi: standard normal cdf and pdf). With
x = u / sigma, g = sigma^2 G(x) where G(x) = (x^2 + 1) Phi(x) + x phi(x), G' = 2 (x Phi + phi),
G'' = 2 Phi, and

.. math::  g_u = 2(u\Phi + \sigma\phi),\quad g_\sigma = 2\sigma\Phi,\quad g_{uu} = 2\Phi,
           \quad g_{u\sigma} = 2\phi,\quad g_{\sigma\sigma} = 2\Phi - 2x\phi.

**The expectation over the kept set.** The student's in-plane direction is the unit vector
e_m = (cos beta, sin beta) in the orthonormal basis (J_p, e_w) of the teacher-probe plane, with
in-plane weight r = cos chi and orthogonal weight sigma = sin chi. In the rotated coordinates
m = e_m . (z, w), n = e_n . (z, w) (both standard normal, independent) the student's in-plane field is
r m, so g depends on m alone, while the window z in K and the sign of the teacher field
t = cos(theta - beta) m + sin(theta - beta) n cut n to intervals whose Gaussian moments are closed
forms. The two-dimensional integral over (t, z) is thereby one quadrature over m of closed forms in n.
By the symmetry (m, n) -> -(m, n) only t > 0 is integrated (and doubled).

**Quadrature.** Composite Gauss-Legendre (``GL_ORDER`` nodes a panel) on m in [-M_MAX, M_MAX], with
panel breaks at (i) the levels x = (kappa - r m)/sigma in ``X_LEVELS`` (where g changes from
quadratic to exponentially small; the part x < -X_CUT, where g < 1e-20 sigma^2, is dropped),
(ii) the values of m where an edge of the window meets the line t = 0 (kinks of the n-interval),
(iii) the centres of steep n-boundaries (nearly degenerate angles) and a few of their widths around
them, and (iv) a maximum panel width ``max_width`` (Gaussian scale). Convergence is checked in
``tests/test_integrals.py`` against a doubled order and halved width (agreement ~1e-13 relative).
For theta = 0, beta = 0 the n-conditions are indicators in m and the panels end exactly on them.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit, vectorize

GL_ORDER = 16
GL_X, GL_W = np.polynomial.legendre.leggauss(GL_ORDER)
_GL_NARROW_X, _GL_NARROW_W = np.polynomial.legendre.leggauss(12)
M_MAX = 10.0  # |m| beyond this carries Gaussian weight < 1e-22
X_CUT = 9.0  # g(u, sigma) < 3e-21 sigma^2 for u / sigma < -X_CUT
X_LEVELS = np.array([9.0, 6.0, 3.0, 0.0, -3.0, -6.0])
DEFAULT_MAX_WIDTH = 1.5
# Names of the window moments (the entries of :func:`window_moments`): E_K of g and of its derivatives
# g_u, g_sigma ("S"), g_uu, g_usigma ("US"), g_sigmasigma ("SS"), times the rotated coordinates m, n.
G = 0
G_U = 1
G_U_M = 2
G_U_N = 3
G_S = 4
G_UU = 5
G_UU_M = 6
G_UU_N = 7
G_UU_MM = 8
G_UU_MN = 9
G_UU_NN = 10
G_US = 11
G_US_M = 12
G_US_N = 13
G_SS = 14
MASS = 15
N_MOMENTS = 16
_SQRT2 = math.sqrt(2.0)
_INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)


@functools.lru_cache(maxsize=8)
def gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The n-node Gauss-Legendre rule on [-1, 1]: (nodes, weights), cached and shared by every caller (not to be
    written to; writeable, so that the compiled kernels see the same array type as for their module-level rules)."""
    return np.polynomial.legendre.leggauss(n)


@njit(cache=True)
def normal_pdf(x: float) -> float:
    return _INV_SQRT2PI * math.exp(-0.5 * x * x)


@njit(cache=True)
def normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / _SQRT2)


@njit(cache=True)
def g_and_derivatives(u: float, sigma: float):
    """(g, g_u, g_sigma, g_uu, g_usigma, g_sigmasigma) at (u, sigma), sigma > 0."""
    x = u / sigma
    cdf = normal_cdf(x)
    pdf = normal_pdf(x)
    g = sigma * sigma * ((x * x + 1.0) * cdf + x * pdf)
    g_u = 2.0 * sigma * (x * cdf + pdf)
    g_s = 2.0 * sigma * cdf
    return g, g_u, g_s, 2.0 * cdf, 2.0 * pdf, 2.0 * cdf - 2.0 * x * pdf


@vectorize(["float64(float64, float64)"], cache=True)
def g(u, sigma):
    """g(u, sigma) = E_xi[(u + sigma xi)_+^2] (numpy ufunc)."""
    return g_and_derivatives(u, sigma)[0]


@vectorize(["float64(float64, float64)"], cache=True)
def g_u(u, sigma):
    """dg/du = 2 (u Phi(u/sigma) + sigma phi(u/sigma)) (numpy ufunc)."""
    return g_and_derivatives(u, sigma)[1]


@vectorize(["float64(float64, float64)"], cache=True)
def g_sigma(u, sigma):
    """dg/dsigma = 2 sigma Phi(u/sigma) (numpy ufunc)."""
    return g_and_derivatives(u, sigma)[2]


@njit(cache=True)
def _truncated_normal_moments(lo: float, hi: float, half: float):
    """(int phi, int n phi, int n^2 phi) over n in [lo, hi] (lo < hi, edges may be infinite).

    ``half`` is the half-width (hi - lo) / 2, passed separately so that a narrow strip keeps its exact
    width (hi - lo computed from two O(1) edges would lose digits when the width is ~1e-9).
    Wide intervals use the closed forms Phi(hi) - Phi(lo), phi(lo) - phi(hi),
    M0 + lo phi(lo) - hi phi(hi) (upper-tail form when lo > 0 to avoid cancellation); intervals
    narrower than 0.5 use 12-point Gauss-Legendre about the midpoint, exact to rounding there.
    """
    if half < 0.25:
        mid = 0.5 * (hi + lo)
        m0 = 0.0
        m1 = 0.0
        m2 = 0.0
        for i in range(_GL_NARROW_X.size):
            n = mid + half * _GL_NARROW_X[i]
            w = half * _GL_NARROW_W[i] * normal_pdf(n)
            m0 += w
            m1 += w * n
            m2 += w * n * n
        return m0, m1, m2
    pdf_lo = normal_pdf(lo) if math.isfinite(lo) else 0.0
    pdf_hi = normal_pdf(hi) if math.isfinite(hi) else 0.0
    if lo > 0.0:
        m0 = normal_cdf(-lo) - normal_cdf(-hi)
    else:
        m0 = normal_cdf(hi) - normal_cdf(lo)
    m1 = pdf_lo - pdf_hi
    lo_term = lo * pdf_lo if math.isfinite(lo) else 0.0
    hi_term = hi * pdf_hi if math.isfinite(hi) else 0.0
    return m0, m1, m0 + lo_term - hi_term


@njit(cache=True)
def _gaussian_acceptance_moments(lo: float, hi: float, c0: float, sb: float, width_t: float):
    """(int phi(n) q, int n phi(n) q, int n^2 phi(n) q) over n in [lo, hi] for the acceptance
    q = exp(-z^2 / (2 T^2)) of z = c0 - sb n (c0 = cos(beta) m).

    phi(n) q = exp(-c0^2 / (2 T^2 a)) phi(s) with a = 1 + sb^2 / T^2, n = mu + s / sqrt(a),
    mu = sb c0 / (T^2 a): the moments of a Gaussian of mean mu and variance 1/a, in closed form from
    the standard normal moments over [(lo - mu) sqrt(a), (hi - mu) sqrt(a)] (n ds = dn sqrt(a)).
    """
    t2 = width_t * width_t
    a = 1.0 + sb * sb / t2
    root = math.sqrt(a)
    mu = sb * c0 / (t2 * a)
    amp = math.exp(-0.5 * c0 * c0 / (t2 * a)) / root
    slo, shi = (lo - mu) * root, (hi - mu) * root
    m0, m1, m2 = _truncated_normal_moments(slo, shi, 0.5 * (shi - slo))
    return amp * m0, amp * (mu * m0 + m1 / root), amp * (mu * mu * m0 + 2.0 * mu * m1 / root + m2 / a)


@njit(cache=True)
def _clip_halfline(lo: float, hi: float, p: float, q: float):
    """Intersect [lo, hi] with {n : p n + q > 0}."""
    if p > 0.0:
        lo = max(lo, -q / p)
    elif p < 0.0:
        hi = min(hi, -q / p)
    elif q <= 0.0:
        hi = lo
    return lo, hi


@njit(cache=True)
def _breakpoints(theta, beta, r, sigma, kappa, windows, m_hi):
    """Sorted panel breaks of the m-quadrature inside (-M_MAX, m_hi)."""
    sb, cb = math.sin(beta), math.cos(beta)
    a, b = math.sin(theta - beta), math.cos(theta - beta)
    st = math.sin(theta)
    out = np.empty(16 + 48 * windows.shape[0])
    k = 0
    out[k] = -M_MAX
    k += 1
    out[k] = m_hi
    k += 1
    if r > 0.0:
        for x in X_LEVELS:
            out[k] = (kappa - x * sigma) / r
            k += 1
    # t = 0 boundary: centre m = 0, steep when |a / b| is small
    out[k] = 0.0
    k += 1
    if abs(b) > 0.0 and abs(a) < abs(b):
        width = abs(a / b)
        for s in (1.0, 3.0, 6.0):
            out[k] = s * width
            out[k + 1] = -s * width
            k += 2
    for j in range(windows.shape[0]):
        if windows[j, 3] > 0.0 and abs(cb) > 0.0:  # a Gaussian acceptance exp(-z^2 / 2T^2)
            spread = windows[j, 3] ** 2 + sb * sb  # its variance along m, times cb^2
            width = math.sqrt(spread) / abs(cb)  # its width around z = 0
            out[k] = 0.0
            k += 1
            for s in (1.0, 3.0, 6.0):
                out[k] = s * width
                out[k + 1] = -s * width
                k += 2
            for e in range(2):  # beyond a finite edge z_e it decays on the scale (T^2 + sb^2) / |z_e|
                z_edge = windows[j, e]
                if math.isfinite(z_edge):
                    decay = spread / max(abs(z_edge), math.sqrt(spread)) / abs(cb)
                    for s in (1.0, 3.0, 6.0, 12.0, 24.0, 48.0):
                        out[k] = z_edge / cb + s * decay
                        out[k + 1] = z_edge / cb - s * decay
                        k += 2
        for e in range(2):
            z_edge = windows[j, e]
            if not math.isfinite(z_edge):
                continue
            if st > 0.0:
                out[k] = a * z_edge / st  # the window edge meets t = 0
                k += 1
            if abs(cb) > 0.0 and abs(sb) < abs(cb):
                centre = z_edge / cb
                width = abs(sb / cb)
                out[k] = centre
                k += 1
                for s in (1.0, 3.0, 6.0):
                    out[k] = centre + s * width
                    out[k + 1] = centre - s * width
                    k += 2
    pts = np.sort(out[:k])
    keep = np.empty(k + 2)
    n = 0
    for i in range(k):
        p = pts[i]
        if p < -M_MAX or p > m_hi:
            continue
        if n > 0 and p <= keep[n - 1]:
            continue
        keep[n] = p
        n += 1
    return keep[:n]


_ODD_MOMENTS = np.array([G_U_M, G_U_N, G_UU_M, G_UU_N, G_US_M, G_US_N])  # one factor m or n


@njit(cache=True)
def window_moments(theta, beta, r, sigma, kappa, windows, norm, gl_x, gl_w, max_width):
    """Moments of g and its derivatives over the kept set; see :func:`_window_moments_rpos`.

    A student with negative in-plane weight r < 0 along e_m is the student with weight -r along
    -e_m (beta + pi), whose frame has (m, n) -> -(m, n): the moments odd in (m, n) change sign. The
    quadrature itself only handles r >= 0, where its panels follow the edge of g at m = kappa / r.
    """
    if r >= 0.0:
        return _window_moments_rpos(theta, beta, r, sigma, kappa, windows, norm, gl_x, gl_w, max_width)
    acc = _window_moments_rpos(theta, beta + math.pi, -r, sigma, kappa, windows, norm, gl_x, gl_w, max_width)
    for i in _ODD_MOMENTS:
        acc[i] = -acc[i]
    return acc


@njit(cache=True)
def _window_moments_rpos(theta, beta, r, sigma, kappa, windows, norm, gl_x, gl_w, max_width):
    """Moments of g and its derivatives over the kept set (expectation E_K, t > 0 doubled).

    Parameters
    ----------
    theta, beta : probe angle and the student's in-plane angle from the probe (radians).
    r, sigma : in-plane and orthogonal weight of the unit student (r^2 + sigma^2 = 1), sigma > 0.
    kappa : margin.
    windows : [n_intervals, 4] rows (z_lo, z_hi, weight, T): the acceptance q(z) of the selection rule is
        weight on [z_lo, z_hi], times exp(-z^2 / (2 T^2)) when T > 0 (``theory.rules.Rule.windows``).
    norm : 2 / f, the normalisation of E_K including the doubling.
    gl_x, gl_w : Gauss-Legendre rule on [-1, 1]; max_width : largest panel width in m.

    Returns
    -------
    [N_MOMENTS] array: E[g], E[g_u], E[g_u m], E[g_u n], E[g_sigma], E[g_uu], E[g_uu m],
    E[g_uu n], E[g_uu m^2], E[g_uu m n], E[g_uu n^2], E[g_us], E[g_us m], E[g_us n], E[g_ss],
    and the kept mass E[1] (a check: 1 up to the dropped region).
    """
    sb, cb = math.sin(beta), math.cos(beta)
    a, b = math.sin(theta - beta), math.cos(theta - beta)
    m_hi = M_MAX
    if r > 0.0:
        m_hi = min(M_MAX, (kappa + X_CUT * sigma) / r)
    acc = np.zeros(N_MOMENTS)
    if m_hi <= -M_MAX:
        return acc
    brk = _breakpoints(theta, beta, r, sigma, kappa, windows, m_hi)
    # nodes are placed in y = m - m_star with m_star = kappa / r, where g's argument u = kappa - r m
    # vanishes, and u = kappa_off - r y: no cancellation when u << kappa (sigma -> 0), so the
    # moments stay smooth in kappa to rounding (the rounding of m_star is one constant shift).
    m_star = kappa / r if r > 0.0 and abs(kappa) < 2.0 * M_MAX * r else 0.0
    kappa_off = kappa - r * m_star
    for p in range(brk.size - 1):
        lo, hi = brk[p] - m_star, brk[p + 1] - m_star
        if not hi > lo:  # distinct breaks in m that round together in y
            continue
        n_sub = int(math.ceil((hi - lo) / max_width))
        h = (hi - lo) / n_sub
        for s in range(n_sub):
            left = lo + s * h
            for i in range(gl_x.size):
                y = left + 0.5 * h * (gl_x[i] + 1.0)
                m = m_star + y
                weight = norm * 0.5 * h * gl_w[i] * normal_pdf(m)
                n0 = 0.0
                n1 = 0.0
                n2 = 0.0
                for j in range(windows.shape[0]):
                    tlo, thi = _clip_halfline(-math.inf, math.inf, a, b * m)  # t > 0
                    nlo, nhi = tlo, thi
                    if math.isfinite(windows[j, 0]):
                        nlo, nhi = _clip_halfline(nlo, nhi, -sb, cb * m - windows[j, 0])
                    if math.isfinite(windows[j, 1]):
                        nlo, nhi = _clip_halfline(nlo, nhi, sb, windows[j, 1] - cb * m)
                    if nlo < nhi:
                        acc_weight, width_t = windows[j, 2], windows[j, 3]
                        if width_t == 0.0:  # constant acceptance on the interval
                            half = 0.5 * (nhi - nlo)
                            if sb != 0.0 and nlo > tlo and nhi < thi:  # a whole strip: its width is exact
                                half = 0.5 * (windows[j, 1] - windows[j, 0]) / abs(sb)
                            q0, q1, q2 = _truncated_normal_moments(nlo, nhi, half)
                        else:
                            q0, q1, q2 = _gaussian_acceptance_moments(nlo, nhi, cb * m, sb, width_t)
                        n0 += acc_weight * q0
                        n1 += acc_weight * q1
                        n2 += acc_weight * q2
                if n0 == 0.0 and n1 == 0.0:
                    continue
                gv, gu, gs, guu, gus, gss = g_and_derivatives(kappa_off - r * y, sigma)
                w0 = weight * n0
                w1 = weight * n1
                w2 = weight * n2
                acc[G] += w0 * gv
                acc[G_U] += w0 * gu
                acc[G_U_M] += w0 * gu * m
                acc[G_U_N] += w1 * gu
                acc[G_S] += w0 * gs
                acc[G_UU] += w0 * guu
                acc[G_UU_M] += w0 * guu * m
                acc[G_UU_N] += w1 * guu
                acc[G_UU_MM] += w0 * guu * m * m
                acc[G_UU_MN] += w1 * guu * m
                acc[G_UU_NN] += w2 * guu
                acc[G_US] += w0 * gus
                acc[G_US_M] += w0 * gus * m
                acc[G_US_N] += w1 * gus
                acc[G_SS] += w0 * gss
                acc[MASS] += w0
    return acc
