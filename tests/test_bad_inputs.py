"""Bad input at every entry point: exit code 2 and one line on stderr naming the flag and the value typed, never a
warning or a traceback (issue 29, items 1-8, 10-12), and the layering of issue 25 item 4: no library module imports
the command-line layer. The command lines run in-process through their ``main(argv)`` (a subprocess costs 1-2 s)."""

from __future__ import annotations

import ast
import json
import warnings
from pathlib import Path

import pytest

import figures.__main__ as figures_cli
import simulations.run as run_cli
import simulations.sweep.__main__ as sweep_cli
import theory.asymptotics.__main__ as asymptotics_cli
import theory.frontier.__main__ as frontier_cli
import theory.pool.__main__ as pool_cli
import theory.solve as solve_cli

ROOT = Path(__file__).resolve().parents[1]
MAINS = {"theory.solve": solve_cli.main, "theory.frontier": frontier_cli.main, "theory.pool": pool_cli.main,
         "theory.asymptotics": asymptotics_cli.main, "simulations.run": run_cli.main,
         "simulations.sweep": sweep_cli.main, "figures": figures_cli.main}
RUN = ["--alpha-prune", "2", "-f", "0.5", "--keep", "hard", "--n", "40", "--seeds", "2"]
SWEEP = ["--alpha-prune", "2", "-f", "0.5", "--keep", "hard", "--n", "40", "--seeds", "2"]


def _refused(capsys, module, argv):
    """Run ``module``'s main on argv: exit 2, exactly one line on stderr, no Python warning; the line."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a numpy RuntimeWarning would fail here
        with pytest.raises(SystemExit) as exc:
            MAINS[module](argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert exc.value.code == 2 and len(lines) == 1, err
    assert "Traceback" not in err and "Warning" not in err
    return lines[0]


BAD_INPUTS = [  # (entry point, argv, the flag and the value the line must name)
    # theory.solve
    ("theory.solve", ["--alpha-prune", "1", "-f", "1e-20"], ["-f/--keep-fraction", "1e-20"]),
    ("theory.solve", ["--alpha-prune", "1", "-f", "1e-300"], ["-f/--keep-fraction", "1e-300"]),
    ("theory.solve", ["--alpha-prune", "1", "--learner", "logistic:1e-300"], ["--learner", "1e-300"]),
    ("theory.solve", ["--alpha-prune", "1", "--learner", "square:1e300"], ["--learner", "1e+300"]),
    ("theory.solve", ["--alpha-prune", "1", "--tol", "0"], ["--tol", "0"]),
    ("theory.solve", ["--alpha-prune", "1", "--learner", "foo"], ["--learner", "foo"]),
    ("theory.solve", ["--alpha-prune", "1", "--labels", "bar"], ["--labels", "bar"]),
    ("theory.solve", ["--alpha-prune", "1", "--probe-alpha", "-1"], ["--probe-alpha", "-1"]),
    # theory.frontier
    ("theory.frontier", ["--alpha-prune", "4", "--min-keep-fraction", "1e-12"], ["--min-keep-fraction", "1e-12"]),
    ("theory.frontier", ["--alpha-prune", "4", "--learner", "hinge:1e-300"], ["--learner", "1e-300"]),
    ("theory.frontier", ["--alpha-prune", "1e9"], ["--alpha-prune", "1000000000"]),
    ("theory.frontier", ["--alpha-prune", "4", "--labels", "flip:2"], ["--labels", "flip:E", "2"]),
    # theory.pool
    ("theory.pool", ["--alpha-total", "50", "--min-keep-fraction", "1e-30"], ["--min-keep-fraction", "1e-30"]),
    ("theory.pool", ["--alpha-total", "1", "--min-keep-fraction", "1e-8"], ["--min-keep-fraction", "1e-08"]),
    ("theory.pool", ["--alpha-total", "5", "--plateau-tol", "-1"], ["--plateau-tol", "-1"]),
    ("theory.pool", ["--alpha-total", "5", "--learner", "square:1e300"], ["--learner", "1e+300"]),
    ("theory.pool", ["--alpha-total", "-5"], ["--alpha-total", "-5"]),
    # theory.asymptotics
    ("theory.asymptotics", ["--max-alpha", "10"], ["--max-alpha", "10"]),
    ("theory.asymptotics", ["--theta", "0"], ["--theta", "0"]),
    ("theory.asymptotics", ["--theta", "95"], ["--theta", "95"]),
    ("theory.asymptotics", ["--max-alpha", "nan"], ["--max-alpha", "nan"]),
    # simulations.run
    ("simulations.run", RUN + ["--seed", "-1"], ["--seed", "-1"]),
    ("simulations.run", ["--alpha-prune", "2", "-f", "1e-300", "--keep", "hard"], ["-f/--keep-fraction", "1e-300"]),
    ("simulations.run", RUN + ["--learner", "logistic:1e-300", "--labels", "flip:0.1"], ["--learner", "1e-300"]),
    ("simulations.run", RUN + ["--learner", "square:1e300"], ["--learner", "1e+300"]),
    ("simulations.run", RUN + ["--workers", "0"], ["--workers", "0"]),
    ("simulations.run", RUN + ["--n", "1"], ["--n", "1"]),
    # simulations.sweep
    ("simulations.sweep", SWEEP + ["--store", ""], ["--store", "''"]),
    ("simulations.sweep", SWEEP + ["--seed", "-3", "--store", "STORE"], ["--seed", "-3"]),
    ("simulations.sweep", ["--alpha-prune", "2", "-f", "1e-300", "--keep", "hard", "--store", "STORE"],
     ["-f/--keep-fraction", "1e-300"]),
    ("simulations.sweep", SWEEP + ["--learner", "logistic:1e-300", "--store", "STORE"], ["--learner", "1e-300"]),
    # figures
    ("figures", ["--jobs", "0"], ["--jobs", "0"]),
    ("figures", ["--out", ""], ["--out", "''"]),
    ("figures", ["--data", " "], ["--data", "' '"]),
]


@pytest.mark.parametrize("module,argv,names", BAD_INPUTS, ids=[f"{m}:{' '.join(a[-2:])}" for m, a, _ in BAD_INPUTS])
def test_bad_input_is_one_line_naming_flag_and_value(capsys, tmp_path, module, argv, names):
    argv = [str(tmp_path / "store") if a == "STORE" else a for a in argv]
    line = _refused(capsys, module, argv)
    for name in names:
        assert name in line, (name, line)


def test_at_least_three_bad_inputs_per_entry_point():
    counts = {m: sum(b[0] == m for b in BAD_INPUTS) for m in MAINS}
    assert len(BAD_INPUTS) >= 25 and min(counts.values()) >= 3, counts


# --- one test per item of issue 29 --------------------------------------------------------------------------------
def test_item1_absurd_ridge_is_refused_with_the_supported_range(capsys):
    line = _refused(capsys, "simulations.run", RUN + ["--learner", "logistic:1e-300", "--labels", "flip:0.1"])
    assert "leading minor" not in line and "[1e-06, 10000]" in line


def test_item2_absurd_f_in_the_monte_carlo_is_one_line(capsys):
    line = _refused(capsys, "simulations.run", ["--alpha-prune", "2", "-f", "1e-300", "--keep", "hard"])
    assert "[1e-100, 1]" in line


def test_item3_theory_refuses_f_below_its_range_and_the_monte_carlo_says_why(capsys):
    assert "[1e-09, 1]" in _refused(capsys, "theory.solve", ["--alpha-prune", "1", "-f", "1e-20"])
    assert run_cli.main(["--alpha-prune", "4", "-f", "1e-20", "--keep", "hard", "--n", "30", "--seeds", "2",
                         "--format", "json"]) == 0
    out, err = capsys.readouterr()
    (rec,) = json.loads(out)
    assert rec["eps_theory"] is None and 0.0 <= rec["eps_mean"] < 1e-12
    assert "eps_theory" in err and "1e-20" in err and "1e-09" in err


def test_item4_negative_seed_names_flag_and_value(capsys):
    assert _refused(capsys, "simulations.run", RUN + ["--seed", "-1"]).endswith("--seed must be a non-negative "
                                                                                  "integer (numpy's SeedSequence), "
                                                                                  "got -1")


def test_item5_run_takes_keep_both(capsys):
    argv = ["--alpha-prune", "2", "-f", "0.5", "--keep", "both", "--n", "30", "--seeds", "2", "--format", "json"]
    assert run_cli.main(argv) == 0
    assert [r["keep"] for r in json.loads(capsys.readouterr().out)] == ["hard", "easy"]


def test_item6_pool_blames_the_flag_typed(capsys):
    line = _refused(capsys, "theory.pool", ["--alpha-total", "50", "--min-keep-fraction", "1e-30"])
    assert "alpha_prune" not in line and "5.0e-29" not in line and "--min-keep-fraction" in line


def test_item7_empty_store_is_refused(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _refused(capsys, "simulations.sweep", SWEEP + ["--store", ""])
    assert list(tmp_path.iterdir()) == []


def test_item8_max_margin_noisy_refusal_names_both_rules(capsys):
    # above both separability lines (hard 4.248, easy 5.719 at f = 0.2, flip:0.05): the max-margin student exists
    # for neither rule
    line = _refused(capsys, "theory.solve", ["--alpha-prune", "6", "-f", "0.2", "--labels", "flip:0.05"])
    assert "keep hard" in line and "keep easy" in line
    line = _refused(capsys, "simulations.run", ["--alpha-prune", "6", "-f", "0.2", "--keep", "both", "--labels",
                                                "flip:0.05"])
    assert "keep hard" in line and "keep easy" in line


@pytest.mark.parametrize("argv,start", [
    (["--alpha-prune", "1", "--tol", "0"], "--tol must be > 0"),
    (["--alpha-prune", "1", "--learner", "foo"], "--learner must be"),
    (["--alpha-prune", "1", "--labels", "bar"], "--labels must be"),
    (["--alpha-prune", "1", "--probe-alpha", "-1"], "--probe-alpha must be"),
])
def test_item10_messages_name_the_flag_typed(capsys, argv, start):
    assert _refused(capsys, "theory.solve", argv).startswith(f"python -m theory.solve: error: {start}")


def test_item11_pool_prints_the_plateau_first(capsys, monkeypatch):
    from theory.pool import PoolReport

    fake = PoolReport(50.0, 5.0, "max-margin", "clean", "hard", 0.963266, 0.0100026, 48.1633, 0.196019, 1.0,
                      9.80093, 0.01, 0.0100026, 0.0732789, "hard above, easy below", False)
    monkeypatch.setattr(pool_cli, "pool_report", lambda *a, **k: fake)
    assert pool_cli.main(["--alpha-total", "50", "--theta", "5"]) == 0
    header, _, row, summary = capsys.readouterr().out.strip().splitlines()
    cols = header.split()
    assert cols.index("f_plateau_lo") < cols.index("f_plateau_hi") < cols.index("f_best")
    assert summary.index("any f in [0.196, 1]") < summary.index("single best f found is 0.9633")


def test_item12_run_help_and_readme_explain_the_columns(capsys):
    with pytest.raises(SystemExit):
        run_cli.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "seconds: the wall time" in text and "negative for a convex learner" in text
    readme = (ROOT / "README.md").read_text()
    block = readme.split("--n 100 200 400 --seeds 20`:\n\n```\n")[1].split("```")[0]
    assert block.splitlines()[0].split()[5:7] == ["learner", "labels"]
    assert "`seconds`" in readme and "negative `margin_mean`" in readme


# --- layering (issue 25 item 4) -----------------------------------------------------------------------------------
CLI_MODULES = {"pruning_cli", "theory.solve", "simulations.run", "figures", "explorer", "benchmarks"}


def _is_cli(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in CLI_MODULES) or name.split(".")[-1] == "__main__"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_the_library_never_imports_the_command_line():
    """Every module under theory/ and simulations/ except the entry points (``__main__.py``, ``theory/solve.py``,
    ``simulations/run.py``) is library: no import of pruning_cli or of an entry point, at any depth (inside
    functions too)."""
    offenders = []
    for path in sorted([*(ROOT / "theory").rglob("*.py"), *(ROOT / "simulations").rglob("*.py")]):
        name = _module_name(path)
        if _is_cli(name):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            offenders += [f"{name}:{node.lineno} imports {n}" for n in names if _is_cli(n)]
    assert not offenders, offenders


def test_the_layering_scan_sees_an_import_inside_a_function(tmp_path):
    tree = ast.parse("def f():\n    from pruning_cli import progress\n")
    assert any(isinstance(n, ast.ImportFrom) and _is_cli(n.module) for n in ast.walk(tree))
