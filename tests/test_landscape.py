"""landscape.py: Hessian of F, sharpness at balanced points, stable rates, scalar critical points.

The closed-form Hessian against autograd (C20), the origin's spectrum (C9), the spectrum at balanced
stationary points (C10) and the critical points of the scalar problem with their kinds and sharpness
(C21, against the roots of G' found independently) are claims, run once in tests/test_claims.py. The tests
here cover what the claims do not: exact symmetries, brute-force products, the spectrum at balanced points
that are not stationary, and the special cases of the sharpness.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dwf_theory import LeastSquares, Scalar, balanced_factors
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


def _problem(seed, D):
    rng = np.random.default_rng(seed)
    return LeastSquares(rng.standard_normal((6, 3)), rng.standard_normal(6)), rng.uniform(-1.5, 1.5, (D, 3))


@given(seed=seeds, D=st.integers(2, 5), lam=lams, pair=st.tuples(st.integers(0, 4), st.integers(0, 4)))
def test_hessian_is_equivariant_under_paired_sign_flips(seed, D, lam, pair):
    # Flipping the signs of two factors leaves F unchanged (an artificial symmetry), so H(Sω) = S H(ω) S.
    # Sign flips are exact in floating point: equality (measured: identical over 500 random cases).
    d, k = pair[0] % D, pair[1] % D
    if d == k:
        k = (d + 1) % D
    loss, f = _problem(seed, D)
    s = np.ones_like(f)
    s[[d, k]] = -1
    H, Hs = factorized_hessian(loss, f, lam), factorized_hessian(loss, s * f, lam)
    S = s.ravel()
    np.testing.assert_array_equal(Hs, S[:, None] * H * S[None, :])


@given(seed=seeds, D=st.integers(1, 6))
def test_leave_two_out_products_match_brute_force(seed, D):
    # Brute force with np.delete; exact at zeros (no division). rtol 1e-14: 20× the measured worst 4.4e-16.
    f = np.random.default_rng(seed).uniform(-2, 2, (D, 4))
    f[0, 0] = 0.0
    Q = leave_two_out_products(f)
    for d in range(D):
        for k in range(D):
            expect = 0.0 if d == k else np.prod(np.delete(f, [d, k], axis=0), axis=0)
            np.testing.assert_allclose(Q[d, k], np.broadcast_to(expect, (4,)), rtol=1e-14, atol=1e-300)


@given(
    w=st.floats(-3, 3).filter(lambda x: abs(x) > 1e-3),
    z=st.floats(-3, 3),
    lam=lams,
    D=depths,
)
def test_balanced_eigenvalues_match_the_numeric_spectrum_anywhere(w, z, lam, D):
    # With grad = L'(w) given, the closed form holds at any balanced point, stationary or not (derived in the
    # module docstring), against numpy's eigvalsh: tolerance 2e-13 of max(1, |eig|), 40× the measured 4.8e-15.
    along, across = balanced_eigenvalues(w, lam, D, grad=w - z)
    eig = np.linalg.eigvalsh(factorized_hessian(Scalar(z), balanced_factors(w, D), lam))
    stated = np.sort([float(along)] + [float(across)] * (D - 1))
    np.testing.assert_allclose(eig, stated, rtol=0, atol=2e-13 * max(1.0, np.max(np.abs(eig))))


def _numeric_sharpness(loss, factors, lam):
    return float(np.linalg.eigvalsh(factorized_hessian(loss, factors, lam))[-1])


def test_sharpness_special_cases():
    # Against eigvalsh of the Hessian of F (rel. 1e-14; these small matrices are diagonal or 2 × 2):
    # the origin for D = 3 (Hessian (2λ/D)I), D = 2 at the origin (eigenvalues λ ± |L'(0)|, which needs grad),
    # D = 1 with curvature L'' = 3 (a one-sample least squares with x = √3).
    assert balanced_sharpness(0.0, 0.6, 3) == pytest.approx(
        _numeric_sharpness(Scalar(0.7), np.zeros(3), 0.6), rel=1e-14
    )
    assert balanced_sharpness(0.0, 0.5, 2, grad=-1.2) == pytest.approx(
        _numeric_sharpness(Scalar(1.2), np.zeros(2), 0.5), rel=1e-14
    )
    loss = LeastSquares(np.array([[np.sqrt(3.0)]]), np.array([0.4]))
    assert balanced_sharpness(0.7, 0.5, 1, curvature=3.0) == pytest.approx(
        _numeric_sharpness(loss, np.array([[0.7]]), 0.5), rel=1e-14
    )
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


def test_scalar_critical_points_bad_input_and_lambda_zero():
    with pytest.raises(ValueError, match="z"):
        scalar_critical_points(np.inf, 0.1, 3)
    with pytest.raises(ValueError, match="lam"):
        scalar_critical_points(1.0, -1.0, 3)
    pts = scalar_critical_points(1.0, 0.0, 3)  # λ = 0: a manifold of minima, reported as degenerate
    assert pts[-1].w == 1.0 and pts[-1].kind == "degenerate"
    (only,) = scalar_critical_points(1.0, 0.5, 1)  # D = 1: the ridge solution z/(1 + 2λ)
    assert only.w == 0.5 and only.kind == "minimum"


def test_factorized_hessian_rejects_bad_factors():
    loss, f = _problem(0, 3)
    with pytest.raises(ValueError, match="factors"):
        factorized_hessian(loss, np.full_like(f, np.nan), 0.1)
    with pytest.raises(ValueError, match="lam"):
        factorized_hessian(loss, f, -0.5)
    with pytest.raises(ValueError, match="factors"):  # finite factors whose product overflows float64
        factorized_hessian(loss, np.full_like(f, 1e200), 0.1)


def test_huge_inputs_raise_naming_the_arguments_instead_of_returning_inf():
    with pytest.raises(ValueError, match="w, lam, curvature"):
        balanced_eigenvalues(1e308, 0.1, 3)
    with pytest.raises(ValueError, match="w, curvature and grad must broadcast"):
        balanced_eigenvalues(np.ones(2), 0.1, 3, curvature=np.ones(3))
    with pytest.raises(ValueError, match="z, lam and D"):
        scalar_critical_points(1e308, 0.1, 3)
    # λ = 1e308: 2λ overflows but 2λ/D does not, and the spectrum is finite (4λ/D across, the origin 2λ/D)
    along, across = balanced_eigenvalues(1.0, 1e308, 3, grad=-1.0)
    assert np.isfinite(along) and across == pytest.approx(2 * (1e308 / 3) + 1.0, rel=1e-15)
    (origin,) = scalar_critical_points(1.5, 1e308, 3)
    np.testing.assert_allclose(origin.eigenvalues, 2 * (1e308 / 3), rtol=1e-15)
