import math

import numpy as np
import pytest
from scipy import stats

from simulations.data import pool_sizes, sample_direct, sample_pruned
from theory import Params
from theory.rules import Rule


@pytest.mark.parametrize("theta", [0.0, 10.0, 45.0, 89.0])
def test_probe_angle_is_exact_and_labels_follow_teacher(theta):
    d = sample_pruned(Params(2.0, 0.3, "hard", theta), 50, seed=3)
    assert np.linalg.norm(d.teacher) == pytest.approx(1.0, abs=1e-14)
    assert np.linalg.norm(d.probe) == pytest.approx(1.0, abs=1e-14)
    assert math.degrees(math.acos(min(1.0, d.probe @ d.teacher))) == pytest.approx(theta, abs=1e-6)
    np.testing.assert_array_equal(d.y, np.sign(d.X @ d.teacher))


@pytest.mark.parametrize("keep", ["hard", "easy"])
def test_pruning_keeps_round_fp_and_the_right_examples(keep):
    n_pool, n_keep = pool_sizes(40, 1.3, 0.27)
    assert n_pool == round(1.3 / 0.27 * 40) and n_keep == round(0.27 * n_pool)
    d = sample_direct(Params(1.3, 0.27, keep, 20.0), 40, seed=5)
    assert d.X.shape == (n_keep, 40) and d.n_pool == n_pool
    # regenerate the pool to check that exactly the extreme |probe margins| were kept
    pool = np.random.default_rng(5).standard_normal((n_pool, 40))
    margins = np.sort(np.abs(pool @ d.probe))
    kept = np.sort(np.abs(d.X @ d.probe))
    expected = margins[:n_keep] if keep == "hard" else margins[-n_keep:]
    np.testing.assert_allclose(kept, expected, rtol=1e-12)


def test_select_by_margin():
    m = np.array([0.5, -0.1, 2.0, -3.0, 0.2])
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(Rule("hard").select(rng, m, 2, 0.4), [1, 4])
    np.testing.assert_array_equal(Rule("easy").select(rng, m, 2, 0.4), [2, 3])
    np.testing.assert_array_equal(Rule("band", 0.2).select(rng, m, 2, 0.4), [0, 4])  # ranks 1, 2: 0.2, 0.5
    assert 1 in Rule("mix", 0.5).select(rng, m, 2, 0.4)  # the hardest one, and one at random
    with pytest.raises(ValueError):
        Rule("hard").select(rng, m, 0, 0.4)


def test_bit_reproducible():
    a = sample_pruned(Params(1.0, 0.5, "easy", 5.0), 30, seed=[1, 2, 3])
    b = sample_pruned(Params(1.0, 0.5, "easy", 5.0), 30, seed=[1, 2, 3])
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)


def _kept_statistics(sampler, keep, theta, seeds=60):
    """Pooled over seeds of N = 6, alpha_prune = 4, f = 0.2: the kept teacher field, probe field, one coordinate
    orthogonal to both, and the kept count per seed."""
    t, z, o, count = [], [], [], []
    for s in range(seeds):
        d = sampler(Params(4.0, 0.2, keep, theta), 6, seed=s)
        t.append(d.X @ d.teacher)
        z.append(d.X @ d.probe)
        basis = np.linalg.svd(np.stack([d.teacher, d.probe, np.eye(6)[2]]).T, full_matrices=False)[0]
        o.append(d.X @ basis[:, 2])
        count.append(d.Z.shape[0])
    return np.concatenate(t), np.concatenate(z), np.concatenate(o), np.array(count, dtype=float)


@pytest.mark.parametrize("keep, theta", [("hard", 0.0), ("easy", 30.0)])
def test_field_first_sampler_matches_direct_sampler_in_distribution(keep, theta):
    """Two-sample KS tests on statistics of the kept set: teacher field, probe field, and an orthogonal
    coordinate. Pooled over 60 seeds of N = 6, f = 0.2; each KS p-value must exceed 1e-3 (with 6 tests
    a false alarm has probability < 1%); a sampler that got the conditional law wrong fails by orders of
    magnitude (checked on the teacher field: hard vs easy gives p ~ 1e-176, f = 0.25 vs 0.2 gives p ~ 6e-7)."""
    for a, b in zip(_kept_statistics(sample_pruned, keep, theta)[:3], _kept_statistics(sample_direct, keep, theta)[:3]):
        assert stats.ks_2samp(a, b).pvalue > 1e-3


@pytest.mark.parametrize("kwargs", [dict(n=1), dict(n=2.5), dict(alpha_prune=0.0), dict(keep_fraction=1.5),
                                    dict(alpha_prune=0.001)])
def test_bad_sizes_raise(kwargs):
    args = dict(n=10, alpha_prune=1.0, keep_fraction=0.5) | kwargs
    with pytest.raises(ValueError):
        pool_sizes(args["n"], args["alpha_prune"], args["keep_fraction"])


@pytest.mark.parametrize("keep", ["hard", "easy"])
def test_order_statistics_of_a_small_fraction_match_the_direct_sampler(keep):
    """f = 0.01 (P = 2400, 24 kept at N = 6): the kept |probe margins| of the order-statistics sampler and of
    sorting a full pool agree (two-sample KS over 80 seeds, p > 1e-3)."""
    def margins(sampler):
        kept = (sampler(Params(4.0, 0.01, keep, 0.0), 6, seed=s) for s in range(80))
        return np.concatenate([np.abs(d.X @ d.probe) for d in kept])

    assert stats.ks_2samp(margins(sample_pruned), margins(sample_direct)).pvalue > 1e-3


def test_sampling_cost_is_independent_of_the_pool():
    """alpha_prune = 2, f = 1e-9, N = 50: a pool of 1e11 examples, 100 kept, drawn without the pool. The
    kept |z| fill the window [0, gamma], gamma = sqrt(2) erfinv(1e-9) = 1.25e-9, up to its (n+1)-th order
    statistic (Beta(101, P - 100): within 40% of gamma with probability > 1 - 1e-4)."""
    from scipy import special

    d = sample_pruned(Params(2.0, 1e-9, "hard", 0.0), 50, seed=1)
    gamma = math.sqrt(2.0) * special.erfinv(1e-9)
    assert d.n_pool == 100_000_000_000 and d.X.shape == (100, 50)
    z = np.abs(d.X @ d.probe)
    assert 0.6 * gamma < z.max() < 1.4 * gamma
    np.testing.assert_array_equal(d.y, np.sign(d.X @ d.teacher))


def test_a_kept_set_that_cannot_fit_is_refused():
    with pytest.raises(ValueError, match="does not fit in memory"):
        sample_pruned(Params(1e4, 0.5, "hard", 0.0), 20000, seed=0)


@pytest.mark.parametrize("keep", ["random", "band:0.3", "mix:0.5", "soft:0.4"])
@pytest.mark.parametrize("theta", [0.0, 20.0])
def test_every_rule_samples_like_its_literal_definition(keep, theta):
    """The O(f P) order-statistics sampler against the rule applied to a whole pool (Rule.select): kept
    teacher, probe and an orthogonal field, and the kept count (two-sample KS over 60 seeds, p > 1e-3)."""
    fast, direct = _kept_statistics(sample_pruned, keep, theta), _kept_statistics(sample_direct, keep, theta)
    for a, b in zip(fast[:3], direct[:3]):
        assert stats.ks_2samp(a, b).pvalue > 1e-3
    if keep.startswith("soft"):  # Binomial(P = 120, f = 0.2) counts: mean 24, sd 4.4
        assert abs(fast[3].mean() - direct[3].mean()) < 4 * 4.4 * math.sqrt(2 / 60)
    else:
        assert np.all(fast[3] == 24) and np.all(direct[3] == 24)


@pytest.mark.parametrize("theta", [0.0, 30.0, 80.0])
def test_in_plane_fields_follow_the_theory_sign_convention(theta):
    """docs/theory.md section 2: z = J_p.x, w = e_w.x with e_w the unit vector orthogonal to the probe in the
    teacher-probe plane such that T = cos(theta) J_p + sin(theta) e_w, so t = cos(theta) z + sin(theta) w."""
    from simulations.data import _kept_inputs, teacher_and_probe

    n = 5
    teacher, v, probe = teacher_and_probe(n, theta)
    th = math.radians(theta)
    e_w = math.sin(th) * teacher - math.cos(th) * v
    np.testing.assert_allclose(math.cos(th) * probe + math.sin(th) * e_w, teacher, atol=1e-15)
    rng = np.random.default_rng(0)
    z, w = rng.standard_normal(200), rng.standard_normal(200)
    Z, y = _kept_inputs(rng, z, w, n, th)
    X = y[:, None] * Z
    np.testing.assert_allclose(X @ probe, z, atol=1e-13)
    np.testing.assert_allclose(X @ e_w, w, atol=1e-13)
    np.testing.assert_array_equal(y, np.where(math.cos(th) * z + math.sin(th) * w > 0, 1.0, -1.0))


def test_label_aware_sampler_returns_w_in_the_theory_convention():
    """Clean labels: the agreement rule keeps y = sign(z) and y = sign(t), so every returned (z, w, y) has
    sign(cos(theta) z + sin(theta) w) = y (with the opposite sign of w, most examples at large |w| would not)."""
    th = math.radians(40.0)
    params = Params(2.0, 0.5, "agree-hard", 40.0, "logistic:0.01", "clean")
    z, w, y = params.rule.sample(np.random.default_rng(1), 4000, 1000, 0.5, "clean", th)
    np.testing.assert_array_equal(np.sign(z), y)
    np.testing.assert_array_equal(np.sign(math.cos(th) * z + math.sin(th) * w), y)


def test_draws_are_pinned_bit_for_bit():
    """The same seeds give the same inputs across versions (the sign convention was chosen so that they do)."""
    d = sample_pruned(Params(2.0, 0.5, "hard", 30.0), 4, seed=1)
    assert d.Z[:, :2].ravel().tolist() == [
        0.18480866654507477, 0.0972975531502624, 0.3846960794978244, -0.09613443807380634, 1.150247514119871,
        -0.8301604712709126, 0.7418021297464364, -0.7341854495885413, 1.0319571327505117, -2.534780045709968,
        0.9286476670882327, -1.6450896315487, 0.36609951413568176, 0.4131770818261906, 0.10547431409506397,
        0.5483991191811495]
    d = sample_pruned(Params(2.0, 0.5, "agree-hard", 30.0, "logistic:0.01", "flip:0.1"), 4, seed=1)
    assert d.Z[:, :2].ravel().tolist() == [
        0.6401458299983491, 0.051349544142094306, 1.6649242158817046, -0.5330117389630892, 0.9900946533423243,
        -0.590833694252684, 0.38797080430526143, 0.8175184824212373, 0.002917341820923673, 0.08487320385348031,
        0.8172676518516021, 0.6736591275862592, 0.420606272409774, 0.7303406401444013, 0.2923999402375622,
        0.4155108684397903]
