"""SGD with momentum and learning-rate schedules.

The update is PyTorch's ``torch.optim.SGD`` convention (dampening 0, no
Nesterov): ``v ← μ v + g``, ``θ ← θ − η_t v``, applied in place to every factor
and bias; the weight decay of DWF is part of the objective
(:mod:`dwf_theory.trainer.objective`), not of the optimizer.
"""

from __future__ import annotations

import numpy as np

from .. import _validate as v
from .groups import LAYOUTS, weight_key

__all__ = ["SCHEDULES", "learning_rates", "sgd_momentum_step"]

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
    total_steps : int, 1 <= total_steps <= 10⁸
    warmup : float in [0, 1)
        Fraction of the steps spent warming up.
    """
    schedule = v.choice(schedule, "schedule", SCHEDULES)
    lr = v.positive(lr, "lr")
    T = v.whole_number(total_steps, "total_steps", 1, v.MAX_ELEMENTS)
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
        with np.errstate(over="ignore"):
            out[:W] = lr * (t[:W] + 1.0) / W
    return v.finite_result(out, "lr", "the learning rates")


def _zeros_like_params(params) -> list:
    """Momentum buffers: zeros shaped like ``params``."""
    return [{k: np.zeros_like(a) for k, a in p.items()} for p in params]


def sgd_momentum_step(params, grads, velocity, lr: float, momentum: float, *, masks=None) -> None:
    """One in-place step ``v ← μ v + g``, ``θ ← θ − η v`` on every array of ``params``.

    PyTorch's ``torch.optim.SGD`` update (dampening 0, no Nesterov).

    Parameters
    ----------
    params : list of dict
        One ``{'factors': (D, n_in, n_out), 'bias': (n_out,)}`` per layer (e.g. ``model.params``),
        or ``{'gates', 'vector', 'bias'}`` for a grouped layer; float arrays updated in place.
    grads : list of dict
        Shaped like ``params`` (e.g. from :func:`~dwf_theory.trainer.value_and_grad`).
    velocity : list of dict
        Momentum buffers shaped like ``params``, float arrays updated in place.
    lr : float > 0
    momentum : float in [0, 1)
    masks : list of bool arrays, optional
        One array of the weight's shape per layer: the factors (a grouped layer's vector) are
        multiplied by the mask after the step, which keeps pruned weights at zero (fine-tuning a
        magnitude-pruned network).

    Nothing is changed, and ``ValueError`` is raised, if the step would overflow float64.
    """
    _check_state(params, grads, velocity)
    lr = v.positive(lr, "lr")
    momentum = _momentum(momentum)
    masks = _check_masks(masks, params)
    with np.errstate(all="ignore"):
        new_vel = [
            {
                k: np.asarray(momentum * vel[k] + g[k] if momentum else g[k], dtype=vel[k].dtype).copy()
                for k in params[i]
            }
            for i, (g, vel) in enumerate(zip(grads, velocity))
        ]
        new_par = [{k: p[k] - lr * nv[k] for k in p} for p, nv in zip(params, new_vel)]
    for layer in new_vel + new_par:
        for a in layer.values():
            v.finite_result(a, "params, grads, velocity and lr", "the step")
    for i, (p, vel, nv, npar) in enumerate(zip(params, velocity, new_vel, new_par)):
        for key in p:
            vel[key][...] = nv[key]
            p[key][...] = npar[key]
        if masks is not None:
            p[weight_key(p)] *= masks[i]


def _momentum(momentum) -> float:
    momentum = v.real_scalar(momentum, "momentum", minimum=0.0)
    if momentum >= 1:
        raise ValueError(f"momentum must lie in [0, 1), got {momentum}")
    return momentum


def _check_state(params, grads, velocity) -> None:
    """``params``, ``grads`` and ``velocity``: equally long lists of layer dicts of finite float arrays, same shapes."""
    if not isinstance(params, (list, tuple)) or not params:
        raise TypeError(f"params must be a non-empty list of layer dicts, got {type(params).__name__}")
    for seq, name in ((grads, "grads"), (velocity, "velocity")):
        if not isinstance(seq, (list, tuple)):
            raise TypeError(f"{name} must be a list of layer dicts like params, got {type(seq).__name__}")
        if len(seq) != len(params):
            raise ValueError(f"{name} must hold {len(params)} layer dicts like params, got {len(seq)}")
    for seq, name in ((params, "params"), (grads, "grads"), (velocity, "velocity")):
        for i, layer in enumerate(seq):
            keys = set(layer) if isinstance(layer, dict) else None
            if keys not in LAYOUTS or (name != "params" and keys != set(params[i])):
                want = (
                    " and ".join(f"'{k}'" for k in params[i])
                    if name != "params"
                    else "'factors' and 'bias' (a grouped layer: 'gates', 'vector' and 'bias')"
                )
                raise TypeError(f"{name}[{i}] must be a dict with keys {want}")
            for key in layer:
                a = layer[key]
                if name != "grads" and not (isinstance(a, np.ndarray) and a.dtype.kind == "f"):
                    raise TypeError(f"{name}[{i}]['{key}'] must be a float ndarray (updated in place)")
                arr, shape = v.finite_array(a, f"{name}[{i}]['{key}']"), np.shape(params[i][key])
                if arr.shape != shape:
                    raise ValueError(f"{name}[{i}]['{key}'] must have shape {shape}, got {arr.shape}")


def _check_masks(masks, params):
    """``None`` or one boolean ``(n_in, n_out)`` array per layer, as float arrays."""
    if masks is None:
        return None
    if not isinstance(masks, (list, tuple)):
        raise TypeError(f"masks must be None or a list of boolean (n_in, n_out) arrays, got {type(masks).__name__}")
    if len(masks) != len(params):
        raise ValueError(f"masks must hold one (n_in, n_out) array per layer ({len(params)}), got {len(masks)}")
    out = []
    for i, (m, p) in enumerate(zip(masks, params)):
        m = np.asarray(m) if isinstance(m, (np.ndarray, list, tuple)) else None
        if m is None or m.dtype != np.bool_:
            raise TypeError(f"masks[{i}] must be a boolean array")
        key = weight_key(p)
        shape = np.shape(p[key])[1:] if key == "factors" else np.shape(p[key])
        if m.shape != shape:
            raise ValueError(f"masks[{i}] must have shape {shape}, got {m.shape}")
        out.append(m.astype(np.asarray(p[key]).dtype))
    return out


def _sgd_momentum_step(params, grads, velocity, lr: float, momentum: float, *, masks=None) -> None:
    """Unchecked in-place :func:`sgd_momentum_step` (the training loop's; ``masks`` float 0/1 arrays)."""
    for i, (p, g, vel) in enumerate(zip(params, grads, velocity)):
        for key in p:
            buf = vel[key]
            if momentum:
                buf *= momentum
                buf += g[key]
            else:
                buf[...] = g[key]
            p[key] -= lr * buf
        if masks is not None:
            p[weight_key(p)] *= masks[i]
