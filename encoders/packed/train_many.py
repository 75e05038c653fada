"""`train_many`: K models of one objective trained at once, each as its own `encoders.train` call would train it.

Each config is a dict of `encoders.train` keyword arguments: seed, lr, label_weight and the objective's options
(beta, gamma, ...). Models that may share one program (`encoders.packed.pack.Pack`) are packed together; models
that differ in an option the objectives read in Python (an int such as group-vae's k, a string such as
reconstruction, annealed-vae's c_max: `encoders.packed.program`) form packs of their own, run one after another.
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from encoders.budget import TrainingPlan
from encoders.checkpoint import Resume
from encoders.device import resolve_device
from encoders.fitting import run_steps
from encoders.model import Encoder
from encoders.objectives import get_objective
from encoders.objectives.base import Objective
from encoders.packed.checkpointing import Checkpointing
from encoders.packed.log import PackLog
from encoders.packed.pack import Pack
from encoders.packed.program import per_model_options
from encoders.training import check_arguments

PER_MODEL = ("seed", "lr", "label_weight", "latent_dim")
"""`encoders.train` arguments a config may hold besides the objective's options (latent_dim equal in all)."""
SHARED = ("steps", "batch_size", "device", "progress", "log_every", "bf16", "label_kinds", "pairs", "labels", "images",
          "checkpoint_dir", "checkpoint_every", "resume")
"""Arguments of `train_many` itself, refused in a config."""
NOT_PACKED = ("validation", "time_budget", "refit_steps", "compile")
"""`encoders.train` options that packed training does not offer."""


def train_many(objective: str, images: np.ndarray, configs: Sequence[dict[str, Any]], *, steps: int = 10_000,
               batch_size: int = 64, device: str = "auto", pairs: tuple[np.ndarray, np.ndarray] | None = None,
               labels: pd.DataFrame | None = None, label_kinds: dict[str, str] | None = None, log_every: int = 100,
               bf16: bool = False, vectorize: bool | None = None, checkpoint_dir: str | Path | None = None,
               checkpoint_every: int = 1000, resume: Resume = "auto", progress: bool = True) -> list[Encoder]:
    """Train one model per config as one packed program; each follows the training `encoders.train` gives it.

    Parameters
    ----------
    objective, images, pairs, labels, label_kinds
        As for `encoders.train`, shared by every model.
    configs : sequence of dict
        `encoders.train` keyword arguments per model: "seed", "lr", "label_weight", "latent_dim" (equal in all)
        and the objective's options (e.g. {"seed": 3, "beta": 4.0}).
    steps, batch_size, log_every : int
        As for `encoders.train` (an int number of steps), the same for every model.
    device : str
        "auto" (CUDA if present) or a torch device.
    bf16 : bool
        bfloat16 autocast (on CPU too).
    vectorize : bool, optional
        One vmapped program for the networks of a pack (None: on CUDA only; `encoders.packed.pack.Pack`).
    checkpoint_dir, checkpoint_every, resume
        As for `encoders.train`: each pack checkpoints to checkpoint_dir/pack<i> (`encoders.packed.resume`) every
        `checkpoint_every` steps and at the end, and a rerun with the same arguments continues from there.
    progress : bool
        A progress bar per pack.

    Returns
    -------
    list of Encoder
        One per config, in order, as `encoders.train` returns it (save, load, encode).
    """
    _check_run(steps, checkpoint_dir, resume)
    cls = get_objective(objective)
    checked = [_check_config(config, i, cls.Config) for i, config in enumerate(_check_list(configs))]
    dims = {config.get("latent_dim", 10) for config in checked}
    if len(dims) > 1:
        raise ValueError(f"configs must share one latent_dim (one architecture per pack), got {sorted(dims)}")
    described, data = [], None  # each model's config; the data they share
    for config in checked:
        options = {k: v for k, v in config.items() if k not in PER_MODEL}
        described_config, data = check_arguments(
            objective, images, pairs, labels, label_kinds, options, latent_dim=config.get("latent_dim", 10),
            steps=steps, batch_size=batch_size, lr=1e-4 if config.get("lr") is None else config["lr"],
            seed=config.get("seed", 0), label_weight=config.get("label_weight", 10.0),
            checkpoint_every=checkpoint_every, log_every=log_every)
        described.append(described_config)
    out: dict[int, Encoder] = {}
    for index, members in enumerate(_packs(described, cls)):
        pack = Pack([described[i] for i in members], data, resolve_device(device), bool(bf16), vectorize)
        folder = None if checkpoint_dir is None else Path(checkpoint_dir) / f"pack{index}"
        checkpointing = Checkpointing.of(folder, checkpoint_every, resume, data)
        histories = _run(pack, steps, log_every, progress, f"{objective} x{len(members)}", checkpointing)
        out.update(zip(members, pack.unpack(histories, TrainingPlan(steps, "asked"))))
    return [out[i] for i in range(len(described))]


def _check_run(steps: object, checkpoint_dir: object, resume: object) -> None:
    """Refuse steps that are no positive int, and a resume setting that cannot apply."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer (train_many has no 'auto' steps), got {steps!r}")
    if not (resume is True or resume is False or resume == "auto"):
        raise ValueError(f"resume must be True, False or 'auto', got {resume!r}")
    if checkpoint_dir is None and resume is True:
        raise ValueError("resume=True needs the checkpoint_dir to resume from")


def _packs(described: list[dict], cls: type[Objective]) -> list[list[int]]:
    """The models (by index) that train as one pack: those equal in the options that cannot differ in one."""
    packs: dict[str, list[int]] = {}
    free = per_model_options(cls)
    for i, config in enumerate(described):
        fixed = {k: v for k, v in config["objective_options"].items() if k not in free}
        packs.setdefault(json.dumps(fixed, sort_keys=True), []).append(i)
    return list(packs.values())


def _check_list(configs: object) -> list[dict]:
    if isinstance(configs, (str, bytes, dict)) or not isinstance(configs, Sequence) or not configs \
            or not all(isinstance(c, dict) for c in configs):
        raise ValueError("configs must be a non-empty list of dicts of encoders.train keyword arguments, got "
                         f"{type(configs).__name__}")
    return list(configs)


def _check_config(config: dict, index: int, options: type) -> dict:
    """`config`, refusing the keys train_many sets for all models or does not offer, and unknown ones."""
    for key in config:
        if key in SHARED:
            raise ValueError(f"configs[{index}] sets {key!r}, an argument of train_many shared by every model; "
                             "pass it to train_many")
        if key in NOT_PACKED:
            raise ValueError(f"configs[{index}] sets {key!r}, which packed training does not offer; train that "
                             "model with encoders.train")
    known = set(PER_MODEL) | {field.name for field in dataclasses.fields(options)}
    unknown = sorted(set(config) - known)
    if unknown:
        raise ValueError(f"configs[{index}] has unknown key(s) {unknown}; expected keys from {sorted(known)}")
    return config


def _run(pack: Pack, steps: int, log_every: int, progress: bool, desc: str, checkpoint: Checkpointing
         ) -> list[list[dict]]:
    """Run the pack's steps under one progress bar, from its checkpoint when there is one; each model's history."""
    log = PackLog(len(pack.states))
    checkpoint.resume(pack, log, steps)

    def take_step(step: int) -> float | None:
        log.add(pack.step(step), step)
        shown = log.flush() if step % log_every == 0 else None
        if step % checkpoint.every == 0:
            checkpoint.save(pack, log)
        return shown

    run_steps(take_step, log.step + 1, steps, progress=progress, desc=desc)
    checkpoint.save(pack, log)
    return log.final()
