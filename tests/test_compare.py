"""The depth comparison: statistics against SciPy and simulation, the analysis on constructed runs, the λ search,
the JSON round trip, bad input, Ctrl-C, the quick mode end to end and a real Dask LocalCluster against the local
process pool (bit for bit)."""

from __future__ import annotations

import dataclasses
import json
import math
import warnings

import numpy as np
import pytest
from scipy import stats

from dwf_theory.trainer import InlineExecutor, ModelSpec
from dwf_theory.trainer.compare import _bracket, _choose_lr, _run_one, _search_step, cluster_executor, compare
from dwf_theory.trainer.compare_result import QUICK_BUDGET, Budget, Comparison, RunRecord
from dwf_theory.trainer.compare_stats import Interval, mean_interval, paired_difference, verdict
from dwf_theory.trainer.frontier import accuracy_at

# ---------------------------------------------------------------------------------------------------
# statistics


@pytest.mark.parametrize("n", [2, 3, 5, 11])
def test_mean_interval_matches_scipy_one_sample_t(n):
    x = np.random.default_rng(n).normal(0.9, 0.02, n)
    iv = mean_interval(x)
    ci = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
    assert iv.n == n and iv.level == 0.95
    assert math.isclose(iv.mean, float(np.mean(x)), rel_tol=1e-14)
    assert math.isclose(iv.lo, ci.low, rel_tol=1e-12) and math.isclose(iv.hi, ci.high, rel_tol=1e-12)
    assert math.isclose(iv.sd, float(np.std(x, ddof=1)), rel_tol=1e-12)


def test_mean_interval_covers_the_true_mean_95_percent_of_the_time():
    # simulation, independent of any t table: 4000 normal samples of 5; coverage 0.95 ± 3·sqrt(.95·.05/4000) = ±0.010
    gen = np.random.default_rng(7)
    hits = 0
    for _ in range(4000):
        iv = mean_interval(gen.normal(1.0, 3.0, 5))
        hits += iv.lo <= 1.0 <= iv.hi
    assert abs(hits / 4000 - 0.95) < 0.0104


def test_paired_difference_matches_scipy_paired_t():
    gen = np.random.default_rng(3)
    a = gen.normal(0.9, 0.02, 6)
    b = a - 0.01 + gen.normal(0, 0.005, 6)
    iv = paired_difference(a, b)
    ci = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert math.isclose(iv.mean, float(np.mean(a - b)), rel_tol=1e-12)
    assert math.isclose(iv.lo, ci.low, rel_tol=1e-12) and math.isclose(iv.hi, ci.high, rel_tol=1e-12)


def test_one_value_has_no_interval_and_no_verdict():
    iv = mean_interval([0.5])
    assert (iv.lo, iv.hi, iv.sd, iv.n) == (None, None, None, 1)
    assert verdict(iv) == "inconclusive"


@pytest.mark.parametrize(
    "lo, hi, expected",
    [(0.001, 0.02, "yes"), (-0.02, -0.001, "no"), (-0.01, 0.01, "inconclusive"), (0.0, 0.02, "inconclusive")],
)
def test_verdict_is_decided_by_whether_the_interval_excludes_zero(lo, hi, expected):
    assert verdict(Interval((lo + hi) / 2, lo, hi, 5, 0.01, 0.95)) == expected


def test_statistics_bad_input():
    with pytest.raises(ValueError, match="values"):
        mean_interval([])
    with pytest.raises(ValueError, match="values"):
        mean_interval([0.1, float("nan")])
    with pytest.raises(ValueError, match="level"):
        mean_interval([0.1, 0.2], level=1.0)
    with pytest.raises(ValueError, match="a and b"):
        paired_difference([0.1, 0.2], [0.1])
    with pytest.raises(TypeError, match="interval"):
        verdict((0.0, 1.0))


# ---------------------------------------------------------------------------------------------------
# the analysis of a comparison, on constructed runs (no training)

TARGETS = (10.0, 100.0, 1000.0)
SEEDS = (0, 1, 2, 3)
COMP = (5.0, 50.0, 500.0)  # compressions of the constructed DWF runs: 1000 is never reached


def _rec(method, phase, seed, knob, acc, comp, status="ok"):
    split = "validation" if phase == "tune" else "test"
    return RunRecord(method, phase, seed, knob, 0.1, split, acc, comp, status, False, (0.5, 0.5), "", 1.0)


def _constructed(shift3=0.03, noise3=0.002, drop=None):
    gen = np.random.default_rng(11)
    runs, truth = [], {"dense": {}, "dwf-2": {}, "dwf-3": {}, "snip": {}, "magnitude": {}}
    base = np.array([0.96, 0.93, 0.80])
    for s in SEEDS:
        e = gen.normal(0, 0.005)
        dense = 0.975 + gen.normal(0, 0.002)
        runs.append(_rec("dense", "final", s, 0.0, dense, 1.0))
        truth["dense"][s] = dense
        acc2 = base + e
        acc3 = acc2 + shift3 + gen.normal(0, noise3, 3)
        for m, acc in (("dwf-2", acc2), ("dwf-3", acc3)):
            truth[m][s] = acc
            for lam, a, c in zip((1e-3, 2e-3, 4e-3), acc, COMP):
                if (m, s, lam) != drop:
                    runs.append(_rec(m, "final", s, lam, a, c))
        snip = np.array([0.95, 0.93, 0.90]) + gen.normal(0, 0.003, 3)
        mag = np.array([0.90, 0.50, 0.12]) + gen.normal(0, 0.01, 3)
        for m, acc in (("snip", snip), ("magnitude", mag)):
            truth[m][s] = acc
            runs += [_rec(m, "final", s, t, a, t) for t, a in zip(TARGETS, acc)]
    tune = [_rec("dense", "tune", 1000, 0.0, 0.97, 1.0)]
    for m, acc in (("dwf-2", (0.95, 0.90, 0.80)), ("dwf-3", (0.97, 0.95, 0.85))):
        tune += [_rec(m, "tune", 1000, lam, a, c) for lam, a, c in zip((1e-3, 2e-3, 4e-3), acc, COMP)]
    tune += [_rec("snip", "tune", 1000, t, a, t) for t, a in zip(TARGETS, (0.94, 0.86, 0.70))]
    tune += [_rec("magnitude", "tune", 1000, t, a, t) for t, a in zip(TARGETS, (0.96, 0.50, 0.10))]
    cmp = Comparison(
        dataset="digits",
        arch="lenet300",
        methods=("dwf-2", "dwf-3", "magnitude", "snip"),
        targets=TARGETS,
        seeds=SEEDS,
        optimizer="momentum",
        budget=Budget(lrs=(0.1,)),
        lr={m: 0.1 for m in ("dense", "dwf-2", "dwf-3", "magnitude", "snip")},
        lams={"dwf-2": (1e-3, 2e-3, 4e-3), "dwf-3": (1e-3, 2e-3, 4e-3)},
        runs=tuple(tune + runs),
        completed=True,
    )
    return cmp, truth


def _at10(acc):
    """Accuracy at 10× by hand: linear in log c between the runs at 5× and 50× (accuracies decrease)."""
    s = (math.log(10) - math.log(5)) / (math.log(50) - math.log(5))
    return acc[0] + s * (acc[1] - acc[0])


def test_accuracy_at_targets_and_intervals_from_constructed_runs():
    cmp, truth = _constructed()
    at10 = {m: [_at10(truth[m][s]) for s in SEEDS] for m in ("dwf-2", "dwf-3")}
    for m in ("dwf-2", "dwf-3"):
        cell = cmp.accuracy[m][0]
        ci = stats.ttest_1samp(at10[m], 0.0).confidence_interval(0.95)
        assert cell.reached == cell.seeds == 4
        assert math.isclose(cell.interval.mean, np.mean(at10[m]), rel_tol=1e-12)
        assert math.isclose(cell.interval.lo, ci.low, rel_tol=1e-12)
        assert math.isclose(cell.interval.hi, ci.high, rel_tol=1e-12)
        # 1000× lies beyond the most compressed run (500×) on every seed: not reached, no interval
        assert cmp.accuracy[m][2].interval is None and cmp.accuracy[m][2].reached == 0
    snip100 = [truth["snip"][s][1] for s in SEEDS]
    assert math.isclose(cmp.accuracy["snip"][1].interval.mean, np.mean(snip100), rel_tol=1e-12)
    assert math.isclose(cmp.dense.interval.mean, np.mean(list(truth["dense"].values())), rel_tol=1e-12)


def test_verdicts_on_constructed_runs():
    cmp, truth = _constructed()
    by = {(d.question, d.target): d for d in cmp.verdicts}
    q1, q2 = "D >= 3 better than D = 2", "DWF better than the best pruner"
    d = by[q1, 10.0]
    # the deep method chosen on validation is dwf-3 (the only one); its paired difference against dwf-2, by hand
    diffs = [_at10(truth["dwf-3"][s]) - _at10(truth["dwf-2"][s]) for s in SEEDS]
    ci = stats.ttest_rel(diffs, np.zeros(4)).confidence_interval(0.95)
    assert (d.a, d.b, d.verdict) == ("dwf-3", "dwf-2", "yes")
    assert math.isclose(d.interval.lo, ci.low, rel_tol=1e-10) and ci.low > 0
    # the best pruner on validation at 10× is magnitude (0.96 > 0.94), at 100× snip (0.86 > 0.50);
    # the best DWF depth on validation is dwf-3
    assert (by[q2, 10.0].a, by[q2, 10.0].b) == ("dwf-3", "magnitude")
    assert (by[q2, 100.0].a, by[q2, 100.0].b) == ("dwf-3", "snip")
    # dwf-3 at 100× (between 50× and 500×) against snip's run at 100×
    s = (math.log(100) - math.log(50)) / (math.log(500) - math.log(50))
    at100 = {k: truth["dwf-3"][k][1] + s * (truth["dwf-3"][k][2] - truth["dwf-3"][k][1]) for k in SEEDS}
    diffs = [at100[k] - truth["snip"][k][1] for k in SEEDS]
    ci = stats.ttest_1samp(diffs, 0.0).confidence_interval(0.95)
    expected = "yes" if ci.low > 0 else "no" if ci.high < 0 else "inconclusive"
    assert by[q2, 100.0].verdict == expected
    assert math.isclose(by[q2, 100.0].interval.hi, ci.high, rel_tol=1e-10)
    # DWF does not reach 1000× on any seed: reported as such, never extrapolated
    assert by[q1, 1000.0].verdict == by[q2, 1000.0].verdict == "not reached"
    assert by[q1, 1000.0].interval is None


def test_verdicts_no_and_inconclusive():
    worse, _ = _constructed(shift3=-0.03)
    assert {d.verdict for d in worse.verdicts if d.question.startswith("D >=") and d.target == 10.0} == {"no"}
    noisy, _ = _constructed(shift3=0.0, noise3=0.05)
    (d,) = [d for d in noisy.verdicts if d.question.startswith("D >=") and d.target == 10.0]
    assert d.interval.lo < 0 < d.interval.hi and d.verdict == "inconclusive"


def test_largest_compression_within_tolerance_by_hand():
    cmp, truth = _constructed()
    logs = []
    for s in SEEDS:
        a, level = truth["dwf-3"][s], (1 - 0.01) * truth["dense"][s]
        assert a[0] >= level > a[1]  # the crossing lies between the runs at 5× and 50×
        logs.append(math.log10(math.exp(math.log(5) + (a[0] - level) / (a[0] - a[1]) * (math.log(50) - math.log(5)))))
    cell = cmp.within["dwf-3"][0]
    ci = stats.ttest_1samp(logs, 0.0).confidence_interval(0.95)
    assert math.isclose(cell.interval.mean, np.mean(logs), rel_tol=1e-12)
    assert math.isclose(cell.interval.lo, ci.low, rel_tol=1e-12)
    # snip stays within 10 % of dense at its most compressed run (1000×): a lower bound, flagged
    snip10 = cmp.within["snip"][3]
    assert snip10.censored == 4 and math.isclose(10**snip10.interval.mean, 1000.0, rel_tol=1e-12)
    assert "≥1000.0" in cmp.table()


def test_incomplete_seed_is_left_out_and_pairs_use_common_seeds():
    cmp, truth = _constructed(drop=("dwf-2", 3, 2e-3))
    assert cmp.accuracy["dwf-2"][0].seeds == 3 and 3 not in cmp.per_seed["dwf-2"]
    d = next(d for d in cmp.verdicts if d.question.startswith("D >=") and d.target == 10.0)
    diffs = [_at10(truth["dwf-3"][s]) - _at10(truth["dwf-2"][s]) for s in (0, 1, 2)]
    assert d.interval.n == 3 and math.isclose(d.interval.mean, np.mean(diffs), rel_tol=1e-12)


def test_a_method_without_finished_runs_gets_no_runs_not_a_verdict():
    cmp, _ = _constructed()
    kept = tuple(r for r in cmp.runs if not (r.method == "snip" and r.phase == "final"))
    cmp = dataclasses.replace(cmp, runs=kept)
    by = {(d.question, d.target): d for d in cmp.verdicts}
    # snip is still the best pruner on validation at 100×, but it has no finished seed: no difference, no verdict
    d = by["DWF better than the best pruner", 100.0]
    assert (d.b, d.verdict, d.interval) == ("snip", "no runs", None)
    assert "snip → no runs" in cmp.table()
    # the other verdicts are unaffected
    assert by["D >= 3 better than D = 2", 10.0].verdict == "yes"


def test_rescaled_budget_is_recorded_and_validated():
    cmp, _ = _constructed()
    assert "truncated (paper)" in cmp.table()
    rescaled = dataclasses.replace(cmp, budget=Budget(lrs=(0.1,), rescale=True))
    assert "rescaled to the dense variance" in rescaled.table()
    back = Comparison.from_dict(json.loads(json.dumps(rescaled.as_dict())))
    assert back.budget.rescale is True and back == rescaled
    old = rescaled.as_dict()
    del old["budget"]["rescale"]  # a JSON written before the option existed: the paper's initialization
    assert Comparison.from_dict(old).budget.rescale is False
    with pytest.raises(TypeError, match="rescale"):
        Budget(rescale="yes")


def _cfg(**entries) -> dict:
    """One run's configuration (as ``compare`` builds it): digits, a test-split run at lr 0.1, and ``entries``."""
    base = dict(
        dataset="digits",
        data_dir=None,
        validation=0.2,
        batch_size=64,
        optimizer="momentum",
        schedule="warmup-cosine",
        zero_tol=1e-3,
        phase="final",
        lr=0.1,
        split="test",
    )
    return base | entries


@pytest.mark.parametrize(
    "method, rescale, expected", [("dwf-3", True, True), ("dwf-3", False, False), ("dense", True, False)]
)
def test_rescale_reaches_the_dwf_runs_only(monkeypatch, method, rescale, expected):
    import importlib

    compare_module = importlib.import_module("dwf_theory.trainer.compare")  # the module, not the function

    seen = {}

    def fake_run(*args, **kwargs):
        seen.update(kwargs)
        return {"layer_density": [1.0]}

    monkeypatch.setattr(compare_module, "run", fake_run)
    cfg = _cfg(arch="lenet5", epochs=1, rescale=rescale, method=method, seed=0, knob=1e-3, lam=1e-3)
    compare_module._train(cfg)
    assert seen["rescale"] is expected


def test_json_round_trip():
    cmp, _ = _constructed()
    runs = list(cmp.runs)
    runs[-1] = RunRecord("snip", "final", 3, 1000.0, 0.1, "test", 0.1, math.inf, "ok", True, (0.0, 0.1), "", 2.0)
    runs.append(RunRecord("dwf-2", "tune", 1000, 0.5, 0.1, "validation", None, None, "failed", False, (), "overflow"))
    cmp = Comparison(
        **{
            f: getattr(cmp, f)
            for f in (
                "dataset",
                "arch",
                "methods",
                "targets",
                "seeds",
                "optimizer",
                "budget",
                "lr",
                "lams",
                "completed",
            )
        },
        runs=tuple(runs),
    )
    text = json.dumps(cmp.as_dict(), allow_nan=False)  # strict JSON: no NaN or Infinity
    back = Comparison.from_dict(json.loads(text))
    assert back == cmp and back.as_dict() == cmp.as_dict()
    assert back.runs[-2].compression == math.inf and back.runs[-1].status == "failed"
    assert back.table() == cmp.table()


# ---------------------------------------------------------------------------------------------------
# the λ search and the learning-rate choice


def test_search_brackets_then_bisects_the_widest_gap():
    b = Budget(max_search=10, gap=2.5)
    # every run compresses less than the smallest target: extend λ upwards (× 10)
    assert _search_step([(1e-3, 1.0), (1e-2, 2.0)], 10.0, 150.0, b) == [pytest.approx(0.1)]
    # every run compresses more than the smallest target: extend downwards (÷ 10)
    assert _search_step([(1e-3, 20.0), (1e-2, 500.0)], 10.0, 150.0, b)[0] == pytest.approx(1e-4)
    # bracketed: bisect in log λ where the compression jumps most (20 → inf before 3 → 20)
    runs = [(1e-4, 3.0), (1e-3, 20.0), (1e-2, math.inf)]
    assert _search_step(runs, 10.0, 150.0, b) == [pytest.approx(math.sqrt(1e-5)), pytest.approx(math.sqrt(1e-7))]
    # dense enough: nothing left to do; and the budget caps the search
    dense_enough = [(1e-4, 5.0), (2e-4, 11.0), (3e-4, 25.0), (4e-4, 60.0), (5e-4, 140.0), (6e-4, 200.0)]
    assert _search_step(dense_enough, 10.0, 150.0, b) == []
    assert _search_step(runs, 10.0, 150.0, Budget(max_search=3)) == []
    # every run diverged: stop
    assert _search_step([(1e-3, None), (1e-2, None)], 10.0, 150.0, b) == []


def test_bracket_keeps_the_runs_around_the_targets():
    runs = [(1e-5, 1.0), (1e-4, 3.0), (1e-3, 20.0), (2e-3, 90.0), (4e-3, 200.0), (1e-2, math.inf), (5e-3, None)]
    assert _bracket(runs, 10.0, 150.0) == (1e-4, 1e-3, 2e-3, 4e-3)


def test_learning_rate_is_chosen_on_validation():
    recs = [
        _rec("dwf-2", "tune", 1000, 1e-3, 0.95, 5.0),
        _rec("dwf-2", "tune", 1000, 2e-3, 0.90, 50.0),
    ]
    fast = [
        RunRecord("dwf-2", "tune", 1000, lam, 0.3, "validation", a, c, "ok", False, (), "")
        for lam, a, c in ((1e-3, 0.97, 5.0), (2e-3, 0.93, 50.0))
    ]
    diverged = [RunRecord("dwf-2", "tune", 1000, 1e-3, 1.0, "validation", 0.1, 1.0, "diverged", False, (), "")]
    assert _choose_lr(recs + fast + diverged, "dwf-2", (0.1, 0.3, 1.0), (10.0, 30.0)) == 0.3
    # a rate that reaches fewer targets loses, whatever its accuracy
    short = [RunRecord("dwf-2", "tune", 1000, 1e-3, 0.3, "validation", 0.99, 12.0, "ok", False, (), "")]
    assert _choose_lr(recs + short, "dwf-2", (0.1, 0.3), (10.0, 30.0)) == 0.1
    # ties go to the smaller rate
    same = [
        RunRecord(r.method, r.phase, r.seed, r.knob, 0.3, r.split, r.accuracy, r.compression, "ok", False, (), "")
        for r in recs
    ]
    assert _choose_lr(recs + same, "dwf-2", (0.1, 0.3), (10.0, 30.0)) == 0.1


# ---------------------------------------------------------------------------------------------------
# bad input


def test_bad_input_clear_errors():
    ok = dict(seeds=2, executor=InlineExecutor(), progress=False)
    with pytest.raises(ValueError, match="methods: unknown"):
        compare("digits", "lenet300", ["dwf-2", "prune-it"], [10], **ok)
    with pytest.raises(ValueError, match="targets"):
        compare("digits", "lenet300", ["dwf-2"], [10, 1.0], **ok)
    with pytest.raises(ValueError, match="seeds"):
        compare("digits", "lenet300", ["dwf-2"], [10], seeds=1, progress=False)
    with pytest.raises(ValueError, match="seeds"):
        compare("digits", "lenet300", ["dwf-2"], [10], seeds=[3, 3], progress=False)
    with pytest.raises(ValueError, match="tuning seed"):
        compare("digits", "lenet300", ["dwf-2"], [10], seeds=[0, 1000], progress=False)
    with pytest.raises(ValueError, match="quick or budget"):
        compare("digits", "lenet300", ["dwf-2"], [10], quick=True, budget=Budget(), **ok)
    with pytest.raises(TypeError, match="budget"):
        compare("digits", "lenet300", ["dwf-2"], [10], budget={"epochs": 3}, **ok)
    with pytest.raises(ValueError, match="targets must be at most"):
        compare("digits", "lenet300", ["magnitude"], [1e6], **ok)
    with pytest.raises(ValueError, match="arch"):
        compare("digits", "cnn1d", ["dwf-2"], [10], **ok)
    with pytest.raises(ValueError, match="gap"):
        Budget(gap=1.0)
    with pytest.raises(ValueError, match="validation"):
        Budget(validation=0.0)


def test_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(ValueError, match="address: no Dask scheduler answered"):
        cluster_executor("tcp://127.0.0.1:9", timeout=1.0)
    with pytest.raises(TypeError, match="address"):
        cluster_executor(8786)


class _Interrupting(InlineExecutor):
    """Runs ``n`` tasks in this process, then behaves as if Ctrl-C were pressed."""

    def __init__(self, n):
        self.n = n

    def submit(self, fn, /, *args, **kwargs):
        if self.n == 0:
            raise KeyboardInterrupt
        self.n -= 1
        return super().submit(fn, *args, **kwargs)


def test_ctrl_c_keeps_the_finished_runs():
    budget = Budget(epochs=1, lrs=(0.3,), lams=(1e-3,), max_search=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # run_sweep warns that it was interrupted
        cmp = compare(
            "digits",
            "lenet300",
            ["dwf-2", "random"],
            [10],
            seeds=2,
            executor=_Interrupting(3),
            budget=budget,
            progress=False,
        )
    assert not cmp.completed and len(cmp.runs) == 3
    assert cmp.table().startswith("INTERRUPTED")
    assert all(c.interval is None for c in cmp.accuracy["dwf-2"])


# ---------------------------------------------------------------------------------------------------
# end to end: the quick mode on the local process pool, on a Dask LocalCluster, and from the command line

# the quick budget, shortened further (4 epochs, 3 λ-search runs) so that the pool and the cluster runs stay fast
SMALL = dataclasses.replace(QUICK_BUDGET, epochs=4, max_search=3)
QUICK = dict(dataset="digits", arch="lenet300", methods=("dwf-2", "snip"), targets=(10,), seeds=2, budget=SMALL)


@pytest.fixture(scope="module")
def quick_pool():
    return compare(**QUICK, progress=False)


def test_quick_end_to_end(quick_pool):
    cmp = quick_pool
    assert cmp.completed and cmp.budget == SMALL
    tune = [r for r in cmp.runs if r.phase == "tune"]
    final = [r for r in cmp.runs if r.phase == "final"]
    # tuning never looks at the test split, evaluation never at the validation split
    assert {(r.split, r.seed) for r in tune} == {("validation", SMALL.tuning_seed)}
    assert {r.split for r in final} == {"test"} and {r.seed for r in final} == {0, 1}
    # the chosen rate is the best on validation (recomputed here from the tuning runs with the frontier)
    for m in ("dwf-2", "snip"):
        assert cmp.lr[m] in SMALL.lrs

        def score(lr, m=m):
            ok = [r for r in tune if r.method == m and r.lr == lr and r.status == "ok"]
            got = [a for a in accuracy_at([r.compression for r in ok], [r.accuracy for r in ok], [10]) if a is not None]
            return (len(got), np.mean(got) if got else -1)

        assert score(cmp.lr[m]) >= max(score(lr) for lr in SMALL.lrs)
    # DWF's evaluation λ values come from its search at the chosen rate; the pruner keeps floor(N/10) weights
    searched = {r.knob for r in tune if r.method == "dwf-2" and r.lr == cmp.lr["dwf-2"]}
    assert set(cmp.lams["dwf-2"]) <= searched and len(cmp.lams["dwf-2"]) >= 1
    n = ModelSpec("lenet300", (1, 8, 8), 10).build(1, 0).n_weights
    assert {r.knob for r in final if r.method == "snip"} == {n / math.floor(n / 10)}
    assert all(r.compression >= 10 for r in final if r.method == "snip")
    text = cmp.table()
    assert "DWF D=2" in text and "snip" in text and "verdicts" in text


def test_dask_local_cluster_equals_the_process_pool_bit_for_bit(quick_pool):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with cluster_executor(cluster.scheduler_address) as executor:
            on_dask = compare(**QUICK, executor=executor, progress=False)
    assert on_dask == quick_pool  # every run's record except its wall time: accuracies, compressions, choices
    assert on_dask.as_dict() | {"seconds": 0, "runs": 0} == quick_pool.as_dict() | {"seconds": 0, "runs": 0}


def test_one_run_is_the_same_in_process_and_in_a_pool():
    from concurrent.futures import ProcessPoolExecutor

    cfg = _cfg(arch="lenet300", epochs=2, rescale=False, method="synflow", seed=4, knob=20.0, lam=0.0)
    here = _run_one(cfg)
    with ProcessPoolExecutor(1) as pool:
        there = pool.submit(_run_one, cfg).result()
    assert {**here, "seconds": 0} == {**there, "seconds": 0}


def test_cli_quick_writes_figure_and_json_and_redraws(tmp_path, capsys):
    from dwf_theory.cli import main

    code = main(
        [
            "compare",
            "--dataset",
            "digits",
            "--arch",
            "lenet300",
            "--methods",
            "dwf-2,magnitude",
            "--targets",
            "10",
            "--seeds",
            "2",
            "--quick",
            "--workers",
            "2",
            "--out",
            str(tmp_path),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "verdicts" in out and "DWF D=2" in out
    stem = tmp_path / "compare_digits_lenet300_quick"
    for ext in ("json", "png", "pdf"):
        assert stem.with_suffix(f".{ext}").stat().st_size > 0
    saved = json.loads(stem.with_suffix(".json").read_text())
    assert saved["methods"] == ["dwf-2", "magnitude"] and saved["completed"]
    redraw = tmp_path / "again"
    assert main(["compare", "--redraw", str(stem.with_suffix(".json")), "--out", str(redraw)]) == 0
    assert (redraw / "compare_digits_lenet300_quick.png").stat().st_size > 0
    assert capsys.readouterr().out.splitlines()[0] == out.splitlines()[0]


def test_cli_bad_input(capsys):
    from dwf_theory.cli import main

    assert main(["compare", "--dataset", "digits", "--arch", "lenet300", "--methods", "dwf-5"]) == 2
    assert "methods: unknown ['dwf-5']" in capsys.readouterr().err
    assert main(["compare", "--dataset", "digits", "--arch", "lenet300", "--targets", "ten"]) == 2
    assert "--targets" in capsys.readouterr().err
    assert main(["compare", "--arch", "lenet300"]) == 2
    assert "--dataset and --arch are required" in capsys.readouterr().err
    assert main(["compare", "--dataset", "digits", "--arch", "lenet300", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "no Dask scheduler answered" in capsys.readouterr().err
