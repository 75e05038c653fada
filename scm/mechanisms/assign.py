"""Which mechanism each node of an SCM gets, from the user's choice and the kind of its column."""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

import networkx as nx
import numpy as np
import pandas as pd

from scm.tables import is_discrete

CONTINUOUS = ("linear", "mlp", "auto")
ROOTS = ("empirical", "gaussian")
NAMES = (*CONTINUOUS, "categorical", *ROOTS)


def assign_mechanisms(graph: nx.DiGraph, spec: str | Mapping[Hashable, str], data: pd.DataFrame,
                      declared: Iterable[Hashable], max_categories: int, root: str) -> tuple[dict, set]:
    """Each node's mechanism name, and the set of discrete nodes.

    Parameters
    ----------
    graph : networkx.DiGraph
        The SCM's DAG.
    spec : str or dict
        One of `CONTINUOUS` for every node, or node -> one of `NAMES` (unnamed nodes get "linear").
    data : DataFrame
        The training table; columns the user did not name are discrete when
        `scm.tables.is_discrete` says so (with `max_categories` levels at most).
    declared : iterable
        Nodes the user declares discrete.
    max_categories : int
        The most levels of a whole-number column read as discrete.
    root : str
        The distribution of root nodes that got a continuous name ("empirical" or "gaussian").

    Returns
    -------
    (dict, set)
        Node -> mechanism name, and the discrete nodes (their name is "categorical").
    """
    named = _named(graph, spec)
    declared = list(declared)
    unknown = [node for node in declared if node not in graph]
    if unknown:
        raise ValueError(f"discrete names unknown node(s) {unknown}; nodes are {list(graph.nodes)}")
    names, discrete = {}, set()
    for node in graph.nodes:
        name = named.get(node, spec if isinstance(spec, str) else "linear")
        if name == "categorical" or node in declared:
            if node in named and name != "categorical":
                raise ValueError(f"node {node!r} is declared discrete but given mechanism {name!r}")
            name = "categorical"
        elif node not in named and is_discrete(data[node], max_categories):
            name = "categorical"
        elif not pd.api.types.is_numeric_dtype(data[node]):
            raise ValueError(f"node {node!r} has non-numeric values but mechanism {name!r}; "
                             "use 'categorical' or numeric values")
        is_root = graph.in_degree(node) == 0
        if name == "categorical":
            discrete.add(node)
        elif is_root and name not in ROOTS:
            name = root
        elif not is_root and name in ROOTS:
            raise ValueError(f"node {node!r} has parents; {name!r} is only for root nodes")
        names[node] = name
    return names, discrete


def _named(graph: nx.DiGraph, spec: str | Mapping[Hashable, str]) -> dict:
    """The nodes the user named a mechanism for ({} when `spec` is one name for all)."""
    if isinstance(spec, str):
        if spec not in CONTINUOUS:
            raise ValueError(f"mechanisms must be one of {list(CONTINUOUS)} or a dict node -> name; got {spec!r}")
        return {}
    if not isinstance(spec, Mapping):
        raise ValueError(f"mechanisms must be a string or a dict node -> name; got {type(spec).__name__}")
    unknown = [node for node in spec if node not in graph]
    if unknown:
        raise ValueError(f"mechanisms names unknown node(s) {unknown}; nodes are {list(graph.nodes)}")
    bad = {node: name for node, name in spec.items() if name not in NAMES}
    if bad:
        raise ValueError(f"unknown mechanism name(s) {bad}; known: {list(NAMES)}")
    return dict(spec)


def classes_of(column: pd.Series, node: Hashable) -> np.ndarray:
    """The sorted classes of a discrete node's column; at least two are needed."""
    if column.isna().any():
        raise ValueError(f"data contains missing values in column {node!r}")
    classes = np.array(sorted(column.unique().tolist()))
    if len(classes) < 2:
        raise ValueError(f"data column {node!r} is constant; a discrete node needs at least 2 classes")
    return classes
