"""Segmentation metrics against scikit-learn and hand-made cases; AP against hand-computed precision-recall curves."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

import crl
from crl.metrics import ari, average_precision, fg_ari, mean_best_overlap, mean_iou, set_prediction_ap


def _sklearn(true: np.ndarray, pred: np.ndarray, foreground: bool) -> float:
    scores = []
    for t, p in zip(true.reshape(len(true), -1), pred.reshape(len(pred), -1)):
        keep = t != 0 if foreground else np.ones_like(t, bool)
        scores.append(adjusted_rand_score(t[keep], p[keep]))
    return float(np.mean(scores))


def test_ari_equals_sklearn_on_random_assignments() -> None:
    rng = np.random.default_rng(0)
    for labels_true, labels_pred in [(2, 2), (5, 7), (9, 3)]:
        true = rng.integers(0, labels_true, (6, 12, 12))
        pred = rng.integers(0, labels_pred, (6, 12, 12)) * 17 - 5  # arbitrary label values
        assert ari(true, pred) == pytest.approx(_sklearn(true, pred, False), abs=1e-12)
        assert fg_ari(true, pred) == pytest.approx(_sklearn(true, pred, True), abs=1e-12)


def test_ari_equals_sklearn_on_scene_masks_permuted_and_merged() -> None:
    masks = crl.scenes.load("multi_sprites", resolution=32).sample(12, seed=1).masks
    rng = np.random.default_rng(1)
    permuted = rng.permutation(10)[masks]  # relabelled, background included
    assert fg_ari(masks, permuted) == pytest.approx(1.0)
    assert ari(masks, permuted) == pytest.approx(1.0)
    merged = np.where(masks == 2, 1, masks)  # objects 1 and 2 merged into one segment
    noisy = np.where(rng.random(masks.shape) < 0.1, rng.integers(0, 7, masks.shape), masks)
    for pred in (merged, noisy):
        assert fg_ari(masks, pred) == pytest.approx(_sklearn(masks, pred, True), abs=1e-12)
        assert ari(masks, pred) == pytest.approx(_sklearn(masks, pred, False), abs=1e-12)
    assert fg_ari(masks, merged) < 1.0


def test_degenerate_images_follow_the_reference() -> None:
    true = np.zeros((3, 4, 4), np.int64)
    true[1, 0, 0] = 3  # one foreground pixel
    true[2, :2] = 1  # one object
    pred = np.arange(48).reshape(3, 4, 4)  # every pixel its own segment
    assert fg_ari(true, pred, per_image=True).tolist() == [1.0, 1.0, 0.0]
    assert adjusted_rand_score(true[2][true[2] > 0], pred[2][true[2] > 0]) == 0.0


def test_mean_iou_and_best_overlap_on_a_hand_made_case() -> None:
    true = np.zeros((1, 4, 4), np.int64)
    true[0, :2, :2], true[0, 2:, 2:] = 1, 2  # two objects of 4 pixels
    pred = np.zeros((1, 4, 4), np.int64)
    pred[0, :2, :2] = 5  # object 1 exactly
    pred[0, 2:, 2:3] = 6  # half of object 2
    assert mean_iou(true, pred) == pytest.approx((1.0 + 0.5) / 2)
    pred[0, :2, :2] = 6  # one segment over both objects: IoU 4/8 with each; one to one, only one of them gets it
    pred[0, 2:, 3] = 6
    assert mean_best_overlap(true, pred) == pytest.approx((4 / 8 + 4 / 8) / 2)
    assert mean_iou(true, pred) == pytest.approx((4 / 8 + 0.0) / 2)


def test_bad_masks_are_refused() -> None:
    with pytest.raises(ValueError, match="same shape"):
        ari(np.zeros((2, 4, 4), int), np.zeros((2, 4, 5), int))
    with pytest.raises(ValueError, match="pred_masks must be an integer array"):
        fg_ari(np.zeros((2, 4, 4), int), np.zeros((2, 4, 4)))
    with pytest.raises(ValueError, match="true_masks must be an integer array"):
        mean_iou(np.zeros((4, 4), int), np.zeros((4, 4), int))


def test_average_precision_hand_made() -> None:
    true = np.array([[[0.0, 0.0], [1.0, 1.0]]])  # one image, two objects
    attrs = np.array([[0, 1]])
    pred = np.array([[[0.0, 0.1], [1.0, 1.0]]])
    conf = np.array([[0.9, 0.8]])
    assert average_precision(true, attrs, pred, attrs, conf) == pytest.approx(1.0)
    assert set_prediction_ap(true, attrs, pred, attrs, conf)[0.125] == pytest.approx(1.0)
    # the first prediction is 0.1 away: a miss at 0.05, a hit at 0.125; recall 0.5 only from the second one
    assert average_precision(true, attrs, pred, attrs, conf, threshold=0.05) == pytest.approx(0.25)
    # a wrong attribute on the more confident prediction: precision 0 then 1/2 at recall 0.5
    assert average_precision(true, np.array([[0, 1]]), pred, np.array([[2, 1]]), conf) == pytest.approx(0.25)
    # a duplicate detection of an already found object is a false positive
    twice = np.array([[[1.0, 1.0], [1.0, 1.0]]])
    assert average_precision(true, attrs, twice, np.array([[1, 1]]), conf) == pytest.approx(0.5)
    # an absent true row is not an object to find, and scale multiplies distances
    present = np.array([[True, False]])
    assert average_precision(true, attrs, pred, attrs, conf, threshold=0.5, true_present=present, scale=10) == 0.0
    assert average_precision(true, attrs, pred, attrs, conf, threshold=2.0, true_present=present, scale=10) == 1.0


def test_average_precision_refuses_bad_shapes() -> None:
    with pytest.raises(ValueError, match="confidence"):
        average_precision(np.zeros((1, 2, 2)), np.zeros((1, 2)), np.zeros((1, 3, 2)), np.zeros((1, 3)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="true_coords"):
        average_precision(np.zeros((1, 2, 3)), np.zeros((1, 2)), np.zeros((1, 3, 2)), np.zeros((1, 3)), np.zeros((1, 3)))


def _greedy_ap(true, true_attr, pred, pred_attr, conf, threshold):
    """The reference's procedure written as a plain loop: detections by decreasing confidence, each matched to
    its nearest attribute-equal true object, a hit only once per object; then all-points interpolated AP."""
    order = np.argsort(conf.ravel(), kind="stable")[::-1]
    found, tp = set(), []
    for flat in order:
        i, s = divmod(int(flat), pred.shape[1])
        best, best_d = None, np.inf
        for m in range(true.shape[1]):
            d = np.linalg.norm(pred[i, s] - true[i, m])
            if true_attr[i, m] == pred_attr[i, s] and d < best_d:
                best, best_d = m, d
        hit = best is not None and best_d < threshold and (i, best) not in found
        if hit:
            found.add((i, best))
        tp.append(hit)
    tp_sum = np.cumsum(tp)
    recall = [0.0, *(tp_sum / true.shape[0] / true.shape[1]), 1.0]
    precision = [0.0, *(tp_sum / np.arange(1, len(tp) + 1)), 0.0]
    for k in range(len(precision) - 2, -1, -1):
        precision[k] = max(precision[k], precision[k + 1])
    return sum(precision[k + 1] * (recall[k + 1] - recall[k]) for k in range(len(recall) - 1))


def test_average_precision_equals_the_greedy_procedure_on_random_sets() -> None:
    rng = np.random.default_rng(3)
    true, true_attr = rng.random((20, 4, 3)), rng.integers(0, 2, (20, 4))
    perm = rng.permutation(4)
    pred = np.concatenate([true[:, perm] + rng.normal(0, 0.2, (20, 4, 3)), rng.random((20, 2, 3))], axis=1)
    pred_attr = np.concatenate([true_attr[:, perm], rng.integers(0, 2, (20, 2))], axis=1)  # 2 spurious slots
    pred_attr = np.where(rng.random((20, 6)) < 0.2, 1 - pred_attr, pred_attr)  # a fifth of attributes wrong
    conf = rng.random((20, 6))
    got = set_prediction_ap(true, true_attr, pred, pred_attr, conf)
    for threshold, value in got.items():
        assert value == pytest.approx(_greedy_ap(true, true_attr, pred, pred_attr, conf, threshold), abs=1e-12)
    assert 0.0 < got[0.125] < got[0.5] < got[np.inf] < 1.0
