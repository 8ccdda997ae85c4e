"""Probes trained from data, for the Monte Carlo (``--probe``):

* ``fixed`` (default): the probe at the exact angle theta of ``params`` (the model of docs/theory.md).
* ``alpha:A``: the probe is the max-margin student of round(A N) independent teacher-labelled examples,
  retrained for every seed. The pool is independent of it and isotropic, so pruning by it is pruning by a
  probe at its realised angle theta = angle(probe, T): the kept set is drawn exactly by
  :func:`simulations.data.sample_pruned` at that angle. The theory's counterpart is theta = pi eps(A)
  (:func:`theory.probe.trained_probe_angle_deg`).
* ``self``: the probe is trained on the very pool it prunes (as practitioners do), so the pool is not
  independent of it: the whole pool is drawn, the max-margin probe trained on all of it, the rule applied
  to its margins (``Rule.select``). Its realised angle is reported, to compare the student's error with
  the theory at that angle: the gap measures how wrong the independence assumption is.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from simulations.data import PrunedData, _kept_inputs, pool_sizes, sample_pruned, teacher_and_probe
from simulations.student import fit_max_margin
from theory.model import Params, validate_alpha

MAX_SELF_POOL_BYTES = 4 * 2**30  # "self" needs the whole pool in memory


def parse_probe(spec: str) -> str:
    """Canonical probe string: 'fixed', 'alpha:A' (A > 0) or 'self'; ValueError otherwise."""
    if spec in ("fixed", "self"):
        return spec
    kind, sep, value = str(spec).partition(":")
    if kind == "alpha" and sep:
        try:
            a = float(value)
        except ValueError:
            raise ValueError(f"probe alpha:A needs a number A > 0, got {spec!r}") from None
        return f"alpha:{validate_alpha(a, 'probe alpha'):.12g}"
    raise ValueError(f"probe must be 'fixed', 'alpha:A' or 'self', got {spec!r}")


def probe_option(probe: str, probe_alpha: float | None, *angles_deg: float) -> str:
    """The probe string of the command-line options ``--probe fixed|self`` and ``--probe-alpha A``."""
    if probe_alpha is not None:
        if probe == "self":
            raise ValueError("give either --probe self or --probe-alpha, not both")
        if any(t != 0.0 for t in angles_deg):
            raise ValueError("give either --theta or --probe-alpha, not both (a trained probe has its own angle)")
        return parse_probe(f"alpha:{probe_alpha!r}")
    if probe == "self" and any(t != 0.0 for t in angles_deg):
        raise ValueError("give either --theta or --probe self, not both (a trained probe has its own angle)")
    return parse_probe(probe)


def _angle_deg(direction: np.ndarray, teacher: np.ndarray) -> float:
    cos = float(direction @ teacher / np.linalg.norm(direction))
    return math.degrees(math.atan2(math.sqrt(max(0.0, 1.0 - cos * cos)), cos))


def sample_with_probe(params: Params, n: int, seed, probe: str = "fixed") -> tuple[PrunedData, float]:
    """The kept set of one seed and the realised probe angle in degrees (see the module doc)."""
    probe = parse_probe(probe)
    if probe == "fixed":
        return sample_pruned(params, n, seed), params.probe_angle_deg
    rng = np.random.default_rng([*np.atleast_1d(seed).tolist(), 7919])  # the probe's own stream
    teacher, _, _ = teacher_and_probe(n, 0.0)
    if probe.startswith("alpha:"):
        m = max(1, int(round(float(probe[6:]) * n)))
        Z_probe, _ = _kept_inputs(rng, rng.standard_normal(m), -rng.standard_normal(m), n, 0.0)  # unpruned data
        angle_deg = min(_angle_deg(fit_max_margin(Z_probe).direction, teacher), 89.999)
        return sample_pruned(replace(params, probe_angle_deg=angle_deg), n, seed), angle_deg
    # self: the whole pool, a probe trained on it, the rule applied to its margins
    n_pool, n_keep = pool_sizes(n, params.alpha_prune, params.keep_fraction)
    if n_pool * n * 8 > MAX_SELF_POOL_BYTES:
        raise ValueError(f"--probe self needs the whole pool in memory ({n_pool} x {n}); lower alpha_prune / f or n")
    Z_pool, y = _kept_inputs(rng, rng.standard_normal(n_pool), -rng.standard_normal(n_pool), n, 0.0)
    X = y[:, None] * Z_pool
    direction = fit_max_margin(Z_pool).direction
    kept = params.rule.select(rng, X @ direction, n_keep, params.keep_fraction, y)
    if kept.size == 0:
        raise ValueError("the rule kept no example of the pool; increase alpha_prune or n")
    data = PrunedData(Z=Z_pool[kept], y=y[kept], teacher=teacher, probe=direction / np.linalg.norm(direction),
                      n_pool=n_pool)
    return data, _angle_deg(direction, teacher)
