"""penalty.py: collapse, balanced factors, penalties, imbalance, leave-one-out products.

The penalty equivalence min{(1/D)Σ_d‖ω_d‖² : ω_1⊙…⊙ω_D = w} = Σ_j|w_j|^{2/D} (Kolb et al., ICLR 2025; per
coordinate the equality case of AM–GM), attained at balanced factors and by nothing better, is claim C1 (run
once in tests/test_claims.py); the tests here check the building blocks against brute force and exact identities.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dwf_theory import (
    LeastSquares,
    Scalar,
    balanced_factors,
    collapse,
    factor_penalty,
    factorized_gradient,
    factorized_objective,
    imbalance,
    leave_one_out_products,
    lq_penalty,
    strategies,
)

depths = strategies.depths(1, 9)
# Sizes 1..12, magnitudes from 1e-300 to 1e3 and exact zeros (larger ones can overflow the squares: ValueError).
weights = strategies.weights(st.integers(1, 12), zeros=True, magnitudes=(1e-300, 1e3))


def factor_arrays(min_D=1, max_D=6, lo=-3.0, hi=3.0):
    return st.tuples(st.integers(min_D, max_D), st.integers(1, 8)).flatmap(
        lambda dn: arrays(np.float64, dn, elements=st.floats(lo, hi, allow_nan=False))
    )


@given(weights, depths)
def test_collapse_of_balanced_is_w(w, D):
    # |w|^{1/D} raised to the D-th power: relative rounding ≤ (D + 1) ulp.
    np.testing.assert_allclose(collapse(balanced_factors(w, D)), w, rtol=9e-16 * (D + 1), atol=0)


@given(weights, depths)
def test_balanced_factors_have_equal_magnitudes(w, D):
    f = balanced_factors(w, D)
    assert f.shape == (D, *w.shape)
    # All magnitudes identical, and each is the D-th root of |w| (m^D = |w| to a few ulp).
    np.testing.assert_array_equal(np.abs(f), np.broadcast_to(np.abs(f[-1]), f.shape))
    np.testing.assert_allclose(np.abs(f[-1]) ** D, np.abs(w), rtol=9e-16 * (D + 1), atol=0)
    assert np.all(imbalance(f) <= 1e-15 * np.abs(w) ** (2.0 / D))


@given(strategies.factorizations(2, st.integers(1, 8), kind="arbitrary", zeros=True, magnitudes=(1e-6, 9.0)))
def test_depth_two_gap_is_exact(factors):
    # D = 2: (a² + b²)/2 − |ab| = (|a| − |b|)²/2 exactly, so equality iff balanced. The gap is a difference of
    # two sums: tolerance 1e-14 of the penalty (measured worst 4e-16 over 2,000 random factor pairs).
    a, b = factors
    gap = factor_penalty(factors) - lq_penalty(collapse(factors), 2)
    exact = float(np.sum((np.abs(a) - np.abs(b)) ** 2) / 2)
    assert abs(gap - exact) <= 1e-14 * factor_penalty(factors)


@given(strategies.factorizations(strategies.depths(2, 6), st.integers(1, 8), kind="balanced"), st.floats(0.05, 1.0))
def test_unbalanced_factors_cost_strictly_more(bal, spread):
    # Equality holds only at balance: perturb one factor up and another down (product fixed).
    D = bal.shape[0]
    c = np.ones(D)
    c[0], c[-1] = 1 + spread, 1 / (1 + spread)
    unbalanced = bal * c[:, None]
    np.testing.assert_allclose(collapse(unbalanced), collapse(bal), rtol=1e-12)
    # The excess is exactly Σ_j m_j²[(1+s)² + (1+s)⁻² − 2]/D > 0 with m_j = |w_j|^{1/D} (derived here).
    # Tolerance 1e-11 relative: the excess is a difference of two sums (measured worst 1.4e-13).
    excess = factor_penalty(unbalanced) - factor_penalty(bal)
    expected = float(np.sum(bal[0] ** 2)) * ((1 + spread) ** 2 + (1 + spread) ** -2 - 2) / D
    assert expected > 0 and excess == pytest.approx(expected, rel=1e-11)


@pytest.mark.parametrize("D", [1, 2, 3, 4, 5])
def test_every_sign_pattern_is_a_balanced_minimizer(D):
    # 2^{D−1} sign patterns multiply to sign(w); each gives the same minimum value.
    w = np.array([-1.7, 0.3, 2.5])
    values = []
    for pattern in itertools.product([-1.0, 1.0], repeat=D - 1):
        last = np.sign(w) * np.prod(pattern)
        signs = np.stack([*(np.full(w.shape, s) for s in pattern), last])
        f = balanced_factors(w, D, signs=signs)
        np.testing.assert_allclose(collapse(f), w, rtol=1e-14)
        values.append(factor_penalty(f))
    assert len(values) == 2 ** (D - 1)
    np.testing.assert_allclose(values, lq_penalty(w, D), rtol=1e-14)


def test_signs_must_multiply_to_sign_of_w():
    w = np.array([1.0, -2.0])
    with pytest.raises(ValueError, match="signs"):
        balanced_factors(w, 2, signs=np.ones((2, 2)))
    with pytest.raises(ValueError, match="signs"):
        balanced_factors(w, 2, signs=np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="signs"):
        balanced_factors(w, 2, signs=np.ones((3, 2)))


@given(factor_arrays(min_D=1, max_D=7), st.lists(st.floats(0.2, 5.0), min_size=7, max_size=7))
def test_rescaling_symmetry_leaves_collapse_unchanged(factors, scales):
    # ω_d → c_d ω_d with Π c_d = 1 leaves the product, hence the loss, unchanged (an artificial symmetry).
    D = factors.shape[0]
    c = np.array(scales[:D])
    c = c / np.prod(c) ** (1.0 / D)
    np.testing.assert_allclose(collapse(factors * c[:, None]), collapse(factors), rtol=1e-12, atol=1e-300)


@given(factor_arrays(min_D=1, max_D=7))
def test_leave_one_out_products_against_delete(factors):
    # Brute force with np.delete per d; exact even where a factor is zero. Products of the same numbers in
    # another order: rtol 1e-14 (measured worst 5e-16); atol 1e-300 only for subnormal products.
    factors = factors.copy()
    factors[0, 0] = 0.0
    expected = np.stack([np.prod(np.delete(factors, d, axis=0), axis=0) for d in range(factors.shape[0])])
    np.testing.assert_allclose(leave_one_out_products(factors), expected, rtol=1e-14, atol=1e-300)


@given(factor_arrays(min_D=1, max_D=6), st.floats(0, 3))
def test_factorized_gradient_against_finite_differences(factors, lam):
    # F is quadratic in each single entry ω_{d,i} (L is quadratic in w and w is linear in ω_{d,i}), so the
    # central difference is exact for any step: with h = 0.5 only rounding remains. Tolerance 1e-13 of the
    # largest |F| evaluated (measured worst 3e-15 of it over 1,000 random points).
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, factors.shape[1]))
    loss = LeastSquares(X, rng.standard_normal(5))
    g = factorized_gradient(loss, factors, lam)
    h = 0.5
    num = np.zeros_like(factors)
    biggest = abs(factorized_objective(loss, factors, lam))
    for idx in np.ndindex(factors.shape):
        e = np.zeros_like(factors)
        e[idx] = h
        up, down = factorized_objective(loss, factors + e, lam), factorized_objective(loss, factors - e, lam)
        num[idx] = (up - down) / (2 * h)
        biggest = max(biggest, abs(up), abs(down))
    np.testing.assert_allclose(g, num, rtol=0, atol=1e-13 * (1.0 + biggest))


def test_lq_penalty_known_values():
    assert lq_penalty([4.0, -9.0], 4) == pytest.approx(2.0 + 3.0, rel=1e-15)
    assert lq_penalty([3.0, -4.0], 1) == pytest.approx(25.0, rel=1e-15)
    assert lq_penalty([0.0, 0.0], 7) == 0.0


@given(st.integers(2, 60))
def test_lq_penalty_tends_to_l0(D):
    # |w|^{2/D} → 1[w ≠ 0]: for w ∈ [1e-2, 1e2] the error is ≤ |2·ln(100)/D|·e^{…}; check monotone approach.
    w = np.array([1e-2, 0.5, 0.0, 3.0, -50.0])
    err = abs(lq_penalty(w, D) - 4.0)
    err_deeper = abs(lq_penalty(w, 2 * D) - 4.0)
    assert err_deeper < err


@pytest.mark.parametrize(
    "fn, args, exc, name",
    [
        (collapse, (np.array([[1.0, np.nan]]),), ValueError, "factors"),
        (collapse, (np.zeros((0, 3)),), ValueError, "factors"),
        (collapse, (5.0,), ValueError, "factors"),
        (collapse, (["a", "b"],), TypeError, "factors"),
        (balanced_factors, (np.array([1.0]), 0), ValueError, "D"),
        (balanced_factors, (np.array([1.0]), 2.5), ValueError, "D"),
        (balanced_factors, (np.array([1.0]), True), TypeError, "D"),
        (balanced_factors, (np.array([1.0]), "3"), TypeError, "D"),
        (balanced_factors, (np.array([np.inf]), 3), ValueError, "w"),
        (lq_penalty, (np.array([1.0]), -1), ValueError, "D"),
        (lq_penalty, (np.array([np.nan]), 2), ValueError, "w"),
        (factor_penalty, (np.array([[np.inf]]),), ValueError, "factors"),
        (imbalance, (np.array([[1 + 2j]]),), TypeError, "factors"),
        (factorized_objective, (Scalar(0.0), np.ones((2,)), -1.0), ValueError, "lam"),
        (factorized_objective, (Scalar(0.0), np.ones((2,)), np.nan), ValueError, "lam"),
        (factorized_gradient, (Scalar(0.0), np.ones((2,)), np.inf), ValueError, "lam"),
        # finite input whose result overflows float64: an error naming the arguments, not inf or NaN
        (collapse, (np.full((3, 2), 1e308),), ValueError, "factors"),
        (factor_penalty, (np.full((3, 2), 1e308),), ValueError, "factors"),
        (imbalance, (np.full((3, 2), 1e308),), ValueError, "factors"),
        (leave_one_out_products, (np.full((3, 2), 1e200),), ValueError, "factors"),
        (lq_penalty, (np.array([1e308, 1e308]), 1), ValueError, "w and D"),
        (factorized_objective, (Scalar(np.zeros(2)), np.full((3, 2), 1e200), 0.1), ValueError, "factors"),
        (factorized_objective, (Scalar(np.zeros(2)), np.full((3, 2), 2.0), 1e308), ValueError, "lam"),
        (factorized_gradient, (Scalar(np.zeros(2)), np.full((1, 2), 2.0), 1e308), ValueError, "lam"),
        (balanced_factors, (np.ones(200), 10**6), ValueError, "D and w"),
    ],
)
def test_bad_input_names_the_argument(fn, args, exc, name):
    with pytest.raises(exc, match=name):
        fn(*args)


def test_integral_float_depth_is_accepted():
    np.testing.assert_array_equal(balanced_factors(np.array([8.0]), 3.0), balanced_factors(np.array([8.0]), 3))
