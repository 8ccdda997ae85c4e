"""The separability line of the kept data (theory.separability): limits, and Monte Carlo feasibility."""

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy.optimize import linprog

from simulations.data import sample_pruned
from theory import Params, solve_saddle
from theory.separability import separability_threshold


def test_pure_noise_is_covers_capacity_and_clean_labels_are_always_separable():
    """eta -> 1/2 makes the labels independent of the inputs: alpha_sep -> 2 (Cover); clean labels and the
    label-aware rules (kept labels = sign of the probe field) are separable at any alpha_prune."""
    assert separability_threshold(Params(1.0, 1.0, "hard", labels="flip:0.4999")).alpha_sep == pytest.approx(2.0, 1e-6)
    for p in (Params(1.0, 0.2, "hard", 10.0), Params(1.0, 0.2, "agree-hard", 10.0, labels="flip:0.2")):
        assert math.isinf(separability_threshold(p).alpha_sep)
    line = separability_threshold(Params(1.0, 0.2, "hard", 10.0, labels="flip:0.05"))
    assert 2.0 < line.alpha_sep < 10.0 and line.gradient < 1e-9


def _separable(Z: np.ndarray) -> bool:
    """Is there w with Z w > 0? The largest t with Z w >= t, |w_i| <= 1 (a bounded LP, HiGHS) is > 0."""
    p, n = Z.shape
    cost = np.zeros(n + 1)
    cost[-1] = -1.0
    res = linprog(cost, A_ub=np.hstack([-Z, np.ones((p, 1))]), b_ub=np.zeros(p),
                  bounds=[(-1.0, 1.0)] * n + [(None, 1.0)], method="highs")
    assert res.status == 0, res.message
    return -res.fun > 1e-7


@pytest.mark.parametrize("params", [Params(1.0, 1.0, "hard", labels="flip:0.05"),
                                    Params(1.0, 0.2, "hard", 10.0, labels="logit:5")], ids=str)
def test_monte_carlo_separability_switches_at_the_line(params):
    """Kept sets of N = 200 drawn by the exact sampler are separable (LP feasibility) at 0.8 alpha_sep and not at
    1.25 alpha_sep in at least 7 of 8 seeds each. The finite-size width of the transition is ~N^-1/2: measured
    10/10 and 0/10 at 0.85 and 1.15 for f = 1, flip:0.05 (alpha_sep = 3.810), 10/10 and 1/10 for hard,
    f = 0.2, 10 deg, logit:5 (alpha_sep = 2.349)."""
    line = separability_threshold(params).alpha_sep
    below = sum(_separable(sample_pruned(replace(params, alpha_prune=0.8 * line), 200, s).Z) for s in range(8))
    above = sum(_separable(sample_pruned(replace(params, alpha_prune=1.25 * line), 200, s).Z) for s in range(8))
    assert below >= 7 and above <= 1


def test_max_margin_on_noisy_labels_reports_the_line():
    """Beyond the separability line (4.248 for keep hard, f = 0.2, flip:0.05) the max-margin student does not exist:
    refused with the line; below it, it is the margin constraint of the convex theory (route hard-margin)."""
    with pytest.raises(ValueError, match=r"does not exist at alpha_prune = 4.5.*separable only for alpha_prune < "
                                         r"4\.248"):
        solve_saddle(Params(4.5, 0.2, "hard", labels="flip:0.05"))
    res = solve_saddle(Params(4.0, 0.2, "hard", labels="flip:0.05"))
    assert res.success and res.route == "hard-margin" and 0.0 < res.eps < 0.5
