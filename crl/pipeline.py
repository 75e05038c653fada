"""Training data from a scene and a CausalModel fitted on it: the path `crl train` and `crl demo` share."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from crl.causal_model import CausalModel


@dataclass(frozen=True)
class SceneData:
    """What a user of a scene trains on: images, weakly-supervised pairs, a few labels."""

    sample: Any  # crl.scenes.Sample
    pairs: Any  # crl.scenes.Pairs or None
    labels: pd.DataFrame | None


def scene_training_data(
    scene,
    n_images: int,
    n_pairs: int = 0,
    n_labels: int = 0,
    *,
    label_mode: str = "exact",
    k: int | str = 1,
    pair_mode: str = "noise",
    seed: int = 0,
) -> SceneData:
    """Sample images, pairs (k factors' noise resampled) and `n_labels` labelled rows from `scene`."""
    if n_images <= 0:
        raise ValueError(f"n_images must be positive; got {n_images}")
    if n_labels > n_images:
        raise ValueError(f"n_labels ({n_labels}) cannot exceed n_images ({n_images})")
    sample = scene.sample(n_images, seed=seed)
    pairs = scene.sample_pairs(n_pairs, k=k, seed=seed + 1, mode=pair_mode) if n_pairs > 0 else None
    labels = scene.labels(sample, n=n_labels, mode=label_mode, seed=seed + 2) if n_labels > 0 else None
    return SceneData(sample, pairs, labels)


def fit_on_scene(model: CausalModel, data: SceneData) -> CausalModel:
    """Fit `model` on scene data (the pairs' ground truth stays unseen: only their images are passed)."""
    pairs = (data.pairs.x1, data.pairs.x2) if data.pairs is not None else None
    return model.fit(data.sample.images, pairs=pairs, labels=data.labels)
