"""Fast L_{2/D}-regularized least squares: coordinate descent with the exact prox.

Minimizes ``G(w) = ‖Xw − y‖² / (2n) + λ Σ_j |w_j|^{2/D}`` (the collapsed objective of a
depth-``D`` weight factorization, Kolb et al., ICLR 2025, Theorem 1; :class:`~dwf_theory.losses.LeastSquares`
scaling, so ``D = 2`` is scikit-learn's ``Lasso(alpha=λ)``), for every whole ``D ≥ 1`` and ``D = inf``
(``λ · #{j : w_j ≠ 0}``, the L0 limit).

**Coordinate descent.** With the other coordinates fixed, ``G`` is in ``w_j`` a parabola of
curvature ``c_j = ‖X_j‖²/n`` plus the penalty, so the exact coordinate minimizer is

    ``w_j ← prox(w_j − ∇_j L(w) / c_j, λ / c_j, D)``

with :func:`~dwf_theory.prox.prox` (an exact global minimizer of the scalar problem, so every
update lowers ``G`` or leaves it unchanged; a zero column, ``c_j = 0``, keeps ``w_j = 0``). One
update costs ``O(n)`` (a dot product with the residual ``y − Xw`` and an update of it), one sweep
``O(n·p)``; no ``p × p`` matrix is formed.

**Working sets** (as in Massias et al. 2018, celer; Bertrand et al. 2022, skglm). Each outer
iteration evaluates the violation of every coordinate,
``c_j |w_j − prox(w_j − ∇_j L/c_j, λ/c_j, D)|`` (zero exactly at a coordinate-wise minimum), then
sweeps only the support plus the worst violators, doubling that set each time. The violations
need the gradient ``Xᵀ(Xw − y)/n`` only where a bound from a reference gradient cannot certify a
zero coordinate as optimal (:class:`_Gradient`): one ``O(n·p)`` product at the start, and few
after it, also along a path.

**Newton on the support** (``polish``). Once a sweep leaves the support and the signs
unchanged, the stationarity conditions ``X_Sᵀ(X_S w_S − y)/n + λ q sign(w_S)|w_S|^{q−1} = 0``
(``q = 2/D``) are solved by Newton's method on the ``s × s`` Gram matrix of the support (exact in
one step for ``D = 2`` and ``D = inf``), kept only when it lowers ``G`` and keeps the signs; this
replaces the slow tail of coordinate descent (skipped for supports larger than
``_NEWTON_MAX_SUPPORT``). Where it does not apply, Anderson extrapolation of every 5 sweeps
(Bertrand & Massias 2021), kept when it lowers ``G``. For ``D > 2``, nonzeros along null
directions of the support's columns are removed (the loss is flat there and the penalty concave,
:func:`_reduce_support`): coordinate descent alone needs thousands of sweeps for that when the
support is larger than ``n`` (measured: ``n = 10``, ``p = 25``, ``λ = 1e-6``, random start).

``D = 1`` (ridge) and ``λ = 0`` (least squares) are convex with dense solutions: solved by
LSQR (Paige & Saunders 1982; ``scipy.sparse.linalg.lsqr``), also ``O(n·p)`` per iteration.

Stopping rule (``tol``): the largest coordinate-wise violation above, in the units of the
gradient (or its rounding level, when ``tol`` is below it; then the fit is reported as not
converged). For ``D ≥ 3`` the result is a coordinate-wise minimum — every coordinate at the
global minimum of ``G`` along its axis, stationary on the support — which the tests confirm to be
a local minimum by perturbation; not necessarily the global one (``w = 0`` is a local minimum for
every ``λ``): see :func:`lq_start` for how the start is chosen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.linalg.blas import daxpy, ddot
from scipy.sparse.linalg import LinearOperator, lsqr

from . import _validate as v
from ._threads import single_threaded_blas
from .prox import jump, prox, threshold

__all__ = ["LqPath", "lq_path", "lq_lambda_max", "lq_start"]

_EPS = np.finfo(float).eps
_TINY = np.finfo(float).tiny
#: Newton's method on the support forms the s × s Gram matrix of the support; above this size, CD only.
_NEWTON_MAX_SUPPORT = 1000
#: First working-set size (then doubled each outer iteration).
_FIRST_WS = 10
#: Sweeps per Anderson extrapolation.
_ANDERSON_K = 5


def _q(D) -> float:
    """The exponent ``q = 2/D`` (``0`` for ``D = inf``)."""
    return 0.0 if math.isinf(D) else 2.0 / D


def penalty_value(w: np.ndarray, D) -> float:
    """``Σ_j |w_j|^{2/D}``; ``#{j : w_j ≠ 0}`` for ``D = inf``. Unchecked input."""
    if math.isinf(D):
        return float(np.count_nonzero(w))
    if D == 1:
        return float(w @ w)
    if D == 2:
        return float(np.sum(np.abs(w)))
    return float(np.sum(np.abs(w) ** (2.0 / D)))


def _objective(r: np.ndarray, w: np.ndarray, lam: float, D, n: int) -> float:
    return float(r @ r) / (2.0 * n) + lam * penalty_value(w, D)


# --------------------------------------------------------------------------- #
# the prox with per-coordinate curvature
# --------------------------------------------------------------------------- #


def scaled_prox(z: np.ndarray, lam: float, c: np.ndarray, D) -> np.ndarray:
    """``prox(z_j, λ/c_j, D)`` for every coordinate, through :func:`~dwf_theory.prox.prox` with ``λ = 1``.

    For ``D ≥ 2`` the scalar problem ``½(w − z)² + (λ/c)|w|^q`` is mapped onto the one with
    ``λ = 1`` by ``w = s·u``, ``s = (λ/c)^{1/(2−q)}`` (``q = 2/D``, ``q = 0`` for ``D = inf``):
    ``½(su − z)² + (λ/c)|su|^q = s²[½(u − z/s)² + |u|^q]`` because ``(λ/c) s^q = s²``, so
    ``prox(z, λ/c, D) = s · prox(z/s, 1, D)`` (derived here). ``D = 1``: ``z / (1 + 2λ/c)``.
    Entries with ``c_j = 0`` (a zero column) are 0. Where ``s`` is so small that ``z/s``
    overflows, the shrinkage is below the rounding of ``z`` and ``z`` is returned.
    """
    z = np.asarray(z, float)
    out = np.zeros_like(z)
    live = c > _TINY
    if lam == 0.0:
        out[live] = z[live]
        return out
    if D == 1:
        out[live] = z[live] * c[live] / (c[live] + 2.0 * lam)
        return out
    q = _q(D)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        s = (lam / c[live]) ** (1.0 / (2.0 - q))
        u = z[live] / s
    ok = np.isfinite(u) & (s > 0) & np.isfinite(s)
    res = np.where(np.isinf(s), 0.0, z[live])  # s = inf: infinite penalty per unit curvature
    res[ok] = s[ok] * prox(u[ok], 1.0, D)
    out[live] = res
    return out


# --------------------------------------------------------------------------- #
# coordinate descent on a working set
# --------------------------------------------------------------------------- #


class _Scale:
    """Exact power-of-two rescaling ``X = 2^{e_a} X̃``, ``y = 2^{e_b} ỹ`` for data near the float64 limits.

    ``G(w; X, y, λ) = 2^{2e_b} G(u; X̃, ỹ, λ̃)`` with ``u = 2^{e_a − e_b} w`` and
    ``λ̃ = λ 2^{(q−2)e_b − q e_a}`` (``q = 2/D``, ``0`` for ``D = inf``), and violations scale by
    ``2^{e_a + e_b}`` (derived here). Data whose entries lie in ``[2^-200, 2^200]`` (almost all)
    are left alone (``e_a = e_b = 0``), so no copy is made and results are bit-identical; otherwise
    the solver works on ``X̃, ỹ`` with entries of magnitude about 1, where no square or product
    overflows or underflows, and the results are scaled back exactly (``ValueError`` naming ``X`` and
    ``y`` if the solution itself is beyond float64).
    """

    def __init__(self, ea: int = 0, eb: int = 0):
        self.ea, self.eb = ea, eb

    @staticmethod
    def exponent(amax: float) -> int:
        return 0 if amax == 0 or 2.0**-200 <= amax <= 2.0**200 else math.frexp(amax)[1]

    def lam_in(self, lam: float, D) -> float:
        q = _q(D)
        e = (q - 2.0) * self.eb - q * self.ea
        if e == 0 or lam == 0:
            return lam
        t = math.log(lam) + e * math.log(2.0)
        return math.exp(t) if t < 690.0 else 1e300  # beyond: every coefficient is zero either way

    def lam_out(self, lam: float, D) -> float:
        q = _q(D)
        e = q * self.ea - (q - 2.0) * self.eb
        if e == 0 or lam == 0 or math.isinf(lam):
            return lam
        t = math.log(lam) + e * math.log(2.0)
        return v.finite_result(math.exp(t) if t < 709.0 else math.inf, "X and y", "lambda_max")

    def w_in(self, w: np.ndarray, name: str = "w0") -> np.ndarray:
        with np.errstate(over="ignore"):
            return v.finite_result(np.ldexp(w, self.ea - self.eb), name, f"{name} rescaled to the data")

    def w_out(self, u: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return v.finite_result(np.ldexp(u, self.eb - self.ea), "X and y", "the solution")

    def objective_out(self, f: float) -> float:
        with np.errstate(over="ignore"):
            return float(v.finite_result(np.ldexp(f, 2 * self.eb), "X and y", "the objective"))

    def tol_in(self, tol: float) -> float:
        return float(np.ldexp(tol, -(self.ea + self.eb)))

    def residual_out(self, res: float) -> float:
        with np.errstate(over="ignore"):
            return float(v.finite_result(np.ldexp(res, self.ea + self.eb), "X and y", "the fixed-point residual"))

    def solution_out(self, sol: Solution) -> Solution:
        if self.ea == 0 and self.eb == 0:
            return sol
        return sol._replace(
            w=self.w_out(sol.w), objective=self.objective_out(sol.objective), residual=self.residual_out(sol.residual)
        )


def _prepare(X: np.ndarray, y: np.ndarray, D) -> tuple[_Problem, _Scale]:
    """The problem at ``λ = 1`` on data rescaled by :class:`_Scale` when needed, and the scaling."""
    with np.errstate(over="ignore", under="ignore"):
        sq = np.einsum("ij,ij->j", X, X)
    big = float(np.max(sq))
    ea = 0
    if not (np.isfinite(big) and (big == 0 or 2.0**-400 <= big <= 2.0**400)):
        ea = _Scale.exponent(float(max(X.max(), -X.min())))
    ymax = float(max(y.max(), -y.min()))
    eb = _Scale.exponent(ymax)
    if ea == 0 and eb == 0:
        return _Problem(X, y, 1.0, D, sq), _Scale()
    Xs, ys = np.ldexp(X, -ea), np.ldexp(y, -eb)
    return _Problem(Xs, ys, 1.0, D), _Scale(ea, eb)


class _Problem:
    """``X``, ``y``, ``λ``, ``D`` and what every sweep needs: ``n``, the squared column norms, ``τ_j``, ``β_j``."""

    def __init__(self, X: np.ndarray, y: np.ndarray, lam: float, D, sq: np.ndarray | None = None):
        self.X, self.y, self.lam, self.D = X, y, lam, D
        self.n, self.p = X.shape
        self.sq = np.einsum("ij,ij->j", X, X) if sq is None else sq  # ‖X_j‖², O(n·p)
        self.c = self.sq / self.n
        self.live = self.c > _TINY
        self.q = _q(D)
        # rounding level of a coordinate's gradient, |X_jᵀr|/n <= √c_j ‖r‖/√n <= √c_j ‖y‖/√n from a
        # descended start: a sweep moving no coordinate by more than this is at a standstill
        self.noise = 16.0 * _EPS * math.sqrt(float(np.max(self.c, initial=0.0)) * float(y @ y) / self.n)
        if lam > 0 and D != 1:
            # τ(λ/c_j) and β(λ/c_j) from the scaling τ(λ/c) = c^{−1/(2−q)} τ(λ) (see scaled_prox)
            with np.errstate(divide="ignore", over="ignore"):
                scale = np.where(self.live, (lam / np.where(self.live, self.c, 1.0)) ** (1.0 / (2.0 - self.q)), np.inf)
            self.tau = threshold(1.0, D) * scale
            self.beta = np.where(self.live, jump(1.0, D) * np.where(self.live, scale, 0.0), 0.0)
        else:
            self.tau = np.where(self.live, 0.0, np.inf)
            self.beta = np.zeros(self.p)

    def at(self, lam: float, D=None) -> _Problem:
        """The same data with another ``λ`` (and ``D``), sharing the column norms."""
        return _Problem(self.X, self.y, lam, self.D if D is None else D, self.sq)


def _sweep(prob: _Problem, Xt_ws: np.ndarray, ws: np.ndarray, w: np.ndarray, r: np.ndarray) -> float:
    """One cyclic pass of exact coordinate minimization over ``ws``; updates ``w`` and ``r = y − Xw`` in place.

    The scalar prox is evaluated inline (it is called ``|ws|`` times per sweep, where a NumPy call
    per coordinate would cost more than the whole update): zero for ``|z| <= τ_j``; else
    ``sign(z)(|z| − λ/c_j)`` for ``D = 2``, ``z`` for ``D = inf``, and for ``D ≥ 3`` the larger
    root of ``u + (λ/c_j) q u^{q−1} = |z|`` by Newton's method from ``u = |z|`` (the iteration of
    :func:`dwf_theory.prox.prox`; tests check the two agree). Returns the largest
    ``c_j |Δw_j|``.
    """
    D, q, lam = _prox_kind(prob.D), prob.q, prob.lam
    sq, c, tau = prob.sq[ws].tolist(), prob.c[ws].tolist(), prob.tau[ws].tolist()
    wl = w[ws].tolist()
    biggest = 0.0
    qm1 = q - 1.0
    for k in range(len(wl)):
        ck = c[k]
        if not ck > _TINY:
            continue
        x = Xt_ws[k]
        old = wl[k]
        z = old + ddot(x, r) / sq[k]
        a = abs(z)
        if a <= tau[k]:
            new = 0.0
        elif D == 2:
            new = math.copysign(a - lam / ck, z)
        elif D == 0:  # D = inf
            new = z
        else:
            lq = lam / ck * q
            u = a
            for _ in range(100):
                t = lq * u**qm1
                step = (u + t - a) / (1.0 + qm1 * t / u)
                u -= step
                if step <= 4.0 * _EPS * u:
                    break
            new = math.copysign(u, z)
        if new != old:
            daxpy(x, r, a=old - new)
            wl[k] = new
            change = ck * abs(new - old)
            if change > biggest:
                biggest = change
    w[ws] = wl
    return biggest


def _prox_kind(D) -> int:
    """``2`` for soft thresholding, ``0`` for hard thresholding (``D = inf``), else ``D``."""
    return 0 if math.isinf(D) else int(D)


def _newton_on_support(prob: _Problem, w: np.ndarray, r: np.ndarray, steps: int = 30) -> bool:
    """Newton's method for the stationarity conditions of ``G`` on the support; in place if it helps.

    Solves ``X_Sᵀ(X_S w_S − y)/n + λ q sign(w_S)|w_S|^{q−1} = 0`` with the Jacobian
    ``X_Sᵀ X_S/n + diag(λ q (q−1)|w_S|^{q−2})`` (``q = 2/D``; the penalty terms vanish for
    ``D = inf``, and are ``2λ w_S`` for ``D = 1``). Steps stop when a sign would change, a
    coordinate would fall below its jump ``β_j`` (then coordinate descent would set it to zero), the
    objective would grow, or the residual stops shrinking. Returns whether ``w`` changed.
    """
    S = np.flatnonzero(w)
    if S.size == 0 or S.size > _NEWTON_MAX_SUPPORT:
        return False
    lam, q, n, D = prob.lam, prob.q, prob.n, prob.D
    XS = prob.X[:, S]
    gram = XS.T @ XS / n
    sign = np.sign(w[S])
    beta = prob.beta[S]
    wS = w[S].copy()
    rS = r.copy()

    def pen_grad(u):
        if D == 1:
            return 2.0 * lam * u
        if q == 0.0:
            return np.zeros_like(u)
        return lam * q * sign * np.abs(u) ** (q - 1.0)

    def pen_curv(u):
        if D == 1:
            return np.full_like(u, 2.0 * lam)
        if q == 0.0 or q == 1.0:
            return np.zeros_like(u)
        return lam * q * (q - 1.0) * np.abs(u) ** (q - 2.0)

    g = -(XS.T @ rS) / n + pen_grad(wS)
    gnorm = np.max(np.abs(g))
    f = _objective(rS, wS, lam, D, n)
    changed = False
    for _ in range(steps):
        if not gnorm > 0.0:
            break
        J = gram + np.diag(pen_curv(wS))
        try:
            delta = np.linalg.solve(J, g)
        except np.linalg.LinAlgError:
            break
        new = wS - delta
        if not np.all(np.isfinite(new)) or np.any(np.sign(new) != sign) or np.any(np.abs(new) < beta):
            break
        r_new = prob.y - XS @ new
        f_new = _objective(r_new, new, lam, D, n)
        g_new = -(XS.T @ r_new) / n + pen_grad(new)
        gnorm_new = np.max(np.abs(g_new))
        if not (f_new <= f + 4.0 * _EPS * abs(f) and gnorm_new < gnorm):
            break
        wS, rS, f, g, gnorm, changed = new, r_new, f_new, g_new, gnorm_new, True
        if q in (0.0, 1.0) or D == 1 or gnorm <= prob.noise:  # linear conditions: one step; or rounding level
            break
    if changed:
        w[S] = wS
        r[:] = rS
    return changed


def _reduce_support(prob: _Problem, w: np.ndarray, r: np.ndarray) -> bool:
    """Remove nonzeros along null directions of ``X_S`` (``D > 2``); in place, returns whether ``w`` changed.

    Along a direction ``v`` with ``X_S v = 0`` the loss is constant while the penalty
    ``Σ_j |w_j + t v_j|^q`` (``q < 1``; the count for ``D = inf``) is concave in ``t`` until a
    coordinate changes sign, so its minimum over that interval is at an end, where one coordinate
    is zero (derived here; hence at a local minimum of ``G`` the columns of the support are
    linearly independent, cf. Chen, Xu & Ye 2010 for ``ℓ2-ℓp`` minimization). Each step moves to
    the better end; a step is kept only if ``G`` does not increase. Only where the singular
    values of ``X_S`` show a null space (always when the support is larger than ``n``).
    """
    changed = False
    n = prob.n
    for _ in range(min(prob.p, _NEWTON_MAX_SUPPORT)):
        S = np.flatnonzero(w)
        if S.size == 0 or S.size > _NEWTON_MAX_SUPPORT:
            break
        XS = prob.X[:, S]
        if S.size <= n:
            try:  # the usual case, full column rank, is settled by a Cholesky factorization
                np.linalg.cholesky(XS.T @ XS)
                break
            except np.linalg.LinAlgError:
                pass
        _, sv, Vt = np.linalg.svd(XS, full_matrices=True)
        rank = int(np.sum(sv > sv[0] * 1e-10)) if sv.size and sv[0] > 0 else 0
        if rank >= S.size:
            break
        v = Vt[rank]
        wS = w[S]
        moving = np.abs(v) > 1e-12 * np.max(np.abs(v))
        t = -wS[moving] / v[moving]
        ends = [t[t > 0].min(initial=np.inf), t[t < 0].max(initial=-np.inf)]
        best = None
        f_old = _objective(r, w, prob.lam, prob.D, n)
        for te in ends:
            if not np.isfinite(te):
                continue
            new = wS + te * v
            new[np.argmin(np.abs(new))] = 0.0  # the coordinate that reaches zero, exactly
            r_new = prob.y - XS @ new
            f_new = _objective(r_new, new, prob.lam, prob.D, n) + prob.lam * penalty_value(np.delete(w, S), prob.D)
            if f_new <= f_old + 4.0 * _EPS * abs(f_old) and (best is None or f_new < best[0]):
                best = (f_new, new, r_new)
        if best is None:
            break
        w[S] = best[1]
        r[:] = best[2]
        changed = True
    return changed


def _anderson_step(
    prob: _Problem, Xt_ws: np.ndarray, ws: np.ndarray, w: np.ndarray, r: np.ndarray, history: list
) -> bool:
    """Anderson extrapolation of the last ``K + 1`` sweeps on ``ws``; in place if it lowers ``G``.

    With the iterates ``w⁰ … w^K`` (one sign pattern throughout) and their differences
    ``U = [w¹ − w⁰, …, w^K − w^{K−1}]``, the extrapolation is ``Σ_k c_k w^k`` with
    ``c = (UᵀU)⁻¹1 / 1ᵀ(UᵀU)⁻¹1`` (Anderson acceleration of coordinate descent, Bertrand &
    Massias 2021). It is kept only if the signs stay and ``G`` decreases, so descent is preserved;
    it shortens the slow linear tail of coordinate descent where Newton's method does not apply
    (more nonzeros than rows, or a support above ``_NEWTON_MAX_SUPPORT``).
    """
    W = np.array(history).T
    U = np.diff(W, axis=1)
    with np.errstate(all="ignore"):
        try:
            z = np.linalg.solve(U.T @ U, np.ones(U.shape[1]))
        except np.linalg.LinAlgError:
            return False
        if not (np.all(np.isfinite(z)) and z.sum() != 0):
            return False
        w_acc = W[:, 1:] @ (z / z.sum())
    current = w[ws]
    if not np.all(np.isfinite(w_acc)) or np.any(np.sign(w_acc) != np.sign(current)):
        return False
    r_acc = r - Xt_ws.T @ (w_acc - current)
    lam, D, n = prob.lam, prob.D, prob.n
    gain = (float(r @ r) - float(r_acc @ r_acc)) / (2.0 * n) + lam * (
        penalty_value(current, D) - penalty_value(w_acc, D)
    )
    if not gain > 0:
        return False
    w[ws] = w_acc
    r[:] = r_acc
    return True


class Solution(NamedTuple):
    """What :func:`solve` returns (the fields of :class:`~dwf_theory.equivalence.Fit`)."""

    w: np.ndarray
    objective: float
    converged: bool
    n_iter: int
    residual: float


def _fresh_residual(prob: _Problem, w: np.ndarray) -> np.ndarray:
    """``y − Xw`` from the nonzero columns only (``O(n·s)`` for a support of size ``s``)."""
    S = np.flatnonzero(w)
    if 2 * S.size > prob.p:
        return prob.y - prob.X @ w
    return prob.y - prob.X[:, S] @ w[S]


def _gradient(prob: _Problem, r: np.ndarray) -> np.ndarray:
    """``∇L(w) = −Xᵀr/n`` for the residual ``r = y − Xw`` (one ``O(n·p)`` product)."""
    return -(prob.X.T @ r) / prob.n


def _violations(prob: _Problem, w: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """Coordinate-wise optimality violation ``c_j |w_j − prox(w_j − ∇_j L/c_j, λ/c_j, D)|`` for every ``j``.

    Zero exactly where coordinate ``j`` is at the global minimum of ``G`` along its axis; in the
    units of the gradient (near a stationary point on the support it is about ``|∇_j G|``). It is
    evaluated where it can be nonzero, the support and the zeros with ``|z_j| > τ_j``; zero columns
    have violation 0.
    """
    live = prob.live
    z = np.where(live, w - grad / np.where(live, prob.c, 1.0), 0.0)
    idx = np.flatnonzero(live & ((w != 0) | (np.abs(z) > prob.tau)))
    viol = np.zeros(prob.p)
    if idx.size:
        c = prob.c[idx]
        viol[idx] = c * np.abs(w[idx] - scaled_prox(z[idx], prob.lam, c, prob.D))
    return viol


def _residual_and_violations(prob: _Problem, w: np.ndarray, r: np.ndarray) -> np.ndarray:
    return _violations(prob, w, _gradient(prob, r))


class _Gradient:
    """``∇L`` known exactly at a reference residual ``r_ref``, and bounded at any other ``r``.

    ``|∇_j L(r) − ∇_j L(r_ref)| = |X_jᵀ(r − r_ref)|/n ≤ √c_j ‖r − r_ref‖/√n`` (Cauchy–Schwarz;
    derived here). A zero coordinate with ``|∇_j L(r_ref)| + √c_j ‖r − r_ref‖/√n ≤ c_j τ_j`` is at its
    coordinate-wise optimum (``|z_j| ≤ τ_j``), so its violation is exactly 0 without its gradient;
    only the support and the uncertified zeros need ``X_jᵀ r``. The reference is refreshed (one
    ``O(n·p)`` product) when more than a quarter of the coordinates need it. Along a path, and
    between the outer iterations of one fit, this replaces most full products by ``O(n·|S ∪ U|)``.
    """

    def __init__(self, prob: _Problem, r: np.ndarray):
        self.refresh(prob, r)

    def refresh(self, prob: _Problem, r: np.ndarray) -> None:
        self.r_ref = r.copy()
        self.g = _gradient(prob, r)

    def violations(self, prob: _Problem, w: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Exact coordinate-wise violations at ``(w, r)`` (zero where certified)."""
        d = r - self.r_ref
        drift = math.sqrt(float(d @ d) / prob.n)
        if drift == 0.0:
            return _violations(prob, w, self.g)
        with np.errstate(invalid="ignore", over="ignore"):
            bound = np.abs(self.g) + np.sqrt(prob.c) * drift * (1.0 + 1e-12) + prob.noise
            need = prob.live & ((w != 0) | ~(bound <= prob.c * prob.tau))
        idx = np.flatnonzero(need)
        if 4 * idx.size > prob.p:
            self.refresh(prob, r)
            return _violations(prob, w, self.g)
        viol = np.zeros(prob.p)
        if idx.size:
            g = -(prob.X[:, idx].T @ r) / prob.n
            c = prob.c[idx]
            z = w[idx] - g / c
            viol[idx] = c * np.abs(w[idx] - scaled_prox(z, prob.lam, c, prob.D))
        return viol


def _cd(
    prob: _Problem, w: np.ndarray, tol: float, max_iter: int, polish: bool, gradient: _Gradient | None = None
) -> tuple[Solution, _Gradient]:
    """Working-set coordinate descent from ``w`` (modified in place); also returns the gradient state.

    ``gradient``: a :class:`_Gradient` for the same data (along a path, the last fit's), saving products.
    """
    X, n = prob.X, prob.n
    w[~prob.live] = 0.0
    r = _fresh_residual(prob, w)
    gradient = _Gradient(prob, r) if gradient is None else gradient
    # First working set without evaluating the prox: the support, and the zeros past their threshold ranked
    # by how far (a zero with |z_j| <= τ_j is optimal there; the reference gradient is good enough to rank);
    # the exact violations decide convergence below.
    z = np.where(prob.live, w - gradient.g / np.where(prob.live, prob.c, 1.0), 0.0)
    viol = np.where(w == 0, np.maximum(np.abs(z) - prob.tau, 0.0) * prob.c, np.inf)
    residual = np.inf if np.any(viol > 0) else 0.0
    sweeps, ws_size, clean = 0, _FIRST_WS, False
    # stop at tol, or at the rounding level of the gradient when tol is below it (then not converged)
    while residual > max(tol, prob.noise) and sweeps < max_iter:
        support = np.flatnonzero(w)
        ws_size = min(prob.p, max(ws_size, 2 * support.size))
        score = viol.copy()
        score[support] = np.inf
        ws = np.argpartition(score, -ws_size)[-ws_size:] if ws_size < prob.p else np.arange(prob.p)
        ws = np.sort(ws[score[ws] > 0])  # coordinates at zero that are optimal there need no sweep
        Xt_ws = np.ascontiguousarray(X.T[ws])
        pattern, history, newton_failed = None, [], False
        while sweeps < max_iter:
            change = _sweep(prob, Xt_ws, ws, w, r)
            sweeps += 1
            clean = clean and change == 0.0
            if change <= max(0.3 * tol, prob.noise):
                break
            new_pattern = np.sign(w[ws])
            settled = pattern is not None and np.array_equal(pattern, new_pattern)
            if polish and settled and not newton_failed:
                # support and signs settled: Newton's method finishes the working set (the check below
                # sends the outer loop back to coordinate descent if it was not the end)
                if _newton_on_support(prob, w, r):
                    clean = True
                    break
                newton_failed = True  # not again until the pattern changes
                if prob.D > 2 and _reduce_support(prob, w, r):
                    pattern, history, newton_failed = None, [], False
                    continue
            if not settled:
                history, newton_failed = [], False
            history.append(w[ws])
            if len(history) == _ANDERSON_K + 1:
                _anderson_step(prob, Xt_ws, ws, w, r, history)
                history = []
            pattern = new_pattern
        r = _fresh_residual(prob, w)  # no drift from the rank-one updates
        viol = gradient.violations(prob, w, r)
        new_residual = float(np.max(viol, initial=0.0))
        outside = np.ones(prob.p, bool)
        outside[ws] = False
        if new_residual > tol and change <= max(0.3 * tol, prob.noise) and not np.any(viol[outside] > tol):
            # the working set holds every violator and is swept to a standstill: the violation is at the
            # rounding level of the sweep; finish with Newton's method, or stop if that does not halve it
            before = new_residual
            if polish and _newton_on_support(prob, w, r):
                clean = True
                viol = gradient.violations(prob, w, r)
                new_residual = float(np.max(viol, initial=0.0))
            if not new_residual < 0.5 * before or new_residual <= prob.noise:
                residual = new_residual
                break
        residual = new_residual
        ws_size = min(prob.p, 2 * ws_size)
        if residual <= tol and polish and prob.D > 2 and _reduce_support(prob, w, r):
            # the support's columns had a null direction: its end is lower (see _reduce_support); go on from there
            clean = False
            viol = gradient.violations(prob, w, r)
            residual = float(np.max(viol, initial=0.0))
    if polish and not clean and residual <= tol and np.any(w):
        # stationarity on the support to rounding level (CD stops at tol); kept only if it still passes
        trial, r_trial = w.copy(), r.copy()
        if _newton_on_support(prob, trial, r_trial):
            res_trial = float(np.max(gradient.violations(prob, trial, r_trial), initial=0.0))
            if res_trial <= residual:
                w, r, residual = trial, r_trial, res_trial
    sol = Solution(w, _objective(r, w, prob.lam, prob.D, n), bool(residual <= tol), sweeps, residual)
    return sol, gradient


def _lsqr(prob: _Problem, w0: np.ndarray, tol: float, max_iter: int) -> Solution:
    """``D = 1`` or ``λ = 0``: ``min ‖Xw − y‖² + 2nλ‖w‖²`` (``λ = 0`` for ``D >= 2``) by LSQR from ``w0``.

    Each round solves for a correction ``d`` of ``w`` the least-squares problem
    ``‖[X; δI] d − [y − Xw; −δw]‖²`` (``δ = √(2nλ)``, the ridge term as extra rows) by LSQR
    (``O(n·p)`` per iteration, never ``XᵀX``); repeated (iterative refinement) until the
    violation is ``<= tol``. For ``λ = 0`` it is the least-squares point nearest ``w0``.
    """
    X, y, n, p, lam = prob.X, prob.y, prob.n, prob.p, prob.lam
    damp = math.sqrt(2.0 * n * lam) if prob.D == 1 else 0.0
    A = LinearOperator(
        (n + p, p),
        dtype=float,
        matvec=lambda d: np.concatenate([X @ d, damp * d]),
        rmatvec=lambda u: X.T @ u[:n] + damp * u[n:],
    )
    w = w0.copy()
    w[~prob.live] = 0.0
    its, residual, r = 0, np.inf, y - X @ w
    for _ in range(4):
        limit = min(max_iter - its, 4 * min(n, p) + 20)
        if limit < 1:
            break
        d, _istop, itn = lsqr(A, np.concatenate([r, -damp * w]), atol=1e-16, btol=1e-16, conlim=0.0, iter_lim=limit)[:3]
        its += int(itn)
        w = w + d
        w[~prob.live] = 0.0
        r = y - X @ w
        residual = float(np.max(_residual_and_violations(prob, w, r), initial=0.0))
        if residual <= tol:
            break
    return Solution(w, _objective(r, w, lam, prob.D, n), bool(residual <= tol), its, residual)


@single_threaded_blas
def solve(
    X: np.ndarray,
    y: np.ndarray,
    lam: float,
    D,
    w0: np.ndarray | None = None,
    *,
    tol: float = 1e-10,
    max_iter: int = 100000,
    polish: bool = True,
) -> Solution:
    """A local minimum of ``G(w) = ‖Xw − y‖²/(2n) + λ Σ_j |w_j|^{2/D}`` from ``w0`` (unchecked input).

    The engine of :func:`dwf_theory.equivalence.fit_lq` for least squares (which checks the
    input; see the module docstring for the method). Every update is an exact coordinate
    minimization, so ``G`` never increases from ``w0``. ``D = 1`` and ``λ = 0`` are solved by
    LSQR instead. ``w0 = None``: the default of :func:`lq_start`.

    Returns
    -------
    Solution
        ``(w, objective, converged, n_iter, residual)``; ``residual`` is the largest violation
        (:func:`_violations`); ``n_iter`` counts the sweeps (coordinate passes over a working
        set) of the fit and of its default start, or LSQR iterations.
    """
    base, scale = _prepare(X, y, D)
    prob = base.at(scale.lam_in(lam, D))
    tol = scale.tol_in(tol)
    spent = 0
    gradient = None
    if w0 is None:
        w0, spent, gradient = _start(prob, DEFAULT_START, tol, max_iter, lam_at=lambda d: scale.lam_in(lam, d))
    else:
        w0 = scale.w_in(w0)
    sol, _ = _solve(prob, w0, tol, max_iter, polish, gradient)
    return scale.solution_out(sol._replace(n_iter=sol.n_iter + spent))


def _check_data(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = v.finite_array(X, "X", ndim=2)
    y = v.finite_array(y, "y", ndim=1)
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y must have the same number of rows, got {X.shape[0]} and {y.shape[0]}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must be non-empty, got shape {X.shape}")
    return X, y


# --------------------------------------------------------------------------- #
# λ_max, paths and the default start
# --------------------------------------------------------------------------- #


def _kappa_power(D) -> float:
    """``τ(1, D)^{2−q}``: the threshold at ``λ = 1`` to the power ``2 − q`` (``τ(λ) = τ(1) λ^{1/(2−q)}``)."""
    return threshold(1.0, D) ** (2.0 - _q(D))


def _lambda_max(prob: _Problem) -> float:
    if prob.D == 1:
        return math.inf
    b = np.abs(prob.X.T @ prob.y) / prob.n
    live = prob.live
    if not live.any():
        return 0.0
    q = _q(prob.D)
    return float(np.max(b[live] ** (2.0 - q) * prob.c[live] ** (q - 1.0)) / _kappa_power(prob.D))


def lq_lambda_max(X, y, D) -> float:
    """Smallest ``λ`` at which one coordinate-wise prox step from ``w = 0`` leaves every coordinate at zero.

    At ``w = 0`` coordinate ``j`` moves to ``prox(b_j/c_j, λ/c_j, D)`` with ``b = Xᵀy/n`` and
    ``c_j = ‖X_j‖²/n``, which is zero iff ``|b_j|/c_j <= τ(λ/c_j) = τ(1)(λ/c_j)^{1/(2−q)}``
    (``q = 2/D``, ``q = 0`` for ``D = inf``; :func:`~dwf_theory.prox.threshold`), i.e. iff
    ``λ >= |b_j|^{2−q} c_j^{q−1} / τ(1)^{2−q}``. Hence (derived here)

        ``λ_max = max_j |b_j|^{2−q} c_j^{q−1} / τ(1, D)^{2−q}``.

    ``D = 2``: ``max_j |X_jᵀ y|/n``, scikit-learn's ``alpha_max`` of ``lasso_path``. ``D = inf``:
    ``max_j (X_jᵀy)² / (2n‖X_j‖²)``, the largest loss decrease of a one-coordinate fit.
    ``D = 1`` (ridge) never gives zeros: ``inf``. For ``D <= 2`` the minimum of ``G`` is ``w = 0``
    exactly when ``λ >= λ_max``; for ``D > 2``, ``w = 0`` is a local minimum for every ``λ``
    (the penalty's slope is infinite at 0) and ``λ_max`` only marks where coordinate descent from
    0 no longer moves. Zero columns are ignored; ``0`` when every column is zero.

    Parameters
    ----------
    X : array_like, shape (n, p)
    y : array_like, shape (n,)
    D : int >= 1 or ``math.inf``
    """
    X, y = _check_data(X, y)
    D = v.depth_or_inf(D)
    prob, scale = _prepare(X, y, D)
    return scale.lam_out(_lambda_max(prob), D)


@dataclass(frozen=True)
class LqPath:
    """Fits of ``G`` along a decreasing sequence of ``λ``, each warm-started from the previous one.

    Attributes
    ----------
    lams : ndarray, shape (n_lams,)
        Decreasing.
    coefs : ndarray, shape (n_lams, p)
        ``coefs[i]`` is the fit at ``lams[i]`` (scikit-learn's ``lasso_path`` stores the transpose).
    objectives : ndarray, shape (n_lams,)
        ``G`` at each fit.
    converged : ndarray of bool, shape (n_lams,)
    n_iter : ndarray of int, shape (n_lams,)
        Sweeps of coordinate descent per fit (LSQR iterations for ``D = 1``).
    lam_max : float
        :func:`lq_lambda_max` (``inf`` for ``D = 1``).
    D : int or float
    """

    lams: np.ndarray
    coefs: np.ndarray
    objectives: np.ndarray
    converged: np.ndarray
    n_iter: np.ndarray
    lam_max: float
    D: int | float


@single_threaded_blas
def lq_path(X, y, D, *, lams=None, n_lams=50, eps=1e-3, tol=1e-10, max_iter=100000, polish=True) -> LqPath:
    """Local minima of ``G(w) = ‖Xw − y‖²/(2n) + λ Σ_j |w_j|^{2/D}`` along a path of ``λ`` (warm starts).

    In the spirit of scikit-learn's ``lasso_path``: ``λ`` runs from :func:`lq_lambda_max`
    (where ``w = 0``) down a log grid to ``eps · λ_max``; each fit is coordinate descent with the
    exact prox (module docstring) started from the fit at the previous ``λ``. For ``D > 2`` the path
    follows one branch of local minima, which moves continuously with ``λ`` except where a
    coordinate enters or leaves the support.

    Parameters
    ----------
    X : array_like, shape (n, p)
    y : array_like, shape (n,)
    D : int >= 1 or ``math.inf``
    lams : array_like, optional
        The values of ``λ >= 0`` (sorted into decreasing order). Required for ``D = 1``.
    n_lams : int >= 1
        Grid size when ``lams`` is not given.
    eps : float in (0, 1]
        ``λ_min = eps · λ_max`` when ``lams`` is not given.
    tol, max_iter, polish
        Per fit, as in :func:`dwf_theory.equivalence.fit_lq`.

    Returns
    -------
    LqPath
    """
    X, y = _check_data(X, y)
    D = v.depth_or_inf(D)
    tol, max_iter = v.positive(tol, "tol"), v.whole_number(max_iter, "max_iter", 1)
    prob, scale = _prepare(X, y, D)
    lam_max = scale.lam_out(_lambda_max(prob), D)
    if lams is None:
        n_lams = v.whole_number(n_lams, "n_lams", 1)
        eps = v.positive(eps, "eps")
        if eps > 1.0:
            raise ValueError(f"eps must be in (0, 1], got {eps!r}")
        if math.isinf(lam_max):
            raise ValueError("lams must be given for D = 1: ridge regression never sets coefficients to zero")
        lams = lam_max * np.logspace(0.0, np.log10(eps), n_lams) if lam_max > 0 else np.zeros(1)
    else:
        lams = v.finite_array(lams, "lams", ndim=1)
        if lams.size == 0 or np.any(lams < 0):
            raise ValueError("lams must be a non-empty 1-d array of values >= 0")
        lams = np.sort(lams)[::-1]
    w, gradient = np.zeros(X.shape[1]), None
    coefs, objs, conv, its = [], [], [], []
    tol = scale.tol_in(tol)
    for lam in lams:
        at = prob.at(scale.lam_in(float(lam), D))
        if D == 1 or at.lam == 0.0:
            sol, gradient = _lsqr(at, w, tol, max_iter), None
        else:
            sol, gradient = _cd(at, w.copy(), tol, max_iter, bool(polish), gradient)
        w = sol.w
        out = scale.solution_out(sol)
        coefs.append(out.w)
        objs.append(out.objective)
        conv.append(out.converged)
        its.append(out.n_iter)
    return LqPath(
        lams=np.asarray(lams, float),
        coefs=np.array(coefs),
        objectives=np.array(objs),
        converged=np.array(conv, bool),
        n_iter=np.array(its, int),
        lam_max=float(lam_max),
        D=D,
    )


def _solve(
    prob: _Problem, w0: np.ndarray, tol: float, max_iter: int, polish: bool, gradient: _Gradient | None = None
) -> tuple[Solution, _Gradient | None]:
    """One fit from ``w0``: LSQR for ``D = 1`` or ``λ = 0``, else :func:`_cd` (with the gradient state)."""
    if prob.D == 1 or prob.lam == 0.0:
        return _lsqr(prob, w0, tol, max_iter), None
    return _cd(prob, w0.copy(), tol, max_iter, bool(polish), gradient)


def _start(
    prob: _Problem, how: str, tol: float, max_iter: int, n_path: int = 10, lam_at=None
) -> tuple[np.ndarray, int, _Gradient | None]:
    """A starting point for a fit of ``prob``, the sweeps spent on it and the gradient state there.

    ``'zero'``: ``w = 0``. ``'lasso'``: the ``D = 2`` fit at the same ``λ`` (from 0).
    ``'path'``: the ``D`` fits along ``n_path`` log-spaced ``λ`` from ``λ_max`` down to ``λ`` (the last
    one excluded: it is the fit itself). ``'depth'``: continuation in the depth, the fits for
    ``D = 2, 3, …`` up to ``D − 1`` at the same ``λ`` (``D = inf``: ``2, 3, 4, 6, 8``), each from
    the previous. ``lam_at(d)``: the user's ``λ`` for depth ``d`` in the units of ``prob`` (it differs
    from ``prob.lam`` when :class:`_Scale` rescaled the data; default ``prob.lam``).
    """
    zero = np.zeros(prob.p)
    if lam_at is None:

        def lam_at(d):
            return prob.lam

    if how == "zero" or prob.D <= 2 or prob.lam == 0.0:
        return zero, 0, None
    if how == "lasso":
        sol, gradient = _solve(prob.at(lam_at(2), 2), zero, tol, max_iter, True)
        return sol.w, sol.n_iter, gradient
    if how == "path":
        lam_max = _lambda_max(prob)
        if not lam_max > prob.lam:
            return zero, 0, None
        lams = np.geomspace(lam_max, prob.lam, n_path)[:-1]
    elif how == "depth":
        lams = None
    else:
        raise ValueError(f"how must be one of {STARTS}, got {how!r}")
    depths = [2, 3, 4, 6, 8] if math.isinf(prob.D) else list(range(2, int(prob.D)))
    steps = [prob.at(float(lam)) for lam in lams] if lams is not None else [prob.at(lam_at(d), d) for d in depths]
    w, sweeps, gradient = zero, 0, None
    for step in steps:
        sol, gradient = _solve(step, w, tol, max_iter, True, gradient)
        w, sweeps = sol.w, sweeps + sol.n_iter
    return w, sweeps, gradient


#: The start of a single fit when none is given (see :func:`lq_start`).
DEFAULT_START = "lasso"
STARTS = ("lasso", "zero", "path", "depth")


@single_threaded_blas
def lq_start(X, y, lam, D, *, how=DEFAULT_START, n_path=20) -> np.ndarray:
    """A start for a fit of ``G(w) = ‖Xw − y‖²/(2n) + λ Σ_j |w_j|^{2/D}``; the default is ``fit_lq``'s.

    ``how``:

    * ``'lasso'`` (the default, :data:`DEFAULT_START`): the ``D = 2`` (Lasso) solution at the
      same ``λ``;
    * ``'zero'``: ``w = 0`` — for ``D > 2`` a local minimum of ``G`` for every ``λ``;
    * ``'path'``: the fit at the last-but-one of ``n_path`` log-spaced ``λ`` from
      :func:`lq_lambda_max` down to ``λ``, each fit started from the previous one;
    * ``'depth'``: continuation in the depth, the fits for ``D = 2, 3, …, D − 1`` at the same
      ``λ`` (``2, 3, 4, 6, 8`` for ``D = inf``), each from the previous.

    For ``D ≤ 2`` or ``λ = 0`` (convex problems) every choice gives ``w = 0``. The default was
    chosen by measurement with :func:`dwf_theory.minima.which_minimum` (24 problems per depth,
    ``D = 3, 4, 6, inf``; README, "Which minimum"): from the Lasso, coordinate descent reached the
    best objective any method found on 88–100 % of the problems (largest gap 0.84 %), from zero on
    71–83 % (largest gap 175 %), along a 20-λ path on 79–92 % (82 %); the continuation in the depth
    did as well (88–100 %, largest gap 1.1 %) at up to twice the cost, so the cheaper Lasso start
    (also the peers' warm start) is the default.

    Parameters
    ----------
    X : array_like, shape (n, p)
    y : array_like, shape (n,)
    lam : float >= 0
    D : int >= 1 or ``math.inf``
    how : {'lasso', 'zero', 'path', 'depth'}
    n_path : int >= 2
        Grid size for ``'path'``.
    """
    X, y = _check_data(X, y)
    lam = v.regularization(lam)
    D = v.depth_or_inf(D)
    if how not in STARTS:
        raise ValueError(f"how must be one of {STARTS}, got {how!r}")
    n_path = v.whole_number(n_path, "n_path", 2)
    base, scale = _prepare(X, y, D)
    w0 = _start(
        base.at(scale.lam_in(lam, D)),
        how,
        scale.tol_in(1e-10),
        100000,
        n_path=n_path,
        lam_at=lambda d: scale.lam_in(lam, d),
    )[0]
    return scale.w_out(w0)
