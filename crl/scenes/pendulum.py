"""The pendulum scene of CausalVAE (Yang et al. 2021): pendulum and light angles cause a shadow.

Geometry follows the authors' generator (huawei-noah/trustworthyAI, CausalVAE/causal_data/pendulum.py):
pivot (10, 10.5), rod length 8, ball radius 1.5, so the ball's far edge is 9.5 from the pivot; the light
lies on the ray through the pivot at angle `light` from the +x axis; each point is projected along that
ray direction onto the ground y = -0.5; the shadow spans the projections of the pivot and the ball's
far edge, with length max(3, |proj(pivot) - proj(tip)|) and position the midpoint. Angles cover the
reference grid: pendulum -36..38.7 degrees (0.9-degree steps i = -40..43), light 54..132.3 degrees.
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

PIVOT = (10.0, 10.5)
ROD = 8.0
BALL = 1.5
GROUND = -0.5
MIN_SHADOW = 3.0
SUN_HEIGHT, SUN_RADIUS = 20.5, 3.0
WORLD = (-1.0, 21.0)  # square box around the reference's 0..20 x -1..21 view

FACTORS = [
    Factor("pendulum", "continuous", -36.0, 38.7, unit="degrees"),
    Factor("light", "continuous", 54.0, 132.3, unit="degrees"),
    Factor("shadow_length", "continuous", 3.0, 13.0, unit="scene units"),
    Factor("shadow_position", "continuous", 1.0, 21.0, unit="scene units"),
]
EDGES = [("pendulum", "shadow_length"), ("light", "shadow_length"), ("pendulum", "shadow_position"), ("light", "shadow_position")]

SKY_TOP, SKY_BOTTOM = (0.55, 0.75, 0.95), (0.88, 0.93, 0.98)
GROUND_COLOUR, SHADOW_COLOUR = (0.62, 0.55, 0.42), (0.15, 0.13, 0.12)
SUN_COLOUR, ROD_COLOUR, BALL_COLOUR = (1.0, 0.65, 0.0), (0.1, 0.1, 0.1), (0.7, 0.13, 0.13)


def project(x: np.ndarray, y: np.ndarray, light_deg: np.ndarray, base: float = GROUND) -> np.ndarray:
    """x where the line through (x, y) at angle `light_deg` (degrees from +x) meets the horizontal line y = base."""
    phi = np.deg2rad(light_deg)
    return x + (base - y) * np.cos(phi) / np.sin(phi)


def shadow(pendulum_deg: np.ndarray, light_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Noise-free shadow (length, position) on the ground for given pendulum and light angles in degrees."""
    theta = np.deg2rad(pendulum_deg)
    reach = ROD + BALL
    tip_x, tip_y = PIVOT[0] + reach * np.sin(theta), PIVOT[1] - reach * np.cos(theta)
    from_pivot = project(np.full_like(theta, PIVOT[0]), np.full_like(theta, PIVOT[1]), light_deg)
    from_tip = project(tip_x, tip_y, light_deg)
    return np.maximum(MIN_SHADOW, np.abs(from_pivot - from_tip)), (from_pivot + from_tip) / 2


def _to_pixels(x: np.ndarray | float, y: np.ndarray | float, size: int) -> tuple[np.ndarray, np.ndarray]:
    return raster.world_to_pixels(x, y, WORLD, WORLD, size)


def _render(values: Mapping[str, np.ndarray], size: int) -> np.ndarray:
    n = len(values["pendulum"])
    scale = size / (WORLD[1] - WORLD[0])
    background = raster.vertical_gradient(size, SKY_TOP, SKY_BOTTOM)
    background[int(np.round(_to_pixels(0.0, 0.2, size)[1])) :] = GROUND_COLOUR
    images = raster.canvas(n, background)

    sun_x = project(np.full(n, PIVOT[0]), np.full(n, PIVOT[1]), values["light"], base=SUN_HEIGHT)
    sx, sy = _to_pixels(sun_x, SUN_HEIGHT, size)
    radius = SUN_RADIUS * scale
    region = raster.around(size, sx, sy, radius)
    raster.paint(images, region, raster.coverage(raster.disc_sdf(region, sx, sy, radius)), SUN_COLOUR)

    theta = np.deg2rad(values["pendulum"])
    px, py = _to_pixels(PIVOT[0], PIVOT[1], size)
    bx, by = _to_pixels(PIVOT[0] + ROD * np.sin(theta), PIVOT[1] - ROD * np.cos(theta), size)
    width = 0.5 * scale
    region = raster.crop(size, np.minimum(px, bx) - width, np.maximum(px, bx) + width, py - width, by + width)
    raster.paint(images, region, raster.coverage(raster.segment_sdf(region, px, py, bx, by, width)), ROD_COLOUR)
    radius = BALL * scale
    region = raster.around(size, bx, by, radius)
    raster.paint(images, region, raster.coverage(raster.disc_sdf(region, bx, by, radius)), BALL_COLOUR)

    cx, cy = _to_pixels(values["shadow_position"], GROUND, size)
    half_width, half_height = values["shadow_length"] * scale / 2, 0.4 * scale
    region = raster.around(size, cx, cy, half_width, half_height)
    raster.paint(images, region, raster.rect(region, cx, cy, half_width, half_height), SHADOW_COLOUR)
    return raster.to_uint8(images)


def pendulum(resolution: int = 64, noise_scale: float = 0.2) -> Scene:
    """The CausalVAE pendulum: pendulum -> shadow_length, shadow_position <- light.

    Shadow length and position are the reference geometry plus noise_scale * N(0, 1) scene units
    (default 0.2, about 2% of their ranges), clipped to their ranges; angles are uniform over theirs.
    """
    noise_scale = check_noise_scale(noise_scale)
    mechanisms = {
        "pendulum": uniform_root(FACTORS[0]),
        "light": uniform_root(FACTORS[1]),
        "shadow_length": lambda p, u: shadow(p["pendulum"], p["light"])[0] + noise_scale * standard_normal(u),
        "shadow_position": lambda p, u: shadow(p["pendulum"], p["light"])[1] + noise_scale * standard_normal(u),
    }
    return custom(nx.DiGraph(EDGES), mechanisms, _render, FACTORS, name="pendulum", resolution=resolution)
