"""scikit-learn estimators: :class:`LqRegression`, least squares with the L_{2/D} penalty of DWF.

The one module of the package that imports scikit-learn at import time; nothing else in the
package imports it. Usable wherever a scikit-learn regressor is (pipelines, ``GridSearchCV``,
``cross_val_score``); it passes ``sklearn.utils.estimator_checks.check_estimator``.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _validate as v
from .equivalence import fit_lq
from .losses import LeastSquares

__all__ = ["LqRegression"]


class LqRegression(RegressorMixin, BaseEstimator):
    """Linear regression with the penalty ``alpha Σ_j |w_j|^{2/D}`` of a depth-``D`` weight factorization.

    Minimizes ``‖y − Xw − b‖² / (2n) + alpha Σ_j |w_j|^{2/D}`` over ``w`` (and the unpenalized
    intercept ``b``): the collapsed objective of training ``w = ω_1 ⊙ … ⊙ ω_D`` with weight decay
    ``(alpha/D) Σ_d ‖ω_d‖²`` on the factors (Kolb et al., ICLR 2025, Theorem 1).

    * ``D = 1``: ridge, ``alpha ‖w‖²`` (scikit-learn's ``Ridge(alpha=2 n alpha)``).
    * ``D = 2``: the Lasso, identical to scikit-learn's ``Lasso(alpha=alpha)``.
    * ``D ≥ 3``: the non-convex quasi-norm ``‖w‖_{2/D}^{2/D}``; ``D = inf``: ``alpha`` times the number
      of nonzero coefficients (best-subset / L0).

    Solved by :func:`dwf_theory.equivalence.fit_lq` (working-set coordinate descent with the exact
    prox, Newton's method on the support; :mod:`dwf_theory.lq_solver`). For ``D ≥ 3`` the result
    is a local minimum reached from the Lasso solution (:func:`dwf_theory.lq_solver.lq_start`), or
    from the previous ``coef_`` with ``warm_start=True``.

    Parameters
    ----------
    D : int >= 1 or ``math.inf``, default 3
        Depth of the factorization.
    alpha : float >= 0, default 1.0
        Regularization strength (``lam`` elsewhere in the package).
    fit_intercept : bool, default True
        Fit ``b`` (by centering ``X`` and ``y``; constant columns get coefficient 0).
    tol : float > 0, default 1e-10
        Stop when every coordinate is within ``tol · max_j |X_jᵀ y|/n`` (centered data) of its
        coordinate-wise optimum (the solver's fixed-point residual, in the units of the gradient).
    max_iter : int >= 1, default 10000
        Largest number of coordinate-descent sweeps.
    warm_start : bool, default False
        Start from the previous ``coef_`` (same number of features) instead of the default start.

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Sweeps of coordinate descent (including the default start's Lasso fit).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from dwf_theory.estimators import LqRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 20))
    >>> y = 3 * X[:, 0] - 2 * X[:, 1] + 0.1 * rng.standard_normal(100)
    >>> model = LqRegression(D=3, alpha=0.1).fit(X, y)
    >>> np.flatnonzero(model.coef_).tolist()
    [0, 1]
    """

    def __init__(self, D=3, alpha=1.0, *, fit_intercept=True, tol=1e-10, max_iter=10000, warm_start=False):
        self.D = D
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.warm_start = warm_start

    def _check_params(self):
        D = v.depth_or_inf(self.D, "D")
        alpha = v.regularization(self.alpha, "alpha")
        tol = v.positive(self.tol, "tol")
        max_iter = v.whole_number(self.max_iter, "max_iter", 1)
        for name in ("fit_intercept", "warm_start"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(f"{name} must be a bool, got {type(getattr(self, name)).__name__}")
        return D, alpha, tol, max_iter

    def fit(self, X, y):
        """Fit the model to ``X`` (shape ``(n, p)``, dense) and ``y`` (shape ``(n,)``); returns ``self``."""
        D, alpha, tol, max_iter = self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True, accept_sparse=False)
        if self.fit_intercept:
            x_mean, y_mean = X.mean(axis=0), float(y.mean())
            Xc, yc = X - x_mean, y - y_mean
            Xc[:, np.ptp(X, axis=0) == 0] = 0.0  # constant columns: exactly zero, not rounding noise
        else:
            x_mean, y_mean, Xc, yc = np.zeros(X.shape[1]), 0.0, X, y
        scale = float(np.max(np.abs(Xc.T @ yc))) / X.shape[0]
        w0 = None
        if self.warm_start and getattr(self, "coef_", None) is not None and self.coef_.shape == (X.shape[1],):
            w0 = self.coef_
        fit = fit_lq(LeastSquares(Xc, yc), alpha, D, w0, tol=tol * scale if scale > 0 else tol, max_iter=max_iter)
        if not fit.converged:
            warnings.warn(
                f"LqRegression did not converge in max_iter={max_iter} sweeps (fixed-point residual "
                f"{fit.residual:.2e}); increase max_iter or tol",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.coef_ = fit.w
        self.intercept_ = float(y_mean - x_mean @ fit.w)
        self.n_iter_ = int(fit.n_iter)
        return self

    def predict(self, X):
        """``X coef_ + intercept_``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, accept_sparse=False, reset=False)
        return X @ self.coef_ + self.intercept_
