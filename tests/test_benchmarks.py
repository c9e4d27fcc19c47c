"""Smoke tests of the trainer benchmarks: each runs in ``--quick`` mode through ``dwf-theory bench``.

The benchmarks themselves are not part of the test suite (their numbers depend on the machine); these
tests check that they run, print every row, and that what does not depend on the machine is right.
"""

from __future__ import annotations

import re

import pytest

from dwf_theory import cli


def _bench(capsys, name: str) -> str:
    assert cli.main(["bench", name, "--quick"]) == 0
    return capsys.readouterr().out


def _rows(out: str, first: str) -> list[list[str]]:
    """Cells of the Markdown rows whose first cell starts with ``first``."""
    lines = [line for line in out.splitlines() if line.startswith(f"| {first}")]
    return [[c.strip() for c in line.strip("|").split("|")] for line in lines]


def test_depth_cost_benchmark_runs_and_counts_the_state(capsys):
    # One row per architecture and depth; the state column (factors, biases and momentum buffers) is
    # 2·(D·weights + biases) float32 numbers, exactly, and the D = 1 row is its own reference (ratio 1.00).
    from dwf_theory.trainer import build_network

    out = _bench(capsys, "depth")
    assert "== bench_depth_cost" in out and "tracemalloc" in out
    rows = [r for r in _rows(out, "") if re.fullmatch(r"\d+", r[2])]
    shapes = {"lenet300": (784,), "lenet5": (1, 28, 28), "cnn1d": (1, 40)}
    assert len(rows) == len(shapes) * 5
    arch = None
    for r in rows:
        arch = r[0].split(" ")[0] if r[0] else arch
        D = int(r[2])
        net = build_network(arch, shapes[arch], 10, D)
        biases = sum(p["bias"].size for p in net.params)
        assert float(r[9]) == pytest.approx(round(2 * (D * net.n_weights + biases) * 4 / 2**20, 2), abs=0.006)
        assert float(r[7]) > 0  # the step allocates
        if D == 1:
            assert r[4] == r[6] == r[8] == "1.00"


def test_trainer_benchmark_runs_every_comparison(capsys):
    out = _bench(capsys, "trainer")
    assert "== bench_trainer" in out
    epochs, steps = _rows(out, "train() epoch"), _rows(out, "step,")
    assert len(epochs) == 2 and len(steps) == 4
    for row in epochs + steps:
        assert float(row[1]) > 0
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    for row in epochs + steps[:3]:  # a ratio and a verdict against the target
        assert float(row[3].strip("*")) > 0 and re.search(r"(met|MISSED)$", row[5])


def test_units_benchmark_runs_and_compact_equals_pruned(capsys):
    # One row per depth; the compact network has at most the full network's weights and computes the pruned
    # network's outputs (max difference printed, ~1e-15), so its accuracy is a number in [0, 1].
    out = _bench(capsys, "units")
    assert "== bench_units" in out
    rows = [r for r in _rows(out, "") if re.fullmatch(r"\d+", r[0])]
    assert [r[0] for r in rows] == ["2", "3", "4"]
    for r in rows:
        compact_w, full_w = (int(x.replace(",", "")) for x in r[2].split(" / "))
        assert 0 < compact_w <= full_w == 64 * 16 + 16 * 10
        assert float(r[5]) <= 1e-12
        assert all(0.0 <= float(a) <= 1.0 for a in r[4].split(" / "))
