"""Speed of the Monte Carlo against the paper's tool (CVXPY/Clarabel), measured in one run on the same data.

Sections (``--section``, default all):

* ``solver``: solver alone, ours (``fit_max_margin``, numba active set, cold and from the least-squares
  warm start) vs CVXPY on the same Z, the same number of repeats for all (median), with the agreement of
  margins and directions: random data
  (alpha = 10, f = 1) and hard-pruned data (alpha_prune = 4 and 10, f = 0.1), N = 200.
* ``end-to-end``: seconds per problem of ``simulations.simulate`` (sampling, pruning, solve, error) at
  N = 200, alpha_prune = 10, f = 1 and f = 0.2 hard, against CVXPY's median solve of the same problems.
* ``breakdown``: where a problem's time goes (sampling + selection, solve, measuring eps, overhead).
* ``scaling``: seconds per problem at N = 200, 400, 800, 1600 (alpha_prune = 2, f = 0.2 hard) and the
  fitted exponent of N.
* ``jax``: the batched JAX interior point, problems per second for batches of 8 and 32, its cost per
  iteration, against numba on the same problems.
* ``sklearn``: scikit-learn ``LinearSVC(fit_intercept=False, C=1e6, loss="hinge")`` with its tol lowered
  (1e-4, 1e-8, 1e-12) until its certified KKT residual is within 10x of ours.

    python -m benchmarks.maxmargin_speed [--section solver end-to-end ...] [--seeds 3] [--repeats 1]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from simulations import fit_max_margin, fit_max_margin_batch, order_parameters, sample_pruned, simulate, warm_start_for
from simulations.certificate import certify
from theory import Params

SECTIONS = ("solver", "end-to-end", "breakdown", "scaling", "jax", "sklearn")


def _median_time(fn, repeats: int):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def _cvxpy(Z):
    import cvxpy as cp

    w = cp.Variable(Z.shape[1])
    cp.Problem(cp.Minimize(cp.sum_squares(w)), [Z @ w >= 1]).solve(solver=cp.CLARABEL)
    return np.asarray(w.value)


def solver_only(seeds: int, repeats: int) -> None:
    print(f"solver alone, N = 200, median of {repeats} for both; ours cold (warm_start='none') and from the "
          f"least-squares cascade (warm_start='least-squares'):")
    print(f"{'alpha':>6} {'f':>5} {'P kept':>7} {'seed':>4} {'cold [ms]':>10} {'warm [ms]':>10} {'cvxpy [ms]':>11}"
          f" {'cold x':>7} {'warm x':>7} {'|dkappa|/kappa':>15} {'1-cos':>9} {'method':>11}")
    for alpha, f in ((10.0, 1.0), (4.0, 0.1), (10.0, 0.1)):
        for seed in range(seeds):
            Z = sample_pruned(Params(alpha, f, "hard", 0.0), 200, seed=seed).Z
            t_cold, cold = _median_time(lambda Z=Z: fit_max_margin(Z), repeats)
            t_warm, warm = _median_time(lambda Z=Z: fit_max_margin(Z, warm_start="least-squares"), repeats)
            t_cvx, w_cvx = _median_time(lambda Z=Z: _cvxpy(Z), repeats)
            dk = max(abs(r.margin * np.linalg.norm(w_cvx) - 1.0) for r in (cold, warm))
            cos = max(1 - r.direction @ w_cvx / np.linalg.norm(w_cvx) for r in (cold, warm))
            print(f"{alpha:6.1f} {f:5.2f} {Z.shape[0]:7d} {seed:4d} {t_cold * 1e3:10.1f} {t_warm * 1e3:10.1f}"
                  f" {t_cvx * 1e3:11.0f} {t_cvx / t_cold:7.0f} {t_cvx / t_warm:7.0f} {dk:15.1e}"
                  f" {cos:9.1e} {warm.method:>11}")


def end_to_end(seeds: int) -> None:
    print(f"end to end (simulations.simulate: sample, prune, solve, measure), N = 200, alpha_prune = 10, "
          f"{seeds} seeds; CVXPY: median solve of the same problems:")
    print(f"{'f':>5} {'ours [ms/problem]':>18} {'cvxpy [ms/problem]':>19} {'ratio':>6}")
    for f in (1.0, 0.2):
        params = Params(10.0, f, "hard", 0.0)
        res = simulate(params, n=200, seeds=seeds, seed=0)
        per_problem = res.seconds / seeds
        problems = [sample_pruned(Params(10.0, f, "hard", 0.0), 200, seed=[0, 200, i]).Z for i in range(seeds)]
        cvx = [_median_time(lambda Z=Z: _cvxpy(Z), 1)[0] for Z in problems]
        print(f"{f:5.2f} {per_problem * 1e3:18.1f} {np.median(cvx) * 1e3:19.0f} {np.median(cvx) / per_problem:6.0f}")


def breakdown(seeds: int) -> None:
    print(f"where the time goes, N = 200, alpha_prune = 10, {seeds} seeds (ms per problem):")
    print(f"{'f':>5} {'sample+select':>14} {'solve':>8} {'measure':>8} {'overhead':>9} {'total':>8}"
          f" {'sample share':>13}")
    for f in (1.0, 0.2):
        t_sample = t_solve = t_measure = 0.0
        for i in range(seeds):
            t0 = time.perf_counter()
            params = Params(10.0, f, "hard", 0.0)
            d = sample_pruned(params, 200, seed=[1, 200, i])
            t1 = time.perf_counter()
            fit = fit_max_margin(d.Z, warm_start=warm_start_for(params))  # as simulations.simulate does
            t2 = time.perf_counter()
            order_parameters(fit.direction, d.teacher, d.probe)
            t3 = time.perf_counter()
            t_sample, t_solve, t_measure = t_sample + t1 - t0, t_solve + t2 - t1, t_measure + t3 - t2
        total = simulate(Params(10.0, f, "hard", 0.0), n=200, seeds=seeds, seed=1).seconds
        parts = np.array([t_sample, t_solve, t_measure]) / seeds * 1e3
        overhead = total / seeds * 1e3 - parts.sum()
        print(f"{f:5.2f} {parts[0]:14.2f} {parts[1]:8.2f} {parts[2]:8.3f} {overhead:9.2f} {total / seeds * 1e3:8.2f}"
              f" {parts[0] / (total / seeds * 1e3):13.1%}")


def scaling(seeds: int) -> None:
    print("N scaling, alpha_prune = 2, f = 0.2 hard (seconds per problem, end to end):")
    ns = (200, 400, 800, 1600)
    secs = []
    for n in ns:
        s = max(2, seeds if n <= 400 else 2)
        res = simulate(Params(2.0, 0.2, "hard", 0.0), n=n, seeds=s, seed=2)
        secs.append(res.seconds / s)
        print(f"  N = {n:5d}: {secs[-1]:8.3f} s ({s} seeds)")
    slope = np.polyfit(np.log(ns), np.log(secs), 1)[0]
    slope_hi = np.polyfit(np.log(ns[1:]), np.log(secs[1:]), 1)[0]
    print(f"  fitted exponent of N: {slope:.2f} over 200..1600, {slope_hi:.2f} over 400..1600")


def jax_batches(seeds: int) -> None:
    from simulations.interior_point import DEFAULT_ITERATIONS, use_single_threaded_xla

    use_single_threaded_xla()
    print("JAX batched interior point vs numba on the same problems (N = 200, alpha = 10, f = 1):")
    for batch in (8, 32):
        Zs = np.stack([sample_pruned(Params(10.0, 1.0, "hard", 0.0), 200, seed=[5, i]).Z for i in range(batch)])
        fit_max_margin_batch(Zs[:2], method="interior-point")  # compile
        t0 = time.perf_counter()
        res = fit_max_margin_batch(Zs, method="interior-point")
        t_jax = time.perf_counter() - t0
        t0 = time.perf_counter()
        fit_max_margin_batch(list(Zs))
        t_numba = time.perf_counter() - t0
        print(f"  batch {batch}: JAX {batch / t_jax:6.1f} problems/s ({t_jax / DEFAULT_ITERATIONS * 1e3:.1f} ms per "
              f"batched iteration, {DEFAULT_ITERATIONS} iterations), numba {batch / t_numba:6.1f} problems/s: "
              f"JAX/numba time {t_jax / t_numba:.1f}x; worst KKT {max(r.kkt_residual for r in res):.1e}")


def sklearn_comparison(seeds: int) -> None:
    from sklearn.svm import LinearSVC

    print("scikit-learn LinearSVC(C=1e6, hinge) vs ours, N = 200, P = 2000:")
    print(f"{'seed':>4} {'ours [ms]':>10} {'sklearn [ms]':>13} {'ratio':>6} {'kkt ours':>9} {'kkt skl':>9}"
          f" {'1-cos':>9}")
    for seed in range(seeds):
        data = sample_pruned(Params(10.0, 1.0, "hard", 0.0), 200, seed=seed)
        Z = data.Z
        t_ours, ours = _median_time(lambda Z=Z: fit_max_margin(Z), 1)
        for tol in (1e-4, 1e-8, 1e-12):  # the last attempt is reported if none reaches our KKT level
            clf = LinearSVC(fit_intercept=False, C=1e6, tol=tol, max_iter=100_000, dual=True, loss="hinge")
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clf.fit(data.X, data.y)
            t_skl = time.perf_counter() - t0
            w_skl = clf.coef_.ravel() / float((Z @ clf.coef_.ravel()).min())
            kkt_skl = certify(Z, w_skl)[1]
            if kkt_skl <= 10 * max(ours.kkt_residual, 1e-12):
                break
        cos = 1 - ours.direction @ w_skl / np.linalg.norm(w_skl)
        print(f"{seed:>4} {t_ours * 1e3:10.1f} {t_skl * 1e3:13.0f} {t_skl / t_ours:6.0f} {ours.kkt_residual:9.1e}"
              f" {kkt_skl:9.1e} {cos:9.1e}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.maxmargin_speed", description=__doc__.splitlines()[0])
    ap.add_argument("--section", nargs="+", choices=SECTIONS, default=list(SECTIONS), help="what to measure")
    ap.add_argument("--repeats", type=int, default=1, help="timing repeats, the same for ours and CVXPY (median)")
    ap.add_argument("--seeds", type=int, default=3, help="independent problems per configuration")
    args = ap.parse_args(argv)
    fit_max_margin(sample_pruned(Params(10.0, 1.0, "hard", 0.0), 200, seed=99).Z)  # compile outside the timings
    runs = {"solver": lambda: solver_only(args.seeds, args.repeats),
            "end-to-end": lambda: end_to_end(max(args.seeds, 10)),
            "breakdown": lambda: breakdown(max(args.seeds, 10)),
            "scaling": lambda: scaling(args.seeds),
            "jax": lambda: jax_batches(args.seeds),
            "sklearn": lambda: sklearn_comparison(args.seeds)}
    for name in args.section:
        runs[name]()
        print(flush=True)


if __name__ == "__main__":
    main()
