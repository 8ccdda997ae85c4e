import math

import numpy as np
import pytest
from scipy import special

from theory.model import Params, window_edge
from theory.rules import Rule


@pytest.mark.parametrize("f", [1e-9, 1e-4, 0.01, 0.2, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("keep", ["hard", "easy"])
def test_window_keeps_mass_f(f, keep):
    gamma = window_edge(f, keep)
    # P(|z| < gamma) = erf(gamma / sqrt 2), P(|z| > gamma) = erfc(gamma / sqrt 2)
    mass = special.erf(gamma / math.sqrt(2)) if keep == "hard" else special.erfc(gamma / math.sqrt(2))
    assert mass == pytest.approx(f, rel=1e-12)
    intervals = Rule(keep).windows(f)
    total = sum(weight * (special.ndtr(hi) - special.ndtr(lo)) for lo, hi, weight, _ in intervals)
    assert total == pytest.approx(f, rel=1e-9)


def test_hard_and_easy_windows_coincide_at_f1():
    np.testing.assert_array_equal(Rule("hard").windows(1.0), Rule("easy").windows(1.0))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(alpha_prune=0.0), "alpha_prune"),
        (dict(alpha_prune=-1.0), "alpha_prune"),
        (dict(alpha_prune=math.inf), "alpha_prune"),
        (dict(alpha_prune="x"), "alpha_prune must be a number"),
        (dict(alpha_prune="1"), "alpha_prune must be a number"),
        (dict(alpha_prune=1.0, keep_fraction=0.0), "keep_fraction"),
        (dict(alpha_prune=1.0, keep_fraction=1.5), "keep_fraction"),
        (dict(alpha_prune=1.0, keep_fraction=math.nan), "keep_fraction"),
        (dict(alpha_prune=1.0, keep="medium"), "keep must be one of"),
        (dict(alpha_prune=1.0, probe_angle_deg=90.0), "probe_angle_deg"),
        (dict(alpha_prune=1.0, probe_angle_deg=-1.0), "probe_angle_deg"),
    ],
)
def test_bad_params_raise_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Params(**kwargs)


def test_params_derived_quantities():
    p = Params(2.0, 0.25, "easy", 30.0)
    assert p.alpha_total == 8.0
    assert p.probe_angle == pytest.approx(math.pi / 6)
