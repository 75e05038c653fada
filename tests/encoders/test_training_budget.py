"""Training time: the first steps are timed, a long run is warned about, steps="auto" and time_budget settle the
steps from the measured speed, and what was chosen is recorded. A fake clock stands in for a slow machine."""
import itertools
import warnings

import pytest
import torch

import encoders
from encoders import budget
from encoders.budget import TrainingPlan, choose_steps

FAST = dict(latent_dim=4, batch_size=16, lr=1e-3, progress=False, seed=1)
CPU = torch.device("cpu")


def _clock(monkeypatch, seconds_per_reading):
    """Each reading of the clock is `seconds_per_reading` later: a timed step takes a fifth of the readings' gap."""
    readings = itertools.count(step=seconds_per_reading)
    monkeypatch.setattr(budget, "clock", lambda: float(next(readings)))


def test_a_long_run_is_warned_about_once_with_the_estimate_and_the_options(square_data, monkeypatch):
    images, _ = square_data
    _clock(monkeypatch, 1000.0)  # 200 s a step
    with pytest.warns(UserWarning) as caught:
        enc = encoders.train("beta-vae", images, steps=20, **FAST)
    assert len(caught) == 1
    message = str(caught[0].message)  # timed on steps 3-7: 13 steps of 200 s left
    assert "13 more training steps on cpu will take about 43 minutes" in message
    assert "steps=" in message and "device='cuda'" in message and "time_budget=" in message and "resolution" in message
    assert enc.plan == TrainingPlan(20, "asked", 200.0, 0, 0.0) and enc.history[-1]["step"] == 20


def test_auto_steps_held_at_their_floor_warn_when_over_the_cpu_budget(square_data, monkeypatch):
    images, _ = square_data
    _clock(monkeypatch, 10.0)  # 2 s a step: the 600-step floor takes about 20 minutes, over the 10 "auto" aims for
    with pytest.warns(UserWarning, match="more training steps on cpu will take about 20 minutes"):
        enc = encoders.train("beta-vae", images, steps="auto", **FAST)
    assert enc.plan.rule == "auto: CPU budget" and enc.plan.steps == budget.MIN_AUTO_STEPS


def test_a_short_run_says_nothing(square_data):
    images, _ = square_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enc = encoders.train("beta-vae", images, steps=12, **FAST)
    assert enc.plan.rule == "asked" and 0 < enc.plan.seconds_per_step < 60


def test_time_budget_sets_the_steps_from_the_measured_speed(square_data, monkeypatch):
    images, _ = square_data
    _clock(monkeypatch, 10.0)  # 2 s a step
    enc = encoders.train("beta-vae", images, steps="auto", time_budget=60, **FAST)
    assert enc.plan.steps == 30 and enc.plan.rule == "time_budget" and enc.config["steps"] == 30
    assert encoders.train("beta-vae", images, steps=20, time_budget=60, **FAST).plan.steps == 20  # an int caps it


def test_auto_steps_on_a_cpu_fit_the_budget_and_equal_the_same_steps_asked(square_data, monkeypatch):
    images, _ = square_data
    _clock(monkeypatch, 1.0)  # 0.2 s a step
    monkeypatch.setattr(budget, "CPU_BUDGET_SECONDS", 8.0)
    monkeypatch.setattr(budget, "MIN_AUTO_STEPS", 10)
    monkeypatch.setattr(budget, "AUTO_STEP_GRAIN", 10)
    auto = encoders.train("beta-vae", images, steps="auto", **FAST)
    assert (auto.plan.steps, auto.plan.rule) == (40, "auto: CPU budget") and auto.history[-1]["step"] == 40
    asked = encoders.train("beta-vae", images, steps=40, **FAST)
    assert all(torch.equal(a, b) for a, b in zip(auto.modules.state_dict().values(), asked.modules.state_dict().values()))


def test_the_decoder_refit_is_timed_and_counted(square_data, monkeypatch):
    images, _ = square_data
    _clock(monkeypatch, 10.0)  # 2 s a training step, 2 s a refit step
    enc = encoders.train("beta-vae", images, steps="auto", time_budget=60, refit_steps="half", **FAST)
    assert enc.plan.refit_seconds_per_step == 2.0 and enc.plan.steps == 20 and enc.plan.refit_steps == 10
    assert enc.plan.estimated_seconds == 60.0


def test_choose_steps_rules():
    assert choose_steps("auto", None, torch.device("cuda"), 1.0).steps == budget.GPU_STEPS
    assert choose_steps("auto", None, CPU, 10.0) == TrainingPlan(600, "auto: CPU budget", 10.0, 0, 0.0)  # the floor
    assert choose_steps("auto", None, CPU, 0.001).steps == budget.GPU_STEPS  # the ceiling
    assert choose_steps("auto", None, CPU, 0.07).steps == 8500  # 600 s / 0.07 s = 8571, in hundreds
    assert choose_steps("auto", 0.5, CPU, 1.0, taken=7).steps == 7  # never fewer than were run
    assert choose_steps(100, 1000, CPU, 1.0, refit_steps=50, refit_seconds_per_step=2.0).steps == 100


@pytest.mark.parametrize("kwargs, match", [
    (dict(steps="many"), "steps must be a positive integer or 'auto'"),
    (dict(time_budget=0), "time_budget must be None or a number of seconds > 0"),
    (dict(time_budget="1h"), "time_budget must be"),
    (dict(refit_steps=-1), "refit_steps must be an integer >= 0 or 'half'"),
])
def test_bad_budget_arguments_raise(square_data, kwargs, match):
    images, _ = square_data
    with pytest.raises(ValueError, match=match):
        encoders.train("beta-vae", images, **{**FAST, "steps": 1, **kwargs})
