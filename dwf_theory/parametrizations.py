"""Factorizations beyond the paper's, and the penalty a factor penalty induces on the weights.

A *parametrization* writes the weights ``w`` as a map of other parameters ``ω``,
``w = P(ω)``; a penalty ``R(ω)`` on the parameters then induces the penalty

    ``R*(w) = inf { R(ω) : P(ω) = w }``

on the weights (the infimum over the *fibre* of ``w``). For the paper's depth-``D``
Hadamard product ``w = ω_1 ⊙ … ⊙ ω_D`` with ``R = (1/D) Σ_d ‖ω_d‖²`` this is
``Σ_j |w_j|^{2/D}`` (Kolb et al., Deep Weight Factorization: Sparse Learning Through
the Lens of Artificial Symmetries, ICLR 2025; per coordinate AM–GM).
:func:`induced_penalty` computes ``R*(w)`` numerically for any parametrization and
penalty, :func:`compare_penalty` tests a closed-form conjecture for it on random ``w``.

Built-in parametrizations and their induced penalties (constants exact; ``Σ_j`` over the
entries of ``w``, ``Σ_g`` over groups):

* :func:`hadamard` — ``w = ω_1 ⊙ … ⊙ ω_D``, ``ω`` of shape ``(D, *w.shape)``. With
  ``R = PowerPenalty(p, c) = Σ_d c_d ‖ω_d‖_p^p`` the AM–GM inequality for the ``D`` numbers
  ``c_d |ω_d|^p``, ``Σ_d c_d |ω_d|^p ≥ D (Π_d c_d |ω_d|^p)^{1/D}``, gives
  ``R*(w) = D (Π_d c_d)^{1/D} Σ_j |w_j|^{p/D}``, attained where all ``c_d |ω_d|^p`` are
  equal. Special cases: ``Σ_d ‖ω_d‖²`` (``c_d = 1``) → ``D Σ_j |w_j|^{2/D}``; the
  project's ``(1/D) Σ_d ‖ω_d‖²`` (``c_d = 1/D``) → ``Σ_j |w_j|^{2/D}``, so that
  ``(λ/D) Σ_d ‖ω_d‖²`` on the factors is ``λ Σ_j |w_j|^{2/D}`` on the weights;
  ``Σ_d ‖ω_d‖_p^p`` → ``D Σ_j |w_j|^{p/D}``.
* :func:`group_factorization` — ``W_g = (Π_{d<D} s_{g,d}) v_g``: ``D − 1`` scalar gates
  times one vector per group (row ``g`` of ``W``). With ``R = Σ_{g,d} s_{g,d}² + Σ_g ‖v_g‖²``
  (``PowerPenalty()``), ``R*(W) = D Σ_g ‖W_g‖_2^{2/D}`` (derived here: for fixed gates the
  vector is ``W_g / Π_d s_{g,d}``, and AM–GM over the ``D`` numbers ``s_{g,1}², …,
  s_{g,D−1}², ‖W_g‖² / Π_d s_{g,d}²``, whose product is ``‖W_g‖²``). With the project's
  ``1/D`` it is ``Σ_g ‖W_g‖_2^{2/D}``: the group lasso ``Σ_g ‖W_g‖_2`` at ``D = 2``
  (Yuan & Lin 2006). Its proximal operator is :func:`group_prox`.
* :func:`powerprop` — Powerpropagation (Schwarz et al., Powerpropagation: A sparsity
  inducing weight reparameterisation, NeurIPS 2021): ``w = θ|θ|^{α−1}`` with ``R = θ²``:
  the fibre is the single point ``θ = sign(w)|w|^{1/α}``, so ``R*(w) = |w|^{2/α}`` — the
  penalty of depth-``α`` DWF in the project's normalization.

How :func:`induced_penalty` computes the infimum
-------------------------------------------------
By sequential least-squares programming (SciPy's ``SLSQP``) on the equality-constrained
problem ``min R(ω)`` s.t. ``P(ω) = w``, from several random starts, each end point pulled
back onto the fibre by Gauss–Newton steps ``ω ← ω − J⁺(P(ω) − w)``. Why this method and
not a reparametrization of the fibre: a chart of the fibre must be derived anew for every
parametrization (and fails where it is singular, e.g. where a factor is zero), while the
constrained solver needs only the map ``P`` itself, so a user's own parametrization works
unchanged. SLSQP rather than ``trust-constr``: both reach the built-ins' closed forms to
about machine precision (measured: relative error 1e-14 or less), SLSQP about four times
faster on these small dense problems. Why several starts: fibres of product maps have several components (the
sign patterns of the factors) and a user's penalty may be non-convex on them; the result
reports how many starts reached the best value. Gradients are the analytic ones where the
parametrization or penalty provides them (all built-ins do), central differences otherwise.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from . import _validate as v
from ._threads import single_threaded_blas
from .prox import prox

__all__ = [
    "InducedPenalty",
    "Parametrization",
    "PenaltyComparison",
    "PowerPenalty",
    "compare_penalty",
    "group_factorization",
    "group_prox",
    "hadamard",
    "induced_penalty",
    "powerprop",
]

#: Largest number of parameters ``ω`` that :func:`induced_penalty` accepts (SLSQP works with dense
#: matrices of that size squared).
MAX_PARAMETERS = 2000
#: Largest number of starts of :func:`induced_penalty` and samples of :func:`compare_penalty`.
MAX_STARTS = 10_000
#: A start whose value is within this relative distance of the best counts as reaching the best.
AGREE_RTOL = 1e-8
#: A fibre point: ``‖P(ω) − w‖_∞ <= FIBRE_RTOL · ‖w‖_∞`` (absolute when ``w = 0``).
FIBRE_RTOL = 1e-10
#: A stationary point on the fibre: the penalty's gradient along the fibre at most this fraction of its size
#: (measured at SLSQP's converged end points on the built-ins: at most 2.5e-7).
STATIONARY_RTOL = 1e-5


# --------------------------------------------------------------------------- #
# Parametrizations
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Parametrization:
    """A map ``w = P(ω)`` from parameters ``ω`` to weights ``w``.

    Parameters
    ----------
    name : str
        Shown in reports.
    forward : callable
        ``forward(omega) -> w``, NumPy arrays in and out.
    factor_shape : callable
        ``factor_shape(w_shape) -> omega_shape``: the shape of ``ω`` for weights of
        shape ``w_shape`` (both tuples).
    jacobian : callable, optional
        ``jacobian(omega) -> J`` of shape ``(w.size, omega.size)``, ``J = ∂w/∂ω`` (C order
        for both). Central differences are used when it is ``None``.

    Calling the parametrization, ``P(omega)``, checks ``omega`` (finite) and the result.

    Examples
    --------
    A user's own: ``w = a·b³`` with ``ω`` of shape ``(2, *w.shape)``.

    >>> cube = Parametrization("a b^3", lambda om: om[0] * om[1] ** 3, lambda s: (2, *s))
    >>> cube(np.array([[2.0, 1.0], [3.0, -1.0]]))
    array([54., -1.])
    """

    name: str
    forward: Callable
    factor_shape: Callable
    jacobian: Callable | None = None

    def __post_init__(self):
        if not isinstance(self.name, str):
            raise TypeError(f"name must be a string, got {type(self.name).__name__}")
        for attr in ("forward", "factor_shape"):
            if not callable(getattr(self, attr)):
                raise TypeError(f"{attr} must be callable, got {type(getattr(self, attr)).__name__}")
        if self.jacobian is not None and not callable(self.jacobian):
            raise TypeError(f"jacobian must be callable or None, got {type(self.jacobian).__name__}")

    def shape_for(self, w_shape) -> tuple:
        """``factor_shape(w_shape)``, checked to be a shape (``ValueError`` naming ``factor_shape`` otherwise)."""
        try:
            shape = tuple(int(n) for n in self.factor_shape(tuple(w_shape)))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"factor_shape of {self.name!r} must return a tuple of whole numbers: {exc}") from exc
        if not all(n >= 0 for n in shape):
            raise ValueError(f"factor_shape of {self.name!r} must return a shape, got {shape}")
        return shape

    def __call__(self, omega) -> np.ndarray:
        omega = v.finite_array(omega, "omega")
        with np.errstate(over="ignore", invalid="ignore"):
            w = np.asarray(self.forward(omega), dtype=float)
        return v.finite_result(w, "omega", f"the map {self.name!r}")


def _loo_products(x: np.ndarray) -> np.ndarray:
    """``Π_{k≠d} x_k`` along axis 0 from prefix and suffix products (exact where an entry is zero)."""
    ones = np.ones((1, *x.shape[1:]))
    prefix = np.cumprod(np.concatenate([ones, x[:-1]]), axis=0)
    suffix = np.cumprod(np.concatenate([ones, x[:0:-1]]), axis=0)[::-1]
    return prefix * suffix


def hadamard(D) -> Parametrization:
    """The paper's depth-``D`` factorization ``w = ω_1 ⊙ … ⊙ ω_D``, ``ω`` of shape ``(D, *w.shape)``.

    With :class:`PowerPenalty` ``(p, c)`` the induced penalty is
    ``D (Π_d c_d)^{1/D} Σ_j |w_j|^{p/D}`` (AM–GM; module docstring), e.g.
    ``Σ_j |w_j|^{2/D}`` for the project's ``(1/D) Σ_d ‖ω_d‖²`` (Kolb et al., ICLR 2025).

    Parameters
    ----------
    D : int >= 1
    """
    D = v.depth(D)

    def forward(om):
        return np.prod(om, axis=0)

    def jacobian(om):
        # ∂w_j/∂ω_{d,j} = Π_{k≠d} ω_{k,j}; zero across coordinates.
        flat = om.reshape(D, -1)
        n = flat.shape[1]
        J = np.zeros((n, D, n))
        J[np.arange(n), :, np.arange(n)] = _loo_products(flat).T
        return J.reshape(n, D * n)

    return Parametrization(f"hadamard(D={D})", forward, lambda shape: (D, *shape), jacobian)


def group_factorization(D) -> Parametrization:
    """Groups as gated vectors: ``W_g = (Π_{d<D} s_{g,d}) · v_g`` for each row ``W_g`` of ``W``.

    ``W`` has shape ``(G, k)`` (``G`` groups of ``k`` weights); ``ω`` has shape
    ``(G, D − 1 + k)``, row ``g`` holding the ``D − 1`` gates ``s_{g,·}`` followed by
    ``v_g``. With :class:`PowerPenalty` ``()`` (all squares) the induced penalty is
    ``D Σ_g ‖W_g‖_2^{2/D}``; with ``PowerPenalty(c=1/D)`` it is ``Σ_g ‖W_g‖_2^{2/D}``, the
    group lasso at ``D = 2`` (module docstring; derived here). ``D = 1`` is ``W = v``.

    Parameters
    ----------
    D : int >= 1
    """
    D = v.depth(D)
    gates = D - 1

    def factor_shape(shape):
        if len(shape) != 2:
            raise ValueError(f"group_factorization needs W of shape (groups, k), got shape {shape}")
        return (shape[0], gates + shape[1])

    def forward(om):
        return np.prod(om[:, :gates], axis=1, keepdims=True) * om[:, gates:]

    def jacobian(om):
        G, k = om.shape[0], om.shape[1] - gates
        s, vec = om[:, :gates], om[:, gates:]
        J = np.zeros((G, k, G, gates + k))
        rows = np.arange(G)
        if gates:
            # ∂W_{g,i}/∂s_{g,d} = Π_{e≠d} s_{g,e} · v_{g,i}
            J[rows, :, rows, :gates] = _loo_products(s.T).T[:, None, :] * vec[:, :, None]
        J[rows[:, None], np.arange(k)[None, :], rows[:, None], gates + np.arange(k)[None, :]] = np.prod(
            s, axis=1, keepdims=True
        )
        return J.reshape(G * k, G * (gates + k))

    return Parametrization(f"group_factorization(D={D})", forward, factor_shape, jacobian)


def powerprop(alpha) -> Parametrization:
    """Powerpropagation ``w = θ|θ|^{α−1}`` (Schwarz et al., NeurIPS 2021), ``θ`` of the shape of ``w``.

    The map is a bijection, so with :class:`PowerPenalty` ``()`` (``θ²``) the induced penalty
    is ``|w|^{2/α}`` summed over the entries: depth-``α`` DWF's penalty. Its gradient flow on
    ``L(w) + λΣθ²`` moves ``w`` as ``dw/dt = −α²|w|^{2−2/α} ∇G(w)`` with
    ``G = L + λΣ_j|w_j|^{2/α}`` — derived here: ``dw/dt = α|θ|^{α−1} dθ/dt`` and
    ``dθ/dt = −α|θ|^{α−1} ∇L − 2λθ`` give ``−α²|θ|^{2α−2}∇L − 2λαw``, and
    ``|θ|^{2α−2} = |w|^{2−2/α}``, ``α²|w|^{2−2/α}·(2λ/α)|w|^{2/α−1}sign(w) = 2λαw``. DWF's
    balanced flow is ``−D|w|^{2−2/D}∇G``: for ``α = D`` the same path, run ``D`` times
    faster by Powerpropagation (claim C76).

    Parameters
    ----------
    alpha : float >= 1
    """
    alpha = v.real_scalar(alpha, "alpha", minimum=1.0)
    if alpha > 64:
        raise ValueError(f"alpha must be in [1, 64], got {alpha!r}")

    def forward(theta):
        return theta * np.abs(theta) ** (alpha - 1.0)

    def jacobian(theta):
        return np.diag((alpha * np.abs(theta) ** (alpha - 1.0)).ravel())

    return Parametrization(f"powerprop(alpha={alpha:g})", forward, lambda shape: tuple(shape), jacobian)


# --------------------------------------------------------------------------- #
# Penalties
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class PowerPenalty:
    """``R(ω) = Σ_d c_d Σ |ω_d|^p``: the sum of ``p``-th powers, slice ``ω_d = ω[d]`` weighted by ``c_d``.

    Parameters
    ----------
    p : float > 0
        ``p = 2`` is weight decay. For ``p <= 1`` the penalty is not differentiable at zero
        (its ``grad`` returns 0 there).
    c : float > 0 or sequence of floats > 0, optional
        One weight for all slices, or one per slice along axis 0 of ``ω`` (for
        :func:`hadamard`: one per factor). Default 1.

    Examples
    --------
    >>> PowerPenalty()(np.array([[1.0, 2.0], [3.0, 0.0]]))   # Σ ω² = 14
    14.0
    >>> PowerPenalty(c=1 / 3)  # the project's (1/D)Σ_d‖ω_d‖² for D = 3
    PowerPenalty(p=2.0, c=0.3333333333333333)
    """

    p: float = 2.0
    c: float | tuple = 1.0

    def __post_init__(self):
        object.__setattr__(self, "p", v.positive(self.p, "p"))
        if self.p > 64:
            raise ValueError(f"p must be in (0, 64], got {self.p!r}")
        if isinstance(self.c, numbers.Real) and not isinstance(self.c, (bool, np.bool_)):
            object.__setattr__(self, "c", v.positive(self.c, "c"))
            return
        c = v.finite_array(self.c, "c", ndim=1)
        if c.size == 0 or not np.all(c > 0):
            raise ValueError(f"c must be a positive number or a non-empty sequence of positive numbers, got {c}")
        object.__setattr__(self, "c", tuple(float(x) for x in c))

    def _weights(self, omega: np.ndarray) -> np.ndarray:
        if isinstance(self.c, float):
            return np.full(omega.shape, self.c)
        if omega.ndim < 1 or omega.shape[0] != len(self.c):
            raise ValueError(
                f"c must hold one weight per slice of omega along axis 0: got {len(self.c)} weights for omega "
                f"of shape {omega.shape}"
            )
        return np.broadcast_to(np.reshape(self.c, (-1,) + (1,) * (omega.ndim - 1)), omega.shape)

    def __call__(self, omega) -> float:
        omega = v.finite_array(omega, "omega")
        return v.finite_result(self._value(omega), "omega", "the penalty")

    def grad(self, omega) -> np.ndarray:
        """``∂R/∂ω = c_d p |ω|^{p−1} sign(ω)`` (0 where ``ω = 0``)."""
        omega = v.finite_array(omega, "omega")
        return v.finite_result(self._grad(omega), "omega", "the penalty's gradient")

    def _value(self, omega: np.ndarray) -> float:
        """Unchecked ``R(ω)`` for a float array (the solver's inner loop)."""
        with np.errstate(over="ignore"):
            return float(np.sum(self._weights(omega) * np.abs(omega) ** self.p))

    def _grad(self, omega: np.ndarray) -> np.ndarray:
        """Unchecked gradient for a float array."""
        a = np.abs(omega)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            return np.where(a > 0, self._weights(omega) * self.p * a ** (self.p - 1.0) * np.sign(omega), 0.0)


# --------------------------------------------------------------------------- #
# The induced penalty
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class InducedPenalty:
    """Result of :func:`induced_penalty`.

    Attributes
    ----------
    w : ndarray
        The weights.
    value : float
        ``R(omega)``, the numerical infimum of the penalty over the fibre of ``w``: an upper
        bound attained by ``omega`` whenever ``omega`` lies on the fibre (``violation`` small).
    omega : ndarray
        The best parameters found, of shape ``factor_shape(w.shape)``.
    converged : bool
        The best start's end point lies on the fibre (``violation <= 1e-10``) and SLSQP reported
        success or the point passes an independent first-order test (the penalty's gradient along
        the fibre below 1e-5 of its size).
    violation : float
        ``‖P(omega) − w‖_∞ / ‖w‖_∞`` (absolute when ``w = 0``).
    starts : int
        Starts run.
    n_converged : int
        Starts that converged in the sense of ``converged``.
    n_best : int
        Starts among those that reached ``value`` to within a relative ``1e-8``; a single
        one is a warning that the fibre has local minima and more starts may help.
    values : ndarray
        ``R`` at the end points of the converged starts, ascending.
    """

    w: np.ndarray
    value: float
    omega: np.ndarray
    converged: bool
    violation: float
    starts: int
    n_converged: int
    n_best: int
    values: np.ndarray = field(repr=False)


def _check_parametrization(parametrization) -> Parametrization:
    if not isinstance(parametrization, Parametrization):
        raise TypeError(
            "parametrization must be a dwf_theory.parametrizations.Parametrization (e.g. hadamard(3), or "
            f"Parametrization(name, forward, factor_shape) for your own), got {type(parametrization).__name__}"
        )
    return parametrization


def _check_penalty(penalty) -> Callable:
    if not callable(penalty):
        raise TypeError(f"penalty must be callable omega -> float, got {type(penalty).__name__}")
    return penalty


def _scalar(value, name: str) -> float:
    """A finite real number returned by a user's callable ``name`` (``ValueError``/``TypeError`` naming it)."""
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must return one real number, got {type(value).__name__} {arr.shape}")
    out = float(arr.reshape(()))
    if not math.isfinite(out):
        raise ValueError(f"{name} returned {out!r}: it must return a finite number")
    return out


class _Problem:
    """The constrained problem ``min R(ω)`` s.t. ``P(ω) = w`` in flat coordinates, checked and scaled."""

    def __init__(self, w: np.ndarray, par: Parametrization, penalty: Callable):
        self.w, self.par, self.penalty = w, par, penalty
        self.shape = par.shape_for(w.shape)
        self.n = int(np.prod(self.shape))
        if self.n == 0:
            raise ValueError(f"w of shape {w.shape} has no parameters under {par.name!r}: it must not be empty")
        if self.n > MAX_PARAMETERS:
            raise ValueError(
                f"parametrization {par.name!r} gives {self.n} parameters for w of shape {w.shape}; "
                f"induced_penalty solves dense problems of at most {MAX_PARAMETERS}: use a smaller w"
            )
        self.target = w.ravel()
        self.wscale = float(np.max(np.abs(self.target))) if w.size else 0.0
        self.grad_fn = getattr(penalty, "grad", None)
        if isinstance(penalty, PowerPenalty):  # the built-in: skip the per-call input checks
            self.penalty, self.grad_fn = penalty._value, penalty._grad

    def forward(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = np.asarray(self.par.forward(x.reshape(self.shape)), dtype=float)
        if out.shape != self.w.shape:
            raise ValueError(
                f"parametrization {self.par.name!r} must map omega of shape {self.shape} to w's shape "
                f"{self.w.shape}, got shape {out.shape}"
            )
        return out.ravel()

    def value(self, x: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            out = self.penalty(x.reshape(self.shape))
        arr = np.asarray(out)
        if arr.size != 1 or arr.dtype.kind not in "biuf":
            raise TypeError(f"penalty must return one real number, got {type(out).__name__} of shape {arr.shape}")
        return float(arr.reshape(()))

    def gradient(self, x: np.ndarray) -> np.ndarray:
        if self.grad_fn is not None:
            with np.errstate(all="ignore"):
                return np.asarray(self.grad_fn(x.reshape(self.shape)), dtype=float).ravel()
        return _central(lambda y: np.array([self.value(y)]), x)[0]

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        if self.par.jacobian is not None:
            with np.errstate(all="ignore"):
                J = np.asarray(self.par.jacobian(x.reshape(self.shape)), dtype=float)
            if J.shape != (self.target.size, self.n):
                raise ValueError(
                    f"jacobian of {self.par.name!r} must have shape (w.size, omega.size) = "
                    f"{(self.target.size, self.n)}, got {J.shape}"
                )
            return J
        return _central(self.forward, x)

    def violation(self, x: np.ndarray) -> float:
        r = float(np.max(np.abs(self.forward(x) - self.target))) if self.target.size else 0.0
        r = r if r == r else math.inf  # NaN (an overflowed map) counts as infinitely far
        return r / self.wscale if self.wscale > 0 else r


def _central(f: Callable, x: np.ndarray) -> np.ndarray:
    """Jacobian of ``f`` at ``x`` by central differences, step ``6e-6·max(|x_i|, rms(x))`` (error ~ step²)."""
    scale = max(float(np.sqrt(np.mean(x * x))), 1e-300)
    h = 6e-6 * np.maximum(np.abs(x), scale)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h[i]
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2.0 * h[i]))
    return np.stack(cols, axis=-1)


def _start(problem: _Problem, rng: np.random.Generator) -> np.ndarray:
    """A random ``ω = s·g``, ``g ~ N(0, I)``, with ``s`` (from a log grid) giving ``P(ω)`` the rms of ``w``."""
    g = rng.standard_normal(problem.n)
    target = _rms(problem.target)
    target = target if 0 < target < math.inf else 1.0
    best, best_s = math.inf, 1.0
    for s in 10.0 ** np.linspace(-12, 12, 97):
        with np.errstate(all="ignore"):
            try:
                image = problem.forward(s * g)
            except Exception:  # a user's map may raise outside its domain: skip that scale
                continue
            rms = _rms(image)
        if 0 < rms < math.inf and abs(math.log(rms) - math.log(target)) < best:
            best, best_s = abs(math.log(rms) - math.log(target)), s
    return best_s * math.exp(0.3 * rng.standard_normal()) * g


def _rms(x: np.ndarray) -> float:
    """Root mean square of ``x`` formed without overflowing the squares (``inf`` if ``x`` is not finite)."""
    if x.size == 0:
        return 0.0
    m = float(np.max(np.abs(x)))
    if not math.isfinite(m):
        return math.inf
    return m * float(np.sqrt(np.mean((x / m) ** 2))) if m > 0 else 0.0


def _pull_back(problem: _Problem, x: np.ndarray, steps: int = 8) -> np.ndarray:
    """Gauss–Newton steps ``x ← x − J⁺(P(x) − w)`` onto the fibre; the point of least violation."""
    best, best_v = x, problem.violation(x)
    for _ in range(steps):
        if best_v == 0.0 or not np.all(np.isfinite(x)):
            break
        r = problem.forward(x) - problem.target
        J = problem.jacobian(x)
        if not (np.all(np.isfinite(J)) and np.all(np.isfinite(r))):
            break
        x = x - np.linalg.lstsq(J, r, rcond=None)[0]
        if not np.all(np.isfinite(x)):
            break
        viol = problem.violation(x)
        if viol < best_v:
            best, best_v = x, viol
        else:
            break
    return best


def _solve(problem: _Problem, x0: np.ndarray, tol: float, max_iter: int) -> tuple[np.ndarray, bool]:
    """One SLSQP run from ``x0`` pulled onto the fibre (objective scaled by ``R(x0)``, constraint by
    ``‖w‖_∞``); its end point pulled back onto the fibre."""
    from scipy.optimize import minimize

    x0 = _pull_back(problem, x0)  # a feasible start: measured 25 % fewer iterations
    # Unknowns y = ω/σ with σ = rms(ω₀), penalty over its start value, constraint over ‖w‖_∞: every
    # quantity of order one, which SLSQP's identity start of the Hessian estimate needs (measured: without
    # σ, w of size 1e-2 took 10–20 times more iterations).
    sigma = float(np.sqrt(np.mean(x0 * x0)))
    sigma = sigma if sigma > 0 and math.isfinite(sigma) else 1.0
    fscale = abs(problem.value(x0))
    fscale = fscale if fscale > 0 and math.isfinite(fscale) else 1.0
    cscale = problem.wscale if problem.wscale > 0 else 1.0
    with np.errstate(all="ignore"):
        res = minimize(
            lambda y: problem.value(sigma * y) / fscale,
            x0 / sigma,
            jac=lambda y: problem.gradient(sigma * y) * (sigma / fscale),
            method="SLSQP",
            constraints=[
                {
                    "type": "eq",
                    "fun": lambda y: (problem.forward(sigma * y) - problem.target) / cscale,
                    "jac": lambda y: problem.jacobian(sigma * y) * (sigma / cscale),
                }
            ],
            options={"ftol": tol, "maxiter": max_iter},
        )
    x = sigma * res.x if np.all(np.isfinite(res.x)) else x0
    x = _pull_back(problem, x)
    return x, bool(res.success) or _stationary(problem, x, x0)


def _stationary(problem: _Problem, x: np.ndarray, x0: np.ndarray) -> bool:
    """First-order optimality on the fibre, checked independently of the solver's report.

    The part of ``∇R(x)`` outside the row space of ``J(x) = ∂P/∂ω`` (the gradient along the fibre)
    must be at most ``STATIONARY_RTOL`` times the larger of ``‖∇R(x)‖`` and ``‖∇R(x0)‖`` (the start's
    gradient sets the scale where the minimum has a zero gradient, e.g. all factors zero at ``w = 0``,
    a degenerate point at which SLSQP's line search reports failure although it has arrived).
    """
    g = problem.gradient(x)
    J = problem.jacobian(x)
    if not (np.all(np.isfinite(g)) and np.all(np.isfinite(J))):
        return False
    along = g - J.T @ np.linalg.lstsq(J.T, g, rcond=None)[0]
    scale = max(float(np.linalg.norm(g)), float(np.linalg.norm(problem.gradient(x0))))
    return bool(np.linalg.norm(along) <= STATIONARY_RTOL * scale)


@single_threaded_blas
def induced_penalty(w, parametrization, penalty, *, starts=8, rng=None, tol=1e-14, max_iter=500) -> InducedPenalty:
    """Numerical infimum of ``penalty(ω)`` over the fibre ``{ω : parametrization(ω) = w}``.

    ``R*(w) = inf {R(ω) : P(ω) = w}``, the penalty on the weights induced by the factor
    penalty ``R`` (for the paper's Hadamard product and ``R = (1/D)Σ_d‖ω_d‖²``:
    ``Σ_j |w_j|^{2/D}``, Kolb et al., ICLR 2025). Solved by SciPy's SLSQP from ``starts``
    random starts, each end point pulled back onto the fibre by Gauss–Newton steps; the
    best fibre point wins (the module docstring says why this method).

    Parameters
    ----------
    w : array_like
        The weights (finite), of a shape the parametrization accepts.
    parametrization : Parametrization
        The map ``ω ↦ w``: a built-in (:func:`hadamard`, :func:`group_factorization`,
        :func:`powerprop`) or your own.
    penalty : callable
        ``penalty(omega) -> float``, e.g. :class:`PowerPenalty`. If it has a ``grad``
        method (``grad(omega) -> array`` of omega's shape), that gradient is used;
        otherwise central differences.
    starts : int >= 1
        Random starts (default 8).
    rng : numpy.random.Generator, int seed or None
        Draws the starts.
    tol : float > 0
        SLSQP's stopping tolerance on the penalty relative to its value at the start.
    max_iter : int >= 1
        SLSQP iterations per start.

    Returns
    -------
    InducedPenalty
        ``value``, ``omega``, ``converged`` and the count of starts that reached the best.

    Examples
    --------
    >>> from dwf_theory.parametrizations import PowerPenalty, hadamard, induced_penalty
    >>> r = induced_penalty([0.5, -2.0], hadamard(3), PowerPenalty(c=1 / 3), rng=0)
    >>> round(r.value, 10) == round(0.5 ** (2 / 3) + 2.0 ** (2 / 3), 10)
    True
    """
    w = v.finite_array(w, "w")
    par = _check_parametrization(parametrization)
    penalty = _check_penalty(penalty)
    starts = v.whole_number(starts, "starts", 1, MAX_STARTS)
    gen = v.generator(rng)
    tol = v.positive(tol, "tol")
    max_iter = v.whole_number(max_iter, "max_iter", 1, 10**6)
    problem = _Problem(w, par, penalty)
    problem.forward(np.zeros(problem.n))  # the shape check, before any solve
    _scalar(problem.value(np.ones(problem.n)), "penalty")
    ends = []
    for _ in range(starts):
        x, ok = _solve(problem, _start(problem, gen), tol, max_iter)
        viol = problem.violation(x)
        value = problem.value(x)
        ends.append((x, value, viol, ok and viol <= FIBRE_RTOL and math.isfinite(value)))
    good = [e for e in ends if e[3]]
    pool = good or [e for e in ends if math.isfinite(e[1])] or ends
    # Among fibre points the least penalty; without any, the least violation.
    x, value, viol, ok = min(pool, key=(lambda e: e[1]) if good else (lambda e: (e[2], e[1])))
    if not (math.isfinite(value) and math.isfinite(viol)):
        raise ValueError(f"the penalty or the map {par.name!r} overflows float64 near the fibre of w: use smaller w")
    values = np.sort(np.array([e[1] for e in good], dtype=float))
    n_best = int(np.sum(values <= value + AGREE_RTOL * abs(value))) if good else 0
    return InducedPenalty(
        w=w,
        value=float(value),
        omega=x.reshape(problem.shape),
        converged=bool(ok),
        violation=float(viol),
        starts=starts,
        n_converged=len(good),
        n_best=n_best,
        values=values,
    )


# --------------------------------------------------------------------------- #
# Checking a conjecture
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class PenaltyComparison:
    """Result of :func:`compare_penalty`.

    Attributes
    ----------
    ws : ndarray, shape (samples, *shape)
        The weights tried.
    induced : ndarray, shape (samples,)
        :func:`induced_penalty` at each.
    conjectured : ndarray, shape (samples,)
        The conjecture at each.
    gaps : ndarray, shape (samples,)
        ``(conjectured − induced) / |induced|`` (absolute where ``induced = 0``). A positive gap
        beyond the solver's accuracy disproves the conjecture outright: the fibre point
        ``omegas[i]`` has a smaller penalty. A negative gap means the conjecture is below
        every fibre point the solver found (a wrong conjecture, or a missed minimum:
        ``converged`` and more starts tell).
    max_gap : float
        ``max |gaps|``.
    worst : int
        Index of the largest ``|gap|``.
    worst_w : ndarray
        ``ws[worst]``, the counterexample when ``max_gap`` is large.
    omegas : ndarray, shape (samples, *omega_shape)
        The minimizing parameters found for each ``w``.
    converged : ndarray of bool, shape (samples,)
        :attr:`InducedPenalty.converged` for each ``w``.
    """

    ws: np.ndarray
    induced: np.ndarray
    conjectured: np.ndarray
    gaps: np.ndarray
    max_gap: float
    worst: int
    worst_w: np.ndarray
    omegas: np.ndarray = field(repr=False)
    converged: np.ndarray = field(repr=False)

    @property
    def all_converged(self) -> bool:
        """Every solve converged."""
        return bool(np.all(self.converged))


def _magnitudes(magnitudes) -> tuple[float, float]:
    if not isinstance(magnitudes, (tuple, list)) or len(magnitudes) != 2:
        raise TypeError(f"magnitudes must be a pair (low, high), got {type(magnitudes).__name__}")
    lo = v.positive(magnitudes[0], "magnitudes")
    hi = v.positive(magnitudes[1], "magnitudes")
    if not lo <= hi or hi > 1e100 or lo < 1e-100:
        raise ValueError(f"magnitudes must satisfy 1e-100 <= low <= high <= 1e100, got {magnitudes!r}")
    return lo, hi


def _shape(shape) -> tuple:
    if isinstance(shape, numbers.Integral) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise TypeError(f"shape must be a tuple of whole numbers, got {type(shape).__name__}")
    out = tuple(v.whole_number(n, "shape", 1, MAX_PARAMETERS) for n in shape)
    v.allocation(int(np.prod(out)), "shape")
    return out


def compare_penalty(
    conjecture,
    parametrization,
    penalty,
    *,
    ws=None,
    shape=(3,),
    samples=20,
    magnitudes=(1e-2, 1e2),
    starts=8,
    rng=None,
    tol=1e-14,
    max_iter=500,
) -> PenaltyComparison:
    """Test a closed-form conjecture for the induced penalty against :func:`induced_penalty`.

    Evaluates ``conjecture(w)`` and the numerical infimum of ``penalty`` over the fibre of
    ``w`` on random weights (or on ``ws``) and returns the largest relative gap with the
    worst ``w``: a counterexample when the conjecture is wrong. The accuracy of the numerical
    infimum on the built-ins is about 1e-12 relative (claims C70–C75), so a gap far above
    that is a real disagreement.

    Parameters
    ----------
    conjecture : callable
        ``conjecture(w) -> float``, the conjectured induced penalty.
    parametrization : Parametrization
    penalty : callable
        As in :func:`induced_penalty`.
    ws : array_like, shape (samples, *shape), optional
        The weights to try; default ``samples`` random ``w`` of shape ``shape`` with random
        signs and magnitudes log-uniform in ``magnitudes`` (no zeros).
    shape : tuple of int
        Shape of each random ``w`` (ignored when ``ws`` is given).
    samples : int >= 1
        Number of random ``w``.
    magnitudes : (low, high)
        Range of the random magnitudes.
    starts, rng, tol, max_iter
        As in :func:`induced_penalty` (``rng`` also draws the random ``w``).

    Returns
    -------
    PenaltyComparison

    Examples
    --------
    The penalty ``Σ_d ‖ω_d‖²`` (no ``1/D``) induces ``D Σ_j|w_j|^{2/D}``, not ``Σ_j|w_j|^{2/D}``:

    >>> from dwf_theory.parametrizations import PowerPenalty, compare_penalty, hadamard
    >>> right = compare_penalty(lambda w: 3 * np.sum(np.abs(w) ** (2 / 3)), hadamard(3), PowerPenalty(), rng=0)
    >>> wrong = compare_penalty(lambda w: np.sum(np.abs(w) ** (2 / 3)), hadamard(3), PowerPenalty(), rng=0)
    >>> bool(right.max_gap < 1e-9), round(wrong.max_gap, 6)
    (True, 0.666667)
    """
    if not callable(conjecture):
        raise TypeError(f"conjecture must be callable w -> float, got {type(conjecture).__name__}")
    par = _check_parametrization(parametrization)
    penalty = _check_penalty(penalty)
    gen = v.generator(rng)
    starts = v.whole_number(starts, "starts", 1, MAX_STARTS)
    if ws is None:
        shape = _shape(shape)
        samples = v.whole_number(samples, "samples", 1, MAX_STARTS)
        lo, hi = _magnitudes(magnitudes)
        size = (samples, *shape)
        v.allocation(int(np.prod(size)), "samples and shape")
        ws = gen.choice([-1.0, 1.0], size) * np.exp(gen.uniform(math.log(lo), math.log(hi), size))
    else:
        ws = v.finite_array(ws, "ws", min_ndim=1)
        if ws.shape[0] < 1:
            raise ValueError(f"ws must hold at least one w (shape (samples, *shape)), got shape {ws.shape}")
    induced, conjectured, omegas, converged = [], [], [], []
    for w in ws:
        r = induced_penalty(w, par, penalty, starts=starts, rng=gen, tol=tol, max_iter=max_iter)
        induced.append(r.value)
        omegas.append(r.omega)
        converged.append(r.converged)
        conjectured.append(_scalar(conjecture(w.copy()), "conjecture"))
    induced, conjectured = np.array(induced), np.array(conjectured)
    denominator = np.where(induced != 0, np.abs(induced), 1.0)
    gaps = (conjectured - induced) / denominator
    worst = int(np.argmax(np.abs(gaps)))
    return PenaltyComparison(
        ws=ws,
        induced=induced,
        conjectured=conjectured,
        gaps=gaps,
        max_gap=float(np.abs(gaps[worst])),
        worst=worst,
        worst_w=ws[worst].copy(),
        omegas=np.stack(omegas),
        converged=np.array(converged, dtype=bool),
    )


# --------------------------------------------------------------------------- #
# The block prox of the group penalty
# --------------------------------------------------------------------------- #


def group_prox(z, lam, D, *, axis=-1) -> np.ndarray:
    """Proximal operator of the group penalty ``λ Σ_g ‖x_g‖_2^{2/D}``: the scalar prox on each group's norm.

    ``argmin_x ½‖x − z‖² + λ Σ_g ‖x_g‖^{2/D} = prox(‖z_g‖, λ, D) · z_g / ‖z_g‖`` per group
    (0 where ``z_g = 0``), with :func:`dwf_theory.prox.prox` the scalar thresholding operator.
    Derived here: writing ``x_g = r u`` with ``‖u‖ = 1``, ``r >= 0``, the objective is
    ``½(r² − 2r⟨u, z_g⟩ + ‖z_g‖²) + λr^{2/D}``, minimized over ``u`` by ``u = z_g/‖z_g‖``,
    leaving the scalar problem ``½(r − ‖z_g‖)² + λr^{2/D}``. ``D = 2`` is block soft
    thresholding ``(1 − λ/‖z_g‖)_+ z_g``, the prox of the group lasso (Yuan & Lin 2006);
    ``D ≥ 3`` switches whole groups off below the threshold ``τ`` of :func:`dwf_theory.prox.threshold`.

    Parameters
    ----------
    z : array_like, at least 1-D
        Groups run along ``axis``: ``z[..., :]`` is one group for ``axis=-1``.
    lam : float >= 0
    D : int >= 1, or ``math.inf`` (group hard thresholding)
    axis : int
        The axis along which each group lies.

    Returns
    -------
    ndarray, shape of ``z``
    """
    z = v.finite_array(z, "z", min_ndim=1)
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an int, got {type(axis).__name__}")
    if not -z.ndim <= axis < z.ndim:
        raise ValueError(f"axis must be in [{-z.ndim}, {z.ndim - 1}] for z of shape {z.shape}, got {axis}")
    lam = v.regularization(lam)
    D = v.depth_or_inf(D)
    if z.size == 0:
        return z.copy()
    # ‖z_g‖ as m·‖z_g/m‖ with m = max|z_g|: no overflow of the squares for large entries.
    m = np.max(np.abs(z), axis=axis, keepdims=True)
    safe = np.where(m > 0, m, 1.0)
    norm = m * np.sqrt(np.sum((z / safe) ** 2, axis=axis, keepdims=True))
    v.finite_result(norm, "z", "a group's norm")
    radius = prox(norm, lam, D)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(norm > 0, z * (radius / np.where(norm > 0, norm, 1.0)), 0.0)
    return out
