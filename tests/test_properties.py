"""Property-based tests of the theory API (hypothesis): random valid and invalid parameters.

Valid parameters must give either a converged result with a small residual or an explicit
non-convergence result (success False with its residual), never an exception or a NaN presented as a
number; invalid ones must raise ValueError.
"""

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from theory import Params, solve_saddle

COUNTER = {"valid": 0, "invalid": 0}

valid_params = st.builds(
    Params,
    alpha_prune=st.floats(0.05, 50.0),
    keep_fraction=st.floats(1e-4, 1.0),
    keep=st.sampled_from(["hard", "easy"]),
    probe_angle_deg=st.one_of(st.just(0.0), st.floats(0.5, 60.0)),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_params)
def test_valid_parameters_converge_or_say_so(params):
    COUNTER["valid"] += 1
    res = solve_saddle(params)
    if res.success:
        assert res.residual < 1e-10
        assert 0.0 < res.eps <= 0.5 and math.isfinite(res.kappa)
    else:
        assert res.status in (1, 2) and res.message  # explicit non-convergence, with its residual
        assert res.status == 2 or not res.residual < 1e-10


bad_float = st.one_of(st.just(math.nan), st.just(math.inf), st.just(-math.inf))


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.builds(dict, alpha_prune=st.one_of(st.floats(max_value=0.0), bad_float)),
    st.builds(dict, alpha_prune=st.just(1.0), keep_fraction=st.one_of(st.floats(max_value=0.0),
                                                                       st.floats(min_value=1.0, exclude_min=True),
                                                                       bad_float)),
    st.builds(dict, alpha_prune=st.just(1.0), probe_angle_deg=st.one_of(st.floats(max_value=0.0, exclude_max=True),
                                                                         st.floats(min_value=90.0), bad_float)),
    st.builds(dict, alpha_prune=st.just(1.0), keep=st.text().filter(lambda s: s not in ("hard", "easy"))),
    st.builds(dict, alpha_prune=st.one_of(st.text(), st.none(), st.booleans())),
))
def test_invalid_parameters_raise_value_error(kwargs):
    COUNTER["invalid"] += 1
    try:
        Params(**kwargs)
    except ValueError:
        return
    raise AssertionError(f"accepted invalid parameters {kwargs}")


def test_report_counts():
    """Runs last in this module: both properties ran on their full budget of random inputs (printed with -s); when
    they were not selected (``-k``) there is nothing to check and the test says so."""
    if COUNTER["valid"] == 0 and COUNTER["invalid"] == 0:
        pytest.skip("the property tests of this module did not run")
    print(f"\nhypothesis tried {COUNTER['valid']} valid and {COUNTER['invalid']} invalid parameter sets")
    assert COUNTER["valid"] >= 60 and COUNTER["invalid"] >= 200, COUNTER
