"""Fixtures shared across the test tree."""
import pytest
import torch


@pytest.fixture
def one_thread():
    """Tests share 2 cores with other work: one torch thread each, restored afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
