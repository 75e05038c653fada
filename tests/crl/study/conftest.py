"""Fixtures of the study tests: one embedded Ray for the tests of a module that run studies through it."""
import logging

import pytest


@pytest.fixture(scope="module")
def ray_session():
    ray = pytest.importorskip("ray")
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    yield
    if started:
        ray.shutdown()
