"""What an object scene hands out, and the conversion between its tables and arrays.

Tables: ``factors`` (one row per image: light and the object count), ``objects`` (one row per image
and present object: ``image``, ``object`` (1-based draw order, the label in the masks), every
attribute, ``pixels`` visible and ``visibility`` = visible / drawn-alone pixels) and ``noise`` (one
row per image: ``light``, ``count`` and one column ``<attr>[k]`` per attribute and object slot).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crl.scenes.objects.spec import ObjectSpec
from crl.scenes.objects.world import Noise, World
from crl.scenes.samples import Sample


@dataclass
class ObjectSample(Sample):
    """A `Sample` with instance masks and the long object table.

    Attributes
    ----------
    masks : numpy.ndarray
        int32 (N, H, W): 0 background, k object k (1-based in draw order), occlusion respected.
    objects : pandas.DataFrame
        One row per image and object (see the module docstring).
    """

    masks: np.ndarray
    objects: pd.DataFrame


def noise_column(name: str, k: int) -> str:
    """The noise column of attribute `name` for object k (1-based)."""
    return f"{name}[{k}]"


def noise_table(spec: ObjectSpec, noise: Noise) -> pd.DataFrame:
    columns: dict[str, np.ndarray] = {"light": noise.light, "count": noise.count}
    for attribute in spec.attributes:
        block = noise.attributes[attribute.name]
        columns.update({noise_column(attribute.name, k + 1): block[:, k] for k in range(block.shape[1])})
    return pd.DataFrame(columns)


def read_noise(spec: ObjectSpec, table: pd.DataFrame, max_objects: int, n: int) -> Noise:
    """The noise arrays of a noise table, or a ValueError naming the missing columns."""
    names = {a.name: [noise_column(a.name, k + 1) for k in range(max_objects)] for a in spec.attributes}
    expected = ["light", "count", *(c for block in names.values() for c in block)]
    missing = [c for c in expected if c not in table.columns]
    if missing or len(table) != n:
        raise ValueError(f"sample.noise must have {n} rows and the columns {expected[:4]}...; missing {missing[:6]}")
    attributes = {a: table[cols].to_numpy(dtype=np.float64) for a, cols in names.items()}
    return Noise(table["light"].to_numpy(dtype=np.float64), table["count"].to_numpy(dtype=np.float64), attributes)


def tables(spec: ObjectSpec, world: World, visible: np.ndarray, alone: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The factor table and the long object table of a world, given visible and lone pixel counts (n, K)."""
    image, slot = np.nonzero(world.present)
    factors = pd.DataFrame({"light": world.light, "count": world.present.sum(axis=1).astype(np.int64)})
    objects = pd.DataFrame({"image": image.astype(np.int64), "object": slot.astype(np.int64) + 1})
    for attribute in spec.attributes:
        column = world.attributes[attribute.name][image, slot]
        objects[attribute.name] = column.astype(np.int64) if attribute.factor.is_categorical else column
    objects["pixels"] = visible[image, slot].astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        objects["visibility"] = np.where(alone[image, slot] > 0, visible[image, slot] / alone[image, slot], 0.0)
    return factors, objects


def read_world(spec: ObjectSpec, sample: ObjectSample, max_objects: int) -> World:
    """The arrays behind a sample's tables (values are checked against each attribute's range)."""
    n = len(sample.images)
    objects = sample.objects
    missing = [c for c in ("image", "object", *(a.name for a in spec.attributes)) if c not in objects.columns]
    if missing or "light" not in sample.factors.columns or len(sample.factors) != n:
        raise ValueError(f"sample: objects table lacks columns {missing} or factors do not have 'light' and {n} rows")
    image = objects["image"].to_numpy(dtype=np.int64)
    slot = objects["object"].to_numpy(dtype=np.int64) - 1
    if image.size and (image.min() < 0 or image.max() >= n or slot.min() < 0 or slot.max() >= max_objects):
        raise ValueError(f"sample.objects: image must be in 0..{n - 1} and object in 1..{max_objects}")
    present = np.zeros((n, max_objects), dtype=bool)
    present[image, slot] = True
    attributes = {}
    for attribute in spec.attributes:
        block = np.full((n, max_objects), np.nan)
        block[image, slot] = attribute.factor.check_values(objects[attribute.name], f"sample.objects[{attribute.name!r}]")
        attributes[attribute.name] = block
    light = spec.light.check_values(sample.factors["light"], "sample.factors['light']")
    return World(light, attributes, present)
