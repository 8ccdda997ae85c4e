r"""Monte Carlo on a Gaussian covariate case (``docs/theory.md`` section 9): the exact pruned sampler extended to Sigma.

For a point whose data model is a :class:`theory.covariance.Case` (``params.data``) the kept examples are drawn as
the isotropic sampler draws them (:mod:`simulations.data`): the kept probe fields z by the rule's order statistics
(``Rule.kept_margins``; label-aware rules: ``LabelAwareRule.sample``), the other in-plane field w (a standard
normal, drawn as -w), the label from the channel on t = cos(theta) z + sin(theta) w; no pool is drawn. The rest of
x is conditionally Gaussian: in the whitened coordinates g (x = sqrt(lambda) g) the probe's and the teacher's
fields are e_1 . g and cos(theta) e_1 . g + sin(theta) e_2 . g, so

    g = g_0 - E E' g_0 + E (z, w)',    g_0 ~ N(0, I_N),    E = [e_1, e_2]

has exactly the law of g given (z, w), and x = sqrt(lambda) g (:func:`conditional_inputs`). The normals g_0 are
drawn by the isotropic sampler's own generator call (:func:`simulations.data._fill_standard_normal`, a block of rows
at a time, the rows in order: the numbers ``rng.standard_normal((n_keep, N))`` would draw), then each row, still
in cache, gets its one or two projections E' g_0 (vectorised sums) and one fused pass of the rank-one or rank-two
correction and the scaling; O(n_keep N), no temporaries. The rows stored are the label-signed inputs y x, in the
case's eigenbasis.

**Dimension.** A case has its own N. The Monte Carlo at dimension n uses the case tiled m = n / N times
(:func:`tiled_geometry`: every eigenvalue, and the teacher's and the probe's coordinates, repeated m times; the
teacher's and the probe's fields renormalised), which leaves the theory unchanged (the same spectral measure and
the same overlaps; tested), so that eps_n -> eps_theory as n -> infinity along n = m N and the 1/n extrapolation
of :func:`simulations.runner.extrapolate` applies. n must be a multiple of N.

**Test error** on clean labels: eps = angle(sqrt(lambda) u, sqrt(lambda) T) / pi = arccos(u' Sigma T /
sqrt(u' Sigma u T' Sigma T)) / pi, computed as an atan2 (no cancellation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from simulations.data import MAX_KEPT_BYTES, PrunedData, _fill_standard_normal, pool_sizes
from simulations.measure import generalization_error
from theory.covariance import Case, Geometry
from theory.labels import LabelChannel
from theory.model import Params


@dataclass(frozen=True)
class StructuredData:
    """A kept set on a case: the pruned data (rows y x in the eigenbasis; ``teacher`` and ``probe`` their
    coordinates, field-normalised) and the tiled geometry it was drawn from."""

    data: PrunedData
    geo: Geometry

    def error(self, u: np.ndarray) -> float:
        """eps = angle(u, T) / pi in the Sigma metric (module docstring)."""
        rs = self.geo.rs
        tau = rs * self.data.teacher
        return generalization_error(rs * u, tau / np.linalg.norm(tau))

    def probe_overlap(self, u: np.ndarray) -> float:
        """rho = u' Sigma J / sqrt(u' Sigma u) (J field-normalised)."""
        v = self.geo.rs * u
        return float(v @ self.geo.e[:, 0] / np.linalg.norm(v))


def tiled_geometry(case: Case, probe_angle_deg: float, n: int) -> Geometry:
    """The geometry of ``case`` tiled m = n / N times (module docstring); ``ValueError`` unless N divides n."""
    N = case.n
    if isinstance(n, bool) or int(n) != n or n < N or n % N:
        raise ValueError(f"n must be a multiple of the case's N = {N} (the Monte Carlo tiles the case), got {n!r}")
    geo = case.geometry(probe_angle_deg)
    m = int(n) // N
    if m == 1:
        return geo
    s = np.tile(geo.s, m)
    e = np.ascontiguousarray(np.tile(geo.e, (m, 1)) / math.sqrt(m))
    rs = np.sqrt(s)
    return Geometry(s=s, rs=rs, e=e, U=rs[:, None] * e, probe=np.tile(geo.probe, m) / math.sqrt(m),
                    teacher=np.tile(geo.teacher, m) / math.sqrt(m), theta=geo.theta)


BLOCK_BYTES = 2**18  # rows drawn per block in the conditional fill: ~256 KiB, so that the block is still in cache


@njit(fastmath={"reassoc"}, cache=True)
def _project(row, e0, e1):
    """(e0 . row, e1 . row), the two sums vectorised (``reassoc``: the summation order is the SIMD width's)."""
    p0 = 0.0
    p1 = 0.0
    for j in range(row.size):
        p0 += row[j] * e0[j]
        p1 += row[j] * e1[j]
    return p0, p1


@njit(fastmath={"reassoc"}, cache=True)
def _project1(row, e0):
    """e0 . row, vectorised as :func:`_project`."""
    p0 = 0.0
    for j in range(row.size):
        p0 += row[j] * e0[j]
    return p0


@njit(cache=True)
def _fill_conditional(rng, out, rs, e, fields, y, rows):
    """out[i] = y_i sqrt(lambda) (g_i - E E' g_i + E fields_i), g_i ~ N(0, I_N) i.i.d.: the law of the whitened
    input g given E' g = fields_i (module docstring), label-signed and scaled. The normals come from the isotropic
    sampler's generator call (:func:`simulations.data._fill_standard_normal`: numpy's ziggurat through numba, the
    rows in order, ``rows`` rows at a time), then each row, still in cache, gets its projections E' g_i and one
    fused correction pass (the rank-one or rank-two update and the scaling); no temporaries."""
    n_keep = out.shape[0]
    k = e.shape[1]
    e0 = np.ascontiguousarray(e[:, 0])
    e1 = np.ascontiguousarray(e[:, k - 1])
    a = rs * e0
    b = rs * e1
    for i0 in range(0, n_keep, rows):
        i1 = min(i0 + rows, n_keep)
        _fill_standard_normal(rng, out[i0:i1])
        for i in range(i0, i1):
            row = out[i]
            scale = y[i]
            if k == 2:
                g0, g1 = _project(row, e0, e1)
                p0 = fields[i, 0] - g0
                p1 = fields[i, 1] - g1
                for j in range(row.size):
                    row[j] = scale * (row[j] * rs[j] + p0 * a[j] + p1 * b[j])
            else:  # theta = 0: one special direction
                p0 = fields[i, 0] - _project1(row, e0)
                for j in range(row.size):
                    row[j] = scale * (row[j] * rs[j] + p0 * a[j])


def conditional_inputs(rng: np.random.Generator, geo: Geometry, fields: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The label-signed inputs y_i x_i (rows, in the case's eigenbasis) of examples whose fields are given: x_i =
    sqrt(lambda) g_i with g_i ~ N(0, I_N) conditioned on E' g_i = fields_i (E = ``geo.e``: the probe's field
    e_1 . g and, for theta > 0, e_2 . g), i.e. g_i = g0_i - E E' g0_i + E fields_i with g0_i the standard normals
    ``rng.standard_normal((n_rows, N))`` would draw (the same numbers, the generator left in the same state).

    fields : [n_rows, geo.n_c]; y : [n_rows] labels (+-1). O(n_rows N) time, no memory beyond the result."""
    fields = np.ascontiguousarray(fields, dtype=float)
    y = np.ascontiguousarray(y, dtype=float)
    n = geo.s.size
    if fields.ndim != 2 or fields.shape[1] != geo.n_c or y.shape != (fields.shape[0],):
        raise ValueError(f"fields must be [n_rows, {geo.n_c}] and y [n_rows], got {fields.shape} and {y.shape}")
    Z = np.empty((fields.shape[0], n))
    _fill_conditional(rng, Z, geo.rs, geo.e, fields, y, max(1, BLOCK_BYTES // (8 * n)))
    return Z


def sample_structured(params: Params, n: int, seed) -> StructuredData:
    """The kept set of a pool pruned by ``params.rule`` on the case ``params.data`` at dimension n (a multiple of the
    case's N), exactly in distribution (module docstring); O(n_keep n) whatever the pool size."""
    if not isinstance(params, Params) or not isinstance(params.data, Case):
        raise ValueError("sample_structured needs a theory.Params whose data is a Gaussian covariate case")
    geo = tiled_geometry(params.data, params.probe_angle_deg, n)
    n_pool, n_keep = pool_sizes(n, params.alpha_prune, params.keep_fraction)
    if n_keep * n * 8 > MAX_KEPT_BYTES:
        raise ValueError(f"the kept set ({n_keep} x {n} inputs, {n_keep * n * 8 / 2**30:.1f} GiB) does not fit "
                         f"in memory (limit {MAX_KEPT_BYTES / 2**30:.0f} GiB); lower alpha_prune or n")
    rng = np.random.default_rng(seed)
    theta = geo.theta
    channel = LabelChannel.parse(params.labels)
    if params.rule.sees_labels:
        z, w, y = params.rule.sample(rng, n_pool, n_keep, params.keep_fraction, params.labels, params.probe_angle)
    else:
        z = params.rule.kept_margins(rng, n_pool, n_keep, params.keep_fraction)
        if z.size == 0:
            raise ValueError(f"the soft rule kept no example of a pool of {n_pool}; increase alpha_prune or n")
        w = -rng.standard_normal(z.size)
        y = channel.sample(rng, math.cos(theta) * z + math.sin(theta) * w)
    Z = conditional_inputs(rng, geo, np.column_stack([z, w])[:, :geo.n_c], y)
    data = PrunedData(Z=Z, y=np.asarray(y, dtype=float), teacher=geo.teacher, probe=geo.probe, n_pool=n_pool)
    return StructuredData(data, geo)


def sample_structured_direct(params: Params, n: int, seed) -> StructuredData:
    """Reference sampler: the whole pool x = sqrt(lambda) g, its labels and the rule's literal selection on the probe
    field (``Rule.select``); the tests compare it with :func:`sample_structured`."""
    geo = tiled_geometry(params.data, params.probe_angle_deg, n)
    n_pool, n_keep = pool_sizes(n, params.alpha_prune, params.keep_fraction)
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((n_pool, n))
    z = G @ geo.e[:, 0]
    tau = math.cos(geo.theta) * geo.e[:, 0] + (math.sin(geo.theta) * geo.e[:, 1] if geo.n_c == 2 else 0.0)
    channel = LabelChannel.parse(params.labels)
    y = channel.sample(rng, G @ tau)
    if params.rule.sees_labels:
        kept = params.rule.select(rng, z, n_keep, params.keep_fraction, y)
    else:
        kept = params.rule.select(rng, z, n_keep, params.keep_fraction)
    X = G[kept] * geo.rs
    data = PrunedData(Z=y[kept, None] * X, y=y[kept], teacher=geo.teacher, probe=geo.probe, n_pool=n_pool)
    return StructuredData(data, geo)


def run_structured_chunk(unit) -> list:
    """The per-seed values (:class:`simulations.runner.SeedValue`) of one work unit on a case: sample
    (:func:`sample_structured`), fit the route's student (max-margin: :func:`simulations.student.fit_max_margin`,
    convex: :func:`simulations.convex_student.fit_convex`), measure eps in the Sigma metric."""
    from simulations.convex_student import fit_convex
    from simulations.runner import SeedValue, warm_start_for
    from simulations.student import fit_max_margin

    params, n, seed, indices, backend, probe = unit
    if probe != "fixed":
        raise ValueError(f"a Gaussian covariate case takes the fixed probe of its geometry, got probe {probe}")
    out = []
    for i in indices:
        d = sample_structured(params, n, [seed, n, i])
        if params.learner.is_max_margin:
            J = d.data.probe / np.linalg.norm(d.data.probe)
            fit = fit_max_margin(d.data.Z, warm_start=warm_start_for(params), tiny_direction=J)
        else:
            fit = fit_convex(d.data.Z, params.learner)
        out.append(SeedValue(d.error(fit.direction), fit.margin, d.data.Z.shape[0], params.probe_angle_deg))
    return out


def check_structured(params: Params, n: int, probe: str = "fixed") -> None:
    """``ValueError`` (one line) unless the Monte Carlo can run ``params`` on its case at dimension n: n a multiple of
    the case's N, the fixed probe of the case's geometry."""
    if probe != "fixed":
        raise ValueError(f"a Gaussian covariate case takes the fixed probe of its geometry, got probe {probe}")
    tiled_geometry(params.data, params.probe_angle_deg, n)
