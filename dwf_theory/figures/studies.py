"""Figures of the network-level studies on digits: learning-rate edges, learning phases per depth, onset scaling.

Each function computes its study (:mod:`dwf_theory.trainer.studies`) on fixed seeds, or draws a
given ``result`` (the study, its ``as_dict()`` or its JSON file) without training.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt

from .. import _validate as v
from .. import plot as draw
from ..trainer import InlineExecutor
from ..trainer.studies import LRStudy, PhaseStudy, load_study, lr_study, phase_study

__all__ = ["lr_edges", "phase_depths", "onset_scaling"]


def _executor(quick: bool):
    """Quick figures run in this process; full ones on the default process pool (None)."""
    return InlineExecutor() if quick else None


def _given(result, cls):
    try:
        study = load_study(result)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"result: {exc}") from None
    if not isinstance(study, cls):
        raise TypeError(f"result must be a {cls.__name__} (or its dict or JSON file), got {type(study).__name__}")
    return study


@functools.lru_cache(maxsize=2)
def _phase(quick: bool) -> PhaseStudy:
    """The gallery's phase study, computed once per process for both figures that draw it."""
    return phase_study(quick=quick, executor=_executor(quick), progress=False)


def _network(config: dict) -> str:
    if config.get("arch"):
        return config["arch"]
    return "MLP " + "-".join(map(str, ["in", *config.get("hidden", ()), "out"]))


def lr_edges(*, quick: bool = False, result=None):
    """Compression and accuracy against the learning rate per depth, with the predicted edges 2(1+μ)/λ_max."""
    quick = v.flag(quick, "quick")
    if result is None:
        study = lr_study(quick=quick, executor=_executor(quick), progress=False)
    else:
        study = _given(result, LRStudy)
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 3.7))
    draw.lr_edges(study, axes)
    cfg = study.config
    fig.suptitle(
        f"{cfg['dataset']}, {_network(cfg)}, λ={cfg['lam']:g}, SGD with momentum μ={cfg['momentum']:g} at constant η, "
        f"{cfg['epochs']} epochs\nedges 2(1+μ)/λ_max from the smallest η's trained weights (dashed) and from the "
        "sharpest stable run's (dotted)",
        fontsize=8,
    )
    fig.tight_layout()
    return fig


def phase_depths(*, quick: bool = False, result=None):
    """One panel per depth: test accuracy and sparsity against epoch for several λ (the learning phases)."""
    quick = v.flag(quick, "quick")
    study = _phase(quick) if result is None else _given(result, PhaseStudy)
    depths = sorted({r.D for r in study.runs})
    fig, axes = plt.subplots(1, len(depths), figsize=(3.6 * len(depths), 3.4), sharey=True, squeeze=False)
    draw.phase_histories(study, list(axes[0]))
    cfg = study.config
    fig.suptitle(
        f"{cfg['dataset']}, {_network(cfg)}, η={cfg['lr']:g}, μ={cfg['momentum']:g} (constant); "
        f"dots: sparsification onset (sparsity {cfg['rise']:g} above its running minimum)",
        fontsize=8,
    )
    fig.tight_layout()
    return fig


def onset_scaling(*, quick: bool = False, result=None):
    """The fitting onset of a one-layer DWF classifier against the init scale, against C25's escape-time law."""
    quick = v.flag(quick, "quick")
    study = _phase(quick) if result is None else _given(result, PhaseStudy)
    fig, ax = plt.subplots(figsize=(5.6, 4.0))
    draw.onset_scaling(study, ax)
    cfg = study.config
    ax.set_title(
        f"{cfg['dataset']}, linear DWF classifier, VarMatch init × s: time T for the training loss to fall to "
        f"{cfg['level']:g} × its initial value",
        fontsize=8,
    )
    return fig
