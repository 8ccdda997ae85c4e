import csv
import io
import json
import subprocess
import sys

import pytest

from theory import Params, solve_point
from theory.frontier import best_ridge_at
from theory.solve import main

RECORD_KEYS = {"alpha_prune", "alpha_total", "keep_fraction", "keep", "probe_angle_deg",
               "learner", "labels", "eps", "R", "rho", "kappa", "success"}


def test_default_run_table(capsys):
    assert main(["--alpha-prune", "0.3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["alpha_prune", "alpha_total", "keep_fraction"]
    assert len(out) == 2 + 12 + 1  # header, rule, 6 fractions x 2 policies, closing line
    assert out[-1].startswith("lowest error at alpha_prune=0.3: keep easy f=0.1")


def test_json_is_one_list_of_records(capsys):
    assert main(["--alpha-prune", "1", "2", "-f", "1", "0.5", "--keep", "hard", "--theta", "10",
                 "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert len(records) == 4 and all(set(r) == RECORD_KEYS for r in records)
    assert all(r["success"] and r["probe_angle_deg"] == 10.0 for r in records)


def test_csv_has_header_and_rows(capsys):
    assert main(["--alpha-prune", "2", "--keep-fraction", "0.5", "--probe-angle", "5", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 2 and set(rows[0]) == RECORD_KEYS
    assert {r["keep"] for r in rows} == {"hard", "easy"}


@pytest.mark.parametrize("argv, fragment", [
    (["--alpha-prune", "0"], "--alpha-prune must be a finite number > 0, got 0.0"),
    (["--alpha-prune", "-1"], "--alpha-prune must be"),
    (["--alpha-prune", "1", "-f", "0"], "-f/--keep-fraction must be in (0, 1], got 0.0"),
    (["--alpha-prune", "1", "-f", "1.2"], "-f/--keep-fraction must be"),
    (["--alpha-prune", "1", "--theta", "90"], "--theta must be in [0, 90) degrees, got 90.0"),
    (["--alpha-prune", "abc"], "invalid float value"),
    (["--alpha-prune", "1", "--keep", "medium"], "--keep medium: keep must be one of"),
    (["--alpha-prune", "1", "--keep", "band:0.5"], "--keep band:0.5 at -f 1 (the default -f list includes it"),
    (["--alpha-prune", "1", "-f", "0.5", "--keep", "band:0.7"], "band:S needs S in"),
    (["--alpha-prune", "1", "--bogus"], "unrecognized arguments"),
    ([], "required"),
    (["-f", "0.5"], "one of the arguments --alpha-prune --alpha-total is required"),
    (["--alpha-prune", "1", "--alpha-total", "2"], "argument --alpha-total: not allowed with argument --alpha-prune"),
    (["--alpha-total", "0"], "--alpha-total must be a finite number > 0, got 0.0"),
    (["--alpha-total", "50", "-f", "1e-9"], "--alpha-total 50 at -f 1e-09 gives alpha_prune = f * alpha_total = 5e-08"),
    (["--alpha-total", "2", "-f", "0.5", "--learner", "logistic", "--tol", "1e-9"],
     "--tol cannot be given with --learner logistic"),
    (["--alpha-prune", "1", "--learner", "logistics"], "--learner"),
])
def test_bad_input_exits_2_with_one_line(argv, fragment):
    proc = subprocess.run([sys.executable, "-m", "theory.solve", *argv], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in proc.stderr


def _json(capsys, argv) -> list[dict]:
    capsys.readouterr()
    assert main([*argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


# --- --alpha-total: the pool view (eps against f in a fixed pool) ----------------------------------------------------
def test_alpha_total_solves_at_f_times_the_pool(capsys):
    pool = _json(capsys, ["--alpha-total", "20", "-f", "1", "0.5", "0.2", "--keep", "hard", "easy", "--theta", "10"])
    assert [(r["keep_fraction"], r["keep"]) for r in pool] == [(1.0, "easy"), (1.0, "hard"), (0.5, "easy"),
                                                             (0.5, "hard"), (0.2, "easy"), (0.2, "hard")]
    assert all(set(r) == RECORD_KEYS and r["success"] for r in pool)
    assert all(r["alpha_prune"] == r["keep_fraction"] * 20 and abs(r["alpha_total"] - 20) < 1e-12 for r in pool)
    # the same numbers as --alpha-prune f A at each f (one point a pool: no continuation)
    for f, a in ((1.0, "20"), (0.5, "10"), (0.2, "4")):
        same = _json(capsys, ["--alpha-prune", a, "-f", repr(f), "--keep", "hard", "easy", "--theta", "10"])
        assert [r["eps"] for r in same] == [r["eps"] for r in pool if r["keep_fraction"] == f]
    # a fixed pool: keep hard at f = 0.5 is on the plateau of f = 1; keep easy at f = 0.2 loses
    assert abs(pool[3]["eps"] - pool[1]["eps"]) < 1e-4 and pool[4]["eps"] > 2 * pool[0]["eps"]


def test_alpha_total_several_pools_table_and_convex(capsys):
    assert main(["--alpha-total", "4", "40", "-f", "1", "0.1", "--keep", "hard"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 + 4 + 2
    assert out[-2].startswith("lowest error in the pool alpha_total=4: keep hard f=1 (alpha_prune=4), eps=")
    assert out[-1].startswith("lowest error in the pool alpha_total=40: keep hard f=1 (alpha_prune=40), eps=")
    rows = _json(capsys, ["--alpha-total", "10", "-f", "0.5", "--keep", "hard", "--learner", "square:0.1",
                          "--labels", "flip:0.1"])
    point = solve_point(Params(5.0, 0.5, "hard", 0.0, "square:0.1", "flip:0.1"))
    assert len(rows) == 1 and rows[0]["eps"] == point.eps and rows[0]["learner"] == "square:0.1"


# --- a loss without its ridge: each point at its best ridge ----------------------------------------------------------
def test_bare_loss_puts_each_point_at_its_best_ridge(capsys):
    rows = _json(capsys, ["--alpha-prune", "2", "-f", "1", "0.5", "--keep", "hard", "--learner", "logistic",
                          "--labels", "flip:0.05"])
    assert [r["keep_fraction"] for r in rows] == [1.0, 0.5]
    for r in rows:
        lam, res = best_ridge_at(Params(2.0, r["keep_fraction"], "hard", 0.0, "logistic:1", "flip:0.05"))
        assert r["eps"] == res.eps and r["learner"] == str(res.params.learner) == f"logistic:{lam:.6g}"
        # no fixed ridge does better
        for ridge in ("0", "0.01", "1"):
            fixed = _json(capsys, ["--alpha-prune", "2", "-f", repr(r["keep_fraction"]), "--keep", "hard",
                                   "--learner", f"logistic:{ridge}", "--labels", "flip:0.05"])
            assert r["eps"] <= fixed[0]["eps"] + 1e-12


def test_bare_loss_with_a_pool_and_the_help(capsys):
    rows = _json(capsys, ["--alpha-total", "4", "-f", "1", "0.5", "--keep", "easy", "--learner", "square"])
    assert [r["alpha_prune"] for r in rows] == [4.0, 2.0]
    assert all(r["success"] and r["learner"].startswith("square:") for r in rows)
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--alpha-total A" in text and "best ridge" in text and "alpha_prune = f A" in text
