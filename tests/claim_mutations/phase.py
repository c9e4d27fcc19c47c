"""Mutations of the subjects of C48–C52 (phase diagrams)."""

import dataclasses

import numpy as np

from . import Mutation, on_argument, on_result, scaled, shifted

PHASE = "dwf_theory.phase"


def _change_first_label(pd):
    """The diagram with the label of its first cell replaced by the next code."""
    labels = pd.labels.copy()
    labels[0, 0] = (labels[0, 0] + 1) % len(pd.names)
    return dataclasses.replace(pd, labels=labels)


_one_label_changed = on_result(_change_first_label)


def _learning_rates_scaled(factor: float):
    """init_lr_phase run with every learning rate times ``factor`` (a wrong step size)."""
    return on_argument("lrs", lambda lrs: np.asarray(lrs, float) * factor)


def _basin_edge_scaled(factor: float):
    """init_lr_phase with its 'basin_edge' overlay times ``factor``."""
    return on_result(
        lambda pd: dataclasses.replace(pd, overlays={**pd.overlays, "basin_edge": pd.overlays["basin_edge"] * factor})
    )


def _along_scaled(factor: float):
    """balanced_eigenvalues with the eigenvalue along the balanced direction times ``factor``."""
    return on_result(lambda pair: (np.asarray(pair[0]) * factor, pair[1]))


def _fit_w(transform):
    """fit_lq with its weights passed through ``transform``."""
    return on_result(lambda fit: dataclasses.replace(fit, w=transform(np.asarray(fit.w))))


MUTATIONS = {
    "C48": [Mutation(f"{PHASE}.init_lr_phase", _one_label_changed, "one label of the diagram changed")],
    "C49": [
        Mutation(f"{PHASE}.init_lr_phase", _learning_rates_scaled(1.05), "gradient descent with a 5% larger step"),
        Mutation(
            "dwf_theory.landscape.balanced_eigenvalues",
            _along_scaled(1 + 1e-6),
            "balanced stability edge off by 1e-6 relative",
        ),
        Mutation("dwf_theory.landscape.max_stable_lr", scaled(1 + 1e-6), "2/λ_max off by 1e-6 relative"),
    ],
    "C50": [Mutation(f"{PHASE}.init_lr_phase", _basin_edge_scaled(1.01), "basin edge 1% too far out")],
    "C51": [
        Mutation(f"{PHASE}.threshold_phase", _one_label_changed, "one region label changed"),
        Mutation("dwf_theory.prox.threshold", shifted(1e-6), "threshold τ off by 1e-6"),
        Mutation("dwf_theory.prox.existence_threshold", shifted(1e-6), "z_exist off by 1e-6"),
    ],
    "C52": [
        Mutation(
            "dwf_theory.equivalence.fit_lq",
            _fit_w(lambda w: w * (1 + 1e-9)),
            "fitted w off by 1e-9 relative: not stationary",
        ),
        Mutation(
            "dwf_theory.equivalence.fit_lq", _fit_w(lambda w: np.where(w == 0, 1e-12, w)), "zeros not exact (1e-12)"
        ),
    ],
}
