"""The nonzero stationary points of the scalar problem ``½(u − a)² + λ u^q`` (``u > 0``).

They are the roots of ``h(u) = u + λ q u^{q−1} − a = 0``; for ``q = 2/D < 1`` (``D ≥ 3``)
``h`` is convex on ``u > 0`` with its minimum at the inflection point of the objective
``w_m = (λ q (1 − q))^{1/(2−q)}``, so there are two roots for ``a`` above the existence
threshold ``z_exist = w_m (2 − q)/(1 − q)``, a double root ``w_m`` at it and none below
(stationarity and convexity of ``h``: derived here; the larger root is the thresholding
operator of ``λ|w|^q`` above its threshold — Xu et al. 2012 for ``q = 1/2``).

This module is the one place where the equation is solved: :func:`larger_root` for the
prox (vectorized), :func:`stationary_magnitudes` for both roots of one problem (critical
points of the factorized scalar objective, travel times of its flow).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

_NEWTON_MAX_ITER = 200
_EPS = np.finfo(float).eps


def larger_root(a: np.ndarray, lam: float, q: float) -> np.ndarray:
    """Larger root ``u`` of ``u + λ q u^{q−1} = a`` for each entry of ``a >= z_exist`` (``0 < q < 1``).

    Newton's method started at ``u = a``: ``h`` is convex and increasing right of its
    larger root and ``h(a) > 0``, so the iterates decrease monotonically to it, with
    quadratic convergence wherever the root is bounded away from ``w_m`` (always above
    the threshold, where the root is ``>= β``). The shrinkage ``t = λ q u^{q−1}`` is
    bounded above on the iterates; it is formed as ``c · u^{q−1}`` with ``c = λ q``
    (in log space where the power alone would overflow, and throughout when ``c`` is
    subnormal), and the slope as ``1 + (q − 1) t / u``, so no intermediate overflows
    and no ``0 · inf`` appears. Unchecked input (``λ > 0``); returns a new array of the shape of ``a``.
    """
    c = lam * q
    normal = c >= np.finfo(float).tiny
    log_c = np.log(c) if normal else np.log(lam) + np.log(q)
    w = a.copy()
    active = np.arange(w.size)
    wf, af = w.reshape(-1), a.reshape(-1)
    for _ in range(_NEWTON_MAX_ITER):
        if active.size == 0:
            break
        x = wf[active]
        if normal:
            with np.errstate(over="ignore"):
                t = c * x ** (q - 1.0)
            big = ~np.isfinite(t)
            if np.any(big):
                t[big] = np.exp(log_c + (q - 1.0) * np.log(x[big]))
        else:  # λq below the normal floats: keep its full relative precision
            t = np.exp(log_c + (q - 1.0) * np.log(x))
        step = (x + t - af[active]) / (1.0 + (q - 1.0) * t / x)
        wf[active] = x - step
        # Monotone from above: stop an entry once its step is at rounding level.
        active = active[step > 4.0 * _EPS * x]
    return w


def stationary_magnitudes(a: float, lam: float, D: int) -> list[float]:
    """The roots ``u > 0`` of ``u + λ q u^{q−1} = a`` (``q = 2/D``, ``a >= 0``), ascending.

    ``D = 1``: ``a/(1 + 2λ)``; ``D = 2``: ``a − λ`` if ``a > λ``; ``λ = 0``: ``a``. For
    ``D ≥ 3`` and ``λ > 0``: none below ``z_exist``, the double root ``w_m`` at it (also
    when ``a`` exceeds ``z_exist`` by rounding only), else the smaller root (by
    :func:`scipy.optimize.brentq` in ``s = log u``: it is about ``(λq/a)^{1/(1−q)}``, which
    can be far below the smallest float — then it is dropped, being indistinguishable
    from the origin) and the larger one from :func:`larger_root`. Unchecked input.
    """
    if D <= 2 or lam == 0.0:
        return _convex_magnitudes(a, lam, D)
    return _nonconvex_magnitudes(a, lam, 2.0 / D)


def _convex_magnitudes(a: float, lam: float, D: int) -> list[float]:
    """``D = 1``, ``D = 2`` or ``λ = 0``: at most one root, in closed form."""
    if D == 1:
        return [a / (1.0 + 2.0 * lam)] if a > 0 else []
    if D == 2:
        return [a - lam] if a > lam else []
    return [a] if a > 0 else []


def _nonconvex_magnitudes(a: float, lam: float, q: float) -> list[float]:
    """``0 < q < 1`` and ``λ > 0``: none, the double root ``w_m``, or the smaller and the larger root."""
    # log space throughout: λq, w_m and the smaller root underflow for subnormal λ
    log_lq = np.log(lam) + np.log(q)
    s_hi = (log_lq + np.log(1.0 - q)) / (2.0 - q)  # log w_m
    wm = float(np.exp(s_hi))
    zex = wm * (2.0 - q) / (1.0 - q)
    if a < zex:
        return []
    if a == zex:
        return [wm]

    def h(u):
        return u + np.exp(log_lq + (q - 1.0) * np.log(u)) - a

    # On s < log w_m the smaller root solves log(λq) + (q − 1)s = log(a − e^s), a monotone equation.
    def phi(s):
        return log_lq + (q - 1.0) * s - np.log(a - np.exp(s))

    if phi(s_hi) >= 0 or h(wm) >= 0:  # a above z_exist by rounding only: the double root w_m
        return [wm]
    s_lo = (log_lq - np.log(a)) / (1.0 - q) - 1.0
    while phi(s_lo) <= 0:
        s_lo -= 1.0 + abs(s_lo)
    small = float(np.exp(brentq(phi, s_lo, s_hi, xtol=1e-14, rtol=4 * _EPS)))
    large = float(larger_root(np.array([a]), lam, q)[0])
    if small == 0.0:  # below the smallest float: indistinguishable from the origin
        return [large]
    return [small, large]
