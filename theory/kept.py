r"""The kept-data measure: the distribution of the examples a rule keeps, read by every theory route.

A kept example has probe field z = J_p . x ~ N(0, 1), the other in-plane field w = e_w . x ~ N(0, 1) (``docs/
theory.md`` section 2: the teacher field is t = cos(theta) z + sin(theta) w), and a label y from the channel
P(y | t); the rule keeps it with probability q(z, y) (a function of z alone unless the rule sees labels), so the
kept measure is

    q(z, y) phi(z) phi(w) P(y | t) / f,        E[q] = f.

:class:`KeptMeasure` holds it at one point (rule, f, channel, theta) with everything the quadratures need: the
rule's window rows (the max-margin theory, :mod:`theory.saddle`), the pieces of the closed-form route at theta = 0
(:mod:`theory.window_moments`), the outer z panels and their weights (the convex theory, :mod:`theory.convex`; the
separability line, :mod:`theory.separability`), broken at the rule's edges, at 0 (the label boundary), around
tan(theta) and at whatever the caller adds (a loss's kinks mapped to z). Each route keeps its own quadrature on it.

**Outer panels.** Gauss-Legendre, ``N_OUTER`` nodes a panel, at most ``MAX_PANEL`` wide, on |z| <= z_max (the
last finite rule edge plus ``Z_TAIL``); where a smooth weighted rule varies (|z| < 6) the panels are at most
``CORE_PANEL`` of its length scales wide with ``N_CORE`` nodes.
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np

from theory.integrals import gauss_legendre
from theory.rules import WINDOW_KINDS
from theory.window_moments import kept_pieces

N_OUTER = 10  # Gauss-Legendre nodes per outer (z) panel (6 lose 2e-9 in eps at hinge:1e-4, easy, 10 deg)
MAX_PANEL = 1.0  # widest outer panel
Z_TAIL = 9.0  # |z| beyond the last finite window edge + Z_TAIL carries < 1e-18 of the Gaussian
_GL_X, _GL_W = np.polynomial.legendre.leggauss(N_OUTER)
# where a smooth weighted rule varies: N_CORE nodes on panels CORE_PANEL length scales wide (error ~ rho^-2N with
# rho = d + sqrt(d^2 + 1), d = pi / (CORE_PANEL / 2): 1e-13; measured 8e-11 at the sharpest, uncertainty:2,2)
N_CORE = 10
CORE_PANEL = 3.0
_GL_CORE_X, _GL_CORE_W = np.polynomial.legendre.leggauss(N_CORE)
TAN_MULTIPLES = (0.25, 0.5, 1.0, 2.0, 4.0)  # theta > 0: breaks at +-tan(theta) times these


class KeptMeasure:
    """The kept measure at ``params`` (its rule, keep fraction, label channel and probe angle)."""

    def __init__(self, params) -> None:
        self.params = params
        self.rule = params.rule
        self.labels = params.labels
        self.f = params.keep_fraction
        self.theta = params.probe_angle

    def windows(self) -> np.ndarray:
        """The acceptance as window rows (z_lo, z_hi, weight, T) (:meth:`theory.rules.Rule.windows`); ``ValueError``
        for a rule that is no window (weighted, label-aware)."""
        return self.rule.windows(self.f)

    def acceptance(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(q(z, +1), q(z, -1)): the rule's acceptance for either label (the same for rules that see z alone)."""
        return self.rule.labelled_acceptance(z, self.f, self.labels, self.theta)

    @cached_property
    def edges(self) -> list[float]:
        """The rule's breakpoints (where q is not smooth), +-inf included."""
        return self.rule.breakpoints(self.f, self.labels, self.theta)

    @cached_property
    def z_max(self) -> float:
        """The outer integral's range |z| <= z_max: the last finite edge plus ``Z_TAIL``."""
        finite = [abs(e) for e in self.edges if math.isfinite(e)]
        return (max(finite) if finite else 0.0) + Z_TAIL

    @cached_property
    def rule_edges(self) -> list[float]:
        """The finite edges inside the range."""
        return [e for e in self.edges if math.isfinite(e) and abs(e) < self.z_max]

    @cached_property
    def length_scale(self) -> float | None:
        """The scale on which a smooth weighted rule varies (uncertainty:A,S: 1/S, poles of p(1 - p) at distance
        pi/S from the real axis), None for rules made of windows."""
        if self.rule.kind == "uncertainty":
            return self.rule.weighted().length_scale
        return getattr(self.rule, "length_scale", None)

    @cached_property
    def theta0_pieces(self) -> np.ndarray | None:
        """The kept density as pieces [lo, hi, v, w_plus, w_minus] for :mod:`theory.window_moments` (theta = 0, a
        channel that depends on sign(t) alone, a rule made of windows), or None where the two-dimensional
        quadrature is needed."""
        if self.theta != 0.0 or self.labels.kind == "logit":
            return None
        keep_right = 1.0 - self.labels.flip_probability  # P(y = +1 | z > 0)
        if self.rule.sees_labels:  # agree-hard / agree-easy: one window of each sign, the label that agrees
            g, f = self.rule.edge(self.f, self.labels, self.theta), self.f
            lo, hi = (0.0, g) if self.rule.hard else (g, math.inf)
            return np.array([[-hi, -lo, 1.0, 0.0, keep_right / f], [lo, hi, 1.0, keep_right / f, 0.0]])
        if self.rule.kind not in WINDOW_KINDS:
            return None
        return kept_pieces(self.rule.windows(self.f), self.f, keep_right)

    def outer_nodes(self, extra_breaks=(), n_nodes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Outer nodes z and weights phi(z) dz / f (the acceptance not yet applied): the panels of the module
        docstring, broken also at ``extra_breaks`` (e.g. a student's loss features mapped to z). ``n_nodes``: a
        coarser rule, that many nodes on every panel (the convex solver's coarse start, :mod:`theory.convex`);
        default ``N_OUTER`` (``N_CORE`` on the core panels)."""
        zm = self.z_max
        breaks = [-zm, zm, 0.0, *self.rule_edges]
        if self.theta > 0.0:
            tt = math.tan(self.theta)
            breaks += [s * tt * m for s in (-1.0, 1.0) for m in TAN_MULTIPLES]
        breaks += list(extra_breaks)
        b = np.unique(np.clip(np.array(breaks), -zm, zm))
        # subdivide wide panels (finer where a weighted rule varies, |z| < 6) into k equal parts each
        scale = self.length_scale
        max_core = min(MAX_PANEL, CORE_PANEL * scale) if scale else MAX_PANEL
        lo, hi = b[:-1], b[1:]
        core = (np.minimum(np.abs(lo), np.abs(hi)) < 6.0) & bool(scale)
        k = np.maximum(1, np.ceil((hi - lo) / np.where(core, max_core, MAX_PANEL)).astype(int))
        start = np.repeat(lo, k)
        step = np.repeat((hi - lo) / k, k)
        part = np.arange(k.sum()) - np.repeat(np.cumsum(k) - k, k)
        lo = start + part * step
        hi = np.where(part + 1 == np.repeat(k, k), np.repeat(hi, k), start + (part + 1) * step)
        core = np.repeat(core, k)
        z, w = [], []
        plain, core_rule = (((_GL_X, _GL_W), (_GL_CORE_X, _GL_CORE_W)) if n_nodes is None
                            else (gauss_legendre(n_nodes),) * 2)
        for sel, (x_gl, w_gl) in ((~core, plain), (core, core_rule)):
            half = 0.5 * (hi[sel] - lo[sel])[:, None]
            z.append((0.5 * (hi[sel] + lo[sel])[:, None] + half * x_gl).ravel())
            w.append((half * w_gl).ravel())
        z, w = np.concatenate(z), np.concatenate(w)
        order = np.argsort(z, kind="stable")
        z, w = z[order], w[order]
        return z, w * np.exp(-0.5 * z * z) / (math.sqrt(2 * math.pi) * self.f)

    @cached_property
    def z_scale(self) -> float:
        """The kept probe field's scale, sqrt(E_kept[z^2]) (the acceptance averaged over the two labels for a rule
        that sees them): ~ f sqrt(pi / 6) for keep hard at small f, where the exponential regime lives."""
        z, density = self.outer_nodes()
        q_plus, q_minus = self.acceptance(z)
        return math.sqrt(float(np.sum(density * 0.5 * (q_plus + q_minus) * z * z)))

    def z_quadrature(self, extra_breaks=(), n_nodes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Outer nodes and weights q(z, +1) phi(z) / f (the label y = +1; the convex theory integrates y = -1 as
        its mirror image) on the panels of :meth:`outer_nodes` (``n_nodes`` as there)."""
        z, density = self.outer_nodes(extra_breaks, n_nodes)
        return z, density * self.acceptance(z)[0]
