"""Figures of the phase diagrams: (α, η) for gradient descent, (z, λ) for the scalar problem, (D, λ) sparsity."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import _validate as v
from .. import phase
from .. import plot as draw
from ..datasets import sparse_regression
from ..losses import Scalar

__all__ = ["init_lr_phase", "threshold_phase", "sparsity_phase"]

#: Heavy-ball momentum whose stability edge init_lr_phase draws next to plain gradient descent's.
HEAVY_BALL = 0.9


def init_lr_phase(*, quick: bool = False):
    """Where GD from the balanced start ω_d = α ends, over (α, η), for D = 2, 3, 4 (scalar z = 1, λ = 0.1).

    Overlays: 2/λ_max at the nonzero minimum (dashed), the balanced map's edge 2/h (dotted),
    the origin's basin edge (black) and, for D ≥ 3, the saddle α_s (gradient-flow limit); in red
    the edge 2(1 + μ)/λ_max of gradient descent with heavy-ball momentum μ = ``HEAVY_BALL``
    (the labels are those of plain gradient descent).
    """
    quick = v.flag(quick, "quick")
    n, steps = (48, 600) if quick else (256, 2000)
    alphas, lrs = np.logspace(-2, 0.5, n), np.logspace(-2, 1, n)
    fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.3), sharey=True)
    for ax, D in zip(axes, (2, 3, 4), strict=True):
        pd = phase.init_lr_phase(Scalar(1.0), 0.1, D, alphas, lrs, steps)
        draw.phase_diagram(pd, ax, legend=D == 2, heavy_ball=HEAVY_BALL)
        ax.set_title(f"D = {D}")
        if D == 3:  # the label colours are in the legend of the first panel
            ax.legend(loc="upper right", fontsize=7, framealpha=0.85)
    for ax in axes[1:]:
        ax.set_ylabel("")  # the panels share η
    fig.suptitle(f"Gradient descent on ½(ω_1⋯ω_D − 1)² + (0.1/D)Σω_d², {steps} steps", y=1.02)
    return fig


def threshold_phase(*, quick: bool = False):
    """Regions of ½(w−z)² + λ|w|^{2/D} in (z, λ) for D = 2, 3, 5, with τ(λ) and z_exist(λ)."""
    quick = v.flag(quick, "quick")
    lams = np.linspace(0.0, 1.0, 80 if quick else 400)
    zs = np.linspace(-3.0, 3.0, 120 if quick else 600)
    fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.2), sharey=True)
    for ax, D in zip(axes, (2, 3, 5), strict=True):
        pd = phase.threshold_phase(zs, lams, D)
        draw.phase_diagram(pd, ax, legend=D == 5)
        ax.set_title(f"D = {D}")
        if D == 3:
            ax.legend(loc="upper center", fontsize=7, framealpha=0.85)
    for ax in axes[1:]:
        ax.set_ylabel("")  # the panels share λ
    fig.suptitle(r"Minima of $\frac{1}{2}(w-z)^2 + \lambda|w|^{2/D}$", y=1.02)
    return fig


def sparsity_phase(*, quick: bool = False):
    """Fraction of exact zeros of the L_{2/D} fit on a sparse regression, over (D, λ)."""
    quick = v.flag(quick, "quick")
    n, p, k = (40, 20, 4) if quick else (100, 60, 8)
    loss, _ = sparse_regression(n, p, k, rng=11)
    depths = [1, 2, 3, 4, 6] if quick else [1, 2, 3, 4, 5, 6, 8, 10]
    lams = np.logspace(-3, 0, 6 if quick else 16)
    sp = phase.sparsity_phase(loss, lams, depths)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11.0, 4.2))
    draw.sparsity_phase(sp, ax)
    ax.set_title(f"exact zeros of ŵ (n={n}, p={p}, {k} true nonzeros)")
    draw.sparsity_curves(sp, ax2, truth=1 - k / p)
    ax2.set_title("deeper factorizations zero out more at small λ")
    return fig
