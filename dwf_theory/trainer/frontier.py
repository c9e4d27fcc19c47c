"""Accuracy against compression: the upper frontier of a set of runs, and the paper's summary metrics.

A method (a depth of DWF, or a pruner) trained at several strengths gives points
``(compression ratio c_i, test accuracy a_i)``. Its **frontier** is the set of points that no
other point beats in both (at least the compression and at least the accuracy, one strictly);
sorted by compression its accuracies decrease. Between frontier points the frontier is
interpolated linearly in ``log c`` (compression spans decades). Two summaries follow:

* the **accuracy at a target compression** ``t`` (``None`` — "not reached" — when no run compresses
  at least ``t``; never extrapolated beyond the most compressed run);
* the **largest compression within x of dense**: the largest ``c`` at which the interpolated
  frontier is at least ``dense_accuracy − x`` (the paper's "compression at which accuracy
  drops by at most x"; ``x`` in accuracy units, e.g. 0.01 for one percentage point).
"""

from __future__ import annotations

import math

import numpy as np

from .. import _validate as v

__all__ = ["frontier", "accuracy_at", "max_compression_within"]


def _points(compression, accuracy) -> tuple[np.ndarray, np.ndarray]:
    """Finite, equally long 1-D arrays, compression >= 1; entries with a ``None``/NaN compression dropped."""
    if isinstance(compression, (str, bytes)) or not np.iterable(compression):
        raise TypeError(f"compression must be a sequence of compression ratios, got {type(compression).__name__}")
    entries = [np.nan if x is None else x for x in compression]
    if not all(isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) for x in entries):
        raise TypeError("compression must hold numbers (None for a run without a ratio)")
    c = np.array(entries, float).ravel()
    a = v.finite_array(accuracy, "accuracy", ndim=1)
    if c.shape != a.shape:
        raise ValueError(f"compression and accuracy must have the same length, got {c.size} and {a.size}")
    keep = ~np.isnan(c)
    c, a = c[keep], a[keep]
    if np.any(c < 1) or np.any(np.isinf(c) & (c < 0)):
        raise ValueError("compression ratios must be >= 1")
    if c.size == 0:
        raise ValueError("compression must hold at least one run with a compression ratio")
    return c, a


def frontier(compression, accuracy) -> tuple[np.ndarray, np.ndarray]:
    """The upper frontier ``(c, a)`` of the runs, sorted by increasing compression (decreasing accuracy).

    Parameters
    ----------
    compression : sequence of float >= 1 (``inf``: every weight zero; ``None``/NaN entries are dropped)
    accuracy : sequence of float, same length
    """
    c, a = _points(compression, accuracy)
    order = np.lexsort((-a, -c))  # by compression descending, best accuracy first among ties
    keep_c, keep_a, best = [], [], -math.inf
    for i in order:
        if a[i] > best:
            keep_c.append(c[i])
            keep_a.append(a[i])
            best = a[i]
    return np.array(keep_c[::-1]), np.array(keep_a[::-1])


def _interpolate(fc, fa, t: float) -> float:
    """The frontier's accuracy at compression ``t <= fc[-1]`` (linear in log c; flat left of ``fc[0]``)."""
    if t <= fc[0]:
        return float(fa[0])
    j = int(np.searchsorted(fc, t))
    if fc[j] == t or math.isinf(fc[j]):
        return float(fa[j])
    s = (math.log(t) - math.log(fc[j - 1])) / (math.log(fc[j]) - math.log(fc[j - 1]))
    return float(fa[j - 1] + s * (fa[j] - fa[j - 1]))


def accuracy_at(compression, accuracy, targets) -> list:
    """Accuracy of the frontier at each target compression; ``None`` where no run reaches the target.

    ``targets``: a sequence of numbers > 1 (or one number).
    """
    fc, fa = frontier(compression, accuracy)
    ts = np.atleast_1d(v.finite_array(targets, "targets"))
    if ts.ndim != 1 or np.any(ts <= 1):
        raise ValueError(f"targets must be compression ratios > 1, got {ts.tolist()}")
    return [None if t > fc[-1] else _interpolate(fc, fa, float(t)) for t in ts]


def max_compression_within(compression, accuracy, dense_accuracy, tolerance, *, relative=False) -> float | None:
    """The largest compression at which the interpolated frontier is within ``tolerance`` of dense.

    Within means ``>= dense_accuracy − tolerance`` (absolute, the default) or, with ``relative``,
    ``>= (1 − tolerance) · dense_accuracy`` — the paper's "within x % of dense" is ``relative`` with
    ``tolerance = x / 100`` (what :func:`~dwf_theory.trainer.compare` reports).

    ``None`` when even the least compressed frontier point is below that level. The result is a
    frontier point or a crossing of the level between two frontier points (in log c).

    Parameters
    ----------
    compression, accuracy : sequences of equal length (see :func:`frontier`)
    dense_accuracy : float
        The accuracy of the dense (uncompressed) network.
    tolerance : float >= 0
        Allowed drop: in accuracy units (0.01: one percentage point), or with ``relative`` as a
        fraction of ``dense_accuracy`` (0.01: one percent of it).
    relative : bool
    """
    fc, fa = frontier(compression, accuracy)
    dense_accuracy = v.real_scalar(dense_accuracy, "dense_accuracy")
    tolerance = v.real_scalar(tolerance, "tolerance", minimum=0.0)
    drop = tolerance * dense_accuracy if v.flag(relative, "relative") else tolerance
    level = dense_accuracy - drop
    if fa[0] < level:
        return None
    ok = np.nonzero(fa >= level)[0][-1]
    if ok == fc.size - 1 or math.isinf(fc[ok + 1]):
        return float(fc[ok])
    s = (fa[ok] - level) / (fa[ok] - fa[ok + 1])
    return float(math.exp(math.log(fc[ok]) + s * (math.log(fc[ok + 1]) - math.log(fc[ok]))))
