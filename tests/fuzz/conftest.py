"""Hypothesis profiles for the fuzz tests (helpers shared by them are in fuzzing.py).

"ci" (the default) tries a small fixed set of examples, the same on every run, and writes no example
database; "long" tries 1000 per test: ``HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz``.
"""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("long", max_examples=1000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
