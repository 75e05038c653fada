"""The water-flow scene of CausalVAE (Yang et al. 2021): ball size -> water height -> flow <- hole height.

Follows the authors' generator (huawei-noah/trustworthyAI, CausalVAE/causal_data/flow.py): a cup with
walls at x = 3 and x = 8, a ball of radius r (1/6..34/30) resting in it, water height
h = r**3 + h0 with h0 ~ U(1, 3.9), a hole in the right wall at height `hole` (2..14/3), and a jet whose
horizontal reach at y = 0.5 is flow = sqrt(2 g h (hole - 0.5)) with g = 0.98; the jet follows
x(y) = 8 + flow * sqrt((hole - y) / (hole - 0.5)). The reference perturbs g by noise; so do we.
"""
from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np

from crl.scenes import raster
from crl.scenes.build import custom
from crl.scenes.factors import Factor
from crl.scenes.mechanisms import check_noise_scale, standard_normal, uniform_root
from crl.scenes.scene import Scene

GRAVITY = 0.98
CUP_LEFT, CUP_RIGHT, CUP_TOP, WATER_BASE = 3.0, 8.0, 19.0, 5.0
JET_END, HOLE_GAP, GROUND = 0.5, 0.4, 0.2
WORLD = (0.0, 20.0)
JET_POINTS = 7

FACTORS = [
    Factor("ball_size", "continuous", 5 / 30, 34 / 30, unit="scene units (radius)"),
    Factor("hole", "continuous", 2.0, 14 / 3, unit="scene units (height)"),
    Factor("water_height", "continuous", 1.0, 5.4, unit="scene units"),
    Factor("flow", "continuous", 1.0, 8.0, unit="scene units (jet reach)"),
]
EDGES = [("ball_size", "water_height"), ("water_height", "flow"), ("hole", "flow")]
BASE_LEVEL = (1.0, 3.9)  # h0, the water height without the ball

WATER, BALL, WALL = (0.35, 0.65, 0.95), (0.7, 0.13, 0.13), (0.05, 0.05, 0.05)


def jet_reach(water_height: np.ndarray, hole: np.ndarray, gravity: np.ndarray | float = GRAVITY) -> np.ndarray:
    """Horizontal reach of the jet at y = 0.5: sqrt(2 g h (hole - 0.5)), as in the reference generator."""
    return np.sqrt(2 * gravity * water_height * (hole - JET_END))


def _bar(size: int, x: float, y0: float | np.ndarray, y1: float | np.ndarray, half: float) -> tuple[raster.Region, np.ndarray]:
    """Coverage of a vertical bar (world x, from world y0 to y1) of half-width `half` pixels, with its region."""
    px, top = raster.world_to_pixels(x, y1, WORLD, WORLD, size)
    _, bottom = raster.world_to_pixels(x, y0, WORLD, WORLD, size)
    cy, half_height = (top + bottom) / 2, (bottom - top) / 2
    region = raster.around(size, px, cy, half, half_height)
    return region, raster.rect(region, px, cy, half, half_height)


def _render(values: Mapping[str, np.ndarray], size: int) -> np.ndarray:
    n = len(values["flow"])
    scale = size / (WORLD[1] - WORLD[0])
    radius, hole, height, reach = values["ball_size"], values["hole"], values["water_height"], values["flow"]
    images = raster.canvas(n, np.ones((size, size, 3), np.float32))

    water_half = (CUP_RIGHT - CUP_LEFT) / 2 * scale
    region, alpha = _bar(size, (CUP_LEFT + CUP_RIGHT) / 2, 0.0, WATER_BASE + height, water_half)
    raster.paint(images, region, alpha, WATER)
    bx, by = raster.world_to_pixels(5.5, radius + 0.5, WORLD, WORLD, size)
    region = raster.around(size, bx, by, radius * scale)
    raster.paint(images, region, raster.coverage(raster.disc_sdf(region, bx, by, radius * scale)), BALL)

    t = np.linspace(0.0, 1.0, JET_POINTS)[:, None]
    jet_x, jet_y = raster.world_to_pixels(CUP_RIGHT + reach * t, hole - (hole - JET_END) * t**2, WORLD, WORLD, size)
    width = 0.35 * scale
    region = raster.crop(size, jet_x.min() - width, jet_x.max() + width, jet_y.min() - width, jet_y.max() + width)
    raster.paint(images, region, raster.coverage(raster.polyline_sdf(region, jet_x, jet_y, width)), WATER)

    wall = 0.15 * scale
    for x, y0, y1 in ((CUP_LEFT, 0.0, CUP_TOP), (CUP_RIGHT, 0.0, hole), (CUP_RIGHT, hole + HOLE_GAP, CUP_TOP)):
        raster.paint(images, *_bar(size, x, y0, y1, wall), WALL)
    gx, gy = raster.world_to_pixels(10.0, GROUND, WORLD, WORLD, size)
    region = raster.around(size, gx, gy, 10 * scale, wall)
    raster.paint(images, region, raster.rect(region, gx, gy, 10 * scale, wall), WALL)
    return raster.to_uint8(images)


def flow(resolution: int = 64, noise_scale: float = 0.02) -> Scene:
    """The CausalVAE water-flow scene: ball_size -> water_height -> flow <- hole.

    Gravity in the jet is 0.98 + noise_scale * N(0, 1) (default 0.02; the reference adds 0.01..0.03),
    floored at 0.1; ball size, hole and the ball-free water level are uniform over their ranges.
    """
    noise_scale = check_noise_scale(noise_scale)
    base_low, base_high = BASE_LEVEL
    mechanisms = {
        "ball_size": uniform_root(FACTORS[0]),
        "hole": uniform_root(FACTORS[1]),
        "water_height": lambda p, u: p["ball_size"] ** 3 + base_low + u * (base_high - base_low),
        "flow": lambda p, u: jet_reach(
            p["water_height"], p["hole"], np.maximum(GRAVITY + noise_scale * standard_normal(u), 0.1)
        ),
    }
    return custom(nx.DiGraph(EDGES), mechanisms, _render, FACTORS, name="flow", resolution=resolution)
