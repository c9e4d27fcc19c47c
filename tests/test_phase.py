"""Tests for dwf_theory.phase: the (α, η), (λ, z) and (D, λ) diagrams."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dwf_theory.datasets import sparse_regression
from dwf_theory.dynamics import gradient_descent
from dwf_theory.landscape import max_stable_lr, scalar_critical_points
from dwf_theory.losses import LeastSquares, Scalar
from dwf_theory.phase import (
    DIVERGED,
    INIT_LR_NAMES,
    NONZERO,
    THRESHOLD_NAMES,
    ZERO,
    PhaseDiagram,
    init_lr_phase,
    sparsity_phase,
    threshold_phase,
    threshold_phase_gd,
)
from dwf_theory.prox import existence_threshold, prox, threshold

ALPHAS = np.logspace(-2, 0.4, 14)
LRS = np.logspace(-2, 0.8, 12)


def _plain_labels(z, lam, D, alphas, lrs, steps):
    """Independent reference: every point for every step with np.power, then the label rule."""
    eta, a = np.meshgrid(lrs, alphas, indexing="ij")
    ever = np.zeros(a.shape, bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            a = a - eta * ((np.power(a, D) - z) * np.power(a, D - 1) + 2 * lam / D * a)
            ever |= ~(np.isfinite(a) & (np.abs(a) <= 1e6))
        w = np.power(a, D)
        g = math.sqrt(D) * np.abs((w - z) * np.power(a, D - 1) + 2 * lam / D * a)
    out = np.full(a.shape, 3)
    out[g < 1e-8] = NONZERO
    out[np.abs(w) < 1e-6] = ZERO
    out[ever] = DIVERGED
    return out


@settings(max_examples=12)
@given(D=st.integers(1, 5), lam=st.floats(0.0, 0.5), z=st.floats(-2.0, 2.0))
def test_init_lr_labels_match_plain_loop(D, lam, z):
    """Active set and in-place arithmetic do not change the labels (away from the chaotic band,
    where a different rounding may decide: compared only for η below the stability edge)."""
    steps = 400
    pd = init_lr_phase(Scalar(z), lam, D, ALPHAS, LRS, steps, basin=False)
    edge = pd.overlays["balanced_stable_lr"]
    rows = LRS < 0.9 * (edge if np.isfinite(edge) else np.inf)
    ref = _plain_labels(z, lam, D, ALPHAS, LRS, steps)
    assert np.array_equal(pd.labels[rows], ref[rows])
    same = init_lr_phase(Scalar(z), lam, D, ALPHAS, LRS, steps, basin=False, active_set=False)
    assert np.array_equal(pd.labels, same.labels)


@settings(max_examples=10)
@given(seed=st.integers(0, 10_000))
def test_init_lr_labels_invariant_to_grid_order(seed):
    rng = np.random.default_rng(seed)
    pa, pl = rng.permutation(ALPHAS.size), rng.permutation(LRS.size)
    base = init_lr_phase(Scalar(1.0), 0.1, 3, ALPHAS, LRS, 300, basin=False)
    perm = init_lr_phase(Scalar(1.0), 0.1, 3, ALPHAS[pa], LRS[pl], 300, basin=False)
    assert np.array_equal(perm.labels, base.labels[np.ix_(pl, pa)])


def test_init_lr_labels_agree_with_factor_gradient_descent():
    """The balanced 1-D map is gradient descent on all D factors (dynamics.gradient_descent)."""
    D, lam, z, steps = 3, 0.1, 1.0, 300
    pd = init_lr_phase(Scalar(z), lam, D, ALPHAS[::3], LRS[::3], steps, basin=False)
    for i, lr in enumerate(LRS[::3]):
        for j, a in enumerate(ALPHAS[::3]):
            traj = gradient_descent(Scalar(z), np.full(D, a), lam, lr, steps, record_every=steps)
            if getattr(traj, "diverged", False):
                assert pd.labels[i, j] == DIVERGED
                continue
            f = traj.factors[-1]
            w = float(np.prod(f))
            g = (w - z) * np.prod(f) / f + 2 * lam / D * f
            if pd.labels[i, j] == ZERO:
                assert abs(w) < 1e-6
            elif pd.labels[i, j] == NONZERO:
                assert np.linalg.norm(g) < 1e-8


def test_init_lr_structure_and_overlays():
    D, lam, z = 3, 0.1, 1.0
    pd = init_lr_phase(Scalar(z), lam, D, ALPHAS, LRS, 1500)
    assert isinstance(pd, PhaseDiagram)
    assert pd.labels.shape == (LRS.size, ALPHAS.size) and pd.names == INIT_LR_NAMES
    assert set(np.unique(pd.label_names())) <= set(INIT_LR_NAMES)
    assert sum(pd.fraction(n) for n in pd.names) == pytest.approx(1.0, abs=1e-12)
    w_star = [c.w for c in scalar_critical_points(z, lam, D) if c.kind == "minimum" and c.w != 0][-1]
    assert pd.overlays["max_stable_lr"] == pytest.approx(max_stable_lr(w_star, lam, D, grad=w_star - z), rel=1e-12)
    # every 'nonzero' point lies below the balanced stability edge 2/h (linear stability), rel. margin 0
    rows = np.any(pd.labels == NONZERO, axis=1)
    assert np.all(LRS[rows] < pd.overlays["balanced_stable_lr"])
    # while the map is monotone (η < 1 here) the origin's basin ends at the saddle of the balanced line:
    # rel. 1e-3 (the multi-section refinement resolves about 1e-4)
    edge = pd.overlays["basin_edge"]
    ok = LRS < 1.0
    assert np.all(np.isfinite(edge[ok])) and np.allclose(edge[ok], pd.overlays["saddle_alpha"], rtol=1e-3)


def test_init_lr_least_squares_path():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((15, 3))
    loss = LeastSquares(X, X @ np.array([1.0, 0.0, -0.5]))
    pd = init_lr_phase(loss, 0.05, 2, [0.3, 1.0, 3.0], [0.01, 0.1, 5.0], 400)
    assert pd.labels.shape == (3, 3)
    assert np.all(pd.labels[-1, 1:] == DIVERGED)  # η = 5 far above 2/λ_max from α ≥ 1
    assert np.isfinite(pd.overlays["max_stable_lr"])


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


@given(D=st.integers(1, 12), lam=st.floats(1e-3, 5.0), z=st.floats(-10.0, 10.0))
def test_threshold_regions_agree_with_prox(D, lam, z):
    """'nonzero global' iff prox(z) ≠ 0; the middle region iff z_exist ≤ |z| ≤ τ (D ≥ 3)."""
    label = int(threshold_phase([z], [lam], D).labels[0, 0])
    assert (label == 2) == (prox(z, lam, D) != 0)
    middle = D >= 3 and existence_threshold(lam, D) <= abs(z) <= threshold(lam, D) and z != 0
    assert (label == 1) == middle


@given(lams=st.lists(st.floats(0.0, 3.0), min_size=1, max_size=6),
       zs=st.lists(st.floats(-5.0, 5.0), min_size=1, max_size=6), seed=st.integers(0, 1000))
def test_threshold_invariant_to_grid_order(lams, zs, seed):
    rng = np.random.default_rng(seed)
    lams, zs = np.array(lams), np.array(zs)
    pl, pz = rng.permutation(lams.size), rng.permutation(zs.size)
    a = threshold_phase(zs, lams, 4)
    b = threshold_phase(zs[pz], lams[pl], 4)
    assert np.array_equal(b.labels, a.labels[np.ix_(pl, pz)])
    assert np.array_equal(threshold_phase(-zs, lams, 4).labels, a.labels)  # symmetric in z


def test_threshold_gd_confirms_analytic_regions():
    for D in (2, 3, 5):
        lams, zs = np.linspace(0.1, 1.0, 6), np.linspace(-2.5, 2.5, 11)
        an, gd = threshold_phase(zs, lams, D), threshold_phase_gd(zs, lams, D, steps=3000)
        assert an.names == gd.names == THRESHOLD_NAMES
        assert np.array_equal(an.labels, gd.labels)


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


def test_sparsity_phase_depth_makes_exact_zeros():
    loss, w_true = sparse_regression(40, 12, 3, rng=5)
    sp = sparsity_phase(loss, [0.05, 0.2], [1, 2, 3, 4])
    assert sp.zero_fraction.shape == (4, 2) and sp.weights.shape == (4, 2, 12)
    assert np.all(sp.zero_fraction[0] == 0.0)  # ridge never gives exact zeros
    assert np.all(sp.zero_fraction[1:] > 0.0)
    assert np.all(np.diff(sp.zero_fraction, axis=1) >= 0)  # more λ, more zeros (here)
    assert np.all(sp.converged)
    assert np.array_equal(sp.zero_fraction, np.mean(sp.weights == 0, axis=2))


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
