"""`SCM`: fit structural equations on a DAG over table columns, then sample, intervene and answer counterfactuals."""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from scm import model_state
from scm.device import choose_device
from scm.graph import validate_dag
from scm.interventions import Shift, Soft, as_intervention
from scm.mechanisms import (
    CategoricalMechanism,
    EmpiricalRoot,
    GaussianRoot,
    LinearMechanism,
    Mechanism,
    MLPMechanism,
    select_mechanism,
)
from scm.mechanisms.assign import ROOTS, assign_mechanisms, classes_of
from scm.tables import validate_table
from scm.thresholds import MAX_LEVELS, SELECTION_MARGIN

_MLP_KEYS = ("hidden", "lr", "batch_size", "max_epochs", "max_steps", "patience", "val_fraction")
_NOT_FITTED = "this SCM is not fitted yet; call fit(data) first"


class SCM(BaseEstimator):
    """Structural causal model over the columns of a table, on a given DAG (a scikit-learn estimator).

    Parameters
    ----------
    graph : networkx.DiGraph
        The DAG; its nodes name columns of the data.
    mechanisms : str or dict
        "linear" (OLS + additive noise), "mlp" (additive-noise MLP), "auto" (per node, an MLP only
        when it beats linear by `margin` in held-out MSE), or a dict node -> name (nodes missing from
        it get "linear"; names also "categorical", and for roots "empirical" / "gaussian").
    seed : int
        Seed of fitting and of the queries' default random streams.
    device : str
        Torch device of the MLP mechanisms ("auto": CUDA if present).
    root : {"empirical", "gaussian"}
        Roots resample their observed values, or draw from a fitted Gaussian.
    additive_noise : {"empirical", "gaussian"}
        Additive noise bootstraps the fitted residuals, or draws from N(0, residual std).
    discrete : list
        Nodes to treat as discrete besides those detected: non-numeric or boolean columns, and
        whole-number columns with at most `max_categories` levels (`scm.tables.is_discrete`).
        Discrete nodes get a categorical (multinomial logistic) mechanism.
    max_categories : int
        Overrides `scm.thresholds.MAX_LEVELS` for this model.
    C : float
        Inverse L2 strength of the categorical mechanism.
    hidden, lr, batch_size, max_epochs, max_steps, patience, val_fraction
        MLP training (see `scm.mechanisms.mlp`).
    holdout, margin : float
        "auto" selection (see `scm.mechanisms.selection`).

    A fitted model is saved without pickle as JSON values and arrays: `to_state` / `from_state` (`scm.model_state`).
    """

    def __init__(self, graph: nx.DiGraph, mechanisms: str | Mapping[Hashable, str] = "linear", *, seed: int = 0,
                 device: str = "auto", root: str = "empirical", additive_noise: str = "empirical", discrete: Any = (),
                 max_categories: int = MAX_LEVELS, C: float = 1.0, hidden: tuple[int, ...] = (64, 64),
                 lr: float = 3e-3, batch_size: int = 256, max_epochs: int = 500, max_steps: int = 4000,
                 patience: int = 20, val_fraction: float = 0.2, holdout: float = 0.2,
                 margin: float = SELECTION_MARGIN, **unknown: Any) -> None:
        if unknown:
            known = sorted(set(self._get_param_names()) - {"graph", "mechanisms"})
            raise ValueError(f"unknown mechanism option(s) {sorted(unknown)}; known: {known}")
        self.graph, self.mechanisms, self.seed, self.device = graph, mechanisms, seed, device
        self.root, self.additive_noise, self.discrete = root, additive_noise, discrete
        self.max_categories, self.C = max_categories, C
        self.hidden, self.lr, self.batch_size, self.max_epochs = hidden, lr, batch_size, max_epochs
        self.max_steps, self.patience, self.val_fraction = max_steps, patience, val_fraction
        self.holdout, self.margin = holdout, margin

    # ------------------------------------------------------------------ fitting
    def fit(self, data: pd.DataFrame) -> SCM:
        """Fit one mechanism per node.

        Parameters
        ----------
        data : DataFrame
            A column per node; extra columns are ignored.

        Returns
        -------
        SCM
            self, with `mechanisms_`, `classes_` (discrete nodes' classes), `order_`, `parents_` and
            `selection_scores_` (held-out MSEs of the "auto" choices).
        """
        validate_dag(self.graph, "graph")
        self._check_options()
        if not isinstance(data, pd.DataFrame):
            raise ValueError(f"data must be a pandas DataFrame with a column per node; got {type(data).__name__}")
        missing = [node for node in self.graph.nodes if node not in data.columns]
        if missing:
            raise ValueError(f"data lacks columns for node(s) {missing}; it has columns {list(data.columns)}")
        declared = [self.discrete] if isinstance(self.discrete, str) else self.discrete
        names, discrete = assign_mechanisms(self.graph, self.mechanisms, data, declared, self.max_categories, self.root)
        continuous = [node for node in self.graph.nodes if node not in discrete]
        if continuous:
            validate_table(data[continuous], name="data")
        self.classes_ = {node: classes_of(data[node], node) for node in self.graph.nodes if node in discrete}
        self._init_structure(self.graph)
        values = self._encode(data, "data")
        rng = np.random.default_rng(self.seed)
        self.mechanisms_: dict[Hashable, Mechanism] = {}
        self.selection_scores_: dict[Hashable, dict[str, float]] = {}
        for node in self.order_:
            X, y = self._design(values, node, len(data)), values[node]
            if names[node] == "auto":
                self.mechanisms_[node], self.selection_scores_[node] = select_mechanism(
                    X, y, rng, noise=self.additive_noise, holdout=self.holdout, margin=self.margin, device=self.device,
                    name=str(node), **self._mlp_options())
            else:
                self.mechanisms_[node] = self._make(names[node], node).fit(X, y, rng)
        return self

    @classmethod
    def from_mechanisms(cls, graph: nx.DiGraph, mechanisms: Mapping[Hashable, Mechanism], *, seed: int = 0) -> SCM:
        """A fitted SCM of continuous nodes from already fitted mechanisms (design columns = sorted parents).

        Parameters
        ----------
        graph : networkx.DiGraph
            The DAG.
        mechanisms : dict
            Node -> fitted `Mechanism`, one per node.
        seed : int
            Default seed of the queries.
        """
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

    to_state = model_state.to_state  # (state, arrays): JSON values and numpy arrays, saved without pickle
    from_state = classmethod(model_state.from_state)

    def _mlp_options(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in _MLP_KEYS}

    def _check_options(self) -> None:
        for key, allowed in (("root", ROOTS), ("additive_noise", ("empirical", "gaussian"))):
            if getattr(self, key) not in allowed:
                raise ValueError(f"{key} must be one of {list(allowed)}; got {getattr(self, key)!r}")
        if not 0.0 < self.holdout < 1.0:
            raise ValueError(f"holdout must be in (0, 1); got {self.holdout!r}")
        if not 0.0 <= self.margin < 1.0:
            raise ValueError(f"margin must be in [0, 1); got {self.margin!r}")
        choose_device(self.device)
        MLPMechanism(**self._mlp_options())  # checks the mlp options before any fitting

    def _make(self, name: str, node: Hashable) -> Mechanism:
        if name == "linear":
            return LinearMechanism(noise=self.additive_noise)
        if name == "mlp":
            return MLPMechanism(noise=self.additive_noise, device=self.device, name=str(node), **self._mlp_options())
        if name == "categorical":
            return CategoricalMechanism(C=self.C)
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
        """Raise sklearn's NotFittedError (a ValueError) before `fit`."""
        check_is_fitted(self, "mechanisms_", msg=_NOT_FITTED)

    # ------------------------------------------------------------------ interventions
    def _parse_do(self, do: Mapping, n: int, rng: np.random.Generator) -> dict:
        """Resolve `do` into node -> ("set", values) or ("shift", deltas), arrays of length n."""
        if not isinstance(do, Mapping):
            raise ValueError(f"do must be a dict node -> value; got {type(do).__name__}")
        unknown = [node for node in do if node not in self.graph_]
        if unknown:
            raise ValueError(f"do names unknown node(s) {unknown}; nodes are {list(self.graph_.nodes)}")
        parsed = {}
        for node, spec in do.items():
            value = as_intervention(spec, node)
            if isinstance(value, Soft):
                value = value.draw(rng, n)
            parsed[node] = self._do_values(node, value, n)
        return parsed

    def _do_values(self, node: Hashable, value: Any, n: int) -> tuple[str, np.ndarray]:
        """("set", values) for a hard value, ("shift", deltas) for a `Shift`, checked against the node."""
        kind, payload = ("shift", value.delta) if isinstance(value, Shift) else ("set", value)
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
            return "set", self._codes(array, node, f"do[{node!r}]")
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"do[{node!r}]: node {node!r} is continuous; values must be numbers") from None
        if not np.isfinite(array).all():
            raise ValueError(f"do[{node!r}] contains NaN or infinite values")
        return kind, array

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
        if any(node not in self.classes_ and not np.isfinite(v).all() for node, v in values.items()):  # do(x=1e308)
            raise ValueError("do values make the equations overflow to infinity; set values nearer the data's range")
        return values

    # ------------------------------------------------------------------ queries
    def sample(self, n: int, seed: int | None = None) -> pd.DataFrame:
        """Draw `n` observational rows (same seed, same exogenous noise as `intervene`)."""
        return self.intervene({}, n, seed)

    def intervene(self, do: Mapping, n: int, seed: int | None = None) -> pd.DataFrame:
        """Draw `n` rows under the intervention `do`.

        Parameters
        ----------
        do : dict
            Node -> a hard value (a scalar, or an array of length n), `scm.Shift(delta)` (added to
            the output of the node's structural equation) or `scm.Soft(distribution)` (the equation
            replaced by draws: a callable ``(rng, n) -> values`` or a frozen scipy distribution).
        n : int
            Number of rows.
        seed : int, optional
            Seed of the exogenous noise (default: the model's); the same seed gives the same noise
            under every `do`.

        Returns
        -------
        DataFrame
            One column per node.
        """
        self._check_fitted()
        n = _positive_int(n, "n")
        rng = np.random.default_rng(self.seed if seed is None else seed)
        noise = {node: self.mechanisms_[node].sample_noise(n, rng) for node in self.order_}
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
        """Each row's counterfactual under `do`: abduct its noise, apply `do`, predict the descendants.

        Parameters
        ----------
        rows : DataFrame
            Factual rows, a column per node.
        do : dict
            As in `intervene`, arrays of length len(rows). A `Shift` moves each row's own equation
            output; a `Soft` gives each row a fresh draw, independent of the row (its other noises kept).
        seed : int, optional
            Seed of the discrete nodes' abducted noise and of `Soft` draws (default: the model's).

        Returns
        -------
        DataFrame
            The counterfactual rows, with the index of `rows`.
        """
        values = self._rows(rows, "rows")
        noise = self._abduct(values, seed)
        rng = np.random.default_rng(self.seed if seed is None else seed)
        return self._decode(self._propagate(noise, self._parse_do(do, len(rows), rng)), rows.index)

    def ate(self, treatment: Hashable, outcome: Hashable, values: tuple = (1.0, 0.0), n: int = 10000,
            seed: int | None = None) -> float:
        """E[outcome | do(treatment=a)] - E[outcome | do(treatment=b)] by simulation with common noise.

        Parameters
        ----------
        treatment, outcome : node
            The intervened node and the node whose mean is compared.
        values : (a, b)
            The two treatment values.
        n : int
            Rows simulated under each.
        seed : int, optional
            Seed of the common noise.
        """
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


def _positive_int(n: Any, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive integer; got {n!r}")
    return int(n)
