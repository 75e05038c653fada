"""Data for the downstream tasks: a small grid data set whose pixels spell out its classes, a 16 px crl
scene, representations of both, and a wrapper that records what a task asks a scene to render."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

import crl
from crl.datasets.axes import axis
from crl.datasets.grid import GridDataset

GRID_SIZES = (3, 6, 8)  # shape (categorical), scale, x
BAND = {0: slice(0, 5), 1: slice(5, 10), 2: slice(10, 16)}  # image rows that show each factor's class
STEP = {0: 40, 1: 40, 2: 30}  # grey level per class


def _read(rows: np.ndarray) -> np.ndarray:
    """16 x 16 grey images of grid rows: three horizontal bands, each as bright as one factor's class."""
    classes = np.stack(np.unravel_index(rows, (*GRID_SIZES, 1)), axis=1)
    images = np.zeros((len(rows), 16, 16, 1), dtype=np.uint8)
    for j, band in BAND.items():
        images[:, band, :, 0] = (STEP[j] * classes[:, j])[:, None, None]
    return images


def _band_classes(images: np.ndarray) -> np.ndarray:
    """(N, 3) classes the grid's images show."""
    return np.column_stack([images[:, band].mean(axis=(1, 2, 3)) / STEP[j] for j, band in BAND.items()])


@pytest.fixture(scope="session")
def disentangled():
    """The grid's representation that holds each factor's class in its own latent, exactly."""
    return _band_classes


@pytest.fixture(scope="session")
def grid() -> GridDataset:
    """A full grid of 3 x 6 x 8 images (plus a one-valued color column, as dSprites has)."""
    axes = [axis("shape", None, categories=("square", "ellipse", "heart")), axis("scale", np.linspace(0.5, 1.0, 6)),
            axis("x", np.linspace(0.0, 1.0, 8)), axis("color", [1.0])]
    return GridDataset("toy", axes, _read, (16, 16, 1), "memory")


@pytest.fixture(scope="session")
def sprites():
    return crl.scenes.load("sprites", resolution=16)


@pytest.fixture(scope="session")
def pixels():
    """A fixed random projection of 16 px RGB pixels to 8 latents: a tiny, entangled representation."""
    weights = np.random.default_rng(0).normal(size=(16 * 16 * 3, 8))
    return lambda images: (images.reshape(len(images), -1) / 255.0) @ weights


class Recorder:
    """A scene or data set that keeps every factor table it is asked to render (the rest passes through)."""

    def __init__(self, data) -> None:
        self.data = data
        self.rendered: list[pd.DataFrame] = []

    def __getattr__(self, name: str):
        return getattr(self.data, name)

    def render(self, factors: pd.DataFrame) -> np.ndarray:
        self.rendered.append(factors.copy())
        return self.data.render(factors)


@pytest.fixture
def recorder():
    """Wraps a scene or data set in a `Recorder`."""
    return Recorder


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    """The test arrays are tiny; extra BLAS threads only fight the other tests for the cores."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield
