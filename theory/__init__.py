"""Replica theory of perceptron learning on margin-pruned data (Sorscher et al. 2022): the max-margin student
and convex learners (hinge, logistic, square, squared hinge, with ridge), every selection rule, noisy labels.

The equations, their derivation and the regimes are in ``docs/theory.md``; how a request flows through the
package is ``docs/architecture.md``. Public API::

    from theory import Params, solve_point, generalization_error
    res = solve_point(Params(alpha_prune=2.0, keep_fraction=0.2, keep="hard", probe_angle_deg=0.0))
    res.eps, res.R, res.kappa, res.success, res.residual       # solve_saddle (the former name) does the same
    solve_point(Params(2.0, 0.2, "hard", learner="logistic:0.01", labels="flip:0.1")).V
    generalization_error([1.0, 2.0, 4.0], 0.2, "hard", [[0.0], [10.0]])   # broadcasts, shape (2, 3)

The frontier and the pool view are in :mod:`theory.frontier`.
"""

from theory.broadcast import generalization_error
from theory.model import ALPHA_RANGE, KEEP_POLICIES, Params, window_edge
from theory.point import ConvexOrder, MaxMarginOrder, PointResult, route_for, solve_point, solve_saddle
from theory.provenance import PACKAGE_VERSION as __version__
from theory.solver import SaddleResult, error_from_angles, solve_grid

__all__ = ["ALPHA_RANGE", "KEEP_POLICIES", "ConvexOrder", "MaxMarginOrder", "Params", "PointResult", "SaddleResult",
           "__version__", "error_from_angles", "generalization_error", "route_for", "solve_grid", "solve_point",
           "solve_saddle", "window_edge"]
