import os

import pytest
from hypothesis import HealthCheck, settings

from dwf_theory._threads import one_blas_thread

# Few, fast examples by default; CI uses the same profile (derandomized for reproducibility).
settings.register_profile(
    "default", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "default")



@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread():
    """The suite solves many tiny problems; one BLAS thread avoids contention between BLAS threads."""
    with one_blas_thread():
        yield
