"""Images stay uint8 (N, H, W, C) in one torch tensor on the training device; batches are
gathered by index and turned into float (B, C, H, W) channels_last in [0, 1] only inside a step.

No DataLoader and no float copy of the dataset: 100k 64x64x3 images are 1.2 GB as uint8, and
on CPU the tensor shares the numpy array's memory.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import torch


def check_images(images: object, name: str = "images") -> np.ndarray:
    """Validate an image array: uint8 ndarray (N, H, W, C), H == W a multiple of 16, N >= 1, C >= 1."""
    if not isinstance(images, np.ndarray):
        raise ValueError(f"{name} must be a numpy uint8 array (N, H, W, C), got {type(images).__name__}")
    if images.dtype != np.uint8:
        raise ValueError(f"{name} must have dtype uint8 with values 0..255, got {images.dtype}"
                         " (convert floats in [0, 1] with (x * 255).round().astype(np.uint8))")
    if images.ndim != 4:
        raise ValueError(f"{name} must have shape (N, H, W, C), got shape {images.shape}")
    n, h, w, c = images.shape
    if n < 1 or c < 1:
        raise ValueError(f"{name} must hold at least one image with at least one channel, got shape {images.shape}")
    if h != w or h % 16 or h == 0:
        raise ValueError(f"{name} must be square with a side that is a multiple of 16, got {h}x{w}")
    return np.ascontiguousarray(images)


def check_trained_shape(images: object, resolution: int, channels: int, name: str = "images") -> np.ndarray:
    """`check_images`, and the shape a trained model reads: (N, resolution, resolution, channels)."""
    images = check_images(images, name)
    if images.shape[1:] != (resolution, resolution, channels):
        raise ValueError(f"{name} must have shape (N, {resolution}, {resolution}, {channels}) like the training images, "
                         f"got {images.shape}")
    return images


def as_uint8_tensor(images: np.ndarray, device: torch.device) -> torch.Tensor:
    """The uint8 images as a torch tensor on `device`; on CPU it shares the array's memory."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # read-only arrays: we never write to them
        tensor = torch.from_numpy(images)
    return tensor.to(device)


def to_float(batch: torch.Tensor) -> torch.Tensor:
    """uint8 (B, H, W, C) -> float32 (B, C, H, W) in [0, 1], channels_last memory (no transpose copy)."""
    return batch.permute(0, 3, 1, 2).float().div_(255.0)


def iter_batches(images: np.ndarray, batch_size: int, device: torch.device) -> Iterator[torch.Tensor]:
    """Float batches of `images` in order, for evaluation."""
    for start in range(0, images.shape[0], batch_size):
        chunk = torch.from_numpy(np.ascontiguousarray(images[start:start + batch_size])).to(device)
        yield to_float(chunk)
