"""C70–C76: penalties induced by factorizations beyond the paper's, the group prox, Powerpropagation.

The subject is :mod:`dwf_theory.parametrizations`: its numerical infimum
:func:`~dwf_theory.parametrizations.induced_penalty` (SLSQP on the fibre), its built-in
parametrizations and :class:`~dwf_theory.parametrizations.PowerPenalty`, and
:func:`~dwf_theory.parametrizations.group_prox`. Every reference is computed here and
independently of that module: the closed forms are written out; SymPy solves the Lagrange
(or, on an eliminated fibre, the stationarity) conditions and proves the value equal to the
closed form; the group prox is compared with multi-start BFGS on the full objective; the
Powerpropagation flow is integrated by :func:`scipy.integrate.solve_ivp` in ``θ`` and compared
with the DWF flows of :mod:`dwf_theory.dynamics`.

Numerical accuracy: :func:`induced_penalty` reaches the closed forms to about 1e-15
relative in value (measured), its minimizers to about 1e-8 (the square root: the value is
stationary at the minimizer). The tolerances below are set from these with margin.
"""

from __future__ import annotations

import math

import numpy as np

from ..dynamics import collapsed_flow, factor_flow
from ..losses import LeastSquares
from ..parametrizations import PowerPenalty, group_factorization, group_prox, hadamard, induced_penalty, powerprop
from ..penalty import balanced_factors
from ._registry import Measured, claim, classical, derived, fmt_set, paper, rel_error, worse

#: Random weights: random signs, magnitudes log-uniform in this range.
MAGNITUDES = (1e-2, 1e2)
#: Starts of each induced_penalty solve.
STARTS = 4


def _span(values) -> str:
    """``a..b`` for consecutive whole numbers, else the set."""
    d = list(values)
    return f"{d[0]}..{d[-1]}" if d == list(range(d[0], d[-1] + 1)) else fmt_set(d)


def _weights(rng, shape) -> np.ndarray:
    lo, hi = MAGNITUDES
    return rng.choice([-1.0, 1.0], shape) * np.exp(rng.uniform(math.log(lo), math.log(hi), shape))


def _solve(w, par, pen, rng):
    """``induced_penalty`` with the claims' starts; ``(result, converged)``."""
    r = induced_penalty(w, par, pen, starts=STARTS, rng=rng)
    return r, r.converged


def _not_converged(n_failed: int) -> str:
    return f"{n_failed} solves did not converge" if n_failed else ""


def _verdict(worst: float, notes: list[str], counts: dict, detail: str = "") -> Measured:
    """Infinite error with the unproved identities listed, else the numeric error."""
    if notes:
        return Measured(math.inf, counts, "not proved: " + "; ".join(notes))
    return Measured(worst, counts, detail)


# --------------------------------------------------------------------------- SymPy references


def _sympy_hadamard(D: int, p, weighted: bool) -> tuple[bool, bool]:
    """SymPy: the positive Lagrange point of ``min Σ_d c_d ω_d^p`` s.t. ``Π_d ω_d = w`` and its value.

    Each stationarity condition ``p c_d ω_d^{p−1} = μ Π_{k≠d} ω_k``, times ``ω_d`` on the constraint,
    reads ``p c_d ω_d^p = μ w``: solved for ``ω_d``, then the constraint for ``μ`` (the real positive
    roots; ``Π_d ω_d`` grows strictly with ``μ``, so there is one). Returns ``(the point satisfies the
    unreduced Lagrange system, its value equals D (Π_d c_d)^{1/D} w^{p/D})``, both proved by SymPy. The
    penalty is convex in ``log ω`` on the affine set ``Σ log ω_d = log w``, so this point is the minimum of
    the positive component of the fibre; the other components are sign flips of it with the same value.
    """
    import sympy as sp

    from ..symbolic import equal

    om = sp.symbols(f"omega1:{D + 1}", positive=True)
    c = sp.symbols(f"c1:{D + 1}", positive=True) if weighted else (sp.Integer(1),) * D
    w = sp.Symbol("w", positive=True)
    mu = sp.Symbol("mu", positive=True)
    pen = sum(ci * o**p for ci, o in zip(c, om, strict=True))
    point = {}
    for o in om:
        roots = sp.solve(sp.Eq(sp.diff(pen, o) * o, mu * w), o)
        if len(roots) != 1:
            return False, False
        point[o] = roots[0]
    sample = {s: sp.Rational(7, 5 + k) for k, s in enumerate((*c[:D], w) if weighted else (w,))}
    mus = [
        m
        for m in sp.solve(sp.Eq(sp.Mul(*om).subs(point), w), mu)
        if abs(complex(sp.N(m.subs(sample))).imag) < 1e-25 and complex(sp.N(m.subs(sample))).real > 0
    ]
    if len(mus) != 1:
        return False, False
    point = {o: e.subs(mu, mus[0]) for o, e in point.items()}
    lagrange = [sp.diff(pen, o) - mus[0] * sp.Mul(*[x for x in om if x != o]) for o in om]
    stationary = all(equal(e.subs(point), 0) for e in lagrange) and equal(sp.Mul(*om).subs(point), w)
    closed = D * sp.Mul(*c) ** sp.Rational(1, D) * w ** (sp.Rational(p) / D)
    return stationary, equal(pen.subs(point), closed)


def _sympy_group(D: int) -> tuple[bool, bool]:
    """SymPy: the minimum of the group penalty over the fibre of ``W_g`` with ``‖W_g‖ = N``.

    On the fibre ``v_g = W_g / Π_d s_d``, so with ``t_d = s_d² > 0`` the penalty is
    ``Σ_d t_d + N²/Π_d t_d`` (``D − 1`` gates), unconstrained in ``t``; SymPy solves its stationarity
    conditions (times ``t_d Π_e t_e``, a polynomial system). Returns ``(a single positive stationary point
    satisfying the unreduced conditions, its value equals D N^{2/D})``. The function is convex in
    ``log t``, so the stationary point is the minimum.
    """
    import sympy as sp

    from ..symbolic import equal

    t = sp.symbols(f"t1:{D}", positive=True)
    N = sp.Symbol("N", positive=True)
    pen = sum(t) + N**2 / sp.Mul(*t)
    conditions = [sp.diff(pen, x) for x in t]
    sols = sp.solve([sp.expand(e * x * sp.Mul(*t)) for e, x in zip(conditions, t, strict=True)], list(t), dict=True)
    if len(sols) != 1:
        return False, False
    (sol,) = sols
    stationary = all(equal(e.subs(sol), 0) for e in conditions)
    return stationary, equal(pen.subs(sol), D * N ** sp.Rational(2, D))


# --------------------------------------------------------------------------- C70

C70_DEPTHS = tuple(range(1, 7))
C70_WEIGHTS = 6  # random w of size 2 per depth


@claim(
    "C70",
    "induced_penalty recovers the paper's L_{2/D} penalty and its balanced minimizers",
    "For w = ω_1⊙…⊙ω_D the infimum of the project's factor penalty (1/D)Σ_d‖ω_d‖² over the fibre "
    "{ω : ω_1⊙…⊙ω_D = w} is Σ_j|w_j|^{2/D} (so (λ/D)Σ_d‖ω_d‖² on the factors is λΣ_j|w_j|^{2/D} on w), "
    "attained at balanced factors |ω_{d,j}| = |w_j|^{1/D}.",
    f"D = {_span(C70_DEPTHS)}, {C70_WEIGHTS} random w of size 2 per depth (random signs, magnitudes "
    f"log-uniform in [{MAGNITUDES[0]:g}, {MAGNITUDES[1]:g}]): induced_penalty(w, hadamard(D), "
    f"PowerPenalty(c=1/D)) with {STARTS} starts must converge; its value against Σ_j|w_j|^{{2/D}} written out "
    "here and its minimizer's magnitudes against |w_j|^{1/D} (relative error; the minimizer is accurate to "
    "about the square root of the value's accuracy, measured 2e-8 against 1e-15).",
    1e-7,
    source=paper(
        "the penalty identity behind Theorem 1: the factor penalty's minimum over the factorizations of w is "
        "‖w‖_{2/D}^{2/D}, attained at balanced factors"
    ),
    sample={"depths": len(C70_DEPTHS), "solves": len(C70_DEPTHS) * C70_WEIGHTS},
)
def _c70():
    rng = np.random.default_rng(70)
    worst, depths, n_solves, failed = 0.0, 0, 0, 0
    for D in C70_DEPTHS:
        for _ in range(C70_WEIGHTS):
            w = _weights(rng, 2)
            r, ok = _solve(w, hadamard(D), PowerPenalty(c=1.0 / D), rng)
            worst = worse(
                worst,
                rel_error(r.value, np.sum(np.abs(w) ** (2.0 / D))),
                rel_error(np.abs(r.omega), np.broadcast_to(np.abs(w) ** (1.0 / D), (D, 2))),
            )
            n_solves, failed = n_solves + ok, failed + (not ok)
        depths += 1
    return Measured(worst, {"depths": depths, "solves": n_solves}, _not_converged(failed))


# --------------------------------------------------------------------------- C71

C71_DEPTHS = (2, 3, 4, 5)
C71_CASES = 6  # random (c, w) per depth, w of size 2, c_d log-uniform in [1/4, 4]
C71_SYMBOLIC_DEPTHS = (2, 3, 4)


@claim(
    "C71",
    "Weighted factors: Σ_d c_d‖ω_d‖² induces D(Π_d c_d)^{1/D}Σ_j|w_j|^{2/D}",
    "For w = ω_1⊙…⊙ω_D and weights c_d > 0, inf{Σ_d c_d‖ω_d‖² : ω_1⊙…⊙ω_D = w} = "
    "D(Π_d c_d)^{1/D} Σ_j|w_j|^{2/D}, attained where all c_d ω_{d,j}² are equal (AM–GM applied to the D "
    "numbers c_d ω_{d,j}²). Only the product of the weights matters.",
    f"Numerically: D ∈ {fmt_set(C71_DEPTHS)}, {C71_CASES} random (c, w) per depth (c_d log-uniform in [1/4, 4], "
    f"w of size 2 as in C70): induced_penalty(w, hadamard(D), PowerPenalty(2, c)) with {STARTS} starts against "
    "the closed form written out here (relative error). Symbolically for D ∈ "
    f"{fmt_set(C71_SYMBOLIC_DEPTHS)} with symbolic c_d, w > 0: SymPy solves the Lagrange conditions (each "
    "times ω_d, then the constraint for the multiplier), proves the point satisfies the unreduced system "
    "and its value equal to D(Π_d c_d)^{1/D} w^{2/D}; an unproved identity makes the error infinite.",
    1e-10,
    source=classical("the AM–GM inequality (Hardy, Littlewood & Pólya 1934, Inequalities, ch. 2)"),
    sample={
        "solves": len(C71_DEPTHS) * C71_CASES,
        "derivations": len(C71_SYMBOLIC_DEPTHS),
    },
)
def _c71():
    rng = np.random.default_rng(71)
    worst, n_solves, failed, notes = 0.0, 0, 0, []
    for D in C71_DEPTHS:
        for _ in range(C71_CASES):
            c = np.exp(rng.uniform(math.log(0.25), math.log(4.0), D))
            w = _weights(rng, 2)
            r, ok = _solve(w, hadamard(D), PowerPenalty(2.0, tuple(c)), rng)
            closed = D * np.prod(c) ** (1.0 / D) * np.sum(np.abs(w) ** (2.0 / D))
            worst = worse(worst, rel_error(r.value, closed))
            n_solves, failed = n_solves + ok, failed + (not ok)
    n_derivations = 0
    for D in C71_SYMBOLIC_DEPTHS:
        stationary, value = _sympy_hadamard(D, 2, weighted=True)
        notes += [f"D={D}: Lagrange point"] * (not stationary) + [f"D={D}: value"] * (not value)
        n_derivations += 1
    counts = {"solves": n_solves, "derivations": n_derivations}
    return _verdict(worst, notes, counts, _not_converged(failed))


# --------------------------------------------------------------------------- C72

C72_DEPTHS = (2, 3, 4)
C72_POWERS = (0.5, 1.0, 1.5, 3.0)
C72_CASES = 3  # random w of size 2 per (D, p)
C72_SYMBOLIC = ((2, "1/2"), (2, "3"), (3, "1/2"), (3, "1"), (4, "1"), (4, "3/2"))


@claim(
    "C72",
    "An L_p penalty on the factors induces D Σ_j|w_j|^{p/D}",
    "For w = ω_1⊙…⊙ω_D and p > 0, inf{Σ_d‖ω_d‖_p^p : ω_1⊙…⊙ω_D = w} = D Σ_j|w_j|^{p/D}, attained at "
    "balanced factors (AM–GM applied to the D numbers |ω_{d,j}|^p): weight decay (p = 2) gives the paper's "
    "L_{2/D}, p = 1 on the factors gives L_{1/D}.",
    f"Numerically: D ∈ {fmt_set(C72_DEPTHS)}, p ∈ {fmt_set(C72_POWERS)}, {C72_CASES} random w of size 2 per "
    f"(D, p) as in C70: induced_penalty(w, hadamard(D), PowerPenalty(p)) with {STARTS} starts against "
    "D Σ_j|w_j|^{p/D} written out here (relative error). Symbolically for (D, p) ∈ "
    f"{{{', '.join(f'({d}, {p})' for d, p in C72_SYMBOLIC)}}}: the Lagrange derivation of C71 with c_d = 1, "
    "value proved equal to D w^{p/D}.",
    1e-10,
    source=classical("the AM–GM inequality (Hardy, Littlewood & Pólya 1934, Inequalities, ch. 2)"),
    sample={
        "solves": len(C72_DEPTHS) * len(C72_POWERS) * C72_CASES,
        "derivations": len(C72_SYMBOLIC),
    },
)
def _c72():
    import sympy as sp

    rng = np.random.default_rng(72)
    worst, n_solves, failed, notes = 0.0, 0, 0, []
    for D in C72_DEPTHS:
        for p in C72_POWERS:
            for _ in range(C72_CASES):
                w = _weights(rng, 2)
                r, ok = _solve(w, hadamard(D), PowerPenalty(p), rng)
                worst = worse(worst, rel_error(r.value, D * np.sum(np.abs(w) ** (p / D))))
                n_solves, failed = n_solves + ok, failed + (not ok)
    n_derivations = 0
    for D, p in C72_SYMBOLIC:
        stationary, value = _sympy_hadamard(D, sp.Rational(p), weighted=False)
        notes += [f"D={D}, p={p}: Lagrange point"] * (not stationary) + [f"D={D}, p={p}: value"] * (not value)
        n_derivations += 1
    counts = {"solves": n_solves, "derivations": n_derivations}
    return _verdict(worst, notes, counts, _not_converged(failed))


# --------------------------------------------------------------------------- C73

C73_DEPTHS = (1, 2, 3, 4)
C73_CASES = 4  # random W of shape (3 groups, 2) per depth
C73_SYMBOLIC_DEPTHS = (2, 3, 4)


@claim(
    "C73",
    "Group factorization: gates times a vector induce Σ_g‖W_g‖_2^{2/D} (group lasso at D = 2)",
    "For W_g = (Π_{d<D} s_{g,d})·v_g (D − 1 scalar gates and one vector per group), "
    "inf{Σ_{g,d} s_{g,d}² + Σ_g‖v_g‖² : fibre of W} = D Σ_g‖W_g‖_2^{2/D}; with the project's 1/D it is "
    "Σ_g‖W_g‖_2^{2/D}, the group lasso Σ_g‖W_g‖_2 at D = 2.",
    f"Numerically: D ∈ {fmt_set(C73_DEPTHS)}, {C73_CASES} random W of shape (3, 2) per depth (rows: a random "
    f"direction times a magnitude log-uniform in [{MAGNITUDES[0]:g}, {MAGNITUDES[1]:g}]): "
    f"induced_penalty(W, group_factorization(D), PowerPenalty()) with {STARTS} starts against "
    "D Σ_g‖W_g‖^{2/D} written out here (relative error). Symbolically for D ∈ "
    f"{fmt_set(C73_SYMBOLIC_DEPTHS)}: on the fibre v_g = W_g/Π_d s_{{g,d}}, so with t_d = s_d² the penalty is "
    "Σ_d t_d + N²/Π_d t_d (N = ‖W_g‖); SymPy solves its stationarity conditions and proves the single "
    "positive solution's value equal to D N^{2/D}.",
    1e-10,
    source=derived("AM–GM over the squared gates after eliminating v_g on the fibre; group lasso: Yuan & Lin 2006"),
    sample={"solves": len(C73_DEPTHS) * C73_CASES, "derivations": len(C73_SYMBOLIC_DEPTHS)},
)
def _c73():
    rng = np.random.default_rng(73)
    worst, n_solves, failed, notes = 0.0, 0, 0, []
    for D in C73_DEPTHS:
        for _ in range(C73_CASES):
            direction = rng.standard_normal((3, 2))
            direction /= np.linalg.norm(direction, axis=1, keepdims=True)
            W = direction * np.abs(_weights(rng, (3, 1)))
            r, ok = _solve(W, group_factorization(D), PowerPenalty(), rng)
            closed = D * np.sum(np.sqrt(np.sum(W * W, axis=1)) ** (2.0 / D))
            worst = worse(worst, rel_error(r.value, closed))
            n_solves, failed = n_solves + ok, failed + (not ok)
    n_derivations = 0
    for D in C73_SYMBOLIC_DEPTHS:
        stationary, value = _sympy_group(D)
        notes += [f"D={D}: stationary point"] * (not stationary) + [f"D={D}: value"] * (not value)
        n_derivations += 1
    counts = {"solves": n_solves, "derivations": n_derivations}
    return _verdict(worst, notes, counts, _not_converged(failed))


# --------------------------------------------------------------------------- C74

C74_DEPTHS = (1, 2, 3, 4, 6)
C74_LAMS = (0.2, 1.0)
C74_SIZES = (2, 3)  # group sizes k
C74_Z = 6  # random groups per (D, λ, k): a random direction times a norm in τ·[0.3, 2] + [0, 0.5]
C74_STARTS = 6  # BFGS starts of the brute force


def _group_objective(x, z, lam: float, D: int) -> float:
    """``½‖x − z‖² + λ‖x‖^{2/D}``, written out (the reference of C74)."""
    x = np.asarray(x, float)
    return float(0.5 * np.sum((x - z) ** 2) + lam * np.sqrt(np.sum(x * x)) ** (2.0 / D))


def _group_gradient(x, z, lam: float, D: int) -> np.ndarray:
    """``x − z + λ(2/D)‖x‖^{2/D−2} x`` (for ``x ≠ 0``), written out."""
    n = float(np.sqrt(np.sum(x * x)))
    return x - z + (lam * (2.0 / D) * n ** (2.0 / D - 2.0) * x if n > 0 else 0.0)


def _brute_group(z, lam: float, D: int, rng) -> float:
    """The least of ``x = 0`` and BFGS from ``z``, ``z/2`` and random points (objective value)."""
    from scipy.optimize import minimize

    best = _group_objective(np.zeros_like(z), z, lam, D)
    scale = float(np.linalg.norm(z)) + 1.0
    starts = [z, 0.5 * z] + [rng.standard_normal(z.size) * scale for _ in range(C74_STARTS - 2)]
    for x0 in starts:
        res = minimize(
            _group_objective, x0, args=(z, lam, D), jac=_group_gradient, method="BFGS", options={"gtol": 1e-13}
        )
        best = min(best, float(res.fun))
    return best


@claim(
    "C74",
    "The group prox is the scalar prox on the group's norm, direction kept",
    "argmin_x ½‖x − z‖² + λ‖x‖_2^{2/D} = prox(‖z‖, λ, D)·z/‖z‖ (0 for z = 0), with prox the scalar "
    "thresholding operator of λ|r|^{2/D}; for D = 2 this is block soft thresholding (1 − λ/‖z‖)_+ z; for "
    "D ≥ 3 whole groups switch off for ‖z‖ ≤ τ.",
    f"D ∈ {fmt_set(C74_DEPTHS)}, λ ∈ {fmt_set(C74_LAMS)}, group sizes k ∈ {fmt_set(C74_SIZES)}, {C74_Z} random "
    "groups per case (a random direction times a norm in τ·[0.3, 2] + [0, 0.5], so both sides of the "
    "threshold): the objective, written out here, at group_prox(z) against the best of x = 0 and BFGS "
    f"(gtol 1e-13, gradient written out) from {C74_STARTS} starts (z, z/2, random points) on the full k-dimensional "
    "objective; excess "
    "relative to that minimum. For D = 2 also against (1 − λ/‖z‖)_+ z written out (relative to ‖z‖).",
    1e-12,
    source=derived("polar decomposition x = r·u of the block objective; D = 2: Yuan & Lin 2006"),
    sample={
        "depths": len(C74_DEPTHS),
        "groups": len(C74_DEPTHS) * len(C74_LAMS) * len(C74_SIZES) * C74_Z,
    },
)
def _c74():
    from ..prox import threshold

    rng = np.random.default_rng(74)
    worst, n_depths, n_groups = 0.0, 0, 0
    for D in C74_DEPTHS:
        for lam in C74_LAMS:
            tau = threshold(lam, D)
            for k in C74_SIZES:
                for _ in range(C74_Z):
                    u = rng.standard_normal(k)
                    z = u / np.linalg.norm(u) * (tau * rng.uniform(0.3, 2.0) + rng.uniform(0.0, 0.5))
                    x = group_prox(z, lam, D)
                    best = _brute_group(z, lam, D, rng)
                    worst = worse(worst, max(0.0, _group_objective(x, z, lam, D) - best) / max(best, 1e-300))
                    if D == 2:
                        nz = float(np.linalg.norm(z))
                        soft = max(0.0, 1.0 - lam / nz) * z
                        worst = worse(worst, float(np.max(np.abs(x - soft))) / nz)
                    n_groups += 1
        n_depths += 1
    return Measured(worst, {"depths": n_depths, "groups": n_groups})


# --------------------------------------------------------------------------- C75

C75_ALPHAS = (1.0, 1.5, 2.0, 3.0, 4.0, 6.5)
C75_WEIGHTS = 4  # random w of size 3 per α
C75_DWF_DEPTHS = (2, 3, 4)


@claim(
    "C75",
    "Powerpropagation with weight decay is L_{2/α}: the penalty of depth-α DWF",
    "For Powerpropagation w = θ|θ|^{α−1} (α ≥ 1) the penalty θ² induces |w|^{2/α} per weight (the fibre is "
    "the single point θ = sign(w)|w|^{1/α}); for whole α = D this is the penalty that the project's "
    "(1/D)Σ_d‖ω_d‖² induces through the depth-D Hadamard product.",
    f"α ∈ {fmt_set(C75_ALPHAS)}, {C75_WEIGHTS} random w of size 3 per α as in C70: "
    f"induced_penalty(w, powerprop(α), PowerPenalty()) with {STARTS} starts against Σ_j|w_j|^{{2/α}} written out "
    f"here; for α = D ∈ {fmt_set(C75_DWF_DEPTHS)} also against induced_penalty(w, hadamard(D), "
    "PowerPenalty(c=1/D)), two numerical infima over different fibres (relative errors).",
    1e-10,
    source=derived("the fibre of θ ↦ θ|θ|^{α−1} is one point; Powerpropagation: Schwarz et al. 2021"),
    sample={"alphas": len(C75_ALPHAS), "solves": len(C75_ALPHAS) * C75_WEIGHTS + len(C75_DWF_DEPTHS) * C75_WEIGHTS},
)
def _c75():
    rng = np.random.default_rng(75)
    worst, n_alphas, n_solves, failed = 0.0, 0, 0, 0
    for alpha in C75_ALPHAS:
        for _ in range(C75_WEIGHTS):
            w = _weights(rng, 3)
            r, ok = _solve(w, powerprop(alpha), PowerPenalty(), rng)
            worst = worse(worst, rel_error(r.value, np.sum(np.abs(w) ** (2.0 / alpha))))
            n_solves, failed = n_solves + ok, failed + (not ok)
            if alpha in C75_DWF_DEPTHS:
                D = int(alpha)
                dwf, ok_dwf = _solve(w, hadamard(D), PowerPenalty(c=1.0 / D), rng)
                worst = worse(worst, rel_error(r.value, dwf.value))
                n_solves, failed = n_solves + ok_dwf, failed + (not ok_dwf)
        n_alphas += 1
    counts = {"alphas": n_alphas, "solves": n_solves}
    return Measured(worst, counts, _not_converged(failed))


# --------------------------------------------------------------------------- C76

C76_ALPHAS = (1.5, 2.0, 3.0, 4.0)
C76_DWF_DEPTHS = (2, 3, 4)
C76_LAM = 0.05
C76_T = 4.0  # Powerpropagation time span; DWF runs to D·C76_T
C76_RECORDS = 9
C76_RTOL = 1e-12
C76_ATOL = 1e-14


def _powerprop_path(loss, w0, lam: float, alpha: float, t):
    """``w(θ(t))`` for the gradient flow ``dθ/dt = −J(θ)ᵀ∇L(w(θ)) − 2λθ`` of ``L(w(θ)) + λΣθ²``.

    ``w(θ)`` and ``J = ∂w/∂θ`` are those of :func:`powerprop` (the subject); integrated by
    ``solve_ivp`` (DOP853, rtol ``C76_RTOL``) from ``θ₀ = sign(w₀)|w₀|^{1/α}``.
    """
    from scipy.integrate import solve_ivp

    par = powerprop(alpha)
    theta0 = np.sign(w0) * np.abs(w0) ** (1.0 / alpha)

    def rhs(_, theta):
        return -par.jacobian(theta).T @ loss.grad(par.forward(theta)) - 2.0 * lam * theta

    sol = solve_ivp(rhs, (t[0], t[-1]), theta0, method="DOP853", t_eval=t, rtol=C76_RTOL, atol=C76_ATOL)
    return np.array([par.forward(th) for th in sol.y.T]), sol.success


def _collapsed_powerprop(loss, w0, lam: float, alpha: float, t):
    """The derived collapsed flow ``dw/dt = −α²|w|^{2−2/α}∇L(w) − 2λαw`` (``= −α²|w|^{2−2/α}∇G``), by solve_ivp."""
    from scipy.integrate import solve_ivp

    def rhs(_, w):
        return -(alpha**2) * np.abs(w) ** (2.0 - 2.0 / alpha) * loss.grad(w) - 2.0 * lam * alpha * w

    sol = solve_ivp(rhs, (t[0], t[-1]), w0, method="DOP853", t_eval=t, rtol=C76_RTOL, atol=C76_ATOL)
    return sol.y.T, sol.success


@claim(
    "C76",
    "Powerpropagation's flow is DWF's balanced flow, sped up by the constant α",
    "The gradient flow of L(w(θ)) + λΣθ² with w = θ|θ|^{α−1} moves w as dw/dt = −α²|w|^{2−2/α}∇G(w), "
    "G = L + λΣ_j|w_j|^{2/α} (derived here by the chain rule). DWF's flow from balanced factors moves w as "
    "−D|w|^{2−2/D}∇G: for α = D the two paths coincide up to the time rescaling w_PP(t) = w_DWF(D·t).",
    f"A least-squares loss (8 × 3, fixed seed), λ = {C76_LAM}, a random start w₀ (entries ±[0.3, 1.5]), "
    f"{C76_RECORDS} records on t ∈ [0, {C76_T:g}]: the θ-flow (solve_ivp DOP853, rtol {C76_RTOL:g}) mapped to "
    f"w against the derived collapsed ODE (same solver) for α ∈ {fmt_set(C76_ALPHAS)}; for α = D ∈ "
    f"{fmt_set(C76_DWF_DEPTHS)} against dynamics.factor_flow from balanced factors and dynamics.collapsed_flow, "
    f"both at the times D·t (rtol {C76_RTOL:g}). Error: largest |difference| relative to max|w| on the path.",
    1e-8,
    source=derived("chain rule through w = θ|θ|^{α−1} (Powerpropagation, Schwarz et al. 2021); DWF's balanced flow"),
    sample={"alphas": len(C76_ALPHAS), "comparisons": len(C76_ALPHAS) + 2 * len(C76_DWF_DEPTHS)},
)
def _c76():
    rng = np.random.default_rng(76)
    X = rng.standard_normal((8, 3))
    loss = LeastSquares(X, rng.standard_normal(8))
    w0 = rng.choice([-1.0, 1.0], 3) * rng.uniform(0.3, 1.5, 3)
    t = np.linspace(0.0, C76_T, C76_RECORDS)
    worst, n_alphas, n_comparisons, notes = 0.0, 0, 0, []
    for alpha in C76_ALPHAS:
        path, ok = _powerprop_path(loss, w0, C76_LAM, alpha, t)
        ref, ok_ref = _collapsed_powerprop(loss, w0, C76_LAM, alpha, t)
        if not (ok and ok_ref and path.shape == ref.shape == (t.size, 3)):
            notes.append(f"α={alpha:g}: an integration failed")
            continue
        scale = float(np.max(np.abs(path)))
        worst = worse(worst, float(np.max(np.abs(path - ref))) / scale)
        n_alphas, n_comparisons = n_alphas + 1, n_comparisons + 1
        if alpha in C76_DWF_DEPTHS:
            D = int(alpha)
            opts = {"rtol": C76_RTOL, "atol": C76_ATOL}
            dwf = factor_flow(loss, balanced_factors(w0, D), C76_LAM, D * t, **opts)
            col = collapsed_flow(loss, w0, C76_LAM, D, D * t, **opts)
            for tr, what in ((dwf, "factor_flow"), (col, "collapsed_flow")):
                if tr.w.shape != path.shape or not tr.success or tr.diverged:
                    notes.append(f"D={D}: {what} did not reach every record")
                    continue
                worst = worse(worst, float(np.max(np.abs(tr.w - path))) / scale)
                n_comparisons += 1
    counts = {"alphas": n_alphas, "comparisons": n_comparisons}
    return Measured(worst, counts, "; ".join(notes))
