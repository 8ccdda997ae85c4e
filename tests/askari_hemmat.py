r"""An independent implementation of Askari-Hemmat et al. (arXiv 2502.15588, section 4, Theorem 1, Lemmas 1-2).

Their model: x ~ N(0, I_d), y = sign(w0 . x), a pool of n examples, the student

    w_hat = argmin_w (1/n) sum_i q_i (w . x_i - y_i)^2 / 2 + (lam / 2) |w|^2
          = (X^T D X / n + lam I)^{-1} X^T D Y / n,        D = diag(q_i),  q_i = q(x_i . w_s),

with |w0| = |w_s| = 1, rho = w_s . w0 = cos(theta), p = E q, d / n -> phi. The keep-hard rule is
q(t) = 1[|t| <= xi] (Lemma 1), keep-easy q(t) = 1[|t| > xi] (Lemma 2).

The scalars (their eq. 15-17; G ~ N(0, 1), pdf / cdf its density / distribution function):

    tau = rho / sqrt(1 - rho^2),  gamma = E[q(G) G^2],
    beta = 2 E[q(G) pdf(tau G)],  beta_t = 2 E[q(G) cdf(tau G) G],
    m(z) = (p - phi - z - sqrt((p - phi - z)^2 - 4 phi z)) / (2 phi z),   z = -lam,
    s(z) = gamma / (1 + phi m(z)),  m_t(z) = 1 / (s(z) - z).

Nothing here imports the project's ``theory`` package: the tests compare this module against it.

The corrected reading of Theorem 1 (derivation in docs/theory.md, section 8, "Askari-Hemmat et al.'s
Theorem 1 as a check"): with delta = phi m the leave-one-out factor, c = E[q y x] = beta_t w_s + beta v
(v the unit part of w0 orthogonal to w_s), R_bar = m Pi_perp + m_t Pi (Pi the projector on w_s),

    w_hat . w0 = (omega m + omega_t m_t) / (1 + delta),   omega = sqrt(1 - rho^2) beta,  omega_t = rho beta_t,
    |w_hat|^2 = (p phi m' + r2' - 2 phi m' r2 / (1 + delta)) / (1 + delta)^2,  r2 = beta^2 m + beta_t^2 m_t,

(primes: d/dz) and the exact test error is arccos(w_hat . w0 / |w_hat|) / pi. The printed Theorem 1 uses
r = omega^2 m + omega_t^2 m_t in both m_0 and nu_0 (:func:`printed_theorem_error`); its own proof (appendix
B.2) has omega, omega_t linear in m_0 and beta, beta_t in r.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
PDF0 = 1.0 / math.sqrt(2.0 * math.pi)


def pdf(x):
    return np.exp(-0.5 * np.square(x)) / math.sqrt(2.0 * math.pi)


def threshold(p: float, keep: str) -> float:
    """xi with P(|G| <= xi) = p (keep hard) or P(|G| > xi) = p (keep easy)."""
    if keep == "hard":
        return float(ndtri(0.5 + 0.5 * p))
    if keep == "easy":
        return float(ndtri(1.0 - 0.5 * p))
    raise ValueError(f"keep must be 'hard' or 'easy', got {keep!r}")


@dataclass(frozen=True)
class Scalars:
    """rho, tau, gamma, beta, beta_t and p of one rule (their eq. 15, Lemmas 1-2)."""

    p: float
    rho: float
    tau: float
    gamma: float
    beta: float
    beta_t: float


def lemma_scalars(p: float, keep: str, theta_deg: float) -> Scalars:
    """The closed forms of Lemma 1 (keep hard) and Lemma 2 (keep easy), alpha = xi since |w_s| = 1.

    Lemma 1: beta_t = 2 (rho pdf(0) eps1 - pdf(xi) eps2), beta = 2 pdf(0) sqrt(1 - rho^2) eps1,
    eps1 = 2 cdf(xi / sqrt(1 - rho^2)) - 1, eps2 = 2 cdf(tau xi) - 1. Lemma 2: eps1 = 2 (1 - cdf(xi / sqrt(1 - rho^2))),
    beta_t = 2 (rho pdf(0) eps1 + pdf(xi) eps2). gamma (not in the lemmas): E[1(|G| <= xi) G^2] = p_hard - 2 xi pdf(xi).
    """
    rho = math.cos(math.radians(theta_deg))
    sin = math.sin(math.radians(theta_deg))
    tau = rho / sin if sin > 0 else math.inf
    xi = threshold(p, keep)
    e_arg = xi / sin if sin > 0 else math.inf
    eps2 = 2.0 * ndtr(tau * xi) - 1.0 if math.isfinite(tau) else 1.0
    xi_pdf = xi * pdf(xi) if math.isfinite(xi) else 0.0  # p = 1 keep hard: xi = inf
    gamma_hard = (2.0 * ndtr(xi) - 1.0) - 2.0 * xi_pdf
    if keep == "hard":
        eps1 = 2.0 * ndtr(e_arg) - 1.0
        beta_t = 2.0 * (rho * PDF0 * eps1 - (pdf(xi) * eps2 if math.isfinite(xi) else 0.0))
        gamma = gamma_hard
    else:
        eps1 = 2.0 * ndtr(-e_arg)
        beta_t = 2.0 * (rho * PDF0 * eps1 + pdf(xi) * eps2)
        gamma = 1.0 - gamma_hard
    beta = 2.0 * PDF0 * sin * eps1
    return Scalars(p=float(p), rho=rho, tau=tau, gamma=float(gamma), beta=float(beta), beta_t=float(beta_t))


def quadrature_scalars(p: float, keep: str, theta_deg: float, nodes: int = 200) -> Scalars:
    """The same scalars from their definitions (eq. 15) by Gauss-Legendre quadrature over the kept window(s)."""
    rho = math.cos(math.radians(theta_deg))
    sin = math.sin(math.radians(theta_deg))
    tau = rho / sin if sin > 0 else math.inf
    xi = threshold(p, keep)
    x, wq = np.polynomial.legendre.leggauss(nodes)
    if keep == "hard":
        pieces = [(0.0, min(xi, 40.0))]
    else:
        pieces = [(xi, xi + 4.0), (xi + 4.0, xi + 40.0)]
    acc = np.zeros(4)
    for a, b in pieces:  # the positive half; q is even, so each integrand below is even and doubled
        g = 0.5 * (b - a) * x + 0.5 * (b + a)
        w = 0.5 * (b - a) * wq * pdf(g)
        cdf_tau = ndtr(tau * g) if math.isfinite(tau) else np.ones_like(g)
        pdf_tau = pdf(tau * g) if math.isfinite(tau) else np.zeros_like(g)
        acc += 2.0 * np.array([w.sum(), (w * g * g).sum(), 2.0 * (w * pdf_tau).sum(),
                               (w * g * (2.0 * cdf_tau - 1.0)).sum()])
    # E[q G cdf(tau G)] over the symmetric window is E[q G (cdf(tau G) - 1/2)], hence the 2 cdf - 1 above
    return Scalars(p=float(acc[0]), rho=rho, tau=tau, gamma=float(acc[1]), beta=float(acc[2]), beta_t=float(acc[3]))


def stieltjes(z: float, p: float, phi: float) -> tuple[float, float]:
    """m(z) of their eq. (16) and m'(z), for z < 0, without cancellation.

    m = 1 / (t - z) with t = p / (1 + phi m) (their Lemma 3); the root of eq. (16) is written as
    2 / (a + sqrt(D)) when a = p - phi - z > 0 and as (a - sqrt(D)) / (2 phi z) otherwise (D = a^2 - 4 phi z).
    m' from differentiating 1/m = p / (1 + phi m) - z.
    """
    if not z < 0:
        raise ValueError("z = -lam must be negative")
    a = p - phi - z
    sq = math.sqrt(a * a - 4.0 * phi * z)
    m = 2.0 / (a + sq) if a > 0 else (a - sq) / (2.0 * phi * z)
    dm = 1.0 / (1.0 / m**2 - p * phi / (1.0 + phi * m) ** 2)
    return m, dm


@dataclass(frozen=True)
class Prediction:
    """The corrected Theorem 1 at one point: overlaps, norm and the exact and Gaussian-margin errors."""

    overlap: float  # w_hat . w0
    norm2: float  # |w_hat|^2
    m: float
    m_t: float
    delta: float

    @property
    def R(self) -> float:
        return self.overlap / math.sqrt(self.norm2)

    @property
    def eps(self) -> float:
        """The exact test error arccos(R) / pi (x is Gaussian, so the angle decides)."""
        return math.acos(max(-1.0, min(1.0, self.R))) / math.pi

    @property
    def eps_gaussian_margin(self) -> float:
        """Their stated form Phi(-m_0 / sqrt(nu_0 - m_0^2)) with the corrected m_0, nu_0."""
        return gaussian_margin_error(self.R)


def gaussian_margin_error(R: float) -> float:
    """Phi(-m_0 / sqrt(nu_0 - m_0^2)) with m_0 = sqrt(2/pi) w.w0, nu_0 = |w|^2: a function of R alone."""
    return float(ndtr(-SQRT_2_OVER_PI * R / math.sqrt(1.0 - 2.0 * R * R / math.pi)))


def predict(phi: float, lam: float, sc: Scalars) -> Prediction:
    """The corrected Theorem 1 (module docstring) at d/n = phi, ridge lam (their normalisation)."""
    z = -lam
    p = sc.p
    m, dm = stieltjes(z, p, phi)
    delta = phi * m
    s = sc.gamma / (1.0 + delta)
    ds = -sc.gamma * phi * dm / (1.0 + delta) ** 2
    mt = 1.0 / (s - z)
    dmt = (1.0 - ds) * mt * mt
    omega = math.sqrt(max(0.0, 1.0 - sc.rho**2)) * sc.beta
    omega_t = sc.rho * sc.beta_t
    r2 = sc.beta**2 * m + sc.beta_t**2 * mt
    dr2 = sc.beta**2 * dm + sc.beta_t**2 * dmt
    nu0 = p * phi * dm + dr2 - 2.0 * phi * dm * r2 / (1.0 + delta)
    overlap = (omega * m + omega_t * mt) / (1.0 + delta)
    return Prediction(overlap=overlap, norm2=nu0 / (1.0 + delta) ** 2, m=m, m_t=mt, delta=delta)


def printed_theorem_error(phi: float, lam: float, sc: Scalars) -> float:
    """Theorem 1 read literally: r = omega^2 m + omega_t^2 m_t (eq. 18-19) in m_0 and in nu_0."""
    z = -lam
    m, dm = stieltjes(z, sc.p, phi)
    s = sc.gamma / (1.0 + phi * m)
    ds = -sc.gamma * phi * dm / (1.0 + phi * m) ** 2
    mt = 1.0 / (s - z)
    dmt = (1.0 - ds) * mt * mt
    omega = math.sqrt(max(0.0, 1.0 - sc.rho**2)) * sc.beta
    omega_t = sc.rho * sc.beta_t
    r = omega**2 * m + omega_t**2 * mt
    dr = omega**2 * dm + omega_t**2 * dmt
    m0 = SQRT_2_OVER_PI * r
    nu0 = sc.p * phi * dm + dr - 2.0 * phi * dm * r / (1.0 + phi * m)
    return float(ndtr(-m0 / math.sqrt(nu0 - m0 * m0)))


def ridge_curve_eps(phi: float, lam: float) -> float:
    """No pruning (p = 1): the test error of plain ridge regression on sign labels (:func:`ridge_curve_overlaps`)."""
    overlap, norm2 = ridge_curve_overlaps(phi, lam)
    return math.acos(overlap / math.sqrt(norm2)) / math.pi


def ridge_curve_overlaps(phi: float, lam: float) -> tuple[float, float]:
    """w_hat . w0 and |w_hat|^2 for plain ridge on y = a w0.x + e, a = sqrt(2/pi), Var e = 1 - 2/pi.

    A derivation that does not use Theorem 1: sign labels are, for ridge on Gaussian inputs, equivalent to a
    linear teacher plus independent noise (e = y - a w0.x is uncorrelated with x). With S = X^T X / n and
    R = (S + lam)^{-1}: w_hat = a R S w0 + R X^T e / n, so
    w_hat . w0 = a (1 - lam tr R / d) and |w_hat|^2 = a^2 (1 - 2 lam tr R/d + lam^2 tr R^2/d)
    + (1 - a^2) (tr R/n - lam tr R^2/n), with tr R / d -> m(-lam) and tr R^2 / d -> m'(-lam) (p = 1).
    """
    m, dm = stieltjes(-lam, 1.0, phi)
    a2 = 2.0 / math.pi
    overlap = math.sqrt(a2) * (1.0 - lam * m)
    norm2 = a2 * (1.0 - 2.0 * lam * m + lam * lam * dm) + (1.0 - a2) * phi * (m - lam * dm)
    return overlap, norm2


# ---- Monte Carlo of their closed form on sampled data -------------------------------------------------------
def sample_fit(d: int, phi: float, p: float, keep: str, theta_deg: float, lam: float,
               rng: np.random.Generator) -> tuple[float, float]:
    """One draw: a pool of n = round(d / phi) examples, kept by q(x . w_s), w_hat from their eq. (12).

    Returns (w_hat . w0, |w_hat|^2). Coordinates: w_s = e_1, w0 = rho e_1 + sin(theta) e_2; the kept x are
    exactly the pool's kept x: x . w_s for the whole pool, then the d - 1 other coordinates (independent of
    selection) for the kept rows only.
    """
    n = int(round(d / phi))
    rho = math.cos(math.radians(theta_deg))
    sin = math.sin(math.radians(theta_deg))
    xi = threshold(p, keep)
    g1 = rng.standard_normal(n)
    kept = np.abs(g1) <= xi if keep == "hard" else np.abs(g1) > xi
    g1 = g1[kept]
    k = g1.size
    X = np.empty((k, d))
    X[:, 0] = g1
    X[:, 1:] = rng.standard_normal((k, d - 1))
    y = np.sign(rho * X[:, 0] + sin * X[:, 1])
    A = X.T @ X / n
    A[np.diag_indices_from(A)] += lam
    w = np.linalg.solve(A, X.T @ y / n)
    return rho * w[0] + sin * w[1], float(w @ w)
