"""Convolution and pooling for the reference trainer, channels-major, traceable by autograd.

A convolution is a matrix product on patches (im2col): the patches of the zero-padded input are
gathered into a matrix, and the product of the kernel matrix with it is an ordinary ``matmul``,
differentiated by autograd. The gathering is one autograd primitive whose derivative is its
adjoint, the scatter-add of patch gradients back onto the input (col2im); it is linear, so its
derivative is exact. PyTorch's convolution semantics (cross-correlation, zero padding, integer
stride, output size ``⌊(S + 2p − k)/s⌋ + 1``) are kept; claims and tests compare against PyTorch
in float64 and against central finite differences.

Activations are channels-major inside the network, ``(C, n, *spatial)``: the patch matrix has one
row per (channel, kernel offset) and one column per (sample, output position), and each kernel
offset fills its rows with one strided copy of whole ``(C, n, *O)`` blocks (long contiguous runs
along the last spatial axis, whatever ``C`` is). The product ``W (C_out, C·k…) @ patches`` is the
next layer's input in the same layout, so no transpose sits between convolutions. Max pooling is
an autograd primitive too: the element-wise maximum over the window offsets, whose derivative
sends the gradient to the maximal entries of each window (shared equally among ties, autograd's
rule for ``max``), in the input's dtype.
"""

from __future__ import annotations

import itertools
import math

import autograd.numpy as anp
import numpy as np
from autograd.extend import defvjp, primitive
from autograd.tracer import getval

__all__: list[str] = []  # kernels of Network._apply; inputs are trusted (validated by the network)


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Output length ``⌊(size + 2·padding − kernel)/stride⌋ + 1`` of a convolution along one axis."""
    return (size + 2 * padding - kernel) // stride + 1


def _windows(offset, out_sizes, stride: int) -> tuple:
    """Index of the entries ``offset + stride·o`` (``o < out_sizes``) on the trailing axes of ``(C, n, *S)``."""
    return (
        slice(None),
        slice(None),
        *[slice(i, i + stride * (o - 1) + 1, stride) for i, o in zip(offset, out_sizes)],
    )


@primitive
def _patches(x, kernel: tuple, stride: int, padding: int):
    """Patch matrix of the channels-major input ``x (C, n, *S)``: shape ``(C·prod(kernel), n·prod(O))``.

    ``out[(c, i…), (b, o…)] = x_pad[c, b, o·stride + i…]`` with ``x_pad`` zero-padded by ``padding``
    on every spatial side (row index ``(c, i…)`` in the order of ``W.reshape(C_out, −1)``).
    """
    C, n = x.shape[:2]
    out_sizes = tuple(conv_output_size(s, k, stride, padding) for s, k in zip(x.shape[2:], kernel))
    if padding:
        padded = np.zeros((C, n, *(s + 2 * padding for s in x.shape[2:])), x.dtype)
        padded[(slice(None), slice(None), *[slice(padding, padding + s) for s in x.shape[2:]])] = x
        x = padded
    cols = np.empty((C, *kernel, n, *out_sizes), x.dtype)
    for offset in itertools.product(*(range(k) for k in kernel)):
        cols[(slice(None), *offset)] = x[_windows(offset, out_sizes, stride)]
    return cols.reshape(C * math.prod(kernel), n * math.prod(out_sizes))


@primitive
def _patches_adjoint(g, shape: tuple, kernel: tuple, stride: int, padding: int):
    """The adjoint of :func:`_patches`: scatter-add ``g (C·prod(kernel), n·prod(O))`` back onto ``(C, n, *S)``.

    A primitive whose derivative is :func:`_patches` (the adjoint of a linear map's adjoint is the
    map), so that convolutions can be differentiated twice (Hessian–vector products, GraSP).
    """
    nd = len(kernel)
    C, n = shape[:2]
    padded_sizes = tuple(s + 2 * padding for s in shape[2:])
    out_sizes = tuple((s - k) // stride + 1 for s, k in zip(padded_sizes, kernel))
    g = np.reshape(g, (C, *kernel, n, *out_sizes))
    padded = np.zeros((C, n, *padded_sizes), g.dtype)
    for offset in itertools.product(*(range(k) for k in kernel)):
        padded[_windows(offset, out_sizes, stride)] += g[(slice(None), *offset)]
    if not padding:
        return padded
    return padded[(slice(None), slice(None), *[slice(padding, -padding)] * nd)]


defvjp(
    _patches,
    lambda ans, x, kernel, stride, padding: lambda g: _patches_adjoint(g, x.shape, kernel, stride, padding),
)
defvjp(_patches_adjoint, lambda ans, g, shape, kernel, stride, padding: lambda h: _patches(h, kernel, stride, padding))


def conv(x, W, b, stride: int = 1, padding: int = 0):
    """Channels-major convolution: ``x (C_in, n, *S)``, kernel ``W (C_out, C_in, *k)``, bias ``b (C_out,)``.

    ``y[c', b, o…] = Σ_{c, i…} W[c', c, i…] x_pad[c, b, o·s + i…] + b[c']`` (PyTorch's ``conv1d`` /
    ``conv2d`` with the batch and channel axes swapped), computed as ``W.reshape(C_out, −1) @ patches``.
    Returns ``(C_out, n, *O)``.
    """
    kernel = tuple(W.shape[2:])
    out_sizes = tuple(conv_output_size(s, k, stride, padding) for s, k in zip(x.shape[2:], kernel))
    cols = _patches(x, kernel, stride, padding)
    out = anp.matmul(anp.reshape(W, (W.shape[0], -1)), cols) + anp.reshape(b, (-1, 1))
    return anp.reshape(out, (W.shape[0], x.shape[1], *out_sizes))


def _pool_windows(shape: tuple, size: int) -> list:
    """Indices of the ``size^nd`` window offsets of a non-overlapping pooling of a ``(C, n, *S)`` array."""
    out_sizes = [s // size for s in shape[2:]]
    return [_windows(offset, out_sizes, size) for offset in itertools.product(range(size), repeat=len(out_sizes))]


@primitive
def _pool_max(x, size: int):
    """Maximum over each non-overlapping ``size`` window of the trailing axes of ``x (C, n, *S)``."""
    windows = _pool_windows(x.shape, size)
    out = np.array(x[windows[0]])
    for w in windows[1:]:
        np.maximum(out, x[w], out=out)
    return out


@primitive
def _pool_spread(g, hits, count, shape: tuple, size: int):
    """The derivative of :func:`_pool_max` applied to ``g``: ``g / count`` onto every maximal entry of its window.

    ``hits[i]``: where window offset ``i`` holds the maximum; ``count``: how many do. Entries of no
    window (rows dropped by the pooling) get zero.
    """
    windows = _pool_windows(shape, size)
    covered = all(s % size == 0 for s in shape[2:])
    out = (np.empty if covered else np.zeros)(shape, np.result_type(g, count))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = g / count
    for w, hit in zip(windows, hits):
        np.multiply(hit, share, out=out[w])
    return out


@primitive
def _pool_gather(h, hits, count, shape: tuple, size: int):
    """The adjoint of :func:`_pool_spread`: ``Σ_i hits[i] · h[window i] / count``."""
    windows = _pool_windows(shape, size)
    total = np.zeros(count.shape, np.result_type(h, count))
    for w, hit in zip(windows, hits):
        total += hit * h[w]
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count


def _pool_max_vjp(ans, x, size):
    x, ans = getval(x), getval(ans)
    hits = [x[w] == ans for w in _pool_windows(x.shape, size)]
    count = np.zeros(ans.shape, x.dtype)
    for hit in hits:
        count += hit
    return lambda g: _pool_spread(g, hits, count, x.shape, size)


defvjp(_pool_max, _pool_max_vjp)
defvjp(_pool_spread, lambda ans, g, hits, count, shape, size: lambda h: _pool_gather(h, hits, count, shape, size))
defvjp(_pool_gather, lambda ans, h, hits, count, shape, size: lambda g: _pool_spread(g, hits, count, shape, size))


def max_pool(x, size: int):
    """Non-overlapping max pooling (window = stride = ``size``) over the trailing axes of ``x (C, n, *S)``.

    Trailing rows that do not fill a window are dropped (PyTorch's default ``floor`` mode). The
    derivative shares the gradient of a window equally among its maximal entries.
    """
    return _pool_max(x, size)
