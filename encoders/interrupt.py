"""Ctrl-C during training: finish the step, checkpoint, and stop with a message saying how to resume.

A KeyboardInterrupt raised in the middle of a step could leave some weights updated and others
not, and a checkpoint of that state would not resume to the uninterrupted run. So while a training
runs in the main thread, Ctrl-C only sets a flag (`DeferredInterrupt`); the loop checks it after
each step, writes a checkpoint of the consistent state and raises `TrainingInterrupted`. A second
Ctrl-C interrupts at once. In other threads (where Python delivers no signals) and for a
KeyboardInterrupt raised some other way, nothing is written: the last periodic checkpoint stays.
"""
from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Any


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped by Ctrl-C after step `step` of `steps`; `checkpoint` holds it (None: nothing kept).

    It is a KeyboardInterrupt, so code that stops on Ctrl-C still stops; its message says how to resume.
    """

    def __init__(self, step: int, steps: int | None, checkpoint: Path | None,
                 how: str = "run it again with the same arguments and resume=True to continue"):
        self.step, self.steps, self.checkpoint = step, steps, checkpoint
        super().__init__(self.describe(how))

    def describe(self, how: str) -> str:
        """The message, with `how` saying what continues the training (a call, a command line)."""
        of = f" of {self.steps:,}" if self.steps is not None else ""
        if self.checkpoint is None:
            return (f"training stopped after step {self.step:,}{of}; no checkpoint_dir was given, so nothing was kept "
                    "(give one to make a training resumable)")
        return f"training stopped after step {self.step:,}{of}; the checkpoint {self.checkpoint} holds it: {how}"


class DeferredInterrupt:
    """A context in which Ctrl-C sets `requested` instead of raising (main thread only; elsewhere a no-op)."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> DeferredInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._hold)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        """Note the Ctrl-C; the next one goes to the handler that was there before (interrupting at once)."""
        self.requested = True
        signal.signal(signal.SIGINT, self._previous)
