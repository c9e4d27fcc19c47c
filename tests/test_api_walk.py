"""Every public callable under bad input: a clear error naming the argument, a finite result, or a
result flagged as diverged — never a crash, a hang or a silent NaN.

The registry in ``api_walk/examples.py`` holds one small valid call per public callable; a callable
without one fails :func:`test_every_public_callable_has_an_example`. Hypothesis replaces one argument
at a time by a value from the catalogue in ``api_walk/engine.py``; each call runs in a worker process
with a time and memory limit.

The smoke run (a few values per callable) is part of the suite. The long run tries every catalogue
value for every argument and prints the counts by outcome:

    DWF_WALK=long pytest tests/test_api_walk.py -k long -s
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
from api_walk.engine import GOOD, OUTCOMES, Worker, cases, public_callables
from api_walk.examples import EXAMPLES, EXEMPT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LONG = os.environ.get("DWF_WALK") == "long"
SMOKE_PER_CALLABLE = 6  # Hypothesis examples per callable in the suite's smoke run
PUBLIC = public_callables()


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.close()


def test_every_public_callable_has_an_example():
    missing = sorted(set(PUBLIC) - set(EXAMPLES) - set(EXEMPT))
    assert not missing, f"public callables without an example in api_walk/examples.py: {missing}"
    stale = sorted((set(EXAMPLES) | set(EXEMPT)) - set(PUBLIC))
    assert not stale, f"examples for names that are not public callables: {stale}"
    assert not set(EXAMPLES) & set(EXEMPT)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_valid_example_returns_a_finite_result(worker, name):
    outcome, detail, _ = worker.run(name, None, None)
    assert outcome in ("finite", "flagged"), f"{name} on its valid example: {outcome} {detail}"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_bad_input_smoke(worker, name):
    tried = cases(name, EXAMPLES[name])
    if not tried:
        pytest.skip(f"{name} takes no argument")

    @settings(max_examples=SMOKE_PER_CALLABLE, database=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(tried))
    def check(case):
        outcome, detail, _ = worker.run(*case)
        assert outcome in GOOD or outcome == "unclear", f"{case}: {outcome}: {detail}"

    check()


@pytest.mark.skipif(not LONG, reason="the long walk runs with DWF_WALK=long")
def test_long_walk(worker):
    from tqdm import tqdm

    counts: Counter = Counter()
    bad = []
    every = [c for name in sorted(EXAMPLES) for c in cases(name, EXAMPLES[name])]
    for case in tqdm(every, desc="walk", unit="call"):
        outcome, detail, seconds = worker.run(*case)
        counts[outcome] += 1
        if outcome not in GOOD:
            bad.append((*case, outcome, detail))
    summary = {
        "callables": len(EXAMPLES),
        "exempt": len(EXEMPT),
        "calls": len(every),
        "outcomes": {k: counts.get(k, 0) for k in OUTCOMES},
        "not_good": bad,
    }
    print(json.dumps(summary, indent=1, default=str))
    out = os.environ.get("DWF_WALK_OUT")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=1, default=str)
    assert len(every) >= 4000
    for kind in ("crash", "hang", "nonfinite"):
        assert counts[kind] == 0, [b for b in bad if b[3] == kind][:20]
    assert counts["unclear"] <= 0.01 * len(every), [b for b in bad if b[3] == "unclear"][:20]
