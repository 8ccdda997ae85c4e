import json
import subprocess
import sys

import pytest

from simulations.run import main
from simulations.runner import SimResult, extrapolate

KEYS = {*SimResult.RECORD_FIELDS, "eps_theory"}


def test_json_records_with_extrapolation(capsys):
    assert main(["--alpha-prune", "1", "-f", "0.5", "--keep", "easy", "--theta", "10", "--n", "20", "40",
                 "--seeds", "4", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["n"] for r in records] == [20, 40]
    assert all(set(r) == KEYS | {"eps_inf", "eps_inf_err"} for r in records)
    assert all(0 < r["eps_mean"] < 0.5 and r["seeds"] == 4 for r in records)


def test_workers_give_identical_results(capsys):
    argv = ["--alpha-prune", "1", "-f", "0.5", "--keep", "hard", "--theta", "0", "--n", "30", "--seeds", "6",
            "--format", "json"]
    main(argv)
    serial = json.loads(capsys.readouterr().out)[0]
    main(argv + ["--workers", "2"])
    parallel = json.loads(capsys.readouterr().out)[0]
    assert serial["eps_mean"] == parallel["eps_mean"] and serial["eps_sem"] == parallel["eps_sem"]


def test_extrapolation_recovers_a_known_line():
    rows = [SimResult(1, 1, 1, "hard", 0, n, 10, 0.1 + 2.0 / n, 0.001, 0.5, 0.0) for n in (50, 100, 200)]
    eps_inf, err = extrapolate(rows)
    assert eps_inf == pytest.approx(0.1, abs=1e-12) and err > 0


@pytest.mark.parametrize("argv, fragment", [
    (["-f", "0.5", "--keep", "hard", "--theta", "0"], "required"),
    (["--alpha-prune", "1", "-f", "0", "--keep", "hard", "--theta", "0"], "-f/--keep-fraction must be in (0, 1]"),
    (["--alpha-prune", "1", "-f", "0.5", "--keep", "hard", "--theta", "95"], "--theta must be in [0, 90) degrees"),
    (["--alpha-prune", "1", "-f", "0.5", "--keep", "hard", "--theta", "0", "--n", "1"], "--n must be an integer >= 2"),
    (["--alpha-prune", "1", "-f", "0.5", "--keep", "hard", "--theta", "0", "--seeds", "1"], "--seeds must be >= 2"),
    (["--alpha-prune", "1", "-f", "0.5", "--keep", "hard", "--theta", "0", "--backend", "cuda"], "invalid choice"),
])
def test_bad_input_exits_2_with_one_line(argv, fragment):
    proc = subprocess.run([sys.executable, "-m", "simulations.run", *argv], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0]


def test_scaling_study_extrapolates():
    from simulations.runner import scaling_study
    from theory import Params, solve_saddle

    params = Params(1.0, 0.5, "easy", 0.0)
    study = scaling_study(params, seeds=12, ns=(50, 100, 200))
    assert [r.n for r in study.results] == [50, 100, 200]
    assert abs(study.eps_inf - solve_saddle(params).eps) < 4 * study.eps_inf_err
    assert [rec["n"] for rec in study.record()] == [50, 100, 200]


def test_the_cli_says_when_finite_size_effects_are_large():
    """Near the critical budget alpha_prune = 2 (keep hard, perfect probe, small f) one warning line on stderr;
    none at an ordinary point."""
    near = subprocess.run([sys.executable, "-m", "simulations.run", "--alpha-prune", "2", "-f", "0.01", "--keep",
                           "hard", "--n", "60", "--seeds", "3"], capture_output=True, text=True)
    assert near.returncode == 0
    assert [ln for ln in near.stderr.splitlines() if ln.startswith("warning:")] and "critical budget" in near.stderr
    far = subprocess.run([sys.executable, "-m", "simulations.run", "--alpha-prune", "1", "-f", "0.5", "--keep", "hard",
                          "--n", "60", "--seeds", "3"], capture_output=True, text=True)
    assert far.returncode == 0 and "warning:" not in far.stderr
