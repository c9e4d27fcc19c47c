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

__version__ = "0.1.0"
