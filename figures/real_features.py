"""Beyond the paper: does the Gaussian covariate theory predict pruning on real features? (docs/theory.md 10)

Data: scikit-learn's bundled ``load_digits`` (1797 images of 8 x 8 pixels, D = 64; offline), the binary task even
(+1) vs odd (-1) digit: 891 of 1797 even (49.6 %, balanced to 0.4 %). For each split seed s (numpy
default_rng(s).permutation): TEST_SIZE rows are the test part, PROBE_SIZE the probe's training part, the rest the
pool. The *training part* is probe + pool; everything fitted (the standardisation's mean and std, the eigenbasis,
the teacher, the label channels, the probe) reads the training part only (:func:`prepare` takes the training
rows alone, so the test rows cannot enter it).

* features standardised with the training part's mean and std (constant pixels: std 1), then written in the
  eigenbasis of the training covariance (``theory.build_case.case_from_features``: N = 61 directions kept, three
  constant pixels dropped); the learner's Euclidean ridge is rotation invariant, so fitting in these coordinates is
  fitting on the standardised pixels;
* the teacher T: the least-squares fit of the training labels (the build_case teacher); its disagreement eta with
  the training labels becomes the case's channel ``flip:eta``; a second channel ``logit:B`` with B chosen so that
  its disagreement with the teacher's sign is the same eta (real label noise sits near the boundary, not uniformly);
* the probe J: logistic:PROBE_RIDGE fitted on the probe part (label-signed rows, ``fit_convex``); its coordinates
  in the eigenbasis are the case's probe, which fixes theta (the angle between the probe's and the teacher's fields
  under the training covariance);
* the pool subsampled to P = alpha_tot N rows (SUBSAMPLES draws per split), pruned by the probe's margin |z| (keep
  hard: smallest |z|; keep easy: largest) to k = round(f P) rows; the learner (LEARNER, the ridge convention of
  docs/theory.md 8: sum loss(y w.x / sqrt N) + (lambda/2)|w|^2) fitted on the kept rows; measured on the test part:
  the error against the real labels and the disagreement with the teacher's sign;
* theory: ``solve_point(Params(f P / N, f, rule, theta, LEARNER, channel, data=case))`` for both channels: eps (against
  the case's teacher: compare with the measured disagreement with the teacher) and eps_noisy (against the channel's
  labels: compare with the measured error on real labels).

A  alpha_tot = ALPHAS_TOT[0]: error on real test labels vs f (keep hard, keep easy) with the theory's eps_noisy
   (flip and logit channels). B  the same at ALPHAS_TOT[1]. C, D  the same against the teacher's sign (eps).
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy import optimize

from figures.common import DATA_DIR, Progress, cached, report, save
from simulations.convex_student import fit_convex
from simulations.threads import blas_limit
from theory import Params, solve_point
from theory.build_case import case_from_features
from theory.covariance import MIN_VARIANCE, Case
from theory.labels import LabelChannel

NAME = "real_features"
SUMMARY = ("load_digits even vs odd: prune the pool by a trained probe's margin, logistic student; measured test "
           "error vs the Gaussian covariate theory of the training split (flip and logit channels)")
TEST_SIZE, PROBE_SIZE = 400, 300
LEARNER = "logistic:0.01"
PROBE_RIDGE = 0.01
ALPHAS_TOT = (4.0, 16.0)
RULES = ("hard", "easy")
FULL = {"seeds": (0, 1, 2, 3, 4), "subsamples": 4, "fractions": (1.0, 0.8, 0.6, 0.4, 0.3, 0.2)}
QUICK = {"seeds": (0,), "subsamples": 2, "fractions": (1.0, 0.4, 0.2)}
CHANNELS = ("flip", "logit")


def _digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled digits (pixels [1797, 64], digit [1797]), as ``load_digits(return_X_y=True)`` gives
    them: read from the package's ``datasets/data/digits.csv.gz`` without importing scikit-learn (whose import is
    ~3 s of a quick run), the way ``load_digits`` reads it (tests/test_real_features.py checks the arrays are
    equal); ``load_digits`` itself where the file is not found."""
    spec = importlib.util.find_spec("sklearn")
    roots = [Path(p) for p in (spec.submodule_search_locations or [])] if spec is not None else []
    for root in roots:
        path = root / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            data = np.loadtxt(path, delimiter=",")
            return data[:, :-1], data[:, -1].astype(int)
    from sklearn.datasets import load_digits

    return load_digits(return_X_y=True)


def load_task() -> tuple[np.ndarray, np.ndarray]:
    """The digits' pixels [1797, 64] and the labels +1 (even digit) / -1 (odd)."""
    X, digit = _digits()
    return X.astype(float), np.where(digit % 2 == 0, 1.0, -1.0)


def split(n: int, seed: int) -> dict:
    """Row indices of the test, probe and pool parts (a permutation by default_rng(seed))."""
    perm = np.random.default_rng(seed).permutation(n)
    return {"test": perm[:TEST_SIZE], "probe": perm[TEST_SIZE:TEST_SIZE + PROBE_SIZE],
            "pool": perm[TEST_SIZE + PROBE_SIZE:]}


def logit_matching(eta: float) -> float:
    """B of the channel logit:B whose labels disagree with the teacher's sign at rate eta."""
    if not 0.0 < eta < 0.5:
        raise ValueError(f"eta must be in (0, 0.5), got {eta!r}")
    return optimize.brentq(lambda b: LabelChannel("logit", b).noisy_error(0.0, 1.0) - eta, 1e-2, 1e4, xtol=1e-10)


def prepare(X_train: np.ndarray, y_train: np.ndarray, n_probe: int) -> dict:
    """Everything fitted, from the training rows only (the first n_probe of them the probe's part, the rest the
    pool): the standardisation, the eigenbasis (rows of ``basis``, the case's order), the case (teacher, probe,
    channel flip:eta), eta, the logit channel's B."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    std[std == 0] = 1.0
    Xs = (X_train - mean) / std
    built = case_from_features(Xs, y_train)
    # the same eigenbasis as case_from_features (its SVD of the centred rows, descending variances)
    Xc = Xs - Xs.mean(axis=0)
    _, sv, vt = np.linalg.svd(Xc, full_matrices=False)
    var = sv**2 / Xc.shape[0]
    keep = var > MIN_VARIANCE * var.max()
    order = np.argsort(var[keep])[::-1]
    var, basis = var[keep][order], vt[keep][order]
    teacher = built.case.teacher
    if not (np.allclose(var, built.case.eigenvalues, rtol=1e-10, atol=0)
            and np.allclose(basis @ np.linalg.lstsq(Xc, y_train, rcond=None)[0], teacher, rtol=1e-8, atol=1e-10)):
        raise RuntimeError("the eigenbasis does not reproduce case_from_features' case")
    E = Xc @ basis.T
    probe = fit_convex(y_train[:n_probe, None] * E[:n_probe], f"logistic:{PROBE_RIDGE}").u
    eta = built.label_disagreement
    case = Case(var, teacher, probe, labels=built.case.labels)
    return {"mean": mean, "std": std, "basis": basis, "case": case, "eta": eta, "beta": logit_matching(eta)}


def coordinates(prep: dict, X: np.ndarray) -> np.ndarray:
    """Rows of X in the case's coordinates (standardised, centred by the training mean, projected)."""
    return ((X - prep["mean"]) / prep["std"]) @ prep["basis"].T


def prune(E_pool: np.ndarray, probe: np.ndarray, f: float, rule: str) -> np.ndarray:
    """Indices of the k = round(f P) rows kept by the probe's margin |z| (hard: smallest, easy: largest)."""
    z = np.abs(E_pool @ probe)
    k = max(1, int(round(f * len(z))))
    order = np.argsort(z, kind="stable")
    return order[:k] if rule == "hard" else order[::-1][:k]


def fit_student(E: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The learner's weights u on the rows E with labels y."""
    return fit_convex(y[:, None] * E, LEARNER).u


def run_split(X: np.ndarray, y: np.ndarray, seed: int, fractions, subsamples: int, progress=None) -> dict:
    """Measured errors [alpha_tot, rule, f, subsample] and the theory [channel, alpha_tot, rule, f] for one split."""
    with blas_limit():  # small fits: one BLAS thread each (13x faster on the shared 2-core machine)
        return _run_split(X, y, seed, fractions, subsamples, progress)


def _run_split(X: np.ndarray, y: np.ndarray, seed: int, fractions, subsamples: int, progress=None) -> dict:
    """:func:`run_split` inside its BLAS limit. f = 1 keeps the whole subsample whatever the rule: keep easy's fit
    and theory there are keep hard's (not recomputed)."""
    parts = split(len(y), seed)
    train = np.concatenate([parts["probe"], parts["pool"]])
    prep = prepare(X[train], y[train], len(parts["probe"]))
    case, n = prep["case"], prep["case"].n
    E_pool, y_pool = coordinates(prep, X[parts["pool"]]), y[parts["pool"]]
    E_test, y_test = coordinates(prep, X[parts["test"]]), y[parts["test"]]
    t_test = np.sign(E_test @ case.teacher)
    shape = (len(ALPHAS_TOT), len(RULES), len(fractions))
    real, teach = np.full((*shape, subsamples), np.nan), np.full((*shape, subsamples), np.nan)
    theo = {k: np.full((len(CHANNELS), *shape), np.nan) for k in ("eps", "eps_noisy")}
    channels = {"flip": case.labels, "logit": f"logit:{prep['beta']:.8g}"}
    for i, at in enumerate(ALPHAS_TOT):
        P = int(round(at * n))
        for s in range(subsamples):
            sub = np.random.default_rng([seed, s]).permutation(len(y_pool))[:P]
            for j, rule in enumerate(RULES):
                for m, f in enumerate(fractions):
                    if f == 1.0 and j > 0:  # the same kept set as the first rule's
                        real[i, j, m, s], teach[i, j, m, s] = real[i, 0, m, s], teach[i, 0, m, s]
                        continue
                    kept = sub[prune(E_pool[sub], case.probe, f, rule)]
                    pred = np.sign(E_test @ fit_student(E_pool[kept], y_pool[kept]))
                    real[i, j, m, s] = np.mean(pred != y_test)
                    teach[i, j, m, s] = np.mean(pred != t_test)
        report(progress, f"split {seed}, alpha_tot {at:g}: {subsamples * len(RULES) * len(fractions)} fits")
        for c, ch in enumerate(CHANNELS):
            for j, rule in enumerate(RULES):
                for m, f in enumerate(fractions):
                    if f == 1.0 and j > 0:
                        for k in theo:
                            theo[k][c, i, j, m] = theo[k][c, i, 0, m]
                        continue
                    res = solve_point(Params(f * P / n, f, rule, case.probe_angle_deg, LEARNER, channels[ch],
                                             data=case))
                    if res.success:
                        theo["eps"][c, i, j, m], theo["eps_noisy"][c, i, j, m] = res.eps, res.eps_noisy
            report(progress, f"split {seed}, alpha_tot {at:g}: theory, {ch} channel")
    return {"real": real, "teacher": teach, "theory_eps": theo["eps"], "theory_noisy": theo["eps_noisy"],
            "theta": case.probe_angle_deg, "eta": prep["eta"], "beta": prep["beta"], "n": n,
            "eta_test": float(np.mean(t_test != y_test)),
            "probe_test_error": float(np.mean(np.sign(E_test @ case.probe) != y_test))}


def compute(quick: bool = False, data_dir: Path = DATA_DIR, progress: Progress | None = None) -> dict:
    """Measured errors and theory for every split seed (cached); ``progress(message)`` after the fits and after each
    channel's theory of every (split, alpha_tot)."""
    grid = QUICK if quick else FULL

    def run():
        X, y = load_task()
        runs = [run_split(X, y, seed, grid["fractions"], grid["subsamples"], progress) for seed in grid["seeds"]]
        out = {k: np.array([r[k] for r in runs]) for k in runs[0]}
        out.update(seeds=np.array(grid["seeds"]), fractions=np.array(grid["fractions"]),
                   alphas_tot=np.array(ALPHAS_TOT), even_fraction=np.array(np.mean(y > 0)),
                   n_rows=np.array(len(y)))
        return out

    return cached(NAME, quick, run, data_dir)


def table(data: dict) -> list[dict]:
    """One row per (alpha_tot, rule, f): measured means over splits and subsamples (with the standard error of the
    split means, or of the subsamples for one split) and the theory averaged over splits."""
    rows = []
    fr = data["fractions"]
    for i, at in enumerate(data["alphas_tot"]):
        for j, rule in enumerate(RULES):
            for m, f in enumerate(fr):
                row = {"alpha_tot": float(at), "rule": rule, "f": float(f)}
                for key in ("real", "teacher"):
                    v = data[key][:, i, j, m, :]
                    per = v.mean(axis=1) if v.shape[0] > 1 else v[0]
                    row[key] = float(v.mean())
                    row[key + "_sem"] = float(per.std(ddof=1) / math.sqrt(len(per))) if len(per) > 1 else math.nan
                for c, ch in enumerate(CHANNELS):
                    row[f"{ch}_noisy"] = float(np.nanmean(data["theory_noisy"][:, c, i, j, m]))
                    row[f"{ch}_eps"] = float(np.nanmean(data["theory_eps"][:, c, i, j, m]))
                rows.append(row)
    return rows


def format_table(data: dict) -> str:
    """The table as markdown (errors in %)."""
    head = ("| alpha_tot | rule | f | measured, real labels | theory eps_noisy flip / logit | measured vs teacher | "
            "theory eps flip / logit |\n|---|---|---|---|---|---|---|")
    lines = [head]
    for r in table(data):
        if r["f"] == 1.0 and r["rule"] == "easy":
            continue  # the same fit as keep hard at f = 1
        lines.append(f"| {r['alpha_tot']:g} | {'none' if r['f'] == 1 else r['rule']} | {r['f']:g} | "
                     f"{100 * r['real']:.1f} ± {100 * r['real_sem']:.1f} | {100 * r['flip_noisy']:.1f} / "
                     f"{100 * r['logit_noisy']:.1f} | {100 * r['teacher']:.1f} ± {100 * r['teacher_sem']:.1f} | "
                     f"{100 * r['flip_eps']:.1f} / {100 * r['logit_eps']:.1f} |")
    return "\n".join(lines)


def plot(data: dict, out: Path) -> list[Path]:
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.6), sharex=True)
    fr = data["fractions"]
    rows = table(data)
    colors = {"hard": "C3", "easy": "C0"}
    for col, at in enumerate(data["alphas_tot"]):
        for row, (key, th, what) in enumerate((("real", "noisy", "real test labels"),
                                               ("teacher", "eps", "the teacher's sign"))):
            ax = axes[row, col]
            for rule in RULES:
                rs = [r for r in rows if r["alpha_tot"] == at and r["rule"] == rule]
                ax.errorbar(fr, [100 * r[key] for r in rs], [100 * r[key + "_sem"] for r in rs], fmt="o-",
                            color=colors[rule], ms=5, capsize=2, label=f"keep {rule}: measured")
                for ch, ls in (("flip", "--"), ("logit", ":")):
                    ax.plot(fr, [100 * r[f"{ch}_{th}"] for r in rs], ls, color=colors[rule], lw=1.8,
                            label=f"keep {rule}: theory, {ch} channel")
            ax.set_xscale("log")
            ax.set_xticks(fr)
            ax.set_xticklabels([f"{f:g}" for f in fr])
            ax.set_ylabel(f"test error against {what} (%)")
            ax.set_title(f"{'ABCD'[2 * row + col]}  alpha_tot = {at:g}, against {what}", fontsize=10)
            ax.grid(alpha=0.3)
            if row == 1:
                ax.set_xlabel("fraction of the pool kept f")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(f"load_digits even vs odd (N = {int(data['n'][0])}, {len(data['seeds'])} split(s)): "
                 f"{LEARNER} on the kept pool; probe theta = {np.mean(data['theta']):.1f} deg, "
                 f"teacher disagreement eta = {100 * np.mean(data['eta']):.1f} % (train), "
                 f"{100 * np.mean(data['eta_test']):.1f} % (test)", fontsize=10)
    fig.tight_layout()
    return save(fig, out, NAME)


if __name__ == "__main__":
    import sys

    d = compute(quick="--quick" in sys.argv, progress=print)
    print(format_table(d))
