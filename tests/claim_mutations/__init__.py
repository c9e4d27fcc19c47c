"""Mutations of each claim's subject: a claim that still passes under them cannot fail.

Each topic module (``core``, ``symbolic``, ``equivalence``, ``dynamics``,
``initialization``, ``phase``, ``trainer``, ``network``, ``parametrizations``) defines
``MUTATIONS``, a dict from claim id to a list of :class:`Mutation`. ``tests/test_claims.py``
requires at least one mutation per registered claim and asserts that the claim fails under each.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from dotted import resolve

TOPICS = (
    "core",
    "symbolic",
    "equivalence",
    "dynamics",
    "initialization",
    "phase",
    "trainer",
    "network",
    "parametrizations",
)


@dataclass(frozen=True)
class Mutation:
    """Replace the object at ``target`` (a dotted path) by ``wrap(original)``; ``why`` says what it breaks."""

    target: str
    wrap: Callable[[Callable], Callable]
    why: str


def gather() -> dict[str, list[Mutation]]:
    """Every topic's mutations, merged by claim id."""
    out: dict[str, list[Mutation]] = {}
    for topic in TOPICS:
        try:
            module = importlib.import_module(f"{__name__}.{topic}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{topic}":
                raise
            continue
        for cid, muts in module.MUTATIONS.items():
            out.setdefault(cid, []).extend(muts)
    return out


def apply(monkeypatch, mutation: Mutation) -> None:
    """Patch ``mutation.target`` and every other binding of the same object inside ``dwf_theory``."""
    owner, attr, original = resolve(mutation.target)
    mutant = mutation.wrap(original)
    monkeypatch.setattr(owner, attr, mutant)
    if isinstance(owner, type):
        return
    for name, module in list(sys.modules.items()):
        if not name.startswith("dwf_theory") or module is None:
            continue
        for key, value in list(vars(module).items()):
            if value is original:
                monkeypatch.setattr(module, key, mutant)


def clear_caches() -> None:
    """Empty every ``functools`` cache in ``dwf_theory`` so a mutation is not hidden by a cached result."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("dwf_theory") or module is None:
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


# Ready-made wrappers -------------------------------------------------------------------------------


def on_result(transform):
    """Wrapper: the original's result passed through ``transform``."""

    def wrap(f):
        def mutant(*args, **kwargs):
            return transform(f(*args, **kwargs))

        return mutant

    return wrap


def on_argument(name: str, change):
    """Wrapper: call the original with its argument ``name`` replaced by ``change(value)``."""

    def wrap(f):
        signature = inspect.signature(f)

        def mutant(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.arguments[name] = change(bound.arguments[name])
            return f(*bound.args, **bound.kwargs)

        return mutant

    return wrap


def shifted(eps: float):
    """Wrapper: the original's (array) result plus ``eps``."""
    return on_result(lambda r: np.asarray(r) + eps)


def scaled(factor: float):
    """Wrapper: the original's (array) result times ``factor``."""
    return on_result(lambda r: np.asarray(r) * factor)
