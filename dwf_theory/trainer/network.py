"""DWF networks built from a list of layer specs: dense and convolutional layers, pooling, flatten.

Every weight array of a parametric layer (dense matrix or convolution kernel) is a depth-``D``
factorization ``W = ω_1 ⊙ … ⊙ ω_D`` (Kolb et al., ICLR 2025); biases are not factorized.
The gradient of the training objective is taken with respect to the collapsed weights and
chained to the factors (:mod:`dwf_theory.trainer.objective`), so convolutions and dense layers
share one code path.

>>> from dwf_theory.trainer import Conv2d, Dense, Flatten, MaxPool, Network
>>> net = Network([Conv2d(6, 3, padding=1), MaxPool(2), Flatten(), Dense(10)], (1, 8, 8), D=3, rng=0)
>>> [p["factors"].shape for p in net.params]
[(3, 6, 1, 3, 3), (3, 96, 10)]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import autograd.numpy as anp
import numpy as np
from autograd.tracer import getval

from .. import _validate as v
from ..initialization import SCHEMES, init_factors
from .groups import balanced_groups, collapse, unit_norms
from .ops import conv, conv_output_size, max_pool

__all__ = [
    "Dense",
    "Conv1d",
    "Conv2d",
    "MaxPool",
    "Flatten",
    "Network",
    "ACTIVATIONS",
    "LOSSES",
    "ARCHITECTURES",
    "build_network",
    "ModelSpec",
]

ACTIVATIONS = ("relu", "tanh", "identity")
LOSSES = ("cross_entropy", "mse")


@dataclass(frozen=True)
class Dense:
    """A fully connected layer with ``units`` outputs; weight ``(n_in, units)``, ``h ↦ h W + b``.

    ``grouped=True`` factorizes the incoming weights of each unit as gates times one vector
    (:mod:`dwf_theory.trainer.groups`), so that the penalty switches whole units off.
    """

    units: int
    grouped: bool = False

    def __post_init__(self):
        object.__setattr__(self, "units", v.whole_number(self.units, "units", 1))
        object.__setattr__(self, "grouped", v.flag(self.grouped, "grouped"))


@dataclass(frozen=True)
class _Conv:
    channels: int
    kernel_size: int
    stride: int = 1
    padding: int = 0
    grouped: bool = False

    ndim = 0  # spatial dimensions, set by the subclasses

    def __post_init__(self):
        for name, low in (("channels", 1), ("kernel_size", 1), ("stride", 1), ("padding", 0)):
            object.__setattr__(self, name, v.whole_number(getattr(self, name), name, low))
        object.__setattr__(self, "grouped", v.flag(self.grouped, "grouped"))


@dataclass(frozen=True)
class Conv1d(_Conv):
    """A 1-D convolution with ``channels`` filters of length ``kernel_size``; kernel ``(C_out, C_in, k)``.

    PyTorch's ``Conv1d`` semantics: cross-correlation, zero ``padding`` on both sides, ``stride``.
    ``grouped=True`` factorizes each filter as gates times one vector (:mod:`dwf_theory.trainer.groups`),
    so that the penalty switches whole filters off.
    """

    ndim = 1


@dataclass(frozen=True)
class Conv2d(_Conv):
    """A 2-D convolution with ``channels`` square ``kernel_size × kernel_size`` filters.

    Kernel ``(C_out, C_in, k, k)``; PyTorch's ``Conv2d`` semantics and ``grouped``, as :class:`Conv1d`.
    """

    ndim = 2


@dataclass(frozen=True)
class MaxPool:
    """Non-overlapping max pooling (window = stride = ``size``) over every spatial axis."""

    size: int

    def __post_init__(self):
        object.__setattr__(self, "size", v.whole_number(self.size, "size", 1))


@dataclass(frozen=True)
class Flatten:
    """Flattens ``(C, *spatial)`` to ``C·prod(spatial)`` features in PyTorch's (channels-first) order."""


_SPECS = (Dense, Conv1d, Conv2d, MaxPool, Flatten)


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


def _check_spec(spec, i: int):
    """A layer spec (its fields are checked when it is made); ``TypeError`` naming ``layers[i]`` otherwise."""
    if not isinstance(spec, _SPECS):
        names = ", ".join(t.__name__ for t in _SPECS)
        raise TypeError(f"layers[{i}] must be one of {names}, got {type(spec).__name__}")
    return spec


def _plan(layers, input_shape: tuple) -> tuple[list, tuple]:
    """Shape inference: the weight shape of every parametric layer and the output shape.

    ``ValueError`` naming the layer when an input shape does not fit it.
    """
    shape = tuple(input_shape)
    weights = []
    for i, spec in enumerate(layers):
        if isinstance(spec, Dense):
            if len(shape) != 1:
                raise ValueError(f"layers[{i}] (Dense) needs a flat input; add Flatten() before it (input {shape})")
            weights.append((shape[0], spec.units))
            shape = (spec.units,)
        elif isinstance(spec, _Conv):
            if len(shape) != spec.ndim + 1:
                raise ValueError(
                    f"layers[{i}] ({type(spec).__name__}) needs an input (channels, {spec.ndim} spatial axes), "
                    f"got {shape}"
                )
            out = tuple(conv_output_size(s, spec.kernel_size, spec.stride, spec.padding) for s in shape[1:])
            if min(out) < 1:
                raise ValueError(f"layers[{i}] ({type(spec).__name__}): kernel larger than the padded input {shape}")
            weights.append((spec.channels, shape[0], *([spec.kernel_size] * spec.ndim)))
            shape = (spec.channels, *out)
        elif isinstance(spec, MaxPool):
            if len(shape) < 2 or min(shape[1:]) < spec.size:
                raise ValueError(
                    f"layers[{i}] (MaxPool({spec.size})) needs spatial axes of at least {spec.size}, got {shape}"
                )
            shape = (shape[0], *(s // spec.size for s in shape[1:]))
        else:
            shape = (math.prod(shape),)
    if not weights or not isinstance(layers[-1], Dense):
        raise ValueError("layers must end with a Dense layer (the linear output layer)")
    return weights, shape


class Network:
    """A network whose dense matrices and convolution kernels are depth-``D`` factorizations.

    Each parametric layer but the last is followed by the activation; the last layer is linear.

    Parameters
    ----------
    layers : sequence of Dense, Conv1d, Conv2d, MaxPool, Flatten
        Ends with a ``Dense`` layer (the output).
    input_shape : tuple of int
        Shape of one input without the batch axis: ``(n_in,)``, ``(C, L)`` or ``(C, H, W)``.
        Inputs whose rows hold ``prod(input_shape)`` values in another shape are reshaped.
    D : int >= 1
        Factorization depth; ``D = 1`` is the plain network.
    init : {'standard', 'varmatch', 'varmatch-truncated'}
        Scheme of :func:`dwf_theory.init_factors`, applied per layer with the plain model's He
        scale ``σ_w = init_scale·√(2/fan_in)`` (fan_in = ``n_in``, or ``C_in·prod(kernel)``).
    rng : numpy.random.Generator, int seed or None
    init_scale : float > 0
    rescale : bool
        For ``'varmatch-truncated'``: scale the factors so that the truncated product has variance
        exactly ``σ_w²`` (:func:`dwf_theory.init_factors`; without it the truncation shrinks the
        standard deviation to about 0.55, 0.37, 0.28 ``σ_w`` for D = 2, 3, 4).
    activation : {'relu', 'tanh', 'identity'}
    loss : {'cross_entropy', 'mse'}
        Mean softmax cross-entropy over integer labels, or ``‖f − y‖² / (2n)`` for real targets.
    eps : float > 0
        Lower bound on ``|w|`` for the truncated scheme (capped at ``σ_w / 2``).
    dtype : numpy float dtype
        ``float64`` (default) or ``float32``.
    name : str, optional
        A label for summaries (e.g. the architecture's name).

    Attributes
    ----------
    params : list of dict
        One ``{'factors': (D, *weight_shape), 'bias': (n_out,)}`` per parametric layer; a grouped layer
        (``Dense(..., grouped=True)``, ``Conv2d(..., grouped=True)``) holds
        ``{'gates': (D − 1, G), 'vector': weight_shape, 'bias': (n_out,)}`` instead, ``G`` its units or
        filters, initialized at the balanced factorization (:func:`~dwf_theory.trainer.groups.balanced_groups`)
        of the same collapsed draw as the plain layer's. Biases start at zero.
    grouped : tuple of bool
        Per parametric layer, whether it is grouped.
    weight_shapes : tuple of tuple
    output_shape : tuple
    sizes : tuple of int or None
        The widths ``[n_in, …, n_out]`` of an :class:`~dwf_theory.trainer.MLP`; ``None`` otherwise.
    """

    sizes = None

    def __init__(
        self,
        layers,
        input_shape,
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
        name: str | None = None,
    ):
        if not isinstance(layers, (list, tuple)) or not layers:
            raise TypeError(f"layers must be a non-empty list of layer specs, got {type(layers).__name__}")
        self.layers = tuple(_check_spec(s, i) for i, s in enumerate(layers))
        self.input_shape = _input_shape(input_shape)
        self.weight_shapes, self.output_shape = (tuple(x) for x in _plan(self.layers, self.input_shape))
        self.D = v.depth(D)
        v.allocation(self.D * self.n_weights, "D and the layer sizes")
        self.init = v.choice(init, "init", SCHEMES)
        self.activation = v.choice(activation, "activation", ACTIVATIONS)
        self.loss = v.choice(loss, "loss", LOSSES)
        self.init_scale = v.positive(init_scale, "init_scale")
        self.rescale = v.flag(rescale, "rescale")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string or None, got {type(name).__name__}")
        self.name = name
        eps = v.positive(eps, "eps")
        self.dtype = _dtype(dtype)
        gen = v.generator(rng)
        self.grouped = tuple(s.grouped for s in self.layers if isinstance(s, (Dense, _Conv)))
        self.params = []
        for shape, grouped in zip(self.weight_shapes, self.grouped):
            fan_in = shape[0] if len(shape) == 2 else math.prod(shape[1:])
            sigma_w = self.init_scale * math.sqrt(2.0 / fan_in)
            factors = init_factors(
                shape, self.D, init, sigma_w, rng=gen, eps=min(eps, sigma_w / 2), rescale=self.rescale
            )
            n_out = shape[1] if len(shape) == 2 else shape[0]
            if grouped:  # the same collapsed draw, factorized per group at its balanced point
                gates, vector = balanced_groups(np.prod(factors, axis=0), self.D)
                layer = {"gates": gates.astype(self.dtype), "vector": vector.astype(self.dtype)}
            else:
                layer = {"factors": factors.astype(self.dtype)}
            self.params.append({**layer, "bias": np.zeros(n_out, self.dtype)})

    @property
    def n_outputs(self) -> int:
        """Width of the output layer."""
        return self.output_shape[0]

    @property
    def n_weights(self) -> int:
        """Number of collapsed weights (biases excluded)."""
        return sum(math.prod(s) for s in self.weight_shapes)

    @property
    def architecture(self) -> str:
        """A one-line description of the layers, e.g. ``conv2d6k3p1-maxpool2-flatten-dense10``."""
        return "-".join(_describe(s) for s in self.layers)

    def weights(self, params=None) -> list:
        """Collapsed weights ``W_l = Π_d ω_{l,d}`` of ``params`` (default: ``self.params``).

        A grouped layer's weight is ``W_g = (Π_d s_{g,d}) v_g`` per group (:mod:`dwf_theory.trainer.groups`).
        """
        params = self.params if params is None else params
        return [collapse(p) for p in params]

    def unit_norms(self, params=None) -> list:
        """``‖W_g‖_2`` of every unit's incoming weights (dense) or filter (convolution), one array per layer.

        Defined for every layer, grouped or not; a unit whose norm is zero is switched off.
        """
        params = self.params if params is None else _check_params(self, params)
        return [unit_norms(W) for W in self.weights(params)]

    def predict(self, X, params=None) -> np.ndarray:
        """Network output (logits for cross-entropy, predictions for MSE) on ``X`` of shape ``(n, *input_shape)``."""
        X = _check_inputs(self, X)
        params = self.params if params is None else _check_params(self, params)
        return self._apply(self.weights(params), [p["bias"] for p in params], X)

    def _apply(self, weights, biases, X):
        """Unchecked forward pass (autograd-traceable) on inputs prepared by :func:`_check_inputs`."""
        act = _activation(self.activation)
        h = X
        # Convolutions and pooling run channels-major, (C, n, *spatial) (see ops); Flatten swaps back.
        channels_major = False
        last = len(weights) - 1
        k = 0
        for spec in self.layers:
            if isinstance(spec, Dense):
                h = anp.matmul(h, weights[k]) + biases[k]
            elif isinstance(spec, _Conv):
                if not channels_major:
                    h, channels_major = anp.swapaxes(h, 0, 1), True
                h = conv(h, weights[k], biases[k], spec.stride, spec.padding)
            elif isinstance(spec, MaxPool):
                if not channels_major:
                    h, channels_major = anp.swapaxes(h, 0, 1), True
                h = max_pool(h, spec.size)
                continue
            else:
                if channels_major:
                    h, channels_major = anp.swapaxes(h, 0, 1), False
                h = anp.reshape(h, (h.shape[0], -1))
                continue
            if k < last:
                h = act(h)
            k += 1
        return h

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return (
            f"Network({label}{self.architecture}, input_shape={self.input_shape}, D={self.D}, "
            f"init={self.init!r}, loss={self.loss!r})"
        )


def _input_shape(input_shape) -> tuple:
    """A tuple of 1 to 3 whole numbers >= 1 (``TypeError``/``ValueError`` naming ``input_shape``)."""
    if not isinstance(input_shape, (list, tuple)) or not 1 <= len(input_shape) <= 3:
        raise TypeError(f"input_shape must be a tuple of 1 to 3 whole numbers, got {input_shape!r}")
    return tuple(v.whole_number(s, "input_shape entries", 1) for s in input_shape)


def _describe(spec) -> str:
    group = "g" if getattr(spec, "grouped", False) else ""
    if isinstance(spec, Dense):
        return f"dense{spec.units}{group}"
    if isinstance(spec, _Conv):
        extra = (f"s{spec.stride}" if spec.stride != 1 else "") + (f"p{spec.padding}" if spec.padding else "")
        return f"conv{spec.ndim}d{spec.channels}k{spec.kernel_size}{extra}{group}"
    if isinstance(spec, MaxPool):
        return f"maxpool{spec.size}"
    return "flatten"


def _dtype(dtype) -> np.dtype:
    """``float32`` or ``float64`` as a NumPy dtype (``TypeError``/``ValueError`` naming ``dtype`` otherwise)."""
    try:
        dt = None if dtype is None else np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from exc
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return dt


def _check_model(model) -> Network:
    """``model`` if it is a :class:`Network` (``TypeError`` naming it otherwise)."""
    if not isinstance(model, Network):
        raise TypeError(f"model must be a dwf_theory.trainer Network or MLP, got {type(model).__name__}")
    return model


def _check_inputs(model: Network, X) -> np.ndarray:
    """``X`` as a finite float array of shape ``(n, *input_shape)``.

    Rows of ``prod(input_shape)`` values in another shape are reshaped.
    """
    _check_model(model)
    X = v.finite_array(X, "X")
    if X.ndim < 2:
        raise ValueError(f"X must have shape (n, {', '.join(map(str, model.input_shape))}), got {X.shape}")
    if X.shape[0] < 1:
        raise ValueError("X must contain at least one row")
    if X.shape[1:] != model.input_shape:
        if math.prod(X.shape[1:]) != math.prod(model.input_shape):
            raise ValueError(
                f"X must have shape (n, {', '.join(map(str, model.input_shape))}) or rows of "
                f"{math.prod(model.input_shape)} values, got {X.shape}"
            )
        X = X.reshape(X.shape[0], *model.input_shape)
    return X


def _check_targets(model: Network, y, n: int) -> np.ndarray:
    """Labels in ``0..n_out−1`` (cross-entropy) or real targets of shape ``(n,)``/``(n, n_out)`` (MSE)."""
    _check_model(model)
    n = v.whole_number(n, "n", 1)
    n_out = model.n_outputs
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


def _check_params(model: Network, params) -> list:
    """``params`` shaped like ``model.params`` with finite entries."""
    _check_model(model)
    if not isinstance(params, (list, tuple)) or len(params) != len(model.params):
        raise ValueError(f"params must be a list of {len(model.params)} layer dicts like model.params")
    out = []
    for i, (p, ref) in enumerate(zip(params, model.params)):
        if not isinstance(p, dict) or set(p) != set(ref):
            keys = " and ".join(f"'{k}'" for k in ref)
            raise ValueError(f"params[{i}] must be a dict with keys {keys}")
        layer = {}
        for key in ref:
            a = v.finite_array(p[key], f"params[{i}]['{key}']")
            if a.shape != ref[key].shape:
                raise ValueError(f"params[{i}]['{key}'] must have shape {ref[key].shape}, got {a.shape}")
            layer[key] = a.astype(model.dtype, copy=False)
        out.append(layer)
    return out


# ---------------------------------------------------------------------------
# named architectures


def _lenet300(input_shape, n_classes):
    return [Flatten(), Dense(300), Dense(100), Dense(n_classes)]


def _lenet5(input_shape, n_classes):
    if len(input_shape) != 3:
        raise ValueError(f"lenet5 needs image inputs (channels, height, width), got input_shape {input_shape}")
    if min(input_shape[1:]) >= 16:  # LeNet-5 on 28×28 (LeCun et al. 1998, with 'same' padding in the first layer)
        return [
            Conv2d(6, 5, padding=2),
            MaxPool(2),
            Conv2d(16, 5),
            MaxPool(2),
            Flatten(),
            Dense(120),
            Dense(84),
            Dense(n_classes),
        ]
    # small images (8×8 digits): 3×3 kernels with 'same' padding, so that two poolings leave 2×2 maps
    return [
        Conv2d(6, 3, padding=1),
        MaxPool(2),
        Conv2d(16, 3, padding=1),
        MaxPool(2),
        Flatten(),
        Dense(120),
        Dense(84),
        Dense(n_classes),
    ]


def _cnn1d(input_shape, n_classes):
    if len(input_shape) != 2:
        raise ValueError(f"cnn1d needs sequence inputs (channels, length), got input_shape {input_shape}")
    # the MNIST-1D convolutional baseline (Greydanus 2020): three stride-2 convolutions of 25 channels
    return [
        Conv1d(25, 5, stride=2, padding=1),
        Conv1d(25, 3, stride=2, padding=1),
        Conv1d(25, 3, stride=2, padding=1),
        Flatten(),
        Dense(n_classes),
    ]


#: Named architectures: name → (description, builder of the layer list for an input shape and class count).
ARCHITECTURES = {
    "lenet300": "LeNet-300-100: flatten, dense 300, dense 100, dense n_classes (ReLU)",
    "lenet5": (
        "LeNet-5: conv 6@5×5 pad 2, max-pool 2, conv 16@5×5, max-pool 2, dense 120, 84, n_classes for images "
        ">= 16 pixels a side (28×28: 61,470 weights); on smaller images (8×8 digits) 3×3 kernels with padding 1"
    ),
    "cnn1d": (
        "MNIST-1D CNN (Greydanus 2020): conv1d 25@5 stride 2 pad 1, conv1d 25@3 stride 2 pad 1 (twice), "
        "dense n_classes (ReLU)"
    ),
}
_BUILDERS = {"lenet300": _lenet300, "lenet5": _lenet5, "cnn1d": _cnn1d}


def build_network(arch, input_shape, n_classes, D, *, grouped=False, **options) -> Network:
    """The named architecture ``arch`` (:data:`ARCHITECTURES`) for ``input_shape`` and ``n_classes``.

    ``grouped=True`` makes every parametric layer but the output a grouped one (units and filters
    switch off as a whole; :mod:`dwf_theory.trainer.groups`). ``options`` are passed on to
    :class:`Network` (``init``, ``rng``, ``init_scale``, ``loss``, ``dtype``, …).
    ``ValueError`` lists the names for an unknown ``arch`` and says why an input shape does not fit.
    """
    arch = v.choice(arch, "arch", tuple(ARCHITECTURES))
    input_shape = _input_shape(input_shape)
    n_classes = v.whole_number(n_classes, "n_classes", 1)
    layers = _BUILDERS[arch](input_shape, n_classes)
    if v.flag(grouped, "grouped"):
        layers = _grouped_hidden(layers)
    return Network(layers, input_shape, D, name=arch, **options)


def _grouped_hidden(layers) -> list:
    """``layers`` with every Dense and convolution but the last (the output) grouped."""
    last = max(i for i, s in enumerate(layers) if isinstance(s, (Dense, _Conv)))
    return [replace(s, grouped=True) if isinstance(s, (Dense, _Conv)) and i < last else s for i, s in enumerate(layers)]


@dataclass(frozen=True)
class ModelSpec:
    """What to build, without the depth and the seed: a named architecture (or a layer list) for a data set.

    ``spec.build(D, rng)`` gives the :class:`Network`; the pruners and the comparison build every
    method's network from one spec, so that all methods train the same architecture.

    Attributes
    ----------
    arch : str or tuple of layer specs
        A name of :data:`ARCHITECTURES`, or the layers of a :class:`Network`.
    input_shape : tuple of int
    n_classes : int
    init : str
        Initialization scheme (default ``'varmatch-truncated'``; the plain ``D = 1`` network of a
        pruning baseline is built with ``'standard'``, the He initialization, by the pruners).
    init_scale : float
    dtype : str
    """

    arch: object
    input_shape: tuple
    n_classes: int
    init: str = "varmatch-truncated"
    init_scale: float = 1.0
    dtype: str = "float32"

    def __post_init__(self):
        shape = _input_shape(self.input_shape)
        n_classes = v.whole_number(self.n_classes, "n_classes", 1)
        if isinstance(self.arch, str):
            arch = v.choice(self.arch, "arch", tuple(ARCHITECTURES))
            layers = _BUILDERS[arch](shape, n_classes)
        elif isinstance(self.arch, (list, tuple)) and self.arch:
            arch = layers = tuple(_check_spec(s, i) for i, s in enumerate(self.arch))
        else:
            raise TypeError(
                f"arch must be a name of ARCHITECTURES or a non-empty list of layer specs, got {self.arch!r}"
            )
        _plan(layers, shape)  # the input shape fits the layers (ValueError naming the layer otherwise)
        object.__setattr__(self, "arch", arch)
        object.__setattr__(self, "input_shape", shape)
        object.__setattr__(self, "n_classes", n_classes)
        object.__setattr__(self, "init", v.choice(self.init, "init", SCHEMES))
        object.__setattr__(self, "init_scale", v.positive(self.init_scale, "init_scale"))
        object.__setattr__(self, "dtype", str(_dtype(self.dtype)))

    def build(self, D, rng=None, **overrides) -> Network:
        """The network of depth ``D`` with the initialization drawn from ``rng`` (``overrides``: Network options)."""
        options = {**dict(init=self.init, init_scale=self.init_scale, dtype=self.dtype, rng=rng), **overrides}
        if isinstance(self.arch, str):
            return build_network(self.arch, self.input_shape, self.n_classes, D, **options)
        return Network(list(self.arch), self.input_shape, D, **options)

    @property
    def name(self) -> str:
        """The architecture's name, or its one-line description for a layer list."""
        return self.arch if isinstance(self.arch, str) else "-".join(_describe(s) for s in self.arch)
