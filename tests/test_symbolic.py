"""symbolic.py: the SymPy helpers.

Every derivation of the module is checked by a claim, run once in tests/test_claims.py: the Lagrange points
of the factor penalty (C7), threshold, jump and existence threshold for symbolic q (C8), the Hessian at the
origin (C9) and at balanced stationary points (C10), and the gradient and Hessian of the scalar objective
(C11), each against the numeric modules, and the learning-rate edge of heavy-ball momentum (C31). The tests
here cover the shared machinery: the identity prover `equal`, the rendering of derivations and input
validation.
"""

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from dwf_theory import symbolic as S


def test_derivation_renders_latex():
    r = S.threshold_jump()
    assert "lambda" in r.latex
    steps = r.steps_latex()
    assert set(steps) >= {"beta", "tau", "z_exist"}
    assert all(isinstance(v, str) and v for v in steps.values())
    assert S.threshold_jump() is r  # cached


@given(st.integers(1, 50))
def test_equal_proves_identities_and_rejects_differences(n):
    x = sp.Symbol("x", positive=True)
    assert S.equal((x**n - 1), (x - 1) * sp.Add(*[x**k for k in range(n)]))
    assert S.equal((2 * x) ** sp.Rational(1, n + 1), 2 ** sp.Rational(1, n + 1) * x ** sp.Rational(1, n + 1))
    assert not S.equal(x**n, x**n + sp.Rational(1, n))


@pytest.mark.parametrize("bad", [0, -1, 2.5, float("nan")])
def test_bad_depth_is_a_value_error(bad):
    for fn in (S.lagrange_balanced, S.scalar_objective, S.origin_hessian, S.balanced_hessian, S.heavy_ball_edge):
        with pytest.raises(ValueError, match="D"):
            fn(bad)


@pytest.mark.parametrize("bad", ["3", None, True, [3]])
def test_non_numeric_depth_is_a_type_error(bad):
    for fn in (
        S.lagrange_balanced,
        S.scalar_objective,
        S.origin_hessian,
        S.balanced_hessian,
        S.threshold_jump,
        S.heavy_ball_edge,
    ):
        if bad is None and fn in (S.threshold_jump, S.heavy_ball_edge):
            continue  # None means symbolic q, or the generic quadratic, there
        with pytest.raises(TypeError, match="D"):
            fn(bad)


def test_depths_above_the_symbolic_limit_are_refused_with_the_limit():
    # The derivations' cost grows quickly with D (2^D sign patterns in the Lagrange one): the limit is stated.
    fns = (S.lagrange_balanced, S.scalar_objective, S.origin_hessian, S.balanced_hessian, S.threshold_jump)
    for fn in (*fns, S.heavy_ball_edge):
        with pytest.raises(ValueError, match=r"D must be a whole number in \[\d, 10\]"):
            fn(11)


@pytest.mark.parametrize(
    "bad, exc", [(None, TypeError), ("x", TypeError), (object(), TypeError), (float("nan"), ValueError)]
)
def test_equal_names_a_bad_argument(bad, exc):
    x = sp.Symbol("x")
    with pytest.raises(exc, match="b must be"):
        S.equal(x, bad)
    with pytest.raises(exc, match="a must be"):
        S.equal(bad, x)


def test_threshold_jump_needs_depth_three_and_sign_must_be_unit():
    with pytest.raises(ValueError, match="D"):
        S.threshold_jump(2)
    for bad in (0, 2):
        with pytest.raises(ValueError, match="sign"):
            S.lagrange_balanced(3, sign=bad)
    for bad in (True, "1", [1, 1], None):
        with pytest.raises(TypeError, match="sign"):
            S.lagrange_balanced(3, sign=bad)


def test_heavy_ball_edge_steps_and_cache():
    # The Jury quantities of the quadratic: p(1) = ηh, p(−1) = 2(1 + μ) − ηh, a₀ = μ (C31 checks the edge).
    d = S.heavy_ball_edge()
    eta, mu, h = d["eta"], d["mu"], d["h"]
    p1, pm1, a0 = d["jury"]
    assert S.equal(p1, eta * h) and S.equal(pm1, 2 * (1 + mu) - eta * h) and a0 == mu
    assert sp.expand(d["charpoly"] - (d["zeta"] ** 2 - (1 + mu - eta * h) * d["zeta"] + mu)) == 0
    assert S.heavy_ball_edge() is d
    one = S.heavy_ball_edge(1)
    assert one["edge_across"] is None and len(one["blocks"]) == 1
    two = S.heavy_ball_edge(2)
    assert len(two["blocks"]) == 2 and two["jacobian"].shape == (4, 4)
