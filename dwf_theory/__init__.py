"""dwf_theory — the theory of Deep Weight Factorization, checked.

Writing each weight as a product of D factors with weight decay on the factors
is equivalent to an L_{2/D} penalty on the weights. This package checks that
equivalence (SymPy and numerics), simulates the training dynamics, draws phase
diagrams and trains small factorized networks. See README.md and THEORY.md.
"""

from .initialization import SCHEMES, init_factors
from .losses import LeastSquares, Loss, Scalar
from .penalty import (
    balanced_factors,
    collapse,
    factor_penalty,
    factorized_gradient,
    factorized_objective,
    imbalance,
    leave_one_out_products,
    lq_objective,
    lq_penalty,
)
from .prox import existence_threshold, jump, prox, prox_objective, threshold

# (re-exports of later modules are added below, one line per module)
from .initialization import log_product_density, product_cdf, product_density, small_mass  # noqa: E501
from .phase import INIT_LR_NAMES, THRESHOLD_NAMES, PhaseDiagram, SparsityPhase, init_lr_phase, sparse_regression, sparsity_phase, threshold_phase, threshold_phase_gd  # noqa: E501
from .equivalence import Fit, brute_force_lq, fit_factorized, fit_lq, global_fit_factorized, lasso_reference, lq_stationarity  # noqa: E501
from . import trainer  # the reference trainer: trainer.MLP, trainer.train, trainer.value_and_grad, …
from .dynamics import Trajectory, collapsed_flow, escape_exponent, escape_times, factor_flow, gradient_descent, hitting_time, logistic_flow, time_to_reach  # noqa: E501
from .landscape import CriticalPoint, balanced_eigenvalues, balanced_sharpness, factorized_hessian, max_stable_lr, scalar_critical_points  # noqa: E501

__version__ = "0.1.0"
