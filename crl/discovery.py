"""Discovery over a model's concept tables: the route, knowledge among the concepts, bootstrap stability, orientation.

With pairs (``discovery="auto"``), `scm.discover_from_pairs` reads ancestry from what changes together
within a pair, which estimation error in the concepts cannot fake; concepts whose own changes the
pairs never show get their edges from PC on the concept table, bounded by the pairs
(`scm.add_unseen_edges`). Without pairs, PC: learned latents carry no meaningful scale, so
variance-sorting methods (NOTEARS, DAGMA) are no default. `scm.bootstrap` of the observational
method then gives every edge its adjacency frequency, and the edges only it vouched for their
confidence and their place in the graph.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from crl.notes import ModelNotes
from crl.thresholds import MIN_BOOTSTRAP_ADJACENCY
from scm.notes import notes_of

ORIENT_RULES = ("extension", "lingam", "error")


def discover_concepts(table: pd.DataFrame, pairs: tuple[pd.DataFrame, pd.DataFrame] | None = None, *,
                      discovery: str = "auto", knowledge: Mapping[str, Any] | None = None, bootstrap: int = 20,
                      keep_undecided: bool = False, options: Mapping[str, Any] | None = None,
                      seed: int = 0) -> nx.DiGraph:
    """A graph over the columns of `table`, with `ModelNotes` saying how it was found.

    Parameters
    ----------
    table : DataFrame
        One column per concept (the concepts to relate), one row per image.
    pairs : tuple of DataFrame, optional
        The same concepts read from the two images of each pair; needed by the pair route.
    discovery : str
        "auto" (pairs when given, else "pc"), "pairs", or an `scm.discover` method.
    knowledge : dict, optional
        {"required", "forbidden", "tiers"}; only what concerns the columns of `table` is used.
    bootstrap : int
        Resamples of the observational method for edge stability (0: none).
    keep_undecided : bool
        Keep the edges the pair route could not settle (marked ``undecided``) instead of leaving them out.
    options : dict, optional
        Passed to the discovery method.
    seed : int
        Seed of every random step.

    Returns
    -------
    networkx.DiGraph
        Undirected edges marked; ``graph.graph["notes"]`` a `ModelNotes` with its ``route``.
        With fewer than two columns there is nothing to relate: no edges, route "none".
    """
    import scm

    if table.shape[1] < 2:  # at most one measured concept: no edge to discover, by any route
        graph = nx.DiGraph()
        graph.add_nodes_from(table.columns)
        graph.graph["notes"] = ModelNotes(method="none", route="none")
        return graph
    route = ("pairs" if pairs is not None else "pc") if discovery == "auto" else discovery
    known = knowledge_among(knowledge or {}, list(table.columns))
    observational = "pc" if route == "pairs" else route
    if route == "pairs":
        if pairs is None:
            raise ValueError("discovery='pairs' needs pairs: the concept tables of both images of each pair")
        graph = _pairs_graph(table, pairs[0][list(table.columns)], pairs[1][list(table.columns)], known,
                             dict(options or {}), keep_undecided, seed)
    else:
        graph = scm.discover(table, method=route, seed=seed, **known, **dict(options or {}))
        for u, v in graph.edges:
            graph.edges[u, v].setdefault("confidence", np.nan)
    unstable = []
    if bootstrap:
        annotate_stability(graph, scm.bootstrap(table, observational, n=bootstrap, seed=seed, **known).frequencies)
        unstable = [e for e in graph.edges if graph.edges[e].get("source") == "observational"
                    and graph.edges[e]["bootstrap_frequency"] < MIN_BOOTSTRAP_ADJACENCY]
        graph.remove_edges_from(unstable)
    graph.graph["notes"] = ModelNotes.extending(notes_of(graph), route=route, unstable=unstable)
    return graph


def _pairs_graph(table: pd.DataFrame, before: pd.DataFrame, after: pd.DataFrame, known: dict[str, Any],
                 options: dict[str, Any], keep_undecided: bool, seed: int) -> nx.DiGraph:
    """The pair route: ancestry from the pairs, edges of unseen concepts from PC bounded by them, knowledge imposed."""
    import scm

    graph = scm.discover_from_pairs(before, after, **options)
    if not keep_undecided:  # still listed in the notes' `undecided`
        graph.remove_edges_from([e for e in graph.edges if graph.edges[e].get("undecided")])
    graph = scm.add_unseen_edges(graph, table, "pc", seed=seed, **known)
    return scm.knowledge.impose_knowledge(graph, **known)


def knowledge_among(knowledge: Mapping[str, Any], names: list[str]) -> dict[str, Any]:
    """Background knowledge restricted to the edges and tier members among `names`.

    Parameters
    ----------
    knowledge : dict
        {"required": [(u, v), ...], "forbidden": [...], "tiers": [[...], ...]}, any part absent or None.
    names : list
        The variables discovery runs on (concepts left out of it drop out of the knowledge).

    Returns
    -------
    dict
        The same keys, keeping only what names variables in `names`.
    """
    known = set(names)
    out: dict[str, Any] = {}
    for key in ("required", "forbidden"):
        if knowledge.get(key) is not None:
            out[key] = [(u, v) for u, v in knowledge[key] if u in known and v in known]
    if knowledge.get("tiers") is not None:
        out["tiers"] = [[n for n in tier if n in known] for tier in knowledge["tiers"]]
    return out


def annotate_stability(graph: nx.DiGraph, frequencies: pd.DataFrame) -> None:
    """Write bootstrap frequencies onto the edges of `graph`, in place.

    Every edge gets ``bootstrap_frequency``, the share of resamples that found its two ends adjacent.
    An edge with no confidence of its own (one only the observational method found) gets ``confidence``,
    the share of resamples that found it with its orientation: ``directed`` for u -> v, ``undirected``
    for u -- v. Confidence keeps the one meaning `scm.notes` gives it.

    Parameters
    ----------
    graph : networkx.DiGraph
        The discovered graph.
    frequencies : DataFrame
        `scm.bootstrap(...).frequencies`: columns u, v, directed, undirected, adjacency.
    """
    lookup = {(row.u, row.v): row for row in frequencies.itertuples(index=False)}
    for u, v in graph.edges:
        row = lookup.get((u, v))
        attributes = graph.edges[u, v]
        attributes["bootstrap_frequency"] = float(row.adjacency) if row is not None else 0.0
        if np.isnan(attributes.get("confidence", np.nan)):
            undirected = attributes.get("undirected", False) and graph.has_edge(v, u)
            share = (row.undirected if undirected else row.directed) if row is not None else 0.0
            attributes["confidence"] = float(share)


def orient(graph: nx.DiGraph, table: pd.DataFrame, rule: str = "extension", seed: int = 0) -> nx.DiGraph:
    """A DAG from `graph`, its undirected edges oriented by `rule`, for the structural equations to follow.

    Parameters
    ----------
    graph : networkx.DiGraph
        A discovered graph, possibly with undirected edges (both directions, marked ``undirected``).
    table : DataFrame
        The concept table (for rule "lingam").
    rule : str
        "extension": a consistent DAG extension, with a warning naming the edges; "lingam": DirectLiNGAM's
        causal order over the concepts (edges marked ``oriented_by="lingam"``); "error": refuse.
    seed : int
        Seed of the extension and of LiNGAM.

    Returns
    -------
    networkx.DiGraph
        A copy of `graph` with every edge directed.
    """
    import scm

    if rule not in ORIENT_RULES:
        raise ValueError(f"orient must be one of {ORIENT_RULES}; got {rule!r}")
    undirected = scm.graph.undirected_edges(graph)
    if not undirected:
        return graph.copy()
    if rule == "error":
        raise ValueError(f"discovery left undirected edges {undirected}; pass orient='extension' or 'lingam', or add knowledge")
    if rule == "lingam":
        order = notes_of(scm.discover(table, method="lingam", seed=seed)).causal_order or []
        rank = {name: i for i, name in enumerate(order)}
        dag = graph.copy()
        for u, v in undirected:
            first, second = (u, v) if rank[u] < rank[v] else (v, u)
            dag.remove_edge(second, first)
            dag.edges[first, second]["undirected"] = False
            dag.edges[first, second]["oriented_by"] = "lingam"
        return dag
    warnings.warn(
        f"discovery left undirected edges {undirected}; the SCM uses one consistent DAG extension of them "
        "(orient='extension'). Pass orient='lingam', tiers in knowledge, or pairs to orient them on evidence.",
        stacklevel=3,
    )
    return scm.graph.to_dag(graph, seed=seed)
