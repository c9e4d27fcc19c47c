"""C60–C66: the reference trainer.

The references are written here, independently of the trainer's objective code: the
network's forward pass, mean softmax cross-entropy and its hand-derived backward pass in
NumPy, an autograd graph built through every factor, scikit-learn's MLPClassifier, and
central finite differences.
"""

from __future__ import annotations

import math

import numpy as np

from ._registry import Measured, claim, derived, fmt_set, paper, rel_error, worse


def _span(depths) -> str:
    """``a..b`` for consecutive whole numbers, else the set."""
    d = list(depths)
    return f"{d[0]}..{d[-1]}" if d == list(range(d[0], d[-1] + 1)) else fmt_set(d)


def _sizes(sizes) -> str:
    return "-".join(str(s) for s in sizes)


# --------------------------------------------------------------------------- #
# a ReLU MLP with softmax cross-entropy, written out in NumPy
# --------------------------------------------------------------------------- #


def _forward(weights, biases, X):
    """Inputs of every layer and the pre-activations: ``a_l = h_{l−1} W_l + b_l``, ``h_l = max(a_l, 0)``.

    Returns ``(inputs, pre)`` with ``inputs[l]`` the input of layer ``l`` and ``pre[-1]`` the logits.
    """
    inputs, pre, h = [], [], X
    for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
        inputs.append(h)
        a = h @ W + b
        pre.append(a)
        h = np.maximum(a, 0.0) if i < len(weights) - 1 else a
    return inputs, pre


def _softmax_cross_entropy(logits, y) -> tuple[float, np.ndarray]:
    """Mean of ``log Σ_k e^{a_ik} − a_{i,y_i}`` and the softmax probabilities."""
    m = logits.max(axis=1, keepdims=True)
    e = np.exp(logits - m)
    s = e.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(s[:, 0]) + m[:, 0] - logits[np.arange(y.size), y]))
    return loss, e / s


def _loss_and_weight_gradients(weights, biases, X, y):
    """Mean cross-entropy ``L`` and ``∂L/∂W_l``, ``∂L/∂b_l`` by the hand-derived backward pass.

    ``∂L/∂a_out = (softmax − onehot)/n``; then per layer ``∂L/∂W_l = h_{l−1}ᵀ ∂L/∂a_l``,
    ``∂L/∂b_l = Σ_i ∂L/∂a_l``, ``∂L/∂a_{l−1} = (∂L/∂a_l W_lᵀ) ⊙ [a_{l−1} > 0]``.
    """
    inputs, pre = _forward(weights, biases, X)
    loss, probs = _softmax_cross_entropy(pre[-1], y)
    d = probs.copy()
    d[np.arange(y.size), y] -= 1.0
    d /= y.size
    gW, gb = [None] * len(weights), [None] * len(weights)
    for layer in range(len(weights) - 1, -1, -1):
        gW[layer] = inputs[layer].T @ d
        gb[layer] = d.sum(axis=0)
        if layer:
            d = (d @ weights[layer].T) * (pre[layer - 1] > 0)
    return loss, gW, gb


def _factorized_objective(params, X, y, lam: float, D: int) -> float:
    """``F = mean cross-entropy(W_l = Π_d ω_{l,d}) + (λ/D) Σ_l Σ_d ‖ω_{l,d}‖²`` in NumPy."""
    weights = [np.prod(p["factors"], axis=0) for p in params]
    _, pre = _forward(weights, [p["bias"] for p in params], X)
    loss, _ = _softmax_cross_entropy(pre[-1], y)
    return loss + lam / D * sum(float(np.sum(p["factors"] ** 2)) for p in params)


def _problem(D: int, seed: int, sizes, n: int):
    """A DWF MLP (VarMatch factors, random biases), inputs ``X`` (n, sizes[0]) and labels ``y``."""
    from ..trainer import MLP

    rng = np.random.default_rng(seed)
    model = MLP(list(sizes), D, init="varmatch", rng=rng)
    for p in model.params:
        p["bias"] = rng.normal(0.0, 0.3, p["bias"].shape)
    return model, rng.normal(size=(n, sizes[0])), rng.integers(0, sizes[-1], n), rng


SMALL_SIZES = (5, 6, 4, 3)
SMALL_N = 9

C60_DEPTHS = (1, 2, 3, 4)
C60_LAM = 0.1
C60_DIRECTIONS = 6
C60_STEP = 1e-5


@claim(
    "C60",
    "Trainer gradients agree with finite differences",
    "value_and_grad of a DWF MLP (autograd with respect to the collapsed weights, chained to the factors by "
    "leave-one-out products) returns F = mean cross-entropy + (λ/D)Σ_l Σ_d ‖ω_{l,d}‖² and its derivative.",
    f"D ∈ {fmt_set(C60_DEPTHS)}, MLP {_sizes(SMALL_SIZES)} (ReLU), n = {SMALL_N}, λ = {C60_LAM:g}: F written in "
    f"NumPy here; the value against it, and ⟨∇F, u⟩ along {C60_DIRECTIONS} random unit u (factors and biases) "
    f"against central differences of that F with step {C60_STEP:g}; error = largest difference relative to "
    "max(1, |F| or |FD|) (truncation h²|F'''|/6 and rounding ε|F|/h are ~1e-10).",
    1e-9,
    source=derived("chain rule through W = ω_1 ⊙ … ⊙ ω_D"),
    sample={"directions": len(C60_DEPTHS) * C60_DIRECTIONS, "values": len(C60_DEPTHS)},
)
def _c60():
    from ..trainer import value_and_grad

    worst, directions, values = 0.0, 0, 0
    for D in C60_DEPTHS:
        model, X, y, rng = _problem(D, 60 + D, SMALL_SIZES, SMALL_N)
        value, g = value_and_grad(model, model.params, X, y, C60_LAM)
        ref = _factorized_objective(model.params, X, y, C60_LAM, D)
        worst = worse(worst, abs(value - ref) / max(1.0, abs(ref)))
        values += 1
        for _ in range(C60_DIRECTIONS):
            u = [{k: rng.normal(size=a.shape) for k, a in p.items()} for p in model.params]
            norm = math.sqrt(sum(float(np.sum(a * a)) for du in u for a in du.values()))
            u = [{k: a / norm for k, a in du.items()} for du in u]
            plus, minus = (
                [{k: p[k] + s * du[k] for k in p} for p, du in zip(model.params, u, strict=True)]
                for s in (C60_STEP, -C60_STEP)
            )
            fd = (_factorized_objective(plus, X, y, C60_LAM, D) - _factorized_objective(minus, X, y, C60_LAM, D)) / (
                2 * C60_STEP
            )
            ip = sum(float(np.sum(gp[k] * du[k])) for gp, du in zip(g, u, strict=True) for k in gp)
            worst = worse(worst, abs(fd - ip) / max(1.0, abs(fd)))
            directions += 1
    return Measured(worst, {"directions": directions, "values": values})


C61_DEPTHS = tuple(range(1, 6))
C61_LAM = 0.05


@claim(
    "C61",
    "Trainer gradients: the collapsed chain equals autograd through the factors",
    "∂F/∂ω_d = ∂L/∂W ⊙ Π_{k≠d} ω_k + (2λ/D) ω_d, with ∂L/∂W from one autograd pass over the collapsed "
    "network, equals the gradient of F differentiated through every factor.",
    f"D = {_span(C61_DEPTHS)}, MLP {_sizes(SMALL_SIZES)} (ReLU), n = {SMALL_N}, λ = {C61_LAM:g}: autograd.grad of "
    "F built here (W = ω_1·ω_2·… multiplied inside the graph, ReLU, log-sum-exp of the logits) against "
    "value_and_grad; largest relative error over every factor and bias entry (denominator ≥ 1e-8).",
    1e-12,
    source=derived("chain rule through W = ω_1 ⊙ … ⊙ ω_D"),
    sample={"entries": sum(D * a * b + b for D in C61_DEPTHS for a, b in zip(SMALL_SIZES, SMALL_SIZES[1:]))},
)
def _c61():
    import autograd
    import autograd.numpy as anp

    from ..trainer import value_and_grad

    worst, entries = 0.0, 0
    for D in C61_DEPTHS:
        model, X, y, _ = _problem(D, 61 + D, SMALL_SIZES, SMALL_N)
        onehot = np.eye(SMALL_SIZES[-1])[y]

        def F(params, D=D, X=X, onehot=onehot):
            h = X
            for i, p in enumerate(params):
                W = p["factors"][0]
                for d in range(1, D):
                    W = W * p["factors"][d]
                h = anp.dot(h, W) + p["bias"]
                if i < len(params) - 1:
                    h = anp.maximum(h, 0.0)
            loss = anp.mean(anp.log(anp.sum(anp.exp(h), axis=1)) - anp.sum(h * onehot, axis=1))  # logits are O(1)
            return loss + C61_LAM / D * sum(anp.sum(p["factors"] ** 2) for p in params)

        ref = autograd.grad(F)([{k: a.copy() for k, a in p.items()} for p in model.params])
        _, g = value_and_grad(model, model.params, X, y, C61_LAM)
        for gp, rp in zip(g, ref, strict=True):
            for k in gp:
                worst = worse(worst, float(np.max(np.abs(gp[k] - rp[k]) / np.maximum(np.abs(rp[k]), 1e-8))))
                entries += rp[k].size
    return Measured(worst, {"entries": entries})


C62_SIZES = (8, 12, 6, 4)
C62_N = 40
C62_SEED = 62


@claim(
    "C62",
    "D = 1 is the plain MLP",
    "A depth-1 DWF network is an ordinary MLP: it gives the same class probabilities and the same "
    "cross-entropy as scikit-learn's MLPClassifier with the same weights.",
    f"MLP {_sizes(C62_SIZES)} (ReLU), D = 1, random weights and biases copied into MLPClassifier, n = {C62_N} "
    "inputs covering every class: predict_proba against the softmax of our logits, sklearn.metrics.log_loss "
    "against our objective at λ = 0; largest relative error.",
    1e-12,
    source=derived("for D = 1 the single factor is the weight matrix"),
    sample={"probabilities": C62_N * C62_SIZES[-1], "losses": 1},
)
def _c62():
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import log_loss
    from sklearn.neural_network import MLPClassifier

    from ..trainer import objective

    model, X, _, _ = _problem(1, C62_SEED, C62_SIZES, C62_N)
    y = np.arange(C62_N) % C62_SIZES[-1]
    clf = MLPClassifier(hidden_layer_sizes=C62_SIZES[1:-1], activation="relu", max_iter=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)  # builds the layers; the weights are replaced below
    clf.coefs_ = [p["factors"][0].copy() for p in model.params]
    clf.intercepts_ = [p["bias"].copy() for p in model.params]
    logits = model.predict(X)
    ours = np.exp(logits - logits.max(axis=1, keepdims=True))
    ours /= ours.sum(axis=1, keepdims=True)
    theirs = clf.predict_proba(X)
    loss = objective(model, model.params, X, y, 0.0)
    error = max(rel_error(ours, theirs), rel_error(loss, log_loss(y, theirs)))
    return Measured(error, {"probabilities": theirs.size, "losses": 1})


C63_SIZES = (64, 300, 100, 10)
C63_D = 3
C63_INIT = "varmatch-truncated"
C63_LAM = 1e-3
C63_LR = 0.3
C63_SCHEDULE = "warmup-cosine"
C63_BATCH = 64
C63_MOMENTUM = 0.9
C63_EPOCHS = 100
C63_SEED = 0
C63_ZERO_TOL = 1e-3
C63_MIN_COMPRESSION = 20.0
C63_MIN_ACCURACY = 0.9
C63_TEST_IMAGES = 540  # 30% of scikit-learn's 1,797 digits


@claim(
    "C63",
    "DWF training sparsifies",
    f"Training a D = {C63_D} DWF network by SGD with weight decay on the factors drives most collapsed weights "
    "to zero while it still classifies well.",
    f"digits (load_digits_split), {_sizes(C63_SIZES)}, D = {C63_D}, {C63_INIT} init, λ = {C63_LAM:g}, "
    f"lr {C63_LR:g} {C63_SCHEDULE}, batch {C63_BATCH}, momentum {C63_MOMENTUM:g}, float32, {C63_EPOCHS} "
    f"epochs, seed {C63_SEED} for the split, the initialization and the batch order; then, computed here "
    "from the trained factors: compression "
    f"CR = all / nonzero collapsed weights with |w| > {C63_ZERO_TOL:g}, and test accuracy of a NumPy forward "
    f"pass with the other weights zeroed; error = max(0, 1 − CR/{C63_MIN_COMPRESSION:g}, "
    f"{C63_MIN_ACCURACY:g} − accuracy) (infinite if the run diverged).",
    0.0,
    source=paper("Algorithm 2 and the LeNet-300-100 compression experiments of Kolb et al. 2025"),
    sample={"epochs": C63_EPOCHS, "test images": C63_TEST_IMAGES},
)
def _c63():
    from ..trainer import MLP, load_digits_split, train

    X_train, y_train, X_test, y_test = load_digits_split(C63_SEED)
    model = MLP(C63_SIZES, C63_D, init=C63_INIT, rng=C63_SEED, dtype=np.float32)
    hist = train(
        model,
        (X_train, y_train, X_test, y_test),
        lam=C63_LAM,
        lr=C63_LR,
        epochs=C63_EPOCHS,
        batch_size=C63_BATCH,
        momentum=C63_MOMENTUM,
        schedule=C63_SCHEDULE,
        rng=C63_SEED,
    )
    epochs = sum(1 for r in hist.records if r.epoch >= 1 and r.status == "ok")
    if hist.status != "ok":
        return Measured(math.inf, {"epochs": epochs}, f"run ended with status {hist.status!r}")
    weights = [np.prod(p["factors"].astype(np.float64), axis=0) for p in model.params]
    kept = [np.abs(W) > C63_ZERO_TOL for W in weights]
    total, nonzero = sum(W.size for W in weights), sum(int(k.sum()) for k in kept)
    cr = total / nonzero if nonzero else math.inf
    _, pre = _forward(
        [W * k for W, k in zip(weights, kept, strict=True)],
        [p["bias"].astype(np.float64) for p in model.params],
        np.asarray(X_test, np.float64),
    )
    correct = np.argmax(pre[-1], axis=1) == np.asarray(y_test)
    acc = float(np.mean(correct))
    density = ", ".join(f"{k.mean():.3f}" for k in kept)
    detail = f"compression {cr:.1f}, pruned test accuracy {acc:.4f}, layer density {density}"
    error = max(0.0, 1.0 - cr / C63_MIN_COMPRESSION, C63_MIN_ACCURACY - acc)
    return Measured(error, {"epochs": epochs, "test images": correct.size}, detail)


def _weight_pairs(depths) -> int:
    """Pairs (d < k) of factors over every weight of the small MLP, summed over ``depths``."""
    n_weights = sum(a * b for a, b in zip(SMALL_SIZES, SMALL_SIZES[1:]))
    return sum(D * (D - 1) // 2 * n_weights for D in depths)


C64_DEPTHS = (3, 4)
C64_LAM = 0.3
C64_LR = 0.05


@claim(
    "C64",
    "Imbalance after one trainer step",
    "One gradient step with rate η maps δ_dk = ω_d² − ω_k² to δ_dk[(1 − 2ηλ/D)² − η² G² Π_{j≠d,k} ω_j²], "
    "G = ∂L/∂W, on every weight of a network.",
    f"MLP {_sizes(SMALL_SIZES)} (ReLU), n = {SMALL_N}, D ∈ {fmt_set(C64_DEPTHS)}, λ = {C64_LAM:g}, "
    f"η = {C64_LR:g}: one full-batch step of train (momentum 0, constant rate); G from the backward pass "
    "written here in NumPy at the collapsed weights before the step; error = largest |δ' − formula| / "
    "(ω_d² + ω_k²) over every weight and pair d < k.",
    1e-12,
    source=derived("one gradient step on ω_d and ω_k, expanded"),
    sample={"weight pairs": _weight_pairs(C64_DEPTHS)},
)
def _c64():
    from ..trainer import train

    worst, pairs = 0.0, 0
    for D in C64_DEPTHS:
        model, X, y, _ = _problem(D, 64 + D, SMALL_SIZES, SMALL_N)
        before = [p["factors"].copy() for p in model.params]
        _, G, _ = _loss_and_weight_gradients(
            [np.prod(f, axis=0) for f in before], [p["bias"].copy() for p in model.params], X, y
        )
        hist = train(
            model, (X, y, X, y), lam=C64_LAM, lr=C64_LR, epochs=1, batch_size=SMALL_N, momentum=0.0, schedule="constant"
        )
        if hist.status != "ok" or hist.steps != 1:
            return Measured(math.inf, {"weight pairs": pairs}, f"status {hist.status!r}, {hist.steps} steps")
        for f0, f1, Gl in zip(before, [p["factors"] for p in model.params], G, strict=True):
            for d in range(D):
                for k in range(d + 1, D):
                    rest = np.prod(np.delete(f0, [d, k], axis=0) ** 2, axis=0)
                    delta = f0[d] ** 2 - f0[k] ** 2
                    pred = delta * ((1 - 2 * C64_LR * C64_LAM / D) ** 2 - C64_LR**2 * Gl**2 * rest)
                    got = f1[d] ** 2 - f1[k] ** 2
                    worst = worse(worst, float(np.max(np.abs(got - pred) / (f0[d] ** 2 + f0[k] ** 2))))
                    pairs += got.size
    return Measured(worst, {"weight pairs": pairs})


# --------------------------------------------------------------------------- #
# convolutional DWF networks: direct convolution written out here
# --------------------------------------------------------------------------- #
def _direct_conv(x, W, b, stride: int, padding: int):
    """Cross-correlation of channels-first ``x (n, C, *S)`` with ``W (C_out, C, *k)``, loop over output positions."""
    nd = W.ndim - 2
    x = np.pad(x, [(0, 0), (0, 0)] + [(padding, padding)] * nd)
    k = W.shape[2:]
    out_sizes = [(s - kk) // stride + 1 for s, kk in zip(x.shape[2:], k)]
    out = np.empty((x.shape[0], W.shape[0], *out_sizes), dtype=np.result_type(x, W, float))  # complex-safe
    for pos in np.ndindex(*out_sizes):
        window = x[(slice(None), slice(None), *[slice(p * stride, p * stride + kk) for p, kk in zip(pos, k)])]
        out[(slice(None), slice(None), *pos)] = np.tensordot(window, W, axes=(range(1, nd + 2), range(1, nd + 2))) + b
    return out


def _direct_pool(x, size: int):
    """Max over every non-overlapping ``size`` window of the spatial axes of channels-first ``x``."""
    out_sizes = [s // size for s in x.shape[2:]]
    out = np.empty((*x.shape[:2], *out_sizes))
    for pos in np.ndindex(*out_sizes):
        window = x[(slice(None), slice(None), *[slice(p * size, (p + 1) * size) for p in pos])]
        out[(slice(None), slice(None), *pos)] = window.reshape(*x.shape[:2], -1).max(axis=2)
    return out


def _direct_network(layers, weights, biases, X, activation=lambda h: np.maximum(h, 0.0)):
    """Logits of a Conv/MaxPool/Flatten/Dense stack (``activation``, default ReLU, after every parametric
    layer but the last); complex-safe for a smooth ``activation`` such as ``np.tanh``."""
    from ..trainer import Dense, MaxPool

    h, k, last = X, 0, len(weights) - 1
    for spec in layers:
        if isinstance(spec, MaxPool):
            h = _direct_pool(h, spec.size)
            continue
        if type(spec).__name__ == "Flatten":
            h = h.reshape(h.shape[0], -1)
            continue
        if isinstance(spec, Dense):
            h = h @ weights[k] + biases[k]
        else:
            h = _direct_conv(h, weights[k], biases[k], spec.stride, spec.padding)
        if k < last:
            h = activation(h)
        k += 1
    return h


def _conv_networks():
    """(name, layers, input shape) of the two small convolutional networks of C65."""
    from ..trainer import Conv1d, Conv2d, Dense, Flatten, MaxPool

    return (
        ("conv2d", (Conv2d(3, 3, padding=1), MaxPool(2), Conv2d(4, 2, stride=2), Flatten(), Dense(3)), (2, 7, 6)),
        (
            "conv1d",
            (Conv1d(3, 5, stride=2, padding=1), Conv1d(2, 3, stride=2, padding=2), Flatten(), Dense(3)),
            (1, 13),
        ),
    )


C65_DEPTHS = (1, 2, 3)
C65_LAM = 0.1
C65_N = 5
C65_DIRECTIONS = 4
C65_STEP = 1e-5


@claim(
    "C65",
    "Convolutional DWF gradients agree with finite differences",
    "value_and_grad of a network whose convolution kernels and dense matrices are depth-D factorizations "
    "(convolution as patches @ kernel, the patch gathering an autograd primitive with its adjoint as "
    "derivative) returns F = mean cross-entropy + (λ/D)Σ‖ω‖² and its derivative.",
    f"D ∈ {fmt_set(C65_DEPTHS)}; a 2-D net (conv 3@3×3 pad 1, max-pool 2, conv 4@2×2 stride 2, dense 3) on "
    f"2×7×6 inputs (an odd row dropped by the pool) and a 1-D net (conv 3@5 stride 2 pad 1, conv 2@3 stride 2 "
    f"pad 2, dense 3) on 1×13 inputs; n = {C65_N}, λ = {C65_LAM:g}: F written here with a direct convolution "
    f"(a loop over output positions), the value against it and ⟨∇F, u⟩ along {C65_DIRECTIONS} random unit u "
    f"against central differences of that F with step {C65_STEP:g}; error relative to max(1, |FD|).",
    1e-9,
    source=derived("chain rule through W = ω_1 ⊙ … ⊙ ω_D; im2col adjoint"),
    sample={"directions": 2 * len(C65_DEPTHS) * C65_DIRECTIONS, "values": 2 * len(C65_DEPTHS)},
)
def _c65():
    from ..trainer import Network, value_and_grad

    worst, directions, values = 0.0, 0, 0
    for i, (_, layers, shape) in enumerate(_conv_networks()):
        for D in C65_DEPTHS:
            rng = np.random.default_rng(650 + 10 * i + D)
            model = Network(list(layers), shape, D, init="varmatch", rng=rng)
            for p in model.params:
                p["bias"] = rng.normal(0.0, 0.3, p["bias"].shape)
            X, y = rng.normal(size=(C65_N, *shape)), rng.integers(0, 3, C65_N)

            def F(params, D=D, layers=layers, X=X, y=y):
                weights = [np.prod(p["factors"], axis=0) for p in params]
                logits = _direct_network(layers, weights, [p["bias"] for p in params], X)
                loss, _ = _softmax_cross_entropy(logits, y)
                return loss + C65_LAM / D * sum(float(np.sum(p["factors"] ** 2)) for p in params)

            value, g = value_and_grad(model, model.params, X, y, C65_LAM)
            ref = F(model.params)
            worst = worse(worst, abs(value - ref) / max(1.0, abs(ref)))
            values += 1
            for _ in range(C65_DIRECTIONS):
                u = [{k: rng.normal(size=a.shape) for k, a in p.items()} for p in model.params]
                norm = math.sqrt(sum(float(np.sum(a * a)) for du in u for a in du.values()))
                plus, minus = (
                    [{k: p[k] + s * du[k] / norm for k in p} for p, du in zip(model.params, u, strict=True)]
                    for s in (C65_STEP, -C65_STEP)
                )
                fd = (F(plus) - F(minus)) / (2 * C65_STEP)
                ip = sum(float(np.sum(gp[k] * du[k])) for gp, du in zip(g, u, strict=True) for k in gp) / norm
                worst = worse(worst, abs(fd - ip) / max(1.0, abs(fd)))
                directions += 1
    return Measured(worst, {"directions": directions, "values": values})


C66_DEPTHS = (2, 3, 4)
C66_LAM = 0.3
C66_LR = 0.05
C66_MOMENTUM = 0.9
C66_WARMUP_STEPS = 3


@claim(
    "C66",
    "Imbalance after one heavy-ball step",
    "One step of SGD with heavy-ball momentum μ (v_d ← μv_d + g_d, ω_d ← ω_d − ηv_d) maps δ_dk = ω_d² − ω_k² to "
    "δ_dk[(1 − 2ηλ/D)² − η²G²P²] − 2ημ(ω̃_d v_d − ω̃_k v_k) + η²μ²(v_d² − v_k²), with P = Π_{j≠d,k} ω_j, "
    "ω̃_d = (1 − 2ηλ/D)ω_d − ηGPω_k the plain step and v the velocity before the step: the imbalance is no "
    "longer a function of itself alone, but of (ω, v).",
    f"MLP {_sizes(SMALL_SIZES)} (ReLU), n = {SMALL_N}, D ∈ {fmt_set(C66_DEPTHS)}, λ = {C66_LAM:g}, η = {C66_LR:g}, "
    f"μ = {C66_MOMENTUM:g}: {C66_WARMUP_STEPS} full-batch steps of sgd_momentum_step with value_and_grad (so v ≠ 0), "
    "then one more; G from the backward pass written here in NumPy at the collapsed weights before that step; "
    "error = largest |δ' − formula| / (ω_d² + ω_k² + η²μ²(v_d² + v_k²)) over every weight and pair d < k.",
    1e-12,
    source=derived("one heavy-ball step on ω_d and ω_k, expanded"),
    sample={"weight pairs": _weight_pairs(C66_DEPTHS)},
)
def _c66():
    from ..trainer import sgd_momentum_step, value_and_grad

    worst, pairs = 0.0, 0
    eta, mu, c = C66_LR, C66_MOMENTUM, 2 * C66_LAM
    for D in C66_DEPTHS:
        model, X, y, _ = _problem(D, 660 + D, SMALL_SIZES, SMALL_N)
        params = model.params
        velocity = [{k: np.zeros_like(a) for k, a in p.items()} for p in params]
        for _ in range(C66_WARMUP_STEPS):
            _, grads = value_and_grad(model, params, X, y, C66_LAM)
            sgd_momentum_step(params, grads, velocity, eta, mu)
        before = [p["factors"].copy() for p in params]
        v0 = [vel["factors"].copy() for vel in velocity]
        _, G, _ = _loss_and_weight_gradients(
            [np.prod(f, axis=0) for f in before], [p["bias"].copy() for p in params], X, y
        )
        _, grads = value_and_grad(model, params, X, y, C66_LAM)
        sgd_momentum_step(params, grads, velocity, eta, mu)
        for f0, f1, vl, Gl in zip(before, [p["factors"] for p in params], v0, G, strict=True):
            for d in range(D):
                for k in range(d + 1, D):
                    P = np.prod(np.delete(f0, [d, k], axis=0), axis=0)
                    plain_d = (1 - eta * c / D) * f0[d] - eta * Gl * P * f0[k]
                    plain_k = (1 - eta * c / D) * f0[k] - eta * Gl * P * f0[d]
                    delta = f0[d] ** 2 - f0[k] ** 2
                    pred = (
                        delta * ((1 - eta * c / D) ** 2 - eta**2 * Gl**2 * P**2)
                        - 2 * eta * mu * (plain_d * vl[d] - plain_k * vl[k])
                        + (eta * mu) ** 2 * (vl[d] ** 2 - vl[k] ** 2)
                    )
                    got = f1[d] ** 2 - f1[k] ** 2
                    scale = f0[d] ** 2 + f0[k] ** 2 + (eta * mu) ** 2 * (vl[d] ** 2 + vl[k] ** 2)
                    worst = worse(worst, float(np.max(np.abs(got - pred) / scale)))
                    pairs += got.size
    return Measured(worst, {"weight pairs": pairs})
