"""One function per figure; ``dwf-theory figures`` writes them all.

Every figure function takes ``quick`` (small grids, for tests) and returns a
``matplotlib.figure.Figure``; it only calls the computing modules and draws.
:func:`write_all` saves each as PNG (for the README) and PDF (for papers) with
fixed metadata, so the output is deterministic. This is the only module that
imports Matplotlib.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .prox import prox  # noqa: E402

FIGURES: dict[str, Callable[[bool], "matplotlib.figure.Figure"]] = {}

_STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "font.size": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "dwf-theory",
}


def figure(name: str):
    """Register the decorated ``fn(quick) -> Figure`` under the file stem ``name``."""

    def register(fn):
        if name in FIGURES:
            raise ValueError(f"figure {name!r} registered twice")
        FIGURES[name] = fn
        return fn

    return register


def write_all(out, quick: bool = False, names=None, progress: bool = True) -> list[Path]:
    """Write the named figures (all when ``None``) to ``out`` as PNG and PDF; return the paths."""
    out = Path(out)
    if names is None:
        names = list(FIGURES)
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise ValueError(f"names must be registered figures; unknown: {unknown}; known: {sorted(FIGURES)}")
    out.mkdir(parents=True, exist_ok=True)
    iterator = names
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(names, desc="figures", unit="fig")
    paths = []
    for name in iterator:
        with plt.rc_context(_STYLE):
            fig = FIGURES[name](quick)
            for ext, meta in (("png", {"Software": None}), ("pdf", {"CreationDate": None, "ModDate": None})):
                path = out / f"{name}.{ext}"
                fig.savefig(path, metadata=meta, bbox_inches="tight")
                paths.append(path)
            plt.close(fig)
    return paths


def default_out() -> Path:
    """``figures/`` beside the package in a source checkout, else ``./figures``."""
    repo = Path(__file__).resolve().parent.parent
    if (repo / "pyproject.toml").exists() and os.access(repo, os.W_OK):
        return repo / "figures"
    return Path("figures")


# --------------------------------------------------------------------------- #
# Theory core: thresholding and penalties
# --------------------------------------------------------------------------- #


@figure("prox_curves")
def prox_curves(quick: bool = False):
    """prox(z; λ, D) for D = 1, 2, 3, 4, ∞ at λ = 1, with τ marked (THEORY.md §3)."""
    lam = 1.0
    z = np.linspace(-4, 4, 401 if quick else 4001)
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    for D, label in ((1, "D=1 (ridge)"), (2, "D=2 (soft)"), (3, "D=3"), (4, "D=4"), (np.inf, "D=∞ (hard)")):
        p = prox(z, lam, float(D) if np.isinf(D) else D)
        p = np.where(np.abs(np.diff(p, prepend=p[0])) > 0.5, np.nan, p)  # break the jump
        ax.plot(z, p, label=label, lw=1.6)
    ax.plot(z, z, color="0.6", lw=0.8, ls=":", label="identity")
    ax.set(xlabel="z", ylabel="prox(z; λ=1, D)", title="Thresholding operator of λ|w|^{2/D}")
    ax.legend(frameon=False)
    return fig


@figure("penalty_shapes")
def penalty_shapes(quick: bool = False):
    """The penalty |w|^{2/D} for D = 1..6 and the L0 limit (THEORY.md §2)."""
    w = np.linspace(-2, 2, 401 if quick else 2001)
    fig, ax = plt.subplots(figsize=(5.2, 4.0))
    for D in range(1, 7):
        ax.plot(w, np.abs(w) ** (2.0 / D), label=f"D={D}: |w|^{{{2}/{D}}}", lw=1.4)
    ax.plot(w, (w != 0).astype(float), color="k", lw=1.0, ls="--", label="L0 (D→∞)")
    ax.set(xlabel="w", ylabel="penalty", ylim=(0, 2.2), title="Collapsed penalty of a depth-D factorization")
    ax.legend(frameon=False, fontsize=7)
    return fig


# --------------------------------------------------------------------------- #
# Dynamics (figures of the dynamics issue go here)
# --------------------------------------------------------------------------- #

# --------------------------------------------------------------------------- #
# Initialization and phase diagrams (figures of that issue go here)
# --------------------------------------------------------------------------- #

# --------------------------------------------------------------------------- #
# Reference trainer (figures of the trainer issue go here)
# --------------------------------------------------------------------------- #
