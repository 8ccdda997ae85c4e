import numpy as np

from figures.__main__ import FIGURES, main


def test_quick_mode_writes_every_file_and_mc_matches_theory(tmp_path):
    out, data = tmp_path / "out", tmp_path / "data"
    assert main(["--quick", "--out", str(out), "--data", str(data)]) == 0
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
