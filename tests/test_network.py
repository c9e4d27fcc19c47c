"""Convolutional DWF networks: gradients against finite differences and PyTorch, shapes, architectures, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_reference import torch_logits

from dwf_theory.trainer import (
    ARCHITECTURES,
    MLP,
    Conv1d,
    Conv2d,
    Dense,
    Flatten,
    MaxPool,
    ModelSpec,
    Network,
    build_network,
    load_digits_split,
    train,
    value_and_grad,
)
from dwf_theory.trainer.objective import objective
from dwf_theory.trainer.ops import conv_output_size

torch = pytest.importorskip("torch")


@st.composite
def conv_nets(draw):
    """A small Conv(1d|2d) [+ MaxPool] + Flatten + Dense network with its input shape and depth."""
    nd = draw(st.sampled_from((1, 2)))
    size = draw(st.integers(3, 8))
    k = draw(st.integers(1, 3))
    stride = draw(st.integers(1, 3))
    padding = draw(st.integers(0, 2))
    channels = draw(st.integers(1, 3))
    conv = (Conv1d if nd == 1 else Conv2d)(draw(st.integers(1, 3)), k, stride=stride, padding=padding)
    layers = [conv]
    out = conv_output_size(size, k, stride, padding)
    if out >= 2 and draw(st.booleans()):
        layers.append(MaxPool(2))
    layers += [Flatten(), Dense(draw(st.integers(2, 3)))]
    return layers, (channels, *([size] * nd)), draw(st.integers(1, 3))


def _problem(layers, shape, D, seed=0, n=3):
    rng = np.random.default_rng(seed)
    net = Network(layers, shape, D, init="varmatch", rng=rng)
    for p in net.params:
        p["bias"] = rng.normal(0.0, 0.3, p["bias"].shape)
    X = rng.normal(size=(n, *shape))
    y = rng.integers(0, net.n_outputs, n)
    return net, X, y, rng


@settings(max_examples=25, deadline=None)
@given(conv_nets(), st.integers(0, 2**16))
def test_conv_gradient_matches_central_differences(net_spec, seed):
    # ⟨∇F, u⟩ against (F(θ+hu) − F(θ−hu))/2h along a random unit direction; error O(h²) + rounding ~1e-9.
    layers, shape, D = net_spec
    net, X, y, rng = _problem(layers, shape, D, seed)
    lam, h = 0.05, 1e-5
    _, g = value_and_grad(net, net.params, X, y, lam)
    u = [{k: rng.normal(size=a.shape) for k, a in p.items()} for p in net.params]
    norm = math.sqrt(sum(float(np.sum(a * a)) for du in u for a in du.values()))
    shifted = [[{k: p[k] + s * du[k] / norm for k in p} for p, du in zip(net.params, u)] for s in (h, -h)]
    fd = (objective(net, shifted[0], X, y, lam) - objective(net, shifted[1], X, y, lam)) / (2 * h)
    ip = sum(float(np.sum(gp[k] * du[k])) for gp, du in zip(g, u) for k in gp) / norm
    assert abs(fd - ip) <= 1e-7 * max(1.0, abs(fd))


@settings(max_examples=20, deadline=None)
@given(conv_nets(), st.integers(0, 2**16))
def test_conv_network_matches_pytorch_float64(net_spec, seed):
    # Loss and collapsed-weight gradients against PyTorch's conv/pool in float64 (D = 1: the factor is the weight).
    layers, shape, _ = net_spec
    net, X, y, _ = _problem(layers, shape, 1, seed)
    loss, g = value_and_grad(net, net.params, X, y, 0.0)
    W = [torch.tensor(p["factors"][0], requires_grad=True) for p in net.params]
    b = [torch.tensor(p["bias"], requires_grad=True) for p in net.params]
    ref = torch.nn.functional.cross_entropy(torch_logits(layers, W, b, torch.tensor(X)), torch.tensor(y))
    ref.backward()
    assert abs(loss - ref.item()) <= 1e-12 * max(1.0, abs(ref.item()))
    for ours, w, bb in zip(g, W, b):
        np.testing.assert_allclose(ours["factors"][0], w.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ours["bias"], bb.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("arch", "shape", "n_weights"),
    [
        ("lenet300", (1, 28, 28), 784 * 300 + 300 * 100 + 100 * 10),
        ("lenet5", (1, 28, 28), 6 * 25 + 16 * 6 * 25 + 400 * 120 + 120 * 84 + 84 * 10),
        ("lenet5", (1, 8, 8), 6 * 9 + 16 * 6 * 9 + 64 * 120 + 120 * 84 + 84 * 10),
        ("cnn1d", (1, 40), 25 * 5 + 2 * 25 * 25 * 3 + 125 * 10),
    ],
)
def test_named_architectures_have_the_stated_weight_counts(arch, shape, n_weights):
    assert arch in ARCHITECTURES
    net = build_network(arch, shape, 10, 2, rng=0)
    assert net.n_weights == n_weights
    assert net.predict(np.zeros((2, *shape))).shape == (2, 10)


def test_mlp_is_the_dense_network():
    # MLP and the Network of the same Dense layers: same factors from the same seed, same outputs.
    mlp = MLP([6, 5, 3], 3, rng=4)
    net = Network([Dense(5), Dense(3)], (6,), 3, rng=4)
    X = np.random.default_rng(0).normal(size=(7, 6))
    for a, b in zip(mlp.params, net.params):
        np.testing.assert_array_equal(a["factors"], b["factors"])
    np.testing.assert_array_equal(mlp.predict(X), net.predict(X))


def test_flat_rows_are_reshaped_to_the_input_shape():
    net = build_network("lenet5", (1, 8, 8), 10, 2, rng=0)
    X = np.random.default_rng(1).random((4, 64))
    np.testing.assert_array_equal(net.predict(X), net.predict(X.reshape(4, 1, 8, 8)))


def test_cnn_trains_on_digits():
    # A short run of the 8×8 LeNet-5 (D = 1) must learn: test accuracy well above chance (0.1).
    data = load_digits_split(0)
    net = build_network("lenet5", (1, 8, 8), 10, 1, rng=0, init="standard", dtype=np.float32)
    hist = train(net, data, lam=0.0, lr=0.1, epochs=6, batch_size=64)
    assert hist.status == "ok"
    assert hist.final.test_accuracy > 0.8


def test_model_spec_builds_the_same_network_as_build_network():
    spec = ModelSpec("cnn1d", (1, 40), 10, dtype="float64")
    a, b = spec.build(2, 3), build_network("cnn1d", (1, 40), 10, 2, rng=3, dtype=np.float64)
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p["factors"], q["factors"])
    assert spec.name == "cnn1d" and a.name == "cnn1d"


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: build_network("resnet", (1, 8, 8), 10, 2), ValueError, "lenet300"),
        (lambda: build_network("lenet5", (64,), 10, 2), ValueError, "image inputs"),
        (lambda: build_network("cnn1d", (1, 8, 8), 10, 2), ValueError, "sequence inputs"),
        (lambda: Network([Dense(3)], (1, 8, 8), 2), ValueError, "Flatten"),
        (lambda: Network([Conv2d(2, 9), Flatten(), Dense(3)], (1, 8, 8), 2), ValueError, "kernel larger"),
        (lambda: Network([Conv1d(2, 3)], (1, 8), 2), ValueError, "end with a Dense"),
        (lambda: Network([Conv2d(2, 3), Flatten(), Dense(3)], (1, 8), 2), ValueError, "spatial axes"),
        (lambda: Network([MaxPool(4), Flatten(), Dense(3)], (1, 3, 3), 2), ValueError, "MaxPool"),
        (lambda: Network(["dense"], (4,), 2), TypeError, "layers\\[0\\]"),
        (lambda: Conv2d(0, 3), ValueError, "channels"),
        (lambda: Conv1d(2, 3, stride=1.5), ValueError, "stride"),
        (lambda: MaxPool(True), TypeError, "size"),
        (lambda: ModelSpec("lenet5", (40,), 10), ValueError, "image inputs"),
        (lambda: ModelSpec([], (40,), 10), TypeError, "arch"),
        (lambda: build_network("lenet300", (1, 8, 8), 10, 2).predict(np.zeros((2, 65))), ValueError, "X must"),
    ],
)
def test_bad_networks_raise_clear_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_max_pool_derivative_shares_ties_like_autograds_max(dtype):
    # The pooling primitive's derivative against autograd's rule for np.max over each window (the gradient of a
    # window split equally among its maximal entries), on inputs with many ties and a row dropped by the pooling,
    # in the input's dtype; and its second derivative (through the derivative's adjoint) against the same rule.
    import autograd
    import autograd.numpy as anp

    from dwf_theory.trainer.ops import max_pool

    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, size=(2, 3, 5, 4)).astype(dtype)  # (C, n, H, W): values in {0, 1, 2}, ties everywhere
    v = rng.normal(size=(2, 3, 2, 2)).astype(dtype)

    def by_windows(x):
        return anp.max(anp.reshape(x[:, :, :4, :], (2, 3, 2, 2, 2, 2)), axis=(3, 5))

    got, ref = (autograd.grad(lambda x, f=f: anp.sum(f(x) * v))(x) for f in (lambda x: max_pool(x, 2), by_windows))
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, ref.astype(dtype))
    assert np.all(got[:, :, 4, :] == 0)
    u = rng.normal(size=x.shape).astype(dtype)
    second = [
        autograd.grad(lambda w, f=f: anp.sum(autograd.grad(lambda x: anp.sum(f(x) * w))(x) * u))(v)
        for f in (lambda x: max_pool(x, 2), by_windows)
    ]
    np.testing.assert_allclose(second[0], second[1], rtol=1e-6, atol=0)
