"""Mutations of the subject of C80–C82 (Theorem 1 on trained networks): the full-batch polish, grouped layers."""

from . import Mutation


def _skip_polish(polish):
    """A polish that leaves the SGD end point as it is (and reports it as converged)."""
    from dwf_theory.trainer import PolishResult

    def mutant(model, X, y, lam, **kwargs):
        return PolishResult(objective=0.0, gradient_norm=0.0, n_support=0, iterations=0, converged=True)

    return mutant


SKIP = Mutation("dwf_theory.trainer.polish.polish", _skip_polish, "no polish: the SGD end point is not stationary")


def _first_gate_only(collapse):
    """A grouped layer's weight from its first gate alone: the polish minimizes another objective."""

    def mutant(p, *, traced=False):
        if "gates" in p:
            p = dict(p, gates=p["gates"][:1])
        return collapse(p, traced=traced)

    return mutant


FIRST_GATE = Mutation(
    "dwf_theory.trainer.groups.collapse", _first_gate_only, "grouped weights ignore all gates but the first"
)

MUTATIONS = {"C80": [SKIP], "C81": [SKIP], "C82": [SKIP, FIRST_GATE]}
