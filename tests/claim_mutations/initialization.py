"""Mutations of the subjects of C40–C47 and C55–C56 (initialization schemes and the law of their product)."""

from . import Mutation, on_argument, on_result, scaled, shifted

INIT = "dwf_theory.initialization"


def _sigma_scaled(factor: float):
    """The original evaluated with ``sigma_w`` times ``factor``."""
    return on_argument("sigma_w", lambda sigma_w: sigma_w * factor)


MUTATIONS = {
    "C40": [Mutation(f"{INIT}.log_product_density", shifted(1e-6), "density off by a factor e^{1e-6}")],
    "C41": [Mutation(f"{INIT}.product_density", scaled(1 + 1e-6), "density off by 1e-6 relative")],
    "C42": [Mutation(f"{INIT}.product_density", scaled(1 + 1e-6), "density off by 1e-6 relative")],
    "C43": [
        Mutation(f"{INIT}.init_factors", scaled(1.1), "every VarMatch factor 10% too wide"),
        Mutation(f"{INIT}.product_cdf", _sigma_scaled(1.1), "distribution function of a 10% wider law"),
    ],
    "C44": [Mutation(f"{INIT}.log_product_density", shifted(1e-6), "moments off by a factor e^{1e-6}")],
    "C45": [Mutation(f"{INIT}.small_mass", scaled(1 + 1e-6), "mass near zero off by 1e-6 relative")],
    "C46": [Mutation(f"{INIT}.init_factors", scaled(1.01), "truncated factors 1% too wide: the upper bound breaks")],
    "C47": [Mutation(f"{INIT}.init_factors", scaled(1.01), "factors 1% too wide: variance 2D% too large")],
    "C55": [
        Mutation(f"{INIT}.truncated_product_variance", scaled(1 + 1e-6), "variance off by 1e-6 relative"),
        Mutation(f"{INIT}.init_factors", scaled(1.02), "truncated factors 2% too wide: variance 4D% too large"),
    ],
    "C56": [
        Mutation(f"{INIT}.init_factors", on_argument("rescale", lambda rescale: False), "rescale ignored"),
        Mutation(
            f"{INIT}._truncated_second_moment",
            on_result(lambda m: m * (1 + 1e-6)),
            "second moment of a truncated factor off by 1e-6: the rescaling factor is wrong",
        ),
    ],
}
