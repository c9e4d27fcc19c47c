"""Full-batch polish of a trained DWF network to a stationary point of its objective.

SGD leaves a network near, not at, a stationary point of ``F(ω, b) = mean loss + (λ/D) Σ‖ω‖²``.
To check the paper's Theorem 1 on a trained network (its collapsed weights satisfy the
L_{2/D} conditions, its factors are balanced) the point has to be stationary to many digits.
:func:`polish` gets there in three steps:

1. weights with ``|w| <= zero_tol`` are set to exactly zero by zeroing all their factors — a
   stationary point of ``F`` in those coordinates for every ``D >= 2`` (each factor's gradient
   ``G Π_{k≠d} ω_k + (2λ/D) ω_d`` vanishes);
2. the remaining factors and the biases are minimized full-batch by L-BFGS (SciPy);
3. then by a Newton–Krylov trust-region method (SciPy's ``trust-krylov``) with exact
   Hessian–vector products from autograd, which converges quadratically near a nondegenerate minimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import autograd
import autograd.numpy as anp
import numpy as np
from scipy.optimize import minimize

from .. import _validate as v
from .network import Network, _check_inputs, _check_model
from .objective import _data_loss, _prepare_targets

__all__ = ["PolishResult", "polish"]


@dataclass(frozen=True)
class PolishResult:
    """How a polish ended.

    Attributes
    ----------
    objective : float
        ``F`` at the polished point.
    gradient_norm : float
        Euclidean norm of ``∇F`` over the free factors and biases at the end.
    n_support : int
        Collapsed weights left nonzero (their factors were free).
    iterations : int
        L-BFGS plus trust-region iterations.
    converged : bool
        ``gradient_norm <= tol``.
    """

    objective: float
    gradient_norm: float
    n_support: int
    iterations: int
    converged: bool


def polish(model: Network, X, y, lam, *, zero_tol=1e-6, tol=1e-10, max_iter=2000) -> PolishResult:
    """Minimize the DWF objective of ``model`` full batch from its current parameters, in place.

    Parameters
    ----------
    model : Network or MLP
        ``D >= 2``; its ``params`` are replaced by the polished ones (in the model's dtype; use float64).
    X, y : arrays
        The full training set (as for :func:`~dwf_theory.trainer.value_and_grad`).
    lam : float > 0
    zero_tol : float >= 0
        Collapsed weights at or below it are set to exactly zero first (step 1 of the module docstring).
    tol : float > 0
        Target norm of the gradient over the free parameters.
    max_iter : int >= 1
        Iterations of each of the two optimizers.
    """
    _check_model(model)
    if model.D < 2:
        raise ValueError(f"polish needs a factorized model (D >= 2), got D = {model.D}")
    lam = v.positive(lam, "lam")
    zero_tol = v.real_scalar(zero_tol, "zero_tol", minimum=0.0)
    tol = v.positive(tol, "tol")
    max_iter = v.whole_number(max_iter, "max_iter", 1, 10**6)
    X = _check_inputs(model, X).astype(model.dtype)
    T = _prepare_targets(model, y, X.shape[0])
    params = model.params
    supports = [np.abs(np.prod(p["factors"], axis=0)) > zero_tol for p in params]
    for p, s in zip(params, supports):
        p["factors"] *= s  # off the support every factor is exactly zero
    shapes = [(p["factors"].shape, p["bias"].shape) for p in params]
    n_factor = [int(s.sum()) * model.D for s in supports]

    def unpack(theta):
        weights, biases, i = [], [], 0
        for (fshape, bshape), s, k in zip(shapes, supports, n_factor):
            free = anp.reshape(theta[i : i + k], (model.D, -1))
            i += k
            weights.append(_scatter(anp.prod(free, axis=0), s))
            nb = int(np.prod(bshape))
            biases.append(theta[i : i + nb])
            i += nb
        return weights, biases, theta

    def F(theta):
        weights, biases, _ = unpack(theta)
        loss = _data_loss(model._apply(weights, biases, X), T, model.loss)
        factors = anp.concatenate([theta[i : i + k] for i, k in _factor_slices(shapes, n_factor)])
        return loss + lam / model.D * anp.sum(factors * factors)

    theta0 = np.concatenate(
        [np.concatenate([p["factors"][:, s].ravel(), p["bias"].ravel()]) for p, s in zip(params, supports)]
    ).astype(np.float64)
    value_and_grad = autograd.value_and_grad(F)
    hvp = autograd.hessian_vector_product(F)
    first = minimize(
        value_and_grad, theta0, jac=True, method="L-BFGS-B", options=dict(maxiter=max_iter, gtol=tol, ftol=0.0)
    )
    second = minimize(
        value_and_grad,
        first.x,
        jac=True,
        hessp=hvp,
        method="trust-krylov",
        options=dict(maxiter=max_iter, gtol=tol),
    )
    theta = second.x if second.fun <= first.fun else first.x
    value, grad = value_and_grad(theta)
    i = 0
    for p, s, k in zip(params, supports, n_factor):
        p["factors"][...] = 0.0
        p["factors"][:, s] = theta[i : i + k].reshape(model.D, -1)
        i += k
        p["bias"][...] = theta[i : i + p["bias"].size].reshape(p["bias"].shape)
        i += p["bias"].size
    gnorm = float(np.linalg.norm(grad))
    return PolishResult(
        objective=float(value),
        gradient_norm=gnorm,
        n_support=int(sum(s.sum() for s in supports)),
        iterations=int(first.nit + second.nit),
        converged=bool(np.isfinite(gnorm) and gnorm <= tol),
    )


def _factor_slices(shapes, n_factor):
    """(start, length) of each layer's free factors in the flat parameter vector."""
    i = 0
    for (_, bshape), k in zip(shapes, n_factor):
        yield i, k
        i += k + int(np.prod(bshape))


def _scatter(values, support):
    """An array of ``support``'s shape: ``values`` (one per support entry, in order) on the support, 0 elsewhere."""
    flat = support.ravel()
    n_on = int(flat.sum())
    # position of every weight in [values, 0]: the k-th support weight takes entry k, the others the zero
    order = np.full(flat.size, n_on, dtype=np.intp)
    order[flat] = np.arange(n_on)
    padded = anp.concatenate([values, np.zeros(1)])
    return anp.reshape(padded[order], support.shape)
