"""dwf_theory.lq_solver and fit_lq's coordinate-descent path for least squares.

Independent checks: scikit-learn's Lasso and lasso_path (D = 2), closed-form ridge and least
squares (D = 1, λ = 0), brute force (every support and sign pattern, equivalence.brute_force_lq;
every support for D = inf), prox.prox / threshold / jump called coordinate by coordinate, 1-D scans
of G along each axis, random perturbations (local minimality), and Hypothesis properties.
"""

from __future__ import annotations

import itertools
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Lasso, lasso_path

from dwf_theory import LeastSquares, Scalar, brute_force_lq, fit_lq, lq_lambda_max, lq_path, lq_start
from dwf_theory.lq_solver import _Problem, _sweep, penalty_value, scaled_prox
from dwf_theory.minima import regression_problem
from dwf_theory.prox import jump, prox, threshold

DEPTHS = (3, 4, 6, math.inf)
seeds = st.integers(0, 2**32 - 1)


def G(loss, w, lam, D) -> float:
    """The objective, written out here: ‖Xw − y‖²/(2n) + λ Σ|w_j|^{2/D} (λ·#nonzeros for D = inf)."""
    r = loss.X @ w - loss.y
    pen = np.count_nonzero(w) if math.isinf(D) else np.sum(np.abs(w) ** (2.0 / D))
    return float(r @ r) / (2 * loss.n) + lam * pen


def problem(seed, n=30, p=60, rho=0.0, k=4):
    return regression_problem(n, p, rho=rho, k=k, rng=seed)[0]


# --------------------------------------------------------------------------- #
# the prox with per-coordinate curvature
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("D", [1, 2, 3, 4, 6, math.inf])
def test_scaled_prox_and_the_sweep_equal_prox_coordinate_by_coordinate(D):
    # scaled_prox uses prox(z/s, 1, D)·s and the sweep its own inline iteration; the reference calls
    # prox(z, λ/c, D) per coordinate. A one-column problem makes one sweep from 0 exactly one prox step.
    # Tolerance 8 ulp of |z| (soft thresholding cancels: z − λ/c; measured worst 2 ulp of |z|).
    rng = np.random.default_rng(1)
    z, c, lam = rng.normal(0, 2, 300), rng.uniform(0.05, 5, 300), 0.3
    ref = np.array([prox(zi, lam / ci, D) for zi, ci in zip(z, c)])
    ulps = 8 * np.finfo(float).eps * np.abs(z)
    assert np.all(np.abs(scaled_prox(z, lam, c, D) - ref) <= ulps)
    if D == 1:
        return  # D = 1 is solved by LSQR, not swept
    swept = []
    for zi, ci in zip(z, c):
        X = np.full((4, 1), math.sqrt(ci))  # ‖X_1‖²/n = c
        y = X[:, 0] * zi  # X_1ᵀy/(n c) = z
        prob = _Problem(X, y, lam, D)
        w, r = np.zeros(1), y.copy()
        _sweep(prob, np.ascontiguousarray(X.T), np.arange(1), w, r)
        swept.append(w[0])
    assert np.all(np.abs(np.array(swept) - ref) <= ulps)
    # the threshold: zero exactly up to τ(λ/c), nonzero (at least the jump β) just above it
    for ci in (0.3, 2.0):
        tau, beta = threshold(lam / ci, D), jump(lam / ci, D)
        below, above = scaled_prox(np.array([tau, tau * (1 + 1e-9)]), lam, np.array([ci, ci]), D)
        assert below == 0 and abs(above) >= beta * (1 - 1e-9) and above != 0


# --------------------------------------------------------------------------- #
# independent references: Lasso, ridge, least squares, brute force
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("shape", [(30, 60, 0.0), (60, 30, 0.8), (40, 40, 0.5)])
def test_depth_two_is_scikit_learns_lasso(shape):
    # Lasso(alpha=λ, tol=1e-15): coefficients agree to 1e-12 relative (measured worst 4.6e-15 over 60 problems).
    n, p, rho = shape
    for seed in range(4):
        loss = problem(seed, n, p, rho)
        lam = np.random.default_rng(seed).uniform(0.02, 0.5)
        ref = Lasso(alpha=lam, fit_intercept=False, tol=1e-15, max_iter=10**6).fit(loss.X, loss.y).coef_
        fit = fit_lq(loss, lam, 2)
        assert fit.converged
        np.testing.assert_allclose(fit.w, ref, rtol=0, atol=1e-12 * np.max(np.abs(ref)))
        np.testing.assert_array_equal(fit.w == 0, ref == 0)


def test_lasso_path_equals_scikit_learns_lasso_path():
    # Same λ grid: every coefficient within 1e-11 of the largest (measured worst 7.2e-14).
    loss = problem(3, 40, 80, 0.5)
    path = lq_path(loss.X, loss.y, 2, n_lams=12, eps=0.02)
    alphas, coefs, _ = lasso_path(loss.X, loss.y, alphas=path.lams, tol=1e-15, max_iter=10**6)
    np.testing.assert_allclose(alphas, path.lams, rtol=0, atol=0)
    np.testing.assert_allclose(path.coefs, coefs.T, rtol=0, atol=1e-11 * np.max(np.abs(coefs)))
    # scikit-learn's alpha_max, max|Xᵀy|/n, is where the path starts (written out here, not lq_lambda_max)
    assert path.lams[0] == pytest.approx(np.max(np.abs(loss.X.T @ loss.y)) / loss.n, rel=1e-15)
    assert np.all(path.coefs[0] == 0) and path.converged.all()


@pytest.mark.parametrize("n, p", [(50, 20), (20, 50)])
def test_depth_one_and_lambda_zero_are_closed_forms(n, p):
    # D = 1: (XᵀX/n + 2λI) w = Xᵀy/n (solved here by the n × n dual when n < p); λ = 0: the least-squares point
    # nearest w0 (minimum norm from w0 = 0; np.linalg.lstsq). Tolerance 1e-10 relative (measured worst 3e-14).
    loss = problem(0, n, p, 0.5)
    X, y = loss.X, loss.y
    lam = 0.07
    if n >= p:
        ridge = np.linalg.solve(X.T @ X / n + 2 * lam * np.eye(p), X.T @ y / n)
    else:
        ridge = X.T @ np.linalg.solve(X @ X.T / n + 2 * lam * np.eye(n), y / n)
    fit = fit_lq(loss, lam, 1)
    assert fit.converged
    np.testing.assert_allclose(fit.w, ridge, rtol=0, atol=1e-10 * np.max(np.abs(ridge)))
    ls = np.linalg.lstsq(X, y, rcond=None)[0]
    for D in (2, 3, math.inf):
        fit0 = fit_lq(loss, 0.0, D, np.zeros(p))
        np.testing.assert_allclose(fit0.w, ls, rtol=0, atol=1e-10 * np.max(np.abs(ls)))


@settings(max_examples=3)
@given(seeds, st.sampled_from([3, 4, 6]), st.floats(0.02, 0.4), st.sampled_from([(8, 3), (2, 3)]))
def test_a_global_minimum_by_brute_force_is_a_fixed_point_and_never_beaten(seed, D, lam, shape):
    # brute_force_lq minimizes over every support and sign pattern (L-BFGS in log|w|, then Newton): its
    # result is the global minimum. A global minimum is also a coordinate-wise one, so fit_lq started there
    # stays (1e-9 relative in w, measured 1e-15); no start gives a lower objective (slack 1e-13 relative).
    n, p = shape
    loss = problem(seed, n, p, k=min(p, 2))
    bf = brute_force_lq(loss, lam, D, starts=1, rng=seed)
    stay = fit_lq(loss, lam, D, bf.w)
    np.testing.assert_allclose(stay.w, bf.w, rtol=1e-9, atol=1e-12)
    for start in (None, np.zeros(p), np.random.default_rng(seed).normal(0, 1, p)):
        assert fit_lq(loss, lam, D, start).objective >= bf.objective * (1 - 1e-13)


def test_depth_inf_against_best_subset_by_enumeration():
    # D = inf: min over supports S of ‖P_S^⊥ y‖²/(2n) + λ|S| (least squares on S, every S enumerated here).
    # fit_lq from the enumerated minimizer stays there and reports its objective (1e-12 relative).
    for seed in range(4):
        loss = problem(seed, 12, 5, k=3)
        lam = 0.05 + 0.1 * seed
        best, best_w = G(loss, np.zeros(5), lam, math.inf), np.zeros(5)
        for size in range(1, 6):
            for S in itertools.combinations(range(5), size):
                w = np.zeros(5)
                w[list(S)] = np.linalg.lstsq(loss.X[:, S], loss.y, rcond=None)[0]
                if G(loss, w, lam, math.inf) < best:
                    best, best_w = G(loss, w, lam, math.inf), w
        fit = fit_lq(loss, lam, math.inf, best_w)
        assert fit.objective == pytest.approx(best, rel=1e-12)
        assert fit_lq(loss, lam, math.inf).objective >= best * (1 - 1e-13)


# --------------------------------------------------------------------------- #
# optimality of the result (D ≥ 3 and inf)
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("D", DEPTHS)
@pytest.mark.parametrize("rho", [0.0, 0.8])
def test_fit_is_a_coordinatewise_and_local_minimum(D, rho):
    loss = problem(7, 30, 60, rho)
    lam = 0.08
    fit = fit_lq(loss, lam, D)
    w, X = fit.w, loss.X
    assert fit.converged and fit.objective == pytest.approx(G(loss, w, lam, D), rel=1e-14)
    c = np.sum(X * X, axis=0) / loss.n
    g = X.T @ (X @ w - loss.y) / loss.n
    z = w - g / c
    S = w != 0
    # Off the support: |z_j| <= τ(λ/c_j), by prox.threshold per coordinate (slack 1e-12 relative).
    for j in np.flatnonzero(~S):
        assert abs(z[j]) <= threshold(lam / c[j], D) * (1 + 1e-12)
    # On it: at least the jump β(λ/c_j), and stationary: ∇_j L + λ q sign(w_j)|w_j|^{q−1} = 0 (q = 2/D, 0 for
    # D = inf) to 1e-13 of the largest term (measured 2e-16).
    q = 0.0 if math.isinf(D) else 2.0 / D
    for j in np.flatnonzero(S):
        assert abs(w[j]) >= jump(lam / c[j], D) * (1 - 1e-12)
    terms = lam * q * np.abs(w[S]) ** (q - 1) if q > 0 else np.zeros(S.sum())
    station = g[S] + np.sign(w[S]) * terms
    assert np.max(np.abs(station)) <= 1e-13 * (1 + np.max(np.abs(g[S])) + np.max(terms, initial=0))
    # Coordinate-wise global: G along each axis, scanned on a grid of 801 values, is never lower.
    G0 = fit.objective
    for j in range(0, 60, 3):
        for t in np.linspace(-3, 3, 801):
            trial = w.copy()
            trial[j] = t
            assert G(loss, trial, lam, D) >= G0 - 1e-12 * G0
    # Local: 300 random perturbations of sizes 1e-3 and 1e-6 never lower G (slack 1e-14 relative).
    rng = np.random.default_rng(0)
    for size in (1e-3, 1e-6):
        for d in rng.standard_normal((150, 60)) * size:
            assert G(loss, w + d, lam, D) >= G0 - 1e-14 * G0


def test_default_start_is_the_lasso_and_never_plain_zero():
    # For D ≥ 3 w = 0 is a local minimum (skglm from zero returns it); the default start is the D = 2 solution
    # (compared with scikit-learn's Lasso to 1e-12) and the fit from it is nonzero and lower than the zero start.
    loss = problem(2, 50, 100)
    ref = Lasso(alpha=0.1, fit_intercept=False, tol=1e-15, max_iter=10**6).fit(loss.X, loss.y).coef_
    np.testing.assert_allclose(lq_start(loss.X, loss.y, 0.1, 3), ref, rtol=0, atol=1e-12 * np.max(np.abs(ref)))
    assert np.all(lq_start(loss.X, loss.y, 0.1, 2) == 0)
    fit = fit_lq(loss, 0.1, 3)
    assert np.any(fit.w != 0) and fit.objective < G(loss, np.zeros(100), 0.1, 3)
    for how in ("zero", "path", "depth"):
        w0 = lq_start(loss.X, loss.y, 0.1, 3, how=how)
        assert G(loss, w0, 0.1, 3) < np.inf and w0.shape == (100,)


# --------------------------------------------------------------------------- #
# λ_max and paths
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("D", [2, 3, 4, 6, math.inf])
def test_lambda_max_is_where_a_prox_step_from_zero_stops_moving(D):
    # Checked with prox itself, coordinate by coordinate: at λ_max(1 + 1e-9) every prox(b_j/c_j, λ/c_j) is 0,
    # at λ_max(1 − 1e-9) one is not (b = Xᵀy/n, c_j = ‖X_j‖²/n).
    loss = problem(5, 30, 50, 0.5)
    X, y = loss.X, loss.y
    lam_max = lq_lambda_max(X, y, D)
    c = np.sum(X * X, axis=0) / loss.n
    b = X.T @ y / loss.n
    for factor, moves in ((1 + 1e-9, False), (1 - 1e-9, True)):
        steps = [prox(b[j] / c[j], lam_max * factor / c[j], D) for j in range(50)]
        assert np.any(np.array(steps) != 0) == moves
    assert lq_lambda_max(X, y, 1) == math.inf
    X0 = X.copy()
    X0[:, 3] = 0.0  # a zero column is ignored
    assert lq_lambda_max(X0, y, D) <= lam_max


def test_path_warm_starts_and_ends_at_the_single_fit_from_the_previous_point():
    # Each path fit is the fit started from the previous one: rerunning fit_lq from coefs[i−1] at lams[i]
    # gives coefs[i] (1e-9 relative); objectives are G at the coefficients; shapes and order.
    loss = problem(4, 40, 80, 0.5)
    path = lq_path(loss.X, loss.y, 3, n_lams=15, eps=0.05)
    assert path.coefs.shape == (15, 80) and np.all(np.diff(path.lams) < 0) and path.converged.all()
    assert path.lam_max == pytest.approx(lq_lambda_max(loss.X, loss.y, 3), rel=1e-15)
    for i in (1, 7, 14):
        again = fit_lq(loss, path.lams[i], 3, path.coefs[i - 1])
        np.testing.assert_allclose(again.w, path.coefs[i], rtol=1e-9, atol=1e-12)
        assert path.objectives[i] == pytest.approx(G(loss, path.coefs[i], path.lams[i], 3), rel=1e-14)
    given_lams = lq_path(loss.X, loss.y, 1, lams=[0.1, 0.5, 0.01])
    assert np.array_equal(given_lams.lams, [0.5, 0.1, 0.01])


def test_nothing_of_size_p_squared_is_allocated():
    # p = 6000: a p × p matrix would be 288 MB; the fit and a short path stay under 30 MB of new memory
    # (X itself is 2.4 MB; measured peak 7 MB).
    loss = problem(0, 50, 6000, k=5)
    tracemalloc.start()
    try:
        fit_lq(loss, 0.1, 3)
        lq_path(loss.X, loss.y, 4, n_lams=5, eps=0.3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 30e6


# --------------------------------------------------------------------------- #
# properties
# --------------------------------------------------------------------------- #


@settings(max_examples=25)
@given(seeds, st.sampled_from([1, 2, 3, 4, 6, math.inf]), st.floats(0.0, 0.5), st.booleans())
def test_fits_descend_from_their_start_and_report_g(seed, D, lam, wide):
    n, p = (10, 25) if wide else (25, 10)
    loss = problem(seed, n, p, rho=0.6)
    w0 = np.random.default_rng(seed).normal(0, 1, p)
    fit = fit_lq(loss, lam, D, w0)
    assert fit.converged and fit.factors is None and not fit.diverged
    # rel 1e-13; abs: the rounding of ‖y − Xw‖² at an interpolating fit, ~(1e-16‖y‖)²
    assert fit.objective == pytest.approx(G(loss, fit.w, lam, D), rel=1e-13, abs=1e-28 * (1 + loss.y @ loss.y))
    assert fit.objective <= G(loss, w0, lam, D) * (1 + 1e-14)


@settings(max_examples=20)
@given(seeds, st.sampled_from([2, 3, 4, math.inf]), st.floats(0.25, 4.0))
def test_rescaling_the_data_rescales_the_fit(seed, D, s):
    # Scaling law of the prox (prox(s z, s^{2−q} λ) = s prox(z, λ)) carried to G: with y → s y and
    # λ → s^{2−q} λ (q = 2/D, 0 for D = inf) the fit from s·w0 is s times the fit from w0 (1e-9 relative).
    loss = problem(seed, 20, 30)
    q = 0.0 if math.isinf(D) else 2.0 / D
    w0 = lq_start(loss.X, loss.y, 0.1, D)
    fit = fit_lq(loss, 0.1, D, w0)
    scaled = fit_lq(LeastSquares(loss.X, s * loss.y), 0.1 * s ** (2 - q), D, s * w0)
    np.testing.assert_allclose(scaled.w, s * fit.w, rtol=1e-9, atol=1e-12 * s)


@pytest.mark.parametrize("D", [1, 2, 3, math.inf])
def test_data_near_the_float64_limits_are_rescaled_exactly(D):
    # X → 2^300 X, y → 2^-250 y, λ → λ 2^{-250(2−q)} 2^{300 q}, w0 → 2^{-550} w0 and tol → 2^{50} tol give
    # the same fit scaled by 2^{-550} and the objective by 2^{-500} (the solver rescales by powers of two, so
    # to rounding: 1e-12 relative). Squares of these entries overflow float64 without the rescaling.
    loss = problem(3, 12, 20)
    q = 0.0 if math.isinf(D) else 2.0 / D
    lam, ea, eb = 0.05, 300, -250
    w0 = lq_start(loss.X, loss.y, lam, D) if D > 1 else np.zeros(20)
    ref = fit_lq(loss, lam, D, w0)
    big = fit_lq(
        LeastSquares(np.ldexp(loss.X, ea), np.ldexp(loss.y, eb)),
        lam * 2.0 ** ((2 - q) * eb + q * ea),
        D,
        np.ldexp(w0, eb - ea),
        tol=np.ldexp(1e-10, ea + eb),
    )
    np.testing.assert_allclose(np.ldexp(big.w, ea - eb), ref.w, rtol=1e-12, atol=1e-14)
    assert np.ldexp(big.objective, -2 * eb) == pytest.approx(ref.objective, rel=1e-12)
    assert big.converged == ref.converged


def test_extreme_magnitudes_finish_finite_or_raise():
    # Every combination returns finite results (a tolerance below rounding is reported as not converged) or
    # raises ValueError naming X and y when the solution or its objective is beyond float64; none hangs.
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 3)), rng.standard_normal(6)
    for sx, sy, lam, D in itertools.product(
        (1e-300, 1.0, 1e300), (1e-300, 1.0, 1e150), (1e-300, 0.1, 1e300), (2, 3, 10**6, math.inf)
    ):
        try:
            fit = fit_lq(LeastSquares(X * sx, y * sy), lam, D)
        except ValueError as exc:
            assert "X and y" in str(exc)
            continue
        assert np.all(np.isfinite(fit.w)) and np.isfinite(fit.objective) and np.isfinite(fit.residual)
        assert fit.n_iter < 1000


@settings(max_examples=15)
@given(seeds, st.sampled_from([1, 2, 3, math.inf]), st.integers(0, 9))
def test_zero_and_constant_columns(seed, D, col):
    # A zero column gets coefficient 0 and changes nothing else (the sweep skips it, in the same order);
    # no division by zero (warnings are errors here).
    loss = problem(seed, 15, 10)
    X = loss.X.copy()
    X[:, col] = 0.0
    with np.errstate(all="raise"):
        fit = fit_lq(LeastSquares(X, loss.y), 0.1, D, np.zeros(10))
        rest = fit_lq(LeastSquares(np.delete(X, col, axis=1), loss.y), 0.1, D, np.zeros(9))
    assert fit.w[col] == 0 and fit.converged
    np.testing.assert_allclose(np.delete(fit.w, col), rest.w, rtol=1e-12, atol=1e-14)
    all_zero = fit_lq(LeastSquares(np.zeros((5, 3)), np.ones(5)), 0.1, D)
    assert np.all(all_zero.w == 0) and all_zero.converged


def test_unfinished_fits_are_not_converged_and_tol_is_respected():
    loss = problem(1, 40, 80, 0.8)
    one = fit_lq(loss, 0.05, 3, np.zeros(80), max_iter=1, polish=False)
    assert not one.converged and one.n_iter == 1 and one.residual > 1e-10
    loose = fit_lq(loss, 0.05, 3, np.zeros(80), tol=1e-3, polish=False)
    assert loose.converged and loose.residual <= 1e-3
    plain = fit_lq(loss, 0.05, 2, polish=False)
    polished = fit_lq(loss, 0.05, 2)
    assert plain.converged and plain.objective == pytest.approx(polished.objective, rel=1e-9)


def test_penalty_value_matches_its_definition():
    w = np.array([0.0, -2.0, 0.5, 3.0])
    assert penalty_value(w, 1) == 4 + 0.25 + 9
    assert penalty_value(w, 2) == 5.5
    assert penalty_value(w, 4) == pytest.approx(2**0.5 + 0.5**0.5 + 3**0.5, rel=1e-15)
    assert penalty_value(w, math.inf) == 3


# --------------------------------------------------------------------------- #
# bad input
# --------------------------------------------------------------------------- #


X3, Y3 = np.eye(3), np.ones(3)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: lq_path(X3, Y3, 0), ValueError, "D"),
        (lambda: lq_path(X3, Y3, 2.5), ValueError, "D"),
        (lambda: lq_path(X3, Y3, "3"), TypeError, "D"),
        (lambda: lq_path(X3, Y3, 1), ValueError, "lams"),
        (lambda: lq_path(X3, Y3, 3, lams=[0.1, -1.0]), ValueError, "lams"),
        (lambda: lq_path(X3, Y3, 3, lams=[]), ValueError, "lams"),
        (lambda: lq_path(X3, Y3, 3, n_lams=0), ValueError, "n_lams"),
        (lambda: lq_path(X3, Y3, 3, eps=2.0), ValueError, "eps"),
        (lambda: lq_path(X3, Y3, 3, tol=0.0), ValueError, "tol"),
        (lambda: lq_path(X3, np.ones(4), 3), ValueError, "rows"),
        (lambda: lq_path(np.full((3, 3), np.nan), Y3, 3), ValueError, "X"),
        (lambda: lq_path(X3, [1.0, np.inf, 0.0], 3), ValueError, "y"),
        (lambda: lq_path(np.ones((0, 3)), np.ones(0), 3), ValueError, "X"),
        (lambda: lq_lambda_max(X3, Y3, -1), ValueError, "D"),
        (lambda: lq_start(X3, Y3, -0.1, 3), ValueError, "lam"),
        (lambda: lq_start(X3, Y3, 0.1, 3, how="ridge"), ValueError, "how"),
        (lambda: fit_lq(LeastSquares(X3, Y3), 0.1, 3, method="newton"), ValueError, "method"),
        (lambda: fit_lq(Scalar(np.ones(3)), 0.1, 3, method="cd"), TypeError, "LeastSquares"),
        (lambda: fit_lq(LeastSquares(X3, Y3), 0.1, 3, method="cd", step=0.1), ValueError, "step"),
        (lambda: fit_lq(LeastSquares(X3, Y3), 0.1, 3, np.ones(2)), ValueError, "w0"),
    ],
)
def test_bad_input_names_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_generic_losses_keep_proximal_gradient_and_accept_inf():
    # Scalar losses: the prox itself is the minimizer from the default start (zero-based start z).
    z = np.array([0.3, -2.0, 1.1])
    for D in (2, 3, math.inf):
        np.testing.assert_allclose(fit_lq(Scalar(z), 0.4, D).w, prox(z, 0.4, D), rtol=1e-12, atol=0)
    # X = I (n = 3): G = ‖w − z‖²/6 + λΣ|w_j|^{2/3} = (1/3)[½‖w − z‖² + 3λΣ|w_j|^{2/3}], minimized
    # coordinate-wise by prox(z, 3λ, 3) — from the start z, by both methods
    ls = LeastSquares(np.eye(3), z)
    for method in ("cd", "prox-grad"):
        np.testing.assert_allclose(fit_lq(ls, 0.4, 3, z, method=method).w, prox(z, 1.2, 3), rtol=1e-12, atol=0)
