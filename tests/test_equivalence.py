"""equivalence.py: factorized fits (F) and L_{2/D} fits (G) agree (claims C12–C17)."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dwf_theory import (
    Fit,
    LeastSquares,
    Scalar,
    brute_force_lq,
    collapse,
    factor_penalty,
    factorized_gradient,
    factorized_objective,
    fit_factorized,
    fit_lq,
    global_fit_factorized,
    imbalance,
    lasso_reference,
    lq_objective,
    lq_stationarity,
    prox,
)
from dwf_theory.equivalence import multistart_factorized, random_factors

seeds = st.integers(0, 2**32 - 1)
lams = st.floats(0.01, 0.5)


def _problem(seed, p=3, n=None):
    rng = np.random.default_rng(seed)
    n = 2 * p if n is None else n
    return LeastSquares(rng.standard_normal((n, p)), rng.standard_normal(n)), rng


@settings(max_examples=20)
@given(seeds, st.integers(1, 5), lams)
def test_fit_factorized_is_stationary_balanced_and_descends(seed, D, lam):
    loss, rng = _problem(seed)
    f0 = random_factors(loss, D, 1, rng=rng)[0]
    fit = fit_factorized(loss, lam, D, f0)
    assert fit.converged and not fit.diverged
    # Stationary: |∇F| <= tol (1e-10) recomputed independently of the fit's own report.
    assert np.max(np.abs(factorized_gradient(loss, fit.factors, lam))) <= 1e-10
    # Never worse than the start (absolute slack 1e-14 for rounding).
    assert fit.objective <= factorized_objective(loss, f0, lam) + 1e-14
    assert fit.objective == pytest.approx(factorized_objective(loss, fit.factors, lam), rel=1e-15)
    np.testing.assert_array_equal(fit.w, collapse(fit.factors))
    # Stationary points of F with λ > 0 are balanced: ω_d² = −D g w/(2λ) for every d (absolute 1e-8).
    assert np.max(imbalance(fit.factors)) <= 1e-8


@settings(max_examples=20)
@given(seeds, st.integers(1, 6), lams)
def test_fit_lq_is_a_fixed_point_stationary_on_support_and_descends(seed, D, lam):
    loss, rng = _problem(seed, p=5)
    w0 = rng.normal(0, 1, 5)
    fit = fit_lq(loss, lam, D, w0)
    assert fit.converged and fit.factors is None
    assert fit.objective <= lq_objective(loss, w0, lam, D) + 1e-14
    # Fixed point of the proximal-gradient map (absolute 1e-10 with η = 1/‖XᵀX/n‖₂).
    eta = 1 / np.linalg.eigvalsh(loss.hessian(fit.w))[-1]
    np.testing.assert_allclose(prox(fit.w - eta * loss.grad(fit.w), eta * lam, D), fit.w, rtol=0, atol=1e-10)
    assert lq_stationarity(loss, fit.w, lam, D) <= 1e-8


@settings(max_examples=15)
@given(seeds, st.floats(0.0, 2.0), st.integers(2, 6))
def test_depth_one_is_ridge(seed, lam, p):
    # D = 1: G = ‖Xw − y‖²/(2n) + λ‖w‖², minimized by (XᵀX/n + 2λI)⁻¹ Xᵀy/n (relative 1e-9).
    loss, rng = _problem(seed, p=p, n=3 * p)
    ridge = np.linalg.solve(loss.X.T @ loss.X / loss.n + 2 * lam * np.eye(p), loss.X.T @ loss.y / loss.n)
    scale = 1 + np.max(np.abs(ridge))
    np.testing.assert_allclose(fit_factorized(loss, lam, 1, rng=rng).w, ridge, rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(fit_lq(loss, lam, 1).w, ridge, rtol=0, atol=1e-9 * scale)


@settings(max_examples=10)
@given(seeds, st.floats(0.02, 0.4))
def test_depth_two_matches_lasso(seed, lam):
    loss, rng = _problem(seed, p=6, n=15)
    ref = lasso_reference(loss, lam)
    # Absolute 1e-8: sklearn's coordinate descent runs to tol=1e-14.
    np.testing.assert_allclose(fit_lq(loss, lam, 2).w, ref, rtol=0, atol=1e-8)
    np.testing.assert_allclose(global_fit_factorized(loss, lam, 2, starts=2, rng=rng).w, ref, rtol=0, atol=1e-8)


@settings(max_examples=8)
@given(seeds, st.integers(2, 5), st.floats(0.02, 0.3))
def test_global_minima_of_F_and_G_agree(seed, D, lam):
    loss, rng = _problem(seed, p=2, n=4)
    bf = brute_force_lq(loss, lam, D, rng=rng)
    best = global_fit_factorized(loss, lam, D, starts=10, rng=rng)
    # min F = min G (relative 1e-8) and the collapse of F's minimizer attains it in G.
    assert best.objective == pytest.approx(bf.objective, rel=1e-8)
    assert lq_objective(loss, best.w, lam, D) == pytest.approx(bf.objective, rel=1e-8)


@settings(max_examples=8)
@given(seeds, st.integers(2, 5), st.floats(0.02, 0.3))
def test_brute_force_beats_local_fits_and_random_points(seed, D, lam):
    loss, rng = _problem(seed, p=3)
    bf = brute_force_lq(loss, lam, D, rng=rng)
    assert bf.converged
    locals_ = [fit_lq(loss, lam, D, rng.normal(0, 1, 3)).objective for _ in range(3)]
    randoms = [lq_objective(loss, x, lam, D) for x in rng.normal(0, 1, (200, 3))]
    assert bf.objective <= min(locals_ + randoms) + 1e-12


@given(seeds, st.integers(2, 6))
def test_loss_is_invariant_under_rescaling_symmetry(seed, D):
    # ω_d → c_d ω_d with Π c_d = 1 (and pairs of sign flips) leaves the loss unchanged; F changes only
    # through the penalty, which is smallest at the balanced rescaling (relative 1e-12).
    loss, rng = _problem(seed)
    f = rng.normal(0, 1, (D, 3))
    c = np.exp(rng.normal(0, 0.7, (D, 3)))
    c /= np.exp(np.mean(np.log(c), axis=0))
    flips = np.ones((D, 3))
    flips[rng.choice(D, 2, replace=False)] = -1.0
    for g in (c * f, flips * f):
        assert loss.loss(collapse(g)) == pytest.approx(loss.loss(collapse(f)), rel=1e-12)
    assert factorized_objective(loss, flips * f, 0.3) == pytest.approx(factorized_objective(loss, f, 0.3), rel=1e-14)


@settings(max_examples=10)
@given(seeds, st.integers(2, 4), lams)
def test_fits_from_symmetric_starts_reach_the_same_objective(seed, D, lam):
    # F is invariant under pairs of sign flips, so the fit from the flipped start is the flipped fit.
    loss, rng = _problem(seed)
    f0 = random_factors(loss, D, 1, rng=rng)[0]
    flips = np.ones_like(f0)
    flips[:2] = -1.0
    a, b = fit_factorized(loss, lam, D, f0), fit_factorized(loss, lam, D, flips * f0)
    assert a.objective == pytest.approx(b.objective, rel=1e-10)
    np.testing.assert_allclose(a.w, b.w, rtol=0, atol=1e-9)


@settings(max_examples=10)
@given(seeds, st.integers(2, 4), lams)
def test_gradient_descent_descends(seed, D, lam):
    loss, rng = _problem(seed)
    f0 = random_factors(loss, D, 1, rng=rng)[0]
    gd = fit_factorized(loss, lam, D, f0, method="gd", max_iter=300, polish=False)
    assert gd.objective <= factorized_objective(loss, f0, lam) + 1e-14
    assert not gd.diverged and np.all(np.isfinite(gd.factors))


def test_gradient_descent_divergence_is_reported():
    loss, _ = _problem(0)
    fit = fit_factorized(loss, 0.1, 3, np.full((3, 3), 3.0), method="gd", lr=50.0, max_iter=1000)
    assert fit.diverged and not fit.converged
    assert np.all(np.isfinite(fit.factors)) and np.all(np.isfinite(fit.w))


@given(st.floats(-20, 20), st.floats(0.01, 3), st.integers(1, 8))
def test_scalar_fit_lq_is_the_prox(z, lam, D):
    # For L = ½(w − z)², G's global minimum is prox(z); started at z, proximal gradient with η = 1 returns it.
    loss = Scalar(np.array([z]))
    np.testing.assert_allclose(fit_lq(loss, lam, D).w, prox(np.array([z]), lam, D), rtol=1e-14, atol=1e-300)


@given(st.floats(-20, 20), st.floats(0.01, 3), st.integers(1, 8))
def test_lq_stationarity_vanishes_at_prox_outputs(z, lam, D):
    loss = Scalar(np.array([z]))
    w = prox(np.array([z]), lam, D)
    assert lq_stationarity(loss, w, lam, D) <= 1e-12 * (1 + abs(z))
    assert lq_stationarity(loss, np.zeros(1), lam, D) == 0.0
    # Off a stationary point it is the size of the gradient of G.
    w1 = np.array([z + 1.0 if z + 1.0 != 0 else 2.0])
    q = 2 / D
    expected = abs(w1[0] - z + lam * q * np.sign(w1[0]) * abs(w1[0]) ** (q - 1))
    assert lq_stationarity(loss, w1, lam, D) == pytest.approx(expected, rel=1e-12)


@settings(max_examples=10)
@given(seeds, st.integers(2, 4), st.integers(2, 6))
def test_multistart_and_random_factors_shapes(seed, D, starts):
    loss, rng = _problem(seed)
    x0 = random_factors(loss, D, starts, rng=seed)
    assert x0.shape == (starts, D, 3) and np.all(np.isfinite(x0))
    np.testing.assert_array_equal(x0, random_factors(loss, D, starts, rng=seed))  # reproducible
    fits = multistart_factorized(loss, 0.1, D, starts=starts, rng=seed)
    best = global_fit_factorized(loss, 0.1, D, starts=starts, rng=seed)
    assert len(fits) == starts and best.objective == min(f.objective for f in fits)


def test_fit_is_frozen_and_penalty_matches():
    loss, _ = _problem(1)
    fit = fit_factorized(loss, 0.2, 3, rng=1)
    assert isinstance(fit, Fit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.objective = 0.0
    assert fit.objective == pytest.approx(loss.loss(fit.w) + 0.2 * factor_penalty(fit.factors), rel=1e-15)


# --------------------------------------------------------------------------- #
# bad input
# --------------------------------------------------------------------------- #

LOSS = LeastSquares(np.eye(3), np.ones(3))


@pytest.mark.parametrize("fn", [fit_factorized, fit_lq, brute_force_lq, global_fit_factorized])
def test_loss_must_be_a_loss(fn):
    with pytest.raises(TypeError, match="loss"):
        fn(lambda w: 0.0, 0.1, 2)


@pytest.mark.parametrize("fn", [fit_factorized, fit_lq, brute_force_lq, global_fit_factorized])
@pytest.mark.parametrize("lam", [-0.1, float("nan"), float("inf")])
def test_bad_lambda(fn, lam):
    with pytest.raises(ValueError, match="lam"):
        fn(LOSS, lam, 2)


@pytest.mark.parametrize("fn", [fit_factorized, fit_lq, brute_force_lq, global_fit_factorized])
@pytest.mark.parametrize("D", [0, 1.5, -2])
def test_bad_depth(fn, D):
    with pytest.raises(ValueError, match="D"):
        fn(LOSS, 0.1, D)


@pytest.mark.parametrize(
    "factors0",
    [np.ones((2, 3)), np.ones((3, 2)), np.full((3, 3), np.nan), np.full((3, 3), np.inf), np.ones(3)],
)
def test_bad_factors0(factors0):
    with pytest.raises(ValueError, match="factors0"):
        fit_factorized(LOSS, 0.1, 3, factors0)


@pytest.mark.parametrize("w0", [np.ones(2), np.array([1.0, np.nan, 0.0]), np.ones((3, 1))])
def test_bad_w0(w0):
    with pytest.raises(ValueError, match="w0"):
        fit_lq(LOSS, 0.1, 3, w0)


def test_bad_options():
    with pytest.raises(ValueError, match="method"):
        fit_factorized(LOSS, 0.1, 2, method="adam")
    with pytest.raises(ValueError, match="tol"):
        fit_lq(LOSS, 0.1, 2, tol=0.0)
    with pytest.raises(ValueError, match="max_iter"):
        fit_factorized(LOSS, 0.1, 2, max_iter=0)
    with pytest.raises(ValueError, match="lr"):
        fit_factorized(LOSS, 0.1, 2, method="gd", lr=-1.0)
    with pytest.raises(ValueError, match="step"):
        fit_lq(LOSS, 0.1, 2, step=float("nan"))
    with pytest.raises(ValueError, match="max_size"):
        brute_force_lq(LeastSquares(np.ones((3, 8)), np.ones(3)), 0.1, 3)
    with pytest.raises(ValueError, match="atol"):
        lq_stationarity(LOSS, np.ones(3), 0.1, 3, atol=-1.0)
    with pytest.raises(ValueError, match="w"):
        lq_stationarity(LOSS, np.ones(2), 0.1, 3)


def test_lasso_reference_input():
    with pytest.raises(TypeError, match="LeastSquares"):
        lasso_reference(Scalar(np.ones(3)), 0.1)
    with pytest.raises(ValueError, match="lam"):
        lasso_reference(LOSS, 0.0)
