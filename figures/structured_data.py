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
C  the max-margin keep-hard (solid) and keep-easy (dashed) frontiers (min over f >= 1e-3 at fixed alpha_prune,
   theory.frontier.frontier_point) at theta = 0 and 10 degrees against the unpruned curve, fitted exponents over
   FIT_RANGE; Monte Carlo (case power:1.5,2,2000 simulated at n = 2000, 10 seeds) at a few points with the theory
   of that case (open symbols).
D  the gain eps*/eps_unpruned and f_opt of the keep-hard frontiers.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

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


def plot(data: dict, out: Path) -> list[Path]:
    fig, axes = plt.subplots(2, 2, figsize=(12.5, 9.4))
    n, a_, b_ = int(data["n"]), float(data["a"]), float(data["b"])
    al, pal = data["alphas"], data["prune_alphas"]
    colors = {"max-margin": "C0", "logistic": "C1", "square": "C2"}
    ax = axes[0, 0]
    for learner in LEARNERS:
        eps = data[f"unpruned_{learner}"]
        nu = _fit_line(ax, al, eps, colors[learner])
        name = learner if learner == "max-margin" else f"{learner}, best ridge"
        ax.plot(al, 100 * eps, "o-", ms=3, color=colors[learner],
                label=f"{name}: fit nu = {nu:.3f} (pred. {predicted_exponent(learner, a_, b_):.3f})")
        if f"check_{learner}" in data:
            ax.plot(al, 100 * data[f"check_{learner}"], ":", color=colors[learner], lw=2,
                    label=f"{learner}, N = {N_CHECK:g} at the same P")
    _axes(ax, f"A  unpruned, power:{a_:g},{b_:g},{n} (fits: shaded range, dashed)")
    ax = axes[0, 1]
    spectra, meas = data["spectra"], data["spectrum_exponents"]
    for j, learner in enumerate(LEARNERS):
        pred = [predicted_exponent(learner, sa, sb) for sa, sb in spectra]
        ax.plot(pred, meas[:, j], "os^"[j], color=colors[learner], label=learner)
        for (sa, sb), x, y in zip(spectra, pred, meas[:, j]):
            if learner != "logistic":
                ax.annotate(f"{sa:g},{sb:g}", (x, y), fontsize=6, xytext=(3, -8), textcoords="offset points")
    lim = [0.0, max(0.65, float(np.nanmax(meas)) + 0.05)]
    ax.plot(lim, lim, "k-", lw=0.8)
    ax.set(xlim=lim, ylim=lim, xlabel="predicted nu: (b-1)/(b+1) max-margin and logistic, (b-1)/(2b) square",
           ylabel=f"fitted nu over alpha in {FIT_RANGE} (N = {n})", title="B  exponent vs spectrum (a, b)")
    ax.legend(fontsize=7)
    ax = axes[1, 0]
    eps0 = data["unpruned_max-margin"]
    nu0 = _fit_line(ax, al, eps0, "k")
    ax.plot(al, 100 * eps0, "k-", label=f"unpruned: nu = {nu0:.3f}")
    tcol = {0.0: "C3", 10.0: "C4"}
    for theta in data["thetas"]:
        for keep, style in (("hard", "-"), ("easy", "--")):
            eps = data[f"front_{keep}_{theta:g}"]
            nu = _fit_line(ax, pal, eps, tcol[theta]) if keep == "hard" else fit_exponent(pal, eps)
            ax.plot(pal, 100 * eps, style, marker=".", color=tcol[theta],
                    label=f"keep {keep}, theta = {theta:g}: nu = {nu:.3f}")
    for th, marker in ((0.0, "o"), (10.0, "s")):
        m = data["mc_theta"] == th
        if m.any():
            ax.errorbar(data["mc_alpha"][m], 100 * data["mc_eps_mean"][m], 100 * data["mc_eps_sem"][m], fmt=marker,
                        color=tcol[th], ms=5, capsize=2,
                        label=f"MC theta = {th:g}, keep hard f = "
                              f"{', '.join(f'{f:g}' for f in data['mc_f'][m])} (power:1.5,2,{int(data['mc_case_n'])})")
            ax.plot(data["mc_alpha"][m], 100 * data["mc_eps_theory"][m], marker, mfc="none", color="k", ms=8)
    _axes(ax, f"C  max-margin frontiers (f >= {float(data['f_floor']):g}); open: theory of the MC case")
    ax = axes[1, 1]
    for theta in data["thetas"]:
        ratio = data[f"front_hard_{theta:g}"] / np.interp(np.log(pal), np.log(al), eps0)
        ax.plot(pal, ratio, "-o", ms=3, color=tcol[theta], label=f"eps*/eps_unpruned, keep hard, theta = {theta:g}")
        ax.plot(pal, data[f"fopt_hard_{theta:g}"], ":", marker=".", color=tcol[theta],
                label=f"f_opt, theta = {theta:g}")
    ax.set(xscale="log", yscale="log", xlabel=X_LABEL, ylabel="ratio / keep fraction",
           title="D  gain of the keep-hard frontier and its f_opt")
    ax.axvspan(*FIT_RANGE, color="0.93", zorder=0)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save(fig, out, NAME)
