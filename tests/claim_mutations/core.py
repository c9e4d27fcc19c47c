"""Mutations of the subjects of C1–C6: the penalty identity and the thresholding operator."""

from . import Mutation, scaled, shifted

MUTATIONS = {
    "C1": [
        Mutation("dwf_theory.penalty.lq_penalty", scaled(1 + 1e-9), "L_{2/D} penalty 1e-9 too large"),
        Mutation("dwf_theory.penalty.balanced_factors", scaled(1 + 1e-9), "balanced factors 1e-9 too large"),
        Mutation("dwf_theory.penalty.factor_penalty", scaled(1 - 1e-9), "factor penalty 1e-9 too small"),
    ],
    "C2": [Mutation("dwf_theory.prox.prox", shifted(1e-6), "prox shifted by 1e-6")],
    "C3": [
        Mutation("dwf_theory.prox.threshold", scaled(1 + 1e-9), "threshold τ 1e-9 too large"),
        Mutation("dwf_theory.prox.jump", scaled(1 + 1e-9), "jump β 1e-9 too large"),
    ],
    "C4": [
        Mutation("dwf_theory.prox.prox", shifted(1e-6), "prox shifted by 1e-6 (zero outputs no longer zero)"),
        Mutation(
            "dwf_theory.prox.threshold",
            scaled(1 + 1e-3),
            "threshold 1e-3 too large: just above τ the prox keeps the local minimum at zero",
        ),
    ],
    "C5": [Mutation("dwf_theory.prox.prox", shifted(1e-6), "prox shifted by 1e-6 (not scale-equivariant)")],
    "C6": [
        Mutation("dwf_theory.prox.jump", scaled(1 + 1e-5), "jump β 1e-5 too large"),
        Mutation("dwf_theory.prox.threshold", scaled(1 + 1e-5), "threshold τ 1e-5 too large"),
        Mutation("dwf_theory.prox.prox", shifted(1e-6), "prox shifted by 1e-6"),
    ],
}
