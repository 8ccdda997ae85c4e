"""Speed of the Gaussian covariate model (issue 27, item 4): theory points on N eigenvalues and the Monte Carlo sampler.

    python -m benchmarks.bench_structured [--quick]

* theory: one point (alpha_prune = 2, f = 0.3, keep hard, theta = 0, clean labels) on ``power:1.5,1,N``, square:0.1
  and logistic:0.01, N = 1e3 ... 1e5; the min over repeats of a cold solve (a fresh Params each time; the case built
  once, as a command line does); also logistic at theta = 10 degrees. Targets: square <= 10 ms, logistic <= 50 ms at
  N = 1000, linear in N.
* Monte Carlo: drawing one kept set (sample_structured against the isotropic sample_pruned at the same point and N;
  target: within 1.2x), and one fit of each learner on it (the fits depend on Sigma's conditioning).

One BLAS thread (threadpoolctl) so that the numbers do not depend on the machine's load of other workers as much.
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np
from threadpoolctl import threadpool_limits

from simulations.convex_student import fit_convex
from simulations.data import sample_pruned
from simulations.structured import sample_structured
from simulations.student import fit_max_margin
from theory import Params, solve_point
from theory.covariance import Case


def best_of(fn, repeat: int) -> float:
    fn()  # compile / warm caches
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _solve(theta, learner, case):
    return solve_point(Params(2.0, 0.3, "hard", theta, learner, data=case))


def theory_table(ns, repeat: int) -> list[tuple]:
    rows = []
    for n in ns:
        case = Case.power(1.5, 1.0, n)
        for learner, theta in (("square:0.1", 0.0), ("logistic:0.01", 0.0), ("logistic:0.01", 10.0)):
            t = best_of(partial(_solve, theta, learner, case), repeat)
            res = solve_point(Params(2.0, 0.3, "hard", theta, learner, data=case))
            rows.append((n, learner, theta, t * 1e3, res.nfev, res.eps))
    return rows


def sampler_table(ns, repeat: int) -> list[tuple]:
    rows = []
    for n in ns:
        case = Case.power(1.5, 1.0, n)
        for keep, theta in (("hard", 0.0), ("easy", 10.0)):
            iso = Params(2.0, 0.3, keep, theta, "logistic:0.01")
            st = Params(2.0, 0.3, keep, theta, "logistic:0.01", data=case)
            t_iso = best_of(partial(sample_pruned, iso, n, [0, n, 1]), repeat)
            t_st = best_of(partial(sample_structured, st, n, [0, n, 1]), repeat)
            d = sample_structured(st, n, [0, n, 1]).data
            di = sample_pruned(iso, n, [0, n, 1])
            fits = {}
            for learner in ("square:0.1", "logistic:0.01", "hinge:0.1"):
                fits[learner] = (best_of(partial(fit_convex, d.Z, learner), 1),
                                 best_of(partial(fit_convex, di.Z, learner), 1))
            fits["max-margin"] = (best_of(partial(fit_max_margin, d.Z), 1), best_of(partial(fit_max_margin, di.Z), 1))
            rows.append((n, keep, theta, t_iso * 1e3, t_st * 1e3, t_st / t_iso, fits))
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 1e3, 1e4 only and fewer repeats")
    args = parser.parse_args(argv)
    ns = (1000, 10000) if args.quick else (1000, 10000, 100000)
    repeat = 3 if args.quick else 7
    with threadpool_limits(1):
        print("theory point (alpha_prune 2, f 0.3, hard, power:1.5,1,N): min of cold solves")
        print(f"{'N':>7} {'learner':>14} {'theta':>5} {'ms':>8} {'nfev':>5} {'eps':>10}")
        for n, learner, theta, ms, nfev, eps in theory_table(ns, repeat):
            print(f"{n:>7} {learner:>14} {theta:>5g} {ms:>8.2f} {nfev:>5} {eps:>10.6f}")
        print("\nMonte Carlo, one kept set (alpha_prune 2, f 0.3): isotropic vs structured sampler, then fits (s)")
        for n, keep, theta, t_iso, t_st, ratio, fits in sampler_table((200, 800) if args.quick else (200, 800, 2000),
                                                                      repeat):
            fit_text = ", ".join(f"{k} {v[0]:.3f} (iso {v[1]:.3f})" for k, v in fits.items())
            print(f"N {n:>5} {keep} theta {theta:g}: sample iso {t_iso:.2f} ms, structured {t_st:.2f} ms, "
                  f"ratio {ratio:.2f}; fits: {fit_text}")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
