"""The figure gallery; ``dwf-theory figures`` writes it.

Every figure is one function ``fn(*, quick=False) -> matplotlib.figure.Figure`` (``quick``: small
grids, for tests) in a topic module — :mod:`.theory`, :mod:`.dynamics`, :mod:`.initialization`,
:mod:`.phase`, :mod:`.trainer`, :mod:`.studies`, :mod:`.solvers` — that calls the computing modules on fixed seeds and
draws their results with the functions of :mod:`dwf_theory.plot` (a figure adds only titles,
legends and limits; it draws no data of its own). :data:`FIGURES` lists
them all, under their file stems. :func:`write_all` saves each as PNG (for the README) and PDF
(for papers) with fixed metadata, so the output is deterministic. Matplotlib is imported here
and in :mod:`dwf_theory.plot` only, and the backend is left to the caller (the CLI picks Agg).
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

from .. import _validate as v
from . import dynamics, initialization, phase, solvers, studies, theory, trainer

__all__ = ["FIGURES", "STYLE", "write_all", "default_out"]

#: Every figure of the gallery, by file stem, in the order they are written.
FIGURES = {
    "prox_curves": theory.prox_curves,
    "penalty_shapes": theory.penalty_shapes,
    "dynamics_hyperbolas": dynamics.hyperbolas,
    "dynamics_depth": dynamics.depth,
    "escape_time": dynamics.escape_time,
    "gd_stability_edge": dynamics.stability_edge,
    "init_lr_phase": phase.init_lr_phase,
    "product_densities": initialization.product_densities,
    "threshold_phase": phase.threshold_phase,
    "sparsity_phase": phase.sparsity_phase,
    "mass_near_zero": initialization.mass_near_zero,
    "trainer_accuracy_compression": trainer.accuracy_compression,
    "trainer_learning_phases": trainer.learning_phases,
    "trainer_layer_density": trainer.layer_density,
    "trainer_units_kept": trainer.units_kept,
    "trainer_init_lr_regimes": trainer.init_lr_regimes,
    "which_minimum": solvers.which_minimum,
    "trainer_lr_edges": studies.lr_edges,
    "trainer_phase_depths": studies.phase_depths,
    "trainer_onset_scaling": studies.onset_scaling,
}

STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "dwf-theory",
}

#: Metadata written into every file: none that changes between runs (dates, software version).
_METADATA = {"png": {"Software": None}, "pdf": {"CreationDate": None, "ModDate": None}}


def write_all(out, *, quick: bool = False, names=None, progress: bool = True) -> list[Path]:
    """Write the named figures (all when ``None``) to the folder ``out`` as PNG and PDF; return the paths.

    ``out`` is a path (``str`` or ``os.PathLike``; created if missing), ``names`` a list of keys of
    :data:`FIGURES` or ``None``, ``quick`` and ``progress`` are ``True`` or ``False``.
    """
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a folder path (str or os.PathLike), got {type(out).__name__}")
    out = Path(out)
    quick, progress = v.flag(quick, "quick"), v.flag(progress, "progress")
    if names is None:
        names = list(FIGURES)
    elif isinstance(names, str) or not hasattr(names, "__iter__"):
        raise TypeError(f"names must be a list of figure names or None, got {type(names).__name__}")
    names = list(names)
    unknown = [n for n in names if not isinstance(n, str) or n not in FIGURES]
    if unknown:
        raise ValueError(f"names must be figures of FIGURES; unknown: {unknown}; known: {sorted(FIGURES)}")
    out.mkdir(parents=True, exist_ok=True)
    if progress:
        from tqdm.auto import tqdm

        names = tqdm(names, desc="figures", unit="fig")
    paths = []
    for name in names:
        with matplotlib.rc_context(STYLE):
            fig = FIGURES[name](quick=quick)
            for ext, meta in _METADATA.items():
                path = out / f"{name}.{ext}"
                fig.savefig(path, metadata=meta, bbox_inches="tight")
                paths.append(path)
            plt.close(fig)
    return paths


def default_out() -> Path:
    """``figures/`` beside the package in a source checkout, else ``./figures``."""
    repo = Path(__file__).resolve().parent.parent.parent
    if (repo / "pyproject.toml").exists() and os.access(repo, os.W_OK):
        return repo / "figures"
    return Path("figures")
