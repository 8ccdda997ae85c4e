"""Information per example, I = -d ln sin(pi eps) / d alpha_prune (nats), the paper's argument for why
pruning can beat power laws.

Random data: I ~ 1/alpha, hence a power law. A perfect probe (theta = 0, keep hard) with a pool that
grows as alpha_tot = alpha_prune e^(c alpha_prune) (keep the fraction f = e^(-c alpha_prune)): I -> c,
finite, hence exponential decay. A noisy probe (theta = 10 degrees) along its Pareto frontier: I ~ 1/alpha
again — the frontier is a power law (see paper_noisy_probe).
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from figures.common import DATA_DIR, X_LABEL, Progress, cached, save, steps
from theory import Params, solve_saddle
from theory.frontier import frontier_point, information_per_example

NAME = "paper_information"
SUMMARY = "information per example: ~1/alpha for random data and a noisy probe, finite for a perfect probe"
RATES = (0.5, 1.0)


def _schedule_eps(alpha: float, rate: float) -> float:
    return solve_saddle(Params(alpha, min(1.0, math.exp(-rate * (alpha - 2.0))), "hard", 0.0)).eps


def compute(quick: bool = False, data_dir: Path = DATA_DIR, progress: Progress | None = None) -> dict:
    """The information curves (cached); ``progress(message)`` after each point."""
    alphas = np.geomspace(2.5, 20.0, 14 if not quick else 5)

    def theory():
        out = {"alphas": alphas, "rates": np.array(RATES)}
        out["info_random"] = np.array([information_per_example(lambda a: solve_saddle(Params(a)).eps, a)
                                       for a in steps(alphas, progress, "random data")])
        out["info_schedule"] = np.array([[information_per_example(lambda a, c=c: _schedule_eps(a, c), a)
                                          for a in steps(alphas, progress, f"perfect probe, rate {c:g}")]
                                         for c in RATES])
        # from alpha = 4 on the theta = 10 optimum keeps hard examples at an interior f; below, it switches
        # between policies and the frontier has kinks where its derivative jumps
        out["noisy_alphas"] = noisy = alphas[alphas >= 4.0]
        out["info_noisy"] = np.array([information_per_example(
            lambda a: frontier_point(a, 10.0, 1e-9).eps_frontier, a, rel_step=1e-2)
            for a in steps(noisy, progress, "theta = 10 frontier")])
        return out

    return cached(NAME + "_theory", quick, theory, data_dir)


def plot(data: dict, out: Path) -> list[Path]:
    fig, ax = plt.subplots(figsize=(6.2, 4.6))
    a = data["alphas"]
    ax.plot(a, data["info_random"], "k-o", ms=3, label="random data (100% kept)")
    ax.plot(a, 1.0 / a, "k:", lw=1, label=r"$1/\alpha_{prune}$")
    for c, row in zip(data["rates"], data["info_schedule"]):
        line, = ax.plot(a, row, "-o", ms=3, label=rf"perfect probe, keep $e^{{-{c:g}(\alpha_{{prune}}-2)}}$")
        ax.axhline(c, color=line.get_color(), ls=":", lw=1)
    ax.plot(data["noisy_alphas"], data["info_noisy"], "-s", ms=3, label=r"noisy probe $\theta=10°$, Pareto frontier")
    ax.set(xscale="log", yscale="log", xlabel=X_LABEL, ylabel="Information per example (nats)",
           title="Information gained per new example")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save(fig, out, NAME)
