"""The trainer's experiments: presets, single runs and the four sweeps.

They reproduce, on scikit-learn's digits, the empirical findings of Kolb et al., ICLR 2025
(accuracy against compression, the three learning phases, per-layer sparsity, and the
initialization × learning-rate requirements of deep weight factorization):

(a) :func:`accuracy_vs_compression` — a λ sweep for D = 2, 3, 4 against D = 1
    with global magnitude pruning and fine-tuning at matched compression;
(b) :func:`learning_phases` — loss, accuracy and sparsity against epoch;
(c) :func:`layer_density` — per-layer density at high compression;
(d) :func:`init_lr_grid` — init scale × learning rate for the three
    initialization schemes, classified into regimes.

Every sweep takes ``executor`` (see :func:`dwf_theory.trainer.sweep.run_sweep`)
and is deterministic given ``rng`` (an int seed, or a Generator that supplies one).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .. import _validate as v
from ..initialization import SCHEMES
from .data import as_seed, load_digits_split, teacher_student
from .datasets import DATASETS as NAMED_DATASETS
from .datasets import load_dataset
from .groups import alive_units
from .layers import MLP
from .metrics import magnitude_masks
from .network import ARCHITECTURES, ModelSpec, _dtype
from .sweep import run_sweep
from .train import MAX_EPOCHS, History, _json_safe, train

__all__ = [
    "PRESETS",
    "PRESET_BY_DEPTH",
    "PRESET_BY_DATASET",
    "DATASETS",
    "SWEEP_GRID",
    "HIGH_COMPRESSION",
    "UNIT_GRID",
    "UNIT_LR",
    "REGIMES",
    "run",
    "run_pruner",
    "prune_finetune",
    "accuracy_vs_compression",
    "learning_phases",
    "layer_density",
    "units_vs_lambda",
    "classify",
    "init_lr_grid",
]

#: Hyperparameters of the named presets (all with batch 64, momentum 0.9, float32).
#: ``sparse`` reaches test accuracy >= 0.95 at compression >= 50 on digits, 64-300-100-10, D = 3.
PRESETS = {
    "sparse": dict(lam=5e-4, lr=0.3, epochs=300, schedule="warmup-cosine", init="varmatch-truncated"),
    "dense": dict(lam=0.0, lr=0.1, epochs=60, schedule="cosine", init="varmatch-truncated"),
    "quick": dict(lam=1e-3, lr=0.3, epochs=20, schedule="warmup-cosine", init="varmatch-truncated"),
}
#: Depth-specific entries of a preset (depths above 4 use the D = 4 entry): D = 4 diverges at lr 0.3 and
#: sparsifies more abruptly in λ; D = 2 needs a larger λ for the same compression (measured on digits).
PRESET_BY_DEPTH = {"sparse": {2: dict(lam=1e-3), 4: dict(lam=1.3e-3, lr=0.1)}}
#: Dataset-specific entries (applied last). The least-squares student is linear by default
#: (``hidden=None`` → no hidden layer) and needs a smaller learning rate and a larger λ.
PRESET_BY_DATASET = {
    # MNIST-1D: at lr 0.3 the sparse preset zeroes every weight of cnn1d (D = 3); at 0.1 it reaches
    # 7.4× at test accuracy 0.869 (seed 0, 300 epochs; dense 0.92).
    "mnist1d": {"sparse": dict(lr=0.1)},
    "teacher-student": {
        "sparse": dict(lam=0.05, lr=0.05),
        "quick": dict(lam=0.05, lr=0.05, epochs=60),
        "dense": dict(lr=0.05),
    },
}
#: The data sets of :func:`run`: every named classification set, and the least-squares teacher–student.
DATASETS = (*NAMED_DATASETS, "teacher-student")

#: The two optimizer settings. ``'momentum'``: heavy-ball SGD, μ = 0.9, with the preset's schedule and
#: learning rate. ``'sgd'``: the paper's plain SGD without momentum and a cosine schedule; its learning
#: rate is the preset's × 1/(1 − 0.9) = 10, heavy-ball's effective step η/(1 − μ), unless ``lr`` is given.
OPTIMIZERS = {
    "momentum": dict(momentum=0.9, lr_factor=1.0, schedule=None),
    "sgd": dict(momentum=0.0, lr_factor=10.0, schedule="cosine"),
}

#: Learning rate and λ grid of the accuracy–compression sweep per depth (full mode). Deeper factorizations
#: sparsify more abruptly in λ, and D = 4 diverges at the D = 2, 3 learning rate (measured on digits).
SWEEP_GRID = {
    2: dict(lr=0.3, lams=(1e-4, 2e-4, 5e-4, 1e-3, 2e-3)),
    3: dict(lr=0.3, lams=(1e-4, 2e-4, 5e-4, 1e-3, 1.5e-3)),
    4: dict(lr=0.1, lams=(5e-4, 1e-3, 1.2e-3, 1.3e-3, 1.5e-3)),
}
#: λ of the units-kept sweep of grouped networks (:func:`units_vs_lambda`): from every unit kept to few.
UNIT_GRID = (3e-4, 6e-4, 1e-3, 1.5e-3, 2e-3, 3e-3, 4.5e-3, 7e-3, 1e-2)
#: Learning rate of that sweep at every depth: at the sparse preset's 0.3 the grouped networks often
#: diverged on digits (a gate multiplies a whole unit's incoming weights); at 0.1 one run of 27 did
#: (D = 4, λ 4.5e-3, seed 2; 200 epochs, λ ∈ {6e-4, 2e-3, 4.5e-3}, seeds 0–2).
UNIT_LR = 0.1
#: (λ, lr) per depth for the per-layer density at high compression.
HIGH_COMPRESSION = {2: (2e-3, 0.3), 3: (1e-3, 0.3), 4: (1.3e-3, 0.1)}
REGIMES = ("no learning", "dense fit", "sparse success", "divergence")


def _sequence(values, name: str) -> tuple:
    """A non-empty list or tuple (or 1-D array) as a tuple; ``TypeError``/``ValueError`` naming ``name``."""
    if isinstance(values, np.ndarray) and values.ndim == 1:
        values = tuple(values.tolist())
    if not isinstance(values, (list, tuple)):
        raise TypeError(f"{name} must be a non-empty list or tuple, got {type(values).__name__}")
    if not values:
        raise ValueError(f"{name} must not be empty")
    return tuple(values)


def _depths(depths) -> tuple:
    """Depths of a sweep: a non-empty sequence of whole numbers in ``[1, MAX_DEPTH]``."""
    return tuple(v.depth(D, "depths entries") for D in _sequence(depths, "depths"))


def _numbers(values, name: str, *, strict: bool) -> tuple:
    """A non-empty sequence of finite numbers ``>= 0`` (``> 0`` with ``strict``), or ``None`` (the default grid)."""
    if values is None:
        return None
    return tuple(v.real_scalar(x, f"{name} entries", minimum=0.0, strict=strict) for x in _sequence(values, name))


def _hidden(hidden) -> tuple:
    """Hidden widths: a (possibly empty) list or tuple of whole numbers >= 1."""
    if not isinstance(hidden, (list, tuple)):
        raise TypeError(f"hidden must be a list or tuple of widths, got {type(hidden).__name__}")
    return tuple(v.whole_number(h, "hidden entries", 1) for h in hidden)


def _dataset(name: str, seed: int, *, data_dir=None, validation: float = 0.0, evaluate_on: str = "test"):
    """The data of a run (train rows and the rows it is evaluated on), its input shape, class count and loss."""
    if name == "teacher-student":
        split = teacher_student(rng=seed)[0]
        return split, (split.X_train.shape[1],), 1, "mse"
    ds = load_dataset(name, seed, validation=validation, path=data_dir)
    return ds.split(evaluate_on), ds.input_shape, ds.n_classes, "cross_entropy"


def _preset_config(preset: str, D: int, dataset: str = "digits", **overrides) -> dict:
    """The hyperparameters of a run: the preset, adjusted per depth and per dataset, then ``overrides``.

    ``overrides`` (``lam``, ``lr``, ``epochs``, ``schedule``, ``init``, ``init_scale``) replace the
    preset's entries unless they are ``None``.
    """
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {tuple(PRESETS)}, got {preset!r}")
    unknown = set(overrides) - {"lam", "lr", "epochs", "schedule", "init", "init_scale", "rescale"}
    if unknown:
        raise ValueError(
            f"unknown overrides {sorted(unknown)}; allowed: lam, lr, epochs, schedule, init, init_scale, rescale"
        )
    by_depth = PRESET_BY_DEPTH.get(preset, {}).get(min(D, 4), {})
    by_data = PRESET_BY_DATASET.get(dataset, {}).get(preset, {})
    return {
        "init_scale": 1.0,
        "rescale": False,
        **PRESETS[preset],
        **by_depth,
        **by_data,
        **{k: x for k, x in overrides.items() if x is not None},
    }


def run(
    dataset="digits",
    D=3,
    preset="sparse",
    *,
    arch=None,
    rng=0,
    hidden=None,
    zero_tol=1e-3,
    batch_size=64,
    optimizer="momentum",
    dtype="float32",
    keep_history=False,
    data_dir=None,
    validation=0.0,
    evaluate_on="test",
    grouped=False,
    **overrides,
) -> dict:
    """Train one network from a preset; return a JSON-ready summary.

    The preset's entries (:data:`PRESETS`, adjusted per depth by :data:`PRESET_BY_DEPTH` and per
    dataset by :data:`PRESET_BY_DATASET`) are used unless ``overrides``
    replace them (``lam``, ``lr``, ``epochs``, ``schedule``, ``init``, ``init_scale``). The seed
    taken from ``rng`` (:func:`~dwf_theory.trainer.data.as_seed`) drives the data split, the
    initialization and the minibatch order. The summary holds ``test_accuracy`` (after zeroing
    collapsed weights ``|w| <= zero_tol``), ``test_accuracy_unpruned``, ``compression_ratio`` (all
    weights / nonzero weights), ``sparsity``, ``layer_density``, ``status``, the hyperparameters,
    the seed (``rng``) and the seconds taken; with ``keep_history`` also ``history``
    (:meth:`History.as_dict`).

    Parameters
    ----------
    dataset : str, one of :data:`DATASETS`
        A named classification set (:func:`~dwf_theory.trainer.load_dataset`) or ``'teacher-student'``.
    D : int >= 1
    preset : {'sparse', 'dense', 'quick'}
    arch : str or None
        A name of :data:`~dwf_theory.trainer.ARCHITECTURES`; ``None``: an MLP with ``hidden`` widths.
    rng : numpy.random.Generator, int seed in [0, 2³² − 1] or None
    hidden : list or tuple of int >= 1, or None
        Hidden widths of the MLP (only without ``arch``); ``None``: 300, 100 (LeNet-300-100) for the
        classification sets, none for teacher-student.
    zero_tol, batch_size
        As in :func:`~dwf_theory.trainer.train`.
    optimizer : {'momentum', 'sgd'}
        See :data:`OPTIMIZERS`.
    dtype : 'float32' or 'float64'
    keep_history : bool
    data_dir : str or path, optional
        Folder of the MNIST-type files (``'mnist'``, ``'fashion-mnist'``, ``'kmnist'``).
    validation : float in [0, 1)
        Fraction of the training rows held out (stratified) as the validation split.
    evaluate_on : {'test', 'validation'}
        The split the summary's accuracies are measured on (``'validation'`` to tune hyperparameters
        without touching the test split).
    grouped : bool
        Group every parametric layer but the output per unit or filter (:mod:`dwf_theory.trainer.groups`);
        the summary's ``units_kept`` counts, per parametric layer, the units or filters whose weights are
        not all ``<= zero_tol``, out of ``units``.
    **overrides
        ``lam``, ``lr``, ``epochs``, ``schedule``, ``init``, ``init_scale``, ``rescale``; ``None`` keeps the preset's.
    """
    dataset = v.choice(dataset, "dataset", DATASETS)
    D = v.depth(D)
    preset, arch, hidden, optimizer, evaluate_on = _run_options(preset, arch, hidden, optimizer, evaluate_on)
    dtype = _dtype(dtype)
    keep_history = v.flag(keep_history, "keep_history")
    opt = OPTIMIZERS[optimizer]
    cfg = _preset_config(preset, D, dataset, **overrides)
    if overrides.get("lr") is None:
        cfg["lr"] *= opt["lr_factor"]
    if opt["schedule"] is not None and overrides.get("schedule") is None:
        cfg["schedule"] = opt["schedule"]
    seed = as_seed(rng)
    data, input_shape, n_classes, loss = _dataset(
        dataset, seed, data_dir=data_dir, validation=validation, evaluate_on=evaluate_on
    )
    grouped = v.flag(grouped, "grouped")
    options = dict(
        init=cfg["init"],
        rng=seed,
        init_scale=cfg["init_scale"],
        rescale=cfg["rescale"],
        loss=loss,
        dtype=dtype,
        grouped=grouped,
    )
    if arch is None:
        if hidden is None:
            hidden = () if dataset == "teacher-student" else (300, 100)
        model = MLP((math.prod(input_shape), *hidden, n_classes), D, **options)
    else:
        if loss != "cross_entropy":
            raise ValueError("arch needs a classification data set; teacher-student trains an MLP")
        model = ModelSpec(arch, input_shape, n_classes).build(D, **options)
    hist = train(
        model,
        data,
        lam=cfg["lam"],
        lr=cfg["lr"],
        epochs=cfg["epochs"],
        batch_size=batch_size,
        momentum=opt["momentum"],
        schedule=cfg["schedule"],
        rng=seed,
        zero_tol=zero_tol,
    )
    alive = [alive_units(W, zero_tol) for W in model.weights()]
    return _summarize(
        hist,
        dataset=dataset,
        arch=model.name if arch is not None else "mlp",
        preset=preset,
        optimizer=optimizer,
        evaluated_on=evaluate_on,
        init_scale=cfg["init_scale"],
        rescale=cfg["rescale"],
        grouped=grouped,
        units_kept=[int(np.sum(a)) for a in alive],
        units=[a.size for a in alive],
        keep_history=keep_history,
    )


def run_pruner(
    dataset="digits",
    pruner="magnitude",
    compression=10.0,
    preset="dense",
    *,
    arch=None,
    rng=0,
    hidden=None,
    zero_tol=1e-3,
    batch_size=64,
    optimizer="momentum",
    dtype="float32",
    data_dir=None,
    validation=0.0,
    evaluate_on="test",
    lam=None,
    lr=None,
    epochs=None,
) -> dict:
    """Train the plain network of a data set under a pruning baseline; return its summary.

    The baseline ``pruner`` (:data:`~dwf_theory.trainer.PRUNERS`) keeps ``round(N / compression)``
    weights of the ``D = 1`` network of ``arch`` (or of the MLP with ``hidden`` widths,
    LeNet-300-100 by default), with the epochs and learning rate of ``preset`` (default
    ``'dense'``) adjusted by ``optimizer`` (:data:`OPTIMIZERS`) unless given. ``lam`` is the L2
    decay of the plain network (default 0), or the strength of the ``'l1'``/``'lq'`` penalties
    (default the preset's λ). Other arguments as in :func:`run`.
    """
    from .pruning import PRUNERS, prune_and_train

    dataset = v.choice(dataset, "dataset", tuple(NAMED_DATASETS))
    pruner = v.choice(pruner, "pruner", tuple(PRUNERS))
    preset, arch, hidden, optimizer, evaluate_on = _run_options(preset, arch, hidden, optimizer, evaluate_on)
    opt = OPTIMIZERS[optimizer]
    cfg = _preset_config(preset, 1, dataset, lr=lr, epochs=epochs)
    if lr is None:
        cfg["lr"] *= opt["lr_factor"]
    if lam is None:
        lam = cfg["lam"] if pruner in ("l1", "lq") else 0.0
    seed = as_seed(rng)
    data, input_shape, n_classes, _ = _dataset(
        dataset, seed, data_dir=data_dir, validation=validation, evaluate_on=evaluate_on
    )
    layers = arch if arch is not None else _mlp_layers(hidden or (300, 100), n_classes)
    spec = ModelSpec(layers, input_shape, n_classes, init="standard", dtype=str(_dtype(dtype)))
    out = prune_and_train(
        pruner,
        spec,
        data,
        compression,
        rng=seed,
        epochs=cfg["epochs"],
        lr=cfg["lr"],
        batch_size=batch_size,
        momentum=opt["momentum"],
        schedule=opt["schedule"] or cfg["schedule"],
        lam=lam,
        zero_tol=zero_tol,
    )
    return {"dataset": dataset, "arch": arch or "mlp", "preset": preset, "optimizer": optimizer, **out}


def _run_options(preset, arch, hidden, optimizer, evaluate_on) -> tuple:
    """The validated options shared by :func:`run` and :func:`run_pruner`."""
    preset = v.choice(preset, "preset", tuple(PRESETS))
    arch = None if arch is None else v.choice(arch, "arch", tuple(ARCHITECTURES))
    hidden = None if hidden is None else _hidden(hidden)
    if arch is not None and hidden is not None:
        raise ValueError("hidden applies to the MLP only; give arch or hidden, not both")
    optimizer = v.choice(optimizer, "optimizer", tuple(OPTIMIZERS))
    evaluate_on = v.choice(evaluate_on, "evaluate_on", ("test", "validation"))
    return preset, arch, hidden, optimizer, evaluate_on


def _mlp_layers(hidden, n_classes) -> tuple:
    """Flatten, then one dense layer per hidden width and the output layer."""
    from .network import Dense, Flatten

    return (Flatten(), *(Dense(h) for h in hidden), Dense(n_classes))


def _summarize(hist: History, *, keep_history: bool = False, **extra) -> dict:
    """The JSON-ready summary of a run (see :func:`run`); ``extra`` entries come first."""
    f = hist.final
    out = {
        **extra,
        **{
            k: hist.config[k]
            for k in (
                "D",
                "sizes",
                "layers",
                "init",
                "lam",
                "lr",
                "epochs",
                "batch_size",
                "momentum",
                "schedule",
                "rng",
            )
        },
        "zero_tol": hist.zero_tol,
        "metric": hist.metric,
        "test_accuracy": f.pruned_test_accuracy,
        "test_accuracy_unpruned": f.test_accuracy,
        "train_accuracy": f.train_accuracy,
        "train_loss": f.train_loss,
        "compression_ratio": f.compression_ratio,
        "sparsity": f.sparsity,
        "n_nonzero": f.n_nonzero,
        "layer_density": list(f.layer_density),
        "status": hist.status,
        "epochs_run": f.epoch,
        "steps": hist.steps,
        "seconds": hist.seconds,
    }
    if keep_history:
        out["history"] = hist.as_dict()["records"]
    return _json_safe(out)


def _run_task(cfg: dict) -> dict:
    return run(**cfg)


def prune_finetune(
    compression,
    *,
    lam=1e-4,
    rng=0,
    hidden=(300, 100),
    zero_tol=1e-3,
    dense_epochs=60,
    finetune_epochs=60,
    lr=0.1,
    finetune_lr=0.03,
    dtype="float32",
) -> dict:
    """The D = 1 baseline: train a plain MLP, keep the ``N / compression`` largest ``|w|``, fine-tune the rest.

    Dense training minimizes ``mean loss + λ‖W‖²`` (the D = 1 case of the factor penalty
    ``(λ/D)Σ_d‖ω_d‖²``, i.e. L2 weight decay); pruning is global magnitude pruning over layers;
    fine-tuning keeps pruned weights at zero. The seed taken from ``rng`` drives the split, the
    initialization and the dense minibatch order; fine-tuning uses seed + 1. Returns the summary of
    the fine-tuned network, with ``method = 'D=1 prune+finetune'`` and ``dense_test_accuracy``.

    ``compression >= 1``; ``dense_epochs`` and ``finetune_epochs`` in ``[1, MAX_EPOCHS]``; ``lr`` and
    ``finetune_lr`` > 0; ``hidden`` a list or tuple of widths; ``dtype`` 'float32' or 'float64'.
    """
    compression = v.real_scalar(compression, "compression", minimum=1.0)
    lam = v.regularization(lam)
    hidden = _hidden(hidden)
    zero_tol = v.real_scalar(zero_tol, "zero_tol", minimum=0.0)
    dense_epochs = v.whole_number(dense_epochs, "dense_epochs", 1, MAX_EPOCHS)
    finetune_epochs = v.whole_number(finetune_epochs, "finetune_epochs", 1, MAX_EPOCHS)
    lr = v.positive(lr, "lr")
    finetune_lr = v.positive(finetune_lr, "finetune_lr")
    dtype = _dtype(dtype)
    seed = as_seed(rng)
    data = load_digits_split(seed)
    model = MLP((64, *hidden, 10), 1, init="standard", rng=seed, dtype=dtype)
    common = dict(lam=lam, batch_size=64, schedule="cosine", zero_tol=zero_tol)
    dense = train(model, data, lr=lr, epochs=dense_epochs, rng=seed, **common)
    masks = magnitude_masks(model.weights(), max(1, int(round(model.n_weights / compression))))
    tuned = train(model, data, lr=finetune_lr, epochs=finetune_epochs, rng=seed + 1, masks=masks, **common)
    return _summarize(
        tuned,
        method="D=1 prune+finetune",
        target_compression=compression,
        dense_test_accuracy=dense.final.test_accuracy,
    )


def _prune_task(cfg: dict) -> dict:
    return prune_finetune(**cfg)


def _scale(quick: bool) -> dict:
    """Network and epochs of the sweeps: full size, or a small network for quick runs."""
    return dict(hidden=(16,), epochs=4) if quick else dict(hidden=(300, 100), epochs=200)


def accuracy_vs_compression(depths=(2, 3, 4), lams=None, *, rng=0, quick=False, executor=None, progress=True) -> list:
    """(a) Test accuracy against compression ratio on digits.

    DWF networks (``depths``) over a λ grid (default :data:`SWEEP_GRID`, whose
    learning rate is used in any case), then the D = 1 baseline pruned and
    fine-tuned to the compression ratio each D = 3 run reached
    (:func:`prune_finetune`). Every run uses the one seed taken from ``rng``.
    Returns one summary dict per run (``method`` tells which); an interrupted
    sweep returns the finished runs. ``depths``: a non-empty sequence of depths; ``lams``:
    a non-empty sequence of λ >= 0 or ``None`` (the default grid); ``executor``: see
    :func:`~dwf_theory.trainer.run_sweep` (``None``: a process pool).
    """
    depths, lams = _depths(depths), _numbers(lams, "lams", strict=False)
    quick, progress = v.flag(quick, "quick"), v.flag(progress, "progress")
    seed, sc = as_seed(rng), _scale(quick)
    cfgs = []
    for D in depths:
        grid = SWEEP_GRID.get(int(D), SWEEP_GRID[3])
        for lam in lams if lams is not None else ((3e-4, 1e-3) if quick else grid["lams"]):
            cfgs.append(
                dict(
                    D=int(D),
                    preset="sparse",
                    rng=seed,
                    hidden=sc["hidden"],
                    epochs=sc["epochs"],
                    lam=float(lam),
                    lr=grid["lr"],
                )
            )
    first = run_sweep(_run_task, cfgs, executor=executor, progress=progress, desc="DWF λ sweep")
    rows = [{**r, "method": f"DWF D={r['D']}"} for _, r in first.finished()]
    reference = 3 if 3 in depths else depths[0]
    targets = sorted(
        {
            round(r["compression_ratio"], 1)
            for r in rows
            if r["D"] == reference and r["compression_ratio"] is not None and r["compression_ratio"] > 1.0
        }
    )
    if not first.completed or not targets:
        return rows
    base = dict(
        rng=seed, hidden=sc["hidden"], dense_epochs=max(sc["epochs"] // 3, 2), finetune_epochs=max(sc["epochs"] // 3, 2)
    )
    second = run_sweep(
        _prune_task,
        [dict(base, compression=t) for t in targets],
        executor=executor,
        progress=progress,
        desc="D=1 prune+finetune",
    )
    return rows + [r for _, r in second.finished()]


def learning_phases(*, lam=1e-3, D=3, lr=0.3, epochs=None, rng=0, quick=False) -> History:
    """(b) The history of one digits run: fitting, sparsification, stable sparse phase.

    The sparse preset's network and schedule with a stronger λ (default 1e-3)
    so that the three phases are well separated. The seed taken from ``rng`` drives
    the split, the initialization and the minibatch order. ``epochs`` ``None``: 4 with
    ``quick`` (its small network), 300 otherwise; else a whole number in ``[1, MAX_EPOCHS]``.
    """
    quick = v.flag(quick, "quick")
    sc, seed = _scale(quick), as_seed(rng)
    if epochs is None:
        epochs = sc["epochs"] + (0 if quick else 100)
    lam, lr = v.regularization(lam), v.positive(lr, "lr")
    epochs = v.whole_number(epochs, "epochs", 1, MAX_EPOCHS)
    data = load_digits_split(seed)
    model = MLP((64, *sc["hidden"], 10), D, rng=seed, dtype=np.float32)
    return train(model, data, lam=lam, lr=lr, epochs=epochs, batch_size=64, schedule="warmup-cosine", rng=seed)


def layer_density(depths=(2, 3, 4), *, rng=0, quick=False, executor=None, progress=True) -> list:
    """(c) Per-layer density of DWF networks at high compression; one summary per depth.

    λ and the learning rate of each depth come from :data:`HIGH_COMPRESSION` (that of D = 3 for
    depths it does not list).
    """
    depths = _depths(depths)
    quick, progress = v.flag(quick, "quick"), v.flag(progress, "progress")
    seed, sc = as_seed(rng), _scale(quick)
    cfgs = []
    for D in depths:
        lam, lr = HIGH_COMPRESSION.get(int(D), HIGH_COMPRESSION[3])
        cfgs.append(dict(D=int(D), preset="sparse", rng=seed, hidden=sc["hidden"], epochs=sc["epochs"], lam=lam, lr=lr))
    return [
        r for _, r in run_sweep(_run_task, cfgs, executor=executor, progress=progress, desc="layer density").finished()
    ]


def units_vs_lambda(depths=(2, 3, 4), lams=None, *, seeds=3, rng=0, quick=False, executor=None, progress=True) -> list:
    """Hidden units kept against λ by grouped DWF networks on digits (structured sparsity).

    The sparse preset's MLP with every hidden layer grouped per unit (``run(..., grouped=True)``:
    gates times one vector of incoming weights, whose penalty is ``λ Σ_g ‖W_g‖^{2/D}``), trained
    for each depth and λ (default :data:`UNIT_GRID`) at the learning rate :data:`UNIT_LR`,
    on ``seeds`` seeds (``rng``, ``rng + 1``, …: split, initialization and minibatch order).
    Returns one run summary per run (``units_kept``/``units`` per layer, ``test_accuracy``).
    ``quick``: a 16-unit network, 4 epochs and the first and last λ of the grid.
    """
    depths, lams = _depths(depths), _numbers(lams, "lams", strict=False)
    seeds = v.whole_number(seeds, "seeds", 1, 100)
    quick, progress = v.flag(quick, "quick"), v.flag(progress, "progress")
    seed, sc = as_seed(rng), _scale(quick)
    if lams is None:
        lams = (UNIT_GRID[0], UNIT_GRID[-1]) if quick else UNIT_GRID
    cfgs = [
        dict(
            D=int(D),
            preset="sparse",
            rng=seed + k,
            hidden=sc["hidden"],
            epochs=sc["epochs"],
            lam=lam,
            lr=UNIT_LR,
            grouped=True,
        )
        for D in depths
        for lam in lams
        for k in range(seeds)
    ]
    res = run_sweep(_run_task, cfgs, executor=executor, progress=progress, desc="units kept vs λ")
    return [r for _, r in res.finished()]


def classify(summary: dict, *, success: float = 0.8, min_compression: float = 2.0) -> str:
    """Regime of a run: ``'divergence'``, ``'sparse success'`` (test accuracy >= ``success`` at
    compression >= ``min_compression``), ``'dense fit'`` (accuracy >= ``success``, less compressed)
    or ``'no learning'`` (accuracy below ``success``).

    ``summary`` is a run summary (:func:`run`) with ``status``, ``test_accuracy`` and
    ``compression_ratio`` (``None`` for an all-zero network); ``success`` in ``[0, 1]``;
    ``min_compression >= 1``.
    """
    if not isinstance(summary, Mapping):
        raise TypeError(f"summary must be a run summary (a dict), got {type(summary).__name__}")
    missing = {"status", "test_accuracy", "compression_ratio"} - set(summary)
    if missing:
        raise ValueError(f"summary lacks the entries {sorted(missing)} of a run summary")
    v.real_scalar(summary["test_accuracy"], "summary['test_accuracy']")
    if summary["compression_ratio"] is not None:
        v.real_scalar(summary["compression_ratio"], "summary['compression_ratio']", minimum=1.0)
    success = v.real_scalar(success, "success", minimum=0.0)
    if success > 1:
        raise ValueError(f"success must be an accuracy in [0, 1], got {success}")
    min_compression = v.real_scalar(min_compression, "min_compression", minimum=1.0)
    if summary["status"] == "diverged":
        return "divergence"
    if summary["test_accuracy"] < success:
        return "no learning"
    cr = summary["compression_ratio"]
    return "sparse success" if cr is None or cr >= min_compression else "dense fit"


def init_lr_grid(
    schemes=("standard", "varmatch", "varmatch-truncated"),
    scales=None,
    lrs=None,
    *,
    lam=1e-3,
    D=3,
    rescale=False,
    rng=0,
    quick=False,
    executor=None,
    progress=True,
) -> list:
    """(d) Init scale × learning rate on digits for each initialization scheme.

    ``scales`` multiply the He scale of every layer; each run is classified by
    :func:`classify`. Returns one summary per run with ``regime`` added. ``schemes``: a non-empty
    sequence of :data:`~dwf_theory.initialization.SCHEMES`; ``rescale``: rescale the truncated
    scheme's factors to the exact product variance (:class:`~dwf_theory.trainer.Network`);
    ``scales`` and ``lrs``: non-empty sequences of numbers > 0, or ``None`` (the default grids).
    """
    schemes = tuple(v.choice(s, "schemes entries", SCHEMES) for s in _sequence(schemes, "schemes"))
    scales, lrs = _numbers(scales, "scales", strict=True), _numbers(lrs, "lrs", strict=True)
    lam, D, rescale = v.regularization(lam), v.depth(D), v.flag(rescale, "rescale")
    quick, progress = v.flag(quick, "quick"), v.flag(progress, "progress")
    if scales is None:
        scales = (0.5, 2.0) if quick else (0.25, 0.5, 1.0, 2.0, 4.0)
    if lrs is None:
        lrs = (0.03, 3.0) if quick else (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
    hidden, epochs = ((16,), 4) if quick else ((100,), 40)
    seed = as_seed(rng)
    cfgs = [
        dict(
            D=D,
            preset="sparse",
            rng=seed,
            hidden=hidden,
            epochs=epochs,
            lam=lam,
            lr=float(lr),
            init=s,
            init_scale=float(a),
            rescale=rescale,
            schedule="constant",
        )
        for s in schemes
        for a in scales
        for lr in lrs
    ]
    res = run_sweep(_run_task, cfgs, executor=executor, progress=progress, desc="init × lr grid")
    return [{**r, "regime": classify(r)} for _, r in res.finished()]
