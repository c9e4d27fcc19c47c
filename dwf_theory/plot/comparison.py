"""Comparisons of methods: accuracy against compression with confidence bands, against the dense network.

The structure drawn (plain dicts and lists, as read back from JSON)::

    {method: {"compression": [c_1, …, c_k],   # compression ratios (all / nonzero weights), > 0
              "mean": [a_1, …, a_k],          # mean test accuracy over seeds at each ratio
              "lo":   [l_1, …, l_k],          # lower end of its confidence interval
              "hi":   [h_1, …, h_k]}}         # upper end

one entry per method (drawn in the mapping's order), the four lists of one length ``k ≥ 1``. An
accuracy of ``None`` or ``NaN`` marks a ratio the method did not reach: it is left out (a gap in
the line and the band), never extrapolated. Where given, ``lo ≤ mean ≤ hi``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import _validate as v
from . import _common as c

__all__ = ["comparison"]

_FIELDS = ("compression", "mean", "lo", "hi")


def _method(name, entry) -> tuple[np.ndarray, ...]:
    """``(compression, mean, lo, hi)`` of one method, sorted by compression; NaN where not reached."""
    where = f"result[{name!r}]"
    if not isinstance(entry, Mapping):
        raise TypeError(f"{where} must be a mapping with the lists {_FIELDS}, got {type(entry).__name__}")
    missing = [f for f in _FIELDS if f not in entry]
    if missing:
        raise ValueError(f"{where} lacks the entries {missing}")
    ratio = c.curve(entry["compression"], f"{where}['compression']")
    if np.any(ratio <= 0):
        raise ValueError(f"{where}['compression'] must hold compression ratios > 0")
    out = [ratio]
    for f in _FIELDS[1:]:
        try:
            arr = np.asarray(entry[f], dtype=float)  # None -> NaN: not reached
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{where}[{f!r}] must be a list of accuracies (numbers or None): {exc}") from None
        if arr.shape != ratio.shape:
            raise ValueError(f"{where}[{f!r}] must have one entry per compression ratio ({ratio.size})")
        if np.any(np.isinf(arr)):
            raise ValueError(f"{where}[{f!r}] must hold finite accuracies (None or NaN: not reached)")
        out.append(arr)
    _, mean, lo, hi = out
    with np.errstate(invalid="ignore"):
        if np.any((lo > mean) | (mean > hi)):
            raise ValueError(f"{where} must satisfy lo <= mean <= hi")
    order = np.argsort(ratio, kind="stable")
    return tuple(a[order] for a in out)


def comparison(result, dense_accuracy, ax=None, *, tolerance=0.01, legend: bool = True):
    """Accuracy against compression per method, with confidence bands, the dense accuracy and a tolerance band.

    The grey band marks accuracies within ``tolerance`` (a fraction) of the dense network's,
    ``[(1 − tolerance)·dense, dense]``: the largest compression a method reaches inside it is the
    comparison metric of Kolb et al. (ICLR 2025), the largest compression within x % of the dense
    accuracy (:func:`dwf_theory.trainer.max_compression_within` with ``relative=True``). The
    confidence bands are drawn clipped to [0, 1], the range of an accuracy.

    Parameters
    ----------
    result : mapping
        ``{method: {"compression": [...], "mean": [...], "lo": [...], "hi": [...]}}``; the module
        docstring gives the structure.
    dense_accuracy : float
        Test accuracy of the dense (uncompressed) network.
    ax : matplotlib Axes, optional
    tolerance : float in [0, 1)
        Allowed drop as a fraction of ``dense_accuracy`` (0.01: 1 %); ``0``: no band.
    legend : bool

    Returns
    -------
    matplotlib Axes
    """
    result = c.mapping(result, "result", "methods to their compression, mean, lo and hi lists")
    methods = {name: _method(name, entry) for name, entry in result.items()}
    dense_accuracy = v.real_scalar(dense_accuracy, "dense_accuracy")
    tolerance = v.real_scalar(tolerance, "tolerance", minimum=0.0)
    if not tolerance < 1:
        raise ValueError(f"tolerance must be a fraction in [0, 1), got {tolerance}")
    legend = v.flag(legend, "legend")
    ax = c.axes(ax, (5.6, 4.2))
    if tolerance > 0:
        ax.axhspan(
            (1 - tolerance) * dense_accuracy,
            dense_accuracy,
            color="0.88",
            lw=0,
            label=f"within {100 * tolerance:g} % of dense",
        )
    ax.axhline(dense_accuracy, color="k", ls="--", lw=1.0, label="dense")
    for name, (ratio, mean, lo, hi) in methods.items():
        (line,) = ax.plot(ratio, mean, marker="o", ms=3, lw=1.4, label=str(name))
        band = np.isfinite(lo) & np.isfinite(hi)
        if band.any():
            lo, hi = np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
            ax.fill_between(ratio, lo, hi, where=band, color=line.get_color(), alpha=0.2, lw=0)
    ax.set(xscale="log", xlabel="compression ratio (all / nonzero weights)", ylabel="test accuracy")
    if legend:
        ax.legend(frameon=False, fontsize=8)
    return ax
