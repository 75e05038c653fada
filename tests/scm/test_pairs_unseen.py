"""Edges the pairs cannot show (a column they never vary) come from an observational method."""
import networkx as nx
import numpy as np
import pytest

from scm.discovery.dispatch import discover
from scm.notes import notes_of
from scm.pairs.discover import discover_from_pairs
from scm.pairs.unseen import add_unseen_edges
from scm.simulate import AdditiveSCM


def _never_varied_cause():
    """W -> Y <- X, Y -> Z, W -> V; the pairs resample X, Y, Z and V, never W."""
    g = nx.DiGraph([("W", "Y"), ("X", "Y"), ("Y", "Z"), ("W", "V")])
    weights = {("W", "Y"): 0.9, ("X", "Y"): 1.0, ("Y", "Z"): 1.2, ("W", "V"): -0.8}
    model = AdditiveSCM(g, weights, {e: "linear" for e in g.edges}, {v: 0.7 for v in g.nodes})
    before, after = model.sample_pairs(3000, k=1, seed=0, sources=["X", "Y", "Z", "V"])
    with pytest.warns(UserWarning, match="'W' never changes in any pair"):
        pairs_graph = discover_from_pairs(before, after)
    return g, before, pairs_graph


def test_a_column_the_pairs_never_vary_is_listed_and_its_edges_found_from_observations():
    truth, before, pairs_graph = _never_varied_cause()
    assert notes_of(pairs_graph).unseen == ["W"]
    assert set(pairs_graph.edges) == {("X", "Y"), ("Y", "Z")}  # W's two effects are invisible to the pairs
    full = add_unseen_edges(pairs_graph, before)
    assert set(full.edges) == set(truth.edges)
    # PC alone leaves W -> V undirected (no v-structure at V); the pairs orient it: V changed while W stood still
    assert not full.edges["W", "V"]["undirected"] and full.edges["W", "V"]["source"] == "observational"
    assert "source" not in full.edges["X", "Y"]  # the pairs' own edges are kept as they were
    assert discover(before, "pc").has_edge("X", "Z")  # which PC alone would not: it adds X -> Z here
    assert set(pairs_graph.edges) == {("X", "Y"), ("Y", "Z")}  # the input graph is not changed
    assert notes_of(full).unseen_method == "pc" and notes_of(pairs_graph).unseen_method is None


def test_a_never_varied_column_that_leaks_is_unseen_not_a_cause():
    """An encoder leaks a little of A into the estimate of L, which the pairs never vary: L then
    moves with A, and read by change co-occurrence it looked like A's effect (A -> L claimed)."""
    g = nx.DiGraph([("A", "B"), ("L", "B"), ("B", "C")])
    model = AdditiveSCM(g, {("A", "B"): 1.0, ("L", "B"): 0.8, ("B", "C"): 1.0}, {e: "linear" for e in g.edges},
                        {v: 0.7 for v in g.nodes})
    before, after = model.sample_pairs(3000, k=1, seed=0, sources=["A", "B", "C"])
    rng = np.random.default_rng(1)

    def estimate(table):
        leaked = table.assign(L=table["L"] + 0.05 * table["A"])
        return leaked + 0.01 * rng.standard_normal(table.shape)

    before, after = estimate(before), estimate(after)
    pairs_graph = discover_from_pairs(before, after)
    assert notes_of(pairs_graph).unseen == ["L"]
    assert set(pairs_graph.edges) == {("A", "B"), ("B", "C")}  # no claim either way about L
    assert set(add_unseen_edges(pairs_graph, before).edges) == set(g.edges)


def test_bad_input():
    truth, before, pairs_graph = _never_varied_cause()
    with pytest.raises(ValueError, match="missing \\['W'\\]"):
        add_unseen_edges(pairs_graph, before.drop(columns="W"))
    with pytest.raises(ValueError, match="sources"):
        AdditiveSCM(truth, {e: 1.0 for e in truth.edges}, {e: "linear" for e in truth.edges},
                    {v: 1.0 for v in truth.nodes}).sample_pairs(10, sources=["Q"])
