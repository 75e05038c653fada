"""Multi-object scenes (Multi-dSprites- and Tetrominoes-like) with masks, an object-level SCM and exact edits.

`crl.scenes.load("multi_sprites")` and `crl.scenes.load("tetrominoes")` build an `ObjectScene`;
`read_objects` reads object attributes back from images and masks.
"""
from __future__ import annotations

from crl.scenes.objects.oracle import read_objects
from crl.scenes.objects.sample import ObjectSample
from crl.scenes.objects.scene import ObjectScene
from crl.scenes.objects.spec import object_spec
from crl.scenes.scene import check_resolution


def _check_counts(min_objects: int, max_objects: int) -> tuple[int, int]:
    for name, value in (("min_objects", min_objects), ("max_objects", max_objects)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if min_objects > max_objects:
        raise ValueError(f"min_objects ({min_objects}) must not exceed max_objects ({max_objects})")
    return min_objects, max_objects


def multi_sprites(resolution: int = 64, min_objects: int = 2, max_objects: int = 6, causal: bool = False) -> ObjectScene:
    """Multi-dSprites-like: 2..6 turned squares, ellipses and hearts of any hue and size, lit by one light.

    ``causal=True`` adds size -> y and the relations prev_x -> x and prev_hue -> hue between consecutive
    objects (see `crl.scenes.objects.spec`).
    """
    low, high = _check_counts(min_objects, max_objects)
    return ObjectScene("multi_sprites", object_spec("multi_sprites", bool(causal)), check_resolution(resolution), low, high)


def tetrominoes(resolution: int = 64, min_objects: int = 2, max_objects: int = 6, causal: bool = False) -> ObjectScene:
    """Tetrominoes-like: 2..6 of the seven tetromino pieces in quarter turns, any hue and size, lit by one light."""
    low, high = _check_counts(min_objects, max_objects)
    return ObjectScene("tetrominoes", object_spec("tetrominoes", bool(causal)), check_resolution(resolution), low, high)


__all__ = ["ObjectSample", "ObjectScene", "multi_sprites", "read_objects", "tetrominoes"]
