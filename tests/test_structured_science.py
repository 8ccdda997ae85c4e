"""Claims of the structured-data figure (figures/structured_data.py, docs/theory.md 10, README): for power-law
spectra, power:a,b,N (eigenvalues ~ k^-a, teacher power per mode ~ k^-b), the unpruned error is the spectrum's
power law eps ~ P^-nu with nu set by b, and pruning with a good probe beats it.

Every exponent is the least-squares slope of ln eps on ln alpha over alpha = P/N in FIT_RANGE = [0.01, 1] at
N = 10^4 (P = 100 ... 10^4, where eps depends on P only: checked against N = 10^5). The tolerances are the measured
values' distance to the stated number plus a margin, and say which way the finite range pulls (the measured numbers
are in each test's docstring).
"""

from __future__ import annotations

import numpy as np
import pytest

from figures.structured_data import (
    FIT_RANGE,
    convex_frontier_eps,
    fit_exponent,
    frontier_eps,
    predicted_exponent,
    unpruned_eps,
)
from theory.covariance import Case

FIT_ALPHAS = np.geomspace(*FIT_RANGE, 5)


@pytest.fixture(scope="module")
def case():
    return Case.power(1.5, 2.0, 10_000)


@pytest.fixture(scope="module")
def unpruned(case):
    return {learner: np.array([unpruned_eps(learner, a, case)[0] for a in FIT_ALPHAS])
            for learner in ("max-margin", "logistic", "square")}


def test_unpruned_exponents_power_1_5_2(unpruned):
    """power:1.5,2,1e4: max-margin nu = 0.3295, logistic at its best ridge 0.3340 (both predicted 1/3 = (b-1)/(b+1)),
    square at its best ridge 0.2574 (predicted 1/4 = (b-1)/(2b); the local slope falls to 0.252 at P = 1e4-1e5,
    N = 1e5: the finite range pulls it up)."""
    nu = {k: fit_exponent(FIT_ALPHAS, v) for k, v in unpruned.items()}
    assert abs(nu["max-margin"] - 1 / 3) < 0.01
    assert abs(nu["logistic"] - 1 / 3) < 0.01
    assert 0.25 - 0.002 < nu["square"] < 0.25 + 0.012
    # logistic at its best ridge beats max-margin by a constant factor (0.97), square is worse (1.10 -> 1.54)
    assert np.all(unpruned["logistic"] < unpruned["max-margin"]) and np.all(unpruned["square"] > unpruned["max-margin"])


def test_error_depends_on_p_only_below_n(case):
    """eps at the same number of examples P at N = 1e4 and 1e5: max-margin within 0.3 % for P = 100 ... 1e4
    (measured 0.15 % at P = 100, 0.3 % at P = 1e4): the spectrum law is a law in P, not in alpha."""
    big = Case.power(1.5, 2.0, 100_000)
    for alpha in (0.01, 1.0):
        e_small = unpruned_eps("max-margin", alpha, case)[0]
        e_big = unpruned_eps("max-margin", alpha / 10, big)[0]
        assert abs(e_small / e_big - 1) < 0.006, (alpha, e_small, e_big)


@pytest.mark.parametrize("a", [1.5, 2.0, 3.0])
def test_exponent_set_by_b_not_a(a):
    """b = 2 at a = 1.5, 2, 3: max-margin 0.3295 / 0.3343 / 0.3343, logistic 0.3340 / 0.3353 / 0.3348, square
    0.2574 / 0.2580 / 0.2578: nu depends on b alone, as both predictions say (valid for b <= 1 + a)."""
    c = Case.power(a, 2.0, 10_000)
    for learner, tol in (("max-margin", 0.01), ("logistic", 0.01), ("square", 0.012)):
        nu = fit_exponent(FIT_ALPHAS, [unpruned_eps(learner, x, c)[0] for x in FIT_ALPHAS])
        assert abs(nu - predicted_exponent(learner, a, 2.0)) < tol, (learner, nu)


@pytest.mark.parametrize("a, b", [(1.5, 1.5), (1.5, 2.5), (2.0, 3.0), (3.0, 4.0)])
def test_exponent_follows_b_within_finite_range_corrections(a, b):
    """Other b: measured (max-margin, square) at N = 1e4 over FIT_RANGE vs predicted (b-1)/(b+1), (b-1)/(2b):
    1.5,1.5: 0.229, 0.198 vs 0.200, 0.167 (above); 1.5,2.5: 0.399, 0.298 vs 0.429, 0.300; 2,3: 0.473, 0.330 vs
    0.500, 0.333; 3,4: 0.573, 0.367 vs 0.600, 0.375. Max-margin approaches from below slowly for b > 2 (2,3 at
    N = 1e5: 0.468, 0.478, 0.482 over P in [1e2, 1e3], [1e3, 1e4], [1e4, 1e5]); b = 1.5 sits 0.01-0.03 above.
    Tolerance 0.035, and the ordering of the exponents in b is strict."""
    c = Case.power(a, b, 10_000)
    for learner in ("max-margin", "square"):
        nu = fit_exponent(FIT_ALPHAS, [unpruned_eps(learner, x, c)[0] for x in FIT_ALPHAS])
        assert abs(nu - predicted_exponent(learner, a, b)) < 0.035, (learner, nu)


def test_perfect_probe_keep_hard_beats_the_power_law(case, unpruned):
    """theta = 0, keep hard, max-margin frontier (f >= 1e-3): nu = 0.516 over FIT_RANGE (9-point grid of the figure;
    0.51 on these 5 points) against the unpruned 0.3295, the local exponent rising (0.48 -> 0.59): faster than any
    power law of the spectrum; eps*/eps_unpruned = 0.33 at alpha_prune = 1 (P_kept = N), f_opt = 0.026."""
    front = np.array([frontier_eps(a, 0.0, "hard", case) for a in FIT_ALPHAS])
    nu = fit_exponent(FIT_ALPHAS, front[:, 0])
    assert 0.47 < nu < 0.56, nu
    assert nu > fit_exponent(FIT_ALPHAS, unpruned["max-margin"]) + 0.13
    assert front[-1, 0] / unpruned["max-margin"][-1] < 0.36 and front[-1, 1] < 0.05
    # the local exponent grows along the range: the first half is flatter than the second
    half = FIT_ALPHAS.size // 2
    assert fit_exponent(FIT_ALPHAS[:half + 1], front[:half + 1, 0]) < fit_exponent(FIT_ALPHAS[half:], front[half:, 0])


def test_noisy_probe_keep_hard_exponent(case, unpruned):
    """theta = 10 degrees, keep hard, max-margin frontier: nu = 0.386 over FIT_RANGE against 0.3295 unpruned (a
    modest change of exponent; f_opt still falling, 0.42 -> 0.18, so whether it is asymptotic is open);
    eps*/eps_unpruned = 0.63 at alpha_prune = 1. Keep easy at theta = 10 keeps everything (f_opt = 1) for
    alpha_prune >= 0.03. (3-8 s.)"""
    front = np.array([frontier_eps(a, 10.0, "hard", case) for a in FIT_ALPHAS])
    nu = fit_exponent(FIT_ALPHAS, front[:, 0])
    assert 0.36 < nu < 0.41, nu
    assert 0.58 < front[-1, 0] / unpruned["max-margin"][-1] < 0.68
    eps_easy, f_easy = frontier_eps(0.1, 10.0, "easy", case)
    assert f_easy == 1.0 and eps_easy == pytest.approx(unpruned["max-margin"][2], rel=1e-6)


def _convex_front(case, learner: str, theta: float) -> np.ndarray:
    """eps* of ``learner`` (ridge optimised with f) keep hard on FIT_ALPHAS."""
    return np.array([convex_frontier_eps(a, theta, "hard", learner, case)[0] for a in FIT_ALPHAS])


def test_perfect_probe_keep_hard_beats_the_power_law_for_every_learner(case, unpruned):
    """theta = 0, keep hard, ridge and f optimised together (f >= 1e-3): logistic nu = 0.520 (unpruned 0.334), square
    nu = 0.542 (unpruned 0.257; its point at alpha_prune = 1 is on the floor f = 1e-3, where eps* ~ f: the floor
    steepens the fit), against max-margin's 0.516. eps*/eps_unpruned (each learner's own) at alpha_prune = 1: logistic
    0.338 (eps* = 0.00647, below max-margin's 0.00664), square 0.178 (0.00553, the lowest of the three, on the
    floor). Pruning raises every learner's exponent by at least 0.18. (10 s.)"""
    front = {learner: _convex_front(case, learner, 0.0) for learner in ("logistic", "square")}
    nu = {k: fit_exponent(FIT_ALPHAS, v) for k, v in front.items()}
    assert 0.47 < nu["logistic"] < 0.57, nu
    assert 0.49 < nu["square"] < 0.60, nu
    for learner, eps in front.items():
        assert nu[learner] > fit_exponent(FIT_ALPHAS, unpruned[learner]) + 0.15, (learner, nu)
        assert np.all(eps < unpruned[learner])
    assert front["logistic"][-1] / unpruned["logistic"][-1] < 0.37
    assert front["square"][-1] / unpruned["square"][-1] < 0.2
    assert front["square"][-1] < front["logistic"][-1] < frontier_eps(1.0, 0.0, "hard", case)[0]


@pytest.mark.slow
def test_noisy_probe_keep_hard_exponents_of_the_convex_learners(case, unpruned):
    """theta = 10 degrees, keep hard, ridge and f optimised: logistic nu = 0.394 (unpruned 0.334: +0.06, like
    max-margin's 0.386 against 0.329), square nu = 0.347 (unpruned 0.257: +0.09); eps*/eps_unpruned at
    alpha_prune = 1: logistic 0.635, square 0.484; f_opt still falling (0.44 -> 0.20 over the range, both), so, as
    for max-margin, whether the exponent change is asymptotic is open. (~60 s on the shared machine.)"""
    for learner, lo, hi, ratio in (("logistic", 0.37, 0.42, (0.58, 0.69)), ("square", 0.32, 0.38, (0.43, 0.54))):
        eps = _convex_front(case, learner, 10.0)
        nu = fit_exponent(FIT_ALPHAS, eps)
        assert lo < nu < hi, (learner, nu)
        assert nu > fit_exponent(FIT_ALPHAS, unpruned[learner]) + 0.04
        assert ratio[0] < eps[-1] / unpruned[learner][-1] < ratio[1], (learner, eps[-1] / unpruned[learner][-1])


def test_square_frontier_is_not_left_in_the_ridgeless_corner(case):
    """theta = 10 degrees, alpha_prune = 10, square: theory.frontier.frontier_point's alternation (f at the ridgeless
    limit first, then the ridge at that f) stops at the floor f = 1e-3 with ridge 0 and eps = 0.01391; the best ridge
    near max-margin's f_opt (0.116) does better, and the figure's search from that hint finds eps* = 0.00751 at
    f = 0.141, ridge 0.50 (best_ridge_at at f = 0.1: 0.00815). (2-6 s.)"""
    eps, f_opt, ridge, _ = convex_frontier_eps(10.0, 10.0, "hard", "square", case, f_hint=0.12)
    assert eps < 0.0078 and 0.1 < f_opt < 0.2 and ridge > 0.1, (eps, f_opt, ridge)
