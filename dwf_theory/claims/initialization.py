"""C40–C47: initialization schemes and the law of their product."""

from __future__ import annotations

import math

import numpy as np

from .. import initialization as init
from ._registry import claim, derived, rel_error


def _x_density_in_log_x(D: int, sigma: float, k: int = 0):
    """``x^{k+1} p(x)`` as a function of ``u = ln x`` (smooth, no singularity at 0)."""

    def f(u: float) -> float:
        return math.exp((k + 1) * u + float(init.log_product_density(math.exp(u), D, sigma)))

    return f


_Y_SPLIT = 1e-13  # below y = x²/(2^D σ_w²) = 1e-13 the mass comes from mpmath's G^{D,1}_{1,D+1}


def _split_point(D: int, sigma: float) -> tuple[float, float]:
    """``(u_s, m_s)``: ``ln x`` at ``y = _Y_SPLIT`` and ``P(|w| < x_s)`` from mpmath.meijerg (independent)."""
    import mpmath

    u_s = 0.5 * (math.log(_Y_SPLIT) + D * math.log(2.0) + 2.0 * math.log(sigma))
    m_s = float(mpmath.meijerg([[1], []], [[0.5] * D, [0]], mpmath.mpf(_Y_SPLIT)) / mpmath.pi ** (D / 2))
    return u_s, m_s


def _half_line(f, lo: float, hi: float = 60.0) -> float:
    """``∫_lo^hi f(u) du`` by scipy quad, split at 0 (the mass beyond x = e^60 σ is below 1e-300)."""
    from scipy.integrate import quad

    cuts = sorted({lo, hi, min(max(0.0, lo), hi)})
    pieces = zip(cuts[:-1], cuts[1:], strict=True)
    return sum(quad(f, a, b, limit=200, epsabs=1e-15, epsrel=1e-13)[0] for a, b in pieces)


@claim(
    "C40",
    "VarMatch product density is a density",
    "p(x) = (2π)^{−D/2} s^{−D} G^{D,0}_{0,D}(x²/(2^D s^{2D}) | 0,…,0) integrates to 1 over the line.",
    "D = 1..7, σ_w ∈ {0.3, 2}: 2∫ p over |x| > x_s by scipy quad in u = ln x (integrand x·p(x)), "
    "density from the Mellin–Barnes integral of the Meijer G, plus P(|w| < x_s) from mpmath.meijerg "
    "(x_s where x²/(2^D σ_w²) = 1e-13); error |∫p − 1|.",
    1e-10,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c40():
    worst = 0.0
    for D in range(1, 8):
        for s in (0.3, 2.0):
            u_s, m_s = _split_point(D, s)
            worst = max(worst, abs(m_s + 2.0 * _half_line(_x_density_in_log_x(D, s), u_s) - 1.0))
    return worst


@claim(
    "C41",
    "Product density: D = 1 normal, D = 2 Bessel K0",
    "D = 1: p = N(0, σ_w²) density; D = 2: p(x) = K0(|x|/σ_w)/(π σ_w) (σ_w the product's std).",
    "300 points |x| ∈ [1e-8, 200]σ_w (D = 2 down to 1e-300 in value), σ_w ∈ {0.1, 1, 7}: "
    "Mellin–Barnes evaluation against scipy.stats.norm.pdf and scipy.special.k0; max relative error.",
    1e-12,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c41():
    from scipy import special, stats

    worst = 0.0
    for s in (0.1, 1.0, 7.0):
        x = s * np.logspace(-8, np.log10(200.0), 300)
        worst = max(worst, rel_error(init.product_density(x, 2, s), special.k0(x / s) / (math.pi * s)))
        x1 = x[x < 30 * s]
        worst = max(worst, rel_error(init.product_density(x1, 1, s), stats.norm.pdf(x1, scale=s)))
    return worst


@claim(
    "C42",
    "Product density equals mpmath's Meijer G, into the far tail",
    "The vectorized Mellin–Barnes evaluation of p agrees with mpmath.meijerg, including where p ~ 1e-60.",
    "D = 3..6, σ_w = 0.8, 12 points |x| ∈ [1e-6, 40] with mpmath at 15 digits; D = 3 tail points "
    "(p down to 1e-62) with mpmath at 40 digits; max relative error.",
    1e-12,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c42():
    import mpmath

    worst = 0.0
    x = np.array([1e-6, 1e-3, 0.05, 0.3, 0.8, 1.5, 3.0, 6.0, 10.0, 17.0, 25.0, 40.0])
    for D in range(3, 7):
        worst = max(worst, rel_error(init.product_density(x, D, 0.8), init.product_density(x, D, 0.8, method="mpmath")))
    s = 1.0
    tail = np.array([100.0, 1e3, 5e3])
    with mpmath.workdps(40):
        ref = [float(mpmath.meijerg([[], []], [[0, 0, 0], []], mpmath.mpf(t) ** 2 / 8) / (2 * mpmath.pi) ** 1.5)
               for t in tail]
    worst = max(worst, rel_error(init.product_density(tail, 3, s), ref))
    return worst, f"p(5e3; D=3) = {ref[-1]:.3e}"


@claim(
    "C43",
    "Product law matches Monte Carlo",
    "Products of D i.i.d. N(0, σ_w^{2/D}) draws (init_factors 'varmatch') follow the exact CDF.",
    "D = 1..5, 5,000 products each: Kolmogorov–Smirnov distance to product_cdf (Mellin–Barnes "
    "integral of G^{D,1}_{1,D+1}); error = largest distance × √n, tolerance the 0.1% critical value 1.95.",
    1.95,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c43():
    from scipy import stats

    rng = np.random.default_rng(43)
    n, worst, pmin = 5_000, 0.0, 1.0
    for D in range(1, 6):
        w = np.prod(init.init_factors(n, D, "varmatch", 0.6, rng=rng), axis=0)
        res = stats.kstest(w, lambda q, D=D: init.product_cdf(q, D, 0.6))
        worst, pmin = max(worst, res.statistic * math.sqrt(n)), min(pmin, res.pvalue)
    return worst, f"smallest KS p-value {pmin:.3f}"


@claim(
    "C44",
    "VarMatch: variance σ_w², kurtosis 3^D",
    "Var(w) = σ_w² and E[w⁴]/Var(w)² = 3^D for the VarMatch product (heavy tails for large D).",
    "D = 1..7, σ_w = 0.7: second and fourth moments of the exact density by scipy quad (in u = ln x, "
    "over |x| > x_s as in C40; the rest adds < x_s² ~ 1e-12 σ_w²) against σ_w² and 3^D σ_w⁴; max "
    "relative error.",
    1e-9,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c44():
    worst, s = 0.0, 0.7
    for D in range(1, 8):
        u_s = 0.5 * (math.log(_Y_SPLIT) + D * math.log(2.0) + 2.0 * math.log(s))
        m2 = 2.0 * _half_line(_x_density_in_log_x(D, s, 2), u_s)
        m4 = 2.0 * _half_line(_x_density_in_log_x(D, s, 4), u_s)
        worst = max(worst, rel_error(m2, s * s), rel_error(m4 / m2**2, 3.0**D))
    return worst


@claim(
    "C45",
    "Mass near zero grows with depth",
    "P(|w| < ε) = π^{−D/2} G^{D,1}_{1,D+1}(ε²/(2^D σ_w²) | 1; ½,…,½, 0) and, for ε ≪ σ_w, it "
    "increases with D: deeper VarMatch products start nearer the origin.",
    "ε/σ_w ∈ {1e-4, 1e-2, 0.1}, D = 1..7: small_mass (Mellin–Barnes) against mpmath.meijerg of the G "
    "above and against 2∫_0^ε p by quad (as in C40); max relative error (infinite if not increasing in D).",
    1e-9,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c45():
    import mpmath

    worst, rows = 0.0, []
    for r in (1e-4, 1e-2, 0.1):
        masses = []
        for D in range(1, 8):
            m = float(init.small_mass(r, D, 1.0))
            y = mpmath.mpf(r) ** 2 / mpmath.mpf(2) ** D
            ref = float(mpmath.meijerg([[1], []], [[0.5] * D, [0]], y) / mpmath.pi ** (D / 2))
            u_s, m_s = _split_point(D, 1.0)
            by_quad = m_s + 2.0 * _half_line(_x_density_in_log_x(D, 1.0), u_s, math.log(r))
            worst = max(worst, rel_error(m, ref), rel_error(m, by_quad))
            masses.append(m)
        if not np.all(np.diff(masses) > 0):
            return math.inf, f"not increasing in D at eps={r}: {masses}"
        rows.append(f"eps={r:g}: " + ", ".join(f"{m:.3g}" for m in masses))
    return worst, "P(|w|<eps), D=1..7 — " + "; ".join(rows)


@claim(
    "C46",
    "Truncated VarMatch bounds every weight",
    "'varmatch-truncated' gives ε < |w| < 2σ_w for every collapsed weight (and ε^{1/D} < |ω| < "
    "min(1, (2σ_w)^{1/D}) for every factor).",
    "D = 1..6, σ_w ∈ {0.01, 0.3, 5}, ε ∈ {1e-6, min(σ_w/2, ½)}: 20,000 weights each; error = fraction of "
    "weights or factors outside the bounds.",
    0.0,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c46():
    rng = np.random.default_rng(46)
    bad = total = 0
    for D in range(1, 7):
        for s in (0.01, 0.3, 5.0):
            for eps in (1e-6, min(s / 2, 0.5)):
                f = init.init_factors(20_000, D, "varmatch-truncated", s, rng=rng, eps=eps)
                w = np.abs(np.prod(f, axis=0))
                hi = min(1.0, (2 * s) ** (1 / D))
                bad += int(np.sum(~((w > eps) & (w < 2 * s)))) + int(np.sum(~((np.abs(f) > eps ** (1 / D))
                                                                               & (np.abs(f) < hi))))
                total += w.size
    return bad / total


@claim(
    "C47",
    "Standard init shrinks the signal to σ_w^D",
    "Standard initialization (every factor N(0, σ_w²)) gives Var(w) = σ_w^{2D}; VarMatch gives σ_w².",
    "D = 1..6, σ_w = 0.5, 400,000 draws: sample variance against the closed form; error = largest "
    "deviation in standard errors √((3^D − 1)/n)·Var.",
    5.0,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c47():
    rng = np.random.default_rng(47)
    n, s, worst = 400_000, 0.5, 0.0
    for D in range(1, 7):
        se = math.sqrt((3.0**D - 1.0) / n)
        for scheme, var in (("standard", s ** (2 * D)), ("varmatch", s * s)):
            est = float(np.mean(np.prod(init.init_factors(n, D, scheme, s, rng=rng), axis=0) ** 2))
            worst = max(worst, abs(est / var - 1.0) / se)
    return worst
