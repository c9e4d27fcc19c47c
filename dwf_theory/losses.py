"""Losses of the collapsed weight ``w`` with gradient and Hessian.

Every loss has ``.shape`` (the shape of ``w``), ``.loss(w) -> float``,
``.grad(w) -> ndarray`` (shape of ``w``) and ``.hessian(w) -> ndarray`` (shape
``(w.size, w.size)``). A *separable* loss (``separable = True``) is a sum of
independent scalar problems, ``L(w) = Σ_j ℓ_j(w_j)``: its ``grad`` acts
coordinate by coordinate (``grad(w)_j = ℓ'_j(w_j)``), its Hessian is diagonal
and ``.curvature`` holds that diagonal ``ℓ''_j``, so that a batch of scalar
problems can be solved in one vectorized call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _validate as v

__all__ = ["LeastSquares", "Loss", "Scalar"]


class Loss:
    """Base class: a twice-differentiable loss ``L(w)``."""

    #: True when ``L(w) = Σ_j ℓ_j(w_j)``; then ``grad`` is elementwise.
    separable: bool = False

    def loss(self, w) -> float:  # pragma: no cover - interface
        raise NotImplementedError

    def grad(self, w) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def hessian(self, w) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def _check_w(self, w) -> np.ndarray:
        return v.weights_for(self, w, "w")


@dataclass(frozen=True, eq=False)
class Scalar(Loss):
    """``L(w) = ½ Σ_j (w_j − z_j)²``: independent scalar problems, one per entry of ``z``.

    With a 0-d ``z`` this is the scalar problem ``½ (w − z)²`` whose penalized
    minimizer is the thresholding operator (:func:`dwf_theory.prox.prox`).
    ``L' = w − z`` and ``L'' = 1``.
    """

    z: np.ndarray
    separable: bool = field(default=True, init=False)

    def __post_init__(self):
        object.__setattr__(self, "z", v.finite_array(self.z, "z"))

    @property
    def shape(self) -> tuple:
        return self.z.shape

    @property
    def curvature(self) -> np.ndarray:
        """Diagonal of the Hessian (all ones)."""
        return np.ones(self.z.shape)

    def loss(self, w) -> float:
        r = self._check_w(w) - self.z
        return float(0.5 * np.sum(r * r))

    def grad(self, w) -> np.ndarray:
        return self._check_w(w) - self.z

    def hessian(self, w) -> np.ndarray:
        self._check_w(w)
        return np.eye(self.z.size)


@dataclass(frozen=True, eq=False)
class LeastSquares(Loss):
    """``L(w) = ‖X w − y‖² / (2n)`` — scikit-learn's ``Lasso`` scaling (so ``D = 2`` is ``Lasso(alpha=λ)``).

    ``∇L = Xᵀ(Xw − y)/n`` and ``∇²L = XᵀX/n``.
    """

    X: np.ndarray
    y: np.ndarray

    def __post_init__(self):
        X = v.finite_array(self.X, "X", ndim=2)
        y = v.finite_array(self.y, "y", ndim=1)
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"X and y must have the same number of rows, got {X.shape[0]} and {y.shape[0]}")
        if X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must be non-empty, got shape {X.shape}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)

    @property
    def shape(self) -> tuple:
        return (self.X.shape[1],)

    @property
    def n(self) -> int:
        return self.X.shape[0]

    def residual(self, w) -> np.ndarray:
        return self.X @ self._check_w(w) - self.y

    def loss(self, w) -> float:
        r = self.residual(w)
        return float(r @ r / (2.0 * self.n))

    def grad(self, w) -> np.ndarray:
        return self.X.T @ self.residual(w) / self.n

    def hessian(self, w) -> np.ndarray:
        self._check_w(w)
        return self.X.T @ self.X / self.n
