"""Graph representation shared by scm, and conversions to matrices, causal-learn and DOT.

Convention: a graph is a `networkx.DiGraph` over variable names. A directed edge u -> v is
the edge (u, v) alone. An undirected edge u — v (from a CPDAG: the orientation is not
identified) is the pair (u, v), (v, u), each with attribute `undirected=True`. Optional edge
attributes: `weight` (a coefficient), `confidence` (see `scm.notes`). What discovery learned about
a graph rides on it as ``graph.graph["notes"]``; the functions here that derive a graph from another
give it its own copy.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import networkx as nx
import numpy as np

from scm.notes import copy_notes


def undirected_edges(g: nx.DiGraph) -> list[tuple]:
    """Return the undirected edges of `g`, each pair once, in the graph's node order."""
    order = {node: k for k, node in enumerate(g.nodes)}
    return [(u, v) for u, v, marked in g.edges(data="undirected", default=False)
            if marked and order[u] < order[v]]


def directed_edges(g: nx.DiGraph) -> list[tuple]:
    """Return the directed edges u -> v of `g` (edges not marked undirected)."""
    return [(u, v) for u, v, marked in g.edges(data="undirected", default=False) if not marked]


def is_dag(g: nx.DiGraph) -> bool:
    """True when `g` has no undirected marks and no directed cycle."""
    return not undirected_edges(g) and nx.is_directed_acyclic_graph(g)


def validate_dag(g: nx.DiGraph, name: str = "graph") -> None:
    """Raise ValueError unless `g` is a DAG, naming an undirected edge or a cycle found."""
    if not isinstance(g, nx.DiGraph):
        raise ValueError(f"{name} must be a networkx.DiGraph; got {type(g).__name__}")
    undirected = undirected_edges(g)
    if undirected:
        u, v = undirected[0]
        raise ValueError(f"{name} must be a DAG but has undirected edge {u!r} — {v!r}; "
                         "orient it or call scm.graph.to_dag")
    try:
        cycle = nx.find_cycle(g)
    except nx.NetworkXNoCycle:
        return
    path = " -> ".join(repr(u) for u, _ in cycle) + f" -> {cycle[0][0]!r}"
    raise ValueError(f"{name} must be acyclic but has the cycle {path}")


def _new_like(g: nx.DiGraph) -> nx.DiGraph:
    out = nx.DiGraph()
    out.add_nodes_from(g.nodes(data=True))
    out.graph.update(g.graph)
    copy_notes(g, out)
    return out


def add_undirected(g: nx.DiGraph, u, v, **attrs) -> None:
    """Add the undirected edge u — v to `g` under the convention (both directions, marked)."""
    g.add_edge(u, v, undirected=True, **attrs)
    g.add_edge(v, u, undirected=True, **attrs)


def to_dag(g: nx.DiGraph, seed: int | None = None) -> nx.DiGraph:
    """Return a DAG that orients every undirected edge of the PDAG `g` consistently.

    Dor & Tarsi (1992): repeatedly remove a sink whose undirected neighbours are adjacent to
    all its other neighbours; no new v-structure or cycle is created. With `seed` the sink
    is drawn at random (another member of the equivalence class); without, the first in
    node order is taken. ValueError when no consistent extension exists.
    """
    rng = None if seed is None else np.random.default_rng(seed)
    work = g.copy()
    out = _new_like(g)
    for u, v in directed_edges(g):
        out.add_edge(u, v, **g.edges[u, v])
    while work.number_of_nodes():
        candidates = []
        for x in work.nodes:
            undirected_nb = {y for y in work.successors(x) if work.edges[x, y].get("undirected")}
            if any(not work.edges[x, y].get("undirected") for y in work.successors(x)):
                continue  # x has an outgoing directed edge: not a sink
            adjacent = set(work.successors(x)) | set(work.predecessors(x))
            if all(work.has_edge(y, z) or work.has_edge(z, y)
                   for y in undirected_nb for z in adjacent - {y}):
                candidates.append(x)
        if not candidates:
            raise ValueError("the graph has no consistent DAG extension (Dor-Tarsi found no admissible sink)")
        x = candidates[0] if rng is None else candidates[int(rng.integers(len(candidates)))]
        for y in list(work.successors(x)):  # remaining successors are undirected neighbours
            attrs = {k: val for k, val in work.edges[x, y].items() if k != "undirected"}
            out.add_edge(y, x, **attrs)
        work.remove_node(x)
    validate_dag(out)
    return out


def cpdag(dag: nx.DiGraph) -> nx.DiGraph:
    """Return the CPDAG (Markov equivalence class) of `dag`, via causal-learn's dag2cpdag."""
    from causallearn.utils.DAG2CPDAG import dag2cpdag

    validate_dag(dag, "dag")
    out = from_causallearn(dag2cpdag(to_causallearn(dag)), list(dag.nodes))
    for u, v in directed_edges(out):
        out.edges[u, v].update(dag.edges[u, v])
    out.graph.update(dag.graph)
    copy_notes(dag, out)
    return out


def to_adjacency(g: nx.DiGraph, order: Sequence | None = None, weight: str | None = None) -> np.ndarray:
    """Return the matrix A with A[i, j] != 0 iff i -> j (both entries set for i — j).

    Entries are 1, or the edge attribute `weight` when named (missing weights read 1).
    `order` fixes the row/column order (default: the graph's node order).
    """
    nodes = list(g.nodes) if order is None else list(order)
    if set(nodes) != set(g.nodes) or len(nodes) != len(g):
        raise ValueError(f"order must list each node of the graph once; graph nodes: {list(g.nodes)}")
    index = {node: k for k, node in enumerate(nodes)}
    matrix = np.zeros((len(nodes), len(nodes)))
    for u, v, data in g.edges(data=True):
        matrix[index[u], index[v]] = 1.0 if weight is None else data.get(weight, 1.0)
    return matrix


def from_adjacency(matrix: np.ndarray, names: Sequence, weight: str | None = "weight") -> nx.DiGraph:
    """Return the graph of A (A[i, j] != 0 means i -> j; both nonzero means i — j).

    The entry A[i, j] is stored as edge attribute `weight` unless `weight` is None.
    """
    matrix = np.asarray(matrix)
    names = list(names)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] != len(names):
        raise ValueError(f"matrix must be square with one row per name ({len(names)}); got shape {matrix.shape}")
    if not np.isfinite(matrix).all():
        raise ValueError("matrix contains NaN or infinite entries")
    g = nx.DiGraph()
    g.add_nodes_from(names)
    for i, j in zip(*np.nonzero(matrix)):
        if i == j:
            raise ValueError(f"matrix has a self-loop on {names[i]!r}")
        attrs = {} if weight is None else {weight: float(matrix[i, j])}
        if matrix[j, i] != 0:
            attrs["undirected"] = True
        g.add_edge(names[i], names[j], **attrs)
    return g


def to_causallearn(g: nx.DiGraph):
    """Return a causal-learn GeneralGraph: TAIL->ARROW for u -> v, TAIL—TAIL for u — v."""
    from causallearn.graph.Edge import Edge
    from causallearn.graph.Endpoint import Endpoint
    from causallearn.graph.GeneralGraph import GeneralGraph
    from causallearn.graph.GraphNode import GraphNode

    nodes = {name: GraphNode(str(name)) for name in g.nodes}
    out = GeneralGraph(list(nodes.values()))
    for u, v in directed_edges(g):
        out.add_directed_edge(nodes[u], nodes[v])
    for u, v in undirected_edges(g):
        out.add_edge(Edge(nodes[u], nodes[v], Endpoint.TAIL, Endpoint.TAIL))
    return out


def from_causallearn(general_graph, names: Sequence | None = None) -> nx.DiGraph:
    """Return our DiGraph for a causal-learn graph (node k of the graph is names[k]).

    TAIL–ARROW is directed, TAIL–TAIL undirected; an ARROW–ARROW edge (a conflict PC may
    report) becomes both directions marked `bidirected=True`. Circle endpoints (PAGs) raise.
    """
    from causallearn.graph.Endpoint import Endpoint

    cl_nodes = general_graph.get_nodes()
    names = [n.get_name() for n in cl_nodes] if names is None else list(names)
    if len(names) != len(cl_nodes):
        raise ValueError(f"names has {len(names)} entries but the graph has {len(cl_nodes)} nodes")
    rename = {node.get_name(): name for node, name in zip(cl_nodes, names)}
    g = nx.DiGraph()
    g.add_nodes_from(names)
    for edge in general_graph.get_graph_edges():
        a, b = rename[edge.get_node1().get_name()], rename[edge.get_node2().get_name()]
        ends = (edge.get_endpoint1(), edge.get_endpoint2())
        if ends == (Endpoint.TAIL, Endpoint.ARROW):
            g.add_edge(a, b)
        elif ends == (Endpoint.ARROW, Endpoint.TAIL):
            g.add_edge(b, a)
        elif ends == (Endpoint.TAIL, Endpoint.TAIL):
            add_undirected(g, a, b)
        elif ends == (Endpoint.ARROW, Endpoint.ARROW):
            g.add_edge(a, b, bidirected=True)
            g.add_edge(b, a, bidirected=True)
        else:
            raise ValueError(f"edge {a!r}-{b!r} has endpoints {ends}; only TAIL/ARROW graphs are supported")
    return g


def to_dot(g: nx.DiGraph, name: str = "G") -> str:
    """Return Graphviz DOT text; undirected edges are written once with dir=none."""
    def quote(x) -> str:
        return '"' + str(x).replace("\\", "\\\\").replace('"', '\\"') + '"'

    def label(data: dict) -> str:
        parts = [f"{key}={data[key]:.3g}" for key in ("weight", "confidence") if key in data]
        return f' [label="{", ".join(parts)}"]' if parts else ""

    lines = [f"digraph {quote(name)} {{"]
    lines += [f"  {quote(n)};" for n in g.nodes]
    for u, v in directed_edges(g):
        lines.append(f"  {quote(u)} -> {quote(v)}{label(g.edges[u, v])};")
    for u, v in undirected_edges(g):
        attrs = label(g.edges[u, v])
        attrs = attrs[:-1] + ", dir=none]" if attrs else " [dir=none]"
        lines.append(f"  {quote(u)} -> {quote(v)}{attrs};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def from_edges(names: Iterable, directed: Iterable = (), undirected: Iterable = ()) -> nx.DiGraph:
    """Build a graph over `names` from lists of directed (u, v) and undirected (u, v) pairs."""
    g = nx.DiGraph()
    g.add_nodes_from(names)
    g.add_edges_from(directed)
    for u, v in undirected:
        add_undirected(g, u, v)
    return g
