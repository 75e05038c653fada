"""Reading rows of a stored image array by index, and the optional smaller resolution of a data set.

The published files hold 64x64 images, what crl's encoders take (square, side a multiple of 16).
A data set loaded with ``resolution=32`` or ``16`` averages each 2x2 or 4x4 block of pixels (area
averaging: cheap, and exact for an integer factor); a resolution that does not divide the stored
side is refused rather than interpolated.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from crl.scenes.scene import check_resolution


def take_rows(source: Any, rows: np.ndarray) -> np.ndarray:
    """``source[rows]`` for any row order and repeats, reading each stored row once and in increasing order.

    h5py needs increasing, unique indices; a memory map reads fewer pages in order.
    """
    unique, inverse = np.unique(np.asarray(rows, dtype=np.int64), return_inverse=True)
    return np.asarray(source[unique])[inverse.reshape(-1)]


def target_resolution(resolution: Any, shape: tuple[int, ...], where: str) -> int:
    """The side to serve images at: the stored side (resolution None) or a multiple of 16 dividing it."""
    height, width = shape[0], shape[1]
    if resolution is None:
        return int(height)
    side = check_resolution(resolution)
    if height != width or height % side:
        raise ValueError(f"resolution={side} needs square stored images whose side it divides; {where} holds "
                         f"{height}x{width} images (resolution None keeps them as stored)")
    return side


def downscale(images: np.ndarray, side: int) -> np.ndarray:
    """uint8 images (N, S, S, C) averaged over (S/side)-pixel blocks to (N, side, side, C)."""
    n, height, width, channels = images.shape
    if height == side:
        return images
    factor = height // side
    blocks = images.reshape(n, side, factor, side, factor, channels).mean(axis=(2, 4))
    return np.rint(blocks).astype(np.uint8)
