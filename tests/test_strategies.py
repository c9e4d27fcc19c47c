"""strategies.py: Hypothesis strategies for users' property tests.

Each strategy is drawn from here and its draws are checked against what it promises (bounds, shapes,
exact zeros and extreme magnitudes reachable, balanced factors balanced, rescaled ones on the same
fibre); bad arguments fail when the strategy is built. The README's example — a user's property
test of their own parametrization — runs here as written.
"""

import doctest
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from dwf_theory import (
    LeastSquares,
    Scalar,
    collapse,
    factor_penalty,
    imbalance,
    lq_penalty,
    strategies,
)
from dwf_theory.trainer import MLP

# --------------------------------------------------------------------------- scalars and weights


@given(strategies.depths(2, 7), strategies.lams(0.5, 3.0))
def test_depths_and_lams_stay_in_their_bounds(D, lam):
    assert isinstance(D, int) and 2 <= D <= 7
    assert isinstance(lam, float) and 0.5 <= lam <= 3.0


@given(strategies.weights((3, 2), magnitudes=(1e-2, 1e2)))
def test_weights_default_to_moderate_nonzero_magnitudes(w):
    assert w.shape == (3, 2) and w.dtype == np.float64
    assert np.all((np.abs(w) >= 1e-2) & (np.abs(w) <= 1e2))


@given(strategies.weights(st.integers(0, 5), zeros=True, extreme=True))
def test_weights_with_zeros_and_extremes_are_finite(w):
    assert w.ndim == 1 and w.size <= 5 and np.all(np.isfinite(w))


def test_exact_zeros_and_extreme_magnitudes_are_reachable():
    # find() searches until an example satisfies the condition (or fails): each promise can be met.
    settings_ = settings(max_examples=2000, database=None)
    assert np.any(find(strategies.weights((4,), zeros=True), lambda w: np.any(w == 0), settings=settings_) == 0)
    huge = find(strategies.weights((2,), extreme=True), lambda w: np.max(np.abs(w)) > 1e200, settings=settings_)
    tiny = find(strategies.weights((2,), extreme=True), lambda w: 0 < np.min(np.abs(w)) < 2.2e-308, settings=settings_)
    assert np.max(np.abs(huge)) > 1e200 and 0 < np.min(np.abs(tiny)) < 2.2e-308  # subnormal
    with pytest.raises(NoSuchExample):  # without the options, never (200 tries)
        find(
            strategies.weights((4,)),
            lambda w: np.any(w == 0) or np.max(np.abs(w)) > 1e3,
            settings=settings(max_examples=200, database=None),
        )


# --------------------------------------------------------------------------- factorizations


@given(strategies.factorizations(strategies.depths(1, 6), st.integers(1, 4), kind="balanced", zeros=True))
def test_balanced_factorizations_attain_the_penalty(f):
    # Balanced: equal magnitudes (exactly) and (1/D)Σ‖ω_d‖² = Σ|w|^{2/D} (AM–GM equality; rtol 1e-13).
    D = f.shape[0]
    np.testing.assert_array_equal(np.abs(f), np.broadcast_to(np.abs(f[0]), f.shape))
    assert factor_penalty(f) == pytest.approx(lq_penalty(collapse(f), D), rel=1e-13, abs=1e-300)
    assert np.all((np.abs(collapse(f)) <= 1e3 * (1 + 1e-12)))


@given(strategies.factorizations(strategies.depths(2, 6), (3,), kind="rescaled"))
def test_rescaled_factorizations_pay_at_least_the_balanced_penalty(f):
    # Rescaled along Π c_d = 1: same fibre, so (1/D)Σ‖ω_d‖² >= Σ|w|^{2/D} (AM–GM; slack 1e-13 for rounding).
    D = f.shape[0]
    w = collapse(f)
    assert np.all((np.abs(w) >= 1e-3 * (1 - 1e-12)) & (np.abs(w) <= 1e3 * (1 + 1e-12)))
    assert factor_penalty(f) >= lq_penalty(w, D) * (1 - 1e-13)


def test_rescaled_factorizations_leave_the_balanced_point():
    f = find(
        strategies.factorizations(3, (2,), kind="rescaled"),
        lambda f: np.any(imbalance(f) > 0.1 * np.abs(collapse(f)) ** (2 / 3)),
        settings=settings(max_examples=2000, database=None),
    )
    assert np.any(imbalance(f) > 0.1 * np.abs(collapse(f)) ** (2 / 3))


@given(strategies.factorizations(3, (2, 2), kind="arbitrary", magnitudes=(1e-3, 8.0)))
def test_arbitrary_factorizations_bound_each_entry(f):
    # |ω|^D in magnitudes: |ω| in [0.1, 2] for D = 3 (rtol 1e-15 for the cube root).
    assert f.shape == (3, 2, 2)
    assert np.all((np.abs(f) >= 0.1 * (1 - 1e-15)) & (np.abs(f) <= 2.0 * (1 + 1e-15)))


# --------------------------------------------------------------------------- problems and networks


@given(strategies.scalar_problems(), strategies.scalar_problems((3,), zeros=True))
def test_scalar_problems(a, b):
    assert isinstance(a, Scalar) and a.shape == () and 1e-3 <= abs(float(a.z)) <= 20
    assert isinstance(b, Scalar) and b.shape == (3,)


@given(strategies.least_squares(), strategies.least_squares(4, st.integers(2, 3), max_magnitude=2.0))
def test_least_squares_problems(a, b):
    assert isinstance(a, LeastSquares) and 1 <= a.n <= 8 and 1 <= a.shape[0] <= 5
    assert b.n == 4 and b.shape[0] in (2, 3) and np.max(np.abs(b.X)) <= 2.0
    assert np.isfinite(b.loss(np.zeros(b.shape)))


@settings(max_examples=10, deadline=None)
@given(strategies.networks(), strategies.networks(D=3, sizes=[4, 3, 2], loss="mse", activation="tanh"))
def test_networks_carry_their_factors(a, b):
    assert isinstance(a, MLP) and 1 <= a.D <= 4
    for layer, (n_in, n_out) in zip(a.params, zip(a.sizes[:-1], a.sizes[1:], strict=True), strict=True):
        assert layer["factors"].shape == (a.D, n_in, n_out)
    assert b.sizes == (4, 3, 2) and b.D == 3 and b.loss == "mse" and b.activation == "tanh"
    assert np.all(np.isfinite(b.predict(np.ones((2, 4)))))


@settings(max_examples=10, deadline=None)
@given(strategies.networks(grouped=True, sizes=[4, 3, 3, 2]), strategies.networks(grouped=None))
def test_grouped_networks_hold_gates_and_vectors(a, b):
    assert a.grouped == (True, True, False)
    for layer, (n_in, n_out) in zip(a.params[:2], [(4, 3), (3, 3)], strict=True):
        assert layer["gates"].shape == (a.D - 1, n_out) and layer["vector"].shape == (n_in, n_out)
    assert not b.grouped[-1] and len(set(b.grouped[:-1])) <= 1
    assert np.all(np.isfinite(b.predict(np.ones((2, b.sizes[0])))))


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, exc, name",
    [
        (lambda: strategies.depths(0, 3), ValueError, "min_D"),
        (lambda: strategies.depths(4, 2), ValueError, "min_D"),
        (lambda: strategies.depths(1, 2.5), ValueError, "max_D"),
        (lambda: strategies.lams(-1.0), ValueError, "min_lam"),
        (lambda: strategies.lams(0.0, math.inf), ValueError, "max_lam"),
        (lambda: strategies.lams(2.0, 1.0), ValueError, "min_lam"),
        (lambda: strategies.weights("3"), TypeError, "shape"),
        (lambda: strategies.weights((3, -1)), ValueError, "shape"),
        (lambda: strategies.weights((10**5, 10**5)), ValueError, "shape"),
        (lambda: strategies.weights((3,), zeros=1), TypeError, "zeros"),
        (lambda: strategies.weights((3,), extreme="yes"), TypeError, "extreme"),
        (lambda: strategies.weights((3,), magnitudes=(0.0, 1.0)), ValueError, "magnitudes"),
        (lambda: strategies.weights((3,), magnitudes=(2.0, 1.0)), ValueError, "magnitudes"),
        (lambda: strategies.weights((3,), magnitudes=1.0), TypeError, "magnitudes"),
        (lambda: strategies.factorizations(0), ValueError, "D"),
        (lambda: strategies.factorizations(3, kind="diagonal"), ValueError, "kind"),
        (lambda: strategies.least_squares(0), ValueError, "n"),
        (lambda: strategies.least_squares(3, 2, max_magnitude=-1.0), ValueError, "max_magnitude"),
        (lambda: strategies.networks(sizes=[3]), ValueError, "sizes"),
        (lambda: strategies.networks(sizes=3), TypeError, "sizes"),
        (lambda: strategies.networks(loss="hinge"), ValueError, "loss"),
        (lambda: strategies.networks(activation="gelu"), ValueError, "activation"),
        (lambda: strategies.networks(grouped="yes"), TypeError, "grouped"),
    ],
)
def test_bad_arguments_fail_when_the_strategy_is_built(call, exc, name):
    with pytest.raises(exc, match=name):
        call()


def test_missing_hypothesis_is_explained():
    # Without Hypothesis, importing the module fails with an ImportError that says how to install it;
    # the package itself does not need it.
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "import dwf_theory\n"
        "try:\n    import dwf_theory.strategies\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "pip install hypothesis" in out.stdout


def test_docstring_examples():
    result = doctest.testmod(strategies, raise_on_error=False, verbose=False)
    assert result.attempted >= 8 and result.failed == 0


# --------------------------------------------------------------------------- the README example


def test_readme_example_a_users_property_test():
    # The README's example, as a user writes it: their own parametrization w = a·b³, its conjectured
    # induced penalty inf{a² + b² : a b³ = w} = 4·3^{−3/4}|w|^{1/2} (weighted AM–GM), checked on weights
    # drawn by the strategies. A wrong constant must make it fail.
    from dwf_theory import Parametrization, PowerPenalty, induced_penalty
    from dwf_theory.strategies import weights

    cube = Parametrization("a·b³", lambda om: om[0] * om[1] ** 3, lambda shape: (2, *shape))

    def make_test(constant, phases=tuple(Phase)):
        @settings(max_examples=10, deadline=None, database=None, phases=phases)
        @given(weights((2,), magnitudes=(1e-2, 1e2)))
        def test_cube_penalty(w):
            r = induced_penalty(w, cube, PowerPenalty(), rng=0)
            assert r.converged
            np.testing.assert_allclose(r.value, constant * np.sum(np.abs(w) ** 0.5), rtol=1e-8)

        return test_cube_penalty

    make_test(4 * 3**-0.75)()
    with pytest.raises(AssertionError):  # every w fails: stop at the first, without shrinking (slow here)
        make_test(4 * 3**-0.75 * (1 + 1e-6), phases=(Phase.generate,))()
