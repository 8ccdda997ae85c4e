"""One convention for every entry point: shared flags, examples in --help, one-line errors, the API.

The non-editable install test builds the package (``pip install --no-deps --no-build-isolation --target``)
with this interpreter into a directory put first on ``PYTHONPATH``, and runs every entry point from an empty
temporary directory: the installed modules, not the checkout, must be the ones that run.
"""

import subprocess
import sys
import warnings

import numpy as np
import pytest

from theory import Params, generalization_error, solve_saddle

ENTRY_POINTS = ["theory.solve", "theory.frontier", "theory.pool", "theory.asymptotics", "simulations.run",
                "simulations.sweep", "figures"]


def _run(args, cwd=None, python=sys.executable, timeout=300):
    return subprocess.run([python, "-m", *args], capture_output=True, text=True, cwd=cwd, timeout=timeout)


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_help_has_examples_and_the_shared_flags(module):
    proc = _run([module, "--help"])
    assert proc.returncode == 0
    assert "examples:" in proc.stdout and "--format" in proc.stdout
    if module == "theory.asymptotics":  # the frontier laws need a noisy probe: --theta is several angles > 0
        assert "--theta DEG [DEG ...]" in proc.stdout and "probe angles (> 0)" in " ".join(proc.stdout.split())
    elif module != "figures":
        text = " ".join(proc.stdout.split())
        assert "--theta DEG" in text and "0 = perfect pruning metric (default: " in text
        assert text.split("0 = perfect pruning metric (default: ")[1][:5] in ("0.0) ", "[0.0]")


@pytest.mark.parametrize("args,fragment", [
    (["simulations.sweep", "--alpha-prune", "1", "-f", "1", "--keep", "hard", "--store", "/proc/nope"],
     "cannot write the result store to /proc/nope"),
    (["figures", "--quick", "--out", "/proc/nope"], "cannot write the figures to /proc/nope"),
    (["figures", "--quick", "--data", "/proc/nope/cache"], "cannot write the figure cache"),
])
def test_unusable_path_is_one_line_and_exit_2(args, fragment):
    proc = _run(args)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and fragment in lines[0], proc.stderr


def test_theta_defaults_to_a_perfect_probe_everywhere():
    proc = _run(["simulations.run", "--alpha-prune", "1", "-f", "0.5", "--keep", "hard", "--n", "40",
                 "--seeds", "2", "--format", "csv"])
    assert proc.returncode == 0, proc.stderr
    header, row = proc.stdout.strip().splitlines()[:2]
    assert dict(zip(header.split(","), row.split(",")))["probe_angle_deg"] == "0.0"


def test_frontier_takes_several_angles():
    proc = _run(["theory.frontier", "--alpha-prune", "4", "--theta", "0", "10", "--format", "csv"])
    assert proc.returncode == 0, proc.stderr
    rows = proc.stdout.strip().splitlines()
    assert len(rows) == 3 and rows[1].split(",")[1] == "0.0" and rows[2].split(",")[1] == "10.0"


def test_generalization_error_broadcasts_like_a_ufunc():
    eps = generalization_error([1.0, 2.0, 4.0], 0.2, "hard", [[0.0], [10.0]])
    assert eps.shape == (2, 3)
    assert eps[1, 2] == pytest.approx(solve_saddle(Params(4.0, 0.2, "hard", 10.0)).eps, rel=1e-10)
    assert isinstance(generalization_error(2.0, 0.2), float)
    mixed = generalization_error([1.0, 1.0], 0.1, ["hard", "easy"])
    assert mixed[0] > mixed[1]  # little data: easy examples win
    with pytest.raises(ValueError, match="keep_fraction"):
        generalization_error([1.0, 2.0], [0.5, 1.5])


def test_generalization_error_is_nan_only_where_the_solver_fails(monkeypatch):
    import theory.broadcast as broadcast

    real = broadcast.solve_point

    def failing_at_alpha_two(params, **kw):
        res = real(params, **kw)
        if params.alpha_prune == 2.0:
            from dataclasses import replace
            return replace(res, success=False, status=1)
        return res

    monkeypatch.setattr(broadcast, "solve_point", failing_at_alpha_two)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eps = generalization_error([1.0, 2.0, 4.0], 0.2)
    assert np.isnan(eps[1]) and np.all(np.isfinite(eps[[0, 2]]))
    assert any("1 of 3 points" in str(w.message) for w in caught)


def test_non_editable_install_runs_every_entry_point_from_elsewhere(tmp_path):
    import os
    import shutil

    repo = tmp_path / "src"  # a copy, so that the build leaves nothing in the checkout
    shutil.copytree(__import__("pathlib").Path(__file__).resolve().parents[1], repo,
                    ignore=shutil.ignore_patterns(".git", "build", "*.egg-info", "__pycache__", "data", "out",
                                                  ".hypothesis", ".pytest_cache", ".ruff_cache", ".venv*"))
    # Built by this interpreter (its setuptools and wheel: the test extras declare both) into a target
    # directory that comes first on the path; the dependencies are this environment's. A nested
    # --system-site-packages venv would see the *base* interpreter's packages, not this venv's (issue 17).
    target = tmp_path / "installed"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                              "--target", str(target), str(repo)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    work = tmp_path / "work"
    work.mkdir()
    where = subprocess.run([sys.executable, "-c", "import theory, simulations, figures, pruning_cli; "
                            "from figures.common import DATA_DIR; "
                            "print(theory.__file__, simulations.__file__, pruning_cli.__file__, DATA_DIR.resolve())"],
                           capture_output=True, text=True, cwd=work, env=env, check=True).stdout.split()
    assert all(w.startswith(str(target)) for w in where[:3]), where
    assert where[3].startswith(str(work)), where  # the figure cache lives under the working directory
    runs = [["theory.solve", "--alpha-prune", "0.3", "-f", "1", "0.5"],
            ["theory.frontier", "--alpha-prune", "2", "--theta", "10"],
            ["simulations.run", "--alpha-prune", "1", "-f", "0.5", "--keep", "hard", "--n", "40", "--seeds", "2"],
            ["simulations.sweep", "--alpha-prune", "1", "-f", "0.5", "--keep", "hard", "--n", "40", "--seeds", "2",
             "--store", "store"],
            ["figures", "--help"]]
    for args in runs:
        proc = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=work, env=env,
                              timeout=300)
        assert proc.returncode == 0, (args, proc.stderr[-2000:])
    assert (work / "store").is_dir()
