"""One small valid call per public callable of the applied modules.

Initialization, datasets, phase diagrams, plotting, the figure gallery and the reference trainer.
Merged into ``EXAMPLES``/``EXEMPT`` of :mod:`api_walk.examples`. Every example is small (MLPs of
widths [4, 5, 3], one or two epochs, grids of a few points, sweeps on an in-process executor) so that
each valid call takes well under a second once the modules are imported.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from .engine import Example

E = Example


def _ls(n=6, p=3, seed=0):
    from dwf_theory import LeastSquares

    rng = np.random.default_rng(seed)
    return LeastSquares(rng.standard_normal((n, p)), rng.standard_normal(n))


def _mlp(D=2, loss="cross_entropy", sizes=(4, 5, 3)):
    from dwf_theory.trainer import MLP

    return MLP(list(sizes), D, rng=0, loss=loss)


def _xy(n=8, seed=0):
    """Inputs (n, 4) and labels in 0..2 for the [4, 5, 3] network."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 4)), np.arange(n) % 3


def _spec():
    """The ModelSpec of the [4, 5, 3] network."""
    from dwf_theory.trainer import Dense, ModelSpec

    return ModelSpec((Dense(5), Dense(3)), (4,), 3)


def _data():
    X, y = _xy(8, 0)
    Xt, yt = _xy(6, 1)
    return (X, y, Xt, yt)


def _grads(model):
    return [{k: np.full_like(a, 0.01) for k, a in p.items()} for p in model.params]


def _history():
    from dwf_theory.trainer import train

    return train(_mlp(), _data(), lam=1e-3, lr=0.1, epochs=2, batch_size=4)


def _inline():
    from dwf_theory.trainer import InlineExecutor

    return InlineExecutor()


def _small_budget():
    from dwf_theory.trainer.compare_result import Budget

    return Budget(epochs=1, batch_size=512, lrs=(0.3,), lams=(1e-2,), max_search=2)


def _interval():
    from dwf_theory.trainer.compare_stats import mean_interval

    return mean_interval([0.01, 0.02, 0.03])


def _compare_result():
    """A small comparison built from constructed runs (no training): two methods, two seeds, one target."""
    from dwf_theory.trainer.compare_result import Budget, Comparison, RunRecord

    def rec(method, phase, seed, knob, acc, comp):
        split = "validation" if phase == "tune" else "test"
        return RunRecord(method, phase, seed, knob, 0.1, split, acc, comp, "ok", False, (0.5,), "", 1.0)

    runs = [rec("dense", "tune", 1000, 0.0, 0.97, 1.0), rec("dwf-2", "tune", 1000, 1e-3, 0.95, 20.0)]
    runs += [rec("snip", "tune", 1000, 10.0, 0.93, 10.0)]
    for s, e in ((0, 0.0), (1, 0.01)):
        runs += [rec("dense", "final", s, 0.0, 0.97 + e, 1.0), rec("dwf-2", "final", s, 1e-3, 0.95 + e, 20.0)]
        runs += [rec("snip", "final", s, 10.0, 0.92 + e / 2, 10.0)]
    return Comparison(
        dataset="digits",
        arch="lenet300",
        methods=("dwf-2", "snip"),
        targets=(10.0,),
        seeds=(0, 1),
        optimizer="momentum",
        budget=Budget(lrs=(0.1,)),
        lr={"dense": 0.1, "dwf-2": 0.1, "snip": 0.1},
        lams={"dwf-2": (1e-3,)},
        runs=tuple(runs),
        completed=True,
    )


def _axes(n=1):
    from matplotlib.figure import Figure

    fig = Figure()
    axes = [fig.add_subplot(1, n, i + 1) for i in range(n)]
    return axes[0] if n == 1 else axes


def _threshold_diagram():
    from dwf_theory.phase import threshold_phase

    return threshold_phase(np.linspace(-2.0, 2.0, 5), np.array([0.0, 0.3]), 3)


def _sparsity_result():
    from dwf_theory.phase import SparsityPhase

    return SparsityPhase(
        lams=np.array([0.1, 0.3]),
        depths=np.array([2, 3]),
        zero_fraction=np.array([[0.0, 0.5], [0.5, 1.0]]),
        objective=np.ones((2, 2)),
        converged=np.ones((2, 2), bool),
        weights=np.zeros((2, 2, 2)),
    )


def _init_lr_diagram():
    from dwf_theory.phase import init_lr_phase

    return init_lr_phase(_scalar1(), 0.1, 3, np.array([0.02, 0.6, 1.0]), np.array([0.05, 0.3]), 60)


def _flow(D=2):
    """A D-factor gradient flow of two scalar problems (z = 1), five records."""
    from dwf_theory import Scalar, factor_flow

    factors0 = np.full((D, 2), 0.5) + 0.1 * np.arange(D)[:, None]
    return factor_flow(Scalar(np.ones(2)), factors0, 0.1, np.linspace(0, 1, 5))


def _gaps():
    from types import SimpleNamespace

    return SimpleNamespace(w=np.array([[0.1, 0.2], [1.0, -2.0], [3.0, 4.0]]), gap=np.array([1e-9, -2e-6, 3e-4]))


def _summaries():
    """Run summaries of a small sweep: two methods, layer densities, regimes."""
    return [
        dict(
            method=m,
            compression_ratio=c,
            test_accuracy=a,
            layer_density=[0.5, 0.1],
            D=3,
            sizes=[4, 5, 3],
            zero_tol=1e-3,
            init=s,
            init_scale=sc,
            lr=lr,
            regime=reg,
        )
        for m, c, a, s, sc, lr, reg in (
            ("DWF D=3", 10.0, 0.9, "standard", 0.5, 0.1, "sparse success"),
            ("DWF D=3", 2.0, 0.95, "standard", 2.0, 0.1, "dense fit"),
            ("D=1 pruned", 5.0, 0.92, "varmatch", 0.5, 1.0, "divergence"),
        )
    ]


def _unit_summaries():
    """Run summaries of a units-kept sweep: two depths, two λ, two seeds."""
    return [
        dict(
            lam=lam,
            D=D,
            units_kept=[k, max(k - 2, 0), 3],
            units=[8, 6, 3],
            test_accuracy=0.5 + k / 20,
            rng=s,
            status="ok",
        )
        for D in (2, 3)
        for lam, k in ((1e-3, 8), (1e-2, 2))
        for s in (0, 1)
    ]


def _study():
    from dwf_theory.minima import MinimaStudy

    objectives = np.array([[[1.0, 1.001], [1.5, np.inf]], [[2.0, np.inf], [2.0, 2.2]]])
    problems = (_study_problem(D=3), _study_problem(D=np.inf))
    return MinimaStudy(problems, ("a", "b"), objectives, np.ones_like(objectives))


def _study_problem(D):
    from dwf_theory.minima import StudyProblem

    return StudyProblem(n=8, p=5, rho=0.0, lam=0.1, D=D, seed=0)


def _comparison():
    return {
        "DWF D=3": {"compression": [10, 30], "mean": [0.97, 0.95], "lo": [0.96, 0.93], "hi": [0.98, 0.97]},
        "magnitude": {"compression": [10, 30], "mean": [0.96, None], "lo": [0.95, None], "hi": [0.97, None]},
    }


def _lr_result():
    """A learning-rate study built from its parts (no training): one depth, a stable and a diverged run."""
    from dwf_theory.trainer.studies import LREdge, LRRun, LRStudy

    runs = (
        LRRun(2, 0.1, "ok", 0.9, 3.0, 0.5, 2.3, 0.3, 2, 1.5, 0.4, 0.1),
        LRRun(2, 10.0, "diverged", 0.1, 1.0, 0.0, 2.3, 2.3, 1, None, None, 0.1),
    )
    edge = LREdge(2, 0.1, 1.5, 0.4, 0.1, 1.5, 2.5, 9.5, 2.5, 0.1, 10.0, 1.0, 0.5, 1.0)
    config = dict(dataset="digits", arch=None, hidden=[4], lam=1e-3, momentum=0.9, epochs=2)
    return LRStudy(runs, (edge,), config, True)


def _phase_result():
    """A phase study built from its parts: one grid run and three escape runs of a short history."""
    from dwf_theory.trainer.studies import OnsetFit, PhaseMarkers, PhaseRun, PhaseStudy, SparsityFit

    h = _history()
    runs = (PhaseRun(1e-3, 2, 1.0, h, PhaseMarkers(1.5, 1.2, 2, None, None, None)),)
    onsets = ((0.5, 1.0), (0.25, 2.0), (0.125, 3.0))
    escape = tuple(PhaseRun(0.0, 2, s, h, PhaseMarkers(t, None, 2, None, None, None)) for s, t in onsets)
    fit = OnsetFit(0.0, 2, (0.5, 0.25, 0.125), (1.0, 2.0, 3.0), 0.0, -0.8, 1.44, 0.0)
    config = dict(dataset="digits", arch=None, hidden=[5], lr=0.1, momentum=0.9, rise=0.05, level=0.5)
    return PhaseStudy(runs, escape, (fit,), (SparsityFit(2, (1e-3,), (1.2,), None, -1.0),), config, True)


_TMP = os.path.join(tempfile.gettempdir(), "dwf-theory-walk")  # write_all's folder (one, reused by every call)

_RESULT = "a result container the library builds; its fields are documented, not validated on construction"

EXEMPT: dict[str, str] = {
    "dwf_theory.phase.PhaseDiagram": _RESULT,
    "dwf_theory.phase.SparsityPhase": _RESULT,
    "dwf_theory.trainer.data.Split": _RESULT + " (a NamedTuple of the four data arrays)",
    "dwf_theory.trainer.datasets.Dataset": _RESULT + " (what load_dataset returns)",
    "dwf_theory.trainer.metrics.SparsityReport": _RESULT,
    "dwf_theory.trainer.sweep.SweepResult": _RESULT,
    "dwf_theory.trainer.train.EpochRecord": _RESULT,
    "dwf_theory.trainer.polish.PolishResult": _RESULT,
    "dwf_theory.trainer.groups.CompactMLP": _RESULT + " (what compact returns)",
    "dwf_theory.trainer.train.History": _RESULT,
    "dwf_theory.trainer.compare_result.Comparison": _RESULT + " (what compare returns; built from its runs)",
    "dwf_theory.trainer.compare_result.RunRecord": _RESULT + " (one run of a comparison)",
    "dwf_theory.trainer.compare_stats.Interval": _RESULT,
    "dwf_theory.trainer.compare_stats.Cell": _RESULT,
    "dwf_theory.trainer.compare_stats.Difference": _RESULT,
    "dwf_theory.trainer.studies.LRRun": _RESULT + " (one run of lr_study)",
    "dwf_theory.trainer.studies.LREdge": _RESULT + " (the edges of one depth of lr_study)",
    "dwf_theory.trainer.studies.LRStudy": _RESULT + " (what lr_study returns)",
    "dwf_theory.trainer.studies.PhaseMarkers": _RESULT + " (what phase_markers returns)",
    "dwf_theory.trainer.studies.PhaseRun": _RESULT + " (one run of phase_study)",
    "dwf_theory.trainer.studies.OnsetFit": _RESULT + " (an onset fit of phase_study)",
    "dwf_theory.trainer.studies.SparsityFit": _RESULT + " (a sparsification-onset fit of phase_study)",
    "dwf_theory.trainer.studies.PhaseStudy": _RESULT + " (what phase_study returns)",
    "dwf_theory.trainer.compare.cluster_executor": (
        "needs a running Dask scheduler; tests/test_compare.py runs it on a LocalCluster and an unreachable address"
    ),
}


def _cnn_layers():
    from dwf_theory.trainer import Conv2d, Dense, Flatten, MaxPool

    return [Conv2d(2, 3, padding=1), MaxPool(2), Flatten(), Dense(3)]


_FIGURES = (
    "dynamics.depth",
    "dynamics.escape_time",
    "dynamics.hyperbolas",
    "dynamics.stability_edge",
    "initialization.mass_near_zero",
    "initialization.product_densities",
    "phase.init_lr_phase",
    "phase.sparsity_phase",
    "phase.threshold_phase",
    "theory.penalty_shapes",
    "theory.prox_curves",
    "trainer.accuracy_compression",
    "trainer.init_lr_regimes",
    "trainer.layer_density",
    "trainer.learning_phases",
    "trainer.units_kept",
)

EXAMPLES: dict[str, Example] = {
    # datasets -----------------------------------------------------------------------------------------
    "dwf_theory.datasets.sparse_regression": E(lambda: dict(n=8, p=5, k=2, noise=0.1, rng=0)),
    # initialization -----------------------------------------------------------------------------------
    "dwf_theory.initialization.init_factors": E(
        lambda: dict(shape=(3, 2), D=3, scheme="varmatch-truncated", sigma_w=0.5, rng=0, eps=1e-3, rescale=True),
        valid={"shape": ("empty",)},  # () is the shape of a scalar weight
    ),
    "dwf_theory.initialization.truncated_product_variance": E(lambda: dict(D=3, sigma_w=0.5, eps=1e-3)),
    "dwf_theory.initialization.log_product_density": E(
        lambda: dict(x=np.array([-1.0, 0.5, 2.0]), D=3, sigma_w=1.0),
        allow_inf=True,  # +inf at 0, -inf far out
    ),
    "dwf_theory.initialization.product_density": E(
        lambda: dict(x=np.array([-1.0, 0.5, 2.0]), D=3, sigma_w=1.0, method="mellin"),
        allow_inf=True,  # +inf at 0
    ),
    "dwf_theory.initialization.product_cdf": E(lambda: dict(x=np.array([-1.0, 0.0, 2.0]), D=3, sigma_w=1.0)),
    "dwf_theory.initialization.small_mass": E(lambda: dict(eps=np.array([1e-3, 0.1]), D=3, sigma_w=1.0)),
    # phase --------------------------------------------------------------------------------------------
    "dwf_theory.phase.init_lr_phase": E(
        lambda: dict(
            loss=_scalar1(),
            lam=0.1,
            D=3,
            alphas=np.array([0.02, 0.6, 1.0]),
            lrs=np.array([0.05, 0.3]),
            steps=60,
            momentum=0.3,
            bound=1e6,
            zero_tol=1e-6,
            grad_tol=1e-8,
            active_set=True,
            basin=True,
            check_every=8,
        )
    ),
    "dwf_theory.phase.threshold_phase": E(lambda: dict(zs=np.linspace(-2.0, 2.0, 5), lams=np.array([0.0, 0.3]), D=3)),
    "dwf_theory.phase.threshold_phase_gd": E(
        lambda: dict(
            zs=np.array([-1.5, 0.5, 2.0]),
            lams=np.array([0.1, 0.4]),
            D=3,
            starts=4,
            steps=200,
            lr_scale=0.9,
            grad_tol=1e-8,
        )
    ),
    "dwf_theory.phase.sparsity_phase": E(lambda: dict(loss=_ls(), lams=np.array([0.05, 0.3]), depths=[2, 3])),
    # plot ---------------------------------------------------------------------------------------------
    "dwf_theory.plot.scalar.prox_curves": E(
        lambda: dict(z=np.linspace(-2.0, 2.0, 9), lam=0.5, depths=[1, 3], ax=_axes(), identity=True, legend=True),
        valid={"ax": ("none",)},
    ),
    "dwf_theory.plot.scalar.penalties": E(
        lambda: dict(w=np.linspace(-2.0, 2.0, 9), depths=[1, 3], ax=_axes(), l0=True, legend=True),
        valid={"ax": ("none",)},
    ),
    "dwf_theory.plot.scalar.penalty_gaps": E(
        lambda: dict(result=_gaps(), ax=_axes(), tol=1e-5, legend=True), valid={"ax": ("none",), "tol": ("none",)}
    ),
    "dwf_theory.plot.dynamics.trajectory": E(
        lambda: dict(tr=_flow(), ax=_axes(), reference=1.0, distance=True, last=4, log_time=True, labels=["a", "b"]),
        valid={"ax": ("none",), "reference": ("none",), "last": ("none",), "labels": ("none",)},
    ),
    "dwf_theory.plot.dynamics.factor_plane": E(
        lambda: dict(tr=_flow(), ax=_axes(), z=1.0, lim=2.0),
        valid={"ax": ("none",), "z": ("none",), "lim": ("none",)},
    ),
    "dwf_theory.plot.dynamics.escape_times": E(
        lambda: dict(
            w0=np.array([1e-2, 1e-3, 1e-4]),
            times={2: np.array([1.0, 2.0, 3.0]), 3: np.array([1.0, 10.0, 100.0])},
            ax=_axes(),
            exponents={2: 0.5, 3: -0.33},
            legend=True,
        ),
        valid={"ax": ("none",), "exponents": ("none",)},
    ),
    "dwf_theory.plot.phase.phase_diagram": E(
        lambda: dict(pd=_init_lr_diagram(), ax=_axes(), legend=True, overlays=True, heavy_ball=0.5),
        valid={"ax": ("none",), "heavy_ball": ("none",)},
    ),
    "dwf_theory.plot.phase.sparsity_phase": E(
        lambda: dict(sp=_sparsity_result(), ax=_axes(), colorbar=True), valid={"ax": ("none",)}
    ),
    "dwf_theory.plot.phase.sparsity_curves": E(
        lambda: dict(sp=_sparsity_result(), ax=_axes(), truth=0.5, legend=True),
        valid={"ax": ("none",), "truth": ("none",)},
    ),
    "dwf_theory.plot.initialization.product_densities": E(
        lambda: dict(
            x=np.array([0.5, 1.0, 2.0]),
            densities={1: np.array([0.35, 0.24, 0.05])},
            ax=_axes(),
            samples={1: np.array([-1.2, 0.3, 0.4, 1.9])},
            bins=np.linspace(-2.0, 2.0, 5),
            labels={1: "D=1"},
            legend=True,
        ),
        valid={"ax": ("none",), "samples": ("none",), "bins": ("none",), "labels": ("none",)},
    ),
    "dwf_theory.plot.initialization.mass_near_zero": E(
        lambda: dict(
            depths=[1, 2, 3],
            exact={0.1: np.array([0.08, 0.2, 0.3])},
            ax=_axes(),
            monte_carlo={0.1: np.array([0.07, 0.21, 0.3])},
            legend=True,
        ),
        valid={"ax": ("none",), "monte_carlo": ("none",)},
    ),
    "dwf_theory.plot.trainer.history": E(lambda: dict(hist=_history(), axes=_axes(3)), valid={"axes": ("none",)}),
    "dwf_theory.plot.trainer.sweep": E(
        lambda: dict(
            result=_summaries(),
            ax=_axes(),
            x="compression_ratio",
            y="test_accuracy",
            by="method",
            styles={"D=1 pruned": {"marker": "s"}},
            legend=True,
        ),
        valid={"ax": ("none",), "by": ("none",), "styles": ("none",)},
    ),
    "dwf_theory.plot.trainer.layer_density": E(
        lambda: dict(result=_summaries(), ax=_axes(), legend=True), valid={"ax": ("none",)}
    ),
    "dwf_theory.plot.trainer.units_kept": E(
        lambda: dict(result=_unit_summaries(), ax=_axes(), y="units", legend=True), valid={"ax": ("none",)}
    ),
    "dwf_theory.plot.trainer.regimes": E(
        lambda: dict(result=_summaries(), axes=_axes(2), legend=True), valid={"axes": ("none",)}
    ),
    "dwf_theory.plot.studies.lr_edges": E(lambda: dict(study=_lr_result(), axes=_axes(2)), valid={"axes": ("none",)}),
    "dwf_theory.plot.studies.phase_histories": E(
        lambda: dict(study=_phase_result(), axes=[_axes(1)], lams=(1e-3,)), valid={"axes": ("none",), "lams": ("none",)}
    ),
    "dwf_theory.plot.studies.onset_scaling": E(
        lambda: dict(study=_phase_result(), ax=_axes()), valid={"ax": ("none",)}
    ),
    "dwf_theory.figures.studies.lr_edges": E(
        lambda: dict(quick=True, result=_lr_result()),
        valid={"result": ("none",)},  # None: compute the quick study
    ),
    "dwf_theory.figures.studies.phase_depths": E(
        lambda: dict(quick=True, result=_phase_result()), valid={"result": ("none",)}
    ),
    "dwf_theory.figures.studies.onset_scaling": E(
        lambda: dict(quick=True, result=_phase_result()), valid={"result": ("none",)}
    ),
    "dwf_theory.plot.solvers.which_minimum": E(
        lambda: dict(study=_study(), axes=_axes(2), rng=0), valid={"axes": ("none",), "rng": ("none",)}
    ),
    "dwf_theory.plot.comparison.comparison": E(
        lambda: dict(result=_comparison(), dense_accuracy=0.97, ax=_axes(), tolerance=0.01, legend=True),
        valid={"ax": ("none",)},
    ),
    # figures ------------------------------------------------------------------------------------------
    "dwf_theory.figures.default_out": E(lambda: dict()),
    "dwf_theory.figures.write_all": E(
        lambda: dict(out=_TMP, quick=True, names=["prox_curves"], progress=False),
        valid={"names": ("none",)},  # None: every figure (slow, not walked)
        fixed={"out": "any folder name is valid, and the walk must not write outside a temporary folder"},
    ),
    **{f"dwf_theory.figures.{name}": E(lambda: dict(quick=True)) for name in _FIGURES},
    # trainer: data ------------------------------------------------------------------------------------
    "dwf_theory.trainer.data.as_seed": E(lambda: dict(rng=0)),
    "dwf_theory.trainer.data.load_digits_split": E(lambda: dict(rng=0, test_size=0.3)),
    "dwf_theory.trainer.data.teacher_student": E(
        lambda: dict(n_train=10, n_test=5, n_features=6, n_nonzero=2, noise=0.0, rng=0)
    ),
    # trainer: datasets (digits: bundled and fast; mnist1d takes seconds to generate) ------------------
    "dwf_theory.trainer.datasets.load_dataset": E(lambda: dict(name="digits", rng=0, validation=0.2, path=None)),
    # trainer: layers ----------------------------------------------------------------------------------
    "dwf_theory.trainer.layers.MLP": E(
        lambda: dict(
            sizes=[4, 5, 3],
            D=2,
            init="varmatch-truncated",
            rng=0,
            init_scale=1.0,
            activation="relu",
            loss="cross_entropy",
            eps=1e-3,
            dtype=np.float64,
            grouped=True,
        )
    ),
    "dwf_theory.trainer.layers.forward": E(
        lambda: dict(
            weights=[np.full((4, 5), 0.1), np.full((5, 3), -0.2)],
            biases=[np.zeros(5), np.ones(3)],
            X=_xy()[0],
            activation="relu",
        )
    ),
    # trainer: network -------------------------------------------------------------------------------
    "dwf_theory.trainer.network.Dense": E(lambda: dict(units=3, grouped=True)),
    "dwf_theory.trainer.network.Conv1d": E(lambda: dict(channels=2, kernel_size=3, stride=1, padding=1, grouped=False)),
    "dwf_theory.trainer.network.Conv2d": E(lambda: dict(channels=2, kernel_size=3, stride=2, padding=0, grouped=True)),
    "dwf_theory.trainer.network.MaxPool": E(lambda: dict(size=2)),
    "dwf_theory.trainer.network.Flatten": E(lambda: dict()),
    "dwf_theory.trainer.network.Network": E(
        lambda: dict(
            layers=_cnn_layers(),
            input_shape=(1, 6, 6),
            D=2,
            init="varmatch-truncated",
            rng=0,
            init_scale=1.0,
            activation="relu",
            loss="cross_entropy",
            eps=1e-3,
            dtype=np.float64,
            name="small",
        ),
        valid={"name": ("none",)},
    ),
    "dwf_theory.trainer.network.build_network": E(
        lambda: dict(arch="cnn1d", input_shape=(1, 40), n_classes=3, D=2, grouped=True)
    ),
    # trainer: grouped layers --------------------------------------------------------------------------
    "dwf_theory.trainer.groups.balanced_groups": E(lambda: dict(W=np.array([[1.0, 0.0], [-2.0, 0.0]]), D=3)),
    "dwf_theory.trainer.groups.unit_norms": E(lambda: dict(W=np.array([[3.0, 0.0], [4.0, 0.0]]))),
    "dwf_theory.trainer.groups.alive_units": E(lambda: dict(W=np.array([[3.0, 0.0], [4.0, 1e-4]]), zero_tol=1e-3)),
    "dwf_theory.trainer.groups.compact": E(lambda: dict(model=_mlp(sizes=(4, 5, 5, 3)), params=None, zero_tol=0.3)),
    "dwf_theory.trainer.network.ModelSpec": E(
        lambda: dict(
            arch="lenet300", input_shape=(1, 4, 4), n_classes=3, init="varmatch", init_scale=1.0, dtype="float32"
        )
    ),
    # trainer: frontier ------------------------------------------------------------------------------
    "dwf_theory.trainer.frontier.frontier": E(lambda: dict(compression=[10.0, 100.0, 50.0], accuracy=[0.95, 0.9, 0.8])),
    "dwf_theory.trainer.frontier.accuracy_at": E(
        lambda: dict(compression=[10.0, 100.0], accuracy=[0.95, 0.9], targets=[20.0, 1000.0])
    ),
    "dwf_theory.trainer.frontier.max_compression_within": E(
        lambda: dict(
            compression=[10.0, 100.0], accuracy=[0.95, 0.9], dense_accuracy=0.96, tolerance=0.035, relative=False
        )
    ),
    # trainer: metrics ---------------------------------------------------------------------------------
    "dwf_theory.trainer.metrics.sparsity_report": E(
        lambda: dict(weights=[np.array([[0.0, 0.5], [2.0, -1e-4]]), np.array([1.0, 0.0])], zero_tol=1e-3),
        allow_inf=True,  # the documented compression ratio when every weight counts as zero
    ),
    "dwf_theory.trainer.metrics.prune": E(
        lambda: dict(weights=[np.array([[0.0, 0.5], [2.0, -1e-4]]), np.array([1.0, 0.0])], zero_tol=1e-3)
    ),
    "dwf_theory.trainer.metrics.magnitude_masks": E(
        lambda: dict(weights=[np.array([[0.0, 0.5], [2.0, -1e-4]]), np.array([1.0, 0.0])], n_keep=3)
    ),
    # trainer: objective -------------------------------------------------------------------------------
    "dwf_theory.trainer.objective.value_and_grad": E(
        lambda: dict(model=_mlp(), params=_mlp().params, X=_xy()[0], y=_xy()[1], lam=0.01)
    ),
    "dwf_theory.trainer.objective.objective": E(
        lambda: dict(model=_mlp(), params=_mlp().params, X=_xy()[0], y=_xy()[1], lam=0.01)
    ),
    # trainer: optim -----------------------------------------------------------------------------------
    "dwf_theory.trainer.optim.learning_rates": E(
        lambda: dict(schedule="warmup-cosine", lr=0.1, total_steps=10, warmup=0.2)
    ),
    "dwf_theory.trainer.optim.sgd_momentum_step": E(
        lambda: _step_args(),
        valid={"masks": ("none",)},  # None: no mask
    ),
    # trainer: sweep -----------------------------------------------------------------------------------
    "dwf_theory.trainer.sweep.InlineExecutor": E(lambda: dict()),
    "dwf_theory.trainer.sweep.default_executor": E(
        lambda: dict(max_workers=1),
        valid={"max_workers": ("none",)},  # None: one worker per core
    ),
    "dwf_theory.trainer.sweep.run_sweep": E(
        lambda: dict(fn=repr, configs=[{"lam": 0.1}, {"lam": 0.2}], executor=_inline(), progress=False, desc="walk"),
        valid={"executor": ("none",)},  # None: the default process pool
    ),
    # trainer: train -----------------------------------------------------------------------------------
    "dwf_theory.trainer.train.train": E(
        lambda: dict(
            model=_mlp(),
            data=_data(),
            lam=1e-3,
            lr=0.1,
            epochs=2,
            batch_size=4,
            momentum=0.9,
            schedule="cosine",
            rng=0,
            callback=None,
            zero_tol=1e-3,
            warmup=0.05,
            masks=None,
            diverge_factor=1e4,
            update_masks=None,
            penalty=None,
        ),
        # None: no callback, no mask, no mask updates, no extra penalty
        valid={"callback": ("none",), "masks": ("none",), "update_masks": ("none",), "penalty": ("none",)},
        allow_inf=True,  # the documented compression ratio of an all-zero network
    ),
    # trainer: pruning (a [4, 5, 3] network, 8 rows, one epoch) -----------------------------------------
    "dwf_theory.trainer.pruning.prune_and_train": E(
        lambda: dict(
            pruner="snip",
            spec=_spec(),
            data=_data(),
            compression=2.0,
            rng=0,
            epochs=1,
            lr=0.1,
            batch_size=4,
            momentum=0.9,
            schedule="cosine",
            lam=1e-4,
            zero_tol=1e-3,
            keep_history=False,
            samples_per_class=2,
        )
    ),
    # trainer: experiments -----------------------------------------------------------------------------
    "dwf_theory.trainer.experiments.run": E(
        lambda: dict(
            dataset="teacher-student",
            D=2,
            preset="quick",
            rng=0,
            hidden=(),
            zero_tol=1e-3,
            batch_size=50,
            optimizer="momentum",
            dtype="float32",
            keep_history=False,
            epochs=2,
        ),
        valid={"hidden": ("none",), "epochs": ("none",)},  # None: the dataset's network, the preset's epochs
    ),
    "dwf_theory.trainer.experiments.run_pruner": E(
        lambda: dict(
            dataset="digits",
            pruner="magnitude",
            compression=5.0,
            preset="quick",
            rng=0,
            hidden=(8,),
            zero_tol=1e-3,
            batch_size=256,
            optimizer="momentum",
            dtype="float32",
            epochs=1,
        ),
        valid={"hidden": ("none",)},
    ),
    "dwf_theory.trainer.experiments.classify": E(
        lambda: dict(
            summary={"status": "ok", "test_accuracy": 0.9, "compression_ratio": 3.0}, success=0.8, min_compression=2.0
        )
    ),
    "dwf_theory.trainer.experiments.prune_finetune": E(
        lambda: dict(
            compression=2.0,
            lam=1e-4,
            rng=0,
            hidden=(8,),
            zero_tol=1e-3,
            dense_epochs=1,
            finetune_epochs=1,
            lr=0.1,
            finetune_lr=0.03,
            dtype="float32",
        )
    ),
    "dwf_theory.trainer.experiments.accuracy_vs_compression": E(
        lambda: dict(depths=(3,), lams=(1e-3,), rng=0, quick=True, executor=_inline(), progress=False),
        valid={"executor": ("none",), "lams": ("none",)},  # None: the default process pool / λ grid
    ),
    "dwf_theory.trainer.experiments.learning_phases": E(
        lambda: dict(lam=1e-3, D=2, lr=0.3, epochs=1, rng=0, quick=True),
        valid={"epochs": ("none",)},  # None: the default number of epochs
        allow_inf=True,  # the documented compression ratio of an all-zero network
    ),
    "dwf_theory.trainer.experiments.layer_density": E(
        lambda: dict(depths=(2,), rng=0, quick=True, executor=_inline(), progress=False),
        valid={"executor": ("none",)},
    ),
    "dwf_theory.trainer.experiments.units_vs_lambda": E(
        lambda: dict(depths=(2,), lams=(1e-3,), seeds=1, rng=0, quick=True, executor=_inline(), progress=False),
        valid={"executor": ("none",), "lams": ("none",)},  # None: the default process pool / λ grid
    ),
    # trainer: sharpness and the network-level studies (digits, a 64-4-10 MLP, one epoch, in this process) -----
    "dwf_theory.trainer.sharpness.sharpness": E(
        lambda: dict(model=_mlp(), X=_xy()[0], y=_xy()[1], lam=1e-3, params=None, iters=500, tol=1e-6, rng=0),
        valid={"params": ("none",), "rng": ("none",)},  # None: the model's parameters / fresh entropy
    ),
    "dwf_theory.trainer.polish.polish": E(
        lambda: dict(model=_mlp(), X=_xy()[0], y=_xy()[1], lam=1e-2, zero_tol=1e-6, tol=1e-10, max_iter=20)
    ),
    "dwf_theory.trainer.sharpness.flat_objective": E(
        lambda: dict(model=_mlp(), X=_xy()[0], y=_xy()[1], lam=1e-3, params=None), valid={"params": ("none",)}
    ),
    "dwf_theory.trainer.studies.lr_study": E(
        lambda: dict(
            dataset="digits",
            depths=(2,),
            lrs=(0.1,),
            arch=None,
            hidden=(4,),
            lam=1e-3,
            momentum=0.9,
            epochs=1,
            batch_size=256,
            every_run=False,
            iters=300,
            tol=1e-4,
            zero_tol=1e-3,
            dtype="float32",
            rng=0,
            executor=_inline(),
            progress=False,
            quick=True,
        ),
        # None: the default grid / an MLP / its default widths / the default epochs / a process pool
        valid={k: ("none",) for k in ("lrs", "arch", "hidden", "epochs", "executor", "rng")},
    ),
    "dwf_theory.trainer.studies.phase_study": E(
        lambda: dict(
            dataset="digits",
            lams=(1e-3,),
            depths=(2,),
            arch=None,
            hidden=(4,),
            lr=0.1,
            momentum=0.9,
            epochs=1,
            batch_size=256,
            init_scales=(0.5,),
            escape_lams=(0.0,),
            escape_epochs=1,
            zero_tol=1e-3,
            level=0.5,
            rise=0.05,
            reach=0.95,
            dip=0.05,
            recover=0.01,
            dtype="float32",
            rng=0,
            executor=_inline(),
            progress=False,
            quick=True,
        ),
        valid={
            k: ("none",)
            for k in ("lams", "arch", "hidden", "epochs", "init_scales", "escape_epochs", "executor", "rng")
        },
        allow_inf=True,  # the histories' documented compression ratio of an all-zero network
    ),
    "dwf_theory.trainer.studies.phase_markers": E(
        lambda: dict(history=_history(), level=0.5, rise=0.05, reach=0.95, dip=0.05, recover=0.01)
    ),
    "dwf_theory.trainer.studies.load_study": E(lambda: dict(source=_lr_result().as_dict())),
    "dwf_theory.trainer.experiments.init_lr_grid": E(
        lambda: dict(
            schemes=("varmatch",),
            scales=(1.0,),
            lrs=(0.1,),
            lam=1e-3,
            D=2,
            rng=0,
            quick=True,
            executor=_inline(),
            progress=False,
        ),
        valid={"executor": ("none",), "scales": ("none",), "lrs": ("none",)},
    ),
    # trainer: compare (digits, one epoch, one rate, two seeds, in this process) -------------------------
    "dwf_theory.trainer.compare.compare": E(
        lambda: dict(
            dataset="digits",
            arch="lenet300",
            methods=("dwf-2", "random"),
            targets=(2.0,),
            seeds=2,
            executor=_inline(),
            budget=_small_budget(),
            optimizer="momentum",
            quick=False,
            data_dir=None,
            progress=False,
        ),
        # None: the default process pool / the full budget (minutes) / no data folder; a folder is ignored for digits
        # seeds [1.0, 2.0] are two valid seeds
        valid={"executor": ("none",), "budget": ("none",), "data_dir": ("string",), "seeds": ("list",)},
        allow_inf=True,  # the documented compression of a run whose weights are all zero
    ),
    "dwf_theory.trainer.compare_result.Budget": E(
        lambda: dict(
            epochs=40,
            batch_size=64,
            lrs=(0.1, 0.3),
            validation=0.2,
            lams=(1e-4, 1e-3),
            max_search=9,
            gap=2.5,
            margin=1.5,
            pruner_lam=0.0,
            penalty_lam=1e-4,
            tuning_seed=1000,
            zero_tol=1e-3,
            rescale=False,
        ),
        valid={"lrs": ("none",)},  # None: the optimizer's default grid
    ),
    "dwf_theory.trainer.compare_result.label": E(lambda: dict(method="dwf-3")),
    "dwf_theory.trainer.compare_stats.mean_interval": E(lambda: dict(values=[0.9, 0.92, 0.95], level=0.95)),
    "dwf_theory.trainer.compare_stats.paired_difference": E(
        lambda: dict(a=[0.9, 0.92, 0.95], b=[0.88, 0.91, 0.95], level=0.95)
    ),
    "dwf_theory.trainer.compare_stats.verdict": E(lambda: dict(interval=_interval())),
    # figures: comparison -------------------------------------------------------------------------------
    "dwf_theory.figures.compare.comparison_figure": E(lambda: dict(result=_compare_result(), tolerance=0.01)),
    "dwf_theory.figures.compare.write_comparison": E(
        lambda: dict(result=_compare_result(), out=_TMP, stem="walk_comparison", tolerance=0.01, raw=True),
        valid={"stem": ("none",)},  # None: compare_<dataset>_<arch>
        fixed={"out": "any folder name is valid, and the walk must not write outside a temporary folder"},
    ),
    "dwf_theory.figures.compare.load_comparison": E(lambda: dict(source=_compare_result().as_dict(), name="source")),
}


def _scalar1():
    from dwf_theory import Scalar

    return Scalar(1.0)


def _step_args():
    model = _mlp()
    masks = [np.ones((4, 5), bool), np.ones((5, 3), bool)]
    velocity = [{k: np.zeros_like(a) for k, a in p.items()} for p in model.params]
    return dict(params=model.params, grads=_grads(model), velocity=velocity, lr=0.1, momentum=0.9, masks=masks)
