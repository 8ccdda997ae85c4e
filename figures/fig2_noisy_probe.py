"""Fig. 2 (theta > 0, noisy probe): the return of the power law.

(a) eps vs alpha_prune at theta = 10 degrees for several f, keep hard: theory (lines) and MC (points).
(b) Frontiers eps*(alpha_prune) for several theta with the unpruned (f = 1) power law, and the local
    exponent d ln eps* / d ln alpha_prune in the inset.
(c) Optimal keep fraction f_opt vs alpha_prune (open symbols: optimum on the bound f_floor).
(d) the smallest f_opt over alpha_prune in [4, 100] (an upper bound on the floor f_min(theta): f_opt is
    still falling at alpha_prune = 100, see ``theory.frontier.f_min``'s ``saturated`` flag).
(e) Information per example I = -d ln sin(pi eps) / d alpha_prune, random data vs frontiers.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from figures.common import DATA_DIR, Progress, cached, mc_records, pool_map, report, save, steps, sweep_progress
from simulations.store import ResultStore
from simulations.sweep import sweep
from theory import Params, solve_grid, solve_saddle
from theory.frontier import f_min, frontier_point, information_per_example, local_exponent

NAME = "fig2_noisy_probe"
F_FLOOR = 1e-3
SUMMARY = "theta > 0, our own views: curves at 10 deg, frontiers and their exponents, f_opt, f_min, information"


def _frontier_job(args):
    return frontier_point(*args)


def _fmin_job(args):
    return f_min(args[0], args[1], 1e-6)


def compute(quick: bool = False, data_dir: Path = DATA_DIR, progress: Progress | None = None) -> dict:
    """Theory (cached) and the Monte Carlo points of the figure; ``progress(message)`` after each step."""
    thetas = [1.0, 5.0, 10.0, 20.0, 30.0] if not quick else [5.0, 20.0]
    fractions = [1.0, 0.5, 0.2, 0.1] if not quick else [1.0, 0.2]
    alphas = np.geomspace(0.5, 20, 30 if not quick else 12)
    frontier_alphas = np.geomspace(1, 40, 8 if not quick else 4)

    def theory():
        out = {"alphas": alphas, "fractions": np.array(fractions), "thetas": np.array(thetas),
               "frontier_alphas": frontier_alphas}
        grid = solve_grid(alphas, fractions, "hard", 10.0)
        out["eps_th10"] = np.array([[r.eps for r in row] for row in grid])
        report(progress, "theory curves, theta = 10")
        out["eps_random"] = np.array([solve_saddle(Params(a)).eps for a in frontier_alphas])
        # frontier scans dominate the cost: one process per core over (theta, alpha)
        jobs = [(a, t, F_FLOOR) for t in thetas for a in frontier_alphas]
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            flat = pool_map(pool, _frontier_job, jobs, progress, "frontier point")
        fronts = [flat[i * len(frontier_alphas):(i + 1) * len(frontier_alphas)] for i in range(len(thetas))]
        out["eps_frontier"] = np.array([[p.eps_frontier for p in row] for row in fronts])
        out["f_opt"] = np.array([[p.f_opt for p in row] for row in fronts])
        out["at_floor"] = np.array([[p.at_floor for p in row] for row in fronts])
        fmin_thetas = [5.0, 10.0, 20.0, 30.0] if not quick else [10.0, 30.0]
        fmin_alphas = tuple(np.geomspace(4, 100, 6 if not quick else 3))
        out["fmin_thetas"] = np.array(fmin_thetas)
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            fmin_jobs = [(t, fmin_alphas) for t in fmin_thetas]
            out["fmin"] = np.array([r.f_min for r in pool_map(pool, _fmin_job, fmin_jobs, progress, "f_min")])
        info_alphas = frontier_alphas[1:-1]
        out["info_alphas"] = info_alphas
        out["info_random"] = np.array([information_per_example(lambda a: solve_saddle(Params(a)).eps, a)
                                       for a in info_alphas])
        out["info_frontier"] = np.array([[information_per_example(
            lambda a, t=t: frontier_point(a, t, F_FLOOR).eps_frontier, a, rel_step=1e-2)
            for a in steps(info_alphas, progress, f"information, theta = {t:g}")] for t in thetas[:3]])
        return out

    data = cached(NAME + "_theory", quick, theory, data_dir)
    mc_alphas = [1.0, 2.0, 4.0, 8.0] if not quick else [2.0, 8.0]
    records, _ = sweep(mc_alphas, fractions, ["hard"], [10.0], [200 if not quick else 100], 10 if not quick else 3,
                       ResultStore(data_dir / "store"), **sweep_progress(progress))
    return {**data, **{f"mc_{k}": v for k, v in mc_records(records).items()}}


def plot(data: dict, out: Path) -> list[Path]:
    fig, axes = plt.subplots(1, 5, figsize=(24, 4.4))
    ax = axes[0]
    colors = plt.cm.viridis(np.linspace(0, 0.85, len(data["fractions"])))
    for j, (f, c) in enumerate(zip(data["fractions"], colors)):
        ax.plot(data["alphas"], data["eps_th10"][:, j], color=c, label=f"f={f:g}")
        sel = data["mc_keep_fraction"] == f
        ax.errorbar(data["mc_alpha_prune"][sel], data["mc_eps_mean"][sel], data["mc_eps_sem"][sel], fmt="o",
                    color=c, ms=4)
    ax.set(xscale="log", yscale="log", xlabel=r"$\alpha_{prune}$", ylabel=r"$\varepsilon$",
           title=r"(a) $\theta=10°$, keep hard: theory and MC")
    ax.legend(fontsize=8)
    ax = axes[1]
    a = data["frontier_alphas"]
    ax.plot(a, data["eps_random"], "k--", label="no pruning (f=1)")
    for t, row in zip(data["thetas"], data["eps_frontier"]):
        ax.plot(a, row, "o-", ms=3, label=rf"frontier $\theta={t:g}°$")
    ax.set(xscale="log", yscale="log", xlabel=r"$\alpha_{prune}$", ylabel=r"$\varepsilon^*$",
           title=rf"(b) frontiers ($f \geq {F_FLOOR:g}$)")
    ax.legend(fontsize=7, loc="upper right")
    inset = ax.inset_axes([0.08, 0.08, 0.35, 0.3])
    for row in data["eps_frontier"]:
        inset.plot(a, local_exponent(a, row), lw=1)
    inset.plot(a, local_exponent(a, data["eps_random"]), "k--", lw=1)
    inset.set_xscale("log")
    inset.set_title(r"d ln $\varepsilon^*$/d ln $\alpha$", fontsize=7)
    inset.tick_params(labelsize=6)
    ax = axes[2]
    for t, fo, fl in zip(data["thetas"], data["f_opt"], data["at_floor"]):
        line, = ax.plot(a, fo, "-", label=rf"$\theta={t:g}°$")
        ax.plot(a[~fl], fo[~fl], "o", color=line.get_color(), ms=4)
        ax.plot(a[fl], fo[fl], "o", mfc="white", color=line.get_color(), ms=5)
    ax.set(xscale="log", yscale="log", xlabel=r"$\alpha_{prune}$", ylabel=r"$f_{opt}$",
           title="(c) optimal f (open: on the bound)")
    ax.legend(fontsize=7)
    ax = axes[3]
    ax.plot(data["fmin_thetas"], data["fmin"], "o-")
    ax.set(yscale="log", xlabel=r"probe angle $\theta$ (degrees)", ylabel=r"min of $f_{opt}$ over the grid",
           title=r"(d) smallest $f_{opt}$ for $\alpha_{prune} \leq 100$ (still falling)")
    ax = axes[4]
    ax.plot(data["info_alphas"], data["info_random"], "k--", label="random data (f=1)")
    for t, row in zip(data["thetas"], data["info_frontier"]):
        ax.plot(data["info_alphas"], row, "o-", ms=3, label=rf"frontier $\theta={t:g}°$")
    ax.set(xscale="log", yscale="log", xlabel=r"$\alpha_{prune}$",
           ylabel=r"$I = -d\,\ln\sin(\pi\varepsilon)/d\alpha$ (nats)", title="(e) information per example")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save(fig, out, NAME)



