"""Figures of the scalar problem: the thresholding operator and the collapsed penalties."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import _validate as v
from ..prox import prox

__all__ = ["prox_curves", "penalty_shapes"]


def prox_curves(*, quick: bool = False):
    """``prox(z; λ, D) = argmin_w ½(w − z)² + λ|w|^{2/D}`` for D = 1, 2, 3, 4, ∞ at λ = 1.

    Ridge ``z/(1 + 2λ)`` (D = 1), soft thresholding (D = 2), the L_q thresholding with a jump
    (D ≥ 3; Xu et al. 2012 for q = ½, Cao et al. 2013) and hard thresholding in the limit.
    """
    quick = v.flag(quick, "quick")
    lam = 1.0
    z = np.linspace(-4, 4, 401 if quick else 4001)
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    for D, label in ((1, "D=1 (ridge)"), (2, "D=2 (soft)"), (3, "D=3"), (4, "D=4"), (np.inf, "D=∞ (hard)")):
        p = prox(z, lam, float(D) if np.isinf(D) else D)
        p = np.where(np.abs(np.diff(p, prepend=p[0])) > 0.5, np.nan, p)  # break the jump
        ax.plot(z, p, label=label, lw=1.6)
    ax.plot(z, z, color="0.6", lw=0.8, ls=":", label="identity")
    ax.set(xlabel="z", ylabel="prox(z; λ=1, D)", title=r"Thresholding operator of $\lambda|w|^{2/D}$")
    ax.legend(frameon=False)
    return fig


def penalty_shapes(*, quick: bool = False):
    """The collapsed penalty ``|w|^{2/D}`` for D = 1..6 and its L0 limit as D → ∞ (Kolb et al., ICLR 2025)."""
    quick = v.flag(quick, "quick")
    w = np.linspace(-2, 2, 401 if quick else 2001)
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    for D in range(1, 7):
        ax.plot(w, np.abs(w) ** (2.0 / D), label=rf"D={D}: $|w|^{{2/{D}}}$", lw=1.4)
    ax.plot(w, (w != 0).astype(float), color="k", lw=1.0, ls="--", label="L0 (D→∞)")
    ax.set(xlabel="w", ylabel="penalty", ylim=(0, 2.2), title="Collapsed penalty of a depth-D factorization")
    ax.legend(frameon=False, fontsize=7)
    return fig
