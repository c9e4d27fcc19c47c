"""prox.py: the thresholding operator of λ|w|^{2/D}, its threshold τ and jump β.

``prox(z, lam, D) = argmin_w ½(w − z)² + λ|w|^{2/D}`` (the scalar problem of the penalty equivalence,
Kolb et al., ICLR 2025; the L_q thresholding of Marjanovic & Solo 2012, Xu et al. 2012 for D = 4).
Its closed forms for D = 1, 2, the threshold/jump formulas, global optimality on fixed grids, the scaling
law and the D → ∞ limit are claims C2–C6 (run once in tests/test_claims.py); the tests here check the
operator by brute force and by properties over random inputs.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import minimize_scalar

from dwf_theory import existence_threshold, jump, prox, prox_objective, strategies, threshold

zs = st.floats(-20, 20, allow_nan=False)
lams = strategies.lams(0, 5)
depths = strategies.depths(1, 12)
deep = strategies.depths(3, 12)


@given(zs, strategies.lams(0.01, 5), st.one_of(depths, st.just(math.inf)))
def test_prox_beats_a_dense_grid_and_local_refinement(z, lam, D):
    # Brute force, independent of the closed forms and of Newton's method: no point of a 40,001-point grid
    # over [−|z|−1, |z|+1], nor a bounded Brent refinement around the grid's best nonzero point, nor 0, has a
    # lower objective. D = inf is the L0 objective ½(w − z)² + λ·[w ≠ 0].
    # Slack 1e-14 relative: measured worst (f − best)/max(1, |best|) = 4e-16 over 300 random (z, λ, D).
    p = float(prox(z, lam, D))
    f = float(prox_objective(z, p, lam, D))
    grid = np.linspace(-abs(z) - 1, abs(z) + 1, 40001)
    g = prox_objective(z, grid, lam, D)
    k = int(np.argmin(np.where(grid == 0, np.inf, g)))
    ref = minimize_scalar(
        lambda w: float(prox_objective(z, w, lam, D)),
        bounds=(grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]),
        method="bounded",
        options={"xatol": 1e-14},
    )
    best = min(float(np.min(g)), ref.fun, float(prox_objective(z, 0.0, lam, D)))
    assert f <= best + 1e-14 * max(1.0, abs(best))


@given(arrays(np.float64, 30, elements=st.floats(-10, 10)), strategies.lams(0.01, 3), deep, st.integers(0, 2**32 - 1))
def test_prox_beats_random_competitors(z, lam, D, seed):
    # 200 random competitors per entry, spread around the answer: none is strictly better.
    # Slack 1e-14·(1 + z²): measured smallest gap +5e-13·(1 + z²) (every competitor is worse).
    rng = np.random.default_rng(seed)
    p = prox(z, lam, D)
    f = prox_objective(z, p, lam, D)
    comp = p + rng.standard_normal((200, z.size)) * (1 + np.abs(z))
    assert np.all(prox_objective(z, comp, lam, D) >= f - 1e-14 * (1 + z * z))


@given(arrays(np.float64, 50, elements=zs), lams, depths)
def test_prox_is_odd(z, lam, D):
    # The objective is invariant under (w, z) → (−w, −z), so its minimizer is odd in z (exactly).
    np.testing.assert_array_equal(prox(-z, lam, D), -prox(z, lam, D))


@given(arrays(np.float64, 50, elements=zs, unique=True), lams, depths)
def test_prox_is_monotone(z, lam, D):
    # The cross term −wz of ½(w − z)² makes the minimizer non-decreasing in z (derived here; Topkis 1978).
    z = np.sort(z)
    assert np.all(np.diff(prox(z, lam, D)) >= 0)


@given(strategies.lams(0.01, 5), deep)
def test_prox_jumps_from_zero_to_beta_at_the_threshold(lam, D):
    # Just below τ the output is 0; just above, Newton's larger root of w + λqw^{q−1} = |z| must equal the
    # closed-form jump β (an independent formula) to first order in the step: |w(τ(1+ε)) − β| = O(ε τ).
    # Tolerance 1e-10 relative: measured worst 3e-12 for ε = 1e-12 over D = 3..12, λ ∈ [0.01, 5].
    tau, beta = threshold(lam, D), jump(lam, D)
    assert float(prox(tau * (1 - 1e-12), lam, D)) == 0.0
    above = float(prox(tau * (1 + 1e-12), lam, D))
    assert above == pytest.approx(beta, rel=1e-10)
    assert above >= beta * (1 - 1e-12)


@given(strategies.lams(0.01, 5), deep)
def test_existence_threshold_is_the_fold(lam, D):
    # z_exist is the minimum over w > 0 of h(w) = w + λqw^{q−1} (below it, h = |z| has no root: no nonzero
    # stationary point). Minimized independently by bounded Brent in s = ln w over 35 decades around z_exist.
    # Tolerance 1e-13 relative: measured worst 8e-16 (the minimum value is second order in the argmin error).
    q = 2.0 / D
    z_exist = existence_threshold(lam, D)
    res = minimize_scalar(
        lambda s: math.exp(s) + lam * q * math.exp((q - 1) * s),
        bounds=(math.log(z_exist) - 30, math.log(z_exist) + 5),
        method="bounded",
        options={"xatol": 1e-12},
    )
    assert res.fun == pytest.approx(z_exist, rel=1e-13)
    assert res.fun >= z_exist * (1 - 1e-15)
    assert z_exist < threshold(lam, D)


@pytest.mark.parametrize("D", [1, 2, 3, 4, 10, 100])
def test_edge_inputs_are_finite_and_exact(D):
    z = np.array([0.0, -0.0, 1e-300, 1e300, -1e300, 1.0, -3.0])
    for lam in (0.0, 1e-300, 1e-12, 1.0, 1e6):
        p = prox(z, lam, D)
        assert p.shape == z.shape and np.all(np.isfinite(p))
        assert p[0] == 0.0
        if lam == 0.0:
            np.testing.assert_array_equal(p, z)
    # |z| huge: the shrinkage λq|z|^{q−1} is negligible relative to |z| for D ≥ 2.
    if D >= 2:
        assert float(prox(1e300, 1.0, D)) == pytest.approx(1e300, rel=1e-15)


def test_large_depth_stationarity():
    # D = 100: the output satisfies the first-order condition w + λqw^{q−1} = |z| to rounding
    # (measured residual 0; tolerance 2e-15 relative, about 10 ulp).
    D, lam = 100, 0.3
    q = 2.0 / D
    z = np.linspace(threshold(lam, D) * 1.0001, 50, 1001)
    w = prox(z, lam, D)
    np.testing.assert_allclose(w + lam * q * w ** (q - 1), z, rtol=2e-15)


@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3)), elements=zs), deep)
def test_vectorized_over_any_shape(z, D):
    # The batched Newton iteration (active set over the entries) gives each entry what a lone call gives.
    out = prox(z, 0.5, D)
    assert out.shape == z.shape
    np.testing.assert_array_equal(out.ravel(), np.array([float(prox(x, 0.5, D)) for x in z.ravel()]))


@pytest.mark.parametrize(
    "call, exc, name",
    [
        (lambda: prox(np.nan, 1.0, 3), ValueError, "z"),
        (lambda: prox([1.0, np.inf], 1.0, 3), ValueError, "z"),
        (lambda: prox(1.0, -0.1, 3), ValueError, "lam"),
        (lambda: prox(1.0, np.nan, 3), ValueError, "lam"),
        (lambda: prox(1.0, np.inf, 3), ValueError, "lam"),
        (lambda: prox(1.0, "1", 3), TypeError, "lam"),
        (lambda: prox(1.0, 1.0, 0), ValueError, "D"),
        (lambda: prox(1.0, 1.0, 2.5), ValueError, "D"),
        (lambda: prox(1.0, 1.0, -math.inf), ValueError, "D"),
        (lambda: prox("a", 1.0, 3), TypeError, "z"),
        (lambda: threshold(-1.0, 3), ValueError, "lam"),
        (lambda: jump(1.0, 0), ValueError, "D"),
        (lambda: existence_threshold(1.0, 2.5), ValueError, "D"),
        (lambda: prox(1.0, 1.0, 1e308), ValueError, "D"),
        (lambda: prox_objective([1.0, 2.0], [1.0, 2.0, 3.0], 1.0, 3), ValueError, "z and w"),
        (lambda: prox_objective(1e308, -1e308, 1.0, 3), ValueError, "z, w"),
    ],
)
def test_bad_input_names_the_argument(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


@pytest.mark.parametrize("D", [3, 4, 7, 12, 10**6, math.inf])
def test_threshold_and_jump_are_finite_for_the_largest_lam(D):
    # 2λ overflows float64 at λ = 1e308; the closed forms are evaluated in 50-digit arithmetic (mpmath) as the
    # reference. Tolerance 1e-12 relative: the float exponent 1/(2 − q) carries a rounding error of ~1e-16, which
    # the power turns into a relative error of ~ln(2λ)·1e-16 ≈ 7e-14 (measured worst 8e-14).
    import mpmath

    mpmath.mp.dps = 50
    lam = mpmath.mpf(1e308)
    if math.isinf(D):
        beta = tau = mpmath.sqrt(2 * lam)
    else:
        q = mpmath.mpf(2) / D
        beta = (2 * lam * (1 - q)) ** (1 / (2 - q))
        tau = beta * (2 - q) / (2 * (1 - q))
    assert jump(1e308, D) == pytest.approx(float(beta), rel=1e-12)
    assert threshold(1e308, D) == pytest.approx(float(tau), rel=1e-12)


def test_existence_threshold_at_infinite_depth_is_zero_the_limit_of_finite_depths():
    # D = inf: ½(w − z)² + λ·[w ≠ 0] is stationary at w = z for every z ≠ 0, so the threshold is 0; the finite-D
    # formula tends to it (z_exist ≈ 2(2λ/D)^{1/2} for large D).
    assert existence_threshold(0.5, math.inf) == 0.0
    assert existence_threshold(0.5, 10**6) < existence_threshold(0.5, 10**3) < existence_threshold(0.5, 10)
    assert existence_threshold(0.5, 10**6) < 3e-3
