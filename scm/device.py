"""Where scm's torch code runs: the GPU when there is one, unless the caller says otherwise."""
from __future__ import annotations

import torch


def choose_device(device: str | torch.device | None = "auto") -> torch.device:
    """The torch device for `device`.

    Parameters
    ----------
    device : str, torch.device or None
        "auto" or None: CUDA when available, else the CPU; anything else is used as named.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        When CUDA is named but not available, or the name is not a torch device.
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device: expected 'auto', 'cpu', 'cuda' or another torch device; got {device!r}") from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} asks for CUDA, which this machine lacks; use 'cpu' or 'auto'")
    return chosen
