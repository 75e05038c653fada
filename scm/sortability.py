"""Sortability: how well a data scale (variance, R^2) orders the variables along a true DAG.

Reisach, Seiler & Weichwald (2021, "Beware of the simulated DAG!") and Reisach et al. (2023,
"A scale-invariant sorting criterion to find a causal order in additive noise models").
Definition as in their reference code (CausalDisco): over all pairs (i, j) joined by a
directed path of length k, for each k = 1..d-1, count 1 when the score of the effect j is
larger than that of the cause i, 1/2 when equal, 0 when smaller; divide by the number of
such (i, j, k). 1 means sorting by the score recovers the causal order; 0.5 is chance.
"""
from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from scm.graph import to_adjacency, validate_dag
from scm.tables import validate_table


def order_alignment(adjacency: np.ndarray, scores: np.ndarray, tol: float = 0.0) -> float:
    """Sortability of `scores` along the DAG `adjacency` (A[i, j] != 0: i -> j); NaN if no edges."""
    if tol < 0:
        raise ValueError(f"tol must be >= 0; got {tol}")
    edges = adjacency != 0
    reach = edges.copy()
    difference = scores.reshape(1, -1) - scores.reshape(-1, 1)  # [i, j] = score_j - score_i
    n_paths = 0
    n_aligned = 0.0
    for _ in range(len(edges) - 1):
        n_paths += reach.sum()
        n_aligned += (reach & (difference >= -tol)).sum() / 2 + (reach & (difference > tol)).sum() / 2
        reach = (reach.astype(np.int64) @ edges.astype(np.int64)) > 0
    return float(n_aligned / n_paths) if n_paths else float("nan")


def r2_scores(values: np.ndarray) -> np.ndarray:
    """R^2 of predicting each column linearly from all the others (via the inverse correlation)."""
    corr = np.corrcoef(values, rowvar=False)
    try:
        return 1.0 - 1.0 / np.diag(np.linalg.inv(corr))
    except np.linalg.LinAlgError:
        out = np.empty(values.shape[1])
        for k in range(values.shape[1]):
            others = np.delete(values, k, axis=1)
            design = np.column_stack([others, np.ones(len(values))])
            residual = values[:, k] - design @ np.linalg.lstsq(design, values[:, k], rcond=None)[0]
            out[k] = 1.0 - residual.var() / values[:, k].var()
        return out


def _prepare(data: pd.DataFrame | np.ndarray, graph: nx.DiGraph) -> tuple[np.ndarray, np.ndarray]:
    frame = validate_table(data)
    validate_dag(graph)
    missing = sorted(set(map(str, graph.nodes)) - set(frame.columns))
    if missing:
        raise ValueError(f"graph nodes {missing} are not columns of data; columns are {list(frame.columns)}")
    names = [str(n) for n in graph.nodes]
    relabelled = nx.relabel_nodes(graph, {n: str(n) for n in graph.nodes})
    return frame[names].to_numpy(), to_adjacency(relabelled, names)


def varsortability(data: pd.DataFrame | np.ndarray, graph: nx.DiGraph, tol: float = 0.0) -> float:
    """Fraction of directed paths of `graph` along which the marginal variance increases (ties 1/2)."""
    values, adjacency = _prepare(data, graph)
    return order_alignment(adjacency, values.var(axis=0), tol)


def r2_sortability(data: pd.DataFrame | np.ndarray, graph: nx.DiGraph, tol: float = 0.0) -> float:
    """Like varsortability with R^2 (each column from all others), which is scale-invariant."""
    values, adjacency = _prepare(data, graph)
    return order_alignment(adjacency, r2_scores(values), tol)
