"""Grouped (structured) DWF layers: one gated vector per unit or filter, so whole units switch off.

A grouped layer factorizes each group of its weight — the incoming weights of one unit of a
dense layer (a column ``W[:, g]`` of the ``(n_in, n_out)`` matrix) or one filter of a
convolution (``W[g]`` of the ``(C_out, C_in, *k)`` kernel) — as ``D − 1`` scalar gates times
one vector::

    W_g = (s_{g,1} ⋯ s_{g,D−1}) · v_g,

with the penalty ``(λ/D)(Σ_{g,d} s_{g,d}² + Σ_g ‖v_g‖²)`` on the gates and vectors. Its
infimum over the factorizations of a given ``W`` is ``λ Σ_g ‖W_g‖_2^{2/D}`` (AM–GM on the
``D`` numbers ``s_{g,1}², …, s_{g,D−1}², ‖v_g‖²``, whose product is ``‖W_g‖²``; equality at
the balanced point ``s_{g,d}² = ‖v_g‖² = ‖W_g‖^{2/D}``; derived here, and
:func:`dwf_theory.parametrizations.group_factorization`): the group lasso at ``D = 2``
(Yuan & Lin 2006), a non-convex group penalty for ``D ≥ 3``.

Parameters of a grouped layer: ``{'gates': (D − 1, G), 'vector': weight_shape, 'bias': (n_out,)}``
with ``G`` the number of units (dense) or filters (convolution). A stationary point of the
objective with ``W_g ≠ 0`` satisfies the group first-order condition
``∇_{W_g} ℓ + λ q ‖W_g‖^{q−2} W_g = 0`` with ``q = 2/D``; a group whose gates and vector are
all zero stays zero under gradient steps, and at a local minimum with ``D = 2``
``‖∇_{W_g} ℓ‖ ≤ λ`` there (claim C82).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from autograd.tracer import getval

from .. import _validate as v
from .._products import leave_one_out

__all__ = ["balanced_groups", "unit_norms", "alive_units", "compact", "CompactMLP"]

# The keys of a layer dict: a Hadamard layer (factors), a grouped layer (gates times one vector per unit).
LAYOUTS = ({"factors", "bias"}, {"gates", "vector", "bias"})


def is_grouped(p: dict) -> bool:
    """Whether the layer dict ``p`` holds a grouped factorization (``'gates'`` and ``'vector'``)."""
    return "gates" in p


def weight_key(p: dict) -> str:
    """The array that carries the weight's shape: ``'vector'`` (grouped) or ``'factors'`` (its trailing axes)."""
    return "vector" if "gates" in p else "factors"


def group_axis(shape) -> int:
    """The axis of a weight of ``shape`` that indexes its groups: 1 (dense ``(n_in, n_out)``), 0 (kernel)."""
    return 1 if len(shape) == 2 else 0


def _other_axes(shape) -> tuple:
    """The axes of a weight of ``shape`` within one group (all but :func:`group_axis`)."""
    return tuple(i for i in range(len(shape)) if i != group_axis(shape))


def _broadcast(s: np.ndarray, shape) -> np.ndarray:
    """Per-group values ``s`` (``(G,)``) shaped to broadcast against a weight of ``shape``."""
    axis = group_axis(shape)
    return s.reshape([-1 if i == axis else 1 for i in range(len(shape))])


def _running_product(factors):
    """``factors[0] · factors[1] ⋯`` over the leading axis, written out (autograd-traceable, twice
    differentiable where factors vanish, unlike a division-based ``prod``); ones for no factors."""
    if factors.shape[0] == 0:
        return np.ones(factors.shape[1:], dtype=getval(factors).dtype)
    out = factors[0]
    for d in range(1, factors.shape[0]):
        out = out * factors[d]
    return out


def collapse(p: dict, *, traced: bool = False):
    """The collapsed weight of one layer dict: ``Π_d ω_d`` (Hadamard) or ``(Π_d s_{g,d}) v_g`` (grouped).

    ``traced=True``: written out as running products, for autograd (the same numbers as ``np.prod``).
    """
    if "gates" not in p:
        return _running_product(p["factors"]) if traced else np.prod(p["factors"], axis=0)
    vector = p["vector"]
    return _broadcast(_running_product(p["gates"]), vector.shape) * vector


def _weight(W, name: str = "W") -> np.ndarray:
    """A finite dense weight ``(n_in, n_out)`` or kernel ``(C_out, C_in, *k)`` with at least one entry."""
    W = v.finite_array(W, name, min_ndim=2)
    if W.size == 0:
        raise ValueError(f"{name} must hold at least one weight, got shape {W.shape}")
    return W


def unit_norms(W) -> np.ndarray:
    """``‖W_g‖_2`` of every group of a weight: each unit's incoming weights (dense) or each filter (kernel).

    ``W``: a dense weight ``(n_in, n_out)`` (units are its columns) or a convolution kernel
    ``(C_out, C_in, *k)`` (filters are its first axis). Raises ``ValueError`` if a norm overflows.
    """
    W = _weight(W)
    with np.errstate(over="ignore"):
        norms = _unit_norms(W)
    return v.finite_result(norms, "W", "a unit's norm")


def _unit_norms(W) -> np.ndarray:
    """Unchecked :func:`unit_norms`."""
    return np.sqrt(np.sum(W * W, axis=_other_axes(W.shape)))


def alive_units(W, zero_tol=0.0) -> np.ndarray:
    """Per unit (dense column) or filter (kernel's first axis): whether any of its weights has ``|w| > zero_tol``.

    ``W`` as in :func:`unit_norms`; ``zero_tol >= 0``.
    """
    W = _weight(W)
    zero_tol = v.real_scalar(zero_tol, "zero_tol", minimum=0.0)
    return np.max(np.abs(W), axis=_other_axes(W.shape)) > zero_tol


def balanced_groups(W, D) -> tuple[np.ndarray, np.ndarray]:
    """The balanced grouped factorization of ``W``: gates ``‖W_g‖^{1/D}`` and ``v_g = W_g / ‖W_g‖^{(D−1)/D}``.

    Every group then has ``s_{g,d}² = ‖v_g‖² = ‖W_g‖^{2/D}``, the point of least penalty among the
    factorizations of ``W`` (module docstring); a zero group gets zero gates and a zero vector.
    ``W`` as in :func:`unit_norms`, ``D >= 1``. Returns ``(gates (D − 1, G), vector)``, whose
    collapse is ``W`` to rounding.
    """
    W = _weight(W)
    D = v.depth(D)
    norms = unit_norms(W)
    alive = norms > 0
    root = np.where(alive, norms, 1.0) ** (1.0 / D)
    gates = np.tile(np.where(alive, root, 0.0), (D - 1, 1))
    scale = np.where(alive, root ** (D - 1), 1.0)
    return gates, W / _broadcast(scale, W.shape)


def grouped_gradients(p: dict, gW, lam: float, D: int) -> dict:
    """``∂F/∂gates`` and ``∂F/∂vector`` of a grouped layer from ``∂ℓ/∂W`` (chain rule; penalty ``(λ/D)Σ squares``).

    ``∂F/∂v_g = (Π_d s_{g,d}) ∂ℓ/∂W_g + (2λ/D) v_g``;
    ``∂F/∂s_{g,d} = ⟨∂ℓ/∂W_g, v_g⟩ Π_{e≠d} s_{g,e} + (2λ/D) s_{g,d}``.
    """
    gates, vector = p["gates"], p["vector"]
    dtype = vector.dtype
    axes = _other_axes(vector.shape)
    grad_vector = (gW * _broadcast(_running_product(gates), vector.shape)).astype(dtype)
    inner = np.sum(gW * vector, axis=axes)
    grad_gates = (leave_one_out(gates) * inner).astype(dtype) if gates.shape[0] else np.zeros_like(gates)
    if lam:
        c = 2.0 * lam / D
        grad_vector += c * vector
        grad_gates += c * gates
    return {"gates": grad_gates, "vector": grad_vector}


def group_imbalance(p: dict) -> np.ndarray:
    """Per group ``max − min`` of the ``D`` squares ``s_{g,1}², …, s_{g,D−1}², ‖v_g‖²`` (zero when balanced)."""
    vector = p["vector"].astype(np.float64)
    squares = np.concatenate([p["gates"].astype(np.float64) ** 2, _unit_norms(vector)[None] ** 2])
    return np.max(squares, axis=0) - np.min(squares, axis=0)


# ---------------------------------------------------------------------------
# removing switched-off units


@dataclass(frozen=True)
class CompactMLP:
    """A plain (unfactorized) MLP with the switched-off hidden units of a network removed (:func:`compact`).

    Attributes
    ----------
    weights, biases : tuple of ndarray
        ``W_l`` of shape ``(n_{l−1}, n_l)`` and ``b_l`` of shape ``(n_l,)`` of the smaller network.
    units : tuple of ndarray
        For each hidden layer, the indices of the units kept (in the original layer).
    sizes : tuple of int
        Widths ``[n_in, kept…, n_out]``.
    activation : str
    """

    weights: tuple
    biases: tuple
    units: tuple
    sizes: tuple
    activation: str

    @property
    def n_weights(self) -> int:
        """Number of weights of the compact network (biases excluded)."""
        return sum(W.size for W in self.weights)

    def predict(self, X) -> np.ndarray:
        """Output on ``X`` (rows of ``sizes[0]`` values), as :func:`dwf_theory.trainer.forward`."""
        from .layers import forward

        X = v.finite_array(X, "X")
        return forward(list(self.weights), list(self.biases), X.reshape(X.shape[0], -1), self.activation)


def compact(model, params=None, *, zero_tol=0.0) -> CompactMLP:
    """The plain MLP that computes what ``model`` computes, without its switched-off hidden units.

    The network is first pruned at ``zero_tol`` (every collapsed weight with ``|w| <= zero_tol`` set
    to zero, as in the trainer's pruned accuracy; ``zero_tol = 0`` changes nothing). A hidden unit is
    then removed when its incoming weights are all zero (it outputs the constant ``σ(b_j)``, which is
    folded into the next layer's bias: ``b_{l+1} += σ(b_j) W_{l+1}[j, :]``), or when its outgoing
    weights to the units kept are (it does not reach the output). Both rules are applied until nothing
    changes; the outputs agree with those of the pruned network to rounding. Grouped layers
    (:mod:`dwf_theory.trainer.groups`) switch units off as a whole; plain DWF layers may too.

    Parameters
    ----------
    model : Network or MLP
        Dense layers only (a ``Flatten`` first is allowed): a switched-off filter of a padded
        convolution leaves a position-dependent bias, so convolutional networks are refused.
    params : list of dict, optional
        Shaped like ``model.params`` (default: ``model.params``).
    zero_tol : float >= 0
    """
    from .network import Dense, Flatten, _activation, _check_model, _check_params

    _check_model(model)
    kinds = [type(s) for s in model.layers]
    if Dense not in kinds or any(k is not Dense for k in kinds[kinds.index(Dense) :]) or set(kinds) - {Dense, Flatten}:
        raise ValueError(
            f"compact needs a network of Dense layers (a Flatten first is allowed), got {model.architecture}"
        )
    params = model.params if params is None else _check_params(model, params)
    zero_tol = v.real_scalar(zero_tol, "zero_tol", minimum=0.0)
    Ws = [np.where(np.abs(W) > zero_tol, W, 0.0) for W in (np.asarray(collapse(p), np.float64) for p in params)]
    bs = [np.asarray(p["bias"], np.float64).copy() for p in params]
    act = _activation(model.activation)
    keep = [np.ones(W.shape[1], bool) for W in Ws[:-1]]  # hidden units
    changed = True
    while changed:
        changed = False
        for l in range(len(keep)):
            rows = np.ones(Ws[l].shape[0], bool) if l == 0 else keep[l - 1]
            dead_in = ~np.any(Ws[l][rows], axis=0)
            cols = keep[l + 1] if l + 1 < len(keep) else np.ones(Ws[l + 1].shape[1], bool)
            dead_out = ~np.any(Ws[l + 1][:, cols], axis=1)
            drop = keep[l] & (dead_in | dead_out)
            if drop.any():
                changed = True
                for j in np.flatnonzero(drop & dead_in & ~dead_out):  # a constant unit: into the next bias
                    bs[l + 1] = bs[l + 1] + act(bs[l][j]) * Ws[l + 1][j]
                keep[l] = keep[l] & ~drop
    weights, rows = [], np.ones(Ws[0].shape[0], bool)
    for l, W in enumerate(Ws):
        cols = keep[l] if l < len(keep) else np.ones(W.shape[1], bool)
        weights.append(W[np.ix_(rows, cols)])
        bs[l] = bs[l][cols]
        rows = cols
    sizes = (Ws[0].shape[0], *(int(k.sum()) for k in keep), Ws[-1].shape[1])
    return CompactMLP(tuple(weights), tuple(bs), tuple(np.flatnonzero(k) for k in keep), sizes, model.activation)
