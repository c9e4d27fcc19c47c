"""Initialization schemes for factorized weights and the distribution of their product (THEORY.md §5)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from . import _validate as v

SCHEMES = ("standard", "varmatch", "varmatch-truncated")


def as_generator(rng, name: str = "rng") -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a Generator, an int seed or None."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(f"{name} must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


def _shape(shape) -> tuple:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (int(shape),)
    try:
        shape = tuple(shape)
    except TypeError as exc:
        raise TypeError(f"shape must be a tuple of whole numbers, got {shape!r}") from exc
    return tuple(v.whole_number(s, "shape entries", 0) for s in shape)


def init_factors(shape, D, scheme, sigma_w, rng=None, eps=1e-3) -> np.ndarray:
    """Draw factors of shape ``(D, *shape)`` for a weight of shape ``shape``.

    Schemes (THEORY.md §5):

    * ``'standard'``: every factor ``~ N(0, σ_w²)``; the product has standard
      deviation ``σ_w^D`` (vanishing signal for ``σ_w < 1``).
    * ``'varmatch'``: every factor ``~ N(0, σ_w^{2/D})``, so ``Var(w) = σ_w²``.
    * ``'varmatch-truncated'``: VarMatch factors conditioned on
      ``ε^{1/D} < |ω| < min(1, (2σ_w)^{1/D})`` (the law of "redraw until inside"),
      sampled by the inverse CDF of the truncated normal, with any product that
      rounding puts outside ``(ε, 2σ_w)`` redrawn; every collapsed weight obeys
      ``ε < |w| < 2σ_w``.

    Parameters
    ----------
    shape : int or tuple of int
    D : int >= 1
    scheme : {'standard', 'varmatch', 'varmatch-truncated'}
    sigma_w : float > 0
        The scale of the plain (unfactorized) model's initialization.
    rng : numpy.random.Generator, int seed or None
    eps : float in (0, sigma_w)
        Lower bound on ``|w|`` for the truncated scheme.
    """
    shape = _shape(shape)
    D = v.depth(D)
    if not isinstance(scheme, str):
        raise TypeError(f"scheme must be one of {SCHEMES}, got {type(scheme).__name__}")
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    sigma_w = v.positive(sigma_w, "sigma_w")
    eps = v.positive(eps, "eps")
    if not eps < sigma_w:
        raise ValueError(f"eps must lie in (0, sigma_w) = (0, {sigma_w}), got {eps}")
    rng = as_generator(rng)
    full = (D, *shape)
    if scheme == "standard":
        return rng.normal(0.0, sigma_w, size=full)
    s = sigma_w ** (1.0 / D)
    if scheme == "varmatch":
        return rng.normal(0.0, s, size=full)
    lo, hi = eps ** (1.0 / D), min(1.0, (2.0 * sigma_w) ** (1.0 / D))
    upper = min(1.0, 2.0 * sigma_w)
    factors = _truncated_draw(full, s, lo, hi, rng)
    flat = factors.reshape(D, -1)
    bad = np.flatnonzero(~_inside(np.abs(np.prod(flat, axis=0)), eps, upper))
    while bad.size:
        flat[:, bad] = _truncated_draw((D, bad.size), s, lo, hi, rng)
        bad = bad[~_inside(np.abs(np.prod(flat[:, bad], axis=0)), eps, upper)]
    return factors


def _inside(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (x > lo) & (x < hi)


def _truncated_draw(size, s: float, lo: float, hi: float, rng: np.random.Generator) -> np.ndarray:
    """``|ω| ~ N(0, s²)`` conditioned on ``lo < |ω| < hi``, with a random sign."""
    magnitude = stats.truncnorm.rvs(lo / s, hi / s, scale=s, size=size, random_state=rng)
    magnitude = np.clip(magnitude, np.nextafter(lo, np.inf), np.nextafter(hi, -np.inf))
    return np.where(rng.random(size) < 0.5, -magnitude, magnitude)
