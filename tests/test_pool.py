"""The pool view (theory.pool, python -m theory.pool) and the frontier's rows per rule family."""

import json

import numpy as np
import pytest

from theory.frontier.__main__ import main as frontier_main
from theory.pool import plateau, pool_error, pool_report
from theory.pool.__main__ import main


def test_the_plateau_is_every_f_within_tolerance_not_one_point():
    """alpha_tot = 50, theta = 5: keep hard is flat (lossless) from f = 1 down to ~0.2 (the issue's f_opt = 0.963
    was one arbitrary point of it). The edge is where eps = (1 + tol) eps_best, and it agrees with the lossless
    budget computed independently (relative to the unpruned error, which is the best here)."""
    from theory.pool import lossless_budget

    rep = pool_report(50.0, 5.0)
    assert rep.keep_best == "hard" and rep.f_plateau_hi == 1.0
    assert pool_error(50.0, rep.f_plateau_lo, "hard", 5.0) == pytest.approx(1.01 * rep.eps_best, rel=1e-8)
    for f in np.geomspace(rep.f_plateau_lo * 1.01, 1.0, 5):
        assert pool_error(50.0, f, "hard", 5.0) <= 1.01 * rep.eps_best * (1 + 1e-12)
    assert pool_error(50.0, 0.9 * rep.f_plateau_lo, "hard", 5.0) > 1.01 * rep.eps_best
    assert rep.alpha_prune_plateau_lo == pytest.approx(lossless_budget(50.0, 5.0), rel=1e-4)
    assert rep.eps_unpruned == pytest.approx(rep.eps_best, rel=1e-6)


def test_small_pool_keeps_easy_and_reports_the_crossing():
    rep = pool_report(2.0, 0.0)
    assert rep.keep_best == "easy" and rep.eps_best < rep.eps_unpruned
    assert rep.f_plateau_lo <= rep.f_best <= rep.f_plateau_hi < 1.0
    assert rep.winner in ("easy", "hard above, easy below")


def test_plateau_of_a_sharp_minimum_is_narrow():
    rep = pool_report(2.0, 0.0)
    lo, hi = plateau(2.0, "easy", rep.f_best, rep.eps_best, 0.0, rel_tol=1e-4)
    assert lo < rep.f_best < hi and hi / lo < 1.1


def test_pool_cli_records_and_errors(capsys):
    assert main(["--alpha-total", "20", "--theta", "10", "--format", "json"]) == 0
    rec = json.loads(capsys.readouterr().out)[0]
    assert rec["alpha_total"] == 20.0 and rec["probe_angle_deg"] == 10.0 and rec["f_plateau_lo"] <= rec["f_best"]
    for argv, fragment in ((["--alpha-total", "20", "--theta", "95"], "--theta must be in [0, 90) degrees, got 95.0"),
                           (["--alpha-total", "0"], "--alpha-total must be a finite number > 0, got 0.0"),
                           (["--alpha-total", "5", "--plateau-tol", "-1"], "--plateau-tol must be >= 0"),
                           (["--alpha-total", "5", "--learner", "logistic:-1"], "finite ridge L >= 0")):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        err = capsys.readouterr().err.strip().splitlines()
        assert exc.value.code == 2 and len(err) == 1 and fragment in err[0], err


def test_frontier_prints_a_row_per_rule_family_and_marks_the_best(capsys):
    assert frontier_main(["--alpha-prune", "4", "--theta", "10", "--keep", "hard", "easy", "band", "mix",
                          "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["rules"] for r in rows] == ["hard easy", "band", "mix"]
    assert [r["best"] for r in rows] == [False, True, False]  # a thin band beats the hard window at theta = 10
    assert rows[2]["eps_frontier"] == pytest.approx(rows[0]["eps_frontier"], rel=1e-6)  # mix is best at M = 1
