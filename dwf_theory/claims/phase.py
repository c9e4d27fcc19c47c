"""C48–C52: phase diagrams of the scalar and least-squares problems."""

from __future__ import annotations

import math

import numpy as np

from .. import phase as ph
from ..landscape import scalar_critical_points
from ..losses import Scalar
from ._registry import claim, derived, rel_error


def _plain_balanced_labels(z, lam, D, alphas, lrs, steps):
    """Reference for C48: all points, all steps, np.power; then the label rule of init_lr_phase."""
    eta, a = np.meshgrid(lrs, alphas, indexing="ij")
    ever = np.zeros(a.shape, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            a = a - eta * ((np.power(a, D) - z) * np.power(a, D - 1) + (2.0 * lam / D) * a)
            ever |= ~(np.isfinite(a) & (np.abs(a) <= 1e6))
        w = np.power(a, D)
        g = math.sqrt(D) * np.abs((w - z) * np.power(a, D - 1) + (2.0 * lam / D) * a)
    out = np.full(a.shape, ph.NOT_CONVERGED)
    out[g < 1e-8] = ph.NONZERO
    out[np.abs(w) < 1e-6] = ph.ZERO
    out[ever] = ph.DIVERGED
    return out


@claim(
    "C48",
    "Phase diagram: the active set does not change the labels",
    "init_lr_phase (stops runs that diverged or provably settled, in-place updates) labels every (α, η) "
    "as running all steps does.",
    "D = 1..5, λ ∈ {0.05, 0.3}, z = 1: 48×48 grid, 1,500 steps, against a plain loop with np.power "
    "over the rows η < 0.9 · 2/h (below the chaotic band, where rounding alone decides); error = "
    "number of differing labels.",
    0.0,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c48():
    alphas, lrs = np.logspace(-2.5, 0.5, 48), np.logspace(-2.5, 1, 48)
    bad, n = 0, 0
    for D in range(1, 6):
        for lam in (0.05, 0.3):
            pd = ph.init_lr_phase(Scalar(1.0), lam, D, alphas, lrs, 1500, basin=False)
            edge = pd.overlays["balanced_stable_lr"]
            rows = lrs < 0.9 * (edge if np.isfinite(edge) else np.inf)
            ref = _plain_balanced_labels(1.0, lam, D, alphas, lrs, 1500)
            bad += int(np.sum(pd.labels[rows] != ref[rows]))
            n += int(rows.sum()) * alphas.size
    return bad, f"{n} points compared"


@claim(
    "C49",
    "Phase diagram: nonzero region ends at the stability edge",
    "Balanced GD started next to the nonzero minimum converges for η < 2/h and not for η > 2/h, h the "
    "Hessian eigenvalue along the balanced direction; 2/λ_max (landscape.max_stable_lr) ≤ 2/h.",
    "D = 2..6, λ ∈ {0.05, 0.2}, z = 1.5: init_lr_phase at α = a*(1 ± 1e-3), η = (1 ∓ 0.02)·2/h, "
    "5,000 steps; error = number of wrong labels (nonzero below, not nonzero above).",
    0.0,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c49():
    bad = 0
    for D in range(2, 7):
        for lam in (0.05, 0.2):
            probe = ph.init_lr_phase(Scalar(1.5), lam, D, [1.0], [1e-3], 1, basin=False)
            edge, full = probe.overlays["balanced_stable_lr"], probe.overlays["max_stable_lr"]
            a_star = abs(float(probe.overlays["w_star"])) ** (1.0 / D)
            pd = ph.init_lr_phase(Scalar(1.5), lam, D, a_star * np.array([1 - 1e-3, 1 + 1e-3]),
                                      edge * np.array([0.98, 1.02]), 5000, basin=False)
            bad += int(np.sum(pd.labels[0] != ph.NONZERO)) + int(np.sum(pd.labels[1] == ph.NONZERO))
            bad += int(not full <= edge * (1 + 1e-12))
    return bad


@claim(
    "C50",
    "Origin's basin edge is the saddle of the balanced line",
    "For D ≥ 3 and small η, balanced GD from ω_d = α tends to 0 iff α < |w_s|^{1/D}, w_s the nonzero "
    "saddle of F (the smaller root of w + λq w^{q−1} = |z|).",
    "D = 3..6, λ = 0.1, z = 1, η ∈ [0.01, 0.5]: basin_edge of init_lr_phase (multi-section on the "
    "balanced map, 1,500 steps) against the saddle from landscape.scalar_critical_points (brentq); "
    "max relative error (the refinement resolves ~1e-4).",
    1e-3,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c50():
    worst = 0.0
    for D in range(3, 7):
        pd = ph.init_lr_phase(Scalar(1.0), 0.1, D, np.logspace(-2, 0.4, 24), np.logspace(-2, np.log10(0.5), 6),
                                  1500)
        saddle = [c.w for c in scalar_critical_points(1.0, 0.1, D) if c.kind == "saddle" and c.w != 0][0]
        worst = max(worst, rel_error(pd.overlays["basin_edge"], abs(saddle) ** (1.0 / D)))
    return worst


@claim(
    "C51",
    "Three regions of the scalar problem, confirmed by gradient descent",
    "In (λ, z): zero only for |z| < z_exist; zero global with a nonzero local minimum for z_exist ≤ |z| ≤ τ "
    "(D ≥ 3); nonzero global for |z| > τ.",
    "D = 1..6 and 10, 12×25 grid λ ∈ [0.05, 1], z ∈ [−3, 3]: threshold_phase (τ, z_exist in closed form) "
    "against threshold_phase_gd (gradient descent on F from 24 starts per point, objectives compared); "
    "error = number of differing points.",
    0.0,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c51():
    lams, zs = np.linspace(0.05, 1.0, 12), np.linspace(-3.0, 3.0, 25)
    bad, middle = 0, 0
    for D in (1, 2, 3, 4, 5, 6, 10):
        an, gd = ph.threshold_phase(D, lams, zs), ph.threshold_phase_gd(D, lams, zs)
        bad += int(np.sum(an.labels != gd.labels))
        middle += int(np.sum(an.labels == 1))
    return bad, f"{middle} points in the middle region"


@claim(
    "C52",
    "Sparsity phase: exact zeros from D = 2 on, stationary fits",
    "Fits of G = L + λΣ|w_j|^{2/D} on a sparse regression have exact zeros for D ≥ 2 and none for D = 1 "
    "(ridge), and satisfy the L_{2/D} first-order conditions on their support.",
    "n = 60, p = 30, 5 true nonzeros, D ∈ {1, 2, 3, 4, 6}, 5 λ in [1e-2, 1]: sparsity_phase (fit_lq); "
    "error = largest stationarity residual (equivalence.lq_stationarity), infinite if the zero pattern fails.",
    1e-8,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c52():
    from .equivalence import lq_stationarity

    loss, _ = ph.sparse_regression(60, 30, 5, rng=52)
    Ds, lams = [1, 2, 3, 4, 6], np.logspace(-2, 0, 5)
    sp = ph.sparsity_phase(loss, Ds, lams)
    if np.any(sp.zero_fraction[0] != 0) or np.any(sp.zero_fraction[1:] == 0) or not np.all(sp.converged):
        return math.inf, f"zero fractions {sp.zero_fraction.tolist()}"
    worst = max(lq_stationarity(loss, sp.weights[i, j], lams[j], D) for i, D in enumerate(Ds) for j in range(len(lams)))
    fractions = zip(Ds, sp.zero_fraction[:, -1], strict=True)
    detail = "zero fraction at λ=1: " + ", ".join(f"D={D}: {f:.2f}" for D, f in fractions)
    return worst, detail

# --------------------------------------------------------------------------- #
