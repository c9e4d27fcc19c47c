import os

import pytest
from hypothesis import HealthCheck, settings

from dwf_theory._threads import one_blas_thread

# Few, fast examples, so that the suite stays quick. The "ci" profile tests the same
# number of examples, derandomized (the same examples on every run) and without the example database, so a
# CI failure reproduces exactly; it is selected whenever the CI environment variable is set (to anything but
# "", "0" or "false"), or explicitly with HYPOTHESIS_PROFILE.
_COMMON = {"max_examples": 40, "deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("default", **_COMMON)
settings.register_profile("ci", derandomize=True, database=None, **_COMMON)
_ON_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if _ON_CI else "default"))


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """The suite solves many tiny problems; one BLAS thread avoids contention between BLAS threads."""
    with one_blas_thread():
        yield
