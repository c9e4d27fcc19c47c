"""parametrizations.py: induced penalties of any factorization, the built-ins, the group prox.

The closed forms of the built-ins' induced penalties (numerically and with SymPy), the group prox
against brute force on fixed cases and the Powerpropagation flow are claims C70–C76 (run once in
tests/test_claims.py); the tests here check the solver's contract over random input: the returned
point lies on the fibre and no fibre point found another way does better, the scaling laws, the
certification of a counterexample, and clear errors on bad input.
"""

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from dwf_theory import (
    Parametrization,
    PowerPenalty,
    collapse,
    compare_penalty,
    group_factorization,
    group_prox,
    hadamard,
    induced_penalty,
    powerprop,
    prox,
    strategies,
)
from dwf_theory import parametrizations as pz

# Each solve takes 0.05–0.5 s: few examples per property.
SLOW = settings(max_examples=8, deadline=None)

# A user's own parametrization without a Jacobian (central differences): w = a·b³.
CUBE = Parametrization("a·b³", lambda om: om[0] * om[1] ** 3, lambda shape: (2, *shape))


def _plain_squares(omega):
    """Σ ω² as a plain callable (no ``grad``): exercises the central-difference gradient."""
    return float(np.sum(np.asarray(omega) ** 2))


# --------------------------------------------------------------------------- optimality


@SLOW
@given(strategies.factorizations(strategies.depths(1, 4), st.integers(1, 3), kind="arbitrary", magnitudes=(1e-2, 1e2)))
def test_no_factorization_of_w_has_a_smaller_penalty(factors):
    # Any factors ω are a point of the fibre of w = collapse(ω): the infimum can be no larger than R(ω),
    # and the returned ω* must lie on the fibre with R(ω*) equal to the reported value.
    D = factors.shape[0]
    w = collapse(factors)
    pen = PowerPenalty(c=1.0 / D)
    r = induced_penalty(w, hadamard(D), pen, rng=0)
    assert r.converged and r.violation <= 1e-10
    # Tolerance 1e-12 relative: the value is R at a fibre point; a random fibre point is worse by far more.
    assert r.value <= pen(factors) * (1 + 1e-12)
    np.testing.assert_allclose(collapse(r.omega), w, rtol=1e-10, atol=0)
    assert r.value == pen(r.omega)


@SLOW
@given(
    strategies.weights((2, 2), magnitudes=(1e-2, 1e2)),
    st.integers(0, 2**32 - 1),
    strategies.depths(1, 4),
)
def test_group_fibre_points_do_no_better(W, seed, D):
    # Random gates s and v = W / Π s give fibre points of W; none may beat the returned value.
    rng = np.random.default_rng(seed)
    pen = PowerPenalty()
    r = induced_penalty(W, group_factorization(D), pen, rng=rng)
    assert r.converged
    np.testing.assert_allclose(group_factorization(D)(r.omega), W, rtol=1e-10, atol=0)
    for _ in range(50):
        gates = np.exp(rng.normal(0.0, 1.0, (2, D - 1)))
        omega = np.concatenate([gates, W / np.prod(gates, axis=1, keepdims=True)], axis=1)
        assert r.value <= pen(omega) * (1 + 1e-12)


@SLOW
@given(strategies.weights((2,), magnitudes=(1e-2, 1e2)))
def test_users_parametrization_without_derivatives(w):
    # w = a·b³ with a² + b²: weighted AM–GM a² + 3·(b²/3) >= 4(a²b⁶/27)^{1/4} gives 4·3^{−3/4}|w|^{1/2}
    # (derived here). Plain callables: the gradient and Jacobian by central differences (measured worst
    # relative error of the value 1e-15 over 20 random w); tolerance 1e-9.
    r = induced_penalty(w, CUBE, _plain_squares, rng=1)
    assert r.converged
    np.testing.assert_allclose(r.value, 4 * 3**-0.75 * np.sum(np.abs(w) ** 0.5), rtol=1e-9)
    # and random fibre points (a = w/b³ for random b) are no better
    b = np.exp(np.random.default_rng(2).normal(0.0, 1.0, (100, 2)))
    assert np.all(r.value <= np.sum((w / b**3) ** 2 + b**2, axis=1) * (1 + 1e-12))


def test_a_fibre_the_map_cannot_reach_is_reported_not_converged():
    # ω² never reaches w < 0: no start ends on the fibre; the result says so and reports the violation.
    square = Parametrization("ω²", lambda om: om**2, lambda shape: tuple(shape))
    r = induced_penalty(np.array([-1.0, 4.0]), square, PowerPenalty(), starts=3, rng=0)
    assert not r.converged and r.n_converged == 0 and r.n_best == 0
    assert r.violation >= 0.25 and r.values.size == 0


def test_several_components_all_reach_the_minimum():
    # The fibre of w under the Hadamard product has 2^{D−1} sign components per coordinate, each with the
    # same minimum: every start reaches it (measured: all 8 of 8).
    r = induced_penalty(np.array([0.7, -3.0]), hadamard(3), PowerPenalty(), starts=8, rng=3)
    assert r.n_converged == 8 and r.n_best == 8
    np.testing.assert_allclose(r.values, r.value, rtol=1e-8)


def test_zero_weight_gives_zero_penalty():
    # w = 0: the infimum 0 is approached with all factors → 0 (measured value 4e-31, |P(ω)| 1e-145). SLSQP's
    # line search reports failure at this degenerate point; the first-order test certifies it.
    r = induced_penalty(np.zeros(2), hadamard(3), PowerPenalty(), rng=0)
    assert r.converged and r.value <= 1e-20 and r.violation <= 1e-30


# --------------------------------------------------------------------------- scaling laws


@SLOW
@given(
    strategies.weights((2,), magnitudes=(1e-1, 1e1)),
    strategies.depths(1, 4),
    st.floats(0.5, 3.0),
    st.floats(0.05, 20.0),
)
def test_homogeneity_of_the_induced_penalty(w, D, p, s):
    # ω → s^{1/D} ω maps the fibre of w onto that of s·w and scales Σ|ω|^p by s^{p/D}: R*(s w) = s^{p/D} R*(w)
    # (derived here). Two independent solves: tolerance 1e-9 relative (each measured to 1e-14).
    pen = PowerPenalty(p)
    a = induced_penalty(w, hadamard(D), pen, rng=0).value
    b = induced_penalty(s * w, hadamard(D), pen, rng=1).value
    assert b == pytest.approx(s ** (p / D) * a, rel=1e-9)


@SLOW
@given(strategies.weights((2,), magnitudes=(1e-1, 1e1)), st.lists(st.floats(0.2, 5.0), min_size=3, max_size=3))
def test_only_the_product_of_the_weights_matters(w, c):
    # Σ c_d ω_d² induces D(Π c)^{1/D}Σ|w|^{2/D}: permuting c or moving weight between factors with the product
    # fixed leaves the value unchanged (tolerance 1e-9 relative between independent solves).
    c = np.array(c)
    moved = c * np.array([2.0, 0.5, 1.0])
    values = [
        induced_penalty(w, hadamard(3), PowerPenalty(2.0, tuple(x)), rng=k).value
        for k, x in enumerate((c, c[::-1], moved))
    ]
    np.testing.assert_allclose(values, values[0], rtol=1e-9)


@SLOW
@given(strategies.weights((3,), magnitudes=(1e-2, 1e2)), st.floats(1.0, 6.0))
def test_powerprop_fibre_is_one_point(w, alpha):
    # θ ↦ θ|θ|^{α−1} is a bijection: the returned θ is sign(w)|w|^{1/α} (relative 1e-10).
    r = induced_penalty(w, powerprop(alpha), PowerPenalty(), rng=0)
    np.testing.assert_allclose(r.omega, np.sign(w) * np.abs(w) ** (1 / alpha), rtol=1e-10)


# --------------------------------------------------------------------------- compare_penalty


@pytest.mark.parametrize("D", [2, 3])
def test_compare_penalty_finds_the_missing_factor_D(D):
    # Σ_d‖ω_d‖² (no 1/D) induces D Σ|w|^{2/D}: the conjecture without D is off by the relative gap 1/D − 1 at
    # every w (so the largest |gap| is 1 − 1/D to solver accuracy), and the right one by at most 1e-10.
    pen = PowerPenalty()
    right = compare_penalty(lambda w: D * np.sum(np.abs(w) ** (2 / D)), hadamard(D), pen, samples=4, rng=0)
    wrong = compare_penalty(lambda w: np.sum(np.abs(w) ** (2 / D)), hadamard(D), pen, samples=4, rng=0)
    assert right.all_converged and right.max_gap <= 1e-10
    assert wrong.max_gap == pytest.approx(1 - 1 / D, rel=1e-10)
    assert np.all(wrong.gaps < 0)
    assert any(np.array_equal(wrong.worst_w, w) for w in wrong.ws)


def test_a_positive_gap_is_certified_by_a_fibre_point():
    # Conjecturing too much: the returned fibre point has the smaller penalty, which proves the gap.
    ws = np.array([[0.5, -2.0], [3.0, 0.1]])
    out = compare_penalty(lambda w: 2 * np.sum(np.abs(w) ** (2 / 3)), hadamard(3), PowerPenalty(c=1 / 3), ws=ws)
    i = out.worst
    assert out.gaps[i] > 0.99
    np.testing.assert_allclose(collapse(out.omegas[i]), ws[i], rtol=1e-10)
    assert PowerPenalty(c=1 / 3)(out.omegas[i]) < out.conjectured[i]
    np.testing.assert_array_equal(out.ws, ws)


# --------------------------------------------------------------------------- group prox


def _brute_group_prox(z, lam, D):
    """argmin ½‖x − z‖² + λ‖x‖^{2/D} by Nelder–Mead from z and 0-adjacent starts, and x = 0."""

    def f(x):
        return 0.5 * np.sum((x - z) ** 2) + lam * np.linalg.norm(x) ** (2 / D)

    best = np.zeros_like(z)
    for x0 in (z, 0.5 * z, 1.5 * z):
        res = minimize(f, x0, method="Nelder-Mead", options={"xatol": 1e-13, "fatol": 1e-15, "maxiter": 20000})
        if res.fun < f(best):
            best = res.x
    return best, f


@settings(max_examples=20, deadline=None)
@given(
    strategies.weights((3,), zeros=True, magnitudes=(1e-2, 5.0)),
    strategies.lams(0.05, 2.0),
    strategies.depths(1, 6),
)
def test_group_prox_against_nelder_mead(z, lam, D):
    # The full 3-dimensional objective, minimized without the polar reduction: the group prox is never
    # worse (slack 1e-12 of max(1, objective); measured worst excess 0).
    x = group_prox(z, lam, D)
    best, f = _brute_group_prox(z, lam, D)
    assert f(x) <= f(best) + 1e-12 * max(1.0, f(best))


@given(
    strategies.weights((4, 3), zeros=True), strategies.lams(0, 3), st.one_of(strategies.depths(1, 8), st.just(math.inf))
)
def test_group_prox_keeps_directions_and_shrinks_norms_by_the_scalar_prox(z, lam, D):
    # Row g: x_g = prox(‖z_g‖) z_g/‖z_g‖ — parallel to z_g with a non-negative factor, norm = the scalar prox.
    # Tolerance 1e-14 relative (a norm and a division).
    x = group_prox(z, lam, D)
    nz, nx = np.linalg.norm(z, axis=1), np.linalg.norm(x, axis=1)
    np.testing.assert_allclose(nx, prox(nz, lam, D), rtol=1e-14, atol=0)
    cross = x[:, :, None] * z[:, None, :] - z[:, :, None] * x[:, None, :]
    assert np.all(np.abs(cross) <= 1e-14 * (nx * nz)[:, None, None])
    assert np.all(np.sum(x * z, axis=1) >= 0)


@given(strategies.weights((3, 2), zeros=True), strategies.lams(0, 3), strategies.depths(1, 5))
def test_group_prox_axis_and_special_cases(z, lam, D):
    # Groups along axis 0 of zᵀ are those along axis -1 of z (exactly); D = 1 is ridge shrinkage z/(1 + 2λ);
    # groups of size one are the scalar prox (rtol 1e-15).
    np.testing.assert_array_equal(group_prox(z.T, lam, D, axis=0), group_prox(z, lam, D).T)
    np.testing.assert_allclose(group_prox(z, lam, 1), z / (1 + 2 * lam), rtol=1e-15, atol=0)
    np.testing.assert_allclose(group_prox(z[:, :1], lam, D)[:, 0], prox(z[:, 0], lam, D), rtol=1e-15, atol=0)


def test_group_prox_switches_whole_groups_off_and_survives_large_entries():
    # D = 3, λ = 1: τ = 3·(2/3)^{3/4}/2 ≈ 1.1067; a group of norm 1 is zeroed, one of norm 2 is kept.
    z = np.array([[0.6, 0.8], [1.2, 1.6], [0.0, 0.0]])
    x = group_prox(z, 1.0, 3)
    assert np.all(x[0] == 0) and np.all(x[1] != 0) and np.all(x[2] == 0)
    big = group_prox(np.array([[1e200, -1e200]]), 1.0, 3)  # ‖z‖² overflows; the norm is formed without it
    np.testing.assert_allclose(big, [[1e200, -1e200]], rtol=1e-12)


# --------------------------------------------------------------------------- built-ins


def test_built_in_maps_and_jacobians_against_central_differences():
    # Each analytic Jacobian against central differences of its own map (step 1e-6: error ~1e-11 relative).
    rng = np.random.default_rng(5)
    cases = [
        (hadamard(3), rng.uniform(0.5, 1.5, (3, 4))),
        (group_factorization(3), rng.uniform(0.5, 1.5, (2, 2 + 3))),
        (group_factorization(1), rng.uniform(0.5, 1.5, (2, 3))),
        (powerprop(2.5), rng.uniform(-1.5, 1.5, (4,))),
    ]
    for par, om in cases:
        J = par.jacobian(om)
        flat = om.ravel()
        num = np.zeros_like(J)
        for i in range(flat.size):
            e = np.zeros_like(flat)
            e[i] = 1e-6
            up = par.forward((flat + e).reshape(om.shape)).ravel()
            down = par.forward((flat - e).reshape(om.shape)).ravel()
            num[:, i] = (up - down) / 2e-6
        np.testing.assert_allclose(J, num, rtol=1e-8, atol=1e-9, err_msg=par.name)
    W = group_factorization(3)(cases[1][1])
    np.testing.assert_allclose(W, np.prod(cases[1][1][:, :2], axis=1, keepdims=True) * cases[1][1][:, 2:])


def test_power_penalty_value_and_gradient():
    om = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert PowerPenalty()(om) == 1 + 4 + 0.25
    assert PowerPenalty(1.0, (2.0, 3.0))(om) == 2 * 3 + 3 * 0.5
    np.testing.assert_array_equal(PowerPenalty(1.0, (2.0, 3.0)).grad(om), [[2.0, -2.0], [3.0, 0.0]])
    np.testing.assert_array_equal(PowerPenalty(c=0.5).grad(om), om)


def test_docstring_examples():
    result = doctest.testmod(pz, raise_on_error=False, verbose=False)
    assert result.attempted >= 4 and result.failed == 0


# --------------------------------------------------------------------------- bad input


def _ok_w():
    return np.array([1.0, -2.0])


@pytest.mark.parametrize(
    "call, exc, name",
    [
        (lambda: induced_penalty(_ok_w(), lambda om: om, PowerPenalty()), TypeError, "parametrization"),
        (lambda: induced_penalty(_ok_w(), "hadamard", PowerPenalty()), TypeError, "parametrization"),
        (lambda: induced_penalty(_ok_w(), hadamard(2), 3.0), TypeError, "penalty"),
        (lambda: induced_penalty(np.array([1.0, np.nan]), hadamard(2), PowerPenalty()), ValueError, "w"),
        (lambda: induced_penalty(np.array([np.inf]), hadamard(2), PowerPenalty()), ValueError, "w"),
        (lambda: induced_penalty(["a"], hadamard(2), PowerPenalty()), TypeError, "w"),
        (lambda: induced_penalty(_ok_w(), hadamard(2), PowerPenalty(), starts=0), ValueError, "starts"),
        (lambda: induced_penalty(_ok_w(), hadamard(2), PowerPenalty(), tol=-1.0), ValueError, "tol"),
        (lambda: induced_penalty(_ok_w(), hadamard(2), PowerPenalty(), rng="seed"), TypeError, "rng"),
        (lambda: induced_penalty(_ok_w(), hadamard(2), lambda om: np.nan), ValueError, "penalty"),
        (lambda: induced_penalty(_ok_w(), hadamard(2), lambda om: om), TypeError, "penalty"),
        (lambda: induced_penalty(_ok_w(), hadamard(2), PowerPenalty(c=(1.0, 2.0, 3.0))), ValueError, "c"),
        (lambda: induced_penalty(_ok_w(), group_factorization(2), PowerPenalty()), ValueError, "group"),
        (lambda: induced_penalty(np.ones(2000), hadamard(2), PowerPenalty()), ValueError, "at most"),
        (
            lambda: induced_penalty(
                _ok_w(), Parametrization("sum", lambda om: om.sum(0), lambda s: (2, 3)), _plain_squares
            ),
            ValueError,
            "shape",
        ),
        (lambda: Parametrization("p", np.ones(3), lambda s: s), TypeError, "forward"),
        (lambda: Parametrization("p", lambda om: om, (2,)), TypeError, "factor_shape"),
        (lambda: Parametrization(3, lambda om: om, lambda s: s), TypeError, "name"),
        (lambda: Parametrization("p", lambda om: om, lambda s: s, jacobian=1.0), TypeError, "jacobian"),
        (lambda: hadamard(0), ValueError, "D"),
        (lambda: group_factorization(2.5), ValueError, "D"),
        (lambda: powerprop(0.5), ValueError, "alpha"),
        (lambda: powerprop(math.nan), ValueError, "alpha"),
        (lambda: PowerPenalty(p=0.0), ValueError, "p"),
        (lambda: PowerPenalty(c=(1.0, -1.0)), ValueError, "c"),
        (lambda: PowerPenalty(c="1"), TypeError, "c"),
        (lambda: compare_penalty(3.0, hadamard(2), PowerPenalty()), TypeError, "conjecture"),
        (lambda: compare_penalty(lambda w: math.nan, hadamard(2), PowerPenalty(), samples=1), ValueError, "conjecture"),
        (
            lambda: compare_penalty(lambda w: 1.0, hadamard(2), PowerPenalty(), magnitudes=(2.0, 1.0)),
            ValueError,
            "magnitudes",
        ),
        (lambda: compare_penalty(lambda w: 1.0, hadamard(2), PowerPenalty(), samples=0), ValueError, "samples"),
        (lambda: compare_penalty(lambda w: 1.0, hadamard(2), PowerPenalty(), shape=(-1,)), ValueError, "shape"),
        (
            lambda: compare_penalty(lambda w: 1.0, hadamard(2), PowerPenalty(), ws=np.array([[np.nan]])),
            ValueError,
            "ws",
        ),
        (lambda: group_prox(np.array([1.0, np.nan]), 1.0, 3), ValueError, "z"),
        (lambda: group_prox(1.0, 1.0, 3), ValueError, "z"),
        (lambda: group_prox(np.ones((2, 2)), -1.0, 3), ValueError, "lam"),
        (lambda: group_prox(np.ones((2, 2)), 1.0, 0), ValueError, "D"),
        (lambda: group_prox(np.ones((2, 2)), 1.0, 3, axis=2), ValueError, "axis"),
        (lambda: group_prox(np.ones((2, 2)), 1.0, 3, axis=1.0), TypeError, "axis"),
    ],
)
def test_bad_input_names_the_argument(call, exc, name):
    with pytest.raises(exc, match=name):
        call()
