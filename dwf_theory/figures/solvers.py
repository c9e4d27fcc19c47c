"""Figures of the L_{2/D} least-squares solvers: which local minimum each method reaches."""

from __future__ import annotations

from .. import _validate as v
from .. import minima
from .. import plot as draw


def which_minimum(*, quick: bool = False):
    """Gap of each method's objective to the best any method found, per depth (``minima.which_minimum``).

    One point per run (problems × seeds), the median as a bar; gaps at or below ``minima.SAME`` (the
    same minimum) are drawn at the left edge. Quick: the small problem set, one DWF seed, no skglm.
    """
    quick = v.flag(quick, "quick")
    study = minima.which_minimum(minima.study_problems(quick=quick), seeds=1 if quick else 3, skglm=not quick)
    axes = draw.which_minimum(study, rng=0)  # the vertical jitter of the points, fixed
    fig = axes[0].figure
    fig.suptitle(
        r"Which minimum of $\|Xw-y\|^2/(2n) + \lambda\sum_j|w_j|^{2/D}$ each method reaches "
        "(left edge: the best found)",
        y=1.0,
    )
    fig.tight_layout()
    return fig
