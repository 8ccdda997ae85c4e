"""Speed of the Gaussian covariate model (issue 27, item 4): theory points on N eigenvalues, the Monte Carlo sampler and
the fits.

    python -m benchmarks.bench_structured [--quick] [--part all|theory|sampler|fits] [--rounds R] [--before REV]

* theory: one point (alpha_prune = 2, f = 0.3, keep hard, theta = 0, clean labels) on ``power:1.5,1,N``, square:0.1
  and logistic:0.01, N = 1e3 ... 1e5; the min over repeats of a cold solve (a fresh Params each time; the case built
  once, as a command line does); also logistic at theta = 10 degrees. Targets: square <= 10 ms, logistic <= 50 ms at
  N = 1000, linear in N.
* sampler: drawing one kept set, ``sample_structured`` on ``power:1.5,2,N`` against the isotropic ``sample_pruned``
  at the same Params otherwise (alpha_prune = 2, f = 0.1, the same N, rule, theta, clean labels: the same pool and
  kept count, n_keep = 2 N), per problem, default settings, the same seed for both; N = 200, 500, 1000, 2000, keep
  hard and easy, theta = 0 and 10 degrees. A round times the two samplers call by call, alternating which goes first,
  and keeps each one's fastest of a few calls; the ratio structured / isotropic is taken within the round, and the
  median (and range) over R rounds is printed (the machine is shared: ratios within one process, not absolute times).
  Target: within 1.2x. ``--before REV`` also times ``simulations/structured.py`` as of git revision REV (loaded
  from ``git show``) in the same rounds, for a before/after in one run.
* fits: max-margin and logistic:0.01 on kept sets of ``power:1.5,2,N`` (N = 1000; keep hard theta 0 and easy theta 10)
  against the isotropic kept sets at the same point and N, the median over seeds of each fit's time and of the ratio.
  They depend on Sigma's conditioning (lambda_max / lambda_min = N^1.5 here), not on the sampler.

One BLAS thread (threadpoolctl) so that the numbers do not depend on the machine's load of other workers as much.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from types import ModuleType

import numpy as np
from threadpoolctl import threadpool_limits

from simulations.convex_student import fit_convex
from simulations.data import sample_pruned
from simulations.structured import sample_structured
from simulations.student import fit_max_margin
from theory import Params, solve_point
from theory.covariance import Case

SAMPLER_NS = (200, 500, 1000, 2000)
SAMPLER_POINTS = (("hard", 0.0), ("hard", 10.0), ("easy", 0.0), ("easy", 10.0))
GOAL = 1.2


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


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def load_revision(rev: str, workdir: str) -> ModuleType:
    """``simulations/structured.py`` as of git revision ``rev``, imported from a copy in ``workdir``."""
    root = Path(__file__).resolve().parents[1]
    source = subprocess.run(["git", "show", f"{rev}:simulations/structured.py"], cwd=root, check=True,
                            capture_output=True, text=True).stdout
    path = Path(workdir) / "structured_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("structured_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["structured_before"] = module
    spec.loader.exec_module(module)
    return module


def sampler_table(ns, rounds: int, calls: int, before: ModuleType | None = None) -> list[dict]:
    """Per (N, keep, theta): the median over ``rounds`` of the ratio structured / isotropic sampler (each the fastest
    of ``calls`` interleaved calls in the round), its range, the median times; ``before``: the same for an older
    ``simulations.structured`` module."""
    rows = []
    for n in ns:
        case = Case.power(1.5, 2.0, n)
        for keep, theta in SAMPLER_POINTS:
            iso = Params(2.0, 0.1, keep, theta, "logistic:0.01")
            st = Params(2.0, 0.1, keep, theta, "logistic:0.01", data=case)
            samplers = {"iso": partial(sample_pruned, iso, n), "after": partial(sample_structured, st, n)}
            if before is not None:
                samplers["before"] = partial(before.sample_structured, st, n)
            assert samplers["after"]([0, n, 0]).data.Z.shape == samplers["iso"]([0, n, 0]).Z.shape
            for draw in samplers.values():  # compile, warm caches
                draw([0, n, 0])
            ratios = {k: [] for k in samplers if k != "iso"}
            times = {k: [] for k in samplers}
            for r in range(rounds):
                seed = [0, n, r + 1]
                order = list(samplers)
                best = dict.fromkeys(samplers, np.inf)
                for c in range(calls):
                    for k in (order if (r + c) % 2 == 0 else order[::-1]):
                        best[k] = min(best[k], _timed(partial(samplers[k], seed)))
                for k in samplers:
                    times[k].append(best[k])
                for k in ratios:
                    ratios[k].append(best[k] / best["iso"])
            rows.append({"n": n, "keep": keep, "theta": theta, "n_keep": 2 * n,
                         "ms": {k: statistics.median(v) * 1e3 for k, v in times.items()},
                         "ratio": {k: statistics.median(v) for k, v in ratios.items()},
                         "range": {k: (min(v), max(v)) for k, v in ratios.items()}})
    return rows


def fit_table(n: int, seeds: int) -> list[dict]:
    """Max-margin and logistic:0.01 on the kept sets of ``power:1.5,2,n`` and of the isotropic model at the same
    point: the median over ``seeds`` kept sets of each fit's time and of the ratio structured / isotropic."""
    case = Case.power(1.5, 2.0, n)
    learners = {"max-margin": fit_max_margin, "logistic:0.01": partial(fit_convex, learner="logistic:0.01")}
    rows = []
    for keep, theta in (("hard", 0.0), ("easy", 10.0)):
        iso = Params(2.0, 0.1, keep, theta, "logistic:0.01")
        st = Params(2.0, 0.1, keep, theta, "logistic:0.01", data=case)
        for name, fit in learners.items():
            fit(sample_pruned(iso, n, [1, n, 0]).Z)  # compile
            t_iso, t_st, ratio = [], [], []
            for seed in range(seeds):
                Zi = sample_pruned(iso, n, [1, n, seed]).Z
                Zs = sample_structured(st, n, [1, n, seed]).data.Z
                a, b = _timed(partial(fit, Zi)), _timed(partial(fit, Zs))
                t_iso.append(a)
                t_st.append(b)
                ratio.append(b / a)
            rows.append({"n": n, "keep": keep, "theta": theta, "learner": name, "iso": statistics.median(t_iso),
                         "structured": statistics.median(t_st), "ratio": statistics.median(ratio)})
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes (theory N = 1e3, 1e4; sampler N = 200, "
                        "500; fits N = 500) and fewer repeats")
    parser.add_argument("--part", choices=("all", "theory", "sampler", "fits"), default="all")
    parser.add_argument("--rounds", type=int, default=None, help="sampler rounds (default 7; --quick 3)")
    parser.add_argument("--before", metavar="REV", default=None,
                        help="also time simulations/structured.py as of this git revision, in the same rounds")
    args = parser.parse_args(argv)
    ns = (1000, 10000) if args.quick else (1000, 10000, 100000)
    repeat = 3 if args.quick else 7
    rounds = args.rounds or (3 if args.quick else 7)
    with threadpool_limits(1), tempfile.TemporaryDirectory() as workdir:
        if args.part in ("all", "theory"):
            print("theory point (alpha_prune 2, f 0.3, hard, power:1.5,1,N): min of cold solves")
            print(f"{'N':>7} {'learner':>14} {'theta':>5} {'ms':>8} {'nfev':>5} {'eps':>10}")
            for n, learner, theta, ms, nfev, eps in theory_table(ns, repeat):
                print(f"{n:>7} {learner:>14} {theta:>5g} {ms:>8.2f} {nfev:>5} {eps:>10.6f}")
        if args.part in ("all", "sampler"):
            before = load_revision(args.before, workdir) if args.before else None
            print(f"\nMonte Carlo sampler, one kept set (alpha_prune 2, f 0.1, n_keep = 2 N, clean labels; "
                  f"power:1.5,2,N): structured / isotropic, median of {rounds} rounds [range] (target <= {GOAL}x)")
            extra = f"   before ({args.before}) [range]" if before else ""
            print(f"{'N':>5} {'keep':>4} {'theta':>5} {'iso ms':>8} {'struct ms':>9} {'ratio':>6} {'[range]':>16}"
                  + extra)
            sizes = SAMPLER_NS[:2] if args.quick else SAMPLER_NS
            for row in sampler_table(sizes, rounds, 3, before):
                lo, hi = row["range"]["after"]
                text = (f"{row['n']:>5} {row['keep']:>4} {row['theta']:>5g} {row['ms']['iso']:>8.2f} "
                        f"{row['ms']['after']:>9.2f} {row['ratio']['after']:>6.3f} [{lo:.3f}, {hi:.3f}]")
                if before:
                    blo, bhi = row["range"]["before"]
                    text += f"   {row['ratio']['before']:>6.3f} [{blo:.3f}, {bhi:.3f}]"
                print(text, flush=True)
        if args.part in ("all", "fits"):
            n_fit = 500 if args.quick else 1000
            print(f"\nfits on one kept set (alpha_prune 2, f 0.1; power:1.5,2,{n_fit}, lambda_max / lambda_min = "
                  f"{n_fit ** 1.5:.3g}, against isotropic at N = {n_fit}): median of 3 seeds")
            print(f"{'N':>5} {'keep':>4} {'theta':>5} {'learner':>14} {'iso s':>7} {'struct s':>8} {'ratio':>6}")
            for row in fit_table(n_fit, 3):
                print(f"{row['n']:>5} {row['keep']:>4} {row['theta']:>5g} {row['learner']:>14} {row['iso']:>7.3f} "
                      f"{row['structured']:>8.3f} {row['ratio']:>6.2f}", flush=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
