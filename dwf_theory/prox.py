"""The thresholding operator of ``λ|w|^{2/D}``: prox, threshold τ, jump β.

``prox(z, lam, D) = argmin_w ½ (w − z)² + lam · |w|^{2/D}``, elementwise.

* ``D = 1``: ridge shrinkage ``z / (1 + 2λ)``.
* ``D = 2``: soft thresholding ``sign(z) · max(|z| − λ, 0)``.
* ``D ≥ 3`` (``q = 2/D < 1``): zero for ``|z| ≤ τ``; above ``τ`` the larger root of
  ``w + λ q w^{q−1} = |z|`` times ``sign(z)``; the smallest nonzero output is the
  jump ``β = (2λ(1 − q))^{1/(2−q)}`` and ``τ = β (2 − q) / (2 (1 − q))``.
* ``D = inf``: the L0 limit, hard thresholding at ``τ = β = √(2λ)``.

The ``D ≥ 3`` formulas follow from stationarity ``w + λ q w^{q−1} = |z|`` and the tie
``½(w − z)² + λ w^q = ½ z²`` between the nonzero minimum and zero (derived here and
re-derived by SymPy in :func:`dwf_theory.symbolic.threshold_jump`; the general
L_q thresholding of Marjanovic & Solo 2012, and Xu et al. 2012 for ``q = 1/2``, i.e. ``D = 4``).
"""

from __future__ import annotations

import math

import numpy as np

from . import _validate as v
from ._roots import larger_root

__all__ = ["existence_threshold", "jump", "prox", "prox_objective", "threshold"]

_depth_or_inf = v.depth_or_inf


def threshold(lam, D) -> float:
    """Threshold ``τ``: ``prox(z, lam, D) == 0`` iff ``|z| <= τ``.

    ``0`` for ``D = 1``, ``λ`` for ``D = 2``, ``β (2 − q) / (2 (1 − q))`` for
    ``D ≥ 3`` with ``q = 2/D``, and ``√(2λ)`` for ``D = inf``. Finite for every
    finite ``lam`` (formed without overflowing intermediates).

    Parameters
    ----------
    lam : float, >= 0
    D : int in [1, 10**6], or ``math.inf`` (the L0 limit)
    """
    lam = v.regularization(lam)
    D = _depth_or_inf(D)
    if D == 1:
        return 0.0
    if D == 2:
        return lam
    if math.isinf(D):
        return _sqrt2lam(lam)
    q = 2.0 / D
    return _beta(lam, q) * (2.0 - q) / (2.0 * (1.0 - q))


def _sqrt2lam(lam: float) -> float:
    """``√(2λ)``, as ``√2 · √λ`` so that ``2λ`` cannot overflow."""
    return math.sqrt(2.0 * lam) if 2.0 * lam < math.inf else math.sqrt(2.0) * math.sqrt(lam)


def jump(lam, D) -> float:
    """Jump ``β``: the magnitude of ``prox`` just above the threshold (0 for ``D ≤ 2``).

    ``β = (2λ(1 − q))^{1/(2−q)}`` for ``D ≥ 3``, ``√(2λ)`` for ``D = inf``; same
    parameters as :func:`threshold`.
    """
    lam = v.regularization(lam)
    D = _depth_or_inf(D)
    if D <= 2:
        return 0.0
    if math.isinf(D):
        return _sqrt2lam(lam)
    return _beta(lam, 2.0 / D)


def existence_threshold(lam, D) -> float:
    """Smallest ``|z|`` at which ``½(w−z)² + λ|w|^{2/D}`` has a nonzero stationary point.

    ``z_exist = w_m (2 − q)/(1 − q)`` with ``w_m = (λ q (1 − q))^{1/(2−q)}`` for
    ``D ≥ 3``; for ``D ≤ 2`` it coincides with :func:`threshold`. For
    ``z_exist < |z| < τ`` zero is the global and the nonzero point a local minimum.
    ``D = inf``: ``0`` (the L0 objective ``½(w − z)² + λ·[w ≠ 0]`` is stationary at
    ``w = z`` for every ``z ≠ 0``; also the limit of the formula as ``q → 0``).
    Same parameters as :func:`threshold`.
    """
    lam = v.regularization(lam)
    D = _depth_or_inf(D)
    if math.isinf(D):
        return 0.0
    if D <= 2:
        return threshold(lam, D)
    q = 2.0 / D
    w_m = (lam * q * (1.0 - q)) ** (1.0 / (2.0 - q))
    return w_m * (2.0 - q) / (1.0 - q)


def _beta(lam: float, q: float) -> float:
    """``(2λ(1 − q))^{1/(2−q)}``; as ``(λ(1 − q))^{1/(2−q)} · 2^{1/(2−q)}`` where ``2λ`` overflows."""
    if 2.0 * lam < math.inf:
        return (2.0 * lam * (1.0 - q)) ** (1.0 / (2.0 - q))
    return (lam * (1.0 - q)) ** (1.0 / (2.0 - q)) * 2.0 ** (1.0 / (2.0 - q))


def prox_objective(z, w, lam, D) -> np.ndarray:
    """``½ (w − z)² + λ |w|^{2/D}``, elementwise (the function that :func:`prox` minimizes over ``w``).

    ``D = inf`` gives the L0 objective ``½ (w − z)² + λ·[w ≠ 0]``. Broadcasts over ``z`` and ``w``.
    ``ValueError`` naming the arguments if the shapes do not broadcast or a value overflows float64.
    """
    z = v.finite_array(z, "z")
    w = v.finite_array(w, "w")
    lam = v.regularization(lam)
    D = _depth_or_inf(D)
    try:
        np.broadcast_shapes(z.shape, w.shape)
    except ValueError:
        raise ValueError(f"z and w must broadcast together, got shapes {z.shape} and {w.shape}") from None
    with np.errstate(over="ignore", invalid="ignore"):
        penalty = (w != 0) if math.isinf(D) else np.abs(w) ** (2.0 / D)
        out = 0.5 * (w - z) ** 2 + lam * penalty
    return v.finite_result(out, "z, w, lam and D", "the prox objective")


def prox(z, lam, D) -> np.ndarray:
    """Proximal operator of ``λ|w|^{2/D}``: ``argmin_w ½ (w − z)² + λ |w|^{2/D}``, elementwise.

    Exact to about machine precision for every whole ``D ≥ 1`` (and ``D = inf``):
    closed forms for ``D ≤ 2``; for ``D ≥ 3`` the threshold test, then Newton's
    method on ``h(w) = w + λ q w^{q−1} − |z|`` started at ``w = |z|``. ``h`` is
    convex and increasing right of its root, so the iterates decrease
    monotonically to the larger root (which is ``≥ β`` and so bounded away from
    the inflection ``w_m``: quadratic convergence). Vectorized over any shape.

    Parameters
    ----------
    z : array_like
    lam : float, >= 0
    D : int in [1, 10**6], or ``math.inf``

    Returns
    -------
    ndarray, shape of ``z``. At ``|z| = τ`` (a tie for ``D ≥ 3``) the output is 0.
    """
    z = v.finite_array(z, "z")
    lam = v.regularization(lam)
    D = _depth_or_inf(D)
    if D == 1:
        return z / (1.0 + 2.0 * lam)
    a = np.abs(z)
    if D == 2:
        return np.sign(z) * np.maximum(a - lam, 0.0)
    if lam == 0.0:
        return z.copy()
    tau = threshold(lam, D)
    out = np.zeros_like(z)
    above = a > tau
    if math.isinf(D):
        out[above] = z[above]
        return out
    q = 2.0 / D
    out[above] = np.sign(z[above]) * larger_root(a[above], lam, q)
    return out
