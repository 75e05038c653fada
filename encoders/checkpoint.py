"""What a training carries from step to step, and its checkpoint: written atomically, and read back
so that a resumed run ends with the weights and history of an uninterrupted one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import torch
from torch import nn

from encoders.atomic import atomic_path
from encoders.networks import VAE
from encoders.objectives.base import Objective
from encoders.objectives.supervision import LabelRegulariser

CHECKPOINT = "checkpoint.pt"
# settings a rerun may change and still resume: how far to train, and how often to log
NOT_COMPARED_ON_RESUME = ("steps", "log_every")


@dataclass
class LossLog:
    """The losses of a training: one history entry per `log_every` steps, summed on the device between
    entries so that reading them costs one host sync per entry, not one per step."""

    step: int = 0
    history: list[dict] = field(default_factory=list)
    sums: dict[str, torch.Tensor] = field(default_factory=dict)
    count: int = 0

    def add(self, terms: dict[str, torch.Tensor], step: int) -> None:
        """Add the loss terms of step `step` to the running sums."""
        for key, value in terms.items():
            value = value.detach().float()
            self.sums[key] = self.sums[key] + value if key in self.sums else value
        self.count += 1
        self.step = step

    def record(self) -> dict:
        """The history entry for the steps summed since the last one (one host sync)."""
        return {"step": self.step, **{k: float(v) / self.count for k, v in self.sums.items()}}

    def flush(self) -> float:
        """Append the entry for the steps since the last one and restart the sums; returns its loss."""
        self.history.append(self.record())
        self.sums, self.count = {}, 0
        return self.history[-1]["loss"]

    def final_history(self) -> list[dict]:
        """The history with the steps since the last entry as a last one. Those go into the returned
        history only, so a resumed run logs as an uninterrupted one."""
        return self.history + ([self.record()] if self.count else [])


@dataclass
class TrainingState:
    """Everything a checkpoint holds besides the config: networks, optimisers, both random streams
    (batch indices and the objective's sampling noise) and the loss log."""

    modules: nn.ModuleDict
    optimizer: torch.optim.Optimizer
    aux_optimizer: torch.optim.Optimizer | None
    generator: torch.Generator
    noise: torch.Generator
    log: LossLog = field(default_factory=LossLog)

    @property
    def vae(self) -> VAE:
        """The encoder/decoder being trained."""
        return cast(VAE, self.modules["vae"])

    @property
    def objective(self) -> Objective:
        """The objective, with any parameters and state of its own."""
        return cast(Objective, self.modules["objective"])

    @property
    def supervision(self) -> LabelRegulariser:
        """The label loss and its heads (only when training with labels)."""
        return cast(LabelRegulariser, self.modules["supervision"])


def save_checkpoint(path: Path, config: dict, state: TrainingState) -> None:
    """Write `config` and `state` atomically to `path`."""
    log = state.log
    payload = {
        "config": config, "modules": state.modules.state_dict(), "optimizer": state.optimizer.state_dict(),
        "aux_optimizer": state.aux_optimizer.state_dict() if state.aux_optimizer is not None else None,
        "generator": state.generator.get_state(), "noise": state.noise.get_state(),
        "step": log.step, "history": log.history, "count": log.count,
        "sums": {k: float(v) for k, v in log.sums.items()},
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def resume(path: Path, config: dict, state: TrainingState, device: torch.device) -> None:
    """Restore the checkpoint at `path` into the freshly built `state`.

    Raises
    ------
    ValueError
        When the checkpoint was written for a different config (other than `NOT_COMPARED_ON_RESUME`)
        or by an older version that kept no sampling-noise state.
    """
    ckpt = torch.load(path, map_location=device, weights_only=True)
    old = ckpt["config"]
    if "noise" not in ckpt:
        raise ValueError(f"checkpoint_dir {str(path.parent)!r} holds a checkpoint of an older crl that kept no "
                         "sampling-noise state; delete it or use another checkpoint_dir")
    differing = sorted(k for k in set(old) | set(config)
                       if k not in NOT_COMPARED_ON_RESUME and old.get(k) != config.get(k))
    if differing:
        raise ValueError(f"checkpoint_dir {str(path.parent)!r} holds a checkpoint of a different config; "
                         f"differing keys: {differing} (use another checkpoint_dir or delete it)")
    state.modules.load_state_dict(ckpt["modules"])
    state.optimizer.load_state_dict(ckpt["optimizer"])
    if state.aux_optimizer is not None:
        state.aux_optimizer.load_state_dict(ckpt["aux_optimizer"])
    state.generator.set_state(ckpt["generator"].cpu())  # generator states are CPU byte tensors
    state.noise.set_state(ckpt["noise"].cpu())
    state.log = LossLog(step=ckpt["step"], history=ckpt["history"], count=ckpt["count"],
                        sums={k: torch.tensor(v, device=device) for k, v in ckpt["sums"].items()})
