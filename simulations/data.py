"""Teacher, probe, Gaussian inputs and pruning by probe margin: the one data sampler.

Model (``docs/theory.md``): x ~ N(0, I_N); teacher T and probe J_p = cos(theta) T + sin(theta) v
are unit vectors with v orthogonal to T; y = sign(T.x). Of P = round(alpha_tot N) examples the
``n_keep = round(f P)`` with the smallest |J_p.x| (hard) or the largest (easy) are kept.

``sample_pruned`` is exact in distribution but draws only what it needs: the teacher and v fields
(t, u) of all P examples (independent standard normals, since T and v are orthonormal), the probe
field z = cos(theta) t + sin(theta) u, the pruning decided on z, and then the N - 2 orthogonal
directions for the kept examples alone: x = t T + u v + (I - T T^T - v v^T) g with g ~ N(0, I_N).
Its cost is O(P + f P N) instead of O(P N). ``sample_direct`` draws all P full inputs, for tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theory.model import validate_alpha, validate_keep, validate_keep_fraction, validate_probe_angle_deg


@dataclass(frozen=True)
class PrunedData:
    """A pruned training set.

    Attributes
    ----------
    X : [n_keep, N] kept inputs.  y : [n_keep] labels sign(T.x).
    teacher : [N] unit teacher T.  probe : [N] unit probe J_p at angle theta to T.
    n_pool : P, the number of examples before pruning.
    """

    X: np.ndarray
    y: np.ndarray
    teacher: np.ndarray
    probe: np.ndarray
    n_pool: int

    @property
    def Z(self) -> np.ndarray:
        """[n_keep, N] label-signed inputs z_mu = y_mu x_mu (the max-margin constraints Z w >= 1)."""
        return self.y[:, None] * self.X


def pool_sizes(n: int, alpha_prune: float, keep_fraction: float) -> tuple[int, int]:
    """(P, n_keep): P = round(alpha_tot N) with alpha_tot = alpha_prune / f, n_keep = round(f P)."""
    if isinstance(n, bool) or int(n) != n or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    alpha = validate_alpha(alpha_prune)
    f = validate_keep_fraction(keep_fraction)
    n_pool = int(round(alpha / f * n))
    n_keep = int(round(f * n_pool))
    if n_keep < 1:
        raise ValueError(f"alpha_prune * n = {alpha * n:g} keeps no example; increase alpha_prune or n")
    return n_pool, n_keep


def teacher_and_probe(rng: np.random.Generator, n: int, probe_angle_deg: float):
    """Random unit teacher T, unit v orthogonal to T, and probe J_p = cos(theta) T + sin(theta) v."""
    theta = math.radians(validate_probe_angle_deg(probe_angle_deg))
    teacher = rng.standard_normal(n)
    teacher /= np.linalg.norm(teacher)
    v = rng.standard_normal(n)
    v -= (v @ teacher) * teacher
    v /= np.linalg.norm(v)
    return teacher, v, math.cos(theta) * teacher + math.sin(theta) * v


def select_by_margin(probe_margin: np.ndarray, n_keep: int, keep: str) -> np.ndarray:
    """Indices (sorted) of the n_keep smallest (hard) or largest (easy) |probe margin|."""
    validate_keep(keep)
    size = np.abs(probe_margin)
    n = size.size
    if not 1 <= n_keep <= n:
        raise ValueError(f"n_keep must be in [1, {n}], got {n_keep}")
    if n_keep == n:
        return np.arange(n)
    if keep == "hard":
        idx = np.argpartition(size, n_keep - 1)[:n_keep]
    else:
        idx = np.argpartition(size, n - n_keep)[n - n_keep:]
    return np.sort(idx)


def sample_pruned(
    n: int, alpha_prune: float, keep_fraction: float, keep: str, probe_angle_deg: float, seed
) -> PrunedData:
    """Draw a pool, prune it by probe margin, and return the kept set (fields first; see module doc)."""
    n_pool, n_keep = pool_sizes(n, alpha_prune, keep_fraction)
    rng = np.random.default_rng(seed)
    teacher, v, probe = teacher_and_probe(rng, n, probe_angle_deg)
    theta = math.radians(probe_angle_deg)
    fields = rng.standard_normal((n_pool, 2))  # (t, u) = (T.x, v.x)
    z = math.cos(theta) * fields[:, 0] + math.sin(theta) * fields[:, 1]
    kept = select_by_margin(z, n_keep, keep)
    t, u = fields[kept, 0], fields[kept, 1]
    g = rng.standard_normal((n_keep, n))
    X = g - np.outer(g @ teacher, teacher) - np.outer(g @ v, v) + np.outer(t, teacher) + np.outer(u, v)
    return PrunedData(X=X, y=_labels(t), teacher=teacher, probe=probe, n_pool=n_pool)


def sample_direct(
    n: int, alpha_prune: float, keep_fraction: float, keep: str, probe_angle_deg: float, seed
) -> PrunedData:
    """Reference sampler: all P inputs in full, then pruning. Same distribution as ``sample_pruned``."""
    n_pool, n_keep = pool_sizes(n, alpha_prune, keep_fraction)
    rng = np.random.default_rng(seed)
    teacher, _, probe = teacher_and_probe(rng, n, probe_angle_deg)
    X = rng.standard_normal((n_pool, n))
    kept = select_by_margin(X @ probe, n_keep, keep)
    X = X[kept]
    return PrunedData(X=X, y=_labels(X @ teacher), teacher=teacher, probe=probe, n_pool=n_pool)


def _labels(t: np.ndarray) -> np.ndarray:
    return np.where(t >= 0.0, 1.0, -1.0)
