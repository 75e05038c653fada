"""crl.label_edges: discovered edges the labelled rows give no evidence for leave the graph."""
import networkx as nx
import numpy as np
import pandas as pd

from crl.label_edges import refute_edges


def labelled_rows() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 1, 100)
    b = np.sin(3 * a) + 0.1 * rng.normal(size=100)
    c = rng.uniform(0, 1, 100)  # independent of both
    return pd.DataFrame({"a": a, "b": b, "c": c}, index=rng.permutation(10_000)[:100])


def test_an_edge_without_evidence_leaves_with_its_numbers_and_a_true_one_stays():
    graph = nx.DiGraph([("a", "b"), ("c", "b")])
    refuted = refute_edges(graph, labelled_rows())
    assert list(graph.edges) == [("a", "b")]
    assert list(refuted) == ["c->b"] and refuted["c->b"]["p_value"] > 0.05 and refuted["c->b"]["rows"] == 100


def test_required_and_kept_undecided_edges_stay_and_no_labels_check_nothing():
    graph = nx.DiGraph([("a", "b"), ("c", "b")])
    assert refute_edges(graph, labelled_rows(), {"required": [("c", "b")]}) == {}
    assert graph.has_edge("c", "b")
    graph.edges["c", "b"]["undecided"] = True
    assert refute_edges(graph, labelled_rows()) == {} and graph.has_edge("c", "b")
    assert refute_edges(graph, None) == {} and graph.number_of_edges() == 2
