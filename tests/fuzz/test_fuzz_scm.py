"""scm.discover and scm.SCM on drawn tables (constant, duplicated, NaN, tiny, wide) and graphs (unknown
nodes, cycles): a graph over the table's columns or a finite sample, or a named error."""
import networkx as nx
import numpy as np
import pandas as pd
from fuzzing import any_value, finite, finite_do, result_or_named_error
from hypothesis import given
from hypothesis import strategies as st

import scm

BAD_KINDS = ("constant", "copy", "nan", "huge")
GOOD_KINDS = ("normal", "child")


@st.composite
def tables(draw, kinds: tuple[str, ...] = GOOD_KINDS + BAD_KINDS) -> pd.DataFrame:
    """A table of 1-40 rows and 1-8 columns, each column random, constant, a copy of another, with a NaN, huge
    or a noisy child of the first."""
    n, width = draw(st.integers(1, 40)), draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    columns: dict[str, np.ndarray] = {}
    for j in range(width):
        kind = draw(st.sampled_from(kinds))
        values = rng.normal(size=n)
        first = next(iter(columns.values()), values)
        values = {"constant": np.full(n, 1.5), "copy": first.copy(), "huge": values * 1e200,
                  "child": first + 0.1 * values}.get(kind, values)
        if kind == "nan":
            values[draw(st.integers(0, n - 1))] = np.nan
        columns[f"x{j}"] = values
    return pd.DataFrame(columns)


@st.composite
def graphs(draw, names: list[str], bad: bool = True) -> nx.DiGraph:
    """A graph over `names`; when `bad`, sometimes with an unknown node or a cycle, else a DAG."""
    nodes = [*names, *draw(st.sampled_from([[], ["ghost"], [0]]))] if bad else names
    graph = nx.DiGraph()
    graph.add_nodes_from(draw(st.permutations(nodes)) if draw(st.booleans()) else names)
    pairs = [(u, v) for i, u in enumerate(nodes) for j, v in enumerate(nodes) if (u != v if bad else i < j)]
    graph.add_edges_from(draw(st.lists(st.sampled_from(pairs), max_size=4)) if pairs else [])
    return graph


@given(table=tables(), method=st.sampled_from(["pc", "pc", "sortnregress", "lingam", "nope"]),
       alpha=st.one_of(st.none(), st.floats(-1, 2), st.just(float("nan"))))
def test_discover(table, method, alpha):
    graph = result_or_named_error(lambda: scm.discover(table, method=method, alpha=alpha),
                                  "data", "method", "alpha", *table.columns)
    if graph is not None:
        assert set(graph.nodes) == set(table.columns)


@given(data=st.data(), bad=st.booleans(), mechanisms=st.sampled_from(["linear", "linear", "mlp", "spline"]))
def test_scm_fit_and_queries(data, bad, mechanisms):
    table = data.draw(tables(GOOD_KINDS + BAD_KINDS if bad else GOOD_KINDS))
    graph = data.draw(graphs(list(table.columns), bad))
    names = ["graph", "data", "mechanisms", "cycle", "cyclic", *map(str, graph.nodes)]
    model = result_or_named_error(lambda: scm.SCM(graph, mechanisms=mechanisms, max_steps=20, seed=0).fit(table), *names)
    if model is None:
        return
    assert finite(model.sample(5, seed=0))
    do = data.draw(st.dictionaries(st.sampled_from([*table.columns, "ghost"]), any_value, max_size=2))
    intervened = result_or_named_error(lambda: model.intervene(do, 4, seed=0), "do", *table.columns, "ghost")
    if intervened is not None and finite_do(do):
        assert finite(intervened), f"intervene({do}) gave non-finite values"
    counterfactual = result_or_named_error(lambda: model.counterfactual(table.iloc[:3], do), "do", "rows", *table.columns)
    if counterfactual is not None:
        assert counterfactual.shape == table.iloc[:3].shape
