"""Dense DWF layers: the MLP builder and the forward pass of a network given its collapsed weights.

A DWF layer stores its weight matrix ``W`` (shape ``(n_in, n_out)``) as ``D``
factors of the same shape, ``W = ω_1 ⊙ … ⊙ ω_D`` (Kolb et al., ICLR 2025), and a bias
that is not factorized. ``D = 1`` is the plain dense layer. :class:`MLP` is the
:class:`~dwf_theory.trainer.network.Network` of dense layers only.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np

from .. import _validate as v
from .network import ACTIVATIONS, LOSSES, Dense, Network, _activation, _grouped_hidden

__all__ = ["MLP", "forward", "ACTIVATIONS", "LOSSES"]


class MLP(Network):
    """A fully connected network whose weight matrices are depth-``D`` factorizations.

    The :class:`~dwf_theory.trainer.network.Network` ``[Dense(n) for n in sizes[1:]]`` on inputs of
    ``sizes[0]`` features (rows of ``sizes[0]`` values in any shape, e.g. 8×8 images, are flattened).

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
    rescale : bool
        Rescale truncated factors to the exact product variance ``σ_w²`` (see :class:`Network`).
    activation : {'relu', 'tanh', 'identity'}
        Hidden-layer nonlinearity; the output layer is linear.
    loss : {'cross_entropy', 'mse'}
        Mean softmax cross-entropy over integer labels, or ``‖f − y‖² / (2n)``
        (the least-squares scaling of scikit-learn's ``Lasso``) for real targets.
    eps : float > 0
        Lower bound on ``|w|`` for the truncated scheme (capped at ``σ_w / 2``).
    dtype : numpy float dtype
        ``float64`` (default) or ``float32``.
    grouped : bool
        Factorize the hidden layers per unit (``Dense(n, grouped=True)``: gates times one vector of
        incoming weights, :mod:`dwf_theory.trainer.groups`), so that the penalty switches whole hidden
        units off; the output layer stays a plain DWF layer.

    Attributes
    ----------
    params : list of dict
        One dict per layer: ``{'factors': (D, n_in, n_out), 'bias': (n_out,)}``.
        Biases start at zero.
    sizes : tuple of int
    """

    def __init__(
        self,
        sizes,
        D,
        *,
        init: str = "varmatch-truncated",
        rng=None,
        init_scale: float = 1.0,
        rescale: bool = False,
        activation: str = "relu",
        loss: str = "cross_entropy",
        eps: float = 1e-3,
        dtype=np.float64,
        grouped: bool = False,
    ):
        grouped = v.flag(grouped, "grouped")
        try:
            sizes = [v.whole_number(s, "sizes entries", 1) for s in sizes]
        except TypeError as exc:
            if "sizes entries" in str(exc):
                raise
            raise TypeError(f"sizes must be a sequence of whole numbers, got {type(sizes).__name__}") from exc
        if len(sizes) < 2:
            raise ValueError(f"sizes must have at least two entries [n_in, n_out], got {sizes}")
        self.sizes = tuple(sizes)
        v.allocation(v.depth(D) * sum(a * b for a, b in zip(sizes[:-1], sizes[1:])), "D and sizes")
        layers = [Dense(n) for n in sizes[1:]]
        super().__init__(
            _grouped_hidden(layers) if grouped else layers,
            (sizes[0],),
            D,
            init=init,
            rng=rng,
            init_scale=init_scale,
            rescale=rescale,
            activation=activation,
            loss=loss,
            eps=eps,
            dtype=dtype,
            name="mlp",
        )

    def _apply(self, weights, biases, X):
        return _forward(weights, biases, X, self.activation)

    def __repr__(self) -> str:
        group = ", grouped=True" if any(self.grouped) else ""
        return f"MLP(sizes={list(self.sizes)}, D={self.D}, init={self.init!r}, loss={self.loss!r}{group})"


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
