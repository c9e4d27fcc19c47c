"""Landscape of the factorized objective: Hessian, sharpness, stable learning rates, critical points.

``F(ω) = L(ω_1 ⊙ … ⊙ ω_D) + (λ/D) Σ_d ‖ω_d‖²`` (Kolb et al., ICLR 2025). With
``P_d = Π_{k≠d} ω_k`` and ``Q_{dk} = Π_{l≠d,k} ω_l`` (elementwise),

* gradient  ``∂F/∂ω_{d,i} = ∂_i L · P_{d,i} + (2λ/D) ω_{d,i}`` (:func:`dwf_theory.factorized_gradient`);
* Hessian   ``∂²F/∂ω_{d,i}∂ω_{k,j} = ∂²_{ij} L · P_{d,i} P_{k,j}
  + δ_{ij} (1 − δ_{dk}) ∂_i L · Q_{dk,i} + δ_{dk} δ_{ij} 2λ/D`` (:func:`factorized_hessian`).

At a balanced factorization ``|ω_d| = m = |w|^{1/D}`` of a scalar weight the
Hessian is, up to a diagonal sign change, ``[L'' m^{2D−2} + σ L' m^{D−2}] 11ᵀ
+ (2λ/D − σ L' m^{D−2}) I`` with ``σ = sign(w)``: eigenvalue
``D L'' m^{2D−2} + (D − 1) σ L' m^{D−2} + 2λ/D`` along the balanced direction
``1`` and ``2λ/D − σ L' m^{D−2}`` (multiplicity ``D − 1``) across it. At a
stationary point ``σ L' m^{D−2} = −2λ/D`` and these become
``D L''|w|^{2−2/D} − 2λ(D−2)/D = D|w|^{2−2/D} G''(w)`` and ``4λ/D``
(derived here; re-derived by SymPy in :func:`dwf_theory.symbolic.balanced_hessian`
and checked in claims C10, C20 and C21).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as v
from ._products import leave_one_out, leave_two_out
from ._roots import stationary_magnitudes
from .penalty import balanced_factors
from .prox import prox_objective

__all__ = [
    "CriticalPoint",
    "balanced_eigenvalues",
    "balanced_sharpness",
    "factorized_hessian",
    "leave_two_out_products",
    "max_stable_lr",
    "scalar_critical_points",
]


# --------------------------------------------------------------------------- #
# Sharpness at balanced factorizations of scalar weights
# --------------------------------------------------------------------------- #


def balanced_eigenvalues(w, lam, D, *, curvature=1.0, grad=None):
    """Hessian eigenvalues of ``F`` at a balanced factorization of the scalar weight(s) ``w``.

    Parameters
    ----------
    w : array_like
        Collapsed weights; each entry is an independent scalar problem.
    lam : float, >= 0
    D : int in [1, 10**6]
    curvature : array_like, optional
        ``L''(w)``, broadcast against ``w`` (1 for the scalar loss ``½(w−z)²``).
    grad : array_like, optional
        ``L'(w)``. When omitted, ``w`` is assumed to be a stationary point of
        ``G(w) = L(w) + λ|w|^{2/D}`` (so ``sign(w) L'(w) |w|^{1−2/D} = −2λ/D``);
        it is then required for ``D = 2`` at ``w = 0``, where the spectrum
        ``λ ± |L'(0)|`` depends on it.

    Returns
    -------
    along, across : ndarray
        Eigenvalue along the balanced direction ``(1, …, 1)`` (up to signs) and
        the eigenvalue of multiplicity ``D − 1`` across it (NaN-free; for
        ``D = 1`` ``across`` is returned as ``-inf``, there being no such direction).
        For ``D = 2`` at ``w = 0`` they are ``λ + |L'|`` and ``λ − |L'|``.

    Raises
    ------
    ValueError
        Naming the arguments if their shapes do not broadcast or an eigenvalue overflows
        float64 (e.g. ``w = 1e308``).
    """
    w = v.finite_array(w, "w")
    lam = v.regularization(lam)
    D = v.depth(D)
    c = v.finite_array(curvature, "curvature")
    g = None if grad is None else v.finite_array(grad, "grad")
    try:
        shape = np.broadcast_shapes(w.shape, c.shape, *(() if g is None else (g.shape,)))
        w, c = np.broadcast_arrays(w, c)
    except ValueError:
        raise ValueError(
            f"w, curvature and grad must broadcast together, got shapes {w.shape}, {c.shape}"
            f"{'' if g is None else f' and {g.shape}'}"
        ) from None
    w, c = np.broadcast_to(w, shape), np.broadcast_to(c, shape)
    g = None if g is None else np.broadcast_to(g, shape)
    a = np.abs(w)
    names = "w, lam, curvature and grad"
    with np.errstate(over="ignore", invalid="ignore"):
        if D == 1:  # F = L(ω) + λω²: a single eigenvalue, no direction across
            return v.finite_result(c + 2.0 * lam, names, "the Hessian eigenvalue"), np.full_like(a, -np.inf)
        s = _signed_slope(w, lam, D, g)
        decay = 2.0 * (lam / D)  # 2λ/D, formed without overflowing 2λ
        along = D * c * a ** (2.0 - 2.0 / D) + (D - 1) * s + decay
        across = decay - s
        if D == 2 and g is not None:
            zero = w == 0
            along = np.where(zero, lam + np.abs(s), along)
            across = np.where(zero, lam - np.abs(s), across)
    what = "the Hessian eigenvalues"
    return v.finite_result(along, names, what), v.finite_result(across, names, what)


def _signed_slope(w: np.ndarray, lam: float, D: int, g: np.ndarray | None) -> np.ndarray:
    """``σ L' m^{D−2}`` (``σ = sign(w)``, ``m = |w|^{1/D}``) for ``D ≥ 2``; at ``D = 2``, ``w = 0``: ``|L'|``.

    Without ``g`` (``L'``) ``w`` is taken to be stationary for ``G``, where the value is
    ``−2λ/D``; at the origin it vanishes for ``D ≥ 3`` and is undetermined for ``D = 2``.
    """
    if g is None:
        if D == 2 and np.any(w == 0):
            raise ValueError("grad (L'(w)) must be given for D = 2 at w = 0: the spectrum there is lam ± |L'(0)|")
        return np.where(w != 0, -2.0 * (lam / D), 0.0)
    if D == 2:
        return np.where(w != 0, np.sign(w) * g, np.abs(g))  # at 0 the pair (λ+|g|, λ−|g|)
    return np.sign(w) * g * np.abs(w) ** ((D - 2.0) / D)


def balanced_sharpness(w, lam, D, *, curvature=1.0, grad=None):
    """Largest Hessian eigenvalue ``λ_max`` of ``F`` at the balanced factorization of ``w``.

    For a stationary ``w ≠ 0`` (the default, ``grad=None``)
    ``λ_max = max(D L''|w|^{2−2/D} − 2λ(D−2)/D, 4λ/D)`` (module docstring); for
    ``D = 1`` it is ``L'' + 2λ``; at the origin ``2λ/D`` for ``D ≥ 3``.
    See :func:`balanced_eigenvalues` for the parameters.

    Returns
    -------
    float or ndarray (shape of ``w`` broadcast with ``curvature``)
    """
    along, across = balanced_eigenvalues(w, lam, D, curvature=curvature, grad=grad)
    out = np.maximum(along, across)
    return float(out) if out.ndim == 0 else out


def max_stable_lr(w, lam, D, *, curvature=1.0, grad=None):
    """Largest learning rate ``2 / λ_max`` for which gradient descent on ``F`` is linearly stable.

    Gradient descent ``ω ← ω − η ∇F(ω)`` linearized at a minimum is
    ``δ ← (I − η ∇²F) δ``, a contraction iff ``η < 2/λ_max`` for a positive
    definite Hessian (the classical linear-stability condition of gradient
    descent, e.g. Nesterov 2004, Cohen et al. 2021; checked in claim C27). ``λ_max`` is
    :func:`balanced_sharpness`, same parameters. ``inf`` where ``λ_max <= 0``
    (a flat minimum: every rate is linearly stable).
    """
    lmax = np.asarray(balanced_sharpness(w, lam, D, curvature=curvature, grad=grad), dtype=float)
    with np.errstate(divide="ignore"):
        out = np.where(lmax > 0, 2.0 / np.where(lmax > 0, lmax, 1.0), np.inf)
    return float(out) if out.ndim == 0 else out


# --------------------------------------------------------------------------- #
# Hessian of F for a general loss
# --------------------------------------------------------------------------- #


def leave_two_out_products(factors) -> np.ndarray:
    """``Q[d, k] = Π_{l≠d,k} ω_l`` for ``d ≠ k`` (zero on the diagonal ``d = k``), shape ``(D, D, *w.shape)``.

    Formed without division (leave-one-out products of the factors with ``ω_d``
    removed), so it is exact where factors vanish.
    """
    factors = v.factor_array(factors)
    return leave_two_out(factors)


def factorized_hessian(loss, factors, lam) -> np.ndarray:
    """Hessian of ``F`` at ``factors`` in closed form, shape ``(D·p, D·p)`` with ``p = w.size``.

    The flat index of ``ω_{d,j}`` is ``d·p + j`` (``factors.reshape(D, p)`` in C
    order). Uses ``loss.grad`` and ``loss.hessian`` with the leave-one-out and
    leave-two-out products (module docstring).

    Parameters
    ----------
    loss : Loss
        With ``.grad`` and ``.hessian`` of the collapsed weight.
    factors : array_like, shape (D, *loss.shape)
    lam : float, >= 0

    Raises
    ------
    ValueError
        If the Hessian overflows float64 (e.g. factors of 1e308), or it would have more than
        ``10**8`` entries.
    """
    loss = v.loss(loss)
    factors = v.factors_for(loss, factors)
    lam = v.regularization(lam)
    D = factors.shape[0]
    p = int(np.prod(loss.shape, dtype=int))
    v.allocation(D * D * p * p, "factors (a Hessian of (D·p)² entries)")
    with np.errstate(over="ignore", invalid="ignore"):
        w = v.finite_result(np.prod(factors, axis=0), "factors", "the product of the factors")
        g = np.asarray(loss.grad(w), float).reshape(-1)
        Hl = np.asarray(loss.hessian(w), float)
        f = factors.reshape(D, p)
        P = leave_one_out(f)  # (D, p)
        Q = leave_two_out(f)  # (D, D, p)
        H = np.einsum("di,ij,kj->dikj", P, Hl, P)
        idx = np.arange(p)
        H[:, idx, :, idx] += np.moveaxis(g * Q, -1, 0)
        H = H.reshape(D * p, D * p)
        H[np.diag_indices(D * p)] += 2.0 * (lam / D)
    return v.finite_result(H, "factors and lam", "the Hessian of F")


# --------------------------------------------------------------------------- #
# Critical points of the scalar problem F(ω) = ½(Πω − z)² + (λ/D)Σω²
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class CriticalPoint:
    """A critical point of the factorized scalar objective, up to the factor symmetries.

    Attributes
    ----------
    w : float
        Collapsed weight.
    factors : ndarray, shape (D,)
        A representative (balanced) factorization; all ``2^{D−1}`` sign patterns
        multiplying to ``sign(w)`` are critical points with the same spectrum.
    kind : str
        ``"minimum"``, ``"saddle"``, ``"maximum"`` or ``"degenerate"`` (a zero eigenvalue).
    eigenvalues : ndarray, shape (D,)
        Hessian eigenvalues of ``F`` (ascending), from the closed form.
    objective : float
        ``F`` at the point.
    """

    w: float
    factors: np.ndarray
    kind: str
    eigenvalues: np.ndarray
    objective: float


def _kind(eig: np.ndarray) -> str:
    scale = max(1.0, float(np.max(np.abs(eig))))
    tol = 1e-12 * scale
    if np.any(np.abs(eig) <= tol):
        return "degenerate"
    if np.all(eig > 0):
        return "minimum"
    if np.all(eig < 0):
        return "maximum"
    return "saddle"


def scalar_critical_points(z, lam, D) -> tuple[CriticalPoint, ...]:
    """All critical points of ``F(ω) = ½(ω_1⋯ω_D − z)² + (λ/D)Σω_d²``, classified.

    For ``λ > 0`` every critical point is balanced (``ω_d² = −D L' w / (2λ)`` for
    all ``d``), so the critical points are the origin and the balanced
    factorizations of the nonzero stationary points of
    ``G(w) = ½(w−z)² + λ|w|^{2/D}`` (which exist iff
    ``|z| >= existence_threshold(λ, D)``). Classification (module docstring; derived here):

    * origin: ``D ≥ 3`` Hessian ``(2λ/D) I`` — a minimum for every ``λ > 0``;
      ``D = 2`` eigenvalues ``λ ± |z|`` — a saddle iff ``|z| > λ``;
      ``D = 1`` the origin is critical only when ``z = 0``;
    * nonzero points: eigenvalue ``D|w|^{2−2/D} G''(w)`` along the balanced
      direction, ``4λ/D`` across — the larger root of ``G' = 0`` is a minimum,
      the smaller (``D ≥ 3``) a saddle.

    For ``λ = 0`` (``D ≥ 2``) the critical set is not isolated (every
    factorization of ``z`` is a global minimum); the balanced one and the
    origin are returned, with their (degenerate) spectra.

    Returns
    -------
    tuple of CriticalPoint, ordered by ``w`` (origin first, then increasing ``|w|``).
    """
    z = v.real_scalar(z, "z")
    lam = v.regularization(lam)
    D = v.depth(D)
    sign = 1.0 if z >= 0 else -1.0
    names = "z, lam and D"
    points = []
    with np.errstate(over="ignore", invalid="ignore"):
        if D >= 2 or z == 0.0:
            if D == 1:
                eig = np.array([1.0 + 2.0 * lam])
            elif D == 2:
                eig = np.array([lam - abs(z), lam + abs(z)])
            else:
                eig = np.full(D, 2.0 * (lam / D))
            v.finite_result(eig, names, "the Hessian eigenvalues at the origin")
            origin = v.finite_result(0.5 * z * z, names, "the objective at the origin")
            points.append(CriticalPoint(0.0, np.zeros(D), _kind(eig), eig, origin))
        for u in stationary_magnitudes(abs(z), lam, D):
            w = sign * u
            try:
                along, across = balanced_eigenvalues(w, lam, D, grad=w - z)
                obj = prox_objective(z, w, lam, D)
            except ValueError:
                raise ValueError(
                    f"the critical points overflow float64 for these {names}: use smaller magnitudes"
                ) from None
            eig = np.sort(np.concatenate([[float(along)], np.full(D - 1, float(across))]))
            points.append(CriticalPoint(float(w), balanced_factors(w, D), _kind(eig), eig, float(obj)))
    return tuple(points)
