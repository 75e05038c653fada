"""Fixtures shared across the test tree."""
import pickle

import pytest
import torch


class _Payload:
    """Unpickling it creates `marker`: what a malicious file in a model folder could do."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def pickle_payload():
    """A function marker -> pickle bytes whose unpickling creates `marker` (to prove a loader never unpickles)."""
    return lambda marker: pickle.dumps(_Payload(marker))


@pytest.fixture
def one_thread():
    """Tests share 2 cores with other work: one torch thread each, restored afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
