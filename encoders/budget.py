"""How long a training will take, and how many steps fit the machine.

A training measures its own first steps (`StepTimer`: `WARMUP_STEPS` untimed, then `TIMED_STEPS`
timed, on the actual device with the actual batch and images), so the estimate costs nothing and
the run stays the run it would have been. From that speed `choose_steps` settles `steps="auto"` and
`time_budget=`, and `warn_if_long` tells the user before the bulk of the work when it will take
longer than `LONG_RUN_SECONDS`.
"""
from __future__ import annotations

import copy
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import torch

from encoders.fitting import adam, descend

# Above half an hour a user should choose to wait: it is longer than a coffee break and more than a
# notebook cell is expected to block, and the README's one-line example must not silently take a night.
LONG_RUN_SECONDS = 30 * 60
# steps="auto" on a CPU trains what fits ten minutes (training and decoder refit together): the order of
# `crl demo` (five minutes on two cores), so a first try on a laptop answers within a short wait.
CPU_BUDGET_SECONDS = 10 * 60
# steps="auto" on a GPU, and the most it picks on a CPU: CausalModel's fixed default before "auto", kept so that
# a GPU run is the run it was (disentanglement_lib's 300,000 are sized for unsupervised studies of 700k images).
GPU_STEPS = 20_000
# The fewest steps "auto" picks on a CPU: `crl demo`'s 600 (at its lr 1e-3), the fewest with which crl has been
# shown to recover a scene's graph; a slower machine gets the long-run warning rather than a model that means little.
MIN_AUTO_STEPS = 600
# A CPU budget's steps are rounded down to a multiple of this, so that small timing noise between two
# runs on one machine rarely changes the count (pass an int for runs that must repeat exactly).
AUTO_STEP_GRAIN = 100
WARMUP_STEPS = 2  # first steps allocate memory, pick kernels and (with compile) compile: not timed
TIMED_STEPS = 5
clock = time.perf_counter  # a module attribute, so tests can pass time faster

Steps = int | Literal["auto"]


@dataclass(frozen=True)
class TrainingPlan:
    """How many steps a training ran and why, with the measured speed it was decided from.

    Attributes
    ----------
    steps : int
        Training steps in all (a resumed run's included).
    rule : str
        "asked" (an int `steps`), "auto: GPU", "auto: CPU budget", "time_budget", or "checkpoint" (a resumed
        "auto" or budgeted run keeps the target it chose when it started).
    seconds_per_step : float or None
        Measured on this run's timed steps; None when the run was too short to time.
    refit_steps : int
        Decoder refit steps the caller runs after training (`encoders.refine_decoder`), counted in the estimate.
    refit_seconds_per_step : float or None
        Measured on a copy of the decoder; None when not measured.
    """

    steps: int
    rule: str
    seconds_per_step: float | None = None
    refit_steps: int = 0
    refit_seconds_per_step: float | None = None

    @property
    def estimated_seconds(self) -> float | None:
        """Training and refit from the first step at the measured speeds; None when not measured."""
        if self.seconds_per_step is None:
            return None
        return self.steps * self.seconds_per_step + self.refit_steps * (self.refit_seconds_per_step or 0.0)


def check_budget(steps: object, time_budget: object, refit_steps: object) -> None:
    """Raise ValueError unless `steps` is a positive int or "auto", `time_budget` None or seconds > 0, and
    `refit_steps` an int >= 0 or "half"."""
    if steps != "auto" and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
        raise ValueError(f"steps must be a positive integer or 'auto', got {steps!r}")
    if time_budget is not None and (isinstance(time_budget, bool) or not isinstance(time_budget, (int, float))
                                    or not 0 < time_budget < float("inf")):
        raise ValueError(f"time_budget must be None or a number of seconds > 0, got {time_budget!r}")
    if refit_steps != "half" and (isinstance(refit_steps, bool) or not isinstance(refit_steps, int) or refit_steps < 0):
        raise ValueError(f"refit_steps must be an integer >= 0 or 'half', got {refit_steps!r}")


def refit_count(refit_steps: int | Literal["half"], steps: int) -> int:
    """The decoder refit steps that follow `steps` training steps ("half": steps // 2)."""
    return steps // 2 if refit_steps == "half" else refit_steps


def choose_steps(asked: Steps, time_budget: float | None, device: torch.device, seconds_per_step: float,
                 refit_steps: int | Literal["half"] = 0, refit_seconds_per_step: float = 0.0, taken: int = 1
                 ) -> TrainingPlan:
    """The steps to train, from the measured speed.

    An int `asked` is kept, and "auto" is `GPU_STEPS` on CUDA, or on another device what fits
    `CPU_BUDGET_SECONDS` (in `AUTO_STEP_GRAIN`s, within [`MIN_AUTO_STEPS`, `GPU_STEPS`]). A `time_budget`
    lowers either to what fits it. Never fewer than the steps already `taken`.

    Parameters
    ----------
    asked : int or "auto"
    time_budget : float or None
        Seconds for training and refit together.
    device : torch.device
    seconds_per_step, refit_seconds_per_step : float
        Measured speeds of a training step and a decoder refit step.
    refit_steps : int or "half"
        The refit that follows training.
    taken : int
        Steps this training has run already.

    Returns
    -------
    TrainingPlan
    """
    def fitting(budget: float) -> int:
        per_step = seconds_per_step + (refit_seconds_per_step / 2 if refit_steps == "half" else 0.0)
        fixed = 0.0 if refit_steps == "half" else refit_steps * refit_seconds_per_step
        return int(max(budget - fixed, 0.0) / max(per_step, 1e-9) + 1e-6)  # 9 / 0.3 is 29.999...: 30 steps fit

    limit = GPU_STEPS if asked == "auto" else asked
    if time_budget is not None:
        steps, rule = min(limit, fitting(time_budget)), "time_budget"
    elif asked == "auto" and device.type != "cuda":
        grained = fitting(CPU_BUDGET_SECONDS) // AUTO_STEP_GRAIN * AUTO_STEP_GRAIN
        steps, rule = min(max(grained, MIN_AUTO_STEPS), GPU_STEPS), "auto: CPU budget"
    else:
        steps, rule = limit, "asked" if asked != "auto" else "auto: GPU"
    steps = max(steps, taken, 1)
    return TrainingPlan(steps, rule, seconds_per_step, refit_count(refit_steps, steps), refit_seconds_per_step)


def warn_if_long(plan: TrainingPlan, taken: int, what: str, device: torch.device) -> None:
    """Warn when the rest of the training and its refit will take longer than `LONG_RUN_SECONDS`, or, for steps
    "auto" on a CPU held at `MIN_AUTO_STEPS`, longer than the `CPU_BUDGET_SECONDS` it aims for: with the estimate
    and what would make it shorter."""
    if plan.seconds_per_step is None:
        return
    left = (plan.steps - taken) * plan.seconds_per_step + plan.refit_steps * (plan.refit_seconds_per_step or 0.0)
    if left <= (CPU_BUDGET_SECONDS if plan.rule == "auto: CPU budget" else LONG_RUN_SECONDS):
        return
    refit = f" and {plan.refit_steps:,} decoder refit steps" if plan.refit_steps else ""
    gpu = "" if device.type == "cuda" else "a GPU (device='cuda'), "
    warnings.warn(
        f"{what}: {plan.steps - taken:,} more training steps{refit} on {device.type} will take about "
        f"{_duration(left)} (measured {plan.seconds_per_step:.3g} s a step, steps chosen by {plan.rule}). To wait "
        f"less: fewer steps (steps=...), {gpu}a smaller resolution (e.g. 32 px), or time_budget=SECONDS to train "
        "what fits; training goes on.", UserWarning, stacklevel=2)


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes} minutes" if minutes < 120 else f"{seconds / 3600:.1f} hours"


def decoder_step_seconds(decoder: torch.nn.Module, recon: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                         shape: tuple[int, int, int, int], latent_dim: int, device: torch.device) -> float:
    """Seconds of one decoder refit step (`encoders.refine_decoder`), timed on a copy of `decoder`.

    Parameters
    ----------
    decoder : torch.nn.Module
        The decoder being trained; it and every random stream of the training are left untouched.
    recon : callable
        The objective's reconstruction loss (images, decoded) -> per-image loss.
    shape : tuple of int
        A refit batch's images (B, C, H, W).
    latent_dim : int
    device : torch.device

    Returns
    -------
    float
    """
    copied = copy.deepcopy(decoder)
    optimizer = adam(copied.parameters(), 1e-3, device)
    generator = torch.Generator(device=device).manual_seed(0)
    images = torch.rand(shape, generator=generator, device=device).contiguous(memory_format=torch.channels_last)
    latents = torch.randn((shape[0], latent_dim), generator=generator, device=device)
    start = 0.0
    for index in range(1 + TIMED_STEPS):
        if index == 1:
            start = _synced_clock(device)
        descend(optimizer, recon(images, copied(latents)).mean())
    return (_synced_clock(device) - start) / TIMED_STEPS


def _synced_clock(device: torch.device) -> float:
    """The clock once the device has finished its queued work."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return clock()


class StepTimer:
    """Times steps `WARMUP_STEPS` + 1 .. `WARMUP_STEPS` + `TIMED_STEPS` of a run, then asks `decide`.

    Parameters
    ----------
    device : torch.device
        Synchronised before each reading on CUDA, where steps run asynchronously.
    decide : callable
        (seconds per step, the step just run) -> the last step to run.
    """

    def __init__(self, device: torch.device, decide: Callable[[float, int], int]):
        self.device, self.decide = device, decide
        self.run = 0
        self.start = 0.0

    def after(self, step: int) -> int | None:
        """Note that `step` ran; returns the last step to run once the timed steps are done, else None."""
        self.run += 1
        if self.run == WARMUP_STEPS:
            self.start = _synced_clock(self.device)
        elif self.run == WARMUP_STEPS + TIMED_STEPS:
            return self.decide((_synced_clock(self.device) - self.start) / TIMED_STEPS, step)
        return None


class Planner:
    """Settles one training's steps: at once when they are known, else from the speed of its first steps.

    Parameters
    ----------
    asked : int or "auto"
        `encoders.train`'s steps.
    time_budget : float or None
        Seconds for training and refit together.
    refit_steps : int or "half"
        The decoder refit the caller runs after training.
    device : torch.device
    what : str
        The training, as the long-run warning names it.
    resumed : int or None
        The steps a resumed run had chosen; a resumed "auto" or budgeted run keeps them, so that it ends as the
        uninterrupted run would have.
    time_refit : callable, optional
        Measures a refit step's seconds (`decoder_step_seconds` on the training's decoder).
    """

    def __init__(self, asked: Steps, time_budget: float | None, refit_steps: int | Literal["half"],
                 device: torch.device, what: str, resumed: int | None = None,
                 time_refit: Callable[[], float] | None = None):
        self.asked, self.time_budget, self.refit_steps = asked, time_budget, refit_steps
        self.device, self.what, self.time_refit = device, what, time_refit
        known: tuple[int, str] | None = None
        if resumed is not None and (asked == "auto" or time_budget is not None):
            known = resumed, "checkpoint"
        elif time_budget is None and asked != "auto":
            known = asked, "asked"
        elif time_budget is None and device.type == "cuda":
            known = GPU_STEPS, "auto: GPU"
        self.plan = None if known is None else TrainingPlan(*known, refit_steps=refit_count(refit_steps, known[0]))

    @property
    def last(self) -> int | None:
        """The last step to run as far as known before timing (a budget may still lower an int); None: not yet."""
        if self.plan is not None:
            return self.plan.steps
        return self.asked if isinstance(self.asked, int) else None

    def decide(self, seconds_per_step: float, step: int) -> int:
        """`StepTimer`'s callback: settle the steps from the measured speed, warn when long; the last step."""
        refit_seconds = self.time_refit() if self.time_refit is not None and self.refit_steps != 0 else 0.0
        if self.plan is None:
            self.plan = choose_steps(self.asked, self.time_budget, self.device, seconds_per_step, self.refit_steps,
                                     refit_seconds, taken=step)
        else:
            self.plan = replace(self.plan, seconds_per_step=seconds_per_step, refit_seconds_per_step=refit_seconds)
        warn_if_long(self.plan, step, self.what, self.device)
        return self.plan.steps

    def result(self, steps_run: int) -> TrainingPlan:
        """What was chosen; a run that ended before its timing (or resumed at its end) keeps the steps it ran."""
        if self.plan is None:
            return TrainingPlan(steps_run, "asked", refit_steps=refit_count(self.refit_steps, steps_run))
        return self.plan
