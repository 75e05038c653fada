"""dSprites-like scenes: a white (or coloured) square, ellipse or heart on black.

`sprites` matches dSprites' factor grid (Matthey et al. 2017): shape 3, scale 6 values in 0.5..1,
orientation 40 values in 0..2 pi, x and y 32 values each in 0..1, all independent and uniform.
`causal_sprites` draws the same pictures from continuous factors linked by a DAG.
The three shapes cover the same area at a given scale and each sits at its centre of area, so a sprite's
size in the picture reads scale alone and its centre reads x and y alone (otherwise a change of shape or
orientation would move what an encoder sees of scale or position).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np

from crl.scenes import raster
from crl.scenes.build import custom
from crl.scenes.factors import Factor
from crl.scenes.mechanisms import check_noise_scale, grid_root, standard_normal, uniform_root
from crl.scenes.scene import Scene

SHAPES = ("square", "ellipse", "heart")
COLOURS = {
    "white": (1.0, 1.0, 1.0),
    "red": (0.95, 0.2, 0.2),
    "green": (0.2, 0.85, 0.3),
    "blue": (0.25, 0.45, 1.0),
    "yellow": (0.95, 0.9, 0.2),
    "magenta": (0.9, 0.3, 0.9),
    "cyan": (0.2, 0.9, 0.9),
}
GRIDS = {
    "scale": np.linspace(0.5, 1.0, 6),
    "orientation": np.linspace(0.0, 2 * np.pi, 40),
    "x": np.linspace(0.0, 1.0, 32),
    "y": np.linspace(0.0, 1.0, 32),
}
MARGIN = 0.2  # centres span [0.2, 0.8] of the image, so the largest shape stays inside
RADIUS = 0.18  # bounding radius of a scale-1 shape, as a fraction of the image side
# In units of r: the square's half side and the heart's side that give both the area of the ellipse (semi-axes
# r and r/2), pi/2 r^2 (a heart of side s covers s^2 (1 + pi/4)).
SQUARE_HALF_SIDE = float(np.sqrt(np.pi / 8))
HEART_SIDE = float(np.sqrt((np.pi / 2) / (1 + np.pi / 4)))
DEFAULT_EDGES = [("shape", "scale"), ("scale", "y"), ("x", "y"), ("x", "orientation")]
MECHANISMS = ("linear", "nonlinear")
SPREAD = 0.35  # a child's parent-driven part moves it over [0.15, 0.85] of its range


def _factors(color: bool) -> list[Factor]:
    factors = [
        Factor("shape", "categorical", categories=SHAPES),
        Factor("scale", "continuous", 0.5, 1.0, unit="fraction of the largest size"),
        Factor("orientation", "continuous", 0.0, 2 * np.pi, unit="radians"),
        Factor("x", "continuous", 0.0, 1.0, unit="fraction of the image width (0 = left)"),
        Factor("y", "continuous", 0.0, 1.0, unit="fraction of the image height (0 = top)"),
    ]
    if color:
        factors.append(Factor("color", "categorical", categories=tuple(COLOURS)))
    return factors


def shape_distance(name: str, region: raster.Region, x: np.ndarray, y: np.ndarray, radius: np.ndarray,
                   angle: np.ndarray) -> np.ndarray:
    """Signed distance of `region`'s pixels to a square, ellipse or heart of `radius` (equal areas at equal radius)."""
    if name == "square":
        return raster.box_sdf(region, x, y, SQUARE_HALF_SIDE * radius, SQUARE_HALF_SIDE * radius, angle)
    if name == "ellipse":
        return raster.ellipse_sdf(region, x, y, radius, 0.5 * radius, angle)
    return raster.heart_sdf(region, x, y, HEART_SIDE * radius, angle)


def _render(values: Mapping[str, np.ndarray], size: int) -> np.ndarray:
    n = len(values["shape"])
    shape = values["shape"].astype(np.int64)
    cx = (MARGIN + (1 - 2 * MARGIN) * values["x"]) * size
    cy = (MARGIN + (1 - 2 * MARGIN) * values["y"]) * size
    radius = RADIUS * size * values["scale"]
    palette = np.asarray(list(COLOURS.values()), np.float32)
    colour = palette[values["color"].astype(np.int64) if "color" in values else np.zeros(n, np.int64)]
    images = raster.canvas(n, np.zeros((size, size, 3), np.float32))
    for code, name in enumerate(SHAPES):
        rows = np.flatnonzero(shape == code)
        if not len(rows):
            continue
        x, y, r, a = cx[rows], cy[rows], radius[rows], values["orientation"][rows]
        region = raster.windows(size, x, y, RADIUS * size, index=rows)
        raster.paint(images, region, raster.coverage(shape_distance(name, region, x, y, r, a)), colour[rows])
    return raster.to_uint8(images)


def sprites(resolution: int = 64, color: bool = False) -> Scene:
    """dSprites: independent shape, scale, orientation, x, y drawn uniformly from dSprites' grid.

    color=True adds a categorical `color` factor (7 colours, white first); otherwise shapes are white.
    """
    factors = _factors(bool(color))
    mechanisms = {f.name: grid_root(GRIDS[f.name]) if f.name in GRIDS else uniform_root(f) for f in factors}
    graph = nx.DiGraph()
    graph.add_nodes_from(f.name for f in factors)
    return custom(graph, mechanisms, _render, factors, name="sprites", resolution=resolution)


def _to_unit(factor: Factor, values: np.ndarray) -> np.ndarray:
    return 2 * (values - factor.low) / (factor.high - factor.low) - 1


def _child(factor: Factor, parents: list[Factor], weights: np.ndarray, kind: str, noise_scale: float):
    """Mechanism of a factor with parents: position in its range = 0.5 + SPREAD * g(a) + noise_scale * N(0, 1),
    a = sum_j w_j z_j / sum_j |w_j| with z_j each parent rescaled to [-1, 1]; g(a) = a (linear) or sin(pi a).
    """

    def mechanism(values: dict[str, np.ndarray], u: np.ndarray) -> np.ndarray:
        a = sum(w * _to_unit(p, values[p.name]) for w, p in zip(weights, parents)) / np.abs(weights).sum()
        drive = a if kind == "linear" else np.sin(np.pi * a)
        position = np.clip(0.5 + SPREAD * drive + noise_scale * standard_normal(u), 0.0, 1.0)
        if factor.is_categorical:
            count = len(factor.categories or ())
            return np.minimum(np.floor(position * count), count - 1)
        return factor.low + position * (factor.high - factor.low)

    return mechanism


def causal_sprites(
    resolution: int = 64,
    graph: nx.DiGraph | None = None,
    mechanism: str = "linear",
    noise_scale: float = 0.1,
    color: bool = False,
    seed: int = 0,
) -> Scene:
    """Sprites whose continuous factors follow a DAG (default: shape -> scale -> y <- x -> orientation).

    Roots are uniform over their ranges. Each child sits at 0.5 + 0.35 g(a) + noise_scale * N(0, 1) of its range
    (default noise_scale 0.1; clipped to the range), a being the weighted mean of its parents rescaled to [-1, 1],
    g the identity ("linear") or sin(pi a) ("nonlinear"); weights are drawn with `seed` from +-U(0.5, 1.5).
    """
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism must be one of {list(MECHANISMS)}, got {mechanism!r}")
    noise_scale = check_noise_scale(noise_scale)
    factors = _factors(bool(color))
    by_name = {f.name: f for f in factors}
    if graph is None:
        graph = nx.DiGraph(DEFAULT_EDGES)
    if not isinstance(graph, nx.DiGraph):
        raise ValueError(f"graph must be a networkx.DiGraph over {list(by_name)}, got {type(graph).__name__}")
    unknown = [v for v in graph.nodes if v not in by_name]
    if unknown:
        raise ValueError(f"graph: unknown factor(s) {unknown}; valid names are {list(by_name)}")
    graph = nx.DiGraph(graph)
    graph.add_nodes_from(by_name)
    rng = np.random.default_rng(seed)
    mechanisms: dict[str, Any] = {}
    for factor in factors:
        parents = [by_name[p] for p in sorted(graph.predecessors(factor.name), key=list(by_name).index)]
        if not parents:
            mechanisms[factor.name] = uniform_root(factor)
            continue
        weights = rng.uniform(0.5, 1.5, len(parents)) * rng.choice([-1.0, 1.0], len(parents))
        mechanisms[factor.name] = _child(factor, parents, weights, mechanism, noise_scale)
    return custom(graph, mechanisms, _render, factors, name="causal_sprites", resolution=resolution)
