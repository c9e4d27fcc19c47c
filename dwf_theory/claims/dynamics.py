"""C20–C32: the landscape of the factorized objective and its training dynamics.

``F(ω) = L(ω_1⊙…⊙ω_D) + (λ/D)Σ_d‖ω_d‖²`` on the factors, ``G(w) = L(w) + λΣ_j|w_j|^{2/D}`` on the
collapsed weight. Every reference value here is computed without the code under test: Hessians
and gradients by autograd on ``F`` or ``G`` written out in this module (C21 takes eigvalsh of
``landscape.factorized_hessian``, which C20 checks against autograd and which shares no code with
the closed-form spectrum it is compared with), stationary points of the scalar problem as roots
of a polynomial (:func:`_stationary_weights`), products of factors with ``np.prod``, the
collapsed ODE with scipy's DOP853, the minimum-L1 interpolant with ``scipy.optimize.linprog``.
Each check counts what it examined, and a run that failed, diverged or stopped early gives an
infinite error.
"""

from __future__ import annotations

import math

import numpy as np

from .. import dynamics as dyn
from .. import landscape as land
from .. import penalty
from ..losses import LeastSquares, Scalar
from ..prox import existence_threshold, threshold
from ._registry import Measured, claim, classical, derived, rel_error, worse

# --------------------------------------------------------------------------- #
# Independent references used by several checks
# --------------------------------------------------------------------------- #


def _product(f):
    """``f[0] * … * f[D-1]`` by repeated multiplication (autograd's ``prod`` divides by the factors)."""
    out = f[0]
    for d in range(1, len(f)):
        out = out * f[d]
    return out


def _scalar_objective(z: float, lam: float, D: int):
    """``F(ω) = ½(ω_1⋯ω_D − z)² + (λ/D)Σω_d²`` on a flat ``ω`` of length ``D``, written for autograd."""
    import autograd.numpy as anp

    def F(f):
        r = _product([f[d] for d in range(D)]) - z
        return 0.5 * r * r + lam / D * anp.sum(f * f)

    return F


def _hessian(fun, x: np.ndarray) -> np.ndarray:
    import autograd

    return np.asarray(autograd.hessian(fun)(np.asarray(x, float)), float)


def _stationary_weights(z: float, lam: float, D: int) -> np.ndarray:
    """Nonzero stationary points of ``G(w) = ½(w − z)² + λ|w|^{2/D}``, ascending in ``|w|``.

    With ``u = |w| = x^D`` (``x > 0``), ``G'(w) = 0`` reads ``u − |z| + λq u^{q−1} = 0`` (``q = 2/D``),
    i.e. the polynomial ``x^{2D−2} − |z| x^{D−2} + λq = 0``: its positive real roots (``numpy.roots``),
    polished by three Newton steps on ``u``. ``D = 1``: the single root ``|z|/(1 + 2λ)``.
    """
    a = abs(z)
    if D == 1:
        return np.array([z / (1.0 + 2.0 * lam)]) if a > 0 else np.zeros(0)
    q = 2.0 / D
    coeffs = np.zeros(2 * D - 1)
    coeffs[0] += 1.0
    coeffs[D] -= a
    coeffs[2 * D - 2] += lam * q
    roots = np.roots(coeffs)
    x = np.sort(roots[(np.abs(roots.imag) <= 1e-9 * np.abs(roots)) & (roots.real > 0)].real)
    out = []
    for xi in x:
        u = xi**D
        for _ in range(3):
            u -= (u - a + lam * q * u ** (q - 1)) / (1.0 + lam * q * (q - 1) * u ** (q - 2))
        out.append(math.copysign(u, z))
    return np.array(out)


def _complete(tr, n_records: int) -> bool:
    """The run ended normally, did not diverge and reached every record time."""
    return bool(tr.success and not tr.diverged and tr.t.size == n_records)


# --------------------------------------------------------------------------- #
# C20 Hessian of F
# --------------------------------------------------------------------------- #

C20_DEPTHS = (1, 2, 3, 4, 5)
C20_POINTS = 3  # random points per depth
C20_N, C20_P = 7, 4
C20_LAM = 0.3


@claim(
    "C20",
    "Hessian of F in closed form",
    "∂²F/∂ω_{d,i}∂ω_{k,j} = ∂²_{ij}L·P_{d,i}P_{k,j} + δ_ij(1−δ_dk)∂_iL·Π_{l≠d,k}ω_{l,i} + δ_dkδ_ij·2λ/D, "
    "with P_d = Π_{k≠d}ω_k.",
    f"landscape.factorized_hessian against autograd's Hessian of F written out independently (least squares "
    f"n={C20_N}, p={C20_P}, λ={C20_LAM}, D ∈ {list(C20_DEPTHS)}, {C20_POINTS} random points per depth); "
    "max entrywise error relative to max|H|.",
    1e-12,
    source=derived("chain rule on F"),
    sample={"points": len(C20_DEPTHS) * C20_POINTS},
)
def _c20():
    import autograd.numpy as anp

    rng = np.random.default_rng(20)
    worst, points = 0.0, 0
    for D in C20_DEPTHS:
        X, y = rng.standard_normal((C20_N, C20_P)), rng.standard_normal(C20_N)
        loss = LeastSquares(X, y)

        def F(flat, D=D, X=X, y=y):
            f = anp.reshape(flat, (D, C20_P))
            r = anp.dot(X, _product([f[d] for d in range(D)])) - y
            return anp.sum(r * r) / (2 * C20_N) + C20_LAM / D * anp.sum(f * f)

        for _ in range(C20_POINTS):
            f = rng.standard_normal((D, C20_P))
            H = land.factorized_hessian(loss, f, C20_LAM)
            ref = _hessian(F, f.ravel())
            worst = worse(worst, float(np.max(np.abs(H - ref)) / np.max(np.abs(ref))))
            points += 1
    return Measured(worst, {"points": points})


# --------------------------------------------------------------------------- #
# C21 critical points and sharpness of the scalar problem
# --------------------------------------------------------------------------- #

C21_DEPTHS = (1, 2, 3, 4, 5, 6)
C21_PAIRS = 40  # random (z, λ) per depth
C21_Z, C21_LAM = (-3.0, 3.0), (0.01, 1.5)
C21_MIN_NONZERO_MINIMA = 177  # what the seeded draw holds: every D = 1 pair and the pairs above the existence threshold


def _kind_from(eig: np.ndarray) -> str:
    if np.all(eig > 0):
        return "minimum"
    if np.all(eig < 0):
        return "maximum"
    return "saddle"


@claim(
    "C21",
    "Critical points and sharpness of the scalar problem",
    "For L = ½(w−z)², λ > 0: the balanced critical points of F are the origin (D ≥ 2) and the balanced "
    "factorizations of the nonzero stationary points of G. At a nonzero one the Hessian of F has eigenvalue "
    "D|w|^{2−2/D} − 2λ(D−2)/D along the balanced direction and 4λ/D (×(D−1)) across, and λ_max is the larger "
    "of the two; the origin is a minimum for D ≥ 3 and, for D = 2, a saddle iff |z| > λ.",
    f"D ∈ {list(C21_DEPTHS)}, {C21_PAIRS} random (z, λ) per depth (z ∈ {C21_Z}, λ ∈ {C21_LAM}). "
    "landscape.scalar_critical_points must return exactly the roots of G' found independently (positive "
    "roots of a polynomial, rel. 1e-10); at each point the gradient of F must vanish and numpy eigvalsh of the "
    "Hessian (landscape.factorized_hessian) must match the returned eigenvalues and kind; at nonzero minima the "
    "stated eigenvalues and landscape.balanced_sharpness must match eigvalsh. Error = max relative error, "
    "+1 per missing point or wrong kind.",
    1e-10,
    source=derived("Hessian of F at a balanced factorization of a stationary point of G"),
    sample={
        "(z, λ) pairs": len(C21_DEPTHS) * C21_PAIRS,
        "critical points": len(C21_DEPTHS) * C21_PAIRS,  # at least one per pair
        "nonzero minima": C21_MIN_NONZERO_MINIMA,
    },
)
def _c21():
    rng = np.random.default_rng(21)
    worst, wrong = 0.0, 0
    pairs = n_points = n_minima = 0
    for D in C21_DEPTHS:
        for z, lam in zip(rng.uniform(*C21_Z, C21_PAIRS), rng.uniform(*C21_LAM, C21_PAIRS), strict=True):
            pairs += 1
            points = land.scalar_critical_points(z, lam, D)
            nonzero = np.array([cp.w for cp in points if cp.w != 0.0])
            ref = _stationary_weights(z, lam, D)
            if nonzero.size != ref.size:
                wrong += 1
            elif ref.size:
                worst = worse(worst, rel_error(nonzero, ref))
            if D >= 2:
                expect = "minimum" if D >= 3 or abs(z) < lam else "saddle"
                wrong += not points or points[0].w != 0.0 or points[0].kind != expect
            for cp in points:
                n_points += 1
                f = np.asarray(cp.factors, float)
                w = float(np.prod(f))
                grad = (w - z) * np.array([np.prod(np.delete(f, d)) for d in range(D)]) + 2 * lam / D * f
                worst = worse(worst, float(np.max(np.abs(grad))) / max(1.0, abs(z)))
                eig = np.linalg.eigvalsh(land.factorized_hessian(Scalar(z), f, lam))
                scale = max(1.0, float(np.max(np.abs(eig))))
                worst = worse(worst, float(np.max(np.abs(eig - cp.eigenvalues))) / scale)
                wrong += cp.kind != _kind_from(eig)
                if cp.w != 0.0 and _kind_from(eig) == "minimum":
                    n_minima += 1
                    a = abs(cp.w)
                    stated = [D * a ** (2 - 2 / D) - 2 * lam * (D - 2) / D] + [4 * lam / D] * (D - 1)
                    worst = worse(worst, rel_error(np.sort(stated), eig))
                    worst = worse(worst, rel_error(land.balanced_sharpness(cp.w, lam, D), eig[-1]))
    counts = {"(z, λ) pairs": pairs, "critical points": n_points, "nonzero minima": n_minima}
    return Measured(worst + wrong, counts, f"{wrong} missing points or wrong kinds")


# --------------------------------------------------------------------------- #
# C22 imbalance along the flow
# --------------------------------------------------------------------------- #

C22_DEPTHS = (2, 3, 5)
C22_LAMS = (0.0, 0.4)
C22_T_END, C22_RECORDS = 5.0, 11
C22_N, C22_P = 10, 4
C22_METHOD, C22_RTOL = "LSODA", 1e-11


@claim(
    "C22",
    "Imbalance: conserved at λ=0, decays as e^{−4λt/D}",
    "Along the gradient flow of F, δ_dk = ω_d² − ω_k² obeys dδ/dt = −(4λ/D)δ for every loss.",
    f"dynamics.factor_flow ({C22_METHOD}, rtol {C22_RTOL:.0e}) on least squares (n={C22_N}, p={C22_P}) from random "
    f"unbalanced starts, D ∈ {list(C22_DEPTHS)}, λ ∈ {list(C22_LAMS)}, {C22_RECORDS} records on "
    f"t ∈ [0, {C22_T_END:g}]; δ computed from the recorded factors: max |δ(t) − δ(0)e^{{−4λt/D}}| relative to "
    "max|δ(0)|.",
    1e-8,
    source=classical("Du, Hu & Lee 2018 (the imbalance is conserved at λ = 0); the weight-decay term adds −(4λ/D)δ"),
    sample={"records": len(C22_DEPTHS) * len(C22_LAMS) * C22_RECORDS},
)
def _c22():
    rng = np.random.default_rng(22)
    worst, records = 0.0, 0
    t = np.linspace(0.0, C22_T_END, C22_RECORDS)
    for D in C22_DEPTHS:
        loss = LeastSquares(rng.standard_normal((C22_N, C22_P)), rng.standard_normal(C22_N))
        for lam in C22_LAMS:
            f0 = rng.uniform(0.3, 1.2, (D, C22_P)) * rng.choice([-1, 1], (D, C22_P))
            tr = dyn.factor_flow(loss, f0, lam, t, method=C22_METHOD, rtol=C22_RTOL, atol=1e-14)
            if not _complete(tr, t.size):
                return Measured(math.inf, {"records": records}, f"D={D}, λ={lam}: {tr.message}")
            delta = tr.factors**2 - tr.factors[:, :1] ** 2
            ref0 = f0**2 - f0[:1] ** 2
            pred = ref0 * np.exp(-4 * lam * t / D)[:, None, None]
            worst = worse(worst, float(np.max(np.abs(delta - pred)) / np.max(np.abs(ref0))))
            records += tr.t.size
    return Measured(worst, {"records": records})


# --------------------------------------------------------------------------- #
# C23 one gradient-descent step
# --------------------------------------------------------------------------- #

C23_DEPTHS = (2, 3, 4, 5, 6)
C23_STEPS = 5  # random (factors, η, λ) per depth
C23_N, C23_P = 8, 5


@claim(
    "C23",
    "Exact one-step GD map of the imbalance",
    "One GD step ω ← ω − η∇F maps δ_dk ↦ δ_dk[(1 − 2ηλ/D)² − η²L'(w)²Π_{j≠d,k}ω_j²] exactly.",
    f"dynamics.gradient_descent, one step on least squares (n={C23_N}, p={C23_P}), D ∈ {list(C23_DEPTHS)}, "
    f"{C23_STEPS} random (factors, η, λ) per depth, every pair d < k: δ after the step vs the formula, with "
    "L' = Xᵀ(Xw − y)/n and the leave-two-out products formed here with np.prod; error relative to max ω'² "
    "(rounding only).",
    1e-12,
    source=derived("expand (ω_d − η∂_dF)² − (ω_k − η∂_kF)²; the cross terms cancel since ω_d P_d = ω_k P_k = w"),
    sample={"steps": len(C23_DEPTHS) * C23_STEPS, "pairs": C23_STEPS * sum(D * (D - 1) // 2 for D in C23_DEPTHS)},
)
def _c23():
    rng = np.random.default_rng(23)
    worst, steps, pairs = 0.0, 0, 0
    for D in C23_DEPTHS:
        X, y = rng.standard_normal((C23_N, C23_P)), rng.standard_normal(C23_N)
        loss = LeastSquares(X, y)
        for _ in range(C23_STEPS):
            f = rng.uniform(0.2, 1.5, (D, C23_P)) * rng.choice([-1, 1], (D, C23_P))
            eta, lam = rng.uniform(0.01, 0.3), rng.uniform(0, 1)
            tr = dyn.gradient_descent(loss, f, lam, eta, 1)
            if not _complete(tr, 2):
                return Measured(math.inf, {"steps": steps, "pairs": pairs}, f"D={D}: {tr.message}")
            after = tr.factors[-1]
            steps += 1
            g = X.T @ (X @ np.prod(f, axis=0) - y) / C23_N
            for d in range(D):
                for k in range(d + 1, D):
                    q2 = np.prod(np.delete(f, [d, k], axis=0), axis=0) ** 2
                    pred = (f[d] ** 2 - f[k] ** 2) * ((1 - 2 * eta * lam / D) ** 2 - eta**2 * g**2 * q2)
                    got = after[d] ** 2 - after[k] ** 2
                    worst = worse(worst, float(np.max(np.abs(got - pred)) / np.max(after**2)))
                    pairs += 1
    return Measured(worst, {"steps": steps, "pairs": pairs})


# --------------------------------------------------------------------------- #
# C24 balanced factor flow = collapsed flow
# --------------------------------------------------------------------------- #

C24_DEPTHS = (1, 2, 3, 4, 5)
C24_LAMS = (0.0, 0.3)
C24_SCALARS = 200  # scalar problems per (D, λ), one batched call
C24_N, C24_P = 9, 4
C24_T_END, C24_RECORDS = 8.0, 9
C24_METHOD, C24_RTOL = "LSODA", 1e-11
C24_REF_RTOL = 1e-12
C24_TOL = 1e-7


@claim(
    "C24",
    "Balanced factor flow = collapsed flow",
    "From a balanced start the factor flow stays balanced and w = Πω_d follows dw/dt = −D|w|^{2−2/D}∇G(w) "
    "= −D|w|^{2−2/D}∇L(w) − 2λw.",
    f"dynamics.factor_flow from penalty.balanced_factors(w0) and dynamics.collapsed_flow from w0 (both "
    f"{C24_METHOD}, rtol {C24_RTOL:.0e}) vs the stated ODE for w written out here and solved by scipy's DOP853 (rtol "
    f"{C24_REF_RTOL:.0e}), D ∈ {list(C24_DEPTHS)}, λ ∈ {list(C24_LAMS)}: {C24_SCALARS} scalar problems in one "
    f"call and one least-squares problem (n={C24_N}, p={C24_P}); {C24_RECORDS} records on t ∈ [0, {C24_T_END:g}]. "
    "Error: max |w − w_ref| / max(|w_ref|, 1e-3) over both flows, and the factor imbalance relative to max ω(0)² "
    "(the check stops at the first (D, λ) above tolerance).",
    C24_TOL,
    source=classical(
        "Arora, Cohen & Hazan 2018 (end-to-end dynamics of balanced deep linear networks, λ = 0); "
        "the weight-decay term −2λw follows from D|w|^{2−2/D}·λ(2/D)sign(w)|w|^{2/D−1}"
    ),
    sample={"problems": len(C24_DEPTHS) * len(C24_LAMS) * (C24_SCALARS + 1)},
)
def _c24():
    from scipy.integrate import solve_ivp

    rng = np.random.default_rng(24)
    t = np.linspace(0.0, C24_T_END, C24_RECORDS)
    worst, problems = 0.0, 0
    X, y = rng.standard_normal((C24_N, C24_P)), rng.standard_normal(C24_N)
    ls = LeastSquares(X, y)
    for D in C24_DEPTHS:
        for lam in C24_LAMS:
            z = rng.uniform(-2, 2, C24_SCALARS)
            for loss, w0, grad_l in (
                (Scalar(z), rng.uniform(-1, 1, C24_SCALARS), lambda w, z=z: w - z),
                (ls, rng.uniform(-1, 1, C24_P), lambda w: X.T @ (X @ w - y) / C24_N),
            ):

                def rhs(_s, w, D=D, lam=lam, grad_l=grad_l):
                    return -D * np.abs(w) ** (2 - 2 / D) * grad_l(w) - 2 * lam * w

                ref = solve_ivp(rhs, (t[0], t[-1]), w0, method="DOP853", t_eval=t, rtol=C24_REF_RTOL, atol=1e-14)
                f0 = penalty.balanced_factors(w0, D)
                a = dyn.factor_flow(loss, f0, lam, t, method=C24_METHOD, rtol=C24_RTOL, atol=1e-14)
                b = dyn.collapsed_flow(loss, w0, lam, D, t, method=C24_METHOD, rtol=C24_RTOL, atol=1e-14)
                if not (ref.success and _complete(a, t.size) and _complete(b, t.size)):
                    detail = f"D={D}, λ={lam}: {ref.message}; {a.message}; {b.message}"
                    return Measured(math.inf, {"problems": problems}, detail)
                w_ref = ref.y.T
                for tr in (a, b):
                    worst = worse(worst, float(np.max(np.abs(tr.w - w_ref) / np.maximum(np.abs(w_ref), 1e-3))))
                sq = a.factors**2
                worst = worse(worst, float(np.max(sq.max(axis=1) - sq.min(axis=1)) / np.max(f0**2)))
                problems += w0.size if isinstance(loss, Scalar) else 1
                if worst > C24_TOL:
                    return Measured(worst, {"problems": problems}, f"stopped at D={D}, λ={lam}")
    return Measured(worst, {"problems": problems})


# --------------------------------------------------------------------------- #
# C25 escape time from a small balanced start
# --------------------------------------------------------------------------- #

C25_DEPTHS = (2, 3, 4, 6)
C25_EXPONENTS = (8, 16)  # starts w0 = 10^-8 … 10^-16
C25_STARTS = 10.0 ** -np.arange(C25_EXPONENTS[0], C25_EXPONENTS[1] + 1.0)
C25_TOL = 1e-6


@claim(
    "C25",
    "Escape time from a small balanced start",
    "λ=0, L=½(w−1)², balanced start w0→0: the time to reach 1/2 grows like log(1/w0) (slope 1/2) for D=2 "
    "and like w0^{−(1−2/D)} for D ≥ 3.",
    f"dynamics.escape_times: one factor flow over w0 = 1e-{C25_EXPONENTS[0]}…1e-{C25_EXPONENTS[1]} "
    f"({C25_STARTS.size} starts) per D ∈ {list(C25_DEPTHS)}, hitting times of w=1/2 by root-finding on the dense "
    "output; dynamics.escape_exponent fits the growth law from the differences T(w0_i) − T(w0_{i+1}) (the "
    "constant term cancels; the rest is O(w0)). Error: relative error of the fitted slope vs 1/2 (D=2, in "
    "log(1/w0)) and −(1−2/D) (D ≥ 3); the check stops at the first D above tolerance.",
    C25_TOL,
    source=derived("integrate dw/dt = D|w|^{2−2/D}(1 − w) from w0 to 1/2"),
    sample={"hitting times": len(C25_DEPTHS) * C25_STARTS.size},
)
def _c25():
    worst, fitted, reached = 0.0, {}, 0
    for D in C25_DEPTHS:
        times = np.asarray(dyn.escape_times(z=1.0, w0=C25_STARTS, lam=0.0, D=D), float)
        finite = np.isfinite(times)
        reached += int(np.sum(finite))
        if not np.all(finite):
            missed = f"D={D}: {int(np.sum(~finite))} starts never reach 1/2"
            return Measured(math.inf, {"hitting times": reached}, missed)
        slope = dyn.escape_exponent(C25_STARTS, times, D)
        worst = worse(worst, abs(slope / (0.5 if D == 2 else -(1 - 2 / D)) - 1))
        fitted[D] = slope
        if worst > C25_TOL:
            break
    detail = "fitted: " + ", ".join(f"D={D}: {s:.10f}" for D, s in fitted.items())
    return Measured(worst, {"hitting times": reached}, detail)


# --------------------------------------------------------------------------- #
# C26 closed forms of the balanced scalar flow
# --------------------------------------------------------------------------- #

C26_PROBLEMS = 100
C26_T_END, C26_RECORDS = 4.0, 9
C26_CASES = ((3, 0.0, "sympy"), (4, 0.0, "sympy"), (3, 0.05, "quad"), (5, 0.05, "quad"))  # (D, λ, method)
C26_TRAVEL_STARTS = 3  # starts per case, from 2·(saddle) to 0.3, travelling to 1/2 with z = 1
C26_GRID = 200
C26_RTOL = 1e-11  # of the simulated flows


@claim(
    "C26",
    "Closed forms of the balanced scalar flow vs simulation",
    "D=2, λ=0: w(t) = z w0/(w0 + (z−w0)e^{−2 s z t}) (logistic, s = sign w0); for every D the travel time is "
    "∫du/(u^{D−1}(sz−u^D) − (2λ/D)u), u = |w|^{1/D}.",
    f"dynamics.factor_flow (rtol {C26_RTOL:.0e}) vs dynamics.logistic_flow for {C26_PROBLEMS} random (w0, z) "
    f"in one call, {C26_RECORDS} records on t ∈ [0, {C26_T_END:g}]; dynamics.time_to_reach vs hitting times "
    f"of 1/2 in a simulated flow ({C26_TRAVEL_STARTS} starts each; (D, λ, method) ∈ "
    + ", ".join(f"({D}, {lam:g}, {m})" for D, lam, m in C26_CASES)
    + "); max relative error.",
    1e-7,
    source=derived("separation of variables in u = |w|^{1/D}; D = 2 is the logistic equation"),
    sample={"logistic values": C26_PROBLEMS * C26_RECORDS, "travel times": len(C26_CASES) * C26_TRAVEL_STARTS},
)
def _c26():
    rng = np.random.default_rng(26)
    w0 = rng.uniform(-1, 1, C26_PROBLEMS) * 10.0 ** rng.uniform(-3, 0, C26_PROBLEMS)
    z = rng.uniform(-2, 2, C26_PROBLEMS)
    t = np.linspace(0.0, C26_T_END, C26_RECORDS)
    tr = dyn.factor_flow(Scalar(z), penalty.balanced_factors(w0, 2), 0.0, t, rtol=C26_RTOL, atol=1e-16)
    if not _complete(tr, t.size):
        return Measured(math.inf, {}, f"D=2 flow: {tr.message}")
    ref = np.asarray(dyn.logistic_flow(z=z[None, :], w0=w0[None, :], t=t[:, None]), float)
    worst = float(np.max(np.abs(tr.w - ref) / np.maximum(np.abs(ref), 1e-12)))
    values = int(np.sum(np.isfinite(ref)))
    travels = 0
    for D, lam, method in C26_CASES:
        ws = _stationary_weights(1.0, lam, D)[0] if lam > 0 else 1e-4  # the saddle (λ > 0)
        starts = np.geomspace(2 * ws, 0.3, C26_TRAVEL_STARTS)
        T = np.array([dyn.time_to_reach(z=1.0, w0=s, w1=0.5, lam=lam, D=D, method=method) for s in starts])
        grid = np.concatenate([[0.0], np.geomspace(1e-3, 1.2 * T.max(), C26_GRID)])
        sim = dyn.factor_flow(
            Scalar(np.ones(starts.size)),
            penalty.balanced_factors(starts, D),
            lam,
            grid,
            atol=1e-30,
            rtol=C26_RTOL,
            dense_output=True,
        )
        if not _complete(sim, grid.size):
            return Measured(math.inf, {"logistic values": values, "travel times": travels}, sim.message)
        hit = dyn.hitting_time(sim, 0.5)
        travels += int(np.sum(np.isfinite(hit)))
        worst = worse(worst, rel_error(hit, T))
    return Measured(worst, {"logistic values": values, "travel times": travels})


# --------------------------------------------------------------------------- #
# C27 the stability edge of gradient descent
# --------------------------------------------------------------------------- #


def _edge_problems(D: int, lam: float, above_tau) -> tuple[np.ndarray, np.ndarray, list]:
    """The scalar problems of the stability-edge checks (C27, C32): ``(zs, ws, hessians)``.

    ``z`` = one value where the across eigenvalue 4λ/D is the largest Hessian eigenvalue for D ≤ 3
    (``1.5λ`` for D = 2, midway between the existence threshold and τ for D ≥ 3), then ``τ + c`` for
    ``c`` in ``above_tau``; ``w*`` the larger root of G' (polynomial roots); the Hessian is autograd's
    Hessian of F at the balanced factors of ``w*``.
    """
    tau, zex = threshold(lam, D), existence_threshold(lam, D)
    zs = np.array([zex + 0.5 * (tau - zex) if D > 2 else 1.5 * lam] + [tau + c for c in above_tau])
    ws = np.array([_stationary_weights(z, lam, D)[-1] for z in zs])
    hessians = [_hessian(_scalar_objective(z, lam, D), np.full(D, w ** (1 / D))) for z, w in zip(zs, ws, strict=True)]
    return zs, ws, hessians


C27_DEPTHS = (2, 3, 4, 6)
C27_LAMS = (0.1, 0.5)
C27_RATES = (0.95, 0.99, 1.01, 1.05)  # η / (2/λ_max)
C27_STEPS = 3000
C27_JITTER = 1e-3
C27_Z_ABOVE_TAU = (1.0, 3.0)  # z = τ + these, besides one z where 4λ/D is λ_max (D ≤ 3)
C27_Z_PER_CASE = 1 + len(C27_Z_ABOVE_TAU)


@claim(
    "C27",
    "Gradient descent: stable iff η < 2/λ_max",
    "GD on F converges to a balanced minimum w* for η just below 2/λ_max(∇²F(w*)) and not just above.",
    f"D ∈ {list(C27_DEPTHS)}, λ ∈ {list(C27_LAMS)}, {C27_Z_PER_CASE} values of z each: "
    f"τ + {list(C27_Z_ABOVE_TAU)} (τ the threshold) and one where the across eigenvalue 4λ/D is the largest "
    "for D ≤ 3 (z = 1.5λ for D = 2, midway between the existence threshold and τ for D ≥ 3). w* = the larger "
    "root of G' (polynomial roots); λ_max = numpy eigvalsh of autograd's Hessian of F at its balanced "
    "factors, which landscape.max_stable_lr must match (rel. 1e-10). dynamics.gradient_descent, "
    f"{C27_STEPS} steps from the balanced factors perturbed by {C27_JITTER:g}, "
    f"η = {list(C27_RATES)}·2/λ_max, all problems of one (D, λ) in one call. Converged: |w−w*| < 1e-6|w*| "
    "and imbalance shrunk 10×. Error = number of runs whose outcome differs from η < 2/λ_max, +1 per edge "
    "max_stable_lr gets wrong (the check stops at the first (D, λ) with an error).",
    0.0,
    source=classical(
        "linear stability of gradient descent at a minimum, η < 2/λ_max (Nesterov 2004; Cohen et al. 2021)"
    ),
    sample={
        "runs": len(C27_DEPTHS) * len(C27_LAMS) * C27_Z_PER_CASE * len(C27_RATES),
        "edges": len(C27_DEPTHS) * len(C27_LAMS) * C27_Z_PER_CASE,
    },
)
def _c27():
    rng = np.random.default_rng(27)
    fr = np.array(C27_RATES)
    wrong = bad_edges = runs = edges = 0
    for D in C27_DEPTHS:
        for lam in C27_LAMS:
            zs, ws, hessians = _edge_problems(D, lam, C27_Z_ABOVE_TAU)
            lmax = np.array([np.linalg.eigvalsh(H)[-1] for H in hessians])
            edge = 2.0 / lmax
            for e, w in zip(edge, ws, strict=True):
                bad_edges += rel_error(land.max_stable_lr(w, lam, D), e) > 1e-10
                edges += 1
            W = np.repeat(ws, fr.size)
            f0 = penalty.balanced_factors(W, D) * (1 + C27_JITTER * rng.standard_normal((D, W.size)))
            lr = np.repeat(edge, fr.size) * np.tile(fr, zs.size)
            tr = dyn.gradient_descent(Scalar(np.repeat(zs, fr.size)), f0, lam, lr, C27_STEPS, record_every=C27_STEPS)
            f_end = tr.factors[-1]
            imb0 = np.max(f0**2, axis=0) - np.min(f0**2, axis=0)
            imb = np.max(f_end**2, axis=0) - np.min(f_end**2, axis=0)
            conv = (np.abs(np.prod(f_end, axis=0) - W) < 1e-6 * np.abs(W)) & (imb < 0.1 * imb0)
            wrong += int(np.sum(conv != np.tile(fr < 1, zs.size)))
            runs += conv.size
            if wrong or bad_edges:
                break
        if wrong or bad_edges:
            break
    detail = f"{wrong} of {runs} runs misclassified; {bad_edges} of {edges} edges wrong"
    return Measured(float(wrong + bad_edges), {"runs": runs, "edges": edges}, detail)


# --------------------------------------------------------------------------- #
# C28 the origin attracts for D ≥ 3
# --------------------------------------------------------------------------- #

C28_DEPTHS = (3, 4, 5)
C28_LAM, C28_Z = 0.3, 2.0
C28_SCALES = (0.5, 0.9, 0.99, 1.01, 1.1, 2.0)  # start / saddle
C28_T = (0.0, 200.0, 400.0)
C28_TOL = 1e-6


@claim(
    "C28",
    "The origin attracts for D ≥ 3",
    "For D ≥ 3 and λ > 0 the origin is a strict local minimum of F with Hessian (2λ/D)I: the flow from a "
    "balanced start below the saddle w_s goes to 0 with rate 2λ/D per factor; above w_s it goes to w*.",
    f"λ={C28_LAM}, z={C28_Z:g}, D ∈ {list(C28_DEPTHS)}: autograd's Hessian of F at the origin vs (2λ/D)I; "
    "w_s < w* the roots of G' (polynomial roots); one dynamics.factor_flow per D over balanced starts "
    f"{list(C28_SCALES)}·w_s, records at t = {list(C28_T)}: final w vs 0 or w* (abs. 1e-8 w*), decay rate of "
    f"ln|ω| over t ∈ [{C28_T[1]:g}, {C28_T[2]:g}] vs 2λ/D. Error = max relative rate/Hessian error + number "
    "of wrong limits (the check stops at the first D above tolerance).",
    C28_TOL,
    source=derived("Hessian of F at ω = 0; near 0 the flow is dω/dt ≈ −(2λ/D)ω"),
    sample={
        "origin Hessians": len(C28_DEPTHS),
        "flows": len(C28_DEPTHS) * len(C28_SCALES),
        "decay rates": len(C28_DEPTHS) * sum(s < 1 for s in C28_SCALES),
    },
)
def _c28():
    scales = np.array(C28_SCALES)
    t = np.array(C28_T)
    worst, wrong = 0.0, 0
    counts = {"origin Hessians": 0, "flows": 0, "decay rates": 0}
    for D in C28_DEPTHS:
        rate0 = 2 * C28_LAM / D
        H0 = _hessian(_scalar_objective(C28_Z, C28_LAM, D), np.zeros(D))
        worst = worse(worst, float(np.max(np.abs(H0 - rate0 * np.eye(D)))) / rate0)
        counts["origin Hessians"] += 1
        ws, wstar = _stationary_weights(C28_Z, C28_LAM, D)
        tr = dyn.factor_flow(
            Scalar(np.full(scales.size, C28_Z)), penalty.balanced_factors(scales * ws, D), C28_LAM, t, atol=1e-300
        )
        if not _complete(tr, t.size):
            return Measured(math.inf, counts, f"D={D}: {tr.message}")
        below = scales < 1
        w_end = np.prod(tr.factors[-1], axis=0)
        wrong += int(np.sum(np.abs(w_end - np.where(below, 0.0, wstar)) > 1e-8 * wstar))
        counts["flows"] += scales.size
        rate = np.log(np.abs(tr.factors[1, 0, below] / tr.factors[2, 0, below])) / (t[2] - t[1])
        worst = worse(worst, float(np.max(np.abs(rate / rate0 - 1))))
        counts["decay rates"] += int(np.sum(np.isfinite(rate)))
        if worst + wrong > C28_TOL:
            break
    return Measured(worst + wrong, counts, f"{wrong} wrong limits")


# --------------------------------------------------------------------------- #
# C29 implicit bias of D = 2 towards minimum L1
# --------------------------------------------------------------------------- #

C29_SEEDS = (0, 1, 3, 4)
C29_N, C29_P, C29_SPARSITY = 6, 15, 3
C29_ALPHAS = (1e-3, 1e-6)
C29_T = (0.0, 1e3, 1e9)
C29_MAX_GAP = 0.02
C29_TOL = 1e-8


@claim(
    "C29",
    "D=2, λ=0: implicit bias towards the minimum-L1 interpolant",
    "Gradient flow on ½‖X(ω₁⊙ω₂) − y‖²/n from ω₁ = α, ω₂ = 0 (the balanced start u = v = α/2 of the "
    "equivalent w = u² − v² network) ends at argmin Σφ_c(w_j) s.t. Xw = y, φ_c'(w) = arcsinh(w/2c), c = α²/4, "
    "which tends to the minimum-L1 interpolant as α → 0.",
    f"{len(C29_SEEDS)} random underdetermined problems (n={C29_N}, p={C29_P}, y from a {C29_SPARSITY}-sparse w), "
    f"dynamics.factor_flow to t={C29_T[-1]:g} for α ∈ {list(C29_ALPHAS)}. Error: KKT residual of the flow's "
    f"limit at α={C29_ALPHAS[0]:g} (arcsinh(w/2c) must lie in range(Xᵀ); relative lstsq residual) and max|Xw − y|. "
    f"The L1 gap to scipy.optimize.linprog's minimum must shrink from α={C29_ALPHAS[0]:g} to {C29_ALPHAS[1]:g} "
    f"and be ≤ {C29_MAX_GAP:.0%} (else the error is infinite); the gaps are in the detail. Smaller α loses the "
    "decaying mode to rounding in ω₁ ± ω₂. The check stops at the first problem above tolerance.",
    C29_TOL,
    source=classical("Woodworth et al. 2020, Theorem 1 (implicit bias of diagonal linear networks)"),
    sample={"problems": len(C29_SEEDS), "flows": len(C29_SEEDS) * len(C29_ALPHAS)},
)
def _c29():
    from scipy.optimize import linprog

    worst, gaps = 0.0, []
    counts = {"problems": 0, "flows": 0}
    for seed in C29_SEEDS:
        rng = np.random.default_rng(seed)
        n, p = C29_N, C29_P
        X = rng.standard_normal((n, p))
        wtrue = np.zeros(p)
        wtrue[rng.choice(p, C29_SPARSITY, replace=False)] = rng.uniform(0.5, 2, C29_SPARSITY) * rng.choice(
            [-1, 1], C29_SPARSITY
        )
        y = X @ wtrue
        res = linprog(np.ones(2 * p), A_eq=np.hstack([X, -X]), b_eq=y, bounds=(0, None), method="highs")
        if not res.success:
            return Measured(math.inf, counts, f"seed {seed}: linprog failed: {res.message}")
        l1 = float(np.sum(res.x))
        gap = []
        for alpha in C29_ALPHAS:
            f0 = np.stack([np.full(p, alpha), np.zeros(p)])
            tr = dyn.factor_flow(LeastSquares(X, y), f0, 0.0, list(C29_T), atol=alpha * 1e-12)
            if not _complete(tr, len(C29_T)):
                return Measured(math.inf, counts, f"seed {seed}, α={alpha:g}: {tr.message}")
            counts["flows"] += 1
            w = tr.w[-1]
            gap.append((float(np.sum(np.abs(w))) - l1) / l1)
            if alpha == C29_ALPHAS[0]:
                mirror = np.arcsinh(w / (2 * alpha**2 / 4))
                mu = np.linalg.lstsq(X.T, mirror, rcond=None)[0]
                kkt = float(np.linalg.norm(X.T @ mu - mirror) / np.linalg.norm(mirror))
                worst = worse(worst, kkt, float(np.max(np.abs(X @ w - y))))
        gaps.append(gap)
        counts["problems"] += 1
        if not (0 <= gap[1] < gap[0] or abs(gap[1]) < 1e-9) or gap[1] > C29_MAX_GAP:
            worst = math.inf
        if worst > C29_TOL:
            break
    detail = f"L1 gaps (α={C29_ALPHAS[0]:g} → {C29_ALPHAS[1]:g}): " + ", ".join(f"{g0:.1e}→{g1:.1e}" for g0, g1 in gaps)
    return Measured(worst, counts, detail)


# --------------------------------------------------------------------------- #
# C30 stationarity at the end of least-squares flows
# --------------------------------------------------------------------------- #

C30_N, C30_P = 20, 8
C30_DEPTHS = (2, 3, 4)
C30_LAM = 0.05
C30_T_END = 2e3
C30_TOL = 1e-7
C30_ZERO = 1e-10  # |ŵ_j| at or below this counts as zero
C30_MIN_NONZERO = 9  # the seeded problem keeps 4, 3 and 2 nonzero coordinates at D = 2, 3, 4
C30_MIN_ZERO_D2 = 4  # and 4 zero coordinates at D = 2, where |∂_jL| ≤ λ is checked


@claim(
    "C30",
    "Least-squares flows with λ > 0 end at L_{2/D} stationary points",
    "The limit ŵ of the factor flow satisfies ∂_jL(ŵ) + λ(2/D)sign(ŵ_j)|ŵ_j|^{2/D−1} = 0 where ŵ_j ≠ 0, "
    "|∂_jL(ŵ)| ≤ λ where ŵ_j = 0 (D = 2), and its factors are balanced.",
    f"Random least squares (n={C30_N}, p={C30_P}), D ∈ {list(C30_DEPTHS)}, λ={C30_LAM}, random start, "
    f"dynamics.factor_flow to t={C30_T_END:g}. ∂G/∂w_j on the nonzero coordinates (|ŵ_j| > {C30_ZERO:g}) and ∂L "
    "on the zero ones by autograd on G written out here; residual of the stationarity conditions relative to "
    "λ(2/D)|ŵ_j|^{2/D−1} (resp. λ), and imbalance relative to |ŵ_j|^{2/D}; the check stops at the first D "
    "above tolerance.",
    C30_TOL,
    source=derived("∂F/∂ω_d = 0 at balanced factors ⇔ ∂G/∂w = 0 (D = 2: the lasso optimality condition)"),
    sample={
        "flows": len(C30_DEPTHS),
        "nonzero coordinates": C30_MIN_NONZERO,
        "zero coordinates (D = 2)": C30_MIN_ZERO_D2,
    },
)
def _c30():
    import autograd
    import autograd.numpy as anp

    rng = np.random.default_rng(30)
    X = rng.standard_normal((C30_N, C30_P))
    y = X @ np.array([2.0, -1.5, 0.0, 0.0, 0.7, 0.0, 0.0, 0.1]) + 0.1 * rng.standard_normal(C30_N)
    loss, lam = LeastSquares(X, y), C30_LAM

    def L(w):
        r = anp.dot(X, w) - y
        return anp.sum(r * r) / (2 * C30_N)

    worst, detail = 0.0, []
    counts = {"flows": 0, "nonzero coordinates": 0, "zero coordinates (D = 2)": 0}
    for D in C30_DEPTHS:
        q = 2.0 / D
        f0 = rng.uniform(0.3, 1.0, (D, C30_P)) * rng.choice([-1, 1], (D, C30_P))
        tr = dyn.factor_flow(loss, f0, lam, np.array([0.0, C30_T_END]), atol=1e-300)
        if not _complete(tr, 2):
            return Measured(math.inf, counts, f"D={D}: {tr.message}")
        counts["flows"] += 1
        f = tr.factors[-1]
        w = np.prod(f, axis=0)
        nz = np.abs(w) > C30_ZERO
        base, select = np.where(nz, 0.0, w), np.eye(C30_P)[:, nz]

        def G(v, base=base, select=select, q=q):
            return L(base + anp.dot(select, v)) + lam * anp.sum(anp.abs(v) ** q)

        g_nz = autograd.grad(G)(w[nz])
        pen = lam * q * np.abs(w[nz]) ** (q - 1)
        worst = worse(worst, float(np.max(np.abs(g_nz) / pen, initial=0.0)))
        counts["nonzero coordinates"] += int(np.sum(nz))
        if D == 2 and np.any(~nz):
            g_l = autograd.grad(L)(w)
            worst = worse(worst, float(np.max(np.abs(g_l[~nz]) - lam, initial=0.0)) / lam)
            counts["zero coordinates (D = 2)"] += int(np.sum(~nz))
        sq = f[:, nz] ** 2
        worst = worse(worst, float(np.max((sq.max(axis=0) - sq.min(axis=0)) / np.abs(w[nz]) ** q, initial=0.0)))
        detail.append(f"D={D}: {int(np.sum(nz))} nonzero")
        if worst > C30_TOL:
            break
    return Measured(worst, counts, "; ".join(detail))


# --------------------------------------------------------------------------- #
# C31 the learning-rate edge with heavy-ball momentum, derived
# --------------------------------------------------------------------------- #

C31_DEPTHS = tuple(range(1, 6))
C31_QUADRATICS = 200  # random (μ, h) for the spectral-radius check of the 2×2 map
C31_POINTS = 4  # random balanced minima (w, λ, μ) per depth
C31_MARGIN = 1e-3  # η = (1 ∓ margin)·edge
C31_MU = (0.0, 0.99)
C31_H = (0.1, 10.0)


def _heavy_ball_matrix(H: np.ndarray, eta: float, mu: float) -> np.ndarray:
    """``[[I − ηH, −ημI], [H, μI]]``: heavy ball ``v ← μv + Hθ``, ``θ ← θ − ηv`` on ``(θ, v)``, written out here."""
    n = H.shape[0]
    eye = np.eye(n)
    return np.block([[eye - eta * H, -eta * mu * eye], [H, mu * eye]])


def _spectral_radius(M: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(M))))


@claim(
    "C31",
    "Heavy-ball momentum: the learning-rate edge is 2(1+μ)/λ_max",
    "Gradient descent with heavy-ball momentum μ ∈ [0, 1) (v ← μv + ∇f, θ ← θ − ηv) on a quadratic of curvature h "
    "is linearly stable iff η < 2(1 + μ)/h. At a balanced minimum of the scalar F the linearized map on (ω, v) "
    "splits into one such 2×2 map per Hessian eigenvalue, so the edge is 2(1 + μ)/λ_max, "
    "λ_max = max(D|w|^{2−2/D} − 2λ(D−2)/D, 4λ/D).",
    "symbolic.heavy_ball_edge (SymPy: Jacobian of the update, characteristic polynomial, Jury's conditions) "
    "against the closed forms typed here: symbolic.equal must prove edge = 2(1+μ)/h for the quadratic and, for "
    f"D = {C31_DEPTHS[0]}..{C31_DEPTHS[-1]}, edge_along = 2(1+μ)/(D w^{{2−2/D}} − 2λ(D−2)/D) and edge_across = "
    f"2(1+μ)/(4λ/D). Numerically: for {C31_QUADRATICS} random μ ∈ [{C31_MU[0]:g}, {C31_MU[1]:g}], h ∈ "
    f"[{C31_H[0]:g}, {C31_H[1]:g}] the 2×2 heavy-ball matrix written out here must have spectral radius < 1 at "
    f"η = (1 − {C31_MARGIN:g})·edge and > 1 at (1 + {C31_MARGIN:g})·edge (numpy eigvals); at {C31_POINTS} random "
    "balanced minima (w, λ, μ) per depth the derived edge (lambdified) must equal 2(1+μ)/λ_max with λ_max from "
    "numpy eigvalsh of autograd's Hessian of F, and the 2D×2D matrix [[I − ηH, −ημI], [H, μI]] must change from "
    "stable to unstable across it. Error = largest relative error + 1 per unproved identity or misplaced "
    "spectral radius.",
    1e-10,
    source=classical(
        "Polyak 1964 (heavy-ball method; stable for 0 < ηh < 2(1 + μ), e.g. Goh 2017); Jury 1964 (the stability "
        "conditions of a quadratic)"
    ),
    sample={
        "identities": 1 + len(C31_DEPTHS) + len(C31_DEPTHS) - 1,
        "quadratics": C31_QUADRATICS,
        "balanced minima": len(C31_DEPTHS) * C31_POINTS,
    },
)
def _c31():
    import sympy as sy

    from .. import symbolic as sym

    rng = np.random.default_rng(31)
    counts = {"identities": 0, "quadratics": 0, "balanced minima": 0}
    worst, wrong = 0.0, 0
    generic = sym.heavy_ball_edge()
    mu_s, h_s = generic["mu"], generic["h"]
    wrong += not sym.equal(generic.expr, 2 * (1 + mu_s) / h_s)
    counts["identities"] += 1
    edge_of = sy.lambdify((mu_s, h_s), generic.expr, "numpy")
    for mu, h in zip(rng.uniform(*C31_MU, C31_QUADRATICS), rng.uniform(*C31_H, C31_QUADRATICS), strict=True):
        edge = float(edge_of(mu, h))
        below = _spectral_radius(_heavy_ball_matrix(np.array([[h]]), (1 - C31_MARGIN) * edge, mu))
        above = _spectral_radius(_heavy_ball_matrix(np.array([[h]]), (1 + C31_MARGIN) * edge, mu))
        wrong += not (below < 1 < above)
        counts["quadratics"] += 1
    for D in C31_DEPTHS:
        d = sym.heavy_ball_edge(D)
        w_s, lam_s = d["w"], sym.LAM
        along = D * w_s ** (2 - sy.Rational(2, D)) - 2 * lam_s * sy.Rational(D - 2, D)
        wrong += not sym.equal(d["edge_along"], 2 * (1 + mu_s) / along)
        counts["identities"] += 1
        if D > 1:
            wrong += not sym.equal(d["edge_across"], 2 * (1 + mu_s) / (4 * lam_s / D))
            counts["identities"] += 1
        edge_of = sy.lambdify((w_s, lam_s, mu_s), d.expr, "numpy")
        for _ in range(C31_POINTS):
            w, lam, mu = rng.uniform(0.5, 2.0), rng.uniform(0.05, 0.5), rng.uniform(*C31_MU)
            z = w + lam * (2 / D) * w ** (2 / D - 1)  # G'(w) = 0 for ½(w − z)² + λ|w|^{2/D}
            H = _hessian(_scalar_objective(z, lam, D), np.full(D, w ** (1 / D)))
            eig = np.linalg.eigvalsh(H)
            if eig[0] <= 0:
                return Measured(math.inf, counts, f"D={D}: the sampled point w={w:.3g} is not a minimum")
            edge = float(edge_of(w, lam, mu))
            worst = worse(worst, rel_error(edge, 2 * (1 + mu) / eig[-1]))
            below = _spectral_radius(_heavy_ball_matrix(H, (1 - C31_MARGIN) * edge, mu))
            above = _spectral_radius(_heavy_ball_matrix(H, (1 + C31_MARGIN) * edge, mu))
            wrong += not (below < 1 < above)
            counts["balanced minima"] += 1
    detail = f"{wrong} unproved identities or misplaced spectral radii; largest edge error {worst:.1e}"
    return Measured(worse(worst, wrong), counts, detail)


# --------------------------------------------------------------------------- #
# C32 the learning-rate edge with heavy-ball momentum, simulated
# --------------------------------------------------------------------------- #

C32_DEPTHS = (2, 3, 4)
C32_LAMS = (0.1, 0.5)
C32_MOMENTA = (0.3, 0.5, 0.9)
C32_RATES = (0.95, 1.05)  # η / (2(1+μ)/λ_max)
C32_Z_ABOVE_TAU = (1.0,)
C32_Z_PER_CASE = 1 + len(C32_Z_ABOVE_TAU)
C32_STEPS = 1000  # the slowest stable case (μ = 0.9: spectral radius √μ) needs ~300 steps to 1e-7
C32_JITTER = 1e-3
C32_START_OFFSET = 1e-3  # init_lr_phase starts at α = a*(1 ± offset)
C32_OVERLAY_RTOL = 1e-10
_C32_CASES = len(C32_DEPTHS) * len(C32_LAMS) * len(C32_MOMENTA) * C32_Z_PER_CASE


@claim(
    "C32",
    "Gradient descent with momentum: stable iff η < 2(1+μ)/λ_max",
    "GD with heavy-ball momentum μ on F converges to a balanced minimum w* for η just below 2(1 + μ)/λ_max and not "
    "just above; started on the balanced line it converges iff η < 2(1 + μ)/h, h the Hessian eigenvalue along it.",
    f"D ∈ {list(C32_DEPTHS)}, λ ∈ {list(C32_LAMS)}, μ ∈ {list(C32_MOMENTA)}, {C32_Z_PER_CASE} values of z each "
    f"(as in C27: one where 4λ/D is λ_max for D ≤ 3, and τ + {list(C32_Z_ABOVE_TAU)}). Reference edges from "
    "numpy eigvalsh of autograd's Hessian of F at the balanced factors of w* (polynomial roots): 2(1+μ)/λ_max and, "
    f"along the balanced direction 1, 2(1+μ)/h with h = 1ᵀH1/D. (1) dynamics.gradient_descent with momentum, "
    f"{C32_STEPS} steps from the balanced factors perturbed by {C32_JITTER:g}, η = {list(C32_RATES)}·2(1+μ)/λ_max; "
    "converged: |w − w*| < 1e-6|w*| and imbalance shrunk 10×. (2) phase.init_lr_phase with momentum from "
    f"α = a*(1 ± {C32_START_OFFSET:g}), η = {list(C32_RATES)}·2(1+μ)/h, {C32_STEPS} steps: 'nonzero' below the edge, "
    f"anything else above; its overlays max_stable_lr and balanced_stable_lr against the references (rel. "
    f"{C32_OVERLAY_RTOL:g}). Error = number of wrong outcomes + overlays off (the check stops at the first (D, λ) "
    "with an error).",
    0.0,
    source=classical("Polyak 1964 (heavy-ball method); linear stability at a minimum, η < 2(1 + μ)/λ_max"),
    sample={
        "runs": _C32_CASES * len(C32_RATES),
        "phase runs": _C32_CASES * 2 * len(C32_RATES),
        "overlays": 2 * _C32_CASES,
    },
)
def _c32():
    from .. import phase as ph

    rng = np.random.default_rng(32)
    fr = np.array(C32_RATES)
    wrong = bad_overlays = 0
    counts = {"runs": 0, "phase runs": 0, "overlays": 0}
    for D in C32_DEPTHS:
        for lam in C32_LAMS:
            zs, ws, hessians = _edge_problems(D, lam, C32_Z_ABOVE_TAU)
            lmax = np.array([np.linalg.eigvalsh(H)[-1] for H in hessians])
            along = np.array([np.sum(H) / D for H in hessians])  # 1ᵀH1/D: 1 is an eigenvector
            W = np.repeat(ws, fr.size)
            for mu in C32_MOMENTA:
                edge, edge_along = 2 * (1 + mu) / lmax, 2 * (1 + mu) / along
                f0 = penalty.balanced_factors(W, D) * (1 + C32_JITTER * rng.standard_normal((D, W.size)))
                lr = np.repeat(edge, fr.size) * np.tile(fr, zs.size)
                tr = dyn.gradient_descent(
                    Scalar(np.repeat(zs, fr.size)), f0, lam, lr, C32_STEPS, momentum=mu, record_every=C32_STEPS
                )
                f_end = tr.factors[-1]
                imb0 = np.max(f0**2, axis=0) - np.min(f0**2, axis=0)
                imb = np.max(f_end**2, axis=0) - np.min(f_end**2, axis=0)
                conv = (np.abs(np.prod(f_end, axis=0) - W) < 1e-6 * np.abs(W)) & (imb < 0.1 * imb0)
                wrong += int(np.sum(conv != np.tile(fr < 1, zs.size)))
                counts["runs"] += conv.size
                for j, (z, w) in enumerate(zip(zs, ws, strict=True)):
                    a_star = w ** (1 / D)
                    alphas = a_star * np.array([1 - C32_START_OFFSET, 1 + C32_START_OFFSET])
                    pd = ph.init_lr_phase(
                        Scalar(z), lam, D, alphas, edge_along[j] * fr, C32_STEPS, momentum=mu, basin=False
                    )
                    wrong += int(np.sum((pd.labels == ph.NONZERO) != (fr < 1)[:, None]))
                    counts["phase runs"] += pd.labels.size
                    for key, ref in (("max_stable_lr", edge[j]), ("balanced_stable_lr", edge_along[j])):
                        got = pd.overlays[key]
                        bad_overlays += not (got is not None and rel_error(got, ref) <= C32_OVERLAY_RTOL)
                        counts["overlays"] += 1
            if wrong or bad_overlays:
                break
        if wrong or bad_overlays:
            break
    detail = f"{wrong} wrong outcomes of {counts['runs'] + counts['phase runs']} runs; {bad_overlays} overlays off"
    return Measured(float(wrong + bad_overlays), counts, detail)
