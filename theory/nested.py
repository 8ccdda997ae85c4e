r"""The max-margin student as a nested maximisation of the margin over directions.

For a fixed unit direction of the student, given by its angle chi out of the teacher-probe plane and
the in-plane angle beta from the probe (see :mod:`theory.saddle`), the largest margin it reaches on the
kept set is the root kappa*(chi, beta) of F(chi, beta, kappa) = 0. F is convex and increasing in
kappa (g is convex and increasing in its first argument), so this root is unique and Newton's method
started where F > 0 converges to it monotonically (:func:`kappa_root`). The max-margin student is
the direction of largest kappa*, and the saddle-point equations F = F_chi = F_beta = 0 say exactly
that the gradient of kappa* vanishes there.

**Why the maximisation has one maximum.** Write the unnormalised student as w = (c, 1) with c the
in-plane weight vector (so |c| = cot chi and c = |c| (cos beta, sin beta)) and margin kappa'. The set
of (c, kappa') with alpha E_K[g(kappa' - sign(t) c.(z, w), 1)] <= 1 is convex (g is convex), so
kappa'(c) is concave, and the normalised margin kappa*(c) = kappa'(c) / sqrt(1 + |c|^2) is a
concave-over-convex ratio: its super-level sets {kappa* >= t}, t > 0, are convex sets of c. Hence

* along any line of c through the origin (fixed beta, chi in (0, pi), parametrised by
  v = ln tan(chi / 2) in R) kappa* is unimodal in v, and
* K(beta) = max over that line is unimodal on the circle of lines (beta modulo pi), because the lines
  through the origin that meet a convex set form one arc.

Both searches below therefore go uphill and bracket the single maximum; no starting guess can lead
them to a spurious stationary point (unlike the polar coordinates (chi, beta) of the root finder,
where every beta solves F_beta = 0 at chi = pi / 2).

**Algorithm.** Each one-dimensional search is a safeguarded Newton iteration on the derivative
(``rtsafe``): Newton steps on d kappa*/dx = 0 with the exact second derivative (implicit-function
theorem on F = 0, from the analytic Hessian of F in :func:`theory.saddle.free_energy_terms`), falling
back to bisection whenever a step leaves the bracket or goes downhill; before a bracket exists the
search walks uphill with steps that double. The outer search over beta uses the envelope theorem,
dK/dbeta = d kappa*/dbeta at the inner optimum, and d2K/dbeta2 = k_bb - k_vb^2 / k_vv.
Tolerances: |dv|, |dbeta| < ``ANGLE_TOL`` (relative precision of chi and beta), kappa to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theory.integrals import G_U, G
from theory.saddle import Problem, chi_from_v, free_energy_terms, moments

ANGLE_TOL = 1e-13
V_RANGE = (-80.0, 40.0)  # chi from ~4e-35 to pi - 8e-18: beyond, double precision cannot carry the answer
MAX_ITER = 200
KAPPA_NOISE = 1e-11  # relative step below which the kappa root is at the noise of the quadrature


class NoMaximumError(RuntimeError):
    """The margin keeps increasing towards the edge of the representable range of directions."""


def kappa_root(problem: Problem, chi: float, beta: float, kappa0: float | None = None) -> float:
    """kappa*(chi, beta): the unique root of F(chi, beta, kappa) = 0 (F convex and increasing in kappa).

    Newton's method on h(kappa) = alpha E_K[g] / sigma^2 - 1 (= F / sigma^2). From a point with h > 0
    Newton steps decrease monotonically to the root (convexity); a step from h < 0 lands on the right of
    the root, or, where h is flat (h' ~ 0), kappa is pushed right by doubling steps. Converged when the
    step is below 4 ulp of max(|kappa|, sigma), or after it has stayed below ``KAPPA_NOISE`` of it for
    three more steps (the panels of the quadrature move with kappa, so h is smooth only to ~1e-13).
    """
    alpha = problem.params.alpha_prune
    sigma = math.sin(chi)
    kappa = 1.0 if kappa0 is None or not math.isfinite(kappa0) else kappa0
    settled = 0
    cap = max(1.0, abs(kappa))  # largest step to the right from h < 0 (doubles each time)
    for _ in range(MAX_ITER):
        mo = moments(problem, chi, beta, kappa)
        h = alpha * mo[G] / sigma**2 - 1.0
        dh = alpha * mo[G_U] / sigma**2
        step = h / dh if dh > 0.0 else -math.inf
        scale = max(abs(kappa), sigma)
        if abs(step) <= 4.0 * np.finfo(float).eps * scale:
            return kappa - step
        if abs(step) <= KAPPA_NOISE * scale:  # at the quadrature's noise floor (~1e-13 relative)
            settled += 1
            if settled > 3:
                return kappa - step
        if h < 0.0:
            kappa += min(-step, cap)
            cap *= 2.0
        else:
            kappa -= step
    raise RuntimeError(f"kappa root did not converge at chi={chi}, beta={beta}")


@dataclass(frozen=True)
class DirectionMargin:
    """kappa* at one direction (v = ln tan(chi/2), beta) with its derivatives in (v, beta)."""

    v: float
    beta: float
    kappa: float
    grad: np.ndarray  # (dk/dv, dk/dbeta)
    hess: np.ndarray  # 2 x 2 in (v, beta)


def direction_margin(problem: Problem, v: float, beta: float, kappa0: float | None = None) -> DirectionMargin:
    """kappa*(v, beta) and its first and second derivatives by the implicit-function theorem.

    With x = (chi, beta): kappa_i = -F_i / F_kappa and
    kappa_ij = -(F_ij + F_ik kappa_j + F_jk kappa_i + F_kk kappa_i kappa_j) / F_kappa; then
    chi -> v with dchi/dv = sin chi, d2chi/dv2 = sin chi cos chi.
    """
    chi = chi_from_v(v)
    kappa = kappa_root(problem, chi, beta, kappa0)
    _, grad, hess = free_energy_terms(problem, chi, beta, kappa)
    fk = grad[2]
    k1 = -grad[:2] / fk
    k2 = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            k2[i, j] = -(hess[i, j] + hess[i, 2] * k1[j] + hess[j, 2] * k1[i] + hess[2, 2] * k1[i] * k1[j]) / fk
    s, c = math.sin(chi), math.cos(chi)
    g = np.array([k1[0] * s, k1[1]])
    h = np.array([[k2[0, 0] * s * s + k1[0] * s * c, k2[0, 1] * s], [k2[0, 1] * s, k2[1, 1]]])
    return DirectionMargin(v, beta, kappa, g, h)


def _maximise_1d(evaluate, x0: float, first_step: float, max_step: float, lo: float, hi: float):
    """Maximise a unimodal function of x by a safeguarded Newton iteration on its derivative.

    ``evaluate(x) -> (point, d1, d2)``. Walks uphill (Newton step when it points uphill, else a step
    that doubles, capped at ``max_step``) until the derivative changes sign, then keeps the bracket
    [a, b] with d1(a) > 0 > d1(b) and takes Newton steps inside it, bisecting otherwise. Returns the
    point at the maximum. Raises :class:`NoMaximumError` when the walk leaves [lo, hi].
    """
    x = x0
    point, d1, d2 = evaluate(x)
    a = b = None  # a: d1 > 0 (maximum to the right), b: d1 < 0
    step = first_step
    for _ in range(MAX_ITER):
        if d1 > 0.0:
            a = (x, point)
        elif d1 < 0.0:
            b = (x, point)
        else:
            return point
        newton = -d1 / d2 if d2 < 0.0 else math.inf
        if a is not None and b is not None:
            left, right = a[0], b[0]
            width = abs(right - left)
            if not math.isfinite(newton) or not min(left, right) < x + newton < max(left, right):
                newton = 0.5 * (left + right) - x
            if abs(newton) < ANGLE_TOL * max(1.0, abs(x)) or width < ANGLE_TOL * max(1.0, abs(x)):
                x += newton
                return evaluate(x)[0]
            x += newton
        else:
            direction = 1.0 if d1 > 0.0 else -1.0
            if math.isfinite(newton) and abs(newton) <= max_step:
                move = newton
                if abs(newton) < ANGLE_TOL * max(1.0, abs(x)):
                    return evaluate(x + newton)[0]
            else:
                move = direction * step
                step = min(2.0 * step, max_step)
            x += move
            if not lo <= x <= hi:
                raise NoMaximumError(f"the margin still increases at the edge of the range ({lo}, {hi})")
        point, d1, d2 = evaluate(x)
    raise RuntimeError("one-dimensional maximisation did not converge")


def maximise_margin(problem: Problem, v0: float, beta0: float) -> DirectionMargin:
    """The direction of largest kappa* (the max-margin student), by the nested unimodal searches.

    For theta = 0 the student lies in the plane of teacher and orthogonal complement (beta = 0) and only
    the search in v runs. For theta > 0 the outer search runs over beta (period pi), each evaluation
    maximising over v on the line of fixed beta, warm-started from the previous line.
    """
    state = {"v": v0, "kappa": None}

    def along_line(beta: float) -> DirectionMargin:
        def evaluate(v):
            dm = direction_margin(problem, v, beta, state["kappa"])
            state["kappa"] = dm.kappa
            return dm, dm.grad[0], dm.hess[0, 0]

        best = _maximise_1d(evaluate, state["v"], 0.5, 4.0, *V_RANGE)
        state["v"] = best.v
        return best

    if problem.n_unknowns == 2:
        return along_line(0.0)

    def outer(beta: float):
        dm = along_line(beta)
        kvv = dm.hess[0, 0]
        d2 = dm.hess[1, 1] - dm.hess[0, 1] ** 2 / kvv if kvv < 0.0 else -1.0
        return dm, dm.grad[1], d2

    return _maximise_1d(outer, beta0, 0.1, 0.5, beta0 - 2.0 * math.pi, beta0 + 2.0 * math.pi)
