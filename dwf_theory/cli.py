"""``dwf-theory``: the command line. It only parses arguments and dispatches."""

from __future__ import annotations

import argparse
import json
import runpy
import sys
from pathlib import Path


def _report(args) -> int:
    from . import claims

    ids = args.only.split(",") if args.only else None
    results = claims.run_claims(ids, progress=not args.json and sys.stderr.isatty(), source=args.source)
    if args.json:
        print(json.dumps([r.as_dict() for r in results], indent=2))
    elif args.markdown:
        print("| id | claim | source | how it is checked | measured error | tolerance | status |")
        print("|---|---|---|---|---|---|---|")
        for r in results:
            status = "pass" if r.passed else "FAIL"
            claim, source, method = (
                text.replace("|", "\\|") for text in (f"{r.title}: {r.statement}", r.source, r.method)
            )
            print(f"| {r.id} | {claim} | {source} | {method} | {r.error:.2e} | {r.tolerance:.0e} | {status} |")
    else:
        width = max(len(r.title) for r in results) if results else 10
        kinds = {r.id: r.source.split(":")[0] for r in results}
        print(f"{'id':<4} {'claim':<{width}} {'source':<12} {'error':>10} {'tolerance':>10} {'time':>7}  status")
        for r in results:
            status = "pass" if r.passed else "FAIL"
            print(
                f"{r.id:<4} {r.title:<{width}} {kinds[r.id]:<12} {r.error:>10.2e} {r.tolerance:>10.0e} "
                f"{r.seconds:>6.1f}s  {status}"
            )
            if r.detail and not r.passed:
                print(f"     {r.detail}")
        n_fail = sum(not r.passed for r in results)
        print(f"{len(results) - n_fail} passed, {n_fail} failed")
    return 0 if all(r.passed for r in results) else 1


def _figures(args) -> int:
    import matplotlib

    matplotlib.use("Agg")  # files only, no windows: the one place that chooses the backend
    from . import figures

    names = args.only.split(",") if args.only else None
    out = Path(args.out) if args.out else figures.default_out()
    paths = figures.write_all(out, quick=args.quick, names=names, progress=True)
    for p in paths:
        print(p)
    return 0


def _bench(args) -> int:
    folder = Path(__file__).resolve().parent.parent / "benchmarks"
    scripts = sorted(folder.glob("bench_*.py")) if folder.is_dir() else []
    if not scripts:
        print("no benchmarks found: they live in benchmarks/ of a source checkout (pip install -e .)", file=sys.stderr)
        return 2
    if args.name:
        scripts = [s for s in scripts if args.name in s.stem]
        if not scripts:
            print(f"no benchmark matches {args.name!r}", file=sys.stderr)
            return 2
    for s in scripts:
        print(f"== {s.stem}", flush=True)
        sys.argv = [str(s), *(["--quick"] if args.quick else [])]
        try:
            runpy.run_path(str(s), run_name="__main__")
        except SystemExit as exc:  # a script's `raise SystemExit(main())` must not end the other benchmarks
            if exc.code not in (None, 0):
                return exc.code if isinstance(exc.code, int) else 1
    return 0


def _trainer(name: str):
    """Dispatch to ``dwf_theory.trainer._commands.<name>``."""

    def dispatch(args):
        from .trainer import _commands

        return getattr(_commands, name)(args)

    return dispatch


def _add_report(sub) -> None:
    p = sub.add_parser("report", help="run every numbered claim and print the table (exit 1 if any fails)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the README)")
    p.add_argument("--only", metavar="IDS", help="comma-separated claim ids, e.g. C1,C3")
    p.add_argument(
        "--source", choices=("paper", "classical", "derived here"), help="only the claims with this kind of source"
    )
    p.set_defaults(func=_report)


def _add_figures(sub) -> None:
    p = sub.add_parser("figures", help="write every figure as PNG and PDF")
    p.add_argument("--out", metavar="DIR", help="output folder (default: figures/ of the checkout)")
    p.add_argument("--quick", action="store_true", help="small grids (for tests)")
    p.add_argument("--only", metavar="NAMES", help="comma-separated figure names")
    p.set_defaults(func=_figures)


def _add_bench(sub) -> None:
    p = sub.add_parser("bench", help="run the speed comparisons in benchmarks/")
    p.add_argument("name", nargs="?", help="run only benchmarks whose name contains this")
    p.add_argument("--quick", action="store_true", help="small sizes")
    p.set_defaults(func=_bench)


def _add_train(sub) -> None:
    from .initialization import SCHEMES
    from .trainer.experiments import DATASETS, OPTIMIZERS, PRESETS
    from .trainer.network import ARCHITECTURES
    from .trainer.optim import SCHEDULES
    from .trainer.pruning import PRUNERS

    p = sub.add_parser("train", help="train a DWF network from a preset (reference trainer)")
    p.add_argument("--dataset", choices=DATASETS, default="digits")
    p.add_argument(
        "--data-dir",
        metavar="PATH",
        help="folder of the files of mnist, fashion-mnist or kmnist (IDX or .npz; nothing is downloaded)",
    )
    p.add_argument(
        "--arch", choices=tuple(ARCHITECTURES), help="named architecture (default: an MLP of --hidden widths)"
    )
    p.add_argument("--depth", type=int, default=3, help="factorization depth D (1 = plain network)")
    p.add_argument("--preset", choices=tuple(PRESETS), help="hyperparameters (default: sparse; dense with --pruner)")
    p.add_argument(
        "--optimizer",
        choices=tuple(OPTIMIZERS),
        default="momentum",
        help="momentum: SGD with momentum 0.9 (default); sgd: plain SGD, cosine schedule, 10× the learning rate",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the data split, initialization and batch order")
    p.add_argument(
        "--hidden",
        metavar="SIZES",
        help="hidden widths, comma-separated, or none (default 300,100; none for teacher-student)",
    )
    p.add_argument("--lam", type=float, help="override the preset's λ")
    p.add_argument("--lr", type=float, help="override the preset's learning rate")
    p.add_argument("--epochs", type=int, help="override the preset's number of epochs")
    p.add_argument("--schedule", choices=SCHEDULES)
    p.add_argument("--init", choices=SCHEMES)
    p.add_argument(
        "--rescale",
        action="store_true",
        help="rescale the truncated factors so that their product has the dense initialization's variance",
    )
    p.add_argument(
        "--grouped",
        action="store_true",
        help="factorize every hidden unit (and filter) as gates times one vector, so whole units switch off",
    )
    p.add_argument(
        "--zero-tol", type=float, default=1e-3, help="weights with |w| <= ZERO_TOL count as zero (default 1e-3)"
    )
    p.add_argument(
        "--pruner",
        choices=tuple(PRUNERS),
        help="train the plain network under this pruning baseline instead (preset 'dense' unless --preset is given)",
    )
    p.add_argument("--compression", type=float, help="target compression ratio of --pruner (all weights / kept)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_trainer("train_command"))


def _add_sweep(sub) -> None:
    from .trainer._commands import SWEEPS

    p = sub.add_parser("sweep", help=f"run a trainer sweep: {', '.join(SWEEPS)}")
    p.add_argument("name", choices=SWEEPS)
    p.add_argument("--quick", action="store_true", help="small network, few epochs")
    p.add_argument("--seed", type=int, default=0, help="seed of every run of the sweep")
    p.add_argument("--workers", type=int, help="worker processes (default: all cores; 1 runs in this process)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(func=_trainer("sweep_command"))


def _compare(args) -> int:
    import matplotlib

    matplotlib.use("Agg")  # files only, no windows
    from .trainer import _commands

    return _commands.compare_command(args)


def _add_compare(sub) -> None:
    from .trainer.compare_result import DEFAULT_METHODS, METHODS, QUICK_METHODS
    from .trainer.datasets import DATASETS
    from .trainer.experiments import OPTIMIZERS
    from .trainer.network import ARCHITECTURES

    p = sub.add_parser(
        "compare",
        help="does depth help? DWF D = 2, 3, 4 against the pruners at matched compression, with seeds and intervals",
    )
    p.add_argument("--dataset", choices=tuple(DATASETS), help="data set (required unless --redraw)")
    p.add_argument("--arch", choices=tuple(ARCHITECTURES), help="architecture (required unless --redraw)")
    p.add_argument(
        "--methods",
        metavar="NAMES",
        help=f"comma-separated, of {', '.join(METHODS)} (default: {', '.join(DEFAULT_METHODS[:3])} and every "
        f"pruner; with --quick {', '.join(QUICK_METHODS)})",
    )
    p.add_argument(
        "--targets",
        metavar="RATIOS",
        help="target compressions, comma-separated (default 10,30,100,300,1000; with --quick 10,30)",
    )
    p.add_argument("--seeds", type=int, help="number of evaluation seeds, 0 … N − 1 (default 5; with --quick 3)")
    p.add_argument(
        "--optimizer",
        choices=tuple(OPTIMIZERS),
        default="momentum",
        help="momentum: heavy-ball SGD, warm-up + cosine (default); sgd: plain SGD, cosine (the paper's)",
    )
    p.add_argument("--quick", action="store_true", help="a small budget and search: a smoke test, not a result")
    p.add_argument("--epochs", type=int, help="epochs of every run (default 100)")
    p.add_argument(
        "--lrs",
        metavar="RATES",
        help="learning-rate grid tuned per method, comma-separated "
        "(default 0.03,0.1,0.3; with --optimizer sgd 0.3,1,3)",
    )
    p.add_argument("--max-search", type=int, help="λ-search runs per DWF depth and learning rate (default 9)")
    p.add_argument(
        "--rescale",
        action="store_true",
        help="start DWF from truncated factors rescaled to the dense initialization's variance "
        "(default: the paper's truncated initialization, narrower by 0.55-0.28x for D = 2-4)",
    )
    p.add_argument("--workers", type=int, help="worker processes (default: all cores; 1 runs in this process)")
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on the Dask scheduler at ADDRESS (pip install dwf-theory[dask])"
    )
    p.add_argument("--out", metavar="DIR", help="folder of the figure and the JSON (default: figures/ of the checkout)")
    p.add_argument("--data-dir", metavar="PATH", help="folder of the files of mnist, fashion-mnist or kmnist")
    p.add_argument("--redraw", metavar="FILE", help="redraw the figure, reprint the table from a JSON of compare")
    p.add_argument("--json", action="store_true", help="print the results as JSON instead of the table")
    p.set_defaults(func=_compare)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dwf-theory",
        description="Deep Weight Factorization: check the L_{2/D} equivalence, simulate dynamics, draw phase diagrams.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_report, _add_figures, _add_bench, _add_train, _add_sweep, _add_compare):
        add(sub)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError) as exc:
        print(f"dwf-theory {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
