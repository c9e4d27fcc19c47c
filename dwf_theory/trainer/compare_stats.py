"""Statistics of a comparison over seeds: Student-t intervals, paired differences, verdicts.

A method trained with ``n`` seeds gives ``n`` accuracies ``a_1 … a_n`` at a target compression. Their
**mean and confidence interval** at level ``1 − α`` (0.95) is the Student-t interval
``ā ± t_{1−α/2, n−1} · s / √n`` with ``s`` the sample standard deviation (ddof 1; Student 1908, e.g.
Casella & Berger, *Statistical Inference*, 2nd ed., §9.2). Two methods trained with the same seeds
share the data split, the minibatch order and (methods of one depth) the initialization of each seed,
so they are compared by the **paired differences** ``d_s = a_s − b_s`` and the t interval of their
mean (the paired t interval). The **verdict**
"A better than B" is ``'yes'`` when the interval of ``A − B`` lies above 0, ``'no'`` when it lies
below 0 (B is better), ``'inconclusive'`` when it contains 0 — reported as measured, whatever it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from .frontier import accuracy_at, max_compression_within

__all__ = ["Interval", "Cell", "Difference", "mean_interval", "paired_difference", "verdict", "VERDICTS"]

#: The outcomes of :func:`verdict`, and two used by the comparison: ``'not reached'`` when a method
#: does not reach a target compression on every seed, ``'no runs'`` when a method has no finished
#: seed at all (an interrupted comparison).
VERDICTS = ("yes", "no", "inconclusive", "not reached", "no runs")


@dataclass(frozen=True)
class Interval:
    """A mean and its two-sided Student-t confidence interval over ``n`` values.

    ``lo`` and ``hi`` are ``None`` when ``n < 2`` (no spread to estimate). ``level`` is the coverage
    (0.95). ``sd`` is the sample standard deviation (ddof 1; ``None`` when ``n < 2``).
    """

    mean: float
    lo: float | None
    hi: float | None
    n: int
    sd: float | None
    level: float

    def as_dict(self) -> dict:
        """Plain-Python form (JSON-ready)."""
        return dict(mean=self.mean, lo=self.lo, hi=self.hi, n=self.n, sd=self.sd, level=self.level)


def _level(level) -> float:
    level = v.real_scalar(level, "level", minimum=0.0, strict=True)
    if not level < 1:
        raise ValueError(f"level must be a coverage in (0, 1), got {level}")
    return level


def _values(values, name: str) -> np.ndarray:
    x = v.finite_array(values, name, ndim=1)
    if x.size == 0:
        raise ValueError(f"{name} must hold at least one value")
    return x.astype(np.float64)


def mean_interval(values, *, level=0.95) -> Interval:
    """Mean of ``values`` and its Student-t interval ``x̄ ± t_{(1+level)/2, n−1} s/√n``.

    Parameters
    ----------
    values : sequence of finite floats (at least one)
    level : float in (0, 1)
        Coverage of the two-sided interval.

    Returns
    -------
    Interval
        ``lo``/``hi`` ``None`` for a single value.
    """
    x = _values(values, "values")
    level = _level(level)
    n = int(x.size)
    mean = float(np.mean(x))
    if n < 2:
        return Interval(mean, None, None, n, None, level)
    from scipy import stats  # imported here: scipy.stats takes a while to import

    sd = float(np.std(x, ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n, sd, level)


def paired_difference(a, b, *, level=0.95) -> Interval:
    """Mean of the paired differences ``a_s − b_s`` (same seed ``s``) and its Student-t interval.

    ``a`` and ``b``: equally long sequences of finite floats, entry ``s`` of both from seed ``s``.
    """
    x, y = _values(a, "a"), _values(b, "b")
    if x.shape != y.shape:
        raise ValueError(f"a and b must pair one value per seed: got {x.size} and {y.size} values")
    return mean_interval(x - y, level=level)


def verdict(interval: Interval) -> str:
    """``'yes'`` if the interval lies above 0, ``'no'`` if below 0, else ``'inconclusive'``.

    An interval without ends (one pair) is ``'inconclusive'``.
    """
    if not isinstance(interval, Interval):
        raise TypeError(f"interval must be an Interval (of mean_interval), got {type(interval).__name__}")
    if interval.lo is None or interval.hi is None:
        return "inconclusive"
    if interval.lo > 0:
        return "yes"
    if interval.hi < 0:
        return "no"
    return "inconclusive"


# ---------------------------------------------------------------------------
# a comparison's runs → per-seed metrics → intervals, paired differences, verdicts


@dataclass(frozen=True)
class Cell:
    """One method at one target compression (or one tolerance) over the seeds of a comparison.

    ``interval`` (:class:`Interval`) is ``None`` unless the method reached the target on every seed
    that finished (``reached == seeds``): a target a method does not reach is reported as not reached,
    never extrapolated. ``censored`` counts the seeds whose value is a lower bound (the largest
    compression within a tolerance of dense sits at the method's most compressed run).
    """

    interval: Interval | None
    reached: int
    seeds: int
    censored: int = 0

    def as_dict(self) -> dict:
        return dict(
            interval=None if self.interval is None else self.interval.as_dict(),
            reached=self.reached,
            seeds=self.seeds,
            censored=self.censored,
        )


@dataclass(frozen=True)
class Difference:
    """The paired difference ``a − b`` (accuracy at ``target``, by seed) and its verdict.

    ``question`` names the verdict it decides (``None`` for a difference reported without one);
    ``verdict`` is one of :data:`VERDICTS` (``'not reached'`` when ``a`` or ``b`` does not reach the
    target on every seed; ``'no runs'`` when one of them has no finished seed; ``'inconclusive'`` with
    fewer than two paired seeds).
    """

    question: str | None
    target: float
    a: str
    b: str
    interval: Interval | None
    verdict: str

    def as_dict(self) -> dict:
        return dict(
            question=self.question,
            target=self.target,
            a=self.a,
            b=self.b,
            interval=None if self.interval is None else self.interval.as_dict(),
            verdict=self.verdict,
        )


def _cell(values: dict, seeds: list, *, level: float, log: bool = False, censored: int = 0) -> Cell:
    """The cell of per-seed ``values`` (``None``: not reached) over ``seeds`` (the seeds that finished)."""
    got = [values[s] for s in seeds if values.get(s) is not None]
    if not seeds or len(got) < len(seeds):
        return Cell(None, len(got), len(seeds), censored)
    xs = [math.log10(x) for x in got] if log else got
    return Cell(mean_interval(xs, level=level), len(got), len(seeds), censored)


def _paired(a: dict, b: dict, seeds_a: list, seeds_b: list, *, level: float) -> tuple:
    """``(interval or None, verdict)`` of the per-seed values ``a − b`` (dicts seed → value or ``None``)."""
    if not seeds_a or not seeds_b:
        return None, "no runs"
    if any(a.get(s) is None for s in seeds_a) or any(b.get(s) is None for s in seeds_b):
        return None, "not reached"
    common = [s for s in seeds_a if s in set(seeds_b)]
    if not common:
        return None, "inconclusive"
    interval = paired_difference([a[s] for s in common], [b[s] for s in common], level=level)
    return interval, verdict(interval)


def _frontier_values(runs: list, targets, dense, tolerances) -> dict:
    """Accuracy at ``targets`` and largest compression within each tolerance (% of ``dense``) of ``runs``."""
    ok = [r for r in runs if r.usable]
    if not ok:
        none = [None] * len(tolerances)
        return {"accuracy_at": [None] * len(targets), "within": none, "censored": [False] * len(tolerances)}
    c, a = [r.compression for r in ok], [r.accuracy for r in ok]
    top = max((x for x in c if math.isfinite(x)), default=None)
    within, censored = [], []
    for x in tolerances:
        w = None if dense is None else max_compression_within(c, a, dense, x / 100, relative=True)
        if w is not None and (math.isinf(w) or (top is not None and w >= top)):
            w = top  # within x % at the most compressed run: a lower bound
        within.append(w)
        censored.append(w is not None and w == top)
    return {"accuracy_at": accuracy_at(c, a, targets), "within": within, "censored": censored}


def _best(candidates: list, validation: dict, i: int):
    """The candidate with the highest validation accuracy at target ``i`` (first on ties; first if none reached)."""
    scored = [(validation[m][i], -k, m) for k, m in enumerate(candidates) if validation[m][i] is not None]
    return max(scored)[2] if scored else candidates[0]


def _analyze(cmp, *, tolerances: tuple, dwf: tuple, questions: tuple, level: float = 0.95) -> dict:
    """The derived fields of a :class:`~dwf_theory.trainer.compare.Comparison` (see its docstring).

    ``tolerances``: percent of the dense accuracy; ``dwf``: the names of the DWF methods (``'dwf-2'``
    is the shallow one); ``questions``: the two verdicts' names.
    """
    final = [r for r in cmp.runs if r.phase == "final"]
    tune = [r for r in cmp.runs if r.phase == "tune"]
    by = {}
    for r in final:
        by.setdefault((r.method, r.seed), []).append(r)

    def expected(m):
        return 1 if m == "dense" else len(cmp.lams.get(m, ())) if m in dwf else len(cmp.targets)

    def complete(m):
        return [s for s in cmp.seeds if expected(m) > 0 and len(by.get((m, s), ())) == expected(m)]

    dense_seeds = [s for s in complete("dense") if by[("dense", s)][0].usable]
    dense_per_seed = {s: by[("dense", s)][0].accuracy for s in dense_seeds}
    per_seed, accuracy, within, validation = {}, {}, {}, {}
    for m in cmp.methods:
        seeds = complete(m)
        per_seed[m] = {s: _frontier_values(by[(m, s)], cmp.targets, dense_per_seed.get(s), tolerances) for s in seeds}
        accuracy[m] = tuple(
            _cell({s: per_seed[m][s]["accuracy_at"][i] for s in seeds}, seeds, level=level)
            for i in range(len(cmp.targets))
        )
        within[m] = tuple(
            _cell(
                {s: per_seed[m][s]["within"][j] for s in seeds},
                seeds,
                level=level,
                log=True,
                censored=sum(per_seed[m][s]["censored"][j] for s in seeds),
            )
            for j in range(len(tolerances))
        )
        mine = [r for r in tune if r.method == m and r.lr == cmp.lr.get(m)]
        validation[m] = tuple(_frontier_values(mine, cmp.targets, None, ())["accuracy_at"])
    ours = [m for m in cmp.methods if m in dwf]
    deep = [m for m in ours if m != "dwf-2"]
    pruners = [m for m in cmp.methods if m not in dwf]

    def diff(question, i, a, b):
        values = {m: {s: per_seed[m][s]["accuracy_at"][i] for s in per_seed[m]} for m in (a, b)}
        interval, word = _paired(values[a], values[b], complete(a), complete(b), level=level)
        return Difference(question, cmp.targets[i], a, b, interval, word)

    differences, verdicts = [], []
    for i in range(len(cmp.targets)):
        best_pruner = _best(pruners, validation, i) if pruners else None
        if "dwf-2" in ours:
            differences += [diff(None, i, m, "dwf-2") for m in deep]
        if best_pruner is not None:
            differences += [diff(None, i, m, best_pruner) for m in ours]
        if deep and "dwf-2" in ours:
            verdicts.append(diff(questions[0], i, _best(deep, validation, i), "dwf-2"))
        if ours and best_pruner is not None:
            verdicts.append(diff(questions[1], i, _best(ours, validation, i), best_pruner))
    return dict(
        dense_per_seed=dense_per_seed,
        dense=_cell(dense_per_seed, complete("dense"), level=level),
        per_seed=per_seed,
        accuracy=accuracy,
        within=within,
        validation=validation,
        differences=tuple(differences),
        verdicts=tuple(verdicts),
    )
