r"""Selection rules: which examples of the pool are kept, from their probe margins z = J_p . x alone.

One definition per rule serves the theory and the Monte Carlo (``docs/theory.md``, section 2):

* the theory (N -> infinity) sees a rule as a symmetric acceptance q(|z|) in [0, 1] with E[q] = f; the
  kept density is q(z) p(z) / f and every expectation over the kept set is q-weighted.
  :meth:`Rule.windows` returns q as a list of z-intervals, each with a constant weight, or a weight times
  the Gaussian exp(-z^2 / (2 T^2)) (the soft rule): rows (z_lo, z_hi, weight, T), T = 0 for constant;
* the Monte Carlo draws the kept probe margins of a pool of P with :meth:`Rule.kept_margins`, exactly in
  distribution and in O(f P) time whatever P (order statistics of P i.i.d. |z|; see ``simulations.data``).

Rules (``keep`` strings; :meth:`Rule.parse`), n = round(f P) kept of P:

==========  ==========================================================================================
``hard``    the n smallest |z|: q = 1 on |z| < gamma, gamma = sqrt(2) erfinv(f)
``easy``    the n largest |z|: q = 1 on |z| > gamma, gamma = sqrt(2) erfcinv(f)
``random``  n uniformly at random: q = f (the unpruned student at alpha_prune)
``band:S``  the n whose |z| ranks (ascending) start at round(S P), S in [0, 1 - f]: q = 1 on
            a <= |z| <= b, a = sqrt(2) erfinv(S), b = sqrt(2) erfinv(S + f); band:0 = hard,
            band:(1 - f) = easy
``mix:M``   the round(M n) hardest, the other n - round(M n) uniformly from the rest of the pool,
            M in [0, 1]: q = 1 on |z| < gamma_M = sqrt(2) erfinv(M f), q = f (1 - M) / (1 - M f) outside;
            mix:1 = hard, mix:0 = random
``soft:T``  each example independently with probability min(1, c exp(-z^2 / (2 T^2))), T > 0, c set so
            that E[q] = f; the kept count is Binomial(P, f) (the realised alpha_prune is reported)
``uncer-    ``uncertainty:A,S``: each example independently with probability min(1, c (p (1 - p))^A),
tainty``    p = sigmoid(S z) the surrogate's predicted probability (Kolossov, Montanari & Tandon 2024);
            A > 0 prefers uncertain (hard) examples, A < 0 confident (easy) ones, A = 0 is random; c from
            E[q] = f. Convex learners only (the max-margin theory integrates windows).
==========  ==========================================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import optimize, special

from theory.specs import Named

KINDS = ("hard", "easy", "random", "band", "mix", "soft", "uncertainty")
PARAMETER_NAMES = {"band": "S", "mix": "M", "soft": "T", "uncertainty": "A"}  # the kinds that take a parameter
WINDOW_KINDS = KINDS[:6]  # the rules the max-margin theory (theory.saddle) integrates as windows
_SQRT2 = math.sqrt(2.0)
MAX_LOG_C = 600.0  # soft:T: c = exp(z_c^2 / 2T^2) must stay far below the largest double (exp(709))


def _erfinv_edge(p: float) -> float:
    """|z| edge below which a fraction p of a standard normal's |z| lies: sqrt(2) erfinv(p)."""
    return math.inf if p >= 1.0 else _SQRT2 * float(special.erfinv(p))


@dataclass(frozen=True, eq=False)
class Rule(Named):
    """A selection rule: ``kind`` in ``KINDS`` and its parameter (S, M or T; None for the others)."""

    kind: str
    param: float | None = None
    scale: float | None = None  # uncertainty:A,S: the surrogate's logit scale S

    def __post_init__(self) -> None:
        if self.kind == "uncertainty":
            for name, value in (("A", self.param), ("S", self.scale)):
                if value is None or isinstance(value, bool) or not math.isfinite(float(value)):
                    raise ValueError(f"keep rule uncertainty:A,S needs two numbers A and S > 0, e.g. uncertainty:0.5,5 "
                                     f"(got {name} = {value!r})")
            object.__setattr__(self, "param", float(self.param))
            object.__setattr__(self, "scale", float(self.scale))
            if not self.scale > 0.0:
                raise ValueError(f"uncertainty:A,S needs S > 0, got {self.scale:g}")
            return
        if self.scale is not None:
            raise ValueError(f"keep rule {self.kind!r} takes one parameter, got a second one {self.scale!r}")
        if self.kind not in KINDS:
            raise ValueError(f"keep must be one of {', '.join(KINDS[:3])}, band:S, mix:M, soft:T, uncertainty:A,S, "
                             f"agree-hard, agree-easy, got {self.kind!r}")
        if self.kind in PARAMETER_NAMES:
            if self.param is None or isinstance(self.param, bool) or not math.isfinite(float(self.param)):
                raise ValueError(f"keep rule {self.kind!r} needs a number, e.g. {self.kind}:0.5")
            p = float(self.param)
            object.__setattr__(self, "param", p)
            if self.kind == "mix" and not 0.0 <= p <= 1.0:
                raise ValueError(f"mix:M needs M in [0, 1], got {p:g}")
            if self.kind == "band" and not 0.0 <= p < 1.0:
                raise ValueError(f"band:S needs S in [0, 1 - f], got {p:g}")
            if self.kind == "soft" and not p > 0.0:
                raise ValueError(f"soft:T needs T > 0, got {p:g}")
        elif self.param is not None:
            raise ValueError(f"keep rule {self.kind!r} takes no parameter, got {self.param!r}")

    @classmethod
    def parse(cls, spec: str | Rule) -> Rule:
        """A rule from its string (``"hard"``, ``"band:0.3"``, ...) or a Rule."""
        if isinstance(spec, Rule) or getattr(spec, "kind", None) in ("weighted", "agree-hard", "agree-easy"):
            return spec
        if not isinstance(spec, str):
            raise ValueError(f"keep must be a rule string such as 'hard' or 'mix:0.5', got {spec!r}")
        if spec not in _PARSED:
            _PARSED[spec] = cls._parse_string(spec)
        return _PARSED[spec]

    @classmethod
    def _parse_string(cls, spec: str):
        if spec.strip() in ("agree-hard", "agree-easy"):
            from theory.label_aware import LabelAwareRule

            return LabelAwareRule(spec.strip())  # one instance per kind (parsed once): its tables are cached
        kind, sep, value = spec.strip().partition(":")
        if not sep:
            return cls(kind)
        if kind == "uncertainty":
            parts = value.split(",")
            try:
                a, s = (float(v) for v in parts)
            except ValueError:
                raise ValueError(f"keep rule {spec!r}: uncertainty:A,S needs two numbers, "
                                 f"e.g. uncertainty:0.5,5") from None
            return cls(kind, a, s)
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"keep rule {spec!r}: {value!r} is not a number") from None
        return cls(kind, number)

    def is_hard(self) -> bool:
        """True for the rules that are the hard window: hard, band:0, mix:1."""
        return self.kind == "hard" or (self.kind, self.param) in (("band", 0.0), ("mix", 1.0))

    def __str__(self) -> str:
        if self.kind == "uncertainty":
            return f"uncertainty:{self.param:.12g},{self.scale:.12g}"
        return self.kind if self.param is None else f"{self.kind}:{self.param:.12g}"

    def check(self, keep_fraction: float) -> None:
        """Raise ``ValueError`` if the parameter does not fit the keep fraction f (band: S <= 1 - f; soft: the
        constant c must be representable, ln c <= ``MAX_LOG_C``)."""
        if self.kind == "band" and self.param > 1.0 - keep_fraction + 1e-12:
            raise ValueError(f"band:S needs S in [0, 1 - f] = [0, {1.0 - keep_fraction:g}], got {self.param:g}")
        if self.kind == "soft" and keep_fraction < 1.0:
            self.soft_constant(keep_fraction)
        if self.kind == "uncertainty" and keep_fraction < 1.0:
            self.weighted().check(keep_fraction)

    # ---- theory --------------------------------------------------------------------------------
    def windows(self, keep_fraction: float) -> np.ndarray:
        """The acceptance q(z) as rows (z_lo, z_hi, weight, T): q = weight on [z_lo, z_hi], times
        exp(-z^2 / (2 T^2)) when T > 0. Intervals of zero weight are left out."""
        f = keep_fraction
        self.check(f)
        inf = math.inf
        if self.kind == "uncertainty" and f < 1.0 and self.param != 0.0:
            raise ValueError(f"keep rule {self} is not a window: only the convex learners (hinge:L, logistic:L, "
                             f"square:L) integrate it, not the max-margin theory")
        if f == 1.0 or self.kind == "random":
            return np.array([[-inf, inf, 1.0 if f == 1.0 else f, 0.0]])
        if self.is_hard():
            g = _erfinv_edge(f)
            return np.array([[-g, g, 1.0, 0.0]])
        if self.kind == "easy":
            g = _SQRT2 * float(special.erfcinv(f))
            return np.array([[-inf, -g, 1.0, 0.0], [g, inf, 1.0, 0.0]])
        if self.kind == "band":
            lo = _erfinv_edge(self.param)
            hi = _SQRT2 * float(special.erfcinv(max(1.0 - self.param - f, 0.0))) if self.param + f < 1.0 else inf
            return np.array([[-hi, -lo, 1.0, 0.0], [lo, hi, 1.0, 0.0]])
        if self.kind == "mix":
            g = _erfinv_edge(self.param * f)
            rest = f * (1.0 - self.param) / (1.0 - self.param * f)
            rows = [[-inf, -g, rest, 0.0], [g, inf, rest, 0.0]] if g > 0.0 else [[-inf, inf, rest, 0.0]]
            if g > 0.0:
                rows.append([-g, g, 1.0, 0.0])
            return np.array(rows)
        # soft
        c, z_c = self.soft_constant(f)
        if z_c == 0.0:
            return np.array([[-inf, inf, c, self.param]])
        return np.array([[-z_c, z_c, 1.0, 0.0], [-inf, -z_c, c, self.param], [z_c, inf, c, self.param]])

    def soft_constant(self, keep_fraction: float) -> tuple[float, float]:
        """(c, z_c) of soft:T: E[min(1, c exp(-z^2 / 2T^2))] = f, q = 1 for |z| < z_c = T sqrt(2 ln c).

        With s = T / sqrt(1 + T^2): E = c s when c <= 1 (closed form); otherwise
        E = erf(z_c / sqrt 2) + c s erfc(z_c / (s sqrt 2)), solved for ln c by brentq (xtol 1e-14).
        """
        f, t = keep_fraction, self.param
        s = t / math.sqrt(1.0 + t * t)
        if f <= s:
            return f / s, 0.0

        def excess(log_c: float) -> float:  # c s erfc(.) = exp(ln c + ln s + ln 2 + ln Phi(-z_c / s))
            z_c = t * math.sqrt(2.0 * log_c)
            tail = math.exp(log_c + math.log(2.0 * s) + float(special.log_ndtr(-z_c / s)))
            return float(special.erf(z_c / _SQRT2)) + tail - f

        hi = 1.0
        while excess(hi) < 0.0:
            hi *= 2.0
        log_c = optimize.brentq(excess, 0.0, hi, xtol=1e-14, rtol=1e-14)
        if log_c > MAX_LOG_C:
            raise ValueError(f"soft:T with T = {t:g} at f = {f:g} needs a constant c = exp({log_c:.0f}) beyond double "
                             f"precision; use a larger T (as T -> 0 soft:T becomes the hard window)")
        return math.exp(log_c), t * math.sqrt(2.0 * log_c)

    sees_labels = False  # the rule sees the probe margin alone (SelectionRule)

    def breakpoints(self, keep_fraction: float, labels="clean", theta: float = 0.0) -> list[float]:
        """The z where q(z) is not smooth (window edges; +-inf for unbounded windows), sorted (the label channel and
        the probe angle, which the rule does not see, are part of the common interface, :class:`SelectionRule`)."""
        if self.kind == "uncertainty":
            return self.weighted().breakpoints(keep_fraction)
        rows = self.windows(keep_fraction)
        return sorted({float(v) for v in rows[:, :2].ravel()})

    def weighted(self):
        """uncertainty:A,S as a :class:`theory.weighted.WeightedRule`: ln g = A ln(p (1 - p)), p = sigmoid(S z),
        i.e. -A (|S z| + 2 ln(1 + e^-|S z|)) without overflow (one instance per (A, S))."""
        from theory.weighted import WeightedRule

        key = (self.param, self.scale)
        if key not in _WEIGHTED:
            a, s = self.param, self.scale

            def log_weight(z):
                x = s * np.asarray(z, dtype=float)
                return -a * (x + 2.0 * np.log1p(np.exp(-x)))

            _WEIGHTED[key] = WeightedRule(log_weight, name=str(self), length_scale=1.0 / s)
        return _WEIGHTED[key]

    def acceptance(self, z: np.ndarray, keep_fraction: float) -> np.ndarray:
        """q(z) from :meth:`windows` (for checks: E[q] = f)."""
        z = np.asarray(z, dtype=float)
        if self.kind == "uncertainty":
            return self.weighted().acceptance(z, keep_fraction)
        q = np.zeros_like(z)
        for lo, hi, weight, t in self.windows(keep_fraction):
            inside = (z >= lo) & (z <= hi)
            q[inside] += weight * (np.exp(-z[inside] ** 2 / (2 * t * t)) if t > 0 else 1.0)
        return q

    def labelled_acceptance(self, z: np.ndarray, keep_fraction: float, labels="clean", theta: float = 0.0
                            ) -> tuple[np.ndarray, np.ndarray]:
        """(q(z, +1), q(z, -1)): the same for both labels (the rule does not see them)."""
        q = self.acceptance(z, keep_fraction)
        return q, q

    # ---- Monte Carlo ---------------------------------------------------------------------------
    def select(self, rng: np.random.Generator, probe_margins: np.ndarray, n_keep: int, keep_fraction: float,
               labels_y: np.ndarray | None = None) -> np.ndarray:
        """Indices (sorted) of the examples the rule keeps from a whole pool, by its literal definition
        (the reference for :meth:`kept_margins`, and what a probe trained on the pool itself needs); the pool's
        labels ``labels_y`` are not looked at."""
        if self.kind == "uncertainty":
            return self.weighted().select(rng, probe_margins, n_keep, keep_fraction)
        size = np.abs(np.asarray(probe_margins, dtype=float))
        n_pool = size.size
        if not 1 <= n_keep <= n_pool:
            raise ValueError(f"n_keep must be in [1, {n_pool}], got {n_keep}")
        if self.kind == "soft":
            return np.flatnonzero(rng.random(n_pool) < self.acceptance(size, keep_fraction))
        if n_keep == n_pool:
            return np.arange(n_pool)
        order = np.argsort(size, kind="stable")
        if self.kind == "random":
            chosen = rng.choice(n_pool, n_keep, replace=False)
        elif self.kind in ("hard", "easy", "band"):
            start = {"hard": 0, "easy": n_pool - n_keep}.get(self.kind)
            if start is None:
                start = min(int(round(self.param * n_pool)), n_pool - n_keep)
            chosen = order[start:start + n_keep]
        else:  # mix
            n_h = int(round(self.param * n_keep))
            rest = order[n_h:]
            chosen = np.concatenate([order[:n_h], rest[rng.choice(rest.size, n_keep - n_h, replace=False)]])
        return np.sort(chosen)

    def kept_margins(self, rng: np.random.Generator, n_pool: int, n_keep: int,
                     keep_fraction: float | None = None) -> np.ndarray:
        """Probe margins of the examples a pool of n_pool keeps, exactly in distribution, O(n_keep).

        u = erf(|z| / sqrt 2) is uniform on [0, 1]; the k-th smallest of P uniforms is Beta(k, P - k + 1),
        and given it the smaller ones are i.i.d. uniform below it (the larger ones above it). For soft the
        count is Binomial(n_pool, f) (f = ``keep_fraction``, default n_keep / n_pool) and the margins are
        i.i.d. from q p / f.
        """
        f = n_keep / n_pool if keep_fraction is None else keep_fraction
        if self.kind == "soft":
            return self._soft_margins(rng, n_pool, f)
        if self.kind == "uncertainty":
            return self.weighted().kept_margins(rng, n_pool, n_keep, f)
        if n_keep == n_pool or self.kind == "random":
            return rng.standard_normal(n_keep)
        kind, param = ("hard", None) if self.is_hard() else (self.kind, self.param)
        if kind == "hard":
            u = rng.beta(n_keep + 1, n_pool - n_keep) * rng.random(n_keep)
            return _signed(rng, _SQRT2 * special.erfinv(u))
        if kind == "easy":
            v = rng.beta(n_keep + 1, n_pool - n_keep) * rng.random(n_keep)  # tail probabilities
            return _signed(rng, _SQRT2 * special.erfcinv(v))
        if kind == "band":
            start = int(round(param * n_pool))  # ranks start..start + n - 1 (0-based) are kept
            if start + n_keep > n_pool:
                start = n_pool - n_keep
            if start == 0:
                return Rule("hard").kept_margins(rng, n_pool, n_keep)
            below = rng.beta(start, n_pool - start + 1)  # the start-th smallest u
            # the n_keep + 1-th smallest of the n_pool - start uniforms above it
            above = below + (1.0 - below) * (rng.beta(n_keep + 1, n_pool - start - n_keep)
                                             if start + n_keep < n_pool else 1.0)
            u = below + (above - below) * rng.random(n_keep)
            return _signed(rng, _SQRT2 * special.erfinv(u))
        # mix: the n_h hardest, the rest uniformly from the other n_pool - n_h examples
        n_h = int(round(param * n_keep))
        if n_h == 0:
            return rng.standard_normal(n_keep)
        edge = rng.beta(n_h + 1, n_pool - n_h)  # the (n_h + 1)-th smallest u
        hard_u = edge * rng.random(n_h)
        n_rest = n_keep - n_h
        others = n_pool - n_h  # one of them sits exactly at the edge, the others above it
        take_edge = rng.random() < n_rest / others
        rest_u = edge + (1.0 - edge) * rng.random(n_rest - int(take_edge))
        u = np.concatenate([hard_u, rest_u, [edge] if take_edge else []])
        return _signed(rng, _SQRT2 * special.erfinv(u))

    def _soft_margins(self, rng: np.random.Generator, n_pool: int, f: float) -> np.ndarray:
        count = int(rng.binomial(n_pool, f))
        c, z_c = self.soft_constant(f)
        t = self.param
        s = t / math.sqrt(1.0 + t * t)  # q p in the Gaussian region is c s phi(z / s) / s
        p_core = float(special.erf(z_c / _SQRT2)) / f  # share of the kept mass with q = 1
        core = rng.random(count) < p_core
        out = np.empty(count)
        n_core = int(core.sum())
        # |z| < z_c: the standard normal truncated to [0, z_c)
        out[core] = _SQRT2 * special.erfinv(special.erf(z_c / _SQRT2) * rng.random(n_core))
        # |z| >= z_c: N(0, s^2) truncated to |z| >= z_c
        tail = special.erfc(z_c / (s * _SQRT2)) * rng.random(count - n_core)
        out[~core] = s * _SQRT2 * special.erfcinv(tail)
        return _signed(rng, out)


class SelectionRule(Protocol):
    """The interface every selection rule implements with the same names and signatures (:class:`Rule`,
    :class:`theory.weighted.WeightedRule`, :class:`theory.label_aware.LabelAwareRule`); the theory's kept-data
    measure (:class:`theory.kept.KeptMeasure`) and the Monte Carlo (``simulations.data``) read rules through it."""

    kind: str
    sees_labels: bool  # True when the acceptance depends on the (noisy) label as well as on z

    def __str__(self) -> str: ...

    def is_hard(self) -> bool: ...

    def check(self, keep_fraction: float) -> None: ...

    def windows(self, keep_fraction: float) -> np.ndarray: ...

    def breakpoints(self, keep_fraction: float, labels=..., theta: float = ...) -> list[float]: ...

    def labelled_acceptance(self, z: np.ndarray, keep_fraction: float, labels=..., theta: float = ...
                            ) -> tuple[np.ndarray, np.ndarray]: ...

    def select(self, rng: np.random.Generator, probe_margins: np.ndarray, n_keep: int, keep_fraction: float,
               labels_y: np.ndarray | None = ...) -> np.ndarray: ...


_WEIGHTED: dict = {}  # uncertainty:A,S -> its WeightedRule
_PARSED: dict = {}  # rule string -> its rule (parsed once; rules are immutable)


def _signed(rng: np.random.Generator, size: np.ndarray) -> np.ndarray:
    return np.where(rng.random(size.shape[0]) < 0.5, -size, size)
