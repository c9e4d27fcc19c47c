"""Mutations of the subjects of C60–C64 (the reference trainer)."""

from . import Mutation, on_argument, on_result, scaled

OBJECTIVE = "dwf_theory.trainer.objective"


def _gradient_off(eps: float):
    """The trainer's gradient with ``eps`` added to every factor entry of the first layer."""

    def transform(out):
        loss, grads = out
        grads[0]["factors"] = grads[0]["factors"] + eps
        return loss, grads

    return on_result(transform)


# The trainer's gradient with its sign flipped: training climbs the objective.
_gradient_ascent = on_result(lambda out: (out[0], [{k: -a for k, a in g.items()} for g in out[1]]))


MUTATIONS = {
    "C60": [Mutation(f"{OBJECTIVE}._fast_value_and_grad", _gradient_off(1e-4), "factor gradient off by 1e-4")],
    "C61": [
        Mutation(f"{OBJECTIVE}._fast_value_and_grad", _gradient_off(1e-4), "factor gradient off by 1e-4"),
        Mutation("dwf_theory._products.leave_one_out", scaled(1 + 1e-6), "leave-one-out products off by 1e-6"),
    ],
    "C62": [
        Mutation("dwf_theory.trainer.layers._forward", scaled(1 + 1e-6), "network output off by 1e-6 relative"),
        Mutation(f"{OBJECTIVE}.objective", scaled(1 + 1e-6), "objective off by 1e-6 relative"),
    ],
    "C63": [Mutation(f"{OBJECTIVE}._fast_value_and_grad", _gradient_ascent, "gradient ascent: the run diverges")],
    "C65": [
        Mutation("dwf_theory.trainer.ops._patches_adjoint", scaled(1 + 1e-6), "convolution input gradient off by 1e-6"),
        Mutation("dwf_theory.trainer.ops.conv", scaled(1 + 1e-6), "convolution output off by 1e-6 relative"),
        Mutation("dwf_theory.trainer.ops.max_pool", scaled(1 + 1e-6), "pooling output off by 1e-6 relative"),
    ],
    "C66": [
        Mutation(
            "dwf_theory.trainer.optim.sgd_momentum_step",
            on_argument("momentum", lambda m: m * (1 - 1e-6)),
            "momentum off by 1e-6 relative",
        ),
        Mutation(f"{OBJECTIVE}._fast_value_and_grad", _gradient_off(1e-4), "factor gradient off by 1e-4"),
    ],
    "C64": [Mutation(f"{OBJECTIVE}._fast_value_and_grad", _gradient_off(1e-4), "factor gradient off by 1e-4")],
}
