"""Training a slot model: the reference's objective and schedule on the loop pieces every encoders training shares.

The step draws a batch (`encoders.fitting.draw` from a seeded CPU generator), scales images to [-1, 1] as the
reference's data pipeline does, samples the initial slots from the training's own noise stream and takes an Adam step
on the mean squared error of the reconstruction (autoencoder) or on the Hungarian-matched Huber loss against the
targets (set predictor). The learning rate follows the reference: linear warm-up, then 0.5 ** (step / decay_steps).
Progress, "auto" steps and time budgets (`encoders.budget`), checkpoints and resume (`encoders.checkpoint`) and Ctrl-C
(`encoders.interrupt`) behave as in `encoders.train`.
"""
from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import numpy as np
import torch
from torch import nn

from encoders.budget import Planner, Steps, check_budget
from encoders.checkpoint import CHECKPOINT, Resume, TrainingState, find_checkpoint, save_checkpoint
from encoders.checkpoint import resume as resume_checkpoint
from encoders.data import as_uint8_tensor, check_images, to_float
from encoders.device import SEEDED_INIT, resolve_device, seeded_generator
from encoders.fingerprint import array_fingerprint
from encoders.fitting import adam, descend, draw
from encoders.loop import checkpointed_loop
from encoders.slots.matching import hungarian_huber_loss
from encoders.slots.model import KINDS, SET_PREDICTION, SlotModel, build_net, check_num_slots
from encoders.slots.networks import BroadcastDecoder, SlotConfig, SlotNet
from encoders.slots.presets import auto_pool, options_of


def train_slots(kind: str, images: np.ndarray, targets: np.ndarray | None = None, *, num_slots: int = 7,
                steps: Steps = 10_000, batch_size: int = 64, lr: float = 4e-4, seed: int = 0, device: str = "auto",
                checkpoint_dir: str | Path | None = None, checkpoint_every: int = 1000, resume: Resume = "auto",
                time_budget: float | None = None, progress: bool = True, log_every: int = 100, preset: str = "paper",
                pairs: object = None, labels: object = None, validation: object = None, **options) -> SlotModel:
    """Train a Slot Attention autoencoder ("slot-attention") or set predictor ("slot-set-prediction").

    Defaults are the paper's (Locatello et al. 2020): batch 64, Adam lr 4e-4, warm-up 10k steps, 7 slots.

    Parameters
    ----------
    kind, images : str, numpy.ndarray
        One of `encoders.slots.KINDS`; uint8 images (N, H, W, C), square, side a multiple of 16.
    targets : numpy.ndarray, optional
        Needed by the set predictor: float (N, M, P) object property vectors in [0, 1] (e.g. coordinates, one-hot
        properties, objectness last), M <= num_slots; images with fewer objects pad with all-zero rows.
    num_slots : int
        Slots during training (any count is allowed later).
    steps, batch_size, lr, seed, device, checkpoint_dir, checkpoint_every, resume, time_budget, progress, log_every
        As for `encoders.train`.
    pairs, labels, validation : None
        Taken only to be refused by name (`encoders.train` passes its own on): slot models train without them.
    preset : str
        "paper" (the published sizes and schedule) or "cpu" (a smaller network and shorter warm-up for CPU budgets:
        `encoders.slots.presets`).
    **options
        Fields of `SlotConfig` that override the preset, e.g. width=32, warmup_steps=1000.

    Returns
    -------
    SlotModel
    """
    for name, value in (("pairs", pairs), ("labels", labels), ("validation", validation)):
        if value is not None:
            raise ValueError(f"{kind!r} trains on images (and set-prediction targets) alone: {name} is not used")
    check_budget(steps, time_budget, 0)
    config, images, targets = _check_arguments(kind, images, targets, preset, options, num_slots=num_slots,
                                               steps=steps, batch_size=batch_size, lr=lr, seed=seed,
                                               checkpoint_every=checkpoint_every, log_every=log_every)
    if not (resume is True or resume is False or resume == "auto"):
        raise ValueError(f"resume must be True, False or 'auto', got {resume!r}")
    if checkpoint_dir is None and resume is True:
        raise ValueError("resume=True needs the checkpoint_dir to resume from")
    run = _SlotRun(config, images, targets, resolve_device(device), checkpoint_dir, resume)
    planner = Planner(steps, time_budget, 0, run.device, f"training {kind}", run.resumed)
    run.net.train()
    checkpointed_loop(run.step, run.state.log, run.save, run.checkpoint, planner, run.device, log_every=log_every,
                      checkpoint_every=checkpoint_every, progress=progress, desc=config["objective"])
    config["steps"] = planner.result(run.state.log.step).steps
    return SlotModel(run.result, config, run.state.log.final_history(), run.device,
                     plan=planner.result(run.state.log.step))


def reconstruction_loss(decoder: BroadcastDecoder, slots: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    """The mean squared error of the decoded mixture against the images, on the decoder's grid: a decoder `pool`
    times coarser than the images is compared with them averaged over pool x pool blocks, not upsampled first (the
    same FG-ARI per step at 64 px, pool 2, and 20% faster a step on two CPU threads: docs/objects.md)."""
    rgb, masks = decoder(slots, full_size=False)
    if decoder.pool > 1:
        images = nn.functional.avg_pool2d(images, decoder.pool)
    return ((rgb * masks[:, :, None]).sum(1) - images).square().mean()


def learning_rate(base: float, step: int, config: SlotConfig) -> float:
    """The reference's schedule at (1-based) `step`: linear warm-up to `base`, times decay_rate ** (step / decay)."""
    warmup = min(1.0, step / config.warmup_steps) if config.warmup_steps > 0 else 1.0
    return base * warmup * config.decay_rate ** (step / config.decay_steps)


def initial_net(config: dict) -> SlotNet:
    """The untrained network of a slot model's `config`, drawn from its seed: what its training starts from."""
    with SEEDED_INIT, torch.random.fork_rng(devices=[]):
        torch.manual_seed(config["seed"])
        return build_net(config)


def _check_arguments(kind: str, images: object, targets: object, preset: str, options: dict, *, num_slots: int,
                     steps: Steps, batch_size: int, lr: float, seed: int, checkpoint_every: int,
                     log_every: int) -> tuple[dict, np.ndarray, np.ndarray | None]:
    """Validate `train_slots`' arguments; the config that describes the training (and rebuilds its model)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    images = check_images(images)
    num_slots = check_num_slots(num_slots)
    for name, value in (("batch_size", batch_size), ("checkpoint_every", checkpoint_every), ("log_every", log_every)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not 0 < lr < float("inf"):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    slot_config = options_of(preset, options)
    checked = _check_targets(kind, targets, len(images), num_slots)
    n, resolution, _, channels = images.shape
    if slot_config.pool == 0:
        slot_config = dataclasses.replace(slot_config, pool=auto_pool(int(resolution)))
    for name, pool in (("pool", slot_config.pool), ("decoder_pool", slot_config.decoder_scale)):
        if resolution % pool or resolution // pool < 8:
            raise ValueError(f"{name} must divide the images' side {resolution} and leave at least 8 px, got {name}={pool}")
    config = {"objective": kind, "preset": preset, "options": dataclasses.asdict(slot_config), "num_slots": num_slots,
              "properties": 0 if checked is None else int(checked.shape[2]), "resolution": int(resolution),
              "channels": int(channels), "n_images": int(n), "batch_size": int(batch_size), "lr": float(lr),
              "seed": int(seed), "steps": steps if steps == "auto" else int(steps), "log_every": int(log_every)}
    return config, images, checked


def _check_targets(kind: str, targets: object, n: int, num_slots: int) -> np.ndarray | None:
    """The set predictor's targets as float32 (n, M, P), M <= num_slots; None for the autoencoder (which takes none)."""
    if kind != SET_PREDICTION:
        if targets is not None:
            raise ValueError(f"{kind!r} trains on images alone: targets are for {SET_PREDICTION!r}")
        return None
    if targets is None:
        raise ValueError(f"{SET_PREDICTION!r} needs targets: float (N, M, P) object property vectors")
    array = np.asarray(targets, dtype=np.float32)
    if array.ndim != 3 or array.shape[0] != n or array.shape[1] < 1 or array.shape[2] < 1:
        raise ValueError(f"targets must have shape ({n}, M, P) (one set of M objects per image), got {array.shape}")
    if array.shape[1] > num_slots:
        raise ValueError(f"targets hold up to {array.shape[1]} objects per image, more than num_slots={num_slots}")
    if not np.isfinite(array).all():
        raise ValueError("targets contain NaN or infinite values")
    return array


class _SlotRun:
    """One slot training: its state built from the seed (or resumed from its checkpoint), its data on the device."""

    def __init__(self, config: dict, images: np.ndarray, targets: np.ndarray | None, device: torch.device,
                 folder: str | Path | None, resume: Resume):
        found = None if folder is None else find_checkpoint(Path(folder), resume)
        self.config, self.device, self.slot_config = config, device, SlotConfig(**config["options"])
        self.checkpoint = None if folder is None else Path(folder) / CHECKPOINT
        self.fingerprint = {"images": array_fingerprint(images),
                            "targets": None if targets is None else array_fingerprint(targets, rows=None)}
        modules = nn.ModuleDict({"net": initial_net(config)})
        if self.slot_config.weight_average > 0:
            modules["average"] = copy.deepcopy(modules["net"]).requires_grad_(False)
        modules = modules.to(device)
        optimizer = adam(modules["net"].parameters(), config["lr"], device)
        self.state = TrainingState(modules, optimizer, None, torch.Generator().manual_seed(config["seed"]),
                                   seeded_generator(config["seed"], 1, device))
        self.data = [as_uint8_tensor(images, device)] + ([] if targets is None else [torch.from_numpy(targets).to(device)])
        self.resumed = None if found is None else resume_checkpoint(found, config, self.fingerprint, self.state,
                                                                     device, config["steps"])
        self.saved_at = self.state.log.step if found is not None else -1

    @property
    def net(self) -> SlotNet:
        """The network the optimiser trains."""
        return self.state.modules["net"]  # type: ignore[return-value]

    @property
    def result(self) -> SlotNet:
        """The network training returns: the moving average of the weights where one is kept, else the trained one."""
        return self.state.modules["average" if "average" in self.state.modules else "net"]  # type: ignore[return-value]

    def step(self, step: int) -> dict[str, torch.Tensor]:
        """Step `step` (1-based): the loss on the next batch and an Adam step at the scheduled learning rate."""
        state, config = self.state, self.config
        for group in state.optimizer.param_groups:
            group["lr"] = learning_rate(config["lr"], step, self.slot_config)
        batch = draw(self.data, config["batch_size"], state.generator, self.device)
        images = to_float(batch[0]) * 2.0 - 1.0
        slots = self.net.slots(images, config["num_slots"], state.noise)
        if isinstance(self.net.head, BroadcastDecoder):
            loss = reconstruction_loss(self.net.head, slots, images)
        else:
            loss = hungarian_huber_loss(self.net.head(slots), batch[1])
        descend(state.optimizer, loss)
        if "average" in state.modules:
            self._average(step)
        return {"loss": loss}

    @torch.no_grad()
    def _average(self, step: int) -> None:
        """Move the average of the weights towards the trained ones (decay capped early: see `SlotConfig`). The
        networks' buffers are constant coordinate grids, so the copy's stay as they are."""
        decay = min(self.slot_config.weight_average, (1 + step) / (10 + step))
        for mean, value in zip(self.state.modules["average"].parameters(), self.net.parameters(), strict=True):
            mean.lerp_(value, 1.0 - decay)

    def save(self) -> None:
        """Checkpoint the state, unless there is no checkpoint_dir or this step is saved already."""
        if self.checkpoint is not None and self.saved_at != self.state.log.step:
            save_checkpoint(self.checkpoint, self.config, self.fingerprint, self.state)
            self.saved_at = self.state.log.step
