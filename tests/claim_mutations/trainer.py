"""Mutations of the subjects of C60–C64 (the reference trainer)."""

from . import Mutation, scaled

OBJECTIVE = "dwf_theory.trainer.objective"


def _gradient_off(eps: float):
    """The trainer's gradient with ``eps`` added to every factor entry of the first layer."""

    def wrap(f):
        def mutant(*args, **kwargs):
            loss, grads = f(*args, **kwargs)
            grads[0]["factors"] = grads[0]["factors"] + eps
            return loss, grads

        return mutant

    return wrap


def _gradient_ascent(f):
    """The trainer's gradient with its sign flipped: training climbs the objective."""

    def mutant(*args, **kwargs):
        loss, grads = f(*args, **kwargs)
        return loss, [{k: -a for k, a in g.items()} for g in grads]

    return mutant


MUTATIONS = {
    "C60": [Mutation(f"{OBJECTIVE}.fast_value_and_grad", _gradient_off(1e-4), "factor gradient off by 1e-4")],
    "C61": [
        Mutation(f"{OBJECTIVE}.fast_value_and_grad", _gradient_off(1e-4), "factor gradient off by 1e-4"),
        Mutation("dwf_theory._products.leave_one_out", scaled(1 + 1e-6), "leave-one-out products off by 1e-6"),
    ],
    "C62": [
        Mutation("dwf_theory.trainer.layers.forward", scaled(1 + 1e-6), "network output off by 1e-6 relative"),
        Mutation(f"{OBJECTIVE}.objective", scaled(1 + 1e-6), "objective off by 1e-6 relative"),
    ],
    "C63": [Mutation(f"{OBJECTIVE}.fast_value_and_grad", _gradient_ascent, "gradient ascent: the run diverges")],
    "C64": [Mutation(f"{OBJECTIVE}.fast_value_and_grad", _gradient_off(1e-4), "factor gradient off by 1e-4")],
}
