"""MSE and SSIM against values known by construction."""
import numpy as np
import pytest

from crl.evaluation.image_metrics import mse, ssim


def _images(seed=0, n=3, size=32):
    rng = np.random.default_rng(seed)
    base = rng.uniform(0, 255, (n, size // 4, size // 4, 3))
    return np.kron(base, np.ones((1, 4, 4, 1))).round().astype(np.uint8)  # smooth-ish blocks


def test_identical_images_score_perfectly():
    x = _images()
    np.testing.assert_array_equal(mse(x, x), 0.0)
    np.testing.assert_allclose(ssim(x, x), 1.0)


def test_mse_is_in_unit_pixel_scale():
    black = np.zeros((2, 8, 8, 3), np.uint8)
    np.testing.assert_allclose(mse(black, black + 255), 1.0)
    np.testing.assert_allclose(mse(black, black + 51), 0.04)  # (51/255)^2


def test_scores_degrade_monotonically_with_noise():
    x = _images()
    rng = np.random.default_rng(1)
    noisy = [np.clip(x + rng.normal(0, s, x.shape), 0, 255).astype(np.uint8) for s in (5, 20, 60)]
    ssims = [ssim(x, y).mean() for y in noisy]
    mses = [mse(x, y).mean() for y in noisy]
    assert ssims[0] < 1.0 and ssims[0] > ssims[1] > ssims[2]
    assert 0 < mses[0] < mses[1] < mses[2]


def test_shifted_copy_is_less_similar():
    x = _images()
    assert (ssim(x, np.roll(x, 3, axis=2)) < 0.9).all()


def test_bad_input_is_rejected():
    x = _images()
    with pytest.raises(ValueError, match="same shape"):
        mse(x, x[:2])
    with pytest.raises(ValueError, match="uint8"):
        ssim(x.astype(float), x)
    with pytest.raises(ValueError, match="at least 7x7"):
        ssim(x[:, :5, :5], x[:, :5, :5])
