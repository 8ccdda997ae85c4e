import cvxpy as cp
import numpy as np
import pytest

from simulations.data import sample_pruned
from simulations.student import MaxMarginResult, certify, fit_max_margin, fit_max_margin_batch, kkt_residual
from theory import Params

CASES = [  # (n, alpha_prune, f, keep, theta, seed): random, hard-pruned, easy-pruned, noisy probe
    (40, 3.0, 1.0, "hard", 0.0, 0),
    (40, 2.0, 0.2, "hard", 0.0, 1),
    (40, 1.0, 0.1, "easy", 0.0, 2),
    (60, 2.5, 0.3, "hard", 10.0, 3),
    (30, 0.5, 1.0, "easy", 0.0, 4),
    (50, 4.0, 0.05, "hard", 0.0, 5),
]


def _cvxpy_max_margin(Z):
    w = cp.Variable(Z.shape[1])
    cp.Problem(cp.Minimize(cp.sum_squares(w)), [Z @ w >= 1]).solve(solver=cp.CLARABEL)
    return np.asarray(w.value)


@pytest.mark.parametrize("case", CASES)
def test_numba_solver_matches_cvxpy(case):
    d = sample_pruned(Params(*case[1:5]), case[0], seed=case[5])
    ours = fit_max_margin(d.Z)
    ref = _cvxpy_max_margin(d.Z)
    assert ours.converged and ours.kkt_residual < 1e-9
    assert ours.margin == pytest.approx(1 / np.linalg.norm(ref), rel=1e-6)
    cosine = ours.direction @ ref / np.linalg.norm(ref)
    assert cosine >= 1 - 1e-9
    # about N support vectors, each with margin exactly 1
    sv = ours.alpha > 0
    np.testing.assert_allclose(d.Z[sv] @ ours.w, 1.0, atol=1e-9)
    assert sv.sum() <= d.Z.shape[1] + 1


def test_kkt_residual_detects_a_wrong_solution():
    d = sample_pruned(Params(2.0, 1.0, "hard", 0.0), 30, seed=9)
    fit = fit_max_margin(d.Z)
    assert kkt_residual(d.Z, fit.w, fit.alpha) < 1e-10
    assert certify(d.Z, fit.w)[1] < 1e-10
    assert certify(d.Z, fit.w * 1.01)[1] > 1e-3  # feasible but not minimal
    assert certify(d.Z, fit.w * 0.99)[1] > 1e-3  # infeasible


def test_non_convergence_raises_or_is_flagged():
    d = sample_pruned(Params(2.0, 0.2, "hard", 0.0), 40, seed=1)
    with pytest.raises(RuntimeError, match="did not converge"):
        fit_max_margin(d.Z, max_iter=5)
    res = fit_max_margin(d.Z, max_iter=5, raise_on_failure=False)
    assert not res.converged


def test_bad_input():
    with pytest.raises(ValueError):
        fit_max_margin(np.ones((3,)))
    with pytest.raises(ValueError):
        fit_max_margin(np.full((3, 4), np.nan))


def test_every_method_gives_the_same_student_through_one_entry_point():
    """fit_max_margin(Z, method=...) and its batched form: the three methods agree (directions to
    1 - cos <= 1e-12, margins to 1e-9) and report one MaxMarginResult each."""
    import jax

    x64_before = jax.config.jax_enable_x64
    datas = [sample_pruned(Params(2.0, 0.25, "hard", 5.0), 40, seed=[7, i]) for i in range(4)]
    batch = fit_max_margin_batch(np.stack([d.Z for d in datas]), method="interior-point")
    assert jax.config.jax_enable_x64 == x64_before  # the JAX solve does not change global settings
    for fit, d in zip(batch, datas):
        ref = fit_max_margin(d.Z)
        for other in (fit, fit_max_margin(d.Z, method="nnls"), fit_max_margin(d.Z, method="interior-point")):
            assert isinstance(other, MaxMarginResult) and other.converged and other.kkt_residual < 1e-7
            assert other.direction @ ref.direction >= 1 - 1e-12
            assert other.margin == pytest.approx(ref.margin, rel=1e-9)
    assert [f.method for f in batch] == ["interior-point"] * 4
    with pytest.raises(ValueError, match="unknown method"):
        fit_max_margin(datas[0].Z, method="cvxpy")


def test_scipy_nnls_fallback_is_exact_too():
    from simulations.student import _max_margin_scipy_nnls

    d = sample_pruned(Params(2.0, 0.2, "hard", 0.0), 40, seed=1)
    w, alpha = _max_margin_scipy_nnls(d.Z)
    assert kkt_residual(d.Z, w, alpha) < 1e-9
    ref = fit_max_margin(d.Z)
    assert ref.method == "active-set"
    assert (w / np.linalg.norm(w)) @ ref.direction >= 1 - 1e-12
    # seeded with a poor guess (the Hebbian direction) the working-set variant must grow to the same answer
    w_ws, alpha_ws = _max_margin_scipy_nnls(d.Z, d.Z.sum(axis=0))
    assert kkt_residual(d.Z, w_ws, alpha_ws) < 1e-9
    assert (w_ws / np.linalg.norm(w_ws)) @ ref.direction >= 1 - 1e-12


def test_when_the_active_set_fails_the_fallback_answers(monkeypatch):
    """Hard-pruned data once defeated the numba active set now and then (near-dependent rows; 2 of 40
    seeds at N = 100, alpha = 8, f = 0.02 with randomly oriented teachers; none since the sampler puts the
    teacher on a coordinate axis). The dispatch must still hand a failed answer to scipy's NNLS on a working
    set seeded by it: here the numba answer is replaced by a wrong one, and the result must be exact."""
    import simulations.student as student

    Z = sample_pruned(Params(8.0, 0.02, "hard", 0.0), 100, seed=[11, 100, 0]).Z
    exact = fit_max_margin(Z)
    real = student.max_margin_numba

    def broken(*args):
        w, alpha, n_iter, a, b = real(*args)
        return w * 0.9 + 0.01, alpha * 0.5, n_iter, a, b  # KKT violated

    monkeypatch.setattr(student, "max_margin_numba", broken)
    fit = fit_max_margin(Z)
    assert fit.method == "scipy-nnls" and fit.converged and fit.kkt_residual < 1e-7
    assert fit.direction @ exact.direction >= 1 - 1e-12


def test_cholesky_append_and_delete_keep_the_factor_of_the_passive_gram_matrix():
    """Random appends and deletions: U^T U = Z_P Z_P^T + 1 1^T and U^T y = 1 throughout."""
    from simulations._numba import _append, _delete

    rng = np.random.default_rng(3)
    n, kmax = 30, 25
    rows = rng.standard_normal((60, n))
    U, y = np.zeros((kmax + 1, kmax + 1)), np.zeros(kmax + 1)
    passive, slot, u = np.zeros(kmax + 1, np.int64), np.zeros(kmax + 1, np.int64), np.zeros(kmax + 1)
    members, k, nxt = [], 0, 0
    col, row = np.empty(kmax + 1), np.empty(kmax + 1)
    for step in range(80):
        if k < 5 or (k < kmax - 1 and rng.random() < 0.6):
            z = rows[nxt % 60] + 0.1 * rng.standard_normal(n)
            nxt += 1
            col[:k] = np.array([r @ z for r in members]) + 1.0
            assert _append(U, k, y, z @ z, col, row)
            passive[k] = step
            members.append(z)
            k += 1
        else:
            p = int(rng.integers(k))
            k = _delete(U, slot, passive, u, y, k, p)
            members.pop(p)
        Zp = np.array(members)
        np.testing.assert_allclose(U[:k, :k].T @ U[:k, :k], Zp @ Zp.T + 1.0, rtol=0, atol=1e-10)
        np.testing.assert_allclose(U[:k, :k].T @ y[:k], 1.0, rtol=0, atol=1e-10)
        assert np.all(np.tril(U[:k, :k], -1) == 0.0)
    # a column in the span of the passive ones is refused and leaves the factor untouched
    z_dep = members[0]
    col[:k] = np.array([r @ z_dep for r in members]) + 1.0
    before = U.copy()
    assert not _append(U, k, y, z_dep @ z_dep, col, row)
    np.testing.assert_array_equal(U[:k, :k], before[:k, :k])


@pytest.mark.parametrize("n_cand, refresh", [(1, 1), (5, 3), (10_000, 1), (50, 1000)])
def test_partial_pricing_changes_the_path_not_the_solution(n_cand, refresh):
    d = sample_pruned(Params(3.0, 0.3, "hard", 0.0), 60, seed=4)
    ref = fit_max_margin(d.Z)
    fit = fit_max_margin(d.Z, n_cand=n_cand, refresh=refresh)
    assert fit.converged and fit.method == "active-set"
    assert fit.direction @ ref.direction >= 1 - 1e-12
    assert fit.margin == pytest.approx(ref.margin, rel=1e-10)


def test_agrees_with_scipy_nnls_across_shapes_and_pruning():
    """120 problems: N from 2 to 80, P from 1 to 640, hard/easy pruning, probe angles 0/10/45 degrees.
    The reference is the least-distance NNLS of scipy (a different, QR-based implementation)."""
    from simulations.student import _max_margin_scipy_nnls

    rng = np.random.default_rng(0)
    checked = 0
    for trial in range(120):
        n = int(rng.choice([2, 3, 5, 10, 30, 80]))
        alpha, f = float(rng.choice([0.1, 0.5, 1, 2, 4, 8])), float(rng.choice([1.0, 0.5, 0.1, 0.02]))
        keep, theta = str(rng.choice(["hard", "easy"])), float(rng.choice([0.0, 10.0, 45.0]))
        try:
            d = sample_pruned(Params(alpha, f, keep, theta), n, seed=trial)
        except ValueError:  # fewer than one kept example
            continue
        w_ref, _ = _max_margin_scipy_nnls(d.Z)
        for warm_start in ("none", "least-squares"):
            ours = fit_max_margin(d.Z, warm_start=warm_start)
            assert ours.converged
            assert ours.direction @ w_ref / np.linalg.norm(w_ref) >= 1 - 1e-9, (n, alpha, f, keep, theta, trial)
            assert ours.margin * np.linalg.norm(w_ref) == pytest.approx(1.0, abs=1e-7)
        checked += 1
    assert checked >= 100


@pytest.mark.parametrize("case", [(200, 10.0, 0.1, 0), (200, 4.0, 0.1, 1), (100, 10.0, 1.0, 2), (60, 2.0, 0.2, 3)])
def test_least_squares_warm_start_changes_the_path_not_the_solution(case):
    """The cascade (least-squares order -> exact solve on 2N examples -> their support vectors as the start)
    must end at the same KKT point as the cold start, with fewer additions on hard-pruned data with P > 2N."""
    n, alpha, f, seed = case
    Z = sample_pruned(Params(alpha, f, "hard", 0.0), n, seed=seed).Z
    cold = fit_max_margin(Z)
    warm = fit_max_margin(Z, warm_start="least-squares")
    assert warm.converged and warm.method == "active-set" and warm.kkt_residual < 1e-9
    assert warm.direction @ cold.direction >= 1 - 1e-12
    assert warm.margin == pytest.approx(cold.margin, rel=1e-10)
    np.testing.assert_array_equal(warm.alpha > 0, cold.alpha > 0)
    if f < 1 and Z.shape[0] > 2 * n:
        assert warm.n_iter < 0.8 * cold.n_iter  # 1070 -> ~580 at N = 200, alpha_prune = 10, f = 0.1


def test_any_guessed_passive_set_is_a_valid_start():
    """The numba kernel's warm start takes any index list (repeats, dependent or useless examples, more than
    N of them): it keeps an independent subset with positive least-squares variables, and Lawson-Hanson
    finishes at the exact solution, also when it first solves the problem restricted to any subset."""
    from simulations._numba import max_margin_numba

    Z = sample_pruned(Params(6.0, 0.1, "hard", 0.0), 50, seed=7).Z
    ref = fit_max_margin(Z)
    rng = np.random.default_rng(3)
    for init in (rng.integers(0, Z.shape[0], 500), np.zeros(5, np.int64), np.arange(Z.shape[0])[::-1].copy(),
                 np.flatnonzero(ref.alpha == 0)[:80]):
        for first in (np.empty(0, np.int64), rng.choice(Z.shape[0], 30, replace=False), init[:1],
                      np.flatnonzero(ref.alpha == 0)):
            w, alpha, _, converged, _ = max_margin_numba(Z, 1e-10, 10_000, 25, 10, init.astype(np.int64),
                                                         first.astype(np.int64))
            assert converged and kkt_residual(Z, w, alpha) < 1e-9
            assert (w / np.linalg.norm(w)) @ ref.direction >= 1 - 1e-12


def test_least_squares_warm_start_on_degenerate_inputs():
    """Mirrored rows (Z^T 1 along one axis only), a zero column (its Jacobi scale at the 1e-300 floor),
    P < N: the guess is poor or trivial there; the answer must still be exact and no warning raised."""
    import warnings

    rng = np.random.default_rng(5)
    half = rng.standard_normal((6, 4))
    half[:, 0] = np.abs(half[:, 0]) + 1.0
    cases = [np.vstack([half, half * np.array([1.0, -1.0, -1.0, -1.0])]),
             np.hstack([half, np.zeros((6, 1))]), half[:2]]
    for Z in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warm = fit_max_margin(Z, warm_start="least-squares")
        cold = fit_max_margin(Z)
        assert warm.converged and warm.margin == pytest.approx(cold.margin, rel=1e-10)


def test_unknown_warm_start_is_refused():
    with pytest.raises(ValueError, match="warm_start"):
        fit_max_margin(np.ones((3, 2)), warm_start="magic")


def test_the_runner_warm_starts_hard_pruned_data_only():
    from simulations import warm_start_for

    assert warm_start_for(Params(4.0, 0.1, "hard", 0.0)) == "least-squares"
    assert warm_start_for(Params(2.0, 0.2, "hard", 10.0)) == "least-squares"
    for params in (Params(10.0, 1.0, "hard", 0.0), Params(1.0, 0.1, "hard", 0.0), Params(4.0, 0.1, "easy", 0.0),
                   Params(4.0, 0.5, "band:0.1", 0.0)):
        assert warm_start_for(params) == "none"


def test_the_scaled_solver_and_the_student_import_in_one_direction():
    """scaled_max_margin needs only the plain least-distance solve (simulations.least_distance), not the
    student that calls it: no import circle, not even inside a function."""
    import ast
    from pathlib import Path

    import simulations

    root = Path(simulations.__file__).parent
    for name in ("scaled_max_margin.py", "least_distance.py"):
        tree = ast.parse((root / name).read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert "simulations.student" not in imported, name


def test_the_plain_solve_is_the_students_answer_bit_for_bit():
    from simulations.least_distance import solve

    Z = sample_pruned(Params(4.0, 0.2, "hard", 0.0), 60, seed=3).Z
    w, alpha, kkt = solve(Z)
    fit = fit_max_margin(Z)
    assert w.tobytes() == fit.w.tobytes() and alpha.tobytes() == fit.alpha.tobytes() and kkt == fit.kkt_residual


def test_the_method_docstring_names_every_method_the_solvers_report():
    import re
    from pathlib import Path

    import simulations.student as student

    source = Path(student.__file__).read_text()
    reported = set(re.findall(r'method = "([^"]+)"', source))
    reported |= set(re.findall(r'method, kkt(?:, n_iter)? = [^"]*"([^"]+)"', source))
    reported |= {"nnls"}  # _result(..., "nnls", ...)
    assert {"active-set", "scaled-active-set", "scipy-nnls", "interior-point", "interior-point+nnls"} <= reported
    doc = student.MaxMarginResult.__doc__
    for method in reported:
        assert f'"{method}"' in doc, method
