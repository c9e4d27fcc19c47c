"""Every public callable under bad input: a clear error naming the argument, a finite result, or a
result flagged as diverged — never a crash, a hang or a silent NaN.

The registry in ``api_walk/examples.py`` holds one small valid call per public callable; a callable
without one fails :func:`test_every_public_callable_has_an_example`. Hypothesis replaces one argument
at a time by a value from the catalogue in ``api_walk/engine.py``; each call runs in a worker process
with a time and memory limit.

The smoke run (a few values per callable) is part of the suite. The long run tries every catalogue
value for every argument and prints the counts by outcome and every call that was not good:

    cd tests && python -m api_walk [--only dwf_theory.prox] [--out summary.json]
"""

from __future__ import annotations

import pytest
from api_walk.engine import GOOD, Worker, cases, public_callables
from api_walk.examples import EXAMPLES, EXEMPT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


@pytest.mark.parametrize("name", [n for n in sorted(EXAMPLES) if cases(n, EXAMPLES[n])])
def test_bad_input_smoke(worker, name):
    tried = cases(name, EXAMPLES[name])

    @settings(max_examples=SMOKE_PER_CALLABLE, database=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(tried))
    def check(case):
        outcome, detail, _ = worker.run(*case)
        assert outcome in GOOD or outcome == "unclear", f"{case}: {outcome}: {detail}"

    check()
