"""The grids on which the saddle-point solver's convergence is measured, and the cold solve of each point: shared
by ``tests/test_convergence.py`` and ``benchmarks.convergence_map`` (benchmarks import tests' helpers, never the
other way)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from theory import Params, solve_point

GRIDS = {
    # the grid on which the solver was first measured (1413 / 1690 converged before the nested solver)
    "issue": dict(alphas=np.logspace(-2, 4, 13), fractions=np.logspace(-6, 0, 13), thetas=(0.0, 1.0, 10.0, 45.0, 80.0)),
    # the domain the solver supports: alpha 1e-3..1e6, f 1e-9..1, theta 0..89.9 degrees
    "wide": dict(alphas=np.logspace(-3, 6, 19), fractions=np.logspace(-9, 0, 19),
                 thetas=(0.0, 0.1, 1.0, 10.0, 30.0, 60.0, 89.9)),
    # a sparse version for the default test run
    "sparse": dict(alphas=np.logspace(-3, 6, 5), fractions=np.logspace(-9, 0, 4), thetas=(0.0, 1.0, 10.0, 45.0, 89.9)),
}
KEEPS = ("hard", "easy")


@dataclass(frozen=True)
class PointOutcome:
    """One cold solve: the point, whether it converged, eps, its residual and the wall time."""

    alpha_prune: float
    keep_fraction: float
    keep: str
    probe_angle_deg: float
    success: bool
    eps: float
    residual: float
    seconds: float
    error: str = ""


def solve_points(alphas: Sequence[float], fractions: Sequence[float], thetas: Iterable[float],
                 keeps: Iterable[str] = KEEPS) -> list[PointOutcome]:
    """Solve every (theta, keep, alpha, f) cold and record the outcome."""
    out = []
    for theta in thetas:
        for keep in keeps:
            for a in alphas:
                for f in fractions:
                    t0 = time.perf_counter()
                    try:
                        res = solve_point(Params(float(a), float(f), keep, float(theta)))
                        ok, eps, resid, err = res.success, res.eps, res.residual, ""
                    except Exception as exc:  # counted as a failure, reported
                        ok, eps, resid, err = False, float("nan"), float("inf"), f"{type(exc).__name__}: {exc}"
                    out.append(PointOutcome(float(a), float(f), keep, float(theta), ok, eps, resid,
                                            time.perf_counter() - t0, err))
    return out


