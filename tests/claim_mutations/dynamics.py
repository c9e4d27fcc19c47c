"""Mutations of the subjects of C20–C32 (landscape and dynamics).

Each mutation is small — a relative change of 1e-9 … 1e-4 or one argument nudged — so a claim
that still passes under it could not tell a subtly wrong implementation from the right one.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from . import Mutation, on_argument, on_result, scaled, shifted
from .symbolic import _TINY, _derivation_changed


def _trajectory_scaled(factor: float):
    """The returned trajectory with every record after the first scaled by ``factor``."""

    def transform(tr):
        w = np.array(tr.w, float)
        w[1:] *= factor
        factors = None
        if tr.factors is not None:
            factors = np.array(tr.factors, float)
            factors[1:] *= factor ** (1.0 / factors.shape[1])
        return dataclasses.replace(tr, w=w, factors=factors)

    return on_result(transform)


def _symmetric_perturbation(eps: float):
    """A square-matrix result plus ``eps`` times a fixed symmetric pattern."""

    def transform(H):
        H = np.array(H, float)
        i = np.arange(H.shape[0])
        return H + eps * np.cos(np.add.outer(i, i))

    return on_result(transform)


# scalar_critical_points loses its last (largest) critical point whenever it has two or more.
_drop_last_point = on_result(lambda points: points[:-1] if len(points) >= 2 else points)


def _overlays_scaled(factor: float):
    """init_lr_phase with its stability-edge overlays times ``factor``."""

    def transform(pd):
        ov = dict(pd.overlays)
        for key in ("max_stable_lr", "balanced_stable_lr"):
            if ov[key] is not None:
                ov[key] = ov[key] * factor
        return dataclasses.replace(pd, overlays=ov)

    return on_result(transform)


def _scale_eigenvalue_pair(factor: float):
    """balanced_eigenvalues with both returned eigenvalues scaled by ``factor``."""
    return on_result(lambda pair: (np.asarray(pair[0]) * factor, np.asarray(pair[1]) * factor))


MUTATIONS = {
    "C20": [
        Mutation(
            "dwf_theory.landscape.factorized_hessian",
            _symmetric_perturbation(1e-9),
            "Hessian off by a symmetric 1e-9 pattern",
        ),
    ],
    "C21": [
        Mutation(
            "dwf_theory.landscape.balanced_eigenvalues",
            _scale_eigenvalue_pair(1 + 1e-8),
            "closed-form spectrum at the critical points off by 1e-8 (relative)",
        ),
        Mutation("dwf_theory.landscape.balanced_sharpness", scaled(1 + 1e-6), "λ_max off by 1e-6 (relative)"),
        Mutation(
            "dwf_theory.landscape.scalar_critical_points",
            _drop_last_point,
            "the largest critical point (the nonzero minimum) goes missing",
        ),
    ],
    "C22": [
        Mutation(
            "dwf_theory.dynamics.factor_flow",
            on_argument("lam", lambda lam: lam * (1 + 1e-6)),
            "factor flow with λ off by 1e-6 (relative)",
        ),
    ],
    "C23": [
        Mutation(
            "dwf_theory.dynamics.gradient_descent",
            on_argument("lr", lambda lr: np.asarray(lr) * (1 + 1e-6)),
            "a step with η off by 1e-6 (relative)",
        ),
    ],
    "C24": [
        Mutation(
            "dwf_theory.dynamics.collapsed_flow",
            on_argument("lam", lambda lam: lam * (1 + 1e-5)),
            "collapsed flow with λ off by 1e-5 (relative)",
        ),
        Mutation(
            "dwf_theory.dynamics.factor_flow", _trajectory_scaled(1 + 1e-6), "factor-flow records off by 1e-6 in w"
        ),
    ],
    "C25": [
        Mutation("dwf_theory.dynamics.escape_times", scaled(1 + 1e-4), "escape times off by 1e-4 (relative)"),
        Mutation("dwf_theory.dynamics.escape_exponent", shifted(1e-5), "fitted exponent off by 1e-5"),
    ],
    "C26": [
        Mutation("dwf_theory.dynamics.logistic_flow", scaled(1 + 1e-6), "logistic closed form off by 1e-6 (relative)"),
        Mutation("dwf_theory.dynamics.time_to_reach", scaled(1 + 1e-6), "travel time off by 1e-6 (relative)"),
    ],
    "C27": [
        Mutation(
            "dwf_theory.dynamics.gradient_descent",
            on_argument("lr", lambda lr: np.asarray(lr) * 0.97),
            "gradient descent runs 3% below the requested rate (so just-above-the-edge runs converge)",
        ),
        Mutation("dwf_theory.landscape.max_stable_lr", scaled(1 + 1e-6), "stable-rate edge off by 1e-6 (relative)"),
    ],
    "C28": [
        Mutation(
            "dwf_theory.dynamics.factor_flow",
            on_argument("lam", lambda lam: lam * (1 + 1e-5)),
            "factor flow with λ off by 1e-5 (relative): the decay rate near the origin is wrong",
        ),
    ],
    "C29": [
        Mutation("dwf_theory.dynamics.factor_flow", _trajectory_scaled(1 + 1e-6), "limit of the flow off by 1e-6 in w"),
    ],
    "C30": [
        Mutation(
            "dwf_theory.dynamics.factor_flow",
            on_argument("lam", lambda lam: lam * (1 + 1e-4)),
            "factor flow with λ off by 1e-4 (relative): it ends at another λ's stationary point",
        ),
    ],
    "C31": [
        Mutation(
            "dwf_theory.symbolic.heavy_ball_edge",
            _derivation_changed(expr=lambda e: e * (1 + _TINY)),
            "derived edge perturbed by 1e-9 (relative)",
        ),
        Mutation(
            "dwf_theory.symbolic.heavy_ball_edge",
            _derivation_changed(edge_along=lambda e: e if e is None else e * (1 + _TINY)),
            "derived edge along the balanced direction perturbed by 1e-9 (relative)",
        ),
    ],
    "C32": [
        Mutation(
            "dwf_theory.dynamics.gradient_descent",
            on_argument("momentum", lambda mu: 0.0),
            "gradient descent ignores the momentum (its edge is 2/λ_max)",
        ),
        Mutation(
            "dwf_theory.dynamics.gradient_descent",
            on_argument("lr", lambda lr: np.asarray(lr) * 1.07),
            "gradient descent with momentum runs 7% above the requested rate",
        ),
        Mutation(
            "dwf_theory.phase.init_lr_phase",
            on_argument("momentum", lambda mu: 0.0),
            "the phase diagram ignores the momentum",
        ),
        Mutation("dwf_theory.phase.init_lr_phase", _overlays_scaled(1 + 1e-9), "edge overlays off by 1e-9 (relative)"),
    ],
}
