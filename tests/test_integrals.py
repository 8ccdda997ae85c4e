import math

import numpy as np
import pytest
from scipy import integrate, stats

from theory.integrals import GL_W, GL_X, MASS, g, g_sigma, g_u, window_moments
from theory.model import Params
from theory.saddle import Problem, free_energy_terms


def _g_quad(u, sigma, power=2, weight=lambda xi: 1.0):
    f = lambda xi: max(u + sigma * xi, 0.0) ** power * weight(xi) * stats.norm.pdf(xi)  # noqa: E731
    lo = -u / sigma
    return integrate.quad(f, lo, lo + 40, epsabs=0, epsrel=1e-12)[0]


@pytest.mark.parametrize("u, sigma", [(0.3, 1.0), (-0.7, 0.4), (2.5, 0.1), (-1e-3, 2e-3), (1e-9, 1e-9)])
def test_g_and_derivatives_against_quadrature(u, sigma):
    # g = E[(u + sigma xi)_+^2], g_u = E[2 (u + sigma xi)_+], g_sigma = E[2 (u + sigma xi)_+ xi]
    assert g(u, sigma) == pytest.approx(_g_quad(u, sigma), rel=1e-9)
    assert g_u(u, sigma) == pytest.approx(2 * _g_quad(u, sigma, power=1), rel=1e-9)
    assert g_sigma(u, sigma) == pytest.approx(2 * _g_quad(u, sigma, power=1, weight=lambda xi: xi), rel=1e-9)


POINTS = [  # (Params, chi, beta, kappa)
    (Params(2.0, 0.3, "hard", 10.0), 0.4, 0.12, 0.3),
    (Params(2.0, 0.1, "easy", 20.0), 0.7, 0.5, 1.2),
    (Params(4.0, 0.5, "hard", 30.0), 0.2, 0.6, 0.1),
]


@pytest.mark.parametrize("params, chi, beta, kappa", POINTS)
def test_window_expectation_against_monte_carlo(params, chi, beta, kappa):
    """E_K[g(kappa - sign(t) (a t + b z), sqrt(1 - s))] from random (t, z, xi) samples.

    Samples (t, z) with cov cos(theta), keeps z in K, and averages (kappa - sign(t) lambda_par + sigma xi)_+^2
    over xi, with lambda_par = c . (z, w) the student's in-plane field. 4e6 samples: the standard error is
    ~1e-3 relative; the assertion allows 5 standard errors.
    """
    rng = np.random.default_rng(1)
    theta = params.probe_angle
    n = 4_000_000
    z = rng.standard_normal(n)
    w = rng.standard_normal(n)
    t = math.cos(theta) * z + math.sin(theta) * w
    gamma = params.gamma
    kept = np.abs(z) < gamma if params.keep == "hard" else np.abs(z) > gamma
    r, sigma = math.cos(chi), math.sin(chi)
    lam_par = r * (math.cos(beta) * z + math.sin(beta) * w)
    xi = rng.standard_normal(n)
    sample = np.maximum(kappa - np.sign(t) * lam_par + sigma * xi, 0.0) ** 2 * kept / params.keep_fraction
    mc, se = sample.mean(), sample.std() / math.sqrt(n)
    problem = Problem.from_params(params)
    value, _, _ = free_energy_terms(problem, chi, beta, kappa)
    th = (value + sigma**2) / params.alpha_prune
    assert abs(th - mc) < 5 * se, (th, mc, se)


@pytest.mark.parametrize("params, chi, beta, kappa", POINTS)
def test_window_expectation_against_adaptive_2d_quadrature(params, chi, beta, kappa):
    """The same expectation by scipy's adaptive quadrature in (z, w), split at t = 0: rtol 1e-7."""
    theta = params.probe_angle
    r, sigma = math.cos(chi), math.sin(chi)
    gamma = params.gamma
    z_ranges = [(0, gamma)] if params.keep == "hard" else [(gamma, 12)]

    def inner(z, sign):
        w0 = -z / math.tan(theta)  # t = 0
        lo, hi = (w0, 12) if sign > 0 else (-12, w0)
        def f(w):
            return stats.norm.pdf(w) * g(kappa - sign * r * (math.cos(beta) * z + math.sin(beta) * w), sigma)

        return integrate.quad(f, lo, hi, epsabs=1e-14, epsrel=1e-11, limit=200)[0]

    total = 0.0
    for lo, hi in z_ranges:
        for sign in (1, -1):
            total += integrate.quad(lambda z, s=sign: stats.norm.pdf(z) * inner(z, s), lo, hi,
                                    epsabs=1e-14, epsrel=1e-11, limit=200)[0]
    ref = 2 * total / params.keep_fraction
    problem = Problem.from_params(params)
    value, _, _ = free_energy_terms(problem, chi, beta, kappa)
    assert (value + sigma**2) / params.alpha_prune == pytest.approx(ref, rel=1e-7)


@pytest.mark.parametrize("params, chi, beta, kappa", POINTS + [
    (Params(3.0, 1e-6, "hard", 0.0), 2e-6, 0.0, 1e-6),
    (Params(0.5, 0.05, "easy", 0.0), 1.2, 0.0, 2.0),
    (Params(200.0, 1.0, "hard", 0.0), 0.0079, 0.0, 0.005),
])
def test_quadrature_converged(params, chi, beta, kappa):
    """Default rule (16-point GL, panel width <= 1.5) against 32 points and width 0.3: rtol 1e-12."""
    problem = Problem.from_params(params)
    x32, w32 = np.polynomial.legendre.leggauss(32)
    base = window_moments(problem.theta, beta, math.cos(chi), math.sin(chi), kappa, problem.windows,
                          problem.norm, GL_X, GL_W, 1.5)
    fine = window_moments(problem.theta, beta, math.cos(chi), math.sin(chi), kappa, problem.windows,
                          problem.norm, x32, w32, 0.3)
    scale = np.abs(fine).max()
    np.testing.assert_allclose(base, fine, rtol=1e-12, atol=1e-13 * scale)


@pytest.mark.parametrize("f, keep", [(0.3, "hard"), (0.05, "easy"), (1.0, "hard")])
@pytest.mark.parametrize("theta_deg", [0.0, 15.0])
def test_kept_mass_is_one(f, keep, theta_deg):
    """With a student orthogonal to the plane (r = 0) nothing is dropped: E_K[1] = 1."""
    problem = Problem.from_params(Params(1.0, f, keep, theta_deg))
    mo = window_moments(problem.theta, 0.3, 0.0, 1.0, 0.5, problem.windows, problem.norm, GL_X, GL_W, 1.5)
    assert mo[MASS] == pytest.approx(1.0, rel=1e-12)
