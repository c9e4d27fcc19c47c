"""The network-level studies of :mod:`dwf_theory.trainer.studies`: learning-rate edges and learning phases."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from . import _common as c

__all__ = ["lr_edges", "phase_histories", "onset_scaling"]


def _depth_colors(depths) -> dict:
    return {D: f"C{i % 10}" for i, D in enumerate(sorted(depths))}


def lr_edges(study, axes=None):
    """Compression and test accuracy against the learning rate (log), one line per depth, with the predicted edges.

    Parameters
    ----------
    study : LRStudy
        From :func:`~dwf_theory.trainer.studies.lr_study`.
    axes : sequence of two matplotlib Axes, optional
        New axes (one row) when ``None``.

    Returns
    -------
    the two Axes. Runs that diverged are drawn as crosses at their last finite state; the
    predicted edge ``2(1 + μ)/λ_max`` of each depth from the reference run's (the smallest ``η``)
    trained weights is a dashed vertical line in its colour, the edge from the sharpest stable
    run's weights a dotted one.
    """
    from ..trainer.studies import LRStudy

    c.result(study, LRStudy, "study")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10.0, 3.6))
    else:
        axes = c.axes_row(axes, 2)
    depths = sorted({r.D for r in study.runs})
    colors = _depth_colors(depths)
    for D in depths:
        runs = sorted((r for r in study.runs if r.D == D), key=lambda r: r.lr)
        lr = np.array([r.lr for r in runs])
        comp = np.array([np.nan if r.compression_ratio is None else r.compression_ratio for r in runs])
        acc = np.array([r.test_accuracy for r in runs])
        bad = np.array([r.diverged for r in runs])
        for ax, y in zip(axes, (comp, acc)):
            ax.plot(lr[~bad], y[~bad], "o-", ms=3.5, lw=1.2, color=colors[D], label=f"D={D}")
            if bad.any():
                ax.plot(lr[bad], y[bad], "x", ms=6, color=colors[D])
    for e in study.edges:
        for ax in axes:
            if e.predicted is not None:
                ax.axvline(e.predicted, color=colors.get(e.D, "k"), ls="--", lw=1)
            if e.predicted_max is not None:
                ax.axvline(e.predicted_max, color=colors.get(e.D, "k"), ls=":", lw=1)
    mu = study.config.get("momentum", 0.0)
    axes[0].set(xscale="log", yscale="log", xlabel=c.KEY_LABELS["lr"], ylabel=c.KEY_LABELS["compression_ratio"])
    axes[1].set(xscale="log", xlabel=c.KEY_LABELS["lr"], ylabel=c.KEY_LABELS["pruned_test_accuracy"], ylim=(0, 1.02))
    handles, labels = axes[1].get_legend_handles_labels()
    handles += [
        plt.Line2D([], [], color="k", ls="--", lw=1),
        plt.Line2D([], [], color="k", ls=":", lw=1),
        plt.Line2D([], [], color="k", ls="", marker="x"),
    ]
    labels += [f"2(1+μ)/λ_max, smallest η's weights (μ={mu:g})", "2(1+μ)/λ_max, sharpest stable run", "diverged"]
    axes[1].legend(handles, labels, frameon=False, fontsize=7, loc="lower left")
    return axes


def phase_histories(study, axes=None, *, lams=None):
    """One panel per depth: test accuracy (solid) and sparsity (dashed) against epoch, one colour per λ.

    Parameters
    ----------
    study : PhaseStudy
        From :func:`~dwf_theory.trainer.studies.phase_study` (its ``λ × D`` grid runs are drawn).
    axes : sequence of matplotlib Axes, optional
        One per depth of the study (new axes in one row when ``None``).
    lams : sequence of float, optional
        The λ to draw (default: all of the study).

    Returns
    -------
    list of Axes. A dot on each sparsity curve marks its sparsification onset
    (:func:`~dwf_theory.trainer.studies.phase_markers`).
    """
    from ..trainer.studies import PhaseStudy

    c.result(study, PhaseStudy, "study")
    if not study.runs:
        raise ValueError("study holds no finished grid runs")
    depths = sorted({r.D for r in study.runs})
    all_lams = sorted({r.lam for r in study.runs})
    if lams is None:
        lams = all_lams
    else:
        lams = sorted(c.curve(lams, "lams").tolist())
        missing = [x for x in lams if x not in all_lams]
        if missing:
            raise ValueError(f"lams must be λ of the study {all_lams}; not there: {missing}")
    if axes is None:
        _, axes = plt.subplots(1, len(depths), figsize=(3.6 * len(depths), 3.4), sharey=True, squeeze=False)
        axes = list(axes[0])
    else:
        axes = c.axes_row(axes, len(depths))
    colors = {lam: plt.get_cmap("viridis")(i / max(1, len(lams) - 1)) for i, lam in enumerate(lams)}
    for ax, D in zip(axes, depths):
        for r in sorted((r for r in study.runs if r.D == D and r.lam in colors), key=lambda r: r.lam):
            h = r.history
            ep = h.column("epoch")
            col = colors[r.lam]
            ax.plot(ep, h.column("test_accuracy"), color=col, lw=1.2, label=f"λ={r.lam:g}")
            sp = h.column("sparsity")
            ax.plot(ep, sp, color=col, lw=1.0, ls="--")
            t = r.markers.sparsity_onset
            if t is not None:
                ax.plot([t], [np.interp(t, ep, sp)], "o", ms=3, color=col)
        ax.set(title=f"D={D}", xlabel="epoch", ylim=(0, 1.02))
    axes[0].set_ylabel("test accuracy (solid), sparsity (dashed)")
    axes[-1].legend(frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return axes


def onset_scaling(study, ax=None):
    """Differences of the fitting onset between consecutive init scales, log–log, against C25's slopes.

    For each ``(λ, D)`` fit of the study (:class:`~dwf_theory.trainer.studies.OnsetFit`):
    ``T(s_{i+1}) − T(s_i)`` against ``s_i`` (these differences cancel the constant part of ``T``;
    the escape-time law predicts the slope ``−(1 − 2/D)``, 0 for D = 2), and a dashed line of the
    predicted slope through the last point. The legend gives the fitted and predicted exponents.
    A fit with fewer than two increasing onsets is left out (a note says so when none is left).

    Parameters
    ----------
    study : PhaseStudy
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    from ..trainer.studies import PhaseStudy

    c.result(study, PhaseStudy, "study")
    ax = c.axes(ax, (5.0, 3.8))
    colors = _depth_colors({f.D for f in study.fits})
    styles = {lam: m for lam, m in zip(sorted({f.lam for f in study.fits}), "os^vD")}
    drawn = 0
    for f in study.fits:
        pts = [(s, t) for s, t in zip(f.init_scales, f.onsets) if t is not None]
        if len(pts) < 2:
            continue
        s, t = (np.array(x, float) for x in zip(*pts))
        ds, dt = s[:-1], np.diff(t)
        keep = dt > 0
        if not keep.any():
            continue
        fitted = "–" if f.exponent is None else f"{f.exponent:.2f}"
        pred = "–" if f.predicted is None else f"{f.predicted:.2f}"
        ax.plot(
            ds[keep],
            dt[keep],
            marker=styles.get(f.lam, "o"),
            ms=4,
            lw=1.2,
            color=colors[f.D],
            label=f"D={f.D}, λ={f.lam:g}: slope {fitted} (C25: {pred})",
        )
        if f.predicted is not None:
            x0, y0 = ds[keep][-1], dt[keep][-1]
            xs = np.array([ds[keep].min(), ds[keep].max()])
            ax.plot(xs, y0 * (xs / x0) ** f.predicted, ls="--", lw=0.9, color=colors[f.D])
        drawn += 1
    if drawn:
        ax.legend(frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    else:
        ax.text(0.5, 0.5, "no fit with two increasing onsets", ha="center", va="center", transform=ax.transAxes)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="init scale s (× He σ_w)",
        ylabel=r"$T(s_{i+1}) - T(s_i)$  (epochs)",
    )
    return ax
