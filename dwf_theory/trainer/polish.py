"""Full-batch polish of a trained DWF network to a stationary point of its objective.

SGD leaves a network near, not at, a stationary point of ``F(ω, b) = mean loss + (λ/D) Σ‖ω‖²``.
To check the paper's Theorem 1 on a trained network (its collapsed weights satisfy the
L_{2/D} conditions, its factors are balanced) the point has to be stationary to many digits.
:func:`polish` gets there in four steps:

1. weights with ``|w| <= zero_tol`` are set to exactly zero by zeroing all their factors — a
   stationary point of ``F`` in those coordinates for every ``D >= 2`` (each factor's gradient
   ``G Π_{k≠d} ω_k + (2λ/D) ω_d`` vanishes); in a grouped layer, whole groups with
   ``‖W_g‖ <= zero_tol`` (their gates and vector: the same argument);
2. the remaining factors and the biases are minimized full batch by L-BFGS (SciPy);
3. then by SciPy's Newton–CG trust-region method (``trust-ncg``) on autograd's exact
   Hessian–vector products, which converges where L-BFGS stalls on the ill-conditioned end;
4. then by Newton steps on the gradient, ``H p = −∇F`` solved by MINRES on autograd's exact
   Hessian–vector products, kept while the gradient norm falls. No line search: near the minimum
   a test of the decrease of ``F`` is lost in the rounding of ``F`` (a step from gradient ``g``
   lowers ``F`` by only about ``g²/2h``), while the gradient itself still converges quadratically.
"""

from __future__ import annotations

from dataclasses import dataclass

import autograd
import numpy as np
from scipy.optimize import minimize
from scipy.sparse.linalg import LinearOperator, minres

from .. import _validate as v
from .groups import _broadcast, _unit_norms, collapse, is_grouped
from .network import Network, _check_model
from .sharpness import _unflatten, flat_objective

__all__ = ["PolishResult", "polish"]

NEWTON_STEPS = 50  # Newton steps at most (near the minimum a handful suffice)
HALVINGS = 4  # a Newton step is halved at most this often to lower the gradient norm


@dataclass(frozen=True)
class PolishResult:
    """How a polish ended.

    Attributes
    ----------
    objective : float
        ``F`` at the polished point.
    gradient_norm : float
        Euclidean norm of ``∇F`` over the factors and biases at the end (the factors of the weights
        zeroed in step 1 are zero, where their gradient vanishes).
    n_support : int
        Collapsed weights left free (``|w| > zero_tol`` at the start; in a grouped layer, the
        weights of the groups with ``‖W_g‖ > zero_tol``).
    iterations : int
        L-BFGS and trust-region iterations plus Newton steps.
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
        ``D >= 2``; its ``params`` are replaced by the polished ones. The polish runs in float64 and
        writes back in the model's dtype: build the model with ``dtype=np.float64`` to keep the digits.
    X, y : arrays
        The full training set (as for :func:`~dwf_theory.trainer.value_and_grad`).
    lam : float > 0
    zero_tol : float >= 0
        Collapsed weights at or below it are set to exactly zero first (step 1 of the module docstring).
    tol : float > 0
        Target norm of the gradient over the free parameters.
    max_iter : int >= 1
        Iterations of L-BFGS and of the trust region at most, and Newton steps (at most
        :data:`NEWTON_STEPS`).
    """
    _check_model(model)
    if model.D < 2:
        raise ValueError(f"polish needs a factorized model (D >= 2), got D = {model.D}")
    lam = v.positive(lam, "lam")
    zero_tol = v.real_scalar(zero_tol, "zero_tol", minimum=0.0)
    tol = v.positive(tol, "tol")
    max_iter = v.whole_number(max_iter, "max_iter", 1, 10**6)
    params = model.params
    masks = [_support(p, zero_tol) for p in params]  # (masks of the layer's arrays, weights kept)
    # Off the support every factor starts at exactly zero and stays there: a factor's gradient and its
    # second derivatives with any other coordinate carry another factor of the same weight (zero) as a
    # product, so L-BFGS, the trust region and Newton's steps all leave those coordinates untouched.
    start = [{k: a * mask.get(k, 1.0) for k, a in p.items()} for p, (mask, _) in zip(params, masks)]
    F, theta0 = flat_objective(model, X, y, lam, params=start)
    value_and_grad = autograd.value_and_grad(F)
    raw_hvp = autograd.hessian_vector_product(F)

    def hvp(theta, u):
        out = raw_hvp(theta, u)
        if not np.all(np.isfinite(out)):
            raise _Overflow
        return out

    with np.errstate(over="ignore", invalid="ignore"):
        value0, grad0 = value_and_grad(theta0)
    if not (np.isfinite(value0) and np.all(np.isfinite(grad0))):
        raise ValueError(
            f"the objective or its gradient is not finite at the model's parameters (F = {float(value0)}): "
            "X, lam or the parameters are too large"
        )
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # rejected trial steps may overflow tanh's derivative
            first = minimize(
                value_and_grad, theta0, jac=True, method="L-BFGS-B", options=dict(maxiter=max_iter, gtol=tol, ftol=0.0)
            )
            second = minimize(
                value_and_grad,
                first.x,
                jac=True,
                hessp=hvp,
                method="trust-ncg",
                options=dict(maxiter=max_iter, gtol=tol),
            )
            theta = second.x if second.fun <= first.fun else first.x
            theta, steps, value, grad = _newton(value_and_grad, hvp, theta, tol, min(max_iter, NEWTON_STEPS))
    except _Overflow:
        raise ValueError(
            "the Hessian of the objective overflowed during the polish: X, lam or the parameters are too large"
        ) from None
    for p, new, (mask, _) in zip(params, _unflatten(theta, params), masks):
        for key in p:
            p[key][...] = new[key] * mask.get(key, 1.0)
    gnorm = float(np.linalg.norm(grad))
    return PolishResult(
        objective=float(value),
        gradient_norm=gnorm,
        n_support=sum(n for _, n in masks),
        iterations=int(first.nit + second.nit + steps),
        converged=bool(np.isfinite(gnorm) and gnorm <= tol),
    )


def _support(p: dict, zero_tol: float) -> tuple[dict, int]:
    """0/1 masks of the arrays of one layer dict that keep its support, and the number of weights kept.

    Hadamard layers: the weights with ``|w| > zero_tol`` (every factor); grouped layers: the groups
    with ``‖W_g‖ > zero_tol`` (their gates and vector). The bias has no mask.
    """
    W = collapse(p)
    if not is_grouped(p):
        keep = np.abs(W) > zero_tol
        return {"factors": keep.astype(W.dtype)}, int(keep.sum())
    alive = _unit_norms(W) > zero_tol
    mask = _broadcast(alive.astype(W.dtype), W.shape)
    return {"gates": alive.astype(W.dtype), "vector": mask}, int(alive.sum()) * (W.size // alive.size)


class _Overflow(Exception):
    """A Hessian–vector product that is not finite (the polish stops with a ValueError)."""


def _newton(value_and_grad, hvp, theta, tol: float, max_steps: int):
    """Newton steps on the gradient while its norm falls; returns (θ, steps, F(θ), ∇F(θ)).

    Each step solves ``H p = −∇F`` by MINRES on autograd's Hessian–vector products and takes the
    largest of ``p, p/2, …, p/2^HALVINGS`` that lowers the gradient norm (none: stop).
    """
    value, g = value_and_grad(theta)
    best, steps = float(np.linalg.norm(g)), 0
    while steps < max_steps and best > tol:
        H = LinearOperator((theta.size, theta.size), matvec=lambda u, t=theta: hvp(t, u), dtype=float)
        p, _ = minres(H, -g, rtol=1e-12, maxiter=10 * theta.size)
        for k in range(HALVINGS + 1):
            trial = theta + p / 2**k
            value_trial, g_trial = value_and_grad(trial)
            norm = float(np.linalg.norm(g_trial))
            if norm < best:
                break
        else:
            break
        theta, value, g, best, steps = trial, value_trial, g_trial, norm, steps + 1
    return theta, steps, value, g
