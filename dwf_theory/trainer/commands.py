"""Bodies of the ``dwf-theory train`` and ``dwf-theory sweep`` subcommands (the CLI parses, these run)."""

from __future__ import annotations

import json
import sys

from .experiments import format_summary, run, run_named_sweep
from .sweep import InlineExecutor, default_executor


def train_command(args) -> int:
    """Run one preset (with overrides) and print its summary, as one JSON object with ``--json``."""
    if args.hidden is None:
        hidden = None  # the dataset's default: 300,100 for digits, linear for teacher-student
    elif args.hidden.strip().lower() in ("", "none"):
        hidden = ()  # a linear model, e.g. the factorized least-squares student
    else:
        hidden = tuple(int(h) for h in args.hidden.split(","))
    summary = run(args.dataset, args.depth, args.preset, seed=args.seed, hidden=hidden, tol=args.tol,
                  lam=args.lam, lr=args.lr, epochs=args.epochs, schedule=args.schedule, init=args.init)
    print(json.dumps(summary) if args.json else format_summary(summary))
    return 0 if summary["status"] != "diverged" else 1


def sweep_command(args) -> int:
    """Run a named sweep on ``--workers`` processes (1: in this process) and print the results."""
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be a whole number >= 1, got {args.workers}")
    executor = InlineExecutor() if args.workers == 1 else default_executor(args.workers)
    try:
        result = run_named_sweep(args.name, quick=args.quick, seed=args.seed, executor=executor,
                                 progress=sys.stderr.isatty() and not args.json)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    if args.json:
        print(json.dumps(result))
        return 0
    rows = result if isinstance(result, list) else result["records"]
    for r in rows:
        if "epoch" in r:
            print(f"epoch {r['epoch']:4d}  loss {r['train_loss']:.4f}  test acc {r['test_accuracy']:.4f}  "
                  f"sparsity {r['sparsity']:.4f}  status {r['status']}")
        else:
            cr = r["compression_ratio"]
            print(f"{r.get('method', 'DWF D=%d' % r['D']):>20}  init={r['init']:<18} λ={r['lam']:<8g} lr={r['lr']:<6g} "
                  f"acc {r['test_accuracy']:.4f}  compression {'inf' if cr is None else f'{cr:.1f}':>7}  "
                  f"{r.get('regime', r['status'])}")
    return 0
