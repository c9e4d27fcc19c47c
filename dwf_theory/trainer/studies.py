"""Network-level studies: learning-rate edges against the Hessian's sharpness, and the learning phases.

Two sweeps that carry the scalar theory to trained DWF networks (Kolb et al., ICLR 2025):

- :func:`lr_study` — compression and test accuracy against the learning rate ``η`` per depth at a
  fixed ``λ``, with the linear stability edge ``η < 2(1 + μ)/λ_max`` of heavy-ball momentum ``μ``
  (the scalar edge of claims C27 and C31) predicted from the Hessian's largest eigenvalue
  (:func:`~dwf_theory.trainer.sharpness.sharpness`). For minibatch SGD with momentum this edge
  is a prediction to test, not a law: the study reports how well it predicts which runs diverge.
- :func:`phase_study` — the histories over a ``λ × D`` grid with their phase markers
  (:func:`phase_markers`: onset of fitting and of sparsification, a dip of the test accuracy and
  its recovery), and the onset of fitting against the initialization scale, fitted against the
  escape-time law of claim C25 (``T ∝ w0^{−(1−2/D)}`` for ``D >= 3``, ``∝ log(1/w0)`` for ``D = 2``).

Both go through :func:`~dwf_theory.trainer.run_sweep` (any ``executor``; a progress bar; Ctrl-C
keeps the finished runs, ``completed=False``), are deterministic given ``rng``, and return frozen
results with ``as_dict()`` (strict JSON) and ``from_dict()``.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, fields

import numpy as np

from .. import _validate as v
from ..dynamics import escape_exponent
from .data import as_seed
from .datasets import DATASETS as NAMED_DATASETS
from .experiments import _dataset, _depths, _numbers, _sequence
from .layers import MLP
from .network import ARCHITECTURES, ModelSpec, _dtype
from .sharpness import MAX_PRODUCTS, sharpness
from .sweep import run_sweep
from .train import MAX_EPOCHS, EpochRecord, History, _json_safe, train

__all__ = [
    "LRRun",
    "LREdge",
    "LRStudy",
    "PhaseMarkers",
    "PhaseRun",
    "OnsetFit",
    "SparsityFit",
    "PhaseStudy",
    "lr_study",
    "phase_study",
    "phase_markers",
    "load_study",
]


# --------------------------------------------------------------------------- #
# set-up common to both studies
# --------------------------------------------------------------------------- #


def _network(arch, hidden) -> tuple:
    """``(arch, hidden)`` validated: a name of ARCHITECTURES and ``None``, or ``None`` and hidden widths."""
    if arch is not None and hidden is not None:
        raise ValueError("hidden applies to the MLP only; give arch or hidden, not both")
    if arch is not None:
        return v.choice(arch, "arch", tuple(ARCHITECTURES)), None
    if hidden is None:
        return None, None
    if not isinstance(hidden, (list, tuple)):
        raise TypeError(f"hidden must be a list or tuple of widths, got {type(hidden).__name__}")
    return None, tuple(v.whole_number(h, "hidden entries", 1) for h in hidden)


def _build(cfg: dict):
    """The model and data of one run: ``cfg`` holds dataset, arch, hidden, D, seed, init, init_scale, dtype."""
    data, input_shape, n_classes, _ = _dataset(cfg["dataset"], cfg["seed"])
    options = dict(init=cfg["init"], rng=cfg["seed"], init_scale=cfg["init_scale"], dtype=cfg["dtype"])
    if cfg["arch"] is not None:
        model = ModelSpec(cfg["arch"], input_shape, n_classes).build(cfg["D"], **options)
    else:
        model = MLP((math.prod(input_shape), *cfg["hidden"], n_classes), cfg["D"], **options)
    return model, tuple(data)


def _common(dataset, arch, hidden, default_hidden, momentum, batch_size, rng, executor, progress, quick, dtype):
    """Validated options shared by both studies."""
    dataset = v.choice(dataset, "dataset", tuple(NAMED_DATASETS))
    arch, hidden = _network(arch, hidden)
    quick = v.flag(quick, "quick")
    if arch is None and hidden is None:
        hidden = (8,) if quick else default_hidden
    return dict(
        dataset=dataset,
        arch=arch,
        hidden=hidden,
        momentum=v.momentum(momentum),
        batch_size=v.whole_number(batch_size, "batch_size", 1),
        seed=as_seed(rng),
        dtype=str(_dtype(dtype)),
        quick=quick,
        progress=v.flag(progress, "progress"),
        executor=executor,
    )


def _finite_or_none(x):
    return None if x is None or not math.isfinite(x) else float(x)


def _from_fields(cls, d: dict):
    """``cls(**d)`` restricted to the dataclass's fields (``ValueError`` naming the missing ones)."""
    names = [f.name for f in fields(cls)]
    missing = [n for n in names if n not in d]
    if missing:
        raise ValueError(f"source lacks the entries {missing} of a {cls.__name__}")
    return cls(**{n: d[n] for n in names})


# --------------------------------------------------------------------------- #
# learning-rate edges
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class LRRun:
    """One run of :func:`lr_study` (its final record).

    ``test_accuracy`` is measured after zeroing collapsed weights ``|w| <= zero_tol``;
    ``compression_ratio`` is all / nonzero weights (``None``: every weight is zero);
    ``status`` is the trainer's (``'ok'`` or ``'diverged'``); ``sharpness`` is ``λ_max`` of the
    full-batch training objective at the run's last parameters (``None`` when the run diverged, was
    not measured, or Lanczos did not converge), ``sharpness_init`` at the initialization (reference
    runs only); ``initial_train_loss`` and ``train_loss`` are the first and last records' mean loss.
    """

    D: int
    lr: float
    status: str
    test_accuracy: float
    compression_ratio: float | None
    sparsity: float
    initial_train_loss: float
    train_loss: float
    epochs_run: int
    sharpness: float | None
    sharpness_init: float | None
    seconds: float

    @property
    def diverged(self) -> bool:
        """``status == 'diverged'``."""
        return self.status == "diverged"


@dataclass(frozen=True)
class LREdge:
    """The predicted and the observed learning-rate edge of one depth.

    Attributes
    ----------
    D : int
    reference_lr : float
        The run whose trained weights give the prediction: the smallest ``η`` of the grid.
    sharpness_reference, sharpness_init : float or None
        ``λ_max`` at the reference run's end and at the initialization (the same for every η).
    sharpest_lr : float or None
        The ``η`` of the stable run with the largest ``λ_max`` at its end (needs ``every_run``).
    sharpness_max : float or None
        That largest ``λ_max``.
    predicted, predicted_init, predicted_max : float or None
        ``2(1 + μ)/λ_max`` from the three (``None`` when ``λ_max <= 0`` or unknown).
    largest_stable, smallest_diverged : float or None
        The largest ``η`` of the grid that did not diverge and the smallest that did.
    agreement, agreement_init, agreement_max : float or None
        Fraction of the depth's runs with ``(η < edge) == (not diverged)`` for each predicted edge.
    """

    D: int
    reference_lr: float
    sharpness_reference: float | None
    sharpness_init: float | None
    sharpest_lr: float | None
    sharpness_max: float | None
    predicted: float | None
    predicted_init: float | None
    predicted_max: float | None
    largest_stable: float | None
    smallest_diverged: float | None
    agreement: float | None
    agreement_init: float | None
    agreement_max: float | None


@dataclass(frozen=True)
class LRStudy:
    """Result of :func:`lr_study`: the runs (depth-major, ``η`` ascending), one edge per depth, the settings."""

    runs: tuple
    edges: tuple
    config: dict
    completed: bool

    def as_dict(self) -> dict:
        """Strict-JSON form (``kind = 'lr_study'``); :meth:`from_dict` inverts it."""
        return _json_safe(
            {
                "kind": "lr_study",
                "runs": [asdict(r) for r in self.runs],
                "edges": [asdict(e) for e in self.edges],
                "config": self.config,
                "completed": self.completed,
            }
        )

    @classmethod
    def from_dict(cls, d: dict) -> LRStudy:
        """The study from its :meth:`as_dict` form."""
        return _parsed(
            d,
            "lr_study",
            lambda d: cls(
                tuple(_from_fields(LRRun, r) for r in d["runs"]),
                tuple(_from_fields(LREdge, e) for e in d["edges"]),
                dict(d["config"]),
                bool(d["completed"]),
            ),
        )


def _edge(lam_max, momentum: float):
    """``2(1 + μ)/λ_max``, or ``None`` for an unknown or non-positive ``λ_max``."""
    return None if lam_max is None or lam_max <= 0 else 2.0 * (1.0 + momentum) / lam_max


def _agreement(runs, edge):
    if edge is None or not runs:
        return None
    return float(np.mean([(r.lr < edge) == (not r.diverged) for r in runs]))


def _edges(runs: tuple, depths: tuple, momentum: float) -> tuple:
    out = []
    for D in depths:
        mine = sorted((r for r in runs if r.D == D), key=lambda r: r.lr)
        if not mine:
            continue
        ref = mine[0]
        stable = [r.lr for r in mine if not r.diverged]
        diverged = [r.lr for r in mine if r.diverged]
        measured = [r for r in mine if not r.diverged and r.sharpness is not None]
        sharpest = max(measured, key=lambda r: r.sharpness) if measured else None
        pred = _edge(ref.sharpness, momentum)
        pred0 = _edge(ref.sharpness_init, momentum)
        pred_max = None if sharpest is None else _edge(sharpest.sharpness, momentum)
        out.append(
            LREdge(
                D=D,
                reference_lr=ref.lr,
                sharpness_reference=ref.sharpness,
                sharpness_init=ref.sharpness_init,
                sharpest_lr=None if sharpest is None else sharpest.lr,
                sharpness_max=None if sharpest is None else sharpest.sharpness,
                predicted=pred,
                predicted_init=pred0,
                predicted_max=pred_max,
                largest_stable=max(stable) if stable else None,
                smallest_diverged=min(diverged) if diverged else None,
                agreement=_agreement(mine, pred),
                agreement_init=_agreement(mine, pred0),
                agreement_max=_agreement(mine, pred_max),
            )
        )
    return tuple(out)


def _measure(model, data, lam, cfg):
    """:func:`sharpness` on the training rows, or ``None`` if Lanczos does not converge."""
    try:
        return sharpness(model, data[0], data[1], lam, iters=cfg["iters"], tol=cfg["tol"], rng=cfg["seed"])
    except ValueError:
        return None


def _lr_task(cfg: dict) -> dict:
    """One run of :func:`lr_study` (module level: picklable for process pools)."""
    model, data = _build(cfg)
    lam_max0 = _measure(model, data, cfg["lam"], cfg) if cfg["reference"] else None
    hist = train(
        model,
        data,
        lam=cfg["lam"],
        lr=cfg["lr"],
        epochs=cfg["epochs"],
        batch_size=cfg["batch_size"],
        momentum=cfg["momentum"],
        schedule="constant",
        rng=cfg["seed"],
        zero_tol=cfg["zero_tol"],
    )
    measure = hist.status != "diverged" and (cfg["reference"] or cfg["every_run"])
    f = hist.final
    return asdict(
        LRRun(
            D=cfg["D"],
            lr=cfg["lr"],
            status=hist.status,
            test_accuracy=f.pruned_test_accuracy,
            compression_ratio=_finite_or_none(f.compression_ratio),
            sparsity=f.sparsity,
            initial_train_loss=hist.records[0].train_loss,
            train_loss=f.train_loss,
            epochs_run=f.epoch,
            sharpness=_measure(model, data, cfg["lam"], cfg) if measure else None,
            sharpness_init=lam_max0,
            seconds=hist.seconds,
        )
    )


def lr_study(
    dataset="digits",
    depths=(2, 3, 4),
    lrs=None,
    *,
    arch=None,
    hidden=None,
    lam=1e-3,
    momentum=0.9,
    epochs=None,
    batch_size=64,
    every_run=True,
    iters=2000,
    tol=1e-6,
    zero_tol=1e-3,
    dtype="float32",
    rng=0,
    executor=None,
    progress=True,
    quick=False,
) -> LRStudy:
    """Compression and accuracy against the learning rate per depth, with the predicted stability edge.

    Every ``(D, η)`` trains the same initialization of depth ``D`` (the seed taken from ``rng``
    drives the data split, the initialization and the minibatch order) by minibatch SGD with
    heavy-ball momentum ``μ`` at the constant rate ``η`` on ``mean loss + (λ/D)Σ‖ω‖²``. The
    predicted edge of a depth is ``2(1 + μ)/λ_max`` with ``λ_max`` the sharpness
    (:func:`~dwf_theory.trainer.sharpness.sharpness`, full batch on the training rows) at the
    trained weights of the **reference run, the smallest η of the grid** (it trains stably, and
    the edge-of-stability reading says a run at a larger ``η`` must leave, or never enter,
    regions sharper than ``2(1 + μ)/η``); the edge from the initialization's sharpness is
    reported beside it. For full-batch gradient descent near a minimum this is the linear
    stability bound (the scalar problem's edge, claims C27 and C31); for minibatch SGD it is a
    prediction, and :class:`LREdge` says how well it separates the runs that diverged (the
    trainer's flag: a non-finite objective or one above 10⁴ × (1 + its initial value)) from those
    that did not. With ``every_run`` the sharpness at every stable run's end is measured too
    (``η·λ_max/(2(1 + μ))`` near 1 is the edge-of-stability signature), and the edge from the
    sharpest of them is reported as well: the smallest ``η`` may not have left the plateau around
    the origin within ``epochs`` (deep factorizations escape slowly), where the loss is flat.

    Parameters
    ----------
    dataset : str
        A name of :data:`~dwf_theory.trainer.DATASETS` (``'mnist'``-type sets need their files).
    depths : sequence of int >= 1
    lrs : sequence of float > 0, optional
        Default: ``0.01 … 10`` in 7 log-spaced steps (``quick``: 0.1 and 10).
    arch : str, optional
        A name of :data:`~dwf_theory.trainer.ARCHITECTURES`; otherwise an MLP with ``hidden`` widths.
    hidden : sequence of int, optional
        Default ``(100,)`` (``quick``: ``(8,)``).
    lam : float >= 0
    momentum : float in [0, 1)
    epochs : int in [1, MAX_EPOCHS], optional
        Default 30 (``quick``: 2).
    batch_size : int >= 1
    every_run : bool
        Measure the sharpness at every stable run's end, not only the reference run's.
    iters, tol
        Lanczos budget (Hessian–vector products) and stopping tolerance of each sharpness.
    zero_tol : float >= 0
        ``|w| <= zero_tol`` counts as zero (compression, pruned accuracy).
    dtype : 'float32' or 'float64'
        Of the training (the sharpness is always evaluated in float64).
    rng : numpy.random.Generator, int seed or None
    executor : concurrent.futures.Executor, optional
        See :func:`~dwf_theory.trainer.run_sweep` (``None``: a process pool).
    progress : bool
    quick : bool
        A tiny network and grid that finish in seconds (tests).

    Returns
    -------
    LRStudy
    """
    opts = _common(dataset, arch, hidden, (100,), momentum, batch_size, rng, executor, progress, quick, dtype)
    depths = _depths(depths)
    lrs = _numbers(lrs, "lrs", strict=True)
    if lrs is None:
        lrs = (0.1, 10.0) if opts["quick"] else tuple(float(x) for x in np.geomspace(0.01, 10.0, 7))
    lrs = tuple(sorted(set(lrs)))
    lam = v.regularization(lam)
    epochs = v.whole_number((2 if opts["quick"] else 30) if epochs is None else epochs, "epochs", 1, MAX_EPOCHS)
    base = dict(
        dataset=opts["dataset"],
        arch=opts["arch"],
        hidden=opts["hidden"],
        seed=opts["seed"],
        init="varmatch-truncated",
        init_scale=1.0,
        dtype=opts["dtype"],
        lam=lam,
        momentum=opts["momentum"],
        epochs=epochs,
        batch_size=opts["batch_size"],
        every_run=v.flag(every_run, "every_run"),
        iters=v.whole_number(iters, "iters", 1, MAX_PRODUCTS),
        tol=v.positive(tol, "tol"),
        zero_tol=v.real_scalar(zero_tol, "zero_tol", minimum=0.0),
    )
    cfgs = [dict(base, D=D, lr=float(lr), reference=i == 0) for D in depths for i, lr in enumerate(lrs)]
    res = run_sweep(_lr_task, cfgs, executor=opts["executor"], progress=opts["progress"], desc="learning-rate study")
    runs = tuple(_from_fields(LRRun, r) for _, r in res.finished())
    config = dict(base, depths=list(depths), lrs=list(lrs), schedule="constant")
    return LRStudy(runs, _edges(runs, depths, opts["momentum"]), _json_safe(config), res.completed)


# --------------------------------------------------------------------------- #
# learning phases
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class PhaseMarkers:
    """Phase markers of one history (:func:`phase_markers` defines them); ``None``: not reached.

    Onsets are interpolated epochs (floats); the other markers are epochs of records (ints).
    """

    fit_onset: float | None
    sparsity_onset: float | None
    generalization_epoch: int | None
    dip_epoch: int | None
    dip_depth: float | None
    recovery_epoch: int | None


def _fraction(level, before, after) -> float:
    """Where between two consecutive epochs a linear interpolation crosses ``level`` (in [0, 1])."""
    return 1.0 if after == before else float(np.clip((level - before) / (after - before), 0.0, 1.0))


def phase_markers(history, *, level=0.5, rise=0.05, reach=0.95, dip=0.05, recover=0.01) -> PhaseMarkers:
    """The onsets of fitting and sparsification, the time to generalize, and a dip of the test accuracy.

    On the records ``e = 0, 1, …`` (epoch 0: the initialization) with mean training loss ``L_e``,
    sparsity ``s_e`` and test accuracy (unpruned) ``a_e``:

    - ``fit_onset``: the first time the training loss reaches ``level·L_0``: for the first record
      ``e`` with ``L_e <= level·L_0``, the linearly interpolated epoch between ``e − 1`` and ``e``
      (the network analogue of the escape time of claim C25, the time to cover a fixed fraction
      of the way from a small start).
    - ``sparsity_onset``: the first time the sparsity exceeds its running minimum by ``rise``: for
      the first record ``e >= 1`` with ``s_e >= min_{k<e} s_k + rise``, the interpolated crossing of
      that level between ``e − 1`` and ``e``. (From the trainer's initialization no weight starts
      at zero, the running minimum is 0, and this is "the sparsity first exceeds ``rise``"; from a
      tiny initialization, where many weights start below ``zero_tol``, it is the rise after the
      escape.)
    - ``generalization_epoch``: the first record with ``a_e >= reach · max_k a_k`` (the time to
      come within a fraction of the run's best test accuracy; "delayed generalization" is this
      epoch growing with ``λ`` and ``D``).
    - ``dip_epoch``: the first record at or after the sparsification onset with
      ``a_e <= max_{k<=e} a_k − dip`` (earlier drops are the noise of fitting, not the collapse of
      weights); ``peak`` is that running maximum. ``recovery_epoch``: the first later record with
      ``a_e >= peak − recover`` (``None`` if the accuracy never returns). ``dip_depth``: ``peak``
      minus the lowest accuracy from the dip to the recovery (or to the end). No sparsification
      onset: no dip.

    Parameters
    ----------
    history : History
    level, reach : float in (0, 1)
    rise, dip : float in (0, 1]
    recover : float in [0, dip)

    Returns
    -------
    PhaseMarkers
    """
    if not isinstance(history, History):
        raise TypeError(f"history must be a dwf_theory.trainer History, got {type(history).__name__}")
    t = _thresholds(level, rise, reach, dip, recover)
    loss = history.column("train_loss")
    sparsity = history.column("sparsity")
    acc = history.column("test_accuracy")
    epoch = history.column("epoch").astype(float)
    onset = _sparsity_onset(sparsity, epoch, t["rise"])
    first = None if onset is None else int(np.flatnonzero(epoch >= onset)[0])
    return PhaseMarkers(
        fit_onset=_fit_onset(loss, epoch, t["level"]),
        sparsity_onset=onset,
        generalization_epoch=int(epoch[np.flatnonzero(acc >= t["reach"] * acc.max())[0]]),
        **_dip(acc, epoch, first, t["dip"], t["recover"]),
    )


def _thresholds(level, rise, reach, dip, recover) -> dict:
    """The thresholds of :func:`phase_markers`, validated."""
    out = {}
    for x, name in ((level, "level"), (reach, "reach")):
        out[name] = v.real_scalar(x, name)
        if not 0 < out[name] < 1:
            raise ValueError(f"{name} must lie in (0, 1), got {x}")
    for x, name in ((rise, "rise"), (dip, "dip")):
        out[name] = v.positive(x, name)
        if out[name] > 1:
            raise ValueError(f"{name} must lie in (0, 1], got {x}")
    out["recover"] = v.real_scalar(recover, "recover", minimum=0.0)
    if not out["recover"] < out["dip"]:
        raise ValueError(f"recover must be smaller than dip ({out['dip']}), got {recover}")
    return out


def _fit_onset(loss, epoch, level):
    target = level * loss[0]
    hit = np.flatnonzero(loss <= target)
    if hit.size == 0:
        return None
    e = int(hit[0])
    if e == 0:
        return float(epoch[0])
    return float(epoch[e - 1] + _fraction(target, loss[e - 1], loss[e]) * (epoch[e] - epoch[e - 1]))


def _sparsity_onset(sparsity, epoch, rise):
    floor = np.minimum.accumulate(sparsity)
    for e in range(1, sparsity.size):
        target = floor[e - 1] + rise
        if sparsity[e] >= target:
            return float(epoch[e - 1] + _fraction(target, sparsity[e - 1], sparsity[e]) * (epoch[e] - epoch[e - 1]))
    return None


def _dip(acc, epoch, first, dip, recover) -> dict:
    """Dip of ``acc`` below its running maximum from record ``first`` on (``None``: no search), and recovery."""
    none = dict(dip_epoch=None, dip_depth=None, recovery_epoch=None)
    if first is None:
        return none
    peak = np.maximum.accumulate(acc)
    down = first + np.flatnonzero(acc[first:] <= peak[first:] - dip)
    if down.size == 0:
        return none
    d = int(down[0])
    top = peak[d]
    back = np.flatnonzero(acc[d + 1 :] >= top - recover)
    r = None if back.size == 0 else d + 1 + int(back[0])
    low = float(np.min(acc[d : (acc.size if r is None else r + 1)]))
    recovery = None if r is None else int(epoch[r])
    return dict(dip_epoch=int(epoch[d]), dip_depth=float(top - low), recovery_epoch=recovery)


@dataclass(frozen=True)
class PhaseRun:
    """One run of :func:`phase_study`: its settings, :class:`~dwf_theory.trainer.History` and markers."""

    lam: float
    D: int
    init_scale: float
    history: History
    markers: PhaseMarkers


@dataclass(frozen=True)
class OnsetFit:
    """The onset of fitting against the initialization scale at one ``(λ, D)``, against claim C25's law.

    Attributes
    ----------
    lam : float
    D : int
    init_scales : tuple of float
        Descending; each multiplies the He scale of the (untruncated VarMatch) initialization,
        so the collapsed weights start at ``init_scale ×`` those of scale 1 exactly.
    onsets : tuple of float or None
        ``fit_onset`` (:func:`phase_markers`) of each run, in epochs (``None``: not reached).
    exponent : float or None
        Claim C25's estimator (:func:`dwf_theory.escape_exponent`, its power law branch): the
        least-squares slope of ``log(T_{i+1} − T_i)`` against ``log s_i`` over consecutive scales,
        which cancels the constant part of ``T``. ``None`` with fewer than 3 onsets, or when they
        do not grow as the scale shrinks.
    exponent_loglog : float or None
        The plain least-squares slope of ``log T`` against ``log s`` (biased towards 0 by the
        constant part).
    log_slope : float or None
        ``D = 2``: the slope of ``T`` against ``log(1/s)`` (C25's ``log(1/w0)`` law); else ``None``.
    predicted : float or None
        ``−(1 − 2/D)`` (0 for ``D = 2``: the log law's differences are constant) for a network of
        one factorized layer, where each weight follows C25's scalar flow while it is small;
        ``None`` for ``D = 1`` or hidden layers (their products change the law).
    """

    lam: float
    D: int
    init_scales: tuple
    onsets: tuple
    exponent: float | None
    exponent_loglog: float | None
    log_slope: float | None
    predicted: float | None


@dataclass(frozen=True)
class SparsityFit:
    """The sparsification onset against ``λ`` at one depth (the grid runs of :func:`phase_study`).

    ``exponent`` is the least-squares slope of ``log(sparsity_onset)`` against ``log λ`` over the
    ``λ > 0`` whose runs reached the onset (``None`` with fewer than 2). ``predicted = −1`` (derived
    here): a weight whose loss gradient vanishes has factors that heavy-ball SGD shrinks by
    ``η(2λ/D)/(1 − μ)`` per step each (the slow mode of
    ``ω_{t+1} = ω_t − η(2λ/D)ω_t + μ(ω_t − ω_{t−1})``), so ``w = Π_d ω_d`` shrinks by
    ``2λη/(1 − μ)`` per step, and the time to fall by a fixed factor (to ``zero_tol``) is ``∝ 1/λ``.
    """

    D: int
    lams: tuple
    onsets: tuple
    exponent: float | None
    predicted: float


@dataclass(frozen=True)
class PhaseStudy:
    """Result of :func:`phase_study`.

    ``runs``: the ``λ × D`` grid at init scale 1 (λ-major); ``escape``: the init-scale runs;
    ``fits``: one :class:`OnsetFit` per ``(escape λ, D)``; ``sparsity_fits``: one
    :class:`SparsityFit` per depth; ``config``: the settings. The histories are the trainer's
    (an all-zero network's ``compression_ratio`` is ``inf``).
    """

    runs: tuple
    escape: tuple
    fits: tuple
    sparsity_fits: tuple
    config: dict
    completed: bool

    def as_dict(self) -> dict:
        """Strict-JSON form (``kind = 'phase_study'``; non-finite compression ratios become ``None``)."""
        return _json_safe(
            {
                "kind": "phase_study",
                "runs": [_run_dict(r) for r in self.runs],
                "escape": [_run_dict(r) for r in self.escape],
                "fits": [asdict(f) for f in self.fits],
                "sparsity_fits": [asdict(f) for f in self.sparsity_fits],
                "config": self.config,
                "completed": self.completed,
            }
        )

    @classmethod
    def from_dict(cls, d: dict) -> PhaseStudy:
        """The study from its :meth:`as_dict` form."""

        def build(d):
            fits = tuple(
                _from_fields(OnsetFit, dict(f, init_scales=tuple(f["init_scales"]), onsets=tuple(f["onsets"])))
                for f in d["fits"]
            )
            sfits = tuple(
                _from_fields(SparsityFit, dict(f, lams=tuple(f["lams"]), onsets=tuple(f["onsets"])))
                for f in d["sparsity_fits"]
            )
            runs = tuple(_run_from(r) for r in d["runs"])
            escape = tuple(_run_from(r) for r in d["escape"])
            return cls(runs, escape, fits, sfits, dict(d["config"]), bool(d["completed"]))

        return _parsed(d, "phase_study", build)


def _run_dict(r: PhaseRun) -> dict:
    history, markers = r.history.as_dict(), asdict(r.markers)
    return {"lam": r.lam, "D": r.D, "init_scale": r.init_scale, "history": history, "markers": markers}


def _history_from(d: dict) -> History:
    """A :class:`History` from :meth:`History.as_dict` (a ``None`` compression ratio was infinite)."""
    records = []
    for rec in d["records"]:
        rec = dict(rec, layer_density=tuple(rec["layer_density"]))
        if rec["compression_ratio"] is None:
            rec["compression_ratio"] = math.inf
        records.append(_from_fields(EpochRecord, rec))
    return History(
        tuple(records), d["status"], d["zero_tol"], d["metric"], d["steps"], d["seconds"], dict(d.get("config", {}))
    )


def _run_from(d: dict) -> PhaseRun:
    markers = _from_fields(PhaseMarkers, d["markers"])
    return PhaseRun(d["lam"], d["D"], d["init_scale"], _history_from(d["history"]), markers)


def _parsed(d, kind: str, build):
    """``build(d)`` for the ``as_dict()`` form ``d`` of a study of ``kind``; ``ValueError`` if it is incomplete."""
    if not isinstance(d, dict):
        raise TypeError(f"d must be the dict of a study's as_dict(), got {type(d).__name__}")
    if d.get("kind") != kind:
        raise ValueError(f"d must be the as_dict() of a {kind}, got kind {d.get('kind')!r}")
    try:
        return build(d)
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise ValueError(f"d is not a complete as_dict() of a {kind} ({type(exc).__name__}: {exc})") from None


def _phase_task(cfg: dict) -> dict:
    """One run of :func:`phase_study` (module level: picklable)."""
    model, data = _build(cfg)
    callback = None
    if cfg["stop_at_fit"]:  # escape runs: nothing after the fitting onset is measured
        from .objective import objective

        target = 0.99 * cfg["level"] * objective(model, model.params, data[0], data[1], 0.0)
        callback = lambda record: record.train_loss <= target  # noqa: E731
    hist = train(
        model,
        data,
        lam=cfg["lam"],
        lr=cfg["lr"],
        epochs=cfg["epochs"],
        batch_size=cfg["batch_size"],
        momentum=cfg["momentum"],
        schedule="constant",
        rng=cfg["seed"],
        zero_tol=cfg["zero_tol"],
        callback=callback,
    )
    return {"lam": cfg["lam"], "D": cfg["D"], "init_scale": cfg["init_scale"], "history": hist.as_dict()}


def _onset_fit(runs, lam: float, D: int, one_layer: bool) -> OnsetFit:
    runs = sorted(runs, key=lambda r: -r.init_scale)
    scales = tuple(r.init_scale for r in runs)
    onsets = tuple(r.markers.fit_onset for r in runs)
    ok = [(s, t) for s, t in zip(scales, onsets) if t is not None and t > 0]
    exponent = loglog = log_slope = None
    if len(ok) >= 3:
        s, t = (np.array(x, float) for x in zip(*ok))
        loglog = float(np.polyfit(np.log(s), np.log(t), 1)[0])
        try:  # the power-law branch of C25's estimator (D >= 3 selects it; D = 2's log law is exponent 0)
            exponent = escape_exponent(s, t, max(D, 3))
        except ValueError:  # the onsets do not grow as the scale shrinks
            exponent = None
        if D == 2:
            log_slope = escape_exponent(s, t, 2)
    predicted = 2.0 / D - 1.0 if one_layer and D >= 2 else None
    return OnsetFit(lam, D, scales, onsets, exponent, loglog, log_slope, predicted)


def _sparsity_fit(runs, D: int) -> SparsityFit:
    runs = sorted((r for r in runs if r.D == D), key=lambda r: r.lam)
    lams = tuple(r.lam for r in runs)
    onsets = tuple(r.markers.sparsity_onset for r in runs)
    ok = [(lam, t) for lam, t in zip(lams, onsets) if lam > 0 and t is not None and t > 0]
    exponent = None
    if len({lam for lam, _ in ok}) >= 2:
        x, t = (np.array(a, float) for a in zip(*ok))
        exponent = float(np.polyfit(np.log(x), np.log(t), 1)[0])
    return SparsityFit(D, lams, onsets, exponent, -1.0)


def phase_study(
    dataset="digits",
    lams=None,
    depths=(2, 3, 4),
    *,
    arch=None,
    hidden=None,
    lr=0.1,
    momentum=0.9,
    epochs=None,
    batch_size=64,
    init_scales=None,
    escape_lams=(0.0,),
    escape_epochs=None,
    zero_tol=1e-3,
    level=0.5,
    rise=0.05,
    reach=0.95,
    dip=0.05,
    recover=0.01,
    dtype="float32",
    rng=0,
    executor=None,
    progress=True,
    quick=False,
) -> PhaseStudy:
    """Learning phases over ``λ × D``, and the onset of fitting against the initialization scale.

    **Grid.** For every ``(λ, D)`` one run from the trainer's default initialization
    (truncated VarMatch, init scale 1) by minibatch SGD with momentum at the constant rate ``lr``;
    its :class:`~dwf_theory.trainer.History` and :func:`phase_markers` (onset of fitting, onset of
    sparsification, a dip of the test accuracy by ``dip`` and its recovery to within ``recover``).

    **Escape.** For every ``(λ, D)`` of ``escape_lams × depths``, runs of a network with **one**
    factorized layer (a linear softmax classifier, ``W = ω_1 ⊙ … ⊙ ω_D``) from the untruncated
    VarMatch initialization at each ``init_scales`` entry ``s`` (all from the same draw, so the
    collapsed weights start exactly ``s`` times those of scale 1). While they are small, its
    weights follow the scalar flow ``ẇ_j = −D|w_j|^{2−2/D} ∂L/∂w_j`` of claim C25 with a nearly
    constant ``∂L/∂w_j``, so the fitting onset (the time the training loss takes to fall to
    ``level`` × its initial value) should grow like ``s^{−(1−2/D)}`` (``D >= 3``) and like
    ``log(1/s)`` (``D = 2``) as ``s → 0`` (:class:`OnsetFit`). These runs stop at the onset.
    With ``λ > 0`` and ``D >= 3`` the weight decay ``(2λ/D)ω`` outweighs the loss gradient
    ``∝ ω^{D−1}`` of small factors, so from small enough scales the weights never escape: those
    onsets are ``None``. The grid's sparsification onsets are fitted against ``λ``
    (:class:`SparsityFit`).

    Parameters
    ----------
    dataset : str
        A name of :data:`~dwf_theory.trainer.DATASETS`.
    lams : sequence of float >= 0, optional
        Default ``(5e-4, 1e-3, 2e-3, 4e-3)`` (``quick``: ``(1e-3,)``).
    depths : sequence of int >= 1
    arch, hidden
        The grid's network: a name of :data:`~dwf_theory.trainer.ARCHITECTURES`, or MLP widths
        (default ``(100,)``; ``quick``: ``(8,)``).
    lr : float > 0
    momentum : float in [0, 1)
    epochs : int, optional
        Of the grid runs; default 100 (``quick``: 3).
    batch_size : int >= 1
    init_scales : sequence of float > 0, optional
        Default ``4^{−1} … 4^{−5}`` (``quick``: 0.5, 0.25, 0.125). An empty sequence skips the escape runs.
    escape_lams : sequence of float >= 0
        ``λ`` of the escape runs (default ``(0,)``, as in C25).
    escape_epochs : int, optional
        Longest escape run; default 200 (``quick``: 3).
    zero_tol : float >= 0
    level, rise, reach, dip, recover
        The thresholds of :func:`phase_markers`.
    dtype : 'float32' or 'float64'
    rng : numpy.random.Generator, int seed or None
        The seed taken from it drives the data split, every initialization and minibatch order.
    executor, progress
        See :func:`~dwf_theory.trainer.run_sweep`.
    quick : bool
        Tiny network, grid and epochs (seconds; tests).

    Returns
    -------
    PhaseStudy
    """
    opts = _common(dataset, arch, hidden, (100,), momentum, batch_size, rng, executor, progress, quick, dtype)
    quick = opts["quick"]
    lams = _numbers(lams, "lams", strict=False) or ((1e-3,) if quick else (5e-4, 1e-3, 2e-3, 4e-3))
    depths = _depths(depths)
    if init_scales is None:
        init_scales = (0.5, 0.25, 0.125) if quick else tuple(4.0**-k for k in range(1, 6))
    elif isinstance(init_scales, (list, tuple, np.ndarray)) and len(init_scales) == 0:
        init_scales = ()
    else:
        init_scales = _numbers(init_scales, "init_scales", strict=True)
    escape_lams = tuple(v.regularization(x, "escape_lams entries") for x in _sequence(escape_lams, "escape_lams"))
    epochs = v.whole_number((3 if quick else 100) if epochs is None else epochs, "epochs", 1, MAX_EPOCHS)
    if escape_epochs is None:
        escape_epochs = 3 if quick else 200
    escape_epochs = v.whole_number(escape_epochs, "escape_epochs", 1, MAX_EPOCHS)
    thresholds = _thresholds(level, rise, reach, dip, recover)
    base = dict(
        dataset=opts["dataset"],
        seed=opts["seed"],
        dtype=opts["dtype"],
        lr=v.positive(lr, "lr"),
        momentum=opts["momentum"],
        batch_size=opts["batch_size"],
        zero_tol=v.real_scalar(zero_tol, "zero_tol", minimum=0.0),
        level=thresholds["level"],
    )
    grid = dict(base, arch=opts["arch"], hidden=opts["hidden"], init="varmatch-truncated", epochs=epochs)
    grid["init_scale"] = 1.0
    cfgs = [dict(grid, lam=float(lam), D=D, stop_at_fit=False) for lam in lams for D in depths]
    escape = dict(base, arch=None, hidden=(), init="varmatch", epochs=escape_epochs)
    cfgs += [
        dict(escape, lam=lam, D=D, init_scale=float(s), stop_at_fit=True, escape=True)
        for lam in escape_lams
        for D in depths
        for s in init_scales
    ]
    res = run_sweep(_phase_task, cfgs, executor=opts["executor"], progress=opts["progress"], desc="phase study")
    runs, esc = [], []
    for cfg, out in res.finished():
        hist = _history_from(out["history"])
        run = PhaseRun(out["lam"], out["D"], out["init_scale"], hist, phase_markers(hist, **thresholds))
        (esc if cfg.get("escape") else runs).append(run)
    fits = tuple(
        _onset_fit([r for r in esc if r.lam == lam and r.D == D], lam, D, one_layer=True)
        for lam in escape_lams
        for D in depths
        if init_scales
    )
    config = dict(
        {k: x for k, x in grid.items() if k not in ("init_scale",)},
        lams=list(lams),
        depths=list(depths),
        init_scales=list(init_scales),
        escape_lams=list(escape_lams),
        escape_epochs=escape_epochs,
        escape_network="linear (one factorized layer)",
        escape_init="varmatch",
        schedule="constant",
        **thresholds,
    )
    sfits = tuple(_sparsity_fit(runs, D) for D in depths)
    return PhaseStudy(tuple(runs), tuple(esc), fits, sfits, _json_safe(config), res.completed)


def load_study(source):
    """An :class:`LRStudy` or :class:`PhaseStudy` from itself, its ``as_dict()`` or its JSON file."""
    if isinstance(source, (LRStudy, PhaseStudy)):
        return source
    if isinstance(source, (str, os.PathLike)):
        try:
            with open(source, encoding="utf-8") as fh:
                source = json.load(fh)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"source must be a readable JSON file of a study: {exc}") from None
    if not isinstance(source, dict):
        raise TypeError(f"source must be a study, its as_dict() or a JSON file path, got {type(source).__name__}")
    kinds = {"lr_study": LRStudy, "phase_study": PhaseStudy}
    if source.get("kind") not in kinds:
        raise ValueError(
            f"source must be the as_dict() of a study (kind 'lr_study' or 'phase_study'), got {source.get('kind')!r}"
        )
    return kinds[source["kind"]].from_dict(source)
