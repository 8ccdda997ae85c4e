"""The design of issue 25 as tests: one entry point and one result for every route, one routing table read by every
entry point, parsed objects in Params written back as the same strings, and docs/architecture.md naming modules
that exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from simulations import simulate
from simulations.store import point_key
from theory import Params, PointResult, route_for, solve_point, solve_saddle
from theory.frontier import frontier_point
from theory.rules import Rule

ROOT = Path(__file__).resolve().parents[1]

# repr(Params) and store keys as the code before the refactor (commit 047c2ca) wrote them: existing stores resume
# only if the keys are byte-identical, and messages embed repr(Params).
PINNED = [
    (Params(2.0, 0.2, "hard"),
     "Params(alpha_prune=2.0, keep_fraction=0.2, keep='hard', probe_angle_deg=0.0, learner='max-margin', "
     "labels='clean')", "9d04c2d44729f268fd06d2d8"),
    (Params(2.0, 0.5, "agree-hard", 10.0, "logistic:0.01", "flip:0.1"),
     "Params(alpha_prune=2.0, keep_fraction=0.5, keep='agree-hard', probe_angle_deg=10.0, learner='logistic:0.01', "
     "labels='flip:0.1')", "06f0ba40e60fa9d25f09b1d2"),
    (Params(1.0, 0.3, "uncertainty:1,5", 0.0, "hinge:0.1", "logit:5"),
     "Params(alpha_prune=1.0, keep_fraction=0.3, keep='uncertainty:1,5', probe_angle_deg=0.0, learner='hinge:0.1', "
     "labels='logit:5')", "a5fede6aaacb0391c83326eb"),
]


@pytest.mark.parametrize("params, text, key", PINNED)
def test_params_repr_and_store_keys_are_as_before(params, text, key):
    assert repr(params) == text
    assert point_key(alpha_prune=params.alpha_prune, keep_fraction=params.keep_fraction, keep=params.keep,
                     probe_angle_deg=params.probe_angle_deg, n=200, seeds=10, seed=0, backend="numba", probe="fixed",
                     learner=params.learner, labels=params.labels) == key


def test_params_hold_parsed_objects_equal_to_their_strings():
    p = Params(2.0, 0.5, "band:0.3", 10.0, "logistic:0.01", "flip:0.1")
    assert isinstance(p.keep, Rule) and p.rule is p.keep
    assert p.keep == "band:0.3" and p.learner == "logistic:0.01" and p.labels == "flip:0.1"
    assert p.learner.lam == 0.01 and p.labels.param == 0.1
    assert Params(2.0, 0.5, "agree-hard").rule is Params(3.0, 0.2, "agree-hard").rule  # parsed once, tables shared
    assert p == Params(2.0, 0.5, Rule("band", 0.3), 10.0, "logistic:0.01", "flip:0.1")


def test_one_result_type_with_the_records_of_before():
    """Both routes return PointResult; the records keep their columns (the max-margin record of SaddleResult and the
    convex record of ConvexResult before the refactor), and the route's order parameters read as attributes."""
    mm = solve_point(Params(2.0, 0.2, "hard", 10.0))
    cv = solve_point(Params(2.0, 0.2, "hard", 10.0, "logistic:0.01", "flip:0.1"))
    assert type(mm) is PointResult and type(cv) is PointResult and type(solve_saddle(Params(1.0))) is PointResult
    assert (mm.route, cv.route) == ("max-margin", "convex")
    assert list(mm.record()) == ["alpha_prune", "alpha_total", "keep_fraction", "keep", "probe_angle_deg", "learner",
                                 "labels", "eps", "R", "rho", "kappa", "success", "residual"]
    assert list(cv.record()) == ["alpha_prune", "alpha_total", "keep_fraction", "keep", "probe_angle_deg", "learner",
                                 "labels", "eps", "eps_noisy", "R", "rho", "norm", "sigma", "V", "success",
                                 "residual"]
    assert mm.kappa == mm.order.kappa and mm.method == "hybr" and cv.V == cv.order.V and cv.x == cv.q
    assert isinstance(mm.record()["keep"], str) and isinstance(cv.record()["learner"], str)
    with pytest.raises(AttributeError):
        cv.kappa  # noqa: B018 - a max-margin order parameter on the convex route


def test_an_option_the_route_does_not_take_is_an_error():
    with pytest.raises(ValueError, match="takes no options; got method"):
        solve_point(Params(2.0, 0.2, "hard", learner="logistic:0.1"), method="lm")
    with pytest.raises(ValueError, match="got bogus"):
        solve_point(Params(2.0, 0.2, "hard"), bogus=1)


@pytest.mark.parametrize("params", [Params(5.0, 0.2, "hard", labels="flip:0.05"),
                                    Params(4.0, 0.5, "uncertainty:1,5", 10.0, labels="flip:0.1")])
def test_every_entry_point_refuses_alike(params):
    """The theory and the Monte Carlo refuse the max-margin student beyond the separability line of noisy kept data
    with the same message (the Monte Carlo before any draw)."""
    with pytest.raises(ValueError) as theory:
        solve_point(params)
    assert str(theory.value) == str(pytest.raises(ValueError, route_for, params).value)
    assert "does not exist" in str(theory.value) and "separable only for alpha_prune <" in str(theory.value)
    with pytest.raises(ValueError) as mc:
        simulate(params, n=20, seeds=2)
    assert str(mc.value) == str(theory.value)


@pytest.mark.parametrize("params", [Params(2.0, 0.5, "uncertainty:1,5"), Params(2.0, 0.5, "agree-hard"),
                                    Params(3.0, 0.2, "hard", labels="flip:0.05")])
def test_the_max_margin_student_beyond_the_saddle_point_is_the_hard_margin_route(params):
    """Rules that are no window, and noisy labels below the separability line, go to the margin constraint of the
    convex theory: the same route for the theory, the frontier's pre-check and the Monte Carlo's."""
    route = route_for(params)
    assert route.name == "hard-margin"
    res = solve_point(params)
    assert res.success and res.route == "hard-margin" and str(res.learner) == "max-margin"
    frontier_point(params.alpha_prune, params.probe_angle_deg, 0.1, [str(params.keep)], labels=str(params.labels))


def test_flip_zero_is_clean_everywhere():
    clean = solve_point(Params(2.0, 0.2, "hard"))
    flip0 = solve_point(Params(2.0, 0.2, "hard", labels="flip:0"))
    assert flip0.route == "max-margin" and flip0.eps == clean.eps


def test_the_monte_carlo_refuses_the_jax_backend_for_a_convex_learner():
    with pytest.raises(ValueError, match="backend jax"):
        simulate(Params(2.0, 0.5, "hard", learner="logistic:0.1"), n=20, seeds=2, backend="jax")


def test_architecture_doc_names_modules_that_exist():
    """Every dotted module or object of the package named in docs/architecture.md imports."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    names = set(re.findall(r"`((?:theory|simulations|figures|explorer)(?:\.\w+)+)", text))
    assert len(names) > 20
    for name in sorted(names):
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):  # the longest importable prefix, then attributes
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
            except ModuleNotFoundError:
                continue
            for attr in parts[cut:]:
                assert hasattr(obj, attr), f"{name}: {attr} not found"
                obj = getattr(obj, attr)
            break
        else:
            pytest.fail(f"{name} does not import")
