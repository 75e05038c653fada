"""Pick the torch device (`cuda` when present, else `cpu`, unless the caller names one), and seeded
random streams on it."""
from __future__ import annotations

import threading

import numpy as np
import torch

# Weights are initialised from torch's global generator: seeding it and building the modules is done by one
# training at a time (any model kind), so trainings started in threads side by side stay reproducible.
SEEDED_INIT = threading.Lock()


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """Return a torch.device for `device` ("auto"/None -> cuda if available, else cpu)."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device={device!r} is not a torch device; use 'auto', 'cpu' or 'cuda'") from error
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available; use device='cpu' or 'auto'")
    return resolved


def seeded_generator(seed: int, stream: int, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch generator on `device` for substream `stream` of `seed`, independent of the other
    streams of the same seed (numpy's SeedSequence spawns the seed)."""
    return torch.Generator(device=device).manual_seed(int(np.random.SeedSequence([seed, stream]).generate_state(1)[0]))


def random_indices(high: int, size: int, generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """`size` indices in [0, high) on `device`, drawn from a CPU `generator` (so a seed picks the same
    batches on every device and a checkpoint resumes anywhere). On CUDA the copy goes from pinned
    memory without blocking: a copy from pageable memory first waits for the GPU to finish its queued
    work, so the host could not prepare the next step while the GPU ran this one."""
    indices = torch.randint(high, (size,), generator=generator)
    if device.type == "cuda":
        indices = indices.pin_memory()
    return indices.to(device, non_blocking=True)
