"""A probe trained from data: the max-margin student of alpha_probe N independent, unpruned examples.

Its angle to the teacher is theta = pi eps(alpha_probe) (eps of random data at alpha_probe; the
Monte Carlo counterpart trains one per seed, ``simulations.probes``).
"""

from __future__ import annotations

import math

from theory.model import Params, validate_alpha
from theory.point import solve_point


def trained_probe_angle_deg(alpha_probe: float) -> float:
    """theta = 180 eps(alpha_probe) degrees; ``RuntimeError`` if the solver does not converge."""
    res = solve_point(Params(validate_alpha(alpha_probe, "probe_alpha")))
    if not res.success:
        raise RuntimeError(f"the saddle point of the probe did not converge at alpha = {alpha_probe:g}")
    return math.degrees(math.pi * res.eps)


def resolve_probe_angle(probe_angle_deg: float, probe_alpha: float | None) -> float:
    """The probe angle of a command line: ``--theta`` or, when given, the trained probe of ``--probe-alpha``
    (not both)."""
    if probe_alpha is None:
        return probe_angle_deg
    if probe_angle_deg != 0.0:
        raise ValueError("give either --theta or --probe-alpha, not both")
    return trained_probe_angle_deg(probe_alpha)
