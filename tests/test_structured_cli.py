"""--covariance on the command lines and the case builder (issue 27, item 3): numbers as the library's, one-line
refusals with exit 2 naming the flag."""

from __future__ import annotations

import json

import numpy as np
import pytest

from theory import Params, solve_point
from theory.build_case.__main__ import main as build_main
from theory.covariance import Case, case_from_features
from theory.solve import main as solve_main


def _run(main, argv, capsys):
    code = main(argv)
    return code, capsys.readouterr().out


def _refused(main, argv, capsys, *needles):
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err
    assert info.value.code == 2 and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err, err


def test_solve_with_a_power_case_prints_the_library_numbers(capsys):
    code, out = _run(solve_main, ["--alpha-prune", "2", "-f", "0.3", "--keep", "hard", "--learner", "logistic:0.01",
                                  "--covariance", "power:1.5,1,200", "--theta", "10", "--format", "json"], capsys)
    rec = json.loads(out)[0]
    ref = solve_point(Params(2.0, 0.3, "hard", 10.0, "logistic:0.01", data="power:1.5,1,200"))
    assert code == 0 and rec["covariance"] == "power:1.5,1,200" and abs(rec["eps"] - ref.eps) < 1e-12


def test_power_without_n_is_named_with_the_default_n(capsys):
    """--covariance power:a,b (issue 27's spelling) is power:a,b,1000, and the record says so."""
    code, out = _run(solve_main, ["--alpha-prune", "2", "-f", "0.3", "--keep", "hard", "--learner", "square:0.1",
                                  "--covariance", "power:1.5,2", "--theta", "10", "--format", "json"], capsys)
    rec = json.loads(out)[0]
    ref = solve_point(Params(2.0, 0.3, "hard", 10.0, "square:0.1", data="power:1.5,2,1000"))
    assert code == 0 and rec["covariance"] == "power:1.5,2,1000" and rec["eps"] == ref.eps


@pytest.mark.parametrize("learner, labels", [("square:0", "clean"), ("logistic:0", "flip:0.2"), ("hinge:0", "clean")])
def test_ridgeless_learners_are_answered(learner, labels, capsys):
    """L = 0 on a case: the structured route's limit (docs/theory.md 9), no longer refused."""
    argv = ["--alpha-prune", "3", "-f", "0.3", "--keep", "hard", "--learner", learner, "--labels", labels,
            "--covariance", "power:1.5,1,200", "--theta", "10", "--format", "json"]
    code, out = _run(solve_main, argv, capsys)
    rec = json.loads(out)[0]
    ref = solve_point(Params(3.0, 0.3, "hard", 10.0, learner, labels, data="power:1.5,1,200"))
    assert code == 0 and rec["success"] and rec["eps"] == ref.eps
    if learner == "square:0":
        _refused(solve_main, ["--alpha-prune", "1", *argv[2:]], capsys, "interpolation threshold")


def test_a_case_with_its_own_probe_takes_its_angle_and_refuses_theta(tmp_path, capsys):
    base = Case.power(1.0, 1.0, 60)
    path = tmp_path / "own.npz"
    Case(base.eigenvalues, base.teacher, base.geometry(7.0).probe).save(path)
    code, out = _run(solve_main, ["--alpha-prune", "2", "-f", "0.3", "--keep", "hard", "--learner", "square:0.1",
                                  "--covariance", str(path), "--format", "json"], capsys)
    assert code == 0 and abs(json.loads(out)[0]["probe_angle_deg"] - 7.0) < 1e-9
    _refused(solve_main, ["--alpha-prune", "2", "--covariance", str(path), "--theta", "3"], capsys,
             "--covariance", "--theta", "own probe")
    _refused(solve_main, ["--alpha-prune", "2", "--covariance", str(path), "--probe-alpha", "3"], capsys,
             "--probe-alpha")


@pytest.mark.parametrize("spec, needle", [("power:1", "takes two to four numbers"),
                                          ("/nonexistent/case.npz", "cannot read case file"),
                                          ("bad", "cannot read case file")])
def test_bad_cases_exit_2_naming_the_flag(spec, needle, capsys):
    _refused(solve_main, ["--alpha-prune", "2", "--covariance", spec], capsys, "--covariance", needle)


def test_bad_arrays_exit_2(tmp_path, capsys):
    np.savez(tmp_path / "neg.npz", eigenvalues=np.array([1.0, -2.0, 1.0]), teacher=np.ones(3))
    _refused(solve_main, ["--alpha-prune", "2", "--covariance", str(tmp_path / "neg.npz")], capsys,
             "--covariance", "eigenvalues must be > 0")


def test_run_and_sweep_take_the_case(tmp_path, capsys):
    from simulations.run import main as run_main
    from simulations.sweep.__main__ import main as sweep_main

    argv = ["--alpha-prune", "2", "-f", "0.3", "--keep", "hard", "--learner", "square:0.1", "--covariance",
            "power:1,1,40", "--theta", "5", "--seeds", "3", "--format", "json"]
    code, out = _run(run_main, argv, capsys)
    rec = json.loads(out)[0]
    assert code == 0 and rec["n"] == 40 and rec["covariance"] == "power:1,1,40"
    code, out = _run(sweep_main, [*argv[:-2], "--store", str(tmp_path / "s"), "--format", "json"], capsys)
    assert code == 0 and json.loads(out)[0]["eps_mean"] == rec["eps_mean"]  # same seeds, same numbers
    _refused(run_main, [*argv, "--n", "50"], capsys, "--n 50", "multiple of the case's N = 40")
    _refused(run_main, [*argv, "--probe", "self"], capsys, "--probe self")


def test_case_from_features(tmp_path, capsys):
    rng = np.random.default_rng(1)
    P, D = 3000, 12
    X = rng.standard_normal((P, D)) * np.linspace(0.5, 2.0, D) + 3.0
    X[:, 5] = 7.0  # a direction of zero variance
    w = rng.standard_normal(D)
    w[5] = 0.0
    y = np.sign((X - 3.0) @ w)
    y[rng.random(P) < 0.1] *= -1
    built = case_from_features(X, y)
    Xc = X - X.mean(axis=0)
    ev = np.sort(np.linalg.eigvalsh(Xc.T @ Xc / P))[::-1]
    assert built.dropped == 1 and built.case.n == D - 1
    assert np.allclose(built.case.eigenvalues, ev[:D - 1], rtol=1e-10)
    assert abs(built.label_disagreement - 0.1) < 0.02  # the flips the fit cannot follow
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", (y > 0).astype(float))  # 0/1 labels are taken too
    code, out = _run(build_main, ["--features", str(tmp_path / "X.npy"), "--targets", str(tmp_path / "y.npy"),
                                  "--out", str(tmp_path / "c.npz")], capsys)
    summary = json.loads(out)
    loaded = Case.load(tmp_path / "c.npz")
    assert code == 0 and summary["case"] == str(built.case) and loaded == built.case
    assert loaded.labels == built.case.labels == f"flip:{built.label_disagreement:.6g}"
    # the command lines take the channel the case carries unless --labels is typed
    code, out = _run(solve_main, ["--alpha-prune", "2", "-f", "0.5", "--keep", "hard", "--learner", "square:0.1",
                                  "--covariance", str(tmp_path / "c.npz"), "--format", "json"], capsys)
    assert json.loads(out)[0]["labels"] == loaded.labels
    code, out = _run(solve_main, ["--alpha-prune", "2", "-f", "0.5", "--keep", "hard", "--learner", "square:0.1",
                                  "--covariance", str(tmp_path / "c.npz"), "--labels", "clean", "--format", "json"],
                     capsys)
    assert json.loads(out)[0]["labels"] == "clean"
    _refused(build_main, ["--features", str(tmp_path / "nope.npy"), "--targets", str(tmp_path / "y.npy"),
                          "--out", str(tmp_path / "c.npz")], capsys, "--features")
    _refused(build_main, ["--features", str(tmp_path / "X.npy"), "--targets", str(tmp_path / "X.npy"),
                          "--out", str(tmp_path / "c.npz")], capsys, "--targets")


def test_frontier_and_pool_take_the_case(tmp_path, capsys):
    from theory.frontier import frontier_point
    from theory.frontier.__main__ import main as frontier_main
    from theory.pool.__main__ import main as pool_main

    code, out = _run(frontier_main, ["--alpha-prune", "4", "--theta", "10", "--keep", "hard", "--learner",
                                     "square:0.1", "--covariance", "power:1.5,1,100", "--format", "json"], capsys)
    rec = json.loads(out)[0]
    ref = frontier_point(4.0, 10.0, keeps=("hard",), learner="square:0.1", data="power:1.5,1,100")
    assert code == 0 and rec["covariance"] == "power:1.5,1,100" and rec["eps_frontier"] == ref.eps_frontier
    code, out = _run(pool_main, ["--alpha-total", "10", "--theta", "10", "--keep", "hard", "--learner", "square:0.1",
                                 "--covariance", "power:1.5,1,100", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)[0]["covariance"] == "power:1.5,1,100"
    _refused(pool_main, ["--alpha-total", "10", "--covariance", "power:1,x,3"], capsys, "--covariance")


def test_power_without_n_takes_the_smallest_n_in_the_monte_carlo_and_1000_in_the_theory(capsys):
    """power:a,b names no N: simulations.run takes the smallest --n typed (the case is named with it), the theory
    commands 1000 (theory.covariance.DEFAULT_POWER_N); records name the N."""
    import json

    from simulations.run import main as run_main
    from theory.solve import main as solve_main

    assert run_main(["--covariance", "power:1.5,2", "--n", "200", "--alpha-prune", "1", "-f", "0.3", "--keep", "hard",
                     "--seeds", "2", "--quiet", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["covariance"] == "power:1.5,2,200"
    assert solve_main(["--covariance", "power:1.5,2", "--alpha-prune", "1", "-f", "0.3", "--keep", "hard",
                       "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["covariance"] == "power:1.5,2,1000"
