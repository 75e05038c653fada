"""Convert between `scm.SCM` and dowhy.gcm's invertible structural causal models."""
from __future__ import annotations

from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from dowhy import gcm
from dowhy.gcm.causal_mechanisms import StochasticModel
from dowhy.gcm.causal_models import PARENTS_DURING_FIT
from dowhy.gcm.ml.prediction_model import PredictionModel
from dowhy.gcm.ml.regression import LinearRegressionWithFixedParameter, SklearnRegressionModel
from dowhy.graph import get_ordered_predecessors
from scipy import stats
from sklearn import linear_model

from scm.mechanisms import AdditiveNoiseMechanism, LinearMechanism
from scm.model import SCM


class _MechanismPrediction(PredictionModel):
    """dowhy prediction model that evaluates one of our fitted additive mechanisms (e.g. an MLP)."""

    def __init__(self, mechanism: AdditiveNoiseMechanism, order: np.ndarray) -> None:
        self.mechanism, self.order = mechanism, order

    def fit(self, X: np.ndarray, Y: np.ndarray) -> None:
        """Already fitted: nothing to do."""

    def predict(self, X: np.ndarray) -> np.ndarray:
        """f(parents) with dowhy's parent column order mapped to ours."""
        return self.mechanism.predict(np.asarray(X, dtype=np.float64)[:, self.order]).reshape(-1, 1)

    def clone(self) -> _MechanismPrediction:
        """The same fitted mechanism (it is not refitted by dowhy)."""
        return _MechanismPrediction(self.mechanism, self.order)


def to_dowhy(model: SCM) -> gcm.InvertibleStructuralCausalModel:
    """A fitted dowhy.gcm model with the same equations and noise: each node with parents becomes an
    AdditiveNoiseModel (linear -> fixed-coefficient regression, mlp -> our network); noise is an
    EmpiricalDistribution of the residuals, or ScipyDistribution(norm) for Gaussian noise; roots likewise."""
    model._check_fitted()
    if model.classes_:
        raise ValueError(f"to_dowhy supports continuous nodes only; discrete: {sorted(model.classes_, key=str)}")
    graph = nx.DiGraph()
    graph.add_nodes_from(model.graph_.nodes)
    graph.add_edges_from(model.graph_.edges)
    out = gcm.InvertibleStructuralCausalModel(graph)
    for node in model.order_:
        mechanism = model.mechanisms_[node]
        if not isinstance(mechanism, AdditiveNoiseMechanism):
            raise ValueError(f"node {node!r}: {type(mechanism).__name__} has no dowhy counterpart")
        theirs = get_ordered_predecessors(graph, node)
        order = np.array([theirs.index(p) for p in model.parents_[node]], dtype=int)
        if not theirs:
            out.set_causal_mechanism(node, _noise_model(mechanism, shift=float(mechanism.predict(np.empty((1, 0)))[0])))
        else:
            if isinstance(mechanism, LinearMechanism):
                coef = np.zeros(len(theirs))
                coef[order] = mechanism.coef_
                prediction = LinearRegressionWithFixedParameter(coef, mechanism.intercept_)
            else:
                prediction = _MechanismPrediction(mechanism, order)
            out.set_causal_mechanism(node, gcm.AdditiveNoiseModel(prediction, _noise_model(mechanism)))
        out.graph.nodes[node][PARENTS_DURING_FIT] = theirs
    return out


def _noise_model(mechanism: AdditiveNoiseMechanism, shift: float = 0.0) -> StochasticModel:
    if mechanism.noise == "gaussian" or mechanism.residuals_ is None:
        return gcm.ScipyDistribution(stats.norm, loc=shift, scale=mechanism.std_)
    empirical = gcm.EmpiricalDistribution()
    empirical.fit(mechanism.residuals_ + shift)
    return empirical


def from_dowhy(gcm_model: Any, data: pd.DataFrame, **options: Any) -> SCM:
    """An `SCM` on the dowhy model's graph with matching mechanism kinds, fitted on `data`.

    Linear regressors -> "linear", other additive noise models -> "mlp", ClassifierFCM and
    DiscreteAdditiveNoiseModel -> "categorical", roots: ScipyDistribution(norm) -> "gaussian", else "empirical". `options`
    go to `SCM` (e.g. seed). Other mechanism kinds raise ValueError.
    """
    names = {}
    for node in gcm_model.graph.nodes:
        try:
            mechanism = gcm_model.causal_mechanism(node)
        except (KeyError, ValueError):
            raise ValueError(f"dowhy model has no causal mechanism for node {node!r}") from None
        names[node] = _kind(node, mechanism)
    return SCM(nx.DiGraph(gcm_model.graph), mechanisms=names, **options).fit(data)


def _kind(node: Any, mechanism: Any) -> str:
    if isinstance(mechanism, gcm.ScipyDistribution):
        return "gaussian" if mechanism.scipy_distribution is stats.norm else "empirical"
    if isinstance(mechanism, StochasticModel):
        return "empirical"
    if isinstance(mechanism, (gcm.ClassifierFCM, gcm.DiscreteAdditiveNoiseModel)):
        return "categorical"
    if isinstance(mechanism, gcm.AdditiveNoiseModel):
        prediction = mechanism.prediction_model
        linear = isinstance(prediction, LinearRegressionWithFixedParameter) or (
            isinstance(prediction, SklearnRegressionModel)
            and type(prediction.sklearn_model).__module__.startswith(linear_model.__name__))
        return "linear" if linear else "mlp"
    raise ValueError(f"node {node!r}: dowhy mechanism {type(mechanism).__name__} has no SCM counterpart")
