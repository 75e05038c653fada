"""Procedural scenes with a known causal model: sample, intervene, counterfactual, pairs and labels.

`load(name)` builds a built-in scene; `custom(graph, mechanisms, render, factors)` builds your own.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from crl.scenes import flow as _flow
from crl.scenes import objects as _objects
from crl.scenes import pendulum as _pendulum
from crl.scenes import sprites as _sprites
from crl.scenes.build import custom
from crl.scenes.dataset import load_dataset, save_dataset
from crl.scenes.factors import Factor
from crl.scenes.random import RandomScene, random_scene
from crl.scenes.samples import Pairs, Sample
from crl.scenes.scene import Scene

_BUILDERS: dict[str, Callable[..., Scene | _objects.ObjectScene]] = {
    "causal_sprites": _sprites.causal_sprites,
    "flow": _flow.flow,
    "multi_sprites": _objects.multi_sprites,
    "pendulum": _pendulum.pendulum,
    "random": random_scene,
    "sprites": _sprites.sprites,
    "tetrominoes": _objects.tetrominoes,
}


def names() -> list[str]:
    """Names of the built-in scenes, sorted."""
    return sorted(_BUILDERS)


def load(name: str, resolution: int = 64, **options: Any) -> Scene | _objects.ObjectScene:
    """Build a built-in scene: a known causal model to learn from and to score against.

    Parameters
    ----------
    name : str
        One of `names()`: "pendulum" and "flow" (CausalVAE's scenes), "sprites" (dSprites-like,
        independent factors), "causal_sprites" (sprites whose factors follow a DAG) or "random"
        (a random graph over 2-8 factors driving a random procedural renderer, drawn from ``seed``:
        scenes no default was chosen on), "multi_sprites" or "tetrominoes" (several objects with masks
        and exact object edits: an `ObjectScene`, see `crl.scenes.objects`).
    resolution : int
        Image side in pixels, a positive multiple of 16.
    **options
        The scene's own options (e.g. ``noise_scale`` for the pendulum); unknown ones are refused
        with the list of valid ones.

    Returns
    -------
    Scene or ObjectScene
    """
    if name not in _BUILDERS:
        raise ValueError(f"unknown scene {name!r}; available scenes are {names()}")
    builder = _BUILDERS[name]
    accepted = [p for p in inspect.signature(builder).parameters if p != "resolution"]
    unknown = [key for key in options if key not in accepted]
    if unknown:
        raise ValueError(f"scene {name!r}: unknown option(s) {unknown}; its options are {accepted}")
    return builder(resolution=resolution, **options)


__all__ = ["Factor", "Pairs", "RandomScene", "Sample", "Scene", "custom", "load", "load_dataset", "names",
           "random_scene", "save_dataset"]
