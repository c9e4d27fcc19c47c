"""Time per training step of DWF models in PyTorch against the same models unfactorized, on CPU.

Models: LeNet-300-100 (784-300-100-10, ReLU) and the Caffe LeNet-5 of the pruning literature (conv 20@5×5,
max-pool, conv 50@5×5, max-pool, fc 800-500-10; Han et al. 2015, Lee et al. 2019), MNIST-shaped random
input (1×28×28), batch 64, float32. One step: ``zero_grad``, forward, mean cross-entropy, backward,
``torch.optim.SGD`` step with momentum 0.9. Factorized (``dwf_theory.torch.factorize``, D = 2, 3, 4):
optimizer on ``param_groups(model, λ)`` (weight decay 2λ/D on the factors). Unfactorized: weight decay 2λ
on the weights (the D = 1 case), none on biases. Every entry is the minimum over 10 rounds of the mean
time of a block of 5 steps; each round runs a block of every configuration in a random order, so that
load from other processes falls on all of them alike. Threads: one (``torch.set_num_threads(1)``) and
torch's default.

``--variants`` also times the two implementations considered besides ``torch.nn.utils.parametrize``
with ``D`` original tensors (what ``dwf_theory.torch`` uses): one stacked ``(D, *shape)`` factor tensor
reduced by ``prod``, and explicit factor parameters whose product a forward pre-hook assigns to ``weight``.

``--preset`` trains the reference trainer's ``sparse`` digits preset (64-300-100-10, D = 3, float32) in
PyTorch and in the reference trainer for ``--seeds`` seeds: same split, initialization (``factorize`` with
the same rng draws the trainer's factors), minibatch order and learning-rate schedule; test accuracy
after zeroing ``|w| <= 1e-3`` and compression ratio.

Run: ``python benchmarks/bench_torch_overhead.py [--quick] [--variants] [--preset [--seeds 3] [--epochs N]]``
or ``dwf-theory bench torch [--quick]``. Needs PyTorch (``pip install -e ".[torch]"``).
"""

from __future__ import annotations

import argparse
import math
import os
import time

import numpy as np

BATCH, LAM, LR, MOMENTUM = 64, 5e-4, 0.01, 0.9
DEPTHS = (2, 3, 4)
TARGET = 1.3  # the factorized step at D = 3 should take at most this multiple of the unfactorized one


def lenet300(nn):
    return nn.Sequential(
        nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10)
    )


def lenet5(nn):
    return nn.Sequential(
        nn.Conv2d(1, 20, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(20, 50, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(800, 500),
        nn.ReLU(),
        nn.Linear(500, 10),
    )


MODELS = {"lenet300": lenet300, "lenet5": lenet5}


def _plain_groups(model, nn):
    weights = [m.weight for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
    ids = {id(w) for w in weights}
    return [
        {"params": weights, "weight_decay": 2 * LAM},
        {"params": [p for p in model.parameters() if id(p) not in ids], "weight_decay": 0.0},
    ]


def _stacked(model, D, torch, nn):
    """Variant: one (D, *shape) factor tensor per weight, the product by ``prod`` (a parametrization)."""
    from torch.nn.utils import parametrize

    class Stacked(nn.Module):
        def forward(self, f):
            return f.prod(0)

        def right_inverse(self, w):
            root = w.abs().pow(1.0 / D)
            return torch.stack([torch.sign(w) * root] + [root] * (D - 1))

    for m in [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]:
        parametrize.register_parametrization(m, "weight", Stacked(), unsafe=True)
    factors = [m.parametrizations.weight.original for m in model.modules() if hasattr(m, "parametrizations")]
    ids = {id(f) for f in factors}
    return [
        {"params": factors, "weight_decay": 2 * LAM / D},
        {"params": [p for p in model.parameters() if id(p) not in ids], "weight_decay": 0.0},
    ]


def _hooked(model, D, torch, nn):
    """Variant: explicit factor parameters ``weight_f0 …``; a forward pre-hook sets ``weight`` to their product."""
    factors = []
    for m in [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]:
        w = m._parameters.pop("weight").detach()
        root = w.abs().pow(1.0 / D)
        for d in range(D):
            p = nn.Parameter(torch.sign(w) * root if d == 0 else root.clone())
            m.register_parameter(f"weight_f{d}", p)
            factors.append(p)

        def pre_hook(mod, _inputs):
            w = mod.weight_f0
            for d in range(1, D):
                w = w * getattr(mod, f"weight_f{d}")
            mod.weight = w

        m.register_forward_pre_hook(pre_hook)
    ids = {id(f) for f in factors}
    return [
        {"params": factors, "weight_decay": 2 * LAM / D},
        {"params": [p for p in model.parameters() if id(p) not in ids], "weight_decay": 0.0},
    ]


def build(name: str, D: int, kind: str = "parametrize"):
    """Model and optimizer of one configuration (``D = 1``: unfactorized)."""
    import torch
    from torch import nn

    from dwf_theory.torch import factorize, param_groups

    torch.manual_seed(0)
    model = MODELS[name](nn)
    if D == 1:
        groups = _plain_groups(model, nn)
    elif kind == "parametrize":
        groups = param_groups(factorize(model, D, rng=0), LAM)
    elif kind == "stacked":
        groups = _stacked(model, D, torch, nn)
    else:
        groups = _hooked(model, D, torch, nn)
    return model, torch.optim.SGD(groups, lr=LR, momentum=MOMENTUM)


def make_step(model, opt, batch: int = BATCH):
    import torch

    g = torch.Generator().manual_seed(0)
    X = torch.randn(batch, 1, 28, 28, generator=g)
    y = torch.randint(0, 10, (batch,), generator=g)

    def step():
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(X), y).backward()
        opt.step()

    return step


def time_configs(configs: dict, block: int, rounds: int, rng, batch: int = BATCH) -> dict:
    """``{key: best seconds per step}``: the minimum over ``rounds`` of the mean time of ``block`` steps.

    Every round runs one block of each configuration, in a fresh random order, so that load from other
    processes falls on all of them alike.
    """
    runners = {}
    for key, make in configs.items():
        step = make_step(*make(), batch)
        for _ in range(3):  # warm-up
            step()
        runners[key] = step
    best = dict.fromkeys(configs, math.inf)
    keys = list(runners)
    for _ in range(rounds):
        for i in rng.permutation(len(keys)):
            step = runners[keys[i]]
            start = time.perf_counter()
            for _ in range(block):
                step()
            best[keys[i]] = min(best[keys[i]], (time.perf_counter() - start) / block)
    return best


def overhead(block: int, rounds: int, threads: list, variants: bool, models: list, batch: int) -> None:
    import torch

    kinds = ("parametrize", "stacked", "hook") if variants else ("parametrize",)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    for n in threads:
        torch.set_num_threads(n)
        for name in models:
            configs = {(1, "plain"): lambda name=name: build(name, 1)}
            for D in DEPTHS:
                for kind in kinds:
                    configs[(D, kind)] = lambda name=name, D=D, kind=kind: build(name, D, kind)
            best = time_configs(configs, block, rounds, np.random.default_rng(0), batch)
            base = best[(1, "plain")]
            print(f"\n{name}, {n} thread(s), batch {batch}, float32, best of {rounds} blocks of {block} steps")
            print("| D | implementation | ms/step | × unfactorized |")
            print("|---|---|---|---|")
            print(f"| 1 | unfactorized | {base * 1e3:.3f} | 1.00 |")
            for (D, kind), t in best.items():
                if D > 1:
                    print(f"| {D} | {kind} | {t * 1e3:.3f} | {t / base:.2f} |")
            ratio = best[(3, "parametrize")] / base
            print(f"D = 3 overhead {ratio:.2f}x: target <= {TARGET}x {'met' if ratio <= TARGET else 'MISSED'}")
    print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def torch_preset(seed: int, epochs: int, dtype: str = "float32") -> dict:
    """The sparse preset (D = 3) trained with dwf_theory.torch, mirroring the reference trainer's run."""
    import torch
    from torch import nn

    from dwf_theory.torch import collapse, factorize, param_groups, sparsity_report
    from dwf_theory.trainer import PRESETS, learning_rates, load_digits_split

    cfg = PRESETS["sparse"]
    data = load_digits_split(seed)
    tdtype = getattr(torch, dtype)
    Xtr = torch.tensor(data.X_train, dtype=tdtype)
    ytr = torch.tensor(data.y_train)
    Xte = torch.tensor(data.X_test, dtype=tdtype)
    model = nn.Sequential(nn.Linear(64, 300), nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10)).to(tdtype)
    with torch.no_grad():
        for m in model:
            if isinstance(m, nn.Linear):
                m.bias.zero_()  # the reference trainer starts its biases at zero
    factorize(model, 3, init=cfg["init"], rng=seed)
    opt = torch.optim.SGD(param_groups(model, cfg["lam"]), lr=cfg["lr"], momentum=0.9)
    n = Xtr.shape[0]
    rates = learning_rates(cfg["schedule"], cfg["lr"], epochs * math.ceil(n / BATCH))
    gen = np.random.default_rng(seed)
    start, step = time.perf_counter(), 0
    for _ in range(epochs):
        perm = torch.from_numpy(gen.permutation(n))
        for b in range(0, n, BATCH):
            idx = perm[b : b + BATCH]
            for group in opt.param_groups:
                group["lr"] = float(rates[step])
            opt.zero_grad(set_to_none=True)
            nn.functional.cross_entropy(model(Xtr[idx]), ytr[idx]).backward()
            opt.step()
            step += 1
    seconds = time.perf_counter() - start
    small = collapse(model, zero_tol=1e-3)
    with torch.no_grad():
        acc = float((small(Xte).argmax(1).numpy() == data.y_test).mean())
    rep = sparsity_report(small, 1e-3)
    return dict(
        test_accuracy=acc, compression_ratio=rep.compression_ratio, layer_density=rep.layer_density, seconds=seconds
    )


def preset(seeds: int, epochs: int | None, dtype: str = "float32") -> None:
    import torch

    from dwf_theory.trainer import PRESETS, run

    torch.set_num_threads(1)
    epochs = epochs or PRESETS["sparse"]["epochs"]
    print(f"\nsparse digits preset, 64-300-100-10, D = 3, {dtype}, {epochs} epochs, zero_tol 1e-3")
    print(
        "| seed | trainer accuracy | trainer compression | torch accuracy | torch compression | trainer s | torch s |"
    )
    print("|---|---|---|---|---|---|---|")
    rows = []
    for seed in range(seeds):
        ref = run("digits", D=3, preset="sparse", rng=seed, epochs=epochs, dtype=dtype)
        ours = torch_preset(seed, epochs, dtype)
        rows.append((ref["test_accuracy"], ref["compression_ratio"], ours["test_accuracy"], ours["compression_ratio"]))
        print(
            f"| {seed} | {ref['test_accuracy']:.4f} | {ref['compression_ratio']:.1f} | {ours['test_accuracy']:.4f} "
            f"| {ours['compression_ratio']:.1f} | {ref['seconds']:.1f} | {ours['seconds']:.1f} |",
            flush=True,
        )
    a = np.array(rows, float)
    mean, sd = a.mean(axis=0), a.std(axis=0, ddof=1) if seeds > 1 else np.zeros(4)
    print(
        f"| mean ± sd | {mean[0]:.4f} ± {sd[0]:.4f} | {mean[1]:.1f} ± {sd[1]:.1f} | {mean[2]:.4f} ± {sd[2]:.4f} "
        f"| {mean[3]:.1f} ± {sd[3]:.1f} | | |"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats, one thread only")
    parser.add_argument("--variants", action="store_true", help="also time the two implementations not chosen")
    parser.add_argument("--batch", type=int, default=BATCH, help=f"batch size of the overhead timing (default {BATCH})")
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated, default: all")
    parser.add_argument("--threads", help="comma-separated torch thread counts (default: 1 and torch's default)")
    parser.add_argument("--preset", action="store_true", help="also train the sparse digits preset in both")
    parser.add_argument("--seeds", type=int, default=3, help="seeds of the preset comparison (default 3)")
    parser.add_argument("--epochs", type=int, help="epochs of the preset comparison (default: the preset's)")
    parser.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        default="float32",
        help="precision of the preset comparison (default float32, the preset's)",
    )
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("PyTorch is not installed (pip install -e '.[torch]'): nothing to time")
        return 0
    default_threads = torch.get_num_threads()
    if args.threads:
        try:
            threads = [int(t) for t in args.threads.split(",")]
        except ValueError:
            parser.error("--threads must be comma-separated whole numbers")
    else:
        threads = [1] if args.quick else sorted({1, default_threads})
    block, rounds = (3, 3) if args.quick else (5, 10)
    models = [m for m in args.models.split(",") if m]
    unknown = set(models) - set(MODELS)
    if unknown or not models:
        parser.error(f"--models must name some of {', '.join(MODELS)}")
    overhead(block, rounds, threads, args.variants, models, args.batch)
    if args.preset:
        preset(args.seeds, args.epochs, args.dtype)
    torch.set_num_threads(default_threads)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
