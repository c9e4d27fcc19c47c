"""Bodies of the ``dwf-theory train`` and ``dwf-theory sweep`` subcommands (the CLI parses, these run)."""

from __future__ import annotations

import json
import sys

from .experiments import (
    accuracy_vs_compression,
    init_lr_grid,
    layer_density,
    learning_phases,
    run,
    run_pruner,
    units_vs_lambda,
)
from .sweep import InlineExecutor, default_executor

#: The sweeps of ``dwf-theory sweep``.
SWEEPS = ("accuracy-compression", "phases", "layer-density", "init-lr", "units")


def train_command(args) -> int:
    """Run one preset (with overrides) and print its summary, as one JSON object with ``--json``."""
    if args.hidden is None:
        hidden = None  # the dataset's default: 300,100 (LeNet-300-100), linear for teacher-student
    elif args.hidden.strip().lower() in ("", "none"):
        hidden = ()  # a linear model, e.g. the factorized least-squares student
    else:
        hidden = tuple(int(h) for h in args.hidden.split(","))
    common = dict(
        rng=args.seed,
        hidden=hidden,
        zero_tol=args.zero_tol,
        lam=args.lam,
        lr=args.lr,
        epochs=args.epochs,
        arch=args.arch,
        optimizer=args.optimizer,
        data_dir=args.data_dir,
    )
    if args.pruner is not None:
        if args.rescale or args.grouped:
            raise ValueError(
                "--rescale and --grouped apply to DWF's factors, not to --pruner (whose network is not factorized)"
            )
        if args.compression is None:
            raise ValueError("--pruner needs --compression (the target compression ratio)")
        summary = run_pruner(args.dataset, args.pruner, args.compression, args.preset or "dense", **common)
    else:
        if args.compression is not None:
            raise ValueError("--compression applies to --pruner; DWF's compression follows from λ (--lam)")
        rescale = True if args.rescale else None  # None keeps the preset's (the paper's truncated init)
        summary = run(
            args.dataset,
            args.depth,
            args.preset or "sparse",
            schedule=args.schedule,
            init=args.init,
            rescale=rescale,
            grouped=args.grouped,
            **common,
        )
    print(json.dumps(summary) if args.json else format_summary(summary))
    return 0 if summary["status"] != "diverged" else 1


def run_named_sweep(name: str, *, quick: bool = False, rng=0, executor=None, progress: bool = True):
    """Run the sweep ``name`` (one of :data:`SWEEPS`) and return JSON-ready results."""
    if name == "accuracy-compression":
        return accuracy_vs_compression(rng=rng, quick=quick, executor=executor, progress=progress)
    if name == "phases":
        return learning_phases(rng=rng, quick=quick).as_dict()
    if name == "layer-density":
        return layer_density(rng=rng, quick=quick, executor=executor, progress=progress)
    if name == "init-lr":
        return init_lr_grid(rng=rng, quick=quick, executor=executor, progress=progress)
    if name == "units":
        return units_vs_lambda(rng=rng, quick=quick, executor=executor, progress=progress)
    raise ValueError(f"name must be one of {SWEEPS}, got {name!r}")


def sweep_command(args) -> int:
    """Run a named sweep on ``--workers`` processes (1: in this process) and print the results."""
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be a whole number >= 1, got {args.workers}")
    executor = InlineExecutor() if args.workers == 1 else default_executor(args.workers)
    try:
        result = run_named_sweep(
            args.name,
            quick=args.quick,
            rng=args.seed,
            executor=executor,
            progress=sys.stderr.isatty() and not args.json,
        )
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    if args.json:
        print(json.dumps(result))
        return 0
    for r in result if isinstance(result, list) else result["records"]:
        print(format_row(r))
    return 0


def format_row(r: dict) -> str:
    """One line per epoch record (``phases``) or per run summary (the other sweeps)."""
    if "epoch" in r:
        return (
            f"epoch {r['epoch']:4d}  loss {r['train_loss']:.4f}  test acc {r['test_accuracy']:.4f}  "
            f"sparsity {r['sparsity']:.4f}  status {r['status']}"
        )
    cr = r["compression_ratio"]
    return (
        f"{r.get('method', 'DWF D=%d' % r['D']):>20}  init={r['init']:<18} λ={r['lam']:<8g} lr={r['lr']:<6g} "
        f"acc {r['test_accuracy']:.4f}  compression {'inf' if cr is None else f'{cr:.1f}':>7}  "
        f"{r.get('regime', r['status'])}"
    )


def format_summary(summary: dict) -> str:
    """A few human-readable lines for one run's summary."""
    cr = summary["compression_ratio"]
    lines = [
        f"{summary.get('dataset', 'digits')}  {summary.get('method', '')}  D={summary['D']}  {summary['layers']}  "
        f"init={summary['init']}  λ={summary['lam']:g}  lr={summary['lr']:g}  epochs={summary['epochs_run']}  "
        f"status={summary['status']}",
        f"test {summary['metric']} {summary['test_accuracy']:.4f} (weights |w| <= {summary['zero_tol']:g} zeroed; "
        f"{summary['test_accuracy_unpruned']:.4f} before)",
        f"compression ratio {'inf' if cr is None else f'{cr:.1f}'}  ({summary['n_nonzero']} nonzero weights)  "
        f"layer density {', '.join(f'{d:.4f}' for d in summary['layer_density'])}",
    ]
    if "units_kept" in summary:
        kept = ", ".join(f"{k}/{n}" for k, n in zip(summary["units_kept"], summary["units"]))
        lines.append(f"units kept per layer {kept}" + ("  (grouped)" if summary.get("grouped") else ""))
    lines.append(f"{summary['seconds']:.1f} s")
    return "\n".join(lines)


def compare_command(args) -> int:
    """Run a depth comparison (or redraw one from its JSON); print the table; write the figure and the JSON."""
    from pathlib import Path

    from ..figures import default_out
    from ..figures.compare import load_comparison, write_comparison
    from .compare import cluster_executor, compare
    from .compare_result import DEFAULT_METHODS, QUICK_METHODS

    if args.redraw:
        cmp = load_comparison(args.redraw, name="--redraw")
        source = Path(args.redraw)
        paths = write_comparison(cmp, Path(args.out) if args.out else source.parent, stem=source.stem, raw=False)
        return _print_comparison(cmp, paths, args.json)
    if args.dataset is None or args.arch is None:
        raise ValueError("--dataset and --arch are required (unless --redraw FILE)")
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be a whole number >= 1, got {args.workers}")
    if args.workers is not None and args.scheduler:
        raise ValueError("give --workers (local processes) or --scheduler (a Dask cluster), not both")
    methods = _names(args.methods, "--methods") if args.methods else (QUICK_METHODS if args.quick else DEFAULT_METHODS)
    try:
        targets = [float(t) for t in _names(args.targets, "--targets")] if args.targets else None
    except ValueError:
        raise ValueError(f"--targets must be comma-separated numbers, got {args.targets!r}") from None
    if targets is None:
        targets = [10, 30] if args.quick else [10, 30, 100, 300, 1000]
    seeds = args.seeds if args.seeds is not None else (3 if args.quick else 5)
    budget = _budget(args)
    if args.scheduler:
        executor = cluster_executor(args.scheduler)
    else:
        executor = InlineExecutor() if args.workers == 1 else default_executor(args.workers)
    try:
        cmp = compare(
            args.dataset,
            args.arch,
            methods,
            targets,
            seeds=seeds,
            executor=executor,
            optimizer=args.optimizer,
            quick=args.quick and budget is None,
            budget=budget,
            data_dir=args.data_dir,
            progress=sys.stderr.isatty() and not args.json,
        )
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    stem = f"compare_{cmp.dataset}_{cmp.arch}"
    stem += ("_sgd" if cmp.optimizer == "sgd" else "") + ("_quick" if args.quick else "")
    stem += "_rescaled" if cmp.budget.rescale else ""
    paths = write_comparison(cmp, Path(args.out) if args.out else default_out(), stem=stem)
    code = _print_comparison(cmp, paths, args.json)
    return code if cmp.completed else 130


def _budget(args):
    """The budget of ``--epochs``, ``--lrs``, ``--max-search`` and ``--rescale`` (``None``: the default one).

    With ``--quick`` only ``--rescale`` may be given: the quick budget with rescaled factors.
    """
    import dataclasses

    from .compare_result import QUICK_BUDGET, Budget

    given = {k: x for k, x in (("epochs", args.epochs), ("lrs", args.lrs), ("max_search", args.max_search)) if x}
    if args.quick and given:
        raise ValueError("--quick has its own budget: leave out --epochs, --lrs and --max-search")
    if args.rescale:
        given["rescale"] = True
    if not given:
        return None
    if args.quick:
        return dataclasses.replace(QUICK_BUDGET, **given)
    if "lrs" in given:
        try:
            given["lrs"] = tuple(float(x) for x in _names(args.lrs, "--lrs"))
        except ValueError:
            raise ValueError(f"--lrs must be comma-separated numbers, got {args.lrs!r}") from None
    return Budget(**given)


def _names(text: str, option: str) -> list:
    names = [x.strip() for x in text.split(",") if x.strip()]
    if not names:
        raise ValueError(f"{option} must be a comma-separated list, got {text!r}")
    return names


def _print_comparison(cmp, paths, as_json: bool) -> int:
    if as_json:
        print(json.dumps(cmp.as_dict()))
    else:
        print(cmp.table())
        for p in paths:
            print(f"wrote {p}")
    return 0
