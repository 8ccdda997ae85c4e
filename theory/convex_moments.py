r"""The expectations over the kept, labelled examples that the convex-learner fixed point needs.

For a student with in-plane weights c = (c_z, c_w) (along the probe J_p and along e_w, see
``docs/theory.md`` section 2), orthogonal norm sigma and prox step V, one kept example has the
pre-activation omega = c_z z + c_w w + sigma xi (xi ~ N(0, 1) from the N - 2 orthogonal directions)
and the proximal output h = prox_{V loss(y, .)}(omega). :func:`kept_moments` returns

    A_z = E[loss'(y, h) z],  A_w = E[loss'(y, h) w],  B = E[(omega - h)^2],  C = E[1 - d h / d omega],
    M = E[1] (= 1: a check of the quadrature),

over the kept distribution q(z, y) p(z) p(w) P(y | t) / f, t = cos(theta) z + sin(theta) w (q depends on y
only for the label-aware rules of :mod:`theory.label_aware`)
(``docs/theory.md``, section 8).

**Mirror symmetry.** Every rule keeps (z, y) and (-z, -y) with the same probability (it sees |z| or y z), every
channel has P(y | t) = P(-y | -t), and every loss depends on y t alone (square: (y - t)^2 / 2), so
h(-y, -omega) = -h(y, omega): the measure and each integrand are invariant under (z, w, xi, y) -> -(z, w, xi, y).
The y = -1 half of each moment equals the y = +1 half; only y = +1 is integrated, and doubled.

**Quadrature.** Outer: composite Gauss-Legendre in z over the panels that :mod:`theory.convex` builds (nodes
weighted by q(z) phi(z) / f). Inner, for each z node and label y: w and xi enter omega only through s = c_w w +
sigma xi ~ N(0, rho^2), rho^2 = c_w^2 + sigma^2, and given s, w is Gaussian (mean k s, k = c_w / rho^2, sd tau =
sigma / rho). For the channels that depend on sign(t) alone (clean, flip) the label weight given (z, s) is then
closed form, P(y | t > 0) Phi(d) + P(y | t < 0) Phi(-d) with d = (k s - w_0) / tau, w_0 = -z cot(theta), and so is
its w-moment; for the logit channel it is a Gauss-Hermite average over w (``N_HERMITE`` nodes). The s integral is
composite Gauss-Legendre (``N_INNER`` nodes a panel) on [-8.5 rho, 8.5 rho], broken at fixed multiples of rho, at
the label step (d = 0, and +-1, +-3 widths tau / |k| around it, and +-6 where the width is below ``SHARP_STEP``
rho), at the loss's kinks (hinge: y omega = 1 and 1 - V) and, for the logistic loss, where its curvature varies (y h
= 0, +-1.5, +-3, +-5, +-8, +-12, mapped to omega). For the logistic loss the nodes are placed in h instead of omega
(omega(h) = h + V loss'(y, h) is explicit and increasing, Jacobian 1 + V loss''(y, h)), so no proximal map is solved
at a node: only the panel ends are mapped to h, by the loss's ``node`` (the safeguarded Newton iteration of
:func:`theory.losses.logistic.logistic_prox_scalar`).

**The loss** enters as data (:class:`theory.losses.Loss`): its handle (:mod:`theory.losses.compiled`) through
which the kernel calls its ``point``, ``omega_derivatives``, ``v_derivatives`` and ``node``, and its omega breaks
and the jumps of 1 - dh/domega as arrays.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from theory.integrals import gauss_legendre
from theory.losses.base import Loss
from theory.losses.compiled import node, omega_derivatives, point, specialised, v_derivatives
from theory.losses.logistic import LOGISTIC_BREAKS  # noqa: F401 - re-exported
from theory.losses.logistic import sigmoid_scalar as _sigmoid

N_INNER = 10  # Gauss-Legendre nodes per inner panel
N_HERMITE = 24  # Gauss-Hermite nodes for the logit channel's w average
S_RANGE = 8.5  # the inner integral covers |s| <= 8.5 rho (the Gaussian tail beyond is < 2e-17)
GAUSS_BREAKS = np.array([-8.5, -6.0, -4.0, -2.5, -1.2, 0.0, 1.2, 2.5, 4.0, 6.0, 8.5])
_GL_X, _GL_W = np.polynomial.legendre.leggauss(N_INNER)
_GH_X, _GH_W = np.polynomial.hermite.hermgauss(N_HERMITE)
_GH_X = _GH_X * math.sqrt(2.0)
_GH_W = _GH_W / math.sqrt(math.pi)
N_MOMENTS = 5
SHARP_STEP = 0.1  # a label step narrower than this times rho gets two more breaks, at +-6 widths
_SQRT2 = math.sqrt(2.0)
_INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)
LOSSES_FINGERPRINT = "c118476ed56f45b2"  # theory.losses.compiled.fingerprint(): recompiles on a change


@numba.njit(cache=True)
def _label_weights(y, z, s, k, tau, cos_t, sin_t, channel, chan_param, gh_x, gh_w):
    """(P(y | z, s), E[w P(y | ...) | z, s], E[w^2 P(y | ...) | z, s]) for label y, given z and s = c_w w + sigma xi
    (w given s is N(k s, tau^2))."""
    mean_w = k * s
    if channel == 0:  # clean or flip: P(y | t) depends on sign(t)
        eta = chan_param
        p_pos = 1.0 - eta if y > 0 else eta  # P(y | t > 0)
        p_neg = eta if y > 0 else 1.0 - eta
        if sin_t == 0.0:
            p = p_pos if z > 0.0 else (p_neg if z < 0.0 else 0.5)
            return p, p * mean_w, p * (mean_w * mean_w + tau * tau)
        w0 = -z * cos_t / sin_t
        if tau == 0.0:
            p = p_pos if mean_w > w0 else p_neg
            return p, p * mean_w, p * mean_w * mean_w
        d = (mean_w - w0) / tau
        tail = 0.5 * math.erfc(abs(d) / _SQRT2)  # one complementary error function: the smaller side exactly
        up = 1.0 - tail if d > 0.0 else tail
        down = tail if d > 0.0 else 1.0 - tail
        dens = _INV_SQRT2PI * math.exp(-0.5 * d * d)
        weight = p_pos * up + p_neg * down
        first = p_pos * (mean_w * up + tau * dens) + p_neg * (mean_w * down - tau * dens)
        var = mean_w * mean_w + tau * tau  # E[w^2 1(w > w0)] = var Phi(d) + tau phi(d) (mean_w + w0)
        cross = tau * dens * (mean_w + w0)
        second = p_pos * (var * up + cross) + p_neg * (var * down - cross)
        return weight, first, second
    # logit: P(y = +1 | t) = sigmoid(beta t)
    beta = chan_param
    if sin_t == 0.0:
        p = _sigmoid(y * beta * z)
        return p, p * mean_w, p * (mean_w * mean_w + tau * tau)
    weight = 0.0
    first = 0.0
    second = 0.0
    for i in range(gh_x.size):
        w = mean_w + tau * gh_x[i]
        p = _sigmoid(y * beta * (cos_t * z + sin_t * w))
        weight += gh_w[i] * p
        first += gh_w[i] * p * w
        second += gh_w[i] * p * w * w
    return weight, first, second


@numba.njit(cache=True)
def in_domain(cz, cw, sigma, V):
    """Order parameters the quadratures accept: sigma and V in [1e-150, 1e150], |c| below 1e150 (a root finder's
    excursions beyond return NaN moments, which the solver rejects, instead of dividing by an underflowed zero)."""
    return (1e-150 <= sigma <= 1e150 and 1e-150 <= V <= 1e150 and abs(cz) <= 1e150 and abs(cw) <= 1e150)


@numba.njit(cache=True)
def insert_sorted(buf, n, x, lo, hi):
    """Insert x into the sorted buf[:n] if lo < x < hi; return the new length."""
    if not (lo < x < hi):
        return n
    i = n
    while i > 0 and buf[i - 1] > x:
        buf[i] = buf[i - 1]
        i -= 1
    buf[i] = x
    return n + 1


@numba.njit(cache=True)
def _add_column_block(jac, dens, z, weight, first, second, xi_1, xi_w, g0, g1, g2, v0, v1, v2):
    """One inner node's share of the derivatives (rows A_z, A_w, B, C, M; columns c_z, c_w, sigma, V)."""
    jac[0, 0] += dens * g0 * z * z * weight
    jac[0, 1] += dens * g0 * z * first
    jac[0, 2] += dens * g0 * z * xi_1
    jac[0, 3] += dens * v0 * z * weight
    jac[1, 0] += dens * g0 * z * first
    jac[1, 1] += dens * g0 * second
    jac[1, 2] += dens * g0 * xi_w
    jac[1, 3] += dens * v0 * first
    jac[2, 0] += dens * g1 * z * weight
    jac[2, 1] += dens * g1 * first
    jac[2, 2] += dens * g1 * xi_1
    jac[2, 3] += dens * v1 * weight
    jac[3, 0] += dens * g2 * z * weight
    jac[3, 1] += dens * g2 * first
    jac[3, 2] += dens * g2 * xi_1
    jac[3, 3] += dens * v2 * weight


@numba.njit(cache=True)
def kept_moments(L, omega_breaks, jumps, V, cz, cw, sigma, cos_t, sin_t, channel, chan_param, z_nodes, z_weights,
                 s_breaks, gl_x, gl_w, gh_x, gh_w, want_jac):
    """((A_z, A_w, B, C, M), their derivatives [5, 4] in (c_z, c_w, sigma, V) if ``want_jac`` else zeros) of the
    module docstring; ``z_weights`` include q(z, +1) phi(z) / f (the label y = +1; y = -1 by mirror symmetry).

    The derivatives by Stein's identity: the measure of (z, w, xi, y) does not depend on the order parameters,
    which enter through omega = c_z z + c_w w + sigma xi alone, so d/dc E[G(omega) m] = E[G'(omega) m (z, w, xi)]
    (:func:`omega_derivatives`; E[xi ... | s] = (s E[...] - c_w E[w ...]) / sigma) and d/dV E[G m] = E[dG/dV m]
    (``v_derivatives``); each jump of 1 - h' (the hinge's box [1 - V, 1), the squared hinge's step at 1) adds the
    density there, times its size, to the derivatives of C (and, where the jump moves with V, to d/dV)."""
    out = np.zeros(N_MOMENTS)
    jac = np.zeros((N_MOMENTS, 4))
    rho = math.sqrt(cw * cw + sigma * sigma)
    if not in_domain(cz, cw, sigma, V):
        out[:] = np.nan  # outside the domain (a root finder's excursion): NaN, which the solver rejects
        jac[:, :] = np.nan
        return out, jac
    k = cw / (rho * rho)
    tau = sigma / rho
    lo = -S_RANGE * rho
    hi = S_RANGE * rho
    nb = s_breaks.size
    buf = np.empty(nb + 8 + omega_breaks.size)
    for iz in range(z_nodes.size):
        z = z_nodes[iz]
        a = cz * z
        # y = +1 only: the y = -1 half is its mirror image (module docstring)
        y = 1.0
        wz = z_weights[iz]
        if wz == 0.0:
            continue
        n = 0
        for j in range(nb):
            buf[n] = s_breaks[j] * rho
            n += 1
        # the label step of the sign channels, where d = 0, and its width tau / |k|
        if channel == 0 and sin_t > 0.0 and k != 0.0:
            w0 = -z * cos_t / sin_t
            s_star = w0 / k
            width = tau / abs(k)
            for m in (-3.0, -1.0, 0.0, 1.0, 3.0):
                n = insert_sorted(buf, n, s_star + m * width, lo, hi)
            if width < SHARP_STEP * rho:  # a step sharp on the Gaussian's scale: its tails (1 - Phi(3) = 1.3e-3)
                for m in (-6.0, 6.0):  # would decay inside one long panel (|M - 1| ~ 2e-9 for hinge:0, 10 deg)
                    n = insert_sorted(buf, n, s_star + m * width, lo, hi)
        for j in range(omega_breaks.size):  # the loss's kinks and curvature breaks (y omega = b_j)
            n = insert_sorted(buf, n, y * omega_breaks[j] - a, lo, hi)
        u1 = node(L, y, a + buf[0], V)  # the panel ends in the loss's quadrature variable (omega, or h): each
        for p in range(n - 1):  # break's node is computed once and shared by the two panels it separates
            s0 = buf[p]
            s1 = buf[p + 1]
            u0 = u1
            u1 = node(L, y, a + s1, V)
            if s1 <= s0:
                continue
            half = 0.5 * (u1 - u0)
            mid = 0.5 * (u1 + u0)
            if half <= 0.0:
                continue
            for q in range(gl_x.size):
                u = mid + half * gl_x[q]
                omega, domega_du, d1, dev2, soft = point(L, y, u, V)
                s = omega - a
                dens = _INV_SQRT2PI / rho * math.exp(-0.5 * (s / rho) ** 2) * domega_du * gl_w[q] * half * wz
                if dens == 0.0:
                    continue
                weight, first, second = _label_weights(y, z, s, k, tau, cos_t, sin_t, channel, chan_param,
                                                       gh_x, gh_w)
                out[0] += dens * weight * d1 * z
                out[1] += dens * first * d1
                out[2] += dens * weight * dev2
                out[3] += dens * weight * soft
                out[4] += dens * weight
                if want_jac:
                    g0, g1, g2 = omega_derivatives(L, omega, u, V)
                    v0, v1, v2 = v_derivatives(L, omega, u, V)
                    xi_1 = (s * weight - cw * first) / sigma  # E[xi P], E[xi w P]
                    xi_w = (s * first - cw * second) / sigma
                    _add_column_block(jac, dens, z, weight, first, second, xi_1, xi_w, g0, g1, g2, v0, v1, v2)
        if want_jac:  # the jumps of 1 - h' (rows: omega, size, d omega / dV): Dirac terms of its derivatives
            for j in range(jumps.shape[0]):
                s = jumps[j, 0] - a
                dens = jumps[j, 1] * _INV_SQRT2PI / rho * math.exp(-0.5 * (s / rho) ** 2) * wz
                weight, first, second = _label_weights(y, z, s, k, tau, cos_t, sin_t, channel, chan_param,
                                                       gh_x, gh_w)
                jac[3, 0] += dens * weight * z
                jac[3, 1] += dens * first
                jac[3, 2] += dens * (s * weight - cw * first) / sigma
                if jumps[j, 2] != 0.0:  # a jump that moves with V (the hinge's lower end moves down as V grows)
                    jac[3, 3] += -jumps[j, 2] * dens * weight
    out *= 2.0  # the y = -1 half
    jac *= 2.0
    return out, jac


def moments(loss: Loss, V: float, cz: float, cw: float, sigma: float, theta: float, channel: int,
            chan_param: float, z_nodes: np.ndarray, z_weights: np.ndarray, inner_nodes: int = N_INNER
            ) -> np.ndarray:
    """The moments of :func:`kept_moments` with the module's inner rules (theta in radians; ``inner_nodes``
    Gauss-Legendre nodes an inner panel, fewer only for the convex solver's coarse start)."""
    return _kept(loss, V, cz, cw, sigma, theta, channel, chan_param, z_nodes, z_weights, False, inner_nodes)[0]


def moments_and_jacobian(loss: Loss, V: float, cz: float, cw: float, sigma: float, theta: float, channel: int,
                         chan_param: float, z_nodes: np.ndarray, z_weights: np.ndarray, inner_nodes: int = N_INNER
                         ) -> tuple[np.ndarray, np.ndarray]:
    """The moments and their derivatives [5, 4] in (c_z, c_w, sigma, V) (:func:`kept_moments`)."""
    return _kept(loss, V, cz, cw, sigma, theta, channel, chan_param, z_nodes, z_weights, True, inner_nodes)


def _kept(loss: Loss, V, cz, cw, sigma, theta, channel, chan_param, z_nodes, z_weights, want_jac, inner_nodes):
    handle = loss.handle
    gl_x, gl_w = (_GL_X, _GL_W) if inner_nodes == N_INNER else gauss_legendre(inner_nodes)
    kernel = kept_moments if isinstance(handle, int) else specialised(_kept_moments_specialised)
    return kernel(handle, np.ascontiguousarray(loss.omega_breaks(V), dtype=float),
                  np.ascontiguousarray(loss.jumps(V), dtype=float).reshape(-1, 3), float(V), float(cz), float(cw),
                  float(sigma), math.cos(theta), math.sin(theta), int(channel), float(chan_param),
                  np.ascontiguousarray(z_nodes, dtype=float), np.ascontiguousarray(z_weights, dtype=float),
                  GAUSS_BREAKS, gl_x, gl_w, _GH_X, _GH_W, bool(want_jac))


# a loss outside theory.losses.compiled: the same kernel specialised to its functions, not cached on disk
_kept_moments_specialised = numba.njit(kept_moments.py_func)
