"""Beyond the paper: selection rules other than keep hard / easy, and a probe trained on the pool itself.

A  theta = 10 degrees: the best test error within each rule family (hard/easy windows, band:S, mix:M,
   soft:T; f >= 1e-3, the family parameter optimised too) relative to the hard/easy frontier, vs
   alpha_prune; Monte Carlo (N = 200, 10 seeds) at the optimal band and hard points at alpha_prune = 4.
B  a probe trained on the pool it prunes (alpha_prune = 2, keep hard, Monte Carlo at N = 100 and 200
   extrapolated in 1/N) against the theory at its realised angle (which assumes the probe independent
   of the pool) and against training on the whole pool: keeping the hardest examples of a self-trained
   probe keeps its support vectors, so the student is the probe, eps = eps(alpha_tot).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from figures.common import (
    DATA_DIR,
    TOTAL_LABEL,
    X_LABEL,
    Progress,
    cached,
    plain_log_ticks,
    report,
    save,
    short_rule,
    simulation_label,
    steps,
)
from simulations import extrapolate, simulate
from theory import Params, generalization_error, solve_saddle
from theory.frontier import frontier_point

NAME = "selection_rules"
FAMILIES = (("hard", "easy"), ("band",), ("mix",), ("soft",))
THETA = 10.0
SUMMARY = "rule families beyond hard/easy (band, mix, soft) at theta = 10 deg, and a probe trained on its own pool"


def compute(quick: bool = False, data_dir: Path = DATA_DIR, progress: Progress | None = None) -> dict:
    """Theory (cached) and Monte Carlo (cached) of the figure; ``progress(message)`` after each point."""
    alphas = np.geomspace(4.0, 256.0, 5 if not quick else 2)
    pools = np.array([5.0, 10.0, 20.0, 40.0] if not quick else [5.0, 10.0])

    def theory():
        out = {"alphas": alphas, "families": np.array(["+".join(f) for f in FAMILIES])}
        points = [[frontier_point(a, THETA, 1e-3, keeps=fam) for a in steps(alphas, progress, f"best {'/'.join(fam)}")]
                  for fam in FAMILIES]
        out["eps"] = np.array([[p.eps_frontier for p in row] for row in points])
        out["keep_opt"] = np.array([[p.keep_opt for p in row] for row in points])
        out["f_opt"] = np.array([[p.f_opt for p in row] for row in points])
        return out

    data = cached(NAME + "_theory", quick, theory, data_dir)

    def monte_carlo():
        out = {"pools": pools}
        j = 0  # alpha = 4: the optimal hard and band points of panel A
        for i, label in ((0, "hard"), (1, "band")):
            params = Params(float(alphas[j]), float(data["f_opt"][i, j]), str(data["keep_opt"][i, j]), THETA)
            res = simulate(params, n=200 if not quick else 100, seeds=10 if not quick else 3, seed=5)
            out[f"mc_{label}"] = np.array([res.eps_mean, res.eps_sem])
            report(progress, f"simulation of the best {label} point")
            out["mc_n"] = np.array(res.n)
        self_inf, self_err, theta_real = [], [], []
        for pool in pools:
            runs = [simulate(Params(2.0, 2.0 / pool, "hard", 0.0), n=n, seeds=16 if not quick else 4, seed=3,
                             probe="self") for n in steps((100, 200), progress, f"self-trained probe, pool {pool:g}")]
            e, err = extrapolate(runs)
            self_inf.append(e)
            self_err.append(err)
            theta_real.append(np.mean([r.probe_angle_realised for r in runs]))
        out["self_eps"], out["self_err"], out["self_theta"] = map(np.array, (self_inf, self_err, theta_real))
        out["independent_theory"] = np.array([solve_saddle(Params(2.0, 2.0 / p, "hard", t)).eps
                                              for p, t in zip(pools, theta_real)])
        out["whole_pool"] = generalization_error(pools)
        return out

    return {**data, **cached(NAME + "_mc_v2", quick, monte_carlo, data_dir)}  # v2: records the N simulated


def plot(data: dict, out: Path) -> list[Path]:
    fig, axes = plt.subplots(1, 2, figsize=(12.5, 4.6))
    ax = axes[0]
    a, ref = data["alphas"], data["eps"][0]
    for label, row, rules in zip(data["families"], data["eps"], data["keep_opt"]):
        ax.plot(a, row / ref, "o-", ms=4, label=f"{label} (at alpha=4: {short_rule(rules[0])})")
    for i, label in ((0, "hard"), (1, "band")):
        mean, sem = data[f"mc_{label}"]
        ax.errorbar([a[0] * (1.04 if i else 0.96)], [mean / ref[0]], [sem / ref[0]], fmt="s", ms=5, capsize=3,
                    color=f"C{i}", label=f"{simulation_label(data['mc_n'])}, best {label}")
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set(xscale="log", xlabel=X_LABEL, ylabel=r"best $\varepsilon$ of the family / hard-easy frontier",
           title=rf"A  rule families at $\theta = {THETA:g}°$ (f $\geq$ 1e-3)")
    ax.legend(fontsize=7)
    ax = axes[1]
    p = data["pools"]
    ax.errorbar(p, 100 * data["self_eps"], 100 * data["self_err"], fmt="o", capsize=3,
                label="simulation: probe trained on the pool (extrapolated in 1/N)")
    ax.plot(p, 100 * data["independent_theory"], "s--", label="theory at the realised angle (independent probe)")
    ax.plot(p, 100 * data["whole_pool"], "k-", label="theory: training on the whole pool")
    for x, y, t in zip(p, 100 * data["independent_theory"], data["self_theta"]):
        ax.annotate(rf"$\theta$={t:.1f}°", (x, y), fontsize=7, textcoords="offset points", xytext=(4, 4))
    ax.set(xscale="log", yscale="log", xlabel=TOTAL_LABEL, ylabel="Test error (%)",
           title=r"B  self-trained probe, keep hard, $\alpha_{prune}$ = 2")
    plain_log_ticks(ax)
    plain_log_ticks(ax, "x")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save(fig, out, NAME)
