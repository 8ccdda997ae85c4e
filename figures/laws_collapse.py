"""Beyond the paper: the noisy-probe frontiers of every theta collapse onto the large-alpha laws.

A  alpha_prune eps* / (c0 sin(theta)) vs alpha_prune: every frontier tends to 1 (the boundary-density law
   of theory.asymptotics: a pruned set whose kept examples sit at the teacher's boundary with density
   1 / sin(theta) relative to unpruned data acts like 1 / sin(theta) times more data).
B  f_opt alpha_prune^(1/3) / sin(theta): the optimal fraction falls as K sin(theta) alpha^(-1/3) for every
   theta, with one constant K (dotted).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from figures.common import DATA_DIR, X_LABEL, Progress, cached, pool_map, report, save
from theory.asymptotics import LAW_ALPHAS, frontier_law, unpruned_constant
from theory.frontier import frontier_point

NAME = "laws_collapse"
SUMMARY = "the noisy-probe frontiers of theta = 1 ... 60 deg collapse onto the large-alpha laws (alpha up to 1e6)"
THETAS = (1.0, 5.0, 10.0, 30.0, 60.0)


def _job(args):
    return frontier_point(args[0], args[1], 1e-9, keeps=("hard",))


def compute(quick: bool = False, data_dir: Path = DATA_DIR, progress: Progress | None = None) -> dict:
    """The frontiers (cached); ``progress(message)`` after each frontier point."""
    alphas = np.geomspace(4.0, 1e6, 30 if not quick else 8)

    def theory():
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            jobs = [(a, t) for t in THETAS for a in alphas]
            flat = pool_map(pool, _job, jobs, progress, "frontier point")
        shape = (len(THETAS), len(alphas))
        k = [law.constant for law in frontier_law(10.0, LAW_ALPHAS) if law.law.startswith("f_opt prefactor")][0]
        report(progress, "the f_opt law's constant K")
        return {"alphas": alphas, "thetas": np.array(THETAS), "K": np.array(k),
                "eps": np.array([p.eps_frontier for p in flat]).reshape(shape),
                "f_opt": np.array([p.f_opt for p in flat]).reshape(shape)}

    return cached(NAME + "_theory", quick, theory, data_dir)


def plot(data: dict, out: Path) -> list[Path]:
    c0 = unpruned_constant()[0]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    a = data["alphas"]
    for t, eps, fo in zip(data["thetas"], data["eps"], data["f_opt"]):
        s = math.sin(math.radians(t))
        axes[0].plot(a, a * eps / (c0 * s), "-o", ms=2.5, label=rf"$\theta = {t:g}°$")
        axes[1].plot(a, fo * a ** (1 / 3) / s, "-o", ms=2.5, label=rf"$\theta = {t:g}°$")
    axes[0].axhline(1.0, color="k", ls=":", lw=1)
    axes[0].set(xscale="log", xlabel=X_LABEL, ylabel=r"$\alpha_{prune}\,\varepsilon^* / (c_0 \sin\theta)$",
                title=rf"A  frontier / boundary-density law ($c_0$ = {c0:.6f})")
    axes[1].axhline(float(data["K"]), color="k", ls=":", lw=1, label=rf"K = {float(data['K']):.4f}")
    axes[1].set(xscale="log", xlabel=X_LABEL, ylabel=r"$f_{opt}\,\alpha_{prune}^{1/3} / \sin\theta$",
                title="B  optimal keep fraction collapses")
    for ax in axes:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return save(fig, out, NAME)
