"""The one training loop for every objective.

`train` checks its arguments, builds the networks a config describes, then runs its steps: each
draws a batch from the `Feed`, calls the objective (plus the label loss and any auxiliary network)
and takes an Adam step; losses are logged every `log_every` steps and the state is checkpointed
atomically every `checkpoint_every`. Training runs in float32, with bf16 autocast and torch.compile
as options, since a step of these small networks is bound by kernel launches rather than arithmetic
(figures in benchmarks/train_speed.py).
Determinism: with a seed, two CPU runs give identical weights, also when run side by side in
threads (each training samples from its own generators), and a run resumed from a checkpoint
ends with the same weights as an uninterrupted one.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import torch

from encoders.checkpoint import CHECKPOINT, TrainingState, resume, save_checkpoint
from encoders.data import check_images
from encoders.device import resolve_device, seeded_generator
from encoders.feed import Feed
from encoders.fitting import adam, descend, run_steps
from encoders.model import Encoder, build_modules
from encoders.objectives import get_objective
from encoders.objectives.base import Objective
from encoders.objectives.supervision import prepare_labels

# Weights are initialised from torch's global generator: seeding it and building the modules is
# done by one training at a time, so trainings started in threads side by side stay reproducible.
_SEEDED_INIT = threading.Lock()


def train(objective: str, images: np.ndarray, pairs: tuple[np.ndarray, np.ndarray] | None = None,
          labels: pd.DataFrame | None = None, *, latent_dim: int = 10, steps: int = 10_000, batch_size: int = 64,
          lr: float = 1e-4, seed: int = 0, device: str = "auto", checkpoint_dir: str | Path | None = None,
          checkpoint_every: int = 1000, progress: bool = True, label_weight: float = 10.0,
          label_kinds: dict[str, str] | None = None, log_every: int = 100, bf16: bool = False,
          compile: bool = False, **objective_options) -> Encoder:
    """Train an image encoder/decoder with one of `encoders.OBJECTIVES`.

    Defaults follow disentanglement_lib (Adam, lr 1e-4, betas (0.9, 0.999)), which trains 300k
    steps: raise `steps` for real data. Bad arguments raise ValueError before any work.

    Parameters
    ----------
    objective : str
        A key of `encoders.OBJECTIVES`, e.g. "beta-vae", "ada-gvae", "causal-vae".
    images : numpy.ndarray
        uint8 (N, H, W, C), square with a side that is a multiple of 16.
    pairs : (numpy.ndarray, numpy.ndarray), optional
        Two uint8 arrays shaped like `images` and like each other; needed by the weakly supervised
        objectives (group-vae, ml-vae, ada-gvae, ada-ml-vae).
    labels : pandas.DataFrame, optional
        Concepts by image row, NaN where missing; latent dim j becomes column j. Needed by causal-vae.
    latent_dim, steps, batch_size, checkpoint_every, log_every : int
        Latent size; steps in all (a resumed run continues up to it); batch size; steps between
        checkpoints; steps per entry of the returned history.
    lr, label_weight : float
        Adam's learning rate; the scale of the label loss added to the objective's.
    seed : int
        Seeds weights, batches and sampling noise: one seed, identical weights on CPU.
    device : str
        "auto" (CUDA when present, else CPU) or a torch device name.
    checkpoint_dir : str or Path, optional
        Where to checkpoint; a rerun with the same config resumes from the checkpoint there.
    progress, bf16, compile : bool
        Show a progress bar; bfloat16 autocast on CUDA (ignored on CPU); torch.compile the loss.
    label_kinds : dict of str to str, optional
        "continuous" or "categorical" per label column, overriding `supervision.infer_kind`.
    **objective_options
        Fields of the objective's Config, e.g. beta=4.0.

    Returns
    -------
    Encoder
        The trained encoder; its `history` holds the logged losses.
    """
    config, data = _check_arguments(
        objective, images, pairs, labels, label_kinds, objective_options, latent_dim=latent_dim, steps=steps,
        batch_size=batch_size, lr=lr, seed=seed, label_weight=label_weight, checkpoint_every=checkpoint_every,
        log_every=log_every)
    dev = resolve_device(device)
    ckpt_file = None if checkpoint_dir is None else Path(checkpoint_dir) / CHECKPOINT
    state = _initial_state(config, dev, ckpt_file)
    loss_fn = state.objective.loss
    feed = Feed(data.images, data.pairs, data.labels, batch_size, state.generator, dev)
    take = _ObjectiveStep(state, feed, float(label_weight), torch.compile(loss_fn) if compile else loss_fn,
                          bool(bf16) and dev.type == "cuda")
    save = None if ckpt_file is None else functools.partial(save_checkpoint, ckpt_file, config, state)
    _loop(take, steps=steps, log_every=log_every, checkpoint_every=checkpoint_every, save=save,
          progress=progress, desc=objective)
    return Encoder(state.modules, config, state.log.final_history(), dev)


@dataclass(frozen=True)
class _Data:
    """The checked training data: images, the pairs the objective trains on (None for single-image
    objectives) and the encoded labels (row positions, values) or None."""

    images: np.ndarray
    pairs: tuple[np.ndarray, np.ndarray] | None
    labels: tuple[np.ndarray, np.ndarray] | None


def _check_arguments(objective: str, images: object, pairs: object, labels: pd.DataFrame | None,
                     label_kinds: dict[str, str] | None, objective_options: dict, *, latent_dim: int, steps: int,
                     batch_size: int, lr: float, seed: int, label_weight: float, checkpoint_every: int,
                     log_every: int) -> tuple[dict, _Data]:
    """Validate every argument of `train`, and describe the training by its config: what a checkpoint
    must match to be resumed and what a saved encoder is rebuilt from."""
    cls = get_objective(objective)
    images = check_images(images)
    for name, value in (("latent_dim", latent_dim), ("steps", steps), ("batch_size", batch_size),
                        ("checkpoint_every", checkpoint_every), ("log_every", log_every)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not 0 < lr < float("inf"):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if not 0 <= label_weight < float("inf"):
        raise ValueError(f"label_weight must be a finite number >= 0, got {label_weight!r}")
    pairs = _check_pairs(pairs, images)
    if cls.needs_pairs and pairs is None:
        raise ValueError(f"objective {objective!r} is weakly supervised and needs pairs=(x1, x2)")
    spec, encoded = None, None
    if labels is not None:
        rows, values, spec = prepare_labels(labels, len(images), label_kinds)
        if latent_dim < len(spec.names):
            raise ValueError(f"latent_dim ({latent_dim}) must be >= the number of label columns ({len(spec.names)})")
        encoded = (rows, values)
    elif label_kinds:
        raise ValueError("label_kinds was given without labels")
    if cls.needs_labels and spec is None:
        raise ValueError(f"objective {objective!r} needs labels (a DataFrame of concept values per image row)")
    options = cls.make_config(objective_options)
    n, resolution, _, channels = images.shape
    config = {
        "objective": objective, "objective_options": dataclasses.asdict(options), "latent_dim": int(latent_dim),
        "resolution": int(resolution), "channels": int(channels), "n_images": int(n),
        "n_pairs": 0 if pairs is None else int(pairs[0].shape[0]), "batch_size": int(batch_size), "lr": float(lr),
        "seed": int(seed), "label_weight": float(label_weight), "labels": spec.to_dict() if spec else None,
        "steps": int(steps), "log_every": int(log_every),
    }
    return config, _Data(images, pairs if cls.needs_pairs else None, encoded)


def _check_pairs(pairs: object, images: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The checked pair arrays (x1, x2), each shaped like `images` bar its length, or None."""
    if pairs is None:
        return None
    if not isinstance(pairs, (tuple, list)) or len(pairs) != 2:
        raise ValueError("pairs must be a tuple (x1, x2) of uint8 image arrays")
    x1, x2 = check_images(pairs[0], "pairs[0]"), check_images(pairs[1], "pairs[1]")
    if x1.shape != x2.shape:
        raise ValueError(f"pairs must have equal shapes, got {x1.shape} and {x2.shape}")
    if x1.shape[1:] != images.shape[1:]:
        raise ValueError(f"pairs images must have the images' shape {images.shape[1:]}, got {x1.shape[1:]}")
    return x1, x2


def _initial_state(config: dict, device: torch.device, ckpt_file: Path | None) -> TrainingState:
    """The state a training starts from: the networks of `config` initialised from its seed, their
    optimisers and the two random streams (batch indices, and the objective's sampling noise, a stream
    of its own rather than a copy of the first); then the checkpoint at `ckpt_file`, when there is one."""
    seed = config["seed"]
    with _SEEDED_INIT:
        torch.manual_seed(seed)
        modules = build_modules(config)
    modules = modules.to(device, memory_format=torch.channels_last)  # type: ignore[call-overload]
    objective = cast(Objective, modules["objective"])
    params = list(modules["vae"].parameters())
    if "supervision" in modules:
        params += list(modules["supervision"].parameters())
    optimizer = adam([{"params": params}, *objective.param_groups()], config["lr"], device)
    aux_optimizer = objective.auxiliary_optimizer()
    generator = torch.Generator().manual_seed(seed)
    objective.generator = seeded_generator(seed, 1, device)
    state = TrainingState(modules, optimizer, aux_optimizer, generator, objective.generator)
    if ckpt_file is not None and ckpt_file.is_file():
        resume(ckpt_file, config, state, device)
    return state


@dataclass
class _ObjectiveStep:
    """One optimisation step: the objective's loss on the next batch, plus the weighted label loss on
    a batch of labelled images when there are labels; an Adam step; then the objective's auxiliary
    network (FactorVAE's discriminator) and its non-gradient state."""

    state: TrainingState
    feed: Feed
    label_weight: float
    loss_fn: Callable[..., dict[str, torch.Tensor]]
    bf16: bool

    def __call__(self, step: int) -> dict[str, torch.Tensor]:
        """Run step `step` (1-based) and return its loss terms."""
        state = self.state
        batch = self.feed.batch()
        with torch.autocast("cuda", dtype=torch.bfloat16) if self.bf16 else contextlib.nullcontext():
            if self.feed.labelled:
                labelled_images, values = self.feed.labelled_batch()
                mean, log_var = state.vae.encoder(labelled_images)
                batch.labelled_mean, batch.labelled_log_var, batch.label_values = mean, log_var, values
            terms = self.loss_fn(state.vae, batch, step)
            if self.feed.labelled:
                concepts = state.objective.to_latent(mean.float())[:, :values.shape[1]]
                terms["label"] = state.supervision(concepts, values)
                terms["loss"] = terms["loss"] + self.label_weight * terms["label"]
        descend(state.optimizer, terms["loss"])
        if state.aux_optimizer is not None:
            terms["discriminator"] = state.objective.auxiliary_loss(step)
            descend(state.aux_optimizer, terms["discriminator"])
        state.objective.after_step(step)
        return terms


def _loop(take: _ObjectiveStep, *, steps: int, log_every: int, checkpoint_every: int,
          save: Callable[[], None] | None, progress: bool, desc: str) -> None:
    """Run `take` from the step after the logged one up to `steps`, logging every `log_every` steps
    and calling `save` every `checkpoint_every` steps and after the last."""
    log = take.state.log

    def take_step(step: int) -> float | None:
        log.add(take(step), step)
        shown = log.flush() if step % log_every == 0 else None
        if save is not None and (step % checkpoint_every == 0 or step == steps):
            save()
        return shown

    take.state.modules["vae"].train()
    run_steps(take_step, log.step + 1, steps, progress=progress, desc=desc)
