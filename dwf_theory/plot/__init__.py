"""One drawing function per kind of result: the result (or the data of a curve) and an optional Axes in, the Axes out.

Every function takes ``ax=None`` (or ``axes=None`` when it draws several panels), creates a
figure when it is ``None``, labels the axes with their symbols, and raises ``TypeError`` naming
the argument for a result of the wrong type. Nothing here solves or simulates: the results come
from the computing modules, and the curve functions evaluate only closed forms
(:func:`~dwf_theory.prox.prox`, ``|w|^{2/D}``) on the grid they are given.
:mod:`dwf_theory.figures` composes these functions into the gallery. Matplotlib is imported here
and in :mod:`dwf_theory.figures` only, and neither chooses the backend.

=========================  ==========================================================================
kind of result             function
=========================  ==========================================================================
scalar problem             :func:`prox_curves` (z grid, λ, depths), :func:`penalties` (w grid, depths)
induced penalties          :func:`penalty_gaps` (``PenaltyComparison``, or any object with arrays
                           ``.w`` and ``.gap``)
dynamics                   :func:`trajectory`, :func:`factor_plane` (``Trajectory``),
                           :func:`escape_times` (starts and times per depth)
phase diagrams             :func:`phase_diagram` (``PhaseDiagram``), :func:`sparsity_phase`,
                           :func:`sparsity_curves` (``SparsityPhase``)
initialization             :func:`product_densities`, :func:`mass_near_zero`
trainer                    :func:`history` (``History``), :func:`sweep`, :func:`layer_density`, :func:`units_kept`,
                           :func:`regimes` (``SweepResult`` or run summaries)
solvers                    :func:`which_minimum` (``MinimaStudy``)
method comparisons         :func:`comparison` (a dict per method, see :mod:`.comparison`)
network-level studies      :func:`lr_edges` (``LRStudy``), :func:`phase_histories`, :func:`onset_scaling`
                           (``PhaseStudy``)
=========================  ==========================================================================

Plot your own phase diagrams, with other λ, z and D::

    import matplotlib.pyplot as plt
    import numpy as np
    from dwf_theory import Scalar, init_lr_phase, plot, threshold_phase

    # (α, η): where gradient descent on ½(ω_1⋯ω_D − z)² + (λ/D)Σω_d² from ω_d = α ends
    z, lam, D = 2.0, 0.05, 5
    pd = init_lr_phase(Scalar(z), lam, D, np.logspace(-2, 0.5, 96), np.logspace(-2, 0, 96), steps=4000)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    plot.phase_diagram(pd, left)  # the regions, 2/λ_max, the origin's basin edge, the saddle α_s
    left.set_title(f"gradient descent, z = {z}, λ = {lam}, D = {D}")

    # (z, λ): the minima of ½(w − z)² + λ|w|^{2/D}, with ±τ(λ) and ±z_exist(λ)
    plot.phase_diagram(threshold_phase(np.linspace(-3, 3, 301), np.linspace(0, 0.5, 101), D), right)
    fig.savefig("my_phase_diagrams.png")
"""

from .comparison import comparison
from .dynamics import escape_times, factor_plane, trajectory
from .initialization import mass_near_zero, product_densities
from .phase import PHASE_COLORS, phase_diagram, sparsity_curves, sparsity_phase
from .scalar import penalties, penalty_gaps, prox_curves
from .solvers import which_minimum
from .studies import lr_edges, onset_scaling, phase_histories
from .trainer import REGIME_COLORS, history, layer_density, regimes, sweep, units_kept

__all__ = [
    "PHASE_COLORS",
    "REGIME_COLORS",
    "prox_curves",
    "penalties",
    "penalty_gaps",
    "trajectory",
    "factor_plane",
    "escape_times",
    "phase_diagram",
    "sparsity_phase",
    "sparsity_curves",
    "product_densities",
    "mass_near_zero",
    "history",
    "sweep",
    "layer_density",
    "units_kept",
    "regimes",
    "which_minimum",
    "lr_edges",
    "phase_histories",
    "onset_scaling",
    "comparison",
]
