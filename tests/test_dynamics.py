"""dynamics.py: flows, gradient descent, closed forms, batches, divergence and bad input."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dwf_theory import LeastSquares, Loss, Scalar, balanced_factors, factorized_objective
from dwf_theory.dynamics import (
    Trajectory,
    collapsed_flow,
    escape_exponent,
    escape_times,
    factor_flow,
    gradient_descent,
    hitting_time,
    logistic_flow,
    time_to_reach,
)

seeds = st.integers(0, 2**32 - 1)


class Repulsive(Loss):
    """``L(w) = −½‖w‖²``: unbounded below, every flow from w ≠ 0 diverges."""

    separable = False

    def __init__(self, p):
        self.shape = (p,)

    def loss(self, w):
        return float(-0.5 * np.sum(np.asarray(w) ** 2))

    def grad(self, w):
        return -np.asarray(w, float)

    def hessian(self, w):
        return -np.eye(self.shape[0])


def _ls(seed, n=8, p=3):
    rng = np.random.default_rng(seed)
    return LeastSquares(rng.standard_normal((n, p)), rng.standard_normal(n)), rng


# --------------------------------------------------------------------------- #
# Gradient flow
# --------------------------------------------------------------------------- #


@given(seed=seeds, D=st.integers(1, 4), lam=st.floats(0.0, 1.0))
@settings(max_examples=12)
def test_factor_flow_decreases_the_objective_and_matches_it(seed, D, lam):
    loss, rng = _ls(seed)
    f0 = rng.uniform(-1, 1, (D, 3))
    tr = factor_flow(loss, f0, lam, np.linspace(0, 3, 7))
    assert tr.factors.shape == (7, D, 3) and tr.w.shape == (7, 3) and not tr.diverged and tr.success
    assert np.all(np.diff(tr.objective) <= 1e-9 * max(1.0, abs(tr.objective[0])))  # gradient flow descends
    assert tr.objective[-1] == pytest.approx(factorized_objective(loss, tr.factors[-1], lam), rel=1e-12)
    assert np.allclose(tr.w, np.prod(tr.factors, axis=1), rtol=1e-14, atol=0)
    assert np.array_equal(tr.factors[0], f0)


@given(seed=seeds, D=st.integers(2, 5), lam=st.floats(0.0, 1.0))
@settings(max_examples=10)
def test_imbalance_decays_exactly_as_exp_minus_4_lam_t_over_D(seed, D, lam):
    loss, rng = _ls(seed)
    f0 = rng.uniform(-1.2, 1.2, (D, 3))
    tr = factor_flow(loss, f0, lam, np.linspace(0, 2, 5), rtol=1e-11, atol=1e-14)
    delta = tr.factors**2 - tr.factors[:, -1:] ** 2
    pred = delta[0] * np.exp(-4 * lam * tr.t / D)[:, None, None]
    assert np.max(np.abs(delta - pred)) <= 1e-7 * max(1e-3, np.max(np.abs(delta[0])))  # integrator tolerance


@given(seed=seeds, D=st.integers(1, 5), lam=st.floats(0.0, 1.0), separable=st.booleans())
@settings(max_examples=12)
def test_balanced_factor_flow_equals_collapsed_flow(seed, D, lam, separable):
    rng = np.random.default_rng(seed)
    if separable:
        loss, w0 = Scalar(rng.uniform(-2, 2, 5)), rng.uniform(-1, 1, 5)
    else:
        loss, _ = _ls(seed)
        w0 = rng.uniform(-1, 1, 3)
    t = np.linspace(0, 3, 4)
    a = factor_flow(loss, balanced_factors(w0, D), lam, t, rtol=1e-11, atol=1e-14)
    b = collapsed_flow(loss, w0, lam, D, t, rtol=1e-11, atol=1e-14)
    assert b.factors is None and b.imbalance is None
    assert np.allclose(a.w, b.w, rtol=1e-7, atol=1e-9)  # two integrations, tolerance 1e-11 each


@pytest.mark.parametrize("method", ["LSODA", "BDF", "Radau"])
def test_batched_flow_equals_single_flows_for_every_stiff_method(method):
    rng = np.random.default_rng(3)
    z, w0 = rng.uniform(-2, 2, 12), rng.uniform(-1, 1, 12)
    t = np.linspace(0, 5, 3)
    batch = factor_flow(Scalar(z), balanced_factors(w0, 3), 0.2, t, method=method)
    singles = [
        factor_flow(Scalar(z[i : i + 1]), balanced_factors(w0[i : i + 1], 3), 0.2, t, method=method) for i in (0, 5, 11)
    ]
    for i, s in zip((0, 5, 11), singles, strict=True):
        assert np.allclose(batch.w[:, i], s.w[:, 0], rtol=1e-7, atol=1e-9)  # different error norms, same tolerance


@given(D=st.integers(1, 6), lam=st.floats(0.0, 1.0))
@settings(max_examples=15)
def test_collapsed_flow_is_finite_at_the_origin(D, lam):
    tr = collapsed_flow(Scalar(np.array([0.0, 1.0, -2.0])), np.array([0.0, 0.0, 0.5]), lam, D, [0.0, 1.0])
    assert np.all(np.isfinite(tr.w)) and np.all(np.isfinite(tr.objective))
    assert np.all(tr.w[:, 0] == 0.0)  # 0 is stationary when z = 0, and for every z when D >= 2
    assert np.all(tr.w[:, 1] == 0.0) == (D >= 2)


def test_divergent_flow_is_stopped_and_flagged_not_nan():
    tr = factor_flow(Repulsive(2), np.array([[0.5, -0.2]]), 0.0, np.linspace(0, 50, 51), bound=1e4)
    assert tr.diverged and tr.success
    assert tr.t.size < 51 and np.all(np.isfinite(tr.factors)) and np.all(np.isfinite(tr.objective))
    assert np.max(np.abs(tr.factors)) <= 1e4
    c = collapsed_flow(Repulsive(1), np.array([0.3]), 0.0, 1, np.linspace(0, 50, 51), bound=1e4)
    assert c.diverged and c.t.size < 51 and np.all(np.isfinite(c.w))


def test_dense_output_and_hitting_time_match_the_travel_time():
    w0 = np.array([1e-3, 1e-2])
    for D in (2, 3):
        tr = factor_flow(
            Scalar(np.ones(2)), balanced_factors(w0, D), 0.0, np.linspace(0, 4000, 400), atol=1e-30, dense_output=True
        )
        h = hitting_time(tr, 0.5)
        T = [time_to_reach(x, 0.5, 1.0, D, method="quad") for x in w0]
        assert np.allclose(h, T, rtol=1e-7)  # ODE tolerance 1e-10, root-finding 1e-13
        assert np.all(np.isinf(hitting_time(tr, 2.0)))  # never reached
    with pytest.raises(ValueError, match="dense_output"):
        hitting_time(factor_flow(Scalar(1.0 + np.zeros(1)), np.ones((2, 1)), 0.0, [0, 1]), 0.5)


# --------------------------------------------------------------------------- #
# Gradient descent
# --------------------------------------------------------------------------- #


@given(seed=seeds, D=st.integers(1, 4), lam=st.floats(0.0, 1.0), lr=st.floats(1e-3, 0.1))
@settings(max_examples=20)
def test_gradient_descent_steps_are_gradient_steps(seed, D, lam, lr):
    from dwf_theory import factorized_gradient

    loss, rng = _ls(seed)
    f = rng.uniform(-1, 1, (D, 3))
    tr = gradient_descent(loss, f, lam, lr, 5, record_every=2)
    assert list(tr.t) == [0, 2, 4, 5]
    g = f
    for _ in range(5):
        g = g - lr * factorized_gradient(loss, g, lam)
    assert np.allclose(tr.factors[-1], g, rtol=1e-13, atol=1e-15)
    assert tr.diverged_step.shape == (3,) and np.all(tr.diverged_step == -1) and tr.nfev == 5


@given(seed=seeds, D=st.integers(1, 4), lam=st.floats(0.0, 0.5))
@settings(max_examples=15)
def test_batched_descent_with_per_problem_rates_equals_separate_runs(seed, D, lam):
    rng = np.random.default_rng(seed)
    z = rng.uniform(-2, 2, 6)
    f0 = rng.uniform(-1.5, 1.5, (D, 6))
    lr = rng.uniform(0.01, 2.0, 6)  # some of these diverge
    batch = gradient_descent(Scalar(z), f0, lam, lr, 60, bound=1e6)
    assert np.all(np.isfinite(batch.factors)) and np.all(np.isfinite(batch.objective))
    for i in range(6):
        one = gradient_descent(Scalar(z[i : i + 1]), f0[:, i : i + 1], lam, lr[i], 60, bound=1e6)
        assert one.diverged == (batch.diverged_step[i] >= 0)
        if one.diverged:
            assert one.diverged_step[0] == batch.diverged_step[i]
            assert np.array_equal(batch.factors[-1, :, i], one.factors[-1, :, 0])  # frozen at the last finite value
        else:
            assert np.allclose(batch.factors[:, :, i], one.factors[:, :, 0], rtol=1e-14, atol=0)


def test_diverging_descent_is_truncated_flagged_and_finite():
    loss, rng = _ls(0)
    tr = gradient_descent(loss, rng.uniform(-1, 1, (3, 3)), 0.1, 50.0, 1000, bound=1e6)
    assert tr.diverged and tr.t.size < 1001 and tr.t[-1] < 1000
    assert np.all(np.isfinite(tr.factors)) and np.all(np.isfinite(tr.w)) and np.all(np.isfinite(tr.objective))
    assert np.all(tr.diverged_step == tr.t[-1] + 1)


def test_descent_edge_of_stability_on_both_sides():
    from dwf_theory.landscape import max_stable_lr
    from dwf_theory.prox import prox

    z, lam, D = 2.0, 0.3, 3
    w = float(prox(z, lam, D))
    edge = max_stable_lr(w, lam, D)
    f0 = balanced_factors(np.full(2, w), D) * (1 + 1e-4 * np.array([[1, 1], [-1, -1], [0.5, 0.5]]))
    tr = gradient_descent(Scalar(np.full(2, z)), f0, lam, edge * np.array([0.97, 1.03]), 2000, record_every=2000)
    assert abs(tr.w[-1, 0] - w) < 1e-8 * w  # below the edge: converges
    assert abs(tr.w[-1, 1] - w) > 1e-3 * w  # above: does not


# --------------------------------------------------------------------------- #
# Closed forms
# --------------------------------------------------------------------------- #


@given(w0=st.floats(-2, 2), z=st.floats(-2, 2), t=st.floats(0, 5))
def test_logistic_flow_solves_its_ode(w0, z, t):
    w = logistic_flow(w0, z, t)
    assert np.isfinite(w)
    assert logistic_flow(w0, z, 0.0) == pytest.approx(w0, rel=1e-12, abs=1e-300)
    h = 1e-6
    dw = (logistic_flow(w0, z, t + h) - logistic_flow(w0, z, max(t - h, 0.0))) / (h + min(h, t))
    assert dw == pytest.approx(2 * abs(w) * (z - w), rel=1e-5, abs=1e-7)  # finite-difference accuracy
    if w0 != 0:
        assert np.sign(w) in (np.sign(w0), 0.0)  # never crosses zero


def test_logistic_flow_matches_simulation_and_broadcasts():
    w0 = np.array([1e-3, 0.5, -0.2, 1.5])
    z = np.array([1.0, -1.0, 1.0, 1.0])
    t = np.linspace(0, 3, 5)
    tr = factor_flow(Scalar(z), balanced_factors(w0, 2), 0.0, t, rtol=1e-11, atol=1e-16)
    ref = logistic_flow(w0[None], z[None], t[:, None])
    assert ref.shape == (5, 4)
    assert np.allclose(tr.w, ref, rtol=1e-8, atol=1e-13)


@given(w0=st.floats(1e-4, 0.4), D=st.integers(2, 4), z=st.floats(0.6, 3.0))
@settings(max_examples=15)
def test_time_to_reach_sympy_equals_quad_and_is_additive(w0, D, z):
    mid, end = 0.45, 0.5
    s = time_to_reach(w0, end, z, D, method="sympy")
    q = time_to_reach(w0, end, z, D, method="quad")
    assert s == pytest.approx(q, rel=1e-9)
    parts = time_to_reach(w0, mid, z, D) + time_to_reach(mid, end, z, D)
    assert parts == pytest.approx(q, rel=1e-9)
    # scaling: T(s·w0 → s·w1; s·z) = s^{−(2−2/D)} T(w0 → w1; z)
    assert time_to_reach(2 * w0, 2 * end, 2 * z, D, method="quad") == pytest.approx(q * 2 ** (2 / D - 2), rel=1e-9)


def test_time_to_reach_bad_input():
    with pytest.raises(ValueError, match="same sign"):
        time_to_reach(-0.1, 0.5, 1.0, 3)
    with pytest.raises(ValueError, match="stationary"):
        time_to_reach(0.1, 1.5, 1.0, 3)  # crosses z = 1
    with pytest.raises(ValueError, match="direction"):
        time_to_reach(0.5, 0.1, 1.0, 3)
    with pytest.raises(ValueError, match="method"):
        time_to_reach(0.1, 0.5, 1.0, 3, method="magic")
    with pytest.raises(ValueError, match="sympy"):
        time_to_reach(0.5, 0.6, 1.0, 3, lam=0.01, method="sympy")
    assert time_to_reach(0.3, 0.3, 1.0, 3) == 0.0


@given(A=st.floats(0.1, 10), B=st.floats(-5, 5), D=st.integers(3, 8))
def test_escape_exponent_recovers_the_power_law_and_ignores_the_constant(A, B, D):
    w0 = 10.0 ** -np.arange(3.0, 9.0)
    a = 1 - 2 / D
    T = A * w0**-a + B
    assert escape_exponent(w0, T, D) == pytest.approx(-a, rel=1e-9)  # differences cancel B exactly
    assert escape_exponent(w0[::-1], T[::-1], D) == pytest.approx(-a, rel=1e-9)  # order does not matter


@given(c=st.floats(0.1, 10), B=st.floats(-5, 5))
def test_escape_exponent_d2_is_the_log_slope(c, B):
    w0 = np.geomspace(1e-2, 1e-9, 8)
    assert escape_exponent(w0, c * np.log(1 / w0) + B, 2) == pytest.approx(c, rel=1e-9)


def test_escape_times_match_the_travel_time_integral():
    w0 = np.array([1e-2, 1e-4, 1e-6])
    for D, lam in ((2, 0.0), (4, 0.0), (3, 0.01)):
        T = escape_times(w0, 1.5, D, lam=lam)
        ref = [time_to_reach(x, 0.75, 1.5, D, lam, method="quad") for x in w0]
        assert np.allclose(T, ref, rtol=1e-7)  # ODE rtol 1e-10 over a stiff escape
    with pytest.raises(ValueError, match="sign"):
        escape_times(np.array([-1e-3]), 1.0, 3)
    with pytest.raises(ValueError, match="level"):
        escape_times(np.array([1e-3]), 1.0, 3, level=1.5)
    with pytest.raises(ValueError, match="same length"):
        escape_exponent(w0, np.ones(2), 3)


# --------------------------------------------------------------------------- #
# Bad input and the result type
# --------------------------------------------------------------------------- #


def test_bad_input_is_rejected_with_clear_errors():
    loss = Scalar(np.ones(3))
    f = np.full((2, 3), 0.5)
    t = [0.0, 1.0]
    with pytest.raises(ValueError, match="factors0"):
        factor_flow(loss, np.full((2, 3), np.nan), 0.1, t)
    with pytest.raises(ValueError, match="factors0"):
        factor_flow(loss, np.ones((2, 4)), 0.1, t)
    with pytest.raises(ValueError, match="t_eval"):
        factor_flow(loss, f, 0.1, [0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="t_eval"):
        factor_flow(loss, f, 0.1, [0.0])
    with pytest.raises(ValueError, match="lam"):
        factor_flow(loss, f, -1.0, t)
    with pytest.raises(ValueError, match="events"):
        factor_flow(loss, f, 0.1, t, events=None)
    with pytest.raises(TypeError, match="loss"):
        factor_flow(object(), f, 0.1, t)
    with pytest.raises(ValueError, match="w0"):
        collapsed_flow(loss, np.ones(2), 0.1, 2, t)
    with pytest.raises(ValueError, match="D"):
        collapsed_flow(loss, np.ones(3), 0.1, 0, t)
    with pytest.raises(ValueError, match="lr"):
        gradient_descent(loss, f, 0.1, 0.0, 10)
    with pytest.raises(ValueError, match="lr"):
        gradient_descent(loss, f, 0.1, np.array([0.1, -0.1, 0.1]), 10)
    with pytest.raises(ValueError, match="lr"):
        gradient_descent(_ls(0)[0], f, 0.1, np.full(3, 0.1), 10)  # per-problem rates need a separable loss
    with pytest.raises(ValueError, match="steps"):
        gradient_descent(loss, f, 0.1, 0.1, 2.5)
    with pytest.raises(ValueError, match="steps"):
        gradient_descent(loss, f, 0.1, 0.1, 0)
    with pytest.raises(ValueError, match="record_every"):
        gradient_descent(loss, f, 0.1, 0.1, 5, record_every=0)
    with pytest.raises(ValueError, match="bound"):
        gradient_descent(loss, 1e9 * f, 0.1, 0.1, 5)


def test_trajectory_is_frozen():
    tr = gradient_descent(Scalar(np.ones(2)), np.ones((2, 2)), 0.0, 0.1, 2)
    assert isinstance(tr, Trajectory)
    with pytest.raises(dataclasses.FrozenInstanceError):
        tr.diverged = True
