"""dwf_theory.torch against independent references.

* the reference trainer (NumPy + autograd, its own forward pass and chain rule) for MLPs:
  loss, every gradient, and SGD steps with and without momentum;
* for CNNs (the reference trainer has no convolutions): an ordinary torch model holding the collapsed
  weights ``W = Π_d ω_d`` computed in NumPy, chained to the factors by hand with
  ``∂F/∂ω_d = ∂L/∂W ⊙ Π_{k≠d} ω_k + (2λ/D) ω_d``, and central finite differences;
* the exact one-step imbalance map ``δ ↦ δ[(1 − 2ηλ/D)² − η² G² Π_{j≠d,k} ω_j²]`` (derived here from the
  gradient-descent step; momentum 0).

Skipped when torch is not installed.
"""

from __future__ import annotations

import ast
import copy
import doctest
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.utils import parametrize  # noqa: E402

import dwf_theory.torch as dt  # noqa: E402
from dwf_theory.initialization import init_factors  # noqa: E402
from dwf_theory.penalty import leave_one_out_products  # noqa: E402
from dwf_theory.trainer import MLP, sgd_momentum_step, value_and_grad  # noqa: E402
from dwf_theory.trainer import sparsity_report as trainer_report  # noqa: E402

REL = 1e-10  # float64 agreement (relative to the largest entry of the reference)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # These networks are tiny: with a second thread on a busy machine, each op waits for it (50x slower).
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def rel_err(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def numpy_of(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def sequential_mlp(sizes, dtype=torch.float64) -> nn.Sequential:
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def mlp_pair(sizes, D, seed, *, bias_scale=0.1):
    """A reference MLP and the factorized torch network with the same factors and (random) biases."""
    ref = MLP(sizes, D, rng=seed)
    rng = np.random.default_rng(seed + 100)
    for p in ref.params:
        p["bias"] = bias_scale * rng.standard_normal(p["bias"].shape)
    net = dt.factorize(sequential_mlp(sizes), D, rng=seed)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for lin, p in zip(linears, ref.params):
            lin.bias.copy_(torch.from_numpy(p["bias"]))
    return ref, net, linears


def data(sizes, n, seed):
    rng = np.random.default_rng(seed + 200)
    return rng.standard_normal((n, sizes[0])), rng.integers(0, sizes[-1], n)


def torch_objective(net, X, y, lam):
    out = net(torch.from_numpy(X))
    return nn.functional.cross_entropy(out, torch.from_numpy(y)) + dt.dwf_penalty(net, lam)


# --- initialization ---------------------------------------------------------------------------------


@pytest.mark.parametrize("D", [1, 2, 3, 4])
def test_linear_factors_are_the_reference_mlps(D):
    # Same rng → the reference trainer's factors (its layout (in, out) is the transpose of nn.Linear's).
    ref = MLP([7, 5, 3], D, rng=11)
    net = dt.factorize(sequential_mlp([7, 5, 3]), D, rng=11)
    for factors, p in zip(dt.factorized_layers(net).values(), ref.params):
        assert len(factors) == D
        for d, f in enumerate(factors):
            np.testing.assert_array_equal(numpy_of(f), p["factors"][d].T)


def test_conv_factors_follow_init_factors_at_torchs_fan_in():
    # Fan-in from torch.nn.init (independent of the module's own computation); truncation bounds hold.
    net = nn.Sequential(nn.Conv2d(3, 4, (3, 2)), nn.Conv1d(4, 2, 5, dtype=torch.float64))
    dt.factorize(net, 3, rng=7, eps=1e-3)
    gen = np.random.default_rng(7)
    for layer, factors in zip(net, dt.factorized_layers(net).values()):
        fan_in, _ = nn.init._calculate_fan_in_and_fan_out(layer.weight)
        sigma = np.sqrt(2.0 / fan_in)
        expected = init_factors(
            tuple(layer.weight.shape), 3, "varmatch-truncated", sigma, rng=gen, eps=min(1e-3, sigma / 2)
        )
        got = np.stack([numpy_of(f) for f in factors])
        np.testing.assert_allclose(got, expected.astype(got.dtype), rtol=0, atol=0)
        w = np.abs(np.prod(got.astype(float), axis=0))
        assert np.all(np.abs(got) < 1) and np.all(w > 1e-3 * (1 - 1e-6)) and np.all(w < 2 * sigma * (1 + 1e-6))


def test_factorize_keeps_bias_and_other_parameters_and_exclude():
    net = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Sequential(nn.Linear(3, 2)), nn.Linear(2, 2))
    bias0 = net[0].bias.detach().clone()
    dt.factorize(net, 2, rng=0, exclude=["2", net[3]])
    assert list(dt.factorized_layers(net)) == ["0"]
    assert torch.equal(net[0].bias, bias0)
    assert isinstance(net[2][0].weight, nn.Parameter) and isinstance(net[3].weight, nn.Parameter)


def test_factorize_keeps_requires_grad_and_param_groups_skip_frozen_parameters():
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 2))
    net[0].weight.requires_grad_(False)
    net[1].bias.requires_grad_(False)
    dt.factorize(net, 2, rng=0)
    found = dt.factorized_layers(net)
    assert not any(f.requires_grad for f in found["0"]) and all(f.requires_grad for f in found["1"])
    groups = dt.param_groups(net, 0.1)
    assert groups == [{"params": list(found["1"]), "weight_decay": 0.1}, {"params": [net[0].bias], "weight_decay": 0.0}]


# --- agreement with the reference trainer (MLP) ------------------------------------------------------


@pytest.mark.parametrize("D", [1, 2, 3, 4])
def test_mlp_loss_and_gradients_equal_the_reference_trainer(D):
    sizes, lam = [6, 5, 4, 3], 0.03
    ref, net, linears = mlp_pair(sizes, D, seed=D)
    X, y = data(sizes, 9, seed=D)
    loss_ref, grads_ref = value_and_grad(ref, ref.params, X, y, lam)
    F = torch_objective(net, X, y, lam)
    F.backward()
    assert rel_err(F.item(), loss_ref) <= REL
    factors = dt.factorized_layers(net)
    for lin, fs, g in zip(linears, factors.values(), grads_ref):
        for d, f in enumerate(fs):
            assert rel_err(numpy_of(f.grad), g["factors"][d].T) <= REL, (D, d)
        assert rel_err(numpy_of(lin.bias.grad), g["bias"]) <= REL


@settings(max_examples=12, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4),
    D=st.integers(1, 4),
    seed=st.integers(0, 50),
    lam=st.sampled_from([0.0, 0.01, 0.5]),
)
def test_mlp_agreement_over_shapes_and_depths(sizes, D, seed, lam):
    sizes[-1] = max(sizes[-1], 2)
    ref, net, _ = mlp_pair(sizes, D, seed)
    X, y = data(sizes, 5, seed)
    loss_ref, grads_ref = value_and_grad(ref, ref.params, X, y, lam)
    F = torch_objective(net, X, y, lam)
    F.backward()
    assert rel_err(F.item(), loss_ref) <= REL
    for fs, g in zip(dt.factorized_layers(net).values(), grads_ref):
        got = np.stack([numpy_of(f.grad).T for f in fs])
        assert np.max(np.abs(got - g["factors"])) <= REL * max(np.max(np.abs(g["factors"])), 1.0)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
@pytest.mark.parametrize("D", [2, 3])
def test_sgd_steps_land_on_the_reference_trainers_factors(D, momentum):
    # torch.optim.SGD with param_groups (weight decay 2λ/D, no explicit penalty) against the trainer's
    # objective gradient (penalty included) and its SGD step; three steps so that momentum matters.
    sizes, lam, lr = [6, 5, 3], 0.05, 0.2
    ref, net, linears = mlp_pair(sizes, D, seed=3)
    opt = torch.optim.SGD(dt.param_groups(net, lam), lr=lr, momentum=momentum)
    velocity = [{k: np.zeros_like(a) for k, a in p.items()} for p in ref.params]
    for step in range(3):
        X, y = data(sizes, 8, seed=step)
        _, grads = value_and_grad(ref, ref.params, X, y, lam)
        sgd_momentum_step(ref.params, grads, velocity, lr, momentum)
        opt.zero_grad()
        nn.functional.cross_entropy(net(torch.from_numpy(X)), torch.from_numpy(y)).backward()
        opt.step()
    for lin, fs, p in zip(linears, dt.factorized_layers(net).values(), ref.params):
        got = np.stack([numpy_of(f).T for f in fs])
        assert rel_err(got, p["factors"]) <= REL
        assert rel_err(numpy_of(lin.bias), p["bias"]) <= REL


def test_weight_decay_groups_equal_the_explicit_penalty():
    net = dt.factorize(
        nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Conv1d(1, 2, 2)), 3, rng=1, layers=(nn.Linear,)
    ).double()
    lam = 0.07
    groups = dt.param_groups(net, lam)
    factors = dt.factorized_layers(net)["0"]
    assert groups[0]["weight_decay"] == pytest.approx(2 * lam / 3, rel=1e-15)
    assert {id(p) for p in groups[0]["params"]} == {id(f) for f in factors}
    rest = {id(p) for p in groups[1]["params"]}
    assert rest == {id(net[0].bias), id(net[2].weight), id(net[2].bias)} and groups[1]["weight_decay"] == 0.0
    grads = torch.autograd.grad(dt.dwf_penalty(net, lam), factors)
    for f, g in zip(factors, grads):
        assert rel_err(numpy_of(g), groups[0]["weight_decay"] * numpy_of(f)) <= 1e-14
    # the penalty's value: (λ/D) Σ_d ‖ω_d‖² computed in NumPy
    expected = lam / 3 * sum(np.sum(numpy_of(f) ** 2) for f in factors)
    assert rel_err(dt.dwf_penalty(net, lam).item(), expected) <= 1e-14


def test_penalty_and_weight_decay_give_the_same_momentum_steps():
    X = torch.randn(10, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    y = torch.arange(10) % 3
    base = dt.factorize(sequential_mlp([5, 4, 3]), 3, rng=2)
    a, b = base, copy.deepcopy(base)
    lam = 0.1
    opt_a = torch.optim.SGD(dt.param_groups(a, lam), lr=0.3, momentum=0.9)
    opt_b = torch.optim.SGD(b.parameters(), lr=0.3, momentum=0.9)
    for _ in range(3):
        opt_a.zero_grad()
        nn.functional.cross_entropy(a(X), y).backward()
        opt_a.step()
        opt_b.zero_grad()
        (nn.functional.cross_entropy(b(X), y) + dt.dwf_penalty(b, lam)).backward()
        opt_b.step()
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb and rel_err(numpy_of(pa), numpy_of(pb)) <= 1e-12


# --- CNNs: collapsed chain rule and finite differences ------------------------------------------------


def small_cnn():
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)  # nn.Module default init of biases (overwritten below anyway)
    net = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1),
        nn.Tanh(),
        nn.Conv2d(3, 4, 3, stride=2),
        nn.Tanh(),
        nn.Flatten(),
        nn.Unflatten(1, (4, 9)),
        nn.Conv1d(4, 2, 3),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(14, 3),
    ).double()
    with torch.no_grad():
        for m in net:
            if getattr(m, "bias", None) is not None:
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g, dtype=torch.float64))
    X = torch.randn(5, 2, 8, 8, generator=g, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 1, 0])
    return net, X, y


@pytest.mark.parametrize("D", [1, 2, 3, 4])
def test_cnn_factor_gradients_follow_the_collapsed_chain_rule(D):
    lam = 0.04
    plain, X, y = small_cnn()
    net = dt.factorize(copy.deepcopy(plain), D, rng=D)
    F = nn.functional.cross_entropy(net(X), y) + dt.dwf_penalty(net, lam)
    F.backward()
    found = dt.factorized_layers(net)
    assert list(found) == ["0", "2", "6", "9"]
    # the ordinary model with the collapsed weights, computed in NumPy
    numpy_factors = {name: np.stack([numpy_of(f) for f in fs]) for name, fs in found.items()}
    with torch.no_grad():
        for name, fs in numpy_factors.items():
            plain.get_submodule(name).weight.copy_(torch.from_numpy(np.prod(fs, axis=0)))
    L = nn.functional.cross_entropy(plain(X), y)
    L.backward()
    assert rel_err(F.item(), L.item() + lam / D * sum(np.sum(fs**2) for fs in numpy_factors.values())) <= REL
    for name, fs in found.items():
        G = numpy_of(plain.get_submodule(name).weight.grad)
        expected = G * leave_one_out_products(numpy_factors[name]) + 2 * lam / D * numpy_factors[name]
        got = np.stack([numpy_of(f.grad) for f in fs])
        assert rel_err(got, expected) <= REL, name
        bias_grads = [numpy_of(m.get_submodule(name).bias.grad) for m in (net, plain)]
        assert rel_err(*bias_grads) <= REL


def test_cnn_factor_gradients_match_central_differences():
    # F(ω) in float64, h = 1e-5: truncation O(h²) ≈ 1e-10 and rounding ≈ 1e-16/h ≈ 1e-11 (measured 4e-11).
    D, lam, h = 3, 0.04, 1e-5
    net, X, y = small_cnn()
    dt.factorize(net, D, rng=5)

    def objective():
        return (nn.functional.cross_entropy(net(X), y) + dt.dwf_penalty(net, lam)).item()

    F = nn.functional.cross_entropy(net(X), y) + dt.dwf_penalty(net, lam)
    F.backward()
    rng = np.random.default_rng(0)
    worst = 0.0
    with torch.no_grad():
        for fs in dt.factorized_layers(net).values():
            for f in fs:
                flat = f.view(-1)
                for j in rng.choice(flat.numel(), size=min(4, flat.numel()), replace=False):
                    old = flat[j].item()
                    flat[j] = old + h
                    up = objective()
                    flat[j] = old - h
                    down = objective()
                    flat[j] = old
                    fd = (up - down) / (2 * h)
                    worst = max(worst, abs(fd - f.grad.view(-1)[j].item()) / max(1.0, abs(fd)))
    assert worst <= 1e-8


# --- the imbalance map ---------------------------------------------------------------------------------


@pytest.mark.parametrize("D", [2, 3, 4])
def test_imbalance_after_one_step_follows_the_exact_map(D):
    # ω_d' = (1 − 2ηλ/D) ω_d − η G Π_{k≠d} ω_k, so ω_d'² − ω_k'² = δ_dk [(1 − 2ηλ/D)² − η² G² Π_{j≠d,k} ω_j²]
    # (the cross terms cancel because ω_d Π_{k≠d} ω_k = W for every d). G = ∂L/∂W from the plain model.
    lam, lr = 0.3, 0.5
    plain, X, y = small_cnn()
    net = dt.factorize(copy.deepcopy(plain), D, rng=D)
    before = {name: np.stack([numpy_of(f) for f in fs]) for name, fs in dt.factorized_layers(net).items()}
    with torch.no_grad():
        for name, fs in before.items():
            plain.get_submodule(name).weight.copy_(torch.from_numpy(np.prod(fs, axis=0)))
    nn.functional.cross_entropy(plain(X), y).backward()
    opt = torch.optim.SGD(dt.param_groups(net, lam), lr=lr, momentum=0.0)
    nn.functional.cross_entropy(net(X), y).backward()
    opt.step()
    shrink = (1 - 2 * lr * lam / D) ** 2
    for name, fs in dt.factorized_layers(net).items():
        G = numpy_of(plain.get_submodule(name).weight.grad)
        w0 = before[name]
        w1 = np.stack([numpy_of(f) for f in fs])
        for d in range(D):
            for k in range(d + 1, D):
                rest = np.prod(np.delete(w0, [d, k], axis=0), axis=0) if D > 2 else 1.0
                delta = w0[d] ** 2 - w0[k] ** 2
                predicted = delta * (shrink - lr**2 * G**2 * rest**2)
                actual = w1[d] ** 2 - w1[k] ** 2
                assert np.max(np.abs(actual - predicted)) <= 1e-12 * max(np.max(np.abs(delta)), 1e-3), (name, d, k)


# --- collapse and the sparsity report -------------------------------------------------------------------


def test_collapse_gives_an_ordinary_module_with_exact_zeros():
    net, X, _ = small_cnn()
    dt.factorize(net, 3, rng=0)
    products = {name: np.prod([numpy_of(f) for f in fs], axis=0) for name, fs in dt.factorized_layers(net).items()}
    exact = dt.collapse(net, zero_tol=0.0)
    assert rel_err(numpy_of(exact(X)), numpy_of(net(X))) <= 1e-13
    tol = float(np.sort(np.abs(np.concatenate([p.ravel() for p in products.values()])))[100])  # an entry: |w| = tol
    small = dt.collapse(net, zero_tol=tol)
    assert not any(parametrize.is_parametrized(m) for m in small.modules())
    assert not any("parametrizations" in k for k in small.state_dict())
    assert all(type(m) is parametrize.type_before_parametrizations(n) for m, n in zip(small, net))
    assert type(small[0]) is nn.Conv2d and type(small[9]) is nn.Linear
    for name, W in products.items():
        got = numpy_of(small.get_submodule(name).weight)
        np.testing.assert_array_equal(got, np.where(np.abs(W) <= tol, 0.0, W))
    # the factorized module is untouched and still works
    assert dt.factorized_layers(net) and rel_err(numpy_of(net(X)), numpy_of(exact(X))) <= 1e-13
    # the report of the collapsed module counts by hand
    rep = dt.sparsity_report(small, tol)
    nnz = [int(np.count_nonzero(np.abs(W) > tol)) for W in products.values()]
    assert rep.n_weights == sum(W.size for W in products.values()) and rep.n_nonzero == sum(nnz)
    assert rep.layer_density == tuple(k / W.size for k, W in zip(nnz, products.values()))
    assert rep.compression_ratio == rep.n_weights / rep.n_nonzero
    assert rep.layer_names == ("0", "2", "6", "9") and rep.collapsed_layers == () and not rep.layer_collapse
    assert dt.sparsity_report(net, tol) == rep


def test_sparsity_report_matches_the_trainers_and_names_collapsed_layers():
    net = dt.factorize(sequential_mlp([4, 3, 2]), 2, rng=0)
    with torch.no_grad():
        for f in dt.factorized_layers(net)["2"]:
            f.mul_(1e-3)  # every weight of layer '2' now below 1e-4 in magnitude
    rep = dt.sparsity_report(net, 1e-4)
    weights = [np.prod([numpy_of(f) for f in fs], axis=0) for fs in dt.factorized_layers(net).values()]
    ref = trainer_report(weights, 1e-4)
    assert all(getattr(rep, k) == getattr(ref, k) for k in ref.__dataclass_fields__)
    assert rep.collapsed_layers == ("2",) and rep.layer_collapse and rep.compression_ratio == 18 / 12
    assert rep.as_dict()["collapsed_layers"] == ["2"]


# --- dtype and device ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtype_and_device_are_preserved(dtype):
    net = nn.Sequential(nn.Conv2d(1, 2, 3, dtype=dtype), nn.Flatten(), nn.Linear(8, 3, dtype=dtype))
    dt.factorize(net, 3, rng=0)
    for fs in dt.factorized_layers(net).values():
        assert all(f.dtype == dtype and f.device.type == "cpu" for f in fs)
    X = torch.randn(2, 1, 4, 4, dtype=dtype)
    assert net(X).dtype == dtype
    small = dt.collapse(net, zero_tol=0.0)
    assert all(p.dtype == dtype for p in small.parameters())
    torch.optim.SGD(dt.param_groups(net, 1e-3), lr=0.1).step()


def test_nothing_is_moved_to_cpu():
    # The meta device holds shapes only: any hard-coded CPU tensor would fail or land elsewhere.
    net = nn.Sequential(nn.Linear(5, 4, device="meta"), nn.Conv1d(1, 2, 2, device="meta", dtype=torch.float64))
    dt.factorize(net, 2, rng=0)
    assert all(f.is_meta for fs in dt.factorized_layers(net).values() for f in fs)
    assert dt.dwf_penalty(net, 0.1).is_meta
    small = dt.collapse(net, zero_tol=1e-3)
    assert all(p.is_meta for p in small.parameters()) and small[1].weight.dtype == torch.float64
    with pytest.raises(ValueError, match="module"):
        dt.sparsity_report(net, 1e-3)


# --- bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "exc", "name"),
    [
        (lambda: dt.factorize(nn.Linear(2, 2), 0), ValueError, "D"),
        (lambda: dt.factorize(nn.Linear(2, 2), 1.5), ValueError, "D"),
        (lambda: dt.factorize(nn.Linear(2, 2), "3"), TypeError, "D"),
        (lambda: dt.factorize("net", 2), TypeError, "module"),
        (lambda: dt.factorize(nn.ReLU(), 2), ValueError, "module"),
        (lambda: dt.factorize(nn.Linear(2, 2), 2, exclude=[""]), ValueError, "module"),
        (lambda: dt.factorize(nn.Linear(2, 2), 2, init="he"), ValueError, "init"),
        (lambda: dt.factorize(nn.Linear(2, 2), 2, layers="Linear"), TypeError, "layers"),
        (lambda: dt.factorize(nn.BatchNorm1d(2), 2, layers=nn.BatchNorm1d), ValueError, "layers"),
        (lambda: dt.factorize(nn.Linear(2, 2), 2, exclude=["fc"]), ValueError, "exclude"),
        (lambda: dt.factorize(nn.Linear(2, 2), 2, exclude=[3]), TypeError, "exclude"),
        (lambda: dt.factorize(nn.Linear(2, 2), 2, rng=-1), ValueError, "rng"),
        (lambda: dt.factorize(nn.Linear(2, 2), 2, init_scale=0), ValueError, "init_scale"),
        (lambda: dt.factorize(nn.Linear(2, 2), 2, eps=-1), ValueError, "eps"),
        (lambda: dt.factorize(nn.LazyLinear(2), 2), ValueError, "module"),
        (lambda: dt.factorize(dt.factorize(nn.Linear(2, 2), 2, rng=0), 2), ValueError, "module"),
        (lambda: dt.collapse(nn.Linear(2, 2)), ValueError, "module"),
        (lambda: dt.collapse(dt.factorize(nn.Linear(2, 2), 2, rng=0), zero_tol=-1.0), ValueError, "zero_tol"),
        (lambda: dt.param_groups(nn.Linear(2, 2), 0.1), ValueError, "module"),
        (lambda: dt.param_groups(dt.factorize(nn.Linear(2, 2), 2, rng=0), -0.1), ValueError, "lam"),
        (lambda: dt.dwf_penalty(dt.factorize(nn.Linear(2, 2), 2, rng=0), float("nan")), ValueError, "lam"),
        (lambda: dt.sparsity_report(nn.ReLU(), 1e-3), ValueError, "module"),
        (lambda: dt.sparsity_report(nn.Linear(2, 2), "0"), TypeError, "zero_tol"),
    ],
)
def test_bad_input_names_the_argument(call, exc, name):
    with pytest.raises(exc, match=rf"\b{name}\b"):
        call()


# --- grouped factorization (whole units and filters) -------------------------------------------------------


@pytest.mark.parametrize("D", [1, 2, 3])
def test_grouped_linear_factors_loss_and_gradients_equal_the_reference_trainers(D):
    # Same rng → MLP(grouped=True)'s gates and (transposed) vectors; then loss and every gradient agree.
    sizes, lam = [6, 5, 4, 3], 0.03
    ref = MLP(sizes, D, rng=D, grouped=True)
    net = dt.factorize(sequential_mlp(sizes), D, rng=D, grouped=True, exclude=["4"])  # the output layer plain
    factors = list(dt.factorized_layers(net).values())
    assert [type(m.parametrizations.weight[0]).__name__ for m in (net[0], net[2])] == ["GroupProduct"] * 2
    for fs, p in zip(factors, ref.params[:2], strict=True):
        for d in range(D - 1):
            np.testing.assert_array_equal(numpy_of(fs[d]), p["gates"][d])
        np.testing.assert_array_equal(numpy_of(fs[-1]), p["vector"].T)
    # The output layer: the reference's collapsed weight, held as the factors (W, 1, …, 1), whose
    # penalty is subtracted (torch's output layer is plain); every bias is random and shared.
    W_out = np.prod(ref.params[2]["factors"], axis=0)
    ref.params[2]["factors"] = np.concatenate([W_out[None], np.ones((D - 1, *W_out.shape))])
    rng = np.random.default_rng(D)
    with torch.no_grad():
        net[4].weight.copy_(torch.from_numpy(W_out.T))
        for p, layer in zip(ref.params, (net[0], net[2], net[4]), strict=True):
            p["bias"] = 0.1 * rng.standard_normal(p["bias"].shape)
            layer.bias.copy_(torch.from_numpy(p["bias"]))
    X, y = data(sizes, 9, seed=D)
    loss_ref, grads_ref = value_and_grad(ref, ref.params, X, y, lam)
    loss_ref -= lam * float(np.sum(ref.params[2]["factors"] ** 2)) / D
    F = nn.functional.cross_entropy(net(torch.from_numpy(X)), torch.from_numpy(y)) + dt.dwf_penalty(net, lam)
    F.backward()
    assert rel_err(F.item(), loss_ref) <= REL
    for fs, g, layer in zip(factors, grads_ref[:2], (net[0], net[2]), strict=True):
        for d in range(D - 1):
            assert rel_err(numpy_of(fs[d].grad), g["gates"][d]) <= REL
        assert rel_err(numpy_of(fs[-1].grad), g["vector"].T) <= REL
        assert rel_err(numpy_of(layer.bias.grad), g["bias"]) <= REL


def test_grouped_conv_and_penalty_switch_filters_off():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(2, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 4 * 4, 3))
    dt.factorize(net, 3, rng=0, grouped=True)
    (gates1, gates2, vector), _ = dt.factorized_layers(net).values()
    assert gates1.shape == (4,) and vector.shape == (4, 2, 3, 3)
    # balanced at the start: the decay (λ/D)Σ squares equals λ Σ_g ‖W_g‖^{2/D} of the collapsed weights
    lam = 0.1
    norms = [w.detach().flatten(1).norm(dim=1) for w in (net[0].weight, net[3].weight)]
    closed = lam * sum(float((n ** (2 / 3)).sum()) for n in norms)
    assert dt.dwf_penalty(net, lam).item() == pytest.approx(closed, rel=1e-6)  # float32 weights
    # a filter with zero gates is a zero row of the collapsed weight, and collapse keeps it exactly zero
    with torch.no_grad():
        gates1[1] = 0.0
    small = dt.collapse(net, zero_tol=0.0)
    assert torch.all(small[0].weight[1] == 0) and torch.all(small[0].weight[0] != 0)
    assert isinstance(small[0], nn.Conv2d) and not dt.factorized_layers(small)
    # right_inverse: assigning a weight stores its balanced factorization
    W = torch.randn(4, 2, 3, 3, dtype=torch.float64)
    W[2] = 0.0
    g1, g2, v = dt.GroupProduct(3).right_inverse(W)
    assert torch.allclose(dt.GroupProduct(3)(g1, g2, v), W, rtol=1e-14, atol=0)
    assert torch.allclose(g1**2, v.flatten(1).norm(dim=1) ** 2, rtol=1e-13) and torch.all(g1[2] == 0)
    with pytest.raises(TypeError, match="grouped"):
        dt.factorize(nn.Linear(2, 2), 2, grouped="yes")


# --- the package boundary and the documented example -----------------------------------------------------


def test_nothing_else_imports_torch():
    # Every import statement of the package (module level or inside functions), read from the source.
    package = Path(dt.__file__).resolve().parent
    offenders = []
    for path in package.rglob("*.py"):
        if path == Path(dt.__file__).resolve():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):  # `from torch…`, `from .torch import …`, `from .. import torch`
                names = [node.module or ""]
                if node.level and node.module is None:
                    names += [a.name for a in node.names]
            else:
                continue
            if any(n == "torch" or n.startswith("torch.") for n in names):
                offenders.append(f"{path.relative_to(package)}:{node.lineno}")
    assert not offenders, offenders


def test_module_docstring_example_runs():
    result = doctest.testmod(dt, raise_on_error=False, verbose=False)
    assert result.attempted >= 4 and result.failed == 0
