"""The accuracy–compression frontier and its summaries, against brute force and NumPy's interpolation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dwf_theory.trainer.frontier import accuracy_at, frontier, max_compression_within

runs = st.lists(st.tuples(st.floats(1.0, 1e4), st.floats(0.0, 1.0)), min_size=1, max_size=12, unique_by=lambda r: r[0])


@settings(max_examples=60, deadline=None)
@given(runs)
def test_frontier_is_the_set_of_undominated_runs(points):
    c, a = np.array(points).T
    fc, fa = frontier(c, a)
    undominated = {
        (ci, ai) for ci, ai in points if not any(cj >= ci and aj >= ai and (cj > ci or aj > ai) for cj, aj in points)
    }
    assert set(zip(fc.tolist(), fa.tolist())) == undominated
    assert np.all(np.diff(fc) > 0) and np.all(np.diff(fa) < 0)


@settings(max_examples=60, deadline=None)
@given(runs, st.floats(1.001, 2e4))
def test_accuracy_at_interpolates_the_frontier_in_log_compression(points, t):
    c, a = np.array(points).T
    fc, fa = frontier(c, a)
    (got,) = accuracy_at(c, a, [t])
    if t > fc.max():
        assert got is None  # not reached, never extrapolated
    else:
        ref = float(np.interp(math.log(t), np.log(fc), fa))  # flat left of the first point, like ours
        assert got == pytest.approx(ref, rel=1e-12, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(runs, st.floats(0.0, 1.0), st.floats(0.0, 0.2))
def test_max_compression_within_is_the_last_point_above_the_level(points, dense, tol):
    c, a = np.array(points).T
    fc, fa = frontier(c, a)
    got = max_compression_within(c, a, dense, tol)
    level = dense - tol
    if fa[0] < level:
        assert got is None
        return
    assert fc[0] <= got <= fc[-1]
    if got > 1:  # accuracy_at takes targets > 1
        assert accuracy_at(c, a, [got])[0] >= level - 1e-9
    # nothing more compressed stays at or above the level (checked on a grid beyond the result)
    beyond = [x for x in np.geomspace(got, fc[-1], 50)[1:] if x > got * (1 + 1e-9)]
    if beyond:
        assert all(y < level + 1e-9 for y in accuracy_at(c, a, beyond))


@settings(max_examples=40, deadline=None)
@given(runs, st.floats(0.05, 1.0), st.floats(0.0, 0.2))
def test_relative_tolerance_is_a_fraction_of_dense(points, dense, tol):
    c, a = np.array(points).T
    assert max_compression_within(c, a, dense, tol, relative=True) == max_compression_within(c, a, dense, tol * dense)


def test_worked_example():
    # Runs at 10× (0.95), 100× (0.90), 50× (0.80, dominated): frontier 10→100; 1 % drop from 0.96 → level 0.95.
    c, a = [10.0, 100.0, 50.0], [0.95, 0.90, 0.80]
    assert frontier(c, a)[0].tolist() == [10.0, 100.0]
    assert max_compression_within(c, a, 0.96, 0.01) == pytest.approx(10.0)
    # level 0.925 is half way from 0.95 to 0.90: at √(10·100) in log compression
    assert max_compression_within(c, a, 0.96, 0.035) == pytest.approx(math.sqrt(1000.0))
    assert accuracy_at(c, a, [1000.0]) == [None]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: frontier([1.0, 2.0], [0.5]), "same length"),
        (lambda: frontier([0.5], [0.5]), ">= 1"),
        (lambda: frontier([None], [0.5]), "at least one run"),
        (lambda: accuracy_at([2.0], [0.5], [1.0]), "targets"),
        (lambda: max_compression_within([2.0], [0.5], 0.9, -0.1), "tolerance"),
        (lambda: frontier([2.0], [float("nan")]), "accuracy"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_relative_must_be_a_flag():
    with pytest.raises(TypeError, match="relative"):
        max_compression_within([2.0], [0.5], 0.9, 0.1, relative="yes")
