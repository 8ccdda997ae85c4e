"""Issue 29 item 13: feedback on long work. The library's progress callbacks (simulate's per-seed ``on_seed_done``,
``frontier_point`` / ``f_min`` / ``pool_report``'s ``progress``) leave the numbers unchanged; the command lines draw a
bar that every step moves, on stderr and only on a terminal (here a fake one: ``pruning_cli.terminal``), never with
``--quiet``; stdout is the same either way; the numba note is said once when the kernels are not cached."""

import json
import os
import tempfile
import time
from pathlib import Path

import pytest

import pruning_cli
from simulations.runner import simulate
from theory import Params
from theory.frontier import f_min, frontier_point
from theory.pool import pool_report


@pytest.fixture
def fake_terminal(monkeypatch):
    """stderr is a terminal, the bars appear at once, and the numba kernels are cached (no note)."""
    monkeypatch.setattr(pruning_cli, "terminal", lambda: True)
    monkeypatch.setattr(pruning_cli, "BAR_DELAY", 0.0)
    monkeypatch.setattr(pruning_cli, "numba_cached", lambda source: True)


def _records(out: str) -> list[dict]:
    """JSON records without the wall time (the only column that may differ between two runs)."""
    return [{k: v for k, v in r.items() if k != "seconds"} for r in json.loads(out)]


# --- (a) simulate: a callback per seed ------------------------------------------------------------------------------
def test_simulate_reports_every_seed_and_the_numbers_do_not_change():
    params = Params(1.0, 0.5, "hard", 0.0)
    done = []
    with_callback = simulate(params, n=30, seeds=6, seed=3, on_seed_done=done.append)
    assert done == [1] * 6  # one call per seed, in this process (the units were 4 seeds: two calls)
    plain = simulate(params, n=30, seeds=6, seed=3)
    assert with_callback.eps == plain.eps and with_callback.margin == plain.margin


def test_simulate_with_workers_reports_every_chunk():
    done = []
    simulate(Params(1.0, 0.5, "easy", 0.0), n=20, seeds=6, workers=2, on_seed_done=done.append)
    assert sorted(done) == [2, 4] and sum(done) == 6


def test_run_draws_a_bar_moved_by_every_seed_and_quiet_turns_it_off(fake_terminal, capsys, monkeypatch):
    from simulations import run

    moves = []
    advance = pruning_cli.StepBar.advance
    monkeypatch.setattr(pruning_cli.StepBar, "advance", lambda self, n=1: (moves.append(n), advance(self, n)))
    argv = ["--alpha-prune", "1", "-f", "0.5", "--keep", "both", "--n", "20", "30", "--seeds", "3", "--format", "json"]
    assert run.main(argv) == 0
    shown = capsys.readouterr()
    assert moves == [1] * 12  # 2 rules x 2 N x 3 seeds
    assert "simulations:" in shown.err and "/12" in shown.err and "seed" in shown.err
    assert run.main([*argv, "--quiet"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == "" and _records(quiet.out) == _records(shown.out)


# --- (b) frontier and pool: a callback per theory point ---------------------------------------------------------------
def test_frontier_point_and_f_min_report_every_point_and_return_the_same():
    messages = []
    reported = frontier_point(4.0, 10.0, progress=messages.append)
    assert reported == frontier_point(4.0, 10.0)
    assert len(messages) > 48 and messages[0].startswith("alpha_prune=4: f=")  # 2 rules x 24 scan points, Brent
    ridge = []  # a ridge search reports the ridge it tries
    frontier_point(2.0, 0.0, 0.5, ("hard",), "square", "clean", progress=ridge.append)
    assert any("square ridge s=" in m for m in ridge) and len(ridge) > 24  # at least one frontier scan over f
    budgets = []
    assert f_min(10.0, (4.0, 8.0), 1e-3, progress=budgets.append) == f_min(10.0, (4.0, 8.0), 1e-3)
    assert {m.split(":")[0] for m in budgets} == {"alpha_prune=4", "alpha_prune=8"}


def test_pool_report_reports_the_search_the_plateau_and_the_crossing():
    messages = []
    assert pool_report(20.0, 5.0, progress=messages.append) == pool_report(20.0, 5.0)
    for part in ("best f", "plateau", "hard vs easy"):
        assert any(f"alpha_total=20, {part}: f=" in m for m in messages), part


@pytest.mark.parametrize("module, argv, desc", [
    ("theory.frontier.__main__", ["--alpha-prune", "4", "16", "--theta", "10", "--keep", "hard", "mix"], "frontier:"),
    ("theory.pool.__main__", ["--alpha-total", "20", "--theta", "5"], "pool:"),
])
def test_frontier_and_pool_bars_move_inside_a_point_and_quiet_turns_them_off(module, argv, desc, fake_terminal,
                                                                              capsys, monkeypatch):
    import importlib

    main = importlib.import_module(module).main
    steps = []
    step = pruning_cli.StepBar.step
    monkeypatch.setattr(pruning_cli.StepBar, "step", lambda self, m: (steps.append(time.perf_counter()), step(self, m)))
    assert main(argv) == 0
    shown = capsys.readouterr()
    assert desc in shown.err and "steps]" in shown.err  # the bar, naming the last step
    assert len(steps) > 50 and max(b - a for a, b in zip(steps, steps[1:])) < 2.0  # it moves, never 2 s silent
    assert main([*argv, "--quiet"]) == 0
    quiet = capsys.readouterr()
    assert quiet.err == "" and quiet.out == shown.out  # stdout byte for byte
    monkeypatch.setattr(pruning_cli, "terminal", lambda: False)  # a log file: no bar
    assert main(argv) == 0
    logged = capsys.readouterr()
    assert logged.err == "" and logged.out == shown.out


def test_sweep_draws_a_bar_in_seeds_moved_by_every_seed_and_quiet_turns_it_off(fake_terminal, tmp_path, capsys,
                                                                               monkeypatch):
    """The sweep's bar counts seeds and every fitted seed moves it (it used to move once per unit of 5 seeds)."""
    import simulations.sweep as sw
    from simulations.sweep.__main__ import main
    from theory.progress import progress

    bars = []

    def recorded(iterable=None, total=None, desc="", unit="it"):
        bar = progress(iterable, total=total, desc=desc, unit=unit)
        bars.append({"total": total, "unit": unit, "updates": []})
        update = bar.update
        bar.update = lambda n=1: (bars[-1]["updates"].append(n), update(n))
        return bar

    monkeypatch.setattr(sw, "progress", recorded)
    argv = ["--alpha-prune", "1", "-f", "0.5", "--keep", "both", "--n", "20", "--seeds", "6", "--format", "json"]
    assert main([*argv, "--store", str(tmp_path / "a")]) == 0
    shown = capsys.readouterr()
    assert bars == [{"total": 12, "unit": "seed", "updates": [1] * 12}]  # 2 rules x 6 seeds, in units of 5 and 1
    assert main([*argv, "--store", str(tmp_path / "b"), "--quiet"]) == 0
    quiet = capsys.readouterr()
    assert len(bars) == 1 and quiet.err == "" and _records(quiet.out) == _records(shown.out)


def test_a_library_bar_redraws_its_elapsed_time_during_a_long_step(monkeypatch):
    """theory.progress: a shown bar (stderr a terminal) is redrawn by a clock while no update moves it (one seed at
    large N takes longer than the "few seconds" of item 13), and the clock stops when the bar closes; off a
    terminal there is neither bar nor clock."""
    import io
    import sys
    import threading

    from theory import progress as progress_module

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    monkeypatch.setattr(progress_module, "TICK", 0.02)
    bar = progress_module.progress(None, total=3, desc="sweep", unit="seed")
    time.sleep(0.5)  # no update: only the clock draws
    assert screen.getvalue().count("0/3") >= 5 and "seed" in screen.getvalue()
    bar.update(3)
    bar.close()
    assert not any(t.name == "progress clock" for t in threading.enumerate())
    drawn = screen.getvalue()
    time.sleep(0.1)
    assert screen.getvalue() == drawn  # nothing after close
    assert list(progress_module.progress(range(3))) == [0, 1, 2]  # over an iterable, as before
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal: no clock
    bar = progress_module.progress(None, total=3)
    assert bar.disable and not any(t.name == "progress clock" for t in threading.enumerate())
    bar.close()


# --- (c) the numba note ----------------------------------------------------------------------------------------------
def test_numba_cached_reads_the_index_files_beside_the_source(tmp_path, monkeypatch):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    source = tmp_path / "kernels.py"
    source.write_text("x = 1\n")
    assert not pruning_cli.numba_cached(source)  # never compiled
    cache = tmp_path / "__pycache__"
    cache.mkdir()
    index = cache / "kernels.add-3.py311.nbi"
    index.write_bytes(b"")
    assert pruning_cli.numba_cached(source)
    later = time.time() + 10
    os.utime(source, (later, later))  # the source edited after the kernels were cached: they will be recompiled
    assert not pruning_cli.numba_cached(source)
    assert pruning_cli.numba_cached("theory/integrals.py") in (True, False)  # a repository path


@pytest.mark.parametrize("module, argv", [
    ("theory.solve", ["--alpha-prune", "0.3", "-f", "1"]),
    ("theory.frontier.__main__", ["--alpha-prune", "4", "--keep", "hard", "--min-keep-fraction", "0.5"]),
    ("theory.pool.__main__", ["--alpha-total", "4", "--keep", "hard", "--min-keep-fraction", "0.5"]),
    ("simulations.run", ["--alpha-prune", "1", "-f", "0.5", "--keep", "hard", "--n", "20", "--seeds", "2"]),
    ("simulations.sweep.__main__", ["--alpha-prune", "1", "-f", "0.5", "--keep", "hard", "--n", "20", "--seeds", "2",
                                    "--store", str(Path(tempfile.mkdtemp(prefix="numba_note_")) / "store")]),
])
def test_the_numba_note_is_said_once_when_the_kernels_are_not_cached(module, argv, capsys, monkeypatch):
    import importlib

    main = importlib.import_module(module).main
    prog = "python -m " + module.removesuffix(".__main__")
    checked = []
    monkeypatch.setattr(pruning_cli, "terminal", lambda: True)
    monkeypatch.setattr(pruning_cli, "BAR_DELAY", 100.0)
    monkeypatch.setattr(pruning_cli, "numba_cached", lambda source: checked.append(source) or False)
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"{prog}: {pruning_cli.NUMBA_NOTE}" and err.count("numba") == 1
    assert checked[0] == "theory/integrals.py"
    if "--quiet" in {a.dest and f"--{a.dest}" for a in importlib.import_module(module).build_parser()._actions}:
        assert main([*argv, "--quiet"]) == 0
        assert "numba" not in capsys.readouterr().err
    monkeypatch.setattr(pruning_cli, "terminal", lambda: False)  # a log file: never
    assert main(argv) == 0
    assert "numba" not in capsys.readouterr().err
    monkeypatch.setattr(pruning_cli, "terminal", lambda: True)
    monkeypatch.setattr(pruning_cli, "numba_cached", lambda source: True)  # cached: nothing to say
    assert main(argv) == 0
    assert "numba" not in capsys.readouterr().err


def test_the_numba_note_checks_the_convex_kernels_for_a_convex_learner(monkeypatch, capsys):
    checked = []
    monkeypatch.setattr(pruning_cli, "terminal", lambda: True)
    monkeypatch.setattr(pruning_cli, "numba_cached", lambda source: checked.append(source) or True)
    assert not pruning_cli.numba_note("python -m theory.solve", "logistic:0.01")
    assert "theory/convex_moments.py" in checked
    checked.clear()
    assert not pruning_cli.numba_note("python -m theory.solve", "max-margin")
    assert checked == ["theory/integrals.py"]
    checked.clear()
    assert not pruning_cli.numba_note("python -m simulations.run", "max-margin")
    assert checked == ["theory/integrals.py", "simulations/_numba.py"]
    assert not pruning_cli.numba_note("python -m theory.solve", quiet=True)  # --quiet: never
    capsys.readouterr()
