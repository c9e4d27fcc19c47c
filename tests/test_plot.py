"""dwf_theory.plot: each function draws its result on the given or a new Axes, labels it, and refuses wrong input."""

import math
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import QuadMesh  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from scipy.special import k0  # noqa: E402

from dwf_theory import (  # noqa: E402
    Scalar,
    collapsed_flow,
    factor_flow,
    gradient_descent,
    init_lr_phase,
    max_stable_lr,
    plot,
    prox,
    threshold,
    threshold_phase,
)
from dwf_theory.minima import MinimaStudy, StudyProblem  # noqa: E402
from dwf_theory.phase import SparsityPhase  # noqa: E402
from dwf_theory.trainer import MLP, InlineExecutor, run_sweep, train  # noqa: E402
from dwf_theory.trainer.experiments import REGIMES  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _lines(ax) -> dict:
    return {line.get_label(): line for line in ax.get_lines()}


def _legend(ax) -> list:
    return [t.get_text() for t in ax.get_legend().get_texts()]


# the scalar problem ---------------------------------------------------------------------------------


def test_prox_curves_draw_the_closed_forms_and_break_each_jump():
    z, lam = np.linspace(-3, 3, 600), 0.5  # no grid point at the hard threshold √(2λ) = 1
    ax = plot.prox_curves(z, lam, [1, 2, 3, math.inf])
    assert isinstance(ax, Axes) and (ax.get_xlabel(), ax.get_ylabel()) == ("z", "prox(z; λ=0.5, D)")
    lines = _lines(ax)
    assert list(lines) == ["D=1 (ridge)", "D=2 (soft)", "D=3", "D=∞ (hard)", "identity"]
    # ridge z/(1 + 2λ) and soft thresholding sign(z)·max(|z| − λ, 0): closed forms, to rounding
    np.testing.assert_allclose(lines["D=1 (ridge)"].get_ydata(), z / (1 + 2 * lam), rtol=1e-15)
    soft = np.sign(z) * np.maximum(np.abs(z) - lam, 0)
    np.testing.assert_allclose(lines["D=2 (soft)"].get_ydata(), soft, rtol=1e-15, atol=1e-15)
    # hard thresholding keeps z beyond √(2λ) = 1; one point is left out on each side of the two jumps
    hard = np.asarray(lines["D=∞ (hard)"].get_ydata())
    drawn = ~np.isnan(hard)
    assert np.sum(~drawn) == 2
    np.testing.assert_array_equal(hard[drawn], np.where(np.abs(z) > 1, z, 0.0)[drawn])
    assert np.sum(np.isnan(lines["D=3"].get_ydata())) == 2  # the L_{2/3} prox jumps at ±τ too
    assert not np.any(np.isnan(lines["D=2 (soft)"].get_ydata()))  # continuous: never broken
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(lines)


def test_penalties_are_the_powers_of_w_and_the_l0_limit():
    w = np.linspace(-2, 2, 401)
    ax = plot.penalties(w, [1, 2, 4])
    lines = _lines(ax)
    assert list(lines) == ["D=1: $|w|^{2/1}$", "D=2: $|w|^{2/2}$", "D=4: $|w|^{2/4}$", "L0 (D→∞)"]
    np.testing.assert_allclose(lines["D=1: $|w|^{2/1}$"].get_ydata(), w * w, rtol=1e-15)
    np.testing.assert_array_equal(lines["D=2: $|w|^{2/2}$"].get_ydata(), np.abs(w))
    np.testing.assert_allclose(lines["D=4: $|w|^{2/4}$"].get_ydata(), np.sqrt(np.abs(w)), rtol=1e-15)
    np.testing.assert_array_equal(lines["L0 (D→∞)"].get_ydata(), (w != 0).astype(float))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("w", "penalty")
    assert len(plot.penalties(w, [3], l0=False, legend=False).get_lines()) == 1


def test_penalty_gaps_draws_each_sign_and_rings_the_largest():
    w = np.array([[0.1, 0.2], [1.0, -2.0], [0.5, 0.5], [3.0, 4.0]])
    result = SimpleNamespace(w=w, gap=np.array([1e-9, -2e-6, 0.0, 3e-4]))
    ax = plot.penalty_gaps(result, tol=1e-5)
    lines = _lines(ax)
    above = lines["conjecture above the infimum"]
    np.testing.assert_allclose(above.get_xdata(), [math.sqrt(0.05), 5.0], rtol=1e-15)
    np.testing.assert_array_equal(above.get_ydata(), [1e-9, 3e-4])
    np.testing.assert_array_equal(lines["conjecture below the infimum"].get_ydata(), [2e-6])
    np.testing.assert_array_equal(lines["gap 0 (drawn at the bottom)"].get_ydata(), [1e-10])  # a tenth of 1e-9
    ring = lines["largest |gap| = 0.0003"]
    assert (ring.get_xdata(), ring.get_ydata()) == (5.0, 3e-4)
    assert lines["tolerance 1e-05"].get_ydata()[0] == 1e-5
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "‖w‖₂"
    scalar = plot.penalty_gaps(SimpleNamespace(w=np.array([-2.0, 1.0]), gap=np.array([0.1, 0.2])), legend=False)
    np.testing.assert_array_equal(_lines(scalar)["conjecture above the infimum"].get_xdata(), [2.0, 1.0])


def test_penalty_gaps_of_a_wrong_conjecture_ring_its_counterexample():
    from dwf_theory.parametrizations import PowerPenalty, compare_penalty, hadamard

    # depth 3 with (1/3)Σ‖ω_d‖² induces Σ|w_j|^{2/3}; conjecturing Σ|w_j| (the depth-2 penalty) is wrong
    result = compare_penalty(
        lambda w: float(np.sum(np.abs(w))), hadamard(3), PowerPenalty(2, 1 / 3), shape=(2,), samples=5, starts=2, rng=0
    )
    ax = plot.penalty_gaps(result)
    (ring,) = [ln for ln in ax.get_lines() if ln.get_label().startswith("largest")]
    assert ring.get_xdata() == pytest.approx(np.linalg.norm(result.ws[result.worst]), rel=1e-15)
    assert ring.get_ydata() == pytest.approx(result.max_gap, rel=1e-15)
    assert result.max_gap > 1e-3  # a real disagreement, far above the solver's accuracy


def test_penalty_gaps_refuses_objects_without_w_and_gap():
    with pytest.raises(TypeError, match="result"):
        plot.penalty_gaps(object())
    with pytest.raises(ValueError, match="result.w and result.gap"):
        plot.penalty_gaps(SimpleNamespace(w=np.ones(3), gap=np.ones(2)))
    with pytest.raises(ValueError, match="result.gap"):
        plot.penalty_gaps(SimpleNamespace(w=np.ones(2), gap=np.array([1.0, np.nan])))


# dynamics -------------------------------------------------------------------------------------------


def test_trajectory_of_a_flow_on_a_log_time_axis():
    t = np.concatenate([[0.0], np.geomspace(1e-2, 1e2, 50)])
    tr = collapsed_flow(Scalar(np.ones(1)), np.array([1e-3]), 0.0, 3, t)
    ax = plot.trajectory(tr, log_time=True, lw=2.0)
    (line,) = ax.get_lines()
    assert line.get_label() == "D=3" and line.get_linewidth() == 2.0
    np.testing.assert_array_equal(line.get_xdata(), t[1:])  # t = 0 has no place on a log axis
    np.testing.assert_array_equal(line.get_ydata(), tr.w[1:, 0])
    assert (ax.get_xscale(), ax.get_xlabel(), ax.get_ylabel()) == ("log", "t", "w(t)")


def test_trajectory_of_gradient_descent_as_distance_and_as_its_last_steps():
    z, lam, D = 2.0, 0.3, 3
    w_star = float(prox(z, lam, D))
    f0 = np.full((D, 2), w_star ** (1 / D)) * np.array([[1.01], [1.0], [1.0]])
    tr = gradient_descent(Scalar(np.full(2, z)), f0, lam, np.array([0.05, 0.1]), 40)
    ax = plot.trajectory(tr, reference=w_star, distance=True, labels=["slow", "fast"])
    assert (ax.get_yscale(), ax.get_xlabel(), ax.get_ylabel()) == ("log", "step", "|w − w*|")
    lines = _lines(ax)
    np.testing.assert_array_equal(lines["fast"].get_ydata(), np.abs(tr.w[:, 1] - w_star) + 1e-300)
    tail = plot.trajectory(tr, reference=w_star, last=10)
    assert len(tail.get_lines()) == 3  # two coordinates and the dashed reference level
    assert list(_lines(tail))[:2] == ["w[0]", "w[1]"] and tail.get_ylabel() == "w"
    np.testing.assert_array_equal(tail.get_lines()[0].get_xdata(), tr.t[-10:])
    assert tail.get_lines()[2].get_ydata()[0] == w_star


def test_trajectory_refuses_wrong_input():
    tr = collapsed_flow(Scalar(np.ones(2)), np.array([0.1, 0.2]), 0.0, 2, np.linspace(0, 1, 5))
    with pytest.raises(TypeError, match="tr"):
        plot.trajectory({"t": tr.t, "w": tr.w})
    with pytest.raises(ValueError, match="reference"):
        plot.trajectory(tr, distance=True)
    with pytest.raises(TypeError, match="labels"):
        plot.trajectory(tr, labels=["only one"])
    with pytest.raises(TypeError, match="labels"):
        plot.trajectory(tr, label="one label for two lines")
    with pytest.raises(TypeError, match="ax"):
        plot.trajectory(tr, ax="left")


def test_factor_plane_draws_paths_diagonals_and_level_sets():
    starts = np.array([[1.5, -0.5], [0.2, 1.0]])  # (D = 2, two problems)
    tr = factor_flow(Scalar(np.ones(2)), starts, 0.1, np.linspace(0, 2, 20))
    ax = plot.factor_plane(tr, z=1.0, lim=2.0)
    lines = ax.get_lines()
    assert len(lines) == 2 + 3 * 2  # the two diagonals, then per path: the path, its start, its end
    np.testing.assert_array_equal(lines[2].get_xdata(), tr.factors[:, 0, 0])
    np.testing.assert_array_equal(lines[2].get_ydata(), tr.factors[:, 1, 0])
    assert sum(isinstance(a, ContourSet) for a in ax.get_children()) == 2  # imbalance levels, ω₁ω₂ = z
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_aspect() == 1.0
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("ω₁", "ω₂")
    deep = factor_flow(Scalar(np.ones(1)), np.full((3, 1), 0.5), 0.1, np.linspace(0, 1, 5))
    with pytest.raises(ValueError, match="D = 2"):
        plot.factor_plane(deep)


def test_escape_times_label_the_fitted_and_the_theoretical_exponents():
    w0 = np.geomspace(1e-2, 1e-5, 4)
    times = {2: np.log(1 / w0), 4: w0**-0.5}
    ax = plot.escape_times(w0, times, exponents={2: 0.5, 4: -0.49})
    assert _legend(ax) == ["D=2: T ≈ 0.500·log(1/w0)", "D=4: slope -0.4900 (theory -0.5000)"]
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), w0**-0.5)
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    with pytest.raises(ValueError, match=r"times\[4\]"):
        plot.escape_times(w0, {4: w0[:3]})
    with pytest.raises(TypeError, match="times"):
        plot.escape_times(w0, [1.0, 2.0, 3.0, 4.0])


# phase diagrams -------------------------------------------------------------------------------------


@pytest.mark.parametrize("D, overlay_lines", [(2, 2), (4, 4)])
def test_threshold_diagram_with_its_overlays(D, overlay_lines):
    lams = np.linspace(0.0, 0.5, 11)
    pd = threshold_phase(np.linspace(-2, 2, 41), lams, D)
    ax = plot.phase_diagram(pd)
    (mesh,) = [a for a in ax.get_children() if isinstance(a, QuadMesh)]
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(pd.labels.shape), pd.labels)
    assert len(ax.get_lines()) == overlay_lines  # ±τ(λ), and ±z_exist(λ) where the middle region exists
    tau = _lines(ax)["τ (threshold)"]  # the + branch carries the label
    np.testing.assert_allclose(tau.get_xdata(), [threshold(lam, D) for lam in lams], rtol=1e-15)
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_xscale(), ax.get_yscale()) == ("z", "λ", "linear", "linear")
    assert _legend(ax) == list(pd.names)
    assert not plot.phase_diagram(pd, overlays=False, legend=False).get_lines()


def test_init_lr_diagram_with_stability_edges_on_log_axes():
    pd = init_lr_phase(Scalar(1.0), 0.1, 3, np.logspace(-2, 0.5, 8), np.logspace(-2, 1, 8), 200)
    ax = plot.phase_diagram(pd, heavy_ball=0.5)
    lines = _lines(ax)
    edge = max_stable_lr(float(prox(1.0, 0.1, 3)), 0.1, 3)
    assert lines["2/λ_max at w*"].get_ydata()[0] == pytest.approx(edge, rel=1e-12)
    assert lines["2(1+μ)/λ_max, momentum μ = 0.5"].get_ydata()[0] == pytest.approx(1.5 * edge, rel=1e-12)
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("α (balanced start ω_d = α)", "learning rate η")
    with pytest.raises(ValueError, match="heavy_ball"):
        plot.phase_diagram(pd, heavy_ball=1.0)


def _sparsity():
    return SparsityPhase(
        lams=np.array([0.01, 0.1, 1.0]),
        depths=np.array([2, 3]),
        zero_fraction=np.array([[0.0, 0.25, 0.5], [0.5, 0.75, 1.0]]),
        objective=np.ones((2, 3)),
        converged=np.ones((2, 3), bool),
        weights=np.zeros((2, 3, 4)),
    )


def test_sparsity_phase_and_curves():
    sp = _sparsity()
    ax = plot.sparsity_phase(sp)
    assert (ax.get_xscale(), ax.get_xlabel(), ax.get_ylabel()) == ("log", "λ", "D")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2", "3"]
    assert len(ax.figure.axes) == 2  # the heat map and its colour bar
    curves = plot.sparsity_curves(sp, truth=0.75)
    lines = _lines(curves)
    assert list(lines) == ["D=2", "D=3", "true sparsity"]
    np.testing.assert_array_equal(lines["D=3"].get_ydata(), [0.5, 0.75, 1.0])
    assert curves.get_ylabel() == "fraction of exact zeros" and curves.get_xscale() == "log"
    with pytest.raises(ValueError, match="truth"):
        plot.sparsity_curves(sp, truth=1.5)


@pytest.mark.parametrize(
    "fn, name", [(plot.phase_diagram, "pd"), (plot.sparsity_phase, "sp"), (plot.sparsity_curves, "sp")]
)
def test_phase_functions_refuse_other_results(fn, name):
    wrong = _sparsity() if fn is plot.phase_diagram else threshold_phase(np.linspace(-1, 1, 3), [0.1], 2)
    with pytest.raises(TypeError, match=name):
        fn(wrong)


# initialization -------------------------------------------------------------------------------------


def test_product_densities_mirror_the_curve_and_match_the_dot_colours():
    x = np.linspace(0.05, 4.0, 80)
    gauss = np.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    two = k0(x) / math.pi  # the density of a product of two standard normals (Springer & Thompson 1970)
    rng = np.random.default_rng(0)
    samples = {1: rng.standard_normal(5000), 2: rng.standard_normal(5000) * rng.standard_normal(5000)}
    ax = plot.product_densities(x, {1: gauss, 2: two}, samples=samples, labels={2: "two factors"})
    lines = ax.get_lines()
    assert len(lines) == 4 and [ln.get_label() for ln in lines[::2]] == ["D=1", "two factors"]
    np.testing.assert_array_equal(lines[2].get_xdata(), np.concatenate([-x[::-1], x]))
    np.testing.assert_array_equal(lines[2].get_ydata(), np.concatenate([two[::-1], two]))
    assert lines[3].get_color() == lines[2].get_color() and lines[3].get_marker() == "."
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "density"
    with pytest.raises(ValueError, match="densities"):
        plot.product_densities(x, {1: -gauss})


def test_mass_near_zero_pairs_exact_lines_with_monte_carlo_crosses():
    exact = {0.1: [0.08, 0.2, 0.3], 0.5: [0.38, 0.5, 0.6]}
    ax = plot.mass_near_zero([1, 2, 3], exact, monte_carlo={0.1: [0.079, 0.21, 0.3]})
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines if not ln.get_label().startswith("_")] == ["ε = 0.1 σ_w", "ε = 0.5 σ_w"]
    assert len(lines) == 3 and lines[1].get_marker() == "x" and lines[1].get_color() == lines[0].get_color()
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_yscale()) == ("depth D", "P(|w| < ε)", "log")
    with pytest.raises(ValueError, match="exact"):
        plot.mass_near_zero([1, 2], {0.1: [0.5, 1.5]})


# trainer ---------------------------------------------------------------------------------------------


def test_history_draws_three_panels():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((8, 4)), np.arange(8) % 3
    hist = train(MLP([4, 5, 3], 2, rng=0), (X, y, X[:6], y[:6]), lam=1e-3, lr=0.1, epochs=2, batch_size=4)
    axes = plot.history(hist)
    assert len(axes) == 3 and [len(a.get_lines()) for a in axes] == [3, 3, 1]
    assert [a.get_title() for a in axes[:2]] == ["loss", "accuracy"] and axes[0].get_xlabel() == "epoch"
    with pytest.raises(TypeError, match="hist"):
        plot.history({"epoch": [1, 2]})
    with pytest.raises(TypeError, match="axes"):
        plot.history(hist, plt.subplots(1, 2)[1])


def _fake_run(cfg):
    return {"method": cfg["method"], "compression_ratio": cfg["c"], "test_accuracy": 1.0 - 0.01 * (cfg["c"] or 0)}


def test_sweep_groups_sorts_and_styles_runs():
    configs = [
        dict(method="DWF D=3", c=10.0),
        dict(method="DWF D=3", c=2.0),
        dict(method="D=1 pruned", c=5.0),
        dict(method="DWF D=3", c=None),  # an all-zero network: no compression ratio, left out
    ]
    result = run_sweep(_fake_run, configs, executor=InlineExecutor(), progress=False)
    ax = plot.sweep(result, styles={"D=1 pruned": {"marker": "s", "ls": "--"}})
    lines = _lines(ax)
    assert list(lines) == ["D=1 pruned", "DWF D=3"]  # sorted groups
    np.testing.assert_array_equal(lines["DWF D=3"].get_xdata(), [2.0, 10.0])
    np.testing.assert_allclose(lines["DWF D=3"].get_ydata(), [0.98, 0.9], rtol=1e-15)
    assert lines["D=1 pruned"].get_marker() == "s" and lines["DWF D=3"].get_marker() == "o"
    assert ax.get_xscale() == "log"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("compression ratio (all / nonzero weights)", "test accuracy")
    rows = [r for _, r in result.finished()]
    assert len(plot.sweep(rows, by=None).get_lines()) == 1
    with pytest.raises(TypeError, match="result"):
        plot.sweep(object())
    with pytest.raises(ValueError, match="lam"):
        plot.sweep(rows, x="lam")


def test_layer_density_draws_one_bar_per_layer_and_run():
    rows = [
        dict(layer_density=[0.5, 0.1], compression_ratio=8.0, test_accuracy=0.9, D=d, sizes=[4, 5, 3], zero_tol=1e-3)
        for d in (2, 3)
    ]
    ax = plot.layer_density(rows)
    assert len(ax.patches) == 4 and [p.get_height() for p in ax.patches] == [0.5, 0.1, 0.5, 0.1]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["layer 1\n4×5", "layer 2\n5×3"]
    assert ax.get_ylabel() == "density (fraction |w| > 0.001)" and ax.get_yscale() == "log"
    assert _legend(ax)[0] == "D=2 (compression 8×, acc 0.90)"
    with pytest.raises(ValueError, match="sizes"):
        plot.layer_density([rows[0], {**rows[1], "sizes": [4, 3]}])


def test_units_kept_draws_the_seed_mean_and_range_without_diverged_runs():
    def row(D, lam, kept, acc, status="ok"):
        return dict(lam=lam, D=D, units_kept=[kept, 2, 3], units=[8, 6, 3], test_accuracy=acc, status=status)

    rows = [row(2, 1e-3, 6, 0.9), row(2, 1e-3, 8, 0.7), row(2, 1e-2, 4, 0.5), row(3, 1e-3, 5, 0.8)]
    rows.append(row(2, 1e-2, 100, 0.1, status="diverged"))  # left out: it would shift the D = 2 mean at 1e-2
    ax = plot.units_kept(rows)
    d2, d3 = ax.lines
    # hidden units only (the output layer's 3 is not counted): mean over the seeds at each λ
    np.testing.assert_allclose(d2.get_xdata(), [1e-3, 1e-2])
    np.testing.assert_allclose(d2.get_ydata(), [(8 + 10) / 2, 6])
    np.testing.assert_allclose(d3.get_ydata(), [7])
    lo, hi = (
        ax.collections[0].get_paths()[0].vertices[:, 1].min(),
        ax.collections[0].get_paths()[0].vertices[:, 1].max(),
    )
    assert (lo, hi) == (6, 10)  # the min–max band of D = 2 (8 and 10 units at 1e-3, 6 at 1e-2)
    assert ax.get_ylabel() == "hidden units kept (of 14)" and ax.get_xscale() == "log"
    assert _legend(ax) == ["D=2", "D=3"]
    acc = plot.units_kept(rows, y="test_accuracy", legend=False)
    np.testing.assert_allclose(acc.lines[0].get_ydata(), [0.8, 0.5])
    assert acc.get_ylabel() == "test accuracy" and acc.get_legend() is None
    with pytest.raises(ValueError, match="diverged runs only"):
        plot.units_kept([row(2, 1e-3, 1, 0.1, status="diverged")])
    with pytest.raises(ValueError, match="y"):
        plot.units_kept(rows, y="units_kept")
    with pytest.raises(ValueError, match="units_kept"):
        plot.units_kept([{**rows[0], "units": [8, 6]}])


def test_regimes_colour_each_grid_cell_by_its_regime():
    rows = [
        dict(init=s, init_scale=a, lr=lr, regime=REGIMES[(i + j + k) % 4])
        for i, s in enumerate(("standard", "varmatch"))
        for j, a in enumerate((0.5, 2.0))
        for k, lr in enumerate((0.1, 1.0, 3.0))
    ]
    axes = plot.regimes(rows)
    assert len(axes) == 2 and [a.get_title() for a in axes] == ["standard", "varmatch"]
    grid = axes[1].get_images()[0].get_array()
    np.testing.assert_array_equal(grid, [[(1 + j + k) % 4 for k in range(3)] for j in range(2)])
    assert axes[0].get_ylabel() == "init scale (× He σ_w)" and axes[0].get_xlabel() == "learning rate"
    assert [t.get_text() for t in axes[0].figure.legends[0].get_texts()] == list(REGIMES)
    with pytest.raises(ValueError, match="regime"):
        plot.regimes([{**rows[0], "regime": "great"}])


# solvers and comparisons ----------------------------------------------------------------------------


def test_which_minimum_draws_the_gaps_of_the_methods_that_ran():
    problems = (StudyProblem(8, 5, 0.0, 0.1, 3, 0), StudyProblem(8, 5, 0.0, 0.1, math.inf, 0))
    inf = math.inf
    objectives = np.array(
        [[[1.0, 1.001], [1.5, inf], [inf, inf]], [[2.0, inf], [2.0, 2.2], [inf, inf]]]
    )  # (problems, methods, runs); method 'c' never ran
    study = MinimaStudy(problems, ("a", "b", "c"), objectives, np.ones_like(objectives))
    axes = plot.which_minimum(study)
    assert [a.get_title() for a in axes] == ["D = 3", "D = ∞"]
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["a", "b"]
    points = axes[0].collections[0].get_offsets()[:, 0]  # method a at D = 3: gaps 0 (drawn at 1e-9) and 1e-3
    np.testing.assert_allclose(points, [1e-9, 1e-3], rtol=1e-12)
    assert axes[0].get_xscale() == "log" and axes[0].get_xlabel() == "(G − best) / best"
    with pytest.raises(TypeError, match="study"):
        plot.which_minimum(objectives)


def _comparison():
    dwf = {"compression": [100, 10, 30], "mean": [0.9, 0.97, 0.95], "lo": [0.88, 0.96, 0.93], "hi": [0.92, 0.98, 0.97]}
    # the pruner does not reach 100× (None), and at 30× one seed reached it: a mean without an interval
    pruned = {"compression": [10, 30, 100], "mean": [0.96, 0.9, None], "lo": [0.95, None, None]}
    pruned["hi"] = [0.97, None, None]
    return {"DWF D=3": dwf, "magnitude": pruned}


def test_comparison_draws_means_bands_dense_line_and_tolerance():
    ax = plot.comparison(_comparison(), 0.975, tolerance=0.02)
    lines = _lines(ax)
    assert list(lines) == ["dense", "DWF D=3", "magnitude"]
    np.testing.assert_array_equal(lines["DWF D=3"].get_xdata(), [10, 30, 100])  # sorted by compression
    np.testing.assert_array_equal(lines["DWF D=3"].get_ydata(), [0.97, 0.95, 0.9])
    assert np.isnan(lines["magnitude"].get_ydata()[2])  # not reached: a gap, not extrapolated
    assert lines["dense"].get_ydata()[0] == 0.975
    (band,) = [p for p in ax.patches if p.get_label() == "within 2 % of dense"]
    ys = band.get_path().transformed(band.get_patch_transform()).vertices[:, 1]
    np.testing.assert_allclose([ys.min(), ys.max()], [0.98 * 0.975, 0.975], rtol=1e-15)  # 2 % of dense
    assert len(ax.collections) == 2  # one confidence band per method
    assert _legend(ax) == ["within 2 % of dense", "dense", "DWF D=3", "magnitude"]
    assert ax.get_xscale() == "log" and ax.get_ylabel() == "test accuracy"


def test_comparison_bands_are_clipped_to_the_range_of_an_accuracy():
    wide = _comparison()
    wide["DWF D=3"]["lo"], wide["DWF D=3"]["hi"] = [-0.2, 0.9, 0.5], [1.3, 1.0, 1.2]
    ax = plot.comparison(wide, 0.975)
    ys = np.concatenate([p.vertices[:, 1] for p in ax.collections[0].get_paths()])
    assert ys.min() == 0.0 and ys.max() == 1.0


def test_comparison_refuses_malformed_results():
    bad = _comparison()
    bad["DWF D=3"]["lo"] = [0.95, 0.96, 0.93]  # lo above the mean at compression 100
    with pytest.raises(ValueError, match="lo <= mean <= hi"):
        plot.comparison(bad, 0.97)
    with pytest.raises(TypeError, match="result"):
        plot.comparison([("DWF", 0.9)], 0.97)
    with pytest.raises(ValueError, match="compression"):
        plot.comparison({"A": {"compression": [0, 10], "mean": [1, 1], "lo": [1, 1], "hi": [1, 1]}}, 0.97)
    with pytest.raises(ValueError, match="tolerance"):
        plot.comparison(_comparison(), 0.97, tolerance=1.5)
    with pytest.raises(TypeError, match="dense_accuracy"):
        plot.comparison(_comparison(), "0.97")


# the README example ---------------------------------------------------------------------------------


def test_readme_example_plots_own_phase_diagrams(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # --- as in the README -------------------------------------------------------------------------
    import matplotlib.pyplot as plt
    import numpy as np

    from dwf_theory import Scalar, init_lr_phase, plot, threshold_phase

    # (α, η): where gradient descent on ½(ω_1⋯ω_D − z)² + (λ/D)Σω_d² from ω_d = α ends — your z, λ and D
    z, lam, D = 2.0, 0.05, 5
    pd = init_lr_phase(Scalar(z), lam, D, np.logspace(-2, 0.5, 96), np.logspace(-2, 0, 96), steps=4000)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    plot.phase_diagram(pd, left)  # the regions, 2/λ_max at the minimum, the origin's basin edge, the saddle α_s
    left.set_title(f"gradient descent, z = {z}, λ = {lam}, D = {D}")

    # (z, λ): the minima of ½(w − z)² + λ|w|^{2/D} at the same depth, with ±τ(λ) and ±z_exist(λ)
    plot.phase_diagram(threshold_phase(np.linspace(-3, 3, 301), np.linspace(0, 0.5, 101), D), right)
    right.set_title(f"minima of the collapsed problem, D = {D}")
    fig.tight_layout()
    fig.savefig("my_phase_diagrams.png")
    # --- checks -----------------------------------------------------------------------------------
    assert (tmp_path / "my_phase_diagrams.png").read_bytes().startswith(b"\x89PNG")
    edge = max_stable_lr(float(prox(z, lam, D)), lam, D)
    assert _lines(left)["2/λ_max at w*"].get_ydata()[0] == pytest.approx(edge, rel=1e-12)
    assert "saddle α_s" in _lines(left) and (left.get_xscale(), left.get_yscale()) == ("log", "log")
    assert len(right.get_lines()) == 4  # ±τ(λ) and ±z_exist(λ): D = 5 has the middle region
    tau = _lines(right)["τ (threshold)"].get_xdata()
    np.testing.assert_allclose(tau, [threshold(x, D) for x in np.linspace(0, 0.5, 101)], rtol=1e-15)
    assert 0 < pd.fraction("nonzero") < 1 and 0 < pd.fraction("zero") < 1  # both basins are on the picture
