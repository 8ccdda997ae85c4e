"""Replica theory of max-margin perceptron learning on margin-pruned data (Sorscher et al. 2022).

Public API::

    from theory import Params, solve_saddle
    res = solve_saddle(Params(alpha_prune=2.0, keep_fraction=0.2, keep="hard", probe_angle_deg=0.0))
    res.eps, res.R, res.kappa, res.success, res.residual
"""

from theory.model import KEEP_POLICIES, Params, window_edge
from theory.solver import SaddleResult, error_from_angles, solve_grid, solve_saddle

__all__ = ["KEEP_POLICIES", "Params", "SaddleResult", "solve_grid", "solve_saddle", "error_from_angles", "window_edge"]
