r"""Batched hard-margin SVM in JAX: a fixed-iteration primal-dual interior-point method.

For each problem of the batch, min |w|^2 / 2 subject to Z w - s = 1, s >= 0, with multipliers
lambda >= 0. Mehrotra's predictor-corrector: each Newton step eliminates (Delta s, Delta lambda) and
solves the N x N system

.. math::  (I + Z^T D Z)\, \Delta w = -r_d + Z^T\big((r_c - \lambda r_p) / s\big),
           \qquad D = \lambda / s,

by Cholesky, with r_d = w - Z^T lambda, r_p = Z w - s - 1, r_c = sigma mu - lambda s (- Delta s_aff
Delta lambda_aff in the corrector). A fixed number of iterations of one ``jax.vmap``-ed, ``jax.jit``-ed step
runs on whatever device JAX finds (the loop over steps stays in Python: on this 2-core CPU a
``lax.fori_loop`` around the batched Cholesky intermittently never returned). The result carries the KKT
residual of every problem; nothing is accepted silently (see :func:`max_margin_batch`).

What it needs from the process, and does not change behind the caller's back:

* float64: the solve runs inside ``jax.enable_x64(True)`` (a context manager: the global setting is
  left as it was);
* on a multi-core CPU, XLA's multi-threaded Eigen runtime was seen to hang intermittently in the
  vmapped Cholesky (2-core machine). Set ``XLA_FLAGS="--xla_cpu_multi_thread_eigen=false
  intra_op_parallelism_threads=1"`` before JAX starts (``XLA_CPU_FLAGS`` below); the command lines do
  so when ``--backend jax`` is chosen and the variable is unset, and so does the test suite's conftest.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from simulations.certificate import certify

DEFAULT_ITERATIONS = 60


XLA_CPU_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def use_single_threaded_xla() -> None:
    """Set ``XLA_FLAGS`` to ``XLA_CPU_FLAGS`` if it is unset (call before JAX starts; for entry points)."""
    os.environ.setdefault("XLA_FLAGS", XLA_CPU_FLAGS)


def _jax():
    import jax

    return jax


@dataclass(frozen=True)
class BatchResult:
    """w : [B, N] weights; kkt_residual : [B]; converged : [B] bool (KKT residual <= tol)."""

    w: np.ndarray
    kkt_residual: np.ndarray
    converged: np.ndarray


@lru_cache(maxsize=1)
def _batched_step():
    """One Mehrotra predictor-corrector step, vmapped over the batch and jitted."""
    jax = _jax()
    jnp = jax.numpy

    def max_step(x, dx):
        ratio = jnp.where(dx < 0, -x / jnp.where(dx < 0, dx, -1.0), jnp.inf)
        return jnp.minimum(1.0, jnp.min(ratio))

    def step_one(Z, w, s, lam):
        N = Z.shape[1]

        def newton(r_c):
            r_d = w - Z.T @ lam
            r_p = Z @ w - s - 1.0
            H = jnp.eye(N) + (Z * (lam / s)[:, None]).T @ Z
            rhs = -r_d + Z.T @ ((r_c - lam * r_p) / s)
            dw = jax.scipy.linalg.cho_solve(jax.scipy.linalg.cho_factor(H), rhs)
            ds = Z @ dw + r_p
            return dw, ds, (r_c - lam * ds) / s

        mu = jnp.mean(s * lam)
        dw_a, ds_a, dl_a = newton(-lam * s)
        a_aff = jnp.minimum(max_step(s, ds_a), max_step(lam, dl_a))
        mu_aff = jnp.mean((s + a_aff * ds_a) * (lam + a_aff * dl_a))
        sigma = (mu_aff / mu) ** 3
        dw, ds, dl = newton(sigma * mu - lam * s - ds_a * dl_a)
        step = 0.99 * jnp.minimum(max_step(s, ds), max_step(lam, dl))
        # once the duality gap is at rounding level w is exact (the certificate checks it) and
        # further steps only divide by ~0 (lambda / s ~ 1e28): freeze the state
        step = jnp.where((mu < 1e-14) | ~jnp.isfinite(step), 0.0, step)
        return (w + step * jnp.nan_to_num(dw), s + step * jnp.nan_to_num(ds), lam + step * jnp.nan_to_num(dl))

    return jax.jit(jax.vmap(step_one))


def _solve_batch(Zs: np.ndarray, iterations: int):
    jax = _jax()
    with jax.enable_x64(True):  # float64 for this solve only
        jnp = jax.numpy
        B, P, N = Zs.shape
        Z = jnp.asarray(Zs)
        w, s, lam = jnp.zeros((B, N)), jnp.ones((B, P)), jnp.ones((B, P))
        step = _batched_step()
        for _ in range(iterations):
            w, s, lam = step(Z, w, s, lam)
        return np.array(w)  # a writable copy


def _polish(Z: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float]:
    """Crossover: the minimum-norm w with z_mu . w = 1 on the near-active set, kept if it certifies better.

    Near the solution the interior-point system is ill-conditioned (lambda / s spans ~30 decades) and
    w stalls at ~1e-7 relative accuracy; the active set is right long before that, and the
    equality-constrained least-norm problem on it (``numpy.linalg.lstsq``) is exact.
    """
    _, kkt = certify(Z, w)
    if not np.all(np.isfinite(w)):
        return w, kkt
    active = Z @ w <= 1.0 + 1e-6
    polished = np.linalg.lstsq(Z[active], np.ones(int(active.sum())), rcond=None)[0]
    _, kkt_polished = certify(Z, polished)
    return (polished, kkt_polished) if kkt_polished < kkt else (w, kkt)


def max_margin_batch(Zs: np.ndarray, *, iterations: int = DEFAULT_ITERATIONS, tol: float = 1e-8) -> BatchResult:
    """Hard-margin SVMs of a batch ``Zs`` = [B, P, N] (rows y_mu x_mu), solved together.

    Returns the weights (after an active-set polish, :func:`_polish`) and each problem's KKT residual,
    certified from w alone
    (:func:`simulations.certificate.certify`: the interior point's own multipliers are ill-conditioned
    near the solution even when w is exact); raises ``RuntimeError`` if any problem misses ``tol``.
    """
    Zs = np.asarray(Zs, dtype=np.float64)
    if Zs.ndim != 3:
        raise ValueError(f"Zs must have shape [B, P, N], got {Zs.shape}")
    w = _solve_batch(Zs, int(iterations))
    kkt = np.empty(len(w))
    for b, Z in enumerate(Zs):
        w[b], kkt[b] = _polish(Z, w[b])
    converged = kkt <= tol
    if not converged.all():
        raise RuntimeError(f"JAX interior point missed tol={tol:g} on {int((~converged).sum())} of "
                           f"{len(kkt)} problems (worst KKT residual {kkt.max():.3g}); raise iterations")
    return BatchResult(w=w, kkt_residual=kkt, converged=converged)
