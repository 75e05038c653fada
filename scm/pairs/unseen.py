"""Columns whose own variation the pairs do not show, and their edges from an observational method.

A column the pairs never vary (a factor never resampled, none of whose ancestors is either) has
effects the pairs cannot show. On estimated tables it is worse than silent: an encoder leaks
other variables into its estimate, so it moves, a little, whenever they do, and the change
co-occurrence reads it as their cause (pendulum pairs that never varied the light: the pairs
route claimed light -> pendulum with confidence 1.0; SHD 4). Such a column is *unseen*: too
few pairs move it by a substantial share of its spread next to what the other columns get
(`unseen_columns`); `discover_from_pairs` makes no claim about it and lists it in
``notes_of(graph).unseen``.

`add_unseen_edges` then takes the edges touching unseen columns from an observational method
(PC by default) on a table of the variables. The pairs still bound them: a seen column whose
substantial changes left an unseen one (all but) still is not its ancestor, so every seen ->
unseen edge is forbidden and an edge between the two points out of the unseen one. Edges among
seen columns stay as the pairs found them. On 48 simulated graphs (d 6-10, one root never varied,
estimation error 0.15; `benchmarks/pairs_unseen.py`) completing the pairs graph so took the total
SHD from 231 to 118 (without the bound 175, measured with the 1% effect floor; PC alone 367).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from scm.graph import add_undirected
from scm.notes import copy_notes, notes_of
from scm.thresholds import MIN_CHANGES, RELATIVE_SHARE, SPREAD_SHARE


def unseen_columns(delta: np.ndarray, threshold: np.ndarray, spread: np.ndarray, miss: np.ndarray) -> np.ndarray:
    """Boolean per column: the pairs do not show its own variation. `delta` is |after - before|
    (pairs x columns), `threshold` the change cuts, `spread` each column's std across rows and
    `miss` the miss-rate matrix (a row of NaN: too few own changes to judge any descendant)."""
    substantial = delta > np.maximum(threshold, SPREAD_SHARE * spread)
    share = substantial.mean(axis=0)
    d = delta.shape[1]
    unseen = np.zeros(d, dtype=bool)
    for i in range(d):
        others = np.delete(share, i)
        unseen[i] = (substantial[:, i].sum() < MIN_CHANGES or share[i] < RELATIVE_SHARE * np.median(others)
                     or bool(np.isnan(np.delete(miss[i], i)).all()))
    return unseen


def add_unseen_edges(graph: nx.DiGraph, table: pd.DataFrame, method: str = "pc", *, seed: int = 0,
                     forbidden: Iterable | None = None, **options: Any) -> nx.DiGraph:
    """The pairs graph with the edges touching its unseen columns found by an observational method.

    Parameters
    ----------
    graph : networkx.DiGraph
        A graph from `scm.discover_from_pairs`; its notes list the unseen columns. Not changed.
    table : DataFrame
        Observations of the same columns (one column per node).
    method : str
        The `scm.discover` method that finds the edges (default "pc").
    seed : int
        Passed to `scm.discover`.
    forbidden : iterable of (cause, effect), optional
        Edges to forbid besides the seen -> unseen ones the pairs rule out.
    **options
        Other `scm.discover` options (alpha, tiers, required, ...).

    Returns
    -------
    networkx.DiGraph
        A copy of `graph`; added edges carry ``source="observational"`` and NaN `confidence`, and
        its notes record ``unseen_method``.
    """
    from scm.discovery.dispatch import discover

    unseen = list(notes_of(graph).unseen)
    out = graph.copy()
    copy_notes(graph, out)
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
            u, v = (u, v) if u in unseen else (v, u)  # the pairs orient it: v moved while u did not
        out.add_edge(u, v, source="observational", confidence=float("nan"), undirected=False)
    notes_of(out).unseen_method = method
    return out
