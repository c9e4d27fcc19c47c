"""Convolution and pooling for the reference trainer, channels-last, traceable by autograd.

A convolution is a matrix product on patches (im2col): the patches of the zero-padded input are
gathered by a strided window view, and the product with the kernel matrix is an ordinary
``matmul``, differentiated by autograd. The gathering is one autograd primitive whose derivative
is its adjoint, the scatter-add of patch gradients back onto the input (col2im); it is linear, so
its derivative is exact. PyTorch's convolution semantics (cross-correlation, zero padding, integer
stride, output size ``⌊(S + 2p − k)/s⌋ + 1``) are kept; claims and tests compare against PyTorch
in float64 and against central finite differences.

Activations are channels-last inside the network, ``(n, *spatial, C)``: the window view of such
an array yields patches ``(…, C, *k)`` that reshape into rows without a transpose.
"""

from __future__ import annotations

import itertools

import autograd.numpy as anp
import numpy as np
from autograd.extend import defvjp, primitive

__all__ = ["conv_output_size", "conv", "max_pool"]


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Output length ``⌊(size + 2·padding − kernel)/stride⌋ + 1`` of a convolution along one axis."""
    return (size + 2 * padding - kernel) // stride + 1


@primitive
def _patches(x, kernel: tuple, stride: int, padding: int):
    """Patches of the channels-last input ``x (n, *S, C)``: an array ``(n, *O, C, *kernel)``.

    ``out[b, o…, c, i…] = x_pad[b, o·stride + i…, c]`` with ``x_pad`` zero-padded by ``padding``
    on every spatial side.
    """
    nd = len(kernel)
    if padding:
        x = np.pad(x, [(0, 0)] + [(padding, padding)] * nd + [(0, 0)])
    view = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=tuple(range(1, nd + 1)))
    return view[(slice(None), *[slice(None, None, stride)] * nd)]


def _patches_adjoint(g, shape: tuple, kernel: tuple, stride: int, padding: int):
    """The adjoint of :func:`_patches`: scatter-add ``g (n, *O, C, *kernel)`` back onto ``(n, *S, C)``."""
    nd = len(kernel)
    out_sizes = g.shape[1 : 1 + nd]
    padded = np.zeros((shape[0], *(s + 2 * padding for s in shape[1 : 1 + nd]), shape[-1]), g.dtype)
    for offset in itertools.product(*(range(k) for k in kernel)):
        target = tuple(slice(i, i + stride * (o - 1) + 1, stride) for i, o in zip(offset, out_sizes))
        padded[(slice(None), *target)] += g[(Ellipsis, *offset)]
    if not padding:
        return padded
    return padded[(slice(None), *[slice(padding, -padding)] * nd)]


defvjp(
    _patches,
    lambda ans, x, kernel, stride, padding: lambda g: _patches_adjoint(g, x.shape, kernel, stride, padding),
)


def conv(x, W, b, stride: int = 1, padding: int = 0):
    """Channels-last convolution: ``x (n, *S, C_in)``, kernel ``W (C_out, C_in, *k)``, bias ``b (C_out,)``.

    ``y[b, o…, c'] = Σ_{c, i…} W[c', c, i…] x_pad[b, o·s + i…, c] + b[c']`` (PyTorch's ``conv1d`` /
    ``conv2d`` with the layouts moved), computed as patches ``@ W.reshape(C_out, −1).T``.
    Returns ``(n, *O, C_out)``.
    """
    kernel = tuple(W.shape[2:])
    cols = _patches(x, kernel, stride, padding)
    n, out_sizes = cols.shape[0], cols.shape[1 : 1 + len(kernel)]
    rows = anp.reshape(cols, (-1, int(np.prod(W.shape[1:]))))
    out = anp.matmul(rows, anp.transpose(anp.reshape(W, (W.shape[0], -1)))) + b
    return anp.reshape(out, (n, *out_sizes, W.shape[0]))


def max_pool(x, size: int):
    """Non-overlapping max pooling (window = stride = ``size``) over the spatial axes of ``x (n, *S, C)``.

    Trailing rows that do not fill a window are dropped (PyTorch's default ``floor`` mode).
    """
    nd = x.ndim - 2
    spatial = x.shape[1:-1]
    kept = [(s // size) * size for s in spatial]
    if any(k != s for k, s in zip(kept, spatial)):
        x = x[(slice(None), *[slice(0, k) for k in kept])]
    shape = [x.shape[0]]
    for k in kept:
        shape += [k // size, size]
    h = anp.reshape(x, (*shape, x.shape[-1]))
    return anp.max(h, axis=tuple(2 + 2 * i for i in range(nd)))
