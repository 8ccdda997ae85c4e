"""Beyond the paper: pruning data whose spectrum is a power law (Gaussian covariate model, docs/theory.md 9).

Case ``power:a,b,N``: eigenvalues lambda_k ~ k^-a, teacher power per mode T_k^2 lambda_k ~ k^-b (A, C, D: a = 1.5,
b = 2, N = 10^4; quick: N = 1000). The unpruned learning curve is then a power law in the number of examples
P = alpha N while P is below the number of dimensions that matter (it does not depend on N at fixed P there:
N = 10^5 drawn at the same P), the spectrum's power law that pruning has to beat.

A  unpruned eps vs alpha for max-margin, and logistic and square at their best ridge (theory.frontier.best_ridge_at),
   with least-squares fits of ln eps on ln alpha over FIT_RANGE (dashed) and the fitted exponents.
B  the fitted exponents (same range, N = 10^4) for several (a, b) against the predictions (b - 1)/(b + 1)
   (max-margin) and (b - 1)/(2b) (square at its best ridge; derived in docs/theory.md 10 from the ridge's bias and
   variance, with sign labels acting as noise of variance 1 - 2/pi; the same rates as Cui et al. 2022 find for
   SVM and ridge classification in the source/capacity parametrisation, b = 1 + 2 a r).
C  theta = 0: the keep-hard (solid) and keep-easy (dashed) frontiers (min over f >= 1e-3 at fixed alpha_prune,
   theory.frontier.frontier_point) of max-margin, and of logistic and square at their best ridge (optimised with f:
   :func:`convex_frontier_eps`), against each learner's unpruned curve (dotted); the fitted exponents over FIT_RANGE
   in the legend; Monte Carlo of max-margin (case power:1.5,2,2000 simulated at n = 2000, 10 seeds) at a few points
   with the theory of that case (open symbols).
D  the same at theta = 10 degrees (keep easy up to alpha_prune = 1: beyond, f_opt = 1).
E  the gain eps*/eps_unpruned of the keep-hard frontiers (each learner against its own unpruned curve).
F  their f_opt.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy import optimize

from figures.common import DATA_DIR, X_LABEL, Progress, cached, plain_log_ticks, report, save
from simulations import simulate
from theory import Params, solve_saddle
from theory.covariance import Case
from theory.frontier import best_ridge_at, frontier_point

NAME = "structured_data"
SUMMARY = ("power-law spectra (power:1.5,2,1e4): unpruned exponents of max-margin/logistic/square vs (a, b), "
           "keep-hard/easy frontiers at theta = 0, 10 deg and their exponents, MC")
A, B = 1.5, 2.0
N_FULL, N_CHECK, N_QUICK = 10_000, 100_000, 1000
FIT_RANGE = (0.01, 1.0)  # alpha = P/N at N = 1e4: P = 100 ... 10^4, where eps(P) does not depend on N
THETAS = (0.0, 10.0)
F_FLOOR = 1e-3
LEARNERS = ("max-margin", "logistic", "square")
SPECTRA = ((1.5, 1.5), (1.5, 2.0), (1.5, 2.5), (2.0, 2.0), (2.0, 3.0), (3.0, 2.0), (3.0, 4.0))  # b <= 1 + a
EASY_MAX_ALPHA = {0.0: 10.0, 10.0: 1.0}  # keep easy at theta = 10 gives f_opt = 1 (no gain) and costs 3-40 s a point
MC_CASE, MC_N, MC_SEEDS = (1.5, 2.0, 2000), 2000, 10
MC_POINTS = ((0.1, 1.0, 0.0), (1.0, 1.0, 0.0), (0.1, 0.2, 0.0), (1.0, 0.05, 0.0), (1.0, 0.2, 10.0))  # alpha, f, theta
CONVEX = ("logistic", "square")  # the learners whose frontiers have their ridge optimised too


def predicted_exponent(learner: str, a: float, b: float) -> float:
    """The spectrum's exponent of eps ~ P^-nu (docs/theory.md 10): (b-1)/(b+1) for max-margin, (b-1)/(2b) for the
    square loss at its best ridge (valid for 1 < b <= 1 + a); logistic at its best ridge measures as max-margin."""
    return (b - 1.0) / (2.0 * b) if learner == "square" else (b - 1.0) / (b + 1.0)


def fit_exponent(alphas, eps, fit_range=FIT_RANGE) -> float:
    """nu of eps ~ alpha^-nu: minus the least-squares slope of ln eps on ln alpha over the points in fit_range."""
    alphas, eps = np.asarray(alphas, float), np.asarray(eps, float)
    m = (alphas >= fit_range[0] * (1 - 1e-9)) & (alphas <= fit_range[1] * (1 + 1e-9)) & np.isfinite(eps)
    if m.sum() < 2:
        return float("nan")
    return float(-np.polyfit(np.log(alphas[m]), np.log(eps[m]), 1)[0])


def unpruned_eps(learner: str, alpha: float, case: Case) -> tuple[float, float]:
    """(eps, ridge) of the unpruned learner (max-margin: ridge NaN; logistic, square: at their best ridge)."""
    if learner == "max-margin":
        res = solve_saddle(Params(float(alpha), 1.0, "hard", 0.0, learner="max-margin", data=case))
        return (res.eps if res.success else float("nan")), float("nan")
    lam, res = best_ridge_at(Params(float(alpha), 1.0, "hard", 0.0, learner=f"{learner}:0.01", data=case))
    return res.eps, lam


def frontier_eps(alpha: float, theta: float, keep: str, case: Case) -> tuple[float, float]:
    """(eps*, f_opt) of the max-margin frontier of one rule at alpha_prune (f in [F_FLOOR, 1])."""
    fp = frontier_point(float(alpha), theta, F_FLOOR, (keep,), "max-margin", "clean", case)
    return fp.eps_frontier, fp.f_opt


FROM_FRONTIER, FROM_HINT, FROM_SCAN = 0, 1, 2  # where convex_frontier_eps found its optimum
N_F_SCAN = 7  # the log-f grid of the fallback scan over [F_FLOOR, 1]


def convex_frontier_eps(alpha: float, theta: float, keep: str, learner: str, case: Case,
                        f_hint: float | None = None) -> tuple[float, float, float, int]:
    """(eps*, f_opt, ridge, source) of the frontier of ``learner`` ("logistic" or "square") at its best ridge: min
    over f in [F_FLOOR, 1] and the ridge in [0, inf), by theory.frontier.frontier_point (the learner named without
    its ridge); ``source`` says which search found it (FROM_FRONTIER, FROM_HINT, FROM_SCAN).

    frontier_point alternates a search over f (first at the ridgeless limit) with a search over the ridge at the
    optimum f, and can stop in a corner: square, theta = 10 deg, alpha_prune = 10 on power:1.5,2,1e4 gives 0.01391 at
    the floor f = 1e-3 and ridge 0, while the best ridge at f = 0.178 gives 0.00791. So the ridge is also optimised
    (theory.frontier.best_ridge_at) at ``f_hint`` (the max-margin frontier's f_opt); if that is better, a bounded
    Brent search over ln f within a factor 3 of it refines the optimum (FROM_HINT). Where frontier_point refuses
    the point (square at alpha_prune = 1, where its ridgeless limit does not exist at any f), the best ridge is
    scanned over N_F_SCAN values of ln f and refined by Brent around the best (FROM_SCAN)."""
    tried: dict[float, tuple[float, float]] = {}

    def eps_at(log_f: float) -> float:
        f = min(1.0, max(F_FLOOR, math.exp(log_f)))
        if f not in tried:
            try:
                lam, res = best_ridge_at(Params(float(alpha), f, keep, theta, learner=f"{learner}:1", data=case))
                tried[f] = (res.eps if res.success else math.inf, lam)
            except ValueError:
                tried[f] = (math.inf, math.nan)
        return tried[f][0]

    def refine(lo: float, hi: float, source: int) -> tuple[float, float, float, int]:
        if hi > lo:
            optimize.minimize_scalar(eps_at, bounds=(lo, hi), method="bounded", options={"xatol": 0.02})
        f = min(tried, key=lambda k: tried[k][0])
        return tried[f][0], f, tried[f][1], source

    try:
        fp = frontier_point(float(alpha), theta, F_FLOOR, (keep,), learner, "clean", case)
    except ValueError:
        grid = np.linspace(math.log(F_FLOOR), 0.0, N_F_SCAN)
        i = int(np.argmin([eps_at(x) for x in grid]))
        return refine(grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)], FROM_SCAN)
    best = (fp.eps_frontier, fp.f_opt, float(fp.learner.partition(":")[2]), FROM_FRONTIER)
    if f_hint is not None and math.isfinite(f_hint) and eps_at(math.log(f_hint)) < best[0] * (1 - 1e-6):
        best = refine(math.log(max(F_FLOOR, f_hint / 3)), math.log(min(1.0, f_hint * 3)), FROM_HINT)
    return best


def _convex_drawn(learner: str, alpha: float, theta: float, keep: str, quick: bool) -> bool:
    """Whether the frontier of ``learner`` (logistic or square) and ``keep`` at (alpha, theta) is computed: as
    max-margin's (keep easy up to EASY_MAX_ALPHA[theta]); quick: square at theta = 0, keep hard only (logistic costs
    up to 6 s a point at N = 1000, theta = 10 deg 5-60 s)."""
    if quick:
        return learner == "square" and theta == 0.0 and keep == "hard"
    return keep == "hard" or alpha <= EASY_MAX_ALPHA[theta] * (1 + 1e-9)


def _grids(quick: bool):
    if quick:
        return N_QUICK, np.geomspace(0.01, 10.0, 4), np.geomspace(0.01, 1.0, 3), SPECTRA[1:2]
    return N_FULL, np.geomspace(1e-3, 1e2, 16), np.geomspace(1e-3, 10.0, 9), SPECTRA


def compute(quick: bool = False, data_dir: Path = DATA_DIR, progress: Progress | None = None) -> dict:
    """Theory (cached) and Monte Carlo (cached); ``progress(message)`` after each curve, exponent and MC point."""
    n, alphas, prune_alphas, spectra = _grids(quick)

    def theory():
        case = Case.power(A, B, n)
        out = {"n": np.array(n), "a": np.array(A), "b": np.array(B), "alphas": alphas, "prune_alphas": prune_alphas,
               "fit_range": np.array(FIT_RANGE), "thetas": np.array(THETAS), "f_floor": np.array(F_FLOOR)}
        for learner in LEARNERS:
            vals = np.array([unpruned_eps(learner, a, case) for a in alphas])
            out[f"unpruned_{learner}"], out[f"ridge_{learner}"] = vals[:, 0], vals[:, 1]
            report(progress, f"unpruned {learner}, N = {n}")
        if not quick:  # the same P at N = 1e5: alpha' = P / 1e5 = alpha N / 1e5
            big = Case.power(A, B, N_CHECK)
            for learner in ("max-margin", "square"):
                out[f"check_{learner}"] = np.array([unpruned_eps(learner, a * n / N_CHECK, big)[0] for a in alphas])
                report(progress, f"unpruned {learner}, N = {N_CHECK}")
        fit_alphas = np.geomspace(*FIT_RANGE, 5)
        measured = np.full((len(spectra), len(LEARNERS)), np.nan)
        for i, (sa, sb) in enumerate(spectra):
            c = Case.power(sa, sb, n)
            for j, learner in enumerate(LEARNERS):
                measured[i, j] = fit_exponent(fit_alphas, [unpruned_eps(learner, a, c)[0] for a in fit_alphas])
            report(progress, f"exponents of power:{sa:g},{sb:g}")
        out["spectra"], out["spectrum_exponents"] = np.array(spectra), measured
        for theta in THETAS:
            for keep in ("hard", "easy"):
                eps = np.full(prune_alphas.size, np.nan)
                fopt = np.full(prune_alphas.size, np.nan)
                for k, a in enumerate(prune_alphas):
                    if keep == "easy" and (a > EASY_MAX_ALPHA[theta] * (1 + 1e-9) or quick and theta > 0):
                        continue  # quick: no keep easy at theta > 0 (8 s of the 11)
                    eps[k], fopt[k] = frontier_eps(a, theta, keep, case)
                out[f"front_{keep}_{theta:g}"], out[f"fopt_{keep}_{theta:g}"] = eps, fopt
                report(progress, f"frontier keep {keep}, theta = {theta:g}")
        return out

    data = cached(NAME, quick, theory, data_dir)

    def convex():
        """The frontiers of logistic and square at their best ridge (their own cache: the max-margin part above is
        not recomputed): eps*, f_opt, the raw ridge at f_opt, and which search found it (``source``: FROM_FRONTIER,
        FROM_HINT with max-margin's f_opt as the hint, FROM_SCAN; :func:`convex_frontier_eps`), NaN where not
        computed."""
        case = Case.power(A, B, n)
        out = {"convex_prune_alphas": prune_alphas}
        for learner in CONVEX:
            for theta in THETAS:
                for keep in ("hard", "easy"):
                    vals = np.full((prune_alphas.size, 4), np.nan)
                    for k, a in enumerate(prune_alphas):
                        if not _convex_drawn(learner, a, theta, keep, quick):
                            continue
                        vals[k] = convex_frontier_eps(a, theta, keep, learner, case,
                                                      float(data[f"fopt_{keep}_{theta:g}"][k]))
                        report(progress, f"frontier {learner}, keep {keep}, theta = {theta:g}, alpha = {a:.3g}")
                    for j, name in enumerate(("front", "fopt", "ridge", "source")):
                        out[f"{name}_{learner}_{keep}_{theta:g}"] = vals[:, j]
        return out

    data = {**data, **cached(NAME + "_convex", quick, convex, data_dir)}

    def monte_carlo():
        a, b, n_case = (1.5, 2.0, 200) if quick else MC_CASE
        case = Case.power(a, b, n_case)
        n_sim, seeds = (200, 3) if quick else (MC_N, MC_SEEDS)
        rows = []
        for alpha, f, theta in MC_POINTS:
            p = Params(alpha, f, "hard", theta, learner="max-margin", data=case)
            res = simulate(p, n=n_sim, seeds=seeds, seed=7)
            rows.append((alpha, f, theta, res.eps_mean, res.eps_sem, solve_saddle(p).eps))
            report(progress, f"simulation alpha = {alpha:g}, f = {f:g}, theta = {theta:g}")
        rows = np.array(rows)
        return {"mc_alpha": rows[:, 0], "mc_f": rows[:, 1], "mc_theta": rows[:, 2], "mc_eps_mean": rows[:, 3],
                "mc_eps_sem": rows[:, 4], "mc_eps_theory": rows[:, 5], "mc_case_n": np.array(n_case),
                "mc_n": np.array(n_sim), "mc_seeds": np.array(seeds)}

    return {**data, **cached(NAME + "_mc", quick, monte_carlo, data_dir)}


def _fit_line(ax, alphas, eps, color) -> float:
    nu = fit_exponent(alphas, eps)
    m = (alphas >= FIT_RANGE[0] * (1 - 1e-9)) & (alphas <= FIT_RANGE[1] * (1 + 1e-9)) & np.isfinite(eps)
    if np.isfinite(nu) and m.any():
        x = np.geomspace(*FIT_RANGE, 20)
        j = np.flatnonzero(m)[0]
        ax.plot(x, 100 * eps[j] * (x / alphas[j]) ** (-nu), "--", color=color, lw=0.9, alpha=0.8)
    return nu


def _axes(ax, title, ylabel="Test error (%)"):
    ax.set(xscale="log", yscale="log", xlabel=X_LABEL, ylabel=ylabel, title=title)
    ax.axvspan(*FIT_RANGE, color="0.93", zorder=0)
    plain_log_ticks(ax)
    ax.legend(fontsize=7)


def frontier_curves(data: dict) -> dict:
    """The frontiers drawn in C-F as {(learner, keep, theta): (eps*, f_opt)} on ``data["prune_alphas"]`` (NaN
    where not computed), max-margin's and the convex learners' alike."""
    out = {}
    for theta in data["thetas"]:
        for keep in ("hard", "easy"):
            out["max-margin", keep, float(theta)] = (data[f"front_{keep}_{theta:g}"], data[f"fopt_{keep}_{theta:g}"])
            for learner in CONVEX:
                if f"front_{learner}_{keep}_{theta:g}" in data:
                    out[learner, keep, float(theta)] = (data[f"front_{learner}_{keep}_{theta:g}"],
                                                        data[f"fopt_{learner}_{keep}_{theta:g}"])
    return out


def frontier_exponents(data: dict) -> dict:
    """{(learner, keep, theta): nu} of the frontiers over FIT_RANGE (NaN with fewer than two points in it), and
    {(learner, "unpruned", None): nu} of the unpruned curves."""
    nus = {key: fit_exponent(data["prune_alphas"], eps) for key, (eps, _) in frontier_curves(data).items()}
    for learner in LEARNERS:
        nus[learner, "unpruned", None] = fit_exponent(data["alphas"], data[f"unpruned_{learner}"])
    return nus


COLORS = {"max-margin": "C0", "logistic": "C1", "square": "C2"}


def _frontier_panel(ax, data: dict, theta: float, letter: str) -> None:
    """C (theta = 0) or D (theta = 10): each learner's keep-hard (solid) and keep-easy (dashed) frontiers, its
    unpruned curve (dotted), the exponents over FIT_RANGE in the legend; the max-margin Monte Carlo at this theta."""
    from matplotlib.lines import Line2D

    al, pal = data["alphas"], data["prune_alphas"]
    curves, nus = frontier_curves(data), frontier_exponents(data)
    handles = []
    for learner in LEARNERS:
        if not any(np.isfinite(curves.get((learner, keep, theta), ([np.nan],))[0]).any() for keep in ("hard", "easy")):
            continue  # not computed (quick mode)
        color = COLORS[learner]
        ax.plot(al, 100 * data[f"unpruned_{learner}"], ":", color=color, lw=1.2)
        text = []
        for keep, style in (("hard", "-"), ("easy", "--")):
            eps = curves[learner, keep, theta][0]
            if np.isfinite(eps).any():
                ax.plot(pal, 100 * eps, style, marker=".", color=color, lw=1.4)
                text.append(f"{keep} {nus[learner, keep, theta]:.3f}")
        name = learner if learner == "max-margin" else f"{learner} (best ridge)"
        handles.append(Line2D([], [], color=color, lw=2,
                              label=f"{name}: nu {', '.join(text)}; unpruned {nus[learner, 'unpruned', None]:.3f}"))
    handles += [Line2D([], [], color="k", ls="-", marker=".", label="keep hard"),
                Line2D([], [], color="k", ls="--", marker=".", label="keep easy"),
                Line2D([], [], color="k", ls=":", label="no pruning")]
    m = data["mc_theta"] == theta
    if m.any():
        ax.errorbar(data["mc_alpha"][m], 100 * data["mc_eps_mean"][m], 100 * data["mc_eps_sem"][m], fmt="o",
                    color="k", ms=4, capsize=2, zorder=5)
        ax.plot(data["mc_alpha"][m], 100 * data["mc_eps_theory"][m], "o", mfc="none", color="k", ms=8, zorder=5)
        fs = ", ".join(f"{f:g}" for f in data["mc_f"][m])
        handles += [Line2D([], [], color="k", marker="o", ls="", ms=4,
                           label=f"MC max-margin keep hard, f = {fs} (power:{A:g},{B:g},{int(data['mc_case_n'])})"),
                    Line2D([], [], color="k", marker="o", mfc="none", ls="", ms=8, label="theory of the MC case")]
    ax.set(xscale="log", yscale="log", xlabel=X_LABEL, ylabel="Test error (%)",
           title=f"{letter}  frontiers, theta = {theta:g} deg (f >= {float(data['f_floor']):g}; nu: fit over the "
                 "shaded range)")
    ax.axvspan(*FIT_RANGE, color="0.93", zorder=0)
    plain_log_ticks(ax)
    ax.legend(handles=handles, fontsize=7, loc="lower left", handlelength=3.5)


def plot(data: dict, out: Path) -> list[Path]:
    """Draw ``data`` (from :func:`compute`) into ``out`` as structured_data.png and .pdf."""
    fig, axes = plt.subplots(3, 2, figsize=(12.5, 14.0))
    n, a_, b_ = int(data["n"]), float(data["a"]), float(data["b"])
    al, pal = data["alphas"], data["prune_alphas"]
    ax = axes[0, 0]
    for learner in LEARNERS:
        eps = data[f"unpruned_{learner}"]
        nu = _fit_line(ax, al, eps, COLORS[learner])
        name = learner if learner == "max-margin" else f"{learner}, best ridge"
        ax.plot(al, 100 * eps, "o-", ms=3, color=COLORS[learner],
                label=f"{name}: fit nu = {nu:.3f} (pred. {predicted_exponent(learner, a_, b_):.3f})")
        if f"check_{learner}" in data:
            ax.plot(al, 100 * data[f"check_{learner}"], ":", color=COLORS[learner], lw=2,
                    label=f"{learner}, N = {N_CHECK:g} at the same P")
    _axes(ax, f"A  unpruned, power:{a_:g},{b_:g},{n} (fits: shaded range, dashed)")
    ax = axes[0, 1]
    spectra, meas = data["spectra"], data["spectrum_exponents"]
    for j, learner in enumerate(LEARNERS):
        pred = [predicted_exponent(learner, sa, sb) for sa, sb in spectra]
        ax.plot(pred, meas[:, j], "os^"[j], color=COLORS[learner], label=learner)
        for (sa, sb), x, y in zip(spectra, pred, meas[:, j]):
            if learner != "logistic":
                ax.annotate(f"{sa:g},{sb:g}", (x, y), fontsize=6, xytext=(3, -8), textcoords="offset points")
    lim = [0.0, max(0.65, float(np.nanmax(meas)) + 0.05)]
    ax.plot(lim, lim, "k-", lw=0.8)
    ax.set(xlim=lim, ylim=lim, xlabel="predicted nu: (b-1)/(b+1) max-margin and logistic, (b-1)/(2b) square",
           ylabel=f"fitted nu over alpha in {FIT_RANGE} (N = {n})", title="B  exponent vs spectrum (a, b)")
    ax.legend(fontsize=7)
    for ax, theta, letter in ((axes[1, 0], 0.0, "C"), (axes[1, 1], 10.0, "D")):
        _frontier_panel(ax, data, theta, letter)
    curves = frontier_curves(data)
    for learner in LEARNERS:
        for theta, style in ((0.0, "-"), (10.0, "--")):
            if (learner, "hard", theta) not in curves:
                continue
            eps, fopt = curves[learner, "hard", theta]
            if not np.isfinite(eps).any():
                continue
            unpruned = np.interp(np.log(pal), np.log(al), data[f"unpruned_{learner}"])
            label = f"{learner}, theta = {theta:g}"
            axes[2, 0].plot(pal, eps / unpruned, style, marker=".", color=COLORS[learner], label=label)
            axes[2, 1].plot(pal, fopt, style, marker=".", color=COLORS[learner], label=label)
    floor = float(data["f_floor"])
    for ax, what, title in (
            (axes[2, 0], "eps* / eps_unpruned (the same learner)", "E  keep-hard frontiers: gain over no pruning"),
            (axes[2, 1], "optimal keep fraction f_opt",
             f"F  keep-hard frontiers: f_opt (on the floor {floor:g}: eps* ~ f there)")):
        ax.set(xscale="log", yscale="log", xlabel=X_LABEL, ylabel=what, title=title)
        ax.axvspan(*FIT_RANGE, color="0.93", zorder=0)
        ax.legend(fontsize=7, handlelength=3.5, title="theta = 0 solid, 10 deg dashed", title_fontsize=7)
    fig.tight_layout()
    return save(fig, out, NAME)


def exponent_table(data: dict) -> str:
    """The fitted exponents nu of eps ~ alpha^-nu over FIT_RANGE, as markdown: one row per learner, the unpruned
    curve and each frontier (keep hard/easy at each theta); "—" where a curve was not computed or has fewer than
    two points in the range."""
    nus = frontier_exponents(data)
    thetas = [float(t) for t in data["thetas"]]
    cols = [(keep, theta) for theta in thetas for keep in ("hard", "easy")]
    head = ("| learner | unpruned | " + " | ".join(f"keep {k}, theta = {t:g}" for k, t in cols) + " |\n|---|---|"
            + "---|" * len(cols))
    n = int(data["n"])
    lines = [f"fitted nu over alpha_prune in [{FIT_RANGE[0]:g}, {FIT_RANGE[1]:g}] (P = {FIT_RANGE[0] * n:g} ... "
             f"{FIT_RANGE[1] * n:g}), power:{float(data['a']):g},{float(data['b']):g},{n}, "
             f"f >= {float(data['f_floor']):g}", "", head]

    def cell(nu: float | None) -> str:
        return "—" if nu is None or not math.isfinite(nu) else f"{nu:.3f}"

    for learner in LEARNERS:
        row = [cell(nus[learner, "unpruned", None])] + [cell(nus.get((learner, k, t))) for k, t in cols]
        name = learner if learner == "max-margin" else f"{learner} (best ridge)"
        lines.append(f"| {name} | " + " | ".join(row) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(exponent_table(compute(quick="--quick" in sys.argv, progress=lambda m: print(m, file=sys.stderr))))
