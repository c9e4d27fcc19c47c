"""Mutations of the subjects of C12–C17: the fits of F and G and the balanced lift.

The solvers' results are changed after they return (:func:`dataclasses.replace` on the
``Fit``), so a mutation costs no more solver time than the claim itself.
"""

from dataclasses import replace

import numpy as np

from . import Mutation, on_result, scaled


def _garbage(fit):
    """A garbage fit (every weight or factor moved by 0.5) flagged ``converged=False``."""
    if fit.factors is None:
        return replace(fit, w=fit.w + 0.5, converged=False)
    factors = fit.factors + 0.5
    return replace(fit, w=np.prod(factors, axis=0), factors=factors, converged=False)


_unconverged = on_result(_garbage)


def _weights_scaled(factor: float):
    """The fitted weights times ``factor`` (the first factor for factor fits), still 'converged'."""

    def transform(fit):
        if fit.factors is None:
            return replace(fit, w=fit.w * factor)
        factors = fit.factors.copy()
        factors[0] *= factor
        return replace(fit, w=np.prod(factors, axis=0), factors=factors)

    return on_result(transform)


def _imbalanced(c: float):
    """Factor fits with ω_1 → cω_1, ω_2 → ω_2/c (same collapsed weights, larger F), still 'converged'."""

    def transform(fit):
        factors = fit.factors.copy()
        factors[0] *= c
        factors[1] /= c
        return replace(fit, factors=factors)

    return on_result(transform)


_FIT_F = "dwf_theory.equivalence.fit_factorized"
_FIT_G = "dwf_theory.equivalence.fit_lq"

MUTATIONS = {
    "C12": [Mutation(_FIT_F, _imbalanced(1.01), "factor fits imbalanced by 1% (F above min G)")],
    "C13": [Mutation(_FIT_F, _imbalanced(1 + 1e-6), "factor fits imbalanced by 1e-6 (no longer minima)")],
    "C14": [
        Mutation(_FIT_G, _weights_scaled(1 + 1e-6), "G fits scaled by 1 + 1e-6"),
        Mutation(_FIT_F, _unconverged, "factor fits garbage and unconverged"),
    ],
    "C15": [
        Mutation(_FIT_G, _weights_scaled(1 + 1e-6), "G fits scaled by 1 + 1e-6 (not stationary)"),
        Mutation(_FIT_F, _weights_scaled(1 + 1e-6), "factor fits' first factor scaled by 1 + 1e-6"),
        Mutation(_FIT_G, _unconverged, "G fits garbage and unconverged"),
    ],
    "C16": [Mutation(_FIT_F, _unconverged, "factor fits garbage and unconverged")],
    "C17": [
        Mutation(_FIT_G, _weights_scaled(1 + 1e-6), "G fits scaled by 1 + 1e-6 (not stationary)"),
        Mutation(_FIT_G, _unconverged, "G fits garbage and unconverged"),
        Mutation("dwf_theory.penalty.balanced_factors", scaled(1 + 1e-6), "balanced factors 1e-6 too large"),
    ],
}
