"""What every drawing function shares: the Axes argument, the result-type check and summary rows."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from .. import _validate as v

#: Axis labels of the summary keys of the trainer (:func:`dwf_theory.trainer.run`); other keys label themselves.
KEY_LABELS = {
    "compression_ratio": "compression ratio (all / nonzero weights)",
    "test_accuracy": "test accuracy",
    "train_accuracy": "train accuracy",
    "pruned_test_accuracy": "test accuracy after pruning",
    "sparsity": "sparsity (fraction of zero weights)",
    "lam": "λ",
    "lr": "learning rate η",
    "D": "depth D",
    "init_scale": "init scale (× He σ_w)",
    "epochs": "epochs",
}
#: Keys whose values are drawn on a log axis (when they are all positive).
LOG_KEYS = {"compression_ratio", "lam", "lr", "init_scale"}


def axes(ax, figsize: tuple, name: str = "ax") -> Axes:
    """``ax`` if it is a matplotlib Axes, new axes (a new figure of ``figsize``) when ``None``."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    elif not isinstance(ax, Axes):
        raise TypeError(f"{name} must be a matplotlib Axes or None, got {type(ax).__name__}")
    return ax


def axes_row(axes, n: int, name: str = "axes") -> list:
    """A given sequence of ``n`` Axes as a list (``TypeError`` naming ``name`` otherwise)."""
    ok = hasattr(axes, "__len__") and not isinstance(axes, (str, Axes)) and len(axes) == n
    if not (ok and all(isinstance(a, Axes) for a in axes)):
        raise TypeError(f"{name} must be a sequence of {n} matplotlib Axes or None, got {axes!r:.80}")
    return list(axes)


def result(obj, cls, name: str):
    """``obj`` if it is an instance of ``cls`` (a result type of the library), else ``TypeError`` naming ``name``."""
    if not isinstance(obj, cls):
        raise TypeError(f"{name} must be a {cls.__module__}.{cls.__name__}, got {type(obj).__name__}")
    return obj


def mapping(obj, name: str, what: str) -> Mapping:
    """A non-empty mapping (``TypeError``/``ValueError`` naming ``name``, saying ``what`` it maps)."""
    if not isinstance(obj, Mapping):
        raise TypeError(f"{name} must be a mapping of {what}, got {type(obj).__name__}")
    if not obj:
        raise ValueError(f"{name} must map at least one {what}")
    return obj


def curve(values, name: str, n: int | None = None, grid: str = "the grid") -> np.ndarray:
    """A finite, non-empty 1-D float array (of length ``n``, one entry per point of ``grid``, when given)."""
    arr = v.finite_array(values, name, ndim=1)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    if n is not None and arr.size != n:
        raise ValueError(f"{name} must have {n} entries, one per point of {grid}; got {arr.size}")
    return arr


def increasing(values, name: str, *, positive: bool = False) -> np.ndarray:
    """A finite, non-empty, strictly increasing 1-D grid (of positive numbers with ``positive``)."""
    arr = curve(values, name)
    if np.any(np.diff(arr) <= 0):
        raise ValueError(f"{name} must be strictly increasing")
    if positive and arr[0] <= 0:
        raise ValueError(f"{name} must hold numbers > 0")
    return arr


def depths(values, name: str = "depths", *, allow_inf: bool = False) -> list:
    """A non-empty sequence of depths (whole numbers ≥ 1; ``inf`` too with ``allow_inf``), as a list."""
    if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{name} must be a sequence of depths, got {type(values).__name__}")
    check = v.depth_or_inf if allow_inf else v.depth
    out = [check(D, f"{name} entries") for D in values]
    if not out:
        raise ValueError(f"{name} must hold at least one depth")
    return out


def log_if_positive(values) -> str:
    """``'log'`` for a grid of positive numbers, ``'linear'`` otherwise."""
    return "log" if np.all(np.asarray(values, dtype=float) > 0) else "linear"


def rows(result, name: str, required: tuple) -> list:
    """Summary rows (dicts) from a :class:`~dwf_theory.trainer.SweepResult` (its finished results) or a list.

    Each row must be a mapping holding the keys ``required``; at least one row.
    """
    from ..trainer.sweep import SweepResult

    if isinstance(result, SweepResult):
        out = [r for _, r in result.finished()]
    elif isinstance(result, (list, tuple)):
        out = list(result)
    else:
        raise TypeError(
            f"{name} must be a trainer SweepResult or a list of run summaries (dicts), got {type(result).__name__}"
        )
    if not out:
        raise ValueError(f"{name} must hold at least one finished run")
    for r in out:
        if not isinstance(r, Mapping):
            raise TypeError(f"{name} must hold run summaries (dicts), got an entry of type {type(r).__name__}")
        missing = [k for k in required if k not in r]
        if missing:
            raise ValueError(f"{name}: a run summary lacks the keys {missing}")
    return out
