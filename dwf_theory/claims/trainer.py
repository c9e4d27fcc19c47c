"""C60–C64: the reference trainer."""

from __future__ import annotations

import math

import numpy as np

from ._registry import claim, derived, rel_error


def _c6x_problem(D, seed, sizes=(5, 6, 4, 3), n=9):
    from .trainer import MLP

    rng = np.random.default_rng(seed)
    model = MLP(list(sizes), D, init="varmatch", rng=rng)
    for p in model.params:
        p["bias"] = rng.normal(0.0, 0.3, p["bias"].shape)
    return model, rng.normal(size=(n, sizes[0])), rng.integers(0, sizes[-1], n), rng


@claim(
    "C60",
    "Trainer gradients: finite differences",
    "value_and_grad of a DWF MLP (autograd w.r.t. the collapsed weights, chained to the factors with "
    "leave-one-out products) is the derivative of F = mean cross-entropy + (λ/D)Σ‖ω_d‖².",
    "D=1..4, MLP 5-6-4-3 (ReLU), λ=0.1: directional derivatives ⟨∇F, u⟩ along 6 random u against central "
    "differences with h=1e-5; error relative to max(1, |FD|).",
    1e-6,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c60():
    from .trainer import objective, value_and_grad

    worst = 0.0
    for D in (1, 2, 3, 4):
        model, X, y, rng = _c6x_problem(D, 60 + D)
        _, g = value_and_grad(model, model.params, X, y, 0.1)
        for _ in range(6):
            u = [{k: rng.normal(size=a.shape) for k, a in p.items()} for p in model.params]
            h = 1e-5
            plus, minus = ([{k: p[k] + s * du[k] for k in p} for p, du in zip(model.params, u)] for s in (h, -h))
            fd = (objective(model, plus, X, y, 0.1) - objective(model, minus, X, y, 0.1)) / (2 * h)
            ip = sum(float(np.sum(gp[k] * du[k])) for gp, du in zip(g, u) for k in gp)
            worst = max(worst, abs(fd - ip) / max(1.0, abs(fd)))
    return worst


@claim(
    "C61",
    "Trainer gradients: collapsed chain = autograd through the factors",
    "∂F/∂ω_d = ∂L/∂W ⊙ Π_{k≠d} ω_k + (2λ/D) ω_d, with ∂L/∂W from one autograd pass, equals autograd's "
    "gradient of F taken through every factor.",
    "D=1..5, MLP 5-6-4-3, λ=0.05: autograd.grad of the full factorized objective (products inside the graph) "
    "against value_and_grad; max relative error over all factors and biases.",
    1e-12,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c61():
    import autograd
    import autograd.numpy as anp

    from .trainer import value_and_grad
    from .trainer.layers import forward
    from .trainer.objective import data_loss, prepare_targets

    worst = 0.0
    for D in range(1, 6):
        model, X, y, _ = _c6x_problem(D, 61 + D)
        T = prepare_targets(model, y, X.shape[0])

        def F(params, D=D, T=T, X=X):
            W = [anp.prod(p["factors"], axis=0) for p in params]
            pen = sum(anp.sum(p["factors"] ** 2) for p in params) / D
            return data_loss(forward(W, [p["bias"] for p in params], X, "relu"), T, "cross_entropy") + 0.05 * pen

        ref = autograd.grad(F)(model.params)
        _, g = value_and_grad(model, model.params, X, y, 0.05)
        for gp, rp in zip(g, ref):
            for k in gp:
                worst = max(worst, float(np.max(np.abs(gp[k] - rp[k]) / np.maximum(np.abs(rp[k]), 1e-8))))
    return worst


@claim(
    "C62",
    "D = 1 is the plain MLP",
    "A depth-1 DWF network is an ordinary MLP: same class probabilities and the same cross-entropy.",
    "MLP 8-12-6-4 (ReLU), D=1, random weights copied into scikit-learn's MLPClassifier: predict_proba against "
    "softmax of our logits, sklearn.metrics.log_loss against our objective at λ=0; max relative error.",
    1e-12,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c62():
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import log_loss
    from sklearn.neural_network import MLPClassifier

    from .trainer import objective

    model, X, y, _ = _c6x_problem(1, 62, sizes=(8, 12, 6, 4), n=40)
    y = np.arange(40) % 4
    clf = MLPClassifier(hidden_layer_sizes=(12, 6), activation="relu", max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    clf.coefs_ = [p["factors"][0].copy() for p in model.params]
    clf.intercepts_ = [p["bias"].copy() for p in model.params]
    logits = model.predict(X)
    ours = np.exp(logits - logits.max(axis=1, keepdims=True))
    ours /= ours.sum(axis=1, keepdims=True)
    theirs = clf.predict_proba(X)
    return max(rel_error(ours, theirs), rel_error(objective(model, model.params, X, y, 0.0), log_loss(y, theirs)))


@claim(
    "C63",
    "DWF training sparsifies",
    "Training a D=3 DWF network with factor weight decay drives most collapsed weights to zero while it "
    "still classifies well (THEORY.md §6).",
    "digits, 64-300-100-10, D=3, λ=1e-3, lr 0.3 warm-up+cosine, batch 64, 100 epochs, seed 0: error = "
    "max(0, 1 − CR/20, 0.9 − accuracy) with CR the compression ratio at tol 1e-3 and accuracy measured after "
    "zeroing |w| ≤ 1e-3 (full preset, 300 epochs: see the README).",
    0.0,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c63():
    from .trainer import run

    s = run("digits", 3, "sparse", epochs=100, lam=1e-3)
    cr, acc = s["compression_ratio"] or math.inf, s["test_accuracy"]
    detail = f"compression {cr:.1f}, pruned test accuracy {acc:.4f}, layer density {s['layer_density']}"
    return max(0.0, 1.0 - cr / 20.0, 0.9 - acc), detail


@claim(
    "C64",
    "Imbalance after one trainer step",
    "One gradient step with rate η maps δ_dk = ω_d² − ω_k² to δ_dk[(1 − 2ηλ/D)² − η² G² Π_{j≠d,k} ω_j²], "
    "G = ∂L/∂W (THEORY.md §4), on every weight of a network.",
    "MLP 5-6-4-3, D=3 and 4, λ=0.3, η=0.05: one full-batch step of the trainer (momentum 0); G from an "
    "independent D=1 model holding the collapsed weights; max |δ' − formula| / max(|δ|, 1e-12).",
    1e-9,
    source=derived("TODO"),
    sample={"TODO": 1},
)
def _c64():
    from .trainer import MLP, value_and_grad
    from .trainer.optim import sgd_momentum_step, zeros_like_params

    lam, eta, worst = 0.3, 0.05, 0.0
    for D in (3, 4):
        model, X, y, _ = _c6x_problem(D, 64 + D)
        plain = MLP(list(model.sizes), 1, rng=0)
        collapsed = [{"factors": np.prod(p["factors"], axis=0)[None], "bias": p["bias"]} for p in model.params]
        _, G = value_and_grad(plain, collapsed, X, y, 0.0)
        before = [p["factors"].copy() for p in model.params]
        _, g = value_and_grad(model, model.params, X, y, lam)
        sgd_momentum_step(model.params, g, zeros_like_params(model.params), eta, 0.0)
        for f0, f1, Gl in zip(before, [p["factors"] for p in model.params], G):
            for d in range(D):
                for k in range(d + 1, D):
                    rest = np.prod(np.delete(f0, [d, k], axis=0) ** 2, axis=0)
                    delta = f0[d] ** 2 - f0[k] ** 2
                    pred = delta * ((1 - 2 * eta * lam / D) ** 2 - eta**2 * Gl["factors"][0] ** 2 * rest)
                    got = f1[d] ** 2 - f1[k] ** 2
                    worst = max(worst, float(np.max(np.abs(got - pred) / np.maximum(np.abs(delta), 1e-12))))
    return worst
