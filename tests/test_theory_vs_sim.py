"""Analytic (replica) vs simulated test error of the max-margin student on pruned data.

Each point is simulated at N in N_VALUES with SEEDS data sets each; the simulated error has a
finite-size bias eps_N = eps_inf + c/N + O(1/N^2) (docs/theory.md), so we fit eps_N = eps_inf + c/N by
weighted least squares (``simulations.runner.extrapolate``) and compare eps_inf with the theory:
|eps_inf - eps_theory| < 3 * err(eps_inf), where err(eps_inf) is the fit's standard error (the seeds
are independent, so it is a real 1-sigma error). The neglected O(1/N^2) remainder is small: the whole
finite-size shift |eps_100 - eps_inf| was at most 0.04 at these points, so a 1/N^2 term is at most
~0.04 / 100 = 4e-4 at N = 100, below the 3-sigma band (>= 3e-3). A test that could not fail is avoided
by also requiring err(eps_inf) < 15% of eps_theory.
"""

import numpy as np
import pytest

from simulations.runner import extrapolate, simulate
from theory import Params, solve_saddle

N_VALUES = (100, 200, 400)
SEEDS = 40
FAST_POINTS = [  # theta = 0 and 10 degrees, hard and easy, small and large alpha_total
    (2.0, 0.2, "hard", 0.0),   # alpha_tot = 10
    (1.0, 0.2, "easy", 0.0),   # alpha_tot = 5
    (0.5, 0.5, "hard", 0.0),   # alpha_tot = 1
    (2.0, 0.3, "hard", 10.0),  # alpha_tot = 6.7
    (1.5, 0.1, "easy", 10.0),  # alpha_tot = 15
    (3.0, 1.0, "hard", 0.0),   # random data
]
RULE_POINTS = [  # the selection rules beyond hard / easy, at theta = 0 and 10 degrees
    (2.0, 0.2, "mix:0.5", 0.0),
    (2.0, 0.2, "mix:0.5", 10.0),
    (2.0, 0.2, "band:0.3", 0.0),
    (2.0, 0.2, "band:0.3", 10.0),
    (2.0, 0.2, "soft:0.3", 0.0),
    (2.0, 0.2, "soft:0.3", 10.0),
]
SLOW_POINTS = [
    (4.0, 0.05, "hard", 0.0), (1.0, 0.05, "easy", 0.0), (3.0, 0.2, "hard", 20.0),
    (0.5, 0.1, "easy", 30.0), (6.0, 0.5, "hard", 5.0), (2.0, 0.02, "easy", 10.0),
]


def _compare(point, n_values, seeds, probe="fixed"):
    """Returns the simulations; the theory is taken at the probe's (mean) realised angle when it is trained."""
    params = Params(*point)
    emp = [simulate(params, n, seeds, seed=11, probe=probe) for n in n_values]
    theta = float(np.mean([r.probe_angle_realised for r in emp])) if probe != "fixed" else params.probe_angle_deg
    th = solve_saddle(Params(*point[:3], theta))
    assert th.success
    emp_inf, emp_err = extrapolate(emp)
    assert emp_err < 0.15 * th.eps, (emp_err, th.eps)
    assert abs(emp_inf - th.eps) < 3 * emp_err, (point, emp_inf, emp_err, th.eps)
    return emp


@pytest.mark.parametrize("point", FAST_POINTS, ids=str)
def test_theory_matches_simulation(point):
    _compare(point, N_VALUES, SEEDS)


@pytest.mark.parametrize("point", RULE_POINTS, ids=str)
def test_theory_matches_simulation_for_selection_rules(point):
    """Soft rules keep a Binomial(P, f) number of examples: the theory is at alpha_prune = f alpha_tot, the
    simulation's realised alpha_prune fluctuates around it by ~sqrt(f P) / N (reported, not corrected)."""
    _compare(point, N_VALUES, SEEDS)


def test_theory_matches_simulation_for_a_trained_probe():
    """A probe trained on 10 N independent examples (realised angle ~ pi eps(10) = 8.8 degrees, measured per
    seed): the simulation at N = 100, 200, 400 against the theory at the mean realised angle."""
    emp = _compare((2.0, 0.2, "hard", 0.0), N_VALUES, SEEDS, probe="alpha:10")
    from theory.probe import trained_probe_angle_deg

    realised = np.mean([r.probe_angle_realised for r in emp])
    assert realised == pytest.approx(trained_probe_angle_deg(10.0), rel=0.1)


@pytest.mark.slow
@pytest.mark.parametrize("point", SLOW_POINTS, ids=str)
def test_theory_matches_simulation_dense(point):
    _compare(point, (100, 200, 400), 64)
