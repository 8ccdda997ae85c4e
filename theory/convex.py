r"""The convex learners (every loss of :mod:`theory.losses`, with ridge >= 0) on pruned, possibly noisy data.

``docs/theory.md`` section 8 derives the replica-symmetric (equivalently, Gordon/CGMT) fixed point for
the student that minimises sum_kept loss(y, w . x / sqrt N) + (lambda / 2)|w|^2. With u = w / sqrt N
= c_z J_p + c_w e_w + u_perp, |u_perp| = sigma, and the moments of :mod:`theory.convex_moments`
(omega = c . (z, w) + sigma xi, h = prox_{V loss(y, .)}(omega)) it reads

    lambda c + alpha_prune E[loss'(y, h) (z, w)] = 0                 (in-plane stationarity)
    sigma^2 = alpha_prune E[(omega - h)^2]                            (orthogonal norm)
    1 - lambda V = alpha_prune E[1 - d h / d omega]                  (the prox step, V = chi)

and the test error against the clean teacher is eps = angle(u, T) / pi, computed from
tan(angle) = sqrt(sigma^2 + c_perp^2) / c_par (no cancellation as eps -> 0).

**Solving.** Unknowns x = (c_z, [c_w,] ln sigma, ln V) (c_w = 0 by symmetry at theta = 0), scaled residuals

    r_c = (lambda c + alpha A) V / (|u| (lambda V + F)),  r_sigma = 1 - alpha B / sigma^2,  r_V = 1 - lambda V - alpha C

F = E_kept[z^2] for c_z and 1 for c_w (:meth:`ConvexProblem._step_scale`: Newton's step in c over |u|; it is
(c + alpha A / lambda) / |u| for lambda V >> F).

The moments come from one of three quadratures (:meth:`ConvexProblem.moments`): the closed-form z integral of
:mod:`theory.window_moments` (theta = 0, window rules, sign channels), the shared omega grid of
:mod:`theory.convolution_moments` (theta = 0 otherwise) or the two-dimensional quadrature of
:mod:`theory.convex_moments`; the last two give their derivatives (Stein's identity), hence the residuals'
Jacobian (:meth:`ConvexProblem.residual_and_jacobian`), and so does the first (the density K^zz added). A cold
start: Newton's method with that Jacobian (:func:`_analytic_newton`; at theta > 0 begun on a coarse quadrature,
:func:`_coarse_start`) from two damped fixed-point steps in the conjugate ("hat") variables
(V <- 1 / (lambda + V_hat), V_hat = alpha C / V; sigma <- V sqrt(alpha B) / V_old; c <- c - (lambda c +
alpha A) / (lambda + V_hat)), else (off the window route) from the bare guess; else ten fixed-point steps
and MINPACK's hybrid Powell method (``scipy.optimize.root``, ``hybr``, finite-difference Jacobian, ``xtol``
1e-12). A solution is accepted when every residual is below ``tol`` (default 1e-9) and the quadrature's mass
check |M - 1| is below 1e-9. Where that fails (small lambda near separability, where V is large), the solver
continues in lambda from a strongly regularised problem (lambda x 10^k, k = 4, 3, ..., 0, each solution the
next start). Otherwise ``success`` is False and the residual says why; no number is returned as converged that
was not.

**Ridgeless and constraint problems** (:func:`ridgeless_problem`): at ridge 0 the residual r_c is
alpha A V / (|u| E_kept[field^2]) (the relative change of c that Newton's step asks for: without the kept field's
scale E_kept[z^2] ~ f^2 pi / 6, keep hard at f = 1e-3 met the tolerance 1e-10 with c_z wrong by 1e-5 relative);
the margin and interpolation constraints (:mod:`theory.losses.constraints`) are solved at ridge 1 from the soft
loss at a small ridge (in units of the kept probe field's scale squared), with c_z in units of that scale
(``ConvexProblem(scaled=True)``), and below f = 0.01 from the scaled solution a decade of f up. A point that fails
in plain unknowns is retried in the scaled ones (:func:`solve_convex`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy import optimize

from theory.convex_moments import GAUSS_BREAKS, N_INNER, moments, moments_and_jacobian
from theory.convolution_moments import grid_nodes, moments_shared_grid
from theory.kept import KeptMeasure
from theory.labels import LabelChannel
from theory.learners import Learner
from theory.losses import get_loss
from theory.losses.base import Loss
from theory.losses.constraints import LIMITS
from theory.point import ConvexOrder, PointResult
from theory.window_moments import moments_theta0, moments_theta0_and_jacobian

DEFAULT_TOL = 1e-9
NEWTON_BUDGET = 60  # evaluations after which one run of Newton's method gives up (its line searches halving without
# end: a cold start at a tiny ridge took 200-250 each, and the fallbacks then converge in a few dozen)
MAX_NEWTON_STEP = 3.0  # largest change of any unknown in one Newton step (ln sigma, ln V: a factor e^3; see _reach)
SHARED_GRID_BUDGET = 100  # grid nodes a kept outer node below which the shared grid is used (it costs ~200)
# the coarse start (theta > 0, _coarse_start): Gauss-Legendre nodes a panel, outer and inner, instead of 10 and 10
# (an evaluation costs ~1/4), and the residual below which Newton's method moves on to the full quadrature; a
# coarse run stalled above COARSE_STALL (a tiny ridge from a cold start) is not repeated on the full rule (it stalled
# there too, at the same residual, e.g. 1.55e-2, 2.03, 0.22 for logistic:1e-8 at theta = 10 deg)
COARSE_NODES = 5
COARSE_STOP = 1e-5
COARSE_STALL = 1e-3  # a coarse run that ends above this residual stalled: the full rule is not run from x0 again


ConvexResult = PointResult  # the former name of the convex route's result (one result type for every route)


def _exp(v: float) -> float:
    """e^v, inf beyond the double range (a root finder's excursion, which the moments then reject as NaN)."""
    return math.exp(v) if v < 709.0 else math.inf


def student_error(cz: float, cw: float, sigma: float, theta: float) -> float:
    """eps = angle(u, T) / pi for u = c_z J_p + c_w e_w + u_perp, T = cos(theta) J_p + sin(theta) e_w."""
    par = cz * math.cos(theta) + cw * math.sin(theta)
    perp_in = -cz * math.sin(theta) + cw * math.cos(theta)
    return math.atan2(math.hypot(sigma, perp_in), par) / math.pi


class ConvexProblem:
    """The fixed-point equations at one point: its rule, learner, channel and the outer quadrature."""

    def __init__(self, params, loss: Loss | None = None, lam: float | None = None, scaled: bool = False) -> None:
        """The problem of ``params`` with its learner's loss and ridge, or with ``loss`` and ``lam`` given (a
        constraint loss of :mod:`theory.losses.constraints` at lam = 1 for the ridgeless limits). ``scaled``: the
        first unknown is c_z times the kept probe field's scale (:attr:`theory.kept.KeptMeasure.z_scale`), so that
        it is O(1) where the kept z are tiny (keep hard at small f); otherwise it is c_z itself."""
        self.params = params
        self.learner = Learner.parse(params.learner)
        if loss is None and self.learner.is_max_margin:
            raise ValueError("the max-margin learner is the margin constraint (theory.losses.constraints.MARGIN)")
        self.labels = LabelChannel.parse(params.labels)
        self.rule = params.rule
        self.measure = KeptMeasure(params)  # the kept (z, w, y): read by the max-margin theory and separability too
        self.f = params.keep_fraction
        self.alpha = params.alpha_prune
        self.loss = self.learner.loss_function if loss is None else loss  # read by every quadrature route
        self.lam = float(self.learner.lam if lam is None else lam)  # 0: the unregularised minimiser
        self.theta = params.probe_angle
        self.n_c = 1 if self.theta == 0.0 else 2
        self.channel = self.labels.code
        self.chan_param = float(self.labels.param) if self.labels.kind != "clean" else 0.0
        self.pieces = self.measure.theta0_pieces
        self.cz_scale = self.measure.z_scale if scaled else 1.0
        # E_kept[z^2], E_kept[w^2] = 1: the ridgeless residual alpha A V / (|u| E_kept[field^2]) is the relative
        # change of c it asks for (dA/dc ~ E_kept[field^2] / V), so its tolerance bounds c's error as at lam > 0
        self.field_scale2 = (self.measure.z_scale ** 2, 1.0)
        self.constraint = self.loss in LIMITS.values()
        self.balanced = True  # the in-plane residual's scale (see _step_scale)
        self.hold_weight = False  # residual_and_jacobian: True leaves the weight's V-dependence out (Newton's method)
        # the two-dimensional quadrature (theta > 0) can be evaluated coarsely (COARSE_NODES) for a start
        self.coarse_start = self.pieces is None and self.theta > 0.0
        self.coarse = False  # True while the coarse start runs: COARSE_NODES a panel
        self.nfev = 0

    # ---- quadrature --------------------------------------------------------------------------------
    def loss_breaks(self, cz: float, cw: float, sigma: float, V: float) -> list[float]:
        """Where the inner integral (label y = +1), a function of c_z z, changes character, mapped to z: around the
        loss's kinks and curvature breaks, on the scale rho of the orthogonal field (:meth:`Loss.z_breaks`)."""
        if not abs(cz) > 0.0:
            return []
        return self.loss.z_breaks(cz, V, GAUSS_BREAKS * math.hypot(cw, sigma))

    def outer_nodes(self, cz: float, cw: float, sigma: float, V: float) -> tuple[np.ndarray, np.ndarray]:
        """Outer nodes z and weights phi(z) dz / f (:meth:`theory.kept.KeptMeasure.outer_nodes`), broken also at
        the student's loss features mapped to z."""
        return self.measure.outer_nodes(self.loss_breaks(cz, cw, sigma, V))

    def acceptance(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(q(z, +1), q(z, -1)) (:meth:`theory.kept.KeptMeasure.acceptance`)."""
        return self.measure.acceptance(z)

    def z_quadrature(self, cz: float, cw: float, sigma: float, V: float) -> tuple[np.ndarray, np.ndarray]:
        """Outer nodes and weights q(z, +1) phi(z) / f on the panels of :meth:`outer_nodes`."""
        return self.measure.z_quadrature(self.loss_breaks(cz, cw, sigma, V), COARSE_NODES if self.coarse else None)

    @property
    def inner_nodes(self) -> int:
        """Gauss-Legendre nodes an inner panel of the two-dimensional quadrature (fewer during the coarse start)."""
        return COARSE_NODES if self.coarse else N_INNER

    def moments(self, cz: float, cw: float, sigma: float, V: float) -> np.ndarray:
        """(A_z, A_w, B, C, M) at the given order parameters."""
        self.nfev += 1
        if self.pieces is not None:
            return moments_theta0(self.loss, V, cz, sigma, self.pieces)
        z, w = self.z_quadrature(cz, cw, sigma, V)
        if self.uses_shared_grid(cz, sigma, z, w):
            return moments_shared_grid(self.loss, V, cz, sigma, z, w * self.labels.prob_plus(z))[0]
        return moments(self.loss, V, cz, cw, sigma, self.theta, self.channel, self.chan_param, z, w, self.inner_nodes)

    def uses_shared_grid(self, cz: float, sigma: float, z: np.ndarray, w: np.ndarray) -> bool:
        """theta = 0 outside :mod:`theory.window_moments`: the inner integral on one shared grid
        (:mod:`theory.convolution_moments`) unless, for a sharp student, that grid would hold more nodes than
        the per-node quadrature of :mod:`theory.convex_moments` (~SHARED_GRID_BUDGET a kept outer node)."""
        if self.theta != 0.0 or not sigma > 0.0 or not math.isfinite(cz):
            return False
        kept = z[w != 0.0]
        return kept.size > 0 and grid_nodes(cz, sigma, kept[0], kept[-1]) < SHARED_GRID_BUDGET * kept.size

    # ---- the equations -----------------------------------------------------------------------------
    def unpack(self, x: np.ndarray) -> tuple[float, float, float, float]:
        cz = float(x[0]) / self.cz_scale
        cw = float(x[1]) if self.n_c == 2 else 0.0
        return cz, cw, _exp(float(x[-2])), _exp(float(x[-1]))

    def pack(self, cz: float, cw: float, sigma: float, V: float) -> np.ndarray:
        c = [cz * self.cz_scale, cw] if self.n_c == 2 else [cz * self.cz_scale]
        return np.array([*c, math.log(sigma), math.log(V)])

    def _step_scale(self, i: int, V: float, norm: float) -> float:
        """g in the in-plane residual r_c = (lambda c + alpha A) g, g = V / (|u| (lambda V + F)), F = E_kept[z^2]
        for c_z, 1 for c_w: Newton's step in c over |u| (d(alpha A)/dc ~ F / V), so that the tolerance bounds c's
        relative error at every ridge; (c + alpha A / lambda) / |u| for lambda V >> F, without its 1 / lambda
        amplification of the moments' rounding as lambda -> 0, and alpha A V / (|u| F) at lambda = 0. A constraint
        limit (:mod:`theory.losses.constraints`, at lambda = 1) is solved with it first (it converges in fewer
        steps), then, if that fails, with (c + alpha A) / |u| (``balanced`` False): near the separability line the
        limit's V tends to 0, where g does too, and Newton's method could follow V to 0 (keep hard, flip:0.05,
        alpha_prune = 4, f = 0.82, where the line is 4.07)."""
        if self.constraint and not self.balanced:
            return 1.0 / (self.lam * norm)
        return V / (norm * (self.lam * V + self.field_scale2[i]))

    def residual(self, x: np.ndarray) -> np.ndarray:
        """The scaled residuals (r_c, r_sigma, r_V) of the module docstring."""
        return self.residual_and_mass(x)[0]

    def residual_and_mass(self, x: np.ndarray) -> tuple[np.ndarray, float]:
        """The residuals and the quadrature's mass M (= 1 when the quadrature is right), one moment evaluation."""
        cz, cw, sigma, V = self.unpack(x)
        m = self.moments(cz, cw, sigma, V)
        a, lam = self.alpha, self.lam
        norm = math.sqrt(cz * cz + cw * cw + sigma * sigma)
        r = [(lam * c + a * m[i]) * self._step_scale(i, V, norm) for i, c in ((0, cz), (1, cw))[:self.n_c]]
        r += [1.0 - a * m[2] / (sigma * sigma), 1.0 - lam * V - a * m[3]]
        return np.array(r), float(m[4])

    def moments_and_derivatives(self, cz: float, cw: float, sigma: float, V: float
                                ) -> tuple[np.ndarray, np.ndarray]:
        """(m, dm): the moments (A_z, A_w, B, C, M) and their derivatives [5, 4] in (c_z, c_w, sigma, V), one
        evaluation on this point's quadrature (:func:`theory.window_moments.moments_theta0_and_jacobian`,
        :func:`theory.convolution_moments.moments_shared_grid`, :func:`theory.convex_moments.moments_and_jacobian`;
        the coarse rule while :attr:`coarse`)."""
        self.nfev += 1
        if self.pieces is not None:
            return moments_theta0_and_jacobian(self.loss, V, cz, sigma, self.pieces)
        z, w = self.z_quadrature(cz, cw, sigma, V)
        if self.uses_shared_grid(cz, sigma, z, w):
            m, d3 = moments_shared_grid(self.loss, V, cz, sigma, z, w * self.labels.prob_plus(z))
            dm = np.zeros((m.size, 4))
            dm[:, [0, 2, 3]] = d3
            return m, dm
        return moments_and_jacobian(self.loss, V, cz, cw, sigma, self.theta, self.channel, self.chan_param, z, w,
                                    self.inner_nodes)

    def residual_and_jacobian(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """(residuals, their Jacobian in x = (c_z, [c_w,] ln sigma, ln V), the mass M) from one evaluation of the
        moments with their analytic derivatives (:meth:`moments_and_derivatives`)."""
        cz, cw, sigma, V = self.unpack(x)
        m, dm = self.moments_and_derivatives(cz, cw, sigma, V)
        return self._residual_and_jacobian(cz, cw, sigma, V, m, dm)

    def _residual_and_jacobian(self, cz: float, cw: float, sigma: float, V: float, m: np.ndarray, dm: np.ndarray
                               ) -> tuple[np.ndarray, np.ndarray, float]:
        a, lam = self.alpha, self.lam
        norm = math.sqrt(cz * cz + cw * cw + sigma * sigma)
        d = dm * np.array([1.0 / self.cz_scale, 1.0, sigma, V])  # d/d(x_0 = c_z scale, c_w, ln sigma, ln V)
        dnorm = np.array([cz / self.cz_scale, cw, sigma * sigma, 0.0]) / norm
        rows, jac_rows = [], []
        # r = (lam c + alpha A) g, g = V / (|u| (lam V + F)); with hold_weight (Newton's method, _analytic_newton)
        # g's dependence on V is left out: a weight of the equation, not part of it (with it, Newton's method could
        # lower r_c by shrinking V, and a soft hinge at keep easy, theta = 10 deg took 467 evaluations instead of 16)
        for i, c in ((0, cz), (1, cw))[:self.n_c]:
            num = lam * c + a * m[i]
            g = self._step_scale(i, V, norm)
            unit = np.eye(4)[i] / (self.cz_scale if i == 0 else 1.0)  # d c_i / d x_i
            dg = -g * dnorm / norm
            if not (self.hold_weight or (self.constraint and not self.balanced)):
                field2 = self.field_scale2[i]
                dg[3] += g * field2 / (lam * V + field2)
            rows.append(num * g)
            jac_rows.append((lam * unit + a * d[i]) * g + num * dg)
        rows += [1.0 - a * m[2] / (sigma * sigma), 1.0 - lam * V - a * m[3]]
        jac_rows += [-a * d[2] / sigma**2 + np.array([0.0, 0.0, 2.0 * a * m[2] / sigma**2, 0.0]),
                     -a * d[3] - np.array([0.0, 0.0, 0.0, lam * V])]
        cols = [0, 1, 2, 3] if self.n_c == 2 else [0, 2, 3]
        return np.array(rows), np.array(jac_rows)[:, cols], float(m[4])

    def fixed_point_steps(self, x: np.ndarray, steps: int, damping: float = 0.5, rtol: float = 1e-3) -> np.ndarray:
        """Damped fixed-point iteration in the conjugate variables (see the module docstring), at most ``steps``
        steps, stopping once no unknown moves by more than ``rtol`` (relative; Newton takes over from there). A start
        only: on the coarse quadrature where there is one."""
        self.coarse = self.coarse_start
        try:
            return self._fixed_point_steps(x, steps, damping, rtol)
        finally:
            self.coarse = False

    def _fixed_point_steps(self, x: np.ndarray, steps: int, damping: float, rtol: float) -> np.ndarray:
        a, lam = self.alpha, self.lam
        for _ in range(steps):
            cz, cw, sigma, V = self.unpack(x)
            m = self.moments(cz, cw, sigma, V)
            v_hat = a * m[3] / V
            if not lam + v_hat > 0.0:  # no curvature at all (L = 0 and C = 0: a hinge with no active example)
                break
            V_new = 1.0 / (lam + v_hat)
            sigma_new = V_new * math.sqrt(max(a * m[2], 1e-300)) / V
            step = 1.0 / (lam + v_hat)
            cz_new = cz - step * (lam * cz + a * m[0])
            cw_new = cw - step * (lam * cw + a * m[1]) if self.n_c == 2 else 0.0
            new = self.pack(cz_new, cw_new, sigma_new, V_new)
            if not np.all(np.isfinite(new)):
                break
            moved = np.max(np.abs(new - x) / np.maximum(np.abs(x), 1.0))
            x = (1.0 - damping) * x + damping * new
            if moved < rtol:
                break
        return x

    def guess(self) -> np.ndarray:
        """A cold start: the student along the teacher with a modest overlap; V of a ridge of this strength."""
        lam, a = (self.lam or 1e-3), self.alpha  # the unregularised problem starts as a weakly regularised one
        V = 1.0 / (lam + a / (1.0 + 1.0 / lam))
        scale = min(1.0, a / lam) * 0.5
        # c_z in units of the kept probe field's scale when scaled (the fields c_z z are then O(1) from the start)
        return self.pack(scale * math.cos(self.theta) / self.cz_scale, scale * math.sin(self.theta), 0.5 * scale + 1e-3,
                         V)


def _analytic_newton(problem: ConvexProblem, x0: np.ndarray, tol: float, max_iter: int = 40
                     ) -> tuple[np.ndarray, float, bool]:
    """Newton's method with the analytic Jacobian (:meth:`ConvexProblem.residual_and_jacobian`): (x, residual,
    accepted), residual and acceptance on the full quadrature. At theta > 0 it runs on the coarse quadrature first
    (:func:`_coarse_start`): from a coarse end below COARSE_STALL the full rule runs from that end (and, if that
    fails, from x0); a coarse run that stalled above it returns its end, judged on the full rule (:func:`_accept`),
    without a full run (which stalls at the same residual: 1254 of 1254 such runs on a 1296-point grid at theta =
    10 and 30 deg). The Jacobian holds the in-plane residuals' weight fixed (:attr:`ConvexProblem.hold_weight`, see
    :meth:`ConvexProblem._step_scale`)."""
    problem.hold_weight = True
    try:
        coarse = _coarse_start(problem, x0, max_iter)
        if coarse is None or not math.isfinite(coarse[1]):
            return _newton_iterations(problem, x0, tol, max_iter)
        x, res = coarse
        if res >= COARSE_STALL:  # stalled far from a root, where the full rule (~1e-6 away) stalls as well
            return x, *_accept(problem, x, tol)
        got = _newton_iterations(problem, x, tol, max_iter)
        if got[2]:
            return got
        return _newton_iterations(problem, x0, tol, max_iter)
    finally:
        problem.hold_weight = False


def _reach(problem: ConvexProblem, x: np.ndarray) -> np.ndarray:
    """The unit of MAX_NEWTON_STEP for each unknown: 1 for ln sigma and ln V, and for the overlaps c; on the theta = 0
    window route (one overlap, c_z) max(|c_z|, 1): near separability at a small ridge the student's norm grows
    ~1 / lambda (c_z = 617 at lambda = 1e-8, keep hard, f = 0.5, 5 % flips, alpha_prune = 4), which a step capped at
    3 takes hundreds of steps to reach. (At theta > 0 a relative cap lets c_w run away from a cold start instead, and
    on the theta = 0 shared grid, uncertainty rules and logit channels, it cost 41 % more evaluations.)"""
    reach = np.ones_like(x)
    if problem.pieces is not None:
        reach[0] = max(abs(float(x[0])), 1.0)
    return reach


def _coarse_start(problem: ConvexProblem, x0: np.ndarray, max_iter: int) -> tuple[np.ndarray, float] | None:
    """(x, largest residual) of Newton's method on the coarse two-dimensional quadrature (COARSE_NODES a panel, ~1/4
    of an evaluation) from x0 until that residual is below COARSE_STOP: the start of Newton's method on the full
    quadrature, whose root it is within the coarse rule's error of (~1e-6), so that the full rule needs two or three
    steps; the full rule alone decides convergence. None where there is no coarse rule."""
    if not problem.coarse_start:
        return None
    problem.coarse = True
    try:
        x, res, _ = _newton_iterations(problem, x0, math.inf, max_iter, stop=COARSE_STOP)
    finally:
        problem.coarse = False
    return x, res


def _newton_iterations(problem: ConvexProblem, x0: np.ndarray, tol: float, max_iter: int,
                       stop: float | None = None) -> tuple[np.ndarray, float, bool]:
    """Newton's method with the analytic Jacobian from x0: each step capped at MAX_NEWTON_STEP in every unknown (in
    the units of :func:`_reach`) and halved (at most 30 times) until the largest residual decreases. Stops when
    that residual is below ``stop`` (default tol / 1000), when a full step is below 1e-14 (relative), or before a
    step once NEWTON_BUDGET evaluations are spent (its line search can add up to 30 more). (x, residual,
    accepted: residual below tol and the quadrature's mass check |M - 1| < 1e-9)."""
    stop = 1e-3 * tol if stop is None else stop
    with np.errstate(all="ignore"):
        r, jac, mass = problem.residual_and_jacobian(x0)
        x = np.asarray(x0, dtype=float)
        res = float(np.max(np.abs(r)))
        budget = problem.nfev + NEWTON_BUDGET
        for _ in range(max_iter):
            if not math.isfinite(res) or res < stop or problem.nfev > budget:
                break
            try:
                step = np.linalg.solve(jac, -r)
            except np.linalg.LinAlgError:
                break
            step *= min(1.0, MAX_NEWTON_STEP / max(float(np.max(np.abs(step) / _reach(problem, x))), 1e-300))
            t = 1.0
            for _ in range(30):
                trial = problem.residual_and_jacobian(x + t * step)
                if np.all(np.isfinite(trial[0])) and float(np.max(np.abs(trial[0]))) < res:
                    break
                t *= 0.5
            else:
                break
            x = x + t * step
            r, jac, mass = trial
            res = float(np.max(np.abs(r)))
            if t == 1.0 and np.max(np.abs(step) / np.maximum(np.abs(x), 1.0)) < 1e-14:
                break
    return x, res, bool(res < tol and abs(mass - 1.0) < 1e-9)


def _newton(problem: ConvexProblem, x0: np.ndarray, tol: float, analytic: bool = True
            ) -> tuple[np.ndarray, float, bool]:
    """The analytic Newton (:func:`_analytic_newton`; not if ``analytic`` is False), else MINPACK's hybr from x0."""
    if analytic:
        got = _analytic_newton(problem, x0, tol)
        if got[2]:
            return got
    with np.errstate(all="ignore"):
        sol = optimize.root(problem.residual, x0, method="hybr", options={"xtol": 1e-12})
    x = np.asarray(sol.x, dtype=float)
    return x, *_accept(problem, x, tol)


def _accept(problem: ConvexProblem, x: np.ndarray, tol: float) -> tuple[float, bool]:
    if not np.all(np.isfinite(x)):
        return math.inf, False
    with np.errstate(all="ignore"):
        r, mass = problem.residual_and_mass(x)
    if not np.all(np.isfinite(r)):
        return math.inf, False
    res = float(np.max(np.abs(r)))
    return res, bool(res < tol and abs(mass - 1.0) < 1e-9)


def solve_convex(params, *, x0=None, tol: float = DEFAULT_TOL) -> PointResult:
    """Solve the convex learner's fixed point at ``params`` (a :class:`theory.Params` whose learner is a loss of
    :mod:`theory.losses` with ridge L). ``x0``: a warm start, a neighbouring :class:`PointResult` (its order
    parameters, packed in this problem's units: :func:`_packed_start`) or the ``x`` of a neighbouring result.

    Ridgeless (L = 0) and max-margin points are solved as their own limits (:func:`ridgeless_problem`): the
    constraint loss of :mod:`theory.losses.constraints` at ridge 1 where the constraint can be met, else the
    fixed point at L = 0."""
    if params.probe_angle != 0.0 and unpruned(params):
        return _rotated(solve_convex(replace(params, probe_angle_deg=0.0), tol=tol), params)
    problem = ridgeless_problem(params)
    res = _solve_problem(problem, x0, tol)
    if not res.success and problem.constraint:  # again with the constraint's plain residual (_step_scale)
        plain = ConvexProblem(params, loss=problem.loss, lam=problem.lam, scaled=problem.cz_scale != 1.0)
        plain.balanced = False
        plain.nfev = problem.nfev
        retry = _solve_problem(plain, x0, tol)
        if retry.success:
            return retry
    if not res.success and problem.cz_scale == 1.0:
        # the same problem in the kept field's units (keep hard at small f with a ridge ~ gamma^2: c_z ~ 1/gamma)
        scaled = ConvexProblem(params, loss=problem.loss, lam=problem.lam, scaled=True)
        retry = _solve_problem(scaled, x0 if isinstance(x0, PointResult) else None, tol)
        scaled.nfev += problem.nfev
        if retry.success:
            return replace(retry, nfev=scaled.nfev)
    return res


def unpruned(params) -> bool:
    """True when the rule of ``params`` keeps every example (one window over the whole line with weight 1: every
    window rule at f = 1): the kept data are then the pool, whatever the probe, and the point does not depend on
    the probe angle."""
    try:
        windows = params.rule.windows(params.keep_fraction)
    except ValueError:  # weighted and label-aware rules
        return False
    return (windows.shape[0] == 1 and windows[0, 0] == -math.inf and windows[0, 1] == math.inf
            and windows[0, 2] == 1.0 and windows[0, 3] == 0.0)


def _rotated(res: PointResult, params) -> PointResult:
    """The result at theta = 0 of an unpruned point (:func:`unpruned`) as the point at the probe angle of ``params``:
    the in-plane student c_T along the teacher T = cos(theta) J_p + sin(theta) e_w has c_z = c_T cos(theta) and
    c_w = c_T sin(theta); sigma, V, eps and R do not change (the angle enters only through the basis)."""
    order = res.order
    theta = params.probe_angle
    cz, cw = order.c_z * math.cos(theta), order.c_z * math.sin(theta)
    x = (cz, cw, math.log(order.sigma), math.log(order.V)) if res.success else (math.nan,) * 4
    return replace(res, params=params, rho=cz / order.norm, q=x,
                   message=f"{res.message} (unpruned: solved at theta = 0, rotated)",
                   order=replace(order, c_z=cz, c_w=cw))


def ridgeless_problem(params) -> ConvexProblem:
    """The fixed-point problem of ``params``. For the max-margin learner (noisy labels, any rule): the margin
    constraint at ridge 1. For a loss at L = 0: its limit where it exists (``Loss.ridgeless_limit``): the margin
    constraint (the max-margin direction) below the separability line of the kept data, the interpolation
    constraint (the minimum-norm interpolator) below alpha_prune = 1; beyond, the unregularised minimiser (the
    fixed point at L = 0). A point on the other side of its line raises ``ValueError`` for the max-margin learner."""
    learner = params.learner
    if learner.is_max_margin:
        return ConvexProblem(params, loss=LIMITS["max-margin"], lam=1.0, scaled=True)
    if learner.lam != 0.0:
        return ConvexProblem(params)
    loss = learner.loss_function
    if limit_exists(params, loss.ridgeless_limit):
        return ConvexProblem(params, loss=LIMITS[loss.ridgeless_limit], lam=1.0, scaled=True)
    return ConvexProblem(params, loss=loss, lam=0.0, scaled=True)


def limit_exists(params, limit: str) -> bool:
    """True when the kept data of ``params`` meet the constraint of ``limit``: separable (``max-margin``:
    alpha_prune below :func:`theory.separability.separability_threshold`) or interpolable (``min-norm``:
    alpha_prune < 1)."""
    if limit == "min-norm":
        return params.alpha_prune < 1.0
    from theory.separability import separability_threshold

    return params.alpha_prune < separability_threshold(params).alpha_sep


SOFT_LOSS = {"max-margin": "hinge", "min-norm": "square"}  # the limit -> a loss whose small ridge approaches it
LIMIT_START_RIDGES = (1e-3, 1e-2, 1e-1)


def _limit_start(problem: ConvexProblem, tol: float) -> np.ndarray | None:
    """A start for a constraint loss at ridge 1 (theory.losses.constraints): the soft loss (hinge, square) at a small
    ridge L (in units of the kept probe field's scale squared, L / gamma^2 = 1e-3, 1e-2, 1e-1), whose student
    approaches the limit's as L -> 0, with its prox step rescaled, V' = L V (the limit's equations are the soft
    loss's as L -> 0 at fixed L V). None if no such ridge converges."""
    soft = get_loss(SOFT_LOSS[problem.loss.ridgeless_limit])
    for scaled_ridge in LIMIT_START_RIDGES:
        ridge = scaled_ridge * problem.cz_scale**2  # a ridge matters on the scale of the kept fields: lambda / gamma^2
        sub = ConvexProblem(problem.params, loss=soft, lam=ridge, scaled=problem.cz_scale != 1.0)
        res = _solve_problem(sub, None, tol)
        problem.nfev += sub.nfev
        if res.success:
            cz, cw, sigma, V = sub.unpack(np.array(res.q))
            return problem.pack(cz, cw, sigma, ridge * V)
    return None


LIMIT_START = object()  # the start of a constraint limit from its soft loss, computed only when reached


def _packed_start(problem: ConvexProblem, x0) -> np.ndarray | None:
    """The warm start in ``problem``'s unknowns: a neighbouring :class:`PointResult` by its order parameters
    (c_z, c_w, sigma, V), packed in this problem's units (:meth:`ConvexProblem.pack`: scaled or not, one or two
    overlaps); an array as given (already this problem's unknowns); None if neither is usable."""
    if isinstance(x0, PointResult):
        if x0.params.learner.lam == 0.0 and _solved_as_limit(x0.params) != problem.constraint:
            return None  # the neighbour is across the separability (or interpolation) line: its V means another thing
        order = x0.order
        V = order.V
        lam = x0.params.learner.lam  # a soft neighbour (ridge L > 0) of a constraint limit: its V is L V there
        if lam is not None and lam > 0.0 and problem.loss in LIMITS.values():
            V = lam * V
        if not (all(math.isfinite(v) for v in (order.c_z, order.c_w, order.sigma, V)) and order.sigma > 0.0
                and V > 0.0):
            return None
        return problem.pack(order.c_z, order.c_w, order.sigma, V)
    if x0 is not None and len(x0) == problem.n_c + 2 and np.all(np.isfinite(x0)):
        return np.asarray(x0, dtype=float)
    return None


def _solved_as_limit(params) -> bool:
    """Whether a ridgeless point (L = 0) is solved as its constraint limit (:func:`ridgeless_problem`)."""
    return limit_exists(params, params.learner.loss_function.ridgeless_limit)


def _solve_problem(problem: ConvexProblem, x0, tol: float) -> PointResult:
    params = problem.params
    best = None
    x0 = _packed_start(problem, x0)
    starts = [] if x0 is None else [x0]
    if problem.loss in LIMITS.values():
        starts.append(LIMIT_START)  # computed when reached: the soft loss at a small ridge (_limit_start)
    starts.append(None)
    for start in starts:
        if start is LIMIT_START:
            start = _limit_start(problem, tol)
            if start is None:
                continue
        if start is None:
            # the analytic Newton from two fixed-point steps (24 Kolossov points: 8.7 evaluations on average),
            # else from the bare guess (where the fixed-point map diverges; not on the theta = 0 window route, whose
            # cold starts fail there only at tiny ridges, as they do from two steps), else ten steps and hybr (on the
            # window route hybr alone)
            for steps in (2, 0) if problem.pieces is None else (2,):
                analytic = _analytic_newton(problem, problem.fixed_point_steps(problem.guess(), steps), tol)
                if analytic[2]:
                    break
            if analytic[2]:
                best = (analytic[0], analytic[1], True, "converged")
                break
            x = problem.fixed_point_steps(problem.guess(), 10)
        else:
            x = start
        # on the window route, a cold start whose analytic Newton failed (tiny ridges) goes on with hybr alone (a
        # second analytic run from ten steps failed there too: 432 cold grid points, 4.1 s with it, 2.4 s without)
        x, res, ok = _newton(problem, x, tol, analytic=start is not None or problem.pieces is None)
        if best is None or res < best[1]:
            best = (x, res, ok, "converged" if ok else "residual above tolerance")
        if ok:
            break
    if not best[2]:  # continuation in lambda from a strongly regularised problem
        lam = problem.lam
        x = None
        ridges = [lam * 10.0**k for k in (4, 3, 2, 1, 0.5, 0)] if lam > 0.0 else [1.0, 0.1, 0.01, 1e-3, 1e-4, 0.0]
        for ridge in ridges:
            sub = ConvexProblem(params, loss=problem.loss, lam=ridge, scaled=problem.cz_scale != 1.0)
            if x is None:
                x = sub.fixed_point_steps(sub.guess(), 10)
            x, res, ok = _newton(sub, x, tol)
            problem.nfev += sub.nfev
            if not ok:
                break
        if ok:
            res, ok = _accept(problem, x, tol)
            if ok or res < best[1]:
                best = (x, res, ok, "converged (continuation in lambda)" if ok else "residual above tolerance")
    if not best[2] and not problem.constraint:  # the same from a ridge strong on the kept field's scale
        got = _field_scale_continuation(problem, tol)
        if got is not None and (got[2] or got[1] < best[1]):
            best = (*got, "converged (continuation in lambda / E_kept[z^2])" if got[2] else "residual above tolerance")
    if not best[2] and problem.cz_scale != 1.0 and params.keep_fraction < F_REFERENCE:
        # a scaled problem tends to a fixed one as f -> 0 (the kept fields in units of their scale do not change):
        # the solution at a larger f, in scaled unknowns, starts Newton's method at this f
        f_ref = min(F_REFERENCE, 10.0 * params.keep_fraction)  # a decade up (recursively, up to F_REFERENCE)
        reference = ConvexProblem(replace(params, keep_fraction=f_ref), loss=problem.loss, lam=problem.lam,
                                  scaled=True)
        ref = _solve_problem(reference, None, tol)
        problem.nfev += reference.nfev
        if ref.success:
            x, res, ok = _newton(problem, np.array(ref.q), tol)
            if ok or res < best[1]:
                best = (x, res, ok, f"converged (from the scaled solution at f = {f_ref:g})" if ok else
                        "residual above tolerance")
    x, res, ok, message = best
    if not ok and res < tol and np.all(np.isfinite(x)):  # the equations hold: the quadrature's mass check failed
        with np.errstate(all="ignore"):
            mass = problem.residual_and_mass(x)[1]
        message = f"quadrature mass check failed (|M - 1| = {abs(mass - 1.0):.1e} > 1e-9; residual below tolerance)"
    return _result(problem, x, res, ok, message)


def _field_scale_continuation(problem: ConvexProblem, tol: float) -> tuple[np.ndarray, float, bool] | None:
    """(x, residual, accepted) by continuation in the ridge on the kept field's scale F = E_kept[z^2]: from
    lambda = 100 F (a cold start Newton's method finds: the student is then nearly the mean of y x) down by decades,
    each solution the next start, to the problem's lambda (through 1e-6 F, then 0, for lambda = 0). None if a step
    fails. The fallback of :func:`_solve_problem` where the continuation from lambda x 10^4 (or from 1 at lambda = 0)
    fails: square:0 and hinge:0 at keep easy, theta = 0, f <= 0.03, where F ~ 2 ln(1/f) is large."""
    scale = problem.field_scale2[0]
    top = 100.0 * scale
    if problem.lam >= top:
        return None
    bottom = problem.lam if problem.lam > 0.0 else 1e-6 * scale
    n = max(1, math.ceil(math.log10(top / bottom)))
    ridges = [*(top * (bottom / top) ** (k / n) for k in range(n + 1)), *([0.0] if problem.lam == 0.0 else [])]
    ridges[-1] = problem.lam  # exactly the problem's ridge at the end
    x = None
    for ridge in ridges:
        sub = ConvexProblem(problem.params, loss=problem.loss, lam=ridge, scaled=problem.cz_scale != 1.0)
        if x is None:
            x = sub.fixed_point_steps(sub.guess(), 10)
        x, res, ok = _newton(sub, x, tol)
        problem.nfev += sub.nfev
        if not ok:
            return None
    res, ok = _accept(problem, x, tol)
    return x, res, ok


F_REFERENCE = 0.01  # below it a scaled problem starts from its scaled solution a decade up (see _solve_problem)


def _result(problem: ConvexProblem, x: np.ndarray, res: float, ok: bool, message: str) -> PointResult:
    p = problem.params
    cz, cw, sigma, V = problem.unpack(x) if np.all(np.isfinite(x)) else (math.nan,) * 4
    theta = problem.theta
    eps = student_error(cz, cw, sigma, theta) if ok or math.isfinite(cz) else math.nan
    norm = math.sqrt(cz * cz + cw * cw + sigma * sigma)
    R = (cz * math.cos(theta) + cw * math.sin(theta)) / norm
    eps_noisy = problem.labels.noisy_error(eps, R) if math.isfinite(eps) else math.nan
    return PointResult(
        params=p, eps=eps, R=R, rho=cz / norm, success=ok, status=0 if ok else 1, message=message, residual=res,
        nfev=problem.nfev, route="hard-margin" if p.learner.is_max_margin else "convex",
        order=ConvexOrder(eps_noisy=eps_noisy, norm=norm, c_z=cz, c_w=cw, sigma=sigma, V=V),
        q=tuple(float(v) for v in x))
