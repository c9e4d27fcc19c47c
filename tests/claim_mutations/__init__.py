"""Mutations of each claim's subject: a claim that still passes under them cannot fail.

Each topic module (``core``, ``symbolic``, ``equivalence``, ``dynamics``,
``initialization``, ``phase``, ``trainer``) defines ``MUTATIONS``, a dict from claim
id to a list of :class:`Mutation`. ``tests/test_claims.py`` requires at least one
mutation per registered claim and asserts that the claim fails under each.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

TOPICS = ("core", "symbolic", "equivalence", "dynamics", "initialization", "phase", "trainer")


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


def _resolve(target: str):
    """``(owner, attribute, original)`` for a dotted path: a module attribute or a class attribute."""
    parts = target.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for name in parts[i:-1]:
            owner = getattr(owner, name)
        return owner, parts[-1], getattr(owner, parts[-1])
    raise ValueError(f"cannot resolve {target!r}")


def apply(monkeypatch, mutation: Mutation) -> None:
    """Patch ``mutation.target`` and every other binding of the same object inside ``dwf_theory``."""
    owner, attr, original = _resolve(mutation.target)
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


def shifted(eps: float):
    """Wrapper: the original's (array) result plus ``eps``."""

    def wrap(f):
        def mutant(*args, **kwargs):
            return np.asarray(f(*args, **kwargs)) + eps

        return mutant

    return wrap


def scaled(factor: float):
    """Wrapper: the original's (array) result times ``factor``."""

    def wrap(f):
        def mutant(*args, **kwargs):
            return np.asarray(f(*args, **kwargs)) * factor

        return mutant

    return wrap
