"""A tiny offline scene with the `crl.scenes` interface: independent factors rendered by a
fixed random linear map to 8x8 grey pixels, so an exact inverse encoder exists."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits


@dataclass(frozen=True)
class Factor:
    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    categories: tuple | None = None


@dataclass(frozen=True)
class Sample:
    images: np.ndarray
    factors: pd.DataFrame
    noise: pd.DataFrame


class FakeScene:
    """Factors: x uniform on [0, 1] (or on five levels: continuous_x=False); size uniform over four sizes;
    shape over three categories.

    Pixels: 128 + 40 * W @ (x, size, shape code / 2) for a fixed random W (64 x 3).
    """

    X_LEVELS = (0.0, 0.25, 0.5, 0.75, 1.0)

    def __init__(self, continuous_x: bool = True) -> None:
        x = Factor("x", "continuous", 0.0, 1.0) if continuous_x else Factor("x", "categorical", categories=self.X_LEVELS)
        self.factors = [
            x,
            Factor("size", "categorical", categories=(0.25, 0.5, 0.75, 1.0)),
            Factor("shape", "categorical", categories=("disc", "square", "star")),
        ]
        self.weights = np.random.default_rng(123).normal(size=(64, 3)) / 2.0

    def values(self, factors: pd.DataFrame) -> np.ndarray:
        codes = pd.Categorical(factors["shape"], categories=self.factors[2].categories).codes
        return np.column_stack([factors["x"], factors["size"], codes / 2.0]).astype(float)

    def sample(self, n: int, seed: int = 0) -> Sample:
        rng = np.random.default_rng(seed)
        factors = pd.DataFrame(
            {
                "x": rng.uniform(0, 1, n) if self.factors[0].kind == "continuous" else rng.choice(self.X_LEVELS, n),
                "size": rng.choice(self.factors[1].categories, n),
                "shape": rng.choice(self.factors[2].categories, n),
            }
        )
        return Sample(self.render(factors), factors, pd.DataFrame(index=factors.index))

    def render(self, factors: pd.DataFrame) -> np.ndarray:
        pixels = 128 + 40 * self.values(factors) @ self.weights.T
        return np.clip(np.rint(pixels), 0, 255).astype(np.uint8).reshape(-1, 8, 8, 1)

    def inverse(self, images: np.ndarray) -> np.ndarray:
        """The factor values (x, size, shape code / 2) recovered by least squares from the pixels."""
        pixels = images.reshape(len(images), -1).astype(float)
        return (pixels - 128) @ np.linalg.pinv(self.weights).T / 40


@pytest.fixture(scope="session")
def scene() -> FakeScene:
    return FakeScene()


@pytest.fixture(scope="session")
def discrete_scene() -> FakeScene:
    """All factors categorical: keeps the boosted trees of DCI small (20-bin targets cost 20 trees a stage)."""
    return FakeScene(continuous_x=False)


@pytest.fixture(autouse=True, scope="session")
def one_blas_thread():
    """The test arrays are tiny; extra BLAS threads only fight the other tests for the cores."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield
