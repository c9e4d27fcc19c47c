"""Deep weight factorization for PyTorch modules (the optional extra ``pip install -e ".[torch]"``).

A layer's weight ``W`` becomes the elementwise product of ``D`` factors of its shape,
``W = ω_1 ⊙ … ⊙ ω_D``, and training minimizes ``loss + (λ/D) Σ_d ‖ω_d‖²`` (the DWF objective
of Kolb, Weber, Bischl, Rügamer, *Deep Weight Factorization: Sparse Learning Through the Lens of
Artificial Symmetries*, ICLR 2025). At its minima the collapsed weights minimize
``loss + λ Σ_j |w_j|^{2/D}`` (ibid., Theorem 1; AM–GM), so many of them end near zero and
:func:`collapse` turns them into exact zeros of an ordinary module.

>>> from torch import nn, optim
>>> from dwf_theory.torch import collapse, factorize, param_groups, sparsity_report
>>> model = factorize(nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)), D=3, rng=0)
>>> opt = optim.SGD(param_groups(model, lam=5e-4), lr=0.3, momentum=0.9)
>>> # ... train with opt as usual; the weight decay 2λ/D on the factors is the penalty's gradient ...
>>> small = collapse(model, zero_tol=1e-3)            # ordinary nn.Sequential, exact zeros
>>> report = sparsity_report(small, zero_tol=1e-3)    # compression ratio, per-layer density

Implementation. Each factorized weight carries a ``torch.nn.utils.parametrize``
parametrization with ``D`` original tensors (``<layer>.parametrizations.weight.original0 …
original{D-1}``), so ``layer.weight`` is always the current product, state dicts and
``deepcopy`` work, and nothing else in the module changes. Two alternatives were timed per
training step (``benchmarks/bench_torch_overhead.py --variants``): one stacked ``(D, *shape)``
factor tensor reduced by ``prod`` (1.5–1.6× slower on LeNet-300-100, 1.1× on LeNet-5, one thread) and explicit
factor parameters whose product a forward pre-hook assigns to ``weight`` (within ±8 % of the
parametrization, one thread; and ``layer.weight`` is stale outside a forward pass). The
parametrization was kept.

This is the only module of ``dwf_theory`` that imports ``torch``; nothing imports it.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, fields

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

from . import _validate as v
from .initialization import SCHEMES, init_factors
from .trainer import SparsityReport
from .trainer import sparsity_report as _report_of_weights
from .trainer.groups import balanced_groups

__all__ = [
    "DEFAULT_LAYERS",
    "Product",
    "GroupProduct",
    "ModuleSparsityReport",
    "factorize",
    "factorized_layers",
    "param_groups",
    "dwf_penalty",
    "collapse",
    "sparsity_report",
]

#: Layer types :func:`factorize` factorizes by default.
DEFAULT_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d)


class Product(nn.Module):
    """The parametrization ``W = ω_1 ⊙ … ⊙ ω_D`` of a weight by ``D`` factors of its shape.

    ``right_inverse`` (used by ``torch.nn.utils.parametrize`` when a weight is assigned) is
    the balanced factorization ``ω_1 = sign(W)|W|^{1/D}``, ``ω_d = |W|^{1/D}`` for ``d ≥ 2``,
    whose product is ``W`` (up to rounding).
    """

    def __init__(self, D: int):
        super().__init__()
        self.D = v.depth(D)

    def forward(self, *factors: torch.Tensor) -> torch.Tensor:
        w = factors[0]
        for f in factors[1:]:
            w = w * f
        return w

    def right_inverse(self, weight: torch.Tensor) -> tuple:
        root = weight.abs().pow(1.0 / self.D)
        return (torch.sign(weight) * root, *(root.clone() for _ in range(self.D - 1)))

    def extra_repr(self) -> str:
        return f"D={self.D}"


class GroupProduct(Product):
    """The parametrization ``W_g = (s_{g,1} ⋯ s_{g,D−1}) · v_g`` of each output unit (row) or filter of a weight.

    ``D − 1`` gates of shape ``(out,)`` and one vector of the weight's shape, so that the weight decay
    ``(λ/D)(Σ s² + Σ‖v‖²)`` of :func:`param_groups` is the group penalty ``λ Σ_g ‖W_g‖^{2/D}`` at its
    minimum over the factorizations (the reference trainer's grouped layers,
    :mod:`dwf_theory.trainer.groups`): the penalty switches whole units and filters off. Group ``g``
    is ``W[g]``: the incoming weights of output unit ``g`` of ``nn.Linear`` (``(out, in)``) or filter
    ``g`` of a convolution (``(out, in, *kernel)``). ``right_inverse`` is the balanced factorization
    ``s_{g,d} = ‖W_g‖^{1/D}``, ``v_g = W_g / ‖W_g‖^{(D−1)/D}`` (zero gates and vector for a zero group).
    """

    def forward(self, *originals: torch.Tensor) -> torch.Tensor:
        *gates, vector = originals
        if not gates:
            return vector
        s = gates[0]
        for g in gates[1:]:
            s = s * g
        return vector * s.reshape(-1, *([1] * (vector.dim() - 1)))

    def right_inverse(self, weight: torch.Tensor) -> tuple:
        norms = weight.detach().flatten(1).norm(dim=1)
        alive = norms > 0
        root = torch.where(alive, norms, torch.ones_like(norms)).pow(1.0 / self.D)
        gate = torch.where(alive, root, torch.zeros_like(root))
        scale = torch.where(alive, root.pow(self.D - 1), torch.ones_like(root))
        vector = weight / scale.reshape(-1, *([1] * (weight.dim() - 1)))
        return (*(gate.clone() for _ in range(self.D - 1)), vector)


@dataclass(frozen=True)
class ModuleSparsityReport(SparsityReport):
    """:class:`dwf_theory.trainer.SparsityReport` of a module's weights, with the layers named.

    The trainer's fields (``zero_tol``, ``n_weights``, ``n_nonzero``, ``sparsity``,
    ``compression_ratio = n_weights / n_nonzero``, ``layer_density``) count ``|w| > zero_tol``
    as nonzero, biases excluded; ``layer_names`` lists the layers in the order of
    ``layer_density``; ``collapsed_layers`` names the layers whose weights are all zero
    (layer collapse: the network's output no longer depends on its input through them).
    """

    layer_names: tuple = ()
    collapsed_layers: tuple = ()

    @property
    def layer_collapse(self) -> bool:
        """Whether some layer has no nonzero weight."""
        return bool(self.collapsed_layers)

    def as_dict(self) -> dict:
        d = super().as_dict()
        d["layer_names"] = list(self.layer_names)
        d["collapsed_layers"] = list(self.collapsed_layers)
        return d


def _module(module, name: str = "module") -> nn.Module:
    if not isinstance(module, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {type(module).__name__}")
    return module


def _product_of(layer: nn.Module) -> Product | None:
    """The :class:`Product` parametrization of ``layer.weight``, or ``None``."""
    if not parametrize.is_parametrized(layer, "weight"):
        return None
    first = layer.parametrizations.weight[0]
    return first if isinstance(first, Product) else None


def factorized_layers(module) -> dict:
    """``{name: (ω_1, …, ω_D)}`` for every factorized layer of ``module`` (``''`` names ``module`` itself).

    The factors are the trainable ``torch.nn.Parameter`` objects, in the order of the product (for a
    :class:`GroupProduct`: the ``D − 1`` gates, then the vector).
    """
    module = _module(module)
    out = {}
    for name, layer in module.named_modules():
        p = _product_of(layer)
        if p is not None:
            holder = layer.parametrizations.weight
            out[name] = tuple(getattr(holder, f"original{d}") for d in range(p.D))
    return out


def _check_layers(layers) -> tuple:
    if isinstance(layers, type):
        layers = (layers,)
    if (
        not isinstance(layers, (tuple, list))
        or not layers
        or not all(isinstance(t, type) and issubclass(t, nn.Module) for t in layers)
    ):
        raise TypeError(f"layers must be a torch.nn.Module subclass or a non-empty tuple of them, got {layers!r}")
    return tuple(layers)


def _excluded(module: nn.Module, exclude) -> tuple[set, set]:
    """Names (with the modules under them) and module objects that :func:`factorize` leaves alone."""
    if isinstance(exclude, (str, nn.Module)):
        exclude = (exclude,)
    try:
        items = list(exclude)
    except TypeError:
        what = type(exclude).__name__
        raise TypeError(f"exclude must be an iterable of submodule names or modules, got {what}") from None
    names = dict(module.named_modules())
    ids = {id(m) for m in names.values()}
    out_names, out_ids = set(), set()
    for item in items:
        if isinstance(item, str):
            if item not in names:
                raise ValueError(f"exclude names {item!r}, which is not a submodule of module")
            out_names.add(item)
        elif isinstance(item, nn.Module):
            if id(item) not in ids:
                raise ValueError(f"exclude holds a {type(item).__name__} that is not a submodule of module")
            out_ids.update(id(m) for m in item.modules())
        else:
            raise TypeError(f"exclude entries must be submodule names or modules, got {type(item).__name__}")
    return out_names, out_ids


def _is_excluded(name: str, layer: nn.Module, names: set, ids: set) -> bool:
    return id(layer) in ids or any(name == n or name.startswith(n + ".") or n == "" for n in names)


def _fan_in(weight: torch.Tensor) -> int:
    """Fan-in of a ``(out, in, *kernel)`` weight, as ``torch.nn.init`` computes it: ``in · Π kernel``."""
    return int(weight.shape[1]) * math.prod(int(k) for k in weight.shape[2:])


def factorize(
    module,
    D,
    *,
    init="varmatch-truncated",
    layers=DEFAULT_LAYERS,
    exclude=(),
    rng=None,
    init_scale=1.0,
    eps=1e-3,
    grouped=False,
) -> nn.Module:
    """Make the weight of every matching layer of ``module`` a depth-``D`` factorization, in place.

    Each selected layer's ``weight`` becomes ``ω_1 ⊙ … ⊙ ω_D`` (a :class:`Product`
    parametrization; the bias is left as it is), with factors drawn by
    :func:`dwf_theory.initialization.init_factors` under the scheme ``init`` at the plain
    layer's He scale ``σ_w = init_scale · √(2 / fan_in)`` and ``eps = min(eps, σ_w/2)`` — the
    per-layer law of the reference trainer's ``MLP`` (the VarMatch initialization with interval
    truncation of Kolb et al., ICLR 2025). ``fan_in = in · Π kernel`` as in ``torch.nn.init``.
    For ``nn.Linear`` the draw is made in the reference trainer's ``(in, out)`` layout and
    transposed, so that the same ``rng`` gives an ``nn.Sequential`` of ``nn.Linear`` layers exactly
    the factors of ``dwf_theory.trainer.MLP``. The factors keep the weight's dtype, device and
    ``requires_grad``; ``D = 1`` gives a single factor equal to a fresh draw of the plain weight.

    Parameters
    ----------
    module : torch.nn.Module
        Modified in place and returned. Must not hold a factorized layer already.
    D : int >= 1
    init : {'standard', 'varmatch', 'varmatch-truncated'}
    layers : type or tuple of types
        The layer classes to factorize (each with a ``weight`` of at least two dimensions).
    exclude : iterable of str or torch.nn.Module
        Submodules (by name as in ``named_modules()``, or the objects) left unfactorized, with
        everything inside them.
    rng : numpy.random.Generator, int seed or None
        Draws the factors (layers in ``named_modules()`` order).
    init_scale : float > 0
        Multiplies the He scale.
    eps : float > 0
        Lower bound on the initial ``|w|`` of the truncated scheme (capped at ``σ_w/2``).
    grouped : bool
        Factorize each output unit (row of an ``nn.Linear`` weight) or filter as gates times one
        vector (:class:`GroupProduct`) instead of entry by entry, so that whole units and filters
        switch off. The collapsed weight at the start is the same draw as without ``grouped``,
        refactorized at its balanced point; with the same ``rng`` the factors are those of the
        reference trainer's ``MLP(..., grouped=True)`` (its vectors transposed).

    Returns
    -------
    torch.nn.Module
        ``module`` itself.
    """
    module = _module(module)
    D = v.depth(D)
    if not isinstance(init, str) or init not in SCHEMES:
        raise ValueError(f"init must be one of {SCHEMES}, got {init!r}")
    layers = _check_layers(layers)
    init_scale = v.positive(init_scale, "init_scale")
    eps = v.positive(eps, "eps")
    grouped = v.flag(grouped, "grouped")
    gen = v.generator(rng)
    done = factorized_layers(module)
    if done:
        raise ValueError(f"module is already factorized (layer {next(iter(done))!r}); factorize a module once")
    names, ids = _excluded(module, exclude)
    chosen = []
    for name, layer in module.named_modules():
        if not isinstance(layer, layers) or _is_excluded(name, layer, names, ids):
            continue
        if parametrize.is_parametrized(layer, "weight"):
            raise ValueError(
                f"module layer {name!r} has a parametrized weight; factorize before adding other parametrizations"
            )
        w = layer._parameters.get("weight")
        if isinstance(w, nn.parameter.UninitializedParameter):
            raise ValueError(f"module layer {name!r} is lazy (uninitialized weight): run one forward pass first")
        if not isinstance(w, torch.Tensor):
            continue
        if not w.is_floating_point():
            raise TypeError(f"module layer {name!r} has a weight of dtype {w.dtype}; factorize needs a float weight")
        if w.dim() < 2:
            raise ValueError(
                f"layers selects {type(layer).__name__} {name!r} whose weight has {w.dim()} "
                "dimension(s); factorize needs (out, in, *kernel) weights"
            )
        chosen.append((name, layer, w))
    if not chosen:
        kinds = ", ".join(t.__name__ for t in layers)
        raise ValueError(f"module has no layer to factorize (types {kinds}, after exclude)")
    for _name, layer, w in chosen:
        sigma_w = init_scale * math.sqrt(2.0 / _fan_in(w))
        shape = tuple(w.shape)
        transpose = isinstance(layer, nn.Linear)
        draw_shape = shape[::-1] if transpose else shape
        factors = init_factors(draw_shape, D, init, sigma_w, rng=gen, eps=min(eps, sigma_w / 2))
        if transpose:
            factors = np.swapaxes(factors, 1, 2)
        if grouped:  # the same collapsed draw, refactorized per unit or filter (rows: axis 0 in torch's layout)
            weight = np.prod(factors, axis=0)
            gates, vector = balanced_groups(weight.T if transpose else weight, D)
            factors = [*gates, vector.T if transpose else vector]
        requires_grad = w.requires_grad
        parametrize.register_parametrization(layer, "weight", GroupProduct(D) if grouped else Product(D))
        holder = layer.parametrizations.weight
        with torch.no_grad():
            for d in range(D):
                original = getattr(holder, f"original{d}")
                original.copy_(torch.as_tensor(np.ascontiguousarray(factors[d]), dtype=w.dtype, device=w.device))
                original.requires_grad_(requires_grad)
    return module


def _require_factorized(module) -> dict:
    found = factorized_layers(_module(module))
    if not found:
        raise ValueError("module has no factorized layer: call factorize(module, D) first")
    return found


def param_groups(module, lam) -> list:
    """Parameter groups for any ``torch.optim`` optimizer: weight decay ``2λ/D`` on the factors, none elsewhere.

    Weight decay ``c`` adds ``c·θ`` to the gradient of ``θ``; with ``c = 2λ/D`` on every factor
    that is the gradient of the DWF penalty ``(λ/D) Σ_d ‖ω_d‖²``, so an optimizer built from
    these groups minimizes ``loss + (λ/D) Σ_d ‖ω_d‖²`` exactly as adding :func:`dwf_penalty` to the
    loss does (for SGD, with or without momentum, the two give the same steps; for adaptive
    optimizers such as Adam, ``weight_decay`` is the same coupled L2 term, unlike AdamW's
    decoupled decay). Biases and everything that was not factorized get no weight decay.

    Parameters
    ----------
    module : torch.nn.Module
        Holding at least one factorized layer (:func:`factorize`).
    lam : float >= 0
        The regularization strength λ.

    Returns
    -------
    list of dict
        ``{'params': [...], 'weight_decay': 2λ/D}`` per depth present, then
        ``{'params': [...], 'weight_decay': 0.0}`` for the other trainable parameters (if any).
    """
    found = _require_factorized(module)
    lam = v.regularization(lam)
    by_depth: dict[int, list] = {}
    seen = set()
    for factors in found.values():
        by_depth.setdefault(len(factors), []).extend(factors)
        seen.update(id(f) for f in factors)
    groups = [
        {"params": [f for f in fs if f.requires_grad], "weight_decay": 2.0 * lam / D}
        for D, fs in sorted(by_depth.items())
    ]
    rest = [p for p in module.parameters() if p.requires_grad and id(p) not in seen]
    groups.append({"params": rest, "weight_decay": 0.0})
    return [g for g in groups if g["params"]]


def dwf_penalty(module, lam) -> torch.Tensor:
    """The DWF penalty ``Σ_layers (λ/D) Σ_d ‖ω_d‖²`` of a factorized module, as a differentiable scalar.

    Add it to the loss instead of using :func:`param_groups`' weight decay (not both): its
    gradient with respect to ``ω_d`` is ``(2λ/D) ω_d``, the same term. This is the factor penalty of
    Kolb et al., ICLR 2025, equivalent to ``λ Σ_j |w_j|^{2/D}`` on the collapsed weights (their Theorem 1).
    """
    found = _require_factorized(module)
    lam = v.regularization(lam)
    total = None
    for factors in found.values():
        term = sum((f * f).sum() for f in factors) * (lam / len(factors))
        total = term if total is None else total + term
    return total


def collapse(module, *, zero_tol=1e-3) -> nn.Module:
    """An ordinary copy of ``module`` whose factorized weights are replaced by ``W = ω_1 ⊙ … ⊙ ω_D``.

    Entries with ``|W| <= zero_tol`` are set to exact zeros (``zero_tol = 0`` keeps every
    product as it is). The copy has no parametrizations left (each layer is of its original
    class, its weight a plain ``torch.nn.Parameter`` with the dtype and device of the factors);
    ``module`` itself is unchanged.

    Parameters
    ----------
    module : torch.nn.Module
        Holding at least one factorized layer.
    zero_tol : float >= 0
        The zero threshold of the reference trainer (default ``1e-3``, as in its ``train``).
    """
    _require_factorized(module)
    zero_tol = v.real_scalar(zero_tol, "zero_tol", minimum=0.0)
    out = copy.deepcopy(module)
    for name, layer in out.named_modules():
        if _product_of(layer) is None:
            continue
        if len(layer.parametrizations.weight) != 1 or set(layer.parametrizations) != {"weight"}:
            raise ValueError(
                f"module layer {name!r} has further parametrizations besides its factorization; "
                "remove them before collapsing"
            )
        requires_grad = layer.parametrizations.weight.original0.requires_grad
        with torch.no_grad():
            w = layer.weight.detach().clone()
            w.masked_fill_(w.abs() <= zero_tol, 0.0)
        # Not parametrize.remove_parametrizations: a deep copy shares its parametrized class with the
        # original, and removing the property from that class would break ``module``. Swap the class back instead.
        plain = parametrize.type_before_parametrizations(layer)
        del layer._modules["parametrizations"]
        layer.__class__ = plain
        rest = dict(layer._parameters)
        layer._parameters.clear()  # the weight first again, as in the plain layer's state dict
        layer._parameters["weight"] = nn.Parameter(w, requires_grad=requires_grad)
        layer._parameters.update(rest)
    return out


def sparsity_report(module, zero_tol) -> ModuleSparsityReport:
    """Sparsity of a module's weights at zero threshold ``zero_tol``, with the reference trainer's fields.

    Covers the factorized layers (their collapsed weights ``ω_1 ⊙ … ⊙ ω_D``) of a factorized
    module, and otherwise (e.g. the output of :func:`collapse`) the weights of every layer of
    the :data:`DEFAULT_LAYERS` types. Counting follows
    :func:`dwf_theory.trainer.sparsity_report`: ``|w| <= zero_tol`` is zero, biases are not counted.
    """
    module = _module(module)
    zero_tol = v.real_scalar(zero_tol, "zero_tol", minimum=0.0)
    found = factorized_layers(module)
    if found:
        named = [(name, module.get_submodule(name).weight) for name in found]
    else:
        named = [
            (name, m.weight)
            for name, m in module.named_modules()
            if isinstance(m, DEFAULT_LAYERS) and isinstance(getattr(m, "weight", None), torch.Tensor)
        ]
    if not named:
        raise ValueError(
            f"module has no factorized layer and no layer of types {', '.join(t.__name__ for t in DEFAULT_LAYERS)}"
        )
    if any(w.is_meta for _, w in named):
        raise ValueError("module has weights on the meta device (no values to count)")
    with torch.no_grad():
        weights = [w.detach().to("cpu", torch.float64).numpy() for _, w in named]
    bad = [name for (name, _), w in zip(named, weights) if not np.all(np.isfinite(w))]
    if bad:
        raise ValueError(f"module has non-finite weights in layer(s) {bad} (a diverged run?)")
    base = _report_of_weights(weights, zero_tol)
    collapsed = tuple(name for (name, _), dens in zip(named, base.layer_density) if dens == 0.0)
    return ModuleSparsityReport(
        **{f.name: getattr(base, f.name) for f in fields(base)},
        layer_names=tuple(name for name, _ in named),
        collapsed_layers=collapsed,
    )
