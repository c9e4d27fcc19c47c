"""Cost of depth: time and peak memory of one training step of the reference trainer for D = 1, 2, 3, 4, 6.

One step is the inner loop of ``train`` (``_train_epoch`` on one batch): forward pass, mean
cross-entropy, backward pass to the collapsed weights, the chain rule to the D factors with the
leave-one-out products ``Π_{k≠d} ω_k``, the penalty ``(λ/D)Σ‖ω_d‖²`` and its gradient, and the
SGD-momentum update of every factor and bias. Batch 64, float32, λ = 5e-4, momentum 0.9, one BLAS
thread, random inputs and labels, 'varmatch' initialization, on each named architecture: ``lenet300``
on 784 inputs, ``lenet5`` on 1×28×28 images, ``cnn1d`` on 1×40 sequences. D = 1 is the plain network
(no factors to chain).

Time: blocks of steps; every round runs one block of each depth in a random order (load from other
processes falls on all alike); the median over the rounds of wall-clock time per step, and of the
process's CPU time (``time.process_time``, which leaves out waiting for a core on a shared machine).

Memory: ``tracemalloc``'s peak during one step minus what was allocated before it, i.e. the step's
working memory (activations kept for the backward pass, gradients, leave-one-out products,
temporaries); NumPy reports its array buffers to ``tracemalloc``. ``resource.getrusage``'s
``ru_maxrss`` is not used: it is the high-water mark of the whole process, which only grows, so the
configurations measured after the largest one would show no cost, and it includes the interpreter
and libraries at page granularity. Memory is measured in a separate step from the timing
(``tracemalloc`` slows Python down). "State" is what a run keeps between steps: factors and their
momentum buffers, biases and theirs (``2·(D·weights + biases)`` numbers).

Run: ``python benchmarks/bench_depth_cost.py [--quick] [--markdown]`` or ``dwf-theory bench depth``.
"""

from __future__ import annotations

import argparse
import gc
import os
import time
import tracemalloc

import numpy as np

from dwf_theory._threads import one_blas_thread
from dwf_theory.trainer import build_network
from dwf_theory.trainer.objective import _prepare_targets
from dwf_theory.trainer.optim import _zeros_like_params
from dwf_theory.trainer.train import _train_epoch

DEPTHS = (1, 2, 3, 4, 6)
BATCH, LAM, LR, MOMENTUM = 64, 5e-4, 0.01, 0.9
#: (architecture, input shape) of every row group.
CASES = (("lenet300", (784,)), ("lenet5", (1, 28, 28)), ("cnn1d", (1, 40)))
MIB = 2.0**20


class Stepper:
    """One architecture at one depth, with ``steps`` batches of random data and the momentum buffers."""

    def __init__(self, arch: str, shape: tuple, D: int, steps: int):
        # 'varmatch': the scale of the default 'varmatch-truncated' without its slow truncated draws
        # (the cost of a step does not depend on the values).
        self.net = build_network(arch, shape, 10, D, init="varmatch", rng=0, dtype=np.float32)
        rng = np.random.default_rng(1)
        n = steps * BATCH
        self.X = rng.random((n, *shape), dtype=np.float32)
        self.T = _prepare_targets(self.net, rng.integers(0, 10, n), n)
        self.perm = rng.permutation(n)
        self.rates = np.full(steps, LR)
        self.velocity = _zeros_like_params(self.net.params)

    def run(self, perm=None) -> None:
        """The steps over ``perm`` (default: every batch)."""
        perm = self.perm if perm is None else perm
        with np.errstate(all="ignore"), one_blas_thread():
            _, finite = _train_epoch(
                self.net, self.net.params, self.velocity, self.X, self.T, perm, BATCH, self.rates, 0, LAM, MOMENTUM
            )
        if not finite:
            raise RuntimeError(f"{self.net.name} D = {self.net.D}: the objective became non-finite")

    def state_bytes(self) -> int:
        """Bytes of the parameters and momentum buffers."""
        return sum(a.nbytes for group in (self.net.params, self.velocity) for p in group for a in p.values())

    def step_peak_bytes(self) -> int:
        """``tracemalloc`` peak of one step above the memory allocated before it."""
        gc.collect()
        with one_blas_thread():  # threadpoolctl's own allocations stay out of the measurement
            tracemalloc.start()
            try:
                before = tracemalloc.get_traced_memory()[0]
                tracemalloc.reset_peak()
                with np.errstate(all="ignore"):
                    _train_epoch(
                        self.net,
                        self.net.params,
                        self.velocity,
                        self.X,
                        self.T,
                        self.perm[:BATCH],
                        BATCH,
                        self.rates,
                        0,
                        LAM,
                        MOMENTUM,
                    )
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        return peak - before


def measure(arch: str, shape: tuple, depths, steps: int, rounds: int, seed: int = 0) -> dict:
    """``{D: dict(wall=s, cpu=s, peak=bytes, state=bytes, weights=n)}`` of one architecture."""
    steppers = {D: Stepper(arch, shape, D, steps) for D in depths}
    for s in steppers.values():  # warm-up
        s.run()
    times = {D: ([], []) for D in depths}
    rng = np.random.default_rng(seed)
    for _ in range(rounds):
        for i in rng.permutation(len(depths)):
            D = depths[i]
            wall, cpu = time.perf_counter(), time.process_time()
            steppers[D].run()
            times[D][0].append((time.perf_counter() - wall) / steps)
            times[D][1].append((time.process_time() - cpu) / steps)
    return {
        D: dict(
            wall=float(np.median(times[D][0])),
            cpu=float(np.median(times[D][1])),
            peak=s.step_peak_bytes(),
            state=s.state_bytes(),
            weights=s.net.n_weights,
        )
        for D, s in steppers.items()
    }


def table(results: dict) -> list[str]:
    """Markdown rows: per architecture and depth, time and memory, each also relative to D = 1."""
    rows = [
        "| architecture | weights | D | ms/step | × D = 1 | CPU ms/step | × D = 1 | step peak MiB | × D = 1 "
        "| state MiB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (arch, shape), res in results.items():
        base = res[min(res)]
        for D, r in res.items():
            label = f"{arch} ({'×'.join(map(str, shape))})" if D == min(res) else ""
            weights = f"{r['weights']:,}" if D == min(res) else ""
            rows.append(
                f"| {label} | {weights} | {D} | {r['wall'] * 1e3:.2f} | {r['wall'] / base['wall']:.2f} "
                f"| {r['cpu'] * 1e3:.2f} | {r['cpu'] / base['cpu']:.2f} | {r['peak'] / MIB:.2f} "
                f"| {r['peak'] / base['peak']:.2f} | {r['state'] / MIB:.2f} |"
            )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round of one step per depth (seconds)")
    parser.add_argument("--markdown", action="store_true", help="print only the Markdown table and its caption")
    parser.add_argument("--rounds", type=int, help="timing rounds (default 9; --quick: 1)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 9)
    if rounds < 1:
        parser.error("--rounds must be at least 1")
    steps = 1 if args.quick else 10
    load = os.getloadavg()
    results = {(arch, shape): measure(arch, shape, DEPTHS, steps, rounds) for arch, shape in CASES}
    caption = (
        f"One training step of the reference trainer (forward, backward, chain rule to the factors, SGD with "
        f"momentum), batch {BATCH}, float32, one thread; median of {rounds} rounds of {steps} steps. Step peak: "
        f"tracemalloc peak of one step above the memory before it; state: factors, biases and momentum buffers."
    )
    if not args.markdown:
        print(f"load average before: {' '.join(f'{x:.2f}' for x in load)} on {os.cpu_count()} cores")
    print(caption + "\n")
    print("\n".join(table(results)))
    if not args.markdown:
        print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
