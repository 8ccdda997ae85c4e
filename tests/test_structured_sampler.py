"""The structured sampler's law (issue 27, items 2 and 4): simulations.structured draws exactly the kept set.

* ``conditional_inputs`` is the conditional-Gaussian formula on the normals numpy's ``rng.standard_normal`` draws:
  y x = y sqrt(lambda) (g0 - E E' g0 + E fields) to rounding, with g0 the generator's own numbers (the same random
  stream as the isotropic sampler's; the generator left in the same state), whatever the block of rows it fills at
  a time (bit for bit).
* ``sample_structured`` on a tiled power-law case, 200 seeds: the kept probe field's moments E z^2, E z^4 against
  the exact order-statistics expectation (the threshold u* ~ Beta(n_keep + 1, P - n_keep), the kept u uniform below
  it), the other in-plane field w standard normal and uncorrelated with z, the teacher field t = cos(theta) z +
  sin(theta) w (clean labels: y t >= 0 on every row); each within 4 standard errors of the per-seed means. The
  residual part R = g - E E' g has covariance I - E E' (every entry within 6 standard errors), no covariance with
  the fields, and |R|^2 averages N - n_c.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

import simulations.structured as structured
from simulations.structured import conditional_inputs, sample_structured, tiled_geometry
from theory import Params
from theory.covariance import Case

CASE = Case.power(1.5, 2.0, 50)
N = 100  # the case tiled twice


@pytest.mark.parametrize("theta", [0.0, 10.0])
def test_conditional_inputs_is_the_formula_on_numpys_normals(theta, monkeypatch):
    geo = tiled_geometry(CASE, theta, N)
    rows = 1000  # several blocks of rows, the last one partial
    aux = np.random.default_rng(1)
    fields = aux.standard_normal((rows, geo.n_c))
    y = np.where(aux.random(rows) < 0.5, -1.0, 1.0)
    rng = np.random.default_rng(5)
    Z = conditional_inputs(rng, geo, fields, y)
    ref = np.random.default_rng(5)
    G0 = ref.standard_normal((rows, N))
    E = geo.e
    expected = y[:, None] * geo.rs * (G0 - (G0 @ E) @ E.T + fields @ E.T)
    assert np.max(np.abs(Z - expected)) <= 1e-12 * np.max(np.abs(expected))
    assert rng.random() == ref.random()  # the generator consumed exactly rows x N normals
    G = y[:, None] * Z / geo.rs
    assert np.allclose(G @ E, fields, rtol=0, atol=1e-12)  # the fields are exact
    monkeypatch.setattr(structured, "BLOCK_BYTES", 3 * 8 * N)  # three rows a block: the same numbers
    assert np.array_equal(conditional_inputs(np.random.default_rng(5), geo, fields, y), Z)


def test_conditional_inputs_checks_shapes():
    geo = tiled_geometry(CASE, 10.0, N)
    with pytest.raises(ValueError, match=r"fields must be \[n_rows, 2\]"):
        conditional_inputs(np.random.default_rng(0), geo, np.zeros((5, 1)), np.ones(5))


def _kept_moment(keep: str, n_pool: int, n_keep: int, k: int) -> float:
    """E z^k (k = 2, 4) over the kept probe fields of a pool of n_pool: u = erf(|z|/sqrt 2) (hard) or v =
    erfc(|z|/sqrt 2) (easy) uniform below a threshold ~ Beta(n_keep + 1, n_pool - n_keep)."""
    def conditional(u):  # E[z^k | |z| < kappa] (hard) or E[z^k | |z| > kappa] (easy), P(...) = u
        kappa = math.sqrt(2.0) * (special.erfinv(u) if keep == "hard" else special.erfcinv(u))
        phi = math.exp(-kappa * kappa / 2) / math.sqrt(2 * math.pi)
        tail = 2 * phi * (kappa if k == 2 else kappa**3 + 3 * kappa)
        base = 1.0 if k == 2 else 3.0
        return base - tail / u if keep == "hard" else base + tail / u

    law = stats.beta(n_keep + 1, n_pool - n_keep)
    lo, hi = law.ppf(1e-13), law.ppf(1 - 1e-13)
    return integrate.quad(lambda u: law.pdf(u) * conditional(u), lo, hi, epsabs=0, epsrel=1e-10, limit=200)[0]


def _within(per_seed: np.ndarray, expected: float, z: float = 4.0) -> None:
    mean = per_seed.mean()
    sem = per_seed.std(ddof=1) / math.sqrt(per_seed.size)
    assert abs(mean - expected) <= z * sem, (mean, expected, sem)


@pytest.mark.parametrize("keep, theta", [("hard", 0.0), ("easy", 10.0), ("hard", 20.0)])
def test_kept_fields_and_residual_have_their_law(keep, theta):
    params = Params(2.0, 0.1, keep, theta, "logistic:0.1", data=CASE)
    seeds = 200
    sets = [sample_structured(params, N, [3, seed]) for seed in range(seeds)]
    geo = sets[0].geo
    n_pool, n_keep = sets[0].data.n_pool, sets[0].data.Z.shape[0]
    th = math.radians(theta)
    z2, z4, t2, zt, w2, w4, zw = (np.empty(seeds) for _ in range(7))
    residuals, fields = [], []
    for i, d in enumerate(sets):
        X = d.data.X
        z, t = X @ d.data.probe, X @ d.data.teacher
        assert np.all(d.data.Z @ d.data.teacher >= -1e-12)  # clean labels: y = sign(t)
        w = (t - math.cos(th) * z) / math.sin(th) if theta else np.zeros_like(z)
        z2[i], z4[i], t2[i], zt[i] = np.mean(z**2), np.mean(z**4), np.mean(t**2), np.mean(z * t)
        w2[i], w4[i], zw[i] = np.mean(w**2), np.mean(w**4), np.mean(z * w)
        G = X / geo.rs
        residuals.append(G - (G @ geo.e) @ geo.e.T)
        fields.append(G @ geo.e)
    m2, m4 = _kept_moment(keep, n_pool, n_keep, 2), _kept_moment(keep, n_pool, n_keep, 4)
    _within(z2, m2)
    _within(z4, m4)
    _within(t2, math.cos(th) ** 2 * m2 + math.sin(th) ** 2)
    _within(zt, math.cos(th) * m2)
    if theta:
        _within(w2, 1.0)
        _within(w4, 3.0)
        _within(zw, 0.0)
    # the residual: N(0, I - E E'), independent of the fields
    R, F = np.concatenate(residuals), np.concatenate(fields)
    rows = R.shape[0]
    target = np.eye(N) - geo.e @ geo.e.T
    C = R.T @ R / rows
    sd = np.sqrt((np.outer(np.diag(target), np.diag(target)) + target**2) / rows)  # sd of a Wishart entry
    assert np.max(np.abs(C - target) / sd) <= 6.0
    cross = R.T @ F / rows  # [N, n_c]
    sd_cross = np.sqrt(np.outer(np.diag(target), np.mean(F**2, axis=0)) / rows)
    assert np.max(np.abs(cross) / sd_cross) <= 6.0
    norms = np.einsum("ij,ij->i", R, R)
    dof = N - geo.n_c
    assert abs(norms.mean() - dof) <= 6.0 * math.sqrt(2 * dof / rows)
    assert abs(R.mean(axis=0)).max() <= 6.0 / math.sqrt(rows)
