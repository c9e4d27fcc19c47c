"""landscape.py: Hessian of F vs finite differences, sharpness, stable rates, scalar critical points."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dwf_theory import (
    LeastSquares,
    Scalar,
    balanced_factors,
    existence_threshold,
    factorized_gradient,
    factorized_objective,
    prox,
    threshold,
)
from dwf_theory.landscape import (
    balanced_eigenvalues,
    balanced_sharpness,
    factorized_hessian,
    leave_two_out_products,
    max_stable_lr,
    scalar_critical_points,
)

depths = st.integers(1, 5)
lams = st.floats(0.0, 2.0)
seeds = st.integers(0, 2**32 - 1)


def _problem(seed, D, kind):
    rng = np.random.default_rng(seed)
    if kind == "ls":
        loss = LeastSquares(rng.standard_normal((6, 3)), rng.standard_normal(6))
    else:
        loss = Scalar(rng.uniform(-2, 2, 3))
    return loss, rng.uniform(-1.5, 1.5, (D, 3))


@given(seed=seeds, D=depths, lam=lams, kind=st.sampled_from(["ls", "scalar"]))
def test_hessian_matches_central_differences_of_the_gradient(seed, D, lam, kind):
    loss, f = _problem(seed, D, kind)
    H = factorized_hessian(loss, f, lam)
    h = 1e-6
    fd = np.empty_like(H)
    for i in range(f.size):
        e = np.zeros(f.size)
        e[i] = h
        e = e.reshape(f.shape)
        fd[:, i] = ((factorized_gradient(loss, f + e, lam) - factorized_gradient(loss, f - e, lam)) / (2 * h)).ravel()
    # central differences: truncation O(h²·|F'''|) plus rounding O(eps/h); 1e-6 relative to the scale of H
    assert np.max(np.abs(H - fd)) <= 1e-6 * max(1.0, np.max(np.abs(H)))
    assert np.array_equal(H, H.T) or np.max(np.abs(H - H.T)) <= 1e-12 * max(1.0, np.max(np.abs(H)))


@given(seed=seeds, D=st.integers(2, 5), lam=lams, pair=st.tuples(st.integers(0, 4), st.integers(0, 4)))
def test_hessian_is_equivariant_under_paired_sign_flips(seed, D, lam, pair):
    # Flipping the signs of two factors leaves F unchanged, so H(Sω) = S H(ω) S.
    d, k = pair[0] % D, pair[1] % D
    if d == k:
        k = (d + 1) % D
    loss, f = _problem(seed, D, "ls")
    s = np.ones_like(f)
    s[[d, k]] = -1
    H, Hs = factorized_hessian(loss, f, lam), factorized_hessian(loss, s * f, lam)
    S = s.ravel()
    assert np.allclose(Hs, S[:, None] * H * S[None, :], rtol=1e-12, atol=1e-12)


@given(seed=seeds, D=st.integers(1, 6))
def test_leave_two_out_products_match_brute_force(seed, D):
    f = np.random.default_rng(seed).uniform(-2, 2, (D, 4))
    f[0, 0] = 0.0  # exact at zeros (no division)
    Q = leave_two_out_products(f)
    for d in range(D):
        for k in range(D):
            expect = 0.0 if d == k else np.prod(np.delete(f, [d, k], axis=0), axis=0)
            assert np.allclose(Q[d, k], expect, rtol=1e-14, atol=0)


@given(
    w=st.floats(-3, 3).filter(lambda x: abs(x) > 1e-3),
    z=st.floats(-3, 3),
    lam=lams,
    D=depths,
)
def test_balanced_eigenvalues_match_the_numeric_spectrum_anywhere(w, z, lam, D):
    # With grad given, the formula holds at any balanced point, stationary or not.
    along, across = balanced_eigenvalues(w, lam, D, grad=w - z)
    eig = np.linalg.eigvalsh(factorized_hessian(Scalar(z), balanced_factors(w, D), lam))
    stated = np.sort([float(along)] + [float(across)] * (D - 1))
    assert np.allclose(eig, stated, rtol=1e-10, atol=1e-10 * max(1.0, np.max(np.abs(eig))))


@given(z=st.floats(-4, 4), lam=st.floats(0.01, 1.5), D=depths)
def test_sharpness_at_the_prox_minimum_is_the_largest_eigenvalue(z, lam, D):
    w = float(prox(z, lam, D))
    if w == 0.0 and D == 2:
        return  # needs grad; covered below
    lmax = balanced_sharpness(w, lam, D)
    eig = np.linalg.eigvalsh(factorized_hessian(Scalar(z), balanced_factors(w, D), lam))
    assert lmax == pytest.approx(eig[-1], rel=1e-10, abs=1e-12)
    assert max_stable_lr(w, lam, D) == pytest.approx(2.0 / eig[-1], rel=1e-10)
    if w != 0 and D >= 2:
        a = abs(w)
        assert lmax == pytest.approx(max(D * a ** (2 - 2 / D) - 2 * lam * (D - 2) / D, 4 * lam / D), rel=1e-12)


def test_sharpness_special_cases():
    # origin: 2λ/D for D ≥ 3; D = 2 at 0 needs L'(0): eigenvalues λ ± |L'|; D = 1: L'' + 2λ
    assert balanced_sharpness(0.0, 0.6, 3) == pytest.approx(0.4)
    assert balanced_sharpness(0.0, 0.5, 2, grad=-1.2) == pytest.approx(1.7)
    assert balanced_sharpness(0.7, 0.5, 1, curvature=3.0) == pytest.approx(4.0)
    assert max_stable_lr(0.0, 0.0, 4) == np.inf  # flat: every rate is stable, not NaN
    out = balanced_sharpness(np.array([0.5, 1.0, 2.0]), 0.2, 3, curvature=np.array([1.0, 2.0, 0.5]))
    assert out.shape == (3,) and np.all(np.isfinite(out))
    with pytest.raises(ValueError, match="grad"):
        balanced_sharpness(0.0, 0.5, 2)
    with pytest.raises(ValueError, match="lam"):
        balanced_sharpness(1.0, -0.1, 3)
    with pytest.raises((ValueError, TypeError), match="D"):
        max_stable_lr(1.0, 0.1, 0)
    with pytest.raises(ValueError, match="w"):
        balanced_sharpness(np.nan, 0.1, 3)


@given(z=st.floats(-4, 4), lam=st.floats(0.0, 1.5), D=depths)
@settings(max_examples=60)
def test_scalar_critical_points_are_critical_and_correctly_classified(z, lam, D):
    points = scalar_critical_points(z, lam, D)
    loss = Scalar(z)
    for cp in points:
        g = factorized_gradient(loss, cp.factors, lam)
        assert np.max(np.abs(g)) <= 1e-9 * max(1.0, abs(z))
        eig = np.linalg.eigvalsh(factorized_hessian(loss, cp.factors, lam))
        assert np.allclose(eig, cp.eigenvalues, atol=1e-9 * max(1.0, np.max(np.abs(eig))))
        assert cp.objective == pytest.approx(factorized_objective(loss, cp.factors, lam), rel=1e-12, abs=1e-15)
        assert np.prod(cp.factors) == pytest.approx(cp.w, rel=1e-12, abs=0)
        if cp.kind == "minimum":
            assert np.all(eig > 0)
        elif cp.kind == "saddle":
            assert eig[0] < 0 < eig[-1]
    ws = [cp.w for cp in points]
    assert ws == sorted(ws, key=abs)


@given(z=st.floats(-4, 4), lam=st.floats(0.01, 1.5), D=st.integers(2, 6))
def test_origin_rule_and_number_of_points(z, lam, D):
    points = scalar_critical_points(z, lam, D)
    origin = points[0]
    assert origin.w == 0.0
    if D >= 3:
        assert origin.kind == "minimum"  # strict local minimum for every λ > 0
        zex = existence_threshold(lam, D)
        expected = 1 if abs(z) < zex * (1 - 1e-12) else 3 if abs(z) > zex * (1 + 1e-12) else None
        if expected is not None:
            assert len(points) == expected
    elif abs(abs(z) - lam) > 1e-9:
        assert origin.kind == ("saddle" if abs(z) > lam else "minimum")
        assert len(points) == (2 if abs(z) > lam else 1)
    # above the threshold the largest critical point is the global minimizer, prox(z)
    if abs(z) > threshold(lam, D) * (1 + 1e-9) and len(points) > 1:
        assert points[-1].w == pytest.approx(float(prox(z, lam, D)), rel=1e-12)
        assert points[-1].kind == "minimum"


def test_scalar_critical_points_bad_input_and_lambda_zero():
    with pytest.raises(ValueError, match="z"):
        scalar_critical_points(np.inf, 0.1, 3)
    with pytest.raises(ValueError, match="lam"):
        scalar_critical_points(1.0, -1.0, 3)
    pts = scalar_critical_points(1.0, 0.0, 3)  # λ = 0: a manifold of minima, reported as degenerate
    assert pts[-1].w == pytest.approx(1.0) and pts[-1].kind == "degenerate"
    (only,) = scalar_critical_points(1.0, 0.5, 1)
    assert only.w == pytest.approx(0.5) and only.kind == "minimum"


@given(seed=seeds)
@settings(max_examples=10)
def test_factorized_hessian_rejects_bad_factors(seed):
    loss, f = _problem(seed, 3, "ls")
    with pytest.raises(ValueError):
        factorized_hessian(loss, np.full_like(f, np.nan), 0.1)
    with pytest.raises(ValueError, match="lam"):
        factorized_hessian(loss, f, -0.5)
