"""`ObjectScene`: images of several objects with depth order, their masks, and exact object-level counterfactuals.

It keeps the `Scene` interface where it means the same thing (sample, intervene and counterfactual
on the scene factor ``light`` or on an attribute of every object, render, labels of the scene
factors) and adds `edit` (remove, move or change one object) and `pooled` (the table discovery is
scored on against `graph`). `sample_pairs` is refused: pairs of object scenes are not defined yet.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from crl.scenes.factors import Factor
from crl.scenes.labels import make_labels
from crl.scenes.objects.edits import object_do, scene_do, select_images
from crl.scenes.objects.render import draw, visible_pixels
from crl.scenes.objects.sample import ObjectSample, noise_table, read_noise, read_world, tables
from crl.scenes.objects.spec import PREFIX, ObjectSpec
from crl.scenes.objects.world import Noise, World, draw_noise, presence, propagate
from crl.scenes.scene import check_count, seeded_rng


class ObjectScene:
    """A procedural scene of 2D objects with a known SCM over a scene factor and per-object attributes.

    Parameters
    ----------
    name : str
        The scene's name.
    spec : ObjectSpec
        The kind of objects, their attributes and mechanisms (`crl.scenes.objects.spec`).
    resolution : int
        Image side in pixels.
    min_objects, max_objects : int
        Each image has a uniform number of objects in this range.

    Attributes
    ----------
    graph : networkx.DiGraph
        The causal graph pooled over objects, over `pooled`'s columns (see `crl.scenes.objects.spec`).
    factors : list of Factor
        The scene-level factors (``light``); `attributes` the per-object ones.
    """

    channels = 3

    def __init__(self, name: str, spec: ObjectSpec, resolution: int, min_objects: int, max_objects: int) -> None:
        self.name = name
        self.spec = spec
        self.resolution = resolution
        self.min_objects = min_objects
        self.max_objects = max_objects
        self.graph = spec.graph()
        self.factors: list[Factor] = [spec.light]
        self.factor_names = [spec.light.name]
        self.attributes: list[Factor] = [a.factor for a in spec.attributes]
        self.attribute_names = [a.name for a in spec.attributes]

    def __repr__(self) -> str:
        edges = ", ".join(f"{a}->{b}" for a, b in self.graph.edges)
        return (f"ObjectScene({self.name!r}, objects={self.min_objects}..{self.max_objects}, edges=[{edges}], "
                f"resolution={self.resolution})")

    # ----------------------------------------------------------------------------- core
    def _make(self, world: World, noise: Noise) -> ObjectSample:
        images, masks, alone = draw(self.spec.kind, world, self.resolution)
        factors, objects = tables(self.spec, world, visible_pixels(masks, self.max_objects), alone)
        return ObjectSample(images, factors, noise_table(self.spec, noise), masks, objects)

    def _read(self, sample: Any) -> tuple[World, Noise]:
        if not isinstance(sample, ObjectSample):
            raise ValueError(f"sample must be an ObjectSample (from sample, intervene or edit), got {type(sample).__name__}")
        size = self.resolution
        if sample.images.shape[1:] != (size, size, 3) or sample.masks.shape != sample.images.shape[:3]:
            raise ValueError(f"sample: images {sample.images.shape} and masks {sample.masks.shape} must be "
                             f"(N, {size}, {size}, 3) and (N, {size}, {size})")
        world = read_world(self.spec, sample, self.max_objects)
        return world, read_noise(self.spec, sample.noise, self.max_objects, len(sample.images))

    # ----------------------------------------------------------------------------- public API
    def sample(self, n: int, seed: int = 0) -> ObjectSample:
        """Draw observational images with masks, scene factors, the object table and the noise behind them."""
        n = check_count(n)
        noise = draw_noise(self.spec, n, self.max_objects, seeded_rng(seed))
        present = presence(noise, self.min_objects, self.max_objects)
        return self._make(propagate(self.spec, noise, present), noise)

    def intervene(self, do: Mapping[str, Any], n: int, seed: int = 0) -> ObjectSample:
        """Samples under ``do`` on ``light`` and/or attributes (an attribute's value is set on every object).

        The same seed shares its noise with `sample`; descendants are recomputed by their mechanisms.
        """
        n = check_count(n)
        rng = seeded_rng(seed)
        noise = draw_noise(self.spec, n, self.max_objects, rng)
        arrays = scene_do(self.spec, do, n, self.max_objects, rng)
        return self._make(propagate(self.spec, noise, presence(noise, self.min_objects, self.max_objects), arrays), noise)

    def counterfactual(self, sample: ObjectSample, do: Mapping[str, Any], seed: int = 0) -> ObjectSample:
        """The true counterfactual of every image of `sample` under ``do`` (as in `intervene`), with its own noise.

        Values no intervention reaches keep their value in `sample` exactly; ``seed`` seeds Soft draws only.
        """
        world, noise = self._read(sample)
        arrays = scene_do(self.spec, do, len(sample), self.max_objects, seeded_rng(seed))
        return self._make(propagate(self.spec, noise, world.present, arrays, base=world), noise)

    def edit(
        self, sample: ObjectSample, object: int, image: Any = None, remove: bool = False,
        set: Mapping[str, Any] | None = None,
    ) -> ObjectSample:
        """The true counterfactual of an object edit: remove object k, or set some of its attributes.

        Descendants are recomputed from the same noise (e.g. shade after a move, and under ``causal=True`` the
        next object's x or hue); everything else stays as it was. Object labels are kept: a removed object's
        label disappears from the masks and its row from the object table.

        Parameters
        ----------
        sample : ObjectSample
            Images from this scene.
        object : int
            The object's label (1-based draw order); every selected image must have it.
        image : int, sequence of int or None
            The images to edit (None: all).
        remove : bool
            Remove the object.
        set : Mapping[str, Any], optional
            Attribute -> value, e.g. ``{"x": 0.3}`` to move it or ``{"hue": 0.5}`` to recolour it.

        Returns
        -------
        ObjectSample
            One row per selected image, in the order given, renumbered from 0.
        """
        world, noise = self._read(sample)
        rows = select_images(image, len(sample))
        slot, do = object_do(self.spec, world.present, rows, object, remove, set)
        world, noise = _rows(world, noise, rows)
        present = world.present.copy()
        if remove:
            present[:, slot] = False
        return self._make(propagate(self.spec, noise, present, do, base=world), noise)

    def render(self, objects: pd.DataFrame, n: int | None = None) -> np.ndarray:
        """Images (n, H, W, 3) for an object table (``image``, ``object`` and every attribute; light is not drawn).

        ``n`` defaults to one more than the largest image index.
        """
        if not isinstance(objects, pd.DataFrame) or "image" not in objects.columns:
            columns = ", ".join(["image", "object", *self.attribute_names])
            raise ValueError(f"objects must be a DataFrame like sample.objects, with columns {columns}")
        count = check_count(n if n is not None or not len(objects) else int(objects["image"].max()) + 1, "n")
        holder = ObjectSample(np.zeros((count, 0, 0, 3), np.uint8), pd.DataFrame({"light": np.zeros(count)}),
                              pd.DataFrame(), np.zeros((count, 0, 0), np.int32), objects)
        images, _, _ = draw(self.spec.kind, read_world(self.spec, holder, self.max_objects), self.resolution)
        return images

    def labels(self, sample: ObjectSample | pd.DataFrame, n: int = 100, mode: str = "exact", seed: int = 0,
               **options: Any) -> pd.DataFrame:
        """A few labels of the scene factors for rows of `sample` (see `crl.scenes.Scene.labels`)."""
        table = sample.factors if isinstance(sample, ObjectSample) else sample
        if not isinstance(table, pd.DataFrame) or "light" not in table.columns:
            raise ValueError("sample must be an ObjectSample or its factors table (with a 'light' column)")
        return make_labels(table[self.factor_names], self.factors, n=n, mode=mode, seed=seed, **options)

    def sample_pairs(self, n: int, k: int | str = 1, seed: int = 0, mode: str = "noise") -> NoReturn:
        """Refused: weakly supervised pairs are not defined for object scenes (use `edit` for paired images)."""
        raise NotImplementedError(f"sample_pairs is not defined for the object scene {self.name!r}; use edit or counterfactual")

    def pooled(self, sample: ObjectSample) -> pd.DataFrame:
        """One row per object with the columns of `graph`: discovery over it is scored against `graph`.

        ``prev_<attr>`` columns hold the previous object's values; under ``causal=True`` objects without a
        previous object (the first one of each image) are left out.
        """
        world, _ = self._read(sample)
        objects = sample.objects
        table = pd.DataFrame({"light": world.light[objects["image"].to_numpy()]})
        for name in self.attribute_names:
            table[name] = objects[name].to_numpy()
        previous = [node for node in self.graph if node.startswith(PREFIX)]
        if previous:
            first = objects.groupby("image")["object"].transform("min").to_numpy() == objects["object"].to_numpy()
            shifted = objects.groupby("image")[[p[len(PREFIX):] for p in previous]].shift(1)
            for node in previous:
                table[node] = shifted[node[len(PREFIX):]].to_numpy()
            table = table[~first]
        return table[list(self.graph.nodes)].reset_index(drop=True)


def _rows(world: World, noise: Noise, rows: np.ndarray) -> tuple[World, Noise]:
    """The world and noise of the images at `rows`."""
    return (World(world.light[rows], {a: v[rows] for a, v in world.attributes.items()}, world.present[rows]),
            Noise(noise.light[rows], noise.count[rows], {a: v[rows] for a, v in noise.attributes.items()}))

