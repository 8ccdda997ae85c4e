r"""One model, one solve, one result: the theory's answer at any point (``docs/architecture.md``).

:func:`solve_point` answers a :class:`theory.Params` whatever its learner, rule and label channel. It asks the
routing table (:func:`route_for`) which solver owns the point, or why none does, and returns one result type,
:class:`PointResult`, for every route:

=============  ================================================  =============================================
route          owns                                              order parameters (``PointResult.order``)
=============  ================================================  =============================================
``max-margin`` the max-margin student on clean labels with a     :class:`MaxMarginOrder` (kappa, chi, beta):
               window rule (:mod:`theory.solver`, sections 1-7)  the saddle point of ``docs/theory.md`` 3
``hard-       the max-margin student otherwise (noisy labels,   :class:`ConvexOrder`: the convex fixed point
margin``       any rule) below the separability line: the        of the margin constraint at ridge 1
               margin constraint (:mod:`theory.losses.
               constraints`)
``convex``     every loss of :mod:`theory.losses` with ridge,    :class:`ConvexOrder` (c_z, c_w, sigma, V):
               every rule and label channel (:mod:`theory.       the fixed point of ``docs/theory.md`` 8
               convex`)
=============  ================================================  =============================================

The learner names its route (:attr:`theory.learners.Learner.route`, :func:`route_name`); a route refuses, with one
line, a point it cannot answer (:meth:`Route.check`): the same ``ValueError`` reaches ``theory.solve``,
``theory.frontier``, ``theory.pool``, ``simulations.run`` and ``simulations.sweep`` (exit 2 there). The Monte Carlo
reads the same table (:func:`route_for`) and fits the learner's student (:mod:`simulations.runner`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from theory.model import Params, validate_theory_keep_fraction
from theory.records import Record

POINT_FIELDS = ("alpha_prune", "alpha_total", "keep_fraction", "keep", "probe_angle_deg", "learner", "labels")
STATUS_MESSAGES = {
    0: "converged",
    1: "residual above tolerance",
    2: "not a maximum-margin solution (second-order condition fails)",
}


@dataclass(frozen=True)
class MaxMarginOrder:
    """The max-margin saddle point's own order parameters (``docs/theory.md`` section 3).

    kappa : margin of the unit student; chi : the student's angle out of the teacher-probe plane; beta : the
    in-plane angle from the probe; method : the root finder (``hybr`` or ``lm``); fallback : True when the nested
    maximisation (:mod:`theory.nested`) was needed.
    """

    kappa: float
    chi: float
    beta: float
    method: str
    fallback: bool

    RECORD_FIELDS: ClassVar[tuple[str, ...]] = ("eps", "R", "rho", "kappa", "success", "residual")


@dataclass(frozen=True)
class ConvexOrder:
    """The convex learner's fixed point (``docs/theory.md`` section 8).

    eps_noisy : the error against noisy test labels; norm : |u| = |w| / sqrt(N); c_z, c_w : the in-plane weights
    (along the probe and e_w); sigma : the orthogonal norm; V : the prox step (the susceptibility chi).
    """

    eps_noisy: float
    norm: float
    c_z: float
    c_w: float
    sigma: float
    V: float

    RECORD_FIELDS: ClassVar[tuple[str, ...]] = ("eps", "eps_noisy", "R", "rho", "norm", "sigma", "V", "success",
                                                "residual")


@dataclass(frozen=True)
class PointResult(Record):
    """The theory's answer at one point, for every route.

    Attributes
    ----------
    params : the point. Its fields read as attributes too, as strings: ``alpha_prune``, ``alpha_total``,
        ``keep_fraction``, ``keep``, ``probe_angle_deg``, ``learner``, ``labels``.
    eps : test error against the clean teacher, arccos(R) / pi; R : student-teacher overlap; rho : student-probe
        overlap.
    success : True when the residual is below the tolerance (and, for max-margin, the second-order condition
        holds); status : 0 converged, 1 residual above tolerance, 2 second-order condition fails; message : the
        status in words; residual : the largest scaled residual; nfev : evaluations of the equations.
    route : the route that answered (:data:`ROUTES`); order : that route's order parameters
        (:class:`MaxMarginOrder` or :class:`ConvexOrder`), also read as attributes (``res.kappa``, ``res.V``).
    q : the solver's unknowns, a warm start ``x0`` for a neighbouring point.

    ``record()`` is the route's tidy record: the point, then ``order.RECORD_FIELDS``.
    """

    params: Params = field(repr=False)
    eps: float
    R: float
    rho: float
    success: bool
    status: int
    message: str
    residual: float
    nfev: int
    route: str
    order: MaxMarginOrder | ConvexOrder
    q: tuple = field(repr=False, default=())

    def __getattr__(self, name: str) -> Any:
        # called only when normal lookup fails: the point's fields (as strings) and the route's order parameters
        if name.startswith("__") or name in ("params", "order"):
            raise AttributeError(name)
        params = self.__dict__.get("params")
        if name in POINT_FIELDS and params is not None:
            value = getattr(params, name)
            return value if isinstance(value, (int, float)) else str(value)
        order = self.__dict__.get("order")
        if order is not None and hasattr(order, name):
            return getattr(order, name)
        if name == "kappa" and self.__dict__.get("route") == "hard-margin":
            return 1.0 / order.norm  # the margin constraint's student has functional margin 1: kappa = 1 / |u|
        raise AttributeError(f"{type(self).__name__} of route {self.__dict__.get('route')!r} has no attribute "
                             f"{name!r}")

    @property
    def x(self) -> tuple:
        """The unknowns (the same as ``q``)."""
        return self.q

    def record(self) -> dict:
        """The point's fields, then the route's (``order.RECORD_FIELDS``), as plain numbers and strings."""
        return {name: getattr(self, name) for name in (*POINT_FIELDS, *self.order.RECORD_FIELDS)}


@dataclass(frozen=True)
class Route:
    """One solver of the theory: its name, the solve function, the keyword options it takes and its refusal.

    ``solve(params, x0=..., tol=..., **options)`` returns a :class:`PointResult`; ``refuse(params)`` returns the
    one-line reason the route cannot answer ``params``, or None; ``options`` are the keywords the solve takes
    beyond ``x0`` and ``tol``; ``default_tol`` its tolerance.
    """

    name: str
    solve: Callable[..., PointResult]
    refuse: Callable[[Params], str | None]
    options: tuple[str, ...]
    default_tol: float

    def check(self, params: Params) -> None:
        """Raise ``ValueError`` with the route's reason when it cannot answer ``params``."""
        reason = self.refuse(params)
        if reason is not None:
            raise ValueError(reason)


def _is_saddle_point(params: Params) -> bool:
    """The max-margin saddle point of sections 1-7 answers clean labels with a window rule."""
    if not params.labels.is_clean:
        return False
    try:
        params.rule.windows(params.keep_fraction)
    except ValueError:  # the rule is no window (weighted, label-aware)
        return False
    return True


def _hard_margin_refusal(params: Params) -> str | None:
    """The max-margin student exists only where the kept data are separable (:mod:`theory.separability`)."""
    from theory.separability import max_margin_refusal, separability_threshold

    if params.alpha_prune < separability_threshold(params).alpha_sep:
        return None
    return max_margin_refusal(params)


def _solve_max_margin(params: Params, **kwargs) -> PointResult:
    from theory.solver import solve_max_margin

    return solve_max_margin(params, **kwargs)


def _solve_convex(params: Params, **kwargs) -> PointResult:
    from theory.convex import solve_convex

    return solve_convex(params, **kwargs)


ROUTES: dict[str, Route] = {
    "max-margin": Route("max-margin", _solve_max_margin, lambda params: None, ("method", "options", "problem"),
                        1e-10),
    "hard-margin": Route("hard-margin", _solve_convex, _hard_margin_refusal, (), 1e-10),
    "convex": Route("convex", _solve_convex, lambda params: None, (), 1e-10),
}


def _solve_structured(params: Params, **kwargs) -> PointResult:
    from theory.structured import solve_structured

    return solve_structured(params, **kwargs)


def _structured_refusal(params: Params) -> str | None:
    from theory.structured import structured_refusal

    return structured_refusal(params)


# a Gaussian covariate case (params.data, docs/theory.md 9): every learner on its own prior side (theory.structured)
ROUTES["structured"] = Route("structured", _solve_structured, _structured_refusal, (), 1e-10)


CONVEX_ROUTES = ("convex", "hard-margin")  # the routes of theory.convex.solve_convex (one kind of warm start)


def route_name(params: Params) -> str:
    """The route of ``params``: its learner's (:attr:`theory.learners.Learner.route`), except that the max-margin
    student on noisy labels or with a rule that is no window is the margin constraint of the convex theory
    (``hard-margin``, :mod:`theory.losses.constraints`)."""
    name = params.learner.route
    if name == "max-margin" and not _is_saddle_point(params):
        return "hard-margin"
    return name


def route_for(params: Params) -> Route:
    """The route that answers ``params`` (:func:`route_name`), checked: ``ValueError`` with the route's reason when
    it cannot (the max-margin student beyond the separability line of noisy kept data)."""
    if not isinstance(params, Params):
        raise ValueError(f"params must be a theory.Params, got {type(params).__name__}")
    if not params.is_isotropic:  # the data model names the route
        ROUTES["structured"].check(params)
        return ROUTES["structured"]
    route = ROUTES[route_name(params)]
    route.check(params)
    return route


def solve_point(params: Params, *, x0: PointResult | Sequence[float] | None = None, tol: float | None = None,
                **options: Any) -> PointResult:
    """The theory at ``params`` (any learner, rule and label channel), by the route of :func:`route_for`.

    Parameters
    ----------
    params : the point.
    x0 : optional warm start: a neighbouring :class:`PointResult` (the convex route reads its order parameters,
        so a neighbour solved in other units or at another ridge starts it as well; a result of another route is
        ignored), or the ``q`` of a neighbouring result of the same route.
    tol : acceptance threshold on the largest scaled residual (default: the route's, 1e-10 on both).
    options : keywords of the route (max-margin: ``method`` "hybr" or "lm", ``options`` for
        ``scipy.optimize.root``, ``problem`` a prebuilt :class:`theory.saddle.Problem`). A keyword the route does
        not take raises ``ValueError``.

    Returns
    -------
    PointResult. Invalid input (f below ``theory.model.THEORY_KEEP_FRACTION_RANGE`` included), or a point no route
    answers, raises ``ValueError`` (one line); non-convergence is ``success = False`` with the residual.
    """
    route = route_for(params)
    validate_theory_keep_fraction(params.keep_fraction)  # the range where the solvers are tested to converge
    unknown = sorted(set(options) - set(route.options))
    if unknown:
        takes = ", ".join(route.options) or "no options"
        raise ValueError(f"the {route.name} route (learner {params.learner}) takes {takes}; got {', '.join(unknown)}")
    if tol is None:
        tol = route.default_tol
    if not (isinstance(tol, (int, float)) and not isinstance(tol, bool) and math.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a finite number > 0, got {tol!r}")
    return route.solve(params, x0=_warm_start(x0, route), tol=float(tol), **options)


def _warm_start(x0: PointResult | Sequence[float] | None, route: Route) -> PointResult | Sequence[float] | None:
    """What the route's solve takes as a warm start: a neighbouring result as it is for the convex solver
    (:func:`theory.convex.solve_convex` packs its order parameters in its own units), its ``q`` for the others; a
    result of another route or that did not converge starts nothing."""
    if not isinstance(x0, PointResult):
        return x0
    if not x0.success:
        return None
    if route.solve is _solve_convex:
        return x0 if x0.route in CONVEX_ROUTES else None
    return x0.q if x0.route == route.name else None


def solve_saddle(params: Params, *, x0: Sequence[float] | None = None, tol: float | None = None,
                 **options: Any) -> PointResult:
    """The former name of :func:`solve_point` (kept: the README, the tutorial and users' scripts call it)."""
    return solve_point(params, x0=x0, tol=tol, **options)


def warn_unknown_options(options: dict, known: set[str], method: str) -> dict:
    """``options`` without the keys ``known`` does not hold, each dropped with a warning (as scipy does)."""
    options = dict(options)
    for key in list(options):
        if key not in known:
            warnings.warn(f"unknown option {key!r} for method {method!r} ignored", stacklevel=3)
            options.pop(key)
    return options
