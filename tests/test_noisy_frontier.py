"""The noisy-label frontier at the best ridge (issue 26 item 1): theta = 0, keep hard, labels flipped in the pool.

In the ridgeless limit at theta = 0 the error is linear in f at fixed alpha_prune (the kept inputs are ~ f along
the probe and the problem is the same at every small f in the kept data's scale), so a frontier over f >= floor
sits on the floor; learners are compared by the limit coefficient eps / f and at a fixed pool alpha_tot, where
eps = min over alpha_prune of alpha_prune (eps / f)(alpha_prune) / alpha_tot falls exactly like 1 / alpha_tot.
Numbers in the docstrings were measured with these calls (README, "Pruning under label noise")."""

import math

import pytest

from theory import Params
from theory.frontier import best_ridge_at
from theory.frontier.search import Setting, kept_scale_squared, minimize_over_f
from theory.point import solve_point


def _eps_over_f(alpha: float, f: float, learner: str, labels: str) -> float:
    res = solve_point(Params(alpha, f, "hard", 0.0, learner, labels))
    assert res.success, res.message
    return res.eps / f


def test_the_ridgeless_error_is_linear_in_f():
    """flip:0.2, alpha_prune = 4 (beyond the separability line 2.469 of keep hard at small f): eps / f = 0.256035
    (logistic:0, the unregularised MLE), 0.218660 (square:0, least squares), 0.247280 (squared-hinge:0) at f = 1e-3
    and 1e-4 alike (to 1e-8 relative)."""
    for learner, coefficient in (("logistic:0", 0.256035), ("square:0", 0.218660), ("squared-hinge:0", 0.247280)):
        c3 = _eps_over_f(4.0, 1e-3, learner, "flip:0.2")
        c4 = _eps_over_f(4.0, 1e-4, learner, "flip:0.2")
        assert abs(c3 / c4 - 1.0) < 1e-6
        assert abs(c4 / coefficient - 1.0) < 1e-4


def test_the_best_ridge_is_zero_with_20_percent_flips_and_finite_with_5_percent_below_the_line():
    """keep hard, theta = 0, alpha_prune = 4, f = 1e-3. flip:0.2 (beyond the separability line): the best logistic
    ridge is 0, eps / f = 0.2560. flip:0.05 (below the line 4.256, where the ridgeless limit is the max-margin
    student, eps / f = 0.2179): a finite ridge is better, lambda / E_kept[z^2] = 0.030 (logistic, eps / f = 0.1692)
    and 0.148 (hinge, 0.1626): a quarter below max-margin."""
    lam, res = best_ridge_at(Params(4.0, 1e-3, "hard", 0.0, "logistic:1", "flip:0.2"))
    assert lam == 0.0 and abs(res.eps / 1e-3 / 0.256035 - 1.0) < 1e-4
    max_margin = _eps_over_f(4.0, 1e-3, "max-margin", "flip:0.05")
    assert abs(max_margin / 0.217859 - 1.0) < 1e-4
    gamma2 = kept_scale_squared(1e-3, "hard", 0.0, "flip:0.05")
    for kind, scaled in (("logistic", 0.030), ("hinge", 0.148)):
        lam, res = best_ridge_at(Params(4.0, 1e-3, "hard", 0.0, f"{kind}:1", "flip:0.05"))
        assert 0.3 * scaled < lam / gamma2 < 3.0 * scaled
        assert res.eps / 1e-3 < 0.8 * max_margin


def test_square_loss_has_the_smallest_limit_coefficient_with_20_percent_flips():
    """eps / f at f = 1e-3, keep hard, theta = 0, flip:0.2, best ridge (0 for all four here but hinge at 16):
    alpha_prune = 4: square 0.2187, squared hinge 0.2473, logistic 0.2560, hinge 0.2618; alpha_prune = 16: square
    0.0978, hinge 0.0952 (ridge lambda / E_kept[z^2] = 3e-4), squared hinge 0.1013, logistic 0.1098."""
    c = {learner: _eps_over_f(4.0, 1e-3, f"{learner}:0", "flip:0.2")
         for learner in ("square", "squared-hinge", "logistic", "hinge")}
    assert c["square"] < c["squared-hinge"] < c["logistic"] < c["hinge"]
    assert c["hinge"] / c["square"] < 1.25


@pytest.mark.slow
def test_at_a_fixed_pool_the_error_falls_like_one_over_the_pool():
    """theta = 0, flip:0.2, ridgeless, the best of keep hard / easy and f >= 1e-6 at a pool alpha_tot: eps alpha_tot
    = 0.98813 (logistic:0, at alpha_prune = 3.099) and 0.75746 (square:0, at alpha_prune = 2.000) at alpha_tot =
    1e3, 1e4 and 1e5 alike; the unpruned best-ridge logistic error falls like alpha_tot^-0.50 (0.0181, 0.00571,
    0.00181). Pruning doubles the exponent (0.5 -> 1) and brings no exponential decay."""
    products = {}
    for kind in ("logistic", "square"):
        setting = Setting(0.0, kind, "flip:0.2", ridge_scaled=0.0)
        values = [total * minimize_over_f(lambda f, t=total: f * t, setting, 1e-6, ("hard", "easy")).eps
                  for total in (1e3, 1e4)]
        assert abs(values[0] / values[1] - 1.0) < 1e-3
        products[kind] = values[1]
    assert abs(products["logistic"] / 0.98813 - 1.0) < 1e-3
    assert abs(products["square"] / 0.75746 - 1.0) < 1e-3
    unpruned = [best_ridge_at(Params(total, 1.0, "hard", 0.0, "logistic:1", "flip:0.2"))[1].eps
                for total in (1e3, 1e4)]
    assert 0.45 < math.log10(unpruned[0] / unpruned[1]) < 0.55
