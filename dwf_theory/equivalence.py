"""Numeric checks that the factorized problem F and the L_{2/D} problem G agree.

``F(ω) = L(ω_1 ⊙ … ⊙ ω_D) + (λ/D) Σ_d ‖ω_d‖²`` on the factors and
``G(w) = L(w) + λ Σ_j |w_j|^{2/D}`` on the collapsed weights have the same
global minimum, collapsing maps minimizers of F onto minimizers of G, and every
local minimum of F is balanced (the equivalence of DWF and L_{2/D}
regularization, Kolb et al., ICLR 2025; claims C12–C17). This module fits both
problems with unrelated solvers so that these statements can be tested:

* :func:`fit_factorized` — a local minimum of F on the factors (L-BFGS with the
  closed-form gradient :func:`~dwf_theory.penalty.factorized_gradient`, then
  Newton polish with :func:`~dwf_theory.landscape.factorized_hessian`; or
  plain gradient descent).
* :func:`fit_lq` — a local minimum of G: for least squares by coordinate descent
  with the exact prox (:mod:`~dwf_theory.lq_solver`), otherwise by proximal gradient
  with :func:`~dwf_theory.prox.prox`; then Newton polish on the support.
* :func:`global_fit_factorized` (best of many random starts of F) and
  :func:`brute_force_lq` (every support and sign pattern of G, several starts
  each) for global minima; :func:`lasso_reference` (scikit-learn's ``Lasso``)
  for ``D = 2``; :func:`lq_stationarity` for the first-order conditions of G.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import linalg, optimize

from . import _validate as v
from . import lq_solver
from ._threads import single_threaded_blas
from .initialization import init_factors
from .landscape import factorized_hessian
from .losses import LeastSquares, Loss
from .penalty import factorized_gradient, factorized_objective, lq_objective
from .prox import prox

__all__ = [
    "Fit",
    "fit_factorized",
    "fit_lq",
    "global_fit_factorized",
    "multistart_factorized",
    "random_factors",
    "brute_force_lq",
    "lq_stationarity",
    "lasso_reference",
]

_METHODS = ("L-BFGS", "gd")
_LQ_METHODS = ("auto", "cd", "prox-grad")


@dataclass(frozen=True)
class Fit:
    """A fitted local minimum (or the last iterate of a run that did not converge).

    Attributes
    ----------
    w : ndarray
        Collapsed weights.
    factors : ndarray or None
        Factors ``(D, *w.shape)`` for :func:`fit_factorized`; ``None`` for :func:`fit_lq`.
    objective : float
        ``F(factors)`` or ``G(w)``.
    converged : bool
        ``residual <= tol``.
    n_iter : int
        Iterations of the main solver (polish steps not counted).
    residual : float
        ``max |∇F|`` for factor fits; for G fits the fixed-point residual of the
        solver's step, ``max_j |w_j − prox(w_j − η_j ∇_j L(w), η_j λ, D)| / η_j``: proximal
        gradient with ``η_j = η``, coordinate descent with ``η_j = n/‖X_j‖²`` (both zero
        exactly at a fixed point of the solver).
    diverged : bool
        The iterates left the finite numbers (then ``converged`` is False and
        ``w``/``factors`` hold the last finite iterate).
    """

    w: np.ndarray
    factors: np.ndarray | None
    objective: float
    converged: bool
    n_iter: int
    residual: float
    diverged: bool = False


# --------------------------------------------------------------------------- #
# input validation
# --------------------------------------------------------------------------- #


def _check_options(tol, max_iter) -> tuple[float, int]:
    return v.positive(tol, "tol"), v.whole_number(max_iter, "max_iter", 1)


# --------------------------------------------------------------------------- #
# the factorized problem F
# --------------------------------------------------------------------------- #


def _f_and_grad(loss: Loss, lam: float, shape: tuple):
    """Closures ``x -> (F, ∇F)`` on flat factors; non-finite points give ``(inf, 0)`` (line searches back off)."""

    def fg(x):
        factors = x.reshape(shape)
        with np.errstate(over="ignore", invalid="ignore"):
            if not np.all(np.isfinite(factors)) or not np.all(np.isfinite(np.prod(factors, axis=0))):
                return np.inf, np.zeros_like(x)
            try:
                val = factorized_objective(loss, factors, lam)
                grad = factorized_gradient(loss, factors, lam)
            except ValueError:  # overflow to infinity inside the loss
                return np.inf, np.zeros_like(x)
        if not np.isfinite(val) or not np.all(np.isfinite(grad)):
            return np.inf, np.zeros_like(x)
        return val, grad.reshape(-1)

    return fg


def _newton_polish(fg, hess, x: np.ndarray, steps: int = 20) -> np.ndarray:
    """Newton steps ``x ← x − H⁻¹∇F`` while the Hessian is positive definite and ``max|∇F|`` decreases."""
    f, g = fg(x)
    gnorm = np.max(np.abs(g))
    for _ in range(steps):
        if gnorm == 0.0:
            break
        H = hess(x)
        try:
            chol = linalg.cho_factor(H)
        except linalg.LinAlgError:  # not positive definite: not near a strict local minimum
            break
        x_new = x - linalg.cho_solve(chol, g)
        f_new, g_new = fg(x_new)
        gnorm_new = np.max(np.abs(g_new))
        if not (gnorm_new < gnorm and f_new <= f + 1e-12 * max(1.0, abs(f))):
            break
        x, f, g, gnorm = x_new, f_new, g_new, gnorm_new
    return x


@single_threaded_blas
def fit_factorized(
    loss, lam, D, factors0=None, *, rng=None, method="L-BFGS", tol=1e-10, max_iter=20000, lr=None, polish=True
) -> Fit:
    """A local minimum of ``F(ω) = L(ω_1 ⊙ … ⊙ ω_D) + (λ/D) Σ_d ‖ω_d‖²``.

    Parameters
    ----------
    loss : Loss
        Loss of the collapsed weight (:class:`~dwf_theory.losses.Scalar`,
        :class:`~dwf_theory.losses.LeastSquares`, …).
    lam : float >= 0
    D : int >= 1
    factors0 : array_like, shape (D, *loss.shape), optional
        Start. Default: VarMatch factors with ``σ_w = 1`` (i.i.d. ``N(0, 1)``) from ``rng``.
    rng : numpy.random.Generator, int or None
        Used only for the default start.
    method : {'L-BFGS', 'gd'}
        ``'L-BFGS'``: :func:`scipy.optimize.minimize` (L-BFGS-B, no bounds) with
        the closed-form gradient, run until the line search stalls; ``'gd'``:
        gradient descent ``ω ← ω − lr ∇F``.
    tol : float > 0
        Convergence: ``max |∇F| <= tol``.
    max_iter : int
    lr : float > 0, optional
        Step of ``'gd'``; default ``1 / (‖∇²F(ω0)‖₂ + 1)``.
    polish : bool
        Finish with Newton steps on :func:`~dwf_theory.landscape.factorized_hessian` while it is
        positive definite and the gradient shrinks (reaches ``|∇F|`` at
        rounding level, which makes a local minimum balanced to ~1e-15).

    Returns
    -------
    Fit
        ``residual = max |∇F|``; ``diverged`` when the iterates leave the finite numbers (then
        ``w`` and ``factors`` are the last, for L-BFGS the best, finite point).

    Raises
    ------
    ValueError
        If ``F`` overflows float64 at the start, or the Hessian of the polish (``(D·p)²``
        entries, ``p = loss.size``) would exceed ``10**8`` entries.
    """
    loss = v.loss(loss)
    lam = v.regularization(lam)
    D = v.depth(D)
    tol, max_iter = _check_options(tol, max_iter)
    method = v.choice(method, "method", _METHODS)
    polish = v.flag(polish, "polish")
    if lr is not None:
        lr = v.positive(lr, "lr")
        if method != "gd":
            raise ValueError("lr applies to method='gd' only")
    p = int(np.prod(loss.shape, dtype=int))
    if polish or (method == "gd" and lr is None):
        v.allocation(
            (D * p) ** 2,
            "D and loss.shape (the Hessian of F has (D·p)² entries; it is formed for "
            "the Newton polish and the default gd step: use polish=False and an explicit lr)",
        )
    v.allocation(D * p, "D and loss.shape")
    if factors0 is None:
        factors0 = init_factors(loss.shape, D, "varmatch", 1.0, rng=v.generator(rng))
    factors0 = v.factors_for(loss, factors0, "factors0", D).copy()
    shape = factors0.shape
    fg = _f_and_grad(loss, lam, shape)
    if not np.isfinite(fg(factors0.reshape(-1))[0]):
        raise ValueError(
            "F or its gradient overflows float64 at the start for these factors0, lam and D: use smaller magnitudes"
        )

    def hess(y):
        return factorized_hessian(loss, y.reshape(shape), lam)

    if method == "L-BFGS":
        x, n_iter, diverged = _lbfgs(fg, factors0.reshape(-1), max_iter)
    else:
        x, n_iter, diverged = _gradient_descent(fg, factors0.reshape(-1), lr, tol, max_iter, hess)
    if polish and not diverged:
        x = _newton_polish(fg, hess, x)
    factors = x.reshape(shape)
    val, grad = fg(x)
    residual = float(np.max(np.abs(grad))) if np.isfinite(val) else np.inf
    diverged = diverged or not np.isfinite(val)
    return Fit(
        w=np.prod(factors, axis=0),
        factors=factors,
        objective=float(val),
        converged=bool(residual <= tol),
        n_iter=n_iter,
        residual=residual,
        diverged=bool(diverged),
    )


def _lbfgs(fg, x, max_iter):
    """L-BFGS-B (no bounds) with the closed-form gradient, run until the line search stalls: ``(x, n_iter, diverged)``.

    If the line search leaves the finite numbers (possible when ``λ`` or the loss is huge),
    the run is diverged and the best finite point it evaluated is returned.
    """
    best = [np.inf, x.copy()]

    def tracked(y):
        f, g = fg(y)
        if f < best[0]:
            best[0], best[1] = f, y.copy()
        return f, g

    res = optimize.minimize(
        tracked,
        x,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "maxfun": 2 * max_iter, "gtol": 0.0, "ftol": 0.0, "maxcor": 30},
    )
    if np.all(np.isfinite(res.x)) and np.isfinite(fg(res.x)[0]):
        return res.x, int(res.nit), False
    return best[1], int(res.nit), True


def _gradient_descent(fg, x, lr, tol, max_iter, hess):
    """Gradient descent ``x ← x − lr ∇F`` until ``max|∇F| <= tol``: ``(x, n_iter, diverged)``."""
    if lr is None:
        lr = 1.0 / (np.linalg.norm(hess(x), 2) + 1.0)
    lr = v.positive(lr, "lr")
    for it in range(1, max_iter + 1):
        val, grad = fg(x)
        if not np.isfinite(val):
            return x, it, True
        if np.max(np.abs(grad)) <= tol:
            return x, it - 1, False
        x_new = x - lr * grad
        if not np.all(np.isfinite(x_new)) or not np.isfinite(fg(x_new)[0]):
            return x, it, True
        x = x_new
    return x, max_iter, False


def random_factors(loss, D, starts, *, rng=None, scale=None, spread=0.3) -> np.ndarray:
    """Random imbalanced starting factors, shape ``(starts, D, *loss.shape)``.

    Collapsed magnitudes are log-uniform on ``(scale/100, 2·scale)`` (default ``scale``:
    ``1 + max|w_ls|`` with ``w_ls`` the minimizer of ``L`` alone), spread over the
    factors as ``|w|^{1/D} · exp(spread · N(0, 1))`` (so the start is not
    balanced), with random signs. Unlike i.i.d. Gaussian factors, whose product
    concentrates at zero for large ``D``, these starts reach every basin.
    """
    loss = v.loss(loss)
    D = v.depth(D)
    starts = v.whole_number(starts, "starts", 1)
    spread = v.real_scalar(spread, "spread", minimum=0.0)
    scale = 1.0 + float(np.max(np.abs(_unpenalized(loss)))) if scale is None else v.positive(scale, "scale")
    rng = v.generator(rng)
    size = (starts, D, *loss.shape)
    v.allocation(starts * D * int(np.prod(loss.shape, dtype=int)), "starts, D and loss.shape")
    hi = np.log(2.0 * scale) if 2.0 * scale < np.inf else np.log(2.0) + np.log(scale)  # 2·scale may overflow
    mag = np.exp(rng.uniform(np.log(scale / 100.0), hi, size=(starts, 1, *loss.shape)) / D)
    with np.errstate(over="ignore", invalid="ignore"):
        out = rng.choice((-1.0, 1.0), size=size) * mag * np.exp(spread * rng.standard_normal(size))
    return v.finite_result(out, "scale and spread", "the random factors")


def global_fit_factorized(loss, lam, D, *, starts=16, rng=None, **opts) -> Fit:
    """Best local minimum of F over ``starts`` random starts (the global minimum, with high probability).

    Starts come from :func:`random_factors`; ``opts`` go to :func:`fit_factorized`.
    Converged fits are preferred over unconverged ones.
    """
    fits = multistart_factorized(loss, lam, D, starts=starts, rng=rng, **opts)
    return min(fits, key=lambda f: (not f.converged, f.objective))


@single_threaded_blas
def multistart_factorized(loss, lam, D, *, starts=16, rng=None, **opts) -> list[Fit]:
    """:func:`fit_factorized` from each of ``starts`` starts of :func:`random_factors`; a list of fits."""
    x0 = random_factors(loss, D, starts, rng=rng)
    return [fit_factorized(loss, lam, D, f0, **opts) for f0 in x0]


# --------------------------------------------------------------------------- #
# the collapsed problem G
# --------------------------------------------------------------------------- #


def _lipschitz(loss: Loss, w: np.ndarray) -> float:
    """Largest eigenvalue of ``∇²L(w)`` (the Lipschitz constant of ∇L for quadratic losses)."""
    H = loss.hessian(w)
    return float(max(linalg.eigvalsh(H, subset_by_index=[H.shape[0] - 1, H.shape[0] - 1])[0], 1e-300))


@single_threaded_blas
def fit_lq(loss, lam, D, w0=None, *, method="auto", step=None, tol=1e-10, max_iter=100000, polish=True) -> Fit:
    """A local minimum of ``G(w) = L(w) + λ Σ_j |w_j|^{2/D}``: coordinate descent or proximal gradient.

    ``method='cd'`` (the default for :class:`~dwf_theory.losses.LeastSquares`): working-set
    coordinate descent with the exact prox and Newton's method on the support,
    ``O(n·p)`` per sweep (:mod:`dwf_theory.lq_solver`). ``method='prox-grad'`` (every other
    loss): ``w ← prox(w − η ∇L(w), ηλ, D)`` with :func:`~dwf_theory.prox.prox`; with
    ``η = 1/Lip`` the objective never increases (the prox is an exact global minimizer); the
    step is halved whenever it would increase (backtracking, for losses that are not
    quadratic). Both only ever lower ``G`` from the start: for ``D ≥ 3`` the result is a
    stationary point (for ``'cd'`` a coordinate-wise minimum), which one depending on the start.

    Parameters
    ----------
    loss : Loss
    lam : float >= 0
    D : int >= 1, or ``math.inf`` (the L0 penalty ``λ·#{j : w_j ≠ 0}``)
    w0 : array_like, shape loss.shape, optional
        Start. Default for ``'cd'``: :func:`~dwf_theory.lq_solver.lq_start` (zero for
        ``D ≤ 2``; for ``D ≥ 3`` the ``D = 2`` solution at the same ``λ``, chosen by measurement:
        see that function). Default for ``'prox-grad'``: one gradient step from zero,
        ``−η ∇L(0)`` (for the scalar loss this is ``z`` itself).
    method : {'auto', 'cd', 'prox-grad'}
        ``'auto'``: ``'cd'`` for least squares unless ``step`` is given, else ``'prox-grad'``.
    step : float > 0, optional
        ``η`` of ``'prox-grad'``; default ``1 / λ_max(∇²L(w0))``.
    tol : float > 0
        Convergence: fixed-point residual ``<= tol`` (see ``Fit.residual``).
    max_iter : int
        Iterations of proximal gradient; sweeps of coordinate descent.
    polish : bool
        Finish with Newton's method on the support ``S = {j : w_j ≠ 0}`` for the
        stationarity conditions ``∇_S L(w) + λ q sign(w_S) |w_S|^{q−1} = 0``
        (``q = 2/D``), kept only if the objective does not increase, the signs
        do not change and the fixed-point residual does not grow. ``'cd'`` also
        removes nonzeros along null directions of the support's columns for ``D > 2``.

    Returns
    -------
    Fit
        ``factors`` is ``None``; ``residual`` is the fixed-point residual.
    """
    loss = v.loss(loss)
    lam = v.regularization(lam)
    D = v.depth_or_inf(D)
    tol, max_iter = _check_options(tol, max_iter)
    if step is not None:
        step = v.positive(step, "step")
    method = v.choice(method, "method", _LQ_METHODS)
    polish = v.flag(polish, "polish")
    if method == "auto":
        method = "cd" if isinstance(loss, LeastSquares) and step is None else "prox-grad"
    if method == "cd":
        if not isinstance(loss, LeastSquares):
            raise TypeError(f"method='cd' needs a LeastSquares loss, got {type(loss).__name__}")
        if step is not None:
            raise ValueError("step applies to method='prox-grad' only")
        w0 = None if w0 is None else v.weights_for(loss, w0, "w0")
        sol = lq_solver.solve(loss.X, loss.y, lam, D, w0, tol=tol, max_iter=max_iter, polish=polish)
        return Fit(
            w=sol.w,
            factors=None,
            objective=sol.objective,
            converged=sol.converged,
            n_iter=sol.n_iter,
            residual=sol.residual,
        )
    zero = np.zeros(loss.shape)
    if w0 is None:
        eta0 = 1.0 / _lipschitz(loss, zero) if step is None else step
        w0 = -eta0 * loss.grad(zero)
    w = v.weights_for(loss, w0, "w0").copy()
    eta = 1.0 / _lipschitz(loss, w) if step is None else step

    def objective(x):
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                return float(loss.loss(x)) + lam * lq_solver.penalty_value(x, D)
            except ValueError:
                return np.inf

    w, eta, n_iter, diverged = _proximal_gradient(loss, lam, D, w, eta, tol, max_iter, objective)
    if polish and not diverged:
        w = _support_newton(loss, lam, D, w, objective, lambda x: _prox_residual(loss, lam, D, x, eta))
    r = _prox_residual(loss, lam, D, w, eta) if not diverged else np.inf
    return Fit(
        w=w,
        factors=None,
        objective=float(objective(w)),
        converged=bool(r <= tol),
        n_iter=n_iter,
        residual=r,
        diverged=diverged,
    )


def _prox_residual(loss: Loss, lam: float, D: int, x: np.ndarray, eta: float) -> float:
    """Fixed-point residual of proximal gradient, ``max|x − prox(x − η∇L(x), ηλ, D)| / η`` (0 at stationary points)."""
    return float(np.max(np.abs(x - prox(x - eta * loss.grad(x), eta * lam, D)), initial=0.0) / eta)


def _proximal_gradient(loss: Loss, lam: float, D: int, w: np.ndarray, eta: float, tol: float, max_iter: int, objective):
    """Iterate ``w ← prox(w − η∇L(w), ηλ, D)``, halving ``η`` whenever ``objective`` would increase.

    Stops when the step ``max|Δw|/η`` is at most ``tol``, after ``max_iter`` steps, or when
    the objective leaves the finite numbers. Returns ``(w, η, n_iter, diverged)``.
    """
    f = objective(w)
    n_iter, diverged = 0, False
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (n_iter is reported after the loop)
        new = prox(w - eta * loss.grad(w), eta * lam, D)
        f_new = objective(new)
        while not f_new <= f + 1e-14 * max(1.0, abs(f)) and eta > 1e-300:  # backtracking (never for η ≤ 1/Lip)
            eta *= 0.5
            new = prox(w - eta * loss.grad(w), eta * lam, D)
            f_new = objective(new)
        if not np.isfinite(f_new):
            diverged = True
            break
        change = float(np.max(np.abs(new - w), initial=0.0)) / eta
        w, f = new, f_new
        if change <= tol:
            break
    return w, eta, n_iter, diverged


def _support_newton(loss: Loss, lam: float, D: int, w: np.ndarray, objective, residual, steps: int = 30):
    """Newton's method for ``∇_S L + λ q sign(w_S)|w_S|^{q−1} = 0`` on the support, with safeguards.

    Steps stop when the support residual stops shrinking, a sign would change or
    the Jacobian is singular; the result is kept only if neither the objective
    nor ``residual`` (a callable) grows.
    """
    q = 2.0 / D
    S = (w != 0).reshape(-1)
    if not S.any():
        return w
    sign = np.sign(w.reshape(-1)[S])

    def support_residual(x):
        a = np.abs(x.reshape(-1)[S])
        return loss.grad(x).reshape(-1)[S] + lam * q * sign * a ** (q - 1.0), a

    f0, r0 = objective(w), residual(w)
    x = w.copy()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        g, a = support_residual(x)
        for _ in range(steps):
            if not np.max(np.abs(g)) > 0.0:
                break
            J = loss.hessian(x)[np.ix_(S, S)] + np.diag(lam * q * (q - 1.0) * a ** (q - 2.0))
            try:
                delta = np.linalg.solve(J, g)
            except np.linalg.LinAlgError:
                break
            new = x.copy()
            new.reshape(-1)[S] -= delta
            if not np.all(np.isfinite(new)) or np.any(np.sign(new.reshape(-1)[S]) != sign):
                break
            g_new, a_new = support_residual(new)
            if not np.max(np.abs(g_new)) < np.max(np.abs(g)):
                break
            x, g, a = new, g_new, a_new
    if objective(x) <= f0 + 1e-12 * max(1.0, abs(f0)) and residual(x) <= max(r0, 1e-300):
        return x
    return w


def lq_stationarity(loss, w, lam, D, *, zero_tol=0.0) -> float:
    """Largest residual of the first-order conditions of G on the support of ``w``.

    ``max_{j ∈ S} |∇_j L(w) + λ q sign(w_j) |w_j|^{q−1}|`` with ``q = 2/D`` and
    support ``S = {j : |w_j| > zero_tol}`` (``0`` when ``S`` is empty); the loss
    gradient is taken at ``w`` with the entries outside ``S`` set to zero.
    Off the support, stationarity of G holds trivially for ``D ≥ 3`` (the
    penalty's slope is infinite at zero).

    ``zero_tol > 0`` is meant for collapsed factor fits: gradient-based fits of F
    approach a zero weight only asymptotically (its factors shrink
    geometrically), leaving entries like ``1e-60`` that are zero in every sense
    but where ``|w_j|^{q−1}`` is enormous.
    """
    loss = v.loss(loss)
    lam = v.regularization(lam)
    D = v.depth(D)
    w = v.weights_for(loss, w, "w")
    zero_tol = v.real_scalar(zero_tol, "zero_tol", minimum=0.0)
    q = 2.0 / D
    S = np.abs(w) > zero_tol
    w = np.where(S, w, 0.0)
    if not S.any():
        return 0.0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        g = loss.grad(w)[S] + lam * q * np.sign(w[S]) * np.abs(w[S]) ** (q - 1.0)
        value = float(np.max(np.abs(g)))
    return v.finite_result(value, "loss, w, lam and D", "the stationarity residual")


@single_threaded_blas
def brute_force_lq(loss, lam, D, *, starts=2, rng=None, max_size=6) -> Fit:
    """Global minimum of G by enumeration: every support and sign pattern, several starts each.

    On a support ``S`` with signs ``σ`` the objective is smooth in ``u = |w_S| > 0``;
    it is minimized over ``v = log u`` by L-BFGS from ``starts`` random points
    (plus one at the sign-projected unpenalized least-squares point), then
    polished by Newton's method on the support. The best point over all
    ``3^p − 1`` patterns, and ``w = 0``, is returned. For small ``p`` only.

    Parameters
    ----------
    loss : Loss
        With ``loss.shape == (p,)``, ``p <= max_size``.
    starts : int >= 1
    rng : numpy.random.Generator, int or None
    max_size : int
        Refuse larger problems (the cost grows like ``3^p``).
    """
    loss = v.loss(loss)
    lam = v.regularization(lam)
    D = v.depth(D)
    starts = v.whole_number(starts, "starts", 1)
    max_size = v.whole_number(max_size, "max_size", 1)
    rng = v.generator(rng)
    p = int(np.prod(loss.shape))
    if p > max_size:
        raise ValueError(f"loss must have at most max_size={max_size} weights for brute force, got {p}")
    zero = np.zeros(loss.shape)
    w_ls = _unpenalized(loss)
    scale = 1.0 + float(np.max(np.abs(w_ls)))

    def objective(x):
        try:
            return lq_objective(loss, x, lam, D)
        except ValueError:  # G overflows float64 at x
            return np.inf

    best_w, best_f = zero, v.finite_result(objective(zero), "loss", "G(0) = L(0)")
    for pattern in itertools.product((0, 1, -1), repeat=p):
        sigma = np.array(pattern, float).reshape(loss.shape)
        S = sigma != 0
        if not S.any():
            continue
        v0 = [np.log(np.maximum(np.abs(w_ls)[S], 1e-3))]
        v0 += list(np.log(scale * rng.uniform(0.05, 1.0, size=(starts, int(S.sum())))))
        x, fx = _minimize_on_pattern(loss, lam, D, sigma, v0, objective)
        if fx < best_f:
            best_w, best_f = x, fx
    r = _prox_residual(loss, lam, D, best_w, 1.0 / _lipschitz(loss, zero))
    return Fit(w=best_w, factors=None, objective=float(best_f), converged=bool(r <= 1e-8), n_iter=3**p - 1, residual=r)


def _minimize_on_pattern(loss: Loss, lam: float, D: int, sigma: np.ndarray, starts, objective):
    """Best local minimum of G with the signs ``sigma`` on the support ``S = {σ ≠ 0}``: ``(w, G(w))``.

    ``G`` is smooth in ``v = log|w_S|``; L-BFGS from each start in ``v``, then
    Newton's method on the support (:func:`_support_newton`).
    """
    S = sigma != 0
    q = 2.0 / D

    def fg(vv):
        with np.errstate(over="ignore", invalid="ignore"):
            u = np.exp(np.clip(vv, -700, 700))
            x = np.zeros(loss.shape)
            x[S] = sigma[S] * u
            if not np.all(np.isfinite(loss.X @ x if isinstance(loss, LeastSquares) else x)):
                return np.inf, np.zeros_like(vv)
            grad_u = sigma[S] * loss.grad(x)[S] + lam * q * u ** (q - 1.0)
            f, g = objective(x), grad_u * u
        if not (np.isfinite(f) and np.all(np.isfinite(g))):
            return np.inf, np.zeros_like(vv)
        return f, g

    def stationarity(y):
        try:
            return lq_stationarity(loss, y, lam, D)
        except ValueError:  # overflows float64 at y
            return np.inf

    best_x, best_f = None, np.inf
    for start in starts:
        res = optimize.minimize(fg, start, jac=True, method="L-BFGS-B", options={"gtol": 1e-10, "maxiter": 100})
        if not np.all(np.isfinite(res.x)):  # the line search left the finite numbers: no point from this start
            continue
        x = np.zeros(loss.shape)
        x[S] = sigma[S] * np.exp(np.clip(res.x, -700, 700))
        x = _support_newton(loss, lam, D, x, objective, stationarity)
        fx = objective(x)
        if fx < best_f:
            best_x, best_f = x, fx
    return best_x, best_f


def _unpenalized(loss: Loss) -> np.ndarray:
    """A minimizer of ``L`` alone (least-norm for singular Hessians), from one Newton step at zero."""
    zero = np.zeros(loss.shape)
    H = loss.hessian(zero)
    return -(np.linalg.pinv(H) @ loss.grad(zero).reshape(-1)).reshape(loss.shape)


def lasso_reference(loss, lam, *, tol=1e-14, max_iter=1_000_000) -> np.ndarray:
    """scikit-learn's ``Lasso(alpha=lam, fit_intercept=False)`` coefficients: the ``D = 2`` solution of G.

    ``Lasso`` minimizes ``‖Xw − y‖²/(2n) + α‖w‖₁``, which is ``G`` for ``D = 2``
    with the :class:`~dwf_theory.losses.LeastSquares` scaling.
    """
    if not isinstance(loss, LeastSquares):
        raise TypeError(f"loss must be a LeastSquares loss, got {type(loss).__name__}")
    lam = v.positive(lam, "lam")  # scikit-learn requires alpha > 0 (alpha = 0 is plain least squares)
    tol = v.positive(tol, "tol")
    max_iter = v.whole_number(max_iter, "max_iter", 1)
    from sklearn.linear_model import Lasso

    model = Lasso(alpha=lam, fit_intercept=False, tol=tol, max_iter=max_iter)
    model.fit(loss.X, loss.y)
    return np.asarray(model.coef_, float)
