"""What a random scene shows and which factor drives which visual attribute.

A scene holds 2 to 4 objects (disks, rectangles, ellipses, hearts), each alone in one quadrant of the image,
on a tinted background with vertical stripes, under a light that casts every object's shadow. The visual
attributes are per object: x, y, size, angle (not for disks), hue, brightness; and global: the background's
grey level, the stripes' frequency and the light's angle. Each factor drives one attribute (its primary
one, which names it: "disk_x", "heart_hue", "light_angle") and the factor's value is that attribute's value, in
its unit. How factors reach pixels (the mixing):

- "one-to-one": each factor drives its attribute over the attribute's full span;
- "mixed": some factors also drive a second attribute of another object (preferably its hue or brightness),
  over its full span, e.g. a factor moves one object and tints another;
- "subtle": some factors span only SUBTLE of their attribute's full span, e.g. a 10% brightness change.

Attributes no factor drives keep one value, drawn from the seed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crl.scenes.factors import Factor

OBJECT_KINDS = ("disk", "box", "ellipse", "heart")
MIXINGS = ("one-to-one", "mixed", "subtle")
SUBTLE = (0.15, 0.25)  # a subtle factor spans this fraction of its attribute's full span (drawn uniformly)
TINTS = ("hue", "brightness")  # preferred second attributes of a mixed factor


@dataclass(frozen=True)
class Attribute:
    """A visual attribute's full span and unit, and the span its fixed value is drawn from when no factor drives it."""

    low: float
    high: float
    unit: str
    fixed: tuple[float, float]


OBJECT_ATTRIBUTES = {
    "x": Attribute(0.0, 1.0, "fraction of the object's horizontal travel (0 = left)", (0.2, 0.8)),
    "y": Attribute(0.0, 1.0, "fraction of the object's vertical travel (0 = top)", (0.2, 0.8)),
    "size": Attribute(0.6, 1.0, "fraction of the largest size", (0.7, 0.95)),
    "angle": Attribute(0.0, 90.0, "degrees, counter-clockwise", (0.0, 90.0)),
    "hue": Attribute(0.0, 1.0, "position on the red-green-blue hue arc", (0.0, 1.0)),
    "brightness": Attribute(0.4, 1.0, "HSV value", (0.6, 1.0)),
}
GLOBAL_ATTRIBUTES = {
    "background": Attribute(0.1, 0.6, "grey level of the background", (0.15, 0.5)),
    "stripes": Attribute(1.5, 5.0, "background stripe cycles per image width", (2.0, 4.0)),
    "light": Attribute(45.0, 135.0, "degrees from the +x axis (90 = overhead); shadows fall away from it", (60.0, 120.0)),
}
GLOBAL_NAMES = {"background": "background", "stripes": "stripe_frequency", "light": "light_angle"}


@dataclass(frozen=True)
class SceneObject:
    """One primitive: its label ("disk", "disk2", ...), kind and quadrant (0..3, row-major)."""

    label: str
    kind: str
    cell: int


@dataclass(frozen=True)
class Drive:
    """A link factor -> attribute: the attribute moves linearly from `low` to `high` as the factor spans its range.

    `target` is "<object label>.<attribute>" or a global attribute's name; `role` is "primary" (the factor's
    value is the attribute's value) or "secondary" (a mixed factor's second attribute).
    """

    factor: str
    target: str
    low: float
    high: float
    role: str


@dataclass(frozen=True)
class Layout:
    """The objects, the value of every attribute no factor drives, the drives, the background tint and stripe phase."""

    objects: tuple[SceneObject, ...]
    fixed: dict[str, float]
    drives: tuple[Drive, ...]
    tint: tuple[float, float, float]
    stripe_phase: float


def attribute_of(target: str) -> Attribute:
    """The Attribute behind a target ("disk.x" or "light")."""
    return OBJECT_ATTRIBUTES[target.split(".")[1]] if "." in target else GLOBAL_ATTRIBUTES[target]


def factor_name(target: str) -> str:
    """The name of the factor whose primary attribute is `target`: "disk.x" -> "disk_x", "light" -> "light_angle"."""
    return target.replace(".", "_") if "." in target else GLOBAL_NAMES[target]


def _objects(rng: np.random.Generator, k: int) -> tuple[SceneObject, ...]:
    count = int(rng.integers(max(2, -(-k // 3)), 5))
    kinds = [str(kind) for kind in rng.choice(OBJECT_KINDS, count)]
    cells = rng.permutation(4)[:count]
    labels = [kind if kinds[:i].count(kind) == 0 else f"{kind}{kinds[:i].count(kind) + 1}" for i, kind in enumerate(kinds)]
    return tuple(SceneObject(label, kind, int(cell)) for label, kind, cell in zip(labels, kinds, cells))


def _targets(objects: tuple[SceneObject, ...]) -> list[str]:
    per_object = [f"{o.label}.{a}" for o in objects for a in OBJECT_ATTRIBUTES if not (a == "angle" and o.kind == "disk")]
    return per_object + list(GLOBAL_ATTRIBUTES)


def _secondary(rng: np.random.Generator, primary: str, free: list[str]) -> str | None:
    """A free attribute of another object than the primary's, a colour one when there is one; None if none is free."""
    owner = primary.split(".")[0] if "." in primary else None
    others = [t for t in free if "." in t and t.split(".")[0] != owner]
    tints = [t for t in others if t.split(".")[1] in TINTS]
    pool = tints or others
    return str(rng.choice(pool)) if pool else None


def _primary_span(rng: np.random.Generator, attribute: Attribute, subtle: bool) -> tuple[float, float]:
    if not subtle:
        return attribute.low, attribute.high
    width = rng.uniform(*SUBTLE) * (attribute.high - attribute.low)
    low = rng.uniform(attribute.low, attribute.high - width)
    return round(float(low), 3), round(float(low + width), 3)


def draw_layout(rng: np.random.Generator, k: int, mixing: str) -> tuple[Layout, list[Factor]]:
    """Objects, attributes and drives for k factors under `mixing`.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of every choice, so a seed fixes the layout.
    k : int
        Number of factors; factor i of the returned list belongs to graph node i.
    mixing : {"one-to-one", "mixed", "subtle"}
        How factors reach pixels (see the module docstring). "mixed" gives 1..k//2 factors a second attribute,
        "subtle" narrows 1..max(1, k//3) factors' spans.

    Returns
    -------
    (Layout, list of Factor)
        The layout for the renderer and the factors, each named after and ranged as its primary attribute.
    """
    objects = _objects(rng, k)
    targets = _targets(objects)
    fixed = {t: float(rng.uniform(*attribute_of(t).fixed)) for t in targets}
    primaries = [str(t) for t in rng.choice(targets, k, replace=False)]
    subtle = set(rng.choice(k, int(rng.integers(1, max(1, k // 3) + 1)), replace=False)) if mixing == "subtle" else set()
    factors, drives = [], []
    for i, target in enumerate(primaries):
        attribute = attribute_of(target)
        low, high = _primary_span(rng, attribute, i in subtle)
        factors.append(Factor(factor_name(target), "continuous", low, high, unit=attribute.unit))
        drives.append(Drive(factors[-1].name, target, low, high, "primary"))
    if mixing == "mixed":
        free = [t for t in targets if t not in primaries]
        for i in rng.choice(k, int(rng.integers(1, k // 2 + 1)), replace=False):
            second = _secondary(rng, primaries[i], free)
            if second is not None:
                free.remove(second)
                attribute = attribute_of(second)
                low, high = (attribute.low, attribute.high) if rng.random() < 0.5 else (attribute.high, attribute.low)
                drives.append(Drive(factors[i].name, second, low, high, "secondary"))
    red, green, blue = (float(c) for c in rng.uniform(0.75, 1.0, 3))
    layout = Layout(objects, fixed, tuple(drives), (red, green, blue), float(rng.uniform(0, 2 * np.pi)))
    return layout, factors
