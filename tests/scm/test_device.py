"""scm.device: CUDA when present, an explicit device honoured, a clear error for what cannot be had."""
import pytest
import torch

from scm.device import choose_device


def test_auto_and_explicit_devices():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert choose_device("auto").type == expected and choose_device(None).type == expected
    assert choose_device("cpu") == torch.device("cpu")
    assert choose_device(torch.device("cpu")) == torch.device("cpu")


def test_bad_devices_raise():
    with pytest.raises(ValueError, match="device: expected"):
        choose_device("quantum")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            choose_device("cuda")
