"""
Fixtures and the hypothesis profiles of the security suite.

The fuzz tests run a fixed, modest number of examples so the suite stays
under two minutes; `derandomize` makes every run try the same examples, so a
failure in CI is a failure on every laptop. HYPOTHESIS_PROFILE=dev explores
more, with fresh random examples each run.
"""

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    # Each example is one database transaction rolled back by the test itself,
    # so a function-scoped fixture (the conference, the personas) is safe to share.
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "database": None,
    "print_blob": True,
}
settings.register_profile("ci", max_examples=25, derandomize=True, **_COMMON)
settings.register_profile("dev", max_examples=300, **_COMMON)
settings.load_profile(os.getenv("HYPOTHESIS_PROFILE", "ci"))
