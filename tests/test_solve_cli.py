import csv
import io
import json
import subprocess
import sys

import pytest

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
])
def test_bad_input_exits_2_with_one_line(argv, fragment):
    proc = subprocess.run([sys.executable, "-m", "theory.solve", *argv], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in proc.stderr
