"""One trial without Ray: a semi-supervised trial trains on its labels, saves a loadable model, scores it; a
diverged training is refused by name."""
import numpy as np
import pytest

import encoders
from crl.study import load_config, trials
from crl.study.results import MODELS
from crl.study.trial import CHECKPOINTS, TrainingDiverged, check_converged, run_trial

SEMI = {
    "name": "semi-tiny",
    "data": [{"scene": "pendulum", "resolution": 16}],
    "models": [{"objective": "beta-vae", "grid": {"n_labels": [40], "label_mode": ["binned"]}}],
    "training": {"steps": 20, "n_images": 120, "latent_dim": 4, "batch_size": 16},
    "scores": {"fast": True, "families": ["selection", "unsupervised"]},
}


@pytest.mark.slow
def test_a_labelled_trial_trains_on_its_labels_and_is_saved_and_scored(tmp_path, one_thread):
    (trial,) = trials(load_config(SEMI))
    assert trial.id == "pendulum-beta-vae-n_labels=40-label_mode=binned-s0"
    result = run_trial(trial, tmp_path, load_config(SEMI).scores)
    model = encoders.load(tmp_path / MODELS / trial.id, device="cpu")
    assert model.label_names == ["pendulum", "light", "shadow_length", "shadow_position"]  # one latent per factor
    assert model.config["n_images"] == 120 and model.config["steps"] == 20
    scores = result["scores"]
    assert set(scores) >= {"selection.pair_loss", "selection.neg_elbo", "selection.validation_mcc",
                           "unsupervised.gaussian_total_correlation", "unsupervised.mutual_info_score"}
    assert all(np.isfinite(v) for v in scores.values()) and scores["selection.neg_elbo"] > 0
    assert 0 <= scores["selection.validation_mcc"] <= 1 and result["wall_time"] > 0
    assert not (tmp_path / CHECKPOINTS / trial.id).exists()  # the finished training's checkpoint is gone


def test_a_diverged_training_is_refused_by_name():
    check_converged([{"step": 10, "loss": 3.0}], "t")
    with pytest.raises(TrainingDiverged, match="trial t: training diverged \\(loss nan at step 20\\)"):
        check_converged([{"step": 10, "loss": 3.0}, {"step": 20, "loss": float("nan")}], "t")
