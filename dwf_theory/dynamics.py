"""Gradient flow and gradient descent on the factorized and collapsed objectives (THEORY.md §4).

* :func:`factor_flow` — ``dω_d/dt = −∇L(w) ⊙ Π_{k≠d} ω_k − (2λ/D) ω_d`` (gradient flow on ``F``),
  integrated with :func:`scipy.integrate.solve_ivp` (stiff method, analytic Jacobian ``−∇²F``).
* :func:`collapsed_flow` — the flow of the collapsed weight on balanced factorizations,
  ``dw/dt = −D|w|^{2−2/D} ∇G(w) = −D|w|^{2−2/D} ∇L(w) − 2λ w``. The penalty part
  ``D|w|^{2−2/D} · λ (2/D) sign(w)|w|^{2/D−1}`` simplifies to ``2λw``, so the
  right-hand side is finite (and smooth for ``D ≥ 3``) at ``w = 0``.
* :func:`gradient_descent` — ``ω ← ω − η ∇F(ω)``, vectorized.
* Closed forms: :func:`logistic_flow` (``D = 2``, ``λ = 0``, scalar loss) and
  :func:`time_to_reach` (the travel time of the balanced scalar flow as an integral).

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

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import scipy.sparse as sp
from scipy.integrate import quad, solve_ivp
from scipy.special import exprel

from . import _validate as v
from .landscape import _l2o, _stationary_magnitudes, factorized_hessian
from .losses import Scalar
from .penalty import _factorized_gradient, _loo, balanced_factors

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
        sq = self.factors**2
        return np.max(sq, axis=1) - np.min(sq, axis=1)


# --------------------------------------------------------------------------- #
# Validation shared by the runs
# --------------------------------------------------------------------------- #


def _check_loss(loss) -> tuple:
    for attr in ("loss", "grad", "hessian", "shape"):
        if not hasattr(loss, attr):
            raise TypeError(
                f"loss must be a dwf_theory Loss (with .loss/.grad/.hessian/.shape), got {type(loss).__name__}"
            )
    return tuple(loss.shape)


def _check_factors0(loss, factors0, name="factors0") -> np.ndarray:
    shape = _check_loss(loss)
    f = v.factor_array(factors0, name)
    if f.shape[1:] != shape:
        raise ValueError(f"{name} must have shape (D, *{shape}) to match the loss, got {f.shape}")
    return f


def _check_t_eval(t_eval) -> np.ndarray:
    t = v.finite_array(t_eval, "t_eval", ndim=1)
    if t.size < 2:
        raise ValueError(f"t_eval must hold at least 2 times (start and end), got {t.size}")
    if not np.all(np.diff(t) > 0):
        raise ValueError("t_eval must be strictly increasing")
    return t


def _is_separable(loss) -> bool:
    return bool(getattr(loss, "separable", False))


def _curvature(loss, w: np.ndarray) -> np.ndarray:
    """Diagonal of ``∇²L(w)`` for a separable loss, shape of ``w``."""
    c = getattr(loss, "curvature", None)
    if c is None:
        return np.diag(loss.hessian(w)).reshape(w.shape)
    return np.broadcast_to(np.asarray(c, float), w.shape)


def _solver_options(solver_opts: dict) -> tuple[dict, float, bool]:
    opts = dict(solver_opts)
    bound = v.positive(opts.pop("bound", _DEFAULT_BOUND), "bound")
    dense = bool(opts.pop("dense_output", False))
    opts.setdefault("method", "LSODA")
    opts.setdefault("rtol", 1e-10)
    opts.setdefault("atol", 1e-12)
    for key in ("events", "t_span", "t_eval", "jac", "fun", "y0", "vectorized"):
        if key in opts:
            raise ValueError(f"solver_opts must not set {key!r}: it is fixed by the flow")
    return opts, bound, dense


def _integrate(rhs, jac, y0, t, opts, bound, dense, jac_banded=None, band=None) -> tuple:
    """``solve_ivp`` with a terminal divergence event; returns (sol, diverged).

    The analytic Jacobian goes to the implicit methods: sparse or dense to Radau
    and BDF; to LSODA in banded form when the system is block-diagonal
    (``band`` = half-bandwidth), else dense.
    """

    def leaves_bound(_t, y):
        m = np.max(np.abs(y)) if y.size else 0.0
        return bound - m if np.isfinite(m) else -1.0

    leaves_bound.terminal = True
    leaves_bound.direction = -1
    kwargs = dict(opts)
    method = kwargs["method"]
    if method == "LSODA":
        if band is not None:
            kwargs.update(jac=jac_banded, lband=band, uband=band)
        else:
            kwargs["jac"] = lambda s, y: _dense(jac(s, y))
    elif method in _IMPLICIT:
        kwargs["jac"] = jac
    with np.errstate(over="ignore", invalid="ignore"):
        sol = solve_ivp(rhs, (t[0], t[-1]), y0, t_eval=t, events=leaves_bound, dense_output=dense, **kwargs)
    return sol, sol.status == 1


def _records(sol, t: np.ndarray, y0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Record times and states of a solve, starting exactly at ``y0`` (also when the first step failed)."""
    if sol.t.size == 0:
        return t[:1].copy(), y0[:, None].copy()
    ys = sol.y.copy()
    ys[:, 0] = y0
    return sol.t, ys


def _dense(m):
    return m.toarray() if sp.issparse(m) else m


# --------------------------------------------------------------------------- #
# Gradient flow on F
# --------------------------------------------------------------------------- #


def _factor_system(loss, lam: float, D: int, shape: tuple):
    """Right-hand side ``−∇F`` and Jacobian ``−∇²F`` of the factor flow on a flat state.

    Non-separable losses: state ``factors.reshape(D·p)``, dense Jacobian. Separable
    losses: problem-major state ``factors.reshape(D, p).T`` flattened, so that
    ``−∇²F`` is block-diagonal with ``D × D`` blocks — a band of half-width
    ``D − 1`` (LSODA's banded solver) or a sparse matrix (Radau, BDF).
    Returns ``(rhs, jac, jac_banded, band, pack, unpack)``.
    """
    p = int(np.prod(shape, dtype=int))
    sep = _is_separable(loss)
    eye = (2.0 * lam / D) * np.eye(D)[:, :, None]

    if sep:

        def pack(f):
            return np.ascontiguousarray(f.reshape(D, p).T).reshape(-1)

        def unpack(y):
            return y.reshape(p, D).T.reshape((D, *shape))

    else:

        def pack(f):
            return f.reshape(-1)

        def unpack(y):
            return y.reshape((D, *shape))

    def rhs(_t, y):
        f = unpack(y)
        if not np.all(np.isfinite(f)):
            return np.full_like(y, np.nan)  # rejected step; the bound event ends a real divergence
        return pack(-_factorized_gradient(loss, f, lam))

    if not sep:

        def jac(_t, y):
            return -factorized_hessian(loss, unpack(y), lam)

        return rhs, jac, None, None, pack, unpack

    def blocks(y):
        """``−H`` as ``(D, D, p)``: ``H[d, k, j] = L''_j P_d P_k + L'_j Q_dk + δ_dk 2λ/D``."""
        fp = unpack(y).reshape(D, p)
        w = np.prod(fp, axis=0)
        g = np.asarray(loss.grad(w.reshape(shape)), float).reshape(p)
        c = _curvature(loss, w.reshape(shape)).reshape(p)
        P = _loo(fp)
        return -(c * P[:, None] * P[None, :] + g * _l2o(fp) + eye)

    dd, kk, jj = np.meshgrid(np.arange(D), np.arange(D), np.arange(p), indexing="ij")
    rows = (jj * D + dd).ravel()
    cols = (jj * D + kk).ravel()
    band_rows = (D - 1 + dd - kk).ravel()

    def jac(_t, y):
        return sp.csc_matrix((blocks(y).ravel(), (rows, cols)), shape=(D * p, D * p))

    def jac_banded(_t, y):
        out = np.zeros((2 * D - 1, D * p))
        out[band_rows, cols] = blocks(y).ravel()
        return out

    return rhs, jac, jac_banded, D - 1, pack, unpack


def _objectives(loss, factors: np.ndarray, lam: float) -> np.ndarray:
    """``F`` at each record of a ``(n, D, *shape)`` array (one loss call per record)."""
    D = factors.shape[1]
    w = np.prod(factors, axis=1)
    pen = (lam / D) * np.sum(factors.reshape(factors.shape[0], -1) ** 2, axis=1)
    return np.array([loss.loss(wi) for wi in w]) + pen


def factor_flow(loss, factors0, lam, t_eval, **solver_opts) -> Trajectory:
    """Gradient flow on ``F(ω) = L(ω_1⊙…⊙ω_D) + (λ/D)Σ‖ω_d‖²`` (THEORY.md §4).

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
    f0 = _check_factors0(loss, factors0)
    lam = v.regularization(lam)
    t = _check_t_eval(t_eval)
    opts, bound, dense = _solver_options(solver_opts)
    D, shape = f0.shape[0], f0.shape[1:]
    rhs, jac, jac_banded, band, pack, unpack = _factor_system(loss, lam, D, shape)
    sol, diverged = _integrate(rhs, jac, pack(f0), t, opts, bound, dense, jac_banded, band)
    ts, ys = _records(sol, t, pack(f0))
    factors = np.stack([unpack(y) for y in ys.T])
    w_at = None
    if dense and sol.sol is not None:
        ode = sol.sol

        def w_at(s):
            y = np.asarray(ode(s))
            if y.ndim == 1:
                return np.prod(unpack(y), axis=0)
            return np.stack([np.prod(unpack(col), axis=0) for col in y.T], axis=-1)

    return Trajectory(
        t=ts,
        w=np.prod(factors, axis=1),
        objective=_objectives(loss, factors, lam),
        factors=factors,
        diverged=bool(diverged),
        D=D,
        lam=lam,
        success=sol.status >= 0,
        message=sol.message,
        nfev=int(sol.nfev),
        dense=w_at,
    )


# --------------------------------------------------------------------------- #
# Collapsed flow
# --------------------------------------------------------------------------- #


def collapsed_flow(loss, w0, lam, D, t_eval, **solver_opts) -> Trajectory:
    """Preconditioned flow of the collapsed weight: ``dw/dt = −D|w|^{2−2/D} ∇L(w) − 2λw``.

    This is ``−D|w|^{2−2/D} ∇G(w)`` with ``G = L + λΣ|w_j|^{2/D}``, the exact
    image of the factor flow from a balanced start (THEORY.md §4; claim C22),
    written so that it is finite at ``w = 0``. Same parameters as
    :func:`factor_flow` with ``w0`` of shape ``loss.shape`` and the depth ``D``;
    Jacobian ``−diag(D(2−2/D)|w|^{1−2/D} sign(w) ∇L) − diag(D|w|^{2−2/D}) ∇²L − 2λI``.

    Returns
    -------
    Trajectory
        With ``factors=None`` and ``objective`` = ``G``.
    """
    shape = _check_loss(loss)
    w0 = v.finite_array(w0, "w0")
    if w0.shape != shape:
        raise ValueError(f"w0 must have shape {shape} to match the loss, got {w0.shape}")
    lam = v.regularization(lam)
    D = v.depth(D)
    t = _check_t_eval(t_eval)
    opts, bound, dense = _solver_options(solver_opts)
    e = 2.0 - 2.0 / D
    sep = _is_separable(loss)

    def rhs(_t, y):
        if not np.all(np.isfinite(y)):
            return np.full_like(y, np.nan)
        w = y.reshape(shape)
        return (-D * np.abs(w) ** e * loss.grad(w) - 2.0 * lam * w).reshape(-1)

    def diagonal(y):
        """Separable losses: the (diagonal) Jacobian as a vector."""
        w = y.reshape(shape)
        g = np.asarray(loss.grad(w), float).reshape(-1)
        a = np.abs(y)
        first = D * e * np.sign(y) * a ** (e - 1.0) * g if e > 0 else np.zeros_like(y)
        return -first - D * a**e * _curvature(loss, w).reshape(-1) - 2.0 * lam

    def jac(_t, y):
        if sep:
            return sp.diags(diagonal(y), format="csc")
        w = y.reshape(shape)
        g = np.asarray(loss.grad(w), float).reshape(-1)
        a = np.abs(y)
        first = D * e * np.sign(y) * a ** (e - 1.0) * g if e > 0 else np.zeros_like(y)
        return -(np.diag(first + 2.0 * lam) + (D * a**e)[:, None] * np.asarray(loss.hessian(w), float))

    def jac_banded(_t, y):
        return diagonal(y)[None, :]

    sol, diverged = _integrate(
        rhs, jac, w0.reshape(-1), t, opts, bound, dense, jac_banded if sep else None, 0 if sep else None
    )
    ts, ys = _records(sol, t, w0.reshape(-1))
    n = ts.size
    w = ys.T.reshape((n, *shape))
    obj = np.array([loss.loss(wi) for wi in w]) + lam * np.sum(np.abs(w.reshape(n, -1)) ** (2.0 / D), axis=1)
    w_at = None
    if dense and sol.sol is not None:
        ode = sol.sol

        def w_at(s):
            return ode(s).reshape((*shape, *np.shape(s)))

    return Trajectory(
        t=ts,
        w=w,
        objective=obj,
        factors=None,
        diverged=bool(diverged),
        D=D,
        lam=lam,
        success=sol.status >= 0,
        message=sol.message,
        nfev=int(sol.nfev),
        dense=w_at,
    )


# --------------------------------------------------------------------------- #
# Gradient descent
# --------------------------------------------------------------------------- #


def gradient_descent(loss, factors0, lam, lr, steps, *, record_every=1, bound=_DEFAULT_BOUND) -> Trajectory:
    """Gradient descent on ``F``: ``ω_d ← ω_d − η (∇L(w) ⊙ Π_{k≠d} ω_k + (2λ/D) ω_d)``.

    One array update per step for the whole batch (see the module docstring).

    Parameters
    ----------
    loss : Loss
    factors0 : array_like, shape (D, *loss.shape)
    lam : float, >= 0
    lr : float > 0, or (separable losses) array_like broadcastable to ``loss.shape``
        Learning rate(s), one per problem of a batch.
    steps : int >= 1
    record_every : int >= 1
        Record every ``record_every`` steps (step 0 and the last step are always recorded).
    bound : float > 0
        Divergence bound on ``|ω|``. A non-separable run stops at the first step
        leaving it; in a separable batch each problem that leaves it is frozen at
        its last finite factors and its step is stored in ``diverged_step``.

    Returns
    -------
    Trajectory
        ``t`` holds step indices. Never NaN.
    """
    f = _check_factors0(loss, factors0).copy()
    lam = v.regularization(lam)
    steps = v.whole_number(steps, "steps", 1)
    record_every = v.whole_number(record_every, "record_every", 1)
    bound = v.positive(bound, "bound")
    shape = f.shape[1:]
    D = f.shape[0]
    sep = _is_separable(loss)
    if np.ndim(lr) == 0:
        lr = v.positive(lr, "lr")
    else:
        if not sep:
            raise ValueError(
                "lr must be a scalar for a non-separable loss (an array of rates needs a batch of problems)"
            )
        lr_arr = v.finite_array(lr, "lr")
        if not np.all(lr_arr > 0):
            raise ValueError("lr must be > 0 everywhere")
        try:
            lr = np.broadcast_to(lr_arr, shape)
        except ValueError:
            raise ValueError(f"lr must be broadcastable to the problem shape {shape}, got {lr_arr.shape}") from None
    if np.any(np.abs(f) > bound):
        raise ValueError(f"factors0 must lie within the divergence bound |ω| <= {bound}")
    diverged_step = np.full(shape, -1, dtype=int)
    alive = np.ones(shape, dtype=bool)
    records_t, records_f = [0], [f.copy()]
    nfev = 0
    last = 0  # index of the step that produced the current f
    for k in range(1, steps + 1):
        nfev += 1
        with np.errstate(over="ignore", invalid="ignore"):
            new = f - lr * _factorized_gradient(loss, f, lam)
        bad = ~np.all(np.isfinite(new) & (np.abs(new) <= bound), axis=0)
        if np.any(bad):
            if not sep:
                diverged_step[...] = k
                break
            diverged_step[bad & alive] = k
            alive &= ~bad
            new = np.where(alive, new, f)
        f, last = new, k
        if k % record_every == 0 or k == steps:
            records_t.append(k)
            records_f.append(f.copy())
        if not np.any(alive):
            break
    if records_t[-1] != last:  # stopped early: keep the last finite state
        records_t.append(last)
        records_f.append(f.copy())
    factors = np.stack(records_f)
    diverged = bool(np.any(diverged_step >= 0))
    return Trajectory(
        t=np.asarray(records_t, dtype=float),
        w=np.prod(factors, axis=1),
        objective=_objectives(loss, factors, lam),
        factors=factors,
        diverged=diverged,
        D=D,
        lam=lam,
        success=True,
        message="diverged" if diverged else "completed all steps",
        nfev=nfev,
        diverged_step=diverged_step,
    )


# --------------------------------------------------------------------------- #
# Closed forms and travel times of the balanced scalar flow
# --------------------------------------------------------------------------- #


def logistic_flow(w0, z, t) -> np.ndarray:
    """Closed-form ``D = 2``, ``λ = 0`` scalar flow ``dw/dt = 2|w|(z − w)`` (balanced factors).

    With ``s = sign(w0)`` this is the logistic equation ``dw/dt = 2 s w (z − w)``:
    ``w(t) = z w0 / (w0 + (z − w0) e^{−2 s z t})`` (``w`` never changes sign),
    evaluated as ``w0 / (e^{−2szt} + w0 (1 − e^{−2szt})/z)`` with the second term
    ``2 s w0 t · exprel(−2szt)``: both terms of the denominator are ``>= 0`` and the
    second tends to ``2 s w0 t`` as ``z → 0``
    (``w = w0 / (1 + 2|w0| t)``), so there is no cancellation and no NaN.
    Broadcasts over ``w0``, ``z`` and ``t``.
    """
    w0 = v.finite_array(w0, "w0")
    z = v.finite_array(z, "z")
    t = v.finite_array(t, "t")
    s = np.sign(w0)
    x = -2.0 * s * z * t
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        e = np.exp(x)
        phi = 2.0 * s * t * exprel(x)  # (1 − e^x)/z with x = −2szt, exact as z → 0
        out = w0 / (e + w0 * phi)
    return np.where(w0 == 0, 0.0, out)


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


def time_to_reach(w0, w1, z, D, lam=0.0, method="auto") -> float:
    """Time for the balanced scalar flow to move from ``w0`` to ``w1`` (THEORY.md §4).

    The flow ``dw/dt = −D|w|^{2−2/D}(w − z) − 2λw`` keeps the sign ``s`` of
    ``w``; in ``u = |w|^{1/D}`` it reads ``du/dt = u^{D−1}(s z − u^D) − (2λ/D) u``,
    a rational right-hand side, so
    ``T = ∫_{u0}^{u1} du / (u^{D−1}(s z − u^D) − (2λ/D) u)``.

    Parameters
    ----------
    w0, w1 : float
        Start and end, nonzero, of the same sign, with no stationary point of
        the flow in the closed interval between them (else the time is infinite).
    z : float
    D : int >= 1
    lam : float, >= 0
    method : {"auto", "sympy", "quad"}
        ``"sympy"``: the antiderivative from SymPy (``λ = 0``, ``s z > 0``, only
        where SymPy finds an elementary one; else ValueError); ``"quad"``:
        :func:`scipy.integrate.quad`; ``"auto"``: SymPy for ``λ = 0`` and
        ``D <= 4``, else quad.

    Returns
    -------
    float, ``>= 0``.
    """
    w0 = v.real_scalar(w0, "w0")
    w1 = v.real_scalar(w1, "w1")
    z = v.real_scalar(z, "z")
    D = v.depth(D)
    lam = v.regularization(lam)
    if method not in ("auto", "sympy", "quad"):
        raise ValueError(f"method must be 'auto', 'sympy' or 'quad', got {method!r}")
    if w0 == 0 or w1 == 0 or np.sign(w0) != np.sign(w1):
        raise ValueError("w0 and w1 must be nonzero and of the same sign (the flow never crosses 0)")
    s = float(np.sign(w0))
    a = s * z
    u0, u1 = abs(w0) ** (1.0 / D), abs(w1) ** (1.0 / D)

    def rate(u):
        return u ** (D - 1) * (a - u**D) - (2.0 * lam / D) * u

    roots = [r ** (1.0 / D) for r in _stationary_magnitudes(a, lam, D)] if a > 0 else []
    lo, hi = min(u0, u1), max(u0, u1)
    if any(lo <= r <= hi for r in roots):
        raise ValueError("the interval between w0 and w1 must not contain a stationary point of the flow")
    if u0 == u1:
        return 0.0
    if (u1 - u0) * rate(u0) <= 0:
        raise ValueError("w1 must lie in the direction the flow moves from w0")
    use_sympy = method == "sympy" or (method == "auto" and lam == 0.0 and D <= 4 and a > 0)
    if use_sympy:
        if lam != 0.0 or a <= 0:
            raise ValueError("method='sympy' needs lam = 0 and sign(w0) z > 0")
        found = _sympy_antiderivative(D)
        if found is None:
            raise ValueError(f"SymPy finds no elementary antiderivative for D={D}; use method='quad'")
        phi, scale = found[0], a ** (1.0 / D)
        # Φ has log(x − 1) terms: evaluate on the complex plane; the imaginary parts cancel.
        T = np.real(phi(u1 / scale + 0j) - phi(u0 / scale + 0j)) * a ** (2.0 / D - 2.0)
        return float(abs(T))
    val, _err = quad(lambda u: 1.0 / rate(u), u0, u1, epsabs=0.0, epsrel=1e-12, limit=200)
    return float(abs(val))


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
    from scipy.optimize import brentq

    if traj.dense is None:
        raise ValueError("traj must come from a flow run with dense_output=True")
    shape = traj.w.shape[1:]
    level = np.broadcast_to(v.finite_array(level, "level"), shape).reshape(-1)
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


def escape_times(w0, z, D, level=0.5, lam=0.0, **solver_opts) -> np.ndarray:
    """Simulated time for the balanced scalar flow from each ``w0`` to reach ``level·z`` (THEORY.md §4).

    One :func:`factor_flow` over all starts (``L = ½Σ(w_j − z)²`` with balanced
    factors), then :func:`hitting_time` on its dense output. The record grid
    runs to 1.5× the longest travel time from :func:`time_to_reach` (quad).

    Parameters
    ----------
    w0 : array_like, 1-D
        Starts, same sign as ``z``, ``|w0| < level·|z|``.
    z : float, nonzero
    D : int >= 1
    level : float in (0, 1)
    lam : float, >= 0
    **solver_opts
        Passed to :func:`factor_flow` (default ``atol=1e-30``: tiny starts need a pure relative tolerance).

    Returns
    -------
    ndarray, shape of ``w0``: hitting times (``inf`` where not reached).
    """
    w0 = v.finite_array(w0, "w0", ndim=1)
    z = v.real_scalar(z, "z")
    if z == 0 or w0.size == 0 or np.any(w0 * z <= 0) or np.any(np.abs(w0) >= level * abs(z)):
        raise ValueError("w0 must be a non-empty 1-D array of the sign of z (nonzero), with |w0| < level·|z|")
    level = v.real_scalar(level, "level")
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    D = v.depth(D)
    T = time_to_reach(float(w0[np.argmin(np.abs(w0))]), level * z, z, D, lam, method="quad")
    t = np.concatenate([[0.0], np.geomspace(min(1e-3, T / 10), 1.5 * T, 300)])
    solver_opts.setdefault("atol", 1e-30)
    tr = factor_flow(Scalar(np.full(w0.shape, z)), balanced_factors(w0, D), lam, t, dense_output=True, **solver_opts)
    return hitting_time(tr, level * z)


def escape_exponent(w0, times, D) -> float:
    """Fitted growth law of escape times as ``w0 → 0`` (THEORY.md §4; claim C25).

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
    dT = np.diff(T)
    if D <= 2:
        return float(np.sum(dT * np.diff(-np.log(a))) / np.sum(np.diff(-np.log(a)) ** 2))
    if np.any(dT <= 0):
        raise ValueError("times must grow as |w0| shrinks")
    return float(np.polyfit(np.log(a[:-1]), np.log(dT), 1)[0])
