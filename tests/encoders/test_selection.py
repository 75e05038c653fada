"""encoders.selection: a training with held-out labelled rows ends with the networks of its best step, when that
step reads them clearly better than the last."""
import pytest
import torch

import encoders
from encoders.selection import KEPT

FAST = dict(latent_dim=4, batch_size=16, lr=3e-3, progress=False, seed=2, log_every=5)


def _kept(encoder):
    return {f"{name}.{k}": v for name in KEPT for k, v in encoder.modules[name].state_dict().items()}


def _held_out_loss(encoder, images, rows):
    """The label loss of held-out rows, by the encoder's own supervision head (continuous labels: MSE in stds)."""
    spec = encoder.config["labels"]
    z = torch.as_tensor(encoder.encode(images[rows.index.to_numpy()]))[:, :2]
    values = torch.tensor(((rows - spec["means"]) / spec["stds"]).to_numpy(), dtype=torch.float32)
    return float(((z - values) ** 2).mean(0).sum())


def test_the_kept_networks_are_those_of_the_selected_step_and_read_held_out_rows_best(square_data):
    images, factors = square_data
    train, held = factors.iloc[:12], factors.iloc[100:128]
    selected = encoders.train("beta-vae", images, labels=train, validation=held, steps=40, **FAST)
    step = selected.config["selected_step"]
    assert step in range(5, 40, 5)  # 28 held-out rows: an earlier step read them clearly better than the last
    # the batches do not depend on the measurements: training to that step alone gives the same networks
    alone = encoders.train("beta-vae", images, labels=train, steps=step, **FAST)
    assert all(torch.equal(v, _kept(alone)[k]) for k, v in _kept(selected).items())
    # and no step measured reads the held-out rows better than the kept one
    for other in range(5, 41, 5):
        candidate = encoders.train("beta-vae", images, labels=train, steps=other, **FAST)
        assert _held_out_loss(selected, images, held) <= _held_out_loss(candidate, images, held) + 1e-6


def test_an_earlier_step_that_is_not_clearly_better_leaves_the_last_one(square_data):
    # three held-out rows cannot make a one-sided signed-rank test significant (its smallest p is 1/8), so an
    # earlier step that measured lower by chance does not undo the training after it
    images, factors = square_data
    train, held = factors.iloc[:12], factors.iloc[100:103]
    kept = encoders.train("beta-vae", images, labels=train, validation=held, steps=40, **FAST)
    assert kept.config["selected_step"] == 40
    trained = {step: encoders.train("beta-vae", images, labels=train, steps=step, **FAST) for step in range(5, 41, 5)}
    losses = {step: _held_out_loss(encoder, images, held) for step, encoder in trained.items()}
    assert min(losses.values()) < losses[40]  # an earlier step did measure lower
    assert all(torch.equal(v, _kept(trained[40])[k]) for k, v in _kept(kept).items())


def test_a_resumed_training_keeps_the_same_step_as_an_uninterrupted_one(square_data, tmp_path):
    images, factors = square_data
    train, held = factors.iloc[:12], factors.iloc[100:128]
    whole = encoders.train("beta-vae", images, labels=train, validation=held, steps=40, **FAST)
    encoders.train("beta-vae", images, labels=train, validation=held, steps=20, checkpoint_dir=tmp_path,
                   checkpoint_every=10, **FAST)
    resumed = encoders.train("beta-vae", images, labels=train, validation=held, steps=40, checkpoint_dir=tmp_path,
                             checkpoint_every=10, resume=True, **FAST)
    assert resumed.config["selected_step"] == whole.config["selected_step"]
    assert all(torch.equal(v, _kept(whole)[k]) for k, v in _kept(resumed).items())


def test_validation_rows_are_checked_before_training(square_data):
    images, factors = square_data
    with pytest.raises(ValueError, match="rows .* are in labels too"):
        encoders.train("beta-vae", images, labels=factors.iloc[:12], validation=factors.iloc[10:20], steps=2, **FAST)
    with pytest.raises(ValueError, match="the labels' columns"):
        encoders.train("beta-vae", images, labels=factors.iloc[:12], validation=factors.iloc[20:30][["y"]], steps=2,
                       **FAST)
    with pytest.raises(ValueError, match="validation was given without labels"):
        encoders.train("beta-vae", images, validation=factors.iloc[20:30], steps=2, **FAST)
