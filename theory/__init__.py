"""Replica theory of max-margin perceptron learning on margin-pruned data (Sorscher et al. 2022).

The equations, their derivation and the regimes are in ``docs/theory.md``. Public API::

    from theory import Params, solve_saddle, generalization_error
    res = solve_saddle(Params(alpha_prune=2.0, keep_fraction=0.2, keep="hard", probe_angle_deg=0.0))
    res.eps, res.R, res.kappa, res.success, res.residual
    generalization_error([1.0, 2.0, 4.0], 0.2, "hard", [[0.0], [10.0]])   # broadcasts, shape (2, 3)

The frontier and the pool view are in :mod:`theory.frontier`.
"""

from theory.broadcast import generalization_error
from theory.model import ALPHA_RANGE, KEEP_POLICIES, Params, window_edge
from theory.solver import SaddleResult, error_from_angles, solve_grid, solve_saddle

__all__ = ["ALPHA_RANGE", "KEEP_POLICIES", "Params", "SaddleResult", "error_from_angles", "generalization_error",
           "solve_grid", "solve_saddle", "window_edge"]
