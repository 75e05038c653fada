"""Training data from a scene and a model fitted on it: the path `crl train`, `crl demo` and the tutorials share."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from crl.causal_model import CausalModel


@dataclass(frozen=True)
class SceneData:
    """What a user of a scene trains on: images, weakly-supervised pairs, a few labels."""

    sample: Any  # crl.scenes.Sample
    pairs: Any  # crl.scenes.Pairs or None
    labels: pd.DataFrame | None


def scene_training_data(
    scene: Any,
    n_images: int,
    n_pairs: int = 0,
    n_labels: int = 0,
    *,
    label_mode: str = "exact",
    k: int | str = 1,
    pair_mode: str = "noise",
    seed: int = 0,
) -> SceneData:
    """Sample images, pairs and a few labelled rows from `scene`, as a user of it would have them.

    Parameters
    ----------
    scene : crl scene
        Anything with ``sample``, ``sample_pairs`` and ``labels``.
    n_images, n_pairs, n_labels : int
        How many of each (0 pairs or labels: none).
    label_mode : str
        exact | binned | noisy | partial (see the scene's ``labels``).
    k : int or "random"
        Factors whose noise each pair resamples.
    pair_mode : str
        The scene's pair mode.
    seed : int
        Images use `seed`, pairs `seed + 1`, labels `seed + 2`.

    Returns
    -------
    SceneData
    """
    if n_images <= 0:
        raise ValueError(f"n_images must be positive; got {n_images}")
    if n_labels > n_images:
        raise ValueError(f"n_labels ({n_labels}) cannot exceed n_images ({n_images})")
    sample = scene.sample(n_images, seed=seed)
    pairs = scene.sample_pairs(n_pairs, k=k, seed=seed + 1, mode=pair_mode) if n_pairs > 0 else None
    labels = scene.labels(sample, n=n_labels, mode=label_mode, seed=seed + 2) if n_labels > 0 else None
    return SceneData(sample, pairs, labels)


def fit_on_scene(model: CausalModel, data: SceneData, resume: bool | str = "auto") -> CausalModel:
    """Fit `model` on scene data; the pairs' ground truth stays unseen (only their images are passed).

    Parameters
    ----------
    model : CausalModel
        Unfitted (or to refit).
    data : SceneData
    resume : bool or "auto"
        As for `CausalModel.fit`.

    Returns
    -------
    CausalModel
        `model`, fitted.
    """
    pairs = (data.pairs.x1, data.pairs.x2) if data.pairs is not None else None
    return model.fit(data.sample.images, pairs=pairs, labels=data.labels, resume=resume)
