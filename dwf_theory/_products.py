"""Leave-one-out and leave-two-out products of the factors, and the derivatives of F built from them.

For factors ``ω`` of shape ``(D, *w.shape)`` and ``w = ω_1 ⊙ … ⊙ ω_D``:

* ``P[d] = Π_{k≠d} ω_k = ∂w/∂ω_d`` (:func:`leave_one_out`);
* ``Q[d, k] = Π_{l≠d,k} ω_l = ∂²w/∂ω_d∂ω_k`` for ``d ≠ k``, zero for ``d = k`` (:func:`leave_two_out`);
* the gradient ``∂F/∂ω_d = ∇L(w) ⊙ P[d] + (2λ/D) ω_d`` of
  ``F(ω) = L(w) + (λ/D) Σ_d ‖ω_d‖²`` (:func:`factor_gradient`; chain rule);
* for a separable loss ``L(w) = Σ_j ℓ_j(w_j)`` the Hessian of
  ``F`` is block-diagonal over the coordinates ``j``, with
  ``D × D`` blocks ``H_j[d, k] = ℓ''_j P_{d,j} P_{k,j} + ℓ'_j Q_{dk,j} + δ_{dk} 2λ/D``
  (:func:`separable_hessian_blocks`; chain rule, derived here).

The products are formed from prefix and suffix products, without division, so they
are exact where a factor vanishes (unlike ``w / ω_d``). Nothing here validates its
input: the public functions that call these do.
"""

from __future__ import annotations

import numpy as np


def leave_one_out(factors: np.ndarray) -> np.ndarray:
    """``P[d] = Π_{k≠d} ω_k`` for every ``d`` (prefix · suffix products), shape of ``factors``."""
    D = factors.shape[0]
    out = np.ones_like(factors)
    if D == 1:
        return out
    # Running products over the (short) leading axis: np.cumprod along axis 0 is ~100x slower than
    # D − 1 elementwise products of whole slices, and this sits on the trainer's hot path.
    out[1] = factors[0]
    for d in range(2, D):
        np.multiply(out[d - 1], factors[d - 1], out=out[d, ...])
    suffix = factors[D - 1].copy()
    for d in range(D - 2, -1, -1):
        out[d] *= suffix
        if d:
            suffix *= factors[d]
    return out


def leave_two_out(factors: np.ndarray) -> np.ndarray:
    """``Q[d, k] = Π_{l≠d,k} ω_l`` for ``d ≠ k``, zero for ``d = k``; shape ``(D, D, *w.shape)``.

    Row ``d`` is the leave-one-out product of the factors with ``ω_d`` removed.
    """
    D = factors.shape[0]
    out = np.zeros((D, *factors.shape))
    if D == 1:  # no pair d ≠ k
        return out
    for d in range(D):  # D is small; each step is vectorized over the weights
        rest = np.delete(factors, d, axis=0)
        out[d, np.arange(D) != d] = leave_one_out(rest)
    return out


def separable_hessian_blocks(factors: np.ndarray, grad, curvature, lam: float) -> np.ndarray:
    """The ``D × D`` Hessian blocks of ``F`` for a separable loss, shape ``(*w.shape, D, D)``.

    ``H_j[d, k] = ℓ''_j P_{d,j} P_{k,j} + ℓ'_j Q_{dk,j} + δ_{dk} 2λ/D`` with ``grad = ℓ'``
    and ``curvature = ℓ''`` broadcastable to ``w.shape``.
    """
    D = factors.shape[0]
    P = leave_one_out(factors)
    H = curvature * P[:, None] * P[None, :] + grad * leave_two_out(factors)
    return np.moveaxis(H, (0, 1), (-2, -1)) + (2.0 * (lam / D)) * np.eye(D)


def factor_gradient(loss, factors: np.ndarray, lam: float) -> np.ndarray:
    """``∂F/∂ω_d = ∇L(w) ⊙ Π_{k≠d} ω_k + (2λ/D) ω_d``, shape of ``factors``.

    The unchecked core of :func:`dwf_theory.penalty.factorized_gradient`, for the
    solvers' inner loops: ``loss`` a Loss, ``factors`` finite of shape
    ``(D, *loss.shape)``, ``lam >= 0`` a float.
    """
    g = loss.grad(np.prod(factors, axis=0))
    return g * leave_one_out(factors) + (2.0 * (lam / factors.shape[0])) * factors
