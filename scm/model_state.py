"""A fitted `scm.SCM` as JSON-ready data and named arrays, and back, without pickle.

`SCM.to_state()` returns ``(state, arrays)``: ``state`` a dict of JSON values (format, schema version,
constructor arguments, the graph as node-link JSON, discrete nodes' classes, each node's mechanism
kind and settings: `scm.mechanisms.state`), ``arrays`` a dict of numpy arrays (residuals,
coefficients, network weights) for a safetensors file. `SCM.from_state(state, arrays)` checks every
field and array shape before it builds the model, whose queries then give the same results as the
original's for the same seed. The graph keeps its nodes, edges, and node and edge attributes that
are JSON numbers, strings or booleans; graph-level data (discovery notes) belongs to whoever saves
the SCM. Node names must be strings or integers. Writing the files is the caller's (crl's model folder).
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from scm.graph import validate_dag
from scm.mechanisms.state import KINDS, StateError, StateReader, mechanism_from_state, mechanism_state

if TYPE_CHECKING:
    from scm.model import SCM

FORMAT = "scm.SCM"
SCHEMA = 1
_SCALARS = (str, int, float, bool, type(None))


def to_state(self: SCM) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The fitted model as JSON-ready data and named arrays (see `scm.model_state`).

    Returns
    -------
    (dict, dict)
        ``state`` (JSON values only) and ``arrays`` (key -> numpy array); `SCM.from_state` takes both.
    """
    self._check_fitted()
    bad = [node for node in self.graph_.nodes if not _is_node(node)]
    if bad:
        raise ValueError(f"only SCMs whose nodes are named by strings or integers can be saved; got {bad[:5]}")
    params = self.get_params()
    del params["graph"]
    mechanisms = params["mechanisms"]
    params["mechanisms"] = mechanisms if isinstance(mechanisms, str) else [[n, m] for n, m in mechanisms.items()]
    params["discrete"] = params["discrete"] if isinstance(params["discrete"], str) else list(params["discrete"])
    state: dict[str, Any] = {
        "format": FORMAT, "schema": SCHEMA, "params": params, "graph": _graph_data(self.graph_),
        "classes": [[node, classes.tolist()] for node, classes in self.classes_.items()],
        "selection_scores": [[node, scores] for node, scores in self.selection_scores_.items()],
        "mechanisms": [],
    }
    arrays: dict[str, np.ndarray] = {}
    for i, node in enumerate(self.order_):
        kind, settings, own = mechanism_state(self.mechanisms_[node], node)
        state["mechanisms"].append({"node": node, "kind": kind, "settings": settings})
        arrays.update({f"mechanisms.{i}.{key}": np.ascontiguousarray(value) for key, value in own.items()})
    return _plain(state), arrays


def from_state(cls: type[SCM], state: Mapping[str, Any], arrays: Mapping[str, np.ndarray],
               device: str | None = None) -> SCM:
    """The fitted SCM that `to_state` described, every field and array checked before it is built.

    Parameters
    ----------
    state : dict
        The JSON-ready part (as read back from JSON).
    arrays : dict
        Key -> numpy array.
    device : str, optional
        Torch device of MLP mechanisms; default the model's saved ``device``.

    Returns
    -------
    SCM

    Raises
    ------
    scm.mechanisms.state.StateError
        A ValueError naming the part ("state" or "arrays") and the field that is wrong.
    """
    top = StateReader(state if isinstance(state, Mapping) else {}, arrays, "state")
    if top.value("format", str) != FORMAT:
        raise StateError("state", "format", f"must be {FORMAT!r}; got {state['format']!r}")
    if top.value("schema", int) != SCHEMA:
        raise StateError("state", "schema", f"is {state['schema']}; this scm reads schema {SCHEMA}")
    graph = _graph_from(top.value("graph", dict))
    params = _params_from(top.value("params", dict), device)
    try:
        model = cls(graph, **params)
    except (TypeError, ValueError) as err:
        raise StateError("state", "params", str(err)) from None
    model.classes_ = _classes_from(top.value("classes", list), graph)
    model._init_structure(graph)
    model.mechanisms_ = _mechanisms_from(model, top.value("mechanisms", list), arrays, device)
    model.selection_scores_ = {node: dict(scores) for node, scores in _pairs(top.value("selection_scores", list),
                                                                             "selection_scores", graph)}
    return model


def _mechanisms_from(model: SCM, entries: list, arrays: Mapping[str, np.ndarray], device: str | None) -> dict:
    """Node -> mechanism, one per node, each consistent with the node's parents and classes."""
    nodes = [entry.get("node") if isinstance(entry, dict) else None for entry in entries]
    if not all(_is_node(node) for node in nodes) or len(set(nodes)) != len(nodes) or set(nodes) != set(model.graph_):
        raise StateError("state", "mechanisms", f"must hold one entry per node {list(model.graph_.nodes)}; got {nodes}")
    built, used = {}, set()
    for i, (node, entry) in enumerate(zip(nodes, entries)):
        kind = StateReader(entry, {}, f"mechanisms[{i}]").value("kind", str)
        if kind not in KINDS or (kind == "categorical") != (node in model.classes_):
            allowed = ["categorical"] if node in model.classes_ else sorted(set(KINDS) - {"categorical"})
            raise StateError("state", f"mechanisms[{i}].kind", f"must be one of {allowed} for node {node!r}; got {kind!r}")
        settings = StateReader(entry, {}, f"mechanisms[{i}]").value("settings", dict)
        reader = StateReader(settings, arrays, f"mechanisms[{i}].settings", prefix=f"mechanisms.{i}.",
                             about=f"node {node!r}")
        if kind == "categorical" and reader.value("n_classes", int) != len(model.classes_[node]):
            raise StateError("state", f"{reader.where}.n_classes", f"must be {len(model.classes_[node])}, the classes "
                             f"of node {node!r}")
        built[node] = mechanism_from_state(kind, reader, len(model.design_columns_[node]), device)
        used |= reader.used
    unused = sorted(set(arrays) - used)
    if unused:
        raise StateError("arrays", unused[0], f"is not part of the model (nor are {unused[1:5]})" if unused[1:] else
                         "is not part of the model")
    return {node: built[node] for node in model.order_}


def _graph_data(graph: nx.DiGraph) -> dict[str, Any]:
    """Node-link JSON of `graph`'s nodes and edges with their JSON-scalar attributes."""
    plain = nx.DiGraph()
    plain.add_nodes_from((node, _scalars(data)) for node, data in graph.nodes(data=True))
    plain.add_edges_from((u, v, _scalars(data)) for u, v, data in graph.edges(data=True))
    return nx.node_link_data(plain, edges="edges")


def _graph_from(data: dict) -> nx.DiGraph:
    try:
        graph = nx.node_link_graph(data, directed=True, edges="edges")
        validate_dag(graph, "graph")
    except (KeyError, TypeError, ValueError, nx.NetworkXError) as err:
        raise StateError("state", "graph", f"is not a DAG in node-link form ({err!r})") from None
    return graph


def _params_from(params: dict, device: str | None) -> dict[str, Any]:
    """Constructor arguments as `to_state` stored them, with tuples and per-node dicts restored."""
    params = dict(params)
    if isinstance(params.get("mechanisms"), list):
        params["mechanisms"] = dict(_pairs(params["mechanisms"], "params.mechanisms", None))
    if isinstance(params.get("discrete"), list):
        params["discrete"] = tuple(params["discrete"])
    if isinstance(params.get("hidden"), list):
        params["hidden"] = tuple(params["hidden"])
    return params if device is None else {**params, "device": device}


def _classes_from(pairs: list, graph: nx.DiGraph) -> dict[Hashable, np.ndarray]:
    classes = {node: np.array(values) for node, values in _pairs(pairs, "classes", graph)}
    for node, values in classes.items():
        if values.ndim != 1 or len(values) < 2:
            raise StateError("state", f"classes[{node!r}]", "must list 2 or more classes")
    return classes


def _pairs(pairs: list, where: str, graph: nx.DiGraph | None) -> list[tuple[Any, Any]]:
    """The [node, value] pairs of a stored list, each node checked against `graph`."""
    if not all(isinstance(pair, list) and len(pair) == 2 and _is_node(pair[0]) for pair in pairs):
        raise StateError("state", where, "must be a list of [node, value] pairs (nodes named by strings or integers)")
    unknown = [node for node, _ in pairs if graph is not None and node not in graph]
    if unknown:
        raise StateError("state", where, f"names node(s) {unknown[:5]} that are not in the graph")
    return [(node, value) for node, value in pairs]


def _is_node(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _scalars(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in _plain(dict(data)).items() if isinstance(value, _SCALARS)}


def _plain(value: Any) -> Any:
    """`value` with numpy scalars as Python ones and tuples as lists, ready for `json`."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value.item() if isinstance(value, np.generic) else value
