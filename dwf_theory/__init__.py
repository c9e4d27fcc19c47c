"""dwf_theory — the theory of Deep Weight Factorization, checked.

Writing each weight as a product of D factors with weight decay on the factors
is equivalent to an L_{2/D} penalty on the weights. This package checks that
equivalence (SymPy and numerics), simulates the training dynamics, draws phase
diagrams and trains small factorized networks (Kolb, Weber, Bischl, Rügamer,
Deep Weight Factorization: Sparse Learning Through the Lens of Artificial
Symmetries, ICLR 2025). See README.md.

The SymPy derivations live in :mod:`dwf_theory.symbolic` (not imported here, to
keep ``import dwf_theory`` fast); the reference trainer in :mod:`dwf_theory.trainer`;
Hypothesis strategies for property tests in :mod:`dwf_theory.strategies` (not imported
here: Hypothesis is a development dependency).
"""

from . import trainer
from .datasets import sparse_regression
from .dynamics import (
    Trajectory,
    collapsed_flow,
    escape_exponent,
    escape_times,
    factor_flow,
    gradient_descent,
    hitting_time,
    logistic_flow,
    time_to_reach,
)
from .equivalence import (
    Fit,
    brute_force_lq,
    fit_factorized,
    fit_lq,
    global_fit_factorized,
    lasso_reference,
    lq_stationarity,
)
from .initialization import (
    SCHEMES,
    init_factors,
    log_product_density,
    product_cdf,
    product_density,
    small_mass,
    truncated_product_variance,
)
from .landscape import (
    CriticalPoint,
    balanced_eigenvalues,
    balanced_sharpness,
    factorized_hessian,
    max_stable_lr,
    scalar_critical_points,
)
from .losses import LeastSquares, Loss, Scalar
from .lq_solver import LqPath, lq_lambda_max, lq_path, lq_start
from .parametrizations import (
    InducedPenalty,
    Parametrization,
    PenaltyComparison,
    PowerPenalty,
    compare_penalty,
    group_factorization,
    group_prox,
    hadamard,
    induced_penalty,
    powerprop,
)
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
from .phase import (
    INIT_LR_NAMES,
    THRESHOLD_NAMES,
    PhaseDiagram,
    SparsityPhase,
    init_lr_phase,
    sparsity_phase,
    threshold_phase,
    threshold_phase_gd,
)
from .prox import existence_threshold, jump, prox, prox_objective, threshold

__all__ = [
    # penalty, prox, losses: the vocabulary
    "collapse",
    "balanced_factors",
    "factor_penalty",
    "lq_penalty",
    "imbalance",
    "leave_one_out_products",
    "factorized_objective",
    "factorized_gradient",
    "lq_objective",
    "prox",
    "threshold",
    "jump",
    "existence_threshold",
    "prox_objective",
    "Loss",
    "Scalar",
    "LeastSquares",
    # equivalence
    "Fit",
    "fit_factorized",
    "fit_lq",
    "global_fit_factorized",
    "brute_force_lq",
    "lasso_reference",
    "lq_stationarity",
    # fast L_{2/D} least squares: paths and starts
    "LqPath",
    "lq_path",
    "lq_lambda_max",
    "lq_start",
    # landscape and dynamics
    "CriticalPoint",
    "balanced_eigenvalues",
    "balanced_sharpness",
    "factorized_hessian",
    "max_stable_lr",
    "scalar_critical_points",
    "Trajectory",
    "factor_flow",
    "collapsed_flow",
    "gradient_descent",
    "logistic_flow",
    "time_to_reach",
    "hitting_time",
    "escape_times",
    "escape_exponent",
    # initialization and phase diagrams
    "SCHEMES",
    "init_factors",
    "truncated_product_variance",
    "product_density",
    "log_product_density",
    "product_cdf",
    "small_mass",
    "PhaseDiagram",
    "SparsityPhase",
    "INIT_LR_NAMES",
    "THRESHOLD_NAMES",
    "init_lr_phase",
    "threshold_phase",
    "threshold_phase_gd",
    "sparsity_phase",
    "sparse_regression",
    # other factorizations: induced penalties, the group prox
    "Parametrization",
    "PowerPenalty",
    "InducedPenalty",
    "PenaltyComparison",
    "induced_penalty",
    "compare_penalty",
    "hadamard",
    "group_factorization",
    "powerprop",
    "group_prox",
    # the reference trainer (a subpackage)
    "trainer",
]

__version__ = "0.1.0"
