"""The forward pass of a ``Network``'s layer list written with PyTorch's own operations (for cross-checks).

Channels-first inputs; a dense weight is ``(n_in, n_out)`` as in the reference trainer; ReLU after
every parametric layer but the last.
"""

from __future__ import annotations

from dwf_theory.trainer import Conv1d, Dense, Flatten, MaxPool


def torch_logits(layers, weights, biases, X):
    """Logits of ``layers`` with torch tensors ``weights``, ``biases`` on the torch tensor ``X``."""
    import torch.nn.functional as F

    h, k, last = X, 0, len(weights) - 1
    for spec in layers:
        if isinstance(spec, MaxPool):
            h = (F.max_pool1d if h.dim() == 3 else F.max_pool2d)(h, spec.size)
            continue
        if isinstance(spec, Flatten):
            h = h.flatten(1)
            continue
        if isinstance(spec, Dense):
            h = h @ weights[k] + biases[k]
        else:
            conv = F.conv1d if isinstance(spec, Conv1d) else F.conv2d
            h = conv(h, weights[k], biases[k], stride=spec.stride, padding=spec.padding)
        if k < last:
            h = F.relu(h)
        k += 1
    return h
