"""The pruning baselines (dwf_theory.trainer.pruning) against independent computations.

* SNIP ``|g ⊙ w|`` and GraSP ``−w ⊙ Hg`` scores against a PyTorch re-implementation in float64
  (torch's own convolution, pooling and double backward), and GraSP's ``Hg`` against central finite
  differences of the gradient;
* SynFlow scores: the neuron-wise and network-wise conservation of synaptic saliency (Tanaka et al.,
  NeurIPS 2020): per hidden neuron (per channel of a convolution) the summed scores of the incoming
  weights equal those of the outgoing weights, and every layer's total equals ``R = 1ᵀ(Π|W_l|)1``
  (computed here by matrix products or by torch);
* every pruner keeps ``round(N / compression)`` weights, counted by the trainer's sparsity metrics,
  on an MLP and on a CNN; layer collapse; the cubic schedule of gradual magnitude pruning;
* the trainer hooks the baselines use (an extra penalty, per-epoch masks) against finite differences;
* bad input.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from torch_reference import torch_logits

from dwf_theory.trainer import (
    PRUNERS,
    Conv1d,
    Conv2d,
    Dense,
    Flatten,
    MaxPool,
    ModelSpec,
    Network,
    load_digits_split,
    prune_and_train,
    train,
)
from dwf_theory.trainer import pruning as P
from dwf_theory.trainer.objective import _fast_value_and_grad, _prepare_targets

REL = 1e-12  # float64 agreement with torch (relative to the largest entry of the reference)
FD_REL = 1e-8  # central differences, step 1e-5: truncation O(h²) and rounding ε/h, both ≈ 1e-10


def rel_err(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


MLP_LAYERS = (Dense(7), Dense(5), Dense(3))
CNN_LAYERS = (Conv2d(3, 3, padding=1), MaxPool(2), Conv2d(4, 3, stride=2, padding=1), Flatten(), Dense(6), Dense(3))
CNN1D_LAYERS = (Conv1d(3, 5, stride=2, padding=1), Conv1d(4, 3, padding=1), MaxPool(2), Flatten(), Dense(3))
NETS = {"mlp": (MLP_LAYERS, (6,)), "cnn2d": (CNN_LAYERS, (2, 8, 8)), "cnn1d": (CNN1D_LAYERS, (2, 14))}


def plain(name, seed=0):
    """A float64 D = 1 network with He initialization and small nonzero biases, inputs and one-hot targets."""
    layers, shape = NETS[name]
    net = Network(list(layers), shape, 1, init="standard", rng=seed)
    rng = np.random.default_rng(seed + 1)
    W = net.weights()
    b = [0.1 * rng.standard_normal(p["bias"].shape) for p in net.params]
    X = rng.standard_normal((9, *shape))
    y = np.arange(9) % net.n_outputs
    return net, W, b, X, y, _prepare_targets(net, y, 9).astype(float)


# ---------------------------------------------------------------------------
# PyTorch re-implementation of the forward pass (torch's conv and pooling; dense weights (n_in, n_out))


def torch_forward(net, Ws, bs, X):
    return torch_logits(net.layers, Ws, bs, X)


def torch_scores(net, W, b, X, y, temperature):
    """SNIP ``|g ⊙ w|`` and GraSP ``−w ⊙ Hg`` (the reference implementation's double backward) in torch."""
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    Ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in W]
    bs = [torch.tensor(a, dtype=torch.float64) for a in b]
    Xt, yt = torch.tensor(X, dtype=torch.float64), torch.tensor(y)
    g = torch.autograd.grad(F.cross_entropy(torch_forward(net, Ws, bs, Xt), yt), Ws)
    snip = [(gi * w).abs().detach().numpy() for gi, w in zip(g, Ws)]
    loss = lambda: F.cross_entropy(torch_forward(net, Ws, bs, Xt) / temperature, yt)  # noqa: E731
    g_fixed = [gi.detach() for gi in torch.autograd.grad(loss(), Ws)]
    g_graph = torch.autograd.grad(loss(), Ws, create_graph=True)
    hg = torch.autograd.grad(sum((a * c).sum() for a, c in zip(g_fixed, g_graph)), Ws)
    grasp = [(-w * h).detach().numpy() for w, h in zip(Ws, hg)]
    return snip, grasp


@pytest.mark.parametrize("name", sorted(NETS))
def test_snip_and_grasp_scores_match_pytorch(name):
    net, W, b, X, y, T = plain(name)
    for temperature in (1.0, 200.0):
        snip_ref, grasp_ref = torch_scores(net, W, b, X, y, temperature)
        snip = P._snip_scores(net, W, b, X, T)
        grasp = P._grasp_scores(net, W, b, X, T, temperature)
        for ours, ref in zip(snip + grasp, snip_ref + grasp_ref):
            assert rel_err(ours, ref) <= REL  # measured: ≤ 7e-16 (SNIP), ≤ 1.4e-15 (GraSP)


@pytest.mark.parametrize("name", sorted(NETS))
def test_grasp_hessian_gradient_product_matches_central_differences(name):
    # Hg = lim (∇L(W + εg) − ∇L(W − εg)) / 2ε with g = ∇L(W): the directional derivative of the gradient.
    import autograd

    net, W, b, X, y, T = plain(name, seed=3)
    temperature, eps = 3.0, 1e-5
    grad = autograd.grad(P._loss)
    g = grad(W, b, net, X, T, temperature)
    plus = grad([w + eps * gi for w, gi in zip(W, g)], b, net, X, T, temperature)
    minus = grad([w - eps * gi for w, gi in zip(W, g)], b, net, X, T, temperature)
    hg_fd = [(p - m) / (2 * eps) for p, m in zip(plus, minus)]
    scores = P._grasp_scores(net, W, b, X, T, temperature)
    for s, w, h in zip(scores, W, hg_fd):
        assert rel_err(s, -w * h) <= FD_REL  # measured: ≤ 6e-11


# ---------------------------------------------------------------------------
# SynFlow: conservation laws


def incoming_outgoing(S):
    """Per hidden unit (channel of a convolution): summed scores of its incoming and of its outgoing weights.

    Dense weights are ``(n_in, n_out)``, kernels ``(C_out, C_in, *k)``; a dense layer after a
    convolution reads the channels-first flattening, so its rows group by channel.
    """
    out = []
    for k in range(len(S) - 1):
        inc = S[k].sum(axis=0) if S[k].ndim == 2 else S[k].reshape(S[k].shape[0], -1).sum(axis=1)
        nxt = S[k + 1]
        if nxt.ndim == 2:
            outg = nxt.reshape(inc.size, -1).sum(axis=1)
        else:
            outg = nxt.sum(axis=tuple(i for i in range(nxt.ndim) if i != 1))
        out.append((inc, outg))
    return out


def reference_flow(net, W, masks):
    """``R = 1ᵀ Π|W_l ⊙ m_l| 1``: matrix products for an MLP, torch's forward on an all-ones input otherwise."""
    A = [np.abs(w) * m for w, m in zip(W, masks)]
    if all(isinstance(s, Dense) for s in net.layers):
        v = np.ones(net.input_shape[0])
        for a in A:
            v = v @ a
        return float(v.sum())
    torch = pytest.importorskip("torch")
    Ws = [torch.tensor(a) for a in A]
    bs = [torch.zeros(p["bias"].shape, dtype=torch.float64) for p in net.params]
    return float(torch_forward(net, Ws, bs, torch.ones((1, *net.input_shape), dtype=torch.float64)).sum())


@pytest.mark.parametrize("name", sorted(NETS))
@pytest.mark.parametrize("masked", [False, True])
def test_synflow_scores_obey_the_conservation_laws(name, masked):
    net, W, *_ = plain(name, seed=5)
    rng = np.random.default_rng(7)
    masks = [rng.random(w.shape) < 0.7 for w in W] if masked else [np.ones(w.shape, bool) for w in W]
    S = P._synflow_scores(net, W, masks if masked else None)
    assert all(np.all(s >= 0) for s in S) and all(np.all(s[~m] == 0) for s, m in zip(S, masks))
    R = reference_flow(net, W, masks)
    assert R > 0
    for s in S:  # every layer's total is R (R is homogeneous of degree 1 in each layer's weights)
        assert abs(s.sum() - R) <= 1e-13 * R  # measured: ≤ 2.1e-16 relative
    pairs = incoming_outgoing(S)
    assert len(pairs) == len(W) - 1
    for inc, outg in pairs:  # per neuron / channel: incoming = outgoing
        assert inc.shape == outg.shape and np.max(np.abs(inc - outg)) <= 1e-13 * R  # measured: ≤ 7e-17 R


def test_synflow_keeps_an_exponential_schedule():
    N, n_keep, n = 1000, 10, 100
    kept = P._synflow_keep(N, n_keep, n)
    assert len(kept) == n and kept[-1] == n_keep
    for k, c in enumerate(kept, start=1):
        assert abs(c - N * (n_keep / N) ** (k / n)) <= 0.5
    assert all(a >= b for a, b in zip(kept, kept[1:]))


# ---------------------------------------------------------------------------
# end to end: compression, ranking, collapse, schedule


@pytest.fixture(scope="module")
def digits():
    X, y, Xt, yt = load_digits_split(0)
    return X[:300], y[:300], Xt[:120], yt[:120]


MLP_SPEC = ModelSpec((Dense(12), Dense(10)), (64,), 10)
CNN_SPEC = ModelSpec((Conv2d(3, 3, padding=1), MaxPool(2), Flatten(), Dense(10)), (1, 8, 8), 10)


def options(name):
    return dict(lam=1e-3) if name in ("l1", "lq") else {}


@pytest.mark.parametrize("spec, compression", [(MLP_SPEC, 7.3), (CNN_SPEC, 12.0)], ids=["mlp", "cnn"])
def test_every_pruner_hits_its_compression(spec, compression, digits):
    N = spec.build(1, 0).n_weights
    for name in PRUNERS:
        out = prune_and_train(name, spec, digits, compression, epochs=2, lr=0.05, zero_tol=0.0, **options(name))
        # zero_tol = 0: the trainer's metrics count every exactly nonzero weight of the final network
        assert out["n_nonzero"] == out["n_kept"] == round(N / compression), name
        assert abs(out["n_kept"] - N / compression) <= 0.5 and sum(out["layer_kept"]) == out["n_kept"]
        assert out["n_weights"] == N and out["method"] == name and out["target_compression"] == compression
        assert out["epochs"] == 2 and sum(out["epoch_split"].values()) == 2, name  # the same budget
        assert out["status"] == "ok" and out["layer_collapse"] is False


def _run_at_init(name, spec, data, compression, seed=0, **opts):
    """The mask of an at-init method and the weights it scored (the initialization)."""
    run = P._setup(
        name,
        spec,
        data,
        compression,
        rng=seed,
        epochs=1,
        lr=0.05,
        batch_size=64,
        momentum=0.9,
        schedule="cosine",
        lam=0.0,
        zero_tol=0.0,
    )
    W0 = [w.astype(float) for w in run.model.weights()]
    b0 = [p["bias"].astype(float) for p in run.model.params]
    X, T = run.score_batch(10, np.random.default_rng([seed, 2]))
    masks = getattr(P, f"_{name}")(run, **opts)[1]
    return run, W0, b0, X, T, masks


@pytest.mark.parametrize("name", ["snip", "grasp"])
def test_snip_keeps_highest_and_grasp_prunes_highest_torch_scores(name, digits):
    run, W0, b0, X, T, masks = _run_at_init(name, CNN_SPEC, digits, 9.0)
    snip, grasp = torch_scores(run.model, W0, b0, X, np.argmax(T, axis=1), 200.0)
    s = np.concatenate([a.ravel() for a in (snip if name == "snip" else [-g for g in grasp])])
    keep = np.concatenate([m.ravel() for m in masks])
    assert keep.sum() == round(run.n_weights / 9.0)
    assert s[keep].min() >= s[~keep].max()  # GraSP: every kept weight scores no higher than a pruned one


def test_ties_are_broken_by_position():
    masks = P._keep_top([np.zeros((2, 3)), np.zeros(4)], 4)
    assert masks[0].ravel().tolist() == [True] * 4 + [False] * 2 and not masks[1].any()
    layer = P._masks([np.ones(10), np.ones(30)], 8, "layerwise")
    assert [m.sum() for m in layer] == [2, 6]


def test_runs_are_reproducible(digits):
    a = prune_and_train("synflow", CNN_SPEC, digits, 5.0, epochs=1, lr=0.05, rng=3, iterations=10)
    b = prune_and_train("synflow", CNN_SPEC, digits, 5.0, epochs=1, lr=0.05, rng=3, iterations=10)
    drop = ("seconds", "score_seconds")
    assert {k: x for k, x in a.items() if k not in drop} == {k: x for k, x in b.items() if k not in drop}


def test_layer_collapse_is_reported(digits):
    N = MLP_SPEC.build(1, 0).n_weights
    out = prune_and_train("random", MLP_SPEC, digits, N, epochs=1, lr=0.05)  # one weight left
    assert out["n_kept"] == 1 and sorted(out["layer_kept"]) == [0, 1] and out["layer_collapse"] is True
    # Global magnitude pruning (at the initialization: lr 1e-6) removes the whole 200 → 2 layer (He scale
    # 0.1, 400 weights) before the 64 → 200 one (scale 0.18); per-layer pruning and SynFlow keep every layer.
    spec = ModelSpec((Dense(200), Dense(2), Dense(10)), (64,), 10)
    out = prune_and_train("magnitude", spec, digits, 20, epochs=1, lr=1e-6)
    assert out["layer_kept"][1] == 0 and out["layer_density"][1] == 0.0 and out["layer_collapse"] is True
    for name in ("magnitude-layerwise", "synflow"):
        out = prune_and_train(name, spec, digits, 20, epochs=1, lr=1e-6)
        assert min(out["layer_kept"]) > 0 and out["layer_collapse"] is False, name


def test_gmp_follows_the_cubic_schedule(digits):
    epochs, compression = 8, 6.0
    for scope in ("layerwise", "global"):
        out = prune_and_train(
            "gmp",
            MLP_SPEC,
            digits,
            compression,
            epochs=epochs,
            lr=0.05,
            zero_tol=0.0,
            keep_history=True,
            scope=scope,
            prune_start=0.25,
            prune_end=0.75,
        )
        N, n_keep = out["n_weights"], out["n_kept"]
        t0, t_end = 2, 6  # ⌊0.25·8⌋, round(0.75·8)
        assert out["prune_epochs"] == [t0 + 1, t_end] and out["epoch_split"] == {"dense": 2, "pruning": 4, "masked": 2}
        s_f = 1 - n_keep / N
        sizes = [64 * 12, 12 * 10]
        for rec in out["history"]:
            t = rec["epoch"]
            frac = min(max((t - t0) / (t_end - t0), 0.0), 1.0)
            s_t = s_f * (1 - (1 - frac) ** 3)  # Zhu & Gupta 2017, Eq. (1) with s_i = 0
            assert abs(rec["n_nonzero"] - N * (1 - s_t)) <= 0.5, (scope, t)
            if scope == "layerwise":  # every layer pruned to the same sparsity (to one weight)
                for dens, n in zip(rec["layer_density"], sizes):
                    assert abs(dens * n - n * (1 - s_t)) <= 1.0 + 1e-9
        assert out["history"][-1]["n_nonzero"] == n_keep


def test_magnitude_without_finetuning_reports_the_pruned_dense_network(digits):
    out = prune_and_train("magnitude", MLP_SPEC, digits, 4.0, epochs=3, lr=0.05, keep_history=True)
    hist = out["history"]
    assert [r["epoch"] for r in hist] == [0, 1, 2, 3, 3]  # the last record: pruned after epoch 3
    assert out["dense_test_accuracy"] == hist[-2]["test_accuracy"]
    assert out["test_accuracy_unpruned"] == hist[-1]["test_accuracy"]
    tuned = prune_and_train("magnitude-finetune", MLP_SPEC, digits, 4.0, epochs=3, lr=0.05, keep_history=True)
    assert [r["epoch"] for r in tuned["history"]] == [0, 1, 2, 3] and tuned["epoch_split"]["masked"] == 1


def test_penalty_baselines_report_the_fraction_of_zeros_before_thresholding(digits):
    for name in ("l1", "lq"):
        out = prune_and_train(name, MLP_SPEC, digits, 4.0, epochs=3, lr=0.05, lam=1e-2, zero_tol=1e-3)
        q = 1.0 if name == "l1" else 2 / 3
        assert out["penalty_exponent"] == pytest.approx(q, rel=1e-15) and out["lam"] == 1e-2
        assert 0.0 <= out["sparsity_before_threshold"] < 1 - 1 / 4  # subgradient SGD: few exact zeros
        assert out["n_kept"] == round(out["n_weights"] / 4)


# ---------------------------------------------------------------------------
# the trainer hooks


def test_penalty_hook_gradient_matches_central_differences():
    net = Network([Dense(4), Dense(3)], (5,), 2, init="standard", rng=1, dtype=np.float64)
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((6, 5)), np.arange(6) % 3
    T = _prepare_targets(net, y, 6).astype(float)
    lam, q = 0.3, 2 / 3
    pen = P._penalty(lam, q)
    params = net.params
    loss, grads = _fast_value_and_grad(net, params, X, T, 0.01, penalty=pen)

    def F(ps):
        value, _ = _fast_value_and_grad(net, ps, X, T, 0.01)
        W = [np.prod(p["factors"], axis=0) for p in ps]
        return value + lam * sum(np.sum(np.abs(w) ** q) for w in W)

    assert loss == pytest.approx(F(params), rel=1e-12)
    h, worst = 1e-6, 0.0
    for layer in range(2):
        f = params[layer]["factors"]
        for idx in np.ndindex(f.shape):
            up = [{k: a.copy() for k, a in p.items()} for p in params]
            dn = [{k: a.copy() for k, a in p.items()} for p in params]
            up[layer]["factors"][idx] += h
            dn[layer]["factors"][idx] -= h
            fd = (F(up) - F(dn)) / (2 * h)
            worst = max(worst, abs(fd - grads[layer]["factors"][idx]) / max(1.0, abs(fd)))
    assert worst <= 1e-6  # measured: ≈ 1e-9 (every |w| > 1e-3 here, where the penalty is smooth)


def test_update_masks_hook_prunes_between_epochs(digits):
    net = Network([Dense(8), Dense(10)], (64,), 2, rng=0)
    seen = []

    def update(epoch, weights):
        seen.append(epoch)
        return [np.abs(w) > np.median(np.abs(w)) for w in weights] if epoch == 1 else None

    hist = train(net, digits, lam=0.0, lr=0.05, epochs=3, batch_size=64, zero_tol=0.0, update_masks=update)
    assert seen == [1, 2, 3]
    assert hist.records[0].sparsity == 0.0 and all(r.sparsity >= 0.5 for r in hist.records[1:])
    with pytest.raises(TypeError, match="update_masks"):
        train(net, digits, lam=0.0, lr=0.05, epochs=1, batch_size=64, update_masks="no")
    with pytest.raises(ValueError, match="masks"):
        train(net, digits, lam=0.0, lr=0.05, epochs=1, batch_size=64, update_masks=lambda e, w: [np.ones(3, bool)] * 2)


# ---------------------------------------------------------------------------
# bad input


def test_bad_input_gives_clear_errors(digits):
    common = dict(epochs=1, lr=0.05)
    with pytest.raises(ValueError, match="pruner must be one of .*'snip'.*'synflow'"):
        prune_and_train("snap", MLP_SPEC, digits, 2.0, **common)
    with pytest.raises(TypeError, match="pruner"):
        prune_and_train(None, MLP_SPEC, digits, 2.0, **common)
    N = MLP_SPEC.build(1, 0).n_weights
    for bad in (1.0, 0.5, -3.0, N + 1, math.inf, math.nan):
        with pytest.raises(ValueError, match="compression"):
            prune_and_train("random", MLP_SPEC, digits, bad, **common)
    with pytest.raises(TypeError, match="compression"):
        prune_and_train("random", MLP_SPEC, digits, "10", **common)
    for spec in (None, Network([Dense(10)], (64,), 1), "lenet300"):
        with pytest.raises(TypeError, match="spec must be a dwf_theory.trainer ModelSpec"):
            prune_and_train("snip", spec, digits, 2.0, **common)
    with pytest.raises(ValueError, match="arch must be one of"):
        prune_and_train("snip", ModelSpec("lenet7", (64,), 10), digits, 2.0, **common)
    with pytest.raises(ValueError, match="data does not fit spec"):
        prune_and_train("snip", ModelSpec("lenet300", (40,), 10), digits, 2.0, **common)
    with pytest.raises(TypeError, match="unknown option.*'iterations'.*'snip'"):
        prune_and_train("snip", MLP_SPEC, digits, 2.0, iterations=3, **common)
    with pytest.raises(TypeError, match="epochs"):
        prune_and_train("snip", MLP_SPEC, digits, 2.0, lr=0.1)
    with pytest.raises(ValueError, match="epochs must be >= 2"):
        PRUNERS["magnitude-finetune"](MLP_SPEC, digits, 2.0, **common)
    with pytest.raises(ValueError, match="lam must be > 0"):
        PRUNERS["l1"](MLP_SPEC, digits, 2.0, **common)
    with pytest.raises(ValueError, match="scope"):
        PRUNERS["gmp"](MLP_SPEC, digits, 2.0, scope="local", **common)
    with pytest.raises(ValueError, match="prune_start and prune_end"):
        PRUNERS["gmp"](MLP_SPEC, digits, 2.0, prune_start=0.8, prune_end=0.5, **common)
    with pytest.raises(ValueError, match="temperature"):
        PRUNERS["grasp"](MLP_SPEC, digits, 2.0, temperature=0.0, **common)
    with pytest.raises(ValueError, match="iterations"):
        PRUNERS["synflow"](MLP_SPEC, digits, 2.0, iterations=0, **common)


def test_registry_signatures_are_one_signature():
    import inspect

    common = ["spec", "data", "compression", "rng", "epochs", "lr", "batch_size", "momentum", "schedule", "lam"]
    for name, fn in PRUNERS.items():
        params = list(inspect.signature(fn).parameters)
        assert params[: len(common)] == common, name
        assert fn.__doc__ and "compression" in fn.__doc__
    assert list(inspect.signature(PRUNERS["synflow"]).parameters)[-1] == "iterations"
