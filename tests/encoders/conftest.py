"""Offline generated images for the encoder tests: a bright square whose position is known."""
import numpy as np
import pandas as pd
import pytest


def squares(n: int, resolution: int = 16, channels: int = 3, seed: int = 0) -> tuple[np.ndarray, pd.DataFrame]:
    """n images with a 4x4 bright square at a random (x, y); returns the images and the true positions."""
    rng = np.random.default_rng(seed)
    xs = rng.integers(0, resolution - 3, n)
    ys = rng.integers(0, resolution - 3, n)
    images = np.zeros((n, resolution, resolution, channels), np.uint8)
    for i, (x, y) in enumerate(zip(xs, ys)):
        images[i, y:y + 4, x:x + 4, :] = 255
    return images, pd.DataFrame({"x": xs.astype(float), "y": ys.astype(float)})


@pytest.fixture(scope="module")
def square_data():
    return squares(128)


@pytest.fixture(autouse=True)
def _every_test_on_one_thread(one_thread):
    """Every encoders test runs with the shared one-thread fixture."""
