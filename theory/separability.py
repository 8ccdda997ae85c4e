r"""Where the kept data stop being linearly separable: the max-margin student exists only below that line.

With noisy labels the kept examples need not be separable; the max-margin student (the hard-margin SVM) then does
not exist. Gordon's comparison (as in Gardner's capacity, and Candes & Sur's phase transition for the logistic
MLE) gives the line: write a weight vector as an in-plane part c (along the probe J_p and e_w) plus an orthogonal
part of norm sigma; the orthogonal fields of the kept examples are N(0, sigma^2) and independent of everything the
rule saw, so margins y (c . v + sigma xi) >= kappa are feasible for n = alpha_prune N examples iff
alpha_prune E[((kappa - y c . v) / sigma - xi)_+^2] <= 1 for some c, sigma. The margin scale is free
(kappa / sigma -> 0): the kept data are separable iff

    alpha_prune < alpha_sep = 1 / min_c h(c),   h(c) = E[(xi - y c . v)_+^2],

the expectation over the kept (z, w, y) (v = (z, w)) and xi ~ N(0, 1) (``docs/theory.md``, section 8). h is
convex and smooth; h(0) = 1/2 (Cover's capacity 2 of random labels); with clean labels h -> 0 along the teacher
(always separable, alpha_sep = inf).

**Quadrature.** E over xi in closed form, E[(m - xi)_+^2] = (m^2 + 1) Phi(m) + m phi(m), m = -y c . v. Over z:
the panels of the kept measure, :meth:`theory.kept.KeptMeasure.outer_nodes` (the rule's edges, 0; Gauss-Legendre,
10 nodes).
Over w (theta > 0): Gauss-Legendre panels of width <= 1 on [-9, 9], broken at the label step w = -z cot theta of
the sign channels. The minimum: Newton's method (analytic gradient E[-2 y (m - xi)_+ v] and Hessian
E[2 Phi(m) v v'], halving until h decreases, stopping at |grad| < 1e-13) from c = 0 (one dimension at theta = 0,
where c_w = 0 by symmetry; at theta > 0 from the minimiser on coarse nodes, 5 a panel, to |grad| < 1e-6); the
gradient norm at the end is reported and checked.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from theory.integrals import gauss_legendre
from theory.kept import KeptMeasure
from theory.labels import LabelChannel
from theory.model import Params
from theory.records import Record

W_RANGE = 9.0
_GL_X, _GL_W = np.polynomial.legendre.leggauss(10)
GRADIENT_TOL = 1e-7  # |grad h| accepted at the minimum: h_min is then off by O(|grad|^2 / curvature) ~ 1e-14 (BFGS,
# used before Newton's method, stopped with "precision loss" at gradients ~2e-9, e.g. easy, f = 0.0266, 10 deg)


@dataclass(frozen=True)
class Separability(Record):
    """The separability line at one point: alpha_sep (inf when the kept data are always separable), the minimum
    h_min of h(c) and its minimiser (c_z, c_w), the gradient norm there."""

    keep_fraction: float
    keep: str
    probe_angle_deg: float
    labels: str
    alpha_sep: float
    h_min: float
    c_z: float
    c_w: float
    gradient: float

    RECORD_FIELDS = ("keep_fraction", "keep", "probe_angle_deg", "labels", "alpha_sep", "h_min", "c_z", "c_w",
                     "gradient")


def _w_nodes(z: np.ndarray, theta: float, channel: LabelChannel, rule: tuple[np.ndarray, np.ndarray] = (_GL_X, _GL_W)
             ) -> tuple[np.ndarray, np.ndarray]:
    """w nodes and weights phi(w) dw [n_z, n_w] on [-W_RANGE, W_RANGE], broken at w = -z cot(theta) for the sign
    channels (a fixed grid for the logit channel, whose label probability is smooth); ``rule`` the Gauss-Legendre
    rule of a panel."""
    n_panels = int(2 * W_RANGE)
    edges = np.linspace(-W_RANGE, W_RANGE, n_panels + 1)
    edges = np.broadcast_to(edges, (z.size, edges.size))
    if channel.kind != "logit":
        step = np.clip(-z / math.tan(theta), -W_RANGE, W_RANGE)[:, None]
        edges = np.sort(np.concatenate([edges, step], axis=1), axis=1)
    lo, hi = edges[:, :-1, None], edges[:, 1:, None]
    w = (0.5 * (lo + hi) + 0.5 * (hi - lo) * rule[0]).reshape(z.size, -1)
    weight = (0.5 * (hi - lo) * rule[1]).reshape(z.size, -1) * np.exp(-0.5 * w * w) / math.sqrt(2.0 * math.pi)
    return w, weight


class _KeptNodes:
    """The kept measure (:class:`theory.kept.KeptMeasure`) as quadrature nodes (z, w, y) with weights summing to 1."""

    def __init__(self, params, n_nodes: int | None = None) -> None:
        """``n_nodes``: Gauss-Legendre nodes a panel in z and w (default 10): fewer for the coarse start."""
        channel = LabelChannel.parse(params.labels)
        theta = params.probe_angle
        measure = KeptMeasure(params)  # the kept measure's outer z quadrature, no student's features
        z, density = measure.outer_nodes(n_nodes=n_nodes)
        q_plus, q_minus = measure.acceptance(z)
        per_label = {1.0: density * q_plus, -1.0: density * q_minus}
        if theta == 0.0:
            w, ww = np.zeros((z.size, 1)), np.ones((z.size, 1))
        else:
            w, ww = _w_nodes(z, theta, channel, (_GL_X, _GL_W) if n_nodes is None else gauss_legendre(n_nodes))
        t = math.cos(theta) * z[:, None] + math.sin(theta) * w
        p_plus = channel.prob_plus(t)
        zs, ws, ys, weights = [], [], [], []
        for y, wz in per_label.items():
            p = p_plus if y > 0 else 1.0 - p_plus
            weight = wz[:, None] * ww * p
            keep = weight > 0.0
            zs.append(np.broadcast_to(z[:, None], w.shape)[keep])
            ws.append(w[keep])
            ys.append(np.full(int(keep.sum()), y))
            weights.append(weight[keep])
        self.z, self.w, self.y, self.weight = map(np.concatenate, (zs, ws, ys, weights))
        self.mass = float(self.weight.sum())

    def h(self, c: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """h(c) = E[(xi - y c . v)_+^2], its gradient E[-y F'(m) v] and its Hessian E[F''(m) v v'] (F(m) = (m^2 + 1)
        Phi(m) + m phi(m), F' = 2 (m Phi + phi), F'' = 2 Phi: positive definite, h is convex), from one pass over the
        nodes (one normal distribution function and one density each)."""
        cz, cw = (float(c[0]), float(c[1])) if c.size == 2 else (float(c[0]), 0.0)
        m = -self.y * (cz * self.z + cw * self.w)
        cdf, pdf = special.ndtr(m), np.exp(-0.5 * m * m) / math.sqrt(2.0 * math.pi)
        value = float(np.sum(self.weight * ((m * m + 1.0) * cdf + m * pdf)))
        signed = self.weight * (2.0 * (m * cdf + pdf)) * -self.y  # weight times d/dc of F(m), by v
        grad = np.array([np.sum(signed * self.z), np.sum(signed * self.w)])
        curv = 2.0 * self.weight * cdf
        curv_z = curv * self.z
        hess = np.array([[np.sum(curv_z * self.z), np.sum(curv_z * self.w)],
                         [np.sum(curv_z * self.w), np.sum(curv * self.w * self.w)]])
        return value, grad[:c.size], hess[:c.size, :c.size]


def separability_threshold(params) -> Separability:
    """alpha_sep of the module docstring at ``params`` (its rule, keep fraction, probe angle and label channel;
    alpha_prune and the learner are not used). Raises ``ValueError`` if the minimisation does not converge.
    Cached by those four (the ridgeless convex route asks at every point of a frontier's scan)."""
    return _threshold(float(params.keep_fraction), str(params.keep), float(params.probe_angle_deg),
                      str(params.labels))


@functools.lru_cache(maxsize=4096)
def _threshold(keep_fraction: float, keep: str, probe_angle_deg: float, labels: str) -> Separability:
    params = Params(1.0, keep_fraction, keep, probe_angle_deg, labels=labels)
    channel = LabelChannel.parse(params.labels)
    fields = dict(keep_fraction=params.keep_fraction, keep=str(params.keep), probe_angle_deg=params.probe_angle_deg,
                  labels=str(params.labels))
    if channel.is_clean or params.rule.kind in ("agree-hard", "agree-easy"):
        # clean labels: the teacher separates; agree-hard/easy keep only labels y = sign(z): the probe separates
        return Separability(**fields, alpha_sep=math.inf, h_min=0.0, c_z=math.inf, c_w=0.0, gradient=0.0)
    measure = _KeptNodes(params)
    if abs(measure.mass - 1.0) > 1e-9:
        raise ValueError(f"separability at {_where(params)}: the kept measure's quadrature has mass "
                         f"{measure.mass:.12g}")
    dim = 1 if params.probe_angle == 0.0 else 2
    start = np.zeros(dim)
    if dim == 2:  # Newton's method on coarse nodes first (~1/4 of the cost an evaluation), to within their error
        start, _ = _newton_minimum(_KeptNodes(params, COARSE_NODES), start, COARSE_GTOL)
    x, message = _newton_minimum(measure, start)
    value, grad, _ = measure.h(x)
    gnorm = float(np.max(np.abs(grad)))
    if not (math.isfinite(value) and value > 0.0 and gnorm < GRADIENT_TOL):
        raise ValueError(f"separability at {_where(params)}: the minimisation of h stopped at gradient {gnorm:.1e} "
                         f"(h = {value:.6g}; {message})")
    c = np.append(x, 0.0)
    return Separability(**fields, alpha_sep=1.0 / value, h_min=value, c_z=float(c[0]), c_w=float(c[1]),
                        gradient=gnorm)


separability_threshold.cache_clear = _threshold.cache_clear  # for a cold benchmark
NEWTON_GTOL = 1e-13  # Newton's method on h stops when every gradient component is below this
NEWTON_MAX_ITER = 60
COARSE_NODES = 5  # theta > 0: Gauss-Legendre nodes a panel of the coarse start (10 for the answer)
COARSE_GTOL = 1e-6  # the coarse start's gradient tolerance (its nodes' error in the minimiser is ~1e-6)


def _newton_minimum(measure: _KeptNodes, x: np.ndarray, gtol: float = NEWTON_GTOL) -> tuple[np.ndarray, str]:
    """argmin_c h(c) by Newton's method with the analytic Hessian (:meth:`_KeptNodes.h`), each step halved
    until h decreases (at most 40 halvings); stops below ``gtol`` in the gradient. h is convex and smooth, so
    it converges quadratically from c = 0 (5-8 steps where BFGS took ~26 evaluations), in 2-3 from the coarse
    nodes' minimiser. Returns (c, message)."""
    value, grad, hess = measure.h(x)
    for it in range(NEWTON_MAX_ITER):
        if float(np.max(np.abs(grad))) < gtol:
            return x, f"converged in {it} Newton steps"
        try:
            step = -np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            return x, "singular Hessian"
        t = 1.0
        for _ in range(40):
            trial = x + t * step
            new_value, new_grad, new_hess = measure.h(trial)
            if math.isfinite(new_value) and new_value <= value:
                break
            t *= 0.5
        else:
            return x, "no decrease along Newton's step"
        if new_value == value and t < 1.0:
            return trial, "h stopped decreasing (rounding)"
        x, value, grad, hess = trial, new_value, new_grad, new_hess
    return x, f"{NEWTON_MAX_ITER} Newton steps"


def _where(params) -> str:
    return (f"keep {params.keep}, f = {params.keep_fraction:g}, theta = {params.probe_angle_deg:g}, "
            f"labels {params.labels}")


def max_margin_refusal(params) -> str:
    """The one-line message for a max-margin student asked for where it does not exist: noisy kept data beyond
    their separability line (the line is in the message)."""
    where = f"keep {params.keep}, f = {params.keep_fraction:g}, theta = {params.probe_angle_deg:g}"
    try:
        line = separability_threshold(params).alpha_sep
        sep = (f"the kept data ({where}) are separable only for alpha_prune < {line:.6g} (theory.separability)"
               if math.isfinite(line) else f"the kept data ({where}) are always separable")
    except ValueError as err:
        sep = f"the separability line could not be computed ({err})"
    return (f"the max-margin student with labels {params.labels} does not exist at alpha_prune = "
            f"{params.alpha_prune:g}: {sep}; {max_margin_help()}")


def max_margin_help() -> str:
    """What to use where the max-margin student does not exist (the end of every such refusal)."""
    return "beyond it use a soft margin or a ridge, e.g. --learner hinge:0.001 (or hinge:0, the unregularised hinge)"
