"""The Pareto frontier of pruning: the best achievable error at a data budget, and what it implies.

* :func:`frontier_point` (:mod:`theory.frontier.api`) — eps*(alpha_prune, theta; f_floor) = min over the rules
  and f in [f_floor, 1] of eps, with the minimiser (:class:`FrontierPoint`); :func:`frontier`, :func:`f_min`.
* the search over f, rules and rule families (:mod:`theory.frontier.search`): :func:`minimize_over_f` returns
  an :class:`Optimum`; the pool view (:mod:`theory.pool`) uses the same search.
* scaling-law fits (:mod:`theory.frontier.fits`): :func:`information_per_example` (I = -d ln sin(pi eps) /
  d alpha_prune), :func:`fit_scaling`, :func:`local_exponent`.

The command line is ``python -m theory.frontier`` (:mod:`theory.frontier.__main__`); the library never imports it.
"""

from theory.frontier.api import (
    DEFAULT_MIN_KEEP_FRACTION,
    N_RIDGE_SCAN,
    RIDGE_RANGE,
    FrontierPoint,
    KeepFractionFloor,
    best_ridge_at,
    check_existence,
    check_routes,
    f_min,
    frontier,
    frontier_point,
)
from theory.frontier.fits import ScalingFit, fit_scaling, information_per_example, local_exponent
from theory.frontier.search import (
    FAMILIES,
    N_FAMILY_SCAN,
    N_SCAN,
    KeepSpec,
    Optimum,
    Setting,
    as_setting,
    best_of_family,
    converged_point,
    minimize,
    minimize_over_f,
    rule_at,
    validate_keeps,
)

__all__ = [
    "DEFAULT_MIN_KEEP_FRACTION", "FAMILIES", "N_FAMILY_SCAN", "N_RIDGE_SCAN", "N_SCAN", "RIDGE_RANGE", "FrontierPoint",
    "KeepFractionFloor", "KeepSpec", "Optimum", "ScalingFit", "Setting", "as_setting", "best_of_family",
    "best_ridge_at",
    "check_existence", "check_routes", "converged_point", "f_min", "fit_scaling", "frontier", "frontier_point",
    "information_per_example", "local_exponent", "minimize", "minimize_over_f", "rule_at", "validate_keeps",
]
