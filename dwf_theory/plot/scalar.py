"""Curves of the scalar problem: the thresholding operator, the collapsed penalties, induced-penalty gaps."""

from __future__ import annotations

import math

import numpy as np

from .. import _validate as v
from . import _common as c

__all__ = ["prox_curves", "penalties", "penalty_gaps"]


def _prox_label(D) -> str:
    if D == 1:
        return "D=1 (ridge)"
    if D == 2:
        return "D=2 (soft)"
    return "D=∞ (hard)" if math.isinf(D) else f"D={D}"


def prox_curves(z, lam, depths, ax=None, *, identity: bool = True, legend: bool = True):
    """``prox(z; λ, D) = argmin_w ½(w − z)² + λ|w|^{2/D}`` against ``z``, one curve per depth.

    Ridge ``z/(1 + 2λ)`` at D = 1, soft thresholding at D = 2, the L_{2/D} thresholding with a
    jump at ``|z| = τ(λ)`` for D ≥ 3 (Xu et al. 2012 for q = ½, Cao et al. 2013) and hard
    thresholding at D = ∞ (:func:`dwf_theory.prox.prox`). For D ≥ 3 and D = ∞ the curve is
    broken at each jump: the first grid point past a switch between zero and nonzero is not
    drawn, so that no vertical segment joins the two branches.

    Parameters
    ----------
    z : 1-D array_like
        Strictly increasing grid of finite numbers.
    lam : float >= 0
    depths : sequence of int >= 1 or inf
    ax : matplotlib Axes, optional
        New axes when ``None``.
    identity : bool
        Draw the identity ``w = z`` (dotted).
    legend : bool

    Returns
    -------
    matplotlib Axes
    """
    from ..prox import prox

    z = c.increasing(z, "z")
    lam = v.regularization(lam)
    depths = c.depths(depths, allow_inf=True)
    identity, legend = v.flag(identity, "identity"), v.flag(legend, "legend")
    ax = c.axes(ax, (5.2, 4.0))
    for D in depths:
        p = prox(z, lam, D)
        if D > 2:  # break the jump between the zero and the nonzero branch
            switch = np.concatenate([[False], (p[1:] == 0) != (p[:-1] == 0)])
            p = np.where(switch, np.nan, p)
        ax.plot(z, p, label=_prox_label(D), lw=1.6)
    if identity:
        ax.plot(z, z, color="0.6", lw=0.8, ls=":", label="identity")
    ax.set(xlabel="z", ylabel=f"prox(z; λ={lam:g}, D)")
    if legend:
        ax.legend(frameon=False)
    return ax


def penalties(w, depths, ax=None, *, l0: bool = True, legend: bool = True):
    """The collapsed penalty ``|w|^{2/D}`` of a depth-D factorization (per unit λ), one curve per depth.

    ``(λ/D) Σ_d ω_d²`` over the factorizations of ``w`` is at least ``λ|w|^{2/D}`` (AM–GM), with
    equality at balanced factors (Kolb et al., ICLR 2025, Section 3); as ``D → ∞`` the penalty
    tends to the L0 indicator ``[w ≠ 0]``.

    Parameters
    ----------
    w : 1-D array_like
        Strictly increasing grid of finite numbers.
    depths : sequence of int >= 1
    ax : matplotlib Axes, optional
    l0 : bool
        Draw the L0 limit ``[w ≠ 0]`` (dashed).
    legend : bool

    Returns
    -------
    matplotlib Axes
    """
    w = c.increasing(w, "w")
    depths = c.depths(depths)
    l0, legend = v.flag(l0, "l0"), v.flag(legend, "legend")
    ax = c.axes(ax, (5.2, 4.0))
    for D in depths:
        ax.plot(w, np.abs(w) ** (2.0 / D), label=rf"D={D}: $|w|^{{2/{D}}}$", lw=1.4)
    if l0:
        ax.plot(w, (w != 0).astype(float), color="k", lw=1.0, ls="--", label="L0 (D→∞)")
    ax.set(xlabel="w", ylabel="penalty")
    if legend:
        ax.legend(frameon=False, fontsize=7)
    return ax


def _gap_arrays(result) -> tuple[np.ndarray, np.ndarray]:
    """``(‖w‖, gap)`` of an induced-penalty comparison (``.w``/``.gap`` or ``.ws``/``.gaps``), validated."""
    for w_name, gap_name in (("w", "gap"), ("ws", "gaps")):
        if hasattr(result, w_name) and hasattr(result, gap_name):
            break
    else:
        raise TypeError(
            "result must be an induced-penalty comparison with array attributes .w and .gap "
            f"(or .ws and .gaps), got {type(result).__name__}"
        )
    w = v.finite_array(getattr(result, w_name), f"result.{w_name}", min_ndim=1)
    gap = v.finite_array(getattr(result, gap_name), f"result.{gap_name}", ndim=1)
    if gap.size == 0 or w.shape[0] != gap.size:
        raise ValueError(
            f"result.{w_name} and result.{gap_name} must hold the same non-zero number of samples, "
            f"got {w.shape[0]} and {gap.size}"
        )
    size = np.sqrt(np.sum(w.reshape(gap.size, -1) ** 2, axis=1))
    return size, gap


def penalty_gaps(result, ax=None, *, tol=None, legend: bool = True):
    """Gaps between a conjectured closed-form penalty and the numerical induced penalty, against ``‖w‖``.

    The induced penalty of a parametrization ``w = P(ω)`` under a factor penalty ``R`` is
    ``R*(w) = inf {R(ω) : P(ω) = w}``; a conjecture ``C`` is checked at sample points ``w`` by
    the gap ``C(w) − R*(w)`` (or that gap relative to ``R*(w)``). Drawn: ``|gap|`` on a log axis
    against ``‖w‖₂`` (``|w|`` for a scalar), circles where the conjecture lies above the infimum
    found, triangles where it lies below, exact zeros at the bottom edge, the largest ``|gap|``
    ringed.

    Parameters
    ----------
    result : object with array attributes ``w`` and ``gap`` (or ``ws`` and ``gaps``)
        Duck-typed: ``w`` of shape ``(n,)`` (scalar weights) or ``(n, *shape)`` (one weight
        vector or array per sample), ``gap`` of shape ``(n,)``, both finite; ``gap[i]`` compares
        the conjecture with the numerical induced penalty at ``w[i]`` (their difference, or as in
        :class:`dwf_theory.parametrizations.PenaltyComparison` the difference relative to the
        induced penalty), positive where the conjecture is larger.
    ax : matplotlib Axes, optional
    tol : float > 0, optional
        Draw the tolerance ``|gap| = tol`` (dotted).
    legend : bool

    Returns
    -------
    matplotlib Axes
    """
    size, gap = _gap_arrays(result)
    tol = None if tol is None else v.positive(tol, "tol")
    legend = v.flag(legend, "legend")
    ax = c.axes(ax, (5.2, 4.0))
    mag = np.abs(gap)
    positive = mag[mag > 0]
    floor = (positive.min() if positive.size else (tol or 1.0)) / 10
    shown = np.maximum(mag, floor)
    above, below, zero = gap > 0, gap < 0, gap == 0
    if above.any():
        ax.plot(size[above], shown[above], "o", ms=4, color="C0", label="conjecture above the infimum")
    if below.any():
        ax.plot(size[below], shown[below], "v", ms=4, color="C3", label="conjecture below the infimum")
    if zero.any():
        ax.plot(size[zero], shown[zero], "s", ms=3, color="0.5", label="gap 0 (drawn at the bottom)")
    worst = int(np.argmax(mag))
    ax.plot(size[worst], shown[worst], "o", ms=11, mfc="none", mec="k", label=f"largest |gap| = {mag[worst]:.3g}")
    if tol is not None:
        ax.axhline(tol, color="k", ls=":", lw=1.0, label=f"tolerance {tol:g}")
    ax.set(yscale="log", xlabel="‖w‖₂", ylabel="|gap| between conjectured and induced penalty")
    if legend:
        ax.legend(frameon=False, fontsize=7)
    return ax
