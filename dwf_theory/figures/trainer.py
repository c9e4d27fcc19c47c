"""Figures of the reference trainer on digits.

Accuracy against compression, the learning phases, per-layer density and the initialization ×
learning-rate regimes: the empirical findings of Kolb et al., ICLR 2025, on a small data set.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from .. import _validate as v
from .. import plot as draw
from .. import trainer
from ..trainer.experiments import REGIMES

__all__ = ["accuracy_compression", "learning_phases", "layer_density", "init_lr_regimes"]


def _executor(quick: bool):
    """Quick figures run in this process; full ones on the default process pool (None)."""
    return trainer.InlineExecutor() if quick else None


def accuracy_compression(*, quick: bool = False):
    """(a) Test accuracy against compression ratio on digits: DWF D = 2, 3, 4 over λ vs D = 1 pruned + fine-tuned."""
    quick = v.flag(quick, "quick")
    rows = trainer.accuracy_vs_compression(quick=quick, executor=_executor(quick), progress=False)
    fig, ax = plt.subplots(figsize=(5.4, 4.0))
    for method in sorted({r["method"] for r in rows}):
        pts = sorted(
            (r["compression_ratio"], r["test_accuracy"])
            for r in rows
            if r["method"] == method and r["compression_ratio"] is not None
        )
        if pts:
            cr, acc = zip(*pts, strict=True)
            dwf = method.startswith("DWF")
            ax.plot(cr, acc, marker="o" if dwf else "s", lw=1.4, label=method, ls="-" if dwf else "--")
    zero_tol = rows[0]["zero_tol"] if rows else 1e-3
    ax.set(
        xscale="log",
        xlabel="compression ratio (all / nonzero weights)",
        ylabel="test accuracy",
        title=f"Digits, MLP {'-'.join(map(str, rows[0]['sizes'])) if rows else ''}: accuracy vs compression",
    )
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
    n_layers = len(rows[0]["layer_density"])
    width = 0.8 / max(len(rows), 1)
    for i, r in enumerate(rows):
        x = np.arange(n_layers) + (i - (len(rows) - 1) / 2) * width
        cr = r["compression_ratio"]
        ax.bar(
            x,
            r["layer_density"],
            width,
            label=f"D={r['D']} (compression {'∞' if cr is None else f'{cr:.0f}'}×, acc {r['test_accuracy']:.2f})",
        )
    sizes = rows[0]["sizes"]
    ax.set_xticks(np.arange(n_layers), [f"layer {k + 1}\n{a}×{b}" for k, (a, b) in enumerate(zip(sizes, sizes[1:]))])
    lams = ", ".join(f"D={r['D']}: {r['lam']:g}" for r in rows)
    ax.set(
        yscale="log",
        ylabel=f"density (fraction |w| > {rows[0]['zero_tol']:g})",
        title=f"Per-layer density at high compression (λ: {lams})",
    )
    ax.legend(frameon=False, fontsize=7)
    return fig


def init_lr_regimes(*, quick: bool = False):
    """(d) Init scale × learning rate regimes (no learning / dense fit / sparse success / divergence) per scheme."""
    quick = v.flag(quick, "quick")
    rows = trainer.init_lr_grid(quick=quick, executor=_executor(quick), progress=False)
    schemes = list(dict.fromkeys(r["init"] for r in rows))
    scales = sorted({r["init_scale"] for r in rows})
    lrs = sorted({r["lr"] for r in rows})
    cmap = ListedColormap(["#bbbbbb", "#9ecae1", "#31a354", "#de2d26"])
    fig, axes = plt.subplots(1, len(schemes), figsize=(3.4 * len(schemes), 3.3), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, s in zip(axes, schemes, strict=True):
        grid = np.full((len(scales), len(lrs)), np.nan)
        for r in rows:
            if r["init"] == s:
                grid[scales.index(r["init_scale"]), lrs.index(r["lr"])] = REGIMES.index(r["regime"])
        ax.imshow(grid, cmap=cmap, vmin=-0.5, vmax=3.5, origin="lower", aspect="auto")
        ax.set_xticks(range(len(lrs)), [f"{x:g}" for x in lrs])
        ax.set_yticks(range(len(scales)), [f"{x:g}" for x in scales])
        ax.set(xlabel="learning rate", title=s)
        ax.grid(False)
    axes[0].set_ylabel("init scale (× He σ_w)")
    fig.legend(
        handles=[Patch(color=cmap(i), label=name) for i, name in enumerate(REGIMES)],
        loc="lower center",
        ncol=4,
        frameon=False,
        fontsize=8,
    )
    fig.suptitle(
        f"D={rows[0]['D']}, λ={rows[0]['lam']:g}, MLP {'-'.join(map(str, rows[0]['sizes']))}, "
        f"{rows[0]['epochs']} epochs",
        fontsize=9,
    )
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig
