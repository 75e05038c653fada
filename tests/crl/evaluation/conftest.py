"""A tiny fake scene (a -> b, c independent; three coloured bars) and fake models over it.

The scene follows the crl.scenes interface; the perfect model inverts the renderer and
uses the scene's true mechanisms, the broken one has a wrong graph and ignores do().
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import networkx as nx
import numpy as np
import pandas as pd
import pytest

SIZE = 16
ROWS = {"a": (1, 5, 0), "b": (6, 10, 1), "c": (11, 15, 2)}  # bar rows [start, stop) and colour channel


@dataclass
class Factor:
    name: str
    kind: str
    low: float | None
    high: float | None
    categories: list | None = None
    unit: str = ""


class Sample(NamedTuple):
    images: np.ndarray
    factors: pd.DataFrame
    noise: pd.DataFrame


class QueryResult(NamedTuple):
    images: np.ndarray
    latents: pd.DataFrame


class FakeScene:
    name = "fake-bars"
    resolution = SIZE
    factors = [Factor(n, "continuous", 0.0, 1.0) for n in "abc"]
    factor_names = ["a", "b", "c"]

    def __init__(self) -> None:
        self.graph = nx.DiGraph([("a", "b")])
        self.graph.add_node("c")

    @staticmethod
    def mechanisms(noise: pd.DataFrame, do: dict) -> pd.DataFrame:
        n = len(noise)
        a = np.full(n, float(do["a"])) if "a" in do else noise["a"].to_numpy()
        b = np.full(n, float(do["b"])) if "b" in do else 0.2 + 0.6 * a + 0.1 * noise["b"].to_numpy()
        c = np.full(n, float(do["c"])) if "c" in do else noise["c"].to_numpy()
        return pd.DataFrame({"a": a, "b": b, "c": c})

    @staticmethod
    def render(factors: pd.DataFrame) -> np.ndarray:
        images = np.zeros((len(factors), SIZE, SIZE, 3), dtype=np.uint8)
        x = np.arange(SIZE)
        for name, (start, stop, channel) in ROWS.items():
            fill = np.clip(factors[name].to_numpy()[:, None] * SIZE - x[None, :], 0.0, 1.0)
            images[:, start:stop, :, channel] = np.round(fill * 255).astype(np.uint8)[:, None, :]
        return images

    def _noise(self, n: int, seed: int) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        return pd.DataFrame({"a": rng.uniform(0, 1, n), "b": rng.uniform(-1, 1, n), "c": rng.uniform(0, 1, n)})

    def intervene(self, do: dict, n: int, seed: int = 0) -> Sample:
        noise = self._noise(n, seed)
        factors = self.mechanisms(noise, do)
        return Sample(self.render(factors), factors, noise)

    def sample(self, n: int, seed: int = 0) -> Sample:
        return self.intervene({}, n, seed)

    def counterfactual(self, sample: Sample, do: dict) -> Sample:
        factors = self.mechanisms(sample.noise, do)
        return Sample(self.render(factors), factors, sample.noise)


def read_bars(images: np.ndarray) -> pd.DataFrame:
    """Invert FakeScene.render: each bar's length from its summed intensity."""
    return pd.DataFrame({name: images[:, start:stop, :, ch].astype(float).sum(axis=2).mean(axis=1) / 255 / SIZE
                         for name, (start, stop, ch) in ROWS.items()})


class PerfectModel:
    """Knows the renderer and the true mechanisms: every evaluation error should be ~0."""

    concepts = ["a", "b", "c"]
    resolution = SIZE

    def __init__(self, scene: FakeScene) -> None:
        self.scene = scene
        self.graph = scene.graph.copy()

    def encode(self, images: np.ndarray) -> pd.DataFrame:
        latents = read_bars(images)
        latents["z3"] = 0.0
        return latents

    def decode(self, latents: pd.DataFrame) -> np.ndarray:
        return self.scene.render(latents)

    def intervene(self, do: dict, n: int, seed: Any = None) -> QueryResult:
        s = self.scene.intervene(do, n, seed=0 if seed is None else seed + 1)
        return QueryResult(s.images, s.factors)

    def counterfactual(self, images: np.ndarray, do: dict) -> QueryResult:
        f = read_bars(images)
        noise = pd.DataFrame({"a": f["a"], "b": (f["b"] - 0.2 - 0.6 * f["a"]) / 0.1, "c": f["c"]})
        factors = self.scene.mechanisms(noise, do)
        return QueryResult(self.scene.render(factors), factors)


class BrokenModel(PerfectModel):
    """Wrong graph (b -> a, c -> a), interventions that do nothing, counterfactuals that return the input."""

    def __init__(self, scene: FakeScene) -> None:
        super().__init__(scene)
        self.graph = nx.DiGraph([("b", "a"), ("c", "a")])

    def intervene(self, do: dict, n: int, seed: Any = None) -> QueryResult:
        return super().intervene({}, n, seed)

    def counterfactual(self, images: np.ndarray, do: dict) -> QueryResult:
        return QueryResult(np.array(images), self.encode(images))


@pytest.fixture(scope="session")
def scene() -> FakeScene:
    return FakeScene()


@pytest.fixture(scope="session")
def oracle(scene):
    import torch

    from crl.evaluation.oracle import Oracle

    torch.set_num_threads(1)  # tiny convolutions: extra threads only contend on a shared CPU

    return Oracle.fit(scene, n=600, steps=120, n_holdout=300, seed=0, device="cpu", progress=False)
