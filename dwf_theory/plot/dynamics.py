"""Runs of the training dynamics: trajectories, the factor plane of D = 2, escape times from small starts."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import _validate as v
from . import _common as c

__all__ = ["trajectory", "factor_plane", "escape_times"]

#: Added to ``|w − w*|`` on the log axis, so that an iterate that hits ``w*`` exactly stays on the axis
#: (at its bottom edge) instead of leaving a gap.
_TINY = 1e-300


def _labels(labels, n: int, default: list) -> list:
    if labels is None:
        return default
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__") or len(labels) != n:
        raise TypeError(f"labels must be a sequence of {n} strings (one per coordinate) or None, got {labels!r:.80}")
    return [str(s) for s in labels]


def trajectory(
    tr, ax=None, *, reference=None, distance: bool = False, last=None, log_time: bool = False, labels=None, **line_kw
):
    """The collapsed weights ``w`` of a :class:`~dwf_theory.dynamics.Trajectory` against time, one line per coordinate.

    Parameters
    ----------
    tr : Trajectory
        From :func:`~dwf_theory.dynamics.factor_flow`, :func:`~dwf_theory.dynamics.collapsed_flow`
        or :func:`~dwf_theory.dynamics.gradient_descent`; the time axis is ``t`` for the flows
        and ``step`` for gradient descent (a trajectory with ``diverged_step``).
    ax : matplotlib Axes, optional
        New axes when ``None``.
    reference : float or array_like broadcastable to ``w``'s shape, optional
        A target such as the minimum ``w*``: drawn as a dashed level, or subtracted with ``distance``.
    distance : bool
        Draw ``|w − reference|`` on a log axis instead of ``w`` (needs ``reference``).
    last : int >= 1, optional
        Draw only the last ``last`` records.
    log_time : bool
        Log time axis; records at ``t <= 0`` are left out.
    labels : sequence of str, optional
        One per coordinate; default ``'D=<D>'`` for one coordinate, ``'w[j]'`` for several.
    **line_kw
        Passed to :meth:`matplotlib.axes.Axes.plot` (``lw``, ``marker``, …).

    Returns
    -------
    matplotlib Axes
    """
    from ..dynamics import Trajectory

    c.result(tr, Trajectory, "tr")
    if "label" in line_kw:
        raise TypeError("trajectory takes labels (one per coordinate), not label")
    distance, log_time = v.flag(distance, "distance"), v.flag(log_time, "log_time")
    n = tr.t.size
    W = np.asarray(tr.w, dtype=float).reshape(n, -1)
    if reference is not None:
        ref = v.finite_array(reference, "reference")
        try:
            reference = np.broadcast_to(ref, tr.w.shape[1:]).reshape(-1)
        except ValueError:
            raise ValueError(
                f"reference must broadcast to the shape of the weights {tr.w.shape[1:]}, got shape {ref.shape}"
            ) from None
    elif distance:
        raise ValueError("distance=True needs reference (the point to measure the distance to)")
    t = np.asarray(tr.t, dtype=float)
    if last is not None:
        last = v.whole_number(last, "last")
        t, W = t[-last:], W[-last:]
    if log_time:
        keep = t > 0
        t, W = t[keep], W[keep]
    labels = _labels(labels, W.shape[1], [f"D={tr.D}"] if W.shape[1] == 1 else [f"w[{j}]" for j in range(W.shape[1])])
    steps = tr.diverged_step is not None
    ax = c.axes(ax, (5.6, 4.0))
    if distance:
        ax.set_yscale("log")
    for j in range(W.shape[1]):
        y = np.abs(W[:, j] - reference[j]) + _TINY if distance else W[:, j]
        ax.plot(t, y, label=labels[j], **line_kw)
    if reference is not None and not distance:
        for level in np.unique(reference):
            ax.axhline(level, color="k", lw=0.8, ls="--")
    if log_time:
        ax.set_xscale("log")
    ylabel = "|w − w*|" if distance else ("w" if steps else "w(t)")
    ax.set(xlabel="step" if steps else "t", ylabel=ylabel)
    return ax


def factor_plane(tr, ax=None, *, z=None, lim=None):
    """The paths of a D = 2 :class:`~dwf_theory.dynamics.Trajectory` in the factor plane ``(ω₁, ω₂)``.

    Background: the level sets of the imbalance ``ω₁² − ω₂²`` (grey; conserved by gradient flow
    at λ = 0, decaying as ``e^{−(4λ/D)t}`` under λ > 0: derived here), the balanced diagonals
    ``|ω₁| = |ω₂|`` (dotted) and, with ``z``, the minimizing hyperbola ``ω₁ω₂ = z`` (dashed).
    Each path starts at a grey dot and ends at a black square.

    Parameters
    ----------
    tr : Trajectory
        With factors (:func:`~dwf_theory.dynamics.factor_flow` or
        :func:`~dwf_theory.dynamics.gradient_descent`) and ``D = 2``.
    ax : matplotlib Axes, optional
    z : float or 1-D array_like, optional
        Targets of the scalar problems: their hyperbolas ``ω₁ω₂ = z`` are drawn.
    lim : float > 0, optional
        Half-width of the square drawn; default 1.1 times the largest ``|ω|`` of the paths.
        The 17 imbalance levels are evenly spaced in ``[−m, m]``, ``m = ⌊lim²⌋`` (``lim²`` below 1).

    Returns
    -------
    matplotlib Axes
    """
    from ..dynamics import Trajectory

    c.result(tr, Trajectory, "tr")
    if tr.factors is None or tr.factors.shape[1] != 2:
        raise ValueError("tr must hold the factors of a D = 2 run (factor_flow or gradient_descent with D = 2)")
    F = np.asarray(tr.factors, dtype=float).reshape(tr.t.size, 2, -1)
    levels_z = None if z is None else np.unique(v.finite_array(z, "z"))
    if lim is None:
        lim = 1.1 * float(np.max(np.abs(F))) or 1.0  # all-zero paths: the unit square
    else:
        lim = v.positive(lim, "lim")
    if not 1e-100 <= lim <= 1e100:  # the grid's ω₁² − ω₂² and ω₁ω₂ must stay finite and nonzero
        raise ValueError(f"lim must lie in [1e-100, 1e100] (the paths' largest |ω| times 1.1 by default), got {lim:g}")
    ax = c.axes(ax, (4.5, 4.3))
    g = np.linspace(-lim, lim, 201)
    A, B = np.meshgrid(g, g)
    m = np.floor(lim**2) if lim**2 >= 1 else lim**2
    ax.contour(A, B, A**2 - B**2, levels=np.linspace(-m, m, 17), colors="0.8", linewidths=0.6)
    if levels_z is not None:
        ax.contour(A, B, A * B, levels=levels_z, colors="k", linewidths=1.2, linestyles="--")
    ax.plot(g, g, color="0.5", lw=0.8, ls=":")
    ax.plot(g, -g, color="0.5", lw=0.8, ls=":")
    for j in range(F.shape[2]):
        ax.plot(F[:, 0, j], F[:, 1, j], lw=1.3)
        ax.plot(F[0, 0, j], F[0, 1, j], "o", ms=3, color="0.3")
        ax.plot(F[-1, 0, j], F[-1, 1, j], "s", ms=3.5, color="k")
    ax.set(xlabel="ω₁", ylabel="ω₂", xlim=(-lim, lim), ylim=(-lim, lim), aspect="equal")
    return ax


def _escape_label(D: int, exponent) -> str:
    if exponent is None:
        return f"D={D}"
    if D <= 2:
        return f"D={D}: T ≈ {exponent:.3f}·log(1/w0)"
    return f"D={D}: slope {exponent:.4f} (theory {-(1 - 2 / D):.4f})"


def escape_times(w0, times, ax=None, *, exponents=None, legend: bool = True):
    """Escape times ``T(w0)`` from small balanced starts against ``w0``, log–log, one line per depth.

    Theory (the balanced flow, derived here): ``T ~ log(1/w0)`` for D = 2 and
    ``T ~ w0^{−(1−2/D)}`` for D ≥ 3.

    Parameters
    ----------
    w0 : 1-D array_like of numbers > 0
        The starts (:func:`dwf_theory.dynamics.escape_times` takes them with the sign of ``z``:
        pass their magnitudes).
    times : mapping of depth D to 1-D array_like
        ``times[D][i]``: the escape time from ``w0[i]`` at depth D (finite, > 0).
    ax : matplotlib Axes, optional
    exponents : mapping of depth D to float, optional
        Fitted growth laws (:func:`dwf_theory.dynamics.escape_exponent`), shown in the legend
        with the theory value: the slope of ``log T`` for D ≥ 3, the coefficient of
        ``log(1/w0)`` for D ≤ 2.
    legend : bool

    Returns
    -------
    matplotlib Axes
    """
    w0 = c.curve(w0, "w0")
    if np.any(w0 <= 0):
        raise ValueError("w0 must hold numbers > 0 (the magnitudes of the starts)")
    times = c.mapping(times, "times", "depths to escape times")
    curves = {}
    for D, T in times.items():
        D = v.depth(D, "times keys")
        T = c.curve(T, f"times[{D}]", w0.size, "w0")
        if np.any(T <= 0):
            raise ValueError(f"times[{D}] must hold times > 0")
        curves[D] = T
    if exponents is not None and not isinstance(exponents, Mapping):
        raise TypeError(f"exponents must be a mapping of depths to exponents or None, got {type(exponents).__name__}")
    fitted = {v.depth(D, "exponents keys"): v.real_scalar(e, f"exponents[{D}]") for D, e in (exponents or {}).items()}
    legend = v.flag(legend, "legend")
    ax = c.axes(ax, (5.6, 4.2))
    for D, T in curves.items():
        ax.plot(w0, T, "o-", ms=3, lw=1.2, label=_escape_label(D, fitted.get(D)))
    ax.set(xscale="log", yscale="log", xlabel="initial weight w0", ylabel="escape time T")
    if legend:
        ax.legend(frameon=False, fontsize=7)
    return ax
