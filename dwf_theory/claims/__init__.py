"""The numbered claims: statement, source, how each is checked, measured error.

Each claim is a zero-argument check registered with :func:`claim` in one of the
topic modules below; ``dwf-theory report`` runs them, the test suite runs each
once and mutates its subject to show that it can fail, and the README shows
the table. Ids are grouped by topic:

* C1–C6 ``core``: the penalty equivalence and the thresholding operator;
* C7–C11 ``symbolic``: SymPy derivations;
* C12–C17 ``equivalence``: the factorized and collapsed problems agree;
* C20–C32 ``dynamics``: landscape and training dynamics (C31–C32: heavy-ball momentum);
* C40–C47, C55–C56 ``initialization``: initialization schemes and the law of their product
  (C55–C56: the variance of the truncated scheme);
* C48–C52 ``phase``: phase diagrams;
* C60–C66 ``trainer``: the reference trainer;
* C70–C76 ``parametrizations``: penalties induced by other factorizations, the group prox, Powerpropagation;
* C80–C82 ``network``: Theorem 1 on trained networks (balance, first-order conditions, local minimality),
  and its group form for grouped layers.
"""

from . import (  # noqa: F401  (registers)
    core,
    dynamics,
    equivalence,
    initialization,
    network,
    parametrizations,
    phase,
    symbolic,
    trainer,
)
from ._registry import (
    PAPER,
    SOURCE_KINDS,
    Claim,
    ClaimResult,
    Measured,
    Source,
    all_claims,
    claim,
    classical,
    derived,
    fmt_set,
    paper,
    rel_error,
    run_claim,
    run_claims,
    select,
    worse,
)

__all__ = [
    "Claim",
    "ClaimResult",
    "Measured",
    "Source",
    "PAPER",
    "SOURCE_KINDS",
    "claim",
    "paper",
    "classical",
    "derived",
    "all_claims",
    "select",
    "run_claim",
    "run_claims",
    "rel_error",
    "worse",
    "fmt_set",
]
