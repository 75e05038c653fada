"""What a training carries from step to step, and its checkpoint: written atomically, and resumed only by
the training it belongs to, so that a resumed run ends with the weights and history of an uninterrupted one.

A checkpoint is the folder `CHECKPOINT` in the training's checkpoint_dir, in the format of a saved
model (`encoders.manifest`): ``tensors.safetensors`` (networks, optimiser moments, random-stream
states), ``state.json`` (config, data fingerprint, step, loss log, the optimisers' plain settings)
and ``manifest.json``. Reading it runs no stored code. It resumes only when its config (bar
`NOT_COMPARED_ON_RESUME`) and its data fingerprint (`encoders.fingerprint`) match and it is not past
the steps asked; anything else is refused with a `CheckpointError` naming the folder and the remedy.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import torch
from torch import nn

from encoders.atomic import atomic_directory
from encoders.manifest import MANIFEST, FolderFormat, seal
from encoders.model_files import DAMAGED, ModelFileError, json_bytes, parse_json, parse_tensors, tensor_bytes
from encoders.model_folder import read_folder
from encoders.networks import VAE
from encoders.objectives.base import Objective
from encoders.objectives.supervision import LabelRegulariser

CHECKPOINT = "checkpoint"
OLD_CHECKPOINT = "checkpoint.pt"  # a torch archive written by crl before this format: never loaded
FORMAT = FolderFormat(name="crl-checkpoint", noun="checkpoint", schema=1)
_FILES = ("state.json", "tensors.safetensors", MANIFEST)
REMEDY = "delete it or pass resume=False"
# settings a rerun may change and still resume: how far to train, and how often to log
NOT_COMPARED_ON_RESUME = ("steps", "log_every")
Resume = bool | Literal["auto"]


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed (damaged, or written for another training); the message names it."""


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
class Best:
    """The networks at the step whose held-out label loss was lowest so far (`encoders.selection`)."""

    step: int
    loss: float
    weights: dict[str, torch.Tensor]


@dataclass
class TrainingState:
    """Everything a checkpoint holds besides the config: networks, optimisers, both random streams
    (batch indices and the objective's sampling noise), the loss log and the best step so far."""

    modules: nn.ModuleDict
    optimizer: torch.optim.Optimizer
    aux_optimizer: torch.optim.Optimizer | None
    generator: torch.Generator
    noise: torch.Generator
    log: LossLog = field(default_factory=LossLog)
    best: Best | None = None

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


def find_checkpoint(folder: Path, resume: Resume) -> Path | None:
    """The checkpoint to resume from in checkpoint_dir `folder`, or None to start afresh.

    Parameters
    ----------
    folder : Path
        The training's checkpoint_dir.
    resume : bool or "auto"
        "auto": the checkpoint when there is one; True: the checkpoint, which must exist; False: none
        (the first checkpoint written replaces it).

    Returns
    -------
    Path or None
    """
    path = folder / CHECKPOINT
    if path.exists() and (not path.is_dir() or set(os.listdir(path)) - set(_FILES)):
        raise CheckpointError(f"{path} is not a checkpoint folder written by crl, and crl never replaces a user's "
                              "files: choose another checkpoint_dir")
    if resume is False:
        return None
    if not path.exists() and (folder / OLD_CHECKPOINT).is_file():
        raise CheckpointError(f"{folder / OLD_CHECKPOINT} is a checkpoint of an older crl in torch's format, which "
                              f"this crl does not read (it reads no pickle): {REMEDY}")
    if not path.exists() and resume is True:
        raise CheckpointError(f"resume=True, but checkpoint_dir {str(folder)!r} holds no checkpoint ({CHECKPOINT}/): "
                              "check the folder, or pass resume='auto' to start when there is none")
    return path if path.exists() else None


def save_checkpoint(path: Path, config: dict, data: dict, state: TrainingState) -> None:
    """Write `config`, the data fingerprint `data` and `state` to the checkpoint folder `path`, atomically."""
    log, tensors = state.log, cast(dict[str, torch.Tensor], {})
    stored = _split({"modules": state.modules.state_dict(), "optimizer": state.optimizer.state_dict(),
                     "aux_optimizer": state.aux_optimizer.state_dict() if state.aux_optimizer is not None else None,
                     "generator": state.generator.get_state(), "noise": state.noise.get_state(),
                     "best": None if state.best is None else {"step": state.best.step, "loss": state.best.loss,
                                                              "weights": state.best.weights}}, "", tensors)
    meta = {"config": config, "data": data, "step": log.step, "history": log.history, "count": log.count,
            "sums": {k: float(v) for k, v in log.sums.items()}, "state": stored}
    files = seal({"state.json": json_bytes(meta), "tensors.safetensors": tensor_bytes(tensors)}, FORMAT)
    with atomic_directory(path) as tmp:
        for name in sorted(files, key=lambda name: name == MANIFEST):  # the manifest last
            (tmp / name).write_bytes(files[name])


def resume(path: Path, config: dict, data: dict, state: TrainingState, device: torch.device,
           steps: int | Literal["auto"]) -> int | None:
    """Restore the checkpoint at `path` into the freshly built `state`, once it is known to be this training's.

    Parameters
    ----------
    path : Path
        The checkpoint folder.
    config, data : dict
        The training's config and data fingerprint, which the checkpoint's must match.
    state : TrainingState
        Built from `config`; changed in place.
    device : torch.device
    steps : int or "auto"
        The steps asked: an int the checkpoint must not be past.

    Returns
    -------
    int or None
        The steps the checkpointed run was to train (None when it had not chosen them yet).

    Raises
    ------
    CheckpointError
        A ValueError naming the checkpoint and the remedy, when it is damaged, of another config or data, or
        past `steps`.
    """
    meta, tensors = read_checkpoint(path)
    check_match(path, meta, config, data, steps)
    try:
        stored = _join(meta["state"], tensors)
        state.modules.load_state_dict(stored["modules"])
        state.optimizer.load_state_dict(stored["optimizer"])
        if state.aux_optimizer is not None:
            state.aux_optimizer.load_state_dict(stored["aux_optimizer"])
        state.generator.set_state(stored["generator"])
        state.noise.set_state(stored["noise"])
        best = stored.get("best")
        state.best = None if best is None else Best(int(best["step"]), float(best["loss"]), dict(best["weights"]))
        state.log = LossLog(step=int(meta["step"]), history=list(meta["history"]), count=int(meta["count"]),
                            sums={k: torch.tensor(float(v), device=device) for k, v in meta["sums"].items()})
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError) as err:
        raise CheckpointError(f"checkpoint {path} is damaged ({type(err).__name__}: {err}): {REMEDY}") from None
    target = meta["config"].get("steps")
    return target if isinstance(target, int) else None


def read_checkpoint(path: Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """The plain record and the tensors of the checkpoint folder `path`, each file checked by the manifest."""
    try:
        files = read_folder(path, FORMAT)
        meta = parse_json(files["state.json"], f"{path}/state.json")
        tensors = parse_tensors(files["tensors.safetensors"], f"{path}/tensors.safetensors", framework="torch")
    except ModelFileError as err:
        raise CheckpointError(f"checkpoint {path} cannot be resumed: {str(err).removesuffix(f'; {DAMAGED}')}; "
                              f"{REMEDY}") from None
    except KeyError as err:
        raise CheckpointError(f"checkpoint {path} lacks {err}: {REMEDY}") from None
    if not isinstance(meta, dict) or not all(isinstance(meta.get(key), dict) for key in ("config", "data", "state")):
        raise CheckpointError(f"checkpoint {path}/state.json lacks its config, data or state: {REMEDY}")
    return meta, tensors


def check_match(path: Path, meta: dict[str, Any], config: dict, data: dict, steps: int | Literal["auto"]) -> None:
    """Raise CheckpointError unless the checkpoint was written by this training (config, data) and not past `steps`."""
    differing = _differing({k: v for k, v in meta["config"].items() if k not in NOT_COMPARED_ON_RESUME},
                           {k: v for k, v in config.items() if k not in NOT_COMPARED_ON_RESUME})
    if differing:
        raise CheckpointError(f"checkpoint {path} was written for a different config (differing keys: {differing}): "
                              f"{REMEDY}, or use another checkpoint_dir")
    parts = sorted(k for k in set(meta["data"]) | set(data) if meta["data"].get(k) != data.get(k))
    if parts:
        raise CheckpointError(f"checkpoint {path} was written for other data (the {' and '.join(parts)} differ): "
                              f"{REMEDY}, or use another checkpoint_dir")
    step = meta.get("step")
    if isinstance(steps, int) and isinstance(step, int) and step > steps:
        raise CheckpointError(f"checkpoint {path} holds a training at step {step:,}, past steps={steps:,}: its weights "
                              f"are not those of {steps:,} steps. Pass steps >= {step:,} to continue it, or {REMEDY} "
                              f"to train {steps:,} steps afresh")


def _differing(old: dict, new: dict, prefix: str = "") -> list[str]:
    """The keys whose values differ between two configs; inside nested dicts, the nested keys ("a.b")."""
    found = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found += _differing(a, b, f"{prefix}{key}.")
        elif a != b:
            found.append(f"{prefix}{key}")
    return found


def _split(value: Any, key: str, tensors: dict[str, torch.Tensor]) -> Any:
    """`value` as JSON-ready data, each tensor moved into `tensors` under its path and replaced by a reference."""
    if isinstance(value, torch.Tensor):
        tensors[key] = value
        return {"__tensor__": key}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: _split(v, f"{key}.{k}" if key else k, tensors) for k, v in value.items()}
        return {"__items__": [[k, _split(v, f"{key}.{k}", tensors)] for k, v in value.items()]}  # optimiser state
    if isinstance(value, (list, tuple)):
        return [_split(v, f"{key}.{i}", tensors) for i, v in enumerate(value)]
    return value


def _join(value: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """The value `_split` took apart (tuples come back as lists)."""
    if isinstance(value, list):
        return [_join(v, tensors) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"__tensor__"}:
        return tensors[value["__tensor__"]]
    if set(value) == {"__items__"}:
        return {k: _join(v, tensors) for k, v in value["__items__"]}
    return {k: _join(v, tensors) for k, v in value.items()}
