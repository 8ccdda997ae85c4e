"""Fig. 1 (theta = 0, perfect probe): learning curves, the pool view, and the easy-to-hard switch.

(a) eps vs alpha_prune for keep fractions f (log-spaced), keep hard (solid) and easy (dashed): replica
    theory (lines), Monte Carlo at N = 200 (points, +-1 s.e.m.) and the lower envelope over f.
(b) Pool view: eps vs budget alpha_prune when a pool alpha_tot is pruned (keep hard), with the
    lossless budget (within 1% of training on the whole pool) marked.
(c) The pool size alpha_tot above which keeping hard examples beats keeping easy ones, vs f.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from figures.common import DATA_DIR, Progress, cached, mc_records, report, save, steps, sweep_progress
from simulations.store import ResultStore
from simulations.sweep import sweep
from theory import solve_grid
from theory.pool import easy_hard_crossover, lossless_budget, pool_error

NAME = "fig1_perfect_probe"
SUMMARY = "theta = 0, our own views: learning curves, the pool view with its lossless budget, the easy/hard switch"


def compute(quick: bool = False, data_dir: Path = DATA_DIR, progress: Progress | None = None) -> dict:
    """Theory (cached) and the Monte Carlo points of the figure; ``progress(message)`` after each step."""
    fractions = [1.0, 0.5, 0.2, 0.1, 0.05] if not quick else [1.0, 0.2, 0.05]
    alphas = np.geomspace(0.2, 10, 40 if not quick else 16)

    def theory():
        out = {"alphas": alphas, "fractions": np.array(fractions)}
        for keep in ("hard", "easy"):
            grid = solve_grid(alphas, fractions, keep)
            out[f"eps_{keep}"] = np.array([[r.eps for r in row] for row in grid])
            report(progress, f"theory curves, keep {keep}")
        pools = [4.0, 8.0, 16.0, 32.0] if not quick else [4.0, 16.0]
        out["pools"] = np.array(pools)
        budgets = np.geomspace(0.2, 1.0, 25 if not quick else 10)
        out["budget_frac"] = budgets
        out["pool_eps"] = np.array([[pool_error(p, b, "hard") for b in budgets]
                                    for p in steps(pools, progress, "pool curve")])
        out["lossless"] = np.array([lossless_budget(p, 0.0, "hard", 0.01)
                                    for p in steps(pools, progress, "lossless budget")])
        cross_f = np.array([0.05, 0.1, 0.2, 0.4, 0.7] if not quick else [0.1, 0.4])
        out["cross_f"] = cross_f
        out["cross_alpha_total"] = np.array([easy_hard_crossover(f) for f in steps(cross_f, progress, "crossover")])
        return out

    data = cached(NAME + "_theory", quick, theory, data_dir)
    mc_alphas = [0.5, 1.0, 2.0, 4.0, 8.0] if not quick else [1.0, 4.0]
    records, _ = sweep(mc_alphas, fractions, ["hard", "easy"], [0.0], [200 if not quick else 100],
                       10 if not quick else 3, ResultStore(data_dir / "store"), **sweep_progress(progress))
    return {**data, **{f"mc_{k}": v for k, v in mc_records(records).items()}}


def plot(data: dict, out: Path) -> list[Path]:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    ax = axes[0]
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(data["fractions"])))
    for j, (f, c) in enumerate(zip(data["fractions"], colors)):
        for keep, ls, marker in (("hard", "-", "o"), ("easy", "--", "s")):
            ax.plot(data["alphas"], data[f"eps_{keep}"][:, j], ls, color=c, lw=1.3,
                    label=f"f={f:g} {keep}" if keep == "hard" or f < 1 else None)
            sel = (data["mc_keep_fraction"] == f) & (data["mc_keep"] == keep)
            ax.errorbar(data["mc_alpha_prune"][sel], data["mc_eps_mean"][sel], data["mc_eps_sem"][sel],
                        fmt=marker, color=c, ms=4, mfc="white" if keep == "easy" else c, lw=1)
    envelope = np.minimum(data["eps_hard"], data["eps_easy"]).min(axis=1)
    ax.plot(data["alphas"], envelope, "k:", lw=2, label="lower envelope")
    ax.set(xscale="log", yscale="log", xlabel=r"$\alpha_{prune} = fP/N$", ylabel=r"test error $\varepsilon$",
           title=r"(a) $\theta=0$: theory (lines), Monte Carlo (points)")
    ax.legend(fontsize=7, ncol=2)
    ax = axes[1]
    for p, row, lossless in zip(data["pools"], data["pool_eps"], data["lossless"]):
        line, = ax.plot(data["budget_frac"] * p, row, lw=1.5, label=rf"pool $\alpha_{{tot}}={p:g}$")
        ax.axvline(lossless, color=line.get_color(), ls=":", lw=1)
    ax.set(xscale="log", yscale="log", xlabel=r"budget $\alpha_{prune}$ (keep hard of the pool)",
           ylabel=r"$\varepsilon$", title="(b) pool view; dotted: lossless budget (1%)")
    ax.legend(fontsize=8)
    ax = axes[2]
    ax.plot(data["cross_f"], data["cross_alpha_total"], "o-")
    ax.set(xscale="log", yscale="log", xlabel="keep fraction f", ylabel=r"crossover pool size $\alpha_{tot}$",
           title="(c) keep easy below, keep hard above")
    fig.tight_layout()
    return save(fig, out, NAME)
