"""Synthetic problems: the sparse linear regression used by the phase diagrams and the trainer."""

from __future__ import annotations

import numpy as np

from . import _validate as v
from .losses import LeastSquares

__all__ = ["sparse_regression"]


def sparse_regression(n, p, k, *, noise=0.1, rng=None) -> tuple[LeastSquares, np.ndarray]:
    """A random sparse linear regression ``y = X w* + noise · ε``.

    ``w*`` has ``k`` nonzero entries ``±U(1, 2)`` (random signs) at ``k`` random positions
    and zeros elsewhere; ``X`` (shape ``(n, p)``) and ``ε`` (shape ``(n,)``) are standard
    normal. They are drawn from ``rng`` in this order: the support, the signs, the
    magnitudes, ``X``, ``ε``.

    Parameters
    ----------
    n : int >= 1
        Number of observations.
    p : int >= 1
        Number of features.
    k : int, 0 <= k <= p
        Number of nonzero coefficients.
    noise : float >= 0
        Standard deviation of the Gaussian noise.
    rng : numpy.random.Generator, int seed or None

    Returns
    -------
    loss : LeastSquares
        ``L(w) = ‖Xw − y‖² / (2n)``.
    w_true : ndarray, shape (p,)
        The coefficients ``w*``.
    """
    n = v.whole_number(n, "n", 1)
    p = v.whole_number(p, "p", 1)
    k = v.whole_number(k, "k", 0)
    if k > p:
        raise ValueError(f"k must be <= p = {p}, got {k}")
    noise = v.real_scalar(noise, "noise", minimum=0.0)
    v.allocation(n * p, "n and p")
    rng = v.generator(rng)
    w = np.zeros(p)
    support = rng.choice(p, size=k, replace=False)
    w[support] = rng.choice((-1.0, 1.0), size=k) * rng.uniform(1.0, 2.0, size=k)
    X = rng.standard_normal((n, p))
    with np.errstate(over="ignore", invalid="ignore"):
        y = X @ w + noise * rng.standard_normal(n)
    v.finite_result(y, "noise", "the responses y = X w* + noise · ε")
    return LeastSquares(X, y), w
