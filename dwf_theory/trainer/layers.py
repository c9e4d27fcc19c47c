"""Dense DWF layers and the MLP builder.

A DWF layer stores its weight matrix ``W`` (shape ``(n_in, n_out)``) as ``D``
factors of the same shape, ``W = ω_1 ⊙ … ⊙ ω_D`` (Kolb et al., ICLR 2025), and a bias
that is not factorized. ``D = 1`` is the plain dense layer.
"""

from __future__ import annotations

import math

import autograd.numpy as anp
import numpy as np
from autograd.tracer import getval

from .. import _validate as v
from ..initialization import SCHEMES, init_factors

__all__ = ["MLP", "forward", "ACTIVATIONS", "LOSSES"]

ACTIVATIONS = ("relu", "tanh", "identity")
LOSSES = ("cross_entropy", "mse")


def _relu(h):
    # Multiplying by a constant 0/1 mask has the cheapest derivative under autograd
    # (anp.maximum's VJP compares the arrays again); the value is exactly max(h, 0).
    return h * (getval(h) > 0)


def _activation(name: str):
    if name == "relu":
        return _relu
    if name == "tanh":
        return anp.tanh
    return lambda h: h


class MLP:
    """A fully connected network whose weight matrices are depth-``D`` factorizations.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths ``[n_in, hidden…, n_out]``, at least two entries, each >= 1.
    D : int >= 1
        Factorization depth; ``D = 1`` is the plain MLP.
    init : {'standard', 'varmatch', 'varmatch-truncated'}
        Scheme of :func:`dwf_theory.init_factors`, applied per
        layer with the plain model's He scale ``σ_w = init_scale·√(2/n_in)``.
    rng : numpy.random.Generator, int seed or None
    init_scale : float > 0
        Multiplies the He scale (used by the init-scale × learning-rate grid).
    activation : {'relu', 'tanh', 'identity'}
        Hidden-layer nonlinearity; the output layer is linear.
    loss : {'cross_entropy', 'mse'}
        Mean softmax cross-entropy over integer labels, or ``‖f − y‖² / (2n)``
        (the least-squares scaling of scikit-learn's ``Lasso``) for real targets.
    eps : float > 0
        Lower bound on ``|w|`` for the truncated scheme (capped at ``σ_w / 2``).
    dtype : numpy float dtype
        ``float64`` (default) or ``float32``.

    Attributes
    ----------
    params : list of dict
        One dict per layer: ``{'factors': (D, n_in, n_out), 'bias': (n_out,)}``.
        Biases start at zero.
    """

    def __init__(
        self,
        sizes,
        D,
        *,
        init: str = "varmatch-truncated",
        rng=None,
        init_scale: float = 1.0,
        activation: str = "relu",
        loss: str = "cross_entropy",
        eps: float = 1e-3,
        dtype=np.float64,
    ):
        try:
            sizes = [v.whole_number(s, "sizes entries", 1) for s in sizes]
        except TypeError as exc:
            if "sizes entries" in str(exc):
                raise
            raise TypeError(f"sizes must be a sequence of whole numbers, got {type(sizes).__name__}") from exc
        if len(sizes) < 2:
            raise ValueError(f"sizes must have at least two entries [n_in, n_out], got {sizes}")
        self.sizes = tuple(sizes)
        self.D = v.depth(D)
        v.allocation(self.D * sum(a * b for a, b in zip(sizes[:-1], sizes[1:])), "D and sizes")
        self.init = v.choice(init, "init", SCHEMES)
        self.activation = v.choice(activation, "activation", ACTIVATIONS)
        self.loss = v.choice(loss, "loss", LOSSES)
        self.init_scale = v.positive(init_scale, "init_scale")
        eps = v.positive(eps, "eps")
        self.dtype = _dtype(dtype)
        gen = v.generator(rng)
        self.params = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            sigma_w = self.init_scale * math.sqrt(2.0 / n_in)
            factors = init_factors((n_in, n_out), self.D, init, sigma_w, rng=gen, eps=min(eps, sigma_w / 2))
            self.params.append({"factors": factors.astype(self.dtype), "bias": np.zeros(n_out, self.dtype)})

    @property
    def n_weights(self) -> int:
        """Number of collapsed weights (biases excluded)."""
        return sum(a * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    def weights(self, params=None) -> list:
        """Collapsed weight matrices ``W_l = Π_d ω_{l,d}`` of ``params`` (default: ``self.params``)."""
        params = self.params if params is None else params
        return [np.prod(p["factors"], axis=0) for p in params]

    def predict(self, X, params=None) -> np.ndarray:
        """Network output (logits for cross-entropy, predictions for MSE) on ``X`` of shape ``(n, n_in)``."""
        X = _check_inputs(self, X)
        params = self.params if params is None else _check_params(self, params)
        return _forward(self.weights(params), [p["bias"] for p in params], X.astype(self.dtype), self.activation)

    def __repr__(self) -> str:
        return f"MLP(sizes={list(self.sizes)}, D={self.D}, init={self.init!r}, loss={self.loss!r})"


def _dtype(dtype) -> np.dtype:
    """``float32`` or ``float64`` as a NumPy dtype (``TypeError``/``ValueError`` naming ``dtype`` otherwise)."""
    try:
        dt = None if dtype is None else np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from exc
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return dt


def forward(weights, biases, X, activation: str = "relu") -> np.ndarray:
    """Output of the network with collapsed ``weights`` and ``biases`` on the inputs ``X``.

    ``h_0 = X``, ``h_l = σ(h_{l−1} W_l + b_l)`` for the hidden layers and a linear output layer
    (the network of Kolb et al., ICLR 2025, with its collapsed weights ``W_l = Π_d ω_{l,d}``).

    Parameters
    ----------
    weights : sequence of 2-D arrays
        ``W_l`` of shape ``(n_{l−1}, n_l)``, consecutive shapes chained.
    biases : sequence of 1-D arrays
        ``b_l`` of shape ``(n_l,)``, one per weight matrix.
    X : array_like, shape (n, n_0)
    activation : {'relu', 'tanh', 'identity'}

    Returns
    -------
    ndarray, shape (n, n_L)
        Raises ``ValueError`` if the output overflows float64.
    """
    weights, biases, X = _check_network(weights, biases, X)
    activation = v.choice(activation, "activation", ACTIVATIONS)
    with np.errstate(all="ignore"):
        out = np.asarray(_forward(weights, biases, X, activation))
    return v.finite_result(out, "weights, biases and X", "the network output")


def _check_network(weights, biases, X):
    """Finite float arrays with chained shapes: ``weights`` 2-D, ``biases`` 1-D of matching widths, ``X`` 2-D."""
    for seq, name in ((weights, "weights"), (biases, "biases")):
        if not isinstance(seq, (list, tuple)) or not seq:
            raise TypeError(f"{name} must be a non-empty list of arrays, got {type(seq).__name__}")
    if len(biases) != len(weights):
        raise ValueError(f"biases must hold one array per weight matrix ({len(weights)}), got {len(biases)}")
    Ws = [v.finite_array(W, f"weights[{i}]", ndim=2) for i, W in enumerate(weights)]
    bs = [v.finite_array(b, f"biases[{i}]", ndim=1) for i, b in enumerate(biases)]
    X = v.finite_array(X, "X", ndim=2)
    width = X.shape[1]
    for i, (W, b) in enumerate(zip(Ws, bs)):
        if W.shape[0] != width:
            what = "X" if i == 0 else f"weights[{i - 1}]"
            raise ValueError(f"weights[{i}] must have {width} rows to follow {what}, got shape {W.shape}")
        if b.shape != (W.shape[1],):
            raise ValueError(f"biases[{i}] must have shape ({W.shape[1]},), got {b.shape}")
        width = W.shape[1]
    return Ws, bs, X


def _forward(weights, biases, X, activation: str):
    """Unchecked :func:`forward` (autograd-traceable): the training loop's and the objective's core."""
    act = _activation(activation)
    h = X
    last = len(weights) - 1
    for i, (W, b) in enumerate(zip(weights, biases)):
        h = anp.matmul(h, W) + b
        if i < last:
            h = act(h)
    return h


def _check_model(model) -> MLP:
    """``model`` if it is an :class:`MLP` (``TypeError`` naming it otherwise)."""
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a dwf_theory.trainer.MLP, got {type(model).__name__}")
    return model


def _check_inputs(model: MLP, X) -> np.ndarray:
    """``X`` as a finite float array of shape ``(n, n_in)``."""
    _check_model(model)
    X = v.finite_array(X, "X", ndim=2)
    if X.shape[1] != model.sizes[0]:
        raise ValueError(f"X must have shape (n, {model.sizes[0]}), got {X.shape}")
    if X.shape[0] < 1:
        raise ValueError("X must contain at least one row")
    return X


def _check_targets(model: MLP, y, n: int) -> np.ndarray:
    """Labels in ``0..n_out−1`` (cross-entropy) or real targets of shape ``(n,)``/``(n, n_out)`` (MSE)."""
    _check_model(model)
    n = v.whole_number(n, "n", 1)
    n_out = model.sizes[-1]
    if model.loss == "cross_entropy":
        arr = np.asarray(y)
        if arr.ndim != 1 or arr.shape[0] != n:
            raise ValueError(f"y must be a 1-d array of {n} integer labels (one per row of X), got shape {arr.shape}")
        whole = np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))
        if not (np.issubdtype(arr.dtype, np.integer) or whole):
            raise TypeError(f"y must hold integer class labels, got dtype {arr.dtype}")
        arr = arr.astype(np.int64)
        if arr.size and (arr.min() < 0 or arr.max() >= n_out):
            raise ValueError(f"y labels must lie in 0..{n_out - 1}, got range {arr.min()}..{arr.max()}")
        return arr
    arr = v.finite_array(y, "y")
    if arr.ndim == 1 and n_out == 1:
        arr = arr[:, None]
    if arr.shape != (n, n_out):
        raise ValueError(
            f"y must have shape ({n},) or ({n}, {n_out}) for the MSE loss (one row per row of X), got {arr.shape}"
        )
    return arr


def _check_params(model: MLP, params) -> list:
    """``params`` shaped like ``model.params`` with finite entries."""
    _check_model(model)
    if not isinstance(params, (list, tuple)) or len(params) != len(model.params):
        raise ValueError(f"params must be a list of {len(model.params)} layer dicts like model.params")
    out = []
    for i, (p, ref) in enumerate(zip(params, model.params)):
        if not isinstance(p, dict) or set(p) != {"factors", "bias"}:
            raise ValueError(f"params[{i}] must be a dict with keys 'factors' and 'bias'")
        f = v.factor_array(p["factors"], f"params[{i}]['factors']", D=model.D)
        b = v.finite_array(p["bias"], f"params[{i}]['bias']")
        if f.shape != ref["factors"].shape:
            raise ValueError(f"params[{i}]['factors'] must have shape {ref['factors'].shape}, got {f.shape}")
        if b.shape != ref["bias"].shape:
            raise ValueError(f"params[{i}]['bias'] must have shape {ref['bias'].shape}, got {b.shape}")
        out.append({"factors": f.astype(model.dtype, copy=False), "bias": b.astype(model.dtype, copy=False)})
    return out
