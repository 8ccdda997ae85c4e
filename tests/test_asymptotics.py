"""The asymptotic laws of theory.asymptotics against the full solver, at budgets up to alpha_prune = 1e6."""

import math

import pytest

from theory import Params, solve_saddle
from theory.asymptotics import (
    boundary_enrichment,
    capacity_law,
    chance_law,
    departure_budget,
    frontier_law,
    large_alpha_error,
    unpruned_constant,
)
from theory.asymptotics.__main__ import main


def test_unpruned_constant_is_the_large_alpha_limit_of_the_solver():
    c0, k_star = unpruned_constant()
    assert c0 == pytest.approx(0.5005, abs=5e-5)  # the literature's 0.5005
    eps = solve_saddle(Params(1e6)).eps
    assert 1e6 * eps == pytest.approx(c0, rel=1e-9)
    res = solve_saddle(Params(1e6))
    assert res.kappa / math.sin(res.chi) == pytest.approx(k_star, rel=1e-5)


def test_boundary_enrichment_limits():
    assert boundary_enrichment(0.1, "hard", 0.0) == pytest.approx(10.0)
    assert boundary_enrichment(1.0, "hard", 30.0) == pytest.approx(1.0)
    assert boundary_enrichment(1.0, "easy", 30.0) == pytest.approx(1.0)
    # f -> 0 with a noisy probe: the kept set is the null plane, B -> 1 / sin(theta)
    assert boundary_enrichment(1e-9, "hard", 10.0) == pytest.approx(1 / math.sin(math.radians(10.0)), rel=1e-9)
    # a noisy probe prunes like a perfect one while f >> sin(theta)
    assert boundary_enrichment(0.9, "hard", 1.0) == pytest.approx(1 / 0.9, rel=1e-9)


@pytest.mark.parametrize("f,keep,theta,tol", [
    (0.1, "hard", 0.0, 1e-9), (0.1, "hard", 10.0, 1e-9), (0.5, "hard", 30.0, 1e-9), (0.01, "hard", 10.0, 1e-6),
    (0.5, "easy", 10.0, 1e-2), (0.3, "easy", 45.0, 1e-3),
])
def test_boundary_density_law_is_the_large_alpha_limit(f, keep, theta, tol):
    """eps * alpha_prune B / c0 -> 1; the deviation at alpha = 1e6 is below tol and shrinks with alpha
    (measured: 2e-11 for f = 0.1 hard at 10 degrees, 4e-3 for f = 0.5 easy at 10 degrees, where B ~ 2e-4)."""
    dev = [large_alpha_error(a, f, keep, theta) / solve_saddle(Params(a, f, keep, theta)).eps - 1.0
           for a in (1e4, 1e6)]
    assert abs(dev[1]) < tol and abs(dev[1]) <= abs(dev[0])


def test_no_boundary_no_law():
    with pytest.raises(ValueError, match="B = 0"):
        large_alpha_error(100.0, 0.1, "easy", 0.0)


@pytest.mark.parametrize("theta", [1.0, 10.0, 60.0])
def test_noisy_frontier_is_a_power_law_with_the_boundary_prefactor(theta):
    laws = {law.law.split(",")[0]: law for law in frontier_law(theta)}
    assert laws["frontier / boundary law"].constant == pytest.approx(1.0, abs=1e-4)
    assert laws["f_opt exponent"].constant == pytest.approx(1 / 3, abs=2e-3)
    assert laws["f_opt prefactor"].constant == pytest.approx(1.4317, abs=2e-3)  # the same K for every theta


def test_capacity_and_chance_laws():
    exponent, prefactor = capacity_law()
    assert exponent.constant == pytest.approx(1 / 3, abs=1e-4)
    assert prefactor.constant == pytest.approx(0.1616, abs=1e-3)
    assert chance_law(1.0).constant == pytest.approx(0.4238, abs=1e-3)
    with pytest.raises(ValueError, match="below alpha_prune = 2"):
        chance_law(2.5)


def test_cli(capsys):
    assert main(["--theta", "10", "--max-alpha", "1e5", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "law,formula,constant,uncertainty,checked_to,deviation" and len(out) > 10
    with pytest.raises(SystemExit) as exc:
        main(["--theta", "0"])
    assert exc.value.code == 2


def test_laws_confirmed_by_simulation_at_moderate_alpha():
    """Monte Carlo (N = 50, 100, 200; 30 seeds; extrapolated eps_N = eps_inf + c/N) at two points.

    Lossless law (theta = 0, hard, alpha_prune = 10, f = 0.1): the law c0 f / alpha_prune = 0.0050049 is
    within 1e-4 relative of the full theory there, and the simulation agrees with it within 3 sigma
    (measured eps_inf = 0.00486 +- 0.00011). Noisy frontier (theta = 30, alpha_prune = 10, its optimal
    f = 0.3641): the simulation agrees with the theory's eps* = 0.02964 within 3 sigma; the law
    c0 sin(theta) / alpha_prune = 0.0250 is only approached at larger alpha (eps* alpha / (c0 sin theta)
    = 1.18 at alpha = 10, 1.005 at 1e3; laws_collapse figure)."""
    from simulations import extrapolate, simulate
    from theory.frontier import frontier_point

    law = large_alpha_error(10.0, 0.1, "hard", 0.0)
    assert law == pytest.approx(solve_saddle(Params(10.0, 0.1, "hard", 0.0)).eps, rel=1e-3)
    point = frontier_point(10.0, 30.0, 1e-9, keeps=("hard",))
    for params, target in ((Params(10.0, 0.1, "hard", 0.0), law),
                           (Params(10.0, point.f_opt, "hard", 30.0), point.eps_frontier)):
        eps_inf, err = extrapolate([simulate(params, n=n, seeds=30, seed=11) for n in (50, 100, 200)])
        assert abs(eps_inf - target) < 3 * err, (params, eps_inf, err, target)


def test_departure_from_perfect_pruning_is_nearly_theta_independent():
    """The noisy frontier is twice the perfect-probe error at its own f_opt at alpha_prune = 19.66 (1 deg),
    19.79 (10 deg), 22.30 (60 deg): nearly universal, as the laws predict ((2K)^3 = 23.5 asymptotically)."""
    small, large = departure_budget(1.0), departure_budget(60.0)
    assert 18.0 < small < large < 23.5
    assert departure_budget(10.0) == pytest.approx(small, rel=0.02)
