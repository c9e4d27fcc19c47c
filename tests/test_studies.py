"""Tests of the network-level studies: the Hessian's sharpness, the learning-rate study, the phase study.

The sharpness is checked against dense Hessians built without the trainer's code: autograd on a
forward pass written here, central differences of the trainer's own gradient (a different code
path: leave-one-out chain rule), and the closed-form Hessian of least squares. The phase markers
are checked against loops written from their definitions; the onset fits against closed forms.
"""

from __future__ import annotations

import json
import math
import warnings
from concurrent.futures import Future

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from autograd.scipy.special import logsumexp
from matplotlib.figure import Figure

from dwf_theory import plot as draw
from dwf_theory.trainer import (
    MLP,
    Conv1d,
    Dense,
    Flatten,
    InlineExecutor,
    Network,
    load_dataset,
    value_and_grad,
)
from dwf_theory.trainer.sharpness import flat_objective, sharpness
from dwf_theory.trainer.studies import (
    LRStudy,
    PhaseMarkers,
    PhaseRun,
    PhaseStudy,
    _onset_fit,
    _sparsity_fit,
    load_study,
    lr_study,
    phase_markers,
    phase_study,
)
from dwf_theory.trainer.train import EpochRecord, History

# ----------------------------------------------------------------------------- sharpness


def _own_objective(sizes, D, activation, loss, X, y, lam):
    """The DWF objective of an MLP written from scratch: flat θ = per layer (factors (D, n_in, n_out), bias)."""
    n = X.shape[0]
    act = anp.tanh if activation == "tanh" else (lambda h: anp.maximum(h, 0.0))
    T = np.eye(sizes[-1])[y] if loss == "cross_entropy" else y.reshape(n, -1)

    def F(theta):
        h, pen, i = X, 0.0, 0
        for layer, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            f = anp.reshape(theta[i : i + D * a * b], (D, a, b))
            i += D * a * b
            W = f[0]
            for d in range(1, D):
                W = W * f[d]
            h = anp.dot(h, W) + theta[i : i + b]
            i += b
            pen = pen + anp.sum(f**2)
            if layer < len(sizes) - 2:
                h = act(h)
        if loss == "cross_entropy":
            data = anp.mean(logsumexp(h, axis=1) - anp.sum(h * T, axis=1))
        else:
            data = anp.sum((h - T) ** 2) / (2 * n)
        return data + lam / D * pen

    return F


@pytest.mark.parametrize(
    "sizes, D, activation, loss",
    [([4, 5, 3], 2, "tanh", "cross_entropy"), ([4, 5, 3], 3, "relu", "cross_entropy"), ([3, 4, 2], 4, "tanh", "mse")],
)
def test_sharpness_matches_the_dense_hessian_of_an_independent_objective(sizes, D, activation, loss):
    rng = np.random.default_rng(D)
    model = MLP(sizes, D, init="varmatch", rng=rng, activation=activation, loss=loss)
    for p in model.params:
        p["bias"] = rng.normal(0, 0.3, p["bias"].shape)
    X = rng.normal(size=(9, sizes[0]))
    y = rng.integers(0, sizes[-1], 9) if loss == "cross_entropy" else rng.normal(size=(9, sizes[-1]))
    lam = 0.03
    F = _own_objective(sizes, D, activation, loss, X, y, lam)
    theta = np.concatenate([np.concatenate([p["factors"].ravel(), p["bias"].ravel()]) for p in model.params])
    assert theta.size > 20  # the Lanczos path, not the dense one
    top = np.linalg.eigvalsh(autograd.hessian(F)(theta))[-1]
    got = sharpness(model, X, y, lam, tol=1e-12, rng=0)
    assert abs(got / top - 1) <= 1e-8  # Lanczos residual <= 1e-12·|θ| bounds the error


def test_sharpness_of_a_convolutional_network_matches_central_differences_of_the_trainer_gradient():
    rng = np.random.default_rng(5)
    layers = [Conv1d(2, 3, padding=1), Flatten(), Dense(3)]
    net = Network(layers, (1, 6), 2, init="varmatch", rng=rng, activation="tanh")
    X, y, lam = rng.normal(size=(7, 1, 6)), rng.integers(0, 3, 7), 0.02
    _, theta = flat_objective(net, X, y, lam)

    def grad(t):
        params, i = [], 0
        for p in net.params:
            f = t[i : i + p["factors"].size].reshape(p["factors"].shape)
            i += p["factors"].size
            params.append({"factors": f, "bias": t[i : i + p["bias"].size]})
            i += p["bias"].size
        grads = value_and_grad(net, params, X, y, lam)[1]
        return np.concatenate([np.concatenate([g["factors"].ravel(), g["bias"].ravel()]) for g in grads])

    h = 1e-5
    H = np.column_stack([(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in np.eye(theta.size)])
    top = np.linalg.eigvalsh(0.5 * (H + H.T))[-1]
    # central differences: truncation O(h²) ~ 1e-10, rounding ~ 1e-16/h ~ 1e-11 relative
    assert abs(sharpness(net, X, y, lam, tol=1e-12, rng=0) / top - 1) <= 1e-6


@pytest.mark.parametrize("p", [5, 30])  # 6 parameters: dense path; 31: Lanczos
def test_sharpness_of_least_squares_is_the_closed_form(p):
    """D = 1, one linear layer, MSE: ∇²F = [X 1]ᵀ[X 1]/n + diag(2λ on W, 0 on b)."""
    rng = np.random.default_rng(p)
    X, y, lam = rng.normal(size=(40, p)) + 0.5, rng.normal(size=40), 0.7
    model = MLP([p, 1], 1, rng=0, loss="mse")
    Z = np.column_stack([X, np.ones(40)])
    H = Z.T @ Z / 40 + np.diag([2 * lam] * p + [0.0])
    assert abs(sharpness(model, X, y, lam, tol=1e-13, rng=1) / np.linalg.eigvalsh(H)[-1] - 1) <= 1e-10


def test_sharpness_is_reproducible_and_reports_an_exhausted_budget():
    rng = np.random.default_rng(0)
    model = MLP([4, 6, 3], 3, rng=0)
    X, y = rng.normal(size=(10, 4)), np.arange(10) % 3
    assert sharpness(model, X, y, 0.01, rng=3) == sharpness(model, X, y, 0.01, rng=3)
    with pytest.raises(ValueError, match="iters"):
        sharpness(model, X, y, 0.01, iters=2, rng=0)
    with pytest.raises(TypeError, match="model"):
        sharpness("net", X, y, 0.01)
    with pytest.raises(ValueError, match="tol"):
        sharpness(model, X, y, 0.01, tol=0.0)
    with pytest.raises(ValueError, match="lam"):
        sharpness(model, X, y, -1.0)


# ----------------------------------------------------------------------------- phase markers


def _history(loss, sparsity, acc):
    recs = tuple(
        EpochRecord(e, 0.1, lo, lo, lo, a, a, a, s, math.inf if s == 1 else 1 / (1 - s), 1, (1 - s,), 0.0)
        for e, (lo, s, a) in enumerate(zip(loss, sparsity, acc))
    )
    return History(recs, "ok", 1e-3, "accuracy", len(recs), 0.0, {})


def _loop_markers(loss, sp, acc, level, rise, reach, dip, recover):
    """The definitions of phase_markers, as plain loops."""
    fit = None
    for e in range(len(loss)):
        if loss[e] <= level * loss[0]:
            fit = 0.0 if e == 0 else e - 1 + (level * loss[0] - loss[e - 1]) / (loss[e] - loss[e - 1])
            break
    onset = None
    for e in range(1, len(sp)):
        target = min(sp[:e]) + rise
        if sp[e] >= target:
            onset = e - 1 + (target - sp[e - 1]) / (sp[e] - sp[e - 1])
            break
    gen = next(e for e in range(len(acc)) if acc[e] >= reach * max(acc))
    dip_e = depth = rec = None
    if onset is not None:
        for e in range(math.ceil(onset), len(acc)):
            if acc[e] <= max(acc[: e + 1]) - dip:
                dip_e, peak = e, max(acc[: e + 1])
                break
        if dip_e is not None:
            rec = next((e for e in range(dip_e + 1, len(acc)) if acc[e] >= peak - recover), None)
            end = len(acc) if rec is None else rec + 1
            depth = peak - min(acc[dip_e:end])
    return PhaseMarkers(fit, onset, gen, dip_e, depth, rec)


def test_phase_markers_by_hand():
    h = _history([2.0, 1.5, 0.5, 0.4], [0.0, 0.02, 0.12, 0.5], [0.1, 0.9, 0.8, 0.95])
    m = phase_markers(h)
    assert m.fit_onset == pytest.approx(1.5, abs=1e-15)  # 1.0 crossed halfway from 1.5 to 0.5
    assert m.sparsity_onset == pytest.approx(1.3, abs=1e-15)  # 0.05 crossed 3/10 of the way from 0.02 to 0.12
    assert m.generalization_epoch == 3  # 0.95·0.95 = 0.9025 > 0.9
    assert (m.dip_epoch, m.recovery_epoch) == (2, 3) and m.dip_depth == pytest.approx(0.1, abs=1e-15)
    flat = phase_markers(_history([1.0, 1.0], [0.0, 0.0], [0.5, 0.5]))
    assert flat.fit_onset is flat.sparsity_onset is flat.dip_epoch is None and flat.generalization_epoch == 0


def test_phase_markers_match_their_definitions_on_random_histories():
    rng = np.random.default_rng(1)
    for _ in range(200):
        n = int(rng.integers(2, 30))
        loss = np.exp(-np.cumsum(rng.uniform(0, 0.3, n))) * 2.3
        sp = np.clip(np.cumsum(rng.normal(0.01, 0.04, n)), 0, 1)
        acc = np.clip(0.1 + np.cumsum(rng.normal(0.03, 0.06, n)), 0.0, 1.0)
        kw = dict(level=0.5, rise=0.05, reach=0.95, dip=0.05, recover=0.01)
        got = phase_markers(_history(loss, sp, acc), **kw)
        want = _loop_markers(list(loss), list(sp), list(acc), **kw)
        for name in ("fit_onset", "sparsity_onset", "dip_depth"):
            a, b = getattr(got, name), getattr(want, name)
            assert (a is None) == (b is None) and (a is None or abs(a - b) <= 1e-12)
        for name in ("generalization_epoch", "dip_epoch", "recovery_epoch"):
            assert getattr(got, name) == getattr(want, name)


@pytest.mark.parametrize(
    "kw, name",
    [
        (dict(level=1.0), "level"),
        (dict(rise=0.0), "rise"),
        (dict(reach=1.5), "reach"),
        (dict(dip=2.0), "dip"),
        (dict(recover=0.05), "recover"),
    ],
)
def test_phase_markers_reject_bad_thresholds(kw, name):
    with pytest.raises(ValueError, match=name):
        phase_markers(_history([1.0, 0.4], [0.0, 0.1], [0.1, 0.9]), **kw)
    with pytest.raises(TypeError, match="history"):
        phase_markers([1, 2])


# ----------------------------------------------------------------------------- onset fits (closed forms)


def _run(D, scale, onset, lam=0.0, sparsity_onset=None):
    h = _history([1.0], [0.0], [0.1])
    return PhaseRun(lam, D, scale, h, PhaseMarkers(onset, sparsity_onset, 0, None, None, None))


def test_onset_fit_recovers_the_power_law_and_the_log_law():
    s = 4.0 ** -np.arange(1, 6)
    fit3 = _onset_fit([_run(3, x, 3.0 * x ** (-1 / 3) + 5.0) for x in s], 0.0, 3, True)
    assert abs(fit3.exponent - (-1 / 3)) <= 1e-12  # the differences cancel the constant 5
    assert fit3.predicted == pytest.approx(-1 / 3, abs=1e-15) and fit3.exponent_loglog > -1 / 3
    fit2 = _onset_fit([_run(2, x, 2.0 * math.log(1 / x) + 1.0) for x in s], 0.0, 2, True)
    assert abs(fit2.log_slope - 2.0) <= 1e-12 and abs(fit2.exponent) <= 1e-12 and fit2.predicted == 0.0
    partial = _onset_fit([_run(4, x, t) for x, t in zip(s, [1.0, 2.0, None, None, None])], 0.0, 4, False)
    assert partial.exponent is None and partial.predicted is None


def test_sparsity_fit_recovers_an_inverse_law():
    runs = [_run(3, 1.0, 1.0, lam, 0.04 / lam) for lam in (5e-4, 1e-3, 2e-3, 4e-3)] + [_run(3, 1.0, 1.0, 0.0, None)]
    fit = _sparsity_fit(runs, 3)
    assert abs(fit.exponent + 1.0) <= 1e-12 and fit.predicted == -1.0 and fit.lams[0] == 0.0


# ----------------------------------------------------------------------------- the learning-rate study


@pytest.fixture(scope="module")
def lr_result():
    return lr_study(depths=(2,), lrs=(0.05, 50.0), quick=True, executor=InlineExecutor(), progress=False)


def test_lr_study_edges_follow_from_its_runs(lr_result):
    (edge,) = lr_result.edges
    small, large = lr_result.runs
    assert (small.lr, large.lr) == (0.05, 50.0) and not small.diverged and large.diverged
    mu = lr_result.config["momentum"]
    assert edge.predicted == 2 * (1 + mu) / small.sharpness and edge.sharpness_reference == small.sharpness
    assert edge.largest_stable == 0.05 and edge.smallest_diverged == 50.0
    assert edge.agreement == np.mean([(r.lr < edge.predicted) == (not r.diverged) for r in lr_result.runs])
    assert large.sharpness is None and small.sharpness_init is not None


def test_lr_study_records_the_sharpness_of_its_initialization(lr_result):
    model = MLP([64, 8, 10], 2, rng=0, dtype=np.float32)
    split = load_dataset("digits", 0).split()
    want = sharpness(model, split.X_train, split.y_train, lr_result.config["lam"], tol=1e-10, rng=0)
    assert abs(lr_result.runs[0].sharpness_init / want - 1) <= 1e-5  # the study's Lanczos tol is 1e-6


def test_lr_study_is_deterministic_and_round_trips_through_json(lr_result, tmp_path):
    again = lr_study(depths=(2,), lrs=(50.0, 0.05), quick=True, executor=InlineExecutor(), progress=False)
    strip = [dict(r.__dict__, seconds=0) for r in lr_result.runs]
    assert strip == [dict(r.__dict__, seconds=0) for r in again.runs] and again.edges == lr_result.edges
    d = lr_result.as_dict()
    path = tmp_path / "lr.json"
    path.write_text(json.dumps(d, allow_nan=False))
    assert LRStudy.from_dict(d) == lr_result and load_study(path) == lr_result


class _InterruptAfter(InlineExecutor):
    def __init__(self, n):
        self.left = n

    def submit(self, fn, /, *args, **kwargs) -> Future:
        if self.left == 0:
            raise KeyboardInterrupt
        self.left -= 1
        return super().submit(fn, *args, **kwargs)


def test_lr_study_keeps_finished_runs_on_interrupt():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = lr_study(depths=(2, 3), lrs=(50.0,), quick=True, executor=_InterruptAfter(1), progress=False)
    assert not res.completed and len(res.runs) == 1 and [e.D for e in res.edges] == [2]


@pytest.mark.parametrize(
    "kw, name",
    [
        (dict(depths=()), "depths"),
        (dict(lrs=(-1.0,)), "lrs"),
        (dict(dataset="nope"), "dataset"),
        (dict(momentum=1.0), "momentum"),
        (dict(epochs=0), "epochs"),
        (dict(arch="lenet300", hidden=(4,)), "hidden"),
        (dict(iters=0), "iters"),
    ],
)
def test_lr_study_rejects_bad_input(kw, name):
    with pytest.raises((ValueError, TypeError), match=name):
        lr_study(**{"quick": True, "executor": InlineExecutor(), "progress": False, **kw})


# ----------------------------------------------------------------------------- the phase study


@pytest.fixture(scope="module")
def phase_result():
    return phase_study(
        lams=(1e-3, 4e-3),
        depths=(2, 3),
        init_scales=(0.5, 0.25, 0.125),
        escape_epochs=6,
        lr=0.3,
        quick=True,
        executor=InlineExecutor(),
        progress=False,
    )


def test_phase_study_runs_markers_and_fits(phase_result):
    assert [(r.lam, r.D) for r in phase_result.runs] == [(1e-3, 2), (1e-3, 3), (4e-3, 2), (4e-3, 3)]
    assert len(phase_result.escape) == 2 * 3 and [(f.lam, f.D) for f in phase_result.fits] == [(0.0, 2), (0.0, 3)]
    for r in phase_result.runs + phase_result.escape:
        assert r.markers == phase_markers(r.history)
    for r in phase_result.escape:  # escape runs stop at the fitting onset
        if r.markers.fit_onset is not None:
            assert r.history.status == "stopped" and r.history.final.epoch - 1 <= r.markers.fit_onset
        assert r.history.config["sizes"] == [64, 10] and r.history.config["init"] == "varmatch"
    assert [f.predicted for f in phase_result.fits] == [0.0, 2 / 3 - 1]
    assert [f.D for f in phase_result.sparsity_fits] == [2, 3]


def test_phase_study_round_trips_through_json(phase_result, tmp_path):
    d = phase_result.as_dict()
    path = tmp_path / "phase.json"
    path.write_text(json.dumps(d, allow_nan=False))
    back = load_study(path)
    assert isinstance(back, PhaseStudy) and back.fits == phase_result.fits and back.config == phase_result.config
    for a, b in zip(back.runs + back.escape, phase_result.runs + phase_result.escape):
        assert a.markers == b.markers and a.history.records == b.history.records


def test_phase_study_and_load_study_reject_bad_input(tmp_path):
    with pytest.raises(ValueError, match="recover"):
        phase_study(quick=True, recover=0.5, executor=InlineExecutor(), progress=False)
    with pytest.raises(ValueError, match="init_scales"):
        phase_study(quick=True, init_scales=(0.5, -1.0), executor=InlineExecutor(), progress=False)
    with pytest.raises(ValueError, match="escape_lams"):
        phase_study(quick=True, escape_lams=(), executor=InlineExecutor(), progress=False)
    with pytest.raises(ValueError, match="source"):
        load_study(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="kind"):
        load_study({"kind": "other"})
    with pytest.raises(ValueError, match="complete"):
        PhaseStudy.from_dict({"kind": "phase_study"})


# ----------------------------------------------------------------------------- drawing


def test_lr_edges_draws_the_runs_and_the_predicted_edges(lr_result):
    fig = Figure()
    axes = [fig.add_subplot(1, 2, i + 1) for i in range(2)]
    draw.lr_edges(lr_result, axes)
    (edge,) = lr_result.edges
    verticals = [tuple(line.get_xdata()) for line in axes[1].lines if line.get_linestyle() == "--"]
    assert (edge.predicted, edge.predicted) in verticals
    with pytest.raises(TypeError, match="study"):
        draw.lr_edges({"runs": []})


def test_phase_histories_and_onset_scaling_draw_every_run(phase_result):
    fig = Figure()
    axes = [fig.add_subplot(1, 2, i + 1) for i in range(2)]
    draw.phase_histories(phase_result, axes)
    for ax, D in zip(axes, (2, 3)):
        curves = [line for line in ax.lines if len(line.get_xdata()) > 1]
        assert len(curves) == 2 * len([r for r in phase_result.runs if r.D == D])
    s = 4.0 ** -np.arange(1, 5)
    synthetic = PhaseStudy((), (), (_onset_fit([_run(3, x, x ** (-1 / 3)) for x in s], 0.0, 3, True),), (), {}, True)
    ax = draw.onset_scaling(synthetic, Figure().add_subplot())
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.diff(s ** (-1 / 3)), rtol=1e-14)
    with pytest.raises(ValueError, match="lams"):
        draw.phase_histories(phase_result, axes, lams=(0.5,))
