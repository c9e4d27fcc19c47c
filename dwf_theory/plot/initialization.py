"""The initialization: densities of products of factors and their mass near zero."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import _validate as v
from . import _common as c

__all__ = ["product_densities", "mass_near_zero"]


def _labels(labels, keys) -> dict:
    if labels is None:
        return {}
    if not isinstance(labels, Mapping):
        raise TypeError(f"labels must be a mapping of keys to strings or None, got {type(labels).__name__}")
    return {k: str(labels[k]) for k in keys if k in labels}


def product_densities(x, densities, ax=None, *, samples=None, bins=None, labels=None, legend: bool = True):
    """Densities of a weight ``w = ω_1⋯ω_D`` per depth, on a log axis, with Monte Carlo histograms as dots.

    The density of a product of symmetric factors is even, so it is given on ``x > 0`` and drawn
    on ``±x`` (for Gaussian factors it is a Meijer G-function, Springer & Thompson 1970:
    :func:`dwf_theory.initialization.product_density`).

    Parameters
    ----------
    x : 1-D array_like
        Strictly increasing grid of numbers > 0.
    densities : mapping of depth D to 1-D array_like
        ``densities[D][i]``: the density at ``x[i]`` (finite, >= 0).
    ax : matplotlib Axes, optional
    samples : mapping of depth D to 1-D array_like, optional
        Draws of ``w`` (finite); their density histogram on ``bins`` is drawn as dots in the
        colour of the curve (empty bins are left out).
    bins : 1-D array_like, optional
        Strictly increasing bin edges; default 81 edges on ``[−max x, max x]``.
    labels : mapping of depth D to str, optional
        Legend entries; default ``'D=<D>'``.
    legend : bool

    Returns
    -------
    matplotlib Axes
    """
    x = c.increasing(x, "x", positive=True)
    densities = c.mapping(densities, "densities", "depths to densities")
    curves = {}
    for D, p in densities.items():
        D = v.depth(D, "densities keys")
        p = c.curve(p, f"densities[{D}]", x.size, "x")
        if np.any(p < 0):
            raise ValueError(f"densities[{D}] must hold numbers >= 0")
        curves[D] = p
    draws = {}
    if samples is not None:
        for D, w in c.mapping(samples, "samples", "depths to draws").items():
            draws[v.depth(D, "samples keys")] = c.curve(w, f"samples[{D}]")
    bins = np.linspace(-x[-1], x[-1], 81) if bins is None else c.increasing(bins, "bins")
    if bins.size < 2:
        raise ValueError("bins must hold at least two edges")
    names = _labels(labels, curves)
    legend = v.flag(legend, "legend")
    ax = c.axes(ax, (6.2, 4.4))
    centers = 0.5 * (bins[1:] + bins[:-1])
    for D, p in curves.items():
        (line,) = ax.plot(
            np.concatenate([-x[::-1], x]), np.concatenate([p[::-1], p]), lw=1.5, label=names.get(D, f"D={D}")
        )
        if D in draws:
            hist, _ = np.histogram(draws[D], bins=bins, density=True)
            ok = hist > 0
            ax.plot(centers[ok], hist[ok], ".", ms=2.5, color=line.get_color(), alpha=0.7)
    ax.set(yscale="log", xlabel="w = ω_1⋯ω_D", ylabel="density")
    if legend:
        ax.legend(frameon=False, fontsize=8)
    return ax


def mass_near_zero(depths, exact, ax=None, *, monte_carlo=None, legend: bool = True):
    """``P(|w| < ε)`` of the product ``w = ω_1⋯ω_D`` against the depth, one line per ``ε``, log axis.

    Parameters
    ----------
    depths : sequence of int >= 1
    exact : mapping of ε to 1-D array_like
        ``exact[eps][i]``: the probability at ``depths[i]`` (e.g.
        :func:`dwf_theory.initialization.small_mass`); ``ε`` in units of ``σ_w`` (the legend
        says so), each probability in ``[0, 1]``.
    ax : matplotlib Axes, optional
    monte_carlo : mapping of ε to 1-D array_like, optional
        Monte Carlo estimates of the same probabilities, drawn as crosses in the line's colour.
    legend : bool

    Returns
    -------
    matplotlib Axes
    """
    depths = c.depths(depths)
    n = len(depths)

    def probabilities(table, name):
        out = {}
        for eps, p in c.mapping(table, name, "ε to probabilities").items():
            eps = v.positive(eps, f"{name} keys")
            p = c.curve(p, f"{name}[{eps:g}]", n, "depths")
            if np.any((p < 0) | (p > 1)):
                raise ValueError(f"{name}[{eps:g}] must hold probabilities in [0, 1]")
            out[eps] = p
        return out

    exact = probabilities(exact, "exact")
    mc = {} if monte_carlo is None else probabilities(monte_carlo, "monte_carlo")
    legend = v.flag(legend, "legend")
    ax = c.axes(ax, (5.6, 4.2))
    for eps, p in exact.items():
        (line,) = ax.plot(depths, p, marker="o", ms=3, label=f"ε = {eps:g} σ_w")
        if eps in mc:
            ax.plot(depths, mc[eps], "x", color=line.get_color(), ms=5)
    ax.set(yscale="log", xlabel="depth D", ylabel="P(|w| < ε)")
    if legend:
        ax.legend(frameon=False, fontsize=8)
    return ax
