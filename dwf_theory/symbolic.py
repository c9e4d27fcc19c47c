"""SymPy derivations of the closed forms of deep weight factorization; each returns expressions and LaTeX.

Nothing here types in an answer: every result is obtained by SymPy from the
problem statement (a Lagrangian, a stationarity-plus-tie system, a Hessian), and
the claims and tests compare it with the published formulas (the penalty
equivalence of Kolb et al., ICLR 2025; the L_q thresholding of Marjanovic &
Solo 2012) and with the numeric code of :mod:`dwf_theory.prox`,
:mod:`dwf_theory.penalty` and :mod:`dwf_theory.landscape` (claims C7–C11).

* :func:`lagrange_balanced` — (a) the Lagrange conditions of
  ``min (1/D) Σ_d ω_d²`` s.t. ``Π_d ω_d = w`` have exactly the balanced real
  solutions ``|ω_d| = |w|^{1/D}`` (signs multiplying to ``sign(w)``), value
  ``|w|^{2/D}``.
* :func:`threshold_jump` — (b) the jump ``β`` and threshold ``τ`` of the prox of
  ``λ|w|^q`` from stationarity ``w + λ q w^{q−1} = z`` and the tie
  ``½(w − z)² + λ w^q = ½ z²``; also the existence threshold of a nonzero
  stationary point.
* :func:`scalar_objective`, :func:`origin_hessian`, :func:`balanced_hessian` —
  (c) gradient and Hessian of ``F(ω) = ½(Π_d ω_d − z)² + (λ/D) Σ_d ω_d²`` and its
  eigenvalues at the origin and at balanced stationary points.
* :func:`heavy_ball_edge` — (d) the learning-rate edge ``η < 2(1 + μ)/h`` of gradient
  descent with heavy-ball momentum ``μ`` on a quadratic of curvature ``h`` (characteristic
  polynomial of the linearized map and Jury's stability conditions), and its value
  ``2(1 + μ)/λ_max`` at a balanced minimum of the scalar ``F``.

All functions are cached (:func:`functools.lru_cache`): they return the same
immutable :class:`Derivation` on repeated calls. Depths are whole numbers up to
``_validate.MAX_SYMBOLIC_DEPTH = 10``: the cost of the derivations grows quickly with
``D`` (the Lagrange one substitutes all ``2^D`` sign patterns; ``D = 10`` takes a few
seconds), and larger depths are refused with a ``ValueError`` that says the limit.
"""

from __future__ import annotations

import itertools
import numbers
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

import numpy as np
import sympy as sp

from . import _validate as v

__all__ = [
    "Derivation",
    "equal",
    "lagrange_balanced",
    "threshold_jump",
    "scalar_objective",
    "origin_hessian",
    "balanced_hessian",
    "heavy_ball_edge",
]

# Shared symbols. ``lam`` and ``q`` positive; ``z`` real for the factorized objective.
LAM = sp.Symbol("lambda", positive=True)
Q = sp.Symbol("q", positive=True)
Z = sp.Symbol("z", real=True)


@dataclass(frozen=True)
class Derivation:
    """Result of a SymPy derivation.

    Attributes
    ----------
    name : str
        What was derived.
    expr : sympy.Basic
        The main result.
    latex : str
        ``sympy.latex(expr)``.
    steps : Mapping[str, object]
        Labeled intermediate and secondary results (SymPy objects, tuples of
        them, or plain numbers), read-only. ``derivation["key"]`` is a shortcut.
    """

    name: str
    expr: sp.Basic
    latex: str
    steps: Mapping[str, object]

    def __getitem__(self, key: str):
        return self.steps[key]

    def steps_latex(self) -> dict[str, str]:
        """LaTeX of every step that is a SymPy object (tuples rendered element by element)."""
        out = {}
        for key, val in self.steps.items():
            if isinstance(val, sp.Basic):
                out[key] = sp.latex(val)
            elif isinstance(val, tuple) and all(isinstance(x, sp.Basic) for x in val):
                out[key] = r",\; ".join(sp.latex(x) for x in val)
        return out


def _depth(D) -> int:
    """A depth for the derivations: a whole number in ``[1, MAX_SYMBOLIC_DEPTH]`` (their cost grows fast with D)."""
    return v.depth(D, maximum=v.MAX_SYMBOLIC_DEPTH)


def _expression(x, name: str):
    """A SymPy expression, or a finite number converted to one (``TypeError`` naming ``name`` otherwise)."""
    if isinstance(x, sp.Basic):
        return x
    if isinstance(x, numbers.Number) and not isinstance(x, (bool, np.bool_)):
        if not np.isfinite(complex(x)):
            raise ValueError(f"{name} must be a SymPy expression or a finite number, got {x!r}")
        return sp.sympify(x)
    raise TypeError(f"{name} must be a SymPy expression or a number, got {type(x).__name__}")


def _derivation(name: str, expr, **steps) -> Derivation:
    return Derivation(name, expr, sp.latex(expr), MappingProxyType(dict(steps)))


# A point with every symbol positive and ``q`` in (0, 1), used to discard spurious roots fast.
_SAMPLE = {LAM: sp.Rational(7, 5), Q: sp.Rational(1, 3), Z: sp.Rational(5, 3)}


def _sample(expr):
    """``expr`` evaluated to 30 digits at a sample point (all free symbols positive, ``q = 1/3``)."""
    values = {
        sym: _SAMPLE.get(sym, sp.Rational(11, 7) * (1 if sym.is_positive is not False else -1))
        for sym in expr.free_symbols
    }
    return complex(sp.N(expr.subs(values), 30))


def _is_zero(expr) -> bool:
    """Exact zero test: ``True`` only when SymPy proves ``expr == 0``.

    A nonzero value at a sample point proves ``expr != 0`` quickly; otherwise
    the expanded form and then ``simplify`` must reduce to zero.
    """
    if expr == 0:
        return True
    expr = sp.expand(expr)
    if expr == 0:
        return True
    if abs(_sample(expr)) > 1e-20:
        return False
    return _canon(expr) == 0


def _canon(expr):
    """Canonical form for zero tests: bases split, powers denested and recombined, simplified.

    Forcing is sound here: every base is positive wherever the derivations
    apply (``w, λ > 0``, ``0 < q < 1``).
    """
    expr = sp.expand_power_base(sp.powdenest(sp.expand(expr), force=True), force=True)
    return sp.simplify(sp.powsimp(sp.expand(expr), force=True))


def equal(a, b) -> bool:
    """``True`` when SymPy proves ``a == b`` (for positive symbols and ``0 < q < 1``).

    Tries the canonical form of ``a − b`` and, for nonzero ``b``, of ``a / b − 1``.
    ``False`` means "not proved" (and, when a sample point separates them, "different").

    Parameters
    ----------
    a, b : sympy.Basic or a finite number
        Strings are refused (SymPy would parse them as code).
    """
    a, b = _expression(a, "a"), _expression(b, "b")
    diff = a - b
    if _is_zero(diff):
        return True
    if abs(_sample(diff)) > 1e-20 or b == 0:
        return False
    return _canon(a / b) == 1


def _positive_roots(equation, x) -> list:
    """The roots of ``equation = 0`` in ``x`` that are positive (the others SymPy returns are discarded).

    ``sympy.solve`` with a positive symbol can still return complex branches
    for rational exponents; a root is kept when it is real and positive at the
    sample point and substituting it makes ``equation`` vanish exactly.
    """
    keep = []
    for r in sp.solve(equation, x):
        val = _sample(r) if r.free_symbols else complex(r)
        if abs(val.imag) <= 1e-20 * max(1.0, abs(val)) and val.real > 0 and _is_zero(equation.subs(x, r)):
            keep.append(sp.simplify(r))
    return keep


# --------------------------------------------------------------------------- #
# (a) Lagrange conditions of the factor penalty under the product constraint
# --------------------------------------------------------------------------- #


def lagrange_balanced(D, *, sign=1) -> Derivation:
    """Solve the Lagrange conditions of ``min (1/D) Σ_d ω_d²`` s.t. ``ω_1 ⋯ ω_D = w`` (claim C7).

    Derivation (all steps by SymPy):

    1. Lagrangian ``ℒ = (1/D) Σ ω_d² − μ (Π ω_d − w)``; equations
       ``∂ℒ/∂ω_d = 0`` and the constraint.
    2. Since ``w ≠ 0`` every ``ω_d ≠ 0``, so multiplying equation ``d`` by
       ``ω_d`` and substituting the constraint is reversible; it gives
       ``(2/D) ω_d² − μ w = 0``: every ``ω_d²`` equals the same ``s``.
    3. The squared constraint ``s^D = w²`` has exactly one positive root,
       ``s = |w|^{2/D}``; then ``μ`` follows.
    4. Every real solution is therefore among the ``2^D`` points
       ``ω_d = ±√s``; each is substituted into the original system, and the
       ones that solve it are kept: exactly the ``2^{D−1}`` sign patterns
       whose product is ``sign(w)``.
    5. The objective has the value ``s = |w|^{2/D}`` at all of them. (The
       constraint set is closed, the objective coercive, and the constraint
       gradient nonzero, so the minimum is one of these points.)

    Parameters
    ----------
    D : int in [1, 10]
        Depth (``D = 1`` is the trivial case ``ω_1 = w``).
    sign : {+1, -1}
        Sign of ``w``; the symbol ``w`` is declared positive or negative.

    Returns
    -------
    Derivation
        ``expr`` is the minimal value (in terms of the symbol ``w``). Steps:
        ``'w'``, ``'omega'``, ``'mu'`` (symbols), ``'lagrangian'``, ``'equations'``,
        ``'reduced'``, ``'square'`` (``s``), ``'multiplier'`` (``μ``),
        ``'solutions'`` (tuple of tuples, one per real solution),
        ``'sign_patterns'`` (tuple of ±1 tuples), ``'rejected_patterns'``,
        ``'value'``.
    """
    D = _depth(D)
    if isinstance(sign, (bool, np.bool_)) or not isinstance(sign, numbers.Real):
        raise TypeError(f"sign must be +1 or -1, got {type(sign).__name__}")
    if sign not in (1, -1):
        raise ValueError(f"sign must be +1 or -1, got {sign!r}")
    return _lagrange_balanced(D, int(sign))


@lru_cache(maxsize=None)
def _lagrange_balanced(D: int, sign: int) -> Derivation:
    w = sp.Symbol("w", positive=True) if sign > 0 else sp.Symbol("w", negative=True)
    om = sp.symbols(f"omega_1:{D + 1}", real=True)
    mu = sp.Symbol("mu", real=True)
    prod = sp.Mul(*om)
    objective = sp.Add(*[o**2 for o in om]) / D
    lagrangian = objective - mu * (prod - w)
    equations = tuple(sp.diff(lagrangian, o) for o in om) + (prod - w,)

    # Step 2: ω_d · (∂ℒ/∂ω_d), with the constraint Π ω = w substituted.
    reduced = tuple(sp.expand(o * e).subs(prod, w) for o, e in zip(om, equations[:D], strict=True))
    s_val, mu_val = _square_and_multiplier(om, reduced, w, mu, D)
    kept, rejected, solutions = _sign_patterns(om, equations, mu, mu_val, sp.sqrt(s_val), D)

    # Step 5: the value of the objective at the solutions.
    values = {sp.simplify(objective.subs(dict(zip(om, sol, strict=True)))) for sol in solutions}
    if len(values) != 1:
        raise ArithmeticError(f"the Lagrange points have different values {values}")
    value = values.pop()
    return _derivation(
        f"Lagrange points of (1/D)Σω_d² s.t. Πω_d = w, D={D}",
        value,
        w=w,
        omega=om,
        mu=mu,
        lagrangian=lagrangian,
        equations=equations,
        reduced=reduced,
        square=s_val,
        multiplier=mu_val,
        solutions=tuple(solutions),
        sign_patterns=tuple(kept),
        rejected_patterns=tuple(rejected),
        value=value,
    )


def _square_and_multiplier(om, reduced, w, mu, D: int):
    """Steps 2–3: every reduced equation gives the same ``ω_d² = s``; ``s^D = w²`` fixes ``s``, then ``μ``."""
    s = sp.Symbol("s", positive=True)
    squares = []
    for o, r in zip(om, reduced, strict=True):
        sol = sp.solve(r.subs(o**2, s), s, dict=True) if D > 1 else [{s: w**2}]
        if len(sol) != 1:
            raise ArithmeticError(f"reduced Lagrange equation {r} is not linear in {o}**2")
        squares.append(sol[0][s])
    if any(sp.simplify(sq - squares[0]) != 0 for sq in squares[1:]):
        raise ArithmeticError("the reduced Lagrange equations give unequal squares")
    # Π ω_d² = w²  ⇒  s^D = w², unique positive root.
    roots = _positive_roots(s**D - w**2, s)
    if len(roots) != 1:
        raise ArithmeticError(f"s**{D} = w**2 has {len(roots)} positive roots, expected one")
    s_val = sp.simplify(roots[0])
    mu_val = sp.solve(reduced[0].subs(om[0] ** 2, s_val), mu)
    if len(mu_val) != 1:
        raise ArithmeticError("the multiplier is not determined by the reduced equation")
    return s_val, sp.simplify(mu_val[0])


def _sign_patterns(om, equations, mu, mu_val, root, D: int):
    """Step 4: substitute every candidate ``ω_d = ±root`` into the original system.

    Returns ``(kept, rejected, solutions)``: the sign patterns that solve it, those that
    do not, and the solutions as tuples of ``ω`` values.
    """
    kept, rejected, solutions = [], [], []
    for pattern in itertools.product((1, -1), repeat=D):
        point = {o: p * root for o, p in zip(om, pattern, strict=True)}
        point[mu] = mu_val
        if all(_is_zero(e.xreplace(point)) for e in equations[::-1]):  # constraint first: cheapest rejection
            kept.append(pattern)
            solutions.append(tuple(point[o] for o in om))
        else:
            rejected.append(pattern)
    return kept, rejected, solutions


# --------------------------------------------------------------------------- #
# (b) Threshold, jump and existence threshold of the prox of λ|w|^q
# --------------------------------------------------------------------------- #


def threshold_jump(D=None) -> Derivation:
    """Derive the jump ``β``, the threshold ``τ`` and the existence threshold of ``prox`` (claim C8).

    For ``z > 0``, ``w > 0`` and ``h(w) = ½(w − z)² + λ w^q``:

    * stationarity ``w + λ q w^{q−1} = z`` is solved for ``z``;
    * substituted into the tie ``h(w) = h(0) = ½ z²`` and divided by ``w^q``,
      it leaves an equation in ``w`` alone, whose positive root is the jump
      ``β``; substituting back gives the threshold ``τ = z(β)``;
    * the existence threshold is ``z`` at the minimum ``w_m`` of ``z(w)``
      (``dz/dw = 0``): no nonzero stationary point exists below it.

    Parameters
    ----------
    D : int in [3, 10] or None
        ``None``: symbolic ``q`` (results valid for ``0 < q < 1``). A whole
        number: the same system is solved afresh with ``q = 2/D``.

    Returns
    -------
    Derivation
        ``expr`` is ``τ``. Steps: ``'q'``, ``'lam'``, ``'w'``, ``'z'`` (symbols),
        ``'stationarity'``, ``'z_of_w'``, ``'tie'``, ``'beta'``, ``'tau'``,
        ``'w_m'``, ``'z_exist'``.
    """
    if D is not None:
        D = v.whole_number(D, "D", 3, v.MAX_SYMBOLIC_DEPTH)
    return _threshold_jump(D)


@lru_cache(maxsize=None)
def _threshold_jump(D) -> Derivation:
    q = Q if D is None else sp.Rational(2, D)
    w = sp.Symbol("w", positive=True)
    z = sp.Symbol("z", positive=True)
    h = sp.Rational(1, 2) * (w - z) ** 2 + LAM * w**q
    stationarity = sp.diff(h, w)  # = w − z + λ q w^{q−1}
    z_of_w = sp.solve(stationarity, z)
    if len(z_of_w) != 1:
        raise ArithmeticError("stationarity is not linear in z")
    z_of_w = z_of_w[0]
    tie = sp.expand(h.subs(z, z_of_w) - sp.Rational(1, 2) * z_of_w**2)
    tie_reduced = sp.powsimp(sp.expand(tie / w**q), force=True)
    betas = _positive_roots_in_w(tie_reduced, w, D)
    if len(betas) != 1:
        raise ArithmeticError(f"the tie has {len(betas)} positive roots, expected one")
    beta = betas[0]
    tau = beta * _canon(z_of_w.subs(w, beta) / beta)  # τ / β simplifies to a rational function of q
    w_ms = _positive_roots_in_w(sp.diff(z_of_w, w), w, D)
    if len(w_ms) != 1:
        raise ArithmeticError(f"dz/dw = 0 has {len(w_ms)} positive roots, expected one")
    w_m = w_ms[0]
    z_exist = w_m * _canon(z_of_w.subs(w, w_m) / w_m)
    label = "symbolic q" if D is None else f"D={D}"
    return _derivation(
        f"threshold τ and jump β of the prox of λ|w|^q, {label}",
        tau,
        q=q,
        lam=LAM,
        w=w,
        z=z,
        stationarity=stationarity,
        z_of_w=z_of_w,
        tie=tie_reduced,
        beta=beta,
        tau=tau,
        w_m=w_m,
        z_exist=z_exist,
    )


def _positive_roots_in_w(equation, w, D):
    """Positive roots in ``w``; for a whole ``D`` solved in ``t = w^{1/D}``, where the equation is polynomial."""
    if D is None:
        return _positive_roots(equation, w)
    t = sp.Symbol("t", positive=True)
    poly = sp.numer(sp.together(sp.powsimp(sp.expand(equation.subs(w, t**D)), force=True)))
    return [_tidy(r**D) for r in _positive_roots(poly, t)]


def _tidy(expr):
    """Simplify with powers denested (all bases positive for 0 < q < 1, λ > 0)."""
    return sp.simplify(sp.powdenest(sp.powsimp(expr, force=True), force=True))


# --------------------------------------------------------------------------- #
# (c) Gradient, Hessian and its eigenvalues for the scalar factorized objective
# --------------------------------------------------------------------------- #


def scalar_objective(D) -> Derivation:
    """``F(ω) = ½(Π_d ω_d − z)² + (λ/D) Σ_d ω_d²`` with its gradient and Hessian (claim C11).

    Returns
    -------
    Derivation
        ``expr`` is ``F``. Steps: ``'omega'`` (symbols), ``'z'``, ``'lam'``,
        ``'gradient'`` and ``'hessian'`` (``sympy.Matrix``).
    """
    return _scalar_objective(_depth(D))


@lru_cache(maxsize=None)
def _scalar_objective(D: int) -> Derivation:
    om = sp.symbols(f"omega_1:{D + 1}", real=True)
    F = sp.Rational(1, 2) * (sp.Mul(*om) - Z) ** 2 + LAM / D * sp.Add(*[o**2 for o in om])
    grad = sp.Matrix([sp.diff(F, o) for o in om])
    hess = sp.hessian(F, om)
    return _derivation(f"scalar factorized objective, D={D}", F, omega=om, z=Z, lam=LAM, gradient=grad, hessian=hess)


def origin_hessian(D) -> Derivation:
    """Hessian of the scalar factorized objective at ``ω = 0`` and its eigenvalues (claim C9).

    Returns
    -------
    Derivation
        ``expr`` is the Hessian matrix at the origin. Steps: ``'eigenvalues'``
        (dict eigenvalue → multiplicity, from ``Matrix.eigenvals``) and
        ``'negative_region'``: the set of real ``z`` where some eigenvalue is
        negative (``solveset`` over the reals; empty for ``D ≠ 2``).
    """
    return _origin_hessian(_depth(D))


@lru_cache(maxsize=None)
def _origin_hessian(D: int) -> Derivation:
    base = _scalar_objective(D)
    H0 = base["hessian"].subs({o: 0 for o in base["omega"]})
    eig = H0.eigenvals()
    region = sp.Union(*[sp.solveset(ev < 0, Z, sp.S.Reals) for ev in eig])
    return _derivation(
        f"Hessian of F at the origin, D={D}",
        H0,
        eigenvalues=MappingProxyType(dict(eig)),
        negative_region=region,
    )


def balanced_hessian(D) -> Derivation:
    """Eigenvalues of the Hessian of the scalar ``F`` at a balanced stationary point (claim C10).

    At ``ω_d = w^{1/D}`` (``w > 0``; other sign patterns are orthogonally
    similar through ``diag(±1)``), ``z`` is eliminated with the stationarity
    equation ``∂F/∂ω_1 = 0``. The eigenvalues are read off by applying the
    Hessian to the balanced direction ``1`` and to the ``D − 1`` vectors
    ``e_1 − e_k``, each verified to be an eigenvector (``H v − μ v``
    simplifies to zero); these ``D`` vectors span ``R^D``, so the spectrum is
    complete with multiplicities.

    Returns
    -------
    Derivation
        ``expr`` is the eigenvalue along ``1``. Steps: ``'w'`` (the symbol
        ``w* > 0``), ``'z_star'`` (the ``z`` that makes the point stationary),
        ``'hessian'`` (at the point), ``'along'``, ``'across'`` (``None`` for
        ``D = 1``), ``'eigenvalues'`` (dict eigenvalue → multiplicity).
    """
    return _balanced_hessian(_depth(D))


@lru_cache(maxsize=None)
def _balanced_hessian(D: int) -> Derivation:
    base = _scalar_objective(D)
    om = base["omega"]
    w = sp.Symbol("w", positive=True)
    point = {o: w ** sp.Rational(1, D) for o in om}
    z_star = sp.solve(base["gradient"][0].subs(point), Z)
    if len(z_star) != 1:
        raise ArithmeticError("stationarity is not linear in z")
    z_star = sp.simplify(z_star[0])
    if any(not _is_zero(g.subs(point).subs(Z, z_star)) for g in base["gradient"]):
        raise ArithmeticError("the balanced point is not stationary for every factor")
    H = sp.simplify(base["hessian"].subs(point).subs(Z, z_star))

    def eigen(vec):
        image = H * vec
        k = next(i for i in range(D) if vec[i] != 0)
        value = sp.simplify(image[k] / vec[k])
        if any(not _is_zero(image[i] - value * vec[i]) for i in range(D)):
            raise ArithmeticError(f"{list(vec)} is not an eigenvector of the Hessian")
        return value

    along = eigen(sp.ones(D, 1))
    across = None
    eigenvalues = {along: 1}
    if D > 1:
        values = set()
        for k in range(1, D):
            vec = sp.zeros(D, 1)
            vec[0], vec[k] = 1, -1
            values.add(eigen(vec))
        if len(values) != 1:
            raise ArithmeticError(f"the directions across the balanced line have different eigenvalues {values}")
        across = values.pop()
        eigenvalues[across] = eigenvalues.get(across, 0) + D - 1
    return _derivation(
        f"Hessian of F at a balanced stationary point, D={D}",
        along,
        w=w,
        z_star=z_star,
        hessian=H,
        along=along,
        across=across,
        eigenvalues=MappingProxyType(eigenvalues),
    )


# --------------------------------------------------------------------------- #
# (d) Learning-rate edge of gradient descent with heavy-ball momentum
# --------------------------------------------------------------------------- #

#: Learning rate, momentum coefficient and curvature of :func:`heavy_ball_edge`.
ETA = sp.Symbol("eta", positive=True)
MU = sp.Symbol("mu", nonnegative=True)
CURVATURE = sp.Symbol("h", positive=True)


def heavy_ball_edge(D=None) -> Derivation:
    """The linear stability edge of gradient descent with heavy-ball momentum (claims C31, C32).

    Heavy-ball momentum ``μ`` in PyTorch's convention: ``v ← μ v + ∇f(θ)``, ``θ ← θ − η v``.

    ``D = None`` — on the quadratic ``f(θ) = ½ h θ²`` (every step by SymPy):

    1. the map ``(θ, v) ↦ (θ − η(μv + hθ), μv + hθ)`` is linear; its matrix ``M`` is the
       Jacobian of the update;
    2. its characteristic polynomial ``p(ζ) = ζ² + a₁ζ + a₀ = ζ² − (1 + μ − ηh)ζ + μ``;
    3. both roots lie strictly inside the unit circle iff ``p(1) > 0``, ``p(−1) > 0`` and
       ``|a₀| < 1`` (Jury's conditions for a quadratic; Jury 1964, the Schur–Cohn test):
       ``p(1) = ηh`` is positive, ``a₀ = μ`` (so ``|a₀| < 1`` is ``μ < 1``, whatever ``η``),
       and ``p(−1)`` is linear in ``η`` with negative slope ``−h``: it is positive exactly
       below its root ``η = 2(1 + μ)/h``, the edge.

    ``D`` a whole number — on the scalar ``F(ω) = ½(Π_d ω_d − z)² + (λ/D) Σ_d ω_d²`` at the
    balanced stationary point ``ω_d = w^{1/D}`` (``z`` eliminated as in
    :func:`balanced_hessian`): the heavy-ball map on ``(ω, v) ∈ R^{2D}`` linearized there,
    ``J = [[I − ηH, −ημI], [H, μI]]``, leaves ``span{(u, 0), (0, u)}`` invariant for each
    eigenvector ``u`` of the Hessian ``H`` (the balanced direction ``1`` and ``e_1 − e_k``),
    and acts there as ``M`` with ``h`` the eigenvalue of ``u`` (both verified by SymPy). These
    ``2D`` vectors span ``R^{2D}``, so the characteristic polynomial of ``J`` is the product of
    the ``p`` above over the eigenvalues, and the map is stable iff ``η`` is below every edge:
    ``η < 2(1 + μ)/λ_max``.

    Parameters
    ----------
    D : int in [1, 10] or None

    Returns
    -------
    Derivation
        ``D = None``: ``expr`` is the edge ``2(1 + μ)/h``. Steps: ``'eta'``, ``'mu'``, ``'h'``
        (symbols), ``'map'`` (``M``), ``'charpoly'`` (``p(ζ)``), ``'zeta'``, ``'jury'`` (the tuple
        ``(p(1), p(−1), a₀)``), ``'edge'``.
        Whole ``D``: ``expr`` is ``Min`` of the edges (``2(1 + μ)/λ_max``). Steps: ``'eta'``,
        ``'mu'``, ``'w'``, ``'jacobian'`` (``J``), ``'blocks'`` (the ``2 × 2`` restrictions,
        along then across), ``'edge_along'``, ``'edge_across'`` (``None`` for ``D = 1``).
    """
    if D is None:
        return _heavy_ball_quadratic()
    return _heavy_ball_balanced(_depth(D))


@lru_cache(maxsize=None)
def _heavy_ball_quadratic() -> Derivation:
    theta, vel = sp.symbols("theta v", real=True)
    zeta = sp.Symbol("zeta")
    gradient = sp.diff(CURVATURE * theta**2 / 2, theta)
    v_new = MU * vel + gradient
    M = sp.Matrix([theta - ETA * v_new, v_new]).jacobian([theta, vel])
    p = sp.expand(M.charpoly(zeta).as_expr())
    a0 = p.subs(zeta, 0)
    at_one, at_minus_one = sp.expand(p.subs(zeta, 1)), sp.expand(p.subs(zeta, -1))
    if at_one.is_positive is not True:
        raise ArithmeticError(f"p(1) = {at_one} is not positive for every eta, h > 0")
    if not _is_zero(a0 - MU):
        raise ArithmeticError(f"the constant coefficient {a0} is not mu")
    roots = sp.solve(at_minus_one, ETA)
    if len(roots) != 1 or sp.diff(at_minus_one, ETA, 2) != 0:
        raise ArithmeticError(f"p(-1) = {at_minus_one} is not linear in eta with one root")
    if sp.diff(at_minus_one, ETA).is_negative is not True:
        raise ArithmeticError("p(-1) does not decrease in eta")
    edge = sp.simplify(roots[0])
    return _derivation(
        "learning-rate edge of heavy-ball momentum on the quadratic h theta^2/2",
        edge,
        eta=ETA,
        mu=MU,
        h=CURVATURE,
        map=M,
        charpoly=p,
        zeta=zeta,
        jury=(at_one, at_minus_one, a0),
        edge=edge,
    )


@lru_cache(maxsize=None)
def _heavy_ball_balanced(D: int) -> Derivation:
    base, hess = _scalar_objective(D), _balanced_hessian(D)
    om, w = base["omega"], hess["w"]
    vel = sp.symbols(f"v_1:{D + 1}", real=True)
    v_new = [MU * vk + g for vk, g in zip(vel, base["gradient"], strict=True)]
    update = sp.Matrix([o - ETA * vn for o, vn in zip(om, v_new, strict=True)] + v_new)
    point = {o: w ** sp.Rational(1, D) for o in om}
    J = update.jacobian([*om, *vel]).subs(point).subs(Z, hess["z_star"])
    quadratic = _heavy_ball_quadratic()

    def block(u, h):
        """The ``2 × 2`` action of ``J`` on ``span{(u, 0), (0, u)}``, verified to equal ``M`` at ``h``."""
        first, second = sp.Matrix([*u, *[0] * D]), sp.Matrix([*[0] * D, *u])
        k = next(i for i in range(D) if u[i] != 0)
        B = sp.zeros(2, 2)
        for col, vec in enumerate((first, second)):
            image = J * vec
            B[0, col], B[1, col] = sp.simplify(image[k] / u[k]), sp.simplify(image[D + k] / u[k])
            rest = image - B[0, col] * first - B[1, col] * second
            if any(not _is_zero(r) for r in rest):
                raise ArithmeticError(f"span of {list(u)} is not invariant under the linearized map")
        if any(not _is_zero(b) for b in B - quadratic["map"].subs(CURVATURE, h)):
            raise ArithmeticError(f"the map on the span of {list(u)} is not the quadratic's map at h = {h}")
        return B

    blocks = [block([1] * D, hess["along"])]
    edges = [quadratic["edge"].subs(CURVATURE, hess["along"])]
    for k in range(1, D):
        u = [0] * D
        u[0], u[k] = 1, -1
        blocks.append(block(u, hess["across"]))
    if D > 1:
        edges.append(quadratic["edge"].subs(CURVATURE, hess["across"]))
    return _derivation(
        f"learning-rate edge of heavy-ball momentum at a balanced minimum of F, D={D}",
        sp.Min(*edges),
        eta=ETA,
        mu=MU,
        w=w,
        jacobian=J,
        blocks=tuple(blocks[:2]),
        edge_along=edges[0],
        edge_across=edges[1] if D > 1 else None,
    )
