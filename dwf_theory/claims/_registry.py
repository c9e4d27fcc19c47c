"""The claim registry: what a claim is, how it is run, how its result is judged.

A claim is a zero-argument check registered with :func:`claim`. It states a
mathematical fact, names its **source** (the paper, a classical reference, or
derived here), says how it is checked, and declares its **sample**: how many
problems, fits, points … the check must examine. The check returns a
:class:`Measured` (the error, the counts it actually examined, a detail line).

A claim passes only when the error is finite and ``<= tolerance`` **and** every
declared count was reached: a check that skipped its sample (for example
because no fit converged) fails instead of passing vacuously.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field

import numpy as np

from .._threads import one_blas_thread

#: The kinds of source a claim may cite.
SOURCE_KINDS = ("paper", "classical", "derived here")

#: The paper every ``paper`` source refers to.
PAPER = (
    "Kolb, Weber, Bischl, Rügamer, Deep Weight Factorization: Sparse Learning Through the Lens of "
    "Artificial Symmetries, ICLR 2025"
)


@dataclass(frozen=True)
class Source:
    """Where a claim comes from: ``kind`` in :data:`SOURCE_KINDS` and a reference within it."""

    kind: str
    reference: str = ""

    def __post_init__(self):
        if self.kind not in SOURCE_KINDS:
            raise ValueError(f"kind must be one of {SOURCE_KINDS}, got {self.kind!r}")
        if self.kind != "derived here" and not self.reference:
            raise ValueError(f"a {self.kind!r} source needs a reference")

    def __str__(self) -> str:
        return self.kind if not self.reference else f"{self.kind}: {self.reference}"


def paper(where: str) -> Source:
    """A result of the paper (Kolb et al., ICLR 2025): ``where`` names the theorem, section or figure."""
    return Source("paper", where)


def classical(reference: str) -> Source:
    """A result from the literature before the paper: ``reference`` as 'Author et al. year'."""
    return Source("classical", reference)


def derived(note: str = "") -> Source:
    """A statement derived in this project (``note`` may say from what)."""
    return Source("derived here", note)


@dataclass(frozen=True)
class Measured:
    """What a check returns: the measured ``error``, the ``counts`` it examined, a ``detail`` line."""

    error: float
    counts: Mapping[str, int] = field(default_factory=dict)
    detail: str = ""


@dataclass(frozen=True)
class Claim:
    id: str
    title: str
    statement: str
    method: str
    tolerance: float
    check: Callable[[], Measured]
    source: Source
    sample: Mapping[str, int]


@dataclass(frozen=True)
class ClaimResult:
    id: str
    title: str
    statement: str
    method: str
    source: str
    error: float
    tolerance: float
    passed: bool
    seconds: float
    counts: dict
    sample: dict
    detail: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


_REGISTRY: dict[str, Claim] = {}


def claim(
    id: str,
    title: str,
    statement: str,
    method: str,
    tolerance: float,
    *,
    source: Source,
    sample: Mapping[str, int],
):
    """Register the decorated zero-argument check under ``id``.

    ``sample`` maps what the check counts (``"fits"``, ``"z"`` …) to the least
    number it must examine; ``method`` should be built from the same constants.
    """
    if not isinstance(source, Source):
        raise TypeError(f"source of {id} must be a Source (paper(...), classical(...), derived())")
    if not sample or any(int(n) < 1 for n in sample.values()):
        raise ValueError(f"sample of {id} must declare at least one count >= 1")

    def register(fn):
        if id in _REGISTRY:
            raise ValueError(f"claim id {id} registered twice")
        _REGISTRY[id] = Claim(id, title, statement, method, float(tolerance), fn, source, dict(sample))
        return fn

    return register


def _key(cid: str) -> int:
    return int(cid.lstrip("C"))


def all_claims() -> list[Claim]:
    """Every registered claim, in id order."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY, key=_key)]


def _shortfall(sample: Mapping[str, int], counts: Mapping[str, int]) -> str:
    """'' when every declared count was reached, else which were not."""
    short = [f"{counts.get(k, 0)} of {n} {k}" for k, n in sample.items() if counts.get(k, 0) < n]
    return "checked only " + ", ".join(short) if short else ""


def run_claim(c: Claim) -> ClaimResult:
    """Run one claim; an exception, a wrong return type or a short sample count as failures."""
    start = time.perf_counter()
    counts: dict = {}
    try:
        out = c.check()
        if not isinstance(out, Measured):
            raise TypeError(f"check of {c.id} must return Measured, got {type(out).__name__}")
        error, counts, detail = float(out.error), dict(out.counts), out.detail
    except Exception as exc:  # a crashing check is a failing claim, reported as such
        error, detail = math.inf, f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - start
    short = _shortfall(c.sample, counts) if math.isfinite(error) else ""
    passed = bool(np.isfinite(error) and error <= c.tolerance and not short)
    detail = "; ".join(s for s in (short, detail) if s)
    return ClaimResult(
        c.id,
        c.title,
        c.statement,
        c.method,
        str(c.source),
        error,
        c.tolerance,
        passed,
        seconds,
        counts,
        dict(c.sample),
        detail,
    )


def select(ids=None, source: str | None = None) -> list[Claim]:
    """The registered claims with the given ids (all when ``None``) and source kind (any when ``None``)."""
    claims = all_claims()
    if ids is not None:
        ids = set(ids)
        unknown = ids - set(_REGISTRY)
        if unknown:
            raise ValueError(f"ids must name registered claims; unknown: {sorted(unknown, key=_key)}")
        claims = [c for c in claims if c.id in ids]
    if source is not None:
        if source not in SOURCE_KINDS:
            raise ValueError(f"source must be one of {SOURCE_KINDS}, got {source!r}")
        claims = [c for c in claims if c.source.kind == source]
    return claims


def run_claims(ids=None, progress: bool = False, *, source: str | None = None) -> list[ClaimResult]:
    """Run the claims with the given ids and source kind (all when ``None``), in id order."""
    claims = select(ids, source)
    if progress:
        from tqdm.auto import tqdm

        claims = tqdm(claims, desc="claims", unit="claim")
    # The checks solve many tiny problems: one BLAS thread is much faster than several contending ones.
    with one_blas_thread():
        return [run_claim(c) for c in claims]


def rel_error(a, b) -> float:
    """Largest relative error ``|a − b| / max(|b|, tiny)``."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def worse(worst: float, *errors) -> float:
    """The largest of ``worst`` and ``errors``, with NaN counted as ``inf``.

    Python's ``max(0.0, nan)`` is ``0.0``: a check that accumulated its error with ``max`` would
    report a NaN error as zero and pass. Every claim accumulates through this function instead.
    """
    for e in errors:
        e = float(e)
        worst = max(worst, e) if e == e else math.inf
    return worst


def fmt_set(values) -> str:
    """``{a, b, …}`` with compact numbers, for method texts built from a claim's constants."""
    return "{" + ", ".join(f"{v:g}" for v in values) + "}"
