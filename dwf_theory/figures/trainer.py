"""Figures of the reference trainer on digits.

Accuracy against compression, the learning phases, per-layer density and the initialization ×
learning-rate regimes: the empirical findings of Kolb et al., ICLR 2025, on a small data set.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .. import _validate as v
from .. import plot as draw
from .. import trainer

__all__ = ["accuracy_compression", "learning_phases", "layer_density", "units_kept", "init_lr_regimes"]


def _executor(quick: bool):
    """Quick figures run in this process; full ones on the default process pool (None)."""
    return trainer.InlineExecutor() if quick else None


def accuracy_compression(*, quick: bool = False):
    """(a) Test accuracy against compression ratio on digits: DWF D = 2, 3, 4 over λ vs D = 1 pruned + fine-tuned."""
    quick = v.flag(quick, "quick")
    rows = trainer.accuracy_vs_compression(quick=quick, executor=_executor(quick), progress=False)
    fig, ax = plt.subplots(figsize=(5.4, 4.0))
    baseline = dict(marker="s", ls="--")  # D = 1 pruned and fine-tuned, against the DWF lines
    styles = {r["method"]: baseline for r in rows if not r["method"].startswith("DWF")}
    draw.sweep(rows, ax, x="compression_ratio", y="test_accuracy", by="method", styles=styles, legend=False)
    zero_tol = rows[0]["zero_tol"]
    ax.set_title(f"Digits, MLP {'-'.join(map(str, rows[0]['sizes']))}: accuracy vs compression")
    ax.legend(
        frameon=False,
        fontsize=8,
        loc="lower left",
        title=f"weights with |w| ≤ {zero_tol:g} zeroed before testing",
        title_fontsize=7,
    )
    return fig


def learning_phases(*, quick: bool = False):
    """(b) Loss, accuracy and sparsity against epoch of one D = 3 run: fitting, sparsification, stable sparse phase."""
    quick = v.flag(quick, "quick")
    h = trainer.learning_phases(quick=quick)
    fig, axes = plt.subplots(1, 3, figsize=(10.5, 3.3))
    draw.history(h, axes)
    sizes = "-".join(map(str, h.config["sizes"]))
    fig.suptitle(f"Learning phases, D={h.config['D']}, λ={h.config['lam']:g}, MLP {sizes}", fontsize=9)
    fig.tight_layout()
    return fig


def layer_density(*, quick: bool = False):
    """(c) Per-layer density of DWF networks at high compression: every layer keeps some weights."""
    quick = v.flag(quick, "quick")
    rows = trainer.layer_density(quick=quick, executor=_executor(quick), progress=False)
    fig, ax = plt.subplots(figsize=(5.4, 3.8))
    draw.layer_density(rows, ax)
    lams = ", ".join(f"D={r['D']}: {r['lam']:g}" for r in rows)
    ax.set_title(f"Per-layer density at high compression (λ: {lams})")
    return fig


def units_kept(*, quick: bool = False):
    """(e) Structured sparsity: hidden units kept and test accuracy against λ of grouped networks, D = 2, 3, 4."""
    quick = v.flag(quick, "quick")
    rows = trainer.units_vs_lambda(quick=quick, executor=_executor(quick), progress=False)
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 3.6))
    draw.units_kept(rows, axes[0])
    draw.units_kept(rows, axes[1], y="test_accuracy", legend=False)
    seeds = len({r["rng"] for r in rows})
    diverged = sum(r["status"] == "diverged" for r in rows)
    fig.suptitle(
        f"Digits, MLP {'-'.join(map(str, rows[0]['sizes']))} with hidden units grouped, {rows[0]['epochs']} epochs, "
        f"lr {rows[0]['lr']:g}; mean of {seeds} seed{'s' if seeds > 1 else ''}, band min–max "
        f"({diverged} diverged run{'' if diverged == 1 else 's'} left out); "
        f"units with all |w| ≤ {rows[0]['zero_tol']:g} are off",
        fontsize=8,
    )
    fig.tight_layout()
    return fig


def init_lr_regimes(*, quick: bool = False):
    """(d) Init scale × learning rate regimes (no learning / dense fit / sparse success / divergence) per scheme."""
    quick = v.flag(quick, "quick")
    rows = trainer.init_lr_grid(quick=quick, executor=_executor(quick), progress=False)
    schemes = list(dict.fromkeys(r["init"] for r in rows))
    fig, axes = plt.subplots(1, len(schemes), figsize=(3.4 * len(schemes), 3.3), sharey=True)
    draw.regimes(rows, np.atleast_1d(axes))
    fig.suptitle(
        f"D={rows[0]['D']}, λ={rows[0]['lam']:g}, MLP {'-'.join(map(str, rows[0]['sizes']))}, "
        f"{rows[0]['epochs']} epochs",
        fontsize=9,
    )
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig
