"""Discovered edges checked on the labelled rows, whose values carry none of the encoder's error.

An edge discovered on concept estimates can be made by the estimates alone: a concept's latent
that leaks a little of another concept (a shadow's angle read partly from where the object sits),
or an ancestor that seems to act directly because the parent between them is read with error.
The labelled rows know the values; an edge they give no evidence for (`scm.edge_check`: the
cause's features add nothing to the child's other parents, at `scm.thresholds.EDGE_CHECK_ALPHA`)
is taken out of the graph and listed in the notes' ``refuted``, with the test's numbers.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
import pandas as pd

from scm.edge_check import edge_evidence
from scm.thresholds import EDGE_CHECK_ALPHA


def refute_edges(graph: nx.DiGraph, labels: pd.DataFrame | None, knowledge: Mapping[str, Any] | None = None,
                 alpha: float = EDGE_CHECK_ALPHA) -> dict[str, dict[str, float]]:
    """Remove from `graph` (in place) the directed edges the labelled rows give no evidence for.

    Parameters
    ----------
    graph : networkx.DiGraph
        The discovered graph over concepts; undirected edges (both directions), and edges marked ``undecided``
        that the user asked to keep (`keep_undecided`), are left as they are.
    labels : DataFrame or None
        Labelled rows in concept units (categories as codes; NaN missing); None: nothing is checked.
    knowledge : dict, optional
        Background knowledge: its ``required`` edges are never removed.
    alpha : float
        An edge stays when its test's p-value is at most this.

    Returns
    -------
    dict
        {"cause->effect": {"p_value", "share", "rows"}} of the edges removed. All edges are tested on the
        graph as discovered, then the refuted ones leave together.
    """
    if labels is None or labels.empty:
        return {}
    kept = [tuple(edge) for edge in (knowledge or {}).get("required", [])]
    kept += [edge for edge in graph.edges if graph.edges[edge].get("undecided")]
    evidence = edge_evidence(graph, labels, skip=kept)
    refuted = {edge: found for edge, found in evidence.items() if found is not None and found.p_value > alpha}
    graph.remove_edges_from(list(refuted))
    return {f"{i}->{j}": {"p_value": round(found.p_value, 4), "share": round(found.share, 4), "rows": found.rows}
            for (i, j), found in refuted.items()}
