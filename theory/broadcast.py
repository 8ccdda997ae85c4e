"""eps(alpha_prune, f, keep, theta) as a broadcasting function of arrays, like a ``scipy.special`` ufunc.

    >>> from theory import generalization_error
    >>> generalization_error([1.0, 2.0, 4.0], 0.1, "hard", 0.0)      # doctest: +SKIP
    array([...])

Every point is one :func:`theory.solver.solve_saddle`; consecutive points (in C order) with the same
keep policy and probe angle are warm-started from each other, which is the cheap direction along a
grid. A point where the solver reports failure (``success`` False; none on the domain the solver is
tested on, see ``python -m benchmarks.convergence_map``) is NaN, and one ``RuntimeWarning`` says how
many there are. Invalid input raises ``ValueError`` before anything is solved.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike

from theory.model import Params
from theory.point import solve_point


def generalization_error(alpha_prune: ArrayLike, keep_fraction: ArrayLike = 1.0, keep: ArrayLike = "hard",
                         probe_angle_deg: ArrayLike = 0.0) -> np.ndarray | float:
    """Test error eps = arccos(R) / pi of the max-margin student on clean labels, broadcast over the arguments
    (other learners and label channels: :func:`theory.solve_saddle` with ``Params(learner=..., labels=...)``).

    Parameters
    ----------
    alpha_prune : budget(s) alpha_prune = f P / N.
    keep_fraction : fraction(s) f in (0, 1] of the pool kept.
    keep : a selection rule (``"hard"``, ``"easy"``, ``"random"``, ``"band:S"``, ``"mix:M"``, ``"soft:T"``; see
        :mod:`theory.rules`) or an array of them.
    probe_angle_deg : probe angle(s) theta in degrees, in [0, 90).

    Returns
    -------
    An array of the broadcast shape (a float for scalar input); NaN where the solver did not converge.
    """
    arrays = np.broadcast_arrays(np.asarray(alpha_prune, dtype=float), np.asarray(keep_fraction, dtype=float),
                                 np.asarray(keep), np.asarray(probe_angle_deg, dtype=float))
    shape = arrays[0].shape
    flat = [a.ravel() for a in arrays]
    points = [Params(float(a), float(f), str(k), float(t)) for a, f, k, t in zip(*flat)]  # validate all first
    eps = np.empty(len(points))
    previous, warm = None, None
    failed = 0
    for i, params in enumerate(points):
        same_family = previous is not None and (params.keep, params.probe_angle_deg) == previous
        res = solve_point(params, x0=warm if same_family else None)
        eps[i] = res.eps if res.success else np.nan
        failed += not res.success
        warm = res.q if res.success else None
        previous = (params.keep, params.probe_angle_deg)
    if failed:
        warnings.warn(f"the saddle-point solver did not converge at {failed} of {len(points)} points (NaN there)",
                      RuntimeWarning, stacklevel=2)
    eps = eps.reshape(shape)
    return float(eps) if eps.ndim == 0 else eps
