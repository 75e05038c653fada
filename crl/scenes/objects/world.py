"""Object scene values as arrays, and their computation from noise under interventions.

A `World` holds, for n images with up to K objects each, the light (n,), every attribute (n, K)
and which objects are present (n, K). `propagate` evaluates the spec's mechanisms object by object
in draw order. Given a `base` world (a counterfactual), every value that no intervention reaches
keeps its base value exactly; the reached ones (the intervened values and their descendants,
including objects whose previous object changed because one was removed) are recomputed from the
same noise.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from crl.scenes.objects.spec import PREFIX, ObjectSpec


@dataclass
class World:
    """Values of the light (n,), the attributes (each (n, K), NaN where absent) and presence (n, K)."""

    light: np.ndarray
    attributes: dict[str, np.ndarray]
    present: np.ndarray


@dataclass
class Noise:
    """The exogenous U(0, 1) variables: the light's (n,), the object count's (n,) and each attribute's (n, K)."""

    light: np.ndarray
    count: np.ndarray
    attributes: dict[str, np.ndarray]


@dataclass
class Do:
    """Interventions: a light value per image and attribute values per object; NaN where there is none."""

    light: np.ndarray
    attributes: dict[str, np.ndarray] = field(default_factory=dict)


def draw_noise(spec: ObjectSpec, n: int, max_objects: int, rng: np.random.Generator) -> Noise:
    """Fresh noise for n images (the light's, the count's, then each attribute's, in the spec's order)."""
    light, count = rng.random(n), rng.random(n)
    return Noise(light, count, {a.name: rng.random((n, max_objects)) for a in spec.attributes})


def presence(noise: Noise, min_objects: int, max_objects: int) -> np.ndarray:
    """(n, K) booleans: object k is present when k < the count drawn uniformly from min..max objects."""
    span = max_objects - min_objects + 1
    count = min_objects + np.minimum(np.floor(noise.count * span), span - 1).astype(np.int64)
    return np.arange(max_objects) < count[:, None]


def propagate(spec: ObjectSpec, noise: Noise, present: np.ndarray, do: Do | None = None, base: World | None = None) -> World:
    """The world that `noise` gives under `do`, with the objects in `present`; see the module docstring for `base`.

    `present` must be a subset of ``base.present`` when a base is given (objects can be removed, not added).
    """
    n, count = present.shape
    light = spec.light.clip(noise.light)
    light_hit = np.zeros(n, dtype=bool)
    if do is not None:
        light_hit = ~np.isnan(do.light)
        light = np.where(light_hit, do.light, light)
    if base is not None:
        light = np.where(light_hit, light, base.light)
    values = {a.name: np.full((n, count), np.nan) for a in spec.attributes}
    prev = _Previous({a.name: np.zeros(n) for a in spec.attributes}, {a.name: np.zeros(n, dtype=bool) for a in spec.attributes},
                     np.full(n, -1), np.full(n, -1))
    for k in range(count):
        own, hit = _object(spec, k, noise, prev, {spec.light.name: light}, {spec.light.name: light_hit}, do, base)
        here = present[:, k]
        for name in prev.values:
            values[name][:, k] = np.where(here, own[name], np.nan)
            prev.values[name] = np.where(here, own[name], prev.values[name])
            prev.hit[name] = np.where(here, hit[name], prev.hit[name])
        prev.index = np.where(here, k, prev.index)
        if base is not None:
            prev.base_index = np.where(base.present[:, k], k, prev.base_index)
    return World(light, values, present.copy())


@dataclass
class _Previous:
    """Per image: the previous present object's values, whether an intervention reached them, and its index
    (here and in the base world)."""

    values: dict[str, np.ndarray]
    hit: dict[str, np.ndarray]
    index: np.ndarray
    base_index: np.ndarray


def _object(
    spec: ObjectSpec, k: int, noise: Noise, prev: _Previous, own: dict[str, np.ndarray], hit: dict[str, np.ndarray],
    do: Do | None, base: World | None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Object k's attribute values in every image, and which of them an intervention reached."""
    moved = prev.index != prev.base_index  # the previous object is another one than in the base world
    for attribute in spec.attributes:
        parents, reached = {}, np.zeros(len(moved), dtype=bool)
        for parent in attribute.parents:
            if parent.startswith(PREFIX):
                name = parent[len(PREFIX):]
                parents[parent], reached = prev.values[name], reached | prev.hit[name] | moved
            else:
                parents[parent], reached = own[parent], reached | hit[parent]
        value = attribute.factor.clip(attribute.mechanism(parents, prev.index >= 0, noise.attributes[attribute.name][:, k]))
        if do is not None and attribute.name in do.attributes:
            forced = do.attributes[attribute.name][:, k]
            value = np.where(np.isnan(forced), value, forced)
            reached = reached | ~np.isnan(forced)
        if base is not None:
            value = np.where(reached, value, base.attributes[attribute.name][:, k])
        own[attribute.name], hit[attribute.name] = value, reached
    return own, hit
