"""What a user can plug into crl: an encoder, and a scene or data set with ground-truth factors.

These are `typing.Protocol`s: an object fits by having the members, not by inheriting from a
crl class, so a user's own encoder or data set (and the object-centric and data-set scenes to
come) plug in by implementing them. Each is ``runtime_checkable``: ``isinstance(obj, SceneLike)``
checks that the members exist (not their signatures; a type checker checks those).

Members are the ones crl actually calls: `CausalModel` and the read-back checks call an
encoder's ``encode``, ``decode``, ``latent_dim`` and ``resolution``; `crl.metrics` and the
evaluation oracle read a data set's ``factors`` and call ``sample`` and ``render``;
`crl.evaluate` and `crl.scene_data` add a scene's ``graph``, ``intervene``, ``counterfactual``,
``sample_pairs`` and ``labels``. `encoders.Encoder` and `crl.scenes.Scene` satisfy them.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import networkx as nx
import numpy as np
import pandas as pd


@runtime_checkable
class EncoderLike(Protocol):
    """An image encoder with a decoder: images (N, H, W, C) uint8 <-> latents (N, latent_dim)."""

    @property
    def latent_dim(self) -> int:
        """Number of latent dimensions."""

    @property
    def resolution(self) -> int:
        """Side in pixels of the square images it takes and makes."""

    def encode(self, images: np.ndarray, /) -> np.ndarray:
        """Latents (N, latent_dim) of uint8 images (N, H, W, C)."""

    def decode(self, latents: np.ndarray, /) -> np.ndarray:
        """uint8 images (N, H, W, C) of latents (N, latent_dim)."""


@runtime_checkable
class FactorLike(Protocol):
    """A factor declaration: its name, kind ("continuous" or "categorical"), range and categories."""

    @property
    def name(self) -> str:
        """The factor's column name."""

    @property
    def kind(self) -> str:
        """"continuous" or "categorical" (integer codes 0..K-1)."""

    @property
    def low(self) -> float:
        """Lowest value (0 for a categorical factor)."""

    @property
    def high(self) -> float:
        """Highest value (K-1 for a categorical factor)."""

    @property
    def categories(self) -> tuple[str, ...] | None:
        """Names of a categorical factor's codes, in order; None for a continuous one."""


@runtime_checkable
class SampleLike(Protocol):
    """Images with the factor values behind them, row for row."""

    @property
    def images(self) -> np.ndarray:
        """uint8 images (N, H, W, C)."""

    @property
    def factors(self) -> pd.DataFrame:
        """One named column per factor, one row per image."""


@runtime_checkable
class PairsLike(Protocol):
    """Image pairs that differ in a few factors; the tables are ground truth a learner does not see."""

    @property
    def x1(self) -> np.ndarray:
        """First images (N, H, W, C)."""

    @property
    def x2(self) -> np.ndarray:
        """Second images (N, H, W, C)."""

    @property
    def factors1(self) -> pd.DataFrame:
        """Factor values behind `x1`."""

    @property
    def factors2(self) -> pd.DataFrame:
        """Factor values behind `x2`."""

    @property
    def changed(self) -> pd.DataFrame:
        """Booleans per factor: which ones each pair changed."""


@runtime_checkable
class GroundTruthData(Protocol):
    """Images rendered from known factors: what disentanglement metrics sample from."""

    @property
    def factors(self) -> Sequence[FactorLike]:
        """The factor declarations."""

    def sample(self, n: int, /, seed: int = 0) -> SampleLike:
        """``n`` observational images with their factors, reproducible by ``seed``."""

    def render(self, factors: pd.DataFrame, /) -> np.ndarray:
        """Images for given factor values, one per row."""


@runtime_checkable
class SceneLike(GroundTruthData, Protocol):
    """A scene or data set with a known causal model: the ground truth crl learns from and is scored on."""

    @property
    def graph(self) -> nx.DiGraph:
        """The causal graph over factor names."""

    def intervene(self, do: Mapping[str, Any], n: int, seed: int = 0) -> SampleLike:
        """``n`` samples under the intervention ``do`` (factor -> value, `scm.Shift` or `scm.Soft`)."""

    def counterfactual(self, sample: Any, /, do: Mapping[str, Any]) -> SampleLike:
        """The true counterfactual of each row of ``sample`` under ``do``."""

    def sample_pairs(self, n: int, /, k: int | str = 1, seed: int = 0, mode: str = "noise") -> PairsLike:
        """``n`` weakly supervised pairs, ``k`` variables changed in each."""

    def labels(self, sample: Any, /, n: int = 100, mode: str = "exact", seed: int = 0) -> pd.DataFrame:
        """Ground-truth labels for ``n`` rows of ``sample``, indexed by row position."""


__all__ = ["EncoderLike", "FactorLike", "GroundTruthData", "PairsLike", "SampleLike", "SceneLike"]
