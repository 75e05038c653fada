"""Slots matched to true objects: the Hungarian assignment that maximises mask IoU, image by image.

A slot's region is the pixels it wins (the argmax of the alpha masks); an object's is its label in the true
instance mask. With ``foreground=True`` (the default) background pixels are left out of the slots' regions, as
FG-ARI leaves them out, so a slot that holds an object and some background still matches it: models early in
training, or with small objects, spread the background over several slots. Each image's IoU matrix (objects x
slots) goes through scipy's `linear_sum_assignment`, so every object gets at most one slot and every slot at most
one object; pairs with IoU 0 are dropped.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment


def iou_matrix(segmentation: np.ndarray, masks: np.ndarray, num_slots: int, foreground: bool = True
               ) -> tuple[np.ndarray, np.ndarray]:
    """One image's IoU of every true object (labels > 0 present in `masks`) with every slot: (labels, (M, K))."""
    labels = np.unique(masks)
    labels = labels[labels > 0]
    objects = masks[None] == labels[:, None, None]
    slots = segmentation[None] == np.arange(num_slots)[:, None, None]
    if foreground:
        slots &= (masks > 0)[None]
    inter = (objects[:, None] & slots[None]).sum(axis=(2, 3))
    union = objects.sum(axis=(1, 2))[:, None] + slots.sum(axis=(1, 2))[None] - inter
    return labels, np.where(union > 0, inter / np.maximum(union, 1), 0.0)


def match_slots(segmentation: np.ndarray, masks: np.ndarray, num_slots: int, foreground: bool = True) -> pd.DataFrame:
    """The slot of each true object, by Hungarian matching on mask IoU.

    Parameters
    ----------
    segmentation : numpy.ndarray
        int (N, H, W): the slot that wins each pixel, in [0, num_slots) (`SlotModel.segment`).
    masks : numpy.ndarray
        int (N, H, W): true instance masks (0 background, k object k).
    num_slots : int
        Slots the segmentation was made with.
    foreground : bool
        Leave background pixels out of the slots' regions (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per matched pair: ``image``, ``object`` (the true label), ``slot`` and ``iou`` (> 0).
    """
    segmentation, masks = np.asarray(segmentation), np.asarray(masks)
    if segmentation.shape != masks.shape or segmentation.ndim != 3:
        raise ValueError(f"segmentation {segmentation.shape} and masks {masks.shape} must both be (N, H, W)")
    if segmentation.dtype.kind not in "iu" or masks.dtype.kind not in "iu":
        raise ValueError("segmentation and masks must be integer arrays")
    rows = []
    for image in range(len(masks)):
        labels, iou = iou_matrix(segmentation[image], masks[image], num_slots, foreground)
        for i, j in zip(*linear_sum_assignment(-iou)):
            if iou[i, j] > 0:
                rows.append((image, int(labels[i]), int(j), float(iou[i, j])))
    return pd.DataFrame(rows, columns=["image", "object", "slot", "iou"]).astype(
        {"image": np.int64, "object": np.int64, "slot": np.int64, "iou": np.float64})
