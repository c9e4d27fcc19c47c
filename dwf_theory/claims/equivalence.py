"""C12–C17: the factorized and collapsed problems agree."""

from __future__ import annotations

import math

import numpy as np

from .. import equivalence as eqv
from .. import penalty
from ..landscape import factorized_hessian
from ..losses import LeastSquares
from ._registry import claim, derived, rel_error


def _small_problems():
    """Random small least-squares problems (p=3, n=6) with F fitted from 12 random starts and G by brute force."""
    out = []
    for seed in range(3):
        rng = np.random.default_rng(100 + seed)
        loss = LeastSquares(rng.standard_normal((6, 3)), rng.standard_normal(6))
        for D in (2, 3, 4, 6):
            lv = (0.05, 0.2)[(seed + D) % 2]
            fits = eqv.multistart_factorized(loss, lv, D, starts=12, rng=rng)
            best_f = min(fits, key=lambda f: (not f.converged, f.objective))
            out.append((loss, lv, D, fits, best_f, eqv.brute_force_lq(loss, lv, D, rng=rng)))
    return out


@claim(
    "C12",
    "Equal global minima: min F = min G",
    "min_ω F(ω) = min_w G(w) for least-squares losses and D ≥ 2.",
    "3 random problems (p=3, n=6) × D∈{2,3,4,6}: best of 12 random-start L-BFGS fits of F on the factors "
    "against a brute-force global minimum of G (every support and sign pattern, several starts each); "
    "relative error.",
    1e-8,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c12():
    return max(rel_error(best_f.objective, bf.objective) for *_, best_f, bf in _small_problems())


@claim(
    "C13",
    "Every local minimum of F is balanced",
    "At every local minimum of F (λ > 0) all factors of a weight have equal magnitude: max_d ω_d² − min_d ω_d² = 0.",
    "All converged L-BFGS + Newton fits of C12 (12 random imbalanced starts per problem) whose factor Hessian "
    "has no negative eigenvalue: largest imbalance (absolute).",
    1e-8,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c13():
    worst, count = 0.0, 0
    for loss, lv, _D, fits, _b, _bf in _small_problems():
        for f in fits:
            if f.converged and np.linalg.eigvalsh(factorized_hessian(loss, f.factors, lv))[0] >= -1e-10:
                worst, count = max(worst, float(np.max(penalty.imbalance(f.factors)))), count + 1
    return (worst, f"{count} local minima") if count else (math.inf, "no local minimum found")


@claim(
    "C14",
    "D = 2 is the Lasso",
    "For D = 2, the minimizers of G (and the collapsed minimizers of F) equal scikit-learn's "
    "Lasso(alpha=λ, fit_intercept=False).",
    "5 random problems (p=8, n=20, λ∈[0.02, 0.3]): fit_lq (proximal gradient) and fit_factorized (L-BFGS on the "
    "factors) against Lasso(tol=1e-14); largest absolute difference of the weights.",
    1e-8,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c14():
    rng = np.random.default_rng(14)
    worst = 0.0
    for _ in range(5):
        loss = LeastSquares(rng.standard_normal((20, 8)), rng.standard_normal(20))
        lv = float(rng.uniform(0.02, 0.3))
        ref = eqv.lasso_reference(loss, lv)
        a = eqv.fit_lq(loss, lv, 2).w
        b = eqv.global_fit_factorized(loss, lv, 2, starts=2, rng=rng).w
        worst = max(worst, float(np.max(np.abs(a - ref))), float(np.max(np.abs(b - ref))))
    return worst


@claim(
    "C15",
    "Fits satisfy the L_{2/D} stationarity conditions (D ≥ 3)",
    "A local minimum ŵ of G satisfies ∇_j L(ŵ) + λ q sign(ŵ_j)|ŵ_j|^{q−1} = 0 on its support; so does the "
    "collapse of every local minimum of F.",
    "4 random problems (p=8, n=20) × D∈{3,4,5}: fit_lq from 3 starts and fit_factorized from 3 starts; largest "
    "support residual (absolute) over the converged fits. Support of a factor fit: |w_j| > 1e-12 (its zero "
    "weights are reached only asymptotically, at |w_j| < 1e-40 here).",
    1e-8,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c15():
    rng = np.random.default_rng(15)
    worst, count = 0.0, 0
    for _ in range(4):
        loss = LeastSquares(rng.standard_normal((20, 8)), rng.standard_normal(20))
        for D in (3, 4, 5):
            lv = float(rng.uniform(0.01, 0.1))
            fits = [eqv.fit_lq(loss, lv, D, rng.normal(0, 1, 8)) for _ in range(3)]
            fits += eqv.multistart_factorized(loss, lv, D, starts=3, rng=rng)
            for f in fits:
                if f.converged:
                    atol = 0.0 if f.factors is None else 1e-12
                    worst, count = max(worst, eqv.lq_stationarity(loss, f.w, lv, D, atol=atol)), count + 1
    return worst, f"{count} converged fits"


@claim(
    "C16",
    "Collapsing a global minimizer of F gives a global minimizer of G",
    "If ω* minimizes F globally, w* = ω*_1⊙…⊙ω*_D minimizes G globally and F(ω*) = G(w*).",
    "The best F fits of C12: |G(collapse ω*) − min G| and |F(ω*) − G(collapse ω*)| relative to min G "
    "(brute force).",
    1e-8,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c16():
    worst = 0.0
    for loss, lv, D, _fits, best_f, bf in _small_problems():
        g_star = penalty.lq_objective(loss, best_f.w, lv, D)
        worst = max(worst, rel_error(g_star, bf.objective), abs(best_f.objective - g_star) / abs(bf.objective))
    return worst


@claim(
    "C17",
    "Local minima of G lift to local minima of F",
    "If ŵ is a local minimum of G (D ≥ 2), its balanced factorizations are stationary points of F whose "
    "Hessian is positive semidefinite (local minima).",
    "Converged fit_lq fits from 3 random starts on 3 problems (p=5, n=12) × D∈{2,3,4,6}, every sign pattern "
    "of the factors for D=3: max(|∇F|, −λ_min(∇²F)) at balanced_factors(ŵ).",
    1e-8,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c17():
    rng = np.random.default_rng(17)
    worst, count = 0.0, 0
    for _ in range(3):
        loss = LeastSquares(rng.standard_normal((12, 5)), rng.standard_normal(12))
        for D in (2, 3, 4, 6):
            lv = float(rng.uniform(0.02, 0.15))
            for _ in range(3):
                f = eqv.fit_lq(loss, lv, D, rng.normal(0, 1, 5))
                if not f.converged:
                    continue
                signs = rng.choice((-1.0, 1.0), size=(D, 5))
                signs[0] = np.where(f.w != 0, np.sign(f.w), 1.0) * np.prod(signs[1:], axis=0)
                fac = penalty.balanced_factors(f.w, D, signs)
                grad = float(np.max(np.abs(penalty.factorized_gradient(loss, fac, lv))))
                low = float(np.linalg.eigvalsh(factorized_hessian(loss, fac, lv))[0])
                worst, count = max(worst, grad, -low), count + 1
    return worst, f"{count} local minima of G"
