"""Background knowledge for discovery: required edges, forbidden edges, temporal tiers.

One validated object, turned into what each method understands: a causal-learn
`BackgroundKnowledge` (PC), a mask on the weight matrix (NOTEARS, DAGMA, sortnregress) or
DirectLiNGAM's prior-knowledge matrix (tiers only).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from scm.notes import copy_notes


@dataclass(frozen=True)
class Knowledge:
    """Validated knowledge over `names`: tier-implied edges are folded into `forbidden`."""

    names: tuple
    required: frozenset
    forbidden: frozenset
    tiers: tuple  # tuple of tuples of names, earliest first; () when none

    @property
    def empty(self) -> bool:
        """True when nothing is known."""
        return not self.required and not self.forbidden and not self.tiers

    def tier_pairs(self) -> frozenset:
        """The (later, earlier) edges that the tiers forbid."""
        return _tier_pairs(self.tiers)

    def allowed_matrix(self) -> np.ndarray:
        """A[i, j] = 1 where an edge names[i] -> names[j] may appear (no self-loops)."""
        index = {n: k for k, n in enumerate(self.names)}
        allowed = 1.0 - np.eye(len(self.names))
        for u, v in self.forbidden:
            allowed[index[u], index[v]] = 0.0
        return allowed

    def required_matrix(self) -> np.ndarray:
        """R[i, j] = 1 where the edge names[i] -> names[j] is required."""
        index = {n: k for k, n in enumerate(self.names)}
        required = np.zeros((len(self.names), len(self.names)))
        for u, v in self.required:
            required[index[u], index[v]] = 1.0
        return required

    def to_causallearn(self, cl_nodes: Sequence):
        """Return causal-learn's BackgroundKnowledge for nodes listed in `names` order."""
        from causallearn.utils.PCUtils.BackgroundKnowledge import BackgroundKnowledge

        node = dict(zip(self.names, cl_nodes))
        bk = BackgroundKnowledge()
        for u, v in sorted(self.forbidden):
            bk.add_forbidden_by_node(node[u], node[v])
        for u, v in sorted(self.required):
            bk.add_required_by_node(node[u], node[v])
        return bk

    def lingam_prior(self) -> np.ndarray:
        """DirectLiNGAM prior: P[i, j] = 0 means no directed path from names[j] to names[i]."""
        prior = -np.ones((len(self.names), len(self.names)))
        index = {n: k for k, n in enumerate(self.names)}
        for t, tier in enumerate(self.tiers):
            for later in self.tiers[t + 1:]:
                for early in tier:
                    for late in later:
                        prior[index[early], index[late]] = 0
        return prior


def _tier_pairs(tiers: tuple) -> frozenset:
    return frozenset((late, early) for t, tier in enumerate(tiers)
                     for later in tiers[t + 1:] for early in tier for late in later)


def _pairs(edges: Iterable | None, what: str, names: set) -> frozenset:
    if edges is None:
        return frozenset()
    out = set()
    for edge in edges:
        if not isinstance(edge, (tuple, list)) or len(edge) != 2:
            raise ValueError(f"{what} must be a list of (cause, effect) pairs; got {edge!r}")
        u, v = edge
        unknown = [x for x in (u, v) if x not in names]
        if unknown:
            raise ValueError(f"{what} names unknown node(s) {unknown}; columns are {sorted(map(str, names))}")
        if u == v:
            raise ValueError(f"{what} contains the self-loop ({u!r}, {v!r})")
        out.add((u, v))
    return frozenset(out)


def make_knowledge(names: Sequence, required: Iterable | None = None, forbidden: Iterable | None = None,
                   tiers: Sequence[Sequence] | None = None) -> Knowledge:
    """Validate knowledge against the column `names` and return a Knowledge.

    `tiers` is a list of lists of names; a node in a later tier cannot cause one in an
    earlier tier (those edges become forbidden). ValueError for unknown names, a node in
    two tiers, a pair both required and forbidden, or required edges that form a cycle.
    """
    known = set(names)
    req = _pairs(required, "required", known)
    forb = set(_pairs(forbidden, "forbidden", known))
    tier_tuple: tuple = ()
    if tiers is not None:
        tier_tuple = tuple(tuple(t) for t in tiers)
        seen: dict = {}
        for t, tier in enumerate(tier_tuple):
            for n in tier:
                if n not in known:
                    raise ValueError(f"tiers name unknown node {n!r}; columns are {sorted(map(str, known))}")
                if n in seen:
                    raise ValueError(f"tiers list node {n!r} in tier {seen[n]} and tier {t}")
                seen[n] = t
        forb.update(_tier_pairs(tier_tuple))
    clash = sorted(req & forb)
    if clash:
        raise ValueError(f"edges both required and forbidden (tiers count as forbidding): {clash}")
    required_graph = nx.DiGraph(list(req))
    if not nx.is_directed_acyclic_graph(required_graph):
        raise ValueError(f"required edges form a cycle: {nx.find_cycle(required_graph)}")
    return Knowledge(tuple(names), req, frozenset(forb), tier_tuple)


def impose_knowledge(graph: nx.DiGraph, required: Iterable | None = None, forbidden: Iterable | None = None,
                     tiers: Sequence[Sequence] | None = None) -> nx.DiGraph:
    """Apply knowledge after discovery, for methods that cannot take it during the search.

    Forbidden and tier-violating edges are removed (one half of an undirected pair removed
    orients it), required edges are added with confidence 1. ValueError if the result has a
    directed cycle. The result carries its own copy of the graph's notes.
    """
    knowledge = make_knowledge(list(graph.nodes), required, forbidden, tiers)
    out = graph.copy()
    copy_notes(graph, out)
    out.remove_edges_from([edge for edge in graph.edges if edge in knowledge.forbidden])
    for u, v in knowledge.required:
        if out.has_edge(v, u):
            out.remove_edge(v, u)
        out.add_edge(u, v, confidence=1.0, required=True)
    for u, v in out.edges:
        out.edges[u, v]["undirected"] = out.has_edge(v, u)
    directed = nx.DiGraph([edge for edge in out.edges if not out.edges[edge]["undirected"]])
    if not nx.is_directed_acyclic_graph(directed):
        raise ValueError(f"the knowledge makes the graph cyclic: {nx.find_cycle(directed)}; check required and tiers")
    return out
