"""How big a study is and about how long it takes here, before it runs.

The training time is measured, not guessed: each distinct kind of trial (objective, data, batch, latents) trains
a few steps on its own data on this machine (`encoders.budget` times them), and the steps of every trial are
counted at that speed. Scoring is added per score family at the seconds `SCORING_SECONDS` records, measured
on one core of a 2-core machine (docs/study.md). Trials run side by side in `slots` at once: this machine's CPUs over
the CPUs a trial holds, each slowed by `SIDE_BY_SIDE_SLOWDOWN` when several share the machine. A GPU or a
cluster changes all of this, so the figure is for running here. Ray's start (seconds) is not counted.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

import encoders
from crl.study.config import StudyConfig, load_config
from crl.study.grid import Trial, trials
from encoders.budget import TIMED_STEPS, WARMUP_STEPS
from encoders.objectives import OBJECTIVES

SCORING_SECONDS = {
    # family: (seconds with fast sizes, at 32 px; with the references' sizes, at 64 px), on one CPU core here
    "metrics": (8.3, 1650.0),  # full: table metrics 229 s; BetaVAE 71 s at a tenth of its sizes (x10); FactorVAE as much
    "selection": (3.5, 21.0),
    "unsupervised": (0.1, 6.3),
    "sample_efficiency": (2.3, 17.3),
    "sample_efficiency_gbt": (4.1, 301.0),
    "fairness": (7.7, 238.0),
    "generalization": (0.2, 4.1),
}
"""Seconds one trial's scoring takes per family, measured on the pendulum scene on one core of a 2-core machine
(docs/study.md): the first figure with ``scores.fast``, the second with the references' sample sizes."""
UNMEASURED_FAMILY_SECONDS = 60.0
"""The allowance for a score family `SCORING_SECONDS` has no measurement of."""
SIDE_BY_SIDE_SLOWDOWN = 1.7
"""How much slower a trial runs beside others than alone, measured on the smoke study on 2 cores: 99.7 s per
trial in the study against 58 s timed alone (memory bandwidth, Ray's processes and the driver share the cores)."""


@dataclass(frozen=True)
class StudyPlan:
    """A study's trials and its time estimate on this machine.

    Attributes
    ----------
    config : StudyConfig
    trials : list of Trial
    seconds : dict
        Estimated seconds of each trial (by id): its training steps at the measured speed, plus scoring.
    slots : int
        Trials run side by side here.
    """

    config: StudyConfig
    trials: list[Trial]
    seconds: dict[str, float]
    slots: int

    @property
    def estimated_seconds(self) -> float:
        """Wall-clock seconds for the whole study here: all trials' seconds spread over the slots."""
        return sum(self.seconds.values()) / self.slots

    def summary(self) -> str:
        """``N trials`` with how they split, and the estimate."""
        counts: dict[str, int] = {}
        for trial in self.trials:
            counts[trial.objective] = counts.get(trial.objective, 0) + 1
        split = ", ".join(f"{objective} {n}" for objective, n in counts.items())
        return (f"{len(self.trials)} trials ({split}; {len(self.config.data)} data x {len(self.config.seeds)} seeds)\n"
                f"estimated time here: {_duration(self.estimated_seconds)} with {self.slots} trial(s) at once "
                f"({_duration(sum(self.seconds.values()))} of trial time; training timed on its first steps here, "
                f"scoring from recorded figures)")


def _duration(seconds: float) -> str:
    for unit, size in (("days", 86_400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} seconds"


def plan(study: str | Path | Mapping[str, Any] | StudyConfig, *, num_cpus: int | None = None) -> StudyPlan:
    """Count a study's trials and estimate its time on this machine (see the module docstring).

    Parameters
    ----------
    study : str, Path, dict or StudyConfig
        As for `crl.study.run`.
    num_cpus : int, optional
        CPUs the study may use here (default: all).

    Returns
    -------
    StudyPlan
    """
    config = load_config(study)
    planned = trials(config)
    slots = max(1, int((num_cpus or os.cpu_count() or 1) // config.resources["cpu"]))
    column = 0 if config.scores["fast"] else 1
    scoring = sum(SCORING_SECONDS[family][column] if family in SCORING_SECONDS else UNMEASURED_FAMILY_SECONDS
                  for family in config.scores["families"])
    slowdown = SIDE_BY_SIDE_SLOWDOWN if slots > 1 else 1.0
    speeds: dict[tuple, float] = {}
    seconds = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(max(1, int(config.resources["cpu"])))
    try:
        for trial in planned:
            key = (trial.data.label, trial.objective, trial.training["batch_size"], trial.training["latent_dim"])
            if key not in speeds:
                speeds[key] = _seconds_per_step(trial)
            seconds[trial.id] = (trial.training["steps"] * speeds[key] + scoring) * slowdown
    finally:
        torch.set_num_threads(threads)
    return StudyPlan(config, planned, seconds, slots)


def _seconds_per_step(trial: Trial) -> float:
    """Seconds per training step of `trial`'s kind, timed on a few steps of its own data here."""
    settings = trial.training
    images = trial.data.open().sample(settings["batch_size"], seed=0).images
    pairs = (images, images) if OBJECTIVES[trial.objective].needs_pairs else None
    probe = encoders.train(trial.objective, images, pairs, latent_dim=settings["latent_dim"],
                           steps=WARMUP_STEPS + TIMED_STEPS, batch_size=settings["batch_size"], lr=settings["lr"],
                           device="cpu", progress=False, **trial.options)
    measured = probe.plan.seconds_per_step if probe.plan is not None else None
    if measured is None:
        raise RuntimeError(f"timing {trial.objective} on {trial.data.label} measured no step")
    return float(measured)
