"""Tests for dwf_theory.phase: the (α, η), (λ, z) and (D, λ) diagrams.

The claims run once in tests/test_claims.py cover: the active set against a plain loop (C48), the stability
edge and its overlays (C49), the origin's basin edge (C50), the three regions against gradient descent
(C51) and the local optimality of the sparsity fits (C52). The tests here label the diagrams
independently — gradient descent on all D factors (dynamics.gradient_descent) with autograd's gradient of
F, brute-force minimization of the scalar objective, scikit-learn's Lasso and the ridge closed form.
"""

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar
from sklearn.linear_model import Lasso

from dwf_theory.datasets import sparse_regression
from dwf_theory.dynamics import gradient_descent
from dwf_theory.losses import LeastSquares, Scalar
from dwf_theory.phase import (
    DIVERGED,
    INIT_LR_NAMES,
    NONZERO,
    NOT_CONVERGED,
    THRESHOLD_NAMES,
    ZERO,
    PhaseDiagram,
    init_lr_phase,
    sparsity_phase,
    threshold_phase,
    threshold_phase_gd,
)
from dwf_theory.prox import existence_threshold, threshold

ALPHAS = np.logspace(-2, 0.4, 14)
LRS = np.logspace(-2, 0.8, 12)


def _product(f, D):
    w = f[0]
    for d in range(1, D):  # plain products: autograd's prod rule divides by the factors
        w = w * f[d]
    return w


def _label(diverged, w, grad):
    """The label rule of init_lr_phase (bound 1e6, zero_tol 1e-6, grad_tol 1e-8) on a final state."""
    if diverged:
        return DIVERGED
    if np.linalg.norm(w) < 1e-6:
        return ZERO
    return NONZERO if np.linalg.norm(grad) < 1e-8 else NOT_CONVERGED


def _scalar_gd_labels(z, lam, D, alphas, lrs, steps, momentum=0.0):
    """Every (η, α) as one problem of a batch: gradient descent on all D factors, gradient by autograd."""
    A, E = np.meshgrid(alphas, lrs)
    n = A.size
    f0 = np.full((D, n), A.reshape(n))
    tr = gradient_descent(
        Scalar(np.full(n, z)), f0, lam, E.reshape(n), steps, momentum=momentum, record_every=steps, bound=1e6
    )
    f = tr.factors[-1]
    grad = autograd.grad(lambda f: anp.sum(0.5 * (_product(f, D) - z) ** 2) + lam / D * anp.sum(f * f))(f)
    labels = [_label(tr.diverged_step[j] >= 0, np.prod(f[:, j]), grad[:, j]) for j in range(n)]
    return np.array(labels).reshape(A.shape)


@settings(max_examples=12)
@given(D=st.integers(1, 5), lam=st.floats(0.0, 0.5), z=st.floats(-2.0, 2.0))
def test_init_lr_labels_agree_with_factor_gradient_descent(D, lam, z):
    """Both directions, every label: the balanced 1-D map of init_lr_phase against gradient descent on all D
    factors. Divergence must agree everywhere; the other labels below 0.9× the balanced stability edge 2/h
    (above it lies the chaotic band, where rounding alone decides; measured: 0 differences there over 150
    random (D, λ, z) × 168 points, 1 of 6,720 in the band)."""
    steps = 300
    pd = init_lr_phase(Scalar(z), lam, D, ALPHAS, LRS, steps, basin=False)
    ref = _scalar_gd_labels(z, lam, D, ALPHAS, LRS, steps)
    np.testing.assert_array_equal(pd.labels == DIVERGED, ref == DIVERGED)
    edge = pd.overlays["balanced_stable_lr"]
    rows = LRS < 0.9 * (edge if edge is not None else np.inf)
    np.testing.assert_array_equal(pd.labels[rows], ref[rows])


@settings(max_examples=10)
@given(seed=st.integers(0, 10_000))
def test_init_lr_labels_invariant_to_grid_order(seed):
    rng = np.random.default_rng(seed)
    pa, pl = rng.permutation(ALPHAS.size), rng.permutation(LRS.size)
    base = init_lr_phase(Scalar(1.0), 0.1, 3, ALPHAS, LRS, 300, basin=False)
    perm = init_lr_phase(Scalar(1.0), 0.1, 3, ALPHAS[pa], LRS[pl], 300, basin=False)
    assert np.array_equal(perm.labels, base.labels[np.ix_(pl, pa)])


def test_init_lr_structure():
    pd = init_lr_phase(Scalar(1.0), 0.1, 3, ALPHAS, LRS, 1500)
    assert isinstance(pd, PhaseDiagram)
    assert pd.labels.shape == (LRS.size, ALPHAS.size) and pd.names == INIT_LR_NAMES
    np.testing.assert_array_equal(pd.x, ALPHAS)
    np.testing.assert_array_equal(pd.y, LRS)
    for code, name in enumerate(INIT_LR_NAMES):
        assert pd.fraction(name) == np.mean(pd.labels == code)
        assert np.all((pd.label_names() == name) == (pd.labels == code))


def test_init_lr_least_squares_path_agrees_with_gradient_descent():
    # The general-loss path (all D factors) against dynamics.gradient_descent run separately per point, with
    # autograd's gradient of F for the label rule: every label, both directions.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((15, 3))
    loss = LeastSquares(X, X @ np.array([1.0, 0.0, -0.5]))
    alphas, lrs, lam, steps = [0.3, 1.0, 3.0], [0.01, 0.1, 5.0], 0.05, 400
    for D in (1, 2, 3):
        pd = init_lr_phase(loss, lam, D, alphas, lrs, steps)

        def F(f, D=D):
            r = anp.dot(X, _product(f, D)) - loss.y
            return anp.sum(r * r) / (2 * X.shape[0]) + lam / D * anp.sum(f * f)

        ref = np.empty((len(lrs), len(alphas)), int)
        for i, lr in enumerate(lrs):
            for j, a in enumerate(alphas):
                tr = gradient_descent(loss, np.full((D, 3), a), lam, lr, steps, record_every=steps, bound=1e6)
                f = tr.factors[-1]
                ref[i, j] = _label(tr.diverged, np.prod(f, axis=0), autograd.grad(F)(f))
        np.testing.assert_array_equal(pd.labels, ref)
        assert np.isfinite(pd.overlays["max_stable_lr"])


@settings(max_examples=10)
@given(D=st.integers(1, 4), lam=st.floats(0.0, 0.5), z=st.floats(-2.0, 2.0), mu=st.floats(0.05, 0.95))
def test_init_lr_with_momentum_agrees_with_heavy_ball_on_all_factors(D, lam, z, mu):
    """The balanced heavy-ball map of init_lr_phase against dynamics.gradient_descent with momentum on all D
    factors: divergence everywhere, every label below 0.9× the balanced edge 2(1 + μ)/h (measured: 0
    differences over 120 random (D, λ, z, μ), 15,806 labels below that line)."""
    steps = 300
    pd = init_lr_phase(Scalar(z), lam, D, ALPHAS, LRS, steps, momentum=mu, basin=False)
    ref = _scalar_gd_labels(z, lam, D, ALPHAS, LRS, steps, momentum=mu)
    np.testing.assert_array_equal(pd.labels == DIVERGED, ref == DIVERGED)
    edge = pd.overlays["balanced_stable_lr"]
    rows = LRS < 0.9 * (edge if edge is not None else np.inf)
    np.testing.assert_array_equal(pd.labels[rows], ref[rows])
    assert pd.params["momentum"] == mu


def test_init_lr_momentum_edges_are_one_plus_mu_times_the_plain_ones():
    # 2(1 + μ)/λ_max against 2/λ_max (rel. 4 ulp); the plain diagram's params say momentum 0.
    plain = init_lr_phase(Scalar(1.5), 0.1, 3, [0.5], [0.1], 10, basin=False)
    heavy = init_lr_phase(Scalar(1.5), 0.1, 3, [0.5], [0.1], 10, momentum=0.7, basin=False)
    for key in ("max_stable_lr", "balanced_stable_lr"):
        np.testing.assert_allclose(heavy.overlays[key], 1.7 * plain.overlays[key], rtol=1e-15)
    assert plain.params["momentum"] == 0.0


def test_init_lr_least_squares_path_with_momentum_agrees_with_gradient_descent():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((15, 3))
    loss = LeastSquares(X, X @ np.array([1.0, 0.0, -0.5]))
    alphas, lrs, lam, steps, mu = [0.3, 1.0, 3.0], [0.01, 0.1, 5.0], 0.05, 400, 0.6
    for D in (1, 2, 3):
        pd = init_lr_phase(loss, lam, D, alphas, lrs, steps, momentum=mu)

        def F(f, D=D):
            r = anp.dot(X, _product(f, D)) - loss.y
            return anp.sum(r * r) / (2 * X.shape[0]) + lam / D * anp.sum(f * f)

        ref = np.empty((len(lrs), len(alphas)), int)
        for i, lr in enumerate(lrs):
            for j, a in enumerate(alphas):
                f0 = np.full((D, 3), a)
                tr = gradient_descent(loss, f0, lam, lr, steps, momentum=mu, record_every=steps, bound=1e6)
                f = tr.factors[-1]
                ref[i, j] = _label(tr.diverged, np.prod(f, axis=0), autograd.grad(F)(f))
        np.testing.assert_array_equal(pd.labels, ref)


def test_init_lr_basin_edge_with_momentum_bounds_runs_that_end_at_zero():
    # With momentum the basin is "ends at zero": every grid α below the edge must be labelled zero.
    pd = init_lr_phase(Scalar(1.0), 0.1, 3, ALPHAS, LRS[:6], 1500, momentum=0.5)
    edge = pd.overlays["basin_edge"]
    assert np.ma.count(edge) > 0
    for i in np.flatnonzero(~np.ma.getmaskarray(edge)):
        assert np.all(pd.labels[i, ALPHAS < edge[i]] == ZERO)


@pytest.mark.parametrize("mu, exc", [(1.0, ValueError), (-0.1, ValueError), (np.nan, ValueError), (True, TypeError)])
def test_init_lr_bad_momentum_is_refused_naming_it(mu, exc):
    with pytest.raises(exc, match="momentum"):
        init_lr_phase(Scalar(1.0), 0.1, 3, [0.1], [0.1], 10, momentum=mu)


def test_init_lr_bad_input():
    loss = Scalar(1.0)
    for bad in ([], [0.1, 0.0], [-1.0], [[0.1, 0.2]]):
        with pytest.raises(ValueError, match="alphas"):
            init_lr_phase(loss, 0.1, 3, bad, [0.1], 10)
        with pytest.raises(ValueError, match="lrs"):
            init_lr_phase(loss, 0.1, 3, [0.1], bad, 10)
    with pytest.raises(ValueError, match="alphas"):
        init_lr_phase(loss, 0.1, 3, [np.nan], [0.1], 10)
    with pytest.raises(ValueError, match="steps"):
        init_lr_phase(loss, 0.1, 3, [0.1], [0.1], 0)
    with pytest.raises(ValueError, match="lam"):
        init_lr_phase(loss, -0.1, 3, [0.1], [0.1], 10)
    with pytest.raises(TypeError, match="loss"):
        init_lr_phase("loss", 0.1, 3, [0.1], [0.1], 10)


# --------------------------------------------------------------------------- #
# threshold diagram
# --------------------------------------------------------------------------- #


def _brute_force_region(z, lam, D):
    """Region of ½(w − z)² + λ|w|^{2/D} from its local minima on w > 0 (by symmetry |z|), found on a
    20,001-point log grid over [1e-5, 1.001]·|z| and refined by bounded Brent: 0 if there is no nonzero local
    minimum, 2 if the best one beats w = 0, else 1. Every nonzero local minimum lies above |z|/11 (derived
    here: above the inflection for D ≥ 3, whence w ≥ |z|(1 − q)/(2 − q) ≥ |z|/4; |z|/(1 + 2λ) for D = 1;
    |z| − λ ≥ 1e-3|z| for D = 2 away from the threshold)."""
    a, q = abs(z), 2.0 / D
    if a == 0:
        return 0

    def h(w):
        return 0.5 * (w - a) ** 2 + lam * w**q

    w = np.geomspace(1e-5 * a, 1.001 * a, 20001)
    hv = h(w)
    minima = np.flatnonzero((hv[1:-1] < hv[:-2]) & (hv[1:-1] <= hv[2:])) + 1
    best = min(
        (
            minimize_scalar(h, bounds=(w[i - 1], w[i + 1]), method="bounded", options={"xatol": 1e-14 * w[i]}).fun
            for i in minima
        ),
        default=np.inf,
    )
    if not np.isfinite(best):
        return 0
    return 2 if best < 0.5 * a * a else 1


@given(
    D=st.integers(1, 12), lam=st.floats(1e-3, 5.0), z=st.floats(-10.0, 10.0).filter(lambda x: x == 0 or abs(x) > 1e-100)
)  # the grid squares |z|
def test_threshold_regions_agree_with_brute_force(D, lam, z):
    """The closed-form regions against brute-force minimization of the scalar objective (no τ, z_exist or prox
    involved; measured: 0 differences over 3,000 random (D, λ, z), 189 of them in the middle region). Points
    within 1e-3 (relative) of τ or z_exist, where the region changes, are skipped."""
    for edge in (threshold(lam, D), existence_threshold(lam, D)):
        if edge > 0 and abs(abs(z) - edge) < 1e-3 * edge:
            return
    pd = threshold_phase([z], [lam], D)
    assert pd.names == THRESHOLD_NAMES
    assert int(pd.labels[0, 0]) == _brute_force_region(z, lam, D)


@given(
    lams=st.lists(st.floats(0.0, 3.0), min_size=1, max_size=6),
    zs=st.lists(st.floats(-5.0, 5.0), min_size=1, max_size=6),
    seed=st.integers(0, 1000),
)
def test_threshold_invariant_to_grid_order(lams, zs, seed):
    rng = np.random.default_rng(seed)
    lams, zs = np.array(lams), np.array(zs)
    pl, pz = rng.permutation(lams.size), rng.permutation(zs.size)
    a = threshold_phase(zs, lams, 4)
    b = threshold_phase(zs[pz], lams[pl], 4)
    assert np.array_equal(b.labels, a.labels[np.ix_(pl, pz)])
    assert np.array_equal(threshold_phase(-zs, lams, 4).labels, a.labels)  # symmetric in z


def test_missing_overlays_are_none_or_masked():
    """An overlay that does not exist for the problem is None (a number) or masked (an array), never a bare NaN."""
    pd = init_lr_phase(Scalar(0.0), 0.1, 3, [0.1, 0.5], [0.1], 50)  # z = 0: no nonzero minimum, no saddle
    assert pd.overlays["max_stable_lr"] is None and pd.overlays["balanced_stable_lr"] is None
    assert pd.overlays["w_star"] is None and pd.overlays["saddle_alpha"] is None
    X = np.eye(3)
    pd = init_lr_phase(LeastSquares(X, np.ones(3)), 0.1, 2, [0.1, 0.5], [0.1, 0.2], 50)  # no balanced overlays
    assert pd.overlays["balanced_stable_lr"] is None and np.all(np.ma.getmaskarray(pd.overlays["basin_edge"]))
    gd = threshold_phase_gd([0.05, 2.0], [0.5], 3, starts=4, steps=500)
    found, best = gd.overlays["found_nonzero"], gd.overlays["best_objective"]
    assert found.tolist() == [[False, True]]  # |z| = 0.05 is below z_exist(0.5) = 0.77 for D = 3
    np.testing.assert_array_equal(np.ma.getmaskarray(best), ~found)
    assert np.all(np.isfinite(best.compressed()))
    with pytest.raises(ValueError, match="lr_scale"):
        threshold_phase_gd([1.0], [0.1], 3, lr_scale=2.0)
    with pytest.raises(TypeError, match="basin"):
        init_lr_phase(Scalar(1.0), 0.1, 3, [0.1], [0.1], 10, basin=None)


def test_threshold_bad_input():
    with pytest.raises(ValueError, match="lams"):
        threshold_phase([1.0], [], 3)
    with pytest.raises(ValueError, match="lams"):
        threshold_phase([1.0], [-0.1], 3)
    with pytest.raises(ValueError, match="zs"):
        threshold_phase([np.inf], [0.1], 3)
    with pytest.raises(ValueError, match="D"):
        threshold_phase([1.0], [0.1], 0)


# --------------------------------------------------------------------------- #
# sparsity diagram
# --------------------------------------------------------------------------- #


def test_sparsity_phase_against_lasso_and_ridge():
    # D = 2 is scikit-learn's Lasso (same zeros; weights to atol 1e-13, 65× the measured 1.6e-15) and D = 1 the
    # ridge closed form (XᵀX/n + 2λI)⁻¹Xᵀy/n (rel. 5e-14, 100× the measured 5e-16). The zeros and local
    # optimality for D ≥ 3 are claim C52.
    loss, _ = sparse_regression(40, 12, 3, rng=5)
    lams = [0.05, 0.2]
    sp = sparsity_phase(loss, lams, [1, 2, 3, 4])
    assert sp.zero_fraction.shape == (4, 2) and sp.weights.shape == (4, 2, 12) and np.all(sp.converged)
    np.testing.assert_array_equal(sp.zero_fraction, np.mean(sp.weights == 0, axis=2))
    X, y, n = loss.X, loss.y, loss.X.shape[0]
    for j, lam in enumerate(lams):
        lasso = Lasso(alpha=lam, fit_intercept=False, tol=1e-14, max_iter=1_000_000).fit(X, y).coef_
        np.testing.assert_array_equal(sp.weights[1, j] == 0, lasso == 0)
        np.testing.assert_allclose(sp.weights[1, j], lasso, rtol=0, atol=1e-13)
        ridge = np.linalg.solve(X.T @ X / n + 2 * lam * np.eye(12), X.T @ y / n)
        np.testing.assert_allclose(sp.weights[0, j], ridge, rtol=0, atol=5e-14 * np.max(np.abs(ridge)))


def test_sparse_regression_and_bad_input():
    loss, w = sparse_regression(10, 6, 2, rng=0)
    assert np.count_nonzero(w) == 2 and loss.shape == (6,)
    with pytest.raises(ValueError, match="k"):
        sparse_regression(10, 3, 4)
    with pytest.raises(ValueError, match="lams"):
        sparsity_phase(loss, [0.0], [2])
    with pytest.raises(ValueError, match="depths"):
        sparsity_phase(loss, [0.1], [])
    with pytest.raises(ValueError, match="depths"):
        sparsity_phase(loss, [0.1], [0])
