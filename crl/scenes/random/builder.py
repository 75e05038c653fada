"""`random_scene(seed)`: a random causal graph, random mechanisms and a random renderer, all fixed by the seed."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from crl.scenes.random.graphs import GRAPH_KINDS, random_dag
from crl.scenes.random.layout import MIXINGS, Layout, draw_layout
from crl.scenes.random.mechanisms import Child, Root, draw_mechanism
from crl.scenes.random.render import Renderer
from crl.scenes.scene import Scene, check_resolution

FACTOR_COUNTS = (2, 8)  # K is drawn uniformly from this inclusive interval when not given


@dataclass(frozen=True)
class RandomSceneSpec:
    """What the seed chose: graph kind, mechanism kind, mixing, the layout and each factor's mechanism."""

    seed: int
    graph_kind: str
    nonlinear: bool
    mixing: str
    layout: Layout
    mechanisms: dict[str, Root | Child]


class RandomScene(Scene):
    """A Scene drawn by `random_scene`; `spec` records its choices and `describe()` prints them."""

    def __init__(self, spec: RandomSceneSpec, graph: nx.DiGraph, renderer: Renderer, resolution: int) -> None:
        factors = [m.factor for m in spec.mechanisms.values()]
        super().__init__(f"random_{spec.seed}", graph, factors, spec.mechanisms, renderer, resolution)
        self.spec = spec

    def describe(self) -> str:
        """A few lines: K, graph kind, edges, mechanism kind, mixing, objects; per factor its mechanism and what it drives."""
        spec = self.spec
        edges = ", ".join(f"{a}->{b}" for a, b in self.graph.edges) or "none"
        objects = ", ".join(f"{o.label} (quadrant {o.cell})" for o in spec.layout.objects)
        lines = [
            f"random scene {spec.seed}: K={len(self.factor_names)}, {spec.graph_kind} graph, "
            f"{'nonlinear' if spec.nonlinear else 'linear'} mechanisms, {spec.mixing} mixing",
            f"  edges: {edges}",
            f"  objects: {objects}",
        ]
        for factor in self.factors:
            drives = [f"{d.target} {d.low:g}..{d.high:g}" for d in spec.layout.drives if d.factor == factor.name]
            lines.append(f"  {factor.name} [{factor.low:g}, {factor.high:g}]: {spec.mechanisms[factor.name].describe()}"
                         f" | drives {'; '.join(drives)}")
        return "\n".join(lines)


def _check_choice(value: Any, choices: tuple[str, ...], argument: str, optional: bool) -> None:
    if (value is None and optional) or (isinstance(value, str) and value in choices):
        return
    raise ValueError(f"{argument} must be one of {list(choices)}{' or None' if optional else ''}, got {value!r}")


def _check_arguments(seed: Any, n_factors: Any, graph: Any, nonlinear: Any, mixing: Any) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    low, high = FACTOR_COUNTS
    if n_factors is not None and (isinstance(n_factors, bool) or not isinstance(n_factors, (int, np.integer))
                                  or not low <= n_factors <= high):
        raise ValueError(f"n_factors must be an integer in {low}..{high} or None, got {n_factors!r}")
    _check_choice(graph, GRAPH_KINDS, "graph", optional=False)
    if nonlinear is not None and not isinstance(nonlinear, (bool, np.bool_)):
        raise ValueError(f"nonlinear must be True, False or None, got {nonlinear!r}")
    _check_choice(mixing, MIXINGS, "mixing", optional=True)


def random_scene(
    seed: int = 0,
    n_factors: int | None = None,
    *,
    graph: str = "er",
    nonlinear: bool | None = None,
    resolution: int = 64,
    mixing: str | None = None,
) -> RandomScene:
    """A scene with a random causal graph, random mechanisms and a random renderer, reproducible from `seed`.

    Scenes the library was never tuned on, to measure how the whole loop (images -> concepts -> graph ->
    counterfactual images) generalises. The scene has the full Scene interface (true interventions and
    counterfactuals, pairs, labels); `scene.describe()` prints what the seed chose.

    Parameters
    ----------
    seed : int
        Fixes everything: K (when not given), graph, mechanisms, objects, drives and so the images.
    n_factors : int, optional
        K, the number of factors, 2..8; drawn uniformly from 2..8 when None.
    graph : {"er", "scale-free"}
        Erdős–Rényi (expected degree 1..2) or Barabási–Albert (a tree with hubs), oriented by a random order.
    nonlinear : bool, optional
        Children depend on their parents through random tanh, sin or quadratic functions (True) or linearly
        (False); drawn from the seed when None. Roots are uniform, power-law or bump-shaped either way, and every
        child has noise of a random kind (gaussian, uniform, laplace) and scale (4..12% of its range).
    resolution : int
        Image side in pixels, a positive multiple of 16.
    mixing : {"one-to-one", "mixed", "subtle"}, optional
        How factors reach pixels (see `crl.scenes.random.layout`); drawn from the seed when None.

    Returns
    -------
    RandomScene
        Continuous factors named after the attribute each drives ("disk_x", "box_hue", "light_angle"), each
        ranged and measured as that attribute. Every factor changes the picture: moving one factor from its low
        to its high value (the others fixed) changes each image by at least 0.05 grey levels in the mean over
        its pixels and channels and by at least 8 grey levels at its most changed pixel, at 32 px and up (the
        smallest effects are subtle factors on the smallest, darkest objects).
    """
    _check_arguments(seed, n_factors, graph, nonlinear, mixing)
    resolution = check_resolution(resolution)
    structure, mechanism_rng, layout_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(3))
    k = int(n_factors) if n_factors is not None else int(structure.integers(FACTOR_COUNTS[0], FACTOR_COUNTS[1] + 1))
    nonlinear = bool(structure.random() < 0.5) if nonlinear is None else bool(nonlinear)
    mixing = str(structure.choice(MIXINGS)) if mixing is None else mixing
    dag = random_dag(structure, k, graph)
    layout, factors = draw_layout(layout_rng, k, mixing)
    names = nx.relabel_nodes(dag, {i: factor.name for i, factor in enumerate(factors)})
    mechanisms = {
        factor.name: draw_mechanism(mechanism_rng, factor, [factors[p] for p in sorted(dag.predecessors(i))], nonlinear)
        for i, factor in enumerate(factors)
    }
    spec = RandomSceneSpec(int(seed), graph, nonlinear, mixing, layout, mechanisms)
    return RandomScene(spec, names, Renderer(layout, factors), resolution)
