"""An image's own noise kept through a counterfactual.

A decoder reproduces an image up to a residual, image - reconstruction: texture, sharp edges, the part of a
concept's value the encoder misread. Abduction can treat that residual as the image's exogenous noise (an
additive pixel-noise image mechanism, as in the deep structural causal models of Pawlowski et al. 2020), so the
counterfactual image is the decoded counterfactual plus the residual. Where the decoded counterfactual redraws a
pixel, the old residual belongs to what was drawn there before (an edge that moved, a colour that changed), so it
fades out, linearly, as the pixel's change from the reconstruction grows to `crl.thresholds.RESIDUAL_FADE`.
"""
from __future__ import annotations

import numpy as np

from crl.thresholds import RESIDUAL_FADE


def keep_residual(images: np.ndarray, reconstructions: np.ndarray, counterfactuals: np.ndarray,
                  fade: float = RESIDUAL_FADE, weight: np.ndarray | None = None) -> np.ndarray:
    """Decoded counterfactuals with each image's residual added back where they leave the picture as it was.

    Parameters
    ----------
    images, reconstructions, counterfactuals : ndarray
        uint8 (N, H, W, C): the images, their decoded latents, and the decoded counterfactual latents.
    fade : float
        Change of a pixel (largest over channels, as a share of the pixel range) at which its residual is gone.
    weight : ndarray, optional
        float (N, H, W) in [0, 1]: the most of each pixel's residual that may stay, whatever its change (0 where
        the residual is known to belong to something the counterfactual took away, such as a removed object).

    Returns
    -------
    ndarray
        uint8 (N, H, W, C).
    """
    if not images.shape == reconstructions.shape == counterfactuals.shape:
        raise ValueError(f"images, reconstructions and counterfactuals must have one shape; got {images.shape}, "
                         f"{reconstructions.shape} and {counterfactuals.shape}")
    if not 0 < fade <= 1:
        raise ValueError(f"fade must be in (0, 1] (a share of the pixel range), got {fade!r}")
    if weight is not None and (weight.shape != images.shape[:3] or not (np.all(weight >= 0) and np.all(weight <= 1))):
        raise ValueError(f"weight must be {images.shape[:3]} values in [0, 1], got shape {weight.shape}")
    decoded, counterfactual = reconstructions.astype(np.float32), counterfactuals.astype(np.float32)
    change = np.abs(counterfactual - decoded).max(axis=-1, keepdims=True) / 255.0
    kept = np.clip(1.0 - change / fade, 0.0, 1.0)
    if weight is not None:
        kept = kept * weight[..., None]
    out = counterfactual + kept * (images.astype(np.float32) - decoded)
    return np.rint(np.clip(out, 0.0, 255.0)).astype(np.uint8)
