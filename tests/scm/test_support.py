"""scm.support: how far an intervened value lies outside the noise its parents' data showed."""
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from scm.mechanisms import EmpiricalRoot, LinearMechanism
from scm.model import SCM
from scm.support import noise_band, support_distance


@pytest.fixture(scope="module")
def chain():
    """a ~ U(0, 1) -> b = 2a + N(0, 0.1), and a discrete root c."""
    rng = np.random.default_rng(0)
    a = rng.uniform(0, 1, 20_000)
    data = pd.DataFrame({"a": a, "b": 2 * a + rng.normal(0, 0.1, len(a)), "c": rng.integers(0, 3, len(a))})
    graph = nx.DiGraph([("a", "b")])
    graph.add_node("c")
    return SCM(graph, mechanisms="linear", discrete=["c"]).fit(data)


def test_the_distance_is_the_implied_noise_beyond_the_residuals_band_in_noise_stds(chain):
    rows = pd.DataFrame({"a": [0.2, 0.5, 0.8, 1.5], "b": [0.4, 1.5, 1.55, 3.0], "c": [0, 1, 2, 0]})
    distance = support_distance(chain, rows, ["a", "b", "c"])
    assert list(distance.columns) == ["a", "b"]  # a discrete node is inside at any class it has
    # b's implied noise is 0, +0.5, -0.05, 0; its band is N(0, 0.1)'s 1-99% quantiles, +-0.2326
    np.testing.assert_allclose(distance["b"], [0, (0.5 - 0.2326) / 0.1, 0, 0], atol=0.1)
    # a root's band is its values' 1-99% range, [0.01, 0.99]; its noise std is U(0, 1)'s, 0.2887
    np.testing.assert_allclose(distance["a"], [0, 0, 0, (1.5 - 0.99) / 0.2887], atol=0.05)


def test_counterfactual_rows_off_their_parents_curve_are_outside(chain):
    factual = pd.DataFrame({"a": [0.1, 0.9], "b": [0.2, 1.8], "c": [0, 0]})
    near, far = chain.counterfactual(factual, {"b": 0.25}), chain.counterfactual(factual, {"b": 1.75})
    assert (support_distance(chain, near, ["b"])["b"].to_numpy() > 0).tolist() == [False, True]
    assert (support_distance(chain, far, ["b"])["b"].to_numpy() > 0).tolist() == [True, False]


def test_a_mechanism_known_only_by_its_noise_scale_has_a_gaussian_band():
    mechanism = LinearMechanism.from_parameters([2.0], 0.0, std=0.5)
    low, high = noise_band(mechanism, 0.05)
    assert (low, high) == pytest.approx((-0.5 * norm.ppf(0.95), 0.5 * norm.ppf(0.95)))
    root = EmpiricalRoot().fit(np.empty((101, 0)), np.arange(101.0), np.random.default_rng(0))
    assert noise_band(root, 0.1) == pytest.approx((-40.0, 40.0))  # values 0..100 around their mean 50


def test_bad_arguments_are_named(chain):
    rows = pd.DataFrame({"a": [0.5], "b": [1.0], "c": [0]})
    with pytest.raises(ValueError, match=r"unknown node\(s\) \['z'\]"):
        support_distance(chain, rows, ["z"])
    with pytest.raises(ValueError, match=r"quantile must lie in \(0, 0.5\)"):
        support_distance(chain, rows, ["b"], quantile=0.5)
