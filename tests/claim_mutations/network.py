"""Mutations of the subject of C80–C81 (Theorem 1 on trained networks): the full-batch polish."""

from . import Mutation


def _skip_polish(polish):
    """A polish that leaves the SGD end point as it is (and reports it as converged)."""
    from dwf_theory.trainer import PolishResult

    def mutant(model, X, y, lam, **kwargs):
        return PolishResult(objective=0.0, gradient_norm=0.0, n_support=0, iterations=0, converged=True)

    return mutant


SKIP = Mutation("dwf_theory.trainer.polish.polish", _skip_polish, "no polish: the SGD end point is not stationary")

MUTATIONS = {"C80": [SKIP], "C81": [SKIP]}
