"""``python -m figures`` as a command (figures by name, --list, empty paths, progress, --quiet), the figure cache's
provenance, and ``benchmarks.convergence_map``'s flags. Cheap: the figures' compute/plot are replaced by
trivial ones wherever the command, not the numbers, is under test."""

import inspect
import json
from pathlib import Path

import numpy as np
import pytest

import figures.__main__ as figures_main
import pruning_cli
from figures.common import cached
from figures.registry import FIGURES
from theory import provenance

REPO = Path(__file__).resolve().parents[1]
NAMES = tuple(m.NAME for m in FIGURES)


@pytest.fixture
def fake_figures(monkeypatch):
    """Every figure's compute reports three steps and returns a tiny array; plot writes one small file.
    Returns the names computed, in order."""
    computed = []
    for module in FIGURES:
        def compute(quick=False, data_dir=None, progress=None, name=module.NAME):
            computed.append(name)
            for i in range(3):
                if progress is not None:
                    progress(f"point {i + 1}/3")
            return {"x": np.arange(3.0)}

        def plot(data, out, name=module.NAME):
            out.mkdir(parents=True, exist_ok=True)
            path = out / f"{name}.png"
            path.write_bytes(b"png")
            return [path]

        monkeypatch.setattr(module, "compute", compute)
        monkeypatch.setattr(module, "plot", plot)
    return computed


def _one_line_exit_2(capsys, argv, main=figures_main.main) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


# --- item 14: one figure, several, --list, the per-figure API -------------------------------------------------
def test_list_prints_every_figure_with_one_line_saying_what_it_shows(capsys):
    assert figures_main.main(["--list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(NAMES)
    assert all(len(line.split(None, 1)[1]) > 20 for line in lines)
    assert figures_main.main(["--list", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["figure"] for r in records] == list(NAMES) and all(r["summary"] for r in records)


def test_unknown_figure_is_one_line_naming_it_and_the_valid_names(capsys):
    line = _one_line_exit_2(capsys, ["label_noise", "fig3"])
    assert "unknown figure 'fig3'" in line and all(name in line for name in NAMES)


def test_figures_by_name_makes_only_those_in_the_order_given(fake_figures, tmp_path, capsys):
    out, data = tmp_path / "out", tmp_path / "data"
    argv = ["label_noise", "paper_fig1", "label_noise", "--jobs", "1", "--out", str(out), "--data", str(data),
            "--format", "json"]
    assert figures_main.main(argv) == 0
    records = json.loads(capsys.readouterr().out)
    assert sorted(fake_figures) == ["label_noise", "paper_fig1"]  # each once
    assert [r["figure"] for r in records] == ["label_noise", "paper_fig1"]
    assert sorted(p.name for p in out.iterdir()) == ["label_noise.png", "paper_fig1.png"]
    # one figure with the default --jobs runs in this process (no worker for a single figure)
    assert figures_main.main(["fig1_perfect_probe", "--out", str(out), "--data", str(data)]) == 0
    assert fake_figures[-1] == "fig1_perfect_probe" and len(fake_figures) == 3


def test_every_figure_module_has_the_documented_api():
    """NAME, SUMMARY, compute(quick=False, data_dir=DATA_DIR, progress=None) and plot(data, out), as
    figures/registry.py and figures/README.md document them."""
    from figures.common import DATA_DIR

    readme = (REPO / "figures" / "README.md").read_text()
    for module in FIGURES:
        assert isinstance(module.SUMMARY, str) and "\n" not in module.SUMMARY
        params = inspect.signature(module.compute).parameters
        assert list(params) == ["quick", "data_dir", "progress"]
        assert (params["quick"].default, params["data_dir"].default, params["progress"].default) == (
            False, DATA_DIR, None)
        assert list(inspect.signature(module.plot).parameters) == ["data", "out"]
        assert f"`{module.NAME}`" in readme
    assert "compute(quick" in readme and "progress=print" in readme and "--list" in readme


# --- item 7: empty paths ---------------------------------------------------------------------------------
@pytest.mark.parametrize("flag", ["--out", "--data"])
def test_empty_path_is_refused_in_one_line(flag, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    line = _one_line_exit_2(capsys, ["paper_fig1", "--quick", flag, ""])
    assert f"{flag} must name a directory, got ''" in line
    assert list(tmp_path.iterdir()) == []  # nothing written into the working directory


# --- item 13: progress ------------------------------------------------------------------------------------
@pytest.fixture
def not_compiled(monkeypatch):
    """numba's disk cache holds none of the kernels (the first run after installing)."""
    monkeypatch.setattr(pruning_cli, "numba_cached", lambda source: False)


def test_progress_on_a_terminal_shows_every_step_and_the_numba_note(fake_figures, not_compiled, tmp_path, monkeypatch,
                                                                    capsys):
    monkeypatch.setattr(figures_main, "_terminal", lambda: True)
    seen = []
    step = figures_main._Progress.step
    monkeypatch.setattr(figures_main._Progress, "step",
                        lambda self, name, message: (seen.append((name, message)), step(self, name, message)))
    argv = ["laws_collapse", "fig1_perfect_probe", "--jobs", "1", "--out", str(tmp_path), "--data", str(tmp_path)]
    assert figures_main.main(argv) == 0
    err = capsys.readouterr().err
    assert err.splitlines()[0] == figures_main.NUMBA_NOTE  # said once, before any computation
    assert err.count("numba") == 1
    for name in ("laws_collapse", "fig1_perfect_probe"):
        assert [m for n, m in seen if n == name] == ["computing", "point 1/3", "point 2/3", "point 3/3", "drawing"]
        assert f"{name}: {tmp_path / name}.png (" in err  # the finished line
    assert "figures: 100%" in err and "step" in err  # the bars were drawn (tqdm)


def test_quiet_and_not_a_terminal(fake_figures, not_compiled, tmp_path, monkeypatch, capsys):
    argv = ["laws_collapse", "--out", str(tmp_path), "--data", str(tmp_path)]
    monkeypatch.setattr(figures_main, "_terminal", lambda: True)
    assert figures_main.main([*argv, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "laws_collapse" in captured.out
    monkeypatch.setattr(figures_main, "_terminal", lambda: False)  # a log file: one line per figure, no note
    assert figures_main.main(argv) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("laws_collapse: ")


def test_the_numba_note_is_said_only_when_the_kernels_are_not_cached(fake_figures, tmp_path, monkeypatch, capsys):
    """Item 13: "say once when numba compiles for the first time" (it used to be said on every run, into logs too).
    The cache is read by the command lines' own check (pruning_cli.numba_cached) for every kernel module they
    compile; like theirs, the note is for a terminal only."""
    monkeypatch.setattr(figures_main, "_terminal", lambda: True)
    checked = []
    monkeypatch.setattr(pruning_cli, "numba_cached", lambda source: checked.append(source) or True)
    argv = ["laws_collapse", "--jobs", "1", "--out", str(tmp_path), "--data", str(tmp_path)]
    assert figures_main.main(argv) == 0
    note = pruning_cli.NUMBA_NOTE  # (tmp_path names this test, "numba" and all)
    err = capsys.readouterr().err
    assert note not in err and "laws_collapse: " in err  # cached: the finished line only
    assert {"theory/integrals.py", "theory/convex_moments.py", "simulations/_numba.py"} <= set(checked)
    monkeypatch.setattr(pruning_cli, "numba_cached", lambda source: source != "simulations/_numba.py")
    assert figures_main.main(argv) == 0  # one kernel module not cached: said once, first
    err = capsys.readouterr().err
    assert err.splitlines()[0] == figures_main.NUMBA_NOTE and err.count(note) == 1
    assert figures_main.NUMBA_NOTE == f"python -m figures: {note}"  # the other commands' words
    assert figures_main.main([*argv, "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert figures_main.main(["--list"]) == 0  # nothing is computed: nothing to say
    assert note not in capsys.readouterr().err
    monkeypatch.setattr(figures_main, "_terminal", lambda: False)  # a log file: the finished line only
    assert figures_main.main(argv) == 0
    err = capsys.readouterr().err
    assert note not in err and "laws_collapse: " in err


def test_item15_the_label_noise_figure_is_where_a_readme_reader_sees_it():
    """Item 15: the figure answering the headline question is shown in the README (an image in the repository) with
    the command that makes it, and listed in figures/README.md."""
    import re

    readme = (REPO / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]*label_noise[^)]*\.png)\)", readme)
    assert images and all((REPO / image).stat().st_size > 10_000 for image in images)
    assert "python -m figures label_noise" in readme
    assert "`label_noise`" in (REPO / "figures" / "README.md").read_text()


def test_sweeps_report_their_work_units_instead_of_their_own_bar():
    from figures.common import sweep_progress

    assert sweep_progress(None) == {"show_progress": True}
    messages = []
    kwargs = sweep_progress(messages.append)
    assert kwargs["show_progress"] is False
    kwargs["on_unit_done"]("key-a")
    kwargs["on_unit_done"]("key-b")
    assert messages == ["simulation work unit 1", "simulation work unit 2"]


# --- issue 25 item 5: the figure cache's provenance ------------------------------------------------------------
def test_figure_cache_carries_the_versions_and_a_solver_change_recomputes(tmp_path, monkeypatch):
    from figures.common import PACKAGE_KEY, SOLVER_KEY

    calls = []

    def compute():
        calls.append(1)
        return {"x": np.arange(3.0) + len(calls)}

    data = cached("demo", True, compute, tmp_path)
    path = tmp_path / "demo_quick.npz"
    with np.load(path) as z:
        assert int(z[SOLVER_KEY]) == provenance.SOLVER_VERSION and str(z[PACKAGE_KEY]) == provenance.PACKAGE_VERSION
    assert list(data) == ["x"] and len(calls) == 1
    assert list(cached("demo", True, compute, tmp_path)) == ["x"] and len(calls) == 1  # reused
    # a cache written by another solver version is recomputed (and rewritten with this version)
    monkeypatch.setattr(provenance, "SOLVER_VERSION", provenance.SOLVER_VERSION + 1)
    assert cached("demo", True, compute, tmp_path)["x"][0] == 2.0 and len(calls) == 2
    with np.load(path) as z:
        assert int(z[SOLVER_KEY]) == provenance.SOLVER_VERSION
    assert cached("demo", True, compute, tmp_path)["x"][0] == 2.0 and len(calls) == 2
    monkeypatch.undo()
    # a legacy cache (no versions) is read as provenance.is_current(None) says
    np.savez(path, x=np.zeros(3))
    assert cached("demo", True, compute, tmp_path)["x"][0] == 0.0 and len(calls) == 2  # legacy = current: reused
    monkeypatch.setattr(provenance, "SOLVER_VERSION", provenance.LEGACY_SOLVER_VERSION + 1)
    assert cached("demo", True, compute, tmp_path)["x"][0] == 3.0 and len(calls) == 3  # legacy is stale: recomputed
    # an unreadable cache file is recomputed; no temporary file is left behind
    path.write_bytes(b"not an npz")
    assert cached("demo", True, compute, tmp_path)["x"][0] == 4.0 and len(calls) == 4
    assert [p.name for p in tmp_path.iterdir()] == ["demo_quick.npz"]


# --- item 9: benchmarks.convergence_map ----------------------------------------------------------------------
def test_convergence_map_errors_are_one_line_and_help_explains_grid():
    """Run as a user runs it (tests never import benchmarks: benchmarks import tests' helpers)."""
    import subprocess
    import sys

    from tests.convergence_grid import GRIDS

    def run(*argv):
        return subprocess.run([sys.executable, "-m", "benchmarks.convergence_map", *argv], capture_output=True,
                              text=True, cwd=REPO)

    for argv, expected in ((["--grid", "nope"], ("--grid", "'nope'")),
                           (["--bogus"], ("unrecognized arguments: --bogus",))):
        proc = run(*argv)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and all(e in lines[0] for e in expected), proc.stderr
    proc = run("--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "examples:" in text and all(f"{name} (" in text for name in GRIDS)
    readme = " ".join((REPO / "README.md").read_text().split())
    assert "`benchmarks.convergence_map` no flags" not in readme
    assert "`benchmarks.convergence_map` takes `--grid" in readme


def test_pool_map_keeps_the_order_and_reports_every_job():
    from concurrent.futures import ThreadPoolExecutor

    from figures.common import pool_map

    messages = []
    with ThreadPoolExecutor(2) as pool:
        assert pool_map(pool, lambda x: x * x, [3, 1, 2], messages.append, "job") == [9, 1, 4]
    assert messages == ["job 1/3", "job 2/3", "job 3/3"]
