"""Speed of the convex-learner theory (theory.convex) against the published code of Kolossov, Montanari &
Tandon (ICLR 2024) on the same point, in one run, and the max-margin point's cost through the new dispatch.

    python -m benchmarks.bench_convex                                  # ours only
    python -m benchmarks.bench_convex --their-code /tmp/kolossov       # and their theory2D.py, same process

``--their-code`` is a checkout of granica-ai/DataSelectionICLR2024 *outside* this repository (nothing of it is
vendored). With current numpy/scipy their code needs one shim, applied here at run time: the outer
L-BFGS-B hands their inner objective mu as an array of shape (1,), whose value must be returned as a float.
Their point: logistic regression, lambda_K = 0.01, selector exponent a = 1, split 50 %, 5 % flips
(misspec), N_train/p = 6870/3000, their config's quadrature (Trapez, 50 intervals on [-5, 5]).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

DELTA = 6870 / 3000
POINT = {"lam_k": 0.01, "a": 1.0, "f": 0.5}


def ours(repeats: int) -> tuple[float, float]:
    """(median seconds of a cold solve, eps_noisy): new Params each time, no warm start; the uncertainty
    constant is recomputed (a fresh rule object each time), numba compiled beforehand."""
    from theory import Params
    from theory.convex import solve_convex
    from theory.rules import Rule
    from theory.weighted import WeightedRule

    def point():
        rule = Rule.parse(f"uncertainty:{POINT['a']},5").weighted()
        fresh = WeightedRule(rule.log_weight, rule.name, length_scale=rule.length_scale)  # empty constant cache
        return Params(POINT["f"] * DELTA, POINT["f"], fresh, 0.0, learner=f"logistic:{POINT['lam_k'] * DELTA}",
                      labels="flip:0.05")

    solve_convex(Params(1.0, 0.3, "hard", 10.0, learner="logistic:0.1", labels="flip:0.1"))  # compile
    times, res = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = solve_convex(point())
        times.append(time.perf_counter() - t0)
    assert res.success, res.message
    return statistics.median(times), res.eps_noisy


def theirs(path: str) -> tuple[float, float]:
    """(seconds, MiscError) of their theory2D.solve_exact on POINT, with the scalar shim."""
    import numpy as np

    sys.path.insert(0, path)
    import theory2D  # noqa: E402  (their module, from --their-code)

    original = theory2D.obj_mu

    def obj_mu_scalar(mu, *args, **kwargs):
        return float(np.ravel(original(float(np.ravel(mu)[0]), *args, **kwargs))[0])

    theory2D.obj_mu = obj_mu_scalar
    t0 = time.perf_counter()
    out = theory2D.solve_exact(1.0, 1.0, 1.0, 100 * POINT["f"], POINT["lam_k"], 5, POINT["a"], DELTA,
                               "misspec", 0.95, 0.05, 50, 5, "Trapez")
    return time.perf_counter() - t0, float(out[3])


def max_margin_points(repeats: int) -> None:
    from theory import Params, solve_saddle

    for params in (Params(4.0, 0.219, "hard", 10.0), Params(2.0, 0.2, "hard", 0.0)):
        solve_saddle(params)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            solve_saddle(params)
            times.append(time.perf_counter() - t0)
        print(f"  max-margin {params.alpha_prune:g}, f = {params.keep_fraction:g}, theta = {params.probe_angle_deg:g}: "
              f"{statistics.median(times) * 1e3:.2f} ms")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_convex", description=__doc__.split("\n\n")[0])
    p.add_argument("--their-code", default=None, metavar="DIR",
                   help="a checkout of granica-ai/DataSelectionICLR2024 outside this repository (slow: minutes)")
    p.add_argument("--repeats", type=int, default=5, help="cold solves of our point (median reported)")
    args = p.parse_args(argv)
    t_ours, eps_ours = ours(args.repeats)
    print(f"logistic:{POINT['lam_k'] * DELTA:.4g}, uncertainty:{POINT['a']:g},5, f = {POINT['f']:g}, flip:0.05:")
    print(f"  ours   {t_ours * 1e3:9.1f} ms (median of {args.repeats} cold solves), misclassification {eps_ours:.5f}")
    if args.their_code:
        t_theirs, misc = theirs(args.their_code)
        print(f"  theirs {t_theirs * 1e3:9.1f} ms (theory2D.solve_exact, their config), MiscError {misc:.5f}")
        print(f"  ratio  {t_theirs / t_ours:9.0f}x")
    print("max-margin points through solve_saddle (warm compiled, median of repeats):")
    max_margin_points(args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
