"""`custom`: build a scene of your own from a graph, one mechanism per factor, and a renderer."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx

from crl.scenes.factors import Factor
from crl.scenes.scene import Mechanism, Renderer, Scene, check_resolution


def custom(
    graph: nx.DiGraph,
    mechanisms: Mapping[str, Mechanism],
    render: Renderer,
    factors: Sequence[Factor],
    name: str = "custom",
    resolution: int = 64,
) -> Scene:
    """Build a scene of your own: a DAG over factor names, one mechanism per factor, and a renderer.

    Writing the mechanisms as functions of a uniform noise keeps every query exact: the scene
    replays the noise for counterfactuals and recomputes descendants for interventions.

    Parameters
    ----------
    graph : networkx.DiGraph
        The causal graph over the factor names; must be acyclic.
    mechanisms : Mapping[str, Mechanism]
        ``mechanisms[v](parents, u)`` maps a dict of parent value arrays and v's exogenous
        u ~ U(0, 1) (an array) to v's values (clipped to v's range afterwards).
    render : Renderer
        ``render(values, resolution)`` maps a dict of factor value arrays to uint8 images (N, res, res, 3).
    factors : Sequence[Factor]
        One declaration per graph node.
    name : str
        The scene's name.
    resolution : int
        Image side in pixels, a positive multiple of 16.

    Returns
    -------
    Scene
    """
    resolution = check_resolution(resolution)
    if not isinstance(graph, nx.DiGraph):
        raise ValueError(f"graph must be a networkx.DiGraph, got {type(graph).__name__}")
    _check_acyclic(graph)
    factors = list(factors)
    if not all(isinstance(f, Factor) for f in factors):
        raise ValueError("factors must be a list of crl.scenes.Factor")
    names = [f.name for f in factors]
    if len(set(names)) != len(names):
        raise ValueError(f"factors: duplicate names in {names}")
    if set(names) != set(graph.nodes):
        raise ValueError(f"factors {sorted(names)} and graph nodes {sorted(map(str, graph.nodes))} must be the same names")
    missing = [v for v in names if v not in mechanisms or not callable(mechanisms[v])]
    if missing:
        raise ValueError(f"mechanisms: no callable mechanism for factor(s) {missing}")
    extra = [v for v in mechanisms if v not in graph.nodes]
    if extra:
        raise ValueError(f"mechanisms: unknown factor(s) {extra}; valid names are {names}")
    if not callable(render):
        raise ValueError("render must be a callable render(values, resolution) -> uint8 images")
    return Scene(name, graph, factors, mechanisms, render, resolution)


def _check_acyclic(graph: nx.DiGraph) -> None:
    """Raise ValueError naming a cycle of `graph`, if it has one."""
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    path = " -> ".join(str(edge[0]) for edge in cycle) + f" -> {cycle[0][0]}"
    raise ValueError(f"graph must be acyclic; it has the cycle {path}")
