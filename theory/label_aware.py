r"""Label-aware selection: rules that see the (noisy) label through the signed probe margin y z.

``agree-hard`` / ``agree-easy``: drop the examples the probe disagrees with (y z < 0: the probe's confidence that
the label is right is negative), then keep the hard (smallest |z|) or easy (largest |z|) ones among the rest, n =
round(f P) of them (``docs/theory.md`` section 8). One definition for the theory and the Monte Carlo:

* theory: the acceptance depends on (z, y): q(z, y) = 1[y = sign z] 1[|z| in the window], the window edge g_a
  fixed by 2 int_window phi(z) a(z) dz = f with the agreement probability a(z) = P(y = sign z | z) of the label
  channel at probe angle theta (:func:`agreement`): (1 - eta) Phi(|z| cot theta) + eta (1 - Phi(|z| cot theta))
  for flips (theta = 0: 1 - eta), E_w[sigmoid(B (cos theta |z| + sin theta w))] for logit:B (48-node
  Gauss-Hermite). With clean labels at theta = 0, a = 1 and agree-hard is hard (tested).
* Monte Carlo (:meth:`LabelAwareRule.sample`): the agreeing examples of a pool of P are a Binomial(P, a-bar)
  thinning whose |z| are i.i.d. with cdf F_a(r) = A(r) / a-bar, A(r) = 2 int_0^r phi a; the kept ones are order
  statistics of those (the boundary one from its Beta law, as for the other rules), mapped back through F_a
  (tabulated on 6001 points of [0, 12], monotone cubic interpolation); their label is sign z, and their other
  in-plane field w is drawn given (z, agreement) by rejection from N(0, 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import integrate, interpolate, optimize, special

from theory.labels import LabelChannel
from theory.specs import Named

KINDS = ("agree-hard", "agree-easy")
_GH_X, _GH_W = np.polynomial.hermite.hermgauss(48)
_GH_X = _GH_X * math.sqrt(2.0)
_GH_W = _GH_W / math.sqrt(math.pi)
_R_GRID = np.linspace(0.0, 12.0, 6001)


def agreement(z: np.ndarray, labels: str | LabelChannel, theta: float) -> np.ndarray:
    """a(z) = P(y = sign z | z) for the channel ``labels`` and a probe at angle ``theta`` (radians)."""
    channel = LabelChannel.parse(labels)
    r = np.abs(np.asarray(z, dtype=float))
    if channel.kind != "logit":
        eta = channel.flip_probability
        same = np.ones_like(r) if theta == 0.0 else special.ndtr(r / math.tan(theta))  # P(sign t = sign z | z)
        return (1.0 - eta) * same + eta * (1.0 - same)
    beta = channel.param
    t = math.cos(theta) * r[..., None] + math.sin(theta) * _GH_X
    return np.sum(_GH_W * 0.5 * (1.0 + np.tanh(0.5 * beta * t)), axis=-1)


@dataclass(frozen=True, eq=False)
class LabelAwareRule(Named):
    """``agree-hard`` or ``agree-easy`` (module docstring)."""

    kind: str
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    param = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"label-aware rule must be one of {', '.join(KINDS)}, got {self.kind!r}")

    def __str__(self) -> str:
        return self.kind

    @property
    def hard(self) -> bool:
        return self.kind == "agree-hard"

    def is_hard(self) -> bool:
        return False

    def check(self, keep_fraction: float) -> None:
        """Nothing to check without the channel: :meth:`edge` refuses an f above the agreeing fraction."""

    def windows(self, keep_fraction: float) -> np.ndarray:
        raise ValueError(f"keep rule {self} sees the labels: only the convex learners (hinge:L, logistic:L, "
                         f"square:L) integrate it, not the max-margin theory (with clean labels at theta = 0 it "
                         f"is the rule {self.kind[6:]})")

    # ---- the agreement and the window ------------------------------------------------------------------
    def _table(self, labels: str, theta: float) -> tuple[np.ndarray, float]:
        """(A on _R_GRID, a-bar = A(inf)): A(r) = 2 int_0^r phi a, cumulative composite Gauss-Legendre."""
        key = ("table", str(labels), theta)
        if key not in self._cache:
            x, w = np.polynomial.legendre.leggauss(8)
            lo, hi = _R_GRID[:-1, None], _R_GRID[1:, None]
            z = 0.5 * (lo + hi) + 0.5 * (hi - lo) * x
            vals = (0.5 * (hi - lo) * w * 2.0 * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
                    * agreement(z, labels, theta)).sum(axis=1)
            A = np.concatenate([[0.0], np.cumsum(vals)])
            self._cache[key] = (A, float(A[-1]))
        return self._cache[key]

    def edge(self, keep_fraction: float, labels: str, theta: float) -> float:
        """The window edge g_a: A(g_a) = f (hard) or a-bar - A(g_a) = f (easy), by brentq on quad integrals."""
        key = ("edge", keep_fraction, str(labels), theta)
        if key in self._cache:
            return self._cache[key]
        _, total = self._table(labels, theta)
        f = keep_fraction
        if f > total * (1.0 - 1e-12):
            raise ValueError(f"keep rule {self} keeps at most the agreeing fraction {total:.6g} of the pool with "
                             f"labels {labels}, got f = {f:g}")

        def mass(r: float) -> float:  # 2 int_0^r phi a
            value, _ = integrate.quad(lambda z: 2.0 * math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
                                      * float(agreement(np.array(z), labels, theta)), 0.0, r,
                                      epsabs=1e-15, epsrel=1e-13, limit=200)
            return value

        target = f if self.hard else total - f
        g = optimize.brentq(lambda r: mass(r) - target, 0.0, 40.0, xtol=1e-14, rtol=1e-14)
        self._cache[key] = g
        return g

    sees_labels = True

    def labelled_acceptance(self, z: np.ndarray, keep_fraction: float, labels="clean", theta: float = 0.0
                            ) -> tuple[np.ndarray, np.ndarray]:
        """(q(z, +1), q(z, -1))."""
        z = np.asarray(z, dtype=float)
        g = self.edge(keep_fraction, labels, theta)
        window = np.abs(z) < g if self.hard else np.abs(z) > g
        return (window & (z > 0)).astype(float), (window & (z < 0)).astype(float)

    def breakpoints(self, keep_fraction: float, labels="clean", theta: float = 0.0) -> list[float]:
        g = self.edge(keep_fraction, labels, theta)
        return [-math.inf, -g, 0.0, g, math.inf]

    # ---- Monte Carlo -----------------------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n_pool: int, n_keep: int, keep_fraction: float,
               labels: str, theta: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(z, w, y) of the kept examples of a pool of n_pool, exactly in distribution (module docstring)."""
        A, total = self._table(labels, theta)
        m = int(rng.binomial(n_pool, total))  # agreeing examples in the pool
        n = min(n_keep, m)
        if n < 1:
            raise ValueError(f"no example of the pool agrees with the probe ({self}, labels {labels})")
        key = ("inverse", str(labels), theta)
        if key not in self._cache:  # F_a^-1 on the strictly increasing part of the table (A saturates at ~8.5)
            keep = np.concatenate([[True], np.diff(A) > 0.0])
            self._cache[key] = interpolate.PchipInterpolator(A[keep] / total, _R_GRID[keep])
        inverse = self._cache[key]
        edge = rng.beta(n + 1, m - n) if n < m else 1.0  # (n+1)-th smallest of m uniforms on the F_a scale
        u = edge * rng.random(n)
        r = inverse(u if self.hard else 1.0 - u)
        z = np.where(rng.random(n) < 0.5, -r, r)
        y = np.where(z >= 0.0, 1.0, -1.0)
        channel = LabelChannel.parse(labels)
        w = np.empty(n)
        todo = np.arange(n)
        while todo.size:  # w given (z, y = sign z): N(0, 1) accepted with P(y | t) / max P
            cand = -rng.standard_normal(todo.size)  # w = e_w.x, drawn as -w (simulations.data, step 2)
            t = math.cos(theta) * z[todo] + math.sin(theta) * cand  # t = cos(theta) z + sin(theta) w
            p = channel.prob_plus(t)
            p_y = np.where(y[todo] > 0, p, 1.0 - p)
            bound = 1.0 if channel.kind == "logit" else max(1.0 - channel.flip_probability, 0.5)
            ok = rng.random(todo.size) * bound < p_y
            w[todo[ok]] = cand[ok]
            todo = todo[~ok]
        return z, w, y

    def select(self, rng: np.random.Generator, probe_margins: np.ndarray, n_keep: int, keep_fraction: float,
               labels_y: np.ndarray | None = None) -> np.ndarray:
        """Indices (sorted) kept from a whole pool by the literal definition (the tests' reference); needs the
        pool's labels ``labels_y`` (the rule sees them)."""
        if labels_y is None:
            raise ValueError(f"keep rule {self} sees the labels: select needs the pool's labels_y")
        z = np.asarray(probe_margins, dtype=float)
        agree = np.flatnonzero(labels_y * z > 0)
        order = agree[np.argsort(np.abs(z[agree]), kind="stable")]
        chosen = order[:n_keep] if self.hard else order[::-1][:n_keep]
        return np.sort(chosen)
