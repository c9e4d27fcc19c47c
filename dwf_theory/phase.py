"""Phase diagrams over (initialization, learning rate), (z, λ) and (D, λ).

The problem is ``F(ω) = L(ω_1 ⊙ … ⊙ ω_D) + (λ/D) Σ_d ‖ω_d‖²`` and its collapsed form
``G(w) = L(w) + λ Σ_j |w_j|^{2/D}`` (Kolb et al., ICLR 2025, the penalty equivalence of
deep weight factorization; the diagrams themselves are derived here).

* :func:`init_lr_phase` — where gradient descent from the balanced start ``ω_d = α``
  ends, over a grid of ``α`` and learning rates ``η``: diverged, at zero, at a
  nonzero minimum, or not converged within the step budget; with the stability
  edge ``2/λ_max`` and the edge of the origin's basin as overlays. Optionally with
  heavy-ball momentum ``μ``, whose edge is ``2(1 + μ)/λ_max``.
* :func:`threshold_phase` — the three regions of the scalar problem in ``(z, λ)``:
  zero only, zero global with a nonzero local minimum, nonzero global (analytic);
  :func:`threshold_phase_gd` finds the same regions by gradient descent.
* :func:`sparsity_phase` — the fraction of exact zeros of the fitted ``w`` on a
  sparse regression, per depth ``D`` and ``λ``.

For a scalar loss ``½(w − z)²`` (one or many independent coordinates) gradient
descent from a balanced start stays balanced — every factor receives the same
update — so the ``D`` factors are iterated exactly as the 1-D map on their common
value ``a``:

    a ← a − η g(a),   g(a) = L'(a^D) a^{D−1} + (2λ/D) a,   ‖∇F‖ = √D ‖g‖.

Points that have diverged or are provably settled stop costing work (an active
set, compacted as points leave); updates are in place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from . import _validate as v
from ._products import leave_one_out
from .losses import LeastSquares, Loss, Scalar
from .prox import existence_threshold, threshold

__all__ = [
    "PhaseDiagram",
    "SparsityPhase",
    "INIT_LR_NAMES",
    "THRESHOLD_NAMES",
    "DIVERGED",
    "ZERO",
    "NONZERO",
    "NOT_CONVERGED",
    "MAX_STEPS",
    "init_lr_phase",
    "threshold_phase",
    "threshold_phase_gd",
    "sparsity_phase",
]

#: Label names of :func:`init_lr_phase`, indexed by the integer codes in ``labels``.
INIT_LR_NAMES = ("diverged", "zero", "nonzero", "not converged")
DIVERGED, ZERO, NONZERO, NOT_CONVERGED = range(4)

#: Largest ``steps`` of :func:`init_lr_phase` and :func:`threshold_phase_gd` (each step is a few vectorized
#: NumPy operations, ~10 µs on a small grid: 10⁶ steps keep a call within about a minute).
MAX_STEPS = 10**6

#: Label names of :func:`threshold_phase`.
THRESHOLD_NAMES = ("zero only", "zero global, nonzero local", "nonzero global")


@dataclass(frozen=True)
class PhaseDiagram:
    """Integer labels on a 2-D grid, with their names and overlay curves.

    Attributes
    ----------
    labels : ndarray of int, shape (len(y), len(x))
        ``labels[i, j]`` is the code of the point ``(x[j], y[i])``; ``names[code]`` its name.
    names : tuple of str
    x, y : ndarray
        Grid values along the columns and rows.
    x_name, y_name : str
        What ``x`` and ``y`` are (e.g. ``'alpha'`` and ``'lr'``).
    overlays : dict of str to float or ndarray
        Curves and levels to draw on the diagram (documented by the function that
        made it). A value that does not exist for the problem (no curve there) is
        ``None`` for a number and masked (a :class:`numpy.ma.MaskedArray`, ``NaN`` under
        the mask) for an array: no overlay holds a bare ``NaN``.
    params : dict
        The parameters the diagram was computed with.
    """

    labels: np.ndarray
    names: tuple
    x: np.ndarray
    y: np.ndarray
    x_name: str
    y_name: str
    overlays: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)

    def label_names(self) -> np.ndarray:
        """The labels as an array of strings, shape of ``labels``."""
        return np.asarray(self.names, dtype=object)[self.labels]

    def fraction(self, name: str) -> float:
        """Fraction of grid points labelled ``name``."""
        if name not in self.names:
            raise ValueError(f"name must be one of {self.names}, got {name!r}")
        return float(np.mean(self.labels == self.names.index(name)))


@dataclass(frozen=True)
class SparsityPhase:
    """Fraction of exact zeros of the fitted weights per depth and λ (:func:`sparsity_phase`).

    Attributes
    ----------
    lams : ndarray, shape (k,)
    depths : ndarray of int, shape (m,)
    zero_fraction : ndarray, shape (m, k)
        Fraction of coordinates of the fitted ``w`` that are exactly 0.
    objective : ndarray, shape (m, k)
        ``G(ŵ) = L(ŵ) + λ Σ|ŵ_j|^{2/D}`` at the fit.
    converged : ndarray of bool, shape (m, k)
    weights : ndarray, shape (m, k, p)
        The fitted weights.
    """

    lams: np.ndarray
    depths: np.ndarray
    zero_fraction: np.ndarray
    objective: np.ndarray
    converged: np.ndarray
    weights: np.ndarray


# --------------------------------------------------------------------------- #
# validation
# --------------------------------------------------------------------------- #


def _grid(values, name: str, *, minimum: float | None = None, strict: bool = False) -> np.ndarray:
    """A non-empty 1-D grid of finite numbers, optionally ``>= minimum`` (``> minimum`` with ``strict``)."""
    arr = v.finite_array(values, name)
    if (
        isinstance(values, (bool, np.bool_))
        or getattr(values, "dtype", None) == np.bool_
        or (isinstance(values, (list, tuple)) and any(isinstance(x, (bool, np.bool_)) for x in values))
    ):
        raise TypeError(f"{name} must be a 1-D grid of real numbers, got booleans")
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D grid, got shape {arr.shape}")
    if minimum is not None and not np.all(arr > minimum if strict else arr >= minimum):
        raise ValueError(f"{name} must contain only numbers {'>' if strict else '>='} {minimum}")
    return arr


# --------------------------------------------------------------------------- #
# the balanced 1-D map of a scalar loss (the fast path) and the factor-level GD
# --------------------------------------------------------------------------- #


#: Above this exponent :func:`_power` calls ``np.power`` (repeated products cost O(k)).
_POWER_LOOP_MAX = 32


@dataclass(frozen=True)
class _Run:
    codes: np.ndarray  # (N,) label codes
    state: np.ndarray  # (N, p) last factor value a (balanced) or (D, N, p) factors
    steps: np.ndarray  # (N,) steps taken (a point stops early when settled or diverged)


def _power(a: np.ndarray, k: int, out: np.ndarray | None = None) -> np.ndarray:
    """``a**k`` for a whole ``k >= 0`` by repeated multiplication (faster than ``np.power`` for small k)."""
    if out is None:
        out = np.empty_like(a)
    if k == 0:
        out[...] = 1.0
        return out
    if k > _POWER_LOOP_MAX:  # large depths: one np.power instead of k − 1 products
        return np.power(a, k, out=out)
    np.copyto(out, a)
    for _ in range(k - 1):
        out *= a
    return out


def _balanced_g(a: np.ndarray, z: np.ndarray, c2: float, D: int) -> tuple[np.ndarray, np.ndarray]:
    """``g(a) = (a^D − z) a^{D−1} + c2 a`` and ``a^D`` (for ``L = ½(w − z)²``)."""
    pw = _power(a, D - 1)
    w = pw * a
    return (w - z) * pw + c2 * a, w


def _classify(diverged, w_norm, grad_norm, zero_tol, grad_tol) -> np.ndarray:
    """The label rule of :func:`init_lr_phase`, applied to final states."""
    codes = np.full(w_norm.shape, NOT_CONVERGED, dtype=np.int8)
    codes[grad_norm < grad_tol] = NONZERO
    codes[w_norm < zero_tol] = ZERO
    codes[diverged] = DIVERGED
    return codes


def _settled(a, z, abs_z, eta, c2, D, remaining, zero_tol, grad_tol) -> np.ndarray:
    """Rows of the balanced map whose final label is already certain: the code, else −1 (``D ≥ 2``).

    Write ``T(b) = b (1 − c2 η − η (b^D − z) b^{D−2})`` and, per coordinate,
    ``e(a) = η (|a|^{2D−2} + |z||a|^{D−2})``, ``κ± = |1 − c2 η| ± e(a)``. If ``κ+ < 1`` in
    every coordinate the row is *trapped*: for all ``|b| ≤ |a|``, ``κ−|b| ≤ |T(b)| ≤ κ+|b|``
    (``e`` only shrinks as ``|b|`` does), so after the ``R`` remaining steps
    ``‖w‖·min κ−^{RD} ≤ ‖w_end‖ ≤ ‖w‖·max κ+^{RD}`` and
    ``‖∇F_end‖ ≥ √D max_j κ−^R |a_j| (c2 − |z_j||a_j|^{D−2})``. Then:

    * ``'zero'`` if the upper bound on ``‖w_end‖`` is below ``zero_tol``;
    * ``'not converged'`` if ``‖w_end‖ ≥ zero_tol`` and ``‖∇F_end‖ ≥ grad_tol`` are certain;
    * ``'nonzero'`` (not trapped) if ``‖∇F‖ < grad_tol / 2``, ``‖w‖ ≥ 2 zero_tol`` and the map
      contracts there, ``|1 − η g'(a)| < 1 − 10⁻⁶`` in every coordinate (``g'`` the derivative
      of ``g``): the distance to the fixed point, hence ``‖∇F‖``, then only shrinks.
    """
    pw = _power(a, D - 1)
    a_dm2 = _power(a, D - 2)
    low = np.abs(a_dm2)
    e_rate = pw * pw + abs_z * low
    base = np.abs(1.0 - c2 * eta)
    trapped = np.all(base + eta * e_rate < 1.0, axis=1)
    codes = np.full(a.shape[0], -1, dtype=np.int8)
    T = np.flatnonzero(trapped)
    if T.size:  # bounds on where a trapped row ends (evaluated on those rows only)
        eT, at, wt = eta[T], np.abs(a[T]), pw[T] * a[T]
        w_norm = np.sqrt(np.sum(wt * wt, axis=1))
        k_hi = base[T] + eT * e_rate[T]
        k_lo = np.maximum(base[T] - eT * e_rate[T], 0.0)
        with np.errstate(under="ignore", divide="ignore"):
            w_hi = w_norm * np.max(k_hi, axis=1) ** (remaining * D)
            w_lo = w_norm * np.min(k_lo, axis=1) ** (remaining * D)
            g_lo = math.sqrt(D) * np.max(k_lo**remaining * at * (c2 - abs_z * low[T]), axis=1)
        sub = np.full(T.size, -1, dtype=np.int8)
        sub[(w_lo >= zero_tol) & (g_lo >= grad_tol)] = NOT_CONVERGED
        sub[w_hi < zero_tol] = ZERO
        codes[T] = sub
    U = np.flatnonzero(~trapped)
    if U.size:  # settled at a stable nonzero fixed point
        aU, pU = a[U], pw[U]
        w = pU * aU
        g = (w - z) * pU + c2 * aU
        grad_norm = math.sqrt(D) * np.sqrt(np.sum(g * g, axis=1))
        C = np.flatnonzero(grad_norm < 0.5 * grad_tol)
        if C.size:
            pC = pU[C]
            w_norm = np.sqrt(np.sum(w[C] * w[C], axis=1))
            slope = (2 * D - 1) * pC * pC - (D - 1) * z * a_dm2[U][C] + c2
            stable = np.all(np.abs(1.0 - eta[U][C] * slope) < 1.0 - 1e-6, axis=1)
            codes[U[C[stable & (w_norm >= 2.0 * zero_tol)]]] = NONZERO
    return codes


def _outside(a: np.ndarray, bound: float) -> np.ndarray:
    """Rows with an entry that is non-finite or larger than ``bound`` in magnitude (diverged)."""
    return ~np.all(np.isfinite(a) & (np.abs(a) <= bound), axis=1)


def _map_step(a, z, eta, shrink, D: int, pw, g) -> None:
    """One step ``a ← (1 − η c2) a − η (a^D − z) a^{D−1}`` in place (``shrink = 1 − η c2``; ``pw``, ``g``: work)."""
    _power(a, D - 1, out=pw)
    np.multiply(pw, a, out=g)
    g -= z
    g *= pw
    g *= eta
    a *= shrink
    a -= g


def _due(step: int, steps: int, check_every: int) -> bool:
    """Whether the active set is checked after ``step``: often at first (most runs settle early), then every
    ``check_every`` steps, and after the last."""
    return step % check_every == 0 or step == steps or (step < check_every and step & (step - 1) == 0)


def _stopping(a, z, abs_z, eta, c2, D, remaining, bound, zero_tol, grad_tol) -> tuple[np.ndarray, np.ndarray]:
    """Rows to stop now and their labels: diverged rows, and rows :func:`_settled` with steps remaining."""
    out = _outside(a, bound)
    codes = np.where(out, DIVERGED, NOT_CONVERGED).astype(np.int8)
    stop = out.copy()
    if D >= 2 and remaining > 0:
        settled = _settled(a, z, abs_z, eta, c2, D, remaining, zero_tol, grad_tol)
        settled[out] = -1
        codes = np.where(settled >= 0, settled, codes).astype(np.int8)
        stop |= settled >= 0
    return stop, codes


def _iterate_all(a, z, eta, c2, D, steps, bound) -> np.ndarray:
    """Every row for all ``steps`` (``a`` updated in place); returns which rows ever left ``bound``."""
    shrink = 1.0 - c2 * eta
    pw, g = np.empty_like(a), np.empty_like(a)
    diverged = np.zeros(a.shape[0], dtype=bool)
    for _ in range(steps):
        _map_step(a, z, eta, shrink, D, pw, g)
        diverged |= _outside(a, bound)
    return diverged


def _iterate_active(a, z, eta, c2, D, steps, idx, out: _Run, *, bound, zero_tol, grad_tol, check_every):
    """Iterate with an active set: rows that diverge or settle are written to ``out`` and dropped.

    Returns the indices and values of the rows still running after ``steps`` steps.
    """
    shrink = 1.0 - c2 * eta
    abs_z = np.abs(z)
    pw, g = np.empty_like(a), np.empty_like(a)
    for step in range(1, steps + 1):
        if a.shape[0] == 0:
            break
        if pw.shape != a.shape:
            pw, g = np.empty_like(a), np.empty_like(a)
        _map_step(a, z, eta, shrink, D, pw, g)
        if not _due(step, steps, check_every):
            continue
        stop, codes = _stopping(a, z, abs_z, eta, c2, D, steps - step, bound, zero_tol, grad_tol)
        if np.any(stop):
            out.codes[idx[stop]] = codes[stop]
            out.state[idx[stop]] = a[stop]
            out.steps[idx[stop]] = step
            keep = ~stop
            idx, a, eta, shrink = idx[keep], a[keep], eta[keep], shrink[keep]
    return idx, a


def _balanced_scalar_run(
    a0, z, lr, lam, D, steps, *, bound, zero_tol, grad_tol, active_set=True, check_every=32, momentum=0.0
) -> _Run:
    """Iterate the balanced map ``a ← a − η g(a)`` for every row of ``a0`` (shape (N, p)).

    ``z`` (p,), ``lr`` (N,). With ``active_set`` a row leaves the computation when it
    diverges (a value non-finite or ``> bound``; checked every ``check_every`` steps — a
    diverging run does not come back) or when its final label is certain (see
    :func:`_settled`). Without ``active_set`` every row runs all ``steps`` (as the plain
    reference loop of the benchmark does); both give the same labels. ``momentum > 0``:
    :func:`_balanced_momentum_run`.
    """
    if momentum:
        return _balanced_momentum_run(
            a0, z, lr, lam, D, steps, momentum, bound=bound, zero_tol=zero_tol, grad_tol=grad_tol
        )
    c2 = 2.0 * lam / D
    run, idx, a, eta = _balanced_start(a0, lr, steps, bound)
    with np.errstate(over="ignore", invalid="ignore"):
        if active_set:
            idx, a = _iterate_active(
                a,
                z,
                eta,
                c2,
                D,
                steps,
                idx,
                run,
                bound=bound,
                zero_tol=zero_tol,
                grad_tol=grad_tol,
                check_every=check_every,
            )
            diverged = np.zeros(idx.size, dtype=bool)
        else:
            diverged = _iterate_all(a, z, eta, c2, D, steps, bound)
        _balanced_finish(run, idx, a, z, c2, D, diverged | _outside(a, bound), zero_tol, grad_tol)
    return run


def _balanced_momentum_run(a0, z, lr, lam, D, steps, momentum, *, bound, zero_tol, grad_tol) -> _Run:
    """The balanced map with heavy-ball momentum, ``b ← μ b + g(a)``, ``a ← a − η b`` from ``b = 0``.

    Balanced starts stay balanced (every factor, and every factor's velocity, receives the
    same update), so this is gradient descent with momentum on all ``D`` factors. Every row
    runs all ``steps``: the trap and settling bounds of :func:`_settled` hold for plain
    gradient descent only. A row that leaves ``bound`` (checked at every step) is labelled
    'diverged' and stops.
    """
    c2 = 2.0 * lam / D
    run, idx, a, eta = _balanced_start(a0, lr, steps, bound)
    with np.errstate(over="ignore", invalid="ignore"):
        b = np.zeros_like(a)
        for step in range(1, steps + 1):
            if a.shape[0] == 0:
                break
            g, _ = _balanced_g(a, z, c2, D)
            b *= momentum
            b += g
            a -= eta * b
            out = _outside(a, bound)
            if np.any(out):
                run.codes[idx[out]] = DIVERGED
                run.state[idx[out]] = a[out]
                run.steps[idx[out]] = step
                keep = ~out
                idx, a, b, eta = idx[keep], a[keep], b[keep], eta[keep]
        _balanced_finish(run, idx, a, z, c2, D, np.zeros(idx.size, dtype=bool), zero_tol, grad_tol)
    return run


def _balanced_start(a0, lr, steps: int, bound):
    """A fresh :class:`_Run` for the rows of ``a0``: starts outside ``bound`` are labelled 'diverged'
    at step 0; returns it with the indices, states and (column) learning rates of the other rows."""
    N = a0.shape[0]
    run = _Run(np.full(N, NOT_CONVERGED, dtype=np.int8), a0.copy(), np.full(N, steps, dtype=np.int64))
    with np.errstate(over="ignore", invalid="ignore"):
        bad = _outside(a0, bound)
    run.codes[bad] = DIVERGED
    run.steps[bad] = 0
    idx = np.flatnonzero(~bad)
    return run, idx, a0[idx], lr[idx, None]


def _balanced_finish(run: _Run, idx, a, z, c2: float, D: int, diverged, zero_tol, grad_tol) -> None:
    """Write the final states ``a`` of the rows ``idx`` still running into ``run`` and label them."""
    if not idx.size:
        return
    run.state[idx] = a
    g, w = _balanced_g(a, z, c2, D)
    w_norm = np.sqrt(np.sum(w * w, axis=1))
    grad_norm = math.sqrt(D) * np.sqrt(np.sum(g * g, axis=1))
    run.codes[idx] = _classify(diverged, w_norm, grad_norm, zero_tol, grad_tol)


def _batched_grad(loss: Loss, W: np.ndarray) -> np.ndarray:
    """``∇L`` for each row of ``W`` (shape (N, p)); vectorized for Scalar and LeastSquares."""
    if isinstance(loss, Scalar):
        return W - loss.z.reshape(-1)
    if isinstance(loss, LeastSquares):
        return (W @ loss.X.T - loss.y) @ loss.X / loss.n
    return np.stack([loss.grad(row.reshape(loss.shape)).reshape(-1) for row in W])


def _factor_run(loss, alpha0, lr, lam, D, steps, *, bound, zero_tol, grad_tol, check_every=8, momentum=0.0) -> _Run:
    """Gradient descent on all ``D`` factors from ``ω_d = α·1`` for a general loss (rows of ``alpha0``).

    Active set: a run stops when it diverges, or when ``‖∇F‖ < grad_tol / 1000`` (then it is
    labelled from its state; for a general loss this presumes GD does not leave a point
    with a gradient that small, which holds at stable minima and at the origin). With
    heavy-ball momentum ``μ > 0`` (``V ← μV + ∇F``, ``F ← F − ηV``) the velocity must be that
    small too.
    """
    N = alpha0.shape[0]
    p = int(np.prod(loss.shape)) if loss.shape else 1
    c2 = 2.0 * lam / D
    F = np.broadcast_to(alpha0.reshape(1, N, 1), (D, N, p)).copy()
    final = F.copy()
    codes = np.full(N, NOT_CONVERGED, dtype=np.int8)
    taken = np.full(N, steps, dtype=np.int64)
    idx = np.arange(N)
    eta = lr.reshape(1, N, 1).copy()
    stop_tol = grad_tol * 1e-3
    V = np.zeros_like(F) if momentum else None

    def state(F):
        loo = leave_one_out(F)
        w = loo[0] * F[0]
        grad = _batched_grad(loss, w) * loo + c2 * F
        return w, grad

    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(0, steps + 1):
            if F.shape[1] == 0:
                break
            out = ~np.all(np.isfinite(F) & (np.abs(F) <= bound), axis=(0, 2))
            if np.any(out):
                F[:, out] = 0.0  # keep the arithmetic finite; the label is fixed
                if V is not None:
                    V[:, out] = 0.0
            w, grad = state(F)
            w_norm = np.sqrt(np.sum(w * w, axis=1))
            grad_norm = np.sqrt(np.sum(grad * grad, axis=(0, 2)))
            if step == steps:
                codes[idx] = _classify(out, w_norm, grad_norm, zero_tol, grad_tol)
                final[:, idx] = F
                break
            if step % check_every == 0:
                still = grad_norm < stop_tol
                if V is not None:
                    still &= np.sqrt(np.sum(V * V, axis=(0, 2))) < stop_tol
                stop = out | still
            else:
                stop = out
            if np.any(stop):
                codes[idx[stop]] = _classify(out[stop], w_norm[stop], grad_norm[stop], zero_tol, grad_tol)
                final[:, idx[stop]] = F[:, stop]
                taken[idx[stop]] = step
                keep = ~stop
                idx, F, grad, eta = idx[keep], F[:, keep], grad[:, keep], eta[:, keep]
                if V is not None:
                    V = V[:, keep]
            if V is None:
                grad *= eta
                F -= grad
            else:
                V *= momentum
                V += grad
                F -= eta * V
    return _Run(codes, final, taken)


# --------------------------------------------------------------------------- #
# the (α, η) phase diagram
# --------------------------------------------------------------------------- #


def _nonzero_minimum(loss: Loss, lam: float, D: int):
    """Collapsed weight of the nonzero minimum (global if it is one, else local), or None.

    For a scalar loss: the largest nonzero critical point whose Hessian is positive semi-definite.
    """
    if isinstance(loss, Scalar):
        from .landscape import scalar_critical_points

        ws = []
        for zj in loss.z.reshape(-1):
            # a nonzero point with a positive semi-definite Hessian: a minimum, strict or (λ = 0, or λ so small
            # that 4λ/D rounds to 0 against the balanced eigenvalue) flat along the fibre Π ω_d = w
            mins = [c.w for c in scalar_critical_points(float(zj), lam, D) if c.w != 0 and np.all(c.eigenvalues >= 0)]
            ws.append(mins[-1] if mins else 0.0)
        ws = np.asarray(ws)
        return ws.reshape(loss.shape) if np.any(ws != 0) else None
    from .equivalence import fit_lq

    fit = fit_lq(loss, lam, D)
    return fit.w if fit.converged and np.any(fit.w != 0) else None


def _stability_overlays(loss: Loss, lam: float, D: int, momentum: float = 0.0) -> dict:
    """``2(1 + μ)/λ_max`` of the full Hessian of F at the balanced nonzero minimum, and of the balanced map.

    The heavy-ball edge is ``(1 + μ)`` times the edge of plain gradient descent
    (:func:`dwf_theory.symbolic.heavy_ball_edge`); ``μ = 0`` leaves the values unchanged.
    """
    from .landscape import balanced_eigenvalues, max_stable_lr

    w_star = _nonzero_minimum(loss, lam, D)
    if w_star is None:
        return {"max_stable_lr": None, "balanced_stable_lr": None, "w_star": None}
    if isinstance(loss, Scalar):
        nz = w_star != 0
        ws = np.asarray(w_star)[nz] if np.ndim(w_star) else np.asarray([w_star])
        grads = ws - (loss.z[nz] if np.ndim(w_star) else loss.z.reshape(1))
        full = float(np.min(max_stable_lr(ws, lam, D, curvature=1.0, grad=grads)))
        along, _ = balanced_eigenvalues(ws, lam, D, curvature=1.0, grad=grads)
        balanced = float(np.min(2.0 / along))
        if momentum:
            full, balanced = (1.0 + momentum) * full, (1.0 + momentum) * balanced
        return {"max_stable_lr": full, "balanced_stable_lr": balanced, "w_star": w_star}
    from .landscape import factorized_hessian
    from .penalty import balanced_factors

    H = factorized_hessian(loss, balanced_factors(w_star, D), lam)
    lmax = float(np.max(np.linalg.eigvalsh(H)))
    edge = 2.0 * (1.0 + momentum) / lmax if momentum else 2.0 / lmax
    return {"max_stable_lr": edge if lmax > 0 else None, "balanced_stable_lr": None, "w_star": w_star}


def _trapped(a: np.ndarray, z: np.ndarray, eta: np.ndarray, c2: float, D: int) -> np.ndarray:
    """Rows of the balanced map inside the origin's trap ``κ+ < 1`` (see :func:`_settled`): they tend to 0."""
    if D < 2:
        return np.zeros(a.shape[0], dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        pw = _power(a, D - 1)
        e_rate = pw * pw + np.abs(z) * np.abs(_power(a, D - 2))
        return np.all(np.abs(1.0 - c2 * eta) + eta * e_rate < 1.0, axis=1)


def _in_basin(run: _Run, z, lr, lam, D, momentum: float = 0.0) -> np.ndarray:
    """Runs that end at zero or inside the origin's trap (so they converge to 0 given more steps).

    The trap bounds plain gradient descent only: with momentum, the runs that end at zero.
    """
    if momentum:
        return run.codes == ZERO
    trapped = _trapped(run.state, z, lr[:, None], 2.0 * lam / D, D)
    return (run.codes == ZERO) | ((run.codes != DIVERGED) & trapped)


def _basin_edge(z, lam, D, alphas, lrs, inside, steps, run_opts, rounds: int = 3, split: int = 16) -> np.ndarray:
    """Per learning rate, the α where the origin's basin, entered from the smallest α, ends.

    ``inside`` (shape (len(lrs), len(alphas))) marks the runs that end at zero or in the
    origin's trap (:func:`_in_basin`). Between the last α of the leading run of such
    points in a row and the next α, the edge is refined by ``rounds`` multi-section
    passes of ``split`` points each on the balanced map. ``NaN`` where the smallest α is
    not in the basin; the largest α where the whole row is.
    """
    order = np.argsort(alphas)
    a_sorted = alphas[order]
    c = inside[:, order]
    edge = np.full(len(lrs), np.nan)
    first_not = np.argmax(~c, axis=1)
    all_in = np.all(c, axis=1)
    rows = np.flatnonzero(c[:, 0] & ~all_in)
    edge[all_in] = a_sorted[-1]
    if rows.size == 0:
        return edge
    lo = a_sorted[first_not[rows] - 1].copy()
    hi = a_sorted[first_not[rows]].copy()
    frac = np.linspace(0.0, 1.0, split + 2)[1:-1]
    lr_rows = np.repeat(lrs[rows], split)
    for _ in range(rounds):
        trial = lo[:, None] + (hi - lo)[:, None] * frac[None, :]
        run = _balanced_scalar_run(trial.reshape(-1, 1) * np.ones((1, z.size)), z, lr_rows, lam, D, steps, **run_opts)
        ok = _in_basin(run, z, lr_rows, lam, D, run_opts["momentum"]).reshape(rows.size, split)
        n_in = np.where(np.all(ok, axis=1), split, np.argmin(ok, axis=1))  # leading run inside
        grid = np.concatenate([lo[:, None], trial, hi[:, None]], axis=1)
        lo, hi = grid[np.arange(rows.size), n_in], grid[np.arange(rows.size), n_in + 1]
    edge[rows] = 0.5 * (lo + hi)
    return edge


def _basin_overlays(loss: Loss, run: _Run, lam, D, alphas, lrs, steps, run_opts, *, basin: bool) -> dict:
    """The ``'saddle_alpha'`` and ``'basin_edge'`` overlays of :func:`init_lr_phase` (scalar 0-d ``z`` only)."""
    out = {"saddle_alpha": None, "basin_edge": np.ma.masked_invalid(np.full(lrs.size, np.nan))}
    if not (isinstance(loss, Scalar) and loss.z.size == 1):
        return out
    from .landscape import scalar_critical_points

    z = loss.z.reshape(-1)
    saddles = [c.w for c in scalar_critical_points(float(z[0]), lam, D) if c.kind == "saddle" and c.w != 0]
    if saddles and D >= 3:
        out["saddle_alpha"] = abs(saddles[0]) ** (1.0 / D)
    if basin:
        lr = np.repeat(lrs, alphas.size)
        inside = _in_basin(run, z, lr, lam, D, run_opts["momentum"]).reshape(lrs.size, alphas.size)
        out["basin_edge"] = np.ma.masked_invalid(_basin_edge(z, lam, D, alphas, lrs, inside, steps, run_opts))
    return out


def init_lr_phase(
    loss,
    lam,
    D,
    alphas,
    lrs,
    steps,
    *,
    momentum=0.0,
    bound=1e6,
    zero_tol=1e-6,
    grad_tol=1e-8,
    active_set=True,
    basin=True,
    check_every=32,
) -> PhaseDiagram:
    """Where gradient descent on F from the balanced start ``ω_d = α`` ends, over ``(α, η)``.

    For every learning rate ``η`` in ``lrs`` and start ``α`` in ``alphas`` (every factor,
    every coordinate equal to ``α``), run ``steps`` steps of gradient descent on
    ``F(ω) = L(ω_1⋯ω_D) + (λ/D) Σ‖ω_d‖²`` and label the end point (rule derived here):

    * ``'diverged'`` — a factor became non-finite or exceeded ``bound`` in magnitude;
    * else ``'zero'`` — ``‖w‖ < zero_tol``;
    * else ``'nonzero'`` — ``‖∇F‖ < grad_tol``;
    * else ``'not converged'``.

    For a :class:`~dwf_theory.losses.Scalar` loss the balanced start stays balanced and
    the run is the exact 1-D map on the common factor value (see the module docstring);
    for other losses all ``D`` factors are iterated. Runs that diverge or settle stop
    early (``active_set``; see ``_settled`` for the exact stopping rules, which do not
    change the labels: claim C48). The stability edge and the origin's basin edge are
    checked in claims C49 and C50.

    With heavy-ball momentum ``μ > 0`` every step is ``v ← μv + ∇F(ω)``, ``ω ← ω − ηv`` from
    ``v = 0`` (:func:`dwf_theory.dynamics.gradient_descent`); the stability edges are then
    ``(1 + μ)`` times those of plain gradient descent (claim C32), and no run stops early except
    by diverging (the settling bounds hold for ``μ = 0`` only).

    Parameters
    ----------
    loss : Loss
    lam : float >= 0
    D : int >= 1
    alphas, lrs : 1-D array_like of numbers > 0, non-empty
    steps : int, 1 <= steps <= MAX_STEPS (10⁶)
        Gradient-descent steps per run; the limit keeps a call within minutes.
    momentum : float in [0, 1)
        Heavy-ball coefficient ``μ``; ``0`` (default) is plain gradient descent.
    bound, zero_tol, grad_tol : float > 0
        The thresholds of the label rule (defaults 1e6, 1e-6, 1e-8).
    active_set : bool
        Stop settled and diverged runs early (same labels, faster).
    basin : bool
        Compute the ``'basin_edge'`` overlay (scalar losses with a 0-d ``z``).
    check_every : int >= 1
        Steps between the active-set checks.

    Returns
    -------
    PhaseDiagram
        ``labels`` of shape ``(len(lrs), len(alphas))`` with names ``INIT_LR_NAMES``;
        ``x = alphas``, ``y = lrs``. ``overlays``:

        * ``'max_stable_lr'`` — ``2(1 + μ)/λ_max`` (``2/λ_max`` without momentum) of the
          Hessian of F at the balanced nonzero minimum (:func:`dwf_theory.landscape.max_stable_lr`); ``None`` if
          there is no nonzero minimum (or, for a general loss, if the Hessian there has no
          positive eigenvalue: no learning rate is unstable).
        * ``'balanced_stable_lr'`` — ``2(1 + μ)/h`` with ``h`` the Hessian eigenvalue along the
          balanced direction: the stability edge of the balanced map (scalar losses;
          ``≥ max_stable_lr``, as balanced GD never leaves the balanced line); ``None``
          for other losses or without a nonzero minimum.
        * ``'saddle_alpha'`` — ``|w_s|^{1/D}`` for the nonzero saddle ``w_s`` between the
          origin and the minimum (``D ≥ 3``, scalar 0-d ``z``): the origin's basin
          boundary for gradient flow (small ``η``); ``None`` if there is none.
        * ``'basin_edge'`` — array over ``lrs``: the α at which the origin's basin,
          entered from the smallest α, ends — a run is in it when it ends at zero or
          inside the trap ``κ+ < 1`` around the origin, from which it provably tends
          to 0 — refined on the balanced map; a masked array, masked where the smallest
          α is not in the basin (and everywhere for other losses or ``basin=False``). With
          momentum the trap does not apply: a run is in the basin when it ends at zero.
        * ``'w_star'`` — the nonzero minimum used for the stability overlays (``None`` if none).
        * ``'steps_taken'`` — array like ``labels``: steps each run took.
    """
    loss = v.loss(loss)
    lam = v.regularization(lam)
    D = v.depth(D)
    alphas = _grid(alphas, "alphas", minimum=0.0, strict=True)
    lrs = _grid(lrs, "lrs", minimum=0.0, strict=True)
    steps = v.whole_number(steps, "steps", 1, MAX_STEPS)
    bound = v.positive(bound, "bound")
    zero_tol = v.positive(zero_tol, "zero_tol")
    grad_tol = v.positive(grad_tol, "grad_tol")
    active_set = v.flag(active_set, "active_set")
    basin = v.flag(basin, "basin")
    check_every = v.whole_number(check_every, "check_every", 1)
    momentum = v.momentum(momentum)
    n_lr, n_a = lrs.size, alphas.size
    size = max(int(np.prod(loss.shape)), 1)
    v.allocation((1 if isinstance(loss, Scalar) else D) * n_lr * n_a * size, "alphas, lrs, D and the loss's size")
    a0 = np.tile(alphas, n_lr)
    lr = np.repeat(lrs, n_a)
    run_opts = dict(bound=bound, zero_tol=zero_tol, grad_tol=grad_tol, check_every=check_every, momentum=momentum)
    if isinstance(loss, Scalar):
        z = loss.z.reshape(-1)
        run = _balanced_scalar_run(
            a0[:, None] * np.ones((1, z.size)), z, lr, lam, D, steps, active_set=active_set, **run_opts
        )
    else:
        run = _factor_run(loss, a0, lr, lam, D, steps, **run_opts)
    labels = run.codes.reshape(n_lr, n_a).astype(np.int64)
    overlays = _stability_overlays(loss, lam, D, momentum)
    overlays.update(_basin_overlays(loss, run, lam, D, alphas, lrs, steps, run_opts, basin=basin))
    overlays["steps_taken"] = run.steps.reshape(n_lr, n_a)
    params = {"lam": lam, "D": D, "steps": steps, "momentum": momentum, "bound": bound}
    params.update(zero_tol=zero_tol, grad_tol=grad_tol)
    return PhaseDiagram(labels, INIT_LR_NAMES, alphas, lrs, "alpha", "lr", overlays, params)


# --------------------------------------------------------------------------- #
# the (λ, z) threshold diagram of the scalar problem
# --------------------------------------------------------------------------- #


def _thresholds(lams: np.ndarray, D: int) -> tuple[np.ndarray, np.ndarray]:
    """``τ(λ)`` and ``z_exist(λ)`` over the grid ``lams``."""
    try:
        tau = np.array([threshold(lam, D) for lam in lams])
        zex = np.array([existence_threshold(lam, D) for lam in lams])
    except ValueError as exc:  # a λ whose threshold overflows: name the grid it came from
        raise ValueError(f"lams: {exc}") from exc
    v.finite_result(tau, "lams", "the threshold τ(λ)")
    v.finite_result(zex, "lams", "the existence threshold z_exist(λ)")
    return tau, zex


def threshold_phase(zs, lams, D) -> PhaseDiagram:
    """The three regions of ``½(w − z)² + λ|w|^{2/D}`` in the ``(z, λ)`` plane.

    * ``'zero only'`` — ``|z| < z_exist(λ)``: 0 is the only minimum;
    * ``'zero global, nonzero local'`` — ``z_exist ≤ |z| ≤ τ(λ)`` (``D ≥ 3``);
    * ``'nonzero global'`` — ``|z| > τ(λ)``.

    With ``q = 2/D``: ``τ = β (2 − q) / (2(1 − q))``, ``β = (2λ(1 − q))^{1/(2−q)}``
    (:func:`~dwf_theory.prox.threshold`; the L_q thresholding of Xu et al. 2012 and
    Cao et al. 2013), and ``z_exist = w_m (2 − q)/(1 − q)``, ``w_m = (λq(1 − q))^{1/(2−q)}``
    (:func:`~dwf_theory.prox.existence_threshold`, the smallest ``|z|`` with a nonzero
    stationary point; derived here). For ``D ≤ 2`` they coincide and the middle region
    is empty. (At ``|z| = τ`` the tie goes to 0, as in ``prox``.) Confirmed by gradient
    descent from many starts in :func:`threshold_phase_gd` (claim C51).

    Parameters
    ----------
    zs : 1-D array_like, finite numbers, non-empty
    lams : 1-D array_like, numbers >= 0, non-empty
    D : int >= 1

    Returns
    -------
    PhaseDiagram
        ``labels`` shape ``(len(lams), len(zs))``, names ``THRESHOLD_NAMES``; ``x = zs``,
        ``y = lams``; overlays ``'tau'`` and ``'z_exist'`` (arrays over ``lams``).
    """
    zs = _grid(zs, "zs")
    lams = _grid(lams, "lams", minimum=0.0)
    D = v.depth(D)
    tau, zex = _thresholds(lams, D)
    a = np.abs(zs)[None, :]
    labels = np.where(a > tau[:, None], 2, np.where((a >= zex[:, None]) & (a > 0) & (D >= 3), 1, 0))
    if D >= 3:  # λ = 0: no penalty, the nonzero point z is the global minimum for z ≠ 0
        labels = np.where((lams[:, None] == 0) & (a > 0), 2, labels)
    return PhaseDiagram(
        labels.astype(np.int64), THRESHOLD_NAMES, zs, lams, "z", "lam", {"tau": tau, "z_exist": zex}, {"D": D}
    )


def _best_nonzero_minimum(z, lam, D, starts, steps, lr_scale, grad_tol) -> np.ndarray:
    """Per ``(z, λ)`` pair (flat arrays, ``z >= 0``): ``F`` at the best nonzero minimum found, ``inf`` if none.

    Balanced gradient descent ``a ← a − η[(a^D − z)a^{D−1} + (2λ/D)a]`` from ``starts``
    log-spaced starts per pair, with ``η = lr_scale / h`` (see :func:`threshold_phase_gd`).
    """
    top = 1.1 * z ** (1.0 / D)
    a = (top[:, None] * np.logspace(-3, 0, starts)).reshape(-1)
    lam_b, z_b, top_b = (np.repeat(x, starts) for x in (lam, z, top))
    with np.errstate(over="ignore"):
        h = (2 * D - 1) * top_b ** (2 * D - 2) + (D - 1) * z_b * top_b ** max(D - 2, 0) + 2.0 * lam_b / D
    v.finite_result(h, "zs and lams", "the curvature bound h = (2D − 1)ā^{2D−2} + (D − 1)|z|ā^{D−2} + 2λ/D")
    eta = lr_scale / h
    c2 = 2.0 * lam_b / D
    for _ in range(steps):
        pw = _power(a, D - 1)
        a -= eta * ((pw * a - z_b) * pw + c2 * a)
    pw = _power(a, D - 1)
    w = pw * a
    grad_norm = math.sqrt(D) * np.abs((w - z_b) * pw + c2 * a)
    found = (np.abs(w) > 1e-3 * z_b) & (grad_norm < grad_tol) & (z_b > 0)
    obj = np.where(found, 0.5 * (w - z_b) ** 2 + lam_b * a * a, np.inf)
    return np.min(obj.reshape(z.size, starts), axis=1)


def threshold_phase_gd(zs, lams, D, *, starts=24, steps=4000, lr_scale=0.9, grad_tol=1e-8) -> PhaseDiagram:
    """The regions of :func:`threshold_phase` found by gradient descent on F from many starts.

    For each ``(λ, z)`` gradient descent on ``F(ω) = ½(ω_1⋯ω_D − z)² + (λ/D)Σω_d²`` runs
    from ``starts`` balanced starts ``α`` log-spaced over ``(10⁻³, 1.1)·|z|^{1/D}`` (all
    local minima of F are balanced and balanced GD stays balanced; every nonzero
    minimum ``a* < |z|^{1/D}`` has starts in its basin); ``z < 0`` is run as ``|z|``, the
    sign flip ``ω_1 → −ω_1`` mapping one problem onto the other. Learning rate
    ``lr_scale / h`` with ``h = (2D − 1)ā^{2D−2} + (D − 1)|z|ā^{D−2} + 2λ/D`` a bound on the
    curvature of the balanced map on the start range ``|a| ≤ ā = 1.1|z|^{1/D}``. A start
    ends at a nonzero minimum if ``|w| > 10⁻³|z|`` and ``‖∇F‖ < grad_tol``. Region:
    ``'zero only'`` if no start found a nonzero minimum, else ``'nonzero global'`` if the
    best nonzero minimum has ``F < F(0) = ½z²``, else ``'zero global, nonzero local'``.

    Parameters
    ----------
    zs : 1-D array_like, finite numbers, non-empty
    lams : 1-D array_like, numbers >= 0, non-empty
    D : int >= 1
    starts : int >= 1
        Balanced starts per ``(z, λ)``; ``starts · len(zs) · len(lams) <= 10⁸``.
    steps : int, 1 <= steps <= MAX_STEPS (10⁶)
    lr_scale : float in (0, 2)
        Learning rate in units of ``1/h`` (gradient descent is unstable from 2 on).
    grad_tol : float > 0

    Returns
    -------
    PhaseDiagram like :func:`threshold_phase`, with overlays ``'found_nonzero'`` (bool
    array) and ``'best_objective'`` (F at the best nonzero minimum found; a masked array, masked where
    none was found).
    """
    zs = _grid(zs, "zs")
    lams = _grid(lams, "lams", minimum=0.0)
    D = v.depth(D)
    starts = v.whole_number(starts, "starts", 1)
    steps = v.whole_number(steps, "steps", 1, MAX_STEPS)
    lr_scale = v.positive(lr_scale, "lr_scale")
    if not lr_scale < 2.0:
        raise ValueError(f"lr_scale must lie in (0, 2) (gradient descent is unstable from 2 on), got {lr_scale}")
    grad_tol = v.positive(grad_tol, "grad_tol")
    v.allocation(starts * zs.size * lams.size, "starts, zs and lams")
    L, Z = np.meshgrid(lams, zs, indexing="ij")
    best = _best_nonzero_minimum(np.abs(Z).reshape(-1), L.reshape(-1), D, starts, steps, lr_scale, grad_tol).reshape(
        L.shape
    )
    any_found = np.isfinite(best)
    labels = np.where(~any_found, 0, np.where(best < 0.5 * Z * Z, 2, 1))
    tau, zex = _thresholds(lams, D)
    overlays = {
        "tau": tau,
        "z_exist": zex,
        "found_nonzero": any_found,
        "best_objective": np.ma.masked_array(np.where(any_found, best, np.nan), mask=~any_found),
    }
    return PhaseDiagram(
        labels.astype(np.int64),
        THRESHOLD_NAMES,
        zs,
        lams,
        "z",
        "lam",
        overlays,
        {"D": D, "starts": starts, "steps": steps},
    )


# --------------------------------------------------------------------------- #
# the (D, λ) sparsity diagram
# --------------------------------------------------------------------------- #


def _depths(depths) -> np.ndarray:
    """A non-empty 1-D grid of depths (whole numbers >= 1) as int64."""
    arr = _grid(depths, "depths")
    return np.array([v.depth(float(d), "depths entries") for d in arr], dtype=np.int64)


def sparsity_phase(loss, lams, depths, **fit_opts) -> SparsityPhase:
    """Fraction of exact zeros of ``ŵ`` minimizing ``G = L(w) + λΣ|w_j|^{2/D}``, per ``D`` and ``λ``.

    Each fit is :func:`dwf_theory.equivalence.fit_lq` (proximal gradient with the exact
    prox, so zeros are exact) from its default start; by the penalty equivalence
    ``min {(1/D)Σ_d ω_d² : Π_d ω_d = w} = |w|^{2/D}`` (Kolb et al., ICLR 2025; AM–GM)
    ``ŵ`` is also a local minimum of the factorized problem. Depth ``D ≥ 3`` gives more
    exact zeros than the lasso (``D = 2``) at the same λ, and ``D = 1`` (ridge) none.

    Parameters
    ----------
    loss : Loss (e.g. from :func:`dwf_theory.datasets.sparse_regression`)
    lams : 1-D array_like of numbers > 0, non-empty
    depths : 1-D array_like of whole numbers >= 1, non-empty
    **fit_opts : passed to ``fit_lq`` (``tol``, ``max_iter``, ...)
    """
    from .equivalence import fit_lq

    loss = v.loss(loss)
    lams = _grid(lams, "lams", minimum=0.0, strict=True)
    depths = _depths(depths)
    shape = (depths.size, lams.size)
    p = int(np.prod(loss.shape)) if loss.shape else 1
    frac, obj, conv, weights = np.zeros(shape), np.zeros(shape), np.zeros(shape, dtype=bool), np.zeros((*shape, p))
    for i, D in enumerate(depths):
        for j, lam in enumerate(lams):
            fit = fit_lq(loss, float(lam), int(D), **fit_opts)
            weights[i, j] = np.asarray(fit.w).reshape(-1)
            frac[i, j] = float(np.mean(weights[i, j] == 0.0))
            obj[i, j] = fit.objective
            conv[i, j] = fit.converged
    return SparsityPhase(lams=lams, depths=depths, zero_fraction=frac, objective=obj, converged=conv, weights=weights)
