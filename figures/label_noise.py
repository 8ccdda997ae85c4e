"""Beyond the paper: pruning when labels are noisy (flipped in the pool before any selection).

The student is logistic regression with ridge 0.01 unless a panel says otherwise; eps is the error against
the clean teacher. Frontiers are lower envelopes over the drawn keep fractions F_GRID and the rules of a
family ("hard/easy": keep hard or keep easy; "agree": agree-hard or agree-easy, which first drop the
examples whose label the probe contradicts), like the paper's Fig. 1 frontier over its ten fractions.

A  theta = 0: frontiers vs alpha_prune for flip probability eta = 0, 0.05, 0.2 (colours; hard/easy solid, agree
   dashed: at theta = 0 agree equals the eta = 0 hard/easy frontier, drawn as a wide pale band under it), the
   unpruned learning curves (dotted) and the clean max-margin frontier (grey) for reference; Monte Carlo
   (N = 200, 10 seeds) of keep hard at f = 0.2, eta = 0.2 with the theory at those points.
B  the same at theta = 10 degrees, eta = 0.2 (the clean max-margin frontier in grey as the reference).
A, B also draw the max-margin frontier on noisy labels (eta = 0.05, 0.2; dash-dot in the eta colour: the same
   envelope over F_GRID and keep hard/easy), only where it exists: below the separability line of the kept data
   (theory.separability), its end marked with a diamond at the largest line over the grid's rules and f. It jumps up
   where its best (rule, f) stops being separable (keep hard at small f first, keep easy last).
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
from theory.separability import separability_threshold

NAME = "label_noise"
SUMMARY = ("pruning with noisy labels (logistic:0.01, flips eta): frontiers, max-margin up to the separability line, "
           "agree rules, learners, easy/hard crossover")
LEARNER = "logistic:0.01"
RIDGE = 0.01  # panel C: every learner at this ridge
FAMILIES = {"hard/easy": ("hard", "easy"), "agree": ("agree-hard", "agree-easy")}
CROSSOVER_FRACTIONS = (0.1, 0.2, 0.5)
EASY_MIN_F = 0.1
ETA_COLORS = {0.0: "C0", 0.05: "C2", 0.2: "C1"}
MC_ALPHAS = (4.0, 16.0)  # the simulated points of panel A (keep hard at MC_FRACTION, the largest eta)
MC_FRACTION = 0.2
MM_NOISY_ETAS = (0.05, 0.2)  # the noisy max-margin lines of A and B (those of the quick grid in quick mode)


def _grids(quick: bool) -> tuple[np.ndarray, np.ndarray, tuple, tuple]:
    """(alpha_prune values, keep fractions, flip probabilities at theta = 0, at theta = 10). The full grid has
    three budgets an octave (19 from 2 to 128): the envelopes are drawn through every point, not a spline."""
    if quick:
        return np.array([2.0, 4.0, 8.0, 16.0]), np.array([1.0, 0.2, 0.05]), (0.0, 0.2), (0.2,)
    return np.geomspace(2.0, 128.0, 19), np.array([1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01]), (0.0, 0.05, 0.2), (0.2,)


def _mm_alphas(quick: bool) -> np.ndarray:
    """The budgets of the max-margin reference (~1 ms a point): dense, so that its exponential decay is a smooth
    curve (drawn through six points it showed a kink at alpha_prune = 4.5)."""
    return np.geomspace(2.0, 16.0 if quick else 128.0, 13 if quick else 97)


def _mm_noisy_etas(etas0: tuple) -> tuple:
    """The flip probabilities of the noisy max-margin lines: MM_NOISY_ETAS among those of panel A's grid."""
    return tuple(e for e in MM_NOISY_ETAS if e in etas0)


def _labels(eta: float) -> str:
    return "clean" if eta == 0.0 else f"flip:{eta:g}"


def _drawn(rule: str, f: float, theta: float) -> bool:
    """Whether the envelopes include (rule, f): f = 1 only once (as keep hard), keep easy at theta > 0 only for
    f >= EASY_MIN_F."""
    if f == 1.0 and rule != "hard":
        return False  # f = 1 keeps everything: the same point for every rule (the label-aware rules cannot)
    return not (rule == "easy" and theta > 0.0 and f < EASY_MIN_F)


def _eps_grid(alphas: np.ndarray, fractions: np.ndarray, rule: str, theta: float, learner: str, labels: str,
              progress: Progress | None = None) -> np.ndarray:
    """eps[f, alpha] for one rule (max-margin curves warm-started along alpha, convex points cold: the analytic
    Newton from the guess is faster than from a neighbour a factor 2 away); NaN where a point did not converge or
    is not drawn: keep easy below EASY_MIN_F at theta > 0 (it never wins there on this grid, and its wide windows
    are the slowest points)."""
    out = np.full((fractions.size, alphas.size), np.nan)
    for i, f in enumerate(fractions):
        if not _drawn(rule, float(f), theta):
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


def _max_margin_noisy(alphas: np.ndarray, fractions: np.ndarray, theta: float, eta: float,
                      progress: Progress | None = None) -> dict:
    """The max-margin hard/easy frontier on labels flip:eta where it exists (the envelope of :func:`_frontier`).

    Each (rule, f) of the envelope exists below its separability line alpha_sep (theory.separability); it is
    solved, warm-started along ``alphas``, at the budgets below that line (the solver does not converge within
    ~1 % of the line for keep hard, ~5 % for keep easy: those points are left out). Returns, as arrays,
    ``alphas`` (the budgets below the largest line where some point converged), ``eps`` (the envelope there),
    ``f`` and ``rule`` (its minimiser), ``end`` (the largest line over the grid's rules and f: beyond it no
    max-margin student exists), ``end_f``, ``end_rule`` (whose line it is) and ``line_rule``, ``line_f``,
    ``line_alpha`` (the line alpha_sep of every (rule, f) of the envelope)."""
    labels = _labels(eta)
    curves = [(rule, float(f)) for rule in FAMILIES["hard/easy"] for f in fractions if _drawn(rule, float(f), theta)]
    lines = [separability_threshold(Params(1.0, f, rule, theta, learner="max-margin", labels=labels)).alpha_sep
             for rule, f in curves]
    end = max(lines)
    alphas = alphas[alphas < end]
    eps = np.full((len(curves), alphas.size), np.nan)
    for i, ((rule, f), line) in enumerate(zip(curves, lines)):
        x0 = None
        for j, a in enumerate(alphas):
            if a >= line:
                break
            res = solve_saddle(Params(float(a), f, rule, theta, learner="max-margin", labels=labels), x0=x0)
            if res.success:
                eps[i, j], x0 = res.eps, res.q
        report(progress, f"max-margin {labels} theta = {theta:g}: {rule} f = {f:g} (alpha_sep = {line:.4g})")
    solved = np.isfinite(eps).any(axis=0)
    eps, alphas = eps[:, solved], alphas[solved]
    best = np.nanargmin(eps, axis=0)
    k = int(np.argmax(lines))
    return {"alphas": alphas, "eps": eps[best, np.arange(alphas.size)],
            "f": np.array([curves[i][1] for i in best]), "rule": np.array([curves[i][0] for i in best]),
            "end": np.array(end), "end_f": np.array(curves[k][1]), "end_rule": np.array(curves[k][0]),
            "line_rule": np.array([rule for rule, _ in curves]), "line_f": np.array([f for _, f in curves]),
            "line_alpha": np.array(lines)}


def max_margin_noisy_frontiers(quick: bool = False, progress: Progress | None = None) -> dict:
    """The noisy max-margin frontiers of panels A and B (theta = 0 and 10) for each eta of MM_NOISY_ETAS on the
    figure's grid (quick: eta = 0.2 only), on the budgets of the clean max-margin reference: the arrays of
    :func:`_max_margin_noisy` under keys ``mm_noisy_<theta>_<eta>_<name>`` (about 30 s; quick 2 s)."""
    _, fractions, etas0, _ = _grids(quick)
    mm_alphas = _mm_alphas(quick)
    out = {"mm_noisy_grid": mm_alphas, "mm_noisy_fractions": fractions}
    for theta in (0.0, 10.0):
        for eta in _mm_noisy_etas(etas0):
            for key, value in _max_margin_noisy(mm_alphas, fractions, theta, eta, progress).items():
                out[f"mm_noisy_{theta:g}_{eta:g}_{key}"] = value
    return out


def _unpruned(alphas, learner, labels, progress=None) -> np.ndarray:
    return _eps_grid(alphas, np.array([1.0]), "hard", 0.0, learner, labels, progress)[0]


def compute(quick: bool = False, data_dir: Path = DATA_DIR, progress: Progress | None = None) -> dict:
    """Theory (cached) and Monte Carlo (cached) of the figure; ``progress(message)`` after each step (a row of
    points, a crossover, a simulated point)."""
    alphas, fractions, etas0, etas10 = _grids(quick)
    mm_alphas = _mm_alphas(quick)

    def theory():
        out = {"alphas": alphas, "mm_alphas": mm_alphas, "fractions": fractions, "etas0": np.array(etas0),
               "etas10": np.array(etas10), "ridge": np.array(RIDGE),
               "crossover_fractions": np.array(CROSSOVER_FRACTIONS)}
        for theta, etas in ((0.0, etas0), (10.0, etas10)):
            out[f"mm_clean_{theta:g}"] = _frontier(mm_alphas, fractions, ("hard", "easy"), theta, "max-margin",
                                                   "clean", progress)
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
    if not (np.array_equal(data["alphas"], alphas) and np.array_equal(data.get("mm_alphas"), mm_alphas)):
        # a cache drawn on an earlier, coarser grid: recompute it
        (data_dir / f"{NAME}{'_quick' if quick else ''}.npz").unlink(missing_ok=True)
        data = cached(NAME, quick, theory, data_dir)

    # the noisy max-margin frontiers of A and B: their own cache (the rest of the figure is not recomputed)
    noisy = cached(NAME + "_mm_noisy", quick, lambda: max_margin_noisy_frontiers(quick, progress), data_dir)
    if not (np.array_equal(noisy["mm_noisy_grid"], mm_alphas) and np.array_equal(noisy["mm_noisy_fractions"],
                                                                                    fractions)):
        (data_dir / f"{NAME}_mm_noisy{'_quick' if quick else ''}.npz").unlink(missing_ok=True)
        noisy = cached(NAME + "_mm_noisy", quick, lambda: max_margin_noisy_frontiers(quick, progress), data_dir)

    def monte_carlo():
        """Simulation of one curve of panel A: keep hard, f = MC_FRACTION, the noisiest channel, theta = 0."""
        labels = _labels(max(etas0))
        out = {"mc_alpha": np.array(MC_ALPHAS), "mc_eps_mean": [], "mc_eps_sem": [], "mc_eps_theory": []}
        for a in MC_ALPHAS:
            params = Params(a, MC_FRACTION, "hard", learner=LEARNER, labels=labels)
            res = simulate(params, n=100 if quick else 200, seeds=3 if quick else 10, seed=11,
                           on_seed_done=None if progress is None else
                           lambda k, a=a: report(progress, f"simulation at alpha_prune = {a:g}: seed"))
            out["mc_eps_mean"].append(res.eps_mean)
            out["mc_eps_sem"].append(res.eps_sem)
            out["mc_eps_theory"].append(solve_saddle(params).eps)
            out["mc_n"] = np.array(res.n)
            report(progress, f"simulation at alpha_prune = {a:g}")
        return out

    return {**data, **noisy, **cached(NAME + "_mc", quick, monte_carlo, data_dir)}


def _error_axes(ax, title: str) -> None:
    """Log-log axes of test error (%) against alpha_prune, plain tick labels."""
    ax.set(xscale="log", yscale="log", xlabel=X_LABEL, ylabel="Test error against the clean teacher (%)", title=title)
    plain_log_ticks(ax)
    plain_log_ticks(ax, "x")


# line styles for the rules, colours for the flip probability (one compact legend a panel)
STYLES = {"hard/easy": "-", "agree": (0, (4, 3)), "unpruned": ":"}
MM_STYLE = {"color": "0.6", "lw": 3.5, "alpha": 0.55, "solid_capstyle": "butt"}
MM_NOISY_STYLE = {"ls": "-.", "lw": 1.3}  # the noisy max-margin frontiers, in the eta colour
MM_END_MARKER = {"marker": "D", "ms": 6, "mec": "k", "mew": 0.8, "ls": ""}  # at the separability line
MM_NOISY_LABEL = "max-margin, noisy labels (◆: separability line)"


def _jumps(alphas: np.ndarray, eps: np.ndarray, fractions: np.ndarray, rules: np.ndarray) -> np.ndarray:
    """The indices i at which the envelope jumps up from point i - 1 to i because its minimiser (rule, f) changed:
    the former optimum reached its separability line (a crossing of two curves is continuous and not a jump)."""
    changed = (fractions[1:] != fractions[:-1]) | (rules[1:] != rules[:-1])
    return np.flatnonzero((np.diff(eps) > 0) & changed) + 1


def _max_margin_noisy_lines(ax, data: dict, theta: float) -> None:
    """The noisy max-margin frontiers of one panel (gid ``mm_noisy_<theta>_<eta>``): dash-dot where its optimum
    (rule, f) persists, a thin dotted step (gid ``..._jumps``) where the optimum reaches its separability line and
    the envelope jumps up to the next (rule, f), and a diamond (gid ``..._end``) at the last separability line,
    beyond which no max-margin student exists (at the error of the last budget solved below it)."""
    for eta in MM_NOISY_ETAS:
        key = f"mm_noisy_{theta:g}_{eta:g}"
        if f"{key}_eps" not in data or not data[f"{key}_alphas"].size:
            continue
        color = ETA_COLORS.get(float(eta), "k")
        alphas, eps = data[f"{key}_alphas"].astype(float), 100 * data[f"{key}_eps"].astype(float)
        cut = _jumps(alphas, eps, data[f"{key}_f"], data[f"{key}_rule"])
        ax.plot(np.insert(alphas, cut, np.nan), np.insert(eps, cut, np.nan), color=color, **MM_NOISY_STYLE, gid=key,
                zorder=4)
        steps_x = np.ravel([(alphas[i - 1], alphas[i], np.nan) for i in cut])
        steps_y = np.ravel([(eps[i - 1], eps[i], np.nan) for i in cut])
        ax.plot(steps_x, steps_y, ":", color=color, lw=0.9, gid=f"{key}_jumps", zorder=4)
        ax.plot([float(data[f"{key}_end"])], [eps[-1]], color=color, **MM_END_MARKER, gid=f"{key}_end", zorder=6)


def _legend_handles(etas, mc_label: str) -> list:
    """One legend for panels A and B: colours for eta, line styles for the rules."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=ETA_COLORS.get(float(e), "k"), lw=2.5, label=rf"$\eta$ = {e:g}"
                      + (" (clean)" if e == 0 else "")) for e in etas]
    agree = r"agree-hard/easy (at $\theta$ = 0: = the $\eta$ = 0 frontier)"
    handles += [Line2D([], [], color="k", ls=STYLES["hard/easy"], label="keep hard/easy"),
                Line2D([], [], color="k", ls=STYLES["agree"], label=agree),
                Line2D([], [], color="k", ls=STYLES["unpruned"], label="no pruning"),
                Line2D([], [], **MM_STYLE, label="max-margin, clean labels"),
                Line2D([], [], color="k", **{**MM_END_MARKER, **MM_NOISY_STYLE}, mfc="w", label=MM_NOISY_LABEL)]
    handles += [Line2D([], [], color="k", marker="x", ls="", ms=6, label=mc_label),
                Line2D([], [], color="k", marker="+", ls="", ms=9, label="theory at those points")]
    return handles


def plot(data: dict, out: Path) -> list[Path]:
    """Draw ``data`` (from :func:`compute`) into ``out`` as label_noise.png and .pdf."""
    return save(draw(data), out, NAME)


def draw(data: dict):
    """The figure of ``data`` (a matplotlib Figure; :func:`plot` saves it)."""
    fig, axes = plt.subplots(2, 2, figsize=(12.5, 9.4))
    a, mm = data["alphas"], data.get("mm_alphas", data["alphas"])
    for ax, theta, etas, letter in ((axes[0, 0], 0.0, data["etas0"], "A"), (axes[0, 1], 10.0, data["etas10"], "B")):
        ax.plot(mm, 100 * data[f"mm_clean_{theta:g}"], **MM_STYLE)
        agree_keys = [f"front_{theta:g}_{eta:g}_agree" for eta in etas if f"front_{theta:g}_{eta:g}_agree" in data]
        for eta in etas:
            color = ETA_COLORS.get(float(eta), "k")
            front = 100 * data[f"front_{theta:g}_{eta:g}_hard/easy"]
            if eta == 0.0 and theta == 0.0 and agree_keys:  # the agree curves lie on it: a wide band under them
                ax.plot(a, front, "-", color=color, lw=6, alpha=0.3, solid_capstyle="butt")
            ax.plot(a, front, ls=STYLES["hard/easy"], color=color, lw=1.5)
            key = f"front_{theta:g}_{eta:g}_agree"
            if key in data:  # the dashes of overlapping agree curves interleave (offset by one dash)
                offset = 3.5 * agree_keys.index(key)
                ax.plot(a, 100 * data[key], ls=(offset, (3.5, 3.5)), color=color, lw=1.5)
            ax.plot(a, 100 * data[f"unpruned_{eta:g}"], ls=STYLES["unpruned"], color=color, lw=1.5)
        if theta == 0.0:
            ax.errorbar(data["mc_alpha"], 100 * data["mc_eps_mean"], 100 * data["mc_eps_sem"], fmt="kx", ms=6,
                        capsize=3, zorder=5)
            ax.plot(data["mc_alpha"], 100 * data["mc_eps_theory"], "k+", ms=9, zorder=5)
        _max_margin_noisy_lines(ax, data, theta)
        _error_axes(ax, rf"{letter}  frontiers, {LEARNER} (fixed ridge), $\theta$ = {theta:g}°")
    ax = axes[1, 0]
    eta = float(np.max(data["etas0"]))
    ax.plot(mm, 100 * data["mm_clean_0"], **MM_STYLE, label="max-margin, clean labels")
    for i, kind in enumerate(("hinge", "logistic", "square")):
        ax.plot(a, 100 * data[f"learner_{kind}"], "-", lw=1.5, color=f"C{i + 3}",
                label=f"{kind}:{float(data['ridge']):g}")
    ax.plot(a, 100 * data[f"unpruned_{eta:g}"], "k:", label=f"{LEARNER}, no pruning")
    _error_axes(ax, rf"C  learners at ridge {float(data['ridge']):g}, keep hard/easy, $\theta$ = 0, $\eta$ = {eta:g}")
    ax.legend(fontsize=7)
    ax = axes[1, 1]
    for i, f in enumerate(data["crossover_fractions"]):
        ax.plot(data["etas0"], data["crossover"][:, i], "o-", label=f"f = {f:g}")
    ax.set(yscale="log", xlabel=r"flip probability $\eta$",
           ylabel=r"pool $\alpha_{tot}$ above which keep hard beats keep easy",
           title=rf"D  the easy/hard crossover, {LEARNER}, $\theta$ = 0")
    plain_log_ticks(ax)
    ax.legend(fontsize=8)
    etas = sorted({float(e) for e in (*data["etas0"], *data["etas10"])})
    mc_label = (f"{simulation_label(data['mc_n'])}: keep hard f = {MC_FRACTION:g}, "
                rf"$\eta$ = {float(np.max(data['etas0'])):g} (A)")
    fig.legend(handles=_legend_handles(etas, mc_label), loc="upper center", ncol=5, fontsize=8, handlelength=2.8,
               bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.955))
    return fig
