"""claims.py: every registered claim passes; the registry reports failures honestly."""

import math

import pytest

from dwf_theory import claims

IDS = [c.id for c in claims.all_claims()]


def test_registry_is_numbered_and_documented():
    assert len(IDS) >= 6
    assert IDS == sorted(IDS, key=lambda i: int(i[1:]))
    for c in claims.all_claims():
        assert c.statement and c.method and c.title
        assert c.tolerance >= 0


@pytest.mark.parametrize("cid", IDS)
def test_claim_passes(cid):
    (result,) = claims.run_claims([cid])
    message = f"{cid} {result.title}: error {result.error:.3e} > tolerance {result.tolerance:.0e} {result.detail}"
    assert result.passed, message
    assert math.isfinite(result.error) and result.error <= result.tolerance


def test_a_failing_or_crashing_check_is_reported_as_failed():
    over = claims.Claim("C999", "t", "s", "m", 1e-3, lambda: 1.0)
    boom = claims.Claim("C998", "t", "s", "m", 1e-3, lambda: 1 / 0)
    nan = claims.Claim("C997", "t", "s", "m", 1e-3, lambda: (math.nan, "nan error"))
    assert not claims.run_claim(over).passed
    crashed = claims.run_claim(boom)
    assert not crashed.passed and "ZeroDivisionError" in crashed.detail
    assert not claims.run_claim(nan).passed


def test_unknown_ids_and_duplicate_registration_are_errors():
    with pytest.raises(ValueError, match="ids"):
        claims.run_claims(["C0"])
    with pytest.raises(ValueError, match="C1"):
        claims.claim("C1", "t", "s", "m", 0.0)(lambda: 0.0)
