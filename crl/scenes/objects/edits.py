"""Checking and reading the interventions and object edits an object scene takes, before any work."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from crl.scenes.interventions import read_do
from crl.scenes.objects.spec import ObjectSpec
from crl.scenes.objects.world import Do


def scene_do(spec: ObjectSpec, do: Any, n: int, max_objects: int, rng: np.random.Generator) -> Do:
    """A ``do=`` dict over the light and attributes (an attribute's value is set on every object) as arrays.

    Values are hard values or `scm.Soft` draws (one per image); shifts are refused.
    """
    factors = [spec.light, *(a.factor for a in spec.attributes)]
    arrays = read_do(do, factors, n, rng)
    shifted = [f.name for j, f in enumerate(factors) if np.any(arrays.shift[:, j])]
    if shifted:
        raise ValueError(f"do: object scenes take values and Soft draws, not shifts; got a shift on {shifted}")
    attributes = {
        factor.name: np.repeat(arrays.values[:, j + 1, None], max_objects, axis=1)
        for j, factor in enumerate(factors[1:]) if factor.name in do
    }
    return Do(arrays.values[:, 0], attributes)


def select_images(image: Any, n: int) -> np.ndarray:
    """Row positions from ``image`` (None = all, an int, or a sequence of ints), checked against n images."""
    if image is None:
        return np.arange(n)
    rows = np.atleast_1d(np.asarray(image))
    if rows.ndim != 1 or rows.size == 0 or rows.dtype.kind not in "iu":
        raise ValueError(f"image must be None, an integer or a non-empty list of integers, got {image!r}")
    bad = rows[(rows < 0) | (rows >= n)]
    if bad.size:
        raise ValueError(f"image: {bad.tolist()} out of range; the sample has images 0..{n - 1}")
    return rows.astype(np.int64)


def object_do(
    spec: ObjectSpec, present: np.ndarray, rows: np.ndarray, object: Any, remove: Any, set: Any
) -> tuple[int, Do]:
    """Check an edit of object ``object`` (1-based) in images ``rows`` and return its slot and its do-arrays."""
    n, max_objects = present.shape
    if isinstance(object, bool) or not isinstance(object, (int, np.integer)) or not 1 <= object <= max_objects:
        raise ValueError(f"object must be an integer in 1..{max_objects} (the label in the masks), got {object!r}")
    slot = int(object) - 1
    lacking = rows[~present[rows, slot]]
    if lacking.size:
        raise ValueError(f"object {object}: image(s) {lacking[:10].tolist()} do not have object {object}")
    if not isinstance(remove, bool):
        raise ValueError(f"remove must be True or False, got {remove!r}")
    if set is not None and (not isinstance(set, Mapping) or not set):
        raise ValueError(f"set must be a non-empty dict {{attribute: value}}, got {set!r}")
    if remove == (set is not None):
        raise ValueError("edit takes exactly one of remove=True or set={attribute: value}")
    by_name = {a.name: a.factor for a in spec.attributes}
    unknown = [name for name in (set or {}) if name not in by_name]
    if unknown:
        raise ValueError(f"set: unknown attribute(s) {unknown}; the objects' attributes are {list(by_name)}")
    do = Do(np.full(len(rows), np.nan))
    for name, value in (set or {}).items():
        column = np.full((len(rows), max_objects), np.nan)
        column[:, slot] = by_name[name].coerce(value, f"set[{name!r}]")
        do.attributes[name] = column
    return slot, do
