"""figures/real_features.py: the digits pipeline (quick mode), the test split kept out of every fit, and checks of
the measured numbers that need no stored values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from figures import real_features as rf
from theory.labels import LabelChannel


@pytest.fixture(scope="module")
def task():
    return rf.load_task()


@pytest.fixture(scope="module")
def split0(task):
    X, y = task
    parts = rf.split(len(y), 0)
    train = np.concatenate([parts["probe"], parts["pool"]])
    return X, y, parts, train, rf.prepare(X[train], y[train], len(parts["probe"]))


def test_digits_read_without_importing_sklearn_equal_load_digits():
    """The bundled file read directly (no scikit-learn import: ~3 s of a quick run) gives load_digits' arrays."""
    from sklearn.datasets import load_digits

    X, digit = rf._digits()
    X_ref, digit_ref = load_digits(return_X_y=True)
    assert np.array_equal(X, X_ref) and np.array_equal(digit, digit_ref) and digit.dtype == digit_ref.dtype


def test_task_is_nearly_balanced_and_split_partitions(task):
    X, y = task
    assert X.shape == (1797, 64) and set(np.unique(y)) == {-1.0, 1.0}
    assert abs(np.mean(y > 0) - 0.5) < 0.01  # 891 of 1797 even
    parts = rf.split(len(y), 0)
    allrows = np.concatenate([parts["test"], parts["probe"], parts["pool"]])
    assert np.array_equal(np.sort(allrows), np.arange(len(y)))
    assert len(parts["test"]) == rf.TEST_SIZE and len(parts["probe"]) == rf.PROBE_SIZE


def test_fits_never_see_the_test_split(task, split0):
    """prepare() reads the training rows only: garbage in the test rows changes nothing fitted."""
    X, y, parts, train, prep = split0
    Xg, yg = X.copy(), y.copy()
    rng = np.random.default_rng(1)
    Xg[parts["test"]] = rng.normal(0, 100, size=(len(parts["test"]), X.shape[1]))
    yg[parts["test"]] = -yg[parts["test"]]
    again = rf.prepare(Xg[train], yg[train], len(parts["probe"]))
    assert str(again["case"]) == str(prep["case"])  # eigenvalues, teacher and probe (the case's hash)
    assert np.array_equal(again["mean"], prep["mean"]) and np.array_equal(again["std"], prep["std"])
    assert again["eta"] == prep["eta"] and again["beta"] == prep["beta"]
    assert not np.intersect1d(train, parts["test"]).size


def test_case_matches_build_case_and_channels(split0):
    X, y, parts, train, prep = split0
    case = prep["case"]
    assert case.n == 61  # three constant pixels dropped
    assert 0 < case.probe_angle_deg < 45
    assert case.labels == f"flip:{min(prep['eta'], 0.499):.6g}"
    # the logit channel disagrees with the teacher's sign at the same rate eta
    assert math.isclose(LabelChannel("logit", prep["beta"]).noisy_error(0.0, 1.0), prep["eta"], rel_tol=1e-6)
    # eta is the training disagreement of sign(x.T) with the labels, in the case's coordinates
    E = rf.coordinates(prep, X[train])
    assert math.isclose(np.mean(np.sign(E @ case.teacher) != y[train]), prep["eta"])


def test_keep_easy_at_f1_is_the_unpruned_fit(split0):
    X, y, parts, train, prep = split0
    E, yp = rf.coordinates(prep, X[parts["pool"]]), y[parts["pool"]]
    sub = np.arange(200)
    u0 = rf.fit_student(E[sub], yp[sub])
    for rule in rf.RULES:
        kept = sub[rf.prune(E[sub], prep["case"].probe, 1.0, rule)]
        assert np.allclose(rf.fit_student(E[kept], yp[kept]), u0, rtol=1e-7, atol=1e-9)
    hard = rf.prune(E[sub], prep["case"].probe, 0.3, "hard")
    easy = rf.prune(E[sub], prep["case"].probe, 0.3, "easy")
    z = np.abs(E[sub] @ prep["case"].probe)
    assert len(hard) == len(easy) == 60 and z[hard].max() <= z[easy].min()


def test_quick_pipeline(tmp_path):
    data = rf.compute(quick=True, data_dir=tmp_path)
    rows = rf.table(data)
    assert len(rows) == len(rf.ALPHAS_TOT) * len(rf.RULES) * len(rf.QUICK["fractions"])
    for r in rows:
        assert 0 <= r["real"] <= 1 and 0 <= r["teacher"] <= 1
        assert all(0 < r[k] < 0.5 for k in ("flip_noisy", "logit_noisy", "flip_eps", "logit_eps"))
        # the channels' conversion: eps_noisy = eta + (1 - 2 eta) eps for flips
        eta = float(data["eta"][0])  # the channel carries it to 6 digits
        assert math.isclose(r["flip_noisy"], eta + (1 - 2 * eta) * r["flip_eps"], rel_tol=1e-5)
    by = {(r["alpha_tot"], r["rule"], r["f"]): r for r in rows}
    for at in rf.ALPHAS_TOT:  # f = 1: both rules keep the whole subsample, the same fit and the same theory
        assert by[(at, "hard", 1.0)]["real"] == by[(at, "easy", 1.0)]["real"]
        assert math.isclose(by[(at, "hard", 1.0)]["flip_eps"], by[(at, "easy", 1.0)]["flip_eps"], rel_tol=1e-6)
    # more data helps, measured and predicted (unpruned)
    assert by[(16.0, "hard", 1.0)]["real"] < by[(4.0, "hard", 1.0)]["real"]
    assert by[(16.0, "hard", 1.0)]["logit_noisy"] < by[(4.0, "hard", 1.0)]["logit_noisy"]
    paths = rf.plot(data, tmp_path / "out")
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)
    assert "| 4 | none | 1 |" in rf.format_table(data)
