"""C48–C52: phase diagrams of the scalar and least-squares problems.

The references are computed in the checks themselves: the balanced map iterated by a
plain loop, the critical points of the balanced line by brentq, the Hessian of F at a
balanced point written out by hand, the thresholds of the scalar problem by root finding,
and the optimality of a fitted ``w`` by evaluating ``G`` at perturbed points (and, for
``D = 2``, scikit-learn's Lasso) — never with the helpers of :mod:`dwf_theory.phase`,
:mod:`dwf_theory.landscape` or :mod:`dwf_theory.prox` that the diagrams use.
"""

from __future__ import annotations

import math

import numpy as np

from .. import phase as ph
from ..datasets import sparse_regression
from ..losses import Scalar
from ._registry import Measured, claim, classical, derived, fmt_set, rel_error, worse


def _span(depths) -> str:
    """``a..b`` for consecutive whole numbers, else the set."""
    d = list(depths)
    return f"{d[0]}..{d[-1]}" if d == list(range(d[0], d[-1] + 1)) else fmt_set(d)


# --------------------------------------------------------------------------- #
# the balanced line of F(ω) = ½(ω_1⋯ω_D − z)² + (λ/D)Σω_d², written out here
# --------------------------------------------------------------------------- #
#
# On ω_d = a for all d: F = ½(a^D − z)² + λa², and gradient descent is the 1-D map
# a ← a − η g(a), g(a) = (a^D − z)a^{D−1} + (2λ/D)a. Its slope at a fixed point a* is
# 1 − η h with h = g'(a*) = (D−1)a^{D−2}(a^D − z) + D a^{2D−2} + 2λ/D, so the map is
# stable there iff η < 2/h. The full Hessian of F at (a,…,a) is
# H = a^{2D−2} 11ᵀ + (a^D − z)a^{D−2}(11ᵀ − I) + (2λ/D) I.


def _balanced_roots(z: float, lam: float, D: int) -> list[float]:
    """The positive zeros of ``g(a)/a`` (the nonzero critical points on the balanced line), ascending.

    Sign changes of ``φ(a) = a^{D−2}(a^D − z) + 2λ/D`` on a geometric grid over
    ``(10⁻⁸, 1]·z^{1/D}`` (beyond ``z^{1/D}`` φ > 0), each refined by brentq.
    """
    from scipy.optimize import brentq

    def phi(a):
        return a ** (D - 2) * (a**D - z) + 2.0 * lam / D

    grid = z ** (1.0 / D) * np.geomspace(1e-8, 1.0, 4001)
    vals = np.array([phi(a) for a in grid])
    cross = np.flatnonzero(np.sign(vals[:-1]) != np.sign(vals[1:]))
    return [brentq(phi, grid[i], grid[i + 1], xtol=1e-300, rtol=1e-15) for i in cross]


def _balanced_curvature(a: float, z: float, lam: float, D: int) -> float:
    """``h = g'(a)``, the Hessian eigenvalue of F along the balanced direction at ``(a, …, a)``."""
    return (D - 1) * a ** (D - 2) * (a**D - z) + D * a ** (2 * D - 2) + 2.0 * lam / D


def _largest_eigenvalue(a: float, z: float, lam: float, D: int) -> float:
    """``λ_max`` of the ``D × D`` Hessian of F at ``(a, …, a)``, assembled from the formula above."""
    ones = np.ones((D, D))
    H = a ** (2 * D - 2) * ones + (a**D - z) * a ** (D - 2) * (ones - np.eye(D)) + (2.0 * lam / D) * np.eye(D)
    return float(np.max(np.linalg.eigvalsh(H)))


def _plain_balanced_labels(z, lam, D, alphas, lrs, steps, bound, zero_tol, grad_tol):
    """Every point, every step, np.power; then the label rule of init_lr_phase (its docstring)."""
    eta, a = np.meshgrid(lrs, alphas, indexing="ij")
    ever = np.zeros(a.shape, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            a = a - eta * ((np.power(a, D) - z) * np.power(a, D - 1) + (2.0 * lam / D) * a)
            ever |= ~(np.isfinite(a) & (np.abs(a) <= bound))
        w = np.power(a, D)
        g = math.sqrt(D) * np.abs((w - z) * np.power(a, D - 1) + (2.0 * lam / D) * a)
    out = np.full(a.shape, ph.NOT_CONVERGED)
    out[g < grad_tol] = ph.NONZERO
    out[np.abs(w) < zero_tol] = ph.ZERO
    out[ever] = ph.DIVERGED
    return out


C48_DEPTHS = tuple(range(1, 6))
C48_LAMS = (0.05, 0.3)
C48_Z = 1.0
C48_ALPHAS = np.logspace(-2.5, 0.5, 48)
C48_LRS = np.logspace(-2.5, 1.0, 48)
C48_STEPS = 1500
C48_BOUND, C48_ZERO_TOL, C48_GRAD_TOL = 1e6, 1e-6, 1e-8
C48_EDGE_FRACTION = 0.9
C48_POINTS = 15_696  # the (α, η) points with η below the edge fraction, over all diagrams


@claim(
    "C48",
    "Phase diagram: stopping settled runs early does not change the labels",
    "init_lr_phase, which stops runs that diverged or provably settled and updates in place, labels "
    "every (α, η) as running every step does.",
    f"D = {_span(C48_DEPTHS)}, λ ∈ {fmt_set(C48_LAMS)}, z = {C48_Z:g}: {C48_ALPHAS.size}×{C48_LRS.size} grid "
    f"α ∈ [{C48_ALPHAS[0]:.3g}, {C48_ALPHAS[-1]:.3g}], η ∈ [{C48_LRS[0]:.3g}, {C48_LRS[-1]:.3g}], "
    f"{C48_STEPS:,} steps, thresholds bound {C48_BOUND:g}, zero {C48_ZERO_TOL:g}, gradient {C48_GRAD_TOL:g}: "
    "against a plain loop (np.power, all steps, same label rule) over the rows "
    f"η < {C48_EDGE_FRACTION:g}·2/h, h the balanced curvature at the nonzero minimum (brentq; above it lies "
    "the chaotic band, where rounding alone decides); error = number of differing labels.",
    0.0,
    source=derived("the stopping rules are bounds on the balanced map proven in init_lr_phase's docstring"),
    sample={"diagrams": len(C48_DEPTHS) * len(C48_LAMS), "points": C48_POINTS},
)
def _c48():
    bad, points, diagrams = 0, 0, 0
    for D in C48_DEPTHS:
        for lam in C48_LAMS:
            a_star = _balanced_roots(C48_Z, lam, D)[-1]
            rows = C48_LRS < C48_EDGE_FRACTION * 2.0 / _balanced_curvature(a_star, C48_Z, lam, D)
            pd = ph.init_lr_phase(
                Scalar(C48_Z),
                lam,
                D,
                C48_ALPHAS,
                C48_LRS,
                C48_STEPS,
                bound=C48_BOUND,
                zero_tol=C48_ZERO_TOL,
                grad_tol=C48_GRAD_TOL,
                basin=False,
            )
            ref = _plain_balanced_labels(
                C48_Z, lam, D, C48_ALPHAS, C48_LRS[rows], C48_STEPS, C48_BOUND, C48_ZERO_TOL, C48_GRAD_TOL
            )
            bad += int(np.sum(pd.labels[rows] != ref))
            points += ref.size
            diagrams += 1
    return Measured(bad, {"diagrams": diagrams, "points": points})


C49_DEPTHS = tuple(range(2, 7))
C49_LAMS = (0.05, 0.2)
C49_Z = 1.5
C49_START_OFFSET = 1e-3
C49_LR_MARGIN = 0.02
C49_STEPS = 5000
C49_OVERLAY_RTOL = 1e-10


@claim(
    "C49",
    "Phase diagram: the nonzero region ends at the stability edge",
    "Balanced gradient descent started next to the nonzero minimum converges for η < 2/h and not for "
    "η > 2/h, h the Hessian eigenvalue of F along the balanced direction; init_lr_phase's overlays are "
    "2/h and 2/λ_max, λ_max the largest Hessian eigenvalue.",
    f"D = {_span(C49_DEPTHS)}, λ ∈ {fmt_set(C49_LAMS)}, z = {C49_Z:g}: minimum a* by brentq on the balanced "
    f"line, h and λ_max from the Hessian written out by hand; init_lr_phase at α = a*(1 ± {C49_START_OFFSET:g}), "
    f"η = (1 ∓ {C49_LR_MARGIN:g})·2/h, {C49_STEPS:,} steps; error = number of wrong labels ('nonzero' "
    f"below the edge, anything else above) plus overlays off by more than {C49_OVERLAY_RTOL:g} relative.",
    0.0,
    source=derived("linear stability of the balanced map a ← a − η g(a)"),
    sample={"runs": 4 * len(C49_DEPTHS) * len(C49_LAMS), "overlays": 2 * len(C49_DEPTHS) * len(C49_LAMS)},
)
def _c49():
    bad, runs, overlays, worst = 0, 0, 0, 0.0
    for D in C49_DEPTHS:
        for lam in C49_LAMS:
            a_star = _balanced_roots(C49_Z, lam, D)[-1]
            edge = 2.0 / _balanced_curvature(a_star, C49_Z, lam, D)
            full = 2.0 / _largest_eigenvalue(a_star, C49_Z, lam, D)
            alphas = a_star * np.array([1 - C49_START_OFFSET, 1 + C49_START_OFFSET])
            lrs = edge * np.array([1 - C49_LR_MARGIN, 1 + C49_LR_MARGIN])
            pd = ph.init_lr_phase(Scalar(C49_Z), lam, D, alphas, lrs, C49_STEPS, basin=False)
            bad += int(np.sum(pd.labels[0] != ph.NONZERO)) + int(np.sum(pd.labels[1] == ph.NONZERO))
            runs += pd.labels.size
            for got, ref in ((pd.overlays["balanced_stable_lr"], edge), (pd.overlays["max_stable_lr"], full)):
                err = rel_error(got, ref) if got is not None else math.inf  # None: no overlay computed
                worst = worse(worst, err)
                bad += int(not err <= C49_OVERLAY_RTOL)
                overlays += 1
    return Measured(bad, {"runs": runs, "overlays": overlays}, f"largest overlay error {worst:.1e}")


C50_DEPTHS = tuple(range(3, 7))
C50_LAM = 0.1
C50_Z = 1.0
C50_ALPHAS = np.logspace(-2, 0.4, 24)
C50_LRS = np.logspace(-2, math.log10(0.5), 6)
C50_STEPS = 1500


@claim(
    "C50",
    "The origin's basin ends at the saddle of the balanced line",
    "For D ≥ 3, balanced gradient descent from ω_d = α tends to 0 iff α < a_s, the nonzero saddle of F on "
    "the balanced line (a_s^D the smaller root of w + λq w^{q−1} = |z|), for every η below the stability "
    "edge.",
    f"D = {_span(C50_DEPTHS)}, λ = {C50_LAM:g}, z = {C50_Z:g}, {C50_LRS.size} η ∈ [{C50_LRS[0]:g}, "
    f"{C50_LRS[-1]:g}]: the basin_edge overlay of init_lr_phase ({C50_ALPHAS.size} α, refined by "
    f"multi-section on the balanced map, {C50_STEPS:,} steps) against a_s by brentq on the balanced line; "
    "largest relative error (a start closer to the saddle than ~e^{−μη·steps}, μ its instability rate, has "
    "not left it within the step budget: up to ~6e-4 at η = 0.01, ~1e-5 from η ≈ 0.05 on, where the "
    "multi-section's resolution ~3e-5 decides).",
    1e-3,
    source=derived("the stable manifold of the balanced line's saddle bounds the origin's basin"),
    sample={"edges": len(C50_DEPTHS) * C50_LRS.size},
)
def _c50():
    worst, edges, rows = 0.0, 0, []
    for D in C50_DEPTHS:
        a_s = _balanced_roots(C50_Z, C50_LAM, D)[0]
        pd = ph.init_lr_phase(Scalar(C50_Z), C50_LAM, D, C50_ALPHAS, C50_LRS, C50_STEPS)
        got = np.asarray(pd.overlays["basin_edge"], dtype=float)
        ok = np.isfinite(got)  # a NaN edge (no basin found) is not counted: the sample falls short
        if np.any(ok):
            err = np.abs(got[ok] - a_s) / a_s
            worst = worse(worst, float(np.max(err)))
            rows.append(f"D={D}: {np.max(err):.1e}")
        edges += int(np.sum(ok))
    return Measured(worst, {"edges": edges}, "largest error per depth: " + ", ".join(rows))


C51_DEPTHS = (1, 2, 3, 4, 5, 6, 10)
C51_LAMS = np.linspace(0.05, 1.0, 12)
C51_ZS = np.linspace(-3.0, 3.0, 25)
C51_OVERLAY_RTOL = 1e-10


def _scalar_thresholds(lam: float, D: int) -> tuple[float, float]:
    """``(τ, z_exist)`` of ``½(w − z)² + λ|w|^q``, ``q = 2/D``, by root finding (D ≥ 3) or closed form.

    ``z_exist = min_{w>0} w + λq w^{q−1}`` (bounded minimize_scalar; the value is accurate to the
    square of the argument's tolerance); ``τ`` is the ``|z|`` at which the larger root ``w(z)`` of
    ``w + λq w^{q−1} = |z|`` ties with 0: ``½(w − z)² + λw^q = ½z²`` (brentq). ``D = 2``: both are λ
    (soft thresholding); ``D = 1``: both are 0 (the minimizer z/(1 + 2λ) is nonzero for every z ≠ 0).
    """
    from scipy.optimize import brentq, minimize_scalar

    if D == 1:
        return 0.0, 0.0
    if D == 2:
        return lam, lam
    q = 2.0 / D

    def lhs(w):
        return w + lam * q * w ** (q - 1)

    res = minimize_scalar(lhs, bounds=(1e-12, 10.0), method="bounded", options={"xatol": 1e-12})
    w_m, z_exist = res.x, res.fun

    def tie(z):
        w = brentq(lambda x: lhs(x) - z, w_m, z, xtol=1e-300, rtol=1e-15)
        return 0.5 * (w - z) ** 2 + lam * w**q - 0.5 * z * z

    tau = brentq(tie, z_exist * (1 + 1e-9), 10.0 * z_exist, xtol=1e-300, rtol=1e-15)
    return tau, z_exist


@claim(
    "C51",
    "Three regions of the scalar problem, confirmed by gradient descent",
    "In (λ, z): only the zero minimum for |z| < z_exist; zero global with a nonzero local minimum for "
    "z_exist ≤ |z| ≤ τ (D ≥ 3 only); nonzero global for |z| > τ.",
    f"D ∈ {fmt_set(C51_DEPTHS)}, {C51_LAMS.size}×{C51_ZS.size} grid λ ∈ [{C51_LAMS[0]:g}, {C51_LAMS[-1]:g}], "
    f"z ∈ [{C51_ZS[0]:g}, {C51_ZS[-1]:g}]: threshold_phase (closed forms) against threshold_phase_gd "
    "(gradient descent on F from many balanced starts, objectives compared); its overlays τ and z_exist "
    "against brentq on the tie ½(w − z)² + λw^q = ½z² and the minimum of w + λq w^{q−1} (closed forms for "
    f"D ≤ 2); error = number of differing labels plus thresholds off by more than {C51_OVERLAY_RTOL:g} relative.",
    0.0,
    source=classical("Marjanovic & Solo 2012 (the threshold of the L_q proximal map, 0 < q < 1)"),
    sample={
        "grid points": len(C51_DEPTHS) * C51_LAMS.size * C51_ZS.size,
        "thresholds": 2 * len(C51_DEPTHS) * C51_LAMS.size,
    },
)
def _c51():
    bad, points, thresholds, middle, worst = 0, 0, 0, 0, 0.0
    for D in C51_DEPTHS:
        an, gd = ph.threshold_phase(C51_ZS, C51_LAMS, D), ph.threshold_phase_gd(C51_ZS, C51_LAMS, D)
        bad += int(np.sum(an.labels != gd.labels))
        points += an.labels.size
        middle += int(np.sum(an.labels == 1))
        for i, lam in enumerate(C51_LAMS):
            tau, z_exist = _scalar_thresholds(float(lam), D)
            for got, ref in ((an.overlays["tau"][i], tau), (an.overlays["z_exist"][i], z_exist)):
                err = abs(got - ref) / max(abs(ref), 1e-300) if ref else abs(got)
                worst = worse(worst, err)
                bad += int(not err <= C51_OVERLAY_RTOL)
                thresholds += 1
    detail = f"{middle} points in the middle region; largest threshold error {worst:.1e}"
    return Measured(bad, {"grid points": points, "thresholds": thresholds}, detail)


C52_N, C52_P, C52_K, C52_SEED = 60, 30, 5, 52
C52_DEPTHS = (1, 2, 3, 4, 6)
C52_LAMS = np.logspace(-2, 0, 5)
C52_DIRECTIONS = 20
C52_SCALES = (1e-10, 1e-4)  # perturbation of w_j on the support, relative to |w_j|
C52_SWITCH_ON = (1e-12, 1e-9, 1e-6)  # magnitude given to a zero coordinate
C52_SWITCH_ONS = 3_006  # zero coordinates of the D >= 2 fits × magnitudes × signs
C52_LASSO_TOL = 1e-14


def _lq_objective_change(X, y, w, d, lam: float, D: int) -> tuple[float, float]:
    """``G(w + d) − G(w)`` without cancellation, and the size of its first-order parts (the scale).

    ``L(w + d) − L(w) = rᵀXd/n + ‖Xd‖²/(2n)`` with ``r = Xw − y``; on the support
    ``|w_j + d_j|^q − |w_j|^q = |w_j|^q expm1(q log1p(d_j/w_j))``; off it ``|d_j|^q``.
    """
    n, q = X.shape[0], 2.0 / D
    r, Xd = X @ w - y, X @ d
    first = float(r @ Xd) / n
    nz, on = w != 0, (w == 0) & (d != 0)
    with np.errstate(invalid="ignore"):
        on_support = np.abs(w[nz]) ** q * np.expm1(q * np.log1p(d[nz] / w[nz]))
    switched = np.abs(d[on]) ** q
    change = first + float(Xd @ Xd) / (2 * n) + lam * (float(np.sum(on_support)) + float(np.sum(switched)))
    scale = abs(first) + lam * (float(np.sum(np.abs(on_support))) + float(np.sum(switched)))
    return change, scale


@claim(
    "C52",
    "Sparsity phase: exact zeros from D = 2 on, locally optimal fits",
    "Fits of G(w) = L(w) + λΣ|w_j|^{2/D} on a sparse regression have exact zeros for every D ≥ 2 and none "
    "for D = 1 (ridge), and are local minima of G: no small move within the support and no switching-on "
    "of a zero weight lowers G; for D = 2 the fit is the lasso solution.",
    f"n = {C52_N}, p = {C52_P}, {C52_K} true nonzeros (seed {C52_SEED}), D ∈ {fmt_set(C52_DEPTHS)}, "
    f"{C52_LAMS.size} λ ∈ [{C52_LAMS[0]:g}, {C52_LAMS[-1]:g}]: sparsity_phase (fit_lq); at every fit "
    f"G(w + d) − G(w) computed without cancellation for ±{C52_DIRECTIONS} random d on the support of sizes "
    f"{fmt_set(C52_SCALES)}·|w_j| and for every zero weight set to ±{fmt_set(C52_SWITCH_ON)}; error = largest "
    "decrease relative to the first-order parts of the change (rounding ~1e-16), and for D = 2 the relative "
    f"distance to scikit-learn's Lasso (tol {C52_LASSO_TOL:g}, same support required); infinite if the zero "
    "pattern fails or a fit did not converge.",
    1e-12,
    source=classical("Tibshirani 1996 (D = 2, the lasso); Knight & Fu 2000 (exact zeros of L_q estimates, q ≤ 1)"),
    sample={
        "fits": len(C52_DEPTHS) * C52_LAMS.size,
        "perturbations": len(C52_DEPTHS) * C52_LAMS.size * C52_DIRECTIONS * 2 * len(C52_SCALES),
        "switch-ons": C52_SWITCH_ONS,
        "lasso fits": C52_LAMS.size,
    },
)
def _c52():
    from sklearn.linear_model import Lasso

    loss, _ = sparse_regression(C52_N, C52_P, C52_K, rng=C52_SEED)
    X, y = loss.X, loss.y
    sp = ph.sparsity_phase(loss, C52_LAMS, C52_DEPTHS)
    counts = {"fits": 0, "perturbations": 0, "switch-ons": 0, "lasso fits": 0}
    depths = list(np.asarray(sp.depths))
    if depths != list(C52_DEPTHS) or not np.all(sp.converged):
        return Measured(math.inf, counts, f"depths {depths}, converged {sp.converged.tolist()}")
    rng = np.random.default_rng(C52_SEED)
    worst = 0.0
    for i, D in enumerate(C52_DEPTHS):
        for j, lam in enumerate(C52_LAMS):
            w = sp.weights[i, j]
            support = w != 0
            counts["fits"] += 1
            if (D == 1) != np.all(support):
                return Measured(math.inf, counts, f"D = {D}, λ = {lam:g}: {int(np.sum(~support))} exact zeros")
            for t in C52_SCALES:
                for _ in range(C52_DIRECTIONS):
                    u = np.where(support, rng.standard_normal(w.size), 0.0) * np.abs(w)
                    for sign in (1.0, -1.0):
                        change, scale = _lq_objective_change(X, y, w, sign * t * u, lam, D)
                        worst = worse(worst, max(0.0, -change) / scale)
                        counts["perturbations"] += 1
            for k in np.flatnonzero(~support):
                for t in C52_SWITCH_ON:
                    for sign in (1.0, -1.0):
                        d = np.zeros_like(w)
                        d[k] = sign * t
                        change, scale = _lq_objective_change(X, y, w, d, lam, D)
                        worst = worse(worst, max(0.0, -change) / scale)
                        counts["switch-ons"] += 1
            if D == 2:
                ref = Lasso(alpha=lam, fit_intercept=False, tol=C52_LASSO_TOL, max_iter=1_000_000).fit(X, y).coef_
                if not np.array_equal(ref != 0, support):
                    return Measured(math.inf, counts, f"λ = {lam:g}: support differs from the lasso's")
                worst = worse(worst, float(np.max(np.abs(w - ref)) / np.max(np.abs(ref))))
                counts["lasso fits"] += 1
    fractions = zip(C52_DEPTHS, sp.zero_fraction[:, -1], strict=True)
    detail = f"zero fraction at λ = {C52_LAMS[-1]:g}: " + ", ".join(f"D={D}: {f:.2f}" for D, f in fractions)
    return Measured(worst, counts, detail)
