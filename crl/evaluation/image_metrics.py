"""Per-image distances between two batches of uint8 images: MSE and SSIM.

MSE is in [0, 1] pixel units (pixels divided by 255). SSIM is scikit-image's
`structural_similarity` with its defaults (uniform 7x7 window, K1=0.01, K2=0.03),
`data_range=255` and colour channels averaged, as in Wang et al. (2004).
"""
from __future__ import annotations

import numpy as np

_SSIM_WINDOW = 7


def _validate_pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a), np.asarray(b)
    for name, x in (("a", a), ("b", b)):
        if x.ndim != 4 or x.dtype != np.uint8:
            raise ValueError(f"{name} must be uint8 images of shape (N, H, W, C); got {x.dtype} {x.shape}")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    return a, b


def mse(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean squared pixel difference per image, pixels scaled to [0, 1]; shape (N,)."""
    a, b = _validate_pair(a, b)
    diff = (a.astype(np.float64) - b.astype(np.float64)) / 255.0
    return (diff ** 2).mean(axis=(1, 2, 3))


def ssim(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Structural similarity per image (1 = identical), shape (N,); images need H, W >= 7."""
    from skimage.metrics import structural_similarity

    a, b = _validate_pair(a, b)
    if min(a.shape[1:3]) < _SSIM_WINDOW:
        raise ValueError(f"images must be at least {_SSIM_WINDOW}x{_SSIM_WINDOW} for SSIM; got {a.shape[1:3]}")
    return np.array([structural_similarity(x, y, channel_axis=-1, data_range=255) for x, y in zip(a, b)])
