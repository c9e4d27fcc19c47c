"""One drawing function per kind of result: a result object and an optional Axes in, the Axes out.

Nothing here computes; :mod:`dwf_theory.figures` composes these into the gallery. Matplotlib
is imported here and in :mod:`dwf_theory.figures` only, and neither chooses the backend.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch

from . import _validate as v

__all__ = ["PHASE_COLORS", "phase_diagram", "sparsity_phase", "history"]

#: Colour of every label name of :data:`dwf_theory.phase.INIT_LR_NAMES` and :data:`~dwf_theory.phase.THRESHOLD_NAMES`.
PHASE_COLORS = {
    "diverged": "#d62728",
    "zero": "#7f7f7f",
    "nonzero": "#2ca02c",
    "not converged": "#f2d16b",
    "zero only": "#bdbdbd",
    "zero global, nonzero local": "#9ecae1",
    "nonzero global": "#31a354",
}


def _axes(ax, figsize, name: str = "ax"):
    """``ax`` if it is a matplotlib Axes, new axes when ``None``; ``TypeError`` naming ``name`` otherwise."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    elif not isinstance(ax, Axes):
        raise TypeError(f"{name} must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def _result(obj, cls, name: str):
    """``obj`` if it is an instance of ``cls`` (a result type of the library), else ``TypeError`` naming ``name``."""
    if not isinstance(obj, cls):
        raise TypeError(f"{name} must be a {cls.__module__}.{cls.__name__}, got {type(obj).__name__}")
    return obj


def phase_diagram(pd, ax=None, *, legend: bool = True):
    """The labels of a :class:`~dwf_theory.phase.PhaseDiagram` as a categorical image on its (x, y) grid.

    Parameters
    ----------
    pd : PhaseDiagram
    ax : matplotlib Axes, optional
        New axes when ``None``.
    legend : bool
        Add a legend of the label names (lower left).

    Returns
    -------
    matplotlib Axes
    """
    from .phase import PhaseDiagram

    _result(pd, PhaseDiagram, "pd")
    unknown = [n for n in pd.names if n not in PHASE_COLORS]
    if unknown:
        raise ValueError(f"pd.names must be label names of PHASE_COLORS, got unknown {unknown}")
    legend = v.flag(legend, "legend")
    ax = _axes(ax, (5.0, 4.2))
    colors = [PHASE_COLORS[n] for n in pd.names]
    norm = BoundaryNorm(np.arange(len(colors) + 1) - 0.5, len(colors))
    ax.pcolormesh(pd.x, pd.y, pd.labels, cmap=ListedColormap(colors), norm=norm, shading="nearest", rasterized=True)
    if legend:
        handles = [Patch(color=c, label=n) for n, c in zip(pd.names, colors, strict=True)]
        ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.85)
    ax.grid(False)
    return ax


def sparsity_phase(sp, ax=None, *, colorbar: bool = True):
    """The fraction of exact zeros of a :class:`~dwf_theory.phase.SparsityPhase` over (λ, D), as a heat map.

    Rows are the depths (equally spaced, labelled), columns the λ grid (log axis).

    Returns
    -------
    matplotlib Axes
    """
    from .phase import SparsityPhase

    _result(sp, SparsityPhase, "sp")
    colorbar = v.flag(colorbar, "colorbar")
    ax = _axes(ax, (5.5, 4.2))
    rows = np.arange(len(sp.depths))
    mesh = ax.pcolormesh(
        sp.lams, rows, sp.zero_fraction, shading="nearest", cmap="viridis", vmin=0, vmax=1, rasterized=True
    )
    ax.set(xscale="log", yticks=rows, yticklabels=[str(d) for d in sp.depths], xlabel="λ", ylabel="D")
    ax.grid(False)
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, label="fraction of exact zeros")
    return ax


def history(hist, axes=None):
    """Loss, accuracy and sparsity against epoch of a trainer :class:`~dwf_theory.trainer.History`.

    Parameters
    ----------
    hist : History
    axes : sequence of three matplotlib Axes, optional
        New axes (one row) when ``None``.

    Returns
    -------
    the three Axes; the sparsity panel carries a twin axis with the compression ratio.
    """
    from .trainer.train import History

    _result(hist, History, "hist")
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(10.5, 3.3))
    elif not (hasattr(axes, "__len__") and len(axes) == 3 and all(isinstance(a, Axes) for a in axes)):
        raise TypeError(f"axes must be a sequence of three matplotlib Axes or None, got {axes!r:.80}")
    ep = hist.column("epoch")
    axes[0].plot(ep, hist.column("train_loss"), label="train loss")
    axes[0].plot(ep, hist.column("test_loss"), label="test loss")
    axes[0].plot(ep, hist.column("train_objective"), label="train objective (with penalty)", ls=":")
    axes[0].set(yscale="log", xlabel="epoch", title="loss")
    axes[1].plot(ep, hist.column("train_accuracy"), label="train")
    axes[1].plot(ep, hist.column("test_accuracy"), label="test")
    axes[1].plot(ep, hist.column("pruned_test_accuracy"), label=f"test, |w| ≤ {hist.zero_tol:g} zeroed", ls="--")
    axes[1].set(xlabel="epoch", ylim=(0, 1.02), title="accuracy" if hist.metric == "accuracy" else "R²")
    axes[2].plot(ep, hist.column("sparsity"), color="C3", label="sparsity")
    axes[2].set(xlabel="epoch", ylim=(0, 1.02), title=f"sparsity, |w| ≤ {hist.zero_tol:g} counts as zero")
    twin = axes[2].twinx()
    twin.plot(ep, hist.column("compression_ratio"), color="C4", ls="--", label="compression ratio")
    twin.set(yscale="log", ylabel="compression ratio")
    twin.grid(False)
    for ax in axes[:2]:
        ax.legend(frameon=False, fontsize=7)
    axes[2].legend(handles=axes[2].lines + twin.lines, frameon=False, fontsize=7, loc="center right")
    return axes
