"""The figure of a depth comparison (``dwf-theory compare``), drawn from its result or its JSON file.

Not part of the gallery (:data:`~dwf_theory.figures.FIGURES`): a comparison takes minutes to hours, so
``dwf-theory compare`` writes its raw results as JSON beside the figure, and :func:`comparison_figure`
redraws the figure from that file without training.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

from .. import _validate as v
from .. import plot as draw
from ..trainer.compare_result import Comparison

__all__ = ["comparison_figure", "write_comparison", "load_comparison"]


def load_comparison(source, *, name: str = "source") -> Comparison:
    """A :class:`~dwf_theory.trainer.compare_result.Comparison` from itself, its ``as_dict()`` or its JSON file.

    ``name`` is the argument's name in error messages.
    """
    if isinstance(source, Comparison):
        return source
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ValueError(f"{name} must be a JSON file written by dwf-theory compare; no file {str(path)!r}")
        try:
            source = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{name}: {str(path)!r} is not a JSON file of a comparison ({exc})") from None
    if not isinstance(source, dict):
        raise TypeError(f"{name} must be a Comparison, its dict or a JSON file path, got {type(source).__name__}")
    try:
        return Comparison.from_dict(source)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"{name} is not the dict of a Comparison ({type(exc).__name__}: {exc})") from None


def comparison_figure(result, *, tolerance=0.01):
    """Test accuracy against compression (log x) per method: the means over seeds with their 95 % bands
    at the target compressions, the dense accuracy and the band within ``tolerance`` of it.

    Parameters
    ----------
    result : Comparison, its ``as_dict()``, or the path of its JSON file
    tolerance : float in [0, 1)
        Width of the band below the dense accuracy, a fraction of it (0.01: within 1 %).

    Returns
    -------
    matplotlib.figure.Figure
        ``ValueError`` if the dense accuracy is not known yet (a comparison interrupted before it).
    """
    cmp = load_comparison(result, name="result")
    tolerance = v.real_scalar(tolerance, "tolerance", minimum=0.0)
    if cmp.dense.interval is None:
        raise ValueError("result has no dense accuracy over its seeds yet (interrupted before the dense runs)")
    fig = plt.figure(figsize=(7.2, 4.8))
    ax = fig.add_subplot()
    colors = matplotlib.colormaps["tab20"].colors
    ax.set_prop_cycle(color=[colors[(2 * i) % 20 + (2 * i) // 20] for i in range(len(cmp.methods))])
    draw.comparison(cmp.curves(), cmp.dense.interval.mean, ax, tolerance=tolerance, legend=False)
    for line in ax.get_lines():
        if line.get_label().startswith("DWF"):
            line.set_linewidth(2.4)
    ax.legend(frameon=False, fontsize=7, ncol=2, loc="best")
    n = len(cmp.dense_per_seed)
    status = "" if cmp.completed else " (interrupted: partial)"
    ax.set_title(
        f"{cmp.dataset} × {cmp.arch}: mean and 95 % CI over {n} seeds, {cmp.budget.epochs} epochs{status}",
        fontsize=9,
    )
    return fig


def write_comparison(result, out, *, stem=None, tolerance=0.01, raw=True) -> list[Path]:
    """Write ``stem.json`` (the raw results; not with ``raw=False``), ``stem.png`` and ``stem.pdf`` (the figure)
    into the folder ``out``.

    ``stem`` defaults to ``compare_<dataset>_<arch>``; the figure is skipped when the dense accuracy is
    not known yet. Returns the paths written.
    """
    from . import _METADATA, STYLE

    cmp = load_comparison(result, name="result")
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out must be a folder path (str or os.PathLike), got {type(out).__name__}")
    if stem is None:
        stem = f"compare_{cmp.dataset}_{cmp.arch}"
    elif not isinstance(stem, str) or not stem or os.sep in stem:
        raise ValueError(f"stem must be a file name without a folder, got {stem!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    if v.flag(raw, "raw"):
        paths.append(out / f"{stem}.json")
        paths[0].write_text(json.dumps(cmp.as_dict(), indent=1), encoding="utf-8")
    if cmp.dense.interval is None:
        return paths
    with matplotlib.rc_context(STYLE):
        fig = comparison_figure(cmp, tolerance=tolerance)
        for ext, meta in _METADATA.items():
            fig.savefig(out / f"{stem}.{ext}", metadata=meta, bbox_inches="tight")
            paths.append(out / f"{stem}.{ext}")
        plt.close(fig)
    return paths
