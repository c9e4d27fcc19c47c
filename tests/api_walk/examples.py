"""One small valid call per public callable (keyword arguments, built fresh for every call).

``EXAMPLES`` maps the callable's qualified name to an :class:`~api_walk.engine.Example`;
``EXEMPT`` names the public callables that are not walked, with the reason. A public callable
in neither fails ``test_every_public_callable_has_an_example``.
"""

from __future__ import annotations

import numpy as np

from .engine import Example

E = Example


def _ls(n=6, p=3, seed=0):
    from dwf_theory import LeastSquares

    rng = np.random.default_rng(seed)
    return LeastSquares(rng.standard_normal((n, p)), rng.standard_normal(n))


def _scalar(z=(1.5, -0.3)):
    from dwf_theory import Scalar

    return Scalar(np.array(z, float))


def _factors(D=3, p=3, seed=1):
    return np.random.default_rng(seed).uniform(0.3, 1.2, (D, p))


def _hadamard(D=2):
    from dwf_theory.parametrizations import hadamard

    return hadamard(D)


def _power_penalty():
    from dwf_theory.parametrizations import PowerPenalty

    return PowerPenalty()


def _traj():
    from dwf_theory import factor_flow

    return factor_flow(_scalar((1.5,)), np.full((3, 1), 0.1), 0.1, np.linspace(0.0, 20.0, 5), dense_output=True)


_RESULT = "a result container the library builds; its fields are documented, not validated on construction"

EXEMPT: dict[str, str] = {
    "dwf_theory.dynamics.Trajectory": _RESULT,
    "dwf_theory.equivalence.Fit": _RESULT,
    "dwf_theory.landscape.CriticalPoint": _RESULT,
    "dwf_theory.symbolic.Derivation": _RESULT,
    "dwf_theory.losses.Loss": "an abstract base class (no constructor arguments)",
    "dwf_theory.lq_solver.LqPath": _RESULT,
    "dwf_theory.minima.MinimaStudy": _RESULT,
    "dwf_theory.parametrizations.InducedPenalty": _RESULT,
    "dwf_theory.parametrizations.PenaltyComparison": _RESULT,
}


def _design(n=8, p=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, p)), rng.standard_normal(n)


def _study_problem():
    from dwf_theory.minima import StudyProblem

    return StudyProblem(n=8, p=5, rho=0.0, lam=0.1, D=3, seed=0)


EXAMPLES: dict[str, Example] = {
    # penalty ------------------------------------------------------------------------------------------
    "dwf_theory.penalty.collapse": E(lambda: dict(factors=_factors())),
    "dwf_theory.penalty.balanced_factors": E(lambda: dict(w=np.array([1.5, 0.0, -0.2]), D=3, signs=None)),
    "dwf_theory.penalty.factor_penalty": E(lambda: dict(factors=_factors())),
    "dwf_theory.penalty.lq_penalty": E(lambda: dict(w=np.array([1.5, 0.0, -0.2]), D=3)),
    "dwf_theory.penalty.imbalance": E(lambda: dict(factors=_factors())),
    "dwf_theory.penalty.leave_one_out_products": E(lambda: dict(factors=_factors())),
    "dwf_theory.penalty.factorized_objective": E(lambda: dict(loss=_ls(), factors=_factors(), lam=0.1)),
    "dwf_theory.penalty.factorized_gradient": E(lambda: dict(loss=_ls(), factors=_factors(), lam=0.1)),
    "dwf_theory.penalty.lq_objective": E(lambda: dict(loss=_ls(), w=np.array([0.5, 0.0, -1.0]), lam=0.1, D=3)),
    # prox ---------------------------------------------------------------------------------------------
    "dwf_theory.prox.prox": E(lambda: dict(z=np.array([-3.0, 0.2, 1.0, 2.5]), lam=0.5, D=3), valid={"D": ("inf",)}),
    "dwf_theory.prox.threshold": E(lambda: dict(lam=0.5, D=3), valid={"D": ("inf",)}),
    "dwf_theory.prox.jump": E(lambda: dict(lam=0.5, D=3), valid={"D": ("inf",)}),
    "dwf_theory.prox.existence_threshold": E(lambda: dict(lam=0.5, D=3), valid={"D": ("inf",)}),
    "dwf_theory.prox.prox_objective": E(
        lambda: dict(z=np.array([1.0, 2.0]), w=np.array([0.5, 1.5]), lam=0.5, D=3), valid={"D": ("inf",)}
    ),
    # losses -------------------------------------------------------------------------------------------
    "dwf_theory.losses.Scalar": E(lambda: dict(z=np.array([1.0, -2.0]))),
    "dwf_theory.losses.LeastSquares": E(lambda: dict(X=np.arange(6.0).reshape(3, 2), y=np.array([1.0, 0.0, 2.0]))),
    # parametrizations: induced penalties, the group prox --------------------------------------------------
    "dwf_theory.parametrizations.Parametrization": E(
        lambda: dict(name="a b^3", forward=lambda om: om[0] * om[1] ** 3, factor_shape=lambda s: (2, *s), jacobian=None)
    ),
    "dwf_theory.parametrizations.PowerPenalty": E(lambda: dict(p=2.0, c=1.0), valid={"c": ("list", "array")}),
    "dwf_theory.parametrizations.hadamard": E(lambda: dict(D=3)),
    "dwf_theory.parametrizations.group_factorization": E(lambda: dict(D=3)),
    "dwf_theory.parametrizations.powerprop": E(lambda: dict(alpha=2.0)),
    "dwf_theory.parametrizations.induced_penalty": E(
        lambda: dict(
            w=np.array([0.5, -2.0]),
            parametrization=_hadamard(),
            penalty=_power_penalty(),
            starts=2,
            rng=0,
            tol=1e-12,
            max_iter=100,
        )
    ),
    "dwf_theory.parametrizations.compare_penalty": E(
        lambda: dict(
            conjecture=lambda w: float(np.sum(np.abs(w))),
            parametrization=_hadamard(),
            penalty=_power_penalty(),
            ws=None,
            shape=(2,),
            samples=2,
            magnitudes=(0.1, 10.0),
            starts=2,
            rng=0,
            tol=1e-12,
            max_iter=100,
        ),
        valid={"shape": ("empty",)},  # shape () draws scalar weights
    ),
    "dwf_theory.parametrizations.group_prox": E(
        lambda: dict(z=np.array([[1.0, -2.0], [0.1, 0.2]]), lam=0.5, D=3, axis=-1),
        valid={"D": ("inf",), "axis": ("negative-int", "int-zero")},
    ),
    # strategies (each returns a Hypothesis SearchStrategy; bad arguments fail when it is built) -----------
    "dwf_theory.strategies.depths": E(lambda: dict(min_D=1, max_D=4)),
    "dwf_theory.strategies.lams": E(lambda: dict(min_lam=0.0, max_lam=2.0)),
    "dwf_theory.strategies.weights": E(
        lambda: dict(shape=(3,), zeros=False, extreme=False, magnitudes=(1e-3, 1e3)), valid={"shape": ("empty",)}
    ),
    "dwf_theory.strategies.factorizations": E(
        lambda: dict(D=3, shape=(2,), kind="balanced", zeros=False, magnitudes=(1e-3, 1e3)),
        valid={"shape": ("empty",)},
    ),
    "dwf_theory.strategies.scalar_problems": E(
        lambda: dict(shape=(), zeros=False, extreme=False, magnitudes=(1e-3, 20.0)), valid={"shape": ("empty",)}
    ),
    "dwf_theory.strategies.least_squares": E(lambda: dict(n=4, p=2, max_magnitude=10.0)),
    "dwf_theory.strategies.networks": E(
        lambda: dict(D=2, sizes=[3, 2], loss="mse", activation="relu", grouped=True),
        valid={"sizes": ("none",), "activation": ("none",), "grouped": ("none",)},  # None draws them
    ),
    # symbolic (SymPy: depths are kept small by the functions' own limits) --------------------------------
    "dwf_theory.symbolic.lagrange_balanced": E(lambda: dict(D=3, sign=1)),
    "dwf_theory.symbolic.threshold_jump": E(lambda: dict(D=3)),
    "dwf_theory.symbolic.scalar_objective": E(lambda: dict(D=3)),
    "dwf_theory.symbolic.origin_hessian": E(lambda: dict(D=3)),
    "dwf_theory.symbolic.balanced_hessian": E(lambda: dict(D=3)),
    "dwf_theory.symbolic.heavy_ball_edge": E(lambda: dict(D=3), valid={"D": ("none",)}),  # None: the quadratic
    "dwf_theory.symbolic.equal": E(lambda: dict(a=_sym_x(), b=_sym_x())),
    # equivalence --------------------------------------------------------------------------------------
    "dwf_theory.equivalence.fit_factorized": E(
        lambda: dict(
            loss=_ls(), lam=0.1, D=3, factors0=None, rng=0, method="gd", tol=1e-10, max_iter=300, lr=0.05, polish=True
        )
    ),
    "dwf_theory.equivalence.fit_lq": E(
        lambda: dict(loss=_ls(), lam=0.1, D=3, w0=None, method="auto", step=None, tol=1e-10, max_iter=1000, polish=True)
    ),
    "dwf_theory.equivalence.global_fit_factorized": E(lambda: dict(loss=_ls(), lam=0.1, D=3, starts=2, rng=0)),
    "dwf_theory.equivalence.multistart_factorized": E(
        lambda: dict(loss=_ls(), lam=0.1, D=3, starts=2, rng=0, max_iter=500)
    ),
    "dwf_theory.equivalence.brute_force_lq": E(lambda: dict(loss=_ls(), lam=0.1, D=3, starts=1, rng=0, max_size=3)),
    "dwf_theory.equivalence.lasso_reference": E(lambda: dict(loss=_ls(), lam=0.1, tol=1e-12, max_iter=10_000)),
    "dwf_theory.equivalence.lq_stationarity": E(
        lambda: dict(loss=_ls(), w=np.array([0.5, 0.0, -1.0]), lam=0.1, D=3, zero_tol=0.0)
    ),
    "dwf_theory.equivalence.random_factors": E(lambda: dict(loss=_ls(), D=3, starts=2, rng=0, scale=2.0, spread=0.3)),
    # landscape ----------------------------------------------------------------------------------------
    "dwf_theory.landscape.balanced_eigenvalues": E(lambda: dict(w=1.2, lam=0.1, D=3, curvature=1.0, grad=None)),
    "dwf_theory.landscape.balanced_sharpness": E(lambda: dict(w=1.2, lam=0.1, D=3, curvature=1.0, grad=None)),
    # inf where λ_max <= 0 (every rate is stable), as documented
    "dwf_theory.landscape.max_stable_lr": E(
        lambda: dict(w=1.2, lam=0.1, D=3, curvature=1.0, grad=None), allow_inf=True
    ),
    "dwf_theory.landscape.factorized_hessian": E(lambda: dict(loss=_ls(), factors=_factors(), lam=0.1)),
    "dwf_theory.landscape.leave_two_out_products": E(lambda: dict(factors=_factors())),
    "dwf_theory.landscape.scalar_critical_points": E(lambda: dict(z=1.5, lam=0.1, D=3)),
    # dynamics -----------------------------------------------------------------------------------------
    "dwf_theory.dynamics.factor_flow": E(
        lambda: dict(
            loss=_scalar(),
            factors0=_factors(p=2),
            lam=0.1,
            t_eval=np.linspace(0.0, 2.0, 5),
            method="LSODA",
            rtol=1e-10,
            atol=1e-12,
            bound=1e8,
            dense_output=False,
        )
    ),
    "dwf_theory.dynamics.collapsed_flow": E(
        lambda: dict(
            loss=_scalar(),
            w0=np.array([0.5, -0.2]),
            lam=0.1,
            D=3,
            t_eval=np.linspace(0.0, 2.0, 5),
            method="Radau",
            max_step=1.0,
            first_step=1e-3,
        )
    ),
    "dwf_theory.dynamics.gradient_descent": E(
        lambda: dict(
            loss=_scalar(), factors0=_factors(p=2), lam=0.1, lr=0.1, steps=20, momentum=0.5, record_every=5, bound=1e8
        )
    ),
    "dwf_theory.dynamics.logistic_flow": E(lambda: dict(z=1.0, w0=0.1, t=np.array([0.0, 1.0, 2.0]))),
    "dwf_theory.dynamics.time_to_reach": E(lambda: dict(z=1.0, w0=0.1, w1=0.5, lam=0.0, D=3, method="auto")),
    "dwf_theory.dynamics.hitting_time": E(lambda: dict(traj=_traj(), level=0.5), allow_inf=True),
    "dwf_theory.dynamics.escape_times": E(
        lambda: dict(z=1.0, w0=np.array([1e-2, 1e-3]), lam=0.0, D=3, level=0.5, method="LSODA", rtol=1e-9)
    ),
    "dwf_theory.dynamics.escape_exponent": E(
        lambda: dict(w0=np.array([1e-2, 1e-3, 1e-4]), times=np.array([10.0, 31.0, 99.0]), D=3)
    ),
    # the L_{2/D} solver, its estimator and the which-minimum study ------------------------------------------
    "dwf_theory.lq_solver.lq_lambda_max": E(lambda: dict(zip(("X", "y"), _design()), D=3), valid={"D": ("inf",)}),
    "dwf_theory.lq_solver.lq_path": E(
        lambda: dict(zip(("X", "y"), _design()), D=3, lams=None, n_lams=4, eps=1e-2, tol=1e-10, max_iter=1000),
        valid={"D": ("inf",)},
    ),
    "dwf_theory.lq_solver.lq_start": E(
        lambda: dict(zip(("X", "y"), _design()), lam=0.1, D=3, how="lasso", n_path=5), valid={"D": ("inf",)}
    ),
    "dwf_theory.estimators.LqRegression": E(
        lambda: dict(D=3, alpha=0.1, fit_intercept=True, tol=1e-10, max_iter=1000, warm_start=False),
        valid={"D": ("inf",)},
    ),
    "dwf_theory.minima.StudyProblem": E(lambda: dict(n=8, p=5, rho=0.0, lam=0.1, D=3, seed=0), valid={"D": ("inf",)}),
    "dwf_theory.minima.regression_problem": E(lambda: dict(n=8, p=5, rho=0.3, k=2, noise=0.5, rng=0)),
    "dwf_theory.minima.study_problems": E(lambda: dict(quick=True), allow_inf=True),  # D = inf is a depth there
    "dwf_theory.minima.which_minimum": E(
        lambda: dict(problems=(_study_problem(),), seeds=1, tol=1e-8, skglm=False, progress=False),
        valid={"problems": ("none",)},  # None runs the default study (minutes): valid, not tried here
        allow_inf=True,  # documented: inf where a method does not apply
    ),
    "dwf_theory.figures.solvers.which_minimum": E(lambda: dict(quick=True)),
}


def _sym_x():
    import sympy as sp

    return sp.Symbol("x") ** 2


def _merge():
    """Add the examples of the applied modules (initialization, datasets, phase, trainer, figures, plot)."""
    try:
        from . import examples_applied
    except ImportError:  # pragma: no cover - while the applied examples are being written
        return
    EXAMPLES.update(examples_applied.EXAMPLES)
    EXEMPT.update(examples_applied.EXEMPT)


_merge()
