"""Counterfactual scores: the true mechanisms score ~perfectly, returning the input fails where it should."""
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from conftest import BrokenModel, PerfectModel

from crl.evaluation.counterfactual import counterfactual_error, factor_error_table
from crl.evaluation.factors import factor_scales

DO = [{"a": 0.25}, {"a": 0.75}, {"c": 0.5}]


def _run(scene, oracle, model):
    sample = scene.sample(200, seed=7)
    defs = {f.name: f for f in scene.factors}
    return counterfactual_error(model, scene, sample, DO, oracle, defs, factor_scales(sample.factors, defs))


def test_perfect_model_matches_the_true_counterfactual(scene, oracle):
    result = _run(scene, oracle, PerfectModel(scene))
    assert (result.images["mse"] < 1e-4).all() and (result.images["ssim"] > 0.99).all()
    assert (result.images["mse_unchanged"] > 1e-3).all()  # the interventions do change the images
    errors = result.factors
    np.testing.assert_allclose(errors["error_norm"], errors["oracle_floor_norm"], atol=0.02)
    assert errors["error_norm"].max() < 0.35
    assert set(errors["relation"]) == {"intervened", "descendant", "non-descendant"}
    assert len(result.examples) == 3 and result.examples["do(a=0.25)"][1].shape == (8, 16, 16, 3)


def test_returning_the_input_fails_on_intervened_and_descendants_only(scene, oracle):
    errors = _run(scene, oracle, BrokenModel(scene)).factors.groupby("relation")["error_norm"].mean()
    # |a - 0.25| and |a - 0.75| for a ~ U(0, 1) average 0.3125 = 1.08 std; |c - 0.5| averages 0.25 = 0.87 std
    assert errors["intervened"] > 0.7
    assert errors["descendant"] > 0.4
    assert errors["non-descendant"] < 0.35  # unchanged factors are right even for this model


def test_errors_over_the_rows_the_model_keeps_inside_its_data():
    graph = nx.DiGraph([("a", "b")])
    definitions = {name: SimpleNamespace(kind="continuous") for name in "ab"}
    truth = pd.DataFrame({"a": [0.5] * 4, "b": [1.0, 1.0, 2.0, 2.0]})
    read = pd.DataFrame({"a": [0.5, 0.6, 0.9, 0.5], "b": [1.2, 1.0, 2.0, 1.0]})
    scales = {"a": 0.5, "b": 2.0}
    table = factor_error_table({"a": 0.5}, read, truth, truth, graph, definitions, scales,
                               in_support=np.array([True, True, False, True])).set_index("variable")
    # every row: a errs 0, 0.1, 0.4, 0 (mean 0.125); inside: 0, 0.1, 0 (mean 1/30); in a's std of 0.5
    assert table.loc["a", "error_norm"] == pytest.approx(0.125 / 0.5)
    assert table.loc["a", "error_norm_in_support"] == pytest.approx((0.1 / 3) / 0.5)
    assert table.loc["b", "error_norm_in_support"] == pytest.approx((0.2 + 1.0) / 3 / 2.0)
    assert (table["share_in_support"] == 0.75).all() and (table["oracle_floor_norm"] == 0).all()
    without = factor_error_table({"a": 0.5}, read, truth, truth, graph, definitions, scales)
    assert without["share_in_support"].isna().all() and without["error_norm_in_support"].isna().all()
