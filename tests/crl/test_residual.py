"""crl.residual: an image's residual kept through a counterfactual where the decoded picture stays."""
import numpy as np
import pytest

from crl.residual import keep_residual


def _images(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(3, 8, 8, 3), dtype=np.uint8)


def test_a_counterfactual_that_changes_nothing_returns_the_images():
    images, reconstructions = _images(0), _images(1)
    np.testing.assert_array_equal(keep_residual(images, reconstructions, reconstructions), images)


def test_the_residual_fades_with_the_decoded_change():
    images = np.full((1, 1, 3, 3), 100, np.uint8)
    reconstructions = np.full((1, 1, 3, 3), 80, np.uint8)  # residual +20 everywhere
    counterfactuals = reconstructions.copy()
    counterfactuals[0, 0, 1, 0] += 13    # a change of 0.05 of the range (one channel is enough): half the residual
    counterfactuals[0, 0, 2, 2] += 26    # 0.1 of the range: the residual is gone
    out = keep_residual(images, reconstructions, counterfactuals, fade=0.1).astype(int)
    np.testing.assert_array_equal(out[0, 0, 0], [100, 100, 100])
    np.testing.assert_allclose(out[0, 0, 1], [80 + 13 + 10, 80 + 10, 80 + 10], atol=1)
    np.testing.assert_array_equal(out[0, 0, 2], [80, 80, 106])


def test_results_stay_in_the_pixel_range():
    images = np.array([[[[255, 0, 0]]]], np.uint8)
    reconstructions = np.array([[[[0, 255, 0]]]], np.uint8)
    out = keep_residual(images, reconstructions, reconstructions.copy())
    np.testing.assert_array_equal(out, images)
    assert out.dtype == np.uint8


@pytest.mark.parametrize("fade", [0.0, -0.1, 1.5])
def test_fade_must_be_a_share_of_the_range(fade):
    with pytest.raises(ValueError, match="fade must be in"):
        keep_residual(_images(0), _images(1), _images(2), fade=fade)


def test_shapes_must_match():
    with pytest.raises(ValueError, match="one shape"):
        keep_residual(_images(0), _images(1)[:2], _images(2))


def test_a_weight_caps_the_residual_that_stays():
    images, reconstructions = _images(0), _images(1)
    weight = np.zeros(images.shape[:3])
    weight[:, :4] = 1.0  # top half keeps its residual, bottom half shows the decoded picture alone
    out = keep_residual(images, reconstructions, reconstructions, weight=weight)
    np.testing.assert_array_equal(out[:, :4], images[:, :4])
    np.testing.assert_array_equal(out[:, 4:], reconstructions[:, 4:])
    half = keep_residual(images, reconstructions, reconstructions, weight=np.full(images.shape[:3], 0.5)).astype(int)
    np.testing.assert_allclose(half, (images.astype(int) + reconstructions) / 2, atol=1)


@pytest.mark.parametrize("weight", [np.ones((3, 8, 8, 3)), np.ones((3, 4, 8)), np.full((3, 8, 8), 1.5),
                                    np.full((3, 8, 8), -0.1), np.full((3, 8, 8), np.nan)])
def test_a_weight_must_be_a_share_per_pixel(weight):
    with pytest.raises(ValueError, match="weight must be"):
        keep_residual(_images(0), _images(1), _images(2), weight=weight)
