"""Does depth help? DWF of several depths against the pruning baselines at matched compression.

:func:`compare` trains, on one data set and one architecture, deep weight factorization of depths
``D = 2, 3, 4`` (6 optional; methods ``'dwf-2'`` …) and the pruners of
:data:`~dwf_theory.trainer.PRUNERS`, with several seeds, and compares their test accuracy at the
same target compressions — the empirical claim of Kolb et al., ICLR 2025 (DWF with ``D > 2``
outperforms the shallow ``D = 2`` factorization and widely used pruning methods, most clearly at
high compression), tested with tuned learning rates, matched compressions and confidence intervals.
The protocol:

1. **One training budget** (:class:`Budget`): the same optimizer setting (heavy-ball SGD, μ = 0.9,
   warm-up + cosine; or the paper's plain SGD with a cosine schedule), epochs and batch size for every
   method, the same training rows (the training split minus a stratified validation split).
2. **Tuning, on the validation split only** (seed ``budget.tuning_seed``, none of the evaluation
   seeds): every method runs every learning rate of the same small grid ``budget.lrs``. A pruner runs
   at each target compression ``t`` (it keeps ``⌊N/t⌋`` of the ``N`` weights: compression ``>= t``);
   DWF's knob is λ, chosen automatically per depth and learning rate:
   starting from ``budget.lams``, the search brackets the targets (λ ÷ or × 10 until the least and
   the most compressed runs lie beyond the smallest target and ``budget.margin`` × the largest) and
   bisects in log λ the neighbouring runs whose compressions differ by more than ``budget.gap``
   around the targets, at most ``budget.max_search`` runs. The search looks at compression only;
   the learning rate of a method is the one whose validation frontier reaches the most targets, then
   has the highest mean validation accuracy at them (ties: the smaller rate). The test split is never
   looked at.
3. **Evaluation** with every seed of ``seeds``, at the chosen rate (recorded in ``lr``): a pruner at
   each target; DWF at the searched λ values that bracket the targets (recorded in ``lams``); the
   dense network (``D = 1``, He initialization, λ = 0, its rate tuned likewise) for the dense accuracy.
   Seed ``s`` fixes the validation split, the minibatch order and the initialization of every method.
4. **Metrics per method and seed**: the upper frontier of the runs in (log compression, test accuracy)
   (:func:`~dwf_theory.trainer.frontier`), the accuracy at each target interpolated on it (``None``,
   "not reached", beyond the most compressed run) and the largest compression within ``x`` % of the
   dense accuracy (accuracy ``>= (1 − x/100)`` × dense, ``x`` in 1, 2, 5, 10; the paper's summary
   metric), :func:`~dwf_theory.trainer.max_compression_within`.
5. **Statistics** (:mod:`~dwf_theory.trainer.compare_stats`): mean and 95 % Student-t interval per
   method and target; differences paired by seed with their intervals; the verdicts "D ≥ 3 better
   than D = 2" (the depth ``D >= 3`` with the best validation accuracy at the target against ``D = 2``)
   and "DWF better than the best pruner" (the best depth against the pruner with the best validation
   accuracy at the target): yes / no / inconclusive by whether the paired interval excludes 0.

Every run goes through :func:`~dwf_theory.trainer.run_sweep` on one executor (a local process pool,
:class:`~dwf_theory.trainer.InlineExecutor`, or a Dask cluster's, :func:`cluster_executor`). A run
is a pure function of its configuration and seed (BLAS single-threaded), and every decision depends
on results only, so the comparison is identical whatever the executor and the order in which results
come back. Ctrl-C keeps the finished runs: the result then has ``completed=False``.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import math
import time

import numpy as np
from threadpoolctl import threadpool_limits

from .. import _validate as v
from .compare_result import DEFAULT_LRS, DWF_DEPTHS, METHODS, QUICK_BUDGET, SCHEDULE, Budget, Comparison, RunRecord
from .datasets import DATASETS, load_dataset
from .experiments import OPTIMIZERS, run
from .frontier import accuracy_at
from .network import ARCHITECTURES, ModelSpec
from .pruning import PRUNERS, prune_and_train
from .sweep import default_executor, run_sweep

__all__ = ["compare", "cluster_executor"]

DWF_INIT = "varmatch-truncated"  # the paper's DWF initialization (variance matching, truncated); pruners, dense: He


# ---------------------------------------------------------------------------
# one run (a pure function of its configuration, in any process)


def _run_one(cfg: dict) -> dict:
    """Train the run ``cfg`` (see :func:`_config`); its :class:`RunRecord` as a dict."""
    start = time.perf_counter()
    keys = dict(method=cfg["method"], phase=cfg["phase"], seed=cfg["seed"], knob=cfg["knob"], lr=cfg["lr"])
    try:
        with threadpool_limits(1):  # one BLAS thread: the same arithmetic in every process and executor
            out, collapse = _train(cfg)
    except (ValueError, FloatingPointError) as exc:  # the method refuses this configuration
        record = RunRecord(
            **keys,
            split=cfg["split"],
            accuracy=None,
            compression=None,
            status="failed",
            layer_collapse=False,
            layer_density=(),
            error=str(exc),
        )
        return dataclasses.replace(record, seconds=time.perf_counter() - start).as_dict()
    ratio = out["compression_ratio"]
    return RunRecord(
        **keys,
        split=cfg["split"],
        accuracy=float(out["test_accuracy"]),
        compression=math.inf if ratio is None else float(ratio),
        status="diverged" if out["status"] == "diverged" else "ok",
        layer_collapse=collapse,
        layer_density=tuple(out["layer_density"]),
        seconds=time.perf_counter() - start,
    ).as_dict()


def _train(cfg: dict) -> tuple:
    """The summary of the run ``cfg`` and whether some layer collapsed."""
    method = cfg["method"]
    common = dict(epochs=cfg["epochs"], lr=cfg["lr"], batch_size=cfg["batch_size"], zero_tol=cfg["zero_tol"])
    if method in PRUNERS:
        data = load_dataset(cfg["dataset"], cfg["seed"], validation=cfg["validation"], path=cfg["data_dir"])
        spec = ModelSpec(cfg["arch"], data.input_shape, data.n_classes)
        out = prune_and_train(
            method,
            spec,
            data.split(cfg["split"]),
            cfg["knob"],
            rng=cfg["seed"],
            momentum=OPTIMIZERS[cfg["optimizer"]]["momentum"],
            schedule=cfg["schedule"],
            lam=cfg["lam"],
            **common,
        )
        return out, bool(out["layer_collapse"])
    dense = method == "dense"
    out = run(
        cfg["dataset"],
        1 if dense else DWF_DEPTHS[method],
        "dense" if dense else "sparse",
        arch=cfg["arch"],
        rng=cfg["seed"],
        optimizer=cfg["optimizer"],
        data_dir=cfg["data_dir"],
        validation=cfg["validation"],
        evaluate_on=cfg["split"],
        lam=cfg["lam"],
        schedule=cfg["schedule"],
        init="standard" if dense else DWF_INIT,
        rescale=cfg["rescale"] and not dense,
        **common,
    )
    return out, bool(min(out["layer_density"]) == 0.0)


def _config(setup: dict, method: str, phase: str, seed: int, knob: float, lr: float) -> dict:
    """The configuration of one run: the comparison's ``setup`` and the run's own entries."""
    if method in DWF_DEPTHS:
        lam = knob
    elif method in ("l1", "lq"):
        lam = setup["penalty_lam"]
    else:
        lam = setup["pruner_lam"]
    return dict(
        setup["common"],
        method=method,
        phase=phase,
        seed=int(seed),
        knob=float(knob),
        lr=float(lr),
        lam=float(lam),
        split="validation" if phase == "tune" else "test",
    )


# ---------------------------------------------------------------------------
# DWF's λ search: bracket the targets, then bisect in log λ


def _search_step(runs: list, lo: float, hi: float, budget: Budget) -> list:
    """New λ values for one (depth, learning rate), from its ``runs`` ``[(λ, compression or None)]``.

    ``None`` marks a diverged run. Extends λ (÷ or × 10) until the runs reach below ``lo`` and
    above ``hi``, then bisects (geometric mean) the neighbours in λ whose compressions differ by more
    than ``budget.gap`` on ``[lo, hi]``, largest ratio first; at most two values per step, none once
    ``budget.max_search`` runs are spent. ``[]``: done (or every run diverged).
    """
    room = budget.max_search - len(runs)
    ok = sorted((lam, c) for lam, c in runs if c is not None)
    if room <= 0 or not ok:
        return []
    tried = [lam for lam, _ in runs]
    new = []
    if ok[0][1] > lo:
        new.append(ok[0][0] / 10)
    if ok[-1][1] < hi:
        new.append(ok[-1][0] * 10)
    gaps = []
    for (l1, c1), (l2, c2) in zip(ok, ok[1:]):
        a, b = min(c1, c2), max(c1, c2)
        if b >= lo and a <= hi and (math.isinf(b) or b / a > budget.gap) and l2 / l1 > 1.05:
            gaps.append((math.inf if math.isinf(b) else b / a, -l1, math.sqrt(l1 * l2)))
    new += [mid for *_, mid in sorted(gaps, reverse=True)]
    new = [x for x in new if all(abs(x / t - 1) > 1e-9 for t in tried)]
    return new[: min(2, room)]


def _bracket(runs: list, lo: float, hi: float) -> tuple:
    """λ values of the evaluation: the searched runs from the last below ``lo`` to the first above ``hi`` (by λ)."""
    ok = sorted((lam, c) for lam, c in runs if c is not None)
    if not ok:
        return ()
    below = [i for i, (_, c) in enumerate(ok) if c <= lo]
    above = [i for i, (_, c) in enumerate(ok) if c >= hi]
    first = below[-1] if below else 0
    last = min((i for i in above if i >= first), default=len(ok) - 1)
    return tuple(lam for lam, _ in ok[first : last + 1])


def _score(records: list, targets: tuple) -> tuple:
    """Tuning score of one method at one rate: (targets reached, mean validation accuracy at them)."""
    ok = [r for r in records if r.usable]
    if not ok:
        return (0, -math.inf)
    if ok[0].method == "dense":
        return (1, ok[0].accuracy)
    acc = [a for a in accuracy_at([r.compression for r in ok], [r.accuracy for r in ok], targets) if a is not None]
    return (len(acc), float(np.mean(acc)) if acc else -math.inf)


def _choose_lr(records: list, method: str, lrs: tuple, targets: tuple) -> float:
    """The rate of ``lrs`` (ascending) whose tuning runs of ``method`` score best (:func:`_score`); ties: smaller."""
    best, best_score = lrs[0], None
    for lr in lrs:
        score = _score([r for r in records if r.method == method and r.phase == "tune" and r.lr == lr], targets)
        if best_score is None or score > best_score:
            best, best_score = lr, score
    return best


class _ClusterExecutor(cf.Executor):
    """The executor of a Dask client (``client.get_executor()``); ``shutdown`` also closes the client."""

    def __init__(self, client):
        self.client = client
        self._inner = client.get_executor()

    def submit(self, fn, /, *args, **kwargs):
        return self._inner.submit(fn, *args, **kwargs)

    def shutdown(self, wait=True, *, cancel_futures=False):
        try:
            self._inner.shutdown(wait=wait)
        finally:
            self.client.close()


def cluster_executor(address, *, timeout=5.0) -> cf.Executor:
    """An executor on the Dask distributed scheduler at ``address`` (needs the ``dask`` extra).

    ``dask.distributed.Client(address).get_executor()``, wrapped so that ``shutdown()`` (or leaving a
    ``with`` block) closes the client. Every worker needs this package installed (and the data files of
    MNIST-type sets at the same ``data_dir``). Start a cluster with ``dask scheduler`` and ``dask worker
    ADDRESS --nthreads 1`` on each machine.

    Parameters
    ----------
    address : str
        The scheduler, e.g. ``'tcp://10.0.0.5:8786'``.
    timeout : float > 0
        Seconds to wait for the scheduler; ``ValueError`` naming ``address`` if it does not answer.
    """
    if not isinstance(address, str):
        raise TypeError(f"address must be a scheduler address (str), got {type(address).__name__}")
    if not address.strip():
        raise ValueError("address must be a scheduler address such as 'tcp://host:8786', got an empty string")
    timeout = v.positive(timeout, "timeout")
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - the dask extra is in dev
        raise ImportError("a Dask scheduler needs the dask extra: pip install 'dwf-theory[dask]'") from exc
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ValueError(f"address: no Dask scheduler answered at {address!r} within {timeout:g} s ({exc})") from None
    return _ClusterExecutor(client)


class _Interrupted(Exception):
    """A sweep of the comparison was interrupted (Ctrl-C); the finished runs are kept."""


# ---------------------------------------------------------------------------
# the comparison


def compare(
    dataset,
    arch,
    methods,
    targets,
    *,
    seeds,
    executor=None,
    budget=None,
    optimizer="momentum",
    quick=False,
    data_dir=None,
    progress=True,
) -> Comparison:
    """Compare DWF depths and pruners at matched compressions on ``dataset`` × ``arch`` (module docstring).

    Parameters
    ----------
    dataset : str
        A name of :data:`~dwf_theory.trainer.DATASETS`.
    arch : str
        A name of :data:`~dwf_theory.trainer.ARCHITECTURES` that fits the data set's inputs.
    methods : sequence of str
        Names of :data:`METHODS` (``'dwf-2'``, ``'dwf-3'``, ``'dwf-4'``, ``'dwf-6'`` and the pruners),
        at least one; :data:`DEFAULT_METHODS` is the full comparison.
    targets : sequence of float > 1
        Target compression ratios (all / nonzero weights), at most the number of weights.
    seeds : int >= 2 or sequence of at least two distinct int seeds
        The evaluation seeds (an int ``n``: seeds ``0 … n − 1``); paired intervals need two.
    executor : concurrent.futures.Executor, optional
        Where the runs go (:func:`~dwf_theory.trainer.run_sweep`); default: a process pool on all cores.
    budget : Budget, optional
        Default :class:`Budget` (``QUICK_BUDGET`` with ``quick``); its ``lrs`` ``None`` become the
        optimizer's :data:`DEFAULT_LRS`.
    optimizer : {'momentum', 'sgd'}
        Heavy-ball SGD (μ = 0.9, warm-up + cosine) or plain SGD with a cosine schedule, for every method.
    quick : bool
        Use :data:`QUICK_BUDGET` (not together with ``budget``).
    data_dir : str or path, optional
        Folder of the MNIST-type files (every worker must see it).
    progress : bool
        tqdm bars, one per sweep.

    Returns
    -------
    Comparison
        ``completed=False`` after Ctrl-C (the finished runs and what they give).
    """
    dataset = v.choice(dataset, "dataset", tuple(DATASETS))
    arch = v.choice(arch, "arch", tuple(ARCHITECTURES))
    methods = _methods(methods)
    targets = _targets(targets)
    seeds = _seeds(seeds)
    optimizer = v.choice(optimizer, "optimizer", tuple(SCHEDULE))
    quick, progress = v.flag(quick, "quick"), v.flag(progress, "progress")
    if budget is None:
        budget = QUICK_BUDGET if quick else Budget()
    elif not isinstance(budget, Budget):
        raise TypeError(f"budget must be a Budget or None, got {type(budget).__name__}")
    elif quick:
        raise ValueError("quick selects QUICK_BUDGET: give quick or budget, not both")
    if budget.lrs is None:
        budget = dataclasses.replace(budget, lrs=DEFAULT_LRS[optimizer])
    if budget.tuning_seed in seeds:
        raise ValueError(f"seeds must not contain the tuning seed {budget.tuning_seed} (budget.tuning_seed)")
    if data_dir is not None and not isinstance(data_dir, (str, bytes)) and not hasattr(data_dir, "__fspath__"):
        raise TypeError(f"data_dir must be a folder path or None, got {type(data_dir).__name__}")
    data = load_dataset(dataset, budget.tuning_seed, validation=budget.validation, path=data_dir)
    try:
        n_weights = ModelSpec(arch, data.input_shape, data.n_classes).build(1, 0).n_weights
    except ValueError as exc:
        raise ValueError(f"arch {arch!r} does not fit the inputs of {dataset!r}: {exc}") from None
    if max(targets) > n_weights:
        raise ValueError(f"targets must be at most the {n_weights} weights of {arch} on {dataset}, got {max(targets)}")
    knob = {t: n_weights / math.floor(n_weights / t) for t in targets}  # keeps floor(N/t) weights: >= t
    common = dict(
        dataset=dataset,
        arch=arch,
        data_dir=None if data_dir is None else str(data_dir),
        validation=budget.validation,
        epochs=budget.epochs,
        batch_size=budget.batch_size,
        optimizer=optimizer,
        schedule=SCHEDULE[optimizer],
        zero_tol=budget.zero_tol,
        rescale=budget.rescale,
    )
    setup = dict(common=common, pruner_lam=budget.pruner_lam, penalty_lam=budget.penalty_lam)
    lo, hi = targets[0], targets[-1] * budget.margin
    records: list = []
    lr: dict = {}
    lams: dict = {}
    start = time.perf_counter()
    own = executor is None
    if own:
        executor = default_executor()

    def sweep(cfgs: list, desc: str) -> list:
        res = run_sweep(_run_one, cfgs, executor=executor, progress=progress, desc=desc)
        got = [RunRecord.from_dict(r) for _, r in res.finished()]
        records.extend(got)
        if not res.completed:
            raise _Interrupted
        return got

    completed = True
    try:
        T, dwf = budget.tuning_seed, [m for m in methods if m in DWF_DEPTHS]
        cfgs = [_config(setup, "dense", "tune", T, 0.0, r) for r in budget.lrs]
        for m in methods:
            knobs = budget.lams[: budget.max_search] if m in DWF_DEPTHS else [knob[t] for t in targets]
            cfgs += [_config(setup, m, "tune", T, k, r) for r in budget.lrs for k in knobs]
        got, search, step = sweep(cfgs, "tuning"), {(m, r): [] for m in dwf for r in budget.lrs}, 1
        while True:
            for rec in got:
                if rec.method in DWF_DEPTHS:
                    search[rec.method, rec.lr].append((rec.knob, rec.compression if rec.usable else None))
            cfgs = [
                _config(setup, m, "tune", T, lam, r)
                for (m, r), runs in search.items()
                for lam in _search_step(runs, lo, hi, budget)
            ]
            if not cfgs:
                break
            step += 1
            got = sweep(cfgs, f"λ search, step {step}")
        for m in ("dense", *methods):
            lr[m] = _choose_lr(records, m, budget.lrs, targets)
        for m in dwf:
            lams[m] = _bracket(search[m, lr[m]], lo, hi)
        cfgs = [_config(setup, "dense", "final", s, 0.0, lr["dense"]) for s in seeds]
        for m in methods:
            knobs = lams[m] if m in DWF_DEPTHS else [knob[t] for t in targets]
            cfgs += [_config(setup, m, "final", s, k, lr[m]) for s in seeds for k in knobs]
        sweep(cfgs, "evaluation")
    except (_Interrupted, KeyboardInterrupt):
        completed = False
    finally:
        if own:
            executor.shutdown(wait=completed, cancel_futures=True)
    return Comparison(
        dataset=dataset,
        arch=arch,
        methods=methods,
        targets=targets,
        seeds=seeds,
        optimizer=optimizer,
        budget=budget,
        lr=lr,
        lams=lams,
        runs=tuple(records),
        completed=completed,
        seconds=time.perf_counter() - start,
    )


def _methods(methods) -> tuple:
    if isinstance(methods, str) or not np.iterable(methods):
        raise TypeError(f"methods must be a sequence of method names, got {type(methods).__name__}")
    methods = tuple(methods)
    if not methods:
        raise ValueError("methods must name at least one method")
    unknown = [m for m in methods if not isinstance(m, str) or m not in METHODS]
    if unknown:
        raise ValueError(f"methods: unknown {unknown}; known: {', '.join(METHODS)}")
    if len(set(methods)) != len(methods):
        raise ValueError(f"methods must not repeat a name, got {list(methods)}")
    return methods


def _targets(targets) -> tuple:
    if isinstance(targets, (str, bytes)) or not np.iterable(targets):
        raise TypeError(f"targets must be a sequence of compression ratios, got {type(targets).__name__}")
    ts = tuple(v.real_scalar(t, "targets entries") for t in targets)
    if not ts:
        raise ValueError("targets must hold at least one compression ratio")
    if min(ts) <= 1:
        raise ValueError(f"targets must be compression ratios > 1 (all / nonzero weights), got {list(ts)}")
    return tuple(sorted(set(ts)))


def _seeds(seeds) -> tuple:
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        seeds = tuple(range(v.whole_number(seeds, "seeds", 0, 10**4)))
    elif isinstance(seeds, (str, bytes)) or not np.iterable(seeds):
        raise TypeError(f"seeds must be a number of seeds or a sequence of int seeds, got {type(seeds).__name__}")
    seeds = tuple(v.whole_number(s, "seeds entries", 0, 2**32 - 1) for s in seeds)
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {list(seeds)}")
    if len(seeds) < 2:
        raise ValueError(f"seeds must give at least 2 seeds (the verdicts pair seeds), got {len(seeds)}")
    return seeds
