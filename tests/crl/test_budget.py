"""CausalModel's defaults fit the machine: steps="auto" and time_budget settle the encoder's steps from the speed of
its first steps (a fake clock stands in for a slow machine), a long run warns before the bulk of the work, what was
chosen is recorded, and training resumes after Ctrl-C to the uninterrupted result, from Python and from `crl train`."""
import itertools
import signal

import pytest
import torch

import crl
from crl.cli import main
from crl.scene_data import fit_on_scene, scene_training_data
from encoders import budget
from encoders.interrupt import TrainingInterrupted
from encoders.training import _ObjectiveStep

TINY = dict(latent_dim=5, batch_size=16, lr=1e-3, mechanisms="linear", bootstrap=0, label_holdout=0.0, progress=False,
            device="cpu")
CLI = ["--scene", "pendulum", "--resolution", "16", "--n-images", "120", "--n-pairs", "120", "--n-labels", "40",
       "--steps", "8", "--checkpoint-every", "3", "--latent-dim", "5", "--mechanisms", "linear", "--device", "cpu"]


@pytest.fixture(scope="module")
def data():
    return scene_training_data(crl.scenes.load("pendulum", resolution=16), n_images=120, n_pairs=120, n_labels=40, seed=0)


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    """One torch thread: bit-identical weights and the shared cores."""


def _clock(monkeypatch, seconds_per_reading):
    readings = itertools.count(step=seconds_per_reading)
    monkeypatch.setattr(budget, "clock", lambda: float(next(readings)))


def _ctrl_c_at(monkeypatch, at):
    """Ctrl-C arrives while step `at` runs."""
    step = _ObjectiveStep.__call__

    def interrupted(self, number):
        terms = step(self, number)
        if number == at:
            signal.raise_signal(signal.SIGINT)
        return terms

    monkeypatch.setattr(_ObjectiveStep, "__call__", interrupted)


def test_defaults_are_auto_steps_and_stay_auto_in_the_params():
    params = crl.CausalModel().get_params()
    assert (params["steps"], params["time_budget"], params["checkpoint_every"]) == ("auto", None, 1000)


def test_auto_steps_on_a_cpu_fit_the_budget_and_are_recorded(data, monkeypatch, tmp_path):
    _clock(monkeypatch, 1.0)  # 0.2 s a training step and a refit step
    monkeypatch.setattr(budget, "CPU_BUDGET_SECONDS", 6.0)
    monkeypatch.setattr(budget, "MIN_AUTO_STEPS", 10)
    monkeypatch.setattr(budget, "AUTO_STEP_GRAIN", 10)
    model = fit_on_scene(crl.CausalModel(**TINY), data)
    assert model.steps_ == 20 and model.get_params()["steps"] == "auto"  # 6 s / (0.2 + 0.2 / 2) s
    assert model.notes.training == {"steps": 20, "rule": "auto: CPU budget", "seconds_per_step": 0.2,
                                    "decoder_steps": 10, "estimated_seconds": pytest.approx(6.0),
                                    "selected_step": None}  # TINY holds no labelled rows out: no step is selected
    model.save(tmp_path / "model")
    assert crl.CausalModel.load(tmp_path / "model", device="cpu").steps_ == 20


def test_time_budget_sets_the_steps(data, monkeypatch):
    _clock(monkeypatch, 10.0)  # 2 s a training step and a refit step
    model = fit_on_scene(crl.CausalModel(time_budget=60, **TINY), data)
    assert (model.steps_, model.notes.training["rule"], model.notes.training["decoder_steps"]) == (20, "time_budget", 10)


def test_a_slow_machine_is_warned_about_before_the_bulk_of_the_training(data, monkeypatch):
    _clock(monkeypatch, 1000.0)  # 200 s a step: even the fewest auto steps take long
    monkeypatch.setattr(budget, "MIN_AUTO_STEPS", 12)
    with pytest.warns(UserWarning, match=r"5 more training steps and 6 decoder refit steps on cpu will take about "
                                         r"37 minutes.*time_budget="):
        model = fit_on_scene(crl.CausalModel(**TINY), data)
    assert model.steps_ == 12


def test_fit_resumes_after_ctrl_c_to_the_uninterrupted_model(data, monkeypatch, tmp_path):
    settings = dict(steps=8, checkpoint_every=3, **TINY)
    whole = fit_on_scene(crl.CausalModel(**settings), data)
    model = crl.CausalModel(checkpoint_dir=str(tmp_path), **settings)
    with monkeypatch.context() as patch:
        _ctrl_c_at(patch, 5)
        with pytest.raises(TrainingInterrupted, match=r"after step 5 of 8.*resume=True"):
            fit_on_scene(model, data)
    fit_on_scene(model, data, resume=True)
    a, b = whole.encoder_.modules.state_dict(), model.encoder_.modules.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)  # the decoder refit included
    assert model.steps_ == 8


def test_crl_train_exits_130_on_ctrl_c_and_resumes_with_resume(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CRL_CACHE_DIR", str(tmp_path / "cache"))
    args = ["train", *CLI, "--checkpoint-dir", str(tmp_path / "ckpt"), "--out", str(tmp_path / "model")]
    with monkeypatch.context() as patch:
        _ctrl_c_at(patch, 5)
        assert main(args) == 130
    err = capsys.readouterr().err
    assert "crl train: interrupted: training stopped after step 5 of 8" in err
    assert "run the same command with --resume to continue" in err and "Traceback" not in err
    assert main([*args, "--resume"]) == 0
    assert crl.CausalModel.load(tmp_path / "model", device="cpu").steps_ == 8
    assert main(["train", *CLI, "--resume", "--out", str(tmp_path / "other")]) == 2
    assert "--resume needs --checkpoint-dir" in capsys.readouterr().err
