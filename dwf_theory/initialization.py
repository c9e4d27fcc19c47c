"""Initialization schemes for factorized weights and the distribution of their product.

The schemes are those of Kolb et al., ICLR 2025 (standard, VarMatch and VarMatch with
interval truncation, their initialization for deep weight factorization); the law of the
product of ``D`` Gaussians is a Meijer G function (Springer & Thompson 1970), evaluated
here from its Mellin–Barnes integral.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from . import _validate as v

__all__ = [
    "SCHEMES",
    "init_factors",
    "truncated_product_variance",
    "product_density",
    "log_product_density",
    "product_cdf",
    "small_mass",
]

SCHEMES = ("standard", "varmatch", "varmatch-truncated")


def _shape(shape) -> tuple:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (int(shape),)
    try:
        shape = tuple(shape)
    except TypeError as exc:
        raise TypeError(f"shape must be a tuple of whole numbers, got {shape!r}") from exc
    return tuple(v.whole_number(s, "shape entries", 0) for s in shape)


def init_factors(shape, D, scheme, sigma_w, *, rng=None, eps=1e-3, rescale=False) -> np.ndarray:
    """Draw factors of shape ``(D, *shape)`` for a weight of shape ``shape``.

    Schemes (Kolb et al., ICLR 2025):

    * ``'standard'``: every factor ``~ N(0, σ_w²)``; the product has standard
      deviation ``σ_w^D`` (vanishing signal for ``σ_w < 1``).
    * ``'varmatch'``: every factor ``~ N(0, σ_w^{2/D})``, so ``Var(w) = σ_w²``.
    * ``'varmatch-truncated'``: VarMatch factors conditioned on
      ``ε^{1/D} < |ω| < min(1, (2σ_w)^{1/D})`` (the law of "redraw until inside"),
      sampled by the inverse CDF of the truncated normal, with any product that
      rounding puts outside ``(ε, 2σ_w)`` redrawn; every collapsed weight obeys
      ``ε < |w| < 2σ_w``.

    The truncation no longer matches the variance: ``Var(w) = (E[ω²])^D``, below ``σ_w²`` for
    ``ε ≪ σ_w`` (:func:`truncated_product_variance`; claim C55). At the He scale of a layer
    with 64 inputs, ``σ_w = √(2/64)``, and ``ε = 10⁻³`` (the trainer's), the standard
    deviation of the collapsed weight is

    ======  =====  =====  =====  =====
    D       1      2      3      4
    ======  =====  =====  =====  =====
    sd/σ_w  0.882  0.546  0.371  0.283
    ======  =====  =====  =====  =====

    ``rescale=True`` multiplies every truncated factor by ``c = s/√E[ω²]``
    (``s = σ_w^{1/D}``), so that ``E[(cω)²] = s²`` and ``Var(w) = σ_w²`` exactly (claim
    C56); the bounds scale with it: ``cε^{1/D} < |ω| < c·min(1, (2σ_w)^{1/D})`` and
    ``c^D ε < |w| < 2c^D σ_w`` (``c^D`` is the inverse of the ratio in the table).

    Parameters
    ----------
    shape : int or tuple of int
        ``D · prod(shape) <= 10⁸`` (the factors are allocated).
    D : int >= 1
    scheme : {'standard', 'varmatch', 'varmatch-truncated'}
    sigma_w : float > 0
        The scale of the plain (unfactorized) model's initialization.
    rng : numpy.random.Generator, int seed or None
    eps : float > 0; in (0, sigma_w) and < 1 for the truncated scheme
        Lower bound on ``|w|`` for the truncated scheme, ignored by the others (whose factors are capped
        at ``|ω| < 1``, so ``|w| < min(1, 2σ_w)``).
    rescale : bool
        Truncated scheme: rescale the factors so that ``Var(w) = σ_w²`` exactly (see above). Ignored
        by the other schemes (``'varmatch'`` has that variance already; ``'standard'`` is the
        unmatched baseline).
    """
    shape = _shape(shape)
    D = v.depth(D)
    if not isinstance(scheme, str):
        raise TypeError(f"scheme must be one of {SCHEMES}, got {type(scheme).__name__}")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    sigma_w = v.positive(sigma_w, "sigma_w")
    eps = v.positive(eps, "eps")
    rescale = v.flag(rescale, "rescale")
    rng = v.generator(rng)
    full = (D, *shape)
    v.allocation(D * math.prod(shape), "D and shape")
    if scheme in ("standard", "varmatch"):
        with np.errstate(over="ignore", invalid="ignore"):
            factors = rng.normal(0.0, sigma_w if scheme == "standard" else sigma_w ** (1.0 / D), size=full)
        return v.finite_result(factors, "sigma_w", "a factor drawn with this scale")
    s, lo, hi = _truncation(D, sigma_w, eps)
    upper = min(1.0, 2.0 * sigma_w)
    factors = _truncated_draw(full, s, lo, hi, rng)
    flat = factors.reshape(D, -1)
    bad = np.flatnonzero(~_inside(np.abs(np.prod(flat, axis=0)), eps, upper))
    while bad.size:
        flat[:, bad] = _truncated_draw((D, bad.size), s, lo, hi, rng)
        bad = bad[~_inside(np.abs(np.prod(flat[:, bad], axis=0)), eps, upper)]
    if rescale:
        factors *= s / math.sqrt(_truncated_second_moment(s, lo, hi))
    return factors


def _truncation(D: int, sigma_w: float, eps: float) -> tuple[float, float, float]:
    """``(s, lo, hi)`` of the truncated scheme: ``s = σ_w^{1/D}``, ``lo = ε^{1/D}``, ``hi = min(1, (2σ_w)^{1/D})``."""
    if not eps < sigma_w:
        raise ValueError(f"eps must lie in (0, sigma_w) = (0, {sigma_w}) for 'varmatch-truncated', got {eps}")
    if not eps < 1.0:  # factors are capped at |ω| < 1, so |w| < 1: the interval (ε, 1) must be non-empty
        raise ValueError(f"eps must be < 1 for 'varmatch-truncated' (factors are capped at |ω| < 1), got {eps}")
    return sigma_w ** (1.0 / D), eps ** (1.0 / D), min(1.0, (2.0 * sigma_w) ** (1.0 / D))


#: Gauss–Legendre nodes and weights on [−1, 1] for :func:`_truncated_second_moment` (exact to rounding there).
_LEGENDRE = np.polynomial.legendre.leggauss(32)


def _truncated_second_moment(s: float, lo: float, hi: float) -> float:
    """``E[ω²]`` for ``ω ~ N(0, s²)`` conditioned on ``lo < |ω| < hi``.

    The condition is symmetric, ``(−hi, −lo) ∪ (lo, hi)``, and so is ``ω²φ(ω/s)``: the two
    intervals contribute equal halves to numerator and normalizer, so ``E[ω²]`` is the second
    moment of the normal truncated to ``(lo, hi)`` alone, in closed form
    ``s² (1 + (aφ(a) − bφ(b)) / (Φ(b) − Φ(a)))`` with ``a = lo/s``, ``b = hi/s`` (the moments of
    the truncated normal, e.g. Johnson, Kotz & Balakrishnan 1994, §10.1; ``scipy.stats.truncnorm``).
    That form cancels where the interval is narrow (deep factorizations, ``Φ(b) − Φ(a)``) or
    ``b ≪ 1`` (huge ``σ_w``: ``E[ω²]/s² ≈ b²/3`` from ``1 + (…)``), and the ``D``-th power of
    :func:`truncated_product_variance` multiplies relative errors by ``D``. It is therefore
    evaluated as ``hi² ∫_r^1 t² e^{−c t²} dt / ∫_r^1 e^{−c t²} dt`` (``ω = hi·t``, ``r = lo/hi``,
    ``c = b²/2 <= 2^{2/D}/2``, as ``hi <= (2σ_w)^{1/D}``): positive, smooth integrands on an
    interval of length below 1, where 32-point Gauss–Legendre quadrature is exact to rounding.
    """
    nodes, weights = _LEGENDRE
    r = lo / hi
    t = 0.5 * (1.0 - r) * nodes + 0.5 * (1.0 + r)
    c = 0.5 * (hi / s) ** 2
    gauss = weights * np.exp(-c * t * t)
    return hi * hi * float(np.sum(gauss * t * t) / np.sum(gauss))


def truncated_product_variance(D, sigma_w, *, eps=1e-3) -> float:
    """``Var(w)`` of the collapsed weight drawn by ``init_factors(..., 'varmatch-truncated')`` (claim C55).

    The factors are i.i.d. and symmetric, so ``E[w] = 0`` and
    ``Var(w) = E[w²] = Π_d E[ω_d²] = (E[ω²])^D`` with ``E[ω²]`` the second moment of
    ``N(0, s²)``, ``s = σ_w^{1/D}``, truncated to ``ε^{1/D} < |ω| < min(1, (2σ_w)^{1/D})``:
    ``s²(1 + (aφ(a) − bφ(b))/(Φ(b) − Φ(a)))``, ``a = ε^{1/D}/s``, ``b = min(1, (2σ_w)^{1/D})/s``
    (derived here from the truncated-normal moments; the ``|ω|`` truncation is symmetric, so it
    has the moments of the one-sided one), evaluated without cancellation (exact to rounding also
    for deep factorizations, whose interval is narrow). For ``ε ≪ σ_w`` it is below ``σ_w²``,
    increasingly so with ``D``: see the table in :func:`init_factors`. (The rounding redraws of
    :func:`init_factors` reject only products that the exact law never produces, so they do not
    change it.)

    Parameters
    ----------
    D : int >= 1
    sigma_w : float > 0
        The scale of the plain model's initialization (the VarMatch target ``Var(w) = σ_w²``).
    eps : float in (0, min(sigma_w, 1))
        The lower bound on ``|w|`` of the truncated scheme.

    Returns
    -------
    float, in ``(ε², min(1, 2σ_w)²)`` (0 where ``ε²`` underflows).
    """
    D = v.depth(D)
    sigma_w = v.positive(sigma_w, "sigma_w")
    eps = v.positive(eps, "eps")
    s, lo, hi = _truncation(D, sigma_w, eps)
    return _truncated_second_moment(s, lo, hi) ** D  # in (lo^{2D}, hi^{2D}) = (ε², min(1, 2σ_w)²)


def _inside(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (x > lo) & (x < hi)


def _truncated_draw(size, s: float, lo: float, hi: float, rng: np.random.Generator) -> np.ndarray:
    """``|ω| ~ N(0, s²)`` conditioned on ``lo < |ω| < hi``, with a random sign."""
    from scipy import stats  # here, not at the top: scipy.stats is slow to import and kept out of `import dwf_theory`

    magnitude = stats.truncnorm.rvs(lo / s, hi / s, scale=s, size=size, random_state=rng)
    magnitude = np.clip(magnitude, np.nextafter(lo, np.inf), np.nextafter(hi, -np.inf))
    return np.where(rng.random(size) < 0.5, -magnitude, magnitude)


# --------------------------------------------------------------------------- #
# The law of the VarMatch product w = ω_1 ⋯ ω_D, ω_d iid N(0, s²), s = σ_w^{1/D}
# --------------------------------------------------------------------------- #
#
# w² / (2^D s^{2D}) = Π_d Γ_d with Γ_d ~ Gamma(½), so with y = x² / (2^D s^{2D})
#
#   density  p(x)          = (2π)^{−D/2} s^{−D} G^{D,0}_{0,D}(y | 0,…,0)    (Springer & Thompson 1970)
#   mass     P(|w| ≤ |x|)  = π^{−D/2} G^{D,1}_{1,D+1}(y | 1; ½,…,½, 0)
#
# Both Meijer G functions are evaluated from their defining Mellin–Barnes integral
#   G^{D,0}_{0,D}(y) = (1/2πi) ∫_{c−i∞}^{c+i∞} Γ(s)^D y^{−s} ds
# on the vertical line through the saddle point c of the integrand (D ψ(c) = ln y),
# where the integrand is non-oscillating and Gaussian-like; the line integral is a
# trapezoid sum in t = w sinh(u) (w the saddle's width), which converges
# geometrically for this analytic integrand. Working in logarithms keeps the result
# finite and accurate to ~1e-15 relative far into the tails, where the series that
# mpmath.meijerg sums cancel catastrophically (mpmath is the per-point reference,
# ``method='mpmath'``).

_MB_CHUNK = 2048
#: Below this ln y the Meijer G functions are summed by mpmath.meijerg (fast and exact near 0,
#: where the Mellin–Barnes integrand sits next to the poles of Γ).
_MB_SMALL_LOG_Y = -30.0
#: Up to this depth mpmath.meijerg sums the small-y side (about 1 s a point at D = 12, and its cost
#: grows fast with D: ~5 s at 16, failing to converge at 50). Deeper, the Mellin–Barnes quadrature is
#: used for every y: its error in ln G, measured against mpmath.meijerg at D = 13 and 16 for
#: ln y from -100 down to -2900 (|x| ≈ 1e-300 σ_w), is at most 1e-12.
_MPMATH_MAX_DEPTH = 12


def _mb_nodes(D: int) -> int:
    """Trapezoid nodes for relative accuracy ~1e-13 at ln y >= -30 (measured against 2,500 nodes)."""
    return {1: 600, 2: 400, 3: 240, 4: 180}.get(D, 150)


def _sigma_and_depth(D, sigma_w):
    D = v.depth(D)
    sigma_w = v.positive(sigma_w, "sigma_w")
    return D, sigma_w


def _log_y(x_abs: np.ndarray, D: int, sigma_w: float) -> np.ndarray:
    """``ln y`` with ``y = x² / (2^D s^{2D}) = x² / (2^D σ_w²)``, computed in logs (no overflow)."""
    with np.errstate(divide="ignore"):
        return 2.0 * np.log(x_abs) - D * math.log(2.0) - 2.0 * math.log(sigma_w)


#: Beyond ln y / D = 600 (|x| > e^{300 D} σ_w) the leading asymptotics are exact in double precision.
_FAR_LOG_Y_PER_D = 600.0


def _saddle(log_y: np.ndarray, D: int) -> np.ndarray:
    """Root ``c > 0`` of ``D ψ(c) = ln y`` (saddle of ``Γ(s)^D y^{−s}`` on the real axis).

    Newton's method in ``t = ln c`` (where ``ψ(e^t)`` is nearly linear for large ``c``), for
    ``ln y / D <= 600``.
    """
    r = log_y / D
    c0 = np.where(
        r > 0.0, np.exp(np.minimum(r, _FAR_LOG_Y_PER_D)) + 0.5, -1.0 / np.minimum(r - 0.5772156649015329, -1e-3)
    )
    t = np.log(np.maximum(c0, 1e-300))
    for _ in range(100):
        c = np.exp(t)
        step = (special.digamma(c) - r) / (special.polygamma(1, c) * c)
        t = t - np.clip(step, -2.0, 2.0)
        if np.all(np.abs(step) <= 1e-15 * np.maximum(1.0, np.abs(t))):
            break
    return np.exp(t)


def _mellin_barnes(log_y: np.ndarray, D: int, c: np.ndarray, pole: int = 0) -> np.ndarray:
    """``ln`` of ``(1/2π) ∫ Γ(s)^D y^{−s} m(s) dt`` over the line ``s = c + it``, elementwise in ``log_y``.

    ``m = 1`` for ``pole = 0`` (the density's Meijer G); ``m(s) = y^{½} / (pole · (½ − s))``
    for ``pole = ±1`` (the mass and the tail of the product, see :func:`_mass_and_tail`).
    """
    out = np.empty_like(log_y)
    for lo in range(0, log_y.size, _MB_CHUNK):
        ly = log_y[lo : lo + _MB_CHUNK, None]
        cc = c[lo : lo + _MB_CHUNK, None]
        width = 1.0 / np.sqrt(D * special.polygamma(1, cc))
        # |Γ(c+it)|^D decays like exp(−Dπ|t|/2) far out and like a Gaussian of width `width` near 0.
        top = np.arcsinh(np.maximum(40.0 / D, 14.0 * width) / width)
        nodes = _mb_nodes(D)
        u = np.linspace(0.0, 1.0, nodes + 1)[None, :] * top
        t = width * np.sinh(u)
        s = cc + 1j * t
        phi = D * special.loggamma(s) - s * ly
        if pole:
            phi = phi + 0.5 * ly - np.log(pole * (0.5 - s))
        phi0 = phi[:, :1].real
        f = np.exp(phi - phi0).real * (width * np.cosh(u))
        integral = (top[:, 0] / nodes) * (f.sum(axis=1) - 0.5 * (f[:, 0] + f[:, -1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            out[lo : lo + _MB_CHUNK] = phi0[:, 0] + np.log(integral / np.pi)
    return out


def _mass_line(c: np.ndarray, D: int, side: int) -> np.ndarray:
    """Where the mass (``side = -1``: left of the pole at ½) or tail (``side = +1``: right of it) is integrated.

    The saddle ``c`` of ``Γ(s)^D y^{−s}``, kept away from the pole of ``1/(½ − s)``: at most 0.3 (at least
    0.7) up to ``D = 12``; for deeper products, whose saddle is narrower (width ``w = (D ψ'(c))^{−1/2}``),
    at most ``½ − 2w`` (at least ``½ + 2w``), so that the line stays near the saddle and the integrand
    does not oscillate.
    """
    if D <= _MPMATH_MAX_DEPTH:
        return np.minimum(c, 0.3) if side < 0 else np.maximum(c, 0.7)
    w = 1.0 / np.sqrt(D * special.polygamma(1, c))
    return np.minimum(c, 0.5 - 2.0 * w) if side < 0 else np.maximum(c, 0.5 + 2.0 * w)


def _log_meijer(log_y: np.ndarray, D: int, mass: bool) -> np.ndarray:
    """``ln G^{D,0}_{0,D}(y | 0,…,0)`` (``mass=False``) or ``ln G^{D,1}_{1,D+1}(y | 1; ½,…,½, 0)``.

    Mellin–Barnes quadrature for ``ln y >= -30``; ``mpmath.meijerg`` below (where both are
    dominated by the poles of Γ at 0 and the series converges fast) for ``D <= 12``, the
    quadrature everywhere for deeper products (see ``_MPMATH_MAX_DEPTH``).
    """
    import mpmath

    out = np.empty_like(log_y)
    small = log_y < _MB_SMALL_LOG_Y if D <= _MPMATH_MAX_DEPTH else np.zeros(log_y.shape, dtype=bool)
    far = log_y > _FAR_LOG_Y_PER_D * D
    big = ~small & ~far
    if np.any(far):  # G ~ (2π)^{(D−1)/2} D^{−1/2} y^{(1−D)/(2D)} exp(−D y^{1/D}) (relative error O(y^{−1/D}))
        if mass:
            out[far] = 0.5 * D * math.log(math.pi)  # the mass is 1 (its complement underflows)
        else:
            ly = log_y[far]
            out[far] = (
                -D * np.exp(ly / D)
                + (1.0 - D) / (2.0 * D) * ly
                + 0.5 * (D - 1) * math.log(2 * math.pi)
                - 0.5 * math.log(D)
            )
    if np.any(big):
        c = _saddle(log_y[big], D)
        out[big] = (
            _mellin_barnes(log_y[big], D, _mass_line(c, D, -1), pole=1)
            if mass
            else _mellin_barnes(log_y[big], D, c, pole=0)
        )
    a, b = ([[1], []], [[0.5] * D, [0]]) if mass else ([[], []], [[0] * D, []])
    for i in np.flatnonzero(small):
        out[i] = float(mpmath.log(mpmath.meijerg(a, b, mpmath.exp(mpmath.mpf(float(log_y[i]))))))
    return out


def log_product_density(x, D, sigma_w) -> np.ndarray:
    """``ln p(x)`` for the VarMatch product (see :func:`product_density`); ``+inf`` at ``x = 0`` for ``D ≥ 2``."""
    x = v.finite_array(x, "x")
    D, sigma_w = _sigma_and_depth(D, sigma_w)
    if D == 1:
        from scipy import stats

        with np.errstate(over="ignore"):  # x² overflows to inf far out: ln p = −inf, p = 0 (exact in floats)
            return stats.norm.logpdf(x, scale=sigma_w)
    s_log = math.log(sigma_w) / D
    ax = np.abs(x).ravel()
    out = np.full(ax.shape, np.inf)
    nz = ax > 0
    if np.any(nz):
        uniq, inv = np.unique(ax[nz], return_inverse=True)
        ly = _log_y(uniq, D, sigma_w)
        log_g = _log_meijer(ly, D, mass=False)
        out[nz] = (-0.5 * D * math.log(2.0 * math.pi) - D * s_log + log_g)[inv]
    return out.reshape(x.shape)


def product_density(x, D, sigma_w, *, method: str = "mellin") -> np.ndarray:
    """Exact density of ``w = ω_1 ⋯ ω_D`` with ``ω_d`` iid ``N(0, s²)``, ``s = σ_w^{1/D}`` (VarMatch).

    ``p(x) = (2π)^{−D/2} s^{−D} G^{D,0}_{0,D}( x² / (2^D s^{2D}) | 0,…,0 )`` (Springer &
    Thompson 1970; claims C40–C44). ``D = 1`` is the normal density, ``D = 2`` is ``K_0(|x|/σ_w)/(π σ_w)``.
    ``Var(w) = σ_w²`` and the kurtosis is ``3^D``.

    Parameters
    ----------
    x : array_like
        Points (any shape); the result has the same shape.
    D : int, 1 <= D <= 10⁶ (<= 12 for ``method='mpmath'``)
    sigma_w : float > 0
        The standard deviation of the product.
    method : {'mellin', 'mpmath'}
        ``'mellin'`` (default): the Meijer G from its Mellin–Barnes integral along
        the steepest-descent line, vectorized, accurate to about 1e-15 relative for
        every ``x`` (about 1e-12 for ``D > 12``; values below the smallest double
        underflow to 0).
        ``'mpmath'``: ``mpmath.meijerg`` point by point (a slow reference, up to about
        a second a point at ``D = 12``; it fails to converge far in the tails).

    Returns
    -------
    ndarray of float, ``>= 0``; ``+inf`` at ``x = 0`` for ``D ≥ 2`` (the density has a
    ``|ln|x||^{D−1}`` singularity there).
    """
    method = v.choice(method, "method", ("mellin", "mpmath"))
    if method == "mellin":
        return np.exp(log_product_density(x, D, sigma_w))
    x = v.finite_array(x, "x")
    D = v.depth(D, maximum=_MPMATH_MAX_DEPTH)
    sigma_w = v.positive(sigma_w, "sigma_w")
    import mpmath

    s = sigma_w ** (1.0 / D)
    pref = (2.0 * math.pi) ** (-D / 2.0) * s ** (-D)

    def one(xi: float) -> float:
        if xi == 0.0:
            return math.inf if D >= 2 else pref
        y = mpmath.mpf(xi) ** 2 / (mpmath.mpf(2) ** D * mpmath.mpf(s) ** (2 * D))
        return float(pref * mpmath.meijerg([[], []], [[0] * D, []], y))

    return np.vectorize(one, otypes=[float])(x)


def _mass_and_tail(x_abs: np.ndarray, D: int, sigma_w: float) -> tuple[np.ndarray, np.ndarray]:
    """``P(|w| ≤ x)`` and ``P(|w| > x)``, each accurate in relative terms where it is small."""
    ly = _log_y(x_abs, D, sigma_w)
    c = _saddle(np.minimum(ly, _FAR_LOG_Y_PER_D * D), D)
    log_norm = -0.5 * D * math.log(math.pi)
    # Γ(s)^D y^{½−s}/(½−s) on the line Re s = c < ½ gives the mass; moving the line past the
    # pole at s = ½ (residue −π^{D/2}) gives mass − 1, i.e. minus the tail, on Re s = c > ½.
    low = c < 0.5
    mass = np.zeros_like(ly)
    tail = np.zeros_like(ly)
    if np.any(low):
        m = np.exp(log_norm + _log_meijer(ly[low], D, mass=True))
        mass[low], tail[low] = m, 1.0 - m
    if np.any(~low):
        with np.errstate(under="ignore"):
            t = np.exp(log_norm + _mellin_barnes(ly[~low], D, _mass_line(c[~low], D, 1), pole=-1))
        t[ly[~low] > _FAR_LOG_Y_PER_D * D] = 0.0  # exp(−D y^{1/D}) with y^{1/D} > e^600
        mass[~low], tail[~low] = 1.0 - t, t
    return mass, tail


def small_mass(eps, D, sigma_w) -> np.ndarray:
    """``P(|w| < ε)`` for the VarMatch product (claim C45).

    ``P(|w| < ε) = π^{−D/2} G^{D,1}_{1,D+1}( ε²/(2^D σ_w²) | 1; ½,…,½, 0 )`` — the law of a
    product of ``Gamma(½)`` variables — evaluated from its Mellin–Barnes integral (see
    :func:`product_density`), accurate in relative terms for tiny ``ε``. It grows with
    ``D`` for ``ε`` small against ``σ_w``: deeper VarMatch products start nearer to 0.

    Parameters
    ----------
    eps : float or array_like, > 0
    D : int >= 1
    sigma_w : float > 0
    """
    eps = v.finite_array(eps, "eps")
    if not np.all(eps > 0):
        raise ValueError("eps must be > 0")
    D, sigma_w = _sigma_and_depth(D, sigma_w)
    mass, _ = _mass_and_tail(eps.ravel(), D, sigma_w)
    return mass.reshape(eps.shape)


def product_cdf(x, D, sigma_w) -> np.ndarray:
    """Cumulative distribution ``P(w ≤ x)`` of the VarMatch product (symmetric about 0)."""
    x = v.finite_array(x, "x")
    D, sigma_w = _sigma_and_depth(D, sigma_w)
    ax = np.abs(x).ravel()
    out = np.full(ax.shape, 0.5)
    nz = ax > 0
    if np.any(nz):
        mass, tail = _mass_and_tail(ax[nz], D, sigma_w)
        pos = x.ravel()[nz] > 0
        out[nz] = np.where(pos, 0.5 + 0.5 * mass, 0.5 * tail)
        out[nz] = np.where(pos & (tail < 0.5), 1.0 - 0.5 * tail, out[nz])
    return out.reshape(x.shape)
