"""Drawing object scenes: objects painted back to front with anti-aliased edges, and their instance masks.

Objects are drawn in order (object 1 first, so later objects occlude earlier ones), each batch of
objects in one small window per image (`crl.scenes.raster.windows`). A pixel belongs to the mask of
the topmost object covering at least half of it; 0 is the background. Colour is HSV with the
object's hue, a fixed saturation and its shade as value, on a black background.
"""
from __future__ import annotations

import numpy as np

from crl.scenes import raster
from crl.scenes.objects.spec import QUARTER_TURNS, SIZE, TETROMINO_SHAPES
from crl.scenes.objects.world import World
from crl.scenes.sprites import SHAPES as SPRITE_SHAPES
from crl.scenes.sprites import shape_distance

RADIUS = 0.14  # bounding radius of a size-1 sprite, and half the length of a size-1 I piece, as a fraction of the side
CELL = RADIUS / 2  # side of a tetromino cell at size 1, as a fraction of the image side
SATURATION = 0.85
CHUNK = 512  # images drawn per batch, so window buffers stay small whatever n is

# cells (column, row) of each tetromino, turned by quarter turns and centred on its centre of area
_PIECES = {
    "I": [(0, 0), (1, 0), (2, 0), (3, 0)], "O": [(0, 0), (1, 0), (0, 1), (1, 1)], "T": [(0, 0), (1, 0), (2, 0), (1, 1)],
    "S": [(1, 0), (2, 0), (0, 1), (1, 1)], "Z": [(0, 0), (1, 0), (1, 1), (2, 1)], "J": [(1, 0), (1, 1), (1, 2), (0, 2)],
    "L": [(0, 0), (0, 1), (0, 2), (1, 2)],
}


def _piece_offsets() -> np.ndarray:
    """(shapes, turns, 4 cells, 2) cell centres relative to the piece's centre of area, in cell units."""
    table = np.empty((len(TETROMINO_SHAPES), len(QUARTER_TURNS), 4, 2))
    for s, name in enumerate(TETROMINO_SHAPES):
        cells = np.asarray(_PIECES[name], dtype=np.float64)
        cells = cells - cells.mean(axis=0)
        for turn in range(len(QUARTER_TURNS)):
            table[s, turn] = cells
            cells = np.stack([-cells[:, 1], cells[:, 0]], axis=1)
    return table


OFFSETS = _piece_offsets()


def hsv_to_rgb(hue: np.ndarray, saturation: float, value: np.ndarray) -> np.ndarray:
    """RGB colours (n, 3) in [0, 1] from hues in [0, 1), one saturation and values (n,)."""
    k = (np.array([5.0, 3.0, 1.0]) + 6.0 * np.asarray(hue)[:, None]) % 6.0
    ramp = np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0)
    return np.asarray(value)[:, None] * (1.0 - saturation * ramp)


def _alpha(kind: str, region: raster.Region, values: dict[str, np.ndarray], size: int) -> np.ndarray:
    """Coverage in [0, 1] of the objects whose values are given (all of one sprite shape, or tetrominoes).

    A tetromino's coverage is the sum of its four cells' exact box-filtered coverages (disjoint cells add up),
    so no seam shows between cells.
    """
    cx, cy = values["x"] * size, values["y"] * size
    if kind == "tetrominoes":
        cell = CELL * size * values["size"]
        offsets = OFFSETS[values["shape"].astype(np.int64), values["orientation"].astype(np.int64)]
        total = sum(raster.rect(region, cx + offsets[:, c, 0] * cell, cy + offsets[:, c, 1] * cell, cell / 2, cell / 2)
                    for c in range(4))
        return np.minimum(total, np.float32(1.0))
    radius, angle = RADIUS * size * values["size"], values["orientation"]
    return raster.coverage(shape_distance(kind, region, cx, cy, radius, angle))


def _batches(kind: str, world: World, k: int) -> list[tuple[str, np.ndarray]]:
    """(shape kind, image rows) of the batches object k is drawn in: one per sprite shape, one for tetrominoes."""
    rows = np.flatnonzero(world.present[:, k])
    if kind == "tetrominoes":
        return [("tetrominoes", rows)]
    shape = world.attributes["shape"][rows, k]
    return [(name, rows[shape == code]) for code, name in enumerate(SPRITE_SHAPES)]


def draw(kind: str, world: World, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Images uint8 (n, size, size, 3), masks int32 (n, size, size) and each object's pixel count drawn alone (n, K)."""
    n, count = world.present.shape
    images = np.empty((n, size, size, 3), dtype=np.uint8)
    masks = np.zeros((n, size, size), dtype=np.int32)
    alone = np.zeros((n, count), dtype=np.int64)
    for start in range(0, n, CHUNK):
        stop = min(n, start + CHUNK)
        part = World(world.light[start:stop], {a: v[start:stop] for a, v in world.attributes.items()},
                     world.present[start:stop])
        images[start:stop] = _draw_chunk(kind, part, size, masks[start:stop], alone[start:stop])
    return images, masks, alone


def _draw_chunk(kind: str, world: World, size: int, masks: np.ndarray, alone: np.ndarray) -> np.ndarray:
    """Paint one chunk of images, writing its masks and lone pixel counts in place."""
    n, count = world.present.shape
    canvas = raster.canvas(n, np.zeros((size, size, 3), np.float32))
    flat_masks = masks.reshape(-1)
    half = RADIUS * size * SIZE[1] + 1.0
    for k in range(count):
        for shape, rows in _batches(kind, world, k):
            if not len(rows):
                continue
            values = {name: column[rows, k] for name, column in world.attributes.items()}
            region = raster.windows(size, values["x"] * size, values["y"] * size, half, index=rows)
            alpha = _alpha(shape, region, values, size)
            raster.paint(canvas, region, alpha, hsv_to_rgb(values["hue"], SATURATION, values["shade"]))
            inside = alpha >= 0.5
            assert region.flat is not None  # windows always carry flat indices
            flat_masks[region.flat[inside]] = k + 1
            alone[rows, k] = inside.reshape(len(rows), -1).sum(axis=1)
    return raster.to_uint8(canvas)


def visible_pixels(masks: np.ndarray, count: int) -> np.ndarray:
    """(n, count) visible pixels of objects 1..count per image, from instance masks (n, H, W)."""
    n = len(masks)
    labels = masks.reshape(n, -1).astype(np.int64) + (count + 1) * np.arange(n)[:, None]
    return np.bincount(labels.ravel(), minlength=n * (count + 1)).reshape(n, count + 1)[:, 1:]
