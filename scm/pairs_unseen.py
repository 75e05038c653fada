"""Edges that paired tables cannot show, taken from an observational method on the same variables.

A column with too few changes of its own in the pairs (a factor the pairs never vary, none of
whose ancestors vary either) has effects the pairs cannot show: `discover_from_pairs` lists it in
`graph.graph["unseen"]` and claims nothing out of it. Its edges come from an observational method
(PC by default) run on a table of the variables. The pairs still bound them: a seen column that
changed while the unseen one stood still is not its ancestor, so the method is run with every
seen -> unseen edge forbidden, and an edge between a seen and an unseen column points out of the
unseen one. Edges among seen columns stay as the pairs found them.
"""
from __future__ import annotations

from typing import Any, Iterable

import networkx as nx
import pandas as pd

from scm.graph import add_undirected


def add_unseen_edges(graph: nx.DiGraph, table: pd.DataFrame, method: str = "pc", *, seed: int = 0,
                     forbidden: Iterable | None = None, **options: Any) -> nx.DiGraph:
    """A copy of the pairs graph `graph` with the edges touching its unseen columns found by `method`
    on `table` (observations of the same columns). The added edges carry `source="observational"`
    and no confidence of their own; `options` (alpha, tiers, required, ...) go to `scm.discover`."""
    from scm.discovery.dispatch import discover

    unseen = list(graph.graph.get("unseen", []))
    out = graph.copy()
    if not unseen:
        return out
    missing = sorted(set(map(str, graph.nodes)) - set(map(str, table.columns)))
    if missing:
        raise ValueError(f"table: expected a column for every node of graph; missing {missing}")
    seen = [c for c in graph.nodes if c not in unseen]
    bounds = [(s, u) for s in seen for u in unseen] + list(forbidden or [])
    observed = discover(table[list(graph.nodes)], method=method, seed=seed, forbidden=bounds, **options)
    for u, v in observed.edges:
        if u not in unseen and v not in unseen:
            continue
        if observed.edges[u, v].get("undirected"):
            if u in unseen and v in unseen:
                if not out.has_edge(u, v):
                    add_undirected(out, u, v, source="observational", confidence=float("nan"))
                continue
            u, v = (u, v) if u in unseen else (v, u)  # seen -> unseen is ruled out by the pairs
        out.add_edge(u, v, source="observational", confidence=float("nan"), undirected=False)
    out.graph["unseen_method"] = method
    return out
