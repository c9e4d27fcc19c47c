"""Figures of the initialization: the law of the VarMatch product and its mass near zero."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import _validate as v
from .. import plot as draw
from ..initialization import init_factors, product_density, small_mass

__all__ = ["product_densities", "mass_near_zero"]


def product_densities(*, quick: bool = False):
    """Exact density of the VarMatch product ``w = ω_1⋯ω_D`` (σ_w = 1) for D = 1..5, log scale, with Monte Carlo.

    ``p(x) = (2π)^{−D/2} s^{−D} G^{D,0}_{0,D}(x²/(2^D s^{2D}) | 0,…,0)``, ``s = σ_w^{1/D}`` (Springer &
    Thompson 1970); kurtosis ``3^D``.
    """
    quick = v.flag(quick, "quick")
    rng = np.random.default_rng(5)
    n_mc = 20_000 if quick else 400_000
    x = np.linspace(0.01, 8.0, 120 if quick else 600)
    bins = np.linspace(-8, 8, 81 if quick else 161)
    depths = range(1, 6)
    densities = {D: product_density(x, D, 1.0) for D in depths}
    samples = {D: np.prod(init_factors(n_mc, D, "varmatch", 1.0, rng=rng), axis=0) for D in depths}
    fig, ax = plt.subplots(figsize=(6.2, 4.4))
    labels = {D: f"D={D} (kurtosis {3**D})" for D in depths}
    draw.product_densities(x, densities, ax, samples=samples, bins=bins, labels=labels)
    ax.set(ylim=(1e-6, 20), xlim=(-8, 8))
    ax.set_title("VarMatch products (Var w = 1): exact Meijer-G density, dots: Monte Carlo")
    return fig


def mass_near_zero(*, quick: bool = False):
    """``P(|w| < ε)`` of VarMatch products against D (exact, with Monte Carlo), for several ε/σ_w (claim C45)."""
    quick = v.flag(quick, "quick")
    depths = np.arange(1, 11 if quick else 13)
    rng = np.random.default_rng(9)
    n_mc = 20_000 if quick else 200_000
    mc = {D: np.abs(np.prod(init_factors(n_mc, int(D), "varmatch", 1.0, rng=rng), axis=0)) for D in depths}
    levels = (1e-3, 1e-2, 0.1, 0.5)
    exact = {eps: [float(small_mass(eps, int(D), 1.0)) for D in depths] for eps in levels}
    monte_carlo = {eps: [np.mean(mc[D] < eps) for D in depths] for eps in levels}
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    draw.mass_near_zero(depths, exact, ax, monte_carlo=monte_carlo)
    ax.set_title("VarMatch: more weights start near 0 as D grows\n(lines: exact, ×: Monte Carlo)")
    return fig
