"""Results of the reference trainer: a run's history, sweeps, per-layer density, init × learning-rate regimes."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch
from matplotlib.ticker import NullFormatter

from .. import _validate as v
from . import _common as c

__all__ = ["history", "sweep", "layer_density", "units_kept", "regimes", "REGIME_COLORS"]

#: Colour of each regime of :data:`dwf_theory.trainer.experiments.REGIMES`, in that order.
REGIME_COLORS = ("#bbbbbb", "#9ecae1", "#31a354", "#de2d26")


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
    from ..trainer.train import History

    c.result(hist, History, "hist")
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(10.5, 3.3))
    else:
        axes = c.axes_row(axes, 3)
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


def sweep(result, ax=None, *, x="compression_ratio", y="test_accuracy", by="method", styles=None, legend: bool = True):
    """One summary entry against another over the runs of a sweep, one line per group.

    Parameters
    ----------
    result : SweepResult or list of dict
        A :class:`~dwf_theory.trainer.SweepResult` of run summaries (its finished runs are drawn)
        or the summaries themselves, e.g. the rows of
        :func:`~dwf_theory.trainer.accuracy_vs_compression` (:func:`~dwf_theory.trainer.run`
        documents the keys).
    ax : matplotlib Axes, optional
    x, y : str
        Keys of the summaries; runs where either is ``None`` (e.g. the compression ratio of an
        all-zero network) are left out. Known keys get labelled axes; ``compression_ratio``,
        ``lam``, ``lr`` and ``init_scale`` a log x axis when all values are positive.
    by : str or None
        Key whose value names a line (groups in sorted order); ``None``: one line.
    styles : mapping of group to dict, optional
        Keyword arguments of :meth:`~matplotlib.axes.Axes.plot` per group, on top of the default
        ``marker='o', lw=1.4, ls='-'`` and the group's name as label.
    legend : bool

    Returns
    -------
    matplotlib Axes
    """
    for name, key in (("x", x), ("y", y)):
        if not isinstance(key, str):
            raise TypeError(f"{name} must be a summary key (a string), got {type(key).__name__}")
    if by is not None and not isinstance(by, str):
        raise TypeError(f"by must be a summary key (a string) or None, got {type(by).__name__}")
    rows = c.rows(result, "result", ())
    for name, key in (("x", x), ("y", y), ("by", by)):
        if key is not None and any(key not in r for r in rows):
            raise ValueError(f"{name}={key!r} is not a key of every run summary of result")
    if styles is not None and not (
        isinstance(styles, Mapping) and all(isinstance(s, Mapping) for s in styles.values())
    ):
        raise TypeError("styles must be a mapping of groups to dicts of plot keywords, or None")
    legend = v.flag(legend, "legend")
    points = [r for r in rows if r[x] is not None and r[y] is not None]
    for r in points:
        v.real_scalar(r[x], f"result entries' {x!r}")
        v.real_scalar(r[y], f"result entries' {y!r}")
    ax = c.axes(ax, (5.4, 4.0))
    groups = [None] if by is None else sorted({r[by] for r in rows})
    for group in groups:
        pts = sorted((r[x], r[y]) for r in points if by is None or r[by] == group)
        if pts:
            xs, ys = zip(*pts, strict=True)
            label = None if group is None else str(group)
            style = {"marker": "o", "lw": 1.4, "label": label, "ls": "-", **(styles or {}).get(group, {})}
            ax.plot(xs, ys, **style)
    xscale = c.log_if_positive([r[x] for r in points]) if x in c.LOG_KEYS and points else "linear"
    ax.set(xscale=xscale, xlabel=c.KEY_LABELS.get(x, x), ylabel=c.KEY_LABELS.get(y, y))
    if legend and by is not None:
        ax.legend(frameon=False, fontsize=8)
    return ax


def layer_density(result, ax=None, *, legend: bool = True):
    """Per-layer density (fraction of weights above ``zero_tol``) of trained networks, one bar group per run.

    Parameters
    ----------
    result : SweepResult or list of dict
        Run summaries with ``layer_density``, ``compression_ratio``, ``test_accuracy``, ``D``,
        ``sizes`` and ``zero_tol``, e.g. :func:`~dwf_theory.trainer.layer_density`; the runs must
        share the layer sizes.
    ax : matplotlib Axes, optional
    legend : bool

    Returns
    -------
    matplotlib Axes
    """
    keys = ("layer_density", "compression_ratio", "test_accuracy", "D", "sizes", "zero_tol")
    rows = c.rows(result, "result", keys)
    sizes = list(rows[0]["sizes"])
    if any(list(r["sizes"]) != sizes for r in rows):
        raise ValueError("result must hold runs of one network (the same 'sizes')")
    dens = [c.curve(r["layer_density"], "result entries' 'layer_density'", len(sizes) - 1, "the layers") for r in rows]
    legend = v.flag(legend, "legend")
    ax = c.axes(ax, (5.4, 3.8))
    n_layers = len(sizes) - 1
    width = 0.8 / len(rows)
    for i, (r, d) in enumerate(zip(rows, dens, strict=True)):
        x = np.arange(n_layers) + (i - (len(rows) - 1) / 2) * width
        cr = r["compression_ratio"]
        ax.bar(
            x,
            d,
            width,
            label=f"D={r['D']} (compression {'∞' if cr is None else f'{cr:.0f}'}×, acc {r['test_accuracy']:.2f})",
        )
    ax.set_xticks(np.arange(n_layers), [f"layer {k + 1}\n{a}×{b}" for k, (a, b) in enumerate(zip(sizes, sizes[1:]))])
    ax.set(yscale="log", ylabel=f"density (fraction |w| > {rows[0]['zero_tol']:g})")
    if legend:
        ax.legend(frameon=False, fontsize=7)
    return ax


def units_kept(result, ax=None, *, y: str = "units", legend: bool = True):
    """Hidden units kept (or test accuracy) against λ, one line per depth: the mean over seeds, band min–max.

    Parameters
    ----------
    result : SweepResult or list of dict
        Run summaries with ``lam``, ``D``, ``units_kept``, ``units`` (per parametric layer; the last is
        the output layer, left out of the count), ``test_accuracy`` and ``status``, e.g.
        :func:`~dwf_theory.trainer.experiments.units_vs_lambda`; runs of the same (D, λ) are seeds.
        Diverged runs are left out (their last finite state is not a trained network).
    ax : matplotlib Axes, optional
    y : {'units', 'test_accuracy'}
        Hidden units kept (those with a weight above the run's ``zero_tol``) or the test accuracy.
    legend : bool

    Returns
    -------
    matplotlib Axes
    """
    rows = c.rows(result, "result", ("lam", "D", "units_kept", "units", "test_accuracy", "status"))
    rows = [r for r in rows if r["status"] != "diverged"]
    if not rows:
        raise ValueError("result holds diverged runs only: nothing to draw")
    y = v.choice(y, "y", ("units", "test_accuracy"))
    legend = v.flag(legend, "legend")
    for r in rows:
        v.real_scalar(r["lam"], "result entries' 'lam'", minimum=0.0)
        if len(r["units_kept"]) != len(r["units"]) or len(r["units"]) < 2:
            raise ValueError("result entries' 'units_kept' and 'units' must list the same layers, at least two")
    total = sum(rows[0]["units"][:-1])
    ax = c.axes(ax, (5.4, 3.8))
    for D in sorted({r["D"] for r in rows}):
        by_lam: dict = {}
        for r in rows:
            if r["D"] == D:
                value = sum(r["units_kept"][:-1]) if y == "units" else r["test_accuracy"]
                by_lam.setdefault(float(r["lam"]), []).append(float(value))
        lams = sorted(by_lam)
        values = [np.asarray(by_lam[lam]) for lam in lams]
        (line,) = ax.plot(lams, [x.mean() for x in values], marker="o", lw=1.4, label=f"D={D}")
        ax.fill_between(lams, [x.min() for x in values], [x.max() for x in values], color=line.get_color(), alpha=0.2)
    ax.set(xscale=c.log_if_positive([r["lam"] for r in rows]), xlabel=c.KEY_LABELS.get("lam", "λ"))
    ax.xaxis.set_minor_formatter(NullFormatter())  # within one decade, the minor labels would overlap
    if y == "units":
        ax.set(ylabel=f"hidden units kept (of {total})", ylim=(0, total * 1.05))
    else:
        ax.set(ylabel="test accuracy", ylim=(0, 1.02))
    if legend:
        ax.legend(frameon=False, fontsize=8)
    return ax


def regimes(result, axes=None, *, legend: bool = True):
    """The regime of each run of an init scale × learning rate grid, one panel per initialization scheme.

    Parameters
    ----------
    result : SweepResult or list of dict
        Run summaries with ``init``, ``init_scale``, ``lr`` and ``regime`` (one of
        :data:`~dwf_theory.trainer.experiments.REGIMES`), e.g. :func:`~dwf_theory.trainer.init_lr_grid`.
    axes : sequence of matplotlib Axes, optional
        One per scheme (in order of first appearance), sharing the y axis; new axes (one row)
        when ``None``.
    legend : bool
        A legend of the regime colours at the bottom of the figure.

    Returns
    -------
    list of matplotlib Axes
    """
    from ..trainer.experiments import REGIMES

    rows = c.rows(result, "result", ("init", "init_scale", "lr", "regime"))
    bad = sorted({str(r["regime"]) for r in rows} - set(REGIMES))
    if bad:
        raise ValueError(f"result entries' 'regime' must be one of {REGIMES}, got {bad}")
    legend = v.flag(legend, "legend")
    schemes = list(dict.fromkeys(r["init"] for r in rows))
    scales = sorted({r["init_scale"] for r in rows})
    lrs = sorted({r["lr"] for r in rows})
    if axes is None:
        _, axes = plt.subplots(1, len(schemes), figsize=(3.4 * len(schemes), 3.3), sharey=True)
        axes = list(np.atleast_1d(axes))
    else:
        axes = c.axes_row(axes, len(schemes))
    cmap = ListedColormap(list(REGIME_COLORS))
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
    if legend:
        axes[0].figure.legend(
            handles=[Patch(color=cmap(i), label=name) for i, name in enumerate(REGIMES)],
            loc="lower center",
            ncol=4,
            frameon=False,
            fontsize=8,
        )
    return axes
