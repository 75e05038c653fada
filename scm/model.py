"""`SCM`: fit structural equations on a DAG over table columns, then sample, intervene and answer counterfactuals."""
from __future__ import annotations

from typing import Any, Callable, Hashable, Mapping

import networkx as nx
import numpy as np
import pandas as pd

from encoders.device import resolve_device
from scm._validate import validate_table
from scm.graph import validate_dag
from scm.mechanisms import (CategoricalMechanism, EmpiricalRoot, GaussianRoot, LinearMechanism, MLPMechanism,
                            Mechanism, select_mechanism)

CONTINUOUS = ("linear", "mlp", "auto")
ROOTS = ("empirical", "gaussian")
NAMES = (*CONTINUOUS, "categorical", *ROOTS)
DEFAULT_OPTIONS: dict[str, Any] = {
    "root": "empirical",        # root nodes: resample observed values, or "gaussian" fit
    "noise": "empirical",       # additive noise: bootstrap residuals, or "gaussian" N(0, residual std)
    "discrete": (),             # nodes to treat as discrete in addition to those detected
    "max_categories": 10,       # integer/bool columns with at most this many values are discrete
    "C": 1.0,                   # inverse L2 strength of the categorical (logistic) mechanism
    "hidden": (64, 64), "lr": 3e-3, "batch_size": 256, "max_epochs": 500, "max_steps": 4000, "patience": 20,
    "val_fraction": 0.2,        # mlp training (see scm.mechanisms.mlp)
    "holdout": 0.2, "margin": 0.05,  # auto selection (see scm.mechanisms.selection)
}
_MLP_KEYS = ("hidden", "lr", "batch_size", "max_epochs", "max_steps", "patience", "val_fraction")


class SCM:
    """Structural causal model over the columns of a table, on a given DAG (sklearn estimator contract).

    `mechanisms`: "linear" (OLS + additive noise), "mlp" (additive-noise MLP), "auto" (per node,
    an MLP only when it beats linear by `margin` in held-out MSE), or a dict node -> name (nodes
    missing from the dict get "linear"; names also "categorical", and for roots "empirical" /
    "gaussian"). Discrete nodes (named in `discrete`, or integer/bool columns with at most
    `max_categories` values, or non-numeric columns) get a categorical mechanism. Additive noise is
    sampled by bootstrapping the fitted residuals (`noise="empirical"`, default) or from N(0, std)
    (`noise="gaussian"`); roots resample their observed values (`root="empirical"`, default) or
    draw from a fitted Gaussian. Other options: see `DEFAULT_OPTIONS`.
    """

    def __init__(self, graph: nx.DiGraph, mechanisms: str | Mapping[Hashable, str] = "linear", *, seed: int = 0,
                 device: str = "auto", **mechanism_options: Any) -> None:
        self.graph = graph
        self.mechanisms = mechanisms
        self.seed = seed
        self.device = device
        self.mechanism_options = mechanism_options

    # ------------------------------------------------------------------ fitting
    def fit(self, data: pd.DataFrame) -> "SCM":
        """Fit one mechanism per node on `data` (a DataFrame with a column per node; extra columns ignored)."""
        validate_dag(self.graph, "graph")
        options = self._options()
        nodes = list(self.graph.nodes)
        if not isinstance(data, pd.DataFrame):
            raise ValueError(f"data must be a pandas DataFrame with a column per node; got {type(data).__name__}")
        missing = [node for node in nodes if node not in data.columns]
        if missing:
            raise ValueError(f"data lacks columns for node(s) {missing}; it has columns {list(data.columns)}")
        names, discrete = self._node_kinds(data, options)
        continuous = [node for node in nodes if node not in discrete]
        if continuous:
            validate_table(data[continuous], name="data")
        self.classes_ = {node: _classes(data[node], node) for node in nodes if node in discrete}
        self._init_structure(self.graph)
        values = self._encode(data, "data")
        rng = np.random.default_rng(self.seed)
        self.mechanisms_, self.selection_scores_ = {}, {}
        for node in self.order_:
            X, y = self._design(values, node, len(data)), values[node]
            name = names[node]
            if name == "auto":
                mlp = {key: options[key] for key in _MLP_KEYS}
                self.mechanisms_[node], self.selection_scores_[node] = select_mechanism(
                    X, y, rng, noise=options["noise"], holdout=options["holdout"], margin=options["margin"],
                    device=self.device, name=str(node), **mlp)
            else:
                self.mechanisms_[node] = self._make(name, node, options).fit(X, y, rng)
        return self

    @classmethod
    def from_mechanisms(cls, graph: nx.DiGraph, mechanisms: Mapping[Hashable, Mechanism], *,
                        seed: int = 0) -> "SCM":
        """A fitted SCM of continuous nodes from already fitted mechanisms (design columns = sorted parents)."""
        validate_dag(graph, "graph")
        missing = [node for node in graph.nodes if node not in mechanisms]
        if missing:
            raise ValueError(f"mechanisms lacks node(s) {missing}")
        model = cls(graph, mechanisms="linear", seed=seed)
        model.classes_ = {}
        model._init_structure(graph)
        model.mechanisms_ = {node: mechanisms[node] for node in model.order_}
        model.selection_scores_ = {}
        return model

    def _options(self) -> dict[str, Any]:
        unknown = sorted(set(self.mechanism_options) - set(DEFAULT_OPTIONS))
        if unknown:
            raise ValueError(f"unknown mechanism option(s) {unknown}; known: {sorted(DEFAULT_OPTIONS)}")
        options = {**DEFAULT_OPTIONS, **self.mechanism_options}
        for key, allowed in (("root", ROOTS), ("noise", ("empirical", "gaussian"))):
            if options[key] not in allowed:
                raise ValueError(f"{key} must be one of {list(allowed)}; got {options[key]!r}")
        if not 0.0 < options["holdout"] < 1.0:
            raise ValueError(f"holdout must be in (0, 1); got {options['holdout']!r}")
        if not 0.0 <= options["margin"] < 1.0:
            raise ValueError(f"margin must be in [0, 1); got {options['margin']!r}")
        if isinstance(options["discrete"], str):
            options["discrete"] = [options["discrete"]]
        resolve_device(self.device)
        MLPMechanism(**{key: options[key] for key in _MLP_KEYS})  # checks the mlp options before any fitting
        return options

    def _node_kinds(self, data: pd.DataFrame, options: dict[str, Any]) -> tuple[dict, set]:
        """Each node's mechanism name, and the set of discrete nodes."""
        nodes = list(self.graph.nodes)
        spec = self.mechanisms
        if isinstance(spec, str):
            if spec not in CONTINUOUS:
                raise ValueError(f"mechanisms must be one of {list(CONTINUOUS)} or a dict node -> name; got {spec!r}")
            named: dict = {}
        elif isinstance(spec, Mapping):
            unknown = [node for node in spec if node not in self.graph]
            if unknown:
                raise ValueError(f"mechanisms names unknown node(s) {unknown}; nodes are {nodes}")
            bad = {node: name for node, name in spec.items() if name not in NAMES}
            if bad:
                raise ValueError(f"unknown mechanism name(s) {bad}; known: {list(NAMES)}")
            named = dict(spec)
        else:
            raise ValueError(f"mechanisms must be a string or a dict node -> name; got {type(spec).__name__}")
        declared = list(options["discrete"])
        unknown = [node for node in declared if node not in self.graph]
        if unknown:
            raise ValueError(f"discrete names unknown node(s) {unknown}; nodes are {nodes}")
        names, discrete = {}, set()
        for node in nodes:
            name = named.get(node, spec if isinstance(spec, str) else "linear")
            is_root = self.graph.in_degree(node) == 0
            if name == "categorical" or node in declared:
                if node in named and name != "categorical":
                    raise ValueError(f"node {node!r} is declared discrete but given mechanism {name!r}")
                name = "categorical"
            elif node not in named and _looks_discrete(data[node], options["max_categories"]):
                name = "categorical"
            elif not pd.api.types.is_numeric_dtype(data[node]):
                raise ValueError(f"node {node!r} has non-numeric values but mechanism {name!r}; "
                                 "use 'categorical' or numeric values")
            if name == "categorical":
                discrete.add(node)
            elif is_root and name not in ROOTS:
                name = options["root"]
            elif not is_root and name in ROOTS:
                raise ValueError(f"node {node!r} has parents; {name!r} is only for root nodes")
            names[node] = name
        return names, discrete

    def _make(self, name: str, node: Hashable, options: dict[str, Any]) -> Mechanism:
        if name == "linear":
            return LinearMechanism(noise=options["noise"])
        if name == "mlp":
            return MLPMechanism(noise=options["noise"], device=self.device, name=str(node),
                                **{key: options[key] for key in _MLP_KEYS})
        if name == "categorical":
            return CategoricalMechanism(C=options["C"])
        return EmpiricalRoot() if name == "empirical" else GaussianRoot()

    def _init_structure(self, graph: nx.DiGraph) -> None:
        self.graph_ = graph.copy()
        self.order_ = list(nx.topological_sort(self.graph_))
        self.parents_ = {node: sorted(self.graph_.predecessors(node), key=str) for node in self.order_}
        self.design_columns_ = {
            node: [f"{p}={c}" if p in self.classes_ else p
                   for p in self.parents_[node] for c in (self.classes_[p][1:] if p in self.classes_ else [None])]
            for node in self.order_}

    # ------------------------------------------------------------------ encoding
    def _design(self, values: dict, node: Hashable, n: int) -> np.ndarray:
        """Parent design matrix (n rows): continuous parents as they are, discrete ones one-hot without class 0."""
        columns = []
        for parent in self.parents_[node]:
            if parent in self.classes_:
                k = len(self.classes_[parent])
                columns.append(np.eye(k)[values[parent]][:, 1:])
            else:
                columns.append(values[parent][:, None])
        return np.hstack(columns) if columns else np.empty((n, 0))

    def _encode(self, frame: pd.DataFrame, name: str) -> dict:
        """Node values as arrays: floats for continuous nodes, class codes for discrete ones."""
        values = {}
        for node in self.graph_.nodes:
            column = frame[node]
            if column.isna().any():
                raise ValueError(f"{name} contains missing (NaN) values in column {node!r}")
            if node in self.classes_:
                values[node] = self._codes(column.to_numpy(), node, f"{name} column {node!r}")
            else:
                array = pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64)
                if not np.isfinite(array).all():
                    raise ValueError(f"{name} contains NaN, infinite or non-numeric values in column {node!r}")
                values[node] = array
        return values

    def _codes(self, labels: np.ndarray, node: Hashable, what: str) -> np.ndarray:
        classes = self.classes_[node]
        index = {label: code for code, label in enumerate(classes.tolist())}
        codes, bad = np.empty(len(labels), dtype=np.int64), set()
        for i, label in enumerate(np.asarray(labels).tolist()):
            try:
                codes[i] = index[label]
            except (KeyError, TypeError):
                bad.add(repr(label))
        if bad:
            raise ValueError(f"{what}: node {node!r} is discrete with classes {classes.tolist()}; "
                             f"got {sorted(bad)[:10]}")
        return codes

    def _decode(self, values: dict, index: pd.Index | None = None) -> pd.DataFrame:
        columns = {node: self.classes_[node][values[node]] if node in self.classes_ else values[node]
                   for node in self.graph_.nodes}
        return pd.DataFrame(columns, index=index)

    def _rows(self, rows: pd.DataFrame, name: str) -> dict:
        self._check_fitted()
        if not isinstance(rows, pd.DataFrame):
            raise ValueError(f"{name} must be a pandas DataFrame with a column per node; got {type(rows).__name__}")
        missing = [node for node in self.graph_.nodes if node not in rows.columns]
        if missing:
            raise ValueError(f"{name} lacks columns for node(s) {missing}")
        if len(rows) == 0:
            raise ValueError(f"{name} has no rows")
        return self._encode(rows, name)

    def _check_fitted(self) -> None:
        if not hasattr(self, "mechanisms_"):
            raise ValueError("this SCM is not fitted yet; call fit(data) first")

    # ------------------------------------------------------------------ interventions
    def _parse_do(self, do: Mapping, n: int, rng: np.random.Generator) -> dict:
        """Resolve `do` into node -> ("set", values) or ("shift", deltas), arrays of length n."""
        if not isinstance(do, Mapping):
            raise ValueError(f"do must be a dict node -> value; got {type(do).__name__}")
        nodes = list(self.graph_.nodes)
        unknown = [node for node in do if node not in self.graph_]
        if unknown:
            raise ValueError(f"do names unknown node(s) {unknown}; nodes are {nodes}")
        parsed = {}
        for node, spec in do.items():
            kind, payload = "set", spec
            if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
                kind, payload = spec
                if kind not in ("shift", "soft"):
                    raise ValueError(f"do[{node!r}]: intervention kind must be 'shift' or 'soft'; got {kind!r}")
            if kind == "soft":
                payload = _draw(payload, rng, n, node)
            discrete = node in self.classes_
            if discrete and kind == "shift":
                raise ValueError(f"do[{node!r}]: node {node!r} is discrete; a shift intervention needs a "
                                 "continuous node (use a hard value among its classes)")
            array = np.asarray(payload, dtype=object if discrete else None)
            if array.ndim == 0:
                array = np.full(n, array.item(), dtype=array.dtype)
            if array.shape != (n,):
                raise ValueError(f"do[{node!r}] must be a scalar or an array of length {n}; got shape {array.shape}")
            if discrete:
                parsed[node] = ("set", self._codes(array, node, f"do[{node!r}]"))
                continue
            try:
                array = array.astype(np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"do[{node!r}]: node {node!r} is continuous; values must be numbers") from None
            if not np.isfinite(array).all():
                raise ValueError(f"do[{node!r}] contains NaN or infinite values")
            parsed[node] = ("shift" if kind == "shift" else "set", array)
        return parsed

    def _propagate(self, noise: dict, do: dict) -> dict:
        values: dict = {}
        for node in self.order_:
            kind, payload = do.get(node, (None, None))
            if kind == "set":
                values[node] = payload
                continue
            X = self._design(values, node, len(noise[node]))
            values[node] = self.mechanisms_[node].evaluate(X, noise[node])
            if kind == "shift":
                values[node] = values[node] + payload
        return values

    def _draw_noise(self, n: int, rng: np.random.Generator) -> dict:
        return {node: self.mechanisms_[node].sample_noise(n, rng) for node in self.order_}

    def sample(self, n: int, seed: int | None = None) -> pd.DataFrame:
        """Draw `n` observational rows (same seed, same exogenous noise as `intervene`)."""
        return self.intervene({}, n, seed)

    def intervene(self, do: Mapping, n: int, seed: int | None = None) -> pd.DataFrame:
        """Draw `n` rows under `do`: node -> value (hard; scalar or length-n array), ("shift", delta)
        (added to the node's structural equation), or ("soft", dist) (the mechanism replaced by
        `dist`: a callable rng, n -> values, or a frozen scipy.stats distribution)."""
        self._check_fitted()
        n = _positive_int(n, "n")
        rng = np.random.default_rng(self.seed if seed is None else seed)
        noise = self._draw_noise(n, rng)
        return self._decode(self._propagate(noise, self._parse_do(do, n, rng)))

    def noise(self, rows: pd.DataFrame, seed: int | None = None) -> pd.DataFrame:
        """Abducted exogenous noise of each row: value - f(parents) for additive nodes (exact; for continuous
        roots the value minus its mean), and for discrete nodes a uniform u drawn in the observed class's
        CDF interval (seeded; see scm.mechanisms.categorical)."""
        values = self._rows(rows, "rows")
        return pd.DataFrame(self._abduct(values, seed), index=rows.index)[list(self.graph_.nodes)]

    def _abduct(self, values: dict, seed: int | None) -> dict:
        rng = np.random.default_rng(self.seed if seed is None else seed)
        return {node: self.mechanisms_[node].abduct(self._design(values, node, len(values[node])), values[node],
                                                   rng)
                for node in self.order_}

    def counterfactual(self, rows: pd.DataFrame, do: Mapping, seed: int | None = None) -> pd.DataFrame:
        """Each row's counterfactual under `do`: abduct its noise, apply `do` (values may be length-len(rows)
        arrays), predict the descendants with the same noise. Index of `rows` is kept."""
        values = self._rows(rows, "rows")
        noise = self._abduct(values, seed)
        rng = np.random.default_rng(self.seed if seed is None else seed)
        return self._decode(self._propagate(noise, self._parse_do(do, len(rows), rng)), rows.index)

    def ate(self, treatment: Hashable, outcome: Hashable, values: tuple = (1.0, 0.0), n: int = 10000,
            seed: int | None = None) -> float:
        """E[outcome | do(treatment=a)] - E[outcome | do(treatment=b)] by simulation with common noise."""
        self._check_fitted()
        for label, node in (("treatment", treatment), ("outcome", outcome)):
            if node not in self.graph_:
                raise ValueError(f"{label} {node!r} is not a node; nodes are {list(self.graph_.nodes)}")
        if outcome in self.classes_ and not np.issubdtype(self.classes_[outcome].dtype, np.number):
            raise ValueError(f"outcome {outcome!r} has non-numeric classes; its mean is undefined")
        if len(values) != 2:
            raise ValueError(f"values must be a pair (a, b); got {values!r}")
        a, b = (self.intervene({treatment: v}, n, seed)[outcome].astype(float).mean() for v in values)
        return float(a - b)


def _looks_discrete(column: pd.Series, max_categories: int) -> bool:
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return True
    return pd.api.types.is_integer_dtype(column) and column.nunique() <= max_categories


def _classes(column: pd.Series, node: Hashable) -> np.ndarray:
    if column.isna().any():
        raise ValueError(f"data contains missing values in column {node!r}")
    classes = np.array(sorted(column.unique().tolist()))
    if len(classes) < 2:
        raise ValueError(f"data column {node!r} is constant; a discrete node needs at least 2 classes")
    return classes


def _draw(dist: Callable | Any, rng: np.random.Generator, n: int, node: Hashable) -> np.ndarray:
    """Values of a soft intervention: dist(rng, n) for a callable, dist.rvs for a scipy frozen distribution."""
    if hasattr(dist, "rvs"):
        return np.asarray(dist.rvs(size=n, random_state=rng))
    if callable(dist):
        return np.asarray(dist(rng, n))
    raise ValueError(f"do[{node!r}]: a soft intervention needs a callable rng, n -> values or a "
                     f"scipy.stats frozen distribution; got {type(dist).__name__}")


def _positive_int(n: Any, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive integer; got {n!r}")
    return int(n)
