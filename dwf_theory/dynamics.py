"""Gradient flow and gradient descent on the factorized and collapsed objectives.

``F(ω) = L(ω_1 ⊙ … ⊙ ω_D) + (λ/D) Σ_d ‖ω_d‖²`` on the factors and
``G(w) = L(w) + λ Σ_j |w_j|^{2/D}`` on the collapsed weight (Kolb et al., ICLR 2025).

* :func:`factor_flow` — ``dω_d/dt = −∇L(w) ⊙ Π_{k≠d} ω_k − (2λ/D) ω_d`` (gradient flow on ``F``),
  integrated with :func:`scipy.integrate.solve_ivp` (stiff method, analytic Jacobian ``−∇²F``).
  Along it the imbalance ``ω_d² − ω_k²`` obeys ``d/dt (ω_d² − ω_k²) = −(4λ/D)(ω_d² − ω_k²)``
  (the loss terms cancel: both equal ``−2 ∇L ⊙ w``; conserved at ``λ = 0`` as in
  Du, Hu & Lee 2018, the weight decay adds the decay; claim C22), so a balanced
  start stays balanced.
* :func:`collapsed_flow` — the flow of the collapsed weight on balanced factorizations:
  with ``P_d = Π_{k≠d} ω_k`` (``P_d² = |w|^{2−2/D}`` and ``P_d ω_d = w`` when balanced),
  ``dw/dt = Σ_d P_d dω_d/dt = −∇L Σ_d P_d² − (2λ/D) Σ_d P_d ω_d = −D|w|^{2−2/D} ∇L(w) − 2λ w``,
  which is ``−D|w|^{2−2/D} ∇G(w)`` (for ``λ = 0`` the end-to-end dynamics of balanced
  deep linear networks, Arora, Cohen & Hazan 2018; here with weight decay; claim C24): the penalty part
  ``D|w|^{2−2/D} · λ (2/D) sign(w)|w|^{2/D−1}`` simplifies to ``2λw``, so the
  right-hand side is finite (and smooth for ``D ≥ 3``) at ``w = 0``.
* :func:`gradient_descent` — ``ω ← ω − η ∇F(ω)``, vectorized; optionally with heavy-ball
  momentum ``v ← μv + ∇F(ω)``, ``ω ← ω − ηv``.
* Closed forms: :func:`logistic_flow` (``D = 2``, ``λ = 0``, scalar loss) and
  :func:`time_to_reach` (the travel time of the balanced scalar flow as an integral);
  :func:`escape_times` and :func:`escape_exponent` for the slow escape from a small
  balanced start (claims C25, C26).

Batches
-------
A batch of independent scalar problems is a *separable* loss: ``Scalar(z)`` with
``z`` of any shape ``S`` is ``Σ_j ½(w_j − z_j)²``, one problem per entry, and
its factors have shape ``(D, *S)``. Every function here then solves all the
problems in one call: the flows with a block-diagonal sparse Jacobian (one
``D × D`` block per problem), gradient descent with one array update per step.
To run several initial conditions of one problem, repeat ``z`` (e.g.
``Scalar(np.full((B,), z))`` with ``factors0`` of shape ``(D, B)``). For
separable losses :func:`gradient_descent` also accepts a learning rate per
problem (``lr`` broadcastable to ``z.shape``) and reports divergence per problem.

Divergence
----------
A run whose state leaves ``|state| <= bound`` (default ``1e8``; factors for the
factor-level runs, ``w`` for the collapsed flow) is stopped there and returned
with the trajectory so far and ``diverged=True`` — never NaN.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace
from typing import Callable

import numpy as np
import scipy.sparse as sp
from scipy.integrate import quad, solve_ivp
from scipy.optimize import brentq
from scipy.special import exprel

from . import _validate as v
from ._products import factor_gradient, separable_hessian_blocks
from ._roots import stationary_magnitudes
from .landscape import factorized_hessian
from .losses import Scalar
from .penalty import balanced_factors, imbalance

__all__ = [
    "Trajectory",
    "collapsed_flow",
    "escape_exponent",
    "escape_times",
    "factor_flow",
    "gradient_descent",
    "hitting_time",
    "logistic_flow",
    "time_to_reach",
]

_DEFAULT_BOUND = 1e8
_IMPLICIT = ("Radau", "BDF", "LSODA")


@dataclass(frozen=True)
class Trajectory:
    """A recorded run of gradient flow or gradient descent.

    Attributes
    ----------
    t : ndarray, shape (n,)
        Times (flows) or step indices (gradient descent) of the records.
    w : ndarray, shape (n, *w.shape)
        Collapsed weights.
    objective : ndarray, shape (n,)
        ``F`` (factor-level runs) or ``G`` (collapsed flow) at each record.
    factors : ndarray, shape (n, D, *w.shape), or None
        The factors (None for :func:`collapsed_flow`).
    diverged : bool
        True when the run (or, for a batch, any of its problems) left the bound.
    D : int
    lam : float
    success : bool
        The integrator / iteration ended normally (reached the last time or step,
        or stopped at the divergence bound).
    message : str
    nfev : int
        Right-hand side (flows) or gradient (descent) evaluations.
    diverged_step : ndarray of int, shape w.shape, or None
        Gradient descent on a separable loss: step at which each problem
        diverged (its factors are frozen at their last finite value), −1 if never.
    dense : callable or None
        ``dense(t) -> w`` continuous extension of a flow (``dense_output=True``).
    """

    t: np.ndarray
    w: np.ndarray
    objective: np.ndarray
    factors: np.ndarray | None
    diverged: bool
    D: int
    lam: float
    success: bool = True
    message: str = ""
    nfev: int = 0
    diverged_step: np.ndarray | None = None
    dense: Callable | None = None

    @property
    def imbalance(self) -> np.ndarray | None:
        """``max_d ω_d² − min_d ω_d²`` per record and coordinate (None for the collapsed flow)."""
        if self.factors is None:
            return None
        return imbalance(np.moveaxis(self.factors, 1, 0))


# --------------------------------------------------------------------------- #
# Validation shared by the runs
# --------------------------------------------------------------------------- #


def _check_t_eval(t_eval) -> np.ndarray:
    t = v.finite_array(t_eval, "t_eval", ndim=1)
    if t.size < 2:
        raise ValueError(f"t_eval must hold at least 2 times (start and end), got {t.size}")
    if not np.all(np.diff(t) > 0):
        raise ValueError("t_eval must be strictly increasing")
    return t


def _check_start(y0: np.ndarray, name: str, bound: float, t: np.ndarray, opts: dict) -> None:
    """The start lies within the divergence bound, the records fit in memory, and ``max_step`` allows
    at most ``MAX_COUNT`` steps over ``t_eval``."""
    if np.any(np.abs(y0) > bound):
        raise ValueError(f"{name} must lie within the divergence bound |{name}| <= bound = {bound:g}")
    v.allocation(t.size * max(y0.size, 1), f"t_eval and {name} (one record of {name} per time)")
    if (t[-1] - t[0]) / opts.get("max_step", np.inf) > v.MAX_COUNT:
        raise ValueError(
            f"max_step must allow at most {v.MAX_COUNT:.0e} steps over t_eval, got max_step = "
            f"{opts['max_step']!r} for a span of {t[-1] - t[0]:g}"
        )


def _curvature(loss, w: np.ndarray) -> np.ndarray:
    """Diagonal of ``∇²L(w)`` for a separable loss, shape of ``w``."""
    c = getattr(loss, "curvature", None)
    if c is None:
        return np.diag(loss.hessian(w)).reshape(w.shape)
    return np.broadcast_to(np.asarray(c, float), w.shape)


_METHODS = ("LSODA", "Radau", "BDF", "RK45", "RK23", "DOP853")
_STEP_OPTIONS = ("max_step", "first_step", "min_step")
_MIN_RTOL = 100 * np.finfo(float).eps


def _solver_options(solver_opts: dict) -> tuple[dict, float, bool]:
    """Validated ``solve_ivp`` options (each named in its error), the divergence bound and ``dense_output``.

    Accepted: ``method`` (one of :data:`_METHODS`), ``rtol`` and ``atol`` (finite, ``> 0``),
    ``max_step`` (``> 0``, ``inf`` allowed), ``first_step`` (finite, ``> 0``), ``min_step``
    (finite, ``>= 0``; LSODA), ``bound`` (finite, ``> 0``) and ``dense_output`` (bool).
    ``rtol`` must be at least ``100 ε`` (``solve_ivp`` would otherwise raise it silently).
    """
    opts = dict(solver_opts)
    for key in ("events", "t_span", "t_eval", "jac", "fun", "y0", "vectorized"):
        if key in opts:
            raise ValueError(f"solver_opts must not set {key!r}: it is fixed by the flow")
    unknown = set(opts) - {"bound", "dense_output", "method", "rtol", "atol", *_STEP_OPTIONS}
    if unknown:
        raise TypeError(
            f"unknown solver option(s) {sorted(unknown)}: accepted are method, rtol, atol, "
            f"{', '.join(_STEP_OPTIONS)}, bound and dense_output"
        )
    bound = v.positive(opts.pop("bound", _DEFAULT_BOUND), "bound")
    dense = opts.pop("dense_output", False)
    if not isinstance(dense, (bool, np.bool_)):
        raise TypeError(f"dense_output must be True or False, got {type(dense).__name__}")
    method = opts.setdefault("method", "LSODA")
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    opts["rtol"] = v.positive(opts.get("rtol", 1e-10), "rtol")
    if opts["rtol"] < _MIN_RTOL:  # solve_ivp would silently raise it to this value
        raise ValueError(f"rtol must be >= 100 × machine epsilon = {_MIN_RTOL:.3g}, got {opts['rtol']!r}")
    opts["atol"] = v.positive(opts.get("atol", 1e-12), "atol")
    if "max_step" in opts:
        step = opts["max_step"]
        if isinstance(step, numbers.Real) and not isinstance(step, (bool, np.bool_)) and step == np.inf:
            opts["max_step"] = np.inf
        else:
            opts["max_step"] = v.positive(step, "max_step")
    if "first_step" in opts:
        opts["first_step"] = v.positive(opts["first_step"], "first_step")
    if "min_step" in opts:
        opts["min_step"] = v.real_scalar(opts["min_step"], "min_step", minimum=0.0)
    return opts, bound, bool(dense)


class _Stalled(Exception):
    """Raised when the integrator stops advancing in time or asks for a Jacobian at a non-finite state."""


#: Right-hand-side evaluations in a row without the integrator reaching a later time, after which a
#: run is stopped as stalled (a step size below the resolution of float64, e.g. for λ ~ 1e150).
_STALL_EVALUATIONS = 10_000


def _integrate(rhs, jac, y0, t, opts, bound, dense, jac_banded=None, band=None) -> tuple:
    """``solve_ivp`` with a terminal divergence event; returns (sol, diverged).

    The analytic Jacobian goes to the implicit methods: as given (sparse for
    block-diagonal systems, else dense) to Radau and BDF; to LSODA in banded form
    when the system is block-diagonal (``band`` = half-bandwidth), else dense.
    """

    def leaves_bound(_t, y):
        m = np.max(np.abs(y)) if y.size else 0.0
        return bound - m if np.isfinite(m) else -1.0

    leaves_bound.terminal = True
    leaves_bound.direction = -1
    kwargs = dict(opts)
    method = kwargs["method"]
    if method == "LSODA" and band is not None:
        kwargs.update(jac=_finite_state(jac_banded), lband=band, uband=band)
    elif method in _IMPLICIT:
        kwargs["jac"] = _finite_state(jac)
    progress = {"t": -np.inf, "idle": 0, "nfev": 0}

    def watched(s, y):
        progress["nfev"] += 1
        if s > progress["t"]:
            progress["t"], progress["idle"] = s, 0
        else:
            progress["idle"] += 1
            if progress["idle"] >= _STALL_EVALUATIONS:
                raise _Stalled
        dy = rhs(s, y)
        if not np.all(np.isfinite(dy)) and np.all(np.isfinite(y)):
            raise _Stalled(f"the right-hand side overflows float64 at a finite state (t = {s:.6g})")
        return dy

    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            sol = solve_ivp(watched, (t[0], t[-1]), y0, t_eval=t, events=leaves_bound, dense_output=dense, **kwargs)
    except (_Stalled, RuntimeError, np.linalg.LinAlgError) as exc:  # RuntimeError: singular LU in Radau/BDF
        reason = str(exc) or f"{_STALL_EVALUATIONS} evaluations without advancing past t = {progress['t']:.6g}"
        message = (
            f"integration failed: {reason} (the flow is too stiff for float64 here, e.g. lam or the start too large)"
        )
        sol = SimpleNamespace(
            t=np.empty(0), y=np.empty((y0.size, 0)), status=-1, message=message, nfev=progress["nfev"], sol=None
        )
    return sol, sol.status == 1


def _finite_state(jac):
    """``jac`` that refuses a non-finite state (the implicit methods may ask at an overflowed prediction)."""

    def checked(s, y):
        if not np.all(np.isfinite(y)):
            raise _Stalled("the integrator asked for the Jacobian at a non-finite state")
        return jac(s, y)

    return checked


def _records(sol, t: np.ndarray, y0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Record times and states of a solve, starting exactly at ``y0`` (also when the first step failed)."""
    if sol.t.size == 0:
        return t[:1].copy(), y0[:, None].copy()
    ys = sol.y.copy()
    ys[:, 0] = y0
    return sol.t, ys


# --------------------------------------------------------------------------- #
# Gradient flow on F
# --------------------------------------------------------------------------- #


def _state_layout(D: int, shape: tuple, separable: bool):
    """``(pack, unpack)`` between factors ``(D, *shape)`` and the flat state of the ODE solver.

    Separable losses use the problem-major order ``factors.reshape(D, p).T`` so that the
    ``D`` factors of one problem are adjacent (see :func:`_block_jacobians`); otherwise
    the factors are flattened in C order.
    """
    p = int(np.prod(shape, dtype=int))
    if separable:

        def pack(f):
            return np.ascontiguousarray(f.reshape(D, p).T).reshape(-1)

        def unpack(y):
            return y.reshape(p, D).T.reshape((D, *shape))

    else:

        def pack(f):
            return f.reshape(-1)

        def unpack(y):
            return y.reshape((D, *shape))

    return pack, unpack


def _block_jacobians(loss, lam: float, D: int, shape: tuple, unpack):
    """``−∇²F`` for a separable loss on the problem-major state: ``(jac, jac_banded)``.

    ``−∇²F`` is block-diagonal, one ``D × D`` block per problem
    (:func:`~dwf_theory._products.separable_hessian_blocks`): ``jac`` gives it as a
    sparse matrix (Radau, BDF), ``jac_banded`` in LSODA's banded storage (half-width ``D − 1``).
    """
    p = int(np.prod(shape, dtype=int))

    def blocks(y):
        fp = unpack(y).reshape(D, p)
        w = np.prod(fp, axis=0).reshape(shape)
        g = np.asarray(loss.grad(w), float).reshape(p)
        c = _curvature(loss, w).reshape(p)
        return -separable_hessian_blocks(fp, g, c, lam)  # (p, D, D)

    jj, dd, kk = np.meshgrid(np.arange(p), np.arange(D), np.arange(D), indexing="ij")
    rows = (jj * D + dd).ravel()
    cols = (jj * D + kk).ravel()
    band_rows = (D - 1 + dd - kk).ravel()

    def jac(_t, y):
        return sp.csc_matrix((blocks(y).ravel(), (rows, cols)), shape=(D * p, D * p))

    def jac_banded(_t, y):
        out = np.zeros((2 * D - 1, D * p))
        out[band_rows, cols] = blocks(y).ravel()
        return out

    return jac, jac_banded


def _factor_system(loss, lam: float, D: int, shape: tuple):
    """Right-hand side ``−∇F`` and Jacobian ``−∇²F`` of the factor flow on a flat state.

    Non-separable losses: dense Jacobian (:func:`~dwf_theory.landscape.factorized_hessian`).
    Separable losses: block-diagonal (:func:`_block_jacobians`).
    Returns ``(rhs, jac, jac_banded, band, pack, unpack)``.
    """
    separable = bool(loss.separable)
    pack, unpack = _state_layout(D, shape, separable)

    def rhs(_t, y):
        f = unpack(y)
        if not np.all(np.isfinite(f)):
            return np.full_like(y, np.nan)  # rejected step; the bound event ends a real divergence
        return pack(-factor_gradient(loss, f, lam))

    if separable:
        jac, jac_banded = _block_jacobians(loss, lam, D, shape, unpack)
        return rhs, jac, jac_banded, D - 1, pack, unpack

    def jac(_t, y):
        return -factorized_hessian(loss, unpack(y), lam)

    return rhs, jac, None, None, pack, unpack


def _objectives(loss, factors: np.ndarray, lam: float) -> np.ndarray:
    """``F`` at each record of a ``(n, D, *shape)`` array (one loss call per record)."""
    D = factors.shape[1]
    w = np.prod(factors, axis=1)
    pen = (lam / D) * np.sum(factors.reshape(factors.shape[0], -1) ** 2, axis=1)
    return np.array([loss.loss(wi) for wi in w]) + pen


def _flow_trajectory(sol, diverged: bool, t, w, objective, factors, D: int, lam: float, dense) -> Trajectory:
    """The :class:`Trajectory` of a ``solve_ivp`` run (status, message and evaluations from ``sol``)."""
    return Trajectory(
        t=t,
        w=w,
        objective=objective,
        factors=factors,
        diverged=bool(diverged),
        D=D,
        lam=lam,
        success=sol.status >= 0,
        message=sol.message,
        nfev=int(sol.nfev),
        dense=dense,
    )


def _dense_collapse(sol, unpack):
    """``s ↦ w(s)``, the collapsed weight on the continuous extension of a factor flow (None without one)."""
    if sol.sol is None:
        return None
    ode = sol.sol

    def w_at(s):
        y = np.asarray(ode(s))
        if y.ndim == 1:
            return np.prod(unpack(y), axis=0)
        return np.stack([np.prod(unpack(col), axis=0) for col in y.T], axis=-1)

    return w_at


def factor_flow(loss, factors0, lam, t_eval, **solver_opts) -> Trajectory:
    """Gradient flow on ``F(ω) = L(ω_1⊙…⊙ω_D) + (λ/D)Σ‖ω_d‖²``.

    ``dω_d/dt = −∇L(w) ⊙ Π_{k≠d} ω_k − (2λ/D) ω_d``, solved with
    :func:`scipy.integrate.solve_ivp` and the analytic Jacobian ``−∇²F``
    (:func:`dwf_theory.landscape.factorized_hessian`; block-diagonal sparse for
    separable losses, so a batch of scalar problems is one solve).

    Parameters
    ----------
    loss : Loss
    factors0 : array_like, shape (D, *loss.shape)
        Initial factors (finite).
    lam : float, >= 0
    t_eval : array_like, shape (n,)
        Strictly increasing record times; the flow starts at ``t_eval[0]``.
    **solver_opts
        Passed to ``solve_ivp`` (defaults ``method="LSODA"``, ``rtol=1e-10``,
        ``atol=1e-12``), plus ``bound`` (divergence bound on ``|ω|``, default
        ``1e8``) and ``dense_output`` (sets ``Trajectory.dense``).

    Returns
    -------
    Trajectory
        Records at the times of ``t_eval`` reached (all, unless the run diverged
        or the integrator failed — ``success``/``message`` say which).
    """
    loss = v.loss(loss)
    f0 = v.factors_for(loss, factors0, "factors0")
    lam = v.regularization(lam)
    t = _check_t_eval(t_eval)
    opts, bound, dense = _solver_options(solver_opts)
    _check_start(f0, "factors0", bound, t, opts)
    D, shape = f0.shape[0], f0.shape[1:]
    rhs, jac, jac_banded, band, pack, unpack = _factor_system(loss, lam, D, shape)
    sol, diverged = _integrate(rhs, jac, pack(f0), t, opts, bound, dense, jac_banded, band)
    ts, ys = _records(sol, t, pack(f0))
    factors = np.stack([unpack(y) for y in ys.T])
    w = np.prod(factors, axis=1)
    w_at = _dense_collapse(sol, unpack) if dense else None
    return _flow_trajectory(sol, diverged, ts, w, _objectives(loss, factors, lam), factors, D, lam, w_at)


# --------------------------------------------------------------------------- #
# Collapsed flow
# --------------------------------------------------------------------------- #


def _collapsed_system(loss, lam: float, D: int, shape: tuple):
    """Right-hand side and Jacobian of ``dw/dt = −D|w|^{e} ∇L(w) − 2λw`` (``e = 2 − 2/D``) on ``w.reshape(-1)``.

    Jacobian ``−diag(D e |w|^{e−1} sign(w) ∇L) − diag(D|w|^e) ∇²L − 2λI``: diagonal for
    separable losses (sparse, and banded with half-width 0 for LSODA), dense otherwise.
    Returns ``(rhs, jac, jac_banded, band)``.
    """
    e = 2.0 - 2.0 / D

    def rhs(_t, y):
        if not np.all(np.isfinite(y)):
            return np.full_like(y, np.nan)
        w = y.reshape(shape)
        return (-D * np.abs(w) ** e * loss.grad(w) - 2.0 * lam * w).reshape(-1)

    def gradient_term(y):
        """``(w, |w|, D e sign(w)|w|^{e−1} ∇L)``: the derivative of the factor ``D|w|^e`` times ``∇L``."""
        w = y.reshape(shape)
        g = np.asarray(loss.grad(w), float).reshape(-1)
        a = np.abs(y)
        first = D * e * np.sign(y) * a ** (e - 1.0) * g if e > 0 else np.zeros_like(y)
        return w, a, first

    if loss.separable:

        def diagonal(y):
            w, a, first = gradient_term(y)
            return -first - D * a**e * _curvature(loss, w).reshape(-1) - 2.0 * lam

        def jac(_t, y):
            return sp.diags(diagonal(y), format="csc")

        def jac_banded(_t, y):
            return diagonal(y)[None, :]

        return rhs, jac, jac_banded, 0

    def jac(_t, y):
        w, a, first = gradient_term(y)
        return -(np.diag(first + 2.0 * lam) + (D * a**e)[:, None] * np.asarray(loss.hessian(w), float))

    return rhs, jac, None, None


def _collapsed_objectives(loss, w: np.ndarray, lam: float, D: int) -> np.ndarray:
    """``G`` at each record of a ``(n, *shape)`` array (one loss call per record)."""
    n = w.shape[0]
    return np.array([loss.loss(wi) for wi in w]) + lam * np.sum(np.abs(w.reshape(n, -1)) ** (2.0 / D), axis=1)


def collapsed_flow(loss, w0, lam, D, t_eval, **solver_opts) -> Trajectory:
    """Preconditioned flow of the collapsed weight: ``dw/dt = −D|w|^{2−2/D} ∇L(w) − 2λw``.

    This is ``−D|w|^{2−2/D} ∇G(w)`` with ``G = L + λΣ|w_j|^{2/D}``, the exact
    image of the factor flow from a balanced start (module docstring; claim C24),
    written so that it is finite at ``w = 0``. Same parameters as
    :func:`factor_flow` with ``w0`` of shape ``loss.shape`` and the depth ``D``;
    Jacobian ``−diag(D(2−2/D)|w|^{1−2/D} sign(w) ∇L) − diag(D|w|^{2−2/D}) ∇²L − 2λI``.

    Returns
    -------
    Trajectory
        With ``factors=None`` and ``objective`` = ``G``.
    """
    loss = v.loss(loss)
    w0 = v.weights_for(loss, w0, "w0")
    lam = v.regularization(lam)
    D = v.depth(D)
    t = _check_t_eval(t_eval)
    opts, bound, dense = _solver_options(solver_opts)
    _check_start(w0, "w0", bound, t, opts)
    shape = w0.shape
    rhs, jac, jac_banded, band = _collapsed_system(loss, lam, D, shape)
    sol, diverged = _integrate(rhs, jac, w0.reshape(-1), t, opts, bound, dense, jac_banded, band)
    ts, ys = _records(sol, t, w0.reshape(-1))
    w = ys.T.reshape((ts.size, *shape))
    w_at = None
    if dense and sol.sol is not None:
        ode = sol.sol

        def w_at(s):
            return ode(s).reshape((*shape, *np.shape(s)))

    return _flow_trajectory(sol, diverged, ts, w, _collapsed_objectives(loss, w, lam, D), None, D, lam, w_at)


# --------------------------------------------------------------------------- #
# Gradient descent
# --------------------------------------------------------------------------- #


def gradient_descent(
    loss, factors0, lam, lr, steps, *, momentum=0.0, record_every=1, bound=_DEFAULT_BOUND
) -> Trajectory:
    """Gradient descent on ``F``: ``ω_d ← ω_d − η (∇L(w) ⊙ Π_{k≠d} ω_k + (2λ/D) ω_d)``, optionally with momentum.

    With heavy-ball momentum ``μ > 0`` (PyTorch's convention, the update of
    ``torch.optim.SGD(momentum=μ)``) the step is ``v ← μ v + ∇F(ω)``, ``ω ← ω − η v``
    from ``v = 0``; ``μ = 0`` is plain gradient descent (the same arithmetic, bit for
    bit). Linearized at a minimum with Hessian eigenvalues ``h`` this map is stable iff
    ``η < 2(1 + μ)/λ_max`` (:func:`dwf_theory.symbolic.heavy_ball_edge`; claims C31, C32).
    One array update per step for the whole batch (see the module docstring).

    Parameters
    ----------
    loss : Loss
    factors0 : array_like, shape (D, *loss.shape)
    lam : float, >= 0
    lr : float > 0, or (separable losses) array_like broadcastable to ``loss.shape``
        Learning rate(s), one per problem of a batch.
    steps : int in [1, 10**8]
    momentum : float in [0, 1)
        Heavy-ball coefficient ``μ``; ``0`` (default) is plain gradient descent. The
        velocity is not recorded.
    record_every : int in [1, 10**8]
        Record every ``record_every`` steps (step 0 and the last step are always recorded). The
        records may hold at most ``10**8`` numbers (``(steps // record_every + 2) · factors0.size``).
    bound : float > 0
        Divergence bound on ``|ω|``. A non-separable run stops at the first step
        leaving it; in a separable batch each problem that leaves it is frozen at
        its last finite factors and its step is stored in ``diverged_step``.

    Returns
    -------
    Trajectory
        ``t`` holds step indices. Never NaN.
    """
    loss = v.loss(loss)
    f = v.factors_for(loss, factors0, "factors0").copy()
    lam = v.regularization(lam)
    steps = v.whole_number(steps, "steps", 1)
    record_every = v.whole_number(record_every, "record_every", 1)
    bound = v.positive(bound, "bound")
    momentum = v.momentum(momentum)
    separable = bool(loss.separable)
    lr = _check_lr(lr, f.shape[1:], separable)
    if np.any(np.abs(f) > bound):
        raise ValueError(f"factors0 must lie within the divergence bound |ω| <= {bound}")
    v.allocation((steps // record_every + 2) * f.size, "steps, record_every and factors0 (the recorded factors)")
    run = _descend(loss, f, lam, lr, steps, record_every, bound, separable, momentum)
    factors = run.factors
    diverged = bool(np.any(run.diverged_step >= 0))
    return Trajectory(
        t=np.asarray(run.steps, dtype=float),
        w=np.prod(factors, axis=1),
        objective=_objectives(loss, factors, lam),
        factors=factors,
        diverged=diverged,
        D=f.shape[0],
        lam=lam,
        success=True,
        message="diverged" if diverged else "completed all steps",
        nfev=run.nfev,
        diverged_step=run.diverged_step,
    )


def _check_lr(lr, shape: tuple, separable: bool):
    """A rate ``> 0``, or (separable losses) an array of rates ``> 0`` broadcast to the problem shape."""
    if np.ndim(lr) == 0:
        return v.positive(lr, "lr")
    if not separable:
        raise ValueError("lr must be a scalar for a non-separable loss (an array of rates needs a batch of problems)")
    lr_arr = v.finite_array(lr, "lr")
    if not np.all(lr_arr > 0):
        raise ValueError("lr must be > 0 everywhere")
    try:
        return np.broadcast_to(lr_arr, shape)
    except ValueError:
        raise ValueError(f"lr must be broadcastable to the problem shape {shape}, got {lr_arr.shape}") from None


@dataclass(frozen=True)
class _Descent:
    """Records of :func:`_descend`: step indices, factors at them, evaluations, divergence steps."""

    steps: list
    factors: np.ndarray
    nfev: int
    diverged_step: np.ndarray


def _descend(
    loss, f: np.ndarray, lam: float, lr, steps: int, record_every: int, bound: float, separable: bool, momentum: float
) -> _Descent:
    """Iterate ``ω ← ω − η ∇F(ω)`` (or, for ``momentum = μ > 0``, ``v ← μv + ∇F(ω)``, ``ω ← ω − ηv``)
    from ``f``, recording every ``record_every`` steps and the last.

    A non-separable run stops at the first step leaving ``|ω| <= bound``; in a separable
    batch each problem that leaves it is frozen at its last finite factors (and velocity). The
    run ends early once every problem has diverged; its last finite state is then recorded too.
    """
    diverged_step = np.full(f.shape[1:], -1, dtype=int)
    alive = np.ones(f.shape[1:], dtype=bool)
    records_t = [0]
    records_f = np.empty((steps // record_every + 2, *f.shape))  # every record_every-th step, the start, the last
    records_f[0] = f
    nfev = 0
    last = 0  # index of the step that produced the current f
    velocity = np.zeros_like(f) if momentum else None
    for k in range(1, steps + 1):
        nfev += 1
        with np.errstate(over="ignore", invalid="ignore"):
            if velocity is None:  # plain gradient descent: one expression, as before momentum existed
                new = f - lr * factor_gradient(loss, f, lam)
            else:
                new_velocity = momentum * velocity + factor_gradient(loss, f, lam)
                new = f - lr * new_velocity
        bad = ~np.all(np.isfinite(new) & (np.abs(new) <= bound), axis=0)
        if np.any(bad):
            if not separable:
                diverged_step[...] = k
                break
            diverged_step[bad & alive] = k
            alive &= ~bad
            new = np.where(alive, new, f)
            if velocity is not None:
                new_velocity = np.where(alive, new_velocity, velocity)
        if velocity is not None:
            velocity = new_velocity
        f, last = new, k
        if k % record_every == 0 or k == steps:
            records_f[len(records_t)] = f
            records_t.append(k)
        if not np.any(alive):
            break
    if records_t[-1] != last:  # stopped early: keep the last finite state
        records_f[len(records_t)] = f
        records_t.append(last)
    return _Descent(records_t, records_f[: len(records_t)], nfev, diverged_step)


# --------------------------------------------------------------------------- #
# Closed forms and travel times of the balanced scalar flow
# --------------------------------------------------------------------------- #


def logistic_flow(z, w0, t) -> np.ndarray:
    """Closed-form ``D = 2``, ``λ = 0`` scalar flow ``dw/dt = 2|w|(z − w)`` (balanced factors).

    With ``s = sign(w0)`` this is the logistic equation ``dw/dt = 2 s w (z − w)``:
    ``w(t) = z w0 / (w0 + (z − w0) e^{−2 s z t})`` (``w`` never changes sign),
    evaluated as ``w0 / (e^{−2szt} + w0 (1 − e^{−2szt})/z)`` with the second term
    ``2 s w0 t · exprel(−2szt)``: both terms of the denominator are ``>= 0`` and the
    second tends to ``2 s w0 t`` as ``z → 0``
    (``w = w0 / (1 + 2|w0| t)``), so there is no cancellation and no NaN.
    Broadcasts over ``z``, ``w0`` and ``t``. (The logistic learning curve of a
    two-layer linear network from a balanced start, Saxe et al. 2014; claim C26.)
    """
    z = v.finite_array(z, "z")
    w0 = v.finite_array(w0, "w0")
    t = v.finite_array(t, "t")
    try:
        np.broadcast_shapes(z.shape, w0.shape, t.shape)
    except ValueError:
        raise ValueError(
            f"z, w0 and t must broadcast together, got shapes {z.shape}, {w0.shape} and {t.shape}"
        ) from None
    s = np.sign(w0)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        x = -2.0 * s * (z * t)  # z·t first: −2z may overflow where t = 0
        e = np.exp(x)
        phi = 2.0 * s * t * exprel(x)  # (1 − e^x)/z with x = −2szt, exact as z → 0
        # where x or 2st overflows (z·t or t ~ 1e308) |x| is huge: z ≠ 0 and (1 − e^x)/z has no cancellation
        phi = np.where(np.isinf(x) | np.isnan(phi), (1.0 - e) / z, phi)
        out = w0 / (e + w0 * phi)
    return v.finite_result(np.where(w0 == 0, 0.0, out), "z, w0 and t", "the logistic flow")


@lru_cache(maxsize=None)
def _sympy_antiderivative(D: int):
    """SymPy antiderivative ``Φ(x) = ∫ dx / (x^{D−1}(1 − x^D))`` as ``(numpy function, expression)``, or None.

    This is the travel time of the balanced ``λ = 0`` scalar flow in the scaled
    variable ``x = |w|^{1/D} / (s z)^{1/D}`` (``T = (s z)^{−(2−2/D)} [Φ(x1) − Φ(x0)]``).
    The integrand is rational, so SymPy's answer is elementary (logs and
    arctangents); it is accepted only if its derivative matches the integrand at
    a few points (None otherwise, or when SymPy leaves an integral unevaluated).
    """
    import sympy as sy

    x = sy.symbols("x", positive=True)
    integrand = 1 / (x ** (D - 1) * (1 - x**D))
    expr = sy.integrate(integrand, x)
    if expr.has(sy.Integral) or expr.has(sy.RootSum):
        return None
    fn = sy.lambdify(x, expr, modules=["numpy"])
    dfn = sy.lambdify(x, sy.diff(expr, x), modules=["numpy"])
    probe = np.array([0.3, 0.7, 1.6]) + 0j
    exact = 1.0 / (probe ** (D - 1) * (1.0 - probe**D))
    if not np.allclose(np.real(dfn(probe)), exact.real, rtol=1e-10, atol=0.0):
        return None
    return fn, expr


def time_to_reach(z, w0, w1, lam, D, *, method="auto") -> float:
    """Time for the balanced scalar flow of ``½(w − z)²`` to move from ``w0`` to ``w1``.

    The collapsed flow ``dw/dt = −D|w|^{2−2/D}(w − z) − 2λw`` keeps the sign ``s`` of
    ``w``; in ``u = |w|^{1/D}`` it reads ``du/dt = u^{D−1}(s z − u^D) − (2λ/D) u``,
    a rational right-hand side, so
    ``T = ∫_{u0}^{u1} du / (u^{D−1}(s z − u^D) − (2λ/D) u)`` (derived here; claim C26).

    Parameters
    ----------
    z : float
    w0, w1 : float
        Start and end, nonzero, of the same sign, with no stationary point of
        the flow in the closed interval between them (else the time is infinite).
    lam : float, >= 0
    D : int >= 1
    method : {"auto", "sympy", "quad"}
        ``"sympy"``: the antiderivative from SymPy (``λ = 0``, ``s z > 0``, only
        where SymPy finds an elementary one; else ValueError); ``"quad"``:
        :func:`scipy.integrate.quad`; ``"auto"``: SymPy for ``λ = 0`` and
        ``D <= 4``, else quad.

    Returns
    -------
    float, ``>= 0``.
    """
    z = v.real_scalar(z, "z")
    w0 = v.real_scalar(w0, "w0")
    w1 = v.real_scalar(w1, "w1")
    lam = v.regularization(lam)
    D = v.depth(D)
    method = v.choice(method, "method", ("auto", "sympy", "quad"))
    if w0 == 0 or w1 == 0 or np.sign(w0) != np.sign(w1):
        raise ValueError("w0 and w1 must be nonzero and of the same sign (the flow never crosses 0)")
    a = float(np.sign(w0)) * z
    u0, u1 = abs(w0) ** (1.0 / D), abs(w1) ** (1.0 / D)
    roots = [r ** (1.0 / D) for r in stationary_magnitudes(a, lam, D)] if a > 0 else []
    lo, hi = min(u0, u1), max(u0, u1)
    if any(lo <= r <= hi for r in roots):
        stationary = ", ".join(f"{float(np.sign(w0)) * r**D:.6g}" for r in roots)
        raise ValueError(
            "the interval between w0 and w1 must not contain a stationary point of the flow; for "
            f"these z, lam and D the flow is stationary at w = {stationary}"
        )
    if u0 == u1:
        return 0.0
    if (u1 - u0) * _balanced_rate(u0, a, lam, D) <= 0:
        raise ValueError(
            "w1 must lie in the direction the flow moves from w0; for these z, lam and D it moves "
            f"from w0 = {w0:.6g} toward {'zero' if _balanced_rate(u0, a, lam, D) < 0 else 'larger |w|'}"
        )
    if method == "sympy" or (method == "auto" and lam == 0.0 and D <= 4 and a > 0):
        return _sympy_travel_time(u0, u1, a, lam, D)
    val, _err = quad(lambda u: 1.0 / _balanced_rate(u, a, lam, D), u0, u1, epsabs=0.0, epsrel=1e-12, limit=200)
    return float(abs(val))


def _balanced_rate(u, a: float, lam: float, D: int):
    """``du/dt = u^{D−1}(a − u^D) − (2λ/D) u``: the balanced scalar flow in ``u = |w|^{1/D}``, ``a = sign(w) z``."""
    return u ** (D - 1) * (a - u**D) - (2.0 * lam / D) * u


def _sympy_travel_time(u0: float, u1: float, a: float, lam: float, D: int) -> float:
    """``|∫_{u0}^{u1} du / (u^{D−1}(a − u^D))|`` from SymPy's antiderivative (``λ = 0``, ``a > 0``)."""
    if lam != 0.0 or a <= 0:
        raise ValueError("method='sympy' needs lam = 0 and sign(w0) z > 0")
    found = _sympy_antiderivative(D)
    if found is None:
        raise ValueError(f"SymPy finds no elementary antiderivative for D={D}; use method='quad'")
    phi, scale = found[0], a ** (1.0 / D)
    # Φ has log(x − 1) terms: evaluate on the complex plane; the imaginary parts cancel.
    T = np.real(phi(u1 / scale + 0j) - phi(u0 / scale + 0j)) * a ** (2.0 / D - 2.0)
    return float(abs(T))


def hitting_time(traj: Trajectory, level) -> np.ndarray:
    """First time each coordinate of ``traj.w`` reaches ``level`` (``inf`` if it never does).

    Uses the recorded grid to bracket the crossing and :func:`scipy.optimize.brentq`
    on the continuous extension ``traj.dense`` (run the flow with ``dense_output=True``).

    Parameters
    ----------
    traj : Trajectory
        From :func:`factor_flow` or :func:`collapsed_flow` with a dense extension.
    level : float or array_like broadcastable to ``w.shape``

    Returns
    -------
    ndarray, shape ``w.shape``.
    """
    if not isinstance(traj, Trajectory):
        raise TypeError(f"traj must be a Trajectory, got {type(traj).__name__}")
    if traj.dense is None:
        raise ValueError("traj must come from a flow run with dense_output=True")
    shape = traj.w.shape[1:]
    level = v.finite_array(level, "level")
    try:
        level = np.broadcast_to(level, shape).reshape(-1)
    except ValueError:
        raise ValueError(f"level must broadcast to the weight shape {shape}, got shape {level.shape}") from None
    W = traj.w.reshape(traj.w.shape[0], -1)
    side = np.sign(W - level)
    crossed = side != side[0]
    out = np.full(W.shape[1], np.inf)
    for j in np.flatnonzero(np.any(crossed, axis=0)):  # root refinement per crossing coordinate
        k = int(np.argmax(crossed[:, j]))
        if side[k, j] == 0:
            out[j] = traj.t[k]
            continue
        flat = int(j)

        def gap(s, flat=flat, lv=level[j]):
            return float(np.reshape(traj.dense(s), -1)[flat] - lv)

        out[j] = brentq(gap, traj.t[k - 1], traj.t[k], xtol=1e-14, rtol=1e-13)
    return out.reshape(shape)


def escape_times(z, w0, lam, D, *, level=0.5, **solver_opts) -> np.ndarray:
    """Simulated time for the balanced scalar flow from each ``w0`` to reach ``level·z``.

    One :func:`factor_flow` over all starts (``L = ½Σ(w_j − z)²`` with balanced
    factors), then :func:`hitting_time` on its dense output. The record grid
    runs to 1.5× the longest travel time from :func:`time_to_reach` (quad).
    For ``λ = 0`` and ``w0 → 0`` the time grows like ``log(1/w0)`` for ``D = 2`` and
    like ``w0^{−(1−2/D)}`` for ``D ≥ 3`` (:func:`escape_exponent`; claim C25).

    Parameters
    ----------
    z : float, nonzero
    w0 : array_like, 1-D
        Starts, same sign as ``z``, ``|w0| < level·|z|``.
    lam : float, >= 0
    D : int >= 1
    level : float in (0, 1)
    **solver_opts
        Passed to :func:`factor_flow` (default ``atol=1e-30``: tiny starts need a pure relative tolerance).

    Returns
    -------
    ndarray, shape of ``w0``: hitting times (``inf`` where not reached).

    Raises
    ------
    ValueError
        If the flow never reaches ``level·z`` from the starts (a stationary point lies between,
        or it moves toward zero: e.g. ``lam`` too large), or the simulated flow fails.
    """
    z = v.real_scalar(z, "z")
    w0 = v.finite_array(w0, "w0", ndim=1)
    lam = v.regularization(lam)
    D = v.depth(D)
    level = v.real_scalar(level, "level")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    if z == 0:
        raise ValueError("z must be nonzero")
    if w0.size == 0 or np.any(w0 * z <= 0) or np.any(np.abs(w0) >= level * abs(z)):
        raise ValueError("w0 must be a non-empty 1-D array of the sign of z (nonzero), with |w0| < level·|z|")
    try:  # from the smallest start; every larger one then passes no stationary point either
        T = time_to_reach(z, float(w0[np.argmin(np.abs(w0))]), level * z, lam, D, method="quad")
    except ValueError as exc:
        raise ValueError(f"level·z is never reached from w0 for these z, lam, D and level ({exc})") from None
    t = np.concatenate([[0.0], np.geomspace(min(1e-3, T / 10), 1.5 * T, 300)])
    solver_opts.setdefault("atol", 1e-30)
    tr = factor_flow(Scalar(np.full(w0.shape, z)), balanced_factors(w0, D), lam, t, dense_output=True, **solver_opts)
    if not tr.success or tr.diverged:
        raise ValueError(f"the simulated flow did not reach t = {t[-1]:.6g} ({tr.message}): adjust solver_opts")
    return hitting_time(tr, level * z)


def escape_exponent(w0, times, D) -> float:
    """Fitted growth law of escape times as ``w0 → 0`` (claim C25).

    ``w0`` should be geometrically spaced. Uses the differences
    ``T(w0_{i+1}) − T(w0_i)`` of consecutive starts, which
    cancel the constant term of ``T(w0) = A w0^{−(1−2/D)} + B + O(w0^{2/D})``:
    for ``D ≥ 3`` the least-squares slope of ``log ΔT`` against ``log w0``
    (theory ``−(1 − 2/D)``); for ``D = 2`` the slope of ``T`` against
    ``log(1/w0)`` (theory ``1/(2z)``).
    """
    w0 = v.finite_array(w0, "w0", ndim=1)
    times = v.finite_array(times, "times", ndim=1)
    D = v.depth(D)
    if w0.shape != times.shape or w0.size < 3:
        raise ValueError("w0 and times must be 1-D of the same length >= 3")
    order = np.argsort(-np.abs(w0))
    a, T = np.abs(w0[order]), times[order]
    if a[-1] == 0 or np.any(np.diff(a) == 0):
        raise ValueError("w0 must hold nonzero starts of distinct magnitudes")
    with np.errstate(over="ignore", invalid="ignore"):
        dT = v.finite_result(np.diff(T), "times", "the differences of the times")
        if D <= 2:
            slope = np.sum(dT * np.diff(-np.log(a))) / np.sum(np.diff(-np.log(a)) ** 2)
            return float(v.finite_result(slope, "w0 and times", "the fitted slope"))
    if np.any(dT <= 0):
        raise ValueError("times must grow as |w0| shrinks")
    return float(np.polyfit(np.log(a[:-1]), np.log(dT), 1)[0])
