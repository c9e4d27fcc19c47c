"""equivalence.py: factorized fits (F) and L_{2/D} fits (G).

F(ω) = L(ω_1⊙…⊙ω_D) + (λ/D)Σ_d‖ω_d‖² and G(w) = L(w) + λΣ_j|w_j|^{2/D} have the same global minima and
matching local minima (Kolb et al., ICLR 2025). The statements themselves are claims C12–C17 (equal global
minima, balanced local minima, D = 2 is scikit-learn's Lasso, stationarity, collapse and lift of minimizers),
run once in tests/test_claims.py. The tests here check the solvers: their results are verified with
autograd's derivatives of F and G written out independently of the package, closed forms (ridge),
perturbations (no nearby point does better) and exact symmetries.
"""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dwf_theory import (
    LeastSquares,
    Scalar,
    brute_force_lq,
    collapse,
    factorized_objective,
    fit_factorized,
    fit_lq,
    global_fit_factorized,
    imbalance,
    lasso_reference,
    lq_objective,
    lq_stationarity,
)
from dwf_theory.equivalence import multistart_factorized, random_factors

seeds = st.integers(0, 2**32 - 1)
lams = st.floats(0.01, 0.5)


def _problem(seed, p=3, n=None):
    rng = np.random.default_rng(seed)
    n = 2 * p if n is None else n
    return LeastSquares(rng.standard_normal((n, p)), rng.standard_normal(n)), rng


def _F(loss, lam, D):
    """F(ω) = ‖X Π_d ω_d − y‖²/(2n) + (λ/D)Σ‖ω_d‖², written for autograd (no package code)."""

    def F(f):
        w = f[0]
        for d in range(1, D):  # plain products: autograd's prod rule divides by the factors (NaN at zeros)
            w = w * f[d]
        r = anp.dot(loss.X, w) - loss.y
        return anp.sum(r * r) / (2 * loss.X.shape[0]) + lam / D * anp.sum(f * f)

    return F


def _G_on(loss, lam, D, S):
    """G restricted to the support S (other weights 0), as a function of w_S, for autograd."""
    XS = loss.X[:, S]

    def G(u):
        r = anp.dot(XS, u) - loss.y
        return anp.sum(r * r) / (2 * loss.X.shape[0]) + lam * anp.sum(anp.abs(u) ** (2.0 / D))

    return G


@settings(max_examples=20)
@given(seeds, st.integers(1, 5), lams)
def test_fit_factorized_is_stationary_balanced_and_descends(seed, D, lam):
    loss, rng = _problem(seed)
    f0 = random_factors(loss, D, 1, rng=rng)[0]
    fit = fit_factorized(loss, lam, D, f0)
    F = _F(loss, lam, D)
    assert fit.converged and not fit.diverged
    # Stationary by autograd's gradient of F (independent of the closed form the solver uses): the Newton
    # polish ends at rounding level. Tolerance 2e-14, 100× the measured worst 2e-16 (60 random fits).
    grad = autograd.grad(F)(fit.factors)
    assert np.max(np.abs(grad)) <= 2e-14
    # The reported objective is F at the reported factors (measured: identical), and never above the start.
    assert fit.objective == pytest.approx(F(fit.factors), rel=1e-14)
    assert fit.objective <= F(f0) * (1 + 1e-15)
    np.testing.assert_array_equal(fit.w, np.prod(fit.factors, axis=0))
    # Stationary points with λ > 0 are balanced: ω_d ∂F/∂ω_d − ω_k ∂F/∂ω_k = (2λ/D)(ω_d² − ω_k²) (derived
    # here), so the imbalance is at most (D/λ)·max|ω|·max|∇F|, plus rounding of ω² (1e-14·max ω²).
    bound = D / lam * np.max(np.abs(fit.factors)) * np.max(np.abs(grad)) + 1e-14 * max(1.0, np.max(fit.factors**2))
    assert np.max(imbalance(fit.factors)) <= bound


@settings(max_examples=10)
@given(seeds, st.integers(2, 5), lams)
def test_unfinished_fits_are_labelled_not_converged(seed, D, lam):
    # Both directions of the convergence flag: a fit stopped after 2 iterations (no polish) is converged iff
    # autograd's gradient of F there is within the tolerance 1e-10; a fit_lq iterate that the finished fit
    # from the same point beats (so no local minimum) is reported as not converged.
    loss, rng = _problem(seed)
    f0 = random_factors(loss, D, 1, rng=rng)[0]
    early = fit_factorized(loss, lam, D, f0, max_iter=2, polish=False)
    assert early.converged == (np.max(np.abs(autograd.grad(_F(loss, lam, D))(early.factors))) <= 1e-10)
    w0 = rng.normal(0, 1, 3)
    one = fit_lq(loss, lam, D, w0, max_iter=1, polish=False)
    done = fit_lq(loss, lam, D, one.w)
    if done.objective < one.objective - 1e-12 * abs(one.objective):
        assert not one.converged
    assert done.converged


@settings(max_examples=20)
@given(seeds, st.integers(1, 6), lams)
def test_fit_lq_descends_and_is_a_local_minimum(seed, D, lam):
    loss, rng = _problem(seed, p=5)
    w0 = rng.normal(0, 1, 5)
    fit = fit_lq(loss, lam, D, w0)
    assert fit.converged and fit.factors is None
    G0 = lq_objective(loss, fit.w, lam, D)
    # The reported objective is G at the reported weights (rel. 1e-14: the same terms, summed in another order
    # by the solver; measured 2e-16), and the fit never ends above its start.
    assert fit.objective == pytest.approx(G0, rel=1e-14) and G0 <= lq_objective(loss, w0, lam, D)
    # No nearby point does better: 400 random perturbations of size 1e-3 and 1e-5 (measured smallest gain
    # +2.6e-11·G over 60 fits); slack 1e-14·G for rounding.
    for size in (1e-3, 1e-5):
        for d in rng.standard_normal((200, 5)) * size:
            assert lq_objective(loss, fit.w + d, lam, D) >= G0 - 1e-14 * abs(G0)
    # Stationary on the support by autograd's gradient of G there (independent of the solver's conditions);
    # tolerance 1e-14 of the largest term λq|w_j|^{q−1} (measured worst 1e-16 absolute).
    S = fit.w != 0
    if S.any():
        grad = autograd.grad(_G_on(loss, lam, D, S))(fit.w[S])
        terms = lam * (2.0 / D) * np.abs(fit.w[S]) ** (2.0 / D - 1)
        assert np.max(np.abs(grad)) <= 1e-14 * (1 + np.max(terms))


@settings(max_examples=15)
@given(seeds, st.floats(0.0, 2.0), st.integers(2, 6))
def test_depth_one_is_ridge(seed, lam, p):
    # D = 1: G = ‖Xw − y‖²/(2n) + λ‖w‖², minimized by (XᵀX/n + 2λI)⁻¹ Xᵀy/n.
    # Tolerance 5e-14·(1 + max|w|): 100× the measured worst 5.5e-16 over 400 random problems.
    loss, rng = _problem(seed, p=p, n=3 * p)
    ridge = np.linalg.solve(loss.X.T @ loss.X / loss.n + 2 * lam * np.eye(p), loss.X.T @ loss.y / loss.n)
    scale = 1 + np.max(np.abs(ridge))
    np.testing.assert_allclose(fit_factorized(loss, lam, 1, rng=rng).w, ridge, rtol=0, atol=5e-14 * scale)
    np.testing.assert_allclose(fit_lq(loss, lam, 1).w, ridge, rtol=0, atol=5e-14 * scale)


@settings(max_examples=6)
@given(seeds, st.integers(2, 5), st.floats(0.02, 0.3))
def test_brute_force_beats_local_fits_and_random_points(seed, D, lam):
    # brute_force_lq is the reference global minimum of claims C12 and C16: nothing else may do better
    # (p = 2 keeps the 3^p enumeration cheap; the claims run it at p = 3).
    loss, rng = _problem(seed, p=2)
    bf = brute_force_lq(loss, lam, D, rng=rng)
    assert bf.converged
    locals_ = [fit_lq(loss, lam, D, rng.normal(0, 1, 2)).objective for _ in range(3)]
    randoms = [lq_objective(loss, x, lam, D) for x in rng.normal(0, 1, (200, 2))]
    assert bf.objective <= min(locals_ + randoms) * (1 + 1e-14)


@given(seeds, st.integers(2, 6))
def test_loss_is_invariant_under_rescaling_symmetry(seed, D):
    # ω_d → c_d ω_d with Π c_d = 1 and pairs of sign flips leave the product, hence the loss, unchanged (the
    # artificial symmetries of DWF). Rescaling: rel 1e-13 (measured worst 1.9e-15); flips are exact.
    loss, rng = _problem(seed)
    f = rng.normal(0, 1, (D, 3))
    c = np.exp(rng.normal(0, 0.7, (D, 3)))
    c /= np.exp(np.mean(np.log(c), axis=0))
    flips = np.ones((D, 3))
    flips[rng.choice(D, 2, replace=False)] = -1.0
    assert loss.loss(collapse(c * f)) == pytest.approx(loss.loss(collapse(f)), rel=1e-13)
    assert loss.loss(collapse(flips * f)) == loss.loss(collapse(f))
    assert factorized_objective(loss, flips * f, 0.3) == factorized_objective(loss, f, 0.3)


@settings(max_examples=10)
@given(seeds, st.integers(2, 4), lams)
def test_fits_from_symmetric_starts_reach_the_same_objective(seed, D, lam):
    # F is invariant under pairs of sign flips, so the fit from the flipped start is the flipped fit.
    # Sign flips are exact in floating point: measured identical; tolerance a few ulp.
    loss, rng = _problem(seed)
    f0 = random_factors(loss, D, 1, rng=rng)[0]
    flips = np.ones_like(f0)
    flips[:2] = -1.0
    a, b = fit_factorized(loss, lam, D, f0), fit_factorized(loss, lam, D, flips * f0)
    assert a.objective == pytest.approx(b.objective, rel=1e-15)
    np.testing.assert_allclose(a.w, b.w, rtol=1e-15, atol=1e-300)


@settings(max_examples=10)
@given(seeds, st.integers(2, 4), lams)
def test_gradient_descent_descends(seed, D, lam):
    loss, rng = _problem(seed)
    f0 = random_factors(loss, D, 1, rng=rng)[0]
    gd = fit_factorized(loss, lam, D, f0, method="gd", max_iter=300, polish=False)
    assert gd.objective <= factorized_objective(loss, f0, lam)
    assert not gd.diverged and np.all(np.isfinite(gd.factors))


def test_gradient_descent_divergence_is_reported():
    loss, _ = _problem(0)
    fit = fit_factorized(loss, 0.1, 3, np.full((3, 3), 3.0), method="gd", lr=50.0, max_iter=1000)
    assert fit.diverged and not fit.converged
    assert np.all(np.isfinite(fit.factors)) and np.all(np.isfinite(fit.w))


@settings(max_examples=20)
@given(seeds, st.integers(1, 8), st.floats(0.01, 3))
def test_lq_stationarity_is_the_gradient_of_G_on_the_support(seed, D, lam):
    # The residual is max_j |∂G/∂w_j| over the support (entries with |w_j| > zero_tol; the others are set to 0),
    # against autograd's gradient of G restricted to that support. Rel. 1e-13 (same terms, other order).
    loss, rng = _problem(seed, p=5)
    w = rng.normal(0, 1, 5)
    w[rng.random(5) < 0.3] = 1e-9  # "zeros" of a factor fit, below zero_tol
    S = np.abs(w) > 1e-6
    expected = np.max(np.abs(autograd.grad(_G_on(loss, lam, D, S))(w[S]))) if S.any() else 0.0
    assert lq_stationarity(loss, w, lam, D, zero_tol=1e-6) == pytest.approx(expected, rel=1e-13, abs=1e-300)
    assert lq_stationarity(loss, np.zeros(5), lam, D) == 0.0


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
    with pytest.raises(ValueError, match="lr applies to method='gd' only"):
        fit_factorized(LOSS, 0.1, 2, lr=0.1)
    with pytest.raises(TypeError, match="polish"):
        fit_factorized(LOSS, 0.1, 2, polish="yes")
    with pytest.raises(ValueError, match="lam"):  # F overflows float64 at the start
        fit_factorized(LOSS, 1e308, 3, np.full((3, 3), 2.0))
    with pytest.raises(ValueError, match="D and loss.shape"):  # the polish would form a (D·p)² Hessian
        fit_factorized(LOSS, 0.1, 10**6)
    with pytest.raises(ValueError, match="starts, D and loss.shape"):
        random_factors(LOSS, 10**6, 10**3)
    with pytest.raises(ValueError, match="step"):
        fit_lq(LOSS, 0.1, 2, step=float("nan"))
    with pytest.raises(ValueError, match="max_size"):
        brute_force_lq(LeastSquares(np.ones((3, 8)), np.ones(3)), 0.1, 3)
    with pytest.raises(ValueError, match="zero_tol"):
        lq_stationarity(LOSS, np.ones(3), 0.1, 3, zero_tol=-1.0)
    with pytest.raises(ValueError, match="w"):
        lq_stationarity(LOSS, np.ones(2), 0.1, 3)


def test_lasso_reference_input():
    with pytest.raises(TypeError, match="LeastSquares"):
        lasso_reference(Scalar(np.ones(3)), 0.1)
    with pytest.raises(ValueError, match="lam"):
        lasso_reference(LOSS, 0.0)
