"""Training-epoch time of the reference trainer against PyTorch CPU on the same DWF MLP.

Network 64-300-100-10, D = 3, float32, batch 64, one epoch = one pass over the
1,257 digits training images (20 steps), SGD with momentum 0.9 on
``mean cross-entropy + (λ/D) Σ‖ω_d‖²`` in both. Both run single-threaded
(``torch.set_num_threads(1)``; BLAS limited to one thread for NumPy). Each
measurement is the best of several repeats (the machine may be shared).

Run: ``python benchmarks/bench_trainer.py [--quick]`` or ``dwf-theory bench trainer``.
PyTorch is optional (``pip install torch``); without it only NumPy times are shown.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
from threadpoolctl import threadpool_limits

from dwf_theory.trainer import MLP, load_digits_split
from dwf_theory.trainer.optim import _zeros_like_params as zeros_like_params  # the inner loop's internals
from dwf_theory.trainer.optim import learning_rates
from dwf_theory.trainer.train import _check_data as check_data
from dwf_theory.trainer.train import _train_epoch as train_epoch

SIZES = (64, 300, 100, 10)
D, LAM, LR, MOMENTUM, BATCH = 3, 5e-4, 0.1, 0.9, 64


def numpy_epochs(data, epochs: int, repeats: int) -> float:
    """Best seconds per epoch of the reference trainer's inner loop."""
    model = MLP(SIZES, D, rng=0, dtype=np.float32)
    Xtr, Ttr, _, _ = check_data(model, data)
    n = Xtr.shape[0]
    rates = learning_rates("constant", LR, epochs * math.ceil(n / BATCH) * (repeats + 1))
    velocity = zeros_like_params(model.params)
    rng = np.random.default_rng(0)
    best, step = math.inf, 0
    with threadpool_limits(limits=1, user_api="blas"), np.errstate(all="ignore"):
        step, _ = train_epoch(
            model, model.params, velocity, Xtr, Ttr, rng.permutation(n), BATCH, rates, step, LAM, MOMENTUM
        )  # warm-up
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(epochs):
                step, _ = train_epoch(
                    model, model.params, velocity, Xtr, Ttr, rng.permutation(n), BATCH, rates, step, LAM, MOMENTUM
                )
            best = min(best, (time.perf_counter() - start) / epochs)
    return best


def torch_epochs(data, epochs: int, repeats: int) -> float | None:
    """Best seconds per epoch of the same training in PyTorch (None when torch is missing)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    torch.manual_seed(0)
    init = MLP(SIZES, D, rng=0, dtype=np.float32).params
    factors = [torch.tensor(p["factors"], requires_grad=True) for p in init]
    biases = [torch.tensor(p["bias"], requires_grad=True) for p in init]
    opt = torch.optim.SGD(factors + biases, lr=LR, momentum=MOMENTUM)
    X = torch.tensor(data.X_train, dtype=torch.float32)
    y = torch.tensor(data.y_train, dtype=torch.long)
    n = X.shape[0]
    gen = np.random.default_rng(0)

    def epoch():
        perm = torch.from_numpy(gen.permutation(n))
        for b in range(0, n, BATCH):
            idx = perm[b : b + BATCH]
            h = X[idx]
            for i, (f, bias) in enumerate(zip(factors, biases)):
                h = h @ f.prod(dim=0) + bias
                if i < len(factors) - 1:
                    h = torch.relu(h)
            loss = torch.nn.functional.cross_entropy(h, y[idx])
            loss = loss + (LAM / D) * sum((f * f).sum() for f in factors)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    epoch()  # warm-up
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(epochs):
            epoch()
        best = min(best, (time.perf_counter() - start) / epochs)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer epochs and repeats")
    args = parser.parse_args(argv)
    epochs, repeats = (3, 3) if args.quick else (10, 7)
    data = load_digits_split(0)
    ours = numpy_epochs(data, epochs, repeats)
    theirs = torch_epochs(data, epochs, repeats)
    steps = math.ceil(data.X_train.shape[0] / BATCH)
    print(
        f"DWF MLP {'-'.join(map(str, SIZES))}, D={D}, float32, batch {BATCH}, {steps} steps/epoch, "
        f"best of {repeats} x {epochs} epochs, one thread"
    )
    print(f"numpy+autograd: {ours * 1e3:8.2f} ms/epoch ({ours / steps * 1e6:.0f} us/step)")
    if theirs is None:
        print("pytorch:        not installed (pip install torch) — no ratio")
    else:
        print(f"pytorch CPU:    {theirs * 1e3:8.2f} ms/epoch ({theirs / steps * 1e6:.0f} us/step)")
        print(f"ratio numpy/pytorch: {ours / theirs:.2f} (goal <= 1.2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
