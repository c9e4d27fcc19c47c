"""The vocabulary and the result of a comparison: methods, :class:`Budget`, :class:`RunRecord`, :class:`Comparison`.

:func:`dwf_theory.trainer.compare.compare` runs a comparison; this module holds what it is given (the
method names, the training budget) and what it returns (every run, the choices made on the validation
split, and the statistics of :mod:`~dwf_theory.trainer.compare_stats`), with its JSON form and its table.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as v
from . import compare_stats as st
from .pruning import PRUNERS

__all__ = [
    "Budget",
    "Comparison",
    "RunRecord",
    "label",
    "METHODS",
    "DEFAULT_METHODS",
    "QUICK_METHODS",
    "QUICK_BUDGET",
    "TOLERANCES",
    "QUESTIONS",
    "DEFAULT_LRS",
]

#: DWF of depth D is the method ``'dwf-D'``.
DWF_DEPTHS = {"dwf-2": 2, "dwf-3": 3, "dwf-4": 4, "dwf-6": 6}
#: Every method :func:`~dwf_theory.trainer.compare.compare` knows: the DWF depths, then the pruners of :data:`PRUNERS`.
METHODS = (*DWF_DEPTHS, *PRUNERS)
#: The methods of a full comparison: DWF D = 2, 3, 4 and every pruner.
DEFAULT_METHODS = ("dwf-2", "dwf-3", "dwf-4", *PRUNERS)
#: The methods of ``dwf-theory compare --quick``.
QUICK_METHODS = ("dwf-2", "dwf-3", "magnitude", "snip")
#: Tolerances ``x`` (percent of the dense accuracy) of the largest compression within ``x`` % of dense.
TOLERANCES = (1, 2, 5, 10)
#: The two questions a comparison answers per target (its verdicts).
QUESTIONS = ("D >= 3 better than D = 2", "DWF better than the best pruner")
#: Learning-rate grid per optimizer setting (plain SGD: 10×, heavy-ball's effective step η/(1 − μ)).
DEFAULT_LRS = {"momentum": (0.03, 0.1, 0.3), "sgd": (0.3, 1.0, 3.0)}
#: Schedule of each optimizer setting (momentum from :data:`~dwf_theory.trainer.experiments.OPTIMIZERS`).
SCHEDULE = {"momentum": "warmup-cosine", "sgd": "cosine"}


@dataclass(frozen=True)
class Budget:
    """The training budget and the tuning grid of a comparison, the same for every method.

    Attributes
    ----------
    epochs : int >= 1
        Passes over the training rows of every run (a pruner's own scoring passes are not epochs).
    batch_size : int >= 1
    lrs : tuple of float > 0, or None
        Learning-rate grid tuned per method on the validation split; ``None``: :data:`DEFAULT_LRS`
        of the optimizer setting (resolved by :func:`compare`).
    validation : float in (0, 1)
        Fraction of the training rows held out (stratified) as the validation split, in every run.
    lams : tuple of float > 0
        Start of DWF's λ search (at least one value).
    max_search : int >= 2
        Largest number of λ-search runs per depth and learning rate.
    gap : float > 1
        The search bisects neighbouring runs whose compressions differ by more than this factor.
    margin : float >= 1
        The search extends λ until a run compresses ``margin`` × the largest target (so that the
        evaluation seeds, whose compressions scatter, reach it too).
    pruner_lam : float >= 0
        L2 weight decay of the pruners' and the dense network (``D = 1``; 0: none).
    penalty_lam : float > 0
        Strength of the ``l1`` and ``lq`` pruners' penalty.
    tuning_seed : int
        Seed of the tuning runs (not one of the evaluation seeds).
    zero_tol : float >= 0
        Weights ``|w| <= zero_tol`` count as zero (compression ratio, pruned accuracy).
    rescale : bool
        Start DWF from truncated factors rescaled so that their product has exactly the dense
        initialization's variance (``rescale`` of :func:`~dwf_theory.init_factors`). Default ``False``:
        the paper's truncated initialization, whose product is narrower (0.55, 0.37, 0.28 × the
        dense standard deviation for D = 2, 3, 4 at the He scale of 64 inputs), so deep
        convolutional nets start with a vanishing signal.
    """

    epochs: int = 100
    batch_size: int = 64
    lrs: tuple | None = None
    validation: float = 0.2
    lams: tuple = (1e-4, 1e-3, 1e-2)
    max_search: int = 9
    gap: float = 2.5
    margin: float = 1.5
    pruner_lam: float = 0.0
    penalty_lam: float = 1e-4
    tuning_seed: int = 1000
    zero_tol: float = 1e-3
    rescale: bool = False

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "epochs", v.whole_number(self.epochs, "epochs", 1, 10**5))
        set_(self, "batch_size", v.whole_number(self.batch_size, "batch_size", 1))
        if self.lrs is not None:
            set_(self, "lrs", tuple(sorted(set(_positives(self.lrs, "lrs")))))
        validation = v.real_scalar(self.validation, "validation", minimum=0.0, strict=True)
        if not validation < 1:
            raise ValueError(f"validation must be a fraction in (0, 1), got {validation}")
        set_(self, "validation", validation)
        set_(self, "lams", tuple(sorted(set(_positives(self.lams, "lams")))))
        set_(self, "max_search", v.whole_number(self.max_search, "max_search", 2, 1000))
        gap = v.real_scalar(self.gap, "gap", minimum=1.0, strict=True)
        set_(self, "gap", gap)
        set_(self, "margin", v.real_scalar(self.margin, "margin", minimum=1.0))
        set_(self, "pruner_lam", v.regularization(self.pruner_lam, "pruner_lam"))
        set_(self, "penalty_lam", v.positive(self.penalty_lam, "penalty_lam"))
        set_(self, "tuning_seed", v.whole_number(self.tuning_seed, "tuning_seed", 0, 2**32 - 1))
        set_(self, "zero_tol", v.real_scalar(self.zero_tol, "zero_tol", minimum=0.0))
        set_(self, "rescale", v.flag(self.rescale, "rescale"))

    def as_dict(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {k: list(x) if isinstance(x, tuple) else x for k, x in out.items()}


def _positives(values, name: str) -> tuple:
    if isinstance(values, (str, bytes)) or not np.iterable(values):
        raise TypeError(f"{name} must be a sequence of numbers > 0, got {type(values).__name__}")
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} must not be empty")
    return tuple(v.positive(x, f"{name} entries") for x in values)


#: The budget of ``compare(..., quick=True)``: a few epochs and a short search (about a minute on digits).
QUICK_BUDGET = Budget(epochs=20, lrs=(0.3, 0.6), lams=(1e-3, 4e-3), max_search=5, gap=4.0, margin=1.2)


@dataclass(frozen=True)
class RunRecord:
    """One training run of a comparison.

    ``phase`` is ``'tune'`` (seed ``budget.tuning_seed``, accuracy on the validation split) or
    ``'final'`` (an evaluation seed, accuracy on the test split); ``split`` says which. ``knob`` is
    λ for DWF, the requested compression for a pruner, 0 for the dense network. ``accuracy`` is
    measured after zeroing the weights ``|w| <= zero_tol``; ``compression`` (all / nonzero weights)
    is ``inf`` when every weight is zero. ``layer_collapse``: some layer has no nonzero weight left.
    ``status`` is ``'ok'``, ``'diverged'`` (left out of the frontier) or ``'failed'`` (the method
    refused the configuration, e.g. SynFlow scores that overflow; ``error`` says why, ``accuracy`` and
    ``compression`` are ``None``). ``seconds`` (wall time) is not compared by ``==``.
    """

    method: str
    phase: str
    seed: int
    knob: float
    lr: float
    split: str
    accuracy: float | None
    compression: float | None
    status: str
    layer_collapse: bool
    layer_density: tuple
    error: str = ""
    seconds: float = field(default=0.0, compare=False)

    @property
    def usable(self) -> bool:
        """Neither diverged nor failed: the run is a point of its method's frontier."""
        return self.status == "ok"

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["compression"] = "inf" if self.compression == math.inf else self.compression
        d["layer_density"] = list(self.layer_density)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> RunRecord:
        d = dict(d)
        d["compression"] = None if d["compression"] is None else float(d["compression"])
        d["layer_density"] = tuple(d["layer_density"])
        return cls(**d)


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare`: every run, the choices made on the validation split, the statistics.

    The fields up to ``seconds`` are what :func:`compare` recorded (``lr``: the chosen rate of every
    method and of ``'dense'``; ``lams``: the λ values of each DWF depth's evaluation runs); the rest
    is computed from them on construction (so :meth:`from_dict` of :meth:`as_dict` gives an equal
    object, and the figure can be redrawn without training):

    - ``dense_per_seed`` (seed → test accuracy of the dense network) and ``dense`` (:class:`Cell`);
    - ``per_seed``: method → seed → ``{'accuracy_at': [...], 'within': [...]}`` (``None``: not reached)
      for the seeds whose evaluation runs all finished;
    - ``accuracy``: method → one :class:`~dwf_theory.trainer.compare_stats.Cell` per target;
    - ``within``: method → one ``Cell`` per tolerance of :data:`TOLERANCES`, of ``log10`` of the
      largest compression within ``x`` % of dense;
    - ``validation``: method → validation accuracy at each target at the chosen rate (tuning seed);
    - ``differences`` and ``verdicts``: :class:`~dwf_theory.trainer.compare_stats.Difference` objects
      (every depth ``D >= 3`` against ``D = 2`` and every depth against the best pruner; the verdicts
      answer :data:`QUESTIONS` per target).
    """

    dataset: str
    arch: str
    methods: tuple
    targets: tuple
    seeds: tuple
    optimizer: str
    budget: Budget
    lr: dict
    lams: dict
    runs: tuple
    completed: bool
    seconds: float = field(default=0.0, compare=False)
    dense_per_seed: dict = field(init=False, repr=False, compare=False)
    dense: st.Cell = field(init=False, repr=False, compare=False)
    per_seed: dict = field(init=False, repr=False, compare=False)
    accuracy: dict = field(init=False, repr=False, compare=False)
    within: dict = field(init=False, repr=False, compare=False)
    validation: dict = field(init=False, repr=False, compare=False)
    differences: tuple = field(init=False, repr=False, compare=False)
    verdicts: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        derived = st._analyze(self, tolerances=TOLERANCES, dwf=tuple(DWF_DEPTHS), questions=QUESTIONS)
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    # -- serialization ------------------------------------------------------------------------------

    def as_dict(self) -> dict:
        """Plain-Python form (strict JSON: an infinite compression is the string ``'inf'``)."""
        return dict(
            dataset=self.dataset,
            arch=self.arch,
            methods=list(self.methods),
            targets=list(self.targets),
            seeds=list(self.seeds),
            optimizer=self.optimizer,
            budget=self.budget.as_dict(),
            lr=dict(self.lr),
            lams={m: list(x) for m, x in self.lams.items()},
            completed=self.completed,
            seconds=self.seconds,
            tolerances=list(TOLERANCES),
            dense_per_seed={str(s): a for s, a in self.dense_per_seed.items()},
            dense=self.dense.as_dict(),
            per_seed={m: {str(s): x for s, x in d.items()} for m, d in self.per_seed.items()},
            accuracy={m: [c.as_dict() for c in cells] for m, cells in self.accuracy.items()},
            within={m: [c.as_dict() for c in cells] for m, cells in self.within.items()},
            validation={m: list(x) for m, x in self.validation.items()},
            differences=[d.as_dict() for d in self.differences],
            verdicts=[d.as_dict() for d in self.verdicts],
            runs=[r.as_dict() for r in self.runs],
        )

    @classmethod
    def from_dict(cls, d: dict) -> Comparison:
        """The comparison of :meth:`as_dict` (e.g. read back from its JSON file); statistics recomputed."""
        if not isinstance(d, dict):
            raise TypeError(f"d must be the dict of Comparison.as_dict(), got {type(d).__name__}")
        missing = [k for k in ("dataset", "arch", "methods", "targets", "seeds", "budget", "runs") if k not in d]
        if missing:
            raise ValueError(f"d lacks the entries {missing} of Comparison.as_dict()")
        return cls(
            dataset=d["dataset"],
            arch=d["arch"],
            methods=tuple(d["methods"]),
            targets=tuple(float(t) for t in d["targets"]),
            seeds=tuple(int(s) for s in d["seeds"]),
            optimizer=d["optimizer"],
            budget=Budget(**{k: tuple(x) if isinstance(x, list) else x for k, x in d["budget"].items()}),
            lr={m: float(x) for m, x in d["lr"].items()},
            lams={m: tuple(float(x) for x in xs) for m, xs in d["lams"].items()},
            runs=tuple(RunRecord.from_dict(r) for r in d["runs"]),
            completed=bool(d["completed"]),
            seconds=float(d.get("seconds", 0.0)),
        )

    # -- views --------------------------------------------------------------------------------------

    def curves(self) -> dict:
        """``{label: {'compression', 'mean', 'lo', 'hi'}}`` at the targets for :func:`dwf_theory.plot.comparison`.

        ``None`` where a method does not reach a target on every seed.
        """
        out = {}
        for m in self.methods:
            ivs = [c.interval for c in self.accuracy[m]]
            out[label(m)] = {
                "compression": list(self.targets),
                **{k: [None if iv is None else getattr(iv, k) for iv in ivs] for k in ("mean", "lo", "hi")},
            }
        return out

    def table(self) -> str:
        """The comparison as text: settings, accuracy at each target, compression within x %, verdicts."""
        return _format_table(self)


def label(method: str) -> str:
    """A method's name in tables and figures: ``'DWF D=3'`` for ``'dwf-3'``, the pruner's (or ``'dense'``) otherwise."""
    method = v.choice(method, "method", (*METHODS, "dense"))
    return f"DWF D={DWF_DEPTHS[method]}" if method in DWF_DEPTHS else method


# ---------------------------------------------------------------------------
# the table


def _fmt_cell(cell: st.Cell, *, log: bool = False) -> str:
    if cell.interval is None:
        return "no runs" if cell.seeds == 0 else f"not reached {cell.reached}/{cell.seeds}"
    iv = cell.interval
    if log:
        mark = "≥" if cell.censored else ""
        return f"{mark}{10**iv.mean:.1f} [{10**iv.lo:.1f}, {10**iv.hi:.1f}]"
    return f"{iv.mean:.4f} [{iv.lo:.4f}, {iv.hi:.4f}]"


def _fmt_ratio(t: float) -> str:
    return f"{t:g}×"


def _format_table(cmp: Comparison) -> str:
    b = cmp.budget
    seeds = ", ".join(str(s) for s in cmp.seeds)
    lines = []
    if not cmp.completed:
        lines.append("INTERRUPTED: partial results from the runs that finished")
    lines += [
        f"{cmp.dataset} × {cmp.arch}: DWF and pruners at matched compression; seeds {seeds}; "
        f"optimizer {cmp.optimizer} ({SCHEDULE[cmp.optimizer]}), {b.epochs} epochs, batch {b.batch_size}",
        f"learning rates tuned on the validation split ({100 * b.validation:g} % of the training rows, seed "
        f"{b.tuning_seed}) over {', '.join(f'{x:g}' for x in b.lrs)}; {len(cmp.runs)} runs, {cmp.seconds:.0f} s",
        f"DWF initialization: {'truncated, rescaled to the dense variance' if b.rescale else 'truncated (paper)'}; "
        f"dense (D = 1, lr {cmp.lr.get('dense', float('nan')):g}): test accuracy {_fmt_cell(cmp.dense)}",
        "",
        "test accuracy at the target compression: mean [95 % CI] over seeds "
        "(not reached k/n: reached on only k of n seeds)",
    ]
    width = max(len(label(m)) for m in cmp.methods) + 2
    cols = 26
    lines.append(f"{'method':<{width}}{'lr':<8}" + "".join(f"{_fmt_ratio(t):<{cols}}" for t in cmp.targets))
    for m in cmp.methods:
        lr = cmp.lr.get(m)
        cells = "".join(f"{_fmt_cell(c):<{cols}}" for c in cmp.accuracy[m])
        lines.append(f"{label(m):<{width}}{'-' if lr is None else f'{lr:g}':<8}{cells}")
    lines += [
        "",
        "largest compression within x % of the dense accuracy: geometric mean [95 % CI] over seeds "
        "(≥: on some seeds at the method's most compressed run)",
        f"{'method':<{width}}" + "".join(f"{f'{x} %':<{cols}}" for x in TOLERANCES),
    ]
    for m in cmp.methods:
        lines.append(f"{label(m):<{width}}" + "".join(f"{_fmt_cell(c, log=True):<{cols}}" for c in cmp.within[m]))
    if cmp.verdicts:
        lines += ["", "verdicts: accuracy difference paired by seed, mean [95 % CI] (methods chosen on validation)"]
    for d in cmp.verdicts:
        diff = (
            ""
            if d.interval is None or d.interval.lo is None
            else (f" = {d.interval.mean:+.4f} [{d.interval.lo:+.4f}, {d.interval.hi:+.4f}]")
        )
        lines.append(f"  {_fmt_ratio(d.target):>7}  {d.question}: {label(d.a)} − {label(d.b)}{diff} → {d.verdict}")
    failed = [r for r in cmp.runs if r.status == "failed"]
    if failed:
        lines += ["", f"{len(failed)} runs failed, e.g. {label(failed[0].method)}: {failed[0].error}"]
    return "\n".join(lines)
