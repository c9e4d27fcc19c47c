"""C80–C82: the paper's Theorem 1 on trained networks, and its group form (C82).

A DWF network (an MLP and a CNN, D = 2, 3, 4) is trained by minibatch SGD with momentum and
then polished full batch (:func:`dwf_theory.trainer.polish`) to a stationary point of
``F = mean loss + (λ/D)Σ‖ω‖²``. Theorem 1 of Kolb et al., ICLR 2025 says that local minima of
``F`` are balanced (``ω_d² = |w|^{2/D}`` for every factor) and map to local minima of
``G(w) = mean loss + λ Σ |w|^{2/D}``. The checks here compute the loss and its derivatives with
respect to the collapsed weights independently of the trainer: a NumPy forward pass with a
direct convolution, differentiated by the complex step ``∂L/∂w_j = Im L(w + i h e_j) / h``
(exact to rounding: no subtraction). tanh activations keep ``F`` smooth, so the polish converges
to many digits.
"""

from __future__ import annotations

import functools

import numpy as np

from ._registry import Measured, claim, derived, fmt_set, paper, worse
from .trainer import _direct_network

DEPTHS = (2, 3, 4)
LAMS = {2: 1e-2, 3: 4e-3, 4: 2e-3}  # strengths that leave a sparse network that still learns, per depth
N_ROWS = 60
HIDDEN = 4  # hidden units of the MLP
FILTERS = 2  # filters of the CNN
EPOCHS = 60
LR = 0.1
# Weights at or below the zero tolerance leave the support between polish rounds. For D >= 3 zero is a
# local minimum of every coordinate, so weights on their way there may be cut early; for D = 2 a weight is
# only zero if |∂L/∂w| <= λ, so only weights that the polish already drove to ~0 are cut.
ZERO_TOL = {2: 1e-8, 3: 1e-3, 4: 1e-3}
ROUNDS = 2
POLISH_ITER = 200
COMPLEX_STEP = 1e-30


def _nets():
    """(name, layers, input shape) of the MLP and the CNN (tanh)."""
    from ..trainer import Conv2d, Dense, Flatten

    return (
        (f"MLP 64-{HIDDEN}-10", (Dense(HIDDEN), Dense(10)), (64,)),
        (f"CNN conv {FILTERS}@3×3", (Conv2d(FILTERS, 3, stride=2), Flatten(), Dense(10)), (1, 8, 8)),
    )


NET_TEXT = f"an MLP 64-{HIDDEN}-10 and a CNN (conv {FILTERS}@3×3 stride 2, dense 10), tanh"


def _train_and_polish(nets, depths, lams, zero_tol):
    """Every (name, D, λ, model, X, y, PolishResult) of ``nets`` after SGD training and the full-batch polish."""
    from ..trainer import Network, load_digits_split, polish, train

    data = load_digits_split(0)
    X, y = data.X_train[:N_ROWS], data.y_train[:N_ROWS]
    out = []
    for name, layers, shape in nets:
        for D in depths:
            lam = lams[D]
            model = Network(list(layers), shape, D, rng=80 + D, activation="tanh", dtype=np.float64)
            train(model, (X, y, X, y), lam=lam, lr=LR, epochs=EPOCHS, batch_size=50, schedule="cosine", rng=D)
            result = None
            for _ in range(ROUNDS):  # weights that reach zero during a round leave the support of the next
                result = polish(model, X, y, lam, zero_tol=zero_tol[D], max_iter=POLISH_ITER)
            out.append((name, D, lam, model, X.reshape(-1, *shape), y, result))
    return tuple(out)


@functools.lru_cache(maxsize=1)
def _polished():
    """The MLP and CNN of C80 and C81, trained and polished."""
    return _train_and_polish(_nets(), DEPTHS, LAMS, ZERO_TOL)


def _loss(model, weights, biases, X, y):
    """Mean softmax cross-entropy (complex-safe: the shift is the real row maximum)."""
    a = _direct_network(model.layers, weights, biases, X, np.tanh)
    m = a.real.max(axis=1, keepdims=True)
    return np.mean(np.log(np.exp(a - m).sum(axis=1)) + m[:, 0] - a[np.arange(y.size), y])


def _collapsed_gradient(model, X, y, entries, weights=None):
    """``∂L/∂w`` at each (layer, flat index) of ``entries`` by the complex step (at ``weights``, default the
    product of each layer's factors)."""
    if weights is None:
        weights = [np.prod(p["factors"], axis=0) for p in model.params]
    biases = [p["bias"] for p in model.params]
    out = []
    for layer, j in entries:
        bumped = [w.astype(complex) for w in weights]
        bumped[layer].flat[j] += 1j * COMPLEX_STEP
        out.append(float(_loss(model, bumped, biases, X, y).imag / COMPLEX_STEP))
    return np.array(out)


def _G(model, weights, X, y, lam, D):
    return float(_loss(model, weights, [p["bias"] for p in model.params], X, y).real) + lam * sum(
        float(np.sum(np.abs(w) ** (2.0 / D))) for w in weights
    )


@claim(
    "C80",
    "Trained networks: balanced factors and the L_{2/D} conditions",
    "At the polished end of training, every nonzero weight's factors are balanced (ω_d² = |w|^{2/D}), the "
    "collapsed weights satisfy ∂L/∂w_j + λ q sign(w_j)|w_j|^{q−1} = 0 (q = 2/D) on the support, and for D = 2 "
    "|∂L/∂w_j| ≤ λ off it.",
    f"Digits ({N_ROWS} training rows), {NET_TEXT}; D ∈ {fmt_set(DEPTHS)} with λ = "
    f"{', '.join(f'{LAMS[D]:g}' for D in DEPTHS)}; {EPOCHS} epochs of SGD (momentum 0.9, cosine, batch 50, "
    f"η = {LR:g}), then {ROUNDS} rounds of polish (weights |w| <= {ZERO_TOL[2]:g} for D = 2, "
    f"{ZERO_TOL[3]:g} for D >= 3 zeroed; L-BFGS, trust-region Newton–CG, then Newton steps by MINRES; "
    f"at most {POLISH_ITER} iterations each). ∂L/∂w by the complex step through a forward pass written here. Error = "
    "largest of: factor imbalance (max_d ω_d² − min_d ω_d²)/|w|^{2/D}; stationarity residual relative to "
    "λq|w|^{q−1}; for D = 2, |∂L/∂w_j|/λ − 1 off the support (≤ 0 passes).",
    1e-6,
    source=paper("Theorem 1"),
    sample={"networks": 2 * len(DEPTHS), "support weights": 100, "zero weights (D = 2)": 100},
)
def _c80():
    worst, nets, on, off = 0.0, 0, 0, 0
    details = []
    for name, D, lam, model, X, y, result in _polished():
        weights = model.weights()
        support = [(layer, j) for layer, w in enumerate(weights) for j in np.flatnonzero(w)]
        if not support:
            return Measured(np.inf, {"networks": nets}, f"{name}, D = {D}: every weight is zero")
        q = 2.0 / D
        for layer, p in enumerate(model.params):
            f = p["factors"].reshape(D, -1)
            nz = np.flatnonzero(weights[layer])
            sq = f[:, nz] ** 2
            worst = worse(worst, float(np.max((sq.max(0) - sq.min(0)) / np.abs(weights[layer].flat[nz]) ** q)))
        w_on = np.array([weights[layer].flat[j] for layer, j in support])
        grad_on = _collapsed_gradient(model, X, y, support)
        pull = lam * q * np.sign(w_on) * np.abs(w_on) ** (q - 1)
        worst = worse(worst, float(np.max(np.abs(grad_on + pull) / np.abs(pull))))
        on += len(support)
        if D == 2:
            zeros = [(layer, j) for layer, w in enumerate(weights) for j in np.flatnonzero(w == 0)]
            if zeros:
                worst = worse(worst, float(np.max(np.abs(_collapsed_gradient(model, X, y, zeros)) / lam - 1.0)))
            off += len(zeros)
        nets += 1
        details.append(f"{name.split()[0]} D={D}: {len(support)} nonzero, |∇F| {result.gradient_norm:.1e}")
    counts = {"networks": nets, "support weights": on, "zero weights (D = 2)": off}
    return Measured(worst, counts, "; ".join(details))


PERTURB_DIRECTIONS = 20
PERTURB_STEPS = (1e-2, 1e-3)
SWITCH_ON = 20
SWITCH_STEPS = (1e-3, 1e-5)


@claim(
    "C81",
    "Trained networks are local minima of the L_{2/D} objective",
    "No small perturbation of the polished collapsed weights lowers G(w) = mean loss + λ Σ|w|^{2/D}: neither "
    "moves within the support nor switching on a zero weight.",
    f"The networks of C80. G written here. {PERTURB_DIRECTIONS} random unit directions within the support "
    f"(scaled by |w|) at relative steps ±{fmt_set(PERTURB_STEPS)}, and {SWITCH_ON} zero weights switched on at "
    f"±{fmt_set(SWITCH_STEPS)}, per network. Error = the largest decrease G(w) − G(w + δ), relative to |G| "
    "(rounding of G is ~1e-15; a pass needs every change ≥ −1e-13·|G|).",
    1e-13,
    source=paper("Theorem 1"),
    sample={"networks": 2 * len(DEPTHS), "perturbations": 2 * len(DEPTHS) * PERTURB_DIRECTIONS * 4},
)
def _c81():
    worst, nets, tried = -np.inf, 0, 0
    for _, D, lam, model, X, y, _ in _polished():
        rng = np.random.default_rng(810 + D)
        weights = model.weights()
        base = _G(model, weights, X, y, lam, D)
        moves = []
        for _ in range(PERTURB_DIRECTIONS):
            u = [rng.normal(size=w.shape) * np.abs(w) for w in weights]
            norm = np.sqrt(sum(float(np.sum(a * a)) for a in u)) / np.sqrt(sum(float(np.sum(w * w)) for w in weights))
            moves += [[w + s * t * a / norm for w, a in zip(weights, u)] for t in PERTURB_STEPS for s in (1, -1)]
        zeros = [(layer, j) for layer, w in enumerate(weights) for j in np.flatnonzero(w == 0)]
        for k in rng.permutation(len(zeros))[:SWITCH_ON]:
            layer, j = zeros[k]
            for t in SWITCH_STEPS:
                for s in (1, -1):
                    moved = [w.copy() for w in weights]
                    moved[layer].flat[j] = s * t
                    moves.append(moved)
        for moved in moves:
            worst = max(worst, (base - _G(model, moved, X, y, lam, D)) / abs(base))
            tried += 1
        nets += 1
    return Measured(worse(0.0, worst), {"networks": nets, "perturbations": tried})


# --------------------------------------------------------------------------- C82: grouped layers

GROUP_DEPTHS = (2, 3)
GROUP_LAMS = {2: 3e-2, 3: 2e-2}  # strengths that switch some units or filters off, per depth
GROUP_UNITS = 8  # hidden units of the MLP
GROUP_FILTERS = 4  # filters of the CNN
GROUP_ZERO_TOL = 1e-6  # groups with ‖W_g‖ at or below it leave the support between polish rounds


def _group_nets():
    """(name, layers, input shape) of the grouped MLP and CNN (tanh); grouped and Hadamard layers mixed."""
    from ..trainer import Conv2d, Dense, Flatten

    return (
        (f"MLP 64-{GROUP_UNITS}g-10", (Dense(GROUP_UNITS, grouped=True), Dense(10)), (64,)),
        (
            f"CNN conv {GROUP_FILTERS}g@3×3",
            (Conv2d(GROUP_FILTERS, 3, stride=2, grouped=True), Flatten(), Dense(10, grouped=True)),
            (1, 8, 8),
        ),
    )


@functools.lru_cache(maxsize=1)
def _polished_groups():
    """The grouped MLP and CNN of C82, trained and polished."""
    return _train_and_polish(_group_nets(), GROUP_DEPTHS, GROUP_LAMS, dict.fromkeys(GROUP_DEPTHS, GROUP_ZERO_TOL))


def _groups_of(p):
    """A grouped layer's weight written here, ``W_g = (Π_d s_{g,d}) v_g``, with the groups on the first axis.

    Returns ``(W, W_groups, gate_sq, vector_sq)``: the weight in the layer's shape, its ``(G, group size)``
    view (units are the columns of a dense weight, filters the first axis of a kernel), the squares of the
    gates ``(D − 1, G)`` and of the vectors' norms ``(G,)``.
    """
    gates, vector = p["gates"], p["vector"]
    by_group = vector.T if vector.ndim == 2 else vector.reshape(vector.shape[0], -1)
    s = np.prod(gates, axis=0)
    W_groups = s[:, None] * by_group
    W = W_groups.T if vector.ndim == 2 else W_groups.reshape(vector.shape)
    return W, W_groups, gates**2, np.sum(by_group**2, axis=1)


def _group_indices(shape, g):
    """Flat indices (C order) of group ``g`` of a weight of ``shape``."""
    idx = np.arange(int(np.prod(shape))).reshape(shape)
    return (idx[:, g] if len(shape) == 2 else idx[g]).ravel()


@claim(
    "C82",
    "Trained grouped networks: balanced groups and the group L_{2,2/D} conditions",
    "With each unit's incoming weights (dense) or each filter (convolution) factorized as W_g = (Π_{d<D} s_{g,d}) v_g "
    "and (λ/D)(Σ s² + Σ‖v‖²) on the factors, the polished end of training has balanced groups "
    "(s_{g,d}² = ‖v_g‖² = ‖W_g‖^{2/D}), the collapsed groups satisfy ∇_{W_g} L + λ q ‖W_g‖^{q−2} W_g = 0 "
    "(q = 2/D) where W_g ≠ 0, and for D = 2 ‖∇_{W_g} L‖ ≤ λ where W_g = 0 (the group lasso's condition).",
    f"Digits ({N_ROWS} training rows), an MLP 64-{GROUP_UNITS}-10 with grouped hidden units and a CNN (conv "
    f"{GROUP_FILTERS}@3×3 stride 2 with grouped filters, dense 10 with grouped units), tanh; D ∈ "
    f"{fmt_set(GROUP_DEPTHS)} with λ = {', '.join(f'{GROUP_LAMS[D]:g}' for D in GROUP_DEPTHS)}; {EPOCHS} epochs of "
    f"SGD (as C80), then {ROUNDS} rounds of polish (groups with ‖W_g‖ <= {GROUP_ZERO_TOL:g} zeroed). W_g from the "
    "gates and vectors written here; ∇_{W_g} L entry by entry by the complex step through C80's forward pass. "
    "Error = largest of: group imbalance (max − min of the D squares)/‖W_g‖^{2/D}; ‖∇_{W_g} L + λq‖W_g‖^{q−2}W_g‖ "
    "relative to λq‖W_g‖^{q−1}; for D = 2, ‖∇_{W_g} L‖/λ − 1 on the zero groups (≤ 0 passes).",
    1e-6,
    source=derived("the group form of Theorem 1 of Kolb et al., ICLR 2025"),
    sample={"networks": 2 * len(GROUP_DEPTHS), "active groups": 20, "zero groups (D = 2)": 4},
)
def _c82():
    worst, nets, on, off = 0.0, 0, 0, 0
    details = []
    for name, D, lam, model, X, y, result in _polished_groups():
        q = 2.0 / D
        groups = [_groups_of(p) if "gates" in p else None for p in model.params]
        weights = [np.prod(p["factors"], axis=0) if g is None else g[0] for p, g in zip(model.params, groups)]
        kept = []
        for layer, group in enumerate(groups):
            if group is None:
                continue
            W, W_groups, gate_sq, vector_sq = group
            norms = np.sqrt(np.sum(W_groups**2, axis=1))
            for g in range(norms.size):
                if norms[g] == 0 and D != 2:  # for D >= 3 zero is a local minimum of every group: nothing to check
                    continue
                grad = _collapsed_gradient(model, X, y, [(layer, j) for j in _group_indices(W.shape, g)], weights)
                if norms[g] == 0:
                    worst = worse(worst, float(np.linalg.norm(grad) / lam - 1.0))
                    off += 1
                    continue
                on += 1
                squares = np.append(gate_sq[:, g], vector_sq[g])
                worst = worse(worst, float((squares.max() - squares.min()) / norms[g] ** q))
                pull = lam * q * norms[g] ** (q - 2) * W_groups[g]
                worst = worse(worst, float(np.linalg.norm(grad + pull) / (lam * q * norms[g] ** (q - 1))))
            kept.append(f"{int(np.count_nonzero(norms))}/{norms.size}")
        nets += 1
        details.append(f"{name.split()[0]} D={D}: groups kept {', '.join(kept)}, |∇F| {result.gradient_norm:.1e}")
    counts = {"networks": nets, "active groups": on, "zero groups (D = 2)": off}
    return Measured(worst, counts, "; ".join(details))
