"""scm.graph: conversions round-trip; CPDAG and DAG extension on hand-made graphs."""
import networkx as nx
import numpy as np
import pytest

from scm.graph import (
    cpdag,
    directed_edges,
    from_adjacency,
    from_causallearn,
    from_edges,
    is_dag,
    to_adjacency,
    to_causallearn,
    to_dag,
    to_dot,
    undirected_edges,
    validate_dag,
)

DAG = nx.DiGraph([("a", "b"), ("b", "c"), ("x", "z"), ("y", "z"), ("z", "w")])


def test_cpdag_keeps_compelled_edges_and_unorients_the_rest():
    c = cpdag(DAG)
    # x -> z <- y is a v-structure; z -> w follows by Meek rule 1; the chain a-b-c is reversible
    assert set(directed_edges(c)) == {("x", "z"), ("y", "z"), ("z", "w")}
    assert {frozenset(e) for e in undirected_edges(c)} == {frozenset("ab"), frozenset("bc")}
    assert not is_dag(c) and is_dag(DAG)


def test_to_dag_extends_consistently_and_stays_in_the_class():
    c = cpdag(DAG)
    for seed in (None, 0, 1, 2):
        dag = to_dag(c, seed=seed)
        assert is_dag(dag)
        assert set(directed_edges(c)) <= set(dag.edges)
        assert cpdag(dag).edges == c.edges  # same Markov equivalence class
    cycle_only = from_edges("abcd", undirected=[("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")])
    with pytest.raises(ValueError, match="no consistent DAG extension"):
        to_dag(cycle_only)  # a chordless 4-cycle has no extension without a new v-structure


def test_adjacency_round_trip_and_convention():
    g = from_edges("abc", directed=[("a", "b")], undirected=[("b", "c")])
    a = to_adjacency(g, order=["a", "b", "c"])
    np.testing.assert_array_equal(a, [[0, 1, 0], [0, 0, 1], [0, 1, 0]])  # A[i, j] != 0 means i -> j
    back = from_adjacency(a, ["a", "b", "c"], weight=None)
    assert set(directed_edges(back)) == {("a", "b")} and undirected_edges(back) == [("b", "c")]
    w = from_adjacency(np.array([[0, 0.7], [0, 0]]), ["p", "q"])
    assert w.edges["p", "q"]["weight"] == 0.7
    with pytest.raises(ValueError, match="square"):
        from_adjacency(np.zeros((2, 3)), ["p", "q"])


def test_causallearn_round_trip_uses_tail_arrow_endpoints():
    c = cpdag(DAG)
    general = to_causallearn(c)
    m, names = general.graph, [n.get_name() for n in general.get_nodes()]
    i, j = names.index("x"), names.index("z")
    assert (m[j, i], m[i, j]) == (1, -1)  # causal-learn: G[j, i] = 1, G[i, j] = -1 is i -> j
    a, b = names.index("a"), names.index("b")
    assert m[a, b] == m[b, a] == -1  # undirected: both tails
    back = from_causallearn(general)
    assert sorted(back.edges(data="undirected", default=False)) == sorted(c.edges(data="undirected", default=False))


def test_dot_writes_undirected_edges_once_without_arrowheads():
    dot = to_dot(from_edges("abc", directed=[("a", "b")], undirected=[("b", "c")]))
    assert '"a" -> "b";' in dot
    assert dot.count('"b" -> "c" [dir=none];') + dot.count('"c" -> "b" [dir=none];') == 1
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")


def test_validate_dag_names_the_cycle():
    with pytest.raises(ValueError, match="cycle 'p' -> 'q' -> 'p'"):
        validate_dag(nx.DiGraph([("p", "q"), ("q", "p")]))
    with pytest.raises(ValueError, match="undirected edge"):
        validate_dag(from_edges("ab", undirected=[("a", "b")]))
