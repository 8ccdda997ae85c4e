"""The paper's Fig. 1 A-C (perceptron, perfect probe theta = 0), drawn the way the paper drew them.

A  keep hard: test error (%) vs alpha_prune for the ten "Frac. data kept" f = 10^(-k/9) (100% ... 10%),
   theory (lines) and max-margin simulation at N = 200 (dots, 10 seeds, +-1 s.e.m.), the Pareto frontier
   over those ten f (dashed).
B  the same for keep easy, with keep hard's frontier (grey) for comparison; shaded where the easy
   frontier is lower: easy examples win when data are scarce.
C  the Pareto-optimal fraction along the frontier of A and B against the pool it is cut from,
   alpha_tot = alpha_prune / f_opt: the bigger the pool, the smaller the fraction to keep.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from figures.common import (
    DATA_DIR,
    PAPER_FRACTIONS,
    TOTAL_LABEL,
    Progress,
    cached,
    learning_curve_panel,
    mc_records,
    pareto,
    plain_log_ticks,
    report,
    save,
    sweep_progress,
)
from simulations.store import ResultStore
from simulations.sweep import sweep
from theory import generalization_error

NAME = "paper_fig1"
SUMMARY = "the paper's Fig. 1 A-C: keep hard / keep easy learning curves at theta = 0, theory and simulation"
MC_ALPHAS = (1.0, 2.0, 4.0, 8.0)


def compute(quick: bool = False, data_dir: Path = DATA_DIR, progress: Progress | None = None) -> dict:
    """Theory curves (cached) and the Monte Carlo points of the figure; ``progress(message)`` after each step."""
    fractions = PAPER_FRACTIONS if not quick else PAPER_FRACTIONS[::3]
    alphas = np.linspace(0.25, 10.0, 60 if not quick else 20)

    def theory():
        out = {"alphas": alphas, "fractions": fractions}
        for keep in ("hard", "easy"):
            out[f"eps_{keep}"] = generalization_error(alphas[:, None], fractions[None, :], keep)
            report(progress, f"theory curves, keep {keep}")
        return out

    data = cached(NAME + "_theory", quick, theory, data_dir)
    # quick mode stays off alpha_prune = 2, the capacity point, where the N = 100 finite-size rounding of the
    # sharp drop of the hard curves is far larger than the O(1/N) bias the quick consistency test allows
    mc_alphas = MC_ALPHAS if not quick else (4.0,)
    records, _ = sweep(mc_alphas, [float(f) for f in fractions], ["hard", "easy"], [0.0], [200 if not quick else 100],
                       10 if not quick else 3, ResultStore(data_dir / "store"), **sweep_progress(progress))
    return {**data, **{f"mc_{k}": v for k, v in mc_records(records).items()}}


def plot(data: dict, out: Path) -> list[Path]:
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    mc = {k[3:]: v for k, v in data.items() if k.startswith("mc_")}
    a, fr = data["alphas"], data["fractions"]
    hard = learning_curve_panel(axes[0], a, data["eps_hard"], fr, mc, "hard",
                                "A  Perceptron in teacher-student setting: keep hard")
    easy = learning_curve_panel(axes[1], a, data["eps_easy"], fr, mc, "easy",
                                "B  Perceptron in teacher-student setting: keep easy")
    axes[1].plot(a, 100 * hard, color="0.6", lw=2.5, alpha=0.7, zorder=0, label="keep hard: Pareto frontier (A)")
    axes[1].fill_between(a, 100 * easy, 100 * hard, where=easy < hard, color="C1", alpha=0.15,
                         label="keep easy beats keep hard")
    axes[1].legend(title="Frac. data kept", fontsize=6.5, title_fontsize=7, ncol=2, loc="lower left")
    ax = axes[2]
    for eps, label, style in ((np.minimum(data["eps_hard"], data["eps_easy"]), "hard or easy", "ko-"),
                              (data["eps_hard"], "keep hard", "C0s--")):
        _, f_opt = pareto(eps, fr)
        ax.plot(a / f_opt, 100 * f_opt, style, ms=3, lw=1.2, label=label)
    ax.axhline(100 * fr.min(), color="0.5", ls=":", lw=1,
               label=f"smallest f on the grid ({100 * fr.min():.0f}%): a curve on it is at the floor")
    ax.set(xscale="log", yscale="log", xlabel=TOTAL_LABEL, ylabel="Frac. data kept (%)",
           title="C  Pareto-optimal fraction of data kept")
    plain_log_ticks(ax)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save(fig, out, NAME)
