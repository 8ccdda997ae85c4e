"""The explorer's server-side logic without a browser: view data, the command lines (and that they print the same
numbers), CSV, PNG/PDF, one-line refusals, and the ``python -m explorer`` flags (bad flag, busy port: exit 2)."""

from __future__ import annotations

import csv
import io
import json
import math
import shlex
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("bokeh")

import theory.solve as solve_cli  # noqa: E402
from explorer import core  # noqa: E402
from theory import Params, solve_saddle  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
S = core.Settings()  # alpha_prune 4, f 0.2, hard, theta 10, max-margin, clean


@pytest.fixture(scope="module")
def view():
    return core.view_a(S)


def _run(cmd: str) -> subprocess.CompletedProcess:
    words = shlex.split(cmd)
    assert words[:2] == ["python", "-m"]
    return subprocess.run([sys.executable, *words[1:]], cwd=ROOT, capture_output=True, text=True)


def _solve_in_process(capsys, cmd: str) -> list[dict]:
    """The records a displayed ``python -m theory.solve`` command prints, run in this process as JSON."""
    words = shlex.split(cmd.replace("--format csv", "--format json"))
    assert words[:3] == ["python", "-m", "theory.solve"] and words[-2:] == ["--format", "json"], words
    capsys.readouterr()
    assert solve_cli.main(words[3:]) == 0
    return json.loads(capsys.readouterr().out)


def test_view_a_curves_and_point(view):
    labels = [s.label for s in view.series]
    assert labels[:3] == ["keep hard", "keep easy", "unpruned (f = 1)"] and labels[-1] == "point"
    for s in view.series[:3]:
        assert len(s.x) >= 50 and all(0 < y < 0.5 for y in s.y)
    point = solve_saddle(Params(4.0, 0.2, "hard", 10.0))
    assert view.series_by_label("point").y == [point.eps]
    assert f"{point.eps:.10g}" in view.readout
    assert not view.messages


def test_view_a_numbers_equal_theory_solve(view):
    """The drawn curves and the marked point are what the printed commands print (JSON floats, exactly)."""
    point_cmd, curves_cmd, unpruned_cmd = view.commands
    out = _run(point_cmd)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[0]["eps"] == view.series_by_label("point").y[0]
    out = _run(curves_cmd.replace("--format csv", "--format json"))
    assert out.returncode == 0, out.stderr
    cli = {(r["keep"], r["alpha_prune"]): r["eps"] for r in json.loads(out.stdout)}
    for label, keep in (("keep hard", "hard"), ("keep easy", "easy")):
        s = view.series_by_label(label)
        assert [cli[(keep, a)] for a in s.x] == s.y


def test_csv_holds_the_drawn_numbers(view):
    rows = list(csv.DictReader(io.StringIO(core.to_csv(view))))
    hard = [float(r["eps"]) for r in rows if r["curve"] == "keep hard"]
    assert hard == view.series_by_label("keep hard").y
    assert {"curve", "alpha_prune", "keep_fraction", "keep", "probe_angle_deg", "eps", "R"} <= set(rows[0])


def test_png_and_pdf(view):
    assert core.render(view, "png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert core.render(view, "pdf")[:4] == b"%PDF"
    with pytest.raises(ValueError):
        core.render(view, "svg")


def test_impossible_combinations_are_one_line_messages():
    # the max-margin student with a weighted rule is the margin constraint of the convex theory: a value
    v = core.view_a(replace(S, rule="uncertainty:1,5"))
    assert "no value at this point" not in v.readout
    # beyond the separability line (3.86 at f = 0.2, 10 deg, flip:0.05) it does not exist: one line in the page
    v = core.view_a(replace(S, labels="flip:0.05"))
    assert "separable only for alpha_prune <" in v.readout and "\n" not in v.readout
    with pytest.raises(ValueError, match="max-margin"):
        core.check_mc(replace(S, labels="flip:0.05"), "100", 10)


def test_rule_curve_and_commands():
    v = core.view_a(replace(S, rule="band:0.1"))
    assert v.series_by_label("keep band:0.1") is not None
    assert any("--keep hard easy band:0.1" in c for c in v.commands)
    assert core.spec("band", " 0.1 ") == "band:0.1" and core.spec("hard", "") == "hard"


def test_convex_view_is_coarser_and_best_ridge_commands_print_the_page(capsys):
    """With best ridge the page's commands pass the loss alone (``--learner logistic``): run, they print the drawn
    curves' and the marked point's numbers and ridges (here 2 values of alpha_prune, to keep the test short)."""
    assert len(core.alpha_grid(True)) == core.N_ALPHA_CONVEX < len(core.alpha_grid(False))
    s = replace(S, probe_angle_deg=0.0, learner="logistic:0.01", labels="flip:0.05", best_ridge=True)
    alphas = [1.0, 4.0]
    curves = {keep: core.curve_records(s, alphas, 0.2, keep) for keep in ("hard", "easy")}
    point = core.point_record(s)
    cmds = core._view_a_commands(s, alphas, {0.2: ["hard", "easy"]}, point["learner"])
    assert cmds == ["python -m theory.solve --alpha-prune 4 -f 0.2 --keep hard --theta 0 --learner logistic "
                    "--labels flip:0.05 --format json",
                    "python -m theory.solve --alpha-prune 1 4 -f 0.2 --keep hard easy --theta 0 --learner "
                    "logistic --labels flip:0.05 --format csv"]
    (cli_point,) = _solve_in_process(capsys, cmds[0])
    assert (cli_point["eps"], cli_point["learner"]) == (point["eps"], point["learner"])
    cli = {(r["keep"], r["alpha_prune"]): (r["eps"], r["learner"]) for r in _solve_in_process(capsys, cmds[1])}
    for keep, recs in curves.items():
        assert [cli[(keep, a)] for a in alphas] == [(r["eps"], r["learner"]) for r in recs]
    assert len({r["learner"] for recs in curves.values() for r in recs}) > 1  # a ridge for each point
    assert core.frontier_learner(s) == "logistic"
    assert "--learner logistic --labels" in core.frontier_command(s)


def test_frontier_and_pool_views_from_records():
    rec = {"alpha_prune": 4.0, "probe_angle_deg": 10.0, "learner": "max-margin", "labels": "clean",
           "eps_frontier": 0.0389, "f_opt": 0.219, "keep_opt": "hard", "at_floor": False, "eps_random": 0.114,
           "min_keep_fraction": 0.001, "n_unconverged": 0}
    v = core.view_b(S, [rec, "no converged point"])
    assert v.series_by_label("frontier eps*").y == [0.0389] and v.messages == ["no converged point"]
    assert v.commands[0].startswith("python -m theory.frontier --alpha-prune 0.5 1 2 4")
    curve = core.pool_curve(replace(S, alpha_total=20.0), "hard")
    f = [r["keep_fraction"] for r in curve]
    assert f == core.pool_fractions() and all(math.isclose(r["alpha_prune"], r["keep_fraction"] * 20.0)
                                              for r in curve)
    report = {"keep_best": "hard", "f_best": 0.5, "eps_best": 0.03, "f_plateau_lo": 0.2, "f_plateau_hi": 1.0,
              "plateau_tol": 0.01, "eps_unpruned": 0.03}
    v = core.view_c(S, {"hard": curve, "easy": "a one-line reason"}, report)
    assert v.spans == [(0.2, 1.0, "plateau")] and v.messages == ["keep easy: a one-line reason"]
    assert v.commands[0] == "python -m theory.pool --alpha-total 20 --keep hard easy --theta 10 --format csv"
    assert len(v.commands) == 2 and v.commands[1].startswith("python -m theory.solve --alpha-total 20 -f 0.001 ")
    assert v.commands[1].endswith(" 1 --keep hard --theta 10 --format csv")  # the curve drawn, not the refused


def _assert_pool_commands_print_the_page(capsys, v):
    drawn = {(s.label, f): y for s in v.series if s.label.startswith("keep ") for f, y in zip(s.x, s.y)}
    printed = {}
    for cmd in v.commands[1:]:
        printed.update({(f"keep {r['keep']}", r["keep_fraction"]): r["eps"] for r in _solve_in_process(capsys, cmd)})
    assert printed == drawn and len(drawn) >= 2


def test_pool_view_commands_print_the_drawn_curves(capsys):
    """View (c): ``theory.solve --alpha-total A -f ...`` run prints every drawn eps(f), to the last digit; a rule
    that leaves out some f (band:0.1 beyond f = 0.9) gets its own command."""
    s = replace(S, rule="band:0.1", alpha_total=20.0)
    curves = {keep: core.pool_curve(s, keep) for keep in core.pool_keeps(s)}
    assert len(curves["band:0.1"]) < len(curves["hard"]) == core.POOL_FRACTIONS
    v = core.view_c(s, curves, None)
    assert [c.split(" --keep ")[1].split(" --")[0] for c in v.commands[1:]] == ["hard easy", "band:0.1"]
    _assert_pool_commands_print_the_page(capsys, v)


def test_pool_view_with_best_ridge_prints_the_page(capsys, monkeypatch):
    monkeypatch.setattr(core, "POOL_FRACTIONS", 3)
    monkeypatch.setattr(core, "POOL_F_MIN", 0.1)
    s = replace(S, probe_angle_deg=0.0, learner="square:0.1", labels="flip:0.05", best_ridge=True, alpha_total=10.0)
    curves = {keep: core.pool_curve(s, keep) for keep in core.pool_keeps(s)}
    v = core.view_c(s, curves, None)
    assert len(v.commands) == 2 and " --learner square --labels flip:0.05 " in v.commands[1]
    _assert_pool_commands_print_the_page(capsys, v)
    ridges = {r["learner"] for r in v.records}
    cli = {r["learner"] for r in _solve_in_process(capsys, v.commands[1])}
    assert cli == ridges and len(ridges) > 1


def test_monte_carlo_view_and_inputs():
    assert core.parse_ns("100, 200 100") == [100, 200]
    for bad in ("", "1", "ten", "99999"):
        with pytest.raises(ValueError):
            core.parse_ns(bad)
    recs = [{"n": n, "eps_mean": 0.1 + 1 / n, "eps_sem": 0.01, "eps_theory": 0.1, "alpha_prune": 4.0,
             "alpha_total": 20.0, "keep_fraction": 0.2, "keep": "hard", "probe_angle_deg": 10.0, "seeds": 10,
             "margin_mean": 0.1, "seconds": 1.0} for n in (100, 200)]
    v = core.view_d(S, recs, [100, 200], 10, "/tmp/store")
    assert "extrapolated eps_inf = 0.1" in v.readout
    assert v.commands == ["python -m simulations.sweep --alpha-prune 4 -f 0.2 --keep hard --theta 10 --n 100 200 "
                          "--seeds 10 --store /tmp/store --format csv"]


def test_cli_bad_flag_and_busy_port():
    out = subprocess.run([sys.executable, "-m", "explorer", "--bogus"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1 and "--bogus" in out.stderr
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        out = subprocess.run([sys.executable, "-m", "explorer", "--port", str(port)], cwd=ROOT, capture_output=True,
                             text=True, timeout=60)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1 and "busy" in out.stderr
