"""symbolic.py: SymPy derivations checked against numeric evaluations at random points (claims C7–C11)."""

import dataclasses
import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from dwf_theory import (
    Scalar,
    balanced_factors,
    existence_threshold,
    factorized_gradient,
    factorized_objective,
    jump,
    lq_penalty,
    prox_objective,
    threshold,
)
from dwf_theory import symbolic as S
from dwf_theory.landscape import factorized_hessian

lams = st.floats(0.01, 5.0)
weights = st.floats(0.05, 20.0)


def _num(expr, values):
    return float(sp.N(expr.subs(values), 30))


@settings(max_examples=20)
@given(st.integers(1, 6), st.sampled_from([1, -1]), weights)
def test_lagrange_points_are_balanced_and_optimal(D, sign, a):
    r = S.lagrange_balanced(D, sign=sign)
    w = sign * a
    sols = np.array([[_num(x, {r["w"]: w}) for x in sol] for sol in r["solutions"]])
    # 2^{D−1} points, each a factorization of w with |ω_d| = |w|^{1/D} (relative 1e-13).
    assert sols.shape == (2 ** (D - 1), D)
    np.testing.assert_allclose(np.prod(sols, axis=1), w, rtol=1e-13)
    np.testing.assert_allclose(np.abs(sols), abs(w) ** (1 / D), rtol=1e-13)
    # Every original Lagrange equation vanishes at every point (absolute 1e-10 relative to the scale of w).
    mu = _num(r["multiplier"], {r["w"]: w})
    for sol in sols:
        point = {**dict(zip(r["omega"], sol, strict=True)), r["mu"]: mu, r["w"]: w}
        assert max(abs(_num(e, point)) for e in r["equations"]) <= 1e-10 * (1 + abs(w))
    # The value is the L_{2/D} penalty (relative 1e-13).
    assert _num(r.expr, {r["w"]: w}) == pytest.approx(lq_penalty(w, D), rel=1e-13)


@settings(max_examples=15)
@given(st.integers(2, 6), weights, st.integers(0, 2**32 - 1))
def test_lagrange_value_is_a_lower_bound_on_feasible_points(D, a, seed):
    # Random feasible factorizations (ω_d = c_d·|w|^{1/D}, Π c_d = 1) never beat the derived value.
    r = S.lagrange_balanced(D)
    rng = np.random.default_rng(seed)
    c = np.exp(rng.normal(0, 1, size=(500, D)))
    c /= np.exp(np.mean(np.log(c), axis=1, keepdims=True))
    vals = np.sum((c * a ** (1 / D)) ** 2, axis=1) / D
    assert np.min(vals) >= _num(r.expr, {r["w"]: a}) * (1 - 1e-12)


def test_lagrange_rejects_the_wrong_sign_patterns():
    for D in (2, 3, 4):
        for sign in (1, -1):
            r = S.lagrange_balanced(D, sign=sign)
            assert all(math.prod(p) == sign for p in r["sign_patterns"])
            assert all(math.prod(p) == -sign for p in r["rejected_patterns"])
            assert len(r["sign_patterns"]) + len(r["rejected_patterns"]) == 2**D


@given(st.integers(3, 30), lams)
def test_threshold_jump_general_q_matches_prox(D, lam):
    g = S.threshold_jump()
    vals = {g["q"]: sp.Rational(2, D), g["lam"]: lam}
    # Relative 1e-12 against the numeric prox module.
    assert _num(g["beta"], vals) == pytest.approx(jump(lam, D), rel=1e-12)
    assert _num(g["tau"], vals) == pytest.approx(threshold(lam, D), rel=1e-12)
    assert _num(g["z_exist"], vals) == pytest.approx(existence_threshold(lam, D), rel=1e-12)


@given(st.integers(3, 8), lams)
def test_threshold_jump_at_fixed_depth_agrees_with_general_q(D, lam):
    g, s = S.threshold_jump(), S.threshold_jump(D)
    for key in ("beta", "tau", "w_m", "z_exist"):
        general = _num(g[key], {g["q"]: sp.Rational(2, D), g["lam"]: lam})
        assert _num(s[key], {s["lam"]: lam}) == pytest.approx(general, rel=1e-14)


@given(st.integers(3, 20), lams)
def test_derived_threshold_is_a_tie_and_jump_is_stationary(D, lam):
    # At z = τ the objective at β equals the objective at 0, and β solves β + λqβ^{q−1} = τ (relative 1e-12).
    g = S.threshold_jump()
    vals = {g["q"]: sp.Rational(2, D), g["lam"]: lam}
    beta, tau = _num(g["beta"], vals), _num(g["tau"], vals)
    q = 2 / D
    assert float(prox_objective(tau, beta, lam, D)) == pytest.approx(float(prox_objective(tau, 0.0, lam, D)), rel=1e-12)
    assert beta + lam * q * beta ** (q - 1) == pytest.approx(tau, rel=1e-12)


@settings(max_examples=25)
@given(st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_scalar_gradient_and_hessian_match_numeric(D, seed):
    rng = np.random.default_rng(seed)
    s = S.scalar_objective(D)
    om, z, lam = rng.normal(0, 1.2, D), float(rng.normal(0, 2)), float(rng.uniform(0, 2))
    args = (*s["omega"], s["z"], s["lam"])
    loss = Scalar(np.array([z]))
    F = sp.lambdify(args, s.expr)(*om, z, lam)
    grad = np.asarray(sp.lambdify(args, s["gradient"])(*om, z, lam), float).ravel()
    hess = np.asarray(sp.lambdify(args, s["hessian"])(*om, z, lam), float)
    # Objective and gradient against penalty.py, Hessian against landscape.py (relative 1e-12 of max(1, |·|)).
    assert F == pytest.approx(factorized_objective(loss, om[:, None], lam), rel=1e-12)
    g_num = factorized_gradient(loss, om[:, None], lam).ravel()
    assert np.all(np.abs(grad - g_num) <= 1e-12 * np.maximum(1, np.abs(g_num)))
    h_num = factorized_hessian(loss, om[:, None], lam)
    assert np.all(np.abs(hess - h_num) <= 1e-12 * np.maximum(1, np.abs(h_num)))
    # Central differences of the symbolic objective reproduce the symbolic gradient (step 1e-6: error ~1e-8).
    f = sp.lambdify(args, s.expr)
    e = np.eye(D) * 1e-6
    fd = np.array([(f(*(om + e[k]), z, lam) - f(*(om - e[k]), z, lam)) / 2e-6 for k in range(D)])
    np.testing.assert_allclose(fd, grad, rtol=1e-6, atol=1e-6)


@given(st.integers(1, 8), lams, st.floats(-5, 5))
def test_origin_eigenvalues_match_numeric(D, lam, z):
    h = S.origin_hessian(D)
    derived = sorted(_num(e, {S.LAM: lam, S.Z: z}) for e, m in h["eigenvalues"].items() for _ in range(m))
    numeric = np.linalg.eigvalsh(factorized_hessian(Scalar(np.array([z])), np.zeros((D, 1)), lam))
    np.testing.assert_allclose(derived, numeric, rtol=1e-12, atol=1e-14)
    # The origin is a saddle exactly where the derived region says (D = 2: |z| > λ); ties |z| = λ skipped.
    if abs(abs(z) - lam) > 1e-9:
        region = h["negative_region"].subs(S.LAM, lam)
        assert (numeric[0] < 0) == bool(region.contains(sp.Float(z)))


@settings(max_examples=25)
@given(st.integers(1, 7), weights, lams)
def test_balanced_point_is_stationary_and_eigenvalues_match(D, w, lam):
    h = S.balanced_hessian(D)
    vals = {h["w"]: w, S.LAM: lam}
    z = _num(h["z_star"], vals)
    loss = Scalar(np.array([z]))
    fac = balanced_factors(np.array([w]), D)
    # z* makes the balanced factors stationary (gradient relative to the scale of z).
    assert np.max(np.abs(factorized_gradient(loss, fac, lam))) <= 1e-12 * (1 + abs(z))
    derived = sorted(_num(e, vals) for e, m in h["eigenvalues"].items() for _ in range(m))
    numeric = np.linalg.eigvalsh(factorized_hessian(loss, fac, lam))
    np.testing.assert_allclose(derived, numeric, rtol=1e-10, atol=1e-10 * (1 + z * z))


def test_derivation_is_immutable_and_renders_latex():
    r = S.threshold_jump()
    assert r.latex == sp.latex(r.expr) and "lambda" in r.latex
    assert set(r.steps_latex()) >= {"beta", "tau", "z_exist"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.expr = sp.Integer(0)
    with pytest.raises(TypeError):
        r.steps["beta"] = sp.Integer(0)
    assert S.threshold_jump() is r  # cached


@given(st.integers(1, 50))
def test_equal_proves_identities_and_rejects_differences(n):
    x = sp.Symbol("x", positive=True)
    assert S.equal((x**n - 1), (x - 1) * sp.Add(*[x**k for k in range(n)]))
    assert S.equal((2 * x) ** sp.Rational(1, n + 1), 2 ** sp.Rational(1, n + 1) * x ** sp.Rational(1, n + 1))
    assert not S.equal(x**n, x**n + sp.Rational(1, n))


@pytest.mark.parametrize("bad", [0, -1, 2.5, float("nan")])
def test_bad_depth_is_a_value_error(bad):
    for fn in (S.lagrange_balanced, S.scalar_objective, S.origin_hessian, S.balanced_hessian):
        with pytest.raises(ValueError, match="D"):
            fn(bad)


@pytest.mark.parametrize("bad", ["3", None, True, [3]])
def test_non_numeric_depth_is_a_type_error(bad):
    for fn in (S.lagrange_balanced, S.scalar_objective, S.origin_hessian, S.balanced_hessian, S.threshold_jump):
        if bad is None and fn is S.threshold_jump:
            continue  # None means symbolic q there
        with pytest.raises(TypeError, match="D"):
            fn(bad)


def test_threshold_jump_needs_depth_three_and_sign_must_be_unit():
    with pytest.raises(ValueError, match="D"):
        S.threshold_jump(2)
    for bad in (0, 2, True):
        with pytest.raises(ValueError, match="sign"):
            S.lagrange_balanced(3, sign=bad)
