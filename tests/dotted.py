"""Resolve a dotted path such as ``dwf_theory.prox.prox`` or ``dwf_theory.losses.Scalar.grad``."""

from __future__ import annotations

import importlib


def resolve(path: str):
    """``(owner, attribute, object)``: the longest importable module prefix, then attribute access."""
    parts = path.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for name in parts[i:-1]:
            owner = getattr(owner, name)
        return owner, parts[-1], getattr(owner, parts[-1])
    raise ValueError(f"cannot resolve {path!r}")
