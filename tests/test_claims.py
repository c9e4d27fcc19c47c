"""The claims: each passes, declares its source and sample, and fails when its subject is mutated."""

import math
import re
from pathlib import Path

import pytest
from claim_mutations import apply, clear_caches, gather

from dwf_theory import claims

IDS = [c.id for c in claims.all_claims()]
# Claims that share one expensive cached computation are checked in one test (one process), so it is
# computed once: C80 and C81 polish the same trained networks.
SHARED = (("C80", "C81"),)
PARAMS = [i for i in IDS if not any(i in group for group in SHARED)] + ["+".join(g) for g in SHARED]
MUTATIONS = gather()
ROOT = Path(__file__).resolve().parent.parent


def test_registry_is_numbered_and_documented():
    assert len(IDS) >= 46
    assert IDS == sorted(IDS, key=lambda i: int(i[1:]))
    for c in claims.all_claims():
        assert c.statement and c.method and c.title, c.id
        assert c.tolerance >= 0, c.id
        assert c.source.kind in claims.SOURCE_KINDS, c.id
        assert "TODO" not in str(c.source) and "TODO" not in c.sample, f"{c.id} has a placeholder source or sample"
        assert c.sample and all(n >= 1 for n in c.sample.values()), c.id


@pytest.mark.parametrize("cids", PARAMS)
def test_claim_passes(cids):
    for cid, result in zip(cids.split("+"), claims.run_claims(cids.split("+"))):
        message = f"{cid} {result.title}: error {result.error:.3e} > tolerance {result.tolerance:.0e} {result.detail}"
        assert result.passed, message
        assert math.isfinite(result.error) and result.error <= result.tolerance
        for what, n in result.sample.items():
            assert result.counts[what] >= n, f"{cid} checked {result.counts[what]} of {n} {what}"


@pytest.mark.parametrize("cid", IDS)
def test_claim_fails_under_each_mutation_of_its_subject(cid, monkeypatch):
    mutations = MUTATIONS.get(cid)
    assert mutations, f"{cid} declares no mutation in tests/claim_mutations/: a claim must be shown to fail"
    for m in mutations:
        with monkeypatch.context() as patch:
            apply(patch, m)
            clear_caches()
            (result,) = claims.run_claims([cid])
        clear_caches()
        assert not result.passed, f"{cid} still passes with {m.target} mutated ({m.why}): error {result.error:.3e}"


def test_mutations_name_registered_claims():
    assert set(MUTATIONS) <= set(IDS), sorted(set(MUTATIONS) - set(IDS))


def _check(error, counts=None, detail=""):
    return lambda: claims.Measured(error, counts or {"x": 1}, detail)


def _claim(check, sample=None):
    return claims.Claim("C999", "t", "s", "m", 1e-3, check, claims.derived(), sample or {"x": 1})


def test_a_failing_crashing_or_short_check_is_reported_as_failed():
    assert claims.run_claim(_claim(_check(0.0))).passed
    assert not claims.run_claim(_claim(_check(1.0))).passed
    crashed = claims.run_claim(_claim(lambda: 1 / 0))
    assert not crashed.passed and "ZeroDivisionError" in crashed.detail
    assert not claims.run_claim(_claim(_check(math.nan))).passed
    short = claims.run_claim(_claim(_check(0.0, {"fits": 2}), sample={"fits": 3}))
    assert not short.passed and "2 of 3 fits" in short.detail
    untyped = claims.run_claim(_claim(lambda: 0.0))
    assert not untyped.passed and "Measured" in untyped.detail


def test_unknown_ids_sources_and_duplicate_registration_are_errors():
    with pytest.raises(ValueError, match="ids"):
        claims.run_claims(["C0"])
    with pytest.raises(ValueError, match="source"):
        claims.run_claims(source="folklore")
    with pytest.raises(ValueError, match="C1"):
        claims.claim("C1", "t", "s", "m", 0.0, source=claims.derived(), sample={"x": 1})(lambda: 0.0)
    with pytest.raises(ValueError, match="sample"):
        claims.claim("C998", "t", "s", "m", 0.0, source=claims.derived(), sample={})
    with pytest.raises(TypeError, match="source"):
        claims.claim("C998", "t", "s", "m", 0.0, source="paper", sample={"x": 1})
    with pytest.raises(ValueError, match="reference"):
        claims.paper("")


def test_select_filters_by_source():
    kinds = {c.source.kind for c in claims.all_claims()}
    assert kinds <= set(claims.SOURCE_KINDS)
    for kind in claims.SOURCE_KINDS:
        assert all(c.source.kind == kind for c in claims.select(source=kind))
    assert sum(len(claims.select(source=k)) for k in claims.SOURCE_KINDS) == len(IDS)


_CITED = re.compile(r"\bC(\d{1,3})\b")


def _project_files():
    for pattern in ("dwf_theory/**/*.py", "tests/**/*.py", "notebooks/*.ipynb", "benchmarks/*.py", "README.md"):
        yield from ROOT.glob(pattern)


def test_every_cited_claim_id_is_registered():
    registered = set(IDS)
    unknown = {}
    for path in _project_files():
        for m in _CITED.finditer(path.read_text(encoding="utf-8")):
            if f"C{m.group(1)}" not in registered and 0 < int(m.group(1)) < 900:
                unknown.setdefault(f"C{m.group(1)}", set()).add(str(path.relative_to(ROOT)))
    assert not unknown, unknown


def test_no_reference_to_documents_outside_the_project():
    needle = "THE" + "ORY"  # spelled in two parts so that this file does not match itself
    offenders = [str(p.relative_to(ROOT)) for p in _project_files() if needle in p.read_text(encoding="utf-8")]
    assert not offenders, offenders


def test_accumulated_nan_errors_fail_instead_of_vanishing():
    # max(0.0, nan) is 0.0 in Python; the claims accumulate through worse() so a NaN error is a failure.
    assert max(0.0, math.nan) == 0.0
    assert claims.worse(0.0, 1e-3, math.nan, 2e-3) == math.inf
    assert claims.worse(0.0, 1e-3, 2e-3) == 2e-3
    assert not claims.run_claim(_claim(_check(claims.worse(0.0, math.nan)))).passed
