"""scm.knowledge: validation and translation of background knowledge."""
import numpy as np
import pytest

from scm.knowledge import make_knowledge


def test_tiers_forbid_backward_edges_and_build_masks():
    k = make_knowledge(["a", "b", "c"], required=[("a", "b")], forbidden=[("c", "b")], tiers=[["a"], ["b", "c"]])
    assert k.forbidden == {("c", "b"), ("b", "a"), ("c", "a")}
    np.testing.assert_array_equal(k.allowed_matrix(), [[0, 1, 1], [0, 0, 1], [0, 0, 0]])
    np.testing.assert_array_equal(k.required_matrix(), [[0, 1, 0], [0, 0, 0], [0, 0, 0]])
    # DirectLiNGAM prior: entry [i, j] = 0 forbids a path j -> i (later tier to earlier)
    np.testing.assert_array_equal(k.lingam_prior(), [[-1, 0, 0], [-1, -1, -1], [-1, -1, -1]])


def test_causallearn_background_knowledge():
    from causallearn.graph.GraphNode import GraphNode

    nodes = [GraphNode(n) for n in "abc"]
    bk = make_knowledge("abc", required=[("a", "b")], forbidden=[("c", "a")]).to_causallearn(nodes)
    assert bk.is_required(nodes[0], nodes[1]) and bk.is_forbidden(nodes[2], nodes[0])
    assert not bk.is_forbidden(nodes[0], nodes[2])


@pytest.mark.parametrize("kwargs, message", [
    ({"required": [("a", "zz")]}, "unknown node"),
    ({"forbidden": [("a",)]}, "pairs"),
    ({"tiers": [["a"], ["a", "b"]]}, "tier 0 and tier 1"),
    ({"required": [("b", "a")], "tiers": [["a"], ["b"]]}, "both required and forbidden"),
    ({"required": [("a", "b"), ("b", "c"), ("c", "a")]}, "cycle"),
    ({"forbidden": [("a", "a")]}, "self-loop"),
])
def test_bad_knowledge_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_knowledge(["a", "b", "c"], **kwargs)


def test_impose_knowledge_after_discovery():
    import networkx as nx

    from scm.knowledge import impose_knowledge

    graph = nx.DiGraph([("a", "b"), ("b", "c")])
    out = impose_knowledge(graph, forbidden=[("b", "c")], required=[("a", "c")])
    assert set(out.edges) == {("a", "b"), ("a", "c")}
    assert out.edges["a", "c"]["confidence"] == 1.0
    from scm.notes import DiscoveryNotes, notes_of

    graph.graph["notes"] = DiscoveryNotes("pc")
    notes_of(impose_knowledge(graph, forbidden=[("b", "c")])).undecided.append(("a", "b"))
    assert notes_of(graph).undecided == []  # the result has its own copy of the notes
    undirected = nx.DiGraph([("a", "b"), ("b", "a")])
    oriented = impose_knowledge(undirected, tiers=[["a"], ["b"]])
    assert set(oriented.edges) == {("a", "b")} and not oriented.edges["a", "b"]["undirected"]
    with pytest.raises(ValueError, match="unknown node"):
        impose_knowledge(graph, forbidden=[("x", "a")])
