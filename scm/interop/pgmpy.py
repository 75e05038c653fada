"""Convert between `scm.SCM` and pgmpy Bayesian networks (linear-Gaussian, and discretised)."""
from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from pgmpy.factors.continuous import LinearGaussianCPD
from pgmpy.models import LinearGaussianBayesianNetwork

try:  # pgmpy >= 1.0 names the discrete network and takes an initialised estimator
    from pgmpy.models import DiscreteBayesianNetwork
except ImportError:  # older pgmpy
    from pgmpy.models import BayesianNetwork as DiscreteBayesianNetwork
try:
    from pgmpy.parameter_estimator import DiscreteMLE

    _MLE: Any = DiscreteMLE()
except ImportError:  # older pgmpy: the estimator class itself
    from pgmpy.estimators import MaximumLikelihoodEstimator

    _MLE = MaximumLikelihoodEstimator

from scm.mechanisms import LinearMechanism
from scm.model import SCM


def to_pgmpy_linear(model: SCM) -> LinearGaussianBayesianNetwork:
    """A LinearGaussianBayesianNetwork with our intercepts, coefficients and noise std per node.

    Every mechanism must be linear (roots included); residual noise becomes Gaussian with the
    residuals' standard deviation.
    """
    model._check_fitted()
    linear = {node: m for node, m in model.mechanisms_.items() if isinstance(m, LinearMechanism)}
    not_linear = [node for node in model.mechanisms_ if node not in linear]
    if not_linear or model.classes_:
        raise ValueError(f"to_pgmpy_linear needs linear mechanisms on every node; not linear: "
                         f"{sorted({*not_linear, *model.classes_}, key=str)}")
    network = LinearGaussianBayesianNetwork()
    network.add_nodes_from(model.graph_.nodes)
    network.add_edges_from(model.graph_.edges)
    for node in model.order_:
        mechanism = linear[node]
        network.add_cpds(LinearGaussianCPD(node, beta=[mechanism.intercept_, *mechanism.coef_],
                                           std=mechanism.std_, evidence=list(model.parents_[node])))
    network.check_model()
    return network


def from_pgmpy_linear(network: LinearGaussianBayesianNetwork, seed: int = 0) -> SCM:
    """A fitted linear `SCM` with Gaussian noise from a pgmpy LinearGaussianBayesianNetwork's CPDs."""
    if not isinstance(network, LinearGaussianBayesianNetwork):
        raise ValueError(f"network must be a pgmpy LinearGaussianBayesianNetwork; got {type(network).__name__}")
    graph = nx.DiGraph()
    graph.add_nodes_from(network.nodes)
    graph.add_edges_from(network.edges)
    mechanisms = {}
    for node in graph.nodes:
        cpd = network.get_cpds(node)
        if cpd is None:
            raise ValueError(f"network has no CPD for node {node!r}")
        beta = np.asarray(cpd.beta, dtype=np.float64)
        weights = dict(zip(cpd.evidence, beta[1:]))
        coef = [weights[parent] for parent in sorted(graph.predecessors(node), key=str)]
        mechanisms[node] = LinearMechanism.from_parameters(coef, beta[0], cpd.std)
    return SCM.from_mechanisms(graph, mechanisms, seed=seed)


def to_pgmpy_discrete(model: SCM, data: pd.DataFrame, bins: int = 4) -> DiscreteBayesianNetwork:
    """A DiscreteBayesianNetwork on the SCM's graph, fitted by maximum likelihood on `data` with each
    continuous node cut into `bins` quantile bins (states "k:(lo, hi]" with k the zero-padded bin
    index, so their sorted order is the order of the bins; discrete nodes keep their values). Default bins=4."""
    model._check_fitted()
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
        raise ValueError(f"bins must be an integer >= 2; got {bins!r}")
    values = model._rows(data, "data")
    table = model._decode(values, data.index)
    for node in model.graph_.nodes:
        if node not in model.classes_:
            table[node] = _bin_labels(table[node], bins)
    network = DiscreteBayesianNetwork()
    network.add_nodes_from(model.graph_.nodes)
    network.add_edges_from(model.graph_.edges)
    network.fit(table, estimator=_MLE)
    return network


def _bin_labels(column: pd.Series, bins: int) -> pd.Series:
    cut = pd.qcut(column, q=bins, duplicates="drop")
    width = len(str(bins - 1))
    return pd.Series([f"{code:0{width}d}:{interval}" for code, interval in zip(cut.cat.codes, cut)],
                     index=column.index)
