"""Figures of the L_{2/D} least-squares solvers: which local minimum each method reaches."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from .. import _validate as v
from .. import minima

#: Gaps below this are drawn at it (the methods reached the best objective found: gap ≤ minima.SAME).
_FLOOR = 1e-9


def which_minimum(*, quick: bool = False):
    """Gap of each method's objective to the best any method found, per depth (``minima.which_minimum``).

    One point per run (problems × seeds), the median as a bar; gaps at or below ``minima.SAME`` (the
    same minimum) are drawn at the left edge. Quick: the small problem set, one DWF seed, no skglm.
    """
    quick = v.flag(quick, "quick")
    study = minima.which_minimum(minima.study_problems(quick=quick), seeds=1 if quick else 3, skglm=not quick)
    gaps = study.gaps
    shown = [m for m in range(len(study.methods)) if np.any(np.isfinite(gaps[:, m]))]
    depths = sorted({pr.D for pr in study.problems}, key=float)
    fig, axes = plt.subplots(
        1, len(depths), figsize=(3.2 * len(depths) + 3.0, 0.32 * len(shown) + 1.6), sharey=True, squeeze=False
    )
    rng = np.random.default_rng(0)  # vertical jitter of the points, fixed
    for ax, D in zip(axes[0], depths, strict=True):
        idx = [i for i, pr in enumerate(study.problems) if pr.D == D]
        for row, m in enumerate(shown):
            g = gaps[idx, m].reshape(-1)
            g = g[np.isfinite(g)]
            if g.size == 0:
                continue
            x = np.maximum(g, _FLOOR)
            ax.scatter(x, row + 0.25 * rng.uniform(-1, 1, x.size), s=9, alpha=0.55, color=f"C{m % 10}", lw=0)
            ax.plot([max(np.median(g), _FLOOR)] * 2, [row - 0.35, row + 0.35], color="k", lw=1.6)
        ax.axvline(minima.SAME, color="0.5", ls=":", lw=0.9)
        ax.set(
            xscale="log",
            xlim=(_FLOOR / 3, 30),
            xlabel="(G − best) / best",
            title=f"D = {'∞' if math.isinf(D) else int(D)}",
        )
    axes[0][0].set_yticks(range(len(shown)), [study.methods[m] for m in shown], fontsize=7)
    axes[0][0].invert_yaxis()
    fig.suptitle(
        r"Which minimum of $\|Xw-y\|^2/(2n) + \lambda\sum_j|w_j|^{2/D}$ each method reaches "
        "(left edge: the best found)",
        y=1.0,
    )
    fig.tight_layout()
    return fig
