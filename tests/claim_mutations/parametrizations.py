"""Mutations of the subjects of C70–C76: induced penalties, the built-in parametrizations, the group prox.

Each mutation is small (a relative change of 1e-8 … 1e-5) or removes one ingredient, so a claim that
still passes under it could not tell a subtly wrong implementation from the right one.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import Mutation, on_argument, on_result, scaled, shifted

MODULE = "dwf_theory.parametrizations"


def _value_scaled(factor: float):
    """induced_penalty with its reported value times ``factor``."""
    return on_result(lambda r: dataclasses.replace(r, value=r.value * factor))


def _unbalanced(eps: float):
    """induced_penalty with its first factor times ``1 + eps`` and its second divided by it (product kept)."""

    def transform(r):
        omega = np.array(r.omega, float)
        if omega.shape[0] >= 2:
            omega[0] *= 1 + eps
            omega[1] /= 1 + eps
        return dataclasses.replace(r, omega=omega)

    return on_result(transform)


def _map_scaled(factor: float):
    """A parametrization factory whose map (and Jacobian) is ``factor`` times the original: a shifted fibre."""

    def transform(par):
        jac = par.jacobian
        return dataclasses.replace(
            par,
            forward=lambda om, f=par.forward: f(om) * factor,
            jacobian=None if jac is None else (lambda om, j=jac: j(om) * factor),
        )

    return on_result(transform)


def _first_gate_only(par):
    """group_factorization's map with every gate but the first ignored (D ≥ 3 changes)."""

    def forward(om, f=par.forward):
        om = np.array(om, float)
        gates = om.shape[1] - 2  # the claims use groups of k = 2 weights
        if gates >= 2:
            om[:, 1:gates] = 1.0
        return f(om)

    return dataclasses.replace(par, forward=forward, jacobian=None)


def _weights_bent(f):
    """PowerPenalty's per-slice weights c_d raised to the power 1.001 (only Π_d c_d = 1 would hide it)."""

    def mutant(self, omega):
        return np.asarray(f(self, omega)) ** 1.001

    return mutant


MUTATIONS = {
    "C70": [
        Mutation(f"{MODULE}.induced_penalty", _value_scaled(1 + 1e-6), "induced value 1e-6 too large"),
        Mutation(f"{MODULE}.hadamard", _map_scaled(1 + 1e-6), "product map 1e-6 too large"),
        Mutation(f"{MODULE}.induced_penalty", _unbalanced(1e-5), "minimizer off balance by 1e-5 (same product)"),
    ],
    "C71": [
        Mutation(f"{MODULE}.PowerPenalty._value", scaled(1 + 1e-8), "penalty value 1e-8 too large"),
        Mutation(f"{MODULE}.PowerPenalty._weights", _weights_bent, "weights c_d bent to c_d^1.001"),
    ],
    "C72": [
        Mutation(f"{MODULE}.PowerPenalty._value", scaled(1 + 1e-8), "penalty value 1e-8 too large"),
        Mutation(f"{MODULE}.hadamard", _map_scaled(1 + 1e-6), "product map 1e-6 too large"),
    ],
    "C73": [
        Mutation(f"{MODULE}.group_factorization", _map_scaled(1 + 1e-6), "group map 1e-6 too large"),
        Mutation(f"{MODULE}.group_factorization", on_result(_first_gate_only), "only the first gate acts"),
    ],
    "C74": [
        Mutation(f"{MODULE}.group_prox", scaled(1 + 1e-5), "group prox 1e-5 too long"),
        Mutation(f"{MODULE}.group_prox", shifted(1e-6), "group prox shifted by 1e-6 (zero groups no longer zero)"),
    ],
    "C75": [
        Mutation(f"{MODULE}.powerprop", on_argument("alpha", lambda a: a * (1 + 1e-6)), "exponent α 1e-6 too large"),
        Mutation(f"{MODULE}.induced_penalty", _value_scaled(1 - 1e-8), "induced value 1e-8 too small"),
    ],
    "C76": [
        Mutation(f"{MODULE}.powerprop", on_argument("alpha", lambda a: a * (1 + 1e-6)), "exponent α 1e-6 too large"),
        Mutation(
            "dwf_theory.dynamics.factor_flow",
            on_argument("t_eval", lambda t: np.asarray(t) * (1 + 1e-6)),
            "DWF factor flow recorded at times 1e-6 too late",
        ),
        Mutation(
            "dwf_theory.dynamics.collapsed_flow",
            on_argument("t_eval", lambda t: np.asarray(t) * (1 + 1e-6)),
            "DWF collapsed flow recorded at times 1e-6 too late",
        ),
    ],
}
