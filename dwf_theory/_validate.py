"""Input validation shared by every public function.

Each checker raises ``TypeError`` (wrong kind of object) or ``ValueError``
(right kind, wrong value) with a message that names the argument and says what
it must be.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

#: Largest depth a numeric function accepts (the prox family also takes ``D = inf``).
MAX_DEPTH = 10**6
#: Largest depth the SymPy derivations accept. Their cost grows quickly with D (the Lagrange
#: derivation substitutes all 2^D sign patterns): measured on one core, D = 10 takes 2–5 s per
#: derivation, D = 12 up to 33 s, and D = 64 does not finish.
MAX_SYMBOLIC_DEPTH = 10
#: Largest count (steps, epochs, starts, samples …) any function accepts.
MAX_COUNT = 10**8
#: Largest number of array elements a function may allocate (8 bytes each: 800 MB).
MAX_ELEMENTS = 10**8


def whole_number(value, name: str, minimum: int = 1, maximum: int = MAX_COUNT) -> int:
    """Return ``value`` as an ``int`` if it is a whole number in ``[minimum, maximum]``.

    Integral floats (``3.0``) are accepted; ``bool`` is not. The upper limit keeps
    every call bounded in time and memory; the error says the limit.
    """
    what = f"{name} must be a whole number in [{minimum}, {maximum}]"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what}, got {type(value).__name__}")
    if not np.isfinite(value) or float(value) != int(value):
        raise ValueError(f"{what}, got {value!r}")
    if not minimum <= int(value) <= maximum:
        raise ValueError(f"{what}, got {value!r}")
    return int(value)


def depth(D, name: str = "D", *, maximum: int = MAX_DEPTH) -> int:
    """The factorization depth: a whole number in ``[1, maximum]``."""
    return whole_number(D, name, 1, maximum)


def depth_or_inf(D, name: str = "D") -> float:
    """A depth for the closed forms that have a limit as D → ∞: a whole number in [1, MAX_DEPTH], or inf."""
    if isinstance(D, numbers.Real) and not isinstance(D, (bool, np.bool_)) and D == math.inf:
        return math.inf
    return depth(D, name)


def allocation(n_elements, what: str) -> None:
    """Refuse to allocate more than :data:`MAX_ELEMENTS` array elements; ``what`` names the arguments."""
    if n_elements > MAX_ELEMENTS:
        raise ValueError(f"{what} would need {n_elements:.3g} array elements; the limit is {MAX_ELEMENTS:.0e}")


def finite_result(value, names: str, what: str = "the result"):
    """Return ``value`` if it holds no NaN or infinity, else raise ``ValueError`` naming ``names``.

    Used where finite inputs can still overflow float64 (e.g. a product of factors of 1e308).
    """
    arr = np.asarray(value)
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} overflows float64 for these {names}: use smaller magnitudes")
    return value


def real_scalar(value, name: str, *, minimum: float | None = None, strict: bool = False) -> float:
    """Return a finite real scalar as ``float``; optionally bounded below.

    ``strict=True`` requires ``value > minimum`` instead of ``>=``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        if isinstance(value, np.ndarray) and value.ndim == 0 and np.issubdtype(value.dtype, np.number):
            value = value.item()
        else:
            raise TypeError(f"{name} must be a finite real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    if minimum is not None:
        if strict and not value > minimum:
            raise ValueError(f"{name} must be > {minimum}, got {value!r}")
        if not strict and not value >= minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return value


def regularization(lam, name: str = "lam") -> float:
    """The regularization strength: finite and ``>= 0``."""
    return real_scalar(lam, name, minimum=0.0)


def positive(value, name: str) -> float:
    """A finite real number ``> 0``."""
    return real_scalar(value, name, minimum=0.0, strict=True)


def momentum(value, name: str = "momentum") -> float:
    """A heavy-ball momentum coefficient ``μ``: a real number in ``[0, 1)`` (``μ >= 1`` never converges)."""
    mu = real_scalar(value, name, minimum=0.0)
    if not mu < 1.0:
        raise ValueError(f"{name} must lie in [0, 1), got {value!r}")
    return mu


def finite_array(x, name: str, *, ndim: int | None = None, min_ndim: int = 0) -> np.ndarray:
    """Return ``x`` as a float64 array with no NaN or infinity.

    Raises ``TypeError`` for non-numeric input, ``ValueError`` for a wrong
    number of dimensions or a non-finite entry.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # pragma: no cover - numpy raises many kinds here
        raise TypeError(f"{name} must be a real numeric array: {exc}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)):
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if arr.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers (no NaN or infinity)")
    return arr


def factor_array(factors, name: str = "factors", D: int | None = None) -> np.ndarray:
    """Factors of shape ``(D, *w.shape)``: finite, at least one dimension, D >= 1."""
    arr = finite_array(factors, name, min_ndim=1)
    if arr.shape[0] < 1:
        raise ValueError(f"{name} must have shape (D, *w.shape) with D >= 1, got shape {arr.shape}")
    if D is not None and arr.shape[0] != D:
        raise ValueError(f"{name} must have leading dimension D={D}, got shape {arr.shape}")
    return arr


def generator(rng, name: str = "rng") -> np.random.Generator:
    """A ``numpy.random.Generator`` from a Generator, a non-negative int seed or ``None``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"{name} must be a numpy.random.Generator, a non-negative int seed or None, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(f"{name} must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


def loss(value, name: str = "loss"):
    """A :class:`dwf_theory.losses.Loss` (``TypeError`` naming the argument otherwise)."""
    from .losses import Loss  # here, not at the top: losses imports this module

    if not isinstance(value, Loss):
        raise TypeError(f"{name} must be a dwf_theory Loss (e.g. Scalar, LeastSquares), got {type(value).__name__}")
    return value


def weights_for(loss, w, name: str = "w") -> np.ndarray:
    """Finite weights of the loss's shape ``loss.shape``, as a float64 array."""
    arr = finite_array(w, name)
    if arr.shape != tuple(loss.shape):
        raise ValueError(f"{name} must have shape loss.shape = {tuple(loss.shape)}, got {arr.shape}")
    return arr


def factors_for(loss, factors, name: str = "factors", D: int | None = None) -> np.ndarray:
    """Finite factors of shape ``(D, *loss.shape)`` (``D`` given or read off the array)."""
    arr = factor_array(factors, name)
    D = arr.shape[0] if D is None else D
    if arr.shape != (D, *loss.shape):
        raise ValueError(f"{name} must have shape (D, *loss.shape) = {(D, *loss.shape)}, got {arr.shape}")
    return arr


def flag(value, name: str) -> bool:
    """A switch: ``True`` or ``False`` (NumPy booleans too); anything else is a ``TypeError`` naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")
    return bool(value)


def choice(value, name: str, options) -> str:
    """One of the strings ``options`` (``TypeError`` for a non-string, ``ValueError`` for another string)."""
    options = tuple(options)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {options}, got {type(value).__name__}")
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value
