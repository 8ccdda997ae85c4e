r"""Weighted selection: keep each example independently with probability q(z) = min(1, c g(|z|)).

The general rule of Kolossov, Montanari & Tandon (2024): g >= 0 is any score of the probe margin z and
c > 0 is fixed by the keep fraction, E[q(z)] = f for z ~ N(0, 1). ``uncertainty:A,S``
(:class:`theory.rules.Rule`) is the named case g = (p (1 - p))^A, p = sigmoid(S z); any other g is a
:class:`WeightedRule` in the Python API::

    from theory.weighted import WeightedRule
    rule = WeightedRule(lambda z: -np.abs(z), name="exp-abs")   # ln g(|z|) = -|z|
    Params(2.0, 0.3, rule, learner="logistic:0.01")

**The constant.** ln c solves m(ln c) = f with m(ln c) = 2 int_0^inf phi(z) min(1, exp(ln c + ln g(z))) dz,
increasing in ln c (Newton's method with its slope, safeguarded by bisection in a bracket, to 1e-14). The
integral is composite Gauss-Legendre (16 nodes a panel, panels 0.25 wide up to |z| = 12, then to 40) broken at
the crossings |z| where c g = 1 (located on that grid and refined by brentq to 1e-15) and at the score's own
kinks ``edges``; measured accurate to 1e-13.

Only convex learners take a weighted rule (the max-margin theory integrates windows); the Monte Carlo
draws the kept margins by rejection from N(0, 1) with acceptance q (count Binomial(P, f)).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize

_GRID = np.concatenate([np.arange(0.0, 12.0, 0.25), np.linspace(12.0, 40.0, 15)])
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)


@dataclass(frozen=True, eq=False)
class WeightedRule:
    """Keep with probability min(1, c g(|z|)). ``log_weight``: ln g as a vectorised function of |z|
    (-inf allowed); ``name``: how records show it (``weighted:name``); ``edges``: |z| where ln g has kinks;
    ``length_scale``: the scale on which g varies, if below 1 (the theory's z panels are at most 3 of it wide,
    with 10 nodes)."""

    log_weight: Callable[[np.ndarray], np.ndarray]
    name: str
    edges: tuple[float, ...] = ()
    length_scale: float | None = None  # the |z| scale on which g varies (quadratures resolve it)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    kind = "weighted"
    param = None

    def __str__(self) -> str:
        return f"weighted:{self.name}"

    def is_hard(self) -> bool:
        return False

    def _log_g(self, z) -> np.ndarray:
        return np.asarray(self.log_weight(np.abs(np.asarray(z, dtype=float))), dtype=float)

    def crossings(self, log_c: float) -> list[float]:
        """The |z| where ln c + ln g(|z|) changes sign (kinks of q), on [0, 40]."""
        values = log_c + self._log_g(_GRID)
        out = []
        for i in np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0):
            out.append(optimize.brentq(lambda z: log_c + float(self._log_g(np.array([z]))[0]),
                                       _GRID[i], _GRID[i + 1], xtol=1e-15, rtol=1e-15))
        return out

    def _mass(self, log_c: float) -> float:
        return self._mass_and_slope(log_c)[0]

    def _mass_and_slope(self, log_c: float) -> tuple[float, float]:
        """(m(ln c), dm/d ln c): the slope is the mass where q < 1 (d/d ln c of min(1, c g) is c g there)."""
        pts = np.unique(np.concatenate([_GRID, self.crossings(log_c), [e for e in self.edges if 0 < e < 40]]))
        lo, hi = pts[:-1, None], pts[1:, None]
        z = (0.5 * (lo + hi) + 0.5 * (hi - lo) * _GL_X).ravel()
        w = (0.5 * (hi - lo) * _GL_W).ravel() * np.exp(-0.5 * z * z) * (2.0 / math.sqrt(2.0 * math.pi))
        x = log_c + self._log_g(z)
        q = np.exp(np.minimum(0.0, x))
        return float(np.sum(w * q)), float(np.sum(w * np.where(x < 0.0, q, 0.0)))

    def log_constant(self, keep_fraction: float) -> float:
        """ln c with E[min(1, c g)] = f (cached per f)."""
        f = keep_fraction
        if f in self._cache:
            return self._cache[f]
        if f == 1.0:
            log_c = math.inf
        else:
            lo, hi = -1.0, 1.0
            while self._mass(lo) > f:
                lo *= 2.0
                if lo < -1e4:
                    raise ValueError(f"{self}: no constant c reaches keep fraction {f:g}")
            while self._mass(hi) < f:
                hi *= 2.0
                if hi > 1e4:
                    raise ValueError(f"{self}: no constant c reaches keep fraction {f:g} (the score vanishes "
                                     f"on too much of the line)")
            log_c = self._solve_constant(f, lo, hi)
        self._cache[f] = log_c
        return log_c

    def _solve_constant(self, f: float, lo: float, hi: float) -> float:
        """The root of m(ln c) = f in the bracket [lo, hi]: Newton's method with the slope of
        :meth:`_mass_and_slope`, a bisection step whenever Newton would leave the bracket, until a step is below
        1e-14 (1 + |ln c|) or m - f is at the rounding level of the sum (4e-16 f): ~5-10 evaluations instead of
        brentq's ~12-18. Raises ``ValueError`` after 100 steps (never seen)."""
        x = 0.5 * (lo + hi)
        for _ in range(100):
            m, slope = self._mass_and_slope(x)
            if abs(m - f) <= 4e-16 * f:  # at the rounding level of the quadrature's sum
                return x
            if m > f:
                hi = x
            else:
                lo = x
            step = (m - f) / slope if slope > 0.0 else math.inf
            new = x - step
            if not lo < new < hi:
                new = 0.5 * (lo + hi)
            if abs(new - x) <= 1e-14 * (1.0 + abs(x)):
                return new
            x = new
        raise ValueError(f"{self}: the constant for keep fraction {f:g} did not converge (bracket [{lo}, {hi}])")

    def check(self, keep_fraction: float) -> None:
        """Raise ``ValueError`` if no constant reaches the keep fraction."""
        self.log_constant(keep_fraction)

    def acceptance(self, z: np.ndarray, keep_fraction: float) -> np.ndarray:
        """q(z) = min(1, c g(|z|))."""
        z = np.asarray(z, dtype=float)
        if keep_fraction == 1.0:
            return np.ones_like(z)
        return np.exp(np.minimum(0.0, self.log_constant(keep_fraction) + self._log_g(z)))

    sees_labels = False

    def labelled_acceptance(self, z: np.ndarray, keep_fraction: float, labels="clean", theta: float = 0.0
                            ) -> tuple[np.ndarray, np.ndarray]:
        """(q(z, +1), q(z, -1)): the same for both labels."""
        q = self.acceptance(z, keep_fraction)
        return q, q

    def breakpoints(self, keep_fraction: float, labels="clean", theta: float = 0.0) -> list[float]:
        """z where q is not smooth (the crossings and the score's kinks, both signs), with +-inf."""
        if keep_fraction == 1.0:
            return [-math.inf, math.inf]
        kinks = [*self.crossings(self.log_constant(keep_fraction)), *self.edges]
        return sorted({-math.inf, math.inf, *kinks, *(-k for k in kinks)})

    def windows(self, keep_fraction: float) -> np.ndarray:
        raise ValueError(f"keep rule {self} is not a window: only the convex learners (hinge:L, logistic:L, "
                         f"square:L) integrate it, not the max-margin theory")

    def kept_margins(self, rng: np.random.Generator, n_pool: int, n_keep: int,
                     keep_fraction: float | None = None) -> np.ndarray:
        """Probe margins of the kept examples of a pool of n_pool: the count is Binomial(n_pool, f) and each
        margin is drawn by rejection from N(0, 1) with acceptance q (O(n_pool) draws)."""
        f = n_keep / n_pool if keep_fraction is None else keep_fraction
        count = int(rng.binomial(n_pool, f))
        out = np.empty(0)
        while out.size < count:
            z = rng.standard_normal(max(1024, int(1.2 * (count - out.size) / f)))
            out = np.concatenate([out, z[rng.random(z.size) < self.acceptance(z, f)]])
        return out[:count]

    def select(self, rng: np.random.Generator, probe_margins: np.ndarray, n_keep: int, keep_fraction: float,
               labels_y: np.ndarray | None = None) -> np.ndarray:
        """Indices (sorted) kept from a whole pool: each independently with probability q."""
        z = np.asarray(probe_margins, dtype=float)
        return np.flatnonzero(rng.random(z.size) < self.acceptance(z, keep_fraction))
