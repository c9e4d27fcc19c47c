"""Hypothesis strategies for property tests of deep weight factorization code.

Each function returns a Hypothesis ``SearchStrategy`` for the objects of this package:
depths, regularization strengths, weights (optionally with exact zeros and extreme
magnitudes), factorizations ``ω`` of shape ``(D, *w.shape)`` (balanced, rescaled along the
symmetry ``ω_d → c_d ω_d`` with ``Π_d c_d = 1``, or arbitrary), scalar and least-squares
problems, and small networks. Their arguments are checked when the strategy is built, so a
wrong argument fails at once with a ``ValueError``/``TypeError`` naming it, not at the first draw.

Hypothesis is a development dependency of ``dwf_theory`` (the ``[dev]`` extra), not a runtime
one: ``import dwf_theory`` never imports this module, and this module imports Hypothesis at
the top — every function here returns a Hypothesis object, so nothing in it works without
it — with an ``ImportError`` that says how to install it.

Example: a property test of a user's own parametrization ``w = a·b³``, whose conjectured
induced penalty ``inf{a² + b² : a b³ = w} = 4·3^{−3/4}|w|^{1/2}`` follows from weighted AM–GM
(``a² + 3·(b²/3) >= 4(a²(b²/3)³)^{1/4}``):

>>> import numpy as np
>>> from hypothesis import given, settings
>>> from dwf_theory.parametrizations import Parametrization, PowerPenalty, induced_penalty
>>> from dwf_theory.strategies import weights
>>> cube = Parametrization("a·b³", lambda om: om[0] * om[1] ** 3, lambda shape: (2, *shape))
>>> @settings(max_examples=10, deadline=None)
... @given(weights((2,), magnitudes=(1e-2, 1e2)))
... def test_cube_penalty(w):
...     r = induced_penalty(w, cube, PowerPenalty(), rng=0)
...     assert r.converged
...     np.testing.assert_allclose(r.value, 4 * 3**-0.75 * np.sum(np.abs(w) ** 0.5), rtol=1e-8)
>>> test_cube_penalty()
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from . import _validate as v
from .losses import LeastSquares, Scalar
from .penalty import balanced_factors

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
    from hypothesis.strategies import SearchStrategy
except ImportError as exc:  # pragma: no cover - Hypothesis is installed wherever the tests run
    raise ImportError(
        "dwf_theory.strategies needs Hypothesis, a development dependency of dwf_theory: "
        "pip install hypothesis (or pip install 'dwf-theory[dev]')"
    ) from exc

__all__ = [
    "depths",
    "factorizations",
    "lams",
    "least_squares",
    "networks",
    "scalar_problems",
    "weights",
]

#: Largest side of a generated array and largest number of its entries.
MAX_SIDE = 10_000
MAX_ENTRIES = 10**6
#: The default range of weight magnitudes: moderate, so that solvers run at full accuracy.
MAGNITUDES = (1e-3, 1e3)
#: Kinds of :func:`factorizations`.
KINDS = ("balanced", "rescaled", "arbitrary")
#: Rescalings of :func:`factorizations` ``kind="rescaled"``: ``log c_d`` within ``± RESCALE_LOG``.
RESCALE_LOG = 2.0


# --------------------------------------------------------------------------- argument checks


def _whole_or_strategy(value, name: str, minimum: int, maximum: int):
    """A whole number in ``[minimum, maximum]`` as ``st.just``, or a strategy passed through."""
    if isinstance(value, SearchStrategy):
        return value
    return st.just(v.whole_number(value, name, minimum, maximum))


def _as_shape(shape) -> tuple:
    """A drawn shape as a tuple (a strategy of shapes may draw ints)."""
    return (int(shape),) if isinstance(shape, numbers.Integral) else tuple(int(n) for n in shape)


def _shape(shape, name: str = "shape"):
    """A shape (int or tuple of whole numbers) as ``st.just``, or a strategy of shapes (ints or tuples)."""
    if isinstance(shape, SearchStrategy):
        return shape.map(_as_shape)
    if isinstance(shape, numbers.Integral) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"{name} must be a tuple of whole numbers or a strategy of shapes, got {type(shape).__name__}")
    out = tuple(v.whole_number(n, f"{name} entries", 0, MAX_SIDE) for n in shape)
    if math.prod(out) > MAX_ENTRIES:
        raise ValueError(f"{name} {out} has {math.prod(out):.3g} entries; the limit is {MAX_ENTRIES:.0e}")
    return st.just(out)


def _magnitudes(magnitudes) -> tuple[float, float]:
    if not isinstance(magnitudes, (tuple, list)) or len(magnitudes) != 2:
        raise TypeError(f"magnitudes must be a pair (low, high), got {type(magnitudes).__name__}")
    lo, hi = (v.positive(m, "magnitudes") for m in magnitudes)
    if not lo <= hi:
        raise ValueError(f"magnitudes must satisfy low <= high, got {magnitudes!r}")
    return lo, hi


# --------------------------------------------------------------------------- scalars


def depths(min_D=1, max_D=8) -> SearchStrategy:
    """Depths ``D``: whole numbers in ``[min_D, max_D]`` (``D = 1`` is the unfactorized baseline).

    Parameters
    ----------
    min_D, max_D : int, 1 <= min_D <= max_D <= 10**6
    """
    lo = v.depth(min_D, "min_D")
    hi = v.depth(max_D, "max_D")
    if lo > hi:
        raise ValueError(f"min_D must be <= max_D, got {lo} and {hi}")
    return st.integers(lo, hi)


def lams(min_lam=0.0, max_lam=10.0) -> SearchStrategy:
    """Regularization strengths ``λ``: finite floats in ``[min_lam, max_lam]`` (``0`` included by default).

    Hypothesis favours the ends and simple values; subnormal numbers are left out.

    Parameters
    ----------
    min_lam, max_lam : float, 0 <= min_lam <= max_lam
    """
    lo = v.regularization(min_lam, "min_lam")
    hi = v.regularization(max_lam, "max_lam")
    if lo > hi:
        raise ValueError(f"min_lam must be <= max_lam, got {lo} and {hi}")
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def _magnitude_elements(lo: float, hi: float, *, zeros: bool, extreme: bool) -> SearchStrategy:
    """Entries ``±m`` with ``m`` in ``[lo, hi]``; optionally also exact zeros and extreme magnitudes."""
    moderate = st.builds(
        lambda sign, m: sign * m,
        st.sampled_from((1.0, -1.0)),
        st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False),
    )
    parts = [moderate]
    if zeros:
        parts.append(st.just(0.0))
    if extreme:
        # Tiny and huge: ±mantissa·10^e over (nearly) the whole float64 range, and the subnormals.
        parts.append(
            st.builds(
                lambda sign, mantissa, e: sign * mantissa * 10.0**e,
                st.sampled_from((1.0, -1.0)),
                st.floats(1.0, 9.99),
                st.integers(-300, 300),
            )
        )
        parts.append(
            st.builds(
                lambda sign, m: sign * m,
                st.sampled_from((1.0, -1.0)),
                st.floats(5e-324, 2.2e-308, allow_subnormal=True),
            )
        )
    return st.one_of(parts)


def weights(shape=(3,), *, zeros=False, extreme=False, magnitudes=MAGNITUDES) -> SearchStrategy:
    """Weight arrays ``w`` (float64) of the given shape.

    Each entry is ``±m`` with ``m`` in ``magnitudes``; ``zeros=True`` also draws exact zeros (the
    points where the L_{2/D} penalty is not differentiable), ``extreme=True`` also tiny and huge
    magnitudes (``mantissa·10^e``, ``|e| <= 300``, and subnormal numbers).

    Parameters
    ----------
    shape : int, tuple of int, or a strategy of them
    zeros, extreme : bool
    magnitudes : (low, high), 0 < low <= high

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(weights((2, 3), zeros=True))
    ... def test_lq_penalty_is_even(w):
    ...     from dwf_theory import lq_penalty
    ...     assert lq_penalty(-w, 3) == lq_penalty(w, 3)
    >>> test_lq_penalty_is_even()
    """
    shapes = _shape(shape)
    zeros = v.flag(zeros, "zeros")
    extreme = v.flag(extreme, "extreme")
    lo, hi = _magnitudes(magnitudes)
    elements = _magnitude_elements(lo, hi, zeros=zeros, extreme=extreme)
    return shapes.flatmap(lambda s: hnp.arrays(np.float64, s, elements=elements))


# --------------------------------------------------------------------------- factorizations


def _signs_for(w: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """Random signs ``raw`` (shape ``(D, *w.shape)``) with the last row fixed so that the product is ``sign(w)``."""
    signs = np.where(raw, 1.0, -1.0)
    rest = np.prod(signs[:-1], axis=0)
    target = np.where(w < 0, -1.0, 1.0)
    signs[-1] = target * rest  # rest² = 1
    return signs


def factorizations(D=None, shape=(3,), *, kind="arbitrary", zeros=False, magnitudes=MAGNITUDES) -> SearchStrategy:
    """Factor arrays ``ω`` of shape ``(D, *shape)`` whose product ``collapse(ω)`` is a weight array.

    * ``kind="balanced"``: ``|ω_d| = |w|^{1/D}`` with random signs multiplying to ``sign(w)``, ``w``
      from :func:`weights` (the minimizers of the factor penalty on the fibre of ``w``);
    * ``kind="rescaled"``: balanced factors moved along the rescaling symmetry,
      ``ω_d → c_d ω_d`` with ``Π_d c_d = 1`` (``log c_d`` within ``±2``, centred): the same
      product to rounding, a larger factor penalty (Kolb et al., ICLR 2025, the artificial symmetries);
    * ``kind="arbitrary"``: independent entries ``±m`` with ``m^D`` in ``magnitudes``.

    Parameters
    ----------
    D : int, a strategy of ints, or None
        The depth; default :func:`depths` ``(1, 6)``.
    shape : int, tuple of int, or a strategy of them
        Shape of the collapsed weights.
    kind : {'balanced', 'rescaled', 'arbitrary'}
    zeros : bool
        Balanced and rescaled: ``w`` may have exact zeros (all factors of that entry zero);
        arbitrary: single factor entries may be exactly zero.
    magnitudes : (low, high)
        Range of ``|w|`` (arbitrary: of each ``|ω_{d,j}|^D``).
    """
    Ds = depths(1, 6) if D is None else _whole_or_strategy(D, "D", 1, 64)
    shapes = _shape(shape)
    kind = v.choice(kind, "kind", KINDS)
    zeros = v.flag(zeros, "zeros")
    lo, hi = _magnitudes(magnitudes)

    def build(D_and_shape):
        D, s = D_and_shape
        full = (D, *s)
        if math.prod(full) > MAX_ENTRIES:
            raise ValueError(f"D and shape give {math.prod(full):.3g} factor entries; the limit is {MAX_ENTRIES:.0e}")
        if kind == "arbitrary":
            elements = _magnitude_elements(lo ** (1.0 / D), hi ** (1.0 / D), zeros=zeros, extreme=False)
            return hnp.arrays(np.float64, full, elements=elements)
        w = hnp.arrays(np.float64, s, elements=_magnitude_elements(lo, hi, zeros=zeros, extreme=False))
        signs = hnp.arrays(np.bool_, full)
        balanced = st.builds(lambda w, raw: balanced_factors(w, D, signs=_signs_for(w, raw)), w, signs)
        if kind == "balanced":
            return balanced
        logs = hnp.arrays(np.float64, full, elements=st.floats(-RESCALE_LOG, RESCALE_LOG))
        return st.builds(lambda f, u: f * np.exp(u - np.mean(u, axis=0)), balanced, logs)

    return st.tuples(Ds, shapes).flatmap(build)


# --------------------------------------------------------------------------- problems


def scalar_problems(shape=(), *, zeros=False, extreme=False, magnitudes=(1e-3, 20.0)) -> SearchStrategy:
    """:class:`~dwf_theory.Scalar` problems ``½Σ_j(w_j − z_j)²`` with ``z`` from :func:`weights`.

    ``shape=()`` (default) is the scalar problem whose penalized minimizer is the prox. The other
    arguments are those of :func:`weights`.
    """
    return st.builds(Scalar, weights(shape, zeros=zeros, extreme=extreme, magnitudes=magnitudes))


def least_squares(n=None, p=None, *, max_magnitude=10.0) -> SearchStrategy:
    """:class:`~dwf_theory.LeastSquares` problems ``‖Xw − y‖²/(2n)`` with ``X`` of shape ``(n, p)``.

    Parameters
    ----------
    n, p : int, a strategy of ints, or None
        Rows and columns; defaults 1..8 and 1..5.
    max_magnitude : float > 0
        Entries of ``X`` and ``y`` are finite floats in ``[−max_magnitude, max_magnitude]``
        (no subnormals).
    """
    ns = st.integers(1, 8) if n is None else _whole_or_strategy(n, "n", 1, MAX_SIDE)
    ps = st.integers(1, 5) if p is None else _whole_or_strategy(p, "p", 1, MAX_SIDE)
    m = v.positive(max_magnitude, "max_magnitude")
    entries = st.floats(-m, m, allow_nan=False, allow_infinity=False, allow_subnormal=False)

    def build(np_):
        rows, cols = np_
        if rows * cols > MAX_ENTRIES:
            raise ValueError(f"n and p give {rows * cols:.3g} entries of X; the limit is {MAX_ENTRIES:.0e}")
        return st.builds(
            LeastSquares,
            hnp.arrays(np.float64, (rows, cols), elements=entries),
            hnp.arrays(np.float64, rows, elements=entries),
        )

    return st.tuples(ns, ps).flatmap(build)


def networks(D=None, sizes=None, *, loss="cross_entropy", activation=None, grouped=False) -> SearchStrategy:
    """Small :class:`~dwf_theory.trainer.MLP` networks with their (random) initial parameters.

    Parameters
    ----------
    D : int, a strategy of ints, or None
        Factorization depth; default :func:`depths` ``(1, 4)``.
    sizes : sequence of int, a strategy of them, or None
        Layer widths ``[n_in, hidden…, n_out]``; default 2 to 4 layers of widths 1..5.
    loss : {'cross_entropy', 'mse'}
    activation : {'relu', 'tanh', 'identity'} or None
        None draws one.
    grouped : bool or None
        Factorize the hidden units as gates times one vector (``MLP(..., grouped=True)``); None draws it.

    The initialization scheme (one of :data:`dwf_theory.SCHEMES`) and the seed are drawn too; the
    network's ``params`` hold its factors (a grouped layer: gates and vector) and biases.
    """
    from .initialization import SCHEMES
    from .trainer import MLP
    from .trainer.layers import ACTIVATIONS, LOSSES

    Ds = depths(1, 4) if D is None else _whole_or_strategy(D, "D", 1, 64)
    if sizes is None:
        size_lists = st.lists(st.integers(1, 5), min_size=2, max_size=4)
    elif isinstance(sizes, SearchStrategy):
        size_lists = sizes
    else:
        if not isinstance(sizes, (list, tuple)):
            raise TypeError(f"sizes must be a sequence of whole numbers, got {type(sizes).__name__}")
        checked = [v.whole_number(s, "sizes entries", 1, MAX_SIDE) for s in sizes]
        if len(checked) < 2:
            raise ValueError(f"sizes must have at least two entries [n_in, n_out], got {checked}")
        size_lists = st.just(checked)
    loss = v.choice(loss, "loss", LOSSES)
    activations = (
        st.sampled_from(ACTIVATIONS) if activation is None else st.just(v.choice(activation, "activation", ACTIVATIONS))
    )
    groupings = st.booleans() if grouped is None else st.just(v.flag(grouped, "grouped"))
    return st.builds(
        lambda s, D, init, act, seed, g: MLP(s, D, init=init, rng=seed, activation=act, loss=loss, grouped=g),
        size_lists,
        Ds,
        st.sampled_from(SCHEMES),
        activations,
        st.integers(0, 2**32 - 1),
        groupings,
    )
