"""Slots matched to true objects: the Hungarian assignment that maximises mask IoU, image by image.

A slot's region is the pixels it wins (the argmax of the alpha masks); an object's is its label in the true
instance mask. With ``foreground=True`` (the default) background pixels are left out of the slots' regions, as
FG-ARI leaves them out, so a slot that holds an object and some background still matches it: models early in
training, or with small objects, spread the background over several slots. Each image's IoU matrix (objects x
slots, from `crl.metrics.segmentation.iou_table`, which `mean_iou` scores too) goes through scipy's
`linear_sum_assignment`, so every object gets at most one slot and every slot at most one object; pairs with
IoU 0 are dropped.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from crl.metrics.segmentation import iou_table


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
    if segmentation.size and (segmentation.min() < 0 or segmentation.max() >= num_slots):
        raise ValueError(f"segmentation: slot indices must lie in [0, num_slots={num_slots}), got "
                         f"[{segmentation.min()}, {segmentation.max()}]")
    iou, objects, labels, slots = iou_table(masks, segmentation, foreground)
    rows = []
    for image in range(len(masks)):
        present = np.flatnonzero(objects[image])
        for i, j in zip(*linear_sum_assignment(iou[image][present], maximize=True)):
            if iou[image, present[i], j] > 0:
                rows.append((image, int(labels[present[i]]), int(slots[j]), float(iou[image, present[i], j])))
    return pd.DataFrame(rows, columns=["image", "object", "slot", "iou"]).astype(
        {"image": np.int64, "object": np.int64, "slot": np.int64, "iou": np.float64})
