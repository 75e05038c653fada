"""Samplers over a scene: BetaVAE and FactorVAE scores, the compute_* functions, and the tidy table."""
import numpy as np
import pytest

import crl.metrics as metrics
from crl.metrics.representation import DEFAULT_METRICS

SMALL = {"batch_size": 16, "num_train": 150, "num_eval": 100}
MIX = np.eye(3) - 2.0 / 3.0  # orthogonal, spreads every factor over all three latents


def test_beta_vae_score_is_high_for_the_true_factors_and_chance_for_a_constant_code(scene) -> None:
    perfect = metrics.beta_vae_score(scene, scene.inverse, pool_size=300, **SMALL)
    assert perfect.beta_vae > 0.9
    constant = metrics.beta_vae_score(scene, lambda images: np.zeros((len(images), 2)), pool_size=300, **SMALL)
    assert constant.beta_vae < 0.5  # three factors: chance is about 1/3


def test_factor_vae_score_separates_aligned_from_rotated_codes(scene) -> None:
    aligned = metrics.factor_vae_score(scene, scene.inverse, num_variance_estimate=300, **SMALL)
    assert aligned.factor_vae > 0.95 and aligned.num_active_dims == 3
    mixed = metrics.factor_vae_score(scene, lambda images: scene.inverse(images) @ MIX, num_variance_estimate=300, **SMALL)
    assert mixed.factor_vae < aligned.factor_vae - 0.2


def test_factor_vae_prunes_collapsed_latents(scene) -> None:
    with_dead = lambda images: np.column_stack([scene.inverse(images), np.full(len(images), 0.5)])  # noqa: E731
    score = metrics.factor_vae_score(scene, with_dead, num_variance_estimate=300, **SMALL)
    assert score.num_active_dims == 3 and score.factor_vae > 0.95
    dead = metrics.factor_vae_score(scene, lambda images: np.zeros((len(images), 2)), num_variance_estimate=300, **SMALL)
    assert (dead.factor_vae, dead.num_active_dims) == (0.0, 0)


def test_samplers_are_reproducible_by_seed(scene) -> None:
    first = metrics.beta_vae_score(scene, scene.inverse, pool_size=200, seed=3, batch_size=8, num_train=40, num_eval=20)
    again = metrics.beta_vae_score(scene, scene.inverse, pool_size=200, seed=3, batch_size=8, num_train=40, num_eval=20)
    assert first == again


def test_compute_mig_bins_continuous_factors_over_their_declared_range(scene) -> None:
    assert metrics.compute_mig(scene, scene.inverse, num_train=500) > 0.8
    assert metrics.compute_mig(scene, lambda images: scene.inverse(images) @ MIX, num_train=500) < 0.3


def test_compute_sap_is_higher_for_aligned_than_for_rotated_codes(scene) -> None:
    aligned = metrics.compute_sap(scene, scene.inverse, num_train=300, num_test=150)
    mixed = metrics.compute_sap(scene, lambda images: scene.inverse(images) @ MIX, num_train=300, num_test=150)
    assert aligned > mixed + 0.1
    continuous = metrics.compute_sap(scene, scene.inverse, num_train=300, num_test=150, continuous_factors=True)
    assert continuous > 0.9


@pytest.mark.slow
def test_evaluate_representation_returns_every_metric_in_a_tidy_frame(discrete_scene) -> None:
    table = metrics.evaluate_representation(discrete_scene.inverse, discrete_scene, fast=True)
    assert list(table.columns) == ["metric", "score", "value"]
    assert set(table["metric"]) == set(DEFAULT_METRICS)
    main = table[table["metric"] == table["score"]].set_index("metric")["value"]
    dci = table[(table["metric"] == "dci") & (table["score"] == "disentanglement")]["value"].item()
    assert main.drop(["sap"]).min() > 0.9 and dci > 0.9
    # 1-D linear classifiers cannot isolate the middle levels of a 5-level factor, so SAP stays well below 1
    assert main["sap"] > 0.2


def test_evaluate_representation_rejects_unknown_metric_and_non_scene(scene) -> None:
    with pytest.raises(ValueError, match="unknown: \\['irs'\\]"):
        metrics.evaluate_representation(scene.inverse, scene, metrics=["mig", "irs"])
    with pytest.raises(ValueError, match="scene must provide .factors, .sample and .render"):
        metrics.evaluate_representation(scene.inverse, object())
    with pytest.raises(ValueError, match="encode_fn must be callable"):
        metrics.beta_vae_score(scene, "encoder")
