"""SGD with momentum and learning-rate schedules.

The update is PyTorch's ``torch.optim.SGD`` convention (dampening 0, no
Nesterov): ``v ← μ v + g``, ``θ ← θ − η_t v``, applied in place to every factor
and bias; the weight decay of DWF is part of the objective
(:mod:`dwf_theory.trainer.objective`), not of the optimizer.
"""

from __future__ import annotations

import numpy as np

from .. import _validate as v

SCHEDULES = ("constant", "cosine", "warmup", "warmup-cosine")


def learning_rates(schedule: str, lr, total_steps, *, warmup: float = 0.05) -> np.ndarray:
    """Learning rate of every step ``t = 0 … total_steps−1``.

    * ``'constant'``: ``η_t = η``.
    * ``'cosine'``: ``η_t = η (1 + cos(π t / T)) / 2`` (from ``η`` down towards 0).
    * ``'warmup'``: linear warm-up ``η (t+1) / W`` over the first ``W = ⌈warmup·T⌉``
      steps, then constant.
    * ``'warmup-cosine'``: the same warm-up, then cosine decay over the rest.

    Parameters
    ----------
    schedule : str, one of ``SCHEDULES``
    lr : float > 0
    total_steps : int >= 1
    warmup : float in [0, 1)
        Fraction of the steps spent warming up.
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    lr = v.positive(lr, "lr")
    T = v.whole_number(total_steps, "total_steps", 1)
    warmup = v.real_scalar(warmup, "warmup", minimum=0.0)
    if warmup >= 1:
        raise ValueError(f"warmup must be a fraction in [0, 1), got {warmup}")
    t = np.arange(T, dtype=float)
    if schedule == "constant":
        return np.full(T, lr)
    if schedule == "cosine":
        return lr * 0.5 * (1.0 + np.cos(np.pi * t / T))
    W = int(np.ceil(warmup * T)) if schedule.startswith("warmup") else 0
    out = np.full(T, lr)
    if schedule == "warmup-cosine":
        rest = np.maximum(t - W, 0.0)
        out = lr * 0.5 * (1.0 + np.cos(np.pi * rest / max(T - W, 1)))
    if W:
        out[:W] = lr * (t[:W] + 1.0) / W
    return out


def zeros_like_params(params) -> list:
    """Momentum buffers: zeros shaped like ``params``."""
    return [{k: np.zeros_like(a) for k, a in p.items()} for p in params]


def sgd_momentum_step(params, grads, velocity, lr: float, momentum: float, *, masks=None) -> None:
    """One in-place step ``v ← μ v + g``, ``θ ← θ − η v`` on every array of ``params``.

    ``masks`` (optional, one boolean ``(n_in, n_out)`` array per layer) keeps
    pruned weights at zero: their factors are multiplied by the mask after the
    step (used for fine-tuning a magnitude-pruned network).
    """
    for i, (p, g, vel) in enumerate(zip(params, grads, velocity)):
        for key in ("factors", "bias"):
            buf = vel[key]
            if momentum:
                buf *= momentum
                buf += g[key]
            else:
                buf[...] = g[key]
            p[key] -= lr * buf
        if masks is not None:
            p["factors"] *= masks[i]
