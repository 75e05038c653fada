"""Random DAGs over K nodes: an undirected Erdős–Rényi or scale-free skeleton oriented by a random order."""
from __future__ import annotations

import networkx as nx
import numpy as np

GRAPH_KINDS = ("er", "scale-free")
DEGREE = (1.0, 2.0)  # Erdős–Rényi: expected number of neighbours per node, drawn uniformly in this interval


def random_dag(rng: np.random.Generator, k: int, kind: str) -> nx.DiGraph:
    """A random DAG over the nodes 0..k-1.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of every random choice, so a seed fixes the graph.
    k : int
        Number of nodes (at least 2).
    kind : {"er", "scale-free"}
        "er": each pair is linked with probability d / (k - 1), d ~ U(1, 2) the expected degree;
        "scale-free": Barabási–Albert preferential attachment with one link per new node, so a few
        hubs gather many links (a tree: k - 1 edges).

    Returns
    -------
    networkx.DiGraph
        Every link points from the earlier to the later node of a uniformly random order, so the
        graph is acyclic and any node may be a root, a hub or a sink.
    """
    graph_seed = int(rng.integers(2**31))
    if kind == "er":
        probability = min(1.0, rng.uniform(*DEGREE) / (k - 1))
        skeleton = nx.gnp_random_graph(k, probability, seed=graph_seed)
    else:
        skeleton = nx.barabasi_albert_graph(k, 1, seed=graph_seed)
    rank = np.argsort(rng.permutation(k))  # rank[v]: position of node v in the causal order
    dag = nx.DiGraph()
    dag.add_nodes_from(range(k))
    dag.add_edges_from((a, b) if rank[a] < rank[b] else (b, a) for a, b in skeleton.edges)
    return dag
