import numpy as np

from figures.__main__ import FIGURES, main


def test_quick_mode_writes_every_file_and_mc_matches_theory(tmp_path, monkeypatch):
    import figures.__main__ as figures_main

    out, data = tmp_path / "out", tmp_path / "data"
    # progress as on a terminal: every figure's steps reach the parent from the two worker processes (--jobs 2)
    monkeypatch.setattr(figures_main, "_terminal", lambda: True)
    seen = []
    step = figures_main._Progress.step
    monkeypatch.setattr(figures_main._Progress, "step",
                        lambda self, name, message: (seen.append((name, message)), step(self, name, message)))
    assert main(["--quick", "--out", str(out), "--data", str(data), "--jobs", "2"]) == 0
    for module in FIGURES:  # computing from an empty cache: several steps before the drawing
        messages = [m for n, m in seen if n == module.NAME]
        assert messages[0] == "computing" and messages[-1] == "drawing" and len(messages) >= 5, (module.NAME, messages)
    for module in FIGURES:
        for ext in ("png", "pdf"):
            path = out / f"{module.NAME}.{ext}"
            assert path.exists() and path.stat().st_size > 10_000
    # the MC points drawn on the figures agree with the theory curves. A loose consistency check (the
    # rigorous, extrapolated comparison is tests/test_theory_vs_sim.py): 3 seeds at N = 100, allowance
    # 4 s.e.m. for noise plus 0.005 + 2% of eps for the O(1/N) finite-size bias at N = 100
    for module in FIGURES:
        d = module.compute(True, data)  # cached now: no recomputation
        if "mc_eps_mean" not in d:  # theory-only figures (information, laws)
            continue
        dev = np.abs(d["mc_eps_mean"] - d["mc_eps_theory"])
        assert np.all(dev < 4 * d["mc_eps_sem"] + 0.02 * d["mc_eps_theory"] + 0.005), dev
    # a second run only redraws (everything cached)
    files = sorted(p.name for p in data.rglob("*"))
    assert main(["--quick", "--out", str(out), "--data", str(data)]) == 0
    assert sorted(p.name for p in data.rglob("*")) == files


def test_legends_name_the_dimension_simulated_and_short_rules():
    """The legend's N is the N of the Monte Carlo records (quick mode simulates N = 100, not 200), and rule
    parameters are shown to 3 digits."""
    import matplotlib.pyplot as plt

    from figures.common import learning_curve_panel, short_rule

    fig, ax = plt.subplots()
    alphas, fractions = np.array([1.0, 2.0]), np.array([1.0, 0.5])
    mc = {"keep_fraction": np.array([0.5]), "keep": np.array(["hard"]), "alpha_prune": np.array([1.0]),
          "eps_mean": np.array([0.3]), "eps_sem": np.array([0.01]), "n": np.array([123.0])}
    learning_curve_panel(ax, alphas, np.full((2, 2), 0.3), fractions, mc, "hard", "t")
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)
    assert "Simulation (N = 123)" in texts and not any("200" in t for t in texts)
    assert short_rule("band:0.119407230007") == "band:0.119" and short_rule("hard") == "hard"


def test_bad_jobs_is_one_line_and_exit_2(capsys):
    import pytest

    with pytest.raises(SystemExit) as exit_info:
        main(["--jobs", "0"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--jobs must be >= 1, got 0" in err[0]
