"""Vectorised anti-aliased drawing on batches of images, in numpy.

Shapes are signed distance fields evaluated at pixel centres for a whole batch at once;
coverage = clip(0.5 - distance, 0, 1) (distance in pixels) approximates the fraction of each
pixel the shape covers, which anti-aliases edges without supersampling. Coordinates are in
pixels: x to the right, y downward, pixel (i, j) has its centre at (j + 0.5, i + 0.5). Shape
parameters are scalars or arrays of shape (N,), one value per image.

Work is confined to a `Region`: the whole image, one crop shared by the batch (the union of the
shapes' bounding boxes), or one small window per image (for shapes that roam the whole image).
Canvases are float32, channels first (3, N, H, W), so painting runs over long contiguous rows.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ArrayLike = float | np.ndarray


def _per_image(value: ArrayLike) -> np.ndarray:
    """A parameter as float32 of shape (N, 1, 1) (or (1, 1, 1) for a scalar), ready to broadcast over pixels."""
    return np.asarray(value, dtype=np.float32).reshape(-1, 1, 1)


@dataclass(frozen=True)
class Region:
    """Pixels a shape is evaluated on: centres xs (N|1, 1, w) and ys (N|1, h, 1).

    `crop` (row0, row1, col0, col1) marks a crop shared by all images; `flat` holds, for per-image
    windows, the flat index of each window pixel into a (N, H, W) channel.
    """

    xs: np.ndarray
    ys: np.ndarray
    crop: tuple[int, int, int, int] | None = None
    flat: np.ndarray | None = None


def _centres(start: int | np.ndarray, count: int) -> np.ndarray:
    return (np.asarray(start, np.float32).reshape(-1, 1) + np.arange(count, dtype=np.float32) + np.float32(0.5))


def full(size: int) -> Region:
    """The whole image."""
    return crop(size, 0.0, float(size), 0.0, float(size))


def crop(size: int, x_min: ArrayLike, x_max: ArrayLike, y_min: ArrayLike, y_max: ArrayLike) -> Region:
    """The smallest pixel crop, shared by the batch, holding every given box (bounds may be per image)."""
    col0 = int(np.clip(np.floor(np.min(x_min)) - 1, 0, size))
    col1 = int(np.clip(np.ceil(np.max(x_max)) + 1, col0, size))
    row0 = int(np.clip(np.floor(np.min(y_min)) - 1, 0, size))
    row1 = int(np.clip(np.ceil(np.max(y_max)) + 1, row0, size))
    xs = _centres(col0, col1 - col0).reshape(1, 1, -1)
    ys = _centres(row0, row1 - row0).reshape(1, -1, 1)
    return Region(xs, ys, crop=(row0, row1, col0, col1))


def around(size: int, cx: ArrayLike, cy: ArrayLike, rx: ArrayLike, ry: ArrayLike | None = None) -> Region:
    """The shared crop holding boxes of half-sizes (rx, ry) (ry defaults to rx) around each image's (cx, cy)."""
    cx, cy, rx = np.asarray(cx), np.asarray(cy), np.asarray(rx)
    ry = rx if ry is None else np.asarray(ry)
    return crop(size, cx - rx, cx + rx, cy - ry, cy + ry)


def windows(size: int, cx: np.ndarray, cy: np.ndarray, half: float, index: np.ndarray | None = None) -> Region:
    """One square window of side 2 * half + 2 pixels per image, centred on (cx, cy) and kept inside the image.

    `index` gives each window's image in the batch (default 0..N-1).
    """
    side = min(size, int(np.ceil(2 * half)) + 2)
    cx, cy = np.asarray(cx, np.float64), np.asarray(cy, np.float64)
    col0 = np.clip(np.floor(cx - side / 2), 0, size - side).astype(np.int64)
    row0 = np.clip(np.floor(cy - side / 2), 0, size - side).astype(np.int64)
    index = np.arange(len(cx)) if index is None else np.asarray(index, np.int64)
    steps = np.arange(side)
    flat = (index[:, None, None] * size + row0[:, None, None] + steps[None, :, None]) * size + col0[:, None, None] + steps
    return Region(_centres(col0, side)[:, None, :], _centres(row0, side)[:, :, None], flat=flat)


def coverage(distance: np.ndarray) -> np.ndarray:
    """Pixel coverage in [0, 1] from a signed distance in pixels (negative inside)."""
    out = np.subtract(np.float32(0.5), distance, dtype=np.float32)
    return np.clip(out, 0.0, 1.0, out=out)


def disc_sdf(region: Region, cx: ArrayLike, cy: ArrayLike, radius: ArrayLike) -> np.ndarray:
    """Signed distance to discs."""
    dx, dy = region.xs - _per_image(cx), region.ys - _per_image(cy)
    return np.sqrt(dx * dx + dy * dy) - _per_image(radius)


def rect(region: Region, cx: ArrayLike, cy: ArrayLike, half_width: ArrayLike, half_height: ArrayLike) -> np.ndarray:
    """Coverage of axis-aligned rectangles: the exact box-filtered area, a product of two 1-D coverages."""
    along_x = np.clip(np.float32(0.5) - (np.abs(region.xs - _per_image(cx)) - _per_image(half_width)), 0.0, 1.0)
    along_y = np.clip(np.float32(0.5) - (np.abs(region.ys - _per_image(cy)) - _per_image(half_height)), 0.0, 1.0)
    return along_x * along_y


def _turned(region: Region, cx: ArrayLike, cy: ArrayLike, angle: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates in a frame centred at (cx, cy), turned counter-clockwise (as seen) by `angle` radians; v points up."""
    dx, dy = region.xs - _per_image(cx), region.ys - _per_image(cy)
    c, s = np.cos(_per_image(angle)), np.sin(_per_image(angle))
    return dx * c - dy * s, -(dx * s + dy * c)


def _box_distance(u: np.ndarray, v: np.ndarray, half_width: np.ndarray, half_height: np.ndarray) -> np.ndarray:
    qx, qy = np.abs(u) - half_width, np.abs(v) - half_height
    outside = np.sqrt(np.maximum(qx, 0.0) ** 2 + np.maximum(qy, 0.0) ** 2)
    return outside + np.minimum(np.maximum(qx, qy), 0.0)


def box_sdf(
    region: Region, cx: ArrayLike, cy: ArrayLike, half_width: ArrayLike, half_height: ArrayLike, angle: ArrayLike
) -> np.ndarray:
    """Signed distance to rectangles turned by `angle` radians."""
    u, v = _turned(region, cx, cy, angle)
    return _box_distance(u, v, _per_image(half_width), _per_image(half_height))


def ellipse_sdf(region: Region, cx: ArrayLike, cy: ArrayLike, a: ArrayLike, b: ArrayLike, angle: ArrayLike) -> np.ndarray:
    """Approximate signed distance to ellipses with semi-axes a (along the turned x axis) and b.

    Uses the first-order estimate k0 (k0 - 1) / k1, exact on the boundary, which is all coverage needs.
    """
    u, v = _turned(region, cx, cy, angle)
    a, b = _per_image(a), _per_image(b)
    k0 = np.sqrt((u / a) ** 2 + (v / b) ** 2)
    k1 = np.sqrt((u / (a * a)) ** 2 + (v / (b * b)) ** 2)
    return k0 * (k0 - 1.0) / np.maximum(k1, np.float32(1e-6))


def heart_sdf(region: Region, cx: ArrayLike, cy: ArrayLike, side: ArrayLike, angle: ArrayLike) -> np.ndarray:
    """Signed distance to hearts: a square of the given side stood on its corner, a half-disc on each upper edge.

    (cx, cy) is the heart's centre of area, so turning or resizing it leaves where it sits in the picture unchanged;
    its outline spans about 1.71 x 1.56 sides, area side^2 (1 + pi / 4).
    """
    u, v = _turned(region, cx, cy, angle)
    side = _per_image(side)
    # centre of area: the diamond weighs side^2 at 0, each outer half-disc pi/8 side^2 at 0.504 sides
    v = v + np.float32(0.2215) * side
    diag = np.float32(np.sqrt(0.5))
    diamond = _box_distance((u + v) * diag, (v - u) * diag, side / 2, side / 2)  # a square in axes turned 45 degrees
    lobe = side * np.float32(0.3536)  # midpoint of each upper edge of the diamond
    lobes = np.sqrt((np.abs(u) - lobe) ** 2 + (v - lobe) ** 2) - side / 2
    return np.minimum(diamond, lobes)


def segment_sdf(region: Region, x0: ArrayLike, y0: ArrayLike, x1: ArrayLike, y1: ArrayLike, width: ArrayLike) -> np.ndarray:
    """Signed distance to line segments of the given width with round caps."""
    px, py = region.xs - _per_image(x0), region.ys - _per_image(y0)
    bx, by = _per_image(x1) - _per_image(x0), _per_image(y1) - _per_image(y0)
    t = np.clip((px * bx + py * by) / np.maximum(bx * bx + by * by, np.float32(1e-9)), 0.0, 1.0)
    ex, ey = px - bx * t, py - by * t
    return np.sqrt(ex * ex + ey * ey) - _per_image(width) / 2


def polyline_sdf(
    region: Region, xs: Sequence[ArrayLike] | np.ndarray, ys: Sequence[ArrayLike] | np.ndarray, width: ArrayLike
) -> np.ndarray:
    """Signed distance to a path through the points (xs[k], ys[k]), each point given per image."""
    distance = segment_sdf(region, xs[0], ys[0], xs[1], ys[1], width)
    for k in range(1, len(xs) - 1):
        distance = np.minimum(distance, segment_sdf(region, xs[k], ys[k], xs[k + 1], ys[k + 1], width))
    return distance


def canvas(n: int, background: np.ndarray) -> np.ndarray:
    """A float32 batch (3, n, H, W) filled with a background image (H, W, 3) in [0, 1]."""
    background = np.asarray(background, dtype=np.float32)
    out = np.empty((3, n, *background.shape[:2]), dtype=np.float32)
    out[...] = background.transpose(2, 0, 1)[:, None]
    return out


def paint(images: np.ndarray, region: Region, alpha: np.ndarray, color: np.ndarray | Sequence[float]) -> None:
    """Composite a colour over a canvas (3, N, H, W) in place, with opacity `alpha` on `region`; colour (3,) or (N, 3).

    Colours and opacities in [0, 1] keep the canvas in [0, 1].
    """
    color = np.asarray(color, dtype=np.float32)
    keep = np.float32(1.0) - alpha
    for c in range(3):
        tint = color[:, c].reshape(-1, 1, 1) if color.ndim == 2 else color[c]
        if region.flat is not None:
            channel = images[c].reshape(-1)
            channel[region.flat] = channel[region.flat] * keep + alpha * tint
        elif region.crop is not None:  # a Region holds a crop or per-image windows
            row0, row1, col0, col1 = region.crop
            target = images[c, :, row0:row1, col0:col1]
            target *= keep
            target += alpha * tint


def to_uint8(images: np.ndarray) -> np.ndarray:
    """Quantise a canvas (3, N, H, W) with values in [0, 1] to uint8 images (N, H, W, 3), rounding to nearest."""
    out = np.empty((*images.shape[1:], 3), dtype=np.uint8)
    for c in range(3):
        out[..., c] = images[c] * np.float32(255) + np.float32(0.5)
    return out


def vertical_gradient(size: int, top: Sequence[float], bottom: Sequence[float]) -> np.ndarray:
    """A background image (size, size, 3) fading from `top` to `bottom` colour."""
    t = ((np.arange(size, dtype=np.float32) + 0.5) / size).reshape(size, 1, 1)
    row = (1 - t) * np.asarray(top, np.float32) + t * np.asarray(bottom, np.float32)
    return np.broadcast_to(row, (size, size, 3)).copy()


def world_to_pixels(
    x: ArrayLike, y: ArrayLike, x_range: tuple[float, float], y_range: tuple[float, float], size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Map world coordinates (y pointing up) inside the given box to pixel coordinates (y pointing down)."""
    (x0, x1), (y0, y1) = x_range, y_range
    px = (np.asarray(x, dtype=np.float64) - x0) / (x1 - x0) * size
    py = (y1 - np.asarray(y, dtype=np.float64)) / (y1 - y0) * size
    return px, py
