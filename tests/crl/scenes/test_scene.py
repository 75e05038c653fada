"""Causal semantics shared by every scene: sampling, do(), counterfactuals, pairs, and input checks.

A tiny custom scene (a -> b -> c, plus an independent d) makes exact checks easy; the built-in
scenes are checked for determinism, ranges and pictures that follow their factors.
"""
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crl
from crl.scenes import Factor, custom, raster


def _render(values, size):
    n = len(values["a"])
    images = raster.canvas(n, np.zeros((size, size, 3), np.float32))
    region = raster.full(size)
    for k, name in enumerate("abcd"):
        # one bar per factor, its height the factor's value
        height = (values[name] + 2) / 4 * size / 2
        raster.paint(images, region, raster.rect(region, 4 + 8 * k, size - height / 2, 3, height / 2), (1, 1, 1))
    return raster.to_uint8(images)


def chain_scene():
    graph = nx.DiGraph([("a", "b"), ("b", "c")])
    graph.add_node("d")
    mechanisms = {
        "a": lambda p, u: 2 * u - 1,
        "b": lambda p, u: 0.8 * p["a"] + 0.2 * (2 * u - 1),
        "c": lambda p, u: p["b"] ** 2 + 0.1 * u,
        "d": lambda p, u: 2 * u - 1,
    }
    factors = [Factor(name, "continuous", -2.0, 2.0) for name in "abcd"]
    return custom(graph, mechanisms, _render, factors, name="chain", resolution=32)


@pytest.fixture(scope="module")
def chain():
    return chain_scene()


def test_names():
    assert crl.scenes.names() == ["causal_sprites", "flow", "multi_sprites", "pendulum", "random", "sprites", "tetrominoes"]


@pytest.mark.parametrize("name", ["causal_sprites", "flow", "pendulum", "sprites"])
def test_builtin_sample_is_deterministic_in_range_and_shaped(name):
    scene = crl.scenes.load(name, resolution=32)
    first, again, other = scene.sample(40, seed=7), scene.sample(40, seed=7), scene.sample(40, seed=8)
    assert first.images.shape == (40, 32, 32, 3) and first.images.dtype == np.uint8
    np.testing.assert_array_equal(first.images, again.images)
    pd.testing.assert_frame_equal(first.factors, again.factors)
    assert not first.factors.equals(other.factors)
    assert list(first.factors.columns) == scene.factor_names == list(first.noise.columns)
    assert list(nx.topological_sort(scene.graph.subgraph(scene.factor_names)))  # acyclic
    for factor in scene.factors:
        column = first.factors[factor.name]
        assert column.between(factor.low, factor.high).all(), factor.name
        if factor.is_categorical:
            assert column.dtype == np.int64
    np.testing.assert_array_equal(scene.render(first.factors), first.images)


@pytest.mark.parametrize("name", ["causal_sprites", "flow", "pendulum", "sprites"])
def test_each_factor_changes_the_picture(name):
    scene = crl.scenes.load(name)
    base = scene.sample(1, seed=3).factors
    for factor in scene.factors:
        low, high = base.copy(), base.copy()
        low[factor.name] = factor.low + 0.2 * (factor.high - factor.low)
        high[factor.name] = factor.low + 0.8 * (factor.high - factor.low)
        if factor.is_categorical:
            low[factor.name], high[factor.name] = 0, int(factor.high)
        images = scene.render(pd.concat([low, high], ignore_index=True))
        changed = np.abs(images[0].astype(int) - images[1].astype(int)).sum(axis=-1) > 30
        assert changed.sum() >= 4, f"{name}: changing {factor.name} changed {changed.sum()} pixels"


def test_intervention_on_middle_node(chain):
    observed = chain.sample(3000, seed=0).factors
    done = chain.intervene({"b": 0.5}, 3000, seed=1).factors
    assert np.all(done["b"] == 0.5)
    # non-descendants keep their distribution (uniform on [-1, 1]: mean 0, std 1/sqrt(3))
    for name in ("a", "d"):
        assert abs(done[name].mean() - observed[name].mean()) < 0.06
        assert abs(done[name].std() - observed[name].std()) < 0.04
    # the descendant follows the mechanism: c = 0.25 + 0.1 u, u ~ U(0, 1)
    assert done["c"].between(0.25, 0.35).all()


def test_counterfactual_exact(chain):
    factual = chain.sample(100, seed=2)
    cf = chain.counterfactual(factual, {"b": -0.5})
    for name in ("a", "d"):
        np.testing.assert_array_equal(cf.factors[name], factual.factors[name])
    np.testing.assert_allclose(cf.factors["c"], 0.25 + 0.1 * factual.noise["c"])
    shifted = chain.counterfactual(factual, {"a": ("shift", 0.5)})
    np.testing.assert_allclose(shifted.factors["a"], factual.factors["a"] + 0.5)
    np.testing.assert_allclose(shifted.factors["b"], 0.8 * (factual.factors["a"] + 0.5) + 0.2 * (2 * factual.noise["b"] - 1))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12), value=st.floats(-2.0, 2.0))
def test_counterfactual_keeps_non_descendants_for_any_seed(seed, n, value):
    scene = chain_scene()
    factual = scene.sample(n, seed=seed)
    cf = scene.counterfactual(factual, {"a": value})
    assert np.all(cf.factors["a"] == value)
    np.testing.assert_array_equal(cf.factors["d"], factual.factors["d"])
    np.testing.assert_allclose(cf.factors["b"], np.clip(0.8 * value + 0.2 * (2 * factual.noise["b"] - 1), -2, 2))


@pytest.mark.parametrize("mode", ["noise", "intervention"])
def test_pairs_with_k1_change_one_variable_and_its_descendants(chain, mode):
    pairs = chain.sample_pairs(400, k=1, seed=0, mode=mode)
    assert (pairs.changed.sum(axis=1) == 1).all()
    changed = pairs.changed.to_numpy()
    differs = (pairs.factors1 != pairs.factors2).to_numpy()
    for j, name in enumerate(chain.factor_names):
        affected = {name} | nx.descendants(chain.graph, name)
        rows = changed[:, j]
        untouched = [chain.factor_names.index(v) for v in chain.factor_names if v not in affected]
        assert not differs[np.ix_(rows, untouched)].any()
        assert differs[rows, j].mean() > 0.95  # the changed variable itself moves (ties have probability 0)
    image_differs = (pairs.x1 != pairs.x2).any(axis=(1, 2, 3))
    assert image_differs.mean() > 0.9


def test_pairs_random_k(chain):
    counts = chain.sample_pairs(300, k="random", seed=1).changed.sum(axis=1)
    assert counts.min() == 1 and counts.max() == 3


def test_pairs_subset_keeps_rows_together(chain):
    pairs = chain.sample_pairs(50, k=1, seed=2)
    mask = ~pairs.changed[chain.factor_names[0]].to_numpy()
    kept = pairs.subset(mask)
    assert len(kept) == mask.sum() and not kept.changed[chain.factor_names[0]].any()
    np.testing.assert_array_equal(kept.x2, pairs.x2[mask])
    pd.testing.assert_frame_equal(kept.factors1, pairs.factors1[mask].reset_index(drop=True))
    np.testing.assert_array_equal(pairs.subset([3, 1]).x1, pairs.x1[[3, 1]])
    with pytest.raises(ValueError, match="boolean mask of shape \\(50,\\)"):
        pairs.subset(mask[:10])


def test_cyclic_graph_names_the_cycle():
    graph = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")])
    mechanisms = {v: (lambda p, u: u) for v in "abc"}
    with pytest.raises(ValueError, match="cycle .*a"):
        custom(graph, mechanisms, _render, [Factor(v) for v in "abc"])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda s: crl.scenes.load("nope"), "pendulum"),
        (lambda s: crl.scenes.load("pendulum", resolution=50), "resolution"),
        (lambda s: crl.scenes.load("pendulum", colour=True), "colour"),
        (lambda s: s.sample(0), "n must be a positive"),
        (lambda s: s.intervene({"e": 1.0}, 5), r"do: unknown factor\(s\) \['e'\]; valid names are \['a', 'b', 'c', 'd'\]"),
        (lambda s: s.intervene({"a": 3.0}, 5), r"do\['a'\].*outside its range \[-2.0, 2.0\]"),
        (lambda s: s.intervene({"a": ("scale", 3.0)}, 5), r"do\['a'\].*Shift"),
        (lambda s: s.intervene({}, 5), "do must be a non-empty dict"),
        (lambda s: s.render(pd.DataFrame({"a": [0.0]})), r"missing factor column"),
        (lambda s: s.render(pd.DataFrame({v: [np.nan] for v in "abcd"})), "NaN"),
        (lambda s: s.sample_pairs(5, k=4), "k must be"),
        (lambda s: s.sample_pairs(5, mode="both"), "mode"),
        (lambda s: s.counterfactual(s.sample(3).factors, {"a": 0.0}), "Sample"),
        (lambda s: custom(nx.DiGraph([("a", "b")]), {"a": lambda p, u: u}, _render, [Factor("a"), Factor("b")]), "mechanism"),
        (lambda s: Factor("x", "ordinal"), "kind"),
        (lambda s: Factor("x", low=1.0, high=0.0), "low < high"),
    ],
)
def test_bad_input_raises_a_named_error(chain, call, message):
    with pytest.raises(ValueError, match=message):
        call(chain)


def test_categorical_interventions_accept_names_and_codes():
    scene = crl.scenes.load("sprites", resolution=16)
    assert (scene.intervene({"shape": "heart"}, 4).factors["shape"] == 2).all()
    assert (scene.intervene({"shape": 1}, 4).factors["shape"] == 1).all()
    with pytest.raises(ValueError, match="unknown category 'star'"):
        scene.intervene({"shape": "star"}, 4)
    with pytest.raises(ValueError, match="categorical"):
        scene.intervene({"shape": ("shift", 1)}, 4)
