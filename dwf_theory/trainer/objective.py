"""The training objective of a DWF network and its gradient.

``F(ω, b) = ℓ(f(X; W(ω), b), y) + (λ/D) Σ_l Σ_d ‖ω_{l,d}‖²`` with
``W_l = ω_{l,1} ⊙ … ⊙ ω_{l,D}`` (the DWF objective of Kolb et al., ICLR 2025); biases are
not penalized.

The gradient comes from ``autograd``, taken once with respect to the
*collapsed* weights ``W_l`` and biases, then chained to the factors with the
leave-one-out products of :func:`dwf_theory.penalty.leave_one_out_products`:
``∂F/∂ω_{l,d} = ∂ℓ/∂W_l ⊙ Π_{k≠d} ω_{l,k} + (2λ/D) ω_{l,d}``. This traces the
network once per step whatever ``D`` is (claim C61 checks it against autograd
through the factors directly). Grouped layers chain ``∂ℓ/∂W_l`` to their gates and vectors
the same way (:func:`dwf_theory.trainer.groups.grouped_gradients`); their penalty is
``(λ/D)`` times the squares of the gates and vectors.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
from autograd.extend import defvjp, primitive
from autograd.tracer import getval

from .. import _validate as v
from .._products import leave_one_out
from .groups import collapse, grouped_gradients
from .network import Network, _check_inputs, _check_model, _check_params, _check_targets

__all__ = ["value_and_grad", "objective"]


def _prepare_targets(model: Network, y, n: int) -> np.ndarray:
    """Validated targets in the form the loss uses: one-hot ``(n, n_out)`` or real ``(n, n_out)``."""
    y = _check_targets(model, y, n)
    if model.loss == "cross_entropy":
        T = np.zeros((n, model.n_outputs), model.dtype)
        T[np.arange(n), y] = 1.0
        return T
    return y.astype(model.dtype)


@primitive
def logsumexp_rows(a):
    """``log Σ_k exp(a_ik)`` of every row, shifted by the row maximum (an autograd primitive).

    Its derivative is the row softmax (registered below), the same rule as
    ``autograd.scipy.special.logsumexp`` without SciPy's per-call overhead, so
    the loss adds one node to the graph instead of four.
    """
    c = np.max(a, axis=1, keepdims=True)
    return np.log(np.sum(np.exp(a - c), axis=1)) + c[:, 0]


# anp.exp (not np.exp): the derivative is itself traceable, so the loss can be differentiated twice.
defvjp(logsumexp_rows, lambda ans, a: lambda g: g[:, None] * anp.exp(a - ans[:, None]))


def _data_loss(out, T, kind: str):
    """Mean softmax cross-entropy (one-hot ``T``) or ``‖out − T‖² / (2n)`` (autograd-traceable)."""
    n = out.shape[0]
    if kind == "cross_entropy":
        mean = np.full(n, 1.0 / n, dtype=getval(out).dtype)
        return anp.dot(logsumexp_rows(out), mean) - anp.sum(out * (T / n))
    r = out - T
    return anp.sum(r * r) / (2.0 * n)


def _network_loss(wb, model, X, T):
    L = len(wb) // 2
    return _data_loss(model._apply(wb[:L], wb[L:], X), T, model.loss)


_network_value_and_grad = autograd.value_and_grad(_network_loss)


def _penalty_value(params, D: int) -> float:
    """``(1/D) Σ_l Σ_d ‖ω_{l,d}‖²`` over every factor, gate and vector (multiply by λ for the penalty term)."""
    return float(sum(np.vdot(a, a) for p in params for k, a in p.items() if k != "bias") / D)


def _fast_value_and_grad(model: Network, params, X, T, lam: float, *, penalty=None):
    """Unchecked :func:`value_and_grad` on prepared inputs (``T`` from :func:`_prepare_targets`).

    ``penalty``: an extra ``P(W) -> (value, grads)`` on the collapsed weights (the ``penalty``
    of :func:`~dwf_theory.trainer.train`), added to the loss and to ``∂ℓ/∂W`` before the chain rule.
    """
    D = model.D
    factors = [p.get("factors") for p in params]
    # Leave-one-out products first: the collapsed weight is the last one times the last factor.
    loo = [None if D == 1 or f is None else leave_one_out(f) for f in factors]
    weights = [collapse(p) if f is None else f[0] if D == 1 else P[-1] * f[-1] for p, f, P in zip(params, factors, loo)]
    biases = [p["bias"] for p in params]
    loss, g = _network_value_and_grad(weights + biases, model, X, T)
    L = len(params)
    if penalty is not None:
        extra, pg = penalty(weights)
        loss = loss + extra
        g = [gW + p for gW, p in zip(g[:L], pg)] + list(g[L:])
    c = 2.0 * lam / D
    grads = []
    for p, f, P, gW, gb in zip(params, factors, loo, g[:L], g[L:]):
        if f is None:
            grads.append({**grouped_gradients(p, gW, lam, D), "bias": np.asarray(gb, model.dtype)})
            continue
        if D == 1:
            gf = gW[None].astype(model.dtype)
        else:
            gf = P
            gf *= gW  # ∂L/∂W ⊙ Π_{k≠d} ω_k, in place
        if lam:
            gf += c * f
        grads.append({"factors": gf, "bias": np.asarray(gb, model.dtype)})
    if lam:
        loss = loss + lam * _penalty_value(params, D)
    return float(loss), grads


def value_and_grad(model: Network, params, X, y, lam):
    """Objective ``F`` and its gradient with respect to every factor and bias.

    ``F = mean loss + (λ/D) Σ_l Σ_d ‖ω_{l,d}‖²`` (Kolb et al., ICLR 2025; the penalty is on
    the factors only). The gradient is autograd's derivative with respect to
    the collapsed weights chained to the factors with leave-one-out products
    (module docstring; claims C60, C61).

    Parameters
    ----------
    model : Network or MLP
    params : list of dict
        Shaped like ``model.params``.
    X : array_like, shape (n, *model.input_shape)
    y : array_like
        Integer labels ``(n,)`` in ``0..n_out−1`` (cross-entropy) or real targets
        ``(n,)``/``(n, n_out)`` (MSE).
    lam : float >= 0

    Returns
    -------
    loss : float
    grads : list of dict
        Shaped like ``params``. Raises ``ValueError`` if the objective or its gradient
        overflows float64 (finite inputs of huge magnitude).
    """
    params, X, T, lam = _checked(model, params, X, y, lam)
    with np.errstate(all="ignore"):
        loss, grads = _fast_value_and_grad(model, params, X, T, lam)
    _finite(loss, "objective")
    for g in grads:
        for a in g.values():
            _finite(a, "gradient")
    return loss, grads


def objective(model: Network, params, X, y, lam) -> float:
    """The objective value alone (same convention as :func:`value_and_grad`)."""
    params, X, T, lam = _checked(model, params, X, y, lam)
    with np.errstate(all="ignore"):
        out = model._apply(model.weights(params), [p["bias"] for p in params], X)
        value = float(_data_loss(out, T, model.loss)) + lam * _penalty_value(params, model.D)
    return _finite(value, "objective")


def _checked(model, params, X, y, lam):
    """The validated arguments of :func:`value_and_grad` and :func:`objective`: params, X, one-hot T, λ."""
    _check_model(model)
    params = _check_params(model, params)
    X = _check_inputs(model, X).astype(model.dtype, copy=False)
    T = _prepare_targets(model, y, X.shape[0])
    return params, X, T, v.regularization(lam)


def _finite(value, what: str):
    return v.finite_result(value, "params, X, y and lam", f"the {what}")
