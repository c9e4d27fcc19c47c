"""The full-batch polish: it lowers the objective, reaches a balanced stationary point, keeps zeros at zero,
and refuses bad input. Checked against the trainer's own objective and gradient (an independent code path:
leave-one-out products, not the polish's running products)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dwf_theory.trainer import MLP, Conv1d, Dense, Flatten, Network, objective, polish, value_and_grad

ROWS = 24


def _data(seed: int, n_in: int = 5, n_out: int = 3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((ROWS, n_in)), np.arange(ROWS) % n_out


def _mlp(D: int, seed: int) -> MLP:
    return MLP([5, 3, 3], D, rng=seed, activation="tanh", dtype=np.float64)


def _factor_gradient_norm(model, X, y, lam) -> float:
    _, grads = value_and_grad(model, model.params, X, y, lam)
    return float(np.sqrt(sum(np.sum(g["factors"] ** 2) + np.sum(g["bias"] ** 2) for g in grads)))


@settings(max_examples=8, deadline=None)
@given(st.integers(2, 4), st.integers(0, 2**16), st.sampled_from([3e-3, 1e-2, 3e-2]))
def test_polish_lowers_the_objective_to_a_balanced_stationary_point(D, seed, lam):
    model = _mlp(D, seed)
    X, y = _data(seed)
    before = objective(model, model.params, X, y, lam)
    result = polish(model, X, y, lam, zero_tol=1e-9, tol=1e-9)
    after = objective(model, model.params, X, y, lam)
    assert after <= before + 1e-12 * abs(before)
    assert abs(result.objective - after) <= 1e-12 * abs(after)
    # the result reports what the trainer's gradient (leave-one-out products) measures
    grad = _factor_gradient_norm(model, X, y, lam)
    assert abs(grad - result.gradient_norm) <= 1e-9
    assert result.converged and grad <= 1e-9
    for w, p in zip(model.weights(), model.params):
        nz = np.abs(w) > 1e-6
        sq = p["factors"][:, nz] ** 2
        # stationarity of ω_d: g·w + (2λ/D) ω_d² = 0 for every d, so the squares agree (Theorem 1)
        assert np.all(np.ptp(sq, axis=0) <= 1e-6 * np.abs(w[nz]) ** (2 / D))


@settings(max_examples=6, deadline=None)
@given(st.integers(2, 3), st.integers(0, 2**16))
def test_small_weights_are_zeroed_and_zeros_stay_zero(D, seed):
    model = _mlp(D, seed)
    X, y = _data(seed)
    w0 = model.weights()
    cut = float(np.median(np.abs(np.concatenate([w.ravel() for w in w0]))))
    result = polish(model, X, y, 1e-2, zero_tol=cut, max_iter=50)
    assert result.n_support == sum(int(np.sum(np.abs(w) > cut)) for w in w0)
    # what the result reports is the point written back (the trainer's objective and gradient there)
    after = objective(model, model.params, X, y, 1e-2)
    assert abs(result.objective - after) <= 1e-12 * abs(after)
    grad = _factor_gradient_norm(model, X, y, 1e-2)
    assert abs(result.gradient_norm - grad) <= 1e-6 * grad + 1e-15
    for before, after, p in zip(w0, model.weights(), model.params):
        off = np.abs(before) <= cut
        assert np.all(after[off] == 0.0) and np.all(p["factors"][:, off] == 0.0)


def test_polishing_a_polished_network_changes_nothing():
    model = _mlp(3, 7)
    X, y = _data(7)
    first = polish(model, X, y, 1e-2, zero_tol=1e-9)
    assert first.converged
    kept = copy.deepcopy(model.params)
    again = polish(model, X, y, 1e-2, zero_tol=1e-9)
    assert again.converged and again.iterations <= 1
    for a, b in zip(kept, model.params):
        np.testing.assert_allclose(b["factors"], a["factors"], rtol=0, atol=1e-12)


def test_a_convolutional_network_converges():
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((ROWS, 1, 9)), np.arange(ROWS) % 3
    layers = [Conv1d(2, 3, stride=2), Flatten(), Dense(3)]
    model = Network(layers, (1, 9), 2, rng=3, activation="tanh", dtype=np.float64)
    result = polish(model, X, y, 1e-2, zero_tol=1e-9)
    assert result.converged and _factor_gradient_norm(model, X, y, 1e-2) <= 1e-10


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(lam=0.0), ValueError, "lam"),
        (dict(lam=float("nan")), ValueError, "lam"),
        (dict(zero_tol=-1.0), ValueError, "zero_tol"),
        (dict(tol=0.0), ValueError, "tol"),
        (dict(max_iter=0), ValueError, "max_iter"),
        (dict(max_iter=2.5), ValueError, "max_iter"),
        (dict(max_iter="9"), TypeError, "max_iter"),
        (dict(X=np.zeros((ROWS, 4))), ValueError, "X"),
        (dict(y=np.arange(ROWS - 1) % 3), ValueError, "y"),
        (dict(model="net"), TypeError, "model"),
        (dict(lam=1e308), ValueError, "not finite"),
        (dict(X=np.full((ROWS, 5), 1e308)), ValueError, "too large"),
    ],
)
def test_bad_input(kwargs, error, match):
    X, y = _data(0)
    args = dict(model=_mlp(2, 0), X=X, y=y, lam=1e-2)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        polish(args.pop("model"), args.pop("X"), args.pop("y"), args.pop("lam"), **args)


def test_a_dense_model_is_refused():
    X, y = _data(0)
    with pytest.raises(ValueError, match="D >= 2"):
        polish(_mlp(1, 0), X, y, 1e-2)
