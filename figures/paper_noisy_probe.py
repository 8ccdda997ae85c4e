"""The paper's noisy-probe result drawn like its Fig. 1: a probe at angle theta to the teacher.

A, B  keep hard at theta = 10 and 30 degrees: test error (%) vs alpha_prune for the ten "Frac. data kept",
      theory (lines), max-margin simulation at N = 200 (dots, 10 seeds, +-1 s.e.m.), Pareto frontier over
      the ten f (dashed).
C     frontiers eps*(alpha_prune) (f down to 1e-9, keep hard or easy) for several theta against the
      unpruned power law (f = 1) and the large-alpha law eps* -> c0 sin(theta) / alpha_prune (dotted):
      with a noisy probe the frontier is a power law again, pruning buys a factor sin(theta).
D     the optimal fraction f_opt against the pool alpha_tot = alpha_prune / f_opt it is cut from, with the
      law f_opt -> K sin(theta) alpha_prune^(-1/3) (dotted): f_opt keeps falling, it has no floor.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from figures.common import (
    DATA_DIR,
    PAPER_FRACTIONS,
    TOTAL_LABEL,
    X_LABEL,
    Y_LABEL,
    Progress,
    cached,
    learning_curve_panel,
    mc_records,
    pool_map,
    report,
    save,
    sweep_progress,
)
from simulations.store import ResultStore
from simulations.sweep import sweep
from theory import generalization_error
from theory.asymptotics import unpruned_constant
from theory.frontier import frontier_point

NAME = "paper_noisy_probe"
SUMMARY = "the noisy-probe result drawn like Fig. 1: keep hard at theta = 10, 30 deg; frontiers revert to a power law"
PANEL_THETAS = (10.0, 30.0)
FRONTIER_THETAS = (1.0, 5.0, 10.0, 30.0)
F_FLOOR = 1e-9
K_FOPT = 1.4317  # f_opt alpha^(1/3) / sin(theta) at alpha = 1e6 (python -m theory.asymptotics)


def _frontier_job(args):
    return frontier_point(*args)


def compute(quick: bool = False, data_dir: Path = DATA_DIR, progress: Progress | None = None) -> dict:
    """Theory curves (cached) and the Monte Carlo points of the figure; ``progress(message)`` after each step."""
    fractions = PAPER_FRACTIONS if not quick else PAPER_FRACTIONS[::3]
    alphas = np.linspace(0.25, 10.0, 60 if not quick else 20)
    frontier_alphas = np.geomspace(1.0, 1e4, 25 if not quick else 6)

    def theory():
        out = {"alphas": alphas, "fractions": fractions, "frontier_alphas": frontier_alphas,
               "frontier_thetas": np.array(FRONTIER_THETAS)}
        for t in PANEL_THETAS:
            out[f"eps_{t:g}"] = generalization_error(alphas[:, None], fractions[None, :], "hard", t)
            report(progress, f"theory curves, theta = {t:g}")
        out["eps_random"] = generalization_error(frontier_alphas)
        jobs = [(a, t, F_FLOOR) for t in FRONTIER_THETAS for a in frontier_alphas]
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            flat = pool_map(pool, _frontier_job, jobs, progress, "frontier point")
        shape = (len(FRONTIER_THETAS), len(frontier_alphas))
        out["eps_frontier"] = np.array([p.eps_frontier for p in flat]).reshape(shape)
        out["f_opt"] = np.array([p.f_opt for p in flat]).reshape(shape)
        out["interior_hard"] = np.array([p.keep_opt == "hard" and not p.at_floor for p in flat]).reshape(shape)
        return out

    data = cached(NAME + "_theory", quick, theory, data_dir)
    mc_alphas = (1.0, 2.0, 4.0, 8.0) if not quick else (4.0,)
    records, _ = sweep(mc_alphas, [float(f) for f in fractions], ["hard"], list(PANEL_THETAS),
                       [200 if not quick else 100], 10 if not quick else 3, ResultStore(data_dir / "store"),
                       **sweep_progress(progress))
    return {**data, **{f"mc_{k}": v for k, v in mc_records(records).items()}}


def plot(data: dict, out: Path) -> list[Path]:
    fig, axes = plt.subplots(1, 4, figsize=(21, 4.8))
    mc_all = {k[3:]: v for k, v in data.items() if k.startswith("mc_")}
    for ax, t, letter in zip(axes[:2], PANEL_THETAS, "AB"):
        sel = np.isclose(mc_all["probe_angle_deg"], t)
        mc = {k: v[sel] for k, v in mc_all.items()}
        learning_curve_panel(ax, data["alphas"], data[f"eps_{t:g}"], data["fractions"], mc, "hard",
                             rf"{letter}  Noisy probe $\theta = {t:g}°$: keep hard")
    c0 = unpruned_constant()[0]
    a = data["frontier_alphas"]
    ax = axes[2]
    ax.plot(a, 100 * data["eps_random"], "k-", lw=2, label="no pruning (100% kept)")
    for t, row in zip(data["frontier_thetas"], data["eps_frontier"]):
        line, = ax.plot(a, 100 * row, "-", lw=1.5, label=rf"Pareto frontier $\theta = {t:g}°$")
        ax.plot(a, 100 * c0 * math.sin(math.radians(t)) / a, ":", color=line.get_color(), lw=1.2)
    ax.plot([], [], "k:", label=r"law $c_0 \sin\theta / \alpha_{prune}$")
    ax.set(xscale="log", yscale="log", xlabel=X_LABEL, ylabel=Y_LABEL, title="C  Frontiers revert to a power law")
    ax.legend(fontsize=7)
    ax = axes[3]
    for t, fo, ok in zip(data["frontier_thetas"], data["f_opt"], data["interior_hard"]):
        # where the optimum keeps hard examples at an interior f (with little data: the easiest, at the floor)
        line, = ax.plot(a[ok] / fo[ok], 100 * fo[ok], "o-", ms=3, lw=1.2, label=rf"$\theta = {t:g}°$")
        f_law = K_FOPT * math.sin(math.radians(t)) * a[ok] ** (-1 / 3)
        ax.plot(a[ok] / f_law, 100 * f_law, ":", color=line.get_color())
    ax.plot([], [], "k:", label=r"law $K \sin\theta\, \alpha_{prune}^{-1/3}$")
    ax.set(xscale="log", yscale="log", xlabel=TOTAL_LABEL, ylabel="Frac. data kept (%)",
           title="D  Pareto-optimal fraction of data kept")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save(fig, out, NAME)
