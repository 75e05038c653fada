"""Segmentation and set-prediction metrics of object-centric models, over plain arrays.

`ari` and `fg_ari` (Slot Attention's FG-ARI leaves out pixels whose true label is 0) equal
scikit-learn's ``adjusted_rand_score`` per image, averaged over images. Degenerate images follow
the reference (deepmind multi_object_datasets ``adjusted_rand_index``, Slot Attention's port) and
scikit-learn: where both labelings put every scored pixel in one cluster (including an image with
fewer than two scored pixels) the score is 1. `mean_iou` (Hungarian-matched) and `mean_best_overlap`
score true objects (labels > 0) against predicted segments. `average_precision` is the Slot
Attention paper's set-prediction AP (google-research ``average_precision_clevr``), `set_prediction_ap`
at the paper's distance thresholds.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

AP_THRESHOLDS = (np.inf, 1.0, 0.5, 0.25, 0.125)
_CELLS = 20_000_000  # contingency cells per chunk of images


def _check_masks(true_masks: Any, pred_masks: Any) -> tuple[np.ndarray, np.ndarray]:
    true, pred = np.asarray(true_masks), np.asarray(pred_masks)
    for name, masks in (("true_masks", true), ("pred_masks", pred)):
        if masks.ndim != 3 or masks.dtype.kind not in "iu":
            raise ValueError(f"{name} must be an integer array (N, H, W), got {masks.dtype} of shape {masks.shape}")
    if true.shape != pred.shape:
        raise ValueError(f"true_masks {true.shape} and pred_masks {pred.shape} must have the same shape (N, H, W)")
    if true.shape[0] == 0:
        raise ValueError("true_masks: no images")
    return true, pred


def _contingency(true: np.ndarray, pred: np.ndarray, weights: np.ndarray | None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-image contingency tables (N, T, P) over the labels found in all images, the true labels (T,) and the
    predicted labels (P,)."""
    true_labels, true_codes = np.unique(true, return_inverse=True)
    pred_labels, pred_codes = np.unique(pred, return_inverse=True)
    n, t, p = len(true), len(true_labels), len(pred_labels)
    true_codes, pred_codes = true_codes.reshape(n, -1), pred_codes.reshape(n, -1)
    table = np.empty((n, t, p))
    step = max(1, _CELLS // (t * p))
    for start in range(0, n, step):
        stop = min(n, start + step)
        cell = (np.arange(stop - start)[:, None] * t + true_codes[start:stop]) * p + pred_codes[start:stop]
        w = None if weights is None else weights[start:stop].ravel()
        table[start:stop] = np.bincount(cell.ravel(), weights=w, minlength=(stop - start) * t * p).reshape(-1, t, p)
    return table, true_labels, pred_labels


def _ari(table: np.ndarray) -> np.ndarray:
    """ARI per image from contingency tables (N, T, P); 1 where both labelings are one cluster or all singletons."""
    pairs = lambda x: x * (x - 1)  # noqa: E731
    n = table.sum(axis=(1, 2))
    index = pairs(table).sum(axis=(1, 2))
    true_index = pairs(table.sum(axis=2)).sum(axis=1)
    pred_index = pairs(table.sum(axis=1)).sum(axis=1)
    total = pairs(n)
    degenerate = ((true_index == total) & (pred_index == total)) | ((true_index == 0) & (pred_index == 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = true_index * pred_index / total
        ari = (index - expected) / ((true_index + pred_index) / 2 - expected)
    return np.where(degenerate, 1.0, ari)


def ari(true_masks: Any, pred_masks: Any, per_image: bool = False) -> Any:
    """Adjusted Rand index of predicted against true segmentations over all pixels, averaged over images.

    Parameters
    ----------
    true_masks, pred_masks : numpy.ndarray
        Integer label maps (N, H, W); label values are arbitrary (only the partition counts).
    per_image : bool
        Return the (N,) scores instead of their mean.
    """
    true, pred = _check_masks(true_masks, pred_masks)
    scores = _ari(_contingency(true, pred, None)[0])
    return scores if per_image else float(scores.mean())


def fg_ari(true_masks: Any, pred_masks: Any, per_image: bool = False) -> Any:
    """ARI over foreground pixels only (true label != 0), averaged over images: Slot Attention's FG-ARI."""
    true, pred = _check_masks(true_masks, pred_masks)
    scores = _ari(_contingency(true, pred, (true != 0).astype(np.float64))[0])
    return scores if per_image else float(scores.mean())


def iou_table(true: np.ndarray, pred: np.ndarray, foreground: bool = False
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """IoU of every true label with every predicted label, image by image, over checked (N, H, W) int arrays.

    With `foreground`, pixels whose true label is 0 are left out of the predicted segments (as FG-ARI leaves them out).
    Returns the IoU (N, T, P), which true labels are objects present in each image (N, T), the true labels (T,) and
    the predicted labels (P,), the labels found in all images.
    """
    table, true_labels, pred_labels = _contingency(true, pred, (true != 0).astype(np.float64) if foreground else None)
    union = table.sum(axis=2, keepdims=True) + table.sum(axis=1, keepdims=True) - table
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, table / union, 0.0)
    objects = (table.sum(axis=2) > 0) & (true_labels != 0)[None, :]
    return iou, objects, true_labels, pred_labels


def _mean_over_objects(scores: np.ndarray, objects: np.ndarray) -> float:
    """Mean over images (those with objects) of the mean score of their objects."""
    counts = objects.sum(axis=1)
    if not counts.any():
        return float("nan")
    per_image = np.where(objects, scores, 0.0).sum(axis=1)[counts > 0] / counts[counts > 0]
    return float(per_image.mean())


def mean_best_overlap(true_masks: Any, pred_masks: Any) -> float:
    """Mean best overlap: each true object's (label > 0) highest IoU with any predicted segment, averaged per image."""
    true, pred = _check_masks(true_masks, pred_masks)
    iou, objects, _, _ = iou_table(true, pred)
    return _mean_over_objects(iou.max(axis=2), objects)


def mean_iou(true_masks: Any, pred_masks: Any) -> float:
    """Mean IoU of true objects (label > 0) with predicted segments matched one to one (Hungarian, scipy).

    A true object left without a segment scores 0; averaged over the objects of each image, then over images.
    """
    true, pred = _check_masks(true_masks, pred_masks)
    iou, objects, _, _ = iou_table(true, pred)
    matched = np.zeros(objects.shape)
    for i in np.flatnonzero(objects.any(axis=1)):
        rows = np.flatnonzero(objects[i])
        r, c = linear_sum_assignment(iou[i][rows], maximize=True)
        matched[i, rows[r]] = iou[i][rows[r], c]
    return _mean_over_objects(matched, objects)


def _check_sets(true_coords: Any, true_attributes: Any, pred_coords: Any, pred_attributes: Any, confidence: Any,
                true_present: Any) -> tuple[np.ndarray, ...]:
    arrays = {"true_coords": np.asarray(true_coords, np.float64), "pred_coords": np.asarray(pred_coords, np.float64)}
    for name, value in (("true_attributes", true_attributes), ("pred_attributes", pred_attributes)):
        value = np.asarray(value)
        arrays[name] = value[..., None] if value.ndim == 2 else value
    tc, pc, ta, pa = arrays["true_coords"], arrays["pred_coords"], arrays["true_attributes"], arrays["pred_attributes"]
    if tc.ndim != 3 or pc.ndim != 3 or tc.shape[::2] != pc.shape[::2]:
        raise ValueError(f"true_coords (N, M, D) and pred_coords (N, S, D) must agree on N and D; got {tc.shape} and {pc.shape}")
    if ta.shape[:2] != tc.shape[:2] or pa.shape[:2] != pc.shape[:2] or ta.shape[2] != pa.shape[2]:
        raise ValueError(f"true_attributes {ta.shape} and pred_attributes {pa.shape} must be (N, M, A) and (N, S, A) "
                         f"matching the coordinates {tc.shape} and {pc.shape}")
    conf = np.asarray(confidence, np.float64)
    if conf.shape != pc.shape[:2]:
        raise ValueError(f"confidence must be (N, S) = {pc.shape[:2]}, got {conf.shape}")
    present = np.ones(tc.shape[:2], bool) if true_present is None else np.asarray(true_present, bool)
    if present.shape != tc.shape[:2]:
        raise ValueError(f"true_present must be (N, M) = {tc.shape[:2]}, got {present.shape}")
    return tc, ta, pc, pa, conf, present


def average_precision(
    true_coords: Any, true_attributes: Any, pred_coords: Any, pred_attributes: Any, confidence: Any,
    threshold: float = np.inf, true_present: Any = None, scale: float = 1.0,
) -> float:
    """Set-prediction average precision at a distance threshold (Slot Attention's property-prediction AP).

    Predictions are taken by decreasing confidence (ties: the later one first, as the reference's reversed
    argsort). Each is matched to the nearest true object of its image whose discrete attributes all equal its
    own; it is a true positive if that distance (times `scale`) is below `threshold` and that object was not
    detected before, else a false positive. AP is the area under the interpolated precision-recall curve
    (recall over all present true objects), as in the reference's ``compute_average_precision``.

    Parameters
    ----------
    true_coords, pred_coords : numpy.ndarray
        Coordinates (N, M, D) of true objects and (N, S, D) of predictions.
    true_attributes, pred_attributes : numpy.ndarray
        Discrete attributes (N, M, A) and (N, S, A), or (N, M) and (N, S) for one; A may be 0.
    confidence : numpy.ndarray
        (N, S) confidence of each prediction (e.g. its probability of being an object).
    threshold : float
        Distance threshold; inf accepts any distance (the reference's -1).
    true_present : numpy.ndarray, optional
        (N, M) booleans: which true rows are real objects (default all).
    scale : float
        Distances are multiplied by it first (the reference uses 6 for CLEVR's [-3, 3] scaled to [0, 1]).
    """
    tc, ta, pc, pa, conf, present = _check_sets(true_coords, true_attributes, pred_coords, pred_attributes,
                                                confidence, true_present)
    distance = np.linalg.norm((pc[:, :, None] - tc[:, None]) * scale, axis=-1)
    match = np.all(pa[:, :, None] == ta[:, None], axis=-1) & present[:, None, :]
    distance = np.where(match, distance, np.inf)
    best = distance.argmin(axis=2).ravel()
    hit = np.isfinite(distance.min(axis=2).ravel()) & (distance.min(axis=2).ravel() < threshold)
    order = np.argsort(conf.ravel(), kind="stable")[::-1]
    image = order // pc.shape[1]
    key = np.where(hit[order], image * tc.shape[1] + best[order], -1 - np.arange(len(order)))
    _, first = np.unique(key, return_index=True)
    true_positive = np.zeros(len(order), bool)
    true_positive[first] = key[first] >= 0
    return _interpolated_ap(np.cumsum(true_positive), np.cumsum(~true_positive), int(present.sum()))


def _interpolated_ap(tp: np.ndarray, fp: np.ndarray, positives: int) -> float:
    """Area under the precision-recall curve with precision made monotone from the right (all-points VOC AP)."""
    if positives == 0:
        return float("nan")
    recall = np.concatenate([[0.0], tp / positives, [1.0]])
    precision = np.concatenate([[0.0], tp / np.maximum(tp + fp, 1), [0.0]])
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.flatnonzero(recall[1:] != recall[:-1])
    return float(np.sum(precision[steps + 1] * (recall[steps + 1] - recall[steps])))


def set_prediction_ap(
    true_coords: Any, true_attributes: Any, pred_coords: Any, pred_attributes: Any, confidence: Any,
    thresholds: tuple[float, ...] = AP_THRESHOLDS, true_present: Any = None, scale: float = 1.0,
) -> dict[float, float]:
    """`average_precision` at each threshold (default the paper's inf, 1, 0.5, 0.25, 0.125): threshold -> AP."""
    return {float(t): average_precision(true_coords, true_attributes, pred_coords, pred_attributes, confidence,
                                        threshold=t, true_present=true_present, scale=scale) for t in thresholds}
