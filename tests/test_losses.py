"""losses.py: Scalar and LeastSquares, their gradients and Hessians."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import approx_fprime

from dwf_theory import LeastSquares, Scalar

finite = st.floats(-10, 10, allow_nan=False)


def problems():
    return st.tuples(st.integers(1, 8), st.integers(1, 6)).flatmap(
        lambda s: st.tuples(
            arrays(np.float64, s, elements=finite), arrays(np.float64, s[0], elements=finite),
            arrays(np.float64, s[1], elements=finite),
        )
    )


@given(problems())
def test_least_squares_gradient_and_hessian_against_finite_differences(p):
    # Central differences are exact for a quadratic up to rounding: atol 1e-5 relative to the data scale.
    X, y, w = p
    loss = LeastSquares(X, y)
    scale = 1 + np.max(np.abs(X)) ** 2 * (1 + np.max(np.abs(w))) + np.max(np.abs(X * y[:, None]))
    num = approx_fprime(w, loss.loss, 1e-6)
    np.testing.assert_allclose(loss.grad(w), num, atol=1e-4 * scale)
    H = np.stack([approx_fprime(w, lambda u, i=i: loss.grad(u)[i], 1e-6) for i in range(w.size)])
    np.testing.assert_allclose(loss.hessian(w), H, atol=1e-5 * scale)


@given(problems())
def test_least_squares_matches_its_definition(p):
    X, y, w = p
    loss = LeastSquares(X, y)
    assert loss.loss(w) == pytest.approx(np.sum((X @ w - y) ** 2) / (2 * len(y)), rel=1e-12, abs=1e-12)


@given(problems())
def test_least_squares_is_exact_second_order_taylor(p):
    # L(w + d) = L(w) + ∇L·d + ½ dᵀHd exactly for a quadratic.
    X, y, w = p
    loss = LeastSquares(X, y)
    d = np.linspace(-1, 1, w.size)
    expected = loss.loss(w) + loss.grad(w) @ d + 0.5 * d @ loss.hessian(w) @ d
    assert loss.loss(w + d) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@given(arrays(np.float64, st.integers(1, 10), elements=finite), arrays(np.float64, 10, elements=finite))
def test_scalar_loss(z, w):
    w = w[: z.size]
    loss = Scalar(z)
    assert loss.separable and loss.shape == z.shape
    assert loss.loss(w) == pytest.approx(0.5 * np.sum((w - z) ** 2), rel=1e-14, abs=1e-300)
    np.testing.assert_array_equal(loss.grad(w), w - z)
    np.testing.assert_array_equal(loss.hessian(w), np.eye(z.size))
    np.testing.assert_array_equal(loss.curvature, np.ones(z.shape))


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
