"""An oracle that reads object attributes back from an image and its instance mask, to score edited images.

For each image and each label k > 0 found in its mask: ``x`` and ``y``, the centroid of the visible
pixels as fractions of the image side (pixel centres at (j + 0.5) / W), which equals the object's x
and y when it is unoccluded (objects are placed by their centre of area); ``pixels``, the visible
pixel count (its size); and ``r``, ``g``, ``b``, the mean colour of its visible pixels in [0, 1]
(anti-aliased edge pixels included). Reading the predicted image with the predicted masks and the
true counterfactual with its true masks, and comparing per object, scores an edit.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def read_objects(images: np.ndarray, masks: np.ndarray) -> pd.DataFrame:
    """Per-object centroid, pixel count and mean colour from images (N, H, W, 3) and masks (N, H, W).

    Returns
    -------
    pandas.DataFrame
        One row per image and label > 0 present in its mask: ``image``, ``object``, ``x``, ``y``, ``pixels``,
        ``r``, ``g``, ``b``.
    """
    images, masks = np.asarray(images), np.asarray(masks)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must be (N, H, W, 3), got shape {images.shape}")
    if masks.shape != images.shape[:3] or masks.dtype.kind not in "iu":
        raise ValueError(f"masks must be integer (N, H, W) = {images.shape[:3]}, got {masks.dtype} {masks.shape}")
    n, height, width = masks.shape
    if masks.size and masks.min() < 0:
        raise ValueError("masks must hold labels >= 0 (0 = background)")
    labels = int(masks.max()) + 1 if masks.size else 1
    index = (masks.astype(np.int64) + labels * np.arange(n)[:, None, None]).ravel()
    size = n * labels

    def total(weights: np.ndarray | None) -> np.ndarray:
        return np.bincount(index, weights=weights, minlength=size)

    pixels = total(None)
    rows = np.flatnonzero((pixels > 0) & (np.arange(size) % labels > 0))
    cols = np.broadcast_to(np.arange(width) + 0.5, masks.shape).ravel() / width
    lines = np.broadcast_to((np.arange(height) + 0.5)[:, None], masks.shape).ravel() / height
    table = {"image": rows // labels, "object": rows % labels, "x": total(cols)[rows] / pixels[rows],
             "y": total(lines)[rows] / pixels[rows], "pixels": pixels[rows].astype(np.int64)}
    flat = images.reshape(-1, 3).astype(np.float64) / 255.0
    for c, channel in enumerate("rgb"):
        table[channel] = total(flat[:, c])[rows] / pixels[rows]
    return pd.DataFrame(table)
