"""Sharpness of the training objective: the largest eigenvalue of its Hessian, by Lanczos iteration.

``λ_max(∇²F)`` at the current parameters of a network, where
``F(ω, b) = ℓ(f(X; W(ω), b), y) + (λ/D) Σ_l Σ_d ‖ω_{l,d}‖²`` on the full training set (the DWF
objective of Kolb et al., ICLR 2025; biases unpenalized) and the Hessian is taken with respect to
every factor and every bias. It is the number of the classical linear stability bound: gradient
descent with step ``η`` is stable at a minimum only while ``η < 2/λ_max``, heavy-ball momentum ``μ``
only while ``η < 2(1 + μ)/λ_max`` (the scalar problem's edges, claims C27 and C31).

The Hessian (tens of thousands to millions of rows) is never formed. Hessian–vector products come
from autograd (reverse over reverse: the forward pass of ``∇F`` is recorded once, and each product
is one backward pass through it), written on a flat parameter vector so that the whole objective,
the collapse ``W = ω_1 ⊙ … ⊙ ω_D`` included, is differentiated twice. The trainer's own gradient
(:mod:`~dwf_theory.trainer.objective`) chains hand-written leave-one-out products and is not
traceable a second time.

Why Lanczos (``scipy.sparse.linalg.eigsh``, ARPACK's implicitly restarted Lanczos method) rather than
power iteration: for a symmetric operator the Ritz value of a ``k``-step Krylov space approaches the
top eigenvalue at a rate set by a Chebyshev polynomial in ``√gap`` (the Kaniel–Paige–Saad bound,
Golub & Van Loan, *Matrix Computations*, §10.1), against ``(λ_2/λ_1)^{2k}`` for power iteration, so
far fewer products are needed when the top eigenvalues are close; and ``which='LA'`` targets the
largest *algebraic* eigenvalue — the one the step-size bound concerns — while power iteration finds
the largest in magnitude, which at a saddle or early in training can be a negative one.
"""

from __future__ import annotations

import math

import autograd
import autograd.numpy as anp
import numpy as np
from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, LinearOperator, eigsh

from .. import _validate as v
from .._threads import one_blas_thread
from .groups import collapse
from .network import Network, _check_inputs, _check_model, _check_params
from .objective import _data_loss, _prepare_targets

__all__ = ["sharpness", "flat_objective", "MAX_PRODUCTS"]

#: Largest ``iters`` (Hessian–vector products) of :func:`sharpness`.
MAX_PRODUCTS = 10**6
#: Up to this many parameters the Hessian is assembled from ``n`` products and diagonalized densely.
_DENSE_UP_TO = 20
#: Lanczos vectors kept between restarts (ARPACK's ``ncv``; SciPy's default for one eigenvalue).
_NCV = 20


class _Budget(Exception):
    """Raised inside the matvec when the product budget is spent."""


def flat_objective(model: Network, X, y, lam, *, params=None):
    """The training objective as an autograd-traceable function of one flat parameter vector.

    ``F(θ) = ℓ(f(X; W(θ), b(θ)), y) + (λ/D) Σ‖ω‖²`` with ``θ`` the concatenation, layer by layer, of
    the layer's arrays in their order (the factors ``(D, *weight_shape)``, or a grouped layer's gates
    and vector, then the bias; C order; :func:`_unflatten` inverts it); the collapsed weight is the
    explicit product ``ω_1 · ω_2 ⋯ ω_D`` (twice differentiable everywhere, unlike a division-based
    ``prod``), the loss is the trainer's (:func:`~dwf_theory.trainer.objective`).

    Parameters
    ----------
    model : Network or MLP
    X : array_like, shape (n, *model.input_shape)
    y : array_like
        Labels (cross-entropy) or targets (MSE), as in :func:`~dwf_theory.trainer.value_and_grad`.
    lam : float >= 0
    params : list of dict, optional
        Shaped like ``model.params`` (default: ``model.params``).

    Returns
    -------
    F : callable
        ``F(theta) -> float`` on float64 vectors of length ``theta0.size`` (traceable by autograd).
    theta0 : ndarray
        ``params`` flattened in float64.
    """
    _check_model(model)
    params = model.params if params is None else params
    params = _check_params(model, params)
    X = _check_inputs(model, X).astype(np.float64)
    T = _prepare_targets(model, y, X.shape[0]).astype(np.float64)
    lam = v.regularization(lam)
    D = model.D
    layout = [[(key, a.shape) for key, a in p.items()] for p in params]
    theta0 = np.concatenate([a.ravel() for p in params for a in p.values()]).astype(np.float64)

    def F(theta):
        weights, biases, squares, i = [], [], 0.0, 0
        for shapes in layout:
            arrays = {}
            for key, shape in shapes:
                n = math.prod(shape)
                arrays[key] = anp.reshape(theta[i : i + n], shape)
                i += n
            weights.append(collapse(arrays, traced=True))
            biases.append(arrays.pop("bias"))
            for a in arrays.values():
                squares = squares + anp.sum(a * a)
        return _data_loss(model._apply(weights, biases, X), T, model.loss) + (lam / D) * squares

    return F, theta0


def _unflatten(theta, params) -> list:
    """The layer dicts of the flat vector ``theta`` of :func:`flat_objective`, shaped like ``params``."""
    out, i = [], 0
    for p in params:
        layer = {}
        for key, a in p.items():
            layer[key] = np.asarray(theta[i : i + a.size]).reshape(a.shape)
            i += a.size
        out.append(layer)
    return out


def sharpness(model: Network, X, y, lam, *, params=None, iters=1000, tol=1e-6, rng=None) -> float:
    """Largest eigenvalue of the Hessian of the full-batch training objective at ``params``.

    ``λ_max(∇²F(θ))`` for ``F = mean loss + (λ/D) Σ_l Σ_d ‖ω_{l,d}‖²`` (Kolb et al., ICLR 2025) with
    respect to all factors and biases (:func:`flat_objective`), by Lanczos iteration
    (``scipy.sparse.linalg.eigsh``, ``which='LA'``) on autograd Hessian–vector products; the module
    docstring says why Lanczos. Networks of at most 20 parameters are diagonalized densely from
    ``n`` products instead. ReLU networks are piecewise smooth: at a point off the kinks (almost
    every point) the Hessian is that of the active linear pieces.

    Parameters
    ----------
    model : Network or MLP
    X : array_like, shape (n, *model.input_shape)
        Training inputs (all of them: the objective is full batch).
    y : array_like
        Their labels (cross-entropy) or targets (MSE).
    lam : float >= 0
    params : list of dict, optional
        Shaped like ``model.params`` (default: the model's current parameters). Evaluated in float64.
    iters : int in [1, MAX_PRODUCTS]
        Largest number of Hessian–vector products.
    tol : float > 0
        ARPACK's stopping tolerance: the Ritz value ``θ`` is accepted once its residual
        ``‖Hv − θv‖ <= tol·|θ|``; for a symmetric matrix an eigenvalue then lies within
        ``tol·|θ|`` of ``θ``.
    rng : numpy.random.Generator, int seed or None
        Draws the Lanczos start vector (a fixed seed makes the result reproducible to the bit).

    Returns
    -------
    float
        ``λ_max`` (negative if the Hessian is negative definite).

    Raises
    ------
    ValueError
        If the objective or its gradient is not finite at ``params``, Lanczos has not converged
        within ``iters`` products (raise ``iters`` or ``tol``), or ARPACK fails (inputs of extreme
        magnitude).
    """
    iters = v.whole_number(iters, "iters", 1, MAX_PRODUCTS)
    tol = v.positive(tol, "tol")
    gen = v.generator(rng)
    F, theta = flat_objective(model, X, y, lam, params=params)
    n = theta.size
    with one_blas_thread(), np.errstate(all="ignore"):
        hvp, grad = autograd.make_hvp(F)(theta)
        v.finite_result(grad, "params, X, y and lam", "the gradient of the objective")
        count = 0

        def matvec(x):
            nonlocal count
            if count >= iters:
                raise _Budget
            count += 1
            out = np.asarray(hvp(np.ascontiguousarray(np.ravel(x), dtype=np.float64)), np.float64)
            return v.finite_result(out, "params, X, y and lam", "a Hessian–vector product")

        try:
            if n <= _DENSE_UP_TO:
                H = np.column_stack([matvec(e) for e in np.eye(n)])
                return float(np.linalg.eigvalsh(0.5 * (H + H.T))[-1])
            op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
            top = eigsh(op, k=1, which="LA", tol=tol, ncv=min(_NCV, n), v0=gen.standard_normal(n), maxiter=iters)
            return float(top[0][0])
        except (_Budget, ArpackNoConvergence):
            raise ValueError(
                f"Lanczos did not converge to tol={tol:g} within iters={iters} Hessian–vector products: "
                "raise iters or tol"
            ) from None
        except ArpackError as exc:  # e.g. a Hessian so large in magnitude that no shift can be applied
            raise ValueError(f"Lanczos failed for these params, X, y and lam: {exc}") from None
