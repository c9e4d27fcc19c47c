"""Collapse, balanced factorization, the factor and L_{2/D} penalties, imbalance.

A depth-``D`` factorization of ``w`` is an array ``factors`` of shape
``(D, *w.shape)`` with ``w = factors[0] * … * factors[D-1]`` (deep weight
factorization, Kolb et al., ICLR 2025). The factorized objective is
``F(ω) = L(collapse(ω)) + λ · factor_penalty(ω)`` and the collapsed one
``G(w) = L(w) + λ · lq_penalty(w, D)``. They are linked by the penalty
equivalence ``min {(1/D) Σ_d ‖ω_d‖² : ω_1 ⊙ … ⊙ ω_D = w} = Σ_j |w_j|^{2/D}``
(per coordinate the AM–GM inequality ``(1/D) Σ_d ω_d² ≥ (Π_d ω_d²)^{1/D}``; the
paper's equivalence of DWF and L_{2/D} regularization), attained exactly at the
balanced factorizations.
"""

from __future__ import annotations

import numpy as np

from . import _validate as v
from ._products import factor_gradient, leave_one_out

__all__ = [
    "balanced_factors",
    "collapse",
    "factor_penalty",
    "factorized_gradient",
    "factorized_objective",
    "imbalance",
    "leave_one_out_products",
    "lq_objective",
    "lq_penalty",
]


def collapse(factors) -> np.ndarray:
    """Collapsed weight ``w = ω_1 ⊙ … ⊙ ω_D`` (elementwise product over axis 0).

    Parameters
    ----------
    factors : array_like, shape (D, *w.shape)

    Returns
    -------
    ndarray, shape w.shape

    Raises
    ------
    ValueError
        If the product overflows float64 (finite factors such as 1e308 can).
    """
    factors = v.factor_array(factors)
    return _product(factors)


def _product(factors: np.ndarray, names: str = "factors") -> np.ndarray:
    """``Π_d ω_d`` of checked factors; ``ValueError`` naming ``names`` if it overflows."""
    with np.errstate(over="ignore", invalid="ignore"):
        w = np.prod(factors, axis=0)
    return v.finite_result(w, names, "the product of the factors")


def balanced_factors(w, D, *, signs=None) -> np.ndarray:
    """A balanced factorization of ``w``: ``|ω_d| = |w|^{1/D}`` and ``Π_d ω_d = w``.

    These are exactly the minimizers of ``(1/D) Σ_d ‖ω_d‖²`` subject to
    ``ω_1 ⊙ … ⊙ ω_D = w`` (equality case of AM–GM; Kolb et al., ICLR 2025).

    Parameters
    ----------
    w : array_like
        Collapsed weights.
    D : int
        Depth, a whole number >= 1.
    signs : array_like of ±1, shape (D, *w.shape), optional
        Signs of the factors. Their product must equal ``sign(w)`` wherever
        ``w != 0``. Default: the first factor carries ``sign(w)``, the others are
        positive.

    Returns
    -------
    ndarray, shape (D, *w.shape)
    """
    w = v.finite_array(w, "w")
    D = v.depth(D)
    v.allocation(D * w.size, "D and w")
    magnitude = _root(np.abs(w), D)
    if signs is None:
        out = np.broadcast_to(magnitude, (D, *w.shape)).copy()
        out[0] = np.sign(w) * magnitude
        return out
    signs = v.finite_array(signs, "signs")
    if signs.shape != (D, *w.shape):
        raise ValueError(f"signs must have shape {(D, *w.shape)}, got {signs.shape}")
    if not np.all(np.abs(signs) == 1):
        raise ValueError("signs must contain only +1 and -1")
    nonzero = w != 0
    if not np.all(np.prod(signs, axis=0)[nonzero] == np.sign(w)[nonzero]):
        raise ValueError("signs must multiply to sign(w) wherever w != 0")
    return signs * magnitude


def _root(a: np.ndarray, D: int) -> np.ndarray:
    """``a^{1/D}`` for ``a >= 0`` with one Newton correction.

    ``a ** (1/D)`` alone carries the rounding of the exponent ``1/D``, a relative
    error of about ``|ln a| · 1e-17`` (``2e-14`` at ``a = 1e-193``); one Newton
    step on ``m^D = a`` brings ``m^D`` back to within a few ulp of ``a``.
    """
    m = a ** (1.0 / D)
    if D == 1:
        return m
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = m**D / a
        corrected = m * (1.0 - (ratio - 1.0) / D)
    return np.where((a > 0) & np.isfinite(corrected), corrected, m)


def factor_penalty(factors) -> float:
    """Factor penalty ``(1/D) Σ_d ‖ω_d‖²`` (the weight decay of DWF, per unit λ).

    ``ValueError`` if the sum of squares overflows float64.
    """
    factors = v.factor_array(factors)
    with np.errstate(over="ignore", invalid="ignore"):
        value = float(np.sum(factors * factors) / factors.shape[0])
    return v.finite_result(value, "factors", "the factor penalty")


def lq_penalty(w, D) -> float:
    """Collapsed penalty ``‖w‖_{2/D}^{2/D} = Σ_j |w_j|^{2/D}``.

    The minimum of :func:`factor_penalty` over the factorizations of ``w`` (see the module docstring).
    """
    w = v.finite_array(w, "w")
    D = v.depth(D)
    with np.errstate(over="ignore"):
        value = float(np.sum(np.abs(w) ** (2.0 / D)))
    return v.finite_result(value, "w and D", "the L_{2/D} penalty")


def imbalance(factors) -> np.ndarray:
    """Per-coordinate imbalance ``max_d ω_d² − min_d ω_d²`` (zero iff balanced in magnitude).

    ``ValueError`` if a square overflows float64.
    """
    factors = v.factor_array(factors)
    with np.errstate(over="ignore"):
        sq = v.finite_result(factors * factors, "factors", "the squared factors")
    return np.max(sq, axis=0) - np.min(sq, axis=0)


def leave_one_out_products(factors) -> np.ndarray:
    """``P[d] = Π_{k≠d} ω_k`` for every ``d``, without division and without a loop over elements.

    Computed from exclusive prefix and suffix products, so it is exact where a
    factor is zero (unlike ``collapse(factors) / factors``).
    """
    factors = v.factor_array(factors)
    with np.errstate(over="ignore", invalid="ignore"):
        products = leave_one_out(factors)
    return v.finite_result(products, "factors", "the leave-one-out products")


def factorized_objective(loss, factors, lam) -> float:
    """``F(ω) = L(ω_1 ⊙ … ⊙ ω_D) + (λ/D) Σ_d ‖ω_d‖²``, the DWF objective (Kolb et al., ICLR 2025).

    ``ValueError`` naming ``factors`` and ``lam`` if ``F`` overflows float64.
    """
    loss = v.loss(loss)
    factors = v.factors_for(loss, factors)
    lam = v.regularization(lam)
    w = _product(factors)
    with np.errstate(over="ignore", invalid="ignore"):
        value = float(loss.loss(w) + lam * np.sum(factors * factors) / factors.shape[0])
    return v.finite_result(value, "factors and lam", "the objective F")


def factorized_gradient(loss, factors, lam) -> np.ndarray:
    """``∂F/∂ω_d = ∇L(w) ⊙ Π_{k≠d} ω_k + (2λ/D) ω_d``, shape of ``factors`` (chain rule).

    ``ValueError`` naming ``factors`` and ``lam`` if the gradient overflows float64.
    """
    loss = v.loss(loss)
    factors = v.factors_for(loss, factors)
    lam = v.regularization(lam)
    _product(factors)
    with np.errstate(over="ignore", invalid="ignore"):
        grad = factor_gradient(loss, factors, lam)
    return v.finite_result(grad, "factors and lam", "the gradient of F")


def lq_objective(loss, w, lam, D) -> float:
    """``G(w) = L(w) + λ Σ_j |w_j|^{2/D}``, the L_{2/D}-regularized objective equivalent to ``F``."""
    loss = v.loss(loss)
    w = v.weights_for(loss, w)
    lam = v.regularization(lam)
    penalty = lq_penalty(w, D)
    with np.errstate(over="ignore", invalid="ignore"):
        value = float(loss.loss(w) + lam * penalty)
    return v.finite_result(value, "w and lam", "the objective G")
