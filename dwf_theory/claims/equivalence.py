"""C12–C17: the factorized problem F and the collapsed problem G agree.

For least squares ``L(w) = ‖Xw − y‖²/(2n)``,

    F(ω) = L(ω_1 ⊙ … ⊙ ω_D) + (λ/D) Σ_d ‖ω_d‖²,     G(w) = L(w) + λ Σ_j |w_j|^{2/D}.

The fits come from :mod:`dwf_theory.equivalence`: L-BFGS with Newton polish on the
factors (the subject of C12, C13 and C16), proximal gradient with Newton polish on G
(C14, C15, C17), and, as the reference minimum of G in C12 and C16, a brute force over
supports and signs that shares no code with the factor fits. Nothing the solvers use
serves as a measuring instrument: F and G are written out below, their gradients are
complex-step derivatives of these expressions (``∂f/∂x_k = Im f(x + ih e_k)/h``, exact
to rounding), their Hessians central differences of those gradients, and for D = 2
scikit-learn's ``Lasso`` is called directly. Only converged fits are counted, so fits
that fail to converge make a claim fall short of its declared sample instead of
passing it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .. import equivalence as eqv
from .. import penalty
from ..losses import LeastSquares
from ._registry import Measured, claim, classical, fmt_set, paper, worse

#: Weights of magnitude at most this count as zero (a factor fit reaches zero only asymptotically).
ZERO_TOL = 1e-12
#: A point counts as a local minimum of F when max|∇F| ≤ GRAD_TOL and λ_min(∇²F) ≥ −CURVATURE_TOL.
GRAD_TOL = 1e-8
CURVATURE_TOL = 1e-8
#: Step of the central differences of the complex-step gradient that give the Hessian of F.
HESSIAN_STEP = 1e-5


# --------------------------------------------------------------------------- #
# F and G written out, complex-step gradients, finite-difference Hessians
# --------------------------------------------------------------------------- #


def _F(X, y, lam: float, D: int, x):
    """``F`` at flat factors ``x`` of shape ``(..., D·p)`` (complex allowed: no abs, no conjugate)."""
    f = x.reshape(*x.shape[:-1], D, X.shape[1])
    r = np.prod(f, axis=-2) @ X.T - y
    return np.sum(r * r, axis=-1) / (2 * X.shape[0]) + lam / D * np.sum(f * f, axis=(-2, -1))


def _G(X, y, lam: float, D: int, w):
    """``G`` at ``w`` of shape ``(..., p)``.

    For complex ``w`` (complex-step derivatives) ``|w_j|`` is continued analytically as
    ``sign(Re w_j)·w_j``, so a coordinate with ``Re w_j = 0`` contributes no penalty and
    its complex-step derivative is ``∂L/∂w_j`` alone.
    """
    r = w @ X.T - y
    a = np.sign(w.real) * w  # |w| for real w
    with np.errstate(invalid="ignore", divide="ignore"):
        pen = np.where(a.real == 0, 0.0, a ** (2.0 / D))
    return np.sum(r * r, axis=-1) / (2 * X.shape[0]) + lam * np.sum(pen, axis=-1)


def _gradients(f, points, h: float = 1e-30):
    """Complex-step gradients ``Im f(x + ih e_k)/h`` of ``f`` at each row of ``points`` (shape ``(m, n)``)."""
    n = points.shape[-1]
    return f(points[:, None, :] + 1j * h * np.eye(n)).imag / h


def _hessian(f, x, step: float):
    """Symmetrized central differences ``(∇f(x + s e_k) − ∇f(x − s e_k))/(2s)`` of complex-step gradients."""
    n = x.size
    g = _gradients(f, np.concatenate([x + step * np.eye(n), x - step * np.eye(n)]))
    H = (g[:n] - g[n:]).T / (2 * step)
    return 0.5 * (H + H.T)


def _f_optimality(X, y, lam: float, D: int, factors) -> tuple[float, float]:
    """``(max|∇F|, λ_min(∇²F))`` at ``factors``, both computed from :func:`_F` alone."""
    x = np.asarray(factors, float).reshape(-1)
    f = functools.partial(_F, X, y, lam, D)
    grad = float(np.max(np.abs(_gradients(f, x[None])[0])))
    return grad, float(np.linalg.eigvalsh(_hessian(f, x, HESSIAN_STEP))[0])


def _signs(w) -> np.ndarray:
    """``sign(w_j)``, with ``|w_j| <= ZERO_TOL`` counted as zero."""
    return np.sign(np.where(np.abs(w) > ZERO_TOL, w, 0.0))


def _lasso(X, y, lam: float) -> np.ndarray:
    """scikit-learn's ``Lasso(alpha=λ, fit_intercept=False)``: the minimizer of G for D = 2."""
    from sklearn.linear_model import Lasso

    return np.asarray(Lasso(alpha=lam, fit_intercept=False, tol=1e-14, max_iter=1_000_000).fit(X, y).coef_, float)


# --------------------------------------------------------------------------- #
# C12, C13, C16: small problems with every factor fit and a brute-force minimum of G
# --------------------------------------------------------------------------- #

SMALL_SEEDS = (120, 121, 122)
SMALL_DEPTHS = (2, 3, 4, 6)
SMALL_LAMS = (0.05, 0.2)  # alternating over seed and depth
SMALL_STARTS = 12
SMALL_CASES = len(SMALL_SEEDS) * len(SMALL_DEPTHS)
SMALL_TEXT = (
    f"{len(SMALL_SEEDS)} random least-squares problems (n = 6, p = 3, y = Xw₀ + 0.3·noise with w₀ a permutation "
    f"of (1, 0, −0.6)) × D ∈ {fmt_set(SMALL_DEPTHS)}, λ ∈ {fmt_set(SMALL_LAMS)} ({SMALL_CASES} cases); "
    f"equivalence.multistart_factorized from {SMALL_STARTS} random imbalanced starts per case "
    f"({SMALL_CASES * SMALL_STARTS} fits of F) and equivalence.brute_force_lq (every support and sign pattern) "
    "for min G; F and G evaluated from their definitions written out in the check"
)


@dataclass(frozen=True)
class _Case:
    X: np.ndarray
    y: np.ndarray
    lam: float
    D: int
    fits: tuple
    reference: eqv.Fit  # brute-force minimum of G


@functools.lru_cache(maxsize=1)
def _small_problems() -> tuple[_Case, ...]:
    """The cases of C12, C13 and C16 (computed once per run; the mutation tests clear the cache)."""
    out = []
    for i, seed in enumerate(SMALL_SEEDS):
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((6, 3))
        y = X @ rng.permutation([1.0, 0.0, -0.6]) + 0.3 * rng.standard_normal(6)
        loss = LeastSquares(X, y)
        for D in SMALL_DEPTHS:
            lam = SMALL_LAMS[(i + D) % 2]
            fits = tuple(eqv.multistart_factorized(loss, lam, D, starts=SMALL_STARTS, rng=rng))
            out.append(_Case(X, y, lam, D, fits, eqv.brute_force_lq(loss, lam, D, rng=rng)))
    return tuple(out)


def _best_converged(case: _Case):
    """``(F value, fit)`` of the converged factor fit with the smallest F (recomputed), or ``None``."""
    conv = [f for f in case.fits if f.converged]
    if not conv:
        return None
    values = [float(_F(case.X, case.y, case.lam, case.D, f.factors.reshape(-1))) for f in conv]
    k = int(np.argmin(values))
    return values[k], conv[k]


@claim(
    "C12",
    "Equal global minima: min F = min G",
    "For least-squares losses and D ≥ 2 the factorized and the collapsed problem have the same global "
    "minimum value: min_ω F(ω) = min_w G(w).",
    f"{SMALL_TEXT}: the smallest F over the converged fits against G at the brute-force minimizer (relative "
    "error); only converged fits count.",
    1e-8,
    source=paper("Theorem 1: DWF and L_{2/D} regularization have the same global minima"),
    sample={"cases": SMALL_CASES, "fits": SMALL_CASES * SMALL_STARTS},
)
def _c12():
    worst, n_cases, n_fits = 0.0, 0, 0
    for case in _small_problems():
        n_fits += sum(f.converged for f in case.fits)
        best = _best_converged(case)
        if best is None or not case.reference.converged:
            continue
        min_g = float(_G(case.X, case.y, case.lam, case.D, case.reference.w))
        worst = worse(worst, abs(best[0] - min_g) / abs(min_g))
        n_cases += 1
    return Measured(worst, {"cases": n_cases, "fits": n_fits})


@claim(
    "C13",
    "Every local minimum of F is balanced",
    "At every local minimum of F (λ > 0) all factors of a weight have the same magnitude: "
    "max_d ω_{d,j}² − min_d ω_{d,j}² = 0 for every j.",
    f"{SMALL_TEXT}: every converged fit is certified a local minimum independently — complex-step "
    f"max|∇F| ≤ {GRAD_TOL:g} and smallest eigenvalue of the Hessian of F (central differences, step "
    f"{HESSIAN_STEP:g}, of complex-step gradients) ≥ −{CURVATURE_TOL:g} — and its largest imbalance "
    "max_d ω_{d,j}² − min_d ω_{d,j}² (absolute) is the error; all fits must be certified.",
    1e-8,
    source=paper("Theorem 1: local minima of F are balanced factorizations of local minima of G"),
    sample={"local minima": SMALL_CASES * SMALL_STARTS},
)
def _c13():
    worst, n_minima = 0.0, 0
    for case in _small_problems():
        for f in case.fits:
            if not f.converged:
                continue
            grad, low = _f_optimality(case.X, case.y, case.lam, case.D, f.factors)
            if grad > GRAD_TOL or low < -CURVATURE_TOL:
                continue
            sq = f.factors * f.factors
            worst = worse(worst, float(np.max(np.max(sq, axis=0) - np.min(sq, axis=0))))
            n_minima += 1
    return Measured(worst, {"local minima": n_minima})


@claim(
    "C16",
    "Collapsing a global minimizer of F gives a global minimizer of G",
    "If ω* minimizes F globally, then w* = ω*_1 ⊙ … ⊙ ω*_D minimizes G globally and F(ω*) = G(w*).",
    f"{SMALL_TEXT}: for the converged fit with the smallest F, |G(w*) − min G| and |F(ω*) − G(w*)| relative "
    "to min G (brute force).",
    1e-8,
    source=paper("Theorem 1: collapsing maps the global minimizers of F onto those of G"),
    sample={"cases": SMALL_CASES},
)
def _c16():
    worst, n_cases = 0.0, 0
    for case in _small_problems():
        best = _best_converged(case)
        if best is None or not case.reference.converged:
            continue
        f_star, fit = best
        g_star = float(_G(case.X, case.y, case.lam, case.D, np.prod(fit.factors, axis=0)))
        min_g = float(_G(case.X, case.y, case.lam, case.D, case.reference.w))
        worst = worse(worst, abs(g_star - min_g) / abs(min_g), abs(f_star - g_star) / abs(min_g))
        n_cases += 1
    return Measured(worst, {"cases": n_cases})


# --------------------------------------------------------------------------- C14

C14_PROBLEMS = 5  # n = 20, p = 8
C14_STARTS = 2  # random starts of the factor fit


@claim(
    "C14",
    "D = 2 is the Lasso",
    "For D = 2 and L(w) = ‖Xw − y‖²/(2n) the minimizer of G, and the collapse of the global minimizer of F, "
    "is the Lasso solution: scikit-learn's Lasso(alpha=λ, fit_intercept=False).",
    f"{C14_PROBLEMS} random problems (n = 20, p = 8, λ uniform on [0.02, 0.3]): equivalence.fit_lq (proximal "
    f"gradient) and equivalence.global_fit_factorized (best of {C14_STARTS} L-BFGS fits on the factors) against "
    "scikit-learn's Lasso(tol=1e-14) called here; largest absolute weight difference over the converged fits.",
    1e-8,
    source=classical(
        "Hoff 2017: the two-factor Hadamard parametrization with an L2 penalty is the Lasso (Tibshirani 1996)"
    ),
    sample={"problems": C14_PROBLEMS, "fits": 2 * C14_PROBLEMS},
)
def _c14():
    rng = np.random.default_rng(14)
    worst, n_problems, n_fits = 0.0, 0, 0
    for _ in range(C14_PROBLEMS):
        X, y = rng.standard_normal((20, 8)), rng.standard_normal(20)
        loss = LeastSquares(X, y)
        lam = float(rng.uniform(0.02, 0.3))
        ref = _lasso(X, y, lam)
        fits = (eqv.fit_lq(loss, lam, 2), eqv.global_fit_factorized(loss, lam, 2, starts=C14_STARTS, rng=rng))
        for f in fits:
            if f.converged:
                worst, n_fits = worse(worst, float(np.max(np.abs(f.w - ref)))), n_fits + 1
        n_problems += 1
    return Measured(worst, {"problems": n_problems, "fits": n_fits})


# --------------------------------------------------------------------------- C15

C15_PROBLEMS = 4  # n = 20, p = 8
C15_DEPTHS = (2, 3, 4, 5)
C15_STARTS = 3  # random starts of each solver
C15_DIRECTIONS = 20  # random directions within the support
C15_RADIUS = 1e-2  # their length, relative to the smallest nonzero |w_j|
C15_SWITCH = 1e-6  # a zero weight switched on to ±C15_SWITCH
C15_HESSIAN_STEP = 1e-4  # central-difference step of G's Hessian, relative to min(1, smallest nonzero |w_j|)


def _g_local_min_violation(X, y, lam: float, D: int, w, rng) -> tuple[float, int]:
    """Largest violation of local optimality of G at ``w`` and the number of perturbed points tried.

    The violation is the largest of: the complex-step derivative of G on the support; for D = 2
    the excess ``|∂L/∂w_j| − λ`` off it (the Lasso KKT conditions); minus the smallest
    eigenvalue of the Hessian of G on the support (central differences of complex-step
    gradients); the largest decrease of G found by moving along random directions within
    the support or by switching a single zero weight on.
    """
    w = np.where(np.abs(w) > ZERO_TOL, w, 0.0)
    S = w != 0
    G = functools.partial(_G, X, y, lam, D)
    grad = _gradients(G, w[None])[0]  # ∂G/∂w_j on S, ∂L/∂w_j off S
    violation = float(np.max(np.abs(grad[S]), initial=0.0))
    if D == 2:
        violation = max(violation, float(np.max(np.abs(grad[~S]) - lam, initial=0.0)))
    trials = []
    if S.any():
        u, small = w[S], float(np.min(np.abs(w[S])))

        def on_support(v):
            full = np.zeros(v.shape[:-1] + w.shape, dtype=v.dtype)
            full[..., S] = v
            return G(full)

        low = float(np.linalg.eigvalsh(_hessian(on_support, u, C15_HESSIAN_STEP * min(1.0, small)))[0])
        violation = max(violation, -low)
        d = rng.standard_normal((C15_DIRECTIONS, int(S.sum())))
        d *= C15_RADIUS * small / np.linalg.norm(d, axis=1, keepdims=True)
        moved = np.repeat(w[None], 2 * C15_DIRECTIONS, axis=0)
        moved[:, S] += np.concatenate([d, -d])
        trials.append(moved)
    for j in np.flatnonzero(~S):
        moved = np.repeat(w[None], 2, axis=0)
        moved[:, j] = (C15_SWITCH, -C15_SWITCH)
        trials.append(moved)
    if trials:
        points = np.concatenate(trials)
        violation = max(violation, float(G(w) - np.min(G(points))))
        return violation, len(points)
    return violation, 0


@claim(
    "C15",
    "Converged fits are local minima of G",
    "A converged proximal-gradient fit of G, and the collapse of a converged fit of F, is a local minimum of "
    "G(w) = L(w) + λΣ_j|w_j|^{2/D}: G is stationary along its support with a positive semidefinite Hessian "
    "there, no small move lowers G, and for D = 2 the Lasso conditions |∂L/∂w_j| ≤ λ hold off the support, with "
    "the support and signs of scikit-learn's Lasso.",
    f"{C15_PROBLEMS} random problems (n = 20, p = 8) × D ∈ {fmt_set(C15_DEPTHS)}, λ uniform on [0.01, 0.1]: "
    f"equivalence.fit_lq and equivalence.multistart_factorized from {C15_STARTS} random starts each; "
    f"weights with |w_j| ≤ {ZERO_TOL:g} count as zero. For each converged fit the largest of: the complex-step "
    "derivative of G (written out here) on the support; for D = 2, |∂L/∂w_j| − λ off it; minus the smallest "
    f"eigenvalue of G's Hessian on the support (central differences of complex-step gradients, step "
    f"{C15_HESSIAN_STEP:g} × min(1, smallest nonzero |w_j|)); the largest "
    f"decrease of G over {C15_DIRECTIONS} random ± directions within the support of length {C15_RADIUS:g} × the "
    f"smallest nonzero |w_j| and over switching each zero weight to ±{C15_SWITCH:g}. For D = 2 a sign pattern "
    "differing from scikit-learn's Lasso makes the error infinite.",
    1e-8,
    source=paper("Theorem 1: local minima of F collapse to local minima of G"),
    sample={"fits": C15_PROBLEMS * len(C15_DEPTHS) * 2 * C15_STARTS},
)
def _c15():
    rng = np.random.default_rng(15)
    worst, notes, n_fits, n_points = 0.0, [], 0, 0
    for problem in range(C15_PROBLEMS):
        X, y = rng.standard_normal((20, 8)), rng.standard_normal(20)
        loss = LeastSquares(X, y)
        for D in C15_DEPTHS:
            lam = float(rng.uniform(0.01, 0.1))
            fits = [eqv.fit_lq(loss, lam, D, rng.normal(0, 1, 8)) for _ in range(C15_STARTS)]
            fits += eqv.multistart_factorized(loss, lam, D, starts=C15_STARTS, rng=rng)
            lasso_signs = _signs(_lasso(X, y, lam)) if D == 2 else None
            for f in fits:
                if not f.converged:
                    continue
                violation, tried = _g_local_min_violation(X, y, lam, D, f.w, rng)
                worst, n_fits, n_points = worse(worst, violation), n_fits + 1, n_points + tried
                if lasso_signs is not None and np.any(_signs(f.w) != lasso_signs):
                    notes.append(f"problem {problem}: signs differ from scikit-learn's Lasso")
    if notes:
        return Measured(math.inf, {"fits": n_fits}, "; ".join(notes))
    return Measured(worst, {"fits": n_fits}, f"{n_points} perturbed points")


# --------------------------------------------------------------------------- C17

C17_PROBLEMS = 3  # n = 12, p = 5
C17_DEPTHS = (2, 3, 4, 6)
C17_STARTS = 3
C17_ALL_SIGNS_DEPTH = 3  # every sign pattern of the factors at this depth, one random pattern at the others


@claim(
    "C17",
    "Local minima of G lift to local minima of F",
    "If ŵ is a local minimum of G (D ≥ 2), each of its balanced factorizations is a stationary point of F with a "
    "positive semidefinite Hessian.",
    f"{C17_PROBLEMS} random problems (n = 12, p = 5) × D ∈ {fmt_set(C17_DEPTHS)}, λ uniform on [0.02, 0.15]: "
    f"converged equivalence.fit_lq fits from {C17_STARTS} random starts, lifted by penalty.balanced_factors — "
    f"for D = {C17_ALL_SIGNS_DEPTH} with each of the 2^{{D−1}} = {2 ** (C17_ALL_SIGNS_DEPTH - 1)} sign patterns "
    "(s_1, s_2, s_3) with s_1s_2s_3 = sign(w_j), the same for every weight, for the other depths with one random "
    "sign pattern; the error is max(max|∇F|, −λ_min(∇²F)) with F written out here, its complex-step gradient and "
    f"central differences (step {HESSIAN_STEP:g}) of that for the Hessian.",
    1e-8,
    source=paper("Theorem 1: balanced factorizations of local minima of G are local minima of F"),
    sample={
        "fits": C17_PROBLEMS * len(C17_DEPTHS) * C17_STARTS,
        "liftings": C17_PROBLEMS * C17_STARTS * (len(C17_DEPTHS) - 1 + 2 ** (C17_ALL_SIGNS_DEPTH - 1)),
    },
)
def _c17():
    rng = np.random.default_rng(17)
    worst, n_fits, n_liftings = 0.0, 0, 0
    for _ in range(C17_PROBLEMS):
        X, y = rng.standard_normal((12, 5)), rng.standard_normal(12)
        loss = LeastSquares(X, y)
        for D in C17_DEPTHS:
            lam = float(rng.uniform(0.02, 0.15))
            for _ in range(C17_STARTS):
                f = eqv.fit_lq(loss, lam, D, rng.normal(0, 1, 5))
                if not f.converged:
                    continue
                n_fits += 1
                sign_w = np.where(f.w != 0, np.sign(f.w), 1.0)
                if D == C17_ALL_SIGNS_DEPTH:
                    patterns = [
                        np.array([s2 * s3, s2, s3])[:, None] * np.ones((D, 5))
                        for s2 in (1.0, -1.0)
                        for s3 in (1.0, -1.0)
                    ]
                else:
                    patterns = [rng.choice((-1.0, 1.0), size=(D, 5))]
                for signs in patterns:
                    signs = signs.copy()
                    signs[0] *= sign_w * np.prod(signs, axis=0)  # now Π_d signs = sign(w)
                    fac = penalty.balanced_factors(f.w, D, signs=signs)
                    grad, low = _f_optimality(X, y, lam, D, fac)
                    worst, n_liftings = worse(worst, grad, -low), n_liftings + 1
    return Measured(worst, {"fits": n_fits, "liftings": n_liftings})
