"""Back-door identification of causal effects on a DAG, and the regression-adjusted ATE it licenses."""
from __future__ import annotations

from collections.abc import Hashable, Iterable
from itertools import combinations

import networkx as nx
import numpy as np
import pandas as pd

from scm.graph import validate_dag
from scm.tables import validate_table


def is_backdoor_set(graph: nx.DiGraph, treatment: Hashable, outcome: Hashable, adjustment: Iterable) -> bool:
    """Pearl's back-door criterion: no member descends from `treatment`, and the set d-separates
    treatment and outcome once the treatment's outgoing edges are removed."""
    adjustment = set(adjustment)
    if adjustment & (nx.descendants(graph, treatment) | {treatment, outcome}):
        return False
    cut = graph.copy()
    cut.remove_edges_from(list(graph.out_edges(treatment)))
    return _d_separated(cut, {treatment}, {outcome}, adjustment)


def backdoor_adjustment_sets(graph: nx.DiGraph, treatment: Hashable, outcome: Hashable) -> list[frozenset]:
    """All minimal back-door adjustment sets (no proper subset is valid), smallest first.

    `[frozenset()]` when no adjustment is needed; `[]` when none exists (e.g. the outcome is a
    parent of the treatment). Searches subsets of the ancestors of {treatment, outcome} that
    are not descendants of the treatment (minimal separators lie there): exponential in their number.
    """
    _check(graph, treatment, outcome)
    candidates = (nx.ancestors(graph, treatment) | nx.ancestors(graph, outcome)) \
        - nx.descendants(graph, treatment) - {treatment, outcome}
    candidates = sorted(candidates, key=str)
    found: list[frozenset] = []
    for size in range(len(candidates) + 1):
        for subset in map(frozenset, combinations(candidates, size)):
            if not any(prior <= subset for prior in found) and is_backdoor_set(graph, treatment, outcome, subset):
                found.append(subset)
    return found


def adjusted_ate(data: pd.DataFrame, graph: nx.DiGraph, treatment: Hashable, outcome: Hashable,
                 values: tuple[float, float] = (1.0, 0.0), adjustment: Iterable | None = None) -> float:
    """ATE of do(treatment=a) vs do(treatment=b) by linear regression of outcome on treatment and a
    back-door set (default: the first of the smallest minimal sets); (a - b) times the treatment's
    coefficient. Exact for linear SCMs; a check of simulated `SCM.ate`."""
    _check(graph, treatment, outcome)
    if adjustment is None:
        sets = backdoor_adjustment_sets(graph, treatment, outcome)
        if not sets:
            raise ValueError(f"no back-door adjustment set exists for {treatment!r} -> {outcome!r} in this graph")
        adjustment = sets[0]
    elif not is_backdoor_set(graph, treatment, outcome, adjustment):
        raise ValueError(f"adjustment {sorted(adjustment, key=str)} is not a back-door set for "
                         f"{treatment!r} -> {outcome!r}")
    if len(values) != 2:
        raise ValueError(f"values must be a pair (a, b); got {values!r}")
    columns = [treatment, *sorted(adjustment, key=str)]
    missing = [c for c in [*columns, outcome] if c not in data.columns]
    if missing:
        raise ValueError(f"data lacks column(s) {missing}")
    table = validate_table(data[[*columns, outcome]], name="data")
    design = np.column_stack([np.ones(len(table)), table[columns].to_numpy()])
    beta, *_ = np.linalg.lstsq(design, table[outcome].to_numpy(), rcond=None)
    return float(beta[1] * (values[0] - values[1]))


def _check(graph: nx.DiGraph, treatment: Hashable, outcome: Hashable) -> None:
    validate_dag(graph, "graph")
    for label, node in (("treatment", treatment), ("outcome", outcome)):
        if node not in graph:
            raise ValueError(f"{label} {node!r} is not a node of graph; nodes are {list(graph.nodes)}")
    if treatment == outcome:
        raise ValueError(f"treatment and outcome must differ; both are {treatment!r}")


def _d_separated(graph: nx.DiGraph, x: set, y: set, z: set) -> bool:
    """networkx d-separation under its name in the installed version (is_d_separator from 3.3)."""
    test = getattr(nx, "is_d_separator", None) or nx.d_separated
    return test(graph, x, y, z)
