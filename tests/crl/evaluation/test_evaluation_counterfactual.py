"""Counterfactual scores: the true mechanisms score ~perfectly, returning the input fails where it should."""
import numpy as np
from conftest import BrokenModel, PerfectModel

from crl.evaluation.counterfactual import counterfactual_error
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
