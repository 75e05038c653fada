"""The one training loop for every objective.

`train` checks its arguments, builds the networks a config describes, then runs its steps: each
draws a batch from the `Feed`, calls the objective (plus the label loss and any auxiliary network)
and takes an Adam step; losses are logged every `log_every` steps and the state is checkpointed
atomically every `checkpoint_every`, at the end and on Ctrl-C (`encoders.interrupt`); the first steps are
timed to settle "auto" steps and a time budget (`encoders.budget`). Training runs in float32, with bf16 autocast and torch.compile
as options, since a step of these small networks is bound by kernel launches rather than arithmetic
(figures in benchmarks/train_speed.py).
Determinism: with a seed, two CPU runs give identical weights, also when run side by side in
threads (each training samples from its own generators), and a run resumed from a checkpoint
ends with the same weights as an uninterrupted one.
"""
from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

import numpy as np
import pandas as pd
import torch
from torch import nn

from encoders.budget import Planner, Steps, check_budget, decoder_step_seconds
from encoders.checkpoint import CHECKPOINT, Resume, TrainingState, find_checkpoint, save_checkpoint
from encoders.checkpoint import resume as resume_checkpoint
from encoders.data import check_images
from encoders.device import SEEDED_INIT, resolve_device, seeded_generator
from encoders.feed import Feed
from encoders.fingerprint import data_fingerprint
from encoders.fitting import adam, descend
from encoders.loop import checkpointed_loop
from encoders.model import Encoder, build_modules
from encoders.networks import VAE
from encoders.objectives import get_objective
from encoders.objectives.base import Batch, Objective
from encoders.objectives.supervision import encode_like, prepare_labels
from encoders.selection import Selection, restore_best
from encoders.slots.model import KINDS as SLOT_KINDS
from encoders.slots.training import train_slots


def train(objective: str, images: np.ndarray, pairs: tuple[np.ndarray, np.ndarray] | None = None,
          labels: pd.DataFrame | None = None, *, validation: pd.DataFrame | None = None, latent_dim: int = 10,
          steps: Steps = 10_000, batch_size: int = 64, lr: float | None = None, seed: int = 0, device: str = "auto",
          checkpoint_dir: str | Path | None = None,
          checkpoint_every: int = 1000, resume: Resume = "auto", time_budget: float | None = None,
          refit_steps: int | Literal["half"] = 0, progress: bool = True, label_weight: float = 10.0,
          label_kinds: dict[str, str] | None = None, log_every: int = 100, bf16: bool = False,
          compile: bool = False, **objective_options) -> Encoder:
    """Train an image encoder/decoder with one of `encoders.OBJECTIVES` (for "slot-attention" and "slot-set-prediction":
    a `SlotModel`, from `encoders.slots.train_slots` with the arguments it takes; typed code calls that instead).
    Defaults follow disentanglement_lib (Adam, lr 1e-4, betas (0.9, 0.999)); bad arguments raise ValueError at once.

    Parameters
    ----------
    objective, images : str, numpy.ndarray
        A key of `encoders.OBJECTIVES` (e.g. "ada-gvae"; `**objective_options`: fields of its Config, e.g. beta=4.0);
        uint8 images (N, H, W, C), square, side a multiple of 16.
    pairs : (numpy.ndarray, numpy.ndarray), optional
        Two uint8 arrays shaped like `images`; needed by group-vae, ml-vae, ada-gvae and ada-ml-vae.
    labels, label_kinds : pandas.DataFrame, dict of str to str, optional
        Concepts by image row, NaN where missing; latent dim j becomes column j. Needed by causal-vae. label_kinds:
        "continuous" or "categorical" per label column (else `supervision.infer_kind`).
    validation : pandas.DataFrame, optional
        Labelled rows never trained on: training ends with the networks that read them best (`encoders.selection`).
    steps : int or "auto"
        Steps in all (a resumed run continues up to them); "auto": 20,000 on a GPU, on a CPU what fits ten minutes
        with the refit (`encoders.budget`). A run over half an hour (timed on its first steps) is warned about.
    latent_dim, batch_size, checkpoint_every, log_every, seed : int
        Latent size; batch size; steps between checkpoints; steps per history entry; the seed of weights, batches, noise.
    lr, label_weight, device : float or None, float, str
        Adam's learning rate (None: 1e-4; slot models: 4e-4); the label loss's scale; "auto" (CUDA if present) or a device.
    checkpoint_dir, resume : str or Path or None, bool or "auto"
        Where to checkpoint (`encoders.checkpoint`), every `checkpoint_every` steps, at the end and on Ctrl-C. resume
        "auto": continue from the checkpoint in `checkpoint_dir` when there is one; True: it must be there;
        False: start afresh and replace it. A checkpoint of another config or data, or past `steps`, is refused.
    time_budget, refit_steps : float or None, int or "half"
        Seconds for training and refit (the steps are cut to what fits at the measured speed); the decoder refit
        steps the caller runs next (`encoders.refine_decoder`; "half": steps // 2), in the estimate.
    progress, bf16, compile : bool
        Show a progress bar; bfloat16 autocast on CUDA (ignored on CPU); torch.compile the loss.

    Returns
    -------
    Encoder
        `history` holds the logged losses, `plan` the steps, ``config["selected_step"]`` the step kept.
    """
    if objective in SLOT_KINDS:  # pairs, labels and validation are refused there by name
        return train_slots(objective, images, steps=steps, batch_size=batch_size, lr=4e-4 if lr is None else lr, seed=seed,  # type: ignore[return-value]
                           device=device, checkpoint_dir=checkpoint_dir, checkpoint_every=checkpoint_every, resume=resume,
                           time_budget=time_budget, progress=progress, log_every=log_every, pairs=pairs, labels=labels,
                           validation=validation, **objective_options)
    check_budget(steps, time_budget, refit_steps)
    config, data = check_arguments(
        objective, images, pairs, labels, label_kinds, objective_options, latent_dim=latent_dim, steps=steps,
        batch_size=batch_size, lr=1e-4 if lr is None else lr, seed=seed, label_weight=label_weight,
        checkpoint_every=checkpoint_every, log_every=log_every, validation=validation)
    run = _Run(config, data, resolve_device(device), None if checkpoint_dir is None else Path(checkpoint_dir), resume)
    planner = Planner(steps, time_budget, refit_steps, run.device, f"training {objective}", run.resumed, run.time_refit_step)
    return _fit(run, data, planner, label_weight=float(label_weight), compile=compile, bf16=bf16, log_every=log_every,
                checkpoint_every=checkpoint_every, progress=progress)


def _fit(run: _Run, data: _Data, planner: Planner, *, label_weight: float, compile: bool, bf16: bool, log_every: int,
         checkpoint_every: int, progress: bool) -> Encoder:
    """Run the training `run` to the steps `planner` settles; the trained encoder."""
    state, config = run.state, run.config
    loss_fn = state.objective.loss
    feed = Feed(data.images, data.pairs, data.labels, config["batch_size"], state.generator, run.device)
    take = _ObjectiveStep(state, feed, label_weight, torch.compile(loss_fn) if compile else loss_fn,
                          bool(bf16) and run.device.type == "cuda")
    selection = None if data.validation is None else Selection.of(data.images, *data.validation, run.device)
    state.modules["vae"].train()
    checkpointed_loop(take, state.log, run.save, run.checkpoint, planner, run.device, log_every=log_every,
                      checkpoint_every=checkpoint_every, progress=progress, desc=config["objective"],
                      measure=None if selection is None else lambda step: selection.measure(state, step))
    plan = planner.result(state.log.step)
    config["steps"] = plan.steps
    if selection is not None:
        if state.best is None or state.log.step % log_every:  # the last step is a candidate too, measured once
            selection.measure(state, state.log.step)
        config["selected_step"] = restore_best(state, selection)
    return Encoder(state.modules, config, state.log.final_history(), run.device, plan=plan)


@dataclass(frozen=True)
class _Data:
    """The checked training data: images, the pairs the objective trains on (None for single-image
    objectives) and the encoded labels (row positions, values) or None."""

    images: np.ndarray
    pairs: tuple[np.ndarray, np.ndarray] | None
    labels: tuple[np.ndarray, np.ndarray] | None
    validation: tuple[np.ndarray, np.ndarray] | None = None


def check_arguments(objective: str, images: object, pairs: object, labels: pd.DataFrame | None,
                    label_kinds: dict[str, str] | None, objective_options: dict, *, latent_dim: int, steps: Steps,
                    batch_size: int, lr: float, seed: int, label_weight: float, checkpoint_every: int,
                    log_every: int, validation: pd.DataFrame | None = None) -> tuple[dict, _Data]:
    """Validate every argument of `train`, and describe the training by its config: what a checkpoint
    must match to be resumed and what a saved encoder is rebuilt from."""
    cls = get_objective(objective)
    images = check_images(images)
    for name, value in (("latent_dim", latent_dim), ("batch_size", batch_size),
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
    elif label_kinds or validation is not None:
        raise ValueError(f"{'label_kinds' if label_kinds else 'validation'} was given without labels")
    held_out = None if validation is None or spec is None else encode_like(validation, spec, len(images))
    if held_out is not None and encoded is not None and np.isin(held_out[0], encoded[0]).any():
        raise ValueError("validation must hold labelled rows the training does not: rows "
                         f"{held_out[0][np.isin(held_out[0], encoded[0])][:5].tolist()} are in labels too")
    if cls.needs_labels and spec is None:
        raise ValueError(f"objective {objective!r} needs labels (a DataFrame of concept values per image row)")
    options = cls.make_config(objective_options)
    n, resolution, _, channels = images.shape
    config = {
        "objective": objective, "objective_options": dataclasses.asdict(options), "latent_dim": int(latent_dim),
        "resolution": int(resolution), "channels": int(channels), "n_images": int(n),
        "n_pairs": 0 if pairs is None else int(pairs[0].shape[0]), "batch_size": int(batch_size), "lr": float(lr),
        "seed": int(seed), "label_weight": float(label_weight), "labels": spec.to_dict() if spec else None,
        "steps": steps if steps == "auto" else int(steps), "log_every": int(log_every),
    }
    return config, _Data(images, pairs if cls.needs_pairs else None, encoded, held_out)


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


def initial_state(config: dict, device: torch.device) -> TrainingState:
    """The state a training starts from: the networks of `config` initialised from its seed, their
    optimisers and the two random streams (batch indices, and the objective's sampling noise, a stream
    of its own rather than a copy of the first)."""
    seed = config["seed"]
    with SEEDED_INIT:
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
    return TrainingState(modules, optimizer, aux_optimizer, generator, objective.generator)


class _Run:
    """One training's state and checkpoint: built from the config's seed, then resumed from the checkpoint in
    `folder` when `resume` allows and it is this training's (`encoders.checkpoint`)."""

    def __init__(self, config: dict, data: _Data, device: torch.device, folder: Path | None, resume: Resume):
        if not (resume is True or resume is False or resume == "auto"):
            raise ValueError(f"resume must be True, False or 'auto', got {resume!r}")
        if folder is None and resume is True:
            raise ValueError("resume=True needs the checkpoint_dir to resume from")
        found = None if folder is None else find_checkpoint(folder, resume)
        self.config, self.device = config, device
        self.checkpoint = None if folder is None else folder / CHECKPOINT
        self.fingerprint = data_fingerprint(data.images, data.pairs, data.labels, data.validation)
        self.state = initial_state(config, device)
        self.resumed = None if found is None else resume_checkpoint(found, config, self.fingerprint, self.state,
                                                                     device, config["steps"])
        self.saved_at = self.state.log.step if found is not None else -1

    def time_refit_step(self) -> float:
        """Seconds of one decoder refit step after this training (`encoders.budget.decoder_step_seconds`)."""
        side, config = self.config["resolution"], self.config
        return decoder_step_seconds(self.state.vae.decoder, self.state.objective.recon,
                                    (config["batch_size"], config["channels"], side, side), config["latent_dim"],
                                    self.device)

    def save(self) -> None:
        """Checkpoint the state, unless there is no checkpoint_dir or this step is saved already."""
        if self.checkpoint is not None and self.saved_at != self.state.log.step:
            save_checkpoint(self.checkpoint, self.config, self.fingerprint, self.state)
            self.saved_at = self.state.log.step


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
            labelled_images = None
            if self.feed.labelled:
                labelled_images, batch.label_values = self.feed.labelled_batch()
            terms = objective_terms(state.modules, batch, labelled_images, step, self.label_weight, self.loss_fn)
        descend(state.optimizer, terms["loss"])
        if state.aux_optimizer is not None:
            terms["discriminator"] = state.objective.auxiliary_loss(step)
            descend(state.aux_optimizer, terms["discriminator"])
        state.objective.after_step(step)
        return terms


def objective_terms(modules: nn.ModuleDict, batch: Batch, labelled_images: torch.Tensor | None, step: int,
                    label_weight: float | torch.Tensor, loss_fn: Callable[..., dict[str, torch.Tensor]]
                    ) -> dict[str, torch.Tensor]:
    """One step's loss terms: `loss_fn` (the objective's loss) on `batch`, plus the weighted label loss on
    `labelled_images` (whose encoded labels are ``batch.label_values``) when given. `encoders.packed` runs it too."""
    vae, objective = cast(VAE, modules["vae"]), cast(Objective, modules["objective"])
    if labelled_images is not None:
        batch.labelled_mean, batch.labelled_log_var = vae.encoder(labelled_images)
    terms = loss_fn(vae, batch, step)
    if labelled_images is not None:
        assert batch.labelled_mean is not None and batch.label_values is not None
        concepts = objective.to_latent(batch.labelled_mean.float())[:, :batch.label_values.shape[1]]
        terms["label"] = modules["supervision"](concepts, batch.label_values)
        terms["loss"] = terms["loss"] + label_weight * terms["label"]
    return terms
