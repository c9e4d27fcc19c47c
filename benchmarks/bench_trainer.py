"""The reference trainer against PyTorch CPU doing the same work: whole ``train()`` epochs and one training step.

(a) ``train()`` as a user runs it: ``train(model, data, lam=5e-4, lr=0.3, epochs=E, batch_size=64,
    momentum=0.9, schedule='warmup-cosine')`` (the ``sparse`` preset's λ, rate and schedule), D = 3,
    float32, on scikit-learn's digits (1,257 training, 540 test images, 20 steps an epoch), for the
    ``lenet300`` network on 1×8×8 inputs and the MLP 64-300-100-10. The time is the whole call
    divided by E: checks, the epochs, and the record of every epoch (and of the initialization), each
    with the train loss and accuracy on the whole training set, the test loss and accuracy, the test
    accuracy after pruning ``|w| <= 1e-3``, sparsity and imbalance. PyTorch runs the same network (the
    same initial factors, each weight the product ``factors.prod(0)`` of a ``(D, *shape)`` tensor),
    the same minibatch order and learning-rate schedule, ``torch.optim.SGD`` with momentum 0.9 and
    weight decay 2λ/D on the factors (the gradient of (λ/D)Σ‖ω‖²), and after the initialization and
    every epoch, in ``torch.no_grad()``, the train and test loss and accuracy — the work the
    requirement names (column "PyTorch"; target: ours ≤ 1.2×). The column "PyTorch, full record" also
    computes the other fields of our record (pruned test accuracy, sparsity, imbalance, objective).
(b) One training step (forward, mean cross-entropy, backward, SGD-momentum update; for ours the inner
    loop of ``train``, ``_train_epoch``) at batch 64, D = 3, float32, of ``lenet5`` on the 8×8 digits,
    ``lenet5`` on random 1×28×28 inputs, ``cnn1d`` on random 1×40 sequences (target: ours ≤ 2×), and,
    for reference, ``lenet300`` on random 1×28×28 inputs.

Every network starts from the 'varmatch' initialization (the scale of the default 'varmatch-truncated'
without its slow truncated draws; no weight is held away from zero, so the record's pruned forward
pass, skipped when pruning would change no weight, is always computed). Both run single-threaded
(``torch.set_num_threads(1)``; NumPy's BLAS limited to one thread, as ``train`` does). Before timing,
the PyTorch network's logits are checked against ours on the same inputs and weights. After warm-up,
every round runs each configuration once, ours and PyTorch in a random order, so that load from other
processes falls on both alike; the tables give the median over the rounds, of wall-clock time and of
the process's CPU time (``time.process_time``: on a shared machine it excludes the time the process
waits for a core). Ratios are ours / PyTorch.

Run: ``python benchmarks/bench_trainer.py [--quick] [--rounds N]`` or ``dwf-theory bench trainer``.
PyTorch is optional (``pip install -e ".[torch]"``); without it only our times are shown.
"""

from __future__ import annotations

import argparse
import copy
import math
import os
import time

import numpy as np

from dwf_theory._threads import one_blas_thread
from dwf_theory.trainer import MLP, build_network, learning_rates, load_digits_split, train
from dwf_theory.trainer.network import Dense, Flatten, MaxPool
from dwf_theory.trainer.objective import _prepare_targets
from dwf_theory.trainer.optim import _zeros_like_params
from dwf_theory.trainer.train import _train_epoch

D, LAM, LR, MOMENTUM, BATCH, ZERO_TOL = 3, 5e-4, 0.3, 0.9, 64, 1e-3
SCHEDULE = "warmup-cosine"
EPOCH_TARGET, STEP_TARGET = 1.2, 2.0
#: (label, architecture or 'mlp', input shape) of the train() comparison (digits).
EPOCH_CASES = (("MLP 64-300-100-10, digits", "mlp", (64,)), ("lenet300, digits 1×8×8", "lenet300", (1, 8, 8)))
#: (label, architecture, input shape, data, target) of the step comparison.
STEP_CASES = (
    ("lenet5, digits 1×8×8", "lenet5", (1, 8, 8), "digits", STEP_TARGET),
    ("lenet5, random 1×28×28", "lenet5", (1, 28, 28), "random", STEP_TARGET),
    ("cnn1d, random 1×40", "cnn1d", (1, 40), "random", STEP_TARGET),
    ("lenet300, random 1×28×28", "lenet300", (1, 28, 28), "random", None),
)


def make_network(arch: str, shape: tuple):
    """Our D = 3 float32 network (seed 0, 'varmatch' initialization)."""
    if arch == "mlp":
        return MLP((shape[0], 300, 100, 10), D, init="varmatch", rng=0, dtype=np.float32)
    return build_network(arch, shape, 10, D, init="varmatch", rng=0, dtype=np.float32)


# --------------------------------------------------------------------------- PyTorch side
def torch_forward(torch, layers, weights, biases, h):
    """Logits of our layer list in PyTorch (channels-first; a dense weight is ``(n_in, n_out)`` as ours)."""
    F = torch.nn.functional
    last, k = len(weights) - 1, 0
    for spec in layers:
        if isinstance(spec, MaxPool):
            h = (F.max_pool1d if h.ndim == 3 else F.max_pool2d)(h, spec.size)
            continue
        if isinstance(spec, Flatten):
            h = h.flatten(1)
            continue
        if isinstance(spec, Dense):
            h = torch.addmm(biases[k], h, weights[k])
        else:
            conv = F.conv1d if spec.ndim == 1 else F.conv2d
            h = conv(h, weights[k], biases[k], stride=spec.stride, padding=spec.padding)
        if k < last:
            h = torch.relu(h)
        k += 1
    return h


class TorchModel:
    """Our network's layers with PyTorch tensors: ``(D, *shape)`` factors and biases, SGD with momentum."""

    def __init__(self, torch, net, init_params):
        self.torch, self.layers = torch, net.layers
        self.factors = [torch.tensor(p["factors"], requires_grad=True) for p in init_params]
        self.biases = [torch.tensor(p["bias"], requires_grad=True) for p in init_params]
        self.opt = torch.optim.SGD(
            [{"params": self.factors, "weight_decay": 2 * LAM / D}, {"params": self.biases, "weight_decay": 0.0}],
            lr=LR,
            momentum=MOMENTUM,
        )

    def logits(self, X, weights=None):
        weights = [f.prod(0) for f in self.factors] if weights is None else weights
        return torch_forward(self.torch, self.layers, weights, self.biases, X)

    def step(self, X, y, lr):
        for group in self.opt.param_groups:
            group["lr"] = lr
        self.opt.zero_grad(set_to_none=True)
        self.torch.nn.functional.cross_entropy(self.logits(X), y).backward()
        self.opt.step()

    def record(self, Xtr, ytr, Xte, yte, full: bool) -> dict:
        """Train and test loss and accuracy (``full``: also the other fields of our EpochRecord)."""
        torch, F = self.torch, self.torch.nn.functional
        with torch.no_grad():
            W = [f.prod(0) for f in self.factors]
            out_tr, out_te = self.logits(Xtr, W), self.logits(Xte, W)
            rec = dict(
                train_loss=F.cross_entropy(out_tr, ytr).item(),
                train_accuracy=(out_tr.argmax(1) == ytr).double().mean().item(),
                test_loss=F.cross_entropy(out_te, yte).item(),
                test_accuracy=(out_te.argmax(1) == yte).double().mean().item(),
            )
            if full:
                kept = [w.abs() > ZERO_TOL for w in W]
                pruned = self.logits(Xte, [w * k for w, k in zip(W, kept)])
                sq = [f * f for f in self.factors]
                nnz = sum(int(k.sum()) for k in kept)
                rec.update(
                    pruned_test_accuracy=(pruned.argmax(1) == yte).double().mean().item(),
                    n_nonzero=nnz,
                    layer_density=[k.double().mean().item() for k in kept],
                    imbalance=torch.cat([(s.amax(0) - s.amin(0)).flatten() for s in sq]).mean().item(),
                    train_objective=rec["train_loss"] + LAM / D * sum(s.sum().item() for s in sq),
                )
        return rec


def torch_train(torch, net, init_params, data, epochs: int, full: bool) -> list:
    """PyTorch's ``train()``: the same epochs, minibatch order, rates and per-epoch records."""
    model = TorchModel(torch, net, init_params)
    shape = (-1, *net.input_shape)
    Xtr = torch.tensor(np.asarray(data.X_train, np.float32).reshape(shape))
    Xte = torch.tensor(np.asarray(data.X_test, np.float32).reshape(shape))
    ytr, yte = torch.tensor(data.y_train), torch.tensor(data.y_test)
    n = Xtr.shape[0]
    rates = learning_rates(SCHEDULE, LR, epochs * math.ceil(n / BATCH))
    gen = np.random.default_rng(0)
    records, step = [model.record(Xtr, ytr, Xte, yte, full)], 0
    for _ in range(epochs):
        perm = torch.from_numpy(gen.permutation(n))
        for b in range(0, n, BATCH):
            idx = perm[b : b + BATCH]
            model.step(Xtr[idx], ytr[idx], float(rates[step]))
            step += 1
        records.append(model.record(Xtr, ytr, Xte, yte, full))
    return records


def check_same_network(torch, net, X) -> None:
    """PyTorch's logits of our layers equal ours on ``X`` (float32 tolerance), else ``AssertionError``."""
    ours = net.predict(X)
    theirs = TorchModel(torch, net, net.params).logits(torch.tensor(X)).detach().numpy()
    err = float(np.max(np.abs(ours - theirs)) / max(1.0, float(np.max(np.abs(ours)))))
    assert err < 1e-4, f"the PyTorch network differs from ours ({net.architecture}): relative error {err:.2e}"


# --------------------------------------------------------------------------- timing
def interleaved(runners: dict, rounds: int, seed: int = 0) -> dict:
    """``{name: (median wall s, median CPU s)}`` of each runner over ``rounds``, run in a random order per round."""
    rng = np.random.default_rng(seed)
    times = {name: ([], []) for name in runners}
    names = list(runners)
    for _ in range(rounds):
        for i in rng.permutation(len(names)):
            wall, cpu = time.perf_counter(), time.process_time()
            runners[names[i]]()
            times[names[i]][0].append(time.perf_counter() - wall)
            times[names[i]][1].append(time.process_time() - cpu)
    return {name: (float(np.median(w)), float(np.median(c))) for name, (w, c) in times.items()}


def epoch_runners(torch, arch, shape, data, epochs: int, full: bool = True) -> dict:
    """Runners of one ``train()`` call of ``epochs`` epochs (fresh initial factors each call)."""
    net = make_network(arch, shape)
    init = copy.deepcopy(net.params)

    def ours():
        net.params = copy.deepcopy(init)
        hist = train(net, data, lam=LAM, lr=LR, epochs=epochs, batch_size=BATCH, momentum=MOMENTUM, schedule=SCHEDULE)
        assert hist.status == "ok", hist.status

    runners = {"ours": ours}
    if torch is not None:
        check_same_network(torch, net, np.asarray(data.X_test[:BATCH], np.float32).reshape(-1, *shape))
        runners["torch"] = lambda: torch_train(torch, net, init, data, epochs, full=False)
        if full:
            runners["torch full"] = lambda: torch_train(torch, net, init, data, epochs, full=True)
    return runners


def step_runners(torch, arch, shape, source, steps: int) -> dict:
    """Runners of ``steps`` training steps at batch 64 (our inner loop, and PyTorch's)."""
    net = make_network(arch, shape)
    rng = np.random.default_rng(1)
    n = steps * BATCH
    if source == "digits":
        digits = load_digits_split(0)
        X = np.asarray(digits.X_train, np.float32)[np.arange(n) % digits.X_train.shape[0]].reshape(n, *shape)
        y = digits.y_train[np.arange(n) % digits.y_train.size]
    else:
        X = rng.random((n, *shape), dtype=np.float32)
        y = rng.integers(0, 10, n)
    T = _prepare_targets(net, y, n)
    perm = rng.permutation(n)
    rates = np.full(steps, 0.01)
    velocity = _zeros_like_params(net.params)

    def ours():
        with np.errstate(all="ignore"), one_blas_thread():
            _train_epoch(net, net.params, velocity, X, T, perm, BATCH, rates, 0, LAM, MOMENTUM)

    runners = {"ours": ours}
    if torch is not None:
        check_same_network(torch, net, X[:BATCH])
        model = TorchModel(torch, net, net.params)
        Xt, yt, pt = torch.tensor(X), torch.tensor(y), torch.from_numpy(perm)

        def theirs():
            for b in range(0, n, BATCH):
                idx = pt[b : b + BATCH]
                model.step(Xt[idx], yt[idx], 0.01)

        runners["torch"] = theirs
    return runners


# --------------------------------------------------------------------------- report
def _verdict(ratio, target) -> str:
    if target is None or ratio is None:
        return ""
    return f"≤ {target:g}: {'met' if ratio <= target else 'MISSED'}"


def _row(label, unit, best, target) -> str:
    ours = best["ours"]
    if "torch" not in best:
        return f"| {label} | {ours[0] * 1e3:.2f} | – | – | – | – | {unit} |"
    theirs = best["torch"]
    wall, cpu = ours[0] / theirs[0], ours[1] / theirs[1]
    full = best.get("torch full")
    extra = f" (full record: {full[0] * 1e3:.2f}, ratio {ours[0] / full[0]:.2f})" if full else ""
    return (
        f"| {label} | {ours[0] * 1e3:.2f} | {theirs[0] * 1e3:.2f}{extra} | **{wall:.2f}** | {cpu:.2f} "
        f"| {_verdict(wall, target)} | {unit} |"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="one round of one epoch and two steps, no full-record variant (seconds)"
    )
    parser.add_argument("--rounds", type=int, help="timing rounds (default 9; --quick: 1)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 9)
    if rounds < 1:
        parser.error("--rounds must be at least 1")
    epochs, steps = (1, 2) if args.quick else (5, 20)
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    header = "| work | ours ms | PyTorch ms | ratio (wall) | ratio (CPU) | target | per |\n" + "|---" * 7 + "|"
    data = load_digits_split(0)
    print(
        f"\n(a) train(): D = {D}, float32, batch {BATCH}, λ = {LAM:g}, lr {LR:g} {SCHEDULE}, momentum {MOMENTUM:g}, "
        f"{epochs} epochs a call, median of {rounds} rounds, one thread"
    )
    print(header)
    for label, arch, shape in EPOCH_CASES:
        runners = epoch_runners(torch, arch, shape, data, epochs, full=not args.quick)
        for run in runners.values():  # warm-up
            run()
        best = interleaved(runners, rounds)
        best = {k: (w / epochs, c / epochs) for k, (w, c) in best.items()}
        print(_row(f"train() epoch, {label}", "epoch", best, EPOCH_TARGET), flush=True)
    print(f"\n(b) training step: D = {D}, float32, batch {BATCH}, blocks of {steps} steps, median of {rounds} rounds")
    print(header)
    for label, arch, shape, source, target in STEP_CASES:
        runners = step_runners(torch, arch, shape, source, steps)
        for run in runners.values():
            run()
        best = {k: (w / steps, c / steps) for k, (w, c) in interleaved(runners, rounds).items()}
        print(_row(f"step, {label}", "step", best, target), flush=True)
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if torch is None:
        print("PyTorch is not installed (pip install -e '.[torch]'): no ratios")
    else:
        torch.set_num_threads(threads)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
