"""sortnregress (Reisach, Seiler & Weichwald 2021): the variance-sorting baseline.

Order the columns by increasing marginal variance, then regress each column on all
earlier ones with an adaptive lasso (OLS weights, then LassoLarsIC with BIC). It needs no
acyclicity machinery; when it scores well, the benchmark is varsortable, not easy.
"""
from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
from sklearn.linear_model import LassoLarsIC, LinearRegression

from scm.discovery._continuous import masks, weights_to_dag
from scm.knowledge import Knowledge


def variance_order(values: np.ndarray, names: Sequence[str], knowledge: Knowledge | None) -> list[int]:
    """Column indices by increasing variance, subject to tiers and required edges."""
    variance = values.var(axis=0)
    constraints = nx.DiGraph()
    constraints.add_nodes_from(range(len(names)))
    if knowledge is not None:
        index = {n: k for k, n in enumerate(names)}
        constraints.add_edges_from((index[u], index[v]) for u, v in knowledge.required)
        for t, tier in enumerate(knowledge.tiers[:-1]):
            for early in tier:
                constraints.add_edges_from((index[early], index[late]) for late in knowledge.tiers[t + 1])
    return list(nx.lexicographical_topological_sort(constraints, key=lambda k: (variance[k], k)))


def sortnregress(values: np.ndarray, names: Sequence[str], knowledge: Knowledge | None = None, *,
                 w_threshold: float = 0.0) -> nx.DiGraph:
    """sortnregress DAG with `weight` per edge; no threshold by default (the lasso prunes).

    Knowledge: tiers and required edges constrain the order; forbidden edges are left out
    of the regression; required edges keep their OLS weight if the lasso drops them.
    """
    d = values.shape[1]
    allowed, required = masks(knowledge, d)
    order = variance_order(values, names, knowledge)
    weights = np.zeros((d, d))
    for k in range(1, d):
        target = order[k]
        covariates = np.array([c for c in order[:k] if allowed[c, target]], dtype=int)
        if covariates.size == 0:
            continue
        x, y = values[:, covariates], values[:, target]
        ols_coef = LinearRegression().fit(x, y).coef_
        lasso = LassoLarsIC(criterion="bic").fit(x * np.abs(ols_coef), y)
        weights[covariates, target] = lasso.coef_ * np.abs(ols_coef)
        for pos, c in enumerate(covariates):
            if required[c, target] and weights[c, target] == 0:
                weights[c, target] = ols_coef[pos]
    return weights_to_dag(weights, names, w_threshold, required, "sortnregress", {})
