"""Tests for dwf_theory.initialization: schemes, the VarMatch product's density, mass and CDF.

The exact law of a product of D i.i.d. normals (a Meijer G function; Springer & Thompson 1970) is checked by
claims run once in tests/test_claims.py: total mass (C40), the D = 1, 2 closed forms (C41), mpmath's Meijer G
(C42), Monte Carlo (C43), variance σ_w² and kurtosis 3^D (C44), the mass near zero and its growth with depth
(C45), the truncated scheme's bounds (C46) and the standard scheme's σ_w^{2D} variance (C47), and the
truncated scheme's variance with and without rescaling (C55, C56). The tests here
check exact invariances, the CDF against the density, and input handling.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dwf_theory.initialization import (
    SCHEMES,
    init_factors,
    log_product_density,
    product_cdf,
    product_density,
    small_mass,
    truncated_product_variance,
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


@settings(max_examples=30)
@given(D=depths, sigma=st.floats(1e-2, 10.0), r=st.floats(1e-4, 0.9))
def test_truncated_variance_is_the_power_of_scipys_truncnorm_moment(D, sigma, r):
    # scipy.stats.truncnorm's second moment on (lo/s, hi/s), an independent implementation: rel. 1e-12 (D times
    # its double-precision error; the narrowest intervals here are ~7% wide).
    from scipy.stats import truncnorm

    eps = r * min(sigma, 1.0)
    s, lo, hi = sigma ** (1 / D), eps ** (1 / D), min(1.0, (2 * sigma) ** (1 / D))
    ref = (truncnorm.moment(2, lo / s, hi / s) * s * s) ** D
    assert truncated_product_variance(D, sigma, eps=eps) == pytest.approx(ref, rel=1e-12, abs=0)


def test_truncated_variance_where_the_closed_form_cancels_against_mpmath_quadrature():
    # D = 1000: the interval (ε^{1/D}, (2σ_w)^{1/D}) is 0.7% wide, where Φ(b) − Φ(a) cancels in double precision
    # and the D-th power multiplies relative errors by D; σ_w = 1e300: b = hi/s ~ 1e-300, where the closed form
    # 1 + (aφ(a) − bφ(b))/(Φ(b) − Φ(a)) ≈ b²/3 cancels completely. Reference: mpmath.quad at 40 digits on the
    # bounds the sampler uses (the floats lo, hi); rel. 1e-13 (measured 4e-14 and 1e-16).
    import mpmath

    for D, sigma, eps in ((1000, 0.5, 1e-3), (1, 1e300, 1e-3)):
        s, lo, hi = sigma ** (1 / D), eps ** (1 / D), min(1.0, (2 * sigma) ** (1 / D))
        with mpmath.workdps(40):
            s = mpmath.mpf(s)
            m2 = mpmath.quad(lambda x, s=s: x * x * mpmath.exp(-((x / s) ** 2) / 2), [lo, hi]) / mpmath.quad(
                lambda x, s=s: mpmath.exp(-((x / s) ** 2) / 2), [lo, hi]
            )
            ref = float(m2**D)
        assert truncated_product_variance(D, sigma, eps=eps) == pytest.approx(ref, rel=1e-13, abs=0)


def test_rescaled_truncated_factors_are_the_same_draw_times_one_constant():
    # c = s/√E[ω²] with E[ω²] from scipy's truncnorm: the factors with rescale=True are the plain ones times c
    # (rel. 1e-14), their bounds scale by c, and c^{2D}·Var = σ_w².
    from scipy.stats import truncnorm

    for D, sigma in ((1, 0.3), (3, 0.1768), (4, 2.0)):
        plain = init_factors((50, 4), D, "varmatch-truncated", sigma, rng=7)
        scaled = init_factors((50, 4), D, "varmatch-truncated", sigma, rng=7, rescale=True)
        s, lo, hi = sigma ** (1 / D), 1e-3 ** (1 / D), min(1.0, (2 * sigma) ** (1 / D))
        c = s / math.sqrt(truncnorm.moment(2, lo / s, hi / s) * s * s)
        np.testing.assert_allclose(scaled, c * plain, rtol=1e-14, atol=0)
        assert np.all((np.abs(scaled) > c * lo) & (np.abs(scaled) < c * hi))
        assert c ** (2 * D) * truncated_product_variance(D, sigma) == pytest.approx(sigma**2, rel=1e-13)


@pytest.mark.parametrize("scheme", ["standard", "varmatch"])
def test_rescale_is_ignored_by_the_untruncated_schemes(scheme):
    a = init_factors((5, 3), 3, scheme, 0.5, rng=2)
    assert np.array_equal(a, init_factors((5, 3), 3, scheme, 0.5, rng=2, rescale=True))


def test_truncated_variance_and_rescale_bad_input():
    with pytest.raises(ValueError, match="D"):
        truncated_product_variance(0, 0.5)
    with pytest.raises(TypeError, match="D"):
        truncated_product_variance("2", 0.5)
    for bad in (0.0, -1.0, np.nan):
        with pytest.raises(ValueError, match="sigma_w"):
            truncated_product_variance(2, bad)
    for bad in (0.0, 0.5, 0.7, np.inf):
        with pytest.raises(ValueError, match="eps"):
            truncated_product_variance(2, 0.5, eps=bad)
    with pytest.raises(ValueError, match="eps"):  # factors are capped at 1: (ε, 1) would be empty
        truncated_product_variance(2, 5.0, eps=2.0)
    for bad in ("yes", 1, None):
        with pytest.raises(TypeError, match="rescale"):
            init_factors(3, 2, "varmatch-truncated", 0.5, rescale=bad)


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
    """p_σ(x) = p_1(x/σ)/σ (σ is a scale parameter): 1e-13 of max(1, |ln p|), 60× the measured 1.8e-15."""
    lhs = log_product_density(x, D, sigma)
    rhs = log_product_density(x / sigma, D, 1.0) - math.log(sigma)
    assert abs(lhs - rhs) <= 1e-13 * max(1.0, abs(rhs))


def test_density_far_tail_finite_and_monotone():
    """Finite and decreasing out to 1e300 (for D = 2 across the switch to the leading asymptotics at y = e^1200)."""
    x = np.logspace(0, 300, 121)
    for D in (2, 3, 4, 6):
        logp = log_product_density(x, D, 1.0)
        assert np.all(np.isfinite(logp))
        assert np.all(np.diff(logp) < 0)  # strictly decreasing in |x|
        assert np.all(product_density(x, D, 1.0) >= 0)


def test_deep_products_against_mpmath_in_the_small_tail():
    """Past D = 12 the density and the mass near zero come from the Mellin–Barnes quadrature alone (mpmath's
    Meijer G, the independent reference here, costs seconds a point and fails to converge from D ≈ 50): at
    D = 13, σ_w = 1 and |x| down to 1e-300, rel. 1e-11 against mpmath.meijerg (10× the measured worst 8e-13)."""
    import mpmath

    D = 13
    for x in (1e-300, 1e-8, 2e-4):  # 2e-4: the saddle sits next to the pole at s = 1/2 of the mass's integrand
        y = mpmath.mpf(x) ** 2 / mpmath.mpf(2) ** D
        mass = mpmath.pi ** (-D / 2.0) * mpmath.meijerg([[1], []], [[0.5] * D, [0]], y)
        assert float(small_mass(x, D, 1.0)) == pytest.approx(float(mass), rel=1e-11)
        if x < 1e-3:
            density = (2 * mpmath.pi) ** (-D / 2.0) * mpmath.meijerg([[], []], [[0] * D, []], y)
            assert float(product_density(x, D, 1.0)) == pytest.approx(float(density), rel=1e-11)


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
    with pytest.raises(ValueError, match="D"):  # the mpmath reference is bounded to D <= 12
        product_density(1.0, 13, 1.0, method="mpmath")


# --------------------------------------------------------------------------- #
# mass near zero and CDF
# --------------------------------------------------------------------------- #


@given(eps=st.floats(1e-8, 1e3), D=depths, sigma=st.floats(1e-2, 1e2))
def test_mass_is_a_probability_and_scales(eps, D, sigma):
    m = float(small_mass(eps, D, sigma))
    assert 0.0 <= m <= 1.0
    # P(|w| < ε; σ) = P(|w| < ε/σ; 1): absolute 1e-14, 10× the measured 1e-15.
    assert abs(m - float(small_mass(eps / sigma, D, 1.0))) <= 1e-14


@given(x=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=20), D=depths)
def test_cdf_monotone_symmetric(x, D):
    x = np.sort(np.asarray(x))
    F = product_cdf(x, D, 0.9)
    assert np.all(np.diff(F) >= -1e-15) and np.all((F >= 0) & (F <= 1))  # monotone up to 10 ulp of 1
    # Symmetry of the law: F(x) + F(−x) = 1 (measured: exact; absolute 1e-15).
    np.testing.assert_allclose(F + product_cdf(-x, D, 0.9), 1.0, rtol=0, atol=1e-15)


@settings(max_examples=20)
@given(D=depths, sigma=st.floats(0.1, 10.0), r=st.floats(0.01, 3.0))
def test_cdf_derivative_is_the_density(D, sigma, r):
    """The CDF (G^{D,1}_{1,D+1}) and the density (G^{D,0}_{0,D}) are separate Mellin–Barnes integrals: the
    five-point derivative of the one (h = 1e-3·x) must give the other. Rel. 1e-9, 36× the measured worst 2.8e-11
    over 600 random (D, σ, x) with x ∈ [0.01, 3]σ (further out the CDF rounds to 1)."""
    x, h = r * sigma, 1e-3 * r * sigma
    F = [float(product_cdf(x + k * h, D, sigma)) for k in (-2, -1, 1, 2)]
    deriv = (F[0] - 8 * F[1] + 8 * F[2] - F[3]) / (12 * h)
    assert deriv == pytest.approx(float(product_density(x, D, sigma)), rel=1e-9)


def test_mass_bad_input():
    with pytest.raises(ValueError, match="eps"):
        small_mass(0.0, 3, 1.0)
    with pytest.raises(ValueError, match="eps"):
        small_mass([-1.0], 3, 1.0)
    with pytest.raises(ValueError, match="sigma_w"):
        small_mass(0.1, 3, -2.0)
