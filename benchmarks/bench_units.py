"""Speed-up from structured sparsity: a grouped DWF network with its switched-off units removed, against the full one.

A grouped network (hidden units factorized as gates times one vector of incoming weights, whose penalty
``λ Σ_g ‖W_g‖^{2/D}`` switches whole units off) is trained on digits for D = 2, 3, 4. Its collapsed
weights are then run as a plain MLP three ways, on the 540 test rows and on single rows:

* **full**: every unit, the dense weight matrices as trained (what runs without any pruning);
* **pruned**: the weights with ``|w| <= zero_tol`` set to zero, same shapes — unstructured sparsity,
  which a dense matrix product does not skip (the same time as full);
* **compact**: :func:`dwf_theory.trainer.compact` — the switched-off units removed (a unit whose incoming
  weights are all zero outputs the constant ``σ(b_j)``, folded into the next bias), smaller matrices.

Compact and pruned compute the same function (the largest output difference is printed), so the test
accuracy is the same. Time: forward passes (the trainer's unchecked forward of
``dwf_theory.trainer.forward``, so that input validation is not timed; float64, one BLAS thread),
every round runs each variant once in a random order; medians over the rounds.

Run: ``python benchmarks/bench_units.py [--quick] [--markdown]`` or ``dwf-theory bench units``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from dwf_theory._threads import one_blas_thread
from dwf_theory.trainer import MLP, compact, load_digits_split, train
from dwf_theory.trainer.layers import _forward

DEPTHS = (2, 3, 4)
LAM, LR, EPOCHS, BATCH, ZERO_TOL = 3e-3, 0.1, 200, 64, 1e-3


def trained(D: int, hidden: tuple, epochs: int, seed: int = 0):
    """A grouped MLP trained on digits (warm-up cosine schedule, momentum 0.9), and the data split."""
    data = load_digits_split(seed)
    model = MLP([64, *hidden, 10], D, rng=seed, grouped=True, dtype=np.float64)
    hist = train(
        model, data, lam=LAM, lr=LR, epochs=epochs, batch_size=BATCH, schedule="warmup-cosine", zero_tol=ZERO_TOL
    )
    return model, data, hist


def variants(model) -> dict:
    """``{name: (weights, biases)}`` of the full, pruned and compact networks."""
    weights, biases = model.weights(), [p["bias"] for p in model.params]
    small = compact(model, zero_tol=ZERO_TOL)
    return {
        "full": (weights, biases),
        "pruned": ([np.where(np.abs(W) > ZERO_TOL, W, 0.0) for W in weights], biases),
        "compact": (list(small.weights), list(small.biases)),
    }


def timings(nets: dict, X: np.ndarray, rounds: int, seed: int = 0) -> dict:
    """Median seconds of one forward pass on ``X`` per variant, interleaved in random order."""
    names = list(nets)
    times = {n: [] for n in names}
    rng = np.random.default_rng(seed)
    with one_blas_thread():
        for n in names:  # warm-up
            _forward(*nets[n], X, "relu")
        for _ in range(rounds):
            for i in rng.permutation(len(names)):
                start = time.perf_counter()
                _forward(*nets[names[i]], X, "relu")
                times[names[i]].append(time.perf_counter() - start)
    return {n: float(np.median(t)) for n, t in times.items()}


def measure(D: int, hidden: tuple, epochs: int, rounds: int) -> dict:
    model, data, hist = trained(D, hidden, epochs)
    nets = variants(model)
    X = data.X_test.reshape(len(data.X_test), -1)
    outs = {n: _forward(*w, X, "relu") for n, w in nets.items()}
    accuracy = {n: float(np.mean(np.argmax(o, axis=1) == data.y_test)) for n, o in outs.items()}
    return dict(
        D=D,
        status=hist.status,
        sizes=tuple(W.shape[0] for W in nets["compact"][0]) + (10,),
        weights={n: sum(W.size for W in w[0]) for n, w in nets.items()},
        nonzero=int(sum(np.count_nonzero(W) for W in nets["pruned"][0])),
        accuracy=accuracy,
        difference=float(np.max(np.abs(outs["compact"] - outs["pruned"]))),
        batch=timings(nets, X, rounds),
        single=timings(nets, X[:1], rounds * 10),
    )


def table(results: list, hidden: tuple) -> list[str]:
    rows = [
        "| D | units kept | weights (compact / full) | nonzero | test acc. full / compact | max Δ output "
        "| 540 rows: full µs | compact µs | speed-up | 1 row: full µs | compact µs | speed-up |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        kept = "-".join(map(str, r["sizes"][1:-1]))
        w = r["weights"]
        b, s = r["batch"], r["single"]
        rows.append(
            f"| {r['D']} | {kept} (of {'-'.join(map(str, hidden))}) | {w['compact']:,} / {w['full']:,} "
            f"| {r['nonzero']:,} | {r['accuracy']['full']:.3f} / {r['accuracy']['compact']:.3f} "
            f"| {r['difference']:.1e} | {b['full'] * 1e6:.0f} | {b['compact'] * 1e6:.0f} "
            f"| {b['full'] / b['compact']:.1f}× | {s['full'] * 1e6:.1f} | {s['compact'] * 1e6:.1f} "
            f"| {s['full'] / s['compact']:.1f}× |"
        )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 16-unit network, 2 epochs, 3 rounds (seconds)")
    parser.add_argument("--markdown", action="store_true", help="print only the Markdown table and its caption")
    parser.add_argument("--rounds", type=int, help="timing rounds (default 200; --quick: 3)")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 200)
    if rounds < 1:
        parser.error("--rounds must be at least 1")
    hidden, epochs = ((16,), 2) if args.quick else ((300, 100), EPOCHS)
    load = os.getloadavg()
    results = [measure(D, hidden, epochs, rounds) for D in DEPTHS]
    caption = (
        f"Grouped DWF MLP 64-{'-'.join(map(str, hidden))}-10 on digits, λ = {LAM:g}, lr {LR:g}, {epochs} epochs "
        f"(seed 0); forward passes in float64 on one thread, median of {rounds} rounds (single row: "
        f"{rounds * 10}). Full: every unit; compact: switched-off units removed (`compact`, |w| <= {ZERO_TOL:g} "
        "zeroed first); the pruned network (same zeros, full shapes) times as full. Test accuracy of full: the "
        "trained weights as they are; of compact: equal to the pruned network's (max Δ output between the two)."
    )
    if not args.markdown:
        print(f"load average before: {' '.join(f'{x:.2f}' for x in load)} on {os.cpu_count()} cores")
    print(caption + "\n")
    print("\n".join(table(results, hidden)))
    if not args.markdown:
        for r in results:
            b = r["batch"]
            print(f"D = {r['D']} ({r['status']}): pruned {b['pruned'] * 1e6:.0f} µs (full {b['full'] * 1e6:.0f} µs)")
        print(f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
