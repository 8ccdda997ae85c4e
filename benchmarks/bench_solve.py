"""Speed of the saddle-point solver against a naive baseline, measured in one process.

Baseline (theta = 0), written the obvious way: F(R, kappa) with ``scipy.integrate.quad``, kappa*(R)
by ``brentq`` and R by a generic bounded minimiser of -kappa*(R). Prints per-point times, the
ratio, the agreement of eps, theta > 0 timings and the 40 x 40 grid time.

    python -m benchmarks.bench_solve
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy import integrate, optimize

from tests.cases import SOLVER_CASES
from theory import Params, solve_grid, solve_saddle
from theory.integrals import g

SQRT2PI = math.sqrt(2 * math.pi)


def naive_eps(params: Params) -> float:
    """eps at theta = 0 from quad integrals and a generic bounded maximisation of kappa*(R)."""
    gamma = params.gamma
    lo, hi = (0.0, min(gamma, 40.0)) if params.keep == "hard" else (gamma, gamma + 40.0)

    def free_energy(R: float, kappa: float) -> float:
        sigma = math.sqrt(1 - R * R)
        val = integrate.quad(lambda t: math.exp(-t * t / 2) / SQRT2PI * g(kappa - R * t, sigma), lo, hi,
                             epsabs=1e-13, epsrel=1e-10, limit=200)[0]
        return params.alpha_total * 2 * val - sigma**2

    def kappa_star(R: float) -> float:
        return optimize.brentq(lambda k: free_energy(R, k), -20, 50, xtol=1e-12)

    res = optimize.minimize_scalar(lambda R: -kappa_star(R), bounds=(1e-6, 1 - 1e-12), method="bounded",
                                   options={"xatol": 1e-10})
    return math.acos(res.x) / math.pi


def _time(fn, repeat: int) -> float:
    fn()
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat


def main() -> None:
    print("theta = 0, one point, cold start (no warm start):")
    print(f"{'case':>16} {'ours [ms]':>10} {'naive [ms]':>11} {'ratio':>7} {'|d eps|/eps':>12}")
    for case in SOLVER_CASES:
        p = Params(**case["params"])
        if p.probe_angle_deg != 0.0 or p.keep_fraction < 1e-3:
            continue
        ours = _time(lambda p=p: solve_saddle(p), 50)
        naive = _time(lambda p=p: naive_eps(p), 1)
        diff = abs(naive_eps(p) - solve_saddle(p).eps) / solve_saddle(p).eps
        print(f"{case['id']:>16} {ours * 1e3:10.3f} {naive * 1e3:11.1f} {naive / ours:7.0f} {diff:12.1e}")
    print("\ntheta > 0, one point, cold start:")
    for case in SOLVER_CASES:
        p = Params(**case["params"])
        if p.probe_angle_deg == 0.0:
            continue
        print(f"{case['id']:>20} {_time(lambda p=p: solve_saddle(p), 20) * 1e3:8.2f} ms")
    alphas, fractions = np.linspace(0.2, 10.0, 40), np.geomspace(1e-3, 1.0, 40)
    t0 = time.perf_counter()
    grids = [solve_grid(alphas, fractions, keep) for keep in ("hard", "easy")]
    elapsed = time.perf_counter() - t0
    ok = sum(r.success for grid in grids for row in grid for r in row)
    print(f"\n40 x 40 grid (alpha_prune 0.2..10, f 1e-3..1), hard + easy, theta = 0: {elapsed:.2f} s, "
          f"{ok}/3200 converged")


if __name__ == "__main__":
    main()
