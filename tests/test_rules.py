"""Selection rules: one definition (theory.rules.Rule) for the theory's acceptance q(|z|) and the Monte Carlo."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from theory import Params, solve_saddle
from theory.integrals import g
from theory.rules import Rule
from theory.saddle import Problem, free_energy_terms

RULES = ["hard", "easy", "random", "band:0.3", "band:0", "mix:0.5", "mix:0", "soft:0.3", "soft:2"]


@pytest.mark.parametrize("spec", RULES)
@pytest.mark.parametrize("f", [0.05, 0.2, 0.6])
def test_acceptance_keeps_the_fraction_f(spec, f):
    rule = Rule.parse(spec)
    if rule.kind == "band" and rule.param > 1 - f:
        pytest.skip("band:S needs S <= 1 - f")
    edges = sorted({abs(e) for row in rule.windows(f) for e in row[:2] if math.isfinite(e)})
    mass = 2 * sum(integrate.quad(lambda z: rule.acceptance(np.array([z]), f)[0] * stats.norm.pdf(z), lo, hi,
                                  epsabs=1e-13, epsrel=1e-11)[0] for lo, hi in zip([0, *edges], [*edges, 40]))
    assert mass == pytest.approx(f, rel=1e-9)
    assert str(Rule.parse(str(rule))) == str(rule)


@pytest.mark.parametrize("spec,message", [
    ("medium", "keep must be one of"), ("band", "needs a number"), ("mix:1.5", r"M in \[0, 1\]"),
    ("soft:0", "T > 0"), ("soft:x", "is not a number"), ("hard:1", "takes no parameter"), ("band:0.9", "1 - f"),
])
def test_bad_rules_are_clear_errors(spec, message):
    with pytest.raises(ValueError, match=message):
        Params(1.0, 0.2, spec)


@pytest.mark.parametrize("theta", [0.0, 10.0])
@pytest.mark.parametrize("alpha,f", [(2.0, 0.2), (6.0, 0.05)])
def test_rule_identities(theta, alpha, f):
    """band:0 = hard, band:(1 - f) = easy, mix:1 = hard, mix:0 = random = unpruned data at alpha_prune, to 1e-9."""
    eps = {k: solve_saddle(Params(alpha, f, k, theta)).eps for k in
           ("hard", "easy", "random", "band:0", f"band:{1 - f}", "mix:1", "mix:0")}
    unpruned = solve_saddle(Params(alpha, 1.0, "hard", theta)).eps
    assert eps["band:0"] == pytest.approx(eps["hard"], rel=1e-9)
    assert eps[f"band:{1 - f}"] == pytest.approx(eps["easy"], rel=1e-9)
    assert eps["mix:1"] == pytest.approx(eps["hard"], rel=1e-9)
    assert eps["mix:0"] == pytest.approx(eps["random"], rel=1e-9)
    assert eps["random"] == pytest.approx(unpruned, rel=1e-9)


@pytest.mark.parametrize("theta", [0.0, 10.0])
def test_soft_rule_tends_to_hard_as_the_temperature_vanishes(theta):
    """soft:T keeps |z| < z_c surely and a Gaussian tail of width ~T beyond: as T -> 0 at fixed f it is the
    hard window (measured at theta = 0, alpha = 2, f = 0.2: relative gaps 2.6e-2, 2.5e-4, 3.2e-6 at
    T = 0.1, 0.03, 0.01). Below T ~ 0.007 (here) the constant c = exp(z_c^2 / 2T^2) leaves double
    precision and the rule is refused with a clear error."""
    hard = solve_saddle(Params(2.0, 0.2, "hard", theta)).eps
    gaps = [abs(solve_saddle(Params(2.0, 0.2, f"soft:{t}", theta)).eps / hard - 1) for t in (0.1, 0.03, 0.01)]
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 1e-5
    with pytest.raises(ValueError, match="beyond double precision"):
        Params(2.0, 0.2, "soft:0.001", theta)


@pytest.mark.parametrize("spec,theta,chi,beta,kappa", [
    ("mix:0.5", 10.0, 0.4, 0.12, 0.3), ("band:0.3", 10.0, 0.5, 0.3, 0.6), ("soft:0.3", 10.0, 0.4, 0.12, 0.3),
    ("soft:2", 20.0, 0.7, 0.5, 1.2), ("soft:0.3", 0.0, 0.4, 0.0, 0.3),
])
def test_weighted_window_expectation_against_adaptive_2d_quadrature(spec, theta, chi, beta, kappa):
    """E_K[g] = (1/f) E[q(z) g(kappa - sign(t) c.(z, w), sigma)] by scipy's adaptive quadrature in (z, w),
    split at t = 0 and at the rule's window edges: rtol 1e-7."""
    f = 0.2
    params = Params(2.0, f, spec, theta)
    rule = params.rule
    th = math.radians(theta)
    r, sigma = math.cos(chi), math.sin(chi)
    edges = sorted({abs(e) for row in rule.windows(f) for e in row[:2] if math.isfinite(e)})

    def inner(z, sign):
        if theta == 0.0:  # t = z: the sign of t is that of z
            return 1.0 * (sign > 0) * g(kappa - r * z, sigma) * stats.norm.pdf(0) * math.sqrt(2 * math.pi)
        w0 = -z / math.tan(th)
        lo, hi = (w0, 12) if sign > 0 else (-12, w0)

        def fw(w):
            return stats.norm.pdf(w) * g(kappa - sign * r * (math.cos(beta) * z + math.sin(beta) * w), sigma)

        return integrate.quad(fw, lo, hi, epsabs=1e-14, epsrel=1e-11, limit=200)[0]

    total = 0.0
    for lo, hi in zip([0, *edges], [*edges, 12]):
        for sign in (1, -1):
            total += integrate.quad(lambda z, s=sign: stats.norm.pdf(z) * rule.acceptance(np.array([z]), f)[0]
                                    * inner(z, s), lo, hi, epsabs=1e-14, epsrel=1e-11, limit=200)[0]
    ref = 2 * total / f
    value, _, _ = free_energy_terms(Problem.from_params(params), chi, beta, kappa)
    assert (value + sigma**2) / params.alpha_prune == pytest.approx(ref, rel=1e-7)


@pytest.mark.parametrize("spec,theta,chi,beta", [("soft:0.01", 0.0, 0.4, 0.0), ("soft:0.01", 10.0, 0.4, 0.12),
                                                 ("soft:0.05", 30.0, 0.3, 0.4), ("mix:0.3", 10.0, 0.4, 0.12)])
def test_weighted_window_quadrature_converged(spec, theta, chi, beta):
    """A sharp soft acceptance (T = 0.01: it decays beyond |z_c| ~ 0.25 on the scale T^2 / z_c = 4e-4) is
    resolved by the panels: doubling the Gauss-Legendre order and halving the panel width changes the
    moments by < 1e-10 relative to their scale (an earlier version without panel breaks at that scale was
    off by 0.8% in eps)."""
    from theory.integrals import DEFAULT_MAX_WIDTH, GL_W, GL_X, window_moments

    problem = Problem.from_params(Params(2.0, 0.2, spec, theta))
    args = (problem.theta, beta, math.cos(chi), math.sin(chi), 0.3, problem.windows, problem.norm)
    base = window_moments(*args, GL_X, GL_W, DEFAULT_MAX_WIDTH)
    x2, w2 = np.polynomial.legendre.leggauss(32)
    fine = window_moments(*args, x2, w2, 0.5 * DEFAULT_MAX_WIDTH)
    np.testing.assert_allclose(base, fine, rtol=0, atol=1e-10 * np.abs(fine).max())


def test_frontier_optimises_rule_families():
    """theta = 10, alpha_prune = 4, f >= 1e-3: mixing in random examples never helps (the best M is 1, the hard
    window); a thin band of slightly-easier-than-hardest examples beats the hard window (measured 0.036637 at
    S = 0.119, f = 0.00105, against 0.038859); keep_opt reports the optimal parameter."""
    from theory.frontier import frontier_point

    hard = frontier_point(4.0, 10.0, keeps=["hard"])
    mix = frontier_point(4.0, 10.0, keeps=["mix"])
    band = frontier_point(4.0, 10.0, keeps=["band"])
    assert mix.keep_opt.startswith("mix:") and Rule.parse(mix.keep_opt).param == pytest.approx(1.0, abs=2e-3)
    assert mix.eps_frontier == pytest.approx(hard.eps_frontier, rel=1e-5)
    assert Rule.parse(band.keep_opt).kind == "band" and 0.05 < Rule.parse(band.keep_opt).param < 0.2
    assert band.eps_frontier < 0.96 * hard.eps_frontier
    assert solve_saddle(Params(4.0, band.f_opt, band.keep_opt, 10.0)).eps == pytest.approx(band.eps_frontier,
                                                                                            rel=1e-9)


def test_frontier_cli_rejects_a_bad_rule(capsys):
    from theory.frontier.__main__ import main

    with pytest.raises(SystemExit) as exc:
        main(["--alpha-prune", "4", "--keep", "mix:2"])
    assert exc.value.code == 2 and "M in [0, 1]" in capsys.readouterr().err


def test_every_rule_class_has_the_one_selection_interface():
    """Rule, WeightedRule and LabelAwareRule implement theory.rules.SelectionRule with the same method names and
    signatures (parameter names, order and defaults), so the kept measure and the Monte Carlo read them alike."""
    import inspect

    from theory.label_aware import LabelAwareRule
    from theory.rules import SelectionRule
    from theory.weighted import WeightedRule

    methods = [name for name, value in vars(SelectionRule).items() if inspect.isfunction(value)
               and not name.startswith("_")]
    assert {"breakpoints", "labelled_acceptance", "select", "check", "windows", "is_hard"} <= set(methods)
    for cls in (Rule, WeightedRule, LabelAwareRule):
        for name in methods:
            ours = inspect.signature(getattr(cls, name))
            theirs = inspect.signature(getattr(SelectionRule, name))
            assert list(ours.parameters) == list(theirs.parameters), (cls.__name__, name)
        assert isinstance(cls.sees_labels, bool)


def test_a_probe_trained_on_the_pool_with_a_label_aware_rule():
    """--probe self with agree-hard: the rule's select gets the pool's labels (it raised a TypeError before the
    one interface)."""
    from simulations.probes import sample_with_probe

    data, angle = sample_with_probe(Params(2.0, 0.4, "agree-hard", learner="logistic:0.1"), 40, [0, 40, 0], "self")
    assert data.Z.shape[0] == round(0.4 * round(2.0 / 0.4 * 40)) and 0.0 <= angle < 90.0
    assert np.all(data.Z @ data.probe > 0)  # Z = y x: every kept label agrees with the probe, y z > 0
