"""The step loop every encoder training shares (`encoders.train`, `encoders.slots.train_slots`).

Steps run from the one after the logged one to the last the planner settles (`encoders.budget`); losses are
logged every `log_every` steps, the state is checkpointed every `checkpoint_every`, at the end and on Ctrl-C
after the step it came in (`encoders.interrupt`), which then stops the run saying how to resume.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from encoders.budget import Planner, StepTimer
from encoders.checkpoint import LossLog
from encoders.fitting import run_steps
from encoders.interrupt import DeferredInterrupt, TrainingInterrupted


def checkpointed_loop(step: Callable[[int], dict[str, torch.Tensor]], log: LossLog, save: Callable[[], None],
                      checkpoint: Path | None, planner: Planner, device: torch.device, *, log_every: int,
                      checkpoint_every: int, progress: bool, desc: str,
                      measure: Callable[[int], None] | None = None) -> None:
    """Run `step` (step number -> loss terms) over the planned steps, logging into `log`, calling `measure` at each
    logged step (e.g. `encoders.selection`) and `save` at each checkpoint step, on Ctrl-C and at the end."""
    with DeferredInterrupt() as interrupt:

        def take_step(index: int) -> float | None:
            log.add(step(index), index)
            shown = log.flush() if index % log_every == 0 else None
            if measure is not None and index % log_every == 0:
                measure(index)
            if index % checkpoint_every == 0 or interrupt.requested:
                save()
            if interrupt.requested:
                raise TrainingInterrupted(index, planner.last, checkpoint)
            return shown

        run_steps(take_step, log.step + 1, planner.last, progress=progress, desc=desc,
                  after=StepTimer(device, planner.decide).after)
    save()
