"""prox.py: the thresholding operator of λ|w|^{2/D}, its threshold and jump (THEORY.md §3)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.optimize import minimize_scalar

from dwf_theory import existence_threshold, jump, prox, prox_objective, threshold

zs = st.floats(-20, 20, allow_nan=False)
lams = st.floats(0, 5, allow_nan=False)
depths = st.integers(1, 12)
deep = st.integers(3, 12)


@given(zs, lams)
def test_depth_one_is_ridge(z, lam):
    assert float(prox(z, lam, 1)) == pytest.approx(z / (1 + 2 * lam), rel=1e-15, abs=1e-300)


@given(zs, lams)
def test_depth_two_is_soft_thresholding(z, lam):
    assert float(prox(z, lam, 2)) == pytest.approx(math.copysign(max(abs(z) - lam, 0.0), z), rel=1e-15, abs=1e-15)


@given(zs, st.floats(0.01, 5), depths)
def test_prox_beats_a_dense_grid_and_local_refinement(z, lam, D):
    # Optimality: no point of a 40,001-grid over [−|z|−1, |z|+1], nor a bounded Brent refinement around the
    # grid's best nonzero point, has a lower objective (relative slack 1e-12 for rounding).
    p = float(prox(z, lam, D))
    f = float(prox_objective(p, z, lam, D))
    grid = np.linspace(-abs(z) - 1, abs(z) + 1, 40001)
    g = prox_objective(grid, z, lam, D)
    k = int(np.argmin(np.where(grid == 0, np.inf, g)))
    ref = minimize_scalar(
        lambda w: float(prox_objective(w, z, lam, D)),
        bounds=(grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]),
        method="bounded",
        options={"xatol": 1e-14},
    )
    best = min(float(np.min(g)), ref.fun, float(prox_objective(0.0, z, lam, D)))
    assert f <= best + 1e-12 * max(1.0, abs(best))


@given(arrays(np.float64, 30, elements=st.floats(-10, 10)), st.floats(0.01, 3), deep, st.integers(0, 2**32 - 1))
def test_prox_beats_random_competitors(z, lam, D, seed):
    # 200 random competitors per entry, spread around the answer: none is strictly better.
    rng = np.random.default_rng(seed)
    p = prox(z, lam, D)
    f = prox_objective(p, z, lam, D)
    comp = p + rng.standard_normal((200, z.size)) * (1 + np.abs(z))
    assert np.all(prox_objective(comp, z, lam, D) >= f - 1e-12 * (1 + z * z))


@given(arrays(np.float64, 20, elements=zs), st.floats(0.01, 3), depths, st.floats(1e-3, 1e3))
def test_scaling_law(z, lam, D, s):
    # prox(s·z; s^{2−q} λ, D) = s · prox(z; λ, D); skip entries within 1e-9 of the threshold (a tie there).
    q = 2.0 / D
    keep = np.abs(np.abs(z) - threshold(lam, D)) > 1e-9 * (1 + np.abs(z))
    z = z[keep]
    np.testing.assert_allclose(prox(s * z, s ** (2 - q) * lam, D), s * prox(z, lam, D), rtol=1e-12, atol=1e-300)


@given(arrays(np.float64, 50, elements=zs), lams, depths)
def test_prox_is_odd(z, lam, D):
    np.testing.assert_array_equal(prox(-z, lam, D), -prox(z, lam, D))


@given(arrays(np.float64, 50, elements=zs, unique=True), lams, depths)
def test_prox_is_monotone(z, lam, D):
    z = np.sort(z)
    assert np.all(np.diff(prox(z, lam, D)) >= 0)


@given(st.floats(0.01, 5), deep)
def test_threshold_and_jump(lam, D):
    # At τ the output is 0; just above it, the magnitude is β (to first order in the step).
    tau, beta = threshold(lam, D), jump(lam, D)
    assert float(prox(tau, lam, D)) == 0.0
    assert float(prox(np.nextafter(tau, -np.inf), lam, D)) == 0.0
    above = float(prox(tau * (1 + 1e-12), lam, D))
    assert above == pytest.approx(beta, rel=1e-5)
    assert above >= beta * (1 - 1e-12)


@given(st.floats(0.01, 5), deep)
def test_threshold_is_a_tie_between_zero_and_beta(lam, D):
    # Independent of the formulas: β is stationary at z=τ and its objective equals that of 0.
    q = 2.0 / D
    tau, beta = threshold(lam, D), jump(lam, D)
    assert beta + lam * q * beta ** (q - 1) == pytest.approx(tau, rel=1e-13)
    assert float(prox_objective(beta, tau, lam, D)) == pytest.approx(0.5 * tau * tau, rel=1e-12)


@given(st.floats(0.01, 5), deep)
def test_existence_threshold_is_the_fold(lam, D):
    # Below z_exist, h(w) = w + λqw^{q−1} stays above |z| on w > 0 (no nonzero stationary point).
    q = 2.0 / D
    z_exist = existence_threshold(lam, D)
    w = np.geomspace(1e-8, 1e3, 20001) * z_exist
    h = w + lam * q * w ** (q - 1)
    assert np.min(h) == pytest.approx(z_exist, rel=1e-6)
    assert np.min(h) >= z_exist * (1 - 1e-12)
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
    # D = 100: the output satisfies w + λ q w^{q−1} = |z| to machine precision.
    D, lam = 100, 0.3
    q = 2.0 / D
    z = np.linspace(threshold(lam, D) * 1.0001, 50, 1001)
    w = prox(z, lam, D)
    np.testing.assert_allclose(w + lam * q * w ** (q - 1), z, rtol=2e-15)


@given(st.floats(0.1, 3))
def test_infinite_depth_is_hard_thresholding(lam):
    z = np.linspace(-5, 5, 1001)
    expected = np.where(np.abs(z) > math.sqrt(2 * lam), z, 0.0)
    np.testing.assert_array_equal(prox(z, lam, math.inf), expected)
    # And the finite-D operator approaches it: error at D = 10⁴ is 100× smaller than at D = 10².
    far = np.abs(np.abs(z) - math.sqrt(2 * lam)) > 0.05
    err = [np.max(np.abs(prox(z[far], lam, D) - expected[far])) for D in (100, 10_000)]
    assert err[1] < err[0] / 50


@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3)), elements=zs), deep)
def test_vectorized_over_any_shape(z, D):
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
        (lambda: existence_threshold(1.0, math.inf), ValueError, "D"),
    ],
)
def test_bad_input_names_the_argument(call, exc, name):
    with pytest.raises(exc, match=name):
        call()
