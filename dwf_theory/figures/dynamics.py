"""Figures of the training dynamics: factor-plane flows, escape from small starts, the stability edge."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import _validate as v
from .. import dynamics
from .. import plot as draw
from ..landscape import max_stable_lr
from ..losses import Scalar
from ..penalty import balanced_factors
from ..prox import prox

__all__ = ["hyperbolas", "depth", "escape_time", "stability_edge"]


def hyperbolas(*, quick: bool = False):
    """D = 2 factor-plane gradient flows of ``½(ω₁ω₂ − 1)² + (λ/2)(ω₁² + ω₂²)``.

    The imbalance ``ω₁² − ω₂²`` obeys ``dδ/dt = −(4λ/D)δ`` (derived here): the flows run on the
    conserved hyperbolas at λ = 0 and collapse onto the balanced diagonals under λ > 0.
    """
    quick = v.flag(quick, "quick")
    z = 1.0
    angles = np.linspace(0.05, 2 * np.pi - 0.05, 10 if quick else 16)
    starts = np.stack([1.6 * np.cos(angles), 1.6 * np.sin(angles)])  # (2, n) factors
    t = np.linspace(0, 6, 60 if quick else 400)
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 4.3), sharey=True)
    for ax, lam in zip(axes, (0.0, 0.4), strict=True):
        tr = dynamics.factor_flow(Scalar(np.full(angles.size, z)), starts, lam, t)
        draw.factor_plane(tr, ax, z=z, lim=2.2)
        title = "λ = 0: ω₁² − ω₂² conserved" if lam == 0 else f"λ = {lam}: imbalance decays as e^(−2λt)"
        ax.set_title(title)
    axes[1].set_ylabel("")  # the panels share ω₂
    fig.suptitle("Gradient flow of ½(ω₁ω₂ − 1)² + (λ/2)(ω₁² + ω₂²); dashed: ω₁ω₂ = 1, dotted: balanced", fontsize=9)
    return fig


def depth(*, quick: bool = False):
    """``w(t)`` of the balanced flow ``dw/dt = D|w|^{2−2/D}(z − w)`` for D = 1..6 from w0 = 0.001 to z = 1 (λ = 0).

    The collapsed flow of balanced factors (derived here): depth delays the escape from a small start.
    """
    quick = v.flag(quick, "quick")
    t = np.concatenate([[0.0], np.geomspace(1e-2, 1e3, 80 if quick else 600)])
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    for D in range(1, 7):
        tr = dynamics.collapsed_flow(Scalar(np.ones(1)), np.array([1e-3]), 0.0, D, t)
        draw.trajectory(tr, ax, log_time=True, lw=1.5)
    title = r"Balanced flow $dw/dt = D|w|^{2-2/D}(1 - w)$, $w(0) = 0.001$"
    ax.set(ylim=(0, 1.05), title=title)
    ax.legend(frameon=False)
    return fig


def escape_time(*, quick: bool = False):
    """Time to reach z/2 from a balanced start w0 (λ = 0), log–log, with the fitted exponents (claim C25).

    ``T ~ log(1/w0)`` for D = 2 and ``T ~ w0^{−(1−2/D)}`` for D ≥ 3 (derived here from the balanced flow).
    """
    quick = v.flag(quick, "quick")
    w0 = 10.0 ** -np.arange(2.0, 6.0 if quick else 13.0, 1.0 if quick else 0.5)
    times = {D: dynamics.escape_times(1.0, w0, 0.0, D) for D in range(2, 7)}
    exponents = {D: dynamics.escape_exponent(w0, T, D) for D, T in times.items()}
    fig, ax = plt.subplots(figsize=(5.6, 4.2))
    draw.escape_times(w0, times, ax, exponents=exponents)
    ax.set_ylabel("time to reach 1/2")
    ax.set_title(r"Escape from a small balanced start: $\log(1/w_0)$ for D=2, $w_0^{-(1-2/D)}$ for D≥3")
    return fig


def stability_edge(*, quick: bool = False):
    """Gradient descent near a balanced minimum just below and above ``η = 2/λ_max`` (D = 3; claim C27).

    Below the edge the iterates converge; above it they oscillate with period 2 and leave (the
    classical stability condition of gradient descent at a minimum).
    """
    quick = v.flag(quick, "quick")
    z, lam, D = 2.0, 0.3, 3
    w = float(prox(z, lam, D))
    edge = max_stable_lr(w, lam, D)
    fr = np.array([0.9, 0.99, 1.01, 1.1])
    f0 = balanced_factors(np.full(fr.size, w), D) * (1 + 1e-3 * np.array([[1.0], [-0.5], [0.3]]))
    steps = 300 if quick else 1500
    tr = dynamics.gradient_descent(Scalar(np.full(fr.size, z)), f0, lam, edge * fr, steps)
    labels = [f"η = {f:g}·2/λ_max" for f in fr]
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.8))
    draw.trajectory(tr, axes[0], reference=w, distance=True, labels=labels, lw=1.0)
    draw.trajectory(tr, axes[1], reference=w, last=60, labels=labels, marker=".", ls="-", ms=3, lw=0.6)
    axes[0].set(ylim=(1e-17, 1e1), title=f"D={D}, λ={lam}, z={z}: distance to w*")
    axes[1].set_title("last 60 steps: convergence vs period-2 oscillation")
    axes[0].legend(frameon=False, fontsize=7)
    return fig
