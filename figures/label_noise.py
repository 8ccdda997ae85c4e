"""Beyond the paper: pruning when labels are noisy (flipped in the pool before any selection).

The student is logistic regression with ridge 0.01 unless a panel says otherwise; eps is the error against
the clean teacher. Frontiers are lower envelopes over the drawn keep fractions F_GRID and the rules of a
family ("hard/easy": keep hard or keep easy; "agree": agree-hard or agree-easy, which first drop the
examples whose label the probe contradicts), like the paper's Fig. 1 frontier over its ten fractions.

A  theta = 0: frontiers vs alpha_prune for flip probability eta = 0, 0.05, 0.2 (hard/easy solid, agree dashed),
   the unpruned learning curves (dotted) and the clean max-margin frontier (grey) for reference; Monte Carlo
   (N = 200, 10 seeds) of keep hard at f = 0.2, eta = 0.2 with the theory at those points.
B  the same at theta = 10 degrees, eta = 0.2 (the clean max-margin frontier in grey as the reference).
C  theta = 0, eta = 0.2: the hard/easy frontier of each learner at ridge RIDGE (hinge, logistic, square), and of
   the max-margin student on clean labels (on noisy ones it exists only below the separability line of
   theory.separability).
D  the pool size alpha_tot above which keeping the hard examples beats keeping the easy ones, at fixed f, vs
   eta (theta = 0; theory.pool.easy_hard_crossover).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from figures.common import DATA_DIR, X_LABEL, Progress, cached, plain_log_ticks, report, save, simulation_label, steps
from simulations import simulate
from theory import Params, solve_saddle
from theory.pool import easy_hard_crossover

NAME = "label_noise"
SUMMARY = "pruning with noisy labels (logistic:0.01, flips eta): frontiers, agree rules, learners, easy/hard crossover"
LEARNER = "logistic:0.01"
RIDGE = 0.01  # panel C: every learner at this ridge
FAMILIES = {"hard/easy": ("hard", "easy"), "agree": ("agree-hard", "agree-easy")}
CROSSOVER_FRACTIONS = (0.1, 0.2, 0.5)
EASY_MIN_F = 0.1
ETA_COLORS = {0.0: "C0", 0.05: "C2", 0.2: "C1"}
MC_ALPHAS = (4.0, 16.0)  # the simulated points of panel A (keep hard at MC_FRACTION, the largest eta)
MC_FRACTION = 0.2


def _grids(quick: bool) -> tuple[np.ndarray, np.ndarray, tuple, tuple]:
    """(alpha_prune values, keep fractions, flip probabilities at theta = 0, at theta = 10)."""
    if quick:
        return np.array([2.0, 16.0]), np.array([1.0, 0.2, 0.05]), (0.0, 0.2), (0.2,)
    return np.geomspace(2.0, 128.0, 6), np.array([1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01]), (0.0, 0.05, 0.2), (0.2,)


def _labels(eta: float) -> str:
    return "clean" if eta == 0.0 else f"flip:{eta:g}"


def _eps_grid(alphas: np.ndarray, fractions: np.ndarray, rule: str, theta: float, learner: str, labels: str,
              progress: Progress | None = None) -> np.ndarray:
    """eps[f, alpha] for one rule (max-margin curves warm-started along alpha, convex points cold: the analytic
    Newton from the guess is faster than from a neighbour a factor 2 away); NaN where a point did not converge or
    is not drawn: keep easy below EASY_MIN_F at theta > 0 (it never wins there on this grid, and its wide windows
    are the slowest points)."""
    out = np.full((fractions.size, alphas.size), np.nan)
    for i, f in enumerate(fractions):
        if f == 1.0 and rule != "hard":
            continue  # f = 1 keeps everything: the same point for every rule (the label-aware rules cannot)
        if rule == "easy" and theta > 0.0 and f < EASY_MIN_F:
            continue
        x0 = None
        for j, a in enumerate(alphas):
            res = solve_saddle(Params(float(a), float(f), rule, theta, learner=learner, labels=labels),
                               x0=x0 if learner == "max-margin" else None)
            if res.success:
                out[i, j] = res.eps
                x0 = res.q
        report(progress, f"{learner} {labels} theta = {theta:g}: {rule} f = {f:g}")
    return out


def _frontier(alphas, fractions, family, theta, learner, labels, progress=None) -> np.ndarray:
    """The lower envelope over the f grid and the family's rules (f = 1, unpruned, included)."""
    grids = [_eps_grid(alphas, fractions, rule, theta, learner, labels, progress) for rule in family]
    if "agree-hard" in family:  # f = 1 means no selection at all: the unpruned point
        grids.append(_eps_grid(alphas, np.array([1.0]), "hard", theta, learner, labels, progress))
    return np.nanmin(np.vstack(grids), axis=0)


def _unpruned(alphas, learner, labels, progress=None) -> np.ndarray:
    return _eps_grid(alphas, np.array([1.0]), "hard", 0.0, learner, labels, progress)[0]


def compute(quick: bool = False, data_dir: Path = DATA_DIR, progress: Progress | None = None) -> dict:
    """Theory (cached) and Monte Carlo (cached) of the figure; ``progress(message)`` after each step (a row of
    points, a crossover, a simulated point)."""
    alphas, fractions, etas0, etas10 = _grids(quick)

    def theory():
        out = {"alphas": alphas, "fractions": fractions, "etas0": np.array(etas0), "etas10": np.array(etas10),
               "ridge": np.array(RIDGE), "crossover_fractions": np.array(CROSSOVER_FRACTIONS)}
        for theta, etas in ((0.0, etas0), (10.0, etas10)):
            out[f"mm_clean_{theta:g}"] = _frontier(alphas, fractions, ("hard", "easy"), theta, "max-margin", "clean",
                                                   progress)
            for eta in etas:
                for fam, rules in FAMILIES.items():
                    if fam == "agree" and eta == 0.0:
                        continue  # theta = 0: = hard/easy exactly (tests/test_convex.py); 10 deg: see the claims
                    key = f"front_{theta:g}_{eta:g}_{fam}"
                    out[key] = _frontier(alphas, fractions, rules, theta, LEARNER, _labels(eta), progress)
        for eta in sorted(set(etas0) | set(etas10)):
            out[f"unpruned_{eta:g}"] = _unpruned(alphas, LEARNER, _labels(eta), progress)
        for kind in ("hinge", "logistic", "square"):
            learner = f"{kind}:{RIDGE:g}"
            out[f"learner_{kind}"] = (out[f"front_0_{max(etas0):g}_hard/easy"] if learner == LEARNER else
                                      _frontier(alphas, fractions, ("hard", "easy"), 0.0, learner, _labels(max(etas0)),
                                                progress))
        out["crossover"] = np.array([[easy_hard_crossover(f, 0.0, (1.0, 300.0), LEARNER, _labels(e), n_scan=16)
                                      for f in steps(CROSSOVER_FRACTIONS, progress, f"crossover, eta = {e:g}, f")]
                                     for e in etas0])
        return out

    data = cached(NAME, quick, theory, data_dir)

    def monte_carlo():
        """Simulation of one curve of panel A: keep hard, f = MC_FRACTION, the noisiest channel, theta = 0."""
        labels = _labels(max(etas0))
        out = {"mc_alpha": np.array(MC_ALPHAS), "mc_eps_mean": [], "mc_eps_sem": [], "mc_eps_theory": []}
        for a in MC_ALPHAS:
            params = Params(a, MC_FRACTION, "hard", learner=LEARNER, labels=labels)
            res = simulate(params, n=100 if quick else 200, seeds=3 if quick else 10, seed=11)
            out["mc_eps_mean"].append(res.eps_mean)
            out["mc_eps_sem"].append(res.eps_sem)
            out["mc_eps_theory"].append(solve_saddle(params).eps)
            out["mc_n"] = np.array(res.n)
            report(progress, f"simulation at alpha_prune = {a:g}")
        return out

    return {**data, **cached(NAME + "_mc", quick, monte_carlo, data_dir)}


def _error_axes(ax, title: str) -> None:
    """Log-log axes of test error (%) against alpha_prune, plain tick labels, a small legend."""
    ax.set(xscale="log", yscale="log", xlabel=X_LABEL, ylabel="Test error against the clean teacher (%)", title=title)
    plain_log_ticks(ax)
    plain_log_ticks(ax, "x")
    ax.legend(fontsize=7)


def plot(data: dict, out: Path) -> list[Path]:
    fig, axes = plt.subplots(2, 2, figsize=(12.5, 9.4))
    a = data["alphas"]
    for ax, theta, etas, letter in ((axes[0, 0], 0.0, data["etas0"], "A"), (axes[0, 1], 10.0, data["etas10"], "B")):
        ax.plot(a, 100 * data[f"mm_clean_{theta:g}"], "-", color="0.6", lw=3, alpha=0.6,
                label="max-margin, clean labels (hard/easy)")
        for eta in etas:
            color = ETA_COLORS.get(float(eta), "k")
            ax.plot(a, 100 * data[f"front_{theta:g}_{eta:g}_hard/easy"], "o-", ms=4, color=color,
                    label=rf"$\eta$ = {eta:g}: keep hard/easy")
            key = f"front_{theta:g}_{eta:g}_agree"
            if key in data:
                ax.plot(a, 100 * data[key], "s--", ms=4, color=color, label=rf"$\eta$ = {eta:g}: agree-hard/easy")
            ax.plot(a, 100 * data[f"unpruned_{eta:g}"], ":", color=color, label=rf"$\eta$ = {eta:g}: no pruning")
        if theta == 0.0:
            ax.errorbar(data["mc_alpha"], 100 * data["mc_eps_mean"], 100 * data["mc_eps_sem"], fmt="kx", ms=6,
                        capsize=3, label=f"{simulation_label(data['mc_n'])}: keep hard f = {MC_FRACTION:g}, "
                        rf"$\eta$ = {float(np.max(etas)):g}")
            ax.plot(data["mc_alpha"], 100 * data["mc_eps_theory"], "k+", ms=9, label="theory at those points")
        _error_axes(ax, rf"{letter}  frontiers, {LEARNER}, $\theta$ = {theta:g}°")
    ax = axes[1, 0]
    eta = float(np.max(data["etas0"]))
    ax.plot(a, 100 * data["mm_clean_0"], "-", color="0.6", lw=3, alpha=0.6, label="max-margin, clean labels")
    for i, kind in enumerate(("hinge", "logistic", "square")):
        ax.plot(a, 100 * data[f"learner_{kind}"], "o-", ms=4, color=f"C{i + 3}",
                label=f"{kind}:{float(data['ridge']):g}")
    ax.plot(a, 100 * data[f"unpruned_{eta:g}"], "k:", label=f"{LEARNER}, no pruning")
    _error_axes(ax, rf"C  learners, keep hard/easy, $\theta$ = 0, $\eta$ = {eta:g}")
    ax = axes[1, 1]
    for i, f in enumerate(data["crossover_fractions"]):
        ax.plot(data["etas0"], data["crossover"][:, i], "o-", label=f"f = {f:g}")
    ax.set(yscale="log", xlabel=r"flip probability $\eta$",
           ylabel=r"pool $\alpha_{tot}$ above which keep hard beats keep easy",
           title=rf"D  the easy/hard crossover, {LEARNER}, $\theta$ = 0")
    plain_log_ticks(ax)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save(fig, out, NAME)
