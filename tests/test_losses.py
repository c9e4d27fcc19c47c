"""losses.py: Scalar and LeastSquares, their gradients and Hessians.

LeastSquares is ‖Xw − y‖²/(2n), the scaling of scikit-learn's Lasso; Scalar is ½Σ_j(w_j − z_j)².
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import mean_squared_error

from dwf_theory import LeastSquares, Scalar

finite = st.floats(-10, 10, allow_nan=False)


def problems():
    return st.tuples(st.integers(1, 8), st.integers(1, 6)).flatmap(
        lambda s: st.tuples(
            arrays(np.float64, s, elements=finite),
            arrays(np.float64, s[0], elements=finite),
            arrays(np.float64, s[1], elements=finite),
        )
    )


@given(problems())
def test_least_squares_gradient_and_hessian_against_finite_differences(p):
    # L is quadratic and ∇L linear, so central differences with unit steps are exact: only rounding remains.
    # Tolerance 1e-13 of the largest value differenced (measured worst 1.4e-15 for ∇L, 4e-15 for ∇²L over
    # 3,000 random problems).
    X, y, w = p
    loss = LeastSquares(X, y)
    grad, hess = np.zeros(w.size), np.zeros((w.size, w.size))
    big_f, big_g = abs(loss.loss(w)), 0.0
    for i in range(w.size):
        e = np.zeros(w.size)
        e[i] = 1.0
        up, down = loss.loss(w + e), loss.loss(w - e)
        gu, gd = loss.grad(w + e), loss.grad(w - e)
        grad[i], hess[:, i] = (up - down) / 2, (gu - gd) / 2
        big_f, big_g = max(big_f, abs(up), abs(down)), max(big_g, np.max(np.abs(gu)), np.max(np.abs(gd)))
    np.testing.assert_allclose(loss.grad(w), grad, rtol=0, atol=1e-13 * (1 + big_f))
    np.testing.assert_allclose(loss.hessian(w), hess, rtol=0, atol=1e-13 * (1 + big_g))


@given(problems())
def test_least_squares_is_half_the_mean_squared_error(p):
    # Against scikit-learn's mean_squared_error (a peer implementation of ‖Xw − y‖²/n): rel. 1e-14, 25× the
    # measured worst 4e-16.
    X, y, w = p
    loss = LeastSquares(X, y)
    assert loss.loss(w) == pytest.approx(mean_squared_error(y, X @ w) / 2, rel=1e-14, abs=1e-300)


@given(problems())
def test_least_squares_is_exact_second_order_taylor(p):
    # L(w + d) = L(w) + ∇L·d + ½ dᵀHd exactly for a quadratic. Tolerance 1e-13 of the sum of the magnitudes of
    # the terms (measured worst 3e-15).
    X, y, w = p
    loss = LeastSquares(X, y)
    d = np.linspace(-1, 1, w.size)
    terms = [loss.loss(w), loss.grad(w) @ d, 0.5 * d @ loss.hessian(w) @ d]
    assert abs(loss.loss(w + d) - sum(terms)) <= 1e-13 * (1 + sum(abs(t) for t in terms))


@given(arrays(np.float64, st.integers(1, 10), elements=finite), arrays(np.float64, 10, elements=finite))
def test_scalar_loss_is_least_squares_with_the_identity(z, w):
    # Scalar(z) = p · LeastSquares(I_p, z) (another implementation): rel. 1e-14 (measured worst 1.8e-16).
    w = w[: z.size]
    loss, ls, p = Scalar(z), LeastSquares(np.eye(z.size), z), z.size
    assert loss.separable and loss.shape == z.shape
    assert loss.loss(w) == pytest.approx(p * ls.loss(w), rel=1e-14, abs=1e-300)
    np.testing.assert_allclose(loss.grad(w), p * ls.grad(w), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(loss.hessian(w), p * ls.hessian(w), rtol=1e-14, atol=0)
    np.testing.assert_allclose(loss.curvature, np.diag(p * ls.hessian(w)).reshape(z.shape), rtol=1e-14)


def test_zero_dimensional_scalar():
    loss = Scalar(2.0)
    assert loss.loss(np.float64(1.0)) == 0.5
    assert float(loss.grad(3.0)) == 1.0


@pytest.mark.parametrize(
    "call, exc, name",
    [
        (lambda: LeastSquares(np.ones((3, 2)), np.ones(4)), ValueError, "rows"),
        (lambda: LeastSquares(np.ones(3), np.ones(3)), ValueError, "X"),
        (lambda: LeastSquares(np.ones((3, 2)), np.ones((3, 1))), ValueError, "y"),
        (lambda: LeastSquares(np.full((3, 2), np.nan), np.ones(3)), ValueError, "X"),
        (lambda: LeastSquares(np.ones((3, 2)), np.array([1, np.inf, 0])), ValueError, "y"),
        (lambda: LeastSquares(np.ones((0, 2)), np.ones(0)), ValueError, "X"),
        (lambda: Scalar(np.nan), ValueError, "z"),
        (lambda: Scalar(np.ones(3)).loss(np.ones(2)), ValueError, "w"),
        (lambda: LeastSquares(np.ones((3, 2)), np.ones(3)).grad(np.ones(3)), ValueError, "w"),
        (lambda: Scalar(1.0).grad(np.nan), ValueError, "w"),
    ],
)
def test_bad_input_names_the_argument(call, exc, name):
    with pytest.raises(exc, match=name):
        call()
