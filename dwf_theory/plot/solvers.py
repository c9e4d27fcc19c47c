"""The L_{2/D} least-squares solvers: which local minimum each method reaches."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .. import _validate as v
from . import _common as c

__all__ = ["which_minimum"]

#: Gaps below this are drawn at it (the methods reached the best objective found: gap ≤ minima.SAME).
_FLOOR = 1e-9


def which_minimum(study, axes=None, *, rng=0):
    """Gap of each method's objective to the best any method found, one panel per depth.

    One point per run (problems × seeds) of a :class:`~dwf_theory.minima.MinimaStudy`, the
    median as a black bar; gaps at or below ``1e-9`` are drawn at that floor (the dotted line is
    ``minima.SAME``, the gap that counts as the same minimum). Methods that never ran are left out.

    Parameters
    ----------
    study : MinimaStudy
    axes : sequence of matplotlib Axes, optional
        One per depth of the study (in increasing order), sharing the y axis; new axes (one row)
        when ``None``.
    rng : numpy.random.Generator, int seed or None
        Draws the vertical jitter of the points (default 0: the same picture every time).

    Returns
    -------
    list of matplotlib Axes
    """
    from ..minima import SAME, MinimaStudy

    c.result(study, MinimaStudy, "study")
    rng = v.generator(rng)
    gaps = study.gaps
    shown = [m for m in range(len(study.methods)) if np.any(np.isfinite(gaps[:, m]))]
    depths = sorted({pr.D for pr in study.problems}, key=float)
    if axes is None:
        _, axes = plt.subplots(
            1, len(depths), figsize=(3.2 * len(depths) + 3.0, 0.32 * len(shown) + 1.6), sharey=True, squeeze=False
        )
        axes = list(axes[0])
    else:
        axes = c.axes_row(axes, len(depths))
    for ax, D in zip(axes, depths, strict=True):
        idx = [i for i, pr in enumerate(study.problems) if pr.D == D]
        for row, m in enumerate(shown):
            g = gaps[idx, m].reshape(-1)
            g = g[np.isfinite(g)]
            if g.size == 0:
                continue
            x = np.maximum(g, _FLOOR)
            ax.scatter(x, row + 0.25 * rng.uniform(-1, 1, x.size), s=9, alpha=0.55, color=f"C{m % 10}", lw=0)
            ax.plot([max(np.median(g), _FLOOR)] * 2, [row - 0.35, row + 0.35], color="k", lw=1.6)
        ax.axvline(SAME, color="0.5", ls=":", lw=0.9)
        ax.set(
            xscale="log",
            xlim=(_FLOOR / 3, 30),
            xlabel="(G − best) / best",
            title=f"D = {'∞' if math.isinf(D) else int(D)}",
        )
    axes[0].set_yticks(range(len(shown)), [study.methods[m] for m in shown], fontsize=7)
    axes[0].invert_yaxis()
    return axes
