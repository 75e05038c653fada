"""Compare an estimated graph with the true one: SHD, SID, edge precision/recall/F1.

Graphs follow scm.graph's convention (directed edges, undirected pairs marked
`undirected=True`); both graphs must have the same node set.
"""
from __future__ import annotations

import itertools

import networkx as nx

from scm.graph import cpdag, is_dag, validate_dag


def _check_nodes(g_true: nx.DiGraph, g_est: nx.DiGraph) -> None:
    if set(g_true.nodes) != set(g_est.nodes):
        missing = sorted(map(str, set(g_true.nodes) ^ set(g_est.nodes)))
        raise ValueError(f"g_true and g_est must have the same nodes; they differ in {missing}")


def _mark(g: nx.DiGraph, u, v) -> str:
    """The relation of the pair (u, v) in g: 'none', '->', '<-' or '--'."""
    forward, backward = g.has_edge(u, v), g.has_edge(v, u)
    if forward and backward:
        return "--"
    return "->" if forward else "<-" if backward else "none"


def shd(g_true: nx.DiGraph, g_est: nx.DiGraph, double_for_anticausal: bool = False) -> int:
    """Structural Hamming distance: the number of node pairs whose edge differs.

    Per unordered pair: a missing, extra or differently marked edge counts 1 (an estimated
    undirected edge where the truth is directed counts 1); a reversed edge counts 1, or 2
    with `double_for_anticausal=True` (cdt's default). Works for DAGs and CPDAGs alike.
    """
    _check_nodes(g_true, g_est)
    total = 0
    for u, v in itertools.combinations(list(g_true.nodes), 2):
        a, b = _mark(g_true, u, v), _mark(g_est, u, v)
        if a != b:
            total += 2 if double_for_anticausal and {a, b} == {"->", "<-"} else 1
    return total


def cpdag_shd(g_true_dag: nx.DiGraph, g_est_cpdag: nx.DiGraph) -> int:
    """SHD between the CPDAG of the true DAG and an estimated CPDAG (what PC/GES can identify)."""
    return shd(cpdag(g_true_dag), g_est_cpdag)


def edge_metrics(g_true: nx.DiGraph, g_est: nx.DiGraph) -> dict[str, float]:
    """Precision, recall and F1 of the skeleton (adjacencies) and of the orientations.

    Orientation scores count directed edges only: precision over the estimate's directed
    edges, recall over the truth's. Empty denominators give 0.
    """
    _check_nodes(g_true, g_est)

    def skeleton(g):
        return {frozenset(e) for e in g.edges}

    def oriented(g):
        return {(u, v) for u, v in g.edges if not g.has_edge(v, u)}

    def prf(true: set, est: set, prefix: str) -> dict[str, float]:
        hit = len(true & est)
        precision = hit / len(est) if est else 0.0
        recall = hit / len(true) if true else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {f"{prefix}_precision": precision, f"{prefix}_recall": recall, f"{prefix}_f1": f1}

    return {**prf(skeleton(g_true), skeleton(g_est), "skeleton"),
            **prf(oriented(g_true), oriented(g_est), "orientation")}


def _valid_adjustment(g: nx.DiGraph, i, j, z: set, descendants: dict) -> bool:
    """True when z is a valid adjustment set for the effect of i on j in the DAG g.

    Generalised adjustment criterion (Shpitser et al. 2010), the one SID uses: no member
    of z descends from a node on a proper causal path i -> ... -> j (other than i), and z
    d-separates i and j once the first edge of every causal path from i to j is removed.
    """
    on_paths = {k for k in descendants[i] if k == j or j in descendants[k]}  # proper causal path nodes, excl. i
    forbidden = set().union(*(descendants[k] | {k} for k in on_paths)) if on_paths else set()
    if z & forbidden:
        return False
    backdoor = g.copy()
    backdoor.remove_edges_from([(i, k) for k in g.successors(i) if k in on_paths])
    return nx.is_d_separator(backdoor, {i}, {j}, z)


def sid(g_true: nx.DiGraph, g_est: nx.DiGraph) -> int:
    """Structural intervention distance (Peters & Bühlmann 2015) of a DAG estimate.

    Counts ordered pairs (i, j), i != j, whose interventional distribution p(x_j | do(x_i))
    the estimate gets wrong by adjusting for its parents of i: if j is a parent of i in
    g_est (so "no effect"), wrong iff j descends from i in g_true; else wrong iff Pa(i) in
    g_est is not a valid adjustment set in g_true.
    """
    validate_dag(g_true, "g_true")
    _check_nodes(g_true, g_est)
    if not is_dag(g_est):
        validate_dag(g_est, "g_est")
    descendants = {node: nx.descendants(g_true, node) for node in g_true.nodes}
    wrong = 0
    for i in g_true.nodes:
        parents = set(g_est.predecessors(i))
        for j in g_true.nodes:
            if j == i:
                continue
            if j in parents:
                wrong += j in descendants[i]
            else:
                wrong += not _valid_adjustment(g_true, i, j, parents, descendants)
    return wrong
