"""Phase diagrams: labelled (x, y) grids with their overlay curves, and the (λ, D) sparsity of L_{2/D} fits."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.patches import Patch

from .. import _validate as v
from . import _common as c

__all__ = ["PHASE_COLORS", "phase_diagram", "sparsity_phase", "sparsity_curves"]

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

#: Axis labels of the grid names of :class:`~dwf_theory.phase.PhaseDiagram`; other names label themselves.
_GRID_LABELS = {"alpha": "α (balanced start ω_d = α)", "lr": "learning rate η", "z": "z", "lam": "λ"}


def _geometric(grid: np.ndarray) -> bool:
    """A grid of at least 3 positive points with a constant ratio (a log axis shows it evenly)."""
    if grid.size < 3 or np.any(grid <= 0):
        return False
    steps = np.diff(np.log(grid))
    return bool(np.allclose(steps, steps[0], rtol=1e-6, atol=0.0))


def _init_lr_overlays(ax, pd, heavy_ball) -> None:
    """The overlays of :func:`dwf_theory.phase.init_lr_phase`: stability edges, the basin edge, the saddle."""
    ov = pd.overlays
    edge, balanced = ov.get("max_stable_lr"), ov.get("balanced_stable_lr")
    if edge is not None:
        ax.axhline(edge, color="k", ls="--", lw=1.0, label="2/λ_max at w*")
        if heavy_ball is not None:  # the same minimum's edge for heavy-ball momentum μ (claims C31, C32)
            plain = edge / (1.0 + pd.params.get("momentum", 0.0))
            ax.axhline(
                (1 + heavy_ball) * plain,
                color="tab:red",
                ls="--",
                lw=1.0,
                label=f"2(1+μ)/λ_max, momentum μ = {heavy_ball:g}",
            )
    if balanced is not None and (edge is None or balanced > edge * (1 + 1e-9)):
        ax.axhline(balanced, color="k", ls=":", lw=1.0, label="2/h (balanced)")
    basin = ov.get("basin_edge")
    if basin is not None and np.ma.count(basin):  # the edge where it exists (masked elsewhere)
        ax.plot(basin, pd.y, color="k", lw=1.4, label="origin's basin edge")
    if ov.get("saddle_alpha") is not None:
        ax.axvline(ov["saddle_alpha"], color="w", ls="-.", lw=0.9, label="saddle α_s")


def _threshold_overlays(ax, pd) -> None:
    """``±τ(λ)`` and, where the middle region exists (D ≥ 3), ``±z_exist(λ)`` of a threshold diagram."""
    tau, z_exist = pd.overlays.get("tau"), pd.overlays.get("z_exist")
    middle = z_exist is not None and pd.params.get("D", 3) >= 3
    for sign in (-1, 1):
        ax.plot(sign * tau, pd.y, color="k", lw=1.2, label="τ (threshold)" if sign > 0 else None)
        if middle:
            ax.plot(sign * z_exist, pd.y, color="k", lw=1.0, ls="--", label="z_exist" if sign > 0 else None)


def phase_diagram(pd, ax=None, *, legend: bool = True, overlays: bool = True, heavy_ball=None):
    """The labels of a :class:`~dwf_theory.phase.PhaseDiagram` as a categorical image on its (x, y) grid.

    With ``overlays``, the curves of the function that made the diagram are drawn (each with a
    label, so that ``ax.legend()`` lists them):

    * :func:`~dwf_theory.phase.init_lr_phase`: ``2/λ_max`` at the nonzero minimum (dashed), the
      balanced map's edge ``2/h`` where it lies above (dotted), the origin's basin edge (black) and
      the saddle ``α_s`` (white, dash-dotted);
    * :func:`~dwf_theory.phase.threshold_phase` and :func:`~dwf_theory.phase.threshold_phase_gd`:
      ``±τ(λ)`` (solid) and, for D ≥ 3, ``±z_exist(λ)`` (dashed).

    A grid of at least three positive, geometrically spaced points gets a log axis.

    Parameters
    ----------
    pd : PhaseDiagram
    ax : matplotlib Axes, optional
        New axes when ``None``.
    legend : bool
        Add a legend of the label names (lower left).
    overlays : bool
        Draw the overlay curves.
    heavy_ball : float in [0, 1), optional
        With an init–lr diagram: also draw the stability edge ``2(1 + μ)/λ_max`` of gradient
        descent with heavy-ball momentum ``μ = heavy_ball`` at the same minimum (red, dashed;
        :func:`dwf_theory.symbolic.heavy_ball_edge`).

    Returns
    -------
    matplotlib Axes
    """
    from ..phase import PhaseDiagram

    c.result(pd, PhaseDiagram, "pd")
    unknown = [n for n in pd.names if n not in PHASE_COLORS]
    if unknown:
        raise ValueError(f"pd.names must be label names of PHASE_COLORS, got unknown {unknown}")
    legend, overlays = v.flag(legend, "legend"), v.flag(overlays, "overlays")
    heavy_ball = None if heavy_ball is None else v.momentum(heavy_ball, "heavy_ball")
    ax = c.axes(ax, (5.0, 4.2))
    colors = [PHASE_COLORS[n] for n in pd.names]
    norm = BoundaryNorm(np.arange(len(colors) + 1) - 0.5, len(colors))
    ax.pcolormesh(pd.x, pd.y, pd.labels, cmap=ListedColormap(colors), norm=norm, shading="nearest", rasterized=True)
    if legend:
        handles = [Patch(color=col, label=n) for n, col in zip(pd.names, colors, strict=True)]
        ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.85)
    ax.grid(False)
    if overlays and "tau" in pd.overlays:
        _threshold_overlays(ax, pd)
    elif overlays:
        _init_lr_overlays(ax, pd, heavy_ball)
    x, y = np.asarray(pd.x, dtype=float), np.asarray(pd.y, dtype=float)
    ax.set(
        xscale="log" if _geometric(x) else "linear",
        yscale="log" if _geometric(y) else "linear",
        xlabel=_GRID_LABELS.get(pd.x_name, pd.x_name),
        ylabel=_GRID_LABELS.get(pd.y_name, pd.y_name),
    )
    return ax


def sparsity_phase(sp, ax=None, *, colorbar: bool = True):
    """The fraction of exact zeros of a :class:`~dwf_theory.phase.SparsityPhase` over (λ, D), as a heat map.

    Rows are the depths (equally spaced, labelled), columns the λ grid (a log axis when every λ > 0).

    Returns
    -------
    matplotlib Axes
    """
    from ..phase import SparsityPhase

    c.result(sp, SparsityPhase, "sp")
    colorbar = v.flag(colorbar, "colorbar")
    ax = c.axes(ax, (5.5, 4.2))
    rows = np.arange(len(sp.depths))
    mesh = ax.pcolormesh(
        sp.lams, rows, sp.zero_fraction, shading="nearest", cmap="viridis", vmin=0, vmax=1, rasterized=True
    )
    ax.set(
        xscale=c.log_if_positive(sp.lams),
        yticks=rows,
        yticklabels=[str(d) for d in sp.depths],
        xlabel="λ",
        ylabel="D",
    )
    ax.grid(False)
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, label="fraction of exact zeros")
    return ax


def sparsity_curves(sp, ax=None, *, truth=None, legend: bool = True):
    """The fraction of exact zeros of a :class:`~dwf_theory.phase.SparsityPhase` against λ, one line per depth.

    Parameters
    ----------
    sp : SparsityPhase
    ax : matplotlib Axes, optional
    truth : float in [0, 1], optional
        The sparsity of the true weights, drawn as a dotted level.
    legend : bool

    Returns
    -------
    matplotlib Axes
    """
    from ..phase import SparsityPhase

    c.result(sp, SparsityPhase, "sp")
    if truth is not None:
        truth = v.real_scalar(truth, "truth", minimum=0.0)
        if truth > 1:
            raise ValueError(f"truth must be a fraction in [0, 1], got {truth}")
    legend = v.flag(legend, "legend")
    ax = c.axes(ax, (5.5, 4.2))
    for D, row in zip(sp.depths, sp.zero_fraction, strict=True):
        ax.plot(sp.lams, row, marker="o", ms=3, label=f"D={D}")
    if truth is not None:
        ax.axhline(truth, color="k", ls=":", lw=1, label="true sparsity")
    ax.set(xscale=c.log_if_positive(sp.lams), xlabel="λ", ylabel="fraction of exact zeros", ylim=(-0.03, 1.03))
    if legend:
        ax.legend(frameon=False, fontsize=7, ncol=2)
    return ax
