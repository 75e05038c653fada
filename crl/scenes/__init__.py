"""Procedural scenes with a known causal model: sample, intervene, counterfactual, pairs and labels.

`load(name)` builds a built-in scene; `custom(graph, mechanisms, render, factors)` builds your own.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable

from crl.scenes import flow as _flow, pendulum as _pendulum, sprites as _sprites
from crl.scenes.dataset import load_dataset, save_dataset
from crl.scenes.factors import Factor
from crl.scenes.scene import Pairs, Sample, Scene, custom

_BUILDERS: dict[str, Callable[..., Scene]] = {
    "causal_sprites": _sprites.causal_sprites,
    "flow": _flow.flow,
    "pendulum": _pendulum.pendulum,
    "sprites": _sprites.sprites,
}


def names() -> list[str]:
    """Names of the built-in scenes, sorted."""
    return sorted(_BUILDERS)


def load(name: str, resolution: int = 64, **options: Any) -> Scene:
    """Build the built-in scene `name` at `resolution` (a positive multiple of 16), with scene-specific options."""
    if name not in _BUILDERS:
        raise ValueError(f"unknown scene {name!r}; available scenes are {names()}")
    builder = _BUILDERS[name]
    accepted = [p for p in inspect.signature(builder).parameters if p != "resolution"]
    unknown = [key for key in options if key not in accepted]
    if unknown:
        raise ValueError(f"scene {name!r}: unknown option(s) {unknown}; its options are {accepted}")
    return builder(resolution=resolution, **options)


__all__ = ["Factor", "Pairs", "Sample", "Scene", "custom", "load", "load_dataset", "names", "save_dataset"]
