"""Tests of the reference trainer: gradients, metrics, schedules, the optimizer, training, bad input.

Claims run once in tests/test_claims.py check the trainer's gradients against finite differences of a NumPy
objective (C60) and against autograd through the factors (C61), D = 1 against scikit-learn's MLPClassifier
(C62), sparsification on digits (C63) and the one-step imbalance map (C64). The tests here extend the
gradient check to both losses, both activations and random shapes, and test the rest of the trainer
against ground truth built into the data or closed forms.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dwf_theory.losses import LeastSquares
from dwf_theory.trainer import (
    MLP,
    InlineExecutor,
    forward,
    learning_phases,
    learning_rates,
    load_digits_split,
    magnitude_masks,
    objective,
    prune,
    prune_finetune,
    run_sweep,
    sparsity_report,
    teacher_student,
    train,
    value_and_grad,
)
from dwf_theory.trainer.optim import sgd_momentum_step


def _problem(sizes, D, loss, seed, n=7, activation="tanh"):
    rng = np.random.default_rng(seed)
    model = MLP(sizes, D, init="varmatch", rng=rng, activation=activation, loss=loss)
    for p in model.params:
        p["bias"] = rng.normal(0, 0.3, p["bias"].shape)
    X = rng.normal(size=(n, sizes[0]))
    y = rng.integers(0, sizes[-1], n) if loss == "cross_entropy" else rng.normal(size=(n, sizes[-1]))
    return model, X, y, rng


def _flat(params):
    return np.concatenate([np.concatenate([p["factors"].ravel(), p["bias"].ravel()]) for p in params])


def _unflat(model, theta):
    out, k = [], 0
    for p in model.params:
        f = theta[k : k + p["factors"].size].reshape(p["factors"].shape)
        k += p["factors"].size
        b = theta[k : k + p["bias"].size]
        k += p["bias"].size
        out.append({"factors": f, "bias": b})
    return out


shapes = st.lists(st.integers(1, 5), min_size=2, max_size=4)


@settings(max_examples=25)
@given(
    sizes=shapes,
    D=st.integers(1, 4),
    loss=st.sampled_from(["cross_entropy", "mse"]),
    lam=st.sampled_from([0.0, 0.01, 0.3]),
    seed=st.integers(0, 2**16),
)
def test_gradient_matches_central_differences(sizes, D, loss, lam, seed):
    if loss == "cross_entropy" and sizes[-1] < 2:
        sizes = [*sizes[:-1], 2]
    model, X, y, rng = _problem(sizes, D, loss, seed)
    _, grads = value_and_grad(model, model.params, X, y, lam)
    theta, g = _flat(model.params), _flat(grads)
    h = 1e-5
    for _ in range(3):
        u = rng.normal(size=theta.size)
        fd = (
            objective(model, _unflat(model, theta + h * u), X, y, lam)
            - objective(model, _unflat(model, theta - h * u), X, y, lam)
        ) / (2 * h)
        # central difference error O(h²·f''') plus rounding ~1e-16/h: 1e-7 of the scale, 60× the measured
        # worst 1.6e-9 over 200 random models
        assert abs(fd - g @ u) <= 1e-7 * max(1.0, abs(fd), np.linalg.norm(g) * np.linalg.norm(u))


@settings(max_examples=20)
@given(p=st.integers(1, 8), n=st.integers(1, 12), lam=st.floats(0, 2), seed=st.integers(0, 2**16))
def test_mse_objective_is_least_squares_plus_ridge(p, n, lam, seed):
    """D = 1, one linear layer, zero bias: F = ‖Xw − y‖²/(2n) + λ‖w‖², the least-squares scaling of
    scikit-learn's Lasso (rel. 1e-14, 27× the measured 3.7e-16)."""
    rng = np.random.default_rng(seed)
    model = MLP([p, 1], 1, rng=rng, loss="mse")
    X, y = rng.normal(size=(n, p)), rng.normal(size=n)
    w = model.params[0]["factors"][0, :, 0]
    expected = LeastSquares(X, y).loss(w) + lam * np.sum(w * w)
    assert objective(model, model.params, X, y, lam) == pytest.approx(expected, rel=1e-14, abs=1e-300)


# ----------------------------------------------------------------------------- metrics


@settings(max_examples=30)
@given(
    seed=st.integers(0, 2**16),
    zero_tol=st.floats(0, 2),
    shapes_=st.lists(st.tuples(st.integers(1, 6), st.integers(1, 6)), min_size=1, max_size=3),
)
def test_sparsity_report_counts_a_known_pattern(seed, zero_tol, shapes_):
    # Ground truth built into the weights: entries of `keep` have |w| in (zero_tol, zero_tol + 1], the others
    # |w| in [0, zero_tol] (some exactly zero_tol, which counts as zero).
    rng = np.random.default_rng(seed)
    keep = [rng.random(s) < 0.5 for s in shapes_]
    W = []
    for m in keep:
        big = np.maximum(zero_tol + rng.uniform(0, 1, m.shape), np.nextafter(zero_tol, np.inf))
        small = np.where(rng.random(m.shape) < 0.3, zero_tol, rng.uniform(0, 1, m.shape) * zero_tol)
        W.append(np.where(m, big, small) * rng.choice([-1.0, 1.0], m.shape))
    rep = sparsity_report(W, zero_tol)
    N, k = sum(m.size for m in keep), sum(int(m.sum()) for m in keep)
    assert rep.zero_tol == zero_tol and rep.n_weights == N and rep.n_nonzero == k
    assert rep.layer_density == tuple(m.sum() / m.size for m in keep)
    assert rep.sparsity == 1 - k / N
    assert rep.compression_ratio == (N / k if k else math.inf)
    # pruning zeroes exactly the entries outside `keep` and leaves the others untouched
    for p, w, m in zip(prune(W, zero_tol), W, keep):
        np.testing.assert_array_equal(p, np.where(m, w, 0.0))
    # monotone in the tolerance
    assert sparsity_report(W, zero_tol * 2 + 0.1).n_nonzero <= k


@settings(max_examples=30)
@given(seed=st.integers(0, 2**16), n_keep=st.integers(0, 40))
def test_magnitude_masks_keep_the_largest(seed, n_keep):
    rng = np.random.default_rng(seed)
    W = [rng.normal(size=(3, 5)), rng.normal(size=(5, 4))]
    masks = magnitude_masks(W, n_keep)
    kept = np.concatenate([np.abs(w[m]) for w, m in zip(W, masks)])
    dropped = np.concatenate([np.abs(w[~m]) for w, m in zip(W, masks)])
    assert kept.size == min(n_keep, 35)
    if kept.size and dropped.size:
        assert kept.min() >= dropped.max()


# ----------------------------------------------------------------------------- schedules and optimizer


@settings(max_examples=30)
@given(lr=st.floats(1e-4, 10), T=st.integers(1, 500), warmup=st.floats(0, 0.9))
def test_schedules(lr, T, warmup):
    const = learning_rates("constant", lr, T)
    assert np.all(const == lr)
    cos = learning_rates("cosine", lr, T)
    assert cos[0] == pytest.approx(lr, rel=1e-12)
    assert np.all(np.diff(cos) <= 1e-12 * lr) and np.all(cos > 0)
    wu = learning_rates("warmup", lr, T, warmup=warmup)
    W = math.ceil(warmup * T)
    assert np.all(np.diff(wu[:W]) > 0) and np.all(wu[W:] == lr) and np.max(wu) == pytest.approx(lr, rel=1e-12)
    wc = learning_rates("warmup-cosine", lr, T, warmup=warmup)
    np.testing.assert_allclose(wc[:W], wu[:W], rtol=1e-12)
    assert np.all(np.diff(wc[W:]) <= 1e-12 * lr) and np.max(wc) <= lr * (1 + 1e-12)


def test_sgd_momentum_matches_the_pytorch_convention():
    # PyTorch's SGD (dampening 0): v ← μv + g, θ ← θ − η_t v. For a constant gradient g the buffer is
    # v_t = g(1 − μ^t)/(1 − μ), so θ_T = θ_0 − g Σ_t η_t (1 − μ^t)/(1 − μ) (derived here); with a varying η_t
    # this tells it apart from the v ← μv + ηg and the dampened conventions. Rel. 1e-13 (a few roundings a step).
    rng = np.random.default_rng(0)
    params = [{"factors": rng.normal(size=(2, 3, 4)), "bias": rng.normal(size=4)}]
    start = {k: a.copy() for k, a in params[0].items()}
    g = [{"factors": rng.normal(size=(2, 3, 4)), "bias": rng.normal(size=4)}]
    vel = [{k: np.zeros_like(a) for k, a in p.items()} for p in params]
    mu, rates = 0.9, 0.1 * np.arange(1, 8)
    for lr in rates:
        sgd_momentum_step(params, g, vel, lr, mu)
    t = np.arange(1, rates.size + 1)
    total = np.sum(rates * (1 - mu**t) / (1 - mu))
    for key in ("factors", "bias"):
        np.testing.assert_allclose(params[0][key], start[key] - total * g[0][key], rtol=1e-13, atol=1e-13)


# ----------------------------------------------------------------------------- training


def _small_digits():
    Xtr, ytr, Xte, yte = load_digits_split(0)
    return Xtr[:300], ytr[:300], Xte[:200], yte[:200]


def test_training_reduces_the_loss_and_is_deterministic():
    data = _small_digits()
    hists = []
    for _ in range(2):
        model = MLP([64, 32, 10], 3, rng=1)
        hists.append(train(model, data, lam=1e-3, lr=0.3, epochs=8, batch_size=32, rng=2))
    h = hists[0]
    assert h.status == "ok" and len(h.records) == 9
    assert h.final.train_loss < 0.5 * h.records[0].train_loss
    assert h.final.test_accuracy > 0.5  # chance is 0.1
    np.testing.assert_array_equal(h.column("train_loss"), hists[1].column("train_loss"))
    assert h.column("layer_density").shape == (9, 2)
    json.dumps(h.as_dict(), allow_nan=False)  # strict JSON: no NaN or infinity anywhere


def test_diverging_run_is_reported_not_raised():
    data = _small_digits()
    model = MLP([64, 32, 10], 3, rng=0)
    h = train(model, data, lam=1e-3, lr=1e4, epochs=5, batch_size=32, schedule="constant")
    assert h.status == "diverged" and h.final.status == "diverged"
    values = np.array([[r.train_loss, r.test_loss, r.test_accuracy, r.imbalance] for r in h.records])
    assert np.all(np.isfinite(values))
    assert all(np.all(np.isfinite(a)) for p in model.params for a in p.values())
    json.dumps(h.as_dict(), allow_nan=False)


def test_callback_stops_the_run():
    data = _small_digits()
    model = MLP([64, 16, 10], 2, rng=0)
    seen = []
    h = train(
        model, data, lam=0, lr=0.1, epochs=10, batch_size=64, callback=lambda r: seen.append(r.epoch) or r.epoch == 3
    )
    assert h.status == "stopped" and seen == [1, 2, 3] and h.final.epoch == 3


def test_pruning_mask_holds_weights_at_zero():
    data = _small_digits()
    model = MLP([64, 16, 10], 1, init="standard", rng=0)
    masks = magnitude_masks(model.weights(), 100)
    h = train(model, data, lam=1e-4, lr=0.05, epochs=3, batch_size=64, masks=masks, zero_tol=0.0)
    assert h.final.n_nonzero <= 100
    assert all(np.all(W[~m] == 0) for W, m in zip(model.weights(), masks))


def test_teacher_student_regression_learns():
    split, w = teacher_student(n_train=100, n_test=100, n_features=20, n_nonzero=3, rng=1)
    assert np.count_nonzero(w) == 3
    np.testing.assert_allclose(split.y_train, split.X_train @ w, rtol=1e-12)
    model = MLP([20, 1], 2, rng=0, loss="mse")
    h = train(model, split, lam=1e-3, lr=0.1, epochs=30, batch_size=20, zero_tol=1e-2)
    assert h.metric == "r2" and h.final.test_accuracy > 0.95
    assert h.final.n_nonzero < 20


def test_digits_split():
    Xtr, ytr, Xte, yte = load_digits_split(3)
    assert Xtr.shape == (1257, 64) and Xte.shape == (540, 64)
    assert Xtr.min() >= 0 and Xtr.max() <= 1
    # stratified: class proportions agree within one sample per class
    assert np.max(np.abs(np.bincount(ytr) / 0.7 - np.bincount(yte) / 0.3)) <= 1 / 0.3 + 1 / 0.7


# ----------------------------------------------------------------------------- bad input


def test_bad_input_gives_clear_errors():
    model = MLP([4, 3, 2], 2, rng=0)
    X, y = np.zeros((5, 4)), np.zeros(5, int)
    with pytest.raises(ValueError, match="X must have shape"):
        value_and_grad(model, model.params, np.zeros((5, 3)), y, 0.1)
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        value_and_grad(model, model.params, X, np.array([0, 1, 2, 0, 1]), 0.1)
    with pytest.raises(ValueError, match="y must be a 1-d array of 5"):
        value_and_grad(model, model.params, X, np.zeros(4, int), 0.1)
    with pytest.raises(TypeError, match="integer class labels"):
        value_and_grad(model, model.params, X, np.full(5, 0.5), 0.1)
    Xn = X.copy()
    Xn[2, 1] = np.nan
    with pytest.raises(ValueError, match="X must contain only finite"):
        value_and_grad(model, model.params, Xn, y, 0.1)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        value_and_grad(model, model.params, X, y, -1)
    bad = [dict(p) for p in model.params]
    bad[0]["factors"] = bad[0]["factors"][:, :2]
    with pytest.raises(ValueError, match=r"params\[0\]\['factors'\] must have shape"):
        value_and_grad(model, bad, X, y, 0.1)
    with pytest.raises(ValueError, match="D must be a whole number"):
        MLP([4, 2], 0)
    with pytest.raises(ValueError, match="init must be one of"):
        MLP([4, 2], 2, init="xavier")
    with pytest.raises(ValueError, match="sizes must have at least two"):
        MLP([4], 2)
    data = (X, y, X, y)
    with pytest.raises(ValueError, match="schedule must be one of"):
        train(model, data, lam=0, lr=0.1, epochs=1, batch_size=2, schedule="step")
    with pytest.raises(ValueError, match="lr must be > 0"):
        train(model, data, lam=0, lr=0, epochs=1, batch_size=2)
    with pytest.raises(ValueError, match="data must be a tuple"):
        train(model, (X, y), lam=0, lr=0.1, epochs=1, batch_size=2)
    with pytest.raises(ValueError, match="zero_tol must be >= 0"):
        sparsity_report(model.weights(), -1)


def test_bad_input_named_in_the_issue():
    """The cases of the bad-input issue: each raises an error naming the argument, and changes nothing."""
    model = MLP([4, 3, 2], 2, rng=0)
    X, y = np.zeros((5, 4)), np.zeros(5, int)
    for fn in (value_and_grad, objective):
        with pytest.raises(TypeError, match="model"):
            fn(None, model.params, X, y, 0.1)
    with pytest.raises(ValueError, match="activation"):
        forward(model.weights(), [p["bias"] for p in model.params], X, activation="bogus")
    before = [{k: a.copy() for k, a in p.items()} for p in model.params]
    grads = [{k: np.ones_like(a) for k, a in p.items()} for p in model.params]
    vel = [{k: np.zeros_like(a) for k, a in p.items()} for p in model.params]
    for kwargs, name in (
        (dict(lr=np.nan, momentum=0.9), "lr"),
        (dict(lr=-1.0, momentum=0.9), "lr"),
        (dict(lr=0.1, momentum=1.5), "momentum"),
        (dict(lr=0.1, momentum=0.9, masks=[]), "masks"),
    ):
        with pytest.raises(ValueError, match=name):
            sgd_momentum_step(model.params, grads, vel, **kwargs)
    for p, b in zip(model.params, before):
        for k in p:
            np.testing.assert_array_equal(p[k], b[k])
    with pytest.raises(ValueError, match="dense_epochs"):
        prune_finetune(2.0, dense_epochs=-1)
    with pytest.raises(ValueError, match="epochs"):  # not the default number of epochs
        learning_phases(epochs=0)


# ----------------------------------------------------------------------------- sweeps


def _square(c):
    if c == "stop":
        raise KeyboardInterrupt
    return c * c


def test_sweep_keeps_order_and_returns_the_finished_part_on_interrupt():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as ex:
        res = run_sweep(_square, [3, 1, 2], executor=ex, progress=False)
    assert res.completed and res.results == (9, 1, 4)
    with pytest.warns(UserWarning, match="interrupted: returning the 2 of 4"):
        res = run_sweep(_square, [3, 1, "stop", 2], executor=InlineExecutor(), progress=False)
    assert not res.completed
    assert res.results == (9, 1, None, None) and res.finished() == [(3, 9), (1, 1)]


# ----------------------------------------------------------------------------- symmetries and data


@settings(max_examples=25)
@given(sizes=shapes, D=st.integers(2, 4), seed=st.integers(0, 2**16))
def test_rescaling_symmetry_leaves_the_loss_unchanged(sizes, D, seed):
    """ω_d → c_d ω_d with Π_d c_d = 1 (per weight; an artificial symmetry of DWF) changes neither the output nor
    the λ = 0 objective: 1e-13 relative, 100× the measured 1e-15."""
    model, X, y, rng = _problem(sizes, D, "mse", seed)
    scaled = []
    for p in model.params:
        c = np.exp(rng.normal(0, 0.5, p["factors"].shape))
        c /= np.exp(np.mean(np.log(c), axis=0))  # Π_d c_d = 1 elementwise
        scaled.append({"factors": c * p["factors"], "bias": p["bias"]})
    reference = model.predict(X)
    scale = max(1.0, np.max(np.abs(reference)))
    np.testing.assert_allclose(model.predict(X, scaled), reference, rtol=0, atol=1e-13 * scale)
    assert objective(model, scaled, X, y, 0.0) == pytest.approx(objective(model, model.params, X, y, 0.0), rel=1e-13)


@settings(max_examples=15)
@given(
    n_train=st.integers(1, 30),
    n_test=st.integers(1, 30),
    p=st.integers(1, 12),
    data=st.data(),
    seed=st.integers(0, 2**16),
)
def test_teacher_student_shapes_and_sparsity(n_train, n_test, p, data, seed):
    k = data.draw(st.integers(0, p))
    split, w = teacher_student(n_train, n_test, p, k, rng=seed)
    assert split.X_train.shape == (n_train, p) and split.X_test.shape == (n_test, p)
    assert np.count_nonzero(w) == k and np.all((np.abs(w[w != 0]) >= 1) & (np.abs(w[w != 0]) <= 2))
    np.testing.assert_allclose(split.y_test, split.X_test @ w, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="n_nonzero must be <= n_features"):
        teacher_student(n_train, n_test, p, p + 1)


@pytest.mark.parametrize("zero_tol", [0.0, 0.05])
def test_epoch_record_pruned_accuracy_and_imbalance_against_the_definitions(zero_tol):
    # The record skips the pruned forward pass when pruning changes no weight (zero_tol = 0 here) and takes the
    # imbalance from the extremes of |ω|; both against the plain definitions, exactly: the test accuracy of the
    # network whose factors are zeroed where |w| <= zero_tol, and the mean of penalty.imbalance.
    from dwf_theory.penalty import imbalance
    from dwf_theory.trainer.train import _check_data, _evaluate

    data = load_digits_split(0)
    model = MLP([64, 20, 10], 3, rng=1, dtype=np.float32)
    rec = _evaluate(model, model.params, *_check_data(model, data), 0.0, zero_tol=zero_tol, epoch=0, lr=0.1)
    kept = [np.abs(W) > zero_tol for W in model.weights()]
    assert (rec.n_nonzero < model.n_weights) == (zero_tol > 0)  # both paths are taken
    zeroed = [{"factors": p["factors"] * k, "bias": p["bias"]} for p, k in zip(model.params, kept)]
    accuracy = float(np.mean(np.argmax(model.predict(data.X_test, zeroed), axis=1) == data.y_test))
    assert rec.pruned_test_accuracy == accuracy
    assert rec.imbalance == float(np.mean(np.concatenate([imbalance(p["factors"]).ravel() for p in model.params])))
