"""The structural causal model of the object scenes: a scene-level light and per-object attributes.

Each object carries the attributes shape, size, orientation, x, y, hue and shade. The scene-level
factor ``light`` (the light's horizontal position, a fraction of the image width) sets every
object's shade: brightness falls off linearly from the light towards the right,
shade = 0.75 + 0.3 (light - x) (clipped to [0.5, 1]), so the graph has light -> shade and x -> shade.
With ``causal=True`` three more relations hold: size -> y (bigger objects sit lower) and two
relations between objects, where ``prev_<attr>`` is that attribute of the previous object in draw
order (the nearest earlier object still in the image): prev_x -> x (each object sits mirrored
about the vertical centre line from the previous one) and prev_hue -> hue (its hue is the
complement, 0.8 - prev_hue, of the previous one's). The first object has no previous one; its x
and hue are drawn like roots from the same noise. Every attribute has one U(0, 1) noise per object,
so edits replay it exactly.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np

from crl.scenes.factors import Factor
from crl.scenes.mechanisms import standard_normal, uniform_root
from crl.scenes.sprites import SHAPES as SPRITE_SHAPES

TETROMINO_SHAPES = ("I", "O", "T", "S", "Z", "J", "L")
QUARTER_TURNS = ("0", "90", "180", "270")
POSITION = (0.15, 0.85)  # object centres span this fraction of the image, so every object stays inside it
SIZE = (0.6, 1.0)
HUE = (0.0, 0.8)  # red .. magenta; the hue wheel's wrap-around is left out so that hue distances mean colour distances
SHADE = (0.5, 1.0)
RELATION_NOISE = 0.05  # standard deviation of the noise of a relation, as a fraction of the attribute's range
PREFIX = "prev_"

# Attribute mechanism: (parent values, has a previous object, its noise u) -> values, all (n,)
ObjectMechanism = Callable[[Mapping[str, np.ndarray], np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Attribute:
    """One per-object variable: its declaration, its parents and its mechanism.

    Parents name scene factors, earlier attributes of the same object, or ``prev_<attr>``.
    """

    factor: Factor
    parents: tuple[str, ...]
    mechanism: ObjectMechanism

    @property
    def name(self) -> str:
        return self.factor.name


@dataclass(frozen=True)
class ObjectSpec:
    """What a kind of object scene is made of: the light, the attributes in evaluation order, the shapes."""

    kind: str
    light: Factor
    attributes: tuple[Attribute, ...]
    causal: bool

    def graph(self) -> nx.DiGraph:
        """The causal graph pooled over objects: one node per scene factor, attribute and ``prev_`` parent."""
        graph = nx.DiGraph()
        graph.add_node(self.light.name)
        for attribute in self.attributes:
            graph.add_node(attribute.name)
            graph.add_edges_from((parent, attribute.name) for parent in attribute.parents)
        return graph


def _root(factor: Factor) -> ObjectMechanism:
    draw = uniform_root(factor)
    return lambda parents, has_prev, u: draw(parents, u)


def _mirrored(factor: Factor, parent: str) -> ObjectMechanism:
    """low + high - parent (+ noise) where there is a previous object, else a uniform root draw."""
    draw = uniform_root(factor)
    span = factor.high - factor.low

    def mechanism(parents: Mapping[str, np.ndarray], has_prev: np.ndarray, u: np.ndarray) -> np.ndarray:
        related = factor.low + factor.high - parents[parent] + RELATION_NOISE * span * standard_normal(u)
        return np.where(has_prev, related, draw(parents, u))

    return mechanism


def _lower_when_bigger(y: Factor, size: Factor) -> ObjectMechanism:
    def mechanism(parents: Mapping[str, np.ndarray], has_prev: np.ndarray, u: np.ndarray) -> np.ndarray:
        t = (parents["size"] - size.low) / (size.high - size.low)
        return y.low + (y.high - y.low) * (0.15 + 0.7 * t + 0.1 * standard_normal(u))

    return mechanism


def _shade(parents: Mapping[str, np.ndarray], has_prev: np.ndarray, u: np.ndarray) -> np.ndarray:
    return 0.75 + 0.3 * (parents["light"] - parents["x"])


def object_spec(kind: str, causal: bool) -> ObjectSpec:
    """The SCM of "multi_sprites" (turned squares, ellipses, hearts) or "tetrominoes" (seven pieces, quarter turns)."""
    light = Factor("light", "continuous", 0.0, 1.0, unit="horizontal position of the light, fraction of the image width")
    if kind == "tetrominoes":
        shape = Factor("shape", "categorical", categories=TETROMINO_SHAPES)
        orientation = Factor("orientation", "categorical", categories=QUARTER_TURNS)
    else:
        shape = Factor("shape", "categorical", categories=SPRITE_SHAPES)
        orientation = Factor("orientation", "continuous", 0.0, 2 * np.pi, unit="radians")
    size = Factor("size", "continuous", *SIZE, unit="fraction of the largest size")
    x = Factor("x", "continuous", *POSITION, unit="centre, fraction of the image width (0 = left)")
    y = Factor("y", "continuous", *POSITION, unit="centre, fraction of the image height (0 = top)")
    hue = Factor("hue", "continuous", *HUE, unit="hue on the colour wheel (0 = red)")
    shade = Factor("shade", "continuous", *SHADE, unit="brightness (HSV value)")
    attributes = [
        Attribute(shape, (), _root(shape)),
        Attribute(size, (), _root(size)),
        Attribute(orientation, (), _root(orientation)),
        Attribute(x, (PREFIX + "x",), _mirrored(x, PREFIX + "x")) if causal else Attribute(x, (), _root(x)),
        Attribute(y, ("size",), _lower_when_bigger(y, size)) if causal else Attribute(y, (), _root(y)),
        Attribute(hue, (PREFIX + "hue",), _mirrored(hue, PREFIX + "hue")) if causal else Attribute(hue, (), _root(hue)),
        Attribute(shade, ("light", "x"), _shade),
    ]
    return ObjectSpec(kind, light, tuple(attributes), bool(causal))
