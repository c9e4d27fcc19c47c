"""Tests for dwf_theory.initialization: schemes, the VarMatch product's density, mass and CDF."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from dwf_theory.initialization import (
    SCHEMES,
    init_factors,
    log_product_density,
    product_cdf,
    product_density,
    small_mass,
)

depths = st.integers(1, 7)
sigmas = st.floats(1e-3, 1e3)
points = st.floats(-1e3, 1e3, allow_nan=False).filter(lambda x: x != 0)


# --------------------------------------------------------------------------- #
# init_factors
# --------------------------------------------------------------------------- #


@given(
    shape=st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple),
    D=depths,
    scheme=st.sampled_from(SCHEMES),
    sigma=st.floats(1e-2, 10.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_init_shapes_and_bounds(shape, D, scheme, sigma, seed):
    f = init_factors(shape, D, scheme, sigma, rng=seed)
    assert f.shape == (D, *shape)
    assert np.all(np.isfinite(f))
    if scheme == "varmatch-truncated":
        w = np.abs(np.prod(f, axis=0))
        assert np.all((w > 1e-3) & (w < 2 * sigma))  # the scheme's guarantee ε < |w| < 2σ_w (exact)
        hi = min(1.0, (2 * sigma) ** (1 / D))
        assert np.all((np.abs(f) > 1e-3 ** (1 / D)) & (np.abs(f) < hi))


@given(D=depths, scheme=st.sampled_from(SCHEMES), seed=st.integers(0, 1000))
def test_init_reproducible_from_seed(D, scheme, seed):
    a = init_factors((3, 2), D, scheme, 0.5, rng=seed)
    b = init_factors((3, 2), D, scheme, 0.5, rng=np.random.default_rng(seed))
    assert np.array_equal(a, b)


@pytest.mark.parametrize("D", [1, 2, 3, 5])
def test_init_scales(D):
    """Standard: std σ_w^D; VarMatch: variance σ_w². Tolerance: 5 standard errors of the estimate."""
    n, sigma = 200_000, 0.8
    std = np.std(np.prod(init_factors(n, D, "standard", sigma, rng=1), axis=0))
    assert abs(std - sigma**D) <= 5 * sigma**D * math.sqrt((3.0**D - 1) / (4 * n))
    var = np.var(np.prod(init_factors(n, D, "varmatch", sigma, rng=2), axis=0))
    assert abs(var - sigma**2) <= 5 * sigma**2 * math.sqrt((3.0**D - 1) / n)


def test_init_bad_input():
    with pytest.raises(ValueError, match="scheme"):
        init_factors(3, 2, "xavier", 0.5)
    with pytest.raises(TypeError, match="scheme"):
        init_factors(3, 2, None, 0.5)
    with pytest.raises(ValueError, match="sigma_w"):
        init_factors(3, 2, "varmatch", 0.0)
    with pytest.raises(ValueError, match="sigma_w"):
        init_factors(3, 2, "varmatch", -1.0)
    with pytest.raises(ValueError, match="eps"):
        init_factors(3, 2, "varmatch-truncated", 0.5, eps=0.5)
    with pytest.raises(ValueError, match="eps"):
        init_factors(3, 2, "varmatch-truncated", 0.5, eps=0.0)
    with pytest.raises(ValueError, match="eps"):  # factors are capped at 1: (ε, 1) would be empty
        init_factors(3, 2, "varmatch-truncated", 5.0, eps=2.0)
    # eps only bounds the truncated scheme: a tiny sigma_w is fine for the others.
    assert np.all(np.isfinite(init_factors(3, 2, "standard", 1e-5)))
    assert np.all(np.isfinite(init_factors(3, 2, "varmatch", 1e-5)))
    with pytest.raises(ValueError, match="D"):
        init_factors(3, 0, "varmatch", 0.5)
    with pytest.raises(TypeError, match="rng"):
        init_factors(3, 2, "varmatch", 0.5, rng="seed")


# --------------------------------------------------------------------------- #
# product density
# --------------------------------------------------------------------------- #


@given(x=points, D=depths, sigma=sigmas)
def test_density_nonnegative_symmetric(x, D, sigma):
    p, q = product_density(np.array([x, -x]), D, sigma)
    assert p >= 0 and np.isfinite(p)
    assert p == q  # the law is symmetric (exactly: the density depends on x²)


@given(x=st.floats(1e-3, 50.0), D=depths, sigma=st.floats(1e-2, 1e2))
def test_density_scaling_law(x, D, sigma):
    """p_σ(x) = p_1(x/σ)/σ, rel. 1e-12."""
    lhs = log_product_density(x, D, sigma)
    rhs = log_product_density(x / sigma, D, 1.0) - math.log(sigma)
    assert abs(lhs - rhs) <= 1e-12 * max(1.0, abs(rhs))


@settings(max_examples=15)
@given(x=st.floats(0.01, 30.0), sigma=st.floats(0.1, 10.0))
def test_density_d2_is_bessel_k0(x, sigma):
    """D = 2: p(x) = K0(|x|/σ)/(πσ), rel. 1e-12."""
    ref = special.k0(x / sigma) / (math.pi * sigma)
    assert abs(product_density(x, 2, sigma) / ref - 1) <= 1e-12


@pytest.mark.parametrize("D", [1, 3, 5])
def test_density_matches_mpmath_meijerg(D):
    """The Mellin–Barnes evaluation against mpmath.meijerg, rel. 1e-12."""
    x = np.array([1e-6, 0.02, 0.3, 1.0, 4.0, 12.0])
    a = product_density(x, D, 0.7)
    b = product_density(x, D, 0.7, method="mpmath")
    assert np.max(np.abs(a / b - 1)) <= 1e-12


def test_density_far_tail_finite_and_monotone():
    """Finite and decreasing out to 1e300 (for D = 2 across the switch to the leading asymptotics at y = e^1200)."""
    x = np.logspace(0, 300, 121)
    for D in (2, 3, 4, 6):
        logp = log_product_density(x, D, 1.0)
        assert np.all(np.isfinite(logp))
        assert np.all(np.diff(logp) < 0)  # strictly decreasing in |x|
        assert np.all(product_density(x, D, 1.0) >= 0)


def _in_log_x(D, sigma):
    """``x p(x)`` as a function of ``u = ln x`` (smooth; no singularity at x = 0; < 1e-290 below u = −700)."""
    return lambda u: math.exp(u + float(log_product_density(math.exp(u), D, sigma))) if u > -700 else 0.0


@pytest.mark.parametrize("D", [1, 2, 4])
def test_density_integrates_to_one(D):
    """∫ p = 1 over the line (in u = ln|x|; beyond x = e^40 σ the mass is below 1e-300), abs 1e-10."""
    f = _in_log_x(D, 1.3)
    total = 2 * sum(integrate.quad(f, a, b, limit=200, epsabs=1e-14)[0] for a, b in ((-np.inf, 0.0), (0.0, 40.0)))
    assert abs(total - 1) <= 1e-10


def test_density_at_zero():
    assert product_density(0.0, 1, 1.0) == pytest.approx(1 / math.sqrt(2 * math.pi), rel=1e-15)
    assert np.isinf(product_density(0.0, 3, 1.0))


def test_density_bad_input():
    with pytest.raises(ValueError, match="sigma_w"):
        product_density(1.0, 3, 0.0)
    with pytest.raises(ValueError, match="x"):
        product_density([1.0, np.nan], 3, 1.0)
    with pytest.raises(ValueError, match="method"):
        product_density(1.0, 3, 1.0, method="series")
    with pytest.raises(ValueError, match="D"):
        product_density(1.0, 0, 1.0)


# --------------------------------------------------------------------------- #
# mass near zero and CDF
# --------------------------------------------------------------------------- #


@given(eps=st.floats(1e-8, 1e3), D=depths, sigma=st.floats(1e-2, 1e2))
def test_mass_is_a_probability_and_scales(eps, D, sigma):
    m = float(small_mass(eps, D, sigma))
    assert 0.0 <= m <= 1.0
    assert abs(m - float(small_mass(eps / sigma, D, 1.0))) <= 1e-12  # P(|w|<ε; σ) = P(|w|<ε/σ; 1)


@settings(max_examples=20)
@given(eps=st.floats(1e-3, 3.0), D=st.integers(1, 5))
def test_mass_is_integral_of_density(eps, D):
    """P(|w| < ε) = P(|w| < x_s) + 2∫_{x_s}^ε p, rel. 1e-9: quad in u = ln x above x_s = 1e-6·2^{D/2}
    (where x²/2^D = 1e-12), mpmath's Meijer G^{D,1}_{1,D+1} for the mass below."""
    import mpmath

    u_s = math.log(1e-6 * 2 ** (D / 2))
    below = float(mpmath.meijerg([[1], []], [[0.5] * D, [0]], mpmath.mpf("1e-12")) / mpmath.pi ** (D / 2))
    ref = below + 2 * integrate.quad(_in_log_x(D, 1.0), u_s, math.log(eps), limit=200, epsabs=1e-15,
                                     epsrel=1e-12)[0]
    assert abs(float(small_mass(eps, D, 1.0)) / ref - 1) <= 1e-9


@given(eps=st.floats(1e-6, 0.1))
def test_mass_increases_with_depth(eps):
    m = [float(small_mass(eps, D, 1.0)) for D in range(1, 8)]
    assert np.all(np.diff(m) > 0)


@given(x=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=20), D=depths)
def test_cdf_monotone_symmetric(x, D):
    x = np.sort(np.asarray(x))
    F = product_cdf(x, D, 0.9)
    assert np.all(np.diff(F) >= -1e-15) and np.all((F >= 0) & (F <= 1))
    assert np.allclose(F + product_cdf(-x, D, 0.9), 1.0, atol=1e-14, rtol=0)


def test_cdf_matches_monte_carlo():
    """KS test of 5,000 VarMatch products against the exact CDF (p-value > 1e-3)."""
    rng = np.random.default_rng(7)
    for D in (1, 3, 5):
        w = np.prod(init_factors(5_000, D, "varmatch", 0.6, rng=rng), axis=0)
        assert stats.kstest(w, lambda q, D=D: product_cdf(q, D, 0.6)).pvalue > 1e-3


def test_mass_bad_input():
    with pytest.raises(ValueError, match="eps"):
        small_mass(0.0, 3, 1.0)
    with pytest.raises(ValueError, match="eps"):
        small_mass([-1.0], 3, 1.0)
    with pytest.raises(ValueError, match="sigma_w"):
        small_mass(0.1, 3, -2.0)
