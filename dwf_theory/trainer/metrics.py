"""Sparsity metrics on collapsed weights, at an explicit zero tolerance.

A collapsed weight ``w = Π_d ω_d`` counts as zero when ``|w| <= zero_tol``. Biases
are not counted. With ``N`` weights of which ``N_nz`` are nonzero:

* sparsity ``= 1 − N_nz / N``;
* compression ratio ``= N / N_nz`` (``inf`` when every weight is zero);
* per-layer density ``= N_nz,l / N_l``.

Every report carries the zero tolerance it used.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .. import _validate as v

__all__ = ["SparsityReport", "sparsity_report", "prune", "magnitude_masks"]


@dataclass(frozen=True)
class SparsityReport:
    """Counts of nonzero collapsed weights (``|w| > zero_tol``)."""

    zero_tol: float
    n_weights: int
    n_nonzero: int
    sparsity: float
    compression_ratio: float
    layer_density: tuple

    def as_dict(self) -> dict:
        d = asdict(self)
        d["layer_density"] = list(self.layer_density)
        return d


def _weights(weights, name: str = "weights") -> list:
    """A non-empty list of non-empty finite real arrays."""
    if not isinstance(weights, (list, tuple)) or not weights:
        raise TypeError(f"{name} must be a non-empty list of weight arrays, got {type(weights).__name__}")
    out = [v.finite_array(W, f"{name}[{i}]") for i, W in enumerate(weights)]
    for i, W in enumerate(out):
        if W.size == 0:
            raise ValueError(f"{name}[{i}] must hold at least one weight, got shape {W.shape}")
    return out


def sparsity_report(weights, zero_tol) -> SparsityReport:
    """:class:`SparsityReport` of a list of collapsed weight matrices; ``|w| <= zero_tol`` (``>= 0``) counts as zero.

    ``compression_ratio`` is ``inf`` when every weight counts as zero (documented, not an overflow).
    """
    zero_tol = v.real_scalar(zero_tol, "zero_tol", minimum=0.0)
    weights = _weights(weights)
    return _sparsity_report(weights, zero_tol)


def _sparsity_report(weights, zero_tol: float) -> SparsityReport:
    """Unchecked :func:`sparsity_report`."""
    sizes = [int(np.size(W)) for W in weights]
    nnz = [int(np.count_nonzero(np.abs(W) > zero_tol)) for W in weights]
    N, N_nz = sum(sizes), sum(nnz)
    return SparsityReport(
        zero_tol=zero_tol,
        n_weights=N,
        n_nonzero=N_nz,
        sparsity=1.0 - N_nz / N,
        compression_ratio=N / N_nz if N_nz else float("inf"),
        layer_density=tuple(k / n for k, n in zip(nnz, sizes)),
    )


def prune(weights, zero_tol) -> list:
    """Copies of ``weights`` (float arrays) with every entry of magnitude ``<= zero_tol`` (``>= 0``) set to zero."""
    zero_tol = v.real_scalar(zero_tol, "zero_tol", minimum=0.0)
    _weights(weights)
    return _prune([np.asarray(W) for W in weights], zero_tol)


def _prune(weights, zero_tol: float) -> list:
    """Unchecked :func:`prune` (keeps each array's dtype)."""
    return [np.where(np.abs(W) > zero_tol, W, 0.0).astype(np.asarray(W).dtype) for W in weights]


def magnitude_masks(weights, n_keep) -> list:
    """Global magnitude pruning: boolean masks keeping the ``n_keep`` largest ``|w|`` over all layers."""
    n_keep = v.whole_number(n_keep, "n_keep", 0)
    weights = _weights(weights)
    flat = np.concatenate([np.abs(np.ravel(W)) for W in weights])
    if n_keep >= flat.size:
        return [np.ones(np.shape(W), bool) for W in weights]
    keep = np.zeros(flat.size, bool)
    if n_keep:
        keep[np.argpartition(-flat, n_keep - 1)[:n_keep]] = True
    out, start = [], 0
    for W in weights:
        out.append(keep[start : start + np.size(W)].reshape(np.shape(W)))
        start += np.size(W)
    return out


def _accuracy(outputs, y) -> float:
    """Fraction of rows whose arg-max output equals the integer label."""
    return float(np.mean(np.argmax(outputs, axis=1) == np.asarray(y)))


def _r2_score(outputs, y) -> float:
    """Coefficient of determination ``1 − ‖f − y‖² / ‖y − ȳ‖²`` (regression's accuracy column)."""
    y = np.asarray(y, float).reshape(np.shape(outputs))
    ss = float(np.sum((y - y.mean(axis=0)) ** 2))
    return 1.0 - float(np.sum((outputs - y) ** 2)) / ss if ss > 0 else 0.0
