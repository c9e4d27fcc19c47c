"""Benchmark: the (α, η) phase diagram with an active set against a plain vectorized loop.

Both run the same rule — gradient descent on F(ω) = ½(ω_1⋯ω_D − z)² + (λ/D)Σω_d² from the
balanced start ω_d = α, i.e. the exact 1-D map a ← a − η[(a^D − z)a^{D−1} + (2λ/D)a], then the
label rule of ``dwf_theory.phase.init_lr_phase`` — on the same grid; the labels must be
identical. The reference updates every grid point for every step with plain array
expressions; ``init_lr_phase`` stops diverged and settled points (active set) and updates
in place.

Run: ``python benchmarks/bench_phase.py [--quick]`` or ``dwf-theory bench phase``.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from dwf_theory.losses import Scalar
from dwf_theory.phase import DIVERGED, INIT_LR_NAMES, NONZERO, NOT_CONVERGED, ZERO, init_lr_phase


def _pow(a, k):
    """``a**k`` as ``((a·a)·a)⋯`` — the same rounding as the library, so chaotic points agree too."""
    if k == 0:
        return np.ones_like(a)
    out = a
    for _ in range(k - 1):
        out = out * a
    return out


def plain_phase(z, lam, D, alphas, lrs, steps, bound=1e6, zero_tol=1e-6, grad_tol=1e-8):
    """Reference: every grid point, every step, plain vectorized NumPy; then the label rule.

    The floating-point operations are those of the library (same order), so that points in
    the chaotic band near the stability edge, where rounding decides the outcome, agree.
    """
    eta, a = np.meshgrid(lrs, alphas, indexing="ij")
    diverged = np.zeros(a.shape, dtype=bool)
    c2 = 2.0 * lam / D
    shrink = 1.0 - c2 * eta
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            pw = _pow(a, D - 1)
            a = a * shrink - eta * ((pw * a - z) * pw)
            diverged |= ~(np.isfinite(a) & (np.abs(a) <= bound))
        pw = _pow(a, D - 1)
        w = pw * a
        grad_norm = math.sqrt(D) * np.abs((w - z) * pw + c2 * a)
    labels = np.full(a.shape, NOT_CONVERGED)
    labels[grad_norm < grad_tol] = NONZERO
    labels[np.abs(w) < zero_tol] = ZERO
    labels[diverged] = DIVERGED
    return labels


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 64×64 grid and 500 steps")
    args = parser.parse_args(argv)
    n, steps = (64, 500) if args.quick else (256, 2000)
    D, lam, z = 3, 0.1, 1.0
    alphas = np.logspace(-2, 0.5, n)
    lrs = np.logspace(-2, 1, n)

    t0 = time.perf_counter()
    ref = plain_phase(z, lam, D, alphas, lrs, steps)
    t_plain = time.perf_counter() - t0

    t0 = time.perf_counter()
    fast = init_lr_phase(Scalar(z), lam, D, alphas, lrs, steps, basin=False)
    t_fast = time.perf_counter() - t0

    assert np.array_equal(fast.labels, ref), "labels differ between the active-set run and the plain loop"
    ratio = t_plain / t_fast
    counts = ", ".join(f"{name}: {np.mean(ref == k):.1%}" for k, name in enumerate(INIT_LR_NAMES))
    print(f"init_lr_phase, {n}x{n} grid, D={D}, lam={lam}, z={z}, {steps} steps ({counts})")
    print(f"plain vectorized loop {t_plain:8.3f} s")
    print(f"active set, in place  {t_fast:8.3f} s")
    print(f"ratio                 {ratio:8.1f}x   (labels identical)")
    return ratio


if __name__ == "__main__":
    main()
