"""Scores of one object query against the scene's true counterfactual: pixels, oracle-read objects, segmentation.

The model's image is read by `crl.scenes.objects.read_objects` with the model's own masks, on the true foreground
only (as FG-ARI: a slot's region also holds background, which would dim its colour), the truth with the true
masks; objects are paired through the matching of the original images (model object = slot + 1 -> true label).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crl.evaluation.image_metrics import mse
from crl.metrics import fg_ari, set_prediction_ap
from crl.objects.queries import ObjectQueryResult
from crl.scenes.objects import read_objects

READ = ("x", "y", "r", "g", "b")


@dataclass
class Truth:
    """The true counterfactual images uint8 (N, H, W, 3) and masks int (N, H, W) of a query."""

    images: np.ndarray
    masks: np.ndarray


def image_scores(name: str, result: ObjectQueryResult, truth: Truth, rows: np.ndarray,
                 target: np.ndarray) -> pd.DataFrame:
    """Per image: pixel MSE against the truth and FG-ARI of the result's masks against the true masks."""
    return pd.DataFrame({"query": name, "image": rows, "object": target, "mse": mse(result.images, truth.images),
                         "fg_ari": fg_ari(truth.masks, result.masks, per_image=True)})


def object_errors(name: str, result: ObjectQueryResult, truth: Truth, rows: np.ndarray, target: np.ndarray,
                  slot_of: dict[tuple[int, int], int]) -> pd.DataFrame:
    """Per object present in both readings: absolute error of each oracle attribute, and whether it was the target.

    `slot_of` maps (image row, true label) to the model's slot; `target` is each image's queried true label.
    """
    model = read_objects(result.images, np.where(truth.masks > 0, result.masks, 0))
    true = read_objects(truth.images, truth.masks)
    label_of = {(image, slot + 1): label for (image, label), slot in slot_of.items()}
    model["object"] = [label_of.get((int(rows[i]), int(k)), -1) for i, k in zip(model["image"], model["object"])]
    joined = true.merge(model, on=["image", "object"], suffixes=("_true", "_model"))
    table = pd.DataFrame({"query": name, "image": rows[joined["image"].to_numpy()], "object": joined["object"],
                          "target": joined["object"].to_numpy() == target[joined["image"].to_numpy()]})
    for column in READ:
        table[f"error_{column}"] = (joined[f"{column}_model"] - joined[f"{column}_true"]).abs().to_numpy()
    return table


def removal_residue(result: ObjectQueryResult, reconstruction: np.ndarray, masks: np.ndarray, truth: Truth,
                    target: np.ndarray) -> pd.DataFrame:
    """Brightness left where the removed object was and the truth shows background: in the model's removal and in
    its reconstruction (mean pixel value in [0, 1]; a perfect removal leaves the background's 0)."""
    region = (masks == target[:, None, None]) & (truth.masks == 0)
    count = np.maximum(region.sum(axis=(1, 2)), 1)

    def brightness(images: np.ndarray) -> np.ndarray:
        return (images.astype(np.float64).mean(axis=-1) / 255.0 * region).sum(axis=(1, 2)) / count

    return pd.DataFrame({"removed_brightness": brightness(result.images),
                         "reconstructed_brightness": brightness(reconstruction), "region_pixels": region.sum((1, 2))})


def set_ap(predicted: pd.DataFrame, truth: pd.DataFrame, n_images: int) -> dict[str, float]:
    """Set-prediction AP of the model's objects at the paper's distance thresholds (``AP@inf`` ... ``AP@0.125``).

    `predicted` holds one row per slot (``image``, ``x``, ``y``, ``confidence``, and ``shape`` when the model reads
    it), `truth` one row per visible object (``image``, ``x``, ``y``, and ``shape`` when the scene has it); positions
    are in image units, and when both have a shape a prediction must have its object's. Each image's sets are padded
    to the longest.
    """
    attributes = ["shape"] if "shape" in predicted and "shape" in truth else []

    def padded(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rank = table.groupby("image").cumcount().to_numpy()
        image = table["image"].to_numpy()
        width = int(rank.max()) + 1 if len(table) else 1
        # padding sits infinitely far away: it matches nothing, and as a prediction it is a false positive ranked last
        coords, codes = np.full((n_images, width, 2), np.inf), np.zeros((n_images, width, len(attributes)), np.int64)
        present, confidence = np.zeros((n_images, width), bool), np.zeros((n_images, width))
        coords[image, rank] = table[["x", "y"]].to_numpy(dtype=np.float64)
        codes[image, rank] = table[attributes].to_numpy(dtype=np.int64)
        present[image, rank] = True
        confidence[image, rank] = table["confidence"].to_numpy() if "confidence" in table else 1.0
        return coords, codes, present, confidence

    true_coords, true_codes, true_present, _ = padded(truth)
    coords, codes, present, confidence = padded(predicted)
    aps = set_prediction_ap(true_coords, true_codes, coords, codes, np.where(present, confidence, -np.inf),
                            true_present=true_present)
    return {f"AP@{threshold:g}": value for threshold, value in aps.items()}
