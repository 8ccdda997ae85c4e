r"""The Gaussian covariate model with selection: the theory (``docs/theory.md`` section 9).

Inputs x ~ N(0, Sigma) (a :class:`theory.covariance.Case`), selection on the probe field z, labels through the
channel on the teacher field t = cos(theta) z + sin(theta) w. Conditioned on (z, w), x = z a + w b + x_2 with
x_2 ~ N(0, Sigma_2), Sigma_2 = Sigma - a a' - b b' (:meth:`theory.covariance.Case.geometry`). The student's field
on a kept example is c_z z + c_w w + u.x_2 with c = (a.u, b.u) and sigma^2 = u' Sigma_2 u: the **channel** (the
expectations A_z, A_w, B, C over the kept (z, w, y) and the orthogonal Gaussian) is the isotropic one, read from
:meth:`theory.convex.ConvexProblem.moments`; only the **prior** side (ridge and spectrum) changes. With
V_hat = alpha C / V, Q_hat = alpha B / V^2 and D = lambda + V_hat Sigma (diagonal), K = (lambda + V_hat Sigma_2)^-1:

    c       = -alpha U' K U A                            (U = [a, b]; rank two, exact: Woodbury)
    sigma^2 = alpha^2 A' U' K Sigma_2 K U A + Q_hat (1/N) tr Sigma^2 D^-2
    1 - lambda (1/N) tr D^-1 = alpha C                   (V = (1/N) tr Sigma D^-1)

(the traces over the bulk drop the rank-two downdate, an O(1/N) term, as the isotropic theory does). In the
whitened basis, with e = U / sqrt(lambda) orthonormal, H = e' D^-1 e and G = e' Sigma D^-1 e (2 x 2):
U' K U = G H^-1 / lambda and Sigma^(1/2) K U = (Y - e G) H^-1 / lambda with Y = Sigma D^-1 e, so every evaluation
is O(N) without cancellation; Sigma = I gives the isotropic equations exactly.

Routes (:func:`solve_structured`): every convex loss by :class:`StructuredProblem` (a
:class:`theory.convex.ConvexProblem` whose residuals and Jacobian use the prior above), solved with the isotropic
route's Newton steps (:func:`_solve`); square loss in closed form (:func:`solve_square`: the kept second moment M_2 and
mean m_y of y (z, w), read from the channel, then one monotone equation in V_hat); the max-margin student as the
margin constraint at ridge 1 (:func:`solve_max_margin`; checked against the hinge loss's limit lambda -> 0,
:func:`solve_max_margin_hinge_limit`); a loss at ridge 0 as its limit (:func:`solve_structured_ridgeless`): below
the line (separable; alpha_prune < 1 for the square loss) the constraint at ridge 1 on the same prior (the max-margin
student; the minimum-norm interpolator in closed form, :func:`min_norm_fixed_point`), beyond it the lambda = 0 fixed
point, whose equations are the isotropic ones (A = 0, sigma^2 = alpha B, alpha C = 1: the unregularised minimiser
does not see Sigma), Sigma entering only the Euclidean norm (:func:`ridgeless_norm`; least squares in closed form,
:func:`least_squares_fixed_point`).

Numerics: the moments' quadratures of :mod:`theory.convex`; Newton's method with the analytic Jacobian, MINPACK's
hybrid Powell method, continuation in lambda, the scaled unknowns (c_z times the kept field's scale) where the plain
ones fail; brentq (rtol 4 eps) for the square loss's V_hat. A point is accepted when its largest scaled residual is
below ``tol`` and the quadrature's mass is 1 to 1e-9; otherwise ``success`` is False with the residual reached and a
message (eps NaN where no start converged), never a number returned as converged that was not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numba
import numpy as np
from scipy import optimize

from theory import convex
from theory.convex import ConvexProblem, student_error
from theory.covariance import Case, Geometry
from theory.learners import Learner
from theory.point import MaxMarginOrder, PointResult

# the hinge ridges through which the max-margin student is reached (stop once eps moves by < MM_RTOL, relative)
MM_RIDGES = tuple(10.0 ** -k for k in range(2, 13))
MM_RTOL = 1e-12
# alpha C below which the moments carry no information (no kept example in the loss's active region, to rounding)
DEAD_ZONE = 1e-12


@dataclass
class PriorTerms:
    """The prior side at one V_hat (module docstring): W = U'KU, Z = S Z_0 S with Sigma_2^(1/2) K U = R S, the
    traces tau0 = (1/N) tr D^-1, tau2 = (1/N) tr Sigma^2 D^-2, tau_norm = (1/N) tr Sigma D^-2 and the matrices
    for |u|^2 (UD2 = U' D^-2 U, S); with ``deriv`` their V_hat derivatives (d*)."""

    W: np.ndarray
    Z: np.ndarray
    S: np.ndarray
    UD2: np.ndarray
    tau0: float
    tau2: float
    tau_norm: float
    dW: np.ndarray | None = None
    dZ: np.ndarray | None = None
    dtau0: float = 0.0
    dtau2: float = 0.0


@numba.njit(cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _prior_sums(s, e, lam, vhat, deriv):
    """The O(N) sums of the prior side in two passes (no N-sized temporaries, no BLAS): H, G, U'D^-2U-like UD2,
    Z0 = R'R (R = Sigma D^-1 e - e G), tau0, tau2, tau_norm and, with ``deriv``, their V_hat derivatives."""
    n, k = e.shape
    H = np.zeros((k, k))
    G = np.zeros((k, k))
    UD2 = np.zeros((k, k))
    dH = np.zeros((k, k))
    dG = np.zeros((k, k))
    taus = np.zeros(5)  # tau0, tau2, tau_norm, dtau0, dtau2
    for j in range(n):
        d = 1.0 / (lam + vhat * s[j])
        sd = s[j] * d
        taus[0] += d
        taus[1] += sd * sd
        taus[2] += sd * d
        dd = -s[j] * d * d
        if deriv:
            taus[3] += dd
            taus[4] += 2.0 * sd * s[j] * dd
        for a in range(k):
            for b in range(k):
                ee = e[j, a] * e[j, b]
                H[a, b] += ee * d
                G[a, b] += ee * sd
                UD2[a, b] += ee * sd * d
                if deriv:
                    dH[a, b] += ee * dd
                    dG[a, b] += ee * s[j] * dd
    Z0 = np.zeros((k, k))
    dZ0 = np.zeros((k, k))
    R = np.zeros(k)
    dR = np.zeros(k)
    for j in range(n):
        d = 1.0 / (lam + vhat * s[j])
        sd = s[j] * d
        sdd = -s[j] * s[j] * d * d
        for a in range(k):
            r = sd * e[j, a]
            q = sdd * e[j, a]
            for b in range(k):
                r -= e[j, b] * G[b, a]
                q -= e[j, b] * dG[b, a]
            R[a] = r
            dR[a] = q
        for a in range(k):
            for b in range(k):
                Z0[a, b] += R[a] * R[b]
                if deriv:
                    dZ0[a, b] += dR[a] * R[b] + R[a] * dR[b]
    for i in range(5):
        taus[i] /= n
    return H, G, UD2, Z0, dH, dG, dZ0, taus


class Prior:
    """The ridge-and-spectrum side of the fixed point for one geometry and ridge (module docstring)."""

    def __init__(self, geo: Geometry, lam: float) -> None:
        self.geo, self.lam = geo, float(lam)
        self.s, self.e = geo.s, np.ascontiguousarray(geo.e)
        self.n_c = geo.n_c

    def at(self, vhat: float, deriv: bool = False) -> PriorTerms:
        lam = self.lam
        if not (vhat >= 0.0 and math.isfinite(vhat)):  # a root finder's excursion (C < 0 or NaN): no prior there
            nan = np.full((self.n_c, self.n_c), math.nan)
            return PriorTerms(W=nan, Z=nan, S=nan, UD2=nan, tau0=math.nan, tau2=math.nan, tau_norm=math.nan, dW=nan,
                              dZ=nan, dtau0=math.nan, dtau2=math.nan)
        H, G, UD2, Z0, dH, dG, dZ0, taus = _prior_sums(self.s, self.e, lam, float(vhat), bool(deriv))
        Hinv = np.linalg.inv(H)
        S = Hinv / lam  # (I - V_hat U'D^-1 U)^-1 = (lambda H)^-1
        W = G @ S
        terms = PriorTerms(W=W, Z=S @ Z0 @ S, S=S, UD2=UD2, tau0=float(taus[0]), tau2=float(taus[1]),
                           tau_norm=float(taus[2]))
        if deriv:
            dS = -Hinv @ dH @ Hinv / lam
            terms.dW = dG @ S + G @ dS
            terms.dZ = dS @ Z0 @ S + S @ dZ0 @ S + S @ Z0 @ dS
            terms.dtau0 = float(taus[3])
            terms.dtau2 = float(taus[4])
        return terms


def geometry_of(params) -> Geometry:
    """The geometry of ``params.data`` (a :class:`theory.covariance.Case`) at the point's field angle."""
    data = params.data
    if not isinstance(data, Case):
        raise ValueError(f"the structured theory needs a Gaussian covariate case, got data {data!s}")
    geo = data.geometry(params.probe_angle_deg)
    if (geo.n_c == 2) != (params.probe_angle != 0.0):
        raise ValueError(f"the case {data} has a field angle of {math.degrees(geo.theta):.6g} degrees at "
                         f"probe_angle_deg {params.probe_angle_deg:g}")
    return geo


class StructuredProblem(ConvexProblem):
    """The convex fixed point on a Gaussian covariate case: the isotropic channel (the inherited moments), the prior
    of :class:`Prior`. Unknowns and scaled residuals as the isotropic ones: x = (c_z, [c_w,] ln sigma, ln V),
    r_c = (c - c_new) / |u|_Sigma, r_sigma = 1 - sigma_new^2 / sigma^2, r_V = 1 - lambda tau0 - alpha C."""

    def __init__(self, params, loss=None, lam: float | None = None, scaled: bool = False) -> None:
        super().__init__(params, loss=loss, lam=lam, scaled=scaled)
        self.geo = geometry_of(params)
        self.prior = Prior(self.geo, self.lam)

    # ---- the moments and their derivatives: ConvexProblem's (the channel and the quadratures are inherited) ------
    def prior_update(self, m: np.ndarray, V: float, deriv: bool = False):
        """(c_new, sigma_new^2, tau0, terms, vhat, qhat) from the moments m at the prox step V."""
        a, nc = self.alpha, self.n_c
        vhat = a * m[3] / V
        qhat = a * m[2] / (V * V)
        t = self.prior.at(vhat, deriv)
        A = m[:nc]
        c_new = -a * (t.W @ A)
        sig2 = a * a * float(A @ t.Z @ A) + qhat * t.tau2
        return c_new, sig2, t, vhat, qhat

    def residual_and_mass(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        cz, cw, sigma, V = self.unpack(x)
        m = self.moments(cz, cw, sigma, V)
        return self._residual(cz, cw, sigma, V, m)[0], float(m[4])

    def _residual(self, cz, cw, sigma, V, m, deriv=False):
        c_new, sig2, t, vhat, qhat = self.prior_update(m, V, deriv)
        c = np.array([cz, cw][:self.n_c])
        norm = math.sqrt(cz * cz + cw * cw + sigma * sigma)
        r = np.concatenate([(c - c_new) / norm, [1.0 - sig2 / (sigma * sigma), 1.0 - self.lam * t.tau0
                                                 - self.alpha * m[3]]])
        return r, (c, c_new, sig2, t, vhat, qhat, norm)

    def residual_and_jacobian(self, x: np.ndarray):
        cz, cw, sigma, V = self.unpack(x)
        m, dm = self.moments_and_derivatives(cz, cw, sigma, V)
        r, (c, c_new, sig2, t, vhat, qhat, norm) = self._residual(cz, cw, sigma, V, m, deriv=True)
        a, nc = self.alpha, self.n_c
        A = m[:nc]
        eV = np.array([0.0, 0.0, 0.0, 1.0])
        dvhat = a * dm[3] / V - a * m[3] / (V * V) * eV
        dqhat = a * dm[2] / (V * V) - 2.0 * a * m[2] / V**3 * eV
        dA = dm[:nc]
        dc_new = -a * np.outer(t.dW @ A, dvhat) - a * (t.W @ dA)
        ZA = t.Z @ A
        dsig2 = a * a * (float(A @ t.dZ @ A) * dvhat + 2.0 * (ZA @ dA)) + t.tau2 * dqhat + qhat * t.dtau2 * dvhat
        dnorm = np.array([cz, cw, sigma, 0.0]) / norm
        rows = []
        for i in range(nc):
            rows.append((np.eye(4)[i] - dc_new[i]) / norm - (c[i] - c_new[i]) * dnorm / norm**2)
        rows.append(-dsig2 / sigma**2 + 2.0 * sig2 / sigma**3 * np.array([0.0, 0.0, 1.0, 0.0]))
        rows.append(-self.lam * t.dtau0 * dvhat - a * dm[3])
        jac = np.array(rows) * np.array([1.0 / self.cz_scale, 1.0, sigma, V])  # d/d(x_0, c_w, ln sigma, ln V)
        cols = [0, 1, 2, 3] if nc == 2 else [0, 2, 3]
        return r, jac[:, cols], float(m[4])

    def fixed_point_steps(self, x: np.ndarray, steps: int, damping: float = 0.5, rtol: float = 1e-3) -> np.ndarray:
        """Damped fixed-point steps in the conjugate variables: V <- (1 - lambda tau0) / V_hat = (1/N) sum lambda_k /
        (lambda + V_hat lambda_k), sigma <- sigma_new, c <- c - lambda (c - c_new) / (lambda + V_hat) (the isotropic
        steps at Sigma = I); stopped, returning the point before, where a step lands in the dead zone (alpha C below
        DEAD_ZONE)."""
        lam = self.lam
        prev = x
        for _ in range(steps):
            cz, cw, sigma, V = self.unpack(x)
            m = self.moments(cz, cw, sigma, V)
            if not self.alpha * m[3] > DEAD_ZONE:
                # no kept example in the loss's active region (the moments vanish to rounding): the last step
                # overshot into a region where the equations carry no information (keep easy at theta = 0, where
                # a student along the probe meets every margin); go back to the point before it
                return prev
            c_new, sig2, t, vhat, _ = self.prior_update(m, V)
            with np.errstate(divide="ignore"):  # V = (1 - lambda tau0) / V_hat written without the 0 / 0 at V_hat = 0
                V_new = float(np.mean(self.prior.s / (lam + vhat * self.prior.s)))
            if not (0.0 < V_new < math.inf and sig2 >= 0.0):
                break
            c = np.array([cz, cw][:self.n_c])
            c = c - lam / (lam + vhat) * (c - c_new)
            new = self.pack(c[0], c[1] if self.n_c == 2 else 0.0, math.sqrt(max(sig2, 1e-300)), V_new)
            if not np.all(np.isfinite(new)):
                break
            moved = np.max(np.abs(new - x) / np.maximum(np.abs(x), 1.0))
            prev, x = x, (1.0 - damping) * x + damping * new
            if moved < rtol:
                break
        return x

    def norm_euclid(self, x: np.ndarray) -> float:
        """|u| = |w| / sqrt(N) in the Euclidean norm the ridge (and the max-margin student) measures."""
        cz, cw, sigma, V = self.unpack(x)
        m = self.moments(cz, cw, sigma, V)
        _, _, t, vhat, qhat = self.prior_update(m, V)
        SA = t.S @ m[:self.n_c]
        return math.sqrt(self.alpha**2 * float(SA @ t.UD2 @ SA) + qhat * t.tau_norm)


# ---- square loss in closed form --------------------------------------------------------------------------
def kept_second_moments(problem: StructuredProblem) -> tuple[np.ndarray, np.ndarray]:
    """(M_2, m_y): E_kept[v v'] and E_kept[y v], v = (z, w) (only z at theta = 0), read from the channel: with the
    square loss, A(c) = (M_2 c - m_y) / (1 + V) at sigma = V = 1, so three evaluations of the moments give both."""
    sq = problem if problem.loss.name == "square" else None
    if sq is None:
        raise ValueError("kept_second_moments reads the square loss's moments")
    nc = problem.n_c
    if nc == 1:
        a1 = problem.moments(1.0, 0.0, 1.0, 1.0)[0]
        a2 = problem.moments(2.0, 0.0, 1.0, 1.0)[0]
        M = np.array([[2.0 * (a2 - a1)]])
        return M, np.array([M[0, 0] - 2.0 * a1])
    a10 = problem.moments(1.0, 0.0, 1.0, 1.0)[:2]
    a20 = problem.moments(2.0, 0.0, 1.0, 1.0)[:2]
    a11 = problem.moments(1.0, 1.0, 1.0, 1.0)[:2]
    M = np.column_stack([2.0 * (a20 - a10), 2.0 * (a11 - a10)])
    M = 0.5 * (M + M.T)
    return M, M[:, 0] - 2.0 * a10


def square_fixed_point(problem: StructuredProblem) -> np.ndarray:
    """The unknowns x of the square loss's fixed point in closed form (``docs/theory.md`` 9): V_hat from
    V_hat + 1 - alpha - lambda tau0(V_hat) = 0 (increasing; bracket (0, alpha]), V = alpha / V_hat - 1, c from
    (I + V_hat W M_2) c = V_hat W m_y, sigma^2 = V_hat^2 (g' Z g + tau2 e / alpha) / (1 - V_hat^2 tau2 / alpha) with
    g = M_2 c - m_y, e = c' M_2 c - 2 c' m_y + 1."""
    M, my = kept_second_moments(problem)
    a, lam, prior = problem.alpha, problem.lam, problem.prior
    s = prior.s

    def F(vhat: float) -> float:
        return vhat + 1.0 - a - lam * float(np.mean(1.0 / (lam + vhat * s)))

    hi = a
    if F(hi) <= 0.0:  # lambda tau0 rounds to 1 at alpha: the root is at the top of the bracket
        vhat = hi
    else:
        vhat = optimize.brentq(F, 0.0, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=200)
    return _square_point(problem, M, my, vhat, a / vhat - 1.0)


def _square_point(problem: StructuredProblem, M: np.ndarray, my: np.ndarray, vhat: float, V: float) -> np.ndarray:
    """The unknowns x from V_hat and V (square loss or interpolation constraint, ``docs/theory.md`` 9): c from
    (I + V_hat W M_2) c = V_hat W m_y, sigma^2 = V_hat^2 (g' Z g + tau2 e / alpha) / (1 - V_hat^2 tau2 / alpha); NaN
    where the point is not admissible (V <= 0, sigma^2 <= 0)."""
    a, nc = problem.alpha, problem.n_c
    t = problem.prior.at(vhat)
    c = np.linalg.solve(np.eye(nc) + vhat * t.W @ M, vhat * t.W @ my)
    g = M @ c - my
    e = float(c @ M @ c - 2.0 * c @ my + 1.0)
    denom = 1.0 - vhat * vhat * t.tau2 / a
    sig2 = vhat * vhat * (float(g @ t.Z @ g) + t.tau2 * e / a) / denom
    if not (V > 0 and sig2 > 0 and denom > 0):
        return np.full(nc + 2, math.nan)
    return problem.pack(c[0], c[1] if nc == 2 else 0.0, math.sqrt(sig2), V)


def solve_square(params, *, tol: float = convex.DEFAULT_TOL) -> PointResult:
    """The square loss on a case: :func:`square_fixed_point`, checked by the general equations' residual (one more
    evaluation of the moments) and polished by Newton's method when that residual is above ``tol``."""
    problem = StructuredProblem(params)
    x = square_fixed_point(problem)
    res, ok = convex._accept(problem, x, tol)
    message = "converged (closed form)"
    if not ok:
        got = convex._newton(problem, x if np.all(np.isfinite(x)) else problem.guess(), tol)
        if got[1] < res:
            x, res, ok = got
        message = "converged" if ok else "residual above tolerance"
    return _convex_result(problem, x, res, ok, message)


# ---- the ridgeless limits (L = 0) ----------------------------------------------------------------------------
def ridgeless_norm(geo: Geometry, cz: float, cw: float, sigma: float) -> float:
    """|u| (Euclidean) of the unregularised minimiser (``docs/theory.md`` 9, the lambda -> 0 limit of
    :meth:`StructuredProblem.norm_euclid`): with v = Sigma^(1/2) u = e c + v_perp, |v_perp| = sigma spread evenly
    over e's complement, |u|^2 = c' (e' Sigma^-1 e) c + sigma^2 (1/N) tr Sigma^-1."""
    e = geo.e
    c = np.array([cz, cw][:geo.n_c])
    inv = (e / geo.s[:, None]).T @ e
    return math.sqrt(float(c @ inv @ c) + sigma * sigma * float(np.mean(1.0 / geo.s)))


def _kept_moments_of(params) -> tuple[np.ndarray, np.ndarray, int]:
    """(M_2, m_y, evaluations) of the kept data of ``params`` (:func:`kept_second_moments`, read through the square
    loss whatever the learner)."""
    sq = StructuredProblem(replace(params, learner="square:1"))
    M, my = kept_second_moments(sq)
    return M, my, sq.nfev


MAX_DOUBLINGS = 1100  # the bracket of the min-norm V_hat doubles from 1 (2^1100 overflows: beyond it, a ValueError)


def min_norm_fixed_point(problem: StructuredProblem) -> np.ndarray:
    """The minimum-norm interpolator (the interpolation constraint at ridge 1, alpha_prune < 1) in closed form
    (``docs/theory.md`` 9): V_hat (the lambda -> 0 limit of V_hat / lambda) from alpha = (1/N) sum V_hat lambda_k /
    (1 + V_hat lambda_k) (increasing from 0 to 1: brentq on a bracket doubled from (0, 1], rtol 4 eps), V = alpha /
    V_hat (the limit of lambda V), then c and sigma as the square loss's (:func:`_square_point`)."""
    M, my, nfev = _kept_moments_of(problem.params)
    problem.nfev += nfev
    a, s = problem.alpha, problem.prior.s
    if not a < 1.0:
        raise ValueError(f"the minimum-norm interpolator needs alpha_prune < 1, got {a:g}")

    def F(vhat: float) -> float:
        return float(np.mean(vhat * s / (1.0 + vhat * s))) - a

    hi = 1.0
    for _ in range(MAX_DOUBLINGS):
        if F(hi) > 0.0:
            break
        hi *= 2.0
    else:
        raise ValueError(f"min-norm V_hat: no bracket up to {hi:g} (alpha_prune = {a!r} rounds to 1 on this spectrum)")
    vhat = optimize.brentq(F, 0.0, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=200)
    return _square_point(problem, M, my, vhat, a / vhat)


def least_squares_fixed_point(params, problem: ConvexProblem) -> np.ndarray:
    """Least squares (the square loss at lambda = 0, alpha_prune > 1) in closed form (``docs/theory.md`` 9): the
    structured equations at lambda = 0 are the isotropic ones, A = 0 gives c = M_2^-1 m_y, alpha C = 1 gives
    V = 1 / (alpha - 1) and sigma^2 = alpha B gives sigma^2 = (c' M_2 c - 2 c' m_y + 1) / (alpha - 1). The unknowns
    in ``problem``'s packing (the isotropic problem at lambda = 0)."""
    M, my, nfev = _kept_moments_of(params)
    problem.nfev += nfev
    a = params.alpha_prune
    if not a > 1.0:
        raise ValueError(f"least squares needs alpha_prune > 1, got {a:g}")
    c = np.linalg.solve(M, my)
    e = float(c @ M @ c - 2.0 * c @ my + 1.0)
    return problem.pack(c[0], c[1] if c.size == 2 else 0.0, math.sqrt(e / (a - 1.0)), 1.0 / (a - 1.0))


def _polish(problem: ConvexProblem, x: np.ndarray, tol: float, closed: str):
    """(x, residual, accepted, message): a closed form checked by ``problem``'s general residual (one evaluation of
    the moments) and polished by Newton's method when that residual is above ``tol``."""
    res, ok = convex._accept(problem, x, tol)
    message = f"converged (closed form: {closed})"
    if not ok:
        got = convex._newton(problem, x if np.all(np.isfinite(x)) else problem.guess(), tol)
        if got[1] < res:
            x, res, ok = got
        message = "converged" if ok else "residual above tolerance"
    return x, res, ok, message


def _unregularised_result(params, out: PointResult) -> PointResult:
    """A result of the lambda = 0 fixed point (the isotropic equations, ``docs/theory.md`` 9) as the structured
    route's: the point's params, route ``structured`` and the Euclidean |u| of :func:`ridgeless_norm`."""
    o = out.order
    norm = ridgeless_norm(geometry_of(params), o.c_z, o.c_w, o.sigma) if math.isfinite(o.sigma) else math.nan
    return replace(out, params=params, route="structured", order=replace(o, norm=norm))


def solve_structured_ridgeless(params, *, tol: float = convex.DEFAULT_TOL) -> PointResult:
    """A loss at ridge L = 0 on a case (``docs/theory.md`` 9), as on isotropic data (:func:`theory.convex.
    ridgeless_problem`), decided by the same lines (both are invariant under x -> Sigma^(-1/2) x):

    * where the kept data meet the loss's constraint (separable: hinge, logistic, squared hinge; alpha_prune < 1:
      square), its limit, the constraint at ridge 1 on the case's prior: the max-margin student (from the
      structured hinge, :func:`_solve_limit`) or the minimum-norm interpolator (closed form,
      :func:`min_norm_fixed_point`, checked by the general residual);
    * beyond, the unregularised minimiser, whose structured equations at lambda = 0 are the isotropic ones (solved
      by :func:`theory.convex.solve_convex`; square loss: :func:`least_squares_fixed_point`), the spectrum entering
      only the Euclidean norm (:func:`ridgeless_norm`).
    """
    from theory.losses.constraints import LIMITS

    loss = params.learner.loss_function
    if convex.limit_exists(params, loss.ridgeless_limit):
        problem = StructuredProblem(params, loss=LIMITS[loss.ridgeless_limit], lam=1.0)
        closed = None
        if loss.ridgeless_limit == "min-norm":
            closed = _polish(problem, min_norm_fixed_point(problem), tol, "minimum-norm interpolator")
        if closed is not None and closed[2]:
            x, res, ok, message = closed
        else:
            problem, x, res, ok, message = _solve_constraint(params, loss.ridgeless_limit, tol)
            if closed is not None and closed[1] < res:
                problem = StructuredProblem(params, loss=LIMITS[loss.ridgeless_limit], lam=1.0)
                x, res, ok, message = closed
        return _convex_result(problem, x, res, ok, message)
    iso = replace(params, data="isotropic")
    if params.learner.kind == "square":
        problem = ConvexProblem(iso, lam=0.0)
        x, res, ok, message = _polish(problem, least_squares_fixed_point(params, problem), tol, "least squares")
        return _unregularised_result(params, convex._result(problem, x, res, ok, message))
    out = convex.solve_convex(iso, tol=tol)
    if not out.success:
        out = _unregularised_from_small_ridges(params, out, tol)
    return _unregularised_result(params, out)


UNREGULARISED_STARTS = (1e-2, 1e-3, 1e-1)  # ridges whose structured students start the lambda = 0 fixed point


def _unregularised_from_small_ridges(params, failed: PointResult, tol: float) -> PointResult:
    """The lambda = 0 fixed point (beyond the line) where :func:`theory.convex.solve_convex` does not converge (keep
    easy at theta = 0 with flips): Newton's method on its equations (plain unknowns) from the case's own student at
    a small ridge (:func:`solve_structured_convex`), whose channel variables (c, sigma, V) tend to the limit's as
    O(lambda) (``docs/theory.md`` 9). ``failed`` (with its residual) when none converges."""
    iso = replace(params, data="isotropic")
    problem = ConvexProblem(iso, lam=0.0)
    problem.nfev = failed.nfev
    best = failed
    for ridge in UNREGULARISED_STARTS:
        soft = solve_structured_convex(replace(params, learner=str(params.learner.with_ridge(ridge))), tol=tol)
        problem.nfev += soft.nfev
        if not soft.success:
            continue
        o = soft.order
        x, res, ok = convex._newton(problem, problem.pack(o.c_z, o.c_w, o.sigma, o.V), tol)
        if ok or res < best.residual:
            best = convex._result(problem, x, res, ok, f"converged (from the ridge {ridge:g})" if ok else
                                  "residual above tolerance")
        if ok:
            break
    return best


# ---- every convex loss and the max-margin student ------------------------------------------------------
def _convex_result(problem: StructuredProblem, x, res, ok, message) -> PointResult:
    out = convex._result(problem, x, res, ok, message)
    norm = problem.norm_euclid(x) if np.all(np.isfinite(x)) else math.nan
    return replace(out, route="structured", order=replace(out.order, norm=norm))


def _solve(problem: StructuredProblem, x0, tol: float):
    """(x, residual, accepted, message): the isotropic solver's strategy (``docs/theory.md`` 8) on the structured
    equations: a warm start; Newton with the analytic Jacobian from two damped fixed-point steps, else from the bare
    guess, else ten steps and MINPACK's hybrid Powell method (from the steps, then from the bare guess); else
    continuation in lambda from lambda x 10^4 in half decades (each solution the next start, else the same with V
    scaled as 1 / lambda; cold where no solution precedes: at the top, and after a step that lost the path)."""
    best = None
    if x0 is not None and len(x0) == problem.n_c + 2 and np.all(np.isfinite(x0)):
        x, res, ok = convex._newton(problem, np.asarray(x0, dtype=float), tol)
        best = (x, res, ok)
    if best is None or not best[2]:
        for steps in (2, 0):
            got = convex._analytic_newton(problem, problem.fixed_point_steps(problem.guess(), steps), tol)
            if best is None or got[1] < best[1]:
                best = got
            if got[2]:
                break
    for steps in (10, 0):  # hybrid Powell from ten fixed-point steps, else from the bare guess
        if best is not None and best[2]:
            break
        got = convex._newton(problem, problem.fixed_point_steps(problem.guess(), steps), tol)
        if best is None or got[1] < best[1]:
            best = got
    if best[2] or problem.learner.is_max_margin:
        return (*best, "converged" if best[2] else "residual above tolerance")
    x = None
    ok = False
    for k in CONTINUATION_DECADES:
        sub = StructuredProblem(replace(problem.params, learner=str(problem.learner.with_ridge(problem.lam * 10.0**k))),
                                scaled=problem.cz_scale != 1.0)
        if x is None:  # a cold start, from ten fixed-point steps, else from the bare guess (a ridge where neither
            # converges moves on to the next one)
            for steps in (10, 0):
                got = convex._newton(sub, sub.fixed_point_steps(sub.guess(), steps), tol)
                if got[2]:
                    break
        else:  # from the last solution, else with V scaled as 1/lambda (the regime where the data are fitted)
            for shift in (0.0, 0.5 * math.log(10.0)):
                start = np.array(x, dtype=float)
                start[-1] += shift
                got = convex._newton(sub, start, tol)
                if got[2]:
                    break
        problem.nfev += sub.nfev
        ok = got[2]
        x = got[0] if ok else None  # a lost path starts cold again at the next ridge
    if ok:
        res, ok = convex._accept(problem, x, tol)
        if ok or res < best[1]:
            return x, res, ok, "converged (continuation in lambda)" if ok else "residual above tolerance"
    return (*best, "residual above tolerance")


# continuation in lambda: from lambda x 10^4 down in half decades (a decade lost the path on keep easy at theta = 0
# with flips, where V changes fast with lambda)
CONTINUATION_DECADES = (4.0, 3.5, 3.0, 2.5, 2.0, 1.5, 1.0, 0.5, 0.0)

# soft-loss starts for a constraint: small ridges first; the large ones last, for kept data whose margins are met at a
# large ridge already (keep easy at small f and large alpha_prune: the hinge at L = 1 is the max-margin student there)
LIMIT_RIDGES = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-2, 1e-1, 1.0, 10.0)


def _soft_start(problem: StructuredProblem, ridge: float, x0, tol: float):
    """The soft loss of ``problem``'s constraint (hinge for the margin, square for the interpolation:
    :data:`theory.convex.SOFT_LOSS`) at ridge ``ridge`` on the same case: (x, residual, accepted)."""
    soft = convex.SOFT_LOSS[problem.loss.ridgeless_limit]
    sub = StructuredProblem(replace(problem.params, learner=f"{soft}:{ridge!r}"), scaled=problem.cz_scale != 1.0)
    if soft == "square":
        x = square_fixed_point(sub)
        res, ok = convex._accept(sub, x, tol)
        if not ok:
            x, res, ok = convex._newton(sub, x if np.all(np.isfinite(x)) else sub.guess(), tol)
    else:
        x, res, ok, _ = _solve(sub, x0, tol)
    problem.nfev += sub.nfev
    return x, res, ok


def _solve_limit(problem: StructuredProblem, tol: float):
    """A constraint at ridge 1 (the margin constraint: the max-margin student; the interpolation constraint: the
    minimum-norm interpolator): Newton from the soft loss at a small ridge L with V' = L V
    (:func:`theory.convex._limit_start`); L = 1e-3, then smaller (each soft solution warm-started from the last,
    ln V + ln 10: where the kept margins are small, as for keep hard at small f, the hinge reaches the limit's basin
    only at small L), then 1e-2 and 1e-1 (in units of the kept probe field's scale squared when ``problem`` is
    scaled, as :func:`theory.convex._limit_start`). Returns (x, residual, accepted, message); where no start leads
    to the constraint's fixed point, the constraint's unknowns with the lowest residual reached (NaN if no soft start
    converged), that residual, and a message that says which."""
    x_prev = None
    best = (None, math.inf)
    unit = problem.cz_scale**2  # 1 unless scaled
    for ridge in LIMIT_RIDGES:
        start = None
        if x_prev is not None and ridge < 1e-3:
            start = np.array(x_prev, dtype=float)
            start[-1] += math.log(10.0)
        x, res, ok = _soft_start(problem, ridge * unit, start, tol)
        if not ok:
            x_prev = None
            continue
        x_prev = x
        cz, cw, sigma, V = problem.unpack(x)  # the soft problem's unknowns: the same packing (and scale)
        got = convex._newton(problem, problem.pack(cz, cw, sigma, ridge * unit * V), tol)
        if got[2]:
            return (*got, "converged")
        if got[1] < best[1]:
            best = (got[0], got[1])
    if best[0] is None:
        soft = convex.SOFT_LOSS[problem.loss.ridgeless_limit]
        return (np.full(problem.n_c + 2, math.nan), math.inf, False,
                f"no start: the {soft} loss did not converge at any ridge of {LIMIT_RIDGES}"
                + (f" x {unit:.3g}" if unit != 1.0 else ""))
    return best[0], best[1], False, "residual above tolerance (from the soft-loss starts)"


def _solve_constraint(params, limit: str, tol: float):
    """(problem, x, residual, accepted, message) of a constraint (``limit``: ``max-margin`` or ``min-norm``) at ridge
    1 by :func:`_solve_limit`; where that fails, again with c_z in units of the kept probe field's scale (keep easy at
    small f, where the kept |z| are large, and keep hard at small f, where they are small: the soft starts then
    converge as on isotropic data, :func:`theory.convex.solve_convex`)."""
    from theory.losses.constraints import LIMITS

    problem = StructuredProblem(params, loss=LIMITS[limit], lam=1.0)
    x, res, ok, message = _solve_limit(problem, tol)
    if not ok and abs(problem.measure.z_scale - 1.0) > 1e-3:
        scaled = StructuredProblem(params, loss=LIMITS[limit], lam=1.0, scaled=True)
        got = _solve_limit(scaled, tol)
        problem.nfev += scaled.nfev
        if got[2] or got[1] < res:
            x = problem.pack(*scaled.unpack(got[0])) if np.all(np.isfinite(got[0])) else got[0]  # plain unknowns
            return problem, x, got[1], got[2], got[3] + " (c_z in units of the kept field's scale)"
    return problem, x, res, ok, message


def solve_structured_convex(params, *, x0=None, tol: float = convex.DEFAULT_TOL) -> PointResult:
    """A convex learner on a case: :class:`StructuredProblem` solved as the isotropic route solves its problem
    (square loss: :func:`solve_square`)."""
    if params.learner.kind == "square":
        return solve_square(params, tol=tol)
    problem = StructuredProblem(params)
    x, res, ok, message = _solve(problem, x0, tol)
    if not ok and abs(problem.measure.z_scale - 1.0) > 1e-3:
        # again with c_z in units of the kept probe field's scale (as theory.convex.solve_convex): its cold guess puts
        # the kept fields c_z z at O(1) (keep easy at small f: |z| >= 3, where the plain guess meets every margin)
        scaled = StructuredProblem(params, scaled=True)
        got = _solve(scaled, None, tol)
        problem.nfev += scaled.nfev
        if got[2] or got[1] < res:
            x, res, ok = problem.pack(*scaled.unpack(got[0])), got[1], got[2]  # q in the plain unknowns (a warm start)
            message = got[3] + " (c_z in units of the kept field's scale)"
    return _convex_result(problem, x, res, ok, message)


def solve_max_margin(params, *, x0=None, tol: float = convex.DEFAULT_TOL) -> PointResult:
    """The max-margin student on a case, directly: the margin constraint of :mod:`theory.losses.constraints` at ridge 1
    (with a hard constraint the ridge only scales the objective), started from the structured hinge. Order
    parameters as :func:`solve_max_margin_hinge_limit`."""
    problem, x, res, ok, message = _solve_constraint(params, "max-margin", tol)
    out = convex._result(problem, x, res, ok, message)
    norm = problem.norm_euclid(x) if x is not None and np.all(np.isfinite(x)) else math.nan
    cz, cw, sigma = out.order.c_z, out.order.c_w, out.order.sigma
    order = MaxMarginOrder(kappa=1.0 / norm if norm > 0 else math.nan, chi=math.atan2(sigma, math.hypot(cz, cw)),
                           beta=math.atan2(cw, cz),
                           method="margin-constraint", fallback=False)
    return replace(out, route="structured", order=order)


def solve_max_margin_hinge_limit(params, *, x0=None, tol: float = convex.DEFAULT_TOL) -> PointResult:
    """The max-margin student on a case, as the hinge loss's limit (a check of :func:`solve_max_margin`): hinge:L for
    L = 1e-2, 1e-3, ... (each solution
    the next start, ln V shifted by ln 10), until eps moves by less than ``MM_RTOL`` (relative) from one L to the
    next (the limit is reached up to a Gaussian tail: ``docs/theory.md`` 8). Order parameters: kappa = 1 / |u| (the
    unit student's margin, |u| Euclidean), chi (out of the (a, b) plane: tan chi = sigma / |c|), beta (the in-plane
    angle from the probe)."""
    x = None
    prev = None
    nfev = 0
    out = None
    converged = False
    for lam in MM_RIDGES:
        sub = replace(params, learner=f"hinge:{lam!r}")
        if x is not None:
            x = np.array(x, dtype=float)
            x[-1] += math.log(10.0)
        problem = StructuredProblem(sub)
        xs, res, ok, message = _solve(problem, x, tol)
        out = _convex_result(problem, xs, res, ok, message)
        nfev += out.nfev
        if not out.success:
            break
        x = np.asarray(out.q, dtype=float)
        if prev is not None and abs(out.eps - prev) <= MM_RTOL * max(out.eps, 1e-300):
            converged = True
            break
        prev = out.eps
    if out is None or not out.success or not converged:
        message = "hinge limit not reached" if out is not None and out.success else "residual above tolerance"
        ok = False
    else:
        message, ok = f"converged (hinge limit, L = {lam:g})", True
    problem = StructuredProblem(replace(params, learner=f"hinge:{lam!r}"))
    xq = np.asarray(out.q, dtype=float)
    norm = problem.norm_euclid(xq) if np.all(np.isfinite(xq)) else math.nan
    cz, cw, sigma = out.order.c_z, out.order.c_w, out.order.sigma
    order = MaxMarginOrder(kappa=1.0 / norm, chi=math.atan2(sigma, math.hypot(cz, cw)), beta=math.atan2(cw, cz),
                           method="hinge-limit", fallback=False)
    return PointResult(params=params, eps=out.eps, R=out.R, rho=out.rho, success=ok, status=0 if ok else 1,
                       message=message, residual=out.residual, nfev=nfev, route="structured", order=order,
                       q=out.q)


def solve_structured(params, *, x0=None, tol: float = convex.DEFAULT_TOL) -> PointResult:
    """The theory at a point whose data model is a Gaussian covariate case (``params.data``), any learner."""
    if params.learner.is_max_margin:
        return solve_max_margin(params, tol=tol)
    if params.learner.lam == 0.0:  # the ridgeless limit (a warm start x0 is not used: its unknowns change at the line)
        return solve_structured_ridgeless(params, tol=tol)
    return solve_structured_convex(params, x0=x0, tol=tol)


def structured_refusal(params) -> str | None:
    """Why the structured route cannot answer ``params``, or None: the max-margin student on noisy labels beyond the
    separability line of noisy kept data (separability is invariant under x -> Sigma^(-1/2) x: the isotropic line
    applies); the ridgeless square loss at the interpolation threshold alpha_prune = 1."""
    if params.learner.is_max_margin and not params.labels.is_clean:
        from theory.convex import limit_exists
        from theory.separability import max_margin_refusal

        if not limit_exists(params, "max-margin"):
            return max_margin_refusal(params)
    if params.learner.lam == 0.0 and params.learner.kind == "square" and params.alpha_prune == 1.0:
        return (f"learner {params.learner} at alpha_prune = 1: the interpolation threshold, where the norm of the "
                f"minimum-norm interpolator and of least squares diverges and eps tends to 1/2 (no fixed point)")
    try:
        geometry_of(params)
    except ValueError as exc:
        return str(exc)
    return None


__all__ = ["Prior", "StructuredProblem", "solve_structured", "solve_square", "solve_max_margin",
           "solve_structured_ridgeless", "kept_second_moments", "square_fixed_point", "min_norm_fixed_point",
           "least_squares_fixed_point", "ridgeless_norm", "student_error", "Learner"]
