"""Figures of the scalar problem: the thresholding operator and the collapsed penalties."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import _validate as v
from .. import plot as draw

__all__ = ["prox_curves", "penalty_shapes"]


def prox_curves(*, quick: bool = False):
    """``prox(z; λ, D) = argmin_w ½(w − z)² + λ|w|^{2/D}`` for D = 1, 2, 3, 4, ∞ at λ = 1.

    Ridge ``z/(1 + 2λ)`` (D = 1), soft thresholding (D = 2), the L_q thresholding with a jump
    (D ≥ 3; Xu et al. 2012 for q = ½, Cao et al. 2013) and hard thresholding in the limit.
    """
    quick = v.flag(quick, "quick")
    z = np.linspace(-4, 4, 401 if quick else 4001)
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    draw.prox_curves(z, 1.0, [1, 2, 3, 4, np.inf], ax)
    ax.set_title(r"Thresholding operator of $\lambda|w|^{2/D}$")
    return fig


def penalty_shapes(*, quick: bool = False):
    """The collapsed penalty ``|w|^{2/D}`` for D = 1..6 and its L0 limit as D → ∞ (Kolb et al., ICLR 2025)."""
    quick = v.flag(quick, "quick")
    w = np.linspace(-2, 2, 401 if quick else 2001)
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    draw.penalties(w, range(1, 7), ax)
    ax.set(ylim=(0, 2.2), title="Collapsed penalty of a depth-D factorization")
    return fig
