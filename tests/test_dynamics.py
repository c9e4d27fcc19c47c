"""dynamics.py: flows, gradient descent, closed forms, batches, divergence and bad input.

The dynamical statements (imbalance conserved at λ = 0 and decaying as e^{−4λt/D}, the one-step map of the
imbalance, balanced factor flow = collapsed flow dw/dt = −D|w|^{2−2/D}∇G, escape-time laws, closed forms
vs simulation, the stability edge η < 2/λ_max, the origin as an attractor for D ≥ 3, implicit bias for
D = 2) are claims C22–C30, the edge η < 2(1 + μ)/λ_max with heavy-ball momentum C31–C32, run once in
tests/test_claims.py. The tests here check the integrators and the
closed forms against independent computations: scipy's DOP853 on autograd's gradient of F, autograd
gradient steps, finite differences, quadrature and exact scaling laws.
"""

import math

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from dwf_theory import LeastSquares, Loss, Scalar, balanced_factors
from dwf_theory.dynamics import (
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


def _F(loss, lam, D):
    """F(ω) = ‖X ω_1⋯ω_D − y‖²/(2n) + (λ/D)Σ‖ω_d‖², written for autograd (no package code)."""

    def F(f):
        w = f[0]
        for d in range(1, D):  # plain products: autograd's prod rule divides by the factors
            w = w * f[d]
        r = anp.dot(loss.X, w) - loss.y
        return anp.sum(r * r) / (2 * loss.X.shape[0]) + lam / D * anp.sum(f * f)

    return F


# --------------------------------------------------------------------------- #
# Gradient flow
# --------------------------------------------------------------------------- #


@given(seed=seeds, D=st.integers(1, 4), lam=st.floats(0.0, 1.0))
@settings(max_examples=6)
def test_factor_flow_matches_an_independent_integration(seed, D, lam):
    # The same gradient flow integrated by scipy's explicit DOP853 on autograd's gradient of F (no package
    # code, no Jacobian): tolerance 1e-10 of max(1, |ω|), 60× the measured worst 1.7e-12 (20 random flows,
    # both at rtol ≤ 1e-12).
    loss, rng = _ls(seed)
    f0 = rng.uniform(-1, 1, (D, 3))
    t = np.linspace(0, 2, 5)
    tr = factor_flow(loss, f0, lam, t, rtol=1e-12, atol=1e-14)
    assert tr.factors.shape == (5, D, 3) and tr.w.shape == (5, 3) and not tr.diverged and tr.success
    F = _F(loss, lam, D)
    grad = autograd.grad(F)
    ref = solve_ivp(
        lambda _s, y: -grad(y.reshape(D, 3)).ravel(),
        (0, 2),
        f0.ravel(),
        t_eval=t,
        method="DOP853",
        rtol=1e-13,
        atol=1e-15,
    ).y.T.reshape(tr.factors.shape)
    np.testing.assert_allclose(tr.factors, ref, rtol=0, atol=1e-10 * max(1.0, np.max(np.abs(ref))))
    np.testing.assert_array_equal(tr.factors[0], f0)
    # Records: w is the product, objective is F there (rel. 1e-14: same terms, other order), and descends.
    np.testing.assert_allclose(tr.w, np.prod(tr.factors, axis=1), rtol=1e-15, atol=0)
    np.testing.assert_allclose(tr.objective, [F(f) for f in tr.factors], rtol=1e-14)
    assert np.all(np.diff(tr.objective) <= 0)


@pytest.mark.parametrize("method", ["LSODA", "BDF", "Radau"])
def test_batched_flow_equals_single_flows_for_every_stiff_method(method):
    rng = np.random.default_rng(3)
    z, w0 = rng.uniform(-2, 2, 12), rng.uniform(-1, 1, 12)
    t = np.linspace(0, 5, 3)
    batch = factor_flow(Scalar(z), balanced_factors(w0, 3), 0.2, t, method=method)
    singles = [
        factor_flow(Scalar(z[i : i + 1]), balanced_factors(w0[i : i + 1], 3), 0.2, t, method=method) for i in (0, 5, 11)
    ]
    # Different error norms (one over the batch, one per problem) with the same rtol 1e-10: atol 1e-8, 40× the
    # measured worst 2.5e-10 (BDF; LSODA 4e-11, Radau 1e-11).
    for i, s in zip((0, 5, 11), singles, strict=True):
        np.testing.assert_allclose(batch.w[:, i], s.w[:, 0], rtol=0, atol=1e-8)


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
        T = [time_to_reach(1.0, x, 0.5, 0.0, D, method="quad") for x in w0]
        np.testing.assert_allclose(h, T, rtol=1e-8)  # ODE rtol 1e-10 vs quad: measured worst 2e-10
        assert np.all(np.isinf(hitting_time(tr, 2.0)))  # never reached
    with pytest.raises(ValueError, match="dense_output"):
        hitting_time(factor_flow(Scalar(1.0 + np.zeros(1)), np.ones((2, 1)), 0.0, [0, 1]), 0.5)


# --------------------------------------------------------------------------- #
# Gradient descent
# --------------------------------------------------------------------------- #


@given(seed=seeds, D=st.integers(1, 4), lam=st.floats(0.0, 1.0), lr=st.floats(1e-3, 0.1))
@settings(max_examples=20)
def test_gradient_descent_steps_are_gradient_steps(seed, D, lam, lr):
    # Five steps ω ← ω − η∇F with autograd's gradient of F (independent of the closed form): rel. 1e-14 of
    # max|ω|, 100× the measured worst 7e-17 over 100 random runs.
    loss, rng = _ls(seed)
    f = rng.uniform(-1, 1, (D, 3))
    tr = gradient_descent(loss, f, lam, lr, 5, record_every=2)
    assert list(tr.t) == [0, 2, 4, 5]
    grad = autograd.grad(_F(loss, lam, D))
    g = f
    for _ in range(5):
        g = g - lr * grad(g)
    np.testing.assert_allclose(tr.factors[-1], g, rtol=0, atol=1e-14 * np.max(np.abs(g)))
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


@given(seed=seeds, D=st.integers(1, 4), lam=st.floats(0.0, 1.0), lr=st.floats(1e-3, 0.1), mu=st.floats(0.0, 0.99))
@settings(max_examples=20)
def test_momentum_steps_are_heavy_ball_steps(seed, D, lam, lr, mu):
    # Six heavy-ball steps v ← μv + ∇F, ω ← ω − ηv (PyTorch's SGD momentum) with autograd's gradient of F:
    # rel. 1e-13 of max|ω| (rounding of six steps).
    loss, rng = _ls(seed)
    f = rng.uniform(-1, 1, (D, 3))
    tr = gradient_descent(loss, f, lam, lr, 6, momentum=mu, record_every=3)
    grad = autograd.grad(_F(loss, lam, D))
    g, vel = f, np.zeros_like(f)
    for _ in range(6):
        vel = mu * vel + grad(g)
        g = g - lr * vel
    np.testing.assert_allclose(tr.factors[-1], g, rtol=0, atol=1e-13 * np.max(np.abs(g)))
    assert list(tr.t) == [0, 3, 6] and tr.nfev == 6


def test_zero_momentum_is_plain_gradient_descent_bit_for_bit():
    loss, rng = _ls(3)
    f = rng.uniform(-1, 1, (3, 3))
    plain = gradient_descent(loss, f, 0.2, 0.05, 40)
    zero = gradient_descent(loss, f, 0.2, 0.05, 40, momentum=0.0)
    assert np.array_equal(plain.factors, zero.factors) and np.array_equal(plain.objective, zero.objective)


def test_momentum_batch_freezes_diverged_problems_and_equals_separate_runs():
    rng = np.random.default_rng(5)
    z = rng.uniform(-2, 2, 6)
    f0 = rng.uniform(-1.5, 1.5, (3, 6))
    lr = rng.uniform(0.01, 3.0, 6)  # some of these diverge
    batch = gradient_descent(Scalar(z), f0, 0.1, lr, 80, momentum=0.6, bound=1e6)
    assert 0 < np.sum(batch.diverged_step >= 0) < 6 and np.all(np.isfinite(batch.factors))
    for i in range(6):
        one = gradient_descent(Scalar(z[i : i + 1]), f0[:, i : i + 1], 0.1, lr[i], 80, momentum=0.6, bound=1e6)
        assert one.diverged == (batch.diverged_step[i] >= 0)
        if one.diverged:
            assert one.diverged_step[0] == batch.diverged_step[i]
            assert np.array_equal(batch.factors[-1, :, i], one.factors[-1, :, 0])
        else:
            assert np.allclose(batch.factors[:, :, i], one.factors[:, :, 0], rtol=1e-14, atol=0)


@pytest.mark.parametrize("mu", [1.0, -0.1, math.nan, math.inf, 1.5])
def test_momentum_outside_zero_one_is_refused_naming_it(mu):
    with pytest.raises(ValueError, match="momentum"):
        gradient_descent(Scalar(np.ones(2)), np.ones((2, 2)), 0.1, 0.1, 5, momentum=mu)


@pytest.mark.parametrize("mu", [True, "0.5", None, [0.5]])
def test_momentum_of_the_wrong_type_is_refused_naming_it(mu):
    with pytest.raises(TypeError, match="momentum"):
        gradient_descent(Scalar(np.ones(2)), np.ones((2, 2)), 0.1, 0.1, 5, momentum=mu)


# --------------------------------------------------------------------------- #
# Closed forms
# --------------------------------------------------------------------------- #


@given(w0=st.floats(-2, 2), z=st.floats(-2, 2), t=st.floats(0.01, 5))
def test_logistic_flow_solves_its_ode(w0, z, t):
    # The closed form solves dw/dt = 2|w|(z − w) (balanced D = 2 flow, λ = 0) with w(0) = w0: five-point
    # finite differences with h = 1e-4 (error O(h⁴) + rounding). Tolerance 1e-10·(1 + |w|(|z| + |w|)), 90× the
    # measured worst 1.2e-12 over 3,000 random (w0, z, t). Agreement with the simulated flow is claim C26.
    w = logistic_flow(z, w0, t)
    assert np.isfinite(w)
    assert logistic_flow(z, w0, 0.0) == w0
    h = 1e-4
    dw = (
        -logistic_flow(z, w0, t + 2 * h)
        + 8 * logistic_flow(z, w0, t + h)
        - 8 * logistic_flow(z, w0, t - h)
        + logistic_flow(z, w0, t - 2 * h)
    ) / (12 * h)
    assert abs(dw - 2 * abs(w) * (z - w)) <= 1e-10 * (1 + abs(w) * (abs(z) + abs(w)))
    if w0 != 0:
        assert np.sign(w) in (np.sign(w0), 0.0)  # never crosses zero


def test_logistic_flow_broadcasts():
    w0 = np.array([1e-3, 0.5, -0.2, 1.5])
    z = np.array([1.0, -1.0, 1.0, 1.0])
    t = np.linspace(0, 3, 5)
    out = logistic_flow(z[None], w0[None], t[:, None])
    assert out.shape == (5, 4)
    expected = [[float(logistic_flow(zj, wj, ti)) for zj, wj in zip(z, w0)] for ti in t]
    np.testing.assert_array_equal(out, expected)


@given(w0=st.floats(1e-4, 0.4), D=st.integers(2, 4), z=st.floats(0.6, 3.0))
@settings(max_examples=15)
def test_time_to_reach_sympy_equals_quad_and_is_additive(w0, D, z):
    mid, end = 0.45, 0.5
    # SymPy's antiderivative vs adaptive quadrature, additivity over [w0, mid, end], and the scaling law
    # T(s·w0 → s·w1; s·z) = s^{−(2−2/D)} T(w0 → w1; z) (u = w/s in dw/dt = −D|w|^{2−2/D}(w − z); derived here).
    # Rel. 1e-13: 70× the measured worst 1.4e-15 over 60 random cases.
    s = time_to_reach(z, w0, end, 0.0, D, method="sympy")
    q = time_to_reach(z, w0, end, 0.0, D, method="quad")
    assert s == pytest.approx(q, rel=1e-13)
    parts = time_to_reach(z, w0, mid, 0.0, D) + time_to_reach(z, mid, end, 0.0, D)
    assert parts == pytest.approx(q, rel=1e-13)
    scaled = time_to_reach(2 * z, 2 * w0, 2 * end, 0.0, D, method="quad")
    assert scaled == pytest.approx(q * 2 ** (2 / D - 2), rel=1e-13)


def test_time_to_reach_bad_input():
    with pytest.raises(ValueError, match="same sign"):
        time_to_reach(1.0, -0.1, 0.5, 0.0, 3)
    with pytest.raises(ValueError, match="stationary"):
        time_to_reach(1.0, 0.1, 1.5, 0.0, 3)  # crosses z = 1
    with pytest.raises(ValueError, match="direction"):
        time_to_reach(1.0, 0.5, 0.1, 0.0, 3)
    with pytest.raises(ValueError, match="method"):
        time_to_reach(1.0, 0.1, 0.5, 0.0, 3, method="magic")
    with pytest.raises(ValueError, match="sympy"):
        time_to_reach(1.0, 0.5, 0.6, 0.01, 3, method="sympy")
    assert time_to_reach(1.0, 0.3, 0.3, 0.0, 3) == 0.0


@given(A=st.floats(0.1, 10), B=st.floats(-5, 5), D=st.integers(3, 8))
def test_escape_exponent_recovers_the_power_law_and_ignores_the_constant(A, B, D):
    w0 = 10.0 ** -np.arange(3.0, 9.0)
    a = 1 - 2 / D
    T = A * w0**-a + B
    # Synthetic exact data: the differences cancel B, the slope is −(1 − 2/D); order does not matter.
    # Rel. 1e-13: 100× the measured worst 9e-16.
    assert escape_exponent(w0, T, D) == pytest.approx(-a, rel=1e-13)
    assert escape_exponent(w0[::-1], T[::-1], D) == pytest.approx(-a, rel=1e-13)


@given(c=st.floats(0.1, 10), B=st.floats(-5, 5))
def test_escape_exponent_d2_is_the_log_slope(c, B):
    w0 = np.geomspace(1e-2, 1e-9, 8)
    assert escape_exponent(w0, c * np.log(1 / w0) + B, 2) == pytest.approx(c, rel=1e-13)  # measured ≤ 9e-16


def test_escape_times_match_the_travel_time_integral():
    w0 = np.array([1e-2, 1e-4, 1e-6])
    for D, lam in ((2, 0.0), (4, 0.0), (3, 0.01)):
        T = escape_times(1.5, w0, lam, D)
        ref = [time_to_reach(1.5, x, 0.75, lam, D, method="quad") for x in w0]
        # ODE (rtol 1e-10, over a stiff escape) vs quadrature: measured worst 7e-9 (D = 4).
        np.testing.assert_allclose(T, ref, rtol=1e-7)
    with pytest.raises(ValueError, match="sign"):
        escape_times(1.0, np.array([-1e-3]), 0.0, 3)
    with pytest.raises(ValueError, match="level"):
        escape_times(1.0, np.array([1e-3]), 0.0, 3, level=1.5)
    with pytest.raises(ValueError, match="same length"):
        escape_exponent(w0, np.ones(2), 3)


# --------------------------------------------------------------------------- #
# Bad input
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


@pytest.mark.parametrize(
    "z, w0, t",
    [
        (1e308, 0.1, 1e-306),
        (1e308, 0.1, 1.0),
        (-1e308, 0.1, 1.0),
        (1.0, 0.1, 1e308),
        (-1.0, 0.1, 1e308),
        (1e-300, 0.5, 1e300),
        (0.0, 0.1, 1e308),
        (3.0, -1e-300, 100.0),
    ],
)
def test_logistic_flow_at_extreme_magnitudes(z, w0, t):
    # z·t or t near the largest float (−2szt and 2st overflow): the closed form w = z w0 / (w0 + (z − w0) e^{−2szt})
    # (w0 / (1 + 2|w0| t) at z = 0) evaluated in 60-digit arithmetic (mpmath) as the reference. Tolerance 1e-12
    # relative (a few ulp; the largest results pass through subnormal intermediates such as w0/z), and 1e-300
    # absolute for results below the normal floats (z = 0, t = 1e308: 5e-309, returned as 0).
    import mpmath

    mpmath.mp.dps = 60
    zm, wm, tm = mpmath.mpf(z), mpmath.mpf(w0), mpmath.mpf(t)
    s = mpmath.sign(wm)
    if z == 0:
        ref = wm / (1 + 2 * abs(wm) * tm)
    else:
        ref = zm * wm / (wm + (zm - wm) * mpmath.exp(-2 * s * zm * tm))
    out = float(logistic_flow(z, w0, t))
    assert np.isfinite(out)
    assert out == pytest.approx(float(ref), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("method", ["LSODA", "BDF", "Radau"])
def test_a_flow_too_stiff_for_float64_is_reported_failed_not_hung(method):
    # λ = 1e200 makes the decay rate 2λ/D beyond what the error control of the integrators can represent: the run
    # must stop (no progress, a singular Newton matrix or an overflowed prediction) and say so, with finite records.
    tr = factor_flow(Scalar(np.array([1.5, -0.3])), np.full((3, 2), 0.5), 1e200, np.linspace(0, 2, 5), method=method)
    assert not tr.success and "integration failed" in tr.message
    assert np.all(np.isfinite(tr.w)) and np.all(np.isfinite(tr.objective))
    np.testing.assert_array_equal(tr.factors[0], np.full((3, 2), 0.5))


def test_flows_and_escape_laws_reject_inputs_they_cannot_use():
    loss = Scalar(np.ones(3))
    t = [0.0, 1.0]
    with pytest.raises(ValueError, match="factors0 must lie within the divergence bound"):
        factor_flow(loss, np.full((2, 3), 1e9), 0.1, t)
    with pytest.raises(ValueError, match="w0 must lie within the divergence bound"):
        collapsed_flow(loss, np.full(3, 1e308), 0.1, 3, t)
    with pytest.raises(ValueError, match="max_step"):
        collapsed_flow(loss, np.ones(3), 0.1, 3, t, max_step=1e-300)
    with pytest.raises(ValueError, match="rtol"):
        factor_flow(loss, np.ones((2, 3)), 0.1, t, rtol=1e-20)
    with pytest.raises(ValueError, match="method"):
        factor_flow(loss, np.ones((2, 3)), 0.1, t, method="Euler")
    with pytest.raises(TypeError, match="unknown solver option"):
        factor_flow(loss, np.ones((2, 3)), 0.1, t, nsteps=10)
    with pytest.raises(ValueError, match="w0 must hold nonzero starts"):
        escape_exponent(np.zeros(3), np.array([1.0, 2.0, 3.0]), 3)
    with pytest.raises(ValueError, match="lam"):  # the flow moves toward zero: level·z is never reached
        escape_times(1.0, np.array([1e-2, 1e-3]), 1e308, 3)
    with pytest.raises(ValueError, match="level must broadcast"):
        hitting_time(_flow_with_dense_output(), [0.5, 0.5, 0.5])


def _flow_with_dense_output():
    return factor_flow(Scalar(np.array([1.5])), np.full((3, 1), 0.1), 0.1, np.linspace(0.0, 20.0, 5), dense_output=True)
