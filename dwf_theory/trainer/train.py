"""The training loop: minibatch SGD with momentum on the DWF objective, with per-epoch metrics."""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from .. import _validate as v
from .._threads import one_blas_thread
from .groups import group_imbalance, is_grouped, weight_key
from .metrics import _accuracy, _prune, _r2_score, _sparsity_report
from .network import Network, _check_inputs, _check_model
from .objective import _data_loss, _fast_value_and_grad, _penalty_value, _prepare_targets
from .optim import SCHEDULES, _check_masks, _momentum, _sgd_momentum_step, _zeros_like_params, learning_rates

__all__ = ["EpochRecord", "History", "train", "MAX_EPOCHS"]

#: Largest ``epochs`` of :func:`train` (the presets run at most a few hundred).
MAX_EPOCHS = 10**5


@dataclass(frozen=True)
class EpochRecord:
    """Metrics at the end of one epoch (``epoch = 0`` is the initialization).

    ``*_accuracy`` is the classification accuracy (cross-entropy models) or
    R² (MSE models); ``pruned_test_accuracy`` is measured after zeroing every
    collapsed weight of magnitude ``<= zero_tol`` (of the :class:`History`); ``sparsity``,
    ``compression_ratio``, ``n_nonzero`` and ``layer_density`` count ``|w| > zero_tol`` as
    nonzero; ``imbalance`` is the mean over
    weights of ``max_d ω_d² − min_d ω_d²`` (over the groups of a grouped layer: the spread of the
    gates' and the vector's squares).
    """

    epoch: int
    lr: float
    train_loss: float
    train_objective: float
    test_loss: float
    train_accuracy: float
    test_accuracy: float
    pruned_test_accuracy: float
    sparsity: float
    compression_ratio: float
    n_nonzero: int
    layer_density: tuple
    imbalance: float
    status: str = "ok"


@dataclass(frozen=True)
class History:
    """Per-epoch records of a run and how it ended.

    Attributes
    ----------
    records : tuple of EpochRecord
    status : {'ok', 'diverged', 'stopped'}
        ``'diverged'``: a non-finite or exploding loss stopped the run (the last
        record carries this status and the model keeps its last finite state);
        ``'stopped'``: the callback asked to stop.
    zero_tol : float
        A collapsed weight with ``|w| <= zero_tol`` counts as zero in every sparsity metric.
    metric : {'accuracy', 'r2'}
        What the accuracy columns hold.
    steps : int
        Optimizer steps taken.
    seconds : float
        Wall-clock time of the run.
    config : dict
        The arguments of :func:`train`.
    """

    records: tuple
    status: str
    zero_tol: float
    metric: str
    steps: int
    seconds: float
    config: dict = field(default_factory=dict)

    def column(self, name: str) -> np.ndarray:
        """One field of every record as an array (``layer_density`` gives shape ``(epochs, layers)``)."""
        if name not in EpochRecord.__dataclass_fields__:
            raise ValueError(f"name must be a field of EpochRecord, got {name!r}")
        return np.array([getattr(r, name) for r in self.records])

    @property
    def final(self) -> EpochRecord:
        """The last record."""
        return self.records[-1]

    def as_dict(self) -> dict:
        """Plain-Python form (JSON-ready after :func:`_json_safe`)."""
        return _json_safe(asdict(self))


def _json_safe(obj):
    """Non-finite floats → ``None``, tuples and arrays → lists, NumPy scalars → Python, recursively (strict JSON)."""
    if isinstance(obj, dict):
        return {k: _json_safe(x) for k, x in obj.items()}
    if isinstance(obj, np.ndarray):
        return _json_safe(obj.tolist())
    if isinstance(obj, (list, tuple)):
        return [_json_safe(x) for x in obj]
    if isinstance(obj, (np.floating, float)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def _check_data(model: Network, data):
    """Validated ``(X_train, y_train, X_test, y_test)`` cast to the model's dtype, targets prepared."""
    _check_model(model)
    if not isinstance(data, (tuple, list)):
        raise TypeError(f"data must be a tuple (X_train, y_train, X_test, y_test), got {type(data).__name__}")
    if len(data) != 4:
        raise ValueError(f"data must be a tuple (X_train, y_train, X_test, y_test), got {len(data)} entries")
    Xtr, ytr, Xte, yte = data
    Xtr = _check_inputs(model, Xtr).astype(model.dtype)
    Xte = _check_inputs(model, Xte).astype(model.dtype)
    Ttr = _prepare_targets(model, ytr, Xtr.shape[0])
    Tte = _prepare_targets(model, yte, Xte.shape[0])
    return Xtr, Ttr, Xte, Tte


def _score(model, out, T) -> float:
    if model.loss == "cross_entropy":
        return _accuracy(out, np.argmax(T, axis=1))
    return _r2_score(out, T)


#: Rows per forward pass when a whole split is evaluated (bounds the memory of convolution patches).
EVAL_CHUNK = 1024


def _outputs(model: Network, W, b, X) -> np.ndarray:
    """Network outputs on all rows of ``X``, in chunks of :data:`EVAL_CHUNK` rows."""
    if X.shape[0] <= EVAL_CHUNK:
        return model._apply(W, b, X)
    return np.concatenate([model._apply(W, b, X[i : i + EVAL_CHUNK]) for i in range(0, X.shape[0], EVAL_CHUNK)])


def _evaluate(
    model: Network,
    params,
    Xtr,
    Ttr,
    Xte,
    Tte,
    lam: float,
    *,
    zero_tol: float,
    epoch: int,
    lr: float,
    status: str = "ok",
    penalty=None,
) -> EpochRecord:
    """The :class:`EpochRecord` of ``params`` on prepared data (``|w| <= zero_tol`` counts as zero).

    ``penalty``: the extra penalty of :func:`train` (its value is part of ``train_objective``).
    """
    W = model.weights(params)
    b = [p["bias"] for p in params]
    rep = _sparsity_report(W, zero_tol)
    with np.errstate(all="ignore"):
        out_tr = _outputs(model, W, b, Xtr)
        out_te = _outputs(model, W, b, Xte)
        # Pruning changes a weight only if 0 < |w| <= zero_tol (or w is NaN): |w| > zero_tol implies w != 0,
        # so the pruned network is this one when both counts agree, and its outputs are out_te.
        unchanged = sum(np.count_nonzero(w) for w in W) == rep.n_nonzero
        out_pr = out_te if unchanged else _outputs(model, _prune(W, zero_tol), b, Xte)
        train_loss = float(_data_loss(out_tr, Ttr, model.loss))
    return EpochRecord(
        epoch=epoch,
        lr=float(lr),
        train_loss=train_loss,
        train_objective=train_loss
        + lam * _penalty_value(params, model.D)
        + (0.0 if penalty is None else float(penalty(W)[0])),
        test_loss=float(_data_loss(out_te, Tte, model.loss)),
        train_accuracy=_score(model, out_tr, Ttr),
        test_accuracy=_score(model, out_te, Tte),
        pruned_test_accuracy=_score(model, out_pr, Tte),
        sparsity=rep.sparsity,
        compression_ratio=rep.compression_ratio,
        n_nonzero=rep.n_nonzero,
        layer_density=rep.layer_density,
        imbalance=_mean_imbalance(params),
        status=status,
    )


def _mean_imbalance(params) -> float:
    """Mean over all weights of ``max_d ω_d² − min_d ω_d²`` (:func:`dwf_theory.penalty.imbalance`, unchecked).

    A grouped layer contributes one number per group, the spread of its ``D`` squares
    ``s_{g,1}², …, s_{g,D−1}², ‖v_g‖²`` (:func:`~dwf_theory.trainer.groups.group_imbalance`).

    The same float64 numbers as ``imbalance``, which squares in float64, from fewer passes: squaring is
    monotone in ``|ω|`` and rounding is monotone, so ``max_d fl(ω_d²) = fl((max_d |ω_d|)²)``, likewise for
    the minimum, and the extremes of ``|ω_d|`` are taken in the factors' own dtype.
    """
    parts = []
    for p in params:
        if is_grouped(p):
            parts.append(group_imbalance(p))
            continue
        a = np.abs(p["factors"])
        hi = np.max(a, axis=0).astype(np.float64)
        lo = np.min(a, axis=0).astype(np.float64)
        parts.append((hi * hi - lo * lo).ravel())
    return float(np.mean(np.concatenate(parts)))


def _train_epoch(
    model: Network,
    params,
    velocity,
    X,
    T,
    perm,
    batch_size: int,
    rates,
    step: int,
    lam: float,
    momentum: float,
    *,
    masks=None,
    limit: float = math.inf,
    penalty=None,
):
    """One pass over ``X[perm]`` in minibatches: gradient (:func:`_fast_value_and_grad`) and SGD step each.

    Unchecked inner loop of :func:`train` (inputs prepared by :func:`_check_data`).
    Returns ``(step, finite)``: the step counter after the epoch, and ``False``
    if a minibatch objective was non-finite or above ``limit`` (the epoch stops there).
    """
    for b in range(0, perm.size, batch_size):
        idx = perm[b : b + batch_size]
        loss, grads = _fast_value_and_grad(model, params, X[idx], T[idx], lam, penalty=penalty)
        if not (math.isfinite(loss) and loss <= limit):
            return step, False
        _sgd_momentum_step(params, grads, velocity, rates[step], momentum, masks=masks)
        step += 1
    return step, True


def train(
    model: Network,
    data,
    *,
    lam,
    lr,
    epochs,
    batch_size,
    momentum=0.9,
    schedule="cosine",
    rng=0,
    callback=None,
    zero_tol=1e-3,
    warmup=0.05,
    masks=None,
    diverge_factor=1e4,
    update_masks=None,
    penalty=None,
) -> History:
    """Train ``model`` by minibatch SGD with momentum on ``F = mean loss + (λ/D) Σ‖ω‖²``.

    Each epoch visits the training set once in a random order (drawn from ``rng``), in
    batches of ``batch_size`` (the last one may be smaller); the learning rate of
    every step follows ``schedule`` (:func:`dwf_theory.trainer.optim.learning_rates`).
    ``model.params`` is updated in place. BLAS runs single-threaded during the
    loop: for matrices this small, threads cost more than they save.

    Parameters
    ----------
    model : Network or MLP
    data : tuple
        ``(X_train, y_train, X_test, y_test)``, e.g. from :func:`load_digits_split`.
    lam : float >= 0
        Weight decay on the factors (the penalty ``(λ/D) Σ‖ω_d‖²``; biases are free).
    lr : float > 0
        Peak learning rate.
    epochs : int, 1 <= epochs <= MAX_EPOCHS (10⁵)
    batch_size : int >= 1
        ``epochs · ⌈n_train / batch_size⌉`` (the steps) is at most 10⁸.
    momentum : float in [0, 1)
    schedule : {'constant', 'cosine', 'warmup', 'warmup-cosine'}
    rng : numpy.random.Generator, int seed or None
        The order of the minibatches (default 0: reproducible).
    callback : callable, optional
        Called as ``callback(record)`` after every epoch; a truthy return stops
        the run with status ``'stopped'``.
    zero_tol : float >= 0
        A collapsed weight counts as zero in the sparsity metrics when ``|w| <= zero_tol``.
    warmup : float in [0, 1)
        Warm-up fraction of the ``'warmup'`` schedules.
    masks : list of bool arrays, optional
        Per-layer ``(n_in, n_out)`` masks; masked weights are held at zero (fine-tuning after pruning).
    diverge_factor : float > 1
        The run is declared diverged when a minibatch objective is non-finite or
        exceeds ``diverge_factor · (1 + initial objective)``.
    update_masks : callable, optional
        Called as ``update_masks(epoch, weights)`` after the steps of every epoch, before its
        record, with the collapsed weights (a list of arrays, not to be modified). A returned list
        of boolean masks (one per layer, shaped like the weights) replaces ``masks`` from then on
        and zeroes the newly masked weights at once; ``None`` keeps the current masks (gradual
        magnitude pruning, :mod:`dwf_theory.trainer.pruning`).
    penalty : callable, optional
        An extra penalty ``P(W)`` on the collapsed weights, added to the objective of every step
        and to ``train_objective``: ``penalty(weights) -> (value, grads)`` with one gradient (or
        subgradient) array per weight array; it is chained to the factors like the data loss
        (plain L1 and L_{2/D} baselines, :mod:`dwf_theory.trainer.pruning`).

    Returns
    -------
    History
        Epoch 0 (the initialization) and one record per epoch run. A diverged run
        ends with a record of status ``'diverged'`` (metrics of the last finite
        parameters, which ``model.params`` keeps); it does not raise. ``config`` records
        the arguments, with ``rng`` the int seed given (``None`` for a Generator or ``None``).
        ``ValueError`` if the objective at the initialization is not finite (inputs or λ
        so large that it overflows float64).
    """
    _check_model(model)
    opts = _check_options(
        lam=lam,
        lr=lr,
        epochs=epochs,
        batch_size=batch_size,
        momentum=momentum,
        zero_tol=zero_tol,
        diverge_factor=diverge_factor,
    )
    schedule = v.choice(schedule, "schedule", SCHEDULES)
    warmup = v.real_scalar(warmup, "warmup", minimum=0.0)
    if warmup >= 1:
        raise ValueError(f"warmup must be a fraction in [0, 1), got {warmup}")
    for hook, name in ((callback, "callback"), (update_masks, "update_masks"), (penalty, "penalty")):
        if hook is not None and not callable(hook):
            raise TypeError(f"{name} must be callable or None, got {type(hook).__name__}")
    gen = v.generator(rng)
    prepared = _check_data(model, data)
    steps = opts["epochs"] * math.ceil(prepared[0].shape[0] / opts["batch_size"])
    if steps > v.MAX_ELEMENTS:
        raise ValueError(f"epochs and batch_size give {steps:.3g} steps; the limit is {v.MAX_ELEMENTS:.0e}")
    masks = _apply_masks(model, masks)
    seed = int(rng) if isinstance(rng, (int, np.integer)) else None
    config = dict(
        lam=opts["lam"],
        lr=opts["lr"],
        epochs=opts["epochs"],
        batch_size=opts["batch_size"],
        momentum=opts["momentum"],
        schedule=schedule,
        rng=seed,
        zero_tol=opts["zero_tol"],
        warmup=warmup,
        D=model.D,
        sizes=None if model.sizes is None else list(model.sizes),
        layers=model.architecture,
        init=model.init,
        loss=model.loss,
        masked=masks is not None or update_masks is not None,
    )
    start = time.perf_counter()
    records, status, step = _run_epochs(
        model,
        prepared,
        gen,
        masks,
        callback,
        schedule=schedule,
        warmup=warmup,
        update_masks=update_masks,
        penalty=penalty,
        **opts,
    )
    return History(
        tuple(records),
        status,
        opts["zero_tol"],
        "accuracy" if model.loss == "cross_entropy" else "r2",
        step,
        time.perf_counter() - start,
        config,
    )


def _check_options(*, lam, lr, epochs, batch_size, momentum, zero_tol, diverge_factor) -> dict:
    """The numeric options of :func:`train`, validated."""
    momentum = _momentum(momentum)
    return dict(
        lam=v.regularization(lam),
        lr=v.positive(lr, "lr"),
        epochs=v.whole_number(epochs, "epochs", 1, MAX_EPOCHS),
        batch_size=v.whole_number(batch_size, "batch_size", 1),
        momentum=momentum,
        zero_tol=v.real_scalar(zero_tol, "zero_tol", minimum=0.0),
        diverge_factor=v.real_scalar(diverge_factor, "diverge_factor", minimum=1.0, strict=True),
    )


def _apply_masks(model: Network, masks):
    """Validated masks in the model's dtype (or ``None``); the masked factors of ``model`` are zeroed."""
    masks = _check_masks(masks, model.params)
    if masks is None:
        return None
    for p, m in zip(model.params, masks):
        p[weight_key(p)] *= m
    return masks


def _run_epochs(
    model: Network,
    prepared,
    gen,
    masks,
    callback,
    *,
    lam,
    lr,
    epochs,
    batch_size,
    momentum,
    zero_tol,
    diverge_factor,
    schedule,
    warmup,
    update_masks=None,
    penalty=None,
) -> tuple[list, str, int]:
    """The epochs of :func:`train`: ``(records, status, steps taken)``."""
    Xtr, Ttr, Xte, Tte = prepared
    n = Xtr.shape[0]
    rates = learning_rates(schedule, lr, epochs * math.ceil(n / batch_size), warmup=warmup)
    params = model.params
    velocity = _zeros_like_params(params)

    def record(epoch: int, rate: float, status: str = "ok") -> EpochRecord:
        return _evaluate(
            model,
            params,
            Xtr,
            Ttr,
            Xte,
            Tte,
            lam,
            zero_tol=zero_tol,
            epoch=epoch,
            lr=rate,
            status=status,
            penalty=penalty,
        )

    with one_blas_thread():  # as in the loop: at these sizes, BLAS threads cost more than they save
        records = [record(0, rates[0])]
    first = records[0]
    if not all(math.isfinite(x) for x in (first.train_loss, first.train_objective, first.test_loss)):
        raise ValueError(
            "the objective at the initialization overflows float64 for this model, data and lam: use smaller magnitudes"
        )
    limit = diverge_factor * (1.0 + abs(records[0].train_objective))
    step = 0
    with np.errstate(all="ignore"), one_blas_thread():
        for epoch in range(1, epochs + 1):
            snapshot = copy.deepcopy(params)
            step, finite = _train_epoch(
                model,
                params,
                velocity,
                Xtr,
                Ttr,
                gen.permutation(n),
                batch_size,
                rates,
                step,
                lam,
                momentum,
                masks=masks,
                limit=limit,
                penalty=penalty,
            )
            if not (finite and all(np.all(np.isfinite(a)) for p in params for a in p.values())):
                for p, s in zip(params, snapshot):  # keep the last finite state
                    for key in p:
                        p[key][...] = s[key]
                records.append(record(epoch, rates[min(step, rates.size - 1)], "diverged"))
                return records, "diverged", step
            if update_masks is not None:
                new = update_masks(epoch, model.weights(params))
                if new is not None:
                    masks = _apply_masks(model, new)
            records.append(record(epoch, rates[step - 1]))
            if callback is not None and callback(records[-1]):
                records[-1] = replace(records[-1], status="stopped")
                return records, "stopped", step
    return records, "ok", step
