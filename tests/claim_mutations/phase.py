"""Mutations of the subjects of C48–C52 (phase diagrams)."""

import dataclasses

import numpy as np

from . import Mutation, scaled, shifted

PHASE = "dwf_theory.phase"


def _one_label_changed(f):
    """The diagram with the label of its first cell replaced by the next code."""

    def mutant(*args, **kwargs):
        pd = f(*args, **kwargs)
        labels = pd.labels.copy()
        labels[0, 0] = (labels[0, 0] + 1) % len(pd.names)
        return dataclasses.replace(pd, labels=labels)

    return mutant


def _learning_rates_scaled(factor: float):
    """init_lr_phase run with every learning rate times ``factor`` (a wrong step size)."""

    def wrap(f):
        def mutant(loss, lam, D, alphas, lrs, steps, **kwargs):
            return f(loss, lam, D, alphas, np.asarray(lrs, float) * factor, steps, **kwargs)

        return mutant

    return wrap


def _basin_edge_scaled(factor: float):
    """init_lr_phase with its 'basin_edge' overlay times ``factor``."""

    def wrap(f):
        def mutant(*args, **kwargs):
            pd = f(*args, **kwargs)
            return dataclasses.replace(pd, overlays={**pd.overlays, "basin_edge": pd.overlays["basin_edge"] * factor})

        return mutant

    return wrap


def _along_scaled(factor: float):
    """balanced_eigenvalues with the eigenvalue along the balanced direction times ``factor``."""

    def wrap(f):
        def mutant(*args, **kwargs):
            along, across = f(*args, **kwargs)
            return np.asarray(along) * factor, across

        return mutant

    return wrap


def _fit_w(transform, f):
    def mutant(*args, **kwargs):
        fit = f(*args, **kwargs)
        return dataclasses.replace(fit, w=transform(np.asarray(fit.w)))

    return mutant


MUTATIONS = {
    "C48": [Mutation(f"{PHASE}.init_lr_phase", _one_label_changed, "one label of the diagram changed")],
    "C49": [
        Mutation(f"{PHASE}.init_lr_phase", _learning_rates_scaled(1.05), "gradient descent with a 5% larger step"),
        Mutation("dwf_theory.landscape.balanced_eigenvalues", _along_scaled(1 + 1e-6),
                 "balanced stability edge off by 1e-6 relative"),
        Mutation("dwf_theory.landscape.max_stable_lr", scaled(1 + 1e-6), "2/λ_max off by 1e-6 relative"),
    ],
    "C50": [Mutation(f"{PHASE}.init_lr_phase", _basin_edge_scaled(1.01), "basin edge 1% too far out")],
    "C51": [
        Mutation(f"{PHASE}.threshold_phase", _one_label_changed, "one region label changed"),
        Mutation("dwf_theory.prox.threshold", shifted(1e-6), "threshold τ off by 1e-6"),
        Mutation("dwf_theory.prox.existence_threshold", shifted(1e-6), "z_exist off by 1e-6"),
    ],
    "C52": [
        Mutation("dwf_theory.equivalence.fit_lq", lambda f: _fit_w(lambda w: w * (1 + 1e-9), f),
                 "fitted w off by 1e-9 relative: not stationary"),
        Mutation("dwf_theory.equivalence.fit_lq", lambda f: _fit_w(lambda w: np.where(w == 0, 1e-12, w), f),
                 "zeros not exact (1e-12)"),
    ],
}
