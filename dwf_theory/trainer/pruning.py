"""The pruning baselines of the DWF comparison: one registry, one signature, one epoch budget.

Kolb et al., ICLR 2025 compare deep weight factorization against the shallow ``D = 2`` factorization
and against pruning methods (random, magnitude, SNIP, SynFlow, …) at matched compression. Each
baseline here prunes the plain network (``D = 1``) built from a :class:`~dwf_theory.trainer.ModelSpec`
with the He initialization (``init='standard'``), so every method trains the same architecture from
the same initialization (drawn from the seed of ``rng``).

Every pruner of :data:`PRUNERS` is called as::

    fn(spec, data, compression, *, rng=0, epochs, lr, batch_size=64, momentum=0.9, schedule="cosine",
       lam=0.0, zero_tol=1e-3, keep_history=False, **method_options) -> dict

(or through :func:`prune_and_train`) and keeps exactly ``n_keep = round(N / compression)`` of the
``N`` weights (biases are never pruned), so the kept count is within half a weight of
``N / compression``. Ranking ties are broken deterministically: among equal scores the weight that
comes first (layer order, then C order within a layer) is kept.

**Epoch budget.** Every method makes exactly ``epochs`` passes over the training data; scoring
passes (SNIP's and GraSP's one minibatch, SynFlow's data-free iterations) are not training epochs
and are timed separately (``score_seconds``). The summary's ``epoch_split`` says how the budget was
spent (``dense`` epochs without a mask, ``pruning`` epochs of gradual pruning, ``masked`` epochs
with a fixed mask; they add up to ``epochs``):

* pruning at initialization (``random``, ``snip``, ``grasp``, ``synflow``): all ``epochs`` trained
  with the mask fixed;
* ``magnitude``, ``magnitude-layerwise`` (the paper's protocol: no fine-tuning) and ``l1``, ``lq``:
  all ``epochs`` dense (penalized), then pruned once;
* ``magnitude-finetune``, ``magnitude-layerwise-finetune``: ``epochs − ⌊epochs/2⌋`` dense, then
  ``⌊epochs/2⌋`` of fine-tuning with the mask fixed; the fine-tuning phase restarts the learning-rate
  schedule from ``lr`` (learning-rate rewinding, Renda, Frankle & Carbin, ICLR 2020);
* ``gmp``: one run of ``epochs`` with one schedule; the mask shrinks at the ends of epochs
  ``t0 + 1 … t0 + n`` and then stays fixed.

The summary is that of :func:`~dwf_theory.trainer.run` (test accuracy after zeroing
``|w| <= zero_tol``, compression ratio counted with ``zero_tol``, …) plus ``method``,
``architecture``, ``target_compression``, ``n_weights``, ``n_kept`` and ``kept_compression`` (of
the mask), ``layer_kept`` (weights kept per layer), ``layer_collapse`` (some layer has no weight of
magnitude above ``zero_tol`` left: the layer is pruned away and the network computes a constant),
``epoch_split``, ``score_seconds`` and each method's own entries. ``lam`` is the L2 weight decay
``λ‖w‖²`` of the ``D = 1`` network (the ``D = 1`` case of the factor penalty) for every method but
``l1`` and ``lq``, where it is the strength of their penalty.

>>> from dwf_theory.trainer import Dense, ModelSpec, load_digits_split, prune_and_train
>>> spec = ModelSpec((Dense(32), Dense(10)), (64,), 10)
>>> out = prune_and_train("snip", spec, load_digits_split(0), 10, epochs=2, lr=0.1)
>>> out["n_kept"], out["layer_collapse"]
(237, False)
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import time

import autograd
import autograd.numpy as anp
import numpy as np

from .. import _validate as v
from .data import as_seed
from .datasets import Dataset
from .experiments import _summarize
from .groups import weight_key
from .network import ModelSpec, Network
from .objective import _data_loss
from .optim import SCHEDULES
from .train import History, _check_data, _check_options, _evaluate, train

__all__ = ["PRUNERS", "prune_and_train"]

SCOPES = ("global", "layerwise")


# ---------------------------------------------------------------------------
# masks from scores


def _keep_top(scores, n_keep: int, alive=None) -> list:
    """Global masks keeping the ``n_keep`` highest scores over all layers (ties: the earlier weight).

    ``alive`` (masks, optional): only these weights compete; the others stay pruned.
    """
    flat = np.concatenate([np.ravel(s) for s in scores]).astype(np.float64)
    if alive is not None:
        flat[~np.concatenate([np.ravel(m) for m in alive])] = -np.inf
    keep = np.zeros(flat.size, bool)
    keep[np.argsort(-flat, kind="stable")[:n_keep]] = True
    out, start = [], 0
    for s in scores:
        out.append(keep[start : start + np.size(s)].reshape(np.shape(s)))
        start += np.size(s)
    return out


def _apportion(sizes, n_keep: int, caps) -> list:
    """Weights kept per layer for layer-wise pruning: ``n_keep`` split in proportion to ``sizes``.

    Largest remainders (Hamilton's method; ties to the earlier layer), each layer at most ``caps[l]``
    (its weights still alive), so the counts add up to ``n_keep`` exactly.
    """
    total = sum(sizes)
    quota = [n * n_keep / total for n in sizes]
    counts = [min(math.floor(q), c) for q, c in zip(quota, caps)]
    order = sorted(range(len(sizes)), key=lambda i: (-(quota[i] - counts[i]), i))
    while sum(counts) < n_keep:
        for i in order:
            if counts[i] < caps[i] and sum(counts) < n_keep:
                counts[i] += 1
    return counts


def _masks(scores, n_keep: int, scope: str, alive=None) -> list:
    """Masks keeping ``n_keep`` weights by score, over all layers (``'global'``) or per layer (``'layerwise'``)."""
    if scope == "global":
        return _keep_top(scores, n_keep, alive)
    sizes = [int(np.size(s)) for s in scores]
    caps = sizes if alive is None else [int(np.count_nonzero(m)) for m in alive]
    counts = _apportion(sizes, n_keep, caps)
    return [
        _keep_top([s], k, None if alive is None else [m])[0]
        for s, k, m in zip(scores, counts, alive or [None] * len(scores))
    ]


# ---------------------------------------------------------------------------
# scores (float64, on the plain network's collapsed weights W and biases b)


def _loss(weights, biases, model: Network, X, T, temperature: float = 1.0):
    """Mean data loss of the network with ``weights`` and ``biases``, logits divided by ``temperature``."""
    return _data_loss(model._apply(weights, biases, X) / temperature, T, model.loss)


def _snip_scores(model: Network, weights, biases, X, T) -> list:
    """SNIP connection sensitivity ``|∂L/∂w ⊙ w|`` on one minibatch (Lee, Ajanthan & Torr, ICLR 2019).

    ``∂L/∂c_j`` of the connection mask ``c`` at ``c = 1`` is ``g_j w_j``; the paper's
    normalization by the sum does not change the ranking and is left out. Highest scores are kept.
    """
    g = autograd.grad(_loss)(weights, biases, model, X, T)
    return [np.abs(gl * w) for gl, w in zip(g, weights)]


def _grasp_scores(model: Network, weights, biases, X, T, temperature: float) -> list:
    """GraSP scores ``S(−w) = −w ⊙ H g`` (Wang, Zhang & Grosse, ICLR 2020): the highest are pruned.

    ``g = ∇L`` and ``H = ∇²L`` of the loss with logits divided by ``temperature`` (200 in the authors'
    reference implementation); ``H g`` is the gradient of ``g·∇L`` with ``g`` held fixed, by autograd.
    """
    grad = autograd.grad(_loss)
    g = [np.asarray(a) for a in grad(weights, biases, model, X, T, temperature)]

    def directional(ws):
        return sum(anp.sum(gl * hl) for gl, hl in zip(g, grad(ws, biases, model, X, T, temperature)))

    hg = autograd.grad(directional)(weights)
    return [-w * h for w, h in zip(weights, hg)]


def _synflow_scores(model: Network, weights, masks=None) -> list:
    """SynFlow scores ``|∂R/∂w ⊙ w|`` (Tanaka, Kunin, Yamins & Ganguli, NeurIPS 2020), data-free.

    ``R = 1ᵀ(Π_l |W_l|)1``: the sum of the outputs of the network with weights ``|W ⊙ mask|``, biases
    zero, on one all-ones input, in float64 (the network's own layers: ReLU and max pooling act as
    the identity on the positive signals, as in the authors' implementation).
    """
    masks = masks or [None] * len(weights)
    absw = [np.abs(np.asarray(w, np.float64)) * (1.0 if m is None else m) for w, m in zip(weights, masks)]
    zeros = [np.zeros(p["bias"].shape) for p in model.params]
    ones = np.ones((1, *model.input_shape))

    def flow(ws):
        return anp.sum(model._apply(ws, zeros, ones))

    with np.errstate(over="ignore", invalid="ignore"):
        g = autograd.grad(flow)(absw)
    scores = [np.abs(gl * w) for gl, w in zip(g, absw)]
    if not all(np.all(np.isfinite(s)) for s in scores):
        raise ValueError("the SynFlow scores overflow float64 for this spec (R = 1ᵀ Π|W_l| 1 is too large)")
    return scores


# ---------------------------------------------------------------------------
# one run: the validated arguments and the network


@dataclasses.dataclass
class _Run:
    name: str
    spec: ModelSpec
    model: Network
    data: tuple
    prepared: tuple
    compression: float
    n_keep: int
    seed: int
    epochs: int
    lam: float
    common: dict

    @property
    def n_weights(self) -> int:
        return self.model.n_weights

    def train(self, epochs: int, rng: int, lam: float | None = None, **hooks) -> History:
        lam = self.lam if lam is None else lam
        return train(self.model, self.data, epochs=epochs, rng=rng, lam=lam, **self.common, **hooks)

    def record(self, hist: History, masks, penalty=None):
        """``hist`` with one more record: the network after zeroing the weights outside ``masks``."""
        for p, m in zip(self.model.params, masks):
            p[weight_key(p)] *= m
        f = hist.final
        rec = _evaluate(
            self.model,
            self.model.params,
            *self.prepared,
            hist.config["lam"],
            zero_tol=hist.zero_tol,
            epoch=f.epoch,
            lr=f.lr,
            status=f.status,
            penalty=penalty,
        )
        return dataclasses.replace(hist, records=hist.records + (rec,))

    def score_batch(self, samples_per_class: int, gen) -> tuple:
        """A class-balanced minibatch of the training rows, in float64: ``samples_per_class`` rows of each class."""
        X, T = self.prepared[0], self.prepared[1]
        if self.model.loss == "cross_entropy":
            labels = np.argmax(T, axis=1)
            rows = np.concatenate(
                [gen.permutation(np.flatnonzero(labels == c))[:samples_per_class] for c in np.unique(labels)]
            )
        else:
            rows = gen.permutation(X.shape[0])[: samples_per_class * self.model.n_outputs]
        rows = np.sort(rows)
        return X[rows].astype(np.float64), T[rows].astype(np.float64)

    def weights64(self) -> tuple:
        return (
            [np.asarray(w, np.float64) for w in self.model.weights()],
            [np.asarray(p["bias"], np.float64) for p in self.model.params],
        )


def _setup(name, spec, data, compression, *, rng, epochs, lr, batch_size, momentum, schedule, lam, zero_tol) -> _Run:
    if not isinstance(spec, ModelSpec):
        raise TypeError(f"spec must be a dwf_theory.trainer ModelSpec, got {type(spec).__name__}")
    seed = as_seed(rng)
    model = dataclasses.replace(spec, init="standard").build(1, seed)
    N = model.n_weights
    compression = v.real_scalar(compression, "compression")
    if not 1.0 < compression <= N:
        raise ValueError(
            f"compression must lie in (1, {N}] (N / compression weights are kept of the N = {N} weights "
            f"of {spec.name}), got {compression!r}"
        )
    opts = _check_options(
        lam=lam,
        lr=lr,
        epochs=epochs,
        batch_size=batch_size,
        momentum=momentum,
        zero_tol=zero_tol,
        diverge_factor=1e4,
    )
    schedule = v.choice(schedule, "schedule", SCHEDULES)
    if isinstance(data, Dataset):
        data = data.split("test")
    try:
        prepared = _check_data(model, data)
    except ValueError as exc:
        raise ValueError(f"data does not fit spec ({spec.name}, input_shape {spec.input_shape}): {exc}") from exc
    common = dict(
        lr=opts["lr"],
        batch_size=opts["batch_size"],
        momentum=opts["momentum"],
        schedule=schedule,
        zero_tol=opts["zero_tol"],
    )
    n_keep = max(1, round(N / compression))
    return _Run(name, spec, model, data, prepared, compression, n_keep, seed, opts["epochs"], opts["lam"], common)


def _chain(first: History, second: History) -> History:
    """One history of two consecutive runs (the second's epochs renumbered after the first's)."""
    off = first.final.epoch
    records = first.records + tuple(dataclasses.replace(r, epoch=r.epoch + off) for r in second.records[1:])
    return History(
        records,
        first.status if first.status != "ok" else second.status,
        second.zero_tol,
        second.metric,
        first.steps + second.steps,
        first.seconds + second.seconds,
        {**second.config, "epochs": first.config["epochs"] + second.config["epochs"]},
    )


# ---------------------------------------------------------------------------
# the methods: each returns (history, masks, epoch split, extra summary entries)


def _split(dense=0, pruning=0, masked=0) -> dict:
    return {"dense": dense, "pruning": pruning, "masked": masked}


def _at_init(run: _Run, masks, seconds: float, **extra):
    hist = run.train(run.epochs, run.seed, masks=masks)
    return hist, masks, _split(masked=run.epochs), {"score_seconds": seconds, **extra}


def _random(run: _Run):
    start = time.perf_counter()
    gen = np.random.default_rng([run.seed, 1])
    masks = _keep_top([gen.random(np.shape(w)) for w in run.model.weights()], run.n_keep)
    return _at_init(run, masks, time.perf_counter() - start)


def _snip(run: _Run, *, samples_per_class=10):
    spc = v.whole_number(samples_per_class, "samples_per_class", 1)
    start = time.perf_counter()
    X, T = run.score_batch(spc, np.random.default_rng([run.seed, 2]))
    scores = _snip_scores(run.model, *run.weights64(), X, T)
    masks = _keep_top(scores, run.n_keep)
    return _at_init(run, masks, time.perf_counter() - start, score_rows=int(X.shape[0]))


def _grasp(run: _Run, *, samples_per_class=10, temperature=200.0):
    spc = v.whole_number(samples_per_class, "samples_per_class", 1)
    temperature = v.positive(temperature, "temperature")
    start = time.perf_counter()
    X, T = run.score_batch(spc, np.random.default_rng([run.seed, 2]))
    with np.errstate(over="ignore", invalid="ignore"):
        scores = _grasp_scores(run.model, *run.weights64(), X, T, temperature)
    if not all(np.all(np.isfinite(s)) for s in scores):
        raise ValueError("the GraSP scores overflow float64 for this spec, data and temperature")
    masks = _keep_top([-s for s in scores], run.n_keep)  # prune the highest GraSP scores
    return _at_init(run, masks, time.perf_counter() - start, score_rows=int(X.shape[0]), temperature=temperature)


def _synflow_keep(N: int, n_keep: int, iterations: int) -> list:
    """Weights kept after each SynFlow iteration: ``round(N (n_keep/N)^{k/n})``, ``k = 1 … n`` (exponential)."""
    return [round(N * (n_keep / N) ** (k / iterations)) if k < iterations else n_keep for k in range(1, iterations + 1)]


def _synflow(run: _Run, *, iterations=100):
    iterations = v.whole_number(iterations, "iterations", 1, 10**4)
    start = time.perf_counter()
    weights = run.model.weights()
    masks = None
    for k in _synflow_keep(run.n_weights, run.n_keep, iterations):
        masks = _keep_top(_synflow_scores(run.model, weights, masks), k, masks)
    return _at_init(run, masks, time.perf_counter() - start, iterations=iterations)


def _magnitude(run: _Run, *, scope: str, finetune: bool):
    if finetune and run.epochs < 2:
        raise ValueError(f"epochs must be >= 2 for {run.name!r} (dense training, then fine-tuning), got {run.epochs}")
    tuned_epochs = run.epochs // 2 if finetune else 0
    dense = run.train(run.epochs - tuned_epochs, run.seed)
    masks = _masks([np.abs(w) for w in run.model.weights()], run.n_keep, scope)
    extra = {"dense_test_accuracy": dense.final.test_accuracy, "scope": scope}
    if not finetune:
        return run.record(dense, masks), masks, _split(dense=run.epochs), extra
    tuned = run.train(tuned_epochs, run.seed + 1, masks=masks)
    extra["oneshot_test_accuracy"] = tuned.records[0].test_accuracy  # pruned, before fine-tuning
    return _chain(dense, tuned), masks, _split(dense=run.epochs - tuned_epochs, masked=tuned_epochs), extra


def _gmp_keep(N: int, n_keep: int, t: int, t0: int, n: int) -> int:
    """Weights kept at the end of epoch ``t`` under Zhu & Gupta's cubic schedule (``s_i = 0``, ``Δt`` = one epoch).

    ``s_t = s_f (1 − (1 − (t − t0)/n)³)`` for ``t0 <= t <= t0 + n`` with ``s_f = 1 − n_keep/N``:
    ``N − round((N − n_keep)(1 − (1 − (t − t0)/n)³))`` weights, exactly ``n_keep`` from ``t0 + n`` on.
    """
    frac = min(max((t - t0) / n, 0.0), 1.0)
    return N - round((N - n_keep) * (1.0 - (1.0 - frac) ** 3))


def _gmp_window(epochs: int, start: float, end: float) -> tuple:
    """``(t0, n)``: the mask shrinks at the ends of epochs ``t0 + 1 … t0 + n`` of ``E = epochs``.

    ``t0 = ⌊start·E⌋`` (at most ``E − 1``) and ``t0 + n = max(t0 + 1, round(end·E))`` (at most ``E``).
    """
    t0 = min(math.floor(start * epochs), epochs - 1)
    return t0, min(max(t0 + 1, round(end * epochs)), epochs) - t0


def _gmp(run: _Run, *, scope="layerwise", prune_start=0.1, prune_end=0.75):
    scope = v.choice(scope, "scope", SCOPES)
    prune_start = v.real_scalar(prune_start, "prune_start", minimum=0.0)
    prune_end = v.real_scalar(prune_end, "prune_end", minimum=0.0)
    if not prune_start < prune_end <= 1.0:
        raise ValueError(
            f"prune_start and prune_end must satisfy 0 <= prune_start < prune_end <= 1, got {prune_start}, {prune_end}"
        )
    t0, n = _gmp_window(run.epochs, prune_start, prune_end)
    N = run.n_weights
    state = {"masks": None}

    def update(epoch, weights):
        if not t0 < epoch <= t0 + n:
            return None
        keep = _gmp_keep(N, run.n_keep, epoch, t0, n)
        state["masks"] = _masks([np.abs(w) for w in weights], keep, scope, state["masks"])
        return state["masks"]

    hist = run.train(run.epochs, run.seed, update_masks=update)
    extra = {"scope": scope, "prune_epochs": [t0 + 1, t0 + n]}
    masks = state["masks"] or [np.ones(np.shape(w), bool) for w in run.model.weights()]  # diverged before t0 + 1
    return hist, masks, _split(dense=t0, pruning=n, masked=run.epochs - t0 - n), extra


def _penalty(lam: float, q: float):
    """``P(W) = λ Σ |w|^q`` and its (sub)gradient ``λ q sign(w) |w|^{q−1}``, taken as 0 at ``w = 0``."""

    def penalty(weights):
        value, grads = 0.0, []
        for w in weights:
            a = np.abs(w)
            value += float(np.sum(a**q))
            if q == 1.0:
                grads.append(lam * np.sign(w))
            else:
                grads.append((lam * q) * np.sign(w) * np.where(a > 0, a, 1.0) ** (q - 1.0))
        return lam * value, grads

    return penalty


def _penalized(run: _Run, *, q: float, D=None):
    if not run.lam > 0:
        raise ValueError(f"lam must be > 0 for {run.name!r}: it is the strength of the penalty, got {run.lam}")
    penalty = _penalty(run.lam, q)
    hist = run.train(run.epochs, run.seed, lam=0.0, penalty=penalty)
    f = hist.final
    masks = _keep_top([np.abs(w) for w in run.model.weights()], run.n_keep)
    extra = {
        "penalty_exponent": q,
        **({} if D is None else {"penalty_D": D}),
        "sparsity_before_threshold": f.sparsity,
        "compression_before_threshold": f.compression_ratio,
        "unthresholded_test_accuracy": f.test_accuracy,
    }
    hist = run.record(hist, masks, penalty)
    return dataclasses.replace(hist, config={**hist.config, "lam": run.lam}), masks, _split(dense=run.epochs), extra


def _l1(run: _Run):
    return _penalized(run, q=1.0)


def _lq(run: _Run, *, D=3):
    D = v.depth(D)
    return _penalized(run, q=2.0 / D, D=D)


# ---------------------------------------------------------------------------
# the registry


_COMMON = """
    Parameters
    ----------
    spec : ModelSpec
        The architecture and data shape; built with ``D = 1`` and ``init='standard'`` (He).
    data : tuple or Dataset
        ``(X_train, y_train, X_test, y_test)`` (e.g. :func:`~dwf_theory.trainer.load_digits_split`)
        or a :class:`~dwf_theory.trainer.Dataset` (its test split).
    compression : float in (1, N]
        Target compression ratio ``N / n_kept``; ``n_kept = round(N / compression)``.
    rng : numpy.random.Generator, int seed in [0, 2³² − 1] or None
        Its seed draws the initialization, the minibatch order and the method's random choices.
    epochs : int >= 1
        The training budget, the same for every method (module docstring: how each spends it).
    lr, batch_size, momentum, schedule, zero_tol
        As in :func:`~dwf_theory.trainer.train`.
    lam : float >= 0
        L2 weight decay ``λ‖w‖²`` (for ``l1`` and ``lq``: the strength of their penalty, > 0).
    keep_history : bool
        Add the per-epoch records (``history``) to the summary.

    Returns
    -------
    dict
        The JSON-ready summary (module docstring).
"""


def _make(name: str, method, doc: str, **fixed):
    """The pruner ``name``: the common signature, then the options of ``method`` (keyword-only)."""
    own = {
        p.name: p.default
        for p in inspect.signature(method).parameters.values()
        if p.kind is p.KEYWORD_ONLY and p.name not in fixed
    }

    def pruner(
        spec,
        data,
        compression,
        *,
        rng=0,
        epochs,
        lr,
        batch_size=64,
        momentum=0.9,
        schedule="cosine",
        lam=0.0,
        zero_tol=1e-3,
        keep_history=False,
        **options,
    ) -> dict:
        unknown = sorted(set(options) - set(own))
        if unknown:
            raise TypeError(
                f"unknown option(s) {unknown} for pruner {name!r}; its own options: {sorted(own) or 'none'}"
            )
        keep_history = v.flag(keep_history, "keep_history")
        run = _setup(
            name,
            spec,
            data,
            compression,
            rng=rng,
            epochs=epochs,
            lr=lr,
            batch_size=batch_size,
            momentum=momentum,
            schedule=schedule,
            lam=lam,
            zero_tol=zero_tol,
        )
        hist, masks, split, extra = method(run, **fixed, **options)
        kept = [int(np.count_nonzero(m)) for m in masks]
        out = _summarize(
            hist,
            keep_history=keep_history,
            method=name,
            architecture=spec.name,
            target_compression=run.compression,
            n_weights=run.n_weights,
            n_kept=sum(kept),
            kept_compression=run.n_weights / sum(kept),
            layer_kept=kept,
            epoch_split=split,
            **{"score_seconds": 0.0, **extra},
        )
        out["layer_collapse"] = bool(min(out["layer_density"]) == 0.0)
        return out

    base = inspect.signature(pruner)
    params = [p for p in base.parameters.values() if p.kind is not p.VAR_KEYWORD]
    params += [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=d) for k, d in own.items()]
    pruner.__signature__ = base.replace(parameters=params)
    pruner.__name__ = pruner.__qualname__ = name.replace("-", "_")
    pruner.__doc__ = doc.strip() + "\n" + _COMMON
    return pruner


_DOCS = {
    "random": """Random pruning at initialization: a uniformly random set of ``n_kept`` weights over all
    layers (the ``Rand`` baseline of Tanaka et al., NeurIPS 2020; Liu et al., ICLR 2022), then
    ``epochs`` of training with the mask fixed.""",
    "magnitude": """Global magnitude pruning of the trained dense network without fine-tuning, the protocol of
    Kolb et al., ICLR 2025: ``epochs`` of dense training, then the ``n_kept`` largest ``|w|`` over all
    layers are kept (Han et al., NeurIPS 2015). Adds ``dense_test_accuracy``.""",
    "magnitude-layerwise": """Layer-wise magnitude pruning of the trained dense network without fine-tuning: every layer
    keeps its largest ``|w|``, the same fraction of each layer (counts by largest remainders so that
    they add up to ``n_kept``; Han et al., NeurIPS 2015). Adds ``dense_test_accuracy``.""",
    "magnitude-finetune": """Global magnitude pruning with fine-tuning (Han et al., NeurIPS 2015):
    ``epochs − ⌊epochs/2⌋`` dense, prune, ``⌊epochs/2⌋`` with the mask fixed and the schedule restarted (learning-rate
    rewinding, Renda et al., ICLR 2020); ``epochs >= 2``. Adds ``dense_test_accuracy`` and
    ``oneshot_test_accuracy`` (pruned, before fine-tuning).""",
    "magnitude-layerwise-finetune": """Layer-wise magnitude pruning with fine-tuning: as ``magnitude-finetune``
    with the per-layer masks of ``magnitude-layerwise``.""",
    "gmp": """Gradual magnitude pruning during training (Zhu & Gupta, "To prune, or not to prune", 2017).

    The target sparsity follows their cubic schedule ``s_t = s_f (1 − (1 − (t − t0)/(nΔt))³)``
    (initial sparsity 0, final ``s_f = 1 − n_kept/N``) with ``Δt`` one epoch: at the end of epochs
    ``t0 + 1 … t0 + n`` the smallest ``|w|`` among the weights still kept are masked (per layer with
    ``scope='layerwise'``, as in the paper, or over all layers with ``'global'``); pruned weights
    never return. ``t0 = ⌊prune_start·epochs⌋``, ``t0 + n = max(t0 + 1, round(prune_end·epochs))``
    (at most ``epochs``); the remaining epochs train with the final mask. Adds ``prune_epochs``.""",
    "snip": """SNIP (Lee, Ajanthan & Torr, ICLR 2019): connection sensitivity ``|∂L/∂w ⊙ w|`` of the mean
    loss on one class-balanced minibatch of ``samples_per_class`` training rows per class (10: 100 rows
    for 10 classes, SNIP's MNIST batch) at initialization; the ``n_kept`` highest over all layers are
    kept, then ``epochs`` of training with the mask fixed.""",
    "grasp": """GraSP (Wang, Zhang & Grosse, ICLR 2020): score ``−w ⊙ H g`` at initialization, ``g`` and ``H``
    the gradient and Hessian of the mean loss of the logits divided by ``temperature`` (200, the
    authors' reference implementation) on ``samples_per_class`` rows per class; the ``N − n_kept``
    highest scores are pruned over all layers (their Algorithm 1: removing them reduces the gradient
    flow least), then ``epochs`` of training with the mask fixed. ``H g`` by autograd (the gradient
    of ``g·∇L`` with ``g`` held fixed).""",
    "synflow": """SynFlow (Tanaka, Kunin, Yamins & Ganguli, NeurIPS 2020), data-free and iterative.

    ``iterations`` rounds (100 by default, their Algorithm 1): score ``|∂R/∂w ⊙ w|`` with
    ``R = 1ᵀ(Π_l |W_l ⊙ m_l|)1`` (the network on an all-ones input, weights ``|W|`` under the current
    mask, biases zero, float64), then keep the ``round(N (n_kept/N)^{k/iterations})`` highest
    (exponential schedule) among the weights still kept; then ``epochs`` of training with the final
    mask fixed.""",
    "l1": """Plain L1 on the collapsed weights: ``epochs`` of (sub)gradient SGD on ``mean loss + λ Σ|w|``
    (``λ = lam > 0``; subgradient ``λ sign(w)``, 0 at ``w = 0``) — the contrast of Kolb et al., ICLR
    2025, Figure 1: the penalty does not produce exact zeros. Reports ``sparsity_before_threshold``
    and ``compression_before_threshold`` (weights ``|w| <= zero_tol`` before any thresholding) and
    ``unthresholded_test_accuracy``; then keeps the ``n_kept`` largest ``|w|`` (no fine-tuning) and
    reports the accuracy there.""",
    "lq": """Plain L_{2/D} on the collapsed weights: as ``l1`` with ``λ Σ|w|^{2/D}`` (default ``D = 3``),
    the collapsed penalty DWF of depth ``D`` is equivalent to (Kolb et al., ICLR 2025, Theorem 1),
    here trained directly by subgradient SGD: gradient ``λ (2/D) sign(w) |w|^{2/D − 1}``, unbounded
    near 0 for ``D > 2`` and taken as 0 at ``w = 0``.""",
}

_METHODS = {
    "random": (_random, {}),
    "magnitude": (_magnitude, dict(scope="global", finetune=False)),
    "magnitude-layerwise": (_magnitude, dict(scope="layerwise", finetune=False)),
    "magnitude-finetune": (_magnitude, dict(scope="global", finetune=True)),
    "magnitude-layerwise-finetune": (_magnitude, dict(scope="layerwise", finetune=True)),
    "gmp": (_gmp, {}),
    "snip": (_snip, {}),
    "grasp": (_grasp, {}),
    "synflow": (_synflow, {}),
    "l1": (_l1, {}),
    "lq": (_lq, {}),
}

#: The pruning baselines: name → pruner with the common signature (module docstring).
PRUNERS = {name: _make(name, method, _DOCS[name], **fixed) for name, (method, fixed) in _METHODS.items()}


def prune_and_train(pruner, spec, data, compression, **options) -> dict:
    """Run the baseline ``pruner`` (a name of :data:`PRUNERS`) on ``spec`` and ``data`` at ``compression``.

    ``options`` are the pruner's keyword arguments: ``epochs`` and ``lr`` (required), ``rng``,
    ``batch_size``, ``momentum``, ``schedule``, ``lam``, ``zero_tol``, ``keep_history`` and the
    method's own options (e.g. ``iterations`` of ``'synflow'``). Returns its summary dict (the
    module docstring of :mod:`dwf_theory.trainer.pruning` lists the entries and the epoch budget).
    ``ValueError`` lists the names for an unknown ``pruner``.
    """
    name = v.choice(pruner, "pruner", tuple(PRUNERS))
    return PRUNERS[name](spec, data, compression, **options)
