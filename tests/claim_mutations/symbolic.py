"""Mutations of the subjects of C7–C11: the SymPy derivations and the closed forms they are compared with."""

from dataclasses import replace
from types import MappingProxyType

import sympy as sp

from . import Mutation, on_result, scaled, shifted

_TINY = sp.Rational(1, 10**9)


def _derivation_changed(expr=None, **steps):
    """The derivation with ``expr`` and the named steps passed through the given functions."""

    def transform(d):
        new = dict(d.steps)
        for key, change in steps.items():
            new[key] = change(new[key])
        return replace(d, expr=d.expr if expr is None else expr(d.expr), steps=MappingProxyType(new))

    return on_result(transform)


MUTATIONS = {
    "C7": [
        Mutation(
            "dwf_theory.symbolic.lagrange_balanced",
            _derivation_changed(expr=lambda e: e * (1 + _TINY)),
            "derived minimum value perturbed by 1e-9",
        ),
        Mutation(
            "dwf_theory.symbolic.lagrange_balanced",
            _derivation_changed(sign_patterns=lambda p: p[:-1], solutions=lambda s: s[:-1]),
            "one balanced sign pattern lost",
        ),
        Mutation("dwf_theory.penalty.balanced_factors", scaled(1 + 1e-9), "balanced factors 1e-9 too large"),
    ],
    "C8": [
        Mutation(
            "dwf_theory.symbolic.threshold_jump",
            _derivation_changed(tau=lambda t: t * (1 + _TINY)),
            "derived threshold perturbed by 1e-9",
        ),
        Mutation("dwf_theory.prox.existence_threshold", scaled(1 + 1e-9), "existence threshold 1e-9 too large"),
        Mutation("dwf_theory.prox.jump", scaled(1 + 1e-9), "jump β 1e-9 too large"),
    ],
    "C9": [
        Mutation(
            "dwf_theory.symbolic.origin_hessian",
            _derivation_changed(eigenvalues=lambda e: MappingProxyType({k + _TINY: m for k, m in e.items()})),
            "derived eigenvalues at the origin shifted by 1e-9",
        ),
        Mutation("dwf_theory.landscape.factorized_hessian", shifted(1e-9), "Hessian of F off by 1e-9"),
    ],
    "C10": [
        Mutation(
            "dwf_theory.symbolic.balanced_hessian",
            _derivation_changed(along=lambda a: a * (1 + _TINY)),
            "derived eigenvalue along the balanced direction perturbed by 1e-9",
        ),
        Mutation("dwf_theory.landscape.factorized_hessian", scaled(1 + 1e-9), "Hessian of F 1e-9 too large"),
    ],
    "C11": [
        Mutation("dwf_theory.penalty.factorized_gradient", shifted(1e-9), "gradient of F off by 1e-9"),
        Mutation("dwf_theory.landscape.factorized_hessian", shifted(1e-9), "Hessian of F off by 1e-9"),
    ],
}
