"""C1–C6: the penalty identity of deep weight factorization and the thresholding operator of λ|w|^{2/D}.

Every reference below is computed in the check itself and never with the function it
checks: the penalty ``Σ_j |w_j|^{2/D}`` and the scalar objective
``h(w) = ½(w − z)² + λ|w|^q`` (``q = 2/D``) are written out here, optimality is tested
through the first-order conditions, root finding (:func:`scipy.optimize.brentq`) or a
grid search refined by :func:`scipy.optimize.minimize_scalar`.
"""

from __future__ import annotations

import math

import numpy as np

from .. import penalty
from ..prox import jump, prox, threshold
from ._registry import Measured, claim, classical, derived, fmt_set, paper, rel_error, worse


def _powers_of_ten(values) -> str:
    """``{10^a, 10^b, …}``."""
    return "{" + ", ".join(f"10^{round(math.log10(v))}" for v in values) + "}"


def _h(w, z, lam: float, q: float):
    """The scalar objective ``½(w − z)² + λ|w|^q``, written out (the reference for C4)."""
    w = np.asarray(w, float)
    return 0.5 * (w - z) ** 2 + lam * np.abs(w) ** q


def _published_tau_beta(lam: float, q: float) -> tuple[float, float]:
    """``(τ, β)`` of the L_q thresholding rule as published (Marjanovic & Solo 2012), ``0 < q < 1``.

    ``β = (2λ(1 − q))^{1/(2−q)}`` and ``τ = β (2 − q) / (2(1 − q))``; C3 checks the code's
    :func:`~dwf_theory.prox.threshold` and :func:`~dwf_theory.prox.jump` against root finding,
    C4 only uses ``τ`` to place test points next to the threshold.
    """
    beta = (2.0 * lam * (1.0 - q)) ** (1.0 / (2.0 - q))
    return beta * (2.0 - q) / (2.0 * (1.0 - q)), beta


# --------------------------------------------------------------------------- C1

C1_DEPTHS = tuple(range(2, 9))
C1_WEIGHTS = 200  # random weights per depth (every tenth set to zero)
C1_RESCALINGS = 2000  # random rescalings ω_d → c_d ω_d with Π_d c_d = 1 per depth


@claim(
    "C1",
    "Balanced factors attain the L_{2/D} penalty",
    "For every w and D ≥ 2, min{(1/D)Σ_d‖ω_d‖² : ω_1⊙…⊙ω_D = w} = Σ_j|w_j|^{2/D}, and the balanced "
    "factorizations |ω_{d,j}| = |w_j|^{1/D} attain it (per coordinate the AM–GM inequality).",
    f"D = {C1_DEPTHS[0]}..{C1_DEPTHS[-1]}, {C1_WEIGHTS} random weights per depth (every tenth zero): "
    "penalty.balanced_factors must multiply back to w, and penalty.factor_penalty of them as well as "
    "penalty.lq_penalty(w) must equal Σ_j|w_j|^{2/D} written out here (relative error); "
    f"{C1_RESCALINGS:,} random rescalings ω_d → c_dω_d (Π_d c_d = 1, log c_d ~ N(0, 0.5²)) of the balanced "
    "factors per depth, which together with sign flips reach every factorization, must never give a smaller "
    "factor penalty (relative shortfall below Σ_j|w_j|^{2/D}).",
    1e-12,
    source=paper(
        "the penalty identity behind Theorem 1: the factor penalty's minimum over the factorizations "
        "of w is ‖w‖_{2/D}^{2/D}, attained at balanced factors (per coordinate AM–GM)"
    ),
    sample={
        "depths": len(C1_DEPTHS),
        "weights": len(C1_DEPTHS) * C1_WEIGHTS,
        "rescalings": len(C1_DEPTHS) * C1_RESCALINGS,
    },
)
def _c1():
    rng = np.random.default_rng(1)
    worst, n_depths, n_weights, n_rescalings = 0.0, 0, 0, 0
    for D in C1_DEPTHS:
        w = rng.standard_normal(C1_WEIGHTS) * 3.0
        w[::10] = 0.0
        reference = float(np.sum(np.abs(w) ** (2.0 / D)))  # Σ_j |w_j|^{2/D}
        bal = penalty.balanced_factors(w, D)
        worst = max(
            worst,
            rel_error(np.prod(bal, axis=0), w),
            rel_error(penalty.factor_penalty(bal), reference),
            rel_error(penalty.lq_penalty(w, D), reference),
        )
        c = np.exp(rng.normal(0.0, 0.5, size=(C1_RESCALINGS, D, w.size)))
        c /= np.exp(np.mean(np.log(c), axis=1, keepdims=True))  # Π_d c_d = 1
        values = np.sum((c * bal) ** 2, axis=(1, 2)) / D  # the factor penalty, written out
        worst = worse(worst, max(0.0, reference - float(np.min(values))) / reference)
        n_depths, n_weights, n_rescalings = n_depths + 1, n_weights + w.size, n_rescalings + c.shape[0]
    return Measured(worst, {"depths": n_depths, "weights": n_weights, "rescalings": n_rescalings})


# --------------------------------------------------------------------------- C2

C2_PAIRS = 2000  # random (z, λ): |z| over six decades, λ ∈ [0, 2)


@claim(
    "C2",
    "Prox closed forms for D = 1 and D = 2",
    "The prox of λ|w|^{2/D} is ridge shrinkage z/(1 + 2λ) for D = 1 and soft thresholding "
    "sign(z)·max(|z| − λ, 0) for D = 2.",
    f"{C2_PAIRS:,} random (z, λ) with |z| over six decades and λ ∈ [0, 2): the optimality conditions of "
    "½(w − z)² + λ|w|^{2/D} at w = prox(z, λ, D), written out here — D = 1: w − z + 2λw = 0; D = 2: "
    "0 ∈ w − z + λ∂|w| (|z| ≤ λ when w = 0) — residual relative to max(|z|, 1).",
    1e-14,
    source=classical("soft thresholding: Donoho & Johnstone 1994; D = 1 is ridge shrinkage, Hoerl & Kennard 1970"),
    sample={"pairs": C2_PAIRS},
)
def _c2():
    rng = np.random.default_rng(2)
    z = rng.uniform(-5, 5, C2_PAIRS) * 10.0 ** rng.integers(-3, 4, C2_PAIRS)
    lam = rng.uniform(0, 2, C2_PAIRS)
    worst, n_pairs = 0.0, 0
    for zi, li in zip(z, lam, strict=True):
        w1 = float(prox(zi, li, 1))
        w2 = float(prox(zi, li, 2))
        r1 = abs(w1 - zi + 2 * li * w1)
        r2 = abs(w2 - zi + li * np.sign(w2)) if w2 != 0 else max(0.0, abs(zi) - li)
        worst = worse(worst, max(r1, r2) / max(abs(zi), 1.0))
        n_pairs += 1
    return Measured(worst, {"pairs": n_pairs})


# --------------------------------------------------------------------------- C3

C3_DEPTHS = (*range(3, 13), 100)
C3_LAMS = (1e-6, 0.3, 5.0)


@claim(
    "C3",
    "Threshold τ and jump β of the prox (D ≥ 3)",
    "For D ≥ 3 (q = 2/D) the prox of λ|w|^q is zero for |z| ≤ τ and jumps to β at |z| = τ, with "
    "β = (2λ(1 − q))^{1/(2−q)} and τ = β(2 − q)/(2(1 − q)): at |z| = τ the larger stationary point β "
    "has the same objective as w = 0.",
    f"D ∈ {fmt_set(C3_DEPTHS)}, λ ∈ {fmt_set(C3_LAMS)} ({len(C3_DEPTHS) * len(C3_LAMS)} cases): the tie "
    "½(w(z) − z)² + λw(z)^q = ½z², with w(z) the larger root of w + λqw^{q−1} = z found by brentq, solved "
    "for z by brentq gives τ and w(τ) gives β; prox.threshold and prox.jump against them (relative error).",
    1e-10,
    source=classical("Marjanovic & Solo 2012, L_q thresholding; Xu et al. 2012 for q = 1/2"),
    sample={"depths": len(C3_DEPTHS), "cases": len(C3_DEPTHS) * len(C3_LAMS)},
)
def _c3():
    from scipy.optimize import brentq

    worst, depths, n_cases = 0.0, set(), 0
    for D in C3_DEPTHS:
        q = 2.0 / D
        for lam in C3_LAMS:
            wm = (lam * q * (1 - q)) ** (1 / (2 - q))  # minimum of z(w) = w + λqw^{q−1}

            def root(z, lam=lam, q=q, wm=wm):  # larger root of w + λ q w^{q−1} = z, independent of prox()
                return brentq(lambda w: w + lam * q * w ** (q - 1) - z, wm, z, xtol=1e-300, rtol=1e-15)

            def tie(z, lam=lam, q=q, root=root):
                w = root(z)
                return 0.5 * (w - z) ** 2 + lam * w**q - 0.5 * z * z

            zlo = wm + lam * q * wm ** (q - 1)
            tau = brentq(tie, zlo * (1 + 1e-12), 10 * zlo, xtol=1e-300, rtol=1e-15)
            worst = worse(worst, rel_error(threshold(lam, D), tau), rel_error(jump(lam, D), root(tau)))
            depths.add(D)
            n_cases += 1
    return Measured(worst, {"depths": len(depths), "cases": n_cases})


# --------------------------------------------------------------------------- C4

C4_DEPTHS = (3, 4, 5, 8, 100)
C4_LAM = 0.7
C4_RANDOM_Z = 150  # z uniform on [−4, 4] per depth
C4_NEAR_Z = 20  # z = ±τ(1 ± s), s log-spaced on [1e-6, 1e-1], per depth
C4_GRID = 20001  # grid on [−4.5, 4.5]


@claim(
    "C4",
    "The prox is the global minimizer (D ≥ 3)",
    "For D ≥ 3, prox(z, λ, D) — zero for |z| ≤ τ, otherwise sign(z) times the larger root of "
    "w + λq w^{q−1} = |z| — attains the global minimum of ½(w − z)² + λ|w|^{2/D}.",
    f"D ∈ {fmt_set(C4_DEPTHS)}, λ = {C4_LAM}, per depth {C4_RANDOM_Z} z uniform on [−4, 4] and {C4_NEAR_Z} z "
    "within 1e-6..1e-1 (relative) of ±τ on both sides (τ from the published formula): the objective, written "
    f"out here, at prox(z) against the best of w = 0 and a {C4_GRID:,}-point grid on [−4.5, 4.5] refined by a "
    "bounded minimize_scalar around the grid's best nonzero point; excess relative to that minimum.",
    1e-12,
    source=classical("Marjanovic & Solo 2012: the global minimizer of the L_q thresholding problem"),
    sample={"depths": len(C4_DEPTHS), "z": len(C4_DEPTHS) * (C4_RANDOM_Z + C4_NEAR_Z)},
)
def _c4():
    from scipy.optimize import minimize_scalar

    rng = np.random.default_rng(4)
    grid = np.linspace(-4.5, 4.5, C4_GRID)
    worst, n_depths, n_z = 0.0, 0, 0
    for D in C4_DEPTHS:
        q, lam = 2.0 / D, C4_LAM
        tau, _ = _published_tau_beta(lam, q)
        s = np.logspace(-6, -1, C4_NEAR_Z // 2)
        near = np.concatenate([tau * (1 + s), tau * (1 - s)]) * np.resize([1.0, -1.0], C4_NEAR_Z)
        z = np.concatenate([rng.uniform(-4, 4, C4_RANDOM_Z), near])
        at_prox = _h(prox(z, lam, D), z, lam, q)
        for zi, fi in zip(z, at_prox, strict=True):
            g = _h(grid, zi, lam, q)
            k = int(np.argmin(np.where(grid == 0, np.inf, g)))
            best = minimize_scalar(
                lambda w, zi=zi, lam=lam, q=q: float(_h(w, zi, lam, q)),
                bounds=(grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]),
                method="bounded",
                options={"xatol": 1e-14},
            ).fun
            best = min(best, float(_h(0.0, zi, lam, q)), float(np.min(g)))
            worst = worse(worst, max(0.0, fi - best) / max(best, 1e-300))
            n_z += 1
        n_depths += 1
    return Measured(worst, {"depths": n_depths, "z": n_z})


# --------------------------------------------------------------------------- C5

C5_DEPTHS = (1, 2, 3, 4, 7, 100)
C5_SCALES = (1e-3, 0.5, 3.0, 1e3)
C5_LAM = 0.4
C5_Z = 500  # z uniform on [−5, 5] per depth, none within 1e-6 of ±τ


@claim(
    "C5",
    "Scaling law of the prox",
    "For s > 0 and q = 2/D: prox(s·z, s^{2−q}λ, D) = s·prox(z, λ, D), since substituting w = s·u turns "
    "½(w − sz)² + s^{2−q}λ|w|^q into s²(½(u − z)² + λ|u|^q).",
    f"D ∈ {fmt_set(C5_DEPTHS)}, s ∈ {fmt_set(C5_SCALES)}, λ = {C5_LAM}, {C5_Z} z uniform on [−5, 5] per depth "
    "(resampled where within 1e-6 of ±τ, where the prox jumps): |prox(sz, s^{2−q}λ) − s·prox(z, λ)| "
    "relative to s|z|.",
    1e-12,
    source=derived("substitution w = s·u in the prox objective"),
    sample={"depths": len(C5_DEPTHS), "z": len(C5_DEPTHS) * len(C5_SCALES) * C5_Z},
)
def _c5():
    rng = np.random.default_rng(5)
    worst, n_depths, n_z = 0.0, 0, 0
    for D in C5_DEPTHS:
        q, lam = 2.0 / D, C5_LAM
        tau = threshold(lam, D)
        z = rng.uniform(-5, 5, C5_Z)
        near = np.abs(np.abs(z) - tau) <= 1e-6
        while np.any(near):  # away from the jump, where the tie makes the prox set-valued
            z[near] = rng.uniform(-5, 5, int(near.sum()))
            near = np.abs(np.abs(z) - tau) <= 1e-6
        base = prox(z, lam, D)
        for s in C5_SCALES:
            scaled = prox(s * z, s ** (2 - q) * lam, D)
            worst = worse(worst, float(np.max(np.abs(scaled - s * base) / np.maximum(s * np.abs(z), 1e-300))))
            n_z += z.size
        n_depths += 1
    return Measured(worst, {"depths": n_depths, "z": n_z})


# --------------------------------------------------------------------------- C6

C6_DEPTHS = (10**4, 10**5, 10**6)
C6_LAM = 0.5  # √(2λ) = 1
C6_Z = 6001  # grid on [−3, 3] ...
C6_KEPT = 5961  # ... of which this many lie outside the band |(|z| − 1)| ≤ 1e-2


@claim(
    "C6",
    "D → ∞ gives hard thresholding, at rate 1/D",
    "As D → ∞, prox(z, λ, D) → z·1[|z| > √(2λ)] (hard thresholding) and τ, β → √(2λ). For λ = ½ (√(2λ) = 1) "
    "the largest deviation is that of the jump, 1 − β = 1/D + O(1/D²), since β = (1 − q)^{1/(2−q)} with "
    "q = 2/D; τ − 1 = O(1/D²), and above the threshold |prox − z| = λq|w|^{q−1} < 1/D.",
    f"D ∈ {_powers_of_ten(C6_DEPTHS)}, λ = {C6_LAM}: the deviation dev_D, the largest of |τ_D − 1|, |β_D − 1| and "
    f"max |prox_D(z) − z·1[|z| > 1]| over the {C6_KEPT:,} points of a {C6_Z:,}-point grid on [−3, 3] outside "
    "the band 1e-2 around ±1, against its leading term 1/D: the error is max_D |D·dev_D − 1|.",
    1e-3,
    source=derived(
        "expansion of τ and β in q = 2/D → 0; the limit is hard thresholding, the prox of λ·1[w ≠ 0] "
        "(Donoho & Johnstone 1994)"
    ),
    sample={"depths": len(C6_DEPTHS), "z": len(C6_DEPTHS) * C6_KEPT},
)
def _c6():
    root = math.sqrt(2 * C6_LAM)
    z = np.linspace(-3, 3, C6_Z)
    z = z[np.abs(np.abs(z) - root) > 1e-2]
    hard = np.where(np.abs(z) > root, z, 0.0)
    worst, n_depths, n_z = 0.0, 0, 0
    for D in C6_DEPTHS:
        deviation = max(
            float(np.max(np.abs(prox(z, C6_LAM, D) - hard))),
            abs(threshold(C6_LAM, D) - root),
            abs(jump(C6_LAM, D) - root),
        )
        worst = worse(worst, abs(D * deviation - 1.0))
        n_depths, n_z = n_depths + 1, n_z + z.size
    return Measured(worst, {"depths": n_depths, "z": n_z})
