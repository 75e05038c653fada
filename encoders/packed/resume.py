"""Checkpoints of a pack, so that a resumed packed training ends with the weights and histories of an
uninterrupted one: the stacked weights, Adam's moments, buffers, every model's two random streams and the loss
log, in the folder format of `encoders.checkpoint` (safetensors + JSON under a manifest, written atomically,
read without unpickling). It resumes only the pack it belongs to: the same configs (bar steps and log_every) and
the same data fingerprint, else a `CheckpointError` says so.
"""
from __future__ import annotations

from pathlib import Path

import torch

from encoders.atomic import atomic_directory
from encoders.checkpoint import FORMAT, NOT_COMPARED_ON_RESUME, REMEDY, CheckpointError, check_match, read_checkpoint
from encoders.manifest import MANIFEST, seal
from encoders.model_files import json_bytes, tensor_bytes
from encoders.packed.log import PackLog
from encoders.packed.pack import Pack


def _described(pack: Pack) -> dict:
    """What a checkpoint must match: the configs of the pack's models, bar what a rerun may change."""
    return {"models": [{k: v for k, v in c.items() if k not in NOT_COMPARED_ON_RESUME} for c in pack.configs]}


def save_pack(path: Path, pack: Pack, log: PackLog, data: dict) -> None:
    """Write the pack's state and log (with the data fingerprint `data`) to checkpoint folder `path`, atomically."""
    tensors: dict[str, torch.Tensor] = {}
    for i, group in enumerate(pack.groups):
        tensors[f"flat.{i}"], tensors[f"exp_avg.{i}"] = group.flat, group.adam.exp_avg
        tensors[f"exp_avg_sq.{i}"] = group.adam.exp_avg_sq
    tensors.update({f"buffer.{name}": buffer for name, buffer in pack.buffers.items()})
    for k, state in enumerate(pack.states):
        tensors[f"generator.{k}"], tensors[f"noise.{k}"] = state.generator.get_state(), state.noise.get_state()
    tensors.update({f"sum.{key}": value for key, value in log.sums.items()})
    stored = {"adam_steps": [group.adam.step_count for group in pack.groups], "sums": list(log.sums)}
    meta = {"config": _described(pack), "data": data, "step": log.step, "count": log.count,
            "history": log.histories, "state": stored}
    files = seal({"state.json": json_bytes(meta), "tensors.safetensors": tensor_bytes(tensors)}, FORMAT)
    with atomic_directory(path) as tmp:
        for name in sorted(files, key=lambda name: name == MANIFEST):  # the manifest last
            (tmp / name).write_bytes(files[name])


def resume_pack(path: Path, pack: Pack, log: PackLog, data: dict, steps: int) -> None:
    """Restore the checkpoint at `path` into the fresh `pack` and `log`, once it is known to be theirs."""
    meta, tensors = read_checkpoint(path)
    check_match(path, meta, _described(pack), data, steps)
    try:
        with torch.no_grad():
            for i, group in enumerate(pack.groups):
                group.flat.copy_(tensors[f"flat.{i}"])
                group.adam.exp_avg.copy_(tensors[f"exp_avg.{i}"])
                group.adam.exp_avg_sq.copy_(tensors[f"exp_avg_sq.{i}"])
                group.adam.step_count = int(meta["state"]["adam_steps"][i])
            for name, buffer in pack.buffers.items():
                buffer.copy_(tensors[f"buffer.{name}"])
        for k, state in enumerate(pack.states):
            state.generator.set_state(tensors[f"generator.{k}"])
            state.noise.set_state(tensors[f"noise.{k}"])
        log.step, log.count, log.histories = int(meta["step"]), int(meta["count"]), list(meta["history"])
        log.sums = {key: tensors[f"sum.{key}"].to(pack.device) for key in meta["state"]["sums"]}
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError) as err:
        raise CheckpointError(f"checkpoint {path} is damaged ({type(err).__name__}: {err}): {REMEDY}") from None
