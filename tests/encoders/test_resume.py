"""Checkpoints: an interrupted training resumes to the uninterrupted weights, Ctrl-C stops cleanly, and a
checkpoint resumes only the training it was written for (config, data, steps), never a damaged one."""
import json
import signal

import pytest
import torch

import encoders
from encoders.checkpoint import CHECKPOINT, CheckpointError
from encoders.interrupt import TrainingInterrupted
from encoders.training import _ObjectiveStep

FAST = dict(latent_dim=4, batch_size=16, lr=1e-3, progress=False, seed=1, checkpoint_every=3, log_every=2)


def _weights(enc):
    return {k: v.clone() for k, v in enc.modules.state_dict().items()}


def _same(a, b):
    return all(torch.equal(a[k], b[k]) for k in a) and a.keys() == b.keys()


def _stored_step(folder):
    return json.loads((folder / CHECKPOINT / "state.json").read_text())["step"]


def _interrupt_at(monkeypatch, at, how):
    """Make step `at` end in an interruption: a KeyboardInterrupt raised before it runs, or Ctrl-C during it."""
    step = _ObjectiveStep.__call__

    def interrupted(self, number):
        if number == at and how == "raise":
            raise KeyboardInterrupt
        terms = step(self, number)
        if number == at:
            signal.raise_signal(signal.SIGINT)  # arrives while the step's work is done: the loop holds it
        return terms

    monkeypatch.setattr(_ObjectiveStep, "__call__", interrupted)


@pytest.fixture(scope="module")
def uninterrupted(square_data):
    images, factors = square_data
    return encoders.train("causal-vae", images, labels=factors.iloc[:20], steps=8, **FAST)


def test_a_run_interrupted_mid_training_resumes_to_the_uninterrupted_weights(square_data, uninterrupted, tmp_path,
                                                                               monkeypatch):
    images, factors = square_data
    with monkeypatch.context() as patch:
        _interrupt_at(patch, 5, "raise")
        with pytest.raises(KeyboardInterrupt):
            encoders.train("causal-vae", images, labels=factors.iloc[:20], steps=8, checkpoint_dir=tmp_path, **FAST)
    assert _stored_step(tmp_path) == 3  # the last periodic checkpoint, intact
    resumed = encoders.train("causal-vae", images, labels=factors.iloc[:20], steps=8, checkpoint_dir=tmp_path,
                             resume=True, **FAST)
    assert _same(_weights(resumed), _weights(uninterrupted))
    assert resumed.history == uninterrupted.history


def test_ctrl_c_finishes_the_step_checkpoints_it_and_says_how_to_resume(square_data, uninterrupted, tmp_path,
                                                                         monkeypatch):
    images, factors = square_data
    handler = signal.getsignal(signal.SIGINT)
    with monkeypatch.context() as patch:
        _interrupt_at(patch, 5, "signal")
        with pytest.raises(TrainingInterrupted, match=r"after step 5 of 8.*resume=True") as stop:
            encoders.train("causal-vae", images, labels=factors.iloc[:20], steps=8, checkpoint_dir=tmp_path, **FAST)
    assert isinstance(stop.value, KeyboardInterrupt) and stop.value.checkpoint == tmp_path / CHECKPOINT
    assert signal.getsignal(signal.SIGINT) is handler  # put back
    assert _stored_step(tmp_path) == 5
    resumed = encoders.train("causal-vae", images, labels=factors.iloc[:20], steps=8, checkpoint_dir=tmp_path,
                             resume=True, **FAST)
    assert _same(_weights(resumed), _weights(uninterrupted))


def test_ctrl_c_without_a_checkpoint_dir_says_nothing_was_kept(square_data, monkeypatch):
    images, _ = square_data
    _interrupt_at(monkeypatch, 2, "signal")
    with pytest.raises(TrainingInterrupted, match="nothing was kept"):
        encoders.train("beta-vae", images, steps=4, **FAST)


def test_a_checkpoint_is_json_and_safetensors_and_a_short_fit_writes_its_last_step(square_data, tmp_path):
    images, _ = square_data
    encoders.train("beta-vae", images, steps=2, checkpoint_dir=tmp_path, **{**FAST, "checkpoint_every": 1000})
    assert sorted(p.name for p in (tmp_path / CHECKPOINT).iterdir()) == ["manifest.json", "state.json",
                                                                        "tensors.safetensors"]
    assert _stored_step(tmp_path) == 2


def test_a_checkpoint_of_other_data_is_refused_unless_resume_is_false(square_data, tmp_path):
    images, _ = square_data
    encoders.train("beta-vae", images, steps=3, checkpoint_dir=tmp_path, **FAST)
    reordered = images[::-1].copy()  # same shape, same config: only the fingerprint tells them apart
    with pytest.raises(CheckpointError, match=rf"{CHECKPOINT} was written for other data \(the images differ\)"
                                              r".*delete it or pass resume=False"):
        encoders.train("beta-vae", reordered, steps=3, checkpoint_dir=tmp_path, **FAST)
    fresh = encoders.train("beta-vae", reordered, steps=3, checkpoint_dir=tmp_path, resume=False, **FAST)
    assert _same(_weights(fresh), _weights(encoders.train("beta-vae", reordered, steps=3, **FAST)))
    with pytest.raises(CheckpointError, match="different config.*'objective_options.beta'.*resume=False"):
        encoders.train("beta-vae", reordered, steps=3, checkpoint_dir=tmp_path, beta=2.0, **FAST)


def test_fewer_steps_than_the_checkpoint_are_refused_not_answered_with_longer_training(square_data, tmp_path):
    images, _ = square_data
    encoders.train("beta-vae", images, steps=6, checkpoint_dir=tmp_path, **FAST)
    with pytest.raises(CheckpointError, match=r"at step 6, past steps=4.*steps >= 6.*resume=False"):
        encoders.train("beta-vae", images, steps=4, checkpoint_dir=tmp_path, **FAST)
    short = encoders.train("beta-vae", images, steps=4, checkpoint_dir=tmp_path, resume=False, **FAST)
    assert short.config["steps"] == 4 and _stored_step(tmp_path) == 4
    assert _same(_weights(short), _weights(encoders.train("beta-vae", images, steps=4, **FAST)))


@pytest.mark.parametrize("damage, named", [
    (lambda folder: (folder / "tensors.safetensors").write_bytes(b"\x00" * 10), "tensors.safetensors"),
    (lambda folder: (folder / "state.json").write_text("{"), "state.json"),
    (lambda folder: (folder / "manifest.json").unlink(), "manifest.json"),
])
def test_a_damaged_checkpoint_names_its_file_and_the_remedy(square_data, tmp_path, damage, named):
    images, _ = square_data
    encoders.train("beta-vae", images, steps=3, checkpoint_dir=tmp_path, **FAST)
    damage(tmp_path / CHECKPOINT)
    with pytest.raises(CheckpointError, match=rf"{named}.*delete it or pass resume=False"):
        encoders.train("beta-vae", images, steps=6, checkpoint_dir=tmp_path, **FAST)
    assert encoders.train("beta-vae", images, steps=3, checkpoint_dir=tmp_path, resume=False, **FAST).config["steps"] == 3


def test_resume_settings_and_old_or_foreign_checkpoints(square_data, tmp_path):
    images, _ = square_data
    with pytest.raises(ValueError, match="resume must be True, False or 'auto'"):
        encoders.train("beta-vae", images, steps=1, resume="yes", **FAST)
    with pytest.raises(ValueError, match="resume=True needs the checkpoint_dir"):
        encoders.train("beta-vae", images, steps=1, resume=True, **FAST)
    with pytest.raises(CheckpointError, match="holds no checkpoint"):
        encoders.train("beta-vae", images, steps=1, checkpoint_dir=tmp_path / "empty", resume=True, **FAST)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "checkpoint.pt").write_bytes(b"torch")
    with pytest.raises(CheckpointError, match=r"checkpoint.pt .*older crl.*delete it or pass resume=False"):
        encoders.train("beta-vae", images, steps=1, checkpoint_dir=tmp_path / "old", **FAST)
    encoders.train("beta-vae", images, steps=1, checkpoint_dir=tmp_path / "old", resume=False, **FAST)
    (tmp_path / "user" / CHECKPOINT).mkdir(parents=True)
    (tmp_path / "user" / CHECKPOINT / "notes.txt").write_text("mine")
    with pytest.raises(CheckpointError, match="not a checkpoint folder written by crl"):
        encoders.train("beta-vae", images, steps=1, checkpoint_dir=tmp_path / "user", resume=False, **FAST)
    assert (tmp_path / "user" / CHECKPOINT / "notes.txt").read_text() == "mine"
