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


def test_label_noise_draws_noisy_max_margin_frontiers_up_to_the_separability_line(capsys):
    """label_noise, panels A (theta = 0) and B (10 deg): the max-margin frontier on labels flip:0.2 (quick grid) is
    drawn, every drawn budget lies below its end, the end is the largest separability line over the envelope's rules
    and f (recomputed here; beyond it theory.solve refuses the max-margin student), the diamond sits on it, and a
    drawn point agrees with theory.solve there."""
    import json

    import matplotlib.pyplot as plt
    import pytest

    from figures import label_noise
    from theory import Params
    from theory.point import solve_point
    from theory.separability import separability_threshold
    from theory.solve import main as solve_main

    data = label_noise.max_margin_noisy_frontiers(quick=True)
    fig, axes = plt.subplots(1, 2)
    for ax, theta in zip(axes, (0.0, 10.0)):
        label_noise._max_margin_noisy_lines(ax, data, theta)
        key = f"mm_noisy_{theta:g}_0.2"
        lines = {line.get_gid(): line for line in ax.get_lines()}
        assert {key, f"{key}_end", f"{key}_jumps"} <= set(lines)
        x = np.asarray(lines[key].get_xdata(), float)
        end = float(data[f"{key}_end"])
        assert np.isfinite(x).sum() >= 2 and np.nanmax(x) < end
        assert lines[f"{key}_end"].get_xdata()[0] == end
        seps = [separability_threshold(Params(1.0, float(f), rule, theta, learner="max-margin", labels="flip:0.2"))
                .alpha_sep for rule in ("hard", "easy") for f in data["mm_noisy_fractions"]
                if label_noise._drawn(rule, float(f), theta)]
        assert end == pytest.approx(max(seps), rel=1e-12) and end < 3.0  # 2.66 (theta = 0), 2.63 (10 deg)
        beyond = Params(1.01 * end, float(data[f"{key}_end_f"]), str(data[f"{key}_end_rule"]), theta,
                        learner="max-margin", labels="flip:0.2")
        with pytest.raises(ValueError, match="separable only for alpha_prune <"):
            solve_point(beyond)
        # one drawn point against theory.solve (the command line) at its optimum (rule, f)
        alphas, eps = data[f"{key}_alphas"], data[f"{key}_eps"]
        i = alphas.size // 2
        args = ["--alpha-prune", repr(float(alphas[i])), "-f", repr(float(data[f"{key}_f"][i])), "--keep",
                str(data[f"{key}_rule"][i]), "--theta", f"{theta:g}", "--learner", "max-margin", "--labels",
                "flip:0.2", "--format", "json"]
        capsys.readouterr()
        assert solve_main(args) == 0
        record = json.loads(capsys.readouterr().out)[0]
        assert record["success"] and record["eps"] == pytest.approx(float(eps[i]), rel=1e-6)
        assert float(eps[i]) < 0.5
    plt.close(fig)
