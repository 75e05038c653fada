"""The renderer of random scenes: objects in their quadrants, their shadows, a striped background.

Geometry, in units of a quadrant's side c = resolution / 2: an object's bounding radius is at most R_MAX c
(size 1), its shadow is the same shape offset by SHADOW c away from the light, and its centre travels over the
part of its quadrant that keeps object and shadow PAD c away from the quadrant's edges. So objects never overlap
one another or the image border, whatever the factors' values, and every object attribute stays visible.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from crl.scenes import raster
from crl.scenes.factors import Factor
from crl.scenes.random.layout import Layout, SceneObject

R_MAX, SHADOW, PAD = 0.22, 0.08, 0.07
X_MARGIN = R_MAX + SHADOW * np.cos(np.pi / 4) + PAD  # the light spans 45..135 degrees: shadows shift sideways by <= cos 45
TOP_MARGIN, BOTTOM_MARGIN = R_MAX + PAD, R_MAX + SHADOW + PAD  # shadows fall downward
BOX_HALF = (0.84, 0.52)  # a rectangle's half sides, in units of r (its corners lie within r)
ELLIPSE_MINOR = 0.55
HEART_SIDE = 1.08  # a heart of side s reaches 0.913 s from its centre of area
SATURATION, SHADOW_ALPHA, STRIPE_AMPLITUDE = 0.8, 0.45, 0.07


def colour(hue: np.ndarray, value: np.ndarray) -> np.ndarray:
    """RGB in [0, 1] (N, 3) from a hue on the red-green-blue arc (0..1: two thirds of the hue circle) and HSV value.

    Only two thirds of the circle are used so that the two ends of a hue factor's range look different.
    """
    k = (4.0 * np.asarray(hue)[:, None] + np.array([5.0, 3.0, 1.0])) % 6.0
    return np.asarray(value)[:, None] * (1.0 - SATURATION * np.clip(np.minimum(k, 4.0 - k), 0.0, 1.0))


def _distance(kind: str, region: raster.Region, cx: np.ndarray, cy: np.ndarray, r: np.ndarray, angle: np.ndarray) -> np.ndarray:
    if kind == "disk":
        return raster.disc_sdf(region, cx, cy, r)
    if kind == "box":
        return raster.box_sdf(region, cx, cy, BOX_HALF[0] * r, BOX_HALF[1] * r, angle)
    if kind == "ellipse":
        return raster.ellipse_sdf(region, cx, cy, r, ELLIPSE_MINOR * r, angle)
    return raster.heart_sdf(region, cx, cy, HEART_SIDE * r, angle)


class Renderer:
    """render(values, resolution) -> uint8 images (N, H, W, 3) for a layout; values are factor arrays by name.

    Parameters
    ----------
    layout : Layout
        Objects, fixed attribute values and the drives from factors to attributes.
    factors : list of Factor
        The scene's factors, whose ranges map factor values to attribute values.
    """

    def __init__(self, layout: Layout, factors: list[Factor]) -> None:
        self.layout = layout
        self._factors = {factor.name: factor for factor in factors}

    def attributes(self, values: Mapping[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
        """Every attribute's value per image: fixed ones broadcast, driven ones mapped linearly from their factor."""
        out = {target: np.full(n, value) for target, value in self.layout.fixed.items()}
        for drive in self.layout.drives:
            factor = self._factors[drive.factor]
            position = (np.asarray(values[drive.factor], np.float64) - factor.low) / (factor.high - factor.low)
            out[drive.target] = drive.low + position * (drive.high - drive.low)
        return out

    def _background(self, a: dict[str, np.ndarray], n: int, size: int) -> np.ndarray:
        xs = (np.arange(size) + 0.5) / size
        stripes = STRIPE_AMPLITUDE * np.sin(2 * np.pi * a["stripes"][:, None] * xs + self.layout.stripe_phase)
        images = np.empty((3, n, size, size), np.float32)
        for c in range(3):
            images[c] = (a["background"][:, None] * self.layout.tint[c] + stripes)[:, None, :]
        return images

    def _place(self, obj: SceneObject, a: dict[str, np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Centre (x, y) and bounding radius r of an object, in pixels."""
        c = size / 2
        left, top = (obj.cell % 2) * c, (obj.cell // 2) * c
        cx = left + c * (X_MARGIN + a[f"{obj.label}.x"] * (1 - 2 * X_MARGIN))
        cy = top + c * (TOP_MARGIN + a[f"{obj.label}.y"] * (1 - TOP_MARGIN - BOTTOM_MARGIN))
        return cx, cy, R_MAX * c * a[f"{obj.label}.size"]

    def _draw(self, images: np.ndarray, obj: SceneObject, a: dict[str, np.ndarray], shift: tuple[np.ndarray, np.ndarray]) -> None:
        """Darken an object's shadow (the object's shape moved by `shift` pixels), then paint the object over it."""
        size = images.shape[-1]
        cx, cy, r = self._place(obj, a, size)
        angle = np.deg2rad(a.get(f"{obj.label}.angle", np.zeros_like(cx)))
        sx, sy = cx + shift[0], cy + shift[1]
        reach = r + 1.0
        region = raster.crop(size, np.minimum(cx, sx) - reach, np.maximum(cx, sx) + reach, cy - reach, sy + reach)
        shade = raster.coverage(_distance(obj.kind, region, sx, sy, r, angle))
        assert region.crop is not None  # raster.crop always sets it
        row0, row1, col0, col1 = region.crop
        images[:, :, row0:row1, col0:col1] *= np.float32(1.0) - np.float32(SHADOW_ALPHA) * shade
        alpha = raster.coverage(_distance(obj.kind, region, cx, cy, r, angle))
        raster.paint(images, region, alpha, colour(a[f"{obj.label}.hue"], a[f"{obj.label}.brightness"]))

    def __call__(self, values: Mapping[str, np.ndarray], size: int) -> np.ndarray:
        n = len(next(iter(values.values())))
        a = self.attributes(values, n)
        images = self._background(a, n, size)
        light = np.deg2rad(a["light"])
        shift = (-SHADOW * size / 2 * np.cos(light), SHADOW * size / 2 * np.sin(light))
        for obj in self.layout.objects:
            self._draw(images, obj, a, shift)
        return raster.to_uint8(images)
