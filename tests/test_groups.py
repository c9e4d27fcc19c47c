"""Grouped (structured) DWF layers: the balanced factorization and its penalty, the gradients, the training loop,
the polish, removing switched-off units, and bad input.

Independent references: the penalty identity is checked against the closed form ``Σ_g ‖W_g‖^{2/D}`` and against
random points of the same fibre (AM–GM says none does better); the trainer's gradient against autograd through
``flat_objective`` (running products, not the trainer's chain rule); ``compact`` against ``model.predict``.
"""

from __future__ import annotations

import copy

import autograd
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dwf_theory.trainer import (
    MLP,
    Conv1d,
    Conv2d,
    Dense,
    Flatten,
    MaxPool,
    Network,
    build_network,
    compact,
    objective,
    polish,
    sgd_momentum_step,
    train,
    units_vs_lambda,
    value_and_grad,
)
from dwf_theory.trainer.groups import alive_units, balanced_groups, unit_norms
from dwf_theory.trainer.sharpness import flat_objective

shapes = st.sampled_from([(3, 4), (5, 2), (2, 3, 3), (3, 2, 2, 2), (1, 1)])


def _weight(shape, seed, zero_groups=0):
    W = np.random.default_rng(seed).standard_normal(shape) * np.exp(np.random.default_rng(seed + 1).uniform(-3, 3))
    axis = 1 if len(shape) == 2 else 0
    for g in range(min(zero_groups, shape[axis])):
        np.moveaxis(W, axis, 0)[g] = 0.0
    return W


def _collapse(gates, vector):
    """The grouped weight written out here: groups on the last axis (dense) or the first (kernel)."""
    s = np.prod(gates, axis=0)
    return vector * (s if vector.ndim == 2 else s.reshape(-1, *([1] * (vector.ndim - 1))))


@settings(max_examples=40, deadline=None)
@given(shapes, st.integers(1, 6), st.integers(0, 2**16), st.integers(0, 2))
def test_balanced_groups_is_the_least_penalty_factorization(shape, D, seed, zero_groups):
    W = _weight(shape, seed, zero_groups)
    gates, vector = balanced_groups(W, D)
    assert gates.shape == (D - 1, unit_norms(W).size) and vector.shape == W.shape
    np.testing.assert_allclose(_collapse(gates, vector), W, rtol=1e-13, atol=0)
    norms = unit_norms(W)
    vnorm2 = unit_norms(vector) ** 2
    # balanced: every gate² and ‖v_g‖² equal ‖W_g‖^{2/D} (rel. 1e-13)
    np.testing.assert_allclose(gates**2, np.broadcast_to(norms ** (2 / D), gates.shape), rtol=1e-13, atol=0)
    np.testing.assert_allclose(vnorm2, norms ** (2 / D), rtol=1e-13, atol=0)
    # the penalty (1/D)(Σ s² + Σ‖v‖²) equals the closed form Σ_g ‖W_g‖^{2/D} (rel. 1e-13) ...
    penalty = (np.sum(gates**2) + np.sum(vector**2)) / D
    closed = np.sum(norms ** (2 / D))
    assert penalty == pytest.approx(closed, rel=1e-13, abs=0)
    # ... and no other point of the fibre does better: rescale the gates by c_d and the vector by 1/Π c_d
    rng = np.random.default_rng(seed + 2)
    for _ in range(5):
        c = np.exp(rng.uniform(-1, 1, size=(D - 1, norms.size)))
        other_gates = gates * c
        other_vector = _collapse(1 / c, vector) if D > 1 else vector
        np.testing.assert_allclose(_collapse(other_gates, other_vector), W, rtol=1e-12, atol=1e-300)
        assert (np.sum(other_gates**2) + np.sum(other_vector**2)) / D >= closed * (1 - 1e-12)


def _nets():
    return [
        ("mlp", [Dense(4, grouped=True), Dense(3)], (5,)),
        ("conv2d", [Conv2d(3, 2, padding=1, grouped=True), MaxPool(2), Flatten(), Dense(3, grouped=True)], (2, 4, 4)),
        ("conv1d", [Conv1d(2, 3, stride=2, grouped=True), Flatten(), Dense(3)], (1, 9)),
    ]


def _data(shape, seed, n=7):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, *shape)), np.arange(n) % 3


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(range(3)), st.integers(1, 4), st.integers(0, 2**16), st.sampled_from([0.0, 1e-2, 0.3]))
def test_grouped_gradient_matches_autograd_through_running_products(which, D, seed, lam):
    name, layers, shape = _nets()[which]
    model = Network(layers, shape, D, rng=seed, activation="tanh")
    plain = Network([_ungrouped(s) for s in layers], shape, D, rng=seed, activation="tanh")
    # the same collapsed draw as the plain network (the grouped layers only refactorize it)
    for a, b in zip(model.weights(), plain.weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=0)
    X, y = _data(shape, seed)
    value, grads = value_and_grad(model, model.params, X, y, lam)
    F, theta = flat_objective(model, X, y, lam)
    assert value == pytest.approx(F(theta), rel=1e-13)
    reference = autograd.grad(F)(theta)
    flat = np.concatenate([a.ravel() for g in grads for a in g.values()])
    np.testing.assert_allclose(flat, reference, rtol=1e-10, atol=1e-13 * np.max(np.abs(reference)))


def _ungrouped(spec):
    from dataclasses import replace

    return replace(spec, grouped=False) if hasattr(spec, "grouped") else spec


def test_grouped_layouts_and_objective():
    model = MLP([5, 4, 3], 3, rng=0, grouped=True)
    assert model.grouped == (True, False) and model.architecture == "dense4g-dense3"
    assert set(model.params[0]) == {"gates", "vector", "bias"} and model.params[0]["gates"].shape == (2, 4)
    assert set(model.params[1]) == {"factors", "bias"}
    net = build_network("lenet5", (1, 8, 8), 10, 2, grouped=True)
    assert net.grouped == (True, True, True, True, False)
    assert [p["gates"].shape for p in net.params[:2]] == [(1, 6), (1, 16)]
    # the objective's penalty counts the gates once per group: (λ/D)(Σ s² + Σ‖v‖² + Σ ω²)
    X, y = _data((5,), 1)
    lam = 0.1
    squares = sum(np.sum(a**2) for p in model.params for k, a in p.items() if k != "bias")
    zero = objective(model, model.params, X, y, 0.0)
    assert objective(model, model.params, X, y, lam) == pytest.approx(zero + lam * squares / 3, rel=1e-14)


def test_zero_groups_stay_zero_and_training_switches_units_off():
    from dwf_theory.trainer import load_digits_split

    data = load_digits_split(0)
    model = MLP([64, 16, 10], 2, rng=0, grouped=True, dtype=np.float64)
    model.params[0]["gates"][:, :3] = 0.0
    model.params[0]["vector"][:, :3] = 0.0
    start = copy.deepcopy(model.params)
    hist = train(model, data, lam=2e-2, lr=0.1, epochs=30, batch_size=64)
    assert hist.status == "ok"
    for p, p0 in zip(model.params, start, strict=True):  # every array trained (the gates too)
        for key in p:
            assert not np.allclose(
                p[key][..., 3:] if key != "bias" else p[key], p0[key][..., 3:] if key != "bias" else p0[key]
            )
    norms = model.unit_norms()[0]
    assert np.all(norms[:3] == 0.0)  # exactly: gate and vector gradients both carry a zero factor
    off = alive_units(model.weights()[0], 1e-3)
    assert 3 < np.count_nonzero(~off) < 16  # the group penalty switched further units off, not all
    assert hist.final.test_accuracy > 0.5
    assert hist.final.imbalance >= 0.0


def test_sgd_step_on_grouped_params_with_masks():
    model = MLP([3, 4, 2], 2, rng=0, grouped=True)
    params = copy.deepcopy(model.params)
    grads = [{k: np.full_like(a, 0.5) for k, a in p.items()} for p in params]
    velocity = [{k: np.zeros_like(a) for k, a in p.items()} for p in params]
    masks = [np.ones((3, 4), bool), np.zeros((4, 2), bool)]
    sgd_momentum_step(params, grads, velocity, 0.1, 0.0, masks=masks)
    for key in ("gates", "vector", "bias"):
        np.testing.assert_allclose(params[0][key], model.params[0][key] - 0.05, rtol=1e-15)
    assert np.all(params[1]["factors"] == 0)
    with pytest.raises(TypeError, match=r"velocity\[0\] must be a dict with keys 'gates' and 'vector' and 'bias'"):
        sgd_momentum_step(params, grads, [{"factors": 0, "bias": 0}, velocity[1]], 0.1, 0.0)
    with pytest.raises(ValueError, match=r"masks\[0\] must have shape \(3, 4\)"):
        sgd_momentum_step(params, grads, velocity, 0.1, 0.0, masks=[np.ones((1, 4), bool), masks[1]])


@settings(max_examples=6, deadline=None)
@given(st.integers(2, 3), st.integers(0, 2**16))
def test_polish_of_a_grouped_network_reaches_the_group_conditions(D, seed):
    X = np.random.default_rng(seed).standard_normal((24, 5))
    y = np.argmax(X @ np.random.default_rng(99).standard_normal((5, 3)), axis=1)  # a rule the units can learn
    model = MLP([5, 4, 3], D, rng=seed, activation="tanh", grouped=True)
    lam = 0.02
    model.params[0]["gates"][:, 0] = 1e-9  # a group below zero_tol: cut at the start
    result = polish(model, X, y, lam, zero_tol=1e-6, tol=1e-9)
    assert result.converged and result.gradient_norm <= 1e-9
    norms = model.unit_norms()[0]
    assert norms[0] == 0.0
    assert result.n_support == 5 * np.count_nonzero(norms) + 4 * 3  # grouped columns + every output weight
    q = 2.0 / D
    _, grads = value_and_grad(model, model.params, X, y, 0.0)  # ∂ℓ/∂gates, ∂ℓ/∂v; rebuild ∂ℓ/∂W_g from them
    p, g = model.params[0], grads[0]
    s = np.prod(p["gates"], axis=0)
    # groups on their way to zero end a polish tiny but not exactly zero (a second round would cut them)
    active = np.flatnonzero(norms > 1e-6)
    assert np.all((norms > 1e-6) | (norms < 1e-12))
    assume(active.size > 0)  # for D >= 3 zero is a local minimum of every group, and the polish may end there
    for j in active:
        grad_W = g["vector"][:, j] / s[j]  # ∂ℓ/∂v_g = s ∂ℓ/∂W_g
        W = model.weights()[0][:, j]
        pull = lam * q * norms[j] ** (q - 2) * W
        assert np.linalg.norm(grad_W + pull) <= 1e-6 * np.linalg.norm(pull)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 3),
    st.integers(0, 2**16),
    st.sampled_from(["relu", "tanh", "identity"]),
    st.lists(st.integers(0, 4), min_size=0, max_size=4),
    st.lists(st.integers(0, 3), min_size=0, max_size=3),
)
def test_compact_computes_the_same_outputs_with_fewer_units(D, seed, activation, off_in, off_out):
    model = MLP([6, 5, 4, 3], D, rng=seed, activation=activation, grouped=True, dtype=np.float64)
    rng = np.random.default_rng(seed)
    for p in model.params:
        p["bias"][...] = rng.standard_normal(p["bias"].shape)
    for j in off_in:  # switched off: incoming weights zero (the unit outputs σ(b_j))
        model.params[0]["vector"][:, j] = 0.0
    for j in off_out:  # unit j of layer 2 reaches nothing
        model.params[2]["factors"][:, j, :] = 0.0
    X = rng.standard_normal((9, 6))
    small = compact(model)
    np.testing.assert_allclose(small.predict(X), model.predict(X), rtol=1e-12, atol=1e-12)
    assert small.sizes[1] == 5 - len(set(off_in)) and small.sizes[2] == 4 - len(set(off_out))
    assert small.n_weights == sum(a * b for a, b in zip(small.sizes, small.sizes[1:]))
    assert [len(u) for u in small.units] == list(small.sizes[1:-1])


def test_compact_prunes_at_zero_tol_and_refuses_bad_input():
    model = MLP([4, 5, 3], 2, rng=0, dtype=np.float64)
    W = model.weights()
    pruned = compact(model, zero_tol=10.0)  # every weight pruned: no hidden unit is left, outputs = biases
    assert pruned.sizes == (4, 0, 3)
    np.testing.assert_allclose(pruned.predict(np.ones((2, 4))), np.zeros((2, 3)) + model.params[1]["bias"], atol=0)
    tol = float(np.median(np.abs(W[0])))
    keep = compact(model, zero_tol=tol)
    dense = [np.where(np.abs(w) > tol, w, 0.0) for w in W]
    X = np.random.default_rng(0).standard_normal((5, 4))
    from dwf_theory.trainer import forward

    np.testing.assert_allclose(keep.predict(X), forward(dense, [p["bias"] for p in model.params], X), rtol=1e-12)
    conv = Network([Conv1d(2, 3, grouped=True), Flatten(), Dense(3)], (1, 6), 2, rng=0)
    with pytest.raises(ValueError, match="compact needs a network of Dense layers"):
        compact(conv)
    with pytest.raises(ValueError, match="zero_tol"):
        compact(model, zero_tol=-1.0)
    with pytest.raises(TypeError, match="model"):
        compact("mlp")
    with pytest.raises(ValueError, match=r"params\[0\] must be a dict with keys 'factors' and 'bias'"):
        compact(model, params=[{"gates": 1}, model.params[1]])


def test_group_helpers_refuse_bad_input():
    with pytest.raises(ValueError, match="W must have at least 2 dimension"):
        unit_norms(np.ones(3))
    with pytest.raises(ValueError, match="W must contain only finite"):
        balanced_groups(np.array([[np.nan]]), 2)
    with pytest.raises(ValueError, match="W must hold at least one weight"):
        alive_units(np.ones((0, 2)))
    with pytest.raises(ValueError, match="W .*too large|overflow|norm"):
        unit_norms(np.full((2, 2), 1e300))
    with pytest.raises(TypeError, match="grouped"):
        Dense(3, grouped="yes")
    with pytest.raises(TypeError, match="grouped"):
        MLP([2, 2], 2, grouped=1.5)
    with pytest.raises(ValueError, match=r"params\[0\] must be a dict with keys 'gates' and 'vector' and 'bias'"):
        model = MLP([3, 4, 2], 2, rng=0, grouped=True)
        objective(
            model, [{"factors": np.ones((2, 3, 4)), "bias": np.zeros(4)}, model.params[1]], np.ones((1, 3)), [0], 0.1
        )


def test_units_vs_lambda_counts_units_and_refuses_bad_input():
    from dwf_theory.trainer import InlineExecutor

    rows = units_vs_lambda(
        depths=(2, 3), lams=(1e-4, 1e-1), seeds=2, quick=True, executor=InlineExecutor(), progress=False
    )
    assert len(rows) == 2 * 2 * 2 and all(r["grouped"] for r in rows)
    assert all(r["units"] == [16, 10] and 0 <= r["units_kept"][0] <= 16 for r in rows)
    assert {r["rng"] for r in rows} == {0, 1}
    with pytest.raises(ValueError, match="seeds"):
        units_vs_lambda(seeds=0, quick=True)
    with pytest.raises(ValueError, match="lams"):
        units_vs_lambda(lams=(-1.0,), quick=True)


def test_readme_example_structured_sparsity():
    # --- as in the README -------------------------------------------------------------------------
    from dwf_theory.trainer import MLP, compact, load_digits_split, train

    model = MLP([64, 300, 100, 10], D=3, grouped=True, rng=0)  # every hidden unit: gates × one vector
    history = train(model, load_digits_split(0), lam=3e-3, lr=0.1, epochs=200, batch_size=64, schedule="warmup-cosine")
    small = compact(model, zero_tol=1e-3)  # the plain MLP without the switched-off units
    # --- what the README says it prints ----------------------------------------------------------------
    assert small.sizes == (64, 26, 13, 10) and small.n_weights == 2132
    assert history.final.test_accuracy == pytest.approx(0.9796296, abs=1e-6)
    X = load_digits_split(0).X_test
    pruned = [np.where(np.abs(W) > 1e-3, W, 0.0) for W in model.weights()]
    from dwf_theory.trainer import forward

    reference = forward(pruned, [p["bias"] for p in model.params], X.reshape(len(X), -1))
    np.testing.assert_allclose(small.predict(X), reference, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("pruner", ["magnitude", "snip"])
def test_pruners_on_a_grouped_spec_equal_the_plain_network(pruner):
    # At D = 1 a grouped layer has no gates (W = v): every pruner must train the same network as the plain spec.
    from dwf_theory.trainer import ModelSpec, load_digits_split, prune_and_train

    data = load_digits_split(0)
    grouped, plain = (ModelSpec((Dense(16, grouped=g), Dense(10)), (64,), 10) for g in (True, False))
    a = prune_and_train(pruner, grouped, data, 5.0, epochs=2, lr=0.1)
    b = prune_and_train(pruner, plain, data, 5.0, epochs=2, lr=0.1)
    for key in ("test_accuracy", "n_nonzero", "train_loss", "layer_density"):
        assert a[key] == b[key]
