"""dwf_theory.estimators.LqRegression: estimator checks, equal to Lasso and Ridge, model selection, bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import Lasso, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

from dwf_theory.estimators import LqRegression
from dwf_theory.minima import regression_problem


def data(n=60, p=30, rho=0.5, seed=0, shift=3.0):
    loss, w = regression_problem(n, p, rho=rho, k=4, rng=seed)
    return loss.X + shift, loss.y + 2 * shift, w  # nonzero means: the intercept matters


@pytest.mark.parametrize("D", [1, 2, 3, math.inf])
def test_passes_scikit_learns_estimator_checks(D):
    # Every check of check_estimator (52 with this scikit-learn; measured 0.4-0.6 s per depth): fails on any
    # failing check (on_fail="raise", the default).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # SkipTestWarning (pandas, array API)
        check_estimator(LqRegression(D=D))


@pytest.mark.parametrize("shape", [(60, 30), (30, 60)])
def test_depth_two_is_scikit_learns_lasso_with_intercept(shape):
    # Lasso(alpha, tol=1e-15) with an intercept: coefficients to 1e-9 relative and intercepts to 1e-9 (measured
    # worst 3e-13), predictions alike.
    X, y, _ = data(*shape)
    for alpha in (0.03, 0.2):
        ours = LqRegression(D=2, alpha=alpha).fit(X, y)
        ref = Lasso(alpha=alpha, tol=1e-15, max_iter=10**6).fit(X, y)
        np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-9 * np.max(np.abs(ref.coef_)))
        assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-9)
        np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-9)


def test_depth_one_is_ridge():
    # ‖y − Xw − b‖²/(2n) + α‖w‖² is Ridge's ‖y − Xw − b‖² + 2nα‖w‖² over 2n: Ridge(alpha=2nα); 1e-9 relative.
    X, y, _ = data(40, 50)
    ours = LqRegression(D=1, alpha=0.05).fit(X, y)
    ref = Ridge(alpha=2 * 40 * 0.05, solver="svd").fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-9 * np.max(np.abs(ref.coef_)))
    assert ours.intercept_ == pytest.approx(ref.intercept_, rel=1e-9)


def test_deeper_factorizations_select_the_true_support():
    X, y, w = data(80, 40, rho=0.3, seed=1)
    lasso = LqRegression(D=2, alpha=0.1).fit(X, y)
    for D in (3, 4, math.inf):
        model = LqRegression(D=D, alpha=0.1).fit(X, y)
        assert set(np.flatnonzero(model.coef_)) == set(np.flatnonzero(w))
        assert np.count_nonzero(model.coef_) <= np.count_nonzero(lasso.coef_)
        assert model.score(X, y) > 0.95 and model.n_iter_ >= 1


def test_grid_search_over_alpha_and_depth():
    X, y, w = data(90, 20, seed=2)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), LqRegression()),
        {"lqregression__alpha": [0.01, 0.1, 1.0], "lqregression__D": [1, 2, 3, math.inf]},
        cv=3,
    )
    search.fit(X, y)
    assert search.best_params_["lqregression__alpha"] in (0.01, 0.1, 1.0)
    assert len(search.cv_results_["mean_test_score"]) == 12
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    best = search.best_estimator_[-1]
    assert best.coef_.shape == (20,) and search.score(X, y) > 0.9


def test_warm_start_continues_from_the_previous_coefficients():
    X, y, _ = data(50, 80, seed=3)
    cold = LqRegression(D=3, alpha=0.05).fit(X, y)
    warm = LqRegression(D=3, alpha=0.05, warm_start=True).fit(X, y)
    first = warm.coef_.copy()
    warm.fit(X, y)  # from its own minimum: stays there, in at most one sweep
    np.testing.assert_allclose(warm.coef_, first, rtol=1e-12, atol=1e-14)
    assert warm.n_iter_ <= 1 < cold.n_iter_
    warm.set_params(alpha=0.06).fit(X, y)  # from the previous coefficients, not the Lasso
    assert np.all(np.isfinite(warm.coef_))


def test_constant_and_zero_columns_get_zero_without_warnings():
    X, y, _ = data(40, 6, seed=4)
    X[:, 1] = 5.0  # constant (centering leaves rounding noise unless handled)
    X[:, 4] = 0.0
    for D in (1, 2, 3, math.inf):
        for fit_intercept in (True, False):
            with warnings.catch_warnings(), np.errstate(all="raise"):
                warnings.simplefilter("error")
                model = LqRegression(D=D, alpha=0.05, fit_intercept=fit_intercept).fit(X, y)
            assert model.coef_[4] == 0
            if fit_intercept:
                assert model.coef_[1] == 0


def test_not_converging_warns():
    X, y, _ = data(40, 60, rho=0.9, seed=5)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        LqRegression(D=3, alpha=0.01, max_iter=1).fit(X, y)


X_OK, Y_OK = np.random.default_rng(0).normal(size=(8, 3)), np.arange(8.0)


@pytest.mark.parametrize(
    "params, X, y, exc, match",
    [
        ({}, np.where(np.eye(8, 3) == 1, np.nan, X_OK), Y_OK, ValueError, "X"),
        ({}, np.where(np.eye(8, 3) == 1, np.inf, X_OK), Y_OK, ValueError, "X"),
        ({}, X_OK, np.where(Y_OK == 3, np.nan, Y_OK), ValueError, "y"),
        ({}, X_OK, np.where(Y_OK == 3, -np.inf, Y_OK), ValueError, "y"),
        ({}, X_OK, Y_OK[:-1], ValueError, "inconsistent numbers of samples"),
        ({}, X_OK[:, 0], Y_OK, ValueError, "2D array"),
        ({}, np.empty((0, 3)), np.empty(0), ValueError, "0 sample"),
        ({}, np.empty((8, 0)), Y_OK, ValueError, "0 feature"),
        ({}, sp.csr_matrix(X_OK), Y_OK, TypeError, "[Ss]parse"),
        ({"alpha": -0.1}, X_OK, Y_OK, ValueError, "alpha"),
        ({"alpha": np.nan}, X_OK, Y_OK, ValueError, "alpha"),
        ({"D": 0}, X_OK, Y_OK, ValueError, "D"),
        ({"D": 2.5}, X_OK, Y_OK, ValueError, "D"),
        ({"D": -math.inf}, X_OK, Y_OK, ValueError, "D"),
        ({"D": "3"}, X_OK, Y_OK, TypeError, "D"),
        ({"tol": 0.0}, X_OK, Y_OK, ValueError, "tol"),
        ({"max_iter": 0}, X_OK, Y_OK, ValueError, "max_iter"),
        ({"fit_intercept": "yes"}, X_OK, Y_OK, TypeError, "fit_intercept"),
    ],
)
def test_bad_input_names_the_argument(params, X, y, exc, match):
    with pytest.raises(exc, match=match):
        LqRegression(**params).fit(X, y)


def test_predict_checks_its_input():
    model = LqRegression(D=3, alpha=0.1)
    with pytest.raises(NotFittedError):
        model.predict(X_OK)
    model.fit(X_OK, Y_OK)
    with pytest.raises(ValueError, match="3 features"):
        model.predict(X_OK[:, :2])
    with pytest.raises(ValueError, match="NaN"):
        model.predict(np.full((2, 3), np.nan))
