"""The consensus of several slot draws: slots matched one to one by shared mask weight, matched masks averaged."""
import numpy as np
import pytest

from encoders.slots.consensus import aligned_to, consensus_masks


def soft_masks(n: int, k: int, side: int, seed: int) -> np.ndarray:
    """Random soft masks (n, k, side, side) that sum to 1 over slots."""
    logits = np.random.default_rng(seed).normal(size=(n, k, side, side)) * 3
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    return (weights / weights.sum(axis=1, keepdims=True)).astype(np.float32)


def test_a_draw_with_its_slots_shuffled_is_put_back_in_order():
    reference = soft_masks(6, 5, 8, seed=0)
    rng = np.random.default_rng(1)
    orders = np.stack([rng.permutation(5) for _ in range(6)])
    shuffled = np.take_along_axis(reference, orders[:, :, None, None], axis=1)
    np.testing.assert_array_equal(aligned_to(reference, shuffled), reference)
    np.testing.assert_allclose(consensus_masks([reference, shuffled, shuffled]), reference, atol=1e-6)


def test_three_draws_outvote_the_split_each_makes_alone():
    # one image, two objects on a 1 x 6 strip: pixels 0-2 are object A, 3-5 object B; each draw errs on one pixel
    truth = np.array([0, 0, 0, 1, 1, 1])
    draws = []
    for wrong, order in ((1, [0, 1]), (4, [1, 0]), (2, [1, 0])):
        labels = truth.copy()
        labels[wrong] = 1 - labels[wrong]
        hard = np.eye(2, dtype=np.float32)[labels].T[order]  # slots in another order in each draw
        draws.append(0.9 * hard[None, :, None, :] + 0.05)
    for draw in draws:  # alone, each draw puts one pixel in the wrong object, whatever its slots are called
        alone = draw.argmax(axis=1)[0, 0]
        assert min((alone != truth).sum(), (alone != 1 - truth).sum()) == 1
    voted = consensus_masks(draws).argmax(axis=1)[0, 0]
    np.testing.assert_array_equal(voted, truth)  # the first draw names the slots: A is its slot 0


def test_bad_draws_are_refused():
    with pytest.raises(ValueError, match="at least one"):
        consensus_masks([])
    with pytest.raises(ValueError, match="reference's shape"):
        consensus_masks([soft_masks(2, 3, 4, 0), soft_masks(2, 4, 4, 0)])

