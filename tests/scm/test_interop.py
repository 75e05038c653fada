"""Cross-checks against dowhy.gcm and pgmpy: same model, same answers."""
import warnings

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import torch
from dowhy import gcm
from pgmpy.inference import CausalInference
from pgmpy.models import DiscreteBayesianNetwork
from scipy import stats

import scm
from scm.identification import backdoor_adjustment_sets
from scm.interop.dowhy import from_dowhy, to_dowhy
from scm.interop.pgmpy import from_pgmpy_linear, to_pgmpy_discrete, to_pgmpy_linear

torch.set_num_threads(1)
GRAPH = nx.DiGraph([("x", "m"), ("x", "y"), ("m", "y")])


@pytest.fixture(scope="module")
def data():
    """x ~ Laplace; m = x + noise; y = 2m - x + skewed noise."""
    rng = np.random.default_rng(0)
    x = rng.laplace(size=3000)
    m = x + 0.5 * rng.normal(size=3000)
    y = 2 * m - x + rng.exponential(1.0, size=3000)
    return pd.DataFrame({"x": x, "m": m, "y": y})


def test_dowhy_counterfactuals_equal_ours(data):
    model = scm.SCM(GRAPH).fit(data)
    rows = data.iloc[:100]
    ours = model.counterfactual(rows, {"m": 1.0})
    theirs = gcm.counterfactual_samples(to_dowhy(model), {"m": lambda v: 1.0}, observed_data=rows)
    np.testing.assert_allclose(ours.to_numpy(), theirs[ours.columns].to_numpy(), atol=1e-6)


@pytest.mark.filterwarnings("ignore:mlp mechanism")
def test_dowhy_counterfactuals_equal_ours_for_mlp(data):
    # a small, short-trained network: the check is that both libraries evaluate the same one
    model = scm.SCM(GRAPH, "mlp", device="cpu", hidden=(16,), max_epochs=10).fit(data.iloc[:500])
    rows = data.iloc[:50]
    ours = model.counterfactual(rows, {"x": ("shift", 0.5)})
    theirs = gcm.counterfactual_samples(to_dowhy(model), {"x": lambda v: v + 0.5}, observed_data=rows)
    np.testing.assert_allclose(ours.to_numpy(), theirs[ours.columns].to_numpy(), atol=1e-5)


def test_dowhy_interventional_samples_agree(data):
    model = scm.SCM(GRAPH).fit(data)
    dowhy_model = to_dowhy(model)
    # exactly, when dowhy is given our exogenous noise (its roots take the value itself as noise)
    ours = model.intervene({"m": 2.0}, 500, seed=7)
    noise = model.noise(model.sample(500, seed=7))
    noise["x"] += model.mechanisms_["x"].intercept_
    theirs = gcm.counterfactual_samples(dowhy_model, {"m": lambda v: 2.0}, noise_data=noise)
    np.testing.assert_allclose(ours.to_numpy(), theirs[ours.columns].to_numpy(), atol=1e-9)
    # and in mean, each drawing its own noise (MC std error about 0.02 at n=20000)
    gcm.config.disable_progress_bars()
    np.random.seed(0)
    theirs = gcm.interventional_samples(dowhy_model, {"m": lambda v: 2.0}, num_samples_to_draw=20000)
    ours = model.intervene({"m": 2.0}, 20000, seed=1)
    np.testing.assert_allclose(ours.mean().to_numpy(), theirs[ours.columns].mean().to_numpy(), atol=0.06)


def test_from_dowhy_maps_mechanism_kinds(data):
    dowhy_model = gcm.InvertibleStructuralCausalModel(GRAPH)
    dowhy_model.set_causal_mechanism("x", gcm.ScipyDistribution(stats.norm))
    dowhy_model.set_causal_mechanism("m", gcm.AdditiveNoiseModel(gcm.ml.create_hist_gradient_boost_regressor()))
    dowhy_model.set_causal_mechanism("y", gcm.AdditiveNoiseModel(gcm.ml.create_linear_regressor()))
    with pytest.warns(RuntimeWarning, match="'m'"):  # 5 epochs are too few: the user is told
        model = from_dowhy(dowhy_model, data, device="cpu", max_epochs=5)
    kinds = {node: type(m).__name__ for node, m in model.mechanisms_.items()}
    assert kinds == {"x": "GaussianRoot", "m": "MLPMechanism", "y": "LinearMechanism"}
    np.testing.assert_allclose(model.mechanisms_["y"].coef_, [2.0, -1.0], atol=0.05)  # parents (m, x)


def test_pgmpy_linear_round_trip_keeps_parameters_and_moments(data):
    model = scm.SCM(GRAPH).fit(data)
    network = to_pgmpy_linear(model)
    back = from_pgmpy_linear(network)
    for node in GRAPH.nodes:
        np.testing.assert_allclose(back.mechanisms_[node].coef_, model.mechanisms_[node].coef_, atol=1e-12)
        assert back.mechanisms_[node].std_ == pytest.approx(model.mechanisms_[node].std_)
    ours = back.sample(50000, seed=0)
    theirs = network.simulate(50000, seed=0)[list(ours.columns)]
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=0.05)
    np.testing.assert_allclose(ours.cov(), theirs.cov(), rtol=0.05, atol=0.03)
    np.testing.assert_allclose(ours.cov(), data.cov(), rtol=0.05, atol=0.05)  # Gaussian noise, same moments


def test_pgmpy_discrete_export_keeps_dependence_direction(data):
    model = scm.SCM(GRAPH).fit(data)
    network = to_pgmpy_discrete(model, data, bins=3)
    assert isinstance(network, DiscreteBayesianNetwork) and network.check_model()
    cpd = network.get_cpds("m")
    states = cpd.state_names["m"]
    assert states == sorted(states) and len(states) == 3
    table = cpd.values  # P(m | x), axis 0: m state, axis 1: x state
    assert table[2, 2] > 0.7 and table[2, 0] < 0.05  # high x makes high m likely
    with pytest.raises(ValueError, match="bins"):
        to_pgmpy_discrete(model, data, bins=1)


def test_exports_refuse_models_they_cannot_represent(data):
    coded = data.assign(m=(data["m"] > 0).astype(int))  # a binary node: categorical mechanism
    with pytest.raises(ValueError, match="continuous nodes only.*'m'"):
        to_dowhy(scm.SCM(GRAPH).fit(coded))
    with pytest.raises(ValueError, match="not linear.*'m'"):
        to_pgmpy_linear(scm.SCM(GRAPH).fit(coded))


@pytest.mark.parametrize("edges, treatment, outcome", [
    ([("z", "t"), ("z", "y"), ("t", "y")], "t", "y"),
    ([("a", "t"), ("a", "m"), ("b", "m"), ("b", "y"), ("t", "y")], "t", "y"),
    ([("z1", "t"), ("z1", "z2"), ("z2", "y"), ("t", "w"), ("w", "y")], "t", "y"),
    ([("u", "t"), ("u", "v"), ("v", "y"), ("w", "v"), ("w", "y"), ("t", "y"), ("k", "t")], "t", "y"),
])
def test_backdoor_sets_agree_with_pgmpy(edges, treatment, outcome):
    graph = nx.DiGraph(edges)
    ours = backdoor_adjustment_sets(graph, treatment, outcome)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        inference = CausalInference(DiscreteBayesianNetwork(edges))
        theirs = inference.get_all_backdoor_adjustment_sets(treatment, outcome)
        smallest = inference.get_minimal_adjustment_set(treatment, outcome)
    # pgmpy answers frozenset() when no adjustment is needed, else the frozenset of minimal sets
    assert set(ours) == ({frozenset()} if theirs == frozenset() else set(theirs))
    assert frozenset(smallest) in ours  # pgmpy's minimal (by inclusion) set is one of ours
