"""penalty.py: collapse, balanced factors, penalties, imbalance, leave-one-out products (THEORY.md §2)."""

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
    lq_objective,
    lq_penalty,
)

depths = st.integers(1, 9)
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
weights = arrays(np.float64, st.integers(1, 12), elements=finite)


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


@given(weights, st.integers(2, 9))
def test_balanced_value_equals_lq_penalty(w, D):
    # Claim C1: the minimum of the factor penalty is ‖w‖_{2/D}^{2/D}; rel. 1e-13.
    fp, lq = factor_penalty(balanced_factors(w, D)), lq_penalty(w, D)
    assert fp == pytest.approx(lq, rel=1e-13, abs=1e-300)


@given(factor_arrays(min_D=2))
def test_factor_penalty_dominates_lq_penalty(factors):
    # AM–GM: (1/D)Σω_d² ≥ Π|ω_d|^{2/D}, per coordinate, hence summed.
    D = factors.shape[0]
    gap = factor_penalty(factors) - lq_penalty(collapse(factors), D)
    assert gap >= -1e-12 * max(1.0, factor_penalty(factors))


@given(factor_arrays(min_D=2, max_D=2))
def test_depth_two_gap_is_exact(factors):
    # D = 2: (a² + b²)/2 − |ab| = (|a| − |b|)²/2 exactly, so equality iff balanced.
    a, b = factors
    gap = factor_penalty(factors) - lq_penalty(collapse(factors), 2)
    assert gap == pytest.approx(float(np.sum((np.abs(a) - np.abs(b)) ** 2) / 2), rel=1e-9, abs=1e-12)


@given(factor_arrays(min_D=2, lo=0.1, hi=3.0), st.floats(0.05, 1.0))
def test_unbalanced_factors_cost_strictly_more(factors, spread):
    # Equality holds only at balance: perturb one factor up and another down (product fixed).
    D = factors.shape[0]
    bal = balanced_factors(collapse(factors), D)
    c = np.ones(D)
    c[0], c[-1] = 1 + spread, 1 / (1 + spread)
    unbalanced = bal * c[:, None]
    np.testing.assert_allclose(collapse(unbalanced), collapse(bal), rtol=1e-12)
    assert factor_penalty(unbalanced) > factor_penalty(bal) * (1 + 1e-6)


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
    # ω_d → c_d ω_d with Π c_d = 1 is a symmetry of the loss (THEORY.md §2).
    D = factors.shape[0]
    c = np.array(scales[:D])
    c = c / np.prod(c) ** (1.0 / D)
    np.testing.assert_allclose(collapse(factors * c[:, None]), collapse(factors), rtol=1e-12, atol=1e-300)


@given(factor_arrays(min_D=1, max_D=7))
def test_leave_one_out_products_against_delete(factors):
    # Brute force with np.delete per d; exact even where a factor is zero.
    factors = factors.copy()
    factors[0, 0] = 0.0
    expected = np.stack([np.prod(np.delete(factors, d, axis=0), axis=0) for d in range(factors.shape[0])])
    np.testing.assert_allclose(leave_one_out_products(factors), expected, rtol=1e-13, atol=0)


@given(factor_arrays(min_D=1, max_D=6), st.floats(0, 3))
def test_factorized_gradient_against_finite_differences(factors, lam):
    # Central differences, step 1e-6: truncation O(h²) ≈ 1e-10 relative to the scale of F.
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, factors.shape[1]))
    loss = LeastSquares(X, rng.standard_normal(5))
    g = factorized_gradient(loss, factors, lam)
    h = 1e-6
    num = np.zeros_like(factors)
    for idx in np.ndindex(factors.shape):
        e = np.zeros_like(factors)
        e[idx] = h
        up, down = factorized_objective(loss, factors + e, lam), factorized_objective(loss, factors - e, lam)
        num[idx] = (up - down) / (2 * h)
    scale = 1.0 + np.max(np.abs(factors)) ** (2 * factors.shape[0])
    np.testing.assert_allclose(g, num, atol=1e-6 * scale)


@given(weights, st.floats(0, 10), depths)
def test_objectives_agree_at_balance(w, lam, D):
    # F at a balanced factorization equals G at its collapse (the value of the lemma).
    loss = Scalar(np.zeros_like(w))
    F = factorized_objective(loss, balanced_factors(w, D), lam)
    G = lq_objective(loss, w, lam, D)
    assert F == pytest.approx(G, rel=1e-12, abs=1e-300)


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
    ],
)
def test_bad_input_names_the_argument(fn, args, exc, name):
    with pytest.raises(exc, match=name):
        fn(*args)


def test_integral_float_depth_is_accepted():
    np.testing.assert_array_equal(balanced_factors(np.array([8.0]), 3.0), balanced_factors(np.array([8.0]), 3))
